#!/usr/bin/env python3
"""The dashboard (scripts/report.py) built from fixture inputs and checked in a real headless
Chromium: no uncaught exception, console error or network request; every section and chart
present and drawn; a screenshot saved and not blank. Negative cases inject a script error, a
console error, a remote image and a missing section to prove each check can fail.

The report's own robustness (missing, malformed, stale inputs; "not run" is never "pass") is
tested without a browser. ctest `report.dashboard_browser` (label slow). Exit 77 (skipped)
only when chromium is absent, after the browser-free tests passed.

usage: test_dashboard.py [--out DIR] [unittest args]   (screenshots go to DIR; default
build/dashboard-test)
"""
from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(HERE, "fixtures", "dashboard")
sys.path.insert(0, os.path.join(ROOT, "scripts"))

from report import browser, mutation  # noqa: E402

OUT_DIR = os.path.join(ROOT, "build", "dashboard-test")
CHROMIUM = browser.find_chromium()
SKIP = 77


def build_dashboard(workdir: str, *, stages: bool = True, started_offset: int = -480,
                    edit=None, extra: tuple = ()) -> tuple[str, subprocess.CompletedProcess]:
    """Copies the fixtures into workdir (fresh modification times, as a run leaves them),
    lets `edit(workdir)` spoil them, runs scripts/report.py; returns (page, process)."""
    inputs = os.path.join(workdir, "inputs")
    shutil.copytree(FIXTURES, inputs, copy_function=shutil.copy)
    if edit:
        edit(inputs)
    out = os.path.join(workdir, "site", "index.html")
    cmd = [sys.executable, os.path.join(ROOT, "scripts", "report.py"), "--preset", "fixture",
           "--junit", os.path.join(inputs, "junit.xml"),
           "--mutation", os.path.join(inputs, "mutation"), "--fuzz", os.path.join(inputs, "fuzz"),
           "--bench", os.path.join(inputs, "bench"), "--started", str(int(time.time()) + started_offset),
           "--budget", "600", "--out", out, *extra]
    if stages:
        cmd += ["--stages", os.path.join(inputs, "stages.jsonl")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    return out, proc


def read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def section(html: str, sid: str) -> str:
    m = re.search(rf'<section id="{sid}"[^>]*>(.*?)</section>', html, re.S)
    return m.group(1) if m else ""


def section_status(html: str, sid: str) -> str | None:
    m = re.search(rf'<section id="{sid}" data-status="([^"]+)"', html)
    return m.group(1) if m else None


def png_facts(data: bytes) -> dict:
    """Size and a blankness measure of a PNG: the share of scanlines with more than four
    distinct byte values (a blank page's filtered rows have one or two)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour = ihdr[:4]
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    raw = zlib.decompress(idat)
    stride = 1 + width * channels * depth // 8
    assert len(raw) == stride * height, "PNG data does not match its header"
    busy = sum(1 for y in range(height) if len(set(raw[y * stride + 1:(y + 1) * stride])) > 4)
    return {"width": width, "height": height, "bytes": len(data), "busy_rows": busy / height}


class ReportInputs(unittest.TestCase):
    """The report on good, missing, malformed and stale inputs: no browser needed."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="dashboard-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_fixture_page_has_every_section_and_its_figures(self):
        out, proc = build_dashboard(self.tmp)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        html = read(out)
        for sid in ("header", "stages", "tests", "fuzz", "mutation", "bench"):
            self.assertIn(f'id="{sid}"', html)
        self.assertNotRegex(html, r'(src|href)="(https?:)?//', "the page must not reach the network")
        self.assertNotIn("<script", html)
        mut = section(html, "mutation")
        # 12 mutants: 6 killed + 1 timeout over 12 - 1 ignored - 1 compile error = 70%;
        # covered: 7 / 9 = 77.77% (rounded down)
        self.assertIn("70.00%", mut)
        self.assertIn("77.77%", mut)
        self.assertIn("core/src/path/guard.cpp:7", mut)
        self.assertIn("p.size() &lt; root.size()</code> → <code>p.size() &lt;= root.size()", mut)
        self.assertIn('href="../inputs/mutation/index.html"', mut)
        self.assertIn("score 70.00 is below --fail-under 75", mut)
        fuzz = section(html, "fuzz")
        self.assertIn('id="fuzz-coverage"', fuzz)
        self.assertIn('href="../inputs/fuzz/crashes/3f2a9c1d/repro.sh"', fuzz)
        self.assertIn("1 malformed line(s) skipped (line 19)", fuzz)
        bench = section(html, "bench")
        self.assertIn('id="bench-latency"', bench)
        for op in ("cas/put/4KiB", "path_guard/check/deep", "batched x256"):
            self.assertIn(op, bench)
        self.assertIn('href="../inputs/bench/latency.svg"', bench)
        self.assertIn("Peer ratios", bench)
        self.assertIn("3.42×", bench)
        self.assertIn(">-12.4%<", bench)  # the improvement against the baseline
        self.assertIn("bundle store could not be opened", bench)
        self.assertEqual({s: section_status(html, s) for s in ("tests", "fuzz", "mutation", "bench")},
                         {"tests": "fail", "fuzz": "fail", "mutation": "fail", "bench": "pass"})
        summary = json.loads(read(os.path.join(os.path.dirname(out), "summary.json")))
        self.assertEqual(summary["mutation"]["total"], 12)
        self.assertAlmostEqual(summary["mutation"]["score"], 70.0)
        self.assertEqual(summary["fuzz"]["new_crashes"], 1)
        self.assertEqual([s["stage"] for s in summary["stages"]],
                         ["bootstrap", "build", "tests", "fuzz", "mutation", "bench"])
        self.assertRegex(proc.stdout, r"(?m)^  mutation +fail +score 70\.00%")
        self.assertIn("dashboard: " + out, proc.stdout)

    def test_setup_time_is_shown_apart_from_the_budget(self):
        # 480 s since the start, 300 of them setup: 180 s of the 600 s budget were used
        out, proc = build_dashboard(self.tmp, extra=("--setup-seconds", "300"))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        header = section(read(out), "header") or read(out)
        self.assertRegex(header, r"1[78]\d s of a 600 s budget after 300 s of setup")
        summary = json.loads(read(os.path.join(os.path.dirname(out), "summary.json")))
        self.assertEqual(summary["setup_seconds"], 300)
        self.assertIn("after 300 s of setup", proc.stdout)

    def test_nothing_ran_shows_not_run_never_pass(self):
        out = os.path.join(self.tmp, "index.html")
        empty = os.path.join(self.tmp, "empty")
        os.mkdir(empty)
        proc = subprocess.run(
            [sys.executable, os.path.join(ROOT, "scripts", "report.py"), "--junit",
             os.path.join(empty, "junit.xml"), "--mutation", empty, "--fuzz", empty, "--bench",
             empty, "--out", out], capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        html = read(out)
        for sid in ("tests", "fuzz", "mutation", "bench"):
            self.assertEqual(section_status(html, sid), "not run", sid)
        self.assertNotIn('class="badge st-pass"', html)
        self.assertEqual(len(re.findall(r"(?m)^  \w+ +not run ", proc.stdout)), 4, proc.stdout)

    def test_malformed_inputs_are_named_and_never_crash_the_report(self):
        def spoil(d):
            for rel, text in (("mutation/mutation.json", '{"files": '), ("fuzz/summary.json", "[1, 2]"),
                              ("bench/bench.json", '{"benchmarks": "no"}'), ("junit.xml", "<testsuite"),
                              ("fuzz/stats.jsonl", "garbage\n"), ("mutation/summary.json", "null")):
                with open(os.path.join(d, rel), "w") as f:
                    f.write(text)
        out, proc = build_dashboard(self.tmp, stages=False, edit=spoil)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        html = read(out)
        for rel, why in (("mutation/mutation.json", "malformed JSON"),
                         ("fuzz/summary.json", "malformed: top level is list"),
                         ("bench/bench.json", "malformed: no `benchmarks` list"),
                         ("junit.xml", "malformed XML")):
            self.assertRegex(html, re.escape(rel) + r"</code>: " + re.escape(why))
        for sid in ("tests", "fuzz", "mutation", "bench"):
            self.assertEqual(section_status(html, sid), "error", sid)

    def test_a_stage_the_harness_did_not_run_hides_what_an_earlier_run_left(self):
        def not_run(d):
            with open(os.path.join(d, "stages.jsonl"), "a") as f:
                f.write(json.dumps({"stage": "mutation", "status": "not run",
                                    "note": "command missing"}) + "\n")
        out, proc = build_dashboard(self.tmp, edit=not_run)
        html = read(out)
        self.assertEqual(section_status(html, "mutation"), "not run")
        mut = section(html, "mutation")
        self.assertIn("command missing", mut)
        self.assertIn("are not shown", mut)
        self.assertNotIn("Surviving mutants", mut)
        self.assertRegex(proc.stdout, r"(?m)^  mutation +not run +command missing")

    def test_a_gate_note_for_a_run_cut_short_is_shown(self):
        note = "12 mutant(s) pending (--max-time): the overall score is not held"
        def cut_short(d):
            path = os.path.join(d, "mutation", "summary.json")
            with open(path) as f:
                summary = json.load(f)
            summary["gate"] = {"passed": True, "reasons": [], "notes": [note]}
            with open(path, "w") as f:
                json.dump(summary, f)
        out, proc = build_dashboard(self.tmp, edit=cut_short)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        mut = section(read(out), "mutation")
        self.assertIn("Gate note: " + note, mut)
        self.assertIn(note, read(out).split('id="stages"')[1].split("</section>")[0])

    def test_pending_mutants_are_not_scored_and_the_tile_says_the_score_is_partial(self):
        def pend_one(d):
            path = os.path.join(d, "mutation", "mutation.json")
            with open(path) as f:
                report = json.load(f)
            mutants = [m for f in report["files"].values() for m in f["mutants"]]
            killed = [m for m in mutants if m["status"] == "Killed"]
            killed[0]["status"] = "Pending"
            with open(path, "w") as f:
                json.dump(report, f)
            return len(mutants), len(killed)
        out, proc = build_dashboard(self.tmp, edit=pend_one)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        mut = section(read(out), "mutation")
        self.assertIn("mutation score so far (1 pending)", mut)
        self.assertNotIn("unknown mutant status", mut)

    def test_a_stage_that_ran_but_wrote_nothing_is_an_error_not_a_pass(self):
        def ran_without_output(d):
            shutil.rmtree(os.path.join(d, "mutation"))
            os.mkdir(os.path.join(d, "mutation"))
        out, proc = build_dashboard(self.tmp, edit=ran_without_output)
        html = read(out)
        self.assertEqual(section_status(html, "mutation"), "error")
        mut = section(html, "mutation")
        self.assertIn("the stage ran but wrote no", mut)
        self.assertNotIn("Not run.", mut)
        self.assertEqual(mut.count("wrote no"), 1)  # said once, not once per source
        self.assertIn("Nothing to show from this run", mut)

    def test_files_a_stage_did_not_rewrite_are_an_error(self):
        # the run "started" after the fixture files were written: the stages left old files
        out, proc = build_dashboard(self.tmp, started_offset=+100)
        html = read(out)
        for sid in ("fuzz", "mutation", "bench"):
            self.assertEqual(section_status(html, sid), "error", sid)
        self.assertIn("was not rewritten by this run", section(html, "bench"))

    def test_an_event_read_with_a_reply_is_not_lost(self):
        # Chromium may send Page.loadEventFired in the same read as Page.navigate's reply
        r_cmd, w_cmd = os.pipe()
        r_out, w_out = os.pipe()
        try:
            pipe = browser._Pipe(w_cmd, r_out)
            os.write(w_out, json.dumps({"id": 1, "result": {"frameId": "f"}}).encode() + b"\0"
                     + json.dumps({"method": "Page.loadEventFired", "params": {}}).encode() + b"\0")
            self.assertEqual(pipe.call("Page.navigate", {"url": "x"}, timeout=2), {"frameId": "f"})
            self.assertTrue(pipe.wait_for("Page.loadEventFired", 0.1))
        finally:
            for fd in (r_cmd, w_cmd, r_out, w_out):
                os.close(fd)

    def test_scores_follow_the_mutation_tools_definition(self):
        c = mutation.new_counts() | {"killed": 3, "timeout": 1, "survived": 2, "no_coverage": 2,
                                     "ignored": 5, "compile_error": 1}
        score, covered = mutation.scores(c)
        self.assertAlmostEqual(score, 50.0)       # 4 / (14 - 5 - 1)
        self.assertAlmostEqual(covered, 4 / 6 * 100)
        self.assertEqual(mutation.scores(mutation.new_counts() | {"ignored": 2}), (None, None))
        src = "int f(int a) {\n  return a < 3;\n}\n"
        loc = {"start": {"line": 2, "column": 10}, "end": {"line": 2, "column": 15}}
        self.assertEqual(mutation.original_text(src, loc), "a < 3")
        self.assertIsNone(mutation.original_text(src, {"start": {}}))


@unittest.skipUnless(CHROMIUM, "chromium not installed")
class InTheBrowser(unittest.TestCase):
    """The fixture dashboard in headless Chromium, and the checker's own failure cases."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="dashboard-browser-")
        cls.page, proc = build_dashboard(cls.tmp)
        assert proc.returncode == 0, proc.stderr
        cls.check = browser.check_page(cls.page, width=1280, height=2000)
        os.makedirs(OUT_DIR, exist_ok=True)
        cls.shot = os.path.join(OUT_DIR, "dashboard.png")
        with open(cls.shot, "wb") as f:
            f.write(cls.check.screenshot)
        full = browser.check_page(cls.page, full_page=True)
        with open(os.path.join(OUT_DIR, "dashboard-full.png"), "wb") as f:
            f.write(full.screenshot)
        shutil.copy(cls.page, os.path.join(OUT_DIR, "index.html"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_renders_with_no_error_and_no_network(self):
        self.assertEqual(self.check.problems(), [])
        self.assertEqual(browser.dashboard_problems(self.check.dom), [])

    def test_every_section_stage_and_chart_is_drawn(self):
        dom = self.check.dom
        self.assertEqual(dom["title"], "sqlink harness report")
        statuses = {s["id"]: s["status"] for s in dom["sections"]}
        self.assertEqual({k: statuses[k] for k in ("tests", "fuzz", "mutation", "bench")},
                         {"tests": "fail", "fuzz": "fail", "mutation": "fail", "bench": "pass"})
        self.assertEqual([(c["stage"], c["status"]) for c in dom["cards"]],
                         [("bootstrap", "pass"), ("build", "pass"), ("tests", "fail"),
                          ("fuzz", "fail"), ("mutation", "fail"), ("bench", "pass")])
        charts = {c["id"]: c for c in dom["charts"]}
        self.assertEqual(charts["fuzz-coverage"]["lines"], 3)            # one per target
        self.assertEqual(charts["bench-latency"]["markers"], 5 + 4 * 5)  # legend + 4 ops x 5
        for c in charts.values():
            self.assertGreater(c["width"], 600)
        self.assertIn("70.00%", dom["text"])
        self.assertIn("PathGuard.Below", dom["text"])

    def test_every_local_link_points_at_a_file(self):
        local = [u for u in self.check.dom["links"] if u.startswith("file://")]
        self.assertGreaterEqual(len(local), 8)
        for u in local:
            path = re.sub(r"^file://", "", u).split("#")[0]
            self.assertTrue(os.path.exists(path), u)

    def test_screenshot_is_a_real_picture_of_the_page(self):
        with open(self.shot, "rb") as f:
            facts = png_facts(f.read())
        self.assertEqual((facts["width"], facts["height"]), (1280, 2000))
        self.assertGreater(facts["bytes"], 30_000)
        self.assertGreater(facts["busy_rows"], 0.25)

    # ---- the checker can fail
    def spoiled(self, name: str, old: str, new: str) -> str:
        html = read(self.page)
        self.assertIn(old, html)
        path = os.path.join(self.tmp, "site", name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(html.replace(old, new, 1))
        return path

    def test_checker_catches_an_uncaught_script_error(self):
        page = self.spoiled("js-error.html", "</body>", "<script>undefinedFunction();</script></body>")
        problems = browser.check_page(page).problems()
        self.assertTrue(any("uncaught exception" in p and "undefinedFunction" in p
                            for p in problems), problems)

    def test_checker_catches_a_console_error(self):
        page = self.spoiled("console-error.html", "</body>",
                            "<script>console.log('fine'); console.error('dashboard broke');</script></body>")
        problems = browser.check_page(page).problems()
        self.assertEqual(problems, ["console error: dashboard broke"])

    def test_checker_catches_a_request_to_the_network(self):
        page = self.spoiled("remote.html", "</body>",
                            '<img src="https://cdn.example.com/chart.png" alt=""></body>')
        problems = browser.check_page(page).problems()
        self.assertIn("network request: https://cdn.example.com/chart.png", problems)
        self.assertTrue(any(p.startswith("broken image") for p in problems), problems)

    def test_dom_check_catches_a_missing_section_and_an_undrawn_chart(self):
        html = read(self.page)
        html = re.sub(r'<section id="fuzz".*?</section>', "", html, count=1, flags=re.S)
        html = html.replace("</style>", "svg.chart{width:0!important;height:0!important}</style>", 1)
        path = os.path.join(self.tmp, "site", "broken-dom.html")
        with open(path, "w", encoding="utf-8") as f:
            f.write(html)
        check = browser.check_page(path)
        self.assertEqual(check.problems(), [])  # nothing wrong for the browser...
        problems = browser.dashboard_problems(check.dom)  # ...but the dashboard is incomplete
        self.assertIn("section #fuzz missing", problems)
        self.assertIn("chart #bench-latency rendered at 0x0 px", problems)

    def test_report_browser_check_saves_a_screenshot_beside_the_page(self):
        out = os.path.join(self.tmp, "checked", "index.html")
        inputs = os.path.join(self.tmp, "inputs")
        proc = subprocess.run(
            [sys.executable, os.path.join(ROOT, "scripts", "report.py"), "--junit",
             os.path.join(inputs, "junit.xml"), "--mutation", os.path.join(inputs, "mutation"),
             "--fuzz", os.path.join(inputs, "fuzz"), "--bench", os.path.join(inputs, "bench"),
             "--out", out, "--browser-check"], capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("browser check: ok", proc.stdout)
        self.assertTrue(os.path.getsize(os.path.join(os.path.dirname(out), "dashboard.png")) > 30_000)


def main() -> int:
    global OUT_DIR
    argv = sys.argv[1:]
    if "--out" in argv:
        i = argv.index("--out")
        OUT_DIR = os.path.abspath(argv[i + 1])
        del argv[i:i + 2]
    result = unittest.main(argv=[sys.argv[0]] + argv, exit=False, verbosity=2).result
    if not result.wasSuccessful():
        return 1
    if not CHROMIUM:
        print("test_dashboard: chromium not found; browser tests skipped", file=sys.stderr)
        return SKIP
    print(f"test_dashboard: screenshots in {OUT_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
