"""What the page header says about the run: when, which commit, which machine, the budget
and how long it took; and the harness's own record of each stage (reports/run/stages.jsonl).
"""
from __future__ import annotations

import datetime
import os
import platform
import subprocess
import time
from dataclasses import dataclass, field

from . import inputs
from .stage import STATUSES


def git_commit(root: str) -> str:
    try:
        out = subprocess.run(["git", "-C", root, "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        # --no-optional-locks: a report never writes to the repository (no index refresh)
        dirty = subprocess.run(
            ["git", "-C", root, "--no-optional-locks", "status", "--porcelain"],
            capture_output=True, text=True, check=True).stdout.strip()
        return out + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> str:
    cpus = os.cpu_count() or 0
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.node()} ({platform.system()} {platform.release()}, {cpus} cores{mem})"


@dataclass
class RunInfo:
    date: str
    commit: str
    machine: str
    preset: str
    started: int | None           # epoch seconds, when the harness says
    budget: int | None            # seconds
    elapsed: int | None           # seconds since started, setup included
    setup: int | None = None      # of those, bootstrap and build: not counted in the budget
    records: dict = field(default_factory=dict)  # stage name -> the harness's record
    order: list = field(default_factory=list)    # stage names in the order they ran
    stages_input: inputs.Input | None = None

    def duration_text(self) -> str:
        if self.elapsed is None:
            return "duration unknown"
        setup = self.setup or 0
        campaign = self.elapsed - setup
        after = f" after {setup} s of setup (bootstrap and build)" if self.setup else ""
        if self.budget:
            over = campaign - self.budget
            tail = f" ({over} s over)" if over > 0 else ""
            return f"{campaign} s of a {self.budget} s budget{tail}{after}"
        return f"{campaign} s{after}"


def read_records(path: str | None) -> tuple[dict, list, inputs.Input | None]:
    """The harness's stage records: one JSON object a line with stage, status (pass, fail,
    not run), exit_code, seconds, note and log. A record with an unknown status is kept as
    an error, so a typo never reads as a pass."""
    if not path:
        return {}, [], None
    inp = inputs.read_jsonl(path)
    records, order = {}, []
    for rec in inp.data or []:
        name = rec.get("stage")
        if not isinstance(name, str) or not name:
            inp.warnings.append("a record without a stage name was skipped")
            continue
        status = rec.get("status")
        if status not in STATUSES:
            rec = dict(rec, status="error",
                       note=f"unknown status {status!r} in {path}; " + str(rec.get("note") or ""))
        if name not in records:
            order.append(name)
        records[name] = rec
    return records, order, inp


def collect(root: str, preset: str, started: int | None, budget: int | None,
            stages_path: str | None, setup: int | None = None) -> RunInfo:
    now = datetime.datetime.now(datetime.timezone.utc)
    records, order, inp = read_records(stages_path)
    elapsed = int(time.time()) - started if started else None
    return RunInfo(date=now.strftime("%Y-%m-%d %H:%M UTC"), commit=git_commit(root),
                   machine=machine(), preset=preset, started=started, budget=budget,
                   elapsed=elapsed, setup=setup, records=records, order=order, stages_input=inp)
