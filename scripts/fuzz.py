#!/usr/bin/env python3
"""The continuous-fuzzing campaign runner (`scripts/harness fuzz`).

Per target: copy the seed corpus into a work dir under build/fuzz-work/, fuzz it with
libFuzzer (one process per target, up to --jobs targets at once, restarted after every
crash until the time budget is spent) or AFL++ (one main instance with the CMPLOG binary
plus --jobs-1 secondaries), write stats over time as JSONL, merge the grown corpus back into
corpora/<target>/ (libFuzzer -merge=1, files named by their SHA-1, regressions/ kept
verbatim), triage every crash/timeout/OOM/leak with the libFuzzer ASan binary (reproduce 3
times, classify, signature = crash type + top 3 frames, dedup, minimise, reproducer), and
write reports/fuzz/summary.json and summary.md.

Stats (reports/fuzz/stats.jsonl, a line per running target every ~5 s): libFuzzer figures come
from its status lines (execs between two lines are extrapolated and marked execs_estimated);
AFL++ 4.04c rewrites fuzzer_stats only every 60 s and plot_data only on change, so its execs and
edges are as old as stats_age_s says, while corpus and crash counts, RSS and CPU are live.
exec/s/core in the summary is executions per CPU-second of the engine's processes (libFuzzer;
wait4 rusage), so a shared machine does not hide a target's speed; AFL++ uses wall-clock exec/s
per instance.

Exit codes: 0 ok, 1 a new crash signature (known ones, listed in corpora/known_crashes.json,
do not fail), 2 usage error, 3 tool error (build failed, engine or binary missing).

Standard library only.
"""
from __future__ import annotations

import argparse
import configparser
import datetime as dt
import hashlib
import json
import math
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EXIT_OK, EXIT_NEW_CRASH, EXIT_USAGE, EXIT_TOOL = 0, 1, 2, 3

PRESET_DIRS = {"fuzz": "build/fuzz", "afl": "build/afl", "afl-cmplog": "build/afl-cmplog"}
SYMBOLIZER = "/usr/bin/llvm-symbolizer-14"
STATS_INTERVAL_S = 5.0
REPRO_RUNS = 3
MAX_ARTIFACTS_PER_TARGET = 64      # beyond this, artifacts are counted but not triaged
MAX_RESTARTS = 500                 # libFuzzer restarts after crashes, per target
# Goals from the issue, for libFuzzer+ASan, per core. Reported, never asserted.
GOAL_PARSER_EXECS = 50_000
GOAL_SQLITE_EXECS = 2_000
SQLITE_BACKED_RE = re.compile(r"^(cas|bundle)_")
GOAL_AFL_PERSISTENT_RATIO = 10.0


class UsageError(Exception):
    pass


class ToolError(Exception):
    pass


def log(msg: str) -> None:
    print(f"[fuzz {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")


# --------------------------------------------------------------------------- targets

def parse_cmake_target_list(text: str) -> list[str]:
    """Names in `set(SQLINK_FUZZ_TARGETS a b c CACHE ...)` / `list(APPEND SQLINK_FUZZ_TARGETS d)`."""
    names: list[str] = []
    text = re.sub(r"#[^\n]*", "", text)  # comments
    for m in re.finditer(r"\b(set|list)\s*\(\s*(APPEND\s+)?SQLINK_FUZZ_TARGETS\b([^)]*)\)", text,
                         re.I | re.S):
        words = m.group(3).split()
        for w in words:
            if w in ("CACHE", "PARENT_SCOPE", "FORCE"):
                break
            w = w.strip('"')
            if re.fullmatch(r"[A-Za-z0-9_]+", w) and w not in names:
                names.append(w)
    return names


def cache_target_list(cache: Path) -> list[str]:
    try:
        for line in cache.read_text(errors="replace").splitlines():
            if line.startswith("SQLINK_FUZZ_TARGETS:"):
                return [n for n in line.split("=", 1)[1].strip().split(";") if n]
    except OSError:
        pass
    return []


def discover_targets(root: Path, caches: list[Path] = ()) -> tuple[list[str], list[str]]:
    """(listed, unlisted): targets in SQLINK_FUZZ_TARGETS (configured caches, then the CMake
    sources), and targets/fuzz_<name>.cpp files that the list does not name."""
    listed: list[str] = []
    for cache in caches:
        for n in cache_target_list(cache):
            if n not in listed:
                listed.append(n)
    cmake_files = [root / "targets" / "CMakeLists.txt"] + sorted((root / "targets").glob("*.cmake"))
    for f in cmake_files:
        try:
            for n in parse_cmake_target_list(f.read_text(errors="replace")):
                if n not in listed:
                    listed.append(n)
        except OSError:
            pass
    files = sorted(p.stem[len("fuzz_"):] for p in (root / "targets").glob("fuzz_*.cpp"))
    unlisted = [n for n in files if n not in listed]
    return listed, unlisted


# --------------------------------------------------------------------------- .options

def read_options(path: Path) -> dict[str, dict[str, str]]:
    """An OSS-Fuzz style .options file: {section: {key: value}}."""
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str  # keep keys as written
    try:
        cp.read_string(path.read_text())
    except (OSError, configparser.Error):
        return {}
    return {s: dict(cp.items(s)) for s in cp.sections()}


# flags the runner controls itself; a .options file cannot override them
_RUNNER_FLAGS = {"max_total_time", "runs", "artifact_prefix", "exact_artifact_path", "merge",
                 "minimize_crash", "fork", "jobs", "workers", "dict", "timeout", "rss_limit_mb",
                 "print_final_stats"}


@dataclass
class Limits:
    timeout_s: int
    rss_limit_mb: int
    max_len: int | None
    extra: dict[str, str]  # other [libfuzzer] flags from .options


def resolve_limits(options: dict[str, dict[str, str]], cli_timeout: int | None,
                   cli_rss: int | None) -> Limits:
    """A flag given on the command line wins; otherwise the target's .options; otherwise the
    defaults (10 s, 2048 MB)."""
    lf = options.get("libfuzzer", {})

    def num(key, default):
        try:
            return int(lf[key])
        except (KeyError, ValueError):
            return default

    timeout = cli_timeout if cli_timeout is not None else num("timeout", 10)
    rss = cli_rss if cli_rss is not None else num("rss_limit_mb", 2048)
    max_len = num("max_len", None)
    extra = {k: v for k, v in lf.items() if k not in _RUNNER_FLAGS | {"max_len"}}
    return Limits(timeout, rss, max_len, extra)


def goal_for(target: str, options: dict[str, dict[str, str]]) -> dict:
    """Which exec/s goal applies: SQLite-backed targets (cas_*, bundle_*) 2k, pure parsers 50k.
    A `[sqlink] goal = parser|sqlite` section in the .options file overrides the name rule."""
    explicit = options.get("sqlink", {}).get("goal", "").strip().lower()
    if explicit in ("parser", "sqlite"):
        kind, why = explicit, "set in .options [sqlink] goal"
    elif SQLITE_BACKED_RE.match(target):
        kind, why = "sqlite", "name starts with cas_/bundle_"
    else:
        kind, why = "parser", "pure parser (default)"
    return {"class": kind, "min_exec_per_sec_per_core":
            GOAL_SQLITE_EXECS if kind == "sqlite" else GOAL_PARSER_EXECS, "why": why}


# --------------------------------------------------------------------------- engine output

_LF_STATUS_RE = re.compile(r"^#(\d+)\s+(INITED|NEW|REDUCE|pulse|DONE|RELOAD)\s+(.*)$")


def parse_libfuzzer_status(line: str) -> dict | None:
    """`#N  NEW    cov: X ft: Y corp: U/Sb lim: L exec/s: E rss: RMb ...` -> dict."""
    m = _LF_STATUS_RE.match(line.strip())
    if not m:
        return None
    rest = m.group(3)
    out: dict = {"execs": int(m.group(1)), "event": m.group(2)}
    for key, pat in (("cov", r"cov: (\d+)"), ("ft", r"ft: (\d+)"), ("exec_per_sec", r"exec/s: (\d+)"),
                     ("rss_mb", r"rss: (\d+)Mb")):
        mm = re.search(pat, rest)
        if mm:
            out[key] = int(mm.group(1))
    mm = re.search(r"corp: (\d+)/(\d+)([bKM]b)?", rest)
    if mm:
        out["corpus"] = int(mm.group(1))
        size = int(mm.group(2))
        out["corpus_bytes"] = size * {"Kb": 1 << 10, "Mb": 1 << 20}.get(mm.group(3) or "b", 1)
    return out


def parse_libfuzzer_final_stats(text: str) -> dict:
    """`stat::number_of_executed_units: N` lines (from -print_final_stats=1)."""
    out = {}
    for m in re.finditer(r"^stat::(\w+):\s+(\d+)\s*$", text, re.M):
        out[m.group(1)] = int(m.group(2))
    return out


def parse_afl_fuzzer_stats(text: str) -> dict:
    """AFL++'s fuzzer_stats (`key : value` lines); numbers become int/float."""
    out: dict = {}
    for line in text.splitlines():
        if ":" not in line:
            continue
        k, v = line.split(":", 1)
        k, v = k.strip(), v.strip()
        if re.fullmatch(r"-?\d+", v):
            out[k] = int(v)
        elif re.fullmatch(r"-?\d+\.\d*", v):
            out[k] = float(v)
        elif re.fullmatch(r"-?\d+(\.\d+)?%", v):
            out[k] = float(v[:-1])
        else:
            out[k] = v
    # older AFL++ versions called these unique_crashes/unique_hangs
    out.setdefault("saved_crashes", out.get("unique_crashes", 0))
    out.setdefault("saved_hangs", out.get("unique_hangs", 0))
    return out


def finite(v, default: float = 0.0) -> float:
    """v as a float, or default when it is missing, not a number, inf or nan (AFL++ writes
    `inf` for exec/s before its first measurement)."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return default
    return f if math.isfinite(f) else default


def parse_afl_plot_data(text: str) -> dict | None:
    """The last row of AFL++'s plot_data, keyed by its `# a, b, c` header."""
    header, last = None, None
    for line in text.splitlines():
        if line.startswith("#"):
            header = [h.strip() for h in line.lstrip("#").split(",")]
        elif line.strip():
            last = [c.strip() for c in line.split(",")]
    if not header or not last:
        return None
    row: dict = {}
    for k, v in zip(header, last):
        v = v.rstrip("%")
        try:
            row[k] = int(v)
        except ValueError:
            try:
                row[k] = float(v)
            except ValueError:
                row[k] = v
    return row


# --------------------------------------------------------------------------- triage

@dataclass
class Frame:
    index: int
    function: str | None
    location: str | None  # file:line:col or module+offset
    module: str | None = None

    def name(self) -> str:
        if self.function:
            return normalize_function(self.function)
        if self.module:
            return f"{os.path.basename(self.module.split('+')[0])}+{self.module.split('+')[-1]}"
        return "??"


_FRAME_RE = re.compile(r"^\s*#(\d+)\s+0x[0-9a-fA-F]+\s*(.*)$")


def parse_frame(line: str) -> Frame | None:
    m = _FRAME_RE.match(line)
    if not m:
        return None
    idx, rest = int(m.group(1)), m.group(2).strip()
    rest = re.sub(r"\s*\(BuildId: [0-9a-fA-F]+\)\s*$", "", rest)
    module = None
    mm = re.search(r"\(([^()]*\+0x[0-9a-fA-F]+)\)$", rest)
    location = None
    if mm:
        module = mm.group(1)
        location = module
        rest = rest[:mm.start()].strip()
    else:
        mm = re.search(r"\s(\S+:\d+(?::\d+)?)$", rest)
        if mm:
            location = mm.group(1)
            rest = rest[:mm.start()].strip()
        else:
            mm = re.search(r"\s(/\S+)$", rest)
            if mm:
                location = mm.group(1)
                rest = rest[:mm.start()].strip()
    function = rest[3:].strip() if rest.startswith("in ") else (rest or None)
    return Frame(idx, function or None, location, module)


def normalize_function(fn: str) -> str:
    """Drops parameter lists, ABI tags and cv-qualifiers so signatures survive overloads."""
    s = fn.replace("(anonymous namespace)", "{anon}").replace("operator()", "operator{call}")
    s = re.sub(r"\[abi:[^\]]*\]", "", s)
    depth, cut = 0, None
    for i, ch in enumerate(s):  # the first '(' outside template brackets starts the params
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth = max(0, depth - 1)
        elif ch == "(" and depth == 0:
            cut = i
            break
    if cut is not None:
        s = s[:cut]
    return s.replace("{anon}", "(anonymous namespace)").replace("operator{call}", "operator()").strip()


_IGNORED_FUNCTIONS = re.compile(
    r"^(__sanitizer|__asan|__ubsan|__lsan|__msan|__interceptor_|__interception::|___interceptor_"
    r"|fuzzer::|LLVMFuzzerRunDriver|__libc_|_start$|abort$|raise$|gsignal$|__GI_|__pthread_kill"
    r"|pthread_kill$|__restore_rt|killpg$|kill$"
    r"|(malloc|calloc|realloc|free|posix_memalign|memalign|aligned_alloc|valloc|pvalloc)$"
    r"|operator new|operator delete|__cxa_|__cxxabiv1|__clang_call_terminate|__gxx_personality"
    r"|(mem|str|wcs|stp)[a-z]*$|bcmp$|__(mem|str)[a-z_]*$"
    r"|(clock_nanosleep|__nanosleep|nanosleep|usleep|sleep|__GI___clock_nanosleep)$"
    r"|std::|__gnu_cxx::|__cxx_|sqlink::fuzz::fail$|main$)")


def is_ignored_frame(f: Frame) -> bool:
    if f.function and _IGNORED_FUNCTIONS.match(normalize_function(f.function)):
        return True
    loc = f.location or ""
    if f.module and re.match(r"^/(usr/)?lib(64|32|x32)?/", f.module):
        return True  # libc, libstdc++, ld.so, system libraries
    if f.function and loc and not f.module and not loc.startswith("/") and "/" in loc:
        return True  # glibc's debug info uses relative paths (nptl/..., stdlib/...)
    if loc.startswith("/usr/include/"):
        return True  # inlined standard library headers
    return False


def frames_after(lines: list[str], start: int) -> list[Frame]:
    """The first contiguous stack trace at or after line `start`."""
    frames: list[Frame] = []
    i = start
    while i < len(lines) and not frames:
        f = parse_frame(lines[i])
        if f is not None:
            while i < len(lines):
                f = parse_frame(lines[i])
                if f is None:
                    break
                frames.append(f)
                i += 1
            break
        i += 1
    return frames


@dataclass
class CrashReport:
    kind: str          # property | asan | ubsan | leak | timeout | oom | signal | exit | crash
    type: str          # e.g. "asan: heap-buffer-overflow WRITE", "property violated: ..."
    frames: list[Frame]
    summary: str = ""

    def top_frames(self, n: int = 3) -> list[str]:
        names = []
        for f in self.frames:
            if is_ignored_frame(f):
                continue
            names.append(f.name())
            # below the entry point there is only the engine's driver
            if len(names) == n or names[-1] == "LLVMFuzzerTestOneInput":
                break
        return names

    def signature(self) -> str:
        return " | ".join([self.type] + self.top_frames())


def signature_id(signature: str) -> str:
    return hashlib.sha1(signature.encode()).hexdigest()[:16]


def _ubsan_kind(msg: str) -> str:
    msg = re.sub(r"'[^']*'", "", msg)                 # quoted types and values
    msg = re.sub(r"0x[0-9a-fA-F]+", "N", msg)
    msg = re.sub(r"-?\d+", "N", msg)
    msg = msg.split(":")[0]
    return re.sub(r"\s+", " ", msg).strip(" ,")


def classify(output: str, returncode: int | None = None) -> CrashReport | None:
    """Reads a sanitizer/libFuzzer report. None when the output shows no crash."""
    lines = output.splitlines()

    def find(pat: str) -> int | None:
        rx = re.compile(pat)
        for i, line in enumerate(lines):
            if rx.search(line):
                return i
        return None

    i = find(r": property violated: ")
    if i is not None:
        m = re.search(r"(?:^|\s)([^\s:]+):\d+: property violated: (.*)$", lines[i])
        where = os.path.basename(m.group(1)) if m else "?"
        cond = m.group(2).strip() if m else lines[i].split("property violated:", 1)[1].strip()
        return CrashReport("property", f"property violated: {cond} ({where})",
                           frames_after(lines, i), lines[i].strip())
    i = find(r"ERROR: AddressSanitizer: ")
    if i is not None:
        rest = lines[i].split("ERROR: AddressSanitizer: ", 1)[1]
        what = rest.split(" on ")[0].split(" (")[0].strip()
        what = re.sub(r"\s+0x[0-9a-fA-F]+.*$", "", what)
        access = ""
        if i + 1 < len(lines):
            m = re.match(r"^(READ|WRITE) of size", lines[i + 1])
            if m:
                access = " " + m.group(1)
        return CrashReport("asan", f"asan: {what}{access}", frames_after(lines, i + 1),
                           lines[i].strip())
    i = find(r"runtime error: ")
    if i is not None:
        msg = lines[i].split("runtime error: ", 1)[1]
        return CrashReport("ubsan", f"ubsan: {_ubsan_kind(msg)}", frames_after(lines, i + 1),
                           lines[i].strip())
    i = find(r"ERROR: LeakSanitizer: detected memory leaks")
    if i is not None:
        return CrashReport("leak", "leak", frames_after(lines, i + 1), lines[i].strip())
    i = find(r"ERROR: libFuzzer: timeout after")
    if i is not None:
        return CrashReport("timeout", "timeout", frames_after(lines, i + 1), lines[i].strip())
    i = find(r"ERROR: libFuzzer: out-of-memory")
    if i is not None:
        malloc = "malloc(" in lines[i]
        return CrashReport("oom", "out-of-memory" + (" (malloc limit)" if malloc else ""),
                           frames_after(lines, i + 1), lines[i].strip())
    i = find(r"ERROR: (libFuzzer|[A-Za-z]+Sanitizer): (deadly signal|SEGV|BUS|FPE|ILL|ABRT)")
    if i is not None:
        frames = frames_after(lines, i + 1)
        names = [normalize_function(f.function) for f in frames if f.function]
        sig = "abort" if "abort" in names else "deadly signal"
        return CrashReport("signal", sig, frames, lines[i].strip())
    i = find(r"ERROR: libFuzzer: fuzz target exited")
    if i is not None:
        return CrashReport("exit", "fuzz target exited", frames_after(lines, i + 1), lines[i].strip())
    i = find(r"ERROR: [A-Za-z]+Sanitizer: ")
    if i is not None:
        what = lines[i].split("Sanitizer: ", 1)[1].split(" on ")[0].strip()
        return CrashReport("crash", f"sanitizer: {what}", frames_after(lines, i + 1), lines[i].strip())
    if returncode not in (None, 0):
        return CrashReport("crash", f"crash (exit {returncode})", [], "")
    return None


def load_known(path: Path) -> tuple[set[str], list]:
    """corpora/known_crashes.json: a list of signature strings, signature ids, or objects
    with "signature" and/or "id" (plus anything else, e.g. "issue", "note")."""
    keys: set[str] = set()
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return keys, []
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read known crashes {path}: {e}")
    if not isinstance(data, list):
        raise UsageError(f"{path}: expected a JSON list")
    for entry in data:
        if isinstance(entry, str):
            keys.add(entry)
        elif isinstance(entry, dict):
            for k in ("signature", "id"):
                if isinstance(entry.get(k), str):
                    keys.add(entry[k])
    return keys, data


# --------------------------------------------------------------------------- corpus files

def sha1_bytes(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def iter_files(d: Path, recursive: bool = True):
    if not d.is_dir():
        return
    walker = sorted(d.rglob("*")) if recursive else sorted(d.iterdir())
    for p in walker:
        if p.is_file() and not p.name.startswith("."):
            yield p


def copy_corpus(src_dirs: list[Path], dst: Path, recursive: bool = True) -> int:
    """Copies every file under src_dirs into dst, flat, named by SHA-1. Returns files in dst."""
    dst.mkdir(parents=True, exist_ok=True)
    for src in src_dirs:
        for p in iter_files(src, recursive):
            data = p.read_bytes()
            out = dst / sha1_bytes(data)
            if not out.exists():
                out.write_bytes(data)
    return sum(1 for _ in dst.iterdir())


def regression_hashes(target_dir: Path) -> set[str]:
    """SHA-1s of everything in subfolders of corpora/<target>/ (regressions/ and the like)."""
    out = set()
    if target_dir.is_dir():
        for sub in target_dir.iterdir():
            if sub.is_dir():
                out.update(sha1_bytes(p.read_bytes()) for p in iter_files(sub))
    return out


def count_top_files(d: Path) -> int:
    return sum(1 for _ in iter_files(d, recursive=False))


def replace_corpus(target_dir: Path, merged: Path) -> dict:
    """Makes the top level of target_dir exactly the files of `merged`, named by SHA-1; files
    that also sit in a subfolder (regressions/) are not duplicated; subfolders are untouched."""
    keep_sub = regression_hashes(target_dir)
    new: dict[str, bytes] = {}
    for p in iter_files(merged):
        data = p.read_bytes()
        h = sha1_bytes(data)
        if h not in keep_sub:
            new[h] = data
    target_dir.mkdir(parents=True, exist_ok=True)
    before = count_top_files(target_dir)
    removed = added = 0
    for p in list(iter_files(target_dir, recursive=False)):
        if p.name not in new or sha1_bytes(p.read_bytes()) != p.name:
            p.unlink()
            removed += 1
    for h, data in new.items():
        out = target_dir / h
        if not out.exists():
            out.write_bytes(data)
            added += 1
    return {"before": before, "after": count_top_files(target_dir), "added": added,
            "removed": removed, "regressions": len(keep_sub)}


# --------------------------------------------------------------------------- processes

_children: set[subprocess.Popen] = set()
_children_lock = threading.Lock()


def spawn(cmd: list[str], **kw) -> subprocess.Popen:
    p = subprocess.Popen(cmd, start_new_session=True, **kw)
    with _children_lock:
        _children.add(p)
    return p


def reap(p: subprocess.Popen) -> None:
    with _children_lock:
        _children.discard(p)


def kill_group(p: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(p.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def kill_all_children() -> None:
    with _children_lock:
        procs = list(_children)
    for p in procs:
        kill_group(p, signal.SIGTERM)
    time.sleep(0.5)
    for p in procs:
        if p.poll() is None:
            kill_group(p)


def run_capture(cmd: list[str], env: dict, timeout: float, cwd: Path) -> tuple[int | None, str]:
    """Runs cmd in cwd (libFuzzer drops artifacts there); (returncode or None on timeout,
    combined output)."""
    cwd.mkdir(parents=True, exist_ok=True)
    p = spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
              stdin=subprocess.DEVNULL, cwd=str(cwd))
    try:
        out, _ = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        kill_group(p)
        out, _ = p.communicate()
        rc = None
    finally:
        reap(p)
    return rc, out.decode(errors="replace")


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_table() -> dict[int, tuple[int, str, float]]:
    """pid -> (ppid, comm, CPU seconds of it and its reaped children)."""
    table = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.find("(") + 1:stat.rfind(")")]
        fields = stat[stat.rfind(")") + 2:].split()
        try:
            cpu = sum(int(x) for x in fields[11:15]) / _TICK  # utime stime cutime cstime
        except (ValueError, IndexError):
            cpu = 0.0
        table[int(d)] = (int(fields[1]), comm, cpu)
    return table


def proc_tree_stats(roots: list[int], exclude_comm: tuple[str, ...] = ("afl-fuzz",)) \
        -> tuple[float, float, float]:
    """(max current RSS MB, max peak RSS MB, total CPU seconds) over roots and descendants;
    RSS leaves out the engine's own processes (afl-fuzz), CPU counts everything."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    todo, seen = list(roots), set()
    rss = hwm = cpu = 0.0
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        todo.extend(children.get(pid, []))
        if pid not in table:
            continue
        cpu += table[pid][2]
        if table[pid][1] in exclude_comm:
            continue
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss = max(rss, int(line.split()[1]) / 1024)
                    elif line.startswith("VmHWM:"):
                        hwm = max(hwm, int(line.split()[1]) / 1024)
        except (OSError, ValueError, IndexError):
            continue
    return rss, hwm, cpu


def wait_rusage(p: subprocess.Popen, block: bool = True) -> tuple[int | None, float]:
    """Reaps p with wait4: (exit code or None if still running, CPU seconds of p and the
    descendants it reaped)."""
    if p.returncode is not None:
        return p.returncode, 0.0
    try:
        pid, status, ru = os.wait4(p.pid, 0 if block else os.WNOHANG)
    except ChildProcessError:
        return (p.poll() if p.returncode is None else p.returncode), 0.0
    if pid == 0:
        return None, 0.0
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, ru.ru_utime + ru.ru_stime


# --------------------------------------------------------------------------- campaign

@dataclass
class Artifact:
    path: Path
    target: str
    engine: str
    hint: str                 # crash | timeout | oom | leak
    log_report: str = ""      # the fuzzer's own report for it, when known
    occurrences: int = 1      # times the engine wrote this same input


@dataclass
class TargetState:
    target: str
    engine: str
    goal: dict
    limits: Limits
    started: float = 0.0
    finished: float = 0.0
    running: bool = False
    status: str = "pending"
    error: str = ""
    execs_done: int = 0          # from finished libFuzzer runs
    execs: int = 0
    exec_per_sec: float = 0.0
    coverage: int | None = None  # libFuzzer cov:
    features: int | None = None  # libFuzzer ft:
    edges: int | None = None     # AFL++ edges_found
    total_edges: int | None = None
    corpus: int = 0
    crashes: int = 0
    hangs: int = 0
    rss_mb: float = 0.0
    peak_rss_mb: float = 0.0
    restarts: int = 0
    processes: int = 1
    fuzz_seconds: float = 0.0
    cpu_seconds: float = 0.0     # CPU time of finished engine processes (wait4 rusage)
    cpu_live: float = 0.0        # CPU time of the running ones (/proc)
    last_status_time: float = 0.0
    stats_time: float = 0.0      # when the engine's figures were last refreshed
    pids: list = field(default_factory=list)
    artifacts: list = field(default_factory=list)
    untriaged: int = 0
    seeds: int = 0
    regressions: int = 0
    corpus_before: int = 0
    merge: dict | None = None
    afl: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class Campaign:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.root = ROOT
        self.engine = args.engine
        self.corpora = Path(args.corpora).resolve()
        self.out = Path(args.out).resolve()
        self.work = Path(args.work_dir).resolve()
        self.jobs = args.jobs
        self.cores = os.cpu_count() or 1
        self.lf_dir = Path(args.libfuzzer_bin_dir or self.root / "build/fuzz/targets").resolve()
        self.afl_dir = Path(args.afl_bin_dir or self.root / "build/afl/targets").resolve()
        self.cmplog_dir = Path(args.cmplog_bin_dir or self.root / "build/afl-cmplog/targets").resolve()
        self.states: dict[str, TargetState] = {}
        self.stats_lock = threading.Lock()
        self.stats_file = None
        self.t0 = time.time()
        self.stop = threading.Event()

    # ---- paths and environment
    def lf_bin(self, t: str) -> Path:
        return self.lf_dir / f"fuzz_{t}"

    def afl_bin(self, t: str) -> Path:
        return self.afl_dir / f"fuzz_{t}"

    def cmplog_bin(self, t: str) -> Path:
        return self.cmplog_dir / f"fuzz_{t}"

    def dict_for(self, t: str) -> Path | None:
        d = self.corpora / f"{t}.dict"
        return d if d.is_file() else None

    def options_for(self, t: str) -> dict:
        return read_options(self.corpora / f"{t}.options")

    @staticmethod
    def sanitizer_env(base: dict | None = None) -> dict:
        env = dict(base if base is not None else os.environ)
        asan = ["symbolize=1"]
        if env.get("ASAN_OPTIONS"):
            asan.insert(0, env["ASAN_OPTIONS"])
        env["ASAN_OPTIONS"] = ":".join(asan)
        if os.path.exists(SYMBOLIZER):
            env.setdefault("ASAN_SYMBOLIZER_PATH", SYMBOLIZER)
        env["UBSAN_OPTIONS"] = ":".join(filter(None, [env.get("UBSAN_OPTIONS", ""),
                                                      "print_stacktrace=1:halt_on_error=1:symbolize=1"]))
        return env

    def afl_env(self) -> dict:
        env = dict(os.environ)
        env.update({"AFL_NO_UI": "1", "AFL_SKIP_CPUFREQ": "1",
                    "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES": "1", "AFL_TRY_AFFINITY": "1",
                    "AFL_SKIP_CRASHES": "1", "AFL_NO_CRASH_README": "1", "AFL_FAST_CAL": "1",
                    "AFL_IGNORE_UNKNOWN_ENVS": "1"})
        return env

    # ---- stats
    def write_stats(self, st: TargetState, final: bool = False) -> None:
        with st.lock:
            now = time.time()
            execs, eps, estimated = st.execs, st.exec_per_sec, False
            if (st.engine == "libfuzzer" and st.running and st.exec_per_sec and st.last_status_time
                    and not final):
                # libFuzzer prints status lines ever more rarely; extrapolate between them
                gap = now - st.last_status_time
                if gap > 1:
                    execs = st.execs + int(st.exec_per_sec * gap)
                    estimated = True
            rec = {
                "time": now_iso(), "elapsed_s": round(now - self.t0, 1), "target": st.target,
                "engine": st.engine, "execs": execs, "exec_per_sec": round(eps, 1),
                "corpus": st.corpus, "crashes": st.crashes + st.hangs,
                "rss_mb": round(st.rss_mb, 1), "peak_rss_mb": round(st.peak_rss_mb, 1),
                "cpu_s": round(st.cpu_seconds + st.cpu_live, 1),
            }
            if st.engine == "libfuzzer":
                rec.update({"coverage": st.coverage, "features": st.features, "restarts": st.restarts})
                if estimated:
                    rec["execs_estimated"] = True
            else:
                rec.update({"edges": st.edges, "total_edges": st.total_edges,
                            "processes": st.processes})
                if st.stats_time:
                    rec["stats_age_s"] = round(now - st.stats_time, 1)
            if final:
                rec["final"] = True
        line = json.dumps(rec, sort_keys=False)
        with self.stats_lock:
            if self.stats_file:
                self.stats_file.write(line + "\n")
                self.stats_file.flush()

    def monitor(self) -> None:
        while not self.stop.wait(STATS_INTERVAL_S):
            for st in list(self.states.values()):
                if st.running:
                    if st.pids:
                        try:
                            rss, hwm, cpu = proc_tree_stats(list(st.pids))
                        except OSError:
                            rss = hwm = cpu = 0.0
                        with st.lock:
                            if rss:
                                st.rss_mb = rss
                            st.peak_rss_mb = max(st.peak_rss_mb, hwm, rss)
                            st.cpu_live = cpu
                    if st.engine == "afl":
                        self.refresh_afl(st)
                    self.write_stats(st)

    # ---- libFuzzer
    def libfuzzer_flags(self, t: str, lim: Limits) -> list[str]:
        flags = [f"-timeout={lim.timeout_s}", f"-rss_limit_mb={lim.rss_limit_mb}"]
        if lim.max_len:
            flags.append(f"-max_len={lim.max_len}")
        d = self.dict_for(t)
        if d:
            flags.append(f"-dict={d}")
        flags += [f"-{k}={v}" for k, v in sorted(lim.extra.items())]
        return flags

    def run_libfuzzer(self, st: TargetState) -> None:
        t = st.target
        work = self.work / "libfuzzer" / t
        shutil.rmtree(work, ignore_errors=True)
        corpus, artifacts, logs = work / "corpus", work / "artifacts", work / "logs"
        for d in (corpus, artifacts, logs):
            d.mkdir(parents=True)
        st.seeds = copy_corpus([self.corpora / t], corpus)
        st.corpus = st.seeds
        budget = float(self.args.time)
        env = self.sanitizer_env()
        base = [str(self.lf_bin(t))] + self.libfuzzer_flags(t, st.limits) + [
            "-print_final_stats=1", f"-artifact_prefix={artifacts}/"]
        st.started = time.time()
        deadline = st.started + budget
        seen: set[str] = set()
        failures = 0
        run = 0
        with st.lock:
            st.running, st.status = True, "running"
        while True:
            remaining = deadline - time.time()
            if remaining < 1 or self.stop.is_set():
                break
            if run > MAX_RESTARTS:
                st.error = f"stopped after {MAX_RESTARTS} restarts"
                break
            cmd = base + [f"-max_total_time={max(1, int(math.ceil(remaining)))}", str(corpus)]
            log_path = logs / f"run-{run:03d}.log"
            run_started = time.time()
            p = spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                      stdin=subprocess.DEVNULL, cwd=str(work))
            st.pids = [p.pid]
            # libFuzzer enforces -max_total_time itself; this is only a safety net
            guard = threading.Timer(remaining + st.limits.timeout_s + 60, kill_group, (p,))
            guard.daemon = True
            guard.start()
            last: dict = {}
            with open(log_path, "wb") as lf:
                for raw in p.stdout:
                    lf.write(raw)
                    line = raw.decode(errors="replace")
                    s = parse_libfuzzer_status(line)
                    if s:
                        last = s
                        with st.lock:
                            st.execs = st.execs_done + s["execs"]
                            st.exec_per_sec = s.get("exec_per_sec", st.exec_per_sec)
                            st.coverage = s.get("cov", st.coverage)
                            st.features = s.get("ft", st.features)
                            st.corpus = s.get("corpus", st.corpus)
                            if "rss_mb" in s:
                                st.rss_mb = s["rss_mb"]
                                st.peak_rss_mb = max(st.peak_rss_mb, s["rss_mb"])
                            st.last_status_time = time.time()
            rc, cpu = wait_rusage(p)
            guard.cancel()
            reap(p)
            st.pids = []
            elapsed = time.time() - run_started
            text = log_path.read_text(errors="replace")
            final = parse_libfuzzer_final_stats(text)
            with st.lock:
                executed = final.get("number_of_executed_units", last.get("execs", 0))
                st.execs_done += executed
                st.execs = st.execs_done
                st.fuzz_seconds += elapsed
                st.cpu_seconds += cpu
                st.cpu_live = 0.0
                if st.fuzz_seconds > 0:
                    st.exec_per_sec = st.execs_done / st.fuzz_seconds
                st.peak_rss_mb = max(st.peak_rss_mb, final.get("peak_rss_mb", 0))
            # every "Test unit written to" is one crash event; the same input found again
            # overwrites its artifact, so names alone would miss repeats
            events = [Path(w).name for w in re.findall(r"Test unit written to (\S+)", text)]
            events += [a.name for a in sorted(artifacts.iterdir())
                       if a.name not in seen and a.name not in events]
            events = [e for e in events if not e.startswith("slow-unit-")]
            for name in events:
                a = artifacts / name
                if not a.is_file():
                    continue
                with st.lock:
                    st.crashes += 1
                if name in seen:
                    for old in st.artifacts:
                        if old.path == a:
                            old.occurrences += 1
                    continue
                seen.add(name)
                hint = name.split("-", 1)[0]
                st.artifacts.append(Artifact(a, t, "libfuzzer", hint, extract_report(text, a)))
                # a seed that crashes would stop every restart at once: take it out of the
                # work corpus (the artifact keeps it; triage reports it)
                (corpus / name.split("-", 1)[-1]).unlink(missing_ok=True)
            new = events
            run += 1
            st.restarts = run - 1
            if new:
                failures = 0
                continue
            if rc == 0:
                break
            failures += 1
            if failures >= 3:
                st.error = f"libFuzzer exited {rc} without an artifact (see {log_path})"
                break
        with st.lock:
            st.corpus = sum(1 for _ in corpus.iterdir())
            st.running = False
            st.finished = time.time()
            st.status = "error" if st.error else "done"
        self.write_stats(st, final=True)
        if not self.args.no_merge and not st.error:
            self.merge(st, [corpus])

    # ---- AFL++
    def refresh_afl(self, st: TargetState) -> None:
        out = self.work / "afl" / st.target / "out"
        execs = 0
        eps = 0.0
        edges = total = None
        corpus = crashes = hangs = 0
        stats_time = 0.0
        for inst in sorted(out.glob("*/")) if out.is_dir() else []:
            fs = inst / "fuzzer_stats"
            s = parse_afl_fuzzer_stats(fs.read_text(errors="replace")) if fs.is_file() else {}
            plot = parse_afl_plot_data((inst / "plot_data").read_text(errors="replace")) \
                if (inst / "plot_data").is_file() else None
            e = int(finite(s.get("execs_done")))
            r = finite(s.get("execs_per_sec"))
            if plot and int(finite(plot.get("total_execs"))) > e:
                e, r = int(finite(plot["total_execs"])), finite(plot.get("execs_per_sec"), r)
            execs += e
            eps += r
            if "edges_found" in s or (plot and "edges_found" in plot):
                ef = max(int(s.get("edges_found", 0)), int((plot or {}).get("edges_found", 0)))
                edges = max(edges or 0, ef)
            if "total_edges" in s:
                total = int(s["total_edges"])
            if fs.is_file():
                stats_time = max(stats_time, fs.stat().st_mtime)
            corpus = max(corpus, sum(1 for p in (inst / "queue").glob("id:*")))
            crashes += sum(1 for p in (inst / "crashes").glob("id:*"))
            hangs += sum(1 for p in (inst / "hangs").glob("id:*"))
        with st.lock:
            if execs:
                st.execs, st.exec_per_sec = execs, eps
            st.edges, st.total_edges = edges, total
            st.corpus, st.crashes, st.hangs = corpus, crashes, hangs
            st.stats_time = stats_time

    def run_afl(self, st: TargetState) -> None:
        t = st.target
        work = self.work / "afl" / t
        shutil.rmtree(work, ignore_errors=True)
        seeds, out, logs = work / "in", work / "out", work / "logs"
        for d in (seeds, logs):
            d.mkdir(parents=True)
        st.seeds = copy_corpus([self.corpora / t], seeds)
        if st.seeds == 0:
            (seeds / "empty").write_bytes(b"\n")  # AFL++ refuses an empty input directory
        lim = st.limits
        common = ["-i", str(seeds), "-o", str(out), "-V", str(int(self.args.time)),
                  "-t", str(lim.timeout_s * 1000), "-m", str(lim.rss_limit_mb)]
        if lim.max_len:
            common += ["-G", str(lim.max_len)]
        d = self.dict_for(t)
        if d:
            common += ["-x", str(d)]
        n = max(1, self.jobs)
        cmds = [["afl-fuzz"] + common + ["-M", "main", "-c", str(self.cmplog_bin(t)), "--",
                                         str(self.afl_bin(t))]]
        for i in range(1, n):
            cmds.append(["afl-fuzz"] + common + ["-S", f"sec{i}", "--", str(self.afl_bin(t))])
        env = self.afl_env()
        st.processes = n
        st.started = time.time()
        with st.lock:
            st.running, st.status = True, "running"
        procs = []
        for i, cmd in enumerate(cmds):
            lf = open(logs / f"{'main' if i == 0 else f'sec{i}'}.log", "wb")
            procs.append((spawn(cmd, stdout=lf, stderr=subprocess.STDOUT, env=env,
                                stdin=subprocess.DEVNULL, cwd=str(work)), lf, cmd))
            if i == 0:
                time.sleep(1.0)  # the main instance creates the sync dir layout first
        st.pids = [p.pid for p, _, _ in procs]
        hard_deadline = st.started + self.args.time + 120 + lim.timeout_s * 2
        while any(p.poll() is None for p, _, _ in procs):
            if time.time() > hard_deadline or self.stop.is_set():
                for p, _, _ in procs:
                    kill_group(p, signal.SIGINT)
                time.sleep(3)
                for p, _, _ in procs:
                    kill_group(p)
            time.sleep(1.0)
        bad = []
        for i, (p, lf, cmd) in enumerate(procs):
            lf.close()
            reap(p)
            if p.returncode not in (0, None):
                bad.append((i, p.returncode, cmd))
        st.pids = []
        st.fuzz_seconds = time.time() - st.started
        # afl-fuzz kills its fork server without reaping it, so wait4 misses the target's
        # CPU time: AFL++'s per-core figure stays wall-clock based (cpu_seconds 0)
        st.cpu_live = 0.0
        self.refresh_afl(st)
        instances = {}
        for inst in sorted(out.glob("*/")) if out.is_dir() else []:
            fs = inst / "fuzzer_stats"
            if fs.is_file():
                s = parse_afl_fuzzer_stats(fs.read_text(errors="replace"))
                instances[inst.name] = {k: s.get(k) for k in (
                    "execs_done", "execs_per_sec", "edges_found", "total_edges", "corpus_count",
                    "saved_crashes", "saved_hangs", "stability", "bitmap_cvg", "peak_rss_mb",
                    "target_mode", "run_time")}
                instances[inst.name]["execs_per_sec"] = finite(s.get("execs_per_sec"))
                with st.lock:
                    st.peak_rss_mb = max(st.peak_rss_mb, finite(s.get("peak_rss_mb")))
        st.afl = {"instances": instances}
        if bad:
            i, rc, cmd = bad[0]
            logname = "main" if i == 0 else f"sec{i}"
            tail = (logs / f"{logname}.log").read_text(errors="replace")[-1500:]
            tail = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", tail)
            st.error = f"afl-fuzz ({logname}) exited {rc}: {tail.strip().splitlines()[-1] if tail.strip() else ''}"
            if not instances:
                log(f"{t}: {st.error}\n{tail}")
        for inst in sorted(out.glob("*/")) if out.is_dir() else []:
            for sub, hint in (("crashes", "crash"), ("hangs", "timeout")):
                for a in sorted((inst / sub).glob("id:*")):
                    st.artifacts.append(Artifact(a, t, "afl", hint))
        with st.lock:
            st.running = False
            st.finished = time.time()
            st.status = "error" if st.error and not instances else "done"
            if st.fuzz_seconds > 0 and st.execs:
                st.exec_per_sec = st.execs / st.fuzz_seconds
        self.write_stats(st, final=True)
        if not self.args.no_merge and st.status == "done":
            queue = work / "queue-all"
            copy_corpus([q for q in out.glob("*/queue")], queue, recursive=False)
            self.merge(st, [queue])

    # ---- merge
    def merge(self, st: TargetState, sources: list[Path]) -> None:
        t = st.target
        target_dir = self.corpora / t
        work = self.work / st.engine / t
        merged = work / "merged"
        shutil.rmtree(merged, ignore_errors=True)
        merged.mkdir(parents=True)
        ctl = work / "merge.ctl"
        ctl.unlink(missing_ok=True)
        inputs = [p for p in [target_dir] + sources if p.is_dir()]
        scratch = work / "merge-artifacts"  # inputs that crash while merging land here
        cmd = [str(self.lf_bin(t)), "-merge=1", f"-merge_control_file={ctl}",
               f"-artifact_prefix={scratch}/",
               f"-timeout={st.limits.timeout_s}", f"-rss_limit_mb={st.limits.rss_limit_mb}",
               str(merged)] + [str(p) for p in inputs]
        log(f"{t}: merging {', '.join(str(p) for p in inputs)}")
        rc, out = run_capture(cmd, self.sanitizer_env(), timeout=max(600, self.args.time * 2),
                              cwd=scratch)
        (work / "logs").mkdir(exist_ok=True)
        (work / "logs" / "merge.log").write_text(out)
        merged_n = count_top_files(merged)
        if rc != 0 or (merged_n == 0 and (st.corpus_before or st.seeds)):
            st.merge = {"error": f"merge exited {rc} with {merged_n} files; corpus left as it was",
                        "log": str(work / "logs" / "merge.log")}
            log(f"{t}: {st.merge['error']}")
            return
        # a seed that crashes is evidence: merge cannot run it, so it would drop it; keep it
        crash_h = {sha1_bytes(a.path.read_bytes()) for a in st.artifacts if a.path.is_file()}
        kept = 0
        for p in iter_files(target_dir, recursive=False):
            data = p.read_bytes()
            if sha1_bytes(data) in crash_h:
                (merged / sha1_bytes(data)).write_bytes(data)
                kept += 1
        st.merge = replace_corpus(target_dir, merged)
        st.merge["crashing_seeds_kept"] = kept
        log(f"{t}: corpus {st.merge['before']} -> {st.merge['after']} files "
            f"(+{st.merge['added']} -{st.merge['removed']}; {st.merge['regressions']} regressions kept)")

    # ---- triage
    def reproduce(self, t: str, path: Path, lim: Limits) -> tuple[CrashReport | None, str, list[str]]:
        cmd = [str(self.lf_bin(t)), f"-timeout={lim.timeout_s}", f"-rss_limit_mb={lim.rss_limit_mb}",
               str(path)]
        rc, out = run_capture(cmd, self.sanitizer_env(), timeout=lim.timeout_s * 3 + 60,
                              cwd=self.work / "triage")
        if rc is None:
            return CrashReport("timeout", "timeout", [], "killed by the runner"), out, cmd
        return classify(out, rc), out, cmd

    def minimize(self, t: str, src: Path, dest: Path, lim: Limits) -> bool:
        cmd = [str(self.lf_bin(t)), "-minimize_crash=1", "-runs=20000", "-max_total_time=30",
               f"-timeout={lim.timeout_s}", f"-rss_limit_mb={lim.rss_limit_mb}",
               f"-exact_artifact_path={dest}", str(src)]
        rc, out = run_capture(cmd, self.sanitizer_env(), timeout=400, cwd=self.work / "triage")
        return dest.is_file() and dest.stat().st_size > 0

    def triage(self, known: set[str]) -> list[dict]:
        groups: dict[str, dict] = {}
        crash_root = self.out / "crashes"
        for st in self.states.values():
            triaged = 0
            for art in st.artifacts:
                if triaged >= MAX_ARTIFACTS_PER_TARGET:
                    st.untriaged = len(st.artifacts) - triaged
                    log(f"{st.target}: {st.untriaged} artifact(s) beyond the first "
                        f"{MAX_ARTIFACTS_PER_TARGET} not triaged")
                    break
                triaged += 1
                report, output, cmd = self.reproduce(st.target, art.path, st.limits)
                results = [report]
                outputs = [output]
                sig = None
                if report is not None:
                    sig = report.signature()
                if sig is None or sig not in groups:
                    for _ in range(REPRO_RUNS - 1):
                        r, o, _ = self.reproduce(st.target, art.path, st.limits)
                        results.append(r)
                        outputs.append(o)
                        if report is None and r is not None:
                            report, output = r, o
                reproduced = sum(1 for r in results if r is not None)
                if report is None:
                    fallback = classify(art.log_report) if art.log_report else None
                    report = fallback or CrashReport(
                        art.hint if art.hint in ("timeout", "oom", "leak") else "crash",
                        {"timeout": "timeout", "oom": "out-of-memory", "leak": "leak"}.get(
                            art.hint, "crash"), [], "did not reproduce")
                    output = art.log_report or output
                sig = report.signature()
                g = groups.get(sig)
                data = art.path.read_bytes()
                if g is None:
                    g = groups[sig] = {
                        "id": signature_id(sig), "signature": sig, "type": report.type,
                        "kind": report.kind, "frames": report.top_frames(),
                        "targets": [], "engines": [], "count": 0,
                        "reproduced": f"{reproduced}/{len(results)}",
                        "flaky": reproduced < REPRO_RUNS, "summary": report.summary,
                        "known": sig in known or signature_id(sig) in known,
                        "artifacts": [], "_best": (len(data), art), "_output": output,
                        "_cmd": cmd, "_target": st.target, "_limits": st.limits,
                    }
                else:
                    if len(data) < g["_best"][0] and reproduced:
                        g["_best"] = (len(data), art)
                g["count"] += art.occurrences
                for key, val in (("targets", st.target), ("engines", st.engine)):
                    if val not in g[key]:
                        g[key].append(val)
                g["artifacts"].append(str(art.path))
        # minimise and write one reproducer per signature
        for g in groups.values():
            d = crash_root / g["id"]
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir(parents=True)
            _, art = g["_best"]
            t, lim = g["_target"], g["_limits"]
            data = art.path.read_bytes()
            orig = d / f"original-{sha1_bytes(data)}"
            orig.write_bytes(data)
            chosen = orig
            if g["kind"] not in ("timeout", "oom") and not g["flaky"]:
                mini = d / "minimized.tmp"
                if self.minimize(t, orig, mini, lim):
                    r, _, _ = self.reproduce(t, mini, lim)
                    if r is not None and r.signature() == g["signature"]:
                        m = d / f"minimized-{sha1_bytes(mini.read_bytes())}"
                        mini.rename(m)
                        chosen = m
                mini.unlink(missing_ok=True)
            g["input"] = str(chosen)
            g["input_size"] = chosen.stat().st_size
            g["original_size"] = len(data)
            (d / "report.txt").write_text(g["_output"])
            repro = d / "repro.sh"
            repro.write_text(repro_script(g, self.lf_bin(t), chosen.name, lim))
            repro.chmod(0o755)
            g["reproducer"] = str(repro)
            g["status"] = "known" if g["known"] else "new"
            public = {k: v for k, v in g.items() if not k.startswith("_")}
            (d / "crash.json").write_text(json.dumps(public, indent=2) + "\n")
        return [{k: v for k, v in g.items() if not k.startswith("_")} for g in groups.values()]


def extract_report(log_text: str, artifact: Path) -> str:
    """The part of a libFuzzer log that reported the crash written to `artifact`: the lines
    between the last status line (or previous artifact) and "Test unit written to <artifact>"."""
    lines = log_text.splitlines()
    end = None
    for i, line in enumerate(lines):
        if "Test unit written to" in line and line.rstrip().endswith(artifact.name):
            end = i
    if end is None:
        return ""
    start = end
    while start > 0 and not re.match(r"^(#\d+\s|INFO: |.*Test unit written to )", lines[start - 1]):
        start -= 1
    return "\n".join(lines[start:end + 1])


def repro_script(g: dict, binary: Path, input_name: str, lim: Limits) -> str:
    frames = "\n".join(f"#   {f}" for f in g["frames"]) or "#   (no frames)"
    return f"""#!/bin/sh
# Reproducer for crash {g['id']} in fuzz target(s) {', '.join(g['targets'])}
# (found by {', '.join(g['engines'])}; reproduced {g['reproduced']} when triaged).
# Signature: {g['signature']}
# Type: {g['type']}
# Top frames:
{frames}
# Expected: a non-zero exit status and a report of that type on stderr.
# The replay driver shows the same without sanitizers:  build/debug/targets/fuzz_{g['targets'][0]} INPUT
here=$(cd "$(dirname "$0")" && pwd)
export ASAN_OPTIONS="${{ASAN_OPTIONS:+$ASAN_OPTIONS:}}symbolize=1"
export ASAN_SYMBOLIZER_PATH="${{ASAN_SYMBOLIZER_PATH:-{SYMBOLIZER}}}"
export UBSAN_OPTIONS="${{UBSAN_OPTIONS:+$UBSAN_OPTIONS:}}print_stacktrace=1:halt_on_error=1:symbolize=1"
exec {shlex.quote(str(binary))} -timeout={lim.timeout_s} -rss_limit_mb={lim.rss_limit_mb} "$here/{input_name}"
"""


# --------------------------------------------------------------------------- build

def build_presets(presets: list[str], jobs: int, targets: list[str]) -> None:
    for preset in presets:
        log(f"configure ({preset})")
        r = subprocess.run(["cmake", "--preset", preset], cwd=ROOT, capture_output=True, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stdout + r.stderr)
            raise ToolError(f"configure of preset {preset} failed")
        cache = ROOT / PRESET_DIRS[preset] / "CMakeCache.txt"
        listed = cache_target_list(cache)
        names = [t for t in targets if t in listed] if listed else targets
        log(f"build ({preset}): {len(names)} target(s)")
        cmd = ["cmake", "--build", "--preset", preset, "-j", str(max(1, jobs))]
        if names:
            cmd += ["--target"] + [f"fuzz_{t}" for t in names]
        r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stdout[-20000:] + r.stderr[-5000:])
            raise ToolError(f"build of preset {preset} failed")


# --------------------------------------------------------------------------- summary

def fmt_num(v, digits=0) -> str:
    if v is None:
        return "–"
    if isinstance(v, float) and digits:
        return f"{v:,.{digits}f}"
    return f"{int(round(v)):,}"


def target_summary(c: Campaign, st: TargetState, crashes: list[dict]) -> dict:
    if st.cpu_seconds > 0:
        # executions per CPU-second of the engine's processes: what one core does, whatever
        # else the machine was running
        per_core, basis = st.execs / st.cpu_seconds, "cpu"
    else:
        concurrent = st.processes * (min(c.jobs, len(c.states)) if st.engine == "libfuzzer" else 1)
        oversub = max(1.0, concurrent / c.cores)
        per_core, basis = ((st.exec_per_sec / st.processes) * oversub if st.processes else 0.0,
                           "wall")
    goal = dict(st.goal)
    if st.engine == "libfuzzer":
        goal["met"] = per_core >= goal["min_exec_per_sec_per_core"]
    else:
        goal["met"] = None
        goal["note"] = "the goal is stated for libFuzzer+ASan; AFL++ figures are for reference"
    mine = [x for x in crashes if st.target in x["targets"]]
    return {
        "target": st.target, "engine": st.engine, "status": st.status, "error": st.error or None,
        "time_s": round(st.fuzz_seconds, 1), "processes": st.processes,
        "restarts": st.restarts if st.engine == "libfuzzer" else None,
        "execs": st.execs, "exec_per_sec": round(st.exec_per_sec, 1),
        "exec_per_sec_per_core": round(per_core, 1), "per_core_basis": basis,
        "cpu_s": round(st.cpu_seconds, 1),
        "cpu_share": round(st.cpu_seconds / (st.fuzz_seconds * st.processes), 2)
        if st.fuzz_seconds and st.processes and st.cpu_seconds else None,
        "coverage": st.coverage, "features": st.features,
        "edges": st.edges, "total_edges": st.total_edges,
        "corpus": {"seeds": st.seeds, "before_merge": st.corpus_before, "work": st.corpus,
                   "after_merge": (st.merge or {}).get("after"), "merge": st.merge,
                   "regressions": st.regressions},
        "artifacts": len(st.artifacts), "untriaged_artifacts": st.untriaged,
        "crashes": [{"id": x["id"], "signature": x["signature"], "type": x["type"],
                     "status": x["status"], "reproduced": x["reproduced"], "flaky": x["flaky"],
                     "reproducer": x["reproducer"], "count": x["count"]} for x in mine],
        "peak_rss_mb": round(st.peak_rss_mb, 1), "limits": {
            "timeout_s": st.limits.timeout_s, "rss_limit_mb": st.limits.rss_limit_mb,
            "max_len": st.limits.max_len},
        "goal": goal, **({"afl": st.afl} if st.afl else {}),
    }


def render_markdown(s: dict) -> str:
    out = ["# Fuzzing campaign", ""]
    if s.get("targets"):
        out.append(f"Engine **{s['engine']}**, {s['time_per_target_s']} s per target, "
                   f"{s['jobs']} job(s) on {s['cores']} core(s); started {s['started']}, "
                   f"finished {s['finished']}. Merge: {'yes' if s['merge'] else 'no'}.")
        out += ["", "| target | engine | execs | exec/s | exec/s/core | CPU share | goal "
                "| cov / ft | edges | corpus seeds → work → merged | crashes (new/known) "
                "| peak RSS MB |",
                "|---|---|---:|---:|---:|---:|---|---:|---:|---|---|---:|"]
        for t in s["targets"]:
            g = t["goal"]
            goal = (f"≥{g['min_exec_per_sec_per_core']:,} {g['class']}: "
                    + ("met" if g["met"] else ("n/a" if g["met"] is None else "**not met**")))
            cov = (f"{fmt_num(t['coverage'])} / {fmt_num(t['features'])}"
                   if t["engine"] == "libfuzzer" else "–")
            edges = (f"{fmt_num(t['edges'])}/{fmt_num(t['total_edges'])}"
                     if t["edges"] is not None else "–")
            corp = t["corpus"]
            merged = corp["after_merge"] if corp["after_merge"] is not None else (
                "error" if corp["merge"] else "–")
            new = sum(1 for x in t["crashes"] if x["status"] == "new")
            known = sum(1 for x in t["crashes"] if x["status"] == "known")
            status = "" if t["status"] == "done" else f" ({t['status']})"
            share = f"{t['cpu_share']:.0%}" if t.get("cpu_share") is not None else "–"
            out.append(f"| {t['target']}{status} | {t['engine']} | {fmt_num(t['execs'])} | "
                       f"{fmt_num(t['exec_per_sec'])} | {fmt_num(t['exec_per_sec_per_core'])} | "
                       f"{share} | {goal} | {cov} | {edges} | {corp['seeds']} → {corp['work']} → {merged} | "
                       f"{new}/{known} | {fmt_num(t['peak_rss_mb'])} |")
        errors = [t for t in s["targets"] if t.get("error")]
        if errors:
            out += ["", "Errors:", ""] + [f"- {t['target']}: {t['error']}" for t in errors]
        out += ["", "## Crashes", ""]
        if not s["crashes"]:
            out.append("None.")
        for x in s["crashes"]:
            flaky = " **flaky**" if x["flaky"] else ""
            out += [f"### {x['status'].upper()} `{x['id']}` — {x['type']}{flaky}", "",
                    f"- signature: `{x['signature']}`",
                    f"- targets: {', '.join(x['targets'])} ({', '.join(x['engines'])}); "
                    f"{x['count']} artifact(s); reproduced {x['reproduced']}",
                    f"- input: `{x['input']}` ({x['input_size']} bytes, original "
                    f"{x['original_size']})",
                    f"- reproducer: `{x['reproducer']}`", ""]
        out += ["", "Goals (reported, not asserted): libFuzzer+ASan ≥ "
                f"{GOAL_PARSER_EXECS:,} exec/s per core for pure parsers, ≥ {GOAL_SQLITE_EXECS:,} "
                "for SQLite-backed targets (cas_*, bundle_*). exec/s is executions per "
                "wall-clock second of the target's budget (all its processes); exec/s/core is "
                "executions per CPU-second the engine's processes got, so a busy machine does "
                "not hide a target's speed; CPU share is the fraction of a core each process "
                "actually got."]
    modes = s.get("afl_modes")
    if modes:
        out += ["", "## AFL++ persistent mode vs fork-server mode", ""]
        for m in (modes if isinstance(modes, list) else [modes]):
            ratio = m.get("ratio")
            out += [f"Target `{m['target']}`, {m['time_s']} s per mode, one instance each: "
                    f"persistent {fmt_num(m['persistent']['exec_per_sec'])} exec/s, fork-server "
                    f"{fmt_num(m['forkserver']['exec_per_sec'])} exec/s — ratio "
                    f"**{ratio:.1f}×** (goal ≥ {GOAL_AFL_PERSISTENT_RATIO:.0f}×: "
                    f"{'met' if m['goal_met'] else 'not met'}). Fork-server mode is the same "
                    "binary run as `fuzz_<t> -1` (libAFLDriver: one input per forked process).",
                    ""]
    return "\n".join(out).rstrip() + "\n"


# --------------------------------------------------------------------------- AFL modes

def compare_afl_modes(c: Campaign, target: str) -> dict:
    res = {"target": target, "time_s": int(c.args.time), "measured": now_iso()}
    lim = resolve_limits(c.options_for(target), c.args.timeout, c.args.rss_limit_mb)
    for mode, extra in (("persistent", []), ("forkserver", ["-1"])):
        work = c.work / "afl-modes" / target / mode
        shutil.rmtree(work, ignore_errors=True)
        seeds = work / "in"
        n = copy_corpus([c.corpora / target], seeds)
        if n == 0:
            (seeds / "empty").write_bytes(b"\n")
        cmd = ["afl-fuzz", "-i", str(seeds), "-o", str(work / "out"), "-V", str(int(c.args.time)),
               "-t", str(lim.timeout_s * 1000), "-m", str(lim.rss_limit_mb)]
        d = c.dict_for(target)
        if d:
            cmd += ["-x", str(d)]
        cmd += ["--", str(c.afl_bin(target))] + extra
        log(f"AFL++ {mode} mode on {target} for {int(c.args.time)} s")
        rc, out = run_capture(cmd, c.afl_env(), timeout=c.args.time + 180, cwd=work)
        (work / "afl.log").write_text(out)
        fs = work / "out" / "default" / "fuzzer_stats"
        if rc != 0 or not fs.is_file():
            raise ToolError(f"afl-fuzz ({mode}) exited {rc}; see {work / 'afl.log'}")
        s = parse_afl_fuzzer_stats(fs.read_text())
        run_time = max(1, int(s.get("run_time", c.args.time)))
        res[mode] = {"execs": s.get("execs_done"),
                     "exec_per_sec_afl": finite(s.get("execs_per_sec")),
                     "exec_per_sec_overall": round(finite(s.get("execs_done")) / run_time, 1),
                     "edges": s.get("edges_found"), "target_mode": s.get("target_mode"),
                     "command": shlex.join(cmd)}
    p, f = res["persistent"]["exec_per_sec_overall"], res["forkserver"]["exec_per_sec_overall"]
    res["persistent"]["exec_per_sec"] = p
    res["forkserver"]["exec_per_sec"] = f
    res["ratio"] = round(p / f, 2) if f else None
    res["goal"] = GOAL_AFL_PERSISTENT_RATIO
    res["goal_met"] = bool(res["ratio"] and res["ratio"] >= GOAL_AFL_PERSISTENT_RATIO)
    return res


# --------------------------------------------------------------------------- main

def positive_int(s: str) -> int:
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got '{s}'")
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got '{s}'")
    return v


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="scripts/harness fuzz",
        description="Run a fuzzing campaign over the fuzz targets, merge the corpus back, "
                    "triage crashes and write reports/fuzz/summary.{json,md}.",
        epilog="Exit status: 0 ok, 1 new crash signature, 2 usage error, 3 tool error.")
    ap.add_argument("--engine", choices=["libfuzzer", "afl"], default="libfuzzer")
    ap.add_argument("--targets", default="", help="comma-separated target names (default: all)")
    ap.add_argument("--time", type=positive_int, default=60, metavar="SECONDS",
                    help="fuzzing time per target (default 60)")
    ap.add_argument("--jobs", type=positive_int, default=os.cpu_count() or 1, metavar="N",
                    help="fuzzing processes at once (default: nproc); libFuzzer: N targets at "
                         "once; AFL++: 1 main + N-1 secondaries per target")
    ap.add_argument("--rss-limit-mb", type=positive_int, default=None, metavar="MB",
                    help="memory limit per input (default: the target's .options, else 2048)")
    ap.add_argument("--timeout", type=positive_int, default=None, metavar="SECONDS",
                    help="time limit per input (default: the target's .options, else 10)")
    ap.add_argument("--corpora", default=str(ROOT / "corpora"), metavar="DIR",
                    help="seed corpora, .dict, .options and known_crashes.json (default corpora/)")
    ap.add_argument("--known", default=None, metavar="FILE",
                    help="known crash signatures (default: CORPORA/known_crashes.json)")
    ap.add_argument("--out", default=str(ROOT / "reports" / "fuzz"), metavar="DIR",
                    help="reports directory (default reports/fuzz)")
    ap.add_argument("--work-dir", default=str(ROOT / "build" / "fuzz-work"), metavar="DIR",
                    help="scratch space for work corpora and engine output (default build/fuzz-work)")
    ap.add_argument("--no-merge", action="store_true", help="leave CORPORA untouched")
    ap.add_argument("--no-build", action="store_true", help="use the binaries as they are")
    ap.add_argument("--compare-afl-modes", metavar="TARGET", default=None,
                    help="measure AFL++ persistent vs fork-server exec/s on TARGET for --time "
                         "seconds each, instead of a campaign; the ratio goes into the summary")
    ap.add_argument("--libfuzzer-bin-dir", default=None, metavar="DIR", help=argparse.SUPPRESS)
    ap.add_argument("--afl-bin-dir", default=None, metavar="DIR", help=argparse.SUPPRESS)
    ap.add_argument("--cmplog-bin-dir", default=None, metavar="DIR", help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def select_targets(c: Campaign, requested: str, need_bins: list) -> list[str]:
    caches = [ROOT / PRESET_DIRS[p] / "CMakeCache.txt" for p in PRESET_DIRS]
    listed, unlisted = discover_targets(ROOT, caches)
    if requested:
        names = [n.strip() for n in requested.split(",") if n.strip()]
        known = set(listed) | set(unlisted)
        for n in names:
            if n not in known and not all(b(n).is_file() for b in need_bins):
                raise UsageError(f"unknown fuzz target '{n}' (known: {', '.join(listed)})")
        return names
    for n in unlisted:
        log(f"warning: targets/fuzz_{n}.cpp is not in SQLINK_FUZZ_TARGETS; skipped")
    return listed


def write_summary(c: Campaign, summary: dict) -> None:
    c.out.mkdir(parents=True, exist_ok=True)
    (c.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    (c.out / "summary.md").write_text(render_markdown(summary))


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as e:
        return EXIT_USAGE if e.code not in (0, None) else EXIT_OK
    c = Campaign(args)

    def on_term(signum, frame):
        raise KeyboardInterrupt
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, on_term) if main_thread else None
    try:
        return run(c)
    except UsageError as e:
        print(f"fuzz: {e}", file=sys.stderr)
        return EXIT_USAGE
    except ToolError as e:
        print(f"fuzz: {e}", file=sys.stderr)
        return EXIT_TOOL
    except KeyboardInterrupt:
        c.stop.set()
        kill_all_children()
        print("fuzz: interrupted", file=sys.stderr)
        return 130
    finally:
        if main_thread and previous is not None:
            signal.signal(signal.SIGTERM, previous)


def run(c: Campaign) -> int:
    args = c.args
    if not c.corpora.is_dir():
        raise UsageError(f"no corpora directory {c.corpora}")

    if args.compare_afl_modes:
        t = args.compare_afl_modes
        if shutil.which("afl-fuzz") is None:
            raise ToolError("afl-fuzz not found (install afl++: scripts/harness bootstrap)")
        if not args.no_build:
            build_presets(["afl"], c.jobs, [t])
        select_targets(c, t, [c.afl_bin])
        if not c.afl_bin(t).is_file():
            raise ToolError(f"missing {c.afl_bin(t)}")
        res = compare_afl_modes(c, t)
        log(f"AFL++ on {t}: persistent {res['persistent']['exec_per_sec']:.0f} exec/s, "
            f"fork-server {res['forkserver']['exec_per_sec']:.0f} exec/s, ratio {res['ratio']}×")
        summary_path = c.out / "summary.json"
        try:
            summary = json.loads(summary_path.read_text())
        except (OSError, ValueError):
            summary = {"schema": 1, "targets": [], "crashes": []}
        modes = [m for m in summary.get("afl_modes", []) if m.get("target") != t] \
            if isinstance(summary.get("afl_modes"), list) else []
        summary["afl_modes"] = modes + [res]
        write_summary(c, summary)
        print(f"AFL++ persistent/fork-server exec/s ratio on {t}: {res['ratio']}x "
              f"({res['persistent']['exec_per_sec']:.0f} vs {res['forkserver']['exec_per_sec']:.0f})")
        return EXIT_OK

    if args.engine == "afl" and shutil.which("afl-fuzz") is None:
        raise ToolError("afl-fuzz not found (install afl++: scripts/harness bootstrap)")
    presets = ["fuzz"] + (["afl", "afl-cmplog"] if args.engine == "afl" else [])
    need = [c.lf_bin] + ([c.afl_bin, c.cmplog_bin] if args.engine == "afl" else [])
    if not args.no_build:
        build_presets(presets, c.jobs, select_targets(c, args.targets, need))
    targets = select_targets(c, args.targets, need)
    if not targets:
        raise UsageError("no fuzz targets")
    for t in targets:
        for b in need:
            if not (b(t).is_file() and os.access(b(t), os.X_OK)):
                raise ToolError(f"missing binary {b(t)} (build the preset or drop --no-build)")

    known, _ = load_known(Path(args.known) if args.known else c.corpora / "known_crashes.json")
    c.out.mkdir(parents=True, exist_ok=True)
    c.work.mkdir(parents=True, exist_ok=True)
    for t in targets:
        opts = c.options_for(t)
        st = TargetState(t, args.engine, goal_for(t, opts),
                         resolve_limits(opts, args.timeout, args.rss_limit_mb))
        st.corpus_before = count_top_files(c.corpora / t)
        st.regressions = len(regression_hashes(c.corpora / t))
        c.states[t] = st

    started = now_iso()
    c.t0 = time.time()
    # reproducers always match the summary beside them
    shutil.rmtree(c.out / "crashes", ignore_errors=True)
    c.stats_file = open(c.out / "stats.jsonl", "w")
    mon = threading.Thread(target=c.monitor, daemon=True)
    mon.start()
    log(f"{args.engine}: {len(targets)} target(s) x {args.time} s, {c.jobs} job(s)")
    def guarded(fn, st):
        try:
            fn(st)
        except Exception as e:  # a broken target must not take the campaign down
            with st.lock:
                st.running, st.status = False, "error"
                st.error = f"{type(e).__name__}: {e}"
            log(f"{st.target}: {st.error}")

    try:
        if args.engine == "libfuzzer":
            with ThreadPoolExecutor(max_workers=max(1, min(c.jobs, len(targets)))) as pool:
                futures = [pool.submit(guarded, c.run_libfuzzer, c.states[t]) for t in targets]
                try:
                    for f in futures:
                        f.result()
                except KeyboardInterrupt:
                    c.stop.set()
                    kill_all_children()
                    raise
        else:
            for t in targets:
                guarded(c.run_afl, c.states[t])
    finally:
        c.stop.set()
        mon.join(timeout=10)
        c.stats_file.close()
        c.stats_file = None

    n_art = sum(len(st.artifacts) for st in c.states.values())
    if n_art:
        log(f"triage: {n_art} artifact(s)")
    crashes = c.triage(known)
    summary = {
        "schema": 1, "engine": args.engine, "started": started, "finished": now_iso(),
        "time_per_target_s": args.time, "jobs": c.jobs, "cores": c.cores,
        "merge": not args.no_merge, "corpora": str(c.corpora),
        "stats": str(c.out / "stats.jsonl"),
        "targets": [target_summary(c, c.states[t], crashes) for t in targets],
        "crashes": crashes,
        "new_crashes": sum(1 for x in crashes if x["status"] == "new"),
        "known_crashes": sum(1 for x in crashes if x["status"] == "known"),
    }
    old = c.out / "summary.json"
    try:
        prev = json.loads(old.read_text())
        if prev.get("afl_modes"):
            summary["afl_modes"] = prev["afl_modes"]
    except (OSError, ValueError):
        pass
    errors = [st for st in c.states.values() if st.status == "error"]
    summary["exit_code"] = (EXIT_NEW_CRASH if summary["new_crashes"] else
                            EXIT_TOOL if errors else EXIT_OK)
    write_summary(c, summary)
    for t in summary["targets"]:
        log(f"{t['target']}: {t['execs']:,} execs, {t['exec_per_sec']:,.0f} exec/s, "
            f"cov {t['coverage']} ft {t['features']} edges {t['edges']}, corpus "
            f"{t['corpus']['seeds']}->{t['corpus']['work']}->{t['corpus']['after_merge']}, "
            f"{len(t['crashes'])} crash signature(s)")
    for x in crashes:
        log(f"{x['status'].upper()} crash {x['id']}: {x['signature']} ({x['reproducer']})")
    log(f"summary: {c.out / 'summary.md'}")
    if errors:
        for st in errors:
            log(f"error: {st.target}: {st.error}")
    return summary["exit_code"]


if __name__ == "__main__":
    sys.exit(main())
