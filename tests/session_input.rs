//! Session: inbound framing (partial packets, any split), malformed and client-illegal packets.

mod common_session;

use common_session::*;
use culex::protocol::{
    Ack, AckKind, Connect, Disconnect, Packet, Properties, ProtocolVersion, QoS, Subscribe,
    Unsubscribe,
};
use culex::session::{Event, State};
use culex::Error;

/// PUBLISH q1 m5, SUBACK m1 (for the harness's SUBSCRIBE), PUBLISH q2 m6 and its PUBREL, as one
/// byte stream; with the offsets where a packet completes an event (the QoS 2 message is
/// delivered at its PUBREL).
fn three_packets(h: &mut Harness) -> (Vec<u8>, Vec<usize>) {
    let sub = h
        .session
        .subscribe(vec![filter("a/#", QoS::ExactlyOnce)], Properties::default())
        .unwrap();
    assert_eq!(sub, 1);
    h.sent();
    let v = h.version();
    let parts = [
        (
            encode(
                &Packet::Publish(publish("a/b", b"hello", QoS::AtLeastOnce, 5, false)),
                v,
            ),
            true,
        ),
        (encode(&suback(1, &[2]), v), true),
        (
            encode(
                &Packet::Publish(publish("a/c", &[7; 300], QoS::ExactlyOnce, 6, false)),
                v,
            ),
            false,
        ),
        (encode(&Packet::Ack(Ack::new(AckKind::PubRel, 6)), v), true),
    ];
    let mut ends = Vec::new();
    let mut bytes = Vec::new();
    for (p, completes_an_event) in parts {
        bytes.extend(p);
        if completes_an_event {
            ends.push(bytes.len());
        }
    }
    (bytes, ends)
}

#[test]
fn packets_fed_byte_by_byte_are_handled_when_complete() {
    let mut h = Harness::connected();
    let (bytes, ends) = three_packets(&mut h);
    let mut completed_at = Vec::new();
    for (i, b) in bytes.iter().enumerate() {
        h.session.handle_bytes(h.now, &[*b]).unwrap();
        while h.session.poll_event().is_some() {
            completed_at.push(i + 1);
        }
    }
    assert_eq!(completed_at, ends);
    assert_eq!(summary(&h.sent()), ["PubAck m5", "PubRec m6", "PubComp m6"]);
}

#[test]
fn any_split_of_the_stream_gives_the_same_result() {
    let mut reference = Harness::connected();
    let (bytes, _) = three_packets(&mut reference);
    reference
        .session
        .handle_bytes(reference.now, &bytes)
        .unwrap();
    let expected_events = reference.events();
    let expected_sent = reference.sent_bytes();
    assert_eq!(expected_events.len(), 3);
    for split in 0..=bytes.len() {
        for second in [split, (split + 3).min(bytes.len())] {
            let mut h = Harness::connected();
            three_packets(&mut h);
            h.session.handle_bytes(h.now, &bytes[..split]).unwrap();
            h.session
                .handle_bytes(h.now, &bytes[split..second])
                .unwrap();
            h.session.handle_bytes(h.now, &bytes[second..]).unwrap();
            assert_eq!(h.events(), expected_events, "split at {split}/{second}");
            assert_eq!(h.sent_bytes(), expected_sent, "split at {split}/{second}");
        }
    }
}

#[test]
fn malformed_packet_fails_and_goes_offline() {
    for bad in [
        &[0x60, 2, 0, 1][..],                // PUBREL with reserved flags 0000
        &[0x30, 0xFF, 0xFF, 0xFF, 0xFF][..], // remaining length longer than 4 bytes
        &[0x00, 0][..],                      // reserved packet type 0
        &[0x40, 3, 0, 1, 0][..],             // PUBACK too long for 3.1.1
    ] {
        let mut h = Harness::connected();
        // Reported as a protocol error, libmosquitto's code for a malformed packet from the
        // broker (the differential suite compares them).
        assert_eq!(
            h.session.handle_bytes(h.now, bad),
            Err(Error::Protocol),
            "{bad:x?}"
        );
        assert_eq!(h.session.state(), State::Offline);
        assert_eq!(h.sent_bytes(), Vec::<u8>::new(), "no DISCONNECT in 3.1.1");
        assert_eq!(h.session.poll_timeout(), None);
        assert_eq!(h.feed(Packet::PingResp), Err(Error::NoConn));
    }
}

#[test]
fn topic_that_is_not_mqtt_utf8_fails_with_malformed_utf8() {
    let mut h = Harness::connected();
    let bad = [0x30, 5, 0, 3, b'a', 0xC0, 0x80];
    assert_eq!(
        h.session.handle_bytes(h.now, &bad),
        Err(Error::MalformedUtf8)
    );
    assert_eq!(h.session.state(), State::Offline);
    assert_eq!(h.events(), vec![]);
}

#[test]
fn packets_a_client_must_never_receive_are_protocol_errors() {
    let illegal = [
        Packet::Connect(Connect::new(ProtocolVersion::V311, "x")),
        Packet::Subscribe(Subscribe {
            packet_id: 1,
            filters: vec![filter("a", QoS::AtMostOnce)],
            properties: Properties::default(),
        }),
        Packet::Unsubscribe(Unsubscribe {
            packet_id: 1,
            filters: vec!["a".into()],
            properties: Properties::default(),
        }),
        Packet::PingReq,
        Packet::Disconnect(Disconnect::default()),
    ];
    for packet in illegal {
        let mut h = Harness::connected();
        assert_eq!(h.feed(packet.clone()), Err(Error::Protocol), "{packet:?}");
        assert_eq!(h.session.state(), State::Offline);
        assert_eq!(h.sent_bytes(), Vec::<u8>::new());
    }
}

#[test]
fn packets_before_an_error_in_the_same_read_are_handled() {
    let mut h = Harness::connected();
    let p = publish("ok", b"1", QoS::AtMostOnce, 0, false);
    let mut bytes = encode(&Packet::Publish(p.clone()), ProtocolVersion::V311);
    bytes.extend([0xC0, 0]); // PINGREQ
    bytes.extend(encode(&Packet::Publish(p.clone()), ProtocolVersion::V311));
    assert_eq!(h.session.handle_bytes(h.now, &bytes), Err(Error::Protocol));
    assert_eq!(h.events(), vec![Event::Message(p)]);
}

#[test]
fn bytes_while_offline_are_refused() {
    let mut h = Harness::new(config(20));
    assert_eq!(h.feed(Packet::PingResp), Err(Error::NoConn));
    h.session.open();
    assert_eq!(h.feed(Packet::PingResp), Err(Error::NoConn));
    assert_eq!(h.session.state(), State::Opening);
}
