"""The exceptions of the paho-mqtt 2.x API's protocol modules."""

from __future__ import annotations


class MQTTException(Exception):
    """Something breaks MQTT's rules (a property in the wrong packet, a value out of range)."""


class MalformedPacket(MQTTException):
    """Bytes that cannot be a packet of the MQTT specification (MQTT 5.0, section 1.4)."""
