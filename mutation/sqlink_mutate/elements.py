"""The mutation-testing-elements report (schemaVersion 2) and the summary the gate reads."""
from __future__ import annotations

import os
import platform
from pathlib import Path

from . import __version__
from .execute import IGNORED
from .reports import scores


def build(project_root: Path, points: dict, verdicts: dict[int, dict], tests: list,
          performance: dict, config: dict, extra_files: dict[str, str] | None = None) -> dict:
    """verdicts: mutant id -> {status, statusReason, killedBy, coveredBy, duration, testsCompleted}."""
    files: dict[str, dict] = {}
    for f in points["files"]:
        path = f["path"]
        try:
            source = (project_root / path).read_text(errors="replace")
        except OSError:
            source = ""
        files[path] = {"language": "cpp", "source": source, "mutants": []}
    line_cache: dict[str, list[bytes]] = {}

    def char_column(path: str, line: int, column: int) -> int:
        """The finder counts bytes; the report counts characters (code points)."""
        if path not in line_cache:
            line_cache[path] = files[path]["source"].encode().splitlines() if path in files else []
        lines = line_cache[path]
        if not 0 < line <= len(lines):
            return column
        return len(lines[line - 1][:column - 1].decode("utf-8", "replace")) + 1

    for m in points["mutants"]:
        v = verdicts.get(m["id"])
        if v is None:
            continue  # not selected (--in-diff, --shard)
        mutant = {
            "id": str(m["id"]),
            "mutatorName": m["operator"],
            "replacement": m["replacement"],
            "description": f"{m['original']} -> {m['replacement']} in {m.get('function', '?')}",
            "location": {"start": {"line": m["line"],
                                   "column": char_column(m["file"], m["line"], m["column"])},
                         "end": {"line": m["end_line"],
                                 "column": char_column(m["file"], m["end_line"], m["end_column"])}},
            "status": v["status"],
            "statusReason": v.get("statusReason", ""),
            "static": False,
            "sqlinkKey": m["key"],
        }
        for field in ("killedBy", "coveredBy", "duration", "testsCompleted"):
            if field in v:
                mutant[field] = v[field]
        files[m["file"]]["mutants"].append(mutant)
    for n, s in enumerate(points.get("suppressed", []), 1):
        entry = files.setdefault(s["file"], {"language": "cpp", "source": "", "mutants": []})
        lines = entry["source"].splitlines()
        width = len(lines[s["line"] - 1]) if 0 < s["line"] <= len(lines) else 0
        entry["mutants"].append({
            "id": f"s{n}", "mutatorName": s["operator"], "replacement": "",
            "description": f"suppressed {s['operator']}",
            "location": {"start": {"line": s["line"], "column": 1},
                         "end": {"line": s["line"], "column": width + 1}},
            "status": IGNORED,
            "statusReason": "suppressed: " + ((s.get("reason") or "").lstrip("-—–: ")
                                              or "no reason given"),
            "static": False})
    test_files: dict[str, dict] = {}
    for t in tests:
        key = os.path.relpath(t.file, project_root) if t.file and os.path.isabs(t.file) else (t.file or "")
        entry = test_files.setdefault(key, {"tests": []})
        test = {"id": t.id, "name": t.name}
        if t.line:
            test["location"] = {"start": {"line": int(t.line), "column": 1}}
        entry["tests"].append(test)
    return {
        "$schema": "https://git.io/mutation-testing-schema",
        "schemaVersion": "2",
        "thresholds": {"high": 90, "low": 75},
        "projectRoot": str(project_root),
        "files": files,
        "testFiles": test_files,
        "framework": {"name": "sqlink-mutate", "version": __version__,
                      "branding": {"homepageUrl": "", "imageUrl": ""}},
        "system": {"ci": bool(os.environ.get("CI")),
                   "os": {"platform": platform.system(), "version": platform.release()},
                   "cpu": {"logicalCores": os.cpu_count() or 0, "model": platform.machine()}},
        "performance": performance,
        "config": config,
    }


def summarise(report: dict, duration_s: float, fallback: list[str], flaky: list[str]) -> dict:
    """Counts and scores (reports.scores holds the one definition), overall and per file.

    A score is None when no mutant is valid (nothing to judge)."""
    overall = scores.overall_counts(report).as_dict()
    per_file = {path: c.as_dict() for path, c in sorted(scores.file_counts(report).items())
                if c.total}
    return {**overall, "duration_s": round(duration_s, 1), "fallback_files": fallback,
            "flaky_tests": sorted(flaky), "files": per_file}
