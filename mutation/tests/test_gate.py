#!/usr/bin/env python3
"""The CI gate (sqlink_mutate.gate) on hand-made summaries: thresholds, the ratchet overall and
per file, and what a run cut short by --max-time (pending mutants, equivalence pruning skipped,
survivors not confirmed) may and may not be held against.

Run: python3 mutation/tests/test_gate.py
"""
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlink_mutate import gate  # noqa: E402
from sqlink_mutate.errors import UsageError  # noqa: E402

BASELINE = {"score": 80.0, "files": {"a.cpp": {"score": 90.0, "survived": 1},
                                     "b.cpp": {"score": 70.0, "survived": 3}}}


def summary(score=75.0, survived=10, files=None, **extra):
    files = files if files is not None else {
        "a.cpp": {"score": 85.0, "survived": 2, "pending": 0, "total": 20},
        "b.cpp": {"score": 70.0, "survived": 3, "pending": 0, "total": 20}}
    return {"score": score, "covered_score": score, "killed": 30, "survived": survived,
            "total": 40, "files": files, **extra}


class Gate(unittest.TestCase):
    def test_a_complete_run_is_held_against_every_threshold(self):
        g = gate.evaluate(summary(), fail_under=76, max_surviving=9, baseline=BASELINE,
                          diff_mode=False)
        self.assertFalse(g["passed"])
        text = "\n".join(g["reasons"])
        self.assertIn("below --fail-under 76", text)
        self.assertIn("more than --max-surviving 9", text)
        self.assertIn("dropped below the baseline 80.00", text)
        self.assertIn("a.cpp: score 85.00 dropped below its baseline 90.00", text)
        self.assertNotIn("b.cpp", text)
        self.assertNotIn("notes", g)

    def test_pending_mutants_keep_the_overall_score_out_but_whole_files_in(self):
        files = {"a.cpp": {"score": 85.0, "survived": 2, "pending": 0},
                 "b.cpp": {"score": 10.0, "survived": 9, "pending": 4}}
        g = gate.evaluate(summary(files=files, pending=4), fail_under=99, max_surviving=None,
                          baseline=BASELINE, diff_mode=False)
        self.assertEqual(g["reasons"], ["a.cpp: score 85.00 dropped below its baseline 90.00"])
        self.assertIn("4 mutant(s) pending", g["notes"][0])

    def test_files_equivalence_pruning_skipped_are_not_held(self):
        g = gate.evaluate(summary(tce_unanalysed=["a.cpp"]), fail_under=None, max_surviving=None,
                          baseline=BASELINE, diff_mode=False)
        self.assertTrue(g["passed"], g)
        self.assertIn("TCE", g["notes"][0])

    def test_unconfirmed_survivors_hold_no_score_but_max_surviving_still_counts(self):
        g = gate.evaluate(summary(unconfirmed=2), fail_under=99, max_surviving=None,
                          baseline=BASELINE, diff_mode=False)
        self.assertTrue(g["passed"], g)
        self.assertIn("2 survivor(s) were not re-run to confirm", g["notes"][0])
        g = gate.evaluate(summary(unconfirmed=2), fail_under=None, max_surviving=5,
                          baseline=BASELINE, diff_mode=False)
        self.assertEqual(g["reasons"], ["10 surviving mutant(s), more than --max-surviving 5"])

    def test_a_baseline_is_only_written_from_a_complete_run(self):
        self.assertEqual(gate.baseline_of(summary())["score"], 75.0)
        for cut_short in ({"pending": 1}, {"tce_unanalysed": ["a.cpp"]}, {"unconfirmed": 1}):
            with self.assertRaises(UsageError, msg=cut_short):
                gate.baseline_of(summary(**cut_short))


if __name__ == "__main__":
    unittest.main()
