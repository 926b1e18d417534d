"""Reads the files a run left behind without ever raising: each read gives the data or a
problem that names the file (missing, unreadable, malformed), which the page shows as such.
"""
from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field


@dataclass
class Input:
    """One file a section reads. `problem` is None when it was read, else a phrase."""
    path: str
    data: object = None
    problem: str | None = None
    warnings: list[str] = field(default_factory=list)  # read, but parts were skipped
    mtime: float | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def missing(self) -> bool:
        return self.problem == "missing"

    def describe(self) -> str:
        return f"{self.path}: {self.problem}" if self.problem else self.path


def _open(path: str) -> tuple[Input, str | None]:
    inp = Input(path)
    if not os.path.exists(path):
        inp.problem = "missing"
        return inp, None
    try:
        inp.mtime = os.path.getmtime(path)
        with open(path, encoding="utf-8") as f:
            return inp, f.read()
    except (OSError, UnicodeDecodeError) as e:
        inp.problem = f"unreadable ({e.__class__.__name__}: {e})"
        return inp, None


def read_json(path: str, expect: type = dict) -> Input:
    """A JSON document whose top level must be `expect` (dict or list)."""
    inp, text = _open(path)
    if text is None:
        return inp
    try:
        data = json.loads(text)
    except ValueError as e:
        inp.problem = f"malformed JSON ({e})"
        return inp
    if not isinstance(data, expect):
        inp.problem = f"malformed: top level is {type(data).__name__}, expected {expect.__name__}"
        return inp
    inp.data = data
    return inp


def read_jsonl(path: str) -> Input:
    """JSON Lines: a list of objects. Lines that are not objects are skipped and counted."""
    inp, text = _open(path)
    if text is None:
        return inp
    records, bad = [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            rec = None
        if isinstance(rec, dict):
            records.append(rec)
        else:
            bad.append(number)
    if bad and not records:
        inp.problem = f"malformed: no line is a JSON object ({len(bad)} lines)"
        return inp
    if bad:
        shown = ", ".join(map(str, bad[:5])) + (", ..." if len(bad) > 5 else "")
        inp.warnings.append(f"{len(bad)} malformed line(s) skipped (line {shown})")
    inp.data = records
    return inp


def read_xml(path: str) -> Input:
    inp, text = _open(path)
    if text is None:
        return inp
    try:
        inp.data = ET.fromstring(text)
    except ET.ParseError as e:
        inp.problem = f"malformed XML ({e})"
    return inp


def number(v, default=None):
    """v when it is a real number (not bool, not NaN), else default."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v:
        return default
    return v
