//! Packet-level encode and decode: fixed header, dispatch to the packet families, size limits.
//!
//! Owns the fixed header (type, flags, remaining length), the maximum-packet-size check that runs
//! before anything is allocated or waited for, and the dispatch to one module per packet family.
//! It never buffers: [`decode_packet`] looks at the caller's bytes and says how many it used;
//! [`Packet::encode`] appends to the caller's buffer without building a temporary body.

use std::fmt;

use super::properties::PropertyContext;
use super::wire::Reader;
use super::{
    decode_varint, encode_varint, varint_len, Ack, AckKind, Auth, ConnAck, Connect, Disconnect,
    Packet, PacketType, ProtocolVersion, Publish, ReasonCode, SubAck, Subscribe, UnsubAck,
    Unsubscribe, MAX_REMAINING_LENGTH,
};

/// Why bytes could not be decoded into a packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The bytes break the packet grammar (bad varint, truncated body, reserved flags, …).
    Malformed(&'static str),
    /// The bytes are well formed but break a protocol rule.
    Protocol(&'static str),
    /// A string is not valid MQTT UTF-8.
    MalformedUtf8,
    /// A property that may appear once appeared twice.
    DuplicateProperty,
    /// The packet is larger than the maximum accepted.
    TooLarge { size: u64, max: u32 },
}

impl DecodeError {
    /// The MQTT 5 reason code a DISCONNECT (or CONNACK) should carry for this error:
    /// 0x81 Malformed Packet, 0x82 Protocol Error or 0x95 Packet Too Large.
    pub fn reason_code(&self) -> ReasonCode {
        match self {
            DecodeError::Malformed(_) | DecodeError::MalformedUtf8 => ReasonCode::MALFORMED_PACKET,
            DecodeError::Protocol(_) | DecodeError::DuplicateProperty => ReasonCode::PROTOCOL_ERROR,
            DecodeError::TooLarge { .. } => ReasonCode::PACKET_TOO_LARGE,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Malformed(why) => write!(f, "malformed packet: {why}"),
            DecodeError::Protocol(why) => write!(f, "protocol error: {why}"),
            DecodeError::MalformedUtf8 => f.write_str("malformed packet: invalid UTF-8 string"),
            DecodeError::DuplicateProperty => f.write_str("protocol error: duplicate property"),
            DecodeError::TooLarge { size, max } => {
                write!(f, "packet of {size} bytes exceeds the maximum of {max}")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// Why a packet could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodeError {
    /// The packet would exceed the largest remaining length MQTT allows.
    TooLarge,
    /// A field is invalid for this protocol version.
    Invalid(&'static str),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::TooLarge => {
                f.write_str("packet exceeds the MQTT maximum remaining length")
            }
            EncodeError::Invalid(why) => write!(f, "cannot encode packet: {why}"),
        }
    }
}

impl std::error::Error for EncodeError {}

impl PacketType {
    /// The packet type for the upper four bits of a fixed header (1..=15).
    pub fn from_u8(value: u8) -> Option<PacketType> {
        use PacketType::*;
        Some(match value {
            1 => Connect,
            2 => ConnAck,
            3 => Publish,
            4 => PubAck,
            5 => PubRec,
            6 => PubRel,
            7 => PubComp,
            8 => Subscribe,
            9 => SubAck,
            10 => Unsubscribe,
            11 => UnsubAck,
            12 => PingReq,
            13 => PingResp,
            14 => Disconnect,
            15 => Auth,
            _ => return None,
        })
    }

    /// The fixed header flags every packet of this type must carry (PUBLISH: none fixed).
    fn required_flags(self) -> Option<u8> {
        match self {
            PacketType::Publish => None,
            PacketType::PubRel | PacketType::Subscribe | PacketType::Unsubscribe => Some(0b0010),
            _ => Some(0),
        }
    }
}

/// Decode one packet from the front of `buf`.
///
/// Returns `Ok(None)` when `buf` does not hold a whole packet yet, `Ok(Some((packet, used)))` with
/// the number of bytes consumed otherwise. The remaining length is checked against
/// `max_packet_size` (the whole packet: fixed header plus remaining length) as soon as the fixed
/// header is readable, before anything is allocated or more bytes are waited for. Malformed
/// fixed headers (reserved type, wrong flags, a remaining length longer than 4 bytes) are rejected
/// as soon as the offending byte is present.
///
/// `max_packet_size` is taken literally (pass `u32::MAX` for no limit beyond MQTT's own).
/// CONNECT is decoded in the protocol version it names itself; `version` governs every other packet.
pub fn decode_packet(
    buf: &[u8],
    version: ProtocolVersion,
    max_packet_size: u32,
) -> Result<Option<(Packet, usize)>, DecodeError> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    let packet_type =
        PacketType::from_u8(first >> 4).ok_or(DecodeError::Malformed("reserved packet type 0"))?;
    let flags = first & 0x0F;
    check_header_flags(packet_type, flags, version)?;
    let Some((remaining, varint_used)) = decode_varint(&buf[1..])? else {
        return Ok(None);
    };
    let header_len = 1 + varint_used;
    let total = header_len as u64 + u64::from(remaining);
    if total > u64::from(max_packet_size) {
        return Err(DecodeError::TooLarge {
            size: total,
            max: max_packet_size,
        });
    }
    let total = total as usize;
    if buf.len() < total {
        return Ok(None);
    }
    let body = &buf[header_len..total];
    let packet = decode_body(packet_type, flags, body, version)?;
    Ok(Some((packet, total)))
}

fn check_header_flags(
    packet_type: PacketType,
    flags: u8,
    version: ProtocolVersion,
) -> Result<(), DecodeError> {
    if packet_type == PacketType::Auth && !version.is_v5() {
        return Err(DecodeError::Protocol("AUTH packet in MQTT 3.1.x"));
    }
    match packet_type.required_flags() {
        Some(required) if flags != required => {
            Err(DecodeError::Malformed("invalid fixed header flags"))
        }
        Some(_) => Ok(()),
        None => {
            let qos = (flags >> 1) & 0b11;
            if qos == 3 {
                return Err(DecodeError::Malformed("PUBLISH with QoS 3"));
            }
            if qos == 0 && flags & 0b1000 != 0 {
                return Err(DecodeError::Malformed("QoS 0 PUBLISH with DUP set"));
            }
            Ok(())
        }
    }
}

fn decode_body(
    packet_type: PacketType,
    flags: u8,
    body: &[u8],
    version: ProtocolVersion,
) -> Result<Packet, DecodeError> {
    Ok(match packet_type {
        PacketType::Connect => Packet::Connect(Connect::decode(body)?),
        PacketType::ConnAck => Packet::ConnAck(ConnAck::decode(body, version)?),
        PacketType::Publish => Packet::Publish(Publish::decode(flags, body, version)?),
        PacketType::PubAck => Packet::Ack(Ack::decode(AckKind::PubAck, body, version)?),
        PacketType::PubRec => Packet::Ack(Ack::decode(AckKind::PubRec, body, version)?),
        PacketType::PubRel => Packet::Ack(Ack::decode(AckKind::PubRel, body, version)?),
        PacketType::PubComp => Packet::Ack(Ack::decode(AckKind::PubComp, body, version)?),
        PacketType::Subscribe => Packet::Subscribe(Subscribe::decode(body, version)?),
        PacketType::SubAck => Packet::SubAck(SubAck::decode(body, version)?),
        PacketType::Unsubscribe => Packet::Unsubscribe(Unsubscribe::decode(body, version)?),
        PacketType::UnsubAck => Packet::UnsubAck(UnsubAck::decode(body, version)?),
        PacketType::PingReq | PacketType::PingResp => {
            Reader::new(body).finish()?;
            if packet_type == PacketType::PingReq {
                Packet::PingReq
            } else {
                Packet::PingResp
            }
        }
        PacketType::Disconnect => Packet::Disconnect(Disconnect::decode(body, version)?),
        PacketType::Auth => Packet::Auth(Auth::decode(body)?),
    })
}

/// Wire size of a whole packet whose body is `remaining` bytes.
pub(crate) fn packet_len(remaining: usize) -> usize {
    let varint = if remaining > MAX_REMAINING_LENGTH as usize {
        4
    } else {
        varint_len(remaining as u32)
    };
    1 + varint + remaining
}

/// Append a fixed header, refusing bodies larger than MQTT can express.
pub(crate) fn put_fixed_header(
    out: &mut Vec<u8>,
    first_byte: u8,
    remaining: usize,
) -> Result<(), EncodeError> {
    if remaining > MAX_REMAINING_LENGTH as usize {
        return Err(EncodeError::TooLarge);
    }
    out.reserve(packet_len(remaining));
    out.push(first_byte);
    encode_varint(remaining as u32, out);
    Ok(())
}

/// Check properties for `context` when the version carries them.
pub(crate) fn validate_properties(
    properties: &super::Properties,
    context: PropertyContext,
    version: ProtocolVersion,
) -> Result<(), EncodeError> {
    if version.is_v5() {
        properties.validate(context)
    } else {
        Ok(())
    }
}

impl Packet {
    /// The fixed header packet type of this packet.
    pub fn packet_type(&self) -> PacketType {
        match self {
            Packet::Connect(_) => PacketType::Connect,
            Packet::ConnAck(_) => PacketType::ConnAck,
            Packet::Publish(_) => PacketType::Publish,
            Packet::Ack(ack) => ack.kind.packet_type(),
            Packet::Subscribe(_) => PacketType::Subscribe,
            Packet::SubAck(_) => PacketType::SubAck,
            Packet::Unsubscribe(_) => PacketType::Unsubscribe,
            Packet::UnsubAck(_) => PacketType::UnsubAck,
            Packet::PingReq => PacketType::PingReq,
            Packet::PingResp => PacketType::PingResp,
            Packet::Disconnect(_) => PacketType::Disconnect,
            Packet::Auth(_) => PacketType::Auth,
        }
    }

    /// Append the wire form of this packet to `out`.
    ///
    /// On error nothing is appended. Properties and MQTT 5 reason codes are not written for
    /// 3.1/3.1.1 (except the CONNACK return code); see each packet's `encode` for its rules.
    pub fn encode(&self, version: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Packet::Connect(p) => p.encode(version, out),
            Packet::ConnAck(p) => p.encode(version, out),
            Packet::Publish(p) => p.encode(version, out),
            Packet::Ack(p) => p.encode(version, out),
            Packet::Subscribe(p) => p.encode(version, out),
            Packet::SubAck(p) => p.encode(version, out),
            Packet::Unsubscribe(p) => p.encode(version, out),
            Packet::UnsubAck(p) => p.encode(version, out),
            Packet::PingReq => put_fixed_header(out, 0xC0, 0),
            Packet::PingResp => put_fixed_header(out, 0xD0, 0),
            Packet::Disconnect(p) => p.encode(version, out),
            Packet::Auth(p) => p.encode(version, out),
        }
    }

    /// The number of bytes [`Packet::encode`] appends for this packet in `version`.
    pub fn encoded_len(&self, version: ProtocolVersion) -> usize {
        match self {
            Packet::Connect(p) => p.encoded_len(version),
            Packet::ConnAck(p) => p.encoded_len(version),
            Packet::Publish(p) => p.encoded_len(version),
            Packet::Ack(p) => p.encoded_len(version),
            Packet::Subscribe(p) => p.encoded_len(version),
            Packet::SubAck(p) => p.encoded_len(version),
            Packet::Unsubscribe(p) => p.encoded_len(version),
            Packet::UnsubAck(p) => p.encoded_len(version),
            Packet::PingReq | Packet::PingResp => 2,
            Packet::Disconnect(p) => p.encoded_len(version),
            Packet::Auth(p) => p.encoded_len(version),
        }
    }
}
