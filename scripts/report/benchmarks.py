"""The benchmarks section, from reports/bench/bench.json (Google Benchmark's JSON; latency
percentiles are the user counters p50, p95, p99, p99.9 and max, in ns) and summary.json
(scripts/bench.py: per-op change against a baseline, peer ratios, goals, regressions): a
latency table and plot, ratios and goals.
"""
from __future__ import annotations

import json
import os
import statistics

from . import inputs, page, svg
from .inputs import number
from .stage import Section, Stage

PERCENTILES = ("p50", "p95", "p99", "p99.9", "max")
COLOURS = {"p50": "#4e79a7", "p95": "#59a14f", "p99": "#edc948", "p99.9": "#f28e2b",
           "max": "#e15759"}
# the aggregate that stands for an op, best first; with none, the median of the repetitions
CENTRAL = ("median", "mean")
GOAL_CLASS = {"met": "good", "not met": "bad"}


def ops(doc: dict, inp: inputs.Input) -> tuple[list[dict], list[dict]]:
    """(ops with percentiles, other benchmarks): one entry per run name, from the central
    aggregate (or the median of the repetitions), with the CV across repetitions."""
    bench = doc.get("benchmarks")
    if not isinstance(bench, list):
        inp.problem = "malformed: no `benchmarks` list (not Google Benchmark JSON)"
        return [], []
    groups: dict[str, dict] = {}
    skipped = 0
    for b in bench:
        if not isinstance(b, dict) or not isinstance(b.get("name"), str):
            skipped += 1
            continue
        name = b.get("run_name") if isinstance(b.get("run_name"), str) else b["name"]
        g = groups.setdefault(name, {"iterations": [], "aggregates": {}})
        if b.get("run_type") == "aggregate":
            g["aggregates"][str(b.get("aggregate_name", "?"))] = b
        else:
            g["iterations"].append(b)
    if skipped:
        inp.warnings.append(f"{skipped} benchmark entries without a name were skipped")
    with_p, others = [], []
    for name, g in groups.items():
        its, agg = g["iterations"], g["aggregates"]
        central = next((agg[a] for a in CENTRAL if a in agg), None)
        values = {}
        for p in PERCENTILES:
            v = number((central or {}).get(p))
            if v is None:
                samples = [number(i.get(p)) for i in its if number(i.get(p)) is not None]
                v = statistics.median(samples) if samples else None
            values[p] = v
        cv = {}
        for p in PERCENTILES:
            c = number(agg.get("cv", {}).get(p))
            if c is None:
                samples = [number(i.get(p)) for i in its if number(i.get(p)) is not None]
                if len(samples) >= 2 and statistics.mean(samples) > 0:
                    c = statistics.stdev(samples) / statistics.mean(samples)
            cv[p] = c
        first = central or (its[0] if its else next(iter(agg.values())))
        entry = {"name": name, "label": first.get("label", "") if isinstance(first.get("label"), str) else "",
                 "repetitions": len(its) or number(first.get("repetitions")),
                 "aggregate": next((a for a in CENTRAL if a in agg), "median of repetitions" if its else ""),
                 "values": values, "cv": cv, "real_time": number(first.get("real_time")),
                 "time_unit": first.get("time_unit", "ns")}
        (with_p if any(v is not None for v in values.values()) else others).append(entry)
    return with_p, others


NS_PER_UNIT = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}


def _time(v, unit) -> str:
    scale = NS_PER_UNIT.get(unit)
    return page.fmt_ns(v * scale) if scale and v is not None else f"{page.fmt_float(v, 1)} {page.esc(unit)}"


def _cell(v) -> str:
    if isinstance(v, bool):
        return f'<span class="{"good" if v else "bad"}">{"yes" if v else "no"}</span>'
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 1000 or v.is_integer() else f"{v:.4g}"
    if isinstance(v, (dict, list)):
        return f"<code>{page.esc(json.dumps(v, separators=(',', ':')))[:200]}</code>"
    return page.esc(v) if v is not None else "–"


def generic_table(value) -> str:
    """Renders what summary.json lists under a key, whatever its shape: rows of objects,
    an object of objects (the key becomes the first column), or name -> value."""
    if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
        value = [{"name": k, **v} for k, v in value.items()]
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        cols = []
        for row in value:
            cols += [k for k in row if k not in cols]
        nums = tuple(i for i, k in enumerate(cols)
                     if all(isinstance(r.get(k), (int, float)) and not isinstance(r.get(k), bool)
                            for r in value if k in r))
        return page.table(cols, [[_cell(r.get(k)) for k in cols] for r in value], num=nums)
    if isinstance(value, dict):
        return page.table(["name", "value"], [[page.esc(k), _cell(v)] for k, v in value.items()])
    if isinstance(value, list):
        return "<ul>" + "".join(f"<li>{_cell(v)}</li>" for v in value) + "</ul>"
    return f"<p>{_cell(value)}</p>"


def _status(summary: dict | None) -> tuple[str, str]:
    if not isinstance(summary, dict):
        return "done", ""
    gate = summary.get("gate")
    if isinstance(gate, dict) and isinstance(gate.get("passed"), bool):
        reasons = "; ".join(map(str, gate.get("reasons") or []))
        return ("pass", "") if gate["passed"] else ("fail", reasons or "gate failed")
    if isinstance(summary.get("passed"), bool):
        return ("pass", "") if summary["passed"] else ("fail", "summary.json: passed is false")
    regressions = summary.get("regressions")
    if isinstance(regressions, list) and regressions:
        return "fail", (f"{len(regressions)} regression(s) against the baseline: "
                        + ", ".join(map(str, regressions[:5])))
    return "done", ""


def _change(entry) -> str:
    """An op's change against the baseline (scripts/bench.py: Mann-Whitney U on p50)."""
    ch = entry.get("change") if isinstance(entry, dict) else None
    rel = number(ch.get("relative")) if isinstance(ch, dict) else None
    if rel is None:
        return "–"
    cls = "bad" if ch.get("regression") else "good" if ch.get("improvement") else "muted"
    p = number(ch.get("p_value"))
    tip = f' title="p = {p:.3g} ({page.esc(ch.get("method", ""))})"' if p is not None else ""
    return f'<span class="{cls}"{tip}>{rel * 100:+.1f}%</span>'


def goals_table(goals) -> str:
    if not (isinstance(goals, list) and all(isinstance(g, dict) and "goal" in g for g in goals)):
        return generic_table(goals)
    rows = []
    for g in goals:
        v, t, ratio = number(g.get("value")), number(g.get("target")), g.get("kind") == "ratio"
        fmt = (lambda x: f"{x:.2f}×" if x is not None else "–") if ratio else page.fmt_ns
        status = str(g.get("status", ""))
        rows.append([page.esc(g["goal"]), page.esc(g.get("measured", "")), fmt(v), fmt(t),
                     f'<span class="{GOAL_CLASS.get(status, "muted")}">{page.esc(status)}</span>'])
    return page.table(["goal", "measured", "value", "target", ""], rows, num=(2, 3))


def ratios_table(ratios) -> str:
    if not (isinstance(ratios, list) and all(isinstance(r, dict) and "title" in r for r in ratios)):
        return generic_table(ratios)
    rows = [[page.esc(r["title"]),
             f"{r['value']:.2f}×" if number(r.get("value")) is not None else "not measured",
             page.esc(r.get("meaning", ""))] for r in ratios]
    return page.table(["ratio", "value", "meaning"], rows, num=(1,))


def build(bench_dir: str, out_dir: str) -> Section:
    json_path = os.path.join(bench_dir, "bench.json")
    summary_path = os.path.join(bench_dir, "summary.json")
    b_in, s_in = inputs.read_json(json_path), inputs.read_json(summary_path)
    used = [b_in, s_in]
    if b_in.missing and s_in.missing:
        stage = Stage("bench", "Benchmarks", "not run", note=f"no {json_path}", anchor="bench")
        return Section("bench", stage, page.not_run(f"No benchmark results at {json_path}."),
                       {"status": "not run"}, used, [b_in])
    with_p, others = ops(b_in.data, b_in) if b_in.ok else ([], [])
    summary = s_in.data if s_in.ok else None
    status, why = _status(summary)
    if not b_in.ok:
        status, why = "error", b_in.describe()
    p99 = [o["values"]["p99"] for o in with_p if o["values"]["p99"] is not None]
    figure = f"{len(with_p)} ops"
    if p99:
        figure += f" · p99 {page.fmt_ns(min(p99))} – {page.fmt_ns(max(p99))}"
    stage = Stage("bench", "Benchmarks", status, figure, why, anchor="bench")

    body = []
    ctx = b_in.data.get("context") if b_in.ok and isinstance(b_in.data.get("context"), dict) else {}
    if ctx:
        bits = [f"{page.esc(ctx.get('date', ''))}", f"{page.fmt_int(ctx.get('num_cpus'))} CPUs",
                f"library build {page.esc(ctx.get('library_build_type', '?'))}"]
        body.append(f'<p class="muted">{" · ".join(b for b in bits if b)}</p>')
    summary_ops = summary.get("ops") if isinstance(summary, dict) and isinstance(summary.get("ops"), dict) else {}
    compared = any(isinstance(e, dict) and e.get("change") for e in summary_ops.values())
    if with_p:
        rows = []
        for o in with_p:
            cells = [f"<code>{page.esc(o['name'])}</code>"
                     + (f'<br><span class="small muted">{page.esc(o["label"])}</span>' if o["label"] else "")]
            for p in PERCENTILES:
                cv = o["cv"][p]
                tip = f' title="CV {cv * 100:.1f}% across repetitions"' if cv is not None else ""
                cells.append(f"<span{tip}>{page.fmt_ns(o['values'][p])}</span>")
            cv50 = o["cv"]["p50"]
            cls = "bad" if cv50 is not None and cv50 > 0.1 else ""
            cells.append(f'<span class="{cls}">{page.fmt_float(cv50 * 100, 1) + "%" if cv50 is not None else "–"}</span>')
            cells.append(page.fmt_int(o["repetitions"]))
            if compared:
                cells.append(_change(summary_ops.get(o["name"])))
            rows.append(cells)
        headers = ["op", "p50", "p95", "p99", "p99.9", "max", "CV (p50)", "reps"]
        if compared:
            headers.append("p50 vs baseline")
        body.append("<h3>Latency per call</h3>" + page.table(
            headers, rows, num=tuple(range(1, len(headers))), cls="wide"))
        body.append('<p class="muted small">Medians across repetitions; CV is the coefficient of '
                    "variation of p50 across repetitions (hover a value for its own CV).</p>")
        body.append(svg.ladder_chart(
            [(o["name"], [(p, o["values"][p]) for p in PERCENTILES]) for o in with_p],
            chart_id="bench-latency", title="Latency percentiles per op", colours=COLOURS))
    elif b_in.ok:
        body.append(f'<p class="muted">{page.esc(json_path)} has no benchmark with latency '
                    "counters (p50 … max).</p>")
    if others:
        body.append("<h3>Other benchmarks</h3>" + page.table(
            ["benchmark", "real time"],
            [[f"<code>{page.esc(o['name'])}</code>", _time(o["real_time"], o["time_unit"])]
             for o in others], num=(1,)))
    failed_ops = [(n, e["error"]) for n, e in summary_ops.items() if isinstance(e, dict) and e.get("error")]
    if failed_ops:
        body.append("<h3>Ops that failed</h3><ul>" + "".join(
            f'<li><code>{page.esc(n)}</code>: <span class="bad">{page.esc(err)}</span></li>'
            for n, err in failed_ops) + "</ul>")
    if isinstance(summary, dict):
        if summary.get("ratios"):
            body.append("<h3>Peer ratios</h3>" + ratios_table(summary["ratios"]))
        if summary.get("goals"):
            body.append('<h3>Goals <span class="small muted">(reported, not asserted)</span></h3>'
                        + goals_table(summary["goals"]))
    links = [page.link(p, out_dir, n) for p, n in (
        (os.path.join(bench_dir, "latency.svg"), "latency.svg"),
        (os.path.join(bench_dir, "summary.md"), "summary.md"), (json_path, "bench.json"))
        if os.path.isfile(p)]
    if links:
        body.append(f"<p>Files: {' · '.join(links)}</p>")
    body.append(page.problems(used))
    out = {"status": status, "ops": len(with_p),
           "p99_ns": {o["name"]: o["values"]["p99"] for o in with_p}}
    return Section("bench", stage, "".join(body), out, used, [b_in])
