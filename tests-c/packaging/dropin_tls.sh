#!/usr/bin/env bash
# The TLS drop-in test: Debian's unmodified mosquitto_pub and mosquitto_sub (package
# mosquitto-clients, linked against libmosquitto.so.1) run with the dynamic loader pointed at
# LIBDIR, against a private mosquitto broker with three TLS listeners on free 127.0.0.1 ports:
#
#   server     TLS with a server certificate only                     (clients use --cafile)
#   mutual     TLS with require_certificate true                      (--cafile --cert --key)
#   psk        TLS-PSK with psk_hint and psk_file                     (--psk --psk-identity)
#
#   dropin_tls.sh LIBDIR        LIBDIR holds Culex's libmosquitto.so.1 (e.g. build/lib)
#   dropin_tls.sh --reference   the same checks against the system libmosquitto (checks the test)
#
# The CA, the server certificate (localhost, 127.0.0.1), the client certificate and key, a second
# (wrong) CA and the PSK file are made by the openssl command in a temporary directory at run
# time and deleted afterwards. On each listener a QoS 1 message goes from mosquitto_pub to
# mosquitto_sub; then one refusal each, with mosquitto_pub and with mosquitto_sub: a CA that did
# not sign the server certificate, no client certificate on the mutual listener, a wrong PSK.
# A refused client must exit non-zero within REFUSE_DEADLINE seconds and never be connected
# at the MQTT level. Every client run records the loader's trace (LD_DEBUG=libs) and the test
# prints which libmosquitto.so.1 file it loaded, failing unless it is LIBDIR's. Waits are on
# events (open ports, broker log lines, client exits) with deadlines, never fixed sleeps.
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
[ -f "$expected" ] || { echo "dropin_tls: $expected not found" >&2; exit 1; }

MOSQUITTO="${MOSQUITTO:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}"
PUB=/usr/bin/mosquitto_pub
SUB=/usr/bin/mosquitto_sub
for tool in "$MOSQUITTO" "$PUB" "$SUB"; do
    [ -x "$tool" ] || { echo "dropin_tls: $tool not found (apt-get install mosquitto mosquitto-clients)" >&2; exit 1; }
done
command -v openssl > /dev/null || { echo "dropin_tls: openssl not found (apt-get install openssl)" >&2; exit 1; }
# A refused client must have given up within this many seconds.
REFUSE_DEADLINE=10

dir="$(mktemp -d "${TMPDIR:-/tmp}/culex-dropin-tls.XXXXXX")"
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

# ---- certificates (made here, never committed) -------------------------------------------------
# EC P-256, valid two days: a CA, a server certificate for localhost and 127.0.0.1, a client
# certificate (CN culex-dropin-client), and a second CA that signed none of them.
(
    cd "$dir"
    for ca in ca wrong-ca; do
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
            -subj "/CN=Culex drop-in test $ca" -keyout "$ca.key" -out "$ca.crt" \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign"
    done
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
        -keyout server.key -out server.csr
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
        -extfile server.ext -out server.crt
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=culex-dropin-client" \
        -keyout client.key -out client.csr
    printf 'extendedKeyUsage=clientAuth\n' > client.ext
    openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
        -extfile client.ext -out client.crt
) > "$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; fail "openssl could not make the certificates"; }
PSK_IDENTITY=culex-dropin-device
PSK_KEY=0a1b2c3d4e5f60718293a4b5c6d7e8f9
WRONG_PSK_KEY=0a1b2c3d4e5f60718293a4b5c6d7e8fa
echo "$PSK_IDENTITY:$PSK_KEY" > "$dir/psk"

# ---- broker ----------------------------------------------------------------------------------
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# start_broker: start mosquitto with $dir/mosquitto.conf; true once all three ports accept
# connections, false if the broker exited first.
start_broker() {
    : > "$dir/broker.log"
    "$MOSQUITTO" -c "$dir/mosquitto.conf" >> "$dir/broker.log" 2>&1 &
    broker_pid=$!
    local deadline=$((SECONDS + 10)) p
    for p in "$port_server" "$port_mutual" "$port_psk"; do
        while kill -0 "$broker_pid" 2>/dev/null && ! port_open "$p"; do
            [ "$SECONDS" -lt "$deadline" ] || fail "broker did not open port $p"
            sleep 0.05
        done
    done
    kill -0 "$broker_pid" 2>/dev/null
}
free_port() {
    local candidate
    while :; do
        candidate=$((20000 + RANDOM % 40000))
        port_open "$candidate" && continue
        case " $* " in *" $candidate "*) continue ;; esac
        echo "$candidate"
        return
    done
}
started=0
for _attempt in 1 2 3 4 5 6 7 8 9 10; do
    port_server="$(free_port)"
    port_mutual="$(free_port "$port_server")"
    port_psk="$(free_port "$port_server" "$port_mutual")"
    cat > "$dir/mosquitto.conf" <<EOF
# Generated by dropin_tls.sh for one test run.
allow_anonymous true
persistence false
user $(id -un)
log_dest stderr
log_type all
connection_messages true
psk_file $dir/psk

# server authentication only
listener $port_server 127.0.0.1
cafile $dir/ca.crt
certfile $dir/server.crt
keyfile $dir/server.key

# mutual authentication: the client certificate's CN becomes the username
listener $port_mutual 127.0.0.1
cafile $dir/ca.crt
certfile $dir/server.crt
keyfile $dir/server.key
require_certificate true
use_identity_as_username true

# pre-shared key: the PSK identity becomes the username
listener $port_psk 127.0.0.1
psk_hint culex-dropin
use_identity_as_username true
EOF
    if start_broker; then started=1; break; fi
    wait "$broker_pid" 2>/dev/null || true
    broker_pid=""
    grep -qi "address already in use" "$dir/broker.log" || fail "the broker did not start"
done
[ "$started" = 1 ] || fail "could not start the broker (no free ports)"
echo "broker: $MOSQUITTO on 127.0.0.1, server-auth TLS :$port_server, mutual TLS :$port_mutual, PSK :$port_psk"

# ---- clients ---------------------------------------------------------------------------------
# Every client run has its loader trace in $dir/NAME.ld.*, stdout in $dir/NAME.out, stderr in
# $dir/NAME.err. PORT is one of the three listeners.
#
# client NAME PORT TOOL ARGS...: in the foreground, with a 10 s deadline.
client() {
    local name="$1" port="$2" tool="$3"; shift 3
    env ${libdir:+LD_LIBRARY_PATH="$libdir"} LD_DEBUG=libs LD_DEBUG_OUTPUT="$dir/$name.ld" \
        timeout 10 "$tool" -h 127.0.0.1 -p "$port" "$@" > "$dir/$name.out" 2> "$dir/$name.err"
}
# client_bg NAME PORT TOOL ARGS...: in the background, 20 s deadline; its pid is in $last_pid.
client_bg() {
    local name="$1" port="$2" tool="$3"; shift 3
    env ${libdir:+LD_LIBRARY_PATH="$libdir"} LD_DEBUG=libs LD_DEBUG_OUTPUT="$dir/$name.ld" \
        timeout 20 "$tool" -h 127.0.0.1 -p "$port" "$@" > "$dir/$name.out" 2> "$dir/$name.err" &
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
    printf '    %-24s loaded %s\n' "$1" "$(readlink -f "$file")"
    [ "$(readlink -f "$file")" = "$expected" ] || fail "$1 loaded $file, not $expected"
}
# wait_log TEXT: wait until the broker log has a line containing TEXT.
wait_log() {
    local deadline=$((SECONDS + 10))
    until grep -q -F -- "$1" "$dir/broker.log"; do
        [ "$SECONDS" -lt "$deadline" ] || fail "broker never logged '$1'"
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

# deliver CASE PORT USERNAME TLS-ARGS...: mosquitto_sub (QoS 1, -C 1) and mosquitto_pub (QoS 1)
# on PORT with TLS-ARGS; the message must arrive. If USERNAME is not empty, the broker must have
# taken it from the TLS identity (client certificate CN or PSK identity) of both clients.
deliver() {
    local case="$1" port="$2" user="$3"; shift 3
    local sub="$case-sub" pub="$case-pub" pid
    client_bg "$sub" "$port" "$SUB" "$@" -i "dropin-$sub" -q 1 -t "dropin/tls/$case" -C 1 -F '%t %q %p'
    pid=$last_pid
    wait_log "Sending SUBACK to dropin-$sub"
    client "$pub" "$port" "$PUB" "$@" -i "dropin-$pub" -q 1 -t "dropin/tls/$case" -m "over $case" ||
        fail "$pub: $(cat "$dir/$pub.err")"
    check_loaded "$pub"
    finish "$sub" "$pid"
    expect_output "$sub" "dropin/tls/$case 1 over $case"
    if [ -n "$user" ]; then
        local id
        for id in "dropin-$sub" "dropin-$pub"; do
            grep -q "as $id (.*u'$user')" "$dir/broker.log" ||
                fail "the broker did not see $id as user '$user' (from its TLS identity)"
        done
        echo "    broker saw both clients as u'$user'"
    fi
}

# log_count TEXT: how many broker log lines contain TEXT.
log_count() { grep -c -F -- "$1" "$dir/broker.log" || true; }
# refuse NAME PORT REASON TOOL ARGS...: the client must fail (non-zero exit, not the deadline's
# 124) within REFUSE_DEADLINE seconds, the broker must log one more OpenSSL error containing
# REASON (so the refusal is the TLS one meant), and it must never have accepted the client at
# the MQTT level.
refuse() {
    local name="$1" port="$2" reason="$3" tool="$4"; shift 4
    local status=0 start=$SECONDS before
    before="$(log_count "$reason")"
    env ${libdir:+LD_LIBRARY_PATH="$libdir"} LD_DEBUG=libs LD_DEBUG_OUTPUT="$dir/$name.ld" \
        timeout "$REFUSE_DEADLINE" "$tool" -h 127.0.0.1 -p "$port" -i "dropin-$name" "$@" \
        > "$dir/$name.out" 2> "$dir/$name.err" || status=$?
    check_loaded "$name"
    [ "$status" != 124 ] ||
        fail "$name: still running after $REFUSE_DEADLINE s instead of failing: $(cat "$dir/$name.err")"
    [ "$status" != 0 ] || fail "$name: succeeded, but must have been refused: $(cat "$dir/$name.err")"
    local deadline=$((SECONDS + 10))
    while [ "$(log_count "$reason")" -le "$before" ]; do
        [ "$SECONDS" -lt "$deadline" ] || fail "$name: the broker never logged '$reason': $(cat "$dir/$name.err")"
        sleep 0.05
    done
    ! grep -q "as dropin-$name " "$dir/broker.log" || fail "$name: the broker accepted it as a client"
    printf '    %-24s refused in %ss, status %s: %s (broker: %s)\n' "$name" "$((SECONDS - start))" \
        "$status" "$(head -1 "$dir/$name.err")" "$reason"
}

CA=(--cafile "$dir/ca.crt")
CERT=(--cert "$dir/client.crt" --key "$dir/client.key")

echo "== server-auth TLS (--cafile), QoS 1"
deliver server "$port_server" "" "${CA[@]}"

echo "== mutual TLS (--cafile --cert --key), QoS 1"
deliver mutual "$port_mutual" culex-dropin-client "${CA[@]}" "${CERT[@]}"

echo "== TLS-PSK (--psk --psk-identity), QoS 1"
deliver psk "$port_psk" "$PSK_IDENTITY" --psk "$PSK_KEY" --psk-identity "$PSK_IDENTITY"

echo "== refusals"
for tool in pub sub; do
    if [ "$tool" = pub ]; then
        bin=$PUB; what=(-q 1 -t dropin/tls/refused -m no)
    else
        bin=$SUB; what=(-q 1 -t dropin/tls/refused -E)
    fi
    # A CA that did not sign the server's certificate.
    refuse "wrong-ca-$tool" "$port_server" "alert unknown ca" "$bin" --cafile "$dir/wrong-ca.crt" "${what[@]}"
    # No client certificate on the listener that requires one.
    refuse "no-cert-$tool" "$port_mutual" "peer did not return a certificate" "$bin" "${CA[@]}" "${what[@]}"
    # The right identity with the wrong key.
    refuse "wrong-psk-$tool" "$port_psk" "binder does not verify" \
        "$bin" --psk "$WRONG_PSK_KEY" --psk-identity "$PSK_IDENTITY" "${what[@]}"
done

echo
echo "OK: mosquitto_pub and mosquitto_sub ran over TLS (--cafile, --cert/--key, --psk) on $expected"
