#!/usr/bin/env bash
# Compare Culex's generated headers with libmosquitto 2.0's (from libmosquitto-dev):
#   - every function both declare must have the same type (a function pointer of libmosquitto's
#     type is initialised with Culex's function under -Werror);
#   - every #define and enum constant both define must have the same value;
#   - the public structs must have the same size and field offsets.
# Names libmosquitto has and Culex does not have yet are listed; with --strict they are an error.
#
#   scripts/check-abi.sh [--strict] [SYSTEM_INCLUDE_DIR]      (default /usr/include)
set -euo pipefail
cd "$(dirname "$0")/.."

strict=0
if [ "${1:-}" = "--strict" ]; then strict=1; shift; fi
sysinc="${1:-/usr/include}"
CC="${CC:-cc}"
for h in mosquitto.h mqtt_protocol.h; do
    if [ ! -f "$sysinc/$h" ]; then
        echo "check-abi: $sysinc/$h not found (install libmosquitto-dev)" >&2
        exit 1
    fi
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
ours="include/mosquitto.h include/mqtt_protocol.h"
missing=()

# --- functions -------------------------------------------------------------------------------
# The preprocessed reference header, one declaration per record.
printf '#include "%s/mosquitto.h"\n' "$sysinc" | "$CC" -E -P -x c - > "$tmp/ref.i"
tr '\n' ' ' < "$tmp/ref.i" | tr ';' '\n' |
    grep -E '^[[:space:]]*[A-Za-z_][A-Za-z0-9_ *]*[ *]mosquitto_[a-z0-9_]+[[:space:]]*\(' |
    grep -v -E '[{}]|^[[:space:]]*typedef' |
    sed -E 's/[[:space:]]+/ /g; s/^ //; s/ $//' > "$tmp/protos"

{
    echo '#include "mosquitto.h"'
    echo '#include "mqtt_protocol.h"'
    n=0
    while IFS= read -r proto; do
        name="$(printf '%s\n' "$proto" | grep -o -E 'mosquitto_[a-z0-9_]+ ?\(' | head -1 | tr -d ' (')"
        if ! grep -q -E "[ *]${name}\(" $ours; then
            missing+=("$name()")
            continue
        fi
        ret="${proto%%"$name"*}"
        params="${proto#*"$name"}"
        params="${params# }"
        n=$((n + 1))
        printf '%s (*const check_%s)%s = %s;\n' "$ret" "$name" "$params" "$name"
    done < "$tmp/protos"
    echo "/* $n functions */"
} > "$tmp/functions.c"
functions_checked=$(grep -c '^.*(\*const check_' "$tmp/functions.c" || true)

# --- constants ------------------------------------------------------------------------------
# Macro names from -dM, enum constants from the preprocessed enum bodies.
printf '#include "%s/mosquitto.h"\n#include "%s/mqtt_protocol.h"\n' "$sysinc" "$sysinc" > "$tmp/both.c"
"$CC" -dM -E "$tmp/both.c" |
    awk '$1 == "#define" && $2 ~ /^(LIBMOSQUITTO_|MOSQ_|MQTT_|CMD_|PROTOCOL_|CONNACK_)/ && NF >= 3 && $3 !~ /^"/ { print $2 }' \
    > "$tmp/names"
"$CC" -E -P "$tmp/both.c" | tr '\n' ' ' | grep -o -E 'enum [a-z0-9_]+ ?\{[^}]*\}' |
    grep -o -E '[A-Z][A-Z0-9_]+ ?=' | tr -d ' =' >> "$tmp/names"
sort -u "$tmp/names" -o "$tmp/names"

{
    printf '#include <stdio.h>\n#include "%s/mosquitto.h"\n#include "%s/mqtt_protocol.h"\nint main(void) {\n' "$sysinc" "$sysinc"
    while IFS= read -r name; do
        printf '    printf("%s %%lld\\n", (long long)(%s));\n' "$name" "$name"
    done < "$tmp/names"
    printf '    return 0;\n}\n'
} > "$tmp/values.c"
"$CC" -o "$tmp/values" "$tmp/values.c"
"$tmp/values" > "$tmp/values.txt"

{
    echo '#include "mosquitto.h"'
    echo '#include "mqtt_protocol.h"'
    while read -r name value; do
        if grep -q -w "$name" $ours; then
            printf '_Static_assert((long long)(%s) == %sLL, "%s differs from libmosquitto (%s)");\n' \
                "$name" "$value" "$name" "$value"
        fi
    done < "$tmp/values.txt"
} > "$tmp/constants.c"
for name in $(cut -d' ' -f1 "$tmp/values.txt"); do
    grep -q -w "$name" $ours || missing+=("$name")
done
constants_checked=$(grep -c '_Static_assert' "$tmp/constants.c" || true)

# --- struct layouts -------------------------------------------------------------------------
structs="mosquitto_message:mid,topic,payload,payloadlen,qos,retain
libmosquitto_will:topic,payload,payloadlen,qos,retain
libmosquitto_auth:username,password
libmosquitto_tls:cafile,capath,certfile,keyfile,ciphers,tls_version,pw_callback,cert_reqs"
{
    printf '#include <stdio.h>\n#include <stddef.h>\n#include "%s/mosquitto.h"\nint main(void) {\n' "$sysinc"
    while IFS=: read -r s fields; do
        printf '    printf("sizeof(struct %s)|%%zu\\n", sizeof(struct %s));\n' "$s" "$s"
        for f in ${fields//,/ }; do
            printf '    printf("offsetof(struct %s, %s)|%%zu\\n", offsetof(struct %s, %s));\n' "$s" "$f" "$s" "$f"
        done
    done <<< "$structs"
    printf '    return 0;\n}\n'
} > "$tmp/layout_ref.c"
"$CC" -o "$tmp/layout_ref" "$tmp/layout_ref.c"
{
    echo '#include <stddef.h>'
    echo '#include "mosquitto.h"'
    "$tmp/layout_ref" | while IFS='|' read -r expr value; do
        s="${expr#*struct }"
        s="${s%%[),]*}"
        if grep -q -E "^struct $s \{" include/mosquitto.h; then
            printf '_Static_assert(%s == %s, "%s differs from libmosquitto (%s)");\n' "$expr" "$value" "$expr" "$value"
        fi
    done
} > "$tmp/layout.c"
for s in mosquitto_message libmosquitto_will libmosquitto_auth libmosquitto_tls; do
    grep -q -E "^struct $s \{" include/mosquitto.h || missing+=("struct $s")
done
layouts_checked=$(grep -c '_Static_assert' "$tmp/layout.c" || true)

status=0
for part in functions constants layout; do
    if ! "$CC" -std=gnu11 -Wall -Wextra -Werror -Iinclude -c -o "$tmp/$part.o" "$tmp/$part.c"; then
        echo "check-abi: MISMATCH in $part (see the compiler messages above)" >&2
        status=1
    fi
done

echo "check-abi: compared $functions_checked function types, $constants_checked constants, $layouts_checked struct size/offset values"
if [ ${#missing[@]} -gt 0 ]; then
    echo "check-abi: ${#missing[@]} libmosquitto names are not in Culex's headers yet:"
    printf '%s\n' "${missing[@]}" | sort -u | fmt -w 100 | sed 's/^/    /'
    [ "$strict" = 1 ] && status=1
fi
if [ "$status" = 0 ]; then
    echo "check-abi: OK"
fi
exit "$status"
