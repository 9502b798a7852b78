//! Session: CONNECT fields, CONNACK handling (accept, refusal, duplicate, timeout) and commands
//! issued before CONNACK or while offline.

mod common_session;

use std::time::Duration;

use common_session::*;
use culex::protocol::{AckKind, Packet, Properties, QoS, Will};
use culex::session::{Credentials, Event, SessionConfig, State};
use culex::Error;

#[test]
fn connect_bytes_carry_clean_session_will_credentials_and_keepalive() {
    let mut h = Harness::new(SessionConfig {
        client_id: "c1".into(),
        clean_start: true,
        keep_alive: 10,
        will: Some(Box::new(Will {
            topic: "w".into(),
            payload: b"bye".to_vec(),
            qos: QoS::AtLeastOnce,
            retain: true,
            properties: Properties::default(),
        })),
        credentials: Some(Box::new(Credentials {
            username: Some("u".into()),
            password: Some(b"p".to_vec()),
            ..Credentials::default()
        })),
        ..SessionConfig::default()
    });
    h.session.open();
    assert_eq!(h.session.state(), State::Opening);
    assert!(!h.session.want_write());
    h.session.transport_ready(h.now);
    assert_eq!(h.session.state(), State::AwaitingConnAck);
    assert!(h.session.want_write());
    #[rustfmt::skip]
    let expected = [
        0x10, 28,
        0, 4, b'M', b'Q', b'T', b'T', 4,
        0xEE, // username, password, will retain, will QoS 1, will, clean session
        0, 10,
        0, 2, b'c', b'1',
        0, 1, b'w',
        0, 3, b'b', b'y', b'e',
        0, 1, b'u',
        0, 1, b'p',
    ];
    assert_eq!(h.sent_bytes(), expected);
    assert!(!h.session.want_write());
}

#[test]
fn connect_without_clean_session_will_or_credentials() {
    let mut h = Harness::new(SessionConfig {
        client_id: "keeper".into(),
        clean_start: false,
        keep_alive: 0,
        ..SessionConfig::default()
    });
    h.session.open();
    h.session.transport_ready(h.now);
    let sent = h.sent();
    let Packet::Connect(c) = &sent[0] else {
        panic!("{sent:?}")
    };
    assert!(!c.clean_start);
    assert_eq!(c.keep_alive, 0);
    assert_eq!(c.client_id, "keeper");
    assert_eq!((c.will.is_none(), c.username.is_none()), (true, true));
    assert_eq!(
        h.sent_bytes(),
        Vec::<u8>::new(),
        "CONNECT is handed out once"
    );
}

#[test]
fn accepted_connack_connects_and_arms_keepalive() {
    let mut h = Harness::new(config(20));
    h.connect(false);
    assert!(h.session.is_connected());
    assert_eq!(h.events(), vec![]);
    assert_eq!(
        h.session.poll_timeout(),
        Some(h.t0 + Duration::from_secs(60))
    );
}

#[test]
fn refusal_goes_offline_and_keeps_outgoing_state_for_the_next_attempt() {
    let mut h = Harness::new(config(20));
    let mid = pub1(&mut h, "a/b");
    assert_eq!(mid, 1);
    h.session.open();
    h.session.transport_ready(h.now);
    h.sent();
    assert_eq!(h.feed(connack(5, false)), Err(Error::ConnRefused(5)));
    assert_eq!(h.session.state(), State::Offline);
    assert_eq!(
        h.events(),
        vec![Event::ConnAck {
            reason_code: 5,
            session_present: false,
            properties: Properties::default()
        }]
    );
    assert_eq!(h.sent(), vec![], "nothing but CONNECT went out");
    assert_eq!(h.session.outgoing_count(), 1);
    assert_eq!(h.session.poll_timeout(), None);

    let sent = h.reconnect(false);
    assert_eq!(summary(&sent), ["PUBLISH m1 q1 d0 a/b"]);
    h.feed(puback(1)).unwrap();
    assert_eq!(h.events(), vec![acked(1, AckKind::PubAck)]);
}

#[test]
fn second_connack_is_a_protocol_error() {
    let mut h = Harness::connected();
    assert_eq!(h.feed(connack(0, false)), Err(Error::Protocol));
    assert_eq!(h.session.state(), State::Offline);
}

#[test]
fn packet_before_connack_is_a_protocol_error() {
    let mut h = Harness::new(config(20));
    h.session.open();
    h.session.transport_ready(h.now);
    h.sent();
    let p = publish("t", b"x", QoS::AtMostOnce, 0, false);
    assert_eq!(h.feed(Packet::Publish(p)), Err(Error::Protocol));
    assert_eq!(h.session.state(), State::Offline);
    assert_eq!(h.events(), vec![]);
}

#[test]
fn no_connack_within_keepalive_fails_with_keepalive() {
    let mut h = Harness::new(SessionConfig {
        keep_alive: 10,
        ..config(20)
    });
    h.session.open();
    assert_eq!(h.session.poll_timeout(), None);
    h.session.transport_ready(h.now);
    assert_eq!(
        h.session.poll_timeout(),
        Some(h.t0 + Duration::from_secs(10))
    );
    h.advance(Duration::from_millis(9_999));
    assert_eq!(h.session.handle_timeout(h.now), Ok(()));
    assert_eq!(h.session.state(), State::AwaitingConnAck);
    h.advance(Duration::from_millis(1));
    assert_eq!(h.session.handle_timeout(h.now), Err(Error::Keepalive));
    assert_eq!(h.session.state(), State::Offline);
    assert_eq!(h.session.poll_timeout(), None);
}

#[test]
fn no_connack_without_keepalive_uses_the_connack_timeout() {
    let mut h = Harness::new(SessionConfig {
        keep_alive: 0,
        ..config(20)
    });
    h.session.open();
    h.session.transport_ready(h.now);
    assert_eq!(
        h.session.poll_timeout(),
        Some(h.t0 + culex::session::DEFAULT_CONNACK_TIMEOUT)
    );
    h.session.connection_lost();
    h.session.set_connack_timeout(Duration::from_secs(5));
    h.session.open();
    h.session.transport_ready(h.now);
    h.advance(Duration::from_secs(5));
    assert_eq!(h.session.handle_timeout(h.now), Err(Error::Timeout));
    assert_eq!(h.session.state(), State::Offline);
}

#[test]
fn commands_before_connack_are_held_and_sent_in_order_after_it() {
    let mut h = Harness::new(config(20));
    h.session.open();
    assert_eq!(pubq(&mut h, "q0", QoS::AtMostOnce), Ok(1));
    assert_eq!(
        h.session
            .subscribe(vec![filter("s/#", QoS::AtLeastOnce)], Properties::default()),
        Ok(2)
    );
    assert_eq!(pubq(&mut h, "q1", QoS::AtLeastOnce), Ok(3));
    assert_eq!(
        h.session
            .unsubscribe(vec!["old".into()], Properties::default()),
        Ok(4)
    );
    assert!(!h.session.want_write(), "nothing before the transport");
    h.session.transport_ready(h.now);
    assert_eq!(summary(&h.sent()), ["CONNECT"]);
    assert_eq!(pubq(&mut h, "q2", QoS::ExactlyOnce), Ok(5));
    assert_eq!(h.sent(), vec![], "still held while awaiting CONNACK");

    h.feed(connack(0, false)).unwrap();
    assert_eq!(
        summary(&h.sent()),
        [
            "PUBLISH m0 q0 d0 q0",
            "SUBSCRIBE m2",
            "PUBLISH m3 q1 d0 q1",
            "UNSUBSCRIBE m4",
            "PUBLISH m5 q2 d0 q2"
        ]
    );
    let events = h.events();
    assert!(matches!(events[0], Event::ConnAck { .. }));
    assert_eq!(
        events[1..],
        [published(1)],
        "QoS 0 reported once handed out"
    );
    h.feed(suback(2, &[1])).unwrap();
    h.feed(unsuback(4)).unwrap();
    assert_eq!(
        h.events(),
        vec![
            Event::SubAck {
                mid: 2,
                reason_codes: vec![1],
                properties: Properties::default()
            },
            Event::UnsubAck {
                mid: 4,
                reason_codes: vec![],
                properties: Properties::default()
            }
        ]
    );
}

#[test]
fn offline_qos0_and_subscriptions_need_a_connection_but_qos1_and_2_are_queued() {
    let mut h = Harness::new(config(20));
    assert_eq!(pubq(&mut h, "t", QoS::AtMostOnce), Err(Error::NoConn));
    assert_eq!(
        h.session
            .subscribe(vec![filter("t", QoS::AtMostOnce)], Properties::default()),
        Err(Error::NoConn)
    );
    assert_eq!(
        h.session
            .unsubscribe(vec!["t".into()], Properties::default()),
        Err(Error::NoConn)
    );
    assert_eq!(
        h.session.disconnect(0, Properties::default()),
        Err(Error::NoConn)
    );
    assert_eq!(pubq(&mut h, "t1", QoS::AtLeastOnce), Ok(1));
    assert_eq!(pubq(&mut h, "t2", QoS::ExactlyOnce), Ok(2));
    assert_eq!(h.session.outgoing_count(), 2);
    assert!(!h.session.want_write());
    let sent = h.reconnect(false);
    assert_eq!(
        summary(&sent),
        ["PUBLISH m1 q1 d0 t1", "PUBLISH m2 q2 d0 t2"]
    );
}

#[test]
fn qos0_held_before_connack_is_dropped_when_the_attempt_fails() {
    let mut h = Harness::new(config(20));
    h.session.open();
    assert_eq!(pubq(&mut h, "t", QoS::AtMostOnce), Ok(1));
    let sub = h
        .session
        .subscribe(vec![filter("s", QoS::AtMostOnce)], Properties::default())
        .unwrap();
    assert_eq!(h.session.packet_ids_in_use(), 1);
    h.session.connection_lost();
    assert_eq!(h.session.packet_ids_in_use(), 0, "SUBSCRIBE m{sub} freed");
    let sent = h.reconnect(false);
    assert_eq!(sent, vec![]);
    assert_eq!(h.events(), vec![]);
}

#[test]
fn publish_arguments_are_checked() {
    let mut h = Harness::connected();
    assert_eq!(pubq(&mut h, "", QoS::AtMostOnce), Err(Error::Inval));
    assert_eq!(pubq(&mut h, "a/+", QoS::AtLeastOnce), Err(Error::Inval));
    assert_eq!(pubq(&mut h, "a/#", QoS::AtMostOnce), Err(Error::Inval));
    assert_eq!(
        pubq(&mut h, "a\u{0}b", QoS::AtMostOnce),
        Err(Error::MalformedUtf8)
    );
    let mut props = Properties::default();
    props.add(
        culex::protocol::PropertyId::ContentType,
        culex::protocol::PropertyValue::Utf8String("x".into()),
    );
    assert_eq!(
        h.session.publish("t", b"", QoS::AtMostOnce, false, props),
        Err(Error::NotSupported),
        "properties need MQTT 5"
    );
    assert_eq!(
        h.session.subscribe(
            vec![filter("a/#/b", QoS::AtMostOnce)],
            Properties::default()
        ),
        Err(Error::Inval)
    );
    assert_eq!(
        h.session.subscribe(vec![], Properties::default()),
        Err(Error::Inval)
    );
    assert_eq!(h.sent(), vec![]);
    assert_eq!(h.session.packet_ids_in_use(), 0);
}
