#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""startup.py: kvmini's startup against the KVM floor, side by side.

Usage: tests/bench/startup.py [--build DIR] [--runs N]

Times, in one run of this script, N rounds (default 30) of four commands,
interleaved (the order rotates every round), each from process exec to exit:
  kvmini      kvmini run --kernel BUILD/guest/hello.elf
  floor       BUILD/tests/bench/kvm_floor: open /dev/kvm, create a VM with
              2 MiB and one vCPU, run to HLT, exit (kvm_floor.c)
  boot-times  the same kvmini command with --boot-times: the monitor's own
              timestamps (monitor start, VM ready, first KVM_RUN, the guest's
              entry marker, exit, time outside KVM_RUN)
  version     kvmini --version: exec, dynamic linking and exit of the
              monitor binary, with no VM at all
With --more, three more commands join the rounds, to price single costs:
  no-seccomp  kvmini run ... --boot-times --seccomp off (compare it with
              boot-times: the cost of setting up the system-call filter)
  devnull     kvmini run ... with stdout on /dev/null instead of a pipe that
              this script reads (the serial console's write() per byte)
  true        /bin/true (exec and exit of a program linked only to libc)
Prints the medians, the kvmini/floor ratio (target: at most 1.3), and a
breakdown of kvmini's time into process start, monitor setup, guest
execution and teardown, so that guest time (emulated, and so ~100x slower,
on hosts whose KVM emulates guest kernel mode) can be told from monitor
overhead. Needs /dev/kvm (exit status 77 without it).
"""
import argparse
import os
import sys

# No __pycache__ in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from kvmini_bench import host, runner  # noqa: E402
from kvmini_bench.cli import parse_marks  # noqa: E402
from kvmini_bench.stats import format_ms, summarize  # noqa: E402
from kvmini_testlib import EXIT_SKIP, kvm_problem  # noqa: E402  (path: kvmini_bench)

TARGET_RATIO = 1.3


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", default="build", help="build directory (build)")
    p.add_argument("--runs", type=int, default=30, help="rounds (30)")
    p.add_argument("--warmup", type=int, default=3, help="untimed rounds first (3)")
    p.add_argument("--more", action="store_true",
                   help="also time --seccomp off, stdout on /dev/null, and /bin/true")
    o = p.parse_args()
    o.kvmini = os.path.abspath(os.path.join(o.build, "vmm/kvmini"))
    o.elf = os.path.abspath(os.path.join(o.build, "guest/hello.elf"))
    o.floor = os.path.abspath(os.path.join(o.build, "tests/bench/kvm_floor"))
    return o


def timed(argv, devnull=False):
    """(total ms, stderr text) of one run that must exit 0."""
    res = runner.run_once(argv, None, timeout_s=60, stdout_devnull=devnull)
    err = res.error()
    if err:
        sys.exit("startup: %s: %s" % (" ".join(argv), err))
    return res.total_ms, res.stderr


def main():
    o = parse_args()
    for path in (o.kvmini, o.elf, o.floor):
        if not os.path.exists(path):
            sys.exit("startup: %s not found (ninja -C %s)" % (path, o.build))
    problem = kvm_problem()
    if problem:
        print("startup: SKIP: %s" % problem)
        return EXIT_SKIP
    commands = {
        "kvmini": [o.kvmini, "run", "--kernel", o.elf],
        "floor": [o.floor],
        "boot-times": [o.kvmini, "run", "--kernel", o.elf, "--boot-times"],
        "version": [o.kvmini, "--version"],
    }
    if o.more:
        commands["no-seccomp"] = commands["boot-times"] + ["--seccomp", "off"]
        commands["devnull"] = commands["kvmini"]
        commands["true"] = ["/bin/true"]
    names = list(commands)
    times = {n: [] for n in names}
    marks, marks_no_seccomp = [], []
    load = host.loadavg()
    for r in range(-o.warmup, o.runs):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            ms, stderr = timed(commands[name], devnull=(name == "devnull"))
            if r < 0:
                continue
            times[name].append(ms)
            if name == "boot-times":
                marks.append((ms, parse_marks(stderr)))
            elif name == "no-seccomp":
                marks_no_seccomp.append((ms, parse_marks(stderr)))
        if sys.stderr.isatty() and r >= 0:
            print("\rstartup: round %d/%d" % (r + 1, o.runs), end="", file=sys.stderr,
                  flush=True)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    report(o, times, marks, load)
    if marks_no_seccomp:
        gap = [m["first KVM_RUN"] - m["VM ready"] for m in (x for _, x in marks)]
        gap_off = [m["first KVM_RUN"] - m["VM ready"] for m in (x for _, x in marks_no_seccomp)]
        print("VM ready -> first KVM_RUN: %s with the seccomp filter, %s with --seccomp off" % (
            format_ms(median_of(gap)), format_ms(median_of(gap_off))))
    return 0


def median_of(values):
    return summarize(values)["median"]


def report(o, times, marks, load):
    h = host.describe({}, o.kvmini)
    print("startup: %d interleaved rounds (+%d warm-up) on %s, %d CPUs; KVM: %s" % (
        o.runs, o.warmup, h["cpu"], h["cpus"], h["kvm"].split(":")[0]))
    print("startup: load average %s at the start, %s at the end" % (load, host.loadavg()))
    print()
    print("%-44s %10s %10s %10s" % ("exec -> exit", "median", "p10", "p90"))
    labels = {"kvmini": "kvmini run --kernel hello.elf",
              "floor": "KVM floor (kvm_floor)",
              "boot-times": "kvmini run ... --boot-times",
              "version": "kvmini --version (no VM)",
              "no-seccomp": "kvmini run ... --boot-times --seccomp off",
              "devnull": "kvmini run ..., stdout on /dev/null",
              "true": "/bin/true"}
    for name, label in labels.items():
        if name not in times:
            continue
        s = summarize(times[name])
        print("%-44s %10s %10s %10s" % (label, format_ms(s["median"]), format_ms(s["p10"]),
                                        format_ms(s["p90"])))
    kv, fl = median_of(times["kvmini"]), median_of(times["floor"])
    ratio = kv / fl
    print()
    print("ratio kvmini / floor (medians): %.2fx, target at most %.1fx: %s" % (
        ratio, TARGET_RATIO, "met" if ratio <= TARGET_RATIO else "NOT met"))

    # The breakdown: medians of each interval over the --boot-times runs.
    def interval(a, b):
        return median_of([m[b] - m[a] for _, m in marks if a in m and b in m])

    entry = next((k for _, m in marks for k in m if k.startswith("guest entry")), None)
    total_bt = median_of([t for t, _ in marks])
    exit_mark = median_of([m["exit"] for _, m in marks if "exit" in m])
    outside_key = next((k for _, m in marks for k in m if k.startswith("monitor time outside")),
                       None)
    outside = median_of([m[outside_key] for _, m in marks if outside_key in m])
    in_run = exit_mark - outside if exit_mark is not None and outside is not None else None
    version = median_of(times["version"])
    rows = [
        ("exec, ld.so, exit of the binary (= kvmini --version)", version),
        # The marks count from the monitor's start (main()), so "VM ready" is
        # itself the setup time.
        ("monitor start -> VM ready (setup)", median_of([m.get("VM ready") for _, m in marks])),
        ("VM ready -> first KVM_RUN (vCPU thread start)", interval("VM ready", "first KVM_RUN")),
        ("first KVM_RUN -> guest entry marker (guest)", interval("first KVM_RUN", entry)),
        ("guest entry marker -> exit mark (guest main)", interval(entry, "exit")),
        ("exit mark -> process gone (teardown, derived)",
         total_bt - exit_mark - version if None not in (total_bt, exit_mark, version) else None),
    ]
    print()
    print("kvmini's time, medians of the --boot-times runs (total %s):" % format_ms(total_bt))
    for label, ms in rows:
        print("  %-56s %10s" % (label, format_ms(ms)))
    print("  %-56s %10s" % ("of main() -> exit mark: inside KVM_RUN (vCPU 0)", format_ms(in_run)))
    print("  %-56s %10s" % ("of main() -> exit mark: outside KVM_RUN", format_ms(outside)))
    if in_run is not None:
        print()
        print("ratio (kvmini - time inside KVM_RUN) / floor: %.2fx  "
              "(the monitor's share, with guest execution taken out)" % ((kv - in_run) / fl))
    print()
    print("The teardown line is derived: total - exit mark - (kvmini --version), so it")
    print("also holds the difference between a VM run's and --version's exec and exit.")


if __name__ == "__main__":
    sys.exit(main())
