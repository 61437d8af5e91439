# SPDX-License-Identifier: MIT
"""Run one program once and time it: exec -> ready line -> exit.

The clock starts just before posix_spawn() (a vfork+exec in glibc) and is
read again
  - when a line equal to the contender's ready line arrives on its stdout
    (the pipe is read as data arrives, so the time is when the bench saw the
    line, a few tens of microseconds after the program wrote it), and
  - when the process has exited (a pidfd becomes readable).
Both are CLOCK_MONOTONIC (time.monotonic_ns). The cost of spawning from
Python is in every number alike; the "process" contender (/bin/true) shows
how big it is.
"""
import os
import selectors
import signal
import time

# Keep at most this much of a run's output (the start and the end of it).
OUTPUT_KEEP = 16384


class RunResult:
    """What one run produced. Times are in milliseconds since the spawn."""

    def __init__(self):
        self.ready_ms = None  # None: the ready line never appeared
        self.total_ms = None  # None: did not exit before the timeout
        self.status = None  # exit status, or -signal number
        self.timed_out = False
        self.stdout = b""
        self.stderr = b""
        self.probe = None  # what the ready-time probe returned, if any
        self.ready_line = None  # the line that was waited for (None: exit)
        self.user_s = None  # CPU time of the process and the children it waited
        self.system_s = None  # for (wait4's rusage), as hyperfine reports them

    def error(self, expect_status=0):
        """None if the run succeeded, else a one-line reason."""
        if self.timed_out:
            return "timed out (killed)"
        if self.status != expect_status:
            how = (
                "killed by signal %d" % -self.status
                if self.status < 0
                else "exited with status %d" % self.status
            )
            return how + last_line(self.stderr, self.stdout)
        if self.ready_ms is None:
            return "the ready line %r never appeared%s" % (
                self.ready_line, last_line(self.stderr, self.stdout))
        return None


def last_line(*outputs):
    """': <last non-empty line>' of the first output that has one, or ''."""
    for out in outputs:
        lines = [l.strip() for l in out.decode("utf-8", "replace").splitlines()]
        lines = [l for l in lines if l]
        if lines:
            return ": " + lines[-1][:300]
    return ""


def _keep(buf):
    if len(buf) <= OUTPUT_KEEP:
        return buf
    half = OUTPUT_KEEP // 2
    return buf[:half] + b"\n[... output cut ...]\n" + buf[-half:]


def run_once(argv, ready_line=None, timeout_s=600.0, env=None, hold_stdin=False, probe=None,
             stdout_devnull=False):
    """Spawn argv (argv[0] an absolute path), time it, wait for it to exit.

    ready_line: the stdout line (compared without the line end, \\r
    included) that marks "ready"; None means ready = exit.
    hold_stdin: give the program a pipe as stdin and keep it open until the
    ready line was seen and the probe ran (a program can `read` from it to
    stay alive while it is measured); otherwise stdin is /dev/null.
    probe: called as probe(pid) right after the ready line is seen; its
    result goes to RunResult.probe. It may pause the run (memory probes do).
    stdout_devnull: stdout goes to /dev/null instead of the pipe (to see what
    a reader on the pipe costs the program); then there is no ready line.
    """
    res = RunResult()
    res.ready_line = ready_line
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    if hold_stdin:
        in_r, in_w = os.pipe()
    else:
        in_r, in_w = os.open(os.devnull, os.O_RDONLY), None
    if stdout_devnull:
        assert ready_line is None
        os.close(out_w)
        out_w = os.open(os.devnull, os.O_WRONLY)
    actions = [
        (os.POSIX_SPAWN_DUP2, in_r, 0),
        (os.POSIX_SPAWN_DUP2, out_w, 1),
        (os.POSIX_SPAWN_DUP2, err_w, 2),
    ]
    ready_bytes = ready_line.encode() if ready_line is not None else None
    t0 = time.monotonic_ns()
    try:
        # A process group of its own, so that a timeout kills every process
        # the contender started.
        pid = os.posix_spawn(argv[0], argv, env if env is not None else os.environ,
                             file_actions=actions, setpgroup=0)
    finally:
        for fd in (in_r, out_w, err_w):
            os.close(fd)
    pidfd = os.pidfd_open(pid)
    sel = selectors.DefaultSelector()
    sel.register(out_r, selectors.EVENT_READ, "out")
    sel.register(err_r, selectors.EVENT_READ, "err")
    sel.register(pidfd, selectors.EVENT_READ, "exit")
    deadline = t0 + int(timeout_s * 1e9)
    out, err, partial = bytearray(), bytearray(), b""
    exited = False
    try:
        while sel.get_map():
            now = time.monotonic_ns()
            if now >= deadline:
                res.timed_out = True
                _kill_group(pid)
                break
            # After the exit, wait a little for output still in the pipes
            # (a descendant may hold them open: do not wait for it).
            wait = (deadline - now) / 1e9 if not exited else 0.2
            events = sel.select(timeout=wait)
            # One timestamp for everything this wake-up found: output
            # before exit, so that a ready line and the exit seen together
            # get the same time (ready <= total).
            now = time.monotonic_ns()
            if not events and exited:
                break
            for key, _ in sorted(events, key=lambda e: e[0].data == "exit"):
                if key.data == "exit":
                    res.total_ms = (now - t0) / 1e6
                    exited = True
                    sel.unregister(pidfd)
                    continue
                data = os.read(key.fd, 65536)
                if not data:
                    sel.unregister(key.fd)
                    continue
                if key.data == "err":
                    err += data
                    continue
                out += data
                if res.ready_ms is not None or ready_bytes is None:
                    continue
                # Complete lines only; a partial line waits for its end.
                lines = (partial + data).split(b"\n")
                partial = lines.pop()
                if any(l.rstrip(b"\r") == ready_bytes for l in lines):
                    res.ready_ms = (now - t0) / 1e6
                    if probe is not None:
                        res.probe = probe(pid)
                    if in_w is not None:
                        os.close(in_w)
                        in_w = None
    finally:
        if in_w is not None:
            os.close(in_w)
        sel.close()
        os.close(out_r)
        os.close(err_r)
        os.close(pidfd)
        # wait4's user and system times are the run's; its ru_maxrss is not
        # used: it is never below this Python process's own RSS (see
        # peak_rss.c), and the probe run measures memory instead.
        _, status, usage = os.wait4(pid, 0)
    res.status = os.waitstatus_to_exitcode(status)
    res.user_s, res.system_s = usage.ru_utime, usage.ru_stime
    if ready_bytes is None and res.total_ms is not None:
        res.ready_ms = res.total_ms
    res.stdout, res.stderr = _keep(bytes(out)), _keep(bytes(err))
    return res


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
