# SPDX-License-Identifier: MIT
"""results.svg: every measured sample on a log10 time axis.

One row per contender, two lanes per row: time to ready and total time.
Each lane shows the p10-p90 range as a box, the median as a bar, and every
sample as a dot; the median's value is written beyond the farthest dot, so
no outlier covers it. The contender's name and a strip at the left edge are
coloured by kind (VM, container, floor, user command). Skipped contenders
keep their row, with the reason.
Plain SVG 1.1 written by hand: no plotting library needed.
"""
import math
from xml.sax.saxutils import escape

from .stats import format_ms

WIDTH = 980
LEFT = 250  # label column
RIGHT = 30
TOP = 78
ROW = 46
COLORS = {"ready": "#1f6fb4", "total": "#e07b00"}
# The kinds of contender, told apart in every plot (density.svg too).
KIND_COLORS = {"vm": "#7b2d8e", "container": "#1b8a3a", "floor": "#666666", "user": "#b5651d"}
KIND_NAMES = {"vm": "VM", "container": "container", "floor": "floor", "user": "user command"}


def svg_head(height, title):
    """The opening elements of a WIDTH x height plot: the root, a white
    background and the title (the caller closes it with </svg>)."""
    return ['<?xml version="1.0" encoding="UTF-8"?>',
            '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
            'viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">'
            % (WIDTH, height, WIDTH, height),
            '<rect width="100%" height="100%" fill="white"/>',
            '<text x="10" y="20" font-size="15" font-weight="bold">%s</text>' % escape(title)]


def kind_legend(x, y):
    """SVG elements: one coloured square and name per kind, from (x, y)."""
    out = []
    for i, (kind, name) in enumerate(KIND_NAMES.items()):
        out.append('<rect x="%d" y="%d" width="10" height="10" fill="%s"/>' % (
            x + i * 82, y, KIND_COLORS[kind]))
        out.append('<text x="%d" y="%d" font-size="11" fill="%s">%s</text>' % (
            x + i * 82 + 13, y + 9, KIND_COLORS[kind], name))
    return out


def _label(ms):
    if ms < 1:
        return "%g \u00b5s" % (ms * 1000)
    if ms < 1000:
        return "%g ms" % ms
    return "%g s" % (ms / 1000)


def _samples(c, key):
    return [s[key] for s in c["samples"]
            if s["phase"] == "measured" and not s["error"] and s.get(key)]


def render(result):
    rows = [c for c in result["contenders"] if c["selected"]]
    values = [v for c in rows for k in ("ready_ms", "total_ms") for v in _samples(c, k)]
    lo = math.floor(math.log10(min(values))) if values else -1
    hi = math.ceil(math.log10(max(values))) if values else 2
    hi = max(hi, lo + 1)
    x0, x1 = LEFT, WIDTH - RIGHT

    def x(ms):
        return x0 + (math.log10(ms) - lo) / (hi - lo) * (x1 - x0)

    height = TOP + ROW * max(len(rows), 1) + 50
    h = result["host"]
    out = svg_head(height, "Time from exec to ready, and to exit (log scale)") + [
           '<text x="10" y="38" fill="#444">%s</text>' % escape(
               "%s, %d CPUs; KVM: %s" % (h["cpu"], h["cpus"], h["kvm"].split(":")[0])),
           '<text x="10" y="54" fill="#444">%s</text>' % escape(
               "kvmini-bench, %s. Box: p10-p90, bar: median, dots: every measured run."
               % result["started"])]
    # Legends: the lanes, and the kinds of contender.
    out += kind_legend(WIDTH - 340, 29)
    for i, (key, text) in enumerate((("ready", "time to ready"), ("total", "total time"))):
        lx = WIDTH - 260 + i * 125
        out.append('<rect x="%d" y="12" width="12" height="12" fill="%s"/>' % (lx, COLORS[key]))
        out.append('<text x="%d" y="22">%s</text>' % (lx + 16, text))
    # Grid: decades labelled, 2..9 faint.
    bottom = TOP + ROW * max(len(rows), 1)
    for d in range(lo, hi + 1):
        for m in range(1, 10):
            ms = m * 10.0 ** d
            if math.log10(ms) > hi + 1e-9:
                break
            xx = x(ms)
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>' % (
                xx, TOP - 6, xx, bottom, "#999" if m == 1 else "#e4e4e4"))
            if m == 1:
                out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (
                    xx, bottom + 16, escape(_label(ms))))
    out.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#444">%s</text>' % (
        (x0 + x1) / 2, bottom + 34,
        "time since exec (log scale; each tick is marked in \u00b5s, ms or s)"))
    for i, c in enumerate(rows):
        y = TOP + i * ROW
        if i % 2:
            out.append('<rect x="0" y="%d" width="%d" height="%d" fill="#f6f6f6" '
                       'fill-opacity="0.6"/>' % (y, WIDTH, ROW))
        kc = KIND_COLORS.get(c["kind"], "#000")
        out.append('<rect x="0" y="%d" width="5" height="%d" fill="%s"/>' % (y + 2, ROW - 4, kc))
        out.append('<text x="10" y="%d" font-weight="bold" fill="%s">%s</text>' % (
            y + 19, kc, escape(c["name"])))
        out.append('<text x="10" y="%d" fill="#555" font-size="10">%s</text>' % (
            y + 33, escape(c["title"][:40])))
        if c["status"] != "ok":
            reason = c["skip_reason"] or ""
            if len(reason) > 100:
                reason = reason[:99] + "\u2026"
            out.append('<text x="%d" y="%d" fill="#888">skipped: %s</text>' % (
                x0 + 6, y + 27, escape(reason)))
            continue
        for lane, key in enumerate(("ready", "total")):
            yy = y + 14 + lane * 18
            s = c[key + "_ms"]
            if s["n"]:
                out.append('<rect x="%.1f" y="%d" width="%.1f" height="12" fill="%s" '
                           'fill-opacity="0.18" stroke="%s"/>' % (
                               x(s["p10"]), yy - 6, max(x(s["p90"]) - x(s["p10"]), 1),
                               COLORS[key], COLORS[key]))
                out.append('<rect x="%.1f" y="%d" width="3" height="16" fill="%s"/>' % (
                    x(s["median"]) - 1.5, yy - 8, COLORS[key]))
                # The median in words, beside the box (left of it near the edge).
                label = escape(format_ms(s["median"]))
                right = max(x(s["p90"]), max(x(v) for v in _samples(c, key + "_ms"))) + 6
                if right < x1 - 60:
                    out.append('<text x="%.1f" y="%d" font-size="10" fill="%s">%s</text>' % (
                        right, yy + 4, COLORS[key], label))
                else:
                    left = min(x(s["p10"]), min(x(v) for v in _samples(c, key + "_ms"))) - 6
                    out.append('<text x="%.1f" y="%d" font-size="10" fill="%s" '
                               'text-anchor="end">%s</text>' % (left, yy + 4, COLORS[key], label))
            for v in _samples(c, key + "_ms"):
                out.append('<circle cx="%.1f" cy="%d" r="2.5" fill="%s" fill-opacity="0.55"/>'
                           % (x(v), yy, COLORS[key]))
    out.append("</svg>")
    return "\n".join(out) + "\n"
