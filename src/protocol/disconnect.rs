//! DISCONNECT, in either direction (server-sent only in MQTT 5).
//!
//! Owns its wire form: empty before MQTT 5; in MQTT 5 a reason code and properties, which may be
//! left out (remaining length 0 or 1) when they are "normal disconnection" and empty.

use super::codec::{packet_len, put_fixed_header, validate_properties};
use super::properties::PropertyContext;
use super::wire::Reader;
use super::{DecodeError, EncodeError, Properties, ProtocolVersion};

/// A DISCONNECT packet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Disconnect {
    /// Reason code (MQTT 5; 0 = normal disconnection).
    pub reason_code: u8,
    /// Properties (MQTT 5 only; empty otherwise).
    pub properties: Properties,
}

impl Disconnect {
    /// The remaining length in `version`, using the shortest form MQTT 5 allows.
    pub fn remaining_len(&self, version: ProtocolVersion) -> usize {
        if !version.is_v5() || (self.reason_code == 0 && self.properties.is_empty()) {
            0
        } else if self.properties.is_empty() {
            1
        } else {
            1 + self.properties.encoded_len()
        }
    }

    /// The number of bytes [`Disconnect::encode`] appends.
    pub fn encoded_len(&self, version: ProtocolVersion) -> usize {
        packet_len(self.remaining_len(version))
    }

    /// Append this DISCONNECT to `out` (nothing on error). Before MQTT 5 it is always `E0 00`.
    pub fn encode(&self, version: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        validate_properties(&self.properties, PropertyContext::Disconnect, version)?;
        let remaining = self.remaining_len(version);
        put_fixed_header(out, 0xE0, remaining)?;
        if remaining > 0 {
            out.push(self.reason_code);
            if remaining > 1 {
                self.properties.encode(out);
            }
        }
        Ok(())
    }

    /// Decode a DISCONNECT body.
    pub(crate) fn decode(body: &[u8], version: ProtocolVersion) -> Result<Disconnect, DecodeError> {
        let mut r = Reader::new(body);
        let mut disconnect = Disconnect::default();
        if version.is_v5() && !r.is_empty() {
            disconnect.reason_code = r.u8()?;
            if !r.is_empty() {
                disconnect.properties = Properties::decode(&mut r, PropertyContext::Disconnect)?;
            }
        }
        r.finish()?;
        Ok(disconnect)
    }
}
