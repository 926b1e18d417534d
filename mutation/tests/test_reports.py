#!/usr/bin/env python3
"""Tests of the report writers (sqlink_mutate.reports) on a synthetic report that has every
status, a source holding "</script>" and non-ASCII text, a multi-line mutant and a file with
no final newline. Scores are checked against hand-computed values, diffs against exact text
(and against diff(1)/patch(1)), the HTML page in headless Chromium.

Run: python3 mutation/tests/test_reports.py
"""
from __future__ import annotations

import copy
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sqlink_mutate import reports  # noqa: E402
from sqlink_mutate.reports import html as html_report, markdown, sarif, scores  # noqa: E402
from sqlink_mutate.reports import mutant_text  # noqa: E402

FIXTURES = HERE / "fixtures" / "reports"
CHROMIUM = "/usr/bin/chromium"
COMPARE = "core/src/compare.cpp"
SIZE = "core/src/size.cpp"


def load_fixture() -> tuple[dict, dict]:
    report = json.loads((FIXTURES / "report.json").read_text(encoding="utf-8"))
    summary = json.loads((FIXTURES / "summary.json").read_text(encoding="utf-8"))
    return report, summary


def with_sourceless_suppression(report: dict) -> dict:
    """The report plus what the driver writes for a suppressed point in a file it could not
    read: an id that is not a number, no replacement, an empty source."""
    report = copy.deepcopy(report)
    report["files"]["core/src/gone.cpp"] = {"language": "cpp", "source": "", "mutants": [{
        "id": "s1", "mutatorName": "rel.lt.le", "replacement": "", "static": False,
        "location": {"start": {"line": 5, "column": 1}, "end": {"line": 5, "column": 9}},
        "status": "Ignored", "statusReason": "suppressed: generated code"}]}
    return report


def mutant(report: dict, mid: str) -> tuple[str, dict]:
    for path, m in scores.iter_mutants(report):
        if m["id"] == mid:
            return path, m
    raise KeyError(mid)


# Mutant 2 of compare.cpp: `a < b` → `a != b` on line 7, three lines of context each side.
DIFF_MUTANT_2 = """\
--- a/core/src/compare.cpp
+++ b/core/src/compare.cpp
@@ -4,7 +4,7 @@
 const char* kTag = "</script><b>not markup</b>";
 
 bool less(int a, int b) {
-  return a < b;
+  return a != b;
 }
 
 int add(int a, int b) {
"""

# Mutant 12 of size.cpp: the function body (lines 1:18 to 3:2) replaced by `{}`; the file
# has no final newline.
DIFF_MUTANT_12 = """\
--- a/core/src/size.cpp
+++ b/core/src/size.cpp
@@ -1,3 +1 @@
-int twice(int n) {
-  return n * 2;
-}
\\ No newline at end of file
+int twice(int n) {}
\\ No newline at end of file
"""


class ScoresTest(unittest.TestCase):
    def setUp(self):
        self.report, self.summary = load_fixture()

    def test_overall_counts_match_the_fixture_by_hand(self):
        c = scores.overall_counts(self.report)
        self.assertEqual((c.killed, c.survived, c.timeout, c.no_coverage, c.ignored,
                          c.compile_error, c.runtime_error, c.total), (3, 4, 1, 1, 3, 1, 1, 14))
        # valid = 14 - 3 ignored - 1 compile error - 1 runtime error = 9; detected = 3 + 1.
        self.assertEqual(c.valid, 9)
        self.assertAlmostEqual(c.score, 400 / 9)
        # Without the 1 NoCoverage mutant: 4 / 8.
        self.assertAlmostEqual(c.covered_score, 50.0)

    def test_per_file_scores(self):
        per_file = scores.file_counts(self.report)
        self.assertEqual(list(per_file), [COMPARE, SIZE])
        self.assertAlmostEqual(per_file[COMPARE].score, 300 / 7)      # 3 detected of 7 valid
        self.assertAlmostEqual(per_file[COMPARE].covered_score, 50.0)  # 3 of 6
        self.assertAlmostEqual(per_file[SIZE].score, 50.0)             # 1 of 2

    def test_as_dict_has_the_summary_keys_and_values(self):
        as_dict = scores.overall_counts(self.report).as_dict()
        for key in ("killed", "survived", "timeout", "no_coverage", "ignored", "compile_error",
                    "runtime_error", "total"):
            self.assertEqual(as_dict[key], self.summary[key], key)
        self.assertAlmostEqual(as_dict["score"], self.summary["score"])
        self.assertAlmostEqual(as_dict["covered_score"], self.summary["covered_score"])

    def test_displayed_score_rounds_down(self):
        self.assertEqual(scores.format_score(300 / 7), "42.85")   # 42.857…, not 42.86
        self.assertEqual(scores.format_score(94.999), "94.99")
        self.assertEqual(scores.format_score(95.0), "95.00")
        self.assertEqual(scores.format_score(100.0), "100.00")
        self.assertEqual(scores.format_score(None), "n/a")

    def test_no_valid_mutant_means_no_score(self):
        c = scores.Counts(ignored=2, compile_error=1)
        self.assertIsNone(c.score)
        self.assertIsNone(c.covered_score)
        self.assertIsNone(scores.Counts(no_coverage=1).covered_score)
        self.assertEqual(scores.Counts(no_coverage=1).score, 0.0)

    def test_unknown_status_is_an_error(self):
        with self.assertRaisesRegex(ValueError, "Exploded"):
            scores.count([{"status": "Exploded"}])

    def test_pending_mutants_are_counted_but_not_scored(self):
        c = scores.count([{"status": "Killed"}, {"status": "Survived"}, {"status": "Pending"}])
        self.assertEqual((c.pending, c.total, c.valid), (1, 3, 2))
        self.assertEqual(c.score, 50.0)

    def test_bands_follow_thresholds(self):
        t = {"high": 80, "low": 60}
        self.assertEqual(scores.score_band(80.0, t), "high")
        self.assertEqual(scores.score_band(79.9, t), "medium")
        self.assertEqual(scores.score_band(59.9, t), "low")
        self.assertEqual(scores.score_band(None, t), "none")


class DiffTest(unittest.TestCase):
    def setUp(self):
        self.report, _ = load_fixture()

    def diff_of(self, mid: str) -> str:
        path, m = mutant(self.report, mid)
        return mutant_text.mutant_diff(path, self.report["files"][path]["source"], m)

    def test_single_line_mutant_diff_is_exact(self):
        self.assertEqual(self.diff_of("2"), DIFF_MUTANT_2)

    def test_multi_line_mutant_at_end_of_file_without_newline(self):
        self.assertEqual(self.diff_of("12"), DIFF_MUTANT_12)

    def test_columns_count_characters_not_bytes(self):
        path, m = mutant(self.report, "8")   # after "größe" on line 21
        source = self.report["files"][path]["source"]
        self.assertEqual(mutant_text.original_text(source, m["location"]), "n * 2")
        self.assertIn("+int größe(int n) { return n / 2; }\n", self.diff_of("8"))

    def test_location_outside_the_source_is_an_error(self):
        path, m = mutant(self.report, "2")
        bad = copy.deepcopy(m)
        bad["location"]["end"] = {"line": 7, "column": 99}
        with self.assertRaises(ValueError):
            mutant_text.mutant_diff(path, self.report["files"][path]["source"], bad)
        bad["location"] = {"start": {"line": 40, "column": 1}, "end": {"line": 40, "column": 2}}
        with self.assertRaises(ValueError):
            mutant_text.mutant_diff(path, self.report["files"][path]["source"], bad)

    @unittest.skipUnless(shutil.which("diff") and shutil.which("patch"), "needs diff and patch")
    def test_every_diff_matches_diff_u3_and_applies_with_patch(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            for path, m in scores.iter_mutants(self.report):
                with self.subTest(mutant=m["id"]):
                    source = self.report["files"][path]["source"]
                    ours = mutant_text.mutant_diff(path, source, m)
                    (tmp / "old").write_text(source, encoding="utf-8")
                    (tmp / "new").write_text(mutant_text.mutated_source(source, m), encoding="utf-8")
                    gnu = subprocess.run(["diff", "-U3", "--label", f"a/{path}", "--label",
                                          f"b/{path}", "old", "new"], cwd=tmp,
                                         capture_output=True, text=True, encoding="utf-8")
                    self.assertEqual(ours, gnu.stdout)
                    work = tmp / "tree" / path
                    work.parent.mkdir(parents=True, exist_ok=True)
                    work.write_text(source, encoding="utf-8")
                    subprocess.run(["patch", "-s", "-p1"], cwd=tmp / "tree", input=ours,
                                   text=True, encoding="utf-8", check=True)
                    self.assertEqual(work.read_text(encoding="utf-8"),
                                     mutant_text.mutated_source(source, m))


class SarifTest(unittest.TestCase):
    def setUp(self):
        self.report, _ = load_fixture()
        self.sarif = sarif.build_sarif(self.report)
        self.run_ = self.sarif["runs"][0]

    def result(self, mid: str) -> dict:
        return next(r for r in self.run_["results"] if r["properties"]["mutantId"] == mid)

    def test_header_and_one_rule_per_operator(self):
        self.assertEqual(self.sarif["version"], "2.1.0")
        self.assertIn("sarif-2.1.0", self.sarif["$schema"])
        driver = self.run_["tool"]["driver"]
        self.assertEqual((driver["name"], driver["version"]), ("sqlink-mutate", "0.1.0"))
        operators = sorted({m["mutatorName"] for _, m in scores.iter_mutants(self.report)})
        self.assertEqual([rule["id"] for rule in driver["rules"]], operators)
        for r in self.run_["results"]:
            self.assertEqual(driver["rules"][r["ruleIndex"]]["id"], r["ruleId"])
        self.assertEqual(self.run_["originalUriBaseIds"]["%SRCROOT%"]["uri"],
                         "file:///work/example%20project/")

    def test_results_are_the_survived_and_uncovered_mutants(self):
        got = {r["properties"]["mutantId"]: r["level"] for r in self.run_["results"]}
        self.assertEqual(got, {"2": "warning", "5": "warning", "6": "note", "8": "warning",
                               "12": "warning"})

    def test_locations(self):
        loc = self.result("8")["locations"][0]["physicalLocation"]
        self.assertEqual(loc["artifactLocation"], {"uri": COMPARE, "uriBaseId": "%SRCROOT%"})
        self.assertEqual(loc["region"], {"startLine": 21, "startColumn": 27, "endLine": 21,
                                         "endColumn": 32, "snippet": {"text": "n * 2"}})
        region = self.result("12")["locations"][0]["physicalLocation"]["region"]
        self.assertEqual((region["startLine"], region["startColumn"], region["endLine"],
                          region["endColumn"]), (1, 18, 3, 2))
        self.assertEqual(self.run_["columnKind"], "unicodeCodePoints")

    def test_message_names_the_mutation_and_replacement(self):
        text = self.result("2")["message"]["text"]
        for part in ("rel.lt.ne", "`a < b`", "`a != b`", "Compare.Less", "Compare.Equal"):
            self.assertIn(part, text)

    def test_fingerprints_are_unique_and_survive_renumbering(self):
        prints = [r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in self.run_["results"]]
        self.assertEqual(len(set(prints)), len(prints))
        self.assertEqual(self.result("12")["partialFingerprints"][sarif.FINGERPRINT_KEY],
                         "core/src/size.cpp:twice:block.remove:1")
        renumbered = copy.deepcopy(self.report)
        for entry in renumbered["files"].values():
            for m in entry["mutants"]:
                m["id"] = str(int(m["id"]) + 100)
        again = sarif.build_sarif(renumbered)["runs"][0]["results"]
        self.assertEqual([r["partialFingerprints"] for r in again],
                         [r["partialFingerprints"] for r in self.run_["results"]])

    def test_paths_outside_the_project_stay_absolute(self):
        self.assertEqual(sarif.artifact_location("/work/example project/a b.cpp",
                                                 "/work/example project"),
                         {"uri": "a%20b.cpp", "uriBaseId": "%SRCROOT%"})
        self.assertEqual(sarif.artifact_location("/elsewhere/x.cpp", "/work"),
                         {"uri": "file:///elsewhere/x.cpp"})


class MarkdownTest(unittest.TestCase):
    def setUp(self):
        self.report, self.summary = load_fixture()
        self.md = markdown.render_markdown(self.report, self.summary)

    def test_headline_and_per_file_rows(self):
        self.assertIn("**Mutation score: 44.44 %** (covered code: 50.00 %)", self.md)
        self.assertIn("| `core/src/compare.cpp` | 11 | 2 | 3 | 1 | 1 | 2 | 2 | 42.85 % |",
                      self.md)
        self.assertIn("| `core/src/size.cpp` | 3 | 1 | 1 | 0 | 0 | 1 | 0 | 50.00 % |", self.md)
        self.assertIn("| **All files** | **14** | **3** | **4** | **1** | **1** | **3** | **2** "
                      "| **44.44 %** |", self.md)

    def test_surviving_mutants_are_diff_blocks(self):
        self.assertIn("### Mutant 2 · `rel.lt.ne` · `core/src/compare.cpp:7:10`\n", self.md)
        self.assertIn("```diff\n" + DIFF_MUTANT_2 + "```\n", self.md)
        self.assertIn("```diff\n" + DIFF_MUTANT_12 + "```\n", self.md)
        self.assertIn("Covered by: `Compare.Less`, `Compare.Equal`", self.md)
        self.assertIn("Covered by: `Both.True`, `t99`", self.md)   # unknown id stays an id
        self.assertEqual(self.md.count("```diff"), 4)
        self.assertNotIn("### Mutant 1 ", self.md)                 # killed

    def test_gate_fallback_flaky(self):
        self.assertIn("## Gate: FAILED", self.md)
        self.assertIn("- score 44.44 \\< fail-under 60", self.md)
        self.assertIn("Baseline score: 47.50 %", self.md)
        self.assertIn("## Files mutated one mutant at a time", self.md)
        self.assertIn("## Flaky tests\n\nThese tests did not give the same result twice.\n\n"
                      "- `Compare.Equal`", self.md)
        passed = dict(self.summary, gate={"passed": True, "reasons": []}, fallback_files=[],
                      flaky_tests=[])
        md = markdown.render_markdown(self.report, passed)
        self.assertIn("## Gate: passed", md)
        self.assertNotIn("Flaky", md)
        self.assertNotIn("one mutant at a time", md)

    def test_not_scored_mutants_grouped_with_reasons(self):
        self.assertIn("<details>", self.md)
        self.assertIn("| Ignored | suppressed: error path, checked by fuzzing | 1 | "
                      "`core/src/compare.cpp:18` |", self.md)
        self.assertIn("| Ignored | duplicate of mutant 13 (TCE) | 1 | `core/src/size.cpp:2` |",
                      self.md)
        self.assertIn("| Compile error | schema fallback build failed: error: ambiguous overload "
                      "| 1 |", self.md)
        self.assertIn("| 6 | `bool.true.false` | `core/src/compare.cpp:16:12` | `false` |", self.md)

    def test_survivor_diffs_are_capped(self):
        with mock.patch.object(markdown, "MAX_SURVIVOR_DIFFS", 1):
            md = markdown.render_markdown(self.report, self.summary)
        self.assertEqual(md.count("```diff"), 1)
        self.assertIn("and 3 more surviving mutants", md)

    def test_code_spans_and_cells_hold_any_text(self):
        self.assertEqual(markdown._code("a`b"), "``a`b``")
        self.assertEqual(markdown._code("`x"), "`` `x ``")
        self.assertEqual(markdown._row([markdown._code("a || b")]), "| `a \\|\\| b` |")


def embedded(page: str, element_id: str) -> str:
    match = re.search(r'<script type="application/json" id="' + element_id + r'">(.*?)</script>',
                      page, re.DOTALL)
    assert match, element_id
    return match.group(1)


class HtmlTest(unittest.TestCase):
    def setUp(self):
        self.report, self.summary = load_fixture()
        self.page = html_report.render_html(self.report, self.summary)

    def test_json_is_embedded_escaped(self):
        raw = embedded(self.page, "mutation-report")
        self.assertEqual(json.loads(raw), self.report)
        self.assertIn("\\u003c/script\\u003e\\u003cb\\u003enot markup", raw)
        self.assertNotIn("</script><b>", self.page)
        self.assertNotIn("<", raw)
        self.assertIn("größe", raw)
        # Exactly the page's three script elements close: two JSON blocks and the code.
        self.assertEqual(self.page.count("</script>"), 3)
        scores_json = json.loads(embedded(self.page, "report-scores"))
        self.assertEqual(scores_json["overall"]["scoreText"], "44.44")
        self.assertEqual(scores_json["files"][COMPARE]["scoreText"], "42.85")

    def test_no_network_resources(self):
        self.assertNotIn("http://", self.page)
        self.assertNotIn("https://", self.page)
        # The markup (scripts and styles taken out) loads nothing: no src/href attribute.
        markup = re.sub(r"<(script|style)\b.*?</\1>", "", self.page, flags=re.DOTALL)
        self.assertIn('<main id="app">', markup)
        self.assertIsNone(re.search(r"\b(src|href)\s*=", markup))
        # Nor do the code and styles: no fetch, no import, no url(); the CSP below forbids
        # any load anyway, and the browser test would see the refusal on the console.
        for needle in ("fetch(", "XMLHttpRequest", "import(", "@import", "url("):
            self.assertNotIn(needle, self.page)
        self.assertIn("Content-Security-Policy", self.page)
        self.assertIn("default-src 'none'", self.page)

    def test_placeholders_in_the_data_are_not_substituted(self):
        report = copy.deepcopy(self.report)
        report["files"][COMPARE]["source"] += "// @SCRIPT@ @STYLE@\n"
        page = html_report.render_html(report, self.summary)
        self.assertEqual(json.loads(embedded(page, "mutation-report")), report)

    def test_writers_accept_suppressed_points_without_source(self):
        report = with_sourceless_suppression(self.report)
        self.assertAlmostEqual(scores.overall_counts(report).score, 400 / 9)  # Ignored: no change
        md = markdown.render_markdown(report, self.summary)
        self.assertIn("| Ignored | suppressed: generated code | 1 | `core/src/gone.cpp:5` |", md)
        self.assertEqual(len(sarif.build_sarif(report)["runs"][0]["results"]), 5)
        self.assertIn("core/src/gone.cpp", html_report.render_html(report, self.summary))

    def test_write_reports_writes_json_only_on_request(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            paths = reports.write_reports(self.report, self.summary, out)
            self.assertEqual([p.name for p in paths], ["summary.md", "mutation.sarif",
                                                       "index.html"])
            self.assertFalse((out / "mutation.json").exists())
            paths = reports.write_reports(self.report, self.summary, out, json_report=True)
            self.assertEqual(paths[0], out / "mutation.json")
            text = (out / "mutation.json").read_text(encoding="utf-8")
            self.assertTrue(text.startswith('{\n "schemaVersion": "2",'))
            self.assertEqual(json.loads(text), self.report)
            self.assertEqual(json.loads((out / "mutation.sarif").read_text("utf-8"))["version"],
                             "2.1.0")


def run_chromium(page: Path, tmp: Path, fragment: str = "",
                 extra: tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """The DOM after the page's scripts ran, and every console line Chromium logged."""
    profile = tempfile.mkdtemp(dir=tmp, prefix="profile-")
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
           *extra, "--dump-dom", page.as_uri() + fragment]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    console = [line for line in err.decode("utf-8", "replace").splitlines()
               if ":CONSOLE" in line]
    return out.decode("utf-8", "replace"), console


def assert_rendered(test: unittest.TestCase, dom: str, console: list[str]) -> None:
    """The page's JavaScript ran to the end and logged nothing."""
    test.assertEqual(console, [], "the page logged to the console")
    test.assertIn('data-rendered="ok"', dom)
    test.assertRegex(dom, r'id="mutation-score"[^>]*>44\.44')
    for path in (COMPARE, SIZE):
        test.assertRegex(dom, r'<tr class="file-row[^"]*" data-file="' + re.escape(path) + '"')
    test.assertIn("42.85", dom)


@unittest.skipUnless(os.path.exists(CHROMIUM), "needs /usr/bin/chromium")
class BrowserTest(unittest.TestCase):
    def setUp(self):
        self.report, self.summary = load_fixture()
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = Path(self._tmp.name)
        self.addCleanup(self._tmp.cleanup)

    def test_page_renders_offline_without_console_errors(self):
        page = html_report.write_html(self.report, self.summary, self.tmp)
        dom, console = run_chromium(page, self.tmp)
        assert_rendered(self, dom, console)

    def test_deep_link_shows_the_file_with_its_mutants(self):
        page = html_report.write_html(self.report, self.summary, self.tmp)
        dom, console = run_chromium(page, self.tmp, "#file=core%2Fsrc%2Fcompare.cpp&mutant=8")
        assert_rendered(self, dom, console)
        # The source's "</script>" is text in the listing, not markup.
        self.assertIn('"&lt;/script&gt;&lt;b&gt;not markup&lt;/b&gt;"', dom)
        self.assertIn("größe", dom)
        self.assertIn("«naïve»", dom)
        self.assertRegex(dom, r'<div class="card sel" data-mutant="8" data-status="Survived"')
        self.assertEqual(len(re.findall(r'<button class="marker[^"]*"', dom)), 11)
        self.assertIn("Compare.Less", dom)                          # killedBy, resolved
        self.assertIn("suppressed: error path, checked by fuzzing", dom)
        self.assertIn("equivalent to the original (TCE)", dom)

    def test_file_without_source_still_renders(self):
        page = html_report.write_html(with_sourceless_suppression(self.report), self.summary,
                                      self.tmp)
        dom, console = run_chromium(page, self.tmp, "#file=core%2Fsrc%2Fgone.cpp&mutant=s1")
        assert_rendered(self, dom, console)
        self.assertRegex(dom, r'<div class="card sel" data-mutant="s1" data-status="Ignored"')
        self.assertIn("suppressed: generated code", dom)

    def test_clicks_open_a_file_filter_statuses_and_select_a_mutant(self):
        # Clicks scripted in the page itself; the virtual time budget lets the hashchange
        # and the timers run before the DOM is dumped.
        clicks = """<script>
document.querySelector('tr.file-row[data-file="core/src/compare.cpp"]').click();
setTimeout(function () {
  document.querySelector('#status-filter input[value="Killed"]').click();
  setTimeout(function () {
    document.querySelector('button.marker[data-mutant="5"]').click();
    document.documentElement.dataset.clicked = location.hash;
  }, 10);
}, 10);
</script>
</body>"""
        page = self.tmp / "clicks.html"
        page.write_text(html_report.render_html(self.report, self.summary)
                        .replace("</body>", clicks), encoding="utf-8")
        dom, console = run_chromium(page, self.tmp, extra=("--virtual-time-budget=5000",))
        assert_rendered(self, dom, console)
        self.assertIn('data-clicked="#file=core%2Fsrc%2Fcompare.cpp&amp;mutant=5"', dom)
        cards = re.findall(r'<div class="card( sel)?" data-mutant="(\d+)"', dom)
        # Killed mutants 1 and 3 filtered out; in source order; 5 selected.
        self.assertEqual([mid for _, mid in cards], ["2", "4", "5", "6", "7", "8", "10", "11",
                                                     "9"])
        self.assertEqual([mid for sel, mid in cards if sel], ["5"])
        self.assertRegex(dom, r'<tr class="file-row current" data-file="core/src/compare.cpp"')

    def test_the_check_fails_on_broken_pages(self):
        # 1. The JSON pasted in without escaping: the source's "</script>" ends the block.
        with mock.patch.object(html_report, "embed_json", lambda v: json.dumps(v)):
            broken = html_report.render_html(self.report, self.summary)
        page = self.tmp / "unescaped.html"
        page.write_text(broken, encoding="utf-8")
        dom, console = run_chromium(page, self.tmp)
        self.assertTrue(console, "a page that fails to parse its data logged nothing")
        self.assertNotIn('data-rendered="ok"', dom)
        with self.assertRaises(AssertionError):
            assert_rendered(self, dom, console)
        # 2. A page that draws everything but logs an error is still rejected.
        noisy = html_report.render_html(self.report, self.summary).replace(
            '"use strict";', '"use strict";\nconsole.error("deliberate");', 1)
        page = self.tmp / "noisy.html"
        page.write_text(noisy, encoding="utf-8")
        dom, console = run_chromium(page, self.tmp)
        self.assertIn('data-rendered="ok"', dom)
        self.assertTrue(any("deliberate" in line for line in console))
        with self.assertRaises(AssertionError):
            assert_rendered(self, dom, console)


if __name__ == "__main__":
    unittest.main()
