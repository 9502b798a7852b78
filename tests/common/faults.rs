//! A fault-injection TCP proxy between a client and a real broker, for the fault scenarios.
//!
//! Like [`super::proxy::Proxy`] it records every whole packet that crosses it ([`Recorded`],
//! with the connection number and the direction, as the sender wrote it), and each client
//! connection gets its own upstream connection. Unlike it, a test scripts what happens to the
//! bytes, per direction, while connections are open ([`FaultProxy::set`]):
//!
//! - [`Fault::Pass`]: forwarded as they come;
//! - [`Fault::BlackHole`]: swallowed, and an end of stream from the broker is not passed on
//!   either: a half-open link (no FIN, no RST), which only the client's keepalive can detect;
//! - [`Fault::Delay`]: each chunk held for a while (order kept);
//! - [`Fault::Trickle`]: a few bytes per millisecond (a slow reader, or a slow link);
//! - [`Fault::SplitBytes`]: one byte per write, so the peer's reads end at every byte boundary
//!   (nothing reordered);
//! - [`Fault::HoldPubRel`]: every packet forwarded except PUBREL, which is swallowed (the client
//!   stays between PUBREC and PUBREL).
//!
//! and, once: [`FaultProxy::cut`] (close every connection, FIN both ways) and
//! [`FaultProxy::reset_mid_packet`] (forward half of the next chunk in a direction, then reset
//! both sides with SO_LINGER 0: an RST in the middle of a packet).
//!
//! Each connection is one thread with `poll(2)` on both non-blocking sockets, so that it owns
//! them and can reset them. Nothing sleeps to synchronise: the thread waits in `poll` at most a
//! millisecond or two while bytes are held back.

use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::events::EventLog;
use super::fake_broker::PUBREL;
use super::proxy::{Dir, PacketFramer, Recorded};

/// What happens to the bytes going one way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Pass,
    BlackHole,
    Delay(Duration),
    /// At most this many bytes per millisecond.
    Trickle(usize),
    SplitBytes,
    HoldPubRel,
}

struct Control {
    to_broker: Mutex<Fault>,
    to_client: Mutex<Fault>,
    /// Bumped by `cut`: connections opened before close.
    generation: AtomicU64,
    /// Armed by `reset_mid_packet`: the direction whose next chunk is cut, then reset.
    reset: Mutex<Option<Dir>>,
    open: AtomicUsize,
    stop: AtomicBool,
}

impl Control {
    fn fault(&self, dir: Dir) -> Fault {
        let slot = match dir {
            Dir::ToBroker => &self.to_broker,
            Dir::ToClient => &self.to_client,
        };
        *slot.lock().unwrap()
    }
}

/// The proxy: listens on `port` (127.0.0.1), connects each client to the upstream port.
pub struct FaultProxy {
    pub port: u16,
    /// Every whole packet, as its sender wrote it.
    pub packets: Arc<EventLog<Recorded>>,
    control: Arc<Control>,
}

impl FaultProxy {
    pub fn start(upstream: u16) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fault proxy");
        let port = listener.local_addr().unwrap().port();
        let packets = Arc::new(EventLog::new());
        let control = Arc::new(Control {
            to_broker: Mutex::new(Fault::Pass),
            to_client: Mutex::new(Fault::Pass),
            generation: AtomicU64::new(0),
            reset: Mutex::new(None),
            open: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        });
        let (packets2, control2) = (Arc::clone(&packets), Arc::clone(&control));
        std::thread::spawn(move || {
            let mut conn = 0;
            for client in listener.incoming() {
                if control2.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                let (packets, control) = (Arc::clone(&packets2), Arc::clone(&control2));
                let id = conn;
                conn += 1;
                control.open.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || {
                    Link::new(id, client, server, packets, Arc::clone(&control)).run();
                    control.open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        FaultProxy {
            port,
            packets,
            control,
        }
    }

    /// What happens from now on to the bytes going `dir`, on every connection.
    pub fn set(&self, dir: Dir, fault: Fault) {
        let slot = match dir {
            Dir::ToBroker => &self.control.to_broker,
            Dir::ToClient => &self.control.to_client,
        };
        *slot.lock().unwrap() = fault;
    }

    /// The same fault both ways.
    pub fn set_both(&self, fault: Fault) {
        self.set(Dir::ToBroker, fault);
        self.set(Dir::ToClient, fault);
    }

    /// Close every open connection (FIN to both sides); new ones are accepted as usual.
    pub fn cut(&self) {
        self.control.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Forward half of the next chunk going `dir`, then reset both sides of that connection.
    pub fn reset_mid_packet(&self, dir: Dir) {
        *self.control.reset.lock().unwrap() = Some(dir);
    }

    /// Whether a reset armed by [`FaultProxy::reset_mid_packet`] has happened.
    pub fn reset_done(&self) -> bool {
        self.control.reset.lock().unwrap().is_none()
    }

    /// How many client connections are open.
    pub fn open_connections(&self) -> usize {
        self.control.open.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.control.stop.store(true, Ordering::SeqCst);
        self.cut();
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Bytes on their way one direction.
struct Lane {
    dir: Dir,
    from: TcpStream,
    to: TcpStream,
    framer: PacketFramer,
    /// Chunks to write, each with the instant it may go.
    queue: VecDeque<(Instant, Vec<u8>)>,
    /// The sender closed its side.
    eof: bool,
    /// Packets are forwarded whole, as this framer completes them.
    whole: PacketFramer,
    /// For [`Fault::Trickle`]: bytes that may be written now, and when they were last topped up.
    tokens: usize,
    refilled: Instant,
}

struct Link {
    id: usize,
    lanes: [Lane; 2],
    packets: Arc<EventLog<Recorded>>,
    control: Arc<Control>,
    generation: u64,
}

enum End {
    /// Close both sides with FIN.
    Close,
    /// Reset both sides.
    Reset,
}

impl Link {
    fn new(
        id: usize,
        client: TcpStream,
        server: TcpStream,
        packets: Arc<EventLog<Recorded>>,
        control: Arc<Control>,
    ) -> Link {
        for s in [&client, &server] {
            let _ = s.set_nodelay(true);
            s.set_nonblocking(true).expect("non-blocking");
        }
        let lane = |dir, from: &TcpStream, to: &TcpStream| Lane {
            dir,
            from: from.try_clone().unwrap(),
            to: to.try_clone().unwrap(),
            framer: PacketFramer::default(),
            queue: VecDeque::new(),
            eof: false,
            whole: PacketFramer::default(),
            tokens: 0,
            refilled: Instant::now(),
        };
        let generation = control.generation.load(Ordering::SeqCst);
        Link {
            id,
            lanes: [
                lane(Dir::ToBroker, &client, &server),
                lane(Dir::ToClient, &server, &client),
            ],
            packets,
            control,
            generation,
        }
    }

    fn run(mut self) {
        let end = self.pump();
        for lane in &self.lanes {
            if matches!(end, End::Reset) {
                set_linger_zero(&lane.from);
            } else {
                let _ = lane.from.shutdown(Shutdown::Both);
            }
        }
        // Dropping the streams (every clone is in `lanes`) closes them; with SO_LINGER 0 that
        // is an RST.
    }

    fn pump(&mut self) -> End {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            if self.control.stop.load(Ordering::SeqCst)
                || self.control.generation.load(Ordering::SeqCst) != self.generation
            {
                return End::Close;
            }
            let client_gone = self.lanes[0].eof;
            let broker_gone = self.lanes[1].eof;
            let black_hole = self.control.fault(Dir::ToClient) == Fault::BlackHole;
            if client_gone || (broker_gone && !black_hole) {
                // Flush what is queued towards the side still open (best effort), then close.
                for lane in &mut self.lanes {
                    let _ = lane.to.set_nonblocking(false);
                    while let Some((_, chunk)) = lane.queue.pop_front() {
                        if lane.to.write_all(&chunk).is_err() {
                            break;
                        }
                    }
                }
                return End::Close;
            }
            // Wait for input (or for a held chunk to come due).
            let now = Instant::now();
            let control = &self.control;
            let ready = |lane: &Lane| {
                lane.queue.front().is_some_and(|(due, _)| *due <= now)
                    && (lane.tokens > 0 || !matches!(control.fault(lane.dir), Fault::Trickle(_)))
            };
            let mut fds = [
                poll_fd(
                    &self.lanes[0].from,
                    !self.lanes[0].eof,
                    ready(&self.lanes[1]),
                ),
                poll_fd(
                    &self.lanes[1].from,
                    !self.lanes[1].eof,
                    ready(&self.lanes[0]),
                ),
            ];
            let held = self.lanes.iter().any(|l| !l.queue.is_empty());
            let timeout = if held { 1 } else { 20 };
            // SAFETY: poll(2) on two pollfd structs that live on this stack frame.
            unsafe { libc::poll(fds.as_mut_ptr(), 2, timeout) };
            for i in 0..2 {
                if let Some(end) = self.read_lane(i, &mut buf) {
                    return end;
                }
                if self.write_lane(i).is_err() {
                    return End::Close;
                }
            }
        }
    }

    /// Read what lane `i`'s sender has, record it, queue it as the fault says.
    fn read_lane(&mut self, i: usize, buf: &mut [u8]) -> Option<End> {
        let id = self.id;
        loop {
            let lane = &mut self.lanes[i];
            if lane.eof {
                return None;
            }
            let n = match lane.from.read(buf) {
                Ok(0) => {
                    lane.eof = true;
                    return None;
                }
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return None,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => {
                    lane.eof = true;
                    return None;
                }
            };
            let at = Instant::now();
            let dir = lane.dir;
            let log = &self.packets;
            lane.framer.feed(&buf[..n], |packet| {
                log.push(Recorded {
                    conn: id,
                    dir,
                    packet,
                    at,
                })
            });
            let mut chunk = buf[..n].to_vec();
            {
                let mut reset = self.control.reset.lock().unwrap();
                if *reset == Some(dir) && chunk.len() >= 2 {
                    *reset = None;
                    drop(reset);
                    chunk.truncate(chunk.len() / 2);
                    let _ = lane.to.set_nonblocking(false);
                    let _ = lane.to.write_all(&chunk);
                    return Some(End::Reset);
                }
            }
            // Forwarded a whole packet at a time, whatever the fault (a fault that starts in
            // the middle of a packet must not cut it: only the scripted reset does).
            let fault = self.control.fault(dir);
            let mut pass = Vec::new();
            lane.whole.feed(&chunk, |p| {
                if !(fault == Fault::HoldPubRel && p.packet_type() == PUBREL) {
                    pass.extend_from_slice(&p.bytes);
                }
            });
            if pass.is_empty() {
                continue;
            }
            match fault {
                Fault::BlackHole => {}
                Fault::Delay(d) => lane.queue.push_back((at + d, pass)),
                Fault::HoldPubRel | Fault::Pass | Fault::Trickle(_) | Fault::SplitBytes => {
                    lane.queue.push_back((at, pass))
                }
            }
        }
    }

    /// Write what is due on lane `i`, as the fault allows.
    fn write_lane(&mut self, i: usize) -> Result<(), ()> {
        let dir = self.lanes[i].dir;
        let fault = self.control.fault(dir);
        let lane = &mut self.lanes[i];
        let started = Instant::now();
        let mut budget = match fault {
            Fault::Trickle(per_ms) => {
                let ms = started.duration_since(lane.refilled).as_millis() as usize;
                if ms > 0 {
                    lane.tokens = (lane.tokens + ms * per_ms).min(per_ms * 4);
                    lane.refilled = started;
                }
                lane.tokens
            }
            _ => usize::MAX,
        };
        while budget > 0 {
            let Some((due, chunk)) = lane.queue.front_mut() else {
                break;
            };
            if *due > started {
                break;
            }
            let limit = match fault {
                Fault::SplitBytes => 1,
                _ => budget.min(chunk.len()),
            };
            match lane.to.write(&chunk[..limit]) {
                Ok(n) => {
                    chunk.drain(..n);
                    budget = budget.saturating_sub(n);
                    lane.tokens = lane.tokens.saturating_sub(n);
                    if chunk.is_empty() {
                        lane.queue.pop_front();
                    }
                    if fault == Fault::SplitBytes && started.elapsed() > Duration::from_millis(2) {
                        break;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return Err(()),
            }
        }
        Ok(())
    }
}

fn poll_fd(s: &TcpStream, read: bool, write: bool) -> libc::pollfd {
    let mut events = 0;
    if read {
        events |= libc::POLLIN;
    }
    if write {
        events |= libc::POLLOUT;
    }
    libc::pollfd {
        fd: s.as_raw_fd(),
        events,
        revents: 0,
    }
}

fn set_linger_zero(s: &TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: setsockopt on a socket we own, with a correctly sized linger struct.
    unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &linger as *const libc::linger as *const libc::c_void,
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

/// A small deterministic random number generator (xorshift64*), so that a scenario's fault
/// points follow from its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `lo..hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo).max(1)
    }
}
