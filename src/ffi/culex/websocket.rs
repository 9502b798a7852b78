//! MQTT over WebSockets (Paho's `transport="websockets"` and `ws_set_options`) and the
//! transport type that server list entries name.
//!
//! With `culex_transport_set(mosq, CULEX_TRANSPORT_WEBSOCKETS)` every connection of the client
//! (connect calls, reconnects) upgrades to a WebSocket (RFC 6455, subprotocol `mqtt`) after TCP,
//! the proxy and TLS, and MQTT travels in binary frames: `ws://` without TLS, `wss://` with
//! `mosquitto_tls_set()` & co., verified as any TLS connection is.

use std::os::raw::{c_char, c_int};

use crate::ffi::boundary::args::{opt_c_str, refuse};
use crate::ffi::boundary::errors::*;
use crate::ffi::handle::mosquitto;
use crate::net::websocket::{check_field, check_path, WsOptions};

/// How a connection reaches its broker (`culex_transport_set`, `struct culex_server`). TLS is
/// used over any of them when it is configured.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum culex_transport_t {
    /// MQTT over TCP (the default).
    CULEX_TRANSPORT_TCP = 0,
    /// MQTT over WebSockets (`ws://`, or `wss://` with TLS).
    CULEX_TRANSPORT_WEBSOCKETS = 1,
    /// MQTT over a Unix-domain socket; the host is the socket's path. In the connect functions,
    /// port 0 says this (libmosquitto's rule).
    CULEX_TRANSPORT_UNIX = 2,
}

impl culex_transport_t {
    /// The value of a C `int`, if it names a transport.
    pub(crate) fn from_c(value: c_int) -> Option<culex_transport_t> {
        use culex_transport_t::*;
        [
            CULEX_TRANSPORT_TCP,
            CULEX_TRANSPORT_WEBSOCKETS,
            CULEX_TRANSPORT_UNIX,
        ]
        .into_iter()
        .find(|t| *t as c_int == value)
    }
}

/// Choose the transport of the connect functions' connections: `CULEX_TRANSPORT_TCP` (the
/// default) or `CULEX_TRANSPORT_WEBSOCKETS` (Paho's `transport="websockets"`). Applies from the
/// next connection attempt, reconnects included. A Unix socket is chosen by the connect call
/// itself (port 0), and each server list entry names its own transport.
///
/// ```c
/// culex_transport_set(mosq, CULEX_TRANSPORT_WEBSOCKETS);
/// culex_ws_set_options(mosq, "/mqtt", NULL);
/// mosquitto_connect(mosq, "broker.example", 8080, 60);  // ws://broker.example:8080/mqtt
/// ```
///
/// Returns MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL (NULL handle, another value).
#[no_mangle]
pub unsafe extern "C" fn culex_transport_set(mosq: *mut mosquitto, transport: c_int) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                use culex_transport_t::*;
                match culex_transport_t::from_c(transport) {
                    Some(CULEX_TRANSPORT_TCP) => h.client.set_websockets(false),
                    Some(CULEX_TRANSPORT_WEBSOCKETS) => h.client.set_websockets(true),
                    Some(CULEX_TRANSPORT_UNIX) => {
                        return refuse(
                            "culex_transport_set",
                            "a Unix socket is chosen by connecting with port 0",
                        )
                    }
                    None => {
                        return refuse(
                            "culex_transport_set",
                            &format!("{transport} is not a culex_transport_t"),
                        )
                    }
                }
                Ok(())
            })
        }
    })
}

/// The most extra header fields `culex_ws_set_options` takes.
const MAX_HEADERS: usize = 100;

/// The body of `culex_ws_set_options`.
///
/// # Safety
/// `path` is NULL or a C string; `headers` NULL or an array of C strings ending with NULL.
unsafe fn ws_set_options(
    h: &mosquitto,
    path: *const c_char,
    headers: *const *const c_char,
) -> Result<(), c_int> {
    const F: &str = "culex_ws_set_options";
    // SAFETY: the caller's contract.
    let path = unsafe { opt_c_str(path, "path") }?.unwrap_or("/mqtt");
    if let Some(why) = check_path(path) {
        return refuse(F, why);
    }
    let mut fields = Vec::new();
    if !headers.is_null() {
        for i in 0.. {
            if i == MAX_HEADERS {
                return refuse(F, &format!("more than {MAX_HEADERS} header fields"));
            }
            // SAFETY: the caller's contract: entries up to the NULL one are readable.
            let line = unsafe { *headers.add(i) };
            if line.is_null() {
                break;
            }
            // SAFETY: a C string by the caller's contract. Plain UTF-8 (not MQTT's, which refuses
            // control characters): check_field gives the reason for a CR or LF.
            let Ok(line) = unsafe { std::ffi::CStr::from_ptr(line) }.to_str() else {
                log::warn!("{F}: header field {i} is not valid UTF-8");
                return Err(MOSQ_ERR_MALFORMED_UTF8 as c_int);
            };
            let Some((name, value)) = line.split_once(':') else {
                return refuse(F, &format!("{line:?} is not \"Name: value\""));
            };
            let (name, value) = (name.trim(), value.trim());
            if let Some(why) = check_field(name, value) {
                return refuse(F, &format!("{name:?}: {why}"));
            }
            fields.push((name.to_owned(), value.to_owned()));
        }
    }
    h.client.set_ws_options(WsOptions {
        path: path.to_owned(),
        headers: fields,
    });
    Ok(())
}

/// Set the request path and extra header fields of the WebSocket upgrade (Paho's
/// `ws_set_options(path, headers)`), from the next connection attempt on.
///
/// `path` (NULL: "/mqtt", the default) starts with '/' and may carry a query; `headers` is NULL
/// or an array of "Name: value" strings ending with a NULL entry (at most 100), sent in order
/// after the handshake's own fields. A `Host` field replaces the one Culex would send; the
/// fields of the handshake itself (Upgrade, Connection, Sec-WebSocket-*) cannot be given.
///
/// ```c
/// const char *headers[] = {"Authorization: Bearer 3q2+7w==", NULL};
/// culex_ws_set_options(mosq, "/ws/mqtt?tenant=7", headers);
/// ```
///
/// Returns MOSQ_ERR_SUCCESS, MOSQ_ERR_INVAL (NULL handle, a path or field as above refused,
/// with a log line saying why) or MOSQ_ERR_MALFORMED_UTF8.
#[no_mangle]
pub unsafe extern "C" fn culex_ws_set_options(
    mosq: *mut mosquitto,
    path: *const c_char,
    headers: *const *const c_char,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| ws_set_options(h, path, headers)) }
    })
}
