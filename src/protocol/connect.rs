//! CONNECT: the first packet a client sends, with its will, credentials and properties.

use super::{Properties, ProtocolVersion, QoS};

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
