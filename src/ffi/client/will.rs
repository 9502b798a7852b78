//! What CONNECT carries besides the client id: the will (`mosquitto_will_set`, `_v5`,
//! `mosquitto_will_clear`) and the credentials (`mosquitto_username_pw_set`).

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};
use std::ptr;

use crate::ffi::boundary::args::*;
use crate::ffi::boundary::errors::*;
use crate::ffi::handle::mosquitto;
use crate::ffi::property::{free_list, mosquitto_property};
use crate::protocol::{PropertyContext, Will};

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
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| will_set(
                h,
                topic,
                payloadlen,
                payload,
                qos,
                retain,
                ptr::null_mut()
            ))
        }
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
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| will_set(
                h, topic, payloadlen, payload, qos, retain, properties
            ))
        }
    })
}

/// The body of `mosquitto_will_set(_v5)`: check the arguments and store the will. On success
/// the library owns `properties` (and frees the list); on failure it stays the caller's.
///
/// # Safety
/// `topic` NULL or a C string, `payload` NULL or `payloadlen` readable bytes, `properties` NULL
/// or a property list the caller owns.
unsafe fn will_set(
    h: &mosquitto,
    topic: *const c_char,
    payloadlen: c_int,
    payload: *const c_void,
    qos: c_int,
    retain: bool,
    properties: *mut mosquitto_property,
) -> Result<(), c_int> {
    // SAFETY: the caller's contract.
    let props = unsafe { properties_arg(h, properties, PropertyContext::Will) }?;
    // SAFETY: the caller's contract.
    let topic = unsafe { c_str(topic, "will topic") }?;
    if crate::protocol::topic::validate_topic_name(topic).is_err() {
        log::warn!("culex: will topic '{topic}' is not a valid topic name");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    // SAFETY: the caller's contract.
    let payload = unsafe { payload_arg(payloadlen, payload) }?;
    let qos = qos_arg(qos)?;
    let will = Will {
        topic: topic.to_owned(),
        payload: payload.to_vec(),
        qos,
        retain,
        properties: props,
    };
    h.client
        .with_session(|s| s.config_mut().will = Some(Box::new(will)));
    // Ownership passed to the library with success. SAFETY: the caller's list, not used by it
    // after a success (the contract of `mosquitto_will_set_v5`).
    unsafe { free_list(properties) };
    Ok(())
}

/// The body of `mosquitto_username_pw_set`.
///
/// # Safety
/// `username` and `password` are NULL or C strings.
unsafe fn username_pw_set(
    h: &mosquitto,
    username: *const c_char,
    password: *const c_char,
) -> Result<(), c_int> {
    // SAFETY: the caller's contract.
    let username = unsafe { opt_c_str(username, "username") }?.map(str::to_owned);
    let v5 = h.client.with_session(|s| s.config().protocol.is_v5());
    if username.is_none() && !password.is_null() && !v5 {
        log::warn!("mosquitto_username_pw_set: MQTT 3.1/3.1.1 need a username to send a password");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    let password = if (username.is_some() || v5) && !password.is_null() {
        // SAFETY: the caller's contract.
        Some(unsafe { CStr::from_ptr(password) }.to_bytes().to_vec())
    } else {
        None
    };
    h.client.with_session(|s| {
        let creds = s.config_mut().credentials_mut();
        creds.username = username;
        creds.password = password;
    });
    Ok(())
}

/// Remove the will. Takes effect at the next connect.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_will_clear(mosq: *mut mosquitto) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                h.client.with_session(|s| s.config_mut().will = None);
                Ok(())
            })
        }
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
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| username_pw_set(h, username, password)) }
    })
}
