//! Transports used by the driver: TCP over IPv4 and IPv6 with an optional bind address, TLS over
//! it (OpenSSL, with engines for keys held elsewhere), name resolution, and a cross-thread
//! wake-up descriptor.
//!
//! This floor owns sockets, system calls and OpenSSL; it knows nothing about MQTT, sessions or C
//! callers.

pub mod engine;
pub mod resolve;
pub mod tcp;
pub mod tls;
pub mod wake;
