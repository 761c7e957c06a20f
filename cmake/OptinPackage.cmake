# The Debian package (issue 8): `cpack -G DEB` in a build directory, or tools/package.
#   /usr/sbin/optin-edged, /usr/bin/optinctl
#   /etc/optin-edge/optin-edge.toml     the default config as a conffile (data_dir points at
#                                       /var/lib/optin-edge)
#   /lib/systemd/system/optin-edge.service
#   /usr/share/doc/optin-edge/          README.md, copyright, changelog.gz
#   /usr/share/man/man8/optin-edged.8.gz, /usr/share/man/man1/optinctl.1.gz
# Maintainer scripts in config/debian/: postinst creates the system user and group optin-edge
# and /var/lib/optin-edge (0700, theirs) and enables and starts the unit; prerm stops it on
# removal; postrm on purge deletes the data dir (shredding the database and keys first), the
# user and the group. What they share with optin-hq's scripts is config/debian/
# maintscript-helpers.sh, inlined by optin_maintainer_scripts below. Library dependencies come
# from dpkg-shlibdeps. optin-hq's package is cmake/OptinHqPackage.cmake.

# Everything the package holds is the `store-box` component (the HQ service, optin-hq, runs at
# the chain's HQ, not on store boxes).
install(TARGETS optin-edged RUNTIME DESTINATION sbin COMPONENT store-box)
install(TARGETS optinctl RUNTIME DESTINATION bin COMPONENT store-box)
# `cpack` and `ninja install` install what is built (tools/package builds optin-edged and optinctl
# first) instead of building every test and benchmark on the way.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

# The shipped config with the package's data dir: everything else as in config/optin-edge.toml.
set(_pkg_dir "${PROJECT_BINARY_DIR}/package")
file(READ "${PROJECT_SOURCE_DIR}/config/optin-edge.toml" _config)
string(REGEX REPLACE "\ndata_dir = \"[^\"]*\"" "\ndata_dir = \"/var/lib/optin-edge\"" _config
       "${_config}")
string(PREPEND _config
       "# /etc/optin-edge/optin-edge.toml, installed by the optin-edge Debian package as a conffile\n"
       "# (your edits survive upgrades). optin-edged reads it at start and again at\n"
       "# `systemctl reload optin-edge` (SIGHUP). It differs from the built-in defaults in data_dir.\n"
       "#\n")
file(CONFIGURE OUTPUT "${_pkg_dir}/optin-edge.toml" CONTENT "${_config}" @ONLY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             "${PROJECT_SOURCE_DIR}/config/optin-edge.toml")
install(FILES "${_pkg_dir}/optin-edge.toml" DESTINATION /etc/optin-edge
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
        COMPONENT store-box)
install(FILES "${PROJECT_SOURCE_DIR}/config/optin-edge.service" DESTINATION /lib/systemd/system
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
        COMPONENT store-box)

# Documentation: the README, the copyright notice and a changelog, compressed as Debian wants.
file(WRITE "${_pkg_dir}/changelog"
     "optin-edge (${PROJECT_VERSION}) stable; urgency=medium\n\n"
     "  * Built from the optin-edge repository; see README.md for what it does.\n\n"
     " -- optin-edge developers <dev@optin-edge.invalid>  Mon, 23 Nov 2026 00:00:00 +0000\n")
execute_process(COMMAND gzip -9nf "${_pkg_dir}/changelog")
install(FILES "${PROJECT_SOURCE_DIR}/README.md" "${PROJECT_SOURCE_DIR}/config/debian/copyright"
              "${_pkg_dir}/changelog.gz"
        DESTINATION share/doc/optin-edge
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
        COMPONENT store-box)

# Manual pages, compressed.
foreach(_page optin-edged.8 optinctl.1)
  configure_file("${PROJECT_SOURCE_DIR}/config/debian/${_page}" "${_pkg_dir}/man/${_page}" COPYONLY)
  execute_process(COMMAND gzip -9nf "${_pkg_dir}/man/${_page}")
endforeach()
install(FILES "${_pkg_dir}/man/optin-edged.8.gz" DESTINATION share/man/man8
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
        COMPONENT store-box)
install(FILES "${_pkg_dir}/man/optinctl.1.gz" DESTINATION share/man/man1
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
        COMPONENT store-box)

# The maintainer scripts postinst, prerm and postrm of SRC_DIR, written to OUT_DIR executable
# (the conffiles list must not be) with config/debian/maintscript-helpers.sh inlined at their
# line #OPTIN_MAINTSCRIPT_HELPERS#.
function(optin_maintainer_scripts src_dir out_dir)
  set(_helpers_file "${PROJECT_SOURCE_DIR}/config/debian/maintscript-helpers.sh")
  file(READ "${_helpers_file}" _helpers)
  set(_marker "\n#OPTIN_MAINTSCRIPT_HELPERS#\n")
  foreach(_script postinst prerm postrm)
    file(READ "${src_dir}/${_script}" _text)
    string(FIND "${_text}" "${_marker}" _at)
    if(_at EQUAL -1)
      message(FATAL_ERROR "${src_dir}/${_script} lacks the line #OPTIN_MAINTSCRIPT_HELPERS#")
    endif()
    string(REPLACE "${_marker}" "\n${_helpers}\n" _text "${_text}")
    file(WRITE "${out_dir}/${_script}" "${_text}")
    file(CHMOD "${out_dir}/${_script}" FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
               GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${src_dir}/${_script}")
  endforeach()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_helpers_file}")
endfunction()
optin_maintainer_scripts("${PROJECT_SOURCE_DIR}/config/debian" "${_pkg_dir}/control")
file(WRITE "${_pkg_dir}/control/conffiles" "/etc/optin-edge/optin-edge.toml\n")

set(CPACK_GENERATOR "DEB")
set(CPACK_INSTALL_CMAKE_PROJECTS "${PROJECT_BINARY_DIR};optin-edge;store-box;/")
set(CPACK_PACKAGE_NAME "optin-edge")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "optin-edge developers <dev@optin-edge.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "in-store personalization service with opt-in consent")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# The synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY; CPack indents these lines and turns the
# empty one into " .".
string(CONCAT CPACK_DEBIAN_PACKAGE_DESCRIPTION
       "optin-edge runs on a store's Linux box: shoppers check in from their phone or\n"
       "a loyalty scan and choose what they allow (offers, staff assistance, history,\n"
       "HQ aggregates), and staff see help requests live. Consent is recorded with\n"
       "signed receipts, nothing personal leaves the box, and it works offline.\n"
       "\n"
       "This package installs the optin-edged daemon, the optinctl tool, the default\n"
       "configuration in /etc/optin-edge and a hardened systemd unit.")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# adduser creates the system user (useradd from passwd is the fallback).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${_pkg_dir}/control/postinst;${_pkg_dir}/control/prerm;${_pkg_dir}/control/postrm;${_pkg_dir}/control/conffiles")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)

include(OptinHqPackage)
