"""What paho-mqtt's own suite does not cover: the deadlocks and hangs paho-mqtt users reported,
every method called from inside every callback, loop_stop while connecting, wait_for_publish
without a loop. Each runs against a real mosquitto (conftest.py); every wait has a deadline, so a
deadlock fails the test instead of hanging it."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import culex.client as mqtt
import pytest
from conftest import Broker
from culex.enums import CallbackAPIVersion, MQTTErrorCode

V2 = CallbackAPIVersion.VERSION2
DEADLINE = 10.0


def connected_client(broker: Broker, client_id: str, **kwargs: Any) -> mqtt.Client:
    c = mqtt.Client(V2, client_id, **kwargs)
    up = threading.Event()
    c.on_connect = lambda *a: up.set()
    c.connect(broker.host, broker.port, keepalive=30)
    assert c.loop_start() == MQTTErrorCode.MQTT_ERR_SUCCESS
    assert up.wait(DEADLINE), "no CONNACK"
    c.on_connect = None
    return c


def run_with_deadline(func: Any, seconds: float = DEADLINE) -> Any:
    """Run ``func`` on a thread; fail if it has not returned within ``seconds``."""
    result: list[Any] = []
    error: list[BaseException] = []

    def body() -> None:
        try:
            result.append(func())
        except BaseException as exc:
            error.append(exc)

    t = threading.Thread(target=body, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"{getattr(func, '__name__', func)} did not return (deadlock?)"
    if error:
        raise error[0]
    return result[0] if result else None


def test_publish_from_on_message_while_other_threads_publish(broker: Broker) -> None:
    """paho-mqtt #12/#354: publishing inside on_message while application threads publish on
    the same client (the loop thread and the callers contended for one lock)."""
    c = connected_client(broker, "echo")
    echoed = threading.Event()
    counts = {"in": 0, "echo": 0}
    n = 300

    def on_message(client: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        if msg.topic == "t/in":
            counts["in"] += 1
            client.publish("t/echo", msg.payload, qos=1)
        else:
            counts["echo"] += 1
            if counts["echo"] == n * 2:
                echoed.set()

    c.on_message = on_message
    subscribed = threading.Event()
    c.on_subscribe = lambda *a: subscribed.set()
    c.subscribe([("t/in", 1), ("t/echo", 1)])
    assert subscribed.wait(DEADLINE)

    def publisher() -> None:
        for i in range(n):
            c.publish("t/in", str(i), qos=1)

    threads = [threading.Thread(target=publisher) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLINE)
    assert echoed.wait(DEADLINE), counts
    assert counts == {"in": 2 * n, "echo": 2 * n}
    c.disconnect()
    assert run_with_deadline(c.loop_stop) == MQTTErrorCode.MQTT_ERR_SUCCESS


def test_every_method_from_inside_every_callback(broker: Broker) -> None:
    """Each callback calls the client's methods; none blocks (paho-mqtt #177: disconnect or
    subscribe from a callback hung the loop)."""
    c = mqtt.Client(V2, "every-method")
    seen: dict[str, list[Any]] = {}
    done = threading.Event()

    def exercise(name: str, client: mqtt.Client) -> None:
        results = seen.setdefault(name, [])
        if results:
            return
        results.append(client.is_connected())
        results.append(client.publish(f"m/{name}", b"x", qos=1).rc)
        results.append(client.subscribe(f"m/{name}/sub", 1)[0])
        results.append(client.unsubscribe(f"m/{name}/sub")[0])
        client.user_data_set({"from": name})
        results.append(client.user_data_get())
        client.message_callback_add(f"cb/{name}", lambda *a: None)
        client.message_callback_remove(f"cb/{name}")
        client.max_inflight_messages_set(20)
        client.reconnect_delay_set(1, 2)
        results.append(client.want_write() in (True, False))
        if {
            "on_connect",
            "on_subscribe",
            "on_message",
            "on_publish",
            "on_unsubscribe",
        } <= set(seen):
            done.set()

    c.on_connect = lambda client, *a: (
        exercise("on_connect", client),
        client.subscribe("m/#", 1),
    )
    c.on_subscribe = lambda client, *a: exercise("on_subscribe", client)
    c.on_message = lambda client, *a: exercise("on_message", client)
    c.on_publish = lambda client, *a: exercise("on_publish", client)
    c.on_unsubscribe = lambda client, *a: exercise("on_unsubscribe", client)
    c.connect(broker.host, broker.port)
    c.loop_start()
    assert done.wait(DEADLINE), sorted(seen)
    for name, results in seen.items():
        assert results[1:4] == [MQTTErrorCode.MQTT_ERR_SUCCESS] * 3, (name, results)
    disconnected = threading.Event()
    c.on_disconnect = lambda client, *a: (
        seen.setdefault("on_disconnect", []).append(client.loop_stop()),
        client.publish("m/after", b"x", qos=1),
        disconnected.set(),
    )
    c.disconnect()
    assert disconnected.wait(DEADLINE)
    # As paho-mqtt: loop_stop inside a callback ends the loop once the callback returns
    # (it cannot wait for its own thread); the thread is gone afterwards.
    assert seen["on_disconnect"] == [MQTTErrorCode.MQTT_ERR_SUCCESS]
    assert run_with_deadline(c.loop_stop) == MQTTErrorCode.MQTT_ERR_INVAL


def test_loop_stop_while_connecting() -> None:
    """paho-mqtt #608: loop_stop hung while the client was still connecting. A listener that
    accepts TCP but never answers CONNECT keeps the client connecting."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        c = mqtt.Client(V2, "stuck")
        c.connect_async("127.0.0.1", silent.getsockname()[1])
        assert c.loop_start() == MQTTErrorCode.MQTT_ERR_SUCCESS
        accepted, _ = silent.accept()  # the client's TCP connection is up, CONNECT sent
        started = time.monotonic()
        assert run_with_deadline(c.loop_stop, 5) == MQTTErrorCode.MQTT_ERR_SUCCESS
        assert time.monotonic() - started < 5
        accepted.close()


def test_loop_stop_while_the_broker_cannot_be_reached() -> None:
    """loop_start against a port nobody listens on keeps retrying; loop_stop ends it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = mqtt.Client(V2, "unreachable")
    c.reconnect_delay_set(1, 1)
    c.connect_async("127.0.0.1", port)
    c.loop_start()
    failed = threading.Event()
    c.on_connect_fail = lambda *a: failed.set()
    assert run_with_deadline(c.loop_stop, 5) == MQTTErrorCode.MQTT_ERR_SUCCESS


def test_wait_for_publish_without_a_loop_raises_instead_of_hanging() -> None:
    """paho-mqtt #439: wait_for_publish on a client no loop drives waited for ever."""
    c = mqtt.Client(V2, "no-loop")
    info = c.publish("t", b"x", qos=1)
    assert info.mid > 0
    with pytest.raises(RuntimeError, match="no loop"):
        run_with_deadline(info.wait_for_publish)
    assert not info.is_published()


def test_wait_for_publish_from_its_own_loop_thread_raises(broker: Broker) -> None:
    c = connected_client(broker, "own-thread")
    raised: list[BaseException] = []
    done = threading.Event()

    def on_publish(client: mqtt.Client, *a: Any) -> None:
        if done.is_set():
            return
        info = client.publish("t/2", b"y", qos=1)
        try:
            info.wait_for_publish(5)
        except RuntimeError as exc:
            raised.append(exc)
        done.set()

    c.on_publish = on_publish
    c.publish("t/1", b"x", qos=1)
    assert done.wait(DEADLINE)
    assert raised and "own loop thread" in str(raised[0])
    c.disconnect()
    run_with_deadline(c.loop_stop)


def test_wait_for_publish_with_a_loop(broker: Broker) -> None:
    c = connected_client(broker, "waiter")
    infos = [c.publish("t/w", str(i), qos=q) for i in range(20) for q in (0, 1, 2)]
    for info in infos:
        run_with_deadline(lambda info=info: info.wait_for_publish(DEADLINE))
        assert info.is_published()
    c.disconnect()
    run_with_deadline(c.loop_stop)


def test_many_threads_publish_at_once_nothing_lost(broker: Broker) -> None:
    sub = connected_client(broker, "count-sub")
    got: set[bytes] = set()
    all_in = threading.Event()
    total = 8 * 250

    def on_message(_c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        got.add(msg.payload)
        if len(got) == total:
            all_in.set()

    sub.on_message = on_message
    ready = threading.Event()
    sub.on_subscribe = lambda *a: ready.set()
    sub.subscribe("load/#", 2)
    assert ready.wait(DEADLINE)
    pub = connected_client(broker, "count-pub")

    def worker(k: int) -> None:
        for i in range(250):
            pub.publish(f"load/{k}", f"{k}-{i}", qos=1 + (i % 2))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLINE)
    assert all_in.wait(30), len(got)
    for c in (pub, sub):
        c.disconnect()
        run_with_deadline(c.loop_stop)


def test_callback_exception_is_raised_by_the_loop_call(broker: Broker) -> None:
    c = mqtt.Client(V2, "raiser")

    def on_connect(*a: Any) -> None:
        raise KeyError("from on_connect")

    c.on_connect = on_connect
    c.connect(broker.host, broker.port)
    with pytest.raises(KeyError, match="from on_connect"):
        run_with_deadline(lambda: c.loop_forever(timeout=0.5))
