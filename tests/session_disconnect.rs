//! Session: DISCONNECT goes out after everything already queued and is the last thing sent.

mod common_session;

use common_session::*;
use culex::protocol::{AckKind, Packet, Properties, QoS};
use culex::session::{SessionConfig, State};
use culex::Error;

#[test]
fn everything_queued_is_flushed_before_disconnect_which_is_the_last_bytes() {
    let mut h = Harness::new(SessionConfig {
        clean_start: false,
        ..config(2)
    });
    h.connect(false);
    pub1(&mut h, "a");
    pub1(&mut h, "b");
    pub1(&mut h, "c"); // beyond the window: stays queued
    pubq(&mut h, "zero", QoS::AtMostOnce).unwrap();
    h.session
        .subscribe(vec![filter("s", QoS::AtLeastOnce)], Properties::default())
        .unwrap();
    h.session.disconnect(0, Properties::default()).unwrap();
    assert_eq!(h.session.state(), State::Closing);
    assert!(!h.session.is_closing(), "DISCONNECT not handed out yet");
    assert!(h.session.want_write());

    let bytes = h.sent_bytes();
    assert_eq!(bytes[bytes.len() - 2..], [0xE0, 0]);
    assert_eq!(
        summary(&decode_all(&bytes, h.version())),
        [
            "PUBLISH m1 q1 d0 a",
            "PUBLISH m2 q1 d0 b",
            "PUBLISH m0 q0 d0 zero",
            "SUBSCRIBE m5",
            "DISCONNECT"
        ]
    );
    assert!(h.session.is_closing());
    assert_eq!(h.session.poll_timeout(), None);
    assert_eq!(h.events(), vec![published(4)]);

    // Nothing is sent after DISCONNECT, even when a slot frees.
    h.feed(puback(1)).unwrap();
    assert_eq!(h.events(), vec![acked(1, AckKind::PubAck)]);
    assert!(!h.session.want_write());
    assert_eq!(pubq(&mut h, "late", QoS::AtLeastOnce), Err(Error::NoConn));
    assert_eq!(pubq(&mut h, "late", QoS::AtMostOnce), Err(Error::NoConn));
    assert_eq!(h.session.disconnect(0, Properties::default()), Ok(()));
    assert!(!h.session.want_write(), "no second DISCONNECT");

    h.session.connection_lost();
    assert_eq!(h.session.state(), State::Offline);
    assert!(!h.session.is_closing());
    assert_eq!(h.session.outgoing_count(), 2);
    assert_eq!(
        h.reconnect(true),
        decode_all(
            &[0x3A, 6, 0, 1, b'b', 0, 2, b'x', 0x32, 6, 0, 1, b'c', 0, 3, b'x'],
            h.version()
        ),
    );
}

#[test]
fn inbound_after_disconnect_is_not_acknowledged() {
    let mut h = Harness::connected();
    h.session.disconnect(0, Properties::default()).unwrap();
    h.sent();
    let q1 = publish("q1", b"", QoS::AtLeastOnce, 3, false);
    let q0 = publish("q0", b"", QoS::AtMostOnce, 0, false);
    h.feed(Packet::Publish(q1)).unwrap();
    h.feed(Packet::Publish(q0.clone())).unwrap();
    h.feed(pubrel(4)).unwrap();
    assert!(!h.session.want_write());
    assert_eq!(
        h.events(),
        vec![culex::session::Event::Message(q0)],
        "QoS 1 is left for the broker to resend"
    );
}

#[test]
fn disconnect_while_awaiting_connack_follows_connect() {
    let mut h = Harness::new(config(20));
    h.session.open();
    h.session.transport_ready(h.now);
    h.session.disconnect(0, Properties::default()).unwrap();
    assert_eq!(summary(&h.sent()), ["CONNECT", "DISCONNECT"]);
    assert!(h.session.is_closing());
    assert_eq!(h.session.poll_timeout(), None);
}

#[test]
fn disconnect_while_opening_sends_nothing() {
    let mut h = Harness::new(config(20));
    h.session.open();
    h.session.disconnect(0, Properties::default()).unwrap();
    assert!(h.session.is_closing());
    h.session.transport_ready(h.now);
    assert!(!h.session.want_write(), "no CONNECT after disconnect()");
    h.session.connection_lost();
    assert_eq!(h.session.state(), State::Offline);
}

#[test]
fn disconnect_when_offline_is_noconn() {
    let mut h = Harness::new(config(20));
    assert_eq!(
        h.session.disconnect(0, Properties::default()),
        Err(Error::NoConn)
    );
}
