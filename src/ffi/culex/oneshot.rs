//! One-shot publishing (Paho's `publish.single` and `publish.multiple`): connect, publish, wait
//! for every acknowledgement, disconnect, and tell the result of each message.
//!
//! Built only on the public client of this crate, like libmosquitto's subscribe helpers
//! (`util/subscribe_simple.rs`): a new client configured from the options, a blocking connect,
//! the messages published at once (they go out after CONNACK), `mosquitto_loop()` until each has
//! ended, a clean disconnect. A lost connection is taken up again (QoS 1 and 2 messages are sent
//! again) until the options' time runs out.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};
use std::ptr;
use std::time::{Duration, Instant};

use crate::ffi::boundary::errors::*;
use crate::ffi::callbacks::mosquitto_connect_callback_set;
use crate::ffi::client::loops::mosquitto_loop;
use crate::ffi::client::options::mosquitto_int_option;
use crate::ffi::client::{
    mosquitto_connect, mosquitto_destroy, mosquitto_disconnect, mosquitto_new,
    mosquitto_publish_v5, mosquitto_reconnect,
};
use crate::ffi::culex::errors::culex_err_t;
use crate::ffi::handle::mosquitto;
use crate::ffi::property::mosquitto_property;
use crate::ffi::util::subscribe_structs::{
    apply_connection_options, libmosquitto_tls, libmosquitto_will, ok,
};
use crate::session::Delivery;

/// How the one-shot helpers connect. Zero (or NULL) fields take the default, so
/// `struct culex_connect_options o = {.size = sizeof o}` connects to localhost:1883 with MQTT 3.1.1.
#[repr(C)]
pub struct culex_connect_options {
    /// `sizeof(struct culex_connect_options)`: fields added in later versions come after the
    /// last one, and a caller built against this version is read up to its size.
    pub size: usize,
    /// The broker's host name or address (NULL: "localhost").
    pub host: *const c_char,
    /// Its port (0: 1883, or 8883 with `tls`).
    pub port: c_int,
    /// The client id (NULL: the broker assigns one; MQTT 3.1 gets a random one).
    pub client_id: *const c_char,
    /// Keepalive in seconds (0: 60).
    pub keepalive: c_int,
    /// Keep the session after the disconnect (false, the default: a clean session).
    pub persistent_session: bool,
    /// `MQTT_PROTOCOL_V31`, `MQTT_PROTOCOL_V311` or `MQTT_PROTOCOL_V5` (0: 3.1.1).
    pub protocol_version: c_int,
    /// User name and password, or NULL.
    pub username: *const c_char,
    pub password: *const c_char,
    /// The will, or NULL.
    pub will: *const libmosquitto_will,
    /// TLS settings, or NULL for plain TCP.
    pub tls: *const libmosquitto_tls,
    /// The most the whole call may take, in milliseconds (0: 30 000).
    pub timeout_ms: c_int,
}

/// One message for `culex_publish_multiple`, and what became of it.
#[repr(C)]
pub struct culex_publish_message {
    /// Topic, payload (`payloadlen` bytes; NULL when 0), QoS, retain, and MQTT 5 properties
    /// (NULL for none).
    pub topic: *const c_char,
    pub payload: *const c_void,
    pub payloadlen: c_int,
    pub qos: c_int,
    pub retain: bool,
    pub properties: *const mosquitto_property,
    /// Set by the call: MOSQ_ERR_SUCCESS once the broker acknowledged the message (QoS 0: once
    /// written); CULEX_ERR_REFUSED when an MQTT 5 broker refused it (`reason_code` says why);
    /// CULEX_ERR_DISCARDED when it was dropped unsent; MOSQ_ERR_TIMEOUT when the call's time ran
    /// out first; the publish error when `mosquitto_publish` refused it; the connection's error
    /// when the call never got that far.
    pub result: c_int,
    /// Set by the call: the MQTT 5 reason code of the acknowledgement (0 otherwise).
    pub reason_code: c_int,
    /// Set by the call: the message id `mosquitto_publish` gave (0 if none).
    pub mid: c_int,
}

/// The options with defaults filled in.
struct Options {
    host: *const c_char,
    port: c_int,
    client_id: *const c_char,
    keepalive: c_int,
    clean: bool,
    protocol_version: c_int,
    username: *const c_char,
    password: *const c_char,
    will: *const libmosquitto_will,
    tls: *const libmosquitto_tls,
    timeout: Duration,
}

/// Read the caller's options (NULL: all defaults), as far as its `size` says they go.
///
/// # Safety
/// `options` is NULL or points to at least `options->size` readable bytes.
unsafe fn read_options(options: *const culex_connect_options) -> Result<Options, c_int> {
    let mut o = culex_connect_options {
        size: std::mem::size_of::<culex_connect_options>(),
        host: ptr::null(),
        port: 0,
        client_id: ptr::null(),
        keepalive: 0,
        persistent_session: false,
        protocol_version: 0,
        username: ptr::null(),
        password: ptr::null(),
        will: ptr::null(),
        tls: ptr::null(),
        timeout_ms: 0,
    };
    if !options.is_null() {
        // SAFETY: the caller's contract: `size` is readable first.
        let size = unsafe { (*options).size };
        if size < std::mem::size_of::<culex_connect_options>() {
            log::warn!("culex: connect options of {size} bytes: set size to sizeof the struct");
            return Err(MOSQ_ERR_INVAL as c_int);
        }
        // SAFETY: the caller's contract; this version reads its own fields only.
        o = unsafe { ptr::read(options) };
    }
    if o.keepalive < 0 || o.port < 0 || o.timeout_ms < 0 {
        log::warn!("culex: connect options: negative port, keepalive or timeout");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    Ok(Options {
        host: if o.host.is_null() {
            c"localhost".as_ptr()
        } else {
            o.host
        },
        port: match o.port {
            0 if o.tls.is_null() => 1883,
            0 => 8883,
            p => p,
        },
        client_id: o.client_id,
        keepalive: if o.keepalive == 0 { 60 } else { o.keepalive },
        clean: !o.persistent_session,
        protocol_version: o.protocol_version,
        username: o.username,
        password: o.password,
        will: o.will,
        tls: o.tls,
        timeout: Duration::from_millis(if o.timeout_ms == 0 {
            30_000
        } else {
            o.timeout_ms as u64
        }),
    })
}

/// What the helper's client tells the call through its user data.
struct Progress {
    /// The CONNACK code of the last connection, once one came.
    connack: Option<c_int>,
}

unsafe extern "C" fn on_connect(_mosq: *mut mosquitto, obj: *mut c_void, rc: c_int) {
    ffi_guard!((), {
        // SAFETY: `obj` is the `Progress` of the call driving this client, on this thread.
        let progress = unsafe { &mut *(obj as *mut Progress) };
        progress.connack = Some(rc);
    })
}

/// The result code for a message that ended.
fn message_result(delivery: Delivery) -> (c_int, u8) {
    match delivery {
        Delivery::Done { reason_code } if reason_code < 0x80 => {
            (MOSQ_ERR_SUCCESS as c_int, reason_code)
        }
        Delivery::Done { reason_code } => (culex_err_t::CULEX_ERR_REFUSED as c_int, reason_code),
        Delivery::Expired => (culex_err_t::CULEX_ERR_EXPIRED as c_int, 0),
        Delivery::Discarded { reason_code } => {
            (culex_err_t::CULEX_ERR_DISCARDED as c_int, reason_code)
        }
        Delivery::Pending => (MOSQ_ERR_TIMEOUT as c_int, 0),
    }
}

/// Publish the messages on `mosq`, connected or connecting, and drive it until each ended or
/// `deadline`; fills in each message's result.
///
/// # Safety
/// `mosq` is a live client used on this thread only, whose user data is `progress`; the
/// messages' pointers are valid as `culex_publish_multiple` documents.
unsafe fn publish_all(
    mosq: *mut mosquitto,
    progress: &mut Progress,
    messages: &mut [culex_publish_message],
    deadline: Instant,
) -> Result<(), c_int> {
    let mut pending = Vec::new();
    for (i, m) in messages.iter_mut().enumerate() {
        let mut mid: c_int = 0;
        // SAFETY: the caller's contract (NULL properties: none, as for `mosquitto_publish`).
        let rc = unsafe {
            mosquitto_publish_v5(
                mosq,
                &mut mid,
                m.topic,
                m.payloadlen,
                m.payload,
                m.qos,
                m.retain,
                m.properties,
            )
        };
        m.mid = mid;
        if rc == MOSQ_ERR_SUCCESS as c_int {
            // Under way: "timed out" until it ends otherwise.
            m.result = MOSQ_ERR_TIMEOUT as c_int;
            pending.push(i);
        } else {
            m.result = rc;
        }
    }
    // SAFETY: the caller's contract: a live handle.
    let client = unsafe { &(*mosq).client };
    while !pending.is_empty() {
        if let Some(rc) = progress.connack.filter(|rc| *rc != 0) {
            log::warn!("culex: publish helper: connection refused (CONNACK code {rc})");
            return Err(MOSQ_ERR_CONN_REFUSED as c_int);
        }
        pending.retain(|&i| {
            let delivery = client.delivery(messages[i].mid as u16);
            if delivery == Delivery::Pending {
                return true;
            }
            let (result, reason) = message_result(delivery);
            messages[i].result = result;
            messages[i].reason_code = c_int::from(reason);
            false
        });
        let left = deadline.saturating_duration_since(Instant::now());
        if pending.is_empty() || left.is_zero() {
            break;
        }
        let wait = left.min(Duration::from_millis(500)).as_millis() as c_int;
        // SAFETY: the caller's contract.
        let rc = unsafe { mosquitto_loop(mosq, wait.max(1), 1) };
        if let Some(rc) = progress.connack.filter(|rc| *rc != 0) {
            log::warn!("culex: publish helper: connection refused (CONNACK code {rc})");
            return Err(MOSQ_ERR_CONN_REFUSED as c_int);
        }
        if rc != MOSQ_ERR_SUCCESS as c_int && progress.connack != Some(0) {
            // Lost before or after CONNACK: take it up again while there is time (QoS 1 and 2
            // messages go out again; a lost QoS 0 one reads as discarded).
            log::debug!("culex: publish helper: loop ended with {rc}; reconnecting");
            progress.connack = None;
            // SAFETY: the caller's contract.
            let _ = unsafe { mosquitto_reconnect(mosq) };
        }
    }
    for &i in &pending {
        messages[i].result = MOSQ_ERR_TIMEOUT as c_int;
    }
    Ok(())
}

/// The body of `culex_publish_multiple`.
///
/// # Safety
/// As for `culex_publish_multiple`.
unsafe fn publish_multiple(
    options: *const culex_connect_options,
    messages: &mut [culex_publish_message],
) -> Result<(), c_int> {
    // SAFETY: the caller's contract.
    let o = unsafe { read_options(options) }?;
    let deadline = Instant::now() + o.timeout;
    let mut progress = Progress { connack: None };
    set_errno(0);
    let obj = &mut progress as *mut Progress as *mut c_void;
    // SAFETY: the caller's contract; `progress` outlives the client, destroyed below.
    let mosq = unsafe { mosquitto_new(o.client_id, o.clean, obj) };
    if mosq.is_null() {
        log::warn!("culex: publish helper: could not create the client");
        return Err(match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::ENOMEM) => MOSQ_ERR_NOMEM as c_int,
            _ => MOSQ_ERR_INVAL as c_int,
        });
    }
    // SAFETY: `mosq` is the live client made above, used on this thread only; the pointers are
    // the caller's.
    let result = unsafe {
        (|| {
            if o.protocol_version != 0 {
                ok(mosquitto_int_option(
                    mosq,
                    crate::ffi::client::options::mosq_opt_t::MOSQ_OPT_PROTOCOL_VERSION as c_int,
                    o.protocol_version,
                ))?;
            }
            apply_connection_options(mosq, o.will, o.username, o.password, o.tls)?;
            mosquitto_connect_callback_set(mosq, Some(on_connect));
            ok(mosquitto_connect(mosq, o.host, o.port, o.keepalive))?;
            publish_all(mosq, &mut progress, messages, deadline)?;
            // A clean end: DISCONNECT goes out now (nothing is waiting any more), and the loop
            // sees the connection close.
            if mosquitto_disconnect(mosq) == MOSQ_ERR_SUCCESS as c_int {
                let until = Instant::now() + Duration::from_secs(1);
                while Instant::now() < until
                    && mosquitto_loop(mosq, 100, 1) == MOSQ_ERR_SUCCESS as c_int
                    && (*mosq).client.socket() >= 0
                {}
            }
            Ok(())
        })()
    };
    // SAFETY: made above; no loop runs on it.
    unsafe { mosquitto_destroy(mosq) };
    result
}

/// The first message result that is not a success, else MOSQ_ERR_SUCCESS.
fn overall(messages: &[culex_publish_message]) -> c_int {
    messages
        .iter()
        .map(|m| m.result)
        .find(|&r| r != MOSQ_ERR_SUCCESS as c_int)
        .unwrap_or(MOSQ_ERR_SUCCESS as c_int)
}

/// Connect with `options` (NULL: the defaults), publish the `count` messages, wait until the
/// broker acknowledged each (QoS 0: until written), disconnect cleanly. Blocks the calling
/// thread, at most the options' timeout. Each message's `result`, `reason_code` and `mid` tell
/// what became of it.
///
/// Returns MOSQ_ERR_SUCCESS when every message was published; otherwise the first message's
/// result that is not (see `culex_publish_message`), or the error that kept the call from
/// publishing: MOSQ_ERR_INVAL (NULL `messages`, `count` not above 0, bad options), the connect
/// error, MOSQ_ERR_CONN_REFUSED (the broker refused the connection).
#[no_mangle]
pub unsafe extern "C" fn culex_publish_multiple(
    options: *const culex_connect_options,
    messages: *mut culex_publish_message,
    count: c_int,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        check_null!(messages);
        let Some(count) = usize::try_from(count).ok().filter(|c| *c > 0) else {
            log::warn!("culex_publish_multiple: count {count} is not above 0");
            return MOSQ_ERR_INVAL as c_int;
        };
        // SAFETY: the caller's contract: `count` messages at `messages`.
        let messages = unsafe { std::slice::from_raw_parts_mut(messages, count) };
        for m in messages.iter_mut() {
            m.result = MOSQ_ERR_TIMEOUT as c_int;
            m.reason_code = 0;
            m.mid = 0;
        }
        // SAFETY: the caller's contract.
        match unsafe { publish_multiple(options, messages) } {
            Ok(()) => overall(messages),
            Err(code) => {
                // The call ended early: what had not ended yet ends with its error.
                for m in messages.iter_mut() {
                    if m.result == MOSQ_ERR_TIMEOUT as c_int {
                        m.result = code;
                    }
                }
                code
            }
        }
    })
}

/// `culex_publish_multiple` with one message: connect with `options` (NULL: the defaults),
/// publish, wait for the acknowledgement, disconnect. Returns that message's result.
#[no_mangle]
pub unsafe extern "C" fn culex_publish_single(
    options: *const culex_connect_options,
    topic: *const c_char,
    payloadlen: c_int,
    payload: *const c_void,
    qos: c_int,
    retain: bool,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        check_null!(topic);
        // SAFETY: the caller's contract: a NUL-terminated topic.
        if unsafe { CStr::from_ptr(topic) }.to_bytes().is_empty() {
            log::warn!("culex_publish_single: the topic is empty");
            return MOSQ_ERR_INVAL as c_int;
        }
        let mut message = culex_publish_message {
            topic,
            payload,
            payloadlen,
            qos,
            retain,
            properties: ptr::null(),
            result: 0,
            reason_code: 0,
            mid: 0,
        };
        // SAFETY: the caller's contract; one message.
        unsafe { culex_publish_multiple(options, &mut message, 1) }
    })
}
