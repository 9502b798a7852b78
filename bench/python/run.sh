#!/usr/bin/env bash
# culex against paho-mqtt 2.2.0: the same bench.py, same Python, same private mosquitto, only the
# import differs. Publish and receive, QoS 0 and 1, 64 B; each row three times, alternating.
#
#   bench/python/run.sh [COUNT]
#
# Uses target/python-venv (culex, as scripts/test-python.sh installs it) and target/paho-venv
# (paho-mqtt 2.2.0 from PyPI); prints the RESULT lines and a table with the ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-50000}
[ -x target/python-venv/bin/python ] || python3 -m venv target/python-venv
# Always the working tree's culex (cargo rebuilds only what changed).
target/python-venv/bin/python -m pip install -q --disable-pip-version-check ./python
if [ ! -x target/paho-venv/bin/python ]; then
    python3 -m venv target/paho-venv
    target/paho-venv/bin/python -m pip install -q --disable-pip-version-check paho-mqtt==2.2.0
fi
# The feeder of the recv rows is culex; the paho-mqtt venv finds it on PYTHONPATH.
site=$(target/python-venv/bin/python -c 'import culex, os; print(os.path.dirname(os.path.dirname(culex.__file__)))')
out=$(mktemp)
work=$(mktemp -d)
# A private broker that queues without limit, so that QoS 0 messages are never dropped for a
# slow reader (mosquitto's default max_queued_messages is 1000).
port=$((10000 + RANDOM % 20000))
cat > "$work/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
max_inflight_messages 0
set_tcp_nodelay true
log_dest stderr
log_type error
log_type warning
CONF
"${MOSQUITTO:-/usr/sbin/mosquitto}" -c "$work/mosquitto.conf" 2> "$work/mosquitto.log" &
broker=$!
trap 'kill $broker 2>/dev/null; rm -rf "$work" "$out"' EXIT
for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05  # a benchmark's setup, not a test: wait for the broker's port
done
run() {
    env PYTHONPATH="$site" "$@" --port "$port" | tee -a "$out"
}
for row in "pub 0" "pub 1" "recv 0" "recv 1"; do
    set -- $row
    n=$count
    [ "$2" = 1 ] && n=$((count / 2))
    for rep in 1 2 3; do
        run target/python-venv/bin/python bench/python/bench.py culex "$1" --qos "$2" --count "$n"
        run target/paho-venv/bin/python bench/python/bench.py paho "$1" --qos "$2" --count "$n"
    done
done
python3 - "$out" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    if not line.startswith("RESULT"):
        continue
    f = dict(kv.split("=") for kv in line.split()[1:])
    key = (f["scenario"], f["qos"])
    rows.setdefault(key, {}).setdefault(f["client"], []).append(
        (float(f["msgs_per_s"]), float(f["cpu_us_per_msg"])))
print("| row | culex msg/s | paho-mqtt msg/s | ratio | culex CPU µs/msg | paho-mqtt CPU µs/msg |")
print("|---|---:|---:|---:|---:|---:|")
for (scenario, qos), by in sorted(rows.items()):
    c = statistics.median(r[0] for r in by["culex"]); p = statistics.median(r[0] for r in by["paho"])
    cc = statistics.median(r[1] for r in by["culex"]); pc = statistics.median(r[1] for r in by["paho"])
    print(f"| {scenario} QoS {qos} 64 B | {c:,.0f} | {p:,.0f} | {c / p:.1f}x | {cc:.1f} | {pc:.1f} |")
PY
