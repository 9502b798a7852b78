//! The state of Paho's conveniences, in one box that exists only while one of them is in use:
//! the queue's limits (`limits.rs`), the record of messages that did not simply go through
//! (`delivery.rs`), manual acknowledgement and the acknowledgements it awaits (`manual_ack.rs`),
//! and the application's connect timeout. A client that uses none of them (and whose messages
//! all go through) pays one pointer for all of them.
//!
//! Owns the box's life: made on first need, dropped when nothing in it is in use any more.

use super::delivery::Outcomes;
use super::limits::QueueLimits;
use super::manual_ack::AwaitedAcks;
use super::Session;

#[derive(Debug, Default)]
pub(super) struct Extras {
    pub(super) limits: QueueLimits,
    pub(super) outcomes: Outcomes,
    pub(super) manual_ack: bool,
    pub(super) awaited: AwaitedAcks,
    /// The application's connect timeout in milliseconds (0: none; CONNACK then follows the
    /// keepalive rule).
    pub(super) connect_timeout_ms: u32,
}

impl Extras {
    fn in_use(&self) -> bool {
        !self.limits.is_unlimited()
            || !self.outcomes.is_empty()
            || self.manual_ack
            || !self.awaited.is_empty()
            || self.connect_timeout_ms > 0
    }
}

impl Session {
    /// The conveniences' state, if any is in use.
    #[inline]
    pub(super) fn extras(&self) -> Option<&Extras> {
        self.extras.as_deref()
    }

    /// The conveniences' state, made if it was not there; [`Session::tidy_extras`] after a
    /// change that may have emptied it.
    pub(super) fn extras_mut(&mut self) -> &mut Extras {
        self.extras.get_or_insert_with(Box::default)
    }

    /// Drop the box once nothing in it is in use.
    pub(super) fn tidy_extras(&mut self) {
        if self.extras.as_deref().is_some_and(|e| !e.in_use()) {
            self.extras = None;
        }
    }
}
