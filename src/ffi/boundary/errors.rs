//! `enum mosq_err_t` and the mapping from [`crate::Error`] to it. These numbers are ABI.

use std::os::raw::c_int;

use crate::error::Error;

/// Error values returned by the library (libmosquitto's `enum mosq_err_t`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mosq_err_t {
    MOSQ_ERR_AUTH_CONTINUE = -4,
    MOSQ_ERR_NO_SUBSCRIBERS = -3,
    MOSQ_ERR_SUB_EXISTS = -2,
    MOSQ_ERR_CONN_PENDING = -1,
    MOSQ_ERR_SUCCESS = 0,
    MOSQ_ERR_NOMEM = 1,
    MOSQ_ERR_PROTOCOL = 2,
    MOSQ_ERR_INVAL = 3,
    MOSQ_ERR_NO_CONN = 4,
    MOSQ_ERR_CONN_REFUSED = 5,
    MOSQ_ERR_NOT_FOUND = 6,
    MOSQ_ERR_CONN_LOST = 7,
    MOSQ_ERR_TLS = 8,
    MOSQ_ERR_PAYLOAD_SIZE = 9,
    MOSQ_ERR_NOT_SUPPORTED = 10,
    MOSQ_ERR_AUTH = 11,
    MOSQ_ERR_ACL_DENIED = 12,
    MOSQ_ERR_UNKNOWN = 13,
    MOSQ_ERR_ERRNO = 14,
    MOSQ_ERR_EAI = 15,
    MOSQ_ERR_PROXY = 16,
    MOSQ_ERR_PLUGIN_DEFER = 17,
    MOSQ_ERR_MALFORMED_UTF8 = 18,
    MOSQ_ERR_KEEPALIVE = 19,
    MOSQ_ERR_LOOKUP = 20,
    MOSQ_ERR_MALFORMED_PACKET = 21,
    MOSQ_ERR_DUPLICATE_PROPERTY = 22,
    MOSQ_ERR_TLS_HANDSHAKE = 23,
    MOSQ_ERR_QOS_NOT_SUPPORTED = 24,
    MOSQ_ERR_OVERSIZE_PACKET = 25,
    MOSQ_ERR_OCSP = 26,
    MOSQ_ERR_TIMEOUT = 27,
    MOSQ_ERR_RETAIN_NOT_SUPPORTED = 28,
    MOSQ_ERR_TOPIC_ALIAS_INVALID = 29,
    MOSQ_ERR_ADMINISTRATIVE_ACTION = 30,
    MOSQ_ERR_ALREADY_EXISTS = 31,
}

pub use mosq_err_t::*;

/// The `mosq_err_t` value for an error. `Error::Errno` also sets the thread's `errno`, as
/// libmosquitto does, so `strerror(errno)` names the cause (`Error::Eai`: getaddrinfo's code,
/// for `gai_strerror`).
pub(crate) fn error_code(error: &Error) -> c_int {
    let code = match error {
        Error::NoMem => MOSQ_ERR_NOMEM,
        Error::Protocol => MOSQ_ERR_PROTOCOL,
        Error::Inval => MOSQ_ERR_INVAL,
        Error::NoConn => MOSQ_ERR_NO_CONN,
        // libmosquitto's reading of CONNACK: the MQTT 3.1.1 refusals (1 to 5) are
        // MOSQ_ERR_CONN_REFUSED, any other code (every MQTT 5 refusal) MOSQ_ERR_PROTOCOL.
        Error::ConnRefused(0..=5) => MOSQ_ERR_CONN_REFUSED,
        Error::ConnRefused(_) => MOSQ_ERR_PROTOCOL,
        Error::NotFound => MOSQ_ERR_NOT_FOUND,
        Error::ConnLost => MOSQ_ERR_CONN_LOST,
        Error::Tls => {
            // libmosquitto 2.0.11 answers MOSQ_ERR_TLS, later versions MOSQ_ERR_ERRNO with errno
            // EPROTO: the code of the first and the errno of the second serve both kinds of
            // programs.
            set_errno(libc::EPROTO);
            MOSQ_ERR_TLS
        }
        Error::PayloadSize => MOSQ_ERR_PAYLOAD_SIZE,
        Error::NotSupported => MOSQ_ERR_NOT_SUPPORTED,
        Error::Auth => MOSQ_ERR_AUTH,
        Error::AclDenied => MOSQ_ERR_ACL_DENIED,
        Error::Unknown => MOSQ_ERR_UNKNOWN,
        Error::Errno(errno) => {
            set_errno(*errno);
            MOSQ_ERR_ERRNO
        }
        Error::Eai(code) => {
            // libmosquitto leaves getaddrinfo's code in errno (`gai_strerror(errno)`).
            set_errno(*code);
            MOSQ_ERR_EAI
        }
        Error::Proxy => MOSQ_ERR_PROXY,
        Error::MalformedUtf8 => MOSQ_ERR_MALFORMED_UTF8,
        Error::Keepalive => MOSQ_ERR_KEEPALIVE,
        Error::Lookup => MOSQ_ERR_LOOKUP,
        Error::MalformedPacket => MOSQ_ERR_MALFORMED_PACKET,
        Error::DuplicateProperty => MOSQ_ERR_DUPLICATE_PROPERTY,
        Error::TlsHandshake => MOSQ_ERR_TLS_HANDSHAKE,
        Error::QosNotSupported => MOSQ_ERR_QOS_NOT_SUPPORTED,
        Error::OversizePacket => MOSQ_ERR_OVERSIZE_PACKET,
        Error::Ocsp => MOSQ_ERR_OCSP,
        Error::Timeout => MOSQ_ERR_TIMEOUT,
        Error::RetainNotSupported => MOSQ_ERR_RETAIN_NOT_SUPPORTED,
        Error::TopicAliasInvalid => MOSQ_ERR_TOPIC_ALIAS_INVALID,
        Error::AdministrativeAction => MOSQ_ERR_ADMINISTRATIVE_ACTION,
        Error::AlreadyExists => MOSQ_ERR_ALREADY_EXISTS,
        Error::QueueFull => {
            return crate::ffi::culex::errors::culex_err_t::CULEX_ERR_QUEUE_FULL as c_int;
        }
    };
    code as c_int
}

/// An error as its `mosq_err_t` value, for `map_err` in functions that return
/// `Result<_, c_int>`.
pub(crate) fn code(error: Error) -> c_int {
    error_code(&error)
}

/// Set the calling thread's `errno`.
pub(crate) fn set_errno(value: c_int) {
    // SAFETY: __errno_location returns the calling thread's errno slot, always valid.
    unsafe { *libc::__errno_location() = value };
}
