//! One scenario every transport runs: a client subscribes to its own topic at QoS 2, publishes
//! one message at each QoS and receives them; the broker restarts; the client (reconnected by its
//! loop, or by the test as an application in the two modes where that is the application's job)
//! does the same round on the new connection. Run in each of the four loop modes.

use super::broker::Broker;
use super::client::{Client, Ev};
use super::drive::{drive_reconnecting, Mode};
use super::{unique, DEFAULT_TIMEOUT, PROMPT};

/// Connect `client` with `connect` (returns the connect call's code), drive it in `mode`, and
/// run a round at QoS 0, 1 and 2 before and after `broker.restart()`. `what` names the
/// transport in failure messages.
pub fn pubsub_across_restart(
    what: &str,
    broker: &mut Broker,
    mode: Mode,
    client: &Client,
    connect: &dyn Fn(&Client) -> i32,
) {
    let topic = unique("transport/t");
    assert_eq!(client.reconnect_delay_set(1, 1, false), 0);
    assert_eq!(connect(client), 0, "{what} {mode:?}: connect");
    let driven = drive_reconnecting(client, mode);
    assert_eq!(
        client.wait_connect(PROMPT),
        Some(0),
        "{what} {mode:?}: {:?}\nbroker: {}",
        client.events().snapshot(),
        broker.log()
    );
    round(what, mode, client, &topic, "before");
    broker.restart();
    let reconnected = client.events().wait_until(DEFAULT_TIMEOUT * 2, |evs| {
        evs.iter().filter(|e| **e == Ev::Connect(0)).count() >= 2
    });
    assert!(
        reconnected,
        "{what} {mode:?}: no reconnect after the restart: {:?}",
        client.events().snapshot()
    );
    round(what, mode, client, &topic, "after");
    driven.stop();
}

/// Subscribe at QoS 2, publish `<phase>-q0/1/2`, and wait for all three with their QoS.
fn round(what: &str, mode: Mode, c: &Client, topic: &str, phase: &str) {
    let mid = c.subscribe(topic, 2).expect("subscribe");
    assert_eq!(
        c.wait_suback(mid, PROMPT),
        Some(vec![2]),
        "{what} {mode:?} {phase}: SUBACK"
    );
    for qos in 0..3 {
        c.publish(topic, format!("{phase}-q{qos}").as_bytes(), qos, false)
            .expect("publish");
    }
    let arrived = c.events().wait_until(PROMPT, |evs| {
        (0..3).all(|qos| {
            let payload = format!("{phase}-q{qos}");
            evs.iter().any(|e| {
                matches!(e, Ev::Message(m) if m.topic == topic && m.payload == payload.as_bytes() && m.qos == qos)
            })
        })
    });
    assert!(
        arrived,
        "{what} {mode:?} {phase}: messages: {:?}",
        c.messages()
    );
    let twice = c
        .messages()
        .iter()
        .filter(|m| m.payload == format!("{phase}-q2").as_bytes())
        .count();
    assert_eq!(
        twice, 1,
        "{what} {mode:?} {phase}: the QoS 2 message exactly once"
    );
}
