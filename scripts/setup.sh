#!/usr/bin/env bash
# Install what building and testing Culex needs, on Debian/Ubuntu.
#
#   scripts/setup.sh
#
# As root, missing packages are installed with apt-get. Otherwise the script lists what is missing
# and how to install it, and fails. The Rust toolchain (cargo, rustfmt, clippy) is checked but never
# installed system-wide: see https://rustup.rs.
#
# Installing the "mosquitto" package may start a system broker on port 1883. The tests never use
# it (they start their own brokers on free ports), so the script stops and disables that service.
set -euo pipefail

# command or file to look for -> Debian package that provides it
checks=(
    "cc:gcc"
    "make:make"
    "cmake:cmake"
    "pkg-config:pkg-config"
    "/usr/sbin/mosquitto:mosquitto"
    "mosquitto_passwd:mosquitto"
    "mosquitto_pub:mosquitto-clients"
    "mosquitto_sub:mosquitto-clients"
    "/usr/include/mosquitto.h:libmosquitto-dev"
    "valgrind:valgrind"
    "/usr/include/openssl/ssl.h:libssl-dev"
    "openssl:openssl"
    "python3:python3"
    # The language bindings (bindings/go, bindings/node) and their tests.
    "go:golang-go"
    "node:nodejs"
    "npm:npm"
)

missing=()
for check in "${checks[@]}"; do
    what=${check%%:*}
    package=${check#*:}
    if [[ "$what" == /* ]]; then
        [ -e "$what" ] && continue
    else
        command -v "$what" >/dev/null 2>&1 && continue
    fi
    [[ " ${missing[*]-} " == *" $package "* ]] || missing+=("$package")
done
# The shared library itself (the reference the C tests can run against).
if ! ldconfig -p 2>/dev/null | grep -q 'libmosquitto\.so\.1 ' && [ ! -e /usr/lib/x86_64-linux-gnu/libmosquitto.so.1 ]; then
    [[ " ${missing[*]-} " == *" libmosquitto-dev "* ]] || missing+=("libmosquitto-dev")
fi

# Virtual environments for the Python package's tests (Debian ships ensurepip separately).
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    [[ " ${missing[*]-} " == *" python3-venv "* ]] || missing+=("python3-venv")
fi

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "setup: missing packages: ${missing[*]}" >&2
        echo "setup: install them as root, for example:" >&2
        echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
        echo "setup: (then stop the broker the mosquitto package may start: sudo systemctl disable --now mosquitto)" >&2
        exit 1
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "setup: missing packages: ${missing[*]}, and apt-get is not available; install them by hand" >&2
        exit 1
    fi
    echo "setup: installing ${missing[*]}"
    # Keep package scripts from starting services (mosquitto would listen on 1883).
    created_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        created_policy=1
    fi
    status=0
    {
        apt-get update -q &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    } || status=$?
    if [ "$created_policy" = 1 ]; then
        rm -f /usr/sbin/policy-rc.d
    fi
    if [ "$status" != 0 ]; then
        echo "setup: apt-get failed" >&2
        exit "$status"
    fi
fi

# Make sure no system mosquitto service stays running or enabled (tests never rely on it).
if [ "$(id -u)" = 0 ] && [ -e /usr/sbin/mosquitto ]; then
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        if systemctl is-active --quiet mosquitto 2>/dev/null || systemctl is-enabled --quiet mosquitto 2>/dev/null; then
            echo "setup: stopping and disabling the system mosquitto service"
            systemctl disable --now mosquitto >/dev/null 2>&1 || true
        fi
    elif command -v service >/dev/null 2>&1 && [ -e /etc/init.d/mosquitto ]; then
        if service mosquitto status >/dev/null 2>&1; then
            echo "setup: stopping the system mosquitto service"
            service mosquitto stop >/dev/null 2>&1 || true
        fi
    fi
fi

# Rust toolchain.
if ! command -v cargo >/dev/null 2>&1; then
    if [ -x "$HOME/.cargo/bin/cargo" ]; then
        echo "setup: cargo is in ~/.cargo/bin but not on PATH: export PATH=\"\$HOME/.cargo/bin:\$PATH\"" >&2
    else
        echo "setup: Rust is not installed; install it from https://rustup.rs (rustup, stable toolchain)" >&2
    fi
    exit 1
fi
for component in rustfmt clippy; do
    tool=$([ "$component" = rustfmt ] && echo "cargo fmt" || echo "cargo clippy")
    if ! $tool --version >/dev/null 2>&1; then
        if command -v rustup >/dev/null 2>&1; then
            echo "setup: adding the $component component"
            rustup component add "$component"
        else
            echo "setup: '$tool' is missing; install the $component component of your Rust toolchain" >&2
            exit 1
        fi
    fi
done

echo "setup: all build and test dependencies are present"
