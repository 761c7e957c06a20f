# optin_module(NAME dir DEPS ...): a static library from every .cpp in `dir`
# (globbed, so adding a file needs no edit here). Include roots are the
# repository and firmware/, so headers read as "platform/clock.h", "store/database.h".
# A folder with no sources yet becomes an interface library.
function(optin_module name dir)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS "${dir}/*.cpp")
  if(srcs)
    add_library(${name} STATIC ${srcs})
    target_include_directories(${name} PUBLIC "${PROJECT_SOURCE_DIR}" "${PROJECT_SOURCE_DIR}/firmware")
    target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  else()
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE "${PROJECT_SOURCE_DIR}" "${PROJECT_SOURCE_DIR}/firmware")
    target_link_libraries(${name} INTERFACE ${ARG_DEPS})
  endif()
endfunction()
