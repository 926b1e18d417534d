"""Trivial compiler equivalence: mutants whose optimised code equals the original's (equivalent)
or another mutant's (duplicate) are pruned before anything runs.

For each schema, clang compiles its translation unit to LLVM IR with the check
`sqlink_mutate_on(ID)` left as an opaque call. Every function holding checks is cloned once
per mutant in it, plus once for the original, with each check replaced by a constant; the
clones are extracted, optimised (opt -O2) and compiled to machine code (llc -O2), and the code
of each clone is hashed with local labels normalised.
"""
from __future__ import annotations

import hashlib
import os
import re
import shlex
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .build import SchemaBuild, file_hash
from .cache import Cache
from .launcher import rewrite, strip_launcher
from .log import log

TOOLS = {"clang": "clang++-14", "extract": "llvm-extract-14", "opt": "opt-14", "llc": "llc-14"}
CHECK = re.compile(r"^(\s*)(%[\w.]+) = (?:tail |notail )?call (?:noundef )?zeroext i1 "
                   r"@sqlink_mutate_on\(i32 (?:noundef )?(?:zeroext )?(\d+)\)[^\n]*$", re.M)
DEFINE = re.compile(r"^define [^\n]*?@(\"[^\"]+\"|[\w.$]+)\(", re.M)
LINKAGE = re.compile(r"\b(internal|private|linkonce_odr|linkonce|weak_odr|weak|"
                     r"available_externally|hidden|protected)\s")
COMDAT = re.compile(r"\s+comdat(\(\$[\w.\"$]+\))?")


def _ir_command(entry: dict, sb: SchemaBuild, out: Path) -> list[str]:
    args = entry.get("arguments") or shlex.split(entry["command"])
    args = rewrite(str(sb.shadow), str(sb.project.source_dir), strip_launcher(args))
    keep: list[str] = [TOOLS["clang"]]
    skip = False
    for a in args[1:]:
        if skip:
            skip = False
            continue
        if a in ("-o", "-MT", "-MF", "-MQ"):
            skip = True
            continue
        if a in ("-c", "-MD", "-MMD", "-w", "-Wno-error") or a.startswith("-W"):
            continue
        keep.append(a)
    return keep + ["-w", "-Wno-unknown-warning-option", "-Wno-c++11-narrowing", "-DSQLINK_MUTATE_TCE", "-O0", "-Xclang",
                   "-disable-O0-optnone", "-g0", "-S", "-emit-llvm", "-o", str(out)]


def _functions(ir: str) -> list[tuple[str, int, int]]:
    """(name, start, end) of every function definition in the IR text."""
    found = []
    for m in DEFINE.finditer(ir):
        end = ir.find("\n}\n", m.start())
        if end < 0:
            continue
        found.append((m.group(1), m.start(), end + 3))
    return found


def _clone(text: str, new_name: str, old_name: str, on: int) -> str:
    header, _, body = text.partition("\n")
    header = LINKAGE.sub("", header)
    header = COMDAT.sub("", header)
    header = header.replace(f"@{old_name}(", f"@{new_name}(", 1)

    def constant(m: re.Match) -> str:
        value = "true" if int(m.group(3)) == on else "false"
        return f"{m.group(1)}{m.group(2)} = or i1 false, {value}"

    return header + "\n" + CHECK.sub(constant, body)


ASM_LOCAL = re.compile(r"\.(LBB|LCPI|Ltmp|Lfunc_end|LJTI|Lexception|Lcst_begin|Lcst_end|Lttbase)"
                       r"\d+(_\d+)?")


def _asm_functions(asm: str) -> dict[str, str]:
    bodies: dict[str, str] = {}
    for m in re.finditer(r'^("?sqlink\.tce\.\d+"?):[^\n]*\n(.*?)^\.Lfunc_end\d+:', asm, re.M | re.S):
        name = m.group(1).strip('"')
        lines = []
        for line in m.group(2).splitlines():
            line = line.split("#", 1)[0].rstrip()
            if not line or line.lstrip().startswith((".cfi", ".p2align", ".file", ".loc")):
                continue
            lines.append(ASM_LOCAL.sub(lambda x: "." + x.group(1) + (x.group(2) or ""), line))
        bodies[name] = "\n".join(lines)
    return bodies


def analyse_tu(command: list[str], scratch: Path) -> dict[int, list[str]] | None:
    """mutant id -> [hash of its clone] per function holding it, with id 0 the original's;
    None when the translation unit cannot be compiled to IR."""
    ir_path = scratch / "tu.ll"
    r = subprocess.run(command[:-1] + [str(ir_path)], capture_output=True, text=True)
    if r.returncode != 0:
        return None
    ir = ir_path.read_text()
    clones = []
    mapping: list[tuple[str, int, int]] = []  # (clone name, function index, mutant)
    for index, (name, start, end) in enumerate(_functions(ir)):
        text = ir[start:end]
        ids = sorted({int(m.group(3)) for m in CHECK.finditer(text)})
        if not ids:
            continue
        for on in [0] + ids:
            clone = f'"sqlink.tce.{len(mapping)}"'
            mapping.append((clone.strip('"'), index, on))
            clones.append(_clone(text, clone, name, on))
    if not clones:
        return {}
    module = scratch / "clones.ll"
    module.write_text(ir + "\n" + "\n".join(clones))
    extracted = scratch / "clones.bc"
    opt_out = scratch / "clones.opt.bc"
    asm = scratch / "clones.s"
    steps = [
        [TOOLS["extract"], "--rfunc=^sqlink\\.tce\\.", str(module), "-o", str(extracted)],
        [TOOLS["opt"], "-O2", str(extracted), "-o", str(opt_out)],
        [TOOLS["llc"], "-O2", str(opt_out), "-o", str(asm)],
    ]
    for step in steps:
        r = subprocess.run(step, capture_output=True, text=True)
        if r.returncode != 0:
            return None
    bodies = _asm_functions(asm.read_text())
    by_function: dict[int, dict[int, str]] = {}
    for clone, index, on in mapping:
        body = bodies.get(clone)
        if body is None:
            return None
        by_function.setdefault(index, {})[on] = hashlib.sha256(body.encode()).hexdigest()
    result: dict[int, list[str]] = {}
    for index in sorted(by_function):
        hashes = by_function[index]
        for on, digest in hashes.items():
            if on == 0:
                continue
            # Function by function: this mutant's code, and the original's (under -id).
            result.setdefault(on, []).append(f"{index}:{digest}")
            result.setdefault(-on, []).append(f"{index}:{hashes[0]}")
    return result


def prune(points: dict, sb: SchemaBuild, cache: Cache, jobs: int,
          deadline: float | None = None, unanalysed: list[str] | None = None) -> dict[int, str]:
    """mutant id -> reason, for each mutant found equivalent or duplicate. Translation units
    not analysed by `deadline` (time.monotonic()) and not cached are left unpruned; their
    files are added to `unanalysed`."""
    commands = sb.compile_commands()
    by_tu = {os.path.relpath(os.path.join(e["directory"], e["file"]), sb.project.source_dir): e
             for e in commands}
    by_unit: dict[str, list[str]] = {}
    for f in points["files"]:
        if f.get("schema") and (sb.shadow / f["path"]).exists():  # fallback files have none
            by_unit.setdefault(f.get("tu") or f["path"], []).append(f["path"])
    work = [(tu, paths) for tu, paths in sorted(by_unit.items()) if tu in by_tu]
    results: dict[int, str] = {}
    failed: list[str] = []
    late: list[str] = []

    def one(item: tuple[str, list[str]]) -> None:
        tu, paths = item
        with tempfile.TemporaryDirectory(prefix="tce-") as tmp:
            command = _ir_command(by_tu[tu], sb, Path(tmp) / "tu.ll")
            schemas = "".join(file_hash(sb.shadow / p) for p in sorted(paths))
            shared = points.get("_shared_key") or points.get("_cache_key", "")
            key = "tce:" + hashlib.sha256((shared + schemas
                                           + "\0".join(command[:-1])).encode()).hexdigest()
            hashes = cache.blob(key)
            if hashes is None and deadline is not None and time.monotonic() > deadline:
                late.append(tu)
                if unanalysed is not None:
                    unanalysed.extend(paths)
                return
            if hashes is None:
                analysed = analyse_tu(command, Path(tmp))
                if analysed is None:
                    failed.append(tu)
                    return
                hashes = {str(k): v for k, v in analysed.items()}
                cache.put_blob(key, hashes)
        ids = {m["id"] for m in points["mutants"] if m["file"] in paths}
        seen: dict[tuple, int] = {}
        for mid in sorted(ids):
            mine = hashes.get(str(mid))
            if not mine:
                continue
            if mine == hashes.get(str(-mid)):
                results[mid] = "equivalent to the original (TCE: same optimised machine code)"
                continue
            sig = tuple(mine)
            if sig in seen:
                results[mid] = f"duplicate of mutant {seen[sig]} (TCE: same optimised machine code)"
            else:
                seen[sig] = mid

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(one, sorted(work)))
    if late:
        log(f"TCE skipped for {len(late)} translation unit(s): its share of --max-time ran out")
    if failed:
        log(f"TCE skipped for {len(failed)} file(s) that clang could not compile to IR: "
            + ", ".join(sorted(failed)[:5]))
    return results
