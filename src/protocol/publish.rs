//! PUBLISH: an application message in either direction.
//!
//! Owns the PUBLISH wire form and its rules: flags (DUP, QoS, RETAIN), topic name without
//! wildcards, packet identifier present and non-zero exactly for QoS 1 and 2, MQTT 5 properties.
//! Decoding allocates the topic `String` and the payload `Vec` only. It does not resolve topic
//! aliases (the session does).

use super::codec::{packet_len, put_fixed_header, validate_properties};
use super::properties::PropertyContext;
use super::wire::{check_str, field_len, put_str, put_u16, Reader};
use super::{DecodeError, EncodeError, PacketId, Properties, PropertyId, ProtocolVersion, QoS};

/// A PUBLISH packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    pub dup: bool,
    pub qos: QoS,
    pub retain: bool,
    /// The topic name (may be empty in MQTT 5 when a topic alias is used).
    pub topic: String,
    /// The packet identifier; 0 for QoS 0.
    pub packet_id: PacketId,
    pub payload: Vec<u8>,
    /// PUBLISH properties (MQTT 5 only; empty otherwise).
    pub properties: Properties,
}

impl Publish {
    /// The first byte of the fixed header: type 3 and the DUP, QoS and RETAIN flags.
    pub fn fixed_header_byte(&self) -> u8 {
        self.parts().fixed_header_byte()
    }

    /// The remaining length of this PUBLISH in `version`.
    pub fn remaining_len(&self, version: ProtocolVersion) -> usize {
        self.parts().remaining_len(version)
    }

    /// The number of bytes [`Publish::encode`] appends.
    pub fn encoded_len(&self, version: ProtocolVersion) -> usize {
        packet_len(self.remaining_len(version))
    }

    /// Check the rules [`Publish::encode`] enforces, without writing anything.
    pub fn validate(&self, version: ProtocolVersion) -> Result<(), EncodeError> {
        check_str(&self.topic, "topic is not valid MQTT UTF-8")?;
        if has_wildcard(&self.topic) {
            return Err(EncodeError::Invalid("topic name contains a wildcard"));
        }
        if self.topic.is_empty()
            && !(version.is_v5() && self.properties.contains(PropertyId::TopicAlias))
        {
            return Err(EncodeError::Invalid("empty topic name without topic alias"));
        }
        match self.qos {
            QoS::AtMostOnce if self.dup => {
                return Err(EncodeError::Invalid("QoS 0 PUBLISH with DUP set"))
            }
            QoS::AtLeastOnce | QoS::ExactlyOnce if self.packet_id == 0 => {
                return Err(EncodeError::Invalid(
                    "QoS > 0 PUBLISH with packet identifier 0",
                ))
            }
            _ => {}
        }
        validate_properties(&self.properties, PropertyContext::Publish, version)
    }

    /// Append this PUBLISH to `out` (nothing on error).
    pub fn encode(&self, version: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.validate(version)?;
        self.parts().encode_unchecked(version, out)
    }

    /// This PUBLISH, borrowed.
    pub(crate) fn parts(&self) -> PublishParts<'_> {
        PublishParts {
            dup: self.dup,
            qos: self.qos,
            retain: self.retain,
            topic: &self.topic,
            packet_id: self.packet_id,
            payload: &self.payload,
            properties: &self.properties,
        }
    }

    /// Decode a PUBLISH body; `flags` are the fixed header flags (already checked for QoS 3 and
    /// DUP on QoS 0).
    pub(crate) fn decode(
        flags: u8,
        body: &[u8],
        version: ProtocolVersion,
    ) -> Result<Publish, DecodeError> {
        let qos = QoS::from_u8((flags >> 1) & 0b11)
            .ok_or(DecodeError::Malformed("PUBLISH with QoS 3"))?;
        let dup = flags & 0b1000 != 0;
        if qos == QoS::AtMostOnce && dup {
            return Err(DecodeError::Malformed("QoS 0 PUBLISH with DUP set"));
        }
        let mut r = Reader::new(body);
        let topic = r.str()?;
        if has_wildcard(topic) {
            return Err(DecodeError::Protocol("topic name contains a wildcard"));
        }
        let packet_id = if qos == QoS::AtMostOnce {
            0
        } else {
            match r.u16()? {
                0 => return Err(DecodeError::Protocol("PUBLISH with packet identifier 0")),
                id => id,
            }
        };
        let properties = if version.is_v5() {
            Properties::decode(&mut r, PropertyContext::Publish)?
        } else {
            Properties::new()
        };
        if topic.is_empty() && !properties.contains(PropertyId::TopicAlias) {
            return Err(DecodeError::Protocol(
                "empty topic name without topic alias",
            ));
        }
        let bytes = r.rest();
        // One spare byte in topic and payload so a C layer can append a NUL terminator without
        // reallocating.
        let mut payload = Vec::with_capacity(bytes.len() + 1);
        payload.extend_from_slice(bytes);
        let mut topic_buf = String::with_capacity(topic.len() + 1);
        topic_buf.push_str(topic);
        Ok(Publish {
            dup,
            qos,
            retain: flags & 0b0001 != 0,
            topic: topic_buf,
            packet_id,
            payload,
            properties,
        })
    }
}

/// A PUBLISH made of borrowed parts, for encoding without building an owned [`Publish`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct PublishParts<'a> {
    pub(crate) dup: bool,
    pub(crate) qos: QoS,
    pub(crate) retain: bool,
    pub(crate) topic: &'a str,
    pub(crate) packet_id: PacketId,
    pub(crate) payload: &'a [u8],
    pub(crate) properties: &'a Properties,
}

impl PublishParts<'_> {
    /// The first byte of the fixed header: type 3 and the DUP, QoS and RETAIN flags.
    pub(crate) fn fixed_header_byte(&self) -> u8 {
        0x30 | (u8::from(self.dup) << 3) | (self.qos.as_u8() << 1) | u8::from(self.retain)
    }

    /// The remaining length in `version`.
    pub(crate) fn remaining_len(&self, version: ProtocolVersion) -> usize {
        let mut len = field_len(self.topic.len()) + self.payload.len();
        if self.qos != QoS::AtMostOnce {
            len += 2;
        }
        if version.is_v5() {
            len += self.properties.encoded_len();
        }
        len
    }

    /// Append this PUBLISH to `out` without checking the rules of [`Publish::validate`]: for
    /// messages whose topic, flags, packet identifier and properties the caller has already
    /// checked (the session's own). Fails only with `EncodeError::TooLarge`, appending nothing.
    pub(crate) fn encode_unchecked(
        &self,
        version: ProtocolVersion,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        put_fixed_header(out, self.fixed_header_byte(), self.remaining_len(version))?;
        put_str(out, self.topic);
        if self.qos != QoS::AtMostOnce {
            put_u16(out, self.packet_id);
        }
        if version.is_v5() {
            self.properties.encode(out);
        }
        out.extend_from_slice(self.payload);
        Ok(())
    }
}

/// Whether a topic name holds a wildcard character, which only filters may use.
fn has_wildcard(topic: &str) -> bool {
    topic.bytes().any(|b| b == b'+' || b == b'#')
}
