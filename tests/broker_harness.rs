//! Smoke tests of the test harness itself (tests/common): the real-broker wrapper and the
//! scripted fake broker, driven with hand-built packets over plain TCP.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::broker::{Broker, BrokerConfig};
use common::fake_broker::{self, FakeBroker, Packet, CONNACK, CONNECT, PUBLISH, SUBACK};
use common::{connect_tcp, DEFAULT_TIMEOUT};

/// Read one whole packet from a plain client socket.
fn read_packet(stream: &mut TcpStream) -> Packet {
    let mut bytes = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        stream.read_exact(&mut byte).expect("read packet header");
        bytes.push(byte[0]);
        if let Some((header_len, remaining)) =
            fake_broker::parse_fixed_header(&bytes).expect("valid header")
        {
            let mut body = vec![0u8; remaining];
            stream.read_exact(&mut body).expect("read packet body");
            bytes.extend(body);
            return Packet { bytes, header_len };
        }
    }
}

/// Connect with a clean session; returns the stream and the CONNACK.
fn connect(port: u16, client_id: &str, login: Option<(&str, &str)>) -> (TcpStream, Packet) {
    connect_session(port, client_id, true, login)
}

fn connect_session(
    port: u16,
    client_id: &str,
    clean_session: bool,
    login: Option<(&str, &str)>,
) -> (TcpStream, Packet) {
    let mut stream = connect_tcp(port).expect("connect to broker");
    stream
        .write_all(&fake_broker::connect_v311(
            client_id,
            clean_session,
            30,
            login,
        ))
        .unwrap();
    let connack = read_packet(&mut stream);
    (stream, connack)
}

#[test]
fn broker_accepts_connect_and_answers_ping() {
    let broker = Broker::start(BrokerConfig::default());
    let (mut stream, connack) = connect(broker.port(), "harness-ping", None);
    assert_eq!(
        connack.bytes,
        [0x20, 0x02, 0x00, 0x00],
        "CONNACK; broker log:\n{}",
        broker.log()
    );

    stream.write_all(&[0xc0, 0x00]).unwrap(); // PINGREQ
    assert_eq!(read_packet(&mut stream).bytes, [0xd0, 0x00]); // PINGRESP
    stream.write_all(&[0xe0, 0x00]).unwrap(); // DISCONNECT

    assert!(
        broker.wait_log("harness-ping", DEFAULT_TIMEOUT).is_some(),
        "broker log does not mention the client:\n{}",
        broker.log()
    );
}

#[test]
fn broker_routes_a_publish_to_a_subscriber() {
    let broker = Broker::start(BrokerConfig::default());
    let (mut sub, _) = connect(broker.port(), "harness-sub", None);
    sub.write_all(&fake_broker::subscribe_v311(7, "harness/#", 1))
        .unwrap();
    let suback = read_packet(&mut sub);
    assert_eq!(suback.packet_type(), SUBACK);
    assert_eq!(suback.body(), [0x00, 0x07, 0x01]);

    let (mut publisher, _) = connect(broker.port(), "harness-pub", None);
    publisher
        .write_all(&fake_broker::publish_v311(
            "harness/x",
            0,
            false,
            0,
            b"payload",
        ))
        .unwrap();

    let publish = read_packet(&mut sub);
    assert_eq!(publish.packet_type(), PUBLISH);
    assert_eq!(
        publish.body(),
        [&fake_broker::mqtt_string("harness/x")[..], b"payload"].concat()
    );
}

#[test]
fn broker_with_password_file_refuses_anonymous_clients() {
    let broker = Broker::start(BrokerConfig::default().user("alice", "s3cret"));
    let (_s, refused) = connect(broker.port(), "harness-anon", None);
    assert_eq!(refused.bytes, [0x20, 0x02, 0x00, 0x05], "not authorised");
    let (_s, wrong) = connect(broker.port(), "harness-wrong", Some(("alice", "nope")));
    assert!(
        matches!(wrong.bytes[3], 0x04 | 0x05),
        "bad username or password, or not authorised"
    );
    let (_s, accepted) = connect(broker.port(), "harness-alice", Some(("alice", "s3cret")));
    assert_eq!(accepted.bytes, [0x20, 0x02, 0x00, 0x00]);
}

#[test]
fn broker_restarts_on_the_same_port_and_keeps_persistent_sessions() {
    let mut broker = Broker::start(BrokerConfig::default().persistence(true));
    let port = broker.port();

    // A persistent session with a QoS 1 subscription.
    let (mut stream, connack) = connect_session(port, "harness-persist", false, None);
    assert_eq!(connack.bytes, [0x20, 0x02, 0x00, 0x00]);
    stream
        .write_all(&fake_broker::subscribe_v311(1, "persist/#", 1))
        .unwrap();
    assert_eq!(read_packet(&mut stream).packet_type(), SUBACK);
    stream.write_all(&[0xe0, 0x00]).unwrap();
    drop(stream);

    broker.restart();
    assert_eq!(broker.port(), port);
    assert!(broker.is_running());

    // Session present = 1 after the restart.
    let (_stream, connack) = connect_session(port, "harness-persist", false, None);
    assert_eq!(
        connack.bytes,
        [0x20, 0x02, 0x01, 0x00],
        "broker log:\n{}",
        broker.log()
    );

    broker.stop();
    assert!(!broker.is_running());
    assert!(
        connect_tcp(port).is_err(),
        "stopped broker still accepts connections"
    );
}

#[test]
fn fake_broker_reassembles_packets_and_talks_back() {
    let fake = FakeBroker::bind();
    let port = fake.port();
    let script = fake.spawn(|fake| {
        let mut conn = fake.accept();
        let connect = conn.expect_packet(CONNECT);
        assert_eq!(&connect.body()[..6], b"\x00\x04MQTT");
        conn.send_connack(false, 0);
        // A PUBLISH with a 200-byte body (two remaining-length bytes), sent by the client one byte at a time.
        let publish = conn.expect_packet(PUBLISH);
        assert_eq!(publish.header_len, 3);
        assert_eq!(publish.flags(), 0x02);
        let raw = conn.read_bytes(3);
        assert_eq!(raw, [0xc0, 0x00, 0xe0]);
        conn.write(&[0xd0, 0x00]);
        conn.expect_closed();
        connect.bytes.len()
    });

    let mut client = connect_tcp(port).unwrap();
    client
        .write_all(&fake_broker::connect_v311("fake-client", true, 10, None))
        .unwrap();
    let connack = read_packet(&mut client);
    assert_eq!(connack.packet_type(), CONNACK);
    assert_eq!(connack.bytes, [0x20, 0x02, 0x00, 0x00]);

    let publish = fake_broker::publish_v311("t", 1, false, 1, &[0xab; 195]);
    assert_eq!(publish.len(), 203);
    for byte in &publish {
        client.write_all(std::slice::from_ref(byte)).unwrap();
    }
    client.write_all(&[0xc0, 0x00, 0xe0, 0x00]).unwrap();
    assert_eq!(read_packet(&mut client).bytes, [0xd0, 0x00]);
    drop(client);

    let connect_len = script.join();
    assert_eq!(
        connect_len,
        fake_broker::connect_v311("fake-client", true, 10, None).len()
    );
}

#[test]
fn fake_broker_reports_malformed_and_truncated_input() {
    let fake = FakeBroker::bind();
    let mut client = connect_tcp(fake.port()).unwrap();
    let mut conn = fake.accept();

    // Five remaining-length bytes with the continuation bit: malformed.
    client
        .write_all(&[0x30, 0xff, 0xff, 0xff, 0xff, 0x7f])
        .unwrap();
    let err = conn.read_packet_timeout(DEFAULT_TIMEOUT).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);

    // Nothing more arrives: a timeout, not a hang.
    let mut conn2 = {
        let mut c2 = connect_tcp(fake.port()).unwrap();
        let conn2 = fake.accept();
        c2.write_all(&[0x30, 0x05, 0x00]).unwrap(); // half a packet
        drop(c2);
        conn2
    };
    let err = conn2.read_packet_timeout(DEFAULT_TIMEOUT).unwrap_err();
    assert_eq!(
        err.kind(),
        std::io::ErrorKind::InvalidData,
        "closed inside a packet"
    );

    let c3 = connect_tcp(fake.port()).unwrap();
    let mut conn3 = fake.accept();
    let err = conn3
        .read_packet_timeout(Duration::from_millis(50))
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
    drop(c3);
    assert!(
        conn3
            .read_packet_timeout(DEFAULT_TIMEOUT)
            .unwrap()
            .is_none(),
        "clean close"
    );

    // The fake can send a huge remaining length to a client, then reset the connection.
    let mut client4 = connect_tcp(fake.port()).unwrap();
    let mut conn4 = fake.accept();
    conn4.write(&[0x30, 0xff, 0xff, 0xff, 0x7f]);
    conn4.reset();
    let mut buf = [0u8; 16];
    let mut got = Vec::new();
    loop {
        match client4.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    assert!(got.is_empty() || got == [0x30, 0xff, 0xff, 0xff, 0x7f]);
    assert!(fake.accept_timeout(Duration::from_millis(20)).is_none());
}

#[test]
fn remaining_length_encoding_round_trips() {
    for n in [
        0usize,
        1,
        127,
        128,
        16_383,
        16_384,
        2_097_151,
        2_097_152,
        268_435_455,
    ] {
        let mut bytes = vec![0x30];
        bytes.extend(fake_broker::encode_remaining_length(n));
        let (header_len, remaining) = fake_broker::parse_fixed_header(&bytes).unwrap().unwrap();
        assert_eq!((header_len, remaining), (bytes.len(), n));
    }
    assert_eq!(fake_broker::encode_remaining_length(321), [0xc1, 0x02]);
    assert_eq!(
        fake_broker::parse_fixed_header(&[0x30, 0x80]).unwrap(),
        None
    );
}
