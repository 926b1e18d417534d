"""mutation.sarif: undetected mutants as SARIF 2.1.0 results, so code scanning (GitHub, IDEs)
shows them on the lines they change. Survived is a warning, NoCoverage a note; one rule per
mutation operator.

A result's fingerprint must not change between runs while the code it points at does not,
and mutant ids are renumbered whenever any file changes; so the key is the driver's own
"sqlinkKey" when a mutant has one, else a hash of file, operator, original text, replacement
and which occurrence of that combination in the file it is.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from . import scores
from .mutant_text import original_text
from .testnames import names_of, test_names

FILENAME = "mutation.sarif"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "sqlinkMutant/v1"
MAX_TESTS_IN_MESSAGE = 5

# Status → SARIF level and how the message says what happened.
RESULT_KINDS = {
    "Survived": ("warning", "survived: no test fails with this change"),
    "NoCoverage": ("note", "is not covered: no test reaches this code"),
}


def write_sarif(report: dict, out_dir: Path) -> Path:
    path = Path(out_dir) / FILENAME
    path.write_text(json.dumps(build_sarif(report), indent=1, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path


def build_sarif(report: dict) -> dict:
    framework = report.get("framework") or {}
    root = report.get("projectRoot")
    names = test_names(report)
    operators = sorted({m["mutatorName"] for _, m in scores.iter_mutants(report)})
    rule_index = {op: i for i, op in enumerate(operators)}
    keys = fingerprints(report)
    results = []
    for path, mutant in scores.iter_mutants(report):
        if mutant["status"] not in RESULT_KINDS:
            continue
        level, what = RESULT_KINDS[mutant["status"]]
        original = _original(report, path, mutant)
        covered = names_of(mutant.get("coveredBy"), names)
        results.append({
            "ruleId": mutant["mutatorName"],
            "ruleIndex": rule_index[mutant["mutatorName"]],
            "level": level,
            "message": {"text": _message(mutant, what, original, covered)},
            "locations": [{"physicalLocation": {
                "artifactLocation": artifact_location(path, root),
                "region": _region(mutant["location"], original)}}],
            "partialFingerprints": {FINGERPRINT_KEY: keys[(path, str(mutant["id"]))]},
            "properties": {"mutantId": str(mutant["id"]), "status": mutant["status"],
                           "replacement": mutant.get("replacement", ""),
                           "coveredBy": covered},
        })
    run = {
        "tool": {"driver": {
            "name": framework.get("name", "sqlink-mutate"),
            "version": str(framework.get("version", "0")),
            "rules": [_rule(op) for op in operators],
        }},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if root and PurePosixPath(root).is_absolute():
        run["originalUriBaseIds"] = {SRCROOT: {"uri": Path(root).as_uri().rstrip("/") + "/"}}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def fingerprints(report: dict) -> dict[tuple[str, str], str]:
    """(path, mutant id) → stable key, for every mutant of the report."""
    seen: Counter = Counter()
    keys = {}
    for path, mutant in scores.iter_mutants(report):
        if mutant.get("sqlinkKey"):
            key = str(mutant["sqlinkKey"])
        else:
            what = (path, mutant["mutatorName"], _original(report, path, mutant),
                    mutant.get("replacement", ""))
            seen[what] += 1
            material = "\0".join(what + (str(seen[what]),))
            key = hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        keys[(path, str(mutant["id"]))] = key
    return keys


def artifact_location(path: str, root: str | None) -> dict:
    """A file path as SARIF wants it: relative to %SRCROOT% when it is inside the project."""
    p = PurePosixPath(path)
    if p.is_absolute() and root:
        try:
            p = p.relative_to(root)
        except ValueError:
            return {"uri": Path(path).as_uri()}
    elif p.is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(p.as_posix(), safe="/"), "uriBaseId": SRCROOT}


def _original(report: dict, path: str, mutant: dict) -> str:
    try:
        return original_text(report["files"][path]["source"], mutant["location"])
    except (KeyError, ValueError):
        return ""


def _region(location: dict, original: str) -> dict:
    start, end = location["start"], location["end"]
    region = {"startLine": start["line"], "startColumn": start["column"],
              "endLine": end["line"], "endColumn": end["column"]}
    if original:
        region["snippet"] = {"text": original}
    return region


def _message(mutant: dict, what: str, original: str, covered: list[str]) -> str:
    text = (f"Mutant {mutant['id']} ({mutant['mutatorName']}) {what}. "
            f"It replaces `{original}` with `{mutant.get('replacement', '')}`.")
    if covered:
        shown = ", ".join(covered[:MAX_TESTS_IN_MESSAGE])
        more = len(covered) - MAX_TESTS_IN_MESSAGE
        text += (f" Covered by {len(covered)} test{'s' if len(covered) != 1 else ''}: {shown}"
                 + (f" and {more} more." if more > 0 else "."))
    return text


def _rule(operator: str) -> dict:
    return {
        "id": operator,
        "name": operator,
        "shortDescription": {"text": f"Mutation operator {operator}: a change no test detects"},
        "fullDescription": {"text": (
            f"The mutation operator {operator} changed the code here and every test still "
            "passed (warning), or no test runs this code at all (note). Add or strengthen a "
            "test that checks the behaviour this code is responsible for.")},
        "defaultConfiguration": {"level": "warning"},
    }
