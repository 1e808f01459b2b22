# Packs modules/<name>/ (conf/ and bin/) into <build>/modules/<name>.safe, a
# zip whose top level holds conf/ and bin/, at build time; a test unpacks each
# archive and checks it with safectl. Included from modules/CMakeLists.txt
# and, until the top level adds that folder, from agent/safectl/CMakeLists.txt.
if(TARGET safefarm_modules)
  return()
endif()

set(SAFEFARM_MODULE_NAMES farm apache_farm)
set(SAFEFARM_MODULES_OUT ${CMAKE_BINARY_DIR}/modules)
set(_safes)
foreach(module ${SAFEFARM_MODULE_NAMES})
  set(_src ${PROJECT_SOURCE_DIR}/modules/${module})
  file(GLOB_RECURSE _files CONFIGURE_DEPENDS ${_src}/conf/* ${_src}/bin/*)
  add_custom_command(
    OUTPUT ${SAFEFARM_MODULES_OUT}/${module}.safe
    COMMAND ${CMAKE_COMMAND} -E make_directory ${SAFEFARM_MODULES_OUT}
    COMMAND ${CMAKE_COMMAND} -E tar cf ${SAFEFARM_MODULES_OUT}/${module}.safe --format=zip conf bin
    WORKING_DIRECTORY ${_src}
    DEPENDS ${_files}
    COMMENT "Packing ${module}.safe")
  list(APPEND _safes ${SAFEFARM_MODULES_OUT}/${module}.safe)
endforeach()
add_custom_target(safefarm_modules ALL DEPENDS ${_safes})

foreach(module ${SAFEFARM_MODULE_NAMES})
  add_test(NAME module_${module}_safe
    COMMAND ${CMAKE_COMMAND}
      -DSAFE=${SAFEFARM_MODULES_OUT}/${module}.safe
      -DWORK=${CMAKE_BINARY_DIR}/modules/check/${module}
      -DSAFECTL=$<TARGET_FILE:safectl>
      -DCLUSTER=${PROJECT_SOURCE_DIR}/docs/samples/cluster.xml
      -P ${PROJECT_SOURCE_DIR}/modules/CheckModule.cmake)
endforeach()
