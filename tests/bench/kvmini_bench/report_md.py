# SPDX-License-Identifier: MIT
"""results.md: the classic "VM versus container" table (report_classic.py),
every contender's start-up in detail, then the other phases
(report_extras.py) and the method."""
import shlex

from . import report_classic, report_extras
from .stats import format_bytes, format_ms, percentile


def _ready(c):
    s = c["ready_ms"]
    return "%s (%s–%s)" % (format_ms(s["median"]), format_ms(s["p10"]), format_ms(s["p90"]))


def _memory(c):
    m = c.get("memory_at_ready")
    if not m:
        return "peak RSS %s" % format_bytes(c["peak_rss_kb"] * 1024) \
            if c["peak_rss_kb"] is not None else "n/a"
    if m.get("guest_ram_kb") is not None:
        return "%s: monitor %s + guest RAM touched %s" % (
            format_bytes(m["rss_kb"] * 1024), format_bytes(m["monitor_rss_kb"] * 1024),
            format_bytes(m["guest_ram_kb"] * 1024))
    return "%s in %d processes" % (format_bytes(m["rss_kb"] * 1024), len(m["processes"]))


def _image(c):
    if c["image_bytes"] is None:
        return "n/a"
    parts = " + ".join("%s %s" % (i["what"], format_bytes(i["bytes"])) for i in c["image"])
    alt = c.get("image_alt")
    if alt and alt["bytes"]:
        # The same kernel packed as it would be shipped.
        parts += " (the kernel as %s: %s)" % (alt["what"], format_bytes(alt["bytes"]))
    return parts if len(c["image"]) > 1 else "%s (%s)" % (format_bytes(c["image_bytes"]),
                                                         c["image"][0]["what"])


def _classic(result):
    sel = [c for c in result["contenders"] if c["selected"]]
    out = report_classic.render(result)
    floors = [c for c in sel if c["kind"] in ("floor", "user")]
    if floors:
        out.append("")
        out.append("Floors and user commands: " + "; ".join(
            "%s: %s" % (c["title"], _ready(c) if c["status"] == "ok" else
                        "skipped: " + report_classic.short(c["skip_reason"]))
            for c in floors) + ".")
    out.append("")
    out.append("Startup is the median time from exec to ready; RAM is the PSS of the "
               "instance's processes at the ready point (see Method); ratios are the "
               "contender's time over the host process's for the same work (1.00x = native).")
    return out


def _details(result):
    out = ["| Contender | Ready: median | p10 | p90 | Total: median | p10 | p90 | Runs (failed) "
           "| Teardown: median | Peak RSS, largest process | Host memory at ready | On disk |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for c in result["contenders"]:
        if not c["selected"]:
            continue
        if c["status"] != "ok":
            out.append("| %s | skipped: %s | | | | | | | | | | |" % (
                c["name"], report_classic.short(c["skip_reason"]).replace("|", "/")))
            continue
        r, t = c["ready_ms"], c["total_ms"]
        rss = c["peak_rss_kb"]
        td = report_classic.teardown_of(c)
        out.append("| %s | %s | %s | %s | %s | %s | %s | %d (%d) | %s | %s | %s | %s |" % (
            c["name"], format_ms(r["median"]), format_ms(r["p10"]), format_ms(r["p90"]),
            format_ms(t["median"]), format_ms(t["p10"]), format_ms(t["p90"]), r["n"],
            c["failures"], format_ms(td["median"]) if td else "n/a (ready = exit)", format_bytes(rss * 1024) if rss is not None else "n/a",
            _memory(c) if c.get("memory_at_ready") else "n/a", _image(c)))
    return out


def _monitor_marks(result):
    """Medians of kvmini's own --boot-times marks, where recorded."""
    out = []
    for c in result["contenders"]:
        marks = {}
        for s in c["samples"]:
            if s["phase"] == "measured" and not s["error"]:
                for k, v in s.get("monitor_marks_ms", {}).items():
                    marks.setdefault(k, []).append(v)
        if marks:
            out.append("- %s: " % c["name"] + ", ".join(
                "%s %s" % (k, format_ms(percentile(v, 50))) for k, v in marks.items()))
    return out


def render(result):
    h = result["host"]
    load = result["load_average_1min"]
    out = ["# kvmini-bench: VMs against containers", ""]
    out.append("Measured %s on `%s`: %s, %d CPUs, %d MiB RAM, Linux %s. KVM: %s. "
               "Load average (1 min) %s before, %s after." % (
                   result["started"], h["hostname"], h["cpu"], h["cpus"], h["memory_mib"],
                   h["kernel"], h["kvm"], load["before"], load["after"]))
    out.append("")
    out.append("Versions: %s; kvmini source %s." % (
        "; ".join("%s" % v for v in h["versions"].values() if v), h.get("kvmini_source")))
    out.append("")
    out.append("Command: `%s`" % " ".join(shlex.quote(a) for a in result["command"]))
    out.append("")
    out.append("## The classic comparison, measured")
    out.append("")
    out += _classic(result)
    out += ["", "## Every contender", ""]
    out += _details(result)
    skipped = [c for c in result["contenders"] if c["selected"] and c["status"] != "ok"]
    if skipped:
        out += ["", "## Skipped", ""]
        out += ["- **%s**: %s" % (c["name"], c["skip_reason"]) for c in skipped]
    out += report_extras.render(result)
    marks = _monitor_marks(result)
    if marks:
        out += ["", "## kvmini's own boot marks (median, ms since the monitor's main())", ""]
        out += marks
    out += ["", "## Method", ""]
    out.append("Each run is timed from just before posix_spawn() to (a) the moment the bench "
               "reads the contender's ready line from its stdout pipe and (b) the process's "
               "exit (pidfd). Runs are interleaved: every round runs each contender once, in "
               "a rotated order. Settings: %s." % ", ".join(
                   "%s=%s" % kv for kv in result["settings"].items()))
    out.append("")
    for c in result["contenders"]:
        if not c["selected"]:
            continue
        out.append("- **%s** (%s). Ready: %s. Total: %s." % (
            c["name"], c["title"], c["ready_definition"], c["total_definition"]))
        if c["command"]:
            out.append("  Command: `%s`" % " ".join(shlex.quote(a) for a in c["command"]))
        if c["image_note"]:
            out.append("  Image: %s." % c["image_note"])
    out += ["", "Memory: " + " ".join(result["memory_method"].split()), ""]
    return "\n".join(out)
