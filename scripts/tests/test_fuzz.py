#!/usr/bin/env python3
"""Tests of scripts/fuzz.py: output parsing, crash classification and signatures on canned
sanitizer reports, corpus merge rules, and one whole campaign against a fake libFuzzer
binary (restart after a crash, stats, merge, triage, reproducer, exit codes).

Run: python3 -m unittest -v test_fuzz   (from scripts/tests/), or via ctest (fuzz.runner.unit).
"""
import hashlib
import json
import os
import re
import stat
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import fuzz  # noqa: E402


# Real reports from clang-14 libFuzzer+ASan+UBSan binaries (addresses and paths as printed).
PROPERTY = """\
Running: in_P
fuzz_planted.cpp:27: property violated: n < 2
  planted property !P
==7384== ERROR: libFuzzer: deadly signal
    #0 0x564c46a62c81 in __sanitizer_print_stack_trace (/tmp/planted/fuzz_planted+0xefc81) (BuildId: 305600544890543236bf1c0f2e587a36513cb519)
    #1 0x564c469d55d8 in fuzzer::PrintStackTrace() (/tmp/planted/fuzz_planted+0x625d8) (BuildId: 305600544890543236bf1c0f2e587a36513cb519)
    #2 0x564c469baea3 in fuzzer::Fuzzer::CrashCallback() (/tmp/planted/fuzz_planted+0x47ea3) (BuildId: 305600544890543236bf1c0f2e587a36513cb519)
    #3 0x7fe75025a04f  (/lib/x86_64-linux-gnu/libc.so.6+0x3c04f) (BuildId: 93ac61ec5a8eb1396f9fbd350e3169a558528a40)
    #4 0x7fe7502a8eeb in __pthread_kill_implementation nptl/./nptl/pthread_kill.c:43:17
    #5 0x7fe750259fb1 in raise signal/../sysdeps/posix/raise.c:26:13
    #6 0x7fe750244471 in abort stdlib/./stdlib/abort.c:79:7
    #7 0x564c46a966a1 in sqlink::fuzz::fail(char const*, int, char const*, std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&) /work/main/targets/common/fuzz_check.hpp:24:3
    #8 0x564c46a9643d in LLVMFuzzerTestOneInput /tmp/planted/fuzz_planted.cpp:27:15
    #9 0x564c469bc293 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) (/tmp/planted/fuzz_planted+0x49293) (BuildId: 305600544890543236bf1c0f2e587a36513cb519)
    #10 0x564c469a629f in fuzzer::RunOneTest(fuzzer::Fuzzer*, char const*, unsigned long) (/tmp/planted/fuzz_planted+0x3329f) (BuildId: 305600544890543236bf1c0f2e587a36513cb519)
    #11 0x564c469abfd6 in fuzzer::FuzzerDriver(int*, char***, int (*)(unsigned char const*, unsigned long)) (/tmp/planted/fuzz_planted+0x38fd6) (BuildId: 305600544890543236bf1c0f2e587a36513cb519)
    #12 0x564c469d5e12 in main (/tmp/planted/fuzz_planted+0x62e12) (BuildId: 305600544890543236bf1c0f2e587a36513cb519)
    #13 0x7fe750245249 in __libc_start_call_main csu/../sysdeps/nptl/libc_start_call_main.h:58:16
    #14 0x7fe750245304 in __libc_start_main csu/../csu/libc-start.c:360:3
    #15 0x564c469a0930 in _start (/tmp/planted/fuzz_planted+0x2d930) (BuildId: 305600544890543236bf1c0f2e587a36513cb519)

NOTE: libFuzzer has rudimentary signal handlers.
SUMMARY: libFuzzer: deadly signal
"""

HEAP_OVERFLOW = """\
=================================================================
==7388==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000054 at pc 0x5611e0db1f7a bp 0x7ffe499aef60 sp 0x7ffe499ae730
WRITE of size 8 at 0x602000000054 thread T0
    #0 0x5611e0db1f79 in __asan_memcpy (/tmp/planted/fuzz_planted+0xe4f79) (BuildId: 305600544890543236bf1c0f2e587a36513cb519)
    #1 0x5611e0df0941 in heap_overflow(unsigned char const*, unsigned long) /tmp/planted/fuzz_planted.cpp:12:3
    #2 0x5611e0df01d2 in LLVMFuzzerTestOneInput /tmp/planted/fuzz_planted.cpp:28:26
    #3 0x5611e0d16293 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) (/tmp/planted/fuzz_planted+0x49293) (BuildId: 305600544890543236bf1c0f2e587a36513cb519)
    #6 0x5611e0d2fe12 in main (/tmp/planted/fuzz_planted+0x62e12) (BuildId: 305600544890543236bf1c0f2e587a36513cb519)

0x602000000054 is located 0 bytes to the right of 4-byte region [0x602000000050,0x602000000054)
allocated by thread T0 here:
    #0 0x5611e0db2b9e in malloc (/tmp/planted/fuzz_planted+0xe5b9e) (BuildId: 305600544890543236bf1c0f2e587a36513cb519)
    #1 0x5611e0df08fa in heap_overflow(unsigned char const*, unsigned long) /tmp/planted/fuzz_planted.cpp:11:32

SUMMARY: AddressSanitizer: heap-buffer-overflow (/tmp/planted/fuzz_planted+0xe4f79) (BuildId: 305600544890543236bf1c0f2e587a36513cb519) in __asan_memcpy
==7388==ABORTING
"""

UBSAN = """\
fuzz_planted.cpp:16:68: runtime error: signed integer overflow: 100 + 2147483600 cannot be represented in type 'int'
    #0 0x558a1cd91a1f in ub_overflow(int) /tmp/planted/fuzz_planted.cpp:16:68
    #1 0x558a1cd911fb in LLVMFuzzerTestOneInput /tmp/planted/fuzz_planted.cpp:29:25
    #2 0x558a1ccb7293 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) (/tmp/planted/fuzz_planted+0x49293) (BuildId: 305600544890543236bf1c0f2e587a36513cb519)

SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior fuzz_planted.cpp:16:68 in 
"""

LEAK = """\
=================================================================
==7399==ERROR: LeakSanitizer: detected memory leaks

Direct leak of 77 byte(s) in 1 object(s) allocated from:
    #0 0x5625ab20db9e in malloc (/tmp/planted/fuzz_planted+0xe5b9e) (BuildId: 305600544890543236bf1c0f2e587a36513cb519)
    #1 0x5625ab24ba4d in leak() /tmp/planted/fuzz_planted.cpp:17:77
    #2 0x5625ab24b1e3 in LLVMFuzzerTestOneInput /tmp/planted/fuzz_planted.cpp:30:15

SUMMARY: AddressSanitizer: 77 byte(s) leaked in 1 allocation(s).
"""

TIMEOUT = """\
ALARM: working on the last Unit for 3 seconds
       and the timeout value is 2 (use -timeout=N to change)
==7516== ERROR: libFuzzer: timeout after 3 seconds
    #0 0x562009849c81 in __sanitizer_print_stack_trace (/tmp/planted/fuzz_planted+0xefc81) (BuildId: 305600544890543236bf1c0f2e587a36513cb519)
    #1 0x5620097bc5d8 in fuzzer::PrintStackTrace() (/tmp/planted/fuzz_planted+0x625d8) (BuildId: 305600544890543236bf1c0f2e587a36513cb519)
    #2 0x5620097a1e19 in fuzzer::Fuzzer::AlarmCallback() (/tmp/planted/fuzz_planted+0x47e19) (BuildId: 305600544890543236bf1c0f2e587a36513cb519)
    #3 0x7fd0ccc3a04f  (/lib/x86_64-linux-gnu/libc.so.6+0x3c04f) (BuildId: 93ac61ec5a8eb1396f9fbd350e3169a558528a40)
    #4 0x7fd0ccccd544 in clock_nanosleep time/../sysdeps/unix/sysv/linux/clock_nanosleep.c:48:7
    #5 0x7fd0cccd1e52 in __nanosleep posix/../sysdeps/unix/sysv/linux/nanosleep.c:25:13
    #6 0x7fd0cccfd294 in usleep misc/../sysdeps/posix/usleep.c:31:10
    #7 0x56200987db0f in spin() /tmp/planted/fuzz_planted.cpp:18:69
    #8 0x56200987d4d6 in LLVMFuzzerTestOneInput /tmp/planted/fuzz_planted.cpp:31:41
    #9 0x5620097a3293 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) (/tmp/planted/fuzz_planted+0x49293) (BuildId: 305600544890543236bf1c0f2e587a36513cb519)

SUMMARY: libFuzzer: timeout
"""

OOM = """\
==7641== ERROR: libFuzzer: out-of-memory (used: 728Mb; limit: 512Mb)
   To change the out-of-memory limit use -rss_limit_mb=<N>

Live Heap Allocations: 762392745 bytes in 30 chunks; quarantined: 9316 bytes in 8 chunks; 6530 other chunks; total chunks: 6568; showing top 95% (at most 8 unique contexts)
738197504 byte(s) (96%) in 11 allocation(s)
    #0 0x55af1ff6bb9e in malloc (/tmp/planted/fuzz_planted+0xe5b9e) (BuildId: 305600544890543236bf1c0f2e587a36513cb519)
    #1 0x55af1ffa9b99 in hog() /tmp/planted/fuzz_planted.cpp:20:64
    #2 0x55af1ffa9286 in LLVMFuzzerTestOneInput /tmp/planted/fuzz_planted.cpp:32:41

SUMMARY: libFuzzer: out-of-memory
"""

AFL_STATS = """\
start_time        : 1795380952
last_update       : 1795380960
run_time          : 8
execs_done        : 408956
execs_per_sec     : 51081.19
corpus_count      : 170
stability         : 100.00%
bitmap_cvg        : 43.82%
saved_crashes     : 2
saved_hangs       : 1
peak_rss_mb       : 0
edges_found       : 305
total_edges       : 696
afl_version       : ++4.04c
target_mode       : persistent shmem_testcase deferred 
command_line      : afl-fuzz -i in -o out -M main -V 8 -- /x/fuzz_units
"""

AFL_PLOT = """\
# relative_time, cycles_done, cur_item, corpus_count, pending_total, pending_favs, map_size, saved_crashes, saved_hangs, max_depth, execs_per_sec, total_execs, edges_found
65, 35, 39, 171, 0, 0, 43.82%, 0, 0, 5, 32781.33, 1715123, 305
70, 36, 40, 172, 0, 0, 43.90%, 1, 0, 5, 33000.00, 1800000, 307
"""


class TargetDiscovery(unittest.TestCase):
    def test_cmake_list(self):
        text = textwrap.dedent("""\
            # set(SQLINK_FUZZ_TARGETS commented_out)
            set(SQLINK_FUZZ_TARGETS host_argv dot_line
                units   CACHE INTERNAL "every fuzz target")
            list(APPEND SQLINK_FUZZ_TARGETS cas_roundtrip)
            """)
        self.assertEqual(fuzz.parse_cmake_target_list(text),
                         ["host_argv", "dot_line", "units", "cas_roundtrip"])

    def test_discover_from_files_and_cache(self):
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            (root / "targets").mkdir()
            (root / "targets" / "CMakeLists.txt").write_text(
                "set(SQLINK_FUZZ_TARGETS a b CACHE INTERNAL \"\")\n")
            (root / "targets" / "extra.cmake").write_text("list(APPEND SQLINK_FUZZ_TARGETS c)\n")
            for n in ("a", "b", "c", "orphan"):
                (root / "targets" / f"fuzz_{n}.cpp").write_text("")
            cache = root / "CMakeCache.txt"
            cache.write_text("SQLINK_FUZZ_TARGETS:INTERNAL=b;a;z\n")
            listed, unlisted = fuzz.discover_targets(root, [cache])
            self.assertEqual(listed, ["b", "a", "z", "c"])
            self.assertEqual(unlisted, ["orphan"])

    def test_real_tree_lists_every_target_file(self):
        listed, unlisted = fuzz.discover_targets(fuzz.ROOT)
        self.assertTrue(listed)
        for n in listed:
            self.assertTrue((fuzz.ROOT / "targets" / f"fuzz_{n}.cpp").is_file(), n)


class Options(unittest.TestCase):
    def test_precedence(self):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "t.options"
            p.write_text("[libfuzzer]\nmax_len = 256\ntimeout = 5\nrss_limit_mb = 1024\n"
                         "use_value_profile = 1\nruns = 7\n")
            opts = fuzz.read_options(p)
        lim = fuzz.resolve_limits(opts, None, None)
        self.assertEqual((lim.timeout_s, lim.rss_limit_mb, lim.max_len), (5, 1024, 256))
        self.assertEqual(lim.extra, {"use_value_profile": "1"})  # runs is the runner's
        lim = fuzz.resolve_limits(opts, 30, 4096)
        self.assertEqual((lim.timeout_s, lim.rss_limit_mb), (30, 4096))
        lim = fuzz.resolve_limits({}, None, None)
        self.assertEqual((lim.timeout_s, lim.rss_limit_mb, lim.max_len), (10, 2048, None))

    def test_goals(self):
        self.assertEqual(fuzz.goal_for("units", {})["min_exec_per_sec_per_core"], 50_000)
        self.assertEqual(fuzz.goal_for("cas_roundtrip", {})["class"], "sqlite")
        self.assertEqual(fuzz.goal_for("bundle_save", {})["min_exec_per_sec_per_core"], 2_000)
        self.assertEqual(fuzz.goal_for("bundle_cli", {"sqlink": {"goal": "parser"}})["class"],
                         "parser")


class EngineOutput(unittest.TestCase):
    def test_libfuzzer_status(self):
        s = fuzz.parse_libfuzzer_status(
            "#4555\tNEW    cov: 335 ft: 834 corp: 153/3202b lim: 269 exec/s: 4555 rss: 54Mb "
            "L: 65/261 MS: 2 ChangeASCIIInt-ChangeASCIIInt-")
        self.assertEqual(s, {"execs": 4555, "event": "NEW", "cov": 335, "ft": 834, "corpus": 153,
                             "corpus_bytes": 3202, "exec_per_sec": 4555, "rss_mb": 54})
        s = fuzz.parse_libfuzzer_status("#262144\tpulse  cov: 334 ft: 834 corp: 178/29Kb "
                                        "lim: 256 exec/s: 16384 rss: 480Mb")
        self.assertEqual((s["event"], s["corpus_bytes"], s["rss_mb"]), ("pulse", 29 << 10, 480))
        s = fuzz.parse_libfuzzer_status("#177\tINITED cov: 335 ft: 833 corp: 152/3176b exec/s: 0 rss: 37Mb")
        self.assertEqual((s["event"], s["exec_per_sec"]), ("INITED", 0))
        self.assertIsNone(fuzz.parse_libfuzzer_status("INFO: Seed: 41374740"))
        self.assertIsNone(fuzz.parse_libfuzzer_status("#1 hello"))

    def test_libfuzzer_final_stats(self):
        s = fuzz.parse_libfuzzer_final_stats(
            "Done 127683 runs in 4 second(s)\nstat::number_of_executed_units: 127683\n"
            "stat::average_exec_per_sec:     31920\nstat::peak_rss_mb:              436\n")
        self.assertEqual(s, {"number_of_executed_units": 127683, "average_exec_per_sec": 31920,
                             "peak_rss_mb": 436})

    def test_afl_stats(self):
        s = fuzz.parse_afl_fuzzer_stats(AFL_STATS)
        self.assertEqual(s["execs_done"], 408956)
        self.assertAlmostEqual(s["execs_per_sec"], 51081.19)
        self.assertEqual((s["edges_found"], s["total_edges"], s["saved_crashes"]), (305, 696, 2))
        self.assertEqual(s["stability"], 100.0)
        self.assertTrue(s["target_mode"].startswith("persistent"))
        old = fuzz.parse_afl_fuzzer_stats("unique_crashes : 4\nunique_hangs : 1\n")
        self.assertEqual((old["saved_crashes"], old["saved_hangs"]), (4, 1))

    def test_afl_plot(self):
        row = fuzz.parse_afl_plot_data(AFL_PLOT)
        self.assertEqual((row["total_execs"], row["edges_found"], row["saved_crashes"]),
                         (1800000, 307, 1))
        self.assertIsNone(fuzz.parse_afl_plot_data("# a, b\n"))


class Frames(unittest.TestCase):
    def test_parse(self):
        f = fuzz.parse_frame("    #7 0x564c46a966a1 in sqlink::fuzz::fail(char const*, int) "
                             "/work/main/targets/common/fuzz_check.hpp:24:3")
        self.assertEqual((f.index, f.function, f.location),
                         (7, "sqlink::fuzz::fail(char const*, int)",
                          "/work/main/targets/common/fuzz_check.hpp:24:3"))
        f = fuzz.parse_frame("    #3 0x7fe75025a04f  (/lib/x86_64-linux-gnu/libc.so.6+0x3c04f) "
                             "(BuildId: 93ac61ec5a8eb1396f9fbd350e3169a558528a40)")
        self.assertIsNone(f.function)
        self.assertEqual(f.module, "/lib/x86_64-linux-gnu/libc.so.6+0x3c04f")
        self.assertTrue(fuzz.is_ignored_frame(f))
        f = fuzz.parse_frame("    #1 0x5 in fuzzer::PrintStackTrace() (/tmp/x/fuzz_a+0x625d8)")
        self.assertEqual(f.function, "fuzzer::PrintStackTrace()")
        self.assertTrue(fuzz.is_ignored_frame(f))
        f = fuzz.parse_frame("    #2 0x5 (/tmp/x/fuzz_a+0x1234)")
        self.assertEqual(f.name(), "fuzz_a+0x1234")
        self.assertIsNone(fuzz.parse_frame("SUMMARY: libFuzzer: timeout"))

    def test_normalize(self):
        n = fuzz.normalize_function
        self.assertEqual(n("heap_overflow(unsigned char const*, unsigned long)"), "heap_overflow")
        self.assertEqual(n("std::vector<int, std::allocator<int> >::at(unsigned long) const"),
                         "std::vector<int, std::allocator<int> >::at")
        self.assertEqual(n("(anonymous namespace)::reference(std::string const&)"),
                         "(anonymous namespace)::reference")
        self.assertEqual(n("Foo::operator()(int) const"), "Foo::operator()")
        self.assertEqual(n("sqlink::name[abi:cxx11](int)"), "sqlink::name")

    def test_ignored(self):
        for fn in ("__asan_memcpy", "malloc", "fuzzer::Fuzzer::ExecuteCallback", "abort",
                   "std::__1::basic_string<char>::append", "operator new(unsigned long)",
                   "sqlink::fuzz::fail(char const*)", "__interceptor_strlen", "main"):
            self.assertTrue(fuzz.is_ignored_frame(fuzz.Frame(0, fn, "/x.cpp:1")), fn)
        for fn in ("sqlink::parse_duration(std::string_view)", "LLVMFuzzerTestOneInput",
                   "heap_overflow"):
            self.assertFalse(fuzz.is_ignored_frame(fuzz.Frame(0, fn, "/src/x.cpp:1")), fn)
        self.assertTrue(fuzz.is_ignored_frame(
            fuzz.Frame(0, "__pthread_kill_implementation", "nptl/./nptl/pthread_kill.c:43:17")))
        self.assertTrue(fuzz.is_ignored_frame(
            fuzz.Frame(0, "helper", "/usr/include/c++/12/bits/stl_vector.h:1123:9")))


class Classify(unittest.TestCase):
    def check(self, text, kind, type_, frames):
        r = fuzz.classify(text, 1)
        self.assertIsNotNone(r)
        self.assertEqual(r.kind, kind)
        self.assertEqual(r.type, type_)
        self.assertEqual(r.top_frames(), frames)
        self.assertEqual(r.signature(), " | ".join([type_] + frames))
        return r

    def test_property(self):
        self.check(PROPERTY, "property", "property violated: n < 2 (fuzz_planted.cpp)",
                   ["LLVMFuzzerTestOneInput"])

    def test_asan(self):
        self.check(HEAP_OVERFLOW, "asan", "asan: heap-buffer-overflow WRITE",
                   ["heap_overflow", "LLVMFuzzerTestOneInput"])

    def test_ubsan(self):
        self.check(UBSAN, "ubsan", "ubsan: signed integer overflow",
                   ["ub_overflow", "LLVMFuzzerTestOneInput"])

    def test_leak(self):
        self.check(LEAK, "leak", "leak", ["leak", "LLVMFuzzerTestOneInput"])

    def test_timeout(self):
        self.check(TIMEOUT, "timeout", "timeout", ["spin", "LLVMFuzzerTestOneInput"])

    def test_oom(self):
        self.check(OOM, "oom", "out-of-memory", ["hog", "LLVMFuzzerTestOneInput"])

    def test_deadly_signal_without_property(self):
        text = PROPERTY.replace("fuzz_planted.cpp:27: property violated: n < 2\n", "")
        text = text.replace("sqlink::fuzz::fail(char const*, int, char const*, std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&) /work/main/targets/common/fuzz_check.hpp:24:3",
                            "sqlink::check_it(int) /src/core/x.cpp:3:1")
        self.check(text, "signal", "abort", ["sqlink::check_it", "LLVMFuzzerTestOneInput"])

    def test_three_frames_at_most(self):
        text = textwrap.dedent("""\
            ==1==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000 (pc 0x1 bp 0x2 sp 0x3 T0)
            ==1==The signal is caused by a READ memory access.
                #0 0x1 in a::f() /src/a.cpp:1:1
                #1 0x2 in a::g() /src/a.cpp:2:1
                #2 0x3 in a::h() /src/a.cpp:3:1
                #3 0x4 in LLVMFuzzerTestOneInput /src/t.cpp:4:1
            """)
        self.check(text, "asan", "asan: SEGV", ["a::f", "a::g", "a::h"])

    def test_ubsan_kind_ignores_values(self):
        a = fuzz.classify("x.cpp:1:2: runtime error: shift exponent 40 is too large for 32-bit type 'int'\n")
        b = fuzz.classify("x.cpp:9:2: runtime error: shift exponent 33 is too large for 32-bit type 'int'\n")
        self.assertEqual(a.type, b.type)
        self.assertEqual(a.type, "ubsan: shift exponent N is too large for N-bit type")

    def test_signature_ignores_addresses_and_pids(self):
        other = re.sub(r"0x[0-9a-f]+", "0xdeadbeef", HEAP_OVERFLOW).replace("==7388==", "==1==")
        self.assertEqual(fuzz.classify(HEAP_OVERFLOW).signature(), fuzz.classify(other).signature())
        self.assertEqual(len(fuzz.signature_id("x")), 16)

    def test_no_crash(self):
        self.assertIsNone(fuzz.classify("Running: x\nExecuted x in 0 ms\n", 0))
        r = fuzz.classify("Running: x\n", 139)
        self.assertEqual((r.kind, r.type), ("crash", "crash (exit 139)"))

    def test_extract_report_from_fuzz_log(self):
        log = ("#2\tINITED cov: 3 ft: 3 corp: 1/1b exec/s: 0 rss: 30Mb\n" + UBSAN +
               "MS: 1 ChangeBit-; base unit: 0\n"
               "artifact_prefix='/w/a/'; Test unit written to /w/a/crash-abc\n"
               "Base64: IVU=\n")
        rep = fuzz.extract_report(log, Path("/w/a/crash-abc"))
        self.assertTrue(rep.startswith("fuzz_planted.cpp:16:68: runtime error"))
        self.assertEqual(fuzz.classify(rep).type, "ubsan: signed integer overflow")
        self.assertEqual(fuzz.extract_report(log, Path("/w/a/crash-zzz")), "")


class Known(unittest.TestCase):
    def test_forms(self):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "known.json"
            p.write_text(json.dumps(["sig a", {"id": "0123456789abcdef", "issue": "#1"},
                                     {"signature": "sig b"}]))
            keys, _ = fuzz.load_known(p)
            self.assertEqual(keys, {"sig a", "0123456789abcdef", "sig b"})
            self.assertEqual(fuzz.load_known(Path(d) / "missing.json")[0], set())
            p.write_text("{}")
            with self.assertRaises(fuzz.UsageError):
                fuzz.load_known(p)

    def test_committed_file_is_a_list(self):
        keys, data = fuzz.load_known(fuzz.ROOT / "corpora" / "known_crashes.json")
        self.assertIsInstance(data, list)


class Corpus(unittest.TestCase):
    def test_copy_and_replace(self):
        with tempfile.TemporaryDirectory() as d:
            d = Path(d)
            t = d / "corpora" / "t"
            (t / "regressions").mkdir(parents=True)
            (t / "hand-named").write_bytes(b"kept")
            (t / hashlib.sha1(b"dropped").hexdigest()).write_bytes(b"dropped")
            (t / "regressions" / "bug-17").write_bytes(b"regression")
            work = d / "work"
            self.assertEqual(fuzz.copy_corpus([t], work), 3)  # regressions are seeds too
            self.assertTrue((work / hashlib.sha1(b"regression").hexdigest()).is_file())
            merged = d / "merged"
            merged.mkdir()
            for data in (b"kept", b"new", b"regression"):
                (merged / f"x{len(data)}").write_bytes(data)
            r = fuzz.replace_corpus(t, merged)
            names = sorted(p.name for p in t.iterdir() if p.is_file())
            self.assertEqual(names, sorted(hashlib.sha1(x).hexdigest() for x in (b"kept", b"new")))
            self.assertEqual((t / "regressions" / "bug-17").read_bytes(), b"regression")
            self.assertEqual((r["before"], r["after"], r["regressions"]), (2, 2, 1))


# A stand-in for a libFuzzer binary: crashes in its first fuzzing run, finishes the second,
# merges by copying, reproduces inputs that start with CRASH, "minimises" by truncating.
FAKE_FUZZER = r'''#!PYTHON
import hashlib, os, sys, time
args = sys.argv[1:]
flags = dict((a[1:].split("=", 1) + [""])[:2] for a in args if a.startswith("-"))
pos = [a for a in args if not a.startswith("-")]
REPORT = """==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x1 at pc 0x2 bp 0x3 sp 0x4
READ of size 4 at 0x1 thread T0
    #0 0x10 in sqlink::parse_thing(std::string_view) /src/core/x.cpp:10:3
    #1 0x11 in sqlink::outer() /src/core/x.cpp:20:3
    #2 0x12 in LLVMFuzzerTestOneInput /src/targets/fuzz_fake.cpp:5:3
    #3 0x13 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) (/b/fuzz_fake+0x1)
SUMMARY: AddressSanitizer: heap-use-after-free /src/core/x.cpp:10:3 in sqlink::parse_thing
"""
err = sys.stderr
if "merge" in flags:
    out, *ins = pos
    for d in ins:
        for base, _, files in os.walk(d):
            for f in files:
                data = open(os.path.join(base, f), "rb").read()
                if not data.startswith(b"CRASH"):
                    open(os.path.join(out, "m" + hashlib.sha1(data).hexdigest()), "wb").write(data)
    sys.exit(0)
if "minimize_crash" in flags:
    data = open(pos[0], "rb").read()
    open(flags["exact_artifact_path"], "wb").write(data[:6])
    sys.exit(0)
if pos and os.path.isfile(pos[0]):
    if open(pos[0], "rb").read().startswith(b"CRASH"):
        err.write(REPORT)
        sys.exit(1)
    sys.exit(0)
corpus = pos[0]
first = not os.path.exists("fake-state")
open("fake-state", "a").write("x")
err.write("INFO: Seed: 1\n#2\tINITED cov: 10 ft: 20 corp: 1/5b exec/s: 0 rss: 30Mb\n")
if first:
    data = b"CRASH-1234"
    path = flags["artifact_prefix"] + "crash-" + hashlib.sha1(data).hexdigest()
    open(path, "wb").write(data)
    err.write(REPORT + "MS: 1 ChangeBit-; base unit: 0\nartifact_prefix='%s'; Test unit written to %s\n"
              % (flags["artifact_prefix"], path))
    sys.exit(1)
open(os.path.join(corpus, hashlib.sha1(b"grown").hexdigest()), "wb").write(b"grown")
time.sleep(min(float(flags["max_total_time"]), 1.5))
err.write("#1000\tNEW    cov: 12 ft: 25 corp: 2/10b lim: 4 exec/s: 500 rss: 31Mb L: 5/5 MS: 1 ChangeBit-\n"
          "#2000\tDONE   cov: 12 ft: 25 corp: 2/10b lim: 4 exec/s: 1000 rss: 31Mb\n"
          "stat::number_of_executed_units: 2000\nstat::average_exec_per_sec:     1000\n"
          "stat::peak_rss_mb:              31\n")
'''


class WholeCampaign(unittest.TestCase):
    def test_fake_libfuzzer_campaign(self):
        with tempfile.TemporaryDirectory() as d:
            d = Path(d)
            bins = d / "bin"
            bins.mkdir()
            fake = bins / "fuzz_fake"
            fake.write_text(FAKE_FUZZER.replace("PYTHON", sys.executable))
            fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
            corpora = d / "corpora"
            (corpora / "fake" / "regressions").mkdir(parents=True)
            (corpora / "fake" / "seed").write_bytes(b"seed")
            (corpora / "fake" / "regressions" / "old-bug").write_bytes(b"old")
            (corpora / "fake.options").write_text("[libfuzzer]\ntimeout = 3\nmax_len = 64\n")
            (corpora / "known_crashes.json").write_text("[]\n")
            out, work = d / "out", d / "work"
            argv = ["--no-build", "--libfuzzer-bin-dir", str(bins), "--targets", "fake",
                    "--time", "4", "--jobs", "1", "--corpora", str(corpora), "--out", str(out),
                    "--work-dir", str(work)]
            rc = fuzz.main(argv)
            self.assertEqual(rc, fuzz.EXIT_NEW_CRASH)
            summary = json.loads((out / "summary.json").read_text())
            t = summary["targets"][0]
            self.assertEqual((t["target"], t["status"], t["restarts"]), ("fake", "done", 1))
            self.assertEqual((t["execs"], t["coverage"], t["features"]), (2002, 12, 25))
            self.assertEqual(t["limits"], {"timeout_s": 3, "rss_limit_mb": 2048, "max_len": 64})
            self.assertEqual(t["corpus"]["after_merge"], 2)  # seed, grown (old stays a regression)
            names = sorted(p.name for p in (corpora / "fake").iterdir() if p.is_file())
            self.assertEqual(names, sorted(hashlib.sha1(x).hexdigest() for x in (b"seed", b"grown")))
            self.assertEqual((corpora / "fake" / "regressions" / "old-bug").read_bytes(), b"old")
            self.assertEqual(len(summary["crashes"]), 1)
            x = summary["crashes"][0]
            self.assertEqual(x["signature"], "asan: heap-use-after-free READ | sqlink::parse_thing"
                                             " | sqlink::outer | LLVMFuzzerTestOneInput")
            self.assertEqual((x["status"], x["reproduced"], x["flaky"]), ("new", "3/3", False))
            crash_dir = out / "crashes" / x["id"]
            self.assertEqual(Path(x["input"]).read_bytes(), b"CRASH-")  # minimised
            self.assertTrue(os.access(x["reproducer"], os.X_OK))
            self.assertIn(str(fake), Path(x["reproducer"]).read_text())
            self.assertTrue((crash_dir / "crash.json").is_file())
            lines = [json.loads(l) for l in (out / "stats.jsonl").read_text().splitlines()]
            self.assertTrue(lines and lines[-1]["final"] and lines[-1]["execs"] == 2002)
            md = (out / "summary.md").read_text()
            self.assertIn("NEW", md)
            self.assertIn(x["id"], md)

            # the same crash, once listed as known, is reported but does not fail the run
            (corpora / "known_crashes.json").write_text(json.dumps([{"id": x["id"]}]))
            rc = fuzz.main(argv + ["--no-merge"])
            self.assertEqual(rc, fuzz.EXIT_OK)
            summary = json.loads((out / "summary.json").read_text())
            self.assertEqual(summary["crashes"][0]["status"], "known")
            self.assertEqual(summary["known_crashes"], 1)

    def test_usage_errors(self):
        self.assertEqual(fuzz.main(["--time", "0"]), fuzz.EXIT_USAGE)
        self.assertEqual(fuzz.main(["--engine", "honggfuzz"]), fuzz.EXIT_USAGE)
        with tempfile.TemporaryDirectory() as d:
            self.assertEqual(fuzz.main(["--no-build", "--targets", "no_such_target",
                                        "--corpora", d, "--out", d, "--work-dir", d]),
                             fuzz.EXIT_USAGE)

    def test_missing_binary_is_a_tool_error(self):
        with tempfile.TemporaryDirectory() as d:
            listed, _ = fuzz.discover_targets(fuzz.ROOT)
            rc = fuzz.main(["--no-build", "--targets", listed[0], "--libfuzzer-bin-dir", d,
                            "--corpora", d, "--out", d, "--work-dir", d])
            self.assertEqual(rc, fuzz.EXIT_TOOL)


class Markdown(unittest.TestCase):
    def test_afl_modes_only(self):
        md = fuzz.render_markdown({"targets": [], "crashes": [], "afl_modes": [{
            "target": "units", "time_s": 10, "ratio": 12.5, "goal_met": True,
            "persistent": {"exec_per_sec": 50000}, "forkserver": {"exec_per_sec": 4000}}]})
        self.assertIn("12.5×", md)


if __name__ == "__main__":
    unittest.main()
