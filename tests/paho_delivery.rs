//! Paho's delivery tracking, bounded queue and one-shot helpers against a real mosquitto:
//! `culex_wait_for_publish` in every loop mode and in every way it must not hang (no loop, after
//! a disconnect, after a queue time-to-live, on timeout, from inside the loop), a full queue that
//! refuses with CULEX_ERR_QUEUE_FULL while the 1,000 messages it holds all arrive in order after a
//! broker restart, and `culex_publish_single` / `culex_publish_multiple`.

// Drives the C API wholesale: every call is an FFI call on handles the test owns.
#![allow(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod common;

use std::ffi::CString;
use std::os::raw::{c_int, c_void};
use std::ptr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::broker::{Broker, BrokerConfig};
use common::client::{Client, Ev, MOSQ_ERR_CONN_REFUSED, MOSQ_ERR_INVAL, MOSQ_ERR_NO_CONN};
use common::drive::{drive, Mode, MODES};
use common::fake_broker::FakeBroker;
use common::faults::{Fault, FaultProxy};
use common::proxy::Dir;
use common::{unique, wait_until, PROMPT};
use culex::ffi::culex::*;

const MOSQ_ERR_TIMEOUT: c_int = 27;
const QUEUE_FULL: c_int = culex_err_t::CULEX_ERR_QUEUE_FULL as c_int;
const EXPIRED: c_int = culex_err_t::CULEX_ERR_EXPIRED as c_int;

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn wait(client: &Client, mid: i32, timeout_ms: c_int) -> (c_int, c_int) {
    let mut reason = -1;
    let rc = unsafe { culex_wait_for_publish(client.handle().0, mid, timeout_ms, &mut reason) };
    (rc, reason)
}

fn a_closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn wait_for_publish_returns_when_published_in_every_loop_mode() {
    let broker = Broker::start(BrokerConfig::default());
    for mode in MODES {
        let client = Client::new(Some(&unique("wait")), true);
        assert_eq!(client.connect(broker.port(), 60), 0);
        let driven = drive(&client, mode);
        assert_eq!(client.wait_connect(PROMPT), Some(0), "{mode:?}");
        for qos in [0, 1, 2] {
            let mid = client.publish(&unique("w"), b"x", qos, false).unwrap();
            assert_eq!(wait(&client, mid, 5000), (0, 0), "{mode:?} QoS {qos}");
            assert!(unsafe { culex_is_published(client.handle().0, mid) });
        }
        driven.stop();
    }
}

#[test]
fn wait_for_publish_never_hangs() {
    let broker = Broker::start(BrokerConfig::default());

    // No loop at all: at once.
    let client = Client::new(Some(&unique("noloop")), true);
    assert_eq!(client.connect(broker.port(), 60), 0);
    let mid = client.publish("t", b"x", 1, false).unwrap();
    let started = Instant::now();
    assert_eq!(wait(&client, mid, -1).0, MOSQ_ERR_NO_CONN);
    assert!(started.elapsed() < Duration::from_millis(500));
    assert!(!unsafe { culex_is_published(client.handle().0, mid) });
    // Looking only (timeout 0) says "not yet" without needing a loop.
    assert_eq!(wait(&client, mid, 0).0, MOSQ_ERR_TIMEOUT);
    drop(client);

    // After a disconnect: a message queued offline cannot go out.
    let client = Client::new(Some(&unique("disc")), true);
    assert_eq!(client.connect(broker.port(), 60), 0);
    let driven = drive(&client, Mode::LoopStart);
    assert_eq!(client.wait_connect(PROMPT), Some(0));
    assert_eq!(client.disconnect(), 0);
    assert!(client.wait_disconnect(PROMPT).is_some());
    let mid = client.publish("t", b"x", 1, false).unwrap();
    let started = Instant::now();
    assert_eq!(wait(&client, mid, 10_000).0, MOSQ_ERR_NO_CONN);
    assert!(started.elapsed() < Duration::from_millis(500));
    driven.stop();

    // The queue's time-to-live runs out while the loop keeps failing to connect (MQTT 5
    // callbacks: the expiry is a failed publish for on_publish_v5).
    let client = Client::new_v5(Some(&unique("ttl")), true);
    assert_eq!(unsafe { culex_queue_ttl_set(client.handle().0, 300) }, 0);
    assert_eq!(client.reconnect_delay_set(1, 1, false), 0);
    assert_eq!(client.connect_async(a_closed_port(), 60), 0);
    let driven = drive(&client, Mode::LoopStart);
    let mid = client.publish("t", b"x", 1, false).unwrap();
    let started = Instant::now();
    assert_eq!(wait(&client, mid, 10_000).0, EXPIRED);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(3),
        "{took:?}"
    );
    // Also reported as a failed publish to on_publish_v5.
    assert!(wait_until(PROMPT, || client
        .events5()
        .snapshot()
        .iter()
        .any(
            |e| matches!(e, common::client::Ev5::Publish { mid: m, rc: 0x80, .. } if *m == mid)
        )));
    driven.stop();

    // A broker that never acknowledges: the timeout.
    let fake = FakeBroker::bind();
    let silent = fake.spawn(|fake| {
        let mut conn = fake.accept();
        let _ = conn.read_packet();
        conn.send_connack(false, 0);
        conn.drain(Duration::from_secs(2));
    });
    let client = Client::new(Some(&unique("silent")), true);
    assert_eq!(client.connect(silent.port(), 60), 0);
    let driven = drive(&client, Mode::LoopStart);
    assert_eq!(client.wait_connect(PROMPT), Some(0));
    let mid = client.publish("t", b"x", 1, false).unwrap();
    let started = Instant::now();
    assert_eq!(wait(&client, mid, 300).0, MOSQ_ERR_TIMEOUT);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(290) && took < Duration::from_secs(2),
        "{took:?}"
    );
    driven.stop();
    drop(client);
    silent.join();
}

static FROM_CALLBACK: Mutex<Vec<c_int>> = Mutex::new(Vec::new());

#[test]
fn wait_for_publish_inside_the_clients_own_callback_is_refused_not_a_deadlock() {
    let broker = Broker::start(BrokerConfig::default());
    let link = FaultProxy::start(broker.port());
    let client = Client::new(Some(&unique("inside")), true);
    assert_eq!(client.connect(link.port, 60), 0);
    let driven = drive(&client, Mode::LoopStart);
    assert_eq!(client.wait_connect(PROMPT), Some(0));
    // Nothing more reaches the broker: this QoS 1 message stays unacknowledged.
    link.set(Dir::ToBroker, Fault::BlackHole);
    let pending = client.publish("t", b"held", 1, false).unwrap();
    client.set_hook(Arc::new(move |mosq, ev| {
        if let Ev::Publish(m) = ev {
            if *m != pending {
                let rc = unsafe { culex_wait_for_publish(mosq, pending, 1000, ptr::null_mut()) };
                FROM_CALLBACK.lock().unwrap().push(rc);
            }
        }
    }));
    // A QoS 0 message is published once written: its on_publish waits for the held one.
    client.publish("t", b"x", 0, false).unwrap();
    assert!(wait_until(PROMPT, || !FROM_CALLBACK
        .lock()
        .unwrap()
        .is_empty()));
    assert_eq!(FROM_CALLBACK.lock().unwrap()[0], MOSQ_ERR_INVAL);
    driven.stop();
}

#[test]
fn a_full_queue_refuses_while_the_thousand_it_holds_arrive_in_order_after_a_restart() {
    let mut broker = Broker::start(BrokerConfig::default().persistence(true));
    let topic = unique("queue");
    // The subscriber keeps its session across the broker's restart.
    let sub = Client::new(Some(&unique("qsub")), false);
    assert_eq!(sub.connect(broker.port(), 60), 0);
    assert_eq!(sub.loop_start(), 0);
    assert_eq!(sub.wait_connect(PROMPT), Some(0));
    let mid = sub.subscribe(&topic, 1).unwrap();
    assert!(sub.wait_suback(mid, PROMPT).is_some());

    let publisher = Client::new(Some(&unique("qpub")), false);
    assert_eq!(
        unsafe { culex_max_queued_messages_set(publisher.handle().0, 1000, 0) },
        0
    );
    assert_eq!(publisher.reconnect_delay_set(1, 1, false), 0);
    assert_eq!(publisher.connect(broker.port(), 60), 0);
    let driven = drive(&publisher, Mode::LoopStart);
    assert_eq!(publisher.wait_connect(PROMPT), Some(0));
    broker.stop();
    assert!(publisher.wait_disconnect(PROMPT).is_some());
    for i in 0..1000 {
        let body = format!("{i}");
        publisher
            .publish(&topic, body.as_bytes(), 1, false)
            .unwrap_or_else(|rc| panic!("message {i}: {rc}"));
    }
    assert_eq!(
        publisher.publish(&topic, b"one too many", 1, false),
        Err(QUEUE_FULL)
    );
    broker.restart();
    assert!(
        wait_until(Duration::from_secs(30), || sub.messages().len() >= 1000),
        "{} of 1000 arrived",
        sub.messages().len()
    );
    let bodies: Vec<String> = sub
        .messages()
        .iter()
        .map(|m| String::from_utf8_lossy(&m.payload).into_owned())
        .collect();
    let expected: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
    assert_eq!(bodies, expected, "all, in order, none twice");
    driven.stop();
    sub.loop_stop(true);
}

// ---- one-shot helpers ----

fn options(port: u16) -> culex_connect_options {
    culex_connect_options {
        size: std::mem::size_of::<culex_connect_options>(),
        host: ptr::null(),
        port: c_int::from(port),
        client_id: ptr::null(),
        keepalive: 0,
        persistent_session: false,
        protocol_version: 0,
        username: ptr::null(),
        password: ptr::null(),
        will: ptr::null(),
        tls: ptr::null(),
        timeout_ms: 5000,
    }
}

fn message(topic: &CString, body: &'static [u8], qos: c_int) -> culex_publish_message {
    culex_publish_message {
        topic: topic.as_ptr(),
        payload: body.as_ptr() as *const c_void,
        payloadlen: body.len() as c_int,
        qos,
        retain: false,
        properties: ptr::null(),
        result: -1,
        reason_code: -1,
        mid: 0,
    }
}

#[test]
fn publish_single_and_multiple_deliver_and_report_each_message() {
    let broker = Broker::start(BrokerConfig::default());
    let topic = unique("oneshot");
    let sub = Client::new(Some(&unique("osub")), true);
    assert_eq!(sub.connect(broker.port(), 60), 0);
    assert_eq!(sub.loop_start(), 0);
    assert_eq!(sub.wait_connect(PROMPT), Some(0));
    let mid = sub.subscribe(&format!("{topic}/#"), 2).unwrap();
    assert!(sub.wait_suback(mid, PROMPT).is_some());

    let o = options(broker.port());
    let t = c(&format!("{topic}/single"));
    assert_eq!(
        unsafe {
            culex_publish_single(
                &o,
                t.as_ptr(),
                3,
                b"one".as_ptr() as *const c_void,
                1,
                false,
            )
        },
        0
    );
    let t0 = c(&format!("{topic}/0"));
    let t1 = c(&format!("{topic}/1"));
    let t2 = c(&format!("{topic}/2"));
    let mut msgs = [
        message(&t0, b"zero", 0),
        message(&t1, b"one", 1),
        message(&t2, b"two", 2),
    ];
    let mut o5 = options(broker.port());
    o5.protocol_version = 5;
    assert_eq!(
        unsafe { culex_publish_multiple(&o5, msgs.as_mut_ptr(), 3) },
        0
    );
    for m in &msgs {
        assert_eq!((m.result, m.reason_code), (0, 0));
        assert!(m.mid > 0);
    }
    assert!(wait_until(PROMPT, || sub.messages().len() == 4));
    let got: Vec<(String, Vec<u8>)> = sub
        .messages()
        .into_iter()
        .map(|m| (m.topic, m.payload))
        .collect();
    assert_eq!(
        got,
        vec![
            (format!("{topic}/single"), b"one".to_vec()),
            (format!("{topic}/0"), b"zero".to_vec()),
            (format!("{topic}/1"), b"one".to_vec()),
            (format!("{topic}/2"), b"two".to_vec())
        ]
    );
    sub.loop_stop(true);
}

#[test]
fn publish_helpers_fail_cleanly() {
    // Refused: a broker that wants a password.
    let broker = Broker::start(BrokerConfig::default().user("u", "right"));
    let mut o = options(broker.port());
    let (user, wrong) = (c("u"), c("wrong"));
    o.username = user.as_ptr();
    o.password = wrong.as_ptr();
    let t = c("t");
    let mut msgs = [message(&t, b"x", 1)];
    assert_eq!(
        unsafe { culex_publish_multiple(&o, msgs.as_mut_ptr(), 1) },
        MOSQ_ERR_CONN_REFUSED
    );
    assert_eq!(msgs[0].result, MOSQ_ERR_CONN_REFUSED);

    // Nothing listening: the connect error.
    let o = options(a_closed_port());
    let rc = unsafe {
        culex_publish_single(&o, t.as_ptr(), 1, b"x".as_ptr() as *const c_void, 1, false)
    };
    assert_eq!(rc, 14, "MOSQ_ERR_ERRNO (ECONNREFUSED)");

    // A broker that never acknowledges: the call's time runs out.
    let fake = FakeBroker::bind();
    let silent = fake.spawn(|fake| {
        let mut conn = fake.accept();
        let _ = conn.read_packet();
        conn.send_connack(false, 0);
        conn.drain(Duration::from_secs(2));
    });
    let mut o = options(silent.port());
    o.timeout_ms = 300;
    let started = Instant::now();
    let mut msgs = [message(&t, b"x", 1)];
    assert_eq!(
        unsafe { culex_publish_multiple(&o, msgs.as_mut_ptr(), 1) },
        MOSQ_ERR_TIMEOUT
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    silent.join();

    // Bad arguments, before any network.
    assert_eq!(
        unsafe { culex_publish_multiple(ptr::null(), ptr::null_mut(), 1) },
        MOSQ_ERR_INVAL
    );
    assert_eq!(
        unsafe { culex_publish_multiple(ptr::null(), msgs.as_mut_ptr(), 0) },
        MOSQ_ERR_INVAL
    );
    let mut short = options(1883);
    short.size = 8;
    assert_eq!(
        unsafe {
            culex_publish_single(
                &short,
                t.as_ptr(),
                1,
                b"x".as_ptr() as *const c_void,
                0,
                false,
            )
        },
        MOSQ_ERR_INVAL
    );
}
