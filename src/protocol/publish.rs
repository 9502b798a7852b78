//! PUBLISH: an application message in either direction.

use super::{PacketId, Properties, QoS};

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
