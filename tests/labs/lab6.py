#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""lab6.py: the check of lab 6 (docs/labs/lab6-vm-vs-container.md).

Loads the student's tests/labs/lab6_analysis.py and checks its two functions
  1. on made-up results whose answers are known (odd and even numbers of
     samples, warm-up ("warmup"), memory-probe and failed runs to leave out,
     skipped contenders), whose phases must be the ones the bench writes;
  2. on a real, short run of tests/bench/kvmini-bench (contenders kvmini-tiny,
     kvm-floor, namespace, process; 5 measured runs each): the student's
     medians must equal the bench's own (results.json, "ready_ms" summary),
     and the table is printed, which is what the lab asks to explain.

Usage: lab6.py ANALYSIS.py KVMINI-BENCH KVMINI TINY-ELF NS-FLOOR KVM-FLOOR PEAK-RSS
Exit status: 0 pass, 1 fail.
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

FAST = ["kvmini-tiny", "kvm-floor", "namespace", "process"]
failures = []


def check(ok, what):
    print("%s: %s" % ("PASS" if ok else "FAIL", what))
    if not ok:
        failures.append(what)


def sample(ms, phase="measured", error=None):
    return {"phase": phase, "ready_ms": ms, "total_ms": ms, "error": error}


def made_up():
    """Results with known answers."""
    return {"schema": "kvmini-bench/1", "contenders": [
        {"name": "vm", "kind": "vm", "status": "ok", "samples": [
            sample(100.0, "warmup"), sample(30.0), sample(10.0), sample(20.0),
            sample(999.0, error="timed out"), sample(200.0, "memory-probe")]},
        {"name": "box", "kind": "container", "status": "ok", "samples": [
            sample(8.0), sample(2.0), sample(4.0), sample(6.0)]},
        {"name": "floor", "kind": "floor", "status": "ok", "samples": [sample(1.0)]},
        {"name": "gone", "kind": "vm", "status": "skipped", "samples": []},
        {"name": "broken", "kind": "vm", "status": "ok", "samples": [
            sample(3.0, error="crashed")]},
    ]}


def check_made_up(mod):
    r = made_up()
    by = {c["name"]: c for c in r["contenders"]}
    check(mod.median_ready_ms(by["vm"]) == 20.0,
          "median of 3 measured samples, warm-up, probe and failed runs left out: %r"
          % mod.median_ready_ms(by["vm"]))
    check(mod.median_ready_ms(by["box"]) == 5.0,
          "median of an even number of samples (mean of the middle two): %r"
          % mod.median_ready_ms(by["box"]))
    check(mod.median_ready_ms(by["broken"]) is None, "no successful run: None")
    rows = mod.overhead_table(r, "floor")
    want = [("floor", "floor", 1.0, 1.0), ("box", "container", 5.0, 5.0),
            ("vm", "vm", 20.0, 20.0)]
    check([tuple(row) for row in rows] == want,
          "overhead table against 'floor': %r" % (rows,))
    rows = mod.overhead_table(r, "vm")
    check(abs(rows[0][3] - 0.05) < 1e-12, "ratios are median / baseline median")


def run_bench(argv, out):
    bench, kvmini, tiny, ns_floor, kvm_floor, peak_rss = argv
    cmd = [sys.executable, bench, "--runs", "5", "--warmup", "1", "--only", ",".join(FAST),
           "--out", out, "--kvmini", kvmini, "--tiny-elf", tiny, "--ns-floor", ns_floor,
           "--kvm-floor", kvm_floor, "--peak-rss", peak_rss, "--timeout", "60",
           # Start-up only: the lab reads no other phase.
           "--steady-reps", "0", "--density", "", "--noisy-ms", "0"]
    print("lab6: " + " ".join(cmd), flush=True)
    proc = subprocess.run(cmd)
    if proc.returncode != 0:
        check(False, "kvmini-bench ran (status %d)" % proc.returncode)
        return None
    with open(os.path.join(out, "results.json")) as f:
        return json.load(f)


def phases(results):
    return {s["phase"] for c in results["contenders"] for s in c.get("samples", [])}


def check_real(mod, results):
    # The made-up results are only a test if they use the bench's own phase
    # names (kvmini_bench/cli.py: "warmup", "memory-probe", "measured").
    unknown = phases(results) - phases(made_up())
    check(not unknown, "the made-up results use every phase the bench wrote (not: %s)"
          % ", ".join(sorted(unknown)))
    ok = [c for c in results["contenders"] if c["status"] == "ok"]
    check(len(ok) >= 2, "the bench measured at least two contenders (%s)"
          % ", ".join(c["name"] for c in ok))
    for c in ok:
        mine, theirs = mod.median_ready_ms(c), c["ready_ms"]["median"]
        check(mine is not None and theirs is not None and abs(mine - theirs) < 1e-9,
              "%s: your median %r ms, the bench's %r ms" % (c["name"], mine, theirs))
    baseline = "process" if any(c["name"] == "process" for c in ok) else ok[0]["name"]
    rows = mod.overhead_table(results, baseline)
    fastest_first = [c["name"] for c in sorted(ok, key=lambda c: c["ready_ms"]["median"])]
    check([row[0] for row in rows] == fastest_first,
          "the table has every measured contender, fastest first: %s"
          % ", ".join(row[0] for row in rows))
    print("lab6: time to ready, median of 5 runs, against '%s':" % baseline)
    print("lab6:   %-12s %-10s %12s %10s" % ("contender", "kind", "median", "ratio"))
    for name, kind, ms, ratio in rows:
        print("lab6:   %-12s %-10s %9.3f ms %9.1fx" % (name, kind, ms, ratio))


def main(argv):
    if len(argv) != 8:
        print(__doc__.strip().splitlines()[-3], file=sys.stderr)
        return 1
    spec = importlib.util.spec_from_file_location("lab6_analysis", argv[1])
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    check_made_up(mod)
    with tempfile.TemporaryDirectory(prefix="kvmini-lab6-") as out:
        results = run_bench(argv[2:], out)
    if results is not None:
        check_real(mod, results)
    if failures:
        print("lab6: FAILED: %d check(s)" % len(failures))
        return 1
    print("lab6: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
