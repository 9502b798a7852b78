"""The library's error codes as paho-mqtt reports them: ``MQTTErrorCode`` values, the exceptions
paho-mqtt raises where opening a connection fails, and the texts of ``error_string`` and
``connack_string``. It holds no state."""

from __future__ import annotations

import errno as _errno
import os
import socket
import ssl

from ._ffi import lib
from .enums import MQTTErrorCode
from .packettypes import PacketTypes
from .reasoncodes import ReasonCode

# libmosquitto's error codes that are not paho-mqtt's numbers.
_MOSQ_ERR_EAI = 15
_MOSQ_ERR_PROXY = 16
_MOSQ_ERR_MALFORMED_UTF8 = 18
_MOSQ_ERR_KEEPALIVE = 19
_MOSQ_ERR_TLS_HANDSHAKE = 23
_MOSQ_ERR_OVERSIZE_PACKET = 25
_MOSQ_ERR_TIMEOUT = 27
_CULEX_ERR_QUEUE_FULL = 100

_ERROR_TEXT = {
    MQTTErrorCode.MQTT_ERR_AGAIN: "Try again.",
    MQTTErrorCode.MQTT_ERR_SUCCESS: "No error.",
    MQTTErrorCode.MQTT_ERR_NOMEM: "Out of memory.",
    MQTTErrorCode.MQTT_ERR_PROTOCOL: "A network protocol error occurred when communicating "
    "with the broker.",
    MQTTErrorCode.MQTT_ERR_INVAL: "Invalid function arguments provided.",
    MQTTErrorCode.MQTT_ERR_NO_CONN: "The client is not currently connected.",
    MQTTErrorCode.MQTT_ERR_CONN_REFUSED: "The connection was refused.",
    MQTTErrorCode.MQTT_ERR_NOT_FOUND: "Message not found (internal error).",
    MQTTErrorCode.MQTT_ERR_CONN_LOST: "The connection was lost.",
    MQTTErrorCode.MQTT_ERR_TLS: "A TLS error occurred.",
    MQTTErrorCode.MQTT_ERR_PAYLOAD_SIZE: "Payload too large.",
    MQTTErrorCode.MQTT_ERR_NOT_SUPPORTED: "This feature is not supported.",
    MQTTErrorCode.MQTT_ERR_AUTH: "Authorisation failed.",
    MQTTErrorCode.MQTT_ERR_ACL_DENIED: "Access denied by ACL.",
    MQTTErrorCode.MQTT_ERR_UNKNOWN: "Unknown error.",
    MQTTErrorCode.MQTT_ERR_ERRNO: "Error defined by errno.",
    MQTTErrorCode.MQTT_ERR_QUEUE_SIZE: "Message queue full.",
    MQTTErrorCode.MQTT_ERR_KEEPALIVE: "Client or broker did not communicate in the keepalive "
    "interval.",
}


class WebsocketConnectionError(ConnectionError):
    """The WebSocket upgrade failed."""


def error_string(mqtt_errno: int) -> str:
    """A description of an ``MQTTErrorCode``."""
    try:
        return _ERROR_TEXT[MQTTErrorCode(mqtt_errno)]
    except ValueError:
        return "Unknown error."


def connack_string(connack_code: int | ReasonCode) -> str:
    """A description of a CONNACK return code (or of an MQTT 5 reason code)."""
    if isinstance(connack_code, ReasonCode):
        return str(connack_code)
    text = lib.mosquitto_connack_string(int(connack_code))
    return text.decode() if text else "Connection Refused: unknown reason."


_SAME_CODES = tuple(MQTTErrorCode(n) for n in range(15))


def _paho_rc(rc: int) -> MQTTErrorCode:
    """The ``MQTTErrorCode`` closest to a library error code."""
    if 0 <= rc <= 14:
        return _SAME_CODES[rc]
    return {
        _MOSQ_ERR_KEEPALIVE: MQTTErrorCode.MQTT_ERR_KEEPALIVE,
        _CULEX_ERR_QUEUE_FULL: MQTTErrorCode.MQTT_ERR_QUEUE_SIZE,
        _MOSQ_ERR_TLS_HANDSHAKE: MQTTErrorCode.MQTT_ERR_TLS,
        _MOSQ_ERR_OVERSIZE_PACKET: MQTTErrorCode.MQTT_ERR_PAYLOAD_SIZE,
        _MOSQ_ERR_MALFORMED_UTF8: MQTTErrorCode.MQTT_ERR_INVAL,
        21: MQTTErrorCode.MQTT_ERR_PROTOCOL,  # MALFORMED_PACKET
        22: MQTTErrorCode.MQTT_ERR_PROTOCOL,  # DUPLICATE_PROPERTY
        24: MQTTErrorCode.MQTT_ERR_NOT_SUPPORTED,  # QOS_NOT_SUPPORTED
        _MOSQ_ERR_EAI: MQTTErrorCode.MQTT_ERR_ERRNO,
        _MOSQ_ERR_PROXY: MQTTErrorCode.MQTT_ERR_CONN_REFUSED,
    }.get(rc, MQTTErrorCode.MQTT_ERR_UNKNOWN)


def _raise_connect_error(rc: int, err: int) -> None:
    """Raise what paho-mqtt raises when opening the connection fails."""
    if rc == MQTTErrorCode.MQTT_ERR_ERRNO:
        raise OSError(err, os.strerror(err))
    if rc == _MOSQ_ERR_EAI:
        raise socket.gaierror(err, f"name lookup failed (EAI {err})")
    if rc in (MQTTErrorCode.MQTT_ERR_TLS, _MOSQ_ERR_TLS_HANDSHAKE):
        raise ssl.SSLError(f"TLS: {lib.mosquitto_strerror(rc).decode()}")
    if rc == _MOSQ_ERR_PROXY:
        raise ConnectionRefusedError(_errno.ECONNREFUSED, "the proxy refused the connection")
    if rc == MQTTErrorCode.MQTT_ERR_INVAL:
        raise ValueError("Invalid connect arguments.")


def _handshake_error(captured: list[str]) -> Exception:
    """What paho-mqtt raises for a failed TLS or WebSocket handshake, from the library's log
    lines about it."""
    text = " ".join(captured)
    if "WebSocket" in text:
        if "Sec-WebSocket-Accept" in text:
            return WebsocketConnectionError("WebSocket handshake error, invalid secret key")
        if "Connection: Upgrade" in text or "Upgrade: websocket" in text:
            return WebsocketConnectionError("WebSocket handshake error, connection not upgraded")
        return WebsocketConnectionError("WebSocket handshake error")
    if "verif" in text or "certificate" in text:
        return ssl.SSLError(
            1, f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed ({text})"
        )
    if "TLS" in text or "SSL" in text:
        return ssl.SSLError(1, f"TLS handshake failed ({text})")
    return ConnectionError(text or "the connection failed")


def _connack_reason(rc: int) -> ReasonCode:
    """The MQTT 5 reason code paho-mqtt reports for an MQTT 3 CONNACK return code."""
    names = {
        0: "Success",
        1: "Unsupported protocol version",
        2: "Client identifier not valid",
        3: "Server unavailable",
        4: "Bad user name or password",
        5: "Not authorized",
    }
    return ReasonCode(PacketTypes.CONNACK, names.get(rc, "Unspecified error"))
