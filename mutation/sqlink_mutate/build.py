"""The schema build: one configure and one build of the project with schema copies swapped in.

The build lives in WORK/schema; the schema copies in WORK/shadow mirror the source tree. A
file whose schema does not compile is taken out of the shadow (built from its original) and
reported as a fallback: its mutants are then built one at a time (see rebuild.py).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import re
import shlex
import subprocess
import sys
from pathlib import Path

from .errors import MutateError
from .log import log
from .project import Project

LAUNCHER = Path(__file__).resolve().parent / "launcher.py"


class SchemaBuild:
    def __init__(self, project: Project, work: Path, jobs: int):
        self.project = project
        self.work = work
        self.build_dir = work / "schema"
        self.shadow = work / "shadow"
        self.jobs = jobs

    # -- configure --------------------------------------------------------------------------
    def configure(self) -> None:
        cache = self.build_dir / "CMakeCache.txt"
        if cache.exists():
            # The build dir is the tool's own: one configured for a project since moved or
            # replaced is started afresh instead of failing on CMake's source-mismatch check.
            home = re.search(r"^CMAKE_HOME_DIRECTORY:INTERNAL=(.*)$",
                             cache.read_text(errors="replace"), re.M)
            if home and Path(home.group(1)).resolve() != Path(self.project.source_dir).resolve():
                log(f"schema build in {self.build_dir} was configured for {home.group(1)}: "
                    "starting it afresh")
                shutil.rmtree(self.build_dir)
        self.build_dir.mkdir(parents=True, exist_ok=True)
        self.shadow.mkdir(parents=True, exist_ok=True)
        launcher = f"{sys.executable};-S;{LAUNCHER};{self.shadow};{self.project.source_dir}"
        args = ["cmake", "-S", str(self.project.source_dir), "-B", str(self.build_dir),
                "-G", "Ninja", "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON",
                f"-DCMAKE_CXX_COMPILER_LAUNCHER={launcher}",
                f"-DCMAKE_C_COMPILER_LAUNCHER={launcher}",
                *self.project.cmake_args]
        stamp = self.build_dir / "sqlink-mutate-configure.txt"
        if stamp.exists() and stamp.read_text() == "\n".join(args) and \
                (self.build_dir / "build.ninja").exists():
            return
        log(f"configure schema build in {self.build_dir}")
        result = subprocess.run(args, capture_output=True, text=True)
        if result.returncode != 0:
            raise MutateError(f"configuring {self.project.source_dir} failed "
                              f"(cmake exit {result.returncode}):\n{_tail(result.stdout + result.stderr)}")
        stamp.write_text("\n".join(args))

    def compile_commands(self) -> list[dict]:
        path = self.build_dir / "compile_commands.json"
        try:
            return json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise MutateError(f"{path}: cannot read the compile database: {e}") from None

    # -- the shadow tree -------------------------------------------------------------------
    def sync_shadow(self, wanted: dict[str, bytes]) -> set[str]:
        """Makes the shadow tree hold exactly `wanted` (relative path -> bytes).

        Returns the relative paths whose shadow changed (added, removed or rewritten); files
        are only written when their bytes differ, so an unchanged schema costs no rebuild.
        """
        changed: set[str] = set()
        present = {str(p.relative_to(self.shadow)) for p in self.shadow.rglob("*") if p.is_file()}
        for rel in present - set(wanted):
            (self.shadow / rel).unlink()
            changed.add(rel)
        for rel, data in wanted.items():
            target = self.shadow / rel
            if target.is_file() and target.read_bytes() == data:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(target.suffix + ".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)
            changed.add(rel)
        for d in sorted((p for p in self.shadow.rglob("*") if p.is_dir()), reverse=True):
            if not any(d.iterdir()):
                d.rmdir()
        return changed

    def invalidate(self, changed: set[str]) -> None:
        """Deletes the objects built from changed shadows so ninja rebuilds them.

        Ninja tracks the shadow file as a dependency once it has compiled it, but cannot know
        that a shadow appeared or disappeared; removing the object makes it rebuild.
        """
        if not changed:
            return
        commands = self.compile_commands()
        by_source: dict[str, list[str]] = {}
        for entry in commands:
            src = os.path.relpath(os.path.join(entry["directory"], entry["file"]),
                                  self.project.source_dir)
            out = entry.get("output") or _output_of(entry)
            if out:
                by_source.setdefault(src, []).append(os.path.join(entry["directory"], out))
        tus = set(self.project.tu_files())
        for rel in changed:
            targets = by_source.get(rel)
            if targets is None:  # an included file: rebuild every translation unit parsed
                targets = [o for t in tus for o in by_source.get(t, [])]
            for obj in targets:
                try:
                    os.unlink(obj)
                except FileNotFoundError:
                    pass

    # -- building --------------------------------------------------------------------------
    def build(self, keep_going: bool = True) -> subprocess.CompletedProcess:
        args = ["cmake", "--build", str(self.build_dir), "-j", str(self.jobs)]
        if self.project.build_targets:
            args += ["--target", *self.project.build_targets]
        if keep_going:
            args += ["--", "-k", "0"]
        return subprocess.run(args, capture_output=True, text=True)

    def failing_files(self, output: str, candidates: set[str]) -> set[str]:
        """The shadowed files named by compiler errors in a failed build's output."""
        bad: set[str] = set()
        root = str(self.project.source_dir)
        for m in re.finditer(r"^(\S[^:\n]*):\d+:\d+: (?:fatal )?error:", output, re.M):
            path = m.group(1)
            for base in (root, str(self.shadow)):
                if os.path.isabs(path) and path.startswith(base + os.sep):
                    rel = os.path.relpath(path, base)
                    if rel in candidates:
                        bad.add(rel)
        return bad


def _output_of(entry: dict) -> str | None:
    args = entry.get("arguments") or shlex.split(entry.get("command", ""))
    for i, a in enumerate(args[:-1]):
        if a == "-o":
            return args[i + 1]
    return None


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])
