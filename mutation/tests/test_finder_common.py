"""Shared helpers for the tests of sqlink-mutate-points (the mutation-point finder).

Not a test module: it configures the fixture project, runs the finder, reads compile commands
and renders the golden mutant list. Paths come from the environment ctest sets (see
mutation/finder/CMakeLists.txt); defaults let a developer run a test file by hand.
"""
import json
import os
import shlex
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FIXTURE = os.path.join(HERE, "fixtures", "small")
GOLDEN = os.path.join(HERE, "golden", "small.mutants")
FINDER = os.environ.get("SQLINK_FINDER", os.path.join(REPO, "build", "mutation-finder", "sqlink-mutate-points"))
RUNTIME = os.environ.get("SQLINK_RUNTIME_INCLUDE",
                         os.path.join(REPO, "mutation", "runtime", "sqlink_mutate_runtime.hpp"))

# The fixture's translation units and the files the tests mutate (extra.cc only through bundle.cpp).
FIXTURE_TUS = ["src/ops.cpp", "src/contexts.cpp", "src/bundle.cpp"]
FIXTURE_MUTATE = ["src/ops.cpp", "src/contexts.cpp", "src/extra.cc"]


def work_dir(name):
    """A fresh directory for one test module (ctest may run modules in parallel)."""
    base = os.environ.get("SQLINK_FINDER_WORK")
    if base:
        path = os.path.join(base, name)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        return path
    return tempfile.mkdtemp(prefix="sqlink-finder-%s-" % name)


def configure(source, build):
    """Configures a CMake project with a compile database; returns the build dir."""
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.run(["cmake", "-S", source, "-B", build, *generator, "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"],
                   check=True, capture_output=True)
    return build


def run_finder(build, root, out, tus, mutate=(), extra=(), check=True):
    args = [FINDER, "-p", build, "--root", root, "--out", out, "--runtime-include", RUNTIME]
    for path in mutate:
        args += ["--mutate", path]
    args += list(extra) + list(tus)
    result = subprocess.run(args, cwd=root, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError("finder failed (%d):\n%s" % (result.returncode, result.stderr))
    return result


def run_fixture_finder(work, extra=("--block-removal",)):
    """Configures the fixture and runs the finder on it; returns (build dir, out dir, points)."""
    build = configure(FIXTURE, os.path.join(work, "fixture-build"))
    out = os.path.join(work, "finder-out")
    run_finder(build, FIXTURE, out, FIXTURE_TUS, FIXTURE_MUTATE, extra)
    with open(os.path.join(out, "points.json"), encoding="utf-8") as f:
        return build, out, json.load(f)


def compile_command(build, source):
    """argv and directory of the compile command of `source`, without -o/-c and the source."""
    with open(os.path.join(build, "compile_commands.json"), encoding="utf-8") as f:
        entries = json.load(f)
    for entry in entries:
        if os.path.realpath(entry["file"]) != os.path.realpath(source):
            continue
        args = entry["arguments"] if "arguments" in entry else shlex.split(entry["command"])
        kept, skip = [], False
        for arg in args:
            if skip:
                skip = False
                continue
            if arg in ("-o", "-MF", "-MT", "-MQ"):
                skip = True
                continue
            if arg in ("-c", entry["file"]) or os.path.realpath(os.path.join(entry["directory"], arg)) == \
                    os.path.realpath(source):
                continue
            kept.append(arg)
        return kept, entry["directory"]
    raise KeyError(source)


def escape(text):
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def render_mutants(points):
    """The golden text: one line per mutant, then the suppressed ones with their reasons."""
    lines = ["# Mutants of mutation/tests/fixtures/small (regenerate with SQLINK_UPDATE_GOLDEN=1).",
             "# file:line:col operator 'original' -> 'replacement'"]
    for m in points["mutants"]:
        lines.append("%s:%d:%d %s '%s' -> '%s'" % (m["file"], m["line"], m["column"], m["operator"],
                                                    escape(m["original"]), escape(m["replacement"])))
    lines.append("# suppressed: file:line operator reason")
    for s in points["suppressed"]:
        lines.append("%s:%d %s suppressed: %s" % (s["file"], s["line"], s["operator"], s["reason"]))
    lines.append("# errors")
    for e in points["errors"]:
        lines.append("%s %s" % (e.get("tu") or e.get("file"), e["message"]))
    return "\n".join(lines) + "\n"
