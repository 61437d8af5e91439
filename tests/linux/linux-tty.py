#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""linux-tty.py: the Linux guest's interactive shell knows the user's terminal.

kvmini tells the minimal Linux guest's /init what its stdin and stdout are
(kvmini.tty=, vmm/host/stdin_console.c; guest/linux/init.sh):
  - not a terminal (commands piped in): the shell runs with echo off, so
    busybox's line editing sends no ESC[6n cursor-position probe, which
    nobody would answer and which would land in the output; the piped
    commands run and `exit 4` ends the run with status 4;
  - a terminal of 101 columns and 33 rows (a pseudo-terminal): the kernel
    command line carries kvmini.tty=101x33, and `stty size` typed at the
    guest's shell prints "33 101".

Usage: linux-tty.py KVMINI SOURCE-ROOT. Exit status 0 pass, 1 fail, 77 skip.
The guest comes from $KVMINI_LINUX_DIR or guest/linux/build.sh.
"""
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
here = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(here, ".."))
sys.path.insert(0, os.path.join(here, "..", "hardening"))
import kvmini_testlib as lib  # noqa: E402
import pty_job  # noqa: E402

BOOT_TIMEOUT = int(os.environ.get("KVMINI_LINUX_TIMEOUT", "330"))
PROBE = b"\x1b[6n"


def say(msg):
    print("linux-tty: " + msg, flush=True)


def skip(why):
    say("SKIP: " + why)
    sys.exit(77)


def linux_dir(srcroot):
    d = os.environ.get("KVMINI_LINUX_DIR")
    if not d:
        say("KVMINI_LINUX_DIR is not set: asking guest/linux/build.sh")
        r = subprocess.run([os.path.join(srcroot, "guest/linux/build.sh")],
                           stdout=subprocess.PIPE, check=False)
        lines = r.stdout.decode().split()
        if r.returncode != 0 or not lines:
            skip("the Linux guest is not built and guest/linux/build.sh failed")
        d = lines[-1]
    for f in ("vmlinux", "initramfs.cpio"):
        if not os.path.getsize(os.path.join(d, f)):
            skip("%s has no %s" % (d, f))
    return d


def piped_case(kvmini, guest):
    """Commands piped into the shell: no probe, status from `exit 4`."""
    argv = [kvmini, "run", "--timeout", str(BOOT_TIMEOUT), "--kernel",
            guest + "/vmlinux", "--initrd", guest + "/initramfs.cpio"]
    say("piped: " + " ".join(argv))
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    # Type only once the shell runs: the guest's UART driver resets its
    # FIFO while it starts, and bytes sent before that are lost.
    out = pty_job.read_until(p.stdout.fileno(), b"starting a shell", BOOT_TIMEOUT)
    try:
        rest, _ = p.communicate(b"echo piped-$((6*7))\nexit 4\n", timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        rest, _ = p.communicate()
    out += rest
    sys.stdout.write(out.decode(errors="replace"))
    failures = []
    if p.returncode != 4:
        failures.append("piped: exit status %d, expected 4 (the piped `exit 4`)" % p.returncode)
    if b"piped-42" not in out:
        failures.append("piped: the piped command's output 'piped-42' is missing")
    if PROBE in out:
        failures.append("piped: an ESC[6n cursor probe leaked into the output")
    if b"kvmini.tty=none" not in out:
        failures.append("piped: the kernel command line has no kvmini.tty=none")
    return failures


def terminal_case(kvmini, guest):
    """On a 101x33 pseudo-terminal, the guest shell's `stty size` says so."""
    argv = [kvmini, "run", "--timeout", str(BOOT_TIMEOUT), "--kernel",
            guest + "/vmlinux", "--initrd", guest + "/initramfs.cpio"]
    say("terminal 101x33: " + " ".join(argv))
    master, slave, before, (shell, pid) = pty_job.start(argv, winsize=(33, 101))
    out = pty_job.read_until(master, b"kvmini# ", BOOT_TIMEOUT)
    failures = []
    if b"kvmini# " not in out:
        failures.append("terminal: no shell prompt within %d s" % BOOT_TIMEOUT)
        os.write(master, b"\x01x")  # Ctrl-A x: leave
    else:
        os.write(master, b"stty size; exit 5\r")
    status, text, _ = pty_job.finish(master, slave, before, shell, pid, out, b"KVMINI-EXIT")
    sys.stdout.write(text)
    if "kvmini.tty=101x33" not in text:
        failures.append("terminal: the kernel command line has no kvmini.tty=101x33")
    if "\n33 101\n" not in text:
        failures.append("terminal: `stty size` in the guest did not print '33 101'")
    if status != 5:
        failures.append("terminal: exit status %r, expected 5" % status)
    return failures


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    kvmini, srcroot = sys.argv[1], sys.argv[2]
    problem = lib.kvm_problem()
    if problem:
        skip(problem)
    guest = linux_dir(srcroot)
    failures = piped_case(kvmini, guest) + terminal_case(kvmini, guest)
    for f in failures:
        say("FAIL: " + f)
    if failures:
        sys.exit(1)
    say("PASS")


main()
