"""The finder's command line and points.json contract: usage errors, operator selection,
translation units that fail to parse, GCC-only flags, included files, and stable mutant keys."""
import json
import os
import shutil
import unittest

import test_finder_common as common

GOOD = """#include <stddef.h>
#include "shared.inc"
int good(int a) { return a + 1; }
"""
OTHER = """#include "shared.inc"
int other(int a) { return a - 1; }
"""
SHARED = "static inline int shared(int a) { return a * 2; }\n"
BAD = "int bad(int a) { return a + ; }\n"
SUPPRESSED = """int a(int x) {
  // mutate: next-line - dash
  x = x + 1;
  // mutate: next-line -- double dash
  x = x + 2;
  // mutate: next-line \u2014 em dash
  x = x + 3;
  // mutate: next-line: colon
  x = x + 4;
  // mutate: next-line
  x = x + 5;
  // mutate: off   spaces only
  x = x + 6;
  x = x + 7;
  // mutate: on
  x = x + 8;
  // mutate: sideways
  return x;
}
"""
# Operator lists: only the named operators (or families) are suppressed on the line.
SCOPED = """int s(int x, int n) {
  // mutate: next-line arith.add.sub: only the sub
  x = x + 1;
  // mutate: next-line rel.lt.ne, lit.int: two families
  for (int i = 0; i < n; ++i) x = x * 3;
  // mutate: next-line rel.lt.ne: stacked, first
  // mutate: next-line rel.lt.le: stacked, second
  if (x < n) x = 0;
  // mutate: next-line rel.lt.nope: misspelt
  if (x < n) x = 1;
  // mutate: next-line fd: a plain reason with a colon
  x = x - 2;
  // mutate: off arith: region of one family
  x = x * 4 - 5;
  // mutate: on
  // mutate: next-line arith.add.sub: a reason that goes on
  // over a second comment line
  x = x + 6;  // a trailing comment does not make a line a comment line
  return x;
}
"""
# Flags g++ knows and clang does not, or that must not break a syntax-only parse.
GCC_FLAGS = "-fno-canonical-system-headers -fconcepts-diagnostics-depth=2 -Wlogical-op -flto=auto -Werror"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


class HandWrittenProject(unittest.TestCase):
    """A project whose compile database is written by hand, with GCC flags and a broken file."""

    @classmethod
    def setUpClass(cls):
        cls.root = common.work_dir("cli")
        for name, text in (("good.cpp", GOOD), ("other.cpp", OTHER), ("shared.inc", SHARED), ("bad.cpp", BAD),
                           ("suppressed.cpp", SUPPRESSED), ("scoped.cpp", SCOPED)):
            write(os.path.join(cls.root, "src", name), text)
        entries = [{"directory": cls.root,
                    "command": "/usr/bin/c++ -std=gnu++20 %s -o %s.o -c src/%s" % (GCC_FLAGS, name, name),
                    "file": "src/" + name}
                   for name in ("good.cpp", "other.cpp", "bad.cpp", "suppressed.cpp", "scoped.cpp")]
        os.makedirs(os.path.join(cls.root, "build"))
        write(os.path.join(cls.root, "build", "compile_commands.json"), json.dumps(entries, indent=1))
        cls.build = os.path.join(cls.root, "build")

    def run_finder(self, tus, mutate=(), extra=(), out="out"):
        out = os.path.join(self.root, out)
        result = common.run_finder(self.build, self.root, out, tus, mutate, extra, check=False)
        points = None
        if os.path.exists(os.path.join(out, "points.json")):
            with open(os.path.join(out, "points.json"), encoding="utf-8") as f:
                points = json.load(f)
        return result, points

    def test_gcc_flags_are_tolerated(self):
        result, points = self.run_finder(["src/good.cpp"], out="gcc")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual([m["operator"] for m in points["mutants"]],
                         ["ret.int.zero", "arith.add.sub", "lit.int.zero"])
        self.assertEqual(points["files"][0]["path"], "src/good.cpp")

    def test_broken_tu_is_reported_and_the_rest_continues(self):
        result, points = self.run_finder(["src/bad.cpp", "src/good.cpp"], out="broken")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("bad.cpp", result.stderr)
        self.assertEqual([e["tu"] for e in points["errors"]], ["src/bad.cpp"])
        self.assertIn("expected expression", points["errors"][0]["message"])
        self.assertEqual([f["path"] for f in points["files"]], ["src/good.cpp"])

    def test_suppression_comments_and_reasons(self):
        result, points = self.run_finder(["src/suppressed.cpp"], extra=["--operators", "arith"], out="suppressed")
        self.assertEqual(result.returncode, 0, result.stderr)
        reasons = [(s["line"], s["operator"], s["reason"]) for s in points["suppressed"]]
        self.assertEqual(reasons, [(3, "arith.add.sub", "dash"), (5, "arith.add.sub", "double dash"),
                                   (7, "arith.add.sub", "em dash"), (9, "arith.add.sub", "colon"),
                                   (11, "arith.add.sub", ""), (13, "arith.add.sub", "spaces only"),
                                   (14, "arith.add.sub", "spaces only")])
        self.assertEqual([m["line"] for m in points["mutants"]], [16])
        self.assertEqual(points["files"][0]["suppressed"], 7)
        self.assertIn("src/suppressed.cpp:17: warning: unknown \"mutate:\" comment", result.stderr)

    def test_suppression_scoped_to_operators(self):
        result, points = self.run_finder(["src/scoped.cpp"], extra=["--operators", "arith,rel.lt,lit.int"],
                                         out="scoped")
        self.assertEqual(result.returncode, 0, result.stderr)
        suppressed = sorted((s["line"], s["operator"], s["reason"]) for s in points["suppressed"])
        self.assertEqual(suppressed, [
            (3, "arith.add.sub", "only the sub"),
            (5, "lit.int.one", "two families"), (5, "lit.int.zero", "two families"),
            (5, "rel.lt.ne", "two families"),
            (8, "rel.lt.le", "stacked, second"), (8, "rel.lt.ne", "stacked, first"),
            (12, "arith.sub.add", "fd: a plain reason with a colon"),
            (12, "lit.int.zero", "fd: a plain reason with a colon"),
            (14, "arith.mul.div", "region of one family"), (14, "arith.sub.add", "region of one family"),
            (18, "arith.add.sub", "a reason that goes on")])
        kept = sorted((m["line"], m["operator"]) for m in points["mutants"])
        self.assertIn((3, "lit.int.zero"), kept)      # not named on line 3
        self.assertIn((5, "rel.lt.le"), kept)         # rel.lt.ne is not rel.lt.le
        self.assertIn((5, "arith.mul.div"), kept)
        self.assertIn((8, "rel.lt.false"), kept)
        self.assertIn((10, "rel.lt.ne"), kept)        # an unknown name suppresses nothing ...
        self.assertIn("src/scoped.cpp:9: warning: \"mutate: next-line\" names no operator \"rel.lt.nope\"",
                      result.stderr)                  # ... and says so
        self.assertIn((14, "lit.int.zero"), kept)     # the region names arith only
        self.assertNotIn(3, [line for line, op in kept if op.startswith("arith")])

    def test_exit_1_when_nothing_parses(self):
        result, points = self.run_finder(["src/bad.cpp"], out="nothing")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(points["mutants"], [])

    def test_included_file_comes_from_the_first_tu_that_contains_it(self):
        result, points = self.run_finder(["src/other.cpp", "src/good.cpp"], mutate=["src/shared.inc"],
                                         out="shared")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual([(f["path"], f["tu"]) for f in points["files"]], [("src/shared.inc", "src/other.cpp")])
        self.assertEqual({m["function"] for m in points["mutants"]}, {"shared(int)"})
        self.assertTrue(os.path.isfile(os.path.join(self.root, "shared", "schema", "src", "shared.inc")))

    def test_operator_selection(self):
        result, points = self.run_finder(["src/good.cpp"], extra=["--operators", "lit,ret.int"], out="ops")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(sorted(m["operator"] for m in points["mutants"]), ["lit.int.zero", "ret.int.zero"])

    def test_usage_errors_name_the_argument(self):
        cases = [
            (["--operators", "nosuch"], "nosuch"),
            (["--mutate", "src/missing.cpp"], "src/missing.cpp"),
            (["--frobnicate"], "--frobnicate"),
        ]
        for extra, named in cases:
            result, _ = self.run_finder(["src/good.cpp"], extra=extra, out="usage")
            self.assertEqual(result.returncode, 2, extra)
            self.assertIn(named, result.stderr)
        result, _ = self.run_finder(["src/nosuch.cpp"], out="usage")
        self.assertEqual(result.returncode, 2)
        self.assertIn("nosuch.cpp", result.stderr)
        result = common.run_finder(self.build, self.root, os.path.join(self.root, "usage"), [], check=False)
        self.assertEqual(result.returncode, 2)


class KeysAreStable(unittest.TestCase):
    """Keys do not depend on line numbers: editing unrelated lines above keeps them."""

    def test_keys_survive_lines_added_above(self):
        work = common.work_dir("keys")
        before_root = os.path.join(work, "before")
        after_root = os.path.join(work, "after")
        shutil.copytree(common.FIXTURE, before_root)
        shutil.copytree(common.FIXTURE, after_root)
        ops = os.path.join(after_root, "src", "ops.cpp")
        with open(ops, encoding="utf-8") as f:
            text = f.read()
        with open(ops, "w", encoding="utf-8") as f:
            f.write("// An unrelated comment.\n\n\n" + text.replace("namespace small {", "namespace small {\n\n", 1))
        results = []
        for root in (before_root, after_root):
            build = common.configure(root, os.path.join(root, "build"))
            out = os.path.join(root, "out")
            common.run_finder(build, root, out, ["src/ops.cpp"])
            with open(os.path.join(out, "points.json"), encoding="utf-8") as f:
                results.append(json.load(f)["mutants"])
        before, after = results
        self.assertEqual([m["key"] for m in before], [m["key"] for m in after])
        self.assertEqual([m["line"] + 5 for m in before], [m["line"] for m in after])


if __name__ == "__main__":
    unittest.main()
