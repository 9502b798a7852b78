//! Transports used by the driver: TCP over IPv4 and IPv6 with an optional bind address, TLS over
//! it (OpenSSL, with engines for keys held elsewhere), a SOCKS5 proxy handshake, name resolution
//! (system resolver, and DNS SRV lookups with a small DNS client), and a cross-thread wake-up
//! descriptor.
//!
//! This floor owns sockets, system calls and OpenSSL; it knows nothing about MQTT, sessions or C
//! callers.

pub mod engine;
pub mod resolve;
pub mod socks5;
pub mod srv;
pub mod tcp;
pub mod tls;
pub mod wake;
