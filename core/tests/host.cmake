# The host module's tests, and the fixture extensions they load: plain C with
# SQLITE_EXTENSION_INIT1/2, built as MODULE libraries named like a real extension (fx_alpha.so).
set(SQLINK_HOST_FIXTURES fx_alpha fx_beta fx_nodecl fx_kinds fx_hooks fx_fail fx_wide fx_direct
                          fx_probe fx_decl)
foreach(fx IN LISTS SQLINK_HOST_FIXTURES)
  add_library(sqlink_${fx} MODULE fixtures/ext/${fx}.c)
  set_target_properties(sqlink_${fx} PROPERTIES PREFIX "" OUTPUT_NAME ${fx}
                        LIBRARY_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/fixtures/ext)
  target_include_directories(sqlink_${fx} PRIVATE ${SQLite3_INCLUDE_DIRS})
  target_link_libraries(sqlink_${fx} PRIVATE sqlink_warnings)
endforeach()

# A host test sees every fixture's path as SQLINK_FX_<NAME> and is built after them.
function(sqlink_host_test name)
  sqlink_test(${name} ${ARGN})
  foreach(fx IN LISTS SQLINK_HOST_FIXTURES)
    string(TOUPPER ${fx} upper)
    target_compile_definitions(${name} PRIVATE SQLINK_${upper}="$<TARGET_FILE:sqlink_${fx}>")
    add_dependencies(${name} sqlink_${fx})
  endforeach()
endfunction()

sqlink_host_test(host_names_test SOURCES host_names_test.cpp LABELS unit)
sqlink_host_test(host_allowlist_test SOURCES host_allowlist_test.cpp LABELS unit)
sqlink_host_test(host_load_test SOURCES host_load_test.cpp LABELS unit)
sqlink_host_test(host_library_test SOURCES host_library_test.cpp LABELS unit)
sqlink_test(host_destroy_pool_test SOURCES host_destroy_pool_test.cpp LABELS unit)
sqlink_test(host_api_table_test SOURCES host_api_table_test.cpp LABELS unit)
sqlink_host_test(host_prefer_test SOURCES host_prefer_test.cpp LABELS unit)
sqlink_host_test(host_live_names_test SOURCES host_live_names_test.cpp LABELS unit)
sqlink_host_test(host_pcre_test SOURCES host_pcre_test.cpp LABELS unit)
sqlink_host_test(host_spatialite_test SOURCES host_spatialite_test.cpp LABELS slow)

# The CLI session test loads a fixture by hash too: Debian's pcre.so leaks by design, and
# loaded by hash it is named after the hash, where the LeakSanitizer suppression cannot see it.
if(TARGET cli_session_test)
  target_compile_definitions(cli_session_test PRIVATE SQLINK_FX_ALPHA="$<TARGET_FILE:sqlink_fx_alpha>"
                             SQLINK_FX_BETA="$<TARGET_FILE:sqlink_fx_beta>")
  add_dependencies(cli_session_test sqlink_fx_alpha sqlink_fx_beta)
endif()

# The CLI's .load in-process, to watch the descriptors it opens.
sqlink_host_test(cli_load_fd_test SOURCES cli_load_fd_test.cpp LABELS unit
                 LIBS sqlink_cli nlohmann_json::nlohmann_json)
