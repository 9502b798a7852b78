"""Test-only shim: every ``paho.mqtt.<module>`` is ``culex.<module>``.

paho-mqtt's test suite (fetched at test time, never committed) imports ``paho.mqtt.client`` and its
relatives; this package puts the same names on Culex's modules. It must come first on
``sys.path`` and paho-mqtt must not be installed next to it.
"""

import importlib
import sys

import culex

__version__ = culex.paho_api_version
from culex import MQTTException  # noqa: F401

_MODULES = (
    "client",
    "enums",
    "packettypes",
    "properties",
    "reasoncodes",
    "subscribeoptions",
    "publish",
    "subscribe",
    "matcher",
    "exception",
    "_packet",
)

for _name in _MODULES:
    try:
        _module = importlib.import_module(f"culex.{_name}")
    except ModuleNotFoundError as missing:
        if missing.name != f"culex.{_name}":
            raise  # a real import error inside culex: let the tests see it
        continue
    sys.modules[f"{__name__}.{_name}"] = _module
    globals()[_name] = _module
