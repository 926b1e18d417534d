"""One mutant, one build: the way for files whose schema does not compile, and the reference
that schema verdicts are checked against (bench and verify)."""
from __future__ import annotations

import time

from .build import SchemaBuild
from .coverage import TestCoverage
from .execute import COMPILE_ERROR, KILLED, SURVIVED, TIMED_OUT, timeout_for
from .project import Project
from .runner import CRASH, FAIL, TIMEOUT, Runner


def apply(source: bytes, mutant: dict) -> bytes:
    return source[:mutant["begin"]] + mutant["replacement"].encode() + source[mutant["end"]:]


class Rebuilder:
    def __init__(self, project: Project, sb: SchemaBuild, base_shadow: dict[str, bytes],
                 scratch: str):
        self.project = project
        self.sb = sb
        self.base = base_shadow
        self.scratch = scratch

    def judge(self, mutant: dict, tests: list[TestCoverage]) -> dict:
        """Builds the project with only this mutant applied to its file and runs the tests."""
        started = time.monotonic()
        path = mutant["file"]
        original = (self.project.source_dir / path).read_bytes()
        wanted = {p: b for p, b in self.base.items() if p != path}
        wanted[path] = apply(original, mutant)
        self.sb.invalidate(self.sb.sync_shadow(wanted))
        built = self.sb.build(keep_going=False)
        if built.returncode != 0:
            return {"status": COMPILE_ERROR, "statusReason": "the mutated file does not compile",
                    "duration": round((time.monotonic() - started) * 1000), "testsCompleted": 0,
                    "coveredBy": [t.test.id for t in tests]}
        runner = Runner(self.scratch, self.project.rlimit_as_mb)
        verdict = {"status": SURVIVED, "killedBy": [],
                   "statusReason": f"all {len(tests)} test(s) passed (rebuilt)"}
        completed = 0
        try:
            for tc in tests:
                outcome = runner.run(tc.test, 0, timeout_for(tc, self.project.timeouts))
                completed += 1
                if outcome.status in (FAIL, CRASH):
                    verdict = {"status": KILLED, "killedBy": [tc.test.id],
                               "statusReason": f"{tc.test.name} failed ({outcome.detail}; rebuilt)"}
                    break
                if outcome.status == TIMEOUT:
                    verdict = {"status": TIMED_OUT, "killedBy": [tc.test.id],
                               "statusReason": f"{tc.test.name}: {outcome.detail} (rebuilt)"}
                    break
        finally:
            runner.close()
        verdict["testsCompleted"] = completed
        verdict["coveredBy"] = [t.test.id for t in tests]
        verdict["duration"] = round((time.monotonic() - started) * 1000)
        return verdict

    def restore(self) -> None:
        self.sb.invalidate(self.sb.sync_shadow(self.base))
        built = self.sb.build(keep_going=False)
        if built.returncode != 0:
            from .errors import MutateError
            raise MutateError("the schema build does not compile after restoring it:\n"
                              + built.stdout[-2000:])
