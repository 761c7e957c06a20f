# optin-hq's Debian package (issue 15), built from this project beside optin-edge's
# (cmake/OptinPackage.cmake, which includes this file after include(CPack)):
#   /usr/sbin/optin-hq                       the HQ service (stripped)
#   /etc/default/optin-hq                    its arguments (OPTIN_HQ_ARGS), a conffile
#   /lib/systemd/system/optin-hq.service     the hardened unit (Type=exec: optin-hq does not
#                                            notify systemd)
#   /usr/libexec/optin-hq/tls-ready          the unit's ExecCondition: skips the start until the
#                                            TLS files the arguments name are there
#   /usr/share/doc/optin-hq/                 README.md, copyright, changelog.gz
#   /usr/share/man/man8/optin-hq.8.gz
# Maintainer scripts in config/debian/optin-hq/, with config/debian/maintscript-helpers.sh
# inlined: postinst creates the user and group optin-hq, /var/lib/optin-hq (0700) and
# /etc/optin-hq/tls (root:optin-hq, 0750), enables the unit and starts it where systemd runs;
# prerm stops it on removal; postrm on purge shreds the data dir and deletes the user and group.
# Everything here is the `optin-hq` component. CPack's own config (CPackConfig.cmake) makes
# optin-edge; CPackConfig-optin-hq.cmake includes it and changes what differs for optin-hq:
#   cpack --config CPackConfig-optin-hq.cmake    (tools/package --hq)
# Depends: adduser, libjs-chart.js (the dashboard's charts) and what dpkg-shlibdeps finds;
# Suggests: postgresql-15 (the embedded SQLite needs no server).
install(TARGETS optin-hq RUNTIME DESTINATION sbin COMPONENT optin-hq)

set(_hq_src "${PROJECT_SOURCE_DIR}/config/debian/optin-hq")
set(_hq_dir "${PROJECT_BINARY_DIR}/package/optin-hq")
set(_hq_read_perms OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
set(_hq_exec_perms OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
                   WORLD_EXECUTE)

install(FILES "${_hq_src}/optin-hq.default" DESTINATION /etc/default RENAME optin-hq
        PERMISSIONS ${_hq_read_perms} COMPONENT optin-hq)
install(FILES "${PROJECT_SOURCE_DIR}/config/optin-hq.service" DESTINATION /lib/systemd/system
        PERMISSIONS ${_hq_read_perms} COMPONENT optin-hq)
install(PROGRAMS "${_hq_src}/tls-ready" DESTINATION libexec/optin-hq
        PERMISSIONS ${_hq_exec_perms} COMPONENT optin-hq)

# Documentation: the README, the copyright notice and a changelog, compressed as Debian wants.
file(WRITE "${_hq_dir}/changelog"
     "optin-hq (${PROJECT_VERSION}) stable; urgency=medium\n\n"
     "  * Built from the optin-edge repository; see README.md, \"HQ service: optin-hq\".\n\n"
     " -- optin-edge developers <dev@optin-edge.invalid>  Sun, 06 Dec 2026 00:00:00 +0000\n")
execute_process(COMMAND gzip -9nf "${_hq_dir}/changelog")
install(FILES "${PROJECT_SOURCE_DIR}/README.md" "${PROJECT_SOURCE_DIR}/config/debian/copyright"
              "${_hq_dir}/changelog.gz"
        DESTINATION share/doc/optin-hq PERMISSIONS ${_hq_read_perms} COMPONENT optin-hq)

configure_file("${_hq_src}/optin-hq.8" "${_hq_dir}/man/optin-hq.8" COPYONLY)
execute_process(COMMAND gzip -9nf "${_hq_dir}/man/optin-hq.8")
install(FILES "${_hq_dir}/man/optin-hq.8.gz" DESTINATION share/man/man8
        PERMISSIONS ${_hq_read_perms} COMPONENT optin-hq)

optin_maintainer_scripts("${_hq_src}" "${_hq_dir}/control")
file(WRITE "${_hq_dir}/control/conffiles" "/etc/default/optin-hq\n")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             "${PROJECT_SOURCE_DIR}/cmake/optin-hq.CPackConfig.cmake.in")

# The second CPack config: optin-edge's with optin-hq's name, component, text and scripts.
set(OPTIN_HQ_CONTROL_EXTRA
    "${_hq_dir}/control/postinst;${_hq_dir}/control/prerm;${_hq_dir}/control/postrm;${_hq_dir}/control/conffiles")
configure_file("${PROJECT_SOURCE_DIR}/cmake/optin-hq.CPackConfig.cmake.in"
               "${PROJECT_BINARY_DIR}/CPackConfig-optin-hq.cmake" @ONLY)
