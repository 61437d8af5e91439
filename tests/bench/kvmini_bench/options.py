# SPDX-License-Identifier: MIT
"""kvmini-bench's command line: parse_args()."""
import argparse
import os
import re

from . import contenders as cmod


def _user_contender(text):
    """NAME=COMMAND of --contender."""
    name, eq, command = text.partition("=")
    if not eq or not name or not command.strip():
        raise argparse.ArgumentTypeError("expected NAME=COMMAND, got %r" % text)
    if not re.fullmatch(r"[A-Za-z0-9_.+-]+", name):
        raise argparse.ArgumentTypeError("NAME %r: use letters, digits and _.+- only" % name)
    if name in cmod.NAMES:
        raise argparse.ArgumentTypeError("%s is a built-in contender's name" % name)
    return name, command


def _counts(text):
    try:
        counts = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("expected numbers like 10,50,100, got %r" % text)
    if any(n < 1 or n > 1000 for n in counts):
        raise argparse.ArgumentTypeError("instance counts must be 1..1000")
    return counts


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="kvmini-bench",
        description="Measure VMs (kvmini, QEMU microvm) against containers (runc, crun, "
        "podman, bare namespaces) and plain processes on this machine: start-up and "
        "teardown, memory and density, steady-state speed, image size and isolation. "
        "Writes results.json (every sample), results.md (the tables), results.svg and "
        "density.svg (plots), and hyperfine-style exports on request.",
        epilog="Example: kvmini-bench --only runc-init,namespace,process "
        "--contender sleep='sleep 0.01' --prepare 'sync' --export-json times.json")
    p.add_argument("--runs", type=int, default=20, help="measured runs per contender (20)")
    p.add_argument("--linux-runs", type=int, default=None,
                   help="measured runs of the Linux-guest contenders (default: min(RUNS, 3))")
    p.add_argument("--warmup", type=int, default=2,
                   help="untimed warm-up runs per contender, at least 1 (2; 1 for Linux guests)")
    p.add_argument("--only", default=None,
                   help="comma-separated contenders to run (default: all): " + ",".join(cmod.NAMES))
    p.add_argument("--out", default="kvmini-bench-results",
                   help="directory for results.json/.md/.svg (kvmini-bench-results)")
    p.add_argument("--build", default="build", help="kvmini build directory (build)")
    p.add_argument("--kvmini", help="the monitor (default BUILD/vmm/kvmini)")
    p.add_argument("--tiny-elf", help="tiny guest (default BUILD/guest/hello.elf)")
    p.add_argument("--ns-floor", help="namespace helper (default BUILD/tests/bench/ns_floor)")
    p.add_argument("--kvm-floor", help="KVM floor (default BUILD/tests/bench/kvm_floor)")
    p.add_argument("--peak-rss", help="peak-RSS helper (default BUILD/tests/bench/peak_rss)")
    p.add_argument("--linux-dir", help="guest/linux/build.sh output directory "
                   "(default: the newest one in the kvmini cache)")
    p.add_argument("--timeout", type=float, default=600, help="seconds per run (600)")
    p.add_argument("--workdir", help="where to build the busybox rootfs and bundles "
                   "(default: a temporary directory, removed at the end)")
    p.add_argument("--bench-work", help="workload program (default BUILD/tests/bench/bench_work)")
    p.add_argument("--contender", action="append", default=[], type=_user_contender,
                   metavar="NAME=COMMAND", help="add a contender: COMMAND, run by /bin/sh -c "
                   "and timed to its exit, as hyperfine does (repeatable)")
    p.add_argument("--prepare", action="append", default=[], metavar="CMD",
                   help="shell command run, untimed, before every run of the user contenders: "
                   "once for all of them, or once per --contender, in order (as hyperfine)")
    p.add_argument("--steady-reps", type=int, default=3,
                   help="runs of each steady-state workload per contender (3; 0: none)")
    p.add_argument("--steady-scale", type=float, default=1.0,
                   help="size of the steady-state workloads, 1.0 = about a second each on "
                   "this host (1.0)")
    p.add_argument("--density", type=_counts, default=[10, 50, 100], metavar="N,N,...",
                   help="instance counts started at once per contender (10,50,100; '' none)")
    p.add_argument("--noisy-ms", type=int, default=2000,
                   help="ms of the noisy-neighbour probe, alone and beside each hog (2000; "
                   "0: no noisy-neighbour test)")
    p.add_argument("--export-json", metavar="FILE", help="hyperfine-compatible JSON")
    p.add_argument("--export-markdown", metavar="FILE", help="hyperfine-style Markdown table")
    p.add_argument("--export-csv", metavar="FILE", help="hyperfine-style CSV")
    p.add_argument("--from-json", metavar="FILE",
                   help="run nothing: write results.md and results.svg again from FILE "
                   "(a results.json) into --out")
    o = p.parse_args(argv)
    o.only = o.only.split(",") if o.only else list(cmod.NAMES)
    unknown = [n for n in o.only if n not in cmod.NAMES + [n for n, _ in o.contender]]
    if unknown:
        p.error("unknown contender(s) %s; known: %s" % (",".join(unknown), ",".join(cmod.NAMES)))
    names = [n for n, _ in o.contender]
    if len(set(names)) != len(names):
        p.error("--contender: a name is given twice")
    if len(o.prepare) > 1 and len(o.prepare) != len(o.contender):
        p.error("--prepare: give one command for all, or one per --contender (%d)"
                % len(o.contender))
    o.only += [n for n in names if n not in o.only]
    if o.runs < 1:
        p.error("--runs must be at least 1")
    if o.steady_reps < 0 or o.steady_scale <= 0 or o.noisy_ms < 0:
        p.error("--steady-reps and --noisy-ms must be >= 0, --steady-scale > 0")
    o.warmup = max(1, o.warmup)
    o.linux_runs = o.linux_runs if o.linux_runs is not None else min(o.runs, 3)
    defaults = {"kvmini": "vmm/kvmini", "tiny_elf": "guest/hello.elf",
                "ns_floor": "tests/bench/ns_floor", "kvm_floor": "tests/bench/kvm_floor",
                "peak_rss": "tests/bench/peak_rss", "bench_work": "tests/bench/bench_work"}
    for attr, rel in defaults.items():
        if getattr(o, attr) is None:
            setattr(o, attr, os.path.join(o.build, rel))
        setattr(o, attr, os.path.abspath(getattr(o, attr)))
    return o


