"""One call to subscribe: ``simple`` returns the first messages that arrive, ``callback``
hands every message to a function until it stops the client (paho-mqtt's
``paho.mqtt.subscribe``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import client as mqtt
from ._oneshot import make_client
from .exception import MQTTException


def _filters(topics: str | list[str], qos: int) -> list[tuple[str, int]]:
    if qos < 0 or qos > 2:
        raise ValueError("qos must be in the range 0-2")
    names = [topics] if isinstance(topics, str) else list(topics)
    if not names:
        raise ValueError("topics is empty")
    return [(t, qos) for t in names]


def callback(
    callback: Callable[[mqtt.Client, Any, mqtt.MQTTMessage], Any],
    topics: str | list[str],
    qos: int = 0,
    userdata: Any = None,
    hostname: str = "localhost",
    port: int = 1883,
    client_id: str = "",
    keepalive: int = 60,
    will: dict[str, Any] | None = None,
    auth: dict[str, Any] | None = None,
    tls: Any = None,
    protocol: int = mqtt.MQTTv311,
    transport: str = "tcp",
    clean_session: bool = True,
    proxy_args: Any | None = None,
) -> None:
    """Subscribe to ``topics`` and call ``callback(client, userdata, message)`` for each
    message, until the callback calls ``client.disconnect()``."""
    filters = _filters(topics, qos)
    c = make_client(
        client_id, userdata, protocol, transport, will, auth, tls, proxy_args, clean_session
    )

    def on_connect(client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            raise MQTTException(mqtt.connack_string(reason))
        client.subscribe(filters)

    def on_message(client: mqtt.Client, u: Any, message: mqtt.MQTTMessage) -> None:
        callback(client, u, message)

    c.on_connect = on_connect
    c.on_message = on_message
    c.connect(hostname, port, keepalive)
    c.loop_forever()


def simple(
    topics: str | list[str],
    qos: int = 0,
    msg_count: int = 1,
    retained: bool = True,
    hostname: str = "localhost",
    port: int = 1883,
    client_id: str = "",
    keepalive: int = 60,
    will: dict[str, Any] | None = None,
    auth: dict[str, Any] | None = None,
    tls: Any = None,
    protocol: int = mqtt.MQTTv311,
    transport: str = "tcp",
    clean_session: bool = True,
    proxy_args: Any | None = None,
) -> mqtt.MQTTMessage | list[mqtt.MQTTMessage]:
    """Subscribe to ``topics`` and return the first ``msg_count`` messages (one message when
    ``msg_count`` is 1, else a list); ``retained`` False skips retained messages."""
    if msg_count < 1:
        raise ValueError("msg_count must be > 0")
    got: list[mqtt.MQTTMessage] = []

    def collect(client: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        if message.retain and not retained:
            return
        if len(got) < msg_count:
            got.append(message)
        if len(got) == msg_count:
            client.disconnect()

    callback(
        collect,
        topics,
        qos,
        None,
        hostname,
        port,
        client_id,
        keepalive,
        will,
        auth,
        tls,
        protocol,
        transport,
        clean_session,
        proxy_args,
    )
    return got[0] if msg_count == 1 else got
