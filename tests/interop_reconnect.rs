//! Reconnect after a broker restart without losing QoS 1/2 messages: a persistent publisher and a
//! persistent QoS 2 subscriber (clean_session false, fixed ids, loop_start, 1 s reconnect delay)
//! against a mosquitto broker with persistence, restarted in the middle of the stream.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::broker::{Broker, BrokerConfig};
use common::client::{messages, Client, Ev};
use common::{unique, PROMPT};

fn persistent(port: u16, id: &str) -> Client {
    let c = Client::new(Some(id), false);
    assert_eq!(c.reconnect_delay_set(1, 1, false), 0);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(c.connect(port, 30), 0);
    assert_eq!(c.wait_connect(PROMPT), Some(0));
    c
}

/// Connects (rc 0) recorded so far.
fn connects(c: &Client) -> usize {
    c.events()
        .snapshot()
        .iter()
        .filter(|e| **e == Ev::Connect(0))
        .count()
}

#[test]
fn no_qos1_or_qos2_message_lost_across_broker_restart() {
    let mut broker = Broker::start(BrokerConfig::default().persistence(true));
    let base = unique("restart");
    let sub = persistent(broker.port(), &format!("{base}-sub"));
    let mid = sub.subscribe(&format!("{base}/#"), 2).unwrap();
    assert_eq!(sub.wait_suback(mid, PROMPT), Some(vec![2]));
    let publisher = persistent(broker.port(), &format!("{base}-pub"));

    const PER_PHASE: usize = 100;
    let topic = format!("{base}/data");
    let mut sent: Vec<(String, i32)> = Vec::new();
    let mut mids = Vec::new();
    let mut publish_phase = |phase: usize| {
        for i in 0..PER_PHASE {
            let qos = 1 + (i % 2) as i32;
            let payload = format!("p{phase}-{i}-q{qos}");
            let mid = publisher
                .publish(&topic, payload.as_bytes(), qos, false)
                .unwrap_or_else(|rc| panic!("publish in phase {phase}: rc {rc}"));
            mids.push(mid);
            sent.push((payload, qos));
        }
    };
    // Phase 0 while connected (some still in flight when the broker stops), phase 1 while the
    // broker is down (queued offline), phase 2 while the clients are reconnecting.
    publish_phase(0);
    broker.stop();
    publish_phase(1);
    broker.restart();
    publish_phase(2);

    let all_in = sub.events().wait_until(Duration::from_secs(20), |evs| {
        let got: std::collections::HashSet<Vec<u8>> =
            messages(evs).into_iter().map(|m| m.payload).collect();
        sent.iter().all(|(p, _)| got.contains(p.as_bytes()))
    });
    let got = sub.messages();
    let mut counts: HashMap<Vec<u8>, usize> = HashMap::new();
    for m in &got {
        *counts.entry(m.payload.clone()).or_default() += 1;
    }
    let missing: Vec<_> = sent
        .iter()
        .filter(|(p, _)| !counts.contains_key(p.as_bytes()))
        .map(|(p, _)| p.clone())
        .collect();
    assert!(
        all_in,
        "{} of {} messages missing after the restart, e.g. {:?}",
        missing.len(),
        sent.len(),
        &missing[..missing.len().min(10)]
    );
    let duplicated_qos2: Vec<_> = sent
        .iter()
        .filter(|(p, q)| *q == 2 && counts[p.as_bytes()] > 1)
        .collect();
    assert!(
        duplicated_qos2.is_empty(),
        "QoS 2 delivered more than once: {duplicated_qos2:?}"
    );
    // Every publish completed on the publisher side.
    assert!(
        publisher.events().wait_until(PROMPT, |evs| {
            mids.iter().all(|m| evs.contains(&Ev::Publish(*m)))
        }),
        "on_publish missing for some mids"
    );
    // Both really went through a reconnect.
    assert!(connects(&sub) >= 2 && connects(&publisher) >= 2);
    for c in [&sub, &publisher] {
        let evs = c.events().snapshot();
        assert!(
            evs.iter()
                .any(|e| matches!(e, Ev::Disconnect(rc) if *rc != 0)),
            "an unexpected disconnect was reported"
        );
    }
    for c in [sub, publisher] {
        assert_eq!(c.disconnect(), 0);
        assert_eq!(c.loop_stop(false), 0);
    }
}
