"""The README's Python getting-started example runs as written against a local broker."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import Broker

README = Path(__file__).resolve().parents[2] / "README.md"


def test_getting_started_example(broker: Broker, tmp_path: Path) -> None:
    text = README.read_text()
    match = re.search(r"<!-- python-getting-started -->\s*```python\n(.*?)```", text, re.DOTALL)
    assert match, "the README lost its Python getting-started example"
    script = tmp_path / "getting_started.py"
    script.write_text(match.group(1))
    out = subprocess.run(
        [sys.executable, str(script)],
        env=dict(os.environ, MQTT_PORT=str(broker.port)),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "Connected with result code 0" in out.stdout
    assert re.search(r"^\$SYS/\S+ b'", out.stdout, re.MULTILINE), out.stdout
