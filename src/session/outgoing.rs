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
//!
//! It also counts what waits (queued QoS 1/2 PUBLISH and held QoS 0 PUBLISH: messages not yet
//! handed to the transport), in messages and bytes, for the queue limits (`limits.rs`), and
//! keeps each waiting message's expiry instant when the queue has a time-to-live.

use std::collections::VecDeque;
use std::time::Instant;

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

/// A packet waiting to be sent, with its issue order and, for a message when the queue has a
/// time-to-live, the instant it expires.
#[derive(Debug, Clone)]
pub(super) struct Pending<T> {
    pub(super) seq: u64,
    pub(super) packet: T,
    pub(super) expires: Option<Instant>,
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
    queued: VecDeque<Pending<Publish>>,
    /// Allocated when a packet is held or a request sent; freed once both are empty again.
    requests: Option<Box<Requests>>,
    next_seq: u64,
    /// Held QoS 0 PUBLISH (the queued QoS 1/2 ones are `queued.len()`).
    held_publishes: u32,
    /// Topic and payload bytes of the queued and held PUBLISH.
    waiting_bytes: u64,
}

/// The bytes a waiting message counts for: its topic and payload.
pub(super) fn message_bytes(publish: &Publish) -> u64 {
    (publish.topic.len() + publish.payload.len()) as u64
}

/// A message taken out of the waiting collections because it expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Expired {
    /// A queued QoS 1/2 PUBLISH: its packet id is still held.
    Queued(PacketId),
    /// A QoS 0 PUBLISH held before CONNACK, with its message id.
    Held(PacketId),
}

/// Which of the two pending collections to send from next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NextPending {
    Held,
    Queued,
}

impl Outgoing {
    /// Queue a QoS 1/2 PUBLISH behind everything already queued.
    pub(super) fn enqueue(&mut self, publish: Publish, expires: Option<Instant>) {
        debug_assert!(publish.qos != QoS::AtMostOnce);
        let seq = self.next_seq();
        self.waiting_bytes += message_bytes(&publish);
        self.queued.push_back(Pending {
            seq,
            packet: publish,
            expires,
        });
    }

    /// Hold a packet until CONNACK (`expires` applies to a PUBLISH).
    pub(super) fn hold(&mut self, packet: Held, expires: Option<Instant>) {
        let seq = self.next_seq();
        if let Held::Publish { publish, .. } = &packet {
            self.held_publishes += 1;
            self.waiting_bytes += message_bytes(publish);
        }
        self.requests_mut().held.push_back(Pending {
            seq,
            packet,
            expires,
        });
    }

    /// The oldest queued PUBLISH, removed.
    pub(super) fn pop_queued(&mut self) -> Option<Pending<Publish>> {
        let pending = self.queued.pop_front()?;
        self.waiting_bytes -= message_bytes(&pending.packet);
        Some(pending)
    }

    /// The queued QoS 1/2 PUBLISH, oldest first.
    pub(super) fn queued(&self) -> impl Iterator<Item = &Publish> {
        self.queued.iter().map(|p| &p.packet)
    }

    /// Whether a QoS 0 PUBLISH with message id `mid` is held until CONNACK.
    pub(super) fn holds_publish(&self, mid: PacketId) -> bool {
        self.held_publishes > 0
            && self.requests.as_deref().is_some_and(|r| {
                r.held
                    .iter()
                    .any(|p| matches!(p.packet, Held::Publish { mid: m, .. } if m == mid))
            })
    }

    /// How many queued QoS 1/2 PUBLISH wait for an Inflight slot or a connection.
    pub(super) fn queued_len(&self) -> usize {
        self.queued.len()
    }

    /// Messages waiting to be handed to the transport (queued QoS 1/2, held QoS 0) and their
    /// topic and payload bytes.
    pub(super) fn waiting(&self) -> (usize, u64) {
        (
            self.queued.len() + self.held_publishes as usize,
            self.waiting_bytes,
        )
    }

    /// When the first waiting message expires, if any has an expiry.
    pub(super) fn next_expiry(&self) -> Option<Instant> {
        let queued = self.queued.front().and_then(|p| p.expires);
        let held = self.requests.as_deref().and_then(|r| {
            r.held
                .iter()
                .find(|p| matches!(p.packet, Held::Publish { .. }))
                .and_then(|p| p.expires)
        });
        match (queued, held) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Take out every waiting message expired at `now`, oldest first (messages wait in issue
    /// order, and every one has the same time-to-live, so the expired ones are at the front).
    pub(super) fn expire(&mut self, now: Instant) -> Vec<Expired> {
        let mut expired = Vec::new();
        while self
            .queued
            .front()
            .is_some_and(|p| p.expires.is_some_and(|at| at <= now))
        {
            if let Some(p) = self.pop_queued() {
                expired.push(Expired::Queued(p.packet.packet_id));
            }
        }
        let Some(requests) = self.requests.as_deref_mut() else {
            return expired;
        };
        let mut removed_bytes = 0;
        requests.held.retain(|p| match &p.packet {
            Held::Publish { mid, publish } if p.expires.is_some_and(|at| at <= now) => {
                removed_bytes += message_bytes(publish);
                expired.push(Expired::Held(*mid));
                false
            }
            _ => true,
        });
        let held_expired = expired
            .iter()
            .filter(|e| matches!(e, Expired::Held(_)))
            .count() as u32;
        self.held_publishes -= held_expired;
        self.waiting_bytes -= removed_bytes;
        self.release_requests();
        expired
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
        if let Some(Pending {
            packet: Held::Publish { publish, .. },
            ..
        }) = &pending
        {
            self.held_publishes -= 1;
            self.waiting_bytes -= message_bytes(publish);
        }
        self.release_requests();
        pending
    }

    /// Everything held and awaited, taken out (a connection ended).
    pub(super) fn take_requests(&mut self) -> Option<Box<Requests>> {
        let requests = self.requests.take()?;
        for p in &requests.held {
            if let Held::Publish { publish, .. } = &p.packet {
                self.held_publishes -= 1;
                self.waiting_bytes -= message_bytes(publish);
            }
        }
        Some(requests)
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
