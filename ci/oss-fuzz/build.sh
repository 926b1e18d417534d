#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build script for sqlink's fuzz targets.
#
# The infrastructure sets CC, CXX, CFLAGS, CXXFLAGS (sanitizer and coverage flags, plus
# -fsanitize=fuzzer-no-link or the engine's equivalent), LIB_FUZZING_ENGINE, OUT, SRC and WORK.
# This builds the sqlink library with exactly those flags, then compiles every target named in
# SQLINK_FUZZ_TARGETS (targets/CMakeLists.txt) and links it with $LIB_FUZZING_ENGINE, so any
# engine OSS-Fuzz offers works. Into $OUT, per target fuzz_<name>:
#   fuzz_<name>                  the fuzzer
#   fuzz_<name>_seed_corpus.zip  corpora/<name>/ (regressions/ included)
#   fuzz_<name>.dict             corpora/<name>.dict
#   fuzz_<name>.options          corpora/<name>.options
#
# Local use (what scripts/tests/test_oss_fuzz_build.py does):
#   SRC=/tmp/src (with /tmp/src/sqlink the checkout) WORK=/tmp/work OUT=/tmp/out \
#   CC=clang-14 CXX=clang++-14 CFLAGS="-fsanitize=address,fuzzer-no-link" \
#   CXXFLAGS="-fsanitize=address,fuzzer-no-link" LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
#   ci/oss-fuzz/build.sh

: "${SRC:?} ${WORK:?} ${OUT:?} ${CC:?} ${CXX:?} ${LIB_FUZZING_ENGINE:?}"
CFLAGS="${CFLAGS:-}"
CXXFLAGS="${CXXFLAGS:-}"
SQLINK_SRC="${SQLINK_SRC:-$SRC/sqlink}"
BUILD="$WORK/sqlink-build"
JOBS="${JOBS:-$(nproc)}"

# 1. The library, with the infrastructure's compilers and flags (no build type, so CMake adds
#    no optimisation flags of its own; no tests, no project sanitizer switches).
cmake -S "$SQLINK_SRC" -B "$BUILD" -G Ninja \
  -DCMAKE_BUILD_TYPE= \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DBUILD_SHARED_LIBS=OFF -DSQLINK_BUILD_TESTS=OFF -DBUILD_TESTING=OFF \
  -DSQLINK_SANITIZE=OFF -DSQLINK_FUZZ_INSTRUMENT=OFF -DSQLINK_COVERAGE=OFF
cmake --build "$BUILD" --target sqlink -j "$JOBS"

# 2. Every fuzz target CMake knows about, linked by hand with $LIB_FUZZING_ENGINE.
targets=$(sed -n 's/^SQLINK_FUZZ_TARGETS:INTERNAL=//p' "$BUILD/CMakeCache.txt" | tr ';' ' ')
if [[ -z "$targets" ]]; then
  echo "build.sh: SQLINK_FUZZ_TARGETS not found in $BUILD/CMakeCache.txt" >&2
  exit 1
fi
# Link dependencies as the library's own pkg-config file declares them.
pc="$BUILD/core/sqlink.pc"
requires=$(sed -n 's/^Requires: //p' "$pc" | tr ',' ' ')
pc_libs=$(sed -n 's/^Libs: //p' "$pc" | tr ' ' '\n' | grep -v -e '^-L' -e '^-lsqlink$' | tr '\n' ' ')
# shellcheck disable=SC2086
dep_libs="$(pkg-config --libs $requires) $pc_libs"
includes=(-I"$SQLINK_SRC/targets" -I"$SQLINK_SRC/core/include" -I"$BUILD/core/include")

build_target() {
  local name="$1" exe="fuzz_$1"
  # shellcheck disable=SC2086
  $CXX $CXXFLAGS -std=c++20 "${includes[@]}" -c "$SQLINK_SRC/targets/$exe.cpp" -o "$BUILD/$exe.o"
  # shellcheck disable=SC2086
  $CXX $CXXFLAGS "$BUILD/$exe.o" -o "$OUT/$exe" $LIB_FUZZING_ENGINE "$BUILD/core/libsqlink.a" \
    $dep_libs -lpthread
}

pids=()
names=()
for name in $targets; do
  build_target "$name" &
  pids+=($!)
  names+=("$name")
  while (( $(jobs -rp | wc -l) >= JOBS )); do sleep 0.2; done
done
failed=0
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || { echo "build.sh: fuzz_${names[$i]} failed to build" >&2; failed=1; }
done
(( failed == 0 ))

# 3. Seeds, dictionaries and options beside each fuzzer.
zip_dir() {  # zip_dir DIR ZIP: every file under DIR, paths relative to DIR
  python3 - "$1" "$2" <<'PY'
import os, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
    for base, _, files in os.walk(src):
        for f in sorted(files):
            p = os.path.join(base, f)
            z.write(p, os.path.relpath(p, src))
PY
}
for name in $targets; do
  corpus="$SQLINK_SRC/corpora/$name"
  if [[ -d "$corpus" ]]; then zip_dir "$corpus" "$OUT/fuzz_${name}_seed_corpus.zip"; fi
  if [[ -f "$corpus.dict" ]]; then cp "$corpus.dict" "$OUT/fuzz_$name.dict"; fi
  if [[ -f "$corpus.options" ]]; then cp "$corpus.options" "$OUT/fuzz_$name.options"; fi
done
echo "build.sh: built $(wc -w <<<"$targets") fuzz target(s) into $OUT"
