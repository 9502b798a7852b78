//! `culex.h`: Culex's own extensions of the libmosquitto 2.0 API, all named `culex_*`. One file
//! per concern; the header is generated from this module tree alone (`cbindgen-culex.toml`).
//!
//! - Automatic MQTT 5 outgoing topic aliases (`culex_topic_alias_auto_set`, here).
//! - MQTT 5 enhanced authentication on the client side ([`auth`]).
//! - TLS from PEM text in memory and session resumption ([`tls`]).
//! - Culex's own error codes ([`errors`]).
//! - What Paho users rely on beyond libmosquitto: per-topic message callbacks ([`topics`]),
//!   manual acknowledgement ([`acks`]), a bounded outgoing queue with a time-to-live
//!   ([`queue`]), delivery tracking ([`delivery`]), the connection's life cycle and settings
//!   ([`lifecycle`]), one-shot publishing ([`oneshot`]), MQTT over WebSockets ([`websocket`]), an
//!   HTTP CONNECT proxy ([`proxy`]), a list of brokers with failover ([`servers`]),
//!   the durable session store ([`persist`]).
//! - What paho-mqtt's Python client needs of the C API: an asynchronous connect with MQTT 5
//!   properties and paho's CONNECT defaults ([`connect`]), subscriptions with per-filter options
//!   and UNSUBACK reason codes ([`subscribe`]); received messages in batches ([`batch`]).

use std::os::raw::c_int;

use crate::ffi::boundary::errors::MOSQ_ERR_UNKNOWN;
use crate::ffi::handle::mosquitto;

pub mod acks;
pub mod auth;
pub mod batch;
pub mod connect;
pub mod delivery;
pub mod errors;
pub mod lifecycle;
pub mod oneshot;
pub mod persist;
pub mod proxy;
pub mod queue;
pub mod servers;
pub mod subscribe;
pub mod tls;
pub mod topics;
pub mod websocket;

pub use acks::*;
pub use auth::*;
pub use batch::*;
pub use connect::*;
pub use delivery::*;
pub use errors::*;
pub use lifecycle::*;
pub use oneshot::*;
pub use persist::*;
pub use proxy::*;
pub use queue::*;
pub use servers::*;
pub use subscribe::*;
pub use tls::*;
pub use topics::*;
pub use websocket::*;

/// Turn automatic MQTT 5 outgoing topic aliases on or off (off by default, as libmosquitto).
///
/// When on, each PUBLISH topic gets an alias on first use, up to the Topic Alias Maximum the
/// broker announced in CONNACK; later messages to that topic are sent with an empty topic and the
/// alias, which saves bandwidth for long topics. Aliases start over on every connection. A message
/// whose properties already hold a Topic Alias is sent as given. Takes effect at the next
/// connection. Returns MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL for a NULL handle.
#[no_mangle]
pub unsafe extern "C" fn culex_topic_alias_auto_set(mosq: *mut mosquitto, enabled: bool) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                h.client.with_session(|s| s.set_auto_topic_alias(enabled));
                Ok(())
            })
        }
    })
}
