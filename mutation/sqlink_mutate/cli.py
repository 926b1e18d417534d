"""sqlink-mutate: the command line. Thin: it parses options and calls the driver."""
from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from . import __version__, driver, project as project_mod
from .errors import EXIT_TOOL_ERROR, EXIT_USAGE, MutateError

EPILOG = """exit codes: 0 gate passed; 1 below the gate (--fail-under, --max-surviving, ratchet);
2 usage error; 3 the tests fail with no mutant active; 4 tool error (build, finder, ...)"""


def _shard(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d+)/(\d+)", text)
    if not m or not (1 <= int(m.group(1)) <= int(m.group(2))):
        raise argparse.ArgumentTypeError(f"'{text}' is not K/N with 1 <= K <= N")
    return int(m.group(1)), int(m.group(2))


def _score(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"'{text}' is not a score between 0 and 100")
    return value


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"'{text}' is not a non-negative integer")
    return int(text)


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive number of jobs")
    return int(text)


def _gate_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("gate")
    g.add_argument("--fail-under", type=_score, metavar="SCORE",
                   help="fail (exit 1) when the mutation score is below SCORE percent")
    g.add_argument("--max-surviving", type=_count, metavar="N",
                   help="fail (exit 1) when more than N mutants survive")
    g.add_argument("--ratchet", action="store_true",
                   help="fail (exit 1) when the score drops below the committed baseline")
    g.add_argument("--baseline", type=Path, metavar="FILE",
                   help="the baseline (default: reports/baseline/mutation-PROJECT.json)")
    g.add_argument("--update-baseline", action="store_true",
                   help="write this run's scores as the new baseline")
    p.add_argument("--out", type=Path, default=Path("reports/mutation"), metavar="DIR",
                   help="where reports go (default: reports/mutation)")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sqlink-mutate", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Mutation testing for CMake C++ projects: Clang-found mutation points, one "
                    "schema build, per-test coverage, a fork server, verdict cache and CI gate.")
    p.add_argument("--version", action="version", version=f"sqlink-mutate {__version__}")
    sub = p.add_subparsers(dest="command")
    run = sub.add_parser("run", help="mutate a project (the default command)",
                         epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("--project", default="core", metavar="NAME|FILE",
                     help="mutation/projects/NAME.toml or a TOML file (default: core)")
    run.add_argument("--work-dir", type=Path, default=Path("build/mutation"), metavar="DIR",
                     help="schema build, finder and cache (default: build/mutation)")
    run.add_argument("--jobs", "-j", type=_jobs, default=os.cpu_count() or 2, metavar="N")
    run.add_argument("--in-diff", metavar="REF", help="only mutants on lines changed since REF")
    run.add_argument("--shard", type=_shard, metavar="K/N", help="run shard K of N (see merge)")
    run.add_argument("--mutants", metavar="IDS", help="only these mutant ids (comma-separated)")
    run.add_argument("--max-time", type=_count, metavar="SECONDS",
                     help="start no mutant after SECONDS from the start; the rest are reported "
                          "Pending (not scored) and run next time (verdicts are cached); 0 reports "
                          "only the cached verdicts")
    run.add_argument("--no-cache", action="store_true", help="ignore and do not write the verdict cache")
    run.add_argument("--no-tce", action="store_true", help="do not prune equivalent mutants")
    run.add_argument("--no-forkserver", action="store_true",
                     help="start every test as a fresh process")
    _gate_options(run)
    build = sub.add_parser("build", help="find the points and build the schemata only (no tests)")
    build.add_argument("--project", default="core", metavar="NAME|FILE",
                       help="mutation/projects/NAME.toml or a TOML file (default: core)")
    build.add_argument("--work-dir", type=Path, default=Path("build/mutation"), metavar="DIR",
                       help="schema build, finder and cache (default: build/mutation)")
    build.add_argument("--jobs", "-j", type=_jobs, default=os.cpu_count() or 2, metavar="N")
    merge = sub.add_parser("merge", help="join shard reports into one report and apply the gate",
                           epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    merge.add_argument("reports", nargs="+", type=Path, metavar="SHARD.json")
    merge.add_argument("--project", default="core", metavar="NAME|FILE",
                       help="names the default baseline (default: core)")
    _gate_options(merge)
    bench = sub.add_parser("bench", help="mutants per minute three ways on the same mutants")
    bench.add_argument("--project", default="core", metavar="NAME|FILE")
    bench.add_argument("--work-dir", type=Path, default=Path("build/mutation"), metavar="DIR")
    bench.add_argument("--jobs", "-j", type=_jobs, default=os.cpu_count() or 2, metavar="N")
    bench.add_argument("--sample", type=_count, default=40, metavar="N",
                       help="mutants measured the whole-suite and rebuild ways (default 40)")
    bench.add_argument("--rebuild-sample", type=_count, default=10, metavar="N",
                       help="of those, how many are rebuilt one by one (default 10)")
    bench.add_argument("--seed", type=int, default=1)
    bench.add_argument("--out", type=Path, default=Path("reports/mutation/bench.json"))
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("run", "build", "merge", "bench", "-h", "--help", "--version"):
        argv.insert(0, "run")
    args = parser().parse_args(argv)
    try:
        if args.command == "bench":
            from . import bench
            return bench.main(args)
        project = project_mod.load(args.project)
        if args.command == "build":
            return driver.build_only(project, driver.Options(
                work_root=args.work_dir.resolve(), out=Path("reports/mutation"), jobs=args.jobs))
        baseline = args.baseline or Path(f"reports/baseline/mutation-{project.name}.json")
        opts = driver.Options(
            work_root=getattr(args, "work_dir", Path("build/mutation")).resolve(),
            out=args.out, jobs=getattr(args, "jobs", 2),
            in_diff=getattr(args, "in_diff", None), shard=getattr(args, "shard", None),
            fail_under=args.fail_under, max_surviving=args.max_surviving, ratchet=args.ratchet,
            baseline=baseline, update_baseline=args.update_baseline,
            use_cache=not getattr(args, "no_cache", False),
            use_tce=not getattr(args, "no_tce", False),
            use_forkserver=not getattr(args, "no_forkserver", False),
            max_time=getattr(args, "max_time", None))
        if getattr(args, "mutants", None):
            try:
                opts.only = {int(x) for x in args.mutants.split(",") if x}
            except ValueError:
                print(f"sqlink-mutate: --mutants '{args.mutants}' is not a list of ids",
                      file=sys.stderr)
                return EXIT_USAGE
        if args.command == "merge":
            return driver.merge(args.reports, opts)
        return driver.run(project, opts)
    except MutateError as e:
        print(f"sqlink-mutate: error: {e}", file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        print("sqlink-mutate: interrupted", file=sys.stderr)
        return EXIT_TOOL_ERROR
