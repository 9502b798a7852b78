//! CONNECT: the first packet a client sends, with its will, credentials and properties.
//!
//! Owns the CONNECT wire form for all three versions: protocol name and level ("MQIsdp"/3,
//! "MQTT"/4, "MQTT"/5), the connect flags, keep alive, MQTT 5 CONNECT and will properties, and the
//! payload fields in their fixed order. A CONNECT names its own version, so decoding does not take
//! one. It does not decide whether a client identifier is acceptable (brokers do).

use super::codec::{packet_len, put_fixed_header, validate_properties};
use super::properties::PropertyContext;
use super::wire::{check_binary, check_str, field_len, put_binary, put_str, put_u16, Reader};
use super::{DecodeError, EncodeError, Properties, ProtocolVersion, QoS};

/// The will message the broker publishes if the client goes away without DISCONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Will {
    pub topic: String,
    pub payload: Vec<u8>,
    pub qos: QoS,
    pub retain: bool,
    /// Will properties (MQTT 5 only; empty otherwise).
    pub properties: Properties,
}

/// A CONNECT packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect {
    pub protocol: ProtocolVersion,
    /// Clean session (3.1/3.1.1) or clean start (5).
    pub clean_start: bool,
    /// Keep alive in seconds (0 disables it).
    pub keep_alive: u16,
    pub client_id: String,
    pub will: Option<Will>,
    pub username: Option<String>,
    pub password: Option<Vec<u8>>,
    /// CONNECT properties (MQTT 5 only; empty otherwise).
    pub properties: Properties,
}

const FLAG_USERNAME: u8 = 0x80;
const FLAG_PASSWORD: u8 = 0x40;
const FLAG_WILL_RETAIN: u8 = 0x20;
const FLAG_WILL: u8 = 0x04;
const FLAG_CLEAN: u8 = 0x02;
const FLAG_RESERVED: u8 = 0x01;

/// The protocol name written for `version`.
fn protocol_name(version: ProtocolVersion) -> &'static str {
    match version {
        ProtocolVersion::V31 => "MQIsdp",
        ProtocolVersion::V311 | ProtocolVersion::V5 => "MQTT",
    }
}

impl Connect {
    /// A CONNECT for `protocol` with the given client identifier, clean start, keep alive 60 and
    /// no will, credentials or properties.
    pub fn new(protocol: ProtocolVersion, client_id: impl Into<String>) -> Connect {
        Connect {
            protocol,
            clean_start: true,
            keep_alive: 60,
            client_id: client_id.into(),
            will: None,
            username: None,
            password: None,
            properties: Properties::new(),
        }
    }

    /// The connect flags byte.
    fn flags(&self) -> u8 {
        let mut flags = 0;
        if self.clean_start {
            flags |= FLAG_CLEAN;
        }
        if let Some(will) = &self.will {
            flags |= FLAG_WILL | (will.qos.as_u8() << 3);
            if will.retain {
                flags |= FLAG_WILL_RETAIN;
            }
        }
        if self.username.is_some() {
            flags |= FLAG_USERNAME;
        }
        if self.password.is_some() {
            flags |= FLAG_PASSWORD;
        }
        flags
    }

    /// The remaining length in `version`.
    pub fn remaining_len(&self, version: ProtocolVersion) -> usize {
        let v5 = version.is_v5();
        let mut len = field_len(protocol_name(version).len()) + 1 + 1 + 2;
        if v5 {
            len += self.properties.encoded_len();
        }
        len += field_len(self.client_id.len());
        if let Some(will) = &self.will {
            if v5 {
                len += will.properties.encoded_len();
            }
            len += field_len(will.topic.len()) + field_len(will.payload.len());
        }
        if let Some(username) = &self.username {
            len += field_len(username.len());
        }
        if let Some(password) = &self.password {
            len += field_len(password.len());
        }
        len
    }

    /// The number of bytes [`Connect::encode`] appends.
    pub fn encoded_len(&self, version: ProtocolVersion) -> usize {
        packet_len(self.remaining_len(version))
    }

    /// Check the rules [`Connect::encode`] enforces, without writing anything.
    pub fn validate(&self, version: ProtocolVersion) -> Result<(), EncodeError> {
        if self.protocol != version {
            return Err(EncodeError::Invalid(
                "CONNECT protocol differs from the encoding version",
            ));
        }
        check_str(&self.client_id, "client identifier is not valid MQTT UTF-8")?;
        validate_properties(&self.properties, PropertyContext::Connect, version)?;
        if let Some(will) = &self.will {
            check_str(&will.topic, "will topic is not valid MQTT UTF-8")?;
            if will.topic.is_empty() || will.topic.bytes().any(|b| b == b'+' || b == b'#') {
                return Err(EncodeError::Invalid("will topic is not a valid topic name"));
            }
            check_binary(&will.payload, "will payload longer than 65535 bytes")?;
            validate_properties(&will.properties, PropertyContext::Will, version)?;
        }
        if let Some(username) = &self.username {
            check_str(username, "username is not valid MQTT UTF-8")?;
        }
        if let Some(password) = &self.password {
            check_binary(password, "password longer than 65535 bytes")?;
            if self.username.is_none() && !version.is_v5() {
                return Err(EncodeError::Invalid(
                    "password without username before MQTT 5",
                ));
            }
        }
        Ok(())
    }

    /// Append this CONNECT to `out` (nothing on error). `version` must equal `self.protocol`.
    pub fn encode(&self, version: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.validate(version)?;
        let v5 = version.is_v5();
        put_fixed_header(out, 0x10, self.remaining_len(version))?;
        put_str(out, protocol_name(version));
        out.push(version.level());
        out.push(self.flags());
        put_u16(out, self.keep_alive);
        if v5 {
            self.properties.encode(out);
        }
        put_str(out, &self.client_id);
        if let Some(will) = &self.will {
            if v5 {
                will.properties.encode(out);
            }
            put_str(out, &will.topic);
            put_binary(out, &will.payload);
        }
        if let Some(username) = &self.username {
            put_str(out, username);
        }
        if let Some(password) = &self.password {
            put_binary(out, password);
        }
        Ok(())
    }

    /// Decode a CONNECT body in the version it names.
    pub(crate) fn decode(body: &[u8]) -> Result<Connect, DecodeError> {
        let mut r = Reader::new(body);
        let name = r.binary()?;
        let level = r.u8()?;
        let protocol = match (name, level) {
            (b"MQIsdp", 3) => ProtocolVersion::V31,
            (b"MQTT", 4) => ProtocolVersion::V311,
            (b"MQTT", 5) => ProtocolVersion::V5,
            (b"MQIsdp" | b"MQTT", _) => {
                return Err(DecodeError::Protocol("unsupported protocol level"))
            }
            _ => return Err(DecodeError::Protocol("unknown protocol name")),
        };
        let v5 = protocol.is_v5();
        let flags = r.u8()?;
        if flags & FLAG_RESERVED != 0 {
            return Err(DecodeError::Malformed("CONNECT reserved flag set"));
        }
        let will_qos_bits = (flags >> 3) & 0b11;
        let has_will = flags & FLAG_WILL != 0;
        if !has_will && (will_qos_bits != 0 || flags & FLAG_WILL_RETAIN != 0) {
            return Err(DecodeError::Malformed(
                "will QoS or retain set without will",
            ));
        }
        let will_qos = QoS::from_u8(will_qos_bits).ok_or(DecodeError::Malformed("will QoS 3"))?;
        let has_username = flags & FLAG_USERNAME != 0;
        let has_password = flags & FLAG_PASSWORD != 0;
        if has_password && !has_username && !v5 {
            return Err(DecodeError::Protocol(
                "password without username before MQTT 5",
            ));
        }
        let keep_alive = r.u16()?;
        let properties = if v5 {
            Properties::decode(&mut r, PropertyContext::Connect)?
        } else {
            Properties::new()
        };
        let client_id = r.string()?;
        let will = if has_will {
            let properties = if v5 {
                Properties::decode(&mut r, PropertyContext::Will)?
            } else {
                Properties::new()
            };
            let topic = r.string()?;
            if topic.is_empty() {
                return Err(DecodeError::Protocol("will topic is empty"));
            }
            if topic.bytes().any(|b| b == b'+' || b == b'#') {
                return Err(DecodeError::Protocol("will topic contains a wildcard"));
            }
            let payload = r.binary()?.to_vec();
            Some(Will {
                topic,
                payload,
                qos: will_qos,
                retain: flags & FLAG_WILL_RETAIN != 0,
                properties,
            })
        } else {
            None
        };
        let username = if has_username {
            Some(r.string()?)
        } else {
            None
        };
        let password = if has_password {
            Some(r.binary()?.to_vec())
        } else {
            None
        };
        r.finish()?;
        Ok(Connect {
            protocol,
            clean_start: flags & FLAG_CLEAN != 0,
            keep_alive,
            client_id,
            will,
            username,
            password,
            properties,
        })
    }
}
