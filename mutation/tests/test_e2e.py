"""End to end: sqlink-mutate on the fixture project with known fates (fixtures/e2e), plus the
gate's exit codes, shard+merge equality, the verdict cache and --in-diff.

Slow (it configures and builds the fixture and the finder), so ctest labels it `slow`.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
MUTATION = HERE.parent
FIXTURE = HERE / "fixtures" / "e2e"
TOOL = MUTATION / "sqlink-mutate"
# The finder is built once, shared by all the runs of this test (and by the harness's runs).
WORK_ROOT = Path(os.environ.get("SQLINK_MUTATE_TEST_WORK", MUTATION.parent / "build" / "mutation-tests"))
# Every run shares one finder build (or the one SQLINK_MUTATE_FINDER names).
if "SQLINK_MUTATE_FINDER" not in os.environ:
    os.environ["SQLINK_MUTATE_FINDER_DIR"] = str(WORK_ROOT / "finder")


def run_tool(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, str(TOOL), *map(str, args)], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, cwd=cwd)


def statuses(report: dict) -> dict:
    """(function name, operator, original) -> status, from the report and its sources."""
    out = {}
    for f in report["files"].values():
        for m in f["mutants"]:
            out.setdefault((m["description"].split(" in ")[-1], m["mutatorName"]), []).append(m)
    return out


class E2E(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="sqlink-mutate-e2e-"))
        cls.src = cls.tmp / "src"
        shutil.copytree(FIXTURE, cls.src)
        cls.work = WORK_ROOT
        cls.work.mkdir(parents=True, exist_ok=True)
        # a fresh project work dir (schema build, cache) per test run; the finder is kept
        shutil.rmtree(cls.work / "e2e", ignore_errors=True)
        cls.out = cls.tmp / "full"
        r = run_tool("run", "--project", cls.src / "project.toml", "--work-dir", cls.work,
                     "--out", cls.out, "--jobs", "2", "--no-cache")
        cls.first = r
        if r.returncode != 0:
            raise AssertionError(f"full run failed ({r.returncode}):\n{r.stderr[-4000:]}")
        cls.report = json.loads((cls.out / "mutation.json").read_text())
        cls.summary = json.loads((cls.out / "summary.json").read_text())

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def mutants(self, function, operator):
        found = statuses(self.report).get((function, operator), [])
        self.assertTrue(found, f"no {operator} mutant in {function}; have "
                               f"{sorted(statuses(self.report))}")
        return found

    def test_known_fates(self):
        # the loop counter running backwards never reaches n: a timeout
        backwards = [m for m in self.mutants("count_to(int)", "incdec.inc.dec")
                     if m["replacement"] == "i--"]
        self.assertEqual([m["status"] for m in backwards], ["Timeout"])
        # ... and computes all the while, which load cannot explain: it is not tried again,
        # unless a loaded machine (ctest -j) kept it off the CPU for over a tenth of its limit
        reason = backwards[0]["statusReason"]
        if "on the CPU all the while" in reason:
            self.assertNotIn("the second time alone", reason)
        else:
            first = re.search(r"the second time alone; the first time ([0-9.]+)s on the CPU", reason)
            self.assertIsNotNone(first, reason)
            self.assertLess(float(first.group(1)), 0.9 * 1.0, reason)  # the fixture's 1 s limit
        # a round counter running backwards sleeps for ever, off the CPU, as a test held back
        # by a loaded machine would: tried again alone before it counts
        asleep = self.mutants("settle(int)", "incdec.inc.dec")
        self.assertEqual([m["status"] for m in asleep], ["Timeout"])
        self.assertIn("the second time alone", asleep[0]["statusReason"])
        self.assertNotIn("on the CPU all the while", asleep[0]["statusReason"])
        # b != 0 divides by zero: the test crashes, which kills the mutant
        crash = self.mutants("safe_div(int, int)", "eq.ne")
        self.assertEqual(crash[0]["status"], "Killed")
        self.assertIn("crashed", crash[0]["statusReason"])
        self.assertIn("SIGFPE", crash[0]["statusReason"])
        # the weak test cannot tell x >= lo from x > lo, and kills x == lo
        self.assertEqual(self.mutants("at_least(int, int)", "rel.ge.gt")[0]["status"], "Survived")
        self.assertEqual(self.mutants("at_least(int, int)", "rel.ge.eq")[0]["status"], "Killed")
        # no test calls unused(): what TCE did not prune is NoCoverage
        self.assertEqual({m["status"] for f in self.report["files"].values()
                          for m in f["mutants"] if m["description"].endswith(" in unused(int)")
                          and m["status"] != "Ignored"}, {"NoCoverage"})
        # x / 1 compiles to the same code as x * 1: equivalent, pruned before running
        eq = self.mutants("identity(int)", "arith.mul.div")[0]
        self.assertEqual(eq["status"], "Ignored")
        self.assertIn("equivalent", eq["statusReason"])
        # code that runs only in a forked child that _exit()s is covered (the record is shared
        # memory) and judged like any other
        child = self.mutants("child_sign(int)", "rel.gt.ge") + \
            self.mutants("child_sign(int)", "rel.gt.ne")
        self.assertEqual([m["status"] for m in child], ["Killed", "Killed"])
        # u < 0 is u < 1 replaced by false: a duplicate
        dup = self.mutants("is_zero(unsigned int)", "lit.int.zero")[0]
        self.assertEqual(dup["status"], "Ignored")
        self.assertIn("duplicate of mutant", dup["statusReason"])

    def test_killed_by_and_covered_by_name_listed_tests(self):
        ids = {t["id"] for f in self.report["testFiles"].values() for t in f["tests"]}
        killed = [m for f in self.report["files"].values() for m in f["mutants"]
                  if m["status"] == "Killed"]
        self.assertTrue(killed)
        for m in killed:
            self.assertEqual(len(m["killedBy"]), 1)
            self.assertIn(m["killedBy"][0], ids)
            self.assertIn(m["killedBy"][0], m["coveredBy"])
        add = self.mutants("clamp_add(int, int)", "arith.add.sub")[0]
        self.assertEqual(add["killedBy"], ["ClampAdd.AddsAndClamps"])
        self.assertEqual(self.report["schemaVersion"], "2")

    def test_suppressed_points_are_reported_with_their_reason(self):
        text = json.dumps(self.report)
        self.assertIn("logging only, nothing observable to test", text)
        self.assertFalse(self.mutants_named("quiet(int)"))

    def mutants_named(self, function):
        return [m for f in self.report["files"].values() for m in f["mutants"]
                if m["description"].endswith(" in " + function) and m["status"] != "Ignored"]

    def test_gate_exit_codes(self):
        # a score threshold above what the fixture reaches: exit 1, reports still written
        out = self.tmp / "gate"
        r = run_tool("run", "--project", self.src / "project.toml", "--work-dir", self.work,
                     "--out", out, "--fail-under", "99")
        self.assertEqual(r.returncode, 1, r.stderr[-2000:])
        summary = json.loads((out / "summary.json").read_text())
        self.assertFalse(summary["gate"]["passed"])
        self.assertIn("--fail-under 99", summary["gate"]["reasons"][0])
        r = run_tool("run", "--project", self.src / "project.toml", "--work-dir", self.work,
                     "--out", out, "--max-surviving", "0")
        self.assertEqual(r.returncode, 1)
        # the ratchet: a baseline above the score fails, one at the score passes
        baseline = self.tmp / "baseline.json"
        baseline.write_text(json.dumps({"score": self.summary["score"] + 1}))
        r = run_tool("run", "--project", self.src / "project.toml", "--work-dir", self.work,
                     "--out", out, "--ratchet", "--baseline", baseline)
        self.assertEqual(r.returncode, 1)
        baseline.write_text(json.dumps({"score": self.summary["score"]}))
        r = run_tool("run", "--project", self.src / "project.toml", "--work-dir", self.work,
                     "--out", out, "--ratchet", "--baseline", baseline)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        # tests failing with no mutant active: exit 3, naming the test (without the cache,
        # which would reuse the passing baseline of the unchanged programs)
        r = run_tool("run", "--project", self.src / "project.toml", "--work-dir", self.work,
                     "--out", out, "--no-cache", env={"SQLINK_E2E_FAIL_BASELINE": "1"})
        self.assertEqual(r.returncode, 3)
        self.assertIn("Baseline.FailsOnRequest", r.stderr)
        # usage error: exit 2
        r = run_tool("run", "--project", self.src / "project.toml", "--shard", "3/2")
        self.assertEqual(r.returncode, 2)

    def test_tool_error_exit_code(self):
        broken = self.tmp / "broken"
        shutil.copytree(FIXTURE, broken)
        (broken / "CMakeLists.txt").write_text("cmake_minimum_required(VERSION 3.20)\nproject(x CXX)\n"
                                               "add_library(\n")
        r = run_tool("run", "--project", broken / "project.toml", "--work-dir", self.tmp / "w-broken",
                     "--out", self.tmp / "o-broken")
        self.assertEqual(r.returncode, 4, r.stderr[-2000:])
        self.assertIn("configuring", r.stderr)

    def test_build_only_builds_the_schemata_and_runs_no_test(self):
        work = self.tmp / "w-build"
        r = run_tool("build", "--project", self.src / "project.toml", "--work-dir", work)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.assertRegex(r.stderr, r"built: \d+ mutant\(s\) in 1 schema file\(s\)")
        self.assertNotIn("baseline", r.stderr)
        self.assertTrue((work / "e2e" / "schema" / "e2e_test").exists())

    def test_max_time_leaves_pending_mutants_out_of_the_score_gate(self):
        # --max-time 0 starts no mutant: without the cache every covered mutant is Pending
        out = self.tmp / "pending"
        r = run_tool("run", "--project", self.src / "project.toml", "--work-dir", self.work,
                     "--out", out, "--no-cache", "--max-time", "0", "--fail-under", "99")
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        summary = json.loads((out / "summary.json").read_text())
        self.assertEqual(summary["killed"] + summary["survived"] + summary["timeout"], 0)
        self.assertEqual(summary["pending"],
                         summary["total"] - summary["no_coverage"] - summary["ignored"])
        self.assertGreater(summary["pending"], 20)
        self.assertTrue(summary["gate"]["passed"])
        self.assertIn("pending", summary["gate"]["notes"][0])
        # nor was there time for equivalence pruning: said so, and lib.cpp named
        self.assertEqual(summary["tce_unanalysed"], ["lib.cpp"])
        self.assertIn("TCE", summary["gate"]["notes"][1])
        self.assertIn("pending", (out / "summary.md").read_text())
        # a baseline is a complete run's: a partial one is refused (usage error)
        r = run_tool("run", "--project", self.src / "project.toml", "--work-dir", self.work,
                     "--out", out, "--no-cache", "--max-time", "0", "--update-baseline",
                     "--baseline", self.tmp / "partial-baseline.json")
        self.assertEqual(r.returncode, 2, r.stderr[-2000:])
        self.assertIn("pending", r.stderr)
        self.assertFalse((self.tmp / "partial-baseline.json").exists())

    def test_a_schema_that_does_not_compile_falls_back_to_one_build_per_mutant(self):
        # A file that declares the runtime's function with another type compiles as it is,
        # but its schema (which includes the runtime) cannot: its mutants are built one by one.
        src = self.tmp / "fallback-src"
        shutil.copytree(FIXTURE, src)
        (src / "legacy.cpp").write_text(
            'extern "C" int sqlink_mutate_on(unsigned id);  // clashes with the runtime\n'
            "int legacy_clamp(int x) { return x > 10 ? 10 : x; }\n")
        (src / "legacy_test.cpp").write_text(
            "#include <gtest/gtest.h>\n"
            "int legacy_clamp(int x);\n"
            "TEST(Legacy, Clamps) { EXPECT_EQ(legacy_clamp(50), 10); EXPECT_EQ(legacy_clamp(3), 3); }\n")
        cmake = (src / "CMakeLists.txt").read_text()
        cmake = cmake.replace("add_library(e2e STATIC lib.cpp)", "add_library(e2e STATIC lib.cpp legacy.cpp)")
        cmake = cmake.replace("add_executable(e2e_test lib_test.cpp)",
                              "add_executable(e2e_test lib_test.cpp legacy_test.cpp)")
        (src / "CMakeLists.txt").write_text(cmake)
        (src / "project.toml").write_text((src / "project.toml").read_text()
                                          .replace('name = "e2e"', 'name = "e2e-fallback"')
                                          .replace('mutate = ["lib.cpp"]', 'mutate = ["legacy.cpp"]'))
        out = self.tmp / "fallback"
        work = self.tmp / "w-fallback"
        r = run_tool("run", "--project", src / "project.toml", "--work-dir", work,
                     "--out", out, "--no-cache", "--no-tce")
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertIn("schema of legacy.cpp does not compile", r.stderr)
        report = json.loads((out / "mutation.json").read_text())
        summary = json.loads((out / "summary.json").read_text())
        self.assertEqual(report["config"]["fallbackFiles"], ["legacy.cpp"])
        self.assertIn("legacy.cpp", (out / "summary.md").read_text())
        mutants = report["files"]["legacy.cpp"]["mutants"]
        self.assertGreaterEqual(len(mutants), 4)
        for m in mutants:
            self.assertIn("[schema fallback: built alone]", m["statusReason"], m)
        by_name = {m["mutatorName"]: m["status"] for m in mutants}
        # x >= 10 gives the same clamp (an equivalent mutant): it survives; > to false is caught
        self.assertEqual(by_name.get("rel.gt.ge"), "Survived", by_name)
        self.assertEqual(by_name.get("rel.gt.false"), "Killed", by_name)
        self.assertGreater(summary["killed"], 0)
        # The same project moved elsewhere, in the same work dir: the schema build configured
        # for the old place starts afresh (not CMake's source-mismatch error), and the
        # fallback gives the same verdicts.
        moved = self.tmp / "fallback-moved"
        shutil.copytree(src, moved)
        again = run_tool("run", "--project", moved / "project.toml", "--work-dir", work,
                         "--out", self.tmp / "fallback2", "--no-cache", "--no-tce")
        self.assertEqual(again.returncode, 0, again.stderr[-3000:])
        self.assertIn("starting it afresh", again.stderr)
        second = json.loads((self.tmp / "fallback2" / "mutation.json").read_text())
        self.assertEqual([m["status"] for m in second["files"]["legacy.cpp"]["mutants"]],
                         [m["status"] for m in mutants])

    def test_shards_merge_into_the_unsharded_report(self):
        shards = []
        for k in (1, 2, 3):
            out = self.tmp / f"shard{k}"
            r = run_tool("run", "--project", self.src / "project.toml", "--work-dir", self.work,
                         "--out", out, "--shard", f"{k}/3", "--no-cache")
            self.assertEqual(r.returncode, 0, r.stderr[-2000:])
            shards.append(out / "mutation.json")
        merged = self.tmp / "merged"
        r = run_tool("merge", *shards, "--project", self.src / "project.toml", "--out", merged)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        got = json.loads((merged / "mutation.json").read_text())

        def verdicts(report):
            return {(path, m["id"]): (m["status"], tuple(m.get("killedBy", [])),
                                      tuple(m.get("coveredBy", [])))
                    for path, f in report["files"].items() for m in f["mutants"]}

        self.assertEqual(verdicts(got), verdicts(self.report))
        self.assertEqual(json.loads((merged / "summary.json").read_text())["score"],
                         self.summary["score"])
        # a missing shard is refused
        r = run_tool("merge", shards[0], shards[1], "--project", self.src / "project.toml",
                     "--out", self.tmp / "bad-merge")
        self.assertEqual(r.returncode, 2)
        self.assertIn("expected shards 1..3", r.stderr)

    def test_cache_reuses_verdicts_until_the_source_changes(self):
        src = self.tmp / "cached-src"
        shutil.copytree(FIXTURE, src)
        out = self.tmp / "cached"
        first = run_tool("run", "--project", src / "project.toml", "--work-dir", self.tmp / "w-cache",
                         "--out", out)
        self.assertEqual(first.returncode, 0, first.stderr[-2000:])
        before = json.loads((out / "summary.json").read_text())
        self.assertGreater(before["executed"], 0)
        again = run_tool("run", "--project", src / "project.toml", "--work-dir", self.tmp / "w-cache",
                         "--out", out)
        self.assertEqual(again.returncode, 0)
        after = json.loads((out / "summary.json").read_text())
        self.assertEqual(after["executed"], 0, "nothing changed, nothing should run")
        self.assertEqual(after["score"], before["score"])
        # a real change in lib.cpp: its verdicts are computed again
        lib = src / "lib.cpp"
        lib.write_text(lib.read_text().replace("if (sum > 100) return 100;", "if (sum > 100) return 100;  // clamp"))
        third = run_tool("run", "--project", src / "project.toml", "--work-dir", self.tmp / "w-cache",
                         "--out", out)
        self.assertEqual(third.returncode, 0)
        self.assertGreater(json.loads((out / "summary.json").read_text())["executed"], 0)

    def test_in_diff_keeps_only_changed_lines(self):
        src = self.tmp / "git-src"
        shutil.copytree(FIXTURE, src)
        git = ["git", "-C", str(src), "-c", "user.name=t", "-c", "user.email=t@t"]
        subprocess.run(git + ["init", "-q"], check=True)
        subprocess.run(git + ["add", "."], check=True)
        subprocess.run(git + ["commit", "-qm", "fixture"], check=True)
        lib = src / "lib.cpp"
        lib.write_text(lib.read_text().replace("return x >= lo;", "return x >= lo + 0;"))
        out = self.tmp / "diff"
        r = run_tool("run", "--project", src / "project.toml", "--work-dir", self.tmp / "w-diff",
                     "--out", out, "--in-diff", "HEAD")
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        report = json.loads((out / "mutation.json").read_text())
        lines = {m["location"]["start"]["line"] for f in report["files"].values() for m in f["mutants"]}
        changed = [i for i, l in enumerate(lib.read_text().splitlines(), 1) if "lo + 0" in l]
        self.assertEqual(lines, set(changed))
        r = run_tool("run", "--project", src / "project.toml", "--work-dir", self.tmp / "w-diff",
                     "--out", out, "--in-diff", "no-such-ref")
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    unittest.main()
