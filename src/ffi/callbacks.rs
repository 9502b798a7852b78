//! The libmosquitto 3.x callback setters and the table of C function pointers they fill.
//!
//! Setting a callback is safe at any time, from any thread, also from inside a callback: the table
//! is copied out under a short lock before any callback runs.

// Safety: every export follows the contract stated in `ffi/mod.rs`; none adds to it.
#![allow(clippy::missing_safety_doc)]

use std::os::raw::{c_char, c_int, c_void};
use std::sync::atomic::Ordering;

use super::handle::{handle, mosquitto};
use super::message::mosquitto_message;
use super::property::mosquitto_property;

/// `void (*)(struct mosquitto *, void *, int)`: connect (rc), disconnect (rc), publish and
/// unsubscribe (mid).
pub(crate) type IntCallback = unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int);
/// `on_connect` with the CONNACK flags.
pub(crate) type ConnectFlagsCallback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, c_int);
/// `on_message`.
pub(crate) type MessageCallback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, *const mosquitto_message);
/// `on_subscribe`: mid, count of granted QoS, granted QoS array.
pub(crate) type SubscribeCallback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, c_int, *const c_int);
/// `on_log`: level and NUL-terminated line.
pub(crate) type LogCallback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, *const c_char);

/// `on_connect` (MQTT 5): rc, CONNACK flags, CONNACK properties.
pub(crate) type ConnectV5Callback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, c_int, *const mosquitto_property);
/// `on_disconnect` (MQTT 5): rc and the broker's DISCONNECT properties.
pub(crate) type DisconnectV5Callback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, *const mosquitto_property);
/// `on_publish` (MQTT 5): mid, reason code, acknowledgement properties.
pub(crate) type PublishV5Callback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, c_int, *const mosquitto_property);
/// `on_message` (MQTT 5): the message and its PUBLISH properties.
pub(crate) type MessageV5Callback = unsafe extern "C" fn(
    *mut mosquitto,
    *mut c_void,
    *const mosquitto_message,
    *const mosquitto_property,
);
/// `on_subscribe` (MQTT 5): mid, count, granted QoS / reason codes, SUBACK properties.
pub(crate) type SubscribeV5Callback = unsafe extern "C" fn(
    *mut mosquitto,
    *mut c_void,
    c_int,
    c_int,
    *const c_int,
    *const mosquitto_property,
);
/// `on_unsubscribe` (MQTT 5): mid and UNSUBACK properties.
pub(crate) type UnsubscribeV5Callback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, *const mosquitto_property);

/// The callbacks of one handle.
#[derive(Clone, Copy, Default)]
pub(crate) struct Callbacks {
    pub on_connect: Option<IntCallback>,
    pub on_connect_with_flags: Option<ConnectFlagsCallback>,
    pub on_disconnect: Option<IntCallback>,
    pub on_publish: Option<IntCallback>,
    pub on_message: Option<MessageCallback>,
    pub on_subscribe: Option<SubscribeCallback>,
    pub on_unsubscribe: Option<IntCallback>,
    pub on_log: Option<LogCallback>,
    pub on_connect_v5: Option<ConnectV5Callback>,
    pub on_disconnect_v5: Option<DisconnectV5Callback>,
    pub on_publish_v5: Option<PublishV5Callback>,
    pub on_message_v5: Option<MessageV5Callback>,
    pub on_subscribe_v5: Option<SubscribeV5Callback>,
    pub on_unsubscribe_v5: Option<UnsubscribeV5Callback>,
    /// Culex extension: MQTT 5 enhanced authentication (see `culex.h`).
    pub on_auth: super::culex::culex_auth_callback,
}

/// Store one callback; a NULL handle is ignored (with a log line).
fn set(mosq: *mut mosquitto, what: &str, store: impl FnOnce(&mut Callbacks)) {
    // SAFETY: the caller passes NULL or a live handle (the C API's contract).
    match unsafe { handle(mosq) } {
        Some(h) => {
            let mut table = h.callbacks.lock().unwrap_or_else(|p| p.into_inner());
            store(&mut table);
            h.wants_log.store(table.on_log.is_some(), Ordering::Relaxed);
        }
        None => log::warn!("mosquitto_{what}_callback_set: mosq is NULL"),
    }
}

/// Set the function called when the broker answers CONNECT (rc: the CONNACK code, 0 = accepted).
/// NULL removes it.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_connect_callback_set(
    mosq: *mut mosquitto,
    on_connect: Option<unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int)>,
) {
    ffi_guard!((), { set(mosq, "connect", |t| t.on_connect = on_connect) })
}

/// Like `mosquitto_connect_callback_set`, with the CONNACK flags (bit 0: session present).
#[no_mangle]
pub unsafe extern "C" fn mosquitto_connect_with_flags_callback_set(
    mosq: *mut mosquitto,
    on_connect: Option<unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, c_int)>,
) {
    ffi_guard!((), {
        set(mosq, "connect_with_flags", |t| {
            t.on_connect_with_flags = on_connect
        })
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
        set(mosq, "disconnect", |t| t.on_disconnect = on_disconnect)
    })
}

/// Set the function called when a message sent with `mosquitto_publish` is done: QoS 0 once
/// written, QoS 1 on PUBACK, QoS 2 on PUBCOMP. The argument is the message id.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_publish_callback_set(
    mosq: *mut mosquitto,
    on_publish: Option<unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int)>,
) {
    ffi_guard!((), { set(mosq, "publish", |t| t.on_publish = on_publish) })
}

/// Set the function called for each message received. The message belongs to the library and
/// is freed when the callback returns: copy it with `mosquitto_message_copy` to keep it.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_message_callback_set(
    mosq: *mut mosquitto,
    on_message: Option<unsafe extern "C" fn(*mut mosquitto, *mut c_void, *const mosquitto_message)>,
) {
    ffi_guard!((), { set(mosq, "message", |t| t.on_message = on_message) })
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
        set(mosq, "subscribe", |t| t.on_subscribe = on_subscribe)
    })
}

/// Set the function called on UNSUBACK, with the message id of the UNSUBSCRIBE.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_unsubscribe_callback_set(
    mosq: *mut mosquitto,
    on_unsubscribe: Option<unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int)>,
) {
    ffi_guard!((), {
        set(mosq, "unsubscribe", |t| t.on_unsubscribe = on_unsubscribe)
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
            super::logging::want_debug();
        }
        set(mosq, "log", |t| t.on_log = on_log)
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
        set(mosq, "connect_v5", |t| t.on_connect_v5 = on_connect)
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
        set(mosq, "disconnect_v5", |t| {
            t.on_disconnect_v5 = on_disconnect
        })
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
        set(mosq, "publish_v5", |t| t.on_publish_v5 = on_publish)
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
        set(mosq, "message_v5", |t| t.on_message_v5 = on_message)
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
        set(mosq, "subscribe_v5", |t| t.on_subscribe_v5 = on_subscribe)
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
        set(mosq, "unsubscribe_v5", |t| {
            t.on_unsubscribe_v5 = on_unsubscribe
        })
    })
}
