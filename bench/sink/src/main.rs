//! `culex-bench-sink`: a deliberately dumb, fast MQTT peer for Culex's benchmarks.
//!
//! It listens on 127.0.0.1 only, accepts MQTT 3.1, 3.1.1 and 5 clients, and acknowledges everything:
//! CONNECT → CONNACK (accepted), PUBLISH QoS 1 → PUBACK, QoS 2 → PUBREC, PUBREL → PUBCOMP,
//! SUBSCRIBE → SUBACK (granting the requested QoS), UNSUBSCRIBE → UNSUBACK, PINGREQ → PINGRESP.
//! It routes nothing and stores nothing.
//!
//! Flood: subscribing to `bench/flood/<count>/<size>/<window>` at QoS q makes the sink send `count`
//! PUBLISH packets of `size` payload bytes on that same topic at QoS q, keeping at most `window`
//! of them unacknowledged (QoS 1: until PUBACK; QoS 2: until PUBCOMP, answering PUBREC with PUBREL).
//! Packets are pre-encoded once and copied into the outgoing buffer (only the packet id is patched),
//! and written in large batches, so the subscriber, not the sink, is the bottleneck.
//!
//! One thread, one edge-triggered epoll set, so ten thousand idle connections cost little.
//! Usage: `culex-bench-sink [--port P] [--lifetime SECONDS]`. Prints `PORT <p>` on stdout once
//! listening (port 0, the default, picks a free one) and exits by itself after the lifetime
//! (default 900 s), or on SIGTERM/SIGINT.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Bytes asked of the kernel per read() and the outgoing high-water mark per connection.
const READ_CHUNK: usize = 256 * 1024;
const OUT_HIGH_WATER: usize = 256 * 1024;
/// A packet larger than this closes the connection (no client of the benchmark sends one).
const MAX_PACKET: usize = 16 * 1024 * 1024;
const FLOOD_PREFIX: &[u8] = b"bench/flood/";

fn main() {
    let mut port: u16 = 0;
    let mut lifetime = 900u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = args.next().unwrap_or_default();
        match a.as_str() {
            "--port" => port = value.parse().expect("--port takes a number"),
            "--lifetime" => lifetime = value.parse().expect("--lifetime takes seconds"),
            _ => {
                eprintln!("usage: culex-bench-sink [--port P] [--lifetime SECONDS]");
                std::process::exit(2);
            }
        }
    }
    raise_fd_limit();
    let listener = listen(port);
    let bound = local_port(listener);
    println!("PORT {bound}");
    std::io::stdout().flush().ok();
    Sink::new(listener).run(Duration::from_secs(lifetime));
}

fn check(rc: i32, what: &str) -> i32 {
    if rc < 0 {
        eprintln!("sink: {what}: {}", std::io::Error::last_os_error());
        std::process::exit(1);
    }
    rc
}

/// Room for many connections: 65536 descriptors when privileged, else the hard limit.
fn raise_fd_limit() {
    const WANT: libc::rlim_t = 65536;
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 || lim.rlim_cur >= WANT {
            return;
        }
        let more = libc::rlimit {
            rlim_cur: WANT,
            rlim_max: lim.rlim_max.max(WANT),
        };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &more) != 0 {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

fn listen(port: u16) -> i32 {
    unsafe {
        let fd = check(
            libc::socket(
                libc::AF_INET,
                libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                0,
            ),
            "socket",
        );
        let one: libc::c_int = 1;
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_REUSEADDR,
            &one as *const _ as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
        let mut addr: libc::sockaddr_in = std::mem::zeroed();
        addr.sin_family = libc::AF_INET as libc::sa_family_t;
        addr.sin_port = port.to_be();
        addr.sin_addr.s_addr = u32::from_be_bytes([127, 0, 0, 1]).to_be();
        check(
            libc::bind(
                fd,
                &addr as *const _ as *const libc::sockaddr,
                std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
            ),
            "bind 127.0.0.1",
        );
        check(libc::listen(fd, 8192), "listen");
        fd
    }
}

fn local_port(fd: i32) -> u16 {
    unsafe {
        let mut addr: libc::sockaddr_in = std::mem::zeroed();
        let mut len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        check(
            libc::getsockname(fd, &mut addr as *mut _ as *mut libc::sockaddr, &mut len),
            "getsockname",
        );
        u16::from_be(addr.sin_port)
    }
}

static STOP: AtomicBool = AtomicBool::new(false);
extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

/// A flood in progress on one connection.
struct Flood {
    remaining: u64,
    qos: u8,
    window: u32,
    inflight: u32,
    /// One encoded PUBLISH (QoS > 0: the packet id is patched at `id_at`), or for QoS 0 many
    /// copies back to back (`per_batch` packets).
    template: Vec<u8>,
    packet_len: usize,
    per_batch: u64,
    id_at: usize,
    next_id: u16,
    in_use: Vec<u64>,
}

impl Flood {
    fn new(version: u8, topic: &[u8], qos: u8, count: u64, size: usize, window: u32) -> Flood {
        let mut body = Vec::with_capacity(topic.len() + size + 8);
        body.extend_from_slice(&(topic.len() as u16).to_be_bytes());
        body.extend_from_slice(topic);
        let id_in_body = body.len();
        if qos > 0 {
            body.extend_from_slice(&[0, 0]);
        }
        if version == 5 {
            body.push(0); // no properties
        }
        body.resize(body.len() + size, b'x');
        let mut packet = vec![0x30 | (qos << 1)];
        put_varint(&mut packet, body.len());
        let id_at = packet.len() + id_in_body;
        packet.extend_from_slice(&body);
        let packet_len = packet.len();
        let per_batch = if qos == 0 {
            (64 * 1024 / packet_len).max(1) as u64
        } else {
            1
        };
        let template = packet.repeat(per_batch as usize);
        Flood {
            remaining: count,
            qos,
            window: window.clamp(1, 65535),
            inflight: 0,
            template,
            packet_len,
            per_batch,
            id_at,
            next_id: 0,
            in_use: vec![0u64; 1024],
        }
    }

    /// Append as many PUBLISH packets to `out` as the window and the high-water mark allow.
    fn fill(&mut self, out: &mut Vec<u8>, pending: usize) {
        let mut room = OUT_HIGH_WATER.saturating_sub(pending);
        if self.qos == 0 {
            while self.remaining > 0 && room > 0 {
                let n = self.per_batch.min(self.remaining);
                let bytes = n as usize * self.packet_len;
                out.extend_from_slice(&self.template[..bytes]);
                self.remaining -= n;
                room = room.saturating_sub(bytes);
            }
            return;
        }
        while self.remaining > 0 && self.inflight < self.window && room > 0 {
            let id = self.take_id();
            let start = out.len();
            out.extend_from_slice(&self.template);
            out[start + self.id_at..start + self.id_at + 2].copy_from_slice(&id.to_be_bytes());
            self.remaining -= 1;
            self.inflight += 1;
            room = room.saturating_sub(self.packet_len);
        }
    }

    fn take_id(&mut self) -> u16 {
        loop {
            self.next_id = if self.next_id == 65535 {
                1
            } else {
                self.next_id + 1
            };
            let (word, bit) = ((self.next_id / 64) as usize, self.next_id % 64);
            if self.in_use[word] & (1 << bit) == 0 {
                self.in_use[word] |= 1 << bit;
                return self.next_id;
            }
        }
    }

    /// The flow of `id` is complete (PUBACK for QoS 1, PUBCOMP for QoS 2).
    fn release(&mut self, id: u16) {
        let (word, bit) = ((id / 64) as usize, id % 64);
        if self.in_use[word] & (1 << bit) != 0 {
            self.in_use[word] &= !(1 << bit);
            self.inflight -= 1;
        }
    }
}

fn put_varint(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let mut b = (n % 128) as u8;
        n /= 128;
        if n > 0 {
            b |= 0x80;
        }
        out.push(b);
        if n == 0 {
            break;
        }
    }
}

/// One client connection.
struct Conn {
    fd: i32,
    version: u8,
    /// MQTT 5 CONNECT's Receive Maximum: the most unacknowledged QoS 1/2 PUBLISH we may send.
    receive_maximum: u32,
    /// Bytes of an incomplete packet carried over to the next read.
    partial: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    flood: Option<Flood>,
    closing: bool,
}

enum Parsed {
    /// `total` bytes: a complete packet with its fixed header of `header` bytes.
    Packet {
        total: usize,
        header: usize,
    },
    Incomplete,
    Bad,
}

fn parse_header(buf: &[u8]) -> Parsed {
    let mut len = 0usize;
    let mut shift = 0;
    for i in 1..5 {
        let Some(&b) = buf.get(i) else {
            return Parsed::Incomplete;
        };
        len |= ((b & 0x7f) as usize) << shift;
        shift += 7;
        if b & 0x80 == 0 {
            if len > MAX_PACKET {
                return Parsed::Bad;
            }
            let total = i + 1 + len;
            return if buf.len() >= total {
                Parsed::Packet {
                    total,
                    header: i + 1,
                }
            } else {
                Parsed::Incomplete
            };
        }
    }
    Parsed::Bad
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Skip an MQTT 5 property block at `at`; returns the offset after it.
fn skip_properties(b: &[u8], at: usize) -> Option<usize> {
    let mut len = 0usize;
    let mut shift = 0;
    for i in 0..4 {
        let v = *b.get(at + i)?;
        len |= ((v & 0x7f) as usize) << shift;
        shift += 7;
        if v & 0x80 == 0 {
            return Some(at + i + 1 + len);
        }
    }
    None
}

impl Conn {
    /// Handle every complete packet in `buf`; returns the bytes consumed, or None to close.
    fn handle(&mut self, buf: &[u8]) -> Option<usize> {
        let mut pos = 0;
        loop {
            match parse_header(&buf[pos..]) {
                Parsed::Incomplete => return Some(pos),
                Parsed::Bad => return None,
                Parsed::Packet { total, header } => {
                    let first = buf[pos];
                    let body = &buf[pos + header..pos + total];
                    self.packet(first, body)?;
                    pos += total;
                }
            }
        }
    }

    fn packet(&mut self, first: u8, body: &[u8]) -> Option<()> {
        let v5 = self.version == 5;
        match first >> 4 {
            1 => {
                let name_len = u16_at(body, 0)? as usize;
                self.version = *body.get(2 + name_len)?;
                if self.version == 5 {
                    // level, flags, keepalive, then the properties.
                    self.receive_maximum = connect_receive_maximum(body, 2 + name_len + 4)?;
                }
                if self.version == 5 {
                    self.out.extend_from_slice(&[0x20, 3, 0, 0, 0]);
                } else {
                    self.out.extend_from_slice(&[0x20, 2, 0, 0]);
                }
            }
            3 => {
                let qos = (first >> 1) & 3;
                if qos > 0 {
                    let topic_len = u16_at(body, 0)? as usize;
                    let id = u16_at(body, 2 + topic_len)?.to_be_bytes();
                    let kind = if qos == 1 { 0x40 } else { 0x50 };
                    self.out.extend_from_slice(&[kind, 2, id[0], id[1]]);
                }
            }
            4 | 7 => {
                let id = u16_at(body, 0)?;
                if let Some(f) = self.flood.as_mut() {
                    f.release(id);
                }
            }
            5 => {
                let id = u16_at(body, 0)?.to_be_bytes();
                self.out.extend_from_slice(&[0x62, 2, id[0], id[1]]);
            }
            6 => {
                let id = u16_at(body, 0)?.to_be_bytes();
                self.out.extend_from_slice(&[0x70, 2, id[0], id[1]]);
            }
            8 => {
                let id = u16_at(body, 0)?.to_be_bytes();
                let mut at = 2;
                if v5 {
                    at = skip_properties(body, at)?;
                }
                let mut granted = Vec::new();
                while at < body.len() {
                    let topic_len = u16_at(body, at)? as usize;
                    let topic = body.get(at + 2..at + 2 + topic_len)?;
                    let qos = body.get(at + 2 + topic_len)? & 3;
                    granted.push(qos);
                    if let Some(flood) =
                        flood_request(topic, qos, self.version, self.receive_maximum)
                    {
                        self.flood = Some(flood);
                    }
                    at += 3 + topic_len;
                }
                self.out.push(0x90);
                put_varint(&mut self.out, 2 + v5 as usize + granted.len());
                self.out.extend_from_slice(&id);
                if v5 {
                    self.out.push(0);
                }
                self.out.extend_from_slice(&granted);
            }
            10 => {
                let id = u16_at(body, 0)?.to_be_bytes();
                if v5 {
                    let mut at = skip_properties(body, 2)?;
                    let mut count = 0;
                    while at < body.len() {
                        at += 2 + u16_at(body, at)? as usize;
                        count += 1;
                    }
                    self.out.push(0xb0);
                    put_varint(&mut self.out, 3 + count);
                    self.out.extend_from_slice(&[id[0], id[1], 0]);
                    self.out.resize(self.out.len() + count, 0);
                } else {
                    self.out.extend_from_slice(&[0xb0, 2, id[0], id[1]]);
                }
            }
            12 => self.out.extend_from_slice(&[0xd0, 0]),
            14 => self.closing = true,
            _ => {}
        }
        Some(())
    }

    /// Top up the flood and write until the socket is full or nothing is left.
    /// Returns false when the connection failed.
    fn flush(&mut self) -> bool {
        loop {
            if let Some(f) = self.flood.as_mut() {
                let pending = self.out.len() - self.out_pos;
                f.fill(&mut self.out, pending);
                if f.remaining == 0 && f.inflight == 0 {
                    self.flood = None;
                }
            }
            if self.out_pos == self.out.len() {
                self.out.clear();
                self.out_pos = 0;
                return true;
            }
            let pending = &self.out[self.out_pos..];
            let n = unsafe {
                libc::write(
                    self.fd,
                    pending.as_ptr() as *const libc::c_void,
                    pending.len(),
                )
            };
            if n < 0 {
                let err = std::io::Error::last_os_error().raw_os_error();
                return err == Some(libc::EAGAIN) || err == Some(libc::EINTR);
            }
            self.out_pos += n as usize;
            if self.out_pos > self.out.len() / 2 {
                self.out.drain(..self.out_pos);
                self.out_pos = 0;
            }
        }
    }
}

/// The Receive Maximum of an MQTT 5 CONNECT whose properties start at `at` (65535 if absent).
fn connect_receive_maximum(body: &[u8], at: usize) -> Option<u32> {
    let end = skip_properties(body, at)?;
    let mut at = at + 1;
    while at < body.len() && body[at - 1] & 0x80 != 0 {
        at += 1; // the rest of the property length varint
    }
    let mut receive_maximum = 65535;
    while at < end {
        let id = *body.get(at)?;
        at += 1;
        at += match id {
            0x17 | 0x19 => 1,
            0x21 => {
                receive_maximum = u32::from(u16_at(body, at)?);
                2
            }
            0x22 => 2,
            0x11 | 0x27 => 4,
            0x15 | 0x16 => 2 + u16_at(body, at)? as usize,
            0x26 => {
                let key = 2 + u16_at(body, at)? as usize;
                key + 2 + u16_at(body, at + key)? as usize
            }
            _ => return None,
        };
    }
    Some(receive_maximum)
}

/// `bench/flood/<count>/<size>/<window>` → a flood at `qos`, never more in flight than the
/// client's Receive Maximum.
fn flood_request(topic: &[u8], qos: u8, version: u8, receive_maximum: u32) -> Option<Flood> {
    let rest = topic.strip_prefix(FLOOD_PREFIX)?;
    let text = std::str::from_utf8(rest).ok()?;
    let mut parts = text.split('/').map(|p| p.parse::<u64>().ok());
    let count = parts.next()??;
    let size = parts.next()?? as usize;
    let window = (parts.next().flatten().unwrap_or(100) as u32).min(receive_maximum);
    if size > MAX_PACKET / 2 {
        return None;
    }
    Some(Flood::new(version, topic, qos, count, size, window))
}

struct Sink {
    listener: i32,
    epoll: i32,
    conns: Vec<Option<Box<Conn>>>,
    rbuf: Vec<u8>,
}

impl Sink {
    fn new(listener: i32) -> Sink {
        let epoll = check(
            unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) },
            "epoll_create1",
        );
        let mut ev = libc::epoll_event {
            events: libc::EPOLLIN as u32,
            u64: u64::MAX,
        };
        check(
            unsafe { libc::epoll_ctl(epoll, libc::EPOLL_CTL_ADD, listener, &mut ev) },
            "epoll_ctl",
        );
        Sink {
            listener,
            epoll,
            conns: Vec::new(),
            rbuf: vec![0u8; READ_CHUNK],
        }
    }

    fn run(&mut self, lifetime: Duration) {
        unsafe {
            libc::signal(
                libc::SIGTERM,
                on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
            );
            libc::signal(
                libc::SIGINT,
                on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
            );
            libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        }
        let started = Instant::now();
        let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 1024];
        while started.elapsed() < lifetime && !STOP.load(Ordering::Relaxed) {
            let n = unsafe {
                libc::epoll_wait(self.epoll, events.as_mut_ptr(), events.len() as i32, 500)
            };
            if n < 0 {
                continue; // EINTR
            }
            for ev in &events[..n as usize] {
                let key = ev.u64;
                if key == u64::MAX {
                    self.accept_all();
                } else {
                    self.service(key as usize);
                }
            }
        }
    }

    fn accept_all(&mut self) {
        loop {
            let fd = unsafe {
                libc::accept4(
                    self.listener,
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                    libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                )
            };
            if fd < 0 {
                return;
            }
            let one: libc::c_int = 1;
            unsafe {
                libc::setsockopt(
                    fd,
                    libc::IPPROTO_TCP,
                    libc::TCP_NODELAY,
                    &one as *const _ as *const libc::c_void,
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                );
            }
            let idx = fd as usize;
            if self.conns.len() <= idx {
                self.conns.resize_with(idx + 1, || None);
            }
            self.conns[idx] = Some(Box::new(Conn {
                fd,
                version: 4,
                receive_maximum: 65535,
                partial: Vec::new(),
                out: Vec::new(),
                out_pos: 0,
                flood: None,
                closing: false,
            }));
            let mut ev = libc::epoll_event {
                events: (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLET) as u32,
                u64: idx as u64,
            };
            if unsafe { libc::epoll_ctl(self.epoll, libc::EPOLL_CTL_ADD, fd, &mut ev) } < 0 {
                self.close(idx);
            }
        }
    }

    fn service(&mut self, idx: usize) {
        let Some(mut conn) = self.conns.get_mut(idx).and_then(Option::take) else {
            return;
        };
        let mut alive: bool;
        // Edge-triggered: read until the kernel has nothing more.
        loop {
            let n = unsafe {
                libc::read(
                    conn.fd,
                    self.rbuf.as_mut_ptr() as *mut libc::c_void,
                    self.rbuf.len(),
                )
            };
            if n == 0 {
                alive = false;
                break;
            }
            if n < 0 {
                let err = std::io::Error::last_os_error().raw_os_error();
                if err == Some(libc::EINTR) {
                    continue;
                }
                alive = err == Some(libc::EAGAIN);
                break;
            }
            let data = &self.rbuf[..n as usize];
            if conn.partial.is_empty() {
                match conn.handle(data) {
                    Some(used) => conn.partial.extend_from_slice(&data[used..]),
                    None => {
                        alive = false;
                        break;
                    }
                }
            } else {
                let mut joined = std::mem::take(&mut conn.partial);
                joined.extend_from_slice(data);
                match conn.handle(&joined) {
                    Some(used) => {
                        joined.drain(..used);
                        conn.partial = joined;
                    }
                    None => {
                        alive = false;
                        break;
                    }
                }
            }
            // Answer as we go, so acknowledgements never pile up behind a long read burst.
            if !conn.flush() {
                alive = false;
                break;
            }
        }
        alive = alive && conn.flush() && !conn.closing;
        if alive {
            self.conns[idx] = Some(conn);
        } else {
            unsafe { libc::close(conn.fd) };
        }
    }

    fn close(&mut self, idx: usize) {
        if let Some(conn) = self.conns.get_mut(idx).and_then(Option::take) {
            unsafe { libc::close(conn.fd) };
        }
    }
}
