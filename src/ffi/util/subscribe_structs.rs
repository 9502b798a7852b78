//! The structs the one-shot helpers take: `struct libmosquitto_will`, `libmosquitto_auth` and
//! `libmosquitto_tls`, laid out exactly as libmosquitto's (they are ABI), and the setup of a
//! helper's client from them (the subscribe helpers here, Culex's publish helpers in
//! `culex/oneshot.rs`).

use std::os::raw::{c_char, c_int, c_void};

use crate::ffi::boundary::errors::*;
use crate::ffi::client::{mosquitto_username_pw_set, mosquitto_will_set};
use crate::ffi::handle::mosquitto;
use crate::ffi::tls::{mosquitto_tls_opts_set, mosquitto_tls_set};

/// `Ok` for `MOSQ_ERR_SUCCESS`, the code otherwise.
pub(crate) fn ok(rc: c_int) -> Result<(), c_int> {
    if rc == MOSQ_ERR_SUCCESS as c_int {
        Ok(())
    } else {
        Err(rc)
    }
}

/// Configure a helper's new client: will, credentials and TLS, each when given.
///
/// # Safety
/// `mosq` is a live client; the pointers are NULL or valid as the helpers document.
pub(crate) unsafe fn apply_connection_options(
    mosq: *mut mosquitto,
    will: *const libmosquitto_will,
    username: *const c_char,
    password: *const c_char,
    tls: *const libmosquitto_tls,
) -> Result<(), c_int> {
    // SAFETY: the caller's contract, for this and every call below.
    unsafe {
        if let Some(will) = will.as_ref() {
            ok(mosquitto_will_set(
                mosq,
                will.topic,
                will.payloadlen,
                will.payload,
                will.qos,
                will.retain,
            ))?;
        }
        if !username.is_null() {
            ok(mosquitto_username_pw_set(mosq, username, password))?;
        } else if !password.is_null() {
            log::warn!("culex: one-shot helper: a password needs a username");
            return Err(MOSQ_ERR_INVAL as c_int);
        }
        if let Some(tls) = tls.as_ref() {
            ok(mosquitto_tls_set(
                mosq,
                tls.cafile,
                tls.capath,
                tls.certfile,
                tls.keyfile,
                tls.pw_callback,
            ))?;
            ok(mosquitto_tls_opts_set(
                mosq,
                tls.cert_reqs,
                tls.tls_version,
                tls.ciphers,
            ))?;
        }
    }
    Ok(())
}

/// The will of a helper's client (see `mosquitto_will_set`).
#[repr(C)]
pub struct libmosquitto_will {
    /// Topic the will is published to.
    pub topic: *mut c_char,
    /// Will payload (`payloadlen` bytes), may be NULL when `payloadlen` is 0.
    pub payload: *mut c_void,
    /// Length of the payload in bytes.
    pub payloadlen: c_int,
    /// QoS of the will: 0, 1 or 2.
    pub qos: c_int,
    /// Whether the will is retained.
    pub retain: bool,
}

/// Credentials of a helper's client (see `mosquitto_username_pw_set`).
#[repr(C)]
pub struct libmosquitto_auth {
    /// User name, or NULL.
    pub username: *mut c_char,
    /// Password, or NULL.
    pub password: *mut c_char,
}

/// TLS settings of a helper's client (see `mosquitto_tls_set` and `mosquitto_tls_opts_set`).
#[repr(C)]
pub struct libmosquitto_tls {
    /// PEM file of trusted CA certificates, or NULL (then `capath` is required).
    pub cafile: *mut c_char,
    /// Directory of trusted CA certificates, or NULL.
    pub capath: *mut c_char,
    /// Client certificate (PEM), or NULL.
    pub certfile: *mut c_char,
    /// Client private key (PEM), or NULL.
    pub keyfile: *mut c_char,
    /// OpenSSL cipher list, or NULL for the defaults.
    pub ciphers: *mut c_char,
    /// Lowest TLS version, e.g. "tlsv1.2", or NULL for the default.
    pub tls_version: *mut c_char,
    /// Asked for the password of an encrypted key file, or NULL.
    pub pw_callback: Option<
        unsafe extern "C" fn(
            buf: *mut c_char,
            size: c_int,
            rwflag: c_int,
            userdata: *mut c_void,
        ) -> c_int,
    >,
    /// 1 to verify the broker's certificate (SSL_VERIFY_PEER), 0 not to.
    pub cert_reqs: c_int,
}
