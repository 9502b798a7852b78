//! MQTT 5 enhanced authentication on the client side (libmosquitto has none): the method and
//! first data CONNECT carries (`culex_auth_method_set`), a callback for every AUTH the broker
//! sends (`culex_auth_callback_set`), the answer to AUTH 0x18 (`culex_auth_continue`) and
//! re-authentication (`culex_reauthenticate`).
//!
//! The auth callback lives with the handle's other callbacks; [`deliver_auth`] is what the event
//! dispatch calls. No lock is held while a callback runs.

use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_void};

use crate::ffi::boundary::args::{c_str, properties_arg};
use crate::ffi::boundary::errors::{code, MOSQ_ERR_INVAL, MOSQ_ERR_UNKNOWN};
use crate::ffi::handle::mosquitto;
use crate::ffi::property::{mosquitto_property, LentList};
use crate::protocol::{Properties, PropertyContext};

/// Called for every AUTH packet from the broker (MQTT 5 enhanced authentication).
///
/// `reason_code` is 0x18 (continue authentication: answer with `culex_auth_continue`, from inside
/// the callback or later) or 0x00 (a re-authentication succeeded). `method` is the
/// Authentication Method (NUL-terminated), `data`/`datalen` the Authentication Data (NULL and 0
/// when the broker sent none), `props` the other AUTH properties (NULL when none). All of them
/// belong to the library and are valid only during the call.
pub type culex_auth_callback = Option<
    unsafe extern "C" fn(
        mosq: *mut mosquitto,
        userdata: *mut c_void,
        reason_code: c_int,
        method: *const c_char,
        data: *const c_void,
        datalen: c_int,
        props: *const mosquitto_property,
    ),
>;

/// Call the auth callback of `mosq` (if set) for an AUTH from the broker. No lock is held while
/// it runs.
pub(crate) fn deliver_auth(
    h: &mosquitto,
    userdata: *mut c_void,
    reason_code: u8,
    method: &str,
    data: Option<&[u8]>,
    properties: &Properties,
) {
    let Some(cb) = h.callbacks(|c| c.more_ref().and_then(|m| m.on_auth)) else {
        return;
    };
    // MQTT UTF-8 never holds U+0000; strip it anyway rather than fail.
    let method = CString::new(method.replace('\0', "")).unwrap_or_default();
    let (data_ptr, datalen) = match data {
        Some(d) => (d.as_ptr() as *const c_void, d.len() as c_int),
        None => (std::ptr::null(), 0),
    };
    let props = LentList::new(properties);
    // SAFETY: a C function pointer the application gave for this handle, called with the handle,
    // its user data and arguments that stay valid until it returns.
    unsafe {
        cb(
            h.as_ptr(),
            userdata,
            c_int::from(reason_code),
            method.as_ptr(),
            data_ptr,
            datalen,
            props.as_ptr(),
        )
    };
}

/// Binary data argument: NULL with 0 is "no data"; a negative length, or NULL with a positive
/// length, is `MOSQ_ERR_INVAL`.
///
/// # Safety
/// `data` is NULL or `len` readable bytes.
unsafe fn data_arg(data: *const c_void, len: c_int) -> Result<Option<Vec<u8>>, c_int> {
    if len < 0 || len > c_int::from(u16::MAX) || (data.is_null() && len > 0) {
        log::warn!("culex: authentication data of length {len} is invalid");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    if data.is_null() {
        return Ok(None);
    }
    // SAFETY: the caller's contract; `len` is in 0..=65535.
    let data = unsafe { std::slice::from_raw_parts(data as *const u8, len as usize) };
    Ok(Some(data.to_vec()))
}

/// Set the MQTT 5 Authentication Method (and first Authentication Data) sent in CONNECT, for
/// enhanced authentication. `method` NULL removes both. `data` may be NULL when `len` is 0.
/// An Authentication Method among the properties given to `mosquitto_connect_bind_v5` takes
/// precedence. Used from the next connection on; ignored before MQTT 5.
///
/// Returns MOSQ_ERR_SUCCESS, MOSQ_ERR_INVAL (NULL handle, bad length) or
/// MOSQ_ERR_MALFORMED_UTF8 (method not valid UTF-8).
#[no_mangle]
pub unsafe extern "C" fn culex_auth_method_set(
    mosq: *mut mosquitto,
    method: *const c_char,
    data: *const c_void,
    len: c_int,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| auth_method_set(h, method, data, len)) }
    })
}

/// Set the function called for every AUTH packet from the broker (see `culex_auth_callback`).
/// NULL removes it.
#[no_mangle]
pub unsafe extern "C" fn culex_auth_callback_set(
    mosq: *mut mosquitto,
    on_auth: culex_auth_callback,
) {
    ffi_guard!((), {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| h
                .set_callbacks(|c| c.more_mut().on_auth = on_auth))
        }
    })
}

/// Answer the broker's AUTH 0x18 (continue authentication) with AUTH 0x18 carrying the same
/// Authentication Method, `data` (`datalen` bytes; NULL and 0 for none) and `props` (reason
/// string, user properties; NULL for none). May be called from inside the auth callback or later,
/// before CONNACK or during a re-authentication.
///
/// Returns MOSQ_ERR_SUCCESS, MOSQ_ERR_INVAL (NULL handle, bad length, properties not allowed in
/// AUTH), MOSQ_ERR_NOT_SUPPORTED (not MQTT 5), MOSQ_ERR_NO_CONN (no connection),
/// MOSQ_ERR_PROTOCOL (no AUTH from the broker awaits an answer) or MOSQ_ERR_OVERSIZE_PACKET.
#[no_mangle]
pub unsafe extern "C" fn culex_auth_continue(
    mosq: *mut mosquitto,
    data: *const c_void,
    datalen: c_int,
    props: *const mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| auth_send(h, false, data, datalen, props)) }
    })
}

/// Start an MQTT 5 re-authentication while connected: AUTH 0x19 with the Authentication Method
/// of CONNECT, `data` (`datalen` bytes; NULL and 0 for none) and `props` (NULL for none). The
/// broker's answers arrive through the auth callback (0x18: answer with `culex_auth_continue`;
/// 0x00: done); a failure ends the connection with the broker's DISCONNECT.
///
/// Returns MOSQ_ERR_SUCCESS, MOSQ_ERR_INVAL (NULL handle, bad length, no Authentication Method in
/// CONNECT, an exchange already underway, properties not allowed in AUTH),
/// MOSQ_ERR_NOT_SUPPORTED (not MQTT 5), MOSQ_ERR_NO_CONN (not connected) or
/// MOSQ_ERR_OVERSIZE_PACKET.
#[no_mangle]
pub unsafe extern "C" fn culex_reauthenticate(
    mosq: *mut mosquitto,
    data: *const c_void,
    datalen: c_int,
    props: *const mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| auth_send(h, true, data, datalen, props)) }
    })
}

/// The data and property arguments of the AUTH commands.
///
/// # Safety
/// `data` is NULL or `datalen` readable bytes, `props` NULL or a property list.
unsafe fn auth_args(
    h: &mosquitto,
    data: *const c_void,
    datalen: c_int,
    props: *const mosquitto_property,
) -> Result<(Option<Vec<u8>>, Properties), c_int> {
    // SAFETY: the caller's contract.
    let data = unsafe { data_arg(data, datalen) }?;
    // SAFETY: the caller's contract.
    let properties = unsafe { properties_arg(h, props, PropertyContext::Auth) }?;
    Ok((data, properties))
}

/// The body of `culex_auth_method_set`.
///
/// # Safety
/// `method` is NULL or a C string, `data` NULL or `len` readable bytes.
unsafe fn auth_method_set(
    h: &mosquitto,
    method: *const c_char,
    data: *const c_void,
    len: c_int,
) -> Result<(), c_int> {
    let method = if method.is_null() {
        None
    } else {
        // SAFETY: the caller's contract.
        Some(unsafe { c_str(method, "method") }?.to_owned())
    };
    // SAFETY: the caller's contract.
    let data = unsafe { data_arg(data, len) }?;
    h.client.with_session(|s| {
        let creds = s.config_mut().credentials_mut();
        creds.auth_data = if method.is_some() { data } else { None };
        creds.auth_method = method;
    });
    Ok(())
}

/// The body of `culex_auth_continue` (`reauthenticate` false) and `culex_reauthenticate`.
///
/// # Safety
/// As for [`auth_args`].
unsafe fn auth_send(
    h: &mosquitto,
    reauthenticate: bool,
    data: *const c_void,
    datalen: c_int,
    props: *const mosquitto_property,
) -> Result<(), c_int> {
    // SAFETY: the caller's contract.
    let (data, properties) = unsafe { auth_args(h, data, datalen, props) }?;
    let result = h.client.with_session(|s| {
        if reauthenticate {
            s.reauthenticate(data, properties)
        } else {
            s.auth_continue(data, properties)
        }
    });
    if result.is_ok() {
        h.command_written();
    }
    result.map_err(|e| {
        let function = if reauthenticate {
            "culex_reauthenticate"
        } else {
            "culex_auth_continue"
        };
        log::warn!("{function}: {e}");
        code(e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::boundary::errors::{MOSQ_ERR_NOT_SUPPORTED, MOSQ_ERR_NO_CONN};
    use crate::ffi::client::{mosquitto_destroy, mosquitto_new};
    use crate::ffi::culex::culex_topic_alias_auto_set;
    use crate::protocol::{Property, PropertyId, ProtocolVersion};
    use std::sync::Mutex;

    /// One call of the test callback: reason code, method, data, property count.
    type Seen = (c_int, String, Option<Vec<u8>>, usize);
    static SEEN: Mutex<Vec<Seen>> = Mutex::new(Vec::new());

    unsafe extern "C" fn record(
        _mosq: *mut mosquitto,
        userdata: *mut c_void,
        reason_code: c_int,
        method: *const c_char,
        data: *const c_void,
        datalen: c_int,
        props: *const mosquitto_property,
    ) {
        assert_eq!(userdata as usize, 0x5EED);
        // SAFETY: the library's arguments for this call.
        let method = unsafe { std::ffi::CStr::from_ptr(method) }
            .to_str()
            .unwrap()
            .to_owned();
        let data = (!data.is_null())
            // SAFETY: as above.
            .then(|| unsafe { std::slice::from_raw_parts(data as *const u8, datalen as usize) })
            .map(<[u8]>::to_vec);
        // SAFETY: as above.
        let count = unsafe { crate::ffi::property::to_properties(props) }.len();
        SEEN.lock()
            .unwrap()
            .push((reason_code, method, data, count));
    }

    #[test]
    fn setters_check_arguments_and_reach_the_session() {
        // SAFETY: a handle made here and destroyed at the end; valid C strings and buffers.
        unsafe {
            let mosq = mosquitto_new(c"t".as_ptr(), true, 0x5EED as *mut c_void);
            assert!(!mosq.is_null());
            let h = &*mosq;
            let null = std::ptr::null_mut();

            assert_eq!(
                culex_topic_alias_auto_set(null, true),
                MOSQ_ERR_INVAL as c_int
            );
            assert_eq!(culex_topic_alias_auto_set(mosq, true), 0);
            assert!(h.client.with_session(|s| s.config().auto_topic_alias));

            let data = b"first";
            assert_eq!(
                culex_auth_method_set(mosq, c"SCRAM".as_ptr(), data.as_ptr().cast(), -1),
                MOSQ_ERR_INVAL as c_int
            );
            assert_eq!(
                culex_auth_method_set(mosq, c"SCRAM".as_ptr(), std::ptr::null(), 3),
                MOSQ_ERR_INVAL as c_int
            );
            assert_eq!(
                culex_auth_method_set(mosq, c"SCRAM".as_ptr(), data.as_ptr().cast(), 5),
                0
            );
            let (method, auth_data) = h.client.with_session(|s| {
                let c = s.config();
                (
                    c.auth_method().map(str::to_owned),
                    c.auth_data().map(<[u8]>::to_vec),
                )
            });
            assert_eq!(method.as_deref(), Some("SCRAM"));
            assert_eq!(auth_data.as_deref(), Some(&data[..]));
            assert_eq!(
                culex_auth_method_set(mosq, std::ptr::null(), data.as_ptr().cast(), 5),
                0
            );
            assert_eq!(
                h.client
                    .with_session(|s| s.config().auth_method().map(str::to_owned)),
                None
            );

            // 3.1.1 (the default): no AUTH; MQTT 5 without a connection: no connection.
            let none = std::ptr::null();
            assert_eq!(
                culex_reauthenticate(mosq, none, 0, std::ptr::null()),
                MOSQ_ERR_NOT_SUPPORTED as c_int
            );
            h.client
                .with_session(|s| s.config_mut().protocol = ProtocolVersion::V5);
            assert_eq!(
                culex_auth_continue(mosq, none, 0, std::ptr::null()),
                MOSQ_ERR_NO_CONN as c_int
            );
            assert_eq!(
                culex_auth_continue(null, none, 0, std::ptr::null()),
                MOSQ_ERR_INVAL as c_int
            );

            // The callback gets what deliver_auth is given; NULL removes it.
            culex_auth_callback_set(mosq, Some(record));
            let mut props = Properties::new();
            props.push(Property::user("k", "v"));
            deliver_auth(h, h.userdata(), 0x18, "SCRAM", Some(b"srv"), &props);
            deliver_auth(h, h.userdata(), 0x00, "SCRAM", None, &Properties::new());
            culex_auth_callback_set(mosq, None);
            deliver_auth(h, h.userdata(), 0x18, "SCRAM", None, &props);
            assert_eq!(
                *SEEN.lock().unwrap(),
                [
                    (0x18, "SCRAM".to_owned(), Some(b"srv".to_vec()), 1),
                    (0x00, "SCRAM".to_owned(), None, 0)
                ]
            );
            assert!(!props.contains(PropertyId::AuthenticationMethod));
            mosquitto_destroy(mosq);
        }
    }
}
