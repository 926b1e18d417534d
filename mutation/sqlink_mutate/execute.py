"""Runs each mutant against only the tests that reach it, fastest first, stopping at the first
failure; retries timeouts at low parallelism and re-runs survivors to confirm them."""
from __future__ import annotations

import dataclasses
import math
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from .coverage import TestCoverage
from .log import duration as fmt_duration
from .log import log
from .project import Timeouts
from .runner import CRASH, ERROR, FAIL, PASS, TIMEOUT, Runner

KILLED, SURVIVED, TIMED_OUT, NO_COVERAGE = "Killed", "Survived", "Timeout", "NoCoverage"
IGNORED, COMPILE_ERROR, RUNTIME_ERROR = "Ignored", "CompileError", "RuntimeError"
PENDING = "Pending"


def order_key(tc: TestCoverage) -> tuple:
    """Fastest first; durations fall in powers-of-two buckets so that runs on different
    machines or shards order the tests alike, and ties break by test id."""
    bucket = int(math.floor(math.log2(max(tc.duration, 1e-4) * 1000)))
    return (bucket, tc.test.id)


def timeout_for(tc: TestCoverage, t: Timeouts) -> float:
    return max(t.floor_s, t.factor * tc.duration + t.constant_s)


# A test that timed out after this share of its time limit on the CPU was computing all the
# while (a loop): a loaded machine slows a test by keeping it off the CPU, not by making it
# use more CPU, so trying it again alone would only wait out the same limit once more.
BUSY_SHARE = 0.9


def busy_all_the_time(cpu: float | None, timeout: float) -> bool:
    return cpu is not None and cpu >= BUSY_SHARE * timeout


class Progress:
    def __init__(self, total: int):
        self.total = total
        self.done = 0
        self.counts: dict[str, int] = {}
        self.started = time.monotonic()
        self.lock = threading.Lock()
        self.last = 0.0
        self.tty = sys.stderr.isatty()

    def add(self, status: str) -> None:
        with self.lock:
            self.done += 1
            self.counts[status] = self.counts.get(status, 0) + 1
            now = time.monotonic()
            if now - self.last >= (0.5 if self.tty else 10.0) or self.done == self.total:
                self.last = now
                self._print(now)

    def _print(self, now: float) -> None:
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        counts = " ".join(f"{k.lower()} {v}" for k, v in sorted(self.counts.items()))
        line = (f"[mutate] {self.done}/{self.total} mutants | {counts} | "
                f"{rate * 60:.0f}/min | ETA {fmt_duration(eta)}")
        if self.tty:
            sys.stderr.write("\r" + line + ("\n" if self.done == self.total else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


class Executor:
    def __init__(self, covering: dict[int, list[TestCoverage]], timeouts: Timeouts, jobs: int,
                 scratch: str, rlimit_as_mb: int, use_forkserver: bool = True,
                 deadline: float | None = None):
        self.covering = covering
        self.timeouts = timeouts
        self.jobs = jobs
        self.scratch = scratch
        self.rlimit_as_mb = rlimit_as_mb
        self.use_forkserver = use_forkserver
        self.flaky: set[str] = set()
        self.deadline = deadline  # time.monotonic() after which no mutant starts

    def _out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    def _judge(self, runner: Runner, mutant: int, start_at: int = 0) -> dict:
        tests = self.covering.get(mutant, [])
        if self._out_of_time():
            return {"status": PENDING, "statusReason": "not run: the --max-time budget ran out",
                    "coveredBy": [tc.test.id for tc in tests]}
        started = time.monotonic()
        completed = 0
        verdict: dict = {}
        for tc in tests[start_at:]:
            outcome = runner.run(tc.test, mutant, timeout_for(tc, self.timeouts))
            completed += 1
            if outcome.status in (FAIL, CRASH):
                how = "crashed" if outcome.status == CRASH else "failed"
                verdict = {"status": KILLED, "killedBy": [tc.test.id],
                           "statusReason": f"{tc.test.name} {how} ({outcome.detail})"}
                break
            if outcome.status == TIMEOUT:
                verdict = {"status": TIMED_OUT, "killedBy": [tc.test.id],
                           "statusReason": f"{tc.test.name}: {outcome.detail}", "_at": start_at + completed - 1,
                           "_cpu": outcome.cpu}
                break
            if outcome.status == ERROR:
                verdict = {"status": RUNTIME_ERROR, "statusReason": f"{tc.test.name}: {outcome.detail}"}
                break
        else:
            verdict = {"status": SURVIVED, "killedBy": [],
                       "statusReason": f"all {len(tests)} covering test(s) passed"}
        verdict["testsCompleted"] = completed
        verdict["duration"] = round((time.monotonic() - started) * 1000)
        verdict["coveredBy"] = [tc.test.id for tc in tests]
        return verdict

    def _busy(self, mutant: int, verdict: dict) -> bool:
        """Whether the test a timed-out verdict names spent its whole limit on the CPU."""
        tc = self.covering[mutant][verdict["_at"]]
        return busy_all_the_time(verdict["_cpu"], timeout_for(tc, self.timeouts))

    def _confirm(self, runner: Runner, mutant: int) -> dict:
        """Runs a survivor's covering tests again, GoogleTest tests of one program together in
        one process (the first pass already ran them one by one); any failure is a flip."""
        groups: dict[tuple, list[TestCoverage]] = {}
        for tc in self.covering.get(mutant, []):
            t = tc.test
            if t.binary and "GTEST_FILTER" in t.env:
                env = tuple(sorted((k, v) for k, v in t.env.items() if k != "GTEST_FILTER"))
                groups.setdefault((t.binary, t.cwd, env), []).append(tc)
            else:
                groups.setdefault((id(tc),), []).append(tc)
        for members in groups.values():
            first = members[0].test
            if len(members) == 1:
                test = first
            else:
                test = dataclasses.replace(first, id="+".join(m.test.id for m in members),
                                           env={**first.env, "GTEST_FILTER": ":".join(
                                               m.test.env["GTEST_FILTER"] for m in members)})
            timeout = sum(timeout_for(m, self.timeouts) for m in members)
            outcome = runner.run(test, mutant, timeout)
            if outcome.status != PASS:
                # Which one flipped: one by one, as the first pass ran them.
                for m in members:
                    single = runner.run(m.test, mutant, timeout_for(m, self.timeouts))
                    if single.status != PASS:
                        return {"status": KILLED if single.status != TIMEOUT else TIMED_OUT,
                                "killedBy": [m.test.id],
                                "statusReason": f"{m.test.name}: {single.detail}"}
                return {"status": KILLED, "killedBy": [first.id],
                        "statusReason": f"{first.name} and others together: {outcome.detail}"}
        return {"status": SURVIVED}

    def _pool(self, mutants: list[int], jobs: int, work, progress: Progress | None) -> dict[int, dict]:
        local = threading.local()
        runners: list[Runner] = []
        lock = threading.Lock()
        results: dict[int, dict] = {}

        def one(m: int) -> None:
            if not hasattr(local, "runner"):
                local.runner = Runner(self.scratch, self.rlimit_as_mb, self.use_forkserver)
                with lock:
                    runners.append(local.runner)
            verdict = work(local.runner, m)
            with lock:
                results[m] = verdict
            if progress:
                progress.add(verdict["status"])

        try:
            with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
                for f in [pool.submit(one, m) for m in mutants]:
                    f.result()
        finally:
            for r in runners:
                r.close()
        return results

    def run(self, mutants: list[int]) -> dict[int, dict]:
        if not mutants:
            return {}
        progress = Progress(len(mutants))
        results = self._pool(mutants, self.jobs, lambda r, m: self._judge(r, m), progress)
        # Timeouts: once more with one job, so a loaded machine is not mistaken for a loop;
        # but not a test that was on the CPU all the while: load did not hold that one back.
        timed_out = [m for m, v in results.items() if v["status"] == TIMED_OUT]
        busy = [m for m in timed_out if self._busy(m, results[m])]
        timed_out = [m for m in timed_out if m not in busy]
        for m in busy:
            results[m]["statusReason"] += " (on the CPU all the while: a loop, not load; not retried)"
        if busy:
            log(f"{len(busy)} timed-out mutant(s) were on the CPU all the while: not retried")
        if timed_out and not self._out_of_time():
            log(f"re-running {len(timed_out)} timed-out mutant(s) with one job")
            # From the test that timed out: the ones before it passed already.
            again = self._pool(timed_out, 1, lambda r, m: self._judge(r, m, results[m]["_at"]), None)
            for m, v in again.items():
                if v["status"] == PENDING:
                    continue  # no time to retry: the first verdict stands
                if v["status"] == TIMED_OUT:
                    first = results[m]["_cpu"]
                    v["statusReason"] += " (twice; the second time alone" + (
                        "" if first is None else f"; the first time {first:.3f}s on the CPU") + ")"
                results[m] = v
        # Survivors: confirm; a covering test that now fails flips its verdict: it is flaky.
        survivors = [m for m, v in results.items() if v["status"] == SURVIVED]
        if survivors and self._out_of_time():
            # Found, but not re-run: such a verdict is neither cached nor held against a
            # ratchet (a mutant whose behaviour is undefined can pass once by chance).
            for m in survivors:
                results[m]["unconfirmed"] = True
                results[m]["statusReason"] += " (not re-run to confirm: the --max-time budget ran out)"
        elif survivors:
            log(f"confirming {len(survivors)} survivor(s)")
            again = self._pool(survivors, self.jobs, lambda r, m: self._confirm(r, m), None)
            for m, v in again.items():
                if v["status"] not in (SURVIVED, PENDING):
                    culprits = v.get("killedBy", [])
                    self.flaky.update(culprits)
                    results[m]["statusReason"] = (
                        f"survived, but {', '.join(culprits) or 'a test'} gave a different "
                        f"verdict when re-run (flaky: {v['statusReason']})")
                    results[m]["flaky"] = culprits
        for v in results.values():
            v.pop("_at", None)
            v.pop("_cpu", None)
        return results
