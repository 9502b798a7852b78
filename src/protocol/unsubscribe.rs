//! UNSUBSCRIBE and UNSUBACK.

use super::{PacketId, Properties};

/// An UNSUBSCRIBE packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    pub packet_id: PacketId,
    pub filters: Vec<String>,
    /// Properties (MQTT 5 only; empty otherwise).
    pub properties: Properties,
}

/// An UNSUBACK packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubAck {
    pub packet_id: PacketId,
    /// One reason code per filter (MQTT 5 only; empty for 3.1/3.1.1).
    pub reason_codes: Vec<u8>,
    /// Properties (MQTT 5 only; empty otherwise).
    pub properties: Properties,
}
