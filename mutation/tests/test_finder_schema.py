"""The fixture's mutant schemata compile, keep line numbers, behave like the original with no
mutant active, and show the mutated behaviour with a given mutant active."""
import os
import shutil
import subprocess
import unittest

import test_finder_common as common


class SchemaBuild:
    """Builds the fixture's probe twice: from the original sources and from the schemata."""

    def __init__(self, work):
        self.work = work
        self.build, self.out, self.points = common.run_fixture_finder(work)
        self.objects = os.path.join(work, "objects")
        os.makedirs(self.objects, exist_ok=True)
        self.schema_files = {f["path"]: os.path.join(self.out, f["schema"])
                             for f in self.points["files"] if f["schema"]}

    def compile(self, source, tu, output, compiler=None, syntax_only=False):
        """Compiles `source` with the compile command of the fixture file `tu`."""
        args, directory = common.compile_command(self.build, os.path.join(common.FIXTURE, tu))
        if compiler:
            args = [compiler] + args[1:]
        args = args + ["-iquote", os.path.dirname(os.path.join(common.FIXTURE, tu))]
        args += ["-fsyntax-only"] if syntax_only else ["-c", "-o", output]
        result = subprocess.run(args + [source], cwd=directory, capture_output=True, text=True)
        if result.returncode != 0:
            raise AssertionError("cannot compile %s:\n%s" % (source, result.stderr))

    def schema_source(self, tu):
        """What to compile for a translation unit in the schema build: its schema, or a copy of it
        beside the schemata of the files it includes (so "extra.cc" resolves to the schema)."""
        if tu in self.schema_files:
            return self.schema_files[tu]
        copy = os.path.join(self.out, "schema", tu)
        os.makedirs(os.path.dirname(copy), exist_ok=True)
        shutil.copyfile(os.path.join(common.FIXTURE, tu), copy)
        return copy

    def link(self, objects, output):
        args, directory = common.compile_command(self.build, os.path.join(common.FIXTURE, "probe", "probe.cpp"))
        probe = os.path.join(self.objects, "probe.o")
        if not os.path.exists(probe):
            self.compile(os.path.join(common.FIXTURE, "probe", "probe.cpp"), "probe/probe.cpp", probe)
        subprocess.run([args[0], probe, *objects, "-o", output], check=True, capture_output=True)
        return output

    def original_objects(self):
        objects = []
        for tu in common.FIXTURE_TUS:
            obj = os.path.join(self.objects, "original-" + tu.replace("/", "_") + ".o")
            if not os.path.exists(obj):
                self.compile(os.path.join(common.FIXTURE, tu), tu, obj)
            objects.append(obj)
        return objects

    def schema_objects(self):
        objects = []
        for tu in common.FIXTURE_TUS:
            obj = os.path.join(self.objects, "schema-" + tu.replace("/", "_") + ".o")
            if not os.path.exists(obj):
                self.compile(self.schema_source(tu), tu, obj)
            objects.append(obj)
        return objects


def run_probe(binary, mutant=None, timeout=10):
    env = dict(os.environ)
    env.pop("SQLINK_MUTATE_ACTIVE", None)
    env.pop("SQLINK_MUTATE_COVERAGE", None)
    env.pop("SQLINK_MUTATE_FORKSERVER", None)
    if mutant is not None:
        env["SQLINK_MUTATE_ACTIVE"] = str(mutant)
    try:
        result = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=timeout)
        return result.returncode, result.stdout
    except subprocess.TimeoutExpired:
        return "timeout", ""


class Schemata(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fixture = SchemaBuild(common.work_dir("schema"))
        cls.original = cls.fixture.link(cls.fixture.original_objects(), os.path.join(cls.fixture.work, "original"))
        cls.schema = cls.fixture.link(cls.fixture.schema_objects(), os.path.join(cls.fixture.work, "schema-probe"))
        cls.baseline = run_probe(cls.original)

    def mutant_id(self, function, operator, nth=0):
        ids = [m["id"] for m in self.fixture.points["mutants"] if m["function"] == function and m["operator"] == operator]
        self.assertGreater(len(ids), nth, "no %s mutant in %s" % (operator, function))
        return ids[nth]

    def test_schema_keeps_every_line_in_place(self):
        for path, schema in self.fixture.schema_files.items():
            with open(os.path.join(common.FIXTURE, path), encoding="utf-8") as f:
                original = f.read()
            with open(schema, encoding="utf-8") as f:
                lines = f.read().split("\n")
            self.assertEqual(lines[0], '#include "%s"' % common.RUNTIME)
            self.assertEqual(lines[1], '#line 1 "%s"' % os.path.join(common.FIXTURE, path))
            self.assertEqual(len(lines) - 2, len(original.split("\n")), path)

    def test_no_active_mutant_behaves_like_the_original(self):
        self.assertEqual(self.baseline[0], 0)
        self.assertEqual(run_probe(self.schema), self.baseline)
        self.assertEqual(run_probe(self.schema, 0), self.baseline)
        self.assertEqual(run_probe(self.schema, len(self.fixture.points["mutants"]) + 1), self.baseline)

    def test_an_active_mutant_changes_exactly_its_behaviour(self):
        cases = [
            ("small::lt(int, int)", "rel.lt.le", 0, "lt 1 1 0"),
            ("small::lt(int, int)", "rel.lt.false", 0, "lt 0 0 0"),
            ("small::ge(int, int)", "rel.ge.true", 0, "ge 1 1 1"),
            ("small::twice_bumped(int)", "call.void.remove", 0, "calls 3"),
            ("small::clamp(int)", "block.remove", 0, "clamp 8 40"),
            ("small::clamp(int)", "block.remove", 1, "clamp 4 10"),
            ("small::negate_short(short)", "unary.neg.remove", 0, "unary -4 -5 4 0 1 0"),
            ("small::is_null(const int *)", "unary.not.remove", 0, "unary -4 -5 -4 0 0 1"),
            ("small::same_short(short)", "ret.int.zero", 0, "returns 15 2.50 0 first second"),
            ("small::multi_line(int, int)", "logic.and.or", 0, "multi 1 1 1"),
            ("small::cmp_chain(bool, int, int)", "rel.lt.ne", 0, "chain 1 1 1"),
            ("small::mix(unsigned int, unsigned int, unsigned int)", "bit.xor.and", 0, "mix 6 3 4"),
            ("small::extra_twice(int)", "arith.mul.div", 0, "bundle 10 7"),
            ("small::use_lambda(int)", "arith.add.sub", 0, "more 79 11 7 8 5"),
            ("small::post_dec(int)", "incdec.dec.inc", 0, "incdec 5 20 2.5"),
        ]
        baseline = self.baseline[1].splitlines()
        for function, operator, nth, expected in cases:
            with self.subTest(function=function, operator=operator, nth=nth):
                status, output = run_probe(self.schema, self.mutant_id(function, operator, nth))
                self.assertEqual(status, 0)
                lines = output.splitlines()
                changed = [line for line, base in zip(lines, baseline) if line != base]
                self.assertEqual(changed, [expected])

    def test_schemata_compile_with_clang_too(self):
        clang = shutil.which("clang++-14") or shutil.which("clang++")
        if not clang:
            self.skipTest("no clang++")
        for tu in common.FIXTURE_TUS:
            self.fixture.compile(self.fixture.schema_source(tu), tu, None, compiler=clang, syntax_only=True)


if __name__ == "__main__":
    unittest.main()
