//! The proxy every connection of a client goes through, if any: where it is, how to log in, and
//! which protocol it speaks (SOCKS5, `socks5.rs`; HTTP CONNECT, `http_connect.rs`), with one
//! [`Handshake`] type over both for the driver.
//!
//! A handshake runs over the socket to the proxy before any TLS or MQTT byte; when it is done the
//! socket carries the broker's bytes. Every refusal is [`Error::Proxy`] with a log line saying
//! why. Knows nothing about the driver's states, TLS or MQTT.

use super::socket::Socket;
use super::{http_connect, socks5};
use crate::error::Error;

/// The protocol the proxy speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyKind {
    /// SOCKS5 (RFC 1928), username/password per RFC 1929 (`mosquitto_socks5_set`).
    Socks5,
    /// HTTP CONNECT (RFC 9110 §9.3.6), Basic authentication (`culex_http_proxy_set`).
    Http,
}

/// Where the proxy is and how to log in to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyConfig {
    pub host: String,
    pub port: u16,
    /// Username and password; `None`: no authentication. SOCKS5 limits each to 255 bytes (the
    /// username at least 1); HTTP's username has no colon.
    pub credentials: Option<(Vec<u8>, Vec<u8>)>,
    pub kind: ProxyKind,
}

/// One proxy handshake for one connection.
#[derive(Debug)]
pub enum Handshake {
    Socks5(socks5::Handshake),
    Http(http_connect::Handshake),
}

impl Handshake {
    /// A handshake that asks the proxy of `config` for a tunnel to `host`:`port`.
    pub fn new(config: &ProxyConfig, host: &str, port: u16) -> Result<Handshake, Error> {
        Ok(match config.kind {
            ProxyKind::Socks5 => Handshake::Socks5(socks5::Handshake::new(config, host, port)?),
            ProxyKind::Http => Handshake::Http(http_connect::Handshake::new(config, host, port)?),
        })
    }

    /// Move the handshake on over the non-blocking `socket`; returns whether the tunnel is open.
    pub fn advance(&mut self, socket: &mut Socket) -> Result<bool, Error> {
        match self {
            Handshake::Socks5(h) => h.advance(socket),
            Handshake::Http(h) => h.advance(socket),
        }
    }

    /// Whether there are bytes to send (poll for writability only then).
    pub fn wants_write(&self) -> bool {
        match self {
            Handshake::Socks5(h) => h.wants_write(),
            Handshake::Http(h) => h.wants_write(),
        }
    }

    /// The protocol's name, for log lines.
    pub fn name(&self) -> &'static str {
        match self {
            Handshake::Socks5(_) => "SOCKS5",
            Handshake::Http(_) => "HTTP CONNECT",
        }
    }
}
