//! MQTT 3.1 (protocol name "MQIsdp", level 3) against a real mosquitto broker: the CONNECT on
//! the wire, connect, publish/subscribe at every QoS, a will, and the MQTT 5-only API refused.

mod common;

use common::broker::{Broker, BrokerConfig};
use common::client::{messages, Client, Ev, PropList, MOSQ_ERR_SUCCESS};
use common::fake_broker::{FakeBroker, CONNECT};
use common::{unique, PROMPT};
use culex::ffi::client::MQTT_PROTOCOL_V31;

const MOSQ_ERR_NOT_SUPPORTED: i32 = 10;

/// An MQTT 3.1 client handle.
fn v31(id: &str) -> Client {
    Client::with_protocol(Some(id), true, MQTT_PROTOCOL_V31)
}

/// An MQTT 3.1 client connected to `port` and driven by `loop_start`.
fn started_v31(port: u16, id: &str) -> Client {
    let c = v31(id);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(c.connect(port, 60), 0);
    assert_eq!(c.wait_connect(PROMPT), Some(0), "{id}: on_connect rc");
    c
}

fn finish(c: Client) {
    assert_eq!(c.disconnect(), 0);
    assert_eq!(c.wait_disconnect(PROMPT), Some(0));
    assert_eq!(c.loop_stop(false), 0);
}

#[test]
fn connect_packet_names_mqisdp_level_3() {
    let fake = FakeBroker::bind().spawn(|fake| {
        let mut conn = fake.accept();
        let connect = conn.expect_packet(CONNECT);
        conn.send_connack(false, 0);
        connect.body().to_vec()
    });
    let c = v31("v31-wire");
    assert_eq!(c.loop_start(), 0);
    assert_eq!(c.connect(fake.port(), 42), 0);
    let body = fake.join();
    assert_eq!(c.wait_connect(PROMPT), Some(0));
    // Protocol name "MQIsdp", level 3, flags clean session, keepalive 42, client id.
    let mut want = vec![0, 6];
    want.extend_from_slice(b"MQIsdp");
    want.extend_from_slice(&[3, 0x02, 0, 42, 0, 8]);
    want.extend_from_slice(b"v31-wire");
    assert_eq!(body, want, "CONNECT variable header and payload");
    assert_eq!(c.loop_stop(true), 0);
}

#[test]
fn broker_sees_protocol_31() {
    let broker = Broker::start(BrokerConfig::default());
    let id = unique("v31-connect");
    let c = started_v31(broker.port(), &id);
    // mosquitto logs the protocol as p1 (MQTT 3.1), p2 (3.1.1) or p5.
    let line = broker
        .wait_log(&format!("as {id} (p"), PROMPT)
        .unwrap_or_else(|| panic!("no connect line for {id}:\n{}", broker.log()));
    assert!(line.contains(" (p1, c1, k60)"), "{line}");
    finish(c);
    assert!(broker
        .wait_log(&format!("Client {id} disconnected."), PROMPT)
        .is_some());
}

#[test]
fn every_qos_between_two_31_clients() {
    let broker = Broker::start(BrokerConfig::default());
    let base = unique("v31-qos");
    let sub = started_v31(broker.port(), &unique("v31-sub"));
    for s in 0..3 {
        let mid = sub.subscribe(&format!("{base}/s{s}/+"), s).unwrap();
        assert_eq!(sub.wait_suback(mid, PROMPT), Some(vec![s]));
    }
    let publisher = started_v31(broker.port(), &unique("v31-pub"));
    let mut mids = Vec::new();
    for s in 0..3 {
        for p in 0..3 {
            let topic = format!("{base}/s{s}/p{p}");
            mids.push(
                publisher
                    .publish(&topic, format!("s{s}p{p}").as_bytes(), p, false)
                    .unwrap(),
            );
        }
    }
    assert!(
        publisher.events().wait_until(PROMPT, |evs| mids
            .iter()
            .all(|m| evs.contains(&Ev::Publish(*m)))),
        "on_publish for every mid: {:?}",
        publisher.events().snapshot()
    );
    assert!(
        sub.events()
            .wait_until(PROMPT, |evs| messages(evs).len() >= 9),
        "{:?}",
        sub.messages()
    );
    // A sentinel behind everything: duplicates would have arrived before it.
    let end = format!("{base}/s2/end");
    publisher.publish(&end, b"end", 2, false).unwrap();
    assert!(sub.wait_message(PROMPT, |m| m.topic == end).is_some());
    let got: Vec<_> = sub
        .messages()
        .into_iter()
        .filter(|m| m.topic != end)
        .collect();
    assert_eq!(got.len(), 9, "{got:?}");
    for s in 0..3 {
        for p in 0..3 {
            let topic = format!("{base}/s{s}/p{p}");
            let m = got.iter().find(|m| m.topic == topic).expect(&topic);
            assert_eq!(m.payload, format!("s{s}p{p}").into_bytes());
            assert_eq!(m.qos, s.min(p), "QoS of {topic}");
        }
    }
    finish(publisher);
    finish(sub);
}

#[test]
fn will_of_a_31_client() {
    let broker = Broker::start(BrokerConfig::default());
    let topic = unique("v31-will");
    let obs = started_v31(broker.port(), &unique("v31-observer"));
    let mid = obs.subscribe(&topic, 1).unwrap();
    assert_eq!(obs.wait_suback(mid, PROMPT), Some(vec![1]));

    let c = v31(&unique("v31-will-client"));
    assert_eq!(c.will_set(&topic, b"v31 gone", 1, true), 0);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(c.connect(broker.port(), 60), 0);
    assert_eq!(c.wait_connect(PROMPT), Some(0));
    // mosquitto_destroy sends no DISCONNECT: the broker publishes the will.
    drop(c);
    let m = obs
        .wait_message(PROMPT, |m| m.topic == topic)
        .unwrap_or_else(|| panic!("no will: {:?}", obs.messages()));
    assert_eq!(m.payload, b"v31 gone");
    assert_eq!(m.qos, 1);
    // Retained: a later subscriber gets it too.
    let late = started_v31(broker.port(), &unique("v31-late"));
    let mid = late.subscribe(&topic, 1).unwrap();
    assert_eq!(late.wait_suback(mid, PROMPT), Some(vec![1]));
    let m = late
        .wait_message(PROMPT, |m| m.topic == topic)
        .expect("retained will");
    assert!(m.retain);
    assert_eq!(m.payload, b"v31 gone");
    finish(late);
    finish(obs);
}

#[test]
fn client_id_longer_than_23_bytes_is_sent_as_is() {
    // MQTT 3.1 limits client ids to 23 bytes; Culex sends longer ones anyway (as documented
    // for MOSQ_OPT_PROTOCOL_VERSION) and mosquitto 2.0 accepts them.
    let broker = Broker::start(BrokerConfig::default());
    let id = format!("{}-0123456789abcdef", unique("v31-long"));
    assert!(id.len() > 23);
    let c = started_v31(broker.port(), &id);
    assert!(broker.wait_log(&format!("as {id} (p1,"), PROMPT).is_some());
    finish(c);
}

#[test]
fn mqtt5_properties_are_refused_on_31() {
    let c = v31(&unique("v31-props"));
    let props = PropList::new().user("k", "v");
    assert_eq!(
        c.will_set_v5("t", b"x", 0, false, props.as_ptr() as *mut _),
        MOSQ_ERR_NOT_SUPPORTED
    );
    // The list stays the caller's after a failure: `props` frees it.
    assert_eq!(
        c.will_set_v5("t", b"x", 0, false, std::ptr::null_mut()),
        MOSQ_ERR_SUCCESS
    );
    assert_eq!(
        c.subscribe_v5("t", 0, 0, props.as_ptr()),
        Err(MOSQ_ERR_NOT_SUPPORTED)
    );
}
