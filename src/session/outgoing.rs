//! The outgoing side of the session state: what we sent or still have to send.
//!
//! Owns four collections and their ordering rules, nothing else (no encoding, no timers):
//! - the Inflight window: QoS 1/2 PUBLISH sent and not yet completed, in the order they were first
//!   sent (that order is kept for resending after a reconnect);
//! - the queue: QoS 1/2 PUBLISH waiting for a free Inflight slot or for a connection, FIFO;
//! - held packets: QoS 0 PUBLISH, SUBSCRIBE and UNSUBSCRIBE issued before CONNACK, sent right after
//!   a successful CONNACK in the order they were issued (interleaved with the queue by issue order);
//! - SUBSCRIBE/UNSUBSCRIBE sent and awaiting SUBACK/UNSUBACK.
//!
//! Only QoS 1/2 PUBLISH survive the loss of a connection; the rest belongs to one connection.

use std::collections::VecDeque;

use crate::protocol::{PacketId, Publish, QoS, Subscribe, Unsubscribe};

/// Where an outgoing QoS 1/2 PUBLISH stands in its flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    /// PUBLISH sent; waiting for PUBACK (QoS 1) or PUBREC (QoS 2).
    AwaitingAck,
    /// PUBREC received and PUBREL sent (or due); waiting for PUBCOMP.
    AwaitingPubComp,
}

/// A QoS 1/2 PUBLISH in the Inflight window.
#[derive(Debug, Clone)]
pub(super) struct InflightPublish {
    pub(super) publish: Publish,
    pub(super) stage: Stage,
}

/// A packet waiting to be sent, with its issue order.
#[derive(Debug, Clone)]
pub(super) struct Pending<T> {
    pub(super) seq: u64,
    pub(super) packet: T,
}

/// A packet issued before CONNACK that is not a QoS 1/2 PUBLISH.
#[derive(Debug, Clone)]
pub(super) enum Held {
    /// A QoS 0 PUBLISH and its message id (not on the wire).
    Publish {
        mid: PacketId,
        publish: Publish,
    },
    Subscribe(Subscribe),
    Unsubscribe(Unsubscribe),
}

/// Which acknowledgement a sent SUBSCRIBE or UNSUBSCRIBE waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AwaitedAck {
    SubAck,
    UnsubAck,
}

/// SUBSCRIBE/UNSUBSCRIBE sent and awaiting their acknowledgement, sorted by id (ids are handed out
/// in increasing order, so an insertion is nearly always an append). Allocates nothing until used.
#[derive(Debug, Default)]
pub(super) struct Awaiting(Vec<(PacketId, AwaitedAck)>);

impl Awaiting {
    /// Remember that `id` awaits `awaited`.
    pub(super) fn insert(&mut self, id: PacketId, awaited: AwaitedAck) {
        match self.0.binary_search_by_key(&id, |&(held, _)| held) {
            Ok(at) => self.0[at].1 = awaited,
            Err(at) => self.0.insert(at, (id, awaited)),
        }
    }

    /// Forget `id` if it awaits `awaited`; whether it did.
    pub(super) fn take(&mut self, id: PacketId, awaited: AwaitedAck) -> bool {
        match self.0.binary_search_by_key(&id, |&(held, _)| held) {
            Ok(at) if self.0[at].1 == awaited => {
                self.0.remove(at);
                true
            }
            _ => false,
        }
    }

    /// Forget everything, handing out what was awaited.
    pub(super) fn drain(&mut self) -> std::vec::Drain<'_, (PacketId, AwaitedAck)> {
        self.0.drain(..)
    }
}

/// Held packets and requests awaiting acknowledgement: empty while idle, so kept out of line.
#[derive(Debug, Default)]
pub(super) struct Requests {
    pub(super) held: VecDeque<Pending<Held>>,
    pub(super) awaiting: Awaiting,
}

/// Everything outgoing. See the module documentation.
#[derive(Debug, Default)]
pub(super) struct Outgoing {
    pub(super) inflight: VecDeque<InflightPublish>,
    pub(super) queued: VecDeque<Pending<Publish>>,
    /// Allocated when a packet is held or a request sent; freed once both are empty again.
    requests: Option<Box<Requests>>,
    next_seq: u64,
}

/// Which of the two pending collections to send from next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NextPending {
    Held,
    Queued,
}

impl Outgoing {
    /// Queue a QoS 1/2 PUBLISH behind everything already queued.
    pub(super) fn enqueue(&mut self, publish: Publish) {
        debug_assert!(publish.qos != QoS::AtMostOnce);
        let seq = self.next_seq();
        self.queued.push_back(Pending {
            seq,
            packet: publish,
        });
    }

    /// Hold a packet until CONNACK.
    pub(super) fn hold(&mut self, packet: Held) {
        let seq = self.next_seq();
        self.requests_mut().held.push_back(Pending { seq, packet });
    }

    fn requests_mut(&mut self) -> &mut Requests {
        self.requests.get_or_insert_with(Box::default)
    }

    /// Remember that the sent request `id` awaits `awaited`.
    pub(super) fn await_ack(&mut self, id: PacketId, awaited: AwaitedAck) {
        self.requests_mut().awaiting.insert(id, awaited);
    }

    /// Forget `id` if it awaits `awaited`; whether it did.
    pub(super) fn take_awaited(&mut self, id: PacketId, awaited: AwaitedAck) -> bool {
        let Some(requests) = self.requests.as_deref_mut() else {
            return false;
        };
        let found = requests.awaiting.take(id, awaited);
        self.release_requests();
        found
    }

    /// The oldest held packet, removed.
    pub(super) fn pop_held(&mut self) -> Option<Pending<Held>> {
        let pending = self.requests.as_deref_mut()?.held.pop_front();
        self.release_requests();
        pending
    }

    /// Everything held and awaited, taken out (a connection ended).
    pub(super) fn take_requests(&mut self) -> Option<Box<Requests>> {
        self.requests.take()
    }

    /// Free the requests' storage once nothing is held or awaited.
    fn release_requests(&mut self) {
        if let Some(r) = &self.requests {
            if r.held.is_empty() && r.awaiting.0.is_empty() {
                self.requests = None;
            }
        }
    }

    /// Which pending packet goes next when `window` Inflight slots are allowed: the one issued
    /// first among the oldest held packet and (if a slot is free) the oldest queued PUBLISH.
    pub(super) fn next_pending(&self, window: usize) -> Option<NextPending> {
        let held = self
            .requests
            .as_deref()
            .and_then(|r| r.held.front())
            .map(|p| p.seq);
        let queued = if self.inflight.len() < window {
            self.queued.front().map(|p| p.seq)
        } else {
            None
        };
        match (held, queued) {
            (Some(h), Some(q)) if q < h => Some(NextPending::Queued),
            (Some(_), _) => Some(NextPending::Held),
            (None, Some(_)) => Some(NextPending::Queued),
            (None, None) => None,
        }
    }

    /// The position in the Inflight window of the message with this id.
    pub(super) fn inflight_position(&self, id: PacketId) -> Option<usize> {
        self.inflight.iter().position(|m| m.publish.packet_id == id)
    }

    /// How many QoS 1/2 PUBLISH are in flight or queued.
    pub(super) fn publish_count(&self) -> usize {
        self.inflight.len() + self.queued.len()
    }

    fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }
}
