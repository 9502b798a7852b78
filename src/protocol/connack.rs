//! CONNACK: the broker's answer to CONNECT.

use super::Properties;

/// A CONNACK packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnAck {
    pub session_present: bool,
    /// The 3.1/3.1.1 return code (0..=5) or the MQTT 5 reason code.
    pub reason_code: u8,
    /// CONNACK properties (MQTT 5 only; empty otherwise).
    pub properties: Properties,
}
