# Tests of the bundle module (core/src/bundle), on real store files.
sqlink_test(bundle_test SOURCES bundle_test.cpp LABELS unit)
