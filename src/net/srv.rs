//! DNS SRV lookups (RFC 2782) with a small DNS client (RFC 1035 messages over UDP, and over TCP
//! when an answer comes back truncated).
//!
//! [`lookup`] asks for the SRV records of a name (e.g. `_mqtt._tcp.example.com`) and returns the
//! targets in the order a client should try them: lowest priority first, and among equal
//! priorities a weighted random order. Addresses the server added for the targets (A/AAAA records
//! in the additional section) come along, so the caller resolves only targets without them.
//!
//! Nameservers: those of `/etc/resolv.conf` (port 53), or the single server named by the
//! environment variable `CULEX_DNS_SERVER` (`IP`, `IP:port` or `[IPv6]:port`), which tests use to
//! point the lookup at a local fake server.
//!
//! Blocking: the driver calls it on a resolver thread, never on a loop thread.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use crate::error::Error;

/// The environment variable that replaces `/etc/resolv.conf`'s nameservers.
pub const DNS_SERVER_ENV: &str = "CULEX_DNS_SERVER";

const TYPE_A: u16 = 1;
const TYPE_AAAA: u16 = 28;
const TYPE_SRV: u16 = 33;
const CLASS_IN: u16 = 1;
const RCODE_NXDOMAIN: u8 = 3;
/// How long to wait for one server's answer, and how many rounds over all servers.
const TRY_TIMEOUT: Duration = Duration::from_secs(2);
const ROUNDS: usize = 2;

/// One SRV record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrvRecord {
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    /// The target host name, without the trailing dot.
    pub target: String,
}

/// A target to try: its name, port and any addresses the DNS answer carried for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub addrs: Vec<IpAddr>,
}

/// The SRV name libmosquitto looks up for a broker domain: `_secure-mqtt._tcp.<domain>` with
/// TLS, `_mqtt._tcp.<domain>` without.
pub fn service_name(domain: &str, tls: bool) -> String {
    let prefix = if tls {
        "_secure-mqtt._tcp."
    } else {
        "_mqtt._tcp."
    };
    format!("{prefix}{}", domain.trim_end_matches('.'))
}

/// The targets of `name`'s SRV records, in RFC 2782 order. Blocks on the network.
pub fn lookup(name: &str) -> Result<Vec<Endpoint>, Error> {
    let answer = query(name, TYPE_SRV)?;
    let records: Vec<SrvRecord> = answer.srv;
    if records.is_empty() {
        log::warn!("culex: no SRV record for '{name}'");
        return Err(Error::Lookup);
    }
    if records.len() == 1 && records[0].target.is_empty() {
        log::warn!("culex: SRV for '{name}' says the service is not available there");
        return Err(Error::Lookup);
    }
    let ordered = order(records, &mut random_below);
    Ok(ordered
        .into_iter()
        .filter(|r| !r.target.is_empty())
        .map(|r| {
            let addrs = answer
                .addrs
                .iter()
                .filter(|(owner, _)| owner.eq_ignore_ascii_case(&r.target))
                .map(|(_, ip)| *ip)
                .collect();
            Endpoint {
                host: r.target,
                port: r.port,
                addrs,
            }
        })
        .collect())
}

/// RFC 2782's order: by priority ascending; within one priority, repeatedly pick a record at
/// random with probability proportional to its weight (weight 0 records have a small chance,
/// ahead of the others when all draws land on 0). `below(n)` returns a random number in `0..n`.
pub fn order(mut records: Vec<SrvRecord>, below: &mut dyn FnMut(u32) -> u32) -> Vec<SrvRecord> {
    records.sort_by_key(|r| r.priority);
    let mut ordered = Vec::with_capacity(records.len());
    let mut rest = records.into_iter().peekable();
    while let Some(first) = rest.next() {
        let mut group = vec![first];
        while let Some(next) = rest.next_if(|r| r.priority == group[0].priority) {
            group.push(next);
        }
        // Weight 0 first, as the RFC asks, so that they are picked only when the draw is 0.
        group.sort_by_key(|r| r.weight != 0);
        while !group.is_empty() {
            let total: u32 = group.iter().map(|r| u32::from(r.weight)).sum();
            let draw = below(total + 1);
            let mut running = 0;
            let mut pick = group.len() - 1;
            for (i, r) in group.iter().enumerate() {
                running += u32::from(r.weight);
                if running >= draw {
                    pick = i;
                    break;
                }
            }
            ordered.push(group.remove(pick));
        }
    }
    ordered
}

/// A uniformly random number in `0..n` (`n` > 0), from the kernel's generator.
fn random_below(n: u32) -> u32 {
    let mut bytes = [0u8; 4];
    // SAFETY: the buffer is valid for 4 bytes; getrandom writes at most that many.
    let got = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    let value = if got == 4 {
        u32::from_ne_bytes(bytes)
    } else {
        // Extremely unlikely; a clock-derived value still spreads the load.
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    };
    value % n.max(1)
}

/// What a response says.
#[derive(Debug, Default)]
struct Answer {
    srv: Vec<SrvRecord>,
    /// A and AAAA records: owner name and address.
    addrs: Vec<(String, IpAddr)>,
}

/// Why one server did not give an answer.
enum Failure {
    /// The name does not exist: a final answer.
    NoSuchName,
    /// Try the next server.
    Retry(String),
}

/// Ask the nameservers for `name`'s records of `qtype`.
fn query(name: &str, qtype: u16) -> Result<Answer, Error> {
    let servers = nameservers();
    let mut last = String::from("no nameserver");
    for _ in 0..ROUNDS {
        for server in &servers {
            let id = random_below(u32::from(u16::MAX) + 1) as u16;
            let message = build_query(id, name, qtype)?;
            match ask(*server, id, name, &message) {
                Ok(answer) => return Ok(answer),
                Err(Failure::NoSuchName) => {
                    log::warn!("culex: '{name}' does not exist (NXDOMAIN from {server})");
                    return Err(Error::Lookup);
                }
                Err(Failure::Retry(why)) => {
                    log::debug!("culex: DNS server {server}: {why}");
                    last = format!("{server}: {why}");
                }
            }
        }
    }
    log::warn!("culex: DNS lookup of '{name}' failed ({last})");
    Err(Error::Lookup)
}

/// One question to one server: UDP first, TCP when the UDP answer is truncated.
fn ask(server: SocketAddr, id: u16, name: &str, message: &[u8]) -> Result<Answer, Failure> {
    let retry = |e: std::io::Error| Failure::Retry(e.to_string());
    let local: SocketAddr = if server.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = UdpSocket::bind(local).map_err(retry)?;
    socket.connect(server).map_err(retry)?;
    socket.set_read_timeout(Some(TRY_TIMEOUT)).map_err(retry)?;
    socket.send(message).map_err(retry)?;
    let mut buf = vec![0u8; 4096];
    loop {
        // A connected UDP socket only receives from `server`; answers to other ids are skipped.
        let n = socket.recv(&mut buf).map_err(retry)?;
        match parse(&buf[..n], id, name) {
            Ok(Parsed::Truncated) => return ask_tcp(server, id, name, message),
            Ok(Parsed::Answer(answer)) => return Ok(answer),
            Err(Failure::Retry(why)) if why == "wrong id" => continue,
            Err(failure) => return Err(failure),
        }
    }
}

fn ask_tcp(server: SocketAddr, id: u16, name: &str, message: &[u8]) -> Result<Answer, Failure> {
    let retry = |e: std::io::Error| Failure::Retry(format!("TCP: {e}"));
    let mut stream = TcpStream::connect_timeout(&server, TRY_TIMEOUT).map_err(retry)?;
    stream.set_read_timeout(Some(TRY_TIMEOUT)).map_err(retry)?;
    stream.set_write_timeout(Some(TRY_TIMEOUT)).map_err(retry)?;
    let mut framed = (message.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(message);
    stream.write_all(&framed).map_err(retry)?;
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).map_err(retry)?;
    let mut body = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut body).map_err(retry)?;
    match parse(&body, id, name)? {
        Parsed::Answer(answer) => Ok(answer),
        Parsed::Truncated => Err(Failure::Retry("truncated over TCP".into())),
    }
}

/// The nameservers to ask: `CULEX_DNS_SERVER`, else `/etc/resolv.conf`'s, else the local host.
fn nameservers() -> Vec<SocketAddr> {
    if let Ok(value) = std::env::var(DNS_SERVER_ENV) {
        match parse_server(value.trim()) {
            Some(addr) => return vec![addr],
            None => log::warn!("culex: ignoring {DNS_SERVER_ENV}='{value}': not an address"),
        }
    }
    let conf = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let servers: Vec<SocketAddr> = conf
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            match (words.next(), words.next()) {
                (Some("nameserver"), Some(addr)) => {
                    // A link-local IPv6 server may carry a zone ("fe80::1%eth0"): skip those.
                    addr.parse::<IpAddr>()
                        .ok()
                        .map(|ip| SocketAddr::new(ip, 53))
                }
                _ => None,
            }
        })
        .collect();
    if servers.is_empty() {
        vec![SocketAddr::new(Ipv4Addr::LOCALHOST.into(), 53)]
    } else {
        servers
    }
}

fn parse_server(text: &str) -> Option<SocketAddr> {
    text.parse::<SocketAddr>().ok().or_else(|| {
        text.parse::<IpAddr>()
            .ok()
            .map(|ip| SocketAddr::new(ip, 53))
    })
}

/// A standard query with recursion desired.
fn build_query(id: u16, name: &str, qtype: u16) -> Result<Vec<u8>, Error> {
    let mut message = Vec::with_capacity(18 + name.len());
    message.extend_from_slice(&id.to_be_bytes());
    message.extend_from_slice(&[0x01, 0x00]); // RD
    message.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // one question
    encode_name(name, &mut message)?;
    message.extend_from_slice(&qtype.to_be_bytes());
    message.extend_from_slice(&CLASS_IN.to_be_bytes());
    Ok(message)
}

fn encode_name(name: &str, out: &mut Vec<u8>) -> Result<(), Error> {
    let name = name.strip_suffix('.').unwrap_or(name);
    let start = out.len();
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            log::warn!("culex: '{name}' is not a valid DNS name");
            return Err(Error::Lookup);
        }
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    if out.len() - start > 255 {
        log::warn!("culex: '{name}' is longer than a DNS name may be");
        return Err(Error::Lookup);
    }
    Ok(())
}

enum Parsed {
    Answer(Answer),
    Truncated,
}

fn malformed() -> Failure {
    Failure::Retry("malformed response".into())
}

/// Check a response to our question `id`/`name` and take its SRV, A and AAAA records.
fn parse(msg: &[u8], id: u16, name: &str) -> Result<Parsed, Failure> {
    if msg.len() < 12 {
        return Err(malformed());
    }
    if u16::from_be_bytes([msg[0], msg[1]]) != id {
        return Err(Failure::Retry("wrong id".into()));
    }
    let flags = u16::from_be_bytes([msg[2], msg[3]]);
    if flags & 0x8000 == 0 {
        return Err(malformed());
    }
    if flags & 0x0200 != 0 {
        return Ok(Parsed::Truncated);
    }
    let rcode = (flags & 0x000F) as u8;
    if rcode == RCODE_NXDOMAIN {
        return Err(Failure::NoSuchName);
    }
    if rcode != 0 {
        return Err(Failure::Retry(format!("response code {rcode}")));
    }
    let count = |i: usize| usize::from(u16::from_be_bytes([msg[i], msg[i + 1]]));
    let (questions, answers, authority, additional) = (count(4), count(6), count(8), count(10));
    let mut pos = 12;
    for _ in 0..questions {
        let (qname, next) = read_name(msg, pos).ok_or_else(malformed)?;
        if !qname.eq_ignore_ascii_case(name.trim_end_matches('.')) {
            return Err(Failure::Retry("answer to another question".into()));
        }
        pos = next + 4;
    }
    let mut answer = Answer::default();
    for index in 0..answers + authority + additional {
        let (owner, next) = read_name(msg, pos).ok_or_else(malformed)?;
        let header = msg.get(next..next + 10).ok_or_else(malformed)?;
        let rtype = u16::from_be_bytes([header[0], header[1]]);
        let class = u16::from_be_bytes([header[2], header[3]]);
        let rdlen = usize::from(u16::from_be_bytes([header[8], header[9]]));
        let start = next + 10;
        let rdata = msg.get(start..start + rdlen).ok_or_else(malformed)?;
        pos = start + rdlen;
        if class != CLASS_IN || (index >= answers && index < answers + authority) {
            continue;
        }
        match rtype {
            TYPE_SRV if index < answers && rdlen >= 7 => {
                let (target, _) = read_name(msg, start + 6).ok_or_else(malformed)?;
                answer.srv.push(SrvRecord {
                    priority: u16::from_be_bytes([rdata[0], rdata[1]]),
                    weight: u16::from_be_bytes([rdata[2], rdata[3]]),
                    port: u16::from_be_bytes([rdata[4], rdata[5]]),
                    target,
                });
            }
            TYPE_A if rdlen == 4 => {
                let ip = Ipv4Addr::new(rdata[0], rdata[1], rdata[2], rdata[3]);
                answer.addrs.push((owner, ip.into()));
            }
            TYPE_AAAA if rdlen == 16 => {
                let mut octets = [0u8; 16];
                octets.copy_from_slice(rdata);
                answer.addrs.push((owner, Ipv6Addr::from(octets).into()));
            }
            _ => {}
        }
    }
    Ok(Parsed::Answer(answer))
}

/// The (possibly compressed) name at `pos`, without the trailing dot ("" for the root), and the
/// position after it in the record.
fn read_name(msg: &[u8], mut pos: usize) -> Option<(String, usize)> {
    let mut name = String::new();
    let mut end = None;
    // Each pointer must go backwards, which bounds the walk and rules out loops.
    let mut limit = pos;
    loop {
        let len = *msg.get(pos)?;
        match len & 0xC0 {
            0x00 if len == 0 => {
                return Some((name, end.unwrap_or(pos + 1)));
            }
            0x00 => {
                let label = msg.get(pos + 1..pos + 1 + usize::from(len))?;
                if !name.is_empty() {
                    name.push('.');
                }
                name.push_str(std::str::from_utf8(label).ok()?);
                if name.len() > 255 {
                    return None;
                }
                pos += 1 + usize::from(len);
            }
            0xC0 => {
                let target = usize::from(u16::from_be_bytes([len & 0x3F, *msg.get(pos + 1)?]));
                if target >= limit {
                    return None;
                }
                end.get_or_insert(pos + 2);
                limit = target;
                pos = target;
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(priority: u16, weight: u16, target: &str) -> SrvRecord {
        SrvRecord {
            priority,
            weight,
            port: 1883,
            target: target.into(),
        }
    }

    #[test]
    fn priorities_first_then_weights() {
        let records = vec![
            rec(20, 0, "c"),
            rec(10, 1, "b"),
            rec(10, 99, "a"),
            rec(5, 0, "z"),
        ];
        // Draws at the top of the range pick the heaviest record first.
        let mut top = |n: u32| n - 1;
        let got: Vec<String> = order(records.clone(), &mut top)
            .into_iter()
            .map(|r| r.target)
            .collect();
        assert_eq!(got, ["z", "a", "b", "c"]);
        // A draw of 1 lands on the first record with weight in range: "b" (weight 1).
        let mut low = |_: u32| 1;
        let got: Vec<String> = order(records, &mut low)
            .into_iter()
            .map(|r| r.target)
            .collect();
        assert_eq!(got, ["z", "b", "a", "c"]);
    }

    #[test]
    fn weighted_choice_follows_weights() {
        let records = vec![rec(1, 90, "heavy"), rec(1, 10, "light")];
        let mut heavy_first = 0;
        for _ in 0..2000 {
            if order(records.clone(), &mut random_below)[0].target == "heavy" {
                heavy_first += 1;
            }
        }
        assert!((1600..=1990).contains(&heavy_first), "{heavy_first}");
    }

    #[test]
    fn names_and_compression() {
        let mut msg = vec![0u8; 12];
        encode_name("_mqtt._tcp.example.com", &mut msg).unwrap();
        let (name, next) = read_name(&msg, 12).unwrap();
        assert_eq!(name, "_mqtt._tcp.example.com");
        assert_eq!(next, msg.len());
        // "broker" + pointer to "example.com" (offset 12 + 6 + 5).
        let at = msg.len();
        msg.extend_from_slice(&[6, b'b', b'r', b'o', b'k', b'e', b'r', 0xC0, 23]);
        assert_eq!(
            read_name(&msg, at).unwrap(),
            ("broker.example.com".to_string(), at + 9)
        );
        // A pointer to itself is refused.
        let at = msg.len();
        msg.extend_from_slice(&[0xC0, at as u8]);
        assert!(read_name(&msg, at).is_none());
        assert!(encode_name("a..b", &mut Vec::new()).is_err());
        assert!(encode_name(&"x".repeat(64), &mut Vec::new()).is_err());
    }

    #[test]
    fn service_names() {
        assert_eq!(service_name("example.com", false), "_mqtt._tcp.example.com");
        assert_eq!(
            service_name("example.com.", true),
            "_secure-mqtt._tcp.example.com"
        );
    }
}
