#!/usr/bin/env python3
"""Writes reports/index.html (and reports/summary.json) from what a harness run produced.

Reads only local files; the page it writes needs no network. Sections appear for the
stages that ran; a stage that did not run is listed as such, never shown as passed.
"""
import argparse
import datetime
import html
import json
import os
import platform
import subprocess
import sys
import time
import xml.etree.ElementTree as ET


def git_commit(root):
    try:
        out = subprocess.run(["git", "-C", root, "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return out + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine():
    cpus = os.cpu_count() or 0
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.node()} ({platform.system()} {platform.release()}, {cpus} cores{mem})"


def read_junit(path):
    """Returns (totals, per-label-less list of test cases) from ctest's JUnit file."""
    cases = []
    if not os.path.exists(path):
        return None, cases
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    for suite in suites:
        for case in suite.findall("testcase"):
            status = case.get("status", "run")
            if case.find("failure") is not None or case.find("error") is not None:
                status = "fail"
            elif case.find("skipped") is not None or status in ("notrun", "disabled"):
                status = "skip"
            else:
                status = "pass"
            cases.append({"name": case.get("name", "?"), "time": float(case.get("time", 0) or 0),
                          "status": status})
    totals = {s: sum(1 for c in cases if c["status"] == s) for s in ("pass", "fail", "skip")}
    totals["total"] = len(cases)
    return totals, cases


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>sqlink harness report</title>
<style>
body{{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222}}
h1{{font-size:1.5em}} table{{border-collapse:collapse;margin:.5em 0}}
td,th{{border:1px solid #ccc;padding:.2em .6em;text-align:left}}
.pass{{color:#060}} .fail{{color:#b00;font-weight:bold}} .skip{{color:#888}}
.meta{{color:#555}} .tiles span{{display:inline-block;border:1px solid #ccc;padding:.5em 1em;margin-right:.5em}}
</style></head><body>
<h1>sqlink harness report</h1>
<p class="meta">{date} &middot; commit {commit} &middot; {machine} &middot; preset {preset} &middot; {elapsed}s of a {budget}s budget</p>
<h2>Stages</h2>
<table><tr><th>stage</th><th>result</th></tr>{stages}</table>
<h2>Test suite</h2>
<div class="tiles"><span class="pass">{passed} passed</span><span class="fail">{failed} failed</span><span class="skip">{skipped} skipped</span><span>{total} total</span></div>
{failures}
<details><summary>All {total} tests</summary>
<table><tr><th>test</th><th>result</th><th>seconds</th></tr>{rows}</table></details>
</body></html>
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--preset", required=True)
    ap.add_argument("--junit", required=True)
    ap.add_argument("--started", type=int, required=True)
    ap.add_argument("--budget", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    totals, cases = read_junit(args.junit)
    if totals is None:
        print(f"report: no test results at {args.junit}", file=sys.stderr)
        totals = {"pass": 0, "fail": 0, "skip": 0, "total": 0}
    esc = html.escape
    stages = [("test suite (ctest)",
               "fail" if totals["fail"] or not totals["total"] else "pass",
               f"{totals['pass']}/{totals['total']} passed")]
    stage_rows = "".join(f'<tr><td>{esc(n)}</td><td class="{c}">{esc(t)}</td></tr>'
                         for n, c, t in stages)
    failed = [c for c in cases if c["status"] == "fail"]
    failures = ""
    if failed:
        failures = "<h3>Failures</h3><ul>" + "".join(
            f'<li class="fail">{esc(c["name"])}</li>' for c in failed) + "</ul>"
    rows = "".join(f'<tr><td>{esc(c["name"])}</td><td class="{c["status"]}">{c["status"]}</td>'
                   f'<td>{c["time"]:.2f}</td></tr>' for c in cases)
    now = datetime.datetime.now(datetime.timezone.utc)
    elapsed = int(time.time()) - args.started
    commit = git_commit(root)
    page = PAGE.format(date=now.strftime("%Y-%m-%d %H:%M UTC"), commit=esc(commit),
                       machine=esc(machine()), preset=esc(args.preset), elapsed=elapsed,
                       budget=args.budget, stages=stage_rows, passed=totals["pass"],
                       failed=totals["fail"], skipped=totals["skip"], total=totals["total"],
                       failures=failures, rows=rows)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(page)
    summary = {"date": now.isoformat(timespec="seconds"), "commit": commit, "machine": machine(),
               "preset": args.preset, "elapsed_seconds": elapsed, "tests": totals}
    with open(os.path.join(os.path.dirname(os.path.abspath(args.out)), "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(f"sqlink harness: tests {totals['pass']}/{totals['total']} passed, "
          f"{totals['fail']} failed, {totals['skip']} skipped; {elapsed}s")
    print(f"dashboard: {os.path.abspath(args.out)}")


if __name__ == "__main__":
    main()
