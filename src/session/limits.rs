//! Bounds on what waits to be sent: how many messages and how many bytes may wait beyond the
//! Inflight window or while offline, and how long one may wait.
//!
//! A waiting message is one not yet handed to the transport: a QoS 1/2 PUBLISH queued for an
//! Inflight slot or a connection, or a QoS 0 PUBLISH held until CONNACK. What goes straight out
//! never counts. A publish that would wait beyond a limit is refused with `Error::QueueFull`, and
//! nothing already waiting is dropped for it. With a time-to-live, a message still waiting when
//! it runs out is taken out and reported as [`Event::Expired`]; the session's timer covers it in
//! every state, offline too (the driver keeps calling [`Session::handle_timeout`]).
//!
//! Owns the limits and their checks; the counting is the outgoing collections'.

use std::time::{Duration, Instant};

use super::durable::note;
use super::outgoing::Expired;
use super::{Event, Session, State};
use crate::error::Error;
use crate::persist::Record;
use crate::protocol::QoS;

/// Limits on the messages waiting to be sent. Zero (or `None`) means no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueLimits {
    /// Most messages waiting at once.
    pub max_messages: u32,
    /// Most topic and payload bytes waiting at once.
    pub max_bytes: u64,
    /// How long a message may wait before it is dropped and reported as expired.
    pub time_to_live: Option<Duration>,
}

impl QueueLimits {
    pub(super) fn is_unlimited(&self) -> bool {
        self.max_messages == 0 && self.max_bytes == 0 && self.time_to_live.is_none()
    }
}

impl Session {
    /// Set the limits on waiting messages (see the module documentation). They apply to the
    /// publishes that follow; messages already waiting stay, and keep their expiry.
    pub fn set_queue_limits(&mut self, limits: QueueLimits) {
        self.extras_mut().limits = limits;
        self.tidy_extras();
    }

    /// The limits on waiting messages.
    pub fn queue_limits(&self) -> QueueLimits {
        self.extras().map(|e| e.limits).unwrap_or_default()
    }

    /// Messages waiting to be handed to the transport, and their topic and payload bytes.
    pub fn waiting(&self) -> (usize, u64) {
        self.outgoing.waiting()
    }

    /// Check that a message of `bytes` topic and payload bytes may be published at `qos`: fine
    /// when it goes straight out or fits the limits; `Error::QueueFull` when it would wait
    /// beyond them. Returns its expiry instant when it may wait and the queue has a time-to-live.
    pub(super) fn admit(
        &self,
        qos: QoS,
        bytes: u64,
        now: Option<Instant>,
    ) -> Result<Option<Instant>, Error> {
        let Some(limits) = self
            .extras()
            .map(|e| e.limits)
            .filter(|l| !l.is_unlimited())
        else {
            return Ok(None);
        };
        let goes_out = self.state == State::Connected
            && (qos == QoS::AtMostOnce
                || (self.outgoing.queued_len() == 0
                    && self.outgoing.inflight.len() < self.window()));
        if goes_out {
            return Ok(None);
        }
        let (count, waiting_bytes) = self.outgoing.waiting();
        if limits.max_messages > 0 && count >= limits.max_messages as usize {
            log::warn!(
                "culex: publish refused: {count} messages already wait to be sent (the limit)"
            );
            return Err(Error::QueueFull);
        }
        if limits.max_bytes > 0 && waiting_bytes + bytes > limits.max_bytes {
            log::warn!(
                "culex: publish refused: {waiting_bytes} bytes already wait to be sent, {bytes} \
                 more would pass the limit of {}",
                limits.max_bytes
            );
            return Err(Error::QueueFull);
        }
        Ok(match (limits.time_to_live, now) {
            (Some(ttl), Some(now)) => Some(now + ttl),
            _ => None,
        })
    }

    /// When the first waiting message expires, if one can.
    pub(super) fn next_expiry(&self) -> Option<Instant> {
        self.extras()?.limits.time_to_live?;
        self.outgoing.next_expiry()
    }

    /// Take out the messages whose time-to-live ran out by `now`, reporting each.
    pub(super) fn expire_waiting(&mut self, now: Instant) {
        if !self.next_expiry().is_some_and(|at| at <= now) {
            return;
        }
        for expired in self.outgoing.expire(now) {
            let mid = match expired {
                Expired::Queued(id) => {
                    self.ids.release(id);
                    note(&mut self.journal, Record::OutgoingDone(id));
                    id
                }
                Expired::Held(mid) => mid,
            };
            log::warn!("culex: m{mid} waited longer than the queue's time-to-live: dropped");
            self.record_outcome(mid, super::Delivery::Expired);
            self.events.push_back(Event::Expired { mid });
        }
    }
}
