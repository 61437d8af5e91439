# SPDX-License-Identifier: MIT
"""Order statistics of a list of samples."""


def percentile(values, p):
    """The p-th percentile (0..100) of values, by linear interpolation
    between the two nearest ranks (the method numpy uses by default).
    None for an empty list."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * p / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summarize(values):
    """dict n, median, p10, p90, min, max of values (None values dropped)."""
    values = [v for v in values if v is not None]
    return {
        "n": len(values),
        "median": percentile(values, 50),
        "p10": percentile(values, 10),
        "p90": percentile(values, 90),
        "min": min(values) if values else None,
        "max": max(values) if values else None,
    }


def format_ms(ms):
    """A duration for people: '850 us', '12.3 ms', '1.52 s', '61 s'."""
    if ms is None:
        return "n/a"
    if ms < 1:
        return "%.0f us" % (ms * 1000)
    if ms < 10:
        return "%.2f ms" % ms
    if ms < 1000:
        return "%.1f ms" % ms
    if ms < 10000:
        return "%.2f s" % (ms / 1000)
    return "%.1f s" % (ms / 1000)


def format_bytes(n):
    """A size for people, in binary units: '4.0 KiB', '1.9 MiB'."""
    if n is None:
        return "n/a"
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return "%.1f %s" % (n / (1 << shift), unit)
    return "%d B" % n
