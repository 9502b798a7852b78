//! Reading MQTT 5 property lists from C: `mosquitto_property_read_*`, with libmosquitto's
//! `skip_first` iteration over repeated properties. Strings and binary data are handed out as
//! `malloc` copies the caller frees.

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
    // SAFETY: the caller's contract.
    unsafe { nodes(proplist) }
        .filter(|node| node.property.id == id)
        .nth(usize::from(skip_first))
}

/// The body of every `read` function: the node [`find`] answers, once `store` has taken what it
/// wants from its value (`store` gives `None` when the value is not of the kind, or when out of
/// memory); NULL otherwise.
///
/// # Safety
/// As for [`find`].
unsafe fn read_node(
    proplist: *const mosquitto_property,
    identifier: c_int,
    kind: PropertyType,
    skip_first: bool,
    store: impl FnOnce(&PropertyValue) -> Option<()>,
) -> *const mosquitto_property {
    // SAFETY: the caller's contract.
    match unsafe { find(proplist, identifier, kind, skip_first) } {
        Some(node) if store(&node.property.value).is_some() => node,
        _ => std::ptr::null(),
    }
}

/// The body of the number reads: store the number the value holds through `out` (when not
/// NULL). `T` is the C type of the export's kind (`u8`, `u16`, `u32`).
///
/// # Safety
/// As for [`find`]; `out` NULL or writable.
unsafe fn read_number<T: TryFrom<u32>>(
    proplist: *const mosquitto_property,
    identifier: c_int,
    kind: PropertyType,
    skip_first: bool,
    out: *mut T,
) -> *const mosquitto_property {
    let store = |value: &PropertyValue| {
        let number = match value {
            PropertyValue::Byte(v) => u32::from(*v),
            PropertyValue::TwoByteInteger(v) => u32::from(*v),
            PropertyValue::FourByteInteger(v) | PropertyValue::VariableByteInteger(v) => *v,
            _ => return None,
        };
        let number = T::try_from(number).ok()?;
        if !out.is_null() {
            // SAFETY: not NULL; writable by the caller's contract.
            unsafe { out.write(number) };
        }
        Some(())
    };
    // SAFETY: the caller's contract.
    unsafe { read_node(proplist, identifier, kind, skip_first, store) }
}

/// Store a `malloc` copy of `bytes` (NUL-terminated) through `out`, when `out` is not NULL.
/// `None` when out of memory.
///
/// # Safety
/// `out` is NULL or writable.
unsafe fn copy_out<T>(out: *mut *mut T, bytes: &[u8]) -> Option<()> {
    if !out.is_null() {
        let copy = malloc_copy(bytes);
        if copy.is_null() {
            return None;
        }
        // SAFETY: not NULL; writable by the caller's contract.
        unsafe { out.write(copy.cast()) };
    }
    Some(())
}

/// Set `*out` to NULL when `out` is not NULL.
///
/// # Safety
/// `out` is NULL or writable.
unsafe fn clear<T>(out: *mut *mut T) {
    if !out.is_null() {
        // SAFETY: not NULL; writable by the caller's contract.
        unsafe { out.write(std::ptr::null_mut()) };
    }
}

/// The body of `mosquitto_property_read_binary`.
///
/// # Safety
/// As for [`find`]; `value` and `len` NULL or writable.
unsafe fn read_binary(
    proplist: *const mosquitto_property,
    identifier: c_int,
    value: *mut *mut c_void,
    len: *mut u16,
    skip_first: bool,
) -> *const mosquitto_property {
    if proplist.is_null() {
        return std::ptr::null();
    }
    if value.is_null() != len.is_null() {
        log::warn!(
            "culex: mosquitto_property_read_binary: value and len must both be given or both be \
             NULL"
        );
        return std::ptr::null();
    }
    // SAFETY: the caller's contract (also for the stores below).
    unsafe { clear(value) };
    let store = |found: &PropertyValue| {
        let PropertyValue::BinaryData(data) = found else {
            return None;
        };
        // SAFETY: as above.
        unsafe { copy_out(value, data) }?;
        if !len.is_null() {
            // Binary data added through the API or decoded from the wire fits a u16 length.
            // SAFETY: as above.
            unsafe { len.write(u16::try_from(data.len()).unwrap_or(u16::MAX)) };
        }
        Some(())
    };
    let kind = PropertyType::BinaryData;
    // SAFETY: the caller's contract.
    unsafe { read_node(proplist, identifier, kind, skip_first, store) }
}

/// The body of `mosquitto_property_read_string_pair`.
///
/// # Safety
/// As for [`find`]; `name` and `value` NULL or writable.
unsafe fn read_string_pair(
    proplist: *const mosquitto_property,
    identifier: c_int,
    name: *mut *mut c_char,
    value: *mut *mut c_char,
    skip_first: bool,
) -> *const mosquitto_property {
    if proplist.is_null() {
        return std::ptr::null();
    }
    // SAFETY: the caller's contract (also for the stores below).
    unsafe {
        clear(name);
        clear(value);
    }
    let store = |found: &PropertyValue| {
        let PropertyValue::Utf8StringPair(key, text) = found else {
            return None;
        };
        let mut key_copy: *mut c_char = std::ptr::null_mut();
        if !name.is_null() {
            // SAFETY: a local out-pointer.
            unsafe { copy_out(&mut key_copy, key.as_bytes()) }?;
        }
        // SAFETY: as above.
        if unsafe { copy_out(value, text.as_bytes()) }.is_none() {
            // SAFETY: from malloc (or NULL), not handed out.
            unsafe { libc::free(key_copy.cast()) };
            return None;
        }
        if !name.is_null() {
            // SAFETY: as above.
            unsafe { name.write(key_copy) };
        }
        Some(())
    };
    let kind = PropertyType::Utf8StringPair;
    // SAFETY: the caller's contract.
    unsafe { read_node(proplist, identifier, kind, skip_first, store) }
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
        let kind = PropertyType::Byte;
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { read_number(proplist, identifier, kind, skip_first, value) }
    })
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
        let kind = PropertyType::TwoByteInteger;
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { read_number(proplist, identifier, kind, skip_first, value) }
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
        let kind = PropertyType::FourByteInteger;
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { read_number(proplist, identifier, kind, skip_first, value) }
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
        let kind = PropertyType::VariableByteInteger;
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { read_number(proplist, identifier, kind, skip_first, value) }
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
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { read_binary(proplist, identifier, value, len, skip_first) }
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
        let store = |found: &PropertyValue| match found {
            // SAFETY: the export's contract (`ffi/mod.rs`): `value` NULL or writable.
            PropertyValue::Utf8String(text) => unsafe { copy_out(value, text.as_bytes()) },
            _ => None,
        };
        let kind = PropertyType::Utf8String;
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { read_node(proplist, identifier, kind, skip_first, store) }
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
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { read_string_pair(proplist, identifier, name, value, skip_first) }
    })
}
