#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""console-keys.py: the guest console on a terminal, without KVM.

seccomp_probe's "console" mode runs the monitor's own terminal code
(vmm/host/stdin_console.c, vmm/host/console_escape.c) and event loop under
the real system-call filter, and prints "guest got XX" for every byte the
guest would receive. On a pseudo-terminal this checks what ctrl-c.py checks
with a real guest, where /dev/kvm is missing:
  - the escape hint is printed, the terminal is raw without ISIG,
  - Ctrl-C and Ctrl-Z reach the guest as bytes (no signal, no stop),
  - Ctrl-A Ctrl-A gives one Ctrl-A, Ctrl-A b gives both bytes,
  - Ctrl-A h prints the help,
  - kill -TSTP stops with the terminal restored, SIGCONT makes it raw again,
  - Ctrl-A x ends the run with KVMINI_STATUS_SIGNAL and "stopped by Ctrl-A x",
  - kill -INT still ends it with KVMINI_STATUS_SIGNAL and "stopped by SIGINT",
  - the terminal is left exactly as it was found.

Usage: console-keys.py SECCOMP_PROBE. Exit status 0 pass, 1 fail, 77 skip.
"""
import os
import signal
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
import kvmini_testlib as lib  # noqa: E402
import pty_job  # noqa: E402

STATUS_SIGNAL = lib.statuses()["SIGNAL"]  # include/abi/kvmini_abi.h


def keys(probe):
    master, slave, before, (shell, pid) = pty_job.start([probe, "console"])
    failures = []
    out = pty_job.read_until(master, b"console ready", 10)
    if b"SKIP" in out or b"console ready" not in out:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(shell, 0)
        return None if b"SKIP" in out else ["the probe did not start: %r" % out]
    if b"Ctrl-A x quits" not in out:
        failures.append("no escape hint")
    failures += pty_job.raw_problems(slave)

    def typed(data, expect):
        nonlocal out
        os.write(master, data)
        want = b"".join(b"guest got %02x\n" % b for b in expect)
        got = pty_job.read_until(master, want.replace(b"\n", b"\r\n")[-14:] if want else b"\x00", 1)
        out += got
        clean = got.replace(b"\r", b"")
        if want and want not in clean:
            failures.append("typed %r: the guest did not get %r (%r)" % (data, want, clean))
        return clean

    typed(b"\x03", b"\x03")  # Ctrl-C
    if os.waitpid(shell, os.WNOHANG)[0]:
        return failures + ["Ctrl-C ended the monitor"]
    typed(b"\x1a", b"\x1a")  # Ctrl-Z
    if pty_job.proc_state(pid) == "T":
        failures.append("Ctrl-Z stopped the monitor")
        os.kill(pid, signal.SIGCONT)
    typed(b"\x1c", b"\x1c")  # Ctrl-backslash
    typed(b"\x01\x01", b"\x01")  # Ctrl-A Ctrl-A: one Ctrl-A
    typed(b"\x01b", b"\x01b")  # Ctrl-A b: both
    got = typed(b"\x01h", b"")  # help on stderr, nothing for the guest
    more = pty_job.read_until(master, b"this help", 1)
    out += more
    got += more.replace(b"\r", b"")
    if b"this help" not in got or b"guest got" in got:
        failures.append("Ctrl-A h: no help, or bytes for the guest: %r" % got)

    failures += pty_job.job_control_problems(pid, slave, before, "the monitor")
    typed(b"k", b"k")  # still served after the stop

    os.write(master, b"\x01x")
    status, text, changed = pty_job.finish(master, slave, before, shell, pid, out, b"stopped by")
    print(text.rstrip())
    if status != STATUS_SIGNAL:
        failures.append("status %s after Ctrl-A x, expected %d" % (status, STATUS_SIGNAL))
    if "kvmini: stopped by Ctrl-A x" not in text:
        failures.append("no 'kvmini: stopped by Ctrl-A x'")
    if changed:
        failures.append("terminal settings differ after the run")
    return failures


def kill_int(probe):
    master, slave, before, (shell, pid) = pty_job.start([probe, "console"])
    out = pty_job.read_until(master, b"console ready", 10)
    os.kill(pid, signal.SIGINT)
    status, text, changed = pty_job.finish(master, slave, before, shell, pid, out, b"stopped by")
    print(text.rstrip())
    failures = []
    if status != STATUS_SIGNAL:
        failures.append("status %s after kill -INT, expected %d" % (status, STATUS_SIGNAL))
    if "kvmini: stopped by SIGINT" not in text:
        failures.append("no 'kvmini: stopped by SIGINT'")
    if changed:
        failures.append("terminal settings differ after the run")
    return failures


def main():
    probe = sys.argv[1]
    failed = False
    for name, case in (("keys", keys), ("kill -INT", kill_int)):
        failures = case(probe)
        if failures is None:
            print("SKIP: no system-call filter in this build")
            return lib.EXIT_SKIP
        for f in failures:
            print("console-keys: FAILED (%s): %s" % (name, f))
        failed = failed or bool(failures)
    if failed:
        return lib.EXIT_FAIL
    print("console-keys: OK")
    return lib.EXIT_PASS


if __name__ == "__main__":
    sys.exit(main())
