"""--in-diff REF: the lines changed since REF (committed or not), per file."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from .errors import MutateError, UsageError

HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def changed_lines(source_dir: Path, ref: str) -> dict[str, list[tuple[int, int]]]:
    """Relative path -> [first, last] line ranges (of the current text) changed since ref."""
    top = subprocess.run(["git", "-C", str(source_dir), "rev-parse", "--show-toplevel"],
                         capture_output=True, text=True)
    if top.returncode != 0:
        raise MutateError(f"--in-diff needs a git work tree; {source_dir} is not one")
    check = subprocess.run(["git", "-C", str(source_dir), "rev-parse", "--verify", "--quiet",
                            ref + "^{commit}"], capture_output=True, text=True)
    if check.returncode != 0:
        raise UsageError(f"--in-diff: '{ref}' names no commit in {source_dir}")
    r = subprocess.run(["git", "-C", str(source_dir), "diff", "--no-color", "--unified=0",
                        "--no-ext-diff", "--relative", ref, "--"], capture_output=True, text=True)
    if r.returncode != 0:
        raise MutateError(f"git diff {ref} failed: {r.stderr.strip()}")
    return parse(r.stdout)


def parse(diff: str) -> dict[str, list[tuple[int, int]]]:
    ranges: dict[str, list[tuple[int, int]]] = {}
    current = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = line[4:]
            current = None if name == "/dev/null" else name[2:] if name.startswith("b/") else name
        elif current and (m := HUNK.match(line)):
            start = int(m.group(1))
            count = int(m.group(2)) if m.group(2) is not None else 1
            if count > 0:
                ranges.setdefault(current, []).append((start, start + count - 1))
    return ranges


def touches(ranges: dict[str, list[tuple[int, int]]], mutant: dict) -> bool:
    for first, last in ranges.get(mutant["file"], []):
        if mutant["line"] <= last and mutant["end_line"] >= first:
            return True
    return False
