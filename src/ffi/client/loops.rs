//! Driving a client from C: `mosquitto_loop`, `loop_forever`, `loop_start`/`loop_stop`, and the
//! external-loop calls (`socket`, `want_write`, `loop_read`, `loop_write`, `loop_misc`).

use std::os::raw::c_int;
use std::time::Duration;

use crate::ffi::boundary::errors::*;
use crate::ffi::handle::mosquitto;
use crate::ffi::Socket;

/// A libmosquitto loop timeout: negative means the default 1000 ms.
fn loop_timeout(timeout: c_int) -> Duration {
    if timeout < 0 {
        Duration::from_millis(1000)
    } else {
        Duration::from_millis(timeout as u64)
    }
}

/// `max_packets` is accepted for compatibility (everything available is handled), but must be
/// at least 1, as in libmosquitto.
fn max_packets_arg(max_packets: c_int) -> Result<(), c_int> {
    if max_packets < 1 {
        log::warn!("culex: max_packets must be at least 1");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    Ok(())
}

/// One step of the network loop: wait up to `timeout` ms (negative: 1000) for the socket, then
/// read, write and run keepalive. Returns an error when the connection is lost; it does not
/// reconnect. `max_packets` is accepted for compatibility (everything available is handled).
#[no_mangle]
pub unsafe extern "C" fn mosquitto_loop(
    mosq: *mut mosquitto,
    timeout: c_int,
    max_packets: c_int,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                max_packets_arg(max_packets)?;
                let timeout = Some(loop_timeout(timeout));
                h.client.loop_once(timeout, &h.sink()).map_err(code)
            })
        }
    })
}

/// Run the network loop until `mosquitto_disconnect` is called (returns MOSQ_ERR_SUCCESS),
/// reconnecting after lost connections, timeouts and refusals with the
/// `mosquitto_reconnect_delay_set` backoff. Errors retrying cannot cure (MOSQ_ERR_TLS,
/// MOSQ_ERR_PROTOCOL, MOSQ_ERR_AUTH, MOSQ_ERR_PROXY, …) end it and are returned, as in
/// libmosquitto.
///
/// `timeout` (ms) caps each wait, as in libmosquitto. A negative one (libmosquitto: 1000 ms per
/// `select`) sets no cap: the loop sleeps until the next keepalive or timeout, a reconnect
/// delay's end, network activity or a command from another thread (every command and
/// `mosquitto_disconnect` wakes it), so an idle client wakes only for keepalive. Nothing the
/// application can observe depends on a wait ending early with nothing to do.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_loop_forever(
    mosq: *mut mosquitto,
    timeout: c_int,
    max_packets: c_int,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let _ = max_packets;
        let cap = (timeout >= 0).then(|| loop_timeout(timeout));
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| h
                .client
                .loop_forever(cap, &h.sink())
                .map_err(code))
        }
    })
}

/// Start a thread that runs the network loop (and reconnects) until `mosquitto_loop_stop`.
/// `MOSQ_ERR_INVAL` if one is already running.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_loop_start(mosq: *mut mosquitto) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| h
                .client
                .loop_start(Box::new(h.sink()))
                .map_err(code))
        }
    })
}

/// Stop the thread of `mosquitto_loop_start` and wait for it. It never hangs: with `force`
/// false a DISCONNECT being written gets a moment to go out first. `MOSQ_ERR_INVAL` when no
/// thread runs.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_loop_stop(mosq: *mut mosquitto, force: bool) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| h.client.loop_stop(force).map_err(code)) }
    })
}

/// External loop: call when the socket is readable.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_loop_read(mosq: *mut mosquitto, max_packets: c_int) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                max_packets_arg(max_packets)?;
                h.client.loop_read(&h.sink()).map_err(code)
            })
        }
    })
}

/// External loop: call when the socket is writable and `mosquitto_want_write` is true.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_loop_write(mosq: *mut mosquitto, max_packets: c_int) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                max_packets_arg(max_packets)?;
                h.client.loop_write(&h.sink()).map_err(code)
            })
        }
    })
}

/// External loop: call about once a second for keepalive and timeouts.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_loop_misc(mosq: *mut mosquitto) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| h.client.loop_misc(&h.sink()).map_err(code)) }
    })
}

/// The client's socket descriptor, or -1 when there is none. It changes across reconnects.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_socket(mosq: *mut mosquitto) -> c_int {
    ffi_guard!(-1, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| Socket(h.client.socket())) }
    })
}

/// Whether the external loop should wait for the socket to be writable.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_want_write(mosq: *mut mosquitto) -> bool {
    ffi_guard!(false, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| h.client.want_write()) }
    })
}
