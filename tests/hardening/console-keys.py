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
import fcntl
import os
import pty
import select
import signal
import sys
import termios
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
import kvmini_testlib as lib  # noqa: E402

STATUS_SIGNAL = lib.statuses()["SIGNAL"]  # include/abi/kvmini_abi.h


def read_until(fd, pattern, timeout):
    data = b""
    end = time.monotonic() + timeout
    while pattern not in data and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    return data


def proc_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "?"


def wait_state(pid, wanted, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc_state(pid) in wanted:
            return True
        time.sleep(0.02)
    return False


def raw_problems(slave):
    lflag = termios.tcgetattr(slave)[3]
    problems = []
    if lflag & (termios.ICANON | termios.ECHO):
        problems.append("ICANON or ECHO on")
    if lflag & termios.ISIG:
        problems.append("ISIG on")
    return problems


def wait_exit(shell, pid, timeout):
    """The exit status of pid, as its "shell" (the session leader) reports it."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        done, wstatus = os.waitpid(shell, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(wstatus)
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(shell, 0)
    return None


def start(probe):
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    # As an interactive shell does: a session leader (the "shell") whose
    # child runs in its own, foreground, process group. A process group
    # without such a parent is orphaned, and the kernel would discard the
    # SIGTSTP stop that job control needs.
    rd, wr = os.pipe()
    shell = os.fork()
    if shell == 0:
        os.setsid()  # the pty becomes our controlling terminal
        os.close(master)
        os.close(rd)
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        pid = os.fork()
        if pid == 0:
            os.setpgid(0, 0)
            signal.signal(signal.SIGTTOU, signal.SIG_IGN)
            os.tcsetpgrp(0, os.getpgrp())
            signal.signal(signal.SIGTTOU, signal.SIG_DFL)
            os.execv([probe, "console"][0], [probe, "console"])
        os.write(wr, b"%d" % pid)
        _, wstatus = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(wstatus)
        os._exit(code if code >= 0 else 128 - code)
    os.close(wr)
    pid = int(os.read(rd, 32))
    os.close(rd)
    return master, slave, before, (shell, pid)


def finish(master, slave, before, shell, pid, out, pattern):
    out += read_until(master, pattern, 10)
    status = wait_exit(shell, pid, 10)
    out += read_until(master, b"\x00", 0.2)
    after = termios.tcgetattr(slave)
    os.close(master)
    os.close(slave)
    return status, out.decode(errors="replace").replace("\r", ""), after != before


def keys(probe):
    master, slave, before, (shell, pid) = start(probe)
    failures = []
    out = read_until(master, b"console ready", 10)
    if b"SKIP" in out or b"console ready" not in out:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(shell, 0)
        return None if b"SKIP" in out else ["the probe did not start: %r" % out]
    if b"Ctrl-A x quits" not in out:
        failures.append("no escape hint")
    failures += raw_problems(slave)

    def typed(data, expect):
        nonlocal out
        os.write(master, data)
        want = b"".join(b"guest got %02x\n" % b for b in expect)
        got = read_until(master, want.replace(b"\n", b"\r\n")[-14:] if want else b"\x00", 1)
        out += got
        clean = got.replace(b"\r", b"")
        if want and want not in clean:
            failures.append("typed %r: the guest did not get %r (%r)" % (data, want, clean))
        return clean

    typed(b"\x03", b"\x03")  # Ctrl-C
    if os.waitpid(shell, os.WNOHANG)[0]:
        return failures + ["Ctrl-C ended the monitor"]
    typed(b"\x1a", b"\x1a")  # Ctrl-Z
    if proc_state(pid) == "T":
        failures.append("Ctrl-Z stopped the monitor")
        os.kill(pid, signal.SIGCONT)
    typed(b"\x1c", b"\x1c")  # Ctrl-backslash
    typed(b"\x01\x01", b"\x01")  # Ctrl-A Ctrl-A: one Ctrl-A
    typed(b"\x01b", b"\x01b")  # Ctrl-A b: both
    got = typed(b"\x01h", b"")  # help on stderr, nothing for the guest
    more = read_until(master, b"this help", 1)
    out += more
    got += more.replace(b"\r", b"")
    if b"this help" not in got or b"guest got" in got:
        failures.append("Ctrl-A h: no help, or bytes for the guest: %r" % got)

    os.kill(pid, signal.SIGTSTP)
    if not wait_state(pid, "T", 5):
        failures.append("kill -TSTP did not stop the monitor")
    elif termios.tcgetattr(slave) != before:
        failures.append("stopped by SIGTSTP with the terminal still raw")
    os.kill(pid, signal.SIGCONT)
    wait_state(pid, "RS", 5)
    time.sleep(0.3)
    failures += ["after SIGCONT: " + p for p in raw_problems(slave)]
    typed(b"k", b"k")  # still served after the stop

    os.write(master, b"\x01x")
    status, text, changed = finish(master, slave, before, shell, pid, out, b"stopped by")
    print(text.rstrip())
    if status != STATUS_SIGNAL:
        failures.append("status %s after Ctrl-A x, expected %d" % (status, STATUS_SIGNAL))
    if "kvmini: stopped by Ctrl-A x" not in text:
        failures.append("no 'kvmini: stopped by Ctrl-A x'")
    if changed:
        failures.append("terminal settings differ after the run")
    return failures


def kill_int(probe):
    master, slave, before, (shell, pid) = start(probe)
    out = read_until(master, b"console ready", 10)
    os.kill(pid, signal.SIGINT)
    status, text, changed = finish(master, slave, before, shell, pid, out, b"stopped by")
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
