//! The callback setters: `mosquitto_*_callback_set` and their MQTT 5 forms.
//!
//! Setting a callback is safe at any time, from any thread, also from inside a callback: the table
//! is read under a short lock before any callback runs.

use std::os::raw::{c_char, c_int, c_void};

use crate::ffi::handle::mosquitto;
use crate::ffi::property::mosquitto_property;
use crate::ffi::util::message::mosquitto_message;

/// Set the function called when the broker answers CONNECT (rc: the CONNACK code, 0 = accepted).
/// NULL removes it.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_connect_callback_set(
    mosq: *mut mosquitto,
    on_connect: Option<unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int)>,
) {
    ffi_guard!((), {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| h.set_callbacks(|c| c.on_connect = on_connect)) }
    })
}

/// Like `mosquitto_connect_callback_set`, with the CONNACK flags (bit 0: session present).
#[no_mangle]
pub unsafe extern "C" fn mosquitto_connect_with_flags_callback_set(
    mosq: *mut mosquitto,
    on_connect: Option<unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, c_int)>,
) {
    ffi_guard!((), {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| h
                .set_callbacks(
                    |c| c.more_mut().on_connect_with_flags = on_connect
                ))
        }
    })
}

/// Set the function called when an established connection ends (rc 0: after
/// `mosquitto_disconnect`; otherwise the error that ended it).
#[no_mangle]
pub unsafe extern "C" fn mosquitto_disconnect_callback_set(
    mosq: *mut mosquitto,
    on_disconnect: Option<unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int)>,
) {
    ffi_guard!((), {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| h
                .set_callbacks(|c| c.on_disconnect = on_disconnect))
        }
    })
}

/// Set the function called when a message sent with `mosquitto_publish` is done: QoS 0 once
/// written, QoS 1 on PUBACK, QoS 2 on PUBCOMP. The argument is the message id.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_publish_callback_set(
    mosq: *mut mosquitto,
    on_publish: Option<unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int)>,
) {
    ffi_guard!((), {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| h.set_callbacks(|c| c.on_publish = on_publish)) }
    })
}

/// Set the function called for each message received. The message belongs to the library and
/// is freed when the callback returns: copy it with `mosquitto_message_copy` to keep it.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_message_callback_set(
    mosq: *mut mosquitto,
    on_message: Option<unsafe extern "C" fn(*mut mosquitto, *mut c_void, *const mosquitto_message)>,
) {
    ffi_guard!((), {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| h.set_callbacks(|c| c.on_message = on_message)) }
    })
}

/// Set the function called on SUBACK: message id, number of filters, granted QoS per filter
/// (128 for a refused filter).
#[no_mangle]
pub unsafe extern "C" fn mosquitto_subscribe_callback_set(
    mosq: *mut mosquitto,
    on_subscribe: Option<
        unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, c_int, *const c_int),
    >,
) {
    ffi_guard!((), {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| h
                .set_callbacks(|c| c.more_mut().on_subscribe = on_subscribe))
        }
    })
}

/// Set the function called on UNSUBACK, with the message id of the UNSUBSCRIBE.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_unsubscribe_callback_set(
    mosq: *mut mosquitto,
    on_unsubscribe: Option<unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int)>,
) {
    ffi_guard!((), {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                h.set_callbacks(|c| c.more_mut().on_unsubscribe = on_unsubscribe)
            })
        }
    })
}

/// Set the function that receives the library's log lines (level: a `MOSQ_LOG_*` value). It is
/// always called without any library lock held, so it may call the library.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_log_callback_set(
    mosq: *mut mosquitto,
    on_log: Option<unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, *const c_char)>,
) {
    ffi_guard!((), {
        if on_log.is_some() {
            crate::ffi::boundary::logging::want_debug();
        }
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| h.set_callbacks(|c| c.more_mut().on_log = on_log)) }
    })
}

/// Set the MQTT 5 connect callback: rc (CONNACK reason code), flags (bit 0: session present) and
/// the CONNACK properties (NULL when there are none or for MQTT 3.1/3.1.1). Called after
/// `on_connect` and `on_connect_with_flags` when several are set.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_connect_v5_callback_set(
    mosq: *mut mosquitto,
    on_connect: Option<
        unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, c_int, *const mosquitto_property),
    >,
) {
    ffi_guard!((), {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| h
                .set_callbacks(|c| c.more_mut().on_connect_v5 = on_connect))
        }
    })
}

/// Set the MQTT 5 disconnect callback: rc (0 after `mosquitto_disconnect`; the broker's reason
/// code when it sent DISCONNECT; otherwise the error) and the DISCONNECT properties.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_disconnect_v5_callback_set(
    mosq: *mut mosquitto,
    on_disconnect: Option<
        unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, *const mosquitto_property),
    >,
) {
    ffi_guard!((), {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| h
                .set_callbacks(
                    |c| c.more_mut().on_disconnect_v5 = on_disconnect
                ))
        }
    })
}

/// Set the MQTT 5 publish callback: mid, the reason code of the acknowledgement (0 on success;
/// a failure code ends the message too) and its properties.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_publish_v5_callback_set(
    mosq: *mut mosquitto,
    on_publish: Option<
        unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, c_int, *const mosquitto_property),
    >,
) {
    ffi_guard!((), {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| h
                .set_callbacks(|c| c.more_mut().on_publish_v5 = on_publish))
        }
    })
}

/// Set the MQTT 5 message callback: the message (library-owned, freed after the callback) and
/// its PUBLISH properties (also library-owned).
#[no_mangle]
pub unsafe extern "C" fn mosquitto_message_v5_callback_set(
    mosq: *mut mosquitto,
    on_message: Option<
        unsafe extern "C" fn(
            *mut mosquitto,
            *mut c_void,
            *const mosquitto_message,
            *const mosquitto_property,
        ),
    >,
) {
    ffi_guard!((), {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| h
                .set_callbacks(|c| c.more_mut().on_message_v5 = on_message))
        }
    })
}

/// Set the MQTT 5 subscribe callback: mid, number of filters, granted QoS or reason code per
/// filter, SUBACK properties.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_subscribe_v5_callback_set(
    mosq: *mut mosquitto,
    on_subscribe: Option<
        unsafe extern "C" fn(
            *mut mosquitto,
            *mut c_void,
            c_int,
            c_int,
            *const c_int,
            *const mosquitto_property,
        ),
    >,
) {
    ffi_guard!((), {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| h
                .set_callbacks(|c| c.more_mut().on_subscribe_v5 = on_subscribe))
        }
    })
}

/// Set the MQTT 5 unsubscribe callback: mid and UNSUBACK properties.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_unsubscribe_v5_callback_set(
    mosq: *mut mosquitto,
    on_unsubscribe: Option<
        unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, *const mosquitto_property),
    >,
) {
    ffi_guard!((), {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| h
                .set_callbacks(
                    |c| c.more_mut().on_unsubscribe_v5 = on_unsubscribe
                ))
        }
    })
}
