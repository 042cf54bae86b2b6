# dgc.cmake: compile DynamicGate-MLP models (.dg) to C inside a CMake build.
#
#   set(DGC_EXECUTABLE /path/to/dgc)      # or found on the PATH
#   include(path/to/dgc.cmake)
#   add_executable(app main.c)
#   dgc_add_model(app models/net.dg [PREFIX net] [OPTIONS opt...] [OUTPUT_DIR dir] [NO_LIBM])
#   e.g. OPTIONS --target cortex-m4 (the core's preset, docs/embedding.md)
#
# Adds NAME.c (NAME: the .dg file name without .dg) to the target's sources,
# the output directory (default ${CMAKE_CURRENT_BINARY_DIR}/dgc) to its
# include path, and links libm unless NO_LIBM. The C is regenerated when the
# .dg, a weight file it names (its `weights "FILE";` statements, one per
# line), the options or the dgc program change; CMake reconfigures when the
# .dg changes, so a new weights statement is seen.

if(NOT DGC_EXECUTABLE)
  find_program(DGC_EXECUTABLE dgc REQUIRED)
endif()

function(dgc_add_model target model)
  cmake_parse_arguments(DGC "NO_LIBM" "PREFIX;OUTPUT_DIR" "OPTIONS" ${ARGN})
  get_filename_component(abs "${model}" ABSOLUTE)
  get_filename_component(name "${model}" NAME_WE)
  get_filename_component(dir "${abs}" DIRECTORY)
  if(NOT DGC_OUTPUT_DIR)
    set(DGC_OUTPUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/dgc")
  endif()
  file(MAKE_DIRECTORY "${DGC_OUTPUT_DIR}") # dgc creates files, not directories
  set(c "${DGC_OUTPUT_DIR}/${name}.c")
  set(h "${DGC_OUTPUT_DIR}/${name}.h")
  set(opts ${DGC_OPTIONS})
  if(DGC_PREFIX)
    list(APPEND opts --prefix ${DGC_PREFIX})
  endif()

  set(deps "${abs}")
  file(STRINGS "${abs}" lines REGEX "^[ \t]*weights[ \t]+\"")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[ \t]*weights[ \t]+\"([^\"]*)\".*" "\\1" w "${line}")
    list(APPEND deps "${dir}/${w}")
  endforeach()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${abs}")

  # A changed command line (OPTIONS, PREFIX) reruns the command by itself:
  # CMake's generators track it (tests/firmware/dgc_cmake_test.sh checks).
  add_custom_command(
    OUTPUT "${c}" "${h}"
    COMMAND "${DGC_EXECUTABLE}" ${opts} "${abs}" -o "${c}" --header "${h}"
    DEPENDS ${deps} "${DGC_EXECUTABLE}"
    COMMENT "dgc ${model}"
    VERBATIM)
  target_sources(${target} PRIVATE "${c}" "${h}")
  target_include_directories(${target} PRIVATE "${DGC_OUTPUT_DIR}")
  if(NOT DGC_NO_LIBM)
    target_link_libraries(${target} PRIVATE m)
  endif()
endfunction()
