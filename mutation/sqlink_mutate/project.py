"""A project to mutate: where its sources are, how to build and test it (a TOML file)."""
from __future__ import annotations

import dataclasses
import glob
import os
import tomllib
from pathlib import Path

from .errors import UsageError

HERE = Path(__file__).resolve().parent
PROJECTS_DIR = HERE.parent / "projects"


@dataclasses.dataclass
class Timeouts:
    factor: float = 3.0        # × the covering tests' baseline time
    constant_s: float = 1.0    # + this
    floor_s: float = 2.0       # never less than this


@dataclasses.dataclass
class Project:
    name: str
    config_path: Path
    source_dir: Path
    mutate: list[str]              # globs relative to source_dir
    exclude: list[str]
    tus: list[str]                 # translation units to parse (globs); default: the mutated files
    cmake_args: list[str]
    build_targets: list[str]
    ctest_args: list[str]
    expand_gtest: bool             # split a ctest test that runs a whole GoogleTest program
    block_removal: bool
    rlimit_as_mb: int
    timeouts: Timeouts

    def mutate_files(self) -> list[str]:
        """The files to mutate, relative to source_dir, sorted."""
        return _expand(self.source_dir, self.mutate, self.exclude)

    def tu_files(self) -> list[str]:
        return _expand(self.source_dir, self.tus, []) if self.tus else self.mutate_files()


def _expand(root: Path, patterns: list[str], exclude: list[str]) -> list[str]:
    found: set[str] = set()
    for pattern in patterns:
        for path in glob.glob(str(root / pattern), recursive=True):
            if os.path.isfile(path):
                found.add(os.path.relpath(path, root))
    excluded: set[str] = set()
    for pattern in exclude:
        for path in glob.glob(str(root / pattern), recursive=True):
            excluded.add(os.path.relpath(path, root))
    return sorted(found - excluded)


def _list_of_str(table: dict, key: str, where: Path, default: list[str]) -> list[str]:
    value = table.get(key, default)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{where}: '{key}' must be a list of strings")
    return list(value)


def load(name_or_path: str) -> Project:
    """Loads mutation/projects/NAME.toml, or a TOML file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PROJECTS_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in PROJECTS_DIR.glob("*.toml")))
        raise UsageError(f"no project '{name_or_path}' (known: {known}; or give a .toml path)")
    try:
        table = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: not valid TOML: {e}") from None
    known_keys = {"name", "source_dir", "mutate", "exclude", "tus", "cmake_args",
                  "build_targets", "ctest_args", "expand_gtest", "block_removal",
                  "rlimit_as_mb", "timeouts"}
    unknown = sorted(set(table) - known_keys)
    if unknown:
        raise UsageError(f"{path}: unknown key(s) {', '.join(unknown)}")
    source = Path(table.get("source_dir", "."))
    if not source.is_absolute():
        source = (path.parent / source).resolve()
    if not (source / "CMakeLists.txt").is_file():
        raise UsageError(f"{path}: source_dir {source} has no CMakeLists.txt")
    t = table.get("timeouts", {})
    timeouts = Timeouts(float(t.get("factor", 3.0)), float(t.get("constant_s", 1.0)),
                        float(t.get("floor_s", 2.0)))
    project = Project(
        name=str(table.get("name", path.stem)),
        config_path=path.resolve(),
        source_dir=source,
        mutate=_list_of_str(table, "mutate", path, []),
        exclude=_list_of_str(table, "exclude", path, []),
        tus=_list_of_str(table, "tus", path, []),
        cmake_args=_list_of_str(table, "cmake_args", path, []),
        build_targets=_list_of_str(table, "build_targets", path, []),
        ctest_args=_list_of_str(table, "ctest_args", path, []),
        expand_gtest=bool(table.get("expand_gtest", True)),
        block_removal=bool(table.get("block_removal", False)),
        rlimit_as_mb=int(table.get("rlimit_as_mb", 8192)),
        timeouts=timeouts,
    )
    if not project.mutate:
        raise UsageError(f"{path}: 'mutate' lists no files to mutate")
    if not project.mutate_files():
        raise UsageError(f"{path}: 'mutate' globs match no file under {source}")
    return project
