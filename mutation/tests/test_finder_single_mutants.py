"""Every mutant of the fixture applied alone (its begin/end/replacement in points.json) compiles,
and behaves exactly like the schema build with that mutant active: the single-mutant form the
driver falls back to and the schema are the same mutant."""
import concurrent.futures
import os
import shutil
import unittest

import test_finder_common as common
from test_finder_schema import SchemaBuild, run_probe


class SingleMutants(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fixture = SchemaBuild(common.work_dir("single"))
        cls.schema = cls.fixture.link(cls.fixture.schema_objects(), os.path.join(cls.fixture.work, "schema-probe"))
        cls.original_objects = dict(zip(common.FIXTURE_TUS, cls.fixture.original_objects()))
        cls.tu_of = {f["path"]: f["tu"] for f in cls.fixture.points["files"]}

    def build_mutant(self, mutant):
        """The probe built with this one mutant applied to a copy of its file; returns the binary."""
        fixture = self.fixture
        where = os.path.join(fixture.work, "mutants", str(mutant["id"]))
        os.makedirs(where, exist_ok=True)
        with open(os.path.join(common.FIXTURE, mutant["file"]), "rb") as f:
            data = f.read()
        mutated = data[:mutant["begin"]] + mutant["replacement"].encode() + data[mutant["end"]:]
        path = os.path.join(where, mutant["file"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(mutated)
        tu = self.tu_of[mutant["file"]]
        source = os.path.join(where, tu)
        if tu != mutant["file"]:  # an included file: compile its TU from beside it
            shutil.copyfile(os.path.join(common.FIXTURE, tu), source)
        obj = os.path.join(where, "mutant.o")
        fixture.compile(source, tu, obj)
        objects = [obj if name == tu else o for name, o in self.original_objects.items()]
        return fixture.link(objects, os.path.join(where, "probe"))

    def check(self, mutant):
        binary = self.build_mutant(mutant)
        alone = run_probe(binary, timeout=5)
        in_schema = run_probe(self.schema, mutant["id"], timeout=5)
        return mutant, alone, in_schema

    def test_each_single_mutant_compiles_and_matches_the_schema(self):
        mutants = self.fixture.points["mutants"]
        self.assertGreater(len(mutants), 100)
        with concurrent.futures.ThreadPoolExecutor(max(1, min(4, os.cpu_count() or 1))) as pool:
            results = list(pool.map(self.check, mutants))
        for mutant, alone, in_schema in results:
            with self.subTest(id=mutant["id"], operator=mutant["operator"], line=mutant["line"]):
                self.assertEqual(alone, in_schema, "%s:%d %s" % (mutant["file"], mutant["line"], mutant["replacement"]))


if __name__ == "__main__":
    unittest.main()
