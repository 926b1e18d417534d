#!/usr/bin/env python3
"""Runs ci/oss-fuzz/build.sh the way OSS-Fuzz/ClusterFuzzLite does (libFuzzer + ASan, with
clang-14 standing in for the base-builder's clang) and checks what it leaves in $OUT: for every
fuzz target, an executable that runs its seed corpus cleanly, <t>_seed_corpus.zip, <t>.dict
and <t>.options matching corpora/.

Exit status: 0 pass, 1 fail, 77 skipped (no clang-14/cmake/ninja/pkg-config). Registered with
ctest as fuzz.oss_fuzz_build (label slow) by targets/runner_tests.cmake.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import fuzz  # noqa: E402

SKIP = 77


def main() -> int:
    for tool in ("clang-14", "clang++-14", "cmake", "ninja", "pkg-config"):
        if shutil.which(tool) is None:
            print(f"SKIP: {tool} not found")
            return SKIP
    listed, _ = fuzz.discover_targets(ROOT)
    if not listed:
        print("FAIL: no fuzz targets found")
        return 1
    flags = ("-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address "
             "-fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link")
    with tempfile.TemporaryDirectory(prefix="sqlink-ossfuzz-") as tmp:
        tmp = Path(tmp)
        src, work, out = tmp / "src", tmp / "work", tmp / "out"
        for d in (src, work, out):
            d.mkdir()
        (src / "sqlink").symlink_to(ROOT)
        env = dict(os.environ)
        env.update({
            "SRC": str(src), "WORK": str(work), "OUT": str(out),
            "CC": "clang-14", "CXX": "clang++-14", "CFLAGS": flags, "CXXFLAGS": flags,
            "LIB_FUZZING_ENGINE": "-fsanitize=fuzzer", "SANITIZER": "address",
            "FUZZING_ENGINE": "libfuzzer", "ARCHITECTURE": "x86_64",
            "JOBS": str(os.cpu_count() or 2),
        })
        started = time.time()
        r = subprocess.run(["bash", str(ROOT / "ci/oss-fuzz/build.sh")], cwd=src / "sqlink",
                           env=env, capture_output=True, text=True)
        print(f"build.sh: exit {r.returncode} after {time.time() - started:.0f} s")
        if r.returncode != 0:
            print(r.stdout[-8000:], r.stderr[-8000:], sep="\n")
            print("FAIL: build.sh failed")
            return 1
        failures = []
        for t in listed:
            exe = out / f"fuzz_{t}"
            if not (exe.is_file() and os.access(exe, os.X_OK)):
                failures.append(f"{exe.name}: missing or not executable")
                continue
            z = out / f"fuzz_{t}_seed_corpus.zip"
            seeds = [p for p in (ROOT / "corpora" / t).rglob("*") if p.is_file()]
            if not z.is_file():
                failures.append(f"{z.name}: missing")
                continue
            with zipfile.ZipFile(z) as zf:
                if len(zf.namelist()) != len(seeds):
                    failures.append(f"{z.name}: {len(zf.namelist())} files, corpora/{t} has "
                                    f"{len(seeds)}")
                unpacked = tmp / "seeds" / t
                zf.extractall(unpacked)
            for ext in ("dict", "options"):
                want = ROOT / "corpora" / f"{t}.{ext}"
                got = out / f"fuzz_{t}.{ext}"
                if want.is_file() and (not got.is_file() or got.read_bytes() != want.read_bytes()):
                    failures.append(f"{got.name}: missing or different from corpora/{t}.{ext}")
            # the fuzzer runs every seed once (-runs=0 reads and executes the corpus, no mutation)
            dictflag = [f"-dict={out / f'fuzz_{t}.dict'}"] if (out / f"fuzz_{t}.dict").is_file() else []
            run = subprocess.run([str(exe), "-runs=0", *dictflag, str(unpacked)], cwd=tmp,
                                 capture_output=True, text=True, timeout=300)
            ok = run.returncode == 0 and "INITED" in run.stderr
            print(f"fuzz_{t}: {len(seeds)} seeds, exit {run.returncode}"
                  + ("" if ok else " FAILED"))
            if not ok:
                failures.append(f"fuzz_{t} on its seed corpus: exit {run.returncode}\n"
                                + run.stderr[-3000:])
        if failures:
            print("FAIL:\n  " + "\n  ".join(failures))
            return 1
        print(f"PASS: {len(listed)} targets built by ci/oss-fuzz/build.sh")
        return 0


if __name__ == "__main__":
    sys.exit(main())
