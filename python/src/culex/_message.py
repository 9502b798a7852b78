"""The messages a paho-mqtt program handles: ``MQTTMessage`` (what ``on_message`` gets),
``MQTTMessageInfo`` (what ``publish`` returns; its state is asked of the library, never kept
here) and the flags of ``on_connect`` and ``on_disconnect``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from ctypes import byref, c_int
from typing import TYPE_CHECKING, NamedTuple

from ._errors import _MOSQ_ERR_TIMEOUT, error_string
from ._ffi import lib
from .enums import MessageState, MQTTErrorCode
from .properties import Properties

if TYPE_CHECKING:
    from .client import Client


class ConnectFlags(NamedTuple):
    """The flags of a CONNACK (VERSION2 ``on_connect``)."""

    session_present: bool


class DisconnectFlags(NamedTuple):
    """Why ``on_disconnect`` is called (VERSION2)."""

    is_disconnect_packet_from_server: bool


class MQTTMessageInfo:
    """What ``Client.publish`` returns: the message id, the result of the call, and a way to
    wait until the message is published (the library keeps the message and its state)."""

    __slots__ = ("_client", "_iterpos", "mid", "rc")

    def __init__(self, mid: int, client: Client | None = None) -> None:
        self.mid = mid
        self.rc: MQTTErrorCode = MQTTErrorCode.MQTT_ERR_SUCCESS
        self._iterpos = 0
        self._client = client

    def __str__(self) -> str:
        return str((self.rc, self.mid))

    def __iter__(self) -> Iterator[MQTTErrorCode | int]:
        self._iterpos = 0
        return self

    def __next__(self) -> MQTTErrorCode | int:
        if self._iterpos == 0:
            self._iterpos = 1
            return self.rc
        if self._iterpos == 1:
            self._iterpos = 2
            return self.mid
        raise StopIteration

    def __getitem__(self, index: int) -> MQTTErrorCode | int:
        if index == 0:
            return self.rc
        if index == 1:
            return self.mid
        raise IndexError("index out of range")

    def _check_queued(self) -> None:
        if self.rc == MQTTErrorCode.MQTT_ERR_QUEUE_SIZE:
            raise ValueError("Message is not queued due to ERR_QUEUE_SIZE")
        if self.rc == MQTTErrorCode.MQTT_ERR_AGAIN:
            return
        if self.rc > 0 and self.rc != MQTTErrorCode.MQTT_ERR_NO_CONN:
            raise RuntimeError(f"Message publish failed: {error_string(self.rc)}")

    def wait_for_publish(self, timeout: float | None = None) -> None:
        """Block until the message is published, or ``timeout`` seconds have passed.

        Unlike paho-mqtt, which can wait for ever, it raises ``RuntimeError`` when no loop
        drives the client, or when called from the client's own loop thread."""
        self._check_queued()
        client = self._client
        if client is None or client._handle is None:
            raise RuntimeError("Message publish failed: the client is gone")
        ms = -1 if timeout is None else max(0, int(timeout * 1000))
        reason = c_int(0)
        rc = lib.culex_wait_for_publish(client._handle, self.mid, ms, byref(reason))
        if rc in (MQTTErrorCode.MQTT_ERR_SUCCESS, _MOSQ_ERR_TIMEOUT):
            return
        if rc == MQTTErrorCode.MQTT_ERR_NO_CONN:
            raise RuntimeError(
                "wait_for_publish: no loop drives this client (call loop_start(), "
                "loop_forever() or loop() first)"
            )
        if rc == MQTTErrorCode.MQTT_ERR_INVAL:
            raise RuntimeError("wait_for_publish: called from the client's own loop thread")

    def is_published(self) -> bool:
        """Whether the message is published: QoS 0 sent, QoS 1 acknowledged by PUBACK, QoS 2
        completed by PUBCOMP."""
        self._check_queued()
        client = self._client
        if client is None or client._handle is None:
            return False
        return bool(lib.culex_is_published(client._handle, self.mid))


class MQTTMessage:
    """A message: ``topic``, ``payload``, ``qos``, ``retain``, ``mid`` and MQTT 5
    ``properties``."""

    __slots__ = (
        "_topic",
        "dup",
        "info",
        "mid",
        "payload",
        "properties",
        "qos",
        "retain",
        "state",
        "timestamp",
    )

    def __init__(self, mid: int = 0, topic: bytes = b"") -> None:
        self.timestamp = time.monotonic()
        self.state = MessageState.MQTT_MS_INVALID
        self.dup = False
        self.mid = mid
        self._topic = topic
        self.payload = b""
        self.qos = 0
        self.retain = False
        self.info = MQTTMessageInfo(mid)
        self.properties: Properties | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MQTTMessage) and self.mid == other.mid

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = object.__hash__

    @property
    def topic(self) -> str:
        return self._topic.decode("utf-8")

    @topic.setter
    def topic(self, value: bytes) -> None:
        self._topic = value
