#!/usr/bin/env python3
"""One benchmark row for a paho-mqtt-API client: the same code for culex and paho-mqtt, only
the import differs.

    bench.py {culex|paho} {pub|recv} --qos Q --count N --size S --port P

pub: publish N messages of S bytes at QoS Q from the main thread with loop_start() running;
     done when every MQTTMessageInfo says published (QoS 0: handed to the socket; QoS 1:
     PUBACK), waited for with wait_for_publish().
recv: a feeder process (always culex, so both clients get the same input; its CPU is not
     counted) publishes N messages through the broker; done when the last one has arrived.
Prints one line: RESULT client=... msgs_per_s=... cpu_us_per_msg=... (CPU of this process, all
threads, from its first message to its last).
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import threading
import time
from typing import Any


def load(client: str) -> Any:
    return importlib.import_module("culex.client" if client == "culex" else "paho.mqtt.client")


def connect(mqtt: Any, name: str, port: int) -> Any:
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, name)
    c.max_inflight_messages_set(100)
    up = threading.Event()
    c.on_connect = lambda *a: up.set()
    c.connect("127.0.0.1", port, 60)
    c.loop_start()
    if not up.wait(10):
        sys.exit("bench: no CONNACK")
    return c


def pub(mqtt: Any, args: argparse.Namespace) -> tuple[float, float]:
    c = connect(mqtt, f"bench-pub-{os.getpid()}", args.port)
    payload = b"x" * args.size
    topic = f"bench/py/{os.getpid()}"
    t0, c0 = time.perf_counter(), time.process_time()
    infos = []
    for _ in range(args.count):
        info = c.publish(topic, payload, args.qos)
        while info.rc == mqtt.MQTT_ERR_QUEUE_SIZE:
            time.sleep(0)  # paho-mqtt's own queue is full: let its thread drain it
            info = c.publish(topic, payload, args.qos)
        infos.append(info)
    for info in infos:
        info.wait_for_publish(120)
        if not info.is_published():
            sys.exit(f"bench: message {info.mid} not published")
    t1, c1 = time.perf_counter(), time.process_time()
    c.disconnect()
    c.loop_stop()
    return t1 - t0, c1 - c0


def recv(mqtt: Any, args: argparse.Namespace) -> tuple[float, float]:
    c = connect(mqtt, f"bench-recv-{os.getpid()}", args.port)
    topic = f"bench/feed/{os.getpid()}"
    got = [0]
    first: list[tuple[float, float]] = []
    last = threading.Event()

    def on_message(*a: Any) -> None:
        if not first:
            first.append((time.perf_counter(), time.process_time()))
        got[0] += 1
        if got[0] == args.count:
            last.set()

    c.on_message = on_message
    subscribed = threading.Event()
    c.on_subscribe = lambda *a: subscribed.set()
    c.subscribe(topic, args.qos)
    if not subscribed.wait(10):
        sys.exit("bench: no SUBACK")
    feeder = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "culex",
            "feed",
            "--qos",
            str(args.qos),
            "--count",
            str(args.count),
            "--size",
            str(args.size),
            "--port",
            str(args.port),
            "--topic",
            topic,
        ],
    )
    if not last.wait(120):
        feeder.kill()
        sys.exit(f"bench: {got[0]} of {args.count} received")
    t1, c1 = time.perf_counter(), time.process_time()
    feeder.wait()
    c.disconnect()
    c.loop_stop()
    t0, c0 = first[0]
    # The first message's own cost is outside the window: count the others.
    n = args.count - 1
    return (t1 - t0) * args.count / n, (c1 - c0) * args.count / n


def feed(mqtt: Any, args: argparse.Namespace) -> None:
    c = connect(mqtt, f"bench-feed-{os.getpid()}", args.port)
    payload = b"y" * args.size
    infos = [c.publish(args.topic, payload, args.qos) for _ in range(args.count)]
    infos[-1].wait_for_publish(300)
    c.disconnect()
    c.loop_stop()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("client", choices=["culex", "paho"])
    p.add_argument("scenario", choices=["pub", "recv", "feed"])
    p.add_argument("--qos", type=int, default=0)
    p.add_argument("--count", type=int, default=100000)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--topic", default="")
    args = p.parse_args()
    mqtt = load(args.client)
    if args.scenario == "feed":
        feed(mqtt, args)
        return
    wall, cpu = (pub if args.scenario == "pub" else recv)(mqtt, args)
    print(
        f"RESULT client={args.client} scenario={args.scenario} qos={args.qos} size={args.size} "
        f"count={args.count} msgs_per_s={args.count / wall:.0f} "
        f"cpu_us_per_msg={cpu / args.count * 1e6:.2f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
