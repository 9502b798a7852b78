//! `mosquitto_property`: the MQTT 5 property list of the C API, its conversions, and the exports
//! that walk, copy and free lists (`mosquitto_property_next`, `_identifier`, `_copy_all`,
//! `_free_all`). Building lists is in [`add`], reading them in [`read`], checks and name lookups
//! in [`check`].
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

use std::os::raw::{c_char, c_int};

use crate::ffi::boundary::alloc::malloc_with_nul;
use crate::ffi::boundary::errors::*;
use crate::protocol::{Properties, Property};

pub mod add;
pub mod check;
pub mod read;

pub use add::*;
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
    // SAFETY: the caller's contract.
    let nodes = unsafe { nodes(list) };
    Properties(nodes.map(|node| node.property.clone()).collect())
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
    // SAFETY: `slot` starts at the caller's list pointer and then walks the `next` fields of the
    // list's nodes, all valid by the caller's contract.
    unsafe {
        while !(*slot).is_null() {
            slot = &mut (**slot).next;
        }
        *slot = node;
    }
}

/// Free every node of a list (NULL is fine).
///
/// # Safety
/// `list` must be NULL or a list built by this module, not used afterwards.
pub(crate) unsafe fn free_list(list: *mut mosquitto_property) {
    let mut cursor = list;
    while !cursor.is_null() {
        // SAFETY: every node was made by `Box::into_raw` here, and the caller gives the list up.
        let node = unsafe { Box::from_raw(cursor) };
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

/// [`malloc_with_nul`] for a value a `read` function hands out, logging when out of memory.
pub(crate) fn malloc_copy(bytes: &[u8]) -> *mut c_char {
    let copy = malloc_with_nul(bytes);
    if copy.is_null() {
        log::error!("culex: out of memory copying a property value");
    }
    copy
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
        // SAFETY: the export's contract: NULL or a node of a list built by the property API.
        let node = unsafe { property.as_ref() };
        node.map_or(0, |node| c_int::from(node.property.id.as_u8()))
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
        // SAFETY: the export's contract: NULL or a node of a list built by the property API.
        let node = unsafe { proplist.as_ref() };
        node.map_or(std::ptr::null(), |node| node.next.cast_const())
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
        // SAFETY: the export's contract: `dest` (not NULL) writable, `src` NULL or a list built
        // by the property API; `slot` points at `head` or at the `next` of the last node made.
        unsafe {
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
        }
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
        // SAFETY: the export's contract: `properties` (not NULL) points to NULL or to a list the
        // application owns and gives up here.
        unsafe {
            free_list(*properties);
            *properties = std::ptr::null_mut();
        }
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
