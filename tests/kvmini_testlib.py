# SPDX-License-Identifier: MIT
"""What the Python tests and benchmarks share: tests/lib.sh's counterpart.

    import sys, os
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
    import kvmini_testlib as lib

    lib.EXIT_PASS, lib.EXIT_FAIL, lib.EXIT_SKIP   Meson's reading of a test: 0, 1, 77
    lib.statuses()        {"SIGNAL": 122, ...}: the monitor's exit statuses,
                          KVMINI_STATUS_<NAME> from include/abi/kvmini_abi.h
    lib.kvm_problem()     None if /dev/kvm is usable, else the reason (a
                          character device is checked for before it is opened)
    lib.host_info(kvmini) the JSON of `kvmini host-info` as a dict: the host
                          kind, its Linux command-line additions, ... (the
                          knowledge lives in vmm/kvm/host_quirks.c only)
Python 3 standard library only.
"""
import errno
import json
import os
import re
import stat
import subprocess

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_SKIP = 77

ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
ABI_HEADER = os.path.join(ROOT, "include", "abi", "kvmini_abi.h")


def statuses(header=ABI_HEADER):
    """{NAME: number} for every '#define KVMINI_STATUS_NAME number' in header.
    Raises RuntimeError if there is none (a renamed or moved header)."""
    with open(header) as f:
        found = dict((m.group(1), int(m.group(2))) for m in
                     re.finditer(r"^#define\s+KVMINI_STATUS_([A-Z_]+)\s+([0-9]+)", f.read(), re.M))
    if "SETUP_ERROR" not in found:
        raise RuntimeError("no KVMINI_STATUS_* numbers in %s" % header)
    return found


def kvm_problem(path="/dev/kvm"):
    """None if path is a character device that opens read-write, else why not.
    Looks before it opens: os.open() never creates here, but a test that
    only checks whether /dev/kvm exists would be fooled by a stray regular
    file (a shell's '<>/dev/kvm' leaves one on a machine without KVM)."""
    try:
        st = os.stat(path)
    except OSError as e:
        return "%s: %s" % (path, "does not exist (no KVM on this machine)"
                           if e.errno == errno.ENOENT else e.strerror)
    if not stat.S_ISCHR(st.st_mode):
        return "%s is not a character device (a stray file? KVM is missing)" % path
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CLOEXEC))
    except OSError as e:
        return "cannot open %s read-write: %s" % (path, e.strerror)
    return None


def host_info(kvmini, env=None):
    """What `kvmini host-info` prints, as a dict. Raises RuntimeError with
    the reason if the monitor cannot be run or prints no JSON object."""
    try:
        p = subprocess.run([kvmini, "host-info"], capture_output=True, text=True, timeout=30,
                           env=env)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RuntimeError("%s host-info: %s" % (kvmini, e))
    if p.returncode != 0:
        raise RuntimeError("%s host-info: status %d: %s" % (kvmini, p.returncode, p.stderr.strip()))
    try:
        info = json.loads(p.stdout)
    except ValueError as e:
        raise RuntimeError("%s host-info printed no JSON: %s" % (kvmini, e))
    if not isinstance(info, dict):
        raise RuntimeError("%s host-info printed no JSON object" % kvmini)
    return info
