# SPDX-License-Identifier: MIT
"""Progress on stderr: a total fixed before the first run, and an ETA.

The total is every run the bench plans (all phases), counted once at the
start. Runs that are not made after all (a contender skipped by its failed
warm-up, a failed workload) are not shown; at the end of each phase the
count jumps to where the plan says the phase ends, so the total never
changes and the count never passes it. The ETA is the mean time per run so
far times the runs left (each phase's runs differ in length, so it is a
guide, refined with every run).
"""
import sys
import time


class Progress:
    """One status line on stderr: rewritten in place on a terminal, one
    line per run otherwise (logs)."""

    def __init__(self, phases):
        """phases: [(name, planned runs)] in the order they run."""
        self.ends, total = {}, 0
        for name, n in phases:
            total += n
            self.ends[name] = total
        self.total, self.done = total, 0
        self.t0 = time.monotonic()
        self.tty = sys.stderr.isatty()

    def eta(self):
        """'ETA 1m05s', or '' before the first run."""
        if not self.done:
            return ""
        left = (time.monotonic() - self.t0) / self.done * max(self.total - self.done, 0)
        return "ETA %dm%02ds" % divmod(int(left + 0.5), 60)

    def show(self, text):
        self.done = min(self.done + 1, self.total)
        line = "kvmini-bench: [%d/%d %s] %s" % (self.done, self.total, self.eta(), text)
        if self.tty:
            sys.stderr.write("\r\033[K" + line[:150])
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def end_phase(self, name):
        """The phase name is over: the count moves to its planned end."""
        self.done = max(self.done, self.ends.get(name, self.done))

    def note(self, text):
        sys.stderr.write(("\r\033[K" if self.tty else "") + "kvmini-bench: " + text + "\n")

    def close(self):
        if self.tty:
            sys.stderr.write("\n")
