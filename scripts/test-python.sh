#!/usr/bin/env bash
# The Python package (python/, issue 13), as a user gets it and as paho-mqtt tests it:
#
#   scripts/test-python.sh
#
# 1. a project-local virtual environment (target/python-venv) with pytest, ruff and mypy (the
#    package must be ruff- and mypy --strict-clean), and
#    `pip install ./python` into it (builds the Rust library and ships it in the package);
# 2. Culex's own Python tests (tests/python: the README's getting-started example, deadlocks,
#    callbacks, loops) against real mosquitto brokers;
# 3. paho-mqtt 2.2.0's own test suite, fetched from PyPI into target/paho-mqtt (never committed)
#    and run through tests/python/paho/run_suite.py, which compares the result with
#    tests/python/paho/expected_failures.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/python-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
py="$venv/bin/python"
"$py" -m pip install -q --disable-pip-version-check pytest pytest-timeout ruff mypy
echo "test-python: ruff and mypy --strict" >&2
"$venv/bin/ruff" check --config python/pyproject.toml python/src tests/python bench/python
"$venv/bin/ruff" format --check --config python/pyproject.toml python/src tests/python bench/python
(cd python && "../$venv/bin/mypy" src/culex)
"$py" -m pip install -q --disable-pip-version-check ./python
if "$py" -c "import paho" 2>/dev/null; then
    echo "test-python: paho-mqtt is installed in $venv; the suite must run against culex" >&2
    exit 1
fi

echo "test-python: Culex's own tests" >&2
(cd tests/python && "../../$py" -m pytest -q -p no:cacheprovider --timeout 120 .)

echo "test-python: paho-mqtt 2.2.0's suite" >&2
paho=target/paho-mqtt
if [ ! -d "$paho/paho_mqtt-2.2.0/tests" ]; then
    mkdir -p "$paho"
    "$py" -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
        paho-mqtt==2.2.0 -d "$paho"
    tar -xzf "$paho"/paho_mqtt-2.2.0.tar.gz -C "$paho"
fi
"$py" tests/python/paho/run_suite.py "$paho/paho_mqtt-2.2.0" "$paho/junit.xml"
