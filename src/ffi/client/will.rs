//! What CONNECT carries besides the client id: the will (`mosquitto_will_set`, `_v5`,
//! `mosquitto_will_clear`) and the credentials (`mosquitto_username_pw_set`).

// Safety: every export follows the contract stated in `ffi/mod.rs`; none adds to it.
#![allow(clippy::missing_safety_doc)]

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};

use crate::ffi::boundary::args::*;
use crate::ffi::boundary::errors::*;
use crate::ffi::handle::{handle_or_inval, mosquitto};
use crate::ffi::property::{free_list, mosquitto_property};
use crate::protocol::{Properties, PropertyContext, Will};

/// Set the will: a message the broker publishes for this client if the connection ends without
/// DISCONNECT. Takes effect at the next connect.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_will_set(
    mosq: *mut mosquitto,
    topic: *const c_char,
    payloadlen: c_int,
    payload: *const c_void,
    qos: c_int,
    retain: bool,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        h.with_logs(|h| {
            will_common(
                h,
                topic,
                payloadlen,
                payload,
                qos,
                retain,
                Properties::default(),
            )
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

/// Check the will arguments and store the will.
pub(crate) unsafe fn will_common(
    h: &mosquitto,
    topic: *const c_char,
    payloadlen: c_int,
    payload: *const c_void,
    qos: c_int,
    retain: bool,
    properties: Properties,
) -> c_int {
    let topic = match c_str(topic, "will topic") {
        Ok(t) => t,
        Err(code) => return code,
    };
    if crate::protocol::topic::validate_topic_name(topic).is_err() {
        log::warn!("culex: will topic '{topic}' is not a valid topic name");
        return MOSQ_ERR_INVAL as c_int;
    }
    let payload = match self::payload(payloadlen, payload) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let qos = match qos_arg(qos) {
        Ok(q) => q,
        Err(code) => return code,
    };
    let will = Will {
        topic: topic.to_owned(),
        payload: payload.to_vec(),
        qos,
        retain,
        properties,
    };
    h.client
        .with_session(|s| s.config_mut().will = Some(Box::new(will)));
    MOSQ_ERR_SUCCESS as c_int
}

/// Remove the will. Takes effect at the next connect.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_will_clear(mosq: *mut mosquitto) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        h.client.with_session(|s| s.config_mut().will = None);
        MOSQ_ERR_SUCCESS as c_int
    })
}

/// Set the username and password sent in CONNECT; a NULL username removes both. Takes effect at
/// the next connect.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_username_pw_set(
    mosq: *mut mosquitto,
    username: *const c_char,
    password: *const c_char,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        h.with_logs(|h| {
            let username = match opt_c_str(username, "username") {
                Ok(u) => u.map(str::to_owned),
                Err(code) => return code,
            };
            let v5 = h.client.with_session(|s| s.config().protocol.is_v5());
            if username.is_none() && !password.is_null() && !v5 {
                log::warn!(
                    "mosquitto_username_pw_set: MQTT 3.1/3.1.1 need a username to send a password"
                );
                return MOSQ_ERR_INVAL as c_int;
            }
            let password = if (username.is_some() || v5) && !password.is_null() {
                Some(CStr::from_ptr(password).to_bytes().to_vec())
            } else {
                None
            };
            h.client.with_session(|s| {
                let creds = s.config_mut().credentials_mut();
                creds.username = username;
                creds.password = password;
            });
            MOSQ_ERR_SUCCESS as c_int
        })
    })
}
