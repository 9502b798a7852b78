//! Paho's conveniences against a real mosquitto, in every loop mode where the loop is involved:
//! per-topic message callbacks (also added and removed from callbacks and other threads),
//! manual acknowledgement (acks from callbacks and other threads, a previous connection's acks
//! refused), the connection life-cycle callbacks (pre-connect, connect-fail, the socket
//! callbacks an external event loop uses instead of `want_write`), the connect timeout,
//! `culex_is_connected` and `culex_socket_state`.

// Drives the C API wholesale: every call is an FFI call on handles the test owns.
#![allow(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod common;
#[path = "common/tls_certs.rs"]
mod tls_certs;

use std::ffi::{CStr, CString};
use std::os::raw::{c_int, c_void};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::broker::{Broker, BrokerConfig};
use common::client::{Client, Ev, Handle, Msg5, MOSQ_ERR_SUCCESS};
use common::drive::{drive, Mode, MODES};
use common::fake_broker::FakeBroker;
use common::{unique, wait_until, PROMPT};
use culex::ffi::culex::*;
use culex::ffi::handle::mosquitto;
use culex::ffi::util::mosquitto_message;
use tls_certs::Certs;

const MOSQ_ERR_NOT_FOUND: c_int = 6;
const MOSQ_ERR_TIMEOUT: c_int = 27;
const MOSQ_ERR_ERRNO: c_int = 14;
const MOSQ_ERR_EAI: c_int = 15;
const MOSQ_ERR_PROXY: c_int = 16;
const MOSQ_ERR_TLS: c_int = 8;

// ---- what the test callbacks saw, by client ----

/// (client, which callback, topic) for every call of a test callback.
static HITS: Mutex<Vec<(usize, &'static str, String)>> = Mutex::new(Vec::new());

/// What `client`'s test callbacks saw, of the topics under `base` (a freed handle's address
/// can come back for the next client: the unique base tells the runs apart).
fn hits(client: &Client, base: &str) -> Vec<(&'static str, String)> {
    let key = client.handle().0 as usize;
    HITS.lock()
        .unwrap()
        .iter()
        .filter(|(k, _, topic)| *k == key && topic.starts_with(base))
        .map(|(_, name, topic)| (*name, topic.clone()))
        .collect()
}

unsafe fn record(mosq: *mut mosquitto, name: &'static str, msg: *const mosquitto_message) {
    let topic = CStr::from_ptr((*msg).topic).to_string_lossy().into_owned();
    HITS.lock().unwrap().push((mosq as usize, name, topic));
}

unsafe extern "C" fn on_x(mosq: *mut mosquitto, _: *mut c_void, msg: *const mosquitto_message) {
    record(mosq, "x", msg);
}

unsafe extern "C" fn on_deep(mosq: *mut mosquitto, _: *mut c_void, msg: *const mosquitto_message) {
    record(mosq, "deep", msg);
}

unsafe extern "C" fn on_deep_v5(
    mosq: *mut mosquitto,
    _: *mut c_void,
    msg: *const mosquitto_message,
    _props: *const culex::ffi::property::mosquitto_property,
) {
    record(mosq, "deep_v5", msg);
}

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn add(client: &Client, filter: &str, f: culex_message_callback) -> c_int {
    unsafe { culex_message_callback_add(client.handle().0, c(filter).as_ptr(), f) }
}

fn remove(h: Handle, filter: &str) -> c_int {
    unsafe { culex_message_callback_remove(h.0, c(filter).as_ptr()) }
}

/// A connected subscriber to `filter` (QoS 1) and a connected publisher, on `broker`.
fn pair(broker: &Broker) -> (Client, Client) {
    let sub = Client::new(Some(&unique("sub")), true);
    let publisher = Client::new(Some(&unique("pub")), true);
    assert_eq!(publisher.loop_start(), 0);
    assert_eq!(publisher.connect(broker.port(), 60), 0);
    assert_eq!(publisher.wait_connect(PROMPT), Some(0));
    (sub, publisher)
}

fn subscribe(sub: &Client, filter: &str) {
    let mid = sub.subscribe(filter, 1).expect("subscribe");
    assert!(sub.wait_suback(mid, PROMPT).is_some(), "no SUBACK");
}

fn fallback_topics(sub: &Client) -> Vec<String> {
    sub.messages().into_iter().map(|m| m.topic).collect()
}

#[test]
fn per_topic_callbacks_take_matching_messages_in_every_loop_mode() {
    let broker = Broker::start(BrokerConfig::default());
    for mode in MODES {
        let base = unique("t");
        let (sub, publisher) = pair(&broker);
        assert_eq!(add(&sub, &format!("{base}/x/+"), Some(on_x)), 0);
        assert_eq!(add(&sub, &format!("{base}/+/deep"), Some(on_deep)), 0);
        assert_eq!(
            unsafe {
                culex_message_callback_add_v5(
                    sub.handle().0,
                    c(&format!("{base}/+/deep")).as_ptr(),
                    Some(on_deep_v5),
                )
            },
            0
        );
        assert_eq!(sub.connect(broker.port(), 60), 0);
        let driven = drive(&sub, mode);
        assert_eq!(sub.wait_connect(PROMPT), Some(0), "{mode:?}");
        subscribe(&sub, &format!("{base}/#"));
        for t in ["x/1", "y/deep", "x/deep", "z"] {
            publisher
                .publish(&format!("{base}/{t}"), b"m", 1, false)
                .unwrap();
        }
        assert!(
            wait_until(PROMPT, || hits(&sub, &base).len() == 6
                && fallback_topics(&sub).len() == 1),
            "{mode:?}: {:?} / {:?}",
            hits(&sub, &base),
            fallback_topics(&sub)
        );
        let t = |s: &str| format!("{base}/{s}");
        assert_eq!(
            hits(&sub, &base),
            vec![
                ("x", t("x/1")),
                ("deep", t("y/deep")),
                ("deep_v5", t("y/deep")),
                ("x", t("x/deep")),
                ("deep", t("x/deep")),
                ("deep_v5", t("x/deep"))
            ],
            "{mode:?}: every matching filter's callbacks, in the order they were added"
        );
        assert_eq!(
            fallback_topics(&sub),
            vec![t("z")],
            "{mode:?}: on_message only when none matches"
        );
        driven.stop();
        publisher.loop_stop(true);
    }
}

/// What the data-form callback saw: (its data, topic, Content Type property if any).
static DATA_HITS: Mutex<Vec<(usize, String, Option<String>)>> = Mutex::new(Vec::new());

unsafe extern "C" fn on_data(
    _: *mut mosquitto,
    _: *mut c_void,
    msg: *const mosquitto_message,
    props: *const culex::ffi::property::mosquitto_property,
    data: *mut c_void,
) {
    let topic = CStr::from_ptr((*msg).topic).to_string_lossy().into_owned();
    let mut value: *mut std::os::raw::c_char = std::ptr::null_mut();
    // 3: Content Type.
    let found = culex::ffi::property::mosquitto_property_read_string(props, 3, &mut value, false);
    let content_type = (!found.is_null()).then(|| {
        let s = CStr::from_ptr(value).to_string_lossy().into_owned();
        libc::free(value.cast());
        s
    });
    DATA_HITS
        .lock()
        .unwrap()
        .push((data as usize, topic, content_type));
}

#[test]
fn per_topic_callbacks_with_data_tell_their_filters_apart() {
    let broker = Broker::start(BrokerConfig::default());
    let base = unique("data");
    let sub = Client::new_v5(Some(&unique("sub")), true);
    let publisher = Client::new_v5(Some(&unique("pub")), true);
    assert_eq!(publisher.loop_start(), 0);
    assert_eq!(publisher.connect_v5(broker.port(), 60, std::ptr::null()), 0);
    assert_eq!(publisher.wait_connect(PROMPT), Some(0));
    // One function for both filters: only the data says which filter a call is for.
    for (filter, data) in [(format!("{base}/+/x"), 1usize), (format!("{base}/a/#"), 2)] {
        let rc = unsafe {
            culex_message_callback_add_data(
                sub.handle().0,
                c(&filter).as_ptr(),
                Some(on_data),
                data as *mut c_void,
            )
        };
        assert_eq!(rc, 0);
    }
    // Added again: the new data replaces the old.
    let again = c(&format!("{base}/+/x"));
    assert_eq!(
        unsafe {
            culex_message_callback_add_data(sub.handle().0, again.as_ptr(), Some(on_data), 11 as _)
        },
        0
    );
    assert_eq!(sub.connect_v5(broker.port(), 60, std::ptr::null()), 0);
    let driven = drive(&sub, Mode::LoopStart);
    assert_eq!(sub.wait_connect(PROMPT), Some(0));
    subscribe(&sub, &format!("{base}/#"));
    let typed = common::client::PropList::new().string(3, "text/plain");
    for t in ["a/x", "b/x", "a/y", "z"] {
        let props = if t == "a/y" {
            typed.as_ptr()
        } else {
            std::ptr::null()
        };
        publisher
            .publish_v5(&format!("{base}/{t}"), b"m", 1, false, props)
            .unwrap();
    }
    let mine = || -> Vec<(usize, String, Option<String>)> {
        DATA_HITS
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, topic, _)| topic.starts_with(&base))
            .cloned()
            .collect()
    };
    assert!(
        wait_until(PROMPT, || mine().len() == 4
            && fallback_topics(&sub).len() == 1),
        "{:?} / {:?}",
        mine(),
        fallback_topics(&sub)
    );
    let t = |s: &str| format!("{base}/{s}");
    assert_eq!(
        mine(),
        vec![
            (11, t("a/x"), None),
            (2, t("a/x"), None),
            (11, t("b/x"), None),
            (2, t("a/y"), Some("text/plain".to_owned())),
        ],
        "each matching filter once, with its own data, and the message's properties"
    );
    assert_eq!(fallback_topics(&sub), vec![t("z")]);
    assert_eq!(remove(sub.handle(), &format!("{base}/a/#")), 0);
    publisher
        .publish_v5(&t("a/q"), b"m", 1, false, std::ptr::null())
        .unwrap();
    assert!(wait_until(PROMPT, || fallback_topics(&sub).len() == 2));
    assert_eq!(
        mine().len(),
        4,
        "removed: the data form is gone with the filter"
    );
    driven.stop();
    publisher.loop_stop(true);
}

/// Every batch the batch callback got: (client, the topics and payloads in it, the Content
/// Type of each).
type Batch = Vec<(String, Vec<u8>, Option<String>)>;
static BATCHES: Mutex<Vec<(usize, Batch)>> = Mutex::new(Vec::new());

unsafe extern "C" fn on_batch(
    mosq: *mut mosquitto,
    _obj: *mut c_void,
    messages: *const mosquitto_message,
    properties: *const *const culex::ffi::property::mosquitto_property,
    count: c_int,
) {
    let mut batch = Vec::new();
    for i in 0..count as usize {
        let m = &*messages.add(i);
        let topic = CStr::from_ptr(m.topic).to_string_lossy().into_owned();
        let payload = if m.payload.is_null() {
            Vec::new()
        } else {
            std::slice::from_raw_parts(m.payload as *const u8, m.payloadlen as usize).to_vec()
        };
        let props = *properties.add(i);
        let mut value: *mut std::os::raw::c_char = std::ptr::null_mut();
        let found = !props.is_null()
            && !(culex::ffi::property::mosquitto_property_read_string(props, 3, &mut value, false)
                .is_null());
        let content_type = if !found {
            None
        } else {
            let s = CStr::from_ptr(value).to_string_lossy().into_owned();
            libc::free(value.cast());
            Some(s)
        };
        batch.push((topic, payload, content_type));
    }
    BATCHES.lock().unwrap().push((mosq as usize, batch));
}

#[test]
fn batched_messages_arrive_all_in_order_with_their_properties() {
    let broker = Broker::start(BrokerConfig::default());
    // QoS 1, 500 at once: these runs ended with DISCONNECT 0x93 (Receive Maximum exceeded)
    // while the session counted PUBACKs still in its buffer as unacknowledged; it counts as
    // libmosquitto does now (session/incoming.rs, check_receive_maximum).
    for mode in MODES {
        let base = unique("batch");
        let sub = Client::new_v5(Some(&unique("sub")), true);
        let publisher = Client::new_v5(Some(&unique("pub")), true);
        assert_eq!(publisher.loop_start(), 0);
        assert_eq!(publisher.connect_v5(broker.port(), 60, std::ptr::null()), 0);
        assert_eq!(publisher.wait_connect(PROMPT), Some(0));
        let id = sub.handle().0 as usize;
        assert_eq!(
            unsafe { culex_message_batch_callback_set(sub.handle().0, Some(on_batch)) },
            0
        );
        assert_eq!(sub.connect_v5(broker.port(), 60, std::ptr::null()), 0);
        let driven = drive(&sub, mode);
        assert_eq!(sub.wait_connect(PROMPT), Some(0));
        subscribe(&sub, &format!("{base}/#"));
        let typed = common::client::PropList::new().string(3, "text/plain");
        let n = 500;
        for i in 0..n {
            let props = if i % 7 == 0 {
                typed.as_ptr()
            } else {
                std::ptr::null()
            };
            publisher
                .publish_v5(
                    &format!("{base}/{i}"),
                    format!("{i}").as_bytes(),
                    1,
                    false,
                    props,
                )
                .unwrap();
        }
        let mine = || -> Vec<Batch> {
            BATCHES
                .lock()
                .unwrap()
                .iter()
                .filter(|(c, b)| *c == id && b.iter().all(|(t, _, _)| t.starts_with(&base)))
                .map(|(_, b)| b.clone())
                .collect()
        };
        assert!(
            wait_until(PROMPT, || mine().iter().map(Vec::len).sum::<usize>() == n),
            "{mode:?}: {} of {n}",
            mine().iter().map(Vec::len).sum::<usize>()
        );
        let all: Vec<_> = mine().into_iter().flatten().collect();
        for (i, (topic, payload, content_type)) in all.iter().enumerate() {
            assert_eq!(topic, &format!("{base}/{i}"), "{mode:?}: in order");
            assert_eq!(payload, format!("{i}").as_bytes());
            assert_eq!(
                content_type.is_some(),
                i % 7 == 0,
                "{mode:?}: message {i}'s properties"
            );
        }
        assert!(
            fallback_topics(&sub).is_empty(),
            "{mode:?}: on_message is not called while batching"
        );
        driven.stop();
        publisher.loop_stop(true);
    }
}

// Callbacks that change the per-topic callbacks while one runs: `add-here` adds one for
// `.../added`, `remove-me` removes itself.
static BASE: Mutex<String> = Mutex::new(String::new());

unsafe extern "C" fn adds_one(mosq: *mut mosquitto, _: *mut c_void, msg: *const mosquitto_message) {
    record(mosq, "adds_one", msg);
    let filter = c(&format!("{}/added", BASE.lock().unwrap()));
    assert_eq!(
        culex_message_callback_add(mosq, filter.as_ptr(), Some(on_x)),
        0
    );
}

unsafe extern "C" fn removes_itself(
    mosq: *mut mosquitto,
    _: *mut c_void,
    msg: *const mosquitto_message,
) {
    record(mosq, "removes_itself", msg);
    let filter = c(&format!("{}/remove-me", BASE.lock().unwrap()));
    assert_eq!(culex_message_callback_remove(mosq, filter.as_ptr()), 0);
}

#[test]
fn per_topic_callbacks_change_from_inside_callbacks_and_from_other_threads() {
    let broker = Broker::start(BrokerConfig::default());
    let base = unique("chg");
    *BASE.lock().unwrap() = base.clone();
    let (sub, publisher) = pair(&broker);
    assert_eq!(add(&sub, &format!("{base}/add-here"), Some(adds_one)), 0);
    assert_eq!(
        add(&sub, &format!("{base}/remove-me"), Some(removes_itself)),
        0
    );
    assert_eq!(sub.connect(broker.port(), 60), 0);
    let driven = drive(&sub, Mode::LoopStart);
    assert_eq!(sub.wait_connect(PROMPT), Some(0));
    subscribe(&sub, &format!("{base}/#"));
    let send = |t: &str| {
        publisher
            .publish(&format!("{base}/{t}"), b"m", 1, false)
            .unwrap()
    };
    let t = |s: &str| format!("{base}/{s}");
    send("add-here");
    send("remove-me");
    assert!(wait_until(PROMPT, || hits(&sub, &base).len() == 2));
    send("added");
    send("remove-me");
    assert!(wait_until(PROMPT, || hits(&sub, &base).len() == 3
        && fallback_topics(&sub).len() == 1));
    assert_eq!(
        hits(&sub, &base),
        vec![
            ("adds_one", t("add-here")),
            ("removes_itself", t("remove-me")),
            ("x", t("added"))
        ]
    );
    assert_eq!(
        fallback_topics(&sub),
        vec![t("remove-me")],
        "removed: back to on_message"
    );
    // From another thread while the loop thread delivers.
    let h = sub.handle();
    let other = std::thread::spawn(move || {
        let h = h;
        let f = c(&format!("{}/late", BASE.lock().unwrap()));
        unsafe { culex_message_callback_add(h.0, f.as_ptr(), Some(on_deep)) }
    });
    assert_eq!(other.join().unwrap(), 0);
    send("late");
    assert!(wait_until(PROMPT, || hits(&sub, &base).len() == 4));
    assert_eq!(hits(&sub, &base)[3], ("deep", t("late")));
    assert_eq!(remove(h, &format!("{base}/late")), 0);
    assert_eq!(remove(h, &format!("{base}/late")), MOSQ_ERR_NOT_FOUND);
    driven.stop();
    publisher.loop_stop(true);
}

// ---- manual acknowledgement ----

/// Reconnect `sub` (a persistent session) and collect for a moment what the broker sends again.
fn redelivered_after_reconnect(sub: &Client, broker: &Broker, before: usize) -> Vec<String> {
    let mark = broker.log_mark();
    assert_eq!(
        unsafe { culex::ffi::client::mosquitto_reconnect(sub.handle().0) },
        0
    );
    assert!(broker
        .wait_log_after(mark, "New client connected", PROMPT)
        .is_some());
    // The broker resends at once after CONNACK; a QoS 1 round trip after that is the horizon.
    let probe = format!(
        "{}/probe",
        sub.messages()[0].topic.rsplit_once('/').unwrap().0
    );
    let p = Client::new(Some(&unique("probe")), true);
    assert_eq!(p.loop_start(), 0);
    assert_eq!(p.connect(broker.port(), 60), 0);
    p.publish(&probe, b"p", 1, false).unwrap();
    assert!(wait_until(PROMPT, || sub
        .messages()
        .iter()
        .any(|m| m.topic == probe)));
    p.loop_stop(true);
    sub.messages()[before..]
        .iter()
        .filter(|m| m.topic != probe)
        .map(|m| m.topic.clone())
        .collect()
}

#[test]
fn manual_acks_hold_pubacks_until_the_application_acks_in_every_loop_mode() {
    let broker = Broker::start(BrokerConfig::default());
    for mode in MODES {
        let base = unique("ma");
        let id = unique("manual");
        let sub = Client::new(Some(&id), false);
        assert_eq!(unsafe { culex_manual_ack_set(sub.handle().0, true) }, 0);
        let publisher = Client::new(Some(&unique("pub")), true);
        assert_eq!(publisher.loop_start(), 0);
        assert_eq!(publisher.connect(broker.port(), 60), 0);
        assert_eq!(sub.connect(broker.port(), 60), 0);
        let driven = drive(&sub, mode);
        assert_eq!(sub.wait_connect(PROMPT), Some(0));
        let mid = sub.subscribe(&format!("{base}/#"), 2).unwrap();
        assert_eq!(sub.wait_suback(mid, PROMPT), Some(vec![2]));
        publisher
            .publish(&format!("{base}/q1"), b"1", 1, false)
            .unwrap();
        publisher
            .publish(&format!("{base}/q2"), b"2", 2, false)
            .unwrap();
        assert!(wait_until(PROMPT, || sub.messages().len() == 2), "{mode:?}");
        // Not acknowledged: after a reconnect the broker sends both again.
        let again = redelivered_after_reconnect(&sub, &broker, 2);
        assert_eq!(
            again,
            vec![format!("{base}/q1"), format!("{base}/q2")],
            "{mode:?}: unacknowledged messages come again"
        );
        // Acknowledge the redelivered ones, from this (another) thread, in reverse order.
        let msgs = sub.messages();
        let (m1, m2) = (&msgs[2], &msgs[3]);
        let h = sub.handle();
        assert_eq!(unsafe { culex_ack(h.0, m2.mid, 2) }, 0, "{mode:?}");
        assert_eq!(unsafe { culex_ack(h.0, m1.mid, 1) }, 0, "{mode:?}");
        assert_eq!(unsafe { culex_ack(h.0, m1.mid, 1) }, MOSQ_ERR_NOT_FOUND);
        // Acknowledged: nothing comes again, once the acknowledgements have left (the loop
        // thread writes them; this thread only queued them).
        let before = sub.messages().len();
        assert!(wait_until(PROMPT, || unsafe {
            !culex::ffi::client::mosquitto_want_write(h.0)
        }));
        let again = redelivered_after_reconnect(&sub, &broker, before);
        assert_eq!(
            again,
            Vec::<String>::new(),
            "{mode:?}: acknowledged messages stay done"
        );
        driven.stop();
        publisher.loop_stop(true);
    }
}

#[test]
fn unacknowledged_messages_hold_the_receive_maximum_a_real_broker_honours() {
    use culex::ffi::client::mosq_opt_t::MOSQ_OPT_RECEIVE_MAXIMUM;
    let broker = Broker::start(BrokerConfig::default());
    let base = unique("rm");
    let sub = Client::new_v5(Some(&unique("rm")), true);
    assert_eq!(sub.int_option(MOSQ_OPT_RECEIVE_MAXIMUM, 2), 0);
    assert_eq!(unsafe { culex_manual_ack_set(sub.handle().0, true) }, 0);
    assert_eq!(sub.connect_v5(broker.port(), 60, std::ptr::null()), 0);
    let driven = drive(&sub, Mode::LoopStart);
    assert_eq!(sub.wait_connect_v5(PROMPT).map(|c| c.0), Some(0));
    let mid = sub
        .subscribe_v5(&format!("{base}/#"), 1, 0, std::ptr::null())
        .unwrap();
    assert_eq!(sub.wait_suback_v5(mid, PROMPT), Some(vec![1]));
    let publisher = Client::new(Some(&unique("pub")), true);
    assert_eq!(publisher.loop_start(), 0);
    assert_eq!(publisher.connect(broker.port(), 60), 0);
    for i in 0..5 {
        publisher
            .publish(&format!("{base}/m{i}"), b"x", 1, false)
            .unwrap();
    }
    let topics = |sub: &Client| -> Vec<String> {
        sub.messages_v5().into_iter().map(|m| m.msg.topic).collect()
    };
    // The broker sends as many as the client announced, then waits for acknowledgements.
    assert!(wait_until(PROMPT, || topics(&sub).len() >= 2));
    // A QoS 0 message published after the five is not held by the window: once it is here, the
    // broker has had all five, and still sent only two of them.
    publisher
        .publish(&format!("{base}/probe"), b"p", 0, false)
        .unwrap();
    assert!(wait_until(PROMPT, || topics(&sub).contains(&format!("{base}/probe"))));
    let qos1: Vec<Msg5> = sub
        .messages_v5()
        .into_iter()
        .filter(|m| m.msg.qos == 1)
        .collect();
    assert_eq!(
        qos1.iter().map(|m| m.msg.topic.clone()).collect::<Vec<_>>(),
        vec![format!("{base}/m0"), format!("{base}/m1")]
    );
    // Each acknowledgement lets one more in, until all five are here.
    let h = sub.handle();
    let mut acked = 0;
    while acked < 5 {
        let waiting: Vec<Msg5> = sub
            .messages_v5()
            .into_iter()
            .filter(|m| m.msg.qos == 1)
            .collect();
        assert!(waiting.len() <= acked + 2, "{waiting:?}");
        if let Some(m) = waiting.get(acked) {
            assert_eq!(unsafe { culex_ack(h.0, m.msg.mid, 1) }, 0);
            acked += 1;
        } else {
            assert!(wait_until(PROMPT, || sub
                .messages_v5()
                .iter()
                .filter(|m| m.msg.qos == 1)
                .count()
                > acked));
        }
    }
    let order: Vec<String> = sub
        .messages_v5()
        .into_iter()
        .filter(|m| m.msg.qos == 1)
        .map(|m| m.msg.topic)
        .collect();
    assert_eq!(
        order,
        (0..5).map(|i| format!("{base}/m{i}")).collect::<Vec<_>>()
    );
    driven.stop();
    publisher.loop_stop(true);
}

static ACK_ERRORS: Mutex<Vec<c_int>> = Mutex::new(Vec::new());

#[test]
fn acks_work_from_inside_the_message_callback() {
    let broker = Broker::start(BrokerConfig::default());
    let base = unique("cb-ack");
    let sub = Client::new(Some(&unique("cb-ack")), false);
    assert_eq!(unsafe { culex_manual_ack_set(sub.handle().0, true) }, 0);
    sub.set_hook(Arc::new(|mosq, ev| {
        if let Ev::Message(m) = ev {
            let rc = unsafe { culex_ack(mosq, m.mid, m.qos) };
            ACK_ERRORS.lock().unwrap().push(rc);
        }
    }));
    assert_eq!(sub.connect(broker.port(), 60), 0);
    let driven = drive(&sub, Mode::Loop);
    assert_eq!(sub.wait_connect(PROMPT), Some(0));
    let mid = sub.subscribe(&format!("{base}/#"), 2).unwrap();
    assert!(sub.wait_suback(mid, PROMPT).is_some());
    let publisher = Client::new(Some(&unique("pub")), true);
    assert_eq!(publisher.loop_start(), 0);
    assert_eq!(publisher.connect(broker.port(), 60), 0);
    publisher
        .publish(&format!("{base}/a"), b"1", 1, false)
        .unwrap();
    publisher
        .publish(&format!("{base}/b"), b"2", 2, false)
        .unwrap();
    assert!(wait_until(PROMPT, || sub.messages().len() == 2));
    assert_eq!(*ACK_ERRORS.lock().unwrap(), vec![0, 0]);
    let again = redelivered_after_reconnect(&sub, &broker, 2);
    assert_eq!(again, Vec::<String>::new());
    driven.stop();
    publisher.loop_stop(true);
}

#[test]
fn an_ack_for_a_message_of_an_earlier_connection_is_refused() {
    let broker = Broker::start(BrokerConfig::default());
    let base = unique("old-ack");
    // A clean session: the broker forgets the unacknowledged message with the connection.
    let sub = Client::new(Some(&unique("old")), true);
    assert_eq!(unsafe { culex_manual_ack_set(sub.handle().0, true) }, 0);
    assert_eq!(sub.connect(broker.port(), 60), 0);
    let driven = drive(&sub, Mode::LoopStart);
    assert_eq!(sub.wait_connect(PROMPT), Some(0));
    subscribe(&sub, &format!("{base}/#"));
    let publisher = Client::new(Some(&unique("pub")), true);
    assert_eq!(publisher.loop_start(), 0);
    assert_eq!(publisher.connect(broker.port(), 60), 0);
    publisher
        .publish(&format!("{base}/a"), b"1", 1, false)
        .unwrap();
    assert!(wait_until(PROMPT, || sub.messages().len() == 1));
    let old = sub.messages()[0].mid;
    assert_eq!(
        unsafe { culex::ffi::client::mosquitto_reconnect(sub.handle().0) },
        0
    );
    assert!(wait_until(PROMPT, || sub
        .events()
        .snapshot()
        .iter()
        .filter(|e| matches!(e, Ev::Connect(0)))
        .count()
        == 2));
    assert_eq!(
        unsafe { culex_ack(sub.handle().0, old, 1) },
        MOSQ_ERR_NOT_FOUND
    );
    driven.stop();
    publisher.loop_stop(true);
}

// ---- the connection's life cycle ----

/// (client, event, value) for every life-cycle callback.
static LIFE: Mutex<Vec<(usize, &'static str, c_int)>> = Mutex::new(Vec::new());

fn life(h: Handle) -> Vec<(&'static str, c_int)> {
    LIFE.lock()
        .unwrap()
        .iter()
        .filter(|(k, _, _)| *k == h.0 as usize)
        .map(|(_, e, v)| (*e, *v))
        .collect()
}

unsafe extern "C" fn pre_connect(mosq: *mut mosquitto, _: *mut c_void) {
    LIFE.lock().unwrap().push((mosq as usize, "pre_connect", 0));
}

unsafe extern "C" fn connect_fail(mosq: *mut mosquitto, _: *mut c_void, rc: c_int) {
    LIFE.lock()
        .unwrap()
        .push((mosq as usize, "connect_fail", rc));
}

fn set_life(h: Handle) {
    // A freed handle's address can come back for the next client: forget what the earlier one
    // saw.
    LIFE.lock().unwrap().retain(|(k, _, _)| *k != h.0 as usize);
    unsafe {
        culex_pre_connect_callback_set(h.0, Some(pre_connect));
        culex_connect_fail_callback_set(h.0, Some(connect_fail));
    }
}

/// Whether `mode` takes a lost connection up again by itself (libmosquitto's
/// `mosquitto_loop_forever` and `mosquitto_loop_start` do; a host calling `mosquitto_loop` or
/// driving the socket itself calls `mosquitto_reconnect`).
fn reconnects_by_itself(mode: Mode) -> bool {
    matches!(mode, Mode::LoopStart | Mode::LoopForever)
}

fn connects(client: &Client) -> usize {
    client
        .events()
        .snapshot()
        .iter()
        .filter(|e| matches!(e, Ev::Connect(0)))
        .count()
}

fn count(h: Handle, event: &str) -> usize {
    life(h).iter().filter(|(e, _)| *e == event).count()
}

#[test]
fn pre_connect_comes_before_every_attempt_including_automatic_reconnects_in_every_mode() {
    for mode in MODES {
        let mut broker = Broker::start(BrokerConfig::default());
        let client = Client::new(Some(&unique("pre")), true);
        set_life(client.handle());
        assert_eq!(client.reconnect_delay_set(1, 1, false), 0);
        assert_eq!(client.connect(broker.port(), 60), 0);
        let driven = drive(&client, mode);
        assert_eq!(client.wait_connect(PROMPT), Some(0));
        assert_eq!(life(client.handle()), vec![("pre_connect", 0)], "{mode:?}");
        broker.restart();
        if !reconnects_by_itself(mode) {
            assert!(client.wait_disconnect(PROMPT).is_some(), "{mode:?}");
            let rc = unsafe { culex::ffi::client::mosquitto_reconnect(client.handle().0) };
            assert_eq!(rc, 0, "{mode:?}");
        }
        assert!(
            wait_until(Duration::from_secs(10), || connects(&client) == 2),
            "{mode:?}: no reconnect"
        );
        assert!(
            count(client.handle(), "pre_connect") >= 2,
            "{mode:?}: {:?}",
            life(client.handle())
        );
        driven.stop();
    }
}

#[test]
fn connect_fail_comes_for_every_failed_attempt_in_every_mode() {
    // Nothing listens: every attempt fails at TCP.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    for mode in MODES {
        let client = Client::new(Some(&unique("fail")), true);
        set_life(client.handle());
        assert_eq!(client.reconnect_delay_set(1, 1, false), 0);
        assert_eq!(client.connect_async(port, 60), 0);
        let driven = drive(&client, mode);
        let h = client.handle();
        assert!(
            wait_until(PROMPT, || count(h, "connect_fail") >= 1),
            "{mode:?}: {:?}",
            life(h)
        );
        if !reconnects_by_itself(mode) {
            assert_eq!(
                unsafe { culex::ffi::client::mosquitto_reconnect_async(h.0) },
                0
            );
        }
        assert!(
            wait_until(PROMPT, || count(h, "connect_fail") >= 2),
            "{mode:?}: {:?}",
            life(h)
        );
        let fails: Vec<c_int> = life(h)
            .into_iter()
            .filter(|(e, _)| *e == "connect_fail")
            .map(|(_, rc)| rc)
            .collect();
        assert!(
            fails.iter().all(|&rc| rc == MOSQ_ERR_ERRNO),
            "{mode:?}: MOSQ_ERR_ERRNO (ECONNREFUSED): {fails:?}"
        );
        // Every failure came after the pre-connect of its own attempt.
        assert!(
            count(h, "pre_connect") >= fails.len(),
            "{mode:?}: {:?}",
            life(h)
        );
        assert_eq!(connects(&client), 0);
        driven.stop();
    }
}

/// The first connect-fail reason of a client connecting with `mosquitto_connect_async` to
/// `host:port` (after `setup`), driven by `mosquitto_loop_start`.
fn first_failure(host: &str, port: u16, setup: impl FnOnce(&Client)) -> c_int {
    let client = Client::new(Some(&unique("why")), true);
    set_life(client.handle());
    setup(&client);
    let h = client.handle();
    let rc = unsafe {
        culex::ffi::client::mosquitto_connect_async(h.0, c(host).as_ptr(), c_int::from(port), 60)
    };
    assert_eq!(rc, 0, "{host}");
    let driven = drive(&client, Mode::LoopStart);
    assert!(
        wait_until(Duration::from_secs(10), || count(h, "connect_fail") >= 1),
        "{host}: {:?}",
        life(h)
    );
    driven.stop();
    assert_eq!(connects(&client), 0);
    life(h)
        .into_iter()
        .find(|(e, _)| *e == "connect_fail")
        .map(|(_, rc)| rc)
        .unwrap()
}

#[test]
fn connect_fail_names_the_stage_that_failed() {
    // DNS: a name that cannot resolve.
    assert_eq!(
        first_failure("culex-no-such-host.invalid", 1883, |_| {}),
        MOSQ_ERR_EAI,
        "DNS"
    );

    // TLS: a broker whose certificate the client's CA did not sign.
    let certs = Certs::new();
    let other = Certs::new();
    let mut config = BrokerConfig::default();
    for line in certs.listener_lines(&certs.server) {
        config = config.line(&line);
    }
    let broker = Broker::start(config);
    let ca = c(other.ca.to_str().unwrap());
    let tls = first_failure("localhost", broker.port(), |client| unsafe {
        let rc = culex::ffi::tls::mosquitto_tls_set(
            client.handle().0,
            ca.as_ptr(),
            std::ptr::null(),
            std::ptr::null(),
            std::ptr::null(),
            None,
        );
        assert_eq!(rc, 0);
    });
    assert_eq!(tls, MOSQ_ERR_TLS, "TLS");

    // Proxy: a SOCKS5 proxy that accepts none of the client's authentication methods.
    let fake = FakeBroker::bind();
    let proxy = fake.spawn(|fake| {
        let mut conn = fake.accept();
        // VER, NMETHODS, then that many methods.
        let head = conn.read_bytes(2);
        let _methods = conn.read_bytes(usize::from(head[1]));
        conn.write(&[5, 0xFF]);
        conn.drain(Duration::from_secs(1));
    });
    let proxy_port = proxy.port();
    let refused = first_failure("127.0.0.1", 1883, |client| unsafe {
        let rc = culex::ffi::client::mosquitto_socks5_set(
            client.handle().0,
            c("127.0.0.1").as_ptr(),
            c_int::from(proxy_port),
            std::ptr::null(),
            std::ptr::null(),
        );
        assert_eq!(rc, 0);
    });
    assert_eq!(refused, MOSQ_ERR_PROXY, "proxy");
    proxy.join();
}

#[test]
fn a_silent_broker_fails_the_attempt_at_the_connect_timeout() {
    // A listener that takes the connection and never answers CONNECT.
    let fake = FakeBroker::bind();
    let silent = fake.spawn(|fake| {
        let mut conn = fake.accept();
        let _ = conn.read_packet();
        conn.drain(Duration::from_secs(3));
    });
    let client = Client::new(Some(&unique("slow")), true);
    set_life(client.handle());
    assert_eq!(
        unsafe { culex_connect_timeout_set(client.handle().0, 300) },
        0
    );
    assert_eq!(
        unsafe { culex_connect_timeout_set(client.handle().0, 0) },
        3
    );
    let started = Instant::now();
    assert_eq!(client.connect(silent.port(), 60), 0);
    let driven = drive(&client, Mode::Loop);
    assert!(wait_until(PROMPT, || life(client.handle())
        .contains(&("connect_fail", MOSQ_ERR_TIMEOUT))));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    driven.stop();
    drop(client);
    silent.join();
}

#[test]
fn is_connected_and_the_socket_state_follow_the_connection() {
    let broker = Broker::start(BrokerConfig::default());
    let client = Client::new(Some(&unique("state")), true);
    let h = client.handle();
    assert!(!unsafe { culex_is_connected(h.0) });
    assert_eq!(unsafe { culex_socket_state(h.0) }, 0, "none");
    assert_eq!(client.connect(broker.port(), 60), 0);
    assert_eq!(
        unsafe { culex_socket_state(h.0) },
        5,
        "CONNECT sent, awaiting CONNACK"
    );
    let driven = drive(&client, Mode::LoopStart);
    assert_eq!(client.wait_connect(PROMPT), Some(0));
    assert!(unsafe { culex_is_connected(h.0) });
    assert_eq!(unsafe { culex_socket_state(h.0) }, 6, "connected");
    assert_eq!(client.disconnect(), 0);
    assert!(!unsafe { culex_is_connected(h.0) });
    assert!(client.wait_disconnect(PROMPT).is_some());
    assert_eq!(unsafe { culex_socket_state(h.0) }, 0);
    assert_eq!(unsafe { culex_socket_state(std::ptr::null_mut()) }, -1);
    assert_eq!(unsafe { culex_reconnect_jitter_set(h.0, 30) }, 0);
    assert_eq!(unsafe { culex_reconnect_jitter_set(h.0, 101) }, 3);
    driven.stop();
}

// ---- the socket callbacks: an epoll host that never asks want_write ----

struct Host {
    epoll: c_int,
    /// (event, descriptor) in order.
    seen: Vec<(&'static str, c_int)>,
    /// epoll_ctl calls that failed (a descriptor already closed, or never added).
    failed_ctl: usize,
}

unsafe fn host<'a>(obj: *mut c_void) -> &'a mut Host {
    &mut *(obj as *mut Host)
}

unsafe fn epoll_set(h: &mut Host, op: c_int, fd: c_int, events: u32) {
    let mut ev = libc::epoll_event {
        events,
        u64: fd as u64,
    };
    if libc::epoll_ctl(h.epoll, op, fd, &mut ev) != 0 {
        h.failed_ctl += 1;
    }
}

unsafe extern "C" fn sock_open(_: *mut mosquitto, obj: *mut c_void, fd: c_int) {
    let h = host(obj);
    h.seen.push(("open", fd));
    epoll_set(h, libc::EPOLL_CTL_ADD, fd, libc::EPOLLIN as u32);
}

unsafe extern "C" fn sock_close(_: *mut mosquitto, obj: *mut c_void, fd: c_int) {
    let h = host(obj);
    h.seen.push(("close", fd));
    // Still open: the library closes it after this callback.
    epoll_set(h, libc::EPOLL_CTL_DEL, fd, 0);
}

unsafe extern "C" fn sock_write(_: *mut mosquitto, obj: *mut c_void, fd: c_int) {
    let h = host(obj);
    h.seen.push(("register_write", fd));
    epoll_set(
        h,
        libc::EPOLL_CTL_MOD,
        fd,
        (libc::EPOLLIN | libc::EPOLLOUT) as u32,
    );
}

unsafe extern "C" fn sock_unwrite(_: *mut mosquitto, obj: *mut c_void, fd: c_int) {
    let h = host(obj);
    h.seen.push(("unregister_write", fd));
    epoll_set(h, libc::EPOLL_CTL_MOD, fd, libc::EPOLLIN as u32);
}

#[test]
fn an_epoll_host_driven_by_the_socket_callbacks_alone_publishes_and_receives() {
    use culex::ffi::callbacks::*;
    use culex::ffi::client::loops::*;
    use culex::ffi::client::*;
    let broker = Broker::start(BrokerConfig::default());
    let topic = unique("epoll");
    let mut state = Host {
        epoll: unsafe { libc::epoll_create1(0) },
        seen: Vec::new(),
        failed_ctl: 0,
    };
    static GOT: Mutex<Vec<String>> = Mutex::new(Vec::new());
    static PUBLISHED: Mutex<Vec<c_int>> = Mutex::new(Vec::new());
    unsafe extern "C" fn on_msg(_: *mut mosquitto, _: *mut c_void, m: *const mosquitto_message) {
        let m = &*m;
        let p = std::slice::from_raw_parts(m.payload as *const u8, m.payloadlen as usize);
        GOT.lock()
            .unwrap()
            .push(String::from_utf8_lossy(p).into_owned());
    }
    unsafe extern "C" fn on_pub(_: *mut mosquitto, _: *mut c_void, mid: c_int) {
        PUBLISHED.lock().unwrap().push(mid);
    }
    unsafe {
        let id = c(&unique("epoll"));
        let mosq = mosquitto_new(id.as_ptr(), true, &mut state as *mut Host as *mut c_void);
        culex_socket_open_callback_set(mosq, Some(sock_open));
        culex_socket_close_callback_set(mosq, Some(sock_close));
        culex_socket_register_write_callback_set(mosq, Some(sock_write));
        culex_socket_unregister_write_callback_set(mosq, Some(sock_unwrite));
        mosquitto_message_callback_set(mosq, Some(on_msg));
        mosquitto_publish_callback_set(mosq, Some(on_pub));
        let host_name = c("127.0.0.1");
        assert_eq!(
            mosquitto_connect_async(mosq, host_name.as_ptr(), c_int::from(broker.port()), 60),
            MOSQ_ERR_SUCCESS
        );
        let t = c(&topic);
        let mut subscribed = false;
        let mut sent = 0;
        let deadline = Instant::now() + Duration::from_secs(10);
        while GOT.lock().unwrap().len() < 20 && Instant::now() < deadline {
            let mut events = [libc::epoll_event { events: 0, u64: 0 }; 4];
            let n = libc::epoll_wait(state.epoll, events.as_mut_ptr(), 4, 100);
            for ev in &events[..n.max(0) as usize] {
                if ev.events & (libc::EPOLLIN | libc::EPOLLERR | libc::EPOLLHUP) as u32 != 0 {
                    mosquitto_loop_read(mosq, 1);
                }
                if ev.events & libc::EPOLLOUT as u32 != 0 {
                    mosquitto_loop_write(mosq, 1);
                }
            }
            mosquitto_loop_misc(mosq);
            if culex_is_connected(mosq) && !subscribed {
                assert_eq!(
                    mosquitto_subscribe(mosq, std::ptr::null_mut(), t.as_ptr(), 1),
                    0
                );
                subscribed = true;
            }
            // A burst of publishes now and then: only the callbacks say when to write.
            if subscribed && sent < 20 && n == 0 {
                for _ in 0..5 {
                    let body = format!("m{sent}");
                    let mut mid = 0;
                    mosquitto_publish(
                        mosq,
                        &mut mid,
                        t.as_ptr(),
                        body.len() as c_int,
                        body.as_ptr() as *const c_void,
                        1,
                        false,
                    );
                    sent += 1;
                }
            }
        }
        assert_eq!(GOT.lock().unwrap().len(), 20, "{:?}", state.seen);
        assert_eq!(PUBLISHED.lock().unwrap().len(), 20);
        mosquitto_disconnect(mosq);
        for _ in 0..20 {
            if mosquitto_socket(mosq) < 0 {
                break;
            }
            mosquitto_loop_write(mosq, 1);
            mosquitto_loop_read(mosq, 1);
        }
        mosquitto_destroy(mosq);
        libc::close(state.epoll);
    }
    let got = GOT.lock().unwrap().clone();
    assert_eq!(got, (0..20).map(|i| format!("m{i}")).collect::<Vec<_>>());
    // Paho's order: open, then register/unregister pairs, then close, one socket.
    let seen = &state.seen;
    assert_eq!(seen.first().map(|e| e.0), Some("open"), "{seen:?}");
    assert_eq!(seen.last().map(|e| e.0), Some("close"), "{seen:?}");
    let middle: Vec<&str> = seen[1..seen.len() - 1].iter().map(|e| e.0).collect();
    assert!(!middle.is_empty() && middle.len() % 2 == 0, "{seen:?}");
    for pair in middle.chunks(2) {
        assert_eq!(pair, ["register_write", "unregister_write"], "{seen:?}");
    }
    assert!(
        seen.iter().all(|e| e.1 == seen[0].1),
        "one socket: {seen:?}"
    );
    assert_eq!(
        state.failed_ctl, 0,
        "every descriptor was open when the host changed its registration: {seen:?}"
    );
}
