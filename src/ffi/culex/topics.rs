//! Message callbacks per subscription filter (Paho's `message_callback_add` and
//! `message_callback_remove`).
//!
//! A message goes to the callback of every filter that matches its topic, in the order they were
//! added, and to `on_message` / `on_message_v5` only when none matches. A filter has one callback
//! of each form (v3: the message; v5: the message and its properties; data: both and a pointer of
//! the application's, for hosts whose callbacks are closures: language bindings); adding one
//! again replaces it. Adding and removing work from any thread and from inside any callback, also the one being
//! run: the dispatcher copies what it calls before calling it.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};

use crate::ffi::boundary::errors::*;
use crate::ffi::callbacks::{
    MessageCallback, MessageDataCallback, MessageV5Callback, TopicCallback,
};
use crate::ffi::handle::mosquitto;
use crate::ffi::property::mosquitto_property;
use crate::ffi::util::message::mosquitto_message;
use crate::protocol::topic::validate_topic_filter;

/// A message callback for one filter: `on_message`'s signature (the message is the library's,
/// valid during the call).
pub type culex_message_callback =
    Option<unsafe extern "C" fn(*mut mosquitto, *mut c_void, *const mosquitto_message)>;

/// The MQTT 5 form: `on_message_v5`'s signature (message and properties are the library's).
pub type culex_message_v5_callback = Option<
    unsafe extern "C" fn(
        *mut mosquitto,
        *mut c_void,
        *const mosquitto_message,
        *const mosquitto_property,
    ),
>;

/// The filter to match topics against: a shared subscription's filter without its
/// `$share/<group>/` prefix (the broker delivers shared messages on their own topic); empty, so
/// invalid, for a `$share/<group>` without a filter.
fn matched_part(filter: &str) -> &str {
    match filter.strip_prefix("$share/") {
        Some(rest) => rest.split_once('/').map_or("", |(_, f)| f),
        None => filter,
    }
}

/// A message callback for one filter with a pointer of the application's: the message and its
/// properties (the library's, valid during the call; properties NULL when there are none) and
/// the `data` given to `culex_message_callback_add_data`.
pub type culex_message_data_callback = Option<
    unsafe extern "C" fn(
        *mut mosquitto,
        *mut c_void,
        *const mosquitto_message,
        *const mosquitto_property,
        *mut c_void,
    ),
>;

/// Read and check a subscription filter argument.
///
/// # Safety
/// `sub` is NULL or a NUL-terminated string.
unsafe fn filter_arg(sub: *const c_char) -> Result<&'static str, c_int> {
    if sub.is_null() {
        log::warn!("culex: the subscription filter is NULL");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    // SAFETY: the caller's contract.
    let Ok(filter) = unsafe { CStr::from_ptr(sub) }.to_str() else {
        log::warn!("culex: the subscription filter is not UTF-8");
        return Err(MOSQ_ERR_MALFORMED_UTF8 as c_int);
    };
    if validate_topic_filter(filter).is_err()
        || validate_topic_filter(matched_part(filter)).is_err()
    {
        log::warn!("culex: '{filter}' is not a valid subscription filter");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    Ok(filter)
}

/// Add (or replace) the callback of one form for `filter`: `set` fills in that form.
fn add(h: &mosquitto, filter: &str, set: impl FnOnce(&mut TopicCallback)) {
    h.set_callbacks(|c| {
        let list = &mut c.more_mut().topic_callbacks;
        let at = match list.iter().position(|t| &*t.filter == filter) {
            Some(at) => at,
            None => {
                list.push(TopicCallback {
                    filter: filter.into(),
                    matched: matched_part(filter).into(),
                    on_message: None,
                    on_message_v5: None,
                    on_message_data: None,
                });
                list.len() - 1
            }
        };
        set(&mut list[at]);
    });
}

/// Call `on_message` for every message whose topic matches the subscription filter `sub` (with
/// `+` and `#`; a `$share/<group>/` prefix is left out of the match). Messages that match no
/// filter's callback go to the callback of `mosquitto_message_callback_set`. Adding a callback
/// to a filter that has one replaces it. Safe from any thread and inside any callback.
///
/// Returns MOSQ_ERR_SUCCESS, MOSQ_ERR_INVAL (NULL handle, filter or callback, invalid filter)
/// or MOSQ_ERR_MALFORMED_UTF8.
#[no_mangle]
pub unsafe extern "C" fn culex_message_callback_add(
    mosq: *mut mosquitto,
    sub: *const c_char,
    on_message: culex_message_callback,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                let filter = filter_arg(sub)?;
                let f: Option<MessageCallback> = on_message;
                let Some(f) = f else {
                    log::warn!("culex_message_callback_add: the callback is NULL");
                    return Err(MOSQ_ERR_INVAL as c_int);
                };
                add(h, filter, |t| t.on_message = Some(f));
                Ok(())
            })
        }
    })
}

/// The MQTT 5 form of `culex_message_callback_add`: the callback also gets the message's
/// properties (as `on_message_v5` does). A filter may have one callback of each form; both are
/// called.
#[no_mangle]
pub unsafe extern "C" fn culex_message_callback_add_v5(
    mosq: *mut mosquitto,
    sub: *const c_char,
    on_message: culex_message_v5_callback,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                let filter = filter_arg(sub)?;
                let f: Option<MessageV5Callback> = on_message;
                let Some(f) = f else {
                    log::warn!("culex_message_callback_add_v5: the callback is NULL");
                    return Err(MOSQ_ERR_INVAL as c_int);
                };
                add(h, filter, |t| t.on_message_v5 = Some(f));
                Ok(())
            })
        }
    })
}

/// The form of `culex_message_callback_add` for callbacks that need data of their own (a
/// closure, an object of a language binding): `on_message` gets the message, its properties
/// (NULL when there are none, as before MQTT 5) and `data`, which the library never reads and
/// never frees. A filter may have one callback of this form beside the other two; adding another
/// replaces it and its data. After `culex_message_callback_remove` returns, a call that had
/// already started on the loop's thread may still be running: free `data` only once no loop
/// can be calling (after `mosquitto_loop_stop()`, or from the thread that drives the loop).
///
/// Returns MOSQ_ERR_SUCCESS, MOSQ_ERR_INVAL (NULL handle, filter or callback, invalid filter)
/// or MOSQ_ERR_MALFORMED_UTF8.
#[no_mangle]
pub unsafe extern "C" fn culex_message_callback_add_data(
    mosq: *mut mosquitto,
    sub: *const c_char,
    on_message: culex_message_data_callback,
    data: *mut c_void,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                let filter = filter_arg(sub)?;
                let f: Option<MessageDataCallback> = on_message;
                let Some(f) = f else {
                    log::warn!("culex_message_callback_add_data: the callback is NULL");
                    return Err(MOSQ_ERR_INVAL as c_int);
                };
                add(h, filter, |t| t.on_message_data = Some((f, data as usize)));
                Ok(())
            })
        }
    })
}

/// Remove the callbacks (every form) of the subscription filter `sub`, as given to
/// `culex_message_callback_add`. Safe from any thread and inside any callback, also the one
/// being removed.
///
/// Returns MOSQ_ERR_SUCCESS, MOSQ_ERR_NOT_FOUND (no callback for that filter), MOSQ_ERR_INVAL
/// (NULL handle or filter, invalid filter) or MOSQ_ERR_MALFORMED_UTF8.
#[no_mangle]
pub unsafe extern "C" fn culex_message_callback_remove(
    mosq: *mut mosquitto,
    sub: *const c_char,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                let filter = filter_arg(sub)?;
                let mut found = false;
                h.set_callbacks(|c| {
                    let list = &mut c.more_mut().topic_callbacks;
                    let before = list.len();
                    list.retain(|t| &*t.filter != filter);
                    found = list.len() != before;
                });
                if found {
                    Ok(())
                } else {
                    Err(MOSQ_ERR_NOT_FOUND as c_int)
                }
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::matched_part;

    #[test]
    fn shared_subscriptions_match_on_their_filter() {
        assert_eq!(matched_part("a/+/c"), "a/+/c");
        assert_eq!(matched_part("$share/group/a/#"), "a/#");
        assert_eq!(matched_part("$share/group"), "");
        assert_eq!(matched_part("$SYS/#"), "$SYS/#");
    }
}
