//! Byte-exact vectors for every MQTT packet type in 3.1.1, MQTT 5 vectors with properties, and
//! the 3.1 CONNECT. The expected bytes are written by hand from the specifications, not produced
//! by the encoder. Each vector is decoded, re-encoded, checked at every prefix (must be
//! `Ok(None)`), followed by another packet, and checked against an exact maximum packet size.

use culex::protocol::{
    decode_packet, Ack, AckKind, Auth, ConnAck, Connect, DecodeError, Disconnect, Packet,
    Properties, Property, PropertyId, PropertyValue, ProtocolVersion, Publish, QoS, RetainHandling,
    SubAck, Subscribe, SubscribeFilter, SubscriptionOptions, UnsubAck, Unsubscribe, Will,
};

use ProtocolVersion::{V31, V311, V5};

/// Concatenate byte pieces (hex and ASCII parts of a vector).
fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Decode `bytes` as exactly `expected`, and only when all of it is there.
fn check_decode(version: ProtocolVersion, bytes: &[u8], expected: &Packet) {
    let (packet, used) = decode_packet(bytes, version, u32::MAX)
        .unwrap_or_else(|e| panic!("{expected:?}: {e}"))
        .expect("whole packet");
    assert_eq!(&packet, expected);
    assert_eq!(used, bytes.len());

    for n in 0..bytes.len() {
        assert_eq!(
            decode_packet(&bytes[..n], version, u32::MAX),
            Ok(None),
            "prefix of {n} bytes of {expected:?}"
        );
    }

    let mut followed = bytes.to_vec();
    followed.extend_from_slice(&[0xC0, 0x00]);
    let (_, used) = decode_packet(&followed, version, u32::MAX)
        .unwrap()
        .unwrap();
    assert_eq!(used, bytes.len(), "stops at the packet end");

    let exact = bytes.len() as u32;
    assert!(decode_packet(bytes, version, exact).unwrap().is_some());
    assert_eq!(
        decode_packet(bytes, version, exact - 1),
        Err(DecodeError::TooLarge {
            size: u64::from(exact),
            max: exact - 1
        })
    );
}

/// Encode `packet` to exactly `bytes` (appending to what is already in the buffer).
fn check_encode(version: ProtocolVersion, packet: &Packet, bytes: &[u8]) {
    let mut out = vec![0xAA];
    packet.encode(version, &mut out).unwrap();
    assert_eq!(&out[..1], &[0xAA], "encode appends");
    assert_eq!(&out[1..], bytes, "{packet:?}");
    assert_eq!(packet.encoded_len(version), bytes.len());
}

/// A vector that must both decode to and encode from `packet`.
fn check(version: ProtocolVersion, bytes: &[u8], packet: Packet) {
    check_decode(version, bytes, &packet);
    check_encode(version, &packet, bytes);
}

fn props(list: Vec<Property>) -> Properties {
    Properties(list)
}

fn prop(id: PropertyId, value: PropertyValue) -> Property {
    Property::new(id, value)
}

fn publish(qos: QoS, topic: &str, packet_id: u16, payload: &[u8]) -> Publish {
    Publish {
        dup: false,
        qos,
        retain: false,
        topic: topic.into(),
        packet_id,
        payload: payload.to_vec(),
        properties: Properties::new(),
    }
}

fn ack(kind: AckKind, packet_id: u16, reason_code: u8, properties: Properties) -> Packet {
    Packet::Ack(Ack {
        kind,
        packet_id,
        reason_code,
        properties,
    })
}

fn filter(name: &str, qos: QoS) -> SubscribeFilter {
    SubscribeFilter {
        filter: name.into(),
        options: SubscriptionOptions::new(qos),
    }
}

// ---------------------------------------------------------------------------------------------
// MQTT 3.1.1

#[test]
fn v311_connect_minimal() {
    let bytes = cat(&[
        &[0x10, 0x0E, 0x00, 0x04],
        b"MQTT",
        &[0x04, 0x02, 0x00, 0x3C, 0x00, 0x02],
        b"cx",
    ]);
    check(V311, &bytes, Packet::Connect(Connect::new(V311, "cx")));
}

#[test]
fn v311_connect_with_will_and_credentials() {
    let bytes = cat(&[
        &[0x10, 0x1C, 0x00, 0x04],
        b"MQTT",
        &[0x04, 0xEE, 0x00, 0x0A],
        &[0x00, 0x02],
        b"id",
        &[0x00, 0x01],
        b"w",
        &[0x00, 0x03],
        b"bye",
        &[0x00, 0x01],
        b"u",
        &[0x00, 0x01],
        b"p",
    ]);
    let connect = Connect {
        protocol: V311,
        clean_start: true,
        keep_alive: 10,
        client_id: "id".into(),
        will: Some(Will {
            topic: "w".into(),
            payload: b"bye".to_vec(),
            qos: QoS::AtLeastOnce,
            retain: true,
            properties: Properties::new(),
        }),
        username: Some("u".into()),
        password: Some(b"p".to_vec()),
        properties: Properties::new(),
    };
    check(V311, &bytes, Packet::Connect(connect));
}

#[test]
fn v311_connect_decodes_whatever_version_the_reader_expects() {
    let bytes = cat(&[
        &[0x10, 0x0E, 0x00, 0x04],
        b"MQTT",
        &[0x04, 0x00, 0x00, 0x00, 0x00, 0x02],
        b"cx",
    ]);
    let mut expected = Connect::new(V311, "cx");
    expected.clean_start = false;
    expected.keep_alive = 0;
    for reader_version in [V31, V311, V5] {
        check_decode(reader_version, &bytes, &Packet::Connect(expected.clone()));
    }
}

#[test]
fn v31_connect() {
    let bytes = cat(&[
        &[0x10, 0x10, 0x00, 0x06],
        b"MQIsdp",
        &[0x03, 0x02, 0x00, 0x3C, 0x00, 0x02],
        b"cx",
    ]);
    check(V31, &bytes, Packet::Connect(Connect::new(V31, "cx")));
}

#[test]
fn v311_connack() {
    let accepted = ConnAck {
        session_present: true,
        reason_code: 0,
        properties: Properties::new(),
    };
    check(V311, &[0x20, 0x02, 0x01, 0x00], Packet::ConnAck(accepted));
    let refused = ConnAck {
        session_present: false,
        reason_code: 5,
        properties: Properties::new(),
    };
    check(
        V311,
        &[0x20, 0x02, 0x00, 0x05],
        Packet::ConnAck(refused.clone()),
    );
    check(V31, &[0x20, 0x02, 0x00, 0x05], Packet::ConnAck(refused));
}

#[test]
fn v311_publish_qos0() {
    let bytes = cat(&[&[0x30, 0x07, 0x00, 0x03], b"a/b", b"hi"]);
    check(
        V311,
        &bytes,
        Packet::Publish(publish(QoS::AtMostOnce, "a/b", 0, b"hi")),
    );
}

#[test]
fn v311_publish_qos1_dup_retain() {
    let bytes = cat(&[&[0x3B, 0x06, 0x00, 0x01], b"t", &[0x12, 0x34], b"x"]);
    let mut p = publish(QoS::AtLeastOnce, "t", 0x1234, b"x");
    p.dup = true;
    p.retain = true;
    check(V311, &bytes, Packet::Publish(p));
}

#[test]
fn v311_publish_qos2_empty_payload() {
    let bytes = [0x34, 0x05, 0x00, 0x01, b't', 0x00, 0x01];
    check(
        V311,
        &bytes,
        Packet::Publish(publish(QoS::ExactlyOnce, "t", 1, b"")),
    );
}

#[test]
fn v311_publish_two_byte_remaining_length() {
    let payload = [0x5A; 200];
    // Remaining length 3 + 200 = 203 = 0xCB 0x01.
    let bytes = cat(&[&[0x30, 0xCB, 0x01, 0x00, 0x01], b"t", &payload]);
    check(
        V311,
        &bytes,
        Packet::Publish(publish(QoS::AtMostOnce, "t", 0, &payload)),
    );
}

#[test]
fn v311_acks() {
    check(
        V311,
        &[0x40, 0x02, 0x00, 0x01],
        ack(AckKind::PubAck, 1, 0, Properties::new()),
    );
    check(
        V311,
        &[0x50, 0x02, 0x00, 0x02],
        ack(AckKind::PubRec, 2, 0, Properties::new()),
    );
    check(
        V311,
        &[0x62, 0x02, 0x00, 0x03],
        ack(AckKind::PubRel, 3, 0, Properties::new()),
    );
    check(
        V311,
        &[0x70, 0x02, 0xFF, 0xFF],
        ack(AckKind::PubComp, 0xFFFF, 0, Properties::new()),
    );
}

#[test]
fn v311_subscribe() {
    let bytes = cat(&[
        &[0x82, 0x0C, 0x00, 0x0A, 0x00, 0x03],
        b"a/+",
        &[0x01, 0x00, 0x01],
        b"#",
        &[0x00],
    ]);
    let subscribe = Subscribe {
        packet_id: 10,
        filters: vec![
            filter("a/+", QoS::AtLeastOnce),
            filter("#", QoS::AtMostOnce),
        ],
        properties: Properties::new(),
    };
    check(V311, &bytes, Packet::Subscribe(subscribe));
}

#[test]
fn v311_suback() {
    let suback = SubAck {
        packet_id: 10,
        reason_codes: vec![0x01, 0x80],
        properties: Properties::new(),
    };
    check(
        V311,
        &[0x90, 0x04, 0x00, 0x0A, 0x01, 0x80],
        Packet::SubAck(suback),
    );
}

#[test]
fn v311_unsubscribe() {
    let bytes = cat(&[
        &[0xA2, 0x0A, 0x00, 0x0B, 0x00, 0x03],
        b"a/+",
        &[0x00, 0x01],
        b"#",
    ]);
    let unsubscribe = Unsubscribe {
        packet_id: 11,
        filters: vec!["a/+".into(), "#".into()],
        properties: Properties::new(),
    };
    check(V311, &bytes, Packet::Unsubscribe(unsubscribe));
}

#[test]
fn v311_unsuback_has_no_reason_codes() {
    let unsuback = UnsubAck {
        packet_id: 11,
        reason_codes: vec![],
        properties: Properties::new(),
    };
    check(V311, &[0xB0, 0x02, 0x00, 0x0B], Packet::UnsubAck(unsuback));
}

#[test]
fn v311_ping_and_disconnect() {
    check(V311, &[0xC0, 0x00], Packet::PingReq);
    check(V311, &[0xD0, 0x00], Packet::PingResp);
    check(
        V311,
        &[0xE0, 0x00],
        Packet::Disconnect(Disconnect::default()),
    );
    check(
        V31,
        &[0xE0, 0x00],
        Packet::Disconnect(Disconnect::default()),
    );
}

#[test]
fn v311_ignores_v5_only_fields_when_encoding() {
    // Properties and reason codes have no place in 3.1.1 and are not written.
    let mut extra = Properties::new();
    extra.push(Property::user("k", "v"));
    check_encode(
        V311,
        &ack(AckKind::PubAck, 1, 0x10, extra.clone()),
        &[0x40, 0x02, 0x00, 0x01],
    );
    let disconnect = Disconnect {
        reason_code: 0x04,
        properties: extra,
    };
    check_encode(V311, &Packet::Disconnect(disconnect), &[0xE0, 0x00]);
}

// ---------------------------------------------------------------------------------------------
// MQTT 5.0

#[test]
fn v5_connect_with_properties_and_will_properties() {
    let bytes = cat(&[
        &[0x10, 0x33, 0x00, 0x04],
        b"MQTT",
        &[0x05, 0xC6, 0x00, 0x3C],
        // CONNECT properties: 15 bytes.
        &[0x0F],
        &[0x11, 0x00, 0x00, 0x0E, 0x10],
        &[0x21, 0x00, 0x14],
        &[0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'v'],
        &[0x00, 0x02],
        b"cx",
        // Will properties: 7 bytes.
        &[0x07],
        &[0x18, 0x00, 0x00, 0x00, 0x05],
        &[0x01, 0x01],
        &[0x00, 0x01],
        b"w",
        &[0x00, 0x01],
        b"x",
        &[0x00, 0x01],
        b"u",
        &[0x00, 0x02],
        b"pw",
    ]);
    let connect = Connect {
        protocol: V5,
        clean_start: true,
        keep_alive: 60,
        client_id: "cx".into(),
        will: Some(Will {
            topic: "w".into(),
            payload: b"x".to_vec(),
            qos: QoS::AtMostOnce,
            retain: false,
            properties: props(vec![
                prop(
                    PropertyId::WillDelayInterval,
                    PropertyValue::FourByteInteger(5),
                ),
                prop(PropertyId::PayloadFormatIndicator, PropertyValue::Byte(1)),
            ]),
        }),
        username: Some("u".into()),
        password: Some(b"pw".to_vec()),
        properties: props(vec![
            prop(
                PropertyId::SessionExpiryInterval,
                PropertyValue::FourByteInteger(3600),
            ),
            prop(
                PropertyId::ReceiveMaximum,
                PropertyValue::TwoByteInteger(20),
            ),
            Property::user("k", "v"),
        ]),
    };
    check(V5, &bytes, Packet::Connect(connect));
}

#[test]
fn v5_connect_password_without_username_is_allowed() {
    let bytes = cat(&[
        &[0x10, 0x11, 0x00, 0x04],
        b"MQTT",
        &[0x05, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02],
        b"pw",
    ]);
    let mut connect = Connect::new(V5, "");
    connect.clean_start = false;
    connect.keep_alive = 0;
    connect.password = Some(b"pw".to_vec());
    check(V5, &bytes, Packet::Connect(connect));
}

#[test]
fn v5_connack_with_properties() {
    let bytes = cat(&[
        &[0x20, 0x0D, 0x00, 0x00, 0x0A],
        &[0x22, 0x00, 0x0A],
        &[0x12, 0x00, 0x02],
        b"ab",
        &[0x24, 0x01],
    ]);
    let connack = ConnAck {
        session_present: false,
        reason_code: 0,
        properties: props(vec![
            prop(
                PropertyId::TopicAliasMaximum,
                PropertyValue::TwoByteInteger(10),
            ),
            prop(
                PropertyId::AssignedClientIdentifier,
                PropertyValue::Utf8String("ab".into()),
            ),
            prop(PropertyId::MaximumQos, PropertyValue::Byte(1)),
        ]),
    };
    check(V5, &bytes, Packet::ConnAck(connack));
    let refused = ConnAck {
        session_present: false,
        reason_code: 0x87,
        properties: Properties::new(),
    };
    check(
        V5,
        &[0x20, 0x03, 0x00, 0x87, 0x00],
        Packet::ConnAck(refused),
    );
}

#[test]
fn v5_publish_with_repeated_subscription_identifiers() {
    let bytes = cat(&[
        &[0x32, 0x15, 0x00, 0x01],
        b"t",
        &[0x00, 0x05, 0x0D],
        &[0x23, 0x00, 0x03],
        &[0x0B, 0xC8, 0x01],
        &[0x0B, 0x01],
        &[0x02, 0x00, 0x00, 0x00, 0x3C],
        b"hi",
    ]);
    let mut p = publish(QoS::AtLeastOnce, "t", 5, b"hi");
    p.properties = props(vec![
        prop(PropertyId::TopicAlias, PropertyValue::TwoByteInteger(3)),
        prop(
            PropertyId::SubscriptionIdentifier,
            PropertyValue::VariableByteInteger(200),
        ),
        prop(
            PropertyId::SubscriptionIdentifier,
            PropertyValue::VariableByteInteger(1),
        ),
        prop(
            PropertyId::MessageExpiryInterval,
            PropertyValue::FourByteInteger(60),
        ),
    ]);
    check(V5, &bytes, Packet::Publish(p.clone()));
    let ids: Vec<_> = p
        .properties
        .get_all(PropertyId::SubscriptionIdentifier)
        .collect();
    assert_eq!(ids.len(), 2);
}

#[test]
fn v5_publish_empty_topic_with_alias() {
    let bytes = [0x30, 0x06, 0x00, 0x00, 0x03, 0x23, 0x00, 0x03];
    let mut p = publish(QoS::AtMostOnce, "", 0, b"");
    p.properties = props(vec![prop(
        PropertyId::TopicAlias,
        PropertyValue::TwoByteInteger(3),
    )]);
    check(V5, &bytes, Packet::Publish(p));
}

#[test]
fn v5_publish_without_properties() {
    let bytes = cat(&[&[0x30, 0x04, 0x00, 0x01], b"t", &[0x00]]);
    check(
        V5,
        &bytes,
        Packet::Publish(publish(QoS::AtMostOnce, "t", 0, b"")),
    );
}

#[test]
fn v5_acks_short_and_long_forms() {
    // Reason 0, no properties: packet identifier only.
    check(
        V5,
        &[0x40, 0x02, 0x00, 0x01],
        ack(AckKind::PubAck, 1, 0, Properties::new()),
    );
    // Reason code without properties.
    check(
        V5,
        &[0x40, 0x03, 0x00, 0x01, 0x10],
        ack(AckKind::PubAck, 1, 0x10, Properties::new()),
    );
    // Reason code and a reason string.
    let reason = props(vec![prop(
        PropertyId::ReasonString,
        PropertyValue::Utf8String("bad".into()),
    )]);
    check(
        V5,
        &cat(&[
            &[0x50, 0x0A, 0x00, 0x02, 0x80, 0x06, 0x1F, 0x00, 0x03],
            b"bad",
        ]),
        ack(AckKind::PubRec, 2, 0x80, reason),
    );
    check(
        V5,
        &[0x62, 0x03, 0x00, 0x03, 0x92],
        ack(AckKind::PubRel, 3, 0x92, Properties::new()),
    );
    check(
        V5,
        &[0x70, 0x02, 0x00, 0x04],
        ack(AckKind::PubComp, 4, 0, Properties::new()),
    );
}

#[test]
fn v5_acks_accept_every_spec_form() {
    // A zero property length and an explicit success code are legal, just not minimal.
    check_decode(
        V5,
        &[0x62, 0x04, 0x00, 0x03, 0x92, 0x00],
        &ack(AckKind::PubRel, 3, 0x92, Properties::new()),
    );
    check_decode(
        V5,
        &[0x40, 0x04, 0x00, 0x01, 0x00, 0x00],
        &ack(AckKind::PubAck, 1, 0, Properties::new()),
    );
    check_decode(
        V5,
        &[0x70, 0x03, 0x00, 0x04, 0x00],
        &ack(AckKind::PubComp, 4, 0, Properties::new()),
    );
}

#[test]
fn v5_subscribe_with_options_and_identifier() {
    let bytes = cat(&[
        &[0x82, 0x0B, 0x00, 0x01, 0x02, 0x0B, 0x07, 0x00, 0x03],
        b"a/b",
        &[0x2E],
    ]);
    let subscribe = Subscribe {
        packet_id: 1,
        filters: vec![SubscribeFilter {
            filter: "a/b".into(),
            options: SubscriptionOptions {
                qos: QoS::ExactlyOnce,
                no_local: true,
                retain_as_published: true,
                retain_handling: RetainHandling::DoNotSend,
            },
        }],
        properties: props(vec![prop(
            PropertyId::SubscriptionIdentifier,
            PropertyValue::VariableByteInteger(7),
        )]),
    };
    check(V5, &bytes, Packet::Subscribe(subscribe.clone()));
    // The same subscription in 3.1.1 carries only the QoS bits and no properties.
    let v311 = cat(&[&[0x82, 0x08, 0x00, 0x01, 0x00, 0x03], b"a/b", &[0x02]]);
    check_encode(V311, &Packet::Subscribe(subscribe), &v311);
}

#[test]
fn v5_suback_with_reason_string() {
    let bytes = cat(&[
        &[0x90, 0x0A, 0x00, 0x01, 0x05, 0x1F, 0x00, 0x02],
        b"ok",
        &[0x02, 0xA2],
    ]);
    let suback = SubAck {
        packet_id: 1,
        reason_codes: vec![0x02, 0xA2],
        properties: props(vec![prop(
            PropertyId::ReasonString,
            PropertyValue::Utf8String("ok".into()),
        )]),
    };
    check(V5, &bytes, Packet::SubAck(suback));
}

#[test]
fn v5_unsubscribe_with_user_property() {
    let bytes = cat(&[
        &[0xA2, 0x0D, 0x00, 0x02, 0x07],
        &[0x26, 0x00, 0x01, b'a', 0x00, 0x01, b'b'],
        &[0x00, 0x01],
        b"x",
    ]);
    let unsubscribe = Unsubscribe {
        packet_id: 2,
        filters: vec!["x".into()],
        properties: props(vec![Property::user("a", "b")]),
    };
    check(V5, &bytes, Packet::Unsubscribe(unsubscribe));
}

#[test]
fn v5_unsuback_with_reason_codes() {
    let unsuback = UnsubAck {
        packet_id: 2,
        reason_codes: vec![0x00, 0x11],
        properties: Properties::new(),
    };
    check(
        V5,
        &[0xB0, 0x05, 0x00, 0x02, 0x00, 0x00, 0x11],
        Packet::UnsubAck(unsuback),
    );
}

#[test]
fn v5_disconnect_forms() {
    check(V5, &[0xE0, 0x00], Packet::Disconnect(Disconnect::default()));
    let with_will = Disconnect {
        reason_code: 0x04,
        properties: Properties::new(),
    };
    check(V5, &[0xE0, 0x01, 0x04], Packet::Disconnect(with_will));
    let moved = Disconnect {
        reason_code: 0x9C,
        properties: props(vec![prop(
            PropertyId::ServerReference,
            PropertyValue::Utf8String("s".into()),
        )]),
    };
    check(
        V5,
        &cat(&[&[0xE0, 0x06, 0x9C, 0x04, 0x1C, 0x00, 0x01], b"s"]),
        Packet::Disconnect(moved),
    );
    check_decode(
        V5,
        &[0xE0, 0x02, 0x00, 0x00],
        &Packet::Disconnect(Disconnect::default()),
    );
}

#[test]
fn v5_auth_forms() {
    check(V5, &[0xF0, 0x00], Packet::Auth(Auth::default()));
    let challenge = Auth {
        reason_code: 0x18,
        properties: props(vec![
            prop(
                PropertyId::AuthenticationMethod,
                PropertyValue::Utf8String("m".into()),
            ),
            prop(
                PropertyId::AuthenticationData,
                PropertyValue::BinaryData(vec![0x01, 0x02]),
            ),
        ]),
    };
    check(
        V5,
        &cat(&[
            &[0xF0, 0x0B, 0x18, 0x09, 0x15, 0x00, 0x01],
            b"m",
            &[0x16, 0x00, 0x02, 0x01, 0x02],
        ]),
        Packet::Auth(challenge),
    );
    check_decode(
        V5,
        &[0xF0, 0x02, 0x00, 0x00],
        &Packet::Auth(Auth::default()),
    );
}

#[test]
fn v5_ping() {
    check(V5, &[0xC0, 0x00], Packet::PingReq);
    check(V5, &[0xD0, 0x00], Packet::PingResp);
}

// ---------------------------------------------------------------------------------------------
// Every property, byte-exact, inside a packet that allows it.

/// Wrap a property block in the smallest packet whose context allows `id`.
fn container(id: PropertyId, block: &[u8]) -> (Vec<u8>, fn(Properties) -> Packet) {
    use PropertyId::*;
    let plen = block.len() as u8;
    match id {
        PayloadFormatIndicator
        | MessageExpiryInterval
        | ContentType
        | ResponseTopic
        | CorrelationData
        | SubscriptionIdentifier
        | TopicAlias => (
            cat(&[&[0x30, 4 + plen, 0x00, 0x01], b"t", &[plen], block]),
            |p| {
                let mut publish = publish(QoS::AtMostOnce, "t", 0, b"");
                publish.properties = p;
                Packet::Publish(publish)
            },
        ),
        RequestProblemInformation | RequestResponseInformation => (
            cat(&[
                &[0x10, 13 + plen, 0x00, 0x04],
                b"MQTT",
                &[0x05, 0x00, 0x00, 0x00, plen],
                block,
                &[0x00, 0x00],
            ]),
            |p| {
                let mut connect = Connect::new(V5, "");
                connect.clean_start = false;
                connect.keep_alive = 0;
                connect.properties = p;
                Packet::Connect(connect)
            },
        ),
        WillDelayInterval => (
            cat(&[
                &[0x10, 19 + plen, 0x00, 0x04],
                b"MQTT",
                &[0x05, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, plen],
                block,
                &[0x00, 0x01],
                b"w",
                &[0x00, 0x00],
            ]),
            |p| {
                let mut connect = Connect::new(V5, "");
                connect.clean_start = false;
                connect.keep_alive = 0;
                connect.will = Some(Will {
                    topic: "w".into(),
                    payload: vec![],
                    qos: QoS::AtMostOnce,
                    retain: false,
                    properties: p,
                });
                Packet::Connect(connect)
            },
        ),
        _ => (cat(&[&[0x20, 3 + plen, 0x00, 0x00, plen], block]), |p| {
            Packet::ConnAck(ConnAck {
                session_present: false,
                reason_code: 0,
                properties: p,
            })
        }),
    }
}

#[test]
fn every_property_byte_exact() {
    use PropertyId::*;
    use PropertyValue as V;
    let table: Vec<(PropertyId, PropertyValue, Vec<u8>)> = vec![
        (PayloadFormatIndicator, V::Byte(1), vec![0x01, 0x01]),
        (
            MessageExpiryInterval,
            V::FourByteInteger(0x01020304),
            vec![0x02, 0x01, 0x02, 0x03, 0x04],
        ),
        (
            ContentType,
            V::Utf8String("j".into()),
            vec![0x03, 0x00, 0x01, b'j'],
        ),
        (
            ResponseTopic,
            V::Utf8String("r".into()),
            vec![0x08, 0x00, 0x01, b'r'],
        ),
        (
            CorrelationData,
            V::BinaryData(vec![0x00, 0xFF]),
            vec![0x09, 0x00, 0x02, 0x00, 0xFF],
        ),
        (
            SubscriptionIdentifier,
            V::VariableByteInteger(268_435_455),
            vec![0x0B, 0xFF, 0xFF, 0xFF, 0x7F],
        ),
        (
            SessionExpiryInterval,
            V::FourByteInteger(u32::MAX),
            vec![0x11, 0xFF, 0xFF, 0xFF, 0xFF],
        ),
        (
            AssignedClientIdentifier,
            V::Utf8String("c".into()),
            vec![0x12, 0x00, 0x01, b'c'],
        ),
        (
            ServerKeepAlive,
            V::TwoByteInteger(0x0102),
            vec![0x13, 0x01, 0x02],
        ),
        (
            AuthenticationMethod,
            V::Utf8String("m".into()),
            vec![0x15, 0x00, 0x01, b'm'],
        ),
        (
            AuthenticationData,
            V::BinaryData(vec![]),
            vec![0x16, 0x00, 0x00],
        ),
        (RequestProblemInformation, V::Byte(0), vec![0x17, 0x00]),
        (
            WillDelayInterval,
            V::FourByteInteger(1),
            vec![0x18, 0x00, 0x00, 0x00, 0x01],
        ),
        (RequestResponseInformation, V::Byte(1), vec![0x19, 0x01]),
        (
            ResponseInformation,
            V::Utf8String("i".into()),
            vec![0x1A, 0x00, 0x01, b'i'],
        ),
        (
            ServerReference,
            V::Utf8String("s".into()),
            vec![0x1C, 0x00, 0x01, b's'],
        ),
        (
            ReasonString,
            V::Utf8String("e".into()),
            vec![0x1F, 0x00, 0x01, b'e'],
        ),
        (ReceiveMaximum, V::TwoByteInteger(1), vec![0x21, 0x00, 0x01]),
        (
            TopicAliasMaximum,
            V::TwoByteInteger(0),
            vec![0x22, 0x00, 0x00],
        ),
        (
            TopicAlias,
            V::TwoByteInteger(0xFFFF),
            vec![0x23, 0xFF, 0xFF],
        ),
        (MaximumQos, V::Byte(0), vec![0x24, 0x00]),
        (RetainAvailable, V::Byte(1), vec![0x25, 0x01]),
        (
            UserProperty,
            V::Utf8StringPair("a".into(), "".into()),
            vec![0x26, 0x00, 0x01, b'a', 0x00, 0x00],
        ),
        (
            MaximumPacketSize,
            V::FourByteInteger(1024),
            vec![0x27, 0x00, 0x00, 0x04, 0x00],
        ),
        (WildcardSubscriptionAvailable, V::Byte(0), vec![0x28, 0x00]),
        (
            SubscriptionIdentifierAvailable,
            V::Byte(1),
            vec![0x29, 0x01],
        ),
        (SharedSubscriptionAvailable, V::Byte(0), vec![0x2A, 0x00]),
    ];
    assert_eq!(table.len(), PropertyId::ALL.len(), "every property covered");
    for (id, value, wire) in table {
        assert_eq!(id.data_type(), value.data_type(), "{id:?}");
        assert_eq!(PropertyId::from_u8(wire[0]), Some(id));
        let (bytes, build) = container(id, &wire);
        let packet = build(props(vec![prop(id, value)]));
        check(V5, &bytes, packet);
    }
}

// ---------------------------------------------------------------------------------------------
// Round trips across versions, and the decoded payload's spare byte.

#[test]
fn round_trips_in_every_version() {
    for version in [V31, V311, V5] {
        let mut p = publish(QoS::ExactlyOnce, "a/b/c", 7, &[1, 2, 3]);
        let mut connect = Connect::new(version, "client");
        connect.username = Some("user".into());
        connect.password = Some(vec![0, 1]);
        if version.is_v5() {
            p.properties.push(Property::user("k", "v"));
            p.properties.add(
                PropertyId::ContentType,
                PropertyValue::Utf8String("text/plain".into()),
            );
            connect.properties.add(
                PropertyId::MaximumPacketSize,
                PropertyValue::FourByteInteger(9999),
            );
        }
        let packets = vec![
            Packet::Connect(connect),
            Packet::Publish(p),
            ack(AckKind::PubRel, 9, 0, Properties::new()),
            Packet::Subscribe(Subscribe {
                packet_id: 65535,
                filters: vec![filter("x/#", QoS::AtLeastOnce)],
                properties: Properties::new(),
            }),
            Packet::PingReq,
            Packet::Disconnect(Disconnect::default()),
        ];
        let mut stream = Vec::new();
        for packet in &packets {
            packet.encode(version, &mut stream).unwrap();
        }
        let mut at = 0;
        for packet in &packets {
            let (decoded, used) = decode_packet(&stream[at..], version, u32::MAX)
                .unwrap()
                .unwrap();
            assert_eq!(&decoded, packet, "{version:?}");
            at += used;
        }
        assert_eq!(at, stream.len());
    }
}

#[test]
fn decoded_payload_has_room_for_a_nul() {
    let bytes = cat(&[&[0x30, 0x07, 0x00, 0x03], b"a/b", b"hi"]);
    let (packet, _) = decode_packet(&bytes, V311, u32::MAX).unwrap().unwrap();
    let Packet::Publish(p) = packet else {
        panic!("not a PUBLISH")
    };
    assert!(p.payload.capacity() > p.payload.len());
}
