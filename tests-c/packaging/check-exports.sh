#!/usr/bin/env bash
# Compare the functions a shared library exports, with their symbol versions, with libmosquitto
# 2.0's (libmosquitto-2.0.symbols next to this script, cross-checked with the system's
# libmosquitto.so.1 when it is installed).
#
#   check-exports.sh LIBRARY...
#
# Fails, listing each, when a libmosquitto function is missing, when one is bound to another
# version node (or is unversioned), when a culex_* function is not in a CULEX_* node, or when the
# library exports anything else (a leaked Rust or dependency symbol).
set -euo pipefail
export LC_ALL=C

here="$(cd "$(dirname "$0")" && pwd)"
reference="$here/libmosquitto-2.0.symbols"
system_lib=/usr/lib/x86_64-linux-gnu/libmosquitto.so.1
NM="${NM:-nm}"

if [ $# -eq 0 ]; then
    echo "usage: $0 LIBRARY..." >&2
    exit 2
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

grep -v '^#' "$reference" | sort > "$tmp/expected"
echo "reference: $(wc -l < "$tmp/expected") libmosquitto 2.0 functions ($reference)"

# "name@node" for every defined function; the default version is printed as name@@node.
exports() {
    "$NM" -D --defined-only --with-symbol-versions "$1" |
        awk '$2 == "T" || $2 == "W" || $2 == "i" { sub(/@@/, "@", $3); print $3 }' | sort
}

status=0
if [ -f "$system_lib" ]; then
    exports "$system_lib" > "$tmp/system"
    if ! cmp -s "$tmp/expected" "$tmp/system"; then
        echo "FAIL: $reference differs from $system_lib:"
        diff "$tmp/expected" "$tmp/system" || true
        status=1
    else
        echo "reference list matches $system_lib"
    fi
fi

for lib in "$@"; do
    echo
    echo "== $lib"
    if [ ! -f "$lib" ]; then
        echo "FAIL: $lib does not exist"
        status=1
        continue
    fi
    exports "$lib" > "$tmp/actual"
    # Every exported data symbol too, to catch leaks that are not functions.
    "$NM" -D --defined-only --with-symbol-versions "$lib" |
        awk '$2 != "A" { sub(/@@/, "@", $3); print $3 }' | sort > "$tmp/all"

    sed "s/@.*//" "$tmp/expected" | sort > "$tmp/expected_names"
    sed "s/@.*//" "$tmp/actual" | sort > "$tmp/actual_names"
    missing="$(comm -23 "$tmp/expected_names" "$tmp/actual_names")"
    wrong_version="$(join -t@ <(sort -t@ -k1,1 "$tmp/expected") <(sort -t@ -k1,1 "$tmp/actual") |
        awk -F@ '$2 != $3 { printf "%s: libmosquitto %s, here %s\n", $1, $2, ($3 == "" ? "(no version)" : $3) }')"
    bad_culex="$(grep '^culex_' "$tmp/all" | grep -v '@CULEX_' || true)"
    others="$(grep -v -E '^(mosquitto_|culex_)' "$tmp/all" || true)"
    extra_mosq="$(comm -13 "$tmp/expected_names" "$tmp/actual_names" | grep '^mosquitto_' || true)"

    present=$(($(wc -l < "$tmp/expected_names") - $(printf '%s' "$missing" | grep -c . || true)))
    echo "$present of $(wc -l < "$tmp/expected_names") libmosquitto 2.0 functions exported"
    nodes="$("$NM" -D --defined-only --with-symbol-versions "$lib" | awk '$2 == "A" { print $3 }' | tr '\n' ' ')"
    echo "version nodes: $nodes"
    if [ -n "$missing" ]; then
        echo "FAIL: missing ($(printf '%s\n' "$missing" | wc -l)):"
        while IFS= read -r name; do
            printf '    %s@%s\n' "$name" "$(grep "^$name@" "$tmp/expected" | cut -d@ -f2)"
        done <<< "$missing"
        status=1
    fi
    if [ -n "$wrong_version" ]; then
        echo "FAIL: bound to another version node:"
        printf '    %s\n' "$wrong_version"
        status=1
    fi
    if [ -n "$bad_culex" ]; then
        echo "FAIL: culex_* functions outside a CULEX_* version node:"
        printf '    %s\n' "$bad_culex"
        status=1
    fi
    if [ -n "$extra_mosq" ]; then
        echo "FAIL: mosquitto_* symbols libmosquitto 2.0 does not export:"
        printf '    %s\n' "$extra_mosq"
        status=1
    fi
    if [ -n "$others" ]; then
        echo "FAIL: other exported symbols (should be local):"
        printf '%s\n' "$others" | head -20 | sed 's/^/    /'
        status=1
    fi
done

if [ "$status" = 0 ]; then
    echo
    echo "OK: every libmosquitto 2.0 function is exported with its version, nothing else"
fi
exit "$status"
