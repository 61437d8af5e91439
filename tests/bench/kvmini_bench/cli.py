# SPDX-License-Identifier: MIT
"""kvmini-bench: VMs against containers, measured on this machine.

The schedule of runs and the results file. Each contender runs
  1. warm-up runs (--warmup, at least 1): not timed. The first one checks
     that the contender works here at all (if it fails, the contender is
     skipped and the failure is the stated reason), and runs under the
     peak_rss helper to measure the run's peak RSS;
  2. one memory-probe run, for contenders with a ready line: not timed;
     memory is read at the ready point (see memory.py);
  3. the measured runs, interleaved with every other contender's: round r
     runs each contender once (slow contenders only in evenly spread
     rounds), in an order rotated by one every round, so that drift in
     the machine's load spreads over all contenders alike.
Then come the phases that measure more than start-up, each in its module:
steady-state speed (steady.py), density (density.py), isolation
(isolation.py) and image sizes (images.py).
"""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from . import contenders as cmod
from . import density, export, host, images, isolation, memory, oci, report_density_svg, \
    report_md, report_svg, runner, stats, steady
from .options import parse_args
from .progress import Progress

SCHEMA = "kvmini-bench/1"
MARK_RE = re.compile(r"^kvmini:\s+([0-9.]+)\s+(.+?)\s*$")


def parse_marks(stderr):
    """{name: ms since monitor start} from kvmini --boot-times output."""
    marks = {}
    for line in stderr.decode("utf-8", "replace").splitlines():
        m = MARK_RE.match(line)
        if m and m.group(2) != "monitor start":
            marks[m.group(2)] = float(m.group(1))
    return marks


def one_run(c, o, phase, counter, probe=False, peak=False):
    """Run contender c once; return the sample dict.
    probe: measure memory at the ready point (memory.py);
    peak: run it under the peak_rss helper (see peak_rss.c for why) to get
    the run's peak RSS. Neither kind of run is a timed sample."""
    tag = "kvmini-bench-%d-%d" % (os.getpid(), counter)
    make = c.probe_argv if probe and c.probe_argv else c.argv
    try:
        argv = make(tag)
    except (RuntimeError, OSError) as e:
        return {"phase": phase, "error": "cannot prepare the run: %s" % e}
    if phase == "measured" or c.command is None:
        c.command = argv
    peak_file = None
    if peak and os.path.exists(o.peak_rss):
        peak_file = os.path.join(o.workdir, "peak-rss-%d" % counter)
        argv = [o.peak_rss, peak_file] + argv
    probe_fn = (lambda pid: memory.probe_memory(pid, c.guest_ram)) if probe else None
    if c.prepare:
        # hyperfine's --prepare: before every run, untimed; its failure fails the run.
        prep = subprocess.run(["/bin/sh", "-c", c.prepare], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if prep.returncode:
            return {"phase": phase, "error": "the --prepare command exited with status %d%s" % (
                prep.returncode, runner.last_line(prep.stderr))}
    res = runner.run_once(argv, c.ready_line, o.timeout, hold_stdin=probe and c.hold_stdin,
                          probe=probe_fn)
    err = res.error()
    if err and c.cleanup:
        c.cleanup(tag)
    sample = {"phase": phase, "ready_ms": res.ready_ms, "total_ms": res.total_ms,
              "status": res.status, "error": err, "user_s": res.user_s,
              "system_s": res.system_s}
    if c.parse_marks:
        sample["monitor_marks_ms"] = parse_marks(res.stderr)
    if probe:
        sample["memory"] = res.probe
    if peak:
        sample["peak_rss_kb"] = read_peak(peak_file)
    return sample


def read_peak(path):
    """ru_maxrss in KiB from a peak_rss result file, or None."""
    try:
        with open(path) as f:
            fields = dict(kv.split("=") for kv in f.read().split())
        return int(fields["maxrss_kb"])
    except (OSError, TypeError, KeyError, ValueError):
        return None


def schedule(active, o):
    """[(round, contender)] of the measured runs, interleaved."""
    plan = []
    for r in range(o.runs):
        k = r % len(active)
        for c in active[k:] + active[:k]:
            n = o.linux_runs if c.slow else o.runs
            # n of the o.runs rounds, evenly spread, the first one included:
            # round r if ceil(r * n / runs) < ceil((r + 1) * n / runs).
            if -(-r * n // o.runs) < -(-(r + 1) * n // o.runs):
                plan.append((r, c))
    return plan


def _warm(active, o):
    return {c.name: min(o.warmup, 1) if c.slow else o.warmup for c in active}


def _dense(cs, o):
    """The contenders of the density phase: those that can be held at ready."""
    return [c for c in cs if c.name in o.only and not c.skip and c.hold_stdin and c.ready_line]


def plan_progress(cs, o):
    """A Progress whose total counts every run of every phase, planned now."""
    active = [c for c in cs if c.name in o.only and not c.skip]
    return Progress([
        ("warm-up", sum(_warm(active, o).values())),
        ("memory", sum(1 for c in active if c.ready_line)),
        ("measured", len(schedule(active, o))),
        ("steady", steady.steps(cs, o)),
        ("density", len(_dense(cs, o)) * len(o.density)),
        ("noisy", isolation.steps(cs, o) if o.noisy_ms else 0),
    ])


def run_all(cs, o, prog):
    """The start-up phases: warm-ups, memory probes, measured runs."""
    active = [c for c in cs if c.name in o.only and not c.skip]
    warm = _warm(active, o)
    plan = schedule(active, o)
    counter = 0
    # Warm-ups, round-robin; the first one decides whether a contender works here.
    for w in range(max(warm.values(), default=0)):
        for c in active:
            if w >= warm[c.name] or c.skip:
                continue
            counter += 1
            s = one_run(c, o, "warmup", counter, peak=(w == 0))
            c.samples.append(s)
            prog.show("%s warm-up %d: %s" % (c.name, w + 1, s["error"] or "ok"))
            if w == 0 and s["error"]:
                c.skip = "its first (warm-up) run failed: " + s["error"]
                prog.note("skipping %s: %s" % (c.name, c.skip))
    prog.end_phase("warm-up")
    for c in active:
        if c.skip or not c.ready_line:
            continue
        counter += 1
        s = one_run(c, o, "memory-probe", counter, probe=True)
        c.samples.append(s)
        prog.show("%s memory probe: %s" % (c.name, s["error"] or "ok"))
    prog.end_phase("memory")
    done = {}
    for r, c in plan:
        if c.skip:
            continue
        counter += 1
        s = one_run(c, o, "measured", counter)
        s["round"] = r
        c.samples.append(s)
        done[c.name] = done.get(c.name, 0) + 1
        prog.show("%s run %d: %s" % (c.name, done[c.name], s["error"] or "ready %s, total %s" % (
            stats.format_ms(s["ready_ms"]), stats.format_ms(s["total_ms"]))))
    prog.end_phase("measured")


def run_extras(cs, o, prog):
    """The phases after start-up; their part of results.json."""
    counter = [0]
    out = {"steady": steady.run_steady(cs, o, prog, counter) if o.steady_reps else None}
    prog.end_phase("steady")
    dense = {}
    for c in _dense(cs, o):
        for n in o.density:
            counter[0] += 1
            rec = density.run_batch(c, n, o.workdir, min(o.timeout, 120), counter[0])
            dense.setdefault(c.name, []).append(rec)
            prog.show("%s x%d at once: %d up%s" % (c.name, n, rec["up"], rec["error"] and
                                                   ", " + rec["error"] or ""))
    out["density"] = dense
    prog.end_phase("density")
    out["isolation"] = {
        "host_interface": isolation.host_interface(),
        "noisy_neighbour": isolation.noisy_neighbour(cs, o, prog) if o.noisy_ms else None,
        "panic": isolation.panic_rows(cs, o),
    }
    prog.end_phase("noisy")
    return out


def size_of(path):
    if os.path.isdir(path):
        return oci.tree_bytes(path)
    return os.path.getsize(path) if os.path.exists(path) else None


def contender_record(c, o):
    measured = [s for s in c.samples if s["phase"] == "measured"]
    ok = [s for s in measured if not s["error"]]
    probe = [s for s in c.samples if s["phase"] == "memory-probe"]
    image = [{"what": label, "path": p, "bytes": size_of(p)} for label, p in c.image]
    selected = c.name in o.only
    return {
        "name": c.name, "title": c.title, "kind": c.kind,
        "selected": selected,
        "status": "not selected" if not selected else "skipped" if c.skip else "ok",
        "skip_reason": c.skip if selected else None,
        "ready_definition": c.ready, "total_definition": c.total,
        "kernel": c.kernel,
        "command": c.command,
        "image": image,
        "image_bytes": sum(i["bytes"] or 0 for i in image) if image else None,
        "image_note": c.image_note,
        "image_alt": {"what": c.image_alt[0], "bytes": size_of(c.image_alt[1])}
        if c.image_alt else None,
        "host_program": c.host_program,
        "host_program_bytes": size_of(c.host_program) if c.host_program else None,
        "runs_planned": (o.linux_runs if c.slow else o.runs) if selected else 0,
        "failures": len(measured) - len(ok),
        "ready_ms": stats.summarize([s["ready_ms"] for s in ok]),
        "total_ms": stats.summarize([s["total_ms"] for s in ok]),
        "peak_rss_kb": next((s["peak_rss_kb"] for s in c.samples if "peak_rss_kb" in s), None),
        "memory_at_ready": probe[0].get("memory") if probe and not probe[0]["error"] else None,
        "memory_probe_error": probe[0]["error"] if probe else None,
        "instances_per_gib": density.per_gib(probe[0]["memory"]["pss_kb"])
        if probe and not probe[0]["error"] else None,
        # Teardown: from the ready line to the exit, when the workload ends
        # right after its ready line (the init script, /init's echo): the
        # workload's exit and everything the runtime or monitor does after.
        "teardown_ms": stats.summarize([s["total_ms"] - s["ready_ms"] for s in ok])
        if c.ready_line else None,
        "samples": c.samples,
    }


def write_reports(result, out, with_json=True):
    """results.json (optional), results.md and results.svg in out; their paths."""
    os.makedirs(out, exist_ok=True)
    paths = {ext: os.path.join(out, "results." + ext) for ext in ("json", "md", "svg")}
    if with_json:
        with open(paths["json"], "w") as f:
            json.dump(result, f, indent=1)
            f.write("\n")
    else:
        del paths["json"]
    with open(paths["md"], "w") as f:
        f.write(report_md.render(result))
    with open(paths["svg"], "w") as f:
        f.write(report_svg.render(result))
    paths["density"] = os.path.join(out, "density.svg")
    with open(paths["density"], "w") as f:
        f.write(report_density_svg.render(result))
    return paths


def main(argv=None):
    o = parse_args(sys.argv[1:] if argv is None else argv)
    if o.from_json:
        with open(o.from_json) as f:
            result = json.load(f)
        paths = write_reports(result, o.out, with_json=False)
        print("wrote %s" % ", ".join(list(paths.values()) + export.write(result, o)))
        return 0
    own_workdir = o.workdir is None
    o.workdir = o.workdir or tempfile.mkdtemp(prefix="kvmini-bench-")
    os.makedirs(o.workdir, exist_ok=True)
    o.workdir = os.path.abspath(o.workdir)
    started = datetime.datetime.now(datetime.timezone.utc)
    try:
        cs = cmod.build_contenders(o)
        for c in cs:
            c.samples, c.command = [], None
        load_before = host.loadavg()
        prog = plan_progress(cs, o)
        run_all(cs, o, prog)
        extras = run_extras(cs, o, prog)
        prog.close()
        load_after = host.loadavg()
        records = [contender_record(c, o) for c in cs]
        rootfs = os.path.join(o.workdir, "rootfs")
        bundle = os.path.join(o.workdir, "bundle-runc-init")
        extras["images"] = images.measure(
            o.linux_dir_used, cmod.find_linux_dir(o.linux_dir)[1], rootfs,
            bundle if os.path.isdir(bundle) else None)
    finally:
        if own_workdir:
            shutil.rmtree(o.workdir, ignore_errors=True)
    result = {
        "schema": SCHEMA,
        "command": ["kvmini-bench"] + (sys.argv[1:] if argv is None else argv),
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host": host.describe({
            "kvmini": [o.kvmini, "--version"] if os.path.exists(o.kvmini) else None,
            "qemu": [shutil.which("qemu-system-x86_64"), "--version"],
            "runc": [shutil.which("runc"), "--version"],
            "crun": [shutil.which("crun"), "--version"],
            "podman": [shutil.which("podman"), "--version"],
            "busybox": [oci.find_busybox()[0]],
        }, o.kvmini),
        "load_average_1min": {"before": load_before, "after": load_after},
        "settings": {"runs": o.runs, "linux_runs": o.linux_runs, "warmup": o.warmup,
                     "only": o.only, "timeout_s": o.timeout, "steady_reps": o.steady_reps,
                     "steady_scale": o.steady_scale, "density": o.density,
                     "noisy_ms": o.noisy_ms,
                     "linux_dir": o.linux_dir_used,
                     "linux_cmdline": cmod.LINUX_CMDLINE,
                     "guest_mem_mib": cmod.GUEST_MEM >> 20},
        "memory_method": memory.__doc__.strip(),
        "contenders": records,
    }
    result.update(extras)
    paths = write_reports(result, o.out)
    exported = export.write(result, o)
    for c in result["contenders"]:
        if c["selected"]:
            line = (c["skip_reason"] and "skipped: " + c["skip_reason"]) or \
                "ready %s, total %s (median of %d)" % (
                    stats.format_ms(c["ready_ms"]["median"]),
                    stats.format_ms(c["total_ms"]["median"]), c["ready_ms"]["n"])
            print("%-13s %s" % (c["name"], line))
    print("wrote %s" % ", ".join(list(paths.values()) + exported))
    return 0
