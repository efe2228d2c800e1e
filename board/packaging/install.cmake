# What `cmake --install` puts where, and the Debian package CPack makes of it (scripts/package).
# Paths are Debian's for a service: binaries in /usr/bin and /usr/sbin, the unit, tmpfiles and
# udev rules under /usr/lib, the box's config in /etc/tetherbox (always /etc: tetherboxd reads
# /etc/tetherbox/tetherbox.yaml whatever the prefix), man pages gzipped.
include(GNUInstallDirs)

# The binaries' own rules are beside their targets (firmware/CMakeLists.txt: tetherbox to bin,
# tetherboxd to sbin); this file adds everything else.

set(tb_pkg ${PROJECT_SOURCE_DIR}/board)
install(FILES ${tb_pkg}/systemd/tetherboxd.service DESTINATION lib/systemd/system)
install(FILES ${tb_pkg}/tmpfiles/tetherbox.conf DESTINATION lib/tmpfiles.d)
install(FILES ${tb_pkg}/udev/60-tetherbox.rules DESTINATION lib/udev/rules.d)
install(FILES ${PROJECT_SOURCE_DIR}/config/examples/turntable.yaml
  ${PROJECT_SOURCE_DIR}/config/examples/field-kit.yaml
  ${PROJECT_SOURCE_DIR}/config/examples/headless.yaml
  ${PROJECT_SOURCE_DIR}/config/examples/usb-camera.yaml
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# The default config. A package stages it (dpkg then keeps a changed one as a conffile); a
# plain `cmake --install` onto a box never overwrites the owner's edited file.
install(CODE "
  # file(INSTALL) prepends DESTDIR (CPack's staging root) itself; the check must add it.
  set(tb_dst \"\$ENV{DESTDIR}/etc/tetherbox\")
  if(EXISTS \"\${tb_dst}/tetherbox.yaml\")
    message(STATUS \"Kept: \${tb_dst}/tetherbox.yaml (yours; the default is ${tb_pkg}/packaging/tetherbox.yaml)\")
  else()
    file(INSTALL DESTINATION /etc/tetherbox TYPE FILE FILES \"${tb_pkg}/packaging/tetherbox.yaml\")
  endif()")

# Man pages: roff sources in board/man, gzipped -n (no timestamp: the same bytes every build).
find_program(TB_GZIP gzip REQUIRED)
set(tb_man_gz)
foreach(page tetherbox.1 tetherboxd.8 tetherbox.yaml.5)
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
  set(gz ${CMAKE_BINARY_DIR}/man/${page}.gz)
  add_custom_command(OUTPUT ${gz}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND ${TB_GZIP} -9n -c ${tb_pkg}/man/${page} > ${gz}
    DEPENDS ${tb_pkg}/man/${page} VERBATIM)
  install(FILES ${gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  list(APPEND tb_man_gz ${gz})
endforeach()
add_custom_target(tetherbox_man ALL DEPENDS ${tb_man_gz})

# The .deb: tetherbox_<version>_<arch>.deb, dependencies from dpkg-shlibdeps, the maintainer
# scripts create the service user (postinst) and remove it on purge (postrm).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tetherbox)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "capture controller for tethered, turntable and field photography")
set(CPACK_PACKAGE_DESCRIPTION "tetherboxd drives a camera (libgphoto2, libcamera) with locked manual
exposure through orbit, lighting and bracket sequences, tags every frame with UTC, GPS and
ambient readings, and writes each session as a verifiable BagIt bag. tetherbox is its command
line.")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "tetherbox maintainers <maintainers@tetherbox.invalid>")
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "gpsd, chrony, gphoto2")
if(CMAKE_CROSSCOMPILING AND CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
endif()
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${tb_pkg}/packaging/debian/conffiles
  ${tb_pkg}/packaging/debian/postinst ${tb_pkg}/packaging/debian/prerm
  ${tb_pkg}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
