//! Fuzz `culex::protocol::decode_packet` with a round-trip oracle.
//!
//! Every input is decoded in all three protocol versions and under several maximum packet sizes.
//! Beyond "no panic", each outcome is checked:
//!
//! - a decoded packet used no more bytes than were given nor than the maximum allows, decodes the
//!   same from exactly its own bytes and under no limit, and is `Ok(None)` (wait for more) when its
//!   last byte is missing; one byte less of maximum makes it `TooLarge`;
//! - a decoded packet re-encodes (CONNECT in the version it names), `encoded_len` predicts the
//!   encoded size, the encoded bytes decode to an equal packet, and encoding is stable;
//! - every error has a reason code and a message.

#![no_main]

use culex::protocol::{decode_packet, DecodeError, Packet, ProtocolVersion};
use libfuzzer_sys::fuzz_target;

const VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::V31,
    ProtocolVersion::V311,
    ProtocolVersion::V5,
];

fuzz_target!(|data: &[u8]| {
    let limits = [
        u32::MAX,
        2,
        16,
        128,
        // Around the input's own size, where "too large" and "wait for more" meet.
        u32::try_from(data.len()).unwrap_or(u32::MAX),
        u32::try_from(data.len() / 2).unwrap_or(u32::MAX),
    ];
    for version in VERSIONS {
        for max in limits {
            check(data, version, max);
        }
    }
});

fn check(data: &[u8], version: ProtocolVersion, max: u32) {
    match decode_packet(data, version, max) {
        Ok(None) => {
            // Nothing decodable yet: a prefix can never do better.
            if let Some(cut) = data.len().checked_sub(1) {
                match decode_packet(&data[..cut], version, max) {
                    Ok(None) | Err(_) => {}
                    Ok(Some((p, used))) => panic!(
                        "{version:?} max {max}: prefix of {cut} bytes decoded ({used} used) {p:?} \
                         but the whole input waits for more"
                    ),
                }
            }
        }
        Ok(Some((packet, used))) => {
            assert!(used >= 2, "{version:?}: a packet of {used} bytes");
            assert!(
                used <= data.len(),
                "{version:?}: used {used} of {}",
                data.len()
            );
            assert!(
                used as u64 <= u64::from(max),
                "{version:?}: used {used} above the maximum {max}"
            );
            let exact = decode_packet(&data[..used], version, max);
            assert_eq!(
                exact,
                Ok(Some((packet.clone(), used))),
                "{version:?} max {max}: trailing bytes changed the packet"
            );
            if max != u32::MAX {
                assert_eq!(
                    decode_packet(data, version, u32::MAX),
                    Ok(Some((packet.clone(), used))),
                    "{version:?}: the limit {max} changed the packet"
                );
            }
            let truncated = decode_packet(&data[..used - 1], version, max);
            assert_eq!(
                truncated,
                Ok(None),
                "{version:?} max {max}: one byte short of a {used}-byte packet"
            );
            let tight = u32::try_from(used - 1).expect("packet sizes fit u32");
            assert!(
                matches!(
                    decode_packet(&data[..used], version, tight),
                    Err(DecodeError::TooLarge { .. })
                ),
                "{version:?}: a {used}-byte packet passed a maximum of {tight}"
            );
            round_trip(&packet, version);
        }
        Err(e) => {
            let _ = e.reason_code();
            assert!(!e.to_string().is_empty());
            if let DecodeError::TooLarge {
                size,
                max: reported,
            } = e
            {
                assert_eq!(reported, max);
                assert!(
                    size > u64::from(max),
                    "{version:?}: TooLarge {size} <= {max}"
                );
            }
        }
    }
}

fn round_trip(packet: &Packet, version: ProtocolVersion) {
    // CONNECT is decoded in the version it names, so it is encoded in that one.
    let version = match packet {
        Packet::Connect(connect) => connect.protocol,
        _ => version,
    };
    let mut encoded = Vec::new();
    if let Err(e) = packet.encode(version, &mut encoded) {
        panic!("{version:?}: decoded packet does not re-encode ({e}): {packet:?}");
    }
    assert_eq!(
        encoded.len(),
        packet.encoded_len(version),
        "{version:?}: encoded_len disagrees with encode for {packet:?}"
    );
    match decode_packet(&encoded, version, u32::MAX) {
        Ok(Some((again, used))) => {
            assert_eq!(
                used,
                encoded.len(),
                "{version:?}: re-encoded bytes not all used"
            );
            assert_eq!(&again, packet, "{version:?}: round trip changed the packet");
            let mut twice = Vec::new();
            again
                .encode(version, &mut twice)
                .expect("an equal packet encodes again");
            assert_eq!(twice, encoded, "{version:?}: encoding is not stable");
        }
        other => {
            panic!("{version:?}: re-encoded {packet:?} as {encoded:?}, decoding gave {other:?}")
        }
    }
}
