//! The MQTT codec: packets, properties, reason codes, topics and the UTF-8 rules of the spec.
//!
//! This floor is pure: it turns bytes into [`Packet`]s and back for MQTT 3.1, 3.1.1 and 5.0 (one
//! codec with a [`ProtocolVersion`] parameter). It owns no sockets, no threads, no clock and no
//! `unsafe`, and must never import from `session`, `driver`, `net` or `ffi`.
//!
//! Entry points: [`decode_packet`] (bounded by a maximum packet size before anything is allocated)
//! and [`Packet::encode`] (which appends to a caller-owned buffer).

#![forbid(unsafe_code)]

mod ack;
mod auth;
mod codec;
mod connack;
mod connect;
mod disconnect;
mod properties;
mod publish;
mod reason;
mod subscribe;
pub mod topic;
mod unsubscribe;
pub mod utf8;
mod varint;
mod wire;

pub use ack::{Ack, AckKind};
pub use auth::Auth;
pub use codec::{decode_packet, DecodeError, EncodeError};
pub use connack::ConnAck;
pub use connect::{Connect, Will};
pub use disconnect::Disconnect;
pub use properties::{
    Properties, Property, PropertyContext, PropertyId, PropertyType, PropertyValue,
};
pub use publish::Publish;
pub(crate) use publish::PublishParts;
pub use reason::ReasonCode;
pub use subscribe::{RetainHandling, SubAck, Subscribe, SubscribeFilter, SubscriptionOptions};
pub use unsubscribe::{UnsubAck, Unsubscribe};
pub use utf8::{validate_bytes, validate_str, Utf8Error};
pub use varint::{decode_varint, encode_varint, varint_len, MAX_VARINT};

/// The largest remaining length MQTT can express (and so the largest packet body).
pub const MAX_REMAINING_LENGTH: u32 = 268_435_455;

/// The MQTT protocol version spoken on a connection (the CONNECT "protocol level").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtocolVersion {
    /// MQTT 3.1 ("MQIsdp", level 3).
    V31 = 3,
    /// MQTT 3.1.1 ("MQTT", level 4).
    V311 = 4,
    /// MQTT 5.0 ("MQTT", level 5).
    V5 = 5,
}

impl ProtocolVersion {
    /// The protocol level byte of CONNECT.
    pub fn level(self) -> u8 {
        self as u8
    }

    /// The version for a protocol level byte, if known.
    pub fn from_level(level: u8) -> Option<ProtocolVersion> {
        match level {
            3 => Some(ProtocolVersion::V31),
            4 => Some(ProtocolVersion::V311),
            5 => Some(ProtocolVersion::V5),
            _ => None,
        }
    }

    /// Whether packets carry properties and reason codes (MQTT 5).
    pub fn is_v5(self) -> bool {
        self == ProtocolVersion::V5
    }
}

/// Quality of service of a PUBLISH or a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum QoS {
    /// At most once (0).
    AtMostOnce = 0,
    /// At least once (1).
    AtLeastOnce = 1,
    /// Exactly once (2).
    ExactlyOnce = 2,
}

impl QoS {
    /// The QoS for 0, 1 or 2.
    pub fn from_u8(value: u8) -> Option<QoS> {
        match value {
            0 => Some(QoS::AtMostOnce),
            1 => Some(QoS::AtLeastOnce),
            2 => Some(QoS::ExactlyOnce),
            _ => None,
        }
    }

    /// The numeric QoS.
    pub fn as_u8(self) -> u8 {
        self as u8
    }
}

/// A packet identifier (never 0 on the wire).
pub type PacketId = u16;

/// The control packet types of the fixed header (upper four bits of the first byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketType {
    Connect = 1,
    ConnAck = 2,
    Publish = 3,
    PubAck = 4,
    PubRec = 5,
    PubRel = 6,
    PubComp = 7,
    Subscribe = 8,
    SubAck = 9,
    Unsubscribe = 10,
    UnsubAck = 11,
    PingReq = 12,
    PingResp = 13,
    Disconnect = 14,
    Auth = 15,
}

/// One MQTT control packet, in any protocol version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    Connect(Connect),
    ConnAck(ConnAck),
    Publish(Publish),
    /// PUBACK, PUBREC, PUBREL or PUBCOMP (see [`Ack::kind`]).
    Ack(Ack),
    Subscribe(Subscribe),
    SubAck(SubAck),
    Unsubscribe(Unsubscribe),
    UnsubAck(UnsubAck),
    PingReq,
    PingResp,
    Disconnect(Disconnect),
    Auth(Auth),
}
