# Runs fuzz_config for SECONDS from the seed corpus; fails on any crash.
set(seeds ${WORK}/seeds)
file(REMOVE_RECURSE ${seeds})
file(MAKE_DIRECTORY ${seeds} ${WORK}/corpus)
file(GLOB samples ${SOURCE}/docs/samples/*.xml ${SOURCE}/modules/*/conf/userconfig.xml
     ${SOURCE}/agent/config/testdata/*.xml)
set(n 0)
foreach(f ${samples})
  file(READ ${f} text)
  if(text MATCHES "<cluster>[ \t\r\n]*<lans>")
    set(prefix "1")
  else()
    set(prefix "0")
  endif()
  file(WRITE ${seeds}/seed${n}.xml "${prefix}${text}")
  math(EXPR n "${n} + 1")
endforeach()
execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048
          -dict=${SOURCE}/tests/fuzz/config/config.dict -print_final_stats=1
          ${WORK}/corpus ${seeds}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX MATCH "stat::number_of_executed_units: *[0-9]+" runs "${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fuzz_config failed (${rc}):\n${err}")
endif()
message(STATUS "fuzz_config: no crash in ${SECONDS}s; ${runs}")
