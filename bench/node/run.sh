#!/usr/bin/env bash
# The Node rows of bench/README.md: Culex's Node binding next to MQTT.js 5.x (npm `mqtt`, a dev
# dependency of bindings/node), same scenario, same private mosquitto, one run.
#
#   bench/node/run.sh [--reps N] [--n MESSAGES]     (default 3 alternating repetitions, 100,000)
#
# Rows: pub and recv at QoS 0 and 1, 64-byte payloads (bench.js says how each is measured).
# MQTT.js runs first on odd repetitions, Culex on even ones. Prints a Markdown table of medians
# and the median of the paired ratios Culex / MQTT.js.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
reps=3
n=100000
while [ $# -gt 0 ]; do
    case "$1" in
        --reps) reps="$2"; shift 2 ;;
        --n) n="$2"; shift 2 ;;
        *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
"$repo/scripts/test-bindings.sh" --build-only >/dev/null
(cd "$repo/bindings/node" && [ -d node_modules/mqtt ] || npm ci --no-audit --no-fund --loglevel=error)
export CULEX_LIB="$repo/build/bindings/prefix/lib/libculex.so.0"

work="$(mktemp -d "${TMPDIR:-/tmp}/culex-node-bench.XXXXXX")"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 200000\npersistence false\n' "$port" > "$work/mosquitto.conf"
/usr/sbin/mosquitto -c "$work/mosquitto.conf" 2> "$work/mosquitto.log" &
broker=$!
trap 'kill $broker 2>/dev/null || true; wait $broker 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05 # waiting for the broker's listener before the first run (not a measurement)
done

results="$work/results.jsonl"
for rep in $(seq "$reps"); do
    order=(mqtt culex)
    [ $((rep % 2)) = 0 ] && order=(culex mqtt)
    for scenario in pub recv; do
        for qos in 0 1; do
            for lib in "${order[@]}"; do
                node "$repo/bench/node/bench.js" "$lib" "$scenario" "$qos" "$n" "mqtt://127.0.0.1:$port" | tee -a "$results" >&2
            done
        done
    done
done
node - "$results" <<'JS'
const rows = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').map(JSON.parse);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
console.log('| row | Culex msg/s | MQTT.js msg/s | ratio | Culex CPU µs/msg | MQTT.js CPU µs/msg | ratio |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const scenario of ['pub', 'recv']) for (const qos of [0, 1]) {
  const of = (lib) => rows.filter((r) => r.lib === lib && r.scenario === scenario && r.qos === qos);
  const cx = of('culex'), mq = of('mqtt');
  const rate = median(cx.map((r, i) => r.msgsPerSec / mq[i].msgsPerSec));
  const cpu = median(cx.map((r, i) => r.cpuUsPerMsg / mq[i].cpuUsPerMsg));
  console.log(`| ${scenario} QoS ${qos} | ${median(cx.map((r) => r.msgsPerSec))} | ${median(mq.map((r) => r.msgsPerSec))} | ${rate.toFixed(2)} | ${median(cx.map((r) => r.cpuUsPerMsg)).toFixed(2)} | ${median(mq.map((r) => r.cpuUsPerMsg)).toFixed(2)} | ${cpu.toFixed(2)} |`);
}
JS
