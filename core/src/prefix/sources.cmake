# The prefix module: naming rules, the registry in the user database, pins and reports.
target_sources(sqlink PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/naming.cpp
  ${CMAKE_CURRENT_LIST_DIR}/checks.cpp
  ${CMAKE_CURRENT_LIST_DIR}/registry.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bindings.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pins.cpp
  ${CMAKE_CURRENT_LIST_DIR}/report.cpp)
