//! Publish/subscribe against a real mosquitto broker: every QoS combination between two Culex
//! clients, both directions with mosquitto's own command-line clients, and retained messages.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use common::broker::{Broker, BrokerConfig};
use common::client::{messages, Client, Ev};
use common::events::EventLog;
use common::{run_command, unique, PROMPT};

/// A connected client driven by `loop_start`.
fn started(port: u16, id: &str) -> Client {
    let c = Client::new(Some(id), true);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(c.connect(port, 60), 0);
    assert_eq!(c.wait_connect(PROMPT), Some(0), "{id}: on_connect rc");
    c
}

fn subscribe(c: &Client, filter: &str, qos: i32) {
    let mid = c.subscribe(filter, qos).expect("subscribe");
    assert_eq!(
        c.wait_suback(mid, PROMPT),
        Some(vec![qos]),
        "SUBACK for {filter}"
    );
}

fn finish(c: Client) {
    assert_eq!(c.disconnect(), 0);
    assert_eq!(c.wait_disconnect(PROMPT), Some(0), "clean on_disconnect rc");
    assert_eq!(c.loop_stop(false), 0);
}

#[test]
fn every_qos_combination_between_two_clients() {
    let broker = Broker::start(BrokerConfig::default());
    let base = unique("qos");
    let sub = started(broker.port(), &format!("{base}-sub"));
    for s in 0..3 {
        subscribe(&sub, &format!("{base}/s{s}/+"), s);
    }
    subscribe(&sub, &format!("{base}/end"), 0);

    let publisher = started(broker.port(), &format!("{base}-pub"));
    let mut mids = Vec::new();
    for s in 0..3 {
        for p in 0..3 {
            let topic = format!("{base}/s{s}/p{p}");
            let mid = publisher
                .publish(&topic, format!("s{s}p{p}").as_bytes(), p, false)
                .expect("publish");
            mids.push(mid);
        }
    }
    let mut unique_mids = mids.clone();
    unique_mids.sort_unstable();
    unique_mids.dedup();
    assert_eq!(
        unique_mids.len(),
        mids.len(),
        "message ids must be distinct"
    );

    // Every publish completes (QoS 0 written, QoS 1 PUBACK, QoS 2 PUBCOMP).
    assert!(
        publisher.events().wait_until(PROMPT, |evs| {
            mids.iter().all(|m| evs.contains(&Ev::Publish(*m)))
        }),
        "on_publish for every mid; got {:?}",
        publisher.events().snapshot()
    );
    assert!(
        sub.events()
            .wait_until(PROMPT, |evs| messages(evs).len() >= 9),
        "9 messages; got {:?}",
        sub.messages()
    );
    // A sentinel after everything: duplicates, if any, would have arrived before it.
    let end = format!("{base}/end");
    publisher.publish(&end, b"end", 2, false).unwrap();
    assert!(sub
        .events()
        .wait_until(PROMPT, |evs| messages(evs).iter().any(|m| m.topic == end)));

    let got: Vec<_> = sub
        .messages()
        .into_iter()
        .filter(|m| m.topic != end)
        .collect();
    assert_eq!(got.len(), 9, "exactly nine messages: {got:?}");
    for s in 0..3 {
        for p in 0..3 {
            let topic = format!("{base}/s{s}/p{p}");
            let matching: Vec<_> = got.iter().filter(|m| m.topic == topic).collect();
            assert_eq!(matching.len(), 1, "{topic} delivered once: {got:?}");
            let m = matching[0];
            assert_eq!(m.payload, format!("s{s}p{p}").into_bytes());
            assert_eq!(m.qos, s.min(p), "QoS of {topic}");
            assert!(!m.retain);
            assert_eq!(m.mid == 0, m.qos == 0, "mid {} for QoS {}", m.mid, m.qos);
        }
    }
    // on_publish exactly once per mid.
    let evs = publisher.events().snapshot();
    for mid in &mids {
        let n = evs.iter().filter(|e| **e == Ev::Publish(*mid)).count();
        assert_eq!(n, 1, "on_publish for mid {mid} fired {n} times");
    }
    finish(publisher);
    finish(sub);
}

#[test]
fn culex_publishes_to_mosquitto_sub() {
    let broker = Broker::start(BrokerConfig::default());
    let topic = unique("to-cli");
    let cli_id = unique("cli-sub");
    let mut child = Command::new("mosquitto_sub")
        .args(["-h", "127.0.0.1", "-p", &broker.port().to_string()])
        .args(["-t", &topic, "-q", "2", "-C", "3", "-i", &cli_id])
        .args(["-F", "MSG|%t|%q|%r|%p"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn mosquitto_sub");
    let lines = Arc::new(EventLog::<String>::new());
    let stdout = child.stdout.take().unwrap();
    let sink = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            sink.push(line);
        }
        sink.push("<eof>".into());
    });
    // mosquitto_sub's stdout is a pipe (block-buffered): learn from the broker when it is
    // subscribed.
    assert!(
        broker
            .wait_log(&format!("Sending SUBACK to {cli_id}"), PROMPT)
            .is_some(),
        "mosquitto_sub subscribed"
    );

    let publisher = started(broker.port(), &unique("pub"));
    for qos in 0..3 {
        publisher
            .publish(&topic, format!("payload-q{qos}").as_bytes(), qos, false)
            .unwrap();
    }
    assert!(
        lines.wait_for(PROMPT, |l| l == "<eof>").is_some(),
        "mosquitto_sub got 3 messages and exited: {:?}",
        lines.snapshot()
    );
    let status = child.wait().unwrap();
    assert!(status.success());
    let got: Vec<String> = lines
        .snapshot()
        .into_iter()
        .filter(|l| l.starts_with("MSG|"))
        .collect();
    let want: Vec<String> = (0..3)
        .map(|q| format!("MSG|{topic}|{q}|0|payload-q{q}"))
        .collect();
    assert_eq!(got, want);
    finish(publisher);
}

#[test]
fn mosquitto_pub_publishes_to_culex() {
    let broker = Broker::start(BrokerConfig::default());
    let topic = unique("from-cli");
    let sub = started(broker.port(), &unique("sub"));
    subscribe(&sub, &topic, 2);
    for qos in 0..3 {
        let mut cmd = Command::new("mosquitto_pub");
        cmd.args(["-h", "127.0.0.1", "-p", &broker.port().to_string()])
            .args(["-t", &topic, "-q", &qos.to_string()])
            .args(["-m", &format!("cli-q{qos}")]);
        let out = run_command(cmd, PROMPT);
        assert!(out.status.success(), "mosquitto_pub: {out:?}");
    }
    assert!(
        sub.events()
            .wait_until(PROMPT, |evs| messages(evs).len() >= 3),
        "3 messages: {:?}",
        sub.messages()
    );
    let got: HashMap<Vec<u8>, i32> = sub
        .messages()
        .into_iter()
        .map(|m| (m.payload, m.qos))
        .collect();
    for qos in 0..3 {
        assert_eq!(got.get(format!("cli-q{qos}").as_bytes()), Some(&qos));
    }
    assert_eq!(sub.messages().len(), 3);
    finish(sub);
}

#[test]
fn retained_message_reaches_later_subscriber_and_can_be_cleared() {
    let broker = Broker::start(BrokerConfig::default());
    let topic = unique("retained");
    let publisher = started(broker.port(), &unique("rpub"));
    let mid = publisher.publish(&topic, b"kept", 1, true).unwrap();
    assert!(publisher.wait_publish(mid, PROMPT));

    // A subscriber arriving later gets it, flagged retained.
    let late = started(broker.port(), &unique("late"));
    subscribe(&late, &topic, 1);
    let m = late
        .wait_message(PROMPT, |_| true)
        .expect("retained message delivered");
    assert_eq!(m.topic, topic);
    assert_eq!(m.payload, b"kept");
    assert!(m.retain, "retain flag set on a retained delivery");
    assert_eq!(m.qos, 1);

    // An empty retained payload clears it.
    let mid = publisher.publish(&topic, b"", 1, true).unwrap();
    assert!(publisher.wait_publish(mid, PROMPT));
    let after = started(broker.port(), &unique("after"));
    subscribe(&after, &topic, 1);
    // A live message published after the SUBACK must be the first thing this subscriber sees:
    // a retained message still stored would have been sent right after the SUBACK.
    publisher.publish(&topic, b"live", 1, false).unwrap();
    let m = after
        .wait_message(PROMPT, |_| true)
        .expect("live message delivered");
    assert_eq!(m.payload, b"live", "no retained message after clearing");
    assert!(!m.retain);
    finish(after);
    finish(late);
    finish(publisher);
}
