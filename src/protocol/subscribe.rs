//! SUBSCRIBE and SUBACK, with MQTT 5 subscription options.

use super::{PacketId, Properties, QoS};

/// MQTT 5 retain handling option of a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RetainHandling {
    /// Send retained messages at the time of the subscribe (0).
    #[default]
    SendOnSubscribe = 0,
    /// Send retained messages only if the subscription does not exist yet (1).
    SendIfNew = 1,
    /// Never send retained messages on subscribe (2).
    DoNotSend = 2,
}

/// The options byte of one subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubscriptionOptions {
    pub qos: QoS,
    /// MQTT 5: do not receive own publications.
    pub no_local: bool,
    /// MQTT 5: keep the retain flag as published.
    pub retain_as_published: bool,
    /// MQTT 5: when to send retained messages.
    pub retain_handling: RetainHandling,
}

/// One topic filter of a SUBSCRIBE with its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeFilter {
    pub filter: String,
    pub options: SubscriptionOptions,
}

/// A SUBSCRIBE packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribe {
    pub packet_id: PacketId,
    pub filters: Vec<SubscribeFilter>,
    /// Properties (MQTT 5 only; empty otherwise).
    pub properties: Properties,
}

/// A SUBACK packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubAck {
    pub packet_id: PacketId,
    /// One granted QoS (0..=2) or failure code (0x80 and up) per filter.
    pub reason_codes: Vec<u8>,
    /// Properties (MQTT 5 only; empty otherwise).
    pub properties: Properties,
}
