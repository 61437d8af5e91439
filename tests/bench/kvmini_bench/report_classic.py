# SPDX-License-Identifier: MIT
"""The classic "VM versus container" table, every row with a measured value
or the stated reason why there is none, beside the usual claim's words."""
from .stats import format_bytes, format_ms, summarize

# (row, the VM claim, the container claim): the words of the usual tables.
CLAIMS = [
    ("OS stack", "a full guest OS per VM", "shares the host's OS kernel"),
    ("Startup time", "slow: minutes", "fast: seconds"),
    ("Shutdown / teardown", "slower shutdown", "fast"),
    ("Resource overhead: RAM", "heavy: GBs", "light: MBs"),
    ("Resource overhead: CPU (speed vs host)", "lower due to virtualization", "near-native"),
    ("Resource overhead: disk (image size)", "GBs", "MBs"),
    ("Performance: system calls, file I/O", "lower due to virtualization", "near-native"),
    ("Density", "tens per host", "hundreds of containers on a single host"),
    ("Isolation and security", "strong: hardware-enforced", "weaker: shared kernel"),
]


def short(reason):
    """A skip reason's first clause (the full one is in the Skipped list)."""
    return (reason or "no value").split(";")[0].strip()


def _ready(c):
    return "**%s**" % format_ms(c["ready_ms"]["median"])


def teardown_of(c):
    """c's teardown summary (ready line to exit), or None if its ready point
    is its exit. Derived from the samples for results.json files written
    before the bench recorded it."""
    if "teardown_ms" in c:
        return c["teardown_ms"]
    if c["ready_definition"].startswith("ready = exit"):
        return None
    return summarize([s["total_ms"] - s["ready_ms"] for s in c["samples"]
                      if s["phase"] == "measured" and not s["error"]])


def _teardown(c):
    t = teardown_of(c)
    if t is None:
        return "n/a: its ready point is its exit, so no separate teardown"
    return "%s (ready line to exit)" % format_ms(t["median"])


def _ram(c):
    m = c.get("memory_at_ready")
    if not m:
        return "n/a: " + (c.get("memory_probe_error") or "no ready point to measure at")
    return "**%s** PSS (%s RSS)" % (format_bytes(m["pss_kb"] * 1024),
                                    format_bytes(m["rss_kb"] * 1024))


def _ratio(result, c, names):
    st = result.get("steady")
    if not st:
        return "not measured (--steady-reps 0)"
    parts = []
    for w in st["workloads"]:
        if w["name"] not in names:
            continue
        row = w["contenders"].get(c["name"])
        if not row:
            continue
        if row["ratio"] is not None:
            parts.append("%s **%.2fx** (CPU time %s)" % (
                w["name"], row["ratio"], "%.2fx" % row["cpu_ratio"] if row.get("cpu_ratio")
                else "n/a"))
        else:
            return "n/a: " + short(row["skip"] or row["error"] or row.get("note"))
    if parts and c["kind"] == "vm" and "syscall" in names:
        parts.append("(%s)" % st["emulated_note"])
    return ", ".join(parts) or "n/a"


def _density(result, c):
    n = c.get("instances_per_gib")
    parts = ["**%d** per GiB (one alone)" % n] if n else []
    for b in (result.get("density") or {}).get(c["name"], []):
        if b["all_up_ms"] is not None:
            parts.append("%d at once: all up in %s, %s each (%s per GiB)" % (
                b["n"], format_ms(b["all_up_ms"]), format_bytes(b["pss_kb_per_instance"] * 1024),
                b["instances_per_gib"]))
        else:
            parts.append("%d at once: %d up (%s)" % (b["n"], b["up"], b["error"]))
    return "; ".join(parts) or "n/a: no memory probe"


def _isolation(result, c):
    iso = result.get("isolation") or {}
    hi = iso.get("host_interface") or {}
    noisy = (iso.get("noisy_neighbour") or {}).get(c["name"])
    if c["kind"] == "vm":
        vm = hi.get("vm") or {}
        parts = ["%d KVM exit types handled, then %d monitor system calls (%d with host "
                 "sockets) and %d ioctls" % (len(vm.get("exit_reasons", [])),
                                            vm.get("monitor_syscalls", 0),
                                            vm.get("monitor_syscalls_with_sockets", 0),
                                            vm.get("monitor_ioctls", 0))]
    else:
        parts = ["%s host system calls reachable (no seccomp profile)" % hi.get("host_syscalls")]
    if c["status"] != "ok":
        parts.append("measured runs: skipped: " + short(c["skip_reason"]))
    elif noisy and "baseline" in noisy:
        worst = max((h["probe"].get("p99_us", 0) for h in noisy["hogs"]), default=0)
        parts.append("probe p99 wake-up %.0f us alone, %.0f us beside the worst hog" % (
            noisy["baseline"].get("p99_us", 0), worst))
    elif noisy:
        parts.append("noisy neighbour: " + short(noisy["skip"]))
    return "; ".join(parts)


def _image(result, kind):
    img = result.get("images") or {}
    deb = img.get("debian") or {}
    rec = img.get(kind)
    if not rec:
        return "n/a: " + short(img.get(kind + "_skip"))
    if kind == "vm":
        val = "**%s** (%s)" % (format_bytes(rec["bytes"]), rec["what"])
    else:
        val = "**%s** (%s; %s as a tar.gz layer)" % (
            format_bytes(rec["bytes"]), rec["what"], format_bytes(rec["layer_gzip_bytes"]))
    if deb.get("bytes"):
        val += "; a Debian userland adds %s" % format_bytes(deb["bytes"])
    return val


def _cell(result, cs, fn, always=False):
    """Per contender, fn(c), or its skip reason (always: fn(c) even then, for
    values that need no run, such as counts from the sources)."""
    return group([(c["name"], fn(c) if c["status"] == "ok" or always else
                   "skipped: " + short(c["skip_reason"])) for c in cs], "<br>")


def group(pairs, sep):
    """'a, b: value' for the names that share a value, in first-seen order."""
    values = {}
    for name, value in pairs:
        values.setdefault(value, []).append(name)
    return sep.join("%s: %s" % (", ".join(names), v) for v, names in values.items()) \
        or "(none selected)"


def render(result):
    """Markdown lines of the table."""
    sel = [c for c in result["contenders"] if c["selected"]]
    vms = [c for c in sel if c["kind"] == "vm"]
    cts = [c for c in sel if c["kind"] == "container"]
    cells = {
        "OS stack": lambda c: c["kernel"],
        "Startup time": _ready,
        "Shutdown / teardown": _teardown,
        "Resource overhead: RAM": _ram,
        "Resource overhead: CPU (speed vs host)": lambda c: _ratio(result, c, ("cpu",)),
        "Performance: system calls, file I/O":
            lambda c: _ratio(result, c, ("syscall", "file")),
        "Density": lambda c: _density(result, c),
        "Isolation and security": lambda c: _isolation(result, c),
    }
    out = ["| | VM: the usual claim | Container: the usual claim | VMs, measured here | "
           "Containers, measured here |", "|---|---|---|---|---|"]
    for row, vm_claim, ct_claim in CLAIMS:
        if row.startswith("Resource overhead: disk"):
            vm_v, ct_v = _image(result, "vm"), _image(result, "container")
        else:
            always = row.startswith("Isolation")
            vm_v = _cell(result, vms, cells[row], always)
            ct_v = _cell(result, cts, cells[row], always)
        out.append("| %s | %s | %s | %s | %s |" % (row, vm_claim, ct_claim, vm_v, ct_v))
    return out
