//! PUBACK, PUBREC, PUBREL and PUBCOMP: the QoS 1 and QoS 2 acknowledgements, which share one shape.

use super::{PacketId, Properties};

/// Which of the four acknowledgement packets an [`Ack`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AckKind {
    PubAck,
    PubRec,
    PubRel,
    PubComp,
}

/// A PUBACK, PUBREC, PUBREL or PUBCOMP packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub kind: AckKind,
    pub packet_id: PacketId,
    /// Reason code (MQTT 5; always 0 = success for 3.1/3.1.1).
    pub reason_code: u8,
    /// Properties (MQTT 5 only; empty otherwise).
    pub properties: Properties,
}
