//! Test harness for the session: a fake clock and a scripted fake broker.
//!
//! The clock is a base `Instant` taken once plus `Duration`s the test adds (or [`Harness::drive`]
//! jumps it to the session's next deadline, as a driver would); the broker decodes what
//! the session handed to the transport (with the real codec) and encodes what the test wants the
//! broker to send. Nothing here sleeps or touches a socket.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use culex::protocol::{
    decode_packet, Ack, AckKind, ConnAck, Packet, PacketId, Properties, ProtocolVersion, Publish,
    QoS, SubAck, SubscribeFilter, SubscriptionOptions, UnsubAck,
};
use culex::session::{Event, Session, SessionConfig, State};
use culex::Error;

/// A session, a fake clock and the broker's end of the byte stream.
pub struct Harness {
    pub session: Session,
    /// The instant the test started (the fake clock's zero).
    pub t0: Instant,
    /// The fake clock's current reading.
    pub now: Instant,
    /// Events taken out of the session by [`Harness::connect`] before its CONNACK.
    earlier_events: Vec<Event>,
}

/// A 3.1.1 configuration with a fixed client id, keepalive 60 and the given window.
pub fn config(max_inflight: u16) -> SessionConfig {
    SessionConfig {
        client_id: "culex-test".into(),
        max_inflight,
        ..SessionConfig::default()
    }
}

impl Harness {
    pub fn new(config: SessionConfig) -> Harness {
        let t0 = Instant::now();
        Harness {
            session: Session::new(config),
            t0,
            now: t0,
            earlier_events: Vec::new(),
        }
    }

    /// A 3.1.1 session (keepalive 60, window 20, clean session 0) connected with Session
    /// Present 0.
    pub fn connected() -> Harness {
        let mut h = Harness::new(SessionConfig {
            clean_start: false,
            ..config(20)
        });
        h.connect(false);
        h
    }

    pub fn version(&self) -> ProtocolVersion {
        self.session.config().protocol
    }

    /// Move the fake clock forward.
    pub fn advance(&mut self, d: Duration) {
        self.now += d;
    }

    /// Move the fake clock to `t0 + secs`.
    pub fn at_secs(&mut self, secs: u64) {
        self.now = self.t0 + Duration::from_secs(secs);
    }

    /// What a driver's loop does between inputs: jump the fake clock to the session's next
    /// deadline ([`Session::poll_timeout`]) and let it handle it there. Returns what
    /// `handle_timeout` gave. Panics when there is no deadline, or when it lies in the past (time
    /// never goes backwards: the session's contract).
    pub fn drive(&mut self) -> Result<(), Error> {
        let deadline = self
            .session
            .poll_timeout()
            .expect("drive(): the session has no deadline");
        assert!(deadline >= self.now, "drive(): the deadline is in the past");
        self.now = deadline;
        self.session.handle_timeout(self.now)
    }

    /// The fake clock's reading, in seconds since `t0`.
    pub fn elapsed_secs(&self) -> f64 {
        (self.now - self.t0).as_secs_f64()
    }

    /// Everything the session hands to the transport now, as bytes.
    pub fn sent_bytes(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let _appended = self.session.poll_transmit(self.now, &mut out);
        out
    }

    /// Everything the session hands to the transport now, decoded.
    pub fn sent(&mut self) -> Vec<Packet> {
        let bytes = self.sent_bytes();
        decode_all(&bytes, self.version())
    }

    /// All events pending.
    pub fn events(&mut self) -> Vec<Event> {
        let mut events = std::mem::take(&mut self.earlier_events);
        events.extend(std::iter::from_fn(|| self.session.poll_event()));
        events
    }

    /// Encode `packet` as the broker and feed it to the session.
    pub fn feed(&mut self, packet: Packet) -> Result<(), Error> {
        let bytes = encode(&packet, self.version());
        self.session.handle_bytes(self.now, &bytes)
    }

    /// Open, make the transport ready, check CONNECT went out, answer CONNACK (accepted).
    pub fn connect(&mut self, session_present: bool) {
        self.session.open();
        self.session.transport_ready(self.now);
        let sent = self.sent();
        assert!(
            matches!(sent.first(), Some(Packet::Connect(_))),
            "expected CONNECT first, got {sent:?}"
        );
        assert_eq!(sent.len(), 1, "only CONNECT before CONNACK: {sent:?}");
        let earlier = self.events();
        self.earlier_events = earlier;
        self.feed(connack(0, session_present)).expect("CONNACK");
        assert_eq!(self.session.state(), State::Connected);
        let first = self.session.poll_event();
        assert_eq!(
            first,
            Some(Event::ConnAck {
                reason_code: 0,
                session_present,
                properties: Properties::default(),
            })
        );
    }

    /// Lose the connection and connect again with the given Session Present; returns what the
    /// session sent right after CONNACK.
    pub fn reconnect(&mut self, session_present: bool) -> Vec<Packet> {
        self.session.connection_lost();
        assert_eq!(self.session.state(), State::Offline);
        self.connect(session_present);
        self.sent()
    }
}

/// Decode every packet in `bytes`; panics on leftovers.
pub fn decode_all(mut bytes: &[u8], version: ProtocolVersion) -> Vec<Packet> {
    let mut packets = Vec::new();
    while !bytes.is_empty() {
        let (packet, used) = decode_packet(bytes, version, u32::MAX)
            .expect("session sent a malformed packet")
            .expect("session sent an incomplete packet");
        packets.push(packet);
        bytes = &bytes[used..];
    }
    packets
}

/// The wire form of `packet`.
pub fn encode(packet: &Packet, version: ProtocolVersion) -> Vec<u8> {
    let mut out = Vec::new();
    packet.encode(version, &mut out).expect("encode");
    out
}

pub fn connack(reason_code: u8, session_present: bool) -> Packet {
    Packet::ConnAck(ConnAck {
        session_present,
        reason_code,
        properties: Properties::default(),
    })
}

pub fn ack(kind: AckKind, packet_id: PacketId) -> Packet {
    Packet::Ack(Ack::new(kind, packet_id))
}

pub fn puback(id: PacketId) -> Packet {
    ack(AckKind::PubAck, id)
}

pub fn pubrec(id: PacketId) -> Packet {
    ack(AckKind::PubRec, id)
}

pub fn pubrel(id: PacketId) -> Packet {
    ack(AckKind::PubRel, id)
}

pub fn pubcomp(id: PacketId) -> Packet {
    ack(AckKind::PubComp, id)
}

pub fn suback(id: PacketId, codes: &[u8]) -> Packet {
    Packet::SubAck(SubAck {
        packet_id: id,
        reason_codes: codes.to_vec(),
        properties: Properties::default(),
    })
}

pub fn unsuback(id: PacketId) -> Packet {
    Packet::UnsubAck(UnsubAck {
        packet_id: id,
        reason_codes: Vec::new(),
        properties: Properties::default(),
    })
}

/// A PUBLISH as the broker would send it.
pub fn publish(topic: &str, payload: &[u8], qos: QoS, id: PacketId, dup: bool) -> Publish {
    Publish {
        dup,
        qos,
        retain: false,
        topic: topic.into(),
        packet_id: id,
        payload: payload.to_vec(),
        properties: Properties::default(),
    }
}

/// One subscription with default options.
pub fn filter(filter: &str, qos: QoS) -> SubscribeFilter {
    SubscribeFilter {
        filter: filter.into(),
        options: SubscriptionOptions {
            qos,
            no_local: false,
            retain_as_published: false,
            retain_handling: Default::default(),
        },
    }
}

/// Event::Published of a QoS 0 message handed to the transport (no acknowledgement).
pub fn published(mid: PacketId) -> Event {
    Event::Published {
        mid,
        reason_code: 0,
        properties: Properties::default(),
        ack: None,
    }
}

/// Event::Published completed by `ack` (PUBACK for QoS 1, PUBCOMP for QoS 2) with reason 0.
pub fn acked(mid: PacketId, ack: AckKind) -> Event {
    Event::Published {
        mid,
        reason_code: 0,
        properties: Properties::default(),
        ack: Some(ack),
    }
}

/// (packet id, dup) of every PUBLISH in `packets`, other packets as (id, kind name).
pub fn summary(packets: &[Packet]) -> Vec<String> {
    packets
        .iter()
        .map(|p| match p {
            Packet::Publish(p) => format!(
                "PUBLISH m{} q{} d{} {}",
                p.packet_id,
                p.qos.as_u8(),
                u8::from(p.dup),
                p.topic
            ),
            Packet::Ack(a) => format!("{:?} m{}", a.kind, a.packet_id),
            Packet::Subscribe(s) => format!("SUBSCRIBE m{}", s.packet_id),
            Packet::Unsubscribe(u) => format!("UNSUBSCRIBE m{}", u.packet_id),
            Packet::PingReq => "PINGREQ".into(),
            Packet::Disconnect(_) => "DISCONNECT".into(),
            Packet::Connect(_) => "CONNECT".into(),
            other => format!("{other:?}"),
        })
        .collect()
}

/// Publish QoS 1 with no properties.
pub fn pub1(h: &mut Harness, topic: &str) -> PacketId {
    h.session
        .publish(topic, b"x", QoS::AtLeastOnce, false, Properties::default())
        .expect("publish")
}

/// Publish with the given QoS and no properties.
pub fn pubq(h: &mut Harness, topic: &str, qos: QoS) -> Result<PacketId, Error> {
    h.session
        .publish(topic, b"x", qos, false, Properties::default())
}
