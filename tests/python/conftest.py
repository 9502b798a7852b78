"""Fixtures of Culex's own Python tests: a real mosquitto on a free 127.0.0.1 port, with a
config this file writes, stopped after the test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest


@dataclass
class Broker:
    host: str
    port: int
    process: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def mosquitto_path() -> str:
    for candidate in ("/usr/sbin/mosquitto", shutil.which("mosquitto")):
        if candidate and os.path.exists(candidate):
            return candidate
    pytest.fail("mosquitto is not installed (scripts/setup.sh installs it)")


@pytest.fixture()
def broker(tmp_path: Path) -> Iterator[Broker]:
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 100000\nlog_dest stderr\nlog_type all\n"
    )
    proc = subprocess.Popen(
        [mosquitto_path(), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    log: list[bytes] = []
    running = threading.Event()

    def drain(stream: IO[bytes]) -> None:
        # The whole log is read, so the pipe never fills; "mosquitto version ... running"
        # says that it listens.
        for line in stream:
            log.append(line)
            if b" running" in line:
                running.set()

    threading.Thread(target=drain, args=(proc.stderr,), daemon=True).start()
    if not running.wait(10):
        proc.kill()
        pytest.fail(f"mosquitto did not start: {b''.join(log).decode(errors='replace')}")
    yield Broker("127.0.0.1", port, proc)
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
