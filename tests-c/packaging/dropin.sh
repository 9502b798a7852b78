#!/usr/bin/env bash
# The drop-in test: Debian's unmodified mosquitto_pub, mosquitto_sub and mosquitto_rr (package
# mosquitto-clients, linked against libmosquitto.so.1) run with the dynamic loader pointed at
# LIBDIR, against a private mosquitto broker on a free 127.0.0.1 port.
#
#   dropin.sh LIBDIR          LIBDIR holds Culex's libmosquitto.so.1 (e.g. build/lib)
#   dropin.sh --reference     the same checks against the system libmosquitto (checks the test)
#
# Every client run records the loader's trace (LD_DEBUG=libs) and the test prints which
# libmosquitto.so.1 file it loaded, failing unless it is LIBDIR's. Checked: QoS 0/1/2 with
# -V 31, 311 and 5; retained messages; a will; username/password (and a refused password); -C
# message counts; MQTT 5 user properties with -D; request/response with mosquitto_rr; a
# subscriber that keeps running while the broker restarts. Waits are on events (broker log
# lines, client output) with deadlines, never fixed sleeps.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 LIBDIR | --reference" >&2
    exit 2
fi
if [ "$1" = "--reference" ]; then
    libdir=""
    expected="$(readlink -f /usr/lib/x86_64-linux-gnu/libmosquitto.so.1)"
else
    libdir="$(cd "$1" && pwd)"
    expected="$(readlink -f "$libdir/libmosquitto.so.1")"
fi
[ -f "$expected" ] || { echo "dropin: $expected not found" >&2; exit 1; }

MOSQUITTO="${MOSQUITTO:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}"
MOSQUITTO_PASSWD="${MOSQUITTO_PASSWD:-$(command -v mosquitto_passwd || echo /usr/bin/mosquitto_passwd)}"
PUB=/usr/bin/mosquitto_pub
SUB=/usr/bin/mosquitto_sub
RR=/usr/bin/mosquitto_rr
for tool in "$MOSQUITTO" "$MOSQUITTO_PASSWD" "$PUB" "$SUB" "$RR"; do
    [ -x "$tool" ] || { echo "dropin: $tool not found (apt-get install mosquitto mosquitto-clients)" >&2; exit 1; }
done

dir="$(mktemp -d "${TMPDIR:-/tmp}/culex-dropin.XXXXXX")"
broker_pid=""
bg_pids=()
cleanup() {
    local pid
    for pid in "${bg_pids[@]}" $broker_pid; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${bg_pids[@]}" $broker_pid; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$dir"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    echo "---- broker log (last 40 lines) ----" >&2
    tail -40 "$dir/broker.log" >&2 || true
    exit 1
}

# ---- broker ----------------------------------------------------------------------------------
"$MOSQUITTO_PASSWD" -c -b "$dir/passwd" alice secret 2>/dev/null
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
start_broker() {
    "$MOSQUITTO" -c "$dir/mosquitto.conf" >> "$dir/broker.log" 2>&1 &
    broker_pid=$!
    local deadline=$((SECONDS + 10))
    while kill -0 "$broker_pid" 2>/dev/null && ! port_open "$port"; do
        [ "$SECONDS" -lt "$deadline" ] || fail "broker did not open port $port"
        sleep 0.05
    done
    kill -0 "$broker_pid" 2>/dev/null
}
port=""
for _attempt in 1 2 3 4 5 6 7 8 9 10; do
    candidate=$((20000 + RANDOM % 40000))
    port_open "$candidate" && continue
    port=$candidate
    cat > "$dir/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
password_file $dir/passwd
persistence false
user $(id -un)
log_dest stderr
log_type all
connection_messages true
EOF
    if start_broker; then break; fi
    wait "$broker_pid" 2>/dev/null || true
    broker_pid=""
    port=""
done
[ -n "$port" ] || fail "could not start the broker"
echo "broker: $MOSQUITTO on 127.0.0.1:$port"

# ---- clients ---------------------------------------------------------------------------------
n=0
# client NAME TOOL ARGS...: run a client in the foreground (10 s deadline) with the loader trace
# in $dir/NAME.ld.*; its stdout goes to $dir/NAME.out, stderr to $dir/NAME.err.
client() {
    local name="$1"; shift
    local tool="$1"; shift
    env ${libdir:+LD_LIBRARY_PATH="$libdir"} LD_DEBUG=libs LD_DEBUG_OUTPUT="$dir/$name.ld" \
        timeout 10 "$tool" -h 127.0.0.1 -p "$port" "$@" > "$dir/$name.out" 2> "$dir/$name.err"
}
# client_bg NAME TOOL ARGS...: the same in the background (20 s deadline, or none with
# NO_DEADLINE=1, for a client the test kills itself); its pid is in $last_pid.
client_bg() {
    local name="$1"; shift
    local tool="$1"; shift
    local deadline=(timeout 20)
    [ "${NO_DEADLINE:-0}" = 1 ] && deadline=()
    env ${libdir:+LD_LIBRARY_PATH="$libdir"} LD_DEBUG=libs LD_DEBUG_OUTPUT="$dir/$name.ld" \
        "${deadline[@]}" "$tool" -h 127.0.0.1 -p "$port" "$@" > "$dir/$name.out" 2> "$dir/$name.err" &
    last_pid=$!
    bg_pids+=("$last_pid")
}
# The libmosquitto.so.1 file a client run loaded, from its loader trace.
loaded_library() {
    local trace
    trace="$(cat "$dir/$1".ld.* 2>/dev/null)"
    printf '%s\n' "$trace" | sed -n 's/.*calling init: \(.*libmosquitto\.so\.1\)$/\1/p' | head -1
}
# check_loaded NAME: print and check which library the run NAME loaded.
check_loaded() {
    local file
    file="$(loaded_library "$1")"
    [ -n "$file" ] || fail "$1: no libmosquitto.so.1 in the loader trace"
    printf '    %-22s loaded %s\n' "$1" "$(readlink -f "$file")"
    [ "$(readlink -f "$file")" = "$expected" ] || fail "$1 loaded $file, not $expected"
}
# wait_log TEXT COUNT: wait until the broker log has COUNT lines containing TEXT.
wait_log() {
    local deadline=$((SECONDS + 10))
    while [ "$(grep -c -F -- "$1" "$dir/broker.log" || true)" -lt "${2:-1}" ]; do
        [ "$SECONDS" -lt "$deadline" ] || fail "broker never logged '$1' (${2:-1} times)"
        sleep 0.05
    done
}
# finish NAME PID: wait for a background client and fail on a non-zero exit.
finish() {
    local status=0
    wait "$2" || status=$?
    [ "$status" = 0 ] || fail "$1 exited with status $status: $(cat "$dir/$1.err")"
    check_loaded "$1"
}
expect_output() {
    local got
    got="$(cat "$dir/$1.out")"
    [ "$got" = "$2" ] || fail "$1 printed '$got', expected '$2'"
}

# ---- QoS 0/1/2 x MQTT 3.1, 3.1.1, 5 --------------------------------------------------------
echo "== QoS 0/1/2 with -V 31, 311, 5"
for v in 31 311 5; do
    for q in 0 1 2; do
        n=$((n + 1))
        client_bg "sub-v$v-q$q" "$SUB" -V "$v" -q "$q" -i "dropin-sub-$v-$q" -t "dropin/qos/$v/$q" -C 1 -v -F '%t %q %p'
        pid=$last_pid
        wait_log "Sending SUBACK to dropin-sub-$v-$q"
        client "pub-v$v-q$q" "$PUB" -V "$v" -q "$q" -t "dropin/qos/$v/$q" -m "hello $v $q" ||
            fail "pub-v$v-q$q: $(cat "$dir/pub-v$v-q$q.err")"
        check_loaded "pub-v$v-q$q"
        finish "sub-v$v-q$q" "$pid"
        expect_output "sub-v$v-q$q" "dropin/qos/$v/$q $q hello $v $q"
    done
done

# ---- retained ----------------------------------------------------------------------------------
echo "== retained messages"
client pub-retain "$PUB" -q 1 -r -t dropin/retained -m kept || fail "pub-retain"
check_loaded pub-retain
client sub-retain "$SUB" -t dropin/retained -C 1 -F '%r %p' || fail "sub-retain: $(cat "$dir/sub-retain.err")"
check_loaded sub-retain
expect_output sub-retain "1 kept"
client pub-unretain "$PUB" -q 1 -r -n -t dropin/retained || fail "pub-unretain"
check_loaded pub-unretain
# Nothing retained any more: with -W 1 the subscriber times out without a message.
client sub-noretain "$SUB" -t dropin/retained -C 1 -W 1 -F '%p' || true
check_loaded sub-noretain
expect_output sub-noretain ""

# ---- will ----------------------------------------------------------------------------------
echo "== will"
client_bg sub-willwatch "$SUB" -i dropin-willwatch -t dropin/will -C 1 -F '%t %p'
watch_pid=$last_pid
wait_log "Sending SUBACK to dropin-willwatch"
NO_DEADLINE=1 client_bg sub-withwill "$SUB" -i dropin-withwill -t dropin/nothing \
    --will-topic dropin/will --will-payload gone --will-qos 1
will_pid=$last_pid
wait_log "Sending SUBACK to dropin-withwill"
check_loaded sub-withwill
# An unclean end (SIGKILL, no DISCONNECT): the broker publishes the will.
kill -KILL "$will_pid"
wait "$will_pid" 2>/dev/null || true
finish sub-willwatch "$watch_pid"
expect_output sub-willwatch "dropin/will gone"

# ---- username / password -----------------------------------------------------------------------
echo "== username/password"
client_bg sub-auth "$SUB" -u alice -P secret -i dropin-auth -t dropin/auth -C 1 -F '%p'
pid=$last_pid
wait_log "Sending SUBACK to dropin-auth"
grep -q "as dropin-auth (.*u'alice')" "$dir/broker.log" || fail "broker did not see user alice"
client pub-auth "$PUB" -u alice -P secret -t dropin/auth -m authorised || fail "pub-auth: $(cat "$dir/pub-auth.err")"
check_loaded pub-auth
finish sub-auth "$pid"
expect_output sub-auth "authorised"
status=0
client pub-badpw "$PUB" -u alice -P wrong -t dropin/auth -m no || status=$?
check_loaded pub-badpw
[ "$status" != 0 ] || fail "pub-badpw: a wrong password was accepted"
grep -qi "not authori" "$dir/pub-badpw.err" || fail "pub-badpw: no refusal message: $(cat "$dir/pub-badpw.err")"
echo "    wrong password refused: $(head -1 "$dir/pub-badpw.err")"

# ---- -C counts -----------------------------------------------------------------------------
echo "== -C message counts"
client_bg sub-count "$SUB" -i dropin-count -t dropin/count -q 1 -C 3 -F '%p'
pid=$last_pid
wait_log "Sending SUBACK to dropin-count"
printf 'one\ntwo\nthree\nfour\nfive\n' > "$dir/lines"
client pub-lines "$PUB" -q 1 -t dropin/count -l < "$dir/lines" || fail "pub-lines: $(cat "$dir/pub-lines.err")"
check_loaded pub-lines
finish sub-count "$pid"
expect_output sub-count "$(printf 'one\ntwo\nthree')"

# ---- MQTT 5 user properties ----------------------------------------------------------------
echo "== MQTT 5 user properties (-D)"
client_bg sub-props "$SUB" -V 5 -i dropin-props -t dropin/props -C 1 -F '%P|%p'
pid=$last_pid
wait_log "Sending SUBACK to dropin-props"
client pub-props "$PUB" -V 5 -t dropin/props -m with-props \
    -D publish user-property colour blue -D publish user-property size 10 ||
    fail "pub-props: $(cat "$dir/pub-props.err")"
check_loaded pub-props
finish sub-props "$pid"
expect_output sub-props "colour:blue size:10|with-props"

# ---- request / response --------------------------------------------------------------------
echo "== request/response (mosquitto_rr)"
client_bg responder "$SUB" -V 5 -i dropin-responder -t dropin/request -C 1 -F '%R'
responder_pid=$last_pid
wait_log "Sending SUBACK to dropin-responder"
client_bg rr "$RR" -V 5 -i dropin-rr -t dropin/request -e dropin/response -m question -W 10
rr_pid=$last_pid
finish responder "$responder_pid"
expect_output responder "dropin/response"
client pub-response "$PUB" -V 5 -t "$(cat "$dir/responder.out")" -m answer ||
    fail "pub-response: $(cat "$dir/pub-response.err")"
check_loaded pub-response
finish rr "$rr_pid"
expect_output rr "answer"

# ---- broker restart --------------------------------------------------------------------------
echo "== subscriber across a broker restart"
client_bg sub-restart "$SUB" -i dropin-restart -t dropin/restart -q 1 -C 2 -F '%p'
pid=$last_pid
wait_log "Sending SUBACK to dropin-restart" 1
client pub-before "$PUB" -q 1 -t dropin/restart -m before || fail "pub-before"
check_loaded pub-before
kill "$broker_pid"
wait "$broker_pid" 2>/dev/null || true
broker_pid=""
echo "    broker stopped"
start_broker || fail "broker restart"
echo "    broker restarted on port $port"
# The subscriber reconnects by itself and subscribes again.
wait_log "Sending SUBACK to dropin-restart" 2
kill -0 "$pid" 2>/dev/null || fail "sub-restart ended during the restart: $(cat "$dir/sub-restart.err")"
client pub-after "$PUB" -q 1 -t dropin/restart -m after || fail "pub-after"
check_loaded pub-after
finish sub-restart "$pid"
expect_output sub-restart "$(printf 'before\nafter')"

echo
echo "OK: mosquitto_pub, mosquitto_sub and mosquitto_rr ran on $expected"
