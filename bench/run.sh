#!/usr/bin/env bash
# Culex vs libmosquitto, side by side, in one run (see bench/README.md).
#
#   bench/run.sh                 the full matrix, 5 alternating repetitions per row (~7 minutes)
#   bench/run.sh --smoke         every scenario once with tiny counts (well under a minute); exits
#                                non-zero on any failure. ctest runs this.
#   bench/run.sh --reps N        N repetitions per row instead of 5
#   bench/run.sh --only REGEX    only the rows whose name matches REGEX (e.g. --only 'pub-sink')
#
# The rows ending in -ws run Culex only: MQTT over WebSockets to mosquitto's websockets listener
# (libmosquitto 2.0 has no WebSocket client), next to the same rows over TCP.
#
# Builds libculex (cargo build --release), the sink broker (bench/sink, its own cargo project) and
# bench/bench.c twice: against Culex (include/, target/release/libculex.so) and against the system
# libmosquitto (-lmosquitto). Starts the sink and a private mosquitto on 127.0.0.1, runs every row
# alternating the two libraries (libmosquitto first on odd repetitions, Culex first on even ones),
# and prints the table: median per library, the median of the paired ratios Culex/libmosquitto, and
# how noisy the row was. Build outputs and raw results go to target/bench/ (CULEX_BENCH_DIR).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${CULEX_BENCH_DIR:-$repo/target/bench}"
mode=full
reps=5
only=""
while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) mode=smoke; reps=1; shift ;;
        --reps) reps="$2"; shift 2 ;;
        --only) only="$2"; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
mkdir -p "$out"
work="$(mktemp -d "${TMPDIR:-/tmp}/culex-bench.XXXXXX")"

pids=()
cleanup() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    for p in "${pids[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

log() { echo "run.sh: $*" >&2; }

# ------------------------------------------------------------------ build
CARGO="${CARGO:-$(command -v cargo || echo "$HOME/.cargo/bin/cargo")}"
CC="${CC:-cc}"
log "building libculex (cargo build --release --lib)"
(cd "$repo" && "$CARGO" build --quiet --release --lib)
log "building the sink broker (bench/sink)"
CARGO_TARGET_DIR="$out/sink" "$CARGO" build --quiet --release --locked \
    --manifest-path "$repo/bench/sink/Cargo.toml"
sink_bin="$out/sink/release/culex-bench-sink"
cflags=(-O2 -g -Wall -Wextra -Werror -std=gnu11)
log "building bench.c against Culex and against the system libmosquitto"
"$CC" "${cflags[@]}" -DBENCH_CULEX -I "$repo/include" "$repo/bench/bench.c" -o "$out/bench-culex" \
    -L "$repo/target/release" -lculex -Wl,-rpath,"$repo/target/release" -lpthread
"$CC" "${cflags[@]}" "$repo/bench/bench.c" -o "$out/bench-libmosquitto" -lmosquitto -lpthread
# (ldd into a variable: `ldd | grep -q` fails under pipefail when grep stops reading early)
libs="$(ldd "$out/bench-culex")"
if [[ "$libs" != *"$repo/target/release/libculex.so"* ]]; then
    log "bench-culex does not load $repo/target/release/libculex.so"; exit 1
fi
libs="$(ldd "$out/bench-libmosquitto")"
if [[ "$libs" != *"libmosquitto.so.1 => /"* ]]; then
    log "bench-libmosquitto does not load the system libmosquitto.so.1"; exit 1
fi

# ------------------------------------------------------------------ peers
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

"$sink_bin" --lifetime 3600 > "$work/sink.out" &
pids+=($!)
for _ in $(seq 1 100); do
    [ -s "$work/sink.out" ] && break
    sleep 0.05
done
sink_port="$(awk '/^PORT /{print $2}' "$work/sink.out")"
[ -n "$sink_port" ] || { log "the sink did not start"; exit 1; }

MOSQUITTO="${MOSQUITTO:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}"
mosq_port=""
ws_port=""
# Ports below the ephemeral range (32768+), so that TIME_WAIT sockets never block the bind.
for _attempt in 1 2 3 4 5 6 7 8 9 10; do
    candidate=$((10000 + RANDOM % 20000))
    ws_candidate=$((candidate + 1))
    port_open "$candidate" && continue
    port_open "$ws_candidate" && continue
    cat > "$work/mosquitto.conf" <<EOF
listener $ws_candidate 127.0.0.1
protocol websockets
listener $candidate 127.0.0.1
allow_anonymous true
persistence false
user $(id -un)
max_connections -1
set_tcp_nodelay true
log_dest stderr
log_type error
log_type warning
EOF
    "$MOSQUITTO" -c "$work/mosquitto.conf" 2> "$work/mosquitto.log" &
    mpid=$!
    for _ in $(seq 1 100); do
        port_open "$candidate" && break
        kill -0 "$mpid" 2>/dev/null || break
        sleep 0.05
    done
    if port_open "$candidate" && port_open "$ws_candidate"; then
        mosq_port=$candidate
        ws_port=$ws_candidate
        pids+=("$mpid")
        break
    fi
    kill "$mpid" 2>/dev/null || true
    wait "$mpid" 2>/dev/null || true
done
[ -n "$mosq_port" ] || { log "mosquitto did not start"; cat "$work/mosquitto.log" >&2; exit 1; }

# ------------------------------------------------------------------ the matrix
# name | peer (sink or mosq) | bench arguments | figures (first is the main one)
tput_figs="cpu_us_per_msg"
if [ "$mode" = smoke ]; then
    n0=3000; n1=1000; n2=500; nm0=2000; nm1=500; nm2=300; nrtt=200; clients=200
    idle_s=2; idle_k=5; nlim=20000; tlimit=20
else
    n0=500000; n1=200000; n2=100000; nm0=200000; nm1=50000; nm2=30000; nrtt=10000
    # libmosquitto holds three descriptors per client (socket + wake-up socketpair): fit the
    # comparison into the hard RLIMIT_NOFILE (the bench raises its soft limit to the hard one).
    hard="$(ulimit -Hn)"
    clients=10000
    if [ "$hard" != unlimited ] && [ $(( (hard - 64) / 3 )) -lt "$clients" ]; then
        clients=$(( (hard - 64) / 3 / 500 * 500 ))
    fi
    idle_s=60; idle_k=30; nlim=5000000; tlimit=180
fi
rows=(
    "pub-sink-q0-64B|sink|pub -q 0 -s 64 -n $n0|$tput_figs"
    "pub-sink-q1-64B|sink|pub -q 1 -s 64 -n $n1|$tput_figs"
    "pub-sink-q2-64B|sink|pub -q 2 -s 64 -n $n2|$tput_figs"
    "pub-sink-q0-4KiB|sink|pub -q 0 -s 4096 -n $((n0 / 4))|$tput_figs"
    "pub-sink-q1-4KiB|sink|pub -q 1 -s 4096 -n $((n1 / 2))|$tput_figs"
    "pub-sink-q2-4KiB|sink|pub -q 2 -s 4096 -n $((n2 / 2))|$tput_figs"
    "pub-mosq-q0-64B|mosq|pub -q 0 -s 64 -n $nm0|$tput_figs"
    "pub-mosq-q1-64B|mosq|pub -q 1 -s 64 -n $nm1|$tput_figs"
    "pub-mosq-q2-64B|mosq|pub -q 2 -s 64 -n $nm2|$tput_figs"
    "pub-mosq-q0-4KiB|mosq|pub -q 0 -s 4096 -n $((nm0 / 2))|$tput_figs"
    "pub-mosq-q1-4KiB|mosq|pub -q 1 -s 4096 -n $nm1|$tput_figs"
    "pub-mosq-q2-4KiB|mosq|pub -q 2 -s 4096 -n $nm2|$tput_figs"
    "recv-sink-q0-64B|sink|recv -q 0 -s 64 -n $n0|$tput_figs"
    "recv-sink-q1-64B|sink|recv -q 1 -s 64 -n $n1|$tput_figs"
    "recv-sink-q2-64B|sink|recv -q 2 -s 64 -n $n2|$tput_figs"
    "pub-mosq-q1-64B-ws|mosqws|pub -W -q 1 -s 64 -n $nm1|$tput_figs"
    "pub-mosq-q1-4KiB-ws|mosqws|pub -W -q 1 -s 4096 -n $nm1|$tput_figs"
    "recv-mosq-q1-64B|mosq|recv -P @mosq -q 1 -s 64 -n $nm1|$tput_figs"
    "recv-mosq-q1-64B-ws|mosqws|recv -W -P @mosq -q 1 -s 64 -n $nm1|$tput_figs"
    "rtt-mosq-q0-64B|mosq|rtt -q 0 -s 64 -n $nrtt|p50_us p99_us cpu_us_per_msg"
    "rtt-mosq-q1-64B|mosq|rtt -q 1 -s 64 -n $nrtt|p50_us p99_us cpu_us_per_msg"
    "idle-$clients-clients|sink|idle -c $clients|rss_per_conn_bytes connect_all_ms cpu_us_per_conn"
)
if [ "$mode" = smoke ]; then
    # MQTT 5 through the same paths (the sink speaks both).
    rows+=("pub-sink-q2-64B-v5|sink|pub -V 5 -q 2 -s 64 -n $n2|$tput_figs"
           "recv-sink-q2-64B-v5|sink|recv -V 5 -q 2 -s 64 -n $n2|$tput_figs")
fi

results="$out/results-$mode.txt"
: > "$results"
: > "$out/notes-$mode.txt"
failures=0

# run_one <row> <lib> <rep> <peer> <args...>: one measurement, appended to $results.
run_one() {
    local row="$1" lib="$2" rep="$3" peer="$4"
    shift 4
    local port="$sink_port"
    [ "$peer" = mosq ] && port="$mosq_port"
    [ "$peer" = mosqws ] && port="$ws_port"
    # WebSocket rows: Culex only.
    [ "$peer" = mosqws ] && [ "$lib" = libmosquitto ] && return 0
    # "-P @mosq": the feeder publishes to mosquitto's TCP port.
    local args=() a
    for a in "$@"; do
        [ "$a" = @mosq ] && a="$mosq_port"
        args+=("$a")
    done
    set -- "${args[@]}"
    # The limit rows use no library: the Culex build's copy of that code runs them.
    local bin="$out/bench-$lib"
    [ "$lib" = raw ] && bin="$out/bench-culex"
    local line status=0
    line="$(timeout $((tlimit + 30)) "$bin" "$@" -p "$port" -t "$tlimit" 2> "$work/err")" || status=$?
    line="$(printf '%s\n' "$line" | grep '^RESULT ' | tail -1 || true)"
    if [ "$status" != 0 ] || [ -z "$line" ]; then
        log "FAILED: $row $lib rep $rep (status $status): $(tr '\n' ' ' < "$work/err")"
        failures=$((failures + 1))
        echo "$row $lib $rep FAILED" >> "$results"
        return 0
    fi
    echo "$row $lib $rep ${line#RESULT }" >> "$results"
}

# The idle-CPU rows run in the background, all repetitions at once, while the matrix runs: they
# are asleep almost all the time, and 60 s each in sequence would add 10 minutes.
idle_jobs=()
if [ -z "$only" ] || [[ "cpuidle" =~ $only ]]; then
    for rep in $(seq 1 "$reps"); do
        for lib in libmosquitto culex; do
            ( timeout $((idle_s + tlimit + 30)) "$out/bench-$lib" cpuidle -p "$sink_port" -k "$idle_k" \
                  -d "$idle_s" -t "$tlimit" > "$work/cpuidle-$lib-$rep.out" 2> "$work/cpuidle-$lib-$rep.err"
              echo $? > "$work/cpuidle-$lib-$rep.rc" ) &
            idle_jobs+=($!)
        done
    done
fi

log "sink on 127.0.0.1:$sink_port, mosquitto on 127.0.0.1:$mosq_port (websockets $ws_port); $mode run, $reps repetition(s) per row"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for spec in "${rows[@]}"; do
    IFS='|' read -r row peer args figs <<< "$spec"
    if [ -n "$only" ] && ! [[ "$row" =~ $only ]]; then
        continue
    fi
    log "$row"
    for rep in $(seq 1 "$reps"); do
        if [ $((rep % 2)) = 1 ]; then order="libmosquitto culex"; else order="culex libmosquitto"; fi
        for lib in $order; do
            # shellcheck disable=SC2086 # $args is a list of words
            run_one "$row" "$lib" "$rep" "$peer" $args
        done
    done
done

# Ten thousand idle clients in one process, once per library, when the descriptor limit lets the
# comparison row above use fewer: reported, not counted as a failure (it is the machine's limit).
if [ "$mode" = full ] && [ "$clients" -lt 10000 ] && { [ -z "$only" ] || [[ "idle" =~ $only ]]; }; then
    log "idle-10000-clients (attempt, RLIMIT_NOFILE hard limit $(ulimit -Hn))"
    for lib in libmosquitto culex; do
        status=0
        line="$(timeout $((tlimit + 30)) "$out/bench-$lib" idle -c 10000 -p "$sink_port" -t "$tlimit" 2> "$work/err")" \
            || status=$?
        if [ "$status" = 0 ]; then
            echo "idle-10000-clients $lib 1 ${line#RESULT }" >> "$results"
        else
            echo "idle-10000-attempt $lib: failed: $(tr '\n' ' ' < "$work/err")" >> "$out/notes-$mode.txt"
            log "idle-10000-clients $lib: failed: $(tr '\n' ' ' < "$work/err")"
        fi
    done
fi

# The limit: pre-encoded PUBLISH packets, no library (the same code in both binaries).
if [ -z "$only" ] || [[ "limit" =~ $only ]]; then
    for size in 64 4096; do
        row="limit-sink-q0-$( [ $size = 64 ] && echo 64B || echo 4KiB )"
        log "$row"
        for rep in $(seq 1 "$reps"); do
            run_one "$row" raw "$rep" sink limit -s "$size" -n $(( size == 64 ? nlim : nlim / 10 ))
        done
    done
fi

if [ ${#idle_jobs[@]} -gt 0 ]; then
    log "waiting for the idle-CPU clients (${idle_s} s each, started at the beginning)"
    for j in "${idle_jobs[@]}"; do wait "$j" || true; done
    for rep in $(seq 1 "$reps"); do
        for lib in libmosquitto culex; do
            rc="$(cat "$work/cpuidle-$lib-$rep.rc" 2>/dev/null || echo 1)"
            line="$(grep '^RESULT ' "$work/cpuidle-$lib-$rep.out" | tail -1 || true)"
            if [ "$rc" != 0 ] || [ -z "$line" ]; then
                log "FAILED: cpuidle $lib rep $rep: $(tr '\n' ' ' < "$work/cpuidle-$lib-$rep.err")"
                failures=$((failures + 1))
                echo "cpuidle-${idle_s}s $lib $rep FAILED" >> "$results"
            else
                echo "cpuidle-${idle_s}s $lib $rep ${line#RESULT }" >> "$results"
            fi
        done
    done
fi
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# ------------------------------------------------------------------ the table
figures_of() {
    case "$1" in
        rtt-*) echo "p50_us p99_us cpu_us_per_msg" ;;
        idle-*) echo "rss_per_conn_bytes connect_all_ms cpu_us_per_conn" ;;
        cpuidle-*) echo "cpu_us wakeups" ;;
        *) echo "cpu_us_per_msg" ;;
    esac
}
table="$out/table-$mode.md"
{
    echo "| row | figure | libmosquitto | Culex | ratio | noise (lm / Culex) | msgs/s (lm / Culex) | peak RSS KiB (lm / Culex) |"
    echo "|---|---|---:|---:|---:|---|---|---|"
    for row in $(awk '{print $1}' "$results" | awk '!seen[$0]++'); do
        for fig in $(figures_of "$row"); do
            awk -v row="$row" -v fig="$fig" -f "$repo/bench/table.awk" "$results"
        done
    done
} > "$table"
echo
echo "Culex vs libmosquitto, $mode run, $reps repetition(s) per row, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average before $load_before, after $load_after"
echo "Culex commit: $(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$repo" && git diff --quiet HEAD -- src 2>/dev/null || echo ' (+ uncommitted changes in src/)')"
echo
cat "$table"
if [ -s "$out/notes-$mode.txt" ]; then
    echo
    cat "$out/notes-$mode.txt"
fi
echo
echo "ratio: median over repetitions of (Culex / libmosquitto) of the same repetition; lower is better."
echo "noise: half the spread (max - min) of the repetitions over their median. raw: $results"
if [ "$failures" -gt 0 ]; then
    log "$failures run(s) failed"
    exit 1
fi
