#!/usr/bin/env python3
"""The benchmark runner (`scripts/harness bench`).

Builds bench/sqlink_bench with a CMake preset (default: release), runs it with
--benchmark_repetitions (default 9) and writes reports/bench/:
  bench.json    Google Benchmark's own JSON: every repetition, its aggregates, and the
                latency percentiles as user counters p50, p95, p99, p99.9, max (ns per call)
  summary.md    per op the medians across repetitions of p50..max, the CV of p50, the change
                against a baseline with its Mann-Whitney U p-value; peer ratios; goals
  summary.json  the same, machine-readable
  latency.svg   the percentiles per op on a log scale

--compare BASELINE.json compares each op's per-repetition p50 values with the baseline's
using a two-sided Mann-Whitney U test (exact without ties for small samples, else the normal
approximation with tie and continuity correction). A regression is p < 0.01 with the median
p50 more than 5% slower; any regression makes the exit code 1.

Exit codes: 0 ok, 1 a significant regression, 2 usage error (bad option, missing or malformed
input file), 3 tool error (build failed, benchmark binary missing or crashed).

Standard library only.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import re
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EXIT_OK, EXIT_REGRESSION, EXIT_USAGE, EXIT_TOOL = 0, 1, 2, 3

COUNTERS = ("p50", "p95", "p99", "p99.9", "max")  # bench/percentiles.hpp, kCounterNames
COMPARED = "p50"             # the counter whose per-repetition values the U test compares
ALPHA = 0.01                 # significance level of a regression
MIN_SLOWDOWN = 0.05          # and the median must be this much worse
MIN_REPETITIONS = 9          # so every percentile has a median and a CV
DEFAULTS = {"repetitions": 9, "min_time": 0.1}  # as bench/main.cpp
QUICK = {"repetitions": 9, "min_time": 0.03}   # a smoke run for CI (~30 s)
EXACT_MAX_N = 50             # exact U distribution up to this many values in all, without ties

# Peers measured in the same run: (title, numerator op, denominator op, counter, meaning).
# ratio = numerator / denominator of the median counter.
RATIOS = [
    ("argv parsing, typical: CLI11 / sqlink", "argv/cli11/typical", "argv/host/typical", "p50",
     "how many times slower CLI11 parses the same argv"),
    ("argv parsing, worst: CLI11 / sqlink", "argv/cli11/worst", "argv/host/worst", "p50",
     "how many times slower CLI11 parses the same argv"),
    ("path validation: path_guard / realpath()+prefix", "path_guard/fs/typical",
     "path_guard/peer/realpath_prefix", "p50",
     "what path_guard's checks cost over bare realpath() and a prefix compare"),
    ("CAS get+verify 1 KiB: SHA-256 alone / get", "cas/peer_sha256/1KiB", "cas/get_verify/1KiB",
     "p50", "fraction of bare SHA-256 throughput a get+verify reaches"),
    ("CAS get+verify 64 KiB: SHA-256 alone / get", "cas/peer_sha256/64KiB",
     "cas/get_verify/64KiB", "p50", "fraction of bare SHA-256 throughput a get+verify reaches"),
    ("CAS get+verify 1 MiB: SHA-256 alone / get", "cas/peer_sha256/1MiB", "cas/get_verify/1MiB",
     "p50", "fraction of bare SHA-256 throughput a get+verify reaches"),
    ("statements: re-prepared / cached (raw SQLite)", "sqlite/stmt/reprepared",
     "sqlite/stmt/cached", "p50", "how many times faster a cached statement is"),
    ("statements: uncached / cached (CasStore::contains)", "cas/contains/uncached",
     "cas/contains/cached", "p50", "what the CAS statement cache saves"),
]

# The goals, reported as met or not, never asserted. kind "max": the median counter of
# `op` must be <= target (ns); kind "ratio": the ratio titled `op` must be >= target.
GOALS = [
    {"goal": "path validation (lexical) p99 <= 1 us", "kind": "max",
     "op": "path_guard/lexical/typical", "counter": "p99", "target": 1000.0},
    {"goal": "bundle resolution by name p99 <= 20 us", "kind": "max",
     "op": "bundle/resolve/name", "counter": "p99", "target": 20000.0},
    {"goal": "cached statements >= 1.3x faster than re-prepared", "kind": "ratio",
     "op": "statements: re-prepared / cached (raw SQLite)", "target": 1.3},
    {"goal": "CAS get+verify 1 MiB >= 80% of bare SHA-256 throughput", "kind": "ratio",
     "op": "CAS get+verify 1 MiB: SHA-256 alone / get", "target": 0.8},
]


class UsageError(Exception):
    """Bad input: exit code 2, the message names the input."""


class ToolError(Exception):
    """The build or the benchmark binary failed: exit code 3."""


def log(msg: str) -> None:
    print(f"[bench {dt.datetime.now().strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---- statistics

def _rank(values: list[float]) -> tuple[list[float], list[int]]:
    """Mid-ranks (1-based) of `values` and the sizes of the tie groups."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    ties = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


def _u_counts(n: int, m: int) -> list[int]:
    """counts[u]: how many of the C(n+m, n) orderings of two samples without ties give U = u
    for the first sample (sizes n and m). f(n, m, u) = f(n-1, m, u-m) + f(n, m-1, u)."""
    # table[j][u] for the current number of first-sample values i, j second-sample values.
    prev = [[1] + [0] * (n * m) for _ in range(m + 1)]  # i = 0: only U = 0
    for i in range(1, n + 1):
        cur = [[0] * (n * m + 1) for _ in range(m + 1)]
        cur[0][0] = 1
        for j in range(1, m + 1):
            for u in range(i * j + 1):
                a = prev[j][u - j] if u >= j else 0   # the largest value is from sample 1
                cur[j][u] = a + cur[j - 1][u]         # ... or from sample 2
        prev = cur
    return prev[m]


@dataclass
class UTest:
    u: float          # U of the first sample: pairs (x, y) with x > y, ties counting 1/2
    p: float          # two-sided p-value
    method: str       # "exact" or "asymptotic"


def mann_whitney_u(x: list[float], y: list[float], method: str = "auto") -> UTest:
    """Two-sided Mann-Whitney U test of x against y. method: "exact" (no ties allowed),
    "asymptotic" (normal approximation with tie correction and continuity correction), or
    "auto" (exact when there are no ties and at most EXACT_MAX_N values in all)."""
    n, m = len(x), len(y)
    if n == 0 or m == 0:
        raise ValueError("both samples need at least one value")
    ranks, ties = _rank(list(x) + list(y))
    u1 = sum(ranks[:n]) - n * (n + 1) / 2
    has_ties = any(t > 1 for t in ties)
    if method == "auto":
        method = "exact" if not has_ties and n + m <= EXACT_MAX_N else "asymptotic"
    if method == "exact":
        if has_ties:
            raise ValueError("the exact test needs samples without ties")
        counts = _u_counts(n, m)
        total = math.comb(n + m, n)
        u_small = int(round(min(u1, n * m - u1)))
        p = min(1.0, 2 * sum(counts[: u_small + 1]) / total)
        return UTest(u1, p, "exact")
    if method != "asymptotic":
        raise ValueError(f"unknown method {method!r}")
    big_n = n + m
    mu = n * m / 2
    tie_term = sum(t ** 3 - t for t in ties) / (big_n * (big_n - 1)) if big_n > 1 else 0.0
    var = n * m / 12 * ((big_n + 1) - tie_term)
    if var <= 0:
        return UTest(u1, 1.0, "asymptotic")  # every value tied: no evidence either way
    z = max(0.0, abs(u1 - mu) - 0.5) / math.sqrt(var)
    return UTest(u1, min(1.0, math.erfc(z / math.sqrt(2))), "asymptotic")


def cv(values: list[float]) -> float | None:
    """Sample standard deviation over mean, as Google Benchmark's cv aggregate."""
    if len(values) < 2:
        return None
    mean = statistics.fmean(values)
    return statistics.stdev(values) / mean if mean else None


# ---- reading Google Benchmark JSON

@dataclass
class Op:
    name: str
    label: str = ""
    reps: dict[str, list[float]] = field(default_factory=lambda: {c: [] for c in COUNTERS})
    batch: float = 1.0
    samples: list[float] = field(default_factory=list)
    error: str = ""

    def median(self, counter: str) -> float | None:
        v = self.reps.get(counter) or []
        return statistics.median(v) if v else None

    def cv(self, counter: str = COMPARED) -> float | None:
        return cv(self.reps.get(counter) or [])


def load_json(path: Path, what: str) -> dict:
    if not path.is_file():
        raise UsageError(f"{what} '{path}' does not exist")
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{what} '{path}' cannot be read: {e}") from None
    except json.JSONDecodeError as e:
        raise UsageError(f"{what} '{path}' is not valid JSON: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise UsageError(f"{what} '{path}' is not Google Benchmark JSON (no \"benchmarks\" list)")
    return data


def parse_runs(data: dict, source: str = "input") -> dict[str, Op]:
    """Ops in registration order (family_index), from the per-repetition entries (run_type
    "iteration"). Interleaved runs write the benchmarks in a random order."""
    ops: dict[str, Op] = {}
    order: dict[str, tuple] = {}
    for i, b in enumerate(data["benchmarks"]):
        if not isinstance(b, dict) or "name" not in b:
            raise UsageError(f"{source}: benchmarks[{i}] has no name")
        if b.get("run_type", "iteration") != "iteration":
            continue
        name = str(b.get("run_name") or b["name"])
        op = ops.setdefault(name, Op(name))
        order.setdefault(name, (b.get("family_index", i), b.get("per_family_instance_index", 0), i))
        op.label = str(b.get("label", op.label))
        if b.get("error_occurred"):
            op.error = str(b.get("error_message", "error"))
            continue
        for c in COUNTERS:
            v = b.get(c)
            if v is not None:
                if not isinstance(v, (int, float)):
                    raise UsageError(f"{source}: {name}: counter {c} is not a number: {v!r}")
                op.reps[c].append(float(v))
        op.batch = float(b.get("batch", op.batch))
        if "samples" in b:
            op.samples.append(float(b["samples"]))
    return {n: ops[n] for n in sorted(ops, key=lambda n: order[n])}


# ---- comparison, ratios, goals

@dataclass
class Change:
    baseline: float
    current: float
    change: float      # relative change of the median COMPARED counter (+ is slower)
    p: float
    method: str
    regression: bool
    improvement: bool


def compare(current: Op, baseline: Op) -> Change | None:
    x, y = current.reps[COMPARED], baseline.reps[COMPARED]
    if not x or not y:
        return None
    cur, base = statistics.median(x), statistics.median(y)
    rel = (cur - base) / base if base else 0.0
    t = mann_whitney_u(x, y)
    significant = t.p < ALPHA
    return Change(base, cur, rel, t.p, t.method,
                  regression=significant and rel > MIN_SLOWDOWN,
                  improvement=significant and rel < -MIN_SLOWDOWN)


def compute_ratios(ops: dict[str, Op]) -> list[dict]:
    out = []
    for title, num, den, counter, meaning in RATIOS:
        a = ops[num].median(counter) if num in ops else None
        b = ops[den].median(counter) if den in ops else None
        value = a / b if a is not None and b else None
        out.append({"title": title, "numerator": num, "denominator": den, "counter": counter,
                    "meaning": meaning, "value": value})
    return out


def evaluate_goals(ops: dict[str, Op], ratios: list[dict]) -> list[dict]:
    by_title = {r["title"]: r for r in ratios}
    out = []
    for g in GOALS:
        if g["kind"] == "max":
            op = ops.get(g["op"])
            value = op.median(g["counter"]) if op else None
            met = None if value is None else value <= g["target"]
            measured = f"{g['counter']} median of {g['op']}"
        else:
            value = by_title.get(g["op"], {}).get("value")
            met = None if value is None else value >= g["target"]
            measured = g["op"]
        out.append({"goal": g["goal"], "measured": measured, "value": value,
                    "target": g["target"], "kind": g["kind"],
                    "status": "not measured" if met is None else ("met" if met else "not met")})
    return out


# ---- formatting

def fmt_ns(ns: float | None) -> str:
    if ns is None:
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            v = ns / scale
            return f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"
    return f"{ns:.3g} ns" if ns < 100 else f"{ns:.0f} ns"


def fmt_count(n: float) -> str:
    return f"{n / 1e6:.3g}M" if n >= 1e6 else f"{n / 1e3:.3g}k" if n >= 1e4 else f"{n:.0f}"


def fmt_pct(v: float | None) -> str:
    return "-" if v is None else f"{v * 100:.1f}%"


def fmt_p(p: float) -> str:
    return f"{p:.2g}" if p >= 0.001 else f"{p:.1e}"


def fmt_goal_value(g: dict) -> str:
    if g["value"] is None:
        return "-"
    return fmt_ns(g["value"]) if g["kind"] == "max" else f"{g['value']:.2f}x"


def fmt_goal_target(g: dict) -> str:
    return f"<= {fmt_ns(g['target'])}" if g["kind"] == "max" else f">= {g['target']:.2f}x"


def render_markdown(ops: dict[str, Op], changes: dict[str, Change | None], ratios: list[dict],
                    goals: list[dict], meta: dict) -> str:
    lines = ["# Benchmarks", ""]
    lines.append(f"{meta.get('date', '')} · {meta.get('host', '')} · {meta.get('cpus', '?')} CPUs · "
                 f"{meta.get('repetitions', '?')} repetitions · min time {meta.get('min_time', '?')} s"
                 f" · Google Benchmark library build: {meta.get('library_build_type', '?')}")
    lines.append("")
    lines.append("Latencies are per call: the median across repetitions of each repetition's "
                 "percentile. A batched op times N calls per sample (label `batched xN`), so its "
                 "percentiles are of N-call averages. CV is of p50 across repetitions.")
    if meta.get("baseline"):
        lines.append(f"Change is of the median p50 against `{meta['baseline']}`; p is a two-sided "
                     f"Mann-Whitney U test of the per-repetition p50 values; **regression** means "
                     f"p < {ALPHA} and more than {MIN_SLOWDOWN:.0%} slower.")
    timer = ops.get("timer/empty")
    if timer and timer.median("p50") is not None:
        lines.append(f"Timer cost (an empty sampled region): p50 {fmt_ns(timer.median('p50'))}, "
                     f"p99 {fmt_ns(timer.median('p99'))} per sample; a batched op carries 1/N of it "
                     f"per call.")
    lines += ["", "| op | sampling | p50 | p95 | p99 | p99.9 | max | CV | change vs baseline |",
              "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for name, op in ops.items():
        sampling = op.label.split(";")[0] if op.label else ""
        if op.samples:
            sampling += f", {fmt_count(statistics.median(op.samples))} samples"
        if op.error:
            lines.append(f"| `{name}` | error: {op.error} | - | - | - | - | - | - | - |")
            continue
        cells = [fmt_ns(op.median(c)) for c in COUNTERS]
        ch = changes.get(name)
        if not meta.get("baseline"):
            change = "-"
        elif ch is None:
            change = "new" if name not in meta.get("baseline_ops", ()) else "-"
        else:
            change = f"{ch.change * 100:+.1f}% (p={fmt_p(ch.p)})"
            if ch.regression:
                change += " **regression**"
            elif ch.improvement:
                change += " improvement"
        lines.append(f"| `{name}` | {sampling} | " + " | ".join(cells) +
                     f" | {fmt_pct(op.cv())} | {change} |")
    lines += ["", "## Peers in the same run", "", "| ratio | value | meaning |", "|---|---:|---|"]
    for r in ratios:
        value = "-" if r["value"] is None else f"{r['value']:.2f}x"
        lines.append(f"| {r['title']} (`{r['numerator']}` / `{r['denominator']}`, {r['counter']}) "
                     f"| {value} | {r['meaning']} |")
    lines += ["", "## Goals", "", "| goal | measured | value | target | status |",
              "|---|---|---:|---:|---|"]
    for g in goals:
        lines.append(f"| {g['goal']} | {g['measured']} | {fmt_goal_value(g)} | "
                     f"{fmt_goal_target(g)} | {g['status']} |")
    regressions = [n for n, c in changes.items() if c and c.regression]
    if meta.get("baseline"):
        lines += ["", f"Regressions: {', '.join(f'`{n}`' for n in regressions) or 'none'}."]
    return "\n".join(lines) + "\n"


def _xml(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


SVG_MARKS = [  # counter, colour, shape
    ("p50", "#1f77b4", "circle"), ("p95", "#2ca02c", "square"), ("p99", "#ff7f0e", "diamond"),
    ("p99.9", "#d62728", "triangle"), ("max", "#555555", "cross"),
]


def _mark(shape: str, x: float, y: float, colour: str) -> str:
    r = 4
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{colour}"/>'
    if shape == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}" fill="{colour}"/>'
    if shape == "diamond":
        return (f'<polygon points="{x:.1f},{y - r - 1:.1f} {x + r + 1:.1f},{y:.1f} '
                f'{x:.1f},{y + r + 1:.1f} {x - r - 1:.1f},{y:.1f}" fill="{colour}"/>')
    if shape == "triangle":
        return (f'<polygon points="{x:.1f},{y - r - 1:.1f} {x + r + 1:.1f},{y + r:.1f} '
                f'{x - r - 1:.1f},{y + r:.1f}" fill="{colour}"/>')
    return (f'<path d="M{x - r:.1f},{y - r:.1f} L{x + r:.1f},{y + r:.1f} M{x - r:.1f},{y + r:.1f} '
            f'L{x + r:.1f},{y - r:.1f}" stroke="{colour}" stroke-width="2"/>')


def render_svg(ops: dict[str, Op]) -> str:
    """One row per op: its median percentiles on a shared log-scale nanosecond axis."""
    rows = [(n, {c: op.median(c) for c in COUNTERS}) for n, op in ops.items() if not op.error]
    rows = [(n, v) for n, v in rows if any(x is not None and x > 0 for x in v.values())]
    values = [x for _, v in rows for x in v.values() if x is not None and x > 0]
    lo = math.floor(math.log10(min(values))) if values else 0
    hi = math.ceil(math.log10(max(values))) if values else 1
    if hi <= lo:
        hi = lo + 1
    label_w, plot_w, row_h, top, bottom = 280, 640, 20, 50, 40
    width = label_w + plot_w + 30
    height = top + row_h * max(1, len(rows)) + bottom

    def xpos(ns: float) -> float:
        return label_w + (math.log10(ns) - lo) / (hi - lo) * plot_w

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="monospace" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{label_w}" y="18" font-size="13">Latency per call (median of repetitions), '
           f'log scale</text>']
    x_leg = label_w
    for counter, colour, shape in SVG_MARKS:
        out.append(_mark(shape, x_leg + 5, 34, colour))
        out.append(f'<text x="{x_leg + 13}" y="38">{_xml(counter)}</text>')
        x_leg += 70
    axis_y = top + row_h * len(rows)
    for d in range(lo, hi + 1):
        x = xpos(10 ** d)
        out.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{axis_y}" stroke="#ccc"/>')
        out.append(f'<text x="{x:.1f}" y="{axis_y + 16}" text-anchor="middle">'
                   f'{_xml(fmt_ns(10.0 ** d))}</text>')
    for i, (name, v) in enumerate(rows):
        y = top + row_h * i + row_h / 2
        if i % 2 == 0:
            out.append(f'<rect x="0" y="{y - row_h / 2:.1f}" width="{width}" height="{row_h}" '
                       f'fill="#f4f6f8"/>')
        out.append(f'<text x="{label_w - 8}" y="{y + 4:.1f}" text-anchor="end">{_xml(name)}</text>')
        present = [x for x in v.values() if x is not None and x > 0]
        out.append(f'<line x1="{xpos(min(present)):.1f}" y1="{y:.1f}" x2="{xpos(max(present)):.1f}" '
                   f'y2="{y:.1f}" stroke="#999"/>')
        for counter, colour, shape in reversed(SVG_MARKS):  # p50 drawn last, on top
            x = v.get(counter)
            if x is not None and x > 0:
                out.append(f'<g><title>{_xml(name)} {counter} {_xml(fmt_ns(x))}</title>'
                           f'{_mark(shape, xpos(x), y, colour)}</g>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def summary_json(ops: dict[str, Op], changes: dict[str, Change | None], ratios: list[dict],
                 goals: list[dict], meta: dict) -> dict:
    out_ops = {}
    for name, op in ops.items():
        entry = {"label": op.label, "batch": op.batch}
        if op.error:
            entry["error"] = op.error
        else:
            entry.update({c: op.median(c) for c in COUNTERS})
            entry["cv"] = op.cv()
            entry["cv_by_counter"] = {c: op.cv(c) for c in COUNTERS}
            entry["samples_median"] = statistics.median(op.samples) if op.samples else None
            entry["repetitions"] = len(op.reps[COMPARED])
        ch = changes.get(name)
        if ch is not None:
            entry["change"] = {"counter": COMPARED, "baseline": ch.baseline, "current": ch.current,
                               "relative": ch.change, "p_value": ch.p, "method": ch.method,
                               "regression": ch.regression, "improvement": ch.improvement}
        out_ops[name] = entry
    return {"meta": {k: v for k, v in meta.items() if k != "baseline_ops"},
            "unit": "ns per call", "counters": list(COUNTERS), "ops": out_ops,
            "ratios": ratios, "goals": goals,
            "regressions": [n for n, c in changes.items() if c and c.regression]}


# ---- the pipeline: run -> parse -> compare -> report

def write_reports(data: dict, out_dir: Path, baseline: dict | None, baseline_path: str | None,
                  run_meta: dict) -> tuple[dict, list[str]]:
    ops = parse_runs(data, "benchmark output")
    if not ops:
        raise UsageError("no benchmark ran (does --filter match any op? "
                         "run build/<preset>/bench/sqlink_bench --benchmark_list_tests)")
    base_ops = parse_runs(baseline, f"baseline '{baseline_path}'") if baseline else {}
    changes = {n: compare(op, base_ops[n]) if n in base_ops and not op.error else None
               for n, op in ops.items()}
    ratios = compute_ratios(ops)
    goals = evaluate_goals(ops, ratios)
    ctx = data.get("context", {})
    meta = {"date": ctx.get("date", ""), "host": ctx.get("host_name", ""),
            "cpus": ctx.get("num_cpus"), "library_build_type": ctx.get("library_build_type"),
            "load_avg": ctx.get("load_avg"), "baseline": baseline_path,
            "baseline_ops": set(base_ops)}
    meta.update(run_meta)
    if "repetitions" not in meta:
        meta["repetitions"] = max((len(o.reps[COMPARED]) for o in ops.values()), default=0)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "summary.md").write_text(render_markdown(ops, changes, ratios, goals, meta))
    (out_dir / "latency.svg").write_text(render_svg(ops))
    summary = summary_json(ops, changes, ratios, goals, meta)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary, [n for n, c in changes.items() if c and c.regression]


def build(preset: str) -> Path:
    log(f"configure ({preset})")
    r = subprocess.run(["cmake", "--preset", preset, "-DSQLINK_BUILD_BENCH=ON"], cwd=ROOT,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        raise ToolError(f"configuring preset '{preset}' failed")
    log(f"build sqlink_bench ({preset})")
    r = subprocess.run(["cmake", "--build", "--preset", preset, "--target", "sqlink_bench",
                        "-j", str(os.cpu_count() or 2)], cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout[-20000:] + r.stderr[-20000:])
        raise ToolError(f"building sqlink_bench with preset '{preset}' failed")
    return ROOT / "build" / preset / "bench" / "sqlink_bench"


def run_benchmarks(binary: Path, out_json: Path, repetitions: int, min_time: float,
                   filter_re: str | None) -> None:
    if not binary.is_file() or not os.access(binary, os.X_OK):
        raise ToolError(f"benchmark binary '{binary}' does not exist or is not executable")
    out_json.parent.mkdir(parents=True, exist_ok=True)
    partial = out_json.with_suffix(".json.partial")
    cmd = [str(binary), f"--benchmark_repetitions={repetitions}",
           f"--benchmark_min_time={min_time}", f"--benchmark_out={partial}",
           "--benchmark_out_format=json", "--benchmark_display_aggregates_only=true",
           # Repetitions of all ops run in a random order, so a slow drift of the machine
           # spreads over every op's repetitions instead of shifting one op's whole block.
           "--benchmark_enable_random_interleaving=true"]
    if filter_re:
        cmd.append(f"--benchmark_filter={filter_re}")
    log("run: " + " ".join(cmd))
    r = subprocess.run(cmd, cwd=ROOT)
    if r.returncode == 2:  # sqlink_bench: an unknown flag, or nothing matched the filter
        partial.unlink(missing_ok=True)
        raise UsageError(f"'{binary}' refused its arguments or --filter "
                         f"'{filter_re or ''}' matches no benchmark (list them with "
                         f"{binary} --benchmark_list_tests)")
    if r.returncode != 0:
        raise ToolError(f"'{binary}' exited with status {r.returncode}")
    if not partial.is_file():
        raise ToolError(f"'{binary}' wrote no JSON to '{partial}'")
    partial.replace(out_json)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="scripts/bench.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Reports go to --out (default reports/bench). Exit codes: 0 ok, 1 regression, "
               "2 usage error, 3 tool error.")
    p.add_argument("--preset", default="release", help="CMake preset to build (default: release)")
    p.add_argument("--binary", type=Path, help="run this sqlink_bench instead of building one")
    p.add_argument("--no-build", action="store_true",
                   help="use build/<preset>/bench/sqlink_bench as it is")
    p.add_argument("--repetitions", type=int, help=f"--benchmark_repetitions (default "
                   f"{DEFAULTS['repetitions']}, at least {MIN_REPETITIONS})")
    p.add_argument("--min-time", type=float, help=f"--benchmark_min_time in seconds per "
                   f"repetition (default {DEFAULTS['min_time']}; {QUICK['min_time']} with --quick)")
    p.add_argument("--filter", help="--benchmark_filter REGEX: run only the ops it matches")
    p.add_argument("--quick", action="store_true", help="a smoke run of ~30 s (CI)")
    p.add_argument("--compare", type=Path, metavar="BASELINE.json",
                   help="Google Benchmark JSON to compare against (reports/baseline/bench.json)")
    p.add_argument("--from-json", type=Path, metavar="BENCH.json",
                   help="do not run: write the reports from this Google Benchmark JSON")
    p.add_argument("--out", type=Path, default=ROOT / "reports" / "bench",
                   help="report directory (default: reports/bench)")
    args = p.parse_args(argv)
    preset_defaults = QUICK if args.quick else DEFAULTS
    if args.repetitions is None:
        args.repetitions = preset_defaults["repetitions"]
    if args.min_time is None:
        args.min_time = preset_defaults["min_time"]
    if args.repetitions < MIN_REPETITIONS:
        p.error(f"--repetitions {args.repetitions}: at least {MIN_REPETITIONS} are needed, so each "
                f"percentile gets a median and a CV")
    if not (args.min_time > 0 and math.isfinite(args.min_time)):
        p.error(f"--min-time {args.min_time}: expected a positive number of seconds")
    if args.filter is not None:
        try:
            re.compile(args.filter)
        except re.error as e:
            p.error(f"--filter '{args.filter}' is not a valid regular expression: {e}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        baseline = load_json(args.compare, "baseline") if args.compare else None
        out_dir = args.out
        if args.from_json:
            data = load_json(args.from_json, "benchmark JSON")
            run_meta = {}
        else:
            binary = args.binary or (ROOT / "build" / args.preset / "bench" / "sqlink_bench")
            if not args.binary and not args.no_build:
                binary = build(args.preset)
            bench_json = out_dir / "bench.json"
            run_benchmarks(binary, bench_json, args.repetitions, args.min_time, args.filter)
            data = load_json(bench_json, "benchmark output")
            run_meta = {"repetitions": args.repetitions, "min_time": args.min_time,
                        "filter": args.filter, "quick": args.quick}
        summary, regressions = write_reports(
            data, out_dir, baseline, str(args.compare) if args.compare else None, run_meta)
    except UsageError as e:
        print(f"bench.py: {e}", file=sys.stderr)
        return EXIT_USAGE
    except ToolError as e:
        print(f"bench.py: {e}", file=sys.stderr)
        return EXIT_TOOL
    for g in summary["goals"]:
        print(f"goal: {g['goal']}: {g['status']}"
              + (f" ({g['value']:.4g})" if g["value"] is not None else ""))
    for r in summary["ratios"]:
        if r["value"] is not None:
            print(f"ratio: {r['title']}: {r['value']:.2f}x")
    print(f"reports: {out_dir}/summary.md, summary.json, latency.svg"
          + ("" if args.from_json else ", bench.json"))
    if regressions:
        print(f"bench.py: {len(regressions)} significant regression(s) against '{args.compare}': "
              + ", ".join(regressions), file=sys.stderr)
        return EXIT_REGRESSION
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
