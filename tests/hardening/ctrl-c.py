#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ctrl-c.py: Ctrl-C typed on the terminal stops a busy guest cleanly.

The monitor runs on a pseudo-terminal, as in an interactive shell: stdin is
the terminal, which kvmini puts in raw mode (keeping ISIG, so that Ctrl-C
still raises SIGINT, vmm/host/stdin_console.c). The test waits until the guest spins,
types Ctrl-C (byte 0x03 on the master side: the line discipline sends SIGINT
to the foreground process group), and checks that kvmini
  - was in raw mode while the guest ran (ICANON and ECHO off),
  - exited with KVMINI_STATUS_SIGNAL and said "stopped by SIGINT",
  - left the terminal exactly as it found it.
The same is then done with the system-call filter off, since the terminal
restore must not depend on it.

Usage: ctrl-c.py KVMINI SPIN-ELF. Exit status 0 pass, 1 fail, 77 skip.
"""
import fcntl
import os
import pty
import select
import sys
import termios
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
import kvmini_testlib as lib  # noqa: E402

STATUS_SIGNAL = lib.statuses()["SIGNAL"]  # include/abi/kvmini_abi.h


def read_until(fd, pattern, timeout):
    """Read from fd until pattern appears or timeout seconds pass."""
    data = b""
    end = time.monotonic() + timeout
    while pattern not in data and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            data += chunk
    return data


def run(kvmini, spin, extra):
    """One run on a fresh pty. Returns a list of failure messages."""
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    pid = os.fork()
    if pid == 0:
        os.setsid()  # the pty becomes our controlling terminal
        os.close(master)
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.execv(kvmini, [kvmini, "run", "--kernel", spin] + extra)
    failures = []
    out = read_until(master, b"spin: spinning", 20)
    if b"spin: spinning" not in out:
        failures.append("the guest never started spinning: %r" % out)
    else:
        time.sleep(0.2)
        during = termios.tcgetattr(slave)
        lflag = during[3]
        if lflag & (termios.ICANON | termios.ECHO):
            failures.append("the terminal was not in raw mode while the guest ran")
        if not lflag & termios.ISIG:
            failures.append("raw mode dropped ISIG: Ctrl-C would reach the guest")
    os.write(master, b"\x03")
    out += read_until(master, b"stopped by", 10)
    deadline = time.monotonic() + 10
    status = None
    while time.monotonic() < deadline:
        done, wstatus = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(wstatus)
            break
        time.sleep(0.02)
    if status is None:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        failures.append("kvmini did not stop within 10 s of Ctrl-C")
    out += read_until(master, b"\x00", 0.2)
    text = out.decode(errors="replace").replace("\r", "")
    after = termios.tcgetattr(slave)
    os.close(master)
    os.close(slave)
    print(text.rstrip())
    if status is not None and status != STATUS_SIGNAL:
        failures.append("exit status %s, expected %d" % (status, STATUS_SIGNAL))
    if "kvmini: stopped by SIGINT" not in text:
        failures.append("no 'kvmini: stopped by SIGINT' message")
    if after != before:
        failures.append("terminal settings differ after the run")
    return failures


def main():
    kvmini, spin = sys.argv[1], sys.argv[2]
    problem = lib.kvm_problem()
    if problem:
        print("SKIP: %s" % problem)
        return lib.EXIT_SKIP
    failed = False
    for extra in ([], ["--seccomp", "off"]):
        name = " ".join(["kvmini"] + extra)
        failures = run(kvmini, spin, extra)
        for f in failures:
            print("ctrl-c: FAILED (%s): %s" % (name, f))
        if not failures:
            print("ctrl-c: %s: Ctrl-C stopped the guest (status %d), terminal restored"
                  % (name, STATUS_SIGNAL))
        failed = failed or bool(failures)
    if failed:
        return lib.EXIT_FAIL
    print("ctrl-c: OK")
    return lib.EXIT_PASS


if __name__ == "__main__":
    sys.exit(main())
