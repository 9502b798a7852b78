//! Inputs found by the `cargo fuzz` targets under `fuzz/`, kept as ordinary tests.
//!
//! Each test names the target that found it and the property it broke. See `fuzz/README.md`.

use culex::protocol::{decode_packet, DecodeError, Packet, ProtocolVersion};

const VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::V31,
    ProtocolVersion::V311,
    ProtocolVersion::V5,
];

/// The `decode_packet` target's oracle: whatever decodes re-encodes (CONNECT in the version it
/// names) and decodes again to an equal packet.
fn assert_round_trips(bytes: &[u8]) {
    for version in VERSIONS {
        let Ok(Some((packet, used))) = decode_packet(bytes, version, u32::MAX) else {
            continue;
        };
        assert_eq!(used, bytes.len());
        let encode_version = match &packet {
            Packet::Connect(connect) => connect.protocol,
            _ => version,
        };
        let mut encoded = Vec::new();
        packet
            .encode(encode_version, &mut encoded)
            .unwrap_or_else(|e| panic!("{version:?}: {packet:?} does not re-encode: {e}"));
        assert_eq!(
            decode_packet(&encoded, encode_version, u32::MAX),
            Ok(Some((packet, encoded.len())))
        );
    }
}

/// CONNECT 3.1.1 with a will (QoS 1, retain) whose topic is empty, as the `decode_packet` target
/// found it: the 18-byte packet at the front of artifact
/// crash-bff6382ccdb8b19b2f7d40db708eef58c34d58cc (empty client id, will topic and will payload).
const CONNECT_V311_EMPTY_WILL_TOPIC: &[u8] =
    b"\x10\x10\x00\x04MQTT\x04\x2c\x00\x2c\x00\x00\x00\x00\x00\x00";

/// The same minimised to MQTT 5: will flag only, client id "c", empty will topic, payload "x".
const CONNECT_V5_EMPTY_WILL_TOPIC: &[u8] =
    b"\x10\x14\x00\x04MQTT\x05\x06\x00\x3c\x00\x00\x01c\x00\x00\x00\x00\x01x";

/// A will topic is a topic name, which has at least one character (MQTT-4.7.3-1); the encoder
/// refuses an empty one ("will topic is not a valid topic name"), so the decoder must too — not
/// hand out a `Connect` that cannot be encoded again.
#[test]
fn connect_with_empty_will_topic_is_rejected() {
    for bytes in [CONNECT_V311_EMPTY_WILL_TOPIC, CONNECT_V5_EMPTY_WILL_TOPIC] {
        let result = decode_packet(bytes, ProtocolVersion::V311, u32::MAX);
        assert!(
            matches!(
                result,
                Err(DecodeError::Protocol(_)) | Err(DecodeError::Malformed(_))
            ),
            "empty will topic accepted: {result:?}"
        );
    }
}

#[test]
fn connect_with_empty_will_topic_round_trips_or_is_rejected() {
    assert_round_trips(CONNECT_V311_EMPTY_WILL_TOPIC);
    assert_round_trips(CONNECT_V5_EMPTY_WILL_TOPIC);
}
