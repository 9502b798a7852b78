//! Culex: an MQTT client library with a libmosquitto 2.0 compatible C API.
//!
//! The crate is built in floors, and data flows one way (see `DESIGN.md`):
//!
//! - [`protocol`]: the pure MQTT codec (packets, properties, topics, UTF-8 rules);
//! - [`session`]: the sans-IO client state machine (bytes and time in, bytes and events out);
//! - [`net`]: transports (TCP today) used by the driver;
//! - [`driver`]: owns a socket and a session and runs the loops, reconnects and cross-thread wake-ups;
//! - `ffi`: the only `extern "C"` code, the libmosquitto ABI.
//!
//! A lower floor never imports a higher one.

pub mod driver;
pub mod error;
pub mod ffi;
pub mod net;
pub mod protocol;
pub mod session;

pub use error::Error;
