//! A scripted fake broker: a TCP listener on 127.0.0.1 whose test decides byte by byte what the
//! client gets. It understands just enough MQTT to split the stream into packets (fixed header and
//! remaining length); everything else is up to the test. The packet helpers at the end (packet
//! types, framing, builders) serve the tests and the [`super::proxy`] too.
//!
//! ```ignore
//! let fake = FakeBroker::bind();
//! let port = fake.port();
//! let script = fake.spawn(|fake| {
//!     let mut conn = fake.accept();
//!     let connect = conn.read_packet();
//!     assert_eq!(connect.packet_type(), CONNECT);
//!     conn.write(&[0x20, 0x02, 0x00, 0x00]); // CONNACK, accepted
//!     conn.expect_closed();
//! });
//! // ... drive the client against `port` on this thread ...
//! script.join(); // re-raises a panic of the script
//! ```

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::DEFAULT_TIMEOUT;

pub const CONNECT: u8 = 1;
pub const CONNACK: u8 = 2;
pub const PUBLISH: u8 = 3;
pub const PUBACK: u8 = 4;
pub const PUBREC: u8 = 5;
pub const PUBREL: u8 = 6;
pub const PUBCOMP: u8 = 7;
pub const SUBSCRIBE: u8 = 8;
pub const SUBACK: u8 = 9;
pub const UNSUBSCRIBE: u8 = 10;
pub const UNSUBACK: u8 = 11;
pub const PINGREQ: u8 = 12;
pub const PINGRESP: u8 = 13;
pub const DISCONNECT: u8 = 14;
pub const AUTH: u8 = 15;

/// The listening side. Dropping it closes the listener.
pub struct FakeBroker {
    listener: TcpListener,
    port: u16,
}

impl FakeBroker {
    /// Listen on a free 127.0.0.1 port.
    pub fn bind() -> FakeBroker {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("set_nonblocking");
        let port = listener.local_addr().expect("local_addr").port();
        FakeBroker { listener, port }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Set SO_RCVBUF on the listener, so that connections accepted from now on advertise a small
    /// window from their first segment (a broker that reads slowly, or not at all).
    pub fn set_receive_buffer(&self, bytes: libc::c_int) {
        let fd = std::os::fd::AsRawFd::as_raw_fd(&self.listener);
        // SAFETY: setsockopt on our own listening socket with an int option.
        unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_RCVBUF,
                &bytes as *const libc::c_int as *const libc::c_void,
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }

    /// Accept the next connection; panics if none arrives within the default timeout.
    pub fn accept(&self) -> FakeConnection {
        self.accept_timeout(DEFAULT_TIMEOUT)
            .unwrap_or_else(|| panic!("fake broker: no connection within {DEFAULT_TIMEOUT:?}"))
    }

    /// Accept the next connection, or None after `timeout` (e.g. to check that a client does
    /// *not* reconnect too early).
    pub fn accept_timeout(&self, timeout: Duration) -> Option<FakeConnection> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => return Some(FakeConnection::new(stream)),
                Err(e)
                    if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted =>
                {
                    if Instant::now() >= deadline {
                        return None;
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(e) => panic!("fake broker: accept: {e}"),
            }
        }
    }

    /// Run `script` on its own thread with this listener. The test thread drives the client
    /// meanwhile and calls [`FakeBrokerThread::join`] at the end.
    pub fn spawn<T, F>(self, script: F) -> FakeBrokerThread<T>
    where
        F: FnOnce(&FakeBroker) -> T + Send + 'static,
        T: Send + 'static,
    {
        let port = self.port;
        let handle = std::thread::Builder::new()
            .name("fake-broker".into())
            .spawn(move || script(&self))
            .expect("spawn fake broker thread");
        FakeBrokerThread {
            port,
            handle: Some(handle),
        }
    }
}

/// A fake broker script running on its own thread.
pub struct FakeBrokerThread<T> {
    port: u16,
    handle: Option<JoinHandle<T>>,
}

impl<T> FakeBrokerThread<T> {
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Wait for the script to finish and return its result; a panic in the script (a failed
    /// assertion) is re-raised here so that the test fails with its message.
    pub fn join(mut self) -> T {
        let handle = self.handle.take().expect("joined twice");
        match handle.join() {
            Ok(value) => value,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

/// One MQTT packet as received: the fixed header, and the rest.
#[derive(Clone, PartialEq, Eq)]
pub struct Packet {
    /// The whole packet, fixed header included.
    pub bytes: Vec<u8>,
    /// Length of the fixed header (1 + the remaining-length bytes).
    pub header_len: usize,
}

impl Packet {
    /// The packet type (1 = CONNECT ... 15 = AUTH), the high nibble of the first byte.
    pub fn packet_type(&self) -> u8 {
        self.bytes[0] >> 4
    }

    /// The low nibble of the first byte (DUP/QoS/RETAIN for PUBLISH).
    pub fn flags(&self) -> u8 {
        self.bytes[0] & 0x0f
    }

    /// Everything after the fixed header.
    pub fn body(&self) -> &[u8] {
        &self.bytes[self.header_len..]
    }

    /// For packets whose variable header starts with a packet identifier (PUBACK, PUBREC, PUBREL,
    /// PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK).
    pub fn packet_id(&self) -> u16 {
        let body = self.body();
        assert!(
            body.len() >= 2,
            "packet too short for a packet identifier: {self:?}"
        );
        u16::from_be_bytes([body[0], body[1]])
    }
}

impl std::fmt::Debug for Packet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const NAMES: [&str; 16] = [
            "RESERVED",
            "CONNECT",
            "CONNACK",
            "PUBLISH",
            "PUBACK",
            "PUBREC",
            "PUBREL",
            "PUBCOMP",
            "SUBSCRIBE",
            "SUBACK",
            "UNSUBSCRIBE",
            "UNSUBACK",
            "PINGREQ",
            "PINGRESP",
            "DISCONNECT",
            "AUTH",
        ];
        write!(
            f,
            "{}(flags {:#x}, {} bytes: ",
            NAMES[self.packet_type() as usize],
            self.flags(),
            self.bytes.len()
        )?;
        for b in self.bytes.iter().take(64) {
            write!(f, "{b:02x} ")?;
        }
        if self.bytes.len() > 64 {
            write!(f, "...")?;
        }
        write!(f, ")")
    }
}

/// One accepted client connection.
pub struct FakeConnection {
    stream: TcpStream,
    /// Bytes read from the socket but not yet handed to the test.
    pending: Vec<u8>,
}

impl FakeConnection {
    fn new(stream: TcpStream) -> FakeConnection {
        stream
            .set_nonblocking(false)
            .expect("set_nonblocking(false)");
        stream.set_nodelay(true).expect("set_nodelay");
        FakeConnection {
            stream,
            pending: Vec::new(),
        }
    }

    /// A raw MQTT client connection to 127.0.0.1:`port` (a real broker's), with the same framing.
    pub fn dial(port: u16) -> FakeConnection {
        FakeConnection::new(TcpStream::connect(("127.0.0.1", port)).expect("connect"))
    }

    /// The underlying socket, for anything not covered here.
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// The next whole packet; panics on timeout, end of stream or a malformed remaining length.
    pub fn read_packet(&mut self) -> Packet {
        match self.read_packet_timeout(DEFAULT_TIMEOUT) {
            Ok(Some(packet)) => packet,
            Ok(None) => panic!("fake broker: connection closed while waiting for a packet"),
            Err(e) => panic!("fake broker: reading a packet: {e}"),
        }
    }

    /// The next packet, asserting its type.
    pub fn expect_packet(&mut self, packet_type: u8) -> Packet {
        let packet = self.read_packet();
        assert_eq!(
            packet.packet_type(),
            packet_type,
            "unexpected packet {packet:?}"
        );
        packet
    }

    /// The next whole packet: `Ok(None)` if the client closed the connection cleanly between
    /// packets, `Err(TimedOut)` if nothing complete arrived within `timeout`, `Err(InvalidData)`
    /// for a malformed remaining length or a close in the middle of a packet.
    pub fn read_packet_timeout(&mut self, timeout: Duration) -> io::Result<Option<Packet>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(header) = parse_fixed_header(&self.pending)? {
                let (header_len, remaining) = header;
                let total = header_len + remaining;
                if self.pending.len() >= total {
                    let rest = self.pending.split_off(total);
                    let bytes = std::mem::replace(&mut self.pending, rest);
                    return Ok(Some(Packet { bytes, header_len }));
                }
            }
            if !self.fill(deadline)? {
                if self.pending.is_empty() {
                    return Ok(None);
                }
                return Err(io::Error::new(
                    ErrorKind::InvalidData,
                    format!(
                        "connection closed inside a packet ({} bytes pending)",
                        self.pending.len()
                    ),
                ));
            }
        }
    }

    /// Exactly `n` raw bytes (packet boundaries ignored); panics on timeout or end of stream.
    pub fn read_bytes(&mut self, n: usize) -> Vec<u8> {
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        while self.pending.len() < n {
            match self.fill(deadline) {
                Ok(true) => {}
                Ok(false) => panic!(
                    "fake broker: connection closed after {} of {n} bytes",
                    self.pending.len()
                ),
                Err(e) => panic!("fake broker: reading {n} bytes: {e}"),
            }
        }
        let rest = self.pending.split_off(n);
        std::mem::replace(&mut self.pending, rest)
    }

    /// Send raw bytes (anything: valid packets, garbage, half a packet).
    pub fn write(&mut self, bytes: &[u8]) {
        self.try_write(bytes).expect("fake broker: write");
    }

    /// Send raw bytes, reporting an error (e.g. the client has gone) instead of panicking.
    pub fn try_write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    /// Send a CONNACK in the MQTT 3.1.1 form: `20 02 <session present> <return code>`.
    pub fn send_connack(&mut self, session_present: bool, return_code: u8) {
        self.write(&[0x20, 0x02, u8::from(session_present), return_code]);
    }

    /// Wait until the client closes the connection, discarding anything it still sends.
    /// Panics if it stays open for the default timeout.
    pub fn expect_closed(&mut self) {
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        loop {
            self.pending.clear();
            match self.fill(deadline) {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) if e.kind() == ErrorKind::TimedOut => {
                    panic!("fake broker: the client did not close the connection within {DEFAULT_TIMEOUT:?}")
                }
                Err(_) => return, // reset by peer counts as closed
            }
        }
    }

    /// Read whole packets until the client closes the connection, the stream is malformed, or
    /// nothing arrives for `idle_timeout`; returns the first byte of each packet read. Never
    /// panics: for draining a connection whose end a test does not assert.
    pub fn drain(&mut self, idle_timeout: Duration) -> Vec<u8> {
        let mut first_bytes = Vec::new();
        while let Ok(Some(packet)) = self.read_packet_timeout(idle_timeout) {
            first_bytes.push(packet.bytes[0]);
        }
        first_bytes
    }

    /// Stop sending (half-close): the client reads end-of-stream.
    pub fn shutdown_write(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }

    /// Close the connection abruptly: with SO_LINGER 0 the client gets a TCP reset.
    pub fn reset(self) {
        let fd = std::os::unix::io::AsRawFd::as_raw_fd(&self.stream);
        let linger = libc::linger {
            l_onoff: 1,
            l_linger: 0,
        };
        // SAFETY: setsockopt on a socket we own, with a correctly sized linger struct.
        unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                &linger as *const libc::linger as *const libc::c_void,
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            );
        }
        drop(self);
    }

    /// Close the connection (dropping it does the same).
    pub fn close(self) {}

    /// Read more bytes into `pending`. Ok(false) on end of stream.
    fn fill(&mut self, deadline: Instant) -> io::Result<bool> {
        let now = Instant::now();
        if now >= deadline {
            return Err(io::Error::new(ErrorKind::TimedOut, "timed out"));
        }
        self.stream.set_read_timeout(Some(deadline - now))?;
        let mut buf = [0u8; 65536];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.pending.extend_from_slice(&buf[..n]);
                    return Ok(true);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {
                    return Err(io::Error::new(ErrorKind::TimedOut, "timed out"))
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// `(fixed header length, remaining length)` if `bytes` starts with a complete fixed header,
/// None if more bytes are needed, an error if the remaining length is malformed (more than 4 bytes).
pub fn parse_fixed_header(bytes: &[u8]) -> io::Result<Option<(usize, usize)>> {
    let mut remaining = 0usize;
    for i in 0..4 {
        let Some(&byte) = bytes.get(1 + i) else {
            return Ok(None);
        };
        remaining |= usize::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Ok(Some((2 + i, remaining)));
        }
    }
    if bytes.len() >= 5 {
        return Err(io::Error::new(
            ErrorKind::InvalidData,
            "remaining length longer than 4 bytes",
        ));
    }
    Ok(None)
}

/// The MQTT variable byte integer encoding of `n` (at most 268 435 455).
pub fn encode_remaining_length(mut n: usize) -> Vec<u8> {
    assert!(n <= 268_435_455, "remaining length {n} too large for MQTT");
    let mut out = Vec::with_capacity(4);
    loop {
        let mut byte = (n % 128) as u8;
        n /= 128;
        if n > 0 {
            byte |= 0x80;
        }
        out.push(byte);
        if n == 0 {
            return out;
        }
    }
}

/// A packet from its first byte and its body (the remaining length is computed).
pub fn packet(first_byte: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![first_byte];
    out.extend(encode_remaining_length(body.len()));
    out.extend_from_slice(body);
    out
}

/// An MQTT string: two length bytes, then the UTF-8 bytes.
pub fn mqtt_string(s: &str) -> Vec<u8> {
    let len = u16::try_from(s.len()).expect("string too long for MQTT");
    let mut out = len.to_be_bytes().to_vec();
    out.extend_from_slice(s.as_bytes());
    out
}

/// An MQTT 3.1.1 CONNECT with a client id, clean session flag, keepalive, and optional
/// username/password.
pub fn connect_v311(
    client_id: &str,
    clean_session: bool,
    keepalive: u16,
    login: Option<(&str, &str)>,
) -> Vec<u8> {
    let mut flags = if clean_session { 0x02 } else { 0x00 };
    if login.is_some() {
        flags |= 0xc0;
    }
    let mut body = mqtt_string("MQTT");
    body.push(4); // protocol level 3.1.1
    body.push(flags);
    body.extend_from_slice(&keepalive.to_be_bytes());
    body.extend(mqtt_string(client_id));
    if let Some((user, password)) = login {
        body.extend(mqtt_string(user));
        body.extend(mqtt_string(password));
    }
    packet(0x10, &body)
}

/// An MQTT 3.1.1 PUBLISH.
pub fn publish_v311(topic: &str, qos: u8, retain: bool, packet_id: u16, payload: &[u8]) -> Vec<u8> {
    let mut body = mqtt_string(topic);
    if qos > 0 {
        body.extend_from_slice(&packet_id.to_be_bytes());
    }
    body.extend_from_slice(payload);
    packet(0x30 | (qos << 1) | u8::from(retain), &body)
}

/// An MQTT 3.1.1 SUBSCRIBE for one topic filter.
pub fn subscribe_v311(packet_id: u16, filter: &str, qos: u8) -> Vec<u8> {
    let mut body = packet_id.to_be_bytes().to_vec();
    body.extend(mqtt_string(filter));
    body.push(qos);
    packet(0x82, &body)
}
