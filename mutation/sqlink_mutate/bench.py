"""Mutants per minute three ways on the same mutants, with the verdicts checked equal:

1. this driver: schemata, only the covering tests, fastest first, fork server;
2. schemata, the whole suite per mutant (ctest with the mutant active);
3. a rebuild per mutant: the one mutated file applied to pristine sources, rebuilt, whole suite.

Way 3 is also the reference check: a schema verdict must agree with the verdict of really
rebuilding the mutated source. Prints the figures and writes them as JSON.
"""
from __future__ import annotations

import json
import random
import subprocess
import time
from pathlib import Path

from . import driver, project as project_mod
from .build import SchemaBuild
from .execute import KILLED, SURVIVED, TIMED_OUT, Executor
from .log import log
from .rebuild import apply


def detected(status: str) -> bool | None:
    if status in (KILLED, TIMED_OUT):
        return True
    if status == SURVIVED:
        return False
    return None


def ctest_verdict(build_dir: Path, ctest_args: list[str], mutant: int, jobs: int,
                  timeout: float) -> str:
    env = {"SQLINK_MUTATE_ACTIVE": str(mutant)}
    import os
    r = subprocess.run(["ctest", "-j", str(jobs), "--timeout", str(int(timeout)), *ctest_args],
                       cwd=build_dir, env={**os.environ, **env}, capture_output=True, text=True)
    return SURVIVED if r.returncode == 0 else KILLED


def main(args) -> int:
    project = project_mod.load(args.project)
    opts = driver.Options(work_root=args.work_dir.resolve(), out=args.out.parent, jobs=args.jobs,
                          use_cache=False)
    p = driver.prepare(project, opts)
    covered = [m for m in p.points["mutants"] if m["id"] in p.covering]
    rng = random.Random(args.seed)
    sample = sorted(rng.sample(covered, min(args.sample, len(covered))), key=lambda m: m["id"])
    ids = [m["id"] for m in sample]
    timeout = max(project.timeouts.floor_s,
                  project.timeouts.factor * max(tc.duration for tc in p.coverage)
                  + project.timeouts.constant_s)
    log(f"bench: {len(sample)} of {len(covered)} covered mutants, seed {args.seed}")

    t = time.monotonic()
    ours = Executor(p.covering, project.timeouts, args.jobs, p.scratch, project.rlimit_as_mb).run(ids)
    t_ours = time.monotonic() - t

    t = time.monotonic()
    suite = {}
    for m in sample:
        suite[m["id"]] = ctest_verdict(p.sb.build_dir, project.ctest_args, m["id"], args.jobs, timeout)
    t_suite = time.monotonic() - t

    rebuild_sample = sample[: min(args.rebuild_sample, len(sample))]
    rb = SchemaBuild(project, opts.work_root / project.name / "rebuild", args.jobs)
    rb.configure()
    rb.invalidate(rb.sync_shadow({}))
    log("bench: building the pristine tree for the rebuild way")
    first = rb.build(keep_going=False)
    if first.returncode != 0:
        log("bench: the pristine build failed:\n" + first.stdout[-2000:])
        return 4
    rebuilt = {}
    t = time.monotonic()
    for i, m in enumerate(rebuild_sample, 1):
        original = (project.source_dir / m["file"]).read_bytes()
        rb.invalidate(rb.sync_shadow({m["file"]: apply(original, m)}))
        built = rb.build(keep_going=False)
        if built.returncode != 0:
            rebuilt[m["id"]] = "CompileError"
        else:
            rebuilt[m["id"]] = ctest_verdict(rb.build_dir, project.ctest_args, 0, args.jobs, timeout)
        log(f"bench: rebuilt {i}/{len(rebuild_sample)}: mutant {m['id']} -> {rebuilt[m['id']]}")
    t_rebuild = time.monotonic() - t
    rb.invalidate(rb.sync_shadow({}))

    def per_min(n: int, seconds: float) -> float:
        return 60.0 * n / seconds if seconds > 0 else 0.0

    disagreements = []
    for m in sample:
        mine = detected(ours[m["id"]]["status"])
        whole = detected(suite[m["id"]])
        if mine is not None and whole is not None and mine != whole:
            disagreements.append({"id": m["id"], "driver": ours[m["id"]]["status"], "suite": suite[m["id"]]})
    rebuild_agree = 0
    rebuild_checked = 0
    for mid, status in rebuilt.items():
        mine = detected(ours[mid]["status"])
        ref = detected(status)
        if mine is None or ref is None:
            continue
        rebuild_checked += 1
        if mine == ref:
            rebuild_agree += 1
        else:
            disagreements.append({"id": mid, "driver": ours[mid]["status"], "rebuild": status})
    result = {
        "project": project.name, "jobs": args.jobs, "sample": len(sample), "seed": args.seed,
        "driver": {"seconds": round(t_ours, 2), "mutants_per_min": round(per_min(len(sample), t_ours), 1)},
        "whole_suite": {"seconds": round(t_suite, 2), "mutants_per_min": round(per_min(len(sample), t_suite), 1)},
        "rebuild": {"mutants": len(rebuild_sample), "seconds": round(t_rebuild, 2),
                    "mutants_per_min": round(per_min(len(rebuild_sample), t_rebuild), 2)},
        "verdicts": {"driver": {str(k): v["status"] for k, v in ours.items()},
                     "whole_suite": {str(k): v for k, v in suite.items()},
                     "rebuild": {str(k): v for k, v in rebuilt.items()}},
        "rebuild_agreement": f"{rebuild_agree}/{rebuild_checked}",
        "disagreements": disagreements,
    }
    d, s, r = (result[k]["mutants_per_min"] for k in ("driver", "whole_suite", "rebuild"))
    result["speedup_vs_whole_suite"] = round(d / s, 1) if s else None
    result["speedup_vs_rebuild"] = round(d / r, 1) if r else None
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"mutants/min on {project.name}, {len(sample)} mutants, {args.jobs} jobs:")
    print(f"  driver (schemata, covering tests, fork server): {d:10.1f}")
    print(f"  schemata, whole suite per mutant:               {s:10.1f}  ({result['speedup_vs_whole_suite']}x slower)")
    print(f"  rebuild per mutant ({len(rebuild_sample)} mutants):              {r:10.2f}  ({result['speedup_vs_rebuild']}x slower)")
    print(f"  verdicts: driver vs whole suite and vs rebuild: {len(disagreements)} disagreement(s); "
          f"rebuild agreement {result['rebuild_agreement']}")
    return 0 if not disagreements else 1
