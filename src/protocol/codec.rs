//! Packet-level encode and decode: fixed header, dispatch to the packet families, size limits.

use super::{Packet, ProtocolVersion};

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

/// Why a packet could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodeError {
    /// The packet would exceed the largest remaining length MQTT allows.
    TooLarge,
    /// A field is invalid for this protocol version.
    Invalid(&'static str),
}

/// Decode one packet from the front of `buf`.
///
/// Returns `Ok(None)` when `buf` does not hold a whole packet yet, `Ok(Some((packet, used)))` with
/// the number of bytes consumed otherwise. The remaining length is checked against
/// `max_packet_size` before anything is allocated.
pub fn decode_packet(
    _buf: &[u8],
    _version: ProtocolVersion,
    _max_packet_size: u32,
) -> Result<Option<(Packet, usize)>, DecodeError> {
    unimplemented!()
}

impl Packet {
    /// Append the wire form of this packet to `out`.
    pub fn encode(&self, _version: ProtocolVersion, _out: &mut Vec<u8>) -> Result<(), EncodeError> {
        unimplemented!()
    }
}
