"""The command line (`python3 scripts/report.py`): reads every stage's files, writes
reports/index.html and reports/summary.json, prints a line per stage, and optionally checks
the page in headless Chromium. Exit status: 0 written, 1 the browser check found a problem,
2 usage error.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from . import benchmarks, browser, fuzzing, mutation, page, run_info, suite
from .stage import Stage, reconcile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# stages the harness records that have no section of their own
HARNESS_STAGES = {"bootstrap": "Bootstrap", "build": "Build", "report": "Report"}


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="scripts/report.py", description=__doc__.split("\n\n")[0])
    r = lambda *p: os.path.join(ROOT, *p)  # noqa: E731
    ap.add_argument("--preset", default="release", help="the preset the tests ran with (default release)")
    ap.add_argument("--junit", default=None, metavar="FILE",
                    help="ctest's JUnit file (default build/PRESET/reports/junit.xml)")
    ap.add_argument("--mutation", default=r("reports", "mutation"), metavar="DIR",
                    help="mutation.json and summary.json (default reports/mutation)")
    ap.add_argument("--fuzz", action="append", default=None, metavar="DIR",
                    help="summary.json and stats.jsonl (default reports/fuzz); repeat it to "
                         "show several campaigns as one (a CI matrix of targets)")
    ap.add_argument("--bench", default=r("reports", "bench"), metavar="DIR",
                    help="bench.json and summary.json (default reports/bench)")
    ap.add_argument("--stages", default=None, metavar="FILE",
                    help="the harness's record of each stage, JSON Lines (scripts/harness run "
                         "writes reports/run/stages.jsonl)")
    ap.add_argument("--started", type=int, default=None, metavar="EPOCH",
                    help="when the run started (seconds since the epoch)")
    ap.add_argument("--budget", type=int, default=None, metavar="SECONDS", help="the run's budget")
    ap.add_argument("--setup-seconds", type=int, default=None, metavar="SECONDS",
                    help="of the time since --started, the setup (bootstrap and build) that the "
                         "budget does not count")
    ap.add_argument("--out", default=r("reports", "index.html"), metavar="FILE",
                    help="the page to write (default reports/index.html); summary.json goes beside it")
    ap.add_argument("--browser-check", action="store_true",
                    help="open the page in headless Chromium: fail on console errors or network "
                         "requests, save a screenshot beside it (dashboard.png)")
    args = ap.parse_args(argv)
    if args.junit is None:
        args.junit = os.path.join(ROOT, "build", args.preset, "reports", "junit.xml")
    args.fuzz = [shown_path(d) for d in (args.fuzz or [r("reports", "fuzz")])]
    for name in ("junit", "mutation", "bench", "stages"):
        setattr(args, name, shown_path(getattr(args, name)))
    return args


def shown_path(path: str | None) -> str | None:
    """Paths under the current directory as relative ones: what the page and the summary
    name reads "reports/fuzz/summary.json", not a machine's absolute path."""
    if not path:
        return path
    rel = os.path.relpath(os.path.abspath(path))
    return path if rel.startswith("..") else rel


def collect_stages(info, sections) -> list[Stage]:
    """Cards in the order the harness ran the stages; sections it did not mention after."""
    by_name = {s.stage.name: s.stage for s in sections}
    out = []
    for name in info.order:
        if name in by_name:
            out.append(by_name.pop(name))
        elif name in HARNESS_STAGES and name != "report":
            rec = info.records[name]
            out.append(Stage(name, HARNESS_STAGES[name], rec["status"], note=str(rec.get("note") or ""),
                             seconds=rec.get("seconds"), log=rec.get("log")))
    return out + list(by_name.values())


def summary_line(st: Stage) -> str:
    secs = page.fmt_seconds(st.seconds) if st.status != "not run" else ""
    text = " · ".join(t for t in (st.figure, st.note) if t)
    return f"  {st.name:<10} {st.status:<8} {text}{'  (' + secs + ')' if secs else ''}"


def check_in_browser(out: str) -> int:
    try:
        result = browser.check_page(out)
    except browser.BrowserError as e:
        if not browser.find_chromium():
            print("report: browser check skipped: chromium not found", file=sys.stderr)
            return 0
        print(f"report: browser check failed to run: {e}", file=sys.stderr)
        return 1
    shot = os.path.join(os.path.dirname(out), "dashboard.png")
    with open(shot, "wb") as f:
        f.write(result.screenshot or b"")
    problems = result.problems() + browser.dashboard_problems(result.dom)
    for p in problems:
        print(f"report: browser check: {p}", file=sys.stderr)
    print(f"browser check: {'FAILED' if problems else 'ok'} (screenshot {shot})")
    return 1 if problems else 0


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    out = os.path.abspath(args.out)
    out_dir = os.path.dirname(out)
    os.makedirs(out_dir, exist_ok=True)
    info = run_info.collect(ROOT, args.preset, args.started, args.budget, args.stages,
                            args.setup_seconds)
    sections = [suite.build(args.junit), fuzzing.build(args.fuzz, out_dir),
                mutation.build(args.mutation, out_dir), benchmarks.build(args.bench, out_dir)]
    for s in sections:
        reconcile(s, info.records.get(s.stage.name), info.started, page.not_run)
    stages = collect_stages(info, sections)
    used = [i for s in sections for i in s.inputs] + [info.stages_input]
    with open(out, "w", encoding="utf-8") as f:
        f.write(page.render(info, stages, sections, used, out_dir))
    summary = {"date": info.date, "commit": info.commit, "machine": info.machine,
               "preset": info.preset, "budget_seconds": info.budget,
               "elapsed_seconds": info.elapsed, "setup_seconds": info.setup,
               "tests": {k: v for k, v in sections[0].summary.items() if k != "status"},
               "stages": [st.as_dict() for st in stages],
               **{s.stage.name: s.summary for s in sections[1:]}}
    with open(os.path.join(out_dir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(f"sqlink harness run · {info.date} · commit {info.commit} · {info.duration_text()}")
    for st in stages:
        print(summary_line(st))
    print(f"dashboard: {out}")
    return check_in_browser(out) if args.browser_check else 0
