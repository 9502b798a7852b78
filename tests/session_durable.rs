//! Session: what it records in its journal (the durable store's trait), and in which order
//! relative to the bytes that depend on it; and a session restored from those records resuming
//! where the first one stopped (DUP=1 with the original ids, PUBREL past PUBREC, inbound QoS 2
//! held until PUBREL and delivered once).
//!
//! The journal here keeps the records in memory and notes, at every commit, how many bytes the
//! session had handed out by then, so each test can check that a record was committed before the
//! bytes it guards were taken (the driver commits right after `poll_transmit`, before writing).

mod common_session;

use std::sync::{Arc, Mutex};

use common_session::*;
use culex::persist::replay::replay;
use culex::persist::{Journal, Record};
use culex::protocol::{AckKind, Packet, QoS};
use culex::session::{Event, Session, SessionConfig};
use culex::Error;

#[derive(Debug, Default)]
struct Log {
    /// Every record, in order, as owned values.
    records: Vec<Record<'static>>,
    /// How many records were committed.
    committed: usize,
    snapshots: usize,
}

#[derive(Debug, Clone, Default)]
struct MemoryJournal(Arc<Mutex<Log>>);

impl Journal for MemoryJournal {
    fn record(&mut self, record: &Record<'_>) {
        let owned = match record {
            Record::Outgoing(p) => Record::Outgoing(std::borrow::Cow::Owned(p.as_ref().clone())),
            Record::Inbound(p) => Record::Inbound(std::borrow::Cow::Owned(p.as_ref().clone())),
            Record::OutgoingReleased(id) => Record::OutgoingReleased(*id),
            Record::OutgoingDone(id) => Record::OutgoingDone(*id),
            Record::InboundDone(id) => Record::InboundDone(*id),
        };
        self.0.lock().unwrap().records.push(owned);
    }
    fn commit(&mut self) -> Result<(), Error> {
        let mut log = self.0.lock().unwrap();
        log.committed = log.records.len();
        Ok(())
    }
    fn publish_accepted(&mut self) -> Result<(), Error> {
        self.commit()
    }
    fn wants_snapshot(&self) -> bool {
        false
    }
    fn snapshot(&mut self, live: &mut dyn Iterator<Item = Record<'_>>) -> Result<(), Error> {
        let mut fresh = MemoryJournal::default();
        for r in live {
            fresh.record(&r);
        }
        let records = std::mem::take(&mut fresh.0.lock().unwrap().records);
        let mut log = self.0.lock().unwrap();
        log.committed = records.len();
        log.records = records;
        log.snapshots += 1;
        Ok(())
    }
}

impl MemoryJournal {
    fn records(&self) -> Vec<Record<'static>> {
        self.0.lock().unwrap().records.clone()
    }
    fn short(&self) -> Vec<String> {
        self.records()
            .iter()
            .map(|r| match r {
                Record::Outgoing(p) => format!("out m{} q{}", p.packet_id, p.qos.as_u8()),
                Record::Inbound(p) => format!("in m{}", p.packet_id),
                Record::OutgoingReleased(id) => format!("released m{id}"),
                Record::OutgoingDone(id) => format!("done m{id}"),
                Record::InboundDone(id) => format!("in-done m{id}"),
            })
            .collect()
    }
}

/// What the driver does before writing: commit, then take the bytes.
fn sent(h: &mut Harness) -> Vec<String> {
    h.session.commit_journal().unwrap();
    summary(&h.sent())
}

fn journaled() -> (Harness, MemoryJournal) {
    let mut h = Harness::new(SessionConfig {
        clean_start: false,
        ..config(20)
    });
    let journal = MemoryJournal::default();
    h.session.set_journal(Some(Box::new(journal.clone())));
    h.connect(false);
    (h, journal)
}

#[test]
fn every_step_of_both_directions_is_recorded_before_its_bytes() {
    let (mut h, j) = journaled();
    assert_eq!(pubq(&mut h, "a", QoS::AtLeastOnce), Ok(1));
    assert_eq!(pubq(&mut h, "b", QoS::ExactlyOnce), Ok(2));
    assert_eq!(pubq(&mut h, "z", QoS::AtMostOnce), Ok(3));
    assert_eq!(j.short(), ["out m1 q1", "out m2 q2"], "QoS 0 is not kept");
    assert_eq!(sent(&mut h).len(), 3);
    h.feed(puback(1)).unwrap();
    h.feed(pubrec(2)).unwrap();
    assert_eq!(j.short()[2..], ["done m1", "released m2"]);
    assert_eq!(sent(&mut h), ["PubRel m2"]);
    h.feed(pubcomp(2)).unwrap();
    let inbound = publish("in", b"x", QoS::ExactlyOnce, 9, false);
    h.feed(Packet::Publish(inbound.clone())).unwrap();
    // A duplicate before PUBREL is answered again and not recorded again.
    h.feed(Packet::Publish(publish(
        "in",
        b"x",
        QoS::ExactlyOnce,
        9,
        true,
    )))
    .unwrap();
    assert_eq!(j.short()[4..], ["done m2", "in m9"]);
    assert_eq!(sent(&mut h), ["PubRec m9", "PubRec m9"]);
    h.feed(pubrel(9)).unwrap();
    // Durable: PUBREL hands the message out, and it is done (recorded, PUBCOMP queued) only once
    // the application has had it, so that a crash in between loses nothing.
    assert_eq!(j.short().len(), 6, "nothing recorded before the delivery");
    assert_eq!(sent(&mut h), Vec::<String>::new());
    let delivered: Vec<_> = h
        .events()
        .into_iter()
        .filter(|e| matches!(e, Event::Message(_)))
        .collect();
    assert_eq!(delivered, vec![Event::Message(inbound)]);
    // A PUBREL sent again meanwhile is not a second delivery.
    h.feed(pubrel(9)).unwrap();
    assert_eq!(h.events(), vec![]);
    h.session.message_delivered(8); // not one being delivered: nothing
    assert_eq!(j.short().len(), 6);
    h.session.message_delivered(9);
    assert_eq!(j.short()[6..], ["in-done m9"]);
    assert_eq!(sent(&mut h), ["PubComp m9"]);
}

#[test]
fn a_released_message_not_yet_delivered_survives_a_snapshot_and_a_crash() {
    let (mut h, j) = journaled();
    let inbound = publish("in", b"x", QoS::ExactlyOnce, 5, false);
    h.feed(Packet::Publish(inbound.clone())).unwrap();
    assert_eq!(sent(&mut h), ["PubRec m5"]);
    h.feed(pubrel(5)).unwrap();
    // The process dies after the release, before the application ran: the store (snapshotted
    // meanwhile) still holds the message, and a new process delivers it at the next PUBREL.
    h.session.snapshot_journal().unwrap();
    assert_eq!(j.short(), ["in m5"]);
    assert_eq!(h.session.held_inbound_count(), 1);
    let recovered = replay(j.records());
    assert_eq!(recovered.inbound, vec![inbound.clone()]);
    let mut next = Harness::new(SessionConfig {
        clean_start: false,
        ..config(20)
    });
    assert_eq!(next.session.restore(recovered), vec![]);
    next.connect(true);
    next.feed(pubrel(5)).unwrap();
    assert_eq!(next.events(), vec![Event::Message(inbound)]);
}

#[test]
fn a_message_delivered_after_the_connection_ended_is_done_and_its_pubrel_answered_alone() {
    let (mut h, j) = journaled();
    let inbound = publish("in", b"x", QoS::ExactlyOnce, 6, false);
    h.feed(Packet::Publish(inbound.clone())).unwrap();
    assert_eq!(sent(&mut h), ["PubRec m6"]);
    h.feed(pubrel(6)).unwrap();
    h.session.connection_lost();
    assert_eq!(h.events(), vec![Event::Message(inbound)]);
    h.session.messages_delivered();
    assert_eq!(j.short(), ["in m6", "in-done m6"]);
    h.connect(true);
    assert_eq!(sent(&mut h), Vec::<String>::new());
    // The broker never had PUBCOMP: it releases again, and gets PUBCOMP, without a delivery.
    h.feed(pubrel(6)).unwrap();
    assert_eq!(sent(&mut h), ["PubComp m6"]);
    assert_eq!(h.events(), vec![]);
}

#[test]
fn a_restored_session_resumes_with_dup_original_ids_and_pubrel() {
    let (mut h, j) = journaled();
    for (topic, qos) in [
        ("a", QoS::AtLeastOnce),
        ("b", QoS::ExactlyOnce),
        ("c", QoS::ExactlyOnce),
        ("d", QoS::AtLeastOnce),
    ] {
        pubq(&mut h, topic, qos).unwrap();
    }
    sent(&mut h);
    h.feed(pubrec(2)).unwrap();
    h.feed(puback(4)).unwrap();
    h.feed(Packet::Publish(publish(
        "in",
        b"x",
        QoS::ExactlyOnce,
        7,
        false,
    )))
    .unwrap();
    assert_eq!(sent(&mut h), ["PubRel m2", "PubRec m7"]);
    h.events();
    // The process dies here: only the journal is left.
    let recovered = replay(j.records());
    assert_eq!(recovered.outgoing.len(), 3);
    assert_eq!(recovered.inbound.len(), 1);

    let mut h2 = Harness::new(SessionConfig {
        clean_start: false,
        ..config(20)
    });
    let resumed = h2.session.restore(recovered);
    let ids: Vec<_> = resumed.iter().map(|p| (p.packet_id, p.dup)).collect();
    assert_eq!(ids, [(1, true), (2, true), (3, true)]);
    // New messages get ids the restored ones do not hold.
    assert_eq!(pubq(&mut h2, "e", QoS::AtLeastOnce), Ok(4));
    h2.connect(true);
    assert_eq!(
        summary(&h2.sent()),
        [
            "PubRel m2",
            "PUBLISH m1 q1 d1 a",
            "PUBLISH m3 q2 d1 c",
            "PUBLISH m4 q1 d0 e"
        ]
    );
    // The broker releases the inbound message it had: delivered once.
    h2.feed(pubrel(7)).unwrap();
    assert_eq!(summary(&h2.sent()), ["PubComp m7"]);
    let events = h2.events();
    assert!(
        matches!(&events[..], [Event::Message(p)] if p.packet_id == 7 && p.payload == b"x"),
        "{events:?}"
    );
    h2.feed(pubcomp(2)).unwrap();
    assert_eq!(h2.events(), vec![acked(2, AckKind::PubComp)]);
}

#[test]
fn a_snapshot_holds_exactly_the_live_state() {
    let (mut h, j) = journaled();
    for i in 0..30 {
        let qos = if i % 2 == 0 {
            QoS::AtLeastOnce
        } else {
            QoS::ExactlyOnce
        };
        pubq(&mut h, "t", qos).unwrap();
    }
    sent(&mut h);
    h.feed(puback(1)).unwrap();
    h.feed(pubrec(2)).unwrap();
    h.feed(Packet::Publish(publish(
        "in",
        b"x",
        QoS::ExactlyOnce,
        5,
        false,
    )))
    .unwrap();
    sent(&mut h);
    let before = replay(j.records());
    h.session.snapshot_journal().unwrap();
    assert_eq!(j.0.lock().unwrap().snapshots, 1);
    assert!(j.records().len() < 40);
    assert_eq!(replay(j.records()), before);
    // 29 outgoing (20 in flight, 9 queued), m2 past PUBREC, one inbound.
    assert_eq!(before.outgoing.len(), 29);
    assert!(before.outgoing[0].released);
    assert_eq!(before.inbound.len(), 1);
}

#[test]
fn no_journal_costs_nothing_and_records_nothing() {
    let mut s = Session::new(config(20));
    assert!(!s.has_journal());
    assert_eq!(s.commit_journal(), Ok(()));
    assert_eq!(s.journal_publish_accepted(), Ok(()));
    assert_eq!(s.snapshot_journal(), Ok(()));
}

#[test]
fn the_file_store_keeps_an_inbound_message_whose_pubrec_left() {
    use culex::persist::file::FileStore;
    use culex::persist::{format, Mode};
    let dir = std::env::temp_dir().join(format!("culex-durable-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (store, recovered) = FileStore::open(&dir, "sub", Mode::GroupCommit).unwrap();
    let mut h = Harness::new(SessionConfig {
        clean_start: false,
        ..config(20)
    });
    h.session.restore(recovered);
    h.session.set_journal(Some(Box::new(store)));
    h.session.snapshot_journal().unwrap();
    h.connect(true);
    for id in 1..=5 {
        h.feed(Packet::Publish(publish(
            "in",
            b"x",
            QoS::ExactlyOnce,
            id,
            false,
        )))
        .unwrap();
        assert_eq!(sent(&mut h).len(), 1);
        // As after kill -9: what is on disk now (the lock is this process's; read around it).
        let bytes = std::fs::read(FileStore::journal_path(&dir, "sub")).unwrap();
        let contents = format::read(&bytes).unwrap();
        assert_eq!(contents.damage, None);
        let ids: Vec<u16> = replay(contents.records)
            .inbound
            .iter()
            .map(|p| p.packet_id)
            .collect();
        assert_eq!(ids, (1..=id).collect::<Vec<_>>());
    }
    drop(h);
    let _ = std::fs::remove_dir_all(&dir);
}
