//! The head of an HTTP/1.1 response (status line and header fields), as the two handshakes
//! that speak HTTP before MQTT get it: an HTTP CONNECT proxy's answer (`http_connect.rs`) and a
//! WebSocket server's `101 Switching Protocols` (`websocket/handshake.rs`).
//!
//! [`HeadReader`] reads the head from a non-blocking stream and never consumes a byte after its
//! end (the blank line): it peeks, then reads exactly up to the end, so whatever follows (the
//! broker's bytes through a proxy, the first WebSocket frame) stays in the stream for the next
//! layer. It holds at most [`MAX_HEAD`] bytes. The head is parsed with `httparse`.
//!
//! Knows nothing about proxies, WebSockets or MQTT.

use super::socket::{ByteIo, Io};
use crate::error::Error;

/// The longest response head accepted.
pub const MAX_HEAD: usize = 8 * 1024;

/// The most header fields a response head may have.
const MAX_FIELDS: usize = 64;

/// Why a head could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The stream failed.
    Io(Error),
    /// The peer closed the connection before the head was complete.
    Closed,
    /// The head is longer than [`MAX_HEAD`].
    TooLarge,
}

/// A response head being read.
#[derive(Debug, Default)]
pub struct HeadReader {
    head: Vec<u8>,
}

/// A parsed response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub code: u16,
    pub reason: String,
    /// Header fields in order, names as sent.
    pub fields: Vec<(String, Vec<u8>)>,
}

impl Response {
    /// The value of the first field called `name` (case-insensitive), if any.
    pub fn field(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// Every value of the fields called `name`, each split at commas and trimmed (the list
    /// form of RFC 9110 §5.6.1).
    pub fn tokens(&self, name: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| {
                String::from_utf8_lossy(v)
                    .split(',')
                    .map(|t| t.trim().to_owned())
                    .collect::<Vec<_>>()
            })
            .filter(|t| !t.is_empty())
            .collect()
    }

    /// The status line as a log text: `404 Not Found`.
    pub fn status(&self) -> String {
        format!("{} {}", self.code, self.reason)
    }
}

/// Where the head ends in `head` (the index just after the blank line), searching from `from`.
fn end_of_head(head: &[u8], from: usize) -> Option<usize> {
    let start = from.saturating_sub(3);
    head[start..]
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| start + at + 4)
}

impl HeadReader {
    pub fn new() -> HeadReader {
        HeadReader::default()
    }

    /// Read from `io` until the head is complete (`Ok(true)`) or the stream would block
    /// (`Ok(false)`). Never consumes a byte after the head.
    pub fn advance(&mut self, io: &mut dyn ByteIo) -> Result<bool, Failure> {
        let mut chunk = [0u8; 1024];
        loop {
            let room = MAX_HEAD - self.head.len();
            if room == 0 {
                return Err(Failure::TooLarge);
            }
            let want = room.min(chunk.len());
            let peeked = match io.peek_io(&mut chunk[..want]).map_err(Failure::Io)? {
                Io::WouldBlock => return Ok(false),
                Io::Eof => return Err(Failure::Closed),
                Io::Done(n) => n,
            };
            // Take the peeked bytes up to the end of the head, if it is among them.
            let had = self.head.len();
            self.head.extend_from_slice(&chunk[..peeked]);
            let end = end_of_head(&self.head, had);
            self.head.truncate(had);
            let take = end.map_or(peeked, |end| end - had);
            let got = match io.read_io(&mut chunk[..take]).map_err(Failure::Io)? {
                Io::WouldBlock => return Ok(false),
                Io::Eof => return Err(Failure::Closed),
                Io::Done(n) => n,
            };
            self.head.extend_from_slice(&chunk[..got]);
            if end.is_some() && got == take {
                return Ok(true);
            }
        }
    }

    /// The complete head, parsed; the reason it is malformed otherwise.
    pub fn response(&self) -> Result<Response, String> {
        let mut fields = [httparse::EMPTY_HEADER; MAX_FIELDS];
        let mut parsed = httparse::Response::new(&mut fields);
        match parsed.parse(&self.head) {
            Ok(httparse::Status::Complete(_)) => {}
            Ok(httparse::Status::Partial) => return Err("an incomplete HTTP response".into()),
            Err(e) => return Err(format!("a malformed HTTP response ({e})")),
        }
        Ok(Response {
            code: parsed.code.unwrap_or(0),
            reason: parsed.reason.unwrap_or("").to_owned(),
            fields: parsed
                .headers
                .iter()
                .map(|h| (h.name.to_owned(), h.value.to_vec()))
                .collect(),
        })
    }
}

/// `Basic` credentials for an `Authorization` or `Proxy-Authorization` field (RFC 7617).
pub fn basic_credentials(user: &[u8], pass: &[u8]) -> String {
    let mut pair = user.to_vec();
    pair.push(b':');
    pair.extend_from_slice(pass);
    format!("Basic {}", openssl::base64::encode_block(&pair))
}

/// `host:port` as a request target or `Host` value: IPv6 addresses in brackets.
pub fn authority(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream that hands out its bytes `step` at a time.
    struct Script {
        bytes: Vec<u8>,
        pos: usize,
        step: usize,
    }

    impl ByteIo for Script {
        fn read_io(&mut self, buf: &mut [u8]) -> Result<Io, Error> {
            let r = self.peek_io(buf)?;
            if let Io::Done(n) = r {
                self.pos += n;
            }
            Ok(r)
        }
        fn write_io(&mut self, buf: &[u8]) -> Result<Io, Error> {
            Ok(Io::Done(buf.len()))
        }
        fn peek_io(&mut self, buf: &mut [u8]) -> Result<Io, Error> {
            let left = &self.bytes[self.pos..];
            if left.is_empty() {
                return Ok(Io::Eof);
            }
            let n = left.len().min(buf.len()).min(self.step);
            buf[..n].copy_from_slice(&left[..n]);
            Ok(Io::Done(n))
        }
    }

    #[test]
    fn reads_exactly_the_head_in_any_split() {
        let text = b"HTTP/1.1 200 Connection established\r\nVia: x\r\n\r\nAFTER";
        for step in 1..text.len() {
            let mut io = Script {
                bytes: text.to_vec(),
                pos: 0,
                step,
            };
            let mut r = HeadReader::new();
            assert_eq!(r.advance(&mut io), Ok(true), "step {step}");
            assert_eq!(&io.bytes[io.pos..], b"AFTER", "step {step}");
            let resp = r.response().unwrap();
            assert_eq!(
                (resp.code, resp.reason.as_str()),
                (200, "Connection established")
            );
            assert_eq!(resp.field("via"), Some(&b"x"[..]));
        }
    }

    #[test]
    fn refuses_oversize_and_early_close() {
        let mut io = Script {
            bytes: vec![b'a'; MAX_HEAD + 10],
            pos: 0,
            step: 700,
        };
        assert_eq!(HeadReader::new().advance(&mut io), Err(Failure::TooLarge));
        let mut io = Script {
            bytes: b"HTTP/1.1 200 OK\r\n".to_vec(),
            pos: 0,
            step: 5,
        };
        assert_eq!(HeadReader::new().advance(&mut io), Err(Failure::Closed));
    }

    #[test]
    fn tokens_and_credentials() {
        let r = Response {
            code: 101,
            reason: String::new(),
            fields: vec![
                ("Connection".into(), b"keep-alive, Upgrade".to_vec()),
                ("connection".into(), b" x ".to_vec()),
            ],
        };
        assert_eq!(r.tokens("CONNECTION"), ["keep-alive", "Upgrade", "x"]);
        assert_eq!(
            basic_credentials(b"Aladdin", b"open sesame"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(authority("::1", 80), "[::1]:80");
        assert_eq!(authority("host", 80), "host:80");
    }
}
