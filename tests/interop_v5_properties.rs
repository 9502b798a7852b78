//! MQTT 5 properties against a real mosquitto broker, through the `_v5` C API and the property
//! list API: user properties (with mosquitto's own command-line clients as peers too),
//! request/response with correlation data, subscription identifiers, message expiry (retained and
//! queued messages, the remaining interval forwarded), and wills with properties and a delay.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::ptr::null;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::broker::{Broker, BrokerConfig};
use common::client::{Client, Ev5, Msg5, PropList, PropValue, Props};
use common::events::EventLog;
use common::{run_command, unique, wait_until, PROMPT};

const PAYLOAD_FORMAT_INDICATOR: i32 = 1;
const MESSAGE_EXPIRY_INTERVAL: i32 = 2;
const CONTENT_TYPE: i32 = 3;
const RESPONSE_TOPIC: i32 = 8;
const CORRELATION_DATA: i32 = 9;
const SUBSCRIPTION_IDENTIFIER: i32 = 11;
const SESSION_EXPIRY_INTERVAL: i32 = 17;
const WILL_DELAY_INTERVAL: i32 = 24;
const USER_PROPERTY: i32 = 38;

/// Retain handling 0: send retained messages on every subscribe.
const SEND_RETAIN_ALWAYS: i32 = 0;

/// An MQTT 5 client connected with CONNECT `props` (may be NULL), driven by `loop_start`.
fn started_with(port: u16, id: &str, clean_start: bool, props: &PropList) -> Client {
    let c = Client::new_v5(Some(id), clean_start);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(c.connect_v5(port, 60, props.as_ptr()), 0);
    let (rc, _, _) = c.wait_connect_v5(PROMPT).expect("on_connect_v5");
    assert_eq!(rc, 0, "{id}: on_connect_v5 rc");
    c
}

fn started_v5(port: u16, id: &str) -> Client {
    started_with(port, id, true, &PropList::new())
}

/// Subscribe with `options` and SUBSCRIBE `props`; wait for the SUBACK granting `qos`.
fn subscribe_with(c: &Client, filter: &str, qos: i32, options: i32, props: &PropList) {
    let mid = c
        .subscribe_v5(filter, qos, options, props.as_ptr())
        .expect("subscribe_v5");
    assert_eq!(
        c.wait_suback_v5(mid, PROMPT),
        Some(vec![qos]),
        "SUBACK for {filter}"
    );
}

fn subscribe_v5(c: &Client, filter: &str, qos: i32) {
    subscribe_with(c, filter, qos, 0, &PropList::new());
}

/// Publish at QoS 1 with `props` and wait for the PUBACK.
fn publish_acked(c: &Client, topic: &str, payload: &[u8], retain: bool, props: &PropList) {
    let mid = c
        .publish_v5(topic, payload, 1, retain, props.as_ptr())
        .expect("publish_v5");
    let (rc, _) = c.wait_publish_v5(mid, PROMPT).expect("on_publish_v5");
    assert!(rc == 0 || rc == 0x10, "PUBACK reason code {rc:#x}");
}

fn wait_payload(c: &Client, payload: &[u8]) -> Msg5 {
    c.wait_message_v5(PROMPT, |m| m.msg.payload == payload)
        .unwrap_or_else(|| {
            panic!(
                "no message {:?}; got {:?}",
                String::from_utf8_lossy(payload),
                c.messages_v5()
            )
        })
}

fn finish(c: Client) {
    assert_eq!(c.disconnect_v5(0, null()), 0);
    let (rc, _) = c.wait_disconnect_v5(PROMPT).expect("on_disconnect_v5");
    assert_eq!(rc, 0, "clean on_disconnect_v5 rc");
    assert_eq!(c.loop_stop(false), 0);
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn user_properties_round_trip_in_order() {
    let broker = Broker::start(BrokerConfig::default());
    let topic = unique("user-props");
    let sub = started_v5(broker.port(), &unique("up-sub"));
    subscribe_v5(&sub, &topic, 1);
    let publisher = started_v5(broker.port(), &unique("up-pub"));

    let sent = [
        ("k", "v1"),
        ("other", "x"),
        ("k", "v2"),
        ("k", "v1"),
        ("", "empty name"),
        ("unicode ✓", "ünïcødé"),
    ];
    let mut props = PropList::new()
        .string(CONTENT_TYPE, "text/plain")
        .byte(PAYLOAD_FORMAT_INDICATOR, 1);
    for (k, v) in sent {
        props = props.user(k, v);
    }
    publish_acked(&publisher, &topic, b"with properties", false, &props);
    publish_acked(&publisher, &topic, b"without", false, &PropList::new());

    let m = wait_payload(&sub, b"with properties");
    assert_eq!(m.props.user(), pairs(&sent), "walked with property_next");
    assert_eq!(
        m.user_skip_first,
        pairs(&sent),
        "read with the skip_first loop"
    );
    assert_eq!(m.props.string(CONTENT_TYPE), Some("text/plain"));
    assert_eq!(m.props.int(PAYLOAD_FORMAT_INDICATOR), Some(1));
    let m = wait_payload(&sub, b"without");
    assert!(m.user_skip_first.is_empty());
    assert!(m.props.all(USER_PROPERTY).is_empty(), "{:?}", m.props);
    finish(publisher);
    finish(sub);
}

#[test]
fn user_properties_with_mosquitto_pub_and_sub() {
    let broker = Broker::start(BrokerConfig::default());
    let port = broker.port().to_string();
    let topic = unique("up-cli");

    // mosquitto_pub -> Culex.
    let sub = started_v5(broker.port(), &unique("up-cli-sub"));
    subscribe_v5(&sub, &topic, 1);
    let mut cmd = Command::new("mosquitto_pub");
    cmd.args(["-h", "127.0.0.1", "-p", &port, "-V", "5", "-q", "1"])
        .args(["-t", &topic, "-m", "from-cli"])
        .args(["-D", "publish", "user-property", "a", "1"])
        .args(["-D", "publish", "user-property", "b", "2"])
        .args(["-D", "publish", "user-property", "a", "3"]);
    let out = run_command(cmd, PROMPT);
    assert!(out.status.success(), "mosquitto_pub: {out:?}");
    let m = wait_payload(&sub, b"from-cli");
    let want = pairs(&[("a", "1"), ("b", "2"), ("a", "3")]);
    assert_eq!(m.props.user(), want);
    assert_eq!(m.user_skip_first, want);
    finish(sub);

    // Culex -> mosquitto_sub.
    let cli_id = unique("up-cli-mosquitto-sub");
    let mut child = Command::new("mosquitto_sub")
        .args(["-h", "127.0.0.1", "-p", &port, "-V", "5", "-q", "1"])
        .args(["-t", &topic, "-C", "1", "-i", &cli_id])
        .args(["-F", "MSG|%P|%p"])
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
    assert!(
        broker
            .wait_log(&format!("Sending SUBACK to {cli_id}"), PROMPT)
            .is_some(),
        "mosquitto_sub subscribed"
    );
    let publisher = started_v5(broker.port(), &unique("up-cli-pub"));
    let props = PropList::new()
        .user("first", "1")
        .user("second", "2")
        .user("first", "3");
    publish_acked(&publisher, &topic, b"from-culex", false, &props);
    assert!(
        lines.wait_for(PROMPT, |l| l == "<eof>").is_some(),
        "mosquitto_sub got the message: {:?}",
        lines.snapshot()
    );
    assert!(child.wait().unwrap().success());
    let line = lines
        .snapshot()
        .into_iter()
        .find(|l| l.starts_with("MSG|"))
        .expect("a formatted line");
    let (first, second, third) = (
        line.find("first:1").expect(&line),
        line.find("second:2").expect(&line),
        line.find("first:3").expect(&line),
    );
    assert!(first < second && second < third, "order kept: {line}");
    assert!(line.ends_with("|from-culex"), "{line}");
    finish(publisher);
}

#[test]
fn request_response_with_correlation_data() {
    let broker = Broker::start(BrokerConfig::default());
    let base = unique("rr");
    let requests = format!("{base}/requests");
    let responses = format!("{base}/responses/me");

    let responder = started_v5(broker.port(), &unique("rr-responder"));
    subscribe_v5(&responder, &requests, 1);
    let requester = started_v5(broker.port(), &unique("rr-requester"));
    subscribe_v5(&requester, &responses, 1);

    let correlations: [&[u8]; 3] = [b"\x00\x01\x02", b"second", &[0xff; 40]];
    for (i, corr) in correlations.iter().enumerate() {
        let props = PropList::new()
            .string(RESPONSE_TOPIC, &responses)
            .binary(CORRELATION_DATA, corr);
        publish_acked(
            &requester,
            &requests,
            format!("question {i}").as_bytes(),
            false,
            &props,
        );
    }
    // The responder answers each request on its response topic with its correlation data.
    for (i, want) in correlations.iter().enumerate() {
        let q = wait_payload(&responder, format!("question {i}").as_bytes());
        let topic = q
            .props
            .string(RESPONSE_TOPIC)
            .expect("response topic forwarded");
        assert_eq!(topic, responses);
        let corr = q
            .props
            .binary(CORRELATION_DATA)
            .expect("correlation data forwarded");
        assert_eq!(corr, *want);
        let answer = PropList::new().binary(CORRELATION_DATA, corr);
        publish_acked(
            &responder,
            topic,
            format!("answer {i}").as_bytes(),
            false,
            &answer,
        );
    }
    for (i, corr) in correlations.iter().enumerate() {
        let a = wait_payload(&requester, format!("answer {i}").as_bytes());
        assert_eq!(a.msg.topic, responses);
        assert_eq!(a.props.binary(CORRELATION_DATA), Some(*corr));
        assert_eq!(a.props.string(RESPONSE_TOPIC), None);
    }
    finish(requester);

    // mosquitto_rr as the requester, Culex as the responder.
    let cli_responses = format!("{base}/responses/cli");
    let mut cmd = Command::new("mosquitto_rr");
    cmd.args(["-h", "127.0.0.1", "-p", &broker.port().to_string()])
        .args(["-t", &requests, "-e", &cli_responses, "-m", "cli question"])
        .args(["-D", "publish", "correlation-data", "cli-corr"])
        .args(["-W", "5"]);
    let rr = std::thread::spawn(move || run_command(cmd, PROMPT));
    let q = wait_payload(&responder, b"cli question");
    assert_eq!(q.props.string(RESPONSE_TOPIC), Some(cli_responses.as_str()));
    assert_eq!(q.props.binary(CORRELATION_DATA), Some(&b"cli-corr"[..]));
    let answer = PropList::new().binary(CORRELATION_DATA, b"cli-corr");
    publish_acked(&responder, &cli_responses, b"cli answer", false, &answer);
    let out = rr.join().unwrap();
    assert!(out.status.success(), "mosquitto_rr: {out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "cli answer");
    finish(responder);
}

/// The subscription identifiers of a message, sorted.
fn sub_ids(m: &Msg5) -> Vec<u32> {
    let mut ids: Vec<u32> = m
        .props
        .all(SUBSCRIPTION_IDENTIFIER)
        .into_iter()
        .map(|v| match v {
            PropValue::Varint(id) => *id,
            other => panic!("subscription identifier as {other:?}"),
        })
        .collect();
    ids.sort_unstable();
    ids
}

#[test]
fn subscription_identifiers_are_delivered() {
    let broker = Broker::start(BrokerConfig::default());
    let base = unique("subid");
    let c = started_v5(broker.port(), &unique("subid-sub"));
    let with_id = |id| PropList::new().varint(SUBSCRIPTION_IDENTIFIER, id);
    subscribe_with(&c, &format!("{base}/a/#"), 1, 0, &with_id(7));
    // 300 takes two bytes as a variable byte integer; 268435455 is the largest.
    subscribe_with(&c, &format!("{base}/+/x"), 1, 0, &with_id(300));
    subscribe_with(&c, &format!("{base}/big"), 1, 0, &with_id(268_435_455));
    subscribe_with(&c, &format!("{base}/plain"), 1, 0, &PropList::new());

    let publisher = started_v5(broker.port(), &unique("subid-pub"));
    let none = PropList::new();
    for t in ["a/y", "b/x", "big", "plain", "a/x"] {
        publish_acked(
            &publisher,
            &format!("{base}/{t}"),
            t.as_bytes(),
            false,
            &none,
        );
    }
    assert_eq!(sub_ids(&wait_payload(&c, b"a/y")), vec![7]);
    assert_eq!(sub_ids(&wait_payload(&c, b"b/x")), vec![300]);
    assert_eq!(sub_ids(&wait_payload(&c, b"big")), vec![268_435_455]);
    assert_eq!(sub_ids(&wait_payload(&c, b"plain")), Vec::<u32>::new());
    // Two overlapping subscriptions: mosquitto sends a copy per subscription or one copy with
    // both identifiers; either way both identifiers arrive.
    wait_payload(&c, b"a/x");
    let mut overlapping: Vec<u32> = c
        .messages_v5()
        .iter()
        .filter(|m| m.msg.payload == b"a/x")
        .flat_map(sub_ids)
        .collect();
    overlapping.sort_unstable();
    overlapping.dedup();
    // The other copy, if any, was queued right behind the first.
    if overlapping.len() < 2 {
        c.wait_message_v5(PROMPT, |m| {
            m.msg.payload == b"a/x" && sub_ids(m) != overlapping
        });
        overlapping = c
            .messages_v5()
            .iter()
            .filter(|m| m.msg.payload == b"a/x")
            .flat_map(sub_ids)
            .collect();
        overlapping.sort_unstable();
        overlapping.dedup();
    }
    assert_eq!(overlapping, vec![7, 300], "{:?}", c.messages_v5());
    finish(publisher);
    finish(c);
}

/// Subscribe `c` to `topic` again (retain handling 0) and publish a sentinel behind the SUBACK:
/// the retained message, if the broker still has it, arrives before the sentinel. Returns its
/// Message Expiry Interval (`Some(None)` if it has none), or None if no retained message came.
fn probe_retained(c: &Client, topic: &str, round: usize) -> Option<Option<u32>> {
    let before = c.messages_v5().len();
    subscribe_with(c, topic, 1, SEND_RETAIN_ALWAYS, &PropList::new());
    let sentinel = format!("sentinel-{round}");
    publish_acked(c, topic, sentinel.as_bytes(), false, &PropList::new());
    wait_payload(c, sentinel.as_bytes());
    let msgs = c.messages_v5();
    let new = &msgs[before..];
    let end = new
        .iter()
        .position(|m| m.msg.payload == sentinel.as_bytes())
        .unwrap();
    let retained: Vec<&Msg5> = new[..end].iter().filter(|m| m.msg.retain).collect();
    assert!(retained.len() <= 1, "{new:?}");
    retained
        .first()
        .map(|m| m.props.int(MESSAGE_EXPIRY_INTERVAL))
}

#[test]
fn message_expiry_of_retained_and_queued_messages() {
    let broker = Broker::start(BrokerConfig::default());
    let base = unique("expiry");
    let queued_topic = format!("{base}/queued");
    let retained_topic = format!("{base}/retained");

    // A live message carries the remaining interval; one without expiry carries none.
    let live = started_v5(broker.port(), &unique("exp-live"));
    subscribe_v5(&live, &queued_topic, 1);
    // A persistent session (60 s) that goes offline with a subscription.
    let sleeper_id = unique("exp-sleeper");
    let session = PropList::new().int32(SESSION_EXPIRY_INTERVAL, 60);
    let sleeper = started_with(broker.port(), &sleeper_id, false, &session);
    subscribe_v5(&sleeper, &queued_topic, 1);
    finish(sleeper);

    let publisher = started_v5(broker.port(), &unique("exp-pub"));
    let expiring = |s| PropList::new().int32(MESSAGE_EXPIRY_INTERVAL, s);
    publish_acked(&publisher, &queued_topic, b"short", false, &expiring(1));
    publish_acked(
        &publisher,
        &queued_topic,
        b"forever",
        false,
        &PropList::new(),
    );
    publish_acked(&publisher, &queued_topic, b"long", false, &expiring(60));
    let m = wait_payload(&live, b"long");
    let remaining = m
        .props
        .int(MESSAGE_EXPIRY_INTERVAL)
        .expect("expiry forwarded");
    assert!((59..=60).contains(&remaining), "remaining {remaining}");
    assert_eq!(
        wait_payload(&live, b"forever")
            .props
            .int(MESSAGE_EXPIRY_INTERVAL),
        None
    );
    assert!(wait_payload(&live, b"short")
        .props
        .int(MESSAGE_EXPIRY_INTERVAL)
        .is_some());

    // A retained message that expires after 2 s: probe it until the broker drops it.
    let published = Instant::now();
    publish_acked(
        &publisher,
        &retained_topic,
        b"ephemeral",
        true,
        &expiring(2),
    );
    let prober = started_v5(broker.port(), &unique("exp-prober"));
    let mut seen = Vec::new();
    let mut round = 0;
    let gone = wait_until(Duration::from_secs(6), || {
        round += 1;
        let probe = probe_retained(&prober, &retained_topic, round);
        seen.push((published.elapsed(), probe));
        probe.is_none()
    });
    let (gone_at, _) = *seen.last().unwrap();
    assert!(gone, "the retained message never expired: {seen:?}");
    let first = seen[0].1.expect("the retained message was there at first");
    assert!(
        matches!(first, Some(1..=2)),
        "remaining expiry on the first delivery: {seen:?}"
    );
    assert!(
        gone_at >= Duration::from_millis(900),
        "expired too early, after {gone_at:?}: {seen:?}"
    );
    let remaining: Vec<u32> = seen.iter().filter_map(|(_, p)| p.flatten()).collect();
    assert!(
        remaining.windows(2).all(|w| w[0] >= w[1]),
        "the remaining interval never grows: {seen:?}"
    );
    finish(prober);

    // By now "short" (1 s) has expired in the offline session too; the others are delivered,
    // "long" with its remaining interval.
    let sleeper = started_with(broker.port(), &sleeper_id, false, &session);
    let (_, flags, _) = sleeper.wait_connect_v5(PROMPT).unwrap();
    assert_eq!(flags & 1, 1, "session present");
    let m = wait_payload(&sleeper, b"long");
    let remaining = m
        .props
        .int(MESSAGE_EXPIRY_INTERVAL)
        .expect("expiry forwarded");
    assert!(
        (55..60).contains(&remaining),
        "remaining {remaining} after waiting"
    );
    let got: Vec<Vec<u8>> = sleeper
        .messages_v5()
        .into_iter()
        .map(|m| m.msg.payload)
        .collect();
    assert_eq!(
        got,
        vec![b"forever".to_vec(), b"long".to_vec()],
        "the expired message is not delivered"
    );
    finish(sleeper);
    finish(publisher);
    finish(live);
}

/// A will observer on `topic`.
fn observer(port: u16, topic: &str) -> Client {
    let c = started_v5(port, &unique("will-observer"));
    subscribe_v5(&c, topic, 1);
    c
}

/// A client driven by `mosquitto_loop` in this thread (so it never reconnects by itself) with a
/// will carrying `will_props`, connected with a 30 s session.
fn with_will(port: u16, id: &str, topic: &str, will_props: PropList) -> Client {
    let c = Client::new_v5(Some(id), true);
    assert_eq!(
        c.will_set_v5(topic, b"gone", 1, false, will_props.into_raw()),
        0
    );
    let session = PropList::new().int32(SESSION_EXPIRY_INTERVAL, 30);
    assert_eq!(c.connect_v5(port, 60, session.as_ptr()), 0);
    let mut errors = Vec::new();
    assert!(c.run_until(PROMPT, &mut errors, |evs| !evs.is_empty()));
    assert_eq!(c.wait_connect_v5(PROMPT).map(|(rc, ..)| rc), Some(0));
    c
}

#[test]
fn will_carries_its_properties() {
    let broker = Broker::start(BrokerConfig::default());
    let topic = unique("will-props");
    let obs = observer(broker.port(), &topic);
    let props = PropList::new()
        .string(CONTENT_TYPE, "application/json")
        .byte(PAYLOAD_FORMAT_INDICATOR, 1)
        .string(RESPONSE_TOPIC, "replies/here")
        .binary(CORRELATION_DATA, b"\x01\x02")
        .user("origin", "culex")
        .user("origin", "test");
    let c = with_will(broker.port(), &unique("will-props-client"), &topic, props);
    // mosquitto_destroy sends no DISCONNECT: the broker publishes the will.
    drop(c);
    let m = wait_payload(&obs, b"gone");
    assert_eq!(m.msg.topic, topic);
    assert_eq!(m.msg.qos, 1);
    assert_eq!(m.props.string(CONTENT_TYPE), Some("application/json"));
    assert_eq!(m.props.int(PAYLOAD_FORMAT_INDICATOR), Some(1));
    assert_eq!(m.props.string(RESPONSE_TOPIC), Some("replies/here"));
    assert_eq!(m.props.binary(CORRELATION_DATA), Some(&b"\x01\x02"[..]));
    let want = pairs(&[("origin", "culex"), ("origin", "test")]);
    assert_eq!(m.props.user(), want);
    assert_eq!(m.user_skip_first, want);
    // The will delay is not a PUBLISH property.
    assert_eq!(m.props.get(WILL_DELAY_INTERVAL), None);
    finish(obs);
}

#[test]
fn will_is_delayed_by_the_will_delay_interval() {
    let broker = Broker::start(BrokerConfig::default());
    let topic = unique("will-delay");
    let obs = observer(broker.port(), &topic);
    let id = unique("will-delay-client");
    let delay = PropList::new().int32(WILL_DELAY_INTERVAL, 2);
    let c = with_will(broker.port(), &id, &topic, delay);
    let mark = broker.log_mark();
    drop(c);
    assert!(
        broker
            .wait_log_after(mark, &format!("Client {id} closed its connection"), PROMPT)
            .is_some(),
        "the broker saw the connection end:\n{}",
        broker.log()
    );
    let dropped = Instant::now();
    let m = obs
        .wait_message_v5(Duration::from_secs(6), |m| m.msg.topic == topic)
        .expect("the will is published after its delay");
    let after = dropped.elapsed();
    assert_eq!(m.msg.payload, b"gone");
    // mosquitto counts in whole seconds: a 2 s delay is at least 1 s of real time.
    assert!(
        after >= Duration::from_secs(1),
        "will published {after:?} after the connection ended, before its 2 s delay"
    );
    finish(obs);
}

#[test]
fn will_is_not_sent_when_the_client_returns_within_the_delay() {
    let broker = Broker::start(BrokerConfig::default());
    let topic = unique("will-back");
    let obs = observer(broker.port(), &topic);
    let id = unique("will-back-client");
    let delay = PropList::new().int32(WILL_DELAY_INTERVAL, 2);
    let c = with_will(broker.port(), &id, &topic, delay);
    let mark = broker.log_mark();
    drop(c);
    assert!(broker
        .wait_log_after(mark, &format!("Client {id} closed its connection"), PROMPT)
        .is_some());
    // Back at once, resuming the session.
    let session = PropList::new().int32(SESSION_EXPIRY_INTERVAL, 30);
    let back = started_with(broker.port(), &id, false, &session);
    let (_, flags, _) = back.wait_connect_v5(PROMPT).unwrap();
    assert_eq!(flags & 1, 1, "session present");
    // Past the delay (plus mosquitto's whole-second rounding), no will.
    let will = obs.wait_message_v5(Duration::from_millis(3500), |m| m.msg.topic == topic);
    assert_eq!(will, None, "will published although the client came back");
    finish(back);
    finish(obs);
}

/// The CONNACK properties mosquitto sends an MQTT 5 client (a smoke check of the property
/// walk on a list the library lends to `on_connect_v5`).
#[test]
fn connack_properties_are_readable() {
    let broker = Broker::start(BrokerConfig::default().line("max_inflight_messages 7"));
    let c = Client::new_v5(Some(&unique("connack-props")), true);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(c.connect_v5(broker.port(), 60, null()), 0);
    let (rc, flags, props) = c.wait_connect_v5(PROMPT).unwrap();
    assert_eq!((rc, flags), (0, 0));
    assert_eq!(props.int(33), Some(7), "Receive Maximum: {props:?}");
    assert!(props.int(34).is_some(), "Topic Alias Maximum: {props:?}");
    let evs = c.events5().snapshot();
    assert!(matches!(evs[0], Ev5::Connect { .. }), "{evs:?}");
    assert_eq!(Props::default().get(33), None);
    finish(c);
}
