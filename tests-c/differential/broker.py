"""The broker half of the differential suite: plays one scenario's broker script on a listening
socket and records, line by line, every packet the client sends and every step it takes.

It understands just enough MQTT to cut the byte stream into packets and to build the packets a
script sends; everything the client sends is recorded as it arrived, in hex. It never decides
whether the client is right: run.py compares the records of two libraries.

The script language is documented in README.md next to this file.
"""

from __future__ import annotations

import select
import socket
import ssl
import struct
import time
from dataclasses import dataclass, field

PACKET_NAMES = {
    1: "CONNECT",
    2: "CONNACK",
    3: "PUBLISH",
    4: "PUBACK",
    5: "PUBREC",
    6: "PUBREL",
    7: "PUBCOMP",
    8: "SUBSCRIBE",
    9: "SUBACK",
    10: "UNSUBSCRIBE",
    11: "UNSUBACK",
    12: "PINGREQ",
    13: "PINGRESP",
    14: "DISCONNECT",
    15: "AUTH",
}
PACKET_TYPES = {name: number for number, name in PACKET_NAMES.items()}

# MQTT 5 properties the scripts may send: name -> (identifier, type). Types: byte, int16, int32,
# varint, binary, string, pair.
PROPERTIES: dict[str, tuple[int, str]] = {
    "payload-format-indicator": (1, "byte"),
    "message-expiry-interval": (2, "int32"),
    "content-type": (3, "string"),
    "response-topic": (8, "string"),
    "correlation-data": (9, "binary"),
    "subscription-identifier": (11, "varint"),
    "session-expiry-interval": (17, "int32"),
    "assigned-client-identifier": (18, "string"),
    "server-keep-alive": (19, "int16"),
    "authentication-method": (21, "string"),
    "authentication-data": (22, "binary"),
    "request-problem-information": (23, "byte"),
    "will-delay-interval": (24, "int32"),
    "request-response-information": (25, "byte"),
    "response-information": (26, "string"),
    "server-reference": (28, "string"),
    "reason-string": (31, "string"),
    "receive-maximum": (33, "int16"),
    "topic-alias-maximum": (34, "int16"),
    "topic-alias": (35, "int16"),
    "maximum-qos": (36, "byte"),
    "retain-available": (37, "byte"),
    "user-property": (38, "pair"),
    "maximum-packet-size": (39, "int32"),
    "wildcard-subscription-available": (40, "byte"),
    "subscription-identifier-available": (41, "byte"),
    "shared-subscription-available": (42, "byte"),
}

# Bytes of a received packet shown in full; longer ones are shown by their start, length and sum.
SHOW_BYTES = 96
DEFAULT_TIMEOUT_MS = 5000


class ScriptError(Exception):
    """The broker script itself is wrong (not the client)."""


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n % 128
        n //= 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def mqtt_string(text: str | bytes) -> bytes:
    data = text.encode() if isinstance(text, str) else text
    return struct.pack(">H", len(data)) + data


def payload_bytes(token: str) -> bytes:
    """The payload syntax of the scripts: '' (empty), size:N, hex:..., or literal text."""
    if token in ("''", "-"):
        return b""
    if token.startswith("size:"):
        return b"x" * int(token[5:])
    if token.startswith("hex:"):
        return bytes.fromhex(token[4:])
    return token.encode()


def encode_properties(tokens: list[str]) -> bytes:
    body = bytearray()
    for token in tokens:
        if not token.startswith("+") or "=" not in token:
            raise ScriptError(f"expected +property=value, got {token}")
        name, value = token[1:].split("=", 1)
        if name not in PROPERTIES:
            raise ScriptError(f"unknown property {name}")
        ident, kind = PROPERTIES[name]
        body += varint(ident)
        if kind == "byte":
            body.append(int(value, 0))
        elif kind == "int16":
            body += struct.pack(">H", int(value, 0))
        elif kind == "int32":
            body += struct.pack(">I", int(value, 0))
        elif kind == "varint":
            body += varint(int(value, 0))
        elif kind == "binary":
            body += mqtt_string(payload_bytes(value))
        elif kind == "string":
            body += mqtt_string(value)
        else:
            key, _, val = value.partition(":")
            body += mqtt_string(key) + mqtt_string(val)
    return varint(len(body)) + bytes(body)


def split_options(tokens: list[str]) -> tuple[list[str], dict[str, str], list[str]]:
    """Positional tokens, key=value options and +properties of a send command."""
    positional: list[str] = []
    options: dict[str, str] = {}
    props: list[str] = []
    for token in tokens:
        if token.startswith("+"):
            props.append(token)
        elif "=" in token and not token.startswith("hex:"):
            key, value = token.split("=", 1)
            options[key] = value
        else:
            positional.append(token)
    return positional, options, props


def build_packet(kind: str, args: list[str], v5: bool) -> bytes:
    """A packet from a send command: `connack 0 0 +props`, `publish 1 topic payload mid=1`, ..."""
    positional, options, props = split_options(args)
    if props and not v5:
        raise ScriptError(f"{kind}: properties need an MQTT 5 connection")
    prop_bytes = encode_properties(props) if v5 else b""

    def reason(default: int) -> int:
        return int(positional[1], 0) if len(positional) > 1 else default

    if kind == "raw":
        return bytes.fromhex("".join(args))
    if kind == "connack":
        flags = int(positional[0], 0) if positional else 0
        code = int(positional[1], 0) if len(positional) > 1 else 0
        return fixed(0x20, bytes([flags, code]) + prop_bytes)
    if kind == "publish":
        if len(positional) < 3:
            raise ScriptError("publish <qos> <topic> <payload> [mid=N] [dup=1] [retain=1]")
        qos = int(positional[0])
        header = 0x30 | (qos << 1)
        header |= 0x08 if options.get("dup") == "1" else 0
        header |= 0x01 if options.get("retain") == "1" else 0
        body = mqtt_string("" if positional[1] == "''" else positional[1])
        if qos:
            body += struct.pack(">H", int(options.get("mid", "1")))
        body += prop_bytes + payload_bytes(positional[2])
        return fixed(header, body)
    if kind in ("puback", "pubrec", "pubrel", "pubcomp"):
        header = {"puback": 0x40, "pubrec": 0x50, "pubrel": 0x62, "pubcomp": 0x70}[kind]
        mid = struct.pack(">H", int(positional[0]))
        if v5 and (len(positional) > 1 or props):
            return fixed(header, mid + bytes([reason(0)]) + prop_bytes)
        return fixed(header, mid)
    if kind == "suback":
        codes = bytes(int(c, 0) for c in positional[1].split(","))
        return fixed(0x90, struct.pack(">H", int(positional[0])) + prop_bytes + codes)
    if kind == "unsuback":
        codes = bytes(int(c, 0) for c in positional[1].split(",")) if len(positional) > 1 else b""
        if v5 and not codes:
            codes = b"\x00"
        return fixed(0xB0, struct.pack(">H", int(positional[0])) + prop_bytes + codes)
    if kind == "pingresp":
        return b"\xd0\x00"
    if kind == "disconnect":
        if v5 and (positional or props):
            return fixed(0xE0, bytes([int(positional[0], 0) if positional else 0]) + prop_bytes)
        return b"\xe0\x00"
    if kind == "auth":
        return fixed(0xF0, bytes([int(positional[0], 0) if positional else 0]) + prop_bytes)
    raise ScriptError(f"unknown packet to send: {kind}")


def fixed(first: int, body: bytes) -> bytes:
    return bytes([first]) + varint(len(body)) + body


def describe(packet: bytes) -> str:
    name = PACKET_NAMES.get(packet[0] >> 4, f"type{packet[0] >> 4}")
    if len(packet) <= SHOW_BYTES:
        return f"{name} {packet.hex(' ')}"
    total = 0
    for b in packet:
        total = (total * 31 + b) & 0xFFFFFFFF
    return f"{name} {packet[:32].hex(' ')} ... ({len(packet)} bytes, sum {total:08x})"


@dataclass
class Connection:
    number: int
    sock: socket.socket
    buffer: bytearray = field(default_factory=bytearray)
    closed: bool = False
    v5: bool = False
    last_step: float = field(default_factory=time.monotonic)


class ScriptedBroker:
    """Plays a broker script against the clients that connect to `port`."""

    def __init__(self, script: list[str], tls: ssl.SSLContext | None = None,
                 tls_delay_ms: int = 0) -> None:
        self.script = script
        self.tls = tls
        # Wait this long before answering a TLS ClientHello, so that a client's first handshake
        # step never sees the answer (libmosquitto's connect call reads it when it is early).
        self.tls_delay_ms = tls_delay_ms
        self.record: list[str] = []
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port: int = self.listener.getsockname()[1]
        self.conn: Connection | None = None
        self.connections = 0
        self.client_done = False  # set by run.py when the client process has ended

    # -- recording ---------------------------------------------------------------------------

    def note(self, text: str) -> None:
        prefix = f"C{self.conn.number} " if self.conn else ""
        self.record.append(prefix + text)

    # -- network -----------------------------------------------------------------------------

    def accept(self, timeout_ms: int) -> bool:
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            ready, _, _ = select.select([self.listener], [], [], 0.05)
            if ready:
                break
            if self.client_done or time.monotonic() > deadline:
                self.conn = None
                self.record.append("no connection")
                return False
        sock, _ = self.listener.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connections += 1
        self.conn = Connection(self.connections, sock)
        if self.tls is not None:
            time.sleep(self.tls_delay_ms / 1000)
            sock.settimeout(timeout_ms / 1000)
            try:
                self.conn.sock = self.tls.wrap_socket(sock, server_side=True)
            except (ssl.SSLError, OSError) as error:
                self.note(f"accepted, TLS handshake failed: {tls_reason(error)}")
                self.conn.closed = True
                sock.close()
                return True
            self.conn.sock.setblocking(False)
        self.note("accepted")
        return True

    def read_packet(self, timeout_ms: int) -> bytes | None:
        """The next whole packet, or None on timeout or when the client closed (noted)."""
        conn = self.conn
        if conn is None or conn.closed:
            return None
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            packet = take_packet(conn.buffer)
            if packet is not None:
                return packet
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            pending = isinstance(conn.sock, ssl.SSLSocket) and conn.sock.pending() > 0
            if not pending:
                ready, _, _ = select.select([conn.sock], [], [], min(remaining, 0.05))
                if not ready:
                    continue
            try:
                data = conn.sock.recv(65536)
            except (ssl.SSLWantReadError, BlockingIOError):
                continue
            except ConnectionResetError:
                data = b""
            except (ssl.SSLError, OSError) as error:
                self.note(f"read error: {tls_reason(error)}")
                data = b""
            if not data:
                if conn.buffer:
                    self.note(f"closed by client mid-packet ({len(conn.buffer)} bytes left)")
                else:
                    self.note("closed by client")
                conn.closed = True
                return None
            conn.buffer += data

    def send(self, data: bytes) -> None:
        conn = self.conn
        if conn is None or conn.closed:
            self.note("cannot send: not connected")
            return
        try:
            conn.sock.setblocking(True)
            conn.sock.sendall(data)
            conn.sock.setblocking(False)
        except OSError as error:
            self.note(f"send failed: {error.strerror or error}")

    def close(self, reset: bool) -> None:
        conn = self.conn
        if conn is None or conn.closed:
            return
        if reset:
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.sock.close()
        conn.closed = True

    # -- the script --------------------------------------------------------------------------

    def expect(self, kind: str, options: dict[str, str]) -> None:
        timeout = int(options.get("timeout", DEFAULT_TIMEOUT_MS))
        started = time.monotonic()
        packet = self.read_packet(timeout)
        if packet is None:
            if self.conn is not None and not self.conn.closed:
                self.note(f"timeout waiting for {kind}")
            return
        name = PACKET_NAMES.get(packet[0] >> 4, "?")
        self.note("<< " + describe(packet))
        if name == "CONNECT":
            self.conn.v5 = connect_version(packet) == 5  # type: ignore[union-attr]
        if name != kind:
            self.note(f"!! expected {kind}")
        elapsed = (time.monotonic() - started) * 1000
        if "min" in options and elapsed < int(options["min"]):
            self.note(f"!! {name} early")
        if "max" in options and elapsed > int(options["max"]):
            self.note(f"!! {name} late")

    def expect_close(self, timeout_ms: int) -> None:
        """Record everything until the client closes."""
        deadline = time.monotonic() + timeout_ms / 1000
        while self.conn is not None and not self.conn.closed:
            remaining = int((deadline - time.monotonic()) * 1000)
            if remaining <= 0:
                self.note("timeout waiting for close")
                return
            packet = self.read_packet(min(remaining, 100))
            if packet is not None:
                self.note("<< " + describe(packet))
            elif self.client_done and self.conn is not None and not self.conn.closed:
                # The client process ended: whatever it wrote has arrived.
                packet = self.read_packet(200)
                if packet is not None:
                    self.note("<< " + describe(packet))
                    continue
                if not self.conn.closed:
                    self.note("client ended, connection still open")
                    return

    def quiet(self, ms: int) -> None:
        """Wait `ms` before the next step, recording whatever the client sends meanwhile. (Not
        labelled as such: a packet due at the end of the window may come just before or just
        after it; where it lands among the broker's own steps is what the record shows.)"""
        deadline = time.monotonic() + ms / 1000
        while True:
            remaining = int((deadline - time.monotonic()) * 1000)
            if remaining <= 0:
                return
            packet = self.read_packet(remaining)
            if packet is not None:
                self.note("<< " + describe(packet))
            elif self.conn is None or self.conn.closed:
                return

    def run(self) -> None:
        try:
            if self.script and self.script[0] == "nolisten":
                self.listener.close()
                self.record.append("not listening")
                return
            if not self.accept(DEFAULT_TIMEOUT_MS):
                return
            for raw_line in self.script:
                words = raw_line.split()
                if not words or words[0].startswith("#"):
                    continue
                self.step(words)
            # After the script: record until the client closes or ends.
            self.expect_close(15000)
        except ScriptError as error:
            self.record.append(f"!! broker script error: {error}")
        finally:
            if self.conn is not None and not self.conn.closed:
                self.conn.sock.close()
            self.listener.close()

    def step(self, words: list[str]) -> None:
        command, args = words[0], words[1:]
        _, options, _ = split_options(args)
        if command == "expect":
            if not args or args[0] not in PACKET_TYPES:
                raise ScriptError(f"expect <PACKET> [timeout=ms] [min=ms] [max=ms]: {' '.join(words)}")
            self.expect(args[0], options)
        elif command == "send":
            if not args:
                raise ScriptError("send <packet> ...")
            v5 = self.conn.v5 if self.conn else False
            data = build_packet(args[0], args[1:], v5)
            self.note(">> " + describe(data))
            self.send(data)
        elif command == "close":
            self.note("broker closes")
            self.close(reset=False)
        elif command == "reset":
            self.note("broker resets")
            self.close(reset=True)
        elif command == "accept":
            self.close(reset=False)
            self.accept(int(options.get("timeout", DEFAULT_TIMEOUT_MS)))
        elif command == "expect_close":
            self.expect_close(int(options.get("timeout", DEFAULT_TIMEOUT_MS)))
        elif command == "quiet":
            if not args:
                raise ScriptError("quiet <ms>")
            self.quiet(int(args[0]))
        else:
            raise ScriptError(f"unknown broker command {command}")


def take_packet(buffer: bytearray) -> bytes | None:
    """Cut one whole packet off the front of `buffer`, if it holds one."""
    if len(buffer) < 2:
        return None
    length = 0
    shift = 0
    for i in range(1, 5):
        if i >= len(buffer):
            return None
        byte = buffer[i]
        length |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            end = i + 1 + length
            if len(buffer) < end:
                return None
            packet = bytes(buffer[:end])
            del buffer[:end]
            return packet
    # Five length bytes: malformed. Hand it over as it is so that the record shows it.
    packet = bytes(buffer)
    buffer.clear()
    return packet


def connect_version(packet: bytes) -> int:
    """The protocol level of a CONNECT packet (3, 4 or 5)."""
    i = 1
    while packet[i] & 0x80:
        i += 1
    i += 1
    name_len = struct.unpack(">H", packet[i : i + 2])[0]
    level_at = i + 2 + name_len
    return packet[level_at] if level_at < len(packet) else 0


def tls_reason(error: BaseException) -> str:
    if isinstance(error, ssl.SSLError):
        return error.reason or str(error)
    return type(error).__name__
