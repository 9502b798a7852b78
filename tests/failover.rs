//! `culex_server_list_set`: a list of brokers with failover, against two real mosquitto brokers.
//!
//! - The first broker stops in the middle of a burst of QoS 1 and 2 messages: the client moves to
//!   the second (after the reconnect backoff), and every message arrives at a subscriber of one
//!   broker or the other (the one on the first broker has a persistent session there, so what the
//!   first broker took before it stopped reaches it after the restart). With the return to the
//!   preferred entry on, the client goes back to the first broker once it is up again, without
//!   losing messages that way either.
//! - An entry that refuses the connection is skipped in the external-loop mode too, and every
//!   attempt is reported (`on_connect_fail` / `on_connect`) with `culex_server_current()` naming
//!   its entry.

// These tests drive the C API, where every call is unsafe by nature and its contract is the
// test's own; the crate's unsafe_op_in_unsafe_fn / undocumented_unsafe_blocks rules are for src/.
#![allow(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod common;

use std::collections::BTreeSet;
use std::ffi::CString;
use std::os::raw::{c_int, c_void};
use std::sync::{Arc, Mutex};

use common::broker::{Broker, BrokerConfig};
use common::client::{Client, Ev};
use common::drive::{drive_reconnecting, Mode};
use common::{free_port, unique, DEFAULT_TIMEOUT, PROMPT};
use culex::ffi::client::mosquitto_reconnect_async;
use culex::ffi::culex::*;
use culex::ffi::handle::mosquitto;

/// (handle, rc, entry) of every `on_connect_fail`, for all tests of this binary.
static FAILS: Mutex<Vec<(usize, i32, i32)>> = Mutex::new(Vec::new());

unsafe extern "C" fn on_connect_fail(mosq: *mut mosquitto, _: *mut c_void, rc: c_int) {
    let entry = culex_server_current(mosq);
    FAILS.lock().unwrap().push((mosq as usize, rc, entry));
}

fn fails_of(c: &Client) -> Vec<(i32, i32)> {
    FAILS
        .lock()
        .unwrap()
        .iter()
        .filter(|(m, _, _)| *m == c.mosq as usize)
        .map(|(_, rc, entry)| (*rc, *entry))
        .collect()
}

/// (rc, entry) of each `on_connect` of one client.
type Connects = Arc<Mutex<Vec<(i32, i32)>>>;

/// A client whose `on_connect` records the entry it connected to.
fn listed_client(tag: &str, servers: &[(String, u16)]) -> (Client, Connects) {
    let client = Client::new(Some(&unique(tag)), true);
    let connects = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&connects);
    client.set_hook(Arc::new(move |mosq, ev| {
        if let Ev::Connect(rc) = ev {
            seen.lock()
                .unwrap()
                .push((*rc, unsafe { culex_server_current(mosq) }));
        }
    }));
    unsafe { culex_connect_fail_callback_set(client.mosq, Some(on_connect_fail)) };
    let hosts: Vec<CString> = servers
        .iter()
        .map(|(h, _)| CString::new(h.as_str()).unwrap())
        .collect();
    let list: Vec<culex_server> = servers
        .iter()
        .zip(&hosts)
        .map(|((_, port), host)| culex_server {
            host: host.as_ptr(),
            port: c_int::from(*port),
            transport: culex_transport_t::CULEX_TRANSPORT_TCP as c_int,
        })
        .collect();
    assert_eq!(
        unsafe { culex_server_list_set(client.mosq, list.as_ptr(), list.len() as c_int) },
        0
    );
    assert_eq!(client.reconnect_delay_set(1, 1, false), 0);
    (client, connects)
}

/// A subscriber to `topic` at QoS 2 on `broker` (persistent when `id` is given), driven by its
/// own thread and reconnecting.
fn subscriber(broker: &Broker, topic: &str, id: Option<&str>) -> Client {
    let sub = match id {
        Some(id) => Client::new(Some(id), false),
        None => Client::new(Some(&unique("failover-sub")), true),
    };
    assert_eq!(sub.reconnect_delay_set(1, 1, false), 0);
    assert_eq!(sub.connect(broker.port(), 30), 0);
    assert_eq!(sub.loop_start(), 0);
    assert_eq!(sub.wait_connect(PROMPT), Some(0));
    let mid = sub.subscribe(topic, 2).unwrap();
    assert_eq!(sub.wait_suback(mid, PROMPT), Some(vec![2]));
    sub
}

fn payloads(c: &Client, topic: &str) -> BTreeSet<String> {
    c.messages()
        .into_iter()
        .filter(|m| m.topic == topic)
        .map(|m| String::from_utf8(m.payload).unwrap())
        .collect()
}

/// Publish `range` on `topic`, odd numbers at QoS 1, even at QoS 2 (queued while offline).
fn burst(c: &Client, topic: &str, range: std::ops::Range<u32>) -> Vec<String> {
    range
        .map(|i| {
            let payload = format!("m{i:04}");
            c.publish(
                topic,
                payload.as_bytes(),
                if i % 2 == 1 { 1 } else { 2 },
                false,
            )
            .expect("publish (queued while offline)");
            payload
        })
        .collect()
}

/// Wait until every one of `sent` arrived at `a` or `b`; the missing ones otherwise.
fn missing(sent: &[String], a: &Client, b: &Client, topic: &str) -> Vec<String> {
    let mut missing = Vec::new();
    common::wait_until(DEFAULT_TIMEOUT * 2, || {
        let got: BTreeSet<String> = payloads(a, topic)
            .union(&payloads(b, topic))
            .cloned()
            .collect();
        missing = sent.iter().filter(|p| !got.contains(*p)).cloned().collect();
        missing.is_empty()
    });
    missing
}

#[test]
fn failover_without_loss_and_back_to_the_preferred_broker() {
    let mut first = Broker::start(BrokerConfig::default().persistence(true));
    let second = Broker::start(BrokerConfig::default());
    let topic = unique("failover/t");
    let sub_first = subscriber(&first, &topic, Some(&unique("failover-persistent")));
    let sub_second = subscriber(&second, &topic, None);
    let (client, connects) = listed_client(
        "failover",
        &[
            ("127.0.0.1".into(), first.port()),
            ("127.0.0.1".into(), second.port()),
        ],
    );
    assert_eq!(
        unsafe { culex_server_prefer_first_set(client.mosq, 300) },
        0
    );
    assert_eq!(unsafe { mosquitto_reconnect_async(client.mosq) }, 0);
    assert_eq!(client.loop_start(), 0);
    assert_eq!(client.wait_connect(PROMPT), Some(0));
    assert_eq!(
        connects.lock().unwrap()[0],
        (0, 0),
        "connected to entry 0 first"
    );

    // A burst, and the first broker stops while it is in flight.
    let mut sent = burst(&client, &topic, 0..200);
    first.stop();
    sent.extend(burst(&client, &topic, 200..300));
    assert!(
        client.events().wait_until(DEFAULT_TIMEOUT, |evs| {
            evs.iter().filter(|e| **e == Ev::Connect(0)).count() >= 2
        }),
        "no failover: {:?}",
        client.events().snapshot()
    );
    assert_eq!(connects.lock().unwrap()[1], (0, 1), "then to entry 1");
    assert_eq!(unsafe { culex_server_current(client.mosq) }, 1);
    sent.extend(burst(&client, &topic, 300..400));

    // The first broker is back: the client returns to it (and the persistent subscriber gets
    // what the first broker had taken before it stopped).
    first.restart();
    assert!(
        client.events().wait_until(DEFAULT_TIMEOUT, |evs| {
            evs.iter().filter(|e| **e == Ev::Connect(0)).count() >= 3
        }),
        "did not return to the first broker: {:?}",
        client.events().snapshot()
    );
    assert_eq!(connects.lock().unwrap()[2], (0, 0), "back on entry 0");
    sent.extend(burst(&client, &topic, 400..500));
    let lost = missing(&sent, &sub_first, &sub_second, &topic);
    assert!(
        lost.is_empty(),
        "{} of {} messages lost: {:?}",
        lost.len(),
        sent.len(),
        &lost[..lost.len().min(20)]
    );
    // The move back went through DISCONNECT: a clean end for on_disconnect.
    assert!(client.events().snapshot().contains(&Ev::Disconnect(0)));
    assert_eq!(client.disconnect(), 0);
    assert_eq!(client.loop_stop(false), 0);
    sub_first.loop_stop(true);
    sub_second.loop_stop(true);
}

#[test]
fn a_refusing_entry_is_skipped_in_the_external_loop_and_each_attempt_reported() {
    let broker = Broker::start(BrokerConfig::default());
    let dead = free_port();
    let (client, connects) = listed_client(
        "failover-external",
        &[
            ("127.0.0.1".into(), dead),
            ("localhost".into(), broker.port()),
        ],
    );
    assert_eq!(unsafe { mosquitto_reconnect_async(client.mosq) }, 0);
    let driven = drive_reconnecting(&client, Mode::External);
    assert_eq!(
        client.wait_connect(DEFAULT_TIMEOUT),
        Some(0),
        "{:?}",
        fails_of(&client)
    );
    driven.stop();
    assert_eq!(connects.lock().unwrap().as_slice(), [(0, 1)]);
    let fails = fails_of(&client);
    assert!(
        !fails.is_empty() && fails.iter().all(|(_, entry)| *entry == 0),
        "{fails:?}"
    );
    assert_eq!(unsafe { culex_server_current(client.mosq) }, 1);
    // A connect call naming a broker replaces the list.
    assert_eq!(client.connect(broker.port(), 30), 0);
    assert_eq!(unsafe { culex_server_current(client.mosq) }, -1);
}
