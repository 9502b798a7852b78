"""MQTT 5 reason codes (MQTT 5.0, section 2.4) as paho-mqtt 2.x presents them.

A ``ReasonCode`` is a code in the context of a packet type: 0 is "Success" in a CONNACK,
"Normal disconnection" in a DISCONNECT and "Granted QoS 0" in a SUBACK. It compares equal to its
number and to its name, orders like its number, and ``is_failure`` is true from 0x80 on. The
names are the ones paho-mqtt programs compare against.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

from .packettypes import PacketTypes

_P = PacketTypes

# code -> ((name, packet types), ...): most codes have one name, 0 has three.
_TABLE: dict[int, tuple[tuple[str, tuple[int, ...]], ...]] = {
    0x00: (
        (
            "Success",
            (_P.CONNACK, _P.PUBACK, _P.PUBREC, _P.PUBREL, _P.PUBCOMP, _P.UNSUBACK, _P.AUTH),
        ),
        ("Normal disconnection", (_P.DISCONNECT,)),
        ("Granted QoS 0", (_P.SUBACK,)),
    ),
    0x01: (("Granted QoS 1", (_P.SUBACK,)),),
    0x02: (("Granted QoS 2", (_P.SUBACK,)),),
    0x04: (("Disconnect with will message", (_P.DISCONNECT,)),),
    0x10: (("No matching subscribers", (_P.PUBACK, _P.PUBREC)),),
    0x11: (("No subscription found", (_P.UNSUBACK,)),),
    0x18: (("Continue authentication", (_P.AUTH,)),),
    0x19: (("Re-authenticate", (_P.AUTH,)),),
}

_ACK_FAILURES = (_P.CONNACK, _P.PUBACK, _P.PUBREC, _P.SUBACK, _P.UNSUBACK, _P.DISCONNECT)
_CONNACK_DISCONNECT = (_P.CONNACK, _P.DISCONNECT)
_FAILURES: dict[int, tuple[str, tuple[int, ...]]] = {
    0x80: ("Unspecified error", _ACK_FAILURES),
    0x81: ("Malformed packet", _CONNACK_DISCONNECT),
    0x82: ("Protocol error", _CONNACK_DISCONNECT),
    0x83: ("Implementation specific error", _ACK_FAILURES),
    0x84: ("Unsupported protocol version", (_P.CONNACK,)),
    0x85: ("Client identifier not valid", (_P.CONNACK,)),
    0x86: ("Bad user name or password", (_P.CONNACK,)),
    0x87: ("Not authorized", _ACK_FAILURES),
    0x88: ("Server unavailable", (_P.CONNACK,)),
    0x89: ("Server busy", _CONNACK_DISCONNECT),
    0x8A: ("Banned", (_P.CONNACK,)),
    0x8B: ("Server shutting down", (_P.DISCONNECT,)),
    0x8C: ("Bad authentication method", _CONNACK_DISCONNECT),
    0x8D: ("Keep alive timeout", (_P.DISCONNECT,)),
    0x8E: ("Session taken over", (_P.DISCONNECT,)),
    0x8F: ("Topic filter invalid", (_P.SUBACK, _P.UNSUBACK, _P.DISCONNECT)),
    0x90: ("Topic name invalid", (_P.CONNACK, _P.PUBACK, _P.PUBREC, _P.DISCONNECT)),
    0x91: ("Packet identifier in use", (_P.PUBACK, _P.PUBREC, _P.SUBACK, _P.UNSUBACK)),
    0x92: ("Packet identifier not found", (_P.PUBREL, _P.PUBCOMP)),
    0x93: ("Receive maximum exceeded", (_P.DISCONNECT,)),
    0x94: ("Topic alias invalid", (_P.DISCONNECT,)),
    0x95: ("Packet too large", _CONNACK_DISCONNECT),
    0x96: ("Message rate too high", (_P.DISCONNECT,)),
    0x97: ("Quota exceeded", (_P.CONNACK, _P.PUBACK, _P.PUBREC, _P.SUBACK, _P.DISCONNECT)),
    0x98: ("Administrative action", (_P.DISCONNECT,)),
    0x99: ("Payload format invalid", (_P.CONNACK, _P.PUBACK, _P.PUBREC, _P.DISCONNECT)),
    0x9A: ("Retain not supported", _CONNACK_DISCONNECT),
    0x9B: ("QoS not supported", _CONNACK_DISCONNECT),
    0x9C: ("Use another server", _CONNACK_DISCONNECT),
    0x9D: ("Server moved", _CONNACK_DISCONNECT),
    0x9E: ("Shared subscription not supported", (_P.SUBACK, _P.DISCONNECT)),
    0x9F: ("Connection rate exceeded", _CONNACK_DISCONNECT),
    0xA0: ("Maximum connect time", (_P.DISCONNECT,)),
    0xA1: ("Subscription identifiers not supported", (_P.SUBACK, _P.DISCONNECT)),
    0xA2: ("Wildcard subscription not supported", (_P.SUBACK, _P.DISCONNECT)),
}
for _code, _entry in _FAILURES.items():
    _TABLE[_code] = (_entry,)


@functools.cache
def _name_of(packet_type: int, code: int) -> str | None:
    for name, types in _TABLE.get(code, ()):
        if packet_type in types:
            return name
    return None


@functools.cache
def _code_of(packet_type: int, name: str) -> int | None:
    for code, entries in _TABLE.items():
        for entry_name, types in entries:
            if entry_name == name and packet_type in types:
                return code
    return None


@functools.total_ordering
class ReasonCode:
    """A reason code of a packet type: ``ReasonCode(PacketTypes.CONNACK, "Success")`` by name,
    or ``ReasonCode(PacketTypes.CONNACK, identifier=0x87)`` by number."""

    def __init__(self, packetType: int, aName: str = "Success", identifier: int = -1) -> None:
        self.packetType = packetType
        if identifier == -1:
            if packetType == _P.DISCONNECT and aName == "Success":
                aName = "Normal disconnection"
            code = _code_of(packetType, aName)
            if code is None:
                raise KeyError(f"no reason code {aName!r} for packet type {packetType}")
            self.value = code
        else:
            if _name_of(packetType, identifier) is None:
                raise ValueError(f"no reason code {identifier:#x} for packet type {packetType}")
            self.value = identifier

    def __getName__(self, packetType: int, identifier: int) -> str:
        name = _name_of(packetType, identifier)
        if name is None:
            raise ValueError(f"no reason code {identifier:#x} for packet type {packetType}")
        return name

    def getId(self, name: str) -> int:
        """The number of the reason code ``name`` for this packet type."""
        code = _code_of(self.packetType, name)
        if code is None:
            raise KeyError(f"no reason code {name!r} for packet type {self.packetType}")
        return code

    def set(self, name: str) -> None:
        self.value = self.getId(name)

    def unpack(self, buffer: bytes) -> int:
        code = buffer[0]
        self.value = code
        self.getName()  # the code must exist for the packet type
        return 1

    def getName(self) -> str:
        """The reason code's name."""
        return self.__getName__(self.packetType, self.value)

    @property
    def is_failure(self) -> bool:
        return self.value >= 0x80

    def __eq__(self, other: object) -> bool:
        if isinstance(other, int):
            return self.value == other
        if isinstance(other, str):
            return other == str(self)
        if isinstance(other, ReasonCode):
            return self.value == other.value
        return False

    def __lt__(self, other: object) -> bool:
        if isinstance(other, int):
            return self.value < other
        if isinstance(other, ReasonCode):
            return self.value < other.value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.value)

    def __int__(self) -> int:
        return self.value

    def __str__(self) -> str:
        return self.getName()

    def __repr__(self) -> str:
        try:
            name = self.getName()
        except ValueError:
            name = "?"
        return f"ReasonCode({PacketTypes.Names[self.packetType]}, {name!r})"

    def json(self) -> str:
        return self.getName()

    def pack(self) -> bytearray:
        return bytearray([self.value])


class _DeprecatedName(type):
    """``isinstance(x, ReasonCodes)`` holds for every ``ReasonCode``."""

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, ReasonCode)


class ReasonCodes(ReasonCode, metaclass=_DeprecatedName):
    """The paho-mqtt 1.x name of ``ReasonCode``; deprecated."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        warnings.warn(
            "ReasonCodes is deprecated, use ReasonCode (singular) instead",
            category=DeprecationWarning,
            stacklevel=2,
        )
        super().__init__(*args, **kwargs)
