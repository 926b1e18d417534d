"""index.html: one self-contained page (no network, no external file) that draws the report
with vanilla JavaScript: score, kill rate per file, each file's source with its mutants.

The page is page/template.html with page/style.css, page/app.js and two JSON blocks pasted
in. JSON goes inside <script type="application/json">, where the HTML parser ends the
element at the first "</script"; every "<", ">" and "&" in the JSON is therefore written as
a \\u escape, which JSON.parse reads back as the same character, so no source text (say, a
C++ string holding "</script>") can end the block early.
"""
from __future__ import annotations

import html as html_escape
import json
import re
from pathlib import Path

from . import scores

FILENAME = "index.html"
PAGE_DIR = Path(__file__).resolve().parent / "page"
_PLACEHOLDER = re.compile(r"@(TITLE|STYLE|SCRIPT|REPORT|SCORES)@")
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                 "\u2028": "\\u2028", "\u2029": "\\u2029"}


def write_html(report: dict, summary: dict, out_dir: Path) -> Path:
    path = Path(out_dir) / FILENAME
    path.write_text(render_html(report, summary), encoding="utf-8")
    return path


def render_html(report: dict, summary: dict) -> str:
    script = (PAGE_DIR / "app.js").read_text(encoding="utf-8")
    style = (PAGE_DIR / "style.css").read_text(encoding="utf-8")
    for name, text in (("app.js", script), ("style.css", style)):
        if re.search(r"</(script|style)", text, re.IGNORECASE):
            raise ValueError(f"{name} must not contain a closing </script> or </style> tag")
    values = {
        "TITLE": html_escape.escape(_title(report)),
        "STYLE": style,
        "SCRIPT": script,
        "REPORT": embed_json(report),
        "SCORES": embed_json(page_scores(report, summary)),
    }
    template = (PAGE_DIR / "template.html").read_text(encoding="utf-8")
    # One pass, so text pasted in (a report containing "@SCRIPT@") is never substituted again.
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def embed_json(value) -> str:
    """JSON safe to paste between <script type="application/json"> and </script>."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group(0)], text)


def page_scores(report: dict, summary: dict) -> dict:
    """What the page shows as numbers, computed here so it matches the other writers."""
    thresholds = report.get("thresholds")

    def entry(counts: scores.Counts) -> dict:
        out = counts.as_dict()
        out.update(errors=counts.compile_error + counts.runtime_error,
                   scoreText=scores.format_score(counts.score),
                   coveredScore=counts.covered_score,
                   coveredScoreText=scores.format_score(counts.covered_score),
                   band=scores.score_band(counts.score, thresholds))
        return out

    return {
        "statuses": [[status, label] for status, _, label in scores.STATUSES],
        "keys": dict(scores.STATUS_KEY),
        "overall": entry(scores.overall_counts(report)),
        "files": {path: entry(c) for path, c in scores.file_counts(report).items()},
        "summary": summary or {},
    }


def _title(report: dict) -> str:
    root = report.get("projectRoot")
    name = Path(root).name if root else ""
    return f"Mutation report{' — ' + name if name else ''}"
