//! The one-shot helpers `mosquitto_subscribe_simple` and `mosquitto_subscribe_callback` against a
//! real mosquitto broker: message counts, retained messages skipped or counted, the callback's
//! stop signal and user data, credentials, a will, TLS, a broker restart in the middle, and every
//! way they end early (refused connection, refused subscription, nothing listening) without
//! hanging. Bad arguments are rows of tests/bad_input.rs.
//!
//! Each helper call blocks, so it runs on its own thread; the test waits for the broker to log the
//! helper's SUBACK before publishing, and for the helper's result with a deadline.

// These tests drive the C API, where every call is unsafe by nature and its contract is the
// test's own; the crate's unsafe_op_in_unsafe_fn / undocumented_unsafe_blocks rules are for src/.
#![allow(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod common;
#[path = "common/tls_certs.rs"]
mod tls_certs;

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};
use std::ptr::{null, null_mut};
use std::sync::mpsc;
use std::sync::Mutex;

use common::broker::{Broker, BrokerConfig};
use common::client::{Client, MOSQ_ERR_CONN_REFUSED};
use common::fake_broker::{packet, FakeBroker, CONNECT, DISCONNECT, SUBACK, SUBSCRIBE};
use common::{free_port, unique, DEFAULT_TIMEOUT, PROMPT};
use culex::ffi::boundary::errors::{MOSQ_ERR_ACL_DENIED, MOSQ_ERR_ERRNO, MOSQ_ERR_SUCCESS};
use culex::ffi::client::mosquitto_socket;
use culex::ffi::handle::mosquitto;
use culex::ffi::util::*;
use culex::ffi::util::{mosquitto_message, mosquitto_message_free_contents};
use tls_certs::Certs;

const SUCCESS: c_int = MOSQ_ERR_SUCCESS as c_int;

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// A received message, copied out of the C struct.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Got {
    topic: String,
    payload: Vec<u8>,
    qos: i32,
    retain: bool,
}

/// Copy the `count` messages of a `mosquitto_subscribe_simple` result, then free it as the
/// documentation tells applications to.
unsafe fn take_messages(messages: *mut mosquitto_message, count: usize) -> Vec<Got> {
    assert!(!messages.is_null());
    let mut out = Vec::new();
    for i in 0..count {
        let m = messages.add(i);
        let payload = if (*m).payloadlen == 0 {
            Vec::new()
        } else {
            std::slice::from_raw_parts((*m).payload as *const u8, (*m).payloadlen as usize).to_vec()
        };
        out.push(Got {
            topic: CStr::from_ptr((*m).topic).to_string_lossy().into_owned(),
            payload,
            qos: (*m).qos,
            retain: (*m).retain,
        });
        mosquitto_message_free_contents(m);
    }
    libc::free(messages as *mut c_void);
    out
}

/// Options of one helper call besides topic and QoS.
#[derive(Clone, Default)]
struct Opts {
    id: String,
    username: Option<String>,
    password: Option<String>,
    will: Option<(String, Vec<u8>)>,
    cafile: Option<String>,
}

/// Run `f` with the C forms of `opts` (client id, credentials, will, TLS).
fn with_c_opts<R>(
    opts: &Opts,
    f: impl FnOnce(
        *const c_char,
        *const c_char,
        *const c_char,
        *const libmosquitto_will,
        *const libmosquitto_tls,
    ) -> R,
) -> R {
    let id = c(&opts.id);
    let username = opts.username.as_deref().map(c);
    let password = opts.password.as_deref().map(c);
    let will_topic = opts.will.as_ref().map(|(t, _)| c(t));
    let mut will_payload = opts
        .will
        .as_ref()
        .map(|(_, p)| p.clone())
        .unwrap_or_default();
    let will = will_topic.as_ref().map(|topic| libmosquitto_will {
        topic: topic.as_ptr() as *mut c_char,
        payload: will_payload.as_mut_ptr() as *mut c_void,
        payloadlen: will_payload.len() as c_int,
        qos: 1,
        retain: false,
    });
    let cafile = opts.cafile.as_deref().map(c);
    let tls = cafile.as_ref().map(|ca| libmosquitto_tls {
        cafile: ca.as_ptr() as *mut c_char,
        capath: null_mut(),
        certfile: null_mut(),
        keyfile: null_mut(),
        ciphers: null_mut(),
        tls_version: null_mut(),
        pw_callback: None,
        cert_reqs: 1,
    });
    f(
        id.as_ptr(),
        username.as_ref().map_or(null(), |s| s.as_ptr()),
        password.as_ref().map_or(null(), |s| s.as_ptr()),
        will.as_ref().map_or(null(), |w| w as *const _),
        tls.as_ref().map_or(null(), |t| t as *const _),
    )
}

/// Start `mosquitto_subscribe_simple` on a thread; the receiver gets (rc, messages).
fn spawn_simple(
    port: u16,
    host: &'static str,
    topic: &str,
    qos: i32,
    count: i32,
    want_retained: bool,
    opts: Opts,
) -> mpsc::Receiver<(c_int, Vec<Got>)> {
    let (tx, rx) = mpsc::channel();
    let topic = c(topic);
    std::thread::spawn(move || {
        let host = c(host);
        let result = with_c_opts(&opts, |id, user, pass, will, tls| unsafe {
            let mut messages: *mut mosquitto_message = null_mut();
            let rc = mosquitto_subscribe_simple(
                &mut messages,
                count,
                want_retained,
                topic.as_ptr(),
                qos,
                host.as_ptr(),
                c_int::from(port),
                id,
                60,
                true,
                user,
                pass,
                will,
                tls,
            );
            if rc == SUCCESS {
                (rc, take_messages(messages, count as usize))
            } else {
                assert!(messages.is_null(), "error {rc} but *messages is set");
                (rc, Vec::new())
            }
        });
        let _ = tx.send(result);
    });
    rx
}

/// What the callback of `mosquitto_subscribe_callback` sees, and how it answers.
struct Recorder {
    /// Messages seen, in order.
    seen: Mutex<Vec<Got>>,
    /// Return 1 (stop) on the message with this (1-based) number.
    stop_at: usize,
    /// Shut the socket down (abruptly, so the broker publishes the will) on this message number.
    drop_at: Option<usize>,
}

unsafe extern "C" fn record(
    mosq: *mut mosquitto,
    obj: *mut c_void,
    message: *const mosquitto_message,
) -> c_int {
    let recorder = &*(obj as *const Recorder);
    let m = &*message;
    let payload = if m.payloadlen == 0 {
        Vec::new()
    } else {
        std::slice::from_raw_parts(m.payload as *const u8, m.payloadlen as usize).to_vec()
    };
    let mut seen = recorder.seen.lock().unwrap();
    seen.push(Got {
        topic: CStr::from_ptr(m.topic).to_string_lossy().into_owned(),
        payload,
        qos: m.qos,
        retain: m.retain,
    });
    let n = seen.len();
    if recorder.drop_at == Some(n) {
        libc::shutdown(mosquitto_socket(mosq), libc::SHUT_RDWR);
    }
    c_int::from(n == recorder.stop_at)
}

/// Start `mosquitto_subscribe_callback` with `recorder` on a thread; the receiver gets the rc.
fn spawn_callback(
    port: u16,
    topic: &str,
    recorder: &'static Recorder,
    opts: Opts,
) -> mpsc::Receiver<c_int> {
    let (tx, rx) = mpsc::channel();
    let topic = c(topic);
    std::thread::spawn(move || {
        let host = c("127.0.0.1");
        let rc = with_c_opts(&opts, |id, user, pass, will, tls| unsafe {
            mosquitto_subscribe_callback(
                Some(record),
                recorder as *const Recorder as *mut c_void,
                topic.as_ptr(),
                1,
                host.as_ptr(),
                c_int::from(port),
                id,
                60,
                true,
                user,
                pass,
                will,
                tls,
            )
        });
        let _ = tx.send(rc);
    });
    rx
}

fn recorder(stop_at: usize, drop_at: Option<usize>) -> &'static Recorder {
    Box::leak(Box::new(Recorder {
        seen: Mutex::new(Vec::new()),
        stop_at,
        drop_at,
    }))
}

/// A publisher connected with `loop_start`.
fn publisher(port: u16) -> Client {
    let p = Client::new(Some(&unique("pub")), true);
    assert_eq!(p.loop_start(), 0);
    assert_eq!(p.connect(port, 60), 0);
    assert_eq!(p.wait_connect(PROMPT), Some(0));
    p
}

/// Publish and wait for the broker's acknowledgement (QoS 1/2) so the order is known.
fn publish(p: &Client, topic: &str, payload: &[u8], qos: i32, retain: bool) {
    let mid = p.publish(topic, payload, qos, retain).expect("publish");
    if qos > 0 {
        assert!(p.wait_publish(mid, PROMPT), "no ack for {topic}");
    }
}

/// Wait until the broker has sent the `n`th SUBACK (counting from 1) to client `id`.
fn wait_suback(broker: &Broker, id: &str, n: usize) {
    let needle = format!("Sending SUBACK to {id}");
    let ok = common::wait_until(DEFAULT_TIMEOUT, || {
        broker.log().lines().filter(|l| l.contains(&needle)).count() >= n
    });
    assert!(ok, "no SUBACK #{n} to {id}; broker log:\n{}", broker.log());
}

fn opts(id: &str) -> Opts {
    Opts {
        id: id.to_owned(),
        ..Opts::default()
    }
}

fn got(topic: &str, payload: &[u8], qos: i32, retain: bool) -> Got {
    Got {
        topic: topic.to_owned(),
        payload: payload.to_vec(),
        qos,
        retain,
    }
}

#[test]
fn subscribe_simple_returns_the_messages_wanted() {
    let broker = Broker::start(BrokerConfig::default());
    let base = unique("simple");
    let id = unique("simple-client");
    for qos in 0..=2 {
        let rx = spawn_simple(
            broker.port(),
            "127.0.0.1",
            &format!("{base}/{qos}/#"),
            qos,
            3,
            true,
            opts(&id),
        );
        wait_suback(&broker, &id, qos as usize + 1);
        let p = publisher(broker.port());
        let topic = format!("{base}/{qos}/x");
        publish(&p, &topic, b"one", qos, false);
        publish(&p, &topic, b"", qos, false);
        publish(&p, &topic, &[0, 1, 2, 255], qos, false);
        let (rc, messages) = rx.recv_timeout(DEFAULT_TIMEOUT).expect("helper returned");
        assert_eq!(rc, SUCCESS);
        assert_eq!(
            messages,
            vec![
                got(&topic, b"one", qos, false),
                got(&topic, b"", qos, false),
                got(&topic, &[0, 1, 2, 255], qos, false),
            ],
            "QoS {qos}"
        );
    }
    // It disconnected cleanly each time.
    assert!(broker
        .wait_log(&format!("Client {id} disconnected."), PROMPT)
        .is_some());
}

#[test]
fn subscribe_simple_skips_or_counts_retained_messages() {
    let broker = Broker::start(BrokerConfig::default());
    let base = unique("retained");
    let p = publisher(broker.port());
    publish(&p, &format!("{base}/r"), b"stale", 1, true);

    // Counted: the retained message is the one message wanted.
    let rx = spawn_simple(
        broker.port(),
        "127.0.0.1",
        &format!("{base}/#"),
        1,
        1,
        true,
        opts(&unique("want")),
    );
    let (rc, messages) = rx.recv_timeout(DEFAULT_TIMEOUT).expect("helper returned");
    assert_eq!(rc, SUCCESS);
    assert_eq!(messages, vec![got(&format!("{base}/r"), b"stale", 1, true)]);

    // Skipped: only the live message counts.
    let id = unique("skip");
    let rx = spawn_simple(
        broker.port(),
        "127.0.0.1",
        &format!("{base}/#"),
        1,
        1,
        false,
        opts(&id),
    );
    wait_suback(&broker, &id, 1);
    publish(&p, &format!("{base}/live"), b"fresh", 1, false);
    let (rc, messages) = rx.recv_timeout(DEFAULT_TIMEOUT).expect("helper returned");
    assert_eq!(rc, SUCCESS);
    assert_eq!(
        messages,
        vec![got(&format!("{base}/live"), b"fresh", 1, false)]
    );
}

#[test]
fn subscribe_callback_stops_when_the_callback_returns_1() {
    let broker = Broker::start(BrokerConfig::default());
    let base = unique("cb");
    let id = unique("cb-client");
    let rec = recorder(2, None);
    let rx = spawn_callback(broker.port(), &format!("{base}/#"), rec, opts(&id));
    wait_suback(&broker, &id, 1);
    let p = publisher(broker.port());
    for n in 1..=4 {
        publish(
            &p,
            &format!("{base}/t"),
            format!("m{n}").as_bytes(),
            1,
            false,
        );
    }
    let rc = rx.recv_timeout(DEFAULT_TIMEOUT).expect("helper returned");
    assert_eq!(rc, SUCCESS);
    // Called with the user data, exactly until it said stop.
    let seen = rec.seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![
            got(&format!("{base}/t"), b"m1", 1, false),
            got(&format!("{base}/t"), b"m2", 1, false),
        ]
    );
    assert!(broker
        .wait_log(&format!("Client {id} disconnected."), PROMPT)
        .is_some());
}

#[test]
fn credentials_are_used_and_a_refusal_ends_the_helper() {
    let broker = Broker::start(BrokerConfig::default().user("alice", "secret"));
    let base = unique("auth");

    let id = unique("auth-ok");
    let good = Opts {
        username: Some("alice".into()),
        password: Some("secret".into()),
        ..opts(&id)
    };
    let rx = spawn_simple(
        broker.port(),
        "127.0.0.1",
        &format!("{base}/#"),
        1,
        1,
        true,
        good,
    );
    wait_suback(&broker, &id, 1);
    let p = Client::new(Some(&unique("auth-pub")), true);
    assert_eq!(p.username_pw_set("alice", "secret"), 0);
    assert_eq!(p.loop_start(), 0);
    assert_eq!(p.connect(broker.port(), 60), 0);
    assert_eq!(p.wait_connect(PROMPT), Some(0));
    publish(&p, &format!("{base}/x"), b"hi", 1, false);
    let (rc, messages) = rx.recv_timeout(DEFAULT_TIMEOUT).expect("helper returned");
    assert_eq!(rc, SUCCESS);
    assert_eq!(messages.len(), 1);
    assert!(broker.log().contains(&format!("as {id}")));

    // Wrong password, and no credentials at all: refused, and the helper returns (libmosquitto
    // would keep reconnecting).
    for bad in [
        Opts {
            username: Some("alice".into()),
            password: Some("wrong".into()),
            ..opts(&unique("auth-bad"))
        },
        opts(&unique("auth-none")),
    ] {
        let rx = spawn_simple(broker.port(), "127.0.0.1", "x/#", 0, 1, true, bad);
        let (rc, messages) = rx.recv_timeout(DEFAULT_TIMEOUT).expect("helper returned");
        assert_eq!(rc, MOSQ_ERR_CONN_REFUSED);
        assert!(messages.is_empty());
    }
}

#[test]
fn will_is_set_and_the_helper_reconnects_after_a_lost_connection() {
    let broker = Broker::start(BrokerConfig::default());
    let base = unique("will");
    let observer = publisher(broker.port());
    let will_topic = format!("{base}-will/gone");
    let mid = observer.subscribe(&format!("{base}-will/#"), 1).unwrap();
    assert_eq!(observer.wait_suback(mid, PROMPT), Some(vec![1]));

    let id = unique("will-client");
    let rec = recorder(2, Some(1));
    let with_will = Opts {
        will: Some((will_topic.clone(), b"bye".to_vec())),
        ..opts(&id)
    };
    let rx = spawn_callback(broker.port(), &format!("{base}/#"), rec, with_will);
    wait_suback(&broker, &id, 1);
    // Message 1 makes the callback cut the connection: the broker publishes the will...
    publish(&observer, &format!("{base}/t"), b"m1", 1, false);
    let will = observer.wait_message(DEFAULT_TIMEOUT, |m| m.topic == will_topic);
    assert_eq!(will.map(|m| m.payload), Some(b"bye".to_vec()));
    // ...and the helper reconnects and subscribes again.
    wait_suback(&broker, &id, 2);
    publish(&observer, &format!("{base}/t"), b"m2", 1, false);
    let rc = rx.recv_timeout(DEFAULT_TIMEOUT).expect("helper returned");
    assert_eq!(rc, SUCCESS);
    let seen = rec.seen.lock().unwrap().clone();
    assert_eq!(
        seen.first().map(|m| m.payload.clone()),
        Some(b"m1".to_vec())
    );
    assert_eq!(seen.last().map(|m| m.payload.clone()), Some(b"m2".to_vec()));
}

#[test]
fn subscribe_simple_survives_a_broker_restart() {
    let mut broker = Broker::start(BrokerConfig::default());
    let base = unique("restart");
    let id = unique("restart-client");
    let rx = spawn_simple(
        broker.port(),
        "127.0.0.1",
        &format!("{base}/#"),
        1,
        1,
        true,
        opts(&id),
    );
    wait_suback(&broker, &id, 1);
    broker.restart();
    // The restarted broker logs afresh: wait for the new SUBACK after the restart.
    wait_suback(&broker, &id, 2);
    let p = publisher(broker.port());
    publish(&p, &format!("{base}/after"), b"back", 1, false);
    let (rc, messages) = rx.recv_timeout(DEFAULT_TIMEOUT).expect("helper returned");
    assert_eq!(rc, SUCCESS);
    assert_eq!(
        messages,
        vec![got(&format!("{base}/after"), b"back", 1, false)]
    );
}

#[test]
fn a_refused_subscription_ends_the_helper() {
    // mosquitto 2.0 grants an MQTT 3.1.1 subscription its ACL denies (and then delivers
    // nothing), so a scripted broker gives the SUBACK refusal (0x80) here.
    let fake = FakeBroker::bind();
    let port = fake.port();
    let script = fake.spawn(|fake| {
        let mut conn = fake.accept();
        conn.expect_packet(CONNECT);
        conn.send_connack(false, 0);
        let subscribe = conn.expect_packet(SUBSCRIBE);
        let id = subscribe.packet_id().to_be_bytes();
        conn.write(&packet(SUBACK << 4, &[id[0], id[1], 0x80]));
        let disconnect = conn.expect_packet(DISCONNECT);
        assert_eq!(disconnect.packet_type(), DISCONNECT);
    });
    let rx = spawn_simple(
        port,
        "127.0.0.1",
        "denied/#",
        1,
        1,
        true,
        opts(&unique("acl")),
    );
    let (rc, messages) = rx.recv_timeout(DEFAULT_TIMEOUT).expect("helper returned");
    assert_eq!(rc, MOSQ_ERR_ACL_DENIED as c_int);
    assert!(messages.is_empty());
    script.join();
}

#[test]
fn nothing_listening_is_an_error_not_a_hang() {
    let port = free_port();
    let rx = spawn_simple(port, "127.0.0.1", "t", 0, 1, true, opts(&unique("nobody")));
    let (rc, messages) = rx.recv_timeout(DEFAULT_TIMEOUT).expect("helper returned");
    assert_eq!(rc, MOSQ_ERR_ERRNO as c_int);
    assert!(messages.is_empty());
}

#[test]
fn tls_parameters_are_applied() {
    let certs = Certs::new();
    let mut config = BrokerConfig::default();
    for line in certs.listener_lines(&certs.server) {
        config = config.line(&line);
    }
    let broker = Broker::start(config);
    let base = unique("tls");
    let id = unique("tls-client");
    let tls = Opts {
        cafile: Some(certs.ca.to_str().unwrap().to_owned()),
        ..opts(&id)
    };
    let rx = spawn_simple(
        broker.port(),
        "localhost",
        &format!("{base}/#"),
        1,
        1,
        true,
        tls,
    );
    wait_suback(&broker, &id, 1);
    // The broker's only listener is TLS: publish over TLS too.
    let p = Client::new(Some(&unique("tls-pub")), true);
    let ca = c(certs.ca.to_str().unwrap());
    // SAFETY: live handle, valid C string.
    let rc = unsafe {
        culex::ffi::tls::mosquitto_tls_set(p.mosq, ca.as_ptr(), null(), null(), null(), None)
    };
    assert_eq!(rc, SUCCESS);
    assert_eq!(p.loop_start(), 0);
    let host = c("localhost");
    // SAFETY: live handle, valid C string.
    let rc = unsafe {
        culex::ffi::client::mosquitto_connect(p.mosq, host.as_ptr(), broker.port() as c_int, 60)
    };
    assert_eq!(rc, SUCCESS);
    assert_eq!(p.wait_connect(PROMPT), Some(0));
    publish(&p, &format!("{base}/secure"), b"sealed", 1, false);
    let (rc, messages) = rx.recv_timeout(DEFAULT_TIMEOUT).expect("helper returned");
    assert_eq!(rc, SUCCESS);
    assert_eq!(
        messages,
        vec![got(&format!("{base}/secure"), b"sealed", 1, false)]
    );
}
