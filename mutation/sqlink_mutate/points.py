"""Mutation points: runs the Clang-based finder (mutation/finder) and caches what it found."""
from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

from .build import SchemaBuild, file_hash
from .cache import Cache
from .errors import MutateError
from .launcher import strip_launcher
from .log import log
from .project import Project

MUTATION_DIR = Path(__file__).resolve().parent.parent
FINDER_SOURCE = MUTATION_DIR / "finder"
RUNTIME_HEADER = MUTATION_DIR / "runtime" / "sqlink_mutate_runtime.hpp"
# What a translation unit can include besides the files it names: the points (and the TCE
# results keyed on them) depend on these, the TUs and the mutated files, not on other .cpp
# files such as the tests.
HEADER_SUFFIXES = {".h", ".hh", ".hpp", ".hxx", ".def", ".inc", ".in", ".ipp", ".tcc"}


def ensure_finder(work_root: Path) -> Path:
    """Builds sqlink-mutate-points (an up-to-date build is a no-op) and returns its path.

    SQLINK_MUTATE_FINDER names an already built finder instead (the project's own build of
    mutation/finder, as its tests do); SQLINK_MUTATE_FINDER_DIR, where to build it."""
    given = os.environ.get("SQLINK_MUTATE_FINDER")
    if given:
        if not (os.path.isfile(given) and os.access(given, os.X_OK)):
            raise MutateError(f"SQLINK_MUTATE_FINDER={given} is not an executable file")
        return Path(given)
    build = Path(os.environ.get("SQLINK_MUTATE_FINDER_DIR") or work_root / "finder")
    binary = build / "sqlink-mutate-points"
    if not (build / "build.ninja").exists():
        log("configure the mutation-point finder")
        r = subprocess.run(["cmake", "-S", str(FINDER_SOURCE), "-B", str(build), "-G", "Ninja",
                            "-DCMAKE_BUILD_TYPE=Release"], capture_output=True, text=True)
        if r.returncode != 0:
            raise MutateError(f"configuring {FINDER_SOURCE} failed:\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
    r = subprocess.run(["cmake", "--build", str(build), "--target", "sqlink-mutate-points"],
                       capture_output=True, text=True)
    if r.returncode != 0 or not binary.exists():
        raise MutateError(f"building the finder failed:\n{r.stdout[-3000:]}{r.stderr[-2000:]}")
    return binary


def _tree_hash(root: Path, skip: list[Path], suffixes: set[str]) -> str:
    """Hash of every file with one of `suffixes` under root: in a git work tree the files git
    tracks or would track (so build trees, fuzz work and other ignored output never
    invalidate the points), elsewhere every file outside .git and build trees."""
    h = hashlib.sha256()
    skip_set = {str(p.resolve()) for p in skip}
    for rel in _source_files(root, suffixes):
        path = root / rel
        if any(str(path.resolve()).startswith(s + os.sep) for s in skip_set) or not path.is_file():
            continue
        h.update(str(rel).encode() + b"\0" + file_hash(path).encode())
    return h.hexdigest()


def _source_files(root: Path, suffixes: set[str]) -> list[str]:
    try:
        r = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
                            "--exclude-standard", "--full-name", "."],
                           capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        r = None
    if r is not None and r.returncode == 0:
        top = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True)
        if top.returncode == 0:
            base = Path(top.stdout.strip()).resolve()
            rels = []
            for name in r.stdout.decode(errors="surrogateescape").split("\0"):
                if name and Path(name).suffix in suffixes:
                    rels.append(os.path.relpath(base / name, root.resolve()))
            return sorted(set(rels))
    rels = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git"
                             and not os.path.exists(os.path.join(dirpath, d, "CMakeCache.txt")))
        for name in sorted(filenames):
            if Path(name).suffix in suffixes:
                rels.append(str(Path(dirpath, name).relative_to(root)))
    return rels


def _finder_db(sb: SchemaBuild, out: Path) -> Path:
    """The schema build's compile database without the launcher in front of the compiler."""
    entries = sb.compile_commands()
    for e in entries:
        if e.get("arguments"):
            e["arguments"] = strip_launcher(e["arguments"])
        elif "launcher.py" in e.get("command", ""):  # CMake usually leaves launchers out
            e["command"] = shlex.join(strip_launcher(shlex.split(e["command"])))
    out.mkdir(parents=True, exist_ok=True)
    (out / "compile_commands.json").write_text(json.dumps(entries, indent=1))
    return out


def find(project: Project, sb: SchemaBuild, work_root: Path, cache: Cache,
         only: set[str] | None = None) -> dict:
    """points.json as a dict, plus each schema's bytes under 'schemas' (path -> bytes).

    `only` limits the mutated files (--in-diff: the changed ones); the others keep their
    original code, so the build and the run only pay for what changed."""
    mutate = project.mutate_files()
    tus = project.tu_files()
    if only is not None:
        mutate = [f for f in mutate if f in only]
        if not project.tus:
            tus = mutate
        if not mutate:
            log("no file to mutate among the changed files")
            return {"version": 1, "files": [], "mutants": [], "suppressed": [], "schemas": {}}
    finder = ensure_finder(work_root)
    out = sb.work / "points"
    args = ["--block-removal"] if project.block_removal else []
    # What every translation unit's code depends on besides its own file: a TU's TCE result
    # is keyed on this plus its schema and command, so a change to one file re-analyses one TU.
    shared_key = hashlib.sha256(json.dumps({
        "finder": file_hash(finder), "runtime": file_hash(RUNTIME_HEADER),
        "headers": _tree_hash(project.source_dir, [sb.work.parent, sb.work], HEADER_SUFFIXES),
    }, sort_keys=True).encode()).hexdigest()
    key = hashlib.sha256(json.dumps({
        "shared": shared_key,
        "sources": {f: file_hash(project.source_dir / f) for f in sorted(set(tus) | set(mutate))},
        "tus": tus, "mutate": mutate, "args": args,
        "commands": [e for e in sb.compile_commands()
                     if os.path.relpath(os.path.join(e["directory"], e["file"]), project.source_dir) in tus],
    }, sort_keys=True).encode()).hexdigest()
    cached = cache.blob(f"points:{key}")
    if cached is not None and (out / "points.json").exists():
        points = json.loads((out / "points.json").read_text())
        if points.get("_cache_key") == key:
            log(f"mutation points: {len(points['mutants'])} (cached)")
            return _with_schemas(points, out)
    db = _finder_db(sb, sb.work / "finder-db")
    if out.exists():
        shutil.rmtree(out)
    command = [str(finder), "-p", str(db), "--root", str(project.source_dir), "--out", str(out),
               "--runtime-include", str(RUNTIME_HEADER), *args]
    for m in mutate:
        command += ["--mutate", m]
    command += [str(project.source_dir / t) for t in tus]
    log(f"finding mutation points in {len(mutate)} file(s) ({len(tus)} translation unit(s))")
    r = subprocess.run(command, capture_output=True, text=True)
    if r.returncode != 0 or not (out / "points.json").exists():
        raise MutateError(f"the mutation-point finder failed (exit {r.returncode}):\n"
                          f"{r.stderr[-4000:]}")
    points = json.loads((out / "points.json").read_text())
    for err in points.get("errors", []):
        log(f"warning: {err.get('tu')}: {err.get('message', '')[:300]}")
    points["_cache_key"] = key
    points["_shared_key"] = shared_key
    (out / "points.json").write_text(json.dumps(points))
    cache.put_blob(f"points:{key}", {"mutants": len(points["mutants"])})
    log(f"mutation points: {len(points['mutants'])} in {len(points['files'])} file(s), "
        f"{len(points.get('suppressed', []))} suppressed")
    return _with_schemas(points, out)


def _with_schemas(points: dict, out: Path) -> dict:
    schemas = {}
    for f in points["files"]:
        if f.get("schema"):
            schemas[f["path"]] = (out / f["schema"]).read_bytes()
    points["schemas"] = schemas
    return points
