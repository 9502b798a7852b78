//! MQTT over WebSockets (RFC 6455, subprotocol `mqtt`, MQTT 3.1.1 §6 / MQTT 5 §6), written for
//! the driver's non-blocking, poll-driven streams:
//!
//! - [`handshake`]: the HTTP/1.1 upgrade request (path, `Host`, a random `Sec-WebSocket-Key`,
//!   subprotocol `mqtt`, the application's extra header fields) and the check of the answer
//!   (status 101, `Upgrade`/`Connection`, `Sec-WebSocket-Accept` for our key, subprotocol `mqtt`,
//!   no extension);
//! - [`frame`]: the framing codec, sans-IO. Incoming frames are decoded in place, streaming:
//!   their payload is handed on as it arrives, so a frame of any length costs no memory (its
//!   header, at most 14 bytes, and a control frame's payload, at most 125, are all that is
//!   kept); every frame a server must not send (masked, reserved bits or opcodes, text, a
//!   length of 2^63 or more, a control frame over 125 bytes or fragmented, a continuation
//!   without a message) is refused with the reason. Outgoing frames are binary, masked with a
//!   fresh random key each;
//! - [`WebSocket`] (`stream.rs`): the framing over a byte stream (the socket, or TLS over it):
//!   MQTT bytes in and out, pings answered, the close handshake, bounded output.
//!
//! Why not `tungstenite`: it owns the stream it runs over and hands out whole messages (buffered
//! up to its message size limit, 64 MiB by default, per connection), it has no way to ask
//! whether output is pending (what `mosquitto_want_write()` needs), and it would bring `http`,
//! `bytes`, `rand`, `sha1` and `thiserror` for what OpenSSL (already linked: SHA-1, base64,
//! random) and a few hundred lines give. `httparse` parses the upgrade's answer (`http.rs`).
//!
//! Knows nothing about MQTT packets, sessions or the driver's states.

pub mod frame;
pub mod handshake;
mod stream;

pub use handshake::Handshake;
pub use stream::WebSocket;

/// The WebSocket settings of a client (`culex_ws_set_options`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsOptions {
    /// The request path (with a query, if any); starts with `/`.
    pub path: String,
    /// Extra header fields of the upgrade request, in order. A `Host` field replaces ours.
    pub headers: Vec<(String, String)>,
}

impl Default for WsOptions {
    fn default() -> WsOptions {
        WsOptions {
            path: "/mqtt".to_owned(),
            headers: Vec::new(),
        }
    }
}

/// Header fields the handshake sets itself, which the application may not give.
pub const RESERVED_FIELDS: [&str; 6] = [
    "Upgrade",
    "Connection",
    "Sec-WebSocket-Key",
    "Sec-WebSocket-Version",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
];

/// Why a request path or header field is refused (`None`: acceptable).
pub fn check_path(path: &str) -> Option<&'static str> {
    if !path.starts_with('/') {
        return Some("a WebSocket path starts with '/'");
    }
    if path.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Some("a WebSocket path holds no space or control character");
    }
    None
}

/// Why an extra header field `name: value` is refused (`None`: acceptable).
pub fn check_field(name: &str, value: &str) -> Option<&'static str> {
    // RFC 9110 §5.1: a field name is a token.
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(token) {
        return Some("a header field name is a non-empty token (letters, digits, !#$%&'*+-.^_`|~)");
    }
    if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        return Some("a header field value holds no CR, LF or NUL");
    }
    if RESERVED_FIELDS.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        return Some("the WebSocket handshake sets this header field itself");
    }
    None
}
