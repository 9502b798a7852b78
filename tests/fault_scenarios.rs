//! Faults between Culex and a real mosquitto, counting every message at a subscriber.
//!
//! Each scenario: a persistent publisher and a persistent QoS 2 subscriber (clean session false,
//! fixed ids, `loop_start`, keepalive 5 s, 1 s reconnect delay), each talking to a real broker
//! through its own [`FaultProxy`]; the publisher sends `CULEX_FAULT_MESSAGES` (default 10,000)
//! messages, QoS 1 and 2 alternating, while the faults happen at points drawn from the
//! scenario's seed (`CULEX_FAULT_SEED` overrides it; `scripts/soak.sh` runs many). At the end:
//!
//! - **0 lost**: every message reached the subscriber, and `on_publish` came for each;
//! - **0 QoS 2 duplicates**: each QoS 2 message was delivered once. The only exceptions are the
//!   ones mosquitto 2.0.11 causes (it sends a QoS 2 exchange the subscriber had completed again as
//!   a new PUBLISH, which MQTT-4.3.3-2 makes a new message): after its own restart (allowed only
//!   in the broker-restart scenario), and after a resumed session was interrupted before the
//!   broker wrote its PUBREL again; each proven from the subscriber proxy's record
//!   (`common::qos2`). A duplicate that fails the proof is printed with the packets of both links;
//! - QoS 1 duplicates are allowed (at least once), and counted.
//!
//! Each scenario prints one `FAULT-RESULT` line with its figures (the soak script collects them).

mod common;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use common::broker::{Broker, BrokerConfig};
use common::client::{Client, Ev, Msg};
use common::faults::{Fault, FaultProxy, Rng};
use common::proxy::Dir;
use common::qos2::{self, unexplained_qos2_duplicates, BrokerResend};
use common::{unique, PROMPT};

/// Messages per run.
fn message_count() -> usize {
    std::env::var("CULEX_FAULT_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

/// The scenario's seed, unless `CULEX_FAULT_SEED` gives one.
fn seed(default: u64) -> u64 {
    std::env::var("CULEX_FAULT_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// How long the whole flow may take after the last fault.
const SETTLE: Duration = Duration::from_secs(90);

struct World {
    broker: Broker,
    pub_link: FaultProxy,
    sub_link: FaultProxy,
    publisher: Client,
    subscriber: Client,
    topic: String,
}

fn persistent(port: u16, id: &str) -> Client {
    let c = Client::new(Some(id), false);
    assert_eq!(c.reconnect_delay_set(1, 1, false), 0);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(c.connect(port, 5), 0);
    assert_eq!(c.wait_connect(PROMPT), Some(0));
    c
}

fn world(tag: &str, broker_persistence: bool) -> World {
    let broker = Broker::start(BrokerConfig::default().persistence(broker_persistence));
    let base = unique(tag);
    let pub_link = FaultProxy::start(broker.port());
    let sub_link = FaultProxy::start(broker.port());
    let subscriber = persistent(sub_link.port, &format!("{base}-sub"));
    let topic = format!("{base}/data");
    let mid = subscriber.subscribe(&topic, 2).unwrap();
    assert_eq!(subscriber.wait_suback(mid, PROMPT), Some(vec![2]));
    let publisher = persistent(pub_link.port, &format!("{base}-pub"));
    World {
        broker,
        pub_link,
        sub_link,
        publisher,
        subscriber,
        topic,
    }
}

/// The run: publish everything, let `fault` act at each of `points` (counts of messages the
/// subscriber has received, in increasing order), then wait for the end and check the figures.
fn run(
    name: &str,
    w: &mut World,
    seed: u64,
    points: &[usize],
    mut fault: impl FnMut(&mut World, usize),
    resend: BrokerResend,
) {
    let n = message_count();
    let started = Instant::now();
    let mut sent: Vec<(String, i32)> = Vec::with_capacity(n);
    let mut mids = Vec::with_capacity(n);
    for i in 0..n {
        let qos = 1 + (i % 2) as i32;
        let payload = format!("{name}-{seed}-{i}-q{qos}");
        let mid = w
            .publisher
            .publish(&w.topic, payload.as_bytes(), qos, false)
            .unwrap_or_else(|rc| panic!("publish {i}: rc {rc}"));
        mids.push(mid);
        sent.push((payload, qos));
    }
    for (k, &point) in points.iter().enumerate() {
        let reached = w
            .subscriber
            .events()
            .wait_until(SETTLE, |evs| evs.len() >= point);
        assert!(
            reached,
            "{name}: the subscriber never reached {point} events"
        );
        fault(w, k);
    }
    let expected: HashSet<&[u8]> = sent.iter().map(|(p, _)| p.as_bytes()).collect();
    let mut seen = HashSet::new();
    let mut scanned = 0;
    let all_in = w.subscriber.events().wait_until(SETTLE, |evs| {
        for e in &evs[scanned..] {
            if let Ev::Message(m) = e {
                if expected.contains(&m.payload[..]) {
                    seen.insert(m.payload.clone());
                }
            }
        }
        scanned = evs.len();
        seen.len() == expected.len()
    });
    let got: Vec<Msg> = w.subscriber.messages();
    let mut counts: HashMap<&[u8], usize> = HashMap::new();
    for m in &got {
        *counts.entry(&m.payload[..]).or_default() += 1;
    }
    let lost: Vec<&str> = sent
        .iter()
        .filter(|(p, _)| !counts.contains_key(p.as_bytes()))
        .map(|(p, _)| p.as_str())
        .collect();
    let dup = |qos: i32| {
        sent.iter()
            .filter(|(p, q)| *q == qos && counts.get(p.as_bytes()).is_some_and(|&c| c > 1))
            .count()
    };
    let (dup1, dup2) = (dup(1), dup(2));
    let sub_packets = w.sub_link.packets.snapshot();
    let unexplained = unexplained_qos2_duplicates(&sent, &got, &sub_packets, resend);
    let completed = w.publisher.events().wait_until(PROMPT, |evs| {
        let done: HashSet<i32> = evs
            .iter()
            .filter_map(|e| match e {
                Ev::Publish(m) => Some(*m),
                _ => None,
            })
            .collect();
        mids.iter().all(|m| done.contains(m))
    });
    println!(
        "FAULT-RESULT scenario={name} seed={seed} messages={n} lost={} qos1_duplicates={dup1} \
         qos2_duplicates={dup2} qos2_unexplained={} faults={} seconds={:.1}",
        lost.len(),
        unexplained.len(),
        points.len(),
        started.elapsed().as_secs_f64()
    );
    let pub_packets = w.pub_link.packets.snapshot();
    let traced = |p: &str| {
        format!(
            "{}{}",
            qos2::trace("pub", p.as_bytes(), &pub_packets),
            qos2::trace("sub", p.as_bytes(), &sub_packets)
        )
    };
    for p in lost.iter().take(3) {
        eprintln!("{p}: lost\n{}", traced(p));
    }
    assert!(
        all_in && lost.is_empty(),
        "{name} seed {seed}: {} of {n} messages lost, e.g. {:?}",
        lost.len(),
        &lost[..lost.len().min(10)]
    );
    for (p, copies, why) in unexplained.iter().take(3) {
        eprintln!("{p}: delivered {copies} times: {why}\n{}", traced(p));
    }
    assert_eq!(
        unexplained.len(),
        0,
        "{name} seed {seed}: QoS 2 delivered twice"
    );
    assert!(
        completed,
        "{name} seed {seed}: on_publish missing for some messages"
    );
}

/// `count` increasing fault points between 5 % and 85 % of the subscriber's events.
fn points(rng: &mut Rng, count: usize) -> Vec<usize> {
    let n = message_count() as u64;
    let mut p: Vec<usize> = (0..count)
        .map(|_| rng.range(n / 20, n * 85 / 100) as usize)
        .collect();
    p.sort_unstable();
    p
}

fn finish(w: World) {
    for c in [w.subscriber, w.publisher] {
        let _ = c.disconnect();
        assert_eq!(c.loop_stop(false), 0);
    }
}

#[test]
fn link_cut() {
    let seed = seed(11);
    let mut rng = Rng::new(seed);
    let mut w = world("cut", false);
    let pts = points(&mut rng, 4);
    let sides: Vec<bool> = (0..4).map(|_| rng.next() % 2 == 0).collect();
    run(
        "link_cut",
        &mut w,
        seed,
        &pts,
        |w, k| {
            if sides[k] {
                w.pub_link.cut()
            } else {
                w.sub_link.cut()
            }
        },
        BrokerResend::InterruptedResume,
    );
    finish(w);
}

#[test]
fn reset_mid_packet() {
    let seed = seed(12);
    let mut rng = Rng::new(seed);
    let mut w = world("reset", false);
    let pts = points(&mut rng, 4);
    let picks: Vec<u64> = (0..4).map(|_| rng.next() % 4).collect();
    run(
        "reset_mid_packet",
        &mut w,
        seed,
        &pts,
        |w, k| {
            let (link, dir) = match picks[k] {
                0 => (&w.pub_link, Dir::ToBroker),
                1 => (&w.pub_link, Dir::ToClient),
                2 => (&w.sub_link, Dir::ToBroker),
                _ => (&w.sub_link, Dir::ToClient),
            };
            link.reset_mid_packet(dir);
        },
        BrokerResend::InterruptedResume,
    );
    finish(w);
}

#[test]
fn half_open_link_detected_by_keepalive() {
    let seed = seed(13);
    let mut rng = Rng::new(seed);
    let mut w = world("halfopen", false);
    let pts = points(&mut rng, 2);
    run(
        "half_open",
        &mut w,
        seed,
        &pts,
        |w, k| {
            let (link, client) = if k == 0 {
                (&w.sub_link, &w.subscriber)
            } else {
                (&w.pub_link, &w.publisher)
            };
            let mark = client.events().len();
            link.set_both(Fault::BlackHole);
            // No FIN, no RST: only the client's keepalive (5 s) can tell the link is dead.
            let lost = client.events().wait_for_after(
                mark,
                Duration::from_secs(20),
                |e| matches!(e, Ev::Disconnect(rc) if *rc != 0),
            );
            link.set_both(Fault::Pass);
            assert!(lost.is_some(), "the half-open link was never detected");
        },
        BrokerResend::InterruptedResume,
    );
    finish(w);
}

#[test]
fn slow_reader() {
    let seed = seed(14);
    let mut rng = Rng::new(seed);
    let mut w = world("slow", false);
    // The subscriber's link gives it 128 bytes a millisecond for the whole run, and is cut once.
    w.sub_link.set(Dir::ToClient, Fault::Trickle(128));
    let pts = points(&mut rng, 1);
    run(
        "slow_reader",
        &mut w,
        seed,
        &pts,
        |w, _| w.sub_link.cut(),
        BrokerResend::InterruptedResume,
    );
    finish(w);
}

#[test]
fn split_at_every_byte_and_delayed() {
    let seed = seed(15);
    let mut rng = Rng::new(seed);
    let mut w = world("split", false);
    w.sub_link.set_both(Fault::SplitBytes);
    w.pub_link
        .set(Dir::ToBroker, Fault::Delay(Duration::from_millis(3)));
    w.pub_link.set(Dir::ToClient, Fault::SplitBytes);
    let pts = points(&mut rng, 2);
    run(
        "split_delay",
        &mut w,
        seed,
        &pts,
        |w, k| {
            if k == 0 {
                w.pub_link.cut()
            } else {
                w.sub_link.reset_mid_packet(Dir::ToClient)
            }
        },
        BrokerResend::InterruptedResume,
    );
    finish(w);
}

#[test]
fn broker_killed_and_restarted() {
    let seed = seed(16);
    let mut rng = Rng::new(seed);
    let mut w = world("restart", true);
    let pts = points(&mut rng, 2);
    run(
        "broker_restart",
        &mut w,
        seed,
        &pts,
        |w, _| {
            w.broker.restart();
        },
        BrokerResend::AfterRestart,
    );
    finish(w);
}
