"""One call to publish: ``single`` sends one message, ``multiple`` a list, each connecting,
publishing, waiting until every message is published, and disconnecting (paho-mqtt's
``paho.mqtt.publish``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import client as mqtt
from ._oneshot import make_client
from .exception import MQTTException

MessageDict = dict[str, Any]
MessageTuple = tuple[Any, ...]


def _as_dict(message: MessageDict | MessageTuple | Any) -> MessageDict:
    if isinstance(message, dict):
        if "topic" not in message:
            raise ValueError("a message needs a topic")
        return message
    if isinstance(message, (tuple, list)):
        fields = ("topic", "payload", "qos", "retain")
        if not 1 <= len(message) <= 4:
            raise ValueError("a message tuple is (topic[, payload[, qos[, retain]]])")
        return dict(zip(fields, message))
    raise TypeError("messages must be dicts or tuples")


def multiple(
    msgs: Iterable[MessageDict | MessageTuple],
    hostname: str = "localhost",
    port: int = 1883,
    client_id: str = "",
    keepalive: int = 60,
    will: MessageDict | None = None,
    auth: dict[str, Any] | None = None,
    tls: Any = None,
    protocol: int = mqtt.MQTTv311,
    transport: str = "tcp",
    proxy_args: Any | None = None,
) -> None:
    """Publish every message of ``msgs`` (dicts with ``topic``, ``payload``, ``qos``,
    ``retain``, ``properties``, or tuples in that order) and disconnect once all are
    published. Raises ``MQTTException`` when the broker refuses the connection."""
    messages = [_as_dict(m) for m in msgs]
    if not messages:
        raise ValueError("msgs is empty")
    pending: set[int] = set()
    acked: set[int] = set()
    state = {"sent": False}

    c = make_client(client_id, None, protocol, transport, will, auth, tls, proxy_args)

    def on_connect(client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            raise MQTTException(mqtt.connack_string(reason))
        if state["sent"]:
            return
        state["sent"] = True
        for m in messages:
            info = client.publish(
                m["topic"],
                m.get("payload"),
                m.get("qos", 0),
                m.get("retain", False),
                m.get("properties"),
            )
            pending.add(info.mid)
        pending.difference_update(acked)
        if not pending:
            client.disconnect()

    def on_publish(client: mqtt.Client, _u: Any, mid: int, _r: Any, _p: Any) -> None:
        acked.add(mid)
        pending.discard(mid)
        if state["sent"] and not pending:
            client.disconnect()

    c.on_connect = on_connect
    c.on_publish = on_publish
    c.connect(hostname, port, keepalive)
    c.loop_forever()


def single(
    topic: str,
    payload: Any = None,
    qos: int = 0,
    retain: bool = False,
    hostname: str = "localhost",
    port: int = 1883,
    client_id: str = "",
    keepalive: int = 60,
    will: MessageDict | None = None,
    auth: dict[str, Any] | None = None,
    tls: Any = None,
    protocol: int = mqtt.MQTTv311,
    transport: str = "tcp",
    proxy_args: Any | None = None,
) -> None:
    """Publish one message and disconnect once it is published."""
    multiple(
        [{"topic": topic, "payload": payload, "qos": qos, "retain": retain}],
        hostname,
        port,
        client_id,
        keepalive,
        will,
        auth,
        tls,
        protocol,
        transport,
        proxy_args,
    )
