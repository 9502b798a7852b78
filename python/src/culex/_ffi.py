"""The C ABI of the Culex library, declared for ctypes.

Owns finding and loading the shared library shipped in the package (or the one named by
``CULEX_LIBRARY``), the argument and result types of every function the Python client calls, the
callback types, and the conversion of MQTT 5 property lists between ``Properties`` objects and
the library's ``mosquitto_property`` lists. It keeps no state about clients.

ctypes releases the GIL for the length of every call into the library, and a library thread that
calls back into Python takes the GIL only for that callback.
"""

from __future__ import annotations

import ctypes
import glob
import os
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_bool,
    c_char_p,
    c_int,
    c_size_t,
    c_uint,
    c_uint8,
    c_uint16,
    c_uint32,
    c_void_p,
)
from typing import Any

from .properties import _DEFINITIONS, Properties

_BYTE, _INT16, _INT32, _VBI, _BINARY, _UTF8, _PAIR = range(7)


def _find_library() -> str:
    named = os.environ.get("CULEX_LIBRARY")
    if named:
        return named
    here = os.path.dirname(os.path.abspath(__file__))
    found = sorted(glob.glob(os.path.join(here, "_libculex*.so")))
    if not found:
        raise ImportError(
            f"culex: the Culex library is not in {here} (install the package with "
            "`pip install ./python`, or set CULEX_LIBRARY to the path of libculex.so)"
        )
    return found[0]


lib = ctypes.CDLL(_find_library(), use_errno=True)
libc = ctypes.CDLL(None)
libc.free.argtypes = [c_void_p]
libc.free.restype = None


class mosquitto_message(Structure):
    _fields_ = (
        ("mid", c_int),
        ("topic", c_void_p),
        ("payload", c_void_p),
        ("payloadlen", c_int),
        ("qos", c_int),
        ("retain", c_bool),
    )


MSG_P = POINTER(mosquitto_message)
PROP_P = c_void_p
PROP_PP = POINTER(c_void_p)

# Callback types (the first two arguments are the handle and the user pointer, unused here:
# each Client binds its own functions).
CONNECT_CB = CFUNCTYPE(None, c_void_p, c_void_p, c_int, c_int, PROP_P)
DISCONNECT_CB = CFUNCTYPE(None, c_void_p, c_void_p, c_int, PROP_P)
PUBLISH_CB = CFUNCTYPE(None, c_void_p, c_void_p, c_int, c_int, PROP_P)
MESSAGE_CB = CFUNCTYPE(None, c_void_p, c_void_p, MSG_P, PROP_P)
# A batch: the messages (an array of structs), their property lists, how many.
BATCH_CB = CFUNCTYPE(None, c_void_p, c_void_p, MSG_P, POINTER(c_void_p), c_int)
SUBSCRIBE_CB = CFUNCTYPE(None, c_void_p, c_void_p, c_int, c_int, POINTER(c_int), PROP_P)
UNSUBSCRIBE_CB = CFUNCTYPE(None, c_void_p, c_void_p, c_int, c_int, POINTER(c_int), PROP_P)
LOG_CB = CFUNCTYPE(None, c_void_p, c_void_p, c_int, c_char_p)
PLAIN_CB = CFUNCTYPE(None, c_void_p, c_void_p)
INT_CB = CFUNCTYPE(None, c_void_p, c_void_p, c_int)
PW_CB = CFUNCTYPE(c_int, c_void_p, c_int, c_int, c_void_p)


def _declare(name: str, restype: Any, *argtypes: Any) -> None:
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)


H = c_void_p
_declare("mosquitto_lib_init", c_int)
_declare("mosquitto_new", H, c_char_p, c_bool, c_void_p)
_declare("mosquitto_destroy", None, H)
_declare("mosquitto_connect_bind", c_int, H, c_char_p, c_int, c_int, c_char_p)
_declare("mosquitto_connect_bind_v5", c_int, H, c_char_p, c_int, c_int, c_char_p, PROP_P)
_declare("mosquitto_connect_bind_async", c_int, H, c_char_p, c_int, c_int, c_char_p)
_declare("culex_connect_bind_async_v5", c_int, H, c_char_p, c_int, c_int, c_char_p, PROP_P)
_declare("mosquitto_connect_srv", c_int, H, c_char_p, c_int, c_char_p)
_declare("mosquitto_reconnect", c_int, H)
_declare("mosquitto_disconnect_v5", c_int, H, c_int, PROP_P)
_declare(
    "mosquitto_publish_v5",
    c_int,
    H,
    POINTER(c_int),
    c_char_p,
    c_int,
    c_char_p,
    c_int,
    c_bool,
    PROP_P,
)
_declare(
    "culex_subscribe_multiple_v5",
    c_int,
    H,
    POINTER(c_int),
    c_int,
    POINTER(c_char_p),
    POINTER(c_int),
    PROP_P,
)
_declare(
    "mosquitto_unsubscribe_multiple", c_int, H, POINTER(c_int), c_int, POINTER(c_char_p), PROP_P
)
_declare("mosquitto_loop", c_int, H, c_int, c_int)
_declare("mosquitto_loop_forever", c_int, H, c_int, c_int)
_declare("mosquitto_loop_start", c_int, H)
_declare("mosquitto_loop_stop", c_int, H, c_bool)
_declare("mosquitto_loop_read", c_int, H, c_int)
_declare("mosquitto_loop_write", c_int, H, c_int)
_declare("mosquitto_loop_misc", c_int, H)
_declare("mosquitto_socket", c_int, H)
_declare("mosquitto_want_write", c_bool, H)
_declare("mosquitto_will_set_v5", c_int, H, c_char_p, c_int, c_char_p, c_int, c_bool, PROP_P)
_declare("mosquitto_will_clear", c_int, H)
_declare("mosquitto_username_pw_set", c_int, H, c_char_p, c_char_p)
_declare("mosquitto_tls_set", c_int, H, c_char_p, c_char_p, c_char_p, c_char_p, PW_CB)
_declare("mosquitto_tls_opts_set", c_int, H, c_int, c_char_p, c_char_p)
_declare("mosquitto_tls_insecure_set", c_int, H, c_bool)
_declare("mosquitto_string_option", c_int, H, c_int, c_char_p)
_declare("mosquitto_int_option", c_int, H, c_int, c_int)
_declare("mosquitto_void_option", c_int, H, c_int, c_void_p)
_declare("mosquitto_reconnect_delay_set", c_int, H, c_uint, c_uint, c_bool)
_declare("mosquitto_max_inflight_messages_set", c_int, H, c_uint)
_declare("mosquitto_socks5_set", c_int, H, c_char_p, c_int, c_char_p, c_char_p)
_declare("mosquitto_strerror", c_char_p, c_int)
_declare("mosquitto_connack_string", c_char_p, c_int)
_declare("mosquitto_reason_string", c_char_p, c_int)
_declare("mosquitto_connect_v5_callback_set", None, H, CONNECT_CB)
_declare("mosquitto_disconnect_v5_callback_set", None, H, DISCONNECT_CB)
_declare("mosquitto_publish_v5_callback_set", None, H, PUBLISH_CB)
_declare("mosquitto_message_v5_callback_set", None, H, MESSAGE_CB)
_declare("culex_message_batch_callback_set", c_int, H, BATCH_CB)
_declare("mosquitto_subscribe_v5_callback_set", None, H, SUBSCRIBE_CB)
_declare("mosquitto_log_callback_set", None, H, LOG_CB)
_declare("culex_unsubscribe_v5_callback_set", None, H, UNSUBSCRIBE_CB)
_declare("culex_pre_connect_callback_set", None, H, PLAIN_CB)
_declare("culex_connect_fail_callback_set", None, H, INT_CB)
_declare("culex_socket_open_callback_set", None, H, INT_CB)
_declare("culex_socket_close_callback_set", None, H, INT_CB)
_declare("culex_socket_register_write_callback_set", None, H, INT_CB)
_declare("culex_socket_unregister_write_callback_set", None, H, INT_CB)
_declare("culex_paho_wire_set", c_int, H, c_bool)
_declare("culex_socket_state", c_int, H)
_declare("culex_server_disconnect_length", c_int, H)
_declare("culex_client_id_set", c_int, H, c_char_p)
_declare("culex_clean_start_set", c_int, H, c_bool)
_declare("culex_connect_timeout_set", c_int, H, c_int)
_declare("culex_is_connected", c_bool, H)
_declare("culex_manual_ack_set", c_int, H, c_bool)
_declare("culex_ack", c_int, H, c_int, c_int)
_declare("culex_max_queued_messages_set", c_int, H, c_uint, c_size_t)
_declare("culex_is_published", c_bool, H, c_int)
_declare("culex_wait_for_publish", c_int, H, c_int, c_int, POINTER(c_int))
_declare("culex_transport_set", c_int, H, c_int)
_declare("culex_ws_set_options", c_int, H, c_char_p, POINTER(c_char_p))
_declare("culex_http_proxy_set", c_int, H, c_char_p, c_int, c_char_p, c_char_p)
_declare("mosquitto_property_add_byte", c_int, PROP_PP, c_int, c_uint8)
_declare("mosquitto_property_add_int16", c_int, PROP_PP, c_int, c_uint16)
_declare("mosquitto_property_add_int32", c_int, PROP_PP, c_int, c_uint32)
_declare("mosquitto_property_add_varint", c_int, PROP_PP, c_int, c_uint32)
_declare("mosquitto_property_add_binary", c_int, PROP_PP, c_int, c_char_p, c_uint16)
_declare("mosquitto_property_add_string", c_int, PROP_PP, c_int, c_char_p)
_declare("mosquitto_property_add_string_pair", c_int, PROP_PP, c_int, c_char_p, c_char_p)
_declare("mosquitto_property_free_all", None, PROP_PP)
_declare("mosquitto_property_identifier", c_int, PROP_P)
_declare("mosquitto_property_next", PROP_P, PROP_P)
_declare("mosquitto_property_read_byte", PROP_P, PROP_P, c_int, POINTER(c_uint8), c_bool)
_declare("mosquitto_property_read_int16", PROP_P, PROP_P, c_int, POINTER(c_uint16), c_bool)
_declare("mosquitto_property_read_int32", PROP_P, PROP_P, c_int, POINTER(c_uint32), c_bool)
_declare("mosquitto_property_read_varint", PROP_P, PROP_P, c_int, POINTER(c_uint32), c_bool)
_declare(
    "mosquitto_property_read_binary",
    PROP_P,
    PROP_P,
    c_int,
    POINTER(c_void_p),
    POINTER(c_uint16),
    c_bool,
)
_declare("mosquitto_property_read_string", PROP_P, PROP_P, c_int, POINTER(c_void_p), c_bool)
_declare(
    "mosquitto_property_read_string_pair",
    PROP_P,
    PROP_P,
    c_int,
    POINTER(c_void_p),
    POINTER(c_void_p),
    c_bool,
)

lib.mosquitto_lib_init()

# libmosquitto's option numbers (mosq_opt_t).
MOSQ_OPT_PROTOCOL_VERSION = 1
MOSQ_OPT_SSL_CTX = 2
MOSQ_OPT_RECEIVE_MAXIMUM = 4
MOSQ_OPT_SEND_MAXIMUM = 5
MOSQ_OPT_TLS_ALPN = 10
MOSQ_OPT_TCP_NODELAY = 11
MOSQ_OPT_TLS_USE_OS_CERTS = 13

CULEX_TRANSPORT_TCP = 0
CULEX_TRANSPORT_WEBSOCKETS = 1


def _text(value: Any) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


class PropertyList:
    """A ``mosquitto_property`` list built from a ``Properties`` object, freed with the object."""

    __slots__ = ("ptr",)

    def __init__(self, properties: Properties | None) -> None:
        self.ptr = c_void_p()
        if properties is None:
            return
        for name, value in properties._items():
            ident = properties.getIdentFromName(name)
            kind = _DEFINITIONS[ident][1]
            values = value if name in ("UserProperty", "SubscriptionIdentifier") else [value]
            if name == "SubscriptionIdentifier" and not isinstance(value, list):
                values = [value]
            for v in values:
                self._add(ident, kind, v)

    def _add(self, ident: int, kind: int, value: Any) -> None:
        ref = ctypes.byref(self.ptr)
        if kind == _BYTE:
            rc = lib.mosquitto_property_add_byte(ref, ident, int(value))
        elif kind == _INT16:
            rc = lib.mosquitto_property_add_int16(ref, ident, int(value))
        elif kind == _INT32:
            rc = lib.mosquitto_property_add_int32(ref, ident, int(value))
        elif kind == _VBI:
            rc = lib.mosquitto_property_add_varint(ref, ident, int(value))
        elif kind == _BINARY:
            data = _text(value)
            rc = lib.mosquitto_property_add_binary(ref, ident, data, len(data))
        elif kind == _UTF8:
            rc = lib.mosquitto_property_add_string(ref, ident, _text(value))
        else:
            name, val = value
            rc = lib.mosquitto_property_add_string_pair(ref, ident, _text(name), _text(val))
        if rc != 0:
            self.free()
            raise ValueError(f"property {ident}: {lib.mosquitto_strerror(rc).decode()}")

    def free(self) -> None:
        if self.ptr:
            lib.mosquitto_property_free_all(ctypes.byref(self.ptr))

    def __del__(self) -> None:
        self.free()


def read_properties(ptr: int | None, packet_type: int) -> Properties:
    """A ``Properties`` object with the properties of the library's list at ``ptr``."""
    props = Properties(packet_type)
    while ptr:
        ident = lib.mosquitto_property_identifier(ptr)
        definition = _DEFINITIONS.get(ident)
        if definition is not None:
            name, kind, _ = definition
            value = _read_one(ptr, ident, kind)
            if name == "UserProperty":
                props.__dict__.setdefault(name, []).append(value)
            elif name == "SubscriptionIdentifier":
                props.__dict__.setdefault(name, []).append(value)
            else:
                props.__dict__[name] = value
        ptr = lib.mosquitto_property_next(ptr)
    return props


def _take(p: c_void_p, length: int | None = None) -> bytes:
    try:
        if length is None:
            return ctypes.string_at(p)
        return ctypes.string_at(p, length)
    finally:
        libc.free(p)


def _read_one(ptr: int, ident: int, kind: int) -> Any:
    if kind == _BYTE:
        b = c_uint8()
        lib.mosquitto_property_read_byte(ptr, ident, ctypes.byref(b), False)
        return b.value
    if kind == _INT16:
        s = c_uint16()
        lib.mosquitto_property_read_int16(ptr, ident, ctypes.byref(s), False)
        return s.value
    if kind in (_INT32, _VBI):
        i = c_uint32()
        read = (
            lib.mosquitto_property_read_int32
            if kind == _INT32
            else (lib.mosquitto_property_read_varint)
        )
        read(ptr, ident, ctypes.byref(i), False)
        return i.value
    if kind == _BINARY:
        p = c_void_p()
        n = c_uint16()
        lib.mosquitto_property_read_binary(ptr, ident, ctypes.byref(p), ctypes.byref(n), False)
        return _take(p, n.value) if p else b""
    if kind == _UTF8:
        p = c_void_p()
        lib.mosquitto_property_read_string(ptr, ident, ctypes.byref(p), False)
        return _take(p).decode("utf-8") if p else ""
    k = c_void_p()
    v = c_void_p()
    lib.mosquitto_property_read_string_pair(ptr, ident, ctypes.byref(k), ctypes.byref(v), False)
    key = _take(k).decode("utf-8") if k else ""
    val = _take(v).decode("utf-8") if v else ""
    return (key, val)
