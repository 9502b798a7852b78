//! Rejection of malformed and protocol-violating input, and of packets that cannot be encoded.
//!
//! Every case asserts the specific error class, so a decoder that rejects for the wrong reason
//! (or accepts) fails.

use culex::protocol::{
    decode_packet, validate_bytes, Ack, AckKind, Auth, Connect, DecodeError, EncodeError, Packet,
    Properties, Property, PropertyId, PropertyValue, ProtocolVersion, Publish, QoS, ReasonCode,
    Subscribe, SubscribeFilter, SubscriptionOptions, Utf8Error, MAX_REMAINING_LENGTH,
};

use ProtocolVersion::{V31, V311, V5};

const MIB: u32 = 1 << 20;

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn decode(version: ProtocolVersion, bytes: &[u8]) -> Result<Option<(Packet, usize)>, DecodeError> {
    decode_packet(bytes, version, MIB)
}

fn malformed(version: ProtocolVersion, bytes: &[u8]) {
    match decode(version, bytes) {
        Err(DecodeError::Malformed(_)) => {}
        other => panic!("{bytes:02X?}: expected Malformed, got {other:?}"),
    }
}

fn protocol(version: ProtocolVersion, bytes: &[u8]) {
    match decode(version, bytes) {
        Err(DecodeError::Protocol(_)) => {}
        other => panic!("{bytes:02X?}: expected Protocol, got {other:?}"),
    }
}

fn bad_utf8(version: ProtocolVersion, bytes: &[u8]) {
    assert_eq!(
        decode(version, bytes),
        Err(DecodeError::MalformedUtf8),
        "{bytes:02X?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Fixed header

#[test]
fn empty_buffer_needs_more() {
    assert_eq!(decode(V311, &[]), Ok(None));
}

#[test]
fn five_byte_remaining_length_is_malformed_without_waiting() {
    malformed(V311, &[0x30, 0xFF, 0xFF, 0xFF, 0xFF]);
    malformed(V311, &[0x30, 0x80, 0x80, 0x80, 0x80]);
    malformed(V311, &[0x30, 0x80, 0x80, 0x80, 0x80, 0x01]);
    // Three continuation bytes could still be a valid 4-byte length.
    assert_eq!(
        decode_packet(&[0x30, 0xFF, 0xFF, 0xFF], V311, u32::MAX),
        Ok(None)
    );
}

#[test]
fn non_minimal_remaining_length_is_malformed() {
    malformed(V311, &[0xC0, 0x80, 0x00]);
}

#[test]
fn reserved_flags_are_malformed_from_the_first_byte() {
    for first in [
        0x11, // CONNECT
        0x28, // CONNACK
        0x41, // PUBACK
        0x52, // PUBREC
        0x60, // PUBREL must carry 0b0010
        0x63, // PUBREL
        0x74, // PUBCOMP
        0x80, // SUBSCRIBE must carry 0b0010
        0x83, // SUBSCRIBE
        0x92, // SUBACK
        0xA0, // UNSUBSCRIBE must carry 0b0010
        0xB1, // UNSUBACK
        0xC1, // PINGREQ
        0xD8, // PINGRESP
        0xE2, // DISCONNECT
    ] {
        malformed(V311, &[first]);
    }
    malformed(V5, &[0xF1]);
    malformed(V311, &[0x00]); // reserved packet type 0
}

#[test]
fn publish_qos3_and_qos0_dup_are_malformed() {
    malformed(V311, &[0x36]);
    malformed(V311, &[0x37, 0x05, 0x00, 0x01, b't', 0x00, 0x01]);
    malformed(V311, &[0x38]);
    malformed(V5, &[0x39, 0x03, 0x00, 0x01, b't']);
}

#[test]
fn oversize_header_is_rejected_before_the_body_arrives() {
    // A header claiming the largest remaining length, and nothing else.
    let header = [0x30, 0xFF, 0xFF, 0xFF, 0x7F];
    assert_eq!(
        decode_packet(&header, V311, MIB),
        Err(DecodeError::TooLarge {
            size: 5 + u64::from(MAX_REMAINING_LENGTH),
            max: MIB
        })
    );
    // Also mid-way: two length bytes already exceed the maximum of 100.
    assert_eq!(
        decode_packet(&[0x30, 0xFF, 0x01], V311, 100),
        Err(DecodeError::TooLarge {
            size: 258,
            max: 100
        })
    );
    // The limit counts the whole packet, fixed header included.
    let small_publish = [0x30, 0x03, 0x00, 0x01, b't'];
    assert!(decode_packet(&small_publish, V311, 5).unwrap().is_some());
    assert!(matches!(
        decode_packet(&small_publish[..2], V311, 4),
        Err(DecodeError::TooLarge { size: 5, max: 4 })
    ));
}

#[test]
fn decode_error_maps_to_reason_codes() {
    assert_eq!(
        DecodeError::Malformed("x").reason_code(),
        ReasonCode::MALFORMED_PACKET
    );
    assert_eq!(
        DecodeError::MalformedUtf8.reason_code(),
        ReasonCode::MALFORMED_PACKET
    );
    assert_eq!(
        DecodeError::DuplicateProperty.reason_code(),
        ReasonCode::PROTOCOL_ERROR
    );
    assert_eq!(
        DecodeError::TooLarge { size: 2, max: 1 }.reason_code(),
        ReasonCode::PACKET_TOO_LARGE
    );
}

// ---------------------------------------------------------------------------------------------
// Bodies: truncation and trailing bytes

#[test]
fn fields_running_past_the_remaining_length_are_malformed() {
    malformed(V311, &[0x40, 0x01, 0x00]); // PUBACK with half a packet id
    malformed(V311, &[0x30, 0x02, 0x00, 0x05]); // topic length 5, no topic
    malformed(V311, &[0x32, 0x03, 0x00, 0x01, b't']); // QoS 1 without packet id
    malformed(V311, &[0x82, 0x05, 0x00, 0x01, 0x00, 0x05, b'a']); // filter cut short
    malformed(V311, &[0x82, 0x05, 0x00, 0x01, 0x00, 0x01, b'a']); // options byte missing
    malformed(V311, &[0x20, 0x01, 0x00]); // CONNACK without return code
    malformed(V311, &[0x90, 0x01, 0x00]); // SUBACK cut in packet id
    malformed(
        V311,
        &cat(&[
            &[0x10, 0x0C, 0x00, 0x04],
            b"MQTT",
            &[0x04, 0x02, 0x00, 0x3C, 0x00, 0x02],
        ]),
    ); // CONNECT client id missing
    malformed(
        V311,
        &cat(&[
            &[0x10, 0x0E, 0x00, 0x04],
            b"MQTT",
            &[0x04, 0x82, 0x00, 0x3C, 0x00, 0x02],
            b"cx",
        ]),
    ); // username flag without username
    malformed(V5, &[0x20, 0x02, 0x00, 0x00]); // MQTT 5 CONNACK needs a property length
    malformed(V5, &[0xF0, 0x01, 0x18]); // AUTH with reason but no property length
}

#[test]
fn bytes_after_the_last_field_are_malformed() {
    malformed(V311, &[0x40, 0x03, 0x00, 0x01, 0x00]);
    malformed(V311, &[0x62, 0x03, 0x00, 0x01, 0x00]);
    malformed(V311, &[0x20, 0x03, 0x00, 0x00, 0x00]);
    malformed(V311, &[0xB0, 0x03, 0x00, 0x01, 0x00]);
    malformed(V311, &[0xC0, 0x01, 0x00]);
    malformed(V311, &[0xD0, 0x01, 0x00]);
    malformed(V311, &[0xE0, 0x01, 0x00]);
    malformed(V31, &[0xE0, 0x01, 0x00]);
    malformed(
        V311,
        &cat(&[
            &[0x10, 0x0F, 0x00, 0x04],
            b"MQTT",
            &[0x04, 0x02, 0x00, 0x3C, 0x00, 0x02],
            b"cx",
            &[0x00],
        ]),
    );
    malformed(V5, &[0x20, 0x04, 0x00, 0x00, 0x00, 0x00]);
    malformed(V5, &[0x40, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00]);
    malformed(V5, &[0xE0, 0x03, 0x00, 0x00, 0x00]);
}

// ---------------------------------------------------------------------------------------------
// UTF-8

#[test]
fn invalid_utf8_in_strings_is_rejected() {
    let topic = |t: &[u8]| {
        let mut v = vec![0x30, 2 + t.len() as u8, 0x00, t.len() as u8];
        v.extend_from_slice(t);
        v
    };
    bad_utf8(V311, &topic(b"a\x00b")); // U+0000
    bad_utf8(V311, &topic(b"\xED\xA0\x80")); // surrogate U+D800
    bad_utf8(V311, &topic(b"\xED\xBF\xBF")); // surrogate U+DFFF
    bad_utf8(V311, &topic(b"\xC0\xAF")); // overlong '/'
    bad_utf8(V311, &topic(b"\xE0\x80\xAF")); // overlong, three bytes
    bad_utf8(V311, &topic(b"\xC3\x28")); // invalid continuation
    bad_utf8(V311, &topic(b"\x80")); // lone continuation
    bad_utf8(V311, &topic(b"\xE2\x82")); // truncated sequence
    bad_utf8(V311, &topic(b"\xF4\x90\x80\x80")); // above U+10FFFF
    bad_utf8(V311, &topic(b"a\nb")); // control character
    bad_utf8(V311, &topic(b"\xC2\x85")); // C1 control U+0085
    bad_utf8(V311, &topic(b"\xEF\xBF\xBF")); // non-character U+FFFF
                                             // Client identifier, user property, subscription filter.
    bad_utf8(
        V311,
        &cat(&[
            &[0x10, 0x0D, 0x00, 0x04],
            b"MQTT",
            &[0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0x00],
        ]),
    );
    bad_utf8(
        V5,
        &[
            0x40, 0x0B, 0x00, 0x01, 0x00, 0x07, 0x26, 0x00, 0x01, 0xC0, 0x00, 0x01, b'v',
        ],
    );
    bad_utf8(V311, &[0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0xFF, 0x00]);
}

#[test]
fn utf8_helpers_name_the_problem() {
    assert_eq!(
        validate_bytes(b"\xED\xA0\x80"),
        Err(Utf8Error::Surrogate { offset: 0 })
    );
    assert_eq!(
        validate_bytes(b"ab\x00"),
        Err(Utf8Error::NullCharacter { offset: 2 })
    );
    assert_eq!(
        validate_bytes(b"\x7F"),
        Err(Utf8Error::ControlCharacter { offset: 0 })
    );
    assert_eq!(validate_bytes("a/ü/€/😀".as_bytes()), Ok("a/ü/€/😀"));
}

// ---------------------------------------------------------------------------------------------
// Protocol rules

#[test]
fn packet_id_zero_is_a_protocol_error() {
    protocol(V311, &[0x32, 0x05, 0x00, 0x01, b't', 0x00, 0x00]);
    protocol(V311, &[0x34, 0x05, 0x00, 0x01, b't', 0x00, 0x00]);
    protocol(V311, &[0x40, 0x02, 0x00, 0x00]);
    protocol(V311, &[0x50, 0x02, 0x00, 0x00]);
    protocol(V311, &[0x62, 0x02, 0x00, 0x00]);
    protocol(V311, &[0x70, 0x02, 0x00, 0x00]);
    protocol(V311, &[0x82, 0x06, 0x00, 0x00, 0x00, 0x01, b'a', 0x00]);
    protocol(V311, &[0x90, 0x03, 0x00, 0x00, 0x00]);
    protocol(V311, &[0xA2, 0x05, 0x00, 0x00, 0x00, 0x01, b'a']);
    protocol(V311, &[0xB0, 0x02, 0x00, 0x00]);
    protocol(V5, &[0x40, 0x03, 0x00, 0x00, 0x10]);
}

#[test]
fn subscribe_and_unsubscribe_need_filters() {
    protocol(V311, &[0x82, 0x02, 0x00, 0x01]);
    protocol(V5, &[0x82, 0x03, 0x00, 0x01, 0x00]);
    protocol(V311, &[0xA2, 0x02, 0x00, 0x01]);
    protocol(V311, &[0x82, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00]); // empty filter
    protocol(V311, &[0x90, 0x02, 0x00, 0x01]); // SUBACK without codes
    protocol(V5, &[0xB0, 0x03, 0x00, 0x01, 0x00]); // MQTT 5 UNSUBACK without codes
}

#[test]
fn publish_topic_rules() {
    protocol(V311, &[0x30, 0x05, 0x00, 0x03, b'a', b'/', b'+']);
    protocol(V311, &[0x30, 0x03, 0x00, 0x01, b'#']);
    protocol(V5, &[0x30, 0x04, 0x00, 0x01, b'#', 0x00]);
    protocol(V311, &[0x30, 0x02, 0x00, 0x00]); // empty topic
    protocol(V5, &[0x30, 0x03, 0x00, 0x00, 0x00]); // empty topic without alias
}

#[test]
fn connect_protocol_name_and_level() {
    let connect = |name: &[u8], level: u8| {
        let rl = 2 + name.len() as u8 + 1 + 1 + 2 + 2;
        cat(&[
            &[0x10, rl, 0x00, name.len() as u8],
            name,
            &[level, 0x02, 0x00, 0x3C, 0x00, 0x00],
        ])
    };
    assert!(decode(V311, &connect(b"MQTT", 4)).unwrap().is_some());
    protocol(V311, &connect(b"MQTX", 4));
    protocol(V311, &connect(b"mqtt", 4));
    protocol(V311, &connect(b"MQTT", 3));
    protocol(V311, &connect(b"MQTT", 6));
    protocol(V311, &connect(b"MQIsdp", 4));
    protocol(V311, &connect(b"MQIsdp", 5));
}

#[test]
fn connect_flag_rules() {
    let connect = |flags: u8, tail: &[u8]| {
        let rl = 10 + 2 + tail.len() as u8;
        cat(&[
            &[0x10, rl, 0x00, 0x04],
            b"MQTT",
            &[0x04, flags, 0x00, 0x3C, 0x00, 0x00],
            tail,
        ])
    };
    malformed(V311, &connect(0x03, &[])); // reserved bit
    malformed(V311, &connect(0x08, &[])); // will QoS without will
    malformed(V311, &connect(0x20, &[])); // will retain without will
    malformed(
        V311,
        &connect(0x1C, &[0x00, 0x01, b'w', 0x00, 0x00]), // will QoS 3
    );
    protocol(V311, &connect(0x40, &[0x00, 0x01, b'p'])); // password without username
    protocol(
        V311,
        &connect(0x04, &[0x00, 0x01, b'#', 0x00, 0x00]), // wildcard will topic
    );
}

#[test]
fn connack_reserved_bits_are_malformed() {
    malformed(V311, &[0x20, 0x02, 0x02, 0x00]);
    malformed(V311, &[0x20, 0x02, 0x80, 0x00]);
    malformed(V5, &[0x20, 0x03, 0x02, 0x00, 0x00]);
}

#[test]
fn subscription_options_reserved_bits() {
    let subscribe = |version, options: u8| {
        let mut v = vec![0x82, 0x06, 0x00, 0x01];
        if version == V5 {
            v[1] += 1;
            v.push(0x00);
        }
        v.extend_from_slice(&[0x00, 0x01, b'a', options]);
        decode(version, &v)
    };
    assert!(subscribe(V311, 0x02).unwrap().is_some());
    assert!(matches!(
        subscribe(V311, 0x04),
        Err(DecodeError::Malformed(_))
    ));
    assert!(matches!(
        subscribe(V311, 0x80),
        Err(DecodeError::Malformed(_))
    ));
    assert!(matches!(
        subscribe(V311, 0x03),
        Err(DecodeError::Malformed(_))
    ));
    assert!(subscribe(V5, 0x2E).unwrap().is_some());
    assert!(matches!(
        subscribe(V5, 0x40),
        Err(DecodeError::Malformed(_))
    ));
    assert!(matches!(
        subscribe(V5, 0x80),
        Err(DecodeError::Malformed(_))
    ));
    assert!(matches!(
        subscribe(V5, 0x03),
        Err(DecodeError::Malformed(_))
    ));
    assert!(matches!(subscribe(V5, 0x30), Err(DecodeError::Protocol(_))));
}

#[test]
fn auth_does_not_exist_before_mqtt5() {
    protocol(V311, &[0xF0]);
    protocol(V31, &[0xF0, 0x00]);
    protocol(V5, &[0xF0, 0x02, 0x05, 0x00]); // reason code not allowed in AUTH
}

// ---------------------------------------------------------------------------------------------
// Properties

#[test]
fn duplicate_single_occurrence_property() {
    // PUBACK with two Reason Strings.
    let bytes = [
        0x40, 0x0C, 0x00, 0x01, 0x80, 0x08, 0x1F, 0x00, 0x01, b'a', 0x1F, 0x00, 0x01, b'b',
    ];
    assert_eq!(decode(V5, &bytes), Err(DecodeError::DuplicateProperty));
    // SUBSCRIBE with two Subscription Identifiers (only PUBLISH may repeat it).
    let bytes = [
        0x82, 0x0B, 0x00, 0x01, 0x04, 0x0B, 0x01, 0x0B, 0x02, 0x00, 0x01, b'a', 0x00,
    ];
    assert_eq!(decode(V5, &bytes), Err(DecodeError::DuplicateProperty));
    // CONNACK with two Maximum QoS.
    let bytes = [0x20, 0x07, 0x00, 0x00, 0x04, 0x24, 0x00, 0x24, 0x01];
    assert_eq!(decode(V5, &bytes), Err(DecodeError::DuplicateProperty));
    // Repeated User Properties are fine.
    let bytes = [
        0x40, 0x0E, 0x00, 0x01, 0x00, 0x0A, 0x26, 0x00, 0x00, 0x00, 0x00, 0x26, 0x00, 0x00, 0x00,
        0x00,
    ];
    let (packet, _) = decode(V5, &bytes).unwrap().unwrap();
    let Packet::Ack(ack) = packet else { panic!() };
    assert_eq!(ack.properties.user_properties().count(), 2);
}

#[test]
fn property_not_allowed_in_the_packet_is_malformed() {
    malformed(V5, &[0x40, 0x07, 0x00, 0x01, 0x00, 0x03, 0x23, 0x00, 0x01]); // Topic Alias in PUBACK
    malformed(V5, &[0x30, 0x06, 0x00, 0x01, b't', 0x02, 0x24, 0x01]); // Maximum QoS in PUBLISH
    malformed(V5, &[0xE0, 0x04, 0x00, 0x02, 0x17, 0x01]); // Request Problem Info in DISCONNECT
    malformed(
        V5,
        &[
            0x82, 0x09, 0x00, 0x01, 0x03, 0x23, 0x00, 0x01, 0x00, 0x01, b'a',
        ],
    );
    malformed(V5, &[0x40, 0x06, 0x00, 0x01, 0x00, 0x02, 0x05, 0x00]); // unknown identifier 5
    malformed(V5, &[0x40, 0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00]); // identifier 0
                                                                      // Will Delay Interval is a will property, not a CONNECT property.
    malformed(
        V5,
        &cat(&[
            &[0x10, 0x12, 0x00, 0x04],
            b"MQTT",
            &[
                0x05, 0x00, 0x00, 0x00, 0x05, 0x18, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
            ],
        ]),
    );
}

#[test]
fn property_length_mismatches_are_malformed() {
    // Property length 5 but only 3 bytes remain.
    malformed(V5, &[0x40, 0x07, 0x00, 0x01, 0x00, 0x05, 0x23, 0x00, 0x01]);
    // Property length 2 holding a 5-byte Message Expiry Interval.
    malformed(
        V5,
        &[
            0x30, 0x0B, 0x00, 0x01, b't', 0x02, 0x02, 0x00, 0x00, 0x00, 0x3C, b'h', b'i',
        ],
    );
    // String length inside a property runs past the property block.
    malformed(
        V5,
        &[
            0x40, 0x09, 0x00, 0x01, 0x80, 0x03, 0x1F, 0x00, 0x05, b'a', b'b',
        ],
    );
    // Five-byte property length.
    malformed(
        V5,
        &[0x40, 0x08, 0x00, 0x01, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
    );
}

#[test]
fn property_value_rules_are_protocol_errors() {
    // Subscription Identifier 0 in SUBSCRIBE and PUBLISH.
    protocol(
        V5,
        &[
            0x82, 0x08, 0x00, 0x01, 0x02, 0x0B, 0x00, 0x00, 0x01, b'a', 0x00,
        ],
    );
    protocol(V5, &[0x30, 0x06, 0x00, 0x01, b't', 0x02, 0x0B, 0x00]);
    // Receive Maximum 0, Maximum Packet Size 0, Maximum QoS 2, Topic Alias 0.
    protocol(V5, &[0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x00]);
    protocol(
        V5,
        &[0x20, 0x08, 0x00, 0x00, 0x05, 0x27, 0x00, 0x00, 0x00, 0x00],
    );
    protocol(V5, &[0x20, 0x05, 0x00, 0x00, 0x02, 0x24, 0x02]);
    protocol(V5, &[0x30, 0x07, 0x00, 0x01, b't', 0x03, 0x23, 0x00, 0x00]);
    // Payload Format Indicator 2.
    protocol(V5, &[0x30, 0x06, 0x00, 0x01, b't', 0x02, 0x01, 0x02]);
}

#[test]
fn properties_are_not_read_before_mqtt5() {
    // In 3.1.1 this PUBLISH's "property length" byte is payload.
    let bytes = [0x30, 0x05, 0x00, 0x01, b't', 0x02, 0x24];
    let (packet, _) = decode(V311, &bytes).unwrap().unwrap();
    let Packet::Publish(p) = packet else { panic!() };
    assert!(p.properties.is_empty());
    assert_eq!(p.payload, vec![0x02, 0x24]);
}

// ---------------------------------------------------------------------------------------------
// Encoding refusals

fn publish(qos: QoS, topic: &str, packet_id: u16) -> Publish {
    Publish {
        dup: false,
        qos,
        retain: false,
        topic: topic.into(),
        packet_id,
        payload: Vec::new(),
        properties: Properties::new(),
    }
}

fn refuse(version: ProtocolVersion, packet: Packet) -> EncodeError {
    let mut out = vec![0x55];
    let err = packet.encode(version, &mut out).unwrap_err();
    assert_eq!(out, vec![0x55], "nothing appended on error");
    err
}

#[test]
fn encode_refuses_invalid_packets() {
    let invalid = |e: EncodeError| assert!(matches!(e, EncodeError::Invalid(_)), "{e:?}");
    invalid(refuse(
        V311,
        Packet::Publish(publish(QoS::AtLeastOnce, "t", 0)),
    ));
    invalid(refuse(
        V311,
        Packet::Publish(publish(QoS::AtMostOnce, "a/+", 0)),
    ));
    invalid(refuse(
        V311,
        Packet::Publish(publish(QoS::AtMostOnce, "", 0)),
    ));
    invalid(refuse(
        V311,
        Packet::Publish(publish(QoS::AtMostOnce, "a\0", 0)),
    ));
    let mut dup0 = publish(QoS::AtMostOnce, "t", 0);
    dup0.dup = true;
    invalid(refuse(V311, Packet::Publish(dup0)));

    let mut connect = Connect::new(V311, "id");
    connect.password = Some(b"p".to_vec());
    invalid(refuse(V311, Packet::Connect(connect.clone())));
    invalid(refuse(V31, Packet::Connect(Connect::new(V311, "id"))));
    connect.protocol = V5;
    let mut out = Vec::new();
    Packet::Connect(connect).encode(V5, &mut out).unwrap();

    invalid(refuse(V311, Packet::Auth(Auth::default())));
    invalid(refuse(V311, Packet::Ack(Ack::new(AckKind::PubAck, 0))));
    invalid(refuse(
        V311,
        Packet::Subscribe(Subscribe {
            packet_id: 1,
            filters: vec![],
            properties: Properties::new(),
        }),
    ));
    invalid(refuse(
        V311,
        Packet::Subscribe(Subscribe {
            packet_id: 0,
            filters: vec![SubscribeFilter {
                filter: "a".into(),
                options: SubscriptionOptions::new(QoS::AtMostOnce),
            }],
            properties: Properties::new(),
        }),
    ));
}

#[test]
fn encode_refuses_invalid_properties() {
    let invalid = |e: EncodeError| assert!(matches!(e, EncodeError::Invalid(_)), "{e:?}");
    let with = |list: Vec<Property>| {
        let mut p = publish(QoS::AtMostOnce, "t", 0);
        p.properties = Properties(list);
        Packet::Publish(p)
    };
    // Not allowed in PUBLISH.
    invalid(refuse(
        V5,
        with(vec![Property::new(
            PropertyId::ReasonString,
            PropertyValue::Utf8String("x".into()),
        )]),
    ));
    // Wrong value type for the identifier.
    invalid(refuse(
        V5,
        with(vec![Property::new(
            PropertyId::TopicAlias,
            PropertyValue::Byte(1),
        )]),
    ));
    // Single-occurrence property twice.
    let alias = Property::new(PropertyId::TopicAlias, PropertyValue::TwoByteInteger(1));
    invalid(refuse(V5, with(vec![alias.clone(), alias])));
    // Subscription Identifier 0.
    invalid(refuse(
        V5,
        with(vec![Property::new(
            PropertyId::SubscriptionIdentifier,
            PropertyValue::VariableByteInteger(0),
        )]),
    ));
    // The same bad properties are simply not written in 3.1.1.
    let mut out = Vec::new();
    with(vec![Property::new(
        PropertyId::TopicAlias,
        PropertyValue::Byte(1),
    )])
    .encode(V311, &mut out)
    .unwrap();
    assert_eq!(out, vec![0x30, 0x03, 0x00, 0x01, b't']);
}

#[test]
fn encode_refuses_more_than_the_largest_remaining_length() {
    let mut p = publish(QoS::AtMostOnce, "t", 0);
    // Zeroed allocation: the pages are never touched because encoding fails first.
    p.payload = vec![0; MAX_REMAINING_LENGTH as usize - 2];
    assert_eq!(
        refuse(V311, Packet::Publish(p.clone())),
        EncodeError::TooLarge
    );
    assert_eq!(
        p.encoded_len(V311),
        1 + 4 + MAX_REMAINING_LENGTH as usize + 1
    );
}
