//! Checking and converting C arguments: strings, topics, payloads, QoS, message-id
//! out-pointers and MQTT 5 property lists, with libmosquitto's error codes and a log line for
//! every refusal. Shared by the export modules; exports nothing itself.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};

use crate::ffi::boundary::errors::*;
use crate::ffi::handle::mosquitto;
use crate::ffi::property::mosquitto_property;
use crate::protocol::{utf8, Properties, PropertyContext, QoS, MAX_REMAINING_LENGTH};

/// Largest payload libmosquitto accepts (`MQTT_MAX_PAYLOAD`).
const MAX_PAYLOAD: c_int = MAX_REMAINING_LENGTH as c_int;

/// A C string argument as `&str`: NULL → `MOSQ_ERR_INVAL`, bad UTF-8 → `MOSQ_ERR_MALFORMED_UTF8`.
///
/// # Safety
/// `ptr` must be NULL or a NUL-terminated string that outlives the returned reference.
pub(crate) unsafe fn c_str<'a>(ptr: *const c_char, what: &str) -> Result<&'a str, c_int> {
    if ptr.is_null() {
        log::warn!("culex: {what} is NULL");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    // SAFETY: not NULL; a C string that outlives `'a` by the caller's contract.
    match unsafe { CStr::from_ptr(ptr) }.to_str() {
        Ok(s) if utf8::validate_str(s).is_ok() => Ok(s),
        _ => {
            log::warn!("culex: {what} is not valid UTF-8");
            Err(MOSQ_ERR_MALFORMED_UTF8 as c_int)
        }
    }
}

/// A topic name argument of PUBLISH, checked in one pass over the C string: NULL →
/// `MOSQ_ERR_INVAL`; not MQTT UTF-8 (as [`c_str`]) → `MOSQ_ERR_MALFORMED_UTF8`; then empty (unless
/// `aliased`) or holding a wildcard → `MOSQ_ERR_INVAL`. A valid result passes
/// `validate_topic_name` (or is empty and `aliased`).
///
/// # Safety
/// As [`c_str`].
pub(crate) unsafe fn topic_name<'a>(ptr: *const c_char, aliased: bool) -> Result<&'a str, c_int> {
    if ptr.is_null() {
        log::warn!("culex: topic is NULL");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    // Printable ASCII needs no more than this scan (branch-free, so it vectorises); anything else
    // takes the full check.
    // SAFETY: not NULL; a C string that outlives `'a` by the caller's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    let mut other = false;
    let mut wildcard = false;
    for &b in bytes {
        other |= !(0x20..=0x7E).contains(&b);
        wildcard |= b == b'+' || b == b'#';
    }
    let topic = if !other && bytes.len() <= utf8::MAX_STRING_LEN {
        // SAFETY: printable ASCII (checked just above) is UTF-8.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    } else {
        // SAFETY: the caller's contract.
        let topic = unsafe { c_str(ptr, "topic") }?;
        wildcard = crate::protocol::topic::has_wildcards(topic);
        topic
    };
    if (topic.is_empty() && !aliased) || wildcard {
        log::warn!("culex: publish: '{topic}' is not a valid topic name");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    Ok(topic)
}

/// `MOSQ_ERR_INVAL`, logged as `<function>: <why>`.
pub(crate) fn refuse<T>(function: &str, why: &str) -> Result<T, c_int> {
    log::warn!("{function}: {why}");
    Err(MOSQ_ERR_INVAL as c_int)
}

/// An optional C string: NULL → `None`.
///
/// # Safety
/// As [`c_str`].
pub(crate) unsafe fn opt_c_str<'a>(
    ptr: *const c_char,
    what: &str,
) -> Result<Option<&'a str>, c_int> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: the caller's contract.
        unsafe { c_str(ptr, what) }.map(Some)
    }
}

/// A payload argument as a slice: checks the length and the pointer.
///
/// # Safety
/// `ptr` is NULL or `len` readable bytes that outlive `'a`.
pub(crate) unsafe fn payload_arg<'a>(len: c_int, ptr: *const c_void) -> Result<&'a [u8], c_int> {
    if !(0..=MAX_PAYLOAD).contains(&len) {
        log::warn!("culex: payload length {len} is out of range");
        return Err(MOSQ_ERR_PAYLOAD_SIZE as c_int);
    }
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        log::warn!("culex: payload is NULL but payloadlen is {len}");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    // SAFETY: not NULL; `len` (in 1..=MAX_PAYLOAD) readable bytes by the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr as *const u8, len as usize) })
}

pub(crate) fn qos_arg(qos: c_int) -> Result<QoS, c_int> {
    u8::try_from(qos)
        .ok()
        .and_then(QoS::from_u8)
        .ok_or_else(|| {
            log::warn!("culex: QoS {qos} is not 0, 1 or 2");
            MOSQ_ERR_INVAL as c_int
        })
}

/// Store `mid` through an optional out-pointer.
///
/// # Safety
/// `out` is NULL or writable.
pub(crate) unsafe fn set_mid(out: *mut c_int, mid: u16) {
    if !out.is_null() {
        // SAFETY: not NULL; writable by the caller's contract.
        unsafe { out.write(c_int::from(mid)) };
    }
}

/// A property list argument for a packet of kind `context`: NULL is none; MQTT 3.1/3.1.1
/// clients refuse a list with `MOSQ_ERR_NOT_SUPPORTED` (as libmosquitto 2.0 does); MQTT 5 lists
/// are checked like
/// `mosquitto_property_check_all` (`MOSQ_ERR_PROTOCOL` for a property the packet may not carry,
/// `MOSQ_ERR_DUPLICATE_PROPERTY` for a repeated single-occurrence one).
///
/// # Safety
/// `props` must be NULL or a list built by the property API.
pub(crate) unsafe fn properties_arg(
    h: &mosquitto,
    props: *const mosquitto_property,
    context: PropertyContext,
) -> Result<Properties, c_int> {
    if props.is_null() {
        return Ok(Properties::default());
    }
    let v5 = h.client.with_session(|s| s.config().protocol.is_v5());
    if !v5 {
        // libmosquitto's documentation says "ignored", its code (and so this) refuses.
        log::warn!("culex: properties need MQTT 5 (set MOSQ_OPT_PROTOCOL_VERSION)");
        return Err(MOSQ_ERR_NOT_SUPPORTED as c_int);
    }
    // libmosquitto's rule: a list the library built from a received packet (handed to a
    // callback, or a node of it that mosquitto_property_read_*() returned) is used one property
    // at a time, so that a responder passing the Correlation Data node of a request sends that
    // property only, not every property after it. A will takes the list whole.
    // SAFETY: the caller's contract: `props` is a live node of a list built by this library.
    let head = unsafe { &*props };
    let properties = if !head.client_generated && context != PropertyContext::Will {
        Properties(vec![head.property.clone()])
    } else {
        // SAFETY: the caller's contract.
        unsafe { crate::ffi::property::to_properties(props) }
    };
    check_properties(&properties, context)?;
    Ok(properties)
}

/// The libmosquitto verdict on a property list for a packet of kind `context`.
pub(crate) fn check_properties(
    properties: &Properties,
    context: PropertyContext,
) -> Result<(), c_int> {
    if let Err((code, why)) = crate::ffi::property::check::list_verdict(&properties.0, context) {
        log::warn!("culex: {why}");
        return Err(code);
    }
    if properties.body_len() > MAX_REMAINING_LENGTH as usize {
        log::warn!("culex: the properties do not fit in a packet");
        return Err(MOSQ_ERR_PROTOCOL as c_int);
    }
    Ok(())
}
