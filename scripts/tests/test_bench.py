#!/usr/bin/env python3
"""Tests of scripts/bench.py: the Mann-Whitney U test against known values, the regression
decision, and the reports (Markdown, SVG, JSON) from a small synthetic Google Benchmark JSON,
plus the command line's exit codes on bad input.

Run: python3 -m unittest -v test_bench   (from scripts/tests/), or via ctest (bench.script).
"""
import contextlib
import io
import itertools
import json
import math
import random
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import bench  # noqa: E402


def gb_json(ops: dict[str, list[float]], label: str = "per call", spread: float = 0.0,
            errors: dict[str, str] | None = None) -> dict:
    """Google Benchmark JSON as sqlink_bench writes it: per op one "iteration" entry per
    repetition with p50 as given and p95..max derived from it, then its aggregates."""
    benchmarks = []
    for name, p50s in ops.items():
        for i, p50 in enumerate(p50s):
            entry = {"name": name, "run_name": name, "run_type": "iteration",
                     "repetitions": len(p50s), "repetition_index": i, "threads": 1,
                     "iterations": 1000, "real_time": p50 * 1.1, "cpu_time": p50,
                     "time_unit": "ns", "batch": 1.0, "p50": p50, "p95": p50 * 1.5,
                     "p99": p50 * 2 + spread * i, "p99.9": p50 * 4, "max": p50 * 10,
                     "samples": 1000.0, "label": label}
            if errors and name in errors:
                entry = {"name": name, "run_name": name, "run_type": "iteration",
                         "error_occurred": True, "error_message": errors[name]}
            benchmarks.append(entry)
        benchmarks.append({"name": name + "_median", "run_name": name, "run_type": "aggregate",
                           "aggregate_name": "median", "p50": sorted(p50s)[len(p50s) // 2]})
    return {"context": {"date": "2026-01-01T00:00:00+00:00", "host_name": "test",
                        "num_cpus": 2, "library_build_type": "release"},
            "benchmarks": benchmarks}


class MannWhitneyU(unittest.TestCase):
    def test_completely_separated_three_and_three(self):
        # U = 0; the exact two-sided p is 2 * 1/C(6,3) = 0.1.
        t = bench.mann_whitney_u([1, 2, 3], [4, 5, 6], "exact")
        self.assertEqual(t.u, 0)
        self.assertAlmostEqual(t.p, 0.1, places=12)

    def test_scipy_documentation_example(self):
        # scipy.stats.mannwhitneyu's documented example: U1 = 17, exact p = 14/126 = 0.1111...,
        # asymptotic (continuity-corrected) p = 0.11134688653314041.
        males = [19, 22, 16, 29, 24]
        females = [20, 11, 17, 12]
        exact = bench.mann_whitney_u(males, females, "exact")
        self.assertEqual(exact.u, 17)
        self.assertAlmostEqual(exact.p, 14 / 126, places=12)
        normal = bench.mann_whitney_u(males, females, "asymptotic")
        self.assertAlmostEqual(normal.p, 0.11134688653314041, places=12)
        self.assertEqual(bench.mann_whitney_u(males, females).method, "exact")

    def test_nine_against_nine_fully_separated(self):
        # Nine repetitions each, every current value above every baseline value: the smallest
        # two-sided p there is, 2 / C(18, 9) = 4.1135e-05.
        t = bench.mann_whitney_u(list(range(10, 19)), list(range(1, 10)))
        self.assertEqual(t.u, 81)
        self.assertAlmostEqual(t.p, 2 / 48620, places=15)
        self.assertEqual(t.method, "exact")

    def test_ties_use_the_tie_corrected_normal_approximation(self):
        # Ranks of 1,2,2,2,3,3,4,5: x = {1, 2, 2, 3} has rank sum 1 + 3 + 3 + 5.5 = 12.5, so
        # U1 = 2.5; mu = 8; tie groups of 3 and 2 give sum(t^3 - t) = 30 over N(N-1) = 56;
        # var = 16/12 * (9 - 30/56); z = (|2.5 - 8| - 0.5) / sqrt(var) = 1.48835.
        t = bench.mann_whitney_u([1, 2, 2, 3], [2, 3, 4, 5])
        self.assertEqual(t.method, "asymptotic")
        self.assertEqual(t.u, 2.5)
        z = 5.0 / math.sqrt(16 / 12 * (9 - 30 / 56))
        self.assertAlmostEqual(z, 1.48835, places=4)
        self.assertAlmostEqual(t.p, math.erfc(z / math.sqrt(2)), places=12)
        self.assertAlmostEqual(t.p, 0.13667, places=4)

    def test_all_values_tied_is_no_evidence(self):
        self.assertEqual(bench.mann_whitney_u([5, 5, 5], [5, 5]).p, 1.0)

    def test_exact_matches_a_brute_force_permutation_count(self):
        rng = random.Random(1)
        for n, m in [(2, 3), (4, 4), (5, 3), (6, 5)]:
            values = rng.sample(range(1000), n + m)
            x, y = values[:n], values[n:]
            u_obs = sum(1 for a in x for b in y if a > b)
            small = min(u_obs, n * m - u_obs)
            count = total = 0
            for pick in itertools.combinations(range(n + m), n):
                xs = [values[i] for i in pick]
                ys = [values[i] for i in range(n + m) if i not in pick]
                u = sum(1 for a in xs for b in ys if a > b)
                count += min(u, n * m - u) <= small
                total += 1
            t = bench.mann_whitney_u(x, y, "exact")
            self.assertEqual(t.u, u_obs)
            self.assertAlmostEqual(t.p, min(1.0, count / total), places=12, msg=(n, m))

    def test_exact_refuses_ties_and_empty_samples(self):
        with self.assertRaises(ValueError):
            bench.mann_whitney_u([1, 2], [2, 3], "exact")
        with self.assertRaises(ValueError):
            bench.mann_whitney_u([], [1])


class Parsing(unittest.TestCase):
    def test_ops_come_in_registration_order_whatever_the_file_order(self):
        data = gb_json({"b/second": [2.0] * 3, "a/first": [1.0] * 3})
        for entry in data["benchmarks"]:
            entry["family_index"] = 1 if entry["run_name"] == "b/second" else 0
        ops = bench.parse_runs(data)
        self.assertEqual(list(ops), ["a/first", "b/second"])
        self.assertEqual(ops["b/second"].reps["p50"], [2.0, 2.0, 2.0])
        self.assertEqual(ops["b/second"].median("p99"), 4.0)

    def test_a_counter_that_is_not_a_number_is_refused(self):
        data = gb_json({"x": [1.0]})
        data["benchmarks"][0]["p99"] = "fast"
        with self.assertRaises(bench.UsageError) as e:
            bench.parse_runs(data, "baseline 'b.json'")
        self.assertIn("baseline 'b.json': x: counter p99", str(e.exception))


class RegressionDecision(unittest.TestCase):
    base = [1000, 1010, 990, 1005, 995, 1002, 998, 1007, 993]

    def op(self, values):
        return bench.parse_runs(gb_json({"x": values}))["x"]

    def test_twenty_percent_slower_on_every_repetition_is_a_regression(self):
        c = bench.compare(self.op([v * 1.2 for v in self.base]), self.op(self.base))
        self.assertTrue(c.regression)
        self.assertLess(c.p, bench.ALPHA)
        self.assertAlmostEqual(c.change, 0.2, places=6)

    def test_significant_but_small_slowdown_is_not_a_regression(self):
        c = bench.compare(self.op([v * 1.03 for v in self.base]), self.op(self.base))
        self.assertLess(c.p, bench.ALPHA)
        self.assertFalse(c.regression)

    def test_large_but_noisy_slowdown_is_not_a_regression(self):
        current = [800, 1500, 900, 1400, 1000, 1300, 950, 1250, 1100]  # median +10%, overlapping
        c = bench.compare(self.op(current), self.op(self.base))
        self.assertGreater(c.change, bench.MIN_SLOWDOWN)
        self.assertGreater(c.p, bench.ALPHA)
        self.assertFalse(c.regression)

    def test_faster_is_an_improvement(self):
        c = bench.compare(self.op([v * 0.7 for v in self.base]), self.op(self.base))
        self.assertTrue(c.improvement)
        self.assertFalse(c.regression)


class Reports(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        reps = 9
        self.current = gb_json({
            "timer/empty": [22.0] * reps,
            "path_guard/lexical/typical": [250.0 + i for i in range(reps)],
            "bundle/resolve/name": [12000.0 + 10 * i for i in range(reps)],
            "sqlite/stmt/cached": [2000.0 + i for i in range(reps)],
            "sqlite/stmt/reprepared": [5000.0 + i for i in range(reps)],
            "cas/get_verify/1MiB": [1_000_000.0 + i for i in range(reps)],
            "cas/peer_sha256/1MiB": [700_000.0 + i for i in range(reps)],
            "argv/host/typical": [600.0 + i for i in range(reps)],
            "prefix/register/pcre": [1.0] * reps,
        }, label="batched x16; 13 args", errors={"prefix/register/pcre": "pcre.so is missing"})
        self.baseline = gb_json({
            "path_guard/lexical/typical": [250.0 + i for i in range(reps)],
            "bundle/resolve/name": [8000.0 + 10 * i for i in range(reps)],   # now ~50% slower
            "argv/host/typical": [600.0 + i for i in range(reps)],
            "gone/op": [1.0] * reps,
        })

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, data):
        path = self.dir / name
        path.write_text(data if isinstance(data, str) else json.dumps(data))
        return path

    def run_main(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = bench.main(list(argv))
            except SystemExit as e:  # argparse usage errors
                code = e.code
        return code, out.getvalue(), err.getvalue()

    def test_markdown_table_ratios_and_goals(self):
        summary, regressions = bench.write_reports(self.current, self.dir / "out", None, None, {})
        md = (self.dir / "out" / "summary.md").read_text()
        self.assertIn("| op | sampling | p50 | p95 | p99 | p99.9 | max | CV | change vs baseline |",
                      md)
        # path_guard/lexical/typical: median p50 254 ns, p95 381 ns, p99 508 ns, p99.9 1.02 us.
        self.assertIn("| `path_guard/lexical/typical` | batched x16, 1000 samples | 254 ns | 381 ns | 508 ns | "
                      "1.02 µs | 2.54 µs |", md)
        self.assertIn("| `prefix/register/pcre` | error: pcre.so is missing |", md)
        self.assertIn("Timer cost (an empty sampled region): p50 22 ns", md)
        self.assertIn("| cached statements >= 1.3x faster than re-prepared | statements: "
                      "re-prepared / cached (raw SQLite) | 2.50x | >= 1.30x | met |", md)
        self.assertIn("| CAS get+verify 1 MiB >= 80% of bare SHA-256 throughput | CAS get+verify "
                      "1 MiB: SHA-256 alone / get | 0.70x | >= 0.80x | not met |", md)
        self.assertIn("| path validation (lexical) p99 <= 1 us | p99 median of "
                      "path_guard/lexical/typical | 508 ns | <= 1 µs | met |", md)
        self.assertIn("| bundle resolution by name p99 <= 20 us | p99 median of bundle/resolve/name"
                      " | 24.1 µs | <= 20 µs | not met |", md)
        self.assertEqual(regressions, [])
        goals = {g["goal"]: g["status"] for g in summary["goals"]}
        self.assertEqual(list(goals.values()), ["met", "not met", "met", "not met"])

    def test_ratio_of_an_op_that_did_not_run_is_not_measured(self):
        del self.current["benchmarks"][:]
        data = gb_json({"bundle/resolve/name": [1.0] * 9})
        summary, _ = bench.write_reports(data, self.dir / "out", None, None, {})
        status = {g["goal"]: g["status"] for g in summary["goals"]}
        self.assertEqual(status["bundle resolution by name p99 <= 20 us"], "met")
        self.assertEqual(status["cached statements >= 1.3x faster than re-prepared"],
                         "not measured")

    def test_svg_is_well_formed_with_a_row_per_op_on_a_log_axis(self):
        bench.write_reports(self.current, self.dir / "out", None, None, {})
        svg = (self.dir / "out" / "latency.svg").read_text()
        root = ET.fromstring(svg)
        ns = "{http://www.w3.org/2000/svg}"
        self.assertEqual(root.tag, ns + "svg")
        texts = [t.text for t in root.iter(ns + "text")]
        for op in ("timer/empty", "cas/get_verify/1MiB", "argv/host/typical"):
            self.assertIn(op, texts)
        self.assertNotIn("prefix/register/pcre", texts)  # errored: nothing to plot
        # Decade grid from 10 ns (timer p50 22 ns) to 100 ms (1 MiB max 10 ms rounds up).
        self.assertIn("10 ns", texts)
        self.assertIn("1 µs", texts)
        self.assertIn("100 ms", texts)
        titles = [t.text for t in root.iter(ns + "title")]
        self.assertIn("argv/host/typical p50 604 ns", titles)
        # Log scale: 1 us sits halfway between 10 ns and 100 us on the axis.
        xs = {t.text: float(t.get("x")) for t in root.iter(ns + "text") if t.text in
              ("10 ns", "1 µs", "100 µs")}
        self.assertAlmostEqual(xs["1 µs"] - xs["10 ns"], xs["100 µs"] - xs["1 µs"], delta=0.2)

    def test_compare_flags_the_regression_and_exits_1(self):
        cur = self.write("bench.json", self.current)
        base = self.write("baseline.json", self.baseline)
        code, out, err = self.run_main("--from-json", str(cur), "--compare", str(base),
                                       "--out", str(self.dir / "out"))
        self.assertEqual(code, 1, err)
        self.assertIn("bundle/resolve/name", err)
        md = (self.dir / "out" / "summary.md").read_text()
        self.assertRegex(md, r"\| `bundle/resolve/name` \|.*\| \+49\.8% \(p=4\.1e-05\) "
                             r"\*\*regression\*\* \|")
        self.assertRegex(md, r"\| `argv/host/typical` \|.*\| \+0\.0% \(p=1\) \|")
        self.assertRegex(md, r"\| `sqlite/stmt/cached` \|.*\| new \|")
        summary = json.loads((self.dir / "out" / "summary.json").read_text())
        self.assertEqual(summary["regressions"], ["bundle/resolve/name"])
        change = summary["ops"]["bundle/resolve/name"]["change"]
        self.assertAlmostEqual(change["p_value"], 2 / 48620, places=12)
        self.assertAlmostEqual(change["relative"], 12040 / 8040 - 1, places=12)
        self.assertEqual(summary["ops"]["bundle/resolve/name"]["p50"], 12040.0)
        self.assertIn("goal: bundle resolution by name p99 <= 20 us: not met", out)

    def test_no_regression_exits_0(self):
        cur = self.write("bench.json", self.current)
        code, _, err = self.run_main("--from-json", str(cur), "--compare", str(cur),
                                     "--out", str(self.dir / "out"))
        self.assertEqual(code, 0, err)

    def test_missing_baseline_is_a_usage_error_naming_it(self):
        cur = self.write("bench.json", self.current)
        code, _, err = self.run_main("--from-json", str(cur), "--compare",
                                     str(self.dir / "nope.json"), "--out", str(self.dir / "o"))
        self.assertEqual(code, 2)
        self.assertIn("baseline", err)
        self.assertIn("nope.json", err)
        self.assertIn("does not exist", err)

    def test_malformed_json_is_a_usage_error_naming_it(self):
        bad = self.write("broken.json", "{\"benchmarks\": [")
        code, _, err = self.run_main("--from-json", str(bad), "--out", str(self.dir / "o"))
        self.assertEqual(code, 2)
        self.assertIn("broken.json", err)
        self.assertIn("not valid JSON", err)
        other = self.write("other.json", {"results": []})
        code, _, err = self.run_main("--from-json", str(self.write("b.json", self.current)),
                                     "--compare", str(other), "--out", str(self.dir / "o"))
        self.assertEqual(code, 2)
        self.assertIn("other.json", err)
        self.assertIn("not Google Benchmark JSON", err)

    def test_bad_options_are_usage_errors(self):
        cur = str(self.write("bench.json", self.current))
        for argv, needle in [(["--frobnicate"], "--frobnicate"),
                             (["--repetitions", "3"], "--repetitions 3"),
                             (["--min-time", "0"], "--min-time 0"),
                             (["--filter", "(unclosed"], "--filter '(unclosed'"),
                             (["--repetitions", "many"], "many")]:
            code, _, err = self.run_main("--from-json", cur, *argv)
            self.assertEqual(code, 2, argv)
            self.assertIn(needle, err)

    def fake_binary(self, body: str) -> Path:
        """A stand-in for sqlink_bench: a Python script that gets the same flags."""
        path = self.dir / "fake_bench"
        path.write_text("#!" + sys.executable + "\nimport json, sys\n"
                        "args = dict(a.split('=', 1) for a in sys.argv[1:] if '=' in a)\n"
                        + body)
        path.chmod(0o755)
        return path

    def test_a_run_writes_google_benchmark_json_and_the_reports(self):
        data = json.dumps(self.current)
        fake = self.fake_binary(
            "assert args['--benchmark_repetitions'] == '9', args\n"
            "assert args['--benchmark_min_time'] == '0.03', args\n"
            "assert args['--benchmark_filter'] == 'bundle/', args\n"
            f"open(args['--benchmark_out'], 'w').write({data!r})\n")
        out = self.dir / "out"
        code, stdout, err = self.run_main("--binary", str(fake), "--quick", "--filter", "bundle/",
                                          "--out", str(out))
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads((out / "bench.json").read_text()), self.current)
        for name in ("summary.md", "summary.json", "latency.svg"):
            self.assertTrue((out / name).is_file(), name)
        self.assertFalse((out / "bench.json.partial").exists())
        summary = json.loads((out / "summary.json").read_text())
        self.assertEqual(summary["meta"]["repetitions"], 9)
        self.assertEqual(summary["meta"]["min_time"], 0.03)

    def test_a_filter_that_matches_nothing_is_a_usage_error(self):
        fake = self.fake_binary("sys.exit(2)\n")
        code, _, err = self.run_main("--binary", str(fake), "--filter", "nothing/",
                                     "--out", str(self.dir / "o"))
        self.assertEqual(code, 2)
        self.assertIn("--filter 'nothing/' matches no benchmark", err)

    def test_a_crashing_binary_is_a_tool_error(self):
        fake = self.fake_binary("sys.exit(134)\n")
        code, _, err = self.run_main("--binary", str(fake), "--out", str(self.dir / "o"))
        self.assertEqual(code, 3)
        self.assertIn("exited with status 134", err)

    def test_missing_binary_is_a_tool_error(self):
        code, _, err = self.run_main("--binary", str(self.dir / "no-such-bench"),
                                     "--out", str(self.dir / "o"))
        self.assertEqual(code, 3)
        self.assertIn("no-such-bench", err)


class Formatting(unittest.TestCase):
    def test_nanoseconds_in_readable_units(self):
        self.assertEqual(bench.fmt_ns(22), "22 ns")
        self.assertEqual(bench.fmt_ns(673.3), "673 ns")
        self.assertEqual(bench.fmt_ns(1500), "1.5 µs")
        self.assertEqual(bench.fmt_ns(181950), "182 µs")
        self.assertEqual(bench.fmt_ns(4.63413e6), "4.63 ms")
        self.assertEqual(bench.fmt_ns(None), "-")

    def test_sample_counts(self):
        self.assertEqual(bench.fmt_count(37), "37")
        self.assertEqual(bench.fmt_count(89734), "89.7k")
        self.assertEqual(bench.fmt_count(1.4e6), "1.4M")


if __name__ == "__main__":
    unittest.main()
