"""The test-suite section, from ctest's JUnit file: totals, failures first, every test."""
from __future__ import annotations

from . import inputs, page
from .stage import Section, Stage


def read(path: str) -> tuple[inputs.Input, list[dict]]:
    inp = inputs.read_xml(path)
    cases = []
    if not inp.ok:
        return inp, cases
    root = inp.data
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    if not suites:
        inp.problem = f"malformed: root element <{root.tag}> is not a JUnit testsuite(s)"
        return inp, cases
    for suite in suites:
        for case in suite.findall("testcase"):
            status = case.get("status", "run")
            if case.find("failure") is not None or case.find("error") is not None:
                status = "fail"
            elif case.find("skipped") is not None or status in ("notrun", "disabled"):
                status = "skip"
            else:
                status = "pass"
            try:
                seconds = float(case.get("time", 0) or 0)
            except ValueError:
                seconds = 0.0
            cases.append({"name": case.get("name", "?"), "time": seconds, "status": status})
    return inp, cases


def build(junit_path: str) -> Section:
    inp, cases = read(junit_path)
    totals = {s: sum(1 for c in cases if c["status"] == s) for s in ("pass", "fail", "skip")}
    totals["total"] = len(cases)
    if inp.missing:
        stage = Stage("tests", "Test suite", "not run", note=f"no test results ({junit_path})",
                      anchor="tests")
        return Section("tests", stage, page.not_run(f"No test results at {junit_path}."),
                       {"status": "not run"}, [inp], [inp])
    if not inp.ok:
        stage = Stage("tests", "Test suite", "error", note=inp.describe(), anchor="tests")
        return Section("tests", stage, page.problems([inp]), {"status": "error"}, [inp], [inp])
    status = "fail" if totals["fail"] or not totals["total"] else "pass"
    figure = f"{totals['pass']}/{totals['total']} passed"
    if totals["fail"]:
        figure += f", {totals['fail']} failed"
    if totals["skip"]:
        figure += f", {totals['skip']} skipped"
    note = "" if totals["total"] else "the JUnit file lists no test"
    stage = Stage("tests", "Test suite", status, figure, note, anchor="tests")
    failed = [c for c in cases if c["status"] == "fail"]
    body = [page.tiles([(str(totals["pass"]), "passed", "pass"),
                        (str(totals["fail"]), "failed", "fail" if totals["fail"] else ""),
                        (str(totals["skip"]), "skipped", "skip"),
                        (str(totals["total"]), "total", "")])]
    if failed:
        body.append("<h3>Failures</h3><ul>" + "".join(
            f'<li class="fail"><code>{page.esc(c["name"])}</code></li>' for c in failed) + "</ul>")
    slowest = sorted(cases, key=lambda c: -c["time"])
    rows = [[f"<code>{page.esc(c['name'])}</code>", f'<span class="{c["status"]}">{c["status"]}</span>',
             f"{c['time']:.2f}"] for c in slowest]
    body.append(f"<details><summary>All {totals['total']} tests, slowest first "
                f"(<code>{page.esc(junit_path)}</code>)</summary>"
                + page.table(["test", "result", "seconds"], rows, num=(2,)) + "</details>")
    body.append(page.problems([inp]))
    return Section("tests", stage, "".join(body), {"status": status, **totals}, [inp], [inp])
