"""The tests that judge mutants, listed from ctest and from the GoogleTest programs it runs."""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import tempfile
from pathlib import Path

from .errors import MutateError

FORKSERVER_MARK = b"SQLINK_MUTATE_FORKSERVER"


@dataclasses.dataclass
class Test:
    id: str                      # stable: the ctest name, or "<ctest name>/<gtest name>"
    name: str                    # what reports show
    command: list[str]
    cwd: str
    env: dict[str, str]          # set on top of the driver's environment
    timeout: float | None        # ctest's TIMEOUT, if any
    binary: str | None = None    # a GoogleTest program that can run as a fork server
    file: str | None = None      # the test's source (GoogleTest lists it), for reports
    line: int | None = None


def _gtest_env(args: list[str]) -> dict[str, str] | None:
    """GoogleTest flags as environment variables, or None if some argument is not one."""
    env = {}
    for arg in args:
        if not arg.startswith("--gtest_"):
            return None
        key, _, value = arg[2:].partition("=")
        env[key.upper()] = value if value else "1"
    return env


def _serves(binary: str, cache: dict[str, bool]) -> bool:
    if binary not in cache:
        try:
            cache[binary] = FORKSERVER_MARK in Path(binary).read_bytes()
        except OSError:
            cache[binary] = False
    return cache[binary]


def _gtest_listing(binary: str, cwd: str) -> list[tuple[str, str | None, int | None]]:
    """(Suite.Name, file, line) for every test of a GoogleTest program, or [] if it is not one."""
    with tempfile.TemporaryDirectory(prefix="sqlink-mutate-list-") as tmp:
        out = os.path.join(tmp, "list.json")
        try:
            r = subprocess.run([binary, "--gtest_list_tests", f"--gtest_output=json:{out}"],
                               cwd=cwd, capture_output=True, text=True, timeout=60,
                               env={**os.environ, "SQLINK_MUTATE_ACTIVE": "0"})
        except (OSError, subprocess.TimeoutExpired):
            return []
        if r.returncode != 0:
            return []
        try:
            data = json.loads(Path(out).read_text())
        except (OSError, json.JSONDecodeError):
            data = None
        tests = []
        if data:
            for suite in data.get("testsuites", []):
                for t in suite.get("testsuite", []):
                    tests.append((f"{suite['name']}.{t['name']}", t.get("file"), t.get("line")))
            return tests
        suite = None
        for line in r.stdout.splitlines():  # the plain listing
            if not line.strip():
                continue
            if not line.startswith(" "):
                suite = line.split("#")[0].strip()
            elif suite:
                tests.append((suite + line.split("#")[0].strip(), None, None))
        return tests


def discover(build_dir: Path, ctest_args: list[str], expand_gtest: bool) -> list[Test]:
    r = subprocess.run(["ctest", "--show-only=json-v1", *ctest_args], cwd=build_dir,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise MutateError(f"ctest could not list the tests in {build_dir}: {r.stderr.strip()}")
    try:
        listing = json.loads(r.stdout)
    except json.JSONDecodeError as e:
        raise MutateError(f"ctest --show-only=json-v1 gave no JSON: {e}") from None
    serves: dict[str, bool] = {}
    locations: dict[str, dict[str, tuple[str | None, int | None]]] = {}
    tests: list[Test] = []
    for entry in listing.get("tests", []):
        command = entry.get("command")
        if not command:
            continue  # a test whose command could not be resolved (e.g. not built)
        props = {p["name"]: p["value"] for p in entry.get("properties", [])}
        cwd = props.get("WORKING_DIRECTORY", str(build_dir))
        env = dict(v.split("=", 1) for v in props.get("ENVIRONMENT", []) if "=" in v)
        timeout = props.get("TIMEOUT")
        binary = command[0]
        gtest_env = _gtest_env(command[1:])
        if gtest_env is not None and "GTEST_FILTER" in gtest_env:
            # One GoogleTest test, as gtest_discover_tests registers them.
            if binary not in locations:
                locations[binary] = {n: (f, l) for n, f, l in _gtest_listing(binary, cwd)}
            file, line = locations[binary].get(gtest_env["GTEST_FILTER"], (None, None))
            tests.append(Test(entry["name"], entry["name"], command, cwd, {**env, **gtest_env},
                              timeout, binary if _serves(binary, serves) else None, file, line))
        elif gtest_env is not None and expand_gtest and _serves(binary, serves):
            # A whole GoogleTest program as one ctest test: judge with each of its tests.
            listed = _gtest_listing(binary, cwd)
            if not listed:
                tests.append(Test(entry["name"], entry["name"], command, cwd, env, timeout))
                continue
            for name, file, line in listed:
                tests.append(Test(f"{entry['name']}/{name}", f"{entry['name']}/{name}",
                                  [binary, f"--gtest_filter={name}"], cwd,
                                  {**env, **gtest_env, "GTEST_FILTER": name}, timeout, binary,
                                  file, line))
        elif gtest_env is not None:
            # A whole GoogleTest program, run as its authors run it; it may still serve.
            tests.append(Test(entry["name"], entry["name"], command, cwd, {**env, **gtest_env},
                              timeout, binary if _serves(binary, serves) else None))
        else:
            tests.append(Test(entry["name"], entry["name"], command, cwd, env, timeout))
    if not tests:
        raise MutateError(f"ctest lists no test in {build_dir} (ctest args: {' '.join(ctest_args)})")
    return tests
