//! Session in MQTT 5: DISCONNECT with a reason code on errors, Receive Maximum, Maximum Packet
//! Size, failure reason codes on acknowledgements, DISCONNECT from the broker.

mod common_session;

use common_session::*;
use culex::protocol::{
    Ack, AckKind, ConnAck, Disconnect, Packet, Properties, PropertyId, PropertyValue,
    ProtocolVersion, QoS,
};
use culex::session::{Event, SessionConfig, State};
use culex::Error;

fn v5_config() -> SessionConfig {
    SessionConfig {
        protocol: ProtocolVersion::V5,
        ..config(20)
    }
}

/// Connect with CONNACK carrying `properties`.
fn connect_v5(properties: Properties) -> Harness {
    let mut h = Harness::new(v5_config());
    h.session.open();
    h.session.transport_ready(h.now);
    let sent = h.sent();
    let Packet::Connect(c) = &sent[0] else {
        panic!("{sent:?}")
    };
    assert_eq!(c.protocol, ProtocolVersion::V5);
    h.feed(Packet::ConnAck(ConnAck {
        session_present: false,
        reason_code: 0,
        properties,
    }))
    .unwrap();
    assert!(matches!(h.events()[..], [Event::ConnAck { .. }]));
    h
}

fn sent_disconnect_reason(h: &mut Harness) -> Vec<u8> {
    h.sent()
        .into_iter()
        .filter_map(|p| match p {
            Packet::Disconnect(d) => Some(d.reason_code),
            _ => None,
        })
        .collect()
}

#[test]
fn errors_queue_disconnect_with_the_matching_reason_code() {
    let mut h = connect_v5(Properties::default());
    // The broker hears "malformed" (0x81); the application gets libmosquitto's code.
    assert_eq!(
        h.session.handle_bytes(h.now, &[0x60, 2, 0, 1]),
        Err(Error::Protocol)
    );
    assert_eq!(h.session.state(), State::Offline);
    assert_eq!(sent_disconnect_reason(&mut h), [0x81]);

    let mut h = connect_v5(Properties::default());
    assert_eq!(h.feed(Packet::PingReq), Err(Error::Protocol));
    assert_eq!(sent_disconnect_reason(&mut h), [0x82]);

    let mut h = Harness::new(SessionConfig {
        max_incoming_packet_size: 50,
        ..v5_config()
    });
    h.connect(false);
    assert_eq!(
        h.session.handle_bytes(h.now, &[0x30, 0x80, 0x01]),
        Err(Error::OversizePacket)
    );
    assert_eq!(sent_disconnect_reason(&mut h), [0x95]);
}

#[test]
fn receive_maximum_of_the_server_caps_the_window() {
    let mut props = Properties::default();
    props.add(PropertyId::ReceiveMaximum, PropertyValue::TwoByteInteger(2));
    let mut h = connect_v5(props);
    for _ in 0..4 {
        pub1(&mut h, "t");
    }
    assert_eq!(h.sent().len(), 2);
    assert_eq!(h.session.queued_count(), 2);
    h.feed(puback(1)).unwrap();
    assert_eq!(summary(&h.sent()), ["PUBLISH m3 q1 d0 t"]);
}

#[test]
fn maximum_packet_size_of_the_server_refuses_larger_publish() {
    let mut props = Properties::default();
    props.add(
        PropertyId::MaximumPacketSize,
        PropertyValue::FourByteInteger(20),
    );
    let mut h = connect_v5(props);
    // 1 + 1 + (2 + 1 topic) + 1 property length + payload: 6 + payload bytes.
    let fits = [0u8; 14];
    let too_big = [0u8; 15];
    assert!(h
        .session
        .publish("t", &fits, QoS::AtMostOnce, false, Properties::default())
        .is_ok());
    assert_eq!(h.sent_bytes().len(), 20);
    assert_eq!(
        h.session
            .publish("t", &too_big, QoS::AtMostOnce, false, Properties::default()),
        Err(Error::OversizePacket)
    );
}

#[test]
fn failure_reason_codes_complete_the_message() {
    let mut h = connect_v5(Properties::default());
    pub1(&mut h, "a");
    pubq(&mut h, "b", QoS::ExactlyOnce).unwrap();
    h.sent();
    let mut refused = Ack::new(AckKind::PubAck, 1);
    refused.reason_code = 0x87;
    h.feed(Packet::Ack(refused)).unwrap();
    let mut refused = Ack::new(AckKind::PubRec, 2);
    refused.reason_code = 0x97;
    h.feed(Packet::Ack(refused)).unwrap();
    assert_eq!(h.sent(), vec![], "no PUBREL after a failed PUBREC");
    assert_eq!(
        h.events(),
        vec![
            Event::Published {
                mid: 1,
                reason_code: 0x87,
                properties: Properties::default(),
                ack: Some(AckKind::PubAck),
            },
            Event::Published {
                mid: 2,
                reason_code: 0x97,
                properties: Properties::default(),
                ack: Some(AckKind::PubRec),
            }
        ]
    );
    assert_eq!(h.session.packet_ids_in_use(), 0);
}

#[test]
fn pubrel_for_an_unknown_id_gets_packet_identifier_not_found() {
    let mut h = connect_v5(Properties::default());
    h.feed(pubrel(9)).unwrap();
    let sent = h.sent();
    let [Packet::Ack(a)] = &sent[..] else {
        panic!("{sent:?}")
    };
    assert_eq!(
        (a.kind, a.packet_id, a.reason_code),
        (AckKind::PubComp, 9, 0x92)
    );
}

#[test]
fn disconnect_from_the_broker_ends_the_connection_and_is_kept() {
    let mut h = connect_v5(Properties::default());
    let d = Disconnect {
        reason_code: 0x8B,
        properties: Properties::default(),
    };
    assert_eq!(h.feed(Packet::Disconnect(d.clone())), Err(Error::ConnLost));
    assert_eq!(h.session.state(), State::Offline);
    assert!(!h.session.want_write());
    assert_eq!(h.session.take_server_disconnect(), Some(d));
    assert_eq!(h.session.take_server_disconnect(), None);
}

#[test]
fn server_keep_alive_overrides_the_requested_one() {
    let mut props = Properties::default();
    props.add(
        PropertyId::ServerKeepAlive,
        PropertyValue::TwoByteInteger(5),
    );
    let h = connect_v5(props);
    assert_eq!(
        h.session.poll_timeout(),
        Some(h.t0 + std::time::Duration::from_secs(5))
    );
}

fn aliased(topic: &str, alias: u16) -> Packet {
    let mut p = publish(topic, b"x", QoS::AtMostOnce, 0, false);
    p.properties
        .add(PropertyId::TopicAlias, PropertyValue::TwoByteInteger(alias));
    Packet::Publish(p)
}

fn connected_with_alias_maximum(maximum: u16) -> Harness {
    let mut connect_properties = Properties::default();
    connect_properties.add(
        PropertyId::TopicAliasMaximum,
        PropertyValue::TwoByteInteger(maximum),
    );
    let mut h = Harness::new(SessionConfig {
        connect_properties,
        ..v5_config()
    });
    h.connect(false);
    h
}

#[test]
fn inbound_topic_aliases_are_resolved() {
    let mut h = connected_with_alias_maximum(5);
    h.feed(aliased("a/b", 5)).unwrap();
    h.feed(aliased("", 5)).unwrap();
    h.feed(aliased("c", 5)).unwrap();
    h.feed(aliased("", 5)).unwrap();
    let topics: Vec<String> = h
        .events()
        .into_iter()
        .map(|e| match e {
            Event::Message(p) => p.topic,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(topics, ["a/b", "a/b", "c", "c"]);
}

#[test]
fn invalid_topic_aliases_end_the_connection() {
    for (maximum, packets) in [
        (5, vec![aliased("a", 6)]),
        (5, vec![aliased("", 2)]),
        (0, vec![aliased("a", 1)]),
    ] {
        let mut h = connected_with_alias_maximum(maximum);
        let mut result = Ok(());
        for p in packets {
            result = h.feed(p);
        }
        assert_eq!(result, Err(Error::TopicAliasInvalid));
        assert_eq!(h.session.state(), State::Offline);
        assert_eq!(sent_disconnect_reason(&mut h), [0x94]);
        assert_eq!(h.events(), vec![]);
    }
}
