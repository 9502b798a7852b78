//! The MQTT 5 variants of the client commands: `mosquitto_connect_bind_v5`, `publish_v5`,
//! `subscribe_v5`, `unsubscribe_v5`, `disconnect_v5` and `will_set_v5`. Each is its 3.1.1
//! counterpart plus a property list; MQTT 3.1/3.1.1 clients refuse a non-NULL list with
//! `MOSQ_ERR_NOT_SUPPORTED`, as libmosquitto 2.0 does.

// Safety: every export follows the contract stated in `ffi/mod.rs`; none adds to it.
#![allow(clippy::missing_safety_doc)]

use std::os::raw::{c_char, c_int, c_void};

use super::commands::{
    connect_common, properties_arg, publish_common, subscribe_common, unsubscribe_common,
    will_common,
};
use crate::ffi::boundary::errors::*;
use crate::ffi::handle::{handle_or_inval, mosquitto};
use crate::ffi::property::{free_list, mosquitto_property};
use crate::protocol::PropertyContext;

/// `mosquitto_connect_bind` with MQTT 5 CONNECT properties (kept for reconnects; a Receive
/// Maximum set with `MOSQ_OPT_RECEIVE_MAXIMUM` is kept unless the list has its own). The list
/// stays the caller's.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_connect_bind_v5(
    mosq: *mut mosquitto,
    host: *const c_char,
    port: c_int,
    keepalive: c_int,
    bind_address: *const c_char,
    properties: *const mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        connect_common(mosq, host, port, keepalive, bind_address, true, properties)
    })
}

/// `mosquitto_publish` with MQTT 5 PUBLISH properties. With a Topic Alias property the topic may
/// be empty. The list stays the caller's.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_publish_v5(
    mosq: *mut mosquitto,
    mid: *mut c_int,
    topic: *const c_char,
    payloadlen: c_int,
    payload: *const c_void,
    qos: c_int,
    retain: bool,
    properties: *const mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        h.with_logs(|h| {
            let properties = match properties_arg(h, properties, PropertyContext::Publish) {
                Ok(p) => p,
                Err(code) => return code,
            };
            publish_common(h, mid, topic, payloadlen, payload, qos, retain, properties)
        })
    })
}

/// `mosquitto_subscribe` with MQTT 5 subscription `options` (no-local 0x04,
/// retain-as-published 0x08, retain handling 0x10/0x20) and SUBSCRIBE properties (e.g. a
/// subscription identifier). The list stays the caller's.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_subscribe_v5(
    mosq: *mut mosquitto,
    mid: *mut c_int,
    sub: *const c_char,
    qos: c_int,
    options: c_int,
    properties: *const mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        h.with_logs(|h| {
            let properties = match properties_arg(h, properties, PropertyContext::Subscribe) {
                Ok(p) => p,
                Err(code) => return code,
            };
            subscribe_common(h, mid, 1, &(sub as *mut c_char), qos, options, properties)
        })
    })
}

/// `mosquitto_unsubscribe` with MQTT 5 UNSUBSCRIBE properties. The list stays the caller's.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_unsubscribe_v5(
    mosq: *mut mosquitto,
    mid: *mut c_int,
    sub: *const c_char,
    properties: *const mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        h.with_logs(|h| {
            let properties = match properties_arg(h, properties, PropertyContext::Unsubscribe) {
                Ok(p) => p,
                Err(code) => return code,
            };
            unsubscribe_common(h, mid, 1, &(sub as *mut c_char), properties)
        })
    })
}

/// `mosquitto_disconnect` with an MQTT 5 reason code (0..=255) and DISCONNECT properties (MQTT
/// 3.1/3.1.1 send no reason code). The list stays the caller's.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_disconnect_v5(
    mosq: *mut mosquitto,
    reason_code: c_int,
    properties: *const mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        h.with_logs(|h| {
            let Ok(reason) = u8::try_from(reason_code) else {
                log::warn!("mosquitto_disconnect_v5: reason code {reason_code} is out of range");
                return MOSQ_ERR_INVAL as c_int;
            };
            let properties = match properties_arg(h, properties, PropertyContext::Disconnect) {
                Ok(p) => p,
                Err(code) => return code,
            };
            let v5 = h.client.with_session(|s| s.config().protocol.is_v5());
            let reason = if v5 { reason } else { 0 };
            result_code(h.client.disconnect(reason, properties))
        })
    })
}

/// `mosquitto_will_set` with MQTT 5 will properties (e.g. Will Delay Interval, Content Type).
/// On success the library takes the list and frees it; on failure it stays the caller's.
/// `MOSQ_ERR_NOT_SUPPORTED` for a list on an MQTT 3.1/3.1.1 client.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_will_set_v5(
    mosq: *mut mosquitto,
    topic: *const c_char,
    payloadlen: c_int,
    payload: *const c_void,
    qos: c_int,
    retain: bool,
    properties: *mut mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        h.with_logs(|h| {
            let props = match properties_arg(h, properties, PropertyContext::Will) {
                Ok(p) => p,
                Err(code) => return code,
            };
            let rc = will_common(h, topic, payloadlen, payload, qos, retain, props);
            if rc == MOSQ_ERR_SUCCESS as c_int {
                // Ownership passed to the library with success.
                free_list(properties);
            }
            rc
        })
    })
}
