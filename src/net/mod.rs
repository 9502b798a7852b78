//! Transports used by the driver: sockets (TCP over IPv4 and IPv6 with an optional bind address,
//! and Unix-domain sockets), TLS over them (OpenSSL, with engines for keys held elsewhere),
//! proxy handshakes (SOCKS5 and HTTP CONNECT), WebSockets (RFC 6455: the upgrade and the
//! framing), name resolution (system resolver, and DNS SRV lookups with a small DNS client), and
//! a cross-thread wake-up descriptor.
//!
//! This floor owns sockets, system calls and OpenSSL; it knows nothing about MQTT, sessions or C
//! callers.

pub mod engine;
pub mod http;
pub mod http_connect;
pub mod proxy;
pub mod resolve;
pub mod socket;
pub mod socks5;
pub mod srv;
pub mod tcp;
pub mod tls;
pub mod unix;
pub mod wake;
pub mod websocket;
