#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""kvmini_exec_test.py KVMINI-EXEC: the guest agent's process starter
(guest/linux/kvmini-exec.c), built for this host, run on the host:
  - statuses as a shell reports them: an exit status, 128+N for a process
    killed by signal N, 127 not found, 126 not executable, 125 a setup
    failure, 2 bad arguments;
  - uid, gid and exactly the supplementary groups (user.additionalGids),
    none when the list is empty;
  - a root and a working directory inside it (busybox-static's root);
  - the signal channel (--signal-unix, the test hook for --signal-port):
    "15\\n" ends a sleep with 143 and is answered "OK", bad requests get
    "ERR", and a request right after start is not lost;
  - SIGTERM sent to kvmini-exec reaches the process; SIGINT sent to it alone
    does not (the terminal sends it to the process itself);
  - the process gets default signal dispositions even when kvmini-exec was
    started with SIGINT ignored (a background job of the agent's shell).
Needs root (setuid, chroot). Exit status 0 pass, 1 fail, 77 skip."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

EXE = sys.argv[1]
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAILED: ") + what, flush=True)
    if not cond:
        failures.append(what)


def run(args, **kw):
    return subprocess.run([EXE] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=30, **kw)


def ask(path, line, tries=100):
    """Send one request on the signal channel at PATH; the answer."""
    for _ in range(tries):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(5)
            s.connect(path)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            time.sleep(0.02)
    s.sendall(line)
    answer = s.recv(100)
    s.close()
    return answer


def main():
    if os.geteuid() != 0:
        print("SKIP: needs root (setuid, setgroups, chroot)")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="kvmini-exec.")
    try:
        statuses(tmp)
        identity()
        root_and_cwd(tmp)
        channel(tmp)
        forwarding(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("kvmini_exec_test: %d failure(s)" % len(failures))
        sys.exit(1)
    print("kvmini_exec_test: OK")


def statuses(tmp):
    check(run(["--", "sh", "-c", "exit 7"]).returncode == 7, "exit status 7 comes back")
    check(run(["--", "sh", "-c", "kill -USR1 $$"]).returncode == 128 + signal.SIGUSR1,
          "a process killed by SIGUSR1 gives 128+10")
    r = run(["--", "no-such-program-anywhere"])
    check(r.returncode == 127 and "cannot execute" in r.stderr, "not found: 127, with a message")
    plain = os.path.join(tmp, "not-executable")
    open(plain, "w").close()
    check(run(["--", plain]).returncode == 126, "not executable: 126")
    check(run(["--cwd", "/no/such/dir", "--", "true"]).returncode == 125,
          "a working directory that does not exist: 125")
    for bad in (["--uid", "x", "--", "true"], ["--groups", "1,,a", "--", "true"],
                ["--uid", "1"], ["--bogus", "1", "--", "true"], ["--", ]):
        check(run(bad).returncode == 2, "bad arguments %s: 2" % bad)


def identity():
    r = run(["--uid", "1000", "--gid", "1001", "--groups", "10,20,30", "--",
             "sh", "-c", "id -u; id -g; id -G"])
    check(r.stdout.split("\n")[:3] == ["1000", "1001", "1001 10 20 30"],
          "uid 1000, gid 1001, groups exactly 10 20 30 (got %r)" % r.stdout)
    r = run(["--uid", "1000", "--gid", "1001", "--groups", "", "--", "id", "-G"])
    check(r.stdout.strip() == "1001", "an empty --groups leaves no supplementary group (got %r)"
          % r.stdout)


def root_and_cwd(tmp):
    busybox = shutil.which("busybox")
    if not busybox or "statically linked" not in subprocess.run(
            ["file", "-L", busybox], stdout=subprocess.PIPE, text=True).stdout:
        check(False, "a static busybox for the root (apt-get install busybox-static)")
        return
    root = os.path.join(tmp, "root")
    os.makedirs(os.path.join(root, "bin"))
    os.makedirs(os.path.join(root, "work", "sub"))
    shutil.copy(busybox, os.path.join(root, "bin", "busybox"))
    for applet in ("sh", "pwd", "cat", "ls"):
        os.symlink("busybox", os.path.join(root, "bin", applet))
    with open(os.path.join(tmp, "outside"), "w") as f:
        f.write("secret")
    r = run(["--root", root, "--cwd", "/work/sub", "--", "sh", "-c",
             "pwd; cat ../../../outside || echo NOT-REACHED"],
            env={"PATH": "/bin"})
    check(r.stdout.split() == ["/work/sub", "NOT-REACHED"],
          "the process runs in /work/sub of its root, and sees nothing outside (got %r)"
          % r.stdout)


def channel(tmp):
    path = os.path.join(tmp, "sig.sock")
    p = subprocess.Popen([EXE, "--signal-unix", path, "--", "sleep", "100"])
    check(ask(path, b"abc\n") == b"ERR not a signal number\n", "a bad request gets ERR")
    check(ask(path, b"0\n").startswith(b"ERR"), "signal 0 is refused")
    check(ask(path, b"99\n").startswith(b"ERR"), "signal 99 is refused")
    # A client that hangs up at once: the answer meets a closed socket.
    for _ in range(20):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.sendall(b"0\n")
        s.close()
    time.sleep(0.3)
    check(p.poll() is None, "the process lives on after bad requests and hang-ups")
    check(ask(path, b"15\n") == b"OK\n", "15 is answered OK")
    check(p.wait(timeout=10) == 128 + signal.SIGTERM, "the sleep ended with 143")
    check(not os.path.exists(path), "the socket is removed at the end")
    # At once after start: the socket is bound before the process starts.
    p = subprocess.Popen([EXE, "--signal-unix", path, "--", "sleep", "100"])
    check(ask(path, b"9\n", tries=500) == b"OK\n" and p.wait(timeout=10) == 137,
          "a SIGKILL request right after start ends the process with 137")
    log = os.path.join(tmp, "log")
    long_path = os.path.join(tmp, "x" * 120)
    r = run(["--signal-unix", long_path, "--log", log, "--", "sh", "-c", "exit 3"])
    check(r.returncode == 3 and "no signal channel" in open(log).read(),
          "without a channel the process runs, and the log says why")


def forwarding(tmp):
    marker = os.path.join(tmp, "int-ignored")
    # SIGINT ignored in the starter (a background job): default in the process.
    p = subprocess.Popen([EXE, "--", "sh", "-c",
                          "grep SigIgn /proc/$$/status > %s; exec sleep 100" % marker],
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    for _ in range(200):
        if os.path.exists(marker) and open(marker).read():
            break
        time.sleep(0.02)
    ignored = int(open(marker).read().split()[1], 16)
    check(not ignored & (1 << (signal.SIGINT - 1)), "the process does not inherit SIG_IGN")
    p.send_signal(signal.SIGINT)
    time.sleep(0.3)
    check(p.poll() is None, "SIGINT sent to kvmini-exec alone does not end the process")
    p.send_signal(signal.SIGTERM)
    check(p.wait(timeout=10) == 128 + signal.SIGTERM, "SIGTERM sent to kvmini-exec reaches it")


if __name__ == "__main__":
    main()
