//! Culex: an MQTT client library with a libmosquitto 2.0 compatible C API.
//!
//! The crate is built in floors, and data flows one way; `docs/design-notes.md` says where and why
//! it departs from the shared design guide, and each module's docs say what it owns:
//!
//! - [`protocol`]: the pure MQTT 3.1/3.1.1/5 codec (packets, properties, reason codes, topics,
//!   UTF-8 rules), one table per specification enum;
//! - [`session`]: the sans-IO client state machine (bytes, time and commands in; bytes, events
//!   and the next deadline out), with its contract for whoever drives it;
//! - [`net`]: the transports the driver uses: TCP (IPv4/IPv6, bind address), TLS over OpenSSL,
//!   SOCKS5 proxies, name resolution with DNS SRV lookups, and the eventfd wake-up;
//! - [`driver`]: owns a socket and a session and runs the loops, reconnects and cross-thread
//!   wake-ups;
//! - [`ffi`]: the only `extern "C"` code: the libmosquitto 2.0 ABI (`mosquitto.h`,
//!   `mqtt_protocol.h`) and Culex's `culex.h`, grouped by feature.
//!
//! A lower floor never imports a higher one; `protocol`, `session` and `driver` forbid unsafe
//! code, and the lint rules for the rest are in `Cargo.toml`.

pub mod driver;
pub mod error;
pub mod ffi;
pub mod net;
pub mod persist;
pub mod protocol;
pub mod session;

pub use error::Error;
