# ctest helper: unpack a .safe, check its scripts are executable and its
# configuration valid (safectl config check).
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
execute_process(COMMAND ${CMAKE_COMMAND} -E tar xf ${SAFE} WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cannot unpack ${SAFE}")
endif()
foreach(f conf/userconfig.xml bin/start_both bin/stop_both)
  if(NOT EXISTS ${WORK}/${f})
    message(FATAL_ERROR "${SAFE} lacks ${f}")
  endif()
endforeach()
execute_process(COMMAND ${SAFECTL} config check --no-interfaces --cluster ${CLUSTER} ${WORK}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "safectl config check ${WORK} failed (${rc}):\n${out}${err}")
endif()
message(STATUS "${out}")
