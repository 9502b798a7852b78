//! Transports used by the driver. Today: TCP over IPv4 and IPv6 with an optional bind address,
//! name resolution, and a cross-thread wake-up descriptor.
//!
//! This floor owns sockets and system calls; it knows nothing about MQTT, sessions or C callers.

pub mod resolve;
pub mod tcp;
pub mod wake;
