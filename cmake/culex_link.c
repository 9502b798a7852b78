/*
 * culex_link.c: intentionally empty. CMake needs one source file to define a shared library
 * target; Culex's shared libraries (libculex.so.0, libmosquitto.so.1) are made of the objects
 * of the cargo-built libculex.a, linked whole with cmake/mosquitto.map (see CMakeLists.txt).
 */
typedef int culex_link_translation_unit_is_not_empty;
