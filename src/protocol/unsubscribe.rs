//! UNSUBSCRIBE and UNSUBACK.
//!
//! Owns their wire form: packet identifier, MQTT 5 properties, the filter list, and UNSUBACK's
//! reason codes (MQTT 5 only; a 3.1.x UNSUBACK is the packet identifier alone).

use super::codec::{packet_len, put_fixed_header, validate_properties};
use super::properties::PropertyContext;
use super::wire::{check_str, field_len, put_str, put_u16, Reader};
use super::{DecodeError, EncodeError, PacketId, Properties, ProtocolVersion};

/// An UNSUBSCRIBE packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    pub packet_id: PacketId,
    pub filters: Vec<String>,
    /// Properties (MQTT 5 only; empty otherwise).
    pub properties: Properties,
}

impl Unsubscribe {
    /// The remaining length in `version`.
    pub fn remaining_len(&self, version: ProtocolVersion) -> usize {
        let props = if version.is_v5() {
            self.properties.encoded_len()
        } else {
            0
        };
        2 + props
            + self
                .filters
                .iter()
                .map(|f| field_len(f.len()))
                .sum::<usize>()
    }

    /// The number of bytes [`Unsubscribe::encode`] appends.
    pub fn encoded_len(&self, version: ProtocolVersion) -> usize {
        packet_len(self.remaining_len(version))
    }

    /// Append this UNSUBSCRIBE to `out` (nothing on error).
    pub fn encode(&self, version: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if self.packet_id == 0 {
            return Err(EncodeError::Invalid("UNSUBSCRIBE with packet identifier 0"));
        }
        if self.filters.is_empty() {
            return Err(EncodeError::Invalid("UNSUBSCRIBE without topic filters"));
        }
        for f in &self.filters {
            check_str(f, "topic filter is not valid MQTT UTF-8")?;
            if f.is_empty() {
                return Err(EncodeError::Invalid("empty topic filter"));
            }
        }
        validate_properties(&self.properties, PropertyContext::Unsubscribe, version)?;
        put_fixed_header(out, 0xA2, self.remaining_len(version))?;
        put_u16(out, self.packet_id);
        if version.is_v5() {
            self.properties.encode(out);
        }
        for f in &self.filters {
            put_str(out, f);
        }
        Ok(())
    }

    /// Decode an UNSUBSCRIBE body.
    pub(crate) fn decode(
        body: &[u8],
        version: ProtocolVersion,
    ) -> Result<Unsubscribe, DecodeError> {
        let mut r = Reader::new(body);
        let packet_id = r.u16()?;
        if packet_id == 0 {
            return Err(DecodeError::Protocol(
                "UNSUBSCRIBE with packet identifier 0",
            ));
        }
        let properties = if version.is_v5() {
            Properties::decode(&mut r, PropertyContext::Unsubscribe)?
        } else {
            Properties::new()
        };
        let mut filters = Vec::new();
        while !r.is_empty() {
            let filter = r.string()?;
            if filter.is_empty() {
                return Err(DecodeError::Protocol("empty topic filter"));
            }
            filters.push(filter);
        }
        if filters.is_empty() {
            return Err(DecodeError::Protocol("UNSUBSCRIBE without topic filters"));
        }
        Ok(Unsubscribe {
            packet_id,
            filters,
            properties,
        })
    }
}

/// An UNSUBACK packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubAck {
    pub packet_id: PacketId,
    /// One reason code per filter (MQTT 5 only; empty for 3.1/3.1.1).
    pub reason_codes: Vec<u8>,
    /// Properties (MQTT 5 only; empty otherwise).
    pub properties: Properties,
}

impl UnsubAck {
    /// The remaining length in `version`.
    pub fn remaining_len(&self, version: ProtocolVersion) -> usize {
        if version.is_v5() {
            2 + self.properties.encoded_len() + self.reason_codes.len()
        } else {
            2
        }
    }

    /// The number of bytes [`UnsubAck::encode`] appends.
    pub fn encoded_len(&self, version: ProtocolVersion) -> usize {
        packet_len(self.remaining_len(version))
    }

    /// Append this UNSUBACK to `out` (nothing on error). Before MQTT 5 reason codes and
    /// properties are not written.
    pub fn encode(&self, version: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if self.packet_id == 0 {
            return Err(EncodeError::Invalid("UNSUBACK with packet identifier 0"));
        }
        if version.is_v5() && self.reason_codes.is_empty() {
            return Err(EncodeError::Invalid("MQTT 5 UNSUBACK without reason codes"));
        }
        validate_properties(&self.properties, PropertyContext::UnsubAck, version)?;
        put_fixed_header(out, 0xB0, self.remaining_len(version))?;
        put_u16(out, self.packet_id);
        if version.is_v5() {
            self.properties.encode(out);
            out.extend_from_slice(&self.reason_codes);
        }
        Ok(())
    }

    /// Decode an UNSUBACK body.
    pub(crate) fn decode(body: &[u8], version: ProtocolVersion) -> Result<UnsubAck, DecodeError> {
        let mut r = Reader::new(body);
        let packet_id = r.u16()?;
        if packet_id == 0 {
            return Err(DecodeError::Protocol("UNSUBACK with packet identifier 0"));
        }
        let mut ack = UnsubAck {
            packet_id,
            reason_codes: Vec::new(),
            properties: Properties::new(),
        };
        if version.is_v5() {
            ack.properties = Properties::decode(&mut r, PropertyContext::UnsubAck)?;
            ack.reason_codes = r.rest().to_vec();
            if ack.reason_codes.is_empty() {
                return Err(DecodeError::Protocol("UNSUBACK without reason codes"));
            }
        }
        r.finish()?;
        Ok(ack)
    }
}
