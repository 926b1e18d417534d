# The resolver module: artifact resolution chain and the HTTP(S) transport it fetches with.
# Included from core/CMakeLists.txt; https needs libssl on top of the libcrypto the core has.
find_package(OpenSSL 3 REQUIRED COMPONENTS SSL)
target_sources(sqlink PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/artifact_uri.cpp
  ${CMAKE_CURRENT_LIST_DIR}/chain.cpp
  ${CMAKE_CURRENT_LIST_DIR}/connect.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_response.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_transport.cpp
  ${CMAKE_CURRENT_LIST_DIR}/read_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scheme_policy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tls.cpp
  ${CMAKE_CURRENT_LIST_DIR}/url.cpp
)
target_link_libraries(sqlink PUBLIC OpenSSL::SSL)
