//! The client side of an HTTP CONNECT tunnel (RFC 9110 §9.3.6) with Basic authentication
//! (RFC 7617), as a small state machine over a non-blocking socket.
//!
//! The handshake is one request (`CONNECT broker:port HTTP/1.1`, `Host`, and
//! `Proxy-Authorization: Basic ...` when credentials are set) and one response head; any 2xx
//! opens the tunnel, after which the socket carries the broker's bytes (TLS, WebSocket or MQTT).
//! The response head is read exactly (`http.rs`), so no byte that belongs to the broker is
//! swallowed here. Every refusal (407 and any other status, a malformed or oversize response, a
//! proxy closing) becomes [`Error::Proxy`] with a log line saying why. Knows nothing about MQTT,
//! TLS or the driver's states.

use super::http::{authority, basic_credentials, Failure, HeadReader};
use super::proxy::ProxyConfig;
use super::socket::{ByteIo, Io};
use crate::error::Error;

/// One HTTP CONNECT handshake for one connection.
#[derive(Debug)]
pub struct Handshake {
    /// The request, and how much of it was sent.
    request: Vec<u8>,
    sent: usize,
    /// Whether credentials went with the request (to word a 407).
    authenticated: bool,
    head: HeadReader,
    done: bool,
}

impl Handshake {
    /// A handshake that asks the proxy for a tunnel to `host`:`port`. The request is ready.
    pub fn new(config: &ProxyConfig, host: &str, port: u16) -> Result<Handshake, Error> {
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if bare.is_empty()
            || bare
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            log::warn!("culex: HTTP CONNECT: {host:?} cannot be sent as a host name");
            return Err(Error::Inval);
        }
        let target = authority(bare, port);
        let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n").into_bytes();
        if let Some((user, pass)) = &config.credentials {
            if user.contains(&b':') {
                log::warn!("culex: an HTTP proxy username cannot hold a colon (RFC 7617)");
                return Err(Error::Inval);
            }
            request.extend_from_slice(b"Proxy-Authorization: ");
            request.extend_from_slice(basic_credentials(user, pass).as_bytes());
            request.extend_from_slice(b"\r\n");
        }
        request.extend_from_slice(b"\r\n");
        Ok(Handshake {
            request,
            sent: 0,
            authenticated: config.credentials.is_some(),
            head: HeadReader::new(),
            done: false,
        })
    }

    /// Whether the request is still being sent.
    pub fn wants_write(&self) -> bool {
        self.sent < self.request.len()
    }

    /// The request still to send (for tests).
    pub fn output(&self) -> &[u8] {
        &self.request[self.sent..]
    }

    /// Move the handshake on: send the request, read the response head, until it would block.
    /// Returns whether the tunnel is open.
    pub fn advance(&mut self, io: &mut dyn ByteIo) -> Result<bool, Error> {
        while self.wants_write() {
            match io.write_io(&self.request[self.sent..]) {
                Ok(Io::Done(n)) => self.sent += n,
                Ok(Io::WouldBlock) => return Ok(false),
                Ok(Io::Eof) => return Err(refused("closed the connection")),
                Err(e) => return Err(failed(e)),
            }
        }
        if self.done {
            return Ok(true);
        }
        match self.head.advance(io) {
            Ok(false) => return Ok(false),
            Ok(true) => {}
            Err(Failure::Io(e)) => return Err(failed(e)),
            Err(Failure::Closed) => return Err(refused("closed the connection")),
            Err(Failure::TooLarge) => {
                return Err(refused(&format!(
                    "sent a response head over {} bytes",
                    super::http::MAX_HEAD
                )))
            }
        }
        let response = self
            .head
            .response()
            .map_err(|why| refused(&format!("sent {why}")))?;
        match response.code {
            200..=299 => {
                self.done = true;
                Ok(true)
            }
            407 if self.authenticated => Err(refused(&format!(
                "refused the username/password ({})",
                response.status()
            ))),
            407 => Err(refused(&format!(
                "requires authentication ({}): set a username and password",
                response.status()
            ))),
            _ => Err(refused(&format!(
                "could not open a tunnel to the broker: {}",
                response.status()
            ))),
        }
    }
}

fn refused(why: &str) -> Error {
    log::warn!("culex: the HTTP proxy {why}");
    Error::Proxy
}

fn failed(e: Error) -> Error {
    log::warn!("culex: HTTP CONNECT handshake with the proxy failed: {e}");
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::proxy::ProxyKind;

    fn config(credentials: Option<(&str, &str)>) -> ProxyConfig {
        ProxyConfig {
            host: "proxy".into(),
            port: 3128,
            credentials: credentials.map(|(u, p)| (u.into(), p.into())),
            kind: ProxyKind::Http,
        }
    }

    use crate::net::socket::ScriptedPeer as Peer;

    fn run(
        credentials: Option<(&str, &str)>,
        host: &str,
        reply: &str,
    ) -> (Result<bool, Error>, Peer) {
        let mut h = Handshake::new(&config(credentials), host, 1883).unwrap();
        let mut peer = Peer {
            got: Vec::new(),
            reply: reply.as_bytes().to_vec(),
        };
        (h.advance(&mut peer), peer)
    }

    #[test]
    fn request_with_and_without_credentials() {
        let (r, peer) = run(None, "broker", "HTTP/1.1 200 OK\r\n\r\n");
        assert_eq!(r, Ok(true));
        assert_eq!(
            peer.got,
            b"CONNECT broker:1883 HTTP/1.1\r\nHost: broker:1883\r\n\r\n"
        );
        let (r, peer) = run(
            Some(("u", "p")),
            "::1",
            "HTTP/1.0 200 Connection established\r\n\r\nX",
        );
        assert_eq!(r, Ok(true));
        assert_eq!(
            String::from_utf8(peer.got).unwrap(),
            "CONNECT [::1]:1883 HTTP/1.1\r\nHost: [::1]:1883\r\nProxy-Authorization: Basic dTpw\r\n\r\n"
        );
        assert_eq!(
            peer.reply, b"X",
            "the byte after the head stays for the broker"
        );
    }

    #[test]
    fn waits_for_the_rest_of_the_head() {
        let mut h = Handshake::new(&config(None), "b", 1).unwrap();
        let mut peer = Peer {
            got: Vec::new(),
            reply: b"HTTP/1.1 200 OK\r\n".to_vec(),
        };
        assert_eq!(h.advance(&mut peer), Ok(false));
        peer.reply.extend_from_slice(b"\r\n");
        assert_eq!(h.advance(&mut peer), Ok(true));
    }

    #[test]
    fn refusals_are_proxy_errors() {
        for reply in [
            "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n",
            "HTTP/1.1 403 Forbidden\r\n\r\n",
            "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n",
            "SSH-2.0-OpenSSH\r\n\r\n",
        ] {
            assert_eq!(run(None, "b", reply).0, Err(Error::Proxy), "{reply:?}");
        }
        assert!(Handshake::new(&config(Some(("a:b", "p"))), "b", 1).is_err());
        assert!(Handshake::new(&config(None), "bad host", 1).is_err());
        assert!(Handshake::new(&config(None), "", 1).is_err());
    }
}
