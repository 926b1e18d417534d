"""Test ids (what killedBy/coveredBy hold) resolved to the names testFiles gives them."""
from __future__ import annotations

from typing import Iterable


def test_names(report: dict) -> dict[str, str]:
    """id → name for every test the report declares."""
    names: dict[str, str] = {}
    for entry in report.get("testFiles", {}).values():
        for test in entry.get("tests", ()):
            names[str(test["id"])] = test.get("name") or str(test["id"])
    return names


def names_of(ids: Iterable, names: dict[str, str]) -> list[str]:
    """Names of the given test ids, in order; an id testFiles does not declare stays an id."""
    return [names.get(str(i), str(i)) for i in ids or ()]

