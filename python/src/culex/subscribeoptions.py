"""MQTT 5 subscription options (MQTT 5.0, section 3.8.3.1) with paho-mqtt 2.x's interface."""

from __future__ import annotations

from typing import Any

from .exception import MQTTException


class SubscribeOptions:
    """The options of one subscription: maximum QoS, No Local, Retain As Published and Retain
    Handling (``RETAIN_SEND_ON_SUBSCRIBE``, ``RETAIN_SEND_IF_NEW_SUB``,
    ``RETAIN_DO_NOT_SEND``)."""

    RETAIN_SEND_ON_SUBSCRIBE, RETAIN_SEND_IF_NEW_SUB, RETAIN_DO_NOT_SEND = range(3)

    def __init__(
        self,
        qos: int = 0,
        noLocal: bool = False,
        retainAsPublished: bool = False,
        retainHandling: int = RETAIN_SEND_ON_SUBSCRIBE,
    ) -> None:
        if qos not in (0, 1, 2):
            raise ValueError(f"QoS {qos} is not 0, 1 or 2")
        if retainHandling not in (0, 1, 2):
            raise ValueError(f"retain handling {retainHandling} is not 0, 1 or 2")
        self.QoS = qos
        self.noLocal = bool(noLocal)
        self.retainAsPublished = bool(retainAsPublished)
        self.retainHandling = retainHandling
        self.names = ["QoS", "noLocal", "retainAsPublished", "retainHandling"]

    def __setattr__(self, name: str, value: Any) -> None:
        known = ("QoS", "noLocal", "retainAsPublished", "retainHandling", "names")
        if name not in known:
            raise MQTTException(f"{name} is not a subscription option")
        object.__setattr__(self, name, value)

    def pack(self) -> bytes:
        """The Subscription Options byte."""
        return bytes(
            [
                self.QoS
                | (0x04 if self.noLocal else 0)
                | (0x08 if self.retainAsPublished else 0)
                | (self.retainHandling << 4)
            ]
        )

    def unpack(self, buffer: bytes) -> int:
        b = buffer[0]
        if b & 0xC0:
            raise MQTTException("the reserved bits of the subscription options are set")
        qos, handling = b & 0x03, (b >> 4) & 0x03
        if qos == 3 or handling == 3:
            raise MQTTException("invalid subscription options")
        self.QoS = qos
        self.noLocal = bool(b & 0x04)
        self.retainAsPublished = bool(b & 0x08)
        self.retainHandling = handling
        return 1

    def json(self) -> dict[str, Any]:
        return {
            "QoS": self.QoS,
            "noLocal": self.noLocal,
            "retainAsPublished": self.retainAsPublished,
            "retainHandling": self.retainHandling,
        }

    def __repr__(self) -> str:
        return str(self.json())

    __str__ = __repr__
