//! PUBACK, PUBREC, PUBREL and PUBCOMP: the QoS 1 and QoS 2 acknowledgements, which share one shape.
//!
//! Owns their wire form in every version: 3.1.x carries only the packet identifier; MQTT 5 adds a
//! reason code and properties, both of which may be left out (the short forms) when they are
//! success and empty. It does not judge which reason codes suit which acknowledgement.

use super::codec::{packet_len, put_fixed_header, validate_properties};
use super::properties::PropertyContext;
use super::wire::{put_u16, Reader};
use super::{DecodeError, EncodeError, PacketId, PacketType, Properties, ProtocolVersion};

/// Which of the four acknowledgement packets an [`Ack`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AckKind {
    PubAck,
    PubRec,
    PubRel,
    PubComp,
}

impl AckKind {
    /// The fixed header packet type.
    pub fn packet_type(self) -> PacketType {
        match self {
            AckKind::PubAck => PacketType::PubAck,
            AckKind::PubRec => PacketType::PubRec,
            AckKind::PubRel => PacketType::PubRel,
            AckKind::PubComp => PacketType::PubComp,
        }
    }

    /// The first fixed header byte (PUBREL carries flags 0b0010).
    pub fn fixed_header_byte(self) -> u8 {
        match self {
            AckKind::PubAck => 0x40,
            AckKind::PubRec => 0x50,
            AckKind::PubRel => 0x62,
            AckKind::PubComp => 0x70,
        }
    }

    /// Where this acknowledgement's properties sit.
    pub fn property_context(self) -> PropertyContext {
        match self {
            AckKind::PubAck => PropertyContext::PubAck,
            AckKind::PubRec => PropertyContext::PubRec,
            AckKind::PubRel => PropertyContext::PubRel,
            AckKind::PubComp => PropertyContext::PubComp,
        }
    }
}

/// A PUBACK, PUBREC, PUBREL or PUBCOMP packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub kind: AckKind,
    pub packet_id: PacketId,
    /// Reason code (MQTT 5; always 0 = success for 3.1/3.1.1).
    pub reason_code: u8,
    /// Properties (MQTT 5 only; empty otherwise).
    pub properties: Properties,
}

impl Ack {
    /// A successful acknowledgement without properties.
    pub fn new(kind: AckKind, packet_id: PacketId) -> Ack {
        Ack {
            kind,
            packet_id,
            reason_code: 0,
            properties: Properties::new(),
        }
    }

    /// The remaining length in `version`, using the shortest form MQTT 5 allows.
    pub fn remaining_len(&self, version: ProtocolVersion) -> usize {
        if !version.is_v5() || (self.reason_code == 0 && self.properties.is_empty()) {
            2
        } else if self.properties.is_empty() {
            3
        } else {
            3 + self.properties.encoded_len()
        }
    }

    /// The number of bytes [`Ack::encode`] appends.
    pub fn encoded_len(&self, version: ProtocolVersion) -> usize {
        packet_len(self.remaining_len(version))
    }

    /// Append this acknowledgement to `out` (nothing on error). For 3.1.x the reason code and
    /// properties are not written.
    pub fn encode(&self, version: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if self.packet_id == 0 {
            return Err(EncodeError::Invalid(
                "acknowledgement with packet identifier 0",
            ));
        }
        validate_properties(&self.properties, self.kind.property_context(), version)?;
        let remaining = self.remaining_len(version);
        put_fixed_header(out, self.kind.fixed_header_byte(), remaining)?;
        put_u16(out, self.packet_id);
        if remaining > 2 {
            out.push(self.reason_code);
            if remaining > 3 {
                self.properties.encode(out);
            }
        }
        Ok(())
    }

    /// Decode an acknowledgement body of `kind`.
    pub(crate) fn decode(
        kind: AckKind,
        body: &[u8],
        version: ProtocolVersion,
    ) -> Result<Ack, DecodeError> {
        let mut r = Reader::new(body);
        let packet_id = r.u16()?;
        if packet_id == 0 {
            return Err(DecodeError::Protocol(
                "acknowledgement with packet identifier 0",
            ));
        }
        let mut ack = Ack::new(kind, packet_id);
        if version.is_v5() && !r.is_empty() {
            ack.reason_code = r.u8()?;
            if !r.is_empty() {
                ack.properties = Properties::decode(&mut r, kind.property_context())?;
            }
        }
        r.finish()?;
        Ok(ack)
    }
}
