# SPDX-License-Identifier: MIT
"""Density: N instances of one contender started at once.

For each N (--density, default 10, 50 and 100) the bench spawns N
instances of a contender's memory-probe command (the one that stays alive
at its ready point until its stdin closes) back to back, then waits until
every one has printed its ready line, exited, or the deadline passed. It
records how many came up, the time from the first spawn to each ready line
(the last one is "all up"), then, with all of them still alive, their
memory: the sum of the PSS of every process of every instance (memory.py;
PSS shares a page among the processes that map it, so pages shared between
instances, such as a runtime's text, count once in the sum). Then it
closes every stdin at once and times until the last instance has exited:
the teardown of N.

Instances per GiB = 1 GiB / (PSS of one instance): from the single
memory-probe run (one instance alone), and from the batch (total PSS / N,
which is lower when instances share pages).
"""
import os
import selectors
import signal
import time

from . import memory

GIB_KB = 1 << 20


def per_gib(pss_kb):
    """How many instances of pss_kb KiB fit in 1 GiB (None without a value)."""
    return int(GIB_KB // pss_kb) if pss_kb else None


class _Instance:
    def __init__(self, tag):
        self.tag = tag
        self.pid = self.pidfd = self.out = self.stdin = None
        self.ready_ms = None
        self.exited = False
        self.partial = b""
        self.error = None


def _spawn(argv, inst, err_path):
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        inst.pid = os.posix_spawn(argv[0], argv, os.environ, setpgroup=0, file_actions=[
            (os.POSIX_SPAWN_DUP2, in_r, 0), (os.POSIX_SPAWN_DUP2, out_w, 1),
            (os.POSIX_SPAWN_DUP2, err, 2)])
    finally:
        for fd in (in_r, out_w, err):
            os.close(fd)
    inst.stdin, inst.out = in_w, out_r
    inst.pidfd = os.pidfd_open(inst.pid)


def _wait_ready(insts, ready, t0, deadline):
    """Read stdouts until every instance is ready or gone, or the deadline."""
    sel = selectors.DefaultSelector()
    for i in insts:
        sel.register(i.out, selectors.EVENT_READ, (i, "out"))
        sel.register(i.pidfd, selectors.EVENT_READ, (i, "exit"))
    want = ready.encode()
    try:
        while any(i.ready_ms is None and not i.exited for i in insts):
            left = deadline - time.monotonic_ns()
            if left <= 0:
                break
            for key, _ in sel.select(timeout=left / 1e9):
                i, what = key.data
                now = time.monotonic_ns()
                if what == "exit":
                    i.exited = True
                    sel.unregister(key.fd)
                    continue
                data = os.read(i.out, 4096)
                if not data:
                    sel.unregister(key.fd)
                    continue
                lines = (i.partial + data).split(b"\n")
                i.partial = lines.pop()
                if i.ready_ms is None and any(l.rstrip(b"\r") == want for l in lines):
                    i.ready_ms = (now - t0) / 1e6
    finally:
        sel.close()


def _release(insts, deadline):
    """Close every stdin; return ms until the last instance exited (or None)."""
    t0 = time.monotonic_ns()
    for i in insts:
        os.close(i.stdin)
        i.stdin = None
    for i in insts:
        left = max(0, deadline - time.monotonic_ns()) / 1e9
        if not i.exited and not _wait_fd(i.pidfd, left):
            return None
        i.exited = True
    return (time.monotonic_ns() - t0) / 1e6


def _wait_fd(fd, timeout):
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    try:
        return bool(sel.select(timeout=timeout))
    finally:
        sel.close()


def run_batch(c, n, workdir, timeout_s, counter):
    """Start n instances of contender c at once; return the batch's record."""
    insts = [_Instance("kvmini-bench-%d-%d-n%d" % (os.getpid(), counter, k)) for k in range(n)]
    rec = {"n": n, "up": 0, "all_up_ms": None, "median_up_ms": None, "pss_kb": None,
           "pss_kb_per_instance": None, "instances_per_gib": None, "teardown_ms": None,
           "error": None}
    t0 = time.monotonic_ns()
    deadline = t0 + int(timeout_s * 1e9)
    try:
        for i in insts:
            try:
                _spawn(c.probe_argv(i.tag), i, os.path.join(workdir, i.tag + ".err"))
            except (OSError, RuntimeError) as e:
                i.error = "cannot start: %s" % e
                break
        started = [i for i in insts if i.pid]
        _wait_ready(started, c.ready_line, t0, deadline)
        up = sorted(i.ready_ms for i in started if i.ready_ms is not None)
        rec["up"] = len(up)
        if up:
            rec["all_up_ms"] = up[-1] if len(up) == n else None
            rec["median_up_ms"] = up[len(up) // 2]
            pss = sum(memory.probe_memory(i.pid, c.guest_ram)["pss_kb"]
                      for i in started if i.ready_ms is not None)
            rec["pss_kb"] = pss
            rec["pss_kb_per_instance"] = pss / len(up)
            rec["instances_per_gib"] = per_gib(pss / len(up))
        rec["teardown_ms"] = _release(started, deadline + int(30e9))
        if len(up) < n:
            rec["error"] = _why(insts, workdir, n - len(up))
    finally:
        _cleanup(c, insts, workdir)
    return rec


def _why(insts, workdir, missing):
    """'K of N did not come up: <the first one's last stderr line>'."""
    for i in insts:
        if i.ready_ms is None:
            reason = i.error or "no ready line"
            try:
                with open(os.path.join(workdir, i.tag + ".err"), "rb") as f:
                    lines = [l.strip() for l in f.read().decode("utf-8", "replace").splitlines()]
                lines = [l for l in lines if l]
                if lines:
                    reason = lines[-1][:200]
            except OSError:
                pass
            return "%d did not come up (first: %s)" % (missing, reason)
    return None


def _cleanup(c, insts, workdir):
    for i in insts:
        if i.stdin is not None:
            os.close(i.stdin)
        killed = False
        if i.pid and not i.exited:
            killed = True
            try:
                os.killpg(i.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if i.pid:
            _, status = os.waitpid(i.pid, 0)
            for fd in (i.out, i.pidfd):
                os.close(fd)
            # A killed runtime leaves its container behind.
            if c.cleanup and (killed or status):
                c.cleanup(i.tag)
        try:
            os.unlink(os.path.join(workdir, i.tag + ".err"))
        except OSError:
            pass
