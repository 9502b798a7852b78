#!/usr/bin/env bash
# The Go and Node bindings' test suites, against a real mosquitto each suite starts itself.
#
#   scripts/test-bindings.sh [go|node]...      (default: both)
#
# Builds the library with CMake into build/bindings (cargo's release build, linked with the
# version script) and installs it into build/bindings/prefix, which both bindings find:
# Go through pkg-config (PKG_CONFIG_PATH) and the Node package by its path (or CULEX_LIB).
# Go: go vet, then go test -race (the memory test skips itself there), then the 100,000-message
# memory test without -race; its caches go to target/go. Node: npm ci into bindings/node/
# node_modules, then node --test.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(go node)
build_only=0
[ "${suites[0]}" = --build-only ] && build_only=1 # bench/node/run.sh: the library only

cmake -S . -B build/bindings -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build/bindings --target culex mosquitto_compat -j 2 > /dev/null
cmake --install build/bindings --prefix build/bindings/prefix > /dev/null
prefix=$root/build/bindings/prefix
libdir=$(dirname "$(find "$prefix" -name libculex.pc -print -quit)")/..
libdir=$(cd "$libdir" && pwd)
export PKG_CONFIG_PATH=$libdir/pkgconfig LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export CULEX_LIB=$libdir/libculex.so.0
[ "$build_only" = 0 ] || exit 0

for suite in "${suites[@]}"; do
    case $suite in
    go)
        export GOCACHE=$root/target/go/cache GOPATH=$root/target/go/path GOFLAGS=-mod=mod GOTOOLCHAIN=local
        (
            cd bindings/go
            echo "test-bindings: go vet"
            go vet ./...
            echo "test-bindings: go test -race"
            go test -race -count=1 ./...
            echo "test-bindings: go test (the memory test, without -race)"
            go test -count=1 -run 'TestMemory' -v ./... | grep -E '^(=== RUN|--- |ok|FAIL|PASS)|RSS'
        )
        ;;
    node)
        (
            cd bindings/node
            echo "test-bindings: npm ci"
            npm ci --no-audit --no-fund --loglevel=error
            echo "test-bindings: node --test"
            node --test test/*.test.js
        )
        ;;
    *)
        echo "test-bindings: unknown suite $suite (go, node)" >&2
        exit 2
        ;;
    esac
done
