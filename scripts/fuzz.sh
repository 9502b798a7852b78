#!/bin/sh
# Run a cargo-fuzz target of fuzz/ for a while (default: decode_packet for 300 seconds).
#
#   scripts/fuzz.sh [TARGET] [SECONDS] [-- LIBFUZZER-OPTIONS...]
#
# TARGET is decode_packet, session_input, store_reader or all (each in turn). Installs cargo-fuzz when it is
# missing. cargo-fuzz needs nightly-only flags (-Zsanitizer=address); on a stable toolchain they are
# enabled with RUSTC_BOOTSTRAP=1. The corpus grows in fuzz/corpus/TARGET (seeded from
# fuzz/seeds/TARGET); a crash is written to fuzz/artifacts/TARGET/ and ends the run with status 1.
# FUZZ_SANITIZER=none builds without AddressSanitizer (cargo fuzz -s none): the fuzzed code is
# safe Rust, and the long runs of fuzz/README.md go about three times as fast. To stop after a
# number of executions instead of a time, pass -- -runs=N (SECONDS then only caps the run).
# See fuzz/README.md.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:-decode_packet}
seconds=${2:-300}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift

case $seconds in
    '' | *[!0-9]*) echo "fuzz.sh: SECONDS must be a number, not '$seconds'" >&2; exit 2 ;;
esac

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install --locked cargo-fuzz
fi

if ! rustc --version | grep -q nightly; then
    RUSTC_BOOTSTRAP=1
    export RUSTC_BOOTSTRAP
fi

cd "$root/fuzz"
case $target in
    all) targets=$(cargo fuzz list) ;;
    *) targets=$target ;;
esac

for t in $targets; do
    if [ ! -d "seeds/$t" ]; then
        echo "fuzz.sh: unknown target '$t' (have: $(cargo fuzz list | tr '\n' ' '))" >&2
        exit 2
    fi
    mkdir -p "corpus/$t"
    echo "fuzz.sh: $t for $seconds s (commit $(git -C "$root" rev-parse --short HEAD), $(date -u +%Y-%m-%dT%H:%MZ))" >&2
    cargo fuzz run -s "${FUZZ_SANITIZER:-address}" "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$seconds" -print_final_stats=1 "$@"
done
