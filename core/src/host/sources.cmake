# The host module: the patched API table, its wrappers, the allowlist and the Session.
target_sources(sqlink PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/api_table.cpp
  ${CMAKE_CURRENT_LIST_DIR}/wrappers.cpp
  ${CMAKE_CURRENT_LIST_DIR}/hooks.cpp
  ${CMAKE_CURRENT_LIST_DIR}/destroy_pool.cpp
  ${CMAKE_CURRENT_LIST_DIR}/connections.cpp
  ${CMAKE_CURRENT_LIST_DIR}/names.cpp
  ${CMAKE_CURRENT_LIST_DIR}/allowlist.cpp
  ${CMAKE_CURRENT_LIST_DIR}/library.cpp
  ${CMAKE_CURRENT_LIST_DIR}/live_names.cpp
  ${CMAKE_CURRENT_LIST_DIR}/session.cpp)
