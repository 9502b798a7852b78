//! Reason codes of MQTT 5 (and the return codes of 3.1.x CONNACK).

/// An MQTT 5 reason code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReasonCode(pub u8);
