#!/usr/bin/env python3
"""The runner (sqlink_mutate.runner) on real processes: a test killed while it held a file
locked with chattr leaves nothing behind in the runner's scratch directory; a test that timed
out says how long it was on the CPU. And the executor's retry rule for timeouts, with a
scripted runner (what load does to CPU time cannot be arranged with real processes).

Run: python3 mutation/tests/test_runner.py
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlink_mutate import execute  # noqa: E402
from sqlink_mutate.coverage import TestCoverage  # noqa: E402
from sqlink_mutate.execute import busy_all_the_time  # noqa: E402
from sqlink_mutate.project import Timeouts  # noqa: E402
from sqlink_mutate.runner import CRASH, PASS, TIMEOUT, Outcome, Runner, remove_tree  # noqa: E402
from sqlink_mutate.tests import Test  # noqa: E402


def chattr_works(where: str) -> bool:
    if not shutil.which("chattr"):
        return False
    probe = os.path.join(where, "probe")
    open(probe, "w").close()
    ok = subprocess.run(["chattr", "+i", probe], capture_output=True).returncode == 0
    if ok:
        subprocess.run(["chattr", "-i", probe], check=True)
    os.unlink(probe)
    return ok


class TimeoutCpu(unittest.TestCase):
    """A fresh process (no fork server): the runner reaps a timed-out test itself for its CPU
    time (the fork-server side is covered end to end by test_e2e)."""

    def setUp(self):
        self.scratch = tempfile.mkdtemp(prefix="sqlink-runner-test-")
        self.runner = Runner(self.scratch, 512, use_forkserver=False)

    def tearDown(self):
        self.runner.close()
        remove_tree(self.scratch)

    def timed_out(self, script: str, timeout: float):
        test = Test(id="t", name="t", command=["/bin/sh", "-c", script], cwd=self.scratch,
                    env={}, timeout=None)
        outcome = self.runner.run(test, 0, timeout)
        self.assertEqual(outcome.status, TIMEOUT, outcome.detail)
        self.assertIsNotNone(outcome.cpu)
        self.assertIn("on the CPU", outcome.detail)
        return outcome

    # Bounds loose enough for a loaded machine (the loop gets at least a share of a core).
    def test_a_loop_spends_its_limit_on_the_cpu(self):
        outcome = self.timed_out("while :; do :; done", 0.5)
        self.assertGreater(outcome.cpu, 0.15, outcome.detail)

    def test_a_sleeper_does_not(self):
        outcome = self.timed_out("sleep 30", 0.5)
        self.assertLess(outcome.cpu, 0.1, outcome.detail)
        self.assertFalse(busy_all_the_time(outcome.cpu, 0.5), outcome.detail)

    def test_busy_means_nine_tenths_of_the_limit_and_unknown_is_not_busy(self):
        self.assertTrue(busy_all_the_time(0.9, 1.0))
        self.assertFalse(busy_all_the_time(0.89, 1.0))
        self.assertFalse(busy_all_the_time(None, 1.0))


class ScriptedRunner:
    """Stands in for Runner: each mutant's outcomes, in the order its runs ask for them."""
    script: dict[int, list[Outcome]] = {}

    def __init__(self, *args, **kwargs):
        pass

    def run(self, test, mutant, timeout, *args, **kwargs):
        return ScriptedRunner.script[mutant].pop(0)  # an unplanned run fails the test

    def close(self):
        pass


class TimeoutRetries(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.mkdtemp(prefix="sqlink-runner-test-")
        self.saved = execute.Runner
        execute.Runner = ScriptedRunner
        test = Test(id="t", name="t", command=["t"], cwd=self.scratch, env={}, timeout=None)
        tc = TestCoverage(test, 0.001, {1, 2, 3})
        self.executor = execute.Executor({1: [tc], 2: [tc], 3: [tc]}, Timeouts(3.0, 0.5, 1.0),
                                         2, self.scratch, 512)

    def tearDown(self):
        execute.Runner = self.saved
        remove_tree(self.scratch)

    def test_only_a_timeout_held_off_the_cpu_is_retried_alone(self):
        ScriptedRunner.script = {
            1: [Outcome(TIMEOUT, 1.0, "no end", cpu=0.95)],           # a loop: not retried
            2: [Outcome(TIMEOUT, 1.0, "no end", cpu=0.10),            # held back: retried,
                Outcome(TIMEOUT, 1.0, "no end", cpu=0.97)],           # times out again
            3: [Outcome(TIMEOUT, 1.0, "no end", cpu=0.30),            # held back: retried,
                Outcome(PASS, 0.01, "exit 0"), Outcome(PASS, 0.01, "exit 0")],  # then passes
        }
        results = self.executor.run([1, 2, 3])
        self.assertEqual({m: ScriptedRunner.script[m] for m in (1, 2, 3)}, {1: [], 2: [], 3: []})
        self.assertEqual(results[1]["status"], "Timeout")
        self.assertIn("on the CPU all the while", results[1]["statusReason"])
        self.assertEqual(results[2]["status"], "Timeout")
        self.assertIn("the second time alone; the first time 0.100s on the CPU",
                      results[2]["statusReason"])
        self.assertEqual(results[3]["status"], "Survived")  # confirmed by the third run
        self.assertFalse(any(k.startswith("_") for v in results.values() for k in v))


class LockedLeftovers(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.mkdtemp(prefix="sqlink-runner-test-")
        if not chattr_works(self.scratch):
            self.skipTest("no chattr, or a filesystem without immutable files")

    def tearDown(self):
        remove_tree(self.scratch)

    def test_a_test_killed_holding_immutable_and_append_only_files_leaves_no_trace(self):
        script = ('mkdir -p "$TMPDIR/d/e" && echo x > "$TMPDIR/d/e/f" && '
                  'chattr +i "$TMPDIR/d/e/f" && chattr +a "$TMPDIR/d" && kill -KILL $$')
        test = Test(id="locks", name="locks", command=["/bin/sh", "-c", script], cwd=self.scratch,
                    env={}, timeout=None)
        runner = Runner(self.scratch, 512, use_forkserver=False)
        try:
            outcome = runner.run(test, 0, 30.0)
        finally:
            runner.close()
        self.assertEqual(outcome.status, CRASH, outcome.detail)
        self.assertEqual(os.listdir(self.scratch), [])

    def test_remove_tree_leaves_a_tree_without_locks_removed_too(self):
        tree = os.path.join(self.scratch, "plain")
        os.makedirs(os.path.join(tree, "a"))
        open(os.path.join(tree, "a", "f"), "w").close()
        remove_tree(tree)
        self.assertFalse(os.path.lexists(tree))


if __name__ == "__main__":
    unittest.main()
