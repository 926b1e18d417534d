"""A stage of a run as the dashboard shows it: a status, its key figure, and why.

The statuses are one table. A stage that did not run is "not run", never "pass"; when the
harness and the stage's own files disagree, the worse status wins.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

# status: (rank when combining -- higher is worse, label people read)
STATUSES = {
    "done": (0, "done"),        # ran; nothing to pass or fail (e.g. benchmarks without a gate)
    "pass": (1, "pass"),
    "not run": (2, "not run"),
    "fail": (3, "fail"),
    "error": (4, "error"),      # the stage or its files are broken: a tool error, a bad file
}
FAILING = ("fail", "error")


def css_class(status: str) -> str:
    return "st-" + status.replace(" ", "-")


def worse(a: str, b: str) -> str:
    return a if STATUSES.get(a, (9,))[0] >= STATUSES.get(b, (9,))[0] else b


@dataclass
class Stage:
    name: str                   # the harness's name: tests, fuzz, mutation, bench, ...
    title: str                  # what people call it
    status: str
    figure: str = ""            # the key figure, one line
    note: str = ""              # why: the reason it did not run, failed, or what is missing
    seconds: float | None = None
    log: str | None = None      # the stage's log file, when the harness kept one
    anchor: str | None = None   # the section of the page that shows it

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown stage status {self.status!r}")

    def as_dict(self) -> dict:
        return {"stage": self.name, "status": self.status, "figure": self.figure,
                "note": self.note, "seconds": self.seconds}


@dataclass
class Section:
    """What a section module gives the page: the stage, its HTML, what goes into
    summary.json, the inputs it read, and the ones a run of the stage must have written."""
    anchor: str
    stage: Stage
    body: str
    summary: dict
    inputs: list
    written: list  # inputs the stage writes on every run: missing or stale ones are errors


def _stale(inp, started: int | None) -> bool:
    return bool(started and inp.mtime is not None and inp.mtime < started - 1)


def reconcile(section: Section, record: dict | None, started: int | None,
              not_run_body) -> Section:
    """Joins the harness's record of a stage with what the stage's files say.

    No record (the report was run by hand): the files decide. "not run": the section says
    so and shows nothing from files an earlier run may have left. Ran: the worse of the
    two statuses, and an error if the stage did not (re)write its files this time."""
    st = section.stage
    if record is None:
        return section
    st.seconds = record.get("seconds") if isinstance(record.get("seconds"), (int, float)) else None
    st.log = record.get("log") if isinstance(record.get("log"), str) else None
    rnote = str(record.get("note") or "")
    if record["status"] == "not run":
        leftovers = [i.path for i in section.written if i.ok]
        st.status, st.figure, st.note = "not run", "", rnote
        extra = (f" Files an earlier run left ({', '.join(leftovers)}) are not shown."
                 if leftovers else "")
        why = (rnote or "The harness did not run this stage").rstrip(".") + "."
        section.body = not_run_body(why + extra)
        section.summary = {"status": "not run", "note": rnote}
        return section
    problems = []
    for inp in section.written:
        if inp.missing:
            problems.append(f"the stage ran but wrote no {inp.path}")
        elif _stale(inp, started):
            problems.append(f"{inp.path} was not rewritten by this run")
    wrote_nothing = st.status == "not run"  # what the files say: there are none
    status = worse(record["status"], "pass" if wrote_nothing else st.status)
    if problems:
        status = worse(status, "error")
    st.status = status
    notes = [rnote] + ([st.note] if st.note not in rnote and not wrote_nothing else []) + problems
    st.note = "; ".join(p for p in notes if p)
    if wrote_nothing:  # the note above says what is missing
        log = f" Its log: {st.log}." if st.log else ""
        section.body = f'<div class="problem">Nothing to show from this run.{html.escape(log)}</div>'
    elif problems:
        section.body = "".join(f'<div class="problem">{html.escape(p)}; what follows may be '
                               "from an earlier run.</div>" for p in problems) + section.body
    section.summary["status"] = status
    return section
