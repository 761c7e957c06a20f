# optin_web: the static pages under web/static/, embedded in the binary, and the routes that
# serve them. Included from firmware/CMakeLists.txt. Adding or editing a file under static/
# regenerates web_static_data.cpp at build time (the glob re-runs on every build).
file(GLOB_RECURSE OPTIN_WEB_STATIC_FILES CONFIGURE_DEPENDS
     "${CMAKE_CURRENT_LIST_DIR}/static/*")
set(OPTIN_WEB_GENERATED "${CMAKE_CURRENT_BINARY_DIR}/web/web_static_data.cpp")
add_custom_command(
  OUTPUT "${OPTIN_WEB_GENERATED}"
  COMMAND "${CMAKE_COMMAND}" -DROOT=${CMAKE_CURRENT_LIST_DIR}/static -DOUT=${OPTIN_WEB_GENERATED}
          -DHEADER=web/static_assets.h -DNAMESPACE=optin::web::detail -DENTRY=EmbeddedFile
          -DTABLE=kEmbeddedFiles -DCOUNT=kEmbeddedFileCount
          -P "${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake"
  DEPENDS ${OPTIN_WEB_STATIC_FILES} "${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake"
  COMMENT "Embedding firmware/web/static/"
  VERBATIM)
optin_module(optin_web web DEPS optin_net)
target_sources(optin_web PRIVATE "${OPTIN_WEB_GENERATED}")
