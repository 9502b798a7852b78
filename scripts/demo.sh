#!/usr/bin/env bash
# Build Culex and its C examples, start a private mosquitto broker on a free port, and run the
# subscriber example (-C 3) against the publisher example sending once at QoS 0, 1 and 2.
# Fails unless the subscriber receives all three messages.
#
#   scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "Checking dependencies (scripts/setup.sh)"
scripts/setup.sh

step "Building the Culex library (cargo build --release)"
cargo build --release --lib

step "Building the C examples (CMake, in build/)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build --target subscriber publisher -j 2

echo
echo "The examples are linked against:"
ldd build/examples-c/subscriber | grep -E 'culex|mosquitto' | sed 's/^[[:space:]]*/  /'

step "Starting mosquitto on a free port; subscriber -C 3, then publisher at QoS 0, 1 and 2"
scripts/with-broker.sh -- tests-c/run-pubsub-example.sh \
    build/examples-c/subscriber build/examples-c/publisher @PORT@

step "Demo finished; the broker has been stopped"
