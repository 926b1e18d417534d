# The prefix module's tests: its naming rules, and the registry on a real database file.
sqlink_test(prefix_naming_test SOURCES prefix_naming_test.cpp LABELS unit)
sqlink_test(prefix_registry_test SOURCES prefix_registry_test.cpp LABELS unit)
