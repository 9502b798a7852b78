//! CONNACK: the broker's answer to CONNECT.
//!
//! Owns the CONNACK wire form: acknowledge flags (only Session Present may be set), the 3.1.x
//! return code or MQTT 5 reason code, and MQTT 5 properties. It does not interpret the code.

use super::codec::{packet_len, put_fixed_header, validate_properties};
use super::properties::PropertyContext;
use super::wire::Reader;
use super::{DecodeError, EncodeError, Properties, ProtocolVersion};

/// A CONNACK packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnAck {
    pub session_present: bool,
    /// The 3.1/3.1.1 return code (0..=5) or the MQTT 5 reason code.
    pub reason_code: u8,
    /// CONNACK properties (MQTT 5 only; empty otherwise).
    pub properties: Properties,
}

impl ConnAck {
    /// The remaining length in `version`.
    pub fn remaining_len(&self, version: ProtocolVersion) -> usize {
        if version.is_v5() {
            2 + self.properties.encoded_len()
        } else {
            2
        }
    }

    /// The number of bytes [`ConnAck::encode`] appends.
    pub fn encoded_len(&self, version: ProtocolVersion) -> usize {
        packet_len(self.remaining_len(version))
    }

    /// Append this CONNACK to `out` (nothing on error).
    pub fn encode(&self, version: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        validate_properties(&self.properties, PropertyContext::ConnAck, version)?;
        put_fixed_header(out, 0x20, self.remaining_len(version))?;
        out.push(u8::from(self.session_present));
        out.push(self.reason_code);
        if version.is_v5() {
            self.properties.encode(out);
        }
        Ok(())
    }

    /// Decode a CONNACK body.
    pub(crate) fn decode(body: &[u8], version: ProtocolVersion) -> Result<ConnAck, DecodeError> {
        let mut r = Reader::new(body);
        let flags = r.u8()?;
        if flags & 0xFE != 0 {
            return Err(DecodeError::Malformed("CONNACK reserved flags set"));
        }
        let reason_code = r.u8()?;
        let properties = if version.is_v5() {
            Properties::decode(&mut r, PropertyContext::ConnAck)?
        } else {
            Properties::new()
        };
        r.finish()?;
        Ok(ConnAck {
            session_present: flags & 0x01 != 0,
            reason_code,
            properties,
        })
    }
}
