"""A whole mutation run: points, schema build, baseline with coverage, TCE, execution, report."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path

from . import coverage as coverage_mod
from . import diff as diff_mod
from . import elements, gate, points as points_mod, tce
from .build import SchemaBuild, file_hash
from .cache import Cache
from .errors import EXIT_BELOW_GATE, EXIT_OK, MutateError, UsageError
from .execute import IGNORED, NO_COVERAGE, PENDING, Executor, order_key
from .log import duration, log
from .project import Project
from .rebuild import Rebuilder
from .reports import scores
from .tests import discover


@dataclasses.dataclass
class Options:
    work_root: Path
    out: Path
    jobs: int
    in_diff: str | None = None
    shard: tuple[int, int] | None = None
    fail_under: float | None = None
    max_surviving: int | None = None
    ratchet: bool = False
    baseline: Path | None = None
    update_baseline: bool = False
    use_cache: bool = True
    use_tce: bool = True
    use_forkserver: bool = True
    only: set[int] | None = None
    max_time: float | None = None   # seconds from the start; then no new mutant starts
    started: float = dataclasses.field(default_factory=time.monotonic)


@dataclasses.dataclass
class Prepared:
    """Everything up to the verdicts: shared by the run, bench and verify."""
    project: Project
    sb: SchemaBuild
    cache: Cache
    points: dict
    shadow: dict[str, bytes]
    fallback: list[str]
    tests: list
    coverage: list
    covering: dict[int, list]
    programs: ProgramHashes
    scratch: str
    timings: dict
    ranges: dict | None = None   # --in-diff: changed line ranges per file
    tce_unanalysed: list = dataclasses.field(default_factory=list)  # files TCE had no time for


class ProgramHashes:
    """Hashes of what the schema build produced, so a cached verdict is reused only while the
    programs that judged it are unchanged: the test program of each covering test, plus every
    other program and library (those a test may start, such as a CLI, or load)."""

    def __init__(self, build_dir: Path, tests: list):
        self.by_path: dict[str, str] = {}
        for dirpath, dirnames, filenames in os.walk(build_dir):
            dirnames[:] = sorted(d for d in dirnames if d not in ("CMakeFiles", "Testing"))
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                if stat.S_ISREG(st.st_mode) and (st.st_mode & 0o111 or name.endswith((".a", ".so"))):
                    self.by_path[os.path.realpath(path)] = file_hash(Path(path))
        test_programs = {os.path.realpath(t.command[0]) for t in tests}
        others = hashlib.sha256()
        for path in sorted(set(self.by_path) - test_programs):
            others.update(path.encode() + b"\0" + self.by_path[path].encode())
        self.others = others.hexdigest()

    def of_test(self, test) -> str:
        program = os.path.realpath(test.command[0])
        return hashlib.sha256((self.by_path.get(program, program) + self.others).encode()).hexdigest()


def build_schemata(project: Project, opts: Options,
                   ranges: dict[str, list[tuple[int, int]]] | None = None):
    """Configures the schema build, finds the points and builds every schema; a schema that
    does not compile is taken out (its file goes to the fallback list) and the build retried.
    Returns (SchemaBuild, Cache, points, shadow, fallback)."""
    work = opts.work_root / project.name
    work.mkdir(parents=True, exist_ok=True)
    cache = Cache(work / "cache.sqlite" if opts.use_cache else None)
    sb = SchemaBuild(project, work, opts.jobs)
    sb.configure()
    points = points_mod.find(project, sb, opts.work_root, cache,
                             set(ranges) if ranges is not None else None)
    shadow = dict(points["schemas"])
    fallback: list[str] = []
    log(f"schema build: {len(shadow)} schema file(s)")
    while True:
        sb.invalidate(sb.sync_shadow(shadow))
        result = sb.build(keep_going=True)
        if result.returncode == 0:
            break
        bad = sb.failing_files(result.stdout + result.stderr, set(shadow))
        if not bad:
            raise MutateError("the schema build failed outside any schema file:\n"
                              + "\n".join((result.stdout + result.stderr).splitlines()[-40:]))
        for path in sorted(bad):
            log(f"schema of {path} does not compile: its mutants will be built one by one")
            del shadow[path]
            fallback.append(path)
    return sb, cache, points, shadow, fallback


def build_only(project: Project, opts: Options) -> int:
    """`sqlink-mutate build`: the compiling part of a run (finder, schemata), so a job can
    build first and give its time budget to the run that follows."""
    t0 = time.monotonic()
    _sb, cache, points, shadow, fallback = build_schemata(project, opts)
    cache.close()
    log(f"built: {len(points['mutants'])} mutant(s) in {len(shadow)} schema file(s)"
        + (f", {len(fallback)} file(s) to rebuild one by one: {', '.join(fallback)}"
           if fallback else "") + f" in {duration(time.monotonic() - t0)}")
    return EXIT_OK


def prepare(project: Project, opts: Options,
            ranges: dict[str, list[tuple[int, int]]] | None = None) -> Prepared:
    """ranges: the lines --in-diff selected (None: every line), computed once by the caller."""
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    sb, cache, points, shadow, fallback = build_schemata(project, opts, ranges)
    timings["setup"] = time.monotonic() - t0
    t1 = time.monotonic()
    tests = discover(sb.build_dir, project.ctest_args, project.expand_gtest)
    programs = ProgramHashes(sb.build_dir, tests)
    scratch = tempfile.mkdtemp(prefix="sqlink-mutate-")
    log(f"baseline: {len(tests)} test(s), fork server for "
        f"{len({t.binary for t in tests if t.binary})} program(s)")
    cov = coverage_mod.measure(tests, opts.jobs, scratch, project.rlimit_as_mb, cache,
                               programs.of_test)
    proved = coverage_mod.prove_activation(cov, scratch, project.rlimit_as_mb)
    if proved is not None:
        log(f"schema check: whole suite passes with no mutant active; mutant {proved} forced on "
            "was seen active")
    covering: dict[int, list] = {}
    for tc in sorted(cov, key=order_key):
        for mid in tc.reached:
            covering.setdefault(mid, []).append(tc)
    timings["initialRun"] = time.monotonic() - t1
    return Prepared(project, sb, cache, points, shadow, fallback, tests, cov, covering, programs,
                    scratch, timings, ranges)


def select(p: Prepared, opts: Options) -> list[dict]:
    mutants = p.points["mutants"]
    if p.ranges is not None:
        mutants = [m for m in mutants if diff_mod.touches(p.ranges, m)]
        log(f"--in-diff {opts.in_diff}: {len(mutants)} mutant(s) on changed lines in "
            f"{len(p.ranges)} changed file(s)")
    if opts.shard:
        k, n = opts.shard
        mutants = [m for m in mutants if int(m["key"][:12], 16) % n == k - 1]
        log(f"--shard {k}/{n}: {len(mutants)} mutant(s)")
    if opts.only is not None:
        mutants = [m for m in mutants if m["id"] in opts.only]
    return mutants


def verdict_key(p: Prepared, m: dict, file_sha: dict[str, str]) -> str:
    t = p.project.timeouts
    covering = p.covering.get(m["id"], [])
    return hashlib.sha256(json.dumps([m["key"], file_sha.get(m["file"], ""),
                                      [tc.test.id for tc in covering],
                                      [p.programs.of_test(tc.test) for tc in covering],
                                      [t.factor, t.constant_s, t.floor_s]]).encode()).hexdigest()


def judge(p: Prepared, opts: Options, mutants: list[dict]) -> tuple[dict[int, dict], list[str]]:
    """Verdicts for the selected mutants, and the tests found flaky."""
    verdicts: dict[int, dict] = {}
    ids = {m["id"] for m in mutants}
    if opts.use_tce:
        t = time.monotonic()
        tce_deadline = None
        if opts.max_time is not None:  # equivalence pruning may take a third of what is left
            tce_deadline = t + (opts.started + opts.max_time - t) / 3
        pruned = tce.prune(p.points, p.sb, p.cache, opts.jobs, tce_deadline, p.tce_unanalysed)
        pruned = {k: v for k, v in pruned.items() if k in ids}
        log(f"TCE: {len(pruned)} equivalent or duplicate mutant(s) pruned "
            f"({time.monotonic() - t:.1f}s)")
        for mid, reason in pruned.items():
            verdicts[mid] = {"status": IGNORED, "statusReason": reason}
    file_sha = {f["path"]: f["sha256"] for f in p.points["files"]}
    to_run: list[int] = []
    keys: dict[int, str] = {}
    rebuild: list[dict] = []
    cached = 0
    for m in mutants:
        mid = m["id"]
        if mid in verdicts:
            continue
        if m["file"] in p.fallback:
            rebuild.append(m)
            continue
        if mid not in p.covering:
            verdicts[mid] = {"status": NO_COVERAGE, "statusReason": "no test reaches it",
                             "coveredBy": []}
            continue
        keys[mid] = verdict_key(p, m, file_sha)
        hit = p.cache.verdict(keys[mid])
        if hit is not None:
            verdicts[mid] = hit
            cached += 1
        else:
            to_run.append(mid)
    log(f"mutants: {len(mutants)} selected, {len(to_run)} to run, {cached} cached, "
        f"{sum(1 for v in verdicts.values() if v['status'] == NO_COVERAGE)} not covered, "
        f"{len(rebuild)} to rebuild one by one")
    p.timings["_executed"] = len(to_run) + len(rebuild)
    p.timings["_cached"] = cached
    deadline = opts.started + opts.max_time if opts.max_time is not None else None
    executor = Executor(p.covering, p.project.timeouts, opts.jobs, p.scratch,
                        p.project.rlimit_as_mb, opts.use_forkserver, deadline)
    results = executor.run(sorted(to_run))
    for mid, v in results.items():
        verdicts[mid] = v
        if "flaky" not in v and v["status"] != PENDING and not v.get("unconfirmed"):
            p.cache.put_verdict(keys[mid], v)
    if rebuild:
        all_tests = sorted(p.coverage, key=order_key)
        rb = Rebuilder(p.project, p.sb, p.shadow, p.scratch)
        try:
            for i, m in enumerate(rebuild, 1):
                log(f"rebuild {i}/{len(rebuild)}: mutant {m['id']} ({m['file']}:{m['line']})")
                v = rb.judge(m, all_tests)
                v["statusReason"] += " [schema fallback: built alone]"
                verdicts[m["id"]] = v
        finally:
            rb.restore()
    return verdicts, sorted(executor.flaky)


def write_outputs(report: dict, summary: dict, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    (out / "mutation.json").write_text(json.dumps(report, indent=1) + "\n")
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    written += [out / "mutation.json", out / "summary.json"]
    try:
        from .reports import write_reports
    except ImportError:
        write_reports = None
    if write_reports is not None:
        written += list(write_reports(report, summary, out))
    return written


def finish(report: dict, summary: dict, opts: Options, diff_mode: bool) -> int:
    base = None
    if opts.ratchet:
        base = gate.load_baseline(opts.baseline)
    summary["gate"] = gate.evaluate(summary, opts.fail_under, opts.max_surviving, base, diff_mode)
    written = write_outputs(report, summary, opts.out)
    if opts.update_baseline:
        content = gate.baseline_of(summary)  # refuses a run with Pending mutants
        opts.baseline.parent.mkdir(parents=True, exist_ok=True)
        opts.baseline.write_text(json.dumps(content, indent=2) + "\n")
        log(f"baseline written to {opts.baseline}")
    c = summary
    def pct(value):
        return "n/a" if value is None else scores.format_score(value) + "%"

    log(f"score {pct(c['score'])} (covered {pct(c['covered_score'])}): killed {c['killed']}, "
        f"timeout {c['timeout']}, survived {c['survived']}, no coverage {c['no_coverage']}, "
        f"ignored {c['ignored']}, compile errors {c['compile_error']}"
        + (f", pending {c['pending']}" if c.get("pending") else "")
        + f" of {c['total']} in {duration(c['duration_s'])}")
    for note in summary["gate"].get("notes", ()):
        log(f"gate: {note}")
    log("reports: " + ", ".join(str(w) for w in written))
    if not summary["gate"]["passed"]:
        for reason in summary["gate"]["reasons"]:
            log(f"gate: {reason}")
        return EXIT_BELOW_GATE
    return EXIT_OK


def run(project: Project, opts: Options) -> int:
    started = time.monotonic()
    if opts.ratchet and not opts.baseline.exists():
        raise UsageError(f"--ratchet: no baseline at {opts.baseline}")
    ranges = None
    if opts.in_diff:
        ranges = diff_mod.changed_lines(project.source_dir, opts.in_diff)
        if not set(ranges) & set(project.mutate_files()):
            log(f"--in-diff {opts.in_diff}: no file to mutate has changed; nothing to run")
            config = {"project": project.name, "inDiff": opts.in_diff, "shard": None}
            report = elements.build(project.source_dir, {"files": [], "mutants": []}, {}, [],
                                    {}, config)
            summary = elements.summarise(report, time.monotonic() - started, [], [])
            summary.update(executed=0, cached=0)
            return finish(report, summary, opts, diff_mode=True)
    p = prepare(project, opts, ranges)
    mutants = select(p, opts)
    t = time.monotonic()
    verdicts, flaky = judge(p, opts, mutants)
    p.timings["mutation"] = time.monotonic() - t
    selected_suppressed = p.points.get("suppressed", [])
    if p.ranges is not None:
        selected_suppressed = [s for s in selected_suppressed if diff_mod.touches(
            p.ranges, {"file": s["file"], "line": s["line"], "end_line": s["line"]})]
    if opts.shard and opts.shard[0] != 1:
        selected_suppressed = []
    points = dict(p.points, suppressed=selected_suppressed)
    config = {"project": project.name, "jobs": opts.jobs, "inDiff": opts.in_diff,
              "shard": f"{opts.shard[0]}/{opts.shard[1]}" if opts.shard else None,
              "tce": opts.use_tce, "forkServer": opts.use_forkserver,
              "timeouts": dataclasses.asdict(project.timeouts),
              "tests": len(p.tests), "fallbackFiles": p.fallback,
              "mutantsFound": len(p.points["mutants"]), "flakyTests": flaky,
              "tceUnanalysed": sorted(set(p.tce_unanalysed))}
    executed = p.timings.pop("_executed")
    cached = p.timings.pop("_cached")
    performance = {k: round(v * 1000) for k, v in p.timings.items()}
    report = elements.build(project.source_dir, points, verdicts, p.tests, performance, config)
    summary = elements.summarise(report, time.monotonic() - started, p.fallback, flaky)
    summary.update(executed=executed, cached=cached,
                   tce_unanalysed=sorted(set(p.tce_unanalysed) & set(report["files"])),
                   unconfirmed=sum(1 for v in verdicts.values() if v.get("unconfirmed")))
    p.cache.close()
    shutil.rmtree(p.scratch, ignore_errors=True)
    return finish(report, summary, opts, diff_mode=bool(opts.in_diff))


def merge(files: list[Path], opts: Options) -> int:
    """Joins shard reports into the report one unsharded run gives."""
    reports = []
    for path in files:
        try:
            reports.append(json.loads(path.read_text()))
        except (OSError, json.JSONDecodeError) as e:
            raise UsageError(f"merge: {path} is not a readable mutation report: {e}") from None
    if not reports:
        raise UsageError("merge: give the shard reports to join")
    shards = []
    for path, r in zip(files, reports):
        shard = (r.get("config") or {}).get("shard")
        if not shard:
            raise UsageError(f"merge: {path} is not a shard report (config.shard is missing)")
        k, n = (int(x) for x in shard.split("/"))
        shards.append((k, n, path))
    counts = {n for _, n, _ in shards}
    if len(counts) != 1:
        raise UsageError(f"merge: the reports come from different shard counts: {sorted(counts)}")
    n = counts.pop()
    have = sorted(k for k, _, _ in shards)
    if have != list(range(1, n + 1)):
        raise UsageError(f"merge: expected shards 1..{n} exactly once, got {have}")
    roots = {r["projectRoot"] for r in reports}
    if len(roots) != 1:
        raise UsageError(f"merge: the reports come from different projects: {sorted(roots)}")
    merged = json.loads(json.dumps(reports[0]))
    merged["files"] = {}
    for r in reports:
        for path, f in r["files"].items():
            entry = merged["files"].setdefault(path, {k: v for k, v in f.items() if k != "mutants"})
            entry.setdefault("mutants", []).extend(f["mutants"])
            if f.get("suppressed"):
                entry["suppressed"] = f["suppressed"]
        for path, t in r.get("testFiles", {}).items():
            merged["testFiles"].setdefault(path, t)
    for f in merged["files"].values():
        f["mutants"].sort(key=lambda m: int(m["id"]) if m["id"].isdigit() else 1 << 40)
    merged["config"] = dict(merged["config"], shard=None, mergedFrom=len(reports))
    merged["performance"] = {k: sum(r.get("performance", {}).get(k, 0) for r in reports)
                             for k in ("setup", "initialRun", "mutation")}
    flaky = sorted({t for r in reports for t in r.get("config", {}).get("flakyTests", [])})
    fallback = merged["config"].get("fallbackFiles", [])
    summary = elements.summarise(merged, sum(merged["performance"].values()) / 1000, fallback, flaky)
    return finish(merged, summary, opts, diff_mode=bool(merged["config"].get("inDiff")))
