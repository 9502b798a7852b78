//! Bad input at the C boundary: every exported `mosquitto_*` function is called with NULL
//! handles, NULL pointer arguments and out-of-range values, and must answer with libmosquitto's
//! error code (or its neutral value: NULL, -1, false, nothing) instead of crashing, hanging or
//! silently accepting the call.
//!
//! - `every_export_has_a_bad_input_case` scans the `.rs` files under `src/ffi/` (folders
//!   included) for exported functions and fails when one of them has no row in the table below,
//!   so a new export needs a bad-input case.
//! - `bad_input_returns_libmosquitto_codes` runs every row on a fresh, never-connected handle
//!   (each on its own thread with a deadline, so a hang is a failure, not a stuck test run).
//! - `rejected_calls_log_why` checks that each call rejected for a bad argument on a valid handle
//!   delivered at least one warning to the handle's `on_log` callback.
//! - `same_bad_input_from_many_threads_on_one_handle` runs the rows that leave the handle as it
//!   was from several threads at once on one handle: same codes, no panic, no deadlock.
//!
//! The expected codes were checked against Debian's libmosquitto 2.0.11 with small C programs.
//! Where libmosquitto differs (it crashes on a NULL handle, or accepts input that MQTT forbids),
//! the row says so in `reference`; Culex then follows the documented contract in `mosquitto.h`
//! and the project's rule that bad input gives an error, never a crash or silent acceptance.

// These tests drive the C API, where every call is unsafe by nature and its contract is the
// test's own; the crate's unsafe_op_in_unsafe_fn / undocumented_unsafe_blocks rules are for src/.
#![allow(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

use std::collections::BTreeSet;
use std::ffi::CStr;
use std::net::TcpListener;
use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::ptr::{null, null_mut, NonNull};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use culex::ffi::boundary::errors::*;
use culex::ffi::boundary::logging::{MOSQ_LOG_ERR, MOSQ_LOG_WARNING};
use culex::ffi::callbacks::*;
use culex::ffi::client::mosq_opt_t::*;
use culex::ffi::client::*;
use culex::ffi::culex::*;
use culex::ffi::handle::mosquitto;
use culex::ffi::property::*;
use culex::ffi::tls::*;
use culex::ffi::util::*;

const SUCCESS: c_int = MOSQ_ERR_SUCCESS as c_int;
const INVAL: c_int = MOSQ_ERR_INVAL as c_int;
const NO_CONN: c_int = MOSQ_ERR_NO_CONN as c_int;
const PAYLOAD_SIZE: c_int = MOSQ_ERR_PAYLOAD_SIZE as c_int;
const NOT_SUPPORTED: c_int = MOSQ_ERR_NOT_SUPPORTED as c_int;
const MALFORMED_UTF8: c_int = MOSQ_ERR_MALFORMED_UTF8 as c_int;
const PROTOCOL: c_int = MOSQ_ERR_PROTOCOL as c_int;
const NOT_FOUND: c_int = MOSQ_ERR_NOT_FOUND as c_int;
const TIMEOUT: c_int = MOSQ_ERR_TIMEOUT as c_int;

/// One QoS 0 message for the one-shot helpers.
fn oneshot_message(topic: &'static CStr) -> culex_publish_message {
    culex_publish_message {
        topic: topic.as_ptr(),
        payload: null(),
        payloadlen: 0,
        qos: 0,
        retain: false,
        properties: null(),
        result: 0,
        reason_code: 0,
        mid: 0,
    }
}

/// Options for the one-shot helpers that reach `port` on 127.0.0.1.
fn oneshot_options(port: c_int) -> culex_connect_options {
    culex_connect_options {
        size: std::mem::size_of::<culex_connect_options>(),
        host: c"127.0.0.1".as_ptr(),
        port,
        client_id: null(),
        keepalive: 0,
        persistent_session: false,
        protocol_version: 0,
        username: null(),
        password: null(),
        will: null(),
        tls: null(),
        timeout_ms: 0,
    }
}

/// A server list entry (the host must outlive the call it is passed to).
fn server(host: &'static CStr, port: c_int, transport: c_int) -> culex_server {
    culex_server {
        host: host.as_ptr(),
        port,
        transport,
    }
}

/// `MQTT_MAX_PAYLOAD` + 1: the smallest payload length libmosquitto refuses.
const OVERSIZE: c_int = 268_435_456;

/// How long one call may take before it counts as hung.
const DEADLINE: Duration = Duration::from_secs(5);

/// What a call gave back.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Got {
    /// An `int` return value (error code, socket, version number).
    Code(c_int),
    /// A pointer return value that must be NULL, with the `errno` it left.
    Null {
        errno: c_int,
    },
    /// A pointer return value that must not be NULL.
    NonNull,
    Bool(bool),
    /// A `void` function returned (did not crash or hang).
    Unit,
    /// A returned C string.
    Text(String),
    /// A check inside the call failed.
    Broken(String),
}

/// When a row may run, and whether a rejection must be logged.
#[derive(Clone, Copy)]
struct Kind {
    /// The call was given a valid handle and refused an argument: `on_log` must get a warning.
    logs: bool,
    /// The call leaves the shared handle as it was, so it may run from many threads at once.
    concurrent: bool,
}

/// A bad argument on a valid handle: rejected, logged, state untouched.
const ARG: Kind = Kind {
    logs: true,
    concurrent: true,
};
/// Like `ARG`, but the call changes (or would change, if wrongly accepted) the handle.
const ARG_SOLO: Kind = Kind {
    logs: true,
    concurrent: false,
};
/// Refused because of the client's state (not connected) or no handle to log to.
const QUIET: Kind = Kind {
    logs: false,
    concurrent: true,
};
/// A call that changes the handle or process state (positive controls, loop threads).
const SOLO: Kind = Kind {
    logs: false,
    concurrent: false,
};

/// What each call gets: a valid, never-connected client and a local port that accepts TCP.
struct Env {
    m: *mut mosquitto,
    port: c_int,
}

/// One row of the table.
struct Case {
    export: &'static str,
    input: &'static str,
    expect: Got,
    kind: Kind,
    /// libmosquitto 2.0.11's answer where it differs from `expect`; empty when the same.
    reference: &'static str,
    call: unsafe fn(&Env) -> Got,
}

macro_rules! case {
    ($export:ident, $input:expr, $expect:expr, $kind:expr, |$env:ident| $body:expr) => {
        case! { $export, $input, $expect, $kind, "", |$env| $body }
    };
    ($export:ident, $input:expr, $expect:expr, $kind:expr, $reference:expr, |$env:ident| $body:expr) => {
        Case {
            export: stringify!($export),
            input: $input,
            expect: $expect,
            kind: $kind,
            reference: $reference,
            call: {
                unsafe fn call($env: &Env) -> Got {
                    #[allow(unused_unsafe)]
                    unsafe {
                        let _ = &$env;
                        $body
                    }
                }
                call
            },
        }
    };
}

fn code(rc: c_int) -> Got {
    Got::Code(rc)
}

fn errno() -> c_int {
    // SAFETY: the calling thread's errno slot is always valid.
    unsafe { *libc::__errno_location() }
}

fn set_errno(value: c_int) {
    // SAFETY: the calling thread's errno slot is always valid.
    unsafe { *libc::__errno_location() = value }
}

/// `mosquitto_new`'s result as a `Got`, freeing a handle it should not have made.
unsafe fn new_result(id: *const c_char, clean: bool) -> Got {
    set_errno(0);
    let m = mosquitto_new(id, clean, null_mut());
    let errno = errno();
    if m.is_null() {
        Got::Null { errno }
    } else {
        mosquitto_destroy(m);
        Got::NonNull
    }
}

unsafe fn text(p: *const c_char) -> Got {
    if p.is_null() {
        Got::Broken("NULL string".into())
    } else {
        Got::Text(CStr::from_ptr(p).to_string_lossy().into_owned())
    }
}

/// A pointer result as a `Got`: NULL (errno not looked at) or not.
fn null_or_not<T>(p: *const T) -> Got {
    if p.is_null() {
        Got::Null { errno: 0 }
    } else {
        Got::NonNull
    }
}

/// Run `f` with a fresh property list holding one Byte property (Payload Format Indicator),
/// freed afterwards.
unsafe fn with_list(f: impl FnOnce(&mut *mut mosquitto_property) -> Got) -> Got {
    let mut list: *mut mosquitto_property = null_mut();
    if mosquitto_property_add_byte(&mut list, 1, 1) != SUCCESS {
        return Got::Broken("could not build a list".into());
    }
    let got = f(&mut list);
    mosquitto_property_free_all(&mut list);
    got
}

/// A NUL-terminated string of `len` 'a' bytes.
fn long_string(len: usize) -> Vec<u8> {
    let mut s = vec![b'a'; len];
    s.push(0);
    s
}

static BIG: [u8; 70_000] = [b'a'; 70_000];

fn big() -> *const c_char {
    BIG.as_ptr().cast()
}

/// A non-NULL property list pointer (never dereferenced: properties are refused before use on
/// an MQTT 3.1.1 client).
fn some_properties() -> *const mosquitto_property {
    NonNull::<mosquitto_property>::dangling().as_ptr()
}

unsafe extern "C" fn cb_int(_: *mut mosquitto, _: *mut c_void, _: c_int) {}
unsafe extern "C" fn cb_flags(_: *mut mosquitto, _: *mut c_void, _: c_int, _: c_int) {}
unsafe extern "C" fn cb_message(_: *mut mosquitto, _: *mut c_void, _: *const mosquitto_message) {}
unsafe extern "C" fn cb_message_v5(
    _: *mut mosquitto,
    _: *mut c_void,
    _: *const mosquitto_message,
    _: *const mosquitto_property,
) {
}
unsafe extern "C" fn cb_message_data(
    _: *mut mosquitto,
    _: *mut c_void,
    _: *const mosquitto_message,
    _: *const mosquitto_property,
    _: *mut c_void,
) {
}
unsafe extern "C" fn cb_plain(_: *mut mosquitto, _: *mut c_void) {}
unsafe extern "C" fn cb_subscribe(
    _: *mut mosquitto,
    _: *mut c_void,
    _: c_int,
    _: c_int,
    _: *const c_int,
) {
}
unsafe extern "C" fn cb_log(_: *mut mosquitto, _: *mut c_void, _: c_int, _: *const c_char) {}

fn message(topic: *mut c_char, payload: *mut c_void, payloadlen: c_int) -> mosquitto_message {
    mosquitto_message {
        mid: 1,
        topic,
        payload,
        payloadlen,
        qos: 0,
        retain: false,
    }
}

/// `mosquitto_subscribe_simple` with the given arguments (no credentials, will or TLS); a
/// result array it should not have made is a failure.
unsafe fn simple_result(
    msg_count: c_int,
    topic: *const c_char,
    qos: c_int,
    host: *const c_char,
    port: c_int,
) -> Got {
    let mut messages = NonNull::<mosquitto_message>::dangling().as_ptr();
    let rc = mosquitto_subscribe_simple(
        &mut messages,
        msg_count,
        true,
        topic,
        qos,
        host,
        port,
        null(),
        60,
        true,
        null(),
        null(),
        null(),
        null(),
    );
    if !messages.is_null() {
        return Got::Broken(format!("rc {rc} but *messages is not NULL"));
    }
    code(rc)
}

/// `mosquitto_subscribe_callback` with a callback that stops at once.
unsafe fn callback_result(
    topic: *const c_char,
    qos: c_int,
    client_id: *const c_char,
    clean_session: bool,
    will: *const libmosquitto_will,
    tls: *const libmosquitto_tls,
    port: c_int,
) -> Got {
    unsafe extern "C" fn stop(
        _: *mut mosquitto,
        _: *mut c_void,
        _: *const mosquitto_message,
    ) -> c_int {
        1
    }
    code(mosquitto_subscribe_callback(
        Some(stop),
        null_mut(),
        topic,
        qos,
        c"127.0.0.1".as_ptr(),
        port,
        client_id,
        60,
        clean_session,
        null(),
        null(),
        will,
        tls,
    ))
}

/// The table. Every exported function appears at least once.
fn cases() -> Vec<Case> {
    vec![
        // ---- library ----
        case! { mosquitto_lib_version, "all out-pointers NULL", code(2_000_011), QUIET,
        |e| code(mosquitto_lib_version(null_mut(), null_mut(), null_mut())) },
        case! { mosquitto_lib_init, "called again", code(SUCCESS), SOLO,
        |e| code(mosquitto_lib_init()) },
        case! { mosquitto_lib_cleanup, "no client created by it, then init again", code(SUCCESS), SOLO,
        |e| {
            let rc = mosquitto_lib_cleanup();
            mosquitto_lib_init();
            code(rc)
        } },
        // ---- new / destroy / reinitialise ----
        case! { mosquitto_new, "id NULL, clean_session false", Got::Null { errno: libc::EINVAL }, QUIET,
        |e| new_result(null(), false) },
        case! { mosquitto_new, "id \"\"", Got::Null { errno: libc::EINVAL }, QUIET,
        |e| new_result(c"".as_ptr(), true) },
        case! { mosquitto_new, "id C0 80 (overlong NUL)", Got::Null { errno: libc::EINVAL }, QUIET, "NULL, errno left unset",
        |e| new_result(c"\xC0\x80".as_ptr(), true) },
        case! { mosquitto_new, "id of 65536 bytes", Got::Null { errno: libc::EINVAL }, QUIET, "accepted; fails later at connect",
        |e| {
            let id = long_string(65_536);
            new_result(id.as_ptr().cast(), true)
        } },
        case! { mosquitto_destroy, "NULL", Got::Unit, QUIET,
        |e| { mosquitto_destroy(null_mut()); Got::Unit } },
        case! { mosquitto_reinitialise, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_reinitialise(null_mut(), c"x".as_ptr(), true, null_mut())) },
        case! { mosquitto_reinitialise, "id NULL, clean_session false", code(INVAL), ARG_SOLO,
        |e| code(mosquitto_reinitialise(e.m, null(), false, null_mut())) },
        case! { mosquitto_reinitialise, "id \"\"", code(INVAL), ARG_SOLO,
        |e| code(mosquitto_reinitialise(e.m, c"".as_ptr(), true, null_mut())) },
        case! { mosquitto_reinitialise, "id C0 80", code(MALFORMED_UTF8), ARG_SOLO,
        |e| code(mosquitto_reinitialise(e.m, c"\xC0\x80".as_ptr(), true, null_mut())) },
        // ---- will ----
        case! { mosquitto_will_set, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_will_set(null_mut(), c"t".as_ptr(), 0, null(), 0, false)) },
        case! { mosquitto_will_set, "topic NULL", code(INVAL), ARG,
        |e| code(mosquitto_will_set(e.m, null(), 0, null(), 0, false)) },
        case! { mosquitto_will_set, "topic \"\"", code(INVAL), ARG, "SUCCESS (empty topic name is not MQTT)",
        |e| code(mosquitto_will_set(e.m, c"".as_ptr(), 0, null(), 0, false)) },
        case! { mosquitto_will_set, "topic a/+", code(INVAL), ARG,
        |e| code(mosquitto_will_set(e.m, c"a/+".as_ptr(), 0, null(), 0, false)) },
        case! { mosquitto_will_set, "topic a/#", code(INVAL), ARG,
        |e| code(mosquitto_will_set(e.m, c"a/#".as_ptr(), 0, null(), 0, false)) },
        case! { mosquitto_will_set, "topic C0 80", code(MALFORMED_UTF8), ARG,
        |e| code(mosquitto_will_set(e.m, c"\xC0\x80".as_ptr(), 0, null(), 0, false)) },
        case! { mosquitto_will_set, "topic ED A0 80 (surrogate)", code(MALFORMED_UTF8), ARG,
        |e| code(mosquitto_will_set(e.m, c"\xED\xA0\x80".as_ptr(), 0, null(), 0, false)) },
        case! { mosquitto_will_set, "payloadlen -1", code(PAYLOAD_SIZE), ARG,
        |e| code(mosquitto_will_set(e.m, c"t".as_ptr(), -1, null(), 0, false)) },
        case! { mosquitto_will_set, "payloadlen 268435456", code(PAYLOAD_SIZE), ARG,
        |e| code(mosquitto_will_set(
            e.m,
            c"t".as_ptr(),
            OVERSIZE,
            c"x".as_ptr().cast(),
            0,
            false
        )) },
        case! { mosquitto_will_set, "payloadlen INT_MAX", code(PAYLOAD_SIZE), ARG,
        |e| code(mosquitto_will_set(
            e.m,
            c"t".as_ptr(),
            c_int::MAX,
            c"x".as_ptr().cast(),
            0,
            false
        )) },
        case! { mosquitto_will_set, "payload NULL, payloadlen 5", code(INVAL), ARG,
        |e| code(mosquitto_will_set(e.m, c"t".as_ptr(), 5, null(), 0, false)) },
        case! { mosquitto_will_set, "qos -1", code(INVAL), ARG, "SUCCESS (QoS not checked)",
        |e| code(mosquitto_will_set(e.m, c"t".as_ptr(), 0, null(), -1, false)) },
        case! { mosquitto_will_set, "qos 3", code(INVAL), ARG, "SUCCESS (QoS not checked)",
        |e| code(mosquitto_will_set(e.m, c"t".as_ptr(), 0, null(), 3, false)) },
        case! { mosquitto_will_clear, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_will_clear(null_mut())) },
        // ---- credentials ----
        case! { mosquitto_username_pw_set, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_username_pw_set(null_mut(), c"u".as_ptr(), c"p".as_ptr())) },
        case! { mosquitto_username_pw_set, "password without username (MQTT 3.1.1)", code(INVAL), ARG,
        |e| code(mosquitto_username_pw_set(e.m, null(), c"p".as_ptr())) },
        case! { mosquitto_username_pw_set, "username C0 80", code(MALFORMED_UTF8), ARG,
        |e| code(mosquitto_username_pw_set(e.m, c"\xC0\x80".as_ptr(), c"p".as_ptr())) },
        // ---- connect ----
        case! { mosquitto_connect, "mosq NULL", code(INVAL), QUIET, "crashes (SIGSEGV)",
        |e| code(mosquitto_connect(null_mut(), c"127.0.0.1".as_ptr(), e.port, 60)) },
        case! { mosquitto_connect, "host NULL", code(INVAL), ARG,
        |e| code(mosquitto_connect(e.m, null(), e.port, 60)) },
        case! { mosquitto_connect, "host \"\"", code(INVAL), ARG, "MOSQ_ERR_EAI",
        |e| code(mosquitto_connect(e.m, c"".as_ptr(), e.port, 60)) },
        case! { mosquitto_connect, "host C0 80", code(MALFORMED_UTF8), ARG, "MOSQ_ERR_EAI",
        |e| code(mosquitto_connect(e.m, c"\xC0\x80".as_ptr(), e.port, 60)) },
        case! { mosquitto_connect, "port -1", code(INVAL), ARG,
        |e| code(mosquitto_connect(e.m, c"127.0.0.1".as_ptr(), -1, 60)) },
        case! { mosquitto_connect, "port 65536", code(INVAL), ARG,
        |e| code(mosquitto_connect(e.m, c"127.0.0.1".as_ptr(), 65_536, 60)) },
        case! { mosquitto_connect, "keepalive 1", code(INVAL), ARG,
        |e| code(mosquitto_connect(e.m, c"127.0.0.1".as_ptr(), e.port, 1)) },
        case! { mosquitto_connect, "keepalive 4", code(INVAL), ARG,
        |e| code(mosquitto_connect(e.m, c"127.0.0.1".as_ptr(), e.port, 4)) },
        case! { mosquitto_connect, "keepalive -1", code(INVAL), ARG,
        |e| code(mosquitto_connect(e.m, c"127.0.0.1".as_ptr(), e.port, -1)) },
        case! { mosquitto_connect, "keepalive 65536", code(INVAL), ARG,
        |e| code(mosquitto_connect(e.m, c"127.0.0.1".as_ptr(), e.port, 65_536)) },
        case! { mosquitto_connect, "keepalive 0 is valid (control)", code(SUCCESS), SOLO,
        |e| code(mosquitto_connect(e.m, c"127.0.0.1".as_ptr(), e.port, 0)) },
        case! { mosquitto_connect_bind, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_connect_bind(
            null_mut(),
            c"127.0.0.1".as_ptr(),
            e.port,
            60,
            null()
        )) },
        case! { mosquitto_connect_bind, "host NULL", code(INVAL), ARG,
        |e| code(mosquitto_connect_bind(e.m, null(), e.port, 60, null())) },
        case! { mosquitto_connect_bind, "keepalive 1", code(INVAL), ARG,
        |e| code(mosquitto_connect_bind(e.m, c"127.0.0.1".as_ptr(), e.port, 1, null())) },
        case! { mosquitto_connect_bind, "port 65536", code(INVAL), ARG,
        |e| code(mosquitto_connect_bind(e.m, c"127.0.0.1".as_ptr(), 65_536, 60, null())) },
        case! { mosquitto_connect_bind, "bind_address C0 80", code(MALFORMED_UTF8), ARG, "MOSQ_ERR_EAI",
        |e| code(mosquitto_connect_bind(
            e.m,
            c"127.0.0.1".as_ptr(),
            e.port,
            60,
            c"\xC0\x80".as_ptr()
        )) },
        case! { mosquitto_connect_bind, "bind_address NULL, keepalive 0 (control)", code(SUCCESS), SOLO,
        |e| code(mosquitto_connect_bind(
            e.m,
            c"127.0.0.1".as_ptr(),
            e.port,
            0,
            null()
        )) },
        case! { mosquitto_connect_async, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_connect_async(null_mut(), c"127.0.0.1".as_ptr(), e.port, 60)) },
        case! { mosquitto_connect_async, "host NULL", code(INVAL), ARG,
        |e| code(mosquitto_connect_async(e.m, null(), e.port, 60)) },
        case! { mosquitto_connect_async, "port -1", code(INVAL), ARG,
        |e| code(mosquitto_connect_async(e.m, c"127.0.0.1".as_ptr(), -1, 60)) },
        case! { mosquitto_connect_async, "keepalive 4", code(INVAL), ARG,
        |e| code(mosquitto_connect_async(e.m, c"127.0.0.1".as_ptr(), e.port, 4)) },
        case! { mosquitto_connect_async, "keepalive 5 (control)", code(SUCCESS), SOLO,
        |e| code(mosquitto_connect_async(e.m, c"127.0.0.1".as_ptr(), e.port, 5)) },
        case! { mosquitto_connect_bind_async, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_connect_bind_async(
            null_mut(),
            c"127.0.0.1".as_ptr(),
            e.port,
            60,
            null()
        )) },
        case! { mosquitto_connect_bind_async, "host NULL", code(INVAL), ARG,
        |e| code(mosquitto_connect_bind_async(e.m, null(), e.port, 60, null())) },
        case! { mosquitto_connect_bind_async, "keepalive 3", code(INVAL), ARG,
        |e| code(mosquitto_connect_bind_async(e.m, c"127.0.0.1".as_ptr(), e.port, 3, null())) },
        case! { mosquitto_connect_bind_async, "port 65536", code(INVAL), ARG,
        |e| code(mosquitto_connect_bind_async(e.m, c"127.0.0.1".as_ptr(), 65_536, 60, null())) },
        case! { mosquitto_reconnect, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_reconnect(null_mut())) },
        case! { mosquitto_reconnect, "never connected (no broker known)", code(INVAL), ARG,
        |e| code(mosquitto_reconnect(e.m)) },
        case! { mosquitto_reconnect_async, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_reconnect_async(null_mut())) },
        case! { mosquitto_reconnect_async, "never connected (no broker known)", code(INVAL), ARG,
        |e| code(mosquitto_reconnect_async(e.m)) },
        // SOCKS5 and SRV (reference: Debian's libmosquitto 2.0.11 is built without SRV).
        case! { mosquitto_socks5_set, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_socks5_set(null_mut(), c"127.0.0.1".as_ptr(), 1080, null(), null())) },
        case! { mosquitto_socks5_set, "host NULL", code(INVAL), ARG,
        |e| code(mosquitto_socks5_set(e.m, null(), 1080, null(), null())) },
        case! { mosquitto_socks5_set, "host empty", code(INVAL), ARG, "MOSQ_ERR_SUCCESS",
        |e| code(mosquitto_socks5_set(e.m, c"".as_ptr(), 1080, null(), null())) },
        case! { mosquitto_socks5_set, "port 0", code(INVAL), ARG,
        |e| code(mosquitto_socks5_set(e.m, c"127.0.0.1".as_ptr(), 0, null(), null())) },
        case! { mosquitto_socks5_set, "port 65536", code(INVAL), ARG,
        |e| code(mosquitto_socks5_set(e.m, c"127.0.0.1".as_ptr(), 65_536, null(), null())) },
        case! { mosquitto_socks5_set, "username empty", code(INVAL), ARG, "MOSQ_ERR_SUCCESS",
        |e| code(mosquitto_socks5_set(e.m, c"127.0.0.1".as_ptr(), 1080, c"".as_ptr(), null())) },
        case! { mosquitto_socks5_set, "password 256 bytes", code(INVAL), ARG, "MOSQ_ERR_SUCCESS",
        |e| {
            let long = std::ffi::CString::new(vec![b'p'; 256]).unwrap();
            code(mosquitto_socks5_set(e.m, c"127.0.0.1".as_ptr(), 1080, c"u".as_ptr(), long.as_ptr()))
        } },
        case! { mosquitto_socks5_set, "username, password NULL (control)", code(SUCCESS), SOLO,
        |e| code(mosquitto_socks5_set(e.m, c"127.0.0.1".as_ptr(), 1080, c"u".as_ptr(), null())) },
        case! { mosquitto_connect_srv, "mosq NULL", code(INVAL), QUIET, "MOSQ_ERR_NOT_SUPPORTED",
        |e| code(mosquitto_connect_srv(null_mut(), c"example.com".as_ptr(), 60, null())) },
        case! { mosquitto_connect_srv, "host NULL", code(INVAL), ARG, "MOSQ_ERR_NOT_SUPPORTED",
        |e| code(mosquitto_connect_srv(e.m, null(), 60, null())) },
        case! { mosquitto_connect_srv, "keepalive 4", code(INVAL), ARG, "MOSQ_ERR_NOT_SUPPORTED",
        |e| code(mosquitto_connect_srv(e.m, c"example.com".as_ptr(), 4, null())) },
        case! { mosquitto_connect_srv, "host empty", code(INVAL), ARG, "MOSQ_ERR_NOT_SUPPORTED",
        |e| code(mosquitto_connect_srv(e.m, c"".as_ptr(), 60, null())) },
        case! { mosquitto_disconnect, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_disconnect(null_mut())) },
        case! { mosquitto_disconnect, "not connected", code(NO_CONN), QUIET,
        |e| code(mosquitto_disconnect(e.m)) },
        // ---- publish ----
        case! { mosquitto_publish, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_publish(
            null_mut(),
            null_mut(),
            c"t".as_ptr(),
            0,
            null(),
            0,
            false
        )) },
        case! { mosquitto_publish, "topic NULL", code(INVAL), ARG,
        |e| code(mosquitto_publish(e.m, null_mut(), null(), 0, null(), 0, false)) },
        case! { mosquitto_publish, "topic \"\"", code(INVAL), ARG,
        |e| code(mosquitto_publish(e.m, null_mut(), c"".as_ptr(), 0, null(), 1, false)) },
        case! { mosquitto_publish, "topic a/+", code(INVAL), ARG,
        |e| code(mosquitto_publish(e.m, null_mut(), c"a/+".as_ptr(), 0, null(), 1, false)) },
        case! { mosquitto_publish, "topic #", code(INVAL), ARG,
        |e| code(mosquitto_publish(e.m, null_mut(), c"#".as_ptr(), 0, null(), 1, false)) },
        case! { mosquitto_publish, "topic C0 80", code(MALFORMED_UTF8), ARG,
        |e| code(mosquitto_publish(
            e.m,
            null_mut(),
            c"\xC0\x80".as_ptr(),
            0,
            null(),
            1,
            false
        )) },
        case! { mosquitto_publish, "topic ED A0 80", code(MALFORMED_UTF8), ARG,
        |e| code(mosquitto_publish(
            e.m,
            null_mut(),
            c"\xED\xA0\x80".as_ptr(),
            0,
            null(),
            1,
            false
        )) },
        case! { mosquitto_publish, "payloadlen -1", code(PAYLOAD_SIZE), ARG,
        |e| code(mosquitto_publish(e.m, null_mut(), c"t".as_ptr(), -1, null(), 1, false)) },
        case! { mosquitto_publish, "payloadlen INT_MIN", code(PAYLOAD_SIZE), ARG,
        |e| code(mosquitto_publish(
            e.m,
            null_mut(),
            c"t".as_ptr(),
            c_int::MIN,
            c"x".as_ptr().cast(),
            1,
            false
        )) },
        case! { mosquitto_publish, "payloadlen 268435456", code(PAYLOAD_SIZE), ARG,
        |e| code(mosquitto_publish(
            e.m,
            null_mut(),
            c"t".as_ptr(),
            OVERSIZE,
            c"x".as_ptr().cast(),
            1,
            false
        )) },
        case! { mosquitto_publish, "payload NULL, payloadlen 5", code(INVAL), ARG, "MOSQ_ERR_NO_CONN (checks the connection first)",
        |e| code(mosquitto_publish(
            e.m,
            null_mut(),
            c"t".as_ptr(),
            5,
            null(),
            1,
            false
        )) },
        case! { mosquitto_publish, "qos -1", code(INVAL), ARG,
        |e| code(mosquitto_publish(e.m, null_mut(), c"t".as_ptr(), 0, null(), -1, false)) },
        case! { mosquitto_publish, "qos 3", code(INVAL), ARG,
        |e| code(mosquitto_publish(e.m, null_mut(), c"t".as_ptr(), 0, null(), 3, false)) },
        case! { mosquitto_publish, "qos 0 while not connected, mid NULL", code(NO_CONN), QUIET,
        |e| code(mosquitto_publish(
            e.m,
            null_mut(),
            c"t".as_ptr(),
            1,
            c"x".as_ptr().cast(),
            0,
            false
        )) },
        case! { mosquitto_publish, "rejected call leaves *mid alone", code(-7), ARG,
        |e| {
            let mut mid = -7;
            let rc = mosquitto_publish(e.m, &mut mid, c"t".as_ptr(), 0, null(), 3, false);
            if rc != INVAL {
                return Got::Broken(format!("rc {rc}"));
            }
            code(mid)
        } },
        // ---- subscribe ----
        case! { mosquitto_subscribe, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_subscribe(null_mut(), null_mut(), c"t".as_ptr(), 0)) },
        case! { mosquitto_subscribe, "sub NULL", code(INVAL), ARG, "MOSQ_ERR_NO_CONN (checks the connection first)",
        |e| code(mosquitto_subscribe(e.m, null_mut(), null(), 0)) },
        case! { mosquitto_subscribe, "sub \"\"", code(INVAL), ARG, "MOSQ_ERR_NO_CONN (checks the connection first)",
        |e| code(mosquitto_subscribe(e.m, null_mut(), c"".as_ptr(), 0)) },
        case! { mosquitto_subscribe, "sub a/#/b", code(INVAL), ARG, "MOSQ_ERR_NO_CONN (checks the connection first)",
        |e| code(mosquitto_subscribe(e.m, null_mut(), c"a/#/b".as_ptr(), 0)) },
        case! { mosquitto_subscribe, "sub a+", code(INVAL), ARG, "MOSQ_ERR_NO_CONN (checks the connection first)",
        |e| code(mosquitto_subscribe(e.m, null_mut(), c"a+".as_ptr(), 0)) },
        case! { mosquitto_subscribe, "sub C0 80", code(MALFORMED_UTF8), ARG, "MOSQ_ERR_NO_CONN (checks the connection first)",
        |e| code(mosquitto_subscribe(
            e.m,
            null_mut(),
            c"\xC0\x80".as_ptr(),
            0
        )) },
        case! { mosquitto_subscribe, "sub ED A0 80", code(MALFORMED_UTF8), ARG, "MOSQ_ERR_NO_CONN (checks the connection first)",
        |e| code(mosquitto_subscribe(
            e.m,
            null_mut(),
            c"\xED\xA0\x80".as_ptr(),
            0
        )) },
        case! { mosquitto_subscribe, "qos -1", code(INVAL), ARG,
        |e| code(mosquitto_subscribe(e.m, null_mut(), c"t".as_ptr(), -1)) },
        case! { mosquitto_subscribe, "qos 3", code(INVAL), ARG,
        |e| code(mosquitto_subscribe(e.m, null_mut(), c"t".as_ptr(), 3)) },
        case! { mosquitto_subscribe, "valid, not connected", code(NO_CONN), QUIET,
        |e| code(mosquitto_subscribe(e.m, null_mut(), c"t".as_ptr(), 0)) },
        case! { mosquitto_subscribe_multiple, "mosq NULL", code(INVAL), QUIET,
        |e| {
            let subs = [c"a".as_ptr() as *mut c_char, c"b".as_ptr() as *mut c_char];
            code(mosquitto_subscribe_multiple(
                null_mut(),
                null_mut(),
                2,
                subs.as_ptr(),
                0,
                0,
                null(),
            ))
        } },
        case! { mosquitto_subscribe_multiple, "sub_count 0", code(INVAL), ARG,
        |e| {
            let subs = [c"a".as_ptr() as *mut c_char, c"b".as_ptr() as *mut c_char];
            code(mosquitto_subscribe_multiple(
                e.m,
                null_mut(),
                0,
                subs.as_ptr(),
                0,
                0,
                null(),
            ))
        } },
        case! { mosquitto_subscribe_multiple, "sub_count -1", code(INVAL), ARG, "MOSQ_ERR_NO_CONN",
        |e| {
            let subs = [c"a".as_ptr() as *mut c_char, c"b".as_ptr() as *mut c_char];
            code(mosquitto_subscribe_multiple(
                e.m,
                null_mut(),
                -1,
                subs.as_ptr(),
                0,
                0,
                null(),
            ))
        } },
        case! { mosquitto_subscribe_multiple, "sub NULL", code(INVAL), ARG,
        |e| code(mosquitto_subscribe_multiple(e.m, null_mut(), 2, null(), 0, 0, null())) },
        case! { mosquitto_subscribe_multiple, "sub[1] NULL", code(INVAL), ARG, "MOSQ_ERR_NO_CONN",
        |e| {
            let subs = [c"a".as_ptr() as *mut c_char, null_mut()];
            code(mosquitto_subscribe_multiple(
                e.m,
                null_mut(),
                2,
                subs.as_ptr(),
                0,
                0,
                null(),
            ))
        } },
        case! { mosquitto_subscribe_multiple, "sub[1] a/#/b", code(INVAL), ARG, "MOSQ_ERR_NO_CONN",
        |e| {
            let subs = [c"a".as_ptr() as *mut c_char, c"a/#/b".as_ptr() as *mut c_char];
            code(mosquitto_subscribe_multiple(
                e.m,
                null_mut(),
                2,
                subs.as_ptr(),
                0,
                0,
                null(),
            ))
        } },
        case! { mosquitto_subscribe_multiple, "qos 3", code(INVAL), ARG,
        |e| {
            let subs = [c"a".as_ptr() as *mut c_char, c"b".as_ptr() as *mut c_char];
            code(mosquitto_subscribe_multiple(
                e.m,
                null_mut(),
                2,
                subs.as_ptr(),
                3,
                0,
                null(),
            ))
        } },
        // libmosquitto 2.0.11 refuses retain-handling 3 (0x30) and the reserved bits 0x40/0x80
        // with MOSQ_ERR_INVAL before looking at the connection; 0x04..0x20 pass.
        case! { mosquitto_subscribe_multiple, "options 0x30 (retain handling 3)", code(INVAL), ARG,
        |e| {
            let subs = [c"a".as_ptr() as *mut c_char, c"b".as_ptr() as *mut c_char];
            code(mosquitto_subscribe_multiple(
                e.m,
                null_mut(),
                2,
                subs.as_ptr(),
                0,
                0x30,
                null(),
            ))
        } },
        case! { mosquitto_subscribe_multiple, "options 0xC0 (reserved bits)", code(INVAL), ARG,
        |e| {
            let subs = [c"a".as_ptr() as *mut c_char, c"b".as_ptr() as *mut c_char];
            code(mosquitto_subscribe_multiple(
                e.m,
                null_mut(),
                2,
                subs.as_ptr(),
                0,
                0xC0,
                null(),
            ))
        } },
        case! { mosquitto_subscribe_multiple, "properties on an MQTT 3.1.1 client", code(NOT_SUPPORTED), ARG,
        |e| {
            let subs = [c"a".as_ptr() as *mut c_char, c"b".as_ptr() as *mut c_char];
            code(mosquitto_subscribe_multiple(
                e.m,
                null_mut(),
                2,
                subs.as_ptr(),
                0,
                0,
                some_properties(),
            ))
        } },
        case! { mosquitto_subscribe_multiple, "valid, not connected", code(NO_CONN), QUIET,
        |e| {
            let subs = [c"a".as_ptr() as *mut c_char, c"b/+".as_ptr() as *mut c_char];
            code(mosquitto_subscribe_multiple(
                e.m,
                null_mut(),
                2,
                subs.as_ptr(),
                1,
                0,
                null(),
            ))
        } },
        // ---- unsubscribe ----
        case! { mosquitto_unsubscribe, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_unsubscribe(null_mut(), null_mut(), c"t".as_ptr())) },
        case! { mosquitto_unsubscribe, "sub NULL", code(INVAL), ARG, "MOSQ_ERR_NO_CONN",
        |e| code(mosquitto_unsubscribe(e.m, null_mut(), null())) },
        case! { mosquitto_unsubscribe, "sub \"\"", code(INVAL), ARG, "MOSQ_ERR_NO_CONN",
        |e| code(mosquitto_unsubscribe(e.m, null_mut(), c"".as_ptr())) },
        case! { mosquitto_unsubscribe, "sub a/#/b", code(INVAL), ARG, "MOSQ_ERR_NO_CONN",
        |e| code(mosquitto_unsubscribe(e.m, null_mut(), c"a/#/b".as_ptr())) },
        case! { mosquitto_unsubscribe, "sub ED A0 80", code(MALFORMED_UTF8), ARG, "MOSQ_ERR_NO_CONN",
        |e| code(mosquitto_unsubscribe(
            e.m,
            null_mut(),
            c"\xED\xA0\x80".as_ptr()
        )) },
        case! { mosquitto_unsubscribe, "valid, not connected", code(NO_CONN), QUIET,
        |e| code(mosquitto_unsubscribe(e.m, null_mut(), c"t".as_ptr())) },
        case! { mosquitto_unsubscribe_multiple, "mosq NULL", code(INVAL), QUIET,
        |e| {
            let subs = [c"a".as_ptr() as *mut c_char, c"b".as_ptr() as *mut c_char];
            code(mosquitto_unsubscribe_multiple(
                null_mut(),
                null_mut(),
                2,
                subs.as_ptr(),
                null(),
            ))
        } },
        case! { mosquitto_unsubscribe_multiple, "sub_count 0", code(INVAL), ARG, "MOSQ_ERR_NO_CONN",
        |e| {
            let subs = [c"a".as_ptr() as *mut c_char, c"b".as_ptr() as *mut c_char];
            code(mosquitto_unsubscribe_multiple(
                e.m,
                null_mut(),
                0,
                subs.as_ptr(),
                null(),
            ))
        } },
        case! { mosquitto_unsubscribe_multiple, "sub_count -1", code(INVAL), ARG, "MOSQ_ERR_NO_CONN",
        |e| {
            let subs = [c"a".as_ptr() as *mut c_char, c"b".as_ptr() as *mut c_char];
            code(mosquitto_unsubscribe_multiple(
                e.m,
                null_mut(),
                -1,
                subs.as_ptr(),
                null(),
            ))
        } },
        case! { mosquitto_unsubscribe_multiple, "sub NULL", code(INVAL), ARG, "MOSQ_ERR_NO_CONN",
        |e| code(mosquitto_unsubscribe_multiple(e.m, null_mut(), 2, null(), null())) },
        case! { mosquitto_unsubscribe_multiple, "sub[1] NULL", code(INVAL), ARG, "MOSQ_ERR_NO_CONN",
        |e| {
            let subs = [c"a".as_ptr() as *mut c_char, null_mut()];
            code(mosquitto_unsubscribe_multiple(
                e.m,
                null_mut(),
                2,
                subs.as_ptr(),
                null(),
            ))
        } },
        case! { mosquitto_unsubscribe_multiple, "sub[1] a+", code(INVAL), ARG, "MOSQ_ERR_NO_CONN",
        |e| {
            let subs = [c"a".as_ptr() as *mut c_char, c"a+".as_ptr() as *mut c_char];
            code(mosquitto_unsubscribe_multiple(
                e.m,
                null_mut(),
                2,
                subs.as_ptr(),
                null(),
            ))
        } },
        case! { mosquitto_unsubscribe_multiple, "properties on an MQTT 3.1.1 client", code(NOT_SUPPORTED), ARG,
        |e| {
            let subs = [c"a".as_ptr() as *mut c_char, c"b".as_ptr() as *mut c_char];
            code(mosquitto_unsubscribe_multiple(
                e.m,
                null_mut(),
                2,
                subs.as_ptr(),
                some_properties(),
            ))
        } },
        case! { mosquitto_unsubscribe_multiple, "valid, not connected", code(NO_CONN), QUIET,
        |e| {
            let subs = [c"a".as_ptr() as *mut c_char, c"b".as_ptr() as *mut c_char];
            code(mosquitto_unsubscribe_multiple(
                e.m,
                null_mut(),
                2,
                subs.as_ptr(),
                null(),
            ))
        } },
        // ---- settings ----
        case! { mosquitto_reconnect_delay_set, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_reconnect_delay_set(null_mut(), 1, 1, false)) },
        case! { mosquitto_reconnect_delay_set, "delay 0", code(INVAL), ARG, "SUCCESS",
        |e| code(mosquitto_reconnect_delay_set(e.m, 0, 10, false)) },
        case! { mosquitto_reconnect_delay_set, "max < delay", code(INVAL), ARG, "SUCCESS",
        |e| code(mosquitto_reconnect_delay_set(e.m, 10, 5, true)) },
        // MQTT 5 variants: the same argument checks as their 3.1.1 counterparts.
        case! { mosquitto_connect_bind_v5, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_connect_bind_v5(null_mut(), c"127.0.0.1".as_ptr(), 1883, 60, null(), null())) },
        case! { mosquitto_connect_bind_v5, "keepalive 3", code(INVAL), ARG,
        |e| code(mosquitto_connect_bind_v5(e.m, c"127.0.0.1".as_ptr(), 1883, 3, null(), null())) },
        case! { mosquitto_connect_bind_v5, "host NULL", code(INVAL), ARG,
        |e| code(mosquitto_connect_bind_v5(e.m, null(), 1883, 60, null(), null())) },
        case! { mosquitto_publish_v5, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_publish_v5(null_mut(), null_mut(), c"a".as_ptr(), 1, c"x".as_ptr().cast(), 0, false, null())) },
        case! { mosquitto_publish_v5, "qos 3", code(INVAL), ARG,
        |e| code(mosquitto_publish_v5(e.m, null_mut(), c"a".as_ptr(), 1, c"x".as_ptr().cast(), 3, false, null())) },
        case! { mosquitto_publish_v5, "topic with wildcard", code(INVAL), ARG,
        |e| code(mosquitto_publish_v5(e.m, null_mut(), c"a/#".as_ptr(), 1, c"x".as_ptr().cast(), 0, false, null())) },
        case! { mosquitto_publish_v5, "payloadlen -1", code(PAYLOAD_SIZE), ARG,
        |e| code(mosquitto_publish_v5(e.m, null_mut(), c"a".as_ptr(), -1, c"x".as_ptr().cast(), 0, false, null())) },
        case! { mosquitto_subscribe_v5, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_subscribe_v5(null_mut(), null_mut(), c"a".as_ptr(), 0, 0, null())) },
        case! { mosquitto_subscribe_v5, "filter a/#/b", code(INVAL), ARG,
        |e| code(mosquitto_subscribe_v5(e.m, null_mut(), c"a/#/b".as_ptr(), 0, 0, null())) },
        case! { mosquitto_subscribe_v5, "options 0x30", code(INVAL), ARG,
        |e| code(mosquitto_subscribe_v5(e.m, null_mut(), c"a".as_ptr(), 0, 0x30, null())) },
        case! { mosquitto_unsubscribe_v5, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_unsubscribe_v5(null_mut(), null_mut(), c"a".as_ptr(), null())) },
        case! { mosquitto_unsubscribe_v5, "sub NULL", code(INVAL), ARG,
        |e| code(mosquitto_unsubscribe_v5(e.m, null_mut(), null(), null())) },
        case! { mosquitto_disconnect_v5, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_disconnect_v5(null_mut(), 0, null())) },
        case! { mosquitto_disconnect_v5, "reason 256", code(INVAL), ARG,
        |e| code(mosquitto_disconnect_v5(e.m, 256, null())) },
        case! { mosquitto_disconnect_v5, "not connected", code(NO_CONN), QUIET,
        |e| code(mosquitto_disconnect_v5(e.m, 0, null())) },
        case! { mosquitto_will_set_v5, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_will_set_v5(null_mut(), c"a".as_ptr(), 0, null(), 0, false, null_mut())) },
        case! { mosquitto_will_set_v5, "topic with wildcard", code(INVAL), ARG,
        |e| code(mosquitto_will_set_v5(e.m, c"a/+".as_ptr(), 0, null(), 0, false, null_mut())) },
        case! { mosquitto_connect_v5_callback_set, "mosq NULL", Got::Unit, QUIET,
        |e| { mosquitto_connect_v5_callback_set(null_mut(), None); Got::Unit } },
        case! { mosquitto_disconnect_v5_callback_set, "mosq NULL", Got::Unit, QUIET,
        |e| { mosquitto_disconnect_v5_callback_set(null_mut(), None); Got::Unit } },
        case! { mosquitto_publish_v5_callback_set, "mosq NULL", Got::Unit, QUIET,
        |e| { mosquitto_publish_v5_callback_set(null_mut(), None); Got::Unit } },
        case! { mosquitto_message_v5_callback_set, "mosq NULL", Got::Unit, QUIET,
        |e| { mosquitto_message_v5_callback_set(null_mut(), None); Got::Unit } },
        case! { mosquitto_subscribe_v5_callback_set, "mosq NULL", Got::Unit, QUIET,
        |e| { mosquitto_subscribe_v5_callback_set(null_mut(), None); Got::Unit } },
        case! { mosquitto_unsubscribe_v5_callback_set, "mosq NULL", Got::Unit, QUIET,
        |e| { mosquitto_unsubscribe_v5_callback_set(null_mut(), None); Got::Unit } },
        // Options (reference: libmosquitto 2.0.11; the bind-address option is refused honestly
        // until that feature exists).
        case! { mosquitto_int_option, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_int_option(null_mut(), MOSQ_OPT_PROTOCOL_VERSION as c_int, 5)) },
        case! { mosquitto_int_option, "PROTOCOL_VERSION 99", code(INVAL), ARG,
        |e| code(mosquitto_int_option(e.m, MOSQ_OPT_PROTOCOL_VERSION as c_int, 99)) },
        case! { mosquitto_int_option, "RECEIVE_MAXIMUM 65536", code(INVAL), ARG,
        |e| code(mosquitto_int_option(e.m, MOSQ_OPT_RECEIVE_MAXIMUM as c_int, 65536)) },
        case! { mosquitto_int_option, "SEND_MAXIMUM -1", code(INVAL), ARG,
        |e| code(mosquitto_int_option(e.m, MOSQ_OPT_SEND_MAXIMUM as c_int, -1)) },
        case! { mosquitto_int_option, "option 14", code(INVAL), ARG,
        |e| code(mosquitto_int_option(e.m, 14, 1)) },
        case! { mosquitto_int_option, "option -1", code(INVAL), ARG,
        |e| code(mosquitto_int_option(e.m, -1, 1)) },
        case! { mosquitto_string_option, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_string_option(null_mut(), MOSQ_OPT_TLS_ALPN as c_int, c"x".as_ptr())) },
        case! { mosquitto_string_option, "TLS_ALPN NULL", code(INVAL), ARG, "crashes (SIGSEGV)",
        |e| code(mosquitto_string_option(e.m, MOSQ_OPT_TLS_ALPN as c_int, null())) },
        case! { mosquitto_string_option, "TLS_KEYFORM \"der\"", code(INVAL), ARG,
        |e| code(mosquitto_string_option(e.m, MOSQ_OPT_TLS_KEYFORM as c_int, c"der".as_ptr())) },
        case! { mosquitto_string_option, "TLS_ENGINE unknown id", code(INVAL), ARG,
        |e| code(mosquitto_string_option(e.m, MOSQ_OPT_TLS_ENGINE as c_int, c"no-such-engine".as_ptr())) },
        case! { mosquitto_string_option, "TLS_ENGINE_KPASS_SHA1 \"abc\"", code(INVAL), ARG,
        |e| code(mosquitto_string_option(e.m, MOSQ_OPT_TLS_ENGINE_KPASS_SHA1 as c_int, c"abc".as_ptr())) },
        case! { mosquitto_string_option, "BIND_ADDRESS not UTF-8", code(INVAL), ARG,
        |e| code(mosquitto_string_option(e.m, MOSQ_OPT_BIND_ADDRESS as c_int, c"\xff".as_ptr())) },
        case! { mosquitto_string_option, "int option number", code(INVAL), ARG,
        |e| code(mosquitto_string_option(e.m, MOSQ_OPT_PROTOCOL_VERSION as c_int, c"5".as_ptr())) },
        case! { mosquitto_void_option, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_void_option(null_mut(), MOSQ_OPT_SSL_CTX as c_int, null_mut())) },
        case! { mosquitto_void_option, "SSL_CTX NULL", code(INVAL), ARG,
        |e| code(mosquitto_void_option(e.m, MOSQ_OPT_SSL_CTX as c_int, null_mut())) },
        case! { mosquitto_void_option, "option 99", code(INVAL), ARG,
        |e| code(mosquitto_void_option(e.m, 99, null_mut())) },
        case! { mosquitto_opts_set, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_opts_set(null_mut(), MOSQ_OPT_PROTOCOL_VERSION as c_int, null_mut())) },
        case! { mosquitto_opts_set, "PROTOCOL_VERSION value NULL", code(INVAL), ARG,
        |e| code(mosquitto_opts_set(e.m, MOSQ_OPT_PROTOCOL_VERSION as c_int, null_mut())) },
        // TLS (reference: libmosquitto 2.0.11 with small C programs; its NULL-handle answers
        // were not all run, as the first one crashed).
        case! { mosquitto_tls_set, "mosq NULL", code(INVAL), QUIET, "crashes (SIGSEGV)",
        |e| code(mosquitto_tls_set(null_mut(), c"/etc/hosts".as_ptr(), null(), null(), null(), None)) },
        case! { mosquitto_tls_set, "cafile and capath NULL", code(INVAL), ARG,
        |e| code(mosquitto_tls_set(e.m, null(), null(), null(), null(), None)) },
        case! { mosquitto_tls_set, "cafile unreadable", code(INVAL), ARG,
        |e| code(mosquitto_tls_set(e.m, c"/nonexistent/ca.crt".as_ptr(), null(), null(), null(), None)) },
        case! { mosquitto_tls_set, "certfile without keyfile", code(INVAL), ARG,
        |e| code(mosquitto_tls_set(e.m, c"/etc/hosts".as_ptr(), null(), c"/etc/hosts".as_ptr(), null(), None)) },
        case! { mosquitto_tls_set, "keyfile unreadable", code(INVAL), ARG,
        |e| code(mosquitto_tls_set(e.m, c"/etc/hosts".as_ptr(), null(), c"/etc/hosts".as_ptr(), c"/nonexistent/key".as_ptr(), None)) },
        case! { mosquitto_tls_opts_set, "mosq NULL", code(INVAL), QUIET, "not run",
        |e| code(mosquitto_tls_opts_set(null_mut(), 1, null(), null())) },
        case! { mosquitto_tls_opts_set, "cert_reqs 2", code(INVAL), ARG, "MOSQ_ERR_SUCCESS",
        |e| code(mosquitto_tls_opts_set(e.m, 2, null(), null())) },
        case! { mosquitto_tls_opts_set, "tls_version \"tlsv9\"", code(INVAL), ARG,
        |e| code(mosquitto_tls_opts_set(e.m, 1, c"tlsv9".as_ptr(), null())) },
        case! { mosquitto_tls_opts_set, "tls_version \"tlsv1\"", code(INVAL), ARG,
        |e| code(mosquitto_tls_opts_set(e.m, 1, c"tlsv1".as_ptr(), null())) },
        case! { mosquitto_tls_insecure_set, "mosq NULL", code(INVAL), QUIET, "not run",
        |e| code(mosquitto_tls_insecure_set(null_mut(), true)) },
        case! { mosquitto_tls_psk_set, "mosq NULL", code(INVAL), QUIET, "not run",
        |e| code(mosquitto_tls_psk_set(null_mut(), c"00".as_ptr(), c"id".as_ptr(), null())) },
        case! { mosquitto_tls_psk_set, "psk NULL", code(INVAL), ARG,
        |e| code(mosquitto_tls_psk_set(e.m, null(), c"id".as_ptr(), null())) },
        case! { mosquitto_tls_psk_set, "identity NULL", code(INVAL), ARG,
        |e| code(mosquitto_tls_psk_set(e.m, c"00".as_ptr(), null(), null())) },
        case! { mosquitto_tls_psk_set, "psk \"0x00\"", code(INVAL), ARG,
        |e| code(mosquitto_tls_psk_set(e.m, c"0x00".as_ptr(), c"id".as_ptr(), null())) },
        case! { mosquitto_tls_psk_set, "psk \"\"", code(INVAL), ARG, "MOSQ_ERR_SUCCESS",
        |e| code(mosquitto_tls_psk_set(e.m, c"".as_ptr(), c"id".as_ptr(), null())) },
        case! { mosquitto_ssl_get, "mosq NULL", Got::Null { errno: 0 }, QUIET, "not run",
        |e| if mosquitto_ssl_get(null_mut()).is_null() { Got::Null { errno: 0 } } else { Got::NonNull } },
        case! { mosquitto_ssl_get, "not connected", Got::Null { errno: 0 }, QUIET,
        |e| if mosquitto_ssl_get(e.m).is_null() { Got::Null { errno: 0 } } else { Got::NonNull } },
        case! { culex_topic_alias_auto_set, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_topic_alias_auto_set(null_mut(), true)) },
        case! { culex_auth_method_set, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_auth_method_set(null_mut(), c"SCRAM".as_ptr(), null(), 0)) },
        case! { culex_auth_method_set, "datalen -1", code(INVAL), ARG, "Culex only",
        |e| code(culex_auth_method_set(e.m, c"SCRAM".as_ptr(), c"x".as_ptr().cast(), -1)) },
        case! { culex_auth_method_set, "data NULL with datalen 3", code(INVAL), ARG, "Culex only",
        |e| code(culex_auth_method_set(e.m, c"SCRAM".as_ptr(), null(), 3)) },
        case! { culex_auth_callback_set, "mosq NULL", Got::Unit, QUIET, "Culex only",
        |e| { culex_auth_callback_set(null_mut(), None); Got::Unit } },
        case! { culex_auth_continue, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_auth_continue(null_mut(), null(), 0, null())) },
        case! { culex_auth_continue, "datalen -1", code(INVAL), ARG, "Culex only",
        |e| code(culex_auth_continue(e.m, c"x".as_ptr().cast(), -1, null())) },
        case! { culex_reauthenticate, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_reauthenticate(null_mut(), null(), 0, null())) },
        case! { culex_reauthenticate, "MQTT 3.1.1 client", code(NOT_SUPPORTED), ARG, "Culex only",
        |e| code(culex_reauthenticate(e.m, null(), 0, null())) },
        case! { culex_tls_set_pem, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_tls_set_pem(null_mut(), c"x".as_ptr(), null(), null(), None)) },
        case! { culex_tls_set_pem, "ca_pem NULL", code(INVAL), ARG, "Culex only",
        |e| code(culex_tls_set_pem(e.m, null(), null(), null(), None)) },
        case! { culex_tls_set_pem, "ca_pem \"\"", code(INVAL), ARG, "Culex only",
        |e| code(culex_tls_set_pem(e.m, c"".as_ptr(), null(), null(), None)) },
        case! { culex_tls_set_pem, "cert_pem without key_pem", code(INVAL), ARG, "Culex only",
        |e| code(culex_tls_set_pem(e.m, c"x".as_ptr(), c"y".as_ptr(), null(), None)) },
        case! { culex_tls_session_resumption_set, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_tls_session_resumption_set(null_mut(), false)) },
        case! { culex_persistence_set, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_persistence_set(null_mut(), c"/tmp".as_ptr(), CULEX_PERSIST_SYNC, None)) },
        case! { culex_persistence_set, "directory NULL", code(INVAL), ARG, "Culex only",
        |e| code(culex_persistence_set(e.m, null(), CULEX_PERSIST_SYNC, None)) },
        case! { culex_persistence_set, "mode 7", code(INVAL), ARG, "Culex only",
        |e| code(culex_persistence_set(e.m, c"/tmp".as_ptr(), 7, None)) },
        // ---- Culex: per-topic callbacks ----
        case! { culex_message_callback_add, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_message_callback_add(null_mut(), c"a/#".as_ptr(), Some(cb_message))) },
        case! { culex_message_callback_add, "sub NULL", code(INVAL), ARG, "Culex only",
        |e| code(culex_message_callback_add(e.m, null(), Some(cb_message))) },
        case! { culex_message_callback_add, "callback NULL", code(INVAL), ARG, "Culex only",
        |e| code(culex_message_callback_add(e.m, c"a/#".as_ptr(), None)) },
        case! { culex_message_callback_add, "sub \"a/#/b\"", code(INVAL), ARG, "Culex only",
        |e| code(culex_message_callback_add(e.m, c"a/#/b".as_ptr(), Some(cb_message))) },
        case! { culex_message_callback_add, "sub \"$share/g\" (no filter)", code(INVAL), ARG, "Culex only",
        |e| code(culex_message_callback_add(e.m, c"$share/g".as_ptr(), Some(cb_message))) },
        case! { culex_message_callback_add, "sub not UTF-8", code(MALFORMED_UTF8), ARG, "Culex only",
        |e| code(culex_message_callback_add(e.m, c"a/\xff".as_ptr(), Some(cb_message))) },
        case! { culex_message_callback_add_v5, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_message_callback_add_v5(null_mut(), c"a/#".as_ptr(), Some(cb_message_v5))) },
        case! { culex_message_callback_add_v5, "sub NULL", code(INVAL), ARG, "Culex only",
        |e| code(culex_message_callback_add_v5(e.m, null(), Some(cb_message_v5))) },
        case! { culex_message_callback_add_v5, "callback NULL", code(INVAL), ARG, "Culex only",
        |e| code(culex_message_callback_add_v5(e.m, c"a/#".as_ptr(), None)) },
        case! { culex_message_callback_add_v5, "sub \"a+\"", code(INVAL), ARG, "Culex only",
        |e| code(culex_message_callback_add_v5(e.m, c"a+".as_ptr(), Some(cb_message_v5))) },
        case! { culex_message_callback_add_data, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_message_callback_add_data(null_mut(), c"a/#".as_ptr(), Some(cb_message_data), null_mut())) },
        case! { culex_message_callback_add_data, "sub NULL", code(INVAL), ARG, "Culex only",
        |e| code(culex_message_callback_add_data(e.m, null(), Some(cb_message_data), null_mut())) },
        case! { culex_message_callback_add_data, "callback NULL", code(INVAL), ARG, "Culex only",
        |e| code(culex_message_callback_add_data(e.m, c"a/#".as_ptr(), None, null_mut())) },
        case! { culex_message_callback_add_data, "sub \"a/#/b\"", code(INVAL), ARG, "Culex only",
        |e| code(culex_message_callback_add_data(e.m, c"a/#/b".as_ptr(), Some(cb_message_data), null_mut())) },
        case! { culex_message_callback_add_data, "sub not UTF-8", code(MALFORMED_UTF8), ARG, "Culex only",
        |e| code(culex_message_callback_add_data(e.m, c"a/\xff".as_ptr(), Some(cb_message_data), null_mut())) },
        case! { culex_message_callback_add_data, "data NULL (allowed)", code(SUCCESS), SOLO, "Culex only",
        |e| code(culex_message_callback_add_data(e.m, c"a/#".as_ptr(), Some(cb_message_data), null_mut())) },
        case! { culex_message_callback_remove, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_message_callback_remove(null_mut(), c"a/#".as_ptr())) },
        case! { culex_message_callback_remove, "sub NULL", code(INVAL), ARG, "Culex only",
        |e| code(culex_message_callback_remove(e.m, null())) },
        case! { culex_message_callback_remove, "no callback for it", code(NOT_FOUND), QUIET, "Culex only",
        |e| code(culex_message_callback_remove(e.m, c"never/added".as_ptr())) },
        case! { culex_message_callback_remove, "added, removed twice", code(NOT_FOUND), SOLO, "Culex only",
        |e| {
            let add = culex_message_callback_add(e.m, c"x/+".as_ptr(), Some(cb_message));
            let first = culex_message_callback_remove(e.m, c"x/+".as_ptr());
            if add != SUCCESS || first != SUCCESS {
                return Got::Broken(format!("add {add}, first remove {first}"));
            }
            code(culex_message_callback_remove(e.m, c"x/+".as_ptr()))
        } },
        // ---- Culex: connection lifecycle ----
        case! { culex_pre_connect_callback_set, "mosq NULL", Got::Unit, QUIET, "Culex only",
        |e| { culex_pre_connect_callback_set(null_mut(), Some(cb_plain)); Got::Unit } },
        case! { culex_connect_fail_callback_set, "mosq NULL", Got::Unit, QUIET, "Culex only",
        |e| { culex_connect_fail_callback_set(null_mut(), Some(cb_int)); Got::Unit } },
        case! { culex_socket_open_callback_set, "mosq NULL", Got::Unit, QUIET, "Culex only",
        |e| { culex_socket_open_callback_set(null_mut(), Some(cb_int)); Got::Unit } },
        case! { culex_socket_close_callback_set, "mosq NULL", Got::Unit, QUIET, "Culex only",
        |e| { culex_socket_close_callback_set(null_mut(), Some(cb_int)); Got::Unit } },
        case! { culex_socket_register_write_callback_set, "mosq NULL", Got::Unit, QUIET, "Culex only",
        |e| { culex_socket_register_write_callback_set(null_mut(), Some(cb_int)); Got::Unit } },
        case! { culex_socket_unregister_write_callback_set, "mosq NULL", Got::Unit, QUIET, "Culex only",
        |e| { culex_socket_unregister_write_callback_set(null_mut(), Some(cb_int)); Got::Unit } },
        case! { culex_connect_timeout_set, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_connect_timeout_set(null_mut(), 1000)) },
        case! { culex_connect_timeout_set, "0", code(INVAL), ARG, "Culex only",
        |e| code(culex_connect_timeout_set(e.m, 0)) },
        case! { culex_connect_timeout_set, "-1", code(INVAL), ARG, "Culex only",
        |e| code(culex_connect_timeout_set(e.m, -1)) },
        case! { culex_is_connected, "mosq NULL", Got::Bool(false), QUIET, "Culex only",
        |e| Got::Bool(culex_is_connected(null_mut())) },
        case! { culex_is_connected, "never connected", Got::Bool(false), QUIET, "Culex only",
        |e| Got::Bool(culex_is_connected(e.m)) },
        case! { culex_socket_state, "mosq NULL", code(-1), QUIET, "Culex only",
        |e| code(culex_socket_state(null_mut())) },
        case! { culex_socket_state, "never connected", code(culex_socket_state_t::CULEX_SOCKET_NONE as c_int), QUIET, "Culex only",
        |e| code(culex_socket_state(e.m)) },
        case! { culex_reconnect_jitter_set, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_reconnect_jitter_set(null_mut(), 10)) },
        case! { culex_reconnect_jitter_set, "101", code(INVAL), ARG, "Culex only",
        |e| code(culex_reconnect_jitter_set(e.m, 101)) },
        case! { culex_reconnect_jitter_set, "-1", code(INVAL), ARG, "Culex only",
        |e| code(culex_reconnect_jitter_set(e.m, -1)) },
        // ---- Culex: transports and targets ----
        // ---- Culex: what the Python client needs ----
        case! { culex_connect_bind_async_v5, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_connect_bind_async_v5(null_mut(), c"127.0.0.1".as_ptr(), 1883, 60, null(), null())) },
        case! { culex_connect_bind_async_v5, "host NULL", code(INVAL), ARG, "Culex only",
        |e| code(culex_connect_bind_async_v5(e.m, null(), 1883, 60, null(), null())) },
        case! { culex_connect_bind_async_v5, "keepalive -1", code(INVAL), ARG, "Culex only",
        |e| code(culex_connect_bind_async_v5(e.m, c"127.0.0.1".as_ptr(), 1883, -1, null(), null())) },
        case! { culex_connect_bind_async_v5, "keepalive 3 (libmosquitto's floor)", code(INVAL), ARG, "Culex only",
        |e| code(culex_connect_bind_async_v5(e.m, c"127.0.0.1".as_ptr(), 1883, 3, null(), null())) },
        case! { culex_connect_bind_async_v5, "port 65536", code(INVAL), ARG, "Culex only",
        |e| code(culex_connect_bind_async_v5(e.m, c"127.0.0.1".as_ptr(), 65_536, 60, null(), null())) },
        case! { culex_server_disconnect_length, "mosq NULL", code(-1), QUIET, "Culex only",
        |e| code(culex_server_disconnect_length(null_mut())) },
        case! { culex_server_disconnect_length, "never connected", code(-1), QUIET, "Culex only",
        |e| code(culex_server_disconnect_length(e.m)) },
        case! { culex_message_batch_callback_set, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_message_batch_callback_set(null_mut(), None)) },
        case! { culex_paho_wire_set, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_paho_wire_set(null_mut(), true)) },
        case! { culex_client_id_set, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_client_id_set(null_mut(), c"id".as_ptr())) },
        case! { culex_client_id_set, "id NULL", code(INVAL), ARG, "Culex only",
        |e| code(culex_client_id_set(e.m, null())) },
        case! { culex_client_id_set, "id not UTF-8", code(MALFORMED_UTF8), ARG, "Culex only",
        |e| code(culex_client_id_set(e.m, c"\xff".as_ptr())) },
        case! { culex_client_id_set, "65536 bytes (no MQTT string)", code(MALFORMED_UTF8), ARG, "Culex only",
        |e| {
            let long = std::ffi::CString::new(vec![b'a'; 65_536]).unwrap();
            code(culex_client_id_set(e.m, long.as_ptr()))
        } },
        case! { culex_client_id_set, "empty (the broker assigns one)", code(SUCCESS), SOLO, "Culex only",
        |e| code(culex_client_id_set(e.m, c"".as_ptr())) },
        case! { culex_clean_start_set, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_clean_start_set(null_mut(), false)) },
        case! { culex_subscribe_multiple_v5, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| {
            let subs = [c"a".as_ptr().cast_mut()];
            let opts = [1];
            code(culex_subscribe_multiple_v5(null_mut(), null_mut(), 1, subs.as_ptr(), opts.as_ptr(), null()))
        } },
        case! { culex_subscribe_multiple_v5, "options NULL", code(INVAL), ARG, "Culex only",
        |e| {
            let subs = [c"a".as_ptr().cast_mut()];
            code(culex_subscribe_multiple_v5(e.m, null_mut(), 1, subs.as_ptr(), null(), null()))
        } },
        case! { culex_subscribe_multiple_v5, "sub NULL", code(INVAL), ARG, "Culex only",
        |e| code(culex_subscribe_multiple_v5(e.m, null_mut(), 1, null(), [1].as_ptr(), null())) },
        case! { culex_subscribe_multiple_v5, "count 0", code(INVAL), ARG, "Culex only",
        |e| {
            let subs = [c"a".as_ptr().cast_mut()];
            code(culex_subscribe_multiple_v5(e.m, null_mut(), 0, subs.as_ptr(), [1].as_ptr(), null()))
        } },
        case! { culex_subscribe_multiple_v5, "second filter QoS 3", code(INVAL), ARG, "Culex only",
        |e| {
            let subs = [c"a".as_ptr().cast_mut(), c"b".as_ptr().cast_mut()];
            code(culex_subscribe_multiple_v5(e.m, null_mut(), 2, subs.as_ptr(), [1, 3].as_ptr(), null()))
        } },
        case! { culex_subscribe_multiple_v5, "retain handling 3", code(INVAL), ARG, "Culex only",
        |e| {
            let subs = [c"a".as_ptr().cast_mut()];
            code(culex_subscribe_multiple_v5(e.m, null_mut(), 1, subs.as_ptr(), [0x31].as_ptr(), null()))
        } },
        case! { culex_subscribe_multiple_v5, "never connected", code(NO_CONN), SOLO, "Culex only",
        |e| {
            let subs = [c"a".as_ptr().cast_mut(), c"b/#".as_ptr().cast_mut()];
            code(culex_subscribe_multiple_v5(e.m, null_mut(), 2, subs.as_ptr(), [1, 2].as_ptr(), null()))
        } },
        case! { culex_unsubscribe_v5_callback_set, "mosq NULL", Got::Unit, QUIET, "Culex only",
        |e| { culex_unsubscribe_v5_callback_set(null_mut(), None); Got::Unit } },
        case! { culex_transport_set, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_transport_set(null_mut(), 1)) },
        case! { culex_transport_set, "-1", code(INVAL), ARG, "Culex only",
        |e| code(culex_transport_set(e.m, -1)) },
        case! { culex_transport_set, "3 (no such transport)", code(INVAL), ARG, "Culex only",
        |e| code(culex_transport_set(e.m, 3)) },
        case! { culex_transport_set, "CULEX_TRANSPORT_UNIX (chosen by port 0)", code(INVAL), ARG, "Culex only",
        |e| code(culex_transport_set(e.m, culex_transport_t::CULEX_TRANSPORT_UNIX as c_int)) },
        case! { culex_ws_set_options, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_ws_set_options(null_mut(), null(), null())) },
        case! { culex_ws_set_options, "path without '/'", code(INVAL), ARG_SOLO, "Culex only",
        |e| code(culex_ws_set_options(e.m, c"mqtt".as_ptr(), null())) },
        case! { culex_ws_set_options, "path with a space", code(INVAL), ARG_SOLO, "Culex only",
        |e| code(culex_ws_set_options(e.m, c"/a b".as_ptr(), null())) },
        case! { culex_ws_set_options, "header without a colon", code(INVAL), ARG_SOLO, "Culex only",
        |e| {
            let headers = [c"X-Token".as_ptr(), null()];
            code(culex_ws_set_options(e.m, null(), headers.as_ptr()))
        } },
        case! { culex_ws_set_options, "header with CR LF in its value", code(INVAL), ARG_SOLO, "Culex only",
        |e| {
            let headers = [c"X-A: 1\r\nX-B: 2".as_ptr(), null()];
            code(culex_ws_set_options(e.m, null(), headers.as_ptr()))
        } },
        case! { culex_ws_set_options, "the handshake's own header", code(INVAL), ARG_SOLO, "Culex only",
        |e| {
            let headers = [c"Sec-WebSocket-Protocol: chat".as_ptr(), null()];
            code(culex_ws_set_options(e.m, null(), headers.as_ptr()))
        } },
        case! { culex_ws_set_options, "101 headers", code(INVAL), ARG_SOLO, "Culex only",
        |e| {
            let mut headers = vec![c"X-A: 1".as_ptr(); 101];
            headers.push(null());
            code(culex_ws_set_options(e.m, null(), headers.as_ptr()))
        } },
        case! { culex_ws_set_options, "defaults (control)", code(SUCCESS), SOLO, "Culex only",
        |e| code(culex_ws_set_options(e.m, null(), null())) },
        case! { culex_http_proxy_set, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_http_proxy_set(null_mut(), c"127.0.0.1".as_ptr(), 3128, null(), null())) },
        case! { culex_http_proxy_set, "host NULL", code(INVAL), ARG, "Culex only",
        |e| code(culex_http_proxy_set(e.m, null(), 3128, null(), null())) },
        case! { culex_http_proxy_set, "host empty", code(INVAL), ARG, "Culex only",
        |e| code(culex_http_proxy_set(e.m, c"".as_ptr(), 3128, null(), null())) },
        case! { culex_http_proxy_set, "port 0", code(INVAL), ARG, "Culex only",
        |e| code(culex_http_proxy_set(e.m, c"127.0.0.1".as_ptr(), 0, null(), null())) },
        case! { culex_http_proxy_set, "port 65536", code(INVAL), ARG, "Culex only",
        |e| code(culex_http_proxy_set(e.m, c"127.0.0.1".as_ptr(), 65_536, null(), null())) },
        case! { culex_http_proxy_set, "username with a colon", code(INVAL), ARG, "Culex only",
        |e| code(culex_http_proxy_set(e.m, c"127.0.0.1".as_ptr(), 3128, c"a:b".as_ptr(), null())) },
        case! { culex_http_proxy_set, "username empty", code(INVAL), ARG, "Culex only",
        |e| code(culex_http_proxy_set(e.m, c"127.0.0.1".as_ptr(), 3128, c"".as_ptr(), null())) },
        case! { culex_http_proxy_set, "username, password NULL (control)", code(SUCCESS), SOLO, "Culex only",
        |e| code(culex_http_proxy_set(e.m, c"127.0.0.1".as_ptr(), 3128, c"u".as_ptr(), null())) },
        case! { culex_server_list_set, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_server_list_set(null_mut(), null(), 0)) },
        case! { culex_server_list_set, "servers NULL, count 1", code(INVAL), ARG, "Culex only",
        |e| code(culex_server_list_set(e.m, null(), 1)) },
        case! { culex_server_list_set, "count -1", code(INVAL), ARG, "Culex only",
        |e| code(culex_server_list_set(e.m, null(), -1)) },
        case! { culex_server_list_set, "count 65", code(INVAL), ARG, "Culex only",
        |e| {
            let servers: Vec<culex_server> = (0..65).map(|_| server(c"127.0.0.1", 1883, 0)).collect();
            code(culex_server_list_set(e.m, servers.as_ptr(), 65))
        } },
        case! { culex_server_list_set, "host NULL", code(INVAL), ARG, "Culex only",
        |e| {
            let servers = [culex_server { host: null(), port: 1883, transport: 0 }];
            code(culex_server_list_set(e.m, servers.as_ptr(), 1))
        } },
        case! { culex_server_list_set, "host empty", code(INVAL), ARG, "Culex only",
        |e| code(culex_server_list_set(e.m, [server(c"", 1883, 0)].as_ptr(), 1)) },
        case! { culex_server_list_set, "transport 9", code(INVAL), ARG, "Culex only",
        |e| code(culex_server_list_set(e.m, [server(c"b", 1883, 9)].as_ptr(), 1)) },
        case! { culex_server_list_set, "TCP port 0", code(INVAL), ARG, "Culex only",
        |e| code(culex_server_list_set(e.m, [server(c"b", 1883, 0), server(c"b", 0, 0)].as_ptr(), 2)) },
        case! { culex_server_list_set, "WebSockets port 65536", code(INVAL), ARG, "Culex only",
        |e| code(culex_server_list_set(e.m, [server(c"b", 65_536, 1)].as_ptr(), 1)) },
        case! { culex_server_list_set, "host not UTF-8", code(MALFORMED_UTF8), ARG, "Culex only",
        |e| code(culex_server_list_set(e.m, [server(c"\xff", 1883, 0)].as_ptr(), 1)) },
        case! { culex_server_list_set, "three entries, then none (control)", code(SUCCESS), SOLO, "Culex only",
        |e| {
            let servers = [server(c"a", 1883, 0), server(c"b", 8080, 1), server(c"/run/m.sock", 0, 2)];
            let set = culex_server_list_set(e.m, servers.as_ptr(), 3);
            let current = culex_server_current(e.m);
            if set != SUCCESS || current != 0 {
                return Got::Broken(format!("set {set}, current {current}"));
            }
            code(culex_server_list_set(e.m, null(), 0))
        } },
        case! { culex_server_prefer_first_set, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_server_prefer_first_set(null_mut(), 1000)) },
        case! { culex_server_prefer_first_set, "no server list", code(INVAL), ARG, "Culex only",
        |e| code(culex_server_prefer_first_set(e.m, 1000)) },
        case! { culex_server_prefer_first_set, "-1", code(INVAL), ARG, "Culex only",
        |e| code(culex_server_prefer_first_set(e.m, -1)) },
        case! { culex_server_current, "mosq NULL", code(-1), QUIET, "Culex only",
        |e| code(culex_server_current(null_mut())) },
        case! { culex_server_current, "no server list", code(-1), QUIET, "Culex only",
        |e| code(culex_server_current(e.m)) },
        // ---- Culex: manual acknowledgement ----
        case! { culex_manual_ack_set, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_manual_ack_set(null_mut(), true)) },
        case! { culex_ack, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_ack(null_mut(), 1, 1)) },
        case! { culex_ack, "mid 0", code(INVAL), ARG, "Culex only",
        |e| code(culex_ack(e.m, 0, 1)) },
        case! { culex_ack, "mid 65536", code(INVAL), ARG, "Culex only",
        |e| code(culex_ack(e.m, 65_536, 1)) },
        case! { culex_ack, "qos 0", code(INVAL), ARG, "Culex only",
        |e| code(culex_ack(e.m, 1, 0)) },
        case! { culex_ack, "qos 3", code(INVAL), ARG, "Culex only",
        |e| code(culex_ack(e.m, 1, 3)) },
        case! { culex_ack, "never connected", code(NO_CONN), QUIET, "Culex only",
        |e| code(culex_ack(e.m, 7, 2)) },
        // ---- Culex: the outgoing queue ----
        case! { culex_max_queued_messages_set, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_max_queued_messages_set(null_mut(), 10, 0)) },
        case! { culex_queue_ttl_set, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_queue_ttl_set(null_mut(), 1000)) },
        // ---- Culex: what became of a publish ----
        case! { culex_is_published, "mosq NULL", Got::Bool(false), QUIET, "Culex only",
        |e| Got::Bool(culex_is_published(null_mut(), 1)) },
        case! { culex_is_published, "mid 0", Got::Bool(false), ARG, "Culex only",
        |e| Got::Bool(culex_is_published(e.m, 0)) },
        case! { culex_is_published, "mid -1", Got::Bool(false), ARG, "Culex only",
        |e| Got::Bool(culex_is_published(e.m, -1)) },
        case! { culex_wait_for_publish, "mosq NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_wait_for_publish(null_mut(), 1, 0, null_mut())) },
        case! { culex_wait_for_publish, "mid 0", code(INVAL), ARG, "Culex only",
        |e| code(culex_wait_for_publish(e.m, 0, 100, null_mut())) },
        case! { culex_wait_for_publish, "mid 70000", code(INVAL), ARG, "Culex only",
        |e| code(culex_wait_for_publish(e.m, 70_000, -1, null_mut())) },
        case! { culex_wait_for_publish, "offline QoS 1, no loop, no limit", code(NO_CONN), SOLO, "Culex only",
        |e| {
            let m = new_client(c"bad-input-wait");
            let mut mid = 0;
            let rc = mosquitto_publish(m, &mut mid, c"t".as_ptr(), 0, null(), 1, false);
            let waited = culex_wait_for_publish(m, mid, -1, null_mut());
            let warned = !take_warnings(m).is_empty();
            mosquitto_destroy(m);
            if rc != SUCCESS || !warned {
                return Got::Broken(format!("publish {rc}, warned {warned}"));
            }
            code(waited)
        } },
        // ---- Culex: one-shot publishing ----
        case! { culex_publish_multiple, "messages NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_publish_multiple(null(), null_mut(), 1)) },
        case! { culex_publish_multiple, "count 0", code(INVAL), QUIET, "Culex only",
        |e| {
            let mut m = oneshot_message(c"t");
            code(culex_publish_multiple(null(), &mut m, 0))
        } },
        case! { culex_publish_multiple, "count -1", code(INVAL), QUIET, "Culex only",
        |e| {
            let mut m = oneshot_message(c"t");
            code(culex_publish_multiple(null(), &mut m, -1))
        } },
        case! { culex_publish_multiple, "options size 0", code(INVAL), QUIET, "Culex only",
        |e| {
            let mut m = oneshot_message(c"t");
            let mut o = oneshot_options(e.port);
            o.size = 0;
            let rc = culex_publish_multiple(&o, &mut m, 1);
            if m.result != rc {
                return Got::Broken(format!("message result {} for call {rc}", m.result));
            }
            code(rc)
        } },
        case! { culex_publish_multiple, "options port -1", code(INVAL), QUIET, "Culex only",
        |e| {
            let mut m = oneshot_message(c"t");
            let mut o = oneshot_options(e.port);
            o.port = -1;
            code(culex_publish_multiple(&o, &mut m, 1))
        } },
        case! { culex_publish_multiple, "options timeout -1", code(INVAL), QUIET, "Culex only",
        |e| {
            let mut m = oneshot_message(c"t");
            let mut o = oneshot_options(e.port);
            o.timeout_ms = -1;
            code(culex_publish_multiple(&o, &mut m, 1))
        } },
        case! { culex_publish_single, "topic NULL", code(INVAL), QUIET, "Culex only",
        |e| code(culex_publish_single(null(), null(), 0, null(), 0, false)) },
        case! { culex_publish_single, "topic \"\"", code(INVAL), QUIET, "Culex only",
        |e| code(culex_publish_single(null(), c"".as_ptr(), 0, null(), 0, false)) },
        case! { culex_publish_single, "options size 1", code(INVAL), QUIET, "Culex only",
        |e| {
            let mut o = oneshot_options(e.port);
            o.size = 1;
            code(culex_publish_single(&o, c"t".as_ptr(), 0, null(), 0, false))
        } },
        case! { culex_publish_single, "broker never answers", code(TIMEOUT), SOLO, "Culex only",
        |e| {
            let mut o = oneshot_options(e.port);
            o.timeout_ms = 300;
            code(culex_publish_single(&o, c"t".as_ptr(), 1, c"x".as_ptr().cast(), 1, false))
        } },
        case! { mosquitto_reason_string, "-1", Got::Text("Unknown reason".into()), QUIET,
        |e| text(mosquitto_reason_string(-1)) },
        case! { mosquitto_reason_string, "3", Got::Text("Unknown reason".into()), QUIET,
        |e| text(mosquitto_reason_string(3)) },
        case! { mosquitto_reason_string, "INT_MAX", Got::Text("Unknown reason".into()), QUIET,
        |e| text(mosquitto_reason_string(c_int::MAX)) },
        case! { mosquitto_max_inflight_messages_set, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_max_inflight_messages_set(null_mut(), 1)) },
        case! { mosquitto_max_inflight_messages_set, "UINT_MAX", code(SUCCESS), QUIET,
        |e| code(mosquitto_max_inflight_messages_set(e.m, c_uint::MAX)) },
        case! { mosquitto_message_retry_set, "mosq NULL", Got::Unit, QUIET,
        |e| { mosquitto_message_retry_set(null_mut(), 5); Got::Unit } },
        case! { mosquitto_user_data_set, "mosq NULL", Got::Unit, QUIET,
        |e| { mosquitto_user_data_set(null_mut(), 1 as *mut c_void); Got::Unit } },
        case! { mosquitto_userdata, "mosq NULL", Got::Null { errno: 0 }, QUIET, "crashes (SIGSEGV)",
        |e| {
            set_errno(0);
            let p = mosquitto_userdata(null_mut());
            if p.is_null() {
                Got::Null { errno: errno() }
            } else {
                Got::NonNull
            }
        } },
        case! { mosquitto_threaded_set, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_threaded_set(null_mut(), true)) },
        // ---- loops ----
        case! { mosquitto_loop, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_loop(null_mut(), 0, 1)) },
        case! { mosquitto_loop, "never connected", code(NO_CONN), QUIET,
        |e| code(mosquitto_loop(e.m, 0, 1)) },
        case! { mosquitto_loop, "never connected, timeout -1", code(NO_CONN), QUIET,
        |e| code(mosquitto_loop(e.m, -1, 1)) },
        case! { mosquitto_loop, "max_packets 0", code(INVAL), ARG,
        |e| code(mosquitto_loop(e.m, 0, 0)) },
        case! { mosquitto_loop_forever, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_loop_forever(null_mut(), 0, 1)) },
        case! { mosquitto_loop_forever, "never connected", code(NO_CONN), QUIET, "hangs forever",
        |e| code(mosquitto_loop_forever(e.m, 10, 1)) },
        case! { mosquitto_loop_start, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_loop_start(null_mut())) },
        case! { mosquitto_loop_start, "already running", code(INVAL), ARG_SOLO,
        |e| {
            let first = mosquitto_loop_start(e.m);
            let second = mosquitto_loop_start(e.m);
            let stop = mosquitto_loop_stop(e.m, true);
            if first != SUCCESS || stop != SUCCESS {
                return Got::Broken(format!("loop_start {first}, loop_stop {stop}"));
            }
            code(second)
        } },
        case! { mosquitto_loop_stop, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_loop_stop(null_mut(), false)) },
        case! { mosquitto_loop_stop, "no loop thread", code(INVAL), ARG,
        |e| code(mosquitto_loop_stop(e.m, false)) },
        case! { mosquitto_loop_stop, "no loop thread, force", code(INVAL), ARG,
        |e| code(mosquitto_loop_stop(e.m, true)) },
        case! { mosquitto_loop_read, "mosq NULL", code(INVAL), QUIET, "crashes (SIGSEGV)",
        |e| code(mosquitto_loop_read(null_mut(), 1)) },
        case! { mosquitto_loop_read, "never connected", code(NO_CONN), QUIET,
        |e| code(mosquitto_loop_read(e.m, 1)) },
        case! { mosquitto_loop_read, "max_packets 0", code(INVAL), ARG,
        |e| code(mosquitto_loop_read(e.m, 0)) },
        case! { mosquitto_loop_write, "mosq NULL", code(INVAL), QUIET, "aborts (assertion)",
        |e| code(mosquitto_loop_write(null_mut(), 1)) },
        case! { mosquitto_loop_write, "never connected", code(NO_CONN), QUIET,
        |e| code(mosquitto_loop_write(e.m, 1)) },
        case! { mosquitto_loop_write, "max_packets -1", code(INVAL), ARG,
        |e| code(mosquitto_loop_write(e.m, -1)) },
        case! { mosquitto_loop_misc, "mosq NULL", code(INVAL), QUIET,
        |e| code(mosquitto_loop_misc(null_mut())) },
        case! { mosquitto_loop_misc, "never connected", code(NO_CONN), QUIET,
        |e| code(mosquitto_loop_misc(e.m)) },
        case! { mosquitto_socket, "mosq NULL", code(-1), QUIET,
        |e| code(mosquitto_socket(null_mut())) },
        case! { mosquitto_socket, "never connected", code(-1), QUIET,
        |e| code(mosquitto_socket(e.m)) },
        case! { mosquitto_want_write, "mosq NULL", Got::Bool(false), QUIET, "crashes (SIGSEGV)",
        |e| Got::Bool(mosquitto_want_write(null_mut())) },
        case! { mosquitto_want_write, "never connected", Got::Bool(false), QUIET,
        |e| Got::Bool(mosquitto_want_write(e.m)) },
        // ---- callback setters (libmosquitto crashes on a NULL handle) ----
        case! { mosquitto_connect_callback_set, "mosq NULL", Got::Unit, QUIET,
        |e| {
            mosquitto_connect_callback_set(null_mut(), Some(cb_int));
            mosquitto_connect_callback_set(null_mut(), None);
            mosquitto_connect_callback_set(e.m, None);
            Got::Unit
        } },
        case! { mosquitto_connect_with_flags_callback_set, "mosq NULL", Got::Unit, QUIET,
        |e| {
            mosquitto_connect_with_flags_callback_set(null_mut(), Some(cb_flags));
            mosquitto_connect_with_flags_callback_set(null_mut(), None);
            mosquitto_connect_with_flags_callback_set(e.m, None);
            Got::Unit
        } },
        case! { mosquitto_disconnect_callback_set, "mosq NULL", Got::Unit, QUIET,
        |e| {
            mosquitto_disconnect_callback_set(null_mut(), Some(cb_int));
            mosquitto_disconnect_callback_set(null_mut(), None);
            mosquitto_disconnect_callback_set(e.m, None);
            Got::Unit
        } },
        case! { mosquitto_publish_callback_set, "mosq NULL", Got::Unit, QUIET,
        |e| {
            mosquitto_publish_callback_set(null_mut(), Some(cb_int));
            mosquitto_publish_callback_set(null_mut(), None);
            mosquitto_publish_callback_set(e.m, None);
            Got::Unit
        } },
        case! { mosquitto_message_callback_set, "mosq NULL", Got::Unit, QUIET,
        |e| {
            mosquitto_message_callback_set(null_mut(), Some(cb_message));
            mosquitto_message_callback_set(null_mut(), None);
            mosquitto_message_callback_set(e.m, None);
            Got::Unit
        } },
        case! { mosquitto_subscribe_callback_set, "mosq NULL", Got::Unit, QUIET,
        |e| {
            mosquitto_subscribe_callback_set(null_mut(), Some(cb_subscribe));
            mosquitto_subscribe_callback_set(null_mut(), None);
            mosquitto_subscribe_callback_set(e.m, None);
            Got::Unit
        } },
        case! { mosquitto_unsubscribe_callback_set, "mosq NULL", Got::Unit, QUIET,
        |e| {
            mosquitto_unsubscribe_callback_set(null_mut(), Some(cb_int));
            mosquitto_unsubscribe_callback_set(null_mut(), None);
            mosquitto_unsubscribe_callback_set(e.m, None);
            Got::Unit
        } },
        case! { mosquitto_log_callback_set, "mosq NULL", Got::Unit, QUIET,
        |e| {
            mosquitto_log_callback_set(null_mut(), Some(cb_log));
            mosquitto_log_callback_set(null_mut(), None);
            Got::Unit
        } },
        // ---- one-shot helpers (no handle: nothing reaches on_log; every row fails before
        // any network activity) ----
        case! { mosquitto_subscribe_simple, "messages NULL", code(INVAL), QUIET,
        |e| code(mosquitto_subscribe_simple(
            null_mut(), 1, true, c"t".as_ptr(), 0, c"127.0.0.1".as_ptr(), e.port, null(), 60,
            true, null(), null(), null(), null()
        )) },
        case! { mosquitto_subscribe_simple, "msg_count 0", code(INVAL), QUIET,
        |e| simple_result(0, c"t".as_ptr(), 0, c"127.0.0.1".as_ptr(), e.port) },
        case! { mosquitto_subscribe_simple, "msg_count -1", code(INVAL), QUIET,
        |e| simple_result(-1, c"t".as_ptr(), 0, c"127.0.0.1".as_ptr(), e.port) },
        case! { mosquitto_subscribe_simple, "topic NULL", code(INVAL), QUIET,
        |e| simple_result(1, null(), 0, c"127.0.0.1".as_ptr(), e.port) },
        case! { mosquitto_subscribe_simple, "topic a/#/b", code(INVAL), QUIET, "connects first; fails or hangs later",
        |e| simple_result(1, c"a/#/b".as_ptr(), 0, c"127.0.0.1".as_ptr(), e.port) },
        case! { mosquitto_subscribe_simple, "qos 3", code(INVAL), QUIET, "connects first; fails or hangs later",
        |e| simple_result(1, c"t".as_ptr(), 3, c"127.0.0.1".as_ptr(), e.port) },
        case! { mosquitto_subscribe_simple, "host NULL", code(INVAL), QUIET,
        |e| simple_result(1, c"t".as_ptr(), 0, null(), e.port) },
        case! { mosquitto_subscribe_simple, "port 65536", code(INVAL), QUIET,
        |e| simple_result(1, c"t".as_ptr(), 0, c"127.0.0.1".as_ptr(), 65_536) },
        case! { mosquitto_subscribe_callback, "callback NULL", code(INVAL), QUIET,
        |e| code(mosquitto_subscribe_callback(
            None, null_mut(), c"t".as_ptr(), 0, c"127.0.0.1".as_ptr(), e.port, null(), 60, true,
            null(), null(), null(), null()
        )) },
        case! { mosquitto_subscribe_callback, "topic NULL", code(INVAL), QUIET,
        |e| callback_result(null(), 0, null(), true, null(), null(), e.port) },
        case! { mosquitto_subscribe_callback, "qos -1", code(INVAL), QUIET, "connects first; fails or hangs later",
        |e| callback_result(c"t".as_ptr(), -1, null(), true, null(), null(), e.port) },
        case! { mosquitto_subscribe_callback, "client_id NULL, clean_session false", code(INVAL), QUIET, "NOMEM",
        |e| callback_result(c"t".as_ptr(), 0, null(), false, null(), null(), e.port) },
        case! { mosquitto_subscribe_callback, "client_id C0 80", code(INVAL), QUIET,
        |e| callback_result(c"t".as_ptr(), 0, c"\xC0\x80".as_ptr(), true, null(), null(), e.port) },
        case! { mosquitto_subscribe_callback, "will qos 3", code(INVAL), QUIET, "will QoS not checked",
        |e| {
            let will = libmosquitto_will {
                topic: c"w".as_ptr().cast_mut(),
                payload: null_mut(),
                payloadlen: 0,
                qos: 3,
                retain: false,
            };
            callback_result(c"t".as_ptr(), 0, null(), true, &will, null(), e.port)
        } },
        case! { mosquitto_subscribe_callback, "will topic a/+", code(INVAL), QUIET,
        |e| {
            let will = libmosquitto_will {
                topic: c"a/+".as_ptr().cast_mut(),
                payload: null_mut(),
                payloadlen: 0,
                qos: 0,
                retain: false,
            };
            callback_result(c"t".as_ptr(), 0, null(), true, &will, null(), e.port)
        } },
        case! { mosquitto_subscribe_callback, "tls without cafile or capath", code(INVAL), QUIET,
        |e| {
            let tls = libmosquitto_tls {
                cafile: null_mut(),
                capath: null_mut(),
                certfile: null_mut(),
                keyfile: null_mut(),
                ciphers: null_mut(),
                tls_version: null_mut(),
                pw_callback: None,
                cert_reqs: 1,
            };
            callback_result(c"t".as_ptr(), 0, null(), true, null(), &tls, e.port)
        } },
        // ---- messages ----
        case! { mosquitto_message_copy, "dst and src NULL", code(INVAL), QUIET,
        |e| code(mosquitto_message_copy(null_mut(), null())) },
        case! { mosquitto_message_copy, "src NULL", code(INVAL), QUIET,
        |e| {
            let mut dst = message(null_mut(), null_mut(), 0);
            code(mosquitto_message_copy(&mut dst, null()))
        } },
        case! { mosquitto_message_copy, "dst NULL", code(INVAL), QUIET,
        |e| {
            let src = message(c"t".as_ptr() as *mut c_char, null_mut(), 0);
            code(mosquitto_message_copy(null_mut(), &src))
        } },
        case! { mosquitto_message_copy, "src->topic NULL", code(INVAL), QUIET,
        |e| {
            let mut dst = message(null_mut(), null_mut(), 0);
            let src = message(null_mut(), null_mut(), 0);
            code(mosquitto_message_copy(&mut dst, &src))
        } },
        case! { mosquitto_message_copy, "src->payloadlen -1", code(INVAL), QUIET,
        |e| {
            let mut dst = message(null_mut(), null_mut(), 0);
            let src = message(
                c"t".as_ptr() as *mut c_char,
                c"x".as_ptr() as *mut c_void,
                -1,
            );
            code(mosquitto_message_copy(&mut dst, &src))
        } },
        case! { mosquitto_message_copy, "src->payload NULL, payloadlen 3", code(INVAL), QUIET,
        |e| {
            let mut dst = message(null_mut(), null_mut(), 0);
            let src = message(c"t".as_ptr() as *mut c_char, null_mut(), 3);
            code(mosquitto_message_copy(&mut dst, &src))
        } },
        case! { mosquitto_message_free, "NULL and &NULL", Got::Unit, QUIET,
        |e| {
            mosquitto_message_free(null_mut());
            let mut none: *mut mosquitto_message = null_mut();
            mosquitto_message_free(&mut none);
            Got::Unit
        } },
        case! { mosquitto_message_free_contents, "NULL, and a message with NULL topic and payload", Got::Unit, QUIET,
        |e| {
            mosquitto_message_free_contents(null_mut());
            let mut empty = message(null_mut(), null_mut(), 0);
            mosquitto_message_free_contents(&mut empty);
            Got::Unit
        } },
        // ---- strings (libmosquitto's wording differs; Culex has its own) ----
        case! { mosquitto_strerror, "-100", Got::Text("Unknown error.".into()), QUIET,
        |e| text(mosquitto_strerror(-100)) },
        case! { mosquitto_strerror, "1000", Got::Text("Unknown error.".into()), QUIET,
        |e| text(mosquitto_strerror(1000)) },
        case! { mosquitto_strerror, "INT_MIN", Got::Text("Unknown error.".into()), QUIET,
        |e| text(mosquitto_strerror(c_int::MIN)) },
        case! { mosquitto_strerror, "INT_MAX", Got::Text("Unknown error.".into()), QUIET,
        |e| text(mosquitto_strerror(c_int::MAX)) },
        case! { mosquitto_connack_string, "-1", Got::Text("Connection refused: unknown reason.".into()), QUIET,
        |e| text(mosquitto_connack_string(-1)) },
        case! { mosquitto_connack_string, "6", Got::Text("Connection refused: unknown reason.".into()), QUIET,
        |e| text(mosquitto_connack_string(6)) },
        case! { mosquitto_connack_string, "256", Got::Text("Connection refused: unknown reason.".into()), QUIET,
        |e| text(mosquitto_connack_string(256)) },
        case! { mosquitto_connack_string, "INT_MIN", Got::Text("Connection refused: unknown reason.".into()), QUIET,
        |e| text(mosquitto_connack_string(c_int::MIN)) },
        // ---- topics ----
        case! { mosquitto_topic_matches_sub, "sub NULL (and *result set to false)", code(INVAL), QUIET,
        |e| {
            let mut r = true;
            let rc = mosquitto_topic_matches_sub(null(), c"a".as_ptr(), &mut r);
            if r {
                Got::Broken("*result left true".into())
            } else {
                code(rc)
            }
        } },
        case! { mosquitto_topic_matches_sub, "topic NULL", code(INVAL), QUIET,
        |e| {
            let mut r = true;
            code(mosquitto_topic_matches_sub(c"a".as_ptr(), null(), &mut r))
        } },
        case! { mosquitto_topic_matches_sub, "result NULL", code(INVAL), QUIET,
        |e| code(mosquitto_topic_matches_sub(c"a".as_ptr(), c"a".as_ptr(), null_mut())) },
        case! { mosquitto_topic_matches_sub, "sub a/#/b", code(INVAL), QUIET,
        |e| {
            let mut r = true;
            code(mosquitto_topic_matches_sub(
                c"a/#/b".as_ptr(),
                c"a/x/b".as_ptr(),
                &mut r,
            ))
        } },
        case! { mosquitto_topic_matches_sub, "sub a+", code(INVAL), QUIET,
        |e| {
            let mut r = true;
            code(mosquitto_topic_matches_sub(
                c"a+".as_ptr(),
                c"a".as_ptr(),
                &mut r,
            ))
        } },
        case! { mosquitto_topic_matches_sub, "topic with wildcard", code(INVAL), QUIET,
        |e| {
            let mut r = true;
            code(mosquitto_topic_matches_sub(
                c"a/+".as_ptr(),
                c"a/+".as_ptr(),
                &mut r,
            ))
        } },
        case! { mosquitto_topic_matches_sub, "empty sub", code(INVAL), QUIET,
        |e| {
            let mut r = true;
            code(mosquitto_topic_matches_sub(
                c"".as_ptr(),
                c"a".as_ptr(),
                &mut r,
            ))
        } },
        case! { mosquitto_topic_matches_sub2, "sub NULL", code(INVAL), QUIET,
        |e| {
            let mut r = true;
            code(mosquitto_topic_matches_sub2(
                null(),
                1,
                c"a".as_ptr(),
                1,
                &mut r,
            ))
        } },
        case! { mosquitto_topic_matches_sub2, "topic NULL", code(INVAL), QUIET,
        |e| {
            let mut r = true;
            code(mosquitto_topic_matches_sub2(
                c"a".as_ptr(),
                1,
                null(),
                1,
                &mut r,
            ))
        } },
        case! { mosquitto_topic_matches_sub2, "result NULL", code(INVAL), QUIET,
        |e| code(mosquitto_topic_matches_sub2(c"a".as_ptr(), 1, c"a".as_ptr(), 1, null_mut())) },
        case! { mosquitto_topic_matches_sub2, "sub a/#/b", code(INVAL), QUIET,
        |e| {
            let mut r = true;
            code(mosquitto_topic_matches_sub2(
                c"a/#/b".as_ptr(),
                5,
                c"a".as_ptr(),
                1,
                &mut r,
            ))
        } },
        case! { mosquitto_topic_matches_sub2, "sublen SIZE_MAX", code(INVAL), QUIET, "reads only up to the NUL: SUCCESS",
        |e| {
            let mut r = true;
            code(mosquitto_topic_matches_sub2(
                c"a".as_ptr(),
                usize::MAX,
                c"a".as_ptr(),
                1,
                &mut r,
            ))
        } },
        case! { mosquitto_pub_topic_check, "NULL", code(INVAL), QUIET,
        |e| code(mosquitto_pub_topic_check(null())) },
        case! { mosquitto_pub_topic_check, "a/+", code(INVAL), QUIET,
        |e| code(mosquitto_pub_topic_check(c"a/+".as_ptr())) },
        case! { mosquitto_pub_topic_check, "#", code(INVAL), QUIET,
        |e| code(mosquitto_pub_topic_check(c"#".as_ptr())) },
        // mosquitto.h documents MOSQ_ERR_MALFORMED_UTF8 here; libmosquitto 2.0.11 returns SUCCESS.
        case! { mosquitto_pub_topic_check, "C0 80", code(MALFORMED_UTF8), QUIET, "SUCCESS (documented: MALFORMED_UTF8)",
        |e| code(mosquitto_pub_topic_check(c"\xC0\x80".as_ptr())) },
        case! { mosquitto_pub_topic_check, "ED A0 80", code(MALFORMED_UTF8), QUIET, "SUCCESS (documented: MALFORMED_UTF8)",
        |e| code(mosquitto_pub_topic_check(c"\xED\xA0\x80".as_ptr())) },
        case! { mosquitto_pub_topic_check2, "NULL", code(INVAL), QUIET,
        |e| code(mosquitto_pub_topic_check2(null(), 1)) },
        case! { mosquitto_pub_topic_check2, "a/+", code(INVAL), QUIET,
        |e| code(mosquitto_pub_topic_check2(c"a/+".as_ptr(), 3)) },
        case! { mosquitto_pub_topic_check2, "65536 bytes", code(INVAL), QUIET,
        |e| code(mosquitto_pub_topic_check2(big(), 65_536)) },
        case! { mosquitto_pub_topic_check2, "C0 80", code(MALFORMED_UTF8), QUIET, "SUCCESS (documented: MALFORMED_UTF8)",
        |e| code(mosquitto_pub_topic_check2(c"\xC0\x80".as_ptr(), 2)) },
        case! { mosquitto_sub_topic_check, "NULL", code(INVAL), QUIET,
        |e| code(mosquitto_sub_topic_check(null())) },
        case! { mosquitto_sub_topic_check, "a/#/b", code(INVAL), QUIET,
        |e| code(mosquitto_sub_topic_check(c"a/#/b".as_ptr())) },
        case! { mosquitto_sub_topic_check, "a+", code(INVAL), QUIET,
        |e| code(mosquitto_sub_topic_check(c"a+".as_ptr())) },
        case! { mosquitto_sub_topic_check, "+a", code(INVAL), QUIET,
        |e| code(mosquitto_sub_topic_check(c"+a".as_ptr())) },
        case! { mosquitto_sub_topic_check, "#a", code(INVAL), QUIET,
        |e| code(mosquitto_sub_topic_check(c"#a".as_ptr())) },
        case! { mosquitto_sub_topic_check, "C0 80", code(MALFORMED_UTF8), QUIET, "SUCCESS (documented: MALFORMED_UTF8)",
        |e| code(mosquitto_sub_topic_check(c"\xC0\x80".as_ptr())) },
        case! { mosquitto_sub_topic_check, "ED A0 80", code(MALFORMED_UTF8), QUIET, "SUCCESS (documented: MALFORMED_UTF8)",
        |e| code(mosquitto_sub_topic_check(c"\xED\xA0\x80".as_ptr())) },
        case! { mosquitto_sub_topic_check2, "NULL", code(INVAL), QUIET,
        |e| code(mosquitto_sub_topic_check2(null(), 1)) },
        case! { mosquitto_sub_topic_check2, "a/#/b", code(INVAL), QUIET,
        |e| code(mosquitto_sub_topic_check2(c"a/#/b".as_ptr(), 5)) },
        case! { mosquitto_sub_topic_check2, "65536 bytes", code(INVAL), QUIET,
        |e| code(mosquitto_sub_topic_check2(big(), 65_536)) },
        case! { mosquitto_sub_topic_check2, "ED A0 80", code(MALFORMED_UTF8), QUIET, "SUCCESS (documented: MALFORMED_UTF8)",
        |e| code(mosquitto_sub_topic_check2(c"\xED\xA0\x80".as_ptr(), 3)) },
        case! { mosquitto_sub_topic_tokenise, "subtopic NULL", code(INVAL), QUIET,
        |e| {
            let (mut t, mut n) = (null_mut(), 0);
            code(mosquitto_sub_topic_tokenise(null(), &mut t, &mut n))
        } },
        case! { mosquitto_sub_topic_tokenise, "topics NULL", code(INVAL), QUIET,
        |e| {
            let mut n = 0;
            code(mosquitto_sub_topic_tokenise(
                c"a/b".as_ptr(),
                null_mut(),
                &mut n,
            ))
        } },
        case! { mosquitto_sub_topic_tokenise, "count NULL", code(INVAL), QUIET,
        |e| {
            let mut t = null_mut();
            code(mosquitto_sub_topic_tokenise(
                c"a/b".as_ptr(),
                &mut t,
                null_mut(),
            ))
        } },
        case! { mosquitto_sub_topic_tokenise, "C0 80", code(MALFORMED_UTF8), QUIET, "SUCCESS (documented: MALFORMED_UTF8)",
        |e| {
            let (mut t, mut n) = (null_mut(), 0);
            let rc = mosquitto_sub_topic_tokenise(c"\xC0\x80".as_ptr(), &mut t, &mut n);
            if rc == SUCCESS {
                mosquitto_sub_topic_tokens_free(&mut t, n);
            }
            code(rc)
        } },
        // libmosquitto 2.0.11: "" gives SUCCESS with *count 0 and *topics NULL.
        case! { mosquitto_sub_topic_tokenise, "\"\" gives no tokens", code(0), QUIET,
        |e| {
            let (mut t, mut n) = (null_mut(), -5);
            let rc = mosquitto_sub_topic_tokenise(c"".as_ptr(), &mut t, &mut n);
            if rc != SUCCESS {
                return Got::Broken(format!("rc {rc}"));
            }
            if !t.is_null() {
                mosquitto_sub_topic_tokens_free(&mut t, n);
            }
            code(n)
        } },
        case! { mosquitto_sub_topic_tokens_free, "topics NULL", code(INVAL), QUIET,
        |e| code(mosquitto_sub_topic_tokens_free(null_mut(), 1)) },
        case! { mosquitto_sub_topic_tokens_free, "*topics NULL", code(INVAL), QUIET,
        |e| {
            let mut t: *mut *mut c_char = null_mut();
            code(mosquitto_sub_topic_tokens_free(&mut t, 1))
        } },
        case! { mosquitto_sub_topic_tokens_free, "count -1 (frees nothing, keeps *topics)", code(INVAL), QUIET,
        |e| {
            let (mut t, mut n) = (null_mut(), 0);
            if mosquitto_sub_topic_tokenise(c"a/b".as_ptr(), &mut t, &mut n) != SUCCESS {
                return Got::Broken("tokenise failed".into());
            }
            let rc = mosquitto_sub_topic_tokens_free(&mut t, -1);
            if t.is_null() {
                return Got::Broken("*topics cleared by a refused call".into());
            }
            if mosquitto_sub_topic_tokens_free(&mut t, n) != SUCCESS || !t.is_null() {
                return Got::Broken("real free failed".into());
            }
            code(rc)
        } },
        case! { mosquitto_validate_utf8, "NULL", code(INVAL), QUIET,
        |e| code(mosquitto_validate_utf8(null(), 1)) },
        case! { mosquitto_validate_utf8, "len -1", code(INVAL), QUIET,
        |e| code(mosquitto_validate_utf8(c"a".as_ptr(), -1)) },
        case! { mosquitto_validate_utf8, "len 65537", code(INVAL), QUIET,
        |e| code(mosquitto_validate_utf8(big(), 65_537)) },
        case! { mosquitto_validate_utf8, "len 65536 (largest allowed)", code(SUCCESS), QUIET,
        |e| code(mosquitto_validate_utf8(big(), 65_536)) },
        case! { mosquitto_validate_utf8, "C0 80", code(MALFORMED_UTF8), QUIET,
        |e| code(mosquitto_validate_utf8(c"\xC0\x80".as_ptr(), 2)) },
        case! { mosquitto_validate_utf8, "ED A0 80", code(MALFORMED_UTF8), QUIET,
        |e| code(mosquitto_validate_utf8(c"\xED\xA0\x80".as_ptr(), 3)) },
        // ---- MQTT 5 property lists (no handle: nothing reaches on_log) ----
        case! { mosquitto_property_add_byte, "proplist NULL", code(INVAL), QUIET,
        |e| code(mosquitto_property_add_byte(null_mut(), 1, 1)) },
        case! { mosquitto_property_add_byte, "identifier of another type (content-type)", code(INVAL), QUIET,
        |e| with_list(|l| code(mosquitto_property_add_byte(l, 3, 1))) },
        case! { mosquitto_property_add_byte, "identifier 0 (none)", code(INVAL), QUIET,
        |e| with_list(|l| code(mosquitto_property_add_byte(l, 0, 1))) },
        case! { mosquitto_property_add_byte, "identifier 257 (1 + 256)", code(INVAL), QUIET,
        |e| with_list(|l| code(mosquitto_property_add_byte(l, 257, 1))) },
        case! { mosquitto_property_add_int16, "proplist NULL", code(INVAL), QUIET,
        |e| code(mosquitto_property_add_int16(null_mut(), 33, 1)) },
        case! { mosquitto_property_add_int16, "identifier of another type", code(INVAL), QUIET,
        |e| with_list(|l| code(mosquitto_property_add_int16(l, 1, 1))) },
        case! { mosquitto_property_add_int32, "proplist NULL", code(INVAL), QUIET,
        |e| code(mosquitto_property_add_int32(null_mut(), 2, 1)) },
        case! { mosquitto_property_add_int32, "identifier of another type", code(INVAL), QUIET,
        |e| with_list(|l| code(mosquitto_property_add_int32(l, 11, 1))) },
        case! { mosquitto_property_add_varint, "proplist NULL", code(INVAL), QUIET,
        |e| code(mosquitto_property_add_varint(null_mut(), 11, 1)) },
        case! { mosquitto_property_add_varint, "identifier of another type", code(INVAL), QUIET,
        |e| with_list(|l| code(mosquitto_property_add_varint(l, 2, 1))) },
        case! { mosquitto_property_add_varint, "value 268435456", code(INVAL), QUIET,
        |e| with_list(|l| code(mosquitto_property_add_varint(l, 11, 268_435_456))) },
        case! { mosquitto_property_add_binary, "proplist NULL", code(INVAL), QUIET,
        |e| code(mosquitto_property_add_binary(null_mut(), 9, c"x".as_ptr().cast(), 1)) },
        case! { mosquitto_property_add_binary, "identifier of another type", code(INVAL), QUIET,
        |e| with_list(|l| code(mosquitto_property_add_binary(l, 3, c"x".as_ptr().cast(), 1))) },
        case! { mosquitto_property_add_binary, "value NULL, len 3", code(INVAL), QUIET, "crashes (SIGSEGV)",
        |e| with_list(|l| code(mosquitto_property_add_binary(l, 9, null(), 3))) },
        case! { mosquitto_property_add_string, "proplist NULL", code(INVAL), QUIET,
        |e| code(mosquitto_property_add_string(null_mut(), 3, c"x".as_ptr())) },
        case! { mosquitto_property_add_string, "value NULL", code(INVAL), QUIET, "SUCCESS, stores \"\" (documented: INVAL)",
        |e| with_list(|l| code(mosquitto_property_add_string(l, 3, null()))) },
        case! { mosquitto_property_add_string, "identifier of another type", code(INVAL), QUIET,
        |e| with_list(|l| code(mosquitto_property_add_string(l, 38, c"x".as_ptr()))) },
        case! { mosquitto_property_add_string, "C0 80", code(MALFORMED_UTF8), QUIET,
        |e| with_list(|l| code(mosquitto_property_add_string(l, 3, c"\xC0\x80".as_ptr()))) },
        case! { mosquitto_property_add_string, "65536 bytes", code(MALFORMED_UTF8), QUIET, "SUCCESS (a string that cannot be encoded)",
        |e| {
            let s = long_string(65_536);
            with_list(|l| code(mosquitto_property_add_string(l, 3, s.as_ptr().cast())))
        } },
        case! { mosquitto_property_add_string_pair, "proplist NULL", code(INVAL), QUIET,
        |e| code(mosquitto_property_add_string_pair(null_mut(), 38, c"k".as_ptr(), c"v".as_ptr())) },
        case! { mosquitto_property_add_string_pair, "identifier of another type", code(INVAL), QUIET,
        |e| with_list(|l| code(mosquitto_property_add_string_pair(l, 3, c"k".as_ptr(), c"v".as_ptr()))) },
        case! { mosquitto_property_add_string_pair, "name NULL", code(INVAL), QUIET, "SUCCESS, stores \"\" (documented: INVAL)",
        |e| with_list(|l| code(mosquitto_property_add_string_pair(l, 38, null(), c"v".as_ptr()))) },
        case! { mosquitto_property_add_string_pair, "value NULL", code(INVAL), QUIET, "SUCCESS, stores \"\" (documented: INVAL)",
        |e| with_list(|l| code(mosquitto_property_add_string_pair(l, 38, c"k".as_ptr(), null()))) },
        case! { mosquitto_property_add_string_pair, "name C0 80", code(MALFORMED_UTF8), QUIET,
        |e| with_list(|l| code(mosquitto_property_add_string_pair(l, 38, c"\xC0\x80".as_ptr(), c"v".as_ptr()))) },
        case! { mosquitto_property_add_string_pair, "value C0 80", code(MALFORMED_UTF8), QUIET, "SUCCESS (documented: MALFORMED_UTF8)",
        |e| with_list(|l| code(mosquitto_property_add_string_pair(l, 38, c"k".as_ptr(), c"\xC0\x80".as_ptr()))) },
        case! { mosquitto_property_identifier, "NULL", code(0), QUIET,
        |e| code(mosquitto_property_identifier(null())) },
        case! { mosquitto_property_next, "NULL", Got::Null { errno: 0 }, QUIET,
        |e| null_or_not(mosquitto_property_next(null())) },
        case! { mosquitto_property_read_byte, "proplist NULL", Got::Null { errno: 0 }, QUIET,
        |e| null_or_not(mosquitto_property_read_byte(null(), 1, null_mut(), false)) },
        case! { mosquitto_property_read_byte, "identifier of another type", Got::Null { errno: 0 }, QUIET,
        |e| with_list(|l| null_or_not(mosquitto_property_read_byte(*l, 3, null_mut(), false))) },
        case! { mosquitto_property_read_int16, "proplist NULL", Got::Null { errno: 0 }, QUIET,
        |e| null_or_not(mosquitto_property_read_int16(null(), 33, null_mut(), false)) },
        case! { mosquitto_property_read_int32, "proplist NULL", Got::Null { errno: 0 }, QUIET,
        |e| null_or_not(mosquitto_property_read_int32(null(), 2, null_mut(), false)) },
        case! { mosquitto_property_read_varint, "proplist NULL", Got::Null { errno: 0 }, QUIET,
        |e| null_or_not(mosquitto_property_read_varint(null(), 11, null_mut(), false)) },
        case! { mosquitto_property_read_binary, "proplist NULL", Got::Null { errno: 0 }, QUIET,
        |e| null_or_not(mosquitto_property_read_binary(null(), 9, null_mut(), null_mut(), false)) },
        case! { mosquitto_property_read_binary, "value without len", Got::Null { errno: 0 }, QUIET,
        |e| with_list(|l| {
            let mut data: *mut c_void = null_mut();
            null_or_not(mosquitto_property_read_binary(*l, 9, &mut data, null_mut(), false))
        }) },
        case! { mosquitto_property_read_string, "proplist NULL", Got::Null { errno: 0 }, QUIET,
        |e| null_or_not(mosquitto_property_read_string(null(), 3, null_mut(), false)) },
        case! { mosquitto_property_read_string, "identifier -1", Got::Null { errno: 0 }, QUIET,
        |e| with_list(|l| null_or_not(mosquitto_property_read_string(*l, -1, null_mut(), false))) },
        case! { mosquitto_property_read_string_pair, "proplist NULL", Got::Null { errno: 0 }, QUIET,
        |e| null_or_not(mosquitto_property_read_string_pair(null(), 38, null_mut(), null_mut(), false)) },
        case! { mosquitto_property_copy_all, "dest NULL", code(INVAL), QUIET,
        |e| with_list(|l| code(mosquitto_property_copy_all(null_mut(), *l))) },
        case! { mosquitto_property_free_all, "NULL", Got::Unit, QUIET,
        |e| { mosquitto_property_free_all(null_mut()); Got::Unit } },
        case! { mosquitto_property_free_all, "*properties NULL", Got::Unit, QUIET,
        |e| {
            let mut l: *mut mosquitto_property = null_mut();
            mosquitto_property_free_all(&mut l);
            Got::Unit
        } },
        case! { mosquitto_property_check_command, "identifier 0", code(PROTOCOL), QUIET,
        |e| code(mosquitto_property_check_command(0x10, 0)) },
        case! { mosquitto_property_check_command, "PINGREQ, user-property", code(PROTOCOL), QUIET, "SUCCESS (PINGREQ carries no properties)",
        |e| code(mosquitto_property_check_command(0xC0, 38)) },
        case! { mosquitto_property_check_command, "command 0x55, content-type", code(PROTOCOL), QUIET,
        |e| code(mosquitto_property_check_command(0x55, 3)) },
        case! { mosquitto_property_check_all, "NULL list (empty)", code(SUCCESS), QUIET,
        |e| code(mosquitto_property_check_all(0x10, null())) },
        case! { mosquitto_property_check_all, "command 0x55, byte property", code(PROTOCOL), QUIET,
        |e| with_list(|l| code(mosquitto_property_check_all(0x55, *l))) },
        case! { mosquitto_property_identifier_to_string, "0", Got::Null { errno: 0 }, QUIET,
        |e| null_or_not(mosquitto_property_identifier_to_string(0)) },
        case! { mosquitto_property_identifier_to_string, "-1", Got::Null { errno: 0 }, QUIET,
        |e| null_or_not(mosquitto_property_identifier_to_string(-1)) },
        case! { mosquitto_string_to_property_info, "propname NULL", code(INVAL), QUIET,
        |e| {
            let (mut id, mut ty) = (0, 0);
            code(mosquitto_string_to_property_info(null(), &mut id, &mut ty))
        } },
        case! { mosquitto_string_to_property_info, "identifier NULL", code(INVAL), QUIET, "crashes (SIGSEGV)",
        |e| {
            let mut ty = 0;
            code(mosquitto_string_to_property_info(c"content-type".as_ptr(), null_mut(), &mut ty))
        } },
        case! { mosquitto_string_to_property_info, "type NULL", code(INVAL), QUIET, "crashes (SIGSEGV)",
        |e| {
            let mut id = 0;
            code(mosquitto_string_to_property_info(c"content-type".as_ptr(), &mut id, null_mut()))
        } },
        case! { mosquitto_string_to_property_info, "unknown name", code(INVAL), QUIET,
        |e| {
            let (mut id, mut ty) = (0, 0);
            code(mosquitto_string_to_property_info(c"content_type".as_ptr(), &mut id, &mut ty))
        } },
        case! { mosquitto_string_to_command, "str NULL", code(INVAL), QUIET, "crashes (SIGSEGV)",
        |e| {
            let mut cmd = 0;
            code(mosquitto_string_to_command(null(), &mut cmd))
        } },
        case! { mosquitto_string_to_command, "cmd NULL", code(INVAL), QUIET, "crashes (SIGSEGV)",
        |e| code(mosquitto_string_to_command(c"connect".as_ptr(), null_mut())) },
        case! { mosquitto_string_to_command, "unknown name", code(INVAL), QUIET,
        |e| {
            let mut cmd = 0;
            code(mosquitto_string_to_command(c"pingreq".as_ptr(), &mut cmd))
        } },
    ]
}

// ---------------------------------------------------------------------------------------------
// Log capture: one `on_log` for all handles, lines kept per handle address.

type LogLine = (usize, c_int, String);

fn log_lines() -> &'static Mutex<Vec<LogLine>> {
    static LINES: OnceLock<Mutex<Vec<LogLine>>> = OnceLock::new();
    LINES.get_or_init(|| Mutex::new(Vec::new()))
}

unsafe extern "C" fn record_log(
    mosq: *mut mosquitto,
    _: *mut c_void,
    level: c_int,
    line: *const c_char,
) {
    let line = if line.is_null() {
        "(NULL)".to_owned()
    } else {
        CStr::from_ptr(line).to_string_lossy().into_owned()
    };
    log_lines()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push((mosq as usize, level, line));
}

/// Take the warning (or error) lines logged for `mosq` so far.
fn take_warnings(mosq: *mut mosquitto) -> Vec<String> {
    let mut lines = log_lines().lock().unwrap_or_else(|p| p.into_inner());
    let mut mine = Vec::new();
    lines.retain(|(m, level, line)| {
        if *m != mosq as usize {
            return true;
        }
        if *level == MOSQ_LOG_WARNING || *level == MOSQ_LOG_ERR {
            mine.push(line.clone());
        }
        false
    });
    mine
}

/// A fresh client with the recording `on_log` callback.
fn new_client(id: &CStr) -> *mut mosquitto {
    // SAFETY: valid NUL-terminated id; the handle is destroyed by the caller.
    let m = unsafe { mosquitto_new(id.as_ptr(), true, null_mut()) };
    assert!(!m.is_null(), "mosquitto_new failed");
    take_warnings(m); // a recycled address must not inherit old lines
                      // SAFETY: valid handle and callback.
    unsafe { mosquitto_log_callback_set(m, Some(record_log)) };
    m
}

/// A local port that accepts TCP connections (the kernel completes the handshake from the
/// backlog; nothing is ever read).
fn listener_port() -> c_int {
    static LISTENER: OnceLock<TcpListener> = OnceLock::new();
    let l = LISTENER.get_or_init(|| TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1"));
    c_int::from(l.local_addr().expect("local addr").port())
}

/// What running one row gave.
struct Outcome {
    got: Got,
    warnings: Vec<String>,
}

/// Run one row on a fresh handle on its own thread. `None`: it did not return within the deadline
/// (the thread and handle are leaked).
fn run_row(case: &Case) -> Option<Outcome> {
    let call = case.call;
    let port = listener_port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let m = new_client(c"bad-input");
        let env = Env { m, port };
        // SAFETY: the row's call only uses the pointers it builds and the live handle in `env`.
        let got = unsafe { call(&env) };
        let warnings = take_warnings(m);
        // SAFETY: the handle came from mosquitto_new and is not used afterwards.
        unsafe { mosquitto_destroy(m) };
        let _ = tx.send(Outcome { got, warnings });
    });
    rx.recv_timeout(DEADLINE).ok()
}

fn describe(case: &Case) -> String {
    let reference = if case.reference.is_empty() {
        String::new()
    } else {
        format!(" [libmosquitto 2.0.11: {}]", case.reference)
    };
    format!("{}({}){}", case.export, case.input, reference)
}

// ---------------------------------------------------------------------------------------------
// The exports, from the source.

/// Names of the `#[no_mangle]` / `#[unsafe(no_mangle)]` / `#[export_name]` functions in the `.rs`
/// files under `src/ffi/` (its feature folders included).
fn exports_in_source() -> BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let mut names = BTreeSet::new();
    for path in files {
        let source = std::fs::read_to_string(&path).expect("read source");
        let mut pending_export = false;
        for line in source.lines() {
            let line = line.trim();
            if line.starts_with("//") {
                continue;
            }
            if line.starts_with("#[no_mangle]")
                || line.starts_with("#[unsafe(no_mangle)]")
                || line.starts_with("#[export_name")
            {
                pending_export = true;
                continue;
            }
            if pending_export {
                if let Some(pos) = line.find("fn ") {
                    let name: String = line[pos + 3..]
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    names.insert(name);
                    pending_export = false;
                }
            }
        }
    }
    names
}

/// Every `.rs` file under `dir`, folders included.
fn rust_files(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/ffi") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn every_export_has_a_bad_input_case() {
    let exports = exports_in_source();
    assert!(
        exports.len() >= 50,
        "only {} exports found in src/ffi: is the scan broken?",
        exports.len()
    );
    let covered: BTreeSet<String> = cases().iter().map(|c| c.export.to_owned()).collect();
    let missing: Vec<_> = exports.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "exports without a bad-input row in tests/bad_input.rs: {missing:?}"
    );
    let stale: Vec<_> = covered.difference(&exports).collect();
    assert!(
        stale.is_empty(),
        "rows for functions that are not exported: {stale:?}"
    );
}

#[test]
fn bad_input_returns_libmosquitto_codes() {
    let mut failures = Vec::new();
    for case in cases() {
        match run_row(&case) {
            None => failures.push(format!(
                "{}: did not return within {DEADLINE:?}",
                describe(&case)
            )),
            Some(out) if out.got != case.expect => failures.push(format!(
                "{}: expected {:?}, got {:?}",
                describe(&case),
                case.expect,
                out.got
            )),
            Some(_) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} bad-input calls misbehaved:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

#[test]
fn rejected_calls_log_why() {
    let mut failures = Vec::new();
    for case in cases().into_iter().filter(|c| c.kind.logs) {
        match run_row(&case) {
            None => failures.push(format!(
                "{}: did not return within {DEADLINE:?}",
                describe(&case)
            )),
            Some(out) if out.got == case.expect && out.warnings.is_empty() => {
                failures.push(format!(
                    "{}: refused with {:?} but no warning reached on_log",
                    describe(&case),
                    out.got
                ))
            }
            // A wrong code is reported by `bad_input_returns_libmosquitto_codes`.
            Some(_) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} rejected calls did not say why:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

#[test]
fn same_bad_input_from_many_threads_on_one_handle() {
    const THREADS: usize = 4;
    const ROUNDS: usize = 20;

    struct Shared(*mut mosquitto);
    // SAFETY: the C API allows calls on one handle from any thread; the handle outlives the
    // threads (destroyed only after all of them reported back).
    unsafe impl Send for Shared {}
    unsafe impl Sync for Shared {}

    let m = new_client(c"bad-input-threads");
    let shared = Arc::new(Shared(m));
    let port = listener_port();
    let (tx, rx) = mpsc::channel::<Vec<String>>();
    for t in 0..THREADS {
        let shared = Arc::clone(&shared);
        let tx = tx.clone();
        std::thread::spawn(move || {
            let env = Env { m: shared.0, port };
            let rows: Vec<Case> = cases().into_iter().filter(|c| c.kind.concurrent).collect();
            let mut failures = Vec::new();
            for round in 0..ROUNDS {
                // Each thread walks the table from a different starting row.
                let start = (t * 7 + round) % rows.len();
                for case in rows.iter().cycle().skip(start).take(rows.len()) {
                    // SAFETY: as in `run_row`; the handle stays alive until every thread reported.
                    let got = unsafe { (case.call)(&env) };
                    if got != case.expect {
                        failures.push(format!(
                            "thread {t}: {}: expected {:?}, got {:?}",
                            describe(case),
                            case.expect,
                            got
                        ));
                    }
                }
            }
            let _ = tx.send(failures);
        });
    }
    drop(tx);
    let mut failures = Vec::new();
    for _ in 0..THREADS {
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(f) => failures.extend(f),
            Err(_) => panic!("a thread did not finish within 20 s: deadlock?"),
        }
    }
    // Taken before the handle goes: a later client at the same address (the `single` run below
    // makes many) clears the lines recorded for it.
    let lines = take_warnings(m);
    // SAFETY: every thread has finished with the handle.
    unsafe { mosquitto_destroy(m) };
    // The rows whose code is already wrong single-threaded are reported by
    // `bad_input_returns_libmosquitto_codes`; here only new, concurrency-caused differences count.
    let single: BTreeSet<String> = cases()
        .iter()
        .filter(|c| c.kind.concurrent)
        .filter(|c| run_row(c).is_some_and(|o| o.got != c.expect))
        .map(describe)
        .collect();
    failures.retain(|f| !single.iter().any(|d| f.contains(d.as_str())));
    failures.sort();
    failures.dedup();
    assert!(
        failures.is_empty(),
        "concurrent bad input behaved differently:\n  {}",
        failures.join("\n  ")
    );
    assert!(
        !lines.is_empty(),
        "no warning reached on_log from the concurrent calls"
    );
}
