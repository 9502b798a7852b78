#!/usr/bin/env bash
# Regenerate the C headers in include/ from the Rust sources in src/ffi/ with a pinned cbindgen.
#
#   scripts/gen-headers.sh           write include/mosquitto.h, include/mqtt_protocol.h, include/culex.h
#   scripts/gen-headers.sh --check   regenerate into a temporary directory and fail (with a diff)
#                                    if the committed headers differ
#
# Which Rust item lands in which header:
#   include/mosquitto.h      module tree rooted at src/ffi/mod.rs            (cbindgen.toml)
#   include/mqtt_protocol.h  src/ffi/mqtt_protocol.rs or .../mqtt_protocol/mod.rs
#                                                                     (cbindgen-mqtt_protocol.toml)
#   include/culex.h          module tree rooted at src/ffi/culex/mod.rs     (cbindgen-culex.toml)
# The `mod mqtt_protocol;` and `mod culex;` lines in src/ffi/mod.rs carry `/// cbindgen:ignore`
# so their items appear only in their own header. A module that does not exist yet gives a header
# with just its guards (and includes).
set -euo pipefail

CBINDGEN_VERSION=0.29.0
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

check=0
case "${1:-}" in
    --check) check=1 ;;
    "") ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

# Find cbindgen $CBINDGEN_VERSION: on PATH, in ~/.cargo/bin, or in our private tool dir;
# otherwise install it into the private tool dir (so a different global version is left alone).
TOOLS_DIR="${CARGO_TARGET_DIR:-$ROOT/target}/tools"
find_cbindgen() {
    local candidate
    for candidate in "$(command -v cbindgen || true)" "$HOME/.cargo/bin/cbindgen" "$TOOLS_DIR/bin/cbindgen"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ] &&
            [ "$("$candidate" --version 2>/dev/null)" = "cbindgen $CBINDGEN_VERSION" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}
if ! CBINDGEN="$(find_cbindgen)"; then
    echo "gen-headers: installing cbindgen $CBINDGEN_VERSION into $TOOLS_DIR" >&2
    cargo install --locked cbindgen --version "$CBINDGEN_VERSION" --root "$TOOLS_DIR" >&2
    CBINDGEN="$(find_cbindgen)" || { echo "gen-headers: cbindgen $CBINDGEN_VERSION not usable" >&2; exit 1; }
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
: > "$tmp/empty.rs"

# First existing file among the arguments, or an empty module.
module_root() {
    local f
    for f in "$@"; do
        if [ -f "$f" ]; then echo "$f"; return; fi
    done
    echo "$tmp/empty.rs"
}

# cbindgen warns about every non-`pub` const it skips; in src/ffi that is how helpers are kept out
# of the header on purpose, so those warnings are dropped and the rest are shown.
run_cbindgen() {
    local status=0
    "$CBINDGEN" "$@" 2> "$tmp/stderr" || status=$?
    grep -v -E '^WARN: Skip [A-Za-z0-9_:]+ - \(not `pub`\)\.$' "$tmp/stderr" >&2 || true
    return "$status"
}

mkdir -p "$tmp/out"
run_cbindgen --config cbindgen.toml --output "$tmp/out/mosquitto.h" src/ffi/mod.rs
run_cbindgen --config cbindgen-mqtt_protocol.toml --output "$tmp/out/mqtt_protocol.h" \
    "$(module_root src/ffi/mqtt_protocol.rs src/ffi/mqtt_protocol/mod.rs)"
# --quiet: cbindgen cannot see the libmosquitto types from this module alone and would warn about
# each of them; cbindgen-culex.toml maps them to their C names.
run_cbindgen --quiet --config cbindgen-culex.toml --output "$tmp/out/culex.h" \
    "$(module_root src/ffi/culex/mod.rs)"

headers=(mosquitto.h mqtt_protocol.h culex.h)
if [ "$check" = 1 ]; then
    status=0
    for h in "${headers[@]}"; do
        if ! diff -u "include/$h" "$tmp/out/$h"; then
            status=1
        fi
    done
    if [ "$status" != 0 ]; then
        echo "gen-headers: include/ is out of date with src/ffi; run scripts/gen-headers.sh and commit the result" >&2
        exit 1
    fi
    echo "gen-headers: include/ is up to date"
else
    mkdir -p include
    for h in "${headers[@]}"; do
        cp "$tmp/out/$h" "include/$h"
    done
    echo "gen-headers: wrote ${headers[*]/#/include/}"
fi
