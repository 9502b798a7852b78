#!/usr/bin/env bash
# Everything CI checks, in order; stops at the first failure.
#
#   scripts/test.sh
#
# setup → cargo fmt --check → cargo clippy -D warnings → header freshness → cargo build --release →
# Rust tests (cargo nextest if installed, else cargo test) → C examples and tests with CMake/ctest:
# against Culex (with valgrind), against Culex with AddressSanitizer, and against Debian's
# libmosquitto as the reference the C tests are written to → the Go and Node bindings' suites
# (scripts/test-bindings.sh) → the Python package (scripts/test-python.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=2
started=$SECONDS
section() {
    if [ "${CI:-}" = true ]; then
        printf '\n========================================================================\n'
        printf '== %s   (t+%ds)\n' "$*" "$((SECONDS - started))"
        printf '========================================================================\n'
    else
        printf '\n==> %s\n' "$*"
    fi
}
trap 'status=$?; if [ "$status" != 0 ]; then echo; echo "scripts/test.sh: FAILED (exit status $status) in: ${current:-setup}" >&2; fi' EXIT

current="setup"; section "$current"
scripts/setup.sh

current="cargo fmt --check"; section "$current"
cargo fmt --all -- --check

current="cargo clippy"; section "$current"
cargo clippy --all-targets -- -D warnings

current="generated headers are up to date"; section "$current"
scripts/gen-headers.sh --check

current="cargo build --release"; section "$current"
cargo build --release

current="Rust tests"; section "$current"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --no-fail-fast
    # nextest does not run doctests.
    cargo test --doc
else
    cargo test --no-fail-fast
fi

current="C examples and tests against Culex (ctest, with valgrind)"; section "$current"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCULEX_VALGRIND=ON > /dev/null
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure -j "$jobs")

current="C tests against Culex with AddressSanitizer"; section "$current"
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DCULEX_ASAN=ON > /dev/null
cmake --build build/asan -j "$jobs"
(cd build/asan && ctest --output-on-failure -j "$jobs")

current="C tests against Debian's libmosquitto (reference)"; section "$current"
cmake -S . -B build/reference -DCULEX_AGAINST_SYSTEM_LIBMOSQUITTO=ON > /dev/null
cmake --build build/reference -j "$jobs"
(cd build/reference && ctest --output-on-failure -j "$jobs")

current="Go binding (go vet, go test -race, memory)"; section "$current"
scripts/test-bindings.sh go

current="Node binding (node --test)"; section "$current"
scripts/test-bindings.sh node

current="Python package (pip install ./python, own tests, paho-mqtt 2.2.0's suite)"; section "$current"
scripts/test-python.sh

current=""
section "All checks passed in $((SECONDS - started)) s"
