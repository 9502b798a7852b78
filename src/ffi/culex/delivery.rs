//! What became of a published message (Paho's `MQTTMessageInfo`: `is_published`,
//! `wait_for_publish`). The record is the session's (`session/delivery.rs`), the wait the
//! driver's (`driver/waits.rs`), which never hangs.

use std::os::raw::c_int;
use std::time::Duration;

use crate::driver::WaitError;
use crate::ffi::boundary::errors::*;
use crate::ffi::culex::errors::culex_err_t;
use crate::ffi::handle::mosquitto;
use crate::session::Delivery;

/// The answer for a message that ended: the code, and the reason code to hand out.
fn ended(delivery: Delivery) -> (c_int, u8) {
    match delivery {
        Delivery::Done { reason_code } => (MOSQ_ERR_SUCCESS as c_int, reason_code),
        Delivery::Expired => (culex_err_t::CULEX_ERR_EXPIRED as c_int, 0),
        Delivery::Discarded { reason_code } => {
            (culex_err_t::CULEX_ERR_DISCARDED as c_int, reason_code)
        }
        Delivery::Pending => (MOSQ_ERR_TIMEOUT as c_int, 0),
    }
}

/// Whether the message `mid` (as given by `mosquitto_publish()`) is published: QoS 0 handed to
/// the socket, QoS 1 acknowledged by PUBACK, QoS 2 by PUBCOMP, or refused by an MQTT 5 broker in
/// its acknowledgement (see `culex_wait_for_publish` for the reason code). false while it is on
/// its way, when it was dropped unsent, and for a NULL handle or an invalid id.
#[no_mangle]
pub unsafe extern "C" fn culex_is_published(mosq: *mut mosquitto, mid: c_int) -> bool {
    ffi_guard!(false, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                let Some(mid) = u16::try_from(mid).ok().filter(|m| *m > 0) else {
                    log::warn!("culex_is_published: {mid} is not a message id");
                    return false;
                };
                matches!(h.client.delivery(mid), Delivery::Done { .. })
            })
        }
    })
}

/// Wait until the message `mid` (as given by `mosquitto_publish()`) is published, at most
/// `timeout_ms` milliseconds (negative: no limit; 0: only look). It never hangs: it returns at
/// once when nothing could complete the message.
///
/// Returns
/// - MOSQ_ERR_SUCCESS when it is published (QoS 0 handed to the socket, QoS 1 PUBACK, QoS 2
///   PUBCOMP); `*reason_code` (may be NULL) gets the MQTT 5 reason code of the acknowledgement
///   (0, or 0x80 and above when the broker refused the message);
/// - CULEX_ERR_EXPIRED when it waited beyond the queue's time-to-live and was dropped,
///   CULEX_ERR_DISCARDED when it was dropped unsent otherwise (a QoS 0 message whose connection
///   ended first, or one over the broker's limits: `*reason_code` says which);
/// - MOSQ_ERR_TIMEOUT when the time ran out first (it may still be published later);
/// - MOSQ_ERR_NO_CONN at once when no loop runs that could complete it (no `mosquitto_loop_start()`
///   thread and no loop call in progress on another thread), or after `mosquitto_disconnect()`;
/// - MOSQ_ERR_INVAL for a NULL handle, an invalid id, or a call from the thread running this
///   client's loop (a callback, for example), which would wait for itself.
#[no_mangle]
pub unsafe extern "C" fn culex_wait_for_publish(
    mosq: *mut mosquitto,
    mid: c_int,
    timeout_ms: c_int,
    reason_code: *mut c_int,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                let Some(mid) = u16::try_from(mid).ok().filter(|m| *m > 0) else {
                    log::warn!("culex_wait_for_publish: {mid} is not a message id");
                    return Err(MOSQ_ERR_INVAL as c_int);
                };
                let timeout = u64::try_from(timeout_ms).ok().map(Duration::from_millis);
                let (code, reason) = match h.client.wait_delivery(mid, timeout) {
                    Ok(delivery) => ended(delivery),
                    Err(WaitError::Timeout) => (MOSQ_ERR_TIMEOUT as c_int, 0),
                    Err(WaitError::NoLoop) => (MOSQ_ERR_NO_CONN as c_int, 0),
                    Err(WaitError::InsideLoop) => (MOSQ_ERR_INVAL as c_int, 0),
                };
                if !reason_code.is_null() {
                    // The caller's contract: NULL or a writable int.
                    *reason_code = c_int::from(reason);
                }
                if code == MOSQ_ERR_SUCCESS as c_int {
                    Ok(())
                } else {
                    Err(code)
                }
            })
        }
    })
}
