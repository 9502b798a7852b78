//! A TCP proxy on 127.0.0.1 that forwards bytes unchanged between clients and an upstream broker
//! and records the type of every MQTT packet that crosses it, per direction. Started with
//! [`Proxy::start_recording`], it also keeps every packet whole ([`Recorded`]: which connection,
//! which way, the bytes), so a test can read packet identifiers, flags and payloads.
//!
//! Each client connection gets its own upstream connection, opened when the client connects; when
//! either side closes, both are closed. A client that reconnects (e.g. after the broker restarted
//! on the same port) gets a new upstream connection and a new connection number. While the
//! upstream refuses connections, clients are accepted and closed at once.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use super::events::EventLog;
use super::fake_broker::{parse_fixed_header, Packet, PUBLISH};

/// Which way a packet went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    ToBroker,
    ToClient,
}

/// One packet seen by the proxy: direction, packet type (upper nibble of the first byte; the
/// constants are in [`super::fake_broker`]), when.
#[derive(Clone, Copy, Debug)]
pub struct Seen {
    pub dir: Dir,
    pub kind: u8,
    pub at: Instant,
}

/// Splits a byte stream into MQTT packets, reporting each packet's type once its fixed header is
/// complete; bodies are skipped, not buffered.
#[derive(Default)]
pub struct Framer {
    /// The fixed header read so far.
    header: Vec<u8>,
    /// Body bytes of the current packet still to skip.
    skip: usize,
}

impl Framer {
    /// Feed bytes; call `seen` with the type of each packet whose fixed header completes.
    pub fn feed(&mut self, mut bytes: &[u8], mut seen: impl FnMut(u8)) {
        while !bytes.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(bytes.len());
                self.skip -= n;
                bytes = &bytes[n..];
                continue;
            }
            self.header.push(bytes[0]);
            bytes = &bytes[1..];
            match parse_fixed_header(&self.header) {
                Ok(None) => {}
                Ok(Some((_, remaining))) => {
                    seen(self.header[0] >> 4);
                    self.skip = remaining;
                    self.header.clear();
                }
                // A malformed remaining length: report the packet, resume at the next byte.
                Err(_) => {
                    seen(self.header[0] >> 4);
                    self.header.clear();
                }
            }
        }
    }
}

/// One whole packet kept by a recording proxy ([`Proxy::start_recording`]).
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The client connection it crossed: 0 for the first one the proxy forwarded, then 1, ...
    /// (connections the upstream refused are not counted).
    pub conn: usize,
    pub dir: Dir,
    pub packet: Packet,
    pub at: Instant,
}

impl Recorded {
    /// The packet type (upper nibble of the first byte).
    pub fn kind(&self) -> u8 {
        self.packet.packet_type()
    }

    /// For a PUBLISH: the DUP flag.
    pub fn dup(&self) -> bool {
        self.packet.flags() & 0x08 != 0
    }

    /// For a PUBLISH: the QoS (bits 1-2 of the first byte).
    pub fn qos(&self) -> u8 {
        (self.packet.flags() >> 1) & 0x03
    }

    /// The packet identifier: after the topic of a QoS 1/2 PUBLISH, first in the variable header
    /// of PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK (in every
    /// protocol version). None for other packets, QoS 0 PUBLISH, or a packet too short.
    pub fn packet_id(&self) -> Option<u16> {
        let body = self.packet.body();
        let at = match self.kind() {
            PUBLISH if self.qos() > 0 => {
                2 + usize::from(u16::from_be_bytes([*body.first()?, *body.get(1)?]))
            }
            4..=11 => 0,
            _ => return None,
        };
        Some(u16::from_be_bytes([*body.get(at)?, *body.get(at + 1)?]))
    }

    /// For an MQTT 3.1/3.1.1 PUBLISH (no properties): the application payload.
    pub fn payload_v3(&self) -> Option<&[u8]> {
        if self.kind() != PUBLISH {
            return None;
        }
        let body = self.packet.body();
        let topic_len = usize::from(u16::from_be_bytes([*body.first()?, *body.get(1)?]));
        let id_len = if self.qos() > 0 { 2 } else { 0 };
        body.get(2 + topic_len + id_len..)
    }
}

/// The proxy: listens on `port`, connects each client to the upstream port.
pub struct Proxy {
    pub port: u16,
    pub seen: Arc<EventLog<Seen>>,
    /// Every whole packet, when started with [`Proxy::start_recording`] (empty otherwise).
    pub packets: Arc<EventLog<Recorded>>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    pub fn start(upstream: u16) -> Proxy {
        Proxy::spawn(upstream, false)
    }

    /// Like [`Proxy::start`], and also keep every packet whole in [`Proxy::packets`].
    pub fn start_recording(upstream: u16) -> Proxy {
        Proxy::spawn(upstream, true)
    }

    fn spawn(upstream: u16, keep_packets: bool) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(EventLog::new());
        let packets = Arc::new(EventLog::new());
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, packets2, stop2) = (Arc::clone(&seen), Arc::clone(&packets), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut conn = 0;
            for client in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let keep = keep_packets.then(|| (conn, Arc::clone(&packets2)));
                pump(&client, &server, Dir::ToBroker, &seen2, keep.clone());
                pump(&server, &client, Dir::ToClient, &seen2, keep);
                conn += 1;
            }
        });
        Proxy {
            port,
            seen,
            packets,
            stop,
        }
    }

    /// The packets of type `kind` seen going `dir`.
    pub fn count(&self, dir: Dir, kind: u8) -> usize {
        self.seen
            .snapshot()
            .iter()
            .filter(|s| s.dir == dir && s.kind == kind)
            .count()
    }
}

/// Splits a byte stream into whole MQTT packets (bodies buffered).
#[derive(Default)]
pub struct PacketFramer {
    /// The current packet so far.
    bytes: Vec<u8>,
    /// Its fixed header length and remaining length, once the fixed header is complete.
    lengths: Option<(usize, usize)>,
}

impl PacketFramer {
    /// Feed bytes; call `done` with each packet that completes. A packet whose remaining length
    /// is malformed is reported as its first bytes; framing resumes at the next byte.
    pub fn feed(&mut self, mut bytes: &[u8], mut done: impl FnMut(Packet)) {
        while !bytes.is_empty() {
            match self.lengths {
                None => {
                    self.bytes.push(bytes[0]);
                    bytes = &bytes[1..];
                    match parse_fixed_header(&self.bytes) {
                        Ok(None) => continue,
                        Ok(Some(lengths)) => self.lengths = Some(lengths),
                        Err(_) => {
                            let header_len = self.bytes.len();
                            done(Packet {
                                bytes: std::mem::take(&mut self.bytes),
                                header_len,
                            });
                            continue;
                        }
                    }
                }
                Some((header_len, remaining)) => {
                    let want = header_len + remaining - self.bytes.len();
                    let n = want.min(bytes.len());
                    self.bytes.extend_from_slice(&bytes[..n]);
                    bytes = &bytes[n..];
                }
            }
            if let Some((header_len, remaining)) = self.lengths {
                if self.bytes.len() == header_len + remaining {
                    self.lengths = None;
                    done(Packet {
                        bytes: std::mem::take(&mut self.bytes),
                        header_len,
                    });
                }
            }
        }
    }
}

fn pump(
    from: &TcpStream,
    to: &TcpStream,
    dir: Dir,
    seen: &Arc<EventLog<Seen>>,
    keep: Option<(usize, Arc<EventLog<Recorded>>)>,
) {
    let (mut from, mut to) = (from.try_clone().unwrap(), to.try_clone().unwrap());
    let seen = Arc::clone(seen);
    std::thread::spawn(move || {
        let mut framer = Framer::default();
        let mut packets = PacketFramer::default();
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let at = Instant::now();
            framer.feed(&buf[..n], |kind| seen.push(Seen { dir, kind, at }));
            if let Some((conn, log)) = &keep {
                packets.feed(&buf[..n], |packet| {
                    log.push(Recorded {
                        conn: *conn,
                        dir,
                        packet,
                        at,
                    })
                });
            }
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    });
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Unblock the accept loop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}
