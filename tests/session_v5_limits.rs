//! Session in MQTT 5: the limits each side announces, enforced both ways (Receive Maximum,
//! Maximum Packet Size), the server's Maximum QoS and Retain Available, and outbound topic
//! aliases.

mod common_session;

use common_session::*;
use culex::protocol::{
    ConnAck, Disconnect, Packet, Properties, Property, PropertyId, PropertyValue, ProtocolVersion,
    Publish, QoS,
};
use culex::session::{Event, SessionConfig, State};
use culex::Error;

fn v5(connect_properties: Properties) -> SessionConfig {
    SessionConfig {
        protocol: ProtocolVersion::V5,
        connect_properties,
        ..config(20)
    }
}

fn props(list: &[(PropertyId, PropertyValue)]) -> Properties {
    list.iter()
        .map(|(id, v)| Property::new(*id, v.clone()))
        .collect()
}

/// Open and send CONNECT, without answering.
fn opened(config: SessionConfig) -> Harness {
    let mut h = Harness::new(config);
    h.session.open();
    h.session.transport_ready(h.now);
    let sent = h.sent();
    assert!(matches!(sent[..], [Packet::Connect(_)]), "{sent:?}");
    h
}

/// Answer CONNACK (accepted, Session Present 0) carrying `properties`; returns the other events.
fn accept(h: &mut Harness, properties: Properties) -> Vec<Event> {
    h.feed(Packet::ConnAck(ConnAck {
        session_present: false,
        reason_code: 0,
        properties: properties.clone(),
    }))
    .expect("CONNACK");
    let mut events = h.events();
    assert_eq!(
        events.remove(0),
        Event::ConnAck {
            reason_code: 0,
            session_present: false,
            properties
        }
    );
    events
}

fn connected(config: SessionConfig, connack: Properties) -> Harness {
    let mut h = opened(config);
    assert_eq!(accept(&mut h, connack), vec![]);
    h
}

fn disconnect_reasons(packets: &[Packet]) -> Vec<u8> {
    packets
        .iter()
        .filter_map(|p| match p {
            Packet::Disconnect(d) => Some(d.reason_code),
            _ => None,
        })
        .collect()
}

fn incoming(topic: &str, qos: QoS, id: u16) -> Packet {
    Packet::Publish(publish(topic, b"x", qos, id, false))
}

fn receive_maximum(n: u16) -> Properties {
    props(&[(PropertyId::ReceiveMaximum, PropertyValue::TwoByteInteger(n))])
}

// ---- our Receive Maximum, enforced on the broker ----

#[test]
fn more_unacknowledged_qos2_than_our_receive_maximum_is_disconnect_0x93() {
    let mut h = connected(v5(receive_maximum(2)), Properties::new());
    h.feed(incoming("a", QoS::ExactlyOnce, 1)).unwrap();
    h.feed(incoming("a", QoS::ExactlyOnce, 2)).unwrap();
    // A duplicate of a flow already counted is no new one.
    h.feed(incoming("a", QoS::ExactlyOnce, 1)).unwrap();
    assert_eq!(summary(&h.sent()), ["PubRec m1", "PubRec m2", "PubRec m1"]);
    assert_eq!(
        h.feed(incoming("a", QoS::ExactlyOnce, 3)),
        Err(Error::Protocol)
    );
    assert_eq!(h.session.state(), State::Offline);
    assert_eq!(disconnect_reasons(&h.sent()), [0x93]);
    assert_eq!(h.events(), vec![], "none was released, none is delivered");
}

#[test]
fn pubrel_answered_frees_a_receive_maximum_slot() {
    let mut h = connected(v5(receive_maximum(1)), Properties::new());
    h.feed(incoming("a", QoS::ExactlyOnce, 1)).unwrap();
    h.feed(pubrel(1)).unwrap();
    assert_eq!(summary(&h.sent()), ["PubRec m1", "PubComp m1"]);
    h.feed(incoming("a", QoS::ExactlyOnce, 2)).unwrap();
    h.feed(pubrel(2)).unwrap();
    // PUBCOMP m2 is queued: the flow is over, as libmosquitto counts.
    h.feed(incoming("a", QoS::AtLeastOnce, 3)).unwrap();
    // A QoS 2 flow awaiting PUBREL holds the one slot: a second one is one too many.
    h.feed(incoming("a", QoS::ExactlyOnce, 4)).unwrap();
    assert_eq!(
        h.feed(incoming("a", QoS::ExactlyOnce, 5)),
        Err(Error::Protocol)
    );
    assert_eq!(disconnect_reasons(&h.sent()), [0x93]);
}

#[test]
fn qos1_is_acknowledged_once_its_puback_is_queued() {
    // libmosquitto's count: a QoS 1 message holds no slot once answered, so a broker that sends
    // a little ahead of the wire (mosquitto 2.0.11 under load) is not disconnected.
    let mut h = connected(v5(receive_maximum(1)), Properties::new());
    h.feed(incoming("a", QoS::AtLeastOnce, 1)).unwrap();
    let mut bytes = Vec::new();
    for id in 2..=5 {
        bytes.extend(encode(
            &incoming("a", QoS::AtLeastOnce, id),
            ProtocolVersion::V5,
        ));
    }
    assert_eq!(h.session.handle_bytes(h.now, &bytes), Ok(()));
    assert_eq!(h.events().len(), 5);
    assert_eq!(
        summary(&h.sent()),
        [
            "PubAck m1",
            "PubAck m2",
            "PubAck m3",
            "PubAck m4",
            "PubAck m5"
        ]
    );
}

#[test]
fn receive_maximum_of_3_1_1_is_not_enforced() {
    let mut h = Harness::connected();
    for id in 1..=100 {
        h.feed(incoming("a", QoS::ExactlyOnce, id)).unwrap();
    }
    assert_eq!(h.session.state(), State::Connected);
}

#[test]
fn receive_maximum_of_the_server_limits_our_publishes() {
    let mut h = connected(v5(Properties::new()), receive_maximum(1));
    pub1(&mut h, "a");
    pub1(&mut h, "b");
    assert_eq!(summary(&h.sent()), ["PUBLISH m1 q1 d0 a"]);
    h.feed(puback(1)).unwrap();
    assert_eq!(summary(&h.sent()), ["PUBLISH m2 q1 d0 b"]);
}

// ---- Maximum Packet Size, both ways ----

#[test]
fn our_maximum_packet_size_from_connect_is_enforced_with_0x95() {
    let max = props(&[(
        PropertyId::MaximumPacketSize,
        PropertyValue::FourByteInteger(32),
    )]);
    let mut h = connected(v5(max.clone()), Properties::new());
    // 2 fixed header + 3 topic + 1 property length + payload = 32.
    let fits = Publish {
        payload: vec![0; 26],
        ..publish("a", b"", QoS::AtMostOnce, 0, false)
    };
    let bytes = encode(&Packet::Publish(fits.clone()), ProtocolVersion::V5);
    assert_eq!(bytes.len(), 32);
    h.session.handle_bytes(h.now, &bytes).unwrap();
    let too_big = Publish {
        payload: vec![0; 27],
        ..fits
    };
    let bytes = encode(&Packet::Publish(too_big), ProtocolVersion::V5);
    // Refused on the fixed header, before the body arrives.
    assert_eq!(
        h.session.handle_bytes(h.now, &bytes[..2]),
        Err(Error::OversizePacket)
    );
    assert_eq!(disconnect_reasons(&h.sent()), [0x95]);
    assert_eq!(h.events().len(), 1);

    // The configured limit stays in force when CONNECT announces a larger one.
    let mut h = connected(
        SessionConfig {
            max_incoming_packet_size: 20,
            ..v5(max)
        },
        Properties::new(),
    );
    assert_eq!(
        h.session.handle_bytes(h.now, &bytes[..2]),
        Err(Error::OversizePacket)
    );
}

fn server_max(n: u32) -> Properties {
    props(&[(
        PropertyId::MaximumPacketSize,
        PropertyValue::FourByteInteger(n),
    )])
}

#[test]
fn server_maximum_packet_size_applies_to_every_packet_we_send() {
    let mut h = connected(v5(Properties::new()), server_max(24));
    let long = "f".repeat(30);
    assert_eq!(
        h.session
            .subscribe(vec![filter(&long, QoS::AtLeastOnce)], Properties::new()),
        Err(Error::OversizePacket)
    );
    assert_eq!(
        h.session.unsubscribe(vec![long.clone()], Properties::new()),
        Err(Error::OversizePacket)
    );
    let mut big = Properties::new();
    big.push(Property::user("why", &long));
    assert_eq!(h.session.disconnect(0, big), Err(Error::OversizePacket));
    assert_eq!(h.session.state(), State::Connected);
    assert_eq!(h.sent(), vec![]);
    assert_eq!(h.session.packet_ids_in_use(), 0);
    // Small ones still go.
    h.session
        .subscribe(vec![filter("s", QoS::AtLeastOnce)], Properties::new())
        .unwrap();
    h.session.disconnect(0, Properties::new()).unwrap();
    assert_eq!(summary(&h.sent()), ["SUBSCRIBE m1", "DISCONNECT"]);
}

#[test]
fn messages_queued_before_connack_that_are_too_large_are_dropped_with_0x95() {
    let mut h = opened(v5(Properties::new()));
    let big = [0u8; 40];
    let id_big = h
        .session
        .publish("a", &big, QoS::AtLeastOnce, false, Properties::new())
        .unwrap();
    let id_small = pub1(&mut h, "b");
    let mid_big0 = h
        .session
        .publish("c", &big, QoS::AtMostOnce, false, Properties::new())
        .unwrap();
    let events = accept(&mut h, server_max(30));
    assert_eq!(
        events,
        [
            Event::Published {
                mid: id_big,
                reason_code: 0x95,
                properties: Properties::new(),
                ack: None,
            },
            Event::Published {
                mid: mid_big0,
                reason_code: 0x95,
                properties: Properties::new(),
                ack: None,
            }
        ]
    );
    assert_eq!(summary(&h.sent()), [format!("PUBLISH m{id_small} q1 d0 b")]);
    assert_eq!(h.session.packet_ids_in_use(), 1);
    assert_eq!(h.session.outgoing_count(), 1);
}

// ---- Maximum QoS and Retain Available ----

fn limited_server() -> Properties {
    props(&[
        (PropertyId::MaximumQos, PropertyValue::Byte(1)),
        (PropertyId::RetainAvailable, PropertyValue::Byte(0)),
    ])
}

#[test]
fn publish_above_maximum_qos_is_refused_and_retain_is_dropped_without_retain_available() {
    let mut h = connected(v5(Properties::new()), limited_server());
    assert_eq!(
        pubq(&mut h, "a", QoS::ExactlyOnce),
        Err(Error::QosNotSupported)
    );
    assert_eq!(h.sent(), vec![]);
    assert_eq!(h.session.packet_ids_in_use(), 0);
    // libmosquitto's answer to a retained message the broker cannot keep: sent, without retain.
    assert!(h
        .session
        .publish("r", b"x", QoS::AtMostOnce, true, Properties::new())
        .is_ok());
    match h.sent().as_slice() {
        [Packet::Publish(p)] => assert!(!p.retain, "retain must be cleared"),
        other => panic!("expected one PUBLISH, got {other:?}"),
    }
    assert_eq!(h.events().len(), 1, "the QoS 0 message went out");
    assert_eq!(pubq(&mut h, "a", QoS::AtLeastOnce), Ok(2));
    assert_eq!(summary(&h.sent()), ["PUBLISH m2 q1 d0 a"]);

    // The limits hold until the next CONNACK says otherwise.
    h.session.connection_lost();
    assert_eq!(
        pubq(&mut h, "a", QoS::ExactlyOnce),
        Err(Error::QosNotSupported)
    );
    h.session.open();
    h.session.transport_ready(h.now);
    h.sent();
    accept(&mut h, Properties::new());
    assert_eq!(pubq(&mut h, "b", QoS::ExactlyOnce), Ok(3));
}

#[test]
fn messages_queued_before_connack_beyond_the_server_limits_complete_with_a_reason() {
    let mut h = opened(v5(Properties::new()));
    let q2 = pubq(&mut h, "a", QoS::ExactlyOnce).unwrap();
    let retained = h
        .session
        .publish("b", b"x", QoS::AtLeastOnce, true, Properties::new())
        .unwrap();
    let ok = pub1(&mut h, "c");
    let events = accept(&mut h, limited_server());
    assert_eq!(
        events,
        [Event::Published {
            mid: q2,
            reason_code: 0x9B,
            properties: Properties::new(),
            ack: None,
        }]
    );
    // The retained one goes out without retain (the broker has no retained messages).
    let sent = h.sent();
    assert_eq!(
        summary(&sent),
        [
            format!("PUBLISH m{retained} q1 d0 b"),
            format!("PUBLISH m{ok} q1 d0 c")
        ]
    );
    assert!(matches!(&sent[0], Packet::Publish(p) if !p.retain));
}

#[test]
fn maximum_qos_is_ignored_before_mqtt_5() {
    let mut h = Harness::connected();
    assert_eq!(pubq(&mut h, "a", QoS::ExactlyOnce), Ok(1));
}

// ---- outbound topic aliases ----

fn alias_of(p: &Publish) -> Option<u16> {
    p.properties.get_u16(PropertyId::TopicAlias)
}

/// (topic, alias) of every PUBLISH sent.
fn aliases(h: &mut Harness) -> Vec<(String, Option<u16>)> {
    h.sent()
        .into_iter()
        .map(|p| match p {
            Packet::Publish(p) => (p.topic.clone(), alias_of(&p)),
            other => panic!("{other:?}"),
        })
        .collect()
}

fn alias_maximum(n: u16) -> Properties {
    props(&[(
        PropertyId::TopicAliasMaximum,
        PropertyValue::TwoByteInteger(n),
    )])
}

fn pub0(h: &mut Harness, topic: &str) {
    h.session
        .publish(topic, b"x", QoS::AtMostOnce, false, Properties::new())
        .unwrap();
}

fn s(topic: &str, alias: Option<u16>) -> (String, Option<u16>) {
    (topic.to_owned(), alias)
}

#[test]
fn automatic_topic_aliases_up_to_the_broker_maximum() {
    let mut config = v5(Properties::new());
    config.auto_topic_alias = true;
    let mut h = connected(config, alias_maximum(2));
    for topic in ["a", "a", "b", "c", "b", "a", "c"] {
        pub0(&mut h, topic);
    }
    assert_eq!(
        aliases(&mut h),
        [
            s("a", Some(1)),
            s("", Some(1)),
            s("b", Some(2)),
            s("c", None),
            s("", Some(2)),
            s("", Some(1)),
            s("c", None)
        ]
    );

    // QoS 1 kept for resending holds the whole topic: after a reconnect (aliases start over)
    // the resend names it again.
    pub1(&mut h, "a");
    assert_eq!(aliases(&mut h), [s("", Some(1))]);
    h.session.connection_lost();
    h.session.open();
    h.session.transport_ready(h.now);
    h.sent();
    h.feed(Packet::ConnAck(ConnAck {
        // A clean start: Session Present 1 would be a protocol error (MQTT-3.2.2-4);
        // the message is sent again all the same, as libmosquitto does.
        session_present: false,
        reason_code: 0,
        properties: alias_maximum(2),
    }))
    .unwrap();
    assert_eq!(aliases(&mut h), [s("a", Some(1))]);
    pub0(&mut h, "a");
    assert_eq!(aliases(&mut h), [s("", Some(1))]);
}

#[test]
fn no_automatic_aliases_by_default_or_when_the_broker_takes_none() {
    let mut h = connected(v5(Properties::new()), alias_maximum(10));
    pub0(&mut h, "a");
    pub0(&mut h, "a");
    assert_eq!(aliases(&mut h), [s("a", None), s("a", None)]);

    let mut config = v5(Properties::new());
    config.auto_topic_alias = true;
    let mut h = connected(config, Properties::new());
    pub0(&mut h, "a");
    pub0(&mut h, "a");
    assert_eq!(aliases(&mut h), [s("a", None), s("a", None)]);

    let mut h = connected(v5(Properties::new()), alias_maximum(10));
    h.session.set_auto_topic_alias(true);
    pub0(&mut h, "a");
    assert_eq!(
        aliases(&mut h),
        [s("a", None)],
        "takes effect at the next connection"
    );
}

#[test]
fn application_topic_aliases_are_left_alone() {
    let mut config = v5(Properties::new());
    config.auto_topic_alias = true;
    let mut h = connected(config, alias_maximum(3));
    let with_alias = |n| props(&[(PropertyId::TopicAlias, PropertyValue::TwoByteInteger(n))]);
    h.session
        .publish("x", b"1", QoS::AtMostOnce, false, with_alias(3))
        .unwrap();
    h.session
        .publish("", b"2", QoS::AtMostOnce, false, with_alias(3))
        .unwrap();
    assert_eq!(
        h.session
            .publish("", b"3", QoS::AtMostOnce, false, Properties::new()),
        Err(Error::Inval),
        "an empty topic needs an alias"
    );
    assert_eq!(aliases(&mut h), [s("x", Some(3)), s("", Some(3))]);
}

#[test]
fn a_disconnect_that_fits_the_server_maximum_goes_out() {
    let mut h = connected(v5(Properties::new()), server_max(3));
    let d = Disconnect {
        reason_code: 0x04,
        properties: Properties::new(),
    };
    // Reason code only: 3 bytes fit.
    h.session.disconnect(d.reason_code, d.properties).unwrap();
    assert_eq!(
        h.sent(),
        [Packet::Disconnect(Disconnect {
            reason_code: 0x04,
            properties: Properties::new()
        })]
    );
}
