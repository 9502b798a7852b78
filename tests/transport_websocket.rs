//! MQTT over WebSockets against real mosquitto `protocol websockets` listeners: `ws://` and
//! `wss://` (the broker's certificate verified against the test CA) at QoS 0, 1 and 2 in all four
//! loop modes across a broker restart, and a `wss://` broker whose certificate comes from a CA the
//! client does not trust refused with MOSQ_ERR_TLS before any MQTT byte.

// These tests drive the C API, where every call is unsafe by nature and its contract is the
// test's own; the crate's unsafe_op_in_unsafe_fn / undocumented_unsafe_blocks rules are for src/.
#![allow(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod common;
#[path = "common/tls_certs.rs"]
mod tls_certs;

use std::ffi::CString;
use std::ptr::null;
use std::time::Instant;

use common::broker::{Broker, BrokerConfig};
use common::client::{Client, Ev};
use common::drive::MODES;
use common::restart::pubsub_across_restart;
use common::{free_port, unique, PROMPT};
use culex::ffi::culex::{culex_socket_state, culex_transport_set};
use culex::ffi::tls::mosquitto_tls_set;
use tls_certs::{Certs, Issued};

const WEBSOCKETS: i32 = 1;
const MOSQ_ERR_TLS: i32 = 8;

/// A broker with a WebSocket listener on its own port (TLS with `server` when given).
fn ws_broker(tls: Option<(&Certs, &Issued)>) -> (Broker, u16) {
    let port = free_port();
    let mut config = BrokerConfig::default()
        .line(&format!("listener {port} 127.0.0.1"))
        .line("protocol websockets");
    if let Some((certs, server)) = tls {
        for line in certs.listener_lines(server) {
            config = config.line(&line);
        }
    }
    (Broker::start(config), port)
}

fn websockets(c: &Client) {
    assert_eq!(unsafe { culex_transport_set(c.mosq, WEBSOCKETS) }, 0);
}

fn trust(c: &Client, certs: &Certs) {
    let ca = CString::new(certs.ca.to_str().unwrap()).unwrap();
    assert_eq!(
        unsafe { mosquitto_tls_set(c.mosq, ca.as_ptr(), null(), null(), null(), None) },
        0
    );
}

fn connect_localhost(c: &Client, port: u16) -> i32 {
    let host = CString::new("localhost").unwrap();
    unsafe { culex::ffi::client::mosquitto_connect(c.mosq, host.as_ptr(), i32::from(port), 30) }
}

#[test]
fn ws_pubsub_at_every_qos_in_every_loop_mode_across_a_restart() {
    let (mut broker, port) = ws_broker(None);
    for mode in MODES {
        let c = Client::new(Some(&unique("ws")), true);
        websockets(&c);
        pubsub_across_restart("ws", &mut broker, mode, &c, &|c| c.connect(port, 30));
    }
}

#[test]
fn wss_pubsub_at_every_qos_in_every_loop_mode_across_a_restart() {
    let certs = Certs::new();
    let (mut broker, port) = ws_broker(Some((&certs, &certs.server)));
    for mode in MODES {
        let c = Client::new(Some(&unique("wss")), true);
        websockets(&c);
        trust(&c, &certs);
        // By name: the certificate is checked for "localhost".
        pubsub_across_restart("wss", &mut broker, mode, &c, &|c| {
            connect_localhost(c, port)
        });
    }
}

#[test]
fn wss_refuses_a_broker_certificate_it_cannot_verify() {
    let certs = Certs::new();
    let (broker, port) = ws_broker(Some((&certs, &certs.untrusted)));
    let c = Client::new(Some(&unique("wss-bad")), true);
    c.enable_log(true);
    websockets(&c);
    trust(&c, &certs);
    assert_eq!(connect_localhost(&c, port), 0);
    let deadline = Instant::now() + PROMPT;
    let mut rc = 0;
    while rc == 0 && Instant::now() < deadline {
        rc = c.loop_once(50);
    }
    assert_eq!(rc, MOSQ_ERR_TLS);
    let events = c.events().snapshot();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Ev::Log(_, l) if l.contains("certificate verify failed"))),
        "{events:?}"
    );
    assert!(!events.iter().any(|e| matches!(e, Ev::Connect(_))));
    assert_eq!(
        unsafe { culex_socket_state(c.mosq) },
        0,
        "no connection left"
    );
    // The broker never got as far as MQTT.
    assert!(
        !broker.log().contains("New client connected"),
        "{}",
        broker.log()
    );
}
