//! Fuzz the sans-IO session's inbound path: whatever a broker sends after CONNACK.
//!
//! The first input byte chooses the configuration (protocol version, a small inbound limit,
//! keepalive, the CONNACK's Session Present and MQTT 5 limits); the rest is a little script of
//! operations: feed the next bytes as broker input, let time pass, publish, subscribe,
//! unsubscribe, disconnect, reconnect. The session's own output is the oracle:
//!
//! - every byte the session hands to the transport decodes, as whole packets a client may send;
//! - after the CONNACK announced a Maximum Packet Size, nothing larger is sent;
//! - a failed `handle_bytes` leaves the session offline;
//! - a delivered message has a topic (MQTT 5 aliases resolved) and a packet id exactly when its
//!   QoS needs one;
//! - the session's journal (the durable store's records, kept in memory here) replays, at the
//!   end and after every snapshot (op 15), to exactly the messages the session still holds,
//!   and a session restored from it holds as many.

#![no_main]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use culex::persist::replay::{replay, Recovered};
use culex::persist::{Journal, Record};

use culex::protocol::{
    decode_packet, ConnAck, Packet, Properties, PropertyId, PropertyValue, ProtocolVersion, QoS,
    SubscribeFilter, SubscriptionOptions,
};
use culex::session::{Event, Session, SessionConfig, State};
use libfuzzer_sys::fuzz_target;

/// The Maximum Packet Size the fuzzed CONNACK may announce.
const SERVER_MAX_PACKET: u32 = 96;

/// Records in memory, owned.
#[derive(Debug, Clone, Default)]
struct MemoryJournal(Arc<Mutex<Vec<Record<'static>>>>);

fn owned(record: &Record<'_>) -> Record<'static> {
    match record {
        Record::Outgoing(p) => Record::Outgoing(std::borrow::Cow::Owned(p.as_ref().clone())),
        Record::Inbound(p) => Record::Inbound(std::borrow::Cow::Owned(p.as_ref().clone())),
        Record::OutgoingReleased(id) => Record::OutgoingReleased(*id),
        Record::OutgoingDone(id) => Record::OutgoingDone(*id),
        Record::InboundDone(id) => Record::InboundDone(*id),
    }
}

impl Journal for MemoryJournal {
    fn record(&mut self, record: &Record<'_>) {
        self.0.lock().unwrap().push(owned(record));
    }
    fn commit(&mut self) -> Result<(), culex::Error> {
        Ok(())
    }
    fn publish_accepted(&mut self) -> Result<(), culex::Error> {
        Ok(())
    }
    fn wants_snapshot(&self) -> bool {
        false
    }
    fn snapshot(&mut self, live: &mut dyn Iterator<Item = Record<'_>>) -> Result<(), culex::Error> {
        let fresh: Vec<_> = live.map(|r| owned(&r)).collect();
        *self.0.lock().unwrap() = fresh;
        Ok(())
    }
}

struct Run {
    session: Session,
    now: Instant,
    version: ProtocolVersion,
    connack: ConnAck,
    /// The server's Maximum Packet Size on the current connection, once its CONNACK arrived.
    server_max: Option<u32>,
    out: Vec<u8>,
    journal: MemoryJournal,
}

impl Run {
    /// What the journal replays to, checked against the session.
    fn check_journal(&self) -> Recovered {
        let recovered = replay(self.journal.0.lock().unwrap().clone());
        assert_eq!(
            recovered.outgoing.len(),
            self.session.outgoing_count(),
            "journal and session disagree on outgoing messages: {recovered:?}"
        );
        assert_eq!(
            recovered.inbound.len(),
            self.session.held_inbound_count(),
            "journal and session disagree on inbound QoS 2 messages: {recovered:?}"
        );
        recovered
    }

    /// Take what the session wants to send and check it.
    fn drain(&mut self) {
        self.out.clear();
        self.session.poll_transmit(self.now, &mut self.out);
        let mut rest = &self.out[..];
        while !rest.is_empty() {
            let (packet, used) = match decode_packet(rest, self.version, u32::MAX) {
                Ok(Some(decoded)) => decoded,
                other => panic!("session sent undecodable bytes {rest:?}: {other:?}"),
            };
            assert!(
                matches!(
                    packet,
                    Packet::Connect(_)
                        | Packet::Publish(_)
                        | Packet::Ack(_)
                        | Packet::Subscribe(_)
                        | Packet::Unsubscribe(_)
                        | Packet::PingReq
                        | Packet::Disconnect(_)
                        | Packet::Auth(_)
                ),
                "a client sent {packet:?}"
            );
            if let Some(max) = self.server_max {
                assert!(
                    used as u64 <= u64::from(max),
                    "sent {used} bytes past the server's Maximum Packet Size {max}: {packet:?}"
                );
            }
            rest = &rest[used..];
        }
        while let Some(event) = self.session.poll_event() {
            if let Event::Message(publish) = event {
                assert!(
                    !publish.topic.is_empty(),
                    "message without topic: {publish:?}"
                );
                assert_eq!(
                    publish.packet_id == 0,
                    publish.qos == QoS::AtMostOnce,
                    "packet id and QoS disagree: {publish:?}"
                );
            }
        }
        // As the driver does once the application has had them (the PUBCOMPs this queues for
        // a durable session are checked with the next output).
        self.session.messages_delivered();
    }

    /// Feed broker bytes; a failure must leave the session offline.
    fn feed(&mut self, bytes: &[u8]) {
        let before = self.session.state();
        if let Err(e) = self.session.handle_bytes(self.now, bytes) {
            assert_eq!(
                self.session.state(),
                State::Offline,
                "handle_bytes failed with {e:?} (state before {before:?})"
            );
        }
        self.drain();
    }

    /// Start a connection and answer its CONNECT with the configured CONNACK.
    fn connect(&mut self) {
        self.session.connection_lost();
        self.server_max = None;
        self.session.open();
        self.session.transport_ready(self.now);
        self.drain();
        let mut bytes = Vec::new();
        Packet::ConnAck(self.connack.clone())
            .encode(self.version, &mut bytes)
            .expect("CONNACK encodes");
        self.feed(&bytes);
        if self.session.state() == State::Connected && self.version.is_v5() {
            self.server_max = self
                .connack
                .properties
                .get_u32(PropertyId::MaximumPacketSize);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&setup, mut script)) = data.split_first() else {
        return;
    };
    let version = match setup & 0b11 {
        0 => ProtocolVersion::V31,
        1 => ProtocolVersion::V311,
        _ => ProtocolVersion::V5,
    };
    let mut connack_properties = Properties::new();
    if version.is_v5() && setup & 0x20 != 0 {
        connack_properties.add(PropertyId::ReceiveMaximum, PropertyValue::TwoByteInteger(2));
        connack_properties.add(
            PropertyId::TopicAliasMaximum,
            PropertyValue::TwoByteInteger(4),
        );
        connack_properties.add(
            PropertyId::MaximumPacketSize,
            PropertyValue::FourByteInteger(SERVER_MAX_PACKET),
        );
        connack_properties.add(PropertyId::MaximumQos, PropertyValue::Byte(1));
    }
    let mut connect_properties = Properties::new();
    if version.is_v5() && setup & 0x40 != 0 {
        connect_properties.add(
            PropertyId::TopicAliasMaximum,
            PropertyValue::TwoByteInteger(3),
        );
        connect_properties.add(PropertyId::ReceiveMaximum, PropertyValue::TwoByteInteger(2));
    }
    let config = SessionConfig {
        protocol: version,
        client_id: "fuzz".into(),
        clean_start: setup & 0x10 == 0,
        keep_alive: if setup & 0x04 != 0 { 0 } else { 10 },
        connect_properties,
        max_inflight: 3,
        max_incoming_packet_size: if setup & 0x08 != 0 { 64 } else { 1 << 20 },
        auto_topic_alias: setup & 0x80 != 0,
        ..SessionConfig::default()
    };
    let mut run = Run {
        session: Session::new(config),
        now: Instant::now(),
        version,
        connack: ConnAck {
            session_present: setup & 0x10 != 0,
            reason_code: 0,
            properties: connack_properties,
        },
        server_max: None,
        out: Vec::new(),
        journal: MemoryJournal::default(),
    };
    run.session.set_journal(Some(Box::new(run.journal.clone())));
    run.connect();

    while let Some((&op, rest)) = script.split_first() {
        script = rest;
        let arg = script.first().copied().unwrap_or(0);
        match op % 16 {
            // Broker bytes, mostly: a chunk of up to 255 bytes taken from the input.
            0..=8 => {
                script = script.get(1..).unwrap_or(&[]);
                let (chunk, rest) = script.split_at(usize::from(arg).min(script.len()));
                script = rest;
                run.feed(chunk);
            }
            9 => {
                script = script.get(1..).unwrap_or(&[]);
                run.now += Duration::from_millis(u64::from(arg) * 250);
                let _ = run.session.handle_timeout(run.now);
                run.drain();
            }
            10 => {
                script = script.get(1..).unwrap_or(&[]);
                let qos = QoS::from_u8(arg % 3).expect("0..=2");
                let topic = if arg & 0x80 != 0 {
                    "a/long/topic/name"
                } else {
                    "t"
                };
                let payload = vec![arg; usize::from(arg >> 2)];
                let _ =
                    run.session
                        .publish(topic, &payload, qos, arg & 0x08 != 0, Properties::new());
                run.drain();
            }
            11 => {
                script = script.get(1..).unwrap_or(&[]);
                let qos = QoS::from_u8(arg % 3).expect("0..=2");
                let filter = SubscribeFilter {
                    filter: if arg & 0x80 != 0 { "a/#" } else { "t" }.into(),
                    options: SubscriptionOptions::new(qos),
                };
                let _ = run.session.subscribe(vec![filter], Properties::new());
                run.drain();
            }
            12 => {
                let _ = run.session.unsubscribe(vec!["t".into()], Properties::new());
                run.drain();
            }
            13 => {
                let _ = run.session.disconnect(0, Properties::new());
                run.drain();
            }
            14 => run.connect(),
            _ => {
                // The same messages, stages and order (DUP aside: a resumed message is resent
                // with DUP=1 whatever the store says).
                let undup = |mut r: Recovered| {
                    r.outgoing.iter_mut().for_each(|m| m.publish.dup = false);
                    r
                };
                let before = undup(run.check_journal());
                run.session.snapshot_journal().expect("in memory");
                assert_eq!(
                    undup(run.check_journal()),
                    before,
                    "a snapshot changed the state"
                );
                run.drain();
            }
        }
    }
    let recovered = run.check_journal();
    let (outgoing, inbound) = (recovered.outgoing.len(), recovered.inbound.len());
    let mut restored = Session::new(SessionConfig::default());
    assert_eq!(restored.restore(recovered).len(), outgoing);
    assert_eq!(restored.outgoing_count(), outgoing);
    assert_eq!(restored.held_inbound_count(), inbound);
});
