//! Culex's TLS extensions (`culex_tls_*`, declared in `culex.h`): trusted CAs, the client
//! certificate and its key given as PEM text held in memory instead of files (for keys kept in a
//! secret store, or certificates built into a firmware image), and a switch for TLS session
//! resumption across reconnects.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};

use crate::ffi::boundary::args::refuse;
use crate::ffi::boundary::errors::*;
use crate::ffi::handle::mosquitto;
use crate::ffi::tls::{password_fn, PwCallback};
use crate::net::tls::Source;

/// The bytes of a PEM text argument, `None` for NULL; `Err` when given but empty.
///
/// # Safety
/// `ptr` is NULL or a C string.
unsafe fn pem_arg(ptr: *const c_char) -> Result<Option<Vec<u8>>, ()> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: not NULL; a C string by the caller's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    if bytes.is_empty() {
        Err(())
    } else {
        Ok(Some(bytes.to_vec()))
    }
}

/// The body of `culex_tls_set_pem`.
///
/// # Safety
/// The pointer arguments as the export's (NULL or valid).
unsafe fn tls_set_pem(
    h: &mosquitto,
    ca_pem: *const c_char,
    cert_pem: *const c_char,
    key_pem: *const c_char,
    pw_callback: PwCallback,
) -> Result<(), c_int> {
    const F: &str = "culex_tls_set_pem";
    // SAFETY: the caller's contract: each of the three is NULL or a C string.
    let Ok(ca) = (unsafe { pem_arg(ca_pem) }) else {
        return refuse(F, "ca_pem is empty");
    };
    let Some(ca) = ca else {
        return refuse(F, "ca_pem is NULL");
    };
    // SAFETY: as above.
    let (Ok(cert), Ok(key)) = (unsafe { pem_arg(cert_pem) }, unsafe { pem_arg(key_pem) }) else {
        return refuse(F, "cert_pem or key_pem is empty");
    };
    if cert.is_some() != key.is_some() {
        return refuse(F, "cert_pem and key_pem go together: one of them is NULL");
    }
    let password = password_fn(h, pw_callback);
    h.client.tls_config(|c| {
        c.ca = Some(Source::Pem(ca));
        c.cert = cert.map(Source::Pem);
        c.key = key.map(Source::Pem);
        c.key_password = password;
    });
    Ok(())
}

/// Like `mosquitto_tls_set`, with PEM text (NUL-terminated) instead of file names. The texts are
/// copied; the caller may free them on return.
///
/// - `ca_pem`: one or more trusted CA certificates; required (`MOSQ_ERR_INVAL` when NULL or
///   empty). It replaces any `cafile`; a `capath` set earlier stays in use.
/// - `cert_pem`, `key_pem`: the client certificate (the first certificate; any following ones
///   are sent as its chain) and its private key; both or neither.
/// - `pw_callback`: asked for the password of an encrypted key, with the handle as `userdata`.
///
/// The texts are parsed when connecting: a malformed one makes the connect call return
/// `MOSQ_ERR_TLS` with the reason in a log line. Applies from the next connection.
#[no_mangle]
pub unsafe extern "C" fn culex_tls_set_pem(
    mosq: *mut mosquitto,
    ca_pem: *const c_char,
    cert_pem: *const c_char,
    key_pem: *const c_char,
    pw_callback: Option<
        unsafe extern "C" fn(
            buf: *mut c_char,
            size: c_int,
            rwflag: c_int,
            userdata: *mut c_void,
        ) -> c_int,
    >,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| tls_set_pem(
                h,
                ca_pem,
                cert_pem,
                key_pem,
                pw_callback
            ))
        }
    })
}

/// The body of `culex_tls_session_resumption_set`.
fn tls_session_resumption_set(h: &mosquitto, enabled: bool) -> Result<(), c_int> {
    h.client.tls_config(|c| c.resume_sessions = enabled);
    Ok(())
}

/// Turn TLS session resumption on (the default) or off. When on, a reconnect offers the broker
/// the TLS session of the previous connection, which saves the full handshake when the broker
/// still knows it (`SSL_session_reused()` on `mosquitto_ssl_get()` tells). Changing it drops the
/// kept session.
#[no_mangle]
pub unsafe extern "C" fn culex_tls_session_resumption_set(
    mosq: *mut mosquitto,
    enabled: bool,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| tls_session_resumption_set(h, enabled)) }
    })
}
