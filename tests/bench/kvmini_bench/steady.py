# SPDX-License-Identifier: MIT
"""Steady-state speed: the same program, run as a plain host process and
inside each contender, as a ratio to the host.

The program is tests/bench/bench_work.c, static, copied into the busybox
root file system (oci.WORK_BIN); the host runs that same file. It times its
own work with CLOCK_MONOTONIC and prints it, so a contender's start-up is
not in the number. Each workload runs --steady-reps times per contender,
interleaved across contenders like the start-up runs; the value is the
median, the ratio is median(contender) / median(host process): 1.0 is
native speed, 1.2 is 20% slower. The program also reports the CPU time
(user + system) the work took, and its ratio is given too: on a machine
busy with other work, wall time also measures how much CPU the contender
got, while CPU time measures what the work cost where it ran. (Inside a VM
the guest's CPU time does not see time stolen by the host.)
"""
import os
import re

from . import oci, runner, stats

WORK_RE = re.compile(r"KVMINI-WORK mode=(\w+) ns=(\d+) cpu_ns=(\d+)")

# name -> (what it is, the bench_work arguments at scale 1.0). At scale s
# the repetition counts and sizes are multiplied by s (at least 1).
WORKLOADS = [
    ("cpu", "CPU-bound: zlib deflate (level 6) of a 1 MiB text buffer, 4 times",
     lambda s: ["cpu", "1024", str(max(1, round(4 * s)))]),
    ("syscall", "system-call bound: 200,000 getpid() calls",
     lambda s: ["syscall", str(max(1000, round(200000 * s)))]),
    ("file", "file I/O: write 64 MiB in 64 KiB writes, fsync, read back, unlink, on the "
     "host's file system (a bind mount for runc)",
     lambda s: ["file", oci.SCRATCH, str(max(1, round(64 * s)))]),
]
# Said beside the system-call row of a VM on a host whose KVM emulates guest
# kernel mode (docs/architecture.md, "Host quirks"): a guest system call is
# then emulated kernel code, so the row measures this host, not VMs.
EMULATED_NOTE = ("on hosts that emulate guest kernel mode (`kvmini host-info`: "
                 "emulated_kernel_mode, such as this project's development host) a guest "
                 "system call is emulated kernel code, so the system-call row shows that "
                 "host's cost, not a VM's")
NETWORK_SKIP = ("not measured yet: it needs a network workload between a virtio-net guest "
                "and a peer on the host (the issue's 'once virtio-net exists')")


def parse_ns(stdout):
    """(wall ns, CPU ns) of the work from bench_work's output, or None."""
    m = WORK_RE.search(stdout.decode("utf-8", "replace"))
    return (int(m.group(2)), int(m.group(3))) if m else None


def run_steady(cs, o, prog, counter):
    """{"workloads": [...], "network": reason}; each workload lists, per
    contender, its times and ratio or why it has none."""
    cands = [c for c in cs if c.name in o.only and c.kind != "user"]
    out = []
    for name, what, args_at in WORKLOADS:
        args = [oci.WORK_BIN] + args_at(o.steady_scale)
        rows = {c.name: {"times_ms": [], "cpu_times_ms": [], "error": None,
                         "skip": c.skip or c.wrap_skip} for c in cands}
        for r in range(o.steady_reps):
            k = r % max(len(cands), 1)
            for c in cands[k:] + cands[:k]:
                row = rows[c.name]
                if row["skip"] or row["error"]:
                    continue
                counter[0] += 1
                tag = "kvmini-bench-%d-w%d" % (os.getpid(), counter[0])
                ns = None
                try:
                    res = runner.run_once(c.wrap(tag, args), None, o.timeout)
                    err = res.error()
                    ns = parse_ns(res.stdout) if not err else None
                except (OSError, RuntimeError) as e:
                    err = str(e)
                if err or ns is None:
                    row["error"] = err or "no KVMINI-WORK line in its output"
                    if c.cleanup:
                        c.cleanup(tag)
                else:
                    row["times_ms"].append(ns[0] / 1e6)
                    row["cpu_times_ms"].append(ns[1] / 1e6)
                prog.show("%s in %s: %s" % (name, c.name, row["error"] or
                                            stats.format_ms(row["times_ms"][-1])))
        base = rows.get("process", {})
        base_ms = stats.percentile(base.get("times_ms"), 50) if base else None
        base_cpu = stats.percentile(base.get("cpu_times_ms"), 50) if base else None
        for cname, row in rows.items():
            row["median_ms"] = stats.percentile(row["times_ms"], 50)
            row["cpu_median_ms"] = stats.percentile(row["cpu_times_ms"], 50)
            row["ratio"] = row["median_ms"] / base_ms if row["median_ms"] and base_ms else None
            row["cpu_ratio"] = row["cpu_median_ms"] / base_cpu \
                if row["cpu_median_ms"] and base_cpu else None
            if row["median_ms"] and not base_ms:
                row["note"] = "no host baseline (the process contender did not run)"
        out.append({"name": name, "what": what, "args": args, "contenders": rows})
    return {"workloads": out, "network": NETWORK_SKIP, "emulated_note": EMULATED_NOTE}


def steps(cs, o):
    """How many runs run_steady() makes at most (for the progress total)."""
    n = sum(1 for c in cs if c.name in o.only and c.kind != "user" and not c.skip
            and not c.wrap_skip)
    return n * o.steady_reps * len(WORKLOADS)
