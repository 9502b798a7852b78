//! Manual acknowledgement of incoming messages (Paho's `manual_ack_set` and `ack`); the rules
//! are the session's (`session/manual_ack.rs`).

use std::os::raw::c_int;

use crate::error::Error;
use crate::ffi::boundary::errors::*;
use crate::ffi::handle::mosquitto;
use crate::protocol::QoS;

/// Turn manual acknowledgement of incoming QoS 1 and 2 messages on or off (off by default).
///
/// With it on, an incoming QoS 1 message's PUBACK, and an incoming QoS 2 message's PUBREC, leave
/// only when the application calls `culex_ack()` for it: until then the broker keeps the message
/// and, after a reconnect into a kept session, sends it again. A QoS 2 message is then delivered
/// when its PUBLISH arrives (not at PUBREL, which the broker sends only after PUBREC). The
/// messages awaiting an acknowledgement count towards the Receive Maximum the client announced
/// (MQTT 5). It applies to the messages that arrive afterwards.
///
/// Returns MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL for a NULL handle.
#[no_mangle]
pub unsafe extern "C" fn culex_manual_ack_set(mosq: *mut mosquitto, on: bool) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                h.client.with_session(|s| s.set_manual_ack(on));
                Ok(())
            })
        }
    })
}

/// Acknowledge the incoming message `mid` that arrived at `qos` (1: PUBACK, 2: PUBREC), with
/// manual acknowledgement on. Any order, any thread, also inside a callback.
///
/// Returns MOSQ_ERR_SUCCESS; MOSQ_ERR_NOT_FOUND when no message of the current connection with
/// that id and QoS awaits an acknowledgement (already acknowledged, or received on an earlier
/// connection: the broker sends those again itself); MOSQ_ERR_NO_CONN when not connected;
/// MOSQ_ERR_INVAL for a NULL handle, an id outside 1 to 65535 or a QoS other than 1 or 2.
#[no_mangle]
pub unsafe extern "C" fn culex_ack(mosq: *mut mosquitto, mid: c_int, qos: c_int) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                let Some(mid) = u16::try_from(mid).ok().filter(|m| *m > 0) else {
                    log::warn!("culex_ack: {mid} is not a message id");
                    return Err(MOSQ_ERR_INVAL as c_int);
                };
                let qos = match qos {
                    1 => QoS::AtLeastOnce,
                    2 => QoS::ExactlyOnce,
                    _ => {
                        log::warn!("culex_ack: QoS {qos} has no acknowledgement to send");
                        return Err(MOSQ_ERR_INVAL as c_int);
                    }
                };
                let result = h.client.with_session(|s| s.ack(mid, qos));
                match result {
                    Ok(()) => {
                        h.command_written();
                        Ok(())
                    }
                    Err(e) => {
                        if e == Error::NotFound {
                            log::warn!(
                                "culex_ack: m{mid} (QoS {}) awaits no acknowledgement",
                                qos.as_u8()
                            );
                        }
                        Err(error_code(&e))
                    }
                }
            })
        }
    })
}
