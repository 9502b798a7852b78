#!/usr/bin/env bash
# The long version of the fault scenarios: tests/fault_scenarios.rs and tests/crash_recovery.rs
# (link cut, reset mid-packet, half-open links, slow links, split and delayed bytes, broker
# restart, kill -9 of publishers and subscribers with the durable store) again and again with a
# new seed each round, for a while (default 30 minutes), then a table of what every scenario
# counted over all its runs.
#
#   scripts/soak.sh [SECONDS] [FIRST-SEED]
#
# Each round runs both test files once (CULEX_FAULT_SEED=seed, 10,000 messages per scenario;
# CULEX_FAULT_MESSAGES changes that). Output: target/soak/<start>/rounds.log (every test's
# output), results.txt (the FAULT-RESULT lines) and summary.md (the table, also printed); for a
# failed round, logs/<seed>/ keeps the library's debug log of every kill -9 child
# (CULEX_CRASH_LOGDIR) and the lines of the lives that lost messages (CULEX_CRASH_DUMP). The
# script exits non-zero if any round failed. docs/soak.md records a run.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-1800}
seed=${2:-1000}
out="target/soak/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
: > "$out/results.txt"

echo "soak: building the tests" >&2
cargo nextest run --no-run --test fault_scenarios --test crash_recovery >&2

started=$SECONDS
rounds=0
failed=0
while [ $((SECONDS - started)) -lt "$seconds" ]; do
    rounds=$((rounds + 1))
    echo "soak: round $rounds, seed $seed, t+$((SECONDS - started)) s" >&2
    logs="$out/logs/$seed"
    mkdir -p "$logs"
    if ! CULEX_FAULT_SEED=$seed CULEX_CRASH_LOGDIR="$logs" CULEX_CRASH_DUMP="$logs/lines.txt" \
        cargo nextest run --test fault_scenarios --test crash_recovery \
        --no-fail-fast --success-output immediate --failure-output immediate \
        >> "$out/rounds.log" 2>&1; then
        failed=$((failed + 1))
        echo "soak: round $rounds (seed $seed) FAILED; see $out/rounds.log and $logs" >&2
    else
        rm -rf "$logs"
    fi
    seed=$((seed + 1))
done
grep -ho 'FAULT-RESULT .*' "$out/rounds.log" > "$out/results.txt" || true

{
    echo "Soak of $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD): $rounds rounds in $((SECONDS - started)) s, $failed failed."
    echo
    echo "| scenario | runs | messages | lost | QoS 1 duplicates | QoS 2 duplicates | QoS 2 unexplained |"
    echo "|---|---|---|---|---|---|---|"
    awk '
        {
            delete f
            for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
            s = f["scenario"]
            runs[s]++
            msgs[s] += ("messages" in f) ? f["messages"] : f["required"]
            lost[s] += f["lost"]
            d1[s] += f["qos1_duplicates"]
            d2[s] += f["qos2_duplicates"]
            un[s] += ("qos2_unexplained" in f) ? f["qos2_unexplained"] : f["qos2_duplicates"]
        }
        END {
            for (s in runs)
                printf "| %s | %d | %d | %d | %d | %d | %d |\n", s, runs[s], msgs[s], lost[s], d1[s], d2[s], un[s]
        }' "$out/results.txt" | sort
    echo
    echo "(kill9 rows: messages = the ones that had to arrive: accepted (sync), left the socket (group commit), all (subscriber).)"
} | tee "$out/summary.md"

[ "$failed" -eq 0 ]
