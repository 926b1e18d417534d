# Tests of the fuzzing campaign runner (scripts/fuzz.py) and of the OSS-Fuzz/ClusterFuzzLite
# build script (ci/oss-fuzz/build.sh). Included from targets/CMakeLists.txt.
#   fuzz.runner.unit        parsing, classification, signatures, merge rules, and a whole
#                           campaign against a fake libFuzzer binary (a few seconds)
#   fuzz.oss_fuzz_build     runs build.sh with the environment OSS-Fuzz gives it (clang-14,
#                           ASan, libFuzzer) and checks $OUT (label slow; ~1-3 minutes)
# and of the other scripts a run or CI uses:
#   ci.workflows            every workflow under ci/ is well formed and names only the
#                           subcommands and options `scripts/harness --help` lists (label unit)
#   report.dashboard_browser  the dashboard (scripts/report.py) from fixtures, in headless
#                           Chromium: no console error or network request, every section and
#                           chart drawn, a screenshot (label slow; ~15 s; skipped without chromium)
if(NOT BUILD_TESTING OR NOT SQLINK_FUZZ_ENGINE STREQUAL "replay")
  return()
endif()
find_package(Python3 3.9 COMPONENTS Interpreter)
if(NOT Python3_Interpreter_FOUND)
  message(STATUS "fuzz runner tests skipped: no Python 3 interpreter")
  return()
endif()

add_test(NAME fuzz.runner.unit
         COMMAND ${Python3_EXECUTABLE} -m unittest test_fuzz
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/scripts/tests)
set_tests_properties(fuzz.runner.unit PROPERTIES LABELS "fuzz;unit" TIMEOUT 120)

add_test(NAME ci.workflows
         COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/tests/test_workflows.py)
set_tests_properties(ci.workflows PROPERTIES LABELS "unit" TIMEOUT 60 SKIP_RETURN_CODE 77)

# The OSS-Fuzz build compiles with its own flags, so one run per checkout is enough: the
# sanitizer presets skip it.
if(SQLINK_SANITIZE)
  return()
endif()
add_test(NAME fuzz.oss_fuzz_build
         COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/tests/test_oss_fuzz_build.py)
set_tests_properties(fuzz.oss_fuzz_build PROPERTIES LABELS "fuzz;slow" TIMEOUT 600
                     SKIP_RETURN_CODE 77)

# The page does not depend on how the code was built: one run per checkout, like the above.
add_test(NAME report.dashboard_browser
         COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/tests/test_dashboard.py
                 --out ${CMAKE_BINARY_DIR}/dashboard-test)
set_tests_properties(report.dashboard_browser PROPERTIES LABELS "slow" TIMEOUT 180
                     SKIP_RETURN_CODE 77)
