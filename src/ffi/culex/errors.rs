//! Culex's own error codes, for what libmosquitto's `MOSQ_ERR_*` cannot say. They are returned
//! by the same functions (and `mosquitto_strerror()` describes them), in a range of their own
//! (100 and up) so that no libmosquitto code, present or future, means something else.

use std::ffi::CStr;
use std::os::raw::c_int;

/// Culex's error codes (see `culex.h`).
#[repr(C)]
#[allow(non_camel_case_types, clippy::enum_variant_names)]
pub enum culex_err_t {
    /// `mosquitto_publish()`: the message would wait (beyond the in-flight window or while
    /// offline) and the outgoing queue is at its message or byte limit
    /// (`culex_max_queued_messages_set`); nothing was queued, nothing queued was dropped.
    CULEX_ERR_QUEUE_FULL = 100,
    /// The message waited longer than the queue's time-to-live (`culex_queue_ttl_set`) and was
    /// dropped unsent.
    CULEX_ERR_EXPIRED = 101,
    /// The message was dropped unsent for another reason: a QoS 0 message still waiting when
    /// its connection ended, or one over the broker's limits (Maximum QoS, Maximum Packet Size)
    /// once they were known.
    CULEX_ERR_DISCARDED = 102,
    /// An MQTT 5 broker refused the message in its acknowledgement (a PUBACK or PUBREC reason
    /// code of 0x80 or above; the one-shot helpers give the code with it).
    CULEX_ERR_REFUSED = 103,
}

/// The text `mosquitto_strerror()` gives for a Culex code, if `code` is one.
pub(crate) fn culex_error_text(code: c_int) -> Option<&'static CStr> {
    Some(match code {
        100 => c"Culex: outgoing queue full: message not queued.",
        101 => c"Culex: message expired in the outgoing queue.",
        102 => c"Culex: message dropped unsent.",
        103 => c"Culex: message refused by the broker.",
        _ => return None,
    })
}
