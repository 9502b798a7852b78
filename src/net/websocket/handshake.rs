//! The opening handshake of a WebSocket client (RFC 6455 §4.1) for MQTT: one HTTP/1.1 upgrade
//! request, and the check of the server's answer. Everything the RFC tells a client to fail on
//! is refused with the reason: a status other than 101, no `Upgrade: websocket` or
//! `Connection: Upgrade`, a `Sec-WebSocket-Accept` that does not answer our key, a subprotocol
//! other than `mqtt` (MQTT requires the server to select it), an extension we did not offer.

use super::WsOptions;
use crate::error::Error;
use crate::net::http::{Failure, HeadReader, Response};
use crate::net::socket::{ByteIo, Io};

/// The GUID every `Sec-WebSocket-Accept` is computed with (RFC 6455 §1.3).
const ACCEPT_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The subprotocol of MQTT over WebSockets.
pub const SUBPROTOCOL: &str = "mqtt";

/// One upgrade handshake for one connection.
#[derive(Debug)]
pub struct Handshake {
    request: Vec<u8>,
    sent: usize,
    /// The `Sec-WebSocket-Accept` value that answers our key.
    accept: String,
    head: HeadReader,
    /// The server's name, for log lines.
    peer: String,
    /// Accept any subprotocol the server selects, or none (paho-mqtt's rule, which does not
    /// look at it; RFC 6455 and MQTT want `mqtt`): set by `SessionConfig::paho_wire`.
    pub any_subprotocol: bool,
}

/// The `Sec-WebSocket-Accept` value for `key`.
pub fn accept_for(key: &str) -> String {
    let digest = openssl::sha::sha1(format!("{key}{ACCEPT_GUID}").as_bytes());
    openssl::base64::encode_block(&digest)
}

impl Handshake {
    /// The handshake with the server `host`:`port` (`secure`: over TLS, whose default port is
    /// 443 rather than 80), asking for `options.path`. The request is ready to send.
    pub fn new(
        options: &WsOptions,
        host: &str,
        port: u16,
        secure: bool,
    ) -> Result<Handshake, Error> {
        let mut nonce = [0u8; 16];
        openssl::rand::rand_bytes(&mut nonce).map_err(|e| {
            log::warn!("culex: no random WebSocket key: {e}");
            Error::Unknown
        })?;
        let key = openssl::base64::encode_block(&nonce);
        let default_port = if secure { 443 } else { 80 };
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let host_field = match (port == default_port, bare.contains(':')) {
            (true, true) => format!("[{bare}]"),
            (true, false) => bare.to_owned(),
            (false, _) => crate::net::http::authority(bare, port),
        };
        let host_field = options
            .headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("Host"))
            .map_or(host_field, |(_, value)| value.clone());
        let mut request = format!(
            "GET {} HTTP/1.1\r\nHost: {host_field}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Protocol: {SUBPROTOCOL}\r\n",
            options.path
        );
        for (name, value) in &options.headers {
            if !name.eq_ignore_ascii_case("Host") {
                request.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        request.push_str("\r\n");
        Ok(Handshake {
            request: request.into_bytes(),
            sent: 0,
            accept: accept_for(&key),
            head: HeadReader::new(),
            peer: crate::net::http::authority(bare, port),
            any_subprotocol: false,
        })
    }

    /// Whether the request is still being sent.
    pub fn wants_write(&self) -> bool {
        self.sent < self.request.len()
    }

    /// The request (for tests).
    pub fn request(&self) -> &[u8] {
        &self.request
    }

    /// Move the handshake on: send the request, read the answer's head, until it would block.
    /// Returns whether the connection is upgraded; a refusal is [`Error::Protocol`] with a log
    /// line saying why. Never reads past the answer's head.
    pub fn advance(&mut self, io: &mut dyn ByteIo) -> Result<bool, Error> {
        while self.wants_write() {
            match io.write_io(&self.request[self.sent..])? {
                Io::Done(n) => self.sent += n,
                Io::WouldBlock => return Ok(false),
                Io::Eof => return Err(self.refused("closed the connection")),
            }
        }
        match self.head.advance(io) {
            Ok(false) => return Ok(false),
            Ok(true) => {}
            Err(Failure::Io(e)) => {
                log::warn!("culex: WebSocket handshake with {} failed: {e}", self.peer);
                return Err(e);
            }
            Err(Failure::Closed) => return Err(self.refused("closed the connection")),
            Err(Failure::TooLarge) => {
                return Err(self.refused(&format!(
                    "answered with a head over {} bytes",
                    crate::net::http::MAX_HEAD
                )))
            }
        }
        let response = self
            .head
            .response()
            .map_err(|why| self.refused(&format!("answered with {why}")))?;
        self.check(&response).map_err(|why| self.refused(&why))?;
        log::debug!("culex: WebSocket to {} open (subprotocol mqtt)", self.peer);
        Ok(true)
    }

    /// Why the answer does not upgrade the connection (RFC 6455 §4.1, MQTT §6).
    fn check(&self, response: &Response) -> Result<(), String> {
        if response.code != 101 {
            return Err(format!(
                "answered {} instead of 101 Switching Protocols",
                response.status()
            ));
        }
        let has = |field: &str, token: &str| {
            response
                .tokens(field)
                .iter()
                .any(|t| t.eq_ignore_ascii_case(token))
        };
        if !has("Upgrade", "websocket") {
            return Err("answered 101 without Upgrade: websocket".into());
        }
        if !has("Connection", "upgrade") {
            return Err("answered 101 without Connection: Upgrade".into());
        }
        match response.field("Sec-WebSocket-Accept") {
            None => return Err("sent no Sec-WebSocket-Accept".into()),
            Some(value) if value.trim_ascii() != self.accept.as_bytes() => {
                return Err(format!(
                    "sent Sec-WebSocket-Accept {:?}, which does not answer our key",
                    String::from_utf8_lossy(value)
                ))
            }
            Some(_) => {}
        }
        let protocols = response.tokens("Sec-WebSocket-Protocol");
        match protocols.as_slice() {
            _ if self.any_subprotocol => {}
            [one] if one == SUBPROTOCOL => {}
            [] => return Err("selected no subprotocol (MQTT needs \"mqtt\")".into()),
            other => {
                return Err(format!(
                    "selected the subprotocol {:?}, not \"mqtt\"",
                    other.join(", ")
                ))
            }
        }
        if let Some(ext) = response.field("Sec-WebSocket-Extensions") {
            return Err(format!(
                "agreed to extensions we did not offer: {}",
                String::from_utf8_lossy(ext)
            ));
        }
        Ok(())
    }

    fn refused(&self, why: &str) -> Error {
        log::warn!("culex: WebSocket handshake refused: {} {why}", self.peer);
        Error::Protocol
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::net::socket::ScriptedPeer as Server;

    fn key_of(request: &[u8]) -> String {
        let text = String::from_utf8_lossy(request);
        let line = text
            .lines()
            .find(|l| l.starts_with("Sec-WebSocket-Key: "))
            .unwrap();
        line["Sec-WebSocket-Key: ".len()..].to_owned()
    }

    fn answer(accept: &str, extra: &str) -> String {
        format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {accept}\r\n{extra}\r\n"
        )
    }

    fn run(reply: impl Fn(&str) -> String) -> (Result<bool, Error>, Server) {
        let options = WsOptions {
            path: "/mqtt?x=1".into(),
            headers: vec![("Authorization".into(), "Bearer t".into())],
        };
        let mut h = Handshake::new(&options, "broker", 8080, false).unwrap();
        let key = key_of(h.request());
        let mut server = Server {
            got: Vec::new(),
            reply: reply(&accept_for(&key)).into_bytes(),
        };
        (h.advance(&mut server), server)
    }

    #[test]
    fn rfc_example_key() {
        assert_eq!(
            accept_for("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn request_and_a_good_answer() {
        let (r, server) = run(|a| answer(a, "Sec-WebSocket-Protocol: mqtt\r\n"));
        assert_eq!(r, Ok(true));
        let text = String::from_utf8(server.got).unwrap();
        assert!(
            text.starts_with("GET /mqtt?x=1 HTTP/1.1\r\nHost: broker:8080\r\n"),
            "{text}"
        );
        for line in [
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Version: 13",
            "Sec-WebSocket-Protocol: mqtt",
            "Authorization: Bearer t",
        ] {
            assert!(text.contains(&format!("{line}\r\n")), "{line} in {text}");
        }
        assert!(text.ends_with("\r\n\r\n"));
        let h = Handshake::new(&WsOptions::default(), "::1", 443, true).unwrap();
        assert!(String::from_utf8_lossy(h.request()).contains("Host: [::1]\r\n"));
    }

    #[test]
    fn every_bad_answer_is_refused() {
        type Reply = Box<dyn Fn(&str) -> String>;
        let bad: Vec<Reply> = vec![
            Box::new(|_| "HTTP/1.1 404 Not Found\r\n\r\n".into()),
            Box::new(|_| {
                answer(
                    "AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                    "Sec-WebSocket-Protocol: mqtt\r\n",
                )
            }),
            Box::new(|a| answer(a, "")),
            Box::new(|a| answer(a, "Sec-WebSocket-Protocol: mqttv3.1\r\n")),
            Box::new(|a| answer(a, "Sec-WebSocket-Protocol: mqtt, chat\r\n")),
            Box::new(|a| {
                answer(a, "Sec-WebSocket-Protocol: mqtt\r\nSec-WebSocket-Extensions: permessage-deflate\r\n")
            }),
            Box::new(|a| {
                format!("HTTP/1.1 101 OK\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {a}\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n")
            }),
            Box::new(|_| "not http at all\r\n\r\n".into()),
        ];
        for (i, reply) in bad.iter().enumerate() {
            assert_eq!(run(reply).0, Err(Error::Protocol), "case {i}");
        }
    }
}
