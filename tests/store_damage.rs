//! The session store on disk, damaged: a journal cut at every offset of its last record, garbage
//! written over it, a bit flipped anywhere, a file of a newer format, a second opener. Opening
//! never crashes, keeps every record before the damage (and loses only those after it), cuts
//! the file there, and says so in the log.

mod common;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use culex::persist::file::FileStore;
use culex::persist::{format, Journal, Mode, Record};
use culex::protocol::{Properties, Publish, QoS};

fn message(id: u16) -> Publish {
    Publish {
        dup: false,
        qos: if id % 2 == 0 {
            QoS::ExactlyOnce
        } else {
            QoS::AtLeastOnce
        },
        retain: false,
        topic: format!("t/{id}"),
        packet_id: id,
        payload: format!("payload {id}").into_bytes(),
        properties: Properties::default(),
    }
}

struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let path = std::env::temp_dir().join(format!("culex-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        Dir(path)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A store holding outgoing m1..=m5 (m2 past PUBREC, m3 done) and inbound m9; returns the
/// journal's bytes and where its last record starts.
fn written(dir: &Path) -> (Vec<u8>, usize) {
    {
        let (mut store, recovered) = FileStore::open(dir, "c", Mode::GroupCommit).unwrap();
        assert!(recovered.is_empty());
        for id in 1..=5 {
            store.record(&Record::Outgoing(Cow::Owned(message(id))));
        }
        store.record(&Record::OutgoingReleased(2));
        store.record(&Record::OutgoingDone(3));
        store.commit().unwrap();
        store.record(&Record::Inbound(Cow::Owned(message(9))));
        store.commit().unwrap();
    }
    let path = FileStore::journal_path(dir, "c");
    let bytes = std::fs::read(&path).unwrap();
    let good = format::read(&bytes).unwrap().good_len;
    let mut last = format::HEADER_LEN;
    let mut at = format::HEADER_LEN;
    while at < good {
        last = at;
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        at += format::FRAME_OVERHEAD + len;
    }
    (bytes[..good].to_vec(), last)
}

fn ids(dir: &Path) -> (Vec<u16>, Vec<u16>) {
    let (_store, r) = FileStore::open(dir, "c", Mode::GroupCommit).expect("opens");
    (
        r.outgoing.iter().map(|m| m.publish.packet_id).collect(),
        r.inbound.iter().map(|p| p.packet_id).collect(),
    )
}

#[test]
fn cut_at_every_offset_of_the_last_record() {
    let dir = Dir::new("cut");
    let (full, last) = written(&dir.0);
    let path = FileStore::journal_path(&dir.0, "c");
    for cut in last..=full.len() {
        std::fs::write(&path, &full[..cut]).unwrap();
        let (out, inbound) = ids(&dir.0);
        assert_eq!(out, [1, 2, 4, 5], "cut at {cut}");
        // The last record is the inbound message: kept only when whole.
        let expect: &[u16] = if cut == full.len() { &[9] } else { &[] };
        assert_eq!(inbound, expect, "cut at {cut}");
        // Opened stores are cut at the last good record (and then rewritten by a snapshot).
        let after = std::fs::read(&path).unwrap();
        assert!(
            format::read(&after).unwrap().damage.is_none(),
            "cut at {cut}"
        );
    }
}

#[test]
fn garbage_anywhere_loses_at_most_the_records_after_it() {
    let dir = Dir::new("garbage");
    let (full, _) = written(&dir.0);
    let path = FileStore::journal_path(&dir.0, "c");
    // Garbage over the whole file, over the header, and from every offset on.
    let mut lcg: u32 = 12345;
    let mut noise = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                lcg = lcg.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (lcg >> 16) as u8
            })
            .collect()
    };
    std::fs::write(&path, noise(4096)).unwrap();
    assert_eq!(ids(&dir.0), (vec![], vec![]));
    for from in (0..full.len()).step_by(3) {
        let mut bytes = full[..from].to_vec();
        bytes.extend(noise(64));
        std::fs::write(&path, &bytes).unwrap();
        let contents = format::read(&full[..from]).unwrap();
        let (out, inbound) = ids(&dir.0);
        let kept = culex::persist::replay::replay(contents.records);
        let want_out: Vec<u16> = kept.outgoing.iter().map(|m| m.publish.packet_id).collect();
        let want_in: Vec<u16> = kept.inbound.iter().map(|p| p.packet_id).collect();
        // Everything whole before the garbage is kept; a record the garbage happens to complete
        // correctly is as unlikely as a CRC-32C collision.
        assert_eq!((out, inbound), (want_out, want_in), "garbage from {from}");
    }
}

#[test]
fn a_flipped_bit_in_any_record_keeps_the_records_before_it() {
    let dir = Dir::new("flip");
    let (full, _) = written(&dir.0);
    let path = FileStore::journal_path(&dir.0, "c");
    for at in format::HEADER_LEN..full.len() {
        let mut bytes = full.clone();
        bytes[at] ^= 0x10;
        std::fs::write(&path, &bytes).unwrap();
        let (out, _) = ids(&dir.0);
        // m1 is the first record: kept unless the damage is in it.
        let first_end = format::HEADER_LEN
            + format::FRAME_OVERHEAD
            + u32::from_le_bytes(full[16..20].try_into().unwrap()) as usize;
        if at >= first_end {
            assert_eq!(out.first(), Some(&1), "bit flipped at {at}");
        }
    }
}

#[test]
fn a_newer_format_is_refused_and_left_alone() {
    let dir = Dir::new("version");
    let (mut full, _) = written(&dir.0);
    full[8] = 9;
    let sum = culex::persist::crc::crc32c(&full[..12]);
    full[12..16].copy_from_slice(&sum.to_le_bytes());
    let path = FileStore::journal_path(&dir.0, "c");
    std::fs::write(&path, &full).unwrap();
    let err = FileStore::open(&dir.0, "c", Mode::GroupCommit).unwrap_err();
    assert_eq!(err, culex::Error::NotSupported);
    assert_eq!(std::fs::read(&path).unwrap(), full, "the file was changed");
}

#[test]
fn a_second_opener_gets_a_clear_error_and_the_store_stays_whole() {
    let dir = Dir::new("lock");
    written(&dir.0);
    let (first, _) = FileStore::open(&dir.0, "c", Mode::Synchronous).unwrap();
    let second = FileStore::open(&dir.0, "c", Mode::Synchronous).unwrap_err();
    assert_eq!(second, culex::Error::Errno(libc::EWOULDBLOCK));
    drop(first);
    assert_eq!(ids(&dir.0), (vec![1, 2, 4, 5], vec![9]));
    // Another client id in the same directory has a store of its own.
    assert!(FileStore::open(&dir.0, "other", Mode::Synchronous).is_ok());
}

#[test]
fn the_damage_is_logged_and_the_c_api_opens_what_is_left() {
    use common::client::{Client, Ev};
    use culex::ffi::culex::{culex_persistence_set, CULEX_PERSIST_GROUP_COMMIT};
    let dir = Dir::new("logged");
    let (full, last) = written(&dir.0);
    std::fs::write(FileStore::journal_path(&dir.0, "c"), &full[..last + 3]).unwrap();
    let c = Client::new(Some("c"), false);
    c.enable_log(true);
    let path = std::ffi::CString::new(dir.0.display().to_string()).unwrap();
    // SAFETY: a live handle and a C string.
    let rc =
        unsafe { culex_persistence_set(c.mosq, path.as_ptr(), CULEX_PERSIST_GROUP_COMMIT, None) };
    assert_eq!(rc, 0);
    let logs: Vec<String> = c
        .events()
        .snapshot()
        .into_iter()
        .filter_map(|e| match e {
            Ev::Log(_, line) => Some(line),
            _ => None,
        })
        .collect();
    assert!(
        logs.iter()
            .any(|l| l.contains("a record is cut short") && l.contains("truncated there")),
        "{logs:#?}"
    );
    drop(c);
    // The snapshot written on opening lists the message past PUBREC first (it goes first on the
    // next connection too: PUBREL before the PUBLISH resends).
    assert_eq!(ids(&dir.0), (vec![2, 1, 4, 5], vec![]));
}
