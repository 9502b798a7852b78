//! The structs the one-shot subscribe helpers take: `struct libmosquitto_will`,
//! `libmosquitto_auth` and `libmosquitto_tls`, laid out exactly as libmosquitto's (they are
//! ABI).

use std::os::raw::{c_char, c_int, c_void};

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
