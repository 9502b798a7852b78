//! Limits on the outgoing queue (Paho's `max_queued_messages_set`, plus a byte limit and a
//! time-to-live); the rules are the session's (`session/limits.rs`).

use std::os::raw::{c_int, c_uint};
use std::time::Duration;

use crate::ffi::boundary::errors::*;
use crate::ffi::handle::mosquitto;

/// Limit the messages waiting to be sent, beyond the in-flight window or while offline (QoS 1
/// and 2 queued, QoS 0 issued before CONNACK): at most `max_messages` of them and at most
/// `max_bytes` bytes of topic and payload; 0 means no limit (the default for both). A
/// `mosquitto_publish()` whose message would wait beyond a limit returns CULEX_ERR_QUEUE_FULL and
/// queues nothing; what already waits stays, and goes out in order. Messages that go straight
/// out never count.
///
/// Returns MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL for a NULL handle.
#[no_mangle]
pub unsafe extern "C" fn culex_max_queued_messages_set(
    mosq: *mut mosquitto,
    max_messages: c_uint,
    max_bytes: usize,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                h.client.with_session(|s| {
                    let mut limits = s.queue_limits();
                    limits.max_messages = max_messages;
                    limits.max_bytes = max_bytes as u64;
                    s.set_queue_limits(limits);
                });
                Ok(())
            })
        }
    })
}

/// Give waiting messages a time-to-live of `ttl_ms` milliseconds (0, the default: none). A
/// message still waiting when it runs out is dropped unsent, offline too, and reported as a
/// failed publish: `on_publish_v5` with reason code 0x80 and a Reason String saying so (not
/// `on_publish`, which cannot tell a failure), and CULEX_ERR_EXPIRED from
/// `culex_wait_for_publish()`. It applies to messages published afterwards.
///
/// Returns MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL for a NULL handle.
#[no_mangle]
pub unsafe extern "C" fn culex_queue_ttl_set(mosq: *mut mosquitto, ttl_ms: c_uint) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                h.client.with_session(|s| {
                    let mut limits = s.queue_limits();
                    limits.time_to_live =
                        (ttl_ms > 0).then(|| Duration::from_millis(u64::from(ttl_ms)));
                    s.set_queue_limits(limits);
                });
                Ok(())
            })
        }
    })
}
