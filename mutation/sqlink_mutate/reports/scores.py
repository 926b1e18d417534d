"""Counts and mutation scores of a report, per file and overall: the one definition every
writer and the gate share.

Score (Stryker's): detected / valid × 100, where detected = Killed + Timeout and valid = all
mutants except Ignored, CompileError and RuntimeError. The covered score also leaves NoCoverage
out of the denominator. With no valid mutant a score is None ("n/a"), never 0 or 100.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Iterable, Iterator

# Every status the schema allows that the driver emits, in display order, with the key it
# has in the summary dict and in Counts, and a label for people. "Pending" marks a mutant a
# run had no time left for (--max-time): it is not scored, like Ignored.
STATUSES: tuple[tuple[str, str, str], ...] = (
    ("Killed", "killed", "Killed"),
    ("Survived", "survived", "Survived"),
    ("Timeout", "timeout", "Timeout"),
    ("NoCoverage", "no_coverage", "No coverage"),
    ("Ignored", "ignored", "Ignored"),
    ("CompileError", "compile_error", "Compile error"),
    ("RuntimeError", "runtime_error", "Runtime error"),
    ("Pending", "pending", "Pending (no time left)"),
)
STATUS_KEY: dict[str, str] = {status: key for status, key, _ in STATUSES}
STATUS_LABEL: dict[str, str] = {status: label for status, _, label in STATUSES}
DETECTED = ("Killed", "Timeout")
UNDETECTED = ("Survived", "NoCoverage")
NOT_SCORED = ("Ignored", "CompileError", "RuntimeError", "Pending")


@dataclasses.dataclass
class Counts:
    """How many mutants ended in each status."""
    killed: int = 0
    survived: int = 0
    timeout: int = 0
    no_coverage: int = 0
    ignored: int = 0
    compile_error: int = 0
    runtime_error: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return sum(getattr(self, key) for key in STATUS_KEY.values())

    @property
    def detected(self) -> int:
        return self.killed + self.timeout

    @property
    def valid(self) -> int:
        return self.total - self.ignored - self.compile_error - self.runtime_error - self.pending

    @property
    def score(self) -> float | None:
        return _percent(self.detected, self.valid)

    @property
    def covered_score(self) -> float | None:
        return _percent(self.detected, self.valid - self.no_coverage)

    def add(self, status: str) -> None:
        key = STATUS_KEY.get(status)
        if key is None:
            raise ValueError(f"unknown mutant status {status!r} (expected one of "
                             f"{', '.join(STATUS_KEY)})")
        setattr(self, key, getattr(self, key) + 1)

    def __iadd__(self, other: Counts) -> Counts:
        for key in STATUS_KEY.values():
            setattr(self, key, getattr(self, key) + getattr(other, key))
        return self

    def as_dict(self) -> dict:
        """The counts and scores under the summary dict's keys."""
        out = {"score": self.score, "covered_score": self.covered_score}
        out.update({key: getattr(self, key) for key in STATUS_KEY.values()})
        out["total"] = self.total
        return out


def _percent(part: int, whole: int) -> float | None:
    return None if whole <= 0 else part * 100.0 / whole


def count(mutants: Iterable[dict]) -> Counts:
    counts = Counts()
    for mutant in mutants:
        counts.add(mutant["status"])
    return counts


def file_counts(report: dict) -> dict[str, Counts]:
    """Counts per file of the report, in sorted path order."""
    return {path: count(entry.get("mutants", ()))
            for path, entry in sorted(report.get("files", {}).items())}


def overall_counts(report: dict) -> Counts:
    total = Counts()
    for counts in file_counts(report).values():
        total += counts
    return total


def iter_mutants(report: dict) -> Iterator[tuple[str, dict]]:
    """(path, mutant) for every mutant, by path, then position, then id."""
    for path, entry in sorted(report.get("files", {}).items()):
        for mutant in sorted(entry.get("mutants", ()), key=mutant_order):
            yield path, mutant


def mutant_order(mutant: dict) -> tuple:
    start = mutant["location"]["start"]
    mid = str(mutant.get("id", ""))
    # Numeric ids sort as numbers (2 before 10); any other id after them, as text.
    return (start["line"], start["column"], 0 if mid.isdigit() else 1,
            int(mid) if mid.isdigit() else 0, mid)


def format_score(score: float | None) -> str:
    """Two decimals, rounded down, so a score under a threshold never prints as reaching it
    (94.999 is "94.99", not "95.00")."""
    if score is None:
        return "n/a"
    return f"{math.floor(score * 100 + 1e-9) / 100:.2f}"


def score_band(score: float | None, thresholds: dict | None) -> str:
    """"high", "medium" or "low" against the report's thresholds (Stryker's colours), or
    "none" with no score."""
    if score is None:
        return "none"
    thresholds = thresholds or {}
    if score >= thresholds.get("high", 80):
        return "high"
    if score >= thresholds.get("low", 60):
        return "medium"
    return "low"
