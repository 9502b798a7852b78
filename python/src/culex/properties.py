"""MQTT 5 properties (MQTT 5.0, section 2.2.2) with paho-mqtt 2.x's ``Properties`` interface.

A ``Properties`` object belongs to one packet type and holds properties as attributes named as
the specification names them without spaces (``props.MessageExpiryInterval = 60``,
``props.UserProperty = ("key", "value")``, which adds a pair). Setting a property the packet type
does not carry raises ``MQTTException``. ``pack()`` gives the wire form (Property Length, then the
properties), ``unpack()`` reads it and raises ``MalformedPacket`` for anything the specification
calls malformed (a length past the end, a Variable Byte Integer over four bytes, a repeated
property that may appear once).

The client hands properties to the Rust core as property lists and reads them back from there
(``client.py``); the wire form here is for programs that use it directly.
"""

from __future__ import annotations

import struct
from typing import Any, Union

from .exception import MalformedPacket, MQTTException
from .packettypes import PacketTypes

__all__ = [
    "MQTTException",
    "MalformedPacket",
    "Properties",
    "VariableByteIntegers",
    "readBytes",
    "readInt16",
    "readInt32",
    "readUTF",
    "writeBytes",
    "writeInt16",
    "writeInt32",
    "writeUTF",
]


def writeInt16(value: int) -> bytes:
    return struct.pack("!H", value)


def readInt16(buffer: bytes) -> int:
    if len(buffer) < 2:
        raise MalformedPacket("a Two Byte Integer needs two bytes")
    return int(struct.unpack("!H", bytes(buffer[:2]))[0])


def writeInt32(value: int) -> bytes:
    return struct.pack("!L", value)


def readInt32(buffer: bytes) -> int:
    if len(buffer) < 4:
        raise MalformedPacket("a Four Byte Integer needs four bytes")
    return int(struct.unpack("!L", bytes(buffer[:4]))[0])


def writeUTF(data: str | bytes) -> bytes:
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > 65535:
        raise MQTTException("a UTF-8 string holds at most 65535 bytes")
    return writeInt16(len(raw)) + raw


def readUTF(buffer: bytes, maxlen: int) -> tuple[str, int]:
    """A UTF-8 Encoded String at the start of ``buffer`` (at most ``maxlen`` bytes in all):
    the text and the bytes it took."""
    if maxlen < 2:
        raise MalformedPacket("a string's length does not fit")
    length = readInt16(buffer)
    if length + 2 > maxlen or length + 2 > len(buffer):
        raise MalformedPacket("a string runs past the end of its field")
    raw = bytes(buffer[2 : 2 + length])
    if b"\x00" in raw:
        raise MalformedPacket("a UTF-8 string holds U+0000")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise MalformedPacket("a string is not valid UTF-8") from e
    for ch in text:
        if 0xD800 <= ord(ch) <= 0xDFFF:
            raise MalformedPacket("a UTF-8 string holds a surrogate")
    return text, length + 2


def writeBytes(data: bytes) -> bytes:
    if len(data) > 65535:
        raise MQTTException("binary data holds at most 65535 bytes")
    return writeInt16(len(data)) + bytes(data)


def readBytes(buffer: bytes) -> tuple[bytes, int]:
    """Binary Data at the start of ``buffer``: the bytes and the length they took."""
    length = readInt16(buffer)
    if length + 2 > len(buffer):
        raise MalformedPacket("binary data runs past the end of its field")
    return bytes(buffer[2 : 2 + length]), length + 2


class VariableByteIntegers:
    """The Variable Byte Integer encoding (MQTT 5.0, section 1.5.5): 0 to 268,435,455 in one to
    four bytes."""

    MAXIMUM = 268_435_455

    @staticmethod
    def encode(value: int) -> bytes:
        if not 0 <= value <= VariableByteIntegers.MAXIMUM:
            raise MQTTException(f"{value} does not fit a Variable Byte Integer")
        out = bytearray()
        while True:
            digit, value = value % 128, value // 128
            if value > 0:
                digit |= 0x80
            out.append(digit)
            if value == 0:
                return bytes(out)

    @staticmethod
    def decode(buffer: bytes) -> tuple[int, int]:
        """The value at the start of ``buffer`` and how many bytes it took."""
        value = 0
        for i in range(4):
            if i >= len(buffer):
                raise MalformedPacket("a Variable Byte Integer ends early")
            byte = buffer[i]
            value += (byte & 0x7F) << (7 * i)
            if byte & 0x80 == 0:
                return value, i + 1
        raise MalformedPacket("a Variable Byte Integer longer than four bytes")


# The types of property values.
_BYTE, _INT16, _INT32, _VBI, _BINARY, _UTF8, _PAIR = range(7)

_P = PacketTypes
# identifier: (name, value type, packet types that may carry it)
_DEFINITIONS: dict[int, tuple[str, int, tuple[int, ...]]] = {
    1: ("PayloadFormatIndicator", _BYTE, (_P.PUBLISH, _P.WILLMESSAGE)),
    2: ("MessageExpiryInterval", _INT32, (_P.PUBLISH, _P.WILLMESSAGE)),
    3: ("ContentType", _UTF8, (_P.PUBLISH, _P.WILLMESSAGE)),
    8: ("ResponseTopic", _UTF8, (_P.PUBLISH, _P.WILLMESSAGE)),
    9: ("CorrelationData", _BINARY, (_P.PUBLISH, _P.WILLMESSAGE)),
    11: ("SubscriptionIdentifier", _VBI, (_P.PUBLISH, _P.SUBSCRIBE)),
    17: ("SessionExpiryInterval", _INT32, (_P.CONNECT, _P.CONNACK, _P.DISCONNECT)),
    18: ("AssignedClientIdentifier", _UTF8, (_P.CONNACK,)),
    19: ("ServerKeepAlive", _INT16, (_P.CONNACK,)),
    21: ("AuthenticationMethod", _UTF8, (_P.CONNECT, _P.CONNACK, _P.AUTH)),
    22: ("AuthenticationData", _BINARY, (_P.CONNECT, _P.CONNACK, _P.AUTH)),
    23: ("RequestProblemInformation", _BYTE, (_P.CONNECT,)),
    24: ("WillDelayInterval", _INT32, (_P.WILLMESSAGE,)),
    25: ("RequestResponseInformation", _BYTE, (_P.CONNECT,)),
    26: ("ResponseInformation", _UTF8, (_P.CONNACK,)),
    28: ("ServerReference", _UTF8, (_P.CONNACK, _P.DISCONNECT)),
    31: (
        "ReasonString",
        _UTF8,
        (
            _P.CONNACK,
            _P.PUBACK,
            _P.PUBREC,
            _P.PUBREL,
            _P.PUBCOMP,
            _P.SUBACK,
            _P.UNSUBACK,
            _P.DISCONNECT,
            _P.AUTH,
        ),
    ),
    33: ("ReceiveMaximum", _INT16, (_P.CONNECT, _P.CONNACK)),
    34: ("TopicAliasMaximum", _INT16, (_P.CONNECT, _P.CONNACK)),
    35: ("TopicAlias", _INT16, (_P.PUBLISH,)),
    36: ("MaximumQoS", _BYTE, (_P.CONNACK,)),
    37: ("RetainAvailable", _BYTE, (_P.CONNACK,)),
    38: (
        "UserProperty",
        _PAIR,
        (
            _P.CONNECT,
            _P.CONNACK,
            _P.PUBLISH,
            _P.PUBACK,
            _P.PUBREC,
            _P.PUBREL,
            _P.PUBCOMP,
            _P.SUBSCRIBE,
            _P.SUBACK,
            _P.UNSUBSCRIBE,
            _P.UNSUBACK,
            _P.DISCONNECT,
            _P.AUTH,
            _P.WILLMESSAGE,
        ),
    ),
    39: ("MaximumPacketSize", _INT32, (_P.CONNECT, _P.CONNACK)),
    40: ("WildcardSubscriptionAvailable", _BYTE, (_P.CONNACK,)),
    41: ("SubscriptionIdentifierAvailable", _BYTE, (_P.CONNACK,)),
    42: ("SharedSubscriptionAvailable", _BYTE, (_P.CONNACK,)),
}
_BY_NAME: dict[str, int] = {d[0]: ident for ident, d in _DEFINITIONS.items()}
# Names without spaces, and as the specification writes some of them (paho-mqtt accepts both).
_ALIASES = {"MaximumQos": "MaximumQoS"}
# Properties that may appear more than once: user properties always, subscription identifiers in
# a PUBLISH (one per matching subscription).
_REPEATABLE = {"UserProperty", "SubscriptionIdentifier"}

PropertyValue = Union[int, str, bytes, list[Any]]


class Properties:
    """The MQTT 5 properties of one packet (see the module documentation)."""

    def __init__(self, packetType: int) -> None:
        object.__setattr__(self, "packetType", packetType)
        #: Property name -> identifier.
        object.__setattr__(self, "names", dict(_BY_NAME))

    # ---- names ----

    def getIdentFromName(self, compressedName: str) -> int:
        name = _ALIASES.get(compressedName, compressedName)
        try:
            return _BY_NAME[name]
        except KeyError:
            raise MQTTException(
                f"property name {compressedName!r} is not an MQTT 5 property"
            ) from None

    def getNameFromIdent(self, identifier: int) -> str | None:
        d = _DEFINITIONS.get(identifier)
        return d[0] if d else None

    def allowsMultipleForPacketType(self, name: str) -> bool:
        return name == "UserProperty" or (
            name == "SubscriptionIdentifier" and self.packetType == _P.PUBLISH
        )

    # ---- values ----

    def __setattr__(self, name: str, value: Any) -> None:
        canonical = _ALIASES.get(name, name)
        if canonical not in _BY_NAME:
            object.__setattr__(self, name, value)
            return
        ident = _BY_NAME[canonical]
        _, kind, packets = _DEFINITIONS[ident]
        if self.packetType not in packets:
            raise MQTTException(
                f"property {canonical} does not belong in a "
                f"{PacketTypes.Names[self.packetType] if self.packetType < 16 else 'will'} packet"
            )
        value = _checked(canonical, kind, value)
        if self.allowsMultipleForPacketType(canonical):
            values = list(self.__dict__.get(canonical, []))
            if isinstance(value, list):
                values.extend(value)
            else:
                values.append(value)
            object.__setattr__(self, canonical, values)
        else:
            object.__setattr__(self, canonical, value)

    def __getattr__(self, name: str) -> Any:
        canonical = _ALIASES.get(name, name)
        if canonical != name and canonical in self.__dict__:
            return self.__dict__[canonical]
        raise AttributeError(name)

    def __delattr__(self, name: str) -> None:
        object.__delattr__(self, _ALIASES.get(name, name))

    def _items(self) -> list[tuple[str, Any]]:
        """The properties set, in identifier order."""
        return [
            (d[0], self.__dict__[d[0]])
            for _, d in sorted(_DEFINITIONS.items())
            if d[0] in self.__dict__
        ]

    def isEmpty(self) -> bool:
        return not self._items()

    def clear(self) -> None:
        for name, _ in self._items():
            object.__delattr__(self, name)

    def json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in self._items():
            out[name] = value.hex() if isinstance(value, bytes) else value
        return out

    def __str__(self) -> str:
        inner = ", ".join(f"{name} : {value!r}" for name, value in self._items())
        return "[" + inner + "]"

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Properties):
            return NotImplemented
        return self.packetType == other.packetType and self._items() == other._items()

    __hash__ = None  # type: ignore[assignment]

    # ---- the wire form ----

    def pack(self) -> bytes:
        """Property Length and the properties, as they go in the packet."""
        body = bytearray()
        for name, value in self._items():
            ident = _BY_NAME[name]
            kind = _DEFINITIONS[ident][1]
            values = value if isinstance(value, list) else [value]
            for v in values:
                body += VariableByteIntegers.encode(ident)
                body += _encode(kind, v)
        return VariableByteIntegers.encode(len(body)) + bytes(body)

    def unpack(self, buffer: bytes) -> tuple[Properties, int]:
        """Read Property Length and the properties from the start of ``buffer``; returns this
        object and the bytes read."""
        self.clear()
        buffer = bytes(buffer)
        length, used = VariableByteIntegers.decode(buffer)
        if used + length > len(buffer):
            raise MalformedPacket("the properties run past the end of the packet")
        region = buffer[used : used + length]
        at = 0
        while at < len(region):
            ident, n = VariableByteIntegers.decode(region[at:])
            at += n
            definition = _DEFINITIONS.get(ident)
            if definition is None:
                raise MalformedPacket(f"unknown property identifier {ident}")
            name, kind, packets = definition
            if self.packetType not in packets:
                raise MalformedPacket(f"property {name} does not belong in this packet")
            value, n = _decode(kind, region[at:])
            at += n
            if name in self.__dict__ and not self.allowsMultipleForPacketType(name):
                raise MalformedPacket(f"property {name} appears twice")
            if self.allowsMultipleForPacketType(name):
                object.__setattr__(self, name, [*self.__dict__.get(name, []), value])
            else:
                object.__setattr__(self, name, value)
        return self, used + length


def _checked(name: str, kind: int, value: Any) -> Any:
    """The value as it is kept, or MQTTException for one of the wrong type or range."""
    if kind == _PAIR:
        pairs = value if isinstance(value, list) else [value]
        out = []
        for pair in pairs:
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise MQTTException(f"{name} takes (name, value) pairs")
            out.append((str(pair[0]), str(pair[1])))
        return out if isinstance(value, list) else out[0]
    if kind == _UTF8:
        if isinstance(value, bytes):
            return value.decode("utf-8")
        if not isinstance(value, str):
            raise MQTTException(f"{name} takes a string")
        return value
    if kind == _BINARY:
        if isinstance(value, str):
            return value.encode("utf-8")
        if not isinstance(value, (bytes, bytearray)):
            raise MQTTException(f"{name} takes bytes")
        return bytes(value)
    limits = {_BYTE: 0xFF, _INT16: 0xFFFF, _INT32: 0xFFFF_FFFF, _VBI: VariableByteIntegers.MAXIMUM}
    values = value if isinstance(value, list) and name in _REPEATABLE else [value]
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= limits[kind]:
            raise MQTTException(f"{name} takes an integer from 0 to {limits[kind]}")
    return value


def _encode(kind: int, value: Any) -> bytes:
    if kind == _BYTE:
        return bytes([value])
    if kind == _INT16:
        return writeInt16(value)
    if kind == _INT32:
        return writeInt32(value)
    if kind == _VBI:
        return VariableByteIntegers.encode(value)
    if kind == _BINARY:
        return writeBytes(value)
    if kind == _UTF8:
        return writeUTF(value)
    return writeUTF(value[0]) + writeUTF(value[1])


def _decode(kind: int, buffer: bytes) -> tuple[Any, int]:
    if kind == _BYTE:
        if not buffer:
            raise MalformedPacket("a Byte property ends early")
        return buffer[0], 1
    if kind == _INT16:
        return readInt16(buffer), 2
    if kind == _INT32:
        return readInt32(buffer), 4
    if kind == _VBI:
        return VariableByteIntegers.decode(buffer)
    if kind == _BINARY:
        return readBytes(buffer)
    if kind == _UTF8:
        return readUTF(buffer, len(buffer))
    key, n = readUTF(buffer, len(buffer))
    value, m = readUTF(buffer[n:], len(buffer) - n)
    return (key, value), n + m
