"""paho-mqtt 2.x's ``Client`` on Culex: the same API, with the protocol work in the Rust core.

Owns the translation between paho-mqtt's Python API and the library's C functions: arguments
checked and converted as paho-mqtt checks them, the library's error codes as paho-mqtt's
(``MQTTErrorCode``), its callbacks turned into the user's callbacks in both callback API
versions. It never keeps a copy of the session (messages in flight, queued, acknowledged: all of
that is in the library) and never holds a Python lock while it calls into the library, so a
callback, which runs on whichever thread drives the loop, can call any method without deadlock.
"""

from __future__ import annotations

import ctypes
import errno as _errno
import logging
import os
import secrets
import signal
import socket
import ssl
import string
import threading
import time
import traceback
import warnings
import weakref
from collections.abc import Callable
from ctypes import byref, c_char_p, c_int
from typing import Any

from . import _ffi
from ._callbacks import CallbackType, PayloadType, _Callbacks, _library_callback, _UserCallback
from ._errors import (
    _MOSQ_ERR_KEEPALIVE,
    _MOSQ_ERR_MALFORMED_UTF8,
    WebsocketConnectionError,
    _connack_reason,
    _handshake_error,
    _paho_rc,
    _raise_connect_error,
    connack_string,
    error_string,
)
from ._ffi import lib
from ._message import ConnectFlags, DisconnectFlags, MQTTMessage, MQTTMessageInfo
from .enums import (
    CallbackAPIVersion,
    ConnackCode,
    LogLevel,
    MessageState,
    MessageType,
    MQTTErrorCode,
    MQTTProtocolVersion,
    PahoClientMode,
)
from .packettypes import PacketTypes
from .properties import Properties
from .reasoncodes import ReasonCode
from .subscribeoptions import SubscribeOptions

__all__ = [
    "CallbackType",
    "Client",
    "ConnectFlags",
    "DisconnectFlags",
    "MQTTMessage",
    "MQTTMessageInfo",
    "PayloadType",
    "WebsocketConnectionError",
    "connack_string",
    "error_string",
    "topic_matches_sub",
]

MQTTv31 = MQTTProtocolVersion.MQTTv31
MQTTv311 = MQTTProtocolVersion.MQTTv311
MQTTv5 = MQTTProtocolVersion.MQTTv5

CONNECT = MessageType.CONNECT
CONNACK = MessageType.CONNACK
PUBLISH = MessageType.PUBLISH
PUBACK = MessageType.PUBACK
PUBREC = MessageType.PUBREC
PUBREL = MessageType.PUBREL
PUBCOMP = MessageType.PUBCOMP
SUBSCRIBE = MessageType.SUBSCRIBE
SUBACK = MessageType.SUBACK
UNSUBSCRIBE = MessageType.UNSUBSCRIBE
UNSUBACK = MessageType.UNSUBACK
PINGREQ = MessageType.PINGREQ
PINGRESP = MessageType.PINGRESP
DISCONNECT = MessageType.DISCONNECT
AUTH = MessageType.AUTH

MQTT_LOG_INFO = LogLevel.MQTT_LOG_INFO
MQTT_LOG_NOTICE = LogLevel.MQTT_LOG_NOTICE
MQTT_LOG_WARNING = LogLevel.MQTT_LOG_WARNING
MQTT_LOG_ERR = LogLevel.MQTT_LOG_ERR
MQTT_LOG_DEBUG = LogLevel.MQTT_LOG_DEBUG
LOGGING_LEVEL = {
    LogLevel.MQTT_LOG_DEBUG: logging.DEBUG,
    LogLevel.MQTT_LOG_INFO: logging.INFO,
    LogLevel.MQTT_LOG_NOTICE: logging.INFO,
    LogLevel.MQTT_LOG_WARNING: logging.WARNING,
    LogLevel.MQTT_LOG_ERR: logging.ERROR,
}

CONNACK_ACCEPTED = ConnackCode.CONNACK_ACCEPTED
CONNACK_REFUSED_PROTOCOL_VERSION = ConnackCode.CONNACK_REFUSED_PROTOCOL_VERSION
CONNACK_REFUSED_IDENTIFIER_REJECTED = ConnackCode.CONNACK_REFUSED_IDENTIFIER_REJECTED
CONNACK_REFUSED_SERVER_UNAVAILABLE = ConnackCode.CONNACK_REFUSED_SERVER_UNAVAILABLE
CONNACK_REFUSED_BAD_USERNAME_PASSWORD = ConnackCode.CONNACK_REFUSED_BAD_USERNAME_PASSWORD
CONNACK_REFUSED_NOT_AUTHORIZED = ConnackCode.CONNACK_REFUSED_NOT_AUTHORIZED

mqtt_ms_invalid = MessageState.MQTT_MS_INVALID
mqtt_ms_publish = MessageState.MQTT_MS_PUBLISH
mqtt_ms_wait_for_puback = MessageState.MQTT_MS_WAIT_FOR_PUBACK
mqtt_ms_wait_for_pubrec = MessageState.MQTT_MS_WAIT_FOR_PUBREC
mqtt_ms_resend_pubrel = MessageState.MQTT_MS_RESEND_PUBREL
mqtt_ms_wait_for_pubrel = MessageState.MQTT_MS_WAIT_FOR_PUBREL
mqtt_ms_resend_pubcomp = MessageState.MQTT_MS_RESEND_PUBCOMP
mqtt_ms_wait_for_pubcomp = MessageState.MQTT_MS_WAIT_FOR_PUBCOMP
mqtt_ms_send_pubrec = MessageState.MQTT_MS_SEND_PUBREC
mqtt_ms_queued = MessageState.MQTT_MS_QUEUED

MQTT_ERR_AGAIN = MQTTErrorCode.MQTT_ERR_AGAIN
MQTT_ERR_SUCCESS = MQTTErrorCode.MQTT_ERR_SUCCESS
MQTT_ERR_NOMEM = MQTTErrorCode.MQTT_ERR_NOMEM
MQTT_ERR_PROTOCOL = MQTTErrorCode.MQTT_ERR_PROTOCOL
MQTT_ERR_INVAL = MQTTErrorCode.MQTT_ERR_INVAL
MQTT_ERR_NO_CONN = MQTTErrorCode.MQTT_ERR_NO_CONN
MQTT_ERR_CONN_REFUSED = MQTTErrorCode.MQTT_ERR_CONN_REFUSED
MQTT_ERR_NOT_FOUND = MQTTErrorCode.MQTT_ERR_NOT_FOUND
MQTT_ERR_CONN_LOST = MQTTErrorCode.MQTT_ERR_CONN_LOST
MQTT_ERR_TLS = MQTTErrorCode.MQTT_ERR_TLS
MQTT_ERR_PAYLOAD_SIZE = MQTTErrorCode.MQTT_ERR_PAYLOAD_SIZE
MQTT_ERR_NOT_SUPPORTED = MQTTErrorCode.MQTT_ERR_NOT_SUPPORTED
MQTT_ERR_AUTH = MQTTErrorCode.MQTT_ERR_AUTH
MQTT_ERR_ACL_DENIED = MQTTErrorCode.MQTT_ERR_ACL_DENIED
MQTT_ERR_UNKNOWN = MQTTErrorCode.MQTT_ERR_UNKNOWN
MQTT_ERR_ERRNO = MQTTErrorCode.MQTT_ERR_ERRNO
MQTT_ERR_QUEUE_SIZE = MQTTErrorCode.MQTT_ERR_QUEUE_SIZE
MQTT_ERR_KEEPALIVE = MQTTErrorCode.MQTT_ERR_KEEPALIVE

MQTT_CLIENT = PahoClientMode.MQTT_CLIENT
MQTT_BRIDGE = PahoClientMode.MQTT_BRIDGE

MQTT_CLEAN_START_FIRST_ONLY = 3

# PySocks' proxy type numbers (paho-mqtt's proxy_set takes them).
_PROXY_SOCKS4, _PROXY_SOCKS5, _PROXY_HTTP = 1, 2, 3


def topic_matches_sub(sub: str, topic: str) -> bool:
    """Whether ``topic`` matches the subscription filter ``sub`` (``+`` and ``#`` wildcards,
    and topics starting with ``$`` matched only by filters starting with ``$``)."""
    filter_levels = sub.split("/")
    topic_levels = topic.split("/")
    if topic.startswith("$") and not sub.startswith("$"):
        return False
    for i, level in enumerate(filter_levels):
        if level == "#":
            return i == len(filter_levels) - 1
        if i >= len(topic_levels):
            return False
        if level != "+" and level != topic_levels[i]:
            return False
    return len(filter_levels) == len(topic_levels)


def _topic_bytes(topic: str | bytes) -> bytes:
    return topic.encode("utf-8") if isinstance(topic, str) else bytes(topic)


def _payload_bytes(payload: Any) -> bytes:
    if payload is None:
        return b""
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode("utf-8")
    if isinstance(payload, (bytearray, memoryview)):
        return bytes(payload)
    if isinstance(payload, (int, float)):
        return str(payload).encode("ascii")
    raise TypeError("payload must be a string, bytearray, int, float or None.")


def _random_client_id() -> str:
    alphabet = string.ascii_letters + string.digits
    return "culex" + "".join(secrets.choice(alphabet) for _ in range(17))


def _release(handle: int, loop_running: list[bool]) -> None:
    """Free a client's handle (the finaliser: never runs on the loop thread it would stop)."""
    if loop_running[0]:
        lib.mosquitto_loop_stop(handle, True)
    lib.mosquitto_destroy(handle)


class Client:
    """An MQTT client with paho-mqtt 2.x's API (see paho-mqtt's documentation; the README lists
    where Culex answers differently)."""

    def __init__(
        self,
        callback_api_version: CallbackAPIVersion = CallbackAPIVersion.VERSION1,
        client_id: str | None = "",
        clean_session: bool | None = None,
        userdata: Any = None,
        protocol: int = MQTTv311,
        transport: str = "tcp",
        reconnect_on_failure: bool = True,
        manual_ack: bool = False,
    ) -> None:
        self._handle: int | None = None
        if isinstance(callback_api_version, str):
            # A paho-mqtt 1.x program: its first argument is the client id.
            raise TypeError(
                "Unsupported callback API version: version 2.0 added a callback_api_version, "
                "see docs/migrations.rst for details"
            )
        if callback_api_version == CallbackAPIVersion.VERSION1:
            warnings.warn(
                "Callback API version 1 is deprecated, update to latest version",
                category=DeprecationWarning,
                stacklevel=2,
            )
        elif callback_api_version != CallbackAPIVersion.VERSION2:
            raise ValueError("Unsupported callback API version")
        if transport not in ("tcp", "websockets", "unix"):
            raise ValueError(f'transport must be "websockets", "tcp" or "unix", not {transport}')
        if protocol == MQTTv5:
            if clean_session is not None:
                raise ValueError("Clean session is not used for MQTT 5.0")
        elif protocol not in (MQTTv31, MQTTv311):
            raise ValueError(f"Unsupported protocol version {protocol}")
        else:
            if clean_session is None:
                clean_session = True
            if not clean_session and client_id in ("", None):
                raise ValueError("A client id must be provided if clean session is False.")
        self._callback_api_version = CallbackAPIVersion(callback_api_version)
        self._protocol = int(protocol)
        self._clean_session = bool(clean_session) if clean_session is not None else True
        self._userdata = userdata
        self._transport = transport
        self._reconnect_on_failure = reconnect_on_failure
        self._manual_ack = manual_ack
        if client_id in ("", None):
            self._client_id = _random_client_id().encode() if protocol == MQTTv31 else b""
        else:
            self._client_id = _topic_bytes(client_id)
        self._host = ""
        self._port = 1883
        self._keepalive = 60
        self._bind_address = ""
        self._bind_port = 0
        self._connect_properties: Properties | None = None
        self._clean_start: bool | int = MQTT_CLEAN_START_FIRST_ONLY
        self._connected_once = False
        self._connect_timeout = 5.0
        self._max_inflight_messages = 20
        self._max_queued_messages = 0
        self._reconnect_min_delay = 1
        self._reconnect_max_delay = 120
        self._loop_running = [False]
        self._loop_thread_id: int | None = None
        self._disconnecting = False
        self._logger: logging.Logger | None = None
        self._topic_callbacks: dict[str, Callable[..., Any]] = {}
        self._sockets: dict[int, socket.socket] = {}
        self._tls_set = False
        self._ws_path = "/mqtt"
        self._ws_headers: Any = None
        self._pending_exception: BaseException | None = None
        self._started = False
        self._c_has_target = False
        self._pending_connect = False
        self._ssl_context: ssl.SSLContext | None = None
        self._thread = _LibraryThread(self._loop_running)
        self.suppress_exceptions = False

        self._on_connect: CallbackType = None
        self._on_connect_fail: CallbackType = None
        self._on_disconnect: CallbackType = None
        self._on_publish: CallbackType = None
        self._on_message: CallbackType = None
        self._on_subscribe: CallbackType = None
        self._on_unsubscribe: CallbackType = None
        self._on_log: CallbackType = None
        self._on_pre_connect: CallbackType = None
        self._on_socket_open: CallbackType = None
        self._on_socket_close: CallbackType = None
        self._on_socket_register_write: CallbackType = None
        self._on_socket_unregister_write: CallbackType = None

        handle = lib.mosquitto_new(None, True, None)
        if not handle:
            raise MemoryError("mosquitto_new failed")
        self._handle = handle
        self._finalizer = weakref.finalize(self, _release, handle, self._loop_running)
        self._check(lib.culex_client_id_set(handle, self._client_id))
        self._check(lib.culex_clean_start_set(handle, self._clean_session))
        self._check(lib.mosquitto_int_option(handle, _ffi.MOSQ_OPT_PROTOCOL_VERSION, protocol))
        self._check(lib.culex_paho_wire_set(handle, True))
        self._check(lib.culex_connect_timeout_set(handle, int(self._connect_timeout * 1000)))
        if transport == "websockets":
            self._check(lib.culex_transport_set(handle, _ffi.CULEX_TRANSPORT_WEBSOCKETS))
        if manual_ack:
            self._check(lib.culex_manual_ack_set(handle, True))
        self._cb = _Callbacks(self)
        cb = self._cb
        lib.mosquitto_connect_v5_callback_set(handle, cb.connect)
        lib.mosquitto_disconnect_v5_callback_set(handle, cb.disconnect)
        # on_publish, on_message, on_subscribe and on_unsubscribe reach the library only once
        # set: a callback costs the library's thread the GIL for every message.
        lib.culex_connect_fail_callback_set(handle, cb.connect_fail)
        lib.culex_socket_close_callback_set(handle, cb.socket_close)

    # ----- helpers -----

    def _check(self, rc: int) -> None:
        if rc != 0:
            raise ValueError(lib.mosquitto_strerror(rc).decode())

    def _h(self) -> int:
        if self._handle is None:
            raise RuntimeError("the client has been closed")
        return self._handle

    def _easy_log(self, level: int, fmt: str, *args: Any) -> None:
        if self._on_log is None and self._logger is None:
            return
        buf = fmt % args if args else fmt
        if self._on_log is not None:
            self._on_log(self, self._userdata, level, buf)
        if self._logger is not None:
            self._logger.log(LOGGING_LEVEL.get(LogLevel(level), logging.DEBUG), buf)

    def _call(self, name: str, func: Callable[..., Any], *args: Any) -> None:
        """Call a user callback; an exception is logged and, unless ``suppress_exceptions``,
        raised again by the loop call that ran it."""
        try:
            func(*args)
        except Exception as exc:
            self._easy_log(MQTT_LOG_ERR, "Caught exception in %s: %s", name, traceback.format_exc())
            if not self.suppress_exceptions:
                self._defer(exc)

    def _defer(self, exc: BaseException) -> None:
        """Keep an exception raised in a callback for the loop call that ran it."""
        if self._pending_exception is None:
            self._pending_exception = exc
        if self._loop_thread_id == threading.get_ident():
            # loop_forever returns to raise it (it would go on reconnecting).
            self._disconnecting = True
            lib.mosquitto_disconnect_v5(self._handle, 0, None)

    def _guard_interrupt(self) -> Any:
        """While a loop call runs on the main thread with Python's default SIGINT handler,
        Ctrl-C is kept for the loop call to raise: raised inside a callback, ctypes would print
        and drop it."""
        if threading.current_thread() is not threading.main_thread():
            return None
        try:
            if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
                return None

            def interrupted(signum: int, frame: Any) -> None:
                self._defer(KeyboardInterrupt())

            return signal.signal(signal.SIGINT, interrupted)
        except ValueError:
            return None

    def _unguard_interrupt(self, previous: Any) -> None:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)

    def _raise_pending(self) -> None:
        exc = self._pending_exception
        if exc is not None:
            self._pending_exception = None
            raise exc

    def _python_socket(self, fd: int) -> socket.socket:
        sock = self._sockets.get(fd)
        if sock is None:
            sock = socket.socket(fileno=os.dup(fd))
            self._sockets[fd] = sock
        return sock

    # ----- properties -----

    @property
    def host(self) -> str:
        return self._host

    @host.setter
    def host(self, value: str) -> None:
        self._before_connecting("host")
        if not value:
            raise ValueError("Invalid host.")
        self._host = value

    @property
    def port(self) -> int:
        return self._port

    @port.setter
    def port(self, value: int) -> None:
        self._before_connecting("port")
        if value <= 0:
            raise ValueError("Invalid port number.")
        self._port = value

    @property
    def keepalive(self) -> int:
        return self._keepalive

    @keepalive.setter
    def keepalive(self, value: int) -> None:
        self._before_connecting("keepalive")
        if value < 0:
            raise ValueError("Keepalive must be >=0.")
        self._keepalive = value

    @property
    def transport(self) -> str:
        return self._transport

    @transport.setter
    def transport(self, value: str) -> None:
        self._before_connecting("transport")
        if value not in ("tcp", "websockets", "unix"):
            raise ValueError(f'transport must be "websockets", "tcp" or "unix", not {value}')
        ws = _ffi.CULEX_TRANSPORT_WEBSOCKETS if value == "websockets" else _ffi.CULEX_TRANSPORT_TCP
        self._check(lib.culex_transport_set(self._h(), ws))
        self._transport = value

    @property
    def protocol(self) -> MQTTProtocolVersion:
        return MQTTProtocolVersion(self._protocol)

    @property
    def connect_timeout(self) -> float:
        return self._connect_timeout

    @connect_timeout.setter
    def connect_timeout(self, value: float) -> None:
        self._before_connecting("connect_timeout")
        if value <= 0.0:
            raise ValueError("timeout must be a positive number")
        self._check(lib.culex_connect_timeout_set(self._h(), int(value * 1000)))
        self._connect_timeout = value

    @property
    def username(self) -> str | None:
        return getattr(self, "_username", None)

    @username.setter
    def username(self, value: str | None) -> None:
        self._before_connecting("username")
        self.username_pw_set(value, self.password)

    @property
    def password(self) -> str | bytes | None:
        return getattr(self, "_password", None)

    @password.setter
    def password(self, value: str | bytes | None) -> None:
        self._before_connecting("password")
        self.username_pw_set(self.username, value)

    def _before_connecting(self, what: str) -> None:
        if self._started:
            raise RuntimeError(f"updating {what} on established connection is not supported")

    @property
    def max_inflight_messages(self) -> int:
        return self._max_inflight_messages

    @max_inflight_messages.setter
    def max_inflight_messages(self, value: int) -> None:
        self._before_connecting("max_inflight_messages")
        self.max_inflight_messages_set(value)

    @property
    def max_queued_messages(self) -> int:
        return self._max_queued_messages

    @max_queued_messages.setter
    def max_queued_messages(self, value: int) -> None:
        self._before_connecting("max_queued_messages")
        self.max_queued_messages_set(value)

    @property
    def client_id(self) -> bytes:
        return self._client_id

    @property
    def callback_api_version(self) -> CallbackAPIVersion:
        return self._callback_api_version

    # ----- settings -----

    def reinitialise(
        self, client_id: str = "", clean_session: bool = True, userdata: Any = None
    ) -> None:
        """Start again with a new id, as a new client (callbacks stay)."""
        self._loop_stop_c()
        self._disconnecting = False
        self._userdata = userdata
        self._clean_session = clean_session
        self._connected_once = False
        self._client_id = (
            _topic_bytes(client_id)
            if client_id
            else (_random_client_id().encode() if self._protocol == MQTTv31 else b"")
        )
        self._check(lib.culex_client_id_set(self._h(), self._client_id))
        self._check(lib.culex_clean_start_set(self._h(), clean_session))

    def user_data_set(self, userdata: Any) -> None:
        self._userdata = userdata

    def user_data_get(self) -> Any:
        return self._userdata

    def username_pw_set(self, username: str | None, password: str | bytes | None = None) -> None:
        self._username = username
        self._password = password
        user = None if username is None else _topic_bytes(username)
        pw = None if password is None else _topic_bytes(password)
        self._check(lib.mosquitto_username_pw_set(self._h(), user, pw))

    def will_set(
        self,
        topic: str,
        payload: Any = None,
        qos: int = 0,
        retain: bool = False,
        properties: Properties | None = None,
    ) -> None:
        if not topic:
            raise ValueError("Invalid topic.")
        if qos < 0 or qos > 2:
            raise ValueError("Invalid QoS level.")
        if properties is not None and not isinstance(properties, Properties):
            raise ValueError("The properties argument must be an instance of the Properties class.")
        if "+" in topic or "#" in topic:
            raise ValueError("Will topic cannot contain wildcards.")
        data = _payload_bytes(payload)
        props = _ffi.PropertyList(properties) if self._protocol == MQTTv5 else None
        rc = lib.mosquitto_will_set_v5(
            self._h(),
            _topic_bytes(topic),
            len(data),
            data,
            qos,
            retain,
            props.ptr if props else None,
        )
        if rc != 0:
            raise ValueError(lib.mosquitto_strerror(rc).decode())
        if props is not None:
            # The library took the list.
            props.ptr = ctypes.c_void_p()

    def will_clear(self) -> None:
        lib.mosquitto_will_clear(self._h())

    def reconnect_delay_set(self, min_delay: int = 1, max_delay: int = 120) -> None:
        self._reconnect_min_delay = min_delay
        self._reconnect_max_delay = max_delay
        self._check(lib.mosquitto_reconnect_delay_set(self._h(), min_delay, max_delay, True))

    def max_inflight_messages_set(self, inflight: int) -> None:
        if inflight < 0:
            raise ValueError("Invalid inflight.")
        self._check(lib.mosquitto_max_inflight_messages_set(self._h(), inflight))
        self._max_inflight_messages = inflight

    def max_queued_messages_set(self, queue_size: int) -> Client:
        if queue_size < 0:
            raise ValueError("Invalid queue size.")
        if not isinstance(queue_size, int):
            raise ValueError("Invalid type of queue size.")
        self._check(lib.culex_max_queued_messages_set(self._h(), queue_size, 0))
        self._max_queued_messages = queue_size
        return self

    def message_retry_set(self, retry: int) -> None:
        """Deprecated in paho-mqtt and without effect there; kept for programs that call it."""
        warnings.warn("message_retry_set() has no effect", DeprecationWarning, stacklevel=2)

    def manual_ack_set(self, on: bool) -> None:
        self._manual_ack = bool(on)
        self._check(lib.culex_manual_ack_set(self._h(), self._manual_ack))

    def ack(self, mid: int, qos: int) -> MQTTErrorCode:
        """Acknowledge a message received with manual acknowledgement on."""
        if qos == 0:
            return MQTTErrorCode.MQTT_ERR_SUCCESS
        return _paho_rc(lib.culex_ack(self._h(), mid, qos))

    def enable_logger(self, logger: logging.Logger | None = None) -> None:
        if logger is None:
            if self._logger is not None:
                return
            logger = logging.getLogger(__name__)
        self._logger = logger
        self._log_callback_needed()

    def disable_logger(self) -> None:
        self._logger = None
        self._log_callback_needed()

    def enable_bridge_mode(self) -> None:
        raise NotImplementedError("Culex does not provide mosquitto's bridge mode")

    def tls_set(
        self,
        ca_certs: str | None = None,
        certfile: str | None = None,
        keyfile: str | None = None,
        cert_reqs: ssl.VerifyMode | None = None,
        tls_version: int | None = None,
        ciphers: str | None = None,
        keyfile_password: Any = None,
        alpn_protocols: list[str] | None = None,
    ) -> None:
        if self._tls_set:
            raise ValueError("SSL/TLS has already been configured.")
        if ca_certs is not None and not os.path.exists(ca_certs):
            raise FileNotFoundError(_errno.ENOENT, "No such file or directory", ca_certs)
        for path in (certfile, keyfile):
            if path is not None and not os.path.exists(path):
                raise FileNotFoundError(_errno.ENOENT, "No such file or directory", path)
        h = self._h()
        if keyfile_password is not None:
            given = keyfile_password() if callable(keyfile_password) else keyfile_password
            secret = _topic_bytes(given)

            def give(buf: int, size: int, rwflag: int, userdata: int) -> int:
                n = min(len(secret), size - 1)
                ctypes.memmove(buf, secret, n)
                return n

            self._pw_cb = _ffi.PW_CB(give)
        else:
            self._pw_cb = _ffi.PW_CB()
        cafile, capath = _default_ca() if ca_certs is None else (os.fsencode(ca_certs), None)
        rc = lib.mosquitto_tls_set(
            h,
            cafile,
            capath,
            None if certfile is None else os.fsencode(certfile),
            None if keyfile is None else os.fsencode(keyfile),
            self._pw_cb,
        )
        if rc != 0:
            raise ssl.SSLError(f"tls_set: {lib.mosquitto_strerror(rc).decode()}")
        reqs = 1 if cert_reqs is None or cert_reqs != ssl.CERT_NONE else 0
        version = {
            getattr(ssl, "PROTOCOL_TLSv1_2", -2): b"tlsv1.2",
            getattr(ssl, "PROTOCOL_TLSv1_1", -3): b"tlsv1.1",
        }.get(tls_version if tls_version is not None else -1)
        rc = lib.mosquitto_tls_opts_set(
            h, reqs, version, None if ciphers is None else ciphers.encode()
        )
        if rc != 0:
            raise ValueError(f"tls_set: {lib.mosquitto_strerror(rc).decode()}")
        if reqs == 0:
            lib.mosquitto_tls_insecure_set(h, True)
        if alpn_protocols:
            self._check(
                lib.mosquitto_string_option(h, _ffi.MOSQ_OPT_TLS_ALPN, alpn_protocols[0].encode())
            )
        # A Python context with the same settings, for programs that look at it (the library
        # does TLS with its own).
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if reqs == 0:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        self._ssl_context = context
        self._tls_set = True

    def tls_set_context(self, context: ssl.SSLContext | None = None) -> None:
        """TLS with the settings of a Python ``SSLContext`` as far as the library can take
        them: the certificate checks (``verify_mode``, ``check_hostname``) and nothing else; the
        library uses its own OpenSSL context with the system's CA certificates (see the
        README's list of differences)."""
        if self._tls_set:
            raise ValueError("SSL/TLS has already been configured.")
        h = self._h()
        cafile, capath = _default_ca()
        rc = lib.mosquitto_tls_set(h, cafile, capath, None, None, _ffi.PW_CB())
        if rc != 0:
            raise ssl.SSLError(f"tls_set_context: {lib.mosquitto_strerror(rc).decode()}")
        if context is not None and (
            context.verify_mode == ssl.CERT_NONE or not context.check_hostname
        ):
            lib.mosquitto_tls_insecure_set(h, True)
        self._ssl_context = context or ssl.create_default_context()
        self._tls_set = True

    def tls_insecure_set(self, value: bool) -> None:
        if not self._tls_set:
            raise ValueError("Must configure SSL context before using tls_insecure_set.")
        self._check(lib.mosquitto_tls_insecure_set(self._h(), bool(value)))

    def proxy_set(self, **proxy_args: Any) -> None:
        """An HTTP CONNECT or SOCKS5 proxy: ``proxy_type`` (PySocks' numbers: 2 SOCKS5, 3
        HTTP), ``proxy_addr``, ``proxy_port``, ``proxy_username``, ``proxy_password``."""
        if not proxy_args:
            raise ValueError("proxy_type and proxy_addr are required")
        kind = proxy_args.get("proxy_type")
        addr = proxy_args.get("proxy_addr")
        if kind is None or addr is None:
            raise ValueError("proxy_type and proxy_addr are required")
        user = proxy_args.get("proxy_username")
        pw = proxy_args.get("proxy_password")
        user_b = None if user is None else _topic_bytes(user)
        pw_b = None if pw is None else _topic_bytes(pw)
        if kind == _PROXY_HTTP:
            port = proxy_args.get("proxy_port") or 8080
            rc = lib.culex_http_proxy_set(self._h(), _topic_bytes(addr), port, user_b, pw_b)
        elif kind == _PROXY_SOCKS5:
            port = proxy_args.get("proxy_port") or 1080
            rc = lib.mosquitto_socks5_set(self._h(), _topic_bytes(addr), port, user_b, pw_b)
        else:
            raise ValueError("Culex supports SOCKS5 (2) and HTTP (3) proxies")
        self._check(rc)

    def ws_set_options(
        self, path: str = "/mqtt", headers: dict[str, str] | Callable[..., Any] | None = None
    ) -> None:
        """The path and extra header fields of the WebSocket upgrade. A callable ``headers``
        is called once here with the default fields and its answer is used."""
        if self._transport != "websockets":
            raise ValueError("'ws_set_options' is only supported with transport=websockets")
        if path is None:
            path = "/mqtt"
        self._ws_path = path
        fields_given: dict[str, str] = (headers({}) if callable(headers) else headers) or {}
        fields = [f"{k}: {v}".encode() for k, v in fields_given.items()]
        arr = (c_char_p * (len(fields) + 1))(*fields, None)
        self._check(lib.culex_ws_set_options(self._h(), path.encode(), arr))

    # ----- connecting -----

    def connect(
        self,
        host: str,
        port: int = 1883,
        keepalive: int = 60,
        bind_address: str = "",
        bind_port: int = 0,
        clean_start: bool | int = MQTT_CLEAN_START_FIRST_ONLY,
        properties: Properties | None = None,
    ) -> MQTTErrorCode:
        """Connect to a broker: the socket (and TLS) now, CONNECT sent by the loop."""
        self._check_connect_args(host, port, keepalive, bind_port, clean_start, properties)
        self._store_target(host, port, keepalive, bind_address, bind_port, clean_start, properties)
        return self._open(blocking=True)

    def connect_async(
        self,
        host: str,
        port: int = 1883,
        keepalive: int = 60,
        bind_address: str = "",
        bind_port: int = 0,
        clean_start: bool | int = MQTT_CLEAN_START_FIRST_ONLY,
        properties: Properties | None = None,
    ) -> MQTTErrorCode:
        """Connect in the background: the loop (``loop_start``, ``loop_forever``, ``loop``)
        does the work."""
        self._check_connect_args(host, port, keepalive, bind_port, clean_start, properties)
        self._store_target(host, port, keepalive, bind_address, bind_port, clean_start, properties)
        self._pending_connect = True
        return MQTTErrorCode.MQTT_ERR_SUCCESS

    def connect_srv(
        self,
        domain: str | None = None,
        keepalive: int = 60,
        bind_address: str = "",
        bind_port: int = 0,
        clean_start: bool | int = MQTT_CLEAN_START_FIRST_ONLY,
        properties: Properties | None = None,
    ) -> MQTTErrorCode:
        """Connect to the broker named by the DNS SRV record of ``domain``."""
        if domain is None:
            domain = socket.getfqdn().partition(".")[2]
            if not domain:
                raise ValueError("No domain specified.")
        self._check_connect_args(domain, 1883, keepalive, bind_port, clean_start, properties)
        self._store_target(
            domain, 1883, keepalive, bind_address, bind_port, clean_start, properties
        )
        self._prepare_connect()
        self._started = True
        self._c_has_target = True
        ctypes.set_errno(0)
        rc = lib.mosquitto_connect_srv(
            self._h(), domain.encode(), keepalive, bind_address.encode() or None
        )
        if rc != 0:
            _raise_connect_error(rc, ctypes.get_errno())
            return _paho_rc(rc)
        return MQTTErrorCode.MQTT_ERR_SUCCESS

    def _check_connect_args(
        self,
        host: str,
        port: int,
        keepalive: int,
        bind_port: int,
        clean_start: bool | int,
        properties: Properties | None,
    ) -> None:
        if not host:
            raise ValueError("Invalid host.")
        if port <= 0 and self._transport != "unix":
            raise ValueError("Invalid port number.")
        if keepalive < 0:
            raise ValueError("Keepalive must be >=0.")
        if bind_port < 0:
            raise ValueError("Invalid bind port number.")
        if self._protocol != MQTTv5:
            if clean_start != MQTT_CLEAN_START_FIRST_ONLY:
                raise ValueError("Clean start only applies to MQTT V5")
            if properties:
                raise ValueError("Properties only apply to MQTT V5")
        if properties is not None and not isinstance(properties, Properties):
            raise ValueError("The properties argument must be an instance of the Properties class.")

    def _store_target(
        self,
        host: str,
        port: int,
        keepalive: int,
        bind_address: str,
        bind_port: int,
        clean_start: bool | int,
        properties: Properties | None,
    ) -> None:
        self._host = host
        self._port = port
        self._keepalive = keepalive
        self._bind_address = bind_address
        self._bind_port = bind_port
        self._clean_start = clean_start
        self._connect_properties = properties
        self._connected_once = False
        self._pending_connect = False

    def _prepare_connect(self) -> None:
        self._disconnecting = False
        if self._protocol == MQTTv5:
            clean = (
                not self._connected_once
                if self._clean_start == MQTT_CLEAN_START_FIRST_ONLY
                else bool(self._clean_start)
            )
            lib.culex_clean_start_set(self._h(), clean)

    def _open(self, blocking: bool) -> MQTTErrorCode:
        """Open the connection stored by connect/connect_async."""
        self._pending_connect = False
        self._prepare_connect()
        self._started = True
        self._c_has_target = True
        h = self._h()
        host = os.fsencode(self._host) if self._transport == "unix" else self._host.encode()
        port = 0 if self._transport == "unix" else self._port
        bind = self._bind_address.encode() or None
        props = _ffi.PropertyList(self._connect_properties)
        handshakes = blocking and (self._tls_set or self._transport == "websockets")
        if handshakes:
            # What the library logs while TLS or the WebSocket upgrade fails says why.
            self._captured: list[str] | None = []
            lib.mosquitto_log_callback_set(h, self._cb.log)
        try:
            ctypes.set_errno(0)
            if blocking:
                rc = lib.mosquitto_connect_bind_v5(h, host, port, self._keepalive, bind, props.ptr)
            else:
                rc = lib.culex_connect_bind_async_v5(
                    h, host, port, self._keepalive, bind, props.ptr
                )
            err = ctypes.get_errno()
            if rc != 0:
                if blocking:
                    if handshakes and self._captured:
                        raise _handshake_error(self._captured)
                    _raise_connect_error(rc, err)
                return _paho_rc(rc)
            if handshakes:
                self._finish_handshakes()
        finally:
            if handshakes:
                self._captured = None
                if self._on_log is None and self._logger is None:
                    lib.mosquitto_log_callback_set(h, _ffi.LOG_CB())
        if blocking:
            if self._on_socket_open is not None or self._on_socket_register_write is not None:
                # The library reports socket events from its loop calls; paho-mqtt programs on
                # an external event loop wait for on_socket_open before calling any.
                lib.mosquitto_loop_misc(h)
        return MQTTErrorCode.MQTT_ERR_SUCCESS

    def _finish_handshakes(self) -> None:
        """As paho-mqtt's connect(), return once TLS and the WebSocket upgrade are done, and
        raise ``ssl.SSLError`` or ``WebsocketConnectionError`` when they fail."""
        h = self._h()
        deadline = time.monotonic() + self._connect_timeout
        state = lib.culex_socket_state(h)
        while state in _HANDSHAKING and time.monotonic() < deadline:
            lib.mosquitto_loop(h, 50, 1)
            state = lib.culex_socket_state(h)
        captured = self._captured or []
        if state in _HANDSHAKING:
            raise TimeoutError("timed out")
        if state not in (_SOCKET_NONE, _SOCKET_DISCONNECTING):
            return
        raise _handshake_error(captured)

    def reconnect(self) -> MQTTErrorCode:
        """Connect again with the last connect's arguments."""
        if not self._host:
            raise ValueError("Invalid host.")
        if self._pending_connect or not self._c_has_target:
            return self._open(blocking=True)
        self._prepare_connect()
        ctypes.set_errno(0)
        rc = lib.mosquitto_reconnect(self._h())
        if rc != 0:
            _raise_connect_error(rc, ctypes.get_errno())
            return _paho_rc(rc)
        return MQTTErrorCode.MQTT_ERR_SUCCESS

    def _start_pending_connect(self) -> None:
        if self._pending_connect:
            self._open(blocking=False)

    def is_connected(self) -> bool:
        return self._handle is not None and bool(lib.culex_is_connected(self._handle))

    def disconnect(
        self, reasoncode: ReasonCode | None = None, properties: Properties | None = None
    ) -> MQTTErrorCode:
        """Send DISCONNECT (with a reason code and properties in MQTT 5) and stop
        reconnecting."""
        self._disconnecting = True
        self._pending_connect = False
        # The connection settings may change again: nothing reconnects with the old ones.
        self._started = False
        code = 0 if reasoncode is None else int(reasoncode.value)
        props = _ffi.PropertyList(properties)
        rc = lib.mosquitto_disconnect_v5(self._h(), code, props.ptr)
        return _paho_rc(rc)

    # ----- messages -----

    def publish(
        self,
        topic: str,
        payload: Any = None,
        qos: int = 0,
        retain: bool = False,
        properties: Properties | None = None,
    ) -> MQTTMessageInfo:
        """Publish a message; the returned ``MQTTMessageInfo`` has the result and the mid."""
        if self._protocol != MQTTv5 and (topic is None or len(topic) == 0):
            raise ValueError("Invalid topic.")
        topic_b = _topic_bytes(topic) if topic is not None else b""
        if qos < 0 or qos > 2:
            raise ValueError("Invalid QoS level.")
        data = _payload_bytes(payload)
        if len(data) > 268435455:
            raise ValueError("Payload too large.")
        if b"+" in topic_b or b"#" in topic_b:
            raise ValueError("Publish topic cannot contain wildcards.")
        if properties is not None and not isinstance(properties, Properties):
            raise ValueError("The properties argument must be an instance of the Properties class.")
        mid = c_int(0)
        if properties is None:
            rc = lib.mosquitto_publish_v5(
                self._h(), byref(mid), topic_b, len(data), data, qos, retain, None
            )
        else:
            props = _ffi.PropertyList(properties)
            rc = lib.mosquitto_publish_v5(
                self._h(), byref(mid), topic_b, len(data), data, qos, retain, props.ptr
            )
        if rc == _MOSQ_ERR_MALFORMED_UTF8 or (rc == 3 and not topic_b):
            raise ValueError("Invalid topic.")
        info = MQTTMessageInfo(mid.value, self)
        info.rc = _paho_rc(rc)
        return info

    def subscribe(
        self,
        topic: Any,
        qos: int = 0,
        options: SubscribeOptions | None = None,
        properties: Properties | None = None,
    ) -> tuple[MQTTErrorCode, int | None]:
        """Subscribe to one filter or several (a list of ``(filter, qos or options)``)."""
        filters: list[tuple[str, int]] = []

        def code_of(q: Any) -> int:
            if isinstance(q, SubscribeOptions):
                if self._protocol != MQTTv5:
                    raise ValueError("Subscribe options are only supported in MQTT v5")
                return (
                    q.QoS
                    | (int(bool(q.noLocal)) << 2)
                    | (int(bool(q.retainAsPublished)) << 3)
                    | (int(q.retainHandling) << 4)
                )
            if not isinstance(q, int) or q < 0 or q > 2:
                raise ValueError("Invalid QoS level.")
            return q

        if isinstance(topic, tuple):
            if self._protocol == MQTTv5:
                name, q = topic
            else:
                name, q = topic
            if not name:
                raise ValueError("Invalid topic.")
            filters.append((name, code_of(q)))
        elif isinstance(topic, (str, bytes)):
            if not topic:
                raise ValueError("Invalid topic.")
            name = topic.decode() if isinstance(topic, bytes) else topic
            filters.append((name, code_of(options if options is not None else qos)))
        elif isinstance(topic, list):
            if not topic:
                raise ValueError("Empty topic list")
            for t in topic:
                name, q = t
                if not name:
                    raise ValueError("Invalid topic.")
                filters.append((name, code_of(q)))
        else:
            raise ValueError("No topic specified, or incorrect topic type.")
        if properties is not None and not isinstance(properties, Properties):
            raise ValueError("The properties argument must be an instance of the Properties class.")
        names = (c_char_p * len(filters))(*[_topic_bytes(f) for f, _ in filters])
        opts = (c_int * len(filters))(*[o for _, o in filters])
        props = _ffi.PropertyList(properties)
        mid = c_int(0)
        rc = lib.culex_subscribe_multiple_v5(
            self._h(), byref(mid), len(filters), names, opts, props.ptr
        )
        if rc in (MQTTErrorCode.MQTT_ERR_INVAL, _MOSQ_ERR_MALFORMED_UTF8):
            raise ValueError("Invalid subscription filter.")
        if rc != 0:
            return (_paho_rc(rc), None)
        return (MQTTErrorCode.MQTT_ERR_SUCCESS, mid.value)

    def unsubscribe(
        self, topic: str | list[str], properties: Properties | None = None
    ) -> tuple[MQTTErrorCode, int | None]:
        """Unsubscribe from one filter or a list of them."""
        if topic is None:
            raise ValueError("Invalid topic.")
        topics = [topic] if isinstance(topic, (str, bytes)) else list(topic)
        if not topics or any(not t for t in topics):
            raise ValueError("Invalid topic.")
        if properties is not None and not isinstance(properties, Properties):
            raise ValueError("The properties argument must be an instance of the Properties class.")
        names = (c_char_p * len(topics))(*[_topic_bytes(t) for t in topics])
        props = _ffi.PropertyList(properties)
        mid = c_int(0)
        rc = lib.mosquitto_unsubscribe_multiple(
            self._h(), byref(mid), len(topics), names, props.ptr
        )
        if rc in (MQTTErrorCode.MQTT_ERR_INVAL, _MOSQ_ERR_MALFORMED_UTF8):
            raise ValueError("Invalid topic.")
        if rc != 0:
            return (_paho_rc(rc), None)
        return (MQTTErrorCode.MQTT_ERR_SUCCESS, mid.value)

    def message_callback_add(self, sub: str, callback: Callable[..., Any]) -> None:
        """Call ``callback(client, userdata, message)`` instead of ``on_message`` for messages
        whose topic matches ``sub``."""
        if callback is None or sub is None:
            raise ValueError("sub and callback must both be defined.")
        self._topic_callbacks[sub] = callback
        self._message_callback_needed()

    def message_callback_remove(self, sub: str) -> None:
        if sub is None:
            raise ValueError("sub must defined.")
        self._topic_callbacks.pop(sub, None)
        self._message_callback_needed()

    # ----- loops -----

    def loop(self, timeout: float = 1.0) -> MQTTErrorCode:
        """Process network events once, waiting at most ``timeout`` seconds."""
        if timeout < 0.0:
            raise ValueError("Invalid timeout.")
        self._start_pending_connect()
        previous = self._guard_interrupt()
        try:
            rc = lib.mosquitto_loop(self._h(), int(timeout * 1000), 1)
        finally:
            self._unguard_interrupt(previous)
        self._raise_pending()
        return _paho_rc(rc)

    def loop_forever(
        self,
        timeout: float = 1.0,
        retry_first_connection: bool = False,
    ) -> MQTTErrorCode:
        """Run the network loop on this thread until ``disconnect()``; reconnects after a lost
        connection (unless ``reconnect_on_failure`` is off)."""
        if self._loop_running[0]:
            return MQTTErrorCode.MQTT_ERR_INVAL
        if self._pending_connect:
            if retry_first_connection:
                self._open(blocking=False)
            else:
                self._open(blocking=True)
        self._loop_thread_id = threading.get_ident()
        previous = self._guard_interrupt()
        try:
            rc = lib.mosquitto_loop_forever(self._h(), int(timeout * 1000), 1)
        finally:
            self._loop_thread_id = None
            self._unguard_interrupt(previous)
        self._raise_pending()
        return _paho_rc(rc)

    def loop_start(self) -> MQTTErrorCode:
        """Run the network loop on a thread of the library's."""
        if self._loop_running[0]:
            return MQTTErrorCode.MQTT_ERR_INVAL
        self._start_pending_connect()
        rc = lib.mosquitto_loop_start(self._h())
        if rc == 0:
            self._loop_running[0] = True
        return _paho_rc(rc)

    def _loop_stop_c(self) -> int:
        if not self._loop_running[0]:
            return MQTTErrorCode.MQTT_ERR_INVAL
        rc = int(lib.mosquitto_loop_stop(self._h(), True))
        if rc == 0:
            self._loop_running[0] = False
        return rc

    def loop_stop(self) -> MQTTErrorCode:
        """Stop the thread of ``loop_start`` and wait for it; from inside one of its callbacks
        the loop ends once the callback returns (a thread cannot wait for itself)."""
        return _paho_rc(self._loop_stop_c())

    def loop_read(self, max_packets: int = 1) -> MQTTErrorCode:
        rc = lib.mosquitto_loop_read(self._h(), max_packets)
        self._raise_pending()
        return _paho_rc(rc)

    def loop_write(self) -> MQTTErrorCode:
        rc = lib.mosquitto_loop_write(self._h(), 1)
        self._raise_pending()
        return _paho_rc(rc)

    def loop_misc(self) -> MQTTErrorCode:
        self._start_pending_connect()
        rc = lib.mosquitto_loop_misc(self._h())
        self._raise_pending()
        return _paho_rc(rc)

    def want_write(self) -> bool:
        return bool(lib.mosquitto_want_write(self._h()))

    def socket(self) -> socket.socket | None:
        """The connection's socket, for an external event loop (``None`` when there is
        none)."""
        fd = lib.mosquitto_socket(self._h())
        if fd < 0:
            return None
        return self._python_socket(fd)

    # ----- callbacks from the library -----

    def _c_connect(self, rc: int, flags: int, props: int | None) -> None:
        if rc == 0:
            self._connected_once = True
            if self._protocol == MQTTv5 and self._clean_start == MQTT_CLEAN_START_FIRST_ONLY:
                lib.culex_clean_start_set(self._handle, False)
        func = self._on_connect
        if func is None and self._protocol != MQTTv5:
            return
        session_present = bool(flags & 1)
        if self._protocol == MQTTv5:
            reason = ReasonCode(PacketTypes.CONNACK, identifier=rc)
            properties = _ffi.read_properties(props, PacketTypes.CONNACK)
            server_keepalive = getattr(properties, "ServerKeepAlive", None)
            if server_keepalive is not None:
                # The library keeps to it already; paho-mqtt programs read it here.
                self._keepalive = server_keepalive
        else:
            reason = _connack_reason(rc)
            properties = Properties(PacketTypes.CONNACK)
        if func is None:
            return
        if self._callback_api_version == CallbackAPIVersion.VERSION1:
            flags_dict = {"session present": int(session_present)}
            if self._protocol == MQTTv5:
                self._call("on_connect", func, self, self._userdata, flags_dict, reason, properties)
            else:
                self._call("on_connect", func, self, self._userdata, flags_dict, rc)
        else:
            self._call(
                "on_connect",
                func,
                self,
                self._userdata,
                ConnectFlags(session_present),
                reason,
                properties,
            )

    def _c_disconnect(self, rc: int, props: int | None) -> None:
        if rc != 0 and not self._reconnect_on_failure and not self._disconnecting:
            # paho-mqtt's reconnect_on_failure=False: the loop stops at the first loss.
            self._disconnecting = True
            lib.mosquitto_disconnect_v5(self._handle, 0, None)
        func = self._on_disconnect
        if func is None:
            return
        v5 = self._protocol == MQTTv5
        from_server = v5 and (rc >= 0x80 or (rc == 0 and not self._disconnecting))
        if rc == 0 or rc >= 0x80:
            reason = ReasonCode(PacketTypes.DISCONNECT, identifier=rc)
        elif rc == _MOSQ_ERR_KEEPALIVE:
            reason = ReasonCode(PacketTypes.DISCONNECT, "Keep alive timeout")
        else:
            reason = ReasonCode(PacketTypes.DISCONNECT, "Unspecified error")
        properties = _ffi.read_properties(props, PacketTypes.DISCONNECT)
        if self._callback_api_version == CallbackAPIVersion.VERSION1:
            if v5:
                # VERSION1 tells a DISCONNECT without a reason code (None) or without
                # properties (None) from one with an empty list.
                length = lib.culex_server_disconnect_length(self._handle) if from_server else -1
                v1_reason = None if length == 0 else reason
                v1_props = properties if props or length >= 2 else None
                self._call("on_disconnect", func, self, self._userdata, v1_reason, v1_props)
            else:
                v1_rc = _paho_rc(rc) if rc < 0x80 else MQTTErrorCode.MQTT_ERR_PROTOCOL
                self._call("on_disconnect", func, self, self._userdata, v1_rc)
        else:
            self._call(
                "on_disconnect",
                func,
                self,
                self._userdata,
                DisconnectFlags(from_server),
                reason,
                properties,
            )

    def _c_publish(self, mid: int, rc: int, props: int | None) -> None:
        func = self._on_publish
        if func is None:
            return
        if self._callback_api_version == CallbackAPIVersion.VERSION1:
            self._call("on_publish", func, self, self._userdata, mid)
        else:
            self._call(
                "on_publish",
                func,
                self,
                self._userdata,
                mid,
                ReasonCode(PacketTypes.PUBACK, identifier=rc),
                _ffi.read_properties(props, PacketTypes.PUBACK),
            )

    def _c_messages(self, messages: Any, props: Any, count: int) -> None:
        """A batch of received messages (one library call for all a loop iteration read)."""
        v5 = self._protocol == MQTTv5
        string_at = ctypes.string_at
        for i in range(count):
            m = messages[i]
            message = MQTTMessage(m.mid, string_at(m.topic))
            if m.payloadlen:
                message.payload = string_at(m.payload, m.payloadlen)
            message.qos = m.qos
            message.retain = m.retain
            if v5:
                message.properties = _ffi.read_properties(props[i], PacketTypes.PUBLISH)
            self._hand_on(message)

    def _hand_on(self, message: MQTTMessage) -> None:
        """A received message to the matching topic callbacks, or else to on_message."""
        if self._topic_callbacks:
            text = message.topic
            matched = False
            for sub, callback in list(self._topic_callbacks.items()):
                if topic_matches_sub(sub, text):
                    matched = True
                    self._call("topic callback", callback, self, self._userdata, message)
            if matched:
                return
        func = self._on_message
        if func is not None:
            self._call("on_message", func, self, self._userdata, message)

    def _c_subscribe(self, mid: int, count: int, granted: Any, props: int | None) -> None:
        func = self._on_subscribe
        if func is None:
            return
        codes = [granted[i] for i in range(count)]
        reasons = [ReasonCode(PacketTypes.SUBACK, identifier=c) for c in codes]
        properties = _ffi.read_properties(props, PacketTypes.SUBACK)
        if self._callback_api_version == CallbackAPIVersion.VERSION1:
            if self._protocol == MQTTv5:
                self._call("on_subscribe", func, self, self._userdata, mid, reasons, properties)
            else:
                self._call("on_subscribe", func, self, self._userdata, mid, tuple(codes))
        else:
            self._call("on_subscribe", func, self, self._userdata, mid, reasons, properties)

    def _c_unsubscribe(self, mid: int, count: int, codes: Any, props: int | None) -> None:
        func = self._on_unsubscribe
        if func is None:
            return
        reasons = [ReasonCode(PacketTypes.UNSUBACK, identifier=codes[i]) for i in range(count)]
        properties = _ffi.read_properties(props, PacketTypes.UNSUBACK)
        if self._callback_api_version == CallbackAPIVersion.VERSION1:
            if self._protocol == MQTTv5:
                one: Any = reasons[0] if len(reasons) == 1 else reasons
                self._call("on_unsubscribe", func, self, self._userdata, mid, properties, one)
            else:
                self._call("on_unsubscribe", func, self, self._userdata, mid)
        else:
            self._call("on_unsubscribe", func, self, self._userdata, mid, reasons, properties)

    def _c_log(self, level: int, text: bytes) -> None:
        buf = text.decode("utf-8", "replace")
        captured = getattr(self, "_captured", None)
        if captured is not None and level in (MQTT_LOG_WARNING, MQTT_LOG_ERR):
            captured.append(buf)
        if self._on_log is not None:
            self._call("on_log", self._on_log, self, self._userdata, level, buf)
        if self._logger is not None:
            try:
                lvl = LOGGING_LEVEL.get(LogLevel(level), logging.DEBUG)
            except ValueError:
                lvl = logging.DEBUG
            self._logger.log(lvl, buf)

    def _c_pre_connect(self) -> None:
        func = self._on_pre_connect
        if func is not None:
            self._call("on_pre_connect", func, self, self._userdata)

    def _c_connect_fail(self, rc: int) -> None:
        func = self._on_connect_fail
        if func is not None:
            self._call("on_connect_fail", func, self, self._userdata)

    def _c_socket_open(self, fd: int) -> None:
        func = self._on_socket_open
        if func is not None:
            self._call("on_socket_open", func, self, self._userdata, self._python_socket(fd))

    def _c_socket_close(self, fd: int) -> None:
        func = self._on_socket_close
        sock = self._sockets.pop(fd, None)
        if func is not None:
            if sock is None:
                sock = socket.socket(fileno=os.dup(fd))
            self._call("on_socket_close", func, self, self._userdata, sock)
        if sock is not None:
            sock.close()

    def _c_socket_register_write(self, fd: int) -> None:
        func = self._on_socket_register_write
        if func is not None:
            self._call(
                "on_socket_register_write", func, self, self._userdata, self._python_socket(fd)
            )

    def _c_socket_unregister_write(self, fd: int) -> None:
        func = self._on_socket_unregister_write
        if func is not None:
            self._call(
                "on_socket_unregister_write", func, self, self._userdata, self._python_socket(fd)
            )

    # ----- the user's callbacks -----
    # Each is an attribute (see _UserCallback); those that cost the library's thread a GIL
    # round trip per message reach the library only once set.

    on_connect = _UserCallback()
    on_connect_fail = _UserCallback()
    on_disconnect = _UserCallback()
    on_socket_close = _UserCallback()
    on_publish = _library_callback("mosquitto_publish_v5_callback_set", "publish", _ffi.PUBLISH_CB)
    on_message = _UserCallback(lambda c, on: c._message_callback_needed())
    on_subscribe = _library_callback(
        "mosquitto_subscribe_v5_callback_set", "subscribe", _ffi.SUBSCRIBE_CB
    )
    on_unsubscribe = _library_callback(
        "culex_unsubscribe_v5_callback_set", "unsubscribe", _ffi.UNSUBSCRIBE_CB
    )
    on_log = _UserCallback(lambda c, on: c._log_callback_needed())
    on_pre_connect = _library_callback(
        "culex_pre_connect_callback_set", "pre_connect", _ffi.PLAIN_CB
    )
    on_socket_open = _library_callback("culex_socket_open_callback_set", "socket_open", _ffi.INT_CB)
    on_socket_register_write = _library_callback(
        "culex_socket_register_write_callback_set", "socket_register_write", _ffi.INT_CB
    )
    on_socket_unregister_write = _library_callback(
        "culex_socket_unregister_write_callback_set", "socket_unregister_write", _ffi.INT_CB
    )

    def _message_callback_needed(self) -> None:
        wanted = self._on_message is not None or bool(self._topic_callbacks)
        lib.culex_message_batch_callback_set(
            self._h(), self._cb.messages if wanted else _ffi.BATCH_CB()
        )

    def _log_callback_needed(self) -> None:
        wanted = self._on_log is not None or self._logger is not None
        lib.mosquitto_log_callback_set(self._h(), self._cb.log if wanted else _ffi.LOG_CB())

    # The decorator forms: @client.connect_callback() etc.

    def _registrar(self, name: str) -> Callable[[], Callable[[Callable[..., Any]], Any]]:
        def factory() -> Callable[[Callable[..., Any]], Any]:
            def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
                setattr(self, name, func)
                return func

            return decorator

        return factory

    def connect_callback(self) -> Callable[[Callable[..., Any]], Any]:
        return self._registrar("on_connect")()

    def connect_fail_callback(self) -> Callable[[Callable[..., Any]], Any]:
        return self._registrar("on_connect_fail")()

    def disconnect_callback(self) -> Callable[[Callable[..., Any]], Any]:
        return self._registrar("on_disconnect")()

    def publish_callback(self) -> Callable[[Callable[..., Any]], Any]:
        return self._registrar("on_publish")()

    def message_callback(self) -> Callable[[Callable[..., Any]], Any]:
        return self._registrar("on_message")()

    def subscribe_callback(self) -> Callable[[Callable[..., Any]], Any]:
        return self._registrar("on_subscribe")()

    def unsubscribe_callback(self) -> Callable[[Callable[..., Any]], Any]:
        return self._registrar("on_unsubscribe")()

    def log_callback(self) -> Callable[[Callable[..., Any]], Any]:
        return self._registrar("on_log")()

    def pre_connect_callback(self) -> Callable[[Callable[..., Any]], Any]:
        return self._registrar("on_pre_connect")()

    def socket_open_callback(self) -> Callable[[Callable[..., Any]], Any]:
        return self._registrar("on_socket_open")()

    def socket_close_callback(self) -> Callable[[Callable[..., Any]], Any]:
        return self._registrar("on_socket_close")()

    def socket_register_write_callback(self) -> Callable[[Callable[..., Any]], Any]:
        return self._registrar("on_socket_register_write")()

    def socket_unregister_write_callback(self) -> Callable[[Callable[..., Any]], Any]:
        return self._registrar("on_socket_unregister_write")()

    def topic_callback(self, sub: str) -> Callable[[Callable[..., Any]], Any]:
        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            self.message_callback_add(sub, func)
            return func

        return decorator


# culex_socket_state_t values.
_SOCKET_NONE, _SOCKET_CONNECTED, _SOCKET_DISCONNECTING = 0, 6, 7
_HANDSHAKING = (1, 2, 3, 4, 8)  # resolving, TCP, proxy, TLS, WebSocket upgrade


class _LibraryThread:
    """Stands for the library's network thread of ``loop_start`` where paho-mqtt programs
    look at ``client._thread``."""

    def __init__(self, running: list[bool]) -> None:
        self._running = running

    def is_alive(self) -> bool:
        return self._running[0]


def _default_ca() -> tuple[bytes | None, bytes | None]:
    """The system's CA certificates (what paho-mqtt's default SSL context loads)."""
    paths = ssl.get_default_verify_paths()
    cafile = paths.cafile if paths.cafile and os.path.exists(paths.cafile) else None
    capath = paths.capath if paths.capath and os.path.isdir(paths.capath) else None
    if cafile is None and capath is None:
        capath = "/etc/ssl/certs"
    return (
        None if cafile is None else os.fsencode(cafile),
        None if capath is None else os.fsencode(capath),
    )
