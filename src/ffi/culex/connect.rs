//! Connecting as paho-mqtt's Python client does: asynchronously with MQTT 5 CONNECT properties
//! (libmosquitto has an asynchronous connect and a connect with properties, not both), the
//! client id and clean start after `mosquitto_new`, and paho-mqtt's wire rules.

use std::os::raw::{c_char, c_int};

use crate::ffi::boundary::args::c_str;
use crate::ffi::boundary::errors::*;
use crate::ffi::handle::mosquitto;
use crate::ffi::property::mosquitto_property;

/// `mosquitto_connect_bind_async` with MQTT 5 CONNECT properties, kept for reconnects as
/// `mosquitto_connect_bind_v5` keeps them: start connecting without waiting; a loop finishes the
/// job. `bind_address` may be NULL (any); the property list stays the caller's.
///
/// Returns as `mosquitto_connect_bind_v5`: MOSQ_ERR_SUCCESS, MOSQ_ERR_INVAL (NULL handle or
/// host, a port or keepalive out of range, properties CONNECT may not carry),
/// MOSQ_ERR_DUPLICATE_PROPERTY, MOSQ_ERR_NOT_SUPPORTED (properties on an MQTT 3 client).
#[no_mangle]
pub unsafe extern "C" fn culex_connect_bind_async_v5(
    mosq: *mut mosquitto,
    host: *const c_char,
    port: c_int,
    keepalive: c_int,
    bind_address: *const c_char,
    properties: *const mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| crate::ffi::client::connect::connect(
                h,
                host,
                port,
                keepalive,
                bind_address,
                properties,
                false
            ))
        }
    })
}

/// Behave on the wire as paho-mqtt's Python client where it differs from libmosquitto (off by
/// default): an MQTT 5 CONNECT carries only the CONNECT properties given (libmosquitto adds the
/// Receive Maximum of `MOSQ_OPT_RECEIVE_MAXIMUM`; the broker then assumes 65535, and so does the
/// client's check of what arrives), a protocol error closes the connection without sending
/// DISCONNECT first, the connect functions accept a keepalive of 1 to 4 seconds, and a
/// WebSocket server's choice of subprotocol is not checked (RFC 6455 and MQTT want `mqtt`;
/// paho-mqtt does not look), and any bytes from the broker, also part of a packet, count as
/// the broker answering a PINGREQ. Takes
/// effect at the next connection. The `culex` Python package turns it on.
///
/// Returns MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL for a NULL handle.
#[no_mangle]
pub unsafe extern "C" fn culex_paho_wire_set(mosq: *mut mosquitto, on: bool) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                h.client.with_session(|s| s.config_mut().paho_wire = on);
                Ok(())
            })
        }
    })
}

/// Set the client identifier of the next CONNECT, after `mosquitto_new()`. Unlike
/// `mosquitto_new()`, an empty `id` is accepted: it asks the broker to assign one (MQTT 3.1.1
/// with a clean session, or MQTT 5), as paho-mqtt does for a client created without an id.
///
/// Returns MOSQ_ERR_SUCCESS; MOSQ_ERR_INVAL for a NULL handle or `id`; MOSQ_ERR_MALFORMED_UTF8
/// when `id` is not an MQTT string (UTF-8 without NUL, at most 65535 bytes).
#[no_mangle]
pub unsafe extern "C" fn culex_client_id_set(mosq: *mut mosquitto, id: *const c_char) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                // SAFETY: the caller's contract: `id` is NULL or a C string.
                let id = c_str(id, "id")?;
                h.client
                    .with_session(|s| s.config_mut().client_id = id.to_owned());
                Ok(())
            })
        }
    })
}

/// Set the clean session (MQTT 3.1.x) or clean start (MQTT 5) flag of the next CONNECT and of
/// the reconnects after it; `mosquitto_new()` sets it once for all. paho-mqtt's default for
/// MQTT 5 is clean start on the first connection only: set it, and clear it once connected.
///
/// Returns MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL for a NULL handle.
#[no_mangle]
pub unsafe extern "C" fn culex_clean_start_set(mosq: *mut mosquitto, clean_start: bool) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                h.client
                    .with_session(|s| s.config_mut().clean_start = clean_start);
                Ok(())
            })
        }
    })
}

/// The Remaining Length of the DISCONNECT an MQTT 5 broker sent on the current or last
/// connection: 0 when it carried no reason code, 1 when it carried no properties (what
/// `on_disconnect_v5` cannot tell: it gets reason 0 and no list either way); -1 when the broker
/// sent none, for MQTT 3, or for a NULL handle. Valid inside `on_disconnect` and until the next
/// connection starts.
#[no_mangle]
pub unsafe extern "C" fn culex_server_disconnect_length(mosq: *mut mosquitto) -> c_int {
    ffi_guard!(-1, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        match unsafe { mosq.as_ref() } {
            None => {
                log::warn!("culex_server_disconnect_length: mosq is NULL");
                -1
            }
            Some(h) => h
                .client
                .with_session(|s| s.server_disconnect_length())
                .map_or(-1, |n| n as c_int),
        }
    })
}
