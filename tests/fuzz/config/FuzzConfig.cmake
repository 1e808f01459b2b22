# fuzz_config: the configuration parsers under libFuzzer + ASan + UBSan.
# The project compiles with g++, so clang++ builds this one binary directly
# (a custom command over the parser's sources; pugixml linked as is). The
# ctest `fuzz_config` runs it for SAFEFARM_FUZZ_SECONDS (60) from a seed
# corpus of docs/samples and the modules; any crash fails.
# Included from agent/config/CMakeLists.txt and tests/fuzz/config/CMakeLists.txt:
# the guard makes the second inclusion a no-op.
if(TARGET fuzz_config_build)
  return()
endif()

find_program(SAFEFARM_CLANGXX NAMES clang++ clang++-14)
if(NOT SAFEFARM_CLANGXX)
  message(WARNING "clang++ not found: the fuzz_config target and test are not built")
  return()
endif()
set(SAFEFARM_FUZZ_SECONDS 60 CACHE STRING "how long the fuzz_config test runs")

set(_fuzz_dir ${CMAKE_BINARY_DIR}/tests/fuzz/config)
set(_fuzz_bin ${_fuzz_dir}/fuzz_config)
set(_fuzz_sources
  ${PROJECT_SOURCE_DIR}/tests/fuzz/config/FuzzConfig.cpp
  ${PROJECT_SOURCE_DIR}/agent/config/Duration.cpp
  ${PROJECT_SOURCE_DIR}/agent/config/Vocabulary.cpp
  ${PROJECT_SOURCE_DIR}/agent/config/XmlReader.cpp
  ${PROJECT_SOURCE_DIR}/agent/config/ClusterConfig.cpp
  ${PROJECT_SOURCE_DIR}/agent/config/ModuleConfig.cpp
  ${PROJECT_SOURCE_DIR}/agent/config/ConfigDiff.cpp
  ${PROJECT_SOURCE_DIR}/agent/common/NetAddr.cpp)
file(GLOB _fuzz_headers ${PROJECT_SOURCE_DIR}/agent/config/*.h ${PROJECT_SOURCE_DIR}/agent/common/*.h)
add_custom_command(
  OUTPUT ${_fuzz_bin}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${_fuzz_dir}/corpus
  COMMAND ${SAFEFARM_CLANGXX} -std=c++20 -g -O1 -Wall -Wextra -Werror -Wno-missing-field-initializers
          -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
          -I${PROJECT_SOURCE_DIR}/agent ${_fuzz_sources} -lpugixml -o ${_fuzz_bin}
  DEPENDS ${_fuzz_sources} ${_fuzz_headers}
  COMMENT "Building fuzz_config with clang++ (libFuzzer)"
  VERBATIM)
add_custom_target(fuzz_config_build ALL DEPENDS ${_fuzz_bin})

# Seeds: every sample and module configuration, prefixed with the selector
# byte (cluster.xml: odd, userconfig.xml: even).
add_test(NAME fuzz_config
  COMMAND ${CMAKE_COMMAND}
    -DFUZZER=${_fuzz_bin} -DWORK=${_fuzz_dir} -DSECONDS=${SAFEFARM_FUZZ_SECONDS}
    -DSOURCE=${PROJECT_SOURCE_DIR}
    -P ${PROJECT_SOURCE_DIR}/tests/fuzz/config/RunFuzz.cmake)
set_tests_properties(fuzz_config PROPERTIES LABELS fuzz TIMEOUT 600)
