//! AUTH: MQTT 5 enhanced authentication exchange.
//!
//! Owns the AUTH wire form: reason code (success, continue authentication, re-authenticate) and
//! properties, both omitted together (remaining length 0) for success without properties. AUTH
//! does not exist before MQTT 5: encoding it for 3.1.x is an error and decoding rejects it.

use super::codec::{packet_len, put_fixed_header};
use super::properties::PropertyContext;
use super::wire::Reader;
use super::{DecodeError, EncodeError, Properties, ProtocolVersion};

/// An AUTH packet (MQTT 5 only).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Auth {
    /// 0x00 success, 0x18 continue authentication, 0x19 re-authenticate.
    pub reason_code: u8,
    pub properties: Properties,
}

fn is_auth_reason(code: u8) -> bool {
    matches!(code, 0x00 | 0x18 | 0x19)
}

impl Auth {
    /// The remaining length, using the short form when possible.
    pub fn remaining_len(&self, _version: ProtocolVersion) -> usize {
        if self.reason_code == 0 && self.properties.is_empty() {
            0
        } else {
            1 + self.properties.encoded_len()
        }
    }

    /// The number of bytes [`Auth::encode`] appends.
    pub fn encoded_len(&self, version: ProtocolVersion) -> usize {
        packet_len(self.remaining_len(version))
    }

    /// Append this AUTH to `out` (nothing on error; always an error before MQTT 5).
    pub fn encode(&self, version: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if !version.is_v5() {
            return Err(EncodeError::Invalid("AUTH exists only in MQTT 5"));
        }
        if !is_auth_reason(self.reason_code) {
            return Err(EncodeError::Invalid(
                "AUTH reason code not 0x00, 0x18 or 0x19",
            ));
        }
        self.properties.validate(PropertyContext::Auth)?;
        let remaining = self.remaining_len(version);
        put_fixed_header(out, 0xF0, remaining)?;
        if remaining > 0 {
            out.push(self.reason_code);
            self.properties.encode(out);
        }
        Ok(())
    }

    /// Decode an AUTH body (the caller has rejected AUTH before MQTT 5).
    pub(crate) fn decode(body: &[u8]) -> Result<Auth, DecodeError> {
        let mut r = Reader::new(body);
        let mut auth = Auth::default();
        if !r.is_empty() {
            auth.reason_code = r.u8()?;
            if !is_auth_reason(auth.reason_code) {
                return Err(DecodeError::Protocol(
                    "AUTH reason code not 0x00, 0x18 or 0x19",
                ));
            }
            auth.properties = Properties::decode(&mut r, PropertyContext::Auth)?;
        }
        r.finish()?;
        Ok(auth)
    }
}
