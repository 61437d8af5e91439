# SPDX-License-Identifier: MIT
"""results.md's sections beyond start-up: steady-state speed, density,
isolation and image sizes, each a table with a value or a reason per row."""
from .report_classic import group, short
from .stats import format_bytes, format_ms


def _steady(st):
    if not st:
        return ["Not measured (--steady-reps 0)."]
    ws = st["workloads"]
    names = list(ws[0]["contenders"]) if ws else []
    out = ["| Contender | " + " | ".join(w["name"] for w in ws) + " |",
           "|---|" + "---:|" * len(ws)]
    for n in names:
        rows = [w["contenders"][n] for w in ws]
        if all(r["median_ms"] is None for r in rows) and len(set(
                short(r["skip"] or r["error"]) for r in rows)) == 1:
            out.append("| %s | skipped: %s |%s" % (n, short(rows[0]["skip"] or rows[0]["error"])
                                                  .replace("|", "/"), " |" * (len(ws) - 1)))
            continue
        cells = []
        for row in rows:
            if row["median_ms"] is None:
                cells.append("skipped: " + short(row["skip"] or row["error"]).replace("|", "/"))
            elif row["ratio"] is None:
                cells.append("%s (%s)" % (format_ms(row["median_ms"]), row.get("note", "")))
            else:
                cells.append("%s, **%.2fx**; CPU %s, %s" % (
                    format_ms(row["median_ms"]), row["ratio"], format_ms(row["cpu_median_ms"]),
                    "%.2fx" % row["cpu_ratio"] if row["cpu_ratio"] else "n/a"))
        out.append("| %s | %s |" % (n, " | ".join(cells)))
    out += [""] + ["- %s: %s, `%s`" % (w["name"], w["what"], " ".join(w["args"])) for w in ws]
    out += ["", "Median wall time of the work alone (the program's own clock) and its ratio "
            "to the same program run as a plain host process (`process`); then the median CPU "
            "time (user + system) of the work and its ratio, which other load on the machine "
            "hardly moves. Network: %s. For VMs: %s." % (st["network"], st["emulated_note"])]
    return out


def _density(result):
    dense = result.get("density") or {}
    sel = [c for c in result["contenders"] if c["selected"] and c["kind"] in ("vm", "container")]
    out = ["| Contender | PSS of one, alone | Instances per GiB | N at once: up / N, all up "
           "after, PSS per instance, teardown of all |", "|---|---:|---:|---|"]
    for c in sel:
        m = c.get("memory_at_ready")
        if c["status"] != "ok" or not m:
            why = c["skip_reason"] or c.get("memory_probe_error") or "no ready point to hold"
            out.append("| %s | skipped: %s | | |" % (c["name"], short(why).replace("|", "/")))
            continue
        batches = []
        for b in dense.get(c["name"], []):
            batches.append("%d: %d/%d, %s, %s, %s%s" % (
                b["n"], b["up"], b["n"], format_ms(b["all_up_ms"]),
                format_bytes(b["pss_kb_per_instance"] * 1024) if b["pss_kb_per_instance"]
                else "n/a", format_ms(b["teardown_ms"]),
                " (%s)" % b["error"] if b["error"] else ""))
        out.append("| %s | %s | %s | %s |" % (
            c["name"], format_bytes(m["pss_kb"] * 1024), c.get("instances_per_gib") or "n/a",
            "<br>".join(batches) or "not run (its runs are not held at ready)"))
    out += ["", "PSS counts a page shared by k processes as 1/k in each, so shared pages "
            "(a runtime's code, busybox) count once over all instances. A VM's PSS includes "
            "the guest memory it touched; memory a VM is given but never touches is not counted."]
    return out


def _isolation(iso):
    if not iso:
        return ["Not measured."]
    hi = iso["host_interface"]
    vm = hi.get("vm") or {}
    ct = hi["container"]
    out = ["Host interface reachable from the workload:", ""]
    out.append("- VM: %d KVM exit types handled by the monitor (%s); behind them the monitor's "
               "filter allows %d system calls (%d with --net user or --vsock) and %d ioctls "
               "(%s)." % (len(vm.get("exit_reasons", [])), ", ".join(vm.get("exit_reasons", [])),
                          vm.get("monitor_syscalls", 0),
                          vm.get("monitor_syscalls_with_sockets", 0),
                          vm.get("monitor_ioctls", 0), vm.get("source", hi.get("vm_error"))))
    out.append("- Container: %s. OCI default profile: %s." % (
        ct["runc_default"], "%d calls allowed" % ct["oci_default_profile"]
        if ct["oci_default_profile"] else ct["oci_default_note"]))
    out += ["", "Noisy neighbour (wake-up lateness of a 1 ms sleep in a probe instance):", "",
            "| Contender | Alone: p50 / p99 / max | Beside a CPU hog | Beside a memory hog | "
            "Beside a fork bomb |", "|---|---|---|---|---|"]
    for name, rec in (iso.get("noisy_neighbour") or {}).items():
        if "skip" in rec:
            out.append("| %s | skipped: %s | | | |" % (name, short(rec["skip"]).replace("|", "/")))
            continue
        cells = [_probe(rec["baseline"])]
        for h in rec["hogs"]:
            cell = _probe(h["probe"])
            if "children" in h:
                cell += " (the bomb made %d children, then fork() said: %s)" % (
                    h["children"], h["stopped_by"])
            cells.append(cell)
        out.append("| %s | %s |" % (name, " | ".join(cells)))
    if iso.get("noisy_neighbour") is None:
        out.append("| (all) | not run (--noisy-ms 0) | | | |")
    out += ["", "Every hog ran in its own instance with a cgroup limit (pids %s, memory "
            "%s MiB) and was killed after the probe." % _limits(iso), "",
            "Guest kernel panic:", ""]
    out.append(group([("- " + n if not k else n, why) for k, (n, why) in
                      enumerate(iso.get("panic", {}).items())], "\n- ")
               if iso.get("panic") else "- (none selected)")
    return out


def _limits(iso):
    for rec in (iso.get("noisy_neighbour") or {}).values():
        if "limits" in rec:
            return rec["limits"]["pids"], rec["limits"]["memory_mib"]
    return "-", "-"


def _probe(p):
    if "error" in p:
        return "failed: " + p["error"]
    return "%.0f / %.0f / %.0f us" % (p["p50_us"], p["p99_us"], p["max_us"])


def _images(img):
    if not img:
        return ["Not measured."]
    out = ["| What | Bytes | |", "|---|---:|---|"]
    if img.get("vm"):
        f = img["vm"]["files"]
        for k in ("bzImage", "initramfs.cpio", "vmlinux", "rootfs.ext4"):
            if f.get(k):
                out.append("| VM: %s | %s | %s allocated |" % (
                    k, format_bytes(f[k]["bytes"]), format_bytes(f[k]["allocated_bytes"])))
        out.append("| **VM: %s** | **%s** | |" % (img["vm"]["what"],
                                                  format_bytes(img["vm"]["bytes"])))
    else:
        out.append("| VM | skipped: %s | |" % short(img.get("vm_skip")))
    if img.get("container"):
        ct = img["container"]
        out.append("| **Container: %s** | **%s** | as a tar.gz layer: %s |" % (
            ct["what"], format_bytes(ct["bytes"]), format_bytes(ct["layer_gzip_bytes"])))
    else:
        out.append("| Container | skipped: %s | |" % short(img.get("container_skip")))
    deb = img.get("debian") or {}
    out.append("| A Debian userland adds (either kind) | %s | %s |" % (
        format_bytes(deb.get("bytes")), deb.get("skip") or deb.get("what")))
    return out


def render(result):
    """Markdown lines of the four sections."""
    out = ["", "## Steady-state speed, as a ratio to the host", ""]
    out += _steady(result.get("steady"))
    out += ["", "## Density", ""]
    out += _density(result)
    out += ["", "## Isolation", ""]
    out += _isolation(result.get("isolation"))
    out += ["", "## Image size for the same application", ""]
    out += _images(result.get("images"))
    return out
