//! The client side of a SOCKS5 proxy handshake (RFC 1928), with username/password
//! authentication (RFC 1929), as a small state machine over a non-blocking stream.
//!
//! The handshake is: greeting (the methods we offer) → the proxy's method choice → optionally the
//! username/password exchange → a CONNECT request naming the broker (a domain name, so the proxy
//! resolves it, or a numeric address) → the proxy's reply. After a successful reply the stream
//! carries the broker's bytes (TLS or MQTT).
//!
//! Reads never go past the end of the proxy's current message, so no byte that belongs to the
//! broker is ever swallowed here. Every refusal becomes [`Error::Proxy`] with a log line saying
//! why. This module knows nothing about MQTT, TLS or the driver's states.

use std::io::{ErrorKind, Read, Write};
use std::net::IpAddr;

pub use super::proxy::ProxyConfig;
use crate::error::Error;

const VERSION: u8 = 0x05;
const METHOD_NONE: u8 = 0x00;
const METHOD_USERPASS: u8 = 0x02;
const METHOD_REFUSED: u8 = 0xFF;
const USERPASS_VERSION: u8 = 0x01;
const CMD_CONNECT: u8 = 0x01;
const ATYP_IPV4: u8 = 0x01;
const ATYP_DOMAIN: u8 = 0x03;
const ATYP_IPV6: u8 = 0x04;

/// What the handshake waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The proxy's answer to the greeting: version and chosen method.
    Method,
    /// The proxy's answer to the username/password request.
    Auth,
    /// The proxy's answer to the CONNECT request.
    Reply,
    /// The tunnel to the broker is open.
    Done,
}

/// One SOCKS5 handshake for one connection.
#[derive(Debug)]
pub struct Handshake {
    step: Step,
    /// Bytes to send, and how many of them were sent.
    out: Vec<u8>,
    out_pos: usize,
    /// The proxy's current message, as far as it has arrived.
    input: Vec<u8>,
    credentials: Option<(Vec<u8>, Vec<u8>)>,
    /// The CONNECT request, sent once authentication is done.
    request: Vec<u8>,
}

impl Handshake {
    /// A handshake that asks the proxy to connect to `host`:`port` (a domain name, or a numeric
    /// IPv4/IPv6 address sent as such). The greeting is ready to send.
    pub fn new(config: &ProxyConfig, host: &str, port: u16) -> Result<Handshake, Error> {
        let request = connect_request(host, port)?;
        if let Some((user, pass)) = &config.credentials {
            if user.is_empty() || user.len() > 255 || pass.len() > 255 {
                log::warn!("culex: SOCKS5 username must be 1 to 255 bytes, password at most 255");
                return Err(Error::Inval);
            }
        }
        let out = match config.credentials {
            Some(_) => vec![VERSION, 2, METHOD_NONE, METHOD_USERPASS],
            None => vec![VERSION, 1, METHOD_NONE],
        };
        Ok(Handshake {
            step: Step::Method,
            out,
            out_pos: 0,
            input: Vec::with_capacity(8),
            credentials: config.credentials.clone(),
            request,
        })
    }

    /// Whether the tunnel is open.
    pub fn is_done(&self) -> bool {
        self.step == Step::Done
    }

    /// Whether there are bytes to send (poll for writability only then).
    pub fn wants_write(&self) -> bool {
        self.out_pos < self.out.len()
    }

    /// The bytes still to send.
    pub fn output(&self) -> &[u8] {
        &self.out[self.out_pos..]
    }

    /// `n` bytes of [`Handshake::output`] were sent.
    pub fn wrote(&mut self, n: usize) {
        self.out_pos = (self.out_pos + n).min(self.out.len());
    }

    /// How many more bytes the proxy's current message has at least; reading no more than this
    /// never takes bytes that follow it. 0 when nothing is expected (sending, or done).
    pub fn wanted(&self) -> usize {
        if self.wants_write() {
            0
        } else {
            self.needed()
        }
    }

    /// How many bytes the proxy's current message still lacks.
    fn needed(&self) -> usize {
        let have = self.input.len();
        let total = match self.step {
            Step::Method | Step::Auth => 2,
            Step::Done => return 0,
            Step::Reply => {
                if have < 5 {
                    5
                } else {
                    match self.input[3] {
                        ATYP_IPV4 => 4 + 4 + 2,
                        ATYP_IPV6 => 4 + 16 + 2,
                        // ATYP_DOMAIN; other types are refused in `feed` before this.
                        _ => 5 + usize::from(self.input[4]) + 2,
                    }
                }
            }
        };
        total.saturating_sub(have)
    }

    /// Bytes from the proxy (at most [`Handshake::wanted`]). Returns whether the tunnel is open.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<bool, Error> {
        self.input.extend_from_slice(bytes);
        match self.step {
            Step::Method if self.input.len() >= 2 => self.on_method(),
            Step::Auth if self.input.len() >= 2 => self.on_auth(),
            Step::Reply => self.on_reply(),
            Step::Done => Ok(true),
            _ => Ok(false),
        }
    }

    fn on_method(&mut self) -> Result<bool, Error> {
        let (version, method) = (self.input[0], self.input[1]);
        self.input.clear();
        if version != VERSION {
            log::warn!("culex: the proxy does not speak SOCKS5 (version byte {version:#04x})");
            return Err(Error::Proxy);
        }
        match (method, &self.credentials) {
            (METHOD_NONE, _) => self.send_request(),
            (METHOD_USERPASS, Some((user, pass))) => {
                let mut auth = Vec::with_capacity(3 + user.len() + pass.len());
                auth.push(USERPASS_VERSION);
                auth.push(user.len() as u8);
                auth.extend_from_slice(user);
                auth.push(pass.len() as u8);
                auth.extend_from_slice(pass);
                self.queue(auth);
                self.step = Step::Auth;
                Ok(false)
            }
            (METHOD_REFUSED, None) => {
                log::warn!(
                    "culex: the SOCKS5 proxy requires authentication: set a username and password"
                );
                Err(Error::Proxy)
            }
            (METHOD_REFUSED, Some(_)) => {
                log::warn!("culex: the SOCKS5 proxy accepts none of our authentication methods");
                Err(Error::Proxy)
            }
            (other, _) => {
                log::warn!(
                    "culex: the SOCKS5 proxy chose method {other:#04x}, which we did not offer"
                );
                Err(Error::Proxy)
            }
        }
    }

    fn on_auth(&mut self) -> Result<bool, Error> {
        let (version, status) = (self.input[0], self.input[1]);
        self.input.clear();
        if version != USERPASS_VERSION {
            log::warn!(
                "culex: malformed SOCKS5 username/password reply (version byte {version:#04x})"
            );
            return Err(Error::Proxy);
        }
        if status != 0 {
            log::warn!("culex: the SOCKS5 proxy refused the username/password (status {status})");
            return Err(Error::Proxy);
        }
        self.send_request()
    }

    fn on_reply(&mut self) -> Result<bool, Error> {
        if self.input.len() >= 2 {
            if self.input[0] != VERSION {
                log::warn!(
                    "culex: malformed SOCKS5 reply (version byte {:#04x})",
                    self.input[0]
                );
                return Err(Error::Proxy);
            }
            let code = self.input[1];
            if code != 0 {
                log::warn!(
                    "culex: the SOCKS5 proxy could not connect to the broker: {} (reply {code})",
                    reply_text(code)
                );
                return Err(Error::Proxy);
            }
        }
        if self.input.len() >= 4 && !matches!(self.input[3], ATYP_IPV4 | ATYP_IPV6 | ATYP_DOMAIN) {
            log::warn!(
                "culex: malformed SOCKS5 reply (address type {:#04x})",
                self.input[3]
            );
            return Err(Error::Proxy);
        }
        if self.input.len() >= 5 && self.needed() == 0 {
            self.input.clear();
            self.step = Step::Done;
            return Ok(true);
        }
        Ok(false)
    }

    fn send_request(&mut self) -> Result<bool, Error> {
        let request = std::mem::take(&mut self.request);
        self.queue(request);
        self.step = Step::Reply;
        Ok(false)
    }

    fn queue(&mut self, bytes: Vec<u8>) {
        self.out = bytes;
        self.out_pos = 0;
    }

    /// Move the handshake on over a non-blocking `stream`: send what is pending, read what is
    /// expected, until it would block. Returns whether the tunnel is open.
    pub fn advance<S: Read + Write>(&mut self, stream: &mut S) -> Result<bool, Error> {
        let mut buf = [0u8; 300];
        loop {
            if self.is_done() {
                return Ok(true);
            }
            if self.wants_write() {
                match stream.write(self.output()) {
                    Ok(0) => return Err(closed()),
                    Ok(n) => self.wrote(n),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(false),
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Err(io_failed(e)),
                }
                continue;
            }
            let want = self.wanted().min(buf.len());
            match stream.read(&mut buf[..want]) {
                Ok(0) => return Err(closed()),
                Ok(n) => {
                    if self.feed(&buf[..n])? {
                        return Ok(true);
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(io_failed(e)),
            }
        }
    }
}

fn closed() -> Error {
    log::warn!("culex: the SOCKS5 proxy closed the connection during the handshake");
    Error::Proxy
}

fn io_failed(e: std::io::Error) -> Error {
    log::warn!("culex: SOCKS5 handshake with the proxy failed: {e}");
    Error::from(e)
}

/// The CONNECT request for `host`:`port`.
fn connect_request(host: &str, port: u16) -> Result<Vec<u8>, Error> {
    let mut request = vec![VERSION, CMD_CONNECT, 0x00];
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => {
            request.push(ATYP_IPV4);
            request.extend_from_slice(&ip.octets());
        }
        Ok(IpAddr::V6(ip)) => {
            request.push(ATYP_IPV6);
            request.extend_from_slice(&ip.octets());
        }
        Err(_) => {
            if host.is_empty() || host.len() > 255 {
                log::warn!("culex: a SOCKS5 request takes a host name of 1 to 255 bytes");
                return Err(Error::Inval);
            }
            request.push(ATYP_DOMAIN);
            request.push(host.len() as u8);
            request.extend_from_slice(host.as_bytes());
        }
    }
    request.extend_from_slice(&port.to_be_bytes());
    Ok(request)
}

/// RFC 1928's meaning of a reply code.
fn reply_text(code: u8) -> &'static str {
    match code {
        1 => "general SOCKS server failure",
        2 => "connection not allowed by ruleset",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "unassigned reply code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(credentials: Option<(&str, &str)>) -> ProxyConfig {
        ProxyConfig {
            host: "proxy".into(),
            port: 1080,
            credentials: credentials.map(|(u, p)| (u.into(), p.into())),
            kind: crate::net::proxy::ProxyKind::Socks5,
        }
    }

    fn sent(h: &mut Handshake) -> Vec<u8> {
        let bytes = h.output().to_vec();
        h.wrote(bytes.len());
        bytes
    }

    #[test]
    fn no_auth_domain_request() {
        let mut h = Handshake::new(&config(None), "broker.example", 1883).unwrap();
        assert_eq!(sent(&mut h), [5, 1, 0]);
        assert_eq!(h.wanted(), 2);
        assert!(!h.feed(&[5, 0]).unwrap());
        let mut expect = vec![5, 1, 0, 3, 14];
        expect.extend_from_slice(b"broker.example");
        expect.extend_from_slice(&[0x07, 0x5b]);
        assert_eq!(sent(&mut h), expect);
        assert_eq!(h.wanted(), 5);
        assert!(!h.feed(&[5, 0, 0, 3, 4]).unwrap());
        assert_eq!(h.wanted(), 6);
        assert!(!h.feed(b"abcd").unwrap());
        assert!(h.feed(&[0, 1]).unwrap());
        assert!(h.is_done());
        assert_eq!(h.wanted(), 0);
    }

    #[test]
    fn userpass_and_ip_requests() {
        let mut h = Handshake::new(&config(Some(("u", "pw"))), "10.1.2.3", 8883).unwrap();
        assert_eq!(sent(&mut h), [5, 2, 0, 2]);
        h.feed(&[5, 2]).unwrap();
        assert_eq!(sent(&mut h), [1, 1, b'u', 2, b'p', b'w']);
        h.feed(&[1, 0]).unwrap();
        assert_eq!(sent(&mut h), [5, 1, 0, 1, 10, 1, 2, 3, 0x22, 0xb3]);
        h.feed(&[5, 0, 0, 1, 0]).unwrap();
        assert_eq!(h.wanted(), 5);
        assert!(h.feed(&[0, 0, 0, 0, 0]).unwrap());

        let mut h = Handshake::new(&config(None), "[::1]", 1).unwrap();
        sent(&mut h);
        h.feed(&[5, 0]).unwrap();
        let request = sent(&mut h);
        assert_eq!(&request[..4], [5, 1, 0, 4]);
        assert_eq!(request.len(), 4 + 16 + 2);
    }

    #[test]
    fn refusals_are_proxy_errors() {
        let mut h = Handshake::new(&config(Some(("u", "bad"))), "b", 1).unwrap();
        sent(&mut h);
        h.feed(&[5, 2]).unwrap();
        sent(&mut h);
        assert_eq!(h.feed(&[1, 1]), Err(Error::Proxy));

        let mut h = Handshake::new(&config(None), "b", 1).unwrap();
        sent(&mut h);
        assert_eq!(h.feed(&[5, 0xFF]), Err(Error::Proxy));

        let mut h = Handshake::new(&config(None), "b", 1).unwrap();
        sent(&mut h);
        assert_eq!(h.feed(&[5, 2]), Err(Error::Proxy), "method not offered");

        let mut h = Handshake::new(&config(None), "b", 1).unwrap();
        sent(&mut h);
        assert_eq!(h.feed(&[4, 0]), Err(Error::Proxy), "not SOCKS5");

        for code in 1..=9u8 {
            let mut h = Handshake::new(&config(None), "b", 1).unwrap();
            sent(&mut h);
            h.feed(&[5, 0]).unwrap();
            sent(&mut h);
            assert_eq!(h.feed(&[5, code]), Err(Error::Proxy), "reply {code}");
        }

        let mut h = Handshake::new(&config(None), "b", 1).unwrap();
        sent(&mut h);
        h.feed(&[5, 0]).unwrap();
        sent(&mut h);
        assert_eq!(h.feed(&[5, 0, 0, 9, 0]), Err(Error::Proxy), "address type");
    }

    #[test]
    fn bad_arguments() {
        let long = "x".repeat(256);
        assert!(Handshake::new(&config(None), &long, 1).is_err());
        assert!(Handshake::new(&config(Some(("", "p"))), "b", 1).is_err());
        assert!(Handshake::new(&config(Some(("u", &long))), "b", 1).is_err());
    }
}
