#!/usr/bin/env bash
# Run the subscriber example (-C 3) and the publisher example once at each of QoS 0, 1 and 2
# against a broker on 127.0.0.1:PORT; fail unless the subscriber printed all three messages.
#
#   run-pubsub-example.sh SUBSCRIBER PUBLISHER PORT
#
# Used by ctest (through scripts/with-broker.sh) and by scripts/demo.sh.
set -euo pipefail

subscriber=$1
publisher=$2
port=$3
topic="culex/demo/$$"
out="$(mktemp -d)"
sub_pid=""
cleanup() {
    if [ -n "$sub_pid" ] && kill -0 "$sub_pid" 2>/dev/null; then
        kill "$sub_pid" 2>/dev/null || true
    fi
    rm -rf "$out"
}
trap cleanup EXIT

"$subscriber" -h 127.0.0.1 -p "$port" -t "$topic" -q 2 -C 3 > "$out/sub.out" 2> "$out/sub.err" &
sub_pid=$!

# The subscriber says "subscribed" on stderr once the broker has acknowledged the subscription;
# messages published before that would not reach it.
deadline=$((SECONDS + 10))
until grep -q '^subscribed$' "$out/sub.err"; do
    if ! kill -0 "$sub_pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
        echo "subscriber did not subscribe:" >&2
        cat "$out/sub.err" >&2
        exit 1
    fi
    sleep 0.05
done

for qos in 0 1 2; do
    "$publisher" -h 127.0.0.1 -p "$port" -t "$topic" -q "$qos" -n 1 -m "message sent at QoS $qos"
done

# -C 3 makes the subscriber exit by itself after the third message; bound the wait.
deadline=$((SECONDS + 10))
while kill -0 "$sub_pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "subscriber still running after 10 s; it printed:" >&2
        cat "$out/sub.out" >&2
        exit 1
    fi
    sleep 0.05
done
status=0
wait "$sub_pid" || status=$?
sub_pid=""

echo "subscriber output:"
sed 's/^/  /' "$out/sub.out"
expected="$topic 0 message sent at QoS 0 1
$topic 1 message sent at QoS 1 1
$topic 2 message sent at QoS 2 1"
if [ "$status" != 0 ] || [ "$(cat "$out/sub.out")" != "$expected" ]; then
    echo "FAILED: the subscriber (exit status $status) did not print the three messages" >&2
    cat "$out/sub.err" >&2
    exit 1
fi
echo "OK: all three messages (QoS 0, 1, 2) received"
