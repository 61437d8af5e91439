#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Smoke test of kvmini-bench (Meson suite 'bench').

Usage: check-bench.py KVMINI-BENCH KVMINI TINY-ELF NS-FLOOR KVM-FLOOR PEAK-RSS BENCH-WORK

First checks the hyperfine exports on a made-up result with known answers.
Then runs kvmini-bench in its fast mode (--runs 2 --warmup 1, contenders
kvmini-tiny, namespace, process and runc-init, kvmini-linux pointed at a
directory that does not exist, and a user contender with a --prepare
command; small steady-state workloads, 2 instances at once, a short noisy-
neighbour probe) and checks the shape of what it wrote, never the timings:
  - results.json is well-formed and lists exactly the selected contenders;
  - each selected contender has every planned measured sample, each with a
    time to ready and a total time, or is skipped with a stated reason;
    kvmini-tiny must be a stated skip when /dev/kvm is unusable, and
    kvmini-linux must be a stated skip naming the missing directory;
  - results.md has a table row for every selected contender and states
    every skip reason, and the classic table has every row of the issue;
    results.svg and density.svg are XML with an <svg> root that names the
    contenders;
  - the user contender ran (its --prepare command too), and the exports
    (--export-json/-markdown/-csv) have hyperfine's fields and parse, with
    every skipped contender and its reason;
  - the steady-state ratios exist for namespace (and runc-init when it ran),
    with the host process at exactly 1; the density batch brought every
    instance up; the host-interface counts are positive; skipped rows of
    every phase carry a reason.
Exit status: 0 pass, 1 fail (with the reasons).
"""
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
import kvmini_testlib as lib  # noqa: E402

BUILTIN = ["kvmini-tiny", "kvmini-linux", "runc-init", "namespace", "process"]
USER = "user-true"
SELECTED = BUILTIN + [USER]
NO_LINUX = "/nonexistent/kvmini-bench-test"
HYPERFINE_FIELDS = ["command", "mean", "stddev", "median", "user", "system", "min", "max",
                    "times", "exit_codes"]
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from kvmini_bench import density, export, progress, report_classic  # noqa: E402


def check_progress_known(fail):
    """The total is fixed at the start; a phase's end moves the count to its
    planned end, never past the total."""
    p = progress.Progress([("a", 3), ("b", 2)])
    p.show("first run of a")
    p.end_phase("a")  # two runs of a were not made
    after_a = p.done
    p.show("the one run of b")
    p.end_phase("b")
    p.show("one more than planned")
    if (after_a, p.done, p.total) != (3, 5, 5) or not p.eta().startswith("ETA "):
        fail("progress: done %r, total %r, eta %r" % ((after_a, p.done), p.total, p.eta()))
    if density.per_gib(1024) != 1024 or density.per_gib(3 << 20) != 0 or density.per_gib(None):
        fail("density.per_gib is wrong")


def check_density_known(fail):
    """density.run_batch on plain shell instances (no root needed): three
    that hold at their ready line all come up, are measured and released;
    three that exit without it are reported, not hung on."""
    class Fake:
        ready_line, guest_ram, cleanup = "HELD", None, None

        def __init__(self, script):
            self.probe_argv = lambda tag: ["/bin/sh", "-c", script]
    with tempfile.TemporaryDirectory(prefix="kvmini-bench-density-") as tmp:
        rec = density.run_batch(Fake("echo HELD; read _"), 3, tmp, 20, 1)
        if not (rec["up"] == 3 and rec["all_up_ms"] and rec["pss_kb"] > 0 and
                rec["teardown_ms"] is not None and rec["error"] is None):
            fail("density: 3 held shells: %r" % rec)
        rec = density.run_batch(Fake("echo nope >&2; exit 3"), 3, tmp, 20, 2)
        if rec["up"] != 0 or "3 did not come up" not in (rec["error"] or "") or \
                "nope" not in rec["error"]:
            fail("density: 3 failing shells: %r" % rec)
        if os.listdir(tmp):
            fail("density: left files behind: %r" % os.listdir(tmp))


def check_export_known(fail):
    """hyperfine's numbers for made-up runs of 1, 2 and 3 s, and a skip."""
    def sample(t):
        return {"phase": "measured", "error": None, "total_ms": t * 1e3, "ready_ms": t * 1e3,
                "status": 0, "user_s": 0.5, "system_s": 0.25}
    result = {"contenders": [
        {"name": "a", "kind": "container", "selected": True, "status": "ok",
         "command": ["a"], "skip_reason": None,
         "samples": [sample(3), sample(1), {"phase": "warmup", "error": None}, sample(2)]},
        {"name": "b", "kind": "vm", "selected": True, "status": "skipped", "samples": [],
         "command": None, "skip_reason": "no /dev/kvm here"}]}
    js = json.loads(export.to_json(result))
    r = js["results"][0]
    want = {"command": "a", "mean": 2.0, "stddev": 1.0, "median": 2.0, "min": 1.0, "max": 3.0,
            "user": 0.5, "system": 0.25, "times": [3.0, 1.0, 2.0], "exit_codes": [0, 0, 0]}
    for k, v in want.items():
        if r.get(k) != v:
            fail("export: %s is %r, expected %r" % (k, r.get(k), v))
    if js["skipped"] != [{"command": "b", "reason": "no /dev/kvm here"}]:
        fail("export: skipped list is %r" % js["skipped"])
    rows = list(csv.DictReader(export.to_csv(result).splitlines()))
    if [row["command"] for row in rows] != ["a", "b"] or rows[0]["mean"] != "2.0" or \
            rows[1]["skipped"] != "no /dev/kvm here":
        fail("export: CSV rows are %r" % rows)
    md = export.to_markdown(result)
    if "| `a` | 2000.0 ± 1000.0 | 1000.0 | 3000.0 | 1.00 |" not in md or "no /dev/kvm here" not in md:
        fail("export: Markdown is %r" % md)


def check_exports(out, result, fail):
    """The exports of the real run: hyperfine's fields, and they parse."""
    ran = [c["name"] for c in result["contenders"] if c["selected"] and c["status"] == "ok"]
    skipped = {c["name"]: c["skip_reason"] for c in result["contenders"]
               if c["selected"] and c["status"] != "ok"}
    with open(os.path.join(out, "h.json")) as f:
        js = json.load(f)
    for r in js["results"]:
        missing = [k for k in HYPERFINE_FIELDS if k not in r]
        if missing:
            fail("export JSON: %s lacks %s" % (r.get("command"), missing))
        elif not (r["min"] <= r["median"] <= r["max"] and len(r["times"]) == 2
                  and abs(r["mean"] - statistics.fmean(r["times"])) < 1e-9):
            fail("export JSON: inconsistent numbers for %s: %r" % (r["command"], r))
    if sorted(r["command"] for r in js["results"]) != sorted(ran):
        fail("export JSON lists %s, ran %s" % ([r["command"] for r in js["results"]], ran))
    if {s["command"]: s["reason"] for s in js["skipped"]} != skipped:
        fail("export JSON: skipped %r, expected %r" % (js["skipped"], skipped))
    with open(os.path.join(out, "h.csv")) as f:
        rows = list(csv.DictReader(f))
    if sorted(r["command"] for r in rows) != sorted(ran + list(skipped)):
        fail("export CSV rows: %s" % [r["command"] for r in rows])
    for r in rows:
        if r["command"] in skipped and r["skipped"] != skipped[r["command"]]:
            fail("export CSV: %s lacks its reason" % r["command"])
        if r["command"] in ran:
            float(r["mean"]), float(r["median"])
    with open(os.path.join(out, "h.md")) as f:
        lines = [l for l in f.read().splitlines() if l.startswith("|")]
    if len(set(l.count("|") for l in lines)) != 1 or len(lines) != 2 + len(ran) + len(skipped):
        fail("export Markdown: ragged or missing rows: %r" % lines)


def check_phases(result, md, fail, have_work):
    """Steady-state, density and isolation results: values, or reasons.
    have_work: bench_work was built (not in a -Dsanitize=true build), so
    the workloads and hogs must have run where their contender did."""
    by = {c["name"]: c for c in result["contenders"]}
    st = result.get("steady") or {"workloads": []}
    if [w["name"] for w in st["workloads"]] != ["cpu", "syscall", "file"]:
        fail("steady: workloads are %r" % [w["name"] for w in st["workloads"]])
    for w in st["workloads"]:
        rows = w["contenders"]
        base = rows.get("process", {})
        if have_work and (base.get("ratio"), base.get("cpu_ratio")) != (1.0, 1.0):
            fail("steady %s: the host process's ratios are %r, not 1" % (
                w["name"], (base.get("ratio"), base.get("cpu_ratio"))))
        for name in ("namespace", "runc-init"):
            if have_work and by[name]["status"] == "ok" and not (
                    (rows[name]["ratio"] or 0) > 0 and (rows[name]["cpu_ratio"] or 0) > 0):
                fail("steady %s: no ratio for %s: %r" % (w["name"], name, rows[name]))
        for name, row in rows.items():
            if row["ratio"] is None and not (row["skip"] or row["error"]):
                fail("steady %s: %s has neither a ratio nor a reason" % (w["name"], name))
    for name in ("namespace", "runc-init"):
        if by[name]["status"] != "ok":
            continue
        batch = (result.get("density") or {}).get(name) or [{}]
        if batch[0].get("up") != 2 or not batch[0].get("pss_kb") or \
                batch[0].get("teardown_ms") is None:
            fail("density: %s x2 did not come up and down: %r" % (name, batch))
        if not by[name]["instances_per_gib"]:
            fail("density: %s has no instances per GiB" % name)
    iso = result.get("isolation") or {}
    hi = iso.get("host_interface", {})
    if not (hi.get("host_syscalls", 0) > 100 and hi.get("vm", {}).get("monitor_syscalls", 0) > 10
            and "KVM_EXIT_IO" in hi.get("vm", {}).get("exit_reasons", [])):
        fail("isolation: host-interface counts missing: %r" % hi)
    noisy = iso.get("noisy_neighbour") or {}
    for name, rec in noisy.items():
        if "skip" in rec and not rec["skip"]:
            fail("isolation: %s skipped without a reason" % name)
    if have_work and by["runc-init"]["status"] == "ok":
        hogs = noisy.get("runc-init", {}).get("hogs", [])
        bomb = [h for h in hogs if h["hog"] == "fork bomb"]
        if len(hogs) != 3 or not bomb or bomb[0].get("children", 999) >= 64:
            fail("isolation: runc-init's hogs or its contained fork bomb missing: %r" % hogs)
    for row, _, _ in report_classic.CLAIMS:
        if "| %s |" % row not in md:
            fail("results.md: the classic table has no row %r" % row)


def check(result, md, svg_root, failures, have_work):
    def fail(msg):
        failures.append(msg)

    if result.get("schema") != "kvmini-bench/1":
        fail("schema is %r, not kvmini-bench/1" % result.get("schema"))
    by_name = {c["name"]: c for c in result.get("contenders", [])}
    selected = [n for n, c in by_name.items() if c["selected"]]
    if sorted(selected) != sorted(SELECTED):
        fail("selected contenders are %s, expected %s" % (selected, SELECTED))
    user = by_name.get(USER, {})
    if user.get("status") != "ok" or user.get("kind") != "user":
        fail("the user contender did not run: %r" % user.get("skip_reason"))
    for name in SELECTED:
        c = by_name.get(name)
        if c is None:
            fail("%s is missing from results.json" % name)
            continue
        if c["status"] == "skipped":
            if not c["skip_reason"]:
                fail("%s is skipped without a reason" % name)
            elif c["skip_reason"] not in md:
                fail("results.md does not state why %s was skipped" % name)
            continue
        if c["status"] != "ok":
            fail("%s has status %r" % (name, c["status"]))
            continue
        measured = [s for s in c["samples"] if s["phase"] == "measured"]
        if len(measured) != c["runs_planned"]:
            fail("%s: %d measured samples, %d planned" % (name, len(measured), c["runs_planned"]))
        for s in measured:
            if s["error"]:
                fail("%s: a run failed: %s" % (name, s["error"]))
            elif not (isinstance(s["ready_ms"], float) and isinstance(s["total_ms"], float)
                      and 0 < s["ready_ms"] <= s["total_ms"]):
                fail("%s: sample without sane times: %r" % (name, s))
        if "| %s |" % name not in md:
            fail("results.md has no table row for %s" % name)
    tiny = by_name.get("kvmini-tiny", {})
    if lib.kvm_problem() and tiny.get("status") != "skipped":
        fail("kvmini-tiny must be a stated skip without a usable /dev/kvm")
    linux = by_name.get("kvmini-linux", {})
    if linux.get("status") != "skipped" or NO_LINUX not in (linux.get("skip_reason") or ""):
        fail("kvmini-linux must be skipped naming %s, got %r" % (NO_LINUX, linux.get("skip_reason")))
    if not svg_root.tag.endswith("svg"):
        fail("results.svg root element is <%s>" % svg_root.tag)
    texts = " ".join(t.text or "" for t in svg_root.iter() if t.tag.endswith("text"))
    for name in SELECTED:
        if name not in texts:
            fail("results.svg does not name %s" % name)
    check_phases(result, md, fail, have_work)


def main(argv):
    if len(argv) != 8:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 1
    bench, kvmini, tiny, ns_floor, kvm_floor, peak_rss, work = argv[1:]
    failures = []
    check_export_known(failures.append)
    check_progress_known(failures.append)
    check_density_known(failures.append)
    with tempfile.TemporaryDirectory(prefix="kvmini-bench-test-") as out:
        mark = os.path.join(out, "prepared")
        cmd = [sys.executable, bench, "--runs", "2", "--warmup", "1",
               "--only", ",".join(BUILTIN), "--out", out, "--kvmini", kvmini,
               "--tiny-elf", tiny, "--ns-floor", ns_floor, "--kvm-floor", kvm_floor,
               "--peak-rss", peak_rss, "--bench-work", work, "--linux-dir", NO_LINUX,
               "--timeout", "60", "--contender", USER + "=/bin/true",
               "--prepare", "touch " + mark, "--steady-reps", "1", "--steady-scale", "0.05",
               "--density", "2", "--noisy-ms", "200",
               "--export-json", os.path.join(out, "h.json"),
               "--export-markdown", os.path.join(out, "h.md"),
               "--export-csv", os.path.join(out, "h.csv")]
        print("running:", " ".join(cmd), flush=True)
        proc = subprocess.run(cmd)
        if proc.returncode != 0:
            print("FAIL: kvmini-bench exited with status %d" % proc.returncode)
            return 1
        try:
            with open(os.path.join(out, "results.json")) as f:
                result = json.load(f)
            with open(os.path.join(out, "results.md")) as f:
                md = f.read()
            svg_root = ET.parse(os.path.join(out, "results.svg")).getroot()
            dense_root = ET.parse(os.path.join(out, "density.svg")).getroot()
            check(result, md, svg_root, failures, os.path.exists(work))
            check_exports(out, result, failures.append)
        except (OSError, ValueError, KeyError, ET.ParseError) as e:
            print("FAIL: cannot read the outputs: %s" % e)
            return 1
        if not os.path.exists(mark):
            failures.append("the --prepare command never ran")
        texts = " ".join(t.text or "" for t in dense_root.iter() if t.tag.endswith("text"))
        if "namespace" not in texts:
            failures.append("density.svg does not name namespace")
    for f in failures:
        print("FAIL: " + f)
    if not failures:
        print("PASS: kvmini-bench wrote well-formed results for %s" % ", ".join(SELECTED))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
