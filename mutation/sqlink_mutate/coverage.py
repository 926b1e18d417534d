"""The baseline: every test once with no mutant active, recording which mutants it reaches.

A test that fails here makes every verdict meaningless, so the run stops (exit code 3). The
time each test took is its baseline: it orders the tests (fastest first) and sets timeouts.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .cache import Cache
from .errors import BaselineFailure, MutateError
from .log import log
from .runner import FAIL, PASS, Runner
from .tests import Test


@dataclasses.dataclass
class TestCoverage:
    test: Test
    duration: float
    reached: set[int]


def read_reached(directory: str) -> tuple[set[int], set[int]]:
    """The mutant ids reached by every process that wrote a .cov file, and the active ids seen."""
    reached: set[int] = set()
    active: set[int] = set()
    for name in os.listdir(directory):
        if not name.endswith(".cov"):
            continue
        with open(os.path.join(directory, name)) as f:
            for line in f:
                line = line.strip()
                if line.startswith("active "):
                    active.add(int(line.split()[1]))
                elif line:
                    reached.add(int(line))
    return reached, active


def measure(tests: list[Test], jobs: int, scratch: str, rlimit_as_mb: int, cache: Cache,
            program_hash, timeout_cap: float = 600.0) -> list[TestCoverage]:
    """program_hash(test): the hash of what judges the test, keying its cached coverage."""
    results: list[TestCoverage | None] = [None] * len(tests)
    todo = []
    for i, test in enumerate(tests):
        hit = cache.coverage(f"{program_hash(test)}:{test.id}")
        if hit is not None:
            results[i] = TestCoverage(test, hit["duration"], set(hit["reached"]))
        else:
            todo.append(i)
    if todo:
        log(f"baseline: {len(todo)} test(s) with coverage recording "
            f"({len(tests) - len(todo)} cached)")
    failures: list[str] = []
    local = threading.local()
    runners: list[Runner] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        if not hasattr(local, "runner"):
            local.runner = Runner(scratch, rlimit_as_mb)
            with lock:
                runners.append(local.runner)
        test = tests[i]
        cov_dir = tempfile.mkdtemp(prefix="cov-", dir=scratch)
        log_path = os.path.join(scratch, f"baseline-{i}.log")
        try:
            timeout = test.timeout if test.timeout else timeout_cap
            outcome = local.runner.run(test, 0, timeout, coverage_dir=cov_dir, output=log_path)
            reached, _ = read_reached(cov_dir)
        finally:
            shutil.rmtree(cov_dir, ignore_errors=True)
        if outcome.status != PASS:
            tail = ""
            try:
                tail = "\n".join(Path(log_path).read_text(errors="replace").splitlines()[-15:])
            except OSError:
                pass
            with lock:
                failures.append(f"{test.name}: {outcome.status} ({outcome.detail})\n{tail}")
            return
        results[i] = TestCoverage(test, outcome.duration, reached)
        cache.put_coverage(f"{program_hash(test)}:{test.id}",
                           {"duration": outcome.duration, "reached": sorted(reached)})
        try:
            os.unlink(log_path)
        except OSError:
            pass

    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(one, todo))
    finally:
        for r in runners:
            r.close()
    if failures:
        raise BaselineFailure(f"{len(failures)} test(s) fail with no mutant active:\n"
                              + "\n".join(failures[:10]))
    return [r for r in results if r is not None]


def prove_activation(coverage: list[TestCoverage], scratch: str, rlimit_as_mb: int,
                     attempts: int = 20) -> int | None:
    """Runs covering tests with one mutant forced on and checks the runtime saw it active.

    A mutant that crashes or hangs its test leaves no record, so candidates are tried until
    one run ends normally (passing or failing); that run must have seen its mutant active."""
    candidates = [(tc, m) for tc in sorted(coverage, key=lambda c: c.duration)
                  for m in sorted(tc.reached)[:3]][:attempts]
    runner = Runner(scratch, rlimit_as_mb)
    try:
        for tc, mutant in candidates:
            cov_dir = tempfile.mkdtemp(prefix="prove-", dir=scratch)
            try:
                outcome = runner.run(tc.test, mutant, max(10.0, tc.duration * 10),
                                     coverage_dir=cov_dir)
                _, active = read_reached(cov_dir)
            finally:
                shutil.rmtree(cov_dir, ignore_errors=True)
            if outcome.status not in (PASS, FAIL):
                continue
            if mutant not in active:
                raise MutateError(f"mutant {mutant} was forced on for test {tc.test.name}, but "
                                  "the schema runtime never saw it active: activation is broken")
            return mutant
    finally:
        runner.close()
    return None
