"""summary.md: the Markdown a CI job posts (step summary, PR comment): score, gate, kill rate
per file, and every surviving mutant as a diff a reviewer can read without the HTML page.

Sizes are capped (MAX_SURVIVOR_DIFFS, MAX_LOCATIONS_PER_ROW) because the places this text is
posted to have limits (a GitHub comment holds 65536 characters); the full data is in the
JSON and HTML reports.
"""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from . import scores
from .mutant_text import mutant_diff
from .testnames import names_of, test_names

FILENAME = "summary.md"
MAX_SURVIVOR_DIFFS = 100
MAX_LOCATIONS_PER_ROW = 8

# Columns of the per-file table: header, value from Counts.
FILE_COLUMNS = (
    ("Mutants", lambda c: c.total),
    ("Killed", lambda c: c.killed),
    ("Survived", lambda c: c.survived),
    ("Timeout", lambda c: c.timeout),
    ("No coverage", lambda c: c.no_coverage),
    ("Ignored", lambda c: c.ignored),
    ("Errors", lambda c: c.compile_error + c.runtime_error),
)


def write_markdown(report: dict, summary: dict, out_dir: Path) -> Path:
    path = Path(out_dir) / FILENAME
    path.write_text(render_markdown(report, summary), encoding="utf-8")
    return path


def render_markdown(report: dict, summary: dict) -> str:
    summary = summary or {}
    per_file = scores.file_counts(report)
    overall = scores.overall_counts(report)
    names = test_names(report)
    parts = [
        _headline(overall, len(per_file), summary),
        _gate(summary.get("gate")),
        _file_table(per_file, overall),
        _listed("Files mutated one mutant at a time", "Their mutant schema did not compile, so "
                "each of their mutants was built on its own.", summary.get("fallback_files")),
        _listed("Flaky tests", "These tests did not give the same result twice.",
                summary.get("flaky_tests")),
        _survivors(report, names),
        _not_covered(report),
        _not_scored(report),
    ]
    return "\n".join(part for part in parts if part)


def _headline(overall: scores.Counts, n_files: int, summary: dict) -> str:
    lines = ["# Mutation testing", ""]
    text = (f"**Mutation score: {_pct(overall.score)}** "
            f"(covered code: {_pct(overall.covered_score)}) · "
            f"{_n(overall.total, 'mutant')} in {_n(n_files, 'file')}")
    if summary.get("duration_s") is not None:
        text += f" · {summary['duration_s']:.1f} s"
    lines += [text, ""]
    headers = [label for _, _, label in scores.STATUSES] + ["Total"]
    values = [getattr(overall, key) for _, key, _ in scores.STATUSES] + [overall.total]
    lines += [_row(headers), _row(["---:"] * len(headers)), _row(map(str, values)), ""]
    return "\n".join(lines)


def _gate(gate: dict | None) -> str:
    if not gate:
        return "## Gate: not evaluated\n"
    verdict = "passed" if gate.get("passed") else "FAILED"
    lines = [f"## Gate: {verdict}", ""]
    lines += [f"- {_text(reason)}" for reason in gate.get("reasons", ())]
    lines += [f"- note: {_text(note)}" for note in gate.get("notes", ())]
    if gate.get("baseline_score") is not None:
        if gate.get("reasons") or gate.get("notes"):
            lines.append("")
        lines.append(f"Baseline score: {_pct(gate['baseline_score'])}")
    return "\n".join(lines) + "\n"


def _file_table(per_file: dict[str, scores.Counts], overall: scores.Counts) -> str:
    headers = ["File"] + [label for label, _ in FILE_COLUMNS] + ["Score"]
    lines = ["## Kill rate per file", "", _row(headers),
             _row([":---"] + ["---:"] * (len(headers) - 1))]
    for path, counts in per_file.items():
        lines.append(_row([_code(path)] + _file_cells(counts)))
    lines.append(_row(["**All files**"] + [f"**{c}**" for c in _file_cells(overall)]))
    return "\n".join(lines) + "\n"


def _file_cells(counts: scores.Counts) -> list[str]:
    return [str(value(counts)) for _, value in FILE_COLUMNS] + [_pct(counts.score)]


def _listed(title: str, explanation: str, items) -> str:
    if not items:
        return ""
    lines = [f"## {title}", "", explanation, ""]
    lines += [f"- {_code(str(item))}" for item in items]
    return "\n".join(lines) + "\n"


def _survivors(report: dict, names: dict[str, str]) -> str:
    survivors = [(path, m) for path, m in scores.iter_mutants(report)
                 if m["status"] == "Survived"]
    if not survivors:
        return ""
    lines = [f"## Surviving mutants ({len(survivors)})", "",
             "No test failed with these changes applied.", ""]
    files = report["files"]
    for path, mutant in survivors[:MAX_SURVIVOR_DIFFS]:
        lines.append(f"### Mutant {_text(str(mutant['id']))} · {_code(mutant['mutatorName'])} · "
                     f"{_code(_where(path, mutant, column=True))}")
        lines.append("")
        if mutant.get("description"):
            lines += [_text(mutant["description"]), ""]
        covered = names_of(mutant.get("coveredBy"), names)
        lines.append("Covered by: " + (", ".join(_code(n) for n in covered) if covered
                                       else "no recorded test"))
        lines.append("")
        try:
            diff = mutant_diff(path, files[path]["source"], mutant)
        except (ValueError, KeyError) as err:
            lines += [f"(no diff: {_text(str(err))})", ""]
            continue
        fence = "`" * max(3, _longest_run(diff, "`") + 1)
        lines += [fence + "diff", diff.rstrip("\n"), fence, ""]
    if len(survivors) > MAX_SURVIVOR_DIFFS:
        lines += [f"… and {len(survivors) - MAX_SURVIVOR_DIFFS} more surviving mutants: see "
                  "the HTML or JSON report.", ""]
    return "\n".join(lines)


def _not_covered(report: dict) -> str:
    mutants = [(path, m) for path, m in scores.iter_mutants(report)
               if m["status"] == "NoCoverage"]
    if not mutants:
        return ""
    lines = [f"## Not covered by any test ({len(mutants)})", "", "<details>",
             f"<summary>{_n(len(mutants), 'mutant')} that no test reaches</summary>", "",
             _row(["Mutant", "Operator", "Where", "Replacement"]), _row(["---:", ":---", ":---",
                                                                        ":---"])]
    for path, m in mutants:
        lines.append(_row([_text(str(m["id"])), _code(m["mutatorName"]),
                           _code(_where(path, m, column=True)), _code(m.get("replacement", ""))]))
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def _not_scored(report: dict) -> str:
    """Ignored, CompileError and RuntimeError mutants grouped by status and reason: a
    suppressed block yields one row, not one per mutant."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path, m in scores.iter_mutants(report):
        if m["status"] in scores.NOT_SCORED:
            reason = m.get("statusReason") or "(no reason given)"
            groups[(m["status"], reason)].append(_where(path, m))
    if not groups:
        return ""
    total = sum(len(v) for v in groups.values())
    lines = [f"## Not scored ({total})", "", "<details>",
             f"<summary>{_n(total, 'mutant')} ignored or not runnable, by reason</summary>", "",
             _row(["Status", "Reason", "Mutants", "Where"]), _row([":---", ":---", "---:", ":---"])]
    order = {status: i for i, (status, _, _) in enumerate(scores.STATUSES)}
    for (status, reason), where in sorted(groups.items(),
                                          key=lambda kv: (order[kv[0][0]], -len(kv[1]), kv[0][1])):
        unique = list(dict.fromkeys(where))
        shown = ", ".join(_code(w) for w in unique[:MAX_LOCATIONS_PER_ROW])
        if len(unique) > MAX_LOCATIONS_PER_ROW:
            shown += f" … +{len(unique) - MAX_LOCATIONS_PER_ROW} more"
        lines.append(_row([scores.STATUS_LABEL[status], _text(reason), str(len(where)), shown]))
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def _where(path: str, mutant: dict, column: bool = False) -> str:
    start = mutant["location"]["start"]
    return f"{path}:{start['line']}" + (f":{start['column']}" if column else "")


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _pct(score: float | None) -> str:
    text = scores.format_score(score)
    return text if score is None else text + " %"


def _row(cells) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _cell(text: str) -> str:
    # A pipe ends a cell even inside a code span; GFM reads "\|" as a literal one there too.
    return text.replace("\r", " ").replace("\n", " ").replace("|", "\\|")


def _code(text: str) -> str:
    """An inline code span that holds any text, backticks included."""
    text = text.replace("\r", " ").replace("\n", " ")
    fence = "`" * (_longest_run(text, "`") + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def _text(text: str) -> str:
    """Plain text with Markdown and HTML syntax escaped."""
    return _MD_SPECIAL.sub(r"\\\1", text.replace("\r", " ").replace("\n", " "))


def _longest_run(text: str, char: str) -> int:
    return max((len(run) for run in re.findall(re.escape(char) + "+", text)), default=0)
