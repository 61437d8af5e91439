# SPDX-License-Identifier: MIT
"""Exports in hyperfine's formats (--export-json, --export-markdown,
--export-csv), so that hyperfine's scripts and spreadsheets read them.

One result per contender that ran. Like hyperfine, a run is timed from the
start of the command to its exit: "times" are the total times in seconds,
and mean, stddev (sample standard deviation, null for fewer than two runs),
median, min and max are of those; "user" and "system" are the mean CPU
seconds of the command and the children it waited for (wait4's rusage);
"exit_codes" one per run. Beyond hyperfine's fields, each result has
"ready_times" (seconds to the ready line), "kind" and "argv"; contenders
that did not run are listed under "skipped" with their reason (hyperfine has
no such list), and in the Markdown and CSV with an empty time and the reason.
"""
import csv
import io
import json
import statistics

CSV_FIELDS = ["command", "mean", "stddev", "median", "user", "system", "min", "max"]


def _measured(c):
    return [s for s in c["samples"] if s["phase"] == "measured" and not s["error"]]


def _mean(values):
    values = [v for v in values if v is not None]
    return statistics.fmean(values) if values else None


def hyperfine_results(result):
    """(results, skipped) in hyperfine's JSON shape."""
    results, skipped = [], []
    for c in result["contenders"]:
        if not c["selected"]:
            continue
        runs = _measured(c)
        if c["status"] != "ok" or not runs:
            skipped.append({"command": c["name"], "reason": c["skip_reason"] or "no run succeeded"})
            continue
        times = [s["total_ms"] / 1e3 for s in runs]
        results.append({
            "command": c["name"],
            "mean": statistics.fmean(times),
            "stddev": statistics.stdev(times) if len(times) > 1 else None,
            "median": statistics.median(times),
            "user": _mean([s.get("user_s") for s in runs]),
            "system": _mean([s.get("system_s") for s in runs]),
            "min": min(times),
            "max": max(times),
            "times": times,
            "exit_codes": [s["status"] for s in runs],
            "ready_times": [s["ready_ms"] / 1e3 for s in runs],
            "kind": c["kind"],
            "argv": c["command"],
        })
    return results, skipped


def to_json(result):
    results, skipped = hyperfine_results(result)
    return json.dumps({"results": results, "skipped": skipped}, indent=2) + "\n"


def to_csv(result):
    results, skipped = hyperfine_results(result)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_FIELDS + ["skipped"])
    for r in results:
        w.writerow([r[k] if r[k] is not None else "" for k in CSV_FIELDS] + [""])
    for s in skipped:
        w.writerow([s["command"]] + [""] * (len(CSV_FIELDS) - 1) + [s["reason"]])
    return buf.getvalue()


def _ms(v):
    return "%.1f" % (v * 1e3)


def to_markdown(result):
    """hyperfine's table (times in ms, Relative to the fastest mean)."""
    results, skipped = hyperfine_results(result)
    out = ["| Command | Mean [ms] | Min [ms] | Max [ms] | Relative |",
           "|:---|---:|---:|---:|---:|"]
    fastest = min((r["mean"] for r in results), default=None)
    for r in results:
        sd = " ± %s" % _ms(r["stddev"]) if r["stddev"] is not None else ""
        out.append("| `%s` | %s%s | %s | %s | %.2f |" % (
            r["command"], _ms(r["mean"]), sd, _ms(r["min"]), _ms(r["max"]),
            r["mean"] / fastest))
    for s in skipped:
        out.append("| `%s` | skipped: %s | | | |" % (s["command"], s["reason"].replace("|", "/")))
    return "\n".join(out) + "\n"


def write(result, o):
    """Write the exports that were asked for; return their paths."""
    paths = []
    for path, fn in ((o.export_json, to_json), (o.export_markdown, to_markdown),
                     (o.export_csv, to_csv)):
        if path:
            with open(path, "w") as f:
                f.write(fn(result))
            paths.append(path)
    return paths

