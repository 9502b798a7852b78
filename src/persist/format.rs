//! The journal's file format, version 1, and its reader. Pure: bytes in, records out.
//!
//! ```text
//! header   "CULEXJNL" (8 bytes) | version u32 LE | CRC-32C of the 12 bytes before, u32 LE
//! record   length u32 LE | kind u8 | body (length bytes) | CRC-32C of length..body, u32 LE
//! ```
//!
//! Bodies: `Outgoing` and `Inbound` hold the message as an MQTT 5 PUBLISH packet (fixed header
//! included, packet id and properties in it), whatever protocol the client speaks; the other
//! kinds hold a packet id (u16 BE). The file may end in zeros (space the writer preallocated):
//! that is a clean end. Anything else that does not parse is damage: the reader stops at the
//! last good record and says where and why, and the store truncates there.

#![forbid(unsafe_code)]

use std::borrow::Cow;

use super::crc;
use super::Record;
use crate::protocol::{decode_packet, Packet, ProtocolVersion, QoS};

/// The first eight bytes of a journal.
pub const MAGIC: &[u8; 8] = b"CULEXJNL";
/// The format version this build writes and reads.
pub const VERSION: u32 = 1;
/// Header size in bytes.
pub const HEADER_LEN: usize = 16;
/// Bytes a record adds to its body: length, kind, checksum.
pub const FRAME_OVERHEAD: usize = 9;
/// Largest body accepted: an MQTT packet of the largest remaining length, with its header.
pub const MAX_BODY_LEN: usize = crate::protocol::MAX_REMAINING_LENGTH as usize + 5;

const KIND_OUTGOING: u8 = 1;
const KIND_OUTGOING_RELEASED: u8 = 2;
const KIND_OUTGOING_DONE: u8 = 3;
const KIND_INBOUND: u8 = 4;
const KIND_INBOUND_DONE: u8 = 5;

/// The header of a version-1 journal.
pub fn header() -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
    let sum = crc::crc32c(&h[..12]);
    h[12..].copy_from_slice(&sum.to_le_bytes());
    h
}

/// Append `record`, framed, to `out`.
pub fn encode_record(record: &Record<'_>, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0; 5]);
    let kind = match record {
        Record::Outgoing(p) | Record::Inbound(p) => {
            // The session built the message and checked it when it was issued (or decoded it).
            let _ = p.parts().encode_unchecked(ProtocolVersion::V5, out);
            if matches!(record, Record::Outgoing(_)) {
                KIND_OUTGOING
            } else {
                KIND_INBOUND
            }
        }
        Record::OutgoingReleased(id) | Record::OutgoingDone(id) | Record::InboundDone(id) => {
            out.extend_from_slice(&id.to_be_bytes());
            match record {
                Record::OutgoingReleased(_) => KIND_OUTGOING_RELEASED,
                Record::OutgoingDone(_) => KIND_OUTGOING_DONE,
                _ => KIND_INBOUND_DONE,
            }
        }
    };
    let body_len = (out.len() - start - 5) as u32;
    out[start..start + 4].copy_from_slice(&body_len.to_le_bytes());
    out[start + 4] = kind;
    let sum = crc::crc32c(&out[start..]);
    out.extend_from_slice(&sum.to_le_bytes());
}

/// Why the reader stopped before the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Damage {
    /// Offset of the first byte not accepted (the store truncates here).
    pub offset: usize,
    pub reason: &'static str,
}

/// What [`read`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    /// The good records, in order.
    pub records: Vec<Record<'static>>,
    /// Where the good part ends: the header and every good record (0 for an empty file).
    pub good_len: usize,
    /// Set when the good part is followed by anything but zeros.
    pub damage: Option<Damage>,
}

/// A journal that cannot be read at all (as opposed to a damaged one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadError {
    /// A well-formed header of a format version this build does not know (a newer Culex wrote
    /// it): the store is left alone.
    UnsupportedVersion(u32),
}

/// Read a journal file's bytes. Never panics, whatever the bytes; allocates no more than the
/// input's size for records.
pub fn read(bytes: &[u8]) -> Result<Contents, ReadError> {
    let mut contents = Contents {
        records: Vec::new(),
        good_len: 0,
        damage: None,
    };
    if bytes.iter().all(|&b| b == 0) {
        // Empty, or only preallocated space: a store that never held a record.
        return Ok(contents);
    }
    let header_ok = bytes.len() >= HEADER_LEN
        && &bytes[..8] == MAGIC
        && crc::crc32c(&bytes[..12]).to_le_bytes() == bytes[12..16];
    if !header_ok {
        contents.damage = Some(Damage {
            offset: 0,
            reason: "the header is torn or damaged",
        });
        return Ok(contents);
    }
    let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if version != VERSION {
        return Err(ReadError::UnsupportedVersion(version));
    }
    let mut at = HEADER_LEN;
    contents.good_len = at;
    while at < bytes.len() {
        let rest = &bytes[at..];
        if rest.iter().all(|&b| b == 0) {
            break;
        }
        match read_record(rest) {
            Ok((record, used)) => {
                contents.records.push(record);
                at += used;
                contents.good_len = at;
            }
            Err(reason) => {
                contents.damage = Some(Damage { offset: at, reason });
                break;
            }
        }
    }
    Ok(contents)
}

/// One framed record at the start of `rest` and its size.
fn read_record(rest: &[u8]) -> Result<(Record<'static>, usize), &'static str> {
    if rest.len() < FRAME_OVERHEAD {
        return Err("a record is cut short");
    }
    let body_len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    if body_len > MAX_BODY_LEN {
        return Err("a record's length is out of range");
    }
    let total = FRAME_OVERHEAD + body_len;
    if rest.len() < total {
        return Err("a record is cut short");
    }
    let sum_at = 5 + body_len;
    let stored = u32::from_le_bytes([
        rest[sum_at],
        rest[sum_at + 1],
        rest[sum_at + 2],
        rest[sum_at + 3],
    ]);
    if crc::crc32c(&rest[..sum_at]) != stored {
        return Err("a record's checksum does not match");
    }
    let body = &rest[5..sum_at];
    let record = match rest[4] {
        KIND_OUTGOING => Record::Outgoing(Cow::Owned(publish(body)?)),
        KIND_INBOUND => Record::Inbound(Cow::Owned(publish(body)?)),
        kind @ (KIND_OUTGOING_RELEASED | KIND_OUTGOING_DONE | KIND_INBOUND_DONE) => {
            let [hi, lo] = body else {
                return Err("a record's packet id is malformed");
            };
            let id = u16::from_be_bytes([*hi, *lo]);
            if id == 0 {
                return Err("a record names packet id 0");
            }
            match kind {
                KIND_OUTGOING_RELEASED => Record::OutgoingReleased(id),
                KIND_OUTGOING_DONE => Record::OutgoingDone(id),
                _ => Record::InboundDone(id),
            }
        }
        _ => return Err("a record of an unknown kind"),
    };
    Ok((record, total))
}

/// A stored QoS 1/2 message.
fn publish(body: &[u8]) -> Result<crate::protocol::Publish, &'static str> {
    match decode_packet(body, ProtocolVersion::V5, u32::MAX) {
        Ok(Some((Packet::Publish(p), used))) if used == body.len() && p.qos != QoS::AtMostOnce => {
            Ok(p)
        }
        _ => Err("a record's message does not decode"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Properties, Publish};

    fn message(id: u16, qos: QoS) -> Publish {
        Publish {
            dup: false,
            qos,
            retain: id % 2 == 0,
            topic: format!("t/{id}"),
            packet_id: id,
            payload: vec![id as u8; usize::from(id % 7)],
            properties: Properties::default(),
        }
    }

    fn log(records: &[Record<'_>]) -> Vec<u8> {
        let mut bytes = header().to_vec();
        for r in records {
            encode_record(r, &mut bytes);
        }
        bytes
    }

    fn sample() -> Vec<Record<'static>> {
        vec![
            Record::Outgoing(Cow::Owned(message(1, QoS::AtLeastOnce))),
            Record::Outgoing(Cow::Owned(message(2, QoS::ExactlyOnce))),
            Record::OutgoingReleased(2),
            Record::Inbound(Cow::Owned(message(9, QoS::ExactlyOnce))),
            Record::OutgoingDone(1),
            Record::InboundDone(9),
        ]
    }

    #[test]
    fn round_trip() {
        let records = sample();
        let bytes = log(&records);
        let read = read(&bytes).unwrap();
        assert_eq!(read.records, records);
        assert_eq!(read.good_len, bytes.len());
        assert_eq!(read.damage, None);
    }

    #[test]
    fn preallocated_zeros_are_a_clean_end() {
        let mut bytes = log(&sample());
        let len = bytes.len();
        bytes.resize(len + 4096, 0);
        let read = read(&bytes).unwrap();
        assert_eq!(read.records.len(), 6);
        assert_eq!((read.good_len, read.damage), (len, None));
        assert_eq!(super::read(&[0; 100]).unwrap().records, vec![]);
    }

    #[test]
    fn every_cut_of_the_last_record_keeps_the_others() {
        let records = sample();
        let full = log(&records);
        let before_last = log(&records[..records.len() - 1]).len();
        for cut in before_last..full.len() {
            let read = read(&full[..cut]).unwrap();
            assert_eq!(read.records, records[..records.len() - 1], "cut at {cut}");
            assert_eq!(read.good_len, before_last);
            assert_eq!(read.damage.is_some(), cut > before_last, "cut at {cut}");
        }
    }

    #[test]
    fn a_flipped_bit_anywhere_loses_at_most_the_records_from_there() {
        let records = sample();
        let full = log(&records);
        let mut ends = vec![HEADER_LEN];
        for i in 1..=records.len() {
            ends.push(log(&records[..i]).len());
        }
        for at in 0..full.len() {
            for bit in [0x01u8, 0x80] {
                let mut bytes = full.clone();
                bytes[at] ^= bit;
                let read = read(&bytes).unwrap();
                // Every record that ends before the damaged byte is kept.
                let intact = ends.iter().filter(|&&e| e <= at).count().saturating_sub(1);
                assert!(
                    read.records.len() >= intact && read.records[..intact] == records[..intact],
                    "bit {bit:#x} at {at}: {} records",
                    read.records.len()
                );
                assert!(read.damage.is_some() || read.records == records, "at {at}");
            }
        }
    }

    #[test]
    fn a_newer_version_is_refused_not_truncated() {
        let mut bytes = log(&sample());
        bytes[8] = 2;
        let sum = crc::crc32c(&bytes[..12]);
        bytes[12..16].copy_from_slice(&sum.to_le_bytes());
        assert_eq!(read(&bytes), Err(ReadError::UnsupportedVersion(2)));
    }
}
