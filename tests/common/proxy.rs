//! A TCP proxy on 127.0.0.1 that forwards bytes unchanged between clients and an upstream broker
//! and records the type of every MQTT packet that crosses it, per direction.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use super::events::EventLog;
use super::fake_broker::parse_fixed_header;

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

/// The proxy: listens on `port`, connects each client to the upstream port.
pub struct Proxy {
    pub port: u16,
    pub seen: Arc<EventLog<Seen>>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    pub fn start(upstream: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(EventLog::new());
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, stop2) = (Arc::clone(&seen), Arc::clone(&stop));
        std::thread::spawn(move || {
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
                pump(&client, &server, Dir::ToBroker, &seen2);
                pump(&server, &client, Dir::ToClient, &seen2);
            }
        });
        Proxy { port, seen, stop }
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

fn pump(from: &TcpStream, to: &TcpStream, dir: Dir, seen: &Arc<EventLog<Seen>>) {
    let (mut from, mut to) = (from.try_clone().unwrap(), to.try_clone().unwrap());
    let seen = Arc::clone(seen);
    std::thread::spawn(move || {
        let mut framer = Framer::default();
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let at = Instant::now();
            framer.feed(&buf[..n], |kind| seen.push(Seen { dir, kind, at }));
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
