"""Inline SVG plots written by Python, so the page needs no script and no network: a line
chart (coverage over time), a latency ladder (percentiles per op, log scale) and a small
stacked bar (mutant outcomes of a file).
"""
from __future__ import annotations

import math
from html import escape

# Tableau 10: distinct, and readable on white.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")
DASHES = ("", "6 3", "2 3")  # beyond ten series the colours repeat with another dash


def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def nice_step(span: float, count: int = 5) -> float:
    raw = span / max(1, count)
    if raw <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def ticks(hi: float, count: int = 5) -> list[float]:
    """0, step, ... up to the first tick at or above hi."""
    step = nice_step(hi if hi > 0 else 1, count)
    out, v = [0.0], 0.0
    while v < hi - 1e-9:
        v += step
        out.append(v)
    return out


def short_number(v: float) -> str:
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return _f(v / div) + suffix
    return _f(v)


def line_chart(series: list[tuple[str, list[tuple[float, float]]]], *, chart_id: str,
               title: str, x_label: str, y_label: str, width: int = 1000,
               height: int = 340) -> str:
    """One polyline per series (name, [(x, y), ...]), axes from 0, a legend on the right."""
    series = [(n, sorted(p)) for n, p in series if p]
    left, right, top, bottom = 64, 190, 30, 46
    pw, ph = width - left - right, height - top - bottom
    xmax = max((x for _, pts in series for x, _ in pts), default=1) or 1
    ymax = max((y for _, pts in series for _, y in pts), default=1) or 1
    xt, yt = ticks(xmax, 8), ticks(ymax, 5)
    xmax, ymax = xt[-1], yt[-1]

    def X(x):
        return left + pw * x / xmax

    def Y(y):
        return top + ph - ph * y / ymax

    out = [f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-label="{escape(title)}" '
           f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'xmlns="http://www.w3.org/2000/svg">', f"<title>{escape(title)}</title>",
           f'<text x="{left}" y="18" class="ct">{escape(title)}</text>']
    for v in yt:
        out.append(f'<line class="grid" x1="{left}" x2="{left + pw}" y1="{_f(Y(v))}" y2="{_f(Y(v))}"/>'
                   f'<text class="tick" x="{left - 6}" y="{_f(Y(v) + 4)}" text-anchor="end">'
                   f"{short_number(v)}</text>")
    for v in xt:
        out.append(f'<line class="grid" x1="{_f(X(v))}" x2="{_f(X(v))}" y1="{top}" y2="{top + ph}"/>'
                   f'<text class="tick" x="{_f(X(v))}" y="{top + ph + 16}" text-anchor="middle">'
                   f"{short_number(v)}</text>")
    out.append(f'<rect class="frame" x="{left}" y="{top}" width="{pw}" height="{ph}"/>')
    out.append(f'<text class="axis" x="{left + pw / 2}" y="{height - 6}" text-anchor="middle">'
               f"{escape(x_label)}</text>")
    out.append(f'<text class="axis" transform="translate(14 {top + ph / 2}) rotate(-90)" '
               f'text-anchor="middle">{escape(y_label)}</text>')
    for i, (name, pts) in enumerate(series):
        colour, dash = PALETTE[i % len(PALETTE)], DASHES[(i // len(PALETTE)) % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        coords = " ".join(f"{_f(X(x))},{_f(Y(y))}" for x, y in pts)
        last_x, last_y = pts[-1]
        out.append(f'<g class="series" data-name="{escape(name)}"><title>{escape(name)}: '
                   f"{short_number(last_y)} at {short_number(last_x)}</title>"
                   f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"'
                   f'{dash_attr}/><circle cx="{_f(X(last_x))}" cy="{_f(Y(last_y))}" r="3" '
                   f'fill="{colour}"/></g>')
        ly = top + 10 + i * 18
        out.append(f'<line x1="{left + pw + 14}" x2="{left + pw + 34}" y1="{ly}" y2="{ly}" '
                   f'stroke="{colour}" stroke-width="3"{dash_attr}/>'
                   f'<text class="legend" x="{left + pw + 40}" y="{ly + 4}">{escape(name[:20])} '
                   f"({short_number(last_y)})</text>")
    out.append("</svg>")
    return "".join(out)


def _fmt_ns(ns: float) -> str:
    for div, unit in ((1e9, "s"), (1e6, "ms"), (1e3, "µs")):
        if ns >= div:
            return _f(ns / div) + " " + unit
    return _f(ns) + " ns"


def ladder_chart(rows: list[tuple[str, list[tuple[str, float]]]], *, chart_id: str, title: str,
                 colours: dict[str, str], width: int = 1000) -> str:
    """One row per op: a marker per percentile on a log-scale time axis (ns), joined by a line
    from the lowest to the highest, so the spread of the tail shows at a glance."""
    rows = [(label, [(k, v) for k, v in vals if v and v > 0]) for label, vals in rows]
    rows = [r for r in rows if r[1]]
    left, right, top, row_h = 280, 24, 52, 22
    height = top + row_h * max(1, len(rows)) + 34
    pw = width - left - right
    values = [v for _, vals in rows for _, v in vals] or [1.0]
    lo = 10 ** math.floor(math.log10(min(values)))
    hi = 10 ** math.ceil(math.log10(max(values)))
    if hi <= lo:
        hi = lo * 10

    def X(v):
        return left + pw * (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))

    out = [f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-label="{escape(title)}" '
           f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'xmlns="http://www.w3.org/2000/svg">', f"<title>{escape(title)}</title>",
           f'<text x="8" y="18" class="ct">{escape(title)}</text>']
    lx = left
    for name, colour in colours.items():
        out.append(f'<circle cx="{lx + 5}" cy="34" r="5" fill="{colour}"/>'
                   f'<text class="legend" x="{lx + 14}" y="38">{escape(name)}</text>')
        lx += 24 + 8 * len(name) + 18
    bottom = top + row_h * len(rows)
    decade = lo
    while decade <= hi * 1.0001:
        for m in (1, 2, 5):
            v = decade * m
            if v > hi * 1.0001:
                break
            cls = "grid" if m == 1 else "grid minor"
            out.append(f'<line class="{cls}" x1="{_f(X(v))}" x2="{_f(X(v))}" y1="{top}" '
                       f'y2="{bottom}"/>')
            if m == 1:
                out.append(f'<text class="tick" x="{_f(X(v))}" y="{bottom + 16}" '
                           f'text-anchor="middle">{_fmt_ns(v)}</text>')
        decade *= 10
    for i, (label, vals) in enumerate(rows):
        y = top + row_h * i + row_h / 2
        xs = [X(v) for _, v in vals]
        shown = label if len(label) <= 40 else label[:39] + "…"
        out.append(f'<g class="row" data-name="{escape(label)}"><title>{escape(label)}: '
                   + ", ".join(f"{k} {_fmt_ns(v)}" for k, v in vals) + "</title>"
                   f'<text class="label" x="{left - 8}" y="{_f(y + 4)}" text-anchor="end">'
                   f"{escape(shown)}</text>"
                   f'<line class="spread" x1="{_f(min(xs))}" x2="{_f(max(xs))}" y1="{_f(y)}" '
                   f'y2="{_f(y)}"/>')
        for (k, v), x in zip(vals, xs):
            out.append(f'<circle cx="{_f(x)}" cy="{_f(y)}" r="5" fill="{colours.get(k, "#555")}">'
                       f"<title>{escape(label)} {escape(k)}: {_fmt_ns(v)}</title></circle>")
        out.append("</g>")
    out.append(f'<text class="axis" x="{left + pw / 2}" y="{height - 4}" text-anchor="middle">'
               "latency per call (log scale)</text></svg>")
    return "".join(out)


def stacked_bar(parts: list[tuple[float, str, str]], width: int = 140, height: int = 12) -> str:
    """A small horizontal bar split in proportion to parts (value, colour, label)."""
    total = sum(v for v, _, _ in parts)
    if total <= 0:
        return ""
    out = [f'<svg class="bar" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           f'xmlns="http://www.w3.org/2000/svg">']
    x = 0.0
    for v, colour, label in parts:
        if v <= 0:
            continue
        w = width * v / total
        out.append(f'<rect x="{_f(x)}" y="0" width="{_f(w)}" height="{height}" fill="{colour}">'
                   f"<title>{escape(label)}: {int(v)}</title></rect>")
        x += w
    out.append("</svg>")
    return "".join(out)
