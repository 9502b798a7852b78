//! Session: what survives a lost connection, and what is resent after Session Present 0 and 1
//! (libmosquitto's rules, which the differential suite compares: the same resend either way).

mod common_session;

use common_session::*;
use culex::protocol::{AckKind, Packet, QoS};
use culex::session::{Event, SessionConfig};

/// Connected; m1 q1 "a", m2 q2 "b" (PUBREC received, PUBREL sent), m3 q2 "c", m4 q1 "d" (PUBACKed),
/// then the connection is lost and m5 q1 "e" is published while offline.
fn unfinished_session(clean_start: bool) -> Harness {
    let mut h = Harness::new(SessionConfig {
        clean_start,
        ..config(20)
    });
    h.connect(false);
    assert_eq!(pubq(&mut h, "a", QoS::AtLeastOnce), Ok(1));
    assert_eq!(pubq(&mut h, "b", QoS::ExactlyOnce), Ok(2));
    assert_eq!(pubq(&mut h, "c", QoS::ExactlyOnce), Ok(3));
    assert_eq!(pubq(&mut h, "d", QoS::AtLeastOnce), Ok(4));
    assert_eq!(summary(&h.sent()).len(), 4);
    h.feed(pubrec(2)).unwrap();
    assert_eq!(summary(&h.sent()), ["PubRel m2"]);
    h.feed(puback(4)).unwrap();
    assert_eq!(h.events(), vec![acked(4, AckKind::PubAck)]);
    h.session.connection_lost();
    assert_eq!(pubq(&mut h, "e", QoS::AtLeastOnce), Ok(5));
    assert_eq!(h.session.outgoing_count(), 4);
    assert_eq!(h.session.inflight_count(), 3);
    h
}

#[test]
fn session_present_1_resends_publish_with_dup_and_pubrel_with_original_ids_in_order() {
    let mut h = unfinished_session(false);
    h.connect(true);
    let sent = h.sent();
    assert_eq!(
        summary(&sent),
        [
            "PUBLISH m1 q1 d1 a",
            "PubRel m2",
            "PUBLISH m3 q2 d1 c",
            "PUBLISH m5 q1 d0 e"
        ]
    );
    assert_eq!(h.events(), vec![]);
    h.feed(puback(1)).unwrap();
    h.feed(pubcomp(2)).unwrap();
    h.feed(pubrec(3)).unwrap();
    assert_eq!(summary(&h.sent()), ["PubRel m3"]);
    h.feed(pubcomp(3)).unwrap();
    h.feed(puback(5)).unwrap();
    assert_eq!(
        h.events(),
        vec![
            acked(1, AckKind::PubAck),
            acked(2, AckKind::PubComp),
            acked(3, AckKind::PubComp),
            acked(5, AckKind::PubAck)
        ]
    );
    assert_eq!(h.session.outgoing_count(), 0);
    assert_eq!(h.session.packet_ids_in_use(), 0);
}

#[test]
fn resent_publish_bytes_have_the_dup_flag() {
    let mut h = Harness::new(SessionConfig {
        clean_start: false,
        ..config(20)
    });
    h.connect(false);
    h.session
        .publish("t", b"p", QoS::AtLeastOnce, false, Default::default())
        .unwrap();
    assert_eq!(h.sent_bytes(), [0x32, 6, 0, 1, b't', 0, 1, b'p']);
    h.session.connection_lost();
    h.connect(true);
    assert_eq!(h.sent_bytes(), [0x3A, 6, 0, 1, b't', 0, 1, b'p']);
}

#[test]
fn session_present_0_resends_as_session_present_1_does() {
    // A broker that lost the session takes the PUBLISH as new and answers the unknown PUBREL
    // with PUBCOMP: nothing is lost, nothing is reported done before the broker says so.
    let mut h = unfinished_session(true);
    h.connect(false);
    assert_eq!(
        summary(&h.sent()),
        [
            "PUBLISH m1 q1 d1 a",
            "PubRel m2",
            "PUBLISH m3 q2 d1 c",
            "PUBLISH m5 q1 d0 e"
        ]
    );
    assert_eq!(h.events(), vec![]);
    assert_eq!(h.session.inflight_count(), 4);
    assert_eq!(h.session.packet_ids_in_use(), 4);
    h.feed(pubcomp(2)).unwrap();
    assert_eq!(h.events(), vec![acked(2, AckKind::PubComp)]);
}

#[test]
fn broker_claiming_a_session_after_clean_start_breaks_the_protocol() {
    // [MQTT-3.2.2-4]: Session Present 1 answering a clean start: the client closes the
    // connection, sends nothing more and keeps its messages for the next one.
    let mut h = unfinished_session(true);
    h.session.open();
    h.session.transport_ready(h.now);
    h.sent();
    assert_eq!(h.feed(connack(0, true)), Err(culex::Error::Protocol));
    assert_eq!(h.events(), vec![]);
    assert_eq!(h.sent(), vec![]);
    assert_eq!(h.session.state(), culex::session::State::Offline);
    h.session.connection_lost();
    assert_eq!(h.session.outgoing_count(), 4);
}

#[test]
fn inbound_qos2_awaiting_pubrel_survives_session_present_1_and_is_delivered_on_0() {
    let mut h = persistent_session();
    let p = publish("in", b"1", QoS::ExactlyOnce, 9, false);
    h.feed(Packet::Publish(p.clone())).unwrap();
    assert_eq!(h.events(), vec![], "delivered at PUBREL");
    assert_eq!(summary(&h.sent()), ["PubRec m9"]);

    // The broker kept the session and resends the PUBLISH, then PUBREL: delivered once.
    let dup = publish("in", b"1", QoS::ExactlyOnce, 9, true);
    assert_eq!(h.reconnect(true), vec![]);
    h.feed(Packet::Publish(dup)).unwrap();
    assert_eq!(h.events(), vec![]);
    assert_eq!(summary(&h.sent()), ["PubRec m9"]);
    h.feed(pubrel(9)).unwrap();
    assert_eq!(h.events(), vec![Event::Message(p.clone())]);
    assert_eq!(summary(&h.sent()), ["PubComp m9"]);

    // The broker loses the session with m10 awaiting PUBREL: no PUBREL will come, so the
    // message is delivered at the CONNACK, and id 10 is free for a new message.
    let q = publish("in", b"2", QoS::ExactlyOnce, 10, false);
    h.feed(Packet::Publish(q.clone())).unwrap();
    h.sent();
    assert_eq!(h.reconnect(false), vec![]);
    // Harness::connect took the ConnAck event; the message follows it.
    assert_eq!(h.events(), vec![Event::Message(q.clone())]);
    h.feed(Packet::Publish(q)).unwrap();
    assert_eq!(h.events(), vec![], "a new message, held until its PUBREL");
    assert_eq!(summary(&h.sent()), ["PubRec m10"]);
}

#[test]
fn unacknowledged_subscribe_and_unsubscribe_are_dropped_on_loss() {
    let mut h = Harness::connected();
    let sub = h
        .session
        .subscribe(vec![filter("s", QoS::AtLeastOnce)], Default::default())
        .unwrap();
    let unsub = h
        .session
        .unsubscribe(vec!["u".into()], Default::default())
        .unwrap();
    assert_eq!((sub, unsub), (1, 2));
    assert_eq!(summary(&h.sent()), ["SUBSCRIBE m1", "UNSUBSCRIBE m2"]);
    assert_eq!(h.session.packet_ids_in_use(), 2);
    assert_eq!(h.reconnect(true), vec![], "not resent");
    assert_eq!(h.session.packet_ids_in_use(), 0);
    h.feed(suback(1, &[1])).unwrap();
    h.feed(unsuback(2)).unwrap();
    assert_eq!(h.events(), vec![], "late acknowledgements are ignored");
}

#[test]
fn inflight_accounting_is_exact_across_reconnects() {
    let mut h = Harness::new(SessionConfig {
        clean_start: false,
        ..config(2)
    });
    h.connect(false);
    for i in 1..=5 {
        assert_eq!(pub1(&mut h, "t"), i);
    }
    assert_eq!(
        summary(&h.sent()),
        ["PUBLISH m1 q1 d0 t", "PUBLISH m2 q1 d0 t"]
    );
    assert_eq!(
        (h.session.inflight_count(), h.session.queued_count()),
        (2, 3)
    );
    h.session.connection_lost();
    assert_eq!(pub1(&mut h, "t"), 6);
    assert_eq!(
        (h.session.inflight_count(), h.session.queued_count()),
        (2, 4)
    );

    // Twice in a row without any acknowledgement: nothing is counted twice.
    for _ in 0..2 {
        let sent = h.reconnect(true);
        assert_eq!(summary(&sent), ["PUBLISH m1 q1 d1 t", "PUBLISH m2 q1 d1 t"]);
        assert_eq!(
            (h.session.inflight_count(), h.session.queued_count()),
            (2, 4)
        );
    }
    h.feed(puback(2)).unwrap();
    assert_eq!(summary(&h.sent()), ["PUBLISH m3 q1 d0 t"]);
    let sent = h.reconnect(false);
    assert_eq!(summary(&sent), ["PUBLISH m1 q1 d1 t", "PUBLISH m3 q1 d1 t"]);
    assert_eq!(
        (h.session.inflight_count(), h.session.queued_count()),
        (2, 3)
    );
    let mut done = Vec::new();
    for id in [1, 3, 4, 5, 6] {
        h.feed(puback(id)).unwrap();
        done.extend(summary(&h.sent()));
    }
    assert_eq!(
        done,
        [
            "PUBLISH m4 q1 d0 t",
            "PUBLISH m5 q1 d0 t",
            "PUBLISH m6 q1 d0 t"
        ]
    );
    assert_eq!(h.session.outgoing_count(), 0);
    assert_eq!(h.session.packet_ids_in_use(), 0);
    assert_eq!(
        h.events(),
        [2, 1, 3, 4, 5, 6]
            .map(|mid| acked(mid, AckKind::PubAck))
            .to_vec()
    );
}

/// Connected with clean session false, nothing in flight.
fn persistent_session() -> Harness {
    let mut h = Harness::new(SessionConfig {
        clean_start: false,
        ..config(20)
    });
    h.connect(false);
    h
}

/// The broker sends the QoS 2 message "1" under `id` again (PUBLISH DUP=1, then PUBREL): the
/// session answers both and delivers nothing.
fn resend_is_not_delivered(h: &mut Harness, id: u16) {
    let dup = publish("in", b"1", QoS::ExactlyOnce, id, true);
    h.feed(Packet::Publish(dup)).unwrap();
    assert_eq!(h.events(), vec![], "the same message: not delivered again");
    assert_eq!(summary(&h.sent()), [format!("PubRec m{id}")]);
    h.feed(pubrel(id)).unwrap();
    assert_eq!(h.events(), vec![]);
    assert_eq!(summary(&h.sent()), [format!("PubComp m{id}")]);
}

/// A new QoS 2 message "2" under the freed `id` is delivered at its PUBREL.
fn new_message_is_delivered(h: &mut Harness, id: u16) {
    let next = publish("in", b"2", QoS::ExactlyOnce, id, false);
    h.feed(Packet::Publish(next.clone())).unwrap();
    h.feed(pubrel(id)).unwrap();
    assert_eq!(
        h.events(),
        vec![Event::Message(next)],
        "a new message under a freed id"
    );
}

#[test]
fn a_released_qos2_message_whose_pubcomp_never_left_is_not_delivered_twice() {
    let mut h = persistent_session();
    let p = publish("in", b"1", QoS::ExactlyOnce, 7, false);
    h.feed(Packet::Publish(p.clone())).unwrap();
    assert_eq!(summary(&h.sent()), ["PubRec m7"]);
    h.feed(pubrel(7)).unwrap();
    assert_eq!(
        h.events(),
        vec![Event::Message(p.clone())],
        "delivered at PUBREL"
    );
    // The connection ends before PUBCOMP m7 is handed to the transport: the broker never had
    // it. mosquitto 2.0.11, resuming, may send the message again as PUBLISH DUP=1 under m7.
    assert_eq!(h.reconnect(true), vec![]);
    resend_is_not_delivered(&mut h, 7);
    // Once PUBCOMP has left, m7 is free: a new message under it is delivered.
    new_message_is_delivered(&mut h, 7);
}

#[test]
fn a_pubcomp_that_left_frees_its_id_across_a_reconnect() {
    let mut h = persistent_session();
    let p = publish("in", b"1", QoS::ExactlyOnce, 8, false);
    h.feed(Packet::Publish(p.clone())).unwrap();
    h.feed(pubrel(8)).unwrap();
    assert_eq!(summary(&h.sent()), ["PubRec m8", "PubComp m8"]);
    assert_eq!(h.events(), vec![Event::Message(p)]);
    assert_eq!(h.reconnect(true), vec![]);
    new_message_is_delivered(&mut h, 8);
}

#[test]
fn a_pubcomp_the_transport_never_took_keeps_its_id_across_a_reconnect() {
    let mut h = persistent_session();
    let p = publish("in", b"1", QoS::ExactlyOnce, 9, false);
    h.feed(Packet::Publish(p.clone())).unwrap();
    assert_eq!(summary(&h.sent()), ["PubRec m9"]);
    // PUBREL m9 and a QoS 1 message m10 arrive together: PUBCOMP m9 and PUBACK m10 are handed
    // to the driver at once, which writes only the PUBCOMP's first byte before the link dies.
    h.feed(pubrel(9)).unwrap();
    let q1 = publish("in", b"q1", QoS::AtLeastOnce, 10, false);
    h.feed(Packet::Publish(q1.clone())).unwrap();
    let handed = h.sent_bytes();
    assert_eq!(
        summary(&decode_all(&handed, h.version())),
        ["PubComp m9", "PubAck m10"]
    );
    assert_eq!(h.events(), vec![Event::Message(p), Event::Message(q1)]);
    h.session.connection_lost_unwritten(handed.len() - 1);
    h.connect(true);
    assert_eq!(h.sent(), vec![]);
    // The broker never had PUBCOMP m9: its PUBLISH DUP=1 under m9 is the same message.
    resend_is_not_delivered(&mut h, 9);
}

#[test]
fn a_pubcomp_the_transport_took_frees_its_id_even_if_later_bytes_were_not() {
    let mut h = persistent_session();
    let p = publish("in", b"1", QoS::ExactlyOnce, 11, false);
    h.feed(Packet::Publish(p.clone())).unwrap();
    h.feed(pubrel(11)).unwrap();
    assert_eq!(h.events(), vec![Event::Message(p)]);
    // PUBCOMP m11 is written whole; a QoS 0 PUBLISH handed after it is not.
    let mut handed = h.sent_bytes();
    assert_eq!(
        summary(&decode_all(&handed, h.version())),
        ["PubRec m11", "PubComp m11"]
    );
    pubq(&mut h, "out", QoS::AtMostOnce).unwrap();
    let written = handed.len();
    let _appended = h.session.poll_transmit(h.now, &mut handed);
    assert!(handed.len() > written);
    let _published = h.events();
    h.session.connection_lost_unwritten(handed.len() - written);
    h.connect(true);
    assert_eq!(h.sent(), vec![]);
    new_message_is_delivered(&mut h, 11);
}
