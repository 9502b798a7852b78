//! Building MQTT 5 property lists from C: `mosquitto_property_add_*`. Each checks that the
//! identifier holds a value of its type (and the value itself where libmosquitto does) and appends
//! a node at the end of the list.

// Safety: every export follows the contract stated in `ffi/mod.rs`; list arguments must in
// addition be NULL or lists built by this module.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};

use super::{append, mosquitto_property};
use crate::ffi::boundary::errors::*;
use crate::ffi::Answer;
use crate::protocol::{utf8, Property, PropertyId, PropertyType, PropertyValue};

/// The identifier `identifier` names, if it is an MQTT 5 property whose value has type `wanted`.
fn typed_id(identifier: c_int, wanted: PropertyType, function: &str) -> Result<PropertyId, c_int> {
    let id = u8::try_from(identifier).ok().and_then(PropertyId::from_u8);
    match id {
        Some(id) if id.data_type() == wanted => Ok(id),
        Some(id) => {
            log::warn!(
                "culex: {function}: property {identifier} ({id:?}) holds a {:?}, not a {wanted:?}",
                id.data_type()
            );
            Err(MOSQ_ERR_INVAL as c_int)
        }
        None => {
            log::warn!("culex: {function}: {identifier} is not an MQTT 5 property identifier");
            Err(MOSQ_ERR_INVAL as c_int)
        }
    }
}

/// A string argument of an `add` function: NULL gives `MOSQ_ERR_INVAL`; text that is not valid
/// MQTT UTF-8 or longer than 65535 bytes gives `MOSQ_ERR_MALFORMED_UTF8`.
///
/// # Safety
/// `ptr` must be NULL or a NUL-terminated string.
unsafe fn string_arg(ptr: *const c_char, what: &str, function: &str) -> Result<String, c_int> {
    if ptr.is_null() {
        log::warn!("culex: {function}: {what} is NULL");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    // SAFETY: not NULL; a C string by the caller's contract.
    match utf8::validate_bytes(unsafe { CStr::from_ptr(ptr) }.to_bytes()) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => {
            log::warn!("culex: {function}: {what} is not a valid MQTT string: {e}");
            Err(MOSQ_ERR_MALFORMED_UTF8 as c_int)
        }
    }
}

/// The `proplist` argument of an `add` function: NULL gives `MOSQ_ERR_INVAL`.
fn list_arg(
    proplist: *mut *mut mosquitto_property,
    function: &str,
) -> Result<*mut *mut mosquitto_property, c_int> {
    if proplist.is_null() {
        log::warn!("culex: {function}: proplist is NULL");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    Ok(proplist)
}

/// The body of the `add` functions: check `proplist` and that `identifier` holds a `kind`, then
/// append the value `value` makes (which may refuse it).
///
/// # Safety
/// `proplist` is NULL or points to NULL or to a list built by the property API.
unsafe fn add(
    proplist: *mut *mut mosquitto_property,
    identifier: c_int,
    kind: PropertyType,
    function: &str,
    value: impl FnOnce() -> Result<PropertyValue, c_int>,
) -> Result<(), c_int> {
    let list = list_arg(proplist, function)?;
    let id = typed_id(identifier, kind, function)?;
    let value = value()?;
    // SAFETY: not NULL; the caller's contract.
    unsafe { append(list, Property::new(id, value)) };
    Ok(())
}

/// The body of `mosquitto_property_add_string`: libmosquitto checks the text before the
/// identifier, and so does this, for the same codes.
///
/// # Safety
/// As for [`add`]; `value` NULL or a C string.
unsafe fn add_string(
    proplist: *mut *mut mosquitto_property,
    identifier: c_int,
    value: *const c_char,
) -> Result<(), c_int> {
    const NAME: &str = "mosquitto_property_add_string";
    let list = list_arg(proplist, NAME)?;
    // SAFETY: the caller's contract.
    let text = unsafe { string_arg(value, "value", NAME) }?;
    let id = typed_id(identifier, PropertyType::Utf8String, NAME)?;
    // SAFETY: not NULL; the caller's contract.
    unsafe { append(list, Property::new(id, PropertyValue::Utf8String(text))) };
    Ok(())
}

/// The body of `mosquitto_property_add_binary`.
///
/// # Safety
/// As for [`add`]; `value` NULL or `len` readable bytes.
unsafe fn add_binary(
    proplist: *mut *mut mosquitto_property,
    identifier: c_int,
    value: *const c_void,
    len: u16,
) -> Result<(), c_int> {
    let data = || {
        if len == 0 {
            return Ok(PropertyValue::BinaryData(Vec::new()));
        }
        if value.is_null() {
            log::warn!("culex: mosquitto_property_add_binary: value is NULL but len is {len}");
            return Err(MOSQ_ERR_INVAL as c_int);
        }
        // SAFETY: not NULL; `len` readable bytes by the caller's contract.
        let data = unsafe { std::slice::from_raw_parts(value.cast::<u8>(), usize::from(len)) };
        Ok(PropertyValue::BinaryData(data.to_vec()))
    };
    let kind = PropertyType::BinaryData;
    // SAFETY: the caller's contract.
    unsafe {
        add(
            proplist,
            identifier,
            kind,
            "mosquitto_property_add_binary",
            data,
        )
    }
}

/// The body of `mosquitto_property_add_string_pair`: here libmosquitto checks the identifier
/// before the strings.
///
/// # Safety
/// As for [`add`]; `name` and `value` NULL or C strings.
unsafe fn add_string_pair(
    proplist: *mut *mut mosquitto_property,
    identifier: c_int,
    name: *const c_char,
    value: *const c_char,
) -> Result<(), c_int> {
    const NAME: &str = "mosquitto_property_add_string_pair";
    let pair = || {
        // SAFETY: the caller's contract.
        let key = unsafe { string_arg(name, "name", NAME) }?;
        // SAFETY: the caller's contract.
        let text = unsafe { string_arg(value, "value", NAME) }?;
        Ok(PropertyValue::Utf8StringPair(key, text))
    };
    // SAFETY: the caller's contract.
    unsafe {
        add(
            proplist,
            identifier,
            PropertyType::Utf8StringPair,
            NAME,
            pair,
        )
    }
}

/// Append a Byte property (e.g. `MQTT_PROP_PAYLOAD_FORMAT_INDICATOR`) to a list. `*proplist` may
/// be NULL, which starts a new list; the list belongs to the caller, who frees it with
/// `mosquitto_property_free_all`. The value itself is not checked here (a Payload Format
/// Indicator of 2 is accepted); `mosquitto_property_check_all` checks it.
///
/// Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` when `proplist` is NULL or `identifier` is not a
/// property of type Byte; `MOSQ_ERR_NOMEM` when out of memory.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_add_byte(
    proplist: *mut *mut mosquitto_property,
    identifier: c_int,
    value: u8,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            add(
                proplist,
                identifier,
                PropertyType::Byte,
                "mosquitto_property_add_byte",
                || Ok(PropertyValue::Byte(value)),
            )
        }
        .answer()
    })
}

/// Append a Two Byte Integer property (e.g. `MQTT_PROP_RECEIVE_MAXIMUM`) to a list; see
/// `mosquitto_property_add_byte` for how lists are started and owned.
///
/// Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` when `proplist` is NULL or `identifier` is not a
/// property of type Two Byte Integer; `MOSQ_ERR_NOMEM` when out of memory.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_add_int16(
    proplist: *mut *mut mosquitto_property,
    identifier: c_int,
    value: u16,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            add(
                proplist,
                identifier,
                PropertyType::TwoByteInteger,
                "mosquitto_property_add_int16",
                || Ok(PropertyValue::TwoByteInteger(value)),
            )
        }
        .answer()
    })
}

/// Append a Four Byte Integer property (e.g. `MQTT_PROP_MESSAGE_EXPIRY_INTERVAL`) to a list; see
/// `mosquitto_property_add_byte` for how lists are started and owned.
///
/// Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` when `proplist` is NULL or `identifier` is not a
/// property of type Four Byte Integer; `MOSQ_ERR_NOMEM` when out of memory.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_add_int32(
    proplist: *mut *mut mosquitto_property,
    identifier: c_int,
    value: u32,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            add(
                proplist,
                identifier,
                PropertyType::FourByteInteger,
                "mosquitto_property_add_int32",
                || Ok(PropertyValue::FourByteInteger(value)),
            )
        }
        .answer()
    })
}

/// Append a Variable Byte Integer property (`MQTT_PROP_SUBSCRIPTION_IDENTIFIER`) to a list; see
/// `mosquitto_property_add_byte` for how lists are started and owned. A variable byte integer
/// holds at most 268435455.
///
/// Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` when `proplist` is NULL, `identifier` is not a
/// property of type Variable Byte Integer or `value` is above 268435455; `MOSQ_ERR_NOMEM` when
/// out of memory.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_add_varint(
    proplist: *mut *mut mosquitto_property,
    identifier: c_int,
    value: u32,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let number = || {
            if value > crate::protocol::MAX_VARINT {
                log::warn!("culex: mosquitto_property_add_varint: {value} is above 268435455");
                return Err(MOSQ_ERR_INVAL as c_int);
            }
            Ok(PropertyValue::VariableByteInteger(value))
        };
        let kind = PropertyType::VariableByteInteger;
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            add(
                proplist,
                identifier,
                kind,
                "mosquitto_property_add_varint",
                number,
            )
        }
        .answer()
    })
}

/// Append a Binary Data property (`MQTT_PROP_CORRELATION_DATA`, `MQTT_PROP_AUTHENTICATION_DATA`)
/// to a list; see `mosquitto_property_add_byte` for how lists are started and owned. The `len`
/// bytes at `value` are copied; `value` may be NULL only when `len` is 0 (empty data).
///
/// Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` when `proplist` is NULL, `identifier` is not a
/// property of type Binary Data, or `value` is NULL with a non-zero `len`; `MOSQ_ERR_NOMEM` when
/// out of memory.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_add_binary(
    proplist: *mut *mut mosquitto_property,
    identifier: c_int,
    value: *const c_void,
    len: u16,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { add_binary(proplist, identifier, value, len) }.answer()
    })
}

/// Append a UTF-8 String property (e.g. `MQTT_PROP_CONTENT_TYPE`) to a list; see
/// `mosquitto_property_add_byte` for how lists are started and owned. `value` is copied; it must
/// be a NUL-terminated MQTT UTF-8 string of at most 65535 bytes.
///
/// Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` when `proplist` or `value` is NULL or
/// `identifier` is not a property of type UTF-8 String; `MOSQ_ERR_MALFORMED_UTF8` when `value`
/// is not valid MQTT UTF-8 (or too long); `MOSQ_ERR_NOMEM` when out of memory.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_add_string(
    proplist: *mut *mut mosquitto_property,
    identifier: c_int,
    value: *const c_char,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { add_string(proplist, identifier, value) }.answer()
    })
}

/// Append a UTF-8 String Pair property (`MQTT_PROP_USER_PROPERTY`) to a list; see
/// `mosquitto_property_add_byte` for how lists are started and owned. `name` and `value` are
/// copied; each must be a NUL-terminated MQTT UTF-8 string of at most 65535 bytes.
///
/// Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` when `proplist`, `name` or `value` is NULL or
/// `identifier` is not a property of type UTF-8 String Pair; `MOSQ_ERR_MALFORMED_UTF8` when
/// `name` or `value` is not valid MQTT UTF-8 (or too long); `MOSQ_ERR_NOMEM` when out of memory.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_add_string_pair(
    proplist: *mut *mut mosquitto_property,
    identifier: c_int,
    name: *const c_char,
    value: *const c_char,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { add_string_pair(proplist, identifier, name, value) }.answer()
    })
}
