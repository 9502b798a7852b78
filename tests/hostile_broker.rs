//! Hostile brokers: a scripted fake broker that breaks the protocol (or the link) in one way per
//! test, and a Culex client driven by `mosquitto_loop` in the test thread. Each behaviour must
//! end cleanly: the connection closed by the client (or found lost), `on_disconnect` (or a
//! refusing `on_connect`) with the expected code, a log line that names the reason, and the
//! client's heap grown by less than [`HEAP_BOUND`] while it lasted.
//!
//! One test per behaviour (`hostile!` below), 37 of them; `tests/interop_fake_broker.rs` has a
//! few more (malformed CONNACKs, a huge remaining length, no CONNACK).

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::client::{
    Client, Ev, PropList, MOSQ_ERR_CONN_LOST, MOSQ_ERR_KEEPALIVE, MOSQ_ERR_OVERSIZE_PACKET,
    MOSQ_ERR_PROTOCOL,
};
use common::fake_broker::{packet, publish_v311, FakeBroker, FakeConnection, PUBLISH, SUBSCRIBE};
use common::unique;

/// Most the client's heap may grow during one behaviour.
const HEAP_BOUND: u64 = 4 << 20;
/// How many of the last log lines are kept.
const LOG_RING: usize = 400;
/// How long a behaviour may take to end (the keepalive ones take about two keepalives).
const ENDS_WITHIN: Duration = Duration::from_secs(45);

const MOSQ_ERR_CONN_REFUSED: i32 = 5;
const MOSQ_ERR_MALFORMED_UTF8: i32 = 18;
const MOSQ_ERR_DUPLICATE_PROPERTY: i32 = 22;
const MOSQ_ERR_TOPIC_ALIAS_INVALID: i32 = 29;

/// Bytes currently allocated through malloc.
fn malloc_in_use() -> u64 {
    // SAFETY: mallinfo2 has no preconditions.
    let info = unsafe { libc::mallinfo2() };
    (info.uordblks + info.hblkhd) as u64
}

/// What the client does once connected (before the broker's hostile act).
#[derive(Clone, Copy)]
enum Then {
    Nothing,
    Subscribe,
    PublishQos2,
}

struct Case {
    v5: bool,
    keepalive: i32,
    /// MQTT 5 CONNECT properties.
    props: fn() -> PropList,
    then: Then,
    /// The broker's side after CONNECT was read.
    script: fn(&mut FakeConnection),
    /// The code `on_disconnect` (or a refusing `on_connect`) reports.
    rc: i32,
    /// A log line must contain this (case-insensitive).
    log: &'static str,
}

fn no_props() -> PropList {
    PropList::new()
}

const CONNACK: [u8; 4] = [0x20, 0x02, 0x00, 0x00];
const CONNACK_V5: [u8; 5] = [0x20, 0x03, 0x00, 0x00, 0x00];

/// Accept the connection, read CONNECT, run the script, then drain until the client closes.
fn serve(fake: &FakeBroker, script: fn(&mut FakeConnection)) {
    // A small window: the client's output backs up after a few KiB (only the flood cares).
    fake.set_receive_buffer(4096);
    let mut conn = fake.accept();
    let connect = conn.read_packet();
    assert_eq!(connect.packet_type(), 1, "CONNECT first");
    script(&mut conn);
    conn.drain(Duration::from_secs(40));
}

fn run(name: &str, case: Case) {
    let fake = FakeBroker::bind();
    let port = fake.port();
    let script = case.script;
    let broker = fake.spawn(move |fake| serve(fake, script));
    let id = unique(name);
    let c = if case.v5 {
        Client::new_v5(Some(&id), true)
    } else {
        Client::new(Some(&id), true)
    };
    // The log lines go to on_log, but only the last ones are kept (a flood would otherwise
    // grow the test's own memory): a bounded ring, filled by the hook.
    let ring: Arc<Mutex<VecDeque<String>>> = Arc::default();
    let sink = Arc::clone(&ring);
    c.set_hook(Arc::new(move |_, ev| {
        if let Ev::Log(_, line) = ev {
            if line.starts_with("received PUBLISH") || line.starts_with("sending PUBACK") {
                return;
            }
            let mut ring = sink.lock().unwrap();
            if ring.len() == LOG_RING {
                ring.pop_front();
            }
            ring.push_back(line.clone());
        }
    }));
    c.enable_log(false);
    // Messages are not kept either: the heap measured is the library's.
    c.record_messages(false);
    let heap_before = malloc_in_use();
    let props = (case.props)();
    let rc = if case.v5 {
        c.connect_v5(port, case.keepalive, props.as_ptr())
    } else {
        c.connect(port, case.keepalive)
    };
    assert_eq!(rc, 0, "{name}: connect");
    // A small send buffer too (the kernel would take megabytes of acknowledgements first):
    // what an application may do to its socket, and what makes a flood back up at once.
    let small: libc::c_int = 8192;
    let fd = c.socket();
    assert!(fd >= 0, "{name}: no socket after connect");
    // SAFETY: setsockopt on the client's socket (mosquitto_socket) with an int option.
    let set = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_SNDBUF,
            &small as *const libc::c_int as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(set, 0, "{name}: SO_SNDBUF");
    let mut errors = Vec::new();
    let started = Instant::now();
    let mut acted = false;
    let mut heap_peak = heap_before;
    let mut connected = false;
    let mut scanned = 0;
    let ended = loop {
        // Look at the events recorded since the last look (a flood records many).
        let mut end = None;
        c.events().wait_until(Duration::ZERO, |evs| {
            for e in &evs[scanned..] {
                match e {
                    Ev::Connect(0) => connected = true,
                    Ev::Disconnect(rc) => end = end.or(Some(*rc)),
                    Ev::Connect(rc) => end = end.or(Some(*rc)),
                    _ => {}
                }
            }
            scanned = evs.len();
            true
        });
        if connected && !acted {
            acted = true;
            match case.then {
                Then::Nothing => {}
                Then::Subscribe => {
                    c.subscribe("a/b", 1).unwrap();
                }
                Then::PublishQos2 => {
                    c.publish("a/b", b"x", 2, false).unwrap();
                }
            }
        }
        if let Some(rc) = end {
            break Some(rc);
        }
        if started.elapsed() > ENDS_WITHIN {
            break None;
        }
        let rc = c.loop_once(50);
        if rc != 0 {
            errors.push(rc);
        }
        heap_peak = heap_peak.max(malloc_in_use());
    };
    let logs: Vec<String> = ring.lock().unwrap().iter().cloned().collect();
    let Some(rc) = ended else {
        panic!("{name}: did not end within {ENDS_WITHIN:?}; logs {logs:#?}");
    };
    assert_eq!(rc, case.rc, "{name}: ended with {rc}; logs {logs:#?}");
    let needle = case.log.to_lowercase();
    assert!(
        logs.iter().any(|l| l.to_lowercase().contains(&needle)),
        "{name}: no log line says {:?}; logs {logs:#?}",
        case.log
    );
    let grown = heap_peak.saturating_sub(heap_before);
    assert!(
        grown < HEAP_BOUND,
        "{name}: the heap grew by {} KiB",
        grown / 1024
    );
    println!(
        "HOSTILE {name}: ended rc {rc} after {:.1} s, heap +{} KiB",
        started.elapsed().as_secs_f64(),
        grown / 1024
    );
    drop(c);
    broker.join();
}

macro_rules! hostile {
    ($name:ident, $case:expr) => {
        #[test]
        fn $name() {
            run(stringify!($name), $case);
        }
    };
}

/// A 3.1.1 case: keepalive 60, no properties, nothing done after CONNACK.
const fn v3(script: fn(&mut FakeConnection), rc: i32, log: &'static str) -> Case {
    Case {
        v5: false,
        keepalive: 60,
        props: no_props,
        then: Then::Nothing,
        script,
        rc,
        log,
    }
}

const fn v5(script: fn(&mut FakeConnection), rc: i32, log: &'static str) -> Case {
    Case {
        v5: true,
        ..v3(script, rc, log)
    }
}

const fn then(case: Case, then: Then) -> Case {
    Case { then, ..case }
}

const fn keepalive(case: Case, seconds: i32) -> Case {
    Case {
        keepalive: seconds,
        ..case
    }
}

/// CONNACK, then `bytes`.
fn after_connack(conn: &mut FakeConnection, bytes: &[u8]) {
    conn.write(&CONNACK);
    conn.write(bytes);
}

// ---- the new ones of this issue

hostile!(
    session_present_answering_a_clean_start,
    v3(
        |c| c.write(&[0x20, 0x02, 0x01, 0x00]),
        MOSQ_ERR_PROTOCOL,
        "session present although clean start"
    )
);

hostile!(
    suback_with_a_reserved_return_code,
    then(
        v3(
            |c| {
                c.write(&CONNACK);
                let sub = c.expect_packet(SUBSCRIBE);
                let id = sub.packet_id().to_be_bytes();
                c.write(&packet(0x90, &[id[0], id[1], 0x03]));
            },
            MOSQ_ERR_PROTOCOL,
            "reserved return code 0x03"
        ),
        Then::Subscribe
    )
);

hostile!(
    qos1_flood_from_a_broker_that_never_reads,
    keepalive(
        v3(
            |c| {
                c.write(&CONNACK);
                // Send QoS 1 messages and never read the PUBACKs: the client must stop reading
                // (memory stays flat: TCP pushes back on us instead) and give up on its
                // keepalive. Blocking writes of whole batches, until the client has closed.
                let mut batch = Vec::new();
                for id in 1..=2000u16 {
                    batch.extend(publish_v311("flood/t", 1, false, id, &[b'x'; 64]));
                }
                while c.try_write(&batch).is_ok() {}
            },
            MOSQ_ERR_KEEPALIVE,
            "reading paused"
        ),
        5
    )
);

// ---- malformed or impossible packets from the broker

hostile!(
    connack_of_three_bytes,
    v3(
        |c| c.write(&[0x20, 0x03, 0x00, 0x00, 0x00]),
        MOSQ_ERR_PROTOCOL,
        "closing the connection"
    )
);
hostile!(
    connack_with_reserved_header_flags,
    v3(
        |c| c.write(&[0x21, 0x02, 0x00, 0x00]),
        MOSQ_ERR_PROTOCOL,
        "closing the connection"
    )
);
hostile!(
    connack_with_reserved_acknowledge_flags,
    v3(
        |c| c.write(&[0x20, 0x02, 0x02, 0x00]),
        MOSQ_ERR_PROTOCOL,
        "closing the connection"
    )
);
hostile!(
    remaining_length_of_five_bytes,
    v3(
        |c| after_connack(c, &[0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
        MOSQ_ERR_PROTOCOL,
        "closing the connection"
    )
);
hostile!(
    reserved_packet_type_0,
    v3(
        |c| after_connack(c, &[0x00, 0x00]),
        MOSQ_ERR_PROTOCOL,
        "closing the connection"
    )
);
hostile!(
    auth_packet_in_mqtt_3_1_1,
    v3(
        |c| after_connack(c, &[0xF0, 0x00]),
        MOSQ_ERR_PROTOCOL,
        "closing the connection"
    )
);
hostile!(
    second_connack,
    v3(
        |c| after_connack(c, &CONNACK),
        MOSQ_ERR_PROTOCOL,
        "closing the connection"
    )
);
hostile!(
    publish_before_connack,
    v3(
        |c| c.write(&publish_v311("t", 0, false, 0, b"early")),
        MOSQ_ERR_PROTOCOL,
        "received before CONNACK"
    )
);
hostile!(
    connect_sent_to_the_client,
    v3(
        |c| after_connack(c, &common::fake_broker::connect_v311("x", true, 60, None)),
        MOSQ_ERR_PROTOCOL,
        "must never receive CONNECT"
    )
);
hostile!(
    subscribe_sent_to_the_client,
    v3(
        |c| after_connack(c, &common::fake_broker::subscribe_v311(1, "t", 0)),
        MOSQ_ERR_PROTOCOL,
        "must never receive SUBSCRIBE"
    )
);
hostile!(
    pingreq_sent_to_the_client,
    v3(
        |c| after_connack(c, &[0xC0, 0x00]),
        MOSQ_ERR_PROTOCOL,
        "must never receive PINGREQ"
    )
);
hostile!(
    publish_at_qos_3,
    v3(
        |c| after_connack(c, &packet(0x36, &[0x00, 0x01, b't', 0x00, 0x01])),
        MOSQ_ERR_PROTOCOL,
        "closing the connection"
    )
);
hostile!(
    publish_to_a_wildcard_topic,
    v3(
        |c| after_connack(c, &publish_v311("a/#", 0, false, 0, b"x")),
        MOSQ_ERR_PROTOCOL,
        "closing the connection"
    )
);
hostile!(
    publish_with_a_topic_that_is_not_utf8,
    v3(
        |c| after_connack(c, &packet(0x30, &[0x00, 0x02, 0xC0, 0x80, b'x'])),
        MOSQ_ERR_MALFORMED_UTF8,
        "closing the connection"
    )
);
hostile!(
    qos1_publish_with_packet_id_0,
    v3(
        |c| after_connack(c, &publish_v311("t", 1, false, 0, b"x")),
        MOSQ_ERR_PROTOCOL,
        "closing the connection"
    )
);
hostile!(
    publish_whose_topic_runs_past_the_packet,
    v3(
        |c| after_connack(c, &packet(0x30, &[0x00, 0x09, b't'])),
        MOSQ_ERR_PROTOCOL,
        "closing the connection"
    )
);
hostile!(
    puback_for_a_qos2_message,
    then(
        v3(
            |c| {
                c.write(&CONNACK);
                let p = c.expect_packet(PUBLISH);
                let body = p.body();
                let topic_len = usize::from(u16::from_be_bytes([body[0], body[1]]));
                let id = [body[2 + topic_len], body[3 + topic_len]];
                c.write(&packet(0x40, &id));
            },
            MOSQ_ERR_PROTOCOL,
            "PubAck for m1, which was sent at ExactlyOnce"
        ),
        Then::PublishQos2
    )
);
hostile!(
    pubrel_with_wrong_header_flags,
    v3(
        |c| after_connack(c, &[0x60, 0x02, 0x00, 0x01]),
        MOSQ_ERR_PROTOCOL,
        "closing the connection"
    )
);
hostile!(
    suback_without_return_codes,
    then(
        v3(
            |c| {
                c.write(&CONNACK);
                let sub = c.expect_packet(SUBSCRIBE);
                c.write(&packet(0x90, &sub.packet_id().to_be_bytes()));
            },
            MOSQ_ERR_PROTOCOL,
            "closing the connection"
        ),
        Then::Subscribe
    )
);
hostile!(
    unsuback_with_extra_bytes,
    v3(
        |c| after_connack(c, &[0xB0, 0x03, 0x00, 0x01, 0x00]),
        MOSQ_ERR_PROTOCOL,
        "closing the connection"
    )
);
hostile!(
    pingresp_with_a_body,
    v3(
        |c| after_connack(c, &[0xD0, 0x01, 0x00]),
        MOSQ_ERR_PROTOCOL,
        "closing the connection"
    )
);

// ---- the link

hostile!(
    closed_in_the_middle_of_a_packet,
    v3(
        |c| {
            after_connack(c, &[0x30, 0x0A, 0x00, 0x03]);
            c.shutdown_write();
        },
        MOSQ_ERR_CONN_LOST,
        "connection lost"
    )
);
hostile!(
    reset_in_the_middle_of_a_packet,
    v3(
        |c| {
            after_connack(c, &[0x30, 0x0A, 0x00, 0x03]);
            // An RST: the fake's end of this connection is gone (the drain finds it closed).
            let fd = std::os::fd::AsRawFd::as_raw_fd(c.stream());
            let linger = libc::linger {
                l_onoff: 1,
                l_linger: 0,
            };
            // SAFETY: setsockopt on the fake's own socket with a correctly sized struct.
            unsafe {
                libc::setsockopt(
                    fd,
                    libc::SOL_SOCKET,
                    libc::SO_LINGER,
                    &linger as *const libc::linger as *const libc::c_void,
                    std::mem::size_of::<libc::linger>() as libc::socklen_t,
                );
            }
            let _ = c.stream().shutdown(std::net::Shutdown::Both);
        },
        MOSQ_ERR_CONN_LOST,
        "connection lost"
    )
);
hostile!(
    silent_after_connack,
    keepalive(
        v3(
            |c| c.write(&CONNACK),
            MOSQ_ERR_KEEPALIVE,
            "no answer to PINGREQ"
        ),
        5
    )
);
hostile!(
    no_connack_at_all,
    keepalive(v3(|_| {}, MOSQ_ERR_KEEPALIVE, "no CONNACK in time"), 5)
);
hostile!(
    refused_not_authorised,
    v3(
        |c| c.write(&[0x20, 0x02, 0x00, 0x05]),
        MOSQ_ERR_CONN_REFUSED,
        "connection refused"
    )
);
hostile!(
    announces_a_huge_packet_then_closes,
    v3(
        |c| {
            let mut bytes = CONNACK.to_vec();
            bytes.extend_from_slice(&[0x30, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x01, b't']);
            bytes.extend(std::iter::repeat(b'x').take(8192));
            c.write(&bytes);
            c.shutdown_write();
        },
        MOSQ_ERR_CONN_LOST,
        "connection lost"
    )
);

// ---- MQTT 5

hostile!(
    v5_more_qos2_messages_than_our_receive_maximum,
    Case {
        props: || PropList::new().int16(33, 2),
        ..v5(
            |c| {
                c.write(&CONNACK_V5);
                for id in 1..=3u16 {
                    let mut body = common::fake_broker::mqtt_string("t");
                    body.extend_from_slice(&id.to_be_bytes());
                    body.push(0);
                    body.push(b'x');
                    c.write(&packet(0x34, &body));
                }
            },
            MOSQ_ERR_PROTOCOL,
            "more than our Receive Maximum"
        )
    }
);
hostile!(
    v5_topic_alias_never_allowed,
    v5(
        |c| {
            c.write(&CONNACK_V5);
            // PUBLISH QoS 0, topic "t", properties: Topic Alias 1.
            c.write(&packet(
                0x30,
                &[0x00, 0x01, b't', 0x03, 0x23, 0x00, 0x01, b'x'],
            ));
        },
        MOSQ_ERR_TOPIC_ALIAS_INVALID,
        "closing the connection"
    )
);
hostile!(
    v5_packet_over_our_maximum_packet_size,
    Case {
        props: || PropList::new().int32(39, 64),
        ..v5(
            |c| {
                c.write(&CONNACK_V5);
                let mut body = vec![0x00, 0x01, b't', 0x00];
                body.extend([b'x'; 200]);
                c.write(&packet(0x30, &body));
            },
            MOSQ_ERR_OVERSIZE_PACKET,
            "packet too large"
        )
    }
);
hostile!(
    v5_connack_with_a_duplicate_property,
    v5(
        |c| c.write(&[0x20, 0x09, 0x00, 0x00, 0x06, 0x21, 0x00, 0x05, 0x21, 0x00, 0x06]),
        MOSQ_ERR_DUPLICATE_PROPERTY,
        "closing the connection"
    )
);
hostile!(
    v5_assigned_client_id_although_we_named_one,
    v5(
        |c| c.write(&[0x20, 0x07, 0x00, 0x00, 0x04, 0x12, 0x00, 0x01, b'x']),
        MOSQ_ERR_PROTOCOL,
        "although CONNECT named"
    )
);
hostile!(
    v5_session_present_answering_a_clean_start,
    v5(
        |c| c.write(&[0x20, 0x03, 0x01, 0x00, 0x00]),
        MOSQ_ERR_PROTOCOL,
        "session present although clean start"
    )
);
hostile!(
    v5_malformed_property_length,
    v5(
        |c| c.write(&[0x20, 0x04, 0x00, 0x00, 0x05, 0x21]),
        MOSQ_ERR_PROTOCOL,
        "closing the connection"
    )
);

#[test]
fn the_count_of_hostile_behaviours() {
    // 37 here: the issue asks for at least 30 in all.
    let source = include_str!("hostile_broker.rs");
    let count = source.matches("\nhostile!(").count();
    assert!(count >= 30, "only {count} hostile behaviours");
}
