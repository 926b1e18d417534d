"""Golden test of the mutation-point finder: the mutants it finds in the fixture project.

Any change to mutant generation shows up as a reviewable diff of golden/small.mutants.
Regenerate with SQLINK_UPDATE_GOLDEN=1 and read the diff before committing it.
"""
import hashlib
import os
import unittest

import test_finder_common as common


class GoldenMutants(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = common.work_dir("golden")
        cls.build, cls.out, cls.points = common.run_fixture_finder(cls.work)

    def test_mutant_list_matches_golden(self):
        text = common.render_mutants(self.points)
        if os.environ.get("SQLINK_UPDATE_GOLDEN"):
            with open(common.GOLDEN, "w", encoding="utf-8") as f:
                f.write(text)
        with open(common.GOLDEN, encoding="utf-8") as f:
            golden = f.read()
        self.maxDiff = None
        self.assertEqual(golden, text, "mutants changed; rerun with SQLINK_UPDATE_GOLDEN=1 and review the diff")

    def test_ids_are_dense_and_ordered(self):
        mutants = self.points["mutants"]
        self.assertEqual([m["id"] for m in mutants], list(range(1, len(mutants) + 1)))
        order = [(m["file"], m["begin"], -m["end"], m["operator"]) for m in mutants]
        self.assertEqual(order, sorted(order))

    def test_positions_and_text_match_the_original(self):
        sources = {}
        for m in self.points["mutants"]:
            if m["file"] not in sources:
                with open(os.path.join(common.FIXTURE, m["file"]), "rb") as f:
                    sources[m["file"]] = f.read()
            data = sources[m["file"]]
            self.assertEqual(data[m["begin"]:m["end"]].decode(), m["original"])
            line_start = data.rfind(b"\n", 0, m["begin"]) + 1
            self.assertEqual(m["line"], data.count(b"\n", 0, m["begin"]) + 1)
            self.assertEqual(m["column"], m["begin"] - line_start + 1)
            end_line_start = data.rfind(b"\n", 0, m["end"]) + 1
            self.assertEqual(m["end_line"], data.count(b"\n", 0, m["end"]) + 1)
            self.assertEqual(m["end_column"], m["end"] - end_line_start + 1)

    def test_files_report_hash_schema_and_counts(self):
        files = {f["path"]: f for f in self.points["files"]}
        self.assertEqual(sorted(files), sorted(common.FIXTURE_MUTATE))
        self.assertEqual(files["src/extra.cc"]["tu"], "src/bundle.cpp")
        for path, entry in files.items():
            with open(os.path.join(common.FIXTURE, path), "rb") as f:
                self.assertEqual(entry["sha256"], hashlib.sha256(f.read()).hexdigest())
            count = sum(1 for m in self.points["mutants"] if m["file"] == path)
            self.assertEqual(entry["mutants"], count)
            self.assertEqual(entry["suppressed"], sum(1 for s in self.points["suppressed"] if s["file"] == path))
            self.assertEqual(entry["schema"], "schema/" + path)
            self.assertTrue(os.path.isfile(os.path.join(self.out, entry["schema"])))
        self.assertEqual(self.points["version"], 1)
        self.assertEqual(self.points["root"], common.FIXTURE)
        self.assertEqual(self.points["runtime_include"], common.RUNTIME)
        self.assertEqual(self.points["errors"], [])

    def test_keys_are_unique(self):
        keys = [m["key"] for m in self.points["mutants"]]
        self.assertEqual(len(keys), len(set(keys)))
        self.assertTrue(all(len(k) == 64 for k in keys))

    def test_every_operator_appears(self):
        seen = {m["operator"] for m in self.points["mutants"]}
        expected = {
            "rel.lt.le", "rel.lt.ne", "rel.lt.false", "rel.le.lt", "rel.le.eq", "rel.le.true",
            "rel.gt.ge", "rel.gt.ne", "rel.gt.false", "rel.ge.gt", "rel.ge.eq", "rel.ge.true",
            "eq.ne", "ne.eq", "arith.add.sub", "arith.sub.add", "arith.mul.div", "arith.div.mul",
            "arith.rem.mul", "arith.addassign.subassign", "arith.subassign.addassign",
            "arith.mulassign.divassign", "arith.divassign.mulassign", "bit.and.or", "bit.or.and",
            "bit.xor.and", "bit.shl.shr", "bit.shr.shl", "bit.andassign.orassign", "bit.orassign.andassign",
            "logic.and.or", "logic.or.and", "unary.not.remove", "unary.neg.remove", "unary.bnot.remove",
            "incdec.inc.dec", "incdec.dec.inc", "lit.int.zero", "lit.int.one", "lit.bool.false",
            "lit.bool.true", "ret.bool.negate", "ret.int.zero", "ret.ptr.null", "call.void.remove",
            "block.remove"}
        self.assertEqual(expected - seen, set())


if __name__ == "__main__":
    unittest.main()
