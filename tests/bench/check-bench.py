#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Smoke test of kvmini-bench (Meson suite 'bench').

Usage: check-bench.py KVMINI-BENCH KVMINI TINY-ELF NS-FLOOR KVM-FLOOR PEAK-RSS

Runs kvmini-bench in its fast mode (--runs 2 --warmup 1, contenders
kvmini-tiny, namespace and process, plus kvmini-linux pointed at a
directory that does not exist) and checks the shape of what it wrote, never
the timings:
  - results.json is well-formed and lists exactly the selected contenders;
  - each selected contender has every planned measured sample, each with a
    time to ready and a total time, or is skipped with a stated reason;
    kvmini-tiny must be a stated skip when /dev/kvm is unusable, and
    kvmini-linux must be a stated skip naming the missing directory;
  - results.md has a table row for every selected contender and states
    every skip reason; results.svg is XML with an <svg> root that names
    every selected contender.
Exit status: 0 pass, 1 fail (with the reasons).
"""
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
import kvmini_testlib as lib  # noqa: E402

SELECTED = ["kvmini-tiny", "kvmini-linux", "namespace", "process"]
NO_LINUX = "/nonexistent/kvmini-bench-test"


def check(result, md, svg_root, failures):
    def fail(msg):
        failures.append(msg)

    if result.get("schema") != "kvmini-bench/1":
        fail("schema is %r, not kvmini-bench/1" % result.get("schema"))
    by_name = {c["name"]: c for c in result.get("contenders", [])}
    selected = [n for n, c in by_name.items() if c["selected"]]
    if sorted(selected) != sorted(SELECTED):
        fail("selected contenders are %s, expected %s" % (selected, SELECTED))
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


def main(argv):
    if len(argv) != 7:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 1
    bench, kvmini, tiny, ns_floor, kvm_floor, peak_rss = argv[1:]
    with tempfile.TemporaryDirectory(prefix="kvmini-bench-test-") as out:
        cmd = [sys.executable, bench, "--runs", "2", "--warmup", "1",
               "--only", ",".join(SELECTED), "--out", out, "--kvmini", kvmini,
               "--tiny-elf", tiny, "--ns-floor", ns_floor, "--kvm-floor", kvm_floor,
               "--peak-rss", peak_rss, "--linux-dir", NO_LINUX, "--timeout", "60"]
        print("running:", " ".join(cmd), flush=True)
        proc = subprocess.run(cmd)
        if proc.returncode != 0:
            print("FAIL: kvmini-bench exited with status %d" % proc.returncode)
            return 1
        failures = []
        try:
            with open(os.path.join(out, "results.json")) as f:
                result = json.load(f)
            with open(os.path.join(out, "results.md")) as f:
                md = f.read()
            svg_root = ET.parse(os.path.join(out, "results.svg")).getroot()
        except (OSError, ValueError, ET.ParseError) as e:
            print("FAIL: cannot read the outputs: %s" % e)
            return 1
        check(result, md, svg_root, failures)
    for f in failures:
        print("FAIL: " + f)
    if not failures:
        print("PASS: kvmini-bench wrote well-formed results for %s" % ", ".join(SELECTED))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
