# Installs the built sqlink into a scratch prefix, then builds and runs a consumer program
# against it twice: through find_package(sqlink CONFIG) and through pkg-config.
# Inputs: SOURCE_DIR, BINARY_DIR, WORK_DIR, CXX, CONFIG, EXTRA_FLAGS (sanitizer/coverage flags).
cmake_minimum_required(VERSION 3.20)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(LAST_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

set(expected "sqlink 0.1.0: 7200s; out_of_range; tools\n")
set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
run(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${prefix} --config ${CONFIG})

# 1. CMake package.
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/core/tests/consumer -B ${WORK_DIR}/cmake-build -G Ninja
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX}
    "-DCMAKE_CXX_FLAGS=${EXTRA_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${EXTRA_FLAGS}")
run(${CMAKE_COMMAND} --build ${WORK_DIR}/cmake-build)
run(${WORK_DIR}/cmake-build/consumer)
if(NOT LAST_OUTPUT STREQUAL expected)
  message(FATAL_ERROR "find_package consumer printed '${LAST_OUTPUT}', expected '${expected}'")
endif()

# 2. pkg-config.
file(GLOB pc_dirs ${prefix}/lib*/pkgconfig ${prefix}/lib/*/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "${pc_dirs}")
run(pkg-config --cflags --libs sqlink)
string(STRIP "${LAST_OUTPUT}" pc_flags)
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
separate_arguments(extra UNIX_COMMAND "${EXTRA_FLAGS}")
run(${CXX} ${extra} ${SOURCE_DIR}/core/tests/consumer/main.cpp ${pc_flags} -o ${WORK_DIR}/consumer-pc)
run(${WORK_DIR}/consumer-pc)
if(NOT LAST_OUTPUT STREQUAL expected)
  message(FATAL_ERROR "pkg-config consumer printed '${LAST_OUTPUT}', expected '${expected}'")
endif()
message(STATUS "consumer built and ran through find_package and pkg-config")
