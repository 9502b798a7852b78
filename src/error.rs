//! The one error type shared by every floor below `ffi/`.
//!
//! Variants carry libmosquitto's meanings (one variant per `MOSQ_ERR_*` that the library can
//! return), so the FFI layer maps them to error numbers without losing information. This module owns
//! no numbers: the ABI values live in `ffi/`.

use std::fmt;

/// Why an operation failed. Each variant corresponds to one libmosquitto `MOSQ_ERR_*` code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Out of memory.
    NoMem,
    /// The peer broke the protocol (or a packet would break it).
    Protocol,
    /// An argument was invalid.
    Inval,
    /// Not connected to a broker.
    NoConn,
    /// The broker refused the connection (CONNACK return/reason code attached).
    ConnRefused(u8),
    /// Something asked for was not found.
    NotFound,
    /// The connection was lost.
    ConnLost,
    /// A TLS error.
    Tls,
    /// A payload is too large.
    PayloadSize,
    /// The operation is not supported (by this build or by the negotiated protocol).
    NotSupported,
    /// Authentication failed.
    Auth,
    /// Access denied by the broker.
    AclDenied,
    /// An unknown or internal error.
    Unknown,
    /// A system call failed; the `errno` value is attached.
    Errno(i32),
    /// A DNS lookup failed (getaddrinfo error code attached).
    Eai(i32),
    /// A proxy error.
    Proxy,
    /// A string is not valid MQTT UTF-8.
    MalformedUtf8,
    /// The broker did not answer within the keepalive interval.
    Keepalive,
    /// A DNS lookup failed.
    Lookup,
    /// A packet was malformed.
    MalformedPacket,
    /// A property that may appear once appeared twice.
    DuplicateProperty,
    /// The TLS handshake failed.
    TlsHandshake,
    /// The QoS asked for is above what the broker supports.
    QosNotSupported,
    /// A packet is larger than the peer accepts.
    OversizePacket,
    /// OCSP stapling failed.
    Ocsp,
    /// An operation timed out.
    Timeout,
    /// The broker does not support retained messages.
    RetainNotSupported,
    /// An invalid topic alias.
    TopicAliasInvalid,
    /// The broker disconnected us by administrative action.
    AdministrativeAction,
    /// Something already exists.
    AlreadyExists,
    /// Culex: the outgoing queue is full (its message or byte limit); nothing was queued.
    QueueFull,
}

impl Error {
    /// The error of the last failed system call, as `Error::Errno`.
    pub fn last_os_error() -> Error {
        Error::from(std::io::Error::last_os_error())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        if e.kind() == std::io::ErrorKind::ConnectionReset {
            // libmosquitto's reading: a reset connection is a lost one, not a system error.
            return Error::ConnLost;
        }
        match e.raw_os_error() {
            Some(code) => Error::Errno(code),
            None => match e.kind() {
                std::io::ErrorKind::UnexpectedEof => Error::ConnLost,
                std::io::ErrorKind::TimedOut => Error::Timeout,
                std::io::ErrorKind::OutOfMemory => Error::NoMem,
                _ => Error::Unknown,
            },
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoMem => f.write_str("out of memory"),
            Error::Protocol => f.write_str("protocol error"),
            Error::Inval => f.write_str("invalid argument"),
            Error::NoConn => f.write_str("not connected"),
            Error::ConnRefused(code) => write!(f, "connection refused (code {code})"),
            Error::NotFound => f.write_str("not found"),
            Error::ConnLost => f.write_str("connection lost"),
            Error::Tls => f.write_str("TLS error"),
            Error::PayloadSize => f.write_str("payload too large"),
            Error::NotSupported => f.write_str("not supported"),
            Error::Auth => f.write_str("authorisation failed"),
            Error::AclDenied => f.write_str("access denied"),
            Error::Unknown => f.write_str("unknown error"),
            Error::Errno(code) => write!(f, "{}", std::io::Error::from_raw_os_error(*code)),
            Error::Eai(code) => write!(f, "lookup error {code}"),
            Error::Proxy => f.write_str("proxy error"),
            Error::MalformedUtf8 => f.write_str("malformed UTF-8"),
            Error::Keepalive => f.write_str("keepalive timeout"),
            Error::Lookup => f.write_str("lookup error"),
            Error::MalformedPacket => f.write_str("malformed packet"),
            Error::DuplicateProperty => f.write_str("duplicate property"),
            Error::TlsHandshake => f.write_str("TLS handshake failed"),
            Error::QosNotSupported => f.write_str("QoS not supported"),
            Error::OversizePacket => f.write_str("packet too large"),
            Error::Ocsp => f.write_str("OCSP error"),
            Error::Timeout => f.write_str("timeout"),
            Error::RetainNotSupported => f.write_str("retain not supported"),
            Error::TopicAliasInvalid => f.write_str("invalid topic alias"),
            Error::AdministrativeAction => f.write_str("administrative action"),
            Error::AlreadyExists => f.write_str("already exists"),
            Error::QueueFull => f.write_str("outgoing queue full"),
        }
    }
}

impl std::error::Error for Error {}
