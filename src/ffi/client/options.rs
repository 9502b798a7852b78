//! Client options by number: `enum mosq_opt_t`, `mosquitto_int_option`,
//! `mosquitto_string_option`, `mosquitto_void_option` and the older `mosquitto_opts_set`. The
//! settings with functions of their own are in [`super::settings`].
//!
//! Every option is done for real (protocol version, receive and send maximum, TCP_NODELAY, the
//! TLS options, stored in the driver's TLS configuration) except a default bind address, which
//! answers `MOSQ_ERR_NOT_SUPPORTED` and logs why, so a program never mistakes it for success.
//! Unknown option numbers, and options given to the function of the wrong value type, are
//! `MOSQ_ERR_INVAL`.
//!
//! The option argument crosses the boundary as a plain `int` (see [`raw`]): C may pass any number
//! in an enum, and a Rust enum must never hold a value outside its variants.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};

use crate::ffi::boundary::args::refuse;
use crate::ffi::boundary::errors::*;
use crate::ffi::handle::mosquitto;
use crate::protocol::ProtocolVersion;

/// The MQTT specification (3.1) limits client identifiers to this many bytes; MQTT 3.1.1 and 5
/// brokers usually accept longer ones. Culex, like libmosquitto, does not enforce it: with MQTT
/// 3.1 a longer identifier is sent as it is and the broker decides.
pub const MOSQ_MQTT_ID_MAX_LENGTH: c_int = 23;

/// `MOSQ_OPT_PROTOCOL_VERSION` value: MQTT 3.1 (protocol name "MQIsdp", level 3).
pub const MQTT_PROTOCOL_V31: c_int = 3;

/// `MOSQ_OPT_PROTOCOL_VERSION` value: MQTT 3.1.1 (level 4), the default.
pub const MQTT_PROTOCOL_V311: c_int = 4;

/// `MOSQ_OPT_PROTOCOL_VERSION` value: MQTT 5.0 (level 5).
pub const MQTT_PROTOCOL_V5: c_int = 5;

/// Option numbers for `mosquitto_int_option`, `mosquitto_string_option`, `mosquitto_void_option`
/// and `mosquitto_opts_set`. Each option belongs to one of those functions (see each function).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mosq_opt_t {
    /// int: `MQTT_PROTOCOL_V31`, `MQTT_PROTOCOL_V311` (default) or `MQTT_PROTOCOL_V5`.
    MOSQ_OPT_PROTOCOL_VERSION = 1,
    /// void: the application's own OpenSSL `SSL_CTX` for TLS connections.
    MOSQ_OPT_SSL_CTX = 2,
    /// int: non-zero applies Culex's TLS settings to the application's `SSL_CTX` too.
    MOSQ_OPT_SSL_CTX_WITH_DEFAULTS = 3,
    /// int: MQTT 5 Receive Maximum sent in CONNECT (1..65535; 0 means 65535).
    MOSQ_OPT_RECEIVE_MAXIMUM = 4,
    /// int: most outgoing QoS 1/2 messages in flight at once (1..65535; 0 means 65535).
    MOSQ_OPT_SEND_MAXIMUM = 5,
    /// string: "pem" (default) or "engine", how the TLS key named by `keyfile` is loaded.
    MOSQ_OPT_TLS_KEYFORM = 6,
    /// string: the id of the OpenSSL engine that holds the TLS key.
    MOSQ_OPT_TLS_ENGINE = 7,
    /// string: hex SHA-1 of the key password, given to the engine.
    MOSQ_OPT_TLS_ENGINE_KPASS_SHA1 = 8,
    /// int: non-zero requires a good stapled OCSP response from the broker.
    MOSQ_OPT_TLS_OCSP_REQUIRED = 9,
    /// string: the ALPN protocol to offer in the TLS handshake.
    MOSQ_OPT_TLS_ALPN = 10,
    /// int: non-zero turns Nagle's algorithm off on the client socket (default 0: on).
    MOSQ_OPT_TCP_NODELAY = 11,
    /// string: local address that connects without a bind address of their own start from.
    MOSQ_OPT_BIND_ADDRESS = 12,
    /// int: non-zero trusts the operating system's CA certificates (and turns TLS on).
    MOSQ_OPT_TLS_USE_OS_CERTS = 13,
}

use mosq_opt_t::*;

/// How an option number crosses the C boundary.
///
/// The C prototypes take `enum mosq_opt_t`; the exports take this `int` instead, which has the
/// same size and calling convention, so that any number C passes is a valid Rust value and can be
/// refused with `MOSQ_ERR_INVAL`. cbindgen names a type by its last path segment, so the header
/// still says `enum mosq_opt_t` (the `mod` line keeps this alias itself out of the header).
///
/// cbindgen:ignore
pub(crate) mod raw {
    /// An option number as received from C (any `int`).
    pub type mosq_opt_t = std::os::raw::c_int;
}

/// The option with number `option`, if there is one.
fn option_from(option: c_int) -> Option<mosq_opt_t> {
    const ALL: [mosq_opt_t; 13] = [
        MOSQ_OPT_PROTOCOL_VERSION,
        MOSQ_OPT_SSL_CTX,
        MOSQ_OPT_SSL_CTX_WITH_DEFAULTS,
        MOSQ_OPT_RECEIVE_MAXIMUM,
        MOSQ_OPT_SEND_MAXIMUM,
        MOSQ_OPT_TLS_KEYFORM,
        MOSQ_OPT_TLS_ENGINE,
        MOSQ_OPT_TLS_ENGINE_KPASS_SHA1,
        MOSQ_OPT_TLS_OCSP_REQUIRED,
        MOSQ_OPT_TLS_ALPN,
        MOSQ_OPT_TCP_NODELAY,
        MOSQ_OPT_BIND_ADDRESS,
        MOSQ_OPT_TLS_USE_OS_CERTS,
    ];
    ALL.into_iter().find(|o| *o as c_int == option)
}

/// Store the application's `SSL_CTX` (taking a reference of our own on it).
///
/// # Safety
/// `ctx` is a live `SSL_CTX`.
unsafe fn set_ssl_ctx(h: &mosquitto, ctx: *mut c_void) -> Result<(), c_int> {
    use foreign_types::ForeignType;
    let ctx = ctx as *mut openssl_sys::SSL_CTX;
    // SAFETY: the caller passes a live SSL_CTX; the reference taken here is the one the wrapper
    // releases, so the application keeps its own.
    let ctx = unsafe {
        openssl_sys::SSL_CTX_up_ref(ctx);
        openssl::ssl::SslContext::from_ptr(ctx)
    };
    h.client.tls_config(|c| c.app_ctx = Some(ctx));
    Ok(())
}

/// `MOSQ_ERR_INVAL`, logged: an unknown option number, or one `function` does not take (`what`
/// says what it takes).
fn wrong_option(function: &str, option: c_int, what: &str) -> Result<(), c_int> {
    match option_from(option) {
        Some(known) => log::warn!("{function}: {known:?} is not {what}"),
        None => log::warn!("{function}: {option} is not an option number"),
    }
    Err(MOSQ_ERR_INVAL as c_int)
}

/// A 0..=65535 maximum as libmosquitto reads it (0 means 65535), or `None` when out of range.
fn maximum(value: c_int) -> Option<u16> {
    match u16::try_from(value) {
        Ok(0) => Some(u16::MAX),
        Ok(n) => Some(n),
        Err(_) => None,
    }
}

/// The work of `mosquitto_int_option`, on a valid handle.
fn int_option(h: &mosquitto, option: c_int, value: c_int) -> Result<(), c_int> {
    const F: &str = "mosquitto_int_option";
    let Some(opt) = option_from(option) else {
        return wrong_option(F, option, "an integer option");
    };
    match opt {
        MOSQ_OPT_PROTOCOL_VERSION => {
            let protocol = match value {
                MQTT_PROTOCOL_V31 => ProtocolVersion::V31,
                MQTT_PROTOCOL_V311 => ProtocolVersion::V311,
                MQTT_PROTOCOL_V5 => ProtocolVersion::V5,
                _ => {
                    log::warn!("{F}: protocol version {value} is not 3 (3.1), 4 (3.1.1) or 5");
                    return Err(MOSQ_ERR_INVAL as c_int);
                }
            };
            h.client
                .with_session(|s| s.config_mut().protocol = protocol);
            Ok(())
        }
        MOSQ_OPT_RECEIVE_MAXIMUM => {
            let Some(n) = maximum(value) else {
                log::warn!("{F}: receive maximum {value} is not between 0 and 65535");
                return Err(MOSQ_ERR_INVAL as c_int);
            };
            h.client
                .with_session(|s| s.config_mut().receive_maximum = n);
            Ok(())
        }
        MOSQ_OPT_SEND_MAXIMUM => {
            let Some(n) = maximum(value) else {
                log::warn!("{F}: send maximum {value} is not between 0 and 65535");
                return Err(MOSQ_ERR_INVAL as c_int);
            };
            h.client.with_session(|s| s.set_max_inflight(n));
            Ok(())
        }
        MOSQ_OPT_TCP_NODELAY => {
            h.client.set_tcp_nodelay(value != 0);
            Ok(())
        }
        MOSQ_OPT_SSL_CTX_WITH_DEFAULTS => {
            h.client.tls_config(|c| c.app_defaults = value != 0);
            Ok(())
        }
        MOSQ_OPT_TLS_OCSP_REQUIRED => {
            h.client.tls_config(|c| c.ocsp_required = value != 0);
            Ok(())
        }
        MOSQ_OPT_TLS_USE_OS_CERTS => {
            h.client.tls_config(|c| c.use_os_certs = value != 0);
            Ok(())
        }
        _ => wrong_option(F, option, "an integer option"),
    }
}

/// The work of `mosquitto_string_option`, on a valid handle.
///
/// # Safety
/// `value` is NULL or a NUL-terminated string.
unsafe fn string_option(h: &mosquitto, option: c_int, value: *const c_char) -> Result<(), c_int> {
    const F: &str = "mosquitto_string_option";
    let text = || {
        // SAFETY: not NULL; a C string by the caller's contract.
        (!value.is_null()).then(|| unsafe { CStr::from_ptr(value) }.to_string_lossy())
    };
    match option_from(option) {
        Some(
            opt @ (MOSQ_OPT_TLS_KEYFORM
            | MOSQ_OPT_TLS_ENGINE
            | MOSQ_OPT_TLS_ENGINE_KPASS_SHA1
            | MOSQ_OPT_TLS_ALPN),
        ) if value.is_null() => refuse(F, &format!("{opt:?}: value is NULL")),
        Some(MOSQ_OPT_TLS_KEYFORM) => {
            let from_engine = match text().as_deref() {
                Some("pem") => false,
                Some("engine") => true,
                other => {
                    return refuse(
                        F,
                        &format!("keyform {other:?} is not \"pem\" or \"engine\""),
                    )
                }
            };
            h.client.tls_config(|c| c.key_from_engine = from_engine);
            Ok(())
        }
        Some(MOSQ_OPT_TLS_ENGINE) => {
            let id = text().unwrap_or_default().into_owned();
            if !crate::net::engine::available(&id) {
                return refuse(F, &format!("OpenSSL has no engine {id:?}"));
            }
            h.client.tls_config(|c| c.engine = Some(id));
            Ok(())
        }
        Some(MOSQ_OPT_TLS_ENGINE_KPASS_SHA1) => {
            let sha1 = text().unwrap_or_default().into_owned();
            if sha1.len() != 40 || !sha1.bytes().all(|b| b.is_ascii_hexdigit()) {
                return refuse(F, "the key password SHA-1 is not 40 hex digits");
            }
            h.client.tls_config(|c| c.engine_kpass_sha1 = Some(sha1));
            Ok(())
        }
        Some(MOSQ_OPT_TLS_ALPN) => {
            let proto = text().unwrap_or_default().into_owned();
            if proto.is_empty() || proto.len() > 255 {
                return refuse(F, "an ALPN protocol name has 1 to 255 bytes");
            }
            h.client.tls_config(|c| c.alpn = Some(proto));
            Ok(())
        }
        Some(MOSQ_OPT_BIND_ADDRESS) => {
            // NULL or "" remove the default. Like libmosquitto, the address is resolved when a
            // connect uses it (an unusable one fails that connect).
            let address = if value.is_null() {
                None
            } else {
                // SAFETY: as above.
                match unsafe { CStr::from_ptr(value) }.to_str() {
                    Ok("") => None,
                    Ok(a) => Some(a),
                    Err(_) => return refuse(F, "the bind address is not valid UTF-8"),
                }
            };
            h.client.set_default_bind_address(address);
            Ok(())
        }
        _ => wrong_option(F, option, "a string option"),
    }
}

/// The work of `mosquitto_void_option`, on a valid handle.
///
/// # Safety
/// For `MOSQ_OPT_SSL_CTX`, `value` is NULL or a live `SSL_CTX`.
unsafe fn void_option(h: &mosquitto, option: c_int, value: *mut c_void) -> Result<(), c_int> {
    const F: &str = "mosquitto_void_option";
    match option_from(option) {
        Some(MOSQ_OPT_SSL_CTX) if value.is_null() => {
            log::warn!("{F}: value is NULL");
            Err(MOSQ_ERR_INVAL as c_int)
        }
        // SAFETY: the caller's contract.
        Some(MOSQ_OPT_SSL_CTX) => unsafe { set_ssl_ctx(h, value) },
        _ => wrong_option(F, option, "a pointer option"),
    }
}

/// The body of `mosquitto_opts_set`.
///
/// # Safety
/// For the options that read an `int` through `value`, `value` is NULL or points to one; for
/// `MOSQ_OPT_SSL_CTX` it is NULL or a live `SSL_CTX`.
unsafe fn opts_set(h: &mosquitto, option: c_int, value: *mut c_void) -> Result<(), c_int> {
    const F: &str = "mosquitto_opts_set";
    match option_from(option) {
        Some(opt @ (MOSQ_OPT_PROTOCOL_VERSION | MOSQ_OPT_SSL_CTX_WITH_DEFAULTS))
            if value.is_null() =>
        {
            log::warn!("{F}: {opt:?} needs a pointer to an int, value is NULL");
            Err(MOSQ_ERR_INVAL as c_int)
        }
        Some(MOSQ_OPT_PROTOCOL_VERSION | MOSQ_OPT_SSL_CTX_WITH_DEFAULTS) => {
            // SAFETY: for these options the caller passes a pointer to an int.
            let number = unsafe { *(value as *const c_int) };
            int_option(h, option, number)
        }
        // SAFETY: the caller's contract.
        Some(MOSQ_OPT_SSL_CTX) => unsafe { void_option(h, option, value) },
        _ => wrong_option(F, option, "one of its options"),
    }
}

/// Set an option that takes an `int` value. Options set before connecting apply to the next
/// connection; `MOSQ_OPT_SEND_MAXIMUM` and `MOSQ_OPT_TCP_NODELAY` also apply at once.
///
/// - `MOSQ_OPT_PROTOCOL_VERSION`: `MQTT_PROTOCOL_V31`, `MQTT_PROTOCOL_V311` (the default) or
///   `MQTT_PROTOCOL_V5`; anything else is `MOSQ_ERR_INVAL`. With MQTT 3.1 the client id is sent
///   even when longer than `MOSQ_MQTT_ID_MAX_LENGTH`; the broker may refuse it.
/// - `MOSQ_OPT_RECEIVE_MAXIMUM`: 1 to 65535 (0 means 65535), the most incoming QoS 1 and 2
///   messages this client lets the broker have in flight; sent as the Receive Maximum property of
///   an MQTT 5 CONNECT, replacing an earlier one (3.1.x have no such field).
/// - `MOSQ_OPT_SEND_MAXIMUM`: 1 to 65535 (0 means 65535), the most outgoing QoS 1 and 2
///   messages in flight at once, the same setting as `mosquitto_max_inflight_messages_set`
///   (default 20). A smaller Receive Maximum from an MQTT 5 broker takes precedence.
/// - `MOSQ_OPT_TCP_NODELAY`: non-zero disables Nagle's algorithm on the socket; 0 (the default)
///   leaves it on.
/// - `MOSQ_OPT_SSL_CTX_WITH_DEFAULTS`: non-zero applies Culex's TLS settings (versions,
///   verification, `mosquitto_tls_set`'s files, ciphers, PSK, ALPN) to the context given with
///   `MOSQ_OPT_SSL_CTX`, which is then modified; 0 (the default) uses that context as it is.
/// - `MOSQ_OPT_TLS_OCSP_REQUIRED`: non-zero asks the broker for a stapled OCSP response and
///   fails the handshake (`MOSQ_ERR_TLS`) unless it proves the broker's certificate good.
/// - `MOSQ_OPT_TLS_USE_OS_CERTS`: non-zero trusts the system's CA certificates as well; this
///   alone turns TLS on, without `mosquitto_tls_set`.
///
/// Other option numbers are `MOSQ_ERR_INVAL`, as is a NULL `mosq`.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_int_option(
    mosq: *mut mosquitto,
    option: raw::mosq_opt_t,
    value: c_int,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| int_option(h, option, value)) }
    })
}

/// Set an option that takes a string value (copied; the caller keeps its string).
///
/// - `MOSQ_OPT_BIND_ADDRESS`: a default local address to connect from is not supported yet:
///   `MOSQ_ERR_NOT_SUPPORTED` (use `mosquitto_connect_bind`). NULL or "" (no default address)
///   succeed, as that is already the case.
/// - `MOSQ_OPT_TLS_ALPN`: the protocol name offered by ALPN (1 to 255 bytes), for brokers
///   serving several protocols on one TLS port.
/// - `MOSQ_OPT_TLS_KEYFORM`: "pem" (the default: `keyfile` is a PEM file) or "engine" (`keyfile`
///   names a key held by the engine set with `MOSQ_OPT_TLS_ENGINE`).
/// - `MOSQ_OPT_TLS_ENGINE`: the id of an OpenSSL engine; `MOSQ_ERR_INVAL` when OpenSSL has none
///   by that id. The engine is used for the key only and never made OpenSSL's global default.
/// - `MOSQ_OPT_TLS_ENGINE_KPASS_SHA1`: 40 hex digits, the SHA-1 of the key password, given to
///   the engine as its `PIN` control command.
///
/// A NULL value for these is `MOSQ_ERR_INVAL`.
///
/// Other option numbers are `MOSQ_ERR_INVAL`, as is a NULL `mosq`.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_string_option(
    mosq: *mut mosquitto,
    option: raw::mosq_opt_t,
    value: *const c_char,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| string_option(h, option, value)) }
    })
}

/// Set an option that takes a pointer value.
///
/// - `MOSQ_OPT_SSL_CTX`: an OpenSSL `SSL_CTX *` to use for TLS connections instead of one
///   Culex builds; Culex takes a reference of its own, kept across reconnects. Setting it turns
///   TLS on. Used as it is (the application is responsible for its verification settings; the
///   broker's name is still checked unless `mosquitto_tls_insecure_set`), or completed with
///   Culex's settings after `MOSQ_OPT_SSL_CTX_WITH_DEFAULTS`. NULL is `MOSQ_ERR_INVAL`.
///
/// Other option numbers are `MOSQ_ERR_INVAL`, as is a NULL `mosq`.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_void_option(
    mosq: *mut mosquitto,
    option: raw::mosq_opt_t,
    value: *mut c_void,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| void_option(h, option, value)) }
    })
}

/// The older form of the option setters, kept for existing programs; prefer
/// `mosquitto_int_option`, `mosquitto_string_option` and `mosquitto_void_option`.
///
/// - `MOSQ_OPT_PROTOCOL_VERSION`: `value` points to an `int` holding the version, handled as by
///   `mosquitto_int_option`.
/// - `MOSQ_OPT_SSL_CTX`: `value` is the `SSL_CTX *`, handled as by `mosquitto_void_option`.
/// - `MOSQ_OPT_SSL_CTX_WITH_DEFAULTS`: `value` points to an `int`, handled as by
///   `mosquitto_int_option`.
///
/// A NULL `value` for an option that reads an `int` through it, other option numbers and a NULL
/// `mosq` are `MOSQ_ERR_INVAL`.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_opts_set(
    mosq: *mut mosquitto,
    option: raw::mosq_opt_t,
    value: *mut c_void,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| opts_set(h, option, value)) }
    })
}
