#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vsock-relay.py: the guest's vsock netcat (guest/linux/kvmini-vsock.c),
built for the host, relaying over AF_UNIX through its `--unix PATH` test hook.
The relay core is the one the guest runs over AF_VSOCK; only the socket's
address family differs. No KVM, no vsock needed.

Usage: vsock-relay.py KVMINI-VSOCK        the program as built (meson builds it
                                          with the host's compiler and C library)
       vsock-relay.py --guest-build SCRIPT  build it as the guest's copy is built
                                          (guest/linux/build-vsock.sh: static musl,
                                          no AVX) and test that; 77 without musl-gcc

Each case starts the program with its stdin and stdout on pipes and plays
the peer on a Unix socket; data is random (seeded), compared by SHA-256 and
length:
  both-ways        connect: 8 MiB up and 6 MiB down at the same time
  peer-half-close  listen: the peer sends 5 MiB and shuts down its sending
                   side first; stdout must end (closed) while the program
                   keeps running, then 4 MiB of stdin still reach the peer
  own-half-close   connect: at stdin's end the peer reads end-of-stream
                   (4 MiB) while the connection stays open for its 3 MiB reply
  pipe-loop        stdout fed back into stdin through the test (8 MiB echo):
                   the program must never block on one side, or this deadlocks
  peer-gone        the peer closes after 64 KiB of 16 MiB: status 1, a message
  stdout-gone      the reader of stdout goes away: status 1, a message
  refused          no socket file, a socket nobody listens on, a listen path
                   in use: status 1 and "cannot connect/listen ... reason"
  usage            bad arguments: status 2 and the usage text; --help: 0
Messages are matched on their own words; the C library's strerror() text
(glibc's and musl's differ) only where both say the same.
Exit status 0 pass, 1 fail, 77 skip.
"""
import hashlib
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
import kvmini_testlib as lib  # noqa: E402

MIB = 1024 * 1024
CHUNK = 256 * 1024
TIMEOUT = 60
tool = None
tmpdir = None
failures = []
procs = []  # every program started, killed after its case (a failed case leaves some)


def check(cond, what):
    print(("ok: " if cond else "FAILED: ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


class Digest:
    """SHA-256 and length of a byte stream."""

    def __init__(self):
        self.sha = hashlib.sha256()
        self.count = 0

    def add(self, data):
        self.sha.update(data)
        self.count += len(data)

    def __eq__(self, other):
        return self.count == other.count and self.sha.digest() == other.sha.digest()

    def __repr__(self):
        return "%d bytes sha256 %s" % (self.count, self.sha.hexdigest()[:16])


def gen(size, seed):
    """size random bytes from seed, in chunks."""
    r = random.Random(seed)
    while size > 0:
        n = min(size, CHUNK)
        yield r.randbytes(n)
        size -= n


def background(fn, *args):
    """Run fn(*args) in a thread; .result holds its return value, .error its exception."""
    t = threading.Thread(target=lambda: t_run(t, fn, args), daemon=True)
    t.result = t.error = None
    t.start()
    return t


def t_run(t, fn, args):
    try:
        t.result = fn(*args)
    except Exception as e:  # reported by the case that joins it
        t.error = e


def join(t, what):
    t.join(TIMEOUT)
    if t.is_alive():
        check(False, "%s: still running after %d s (a deadlock?)" % (what, TIMEOUT))
        return None
    if t.error is not None:
        check(False, "%s: %r" % (what, t.error))
        return None
    return t.result


def write_file(f, size, seed, close=True):
    """Write gen(size, seed) to the file object f (then close it); its Digest."""
    d = Digest()
    for chunk in gen(size, seed):
        f.write(chunk)
        d.add(chunk)
    f.flush()
    if close:
        f.close()
    return d


def read_file(f, limit=None):
    """Read f to its end (or limit bytes); its Digest."""
    d = Digest()
    while limit is None or d.count < limit:
        data = f.read1(CHUNK) if limit is None else f.read1(min(CHUNK, limit - d.count))
        if not data:
            break
        d.add(data)
    return d


def sock_send(s, size, seed, shut=True):
    d = Digest()
    for chunk in gen(size, seed):
        s.sendall(chunk)
        d.add(chunk)
    if shut:
        s.shutdown(socket.SHUT_WR)
    return d


def sock_recv(s):
    d = Digest()
    while True:
        data = s.recv(CHUNK)
        if not data:
            return d
        d.add(data)


def start(*args):
    p = subprocess.Popen([tool] + list(args), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    procs.append(p)
    return p


def finish(p, want_status):
    """Wait for p; check its status; return its stderr as text."""
    try:
        p.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        check(False, "kvmini-vsock still running after %d s: killed" % TIMEOUT)
    err = p.stderr.read().decode(errors="replace")
    for f in (p.stdin, p.stdout, p.stderr):
        try:
            f.close()
        except OSError:
            pass  # a pipe whose reader is gone
    check(p.returncode == want_status, "exit status %s, want %d%s" % (
        p.returncode, want_status, (" (stderr: %s)" % err.strip()) if err else ""))
    return err


def listener(name):
    path = os.path.join(tmpdir, name)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(1)
    s.settimeout(TIMEOUT)
    return s, path


def accept(ls):
    c, _ = ls.accept()
    c.settimeout(TIMEOUT)
    ls.close()
    return c


def started_connected(name):
    """`kvmini-vsock connect --unix` to a socket of ours: the process and our end."""
    ls, path = listener(name)
    p = start("connect", "--unix", path)
    return p, accept(ls)


def connect_when_listening(path, p):
    """Connect to the program's `listen --unix path` once the socket is there."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT)
        try:
            s.connect(path)
            return s
        except (FileNotFoundError, ConnectionRefusedError):
            s.close()
            if p.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("kvmini-vsock listen never listened on " + path)
            time.sleep(0.02)


# ---- the cases ---------------------------------------------------------------

def case_both_ways():
    p, c = started_connected("both.sock")
    up = background(write_file, p.stdin, 8 * MIB + 123, 1)
    out = background(read_file, p.stdout)
    down = background(sock_send, c, 6 * MIB + 77, 2)
    got = background(sock_recv, c)
    sent_up, stdout, sent_down, got_up = (join(up, "stdin writer"), join(out, "stdout reader"),
                                          join(down, "peer sender"), join(got, "peer reader"))
    c.close()
    finish(p, 0)
    check(sent_up is not None and sent_up == got_up,
          "the peer got stdin: %s, sent %s" % (got_up, sent_up))
    check(sent_down is not None and sent_down == stdout,
          "stdout got the peer's data: %s, sent %s" % (stdout, sent_down))


def case_peer_half_close():
    path = os.path.join(tmpdir, "listen.sock")
    p = start("listen", "--unix", path)
    c = connect_when_listening(path, p)
    down = background(sock_send, c, 5 * MIB + 5, 3)  # then SHUT_WR
    stdout = read_file(p.stdout)  # returns at stdout's end: closed, not exited
    sent = join(down, "peer sender")
    check(sent is not None and stdout == sent,
          "stdout got the peer's data up to its shutdown: %s, sent %s" % (stdout, sent))
    check(p.poll() is None, "at the connection's end the program still relays stdin")
    check(not os.path.exists(path), "the listening socket's file is removed once connected")
    got = background(sock_recv, c)
    up = write_file(p.stdin, 4 * MIB + 4, 4)
    got_up = join(got, "peer reader")
    c.close()
    finish(p, 0)
    check(got_up == up, "after that the peer still got stdin: %s, sent %s" % (got_up, up))


def case_own_half_close():
    p, c = started_connected("half.sock")
    up = background(write_file, p.stdin, 4 * MIB + 1, 5)
    got = sock_recv(c)  # returns at the program's shutdown(SHUT_WR)
    sent_up = join(up, "stdin writer")
    check(got == sent_up, "the peer read stdin to its end: %s, sent %s" % (got, sent_up))
    check(p.poll() is None, "after shutting down its sending side the program waits for data")
    out = background(read_file, p.stdout)
    sent = sock_send(c, 3 * MIB + 3, 6, shut=False)
    c.close()
    stdout = join(out, "stdout reader")
    finish(p, 0)
    check(stdout == sent, "stdout got the reply sent after that: %s, sent %s" % (stdout, sent))


def case_pipe_loop():
    p, c = started_connected("loop.sock")

    def loop():  # stdout back into stdin, one chunk at a time, blocking
        while True:
            data = p.stdout.read1(CHUNK)
            if not data:
                p.stdin.close()
                return
            p.stdin.write(data)
            p.stdin.flush()

    looper = background(loop)
    down = background(sock_send, c, 8 * MIB + 8, 7)
    got = sock_recv(c)
    sent = join(down, "peer sender")
    join(looper, "the test's stdout-to-stdin loop")
    c.close()
    finish(p, 0)
    check(sent is not None and got == sent, "the data came back: %s, sent %s" % (got, sent))


def case_peer_gone():
    p, c = started_connected("gone.sock")

    def feed():
        try:
            write_file(p.stdin, 16 * MIB, 8)
        except BrokenPipeError:
            pass  # the program gave up, as it should

    feeder = background(feed)
    c.recv(64 * 1024)
    c.close()
    err = finish(p, 1)
    join(feeder, "stdin writer")
    check("peer closed the connection before all of standard input was sent" in err,
          "the message says the peer went away: %r" % err.strip())


def case_stdout_gone():
    p, c = started_connected("out.sock")
    p.stdin.close()

    def flood():
        try:
            sock_send(c, 16 * MIB, 9)
        except OSError:
            pass  # the program closed the connection, as it should

    sender = background(flood)
    p.stdout.read(1)
    p.stdout.close()
    err = finish(p, 1)
    join(sender, "peer sender")
    c.close()
    check("cannot write to standard output: Broken pipe" in err, "the message names stdout: %r" % err.strip())


def run_alone(*args):
    p = subprocess.run([tool] + list(args), stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=TIMEOUT)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def case_refused():
    missing = os.path.join(tmpdir, "nobody-here.sock")
    rc, out, err = run_alone("connect", "--unix", missing)
    check(rc == 1 and ("cannot connect to Unix socket %s: No such file or directory" % missing)
          in err, "no socket file: status %d, %r" % (rc, err.strip()))
    deaf = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    deaf_path = os.path.join(tmpdir, "deaf.sock")
    deaf.bind(deaf_path)  # bound, never listening
    rc, out, err = run_alone("connect", "--unix", deaf_path)
    check(rc == 1 and "cannot connect to Unix socket %s: Connection refused" % deaf_path in err,
          "nobody listening: status %d, %r" % (rc, err.strip()))
    rc, out, err = run_alone("listen", "--unix", deaf_path)
    check(rc == 1 and "cannot listen on Unix socket %s: Address" % deaf_path in err
          and "in use" in err, "listen on a path in use: status %d, %r" % (rc, err.strip()))
    deaf.close()
    check(out == "", "nothing on stdout")


def case_usage():
    bad = [
        ([], "usage:"),
        (["frob"], "unknown command 'frob'"),
        (["connect"], "connect takes CID PORT"),
        (["connect", "2"], "connect takes CID PORT"),
        (["connect", "2", "1", "3"], "connect takes CID PORT, not also '3'"),
        (["connect", "x", "1"], "not a CID (0 to 4294967295): 'x'"),
        (["connect", "-1", "1"], "not a CID"),
        (["connect", "2", "4294967296"], "not a port number (0 to 4294967295): '4294967296'"),
        (["connect", "2", "12ab"], "not a port number"),
        (["listen"], "listen takes a PORT"),
        (["listen", "1", "2"], "listen takes one PORT, not also '2'"),
        (["listen", ""], "not a port number"),
        (["connect", "--unix"], "--unix takes a PATH"),
        (["listen", "--unix", "a", "b"], "--unix takes one PATH, not also 'b'"),
        (["connect", "--unix", "x" * 200], "the Unix socket path is too long"),
    ]
    for args, want in bad:
        rc, out, err = run_alone(*args)
        check(rc == 2 and want in err and "usage: kvmini-vsock connect CID PORT" in err,
              "%s: status %d, %r in the message" % (args, rc, want))
    rc, out, err = run_alone("--help")
    check(rc == 0 and "usage: kvmini-vsock connect CID PORT" in out and "--unix" in out,
          "--help: status %d, usage on stdout" % rc)


CASES = [
    ("both-ways", case_both_ways),
    ("peer-half-close", case_peer_half_close),
    ("own-half-close", case_own_half_close),
    ("pipe-loop", case_pipe_loop),
    ("peer-gone", case_peer_gone),
    ("stdout-gone", case_stdout_gone),
    ("refused", case_refused),
    ("usage", case_usage),
]


def main():
    global tool, tmpdir
    if len(sys.argv) not in (2, 3):
        print("usage: vsock-relay.py KVMINI-VSOCK | --guest-build SCRIPT", file=sys.stderr)
        return lib.EXIT_FAIL
    failed = 0
    with tempfile.TemporaryDirectory(prefix="kvmini-vsock-relay.") as tmpdir:
        if sys.argv[1] == "--guest-build":
            if len(sys.argv) != 3:
                print("usage: vsock-relay.py --guest-build SCRIPT", file=sys.stderr)
                return lib.EXIT_FAIL
            if shutil.which("musl-gcc") is None:
                print("SKIP: musl-gcc is missing (apt-get install musl-tools)")
                return lib.EXIT_SKIP
            tool = os.path.join(tmpdir, "kvmini-vsock")
            if subprocess.run([sys.argv[2], tool]).returncode != 0:
                print("FAILED: %s could not build kvmini-vsock" % sys.argv[2])
                return lib.EXIT_FAIL
        else:
            tool = os.path.abspath(sys.argv[1])
        for name, fn in CASES:
            print("--- " + name, flush=True)
            before = len(failures)
            try:
                fn()
            except Exception as e:
                check(False, "%s: %r" % (name, e))
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
            del procs[:]
            if len(failures) > before:
                failed += 1
                print("case %s FAILED" % name, flush=True)
    print("vsock-relay: %d cases passed, %d failed" % (len(CASES) - failed, failed))
    return lib.EXIT_FAIL if failures else lib.EXIT_PASS


if __name__ == "__main__":
    sys.exit(main())
