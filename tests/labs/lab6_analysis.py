# SPDX-License-Identifier: MIT
"""Lab 6 reference solution (docs/labs/lab6-vm-vs-container.md): read
kvmini-bench's results.json and compare the contenders.

The contract (checked by tests/labs/lab6.py):
  median_ready_ms(contender)  median time to ready over the contender's
      measured samples that did not fail; None if there are none
  overhead_table(results, baseline)  one row (name, kind, median_ms, ratio)
      per contender whose status is "ok" and that has a median, sorted by
      median_ms; ratio = median_ms / the baseline contender's median_ms
Python 3 standard library only.
"""


def median(values):
    """The middle value of values; for an even count, the mean of the two
    middle ones (the bench's linear-interpolation median gives the same)."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    mid = n // 2
    if n % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def median_ready_ms(contender):
    # Warm-up and memory-probe runs are not timed samples; a failed run has
    # no meaningful time.
    times = [s["ready_ms"] for s in contender.get("samples", [])
             if s.get("phase") == "measured" and not s.get("error")
             and s.get("ready_ms") is not None]
    return median(times)


def overhead_table(results, baseline):
    medians = {}
    kinds = {}
    for c in results["contenders"]:
        if c.get("status") != "ok":
            continue
        m = median_ready_ms(c)
        if m is not None:
            medians[c["name"]] = m
            kinds[c["name"]] = c.get("kind")
    if baseline not in medians:
        raise ValueError("baseline %r has no measured samples" % baseline)
    base = medians[baseline]
    rows = [(name, kinds[name], m, m / base) for name, m in medians.items()]
    return sorted(rows, key=lambda row: row[2])
