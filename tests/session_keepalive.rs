//! Session: keepalive. With K the keepalive interval: PINGREQ when nothing was handed to the
//! transport for K or nothing was received for K; with a PINGREQ outstanding, silence for K after
//! the later of the PINGREQ and the last packet received fails with `Error::Keepalive`.

mod common_session;

use std::time::Duration;

use common_session::*;
use culex::protocol::{Packet, QoS};
use culex::session::{SessionConfig, State};
use culex::Error;

const K: u64 = 10;

fn connected_with_keepalive(keep_alive: u16) -> Harness {
    let mut h = Harness::new(SessionConfig {
        keep_alive,
        ..config(20)
    });
    h.connect(false);
    h
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn idle_link_gets_pingreq_after_exactly_the_keepalive() {
    let mut h = connected_with_keepalive(K as u16);
    assert_eq!(h.session.poll_timeout(), Some(h.t0 + secs(K)));
    h.now = h.t0 + secs(K) - Duration::from_millis(1);
    h.session.handle_timeout(h.now).unwrap();
    assert!(!h.session.want_write());
    h.drive().unwrap();
    assert_eq!(h.elapsed_secs(), K as f64);
    assert!(h.session.ping_outstanding());
    assert_eq!(h.sent_bytes(), [0xC0, 0]);
    // Only one PINGREQ while one is outstanding.
    h.session.handle_timeout(h.now).unwrap();
    assert!(!h.session.want_write());
    assert_eq!(h.session.poll_timeout(), Some(h.t0 + secs(2 * K)));

    h.at_secs(K + 1);
    h.feed(Packet::PingResp).unwrap();
    assert!(!h.session.ping_outstanding());
    // Last sent at K (the PINGREQ), last received at K + 1: next PINGREQ due at 2K.
    assert_eq!(h.session.poll_timeout(), Some(h.t0 + secs(2 * K)));
    h.drive().unwrap();
    assert_eq!(summary(&h.sent()), ["PINGREQ"]);
}

#[test]
fn missing_pingresp_fails_with_keepalive() {
    let mut h = connected_with_keepalive(K as u16);
    h.drive().unwrap();
    assert_eq!(h.elapsed_secs(), K as f64);
    assert_eq!(summary(&h.sent()), ["PINGREQ"]);
    h.now = h.t0 + secs(2 * K) - Duration::from_millis(1);
    assert_eq!(h.session.handle_timeout(h.now), Ok(()));
    assert_eq!(h.drive(), Err(Error::Keepalive));
    assert_eq!(h.elapsed_secs(), (2 * K) as f64);
    assert_eq!(h.session.state(), State::Offline);
    assert_eq!(h.session.poll_timeout(), None);
}

#[test]
fn any_packet_from_the_broker_extends_the_wait_for_pingresp() {
    let mut h = connected_with_keepalive(K as u16);
    h.at_secs(K);
    h.session.handle_timeout(h.now).unwrap();
    h.sent();
    h.at_secs(K + 5);
    let p = publish("t", b"", QoS::AtMostOnce, 0, false);
    h.feed(Packet::Publish(p)).unwrap();
    h.at_secs(2 * K);
    assert_eq!(h.session.handle_timeout(h.now), Ok(()));
    assert_eq!(h.session.poll_timeout(), Some(h.t0 + secs(2 * K + 5)));
    h.at_secs(2 * K + 5);
    assert_eq!(h.session.handle_timeout(h.now), Err(Error::Keepalive));
}

#[test]
fn steady_traffic_both_ways_needs_no_pingreq() {
    let mut h = connected_with_keepalive(K as u16);
    for second in 1..=(6 * K) {
        h.at_secs(second);
        h.session.handle_timeout(h.now).unwrap();
        if second % 5 == 0 {
            let mid = pub1(&mut h, "load");
            assert_eq!(summary(&h.sent()), [format!("PUBLISH m{mid} q1 d0 load")]);
            h.feed(puback(mid)).unwrap();
        }
        assert!(!h.session.want_write(), "unexpected PINGREQ at {second}s");
    }
    assert!(!h.session.ping_outstanding());
}

#[test]
fn sending_only_still_pings_when_nothing_is_received() {
    let mut h = connected_with_keepalive(K as u16);
    let mut pings = Vec::new();
    for second in 1..=K {
        h.at_secs(second);
        h.session.handle_timeout(h.now).unwrap();
        if second % 2 == 0 {
            pubq(&mut h, "out", QoS::AtMostOnce).unwrap();
        }
        for p in summary(&h.sent()) {
            if p == "PINGREQ" {
                pings.push(second);
            }
        }
    }
    assert_eq!(pings, [K]);
}

#[test]
fn receiving_only_still_pings_when_nothing_is_sent() {
    let mut h = connected_with_keepalive(K as u16);
    for second in 1..K {
        h.at_secs(second);
        h.session.handle_timeout(h.now).unwrap();
        let p = publish("in", b"", QoS::AtMostOnce, 0, false);
        h.feed(Packet::Publish(p)).unwrap();
        assert!(!h.session.want_write());
    }
    h.at_secs(K);
    h.session.handle_timeout(h.now).unwrap();
    assert_eq!(summary(&h.sent()), ["PINGREQ"]);
}

#[test]
fn keepalive_zero_never_pings() {
    let mut h = connected_with_keepalive(0);
    assert_eq!(h.session.poll_timeout(), None);
    h.at_secs(100_000);
    h.session.handle_timeout(h.now).unwrap();
    assert!(!h.session.want_write());
    assert_eq!(h.session.state(), State::Connected);
}
