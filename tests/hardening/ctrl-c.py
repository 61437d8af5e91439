#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ctrl-c.py: on a terminal, Ctrl-C is the guest's and Ctrl-A x ends the run.

The monitor runs on a pseudo-terminal, as in an interactive shell: stdin is
the terminal, which kvmini puts in raw mode WITHOUT ISIG
(vmm/host/stdin_console.c), so Ctrl-C, Ctrl-\\ and Ctrl-Z are bytes for the
guest, and the escape Ctrl-A talks to the monitor (vmm/host/console_escape.h).
Once the guest spins, the test checks that kvmini
  - printed the one-line escape hint,
  - was in raw mode while the guest ran (ICANON, ECHO and ISIG off),
  - kept running after Ctrl-C and after Ctrl-Z (no signal, not stopped),
  - on a SIGTSTP from outside (job control: kill -TSTP), stopped with the
    terminal restored, and on SIGCONT (fg) made it raw again,
  - on Ctrl-A x exited with KVMINI_STATUS_SIGNAL and said
    "stopped by Ctrl-A x",
  - left the terminal exactly as it found it.
The same is done with the system-call filter off, since the terminal
handling must not depend on it; and SIGINT sent with kill(1) must still
stop the run ("stopped by SIGINT", KVMINI_STATUS_SIGNAL).

Usage: ctrl-c.py KVMINI SPIN-ELF. Exit status 0 pass, 1 fail, 77 skip.
"""
import os
import signal
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
import kvmini_testlib as lib  # noqa: E402
import pty_job  # noqa: E402

STATUS_SIGNAL = lib.statuses()["SIGNAL"]  # include/abi/kvmini_abi.h
CTRL_A, CTRL_C, CTRL_Z = b"\x01", b"\x03", b"\x1a"


def run_keys(kvmini, spin, extra):
    """Ctrl-C, Ctrl-Z, kill -TSTP / -CONT, then Ctrl-A x. Returns failure messages."""
    master, slave, before, (shell, pid) = pty_job.start([kvmini, "run", "--kernel", spin] + extra)
    failures = []
    out = pty_job.read_until(master, b"spin: spinning", 20)
    if b"spin: spinning" not in out:
        failures.append("the guest never started spinning: %r" % out)
    else:
        time.sleep(0.2)
        failures += ["while the guest ran: " + p for p in pty_job.raw_problems(slave)]
        if b"Ctrl-A x quits" not in out:
            failures.append("no escape hint ('Ctrl-A x quits') on the terminal")

        os.write(master, CTRL_C)
        out += pty_job.read_until(master, b"\x00", 0.5)
        if os.waitpid(shell, os.WNOHANG)[0]:
            failures.append("Ctrl-C ended kvmini: it must go to the guest")
            return failures

        os.write(master, CTRL_Z)
        out += pty_job.read_until(master, b"\x00", 0.5)
        if pty_job.proc_state(pid) == "T":
            failures.append("Ctrl-Z stopped kvmini: it must go to the guest")
            os.kill(pid, signal.SIGCONT)
        failures += ["after Ctrl-Z: " + p for p in pty_job.raw_problems(slave)]

        # Job control from outside: the shell's terminal while stopped, raw after fg.
        failures += pty_job.job_control_problems(pid, slave, before, "kvmini")

    os.write(master, CTRL_A + b"x")
    status, text, changed = pty_job.finish(master, slave, before, shell, pid, out, b"stopped by")
    print(text.rstrip())
    if status is None:
        failures.append("kvmini did not stop within 10 s of Ctrl-A x")
    elif status != STATUS_SIGNAL:
        failures.append("exit status %s after Ctrl-A x, expected %d" % (status, STATUS_SIGNAL))
    if "kvmini: stopped by Ctrl-A x" not in text:
        failures.append("no 'kvmini: stopped by Ctrl-A x' message")
    if changed:
        failures.append("terminal settings differ after the run")
    return failures


def run_kill(kvmini, spin):
    """SIGINT from outside still stops the run, terminal restored."""
    master, slave, before, (shell, pid) = pty_job.start([kvmini, "run", "--kernel", spin])
    failures = []
    out = pty_job.read_until(master, b"spin: spinning", 20)
    if b"spin: spinning" not in out:
        failures.append("the guest never started spinning: %r" % out)
    os.kill(pid, signal.SIGINT)
    status, text, changed = pty_job.finish(master, slave, before, shell, pid, out, b"stopped by")
    print(text.rstrip())
    if status != STATUS_SIGNAL:
        failures.append("exit status %s after kill -INT, expected %d" % (status, STATUS_SIGNAL))
    if "kvmini: stopped by SIGINT" not in text:
        failures.append("no 'kvmini: stopped by SIGINT' message")
    if changed:
        failures.append("terminal settings differ after the run")
    return failures


def main():
    kvmini, spin = sys.argv[1], sys.argv[2]
    # lib.kvm_problem() checks for a character device before opening: it
    # never creates /dev/kvm.
    problem = lib.kvm_problem()
    if problem:
        print("SKIP: %s" % problem)
        return lib.EXIT_SKIP
    failed = False
    cases = [("kvmini", lambda: run_keys(kvmini, spin, [])),
             ("kvmini --seccomp off", lambda: run_keys(kvmini, spin, ["--seccomp", "off"])),
             ("kvmini, kill -INT", lambda: run_kill(kvmini, spin))]
    for name, case in cases:
        failures = case()
        for f in failures:
            print("ctrl-c: FAILED (%s): %s" % (name, f))
        if not failures:
            print("ctrl-c: %s: OK, terminal restored" % name)
        failed = failed or bool(failures)
    if failed:
        return lib.EXIT_FAIL
    print("ctrl-c: OK")
    return lib.EXIT_PASS


if __name__ == "__main__":
    sys.exit(main())
