//! Human-readable descriptions of error numbers, CONNACK results and MQTT 5 reason codes:
//! `mosquitto_strerror`, `mosquitto_connack_string` and `mosquitto_reason_string`.
//!
//! Owns only static, NUL-terminated text. Every pointer handed out here points into the binary's
//! read-only data (or, for `MOSQ_ERR_ERRNO`, into the C library's `strerror` storage) and must never
//! be freed or written by the caller. Nothing here allocates.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int};

use crate::ffi::boundary::errors::*;
use crate::protocol::ReasonCode;

/// Text for error numbers this table does not know.
const UNKNOWN_ERROR: &CStr = c"Unknown error.";

/// Text for CONNACK codes this table does not know.
const UNKNOWN_CONNACK: &CStr = c"Connection refused: unknown reason.";

/// The description of every `mosq_err_t` value except `MOSQ_ERR_ERRNO` (whose text comes from the
/// operating system).
const ERROR_TEXTS: &[(mosq_err_t, &CStr)] = &[
    (MOSQ_ERR_AUTH_CONTINUE, c"Authentication continues."),
    (
        MOSQ_ERR_NO_SUBSCRIBERS,
        c"No subscribers matched the message.",
    ),
    (MOSQ_ERR_SUB_EXISTS, c"The subscription already exists."),
    (
        MOSQ_ERR_CONN_PENDING,
        c"The connection is still being set up.",
    ),
    (MOSQ_ERR_SUCCESS, c"No error."),
    (MOSQ_ERR_NOMEM, c"Out of memory."),
    (
        MOSQ_ERR_PROTOCOL,
        c"The broker and client disagreed on the MQTT protocol.",
    ),
    (
        MOSQ_ERR_INVAL,
        c"An argument passed to the function was invalid.",
    ),
    (
        MOSQ_ERR_NO_CONN,
        c"The client is not connected to a broker.",
    ),
    (MOSQ_ERR_CONN_REFUSED, c"The broker refused the connection."),
    (MOSQ_ERR_NOT_FOUND, c"Not found (internal error)."),
    (
        MOSQ_ERR_CONN_LOST,
        c"The connection to the broker was lost.",
    ),
    (MOSQ_ERR_TLS, c"A TLS error occurred."),
    (MOSQ_ERR_PAYLOAD_SIZE, c"The payload is too large."),
    (MOSQ_ERR_NOT_SUPPORTED, c"This feature is not supported."),
    (MOSQ_ERR_AUTH, c"Authentication failed."),
    (MOSQ_ERR_ACL_DENIED, c"Access denied by the broker."),
    (MOSQ_ERR_UNKNOWN, UNKNOWN_ERROR),
    (MOSQ_ERR_EAI, c"The host name could not be resolved."),
    (MOSQ_ERR_PROXY, c"A proxy error occurred."),
    (MOSQ_ERR_PLUGIN_DEFER, c"A plugin deferred the decision."),
    (
        MOSQ_ERR_MALFORMED_UTF8,
        c"A string is not valid MQTT UTF-8.",
    ),
    (
        MOSQ_ERR_KEEPALIVE,
        c"The broker did not answer within the keepalive interval.",
    ),
    (MOSQ_ERR_LOOKUP, c"A DNS lookup failed."),
    (
        MOSQ_ERR_MALFORMED_PACKET,
        c"A malformed packet was received.",
    ),
    (
        MOSQ_ERR_DUPLICATE_PROPERTY,
        c"A property that may appear only once appeared more than once.",
    ),
    (MOSQ_ERR_TLS_HANDSHAKE, c"The TLS handshake failed."),
    (
        MOSQ_ERR_QOS_NOT_SUPPORTED,
        c"The requested QoS is not supported by the broker.",
    ),
    (
        MOSQ_ERR_OVERSIZE_PACKET,
        c"The packet is larger than the broker accepts.",
    ),
    (
        MOSQ_ERR_OCSP,
        c"OCSP checking of the broker certificate failed.",
    ),
    (MOSQ_ERR_TIMEOUT, c"The operation timed out."),
    (
        MOSQ_ERR_RETAIN_NOT_SUPPORTED,
        c"Retained messages are not supported by the broker.",
    ),
    (MOSQ_ERR_TOPIC_ALIAS_INVALID, c"The topic alias is invalid."),
    (
        MOSQ_ERR_ADMINISTRATIVE_ACTION,
        c"The broker took administrative action against this client.",
    ),
    (MOSQ_ERR_ALREADY_EXISTS, c"The item already exists."),
];

/// The description of an error number, if it is a `mosq_err_t` value other than `MOSQ_ERR_ERRNO`.
fn error_text(code: c_int) -> Option<&'static CStr> {
    ERROR_TEXTS
        .iter()
        .find(|(err, _)| *err as c_int == code)
        .map(|(_, text)| *text)
}

/// The description of a CONNACK result: the return codes 0..=5 of MQTT 3.1/3.1.1 and the
/// CONNACK reason codes of MQTT 5 (0x80 and above).
fn connack_text(code: c_int) -> Option<&'static CStr> {
    let text = match code {
        0 => c"Connection accepted.",
        1 => c"Connection refused: unacceptable protocol version.",
        2 => c"Connection refused: client identifier rejected.",
        3 => c"Connection refused: broker unavailable.",
        4 => c"Connection refused: bad user name or password.",
        5 => c"Connection refused: not authorised.",
        0x80 => c"Connection refused: unspecified error.",
        0x81 => c"Connection refused: malformed packet.",
        0x82 => c"Connection refused: protocol error.",
        0x83 => c"Connection refused: implementation specific error.",
        0x84 => c"Connection refused: unsupported protocol version.",
        0x85 => c"Connection refused: client identifier not valid.",
        0x86 => c"Connection refused: bad user name or password.",
        0x87 => c"Connection refused: not authorised.",
        0x88 => c"Connection refused: server unavailable.",
        0x89 => c"Connection refused: server busy.",
        0x8A => c"Connection refused: banned.",
        0x8C => c"Connection refused: bad authentication method.",
        0x90 => c"Connection refused: topic name invalid.",
        0x95 => c"Connection refused: packet too large.",
        0x97 => c"Connection refused: quota exceeded.",
        0x99 => c"Connection refused: payload format invalid.",
        0x9A => c"Connection refused: retain not supported.",
        0x9B => c"Connection refused: QoS not supported.",
        0x9C => c"Connection refused: use another server.",
        0x9D => c"Connection refused: server moved.",
        0x9F => c"Connection refused: connection rate exceeded.",
        _ => return None,
    };
    Some(text)
}

/// Returns a constant, NUL-terminated English description of a `mosq_err_t` error number.
///
/// For `MOSQ_ERR_ERRNO` the text is the operating system's description of the calling thread's
/// current `errno`. Numbers that are not error values give "Unknown error.". The returned string
/// must not be freed or modified.
///
/// # Safety
/// Any value may be passed. The result must not be freed or written.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_strerror(mosq_errno: c_int) -> *const c_char {
    ffi_guard!(UNKNOWN_ERROR.as_ptr(), {
        if mosq_errno == MOSQ_ERR_ERRNO as c_int {
            // Read errno before anything else can overwrite it.
            // SAFETY: __errno_location returns the calling thread's errno slot, always valid.
            let errno = unsafe { *libc::__errno_location() };
            // SAFETY: strerror accepts any value and returns a NUL-terminated string owned by the
            // C library.
            let text = unsafe { libc::strerror(errno) };
            if text.is_null() {
                UNKNOWN_ERROR.as_ptr()
            } else {
                text as *const c_char
            }
        } else {
            error_text(mosq_errno)
                .or_else(|| crate::ffi::culex::errors::culex_error_text(mosq_errno))
                .unwrap_or(UNKNOWN_ERROR)
                .as_ptr()
        }
    })
}

/// Returns a constant, NUL-terminated English description of a CONNACK result: an MQTT 3.1/3.1.1
/// return code (0 to 5) or an MQTT 5 CONNACK reason code (0x80 and above).
///
/// Codes that CONNACK cannot carry give a generic "unknown reason" text. The returned string must
/// not be freed or modified.
///
/// # Safety
/// Any value may be passed. The result must not be freed or written.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_connack_string(connack_code: c_int) -> *const c_char {
    ffi_guard!(UNKNOWN_CONNACK.as_ptr(), {
        connack_text(connack_code)
            .unwrap_or(UNKNOWN_CONNACK)
            .as_ptr()
    })
}

/// The name of an MQTT 5 reason code (0 to 255), or `None` for other numbers. The texts are the
/// protocol's ([`ReasonCode::description_c`]): codes below 0x80 that mean different things in
/// different packets (0: success, normal disconnection, granted QoS 0) share one, and unassigned
/// codes are "Unknown reason".
fn reason_text(code: c_int) -> Option<&'static CStr> {
    u8::try_from(code)
        .ok()
        .map(|code| ReasonCode(code).description_c())
}

/// Text for numbers that are not reason codes at all.
const UNKNOWN_REASON: &CStr = c"Unknown reason";

/// Returns a constant, NUL-terminated English name of an MQTT 5 reason code (the values of
/// `enum mqtt5_return_codes`, as found in CONNACK, PUBACK, SUBACK, DISCONNECT and the other
/// acknowledgements).
///
/// Numbers that are not reason codes give "Unknown reason". Never NULL; the returned string must
/// not be freed or modified.
///
/// # Safety
/// Any value may be passed. The result must not be freed or written.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_reason_string(reason_code: c_int) -> *const c_char {
    ffi_guard!(UNKNOWN_REASON.as_ptr(), {
        reason_text(reason_code).unwrap_or(UNKNOWN_REASON).as_ptr()
    })
}
