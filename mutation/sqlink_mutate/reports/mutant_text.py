"""A mutant as text: the original code its location spans and a unified diff of the change.

Locations are 1-based lines and columns; the end column is exclusive. A column counts
characters (code points) of the line, the unit mutation-testing-elements uses, so a driver
that reads byte columns from Clang converts them before they reach a report.
"""
from __future__ import annotations

import functools

DIFF_CONTEXT_LINES = 3


def _split(text: str) -> tuple[str, ...]:
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return tuple(out)


# Every mutant of a file asks for the same source's lines: keep the last few.
_split_source = functools.lru_cache(maxsize=4)(_split)


def split_lines(source: str) -> tuple[str, ...]:
    """Lines with their "\\n" (or "\\r\\n") kept; only "\\n" ends a line, as for a compiler."""
    return _split_source(source)


def _span(lines: tuple[str, ...], location: dict) -> tuple[int, int, int, int]:
    """0-based (first line, start offset in it, last line, end offset in it) of a location,
    checked against the source."""
    start, end = location["start"], location["end"]
    first, last = start["line"] - 1, end["line"] - 1
    if not 0 <= first <= last < len(lines):
        raise ValueError(f"location lines {start['line']}-{end['line']} outside the source "
                         f"({len(lines)} lines)")
    begin, stop = start["column"] - 1, end["column"] - 1
    if not 0 <= begin <= len(_content(lines[first])):
        raise ValueError(f"start column {start['column']} outside line {start['line']}")
    if not 0 <= stop <= len(_content(lines[last])) or (first == last and stop < begin):
        raise ValueError(f"end column {end['column']} outside line {end['line']}")
    return first, begin, last, stop


def _content(line: str) -> str:
    return line[:-1] if line.endswith("\n") else line


def original_text(source: str, location: dict) -> str:
    """The source text a location spans."""
    lines = split_lines(source)
    first, begin, last, stop = _span(lines, location)
    if first == last:
        return lines[first][begin:stop]
    return lines[first][begin:] + "".join(lines[first + 1:last]) + lines[last][:stop]


def mutated_source(source: str, mutant: dict) -> str:
    """The whole source with one mutant applied."""
    lines = split_lines(source)
    first, begin, last, stop = _span(lines, mutant["location"])
    new = lines[first][:begin] + mutant["replacement"] + lines[last][stop:]
    return "".join(lines[:first]) + new + "".join(lines[last + 1:])


def mutant_diff(path: str, source: str, mutant: dict,
                context: int = DIFF_CONTEXT_LINES) -> str:
    """A unified diff (`--- a/path`, `+++ b/path`, one hunk) from the source to the source
    with the mutant applied. Raises ValueError if the location is not inside the source."""
    lines = split_lines(source)
    first, begin, last, stop = _span(lines, mutant["location"])
    new = _split(lines[first][:begin] + mutant["replacement"] + lines[last][stop:])
    lo = max(0, first - context)
    hi = min(len(lines), last + 1 + context)
    before, removed, after = lines[lo:first], lines[first:last + 1], lines[last + 1:hi]
    old_count = len(before) + len(removed) + len(after)
    new_count = len(before) + len(new) + len(after)
    out = [f"--- a/{path}\n", f"+++ b/{path}\n",
           f"@@ -{_range(lo + 1, old_count)} +{_range(lo + 1, new_count)} @@\n"]
    for prefix, chunk in ((" ", before), ("-", removed), ("+", new), (" ", after)):
        for line in chunk:
            out.append(prefix + line)
            if not line.endswith("\n"):
                out.append("\n\\ No newline at end of file\n")
    return "".join(out)


def _range(start: int, count: int) -> str:
    """A hunk range as diff(1) writes it: "5" for one line, "4,0" for none after line 4."""
    if count == 1:
        return str(start)
    if count == 0:
        return f"{start - 1},0"
    return f"{start},{count}"
