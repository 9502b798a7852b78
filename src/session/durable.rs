//! The session's side of the durable store (`crate::persist`): which steps it records, how it
//! takes a store's contents back, and the live state a snapshot holds.
//!
//! The session records, through the [`Journal`] trait and before it queues the bytes that
//! depend on it: an accepted QoS 1/2 PUBLISH (`Outgoing`), a PUBREC for one of ours before PUBREL
//! is queued (`OutgoingReleased`), its completion or drop (`OutgoingDone`), an inbound QoS 2
//! PUBLISH before PUBREC is queued (`Inbound`), and its release before PUBCOMP is queued
//! (`InboundDone`). The driver commits the journal before it writes to the socket
//! ([`Session::commit_journal`]), so nothing leaves that the store does not know of. No I/O
//! here.

use std::borrow::Cow;
use std::collections::VecDeque;

use super::outgoing::{InflightPublish, Outgoing, Stage};
use super::Session;
use crate::error::Error;
use crate::persist::{Journal, Record, Recovered};
use crate::protocol::{AckKind, PacketId, Publish};

/// Hand `record` to the journal, if there is one.
#[inline]
pub(super) fn note(journal: &mut Option<Box<dyn Journal>>, record: Record<'_>) {
    if let Some(journal) = journal.as_deref_mut() {
        journal.record(&record);
    }
}

impl Session {
    /// Record every step that must survive a crash in `journal` from now on (`None`: stop).
    /// Call [`Session::restore`] first with what the store held, then
    /// [`Session::snapshot_journal`] so that the store holds the whole state.
    pub fn set_journal(&mut self, journal: Option<Box<dyn Journal>>) {
        self.journal = journal;
    }

    /// Whether a journal records this session.
    pub fn has_journal(&self) -> bool {
        self.journal.is_some()
    }

    /// Take back what a store held (a previous process's session): outgoing messages are queued
    /// again in their order, to be sent with DUP=1 and their ids (those past PUBREC get PUBREL
    /// instead, on the next connection), inbound QoS 2 messages wait for their PUBREL again.
    /// Returns the outgoing messages resumed, for the application to hear of. A message whose
    /// packet id is already in use here is dropped with a warning.
    pub fn restore(&mut self, recovered: Recovered) -> Vec<Publish> {
        let mut resumed = Vec::with_capacity(recovered.outgoing.len());
        for m in recovered.outgoing {
            let mut publish = m.publish;
            if !self.ids.hold(publish.packet_id) {
                log::warn!(
                    "culex: stored message m{} not resumed: its packet id is in use",
                    publish.packet_id
                );
                continue;
            }
            publish.dup = true;
            resumed.push(publish.clone());
            if m.released {
                self.outgoing.inflight.push_back(InflightPublish {
                    publish,
                    stage: Stage::AwaitingPubComp,
                });
            } else {
                // A resumed message has no time-to-live: it was accepted by an earlier process.
                self.outgoing.enqueue(publish, None);
            }
        }
        for publish in recovered.inbound {
            if !self.inbound_qos2.insert(publish.packet_id) {
                continue;
            }
            self.awaiting_release
                .get_or_insert_with(Box::default)
                .push_back(publish);
        }
        if !resumed.is_empty() {
            log::info!(
                "culex: resuming {} stored outgoing messages (m{}..)",
                resumed.len(),
                resumed[0].packet_id
            );
        }
        resumed
    }

    /// Make what the journal took in durable (the driver calls this before it writes to the
    /// socket); replaces the log by a snapshot when it has grown enough.
    pub fn commit_journal(&mut self) -> Result<(), Error> {
        let Some(journal) = self.journal.as_deref_mut() else {
            return Ok(());
        };
        if journal.wants_snapshot() {
            let mut live = live_records(
                &self.outgoing,
                self.awaiting_release.as_deref(),
                &self.delivering,
            );
            journal.snapshot(&mut live)
        } else {
            journal.commit()
        }
    }

    /// Replace the journal's log by the session's whole durable state now.
    pub fn snapshot_journal(&mut self) -> Result<(), Error> {
        let Some(journal) = self.journal.as_deref_mut() else {
            return Ok(());
        };
        let mut live = live_records(
            &self.outgoing,
            self.awaiting_release.as_deref(),
            &self.delivering,
        );
        journal.snapshot(&mut live)
    }

    /// The application has had the message with packet id `id` (the driver calls this after
    /// its callback returned). With a durable store, a QoS 2 message PUBREL released is done
    /// now: `InboundDone` is written to the store (it survives the process at once, and is
    /// durable by the next commit) and its PUBCOMP queued; offline, its id stays awaiting PUBREL,
    /// which the broker sends again and which is then answered without a second delivery. A
    /// crash before this leaves the message in the store, to be delivered again after the
    /// restart: nothing lost, and a copy twice only for a crash between the callback's return
    /// and this write.
    pub fn message_delivered(&mut self, id: PacketId) {
        let Some(at) = self.delivering.iter().position(|p| p.packet_id == id) else {
            return;
        };
        self.delivering.swap_remove(at);
        self.release_done(id);
        self.write_journal();
    }

    /// [`Session::message_delivered`] for every event polled so far (the driver calls this once
    /// the application has had them all, e.g. in one batch).
    pub fn messages_delivered(&mut self) {
        if self.delivering.is_empty() {
            return;
        }
        let ids: Vec<PacketId> = self.delivering.drain(..).map(|p| p.packet_id).collect();
        for id in ids {
            self.release_done(id);
        }
        self.write_journal();
    }

    /// Record a delivered release as done and let its PUBCOMP go (when connected).
    fn release_done(&mut self, id: PacketId) {
        note(&mut self.journal, Record::InboundDone(id));
        if self.state == super::State::Connected && self.inbound_qos2.remove(id) {
            self.tx
                .inbound_ack(AckKind::PubComp, id, self.config.protocol);
        }
    }

    fn write_journal(&mut self) {
        if let Some(journal) = self.journal.as_deref_mut() {
            // Logged by the store; the next commit (before any write to the socket) tries again.
            let _ = journal.write();
        }
    }

    /// How many inbound QoS 2 messages the store must hold: those awaiting their PUBREL, and
    /// those released but not yet handed to the application ([`Session::messages_delivered`]).
    pub fn held_inbound_count(&self) -> usize {
        self.awaiting_release.as_ref().map_or(0, |held| held.len()) + self.delivering.len()
    }

    /// A QoS 1/2 publish was accepted: a synchronous journal makes it durable now.
    pub fn journal_publish_accepted(&mut self) -> Result<(), Error> {
        match self.journal.as_deref_mut() {
            Some(journal) => journal.publish_accepted(),
            None => Ok(()),
        }
    }
}

/// The records that rebuild the durable state: outgoing messages in flight (with their stage),
/// then queued ones, then inbound QoS 2 messages awaiting PUBREL or their delivery.
fn live_records<'a>(
    outgoing: &'a Outgoing,
    awaiting_release: Option<&'a VecDeque<Publish>>,
    delivering: &'a [Publish],
) -> impl Iterator<Item = Record<'a>> {
    let inflight = outgoing.inflight.iter().flat_map(|m| {
        let released = (m.stage == Stage::AwaitingPubComp)
            .then_some(Record::OutgoingReleased(m.publish.packet_id));
        std::iter::once(Record::Outgoing(Cow::Borrowed(&m.publish))).chain(released)
    });
    let queued = outgoing
        .queued()
        .map(|p| Record::Outgoing(Cow::Borrowed(p)));
    let inbound = awaiting_release
        .into_iter()
        .flatten()
        .chain(delivering)
        .map(|p| Record::Inbound(Cow::Borrowed(p)));
    inflight.chain(queued).chain(inbound)
}
