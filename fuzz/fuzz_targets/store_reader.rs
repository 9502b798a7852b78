//! Fuzz the durable store's reader (`persist::format::read`) and replay (`persist::replay`):
//! whatever bytes a journal file holds after a crash, a bad disk or a stray write.
//!
//! Oracles beyond "no panic":
//! - the good part ends within the input, after the header when there is one;
//! - reading just the good part gives the same records and no damage (truncating there, as the
//!   store does, loses nothing more);
//! - the records re-encode to a journal that reads back to the same records, exactly its own
//!   length, no damage;
//! - the replayed state holds each packet id at most once per direction, only QoS 1/2 messages,
//!   and "released" only for QoS 2.

#![no_main]

use std::collections::HashSet;

use culex::persist::format::{self, ReadError};
use culex::persist::replay::replay;
use culex::protocol::QoS;
use libfuzzer_sys::fuzz_target;

/// A journal whose records are `[kind][len][len bytes of body]...` from `script`, each with a
/// valid frame and checksum (a short last body is cut where the input ends).
fn framed(mut script: &[u8]) -> Vec<u8> {
    let mut out = format::header().to_vec();
    while let [kind, len, rest @ ..] = script {
        let n = usize::from(*len).min(rest.len());
        let body = &rest[..n];
        let len = (body.len() as u32).to_le_bytes();
        let start = out.len();
        out.extend_from_slice(&len);
        out.push(*kind);
        out.extend_from_slice(body);
        let sum = culex::persist::crc::crc32c(&out[start..]);
        out.extend_from_slice(&sum.to_le_bytes());
        script = &rest[n..];
    }
    out
}

fuzz_target!(|data: &[u8]| {
    // The first byte's low bits: 1 puts a valid header in front, so the fuzzer spends its time
    // on records; 3 also frames the rest as records with valid checksums ([kind][len][body]...),
    // so record bodies get past the checksum and are decoded.
    let mode = data.first().copied().unwrap_or(0) & 3;
    let owned;
    let bytes = match mode {
        1 | 2 => {
            let mut b = format::header().to_vec();
            b.extend_from_slice(&data[1..]);
            owned = b;
            &owned[..]
        }
        3 => {
            owned = framed(&data[1..]);
            &owned[..]
        }
        _ => data,
    };
    let contents = match format::read(bytes) {
        Ok(contents) => contents,
        Err(ReadError::UnsupportedVersion(v)) => {
            assert_ne!(v, format::VERSION);
            return;
        }
    };
    assert!(contents.good_len <= bytes.len());
    assert!(contents.good_len == 0 || contents.good_len >= format::HEADER_LEN);
    if let Some(d) = contents.damage {
        assert_eq!(d.offset, contents.good_len);
    }
    if contents.good_len > 0 {
        let again = format::read(&bytes[..contents.good_len]).expect("the good part reads");
        assert_eq!(again.records, contents.records);
        assert_eq!(again.damage, None);
    } else {
        assert!(contents.records.is_empty());
    }
    let mut log = format::header().to_vec();
    for r in &contents.records {
        format::encode_record(r, &mut log);
    }
    let again = format::read(&log).expect("a fresh journal reads");
    assert_eq!(again.records, contents.records);
    assert_eq!((again.good_len, again.damage), (log.len(), None));

    let recovered = replay(contents.records);
    let mut ids = HashSet::new();
    for m in &recovered.outgoing {
        assert!(ids.insert(m.publish.packet_id), "outgoing id twice");
        assert_ne!(m.publish.qos, QoS::AtMostOnce);
        assert!(!m.released || m.publish.qos == QoS::ExactlyOnce);
    }
    ids.clear();
    for p in &recovered.inbound {
        assert!(ids.insert(p.packet_id), "inbound id twice");
        assert_ne!(p.qos, QoS::AtMostOnce);
    }
});
