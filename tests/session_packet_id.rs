//! Session: one packet-id space for PUBLISH, SUBSCRIBE and UNSUBSCRIBE, wraparound, ids in use.

mod common_session;

use common_session::*;
use culex::protocol::{Properties, QoS};
use culex::Error;

fn sub(h: &mut Harness) -> Result<u16, Error> {
    h.session
        .subscribe(vec![filter("s", QoS::AtMostOnce)], Properties::default())
}

fn unsub(h: &mut Harness) -> Result<u16, Error> {
    h.session
        .unsubscribe(vec!["s".into()], Properties::default())
}

#[test]
fn publish_subscribe_and_unsubscribe_share_one_counter() {
    let mut h = Harness::connected();
    assert_eq!(pubq(&mut h, "t", QoS::AtLeastOnce), Ok(1));
    assert_eq!(sub(&mut h), Ok(2));
    assert_eq!(unsub(&mut h), Ok(3));
    assert_eq!(pubq(&mut h, "t", QoS::AtMostOnce), Ok(4));
    assert_eq!(pubq(&mut h, "t", QoS::ExactlyOnce), Ok(5));
    assert_eq!(
        summary(&h.sent()),
        [
            "PUBLISH m1 q1 d0 t",
            "SUBSCRIBE m2",
            "UNSUBSCRIBE m3",
            "PUBLISH m0 q0 d0 t",
            "PUBLISH m5 q2 d0 t"
        ]
    );
    assert_eq!(h.session.packet_ids_in_use(), 4, "QoS 0 holds no id");
}

#[test]
fn ids_wrap_from_65535_to_1_and_skip_ids_in_use() {
    let mut h = Harness::connected();
    assert_eq!(pubq(&mut h, "held", QoS::AtLeastOnce), Ok(1));
    assert_eq!(sub(&mut h), Ok(2));
    h.session.set_last_packet_id(65_533);
    assert_eq!(pubq(&mut h, "t", QoS::ExactlyOnce), Ok(65_534));
    assert_eq!(unsub(&mut h), Ok(65_535));
    // 1 (PUBLISH awaiting PUBACK) and 2 (SUBSCRIBE awaiting SUBACK) are in use.
    assert_eq!(pubq(&mut h, "t", QoS::AtLeastOnce), Ok(3));
    assert_eq!(pubq(&mut h, "t", QoS::AtMostOnce), Ok(4));
    h.sent();
    h.feed(puback(1)).unwrap();
    h.feed(unsuback(65_535)).unwrap();
    h.session.set_last_packet_id(65_534);
    assert_eq!(sub(&mut h), Ok(65_535), "freed by UNSUBACK");
    assert_eq!(
        pubq(&mut h, "t", QoS::AtLeastOnce),
        Ok(1),
        "freed by PUBACK"
    );
    assert_eq!(unsub(&mut h), Ok(4), "2 and 3 still in use; 4 was QoS 0");
    // 65534 is in use (QoS 2 awaiting PUBREC): the next QoS 0 mid skips it too.
    h.session.set_last_packet_id(65_533);
    assert_eq!(pubq(&mut h, "t", QoS::AtMostOnce), Ok(5));
}

#[test]
fn queued_messages_hold_their_ids() {
    let mut h = Harness::new(config(1));
    h.connect(false);
    assert_eq!(pub1(&mut h, "t"), 1);
    assert_eq!(pub1(&mut h, "t"), 2);
    assert_eq!(h.session.queued_count(), 1);
    h.session.set_last_packet_id(1);
    assert_eq!(sub(&mut h), Ok(3), "2 is queued, not free");
}

#[test]
fn a_full_id_space_refuses_with_nomem() {
    let mut h = Harness::new(config(20));
    for expected in 1..=u16::MAX {
        assert_eq!(
            h.session
                .publish("t", b"", QoS::AtLeastOnce, false, Properties::default()),
            Ok(expected)
        );
    }
    assert_eq!(pubq(&mut h, "t", QoS::AtLeastOnce), Err(Error::NoMem));
    h.session.open();
    assert_eq!(sub(&mut h), Err(Error::NoMem));
    assert_eq!(pubq(&mut h, "t", QoS::AtMostOnce), Err(Error::NoMem));
    h.session.transport_ready(h.now);
    h.sent();
    h.feed(connack(0, false)).unwrap();
    assert_eq!(h.sent().len(), 20, "the window, not the whole queue");
    h.feed(puback(7)).unwrap();
    h.sent();
    h.session.set_last_packet_id(100);
    assert_eq!(unsub(&mut h), Ok(7));
}
