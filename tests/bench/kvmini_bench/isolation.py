# SPDX-License-Identifier: MIT
"""Isolation, measured as far as numbers go.

1. The host interface a workload can reach. A container's processes make
   system calls to the host kernel: every call of the host's table, less
   what a seccomp profile refuses (runc's default config.json has none). A
   VM's guest reaches the host through the KVM exit reasons the monitor
   handles (vmm/kvm/vcpu_exit.c) and, behind them, the monitor's own
   system calls, limited by its filter (vmm/host/seccomp_policy.c). Counted
   from the sources and the host's headers, never copied here.
2. A noisy neighbour: a probe instance (bench_work probe: how late its 1 ms
   sleeps wake up) alone, then next to an instance running a CPU hog, a
   memory hog and a fork bomb. Every hog runs under a cgroup limit
   (NOISY_LIMITS) and is killed after the probe; the fork bomb also stops
   by itself (bench_work forkbomb caps and times out its children).
3. A guest kernel panic: stated, see PANIC.
"""
import json
import os
import re
import subprocess
import time

from . import oci, runner

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.realpath(__file__)))))
POLICY = os.path.join(ROOT, "vmm", "host", "seccomp_policy.c")
EXITS = os.path.join(ROOT, "vmm", "kvm", "vcpu_exit.c")
UNISTD = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"
# The OCI default profile that podman (containers-common) and Docker install.
OCI_PROFILES = ["/usr/share/containers/seccomp.json", "/etc/containers/seccomp.json"]

# Every hog's cgroup: a fork bomb meets pids.max, a memory hog memory.limit.
NOISY_LIMITS = {"pids": 64, "memory_mib": 64}
HOGS = [
    ("cpu", "two busy shell loops (one per CPU of this machine)",
     ["/bin/sh", "-c", "while :; do :; done & while :; do :; done"]),
    ("memory", "touches 256 MiB over and over in a 64 MiB cgroup (OOM-killed, restarted)",
     ["/bin/sh", "-c", "while :; do %s memhog 256 5; done" % oci.WORK_BIN]),
    ("fork bomb", "forks until fork() fails (pids limit 64) or 2000 children; they exit after 5 s",
     [oci.WORK_BIN, "forkbomb", "2000", "5"]),
]
VM_NOISY = ("not automated for VMs yet: the hogs are shell scripts, which a guest's kernel "
            "command line (` -- COMMAND`) cannot carry; a VM's limits are its vCPUs and memory")
PROBE_RE = re.compile(r"p50_us=([0-9.]+) p99_us=([0-9.]+) max_us=([0-9.]+)")
BOMB_RE = re.compile(r"children=(\d+) stopped_by=(.*)")
PANIC = {
    "vm": "not measured here: no /dev/kvm. A guest panic ends its own VM only (panic=-1 "
          "reboot=t: the guest triple-faults and the monitor exits); the check needs KVM",
    "container": "not provoked: a container has no kernel of its own, so a kernel panic "
                 "caused from a container is the host kernel's panic and stops every "
                 "instance and the host (it would take this machine down)",
}


def _c_array(path, name):
    """The string or identifier items of `... name[] = { ... };` in a C file."""
    with open(path) as f:
        text = f.read()
    m = re.search(r"\b%s\[\]\s*=\s*\{(.*?)\n\};" % re.escape(name), text, re.S)
    if not m:
        raise RuntimeError("%s: no array %s" % (path, name))
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    quoted = re.findall(r'"([a-z0-9_]+)"', body)
    return quoted or re.findall(r"\b([A-Z][A-Z0-9_]+)\b,", body)


def host_interface():
    """Counts of what each kind of contender can reach on the host."""
    out = {}
    try:
        with open(UNISTD) as f:
            host_calls = len(re.findall(r"^#define __NR_\w+\s+\d+", f.read(), re.M))
    except OSError as e:
        host_calls, out["host_calls_error"] = None, str(e)
    out["host_syscalls"] = host_calls
    try:
        base = set(_c_array(POLICY, "allowed_calls")) | set(
            n for n in re.findall(r'\{"([a-z0-9_]+)", \{', open(POLICY).read()))
        sockets = set(_c_array(POLICY, "host_socket_calls"))
        ioctls = _c_array(POLICY, "allowed_ioctls")
        with open(EXITS) as f:
            exits = re.findall(r"case (KVM_EXIT_\w+):", f.read())
        out["vm"] = {"exit_reasons": sorted(set(exits)), "monitor_syscalls": len(base),
                     "monitor_syscalls_with_sockets": len(base | sockets),
                     "monitor_ioctls": len(ioctls),
                     "source": "vmm/kvm/vcpu_exit.c, vmm/host/seccomp_policy.c"}
    except (OSError, RuntimeError) as e:
        out["vm_error"] = str(e)
    profile = next((p for p in OCI_PROFILES if os.path.exists(p)), None)
    out["container"] = {
        "runc_default": "no seccomp profile in `runc spec`'s config.json: all %s system calls "
                        "of the host's table are reachable (capabilities and namespaces still "
                        "limit what they may do)" % host_calls,
        "runc_reachable": host_calls,
        "oci_default_profile": _profile_count(profile) if profile else None,
        "oci_default_note": ("%s" % profile) if profile else
        "the OCI default profile (containers-common's seccomp.json, used by podman) is not "
        "installed here (looked in %s)" % ", ".join(OCI_PROFILES),
    }
    return out


def _profile_count(path):
    """System calls a seccomp.json profile allows unconditionally."""
    with open(path) as f:
        prof = json.load(f)
    names = set()
    for rule in prof.get("syscalls", []):
        if rule.get("action") == "SCMP_ACT_ALLOW" and not rule.get("args"):
            names.update(rule.get("names", []))
    return len(names)


def _probe(c, o, tag, ms):
    res = runner.run_once(c.wrap(tag, [oci.WORK_BIN, "probe", str(ms)]), None, o.timeout)
    err = res.error()
    m = PROBE_RE.search(res.stdout.decode("utf-8", "replace"))
    if err or not m:
        if c.cleanup:
            c.cleanup(tag)
        return {"error": err or "no probe line"}
    return {"p50_us": float(m.group(1)), "p99_us": float(m.group(2)),
            "max_us": float(m.group(3))}


def _hog(c, o, tag, args, ms, out_path):
    """Run args in an instance with NOISY_LIMITS next to a probe; return
    (probe result, hog's first output line)."""
    with open(out_path, "wb") as out:
        hog = subprocess.Popen(c.wrap(tag + "h", args, NOISY_LIMITS), stdin=subprocess.DEVNULL,
                               stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        time.sleep(0.3)  # let the hog get going
        probe = _probe(c, o, tag + "p", ms)
    finally:
        if c.cleanup:
            c.cleanup(tag + "h")  # runc delete --force: kills every process in it
        try:
            os.killpg(hog.pid, 9)
        except ProcessLookupError:
            pass
        hog.wait()
    with open(out_path, "rb") as f:
        text = f.read().decode("utf-8", "replace").strip()
    os.unlink(out_path)
    return probe, text.splitlines()[0][:200] if text else ""


def noisy_neighbour(cs, o, prog):
    """{contender: {"baseline": probe, "hogs": [...]}} or {contender: {"skip": why}}."""
    out = {}
    for c in cs:
        if c.name not in o.only or c.kind not in ("vm", "container") or c.name.endswith("-true"):
            continue
        why = c.skip or c.wrap_skip or (VM_NOISY if c.kind == "vm" else None) or (
            None if c.limits else
                                        "sets no cgroup limits: a fork bomb there would not be "
                                        "contained, so no hog is run in it")
        if why:
            out[c.name] = {"skip": why}
            continue
        tag = "kvmini-bench-%d-noisy-%s" % (os.getpid(), c.name)
        rec = {"baseline": _probe(c, o, tag + "-base", o.noisy_ms), "hogs": [],
               "limits": NOISY_LIMITS}
        prog.show("noisy neighbour, %s alone: %s" % (c.name, _fmt(rec["baseline"])))
        for name, what, args in HOGS:
            probe, line = _hog(c, o, "%s-%d" % (tag, len(rec["hogs"])), args, o.noisy_ms,
                               os.path.join(o.workdir, tag + ".hog"))
            hog = {"hog": name, "what": what, "probe": probe, "hog_output": line}
            m = BOMB_RE.search(line)
            if m:
                hog["children"], hog["stopped_by"] = int(m.group(1)), m.group(2)
            rec["hogs"].append(hog)
            prog.show("noisy neighbour, %s beside a %s hog: %s" % (c.name, name, _fmt(probe)))
        out[c.name] = rec
    return out


def _fmt(p):
    return p.get("error") or "wake-up late by p50 %.0f us, p99 %.0f us" % (
        p["p50_us"], p["p99_us"])


def steps(cs, o):
    return sum(1 + len(HOGS) for c in cs if c.name in o.only and c.limits and not c.skip
               and not c.wrap_skip)


def panic_rows(cs, o):
    return {c.name: PANIC[c.kind] for c in cs if c.name in o.only and c.kind in PANIC}

