//! Session: QoS 0/1/2 flows in both directions, SUBACK/UNSUBACK, unknown acknowledgements.

mod common_session;

use common_session::*;
use culex::protocol::{AckKind, Packet, Properties, QoS};
use culex::session::Event;

#[test]
fn inbound_qos0_is_delivered_without_answer() {
    let mut h = Harness::connected();
    let p = publish("a/b", b"hello", QoS::AtMostOnce, 0, false);
    h.feed(Packet::Publish(p.clone())).unwrap();
    assert_eq!(h.events(), vec![Event::Message(p)]);
    assert!(!h.session.want_write());
}

#[test]
fn inbound_qos1_is_delivered_and_acknowledged() {
    let mut h = Harness::connected();
    let p = publish("a", b"x", QoS::AtLeastOnce, 7, false);
    h.feed(Packet::Publish(p.clone())).unwrap();
    assert_eq!(h.events(), vec![Event::Message(p)]);
    assert_eq!(h.sent_bytes(), [0x40, 2, 0, 7]);
}

#[test]
fn inbound_qos2_is_delivered_at_pubrel_after_pubcomp_is_queued() {
    let mut h = Harness::connected();
    let first = publish("q2", b"once", QoS::ExactlyOnce, 300, false);
    h.feed(Packet::Publish(first.clone())).unwrap();
    assert_eq!(
        h.events(),
        vec![],
        "held until PUBREL (libmosquitto's order)"
    );
    assert_eq!(h.sent_bytes(), [0x50, 2, 1, 44]);

    // A duplicate before PUBREL gets PUBREC again and is not kept twice.
    let dup = publish("q2", b"other", QoS::ExactlyOnce, 300, true);
    h.feed(Packet::Publish(dup.clone())).unwrap();
    h.feed(Packet::Publish(dup)).unwrap();
    assert_eq!(h.events(), vec![]);
    assert_eq!(h.sent_bytes(), [0x50, 2, 1, 44, 0x50, 2, 1, 44]);

    // PUBREL: PUBCOMP is queued before the event, so the driver writes it before calling back.
    h.feed(pubrel(300)).unwrap();
    assert!(h.session.want_write());
    assert_eq!(
        h.events(),
        vec![Event::Message(first.clone())],
        "delivered once"
    );
    assert_eq!(h.sent_bytes(), [0x70, 2, 1, 44]);

    // After PUBREL the id is free: the same id is a new message.
    h.feed(Packet::Publish(first.clone())).unwrap();
    assert_eq!(h.events(), vec![]);
    h.feed(pubrel(300)).unwrap();
    assert_eq!(h.events(), vec![Event::Message(first)]);
}

#[test]
fn inbound_qos2_messages_are_delivered_in_pubrel_order() {
    let mut h = Harness::connected();
    let a = publish("q2", b"a", QoS::ExactlyOnce, 1, false);
    let b = publish("q2", b"b", QoS::ExactlyOnce, 2, false);
    h.feed(Packet::Publish(a.clone())).unwrap();
    h.feed(Packet::Publish(b.clone())).unwrap();
    h.feed(pubrel(2)).unwrap();
    h.feed(pubrel(1)).unwrap();
    assert_eq!(h.events(), vec![Event::Message(b), Event::Message(a)]);
    assert_eq!(
        h.sent_bytes(),
        [0x50, 2, 0, 1, 0x50, 2, 0, 2, 0x70, 2, 0, 2, 0x70, 2, 0, 1]
    );
}

#[test]
fn pubrel_for_an_unknown_id_is_answered_with_pubcomp() {
    let mut h = Harness::connected();
    h.feed(pubrel(42)).unwrap();
    assert_eq!(h.sent_bytes(), [0x70, 2, 0, 42]);
    assert_eq!(h.events(), vec![]);
}

#[test]
fn outbound_qos1_completes_on_puback() {
    let mut h = Harness::connected();
    let mid = h
        .session
        .publish("t/1", b"ab", QoS::AtLeastOnce, true, Properties::default())
        .unwrap();
    assert_eq!(mid, 1);
    assert_eq!(
        h.sent_bytes(),
        [0x33, 9, 0, 3, b't', b'/', b'1', 0, 1, b'a', b'b']
    );
    assert_eq!(h.events(), vec![]);
    h.feed(puback(1)).unwrap();
    assert_eq!(h.events(), vec![acked(1, AckKind::PubAck)]);
    assert_eq!(h.session.outgoing_count(), 0);
}

#[test]
fn outbound_qos2_sends_pubrel_on_pubrec_and_completes_on_pubcomp() {
    let mut h = Harness::connected();
    assert_eq!(pubq(&mut h, "t", QoS::ExactlyOnce), Ok(1));
    assert_eq!(h.sent_bytes(), [0x34, 6, 0, 1, b't', 0, 1, b'x']);
    h.feed(pubrec(1)).unwrap();
    assert_eq!(h.sent_bytes(), [0x62, 2, 0, 1]);
    assert_eq!(h.events(), vec![]);
    // A repeated PUBREC gets PUBREL again.
    h.feed(pubrec(1)).unwrap();
    assert_eq!(h.sent_bytes(), [0x62, 2, 0, 1]);
    h.feed(pubcomp(1)).unwrap();
    assert_eq!(h.events(), vec![acked(1, AckKind::PubComp)]);
    assert_eq!(h.session.packet_ids_in_use(), 0);
}

#[test]
fn acknowledgements_for_unknown_ids_are_ignored_or_answered() {
    let mut h = Harness::connected();
    assert_eq!(pubq(&mut h, "one", QoS::AtLeastOnce), Ok(1));
    assert_eq!(pubq(&mut h, "two", QoS::ExactlyOnce), Ok(2));
    h.sent();
    h.feed(puback(99)).unwrap();
    h.feed(pubcomp(97)).unwrap();
    h.feed(suback(1, &[0])).unwrap(); // SUBACK for a PUBLISH id
    h.feed(unsuback(2)).unwrap();
    assert_eq!(h.sent(), vec![]);
    // An unknown PUBREC is answered with PUBREL, so the broker can finish (as libmosquitto).
    h.feed(pubrec(98)).unwrap();
    assert_eq!(h.sent_bytes(), [0x62, 2, 0, 98]);
    assert_eq!(h.events(), vec![]);
    assert_eq!(h.session.inflight_count(), 2);
    assert_eq!(h.session.state(), culex::session::State::Connected);
}

#[test]
fn pubcomp_completes_a_qos2_message_still_awaiting_pubrec() {
    let mut h = Harness::connected();
    assert_eq!(pubq(&mut h, "two", QoS::ExactlyOnce), Ok(1));
    h.sent();
    h.feed(pubcomp(1)).unwrap();
    assert_eq!(h.events(), vec![acked(1, AckKind::PubComp)]);
    assert_eq!(h.session.packet_ids_in_use(), 0);
}

#[test]
fn acknowledgement_of_a_message_sent_at_another_qos_is_a_protocol_error() {
    for (qos, ack) in [
        (QoS::ExactlyOnce, puback(1)),
        (QoS::AtLeastOnce, pubrec(1)),
        (QoS::AtLeastOnce, pubcomp(1)),
    ] {
        let mut h = Harness::connected();
        assert_eq!(pubq(&mut h, "t", qos), Ok(1));
        h.sent();
        assert_eq!(
            h.feed(ack.clone()),
            Err(culex::Error::Protocol),
            "{qos:?} {ack:?}"
        );
        assert_eq!(h.session.state(), culex::session::State::Offline);
        assert_eq!(h.events(), vec![]);
        assert_eq!(
            h.session.outgoing_count(),
            1,
            "kept for the next connection"
        );
    }
}

#[test]
fn outbound_qos0_is_reported_when_handed_to_the_transport() {
    let mut h = Harness::connected();
    assert_eq!(pubq(&mut h, "z", QoS::AtMostOnce), Ok(1));
    assert_eq!(pubq(&mut h, "z", QoS::AtMostOnce), Ok(2));
    assert_eq!(h.events(), vec![], "not before poll_transmit");
    assert!(h.session.want_write());
    assert_eq!(
        h.sent_bytes(),
        [0x30, 4, 0, 1, b'z', b'x', 0x30, 4, 0, 1, b'z', b'x']
    );
    assert_eq!(h.events(), vec![published(1), published(2)]);
    assert_eq!(h.session.outgoing_count(), 0);
}

#[test]
fn poll_transmit_appends_to_a_non_empty_buffer() {
    let mut h = Harness::connected();
    pubq(&mut h, "z", QoS::AtMostOnce).unwrap();
    let mut out = vec![0xAA];
    assert_eq!(h.session.poll_transmit(h.now, &mut out), 6);
    assert_eq!(out, [0xAA, 0x30, 4, 0, 1, b'z', b'x']);
    assert_eq!(h.session.poll_transmit(h.now, &mut out), 0);
}

#[test]
fn suback_and_unsuback_report_their_message_ids() {
    let mut h = Harness::connected();
    let sub = h
        .session
        .subscribe(
            vec![
                filter("a/+", QoS::ExactlyOnce),
                filter("b/#", QoS::AtMostOnce),
            ],
            Properties::default(),
        )
        .unwrap();
    assert_eq!(
        h.sent_bytes(),
        [0x82, 14, 0, 1, 0, 3, b'a', b'/', b'+', 2, 0, 3, b'b', b'/', b'#', 0]
    );
    let unsub = h
        .session
        .unsubscribe(vec!["a/+".into()], Properties::default())
        .unwrap();
    assert_eq!(h.sent_bytes(), [0xA2, 7, 0, 2, 0, 3, b'a', b'/', b'+']);
    h.feed(unsuback(unsub)).unwrap();
    h.feed(suback(sub, &[2, 0x80])).unwrap();
    assert_eq!(
        h.events(),
        vec![
            Event::UnsubAck {
                mid: 2,
                reason_codes: vec![],
                properties: Properties::default()
            },
            Event::SubAck {
                mid: 1,
                reason_codes: vec![2, 0x80],
                properties: Properties::default()
            }
        ]
    );
    assert_eq!(h.session.packet_ids_in_use(), 0);
}
