//! Deterministic fuzz-style checks: decoding arbitrary and mutated bytes never panics, never
//! consumes more than it was given, and whatever decodes re-encodes into bytes that decode to the
//! same packet (the encoder accepts everything the decoder produces).

use culex::protocol::{decode_packet, Packet, ProtocolVersion};

/// A small xorshift generator: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn byte(&mut self) -> u8 {
        self.next() as u8
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::V31,
    ProtocolVersion::V311,
    ProtocolVersion::V5,
];

/// Seeds: valid packets of every type, mutated below.
fn seeds() -> Vec<Vec<u8>> {
    vec![
        b"\x10\x0e\x00\x04MQTT\x04\x02\x00\x3c\x00\x02cx".to_vec(),
        b"\x10\x10\x00\x06MQIsdp\x03\x02\x00\x3c\x00\x02cx".to_vec(),
        b"\x10\x1c\x00\x04MQTT\x04\xee\x00\x0a\x00\x02id\x00\x01w\x00\x03bye\x00\x01u\x00\x01p"
            .to_vec(),
        b"\x10\x33\x00\x04MQTT\x05\xc6\x00\x3c\x0f\x11\x00\x00\x0e\x10\x21\x00\x14\x26\x00\x01k\x00\x01v\x00\x02cx\x07\x18\x00\x00\x00\x05\x01\x01\x00\x01w\x00\x01x\x00\x01u\x00\x02pw"
            .to_vec(),
        b"\x20\x02\x01\x00".to_vec(),
        b"\x20\x0d\x00\x00\x0a\x22\x00\x0a\x12\x00\x02ab\x24\x01".to_vec(),
        b"\x30\x07\x00\x03a/bhi".to_vec(),
        b"\x3b\x06\x00\x01t\x12\x34x".to_vec(),
        b"\x32\x15\x00\x01t\x00\x05\x0d\x23\x00\x03\x0b\xc8\x01\x0b\x01\x02\x00\x00\x00\x3chi"
            .to_vec(),
        b"\x40\x02\x00\x01".to_vec(),
        b"\x50\x0a\x00\x02\x80\x06\x1f\x00\x03bad".to_vec(),
        b"\x62\x03\x00\x03\x92".to_vec(),
        b"\x82\x0c\x00\x0a\x00\x03a/+\x01\x00\x01#\x00".to_vec(),
        b"\x82\x0b\x00\x01\x02\x0b\x07\x00\x03a/b\x2e".to_vec(),
        b"\x90\x0a\x00\x01\x05\x1f\x00\x02ok\x02\xa2".to_vec(),
        b"\xa2\x0d\x00\x02\x07\x26\x00\x01a\x00\x01b\x00\x01x".to_vec(),
        b"\xb0\x05\x00\x02\x00\x00\x11".to_vec(),
        b"\xc0\x00".to_vec(),
        b"\xe0\x06\x9c\x04\x1c\x00\x01s".to_vec(),
        b"\xf0\x0b\x18\x09\x15\x00\x01m\x16\x00\x02\x01\x02".to_vec(),
    ]
}

/// Decode `bytes`; if a packet comes out, it must survive encode → decode unchanged.
fn exercise(version: ProtocolVersion, bytes: &[u8]) -> bool {
    match decode_packet(bytes, version, u32::MAX) {
        Ok(Some((packet, used))) => {
            assert!(used <= bytes.len());
            let encode_version = match &packet {
                Packet::Connect(c) => c.protocol,
                _ => version,
            };
            let mut out = Vec::new();
            packet
                .encode(encode_version, &mut out)
                .unwrap_or_else(|e| panic!("decoded {packet:?} but cannot encode: {e}"));
            assert_eq!(out.len(), packet.encoded_len(encode_version));
            let (again, again_used) = decode_packet(&out, version, u32::MAX)
                .unwrap_or_else(|e| panic!("re-encoded {packet:?} does not decode: {e}"))
                .expect("whole packet");
            assert_eq!(again, packet);
            assert_eq!(again_used, out.len());
            true
        }
        Ok(None) | Err(_) => false,
    }
}

#[test]
fn seeds_decode_in_their_version() {
    for seed in seeds() {
        assert!(
            VERSIONS.iter().any(|&v| exercise(v, &seed)),
            "seed {seed:02X?} decodes in no version"
        );
    }
}

#[test]
fn mutated_packets_never_panic_and_round_trip() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let seeds = seeds();
    let mut decoded = 0;
    for _ in 0..40_000 {
        let mut bytes = seeds[rng.below(seeds.len())].clone();
        for _ in 0..=rng.below(3) {
            match rng.below(4) {
                0 => {
                    let i = rng.below(bytes.len());
                    bytes[i] = rng.byte();
                }
                1 => {
                    let i = rng.below(bytes.len());
                    bytes[i] ^= 1 << rng.below(8);
                }
                2 => {
                    let i = rng.below(bytes.len() + 1);
                    bytes.insert(i, rng.byte());
                }
                _ => {
                    if bytes.len() > 1 {
                        let i = rng.below(bytes.len());
                        bytes.remove(i);
                    }
                }
            }
        }
        for version in VERSIONS {
            if exercise(version, &bytes) {
                decoded += 1;
            }
        }
    }
    // Many mutations hit payloads, strings or reason codes and stay valid.
    assert!(decoded > 1_000, "only {decoded} mutated packets decoded");
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x0123_4567_89AB_CDEF);
    for _ in 0..20_000 {
        let len = rng.below(40);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.byte()).collect();
        if len > 1 && rng.below(2) == 0 {
            // Half the time, make the remaining length match so bodies get parsed.
            bytes[1] = (len - 2) as u8;
        }
        for version in VERSIONS {
            exercise(version, &bytes);
        }
    }
}
