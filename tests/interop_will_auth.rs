//! Will messages and username/password authentication against a real mosquitto broker.

mod common;

use common::broker::{Broker, BrokerConfig};
use common::client::{messages, Client, Ev, Msg, MOSQ_ERR_CONN_REFUSED};
use common::{unique, PROMPT};

/// An observer subscribed to `filter` at QoS 1, driven by `loop_start`.
fn observer(port: u16, filter: &str) -> Client {
    let c = Client::new(Some(&unique("observer")), true);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(c.connect(port, 60), 0);
    assert_eq!(c.wait_connect(PROMPT), Some(0));
    let mid = c.subscribe(filter, 1).unwrap();
    assert_eq!(c.wait_suback(mid, PROMPT), Some(vec![1]));
    c
}

/// A client with a will on `topic`, connected and driven by `loop_start`.
fn with_will(port: u16, id: &str, topic: &str, payload: &[u8]) -> Client {
    let c = Client::new(Some(id), true);
    assert_eq!(c.will_set(topic, payload, 1, false), 0);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(c.connect(port, 60), 0);
    assert_eq!(c.wait_connect(PROMPT), Some(0));
    c
}

fn wait_message(c: &Client, topic: &str) -> Option<Msg> {
    c.wait_message(PROMPT, |m| m.topic == topic)
}

/// A broker, an observer of `{base}/#` and the will topic `{base}/w`, with `base` unique to `tag`.
fn will_setup(tag: &str) -> (Broker, Client, String, String) {
    let broker = Broker::start(BrokerConfig::default());
    let base = unique(tag);
    let obs = observer(broker.port(), &format!("{base}/#"));
    let topic = format!("{base}/w");
    (broker, obs, base, topic)
}

#[test]
fn will_is_published_when_the_socket_dies() {
    let (broker, obs, _, topic) = will_setup("will-shut");

    // Driven by mosquitto_loop in this thread, so no reconnect follows the shutdown.
    let c = Client::new(Some(&unique("w-shut")), true);
    assert_eq!(c.will_set(&topic, b"gone", 1, false), 0);
    assert_eq!(c.connect(broker.port(), 60), 0);
    let mut errors = Vec::new();
    assert!(c.run_until(PROMPT, &mut errors, |evs| evs.contains(&Ev::Connect(0))));
    let fd = c.socket();
    assert!(fd >= 0);
    // SAFETY: shutdown(2) on the client's live socket; the client is not polled concurrently.
    assert_eq!(unsafe { libc::shutdown(fd, libc::SHUT_RDWR) }, 0);
    let Some(m) = wait_message(&obs, &topic) else {
        panic!(
            "no will after the socket was shut down: {:?}",
            obs.messages()
        );
    };
    assert_eq!(m.payload, b"gone");
    assert_eq!(m.qos, 1);
    // The client notices the dead link as an unexpected disconnect.
    assert!(c.run_until(PROMPT, &mut errors, |evs| evs
        .iter()
        .any(|e| matches!(e, Ev::Disconnect(rc) if *rc != 0))));
    drop(c);
}

#[test]
fn will_is_published_when_destroyed_without_disconnect() {
    let (broker, obs, _, topic) = will_setup("will-destroy");
    let c = with_will(broker.port(), &unique("w-destroy"), &topic, b"destroyed");
    // mosquitto_destroy sends no DISCONNECT (as libmosquitto): the broker sees an abnormal end.
    drop(c);
    let Some(m) = wait_message(&obs, &topic) else {
        panic!("no will after destroy: {:?}", obs.messages());
    };
    assert_eq!(m.payload, b"destroyed");
}

/// Anything the broker published for an ended client came before a sentinel published after
/// its end: once the observer has the sentinel, the observer's messages are complete.
fn messages_until_sentinel(broker: &Broker, obs: &Client, base: &str) -> Vec<Msg> {
    let sentinel = format!("{base}/sentinel");
    let p = Client::new(Some(&unique("sentinel")), true);
    assert_eq!(p.loop_start(), 0);
    assert_eq!(p.connect(broker.port(), 60), 0);
    p.publish(&sentinel, b"s", 1, false).unwrap();
    assert!(wait_message(obs, &sentinel).is_some());
    obs.messages()
}

/// A short-lived publisher: connect, publish QoS 1, `mosquitto_disconnect()`, then
/// `mosquitto_destroy()` with no loop call in between. As with libmosquitto (whose commands
/// write at once when no loop thread runs), the message and the DISCONNECT are both on the wire
/// before destroy: the message arrives and the will is not published.
#[test]
fn disconnect_then_destroy_without_a_loop_call_sends_the_message_and_no_will() {
    let (broker, obs, base, topic) = will_setup("will-short");
    let id = unique("w-short");
    let c = Client::new(Some(&id), true);
    assert_eq!(c.will_set(&topic, b"must-not-appear", 1, false), 0);
    assert_eq!(c.connect(broker.port(), 60), 0);
    let mut errors = Vec::new();
    assert!(c.run_until(PROMPT, &mut errors, |evs| evs.contains(&Ev::Connect(0))));
    let last = format!("{base}/last");
    c.publish(&last, b"last words", 1, false).unwrap();
    assert_eq!(c.disconnect(), 0);
    drop(c);
    assert!(
        broker
            .wait_log(&format!("Client {id} disconnected."), PROMPT)
            .is_some(),
        "the broker saw a clean DISCONNECT:\n{}",
        broker.log()
    );
    let got = messages_until_sentinel(&broker, &obs, &base);
    assert!(
        got.iter()
            .any(|m| m.topic == last && m.payload == b"last words"),
        "the QoS 1 message published before the disconnect did not arrive: {got:?}"
    );
    assert!(
        got.iter().all(|m| m.topic != topic),
        "will published although the client disconnected: {got:?}"
    );
}

#[test]
fn no_will_after_clean_disconnect() {
    let (broker, obs, base, topic) = will_setup("will-clean");
    let id = unique("w-clean");
    let c = with_will(broker.port(), &id, &topic, b"must-not-appear");
    assert_eq!(c.disconnect(), 0);
    assert_eq!(c.wait_disconnect(PROMPT), Some(0));
    assert!(
        broker
            .wait_log(&format!("Client {id} disconnected."), PROMPT)
            .is_some(),
        "broker saw a clean DISCONNECT"
    );
    assert_eq!(c.loop_stop(false), 0);
    drop(c);
    let got = messages_until_sentinel(&broker, &obs, &base);
    assert!(
        got.iter().all(|m| m.topic != topic),
        "will published after a clean disconnect: {got:?}"
    );
}

fn auth_broker() -> Broker {
    Broker::start(BrokerConfig::default().user("alice", "s3cret"))
}

#[test]
fn right_credentials_are_accepted() {
    let broker = auth_broker();
    let c = Client::new(Some(&unique("auth-ok")), true);
    assert_eq!(c.username_pw_set("alice", "s3cret"), 0);
    assert_eq!(c.connect(broker.port(), 60), 0);
    let mut errors = Vec::new();
    assert!(c.run_until(PROMPT, &mut errors, |evs| !evs.is_empty()));
    assert_eq!(c.events().snapshot()[0], Ev::Connect(0));
    // And the session works: subscribe and get a SUBACK.
    let mid = c.subscribe("auth/#", 1).unwrap();
    assert!(c.run_until(PROMPT, &mut errors, |evs| evs
        .iter()
        .any(|e| matches!(e, Ev::Subscribe { mid: m, .. } if *m == mid))));
    assert!(errors.is_empty(), "loop errors: {errors:?}");
}

/// Connect with `creds`, drive with mosquitto_loop; expect on_connect(5) then on_disconnect.
fn expect_refused(port: u16, creds: Option<(&str, &str)>) {
    let c = Client::new(Some(&unique("auth-bad")), true);
    if let Some((u, p)) = creds {
        assert_eq!(c.username_pw_set(u, p), 0);
    }
    assert_eq!(c.connect(port, 60), 0);
    let mut errors = Vec::new();
    assert!(
        c.run_until(PROMPT, &mut errors, |evs| evs
            .iter()
            .any(|e| matches!(e, Ev::Disconnect(_)))),
        "on_disconnect after refusal; events {:?}",
        c.events().snapshot()
    );
    let evs = c.events().snapshot();
    assert_eq!(
        evs,
        vec![Ev::Connect(5), Ev::Disconnect(MOSQ_ERR_CONN_REFUSED)],
        "on_connect(5: not authorised) then on_disconnect(MOSQ_ERR_CONN_REFUSED)"
    );
    assert!(messages(&evs).is_empty());
    // mosquitto_loop reports the failure too, and does not reconnect by itself.
    assert!(!errors.is_empty());
}

#[test]
fn wrong_password_is_refused() {
    let broker = auth_broker();
    expect_refused(broker.port(), Some(("alice", "wrong")));
}

#[test]
fn unknown_user_and_anonymous_are_refused() {
    let broker = auth_broker();
    expect_refused(broker.port(), Some(("mallory", "s3cret")));
    expect_refused(broker.port(), None);
}
