"""The mutation-testing section, from reports/mutation/mutation.json (mutation-testing-elements,
schemaVersion 2) and summary.json (the gate): kill rate overall and per file, the survivors.

Scores follow mutation/sqlink_mutate/reports/scores.py (Stryker's): detected = Killed +
Timeout over valid = all but Ignored, CompileError, RuntimeError; the covered score also
leaves NoCoverage out. No valid mutant gives "n/a", never 0 or 100.
"""
from __future__ import annotations

import os

from . import inputs, page, svg
from .inputs import number
from .stage import Section, Stage

# status in the report: key in summary.json, label, bar colour
STATUSES = (
    ("Killed", "killed", "killed", "#1a7f37"),
    ("Timeout", "timeout", "timeout", "#4ac26b"),
    ("Survived", "survived", "survived", "#cf222e"),
    ("NoCoverage", "no_coverage", "no coverage", "#fb8f44"),
    ("Ignored", "ignored", "ignored", "#afb8c1"),
    ("CompileError", "compile_error", "compile error", "#8c959f"),
    ("RuntimeError", "runtime_error", "runtime error", "#6e7781"),
    ("Pending", "pending", "pending", "#d4a72c"),  # a cut-short run did not reach it: not scored
)
KEY = {s: k for s, k, _, _ in STATUSES}
MAX_SURVIVORS_SHOWN = 300


def new_counts() -> dict:
    return {k: 0 for _, k, _, _ in STATUSES} | {"other": 0}


def scores(c: dict) -> tuple[float | None, float | None]:
    total = sum(c.values())
    detected = c["killed"] + c["timeout"]
    valid = total - c["other"] - c["ignored"] - c["compile_error"] - c["runtime_error"] - c["pending"]
    score = detected * 100.0 / valid if valid > 0 else None
    covered_valid = valid - c["no_coverage"]
    covered = detected * 100.0 / covered_valid if covered_valid > 0 else None
    return score, covered


def original_text(source, loc) -> str | None:
    """The source a mutant replaces: location lines and columns are 1-based, end exclusive."""
    try:
        (sl, sc), (el, ec) = ((loc["start"]["line"], loc["start"]["column"]),
                              (loc["end"]["line"], loc["end"]["column"]))
        lines = source.split("\n")
        if sl == el:
            return lines[sl - 1][sc - 1:ec - 1]
        return "\n".join([lines[sl - 1][sc - 1:]] + lines[sl:el - 1] + [lines[el - 1][:ec - 1]])
    except (KeyError, TypeError, IndexError, AttributeError):
        return None


def _short(text: str, n: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 1] + "…"


def analyse(report: dict, inp: inputs.Input) -> dict:
    """Counts per file and overall, and the survivors, from a report; what does not fit the
    schema is skipped and noted on the input."""
    files = report.get("files")
    if not isinstance(files, dict):
        inp.problem = "malformed: no `files` object (not a mutation-testing-elements report)"
        return {}
    per_file, overall, survivors, skipped, unknown = {}, new_counts(), [], 0, set()
    for path, entry in sorted(files.items()):
        mutants = entry.get("mutants") if isinstance(entry, dict) else None
        if not isinstance(mutants, list):
            skipped += 1
            continue
        c = new_counts()
        source = entry.get("source") if isinstance(entry.get("source"), str) else None
        for m in mutants:
            if not isinstance(m, dict) or not isinstance(m.get("status"), str):
                skipped += 1
                continue
            key = KEY.get(m["status"])
            if key is None:
                unknown.add(m["status"])
                key = "other"
            c[key] += 1
            overall[key] += 1
            if m["status"] == "Survived":
                loc = m.get("location") if isinstance(m.get("location"), dict) else {}
                start = loc.get("start") if isinstance(loc.get("start"), dict) else {}
                survivors.append({
                    "file": path, "line": number(start.get("line"), 0),
                    "column": number(start.get("column"), 0), "id": str(m.get("id", "")),
                    "mutator": str(m.get("mutatorName", "?")),
                    "original": original_text(source, loc) if source else None,
                    "replacement": m.get("replacement"),
                    "covered_by": len(m.get("coveredBy") or []) if isinstance(m.get("coveredBy"), list) else None,
                    "reason": m.get("statusReason") if isinstance(m.get("statusReason"), str) else ""})
        per_file[path] = c
    if skipped:
        inp.warnings.append(f"{skipped} file(s) or mutant(s) not in the schema were skipped")
    if unknown:
        inp.warnings.append("unknown mutant status(es) not scored: " + ", ".join(sorted(unknown)))
    survivors.sort(key=lambda s: (s["file"], s["line"], s["column"], s["id"]))
    return {"files": per_file, "overall": overall, "survivors": survivors,
            "tests": len(report.get("testFiles") or {}) if isinstance(report.get("testFiles"), dict) else None,
            "thresholds": report.get("thresholds") if isinstance(report.get("thresholds"), dict) else {}}


def band(score: float | None, thresholds: dict) -> str:
    if score is None:
        return "muted"
    if score >= number(thresholds.get("high"), 80):
        return "good"
    return "mid" if score >= number(thresholds.get("low"), 60) else "bad"


def _bar(c: dict) -> str:
    return svg.stacked_bar([(c[k], colour, label) for _, k, label, colour in STATUSES])


def _gate(summary: dict | None) -> tuple[str | None, list[str], list[str]]:
    """The gate's verdict, its reasons, and its notes (what it could not judge: a run cut
    short by --max-time)."""
    gate = summary.get("gate") if isinstance(summary, dict) else None
    if not isinstance(gate, dict) or not isinstance(gate.get("passed"), bool):
        return None, [], []
    def texts(key: str) -> list[str]:
        value = gate.get(key)
        return [str(r) for r in value] if isinstance(value, list) else []
    return ("pass" if gate["passed"] else "fail"), texts("reasons"), texts("notes")


def build(mutation_dir: str, out_dir: str) -> Section:
    report_path = os.path.join(mutation_dir, "mutation.json")
    summary_path = os.path.join(mutation_dir, "summary.json")
    r_in, s_in = inputs.read_json(report_path), inputs.read_json(summary_path)
    used = [r_in, s_in]
    if r_in.missing and s_in.missing:
        stage = Stage("mutation", "Mutation testing", "not run", note=f"no {report_path}",
                      anchor="mutation")
        return Section("mutation", stage, page.not_run(f"No mutation report at {report_path}."),
                       {"status": "not run"}, used, [r_in])
    a = analyse(r_in.data, r_in) if r_in.ok else {}
    summary = s_in.data if s_in.ok else None
    gate, reasons, gate_notes = _gate(summary)
    if a:
        c = a["overall"]
        score, covered = scores(c)
    elif summary:  # no usable report: the summary's own figures
        c = new_counts() | {k: int(number(summary.get(k), 0)) for _, k, _, _ in STATUSES}
        score, covered = number(summary.get("score")), number(summary.get("covered_score"))
    else:
        stage = Stage("mutation", "Mutation testing", "error", note=r_in.describe(), anchor="mutation")
        return Section("mutation", stage, page.problems(used), {"status": "error"}, used, [r_in])
    total = sum(c.values())
    survivors = a.get("survivors", [])
    status = gate or "done"
    notes = []
    if not r_in.ok:
        status = "error"
        notes.append(r_in.describe())
    if gate == "fail":
        notes.append("gate failed" + (": " + "; ".join(reasons) if reasons else ""))
    notes += gate_notes
    figure = (f"score {page.fmt_pct(score)} (covered {page.fmt_pct(covered)}) · "
              f"{c['survived']} survived of {total}")
    stage = Stage("mutation", "Mutation testing", status, figure, "; ".join(notes), anchor="mutation")

    th = a.get("thresholds", {})
    # A cut-short run has judged every NoCoverage mutant but only some of the others: say so
    # on the tile, where the score is read without its notes.
    partial = f" so far ({c['pending']} pending)" if c["pending"] else ""
    body = [page.tiles([
        (page.fmt_pct(score), "mutation score" + partial, band(score, th)),
        (page.fmt_pct(covered), "covered score (no NoCoverage)", band(covered, th)),
        (str(c["killed"] + c["timeout"]), "killed (incl. timeout)", ""),
        (str(c["survived"]), "survived", "bad" if c["survived"] else ""),
        (str(c["no_coverage"]), "no coverage", ""), (str(total), "mutants", "")])]
    if gate:
        text = "passed" if gate == "pass" else "failed"
        body.append(f"<p>Gate: {page.badge(gate, text)} "
                    + page.esc("; ".join(reasons)) + "</p>")
        body += [f'<p class="muted">Gate note: {page.esc(n)}</p>' for n in gate_notes]
    elif summary is None:
        body.append('<p class="muted">No gate result (no summary.json).</p>')
    if summary and number(summary.get("score")) is not None and score is not None \
            and abs(summary["score"] - score) > 0.01:
        body.append(f'<div class="problem">{page.esc(summary_path)} says score '
                    f"{page.fmt_pct(summary['score'])}; the report's mutants give {page.fmt_pct(score)}.</div>")
    extra = []
    if summary and number(summary.get("duration_s")) is not None:
        extra.append(f"took {page.fmt_seconds(summary['duration_s'])}")
    if a.get("tests") is not None:
        extra.append(f"{a['tests']} test file(s)")
    html_page = os.path.join(mutation_dir, "index.html")
    if os.path.isfile(html_page):
        extra.append(page.link(html_page, out_dir, "the mutation report page"))
    if extra:
        body.append(f'<p class="muted">{" · ".join(extra)}</p>')
    if a.get("files"):
        rows, classes = [], []
        for path, fc in a["files"].items():
            fs, fcov = scores(fc)
            rows.append([f"<code>{page.esc(path)}</code>", str(sum(fc.values())),
                         str(fc["killed"] + fc["timeout"]), str(fc["survived"]),
                         str(fc["no_coverage"]), str(fc["ignored"] + fc["compile_error"] + fc["runtime_error"] + fc["pending"]),
                         f'<span class="{band(fs, th)}">{page.fmt_pct(fs)}</span>',
                         f'<span class="{band(fcov, th)}">{page.fmt_pct(fcov)}</span>', _bar(fc)])
            classes.append("row-fail" if fc["survived"] else "")
        body.append("<h3>Per file</h3>" + page.table(
            ["file", "mutants", "killed", "survived", "no coverage", "not scored", "score",
             "covered", ""], rows, num=(1, 2, 3, 4, 5, 6, 7), cls="wide", row_classes=classes))
    if a:
        body.append(f"<h3>Surviving mutants ({len(survivors)})</h3>")
        if not survivors:
            body.append("<p>None: every covered mutant was killed.</p>")
        rows = []
        for s in survivors[:MAX_SURVIVORS_SHOWN]:
            orig = s["original"]
            repl = s["replacement"] if isinstance(s["replacement"], str) else None
            change = (f"<code>{page.esc(_short(orig))}</code> → " if orig is not None else "") + \
                (f"<code>{page.esc(_short(repl))}</code>" if repl is not None else "–")
            covered_by = "–" if s["covered_by"] is None else str(s["covered_by"])
            rows.append([f"<code>{page.esc(s['file'])}:{s['line']}</code>", page.esc(s["mutator"]),
                         change, covered_by, page.esc(s["reason"])])
        if rows:
            body.append(page.table(["where", "mutator", "original → replacement", "covering tests",
                                    "note"], rows, num=(3,), cls="wide"))
        if len(survivors) > MAX_SURVIVORS_SHOWN:
            body.append(f'<p class="muted">{len(survivors) - MAX_SURVIVORS_SHOWN} more in '
                        f"{page.link(report_path, out_dir, 'mutation.json')}.</p>")
    body.append(page.problems(used))
    out = {"status": status, "score": score, "covered_score": covered, "total": total,
           **{k: v for k, v in c.items() if k != "other"}, "gate": gate}
    return Section("mutation", stage, "".join(body), out, used, [r_in])
