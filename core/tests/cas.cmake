# Tests of the cas module (core/src/cas): the store, its schema and migrations, maintenance and
# transfer between files; and the reliability suite that kills, races and starves the store.
sqlink_test(cas_store_test SOURCES cas_store_test.cpp LABELS unit)
sqlink_test(cas_schema_test SOURCES cas_schema_test.cpp LABELS unit)
sqlink_test(cas_maintenance_test SOURCES cas_maintenance_test.cpp LABELS unit)
sqlink_test(cas_transfer_test SOURCES cas_transfer_test.cpp LABELS unit)
sqlink_test(cas_sqlite_test SOURCES cas_sqlite_test.cpp LABELS unit)
sqlink_test(reliability_crash_test SOURCES reliability_crash_test.cpp LABELS reliability)
sqlink_test(reliability_concurrency_test SOURCES reliability_concurrency_test.cpp LABELS reliability)
sqlink_test(reliability_hostile_fs_test SOURCES reliability_hostile_fs_test.cpp LABELS reliability)
