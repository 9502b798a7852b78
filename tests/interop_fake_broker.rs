//! The client against a scripted fake broker speaking raw TCP: malformed CONNACKs, a PUBLISH that
//! announces a huge remaining length, and a broker that never answers CONNECT.
//!
//! Each client is driven by `mosquitto_loop` in the test thread, so what the library reports is
//! seen directly (loop return codes and `on_disconnect`).

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::client::{Client, Ev, MOSQ_ERR_CONN_LOST, MOSQ_ERR_KEEPALIVE, MOSQ_ERR_PROTOCOL};
use common::fake_broker::{FakeBroker, FakeBrokerThread, FakeConnection};
use common::{unique, PROMPT};

const CONNACK_OK: [u8; 4] = [0x20, 0x02, 0x00, 0x00];

/// How long a script waits for the client's next packet before it stops draining.
const SCRIPT_IDLE: Duration = Duration::from_secs(20);

/// A fake broker that runs `script` on its first connection.
fn fake_broker(script: impl FnOnce(FakeConnection) + Send + 'static) -> FakeBrokerThread<()> {
    FakeBroker::bind().spawn(move |fake| script(fake.accept()))
}

/// Expect CONNECT first on a fake broker connection.
fn expect_connect(conn: &mut FakeConnection) {
    let first = conn.read_packet().bytes[0];
    assert_eq!(first, 0x10, "first packet is CONNECT");
}

/// A fake broker answering CONNECT with `reply`, then reading until the client closes.
/// Returns the rc of the client's on_disconnect and its loop errors.
fn against_reply(reply: &'static [u8]) -> (Vec<Ev>, Vec<i32>) {
    let fake = fake_broker(move |mut s| {
        expect_connect(&mut s);
        s.write(reply);
        // The client must close the connection (EOF here), not wait for more.
        s.drain(SCRIPT_IDLE);
    });
    let c = Client::new(Some(&unique("fake")), true);
    assert_eq!(c.connect(fake.port(), 60), 0);
    let mut errors = Vec::new();
    let ended = c.run_until(PROMPT, &mut errors, |evs| {
        evs.iter().any(|e| matches!(e, Ev::Disconnect(_)))
    });
    assert!(ended, "no on_disconnect for reply {reply:02x?}");
    fake.join();
    (c.events().snapshot(), errors)
}

#[test]
fn connack_with_remaining_length_3_is_malformed() {
    let (evs, errors) = against_reply(&[0x20, 0x03, 0x00, 0x00, 0x00]);
    assert_eq!(evs, vec![Ev::Disconnect(MOSQ_ERR_PROTOCOL)]);
    assert_eq!(errors.first(), Some(&MOSQ_ERR_PROTOCOL));
}

#[test]
fn connack_with_reserved_header_flags_is_malformed() {
    let (evs, errors) = against_reply(&[0x21, 0x02, 0x00, 0x00]);
    assert_eq!(evs, vec![Ev::Disconnect(MOSQ_ERR_PROTOCOL)]);
    assert_eq!(errors.first(), Some(&MOSQ_ERR_PROTOCOL));
}

#[test]
fn connack_with_reserved_acknowledge_flags_is_malformed() {
    let (evs, errors) = against_reply(&[0x20, 0x02, 0x02, 0x00]);
    assert_eq!(evs, vec![Ev::Disconnect(MOSQ_ERR_PROTOCOL)]);
    assert_eq!(errors.first(), Some(&MOSQ_ERR_PROTOCOL));
}

#[test]
fn five_byte_remaining_length_is_malformed() {
    let (evs, errors) = against_reply(&[0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]);
    assert_eq!(evs, vec![Ev::Disconnect(MOSQ_ERR_PROTOCOL)]);
    assert_eq!(errors.first(), Some(&MOSQ_ERR_PROTOCOL));
}

/// A `/proc/self/status` field in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

/// Bytes currently allocated through malloc (main arena, thread arenas and mmapped blocks).
fn malloc_in_use() -> u64 {
    // SAFETY: mallinfo2 has no preconditions.
    let info = unsafe { libc::mallinfo2() };
    (info.uordblks + info.hblkhd) as u64
}

#[test]
fn huge_remaining_length_is_not_allocated() {
    const MIB: u64 = 1024 * 1024;
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let fake = fake_broker(move |mut s| {
        expect_connect(&mut s);
        // CONNACK, then a PUBLISH claiming 268435455 bytes, and 4 KiB of it.
        let mut first = CONNACK_OK.to_vec();
        first.extend_from_slice(&[0x30, 0xFF, 0xFF, 0xFF, 0x7F]);
        first.extend_from_slice(&[0x00, 0x03, b'a', b'/', b'b']);
        first.extend(std::iter::repeat(b'x').take(4096));
        s.write(&first);
        // More of it once the test has measured, then close mid-packet.
        let _ = go_rx.recv_timeout(Duration::from_secs(10));
        for _ in 0..4 {
            if s.try_write(&[b'y'; 1024]).is_err() {
                return;
            }
        }
    });
    let c = Client::new(Some(&unique("huge")), true);
    let rss_before = status_kib("VmRSS:");
    let heap_before = malloc_in_use();
    assert_eq!(c.connect(fake.port(), 60), 0);
    let mut errors = Vec::new();
    assert!(c.run_until(PROMPT, &mut errors, |evs| evs.contains(&Ev::Connect(0))));
    // Let the loop read the PUBLISH header and the first 4 KiB.
    for _ in 0..3 {
        c.loop_once(50);
    }
    let heap_during = malloc_in_use();
    let rss_during = status_kib("VmRSS:");
    go_tx.send(()).unwrap();
    let ended = c.run_until(PROMPT, &mut errors, |evs| {
        evs.iter().any(|e| matches!(e, Ev::Disconnect(_)))
    });
    fake.join();
    let evs = c.events().snapshot();
    assert!(ended, "no on_disconnect; events {evs:?}");
    let rss_after = status_kib("VmRSS:");
    assert!(
        rss_during.max(rss_after) < rss_before + 64 * 1024,
        "VmRSS grew from {rss_before} KiB to {rss_during}/{rss_after} KiB"
    );
    assert!(
        heap_during < heap_before + 64 * MIB,
        "malloc'd bytes grew by {} MiB for a packet of which 4 KiB had arrived",
        (heap_during.saturating_sub(heap_before)) / MIB
    );
    // The broker closed mid-packet: the connection was lost (or refused as oversize).
    let disconnect = evs.iter().find_map(|e| match e {
        Ev::Disconnect(rc) => Some(*rc),
        _ => None,
    });
    assert_eq!(disconnect, Some(MOSQ_ERR_CONN_LOST), "events {evs:?}");
    assert!(!evs.iter().any(|e| matches!(e, Ev::Message(_))));
}

#[test]
fn no_connack_fails_with_keepalive_error_in_time() {
    let (closed_tx, closed_rx) = mpsc::channel();
    let fake = fake_broker(move |mut s| {
        expect_connect(&mut s);
        let connected = Instant::now();
        // Never answer; wait for the client to give up and close.
        s.drain(SCRIPT_IDLE);
        let _ = closed_tx.send(connected.elapsed());
    });
    let c = Client::new(Some(&unique("noconnack")), true);
    let start = Instant::now();
    assert_eq!(c.connect(fake.port(), 5), 0);
    let mut errors = Vec::new();
    let ended = c.run_until(Duration::from_secs(10), &mut errors, |evs| {
        evs.iter().any(|e| matches!(e, Ev::Disconnect(_)))
    });
    let took = start.elapsed();
    assert!(ended, "still waiting for CONNACK after {took:?}");
    assert!(
        took >= Duration::from_millis(4500) && took <= Duration::from_millis(7500),
        "gave up after {took:?}, keepalive is 5 s"
    );
    assert_eq!(
        c.events().snapshot(),
        vec![Ev::Disconnect(MOSQ_ERR_KEEPALIVE)]
    );
    assert_eq!(errors.first(), Some(&MOSQ_ERR_KEEPALIVE));
    let closed = closed_rx
        .recv_timeout(PROMPT)
        .expect("client closed the socket");
    assert!(closed <= Duration::from_millis(7500));
    fake.join();
}
