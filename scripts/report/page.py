"""The page itself: its one stylesheet, the header and stage table, and the small HTML
helpers every section uses (tables, badges, links, number formats). No script, no fetch.
"""
from __future__ import annotations

import html
import math
import os

from .stage import STATUSES, css_class

CSS = """
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--panel:#f6f8fa;--pass:#1a7f37;
--fail:#cf222e;--error:#bc4c00;--notrun:#6e7781;--done:#0969da}
*{box-sizing:border-box}
body{font:14px/1.45 "DejaVu Sans","Liberation Sans",system-ui,sans-serif;margin:0;color:var(--fg);background:#fff}
main{max-width:1240px;margin:0 auto;padding:20px 28px 40px}
h1{font-size:24px;margin:0 0 4px} h2{font-size:19px;margin:0 0 10px} h3{font-size:15px;margin:18px 0 6px}
a{color:#0969da} .meta,.muted{color:var(--muted)} .small{font-size:12px}
nav{margin:10px 0 0} nav a{margin-right:14px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(185px,1fr));gap:10px;margin:16px 0 8px}
.card{border:1px solid var(--line);border-top:4px solid var(--notrun);border-radius:6px;padding:8px 10px;background:var(--panel);min-height:86px}
.card .name{font-weight:600} .card .fig{font-size:13px;margin-top:4px} .card .why{font-size:12px;color:var(--muted);margin-top:2px;overflow-wrap:anywhere}
.card.st-pass{border-top-color:var(--pass)} .card.st-fail{border-top-color:var(--fail)}
.card.st-error{border-top-color:var(--error)} .card.st-done{border-top-color:var(--done)}
.badge{display:inline-block;padding:0 8px;border-radius:9px;font-size:12px;font-weight:600;color:#fff;background:var(--notrun);white-space:nowrap}
.badge.st-pass{background:var(--pass)} .badge.st-fail{background:var(--fail)}
.badge.st-error{background:var(--error)} .badge.st-done{background:var(--done)}
section{margin:26px 0 0;padding-top:14px;border-top:2px solid var(--line)}
.tiles{display:flex;flex-wrap:wrap;gap:10px;margin:6px 0 12px}
.tile{border:1px solid var(--line);border-radius:6px;padding:6px 14px;min-width:120px}
.tile b{display:block;font-size:22px;font-weight:600} .tile span{font-size:12px;color:var(--muted)}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:6px 0 14px;font-size:13px}
table.wide{width:100%}
th,td{border-bottom:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
th{background:var(--panel);font-weight:600;white-space:nowrap}
table.tight td{white-space:nowrap} table.tight th{white-space:normal}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.row-fail td:first-child{border-left:3px solid var(--fail)}
.pass{color:var(--pass)} .fail{color:var(--fail);font-weight:600} .skip{color:var(--muted)}
.good{color:var(--pass)} .bad{color:var(--fail)} .mid{color:var(--error)}
code{font:12px "DejaVu Sans Mono","Liberation Mono",monospace;background:var(--panel);padding:0 3px;border-radius:3px;overflow-wrap:break-word}
.problem,.notrun{overflow-wrap:anywhere}
.problem{border-left:4px solid var(--error);background:#fff4ea;padding:6px 10px;margin:8px 0}
.notrun{border-left:4px solid var(--notrun);background:var(--panel);padding:8px 12px;margin:8px 0}
.chart{display:block;max-width:100%;height:auto;margin:6px 0 12px}
.chart text{font-size:12px;fill:#1f2328} .chart .ct{font-size:14px;font-weight:600}
.chart .tick,.chart .axis{fill:#59636e} .chart .grid{stroke:#e4e8ec} .chart .grid.minor{stroke:#f1f3f5}
.chart .frame{fill:none;stroke:#c5ccd3} .chart .spread{stroke:#8c959f;stroke-width:2}
.chart .legend{font-size:12px}
svg.bar{vertical-align:middle}
details{margin:6px 0} summary{cursor:pointer;color:var(--muted)}
footer{margin-top:34px;padding-top:10px;border-top:1px solid var(--line);font-size:12px;color:var(--muted)}
"""


CARD_NOTE = 110  # characters of a stage's note its card shows


def esc(v) -> str:
    return html.escape(str(v), quote=True)


def badge(status: str, text: str | None = None) -> str:
    return (f'<span class="badge {css_class(status)}">'
            f"{esc(text or STATUSES.get(status, (0, status))[1])}</span>")


def table(headers: list[str], rows: list[list[str]], *, num: tuple = (), cls: str = "",
          row_classes: list[str] | None = None) -> str:
    """headers are plain text; cells are HTML already. Columns in `num` align right."""
    head = "".join(f'<th class="num">{esc(h)}</th>' if i in num else f"<th>{esc(h)}</th>"
                   for i, h in enumerate(headers))
    body = []
    for r, row in enumerate(rows):
        rc = f' class="{row_classes[r]}"' if row_classes and row_classes[r] else ""
        body.append(f"<tr{rc}>" + "".join(f'<td class="num">{c}</td>' if i in num else f"<td>{c}</td>"
                                          for i, c in enumerate(row)) + "</tr>")
    return (f'<div class="scroll"><table class="{cls}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def tiles(items: list[tuple[str, str, str]]) -> str:
    """(value, label, css class) tiles for a section's headline figures."""
    return '<div class="tiles">' + "".join(
        f'<div class="tile {c}"><b>{esc(v)}</b><span>{esc(l)}</span></div>' for v, l, c in items
    ) + "</div>"


def fmt_int(v) -> str:
    if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
        return "–"
    return f"{int(round(v)):,}"


def fmt_float(v, digits: int = 1) -> str:
    if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
        return "–"
    return f"{v:,.{digits}f}"


def fmt_pct(v, digits: int = 2) -> str:
    """A percentage rounded down, so a value under a threshold never prints as reaching it."""
    if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
        return "n/a"
    scale = 10 ** digits
    return f"{math.floor(v * scale + 1e-9) / scale:.{digits}f}%"


def fmt_ns(ns) -> str:
    if ns is None or isinstance(ns, bool) or not isinstance(ns, (int, float)):
        return "–"
    for div, unit in ((1e9, "s"), (1e6, "ms"), (1e3, "µs")):
        if abs(ns) >= div:
            return f"{ns / div:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_seconds(s) -> str:
    if s is None or isinstance(s, bool) or not isinstance(s, (int, float)):
        return ""
    s = int(round(s))
    return f"{s // 60} min {s % 60:02d} s" if s >= 120 else f"{s} s"


def href(path: str, out_dir: str) -> str | None:
    """A relative link from the page to a local file, or None when the file is not there."""
    if not path or not os.path.exists(path):
        return None
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(out_dir))
    return "/".join(esc(p) for p in rel.split(os.sep))


def link(path: str, out_dir: str, text: str | None = None) -> str:
    """A link when the file exists; otherwise the path, marked missing."""
    h = href(path, out_dir)
    label = esc(text if text is not None else path)
    return f'<a href="{h}">{label}</a>' if h else f'{label} <span class="muted">(missing)</span>'


def problems(inps) -> str:
    """A box per input that could not be read, or was read with parts skipped."""
    out = []
    for inp in inps:
        if inp is None:
            continue
        if inp.problem and not inp.missing:
            out.append(f'<div class="problem"><code>{esc(inp.path)}</code>: {esc(inp.problem)}</div>')
        for w in inp.warnings:
            out.append(f'<div class="problem"><code>{esc(inp.path)}</code>: {esc(w)}</div>')
    return "".join(out)


def not_run(text: str) -> str:
    return f'<div class="notrun"><b>Not run.</b> {esc(text)}</div>'


def render(info, stages, sections, inputs_used, out_dir: str) -> str:
    """The whole page: header, a card per stage, then each section in order."""
    cards = []
    for st in stages:
        target = f"#{st.anchor}" if st.anchor else None
        name = f'<a href="{target}">{esc(st.title)}</a>' if target else esc(st.title)
        secs = (f' <span class="muted small">{esc(fmt_seconds(st.seconds))}</span>'
                if st.seconds is not None and st.status != "not run" else "")
        # a card shows the start of a long note; the section (and the tooltip) the whole
        why = st.note if len(st.note) <= CARD_NOTE else st.note[:CARD_NOTE - 1].rstrip() + "…"
        log = ""
        if st.log and href(st.log, out_dir):
            log = f' · <a class="small" href="{href(st.log, out_dir)}">log</a>'
        cards.append(f'<div class="card {css_class(st.status)}" data-stage="{esc(st.name)}" '
                     f'data-status="{esc(st.status)}"><div class="name">{name}</div>'
                     f"<div>{badge(st.status)}{secs}{log}</div>"
                     f'<div class="fig">{esc(st.figure)}</div>'
                     + (f'<div class="why" title="{esc(st.note)}">{esc(why)}</div>' if st.note else "")
                     + "</div>")
    nav = "".join(f'<a href="#{esc(s.anchor)}">{esc(s.stage.title)}</a>' for s in sections)
    body = "".join(
        f'<section id="{esc(s.anchor)}" data-status="{esc(s.stage.status)}">'
        f'<h2>{esc(s.stage.title)} {badge(s.stage.status)}</h2>'
        + (f'<p class="muted">{esc(s.stage.note)}</p>' if s.stage.note else "")
        + s.body + "</section>" for s in sections)
    used = "".join(f"<li><code>{esc(i.path)}</code> — {esc(i.problem or 'read')}</li>"
                   for i in inputs_used if i is not None)
    preset = f" · preset {esc(info.preset)}" if info.preset else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sqlink harness report</title>
<style>{CSS}</style></head><body><main>
<header id="header"><h1>sqlink harness report</h1>
<p class="meta">{esc(info.date)} · commit <code>{esc(info.commit)}</code> · {esc(info.machine)}{preset} · {esc(info.duration_text())}</p>
<nav>{nav}</nav></header>
<section id="stages"><h2>Stages</h2><div class="cards">{''.join(cards)}</div></section>
{body}
<footer><details><summary>Inputs this page was written from</summary><ul>{used}</ul></details>
Written by <code>scripts/report.py</code>; self-contained, needs no network.</footer>
</main></body></html>
"""
