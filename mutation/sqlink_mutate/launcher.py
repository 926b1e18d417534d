"""Compiler launcher of a schema build: compiles the shadow copy of a source when one exists.

CMake runs `python3 launcher.py SHADOW ROOT <compiler> <args...>` for every compile. When
SHADOW/<path of the source relative to ROOT> exists, that file is compiled instead, with the
original directory still searched for quoted includes; for every -I directory under ROOT its
shadow twin is searched first, so a shadowed file included by another (GoogleTest's
gtest-all.cc includes gtest.cc) is picked up too. Warnings are silenced: schema code is
generated, and a project's -Werror must not turn that into a build failure.
"""
import os
import sys


def strip_launcher(command: list[str]) -> list[str]:
    """A compile command as recorded in the schema build's database, without this launcher
    (and the interpreter, SHADOW and ROOT around it) in front of the compiler."""
    here = os.path.realpath(__file__)
    for i, arg in enumerate(command):
        if arg.endswith("launcher.py") and os.path.realpath(arg) == here:
            return command[i + 3:]
    return command


def rewrite(shadow: str, root: str, command: list[str]) -> list[str]:
    out = list(command)
    try:
        source_index = out.index("-c") + 1
    except ValueError:
        return out  # a link or other step
    if source_index >= len(out):
        return out
    source = os.path.abspath(out[source_index])
    extra = []
    rel = os.path.relpath(source, root)
    if not rel.startswith(".."):
        candidate = os.path.join(shadow, rel)
        if os.path.isfile(candidate):
            out[source_index] = candidate
            extra += ["-iquote", os.path.dirname(source)]
    includes = []
    i = 0
    while i < len(out):
        arg = out[i]
        path = None
        if arg == "-I" and i + 1 < len(out):
            path = out[i + 1]
        elif arg.startswith("-I") and len(arg) > 2:
            path = arg[2:]
        if path is not None:
            rel_dir = os.path.relpath(os.path.abspath(path), root)
            twin = os.path.join(shadow, rel_dir)
            if not rel_dir.startswith("..") and os.path.isdir(twin):
                includes += ["-iquote", twin]
        i += 1
    return out[:1] + extra + includes + out[1:] + ["-w", "-Wno-error"]


def main() -> int:
    if len(sys.argv) < 4:
        sys.stderr.write("usage: launcher.py SHADOW ROOT COMPILER ARGS...\n")
        return 2
    shadow, root, command = sys.argv[1], sys.argv[2], sys.argv[3:]
    command = rewrite(os.path.abspath(shadow), os.path.abspath(root), command)
    os.execvp(command[0], command)
    return 127


if __name__ == "__main__":
    sys.exit(main())
