//! The WebSocket phase of a connection: after the link to the broker is up (the socket, through
//! the proxy if any, and TLS if configured) and before MQTT, the HTTP upgrade runs in whichever
//! loop drives the client ([`Conn::Upgrading`]), asking for writability only while the request
//! is going out. A refused upgrade ends the attempt with `MOSQ_ERR_PROTOCOL` (the reason is
//! logged by `net/websocket/handshake.rs`). Once upgraded, the session runs over
//! [`Stream`] with WebSocket framing.

use std::time::Instant;

use super::{Conn, Core, Link, Stream, Transport};
use crate::error::Error;
use crate::net::socket::Socket;
use crate::net::tls::TlsStream;
use crate::net::websocket::{Handshake, WebSocket, WsOptions};

/// A link being upgraded to a WebSocket.
#[derive(Debug)]
pub(crate) struct Upgrade {
    link: Link,
    handshake: Handshake,
}

impl Upgrade {
    pub(crate) fn socket(&self) -> &Socket {
        self.link.socket()
    }

    /// The TLS connection under the upgrade, if any.
    pub(crate) fn link_tls(&self) -> Option<&TlsStream> {
        match &self.link {
            Link::Tls(s) => Some(s),
            Link::Plain(_) => None,
        }
    }

    /// Whether the request (or TLS under it) waits for writability.
    pub(crate) fn wants_write(&self) -> bool {
        self.handshake.wants_write() || self.link.wants_write()
    }

    fn advance(&mut self) -> Result<bool, Error> {
        let io: &mut dyn crate::net::socket::ByteIo = match &mut self.link {
            Link::Plain(s) => s,
            Link::Tls(s) => s.as_mut(),
        };
        self.handshake.advance(io)
    }
}

impl Core {
    /// Whether the current target travels over WebSockets.
    pub(crate) fn uses_websockets(&self) -> bool {
        match self.target.as_deref().map(|t| t.transport) {
            Some(Transport::WebSockets) => true,
            Some(Transport::Default) => self.routing.as_ref().is_some_and(|r| r.websockets),
            _ => false,
        }
    }

    /// The link to the broker is up: upgrade it to a WebSocket when the target travels over
    /// WebSockets, else start MQTT on it.
    pub(crate) fn link_up(&mut self, link: Link, now: Instant) -> Result<(), Error> {
        if !self.uses_websockets() {
            return self.established(Stream::new(link, None), now);
        }
        let Some(target) = self.target.as_deref() else {
            self.abandon_attempt();
            return Err(Error::Inval);
        };
        let default = WsOptions::default();
        let options = self
            .routing
            .as_ref()
            .and_then(|r| r.ws_options.as_ref())
            .unwrap_or(&default);
        let secure = matches!(link, Link::Tls(_));
        let handshake = match Handshake::new(options, &target.host, target.port, secure) {
            Ok(mut h) => {
                h.any_subprotocol = self.session.config().paho_wire;
                h
            }
            Err(e) => {
                self.abandon_attempt();
                return Err(e);
            }
        };
        log::debug!(
            "culex: upgrading to a WebSocket: {} {}",
            if secure { "wss" } else { "ws" },
            options.path
        );
        self.conn = Conn::Upgrading {
            upgrade: Box::new(Upgrade { link, handshake }),
            since: now,
        };
        self.upgrade_progress(now)
    }

    /// Advance the upgrade; once the server agreed, start MQTT over WebSocket frames.
    pub(crate) fn upgrade_progress(&mut self, now: Instant) -> Result<(), Error> {
        let Conn::Upgrading { upgrade, .. } = &mut self.conn else {
            return Ok(());
        };
        match upgrade.advance() {
            Ok(false) => Ok(()),
            Ok(true) => {
                let Conn::Upgrading { upgrade, .. } = std::mem::replace(&mut self.conn, Conn::Idle)
                else {
                    unreachable!("checked above");
                };
                let stream = Stream::new(upgrade.link, Some(Box::new(WebSocket::new())));
                self.established(stream, now)
            }
            Err(e) => {
                self.attempt_failed(&e);
                Err(e)
            }
        }
    }
}
