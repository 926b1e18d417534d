# The cas module: the content-addressed store on SQLite, its schema snapshots and migrations.
# The committed snapshots (schema/v1.sql ... v4.sql) are compiled in as string literals, so a
# snapshot edit re-runs configure and rebuilds the library.
set(_sqlink_cas_dir ${CMAKE_CURRENT_LIST_DIR})
set(_sqlink_cas_generated ${CMAKE_CURRENT_BINARY_DIR}/generated/cas/schema_snapshots.cpp)
foreach(version 1 2 3 4)
  file(READ ${_sqlink_cas_dir}/schema/v${version}.sql SQLINK_CAS_SCHEMA_V${version})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
               ${_sqlink_cas_dir}/schema/v${version}.sql)
endforeach()
configure_file(${_sqlink_cas_dir}/schema/snapshots.cpp.in ${_sqlink_cas_generated} @ONLY)

target_sources(sqlink PRIVATE
  ${_sqlink_cas_dir}/sqlite.cpp
  ${_sqlink_cas_dir}/schema.cpp
  ${_sqlink_cas_dir}/migrate.cpp
  ${_sqlink_cas_dir}/location.cpp
  ${_sqlink_cas_dir}/store.cpp
  ${_sqlink_cas_dir}/usage.cpp
  ${_sqlink_cas_dir}/artifacts.cpp
  ${_sqlink_cas_dir}/catalog.cpp
  ${_sqlink_cas_dir}/gc.cpp
  ${_sqlink_cas_dir}/verify.cpp
  ${_sqlink_cas_dir}/transfer.cpp
  ${_sqlink_cas_dir}/doctor.cpp
  ${_sqlink_cas_generated})
