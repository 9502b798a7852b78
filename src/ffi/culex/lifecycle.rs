//! The connection's life cycle for the application (Paho's `on_pre_connect`, `on_connect_fail`
//! and the `on_socket_*` callbacks of its external event loop support), and the connection
//! settings Paho has and libmosquitto lacks: a connect timeout, `is_connected`, the socket's
//! state, and reconnect backoff with jitter.
//!
//! The socket callbacks let an event-loop host (epoll, libuv, asyncio, Node) register the socket
//! for reading when it opens, for writing while the client has something to write, and forget it
//! when it closes, without ever asking `mosquitto_want_write()`. Their order is Paho's: open,
//! then any number of register-write / unregister-write pairs, then close (a replaced socket's
//! close comes before the new one's open). They run on the thread that makes the change: the
//! loop's, or the one calling `mosquitto_publish()` & co. for a client no loop thread owns. The
//! descriptor they pass is the library's copy of the socket (see `driver/lifecycle.rs`), open
//! from the open callback until the close callback has returned.

use std::os::raw::{c_int, c_void};
use std::time::Duration;

use crate::driver::ConnectionState;
use crate::ffi::boundary::errors::*;
use crate::ffi::callbacks::{IntCallback, MoreCallbacks, PreConnectCallback};
use crate::ffi::handle::mosquitto;

/// Change the life-cycle callbacks and keep the driver's socket events in step with them.
fn set(h: &mosquitto, store: impl FnOnce(&mut MoreCallbacks)) {
    h.set_callbacks(|c| store(c.more_mut()));
    let watch = h.callbacks(|c| c.more_ref().is_some_and(MoreCallbacks::watches_socket));
    h.client.set_socket_events(watch);
}

/// Call `on_pre_connect` for a connect call (the driver announces its own reconnects).
pub(crate) fn pre_connect(h: &mosquitto) {
    if let Some(f) = h.callbacks(|c| c.more_ref().and_then(|m| m.on_pre_connect)) {
        // SAFETY: a callback the application set for this handle, called with its arguments; no
        // lock is held.
        unsafe { f(h.as_ptr(), h.userdata()) };
    }
}

/// `void (*)(struct mosquitto *mosq, void *obj)`: a connection attempt is about to start.
pub type culex_pre_connect_callback = Option<unsafe extern "C" fn(*mut mosquitto, *mut c_void)>;

/// `void (*)(struct mosquitto *mosq, void *obj, int value)`: `value` is an error code
/// (`on_connect_fail`) or a socket descriptor (`on_socket_*`).
pub type culex_int_callback = Option<unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int)>;

/// Set the function called before every connection attempt: the connect and reconnect calls, and
/// the automatic reconnects of `mosquitto_loop_forever()` and the `mosquitto_loop_start()`
/// thread. It may change what the attempt uses (credentials, will, ...). NULL removes it.
#[no_mangle]
pub unsafe extern "C" fn culex_pre_connect_callback_set(
    mosq: *mut mosquitto,
    on_pre_connect: culex_pre_connect_callback,
) {
    ffi_guard!((), {
        let f: Option<PreConnectCallback> = on_pre_connect;
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| set(h, |m| m.on_pre_connect = f)) }
    })
}

/// Set the function called when a connection attempt fails before its CONNACK, with why
/// (a `MOSQ_ERR_*` code: MOSQ_ERR_EAI or MOSQ_ERR_LOOKUP for name resolution, MOSQ_ERR_ERRNO for
/// TCP with `errno` set, MOSQ_ERR_TLS, MOSQ_ERR_PROXY, MOSQ_ERR_TIMEOUT, MOSQ_ERR_CONN_LOST when
/// the broker closed before CONNACK). Called for the failures the loop finds (asynchronous
/// connects, reconnects, TLS handshakes); a connect call that fails returns its error instead.
/// A refusal in CONNACK goes to `on_connect`. NULL removes it.
#[no_mangle]
pub unsafe extern "C" fn culex_connect_fail_callback_set(
    mosq: *mut mosquitto,
    on_connect_fail: culex_int_callback,
) {
    ffi_guard!((), {
        let f: Option<IntCallback> = on_connect_fail;
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| set(h, |m| m.on_connect_fail = f)) }
    })
}

/// Set the function called with a descriptor of the socket when the client opens one (at the
/// start of each connection attempt): register it for reading. It is the library's own copy of
/// the socket (not the number `mosquitto_socket()` returns), so that it stays open until the
/// close callback has returned; readiness on it is readiness of the socket. Register this one,
/// and call `mosquitto_loop_read()` / `mosquitto_loop_write()` when it is ready. NULL removes it.
#[no_mangle]
pub unsafe extern "C" fn culex_socket_open_callback_set(
    mosq: *mut mosquitto,
    on_socket_open: culex_int_callback,
) {
    ffi_guard!((), {
        let f: Option<IntCallback> = on_socket_open;
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| set(h, |m| m.on_socket_open = f)) }
    })
}

/// Set the function called when the socket is about to be closed (the connection has ended, or
/// the attempt failed): unregister the descriptor and forget it. The descriptor is still open
/// during the call and closed right after it; the next socket's open, if any, follows. NULL
/// removes it.
#[no_mangle]
pub unsafe extern "C" fn culex_socket_close_callback_set(
    mosq: *mut mosquitto,
    on_socket_close: culex_int_callback,
) {
    ffi_guard!((), {
        let f: Option<IntCallback> = on_socket_close;
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| set(h, |m| m.on_socket_close = f)) }
    })
}

/// Set the function called when the client has something to write on the socket: watch it for
/// writing and call `mosquitto_loop_write()` when it is writable. NULL removes it.
#[no_mangle]
pub unsafe extern "C" fn culex_socket_register_write_callback_set(
    mosq: *mut mosquitto,
    on_socket_register_write: culex_int_callback,
) {
    ffi_guard!((), {
        let f: Option<IntCallback> = on_socket_register_write;
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| set(h, |m| m.on_socket_register_write = f)) }
    })
}

/// Set the function called when the client has nothing more to write: stop watching the socket
/// for writing. NULL removes it.
#[no_mangle]
pub unsafe extern "C" fn culex_socket_unregister_write_callback_set(
    mosq: *mut mosquitto,
    on_socket_unregister_write: culex_int_callback,
) {
    ffi_guard!((), {
        let f: Option<IntCallback> = on_socket_unregister_write;
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| set(h, |m| m.on_socket_unregister_write = f)) }
    })
}

/// How long a connection attempt may take, from name resolution through TCP, proxy and TLS to
/// CONNACK (default: 30 s for the transport, and CONNACK within the keepalive interval). A slower
/// attempt fails with MOSQ_ERR_TIMEOUT (reported by `on_connect_fail`). Applies to the attempts
/// that start afterwards.
///
/// Returns MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL (NULL handle, `timeout_ms` not above 0).
#[no_mangle]
pub unsafe extern "C" fn culex_connect_timeout_set(
    mosq: *mut mosquitto,
    timeout_ms: c_int,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                let Some(ms) = u64::try_from(timeout_ms).ok().filter(|ms| *ms > 0) else {
                    log::warn!("culex_connect_timeout_set: {timeout_ms} ms is not a timeout");
                    return Err(MOSQ_ERR_INVAL as c_int);
                };
                h.client.set_connect_timeout(Duration::from_millis(ms));
                Ok(())
            })
        }
    })
}

/// Whether the client is connected: CONNACK accepted the current connection and no
/// `mosquitto_disconnect()` came since. false for a NULL handle.
#[no_mangle]
pub unsafe extern "C" fn culex_is_connected(mosq: *mut mosquitto) -> bool {
    ffi_guard!(false, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| h.client.is_connected()) }
    })
}

/// Where the connection stands (`culex_socket_state`).
#[repr(C)]
#[allow(non_camel_case_types)]
pub enum culex_socket_state_t {
    /// No connection and no attempt underway.
    CULEX_SOCKET_NONE = 0,
    /// Looking the broker up.
    CULEX_SOCKET_RESOLVING = 1,
    /// TCP connecting.
    CULEX_SOCKET_CONNECTING = 2,
    /// The proxy's handshake (SOCKS5 or HTTP CONNECT).
    CULEX_SOCKET_PROXYING = 3,
    /// TLS handshake.
    CULEX_SOCKET_TLS_HANDSHAKE = 4,
    /// CONNECT sent, waiting for CONNACK.
    CULEX_SOCKET_MQTT_CONNECTING = 5,
    /// Connected.
    CULEX_SOCKET_CONNECTED = 6,
    /// DISCONNECT queued or sent.
    CULEX_SOCKET_DISCONNECTING = 7,
    /// WebSocket upgrade (after TLS, if any).
    CULEX_SOCKET_WS_HANDSHAKE = 8,
}

/// The connection's state, a `culex_socket_state_t` value; -1 for a NULL handle.
#[no_mangle]
pub unsafe extern "C" fn culex_socket_state(mosq: *mut mosquitto) -> c_int {
    ffi_guard!(-1, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        match unsafe { mosq.as_ref() } {
            None => {
                log::warn!("culex_socket_state: mosq is NULL");
                -1
            }
            Some(h) => {
                use culex_socket_state_t::*;
                (match h.client.connection_state() {
                    ConnectionState::Idle => CULEX_SOCKET_NONE,
                    ConnectionState::Resolving => CULEX_SOCKET_RESOLVING,
                    ConnectionState::Connecting => CULEX_SOCKET_CONNECTING,
                    ConnectionState::Proxying => CULEX_SOCKET_PROXYING,
                    ConnectionState::Handshaking => CULEX_SOCKET_TLS_HANDSHAKE,
                    ConnectionState::Upgrading => CULEX_SOCKET_WS_HANDSHAKE,
                    ConnectionState::AwaitingConnAck => CULEX_SOCKET_MQTT_CONNECTING,
                    ConnectionState::Connected => CULEX_SOCKET_CONNECTED,
                    ConnectionState::Disconnecting => CULEX_SOCKET_DISCONNECTING,
                }) as c_int
            }
        }
    })
}

/// Take a random share, up to `percent` (0 to 100), off every reconnect delay of
/// `mosquitto_reconnect_delay_set()`: a delay `d` becomes one drawn uniformly between
/// `d × (1 − percent/100)` and `d`, so that many clients losing the same broker do not all come
/// back in the same second. 0 (the default) turns it off.
///
/// Returns MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL (NULL handle, `percent` outside 0 to 100).
#[no_mangle]
pub unsafe extern "C" fn culex_reconnect_jitter_set(mosq: *mut mosquitto, percent: c_int) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                let Some(percent) = u8::try_from(percent).ok().filter(|p| *p <= 100) else {
                    log::warn!("culex_reconnect_jitter_set: {percent} is not between 0 and 100");
                    return Err(MOSQ_ERR_INVAL as c_int);
                };
                h.client.set_reconnect_jitter(percent);
                Ok(())
            })
        }
    })
}
