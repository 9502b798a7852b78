//! Reason codes of MQTT 5 (and the return codes of 3.1.x CONNACK).
//!
//! Owns the numbers and their short English descriptions, in one table ([`reason_codes!`] below:
//! each code once, with its names and its text); it decides nothing about which packet may carry
//! which code (the session does).

use std::ffi::CStr;
use std::fmt;

/// An MQTT 5 reason code (also used for the 3.1.x CONNACK return code and SUBACK codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReasonCode(pub u8);

/// The MQTT 5 reason code table (MQTT 5.0 section 2.4): per code its value, its description and
/// the names it goes by in different packets. Generates the named constants and
/// [`ReasonCode::description`] / [`ReasonCode::description_c`], so the texts exist once.
macro_rules! reason_codes {
    ($($value:literal $text:literal { $($(#[$doc:meta])* $name:ident,)+ })*) => {
        impl ReasonCode {
            $($(
                $(#[$doc])*
                pub const $name: ReasonCode = ReasonCode($value);
            )+)*

            /// A short English description of an MQTT 5 reason code ("Unknown reason" if
            /// unassigned). Codes below 0x80 that mean different things in different packets get
            /// a combined text.
            pub fn description(self) -> &'static str {
                match self.0 {
                    $($value => $text,)*
                    _ => "Unknown reason",
                }
            }

            /// [`ReasonCode::description`] as a NUL-terminated string (the same text), for
            /// callers that hand it on as one.
            pub fn description_c(self) -> &'static CStr {
                match self.0 {
                    $($value => const { nul_terminated(concat!($text, "\0")) },)*
                    _ => c"Unknown reason",
                }
            }
        }
    };
}

/// A string literal ending in NUL as a `CStr` (checked when the constant is built).
const fn nul_terminated(text: &'static str) -> &'static CStr {
    match CStr::from_bytes_with_nul(text.as_bytes()) {
        Ok(text) => text,
        Err(_) => panic!("a reason code text holds a NUL byte"),
    }
}

reason_codes! {
    0x00 "Success" {
        /// 0x00: success (CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK, AUTH).
        SUCCESS,
        /// 0x00: normal disconnection (DISCONNECT).
        NORMAL_DISCONNECTION,
        /// 0x00: granted QoS 0 (SUBACK).
        GRANTED_QOS_0,
    }
    0x01 "Granted QoS 1" {
        /// 0x01: granted QoS 1 (SUBACK).
        GRANTED_QOS_1,
    }
    0x02 "Granted QoS 2" {
        /// 0x02: granted QoS 2 (SUBACK).
        GRANTED_QOS_2,
    }
    0x04 "Disconnect with Will Message" {
        /// 0x04: disconnect with will message (DISCONNECT).
        DISCONNECT_WITH_WILL_MESSAGE,
    }
    0x10 "No matching subscribers" {
        /// 0x10: no matching subscribers (PUBACK, PUBREC).
        NO_MATCHING_SUBSCRIBERS,
    }
    0x11 "No subscription existed" {
        /// 0x11: no subscription existed (UNSUBACK).
        NO_SUBSCRIPTION_EXISTED,
    }
    0x18 "Continue authentication" {
        /// 0x18: continue authentication (AUTH).
        CONTINUE_AUTHENTICATION,
    }
    0x19 "Re-authenticate" {
        /// 0x19: re-authenticate (AUTH).
        RE_AUTHENTICATE,
    }
    0x80 "Unspecified error" {
        /// 0x80: unspecified error.
        UNSPECIFIED_ERROR,
    }
    0x81 "Malformed Packet" {
        /// 0x81: malformed packet.
        MALFORMED_PACKET,
    }
    0x82 "Protocol Error" {
        /// 0x82: protocol error.
        PROTOCOL_ERROR,
    }
    0x83 "Implementation specific error" {
        /// 0x83: implementation specific error.
        IMPLEMENTATION_SPECIFIC_ERROR,
    }
    0x84 "Unsupported Protocol Version" {
        /// 0x84: unsupported protocol version (CONNACK).
        UNSUPPORTED_PROTOCOL_VERSION,
    }
    0x85 "Client Identifier not valid" {
        /// 0x85: client identifier not valid (CONNACK).
        CLIENT_IDENTIFIER_NOT_VALID,
    }
    0x86 "Bad User Name or Password" {
        /// 0x86: bad user name or password (CONNACK).
        BAD_USER_NAME_OR_PASSWORD,
    }
    0x87 "Not authorized" {
        /// 0x87: not authorized.
        NOT_AUTHORIZED,
    }
    0x88 "Server unavailable" {
        /// 0x88: server unavailable (CONNACK).
        SERVER_UNAVAILABLE,
    }
    0x89 "Server busy" {
        /// 0x89: server busy.
        SERVER_BUSY,
    }
    0x8A "Banned" {
        /// 0x8A: banned (CONNACK).
        BANNED,
    }
    0x8B "Server shutting down" {
        /// 0x8B: server shutting down (DISCONNECT).
        SERVER_SHUTTING_DOWN,
    }
    0x8C "Bad authentication method" {
        /// 0x8C: bad authentication method.
        BAD_AUTHENTICATION_METHOD,
    }
    0x8D "Keep Alive timeout" {
        /// 0x8D: keep alive timeout (DISCONNECT).
        KEEP_ALIVE_TIMEOUT,
    }
    0x8E "Session taken over" {
        /// 0x8E: session taken over (DISCONNECT).
        SESSION_TAKEN_OVER,
    }
    0x8F "Topic Filter invalid" {
        /// 0x8F: topic filter invalid.
        TOPIC_FILTER_INVALID,
    }
    0x90 "Topic Name invalid" {
        /// 0x90: topic name invalid.
        TOPIC_NAME_INVALID,
    }
    0x91 "Packet Identifier in use" {
        /// 0x91: packet identifier in use.
        PACKET_IDENTIFIER_IN_USE,
    }
    0x92 "Packet Identifier not found" {
        /// 0x92: packet identifier not found.
        PACKET_IDENTIFIER_NOT_FOUND,
    }
    0x93 "Receive Maximum exceeded" {
        /// 0x93: receive maximum exceeded.
        RECEIVE_MAXIMUM_EXCEEDED,
    }
    0x94 "Topic Alias invalid" {
        /// 0x94: topic alias invalid.
        TOPIC_ALIAS_INVALID,
    }
    0x95 "Packet too large" {
        /// 0x95: packet too large.
        PACKET_TOO_LARGE,
    }
    0x96 "Message rate too high" {
        /// 0x96: message rate too high.
        MESSAGE_RATE_TOO_HIGH,
    }
    0x97 "Quota exceeded" {
        /// 0x97: quota exceeded.
        QUOTA_EXCEEDED,
    }
    0x98 "Administrative action" {
        /// 0x98: administrative action.
        ADMINISTRATIVE_ACTION,
    }
    0x99 "Payload format invalid" {
        /// 0x99: payload format invalid.
        PAYLOAD_FORMAT_INVALID,
    }
    0x9A "Retain not supported" {
        /// 0x9A: retain not supported.
        RETAIN_NOT_SUPPORTED,
    }
    0x9B "QoS not supported" {
        /// 0x9B: QoS not supported.
        QOS_NOT_SUPPORTED,
    }
    0x9C "Use another server" {
        /// 0x9C: use another server.
        USE_ANOTHER_SERVER,
    }
    0x9D "Server moved" {
        /// 0x9D: server moved.
        SERVER_MOVED,
    }
    0x9E "Shared Subscriptions not supported" {
        /// 0x9E: shared subscriptions not supported.
        SHARED_SUBSCRIPTIONS_NOT_SUPPORTED,
    }
    0x9F "Connection rate exceeded" {
        /// 0x9F: connection rate exceeded.
        CONNECTION_RATE_EXCEEDED,
    }
    0xA0 "Maximum connect time" {
        /// 0xA0: maximum connect time (DISCONNECT).
        MAXIMUM_CONNECT_TIME,
    }
    0xA1 "Subscription Identifiers not supported" {
        /// 0xA1: subscription identifiers not supported.
        SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED,
    }
    0xA2 "Wildcard Subscriptions not supported" {
        /// 0xA2: wildcard subscriptions not supported.
        WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED,
    }
}

impl ReasonCode {
    /// MQTT 3.1.x CONNACK return code 0: connection accepted.
    pub const CONNACK_ACCEPTED: ReasonCode = ReasonCode(0);
    /// MQTT 3.1.x CONNACK return code 1: unacceptable protocol version.
    pub const CONNACK_REFUSED_PROTOCOL_VERSION: ReasonCode = ReasonCode(1);
    /// MQTT 3.1.x CONNACK return code 2: identifier rejected.
    pub const CONNACK_REFUSED_IDENTIFIER_REJECTED: ReasonCode = ReasonCode(2);
    /// MQTT 3.1.x CONNACK return code 3: server unavailable.
    pub const CONNACK_REFUSED_SERVER_UNAVAILABLE: ReasonCode = ReasonCode(3);
    /// MQTT 3.1.x CONNACK return code 4: bad user name or password.
    pub const CONNACK_REFUSED_BAD_USERNAME_PASSWORD: ReasonCode = ReasonCode(4);
    /// MQTT 3.1.x CONNACK return code 5: not authorized.
    pub const CONNACK_REFUSED_NOT_AUTHORIZED: ReasonCode = ReasonCode(5);
    /// MQTT 3.1.1 SUBACK return code 0x80: subscription failed.
    pub const SUBACK_FAILURE: ReasonCode = ReasonCode(0x80);

    /// Whether the code reports a failure (0x80 and above).
    pub fn is_error(self) -> bool {
        self.0 >= 0x80
    }
}

impl From<u8> for ReasonCode {
    fn from(value: u8) -> Self {
        ReasonCode(value)
    }
}

impl From<ReasonCode> for u8 {
    fn from(code: ReasonCode) -> Self {
        code.0
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (0x{:02X})", self.description(), self.0)
    }
}
