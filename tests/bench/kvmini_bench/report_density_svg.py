# SPDX-License-Identifier: MIT
"""density.svg: host memory per instance at ready, and what it means for
density, one row per contender (VMs and containers in their own colours).

Left panel: PSS of one instance alone (a bar), and per instance when N
were up at once (a tick per N, the values in words beside the bar). Right panel: instances per GiB from the one
alone. Contenders without a value keep their row, with the reason.
Plain SVG 1.1 written by hand, like results.svg.
"""
from xml.sax.saxutils import escape

from .report_svg import KIND_COLORS, WIDTH, kind_legend, svg_head

LEFT = 250
MID = 640  # the right panel starts here
TOP = 84
ROW = 42


def _pss_mib(c):
    m = c.get("memory_at_ready")
    return m["pss_kb"] / 1024 if m else None


def render(result):
    rows = [c for c in result["contenders"] if c["selected"] and c["kind"] != "floor"
            and c["kind"] != "user"]
    dense = result.get("density") or {}
    values = [v for c in rows for v in [_pss_mib(c)] + [
        b["pss_kb_per_instance"] / 1024 for b in dense.get(c["name"], [])
        if b["pss_kb_per_instance"]] if v]
    top = max(values, default=1.0) * 1.15
    gib = [c.get("instances_per_gib") or 0 for c in rows]
    top_gib = max(gib + [1]) * 1.15
    height = TOP + ROW * max(len(rows), 1) + 46
    out = svg_head(height, "Host memory per instance at ready (PSS), and instances per GiB") + [
           '<text x="10" y="38" fill="#444">%s</text>' % escape(
               "kvmini-bench, %s. Bar: one instance alone; ticks: per instance with N up at "
               "once (N: MiB in words)." % result["started"])]
    out += kind_legend(WIDTH - 330, 12)
    x0, x1 = LEFT, MID - 40
    r0, r1 = MID, WIDTH - 40
    bottom = TOP + ROW * max(len(rows), 1)
    out.append('<text x="%d" y="%d" fill="#444">PSS per instance, MiB</text>' % (x0, TOP - 12))
    out.append('<text x="%d" y="%d" fill="#444">instances per GiB (one alone)</text>' % (
        r0, TOP - 12))
    for frac in (0, 0.25, 0.5, 0.75, 1.0):
        for a, b, label in ((x0, x1, "%.1f" % (top * frac)), (r0, r1, "%d" % (top_gib * frac))):
            xx = a + (b - a) * frac
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e4e4e4"/>' % (
                xx, TOP - 4, xx, bottom))
            out.append('<text x="%.1f" y="%d" text-anchor="middle" font-size="10">%s</text>' % (
                xx, bottom + 14, label))
    for i, c in enumerate(rows):
        y = TOP + i * ROW
        color = KIND_COLORS.get(c["kind"], "#555")
        out.append('<text x="10" y="%d" font-weight="bold" fill="%s">%s</text>' % (
            y + 20, color, escape(c["name"])))
        pss = _pss_mib(c)
        if pss is None:
            why = c["skip_reason"] or c.get("memory_probe_error") or \
                "its ready point is its exit: no running instance to measure"
            out.append('<text x="%d" y="%d" fill="#888">no value: %s</text>' % (
                x0 + 4, y + 20, escape(why[:110] + ("\u2026" if len(why) > 110 else ""))))
            continue
        w = (x1 - x0) * pss / top
        out.append('<rect x="%d" y="%d" width="%.1f" height="16" fill="%s" fill-opacity="0.7"/>'
                   % (x0, y + 8, max(w, 1), color))
        batches = [b for b in dense.get(c["name"], []) if b["pss_kb_per_instance"]]
        for b in batches:
            xx = x0 + (x1 - x0) * b["pss_kb_per_instance"] / 1024 / top
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#000"/>' % (
                xx, y + 4, xx, y + 26))
        # The values in words on a line of their own under the bar, so that
        # no tick or bar covers them and they stay in the left panel.
        words = "%.1f MiB alone" % pss
        if batches:
            words += "; at once: " + ", ".join(
                "%d: %.1f" % (b["n"], b["pss_kb_per_instance"] / 1024) for b in batches)
        out.append('<text x="%d" y="%d" font-size="10">%s</text>' % (
            x0, y + 37, escape(words)))
        n = c.get("instances_per_gib")
        if n:
            w = (r1 - r0) * n / top_gib
            out.append('<rect x="%d" y="%d" width="%.1f" height="16" fill="%s" '
                       'fill-opacity="0.4"/>' % (r0, y + 8, max(w, 1), color))
            out.append('<text x="%d" y="%d" font-size="10">%d</text>' % (r0 + 4, y + 20, n))
    out.append("</svg>")
    return "\n".join(out) + "\n"
