//! What became of an outgoing message, for an application that asks by message id (Paho's
//! `MQTTMessageInfo`: `is_published`, `wait_for_publish`).
//!
//! A message is pending while it waits, is in flight, or (QoS 0) sits in the transmit buffer;
//! after that it is done. Success needs no record (not pending and nothing recorded means done,
//! reason code 0): only the other outcomes are kept, by message id, until the id is handed out
//! again, so the record holds at most one entry per id and is empty for a client whose messages
//! all go through.
//!
//! Owns that record; the session's flows call [`Session::record_outcome`] where a message ends
//! otherwise than well.

use std::collections::HashMap;

use super::Session;
use crate::protocol::PacketId;

/// Where an outgoing message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Waiting, in flight, or (QoS 0) not yet handed to the transport.
    Pending,
    /// Done: QoS 0 handed to the transport, QoS 1 PUBACK, QoS 2 PUBCOMP, or an MQTT 5 PUBACK or
    /// PUBREC refusing it (`reason_code` 0x80 or above).
    Done { reason_code: u8 },
    /// Dropped unsent: it waited longer than the queue's time-to-live.
    Expired,
    /// Dropped unsent: a QoS 0 message whose connection ended first, or one over the server's
    /// limits once they were known (`reason_code` says which limit).
    Discarded { reason_code: u8 },
}

/// The record of messages that did not simply go through (see the module documentation).
#[derive(Debug, Default)]
pub(super) struct Outcomes(HashMap<PacketId, Delivery>);

impl Outcomes {
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Session {
    /// What became of the outgoing message `mid` (see [`Delivery`]). An id never handed out, or
    /// handed out again since, answers for its latest message; an old success reads as done.
    pub fn delivery(&self, mid: PacketId) -> Delivery {
        if self.publish_pending(mid) {
            return Delivery::Pending;
        }
        self.extras()
            .and_then(|e| e.outcomes.0.get(&mid).copied())
            .unwrap_or(Delivery::Done { reason_code: 0 })
    }

    /// Whether the outgoing message `mid` is still under way.
    pub fn publish_pending(&self, mid: PacketId) -> bool {
        self.outgoing.inflight_position(mid).is_some()
            || self.outgoing.queued().any(|p| p.packet_id == mid)
            || self.outgoing.holds_publish(mid)
            || self.tx.holds_qos0(mid)
    }

    /// Remember how `mid` ended, when not simply well.
    pub(super) fn record_outcome(&mut self, mid: PacketId, outcome: Delivery) {
        if outcome == (Delivery::Done { reason_code: 0 }) {
            self.forget_outcome(mid);
            return;
        }
        self.extras_mut().outcomes.0.insert(mid, outcome);
    }

    /// `mid` is handed out again: what its earlier message became no longer applies.
    #[inline]
    pub(super) fn forget_outcome(&mut self, mid: PacketId) {
        if let Some(extras) = self.extras.as_deref_mut() {
            if extras.outcomes.0.remove(&mid).is_some() {
                self.tidy_extras();
            }
        }
    }
}
