//! `mqtt_protocol.h`: numbers of the MQTT wire protocol under the names libmosquitto 2.0 gives
//! them (packet types, CONNACK return codes, MQTT 5 reason codes, property identifiers and types,
//! subscription option bits).
//!
//! Only constants live here; nothing in this module is called. The header is generated from this
//! file alone (see `cbindgen-mqtt_protocol.toml`), and the `mod` line in `ffi/mod.rs` keeps these
//! items out of `mosquitto.h`. C enums may give one value several names, Rust enums may not, so
//! the second and third names of a value are plain constants (they become `#define`s).

use std::os::raw::c_int;

/// Protocol level byte of an MQTT 3.1 CONNECT.
pub const PROTOCOL_VERSION_v31: c_int = 3;

/// Protocol level byte of an MQTT 3.1.1 CONNECT.
pub const PROTOCOL_VERSION_v311: c_int = 4;

/// Protocol level byte of an MQTT 5.0 CONNECT.
pub const PROTOCOL_VERSION_v5: c_int = 5;

/// Fixed-header first byte (type in the high nibble) of CONNECT: client asks to connect.
pub const CMD_CONNECT: u32 = 0x10u32;

/// First byte of CONNACK: the broker's answer to CONNECT.
pub const CMD_CONNACK: u32 = 0x20u32;

/// First byte of PUBLISH (the low nibble carries DUP, QoS and RETAIN).
pub const CMD_PUBLISH: u32 = 0x30u32;

/// First byte of PUBACK: acknowledges a QoS 1 PUBLISH.
pub const CMD_PUBACK: u32 = 0x40u32;

/// First byte of PUBREC: first answer to a QoS 2 PUBLISH.
pub const CMD_PUBREC: u32 = 0x50u32;

/// First byte of PUBREL (without its mandatory 0x02 flags): second step of QoS 2.
pub const CMD_PUBREL: u32 = 0x60u32;

/// First byte of PUBCOMP: last step of QoS 2.
pub const CMD_PUBCOMP: u32 = 0x70u32;

/// First byte of SUBSCRIBE (without its mandatory 0x02 flags).
pub const CMD_SUBSCRIBE: u32 = 0x80u32;

/// First byte of SUBACK: the broker's answer to SUBSCRIBE.
pub const CMD_SUBACK: u32 = 0x90u32;

/// First byte of UNSUBSCRIBE (without its mandatory 0x02 flags).
pub const CMD_UNSUBSCRIBE: u32 = 0xA0u32;

/// First byte of UNSUBACK: the broker's answer to UNSUBSCRIBE.
pub const CMD_UNSUBACK: u32 = 0xB0u32;

/// First byte of PINGREQ: keepalive probe from the client.
pub const CMD_PINGREQ: u32 = 0xC0u32;

/// First byte of PINGRESP: the broker's answer to PINGREQ.
pub const CMD_PINGRESP: u32 = 0xD0u32;

/// First byte of DISCONNECT.
pub const CMD_DISCONNECT: u32 = 0xE0u32;

/// First byte of AUTH (MQTT 5 extended authentication).
pub const CMD_AUTH: u32 = 0xF0u32;

/// Not a packet type: a pseudo command that libmosquitto uses to tell the properties of a will
/// message apart from those of CONNECT when checking which properties are allowed where.
pub const CMD_WILL: c_int = 0x100;

/// Return codes of an MQTT 3.1 / 3.1.1 CONNACK.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mqtt311_connack_codes {
    /// The broker accepted the connection.
    CONNACK_ACCEPTED = 0,
    /// Refused: the broker does not speak the requested protocol level.
    CONNACK_REFUSED_PROTOCOL_VERSION = 1,
    /// Refused: the client identifier is not allowed.
    CONNACK_REFUSED_IDENTIFIER_REJECTED = 2,
    /// Refused: the MQTT service is not available.
    CONNACK_REFUSED_SERVER_UNAVAILABLE = 3,
    /// Refused: the username or password is malformed or wrong.
    CONNACK_REFUSED_BAD_USERNAME_PASSWORD = 4,
    /// Refused: the client is not allowed to connect.
    CONNACK_REFUSED_NOT_AUTHORIZED = 5,
}

/// MQTT 5 reason codes, as carried by CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK,
/// UNSUBACK, DISCONNECT and AUTH. Values from 128 up report a failure. 0 has two more names,
/// [`MQTT_RC_NORMAL_DISCONNECTION`] and [`MQTT_RC_GRANTED_QOS0`].
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mqtt5_return_codes {
    /// The operation succeeded.
    MQTT_RC_SUCCESS = 0,
    /// SUBACK: subscription accepted with maximum QoS 1.
    MQTT_RC_GRANTED_QOS1 = 1,
    /// SUBACK: subscription accepted with maximum QoS 2.
    MQTT_RC_GRANTED_QOS2 = 2,
    /// DISCONNECT: the client leaves but wants its will published anyway.
    MQTT_RC_DISCONNECT_WITH_WILL_MSG = 4,
    /// PUBACK/PUBREC: accepted, but nobody is subscribed to the topic.
    MQTT_RC_NO_MATCHING_SUBSCRIBERS = 16,
    /// UNSUBACK: there was no such subscription.
    MQTT_RC_NO_SUBSCRIPTION_EXISTED = 17,
    /// AUTH: another authentication step follows.
    MQTT_RC_CONTINUE_AUTHENTICATION = 24,
    /// AUTH: the client starts re-authentication.
    MQTT_RC_REAUTHENTICATE = 25,
    /// Failure without a more specific reason.
    MQTT_RC_UNSPECIFIED = 128,
    /// A packet could not be parsed.
    MQTT_RC_MALFORMED_PACKET = 129,
    /// A packet broke the protocol rules.
    MQTT_RC_PROTOCOL_ERROR = 130,
    /// Valid, but refused by this implementation.
    MQTT_RC_IMPLEMENTATION_SPECIFIC = 131,
    /// CONNACK: the broker does not support the requested protocol level.
    MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION = 132,
    /// CONNACK: the client identifier is not accepted.
    MQTT_RC_CLIENTID_NOT_VALID = 133,
    /// CONNACK: wrong username or password.
    MQTT_RC_BAD_USERNAME_OR_PASSWORD = 134,
    /// The client is not allowed to do this.
    MQTT_RC_NOT_AUTHORIZED = 135,
    /// CONNACK: the broker cannot serve clients now.
    MQTT_RC_SERVER_UNAVAILABLE = 136,
    /// The broker is too busy; try again later.
    MQTT_RC_SERVER_BUSY = 137,
    /// CONNACK: this client is banned.
    MQTT_RC_BANNED = 138,
    /// DISCONNECT: the broker is going down.
    MQTT_RC_SERVER_SHUTTING_DOWN = 139,
    /// The authentication method is unknown or not allowed.
    MQTT_RC_BAD_AUTHENTICATION_METHOD = 140,
    /// DISCONNECT: nothing arrived within one and a half keepalive periods.
    MQTT_RC_KEEP_ALIVE_TIMEOUT = 141,
    /// DISCONNECT: another connection with the same client identifier took over.
    MQTT_RC_SESSION_TAKEN_OVER = 142,
    /// The topic filter is well formed but not accepted.
    MQTT_RC_TOPIC_FILTER_INVALID = 143,
    /// The topic name is well formed but not accepted.
    MQTT_RC_TOPIC_NAME_INVALID = 144,
    /// The packet identifier is already in use.
    MQTT_RC_PACKET_ID_IN_USE = 145,
    /// The packet identifier is not known.
    MQTT_RC_PACKET_ID_NOT_FOUND = 146,
    /// DISCONNECT: more QoS 1/2 messages in flight than Receive Maximum allows.
    MQTT_RC_RECEIVE_MAXIMUM_EXCEEDED = 147,
    /// DISCONNECT: a topic alias was zero or above the announced maximum.
    MQTT_RC_TOPIC_ALIAS_INVALID = 148,
    /// A packet exceeded the maximum packet size.
    MQTT_RC_PACKET_TOO_LARGE = 149,
    /// DISCONNECT: messages arrive faster than allowed.
    MQTT_RC_MESSAGE_RATE_TOO_HIGH = 150,
    /// A quota set by the broker's administrator was exceeded.
    MQTT_RC_QUOTA_EXCEEDED = 151,
    /// DISCONNECT: closed by an administrator.
    MQTT_RC_ADMINISTRATIVE_ACTION = 152,
    /// The payload does not match its Payload Format Indicator.
    MQTT_RC_PAYLOAD_FORMAT_INVALID = 153,
    /// The broker does not keep retained messages.
    MQTT_RC_RETAIN_NOT_SUPPORTED = 154,
    /// The QoS asked for is above what the broker supports.
    MQTT_RC_QOS_NOT_SUPPORTED = 155,
    /// The client should connect to another broker for now.
    MQTT_RC_USE_ANOTHER_SERVER = 156,
    /// The client should connect to another broker from now on.
    MQTT_RC_SERVER_MOVED = 157,
    /// The broker does not offer shared subscriptions.
    MQTT_RC_SHARED_SUBS_NOT_SUPPORTED = 158,
    /// Too many connection attempts in too short a time.
    MQTT_RC_CONNECTION_RATE_EXCEEDED = 159,
    /// DISCONNECT: the connection was open for as long as it may be.
    MQTT_RC_MAXIMUM_CONNECT_TIME = 160,
    /// The broker does not offer subscription identifiers.
    MQTT_RC_SUBSCRIPTION_IDS_NOT_SUPPORTED = 161,
    /// The broker does not accept wildcards in subscriptions.
    MQTT_RC_WILDCARD_SUBS_NOT_SUPPORTED = 162,
}

/// DISCONNECT reason code 0: the connection ends normally (same value as `MQTT_RC_SUCCESS`).
pub const MQTT_RC_NORMAL_DISCONNECTION: c_int = 0;

/// SUBACK reason code 0: subscription accepted with maximum QoS 0 (same value as
/// `MQTT_RC_SUCCESS`).
pub const MQTT_RC_GRANTED_QOS0: c_int = 0;

/// MQTT 5 property identifiers. The comment of each names its wire data type.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mqtt5_property {
    /// Byte: 1 if the payload is UTF-8 text, 0 if unspecified bytes.
    MQTT_PROP_PAYLOAD_FORMAT_INDICATOR = 1,
    /// Four byte integer: lifetime of the message in seconds.
    MQTT_PROP_MESSAGE_EXPIRY_INTERVAL = 2,
    /// UTF-8 string: a description of the payload's content, e.g. a MIME type.
    MQTT_PROP_CONTENT_TYPE = 3,
    /// UTF-8 string: the topic a reply should be published to.
    MQTT_PROP_RESPONSE_TOPIC = 8,
    /// Binary data: lets a requester match a reply to its request.
    MQTT_PROP_CORRELATION_DATA = 9,
    /// Variable byte integer: the identifier of a subscription.
    MQTT_PROP_SUBSCRIPTION_IDENTIFIER = 11,
    /// Four byte integer: how long the broker keeps the session after the connection ends.
    MQTT_PROP_SESSION_EXPIRY_INTERVAL = 17,
    /// UTF-8 string: the client identifier the broker chose for the client.
    MQTT_PROP_ASSIGNED_CLIENT_IDENTIFIER = 18,
    /// Two byte integer: the keepalive the broker wants the client to use.
    MQTT_PROP_SERVER_KEEP_ALIVE = 19,
    /// UTF-8 string: name of the extended authentication method.
    MQTT_PROP_AUTHENTICATION_METHOD = 21,
    /// Binary data: data of the extended authentication exchange.
    MQTT_PROP_AUTHENTICATION_DATA = 22,
    /// Byte: whether the broker may send reason strings and user properties on failures.
    MQTT_PROP_REQUEST_PROBLEM_INFORMATION = 23,
    /// Four byte integer: seconds the broker waits before publishing the will.
    MQTT_PROP_WILL_DELAY_INTERVAL = 24,
    /// Byte: whether the client asks for Response Information in CONNACK.
    MQTT_PROP_REQUEST_RESPONSE_INFORMATION = 25,
    /// UTF-8 string: a basis for building response topics.
    MQTT_PROP_RESPONSE_INFORMATION = 26,
    /// UTF-8 string: another broker the client may use.
    MQTT_PROP_SERVER_REFERENCE = 28,
    /// UTF-8 string: human-readable text explaining a reason code.
    MQTT_PROP_REASON_STRING = 31,
    /// Two byte integer: most QoS 1/2 messages the sender of it accepts in flight at once.
    MQTT_PROP_RECEIVE_MAXIMUM = 33,
    /// Two byte integer: highest topic alias the sender of it accepts.
    MQTT_PROP_TOPIC_ALIAS_MAXIMUM = 34,
    /// Two byte integer: a number standing in for the topic of a PUBLISH.
    MQTT_PROP_TOPIC_ALIAS = 35,
    /// Byte: highest QoS the broker supports.
    MQTT_PROP_MAXIMUM_QOS = 36,
    /// Byte: whether the broker keeps retained messages.
    MQTT_PROP_RETAIN_AVAILABLE = 37,
    /// UTF-8 string pair: an application-defined name and value; may repeat.
    MQTT_PROP_USER_PROPERTY = 38,
    /// Four byte integer: largest packet the sender of it accepts, in bytes.
    MQTT_PROP_MAXIMUM_PACKET_SIZE = 39,
    /// Byte: whether the broker accepts wildcard subscriptions.
    MQTT_PROP_WILDCARD_SUB_AVAILABLE = 40,
    /// Byte: whether the broker accepts subscription identifiers.
    MQTT_PROP_SUBSCRIPTION_ID_AVAILABLE = 41,
    /// Byte: whether the broker accepts shared subscriptions.
    MQTT_PROP_SHARED_SUB_AVAILABLE = 42,
}

/// Wire data types of MQTT 5 property values.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mqtt5_property_type {
    /// One byte.
    MQTT_PROP_TYPE_BYTE = 1,
    /// Two byte big-endian integer.
    MQTT_PROP_TYPE_INT16 = 2,
    /// Four byte big-endian integer.
    MQTT_PROP_TYPE_INT32 = 3,
    /// Variable byte integer (1 to 4 bytes, 7 bits each).
    MQTT_PROP_TYPE_VARINT = 4,
    /// Length-prefixed bytes.
    MQTT_PROP_TYPE_BINARY = 5,
    /// Length-prefixed UTF-8 string.
    MQTT_PROP_TYPE_STRING = 6,
    /// Two length-prefixed UTF-8 strings: a name and a value.
    MQTT_PROP_TYPE_STRING_PAIR = 7,
}

/// Bits of the MQTT 5 subscription options byte, to OR into the `options` argument of
/// `mosquitto_subscribe_multiple` and friends. The retain handling values are a two-bit field:
/// pick one of them.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mqtt5_sub_options {
    /// Retain handling 0 (the default): the broker sends matching retained messages on every
    /// subscribe.
    MQTT_SUB_OPT_SEND_RETAIN_ALWAYS = 0x00,
    /// The broker does not send back messages this client published itself.
    MQTT_SUB_OPT_NO_LOCAL = 0x04,
    /// Messages keep the RETAIN flag they were published with, instead of it meaning "this
    /// message was stored before you subscribed".
    MQTT_SUB_OPT_RETAIN_AS_PUBLISHED = 0x08,
    /// Retain handling 1: retained messages are sent only if the subscription is new.
    MQTT_SUB_OPT_SEND_RETAIN_NEW = 0x10,
    /// Retain handling 2: retained messages are never sent for this subscription.
    MQTT_SUB_OPT_SEND_RETAIN_NEVER = 0x20,
}

/// Largest payload a PUBLISH can carry: the largest remaining length MQTT can encode
/// (2^28 - 1 bytes). The real limit is a little lower, as topic and header share that length.
pub const MQTT_MAX_PAYLOAD: u32 = 268435455u32;
