//! The settings with functions of their own: the user data pointer (`mosquitto_user_data_set`,
//! `mosquitto_userdata`), the reconnect backoff (`mosquitto_reconnect_delay_set`), the in-flight
//! window (`mosquitto_max_inflight_messages_set`), and two kept for compatibility
//! (`mosquitto_message_retry_set`, `mosquitto_threaded_set`). The numbered options are in
//! [`super::options`].

use std::os::raw::{c_int, c_uint, c_void};
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::ffi::boundary::errors::*;
use crate::ffi::handle::mosquitto;

/// Set the user data pointer passed to callbacks.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_user_data_set(mosq: *mut mosquitto, obj: *mut c_void) {
    ffi_guard!((), {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| h.userdata.store(obj, Ordering::Release)) }
    })
}

/// The user data pointer passed to callbacks (NULL for a NULL handle).
#[no_mangle]
pub unsafe extern "C" fn mosquitto_userdata(mosq: *mut mosquitto) -> *mut c_void {
    ffi_guard!(std::ptr::null_mut(), {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| h.userdata()) }
    })
}

/// The body of `mosquitto_reconnect_delay_set`.
fn reconnect_delay_set(
    h: &mosquitto,
    reconnect_delay: c_uint,
    reconnect_delay_max: c_uint,
    reconnect_exponential_backoff: bool,
) -> Result<(), c_int> {
    if reconnect_delay == 0 || reconnect_delay_max < reconnect_delay {
        log::warn!(
            "mosquitto_reconnect_delay_set: need 0 < delay ({reconnect_delay}) <= max ({reconnect_delay_max})"
        );
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    h.client.set_reconnect_delay(
        Duration::from_secs(u64::from(reconnect_delay)),
        Duration::from_secs(u64::from(reconnect_delay_max)),
        reconnect_exponential_backoff,
    );
    Ok(())
}

/// Set the delay between reconnect attempts of `loop_forever`/`loop_start`: `reconnect_delay`
/// seconds, growing (linearly, or doubling when `reconnect_exponential_backoff`) up to
/// `reconnect_delay_max` after consecutive failures. The default is 1 s fixed.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_reconnect_delay_set(
    mosq: *mut mosquitto,
    reconnect_delay: c_uint,
    reconnect_delay_max: c_uint,
    reconnect_exponential_backoff: bool,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| reconnect_delay_set(
                h,
                reconnect_delay,
                reconnect_delay_max,
                reconnect_exponential_backoff
            ))
        }
    })
}

/// Most QoS 1 and 2 messages in flight at once (default 20; 0 = no limit). Messages beyond it
/// wait in order.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_max_inflight_messages_set(
    mosq: *mut mosquitto,
    max_inflight_messages: c_uint,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                let max = u16::try_from(max_inflight_messages).unwrap_or(u16::MAX);
                h.client.with_session(|s| s.set_max_inflight(max));
                Ok(())
            })
        }
    })
}

/// Kept for compatibility; it has no effect (as in libmosquitto 2.0, messages are retried on
/// reconnect, not on a timer).
#[no_mangle]
pub unsafe extern "C" fn mosquitto_message_retry_set(mosq: *mut mosquitto, message_retry: c_uint) {
    ffi_guard!((), {
        let _ = (mosq, message_retry);
    })
}

/// Tell the library the application drives this client's loop from threads of its own. Culex is
/// safe from any thread either way; what changes is that commands (publish, subscribe, ...)
/// no longer write their packet on the caller's thread before returning: the loop does.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_threaded_set(mosq: *mut mosquitto, threaded: bool) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                h.client.set_threaded(threaded);
                Ok(())
            })
        }
    })
}
