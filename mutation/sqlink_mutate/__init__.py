"""sqlink-mutate: mutation testing for CMake C++ projects.

Mutation points come from Clang's AST (the `sqlink-mutate-points` tool in mutation/finder);
every mutant of a file sits behind a runtime check in one schema copy of that file, so the
project is built once; each mutant then runs against only the tests that reach it.
"""
__version__ = "0.1.0"
