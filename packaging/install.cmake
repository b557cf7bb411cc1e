# install() rules, the exported CMake package, the pkg-config file, man pages and shell completion
# generated from --help at build time, and CPack's Debian package. Included by CMakeLists.txt.
#   cmake --install build --prefix /opt/pw        (everything)
#   cpack --config build/CPackConfig.cmake -B build/pkg   (portwarden_*.deb, libportwarden-dev_*.deb)
include(CMakePackageConfigHelpers)
find_package(Python3 REQUIRED COMPONENTS Interpreter)

set(PW_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/portwarden)
set(PW_DOCS_DIR ${PROJECT_BINARY_DIR}/docs-generated)
get_target_property(PW_CORE_TYPE portwarden_core TYPE)

# --- man pages and completion: one source, the program's own --help (packaging/gen_docs.py) ---
set(PW_DOCS_STAMP ${PW_DOCS_DIR}/stamp)
add_custom_command(OUTPUT ${PW_DOCS_STAMP}
  COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0  # the PW_SANITIZE build runs it too
          ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/packaging/gen_docs.py
          $<TARGET_FILE:portwarden> ${PW_DOCS_DIR} ${PROJECT_VERSION}
  COMMAND ${CMAKE_COMMAND} -E touch ${PW_DOCS_STAMP}
  DEPENDS portwarden ${PROJECT_SOURCE_DIR}/packaging/gen_docs.py
  COMMENT "Man pages and bash/zsh completion from portwarden --help")
add_custom_target(portwarden_docs ALL DEPENDS ${PW_DOCS_STAMP})

# --- the program and what operators need (component "runtime": the portwarden package) ---
install(TARGETS portwarden RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
if(PW_CORE_TYPE STREQUAL "SHARED_LIBRARY")  # the installed program finds the installed library
  set_target_properties(portwarden PROPERTIES INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
endif()
install(DIRECTORY ${PW_DOCS_DIR}/man1 DESTINATION ${CMAKE_INSTALL_MANDIR} COMPONENT runtime)
install(FILES ${PW_DOCS_DIR}/completion/portwarden.bash RENAME portwarden
  DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions COMPONENT runtime)
install(FILES ${PW_DOCS_DIR}/completion/_portwarden
  DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/zsh/vendor-completions COMPONENT runtime)
# The units name /usr/local/bin/portwarden (a source install); installed, they name this prefix.
file(GLOB PW_SYSTEMD_UNITS ${PROJECT_SOURCE_DIR}/contrib/systemd/*.service ${PROJECT_SOURCE_DIR}/contrib/systemd/*.timer)
install(CODE "
  foreach(unit ${PW_SYSTEMD_UNITS})
    file(READ \${unit} text)
    string(REPLACE /usr/local/bin/portwarden \${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/portwarden text \"\${text}\")
    get_filename_component(name \${unit} NAME)
    set(dest \$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
    file(MAKE_DIRECTORY \${dest})
    file(WRITE \${dest}/\${name} \"\${text}\")
    message(STATUS \"Installing: \${dest}/\${name}\")
  endforeach()" COMPONENT runtime)

# --- the library (component "dev": libportwarden-dev) ---
install(TARGETS portwarden_core EXPORT portwardenTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev)
# `cmake --install --strip` (and CPack) strip the program; a static library only by this:
# its debug info is most of its 160 MB.
if(PW_CORE_TYPE STREQUAL "STATIC_LIBRARY")
  install(CODE "
    if(CMAKE_INSTALL_DO_STRIP)
      execute_process(COMMAND ${CMAKE_STRIP} --strip-debug
        \$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/$<TARGET_FILE_NAME:portwarden_core>)
    endif()" COMPONENT dev)
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/portwarden DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
install(EXPORT portwardenTargets NAMESPACE portwarden:: DESTINATION ${PW_CMAKE_INSTALL_DIR} COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/packaging/portwardenConfig.cmake.in
  ${PROJECT_BINARY_DIR}/portwardenConfig.cmake INSTALL_DESTINATION ${PW_CMAKE_INSTALL_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/portwardenConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)  # 0.x: the API may change between minor versions
install(FILES ${PROJECT_BINARY_DIR}/portwardenConfig.cmake ${PROJECT_BINARY_DIR}/portwardenConfigVersion.cmake
  DESTINATION ${PW_CMAKE_INSTALL_DIR} COMPONENT dev)

# pkg-config: relocatable (prefix from the .pc file's own place). A static library brings its
# dependencies into Requires/Libs, so `pkg-config --libs portwarden` links without --static.
set(PW_PC_DEPS "libpcap libcap libpcre2-8 sqlite3 tomlplusplus pugixml")
if(PW_CORE_TYPE STREQUAL "STATIC_LIBRARY")
  set(PW_PC_REQUIRES "fmt ${PW_PC_DEPS}")
  set(PW_PC_REQUIRES_PRIVATE "")
  set(PW_PC_LIBS_EXTRA "-pthread -ldl")
else()
  set(PW_PC_REQUIRES "fmt")
  set(PW_PC_REQUIRES_PRIVATE "${PW_PC_DEPS}")
  set(PW_PC_LIBS_EXTRA "-pthread")
endif()
file(RELATIVE_PATH PW_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${PROJECT_SOURCE_DIR}/packaging/portwarden.pc.in ${PROJECT_BINARY_DIR}/portwarden.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/portwarden.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

# --- CPack: two Debian packages from the build tree's install (no rebuild) ---
set(CPACK_PACKAGE_NAME portwarden)
set(CPACK_PACKAGE_VENDOR portwarden)
set(CPACK_PACKAGE_CONTACT "portwarden maintainers <portwarden@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "port scanner and exposure auditor with nmap-compatible states and reasons")
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME portwarden)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)  # Depends: from dpkg-shlibdeps on the binary
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "libcap2-bin, libcurl4")  # setcap in postinst; webhooks dlopen libcurl
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/packaging/debian/postinst)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libportwarden-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
  "libfmt-dev, libexpected-dev, libpcap-dev, libcap-dev, libpcre2-dev, libsqlite3-dev, libtomlplusplus-dev, libpugixml-dev, nlohmann-json3-dev")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # the debug info stays in the build tree (95 MB binary -> a few MB)
set(CPACK_THREADS 0)       # compress with every core
if(PROJECT_IS_TOP_LEVEL)   # a parent project (add_subdirectory) packages itself
  include(CPack)
endif()
