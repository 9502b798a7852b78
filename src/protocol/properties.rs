//! MQTT 5 properties: identifiers, data types, which packets allow them, and their encoding.
//!
//! Owns the property table of MQTT 5.0 section 2.2.2.2 (one row per identifier in
//! `property_table!`: number, data type, name, the packets and will that may carry it; which may
//! repeat) and the wire form of a property block: a variable byte integer length followed by the
//! properties. Value rules that make a single property a protocol
//! error (e.g. Receive Maximum 0, Subscription Identifier 0) are checked here, on decode and on
//! encode alike. Rules that need session state (topic alias ranges, authentication method
//! agreement) are not.
//!
//! For MQTT 3.1 and 3.1.1 every [`Properties`] is empty and nothing is written to the wire: the
//! packet modules never call into this module for those versions.

use std::ffi::CStr;

use super::wire::Reader;
use super::wire::{check_binary, check_str, field_len, put_binary, put_str, put_u16, put_u32};
use super::{encode_varint, varint_len, DecodeError, EncodeError, MAX_VARINT};

/// The wire data type of a property value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PropertyType {
    Byte,
    TwoByteInteger,
    FourByteInteger,
    VariableByteInteger,
    BinaryData,
    Utf8String,
    Utf8StringPair,
}

/// Where a property block sits: in one packet type, or in the will of a CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PropertyContext {
    Connect,
    ConnAck,
    Publish,
    /// The will properties inside CONNECT.
    Will,
    PubAck,
    PubRec,
    PubRel,
    PubComp,
    Subscribe,
    SubAck,
    Unsubscribe,
    UnsubAck,
    Disconnect,
    Auth,
}

impl PropertyContext {
    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

// Context masks for the table below.
const CONNECT: u16 = PropertyContext::Connect.bit();
const CONNACK: u16 = PropertyContext::ConnAck.bit();
const PUBLISH: u16 = PropertyContext::Publish.bit();
const WILL: u16 = PropertyContext::Will.bit();
const SUBSCRIBE: u16 = PropertyContext::Subscribe.bit();
const DISCONNECT: u16 = PropertyContext::Disconnect.bit();
const AUTH: u16 = PropertyContext::Auth.bit();
const ACKS: u16 = PropertyContext::PubAck.bit()
    | PropertyContext::PubRec.bit()
    | PropertyContext::PubRel.bit()
    | PropertyContext::PubComp.bit()
    | PropertyContext::SubAck.bit()
    | PropertyContext::UnsubAck.bit();
const EVERYWHERE: u16 = u16::MAX;

/// The property table of MQTT 5.0 section 2.2.2.2, one row per identifier: its number, the data
/// type of its value, its name in the specification (lower case with `-` between words, as
/// libmosquitto spells it) and where it may appear (packets, or the will of a CONNECT). Generates
/// [`PropertyId`] and every `match` over it, so that each fact is written once.
macro_rules! property_table {
    ($($name:ident = $value:literal, $kind:ident, $spec_name:literal, $contexts:expr;)*) => {
        /// An MQTT 5 property identifier (the byte before each property).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum PropertyId {
            $($name = $value,)*
        }

        impl PropertyId {
            /// Every identifier, in numeric order.
            pub const ALL: [PropertyId; [$($value),*].len()] = [$(PropertyId::$name),*];

            /// The identifier for a byte, if it is one MQTT 5 defines.
            pub fn from_u8(value: u8) -> Option<PropertyId> {
                match value {
                    $($value => Some(PropertyId::$name),)*
                    _ => None,
                }
            }

            /// The data type of this property's value.
            pub fn data_type(self) -> PropertyType {
                match self {
                    $(PropertyId::$name => PropertyType::$kind,)*
                }
            }

            /// The specification's name of this property, e.g. `"payload-format-indicator"`.
            pub fn name(self) -> &'static str {
                match self {
                    $(PropertyId::$name => $spec_name,)*
                }
            }

            /// [`PropertyId::name`] as a NUL-terminated string (the same text), for callers that
            /// hand it on as one.
            pub fn name_c(self) -> &'static CStr {
                match self {
                    $(PropertyId::$name => const { nul_terminated(concat!($spec_name, "\0")) },)*
                }
            }

            /// The contexts (bits of [`PropertyContext::bit`]) this property may appear in.
            fn contexts(self) -> u16 {
                match self {
                    $(PropertyId::$name => $contexts,)*
                }
            }
        }
    };
}

/// A string literal ending in NUL as a `CStr` (checked when the constant is built).
const fn nul_terminated(text: &'static str) -> &'static CStr {
    match CStr::from_bytes_with_nul(text.as_bytes()) {
        Ok(text) => text,
        Err(_) => panic!("a property name holds a NUL byte"),
    }
}

property_table! {
    PayloadFormatIndicator = 1, Byte, "payload-format-indicator", PUBLISH | WILL;
    MessageExpiryInterval = 2, FourByteInteger, "message-expiry-interval", PUBLISH | WILL;
    ContentType = 3, Utf8String, "content-type", PUBLISH | WILL;
    ResponseTopic = 8, Utf8String, "response-topic", PUBLISH | WILL;
    CorrelationData = 9, BinaryData, "correlation-data", PUBLISH | WILL;
    SubscriptionIdentifier = 11, VariableByteInteger, "subscription-identifier",
        PUBLISH | SUBSCRIBE;
    SessionExpiryInterval = 17, FourByteInteger, "session-expiry-interval",
        CONNECT | CONNACK | DISCONNECT;
    AssignedClientIdentifier = 18, Utf8String, "assigned-client-identifier", CONNACK;
    ServerKeepAlive = 19, TwoByteInteger, "server-keep-alive", CONNACK;
    AuthenticationMethod = 21, Utf8String, "authentication-method", CONNECT | CONNACK | AUTH;
    AuthenticationData = 22, BinaryData, "authentication-data", CONNECT | CONNACK | AUTH;
    RequestProblemInformation = 23, Byte, "request-problem-information", CONNECT;
    WillDelayInterval = 24, FourByteInteger, "will-delay-interval", WILL;
    RequestResponseInformation = 25, Byte, "request-response-information", CONNECT;
    ResponseInformation = 26, Utf8String, "response-information", CONNACK;
    ServerReference = 28, Utf8String, "server-reference", CONNACK | DISCONNECT;
    ReasonString = 31, Utf8String, "reason-string", CONNACK | ACKS | DISCONNECT | AUTH;
    ReceiveMaximum = 33, TwoByteInteger, "receive-maximum", CONNECT | CONNACK;
    TopicAliasMaximum = 34, TwoByteInteger, "topic-alias-maximum", CONNECT | CONNACK;
    TopicAlias = 35, TwoByteInteger, "topic-alias", PUBLISH;
    MaximumQos = 36, Byte, "maximum-qos", CONNACK;
    RetainAvailable = 37, Byte, "retain-available", CONNACK;
    UserProperty = 38, Utf8StringPair, "user-property", EVERYWHERE;
    MaximumPacketSize = 39, FourByteInteger, "maximum-packet-size", CONNECT | CONNACK;
    WildcardSubscriptionAvailable = 40, Byte, "wildcard-subscription-available", CONNACK;
    SubscriptionIdentifierAvailable = 41, Byte, "subscription-identifier-available", CONNACK;
    SharedSubscriptionAvailable = 42, Byte, "shared-subscription-available", CONNACK;
}

impl PropertyId {
    /// The identifier byte.
    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// Whether this property may appear in `context`.
    pub fn is_allowed_in(self, context: PropertyContext) -> bool {
        self.contexts() & context.bit() != 0
    }

    /// Whether this property may appear more than once in `context` (User Property anywhere,
    /// Subscription Identifier in PUBLISH).
    pub fn may_repeat_in(self, context: PropertyContext) -> bool {
        match self {
            PropertyId::UserProperty => true,
            PropertyId::SubscriptionIdentifier => context == PropertyContext::Publish,
            _ => false,
        }
    }

    /// The rule a single value of this property must follow beyond its data type, if broken.
    fn check_value(self, value: &PropertyValue) -> Result<(), &'static str> {
        use PropertyId::*;
        match (self, value) {
            (
                PayloadFormatIndicator
                | RequestProblemInformation
                | RequestResponseInformation
                | MaximumQos
                | RetainAvailable
                | WildcardSubscriptionAvailable
                | SubscriptionIdentifierAvailable
                | SharedSubscriptionAvailable,
                PropertyValue::Byte(v),
            ) if *v > 1 => Err("property value must be 0 or 1"),
            (ReceiveMaximum, PropertyValue::TwoByteInteger(0)) => Err("Receive Maximum of 0"),
            (TopicAlias, PropertyValue::TwoByteInteger(0)) => Err("Topic Alias of 0"),
            (MaximumPacketSize, PropertyValue::FourByteInteger(0)) => {
                Err("Maximum Packet Size of 0")
            }
            (SubscriptionIdentifier, PropertyValue::VariableByteInteger(0)) => {
                Err("Subscription Identifier of 0")
            }
            _ => Ok(()),
        }
    }
}

/// The value of one property, in its wire data type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropertyValue {
    Byte(u8),
    TwoByteInteger(u16),
    FourByteInteger(u32),
    VariableByteInteger(u32),
    BinaryData(Vec<u8>),
    Utf8String(String),
    Utf8StringPair(String, String),
}

impl PropertyValue {
    /// The data type of this value.
    pub fn data_type(&self) -> PropertyType {
        match self {
            PropertyValue::Byte(_) => PropertyType::Byte,
            PropertyValue::TwoByteInteger(_) => PropertyType::TwoByteInteger,
            PropertyValue::FourByteInteger(_) => PropertyType::FourByteInteger,
            PropertyValue::VariableByteInteger(_) => PropertyType::VariableByteInteger,
            PropertyValue::BinaryData(_) => PropertyType::BinaryData,
            PropertyValue::Utf8String(_) => PropertyType::Utf8String,
            PropertyValue::Utf8StringPair(_, _) => PropertyType::Utf8StringPair,
        }
    }

    /// Wire size of the value (without the identifier).
    pub fn encoded_len(&self) -> usize {
        match self {
            PropertyValue::Byte(_) => 1,
            PropertyValue::TwoByteInteger(_) => 2,
            PropertyValue::FourByteInteger(_) => 4,
            PropertyValue::VariableByteInteger(v) => varint_len(*v),
            PropertyValue::BinaryData(b) => field_len(b.len()),
            PropertyValue::Utf8String(s) => field_len(s.len()),
            PropertyValue::Utf8StringPair(k, v) => field_len(k.len()) + field_len(v.len()),
        }
    }

    fn check_encodable(&self) -> Result<(), EncodeError> {
        match self {
            PropertyValue::VariableByteInteger(v) if *v > MAX_VARINT => Err(EncodeError::Invalid(
                "variable byte integer property above 268435455",
            )),
            PropertyValue::BinaryData(b) => check_binary(b, "binary property too long"),
            PropertyValue::Utf8String(s) => check_str(s, "string property not valid MQTT UTF-8"),
            PropertyValue::Utf8StringPair(k, v) => {
                check_str(k, "user property name not valid MQTT UTF-8")?;
                check_str(v, "user property value not valid MQTT UTF-8")
            }
            _ => Ok(()),
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            PropertyValue::Byte(v) => out.push(*v),
            PropertyValue::TwoByteInteger(v) => put_u16(out, *v),
            PropertyValue::FourByteInteger(v) => put_u32(out, *v),
            PropertyValue::VariableByteInteger(v) => encode_varint(*v, out),
            PropertyValue::BinaryData(b) => put_binary(out, b),
            PropertyValue::Utf8String(s) => put_str(out, s),
            PropertyValue::Utf8StringPair(k, v) => {
                put_str(out, k);
                put_str(out, v);
            }
        }
    }

    fn decode(data_type: PropertyType, r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match data_type {
            PropertyType::Byte => PropertyValue::Byte(r.u8()?),
            PropertyType::TwoByteInteger => PropertyValue::TwoByteInteger(r.u16()?),
            PropertyType::FourByteInteger => PropertyValue::FourByteInteger(r.u32()?),
            PropertyType::VariableByteInteger => PropertyValue::VariableByteInteger(r.varint()?),
            PropertyType::BinaryData => PropertyValue::BinaryData(r.binary()?.to_vec()),
            PropertyType::Utf8String => PropertyValue::Utf8String(r.string()?),
            PropertyType::Utf8StringPair => {
                let key = r.string()?;
                PropertyValue::Utf8StringPair(key, r.string()?)
            }
        })
    }
}

/// One property: identifier and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub id: PropertyId,
    pub value: PropertyValue,
}

impl Property {
    /// A property (the value's type is checked when encoding).
    pub fn new(id: PropertyId, value: PropertyValue) -> Property {
        Property { id, value }
    }

    /// A User Property name/value pair.
    pub fn user(name: impl Into<String>, value: impl Into<String>) -> Property {
        Property::new(
            PropertyId::UserProperty,
            PropertyValue::Utf8StringPair(name.into(), value.into()),
        )
    }

    /// Check this property on its own for `context`: the value type matches the identifier, the
    /// identifier is allowed there, the value is permitted and encodable. (Repeats are a matter
    /// of the list: see [`Properties::validate`].)
    pub fn validate(&self, context: PropertyContext) -> Result<(), EncodeError> {
        if self.value.data_type() != self.id.data_type() {
            return Err(EncodeError::Invalid(
                "property value type does not match its identifier",
            ));
        }
        if !self.id.is_allowed_in(context) {
            return Err(EncodeError::Invalid("property not allowed in this packet"));
        }
        self.id
            .check_value(&self.value)
            .map_err(EncodeError::Invalid)?;
        self.value.check_encodable()
    }

    /// Wire size: identifier byte plus value.
    pub fn encoded_len(&self) -> usize {
        1 + self.value.encoded_len()
    }
}

/// An ordered list of properties, as it appears on the wire. Empty costs no allocation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Properties(pub Vec<Property>);

impl Properties {
    /// No properties (no allocation).
    pub fn new() -> Properties {
        Properties(Vec::new())
    }

    /// Whether there are no properties.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many properties there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The properties in wire order.
    pub fn iter(&self) -> std::slice::Iter<'_, Property> {
        self.0.iter()
    }

    /// Append a property.
    pub fn push(&mut self, property: Property) {
        self.0.push(property);
    }

    /// Append a property from identifier and value.
    pub fn add(&mut self, id: PropertyId, value: PropertyValue) {
        self.0.push(Property::new(id, value));
    }

    /// The first value with identifier `id`.
    pub fn get(&self, id: PropertyId) -> Option<&PropertyValue> {
        self.0.iter().find(|p| p.id == id).map(|p| &p.value)
    }

    /// Every value with identifier `id`, in wire order.
    pub fn get_all(&self, id: PropertyId) -> impl Iterator<Item = &PropertyValue> + '_ {
        self.0.iter().filter(move |p| p.id == id).map(|p| &p.value)
    }

    /// Whether a property with identifier `id` is present.
    pub fn contains(&self, id: PropertyId) -> bool {
        self.get(id).is_some()
    }

    /// The first Byte value with identifier `id`.
    pub fn get_byte(&self, id: PropertyId) -> Option<u8> {
        match self.get(id)? {
            PropertyValue::Byte(v) => Some(*v),
            _ => None,
        }
    }

    /// The first Two Byte Integer value with identifier `id`.
    pub fn get_u16(&self, id: PropertyId) -> Option<u16> {
        match self.get(id)? {
            PropertyValue::TwoByteInteger(v) => Some(*v),
            _ => None,
        }
    }

    /// The first Four Byte or Variable Byte Integer value with identifier `id`.
    pub fn get_u32(&self, id: PropertyId) -> Option<u32> {
        match self.get(id)? {
            PropertyValue::FourByteInteger(v) | PropertyValue::VariableByteInteger(v) => Some(*v),
            _ => None,
        }
    }

    /// The first UTF-8 string value with identifier `id`.
    pub fn get_str(&self, id: PropertyId) -> Option<&str> {
        match self.get(id)? {
            PropertyValue::Utf8String(s) => Some(s),
            _ => None,
        }
    }

    /// The first Binary Data value with identifier `id`.
    pub fn get_binary(&self, id: PropertyId) -> Option<&[u8]> {
        match self.get(id)? {
            PropertyValue::BinaryData(b) => Some(b),
            _ => None,
        }
    }

    /// Every User Property as (name, value), in wire order.
    pub fn user_properties(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.0.iter().filter_map(|p| match &p.value {
            PropertyValue::Utf8StringPair(k, v) if p.id == PropertyId::UserProperty => {
                Some((k.as_str(), v.as_str()))
            }
            _ => None,
        })
    }

    /// Wire size of the properties themselves (the value of the Property Length field).
    pub fn body_len(&self) -> usize {
        self.0.iter().map(Property::encoded_len).sum()
    }

    /// Wire size of the whole property block: Property Length varint plus properties.
    pub fn encoded_len(&self) -> usize {
        let body = self.body_len();
        varint_len(u32::try_from(body).unwrap_or(u32::MAX)) + body
    }

    /// Check that these properties may be encoded in `context`: value types match identifiers,
    /// every identifier is allowed there, single-occurrence ones appear once, values follow the
    /// spec, strings are valid MQTT UTF-8 and the block fits a variable byte integer length.
    pub fn validate(&self, context: PropertyContext) -> Result<(), EncodeError> {
        let mut seen: u64 = 0;
        for property in &self.0 {
            property.validate(context)?;
            let bit = 1u64 << property.id.as_u8();
            if seen & bit != 0 && !property.id.may_repeat_in(context) {
                return Err(EncodeError::Invalid("property may appear only once"));
            }
            seen |= bit;
        }
        if self.body_len() > MAX_VARINT as usize {
            return Err(EncodeError::TooLarge);
        }
        Ok(())
    }

    /// Append the property block (length and properties). Call [`Properties::validate`] first.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let body = self.body_len();
        encode_varint(u32::try_from(body).unwrap_or(MAX_VARINT), out);
        for property in &self.0 {
            encode_varint(u32::from(property.id.as_u8()), out);
            property.value.encode(out);
        }
    }

    /// Read a property block for `context` from `r`.
    pub(crate) fn decode(
        r: &mut Reader<'_>,
        context: PropertyContext,
    ) -> Result<Self, DecodeError> {
        let len = r.varint()? as usize;
        if len == 0 {
            return Ok(Properties::new());
        }
        let mut block = r.sub(len).map_err(|_| {
            DecodeError::Malformed("property length runs past the remaining length")
        })?;
        let mut properties = Vec::new();
        let mut seen: u64 = 0;
        while !block.is_empty() {
            let raw = block.varint()?;
            let id = u8::try_from(raw)
                .ok()
                .and_then(PropertyId::from_u8)
                .ok_or(DecodeError::Malformed("unknown property identifier"))?;
            if !id.is_allowed_in(context) {
                return Err(DecodeError::Malformed(
                    "property not allowed in this packet",
                ));
            }
            let bit = 1u64 << id.as_u8();
            if seen & bit != 0 && !id.may_repeat_in(context) {
                return Err(DecodeError::DuplicateProperty);
            }
            seen |= bit;
            let value = PropertyValue::decode(id.data_type(), &mut block).map_err(|e| match e {
                DecodeError::Malformed(_) => {
                    DecodeError::Malformed("property value runs past the property length")
                }
                other => other,
            })?;
            id.check_value(&value).map_err(DecodeError::Protocol)?;
            properties.push(Property { id, value });
        }
        Ok(Properties(properties))
    }
}

impl FromIterator<Property> for Properties {
    fn from_iter<I: IntoIterator<Item = Property>>(iter: I) -> Self {
        Properties(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a Properties {
    type Item = &'a Property;
    type IntoIter = std::slice::Iter<'a, Property>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_u8_round_trips_every_identifier() {
        for id in PropertyId::ALL {
            assert_eq!(PropertyId::from_u8(id.as_u8()), Some(id));
        }
        let known = (0..=255u8).filter_map(PropertyId::from_u8).count();
        assert_eq!(known, PropertyId::ALL.len());
    }

    #[test]
    fn repeat_rules() {
        use PropertyContext::*;
        assert!(PropertyId::UserProperty.may_repeat_in(Connect));
        assert!(PropertyId::SubscriptionIdentifier.may_repeat_in(Publish));
        assert!(!PropertyId::SubscriptionIdentifier.may_repeat_in(Subscribe));
        assert!(!PropertyId::ReasonString.may_repeat_in(PubAck));
    }
}
