#!/usr/bin/env bash
# Install a Culex build into a temporary prefix with `cmake --install`, then build consumer/
# (a program written against libmosquitto 2.0's API) from outside the tree:
#   - with pkg-config: libmosquitto.pc (links -lmosquitto, Culex's libmosquitto.so.1) and
#     libculex.pc;
#   - with find_package(Culex): Culex::culex, Culex::mosquitto, Culex::libmosquitto and
#     Culex::culex_static;
# run each one, print which library file it loaded and check that it came from the prefix.
# With HOST and PORT the programs also do a round trip through a broker.
#
#   install-consumer.sh BUILD_DIR [HOST PORT]
set -euo pipefail

if [ $# -ne 1 ] && [ $# -ne 3 ]; then
    echo "usage: $0 BUILD_DIR [HOST PORT]" >&2
    exit 2
fi
build="$(cd "$1" && pwd)"
shift
here="$(cd "$(dirname "$0")" && pwd)"
CC="${CC:-cc}"
CFLAGS_STRICT=(-Wall -Wextra -Werror)

tmp="$(mktemp -d "${TMPDIR:-/tmp}/culex-install.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"

fail() { echo "FAIL: $*" >&2; exit 1; }

echo "== cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" > "$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install"; }
libdir="$(find "$prefix" -name libculex.so.0 -printf '%h\n' | head -1)"
[ -n "$libdir" ] || fail "libculex.so.0 not installed"
for f in "$libdir/libculex.so" "$libdir/libculex.so.0" "$libdir/libculex.a" \
    "$libdir/libmosquitto.so.1" "$libdir/libmosquitto.so" \
    "$prefix/include/mosquitto.h" "$prefix/include/mqtt_protocol.h" "$prefix/include/culex.h" \
    "$libdir/pkgconfig/libculex.pc" "$libdir/pkgconfig/libmosquitto.pc" \
    "$libdir/cmake/Culex/CulexConfig.cmake" "$libdir/cmake/Culex/CulexConfigVersion.cmake" \
    "$libdir/cmake/Culex/CulexTargets.cmake"; do
    [ -e "$f" ] || fail "not installed: ${f#"$prefix"/}"
    echo "    ${f#"$prefix"/}"
done
[ "$(readelf -d "$libdir/libculex.so.0" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')" = libculex.so.0 ] ||
    fail "libculex.so.0 has the wrong SONAME"
[ "$(readelf -d "$libdir/libmosquitto.so.1" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')" = libmosquitto.so.1 ] ||
    fail "libmosquitto.so.1 has the wrong SONAME"

broker_args=("$@")
run_with_broker() { run "$1" "$2" "${broker_args[@]}"; }
# run NAME PROGRAM [ARGS...]: run it, show its verdict and check which library file it loaded.
run() {
    local name="$1" program="$2" out lib
    shift 2
    out="$(LD_LIBRARY_PATH="$libdir" "$program" "$@" 2>&1)" || { printf '%s\n' "$out"; fail "$name failed"; }
    lib="$(printf '%s\n' "$out" | sed -n 's/^library: //p')"
    printf '    %-34s %s\n' "$name:" "$(printf '%s\n' "$out" | tail -1)"
    printf '    %-34s loaded %s\n' "" "$lib"
    case "$lib" in
        "$prefix"/*) ;;
        "$program") [ "$name" = "find_package Culex::culex_static" ] || fail "$name: no shared library" ;;
        *) fail "$name loaded $lib, not a library under $prefix" ;;
    esac
}

echo "== pkg-config"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
for pc in libmosquitto libculex; do
    echo "    $pc: $(pkg-config --modversion "$pc"): $(pkg-config --cflags --libs "$pc")"
    # shellcheck disable=SC2046
    "$CC" "${CFLAGS_STRICT[@]}" -o "$tmp/consumer_$pc" "$here/consumer/consumer.c" \
        $(pkg-config --cflags --libs "$pc") -ldl
    run_with_broker "pkg-config $pc" "$tmp/consumer_$pc"
done
# -lmosquitto must have bound the program to libmosquitto.so.1, with symbol versions.
readelf -d "$tmp/consumer_libmosquitto" | grep -q 'NEEDED.*\[libmosquitto\.so\.1\]' ||
    fail "pkg-config libmosquitto did not link libmosquitto.so.1"
nm -D "$tmp/consumer_libmosquitto" | grep -q 'mosquitto_connect_bind_v5@MOSQ_1.6' ||
    fail "the consumer's references carry no MOSQ_1.x versions"
readelf -d "$tmp/consumer_libculex" | grep -q 'NEEDED.*\[libculex\.so\.0\]' ||
    fail "pkg-config libculex did not link libculex.so.0"

echo "== find_package(Culex)"
cmake -S "$here/consumer" -B "$tmp/consumer-build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=Release > "$tmp/configure.log" || { cat "$tmp/configure.log"; fail "configure"; }
cmake --build "$tmp/consumer-build" -j 2 > "$tmp/build.log" || { cat "$tmp/build.log"; fail "build"; }
for variant in culex mosquitto libmosquitto culex_static; do
    run_with_broker "find_package Culex::$variant" "$tmp/consumer-build/consumer_$variant"
done
if readelf -d "$tmp/consumer-build/consumer_culex_static" | grep -q -E 'NEEDED.*(culex|mosquitto)'; then
    fail "Culex::culex_static linked a shared Culex"
fi

echo "OK: installed Culex builds and runs a libmosquitto 2.0 program with pkg-config and find_package(Culex)"
