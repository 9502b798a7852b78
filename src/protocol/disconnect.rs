//! DISCONNECT, in either direction (server-sent only in MQTT 5).

use super::Properties;

/// A DISCONNECT packet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Disconnect {
    /// Reason code (MQTT 5; 0 = normal disconnection).
    pub reason_code: u8,
    /// Properties (MQTT 5 only; empty otherwise).
    pub properties: Properties,
}
