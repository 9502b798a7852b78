"""Decoders of single received packets (paho-mqtt 2.2's private ``_packet`` module, for tools
and tests that inspect bytes). The client never uses them: Culex's Rust core reads the wire.

Each takes the first byte of the fixed header, the bytes after the Remaining Length and the
protocol version, and raises ``MalformedPacket`` for bytes that cannot be that packet.
"""

from __future__ import annotations

from typing import NamedTuple

from .enums import MQTTProtocolVersion
from .exception import MalformedPacket
from .packettypes import PacketTypes
from .properties import Properties
from .reasoncodes import ReasonCode


class PublishPacket(NamedTuple):
    dup: bool
    qos: int
    retain: bool
    topic: bytes
    mid: int
    properties: Properties | None
    payload: bytes


class ConnackPacket(NamedTuple):
    flags: int
    reason: ReasonCode
    properties: Properties | None


def _properties(packet_type: int, data: bytes) -> tuple[Properties, int]:
    props = Properties(packet_type)
    used = props.unpack(data)[1]
    return props, used


def decode_publish(header: int, packet: bytes, protocol: MQTTProtocolVersion) -> PublishPacket:
    """A PUBLISH: flags from ``header``, topic, packet id (QoS 1/2), MQTT 5 properties, payload."""
    data = bytes(packet)
    qos = (header & 0x06) >> 1
    if qos == 3:
        raise MalformedPacket("PUBLISH with QoS 3")
    if len(data) < 2:
        raise MalformedPacket("PUBLISH shorter than its topic length")
    topic_len = int.from_bytes(data[:2], "big")
    at = 2 + topic_len
    if len(data) < at:
        raise MalformedPacket("PUBLISH topic runs past the packet")
    topic = data[2:at]
    mid = 0
    if qos > 0:
        if len(data) < at + 2:
            raise MalformedPacket("PUBLISH without its packet identifier")
        mid = int.from_bytes(data[at : at + 2], "big")
        at += 2
    properties = None
    if protocol == MQTTProtocolVersion.MQTTv5:
        properties, used = _properties(PacketTypes.PUBLISH, data[at:])
        at += used
    return PublishPacket(
        dup=bool(header & 0x08),
        qos=qos,
        retain=bool(header & 0x01),
        topic=topic,
        mid=mid,
        properties=properties,
        payload=data[at:],
    )


def decode_connack(header: int, packet: bytes, protocol: MQTTProtocolVersion) -> ConnackPacket:
    """A CONNACK: acknowledge flags, the return or reason code, MQTT 5 properties."""
    data = bytes(packet)
    if len(data) < 2:
        raise MalformedPacket("CONNACK shorter than two bytes")
    flags, code = data[0], data[1]
    properties = None
    if protocol == MQTTProtocolVersion.MQTTv5:
        properties, _ = _properties(PacketTypes.CONNACK, data[2:])
        reason = ReasonCode(PacketTypes.CONNACK, identifier=code)
    else:
        reason = (
            ReasonCode(PacketTypes.CONNACK, identifier=code)
            if code == 0
            else (ReasonCode(PacketTypes.CONNACK, "Unspecified error"))
        )
    return ConnackPacket(flags=flags, reason=reason, properties=properties)
