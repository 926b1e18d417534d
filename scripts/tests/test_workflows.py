#!/usr/bin/env python3
"""Every CI workflow under ci/ (ci/github/workflows/, ci/.clusterfuzzlite/workflows/) parses
as YAML, has the shape GitHub Actions requires (on; jobs, each with runs-on and steps or a
reusable `uses`; each step with run or uses; needs and matrix names that exist), and every
`scripts/harness SUBCOMMAND --option` in a run step names a subcommand and options that
`scripts/harness --help` lists: that usage text is the source of truth, so a workflow that
names a command or option the harness does not have fails here. Negative cases on
synthetic workflows prove each check can fail.

ctest `ci.workflows` (label unit). Exit 77 (skipped) only when PyYAML is missing.
"""
from __future__ import annotations

import glob
import os
import re
import shlex
import subprocess
import sys
import unittest

try:
    import yaml
except ImportError:  # python3-yaml (scripts/bootstrap installs it)
    yaml = None

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HARNESS = os.path.join(ROOT, "scripts", "harness")
SKIP = 77

# ---------------------------------------------------------------- the harness's usage

COMMAND_LINE = re.compile(r"^  ([a-z][a-z0-9-]*)\b(.*)$")
OPTION = re.compile(r"--[a-z0-9][a-z0-9-]*")


class Command:
    """One form in the usage: `fuzz [--time SECONDS] ...` or `mutate merge FILES... --out DIR`."""

    def __init__(self, name: str, signature: str):
        self.name = name
        self.signature = signature
        self.options = set(OPTION.findall(signature))
        self.passthrough = "[-- " in signature or "[--]" in signature  # `test ... -- CTEST-ARGS`


def parse_usage(text: str) -> dict[str, Command]:
    """{"fuzz": Command, "mutate": Command, "mutate merge": Command, ...} from the usage.

    Under "commands:", a form starts on a line indented by exactly two spaces; its signature
    runs until two spaces separate it from the description, and goes on over the following
    lines that start with "[" or "--" (the wrapped options). A second word in lower case
    names a sub-subcommand (`mutate merge`)."""
    forms: dict[str, Command] = {}
    lines = text.splitlines()
    try:
        start = next(i for i, l in enumerate(lines) if l.strip() == "commands:") + 1
    except StopIteration:
        raise ValueError("the usage has no 'commands:' block")
    current = None
    for line in lines[start:]:
        if line and not line.startswith(" "):
            break  # the next block ("presets: ...")
        m = COMMAND_LINE.match(line)
        if m:
            name, rest = m.group(1), m.group(2)
            signature = re.split(r" {2,}", rest, maxsplit=1)[0].strip()
            words = signature.split()
            if words and re.fullmatch(r"[a-z][a-z0-9-]*", words[0]):
                name = f"{name} {words[0]}"
            current = forms[name] = Command(name, signature)
            continue
        stripped = line.strip()
        if current and (stripped.startswith("[") or stripped.startswith("--")):
            current.signature += " " + stripped
            current.options |= set(OPTION.findall(stripped))
            current.passthrough |= "[-- " in stripped
        else:
            current = None if stripped else current  # a description line ends the signature
    if not forms:
        raise ValueError("no command found in the usage")
    return forms


def real_usage() -> str:
    proc = subprocess.run([HARNESS, "--help"], capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        raise RuntimeError(f"scripts/harness --help exited {proc.returncode}: {proc.stderr}")
    return proc.stdout


# ---------------------------------------------------------------- harness calls in run steps

SHELL_OPERATORS = {";", "&&", "||", "|", "&", "|&", "(", ")", ";;", "<", ">", ">>", "<<", "2>"}


def harness_calls(script: str) -> list[list[str]]:
    """The arguments of every `scripts/harness ...` command in a run script. GitHub
    expressions become a placeholder word first (they may contain `||`), and continued
    lines are joined."""
    script = re.sub(r"\$\{\{.*?\}\}", "EXPR", script, flags=re.S)
    script = script.replace("\\\n", " ")
    calls = []
    for line in script.splitlines():
        lex = shlex.shlex(line, posix=True, punctuation_chars=True)
        lex.whitespace_split = True
        lex.commenters = "#"
        tokens = list(lex)
        for i, tok in enumerate(tokens):
            if tok == "scripts/harness" or tok.endswith("/scripts/harness"):
                args = []
                for t in tokens[i + 1:]:
                    if t in SHELL_OPERATORS or set(t) <= set("<>|&;()"):
                        break
                    args.append(t)
                calls.append(args)
    return calls


def call_problems(args: list[str], forms: dict[str, Command]) -> list[str]:
    """What is wrong with `scripts/harness ARGS` against the usage: an unknown subcommand,
    an option its form does not list, `--` where the form takes no pass-through."""
    if not args:
        return ["scripts/harness without a subcommand"]
    top = {name.split()[0] for name in forms}
    if args[0] not in top:
        return [f"unknown subcommand '{args[0]}' (the usage lists: {', '.join(sorted(top))})"]
    name, rest = args[0], args[1:]
    if rest and f"{name} {rest[0]}" in forms:
        name, rest = f"{name} {rest[0]}", rest[1:]
    if name not in forms:
        return [f"'{name}' is not a form the usage lists"]
    form, problems = forms[name], []
    for tok in rest:
        if tok == "--":
            if not form.passthrough:
                problems.append(f"'scripts/harness {name}' takes no '--' arguments")
            break
        if tok.startswith("-"):
            opt = tok.split("=", 1)[0]
            if opt not in form.options:
                known = ", ".join(sorted(form.options)) or "none"
                problems.append(f"'scripts/harness {name}' has no option '{opt}' (it has: {known})")
    return problems


# ---------------------------------------------------------------- workflow structure

JOB_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
USES = re.compile(r"^(\./.+|docker://.+|[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[A-Za-z0-9_.-]+)$")


def structure_problems(doc) -> list[str]:
    """The shape GitHub requires of a workflow file."""
    if not isinstance(doc, dict):
        return ["the file is not a mapping"]
    out = []
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean true
    on = doc.get("on", doc.get(True))
    if not on:
        out.append("no `on` (the events that run the workflow)")
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        return out + ["no `jobs` mapping"]
    for job_id, job in jobs.items():
        where = f"job '{job_id}'"
        if not JOB_ID.match(str(job_id)):
            out.append(f"{where}: not a valid job id")
        if not isinstance(job, dict):
            out.append(f"{where}: not a mapping")
            continue
        needs = job.get("needs", [])
        for need in [needs] if isinstance(needs, str) else needs or []:
            if need not in jobs:
                out.append(f"{where}: needs unknown job '{need}'")
        if "uses" in job:  # a call of a reusable workflow: no runs-on, no steps
            continue
        if not job.get("runs-on"):
            out.append(f"{where}: no `runs-on`")
        steps = job.get("steps")
        if not isinstance(steps, list) or not steps:
            out.append(f"{where}: no `steps` list")
            continue
        for n, step in enumerate(steps, 1):
            s_where = f"{where} step {n}"
            if not isinstance(step, dict):
                out.append(f"{s_where}: not a mapping")
                continue
            kinds = [k for k in ("run", "uses") if k in step]
            if len(kinds) != 1:
                out.append(f"{s_where}: needs exactly one of `run` and `uses` (has {kinds or 'neither'})")
            elif "run" in step and not isinstance(step["run"], str):
                out.append(f"{s_where}: `run` is not a string")
            elif "uses" in step and not (isinstance(step["uses"], str) and USES.match(step["uses"])):
                out.append(f"{s_where}: `uses: {step['uses']}` is not owner/repo@ref, ./path or docker://")
        matrix = (job.get("strategy") or {}).get("matrix")
        used = set(re.findall(r"\bmatrix\.([A-Za-z_][A-Za-z0-9_-]*)", yaml.safe_dump(job)))
        if used and isinstance(matrix, dict):
            defined = set(matrix) | {k for inc in matrix.get("include") or [] if isinstance(inc, dict)
                                     for k in inc}
            for name in sorted(used - defined):
                out.append(f"{where}: uses matrix.{name}, which its strategy.matrix does not define")
        elif used and matrix is None:
            out.append(f"{where}: uses matrix.{sorted(used)[0]} but has no strategy.matrix")
    return out


def workflow_problems(text: str, forms: dict[str, Command]) -> list[str]:
    """Everything wrong with one workflow file's text."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        return [f"not YAML: {e}"]
    out = structure_problems(doc)
    if not isinstance(doc, dict) or not isinstance(doc.get("jobs"), dict):
        return out
    for job_id, job in doc["jobs"].items():
        for n, step in enumerate((job or {}).get("steps") or [], 1):
            if isinstance(step, dict) and isinstance(step.get("run"), str):
                try:
                    calls = harness_calls(step["run"])
                except ValueError as e:
                    out.append(f"job '{job_id}' step {n}: run script does not parse: {e}")
                    continue
                for args in calls:
                    out += [f"job '{job_id}' step {n}: {p}" for p in call_problems(args, forms)]
    return out


def workflow_files() -> list[str]:
    files = glob.glob(os.path.join(ROOT, "ci", "**", "workflows", "*.y*ml"), recursive=True)
    files += glob.glob(os.path.join(ROOT, "ci", ".*", "**", "workflows", "*.y*ml"), recursive=True)
    return sorted(set(files))


# ---------------------------------------------------------------- tests

SYNTHETIC_USAGE = """usage: scripts/harness COMMAND [OPTIONS]

commands:
  test [--preset NAME] [-- CTEST-ARGS...]
                      build and test
  fuzz [--targets A,B] [--time SECONDS]
       [--no-merge]
                      fuzzing campaign
  mutate [--shard K/N] [--ratchet]
         [--out DIR]
                      mutation testing
  mutate merge SHARD.json... [--out DIR]
                      join shards
  bootstrap           install packages

presets: release, debug
"""

GOOD = """
name: good
on: [push]
jobs:
  a:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        shard: [1, 2]
    steps:
      - uses: actions/checkout@v4
      - run: scripts/harness bootstrap && scripts/harness fuzz --no-merge --time=30 | tee log
      - run: |
          scripts/harness fuzz --targets "${{ matrix.shard }}" \\
            --time ${{ inputs.seconds || 3600 }}  # expressions may hold ||
          ./scripts/harness test --preset ci -- -L unit --output-on-failure
          scripts/harness mutate --shard ${{ matrix.shard }}/2 --out reports/m-${{ matrix.shard }}
  b:
    needs: a
    runs-on: ubuntu-latest
    steps:
      - run: scripts/harness mutate merge reports/m-*/mutation.json --out reports/mutation
"""


def with_step(run: str) -> str:
    return ("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
            f"      - run: {run}\n")


@unittest.skipIf(yaml is None, "PyYAML (python3-yaml) missing")
class UsageAndCalls(unittest.TestCase):
    """The parsers and the checks, on synthetic input; every check shown able to fail."""

    @classmethod
    def setUpClass(cls):
        cls.forms = parse_usage(SYNTHETIC_USAGE)

    def test_usage_forms_and_their_options(self):
        self.assertEqual(set(self.forms), {"test", "fuzz", "mutate", "mutate merge", "bootstrap"})
        self.assertEqual(self.forms["fuzz"].options, {"--targets", "--time", "--no-merge"})
        self.assertEqual(self.forms["mutate"].options, {"--shard", "--ratchet", "--out"})
        self.assertEqual(self.forms["mutate merge"].options, {"--out"})
        self.assertEqual(self.forms["bootstrap"].options, set())
        self.assertTrue(self.forms["test"].passthrough)
        self.assertFalse(self.forms["fuzz"].passthrough)

    def test_a_good_workflow_has_no_problem(self):
        self.assertEqual(workflow_problems(GOOD, self.forms), [])
        doc = yaml.safe_load(GOOD)
        calls = [c for s in doc["jobs"]["a"]["steps"] if "run" in s for c in harness_calls(s["run"])]
        self.assertEqual(calls, [["bootstrap"], ["fuzz", "--no-merge", "--time=30"],
                                 ["fuzz", "--targets", "EXPR", "--time", "EXPR"],
                                 ["test", "--preset", "ci", "--", "-L", "unit", "--output-on-failure"],
                                 ["mutate", "--shard", "EXPR/2", "--out", "reports/m-EXPR"]])

    def test_unknown_subcommand_fails(self):
        problems = workflow_problems(with_step("scripts/harness fuzzz --time 3"), self.forms)
        self.assertEqual(len(problems), 1)
        self.assertIn("unknown subcommand 'fuzzz'", problems[0])

    def test_unknown_option_fails(self):
        problems = workflow_problems(with_step("scripts/harness fuzz --tme 3"), self.forms)
        self.assertEqual(len(problems), 1)
        self.assertIn("'scripts/harness fuzz' has no option '--tme'", problems[0])

    def test_an_option_of_another_form_fails(self):
        self.assertIn("has no option '--time'",
                      " ".join(workflow_problems(with_step("scripts/harness test --time 3"), self.forms)))
        self.assertIn("'scripts/harness mutate merge' has no option '--shard'", " ".join(
            workflow_problems(with_step("scripts/harness mutate merge a.json --shard 1/4"), self.forms)))

    def test_an_option_on_a_continued_line_is_checked(self):
        problems = workflow_problems(with_step("|\n          scripts/harness fuzz \\\n            --no-merge --bogus"),
                                     self.forms)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("'--bogus'", problems[0])

    def test_pass_through_only_where_the_usage_has_it(self):
        self.assertEqual(workflow_problems(with_step("scripts/harness test -- -j 4"), self.forms), [])
        self.assertIn("takes no '--' arguments",
                      " ".join(workflow_problems(with_step("scripts/harness fuzz -- -x"), self.forms)))

    def test_structure_problems_are_found(self):
        cases = {
            "jobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n": "no `on`",
            "on: push\njobs:\n  a:\n    steps:\n      - run: echo\n": "no `runs-on`",
            "on: push\njobs:\n  a:\n    runs-on: x\n": "no `steps` list",
            "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - name: nothing\n": "exactly one of",
            "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n        uses: a/b@v1\n":
                "exactly one of",
            "on: push\njobs:\n  a:\n    runs-on: x\n    needs: b\n    steps:\n      - run: echo\n":
                "needs unknown job 'b'",
            "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: checkout\n":
                "is not owner/repo@ref",
            "on: push\njobs:\n  a:\n    runs-on: x\n    strategy:\n      matrix:\n        shard: [1]\n"
            "    steps:\n      - run: echo ${{ matrix.shrad }}\n": "matrix.shrad",
            "on: push\njobs: [1, 2]\n": "no `jobs` mapping",
            "on: push\njobs:\n  a: [\n": "not YAML",
        }
        for text, expected in cases.items():
            with self.subTest(expected=expected):
                self.assertIn(expected, " ".join(workflow_problems(text, self.forms)))

    def test_a_reusable_workflow_call_needs_no_steps(self):
        text = "on: push\njobs:\n  a:\n    uses: org/repo/.github/workflows/x.yml@v1\n"
        self.assertEqual(workflow_problems(text, self.forms), [])


@unittest.skipIf(yaml is None, "PyYAML (python3-yaml) missing")
class TheRealWorkflows(unittest.TestCase):
    """ci/'s workflow files against the real `scripts/harness --help`."""

    @classmethod
    def setUpClass(cls):
        cls.forms = parse_usage(real_usage())
        cls.files = workflow_files()

    def test_the_usage_lists_the_commands_the_workflows_use(self):
        for name in ("test", "run", "build", "fuzz", "mutate", "mutate merge", "bench", "bootstrap"):
            self.assertIn(name, self.forms)
        self.assertLessEqual({"--time", "--no-merge", "--targets", "--jobs"}, self.forms["fuzz"].options)
        self.assertIn("--budget", self.forms["run"].options)

    def test_every_workflow_file_is_found(self):
        names = {os.path.relpath(f, ROOT) for f in self.files}
        self.assertLessEqual({"ci/github/workflows/pr.yml", "ci/github/workflows/nightly.yml",
                              "ci/.clusterfuzzlite/workflows/cflite_pr.yml",
                              "ci/.clusterfuzzlite/workflows/cflite_batch.yml"}, names)

    def test_every_workflow_is_well_formed_and_names_real_commands(self):
        for path in self.files:
            with self.subTest(workflow=os.path.relpath(path, ROOT)):
                with open(path, encoding="utf-8") as f:
                    self.assertEqual(workflow_problems(f.read(), self.forms), [])

    def test_the_lanes_run_what_they_promise(self):
        seen = set()
        for path in self.files:
            with open(path, encoding="utf-8") as f:
                doc = yaml.safe_load(f)
            for job in doc["jobs"].values():
                for step in job.get("steps") or []:
                    for args in harness_calls(step.get("run") or ""):
                        key = " ".join(args[:2]) if " ".join(args[:2]) in self.forms else args[0]
                        seen.add((os.path.basename(path), key, tuple(a for a in args if a.startswith("--"))))
        expect = {("pr.yml", "test", ("--preset",)), ("pr.yml", "fuzz", ("--time", "--no-merge")),
                  ("pr.yml", "mutate", ("--in-diff", "--ratchet")), ("pr.yml", "bench", ("--quick",)),
                  ("nightly.yml", "fuzz", ("--targets", "--time")),
                  ("nightly.yml", "mutate", ("--shard", "--out")),
                  ("nightly.yml", "mutate merge", ("--out", "--ratchet")),
                  ("nightly.yml", "bench", ("--compare",)), ("nightly.yml", "test", ("--preset",))}
        self.assertLessEqual(expect, seen)


def main() -> int:
    if yaml is None:
        print("test_workflows: PyYAML missing (python3-yaml); skipped", file=sys.stderr)
        return SKIP
    result = unittest.main(argv=sys.argv, exit=False, verbosity=2).result
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
