//! Session: the Inflight window for outgoing QoS 1/2 PUBLISH and FIFO queueing behind it.

mod common_session;

use common_session::*;
use culex::protocol::{Properties, QoS};

#[test]
fn window_limits_unacknowledged_publish_and_queues_the_rest_in_order() {
    let mut h = Harness::new(config(3));
    h.connect(false);
    for (i, topic) in ["a", "b", "c", "d", "e"].iter().enumerate() {
        assert_eq!(pub1(&mut h, topic), i as u16 + 1);
    }
    assert_eq!(
        summary(&h.sent()),
        [
            "PUBLISH m1 q1 d0 a",
            "PUBLISH m2 q1 d0 b",
            "PUBLISH m3 q1 d0 c"
        ]
    );
    assert_eq!(
        (h.session.inflight_count(), h.session.queued_count()),
        (3, 2)
    );
    assert_eq!(h.session.outgoing_count(), 5);
    h.feed(puback(2)).unwrap();
    assert_eq!(summary(&h.sent()), ["PUBLISH m4 q1 d0 d"]);
    h.feed(puback(1)).unwrap();
    assert_eq!(summary(&h.sent()), ["PUBLISH m5 q1 d0 e"]);
    h.feed(puback(3)).unwrap();
    assert_eq!(h.sent(), vec![]);
    assert_eq!(
        (h.session.inflight_count(), h.session.queued_count()),
        (2, 0)
    );
}

#[test]
fn qos2_holds_its_slot_until_pubcomp() {
    let mut h = Harness::new(config(1));
    h.connect(false);
    assert_eq!(pubq(&mut h, "a", QoS::ExactlyOnce), Ok(1));
    assert_eq!(pubq(&mut h, "b", QoS::AtLeastOnce), Ok(2));
    assert_eq!(summary(&h.sent()), ["PUBLISH m1 q2 d0 a"]);
    h.feed(pubrec(1)).unwrap();
    assert_eq!(summary(&h.sent()), ["PubRel m1"]);
    h.feed(pubcomp(1)).unwrap();
    assert_eq!(summary(&h.sent()), ["PUBLISH m2 q1 d0 b"]);
}

#[test]
fn qos0_subscribe_and_unsubscribe_bypass_a_full_window() {
    let mut h = Harness::new(config(1));
    h.connect(false);
    pub1(&mut h, "a");
    pub1(&mut h, "b");
    pubq(&mut h, "zero", QoS::AtMostOnce).unwrap();
    h.session
        .subscribe(vec![filter("s", QoS::AtLeastOnce)], Properties::default())
        .unwrap();
    assert_eq!(
        summary(&h.sent()),
        [
            "PUBLISH m1 q1 d0 a",
            "PUBLISH m0 q0 d0 zero",
            "SUBSCRIBE m4"
        ]
    );
    assert_eq!(h.session.queued_count(), 1);
}

#[test]
fn set_max_inflight_takes_effect_at_once() {
    let mut h = Harness::new(config(1));
    h.connect(false);
    for _ in 0..6 {
        pub1(&mut h, "t");
    }
    assert_eq!(h.sent().len(), 1);
    h.session.set_max_inflight(3);
    assert_eq!(
        summary(&h.sent()),
        ["PUBLISH m2 q1 d0 t", "PUBLISH m3 q1 d0 t"]
    );
    // Shrinking lets messages in flight finish but sends nothing new until below the window.
    h.session.set_max_inflight(1);
    h.feed(puback(1)).unwrap();
    h.feed(puback(2)).unwrap();
    assert_eq!(h.sent(), vec![]);
    h.feed(puback(3)).unwrap();
    assert_eq!(summary(&h.sent()), ["PUBLISH m4 q1 d0 t"]);
    h.session.set_max_inflight(0);
    assert_eq!(
        summary(&h.sent()),
        ["PUBLISH m5 q1 d0 t", "PUBLISH m6 q1 d0 t"],
        "0 means no limit"
    );
}

#[test]
fn unlimited_window_sends_everything() {
    let mut h = Harness::new(config(0));
    h.connect(false);
    for _ in 0..1000 {
        pub1(&mut h, "t");
    }
    assert_eq!(h.sent().len(), 1000);
    assert_eq!(h.session.queued_count(), 0);
}
