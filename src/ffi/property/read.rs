//! Reading MQTT 5 property lists from C: `mosquitto_property_read_*`, with libmosquitto's
//! `skip_first` iteration over repeated properties. Strings and binary data are handed out as
//! `malloc` copies the caller frees.

// Safety: every export follows the contract stated in `ffi/mod.rs`; none adds to it.
#![allow(clippy::missing_safety_doc)]

use std::os::raw::{c_char, c_int, c_void};

use super::{malloc_copy, mosquitto_property, mqtt5__property, nodes};
use crate::protocol::{PropertyId, PropertyType, PropertyValue};

/// The node a `read` function answers with: the first node from `proplist` on whose identifier
/// is `identifier`, or the second such node when `skip_first` is true (libmosquitto skips the
/// first *matching* node, which is `proplist` itself in the usual iteration that passes back the
/// node the previous call returned). `None` when `identifier` does not hold a `wanted` value.
///
/// # Safety
/// `proplist` must be NULL or a list built by this module.
pub(crate) unsafe fn find<'a>(
    proplist: *const mosquitto_property,
    identifier: c_int,
    wanted: PropertyType,
    skip_first: bool,
) -> Option<&'a mqtt5__property> {
    let id = u8::try_from(identifier)
        .ok()
        .and_then(PropertyId::from_u8)?;
    if id.data_type() != wanted {
        return None;
    }
    nodes(proplist)
        .filter(|node| node.property.id == id)
        .nth(usize::from(skip_first))
}

// ---------------------------------------------------------------------------------------------
// Reading values.
//
// Every `read` function searches the list from `proplist` on for a property with `identifier`
// and returns a pointer to the node it found (inside the list: do not free it), or NULL when
// there is none, when `proplist` is NULL, or when `identifier` does not have the function's type.
// With `skip_first` the first matching node is passed over, so repeated properties (User
// Property) are visited by passing each returned node back in with `skip_first` true.

/// Find a Byte property (e.g. `MQTT_PROP_PAYLOAD_FORMAT_INDICATOR`) in a list and store its value
/// in `*value` (when `value` is not NULL). When nothing is found `*value` is left alone, so it may
/// hold a default beforehand.
///
/// `skip_first` false finds the first property with `identifier` from `proplist` on; true finds
/// the second, which visits every occurrence of a repeated property:
/// `for (p = mosquitto_property_read_byte(list, id, &v, false); p;
///      p = mosquitto_property_read_byte(p, id, &v, true)) { ... }`.
///
/// Returns the node found (it stays part of the list), or NULL when there is none, when
/// `proplist` is NULL or when `identifier` is not a property of type Byte.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_read_byte(
    proplist: *const mosquitto_property,
    identifier: c_int,
    value: *mut u8,
    skip_first: bool,
) -> *const mosquitto_property {
    ffi_guard!(std::ptr::null(), {
        read_number(
            proplist,
            identifier,
            PropertyType::Byte,
            skip_first,
            value,
            |p| match p {
                PropertyValue::Byte(v) => Some(*v),
                _ => None,
            },
        )
    })
}

/// The body of the number reads: find the property, store its value through `value` (when not
/// NULL) and return its node, or NULL.
///
/// # Safety
/// `proplist` as for [`nodes`]; `value` NULL or writable.
unsafe fn read_number<T>(
    proplist: *const mosquitto_property,
    identifier: c_int,
    kind: PropertyType,
    skip_first: bool,
    value: *mut T,
    extract: impl Fn(&PropertyValue) -> Option<T>,
) -> *const mosquitto_property {
    let Some(node) = find(proplist, identifier, kind, skip_first) else {
        return std::ptr::null();
    };
    match extract(&node.property.value) {
        Some(v) => {
            if !value.is_null() {
                *value = v;
            }
            node as *const mosquitto_property
        }
        None => std::ptr::null(),
    }
}

/// Find a Two Byte Integer property (e.g. `MQTT_PROP_SERVER_KEEP_ALIVE`) in a list and store
/// its value in `*value` (when `value` is not NULL); `*value` is left alone when nothing is
/// found. `skip_first` and the result are as for `mosquitto_property_read_byte`.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_read_int16(
    proplist: *const mosquitto_property,
    identifier: c_int,
    value: *mut u16,
    skip_first: bool,
) -> *const mosquitto_property {
    ffi_guard!(std::ptr::null(), {
        read_number(
            proplist,
            identifier,
            PropertyType::TwoByteInteger,
            skip_first,
            value,
            |p| match p {
                PropertyValue::TwoByteInteger(v) => Some(*v),
                _ => None,
            },
        )
    })
}

/// Find a Four Byte Integer property (e.g. `MQTT_PROP_SESSION_EXPIRY_INTERVAL`) in a list and
/// store its value in `*value` (when `value` is not NULL); `*value` is left alone when nothing is
/// found. `skip_first` and the result are as for `mosquitto_property_read_byte`.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_read_int32(
    proplist: *const mosquitto_property,
    identifier: c_int,
    value: *mut u32,
    skip_first: bool,
) -> *const mosquitto_property {
    ffi_guard!(std::ptr::null(), {
        read_number(
            proplist,
            identifier,
            PropertyType::FourByteInteger,
            skip_first,
            value,
            |p| match p {
                PropertyValue::FourByteInteger(v) => Some(*v),
                _ => None,
            },
        )
    })
}

/// Find a Variable Byte Integer property (`MQTT_PROP_SUBSCRIPTION_IDENTIFIER`) in a list and
/// store its value in `*value` (when `value` is not NULL); `*value` is left alone when nothing is
/// found. `skip_first` and the result are as for `mosquitto_property_read_byte`.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_read_varint(
    proplist: *const mosquitto_property,
    identifier: c_int,
    value: *mut u32,
    skip_first: bool,
) -> *const mosquitto_property {
    ffi_guard!(std::ptr::null(), {
        read_number(
            proplist,
            identifier,
            PropertyType::VariableByteInteger,
            skip_first,
            value,
            |p| match p {
                PropertyValue::VariableByteInteger(v) => Some(*v),
                _ => None,
            },
        )
    })
}

/// Find a Binary Data property (e.g. `MQTT_PROP_CORRELATION_DATA`) in a list. When `value` and
/// `len` are given, `*value` receives a `malloc` copy of the data (with a NUL byte after it, not
/// counted in `*len`) that the caller frees with `free()`, and `*len` its length. Pass both or
/// neither: one without the other finds nothing. When both are given `*value` is set to NULL
/// first, so it is NULL whenever nothing is found (`*len` is then left alone). `skip_first` is as
/// for `mosquitto_property_read_byte`.
///
/// Returns the node found, or NULL when there is none, when `proplist` is NULL, when
/// `identifier` is not a property of type Binary Data or when out of memory.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_read_binary(
    proplist: *const mosquitto_property,
    identifier: c_int,
    value: *mut *mut c_void,
    len: *mut u16,
    skip_first: bool,
) -> *const mosquitto_property {
    ffi_guard!(std::ptr::null(), {
        if proplist.is_null() {
            return std::ptr::null();
        }
        if value.is_null() != len.is_null() {
            log::warn!(
                "culex: mosquitto_property_read_binary: value and len must both be given or both \
                 be NULL"
            );
            return std::ptr::null();
        }
        if !value.is_null() {
            *value = std::ptr::null_mut();
        }
        let Some(node) = find(proplist, identifier, PropertyType::BinaryData, skip_first) else {
            return std::ptr::null();
        };
        let PropertyValue::BinaryData(data) = &node.property.value else {
            return std::ptr::null();
        };
        if !value.is_null() {
            let copy = malloc_copy(data);
            if copy.is_null() {
                return std::ptr::null();
            }
            *value = copy.cast();
            // Binary data added through the API or decoded from the wire fits a u16 length.
            *len = u16::try_from(data.len()).unwrap_or(u16::MAX);
        }
        node as *const mosquitto_property
    })
}

/// Find a UTF-8 String property (e.g. `MQTT_PROP_CONTENT_TYPE`) in a list. When `value` is not
/// NULL, `*value` receives a NUL-terminated `malloc` copy of the string that the caller frees with
/// `free()`; when nothing is found `*value` is left alone. `skip_first` is as for
/// `mosquitto_property_read_byte`.
///
/// Returns the node found, or NULL when there is none, when `proplist` is NULL, when
/// `identifier` is not a property of type UTF-8 String or when out of memory.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_read_string(
    proplist: *const mosquitto_property,
    identifier: c_int,
    value: *mut *mut c_char,
    skip_first: bool,
) -> *const mosquitto_property {
    ffi_guard!(std::ptr::null(), {
        let Some(node) = find(proplist, identifier, PropertyType::Utf8String, skip_first) else {
            return std::ptr::null();
        };
        let PropertyValue::Utf8String(text) = &node.property.value else {
            return std::ptr::null();
        };
        if !value.is_null() {
            let copy = malloc_copy(text.as_bytes());
            if copy.is_null() {
                return std::ptr::null();
            }
            *value = copy;
        }
        node as *const mosquitto_property
    })
}

/// Find a UTF-8 String Pair property (`MQTT_PROP_USER_PROPERTY`) in a list. `*name` and `*value`
/// (each only when its pointer is not NULL) receive NUL-terminated `malloc` copies of the pair's
/// name and value, which the caller frees with `free()`. When `proplist` is not NULL both are set
/// to NULL first, so they are NULL whenever nothing is found. `skip_first` is as for
/// `mosquitto_property_read_byte`; to visit every User Property:
/// `for (p = mosquitto_property_read_string_pair(list, MQTT_PROP_USER_PROPERTY, &k, &v, false); p;
///      p = mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY, &k, &v, true)) {
///      ...; free(k); free(v); }`.
///
/// Returns the node found, or NULL when there is none, when `proplist` is NULL, when
/// `identifier` is not a property of type UTF-8 String Pair or when out of memory.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_read_string_pair(
    proplist: *const mosquitto_property,
    identifier: c_int,
    name: *mut *mut c_char,
    value: *mut *mut c_char,
    skip_first: bool,
) -> *const mosquitto_property {
    ffi_guard!(std::ptr::null(), {
        if proplist.is_null() {
            return std::ptr::null();
        }
        if !name.is_null() {
            *name = std::ptr::null_mut();
        }
        if !value.is_null() {
            *value = std::ptr::null_mut();
        }
        let Some(node) = find(
            proplist,
            identifier,
            PropertyType::Utf8StringPair,
            skip_first,
        ) else {
            return std::ptr::null();
        };
        let PropertyValue::Utf8StringPair(key, text) = &node.property.value else {
            return std::ptr::null();
        };
        let mut key_copy = std::ptr::null_mut();
        if !name.is_null() {
            key_copy = malloc_copy(key.as_bytes());
            if key_copy.is_null() {
                return std::ptr::null();
            }
        }
        if !value.is_null() {
            let text_copy = malloc_copy(text.as_bytes());
            if text_copy.is_null() {
                libc::free(key_copy.cast());
                return std::ptr::null();
            }
            *value = text_copy;
        }
        if !name.is_null() {
            *name = key_copy;
        }
        node as *const mosquitto_property
    })
}
