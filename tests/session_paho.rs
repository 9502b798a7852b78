//! Session: what Paho users rely on beyond libmosquitto: a bounded outgoing queue with a
//! time-to-live, what became of a message (delivery tracking), manual acknowledgement.

mod common_session;

use std::time::Duration;

use common_session::*;
use culex::protocol::{AckKind, Packet, Properties, QoS};
use culex::session::{Delivery, Event, QueueLimits, SessionConfig, State};
use culex::Error;

fn limited(max_messages: u32, max_bytes: u64, ttl: Option<Duration>) -> QueueLimits {
    QueueLimits {
        max_messages,
        max_bytes,
        time_to_live: ttl,
    }
}

fn pub_at(h: &mut Harness, topic: &str, payload: &[u8], qos: QoS) -> Result<u16, Error> {
    let now = h.now;
    h.session
        .publish_at(now, topic, payload, qos, false, Properties::default())
}

// ---- the bounded queue ----

#[test]
fn a_full_queue_refuses_and_keeps_what_it_holds_which_all_goes_out_in_order() {
    let mut h = Harness::new(SessionConfig {
        clean_start: false,
        ..config(20)
    });
    h.session.set_queue_limits(limited(1000, 0, None));
    // Offline: everything waits.
    for i in 0..1000 {
        pub_at(&mut h, "q", format!("{i}").as_bytes(), QoS::AtLeastOnce).unwrap();
    }
    assert_eq!(
        pub_at(&mut h, "q", b"one too many", QoS::AtLeastOnce),
        Err(Error::QueueFull)
    );
    assert_eq!(h.session.waiting(), (1000, 1000 + 2890));
    // Connected, with a window of 20: all 1,000 go out in issue order as acknowledgements come.
    h.connect(false);
    let mut payloads = Vec::new();
    loop {
        let sent = h.sent();
        if sent.is_empty() {
            break;
        }
        for p in sent {
            let Packet::Publish(p) = p else { panic!() };
            payloads.push(String::from_utf8(p.payload.clone()).unwrap());
            h.feed(puback(p.packet_id)).unwrap();
        }
    }
    let expected: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
    assert_eq!(payloads, expected);
    assert_eq!(h.session.waiting(), (0, 0));
    assert_eq!(h.events().len(), 1000);
}

#[test]
fn the_byte_limit_counts_topic_and_payload_of_what_waits() {
    let mut h = Harness::new(config(1));
    h.session.set_queue_limits(limited(0, 10, None));
    h.connect(false);
    // In flight (window 1): not waiting, not counted.
    pub_at(&mut h, "t", &[0; 100], QoS::AtLeastOnce).unwrap();
    // Waiting: 1 + 8 bytes fit, 1 + 9 more do not.
    pub_at(&mut h, "t", &[0; 8], QoS::AtLeastOnce).unwrap();
    assert_eq!(
        pub_at(&mut h, "t", &[0; 9], QoS::AtLeastOnce),
        Err(Error::QueueFull)
    );
    assert_eq!(
        pub_at(&mut h, "t", &[], QoS::AtLeastOnce).map(|_| ()),
        Ok(())
    );
    assert_eq!(h.session.waiting(), (2, 10));
    // QoS 0 goes straight out while connected: never refused for the queue.
    pub_at(&mut h, "t", &[0; 50], QoS::AtMostOnce).unwrap();
}

#[test]
fn queued_messages_past_their_time_to_live_expire_offline_too() {
    let mut h = Harness::new(SessionConfig {
        clean_start: false,
        ..config(20)
    });
    h.session
        .set_queue_limits(limited(0, 0, Some(Duration::from_secs(10))));
    let first = pub_at(&mut h, "a", b"1", QoS::AtLeastOnce).unwrap();
    h.advance(Duration::from_secs(4));
    let second = pub_at(&mut h, "b", b"2", QoS::ExactlyOnce).unwrap();
    assert_eq!(h.session.state(), State::Offline);
    // The deadline is the first message's expiry, although offline.
    assert_eq!(
        h.session.poll_timeout(),
        Some(h.t0 + Duration::from_secs(10))
    );
    h.drive().unwrap();
    assert_eq!(h.events(), vec![Event::Expired { mid: first }]);
    assert_eq!(h.session.delivery(first), Delivery::Expired);
    assert_eq!(h.session.delivery(second), Delivery::Pending);
    h.drive().unwrap();
    assert_eq!(h.elapsed_secs(), 14.0);
    assert_eq!(h.events(), vec![Event::Expired { mid: second }]);
    assert_eq!(h.session.waiting(), (0, 0));
    assert_eq!(h.session.packet_ids_in_use(), 0, "ids freed");
    h.connect(false);
    assert_eq!(h.sent(), vec![], "nothing expired is sent");
}

#[test]
fn a_message_that_went_out_does_not_expire() {
    let mut h = Harness::connected();
    h.session
        .set_queue_limits(limited(0, 0, Some(Duration::from_secs(1))));
    let mid = pub_at(&mut h, "a", b"1", QoS::AtLeastOnce).unwrap();
    assert_eq!(summary(&h.sent()), [format!("PUBLISH m{mid} q1 d0 a")]);
    h.advance(Duration::from_secs(5));
    h.session.handle_timeout(h.now).unwrap();
    assert_eq!(h.events(), vec![]);
    h.feed(puback(mid)).unwrap();
    assert_eq!(h.events(), vec![acked(mid, AckKind::PubAck)]);
}

// ---- delivery tracking ----

#[test]
fn delivery_follows_each_qos_to_its_end() {
    let mut h = Harness::connected();
    let q0 = pub_at(&mut h, "z", b"0", QoS::AtMostOnce).unwrap();
    let q1 = pub_at(&mut h, "o", b"1", QoS::AtLeastOnce).unwrap();
    let q2 = pub_at(&mut h, "t", b"2", QoS::ExactlyOnce).unwrap();
    for mid in [q0, q1, q2] {
        assert_eq!(h.session.delivery(mid), Delivery::Pending, "m{mid}");
    }
    h.sent();
    assert_eq!(
        h.session.delivery(q0),
        Delivery::Done { reason_code: 0 },
        "QoS 0: handed to the transport"
    );
    assert_eq!(h.session.delivery(q1), Delivery::Pending);
    h.feed(puback(q1)).unwrap();
    assert_eq!(h.session.delivery(q1), Delivery::Done { reason_code: 0 });
    h.feed(pubrec(q2)).unwrap();
    assert_eq!(h.session.delivery(q2), Delivery::Pending);
    h.feed(pubcomp(q2)).unwrap();
    assert_eq!(h.session.delivery(q2), Delivery::Done { reason_code: 0 });
}

#[test]
fn delivery_keeps_a_broker_refusal_until_the_id_is_used_again() {
    let mut h = Harness::new(SessionConfig {
        protocol: culex::protocol::ProtocolVersion::V5,
        ..config(20)
    });
    h.connect(false);
    let mid = pub_at(&mut h, "o", b"1", QoS::AtLeastOnce).unwrap();
    h.sent();
    let mut refused = culex::protocol::Ack::new(AckKind::PubAck, mid);
    refused.reason_code = 0x87;
    h.feed(Packet::Ack(refused)).unwrap();
    assert_eq!(
        h.session.delivery(mid),
        Delivery::Done { reason_code: 0x87 }
    );
    h.session.set_last_packet_id(mid - 1);
    assert_eq!(pub_at(&mut h, "o", b"2", QoS::AtLeastOnce), Ok(mid));
    assert_eq!(h.session.delivery(mid), Delivery::Pending, "a new message");
}

#[test]
fn a_qos0_message_lost_with_its_connection_is_discarded() {
    let mut h = Harness::connected();
    let mid = pub_at(&mut h, "z", b"0", QoS::AtMostOnce).unwrap();
    assert_eq!(h.session.delivery(mid), Delivery::Pending);
    h.session.connection_lost();
    assert_eq!(
        h.session.delivery(mid),
        Delivery::Discarded { reason_code: 0 }
    );
}

// ---- manual acknowledgement ----

fn manual() -> Harness {
    let mut h = Harness::connected();
    h.session.set_manual_ack(true);
    h
}

#[test]
fn manual_qos1_is_delivered_at_once_and_acknowledged_only_when_the_application_says() {
    let mut h = manual();
    let a = publish("in", b"a", QoS::AtLeastOnce, 7, false);
    let b = publish("in", b"b", QoS::AtLeastOnce, 8, false);
    h.feed(Packet::Publish(a.clone())).unwrap();
    h.feed(Packet::Publish(b.clone())).unwrap();
    assert_eq!(h.events(), vec![Event::Message(a), Event::Message(b)]);
    assert_eq!(h.sent(), vec![], "no PUBACK yet");
    // In any order.
    h.session.ack(8, QoS::AtLeastOnce).unwrap();
    assert_eq!(summary(&h.sent()), ["PubAck m8"]);
    h.session.ack(7, QoS::AtLeastOnce).unwrap();
    assert_eq!(summary(&h.sent()), ["PubAck m7"]);
    assert_eq!(h.session.ack(7, QoS::AtLeastOnce), Err(Error::NotFound));
    assert_eq!(h.session.ack(7, QoS::ExactlyOnce), Err(Error::NotFound));
}

#[test]
fn manual_qos2_is_delivered_at_publish_and_pubrec_waits_for_the_application() {
    let mut h = manual();
    let m = publish("in", b"q2", QoS::ExactlyOnce, 9, false);
    h.feed(Packet::Publish(m.clone())).unwrap();
    assert_eq!(h.events(), vec![Event::Message(m.clone())]);
    assert_eq!(
        h.sent(),
        vec![],
        "no PUBREC before the application acknowledges"
    );
    // A duplicate before the acknowledgement: not delivered again, not answered.
    h.feed(Packet::Publish(publish(
        "in",
        b"q2",
        QoS::ExactlyOnce,
        9,
        true,
    )))
    .unwrap();
    assert_eq!(h.events(), vec![]);
    assert_eq!(h.sent(), vec![]);
    h.session.ack(9, QoS::ExactlyOnce).unwrap();
    assert_eq!(summary(&h.sent()), ["PubRec m9"]);
    // From here as an automatic flow: a duplicate gets PUBREC, PUBREL gets PUBCOMP, no second
    // delivery.
    h.feed(Packet::Publish(publish(
        "in",
        b"q2",
        QoS::ExactlyOnce,
        9,
        true,
    )))
    .unwrap();
    assert_eq!(summary(&h.sent()), ["PubRec m9"]);
    h.feed(pubrel(9)).unwrap();
    assert_eq!(summary(&h.sent()), ["PubComp m9"]);
    assert_eq!(h.events(), vec![]);
}

#[test]
fn acknowledgements_of_an_earlier_connection_are_refused() {
    let mut h = manual();
    h.feed(Packet::Publish(publish(
        "in",
        b"x",
        QoS::AtLeastOnce,
        3,
        false,
    )))
    .unwrap();
    h.events();
    h.session.connection_lost();
    assert_eq!(h.session.ack(3, QoS::AtLeastOnce), Err(Error::NoConn));
    h.connect(true);
    assert_eq!(h.session.ack(3, QoS::AtLeastOnce), Err(Error::NotFound));
    assert_eq!(h.sent(), vec![]);
}

#[test]
fn messages_awaiting_the_application_count_towards_our_receive_maximum() {
    let mut h = Harness::new(SessionConfig {
        protocol: culex::protocol::ProtocolVersion::V5,
        receive_maximum: 2,
        ..config(20)
    });
    h.connect(false);
    h.session.set_manual_ack(true);
    h.feed(Packet::Publish(publish(
        "in",
        b"1",
        QoS::AtLeastOnce,
        1,
        false,
    )))
    .unwrap();
    h.feed(Packet::Publish(publish(
        "in",
        b"2",
        QoS::ExactlyOnce,
        2,
        false,
    )))
    .unwrap();
    assert_eq!(
        h.feed(Packet::Publish(publish(
            "in",
            b"3",
            QoS::AtLeastOnce,
            3,
            false
        ))),
        Err(Error::Protocol),
        "a third unacknowledged message exceeds Receive Maximum 2"
    );
    let sent = h.sent();
    assert!(
        matches!(sent.last(), Some(Packet::Disconnect(d)) if d.reason_code == 0x93),
        "{sent:?}"
    );
}
