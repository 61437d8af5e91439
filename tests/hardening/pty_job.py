# SPDX-License-Identifier: MIT
"""pty_job.py: a program on a pseudo-terminal, run as a shell's foreground job.

What ctrl-c.py (kvmini with a guest) and console-keys.py (the same terminal
code without KVM) share: start a job on a new pty, read its output, watch
its process state, and check the terminal's modes.
"""
import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time


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


def proc_state(pid):
    """The state letter of /proc/PID/stat: R, S, T (stopped), Z..."""
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
        problems.append("ISIG on: Ctrl-C would not reach the guest")
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


def start(argv, winsize=None):
    """Run argv on a new pseudo-terminal as a shell's foreground job.
    winsize: (rows, columns) to give the terminal before argv starts.

    Returns (master, slave, the terminal's settings before, (shell, pid))."""
    master, slave = pty.openpty()
    if winsize:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", winsize[0], winsize[1], 0, 0))
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
            os.execv(argv[0], argv)
        os.write(wr, b"%d" % pid)
        _, wstatus = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(wstatus)
        os._exit(code if code >= 0 else 128 - code)
    os.close(wr)
    pid = int(os.read(rd, 32))
    os.close(rd)
    return master, slave, before, (shell, pid)


def finish(master, slave, before, shell, pid, out, pattern):
    """Read until pattern, wait for the exit; (status, text, terminal changed)."""
    out += read_until(master, pattern, 10)
    status = wait_exit(shell, pid, 10)
    out += read_until(master, b"\x00", 0.2)
    after = termios.tcgetattr(slave)
    os.close(master)
    os.close(slave)
    return status, out.decode(errors="replace").replace("\r", ""), after != before


def job_control_problems(pid, slave, before, who):
    """kill -TSTP must stop pid with the terminal as it was before the run;
    SIGCONT (the shell's fg) must make it raw again. Returns failure messages."""
    problems = []
    os.kill(pid, signal.SIGTSTP)
    if not wait_state(pid, "T", 5):
        problems.append("kill -TSTP did not stop " + who)
    elif termios.tcgetattr(slave) != before:
        problems.append("stopped by SIGTSTP with the terminal still raw")
    os.kill(pid, signal.SIGCONT)
    wait_state(pid, "RS", 5)
    time.sleep(0.3)
    return problems + ["after SIGCONT (fg): " + p for p in raw_problems(slave)]
