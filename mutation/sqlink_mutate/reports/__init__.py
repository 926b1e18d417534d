"""The report stage: turns a finished run (a mutation-testing-elements report dict and the
run summary) into the files people and CI read. Reads nothing but its arguments.

    summary.md      scores, gate, kill rate per file, surviving mutants as diffs
    mutation.sarif  survived / not-covered mutants for code scanning
    index.html      a self-contained page drawing the report offline
    mutation.json   the report itself (on request)

Scores come from `scores`, the definition the gate shares.
"""
from __future__ import annotations

from pathlib import Path

from .mutant_text import mutant_diff, mutated_source, original_text
from .html import render_html, write_html
from .json_report import write_json
from .markdown import render_markdown, write_markdown
from .sarif import build_sarif, write_sarif
from .scores import Counts, count, file_counts, format_score, overall_counts

__all__ = [
    "write_reports", "write_markdown", "write_sarif", "write_html", "write_json",
    "render_markdown", "build_sarif", "render_html",
    "Counts", "count", "file_counts", "overall_counts", "format_score",
    "mutant_diff", "mutated_source", "original_text",
]


def write_reports(report: dict, summary: dict, out_dir: Path, *,
                  json_report: bool = False) -> list[Path]:
    """Write every report into out_dir (created if missing); return the paths written, in
    order. mutation.json is written first when asked for, so the data survives a writer
    that fails on it."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [write_json(report, out_dir)] if json_report else []
    written.append(write_markdown(report, summary, out_dir))
    written.append(write_sarif(report, out_dir))
    written.append(write_html(report, summary, out_dir))
    return written
