//! Creating, configuring and commanding a client: `mosquitto_new` … `mosquitto_disconnect`,
//! `publish`, `subscribe`, `unsubscribe`, will, credentials and behaviour settings.

// Safety: every export follows the contract stated in `ffi/mod.rs`; none adds to it.
#![allow(clippy::missing_safety_doc)]

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::driver::Client;
use crate::error::Error;
use crate::ffi::boundary::errors::*;
use crate::ffi::callbacks::CallbackTable;
use crate::ffi::handle::{handle_or_inval, mosquitto};
use crate::ffi::property::mosquitto_property;
use crate::protocol::{
    Properties, PropertyContext, QoS, RetainHandling, SubscribeFilter, SubscriptionOptions, Will,
};
use crate::session::SessionConfig;

pub(crate) use super::connect::{connect_common, target};
pub(crate) use crate::ffi::boundary::args::*;

fn random_client_id() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut bytes = [0u8; 16];
    // SAFETY: getrandom writes at most bytes.len() bytes into the live buffer.
    let got = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    if got != bytes.len() as isize {
        // Fall back to the clock and address-space layout: uniqueness, not secrecy, is needed.
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
            ^ (&bytes as *const _ as u128);
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (seed >> ((i % 16) * 8)) as u8 ^ (i as u8).wrapping_mul(151);
        }
    }
    let mut id = String::from("mosq-");
    id.extend(
        bytes
            .iter()
            .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char),
    );
    id
}

fn session_config(id: Option<&str>, clean_session: bool) -> SessionConfig {
    SessionConfig {
        client_id: id.map_or_else(random_client_id, str::to_owned),
        clean_start: clean_session,
        ..SessionConfig::default()
    }
}

/// Check the arguments of `mosquitto_new`/`mosquitto_reinitialise`.
unsafe fn new_args(id: *const c_char, clean_session: bool) -> Result<Option<&'static str>, c_int> {
    let id = opt_c_str(id, "id")?;
    if id.is_none() && !clean_session {
        log::warn!("culex: a client without an id must use a clean session");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    if id == Some("") {
        log::warn!("culex: the client id must not be empty (pass NULL for a random one)");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    if id.is_some_and(|s| s.len() > 65535) {
        log::warn!("culex: client id is too long");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    Ok(id)
}

fn errno_for(code: c_int) -> c_int {
    if code == MOSQ_ERR_NOMEM as c_int {
        libc::ENOMEM
    } else {
        libc::EINVAL
    }
}

/// Create a client. `id` NULL makes a random client id (then `clean_session` must be true);
/// `obj` is passed to every callback (the handle itself when NULL). Returns NULL with errno set
/// (EINVAL, ENOMEM) on failure. Free with `mosquitto_destroy`.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_new(
    id: *const c_char,
    clean_session: bool,
    obj: *mut c_void,
) -> *mut mosquitto {
    ffi_guard!(std::ptr::null_mut(), {
        // Programs that skip mosquitto_lib_init still get CULEX_LOG_STDERR and on_log.
        crate::ffi::boundary::logging::install_logger();
        let id = match new_args(id, clean_session) {
            Ok(id) => id,
            Err(code) => {
                set_errno(errno_for(code));
                return std::ptr::null_mut();
            }
        };
        let client = match Client::new(session_config(id, clean_session)) {
            Ok(c) => c,
            Err(e) => {
                log::warn!("mosquitto_new: {e}");
                set_errno(match e {
                    Error::Errno(n) => n,
                    _ => libc::ENOMEM,
                });
                return std::ptr::null_mut();
            }
        };
        let handle = Box::into_raw(Box::new(mosquitto {
            client: Arc::new(client),
            callbacks: Mutex::new(CallbackTable::default()),
            userdata: AtomicPtr::new(obj),
            wants_log: AtomicBool::new(false),
        }));
        if obj.is_null() {
            (*handle).userdata.store(handle.cast(), Ordering::Release);
        }
        handle
    })
}

/// Free a client: stops its loop thread, closes its socket, frees everything. NULL is ignored.
/// Must not be called from inside one of the client's own callbacks.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_destroy(mosq: *mut mosquitto) {
    ffi_guard!((), {
        if mosq.is_null() {
            return;
        }
        let handle = Box::from_raw(mosq);
        if handle.client.has_loop_thread() {
            let _ = handle.client.loop_stop(true);
        }
        drop(handle);
    })
}

/// Return a client to the state `mosquitto_new` gives, with a new id, session flag and user
/// data; callbacks are cleared, the connection closed and all queued messages dropped.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_reinitialise(
    mosq: *mut mosquitto,
    id: *const c_char,
    clean_session: bool,
    obj: *mut c_void,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        let checked = h.with_logs(|_| new_args(id, clean_session));
        let id = match checked {
            Ok(id) => id,
            Err(code) => return code,
        };
        let h = &mut *mosq;
        if h.client.has_loop_thread() {
            let _ = h.client.loop_stop(true);
        }
        let client = match Client::new(session_config(id, clean_session)) {
            Ok(c) => c,
            Err(e) => return error_code(&e),
        };
        h.client = Arc::new(client);
        *h.table() = CallbackTable::default();
        h.wants_log.store(false, Ordering::Relaxed);
        let obj = if obj.is_null() { mosq.cast() } else { obj };
        h.userdata.store(obj, Ordering::Release);
        MOSQ_ERR_SUCCESS as c_int
    })
}

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
        let h = handle_or_inval!(mosq);
        h.with_logs(|h| {
            will_common(
                h,
                topic,
                payloadlen,
                payload,
                qos,
                retain,
                Properties::default(),
            )
        })
    })
}

/// Check the will arguments and store the will.
pub(crate) unsafe fn will_common(
    h: &mosquitto,
    topic: *const c_char,
    payloadlen: c_int,
    payload: *const c_void,
    qos: c_int,
    retain: bool,
    properties: Properties,
) -> c_int {
    let topic = match c_str(topic, "will topic") {
        Ok(t) => t,
        Err(code) => return code,
    };
    if crate::protocol::topic::validate_topic_name(topic).is_err() {
        log::warn!("culex: will topic '{topic}' is not a valid topic name");
        return MOSQ_ERR_INVAL as c_int;
    }
    let payload = match self::payload(payloadlen, payload) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let qos = match qos_arg(qos) {
        Ok(q) => q,
        Err(code) => return code,
    };
    let will = Will {
        topic: topic.to_owned(),
        payload: payload.to_vec(),
        qos,
        retain,
        properties,
    };
    h.client
        .with_session(|s| s.config_mut().will = Some(Box::new(will)));
    MOSQ_ERR_SUCCESS as c_int
}

/// Remove the will. Takes effect at the next connect.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_will_clear(mosq: *mut mosquitto) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        h.client.with_session(|s| s.config_mut().will = None);
        MOSQ_ERR_SUCCESS as c_int
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
        let h = handle_or_inval!(mosq);
        h.with_logs(|h| {
            let username = match opt_c_str(username, "username") {
                Ok(u) => u.map(str::to_owned),
                Err(code) => return code,
            };
            let v5 = h.client.with_session(|s| s.config().protocol.is_v5());
            if username.is_none() && !password.is_null() && !v5 {
                log::warn!(
                    "mosquitto_username_pw_set: MQTT 3.1/3.1.1 need a username to send a password"
                );
                return MOSQ_ERR_INVAL as c_int;
            }
            let password = if (username.is_some() || v5) && !password.is_null() {
                Some(CStr::from_ptr(password).to_bytes().to_vec())
            } else {
                None
            };
            h.client.with_session(|s| {
                let creds = s.config_mut().credentials_mut();
                creds.username = username;
                creds.password = password;
            });
            MOSQ_ERR_SUCCESS as c_int
        })
    })
}

/// Publish a message. `mid` (may be NULL) receives its message id, also passed to
/// `on_publish`. Safe from any thread and from callbacks; never waits for the network. QoS 0
/// needs a connection (`MOSQ_ERR_NO_CONN`); QoS 1 and 2 are queued while offline.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_publish(
    mosq: *mut mosquitto,
    mid: *mut c_int,
    topic: *const c_char,
    payloadlen: c_int,
    payload: *const c_void,
    qos: c_int,
    retain: bool,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        h.with_logs(|h| {
            publish_common(
                h,
                mid,
                topic,
                payloadlen,
                payload,
                qos,
                retain,
                Properties::default(),
            )
        })
    })
}

/// Check the publish arguments and queue the message.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn publish_common(
    h: &mosquitto,
    mid: *mut c_int,
    topic: *const c_char,
    payloadlen: c_int,
    payload: *const c_void,
    qos: c_int,
    retain: bool,
    properties: Properties,
) -> c_int {
    // Checked in one pass before the connection state, as libmosquitto does; the session does not
    // check it again. MQTT 5 may leave the topic empty when a topic alias names it.
    let aliased = properties.contains(crate::protocol::PropertyId::TopicAlias);
    let topic = match topic_name(topic, aliased) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let payload = match self::payload(payloadlen, payload) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let qos = match qos_arg(qos) {
        Ok(q) => q,
        Err(code) => return code,
    };
    let result = h
        .client
        .with_session(|s| s.publish_checked_topic(topic, payload, qos, retain, properties));
    match result {
        Ok(id) => {
            set_mid(mid, id);
            MOSQ_ERR_SUCCESS as c_int
        }
        Err(e) => {
            log::warn!("culex: publish: {e}");
            error_code(&e)
        }
    }
}

/// Subscribe options from `mosquitto_subscribe_multiple`'s `options` bits.
fn subscription_options(qos: QoS, options: c_int) -> SubscriptionOptions {
    SubscriptionOptions {
        qos,
        no_local: options & 0x04 != 0,
        retain_as_published: options & 0x08 != 0,
        retain_handling: match (options >> 4) & 0x03 {
            1 => RetainHandling::SendIfNew,
            2 => RetainHandling::DoNotSend,
            _ => RetainHandling::SendOnSubscribe,
        },
    }
}

/// Read `count` C strings as topic filters.
unsafe fn filters(count: c_int, subs: *const *mut c_char) -> Result<Vec<String>, c_int> {
    if count <= 0 || subs.is_null() {
        log::warn!("culex: need at least one topic filter");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    let mut out = Vec::with_capacity(count as usize);
    for i in 0..count as usize {
        let filter = c_str(*subs.add(i), "topic filter")?;
        if crate::protocol::topic::validate_topic_filter(filter).is_err() {
            log::warn!("culex: '{filter}' is not a valid topic filter");
            return Err(MOSQ_ERR_INVAL as c_int);
        }
        out.push(filter.to_owned());
    }
    Ok(out)
}

pub(crate) unsafe fn subscribe_common(
    h: &mosquitto,
    mid: *mut c_int,
    count: c_int,
    subs: *const *mut c_char,
    qos: c_int,
    options: c_int,
    properties: Properties,
) -> c_int {
    let filters = match filters(count, subs) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let qos = match qos_arg(qos) {
        Ok(q) => q,
        Err(code) => return code,
    };
    if options & !0x3C != 0 || options & 0x30 == 0x30 {
        log::warn!("culex: subscription options 0x{options:x} are invalid");
        return MOSQ_ERR_INVAL as c_int;
    }
    let opts = subscription_options(qos, options);
    let filters = filters
        .into_iter()
        .map(|filter| SubscribeFilter {
            filter,
            options: opts,
        })
        .collect();
    match h.client.subscribe(filters, properties) {
        Ok(id) => {
            set_mid(mid, id);
            MOSQ_ERR_SUCCESS as c_int
        }
        Err(e) => {
            log::warn!("subscribe: {e}");
            error_code(&e)
        }
    }
}

/// Subscribe to one topic filter at a QoS. `mid` (may be NULL) receives the message id passed
/// to `on_subscribe`.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_subscribe(
    mosq: *mut mosquitto,
    mid: *mut c_int,
    sub: *const c_char,
    qos: c_int,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        h.with_logs(|h| {
            subscribe_common(
                h,
                mid,
                1,
                &(sub as *mut c_char),
                qos,
                0,
                Properties::default(),
            )
        })
    })
}

/// Subscribe to several topic filters in one SUBSCRIBE, all at `qos` with the MQTT 5 `options`
/// bits (no-local 0x04, retain-as-published 0x08, retain handling 0x10/0x20).
#[no_mangle]
pub unsafe extern "C" fn mosquitto_subscribe_multiple(
    mosq: *mut mosquitto,
    mid: *mut c_int,
    sub_count: c_int,
    sub: *const *mut c_char,
    qos: c_int,
    options: c_int,
    properties: *const mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        h.with_logs(|h| {
            let properties = match properties_arg(h, properties, PropertyContext::Subscribe) {
                Ok(p) => p,
                Err(code) => return code,
            };
            subscribe_common(h, mid, sub_count, sub, qos, options, properties)
        })
    })
}

pub(crate) unsafe fn unsubscribe_common(
    h: &mosquitto,
    mid: *mut c_int,
    count: c_int,
    subs: *const *mut c_char,
    properties: Properties,
) -> c_int {
    let filters = match filters(count, subs) {
        Ok(f) => f,
        Err(code) => return code,
    };
    match h.client.unsubscribe(filters, properties) {
        Ok(id) => {
            set_mid(mid, id);
            MOSQ_ERR_SUCCESS as c_int
        }
        Err(e) => {
            log::warn!("unsubscribe: {e}");
            error_code(&e)
        }
    }
}

/// Unsubscribe from one topic filter. `mid` (may be NULL) receives the message id passed to
/// `on_unsubscribe`.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_unsubscribe(
    mosq: *mut mosquitto,
    mid: *mut c_int,
    sub: *const c_char,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        h.with_logs(|h| unsubscribe_common(h, mid, 1, &(sub as *mut c_char), Properties::default()))
    })
}

/// Unsubscribe from several topic filters in one UNSUBSCRIBE.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_unsubscribe_multiple(
    mosq: *mut mosquitto,
    mid: *mut c_int,
    sub_count: c_int,
    sub: *const *mut c_char,
    properties: *const mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        h.with_logs(|h| {
            let properties = match properties_arg(h, properties, PropertyContext::Unsubscribe) {
                Ok(p) => p,
                Err(code) => return code,
            };
            unsubscribe_common(h, mid, sub_count, sub, properties)
        })
    })
}

/// Set the delay between reconnect attempts of `loop_forever`/`loop_start`: `reconnect_delay`
/// seconds, growing (linearly, or doubling when `reconnect_exponential_backoff`) up to
/// `reconnect_delay_max` after consecutive failures. The default is 1 s fixed.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_reconnect_delay_set(
    mosq: *mut mosquitto,
    reconnect_delay: c_uint,
    reconnect_delay_max: c_uint,
    reconnect_exponential_backoff: bool,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        h.with_logs(|h| {
            if reconnect_delay == 0 || reconnect_delay_max < reconnect_delay {
                log::warn!(
                    "mosquitto_reconnect_delay_set: need 0 < delay ({reconnect_delay}) <= max ({reconnect_delay_max})"
                );
                return MOSQ_ERR_INVAL as c_int;
            }
            h.client.set_reconnect_delay(
                Duration::from_secs(u64::from(reconnect_delay)),
                Duration::from_secs(u64::from(reconnect_delay_max)),
                reconnect_exponential_backoff,
            );
            MOSQ_ERR_SUCCESS as c_int
        })
    })
}

/// Most QoS 1 and 2 messages in flight at once (default 20; 0 = no limit). Messages beyond it
/// wait in order.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_max_inflight_messages_set(
    mosq: *mut mosquitto,
    max_inflight_messages: c_uint,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        let max = u16::try_from(max_inflight_messages).unwrap_or(u16::MAX);
        h.client.with_session(|s| s.set_max_inflight(max));
        MOSQ_ERR_SUCCESS as c_int
    })
}

/// Kept for compatibility; it has no effect (as in libmosquitto 2.0, messages are retried on
/// reconnect, not on a timer).
#[no_mangle]
pub unsafe extern "C" fn mosquitto_message_retry_set(mosq: *mut mosquitto, message_retry: c_uint) {
    ffi_guard!((), {
        let _ = (mosq, message_retry);
    })
}

/// Set the user data pointer passed to callbacks.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_user_data_set(mosq: *mut mosquitto, obj: *mut c_void) {
    ffi_guard!((), {
        if let Some(h) = crate::ffi::handle::handle(mosq) {
            h.userdata.store(obj, Ordering::Release);
        }
    })
}

/// The user data pointer passed to callbacks (NULL for a NULL handle).
#[no_mangle]
pub unsafe extern "C" fn mosquitto_userdata(mosq: *mut mosquitto) -> *mut c_void {
    ffi_guard!(std::ptr::null_mut(), {
        match crate::ffi::handle::handle(mosq) {
            Some(h) => h.userdata(),
            None => std::ptr::null_mut(),
        }
    })
}

/// Tell the library the application drives this client from threads of its own. Culex is safe
/// from any thread either way; the call is accepted for compatibility.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_threaded_set(mosq: *mut mosquitto, threaded: bool) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let _ = handle_or_inval!(mosq);
        let _ = threaded;
        MOSQ_ERR_SUCCESS as c_int
    })
}
