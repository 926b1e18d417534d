"""The fuzzing section, from reports/fuzz/summary.json and stats.jsonl (scripts/fuzz.py):
per target speed, coverage, corpus and crashes; crash reproducers; coverage over time.
"""
from __future__ import annotations

import os

from . import inputs, page, svg
from .inputs import number
from .stage import Section, Stage

# fuzz.py's exit codes, as the summary records them
EXIT_MEANING = {0: ("pass", ""), 1: ("fail", "a new crash signature"), 2: ("error", "usage error"),
                3: ("error", "tool error (build, engine or binary)")}


def locate(path, fuzz_dir: str, crash_id: str = "") -> str | None:
    """A file the summary names: as written, relative to the fuzz dir, or (for a summary from
    another machine) by its name under crashes/<id>/ beside the summary."""
    if not isinstance(path, str) or not path:
        return None
    candidates = [path, os.path.join(fuzz_dir, path)]
    if crash_id:
        candidates.append(os.path.join(fuzz_dir, "crashes", crash_id, os.path.basename(path)))
    return next((c for c in candidates if os.path.isfile(c)), None)


def coverage_series(records: list[dict]) -> dict[str, dict[str, list]]:
    """{metric: {target: [(elapsed_s, value)]}}: libFuzzer's cov, AFL++'s edges."""
    out: dict[str, dict[str, list]] = {}
    for r in records:
        t, x = r.get("target"), number(r.get("elapsed_s"))
        if not isinstance(t, str) or x is None:
            continue
        for metric in ("coverage", "edges"):
            y = number(r.get(metric))
            if y is not None:
                out.setdefault(metric, {}).setdefault(t, []).append((x, y))
                break
    return out


def _status(s: dict, targets: list[dict]) -> tuple[str, str]:
    code = s.get("exit_code")
    if isinstance(code, int) and not isinstance(code, bool):
        status, why = EXIT_MEANING.get(code, ("error", f"exit code {code}"))
        return status, why
    if number(s.get("new_crashes"), 0) > 0:
        return "fail", "a new crash signature"
    if any(t.get("status") == "error" for t in targets):
        return "error", "a target failed to run"
    return "pass", ""


def _target_row(t: dict) -> tuple[list[str], str]:
    goal = t.get("goal") if isinstance(t.get("goal"), dict) else {}
    per_core = number(t.get("exec_per_sec_per_core"))
    met = goal.get("met")
    goal_txt = ""
    if number(goal.get("min_exec_per_sec_per_core")) is not None:
        word = {True: "met", False: "not met"}.get(met, "n/a")
        cls = {True: "good", False: "bad"}.get(met, "muted")
        goal_txt = (f'<span class="{cls}" title="{page.esc(goal.get("why", ""))}">{word} '
                    f'(≥{svg.short_number(goal["min_exec_per_sec_per_core"])} '
                    f"{page.esc(goal.get('class', ''))})</span>")
    if t.get("engine") == "afl" or number(t.get("coverage")) is None:
        cov = f"{page.fmt_int(t.get('edges'))} / {page.fmt_int(t.get('total_edges'))} edges"
    else:
        cov = f"{page.fmt_int(t.get('coverage'))} / {page.fmt_int(t.get('features'))}"
    corpus = t.get("corpus") if isinstance(t.get("corpus"), dict) else {}
    merged = corpus.get("after_merge")
    merged_txt = page.fmt_int(merged) if merged is not None else (
        '<span class="bad">merge error</span>' if corpus.get("merge") else "–")
    crashes = [c for c in t.get("crashes") or [] if isinstance(c, dict)]
    new = sum(1 for c in crashes if c.get("status") == "new")
    known = len(crashes) - new
    status = str(t.get("status", "?"))
    status_html = page.esc(status) if status == "done" else f'<span class="bad">{page.esc(status)}</span>'
    if t.get("error"):
        status_html += f'<br><span class="small bad">{page.esc(t["error"])}</span>'
    target = f"<code>{page.esc(t.get('target', '?'))}</code>"
    if t.get("engine") and t.get("engine") != "libfuzzer":
        target += f' <span class="small muted">{page.esc(t["engine"])}</span>'
    row = [target, status_html, page.fmt_int(t.get("execs")), page.fmt_int(t.get("exec_per_sec")),
           page.fmt_int(per_core), goal_txt, cov,
           f"{page.fmt_int(corpus.get('seeds'))} → {page.fmt_int(corpus.get('work'))} → {merged_txt}",
           f'<span class="{"bad" if new else ""}">{new}</span> / {known}',
           page.fmt_int(t.get("peak_rss_mb"))]
    return row, ("row-fail" if new or status == "error" else "")


def _crash_rows(crashes: list[dict], out_dir: str) -> list[list[str]]:
    rows = []
    for c in crashes:
        cid, fuzz_dir = str(c.get("id", "")), c["_dir"]
        repro = locate(c.get("reproducer"), fuzz_dir, cid)
        inp = locate(c.get("input"), fuzz_dir, cid)
        links = []
        if repro:
            links.append(page.link(repro, out_dir, "repro.sh"))
        elif c.get("reproducer"):
            links.append(f'<code>{page.esc(c["reproducer"])}</code> <span class="muted">(missing)</span>')
        if inp:
            links.append(page.link(inp, out_dir, "input"))
        report_txt = os.path.join(os.path.dirname(repro), "report.txt") if repro else None
        if report_txt and os.path.isfile(report_txt):
            links.append(page.link(report_txt, out_dir, "report"))
        status = str(c.get("status", "?"))
        flaky = ' <span class="mid">flaky</span>' if c.get("flaky") else ""
        rows.append([f"<code>{page.esc(cid)}</code>",
                     f'<span class="{"bad" if status == "new" else "muted"}">{page.esc(status)}</span>{flaky}',
                     page.esc(c.get("type", "")), page.esc(", ".join(map(str, c.get("targets") or []))),
                     f"<code>{page.esc(c.get('signature', ''))}</code>",
                     page.esc(c.get("reproduced", "")), " · ".join(links) or "–"])
    return rows


def _combine(summaries: list[tuple[str, dict]]) -> dict:
    """One campaign from several (a CI matrix fuzzes each target in its own job): targets
    and crashes side by side, the worst exit code, each crash remembering its directory."""
    if len(summaries) == 1:
        d, s = summaries[0]
        return dict(s, crashes=[dict(c, _dir=d) for c in s.get("crashes") or [] if isinstance(c, dict)])
    first = summaries[0][1]
    out = {k: first.get(k) for k in ("engine", "time_per_target_s", "jobs", "cores", "merge")}
    out["started"] = min(str(s.get("started", "")) for _, s in summaries)
    out["finished"] = max(str(s.get("finished", "")) for _, s in summaries)
    out["targets"], out["crashes"], codes = [], [], []
    for d, s in summaries:
        out["targets"] += [t for t in s.get("targets") or [] if isinstance(t, dict)]
        out["crashes"] += [dict(c, _dir=d) for c in s.get("crashes") or [] if isinstance(c, dict)]
        codes.append(s.get("exit_code"))
    ranked = sorted((c for c in codes if isinstance(c, int) and not isinstance(c, bool)),
                    key=lambda c: {0: 0, 1: 1}.get(c, 2))
    if ranked:
        out["exit_code"] = ranked[-1]
    out["new_crashes"] = sum(1 for c in out["crashes"] if c.get("status") == "new")
    return out


def build(fuzz_dirs: list[str], out_dir: str) -> Section:
    """The section for one campaign directory, or several shown as one."""
    summary_ins = [inputs.read_json(os.path.join(d, "summary.json")) for d in fuzz_dirs]
    stats_ins = [inputs.read_jsonl(os.path.join(d, "stats.jsonl")) for d in fuzz_dirs]
    used = summary_ins + stats_ins
    names = ", ".join(i.path for i in summary_ins)
    if all(i.missing for i in summary_ins):
        stage = Stage("fuzz", "Fuzzing", "not run", note=f"no {names}", anchor="fuzz")
        return Section("fuzz", stage, page.not_run(f"No fuzzing summary at {names}."),
                       {"status": "not run"}, used, summary_ins)
    good = [(d, i.data) for d, i in zip(fuzz_dirs, summary_ins) if i.ok]
    if not good:
        stage = Stage("fuzz", "Fuzzing", "error", note="; ".join(i.describe() for i in summary_ins),
                      anchor="fuzz")
        return Section("fuzz", stage, page.problems(summary_ins), {"status": "error"}, used, summary_ins)
    s = _combine(good)
    targets = [t for t in s.get("targets") or [] if isinstance(t, dict)]
    crashes = s["crashes"]
    for d, raw in good:
        if not isinstance(raw.get("targets"), list):
            next(i for i in summary_ins if i.data is raw).warnings.append("no `targets` list")
    status, why = _status(s, targets)
    bad = [i for i in summary_ins if not i.ok]
    if bad:
        status, why = "error", "; ".join([why] + [i.describe() for i in bad] if why else
                                         [i.describe() for i in bad])
    execs = sum(number(t.get("execs"), 0) for t in targets)
    new = sum(1 for c in crashes if c.get("status") == "new")
    known = len(crashes) - new
    figure = (f"{len(targets)} targets · {svg.short_number(execs)} execs · "
              f"{new} new / {known} known crashes")
    stage = Stage("fuzz", "Fuzzing", status, figure, why, anchor="fuzz")

    body = [page.tiles([
        (str(len(targets)), "targets", ""), (svg.short_number(execs), "executions", ""),
        (f"{page.fmt_int(s.get('time_per_target_s'))} s", "per target", ""),
        (str(new), "new crashes", "fail" if new else ""), (str(known), "known crashes", "")])]
    meta = [f"engine <b>{page.esc(s.get('engine', '?'))}</b>",
            f"{page.fmt_int(s.get('jobs'))} job(s) on {page.fmt_int(s.get('cores'))} core(s)",
            f"started {page.esc(s.get('started', '?'))}", f"finished {page.esc(s.get('finished', '?'))}",
            "corpus merged back" if s.get("merge") else "corpus not merged (--no-merge)"]
    if len(good) > 1:
        meta.insert(0, f"{len(good)} campaigns")
    body.append(f'<p class="muted">{" · ".join(meta)}</p>')
    rows, classes = zip(*[_target_row(t) for t in targets]) if targets else ((), ())
    body.append(page.table(["target", "status", "execs", "exec/s", "exec/s/core", "goal (per core)",
                            "cov / ft", "corpus seeds → work → merged", "crashes new / known",
                            "peak RSS MB"], list(rows), num=(2, 3, 4, 9), cls="wide tight",
                           row_classes=list(classes)))
    series = coverage_series([r for i in stats_ins for r in (i.data or [])])
    for metric, per_target in series.items():
        label = "coverage (libFuzzer cov)" if metric == "coverage" else "edges (AFL++)"
        body.append(svg.line_chart(list(per_target.items()), chart_id=f"fuzz-{metric}",
                                   title=f"Coverage over time: {label} per target",
                                   x_label="seconds since the campaign started", y_label=label))
    if not series:
        missing = [i.path for i in stats_ins if i.missing]
        why_none = f"no {', '.join(missing)}" if missing else "no coverage figures in the stats"
        body.append(f'<p class="muted">No coverage-over-time plot: {page.esc(why_none)}.</p>')
    body.append("<h3>Crashes</h3>")
    if crashes:
        body.append(page.table(["id", "status", "type", "targets", "signature", "reproduced",
                                "files"], _crash_rows(crashes, out_dir), cls="wide"))
    else:
        body.append("<p>None.</p>")
    for d in fuzz_dirs:
        files = [page.link(os.path.join(d, n), out_dir, n)
                 for n in ("summary.md", "summary.json", "stats.jsonl") if os.path.isfile(os.path.join(d, n))]
        if files:
            where = f" ({page.esc(d)})" if len(fuzz_dirs) > 1 else ""
            body.append(f"<p>Details{where}: {' · '.join(files)}</p>")
    body.append(page.problems(used))
    summary = {"status": status, "targets": len(targets), "execs": execs, "new_crashes": new,
               "known_crashes": known,
               "exec_per_sec": {t.get("target"): t.get("exec_per_sec") for t in targets}}
    return Section("fuzz", stage, "".join(body), summary, used, summary_ins)
