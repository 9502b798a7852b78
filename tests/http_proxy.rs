//! `culex_http_proxy_set` against an HTTP CONNECT proxy written for the tests
//! (tests/common/http_proxy.rs) in front of real mosquitto brokers: Basic authentication on every
//! connection, QoS 0, 1 and 2 in all four loop modes across a broker restart (each reconnect
//! through the proxy again), refused and missing credentials as MOSQ_ERR_PROXY with the proxy's
//! status in the log, and the proxy combined with TLS and with WebSockets over TLS.

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
use common::http_proxy::{HttpProxy, Rules, Seen};
use common::restart::pubsub_across_restart;
use common::{free_port, unique, PROMPT};
use culex::ffi::culex::{culex_http_proxy_set, culex_transport_set};
use culex::ffi::tls::mosquitto_tls_set;
use tls_certs::Certs;

const MOSQ_ERR_PROXY: i32 = 16;

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn proxy_set(client: &Client, proxy: &HttpProxy, credentials: Option<(&str, &str)>) {
    let (user, pass) = match credentials {
        Some((u, p)) => (Some(c(u)), Some(c(p))),
        None => (None, None),
    };
    let ptr = |s: &Option<CString>| s.as_ref().map_or(null(), |s| s.as_ptr());
    let host = c("127.0.0.1");
    let rc = unsafe {
        culex_http_proxy_set(
            client.mosq,
            host.as_ptr(),
            i32::from(proxy.port),
            ptr(&user),
            ptr(&pass),
        )
    };
    assert_eq!(rc, 0);
}

fn connect_host(client: &Client, host: &str, port: u16, blocking: bool) -> i32 {
    let host = c(host);
    unsafe {
        if blocking {
            culex::ffi::client::mosquitto_connect(client.mosq, host.as_ptr(), i32::from(port), 30)
        } else {
            culex::ffi::client::mosquitto_connect_async(
                client.mosq,
                host.as_ptr(),
                i32::from(port),
                30,
            )
        }
    }
}

fn loop_until_error(client: &Client) -> Option<i32> {
    let deadline = Instant::now() + PROMPT;
    while Instant::now() < deadline {
        let rc = client.loop_once(50);
        if rc != 0 {
            return Some(rc);
        }
    }
    None
}

fn logged(client: &Client, needle: &str) -> bool {
    client
        .events()
        .snapshot()
        .iter()
        .any(|e| matches!(e, Ev::Log(_, l) if l.contains(needle)))
}

#[test]
fn through_the_proxy_at_every_qos_in_every_loop_mode_across_a_restart() {
    let mut broker = Broker::start(BrokerConfig::default());
    let proxy = HttpProxy::start(Rules {
        credentials: Some(("alice".into(), "s3cret".into())),
        ports: vec![broker.port()],
    });
    for mode in MODES {
        let before = proxy.tunnels();
        let client = Client::new(Some(&unique("http-proxy")), true);
        proxy_set(&client, &proxy, Some(("alice", "s3cret")));
        let port = broker.port();
        pubsub_across_restart("HTTP proxy", &mut broker, mode, &client, &|c| {
            connect_host(c, "localhost", port, true)
        });
        assert!(
            proxy.tunnels() >= before + 2,
            "{mode:?}: every connection through the proxy: {:?}",
            proxy.seen()
        );
    }
    let seen = proxy.seen();
    assert!(seen.contains(&Seen::Request {
        target: format!("localhost:{}", broker.port()),
        authorization: Some("Basic YWxpY2U6czNjcmV0".into()),
    }));
    assert!(proxy.violations().is_empty(), "{seen:?}");
}

#[test]
fn refused_or_missing_credentials_are_proxy_errors() {
    let broker = Broker::start(BrokerConfig::default());
    let proxy = HttpProxy::start(Rules {
        credentials: Some(("alice".into(), "s3cret".into())),
        ports: vec![broker.port()],
    });
    let client = Client::new(Some(&unique("http-proxy-bad")), true);
    client.enable_log(true);
    proxy_set(&client, &proxy, Some(("alice", "wrong")));
    assert_eq!(
        connect_host(&client, "localhost", broker.port(), true),
        MOSQ_ERR_PROXY
    );
    assert!(logged(
        &client,
        "refused the username/password (407 Proxy Authentication Required)"
    ));
    assert_eq!(connect_host(&client, "localhost", broker.port(), false), 0);
    assert_eq!(loop_until_error(&client), Some(MOSQ_ERR_PROXY));
    proxy_set(&client, &proxy, None);
    assert_eq!(
        connect_host(&client, "localhost", broker.port(), true),
        MOSQ_ERR_PROXY
    );
    assert!(logged(&client, "requires authentication"));
    // A broker the proxy cannot reach.
    proxy_set(&client, &proxy, Some(("alice", "s3cret")));
    assert_eq!(
        connect_host(&client, "localhost", free_port(), true),
        MOSQ_ERR_PROXY
    );
    assert!(logged(
        &client,
        "could not open a tunnel to the broker: 502 Bad Gateway"
    ));
    assert!(!client
        .events()
        .snapshot()
        .iter()
        .any(|e| matches!(e, Ev::Connect(_))));
    assert!(
        !broker.log().contains("New client connected"),
        "{}",
        broker.log()
    );
}

#[test]
fn the_proxy_carries_tls_and_websockets_over_tls() {
    let certs = Certs::new();
    let ws_port = free_port();
    let mut config = BrokerConfig::default();
    for line in certs.listener_lines(&certs.server) {
        config = config.line(&line);
    }
    config = config
        .line(&format!("listener {ws_port} 127.0.0.1"))
        .line("protocol websockets");
    for line in certs.listener_lines(&certs.server) {
        config = config.line(&line);
    }
    let broker = Broker::start(config);
    let proxy = HttpProxy::start(Rules {
        credentials: None,
        ports: vec![broker.port(), ws_port],
    });
    for websockets in [false, true] {
        let client = Client::new(Some(&unique("http-proxy-tls")), true);
        proxy_set(&client, &proxy, None);
        let ca = c(certs.ca.to_str().unwrap());
        assert_eq!(
            unsafe { mosquitto_tls_set(client.mosq, ca.as_ptr(), null(), null(), null(), None) },
            0
        );
        let port = if websockets {
            assert_eq!(unsafe { culex_transport_set(client.mosq, 1) }, 0);
            ws_port
        } else {
            broker.port()
        };
        assert_eq!(client.loop_start(), 0);
        assert_eq!(connect_host(&client, "localhost", port, false), 0);
        assert_eq!(
            client.wait_connect(PROMPT),
            Some(0),
            "websockets {websockets}: {:?}",
            proxy.seen()
        );
        let topic = unique("http-proxy/tls");
        let mid = client.subscribe(&topic, 1).unwrap();
        assert_eq!(client.wait_suback(mid, PROMPT), Some(vec![1]));
        client.publish(&topic, b"tunnelled", 1, false).unwrap();
        assert!(client
            .wait_message(PROMPT, |m| m.payload == b"tunnelled")
            .is_some());
        assert!(proxy
            .seen()
            .contains(&Seen::Tunnel(format!("localhost:{port}"))));
        assert_eq!(client.disconnect(), 0);
        assert_eq!(client.loop_stop(false), 0);
    }
    assert!(proxy.violations().is_empty(), "{:?}", proxy.seen());
}
