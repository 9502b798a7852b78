//! Session in MQTT 5 (and 3.1) around CONNECT/CONNACK: clean start with Session Expiry Interval
//! and Session Present, Assigned Client Identifier, refusal reason codes, the broker's
//! DISCONNECT with a reason, and CONNECT as MQTT 3.1.

mod common_session;

use common_session::*;
use culex::protocol::{
    ConnAck, Disconnect, Packet, Properties, Property, PropertyId, PropertyValue, ProtocolVersion,
    QoS,
};
use culex::session::{Event, SessionConfig, State};
use culex::Error;

fn v5(clean_start: bool, session_expiry: Option<u32>) -> SessionConfig {
    let mut connect_properties = Properties::new();
    if let Some(secs) = session_expiry {
        connect_properties.add(
            PropertyId::SessionExpiryInterval,
            PropertyValue::FourByteInteger(secs),
        );
    }
    SessionConfig {
        protocol: ProtocolVersion::V5,
        clean_start,
        connect_properties,
        ..config(20)
    }
}

/// Open, send CONNECT (returned), answer `connack`.
fn connect_with(h: &mut Harness, connack: ConnAck) -> (Packet, Result<(), Error>) {
    h.session.open();
    h.session.transport_ready(h.now);
    let mut sent = h.sent();
    assert_eq!(sent.len(), 1);
    let result = h.feed(Packet::ConnAck(connack));
    (sent.remove(0), result)
}

fn accepted(session_present: bool, properties: Properties) -> ConnAck {
    ConnAck {
        session_present,
        reason_code: 0,
        properties,
    }
}

#[test]
fn session_expiry_with_session_present_1_resumes_the_flows() {
    let mut h = Harness::new(v5(false, Some(3600)));
    let (connect, result) = connect_with(&mut h, accepted(false, Properties::new()));
    result.unwrap();
    let Packet::Connect(c) = connect else {
        panic!()
    };
    assert!(!c.clean_start);
    assert_eq!(
        c.properties.get_u32(PropertyId::SessionExpiryInterval),
        Some(3600)
    );
    h.events();
    pub1(&mut h, "a");
    pubq(&mut h, "b", QoS::ExactlyOnce).unwrap();
    h.sent();
    h.feed(pubrec(2)).unwrap();
    h.sent();
    h.feed(Packet::Publish(publish(
        "in",
        b"x",
        QoS::ExactlyOnce,
        7,
        false,
    )))
    .unwrap();
    h.sent();
    assert_eq!(
        h.events(),
        vec![],
        "an inbound QoS 2 message is delivered at PUBREL"
    );

    h.session.connection_lost();
    let (connect, result) = connect_with(&mut h, accepted(true, Properties::new()));
    result.unwrap();
    let Packet::Connect(c) = connect else {
        panic!()
    };
    assert!(!c.clean_start, "the same CONNECT again");
    assert!(matches!(
        h.events()[..],
        [Event::ConnAck {
            session_present: true,
            ..
        }]
    ));
    assert_eq!(summary(&h.sent()), ["PUBLISH m1 q1 d1 a", "PubRel m2"]);
    // The inbound QoS 2 flow is still known: a resent PUBLISH is not delivered again.
    h.feed(Packet::Publish(publish(
        "in",
        b"x",
        QoS::ExactlyOnce,
        7,
        true,
    )))
    .unwrap();
    assert_eq!(h.events(), vec![]);
    assert_eq!(summary(&h.sent()), ["PubRec m7"]);
    h.feed(pubrel(7)).unwrap();
    assert_eq!(h.events().len(), 1, "delivered once, at PUBREL");
    assert_eq!(summary(&h.sent()), ["PubComp m7"]);
}

#[test]
fn session_expiry_0_ends_the_session_so_session_present_0_restarts_it() {
    // Clean start 0 with no Session Expiry Interval: the broker drops the session at the
    // disconnect and answers Session Present 0. Same policy as 3.1.1 (libmosquitto's): the
    // unfinished outgoing flows are resent as they are (DUP=1, PUBREL), and the inbound QoS 2
    // message awaiting a PUBREL that will never come is delivered.
    let mut h = Harness::new(v5(false, None));
    let (connect, result) = connect_with(&mut h, accepted(false, Properties::new()));
    result.unwrap();
    let Packet::Connect(c) = connect else {
        panic!()
    };
    assert!(!c.properties.contains(PropertyId::SessionExpiryInterval));
    h.events();
    pub1(&mut h, "a");
    pubq(&mut h, "b", QoS::ExactlyOnce).unwrap();
    h.sent();
    h.feed(pubrec(2)).unwrap();
    h.sent();
    h.feed(Packet::Publish(publish(
        "in",
        b"x",
        QoS::ExactlyOnce,
        7,
        false,
    )))
    .unwrap();
    h.sent();
    h.events();

    h.session.connection_lost();
    let (_, result) = connect_with(&mut h, accepted(false, Properties::new()));
    result.unwrap();
    let inbound = publish("in", b"x", QoS::ExactlyOnce, 7, false);
    assert_eq!(
        h.events()[1..],
        [Event::Message(inbound.clone())],
        "m7 will get no PUBREL: delivered"
    );
    assert_eq!(summary(&h.sent()), ["PUBLISH m1 q1 d1 a", "PubRel m2"]);
    h.feed(Packet::Publish(inbound)).unwrap();
    assert_eq!(h.events(), vec![], "a new message for the new session");
    h.feed(pubrel(7)).unwrap();
    assert_eq!(h.events().len(), 1);
}

#[test]
fn clean_start_with_session_present_1_is_a_protocol_error() {
    let mut h = Harness::new(v5(true, Some(60)));
    connect_with(&mut h, accepted(false, Properties::new()))
        .1
        .unwrap();
    h.events();
    pub1(&mut h, "a");
    h.sent();
    h.session.connection_lost();
    let (_, result) = connect_with(&mut h, accepted(true, Properties::new()));
    assert_eq!(result, Err(culex::Error::Protocol));
    assert_eq!(h.events(), vec![]);
    // DISCONNECT with 0x82 (protocol error), and nothing else.
    let sent = h.sent();
    assert!(
        matches!(&sent[..], [Packet::Disconnect(d)] if d.reason_code == 0x82),
        "{sent:?}"
    );
    assert_eq!(h.session.outgoing_count(), 1);
}

fn assigned(id: &str) -> Properties {
    [Property::new(
        PropertyId::AssignedClientIdentifier,
        PropertyValue::Utf8String(id.into()),
    )]
    .into_iter()
    .collect()
}

#[test]
fn assigned_client_identifier_is_used_for_later_connections() {
    let mut h = Harness::new(SessionConfig {
        client_id: String::new(),
        ..v5(false, Some(600))
    });
    let (connect, result) = connect_with(&mut h, accepted(false, assigned("auto-7F3A")));
    result.unwrap();
    let Packet::Connect(c) = connect else {
        panic!()
    };
    assert_eq!(c.client_id, "");
    assert_eq!(h.session.client_id(), "auto-7F3A");
    h.session.connection_lost();
    let (connect, result) = connect_with(&mut h, accepted(true, Properties::new()));
    result.unwrap();
    let Packet::Connect(c) = connect else {
        panic!()
    };
    assert_eq!(c.client_id, "auto-7F3A");
}

#[test]
fn assigned_client_identifier_when_we_named_one_is_a_protocol_error() {
    let mut h = Harness::new(v5(true, None));
    let (_, result) = connect_with(&mut h, accepted(false, assigned("other")));
    assert_eq!(result, Err(Error::Protocol));
    assert_eq!(h.session.client_id(), "culex-test");
    let sent = h.sent();
    assert!(
        matches!(&sent[..], [Packet::Disconnect(d)] if d.reason_code == 0x82),
        "{sent:?}"
    );
}

#[test]
fn connack_refusal_reason_codes_are_reported() {
    for code in [
        0x80, 0x84, 0x85, 0x86, 0x87, 0x8A, 0x8C, 0x97, 0x9C, 0x9D, 0x9F,
    ] {
        let mut h = Harness::new(v5(true, None));
        let mut properties = Properties::new();
        properties.add(
            PropertyId::ReasonString,
            PropertyValue::Utf8String("no".into()),
        );
        let (_, result) = connect_with(
            &mut h,
            ConnAck {
                session_present: false,
                reason_code: code,
                properties: properties.clone(),
            },
        );
        assert_eq!(result, Err(Error::ConnRefused(code)));
        assert_eq!(h.session.state(), State::Offline);
        assert_eq!(
            h.events(),
            [Event::ConnAck {
                reason_code: code,
                session_present: false,
                properties
            }]
        );
        assert_eq!(h.sent(), vec![], "no DISCONNECT after a refusal");
    }
}

#[test]
fn broker_disconnect_with_a_reason_and_properties() {
    let mut h = Harness::new(v5(true, None));
    connect_with(&mut h, accepted(false, Properties::new()))
        .1
        .unwrap();
    h.events();
    pub1(&mut h, "a");
    h.sent();
    let mut properties = Properties::new();
    properties.add(
        PropertyId::ReasonString,
        PropertyValue::Utf8String("session taken over".into()),
    );
    properties.add(
        PropertyId::ServerReference,
        PropertyValue::Utf8String("other:1883".into()),
    );
    let d = Disconnect {
        reason_code: 0x8E,
        properties,
    };
    assert_eq!(h.feed(Packet::Disconnect(d.clone())), Err(Error::ConnLost));
    assert_eq!(h.session.state(), State::Offline);
    assert_eq!(h.sent(), vec![], "no answer to a DISCONNECT");
    assert_eq!(h.session.take_server_disconnect(), Some(d));
    assert_eq!(
        h.session.outgoing_count(),
        1,
        "QoS 1 kept for the next connection"
    );
}

#[test]
fn connect_as_mqtt_3_1_with_a_long_client_id() {
    let id = "a-client-identifier-of-30-byte";
    assert_eq!(id.len(), 30);
    let mut h = Harness::new(SessionConfig {
        protocol: ProtocolVersion::V31,
        client_id: id.into(),
        ..config(20)
    });
    h.session.open();
    h.session.transport_ready(h.now);
    let bytes = h.sent_bytes();
    // Fixed header, then protocol name "MQIsdp" and level 3.
    assert_eq!(bytes[0], 0x10);
    assert_eq!(&bytes[2..11], b"\x00\x06MQIsdp\x03");
    let Packet::Connect(c) = &decode_all(&bytes, ProtocolVersion::V31)[0] else {
        panic!()
    };
    assert_eq!(c.protocol, ProtocolVersion::V31);
    assert_eq!(c.client_id, id, "sent unchanged, as libmosquitto");
    assert!(c.properties.is_empty());
    h.feed(connack(0, false)).unwrap();
    assert_eq!(h.session.state(), State::Connected);
    pubq(&mut h, "t", QoS::ExactlyOnce).unwrap();
    h.feed(pubrec(1)).unwrap();
    assert_eq!(summary(&h.sent()), ["PUBLISH m1 q2 d0 t", "PubRel m1"]);
}

#[test]
fn refusal_codes_of_3_1() {
    for code in 1..=5 {
        let mut h = Harness::new(SessionConfig {
            protocol: ProtocolVersion::V31,
            ..config(20)
        });
        let (_, result) = connect_with(&mut h, accepted(false, Properties::new()).refused(code));
        assert_eq!(result, Err(Error::ConnRefused(code)));
    }
}

trait Refused {
    fn refused(self, code: u8) -> ConnAck;
}

impl Refused for ConnAck {
    fn refused(mut self, code: u8) -> ConnAck {
        self.reason_code = code;
        self
    }
}
