# Installation of Culex (included by the root CMakeLists.txt when building Culex itself):
#   <libdir>/libculex.so.<version>, libculex.so.0, libculex.so      (target culex)
#   <libdir>/libmosquitto.so.1, libmosquitto.so                     (target mosquitto_compat)
#   <libdir>/libculex.a
#   <includedir>/mosquitto.h, mqtt_protocol.h, culex.h
#   <libdir>/pkgconfig/libculex.pc, libmosquitto.pc                 (relocatable: ${pcfiledir})
#   <libdir>/cmake/Culex/CulexConfig.cmake ...                      (find_package(Culex))
# Everything is relative to CMAKE_INSTALL_PREFIX, so `cmake --install build --prefix DIR` works
# for any DIR.
include(CMakePackageConfigHelpers)

set(CULEX_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/Culex")

set(culex_install_targets culex)
if(CULEX_INSTALL_LIBMOSQUITTO)
    list(APPEND culex_install_targets mosquitto_compat)
endif()
install(TARGETS ${culex_install_targets}
    EXPORT CulexTargets
    LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
    INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(FILES "${CULEX_LIB_DIR}/libculex.a" DESTINATION "${CMAKE_INSTALL_LIBDIR}")
install(FILES
    "${PROJECT_SOURCE_DIR}/include/mosquitto.h"
    "${PROJECT_SOURCE_DIR}/include/mqtt_protocol.h"
    "${PROJECT_SOURCE_DIR}/include/culex.h"
    DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

# pkg-config files find the prefix from their own location, as the install prefix may be chosen at
# install time.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
    message(FATAL_ERROR "culex: CMAKE_INSTALL_LIBDIR and CMAKE_INSTALL_INCLUDEDIR must be relative")
endif()
set(CULEX_PC_PREFIX "\${pcfiledir}")
string(REPLACE "/" ";" culex_pc_depth "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
foreach(_component IN LISTS culex_pc_depth)
    string(APPEND CULEX_PC_PREFIX "/..")
endforeach()
set(CULEX_PC_VERSION "${PROJECT_VERSION}")
configure_file(cmake/libculex.pc.in "${CMAKE_BINARY_DIR}/pkgconfig/libculex.pc" @ONLY)
install(FILES "${CMAKE_BINARY_DIR}/pkgconfig/libculex.pc"
    DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
if(CULEX_INSTALL_LIBMOSQUITTO)
    # The libmosquitto version Culex implements (the one mosquitto_lib_version() reports).
    file(STRINGS "${PROJECT_SOURCE_DIR}/include/mosquitto.h" culex_mosq_version
        REGEX "^#define LIBMOSQUITTO_(MAJOR|MINOR|REVISION) [0-9]+$")
    string(REGEX REPLACE ".*MAJOR ([0-9]+).*MINOR ([0-9]+).*REVISION ([0-9]+).*" "\\1.\\2.\\3"
        CULEX_MOSQUITTO_API_VERSION "${culex_mosq_version}")
    configure_file(cmake/libmosquitto.pc.in "${CMAKE_BINARY_DIR}/pkgconfig/libmosquitto.pc" @ONLY)
    install(FILES "${CMAKE_BINARY_DIR}/pkgconfig/libmosquitto.pc"
        DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
endif()

install(EXPORT CulexTargets
    NAMESPACE Culex::
    DESTINATION "${CULEX_CMAKE_INSTALL_DIR}")
configure_package_config_file(cmake/CulexConfig.cmake.in
    "${CMAKE_BINARY_DIR}/cmake/CulexConfig.cmake"
    INSTALL_DESTINATION "${CULEX_CMAKE_INSTALL_DIR}"
    PATH_VARS CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file("${CMAKE_BINARY_DIR}/cmake/CulexConfigVersion.cmake"
    VERSION "${PROJECT_VERSION}"
    COMPATIBILITY SameMajorVersion)
install(FILES
    "${CMAKE_BINARY_DIR}/cmake/CulexConfig.cmake"
    "${CMAKE_BINARY_DIR}/cmake/CulexConfigVersion.cmake"
    DESTINATION "${CULEX_CMAKE_INSTALL_DIR}")
