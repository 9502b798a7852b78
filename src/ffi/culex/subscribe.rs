//! Subscriptions as paho-mqtt makes them: several filters in one SUBSCRIBE, each with its own
//! QoS and options (libmosquitto's `mosquitto_subscribe_multiple` gives them all the same), and
//! the reason code of every filter of an UNSUBACK (libmosquitto's `on_unsubscribe_v5` has none).

use std::os::raw::{c_char, c_int, c_void};

use crate::ffi::boundary::errors::*;
use crate::ffi::client::commands::{filter_options, subscribe_filters};
use crate::ffi::handle::mosquitto;
use crate::ffi::property::mosquitto_property;

/// `void (*)(struct mosquitto *mosq, void *obj, int mid, int reason_count,
/// const int *reason_codes, const mosquitto_property *props)`: an UNSUBACK, with the reason code
/// of each filter of the UNSUBSCRIBE in order (MQTT 5; MQTT 3.1.1 UNSUBACKs have none:
/// `reason_count` 0). The array and the list are the library's, valid during the call.
pub type culex_unsubscribe_v5_callback = Option<
    unsafe extern "C" fn(
        *mut mosquitto,
        *mut c_void,
        c_int,
        c_int,
        *const c_int,
        *const mosquitto_property,
    ),
>;

/// Subscribe to `sub_count` filters in one SUBSCRIBE, the `i`-th at `options[i]`: its QoS (0, 1
/// or 2) with the MQTT 5 option bits of `mosquitto_subscribe_v5` (no-local 0x04,
/// retain-as-published 0x08, retain handling 0x10/0x20). `mid` (may be NULL) receives the message
/// id passed to `on_subscribe`. The property list stays the caller's.
///
/// Returns as `mosquitto_subscribe_multiple`: MOSQ_ERR_SUCCESS, MOSQ_ERR_INVAL (NULL handle,
/// filters or options, a count below 1, an invalid filter, QoS or option), MOSQ_ERR_NO_CONN,
/// MOSQ_ERR_MALFORMED_UTF8, MOSQ_ERR_NOT_SUPPORTED (properties on an MQTT 3 client).
#[no_mangle]
pub unsafe extern "C" fn culex_subscribe_multiple_v5(
    mosq: *mut mosquitto,
    mid: *mut c_int,
    sub_count: c_int,
    sub: *const *mut c_char,
    options: *const c_int,
    properties: *const mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                if options.is_null() {
                    log::warn!("culex_subscribe_multiple_v5: options is NULL");
                    return Err(MOSQ_ERR_INVAL as c_int);
                }
                subscribe_filters(
                    h,
                    mid,
                    sub_count,
                    sub,
                    // The caller's contract: `sub_count` options; `i < sub_count`.
                    |i| {
                        let o = *options.add(i);
                        filter_options(o & 0x03, o & !0x03)
                    },
                    properties,
                )
            })
        }
    })
}

/// Set the function called for every UNSUBACK with the reason code of each filter (see
/// `culex_unsubscribe_v5_callback`), as well as `on_unsubscribe` and `on_unsubscribe_v5`. NULL
/// removes it.
#[no_mangle]
pub unsafe extern "C" fn culex_unsubscribe_v5_callback_set(
    mosq: *mut mosquitto,
    on_unsubscribe: culex_unsubscribe_v5_callback,
) {
    ffi_guard!((), {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| h.set_callbacks(|c| {
                c.more_mut().on_unsubscribe_reasons = on_unsubscribe;
            }))
        }
    })
}
