//! `mosquitto_property`: the MQTT 5 property list of the C API, its conversions, and the exports
//! that build, walk, read, copy and free lists (`mosquitto_property_add_*`, `_read_*`, `_next`,
//! `_identifier`, `_copy_all`, `_free_all`). Checks and name lookups are in `property_check.rs`.
//!
//! A list is a chain of heap nodes, each holding one [`Property`] and a pointer to the next, so
//! that C code can walk it with `mosquitto_property_next` and read nodes by pointer, as with
//! libmosquitto. Lists the application builds (with `mosquitto_property_add_*`) are its own and
//! freed with `mosquitto_property_free_all`; lists the library passes to callbacks are the
//! library's and freed after the callback returns. Values the `_read_*` functions hand out as
//! pointers (strings, binary data) are fresh `malloc` copies that the caller releases with
//! `free()`.
//!
//! This module owns the node layout and the conversions to and from [`Properties`]; nothing else
//! may build or free nodes.

// Safety: every export follows the contract stated in `ffi/mod.rs`; list arguments must in
// addition be NULL or lists built by this module (by `mosquitto_property_add_*`, `_copy_all`, or
// handed to a callback) that are not freed while in use.
#![allow(clippy::missing_safety_doc)]
#![allow(non_camel_case_types)]

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};

use crate::ffi::boundary::errors::*;
pub mod check;
pub mod read;

use crate::protocol::{utf8, Properties, Property, PropertyId, PropertyType, PropertyValue};
pub use check::*;
pub use read::*;

/// One MQTT 5 property in a list (opaque to C).
pub struct mqtt5__property {
    pub(crate) next: *mut mqtt5__property,
    pub(crate) property: Property,
    /// Built by the application (as opposed to received from the broker). Kept by
    /// `mosquitto_property_copy_all`.
    pub(crate) client_generated: bool,
}

/// The C name of an MQTT 5 property list.
pub type mosquitto_property = mqtt5__property;

/// Iterate over the nodes of a list.
///
/// # Safety
/// `list` must be NULL or a list built by this module and not freed while iterating.
pub(crate) unsafe fn nodes<'a>(
    list: *const mosquitto_property,
) -> impl Iterator<Item = &'a mqtt5__property> {
    let mut cursor = list;
    std::iter::from_fn(move || {
        // SAFETY: per the function contract every node pointer is valid or NULL.
        let node = unsafe { cursor.as_ref()? };
        cursor = node.next;
        Some(node)
    })
}

/// The properties of a list, in order (NULL gives an empty set).
///
/// # Safety
/// As for [`nodes`].
pub(crate) unsafe fn to_properties(list: *const mosquitto_property) -> Properties {
    Properties(nodes(list).map(|node| node.property.clone()).collect())
}

/// A new list holding `properties` (NULL when empty). Free with [`free_list`].
pub(crate) fn from_properties(
    properties: &Properties,
    client_generated: bool,
) -> *mut mosquitto_property {
    let mut head: *mut mosquitto_property = std::ptr::null_mut();
    for property in properties.iter().rev() {
        head = Box::into_raw(Box::new(mqtt5__property {
            next: head,
            property: property.clone(),
            client_generated,
        }));
    }
    head
}

/// Append one property at the end of `*list` (creating the list when `*list` is NULL).
///
/// # Safety
/// `list` must point to NULL or to a list built by this module.
pub(crate) unsafe fn append(list: *mut *mut mosquitto_property, property: Property) {
    let node = Box::into_raw(Box::new(mqtt5__property {
        next: std::ptr::null_mut(),
        property,
        client_generated: true,
    }));
    let mut slot = list;
    while !(*slot).is_null() {
        slot = &mut (**slot).next;
    }
    *slot = node;
}

/// Free every node of a list (NULL is fine).
///
/// # Safety
/// `list` must be NULL or a list built by this module, not used afterwards.
pub(crate) unsafe fn free_list(list: *mut mosquitto_property) {
    let mut cursor = list;
    while !cursor.is_null() {
        let node = Box::from_raw(cursor);
        cursor = node.next;
    }
}

/// A list the library lends to a callback: freed when dropped.
pub(crate) struct LentList(*mut mosquitto_property);

impl LentList {
    /// A list holding `properties`, or NULL when there are none.
    pub(crate) fn new(properties: &Properties) -> LentList {
        LentList(from_properties(properties, false))
    }

    /// The pointer to pass to C (NULL for an empty list).
    pub(crate) fn as_ptr(&self) -> *const mosquitto_property {
        self.0
    }
}

impl Drop for LentList {
    fn drop(&mut self) {
        // SAFETY: the list was built by `from_properties` and is owned by this guard.
        unsafe { free_list(self.0) };
    }
}

// ---------------------------------------------------------------------------------------------
// Argument helpers of the exports below.

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
    match utf8::validate_bytes(CStr::from_ptr(ptr).to_bytes()) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => {
            log::warn!("culex: {function}: {what} is not a valid MQTT string: {e}");
            Err(MOSQ_ERR_MALFORMED_UTF8 as c_int)
        }
    }
}

/// Append a checked property to the list `*proplist` points to.
///
/// # Safety
/// `proplist` is not NULL and points to NULL or a list built by this module.
unsafe fn add(
    proplist: *mut *mut mosquitto_property,
    id: PropertyId,
    value: PropertyValue,
) -> c_int {
    append(proplist, Property::new(id, value));
    MOSQ_ERR_SUCCESS as c_int
}

/// Reject a NULL `proplist` argument of an `add` function.
macro_rules! check_list {
    ($proplist:expr) => {
        if $proplist.is_null() {
            ::log::warn!("culex: {}: proplist is NULL", $crate::ffi::function_name!());
            return MOSQ_ERR_INVAL as c_int;
        }
    };
}

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

/// A `malloc` copy of `bytes` followed by a NUL byte (so strings are C strings and binary data
/// is safe to print), or NULL when out of memory.
pub(crate) fn malloc_copy(bytes: &[u8]) -> *mut c_char {
    // SAFETY: malloc accepts any size; the result is checked before use.
    let copy = unsafe { libc::malloc(bytes.len() + 1) }.cast::<u8>();
    if copy.is_null() {
        log::error!("culex: out of memory copying a property value");
        return std::ptr::null_mut();
    }
    // SAFETY: `copy` has room for `bytes.len() + 1` bytes and does not overlap `bytes`.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), copy, bytes.len());
        *copy.add(bytes.len()) = 0;
    }
    copy.cast()
}

// ---------------------------------------------------------------------------------------------
// Building lists.

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
        check_list!(proplist);
        match typed_id(
            identifier,
            PropertyType::Byte,
            "mosquitto_property_add_byte",
        ) {
            Ok(id) => add(proplist, id, PropertyValue::Byte(value)),
            Err(rc) => rc,
        }
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
        check_list!(proplist);
        match typed_id(
            identifier,
            PropertyType::TwoByteInteger,
            "mosquitto_property_add_int16",
        ) {
            Ok(id) => add(proplist, id, PropertyValue::TwoByteInteger(value)),
            Err(rc) => rc,
        }
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
        check_list!(proplist);
        match typed_id(
            identifier,
            PropertyType::FourByteInteger,
            "mosquitto_property_add_int32",
        ) {
            Ok(id) => add(proplist, id, PropertyValue::FourByteInteger(value)),
            Err(rc) => rc,
        }
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
        check_list!(proplist);
        let id = match typed_id(
            identifier,
            PropertyType::VariableByteInteger,
            "mosquitto_property_add_varint",
        ) {
            Ok(id) => id,
            Err(rc) => return rc,
        };
        if value > crate::protocol::MAX_VARINT {
            log::warn!("culex: mosquitto_property_add_varint: {value} is above 268435455");
            return MOSQ_ERR_INVAL as c_int;
        }
        add(proplist, id, PropertyValue::VariableByteInteger(value))
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
        check_list!(proplist);
        let id = match typed_id(
            identifier,
            PropertyType::BinaryData,
            "mosquitto_property_add_binary",
        ) {
            Ok(id) => id,
            Err(rc) => return rc,
        };
        let data = if len == 0 {
            Vec::new()
        } else if value.is_null() {
            log::warn!("culex: mosquitto_property_add_binary: value is NULL but len is {len}");
            return MOSQ_ERR_INVAL as c_int;
        } else {
            std::slice::from_raw_parts(value.cast::<u8>(), usize::from(len)).to_vec()
        };
        add(proplist, id, PropertyValue::BinaryData(data))
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
        const NAME: &str = "mosquitto_property_add_string";
        check_list!(proplist);
        // libmosquitto checks the text before the identifier; so does this, for the same codes.
        let text = match string_arg(value, "value", NAME) {
            Ok(text) => text,
            Err(rc) => return rc,
        };
        match typed_id(identifier, PropertyType::Utf8String, NAME) {
            Ok(id) => add(proplist, id, PropertyValue::Utf8String(text)),
            Err(rc) => rc,
        }
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
        const NAME: &str = "mosquitto_property_add_string_pair";
        check_list!(proplist);
        // Here libmosquitto checks the identifier first.
        let id = match typed_id(identifier, PropertyType::Utf8StringPair, NAME) {
            Ok(id) => id,
            Err(rc) => return rc,
        };
        let key = match string_arg(name, "name", NAME) {
            Ok(key) => key,
            Err(rc) => return rc,
        };
        match string_arg(value, "value", NAME) {
            Ok(text) => add(proplist, id, PropertyValue::Utf8StringPair(key, text)),
            Err(rc) => rc,
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Walking lists.

/// The identifier (an `MQTT_PROP_*` value) of the property `property` points to, or 0 when
/// `property` is NULL.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_identifier(
    property: *const mosquitto_property,
) -> c_int {
    ffi_guard!(0, {
        property
            .as_ref()
            .map_or(0, |node| c_int::from(node.property.id.as_u8()))
    })
}

/// The property after `proplist` in its list, or NULL at the end of the list or when `proplist`
/// is NULL. Walk a list with
/// `for (p = list; p != NULL; p = mosquitto_property_next(p)) { ... }`.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_next(
    proplist: *const mosquitto_property,
) -> *const mosquitto_property {
    ffi_guard!(std::ptr::null(), {
        proplist
            .as_ref()
            .map_or(std::ptr::null(), |node| node.next.cast_const())
    })
}

// ---------------------------------------------------------------------------------------------
// Copying and freeing lists.

/// Make `*dest` a new list holding copies of every property of `src`, in order (NULL when `src`
/// is NULL or empty). Whatever `*dest` held before is overwritten, not freed. The copy belongs to
/// the caller, who frees it with `mosquitto_property_free_all`.
///
/// Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` when `dest` is NULL; `MOSQ_ERR_NOMEM` when out of
/// memory (with `*dest` NULL).
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_copy_all(
    dest: *mut *mut mosquitto_property,
    src: *const mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        check_null!(dest);
        *dest = std::ptr::null_mut();
        let mut head: *mut mosquitto_property = std::ptr::null_mut();
        let mut slot: *mut *mut mosquitto_property = &mut head;
        for node in nodes(src) {
            let copy = Box::into_raw(Box::new(mqtt5__property {
                next: std::ptr::null_mut(),
                property: node.property.clone(),
                client_generated: node.client_generated,
            }));
            *slot = copy;
            slot = &mut (*copy).next;
        }
        *dest = head;
        MOSQ_ERR_SUCCESS as c_int
    })
}

/// Free every property of the list `*properties` points to and set `*properties` to NULL. Only
/// for lists the application owns (built with `mosquitto_property_add_*` or
/// `mosquitto_property_copy_all`), never for lists given to a callback. NULL `properties` or NULL
/// `*properties` do nothing.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_free_all(properties: *mut *mut mosquitto_property) {
    ffi_guard!((), {
        if properties.is_null() {
            return;
        }
        free_list(*properties);
        *properties = std::ptr::null_mut();
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{PropertyId, PropertyValue};

    #[test]
    fn round_trip_keeps_order_and_frees() {
        let mut props = Properties::new();
        props.push(Property::user("a", "1"));
        props.add(
            PropertyId::ContentType,
            PropertyValue::Utf8String("text".into()),
        );
        props.push(Property::user("b", "2"));
        let list = from_properties(&props, true);
        // SAFETY: built above, freed once below.
        unsafe {
            assert_eq!(to_properties(list), props);
            let mut more = list;
            append(&mut more, Property::user("c", "3"));
            assert_eq!(to_properties(more).len(), 4);
            free_list(more);
        }
        assert!(LentList::new(&Properties::new()).as_ptr().is_null());
    }
}
