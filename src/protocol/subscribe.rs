//! SUBSCRIBE and SUBACK, with MQTT 5 subscription options.
//!
//! Owns their wire form: packet identifier, MQTT 5 properties, the list of filters with their
//! options byte (only the QoS bits before MQTT 5), and SUBACK's one code per filter. It checks
//! that filters are non-empty UTF-8 strings but does not parse wildcards (see `topic`).

use super::codec::{packet_len, put_fixed_header, validate_properties};
use super::properties::PropertyContext;
use super::wire::{check_str, field_len, put_str, put_u16, Reader};
use super::{DecodeError, EncodeError, PacketId, Properties, ProtocolVersion, QoS};

/// MQTT 5 retain handling option of a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RetainHandling {
    /// Send retained messages at the time of the subscribe (0).
    #[default]
    SendOnSubscribe = 0,
    /// Send retained messages only if the subscription does not exist yet (1).
    SendIfNew = 1,
    /// Never send retained messages on subscribe (2).
    DoNotSend = 2,
}

impl RetainHandling {
    /// The retain handling for 0, 1 or 2.
    pub fn from_u8(value: u8) -> Option<RetainHandling> {
        match value {
            0 => Some(RetainHandling::SendOnSubscribe),
            1 => Some(RetainHandling::SendIfNew),
            2 => Some(RetainHandling::DoNotSend),
            _ => None,
        }
    }
}

/// The options byte of one subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubscriptionOptions {
    pub qos: QoS,
    /// MQTT 5: do not receive own publications.
    pub no_local: bool,
    /// MQTT 5: keep the retain flag as published.
    pub retain_as_published: bool,
    /// MQTT 5: when to send retained messages.
    pub retain_handling: RetainHandling,
}

impl SubscriptionOptions {
    /// Options with `qos` and every MQTT 5 option at its default.
    pub fn new(qos: QoS) -> SubscriptionOptions {
        SubscriptionOptions {
            qos,
            no_local: false,
            retain_as_published: false,
            retain_handling: RetainHandling::SendOnSubscribe,
        }
    }

    /// The options byte in `version` (before MQTT 5 only the QoS is written).
    pub fn to_byte(self, version: ProtocolVersion) -> u8 {
        let mut byte = self.qos.as_u8();
        if version.is_v5() {
            byte |= u8::from(self.no_local) << 2;
            byte |= u8::from(self.retain_as_published) << 3;
            byte |= (self.retain_handling as u8) << 4;
        }
        byte
    }

    /// Parse an options byte in `version`, rejecting reserved bits, QoS 3 and retain handling 3.
    pub fn from_byte(byte: u8, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let reserved = if version.is_v5() { 0xC0 } else { 0xFC };
        if byte & reserved != 0 {
            return Err(DecodeError::Malformed(
                "subscription options reserved bits set",
            ));
        }
        let qos =
            QoS::from_u8(byte & 0b11).ok_or(DecodeError::Malformed("subscription with QoS 3"))?;
        let retain_handling = RetainHandling::from_u8((byte >> 4) & 0b11)
            .ok_or(DecodeError::Protocol("retain handling 3"))?;
        Ok(SubscriptionOptions {
            qos,
            no_local: byte & 0b0100 != 0,
            retain_as_published: byte & 0b1000 != 0,
            retain_handling,
        })
    }
}

/// One topic filter of a SUBSCRIBE with its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeFilter {
    pub filter: String,
    pub options: SubscriptionOptions,
}

/// A SUBSCRIBE packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribe {
    pub packet_id: PacketId,
    pub filters: Vec<SubscribeFilter>,
    /// Properties (MQTT 5 only; empty otherwise).
    pub properties: Properties,
}

impl Subscribe {
    /// The remaining length in `version`.
    pub fn remaining_len(&self, version: ProtocolVersion) -> usize {
        let mut len = 2;
        if version.is_v5() {
            len += self.properties.encoded_len();
        }
        len + self
            .filters
            .iter()
            .map(|f| field_len(f.filter.len()) + 1)
            .sum::<usize>()
    }

    /// The number of bytes [`Subscribe::encode`] appends.
    pub fn encoded_len(&self, version: ProtocolVersion) -> usize {
        packet_len(self.remaining_len(version))
    }

    /// Append this SUBSCRIBE to `out` (nothing on error). Before MQTT 5 the options other than
    /// QoS are not written.
    pub fn encode(&self, version: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if self.packet_id == 0 {
            return Err(EncodeError::Invalid("SUBSCRIBE with packet identifier 0"));
        }
        if self.filters.is_empty() {
            return Err(EncodeError::Invalid("SUBSCRIBE without topic filters"));
        }
        for f in &self.filters {
            check_str(&f.filter, "topic filter is not valid MQTT UTF-8")?;
            if f.filter.is_empty() {
                return Err(EncodeError::Invalid("empty topic filter"));
            }
        }
        validate_properties(&self.properties, PropertyContext::Subscribe, version)?;
        put_fixed_header(out, 0x82, self.remaining_len(version))?;
        put_u16(out, self.packet_id);
        if version.is_v5() {
            self.properties.encode(out);
        }
        for f in &self.filters {
            put_str(out, &f.filter);
            out.push(f.options.to_byte(version));
        }
        Ok(())
    }

    /// Decode a SUBSCRIBE body.
    pub(crate) fn decode(body: &[u8], version: ProtocolVersion) -> Result<Subscribe, DecodeError> {
        let mut r = Reader::new(body);
        let packet_id = r.u16()?;
        if packet_id == 0 {
            return Err(DecodeError::Protocol("SUBSCRIBE with packet identifier 0"));
        }
        let properties = if version.is_v5() {
            Properties::decode(&mut r, PropertyContext::Subscribe)?
        } else {
            Properties::new()
        };
        let mut filters = Vec::new();
        while !r.is_empty() {
            let filter = r.string()?;
            if filter.is_empty() {
                return Err(DecodeError::Protocol("empty topic filter"));
            }
            let options = SubscriptionOptions::from_byte(r.u8()?, version)?;
            filters.push(SubscribeFilter { filter, options });
        }
        if filters.is_empty() {
            return Err(DecodeError::Protocol("SUBSCRIBE without topic filters"));
        }
        Ok(Subscribe {
            packet_id,
            filters,
            properties,
        })
    }
}

/// A SUBACK packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubAck {
    pub packet_id: PacketId,
    /// One granted QoS (0..=2) or failure code (0x80 and up) per filter.
    pub reason_codes: Vec<u8>,
    /// Properties (MQTT 5 only; empty otherwise).
    pub properties: Properties,
}

impl SubAck {
    /// The remaining length in `version`.
    pub fn remaining_len(&self, version: ProtocolVersion) -> usize {
        let props = if version.is_v5() {
            self.properties.encoded_len()
        } else {
            0
        };
        2 + props + self.reason_codes.len()
    }

    /// The number of bytes [`SubAck::encode`] appends.
    pub fn encoded_len(&self, version: ProtocolVersion) -> usize {
        packet_len(self.remaining_len(version))
    }

    /// Append this SUBACK to `out` (nothing on error).
    pub fn encode(&self, version: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if self.packet_id == 0 {
            return Err(EncodeError::Invalid("SUBACK with packet identifier 0"));
        }
        if self.reason_codes.is_empty() {
            return Err(EncodeError::Invalid("SUBACK without reason codes"));
        }
        validate_properties(&self.properties, PropertyContext::SubAck, version)?;
        put_fixed_header(out, 0x90, self.remaining_len(version))?;
        put_u16(out, self.packet_id);
        if version.is_v5() {
            self.properties.encode(out);
        }
        out.extend_from_slice(&self.reason_codes);
        Ok(())
    }

    /// Decode a SUBACK body.
    pub(crate) fn decode(body: &[u8], version: ProtocolVersion) -> Result<SubAck, DecodeError> {
        let mut r = Reader::new(body);
        let packet_id = r.u16()?;
        if packet_id == 0 {
            return Err(DecodeError::Protocol("SUBACK with packet identifier 0"));
        }
        let properties = if version.is_v5() {
            Properties::decode(&mut r, PropertyContext::SubAck)?
        } else {
            Properties::new()
        };
        let reason_codes = r.rest().to_vec();
        if reason_codes.is_empty() {
            return Err(DecodeError::Protocol("SUBACK without reason codes"));
        }
        Ok(SubAck {
            packet_id,
            reason_codes,
            properties,
        })
    }
}
