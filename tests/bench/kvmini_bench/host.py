# SPDX-License-Identifier: MIT
"""A description of the machine the benchmark ran on, for every report."""
import os
import platform
import subprocess

from kvmini_testlib import host_info, kvm_problem  # tests/, see __init__.py


def _first_line(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (p.stdout or p.stderr).strip()
    return text.splitlines()[0] if text else None


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _kvm_kind(kvmini):
    """What kind of KVM this is. The host kind is kvmini's own verdict
    (`kvmini host-info`, vmm/kvm/host_quirks.c), never a copy of it."""
    problem = kvm_problem()
    if problem:
        return "no usable KVM: " + problem
    try:
        info = host_info(kvmini) if kvmini and os.path.exists(kvmini) else None
    except RuntimeError:
        info = None
    if info and info.get("emulated_kernel_mode"):
        return ("KVM host kind %r (kvmini host-info): guest kernel-mode code runs in KVM's "
                "instruction emulator, guest user mode runs natively" % info.get("host"))
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        flags = ""
    if " vmx" in flags or " svm" in flags:
        return "hardware-assisted KVM (%s)" % ("Intel VT-x" if " vmx" in flags else "AMD-V")
    return "KVM of unknown kind (no vmx/svm flag)"


def source_version():
    """The kvmini commit this bench ran from, '-dirty' with local changes
    (read-only git commands), or None outside a git checkout."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        head = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=20)
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def describe(tools, kvmini=None):
    """dict describing this host. tools: {name: argv or None}, commands whose
    first output line names a program's version; kvmini: the monitor, asked
    what kind of KVM host this is."""
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    versions = {}
    for name, argv in tools.items():
        if argv and argv[0]:
            versions[name] = _first_line(argv)
    return {
        "hostname": platform.node(),
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "memory_mib": mem_kb >> 10,
        "kernel": platform.release(),
        "kvm": _kvm_kind(kvmini),
        "python": platform.python_version(),
        "versions": versions,
        "kvmini_source": source_version(),
    }


def loadavg():
    """The 1-minute load average (other work on the machine skews timings)."""
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except OSError:
        return None
