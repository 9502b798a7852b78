"""Culex for Python: paho-mqtt 2.x's client API on Culex's Rust core.

``culex.client.Client`` is paho-mqtt's ``Client``; switch a program by changing its import
(``import culex.client as mqtt``). The modules ``client``, ``enums``, ``properties``,
``reasoncodes``, ``packettypes``, ``subscribeoptions``, ``publish`` and ``subscribe`` have the
public API of their paho-mqtt namesakes.
"""

from .exception import MQTTException

__version__ = "0.1.0"
#: The paho-mqtt release whose API this package implements.
paho_api_version = "2.2.0"

__all__ = ["MQTTException", "__version__", "paho_api_version"]
