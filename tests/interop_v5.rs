//! MQTT 5 against a real mosquitto broker, through the `_v5` C API: subscription options
//! (no local, retain as published, retain handling 0/1/2), the broker's Maximum Packet Size and
//! Receive Maximum honoured by the client, CONNACK refusal reason codes and a server-sent
//! DISCONNECT. The property-carrying features are in `interop_v5_properties.rs`.

mod common;

use std::ptr::null;

use common::broker::{Broker, BrokerConfig};
use common::client::{
    messages_v5, Client, Ev5, Msg5, MOSQ_ERR_CONN_LOST, MOSQ_ERR_OVERSIZE_PACKET,
};
use common::fake_broker::{DISCONNECT, PUBACK, PUBCOMP, PUBLISH};
use common::proxy::{Dir, Proxy};
use common::{unique, PROMPT};

const NO_LOCAL: i32 = 0x04;
const RETAIN_AS_PUBLISHED: i32 = 0x08;
const RETAIN_HANDLING_NEW_ONLY: i32 = 0x10;
const RETAIN_HANDLING_NEVER: i32 = 0x20;

const PROP_RECEIVE_MAXIMUM: i32 = 33;
const PROP_MAXIMUM_PACKET_SIZE: i32 = 39;

const RC_NOT_AUTHORIZED: i32 = 0x87;
const RC_TOPIC_ALIAS_INVALID: i32 = 0x94;

/// An MQTT 5 client connected to 127.0.0.1:`port` and driven by `loop_start`.
fn started_v5(port: u16, id: &str) -> Client {
    let c = Client::new_v5(Some(id), true);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(c.connect_v5(port, 60, null()), 0);
    let (rc, _, _) = c.wait_connect_v5(PROMPT).expect("on_connect_v5");
    assert_eq!(rc, 0, "{id}: on_connect_v5 rc");
    c
}

/// Subscribe with `options` and wait for the SUBACK granting `qos`.
fn subscribe_v5(c: &Client, filter: &str, qos: i32, options: i32) {
    let mid = c
        .subscribe_v5(filter, qos, options, null())
        .expect("subscribe_v5");
    assert_eq!(
        c.wait_suback_v5(mid, PROMPT),
        Some(vec![qos]),
        "SUBACK for {filter} (options {options:#x})"
    );
}

/// Publish at QoS 1 and wait for the PUBACK (reason code 0 or 0x10, no matching subscribers).
fn publish_acked(c: &Client, topic: &str, payload: &[u8], retain: bool) {
    let mid = c
        .publish_v5(topic, payload, 1, retain, null())
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

#[test]
fn no_local_suppresses_own_publications_only() {
    let broker = Broker::start(BrokerConfig::default());
    let topic = unique("no-local");
    let a = started_v5(broker.port(), &unique("nl-a"));
    let b = started_v5(broker.port(), &unique("nl-b"));
    subscribe_v5(&a, &topic, 1, NO_LOCAL);
    subscribe_v5(&b, &topic, 1, 0);

    publish_acked(&a, &topic, b"from-a", false);
    publish_acked(&b, &topic, b"from-b", false);

    // b (no "no local") gets both, its own included: the publications were forwarded.
    wait_payload(&b, b"from-a");
    wait_payload(&b, b"from-b");
    // a gets b's; its own would have been queued to it before b's.
    wait_payload(&a, b"from-b");
    let got: Vec<Vec<u8>> = a.messages_v5().into_iter().map(|m| m.msg.payload).collect();
    assert_eq!(
        got,
        vec![b"from-b".to_vec()],
        "no-local subscriber got its own message"
    );
    finish(a);
    finish(b);
}

#[test]
fn retain_as_published_keeps_the_retain_flag_on_forwarded_messages() {
    let broker = Broker::start(BrokerConfig::default());
    let topic = unique("rap");
    let kept = started_v5(broker.port(), &unique("rap-kept"));
    let cleared = started_v5(broker.port(), &unique("rap-cleared"));
    subscribe_v5(&kept, &topic, 1, RETAIN_AS_PUBLISHED);
    subscribe_v5(&cleared, &topic, 1, 0);

    let publisher = started_v5(broker.port(), &unique("rap-pub"));
    publish_acked(&publisher, &topic, b"retained", true);
    publish_acked(&publisher, &topic, b"plain", false);

    let m = wait_payload(&kept, b"retained");
    assert!(m.msg.retain, "retain-as-published: flag kept: {m:?}");
    let m = wait_payload(&cleared, b"retained");
    assert!(
        !m.msg.retain,
        "without retain-as-published: flag cleared: {m:?}"
    );
    for c in [&kept, &cleared] {
        let m = wait_payload(c, b"plain");
        assert!(!m.msg.retain, "a non-retained publication: {m:?}");
        assert_eq!(c.messages_v5().len(), 2, "{:?}", c.messages_v5());
    }
    finish(publisher);
    finish(kept);
    finish(cleared);
}

/// Subscribe `c` to `topic` with `options` twice; after each SUBACK, publish a sentinel that `c`
/// receives itself. Returns how many retained messages arrived before each sentinel.
fn retained_per_subscribe(c: &Client, topic: &str, options: i32) -> Vec<usize> {
    let mut counts = Vec::new();
    for round in 0..2 {
        subscribe_v5(c, topic, 1, options);
        let sentinel = format!("sentinel-{round}");
        // The broker sends the retained messages for a SUBSCRIBE before it handles the next
        // packet of the same client: they come before the sentinel.
        publish_acked(c, topic, sentinel.as_bytes(), false);
        wait_payload(c, sentinel.as_bytes());
        let msgs = c.messages_v5();
        let before = msgs
            .iter()
            .position(|m| m.msg.payload == sentinel.as_bytes())
            .unwrap();
        let earlier_sentinels = msgs[..before]
            .iter()
            .filter(|m| m.msg.payload.starts_with(b"sentinel-"))
            .count();
        assert_eq!(earlier_sentinels, round, "{msgs:?}");
        let retained = msgs[..before]
            .iter()
            .filter(|m| m.msg.payload == b"kept")
            .inspect(|m| assert!(m.msg.retain, "a retained delivery has the flag: {m:?}"))
            .count();
        counts.push(retained - counts.iter().sum::<usize>());
    }
    counts
}

#[test]
fn retain_handling_0_1_2() {
    let broker = Broker::start(BrokerConfig::default());
    let topic = unique("rh");
    let publisher = started_v5(broker.port(), &unique("rh-pub"));
    publish_acked(&publisher, &topic, b"kept", true);

    let cases = [
        (0, vec![1, 1], "0: on every subscribe"),
        (
            RETAIN_HANDLING_NEW_ONLY,
            vec![1, 0],
            "1: only for a new subscription",
        ),
        (RETAIN_HANDLING_NEVER, vec![0, 0], "2: never"),
    ];
    for (options, want, what) in cases {
        let c = started_v5(broker.port(), &unique("rh-sub"));
        assert_eq!(
            retained_per_subscribe(&c, &topic, options),
            want,
            "retain handling {what}"
        );
        finish(c);
    }
    finish(publisher);
}

/// Bytes of a QoS 1 PUBLISH without properties: fixed header, topic, packet id, property length
/// (0), payload.
fn publish_packet_size(topic: &str, payload: usize) -> usize {
    let remaining = 2 + topic.len() + 2 + 1 + payload;
    let mut len_bytes = 1;
    let mut n = remaining / 128;
    while n > 0 {
        len_bytes += 1;
        n /= 128;
    }
    1 + len_bytes + remaining
}

#[test]
fn broker_maximum_packet_size_is_honoured() {
    const MAX: usize = 1000;
    let broker = Broker::start(BrokerConfig::default().line(&format!("max_packet_size {MAX}")));
    let proxy = Proxy::start(broker.port());
    let topic = unique("max-packet");
    let sub = started_v5(broker.port(), &unique("mps-sub"));
    subscribe_v5(&sub, &topic, 1, 0);

    let c = Client::new_v5(Some(&unique("mps-pub")), true);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(c.connect_v5(proxy.port, 60, null()), 0);
    let (rc, _, props) = c.wait_connect_v5(PROMPT).expect("on_connect_v5");
    assert_eq!(rc, 0);
    assert_eq!(
        props.int(PROP_MAXIMUM_PACKET_SIZE),
        Some(MAX as u32),
        "CONNACK carries the broker's Maximum Packet Size: {props:?}"
    );

    let fits = (0..MAX)
        .rev()
        .find(|p| publish_packet_size(&topic, *p) <= MAX)
        .unwrap();
    assert_eq!(
        publish_packet_size(&topic, fits),
        MAX,
        "a packet of exactly {MAX} bytes"
    );
    let too_big = vec![b'x'; fits + 1];
    assert_eq!(
        c.publish_v5(&topic, &too_big, 1, false, null()),
        Err(MOSQ_ERR_OVERSIZE_PACKET),
        "a {}-byte PUBLISH is refused",
        MAX + 1
    );
    assert_eq!(
        c.publish_v5(&topic, &vec![b'y'; 5000], 0, false, null()),
        Err(MOSQ_ERR_OVERSIZE_PACKET),
        "a much bigger QoS 0 PUBLISH is refused"
    );
    let exact = vec![b'z'; fits];
    let mid = c
        .publish_v5(&topic, &exact, 1, false, null())
        .expect("exactly the maximum");
    assert_eq!(c.wait_publish_v5(mid, PROMPT).map(|(rc, _)| rc), Some(0));
    publish_acked(&c, &topic, b"small", false);

    let m = wait_payload(&sub, b"small");
    assert_eq!(m.msg.topic, topic);
    let got: Vec<usize> = sub
        .messages_v5()
        .iter()
        .map(|m| m.msg.payload.len())
        .collect();
    assert_eq!(
        got,
        vec![fits, 5],
        "only the two fitting messages were delivered"
    );
    assert_eq!(
        proxy.count(Dir::ToBroker, PUBLISH),
        2,
        "the refused publications never reached the socket"
    );
    // The connection survived.
    assert!(!c
        .events5()
        .snapshot()
        .iter()
        .any(|e| matches!(e, Ev5::Disconnect { .. })));
    finish(c);
    finish(sub);
}

#[test]
fn broker_receive_maximum_bounds_the_inflight_window() {
    const WINDOW: usize = 3;
    let broker =
        Broker::start(BrokerConfig::default().line(&format!("max_inflight_messages {WINDOW}")));
    let proxy = Proxy::start(broker.port());
    let topic = unique("recv-max");
    let c = Client::new_v5(Some(&unique("rm-pub")), true);
    // The client's own limit (default 20) is far above the broker's.
    assert_eq!(c.loop_start(), 0);
    assert_eq!(c.connect_v5(proxy.port, 60, null()), 0);
    let (rc, _, props) = c.wait_connect_v5(PROMPT).expect("on_connect_v5");
    assert_eq!(rc, 0);
    assert_eq!(
        props.int(PROP_RECEIVE_MAXIMUM),
        Some(WINDOW as u32),
        "CONNACK carries the broker's Receive Maximum: {props:?}"
    );

    let mut mids = Vec::new();
    for i in 0..40 {
        let qos = 1 + (i % 2);
        mids.push(
            c.publish_v5(&topic, format!("m{i}").as_bytes(), qos, false, null())
                .expect("publish_v5"),
        );
    }
    assert!(
        c.events5()
            .wait_until(PROMPT, |evs| mids.iter().all(|mid| evs.iter().any(
                |e| matches!(e, Ev5::Publish { mid: m, rc: 0 | 0x10, .. } if m == mid)
            ))),
        "every publication completes: {:?}",
        c.events5().snapshot()
    );

    // The proxy records a PUBLISH before passing it on and an acknowledgement before the client
    // can see it, so the records are in causal order: outstanding = sent - completed.
    let mut outstanding: i64 = 0;
    let mut peak = 0;
    for s in proxy.seen.snapshot() {
        match (s.dir, s.kind) {
            (Dir::ToBroker, PUBLISH) => outstanding += 1,
            (Dir::ToClient, PUBACK | PUBCOMP) => outstanding -= 1,
            _ => {}
        }
        peak = peak.max(outstanding);
    }
    assert_eq!(outstanding, 0);
    assert_eq!(proxy.count(Dir::ToBroker, PUBLISH), 40);
    assert!(
        peak <= WINDOW as i64,
        "{peak} QoS 1/2 messages in flight, the broker allows {WINDOW}"
    );
    assert_eq!(peak, WINDOW as i64, "the window is used in full");
    finish(c);
}

/// Connect an MQTT 5 client with `creds`, driven by `mosquitto_loop`; return the on_connect_v5
/// rc and the later on_disconnect_v5 rc.
fn refused_v5(port: u16, creds: Option<(&str, &str)>) -> (i32, i32) {
    let c = Client::new_v5(Some(&unique("v5-refused")), true);
    if let Some((u, p)) = creds {
        assert_eq!(c.username_pw_set(u, p), 0);
    }
    assert_eq!(c.connect_v5(port, 60, null()), 0);
    let mut errors = Vec::new();
    c.run_until(PROMPT, &mut errors, |_| {
        c.events5()
            .snapshot()
            .iter()
            .any(|e| matches!(e, Ev5::Disconnect { .. }))
    });
    let evs = c.events5().snapshot();
    let connect = evs.iter().find_map(|e| match e {
        Ev5::Connect { rc, .. } => Some(*rc),
        _ => None,
    });
    let disconnect = evs.iter().find_map(|e| match e {
        Ev5::Disconnect { rc, .. } => Some(*rc),
        _ => None,
    });
    assert!(messages_v5(&evs).is_empty());
    (
        connect.unwrap_or_else(|| panic!("no on_connect_v5: {evs:?}")),
        disconnect.unwrap_or_else(|| panic!("no on_disconnect_v5: {evs:?}")),
    )
}

#[test]
fn refused_v5_connection_reports_the_connack_reason_code() {
    let broker = Broker::start(BrokerConfig::default().user("alice", "s3cret"));
    // mosquitto 2.0 answers bad credentials and anonymous clients with 0x87 Not authorized.
    for creds in [Some(("alice", "wrong")), Some(("mallory", "s3cret")), None] {
        let (connect, disconnect) = refused_v5(broker.port(), creds);
        assert_eq!(connect, RC_NOT_AUTHORIZED, "on_connect_v5 rc for {creds:?}");
        assert_ne!(
            disconnect, 0,
            "on_disconnect_v5 after a refusal ({creds:?})"
        );
    }
    // The right ones are accepted.
    let c = Client::new_v5(Some(&unique("v5-ok")), true);
    assert_eq!(c.username_pw_set("alice", "s3cret"), 0);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(c.connect_v5(broker.port(), 60, null()), 0);
    assert_eq!(c.wait_connect_v5(PROMPT).map(|(rc, ..)| rc), Some(0));
    finish(c);
}

/// Drive `c` with `mosquitto_loop` until its `on_disconnect_v5`; return that rc.
fn run_until_disconnect_v5(c: &Client) -> i32 {
    let mut errors = Vec::new();
    let disconnected = |c: &Client| {
        c.events5()
            .snapshot()
            .iter()
            .any(|e| matches!(e, Ev5::Disconnect { .. }))
    };
    assert!(
        c.run_until(PROMPT, &mut errors, |_| disconnected(c)),
        "on_disconnect_v5: {:?}",
        c.events5().snapshot()
    );
    c.wait_disconnect_v5(PROMPT).unwrap().0
}

/// An MQTT 5 client connected through `proxy`, driven by `mosquitto_loop` in this thread (so it
/// never reconnects by itself).
fn manual_v5(proxy: &Proxy, id: &str) -> Client {
    let c = Client::new_v5(Some(id), true);
    assert_eq!(c.connect_v5(proxy.port, 60, null()), 0);
    let mut errors = Vec::new();
    assert!(c.run_until(PROMPT, &mut errors, |evs| !evs.is_empty()));
    assert_eq!(c.wait_connect_v5(PROMPT).map(|(rc, ..)| rc), Some(0));
    c
}

#[test]
fn server_disconnect_reason_code_reaches_on_disconnect_v5() {
    let broker = Broker::start(BrokerConfig::default());
    let proxy = Proxy::start(broker.port());
    let c = manual_v5(&proxy, &unique("server-disconnect"));
    let (_, _, props) = c.wait_connect_v5(PROMPT).unwrap();
    let alias_max = props
        .int(34)
        .expect("mosquitto announces a Topic Alias Maximum");
    // Make the broker end the connection with a reason: write, behind the library's back, a
    // QoS 0 PUBLISH with a topic alias above the maximum (mosquitto answers DISCONNECT 0x94).
    let alias = u16::try_from(alias_max + 1).unwrap().to_be_bytes();
    let mut packet = vec![0x30, 0, 0, 3, b'a', b'/', b'b', 3, 0x23, alias[0], alias[1]];
    packet.extend_from_slice(b"x");
    packet[1] = (packet.len() - 2) as u8;
    let fd = c.socket();
    assert!(fd >= 0);
    // SAFETY: write(2) on the client's live socket; nothing else uses the handle meanwhile.
    let n = unsafe { libc::write(fd, packet.as_ptr() as *const libc::c_void, packet.len()) };
    assert_eq!(n, packet.len() as isize);
    let rc = run_until_disconnect_v5(&c);
    assert_eq!(
        proxy.count(Dir::ToClient, DISCONNECT),
        1,
        "mosquitto sent a DISCONNECT"
    );
    assert_eq!(
        rc, RC_TOPIC_ALIAS_INVALID,
        "on_disconnect_v5 rc is the broker's DISCONNECT reason code"
    );
}

#[test]
fn session_take_over_ends_the_old_connection() {
    let broker = Broker::start(BrokerConfig::default());
    let proxy = Proxy::start(broker.port());
    let id = unique("takeover");
    let first = manual_v5(&proxy, &id);

    let second = started_v5(broker.port(), &id);
    let rc = run_until_disconnect_v5(&first);
    // mosquitto 2.0.11 closes the old connection without a DISCONNECT packet (no 0x8E): the
    // first client sees the connection lost.
    assert_eq!(proxy.count(Dir::ToClient, DISCONNECT), 0);
    assert_eq!(rc, MOSQ_ERR_CONN_LOST, "on_disconnect_v5 rc");
    // The second session is the one alive.
    let topic = unique("takeover-topic");
    subscribe_v5(&second, &topic, 1, 0);
    publish_acked(&second, &topic, b"alive", false);
    wait_payload(&second, b"alive");
    finish(second);
}
