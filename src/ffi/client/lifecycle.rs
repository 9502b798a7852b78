//! A handle's life: `mosquitto_new`, `mosquitto_destroy` and `mosquitto_reinitialise`.

use std::ffi::c_char;
use std::os::raw::{c_int, c_void};
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Arc, Mutex};

use crate::driver::Client;
use crate::error::Error;
use crate::ffi::boundary::args::*;
use crate::ffi::boundary::errors::*;
use crate::ffi::callbacks::Callbacks;
use crate::ffi::handle::mosquitto;
use crate::session::SessionConfig;

/// A random client identifier for MQTT 3.1, which requires one: "mosq-" and 18 random
/// characters, the 23 characters MQTT 3.1 allows (libmosquitto's form).
pub(crate) fn random_client_id() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut bytes = [0u8; 18];
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

/// A client made with a NULL id sends an empty one (the broker assigns it) under MQTT 3.1.1 and
/// 5, as libmosquitto does; MQTT 3.1 gets a random one when it connects (`connect.rs`).
fn session_config(id: Option<&str>, clean_session: bool) -> SessionConfig {
    SessionConfig {
        client_id: id.unwrap_or_default().to_owned(),
        clean_start: clean_session,
        ..SessionConfig::default()
    }
}

/// Check the arguments of `mosquitto_new`/`mosquitto_reinitialise`.
///
/// # Safety
/// `id` is NULL or a C string that outlives the result.
unsafe fn new_args<'a>(id: *const c_char, clean_session: bool) -> Result<Option<&'a str>, c_int> {
    // SAFETY: the caller's contract.
    let id = unsafe { opt_c_str(id, "id") }?;
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

/// The body of `mosquitto_new`: the new handle, or the `errno` value to fail with.
///
/// # Safety
/// `id` is NULL or a C string.
unsafe fn new(
    id: *const c_char,
    clean_session: bool,
    obj: *mut c_void,
) -> Result<*mut mosquitto, c_int> {
    // Programs that skip mosquitto_lib_init still get CULEX_LOG_STDERR and on_log.
    crate::ffi::boundary::logging::install_logger();
    // SAFETY: the caller's contract.
    let id = unsafe { new_args(id, clean_session) }.map_err(errno_for)?;
    let client = Client::new(session_config(id, clean_session)).map_err(|e| {
        log::warn!("mosquitto_new: {e}");
        match e {
            Error::Errno(n) => n,
            _ => libc::ENOMEM,
        }
    })?;
    let handle = Box::into_raw(Box::new(mosquitto {
        client: Arc::new(client),
        callbacks: Mutex::new(Callbacks::default()),
        userdata: AtomicPtr::new(obj),
        wants_log: AtomicBool::new(false),
    }));
    if obj.is_null() {
        // SAFETY: `handle` came from `Box::into_raw` just above; nothing else has it yet.
        unsafe { &*handle }
            .userdata
            .store(handle.cast(), Ordering::Release);
    }
    Ok(handle)
}

/// Create a client. `id` NULL lets the broker assign one (an empty id is sent; MQTT 3.1, which
/// has no assigned ids, gets a random one at connect); then `clean_session` must be true.
/// `obj` is passed to every callback (the handle itself when NULL). Returns NULL with errno set
/// (EINVAL, ENOMEM) on failure. Free with `mosquitto_destroy`.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_new(
    id: *const c_char,
    clean_session: bool,
    obj: *mut c_void,
) -> *mut mosquitto {
    ffi_guard!(std::ptr::null_mut(), {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { new(id, clean_session, obj) }.unwrap_or_else(|errno| {
            set_errno(errno);
            std::ptr::null_mut()
        })
    })
}

/// The body of `mosquitto_reinitialise`: everything through `&mosquitto`, since the loop thread
/// (until it is joined) and other threads may hold the handle too.
///
/// # Safety
/// `id` is NULL or a C string.
unsafe fn reinitialise(
    h: &mosquitto,
    id: *const c_char,
    clean_session: bool,
    obj: *mut c_void,
) -> Result<(), c_int> {
    // SAFETY: the caller's contract.
    let id = unsafe { new_args(id, clean_session) }?;
    if h.client.has_loop_thread() {
        let _ = h.client.loop_stop(true);
    }
    h.client.reinitialise(session_config(id, clean_session));
    h.set_callbacks(|c| *c = Callbacks::default());
    let obj = if obj.is_null() {
        h.as_ptr().cast()
    } else {
        obj
    };
    h.userdata.store(obj, Ordering::Release);
    Ok(())
}

/// The body of `mosquitto_destroy`.
///
/// # Safety
/// `mosq` is NULL or a live handle that no thread uses after this call (the loop thread is
/// stopped here).
unsafe fn destroy(mosq: *mut mosquitto) {
    if mosq.is_null() {
        return;
    }
    // The loop thread uses the handle until it is joined: stop it through a shared reference,
    // and take ownership only once nothing else can reach the handle.
    {
        // SAFETY: the caller's contract: a live handle.
        let h = unsafe { &*mosq };
        if h.client.has_loop_thread() {
            let _ = h.client.loop_stop(true);
        }
    }
    // SAFETY: made by `Box::into_raw` in `mosquitto_new`; the loop thread is gone and the caller
    // uses the handle no more.
    drop(unsafe { Box::from_raw(mosq) });
}

/// Free a client: stops its loop thread, closes its socket, frees everything. NULL is ignored.
/// Must not be called from inside one of the client's own callbacks.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_destroy(mosq: *mut mosquitto) {
    ffi_guard!((), {
        // SAFETY: the export's contract (`ffi/mod.rs`); the caller gives the handle up.
        unsafe { destroy(mosq) }
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
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| reinitialise(h, id, clean_session, obj)) }
    })
}
