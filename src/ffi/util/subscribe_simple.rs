//! The one-shot helpers `mosquitto_subscribe_simple` and `mosquitto_subscribe_callback`; the
//! structs they take are in [`super::subscribe_structs`].
//!
//! Built only on the public client API of this crate: create a client, configure will,
//! credentials and TLS, connect, subscribe from `on_connect` (so a reconnect subscribes again),
//! run `mosquitto_loop_forever` until the messages wanted have arrived, disconnect, destroy. This
//! module owns no network or session logic of its own.
//!
//! Unlike libmosquitto, which keeps retrying, a refused connection (CONNACK with a non-zero code)
//! ends the helper with `MOSQ_ERR_CONN_REFUSED` and a refused subscription (SUBACK 0x80) with
//! `MOSQ_ERR_ACL_DENIED`, so a helper never waits forever for messages that cannot come.

use std::os::raw::{c_char, c_int, c_void};
use std::ptr;

use crate::ffi::boundary::errors::*;
use crate::ffi::callbacks::{
    mosquitto_connect_callback_set, mosquitto_message_callback_set,
    mosquitto_subscribe_callback_set,
};
use crate::ffi::client::loops::mosquitto_loop_forever;
use crate::ffi::client::{
    mosquitto_connect, mosquitto_destroy, mosquitto_disconnect, mosquitto_new, mosquitto_subscribe,
};
use crate::ffi::handle::mosquitto;
use crate::ffi::util::message::{
    mosquitto_message, mosquitto_message_copy, mosquitto_message_free_contents,
};
use crate::ffi::util::subscribe_structs::{
    apply_connection_options, libmosquitto_tls, libmosquitto_will, ok,
};
use crate::ffi::util::topic::mosquitto_sub_topic_check;
use crate::ffi::Answer;

/// State shared by one helper call and the callbacks of its client (the client's user data).
struct Helper {
    callback: unsafe extern "C" fn(*mut mosquitto, *mut c_void, *const mosquitto_message) -> c_int,
    userdata: *mut c_void,
    topic: *const c_char,
    qos: c_int,
    /// Set once the application's callback asked to stop.
    done: bool,
    /// An error that ended the helper early.
    error: Option<c_int>,
}

impl Helper {
    /// Record `error` (the first one wins) and end the loop.
    ///
    /// # Safety
    /// `mosq` is the helper's live client.
    unsafe fn fail(&mut self, mosq: *mut mosquitto, error: c_int) {
        if self.error.is_none() && !self.done {
            self.error = Some(error);
        }
        // SAFETY: the caller's contract.
        unsafe { mosquitto_disconnect(mosq) };
    }
}

/// Run a callback body, turning a panic into a log line (these are called from the loop, whose
/// caller is C).
fn guarded(body: impl FnOnce()) {
    ffi_guard!((), { body() })
}

unsafe extern "C" fn on_connect(mosq: *mut mosquitto, obj: *mut c_void, rc: c_int) {
    guarded(|| {
        // SAFETY: `obj` is the `Helper` of the helper call driving this client; it outlives the
        // loop, and only the loop's thread touches it.
        let state = unsafe { &mut *(obj as *mut Helper) };
        if rc != 0 {
            log::warn!("culex: subscribe helper: connection refused (CONNACK code {rc})");
            // SAFETY: the callback's own live client.
            unsafe { state.fail(mosq, MOSQ_ERR_CONN_REFUSED as c_int) };
            return;
        }
        // SAFETY: the callback's own live client; the topic is the helper caller's C string.
        let sub_rc = unsafe { mosquitto_subscribe(mosq, ptr::null_mut(), state.topic, state.qos) };
        if sub_rc != MOSQ_ERR_SUCCESS as c_int {
            // SAFETY: the callback's own live client.
            unsafe { state.fail(mosq, sub_rc) };
        }
    })
}

unsafe extern "C" fn on_subscribe(
    mosq: *mut mosquitto,
    obj: *mut c_void,
    _mid: c_int,
    qos_count: c_int,
    granted_qos: *const c_int,
) {
    guarded(|| {
        // SAFETY: as in `on_connect`; `granted_qos` holds `qos_count` values.
        let state = unsafe { &mut *(obj as *mut Helper) };
        let granted = if granted_qos.is_null() || qos_count < 1 {
            &[][..]
        } else {
            // SAFETY: the library's arguments: `qos_count` values at `granted_qos`.
            unsafe { std::slice::from_raw_parts(granted_qos, qos_count as usize) }
        };
        if granted.iter().any(|&q| !(0..=2).contains(&q)) {
            log::warn!("culex: subscribe helper: the broker refused the subscription");
            // SAFETY: the callback's own live client.
            unsafe { state.fail(mosq, MOSQ_ERR_ACL_DENIED as c_int) };
        }
    })
}

unsafe extern "C" fn on_message(
    mosq: *mut mosquitto,
    obj: *mut c_void,
    message: *const mosquitto_message,
) {
    guarded(|| {
        // SAFETY: as in `on_connect`.
        let state = unsafe { &mut *(obj as *mut Helper) };
        if state.done || state.error.is_some() {
            return;
        }
        // SAFETY: the application's callback, with the message the library lends for the call.
        if unsafe { (state.callback)(mosq, state.userdata, message) } == 1 {
            state.done = true;
            // SAFETY: the callback's own live client.
            unsafe { mosquitto_disconnect(mosq) };
        }
    })
}

/// Check the arguments every helper shares before any network activity.
///
/// # Safety
/// `topic` is NULL or a C string.
unsafe fn check_common(topic: *const c_char, qos: c_int, host: *const c_char) -> Result<(), c_int> {
    if topic.is_null() {
        log::warn!("culex: subscribe helper: topic is NULL");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    // SAFETY: the caller's contract.
    let rc = unsafe { mosquitto_sub_topic_check(topic) };
    if rc != MOSQ_ERR_SUCCESS as c_int {
        log::warn!("culex: subscribe helper: topic is not a valid subscription");
        return Err(rc);
    }
    if !(0..=2).contains(&qos) {
        log::warn!("culex: subscribe helper: QoS {qos} is not 0, 1 or 2");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    if host.is_null() {
        log::warn!("culex: subscribe helper: host is NULL");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    Ok(())
}

/// The connection arguments both helpers take, as C passed them.
#[derive(Clone, Copy)]
struct Target {
    topic: *const c_char,
    qos: c_int,
    host: *const c_char,
    port: c_int,
    client_id: *const c_char,
    keepalive: c_int,
    clean_session: bool,
    username: *const c_char,
    password: *const c_char,
    will: *const libmosquitto_will,
    tls: *const libmosquitto_tls,
}

/// Configure will, credentials and TLS on a new client.
///
/// # Safety
/// `mosq` is a live client; the pointers of `target` are NULL or valid as the exports document.
unsafe fn configure(mosq: *mut mosquitto, target: &Target) -> Result<(), c_int> {
    // SAFETY: the caller's contract.
    unsafe {
        apply_connection_options(
            mosq,
            target.will,
            target.username,
            target.password,
            target.tls,
        )
    }
}

/// Connect, subscribe from `on_connect` and run the loop until `callback` asks to stop (or an
/// error ends it); the client is destroyed before this returns.
///
/// # Safety
/// The pointers of `target` are NULL or valid as the exports document; `userdata` is what
/// `callback` expects.
unsafe fn run(
    callback: unsafe extern "C" fn(*mut mosquitto, *mut c_void, *const mosquitto_message) -> c_int,
    userdata: *mut c_void,
    target: &Target,
) -> Result<(), c_int> {
    // SAFETY: the caller's contract.
    unsafe { check_common(target.topic, target.qos, target.host) }?;
    let mut state = Helper {
        callback,
        userdata,
        topic: target.topic,
        qos: target.qos,
        done: false,
        error: None,
    };
    set_errno(0);
    let obj = &mut state as *mut Helper as *mut c_void;
    // SAFETY: the caller's contract; `state` outlives the client, destroyed below.
    let mosq = unsafe { mosquitto_new(target.client_id, target.clean_session, obj) };
    if mosq.is_null() {
        log::warn!("culex: subscribe helper: could not create the client");
        return Err(match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::ENOMEM) => MOSQ_ERR_NOMEM as c_int,
            _ => MOSQ_ERR_INVAL as c_int,
        });
    }
    // SAFETY: `mosq` is the live client made above, used on this thread only; the pointers are
    // the caller's.
    let rc = unsafe {
        (|| {
            configure(mosq, target)?;
            mosquitto_connect_callback_set(mosq, Some(on_connect));
            mosquitto_subscribe_callback_set(mosq, Some(on_subscribe));
            mosquitto_message_callback_set(mosq, Some(on_message));
            ok(mosquitto_connect(
                mosq,
                target.host,
                target.port,
                target.keepalive,
            ))?;
            let rc = mosquitto_loop_forever(mosq, -1, 1);
            match state.error {
                Some(error) => Err(error),
                None => ok(rc),
            }
        })()
    };
    // SAFETY: made above; its loop has returned.
    unsafe { mosquitto_destroy(mosq) };
    rc
}

/// Connect to a broker, subscribe to `topic` and pass each message to `callback` until it returns
/// 1; then disconnect cleanly and return `MOSQ_ERR_SUCCESS`. Blocks the calling thread.
///
/// `client_id` NULL gives a random id (then `clean_session` must be true); `username` NULL means
/// no credentials; `will` and `tls` NULL mean none. The client reconnects (and subscribes again)
/// when the connection is lost. `MOSQ_ERR_INVAL` for a NULL `callback`, `topic` or `host` or an
/// invalid QoS or subscription; `MOSQ_ERR_CONN_REFUSED` when the broker refuses the connection;
/// `MOSQ_ERR_ACL_DENIED` when it refuses the subscription; otherwise the error of the failing
/// step.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_subscribe_callback(
    callback: Option<
        unsafe extern "C" fn(*mut mosquitto, *mut c_void, *const mosquitto_message) -> c_int,
    >,
    userdata: *mut c_void,
    topic: *const c_char,
    qos: c_int,
    host: *const c_char,
    port: c_int,
    client_id: *const c_char,
    keepalive: c_int,
    clean_session: bool,
    username: *const c_char,
    password: *const c_char,
    will: *const libmosquitto_will,
    tls: *const libmosquitto_tls,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let Some(callback) = callback else {
            log::warn!("mosquitto_subscribe_callback: callback is NULL");
            return MOSQ_ERR_INVAL as c_int;
        };
        let target = Target {
            topic,
            qos,
            host,
            port,
            client_id,
            keepalive,
            clean_session,
            username,
            password,
            will,
            tls,
        };
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { run(callback, userdata, &target) }.answer()
    })
}

/// The messages collected by `mosquitto_subscribe_simple`.
struct Collected {
    messages: *mut mosquitto_message,
    wanted: usize,
    received: usize,
    want_retained: bool,
    /// A copy failed (out of memory).
    error: Option<c_int>,
}

unsafe extern "C" fn collect(
    _mosq: *mut mosquitto,
    obj: *mut c_void,
    message: *const mosquitto_message,
) -> c_int {
    // SAFETY: `obj` is the `Collected` of the `mosquitto_subscribe_simple` call, used on this
    // thread only; `message` is the library's, valid for this call.
    let (collected, message) = unsafe { (&mut *(obj as *mut Collected), &*message) };
    if !collected.want_retained && message.retain {
        return 0;
    }
    // SAFETY: `received < wanted` (the loop ends at `wanted`), the length of the array.
    let slot = unsafe { collected.messages.add(collected.received) };
    // SAFETY: `slot` is a writable element of the array; `message` is valid.
    let rc = unsafe { mosquitto_message_copy(slot, message) };
    if rc != MOSQ_ERR_SUCCESS as c_int {
        collected.error = Some(rc);
        return 1;
    }
    collected.received += 1;
    c_int::from(collected.received == collected.wanted)
}

/// The body of `mosquitto_subscribe_simple`, once `messages` is known not to be NULL.
///
/// # Safety
/// As for [`run`]; `messages` writable.
unsafe fn subscribe_simple(
    messages: *mut *mut mosquitto_message,
    msg_count: c_int,
    want_retained: bool,
    target: &Target,
) -> Result<(), c_int> {
    // SAFETY: the caller's contract.
    unsafe { messages.write(ptr::null_mut()) };
    if msg_count < 1 {
        log::warn!("mosquitto_subscribe_simple: msg_count {msg_count} is below 1");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    // SAFETY: the caller's contract.
    unsafe { check_common(target.topic, target.qos, target.host) }?;
    let wanted = msg_count as usize;
    // SAFETY: calloc may be called with any sizes; the result is checked for NULL.
    let array = unsafe { libc::calloc(wanted, std::mem::size_of::<mosquitto_message>()) }
        as *mut mosquitto_message;
    if array.is_null() {
        return Err(MOSQ_ERR_NOMEM as c_int);
    }
    let mut collected = Collected {
        messages: array,
        wanted,
        received: 0,
        want_retained,
        error: None,
    };
    let obj = &mut collected as *mut Collected as *mut c_void;
    // SAFETY: the caller's contract; `collected` is what `collect` expects and outlives the run.
    let rc = unsafe { run(collect, obj, target) };
    let rc = match collected.error {
        Some(error) => Err(error),
        None => rc,
    };
    if rc.is_ok() && collected.received == wanted {
        // SAFETY: the caller's contract.
        unsafe { messages.write(array) };
        return Ok(());
    }
    for i in 0..collected.received {
        // SAFETY: the first `received` elements hold copies made by `collect`.
        unsafe { mosquitto_message_free_contents(array.add(i)) };
    }
    // SAFETY: from calloc above, handed to nobody.
    unsafe { libc::free(array as *mut c_void) };
    Err(rc.err().unwrap_or(MOSQ_ERR_UNKNOWN as c_int))
}

/// Connect to a broker, subscribe to `topic`, wait for `msg_count` messages, disconnect cleanly
/// and return them in `*messages`: an array of `msg_count` messages the caller frees with
/// `mosquitto_message_free_contents()` on each element and then `free()` on the array. On error
/// `*messages` is NULL. Blocks the calling thread.
///
/// With `want_retained` false, retained messages sent because of the subscription are skipped
/// and not counted. The other arguments are those of `mosquitto_subscribe_callback`.
/// `MOSQ_ERR_INVAL` for a NULL `messages` or a `msg_count` below 1.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_subscribe_simple(
    messages: *mut *mut mosquitto_message,
    msg_count: c_int,
    want_retained: bool,
    topic: *const c_char,
    qos: c_int,
    host: *const c_char,
    port: c_int,
    client_id: *const c_char,
    keepalive: c_int,
    clean_session: bool,
    username: *const c_char,
    password: *const c_char,
    will: *const libmosquitto_will,
    tls: *const libmosquitto_tls,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        check_null!(messages);
        let target = Target {
            topic,
            qos,
            host,
            port,
            client_id,
            keepalive,
            clean_session,
            username,
            password,
            will,
            tls,
        };
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { subscribe_simple(messages, msg_count, want_retained, &target) }.answer()
    })
}
