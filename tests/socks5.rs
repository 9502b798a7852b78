//! `mosquitto_socks5_set` against a small SOCKS5 proxy written here (RFC 1928 with RFC 1929
//! username/password), which forwards to a real mosquitto broker: no authentication,
//! username/password accepted and refused, the proxy unable to reach the broker (reply 5),
//! publish/subscribe at QoS 1 through it, a reconnect through it after the proxy drops the
//! connection, and the external loop calls.
//!
//! The proxy parses every message strictly and records a violation when a byte arrives that is
//! not the next SOCKS5 message, so a client that sent MQTT (or more) before the tunnel was open
//! fails the test.

mod common;

use std::ffi::CString;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::raw::c_int;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::broker::{Broker, BrokerConfig};
use common::client::{Client, Ev};
use common::events::EventLog;
use common::{unique, PROMPT};
use culex::ffi::client::mosquitto_socks5_set;
use culex::ffi::client::*;

const MOSQ_ERR_PROXY: i32 = 16;

/// What the proxy saw.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seen {
    /// The methods offered in the greeting.
    Greeting(Vec<u8>),
    Auth(String, String),
    /// The CONNECT request: address type and host (as text) and port.
    Request(u8, String, u16),
    /// A tunnel to the broker opened.
    Tunnel,
    /// Something that is not the expected SOCKS5 message.
    Violation(String),
}

#[derive(Clone)]
struct Rules {
    credentials: Option<(String, String)>,
    /// 0: connect to the broker; else refuse the request with this reply code.
    reply: u8,
    /// Where the broker really is (the proxy resolves names itself, like a real one).
    broker_port: u16,
}

struct Socks5Proxy {
    port: u16,
    seen: Arc<EventLog<Seen>>,
    /// The client side of every connection, so a test can cut them.
    clients: Arc<Mutex<Vec<TcpStream>>>,
}

impl Socks5Proxy {
    fn start(rules: Rules) -> Socks5Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(EventLog::new());
        let clients = Arc::new(Mutex::new(Vec::new()));
        let (seen2, clients2) = (Arc::clone(&seen), Arc::clone(&clients));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                clients2.lock().unwrap().push(stream.try_clone().unwrap());
                let (rules, seen) = (rules.clone(), Arc::clone(&seen2));
                std::thread::spawn(move || serve(stream, &rules, &seen));
            }
        });
        Socks5Proxy {
            port,
            seen,
            clients,
        }
    }

    /// Cut every connection made so far.
    fn drop_all(&self) {
        for s in self.clients.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.snapshot()
    }

    fn violations(&self) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| matches!(s, Seen::Violation(_)))
            .collect()
    }
}

fn read_n(s: &mut TcpStream, n: usize) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; n];
    s.read_exact(&mut buf).ok()?;
    Some(buf)
}

/// One client connection of the proxy.
fn serve(mut client: TcpStream, rules: &Rules, seen: &EventLog<Seen>) {
    client
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let violation = |what: String| seen.push(Seen::Violation(what));
    let Some(head) = read_n(&mut client, 2) else {
        return;
    };
    if head[0] != 5 {
        return violation(format!("greeting version {}", head[0]));
    }
    let Some(methods) = read_n(&mut client, usize::from(head[1])) else {
        return;
    };
    seen.push(Seen::Greeting(methods.clone()));
    if let Some((user, pass)) = &rules.credentials {
        if !methods.contains(&2) {
            let _ = client.write_all(&[5, 0xFF]);
            return;
        }
        client.write_all(&[5, 2]).unwrap();
        let Some(head) = read_n(&mut client, 2) else {
            return;
        };
        if head[0] != 1 {
            return violation(format!("auth version {}", head[0]));
        }
        let Some(got_user) = read_n(&mut client, usize::from(head[1])) else {
            return;
        };
        let Some(plen) = read_n(&mut client, 1) else {
            return;
        };
        let Some(got_pass) = read_n(&mut client, usize::from(plen[0])) else {
            return;
        };
        let (got_user, got_pass) = (
            String::from_utf8_lossy(&got_user).into_owned(),
            String::from_utf8_lossy(&got_pass).into_owned(),
        );
        seen.push(Seen::Auth(got_user.clone(), got_pass.clone()));
        if (&got_user, &got_pass) != (user, pass) {
            let _ = client.write_all(&[1, 1]);
            return;
        }
        client.write_all(&[1, 0]).unwrap();
    } else {
        if !methods.contains(&0) {
            return violation("no-auth not offered".into());
        }
        client.write_all(&[5, 0]).unwrap();
    }
    let Some(head) = read_n(&mut client, 4) else {
        return;
    };
    if head[..3] != [5, 1, 0] {
        return violation(format!("request header {head:?}"));
    }
    let host = match head[3] {
        1 => read_n(&mut client, 4).map(|a| format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])),
        3 => read_n(&mut client, 1)
            .and_then(|len| read_n(&mut client, usize::from(len[0])))
            .map(|h| String::from_utf8_lossy(&h).into_owned()),
        4 => read_n(&mut client, 16).map(|a| {
            let octets: [u8; 16] = a.try_into().unwrap();
            std::net::Ipv6Addr::from(octets).to_string()
        }),
        other => return violation(format!("address type {other}")),
    };
    let (Some(host), Some(port)) = (host, read_n(&mut client, 2)) else {
        return;
    };
    let port = u16::from_be_bytes([port[0], port[1]]);
    seen.push(Seen::Request(head[3], host.clone(), port));
    if rules.reply != 0 {
        let _ = client.write_all(&[5, rules.reply, 0, 1, 0, 0, 0, 0, 0, 0]);
        return;
    }
    // A real proxy resolves the name; this one knows where the broker is.
    let known = (host == "localhost" || host == "127.0.0.1") && port == rules.broker_port;
    let upstream = if known {
        TcpStream::connect(("127.0.0.1", port)).ok()
    } else {
        None
    };
    let Some(upstream) = upstream else {
        let _ = client.write_all(&[5, 4, 0, 1, 0, 0, 0, 0, 0, 0]);
        return;
    };
    // Reply with a domain-name bound address, to exercise that form too.
    let mut reply = vec![5, 0, 0, 3, 5];
    reply.extend_from_slice(b"proxy");
    reply.extend_from_slice(&port.to_be_bytes());
    client.write_all(&reply).unwrap();
    seen.push(Seen::Tunnel);
    client.set_read_timeout(None).unwrap();
    let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    let (mut client, mut upstream) = (client, upstream);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut u2, &mut c2);
        let _ = c2.shutdown(Shutdown::Both);
    });
    let _ = std::io::copy(&mut client, &mut upstream);
    let _ = upstream.shutdown(Shutdown::Both);
}

fn cstr(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn socks5_set(c: &Client, port: u16, credentials: Option<(&str, &str)>) {
    let host = cstr("127.0.0.1");
    let (user, pass) = match credentials {
        Some((u, p)) => (Some(cstr(u)), Some(cstr(p))),
        None => (None, None),
    };
    let ptr = |s: &Option<CString>| s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
    // SAFETY: live handle, valid C strings.
    let rc = unsafe {
        mosquitto_socks5_set(c.mosq, host.as_ptr(), port as c_int, ptr(&user), ptr(&pass))
    };
    assert_eq!(rc, 0);
}

fn connect_host(c: &Client, host: &str, port: u16, blocking: bool) -> i32 {
    let host = cstr(host);
    // SAFETY: live handle, valid C string.
    unsafe {
        if blocking {
            mosquitto_connect(c.mosq, host.as_ptr(), port as c_int, 30)
        } else {
            mosquitto_connect_async(c.mosq, host.as_ptr(), port as c_int, 30)
        }
    }
}

fn rules(broker: &Broker) -> Rules {
    Rules {
        credentials: None,
        reply: 0,
        broker_port: broker.port(),
    }
}

/// Subscribe and publish to ourselves at QoS 1 and check the message comes back.
fn pubsub_qos1(c: &Client) {
    let topic = unique("socks5/t");
    let mid = c.subscribe(&topic, 1).unwrap();
    assert_eq!(c.wait_suback(mid, PROMPT), Some(vec![1]));
    let mid = c.publish(&topic, b"through the proxy", 1, false).unwrap();
    assert!(c.wait_publish(mid, PROMPT), "no PUBACK");
    let msg = c
        .wait_message(PROMPT, |m| m.topic == topic)
        .expect("message through the proxy");
    assert_eq!(
        (msg.payload.as_slice(), msg.qos),
        (&b"through the proxy"[..], 1)
    );
}

/// Run `mosquitto_loop` until it returns an error; the first error code.
fn loop_until_error(c: &Client, timeout: Duration) -> Option<i32> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        let rc = c.loop_once(100);
        if rc != 0 {
            return Some(rc);
        }
    }
    None
}

#[test]
fn no_auth_pubsub_qos1_with_the_broker_named_for_the_proxy() {
    let broker = Broker::start(BrokerConfig::default());
    let proxy = Socks5Proxy::start(rules(&broker));
    let c = Client::new(Some(&unique("socks-noauth")), true);
    socks5_set(&c, proxy.port, None);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(connect_host(&c, "localhost", broker.port(), false), 0);
    assert_eq!(c.wait_connect(PROMPT), Some(0), "{:?}", proxy.seen());
    pubsub_qos1(&c);
    let seen = proxy.seen();
    assert_eq!(seen[0], Seen::Greeting(vec![0]));
    // A name goes to the proxy as a name (address type 3): the proxy resolves it.
    assert_eq!(seen[1], Seen::Request(3, "localhost".into(), broker.port()));
    assert!(proxy.violations().is_empty(), "{seen:?}");
    assert_eq!(c.disconnect(), 0);
    assert_eq!(c.loop_stop(false), 0);
}

#[test]
fn username_and_password_accepted_blocking_connect_numeric_broker() {
    let broker = Broker::start(BrokerConfig::default());
    let proxy = Socks5Proxy::start(Rules {
        credentials: Some(("alice".into(), "s3cret".into())),
        ..rules(&broker)
    });
    let c = Client::new(Some(&unique("socks-auth")), true);
    socks5_set(&c, proxy.port, Some(("alice", "s3cret")));
    assert_eq!(connect_host(&c, "127.0.0.1", broker.port(), true), 0);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(c.wait_connect(PROMPT), Some(0), "{:?}", proxy.seen());
    pubsub_qos1(&c);
    let seen = proxy.seen();
    assert_eq!(seen[0], Seen::Greeting(vec![0, 2]));
    assert_eq!(seen[1], Seen::Auth("alice".into(), "s3cret".into()));
    assert_eq!(seen[2], Seen::Request(1, "127.0.0.1".into(), broker.port()));
    assert!(proxy.violations().is_empty(), "{seen:?}");
    assert_eq!(c.disconnect(), 0);
    assert_eq!(c.loop_stop(false), 0);
}

#[test]
fn refused_credentials_fail_the_connect_with_proxy_error() {
    let broker = Broker::start(BrokerConfig::default());
    let proxy = Socks5Proxy::start(Rules {
        credentials: Some(("alice".into(), "s3cret".into())),
        ..rules(&broker)
    });
    let c = Client::new(Some(&unique("socks-badauth")), true);
    c.enable_log(true);
    socks5_set(&c, proxy.port, Some(("alice", "wrong")));
    // Blocking: the connect call itself reports it.
    assert_eq!(
        connect_host(&c, "localhost", broker.port(), true),
        MOSQ_ERR_PROXY
    );
    // Asynchronous: the loop reports it.
    assert_eq!(connect_host(&c, "localhost", broker.port(), false), 0);
    assert_eq!(loop_until_error(&c, PROMPT), Some(MOSQ_ERR_PROXY));
    let events = c.events().snapshot();
    assert!(
        !events.iter().any(|e| matches!(e, Ev::Connect(_))),
        "{events:?}"
    );
    assert!(
        events.iter().any(
            |e| matches!(e, Ev::Log(_, line) if line.contains("refused the username/password"))
        ),
        "{events:?}"
    );
    let seen = proxy.seen();
    assert_eq!(
        seen.iter()
            .filter(|s| **s == Seen::Auth("alice".into(), "wrong".into()))
            .count(),
        2
    );
    assert!(
        !seen.iter().any(|s| matches!(s, Seen::Request(..))),
        "{seen:?}"
    );
    assert!(proxy.violations().is_empty(), "{seen:?}");
}

#[test]
fn proxy_refusing_the_request_is_a_proxy_error() {
    let broker = Broker::start(BrokerConfig::default());
    let proxy = Socks5Proxy::start(Rules {
        reply: 5,
        ..rules(&broker)
    });
    let c = Client::new(Some(&unique("socks-refused")), true);
    c.enable_log(true);
    socks5_set(&c, proxy.port, None);
    assert_eq!(connect_host(&c, "localhost", broker.port(), false), 0);
    assert_eq!(loop_until_error(&c, PROMPT), Some(MOSQ_ERR_PROXY));
    let events = c.events().snapshot();
    assert!(
        !events.iter().any(|e| matches!(e, Ev::Connect(_))),
        "{events:?}"
    );
    assert!(
        events.iter().any(
            |e| matches!(e, Ev::Log(_, line) if line.contains("connection refused (reply 5)"))
        ),
        "{events:?}"
    );
    // The blocking connect reports it directly.
    assert_eq!(
        connect_host(&c, "localhost", broker.port(), true),
        MOSQ_ERR_PROXY
    );
}

#[test]
fn reconnects_go_through_the_proxy_again() {
    let broker = Broker::start(BrokerConfig::default());
    let proxy = Socks5Proxy::start(Rules {
        credentials: Some(("bob".into(), "pw".into())),
        ..rules(&broker)
    });
    let c = Client::new(Some(&unique("socks-reconnect")), true);
    socks5_set(&c, proxy.port, Some(("bob", "pw")));
    assert_eq!(c.reconnect_delay_set(1, 1, false), 0);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(connect_host(&c, "localhost", broker.port(), false), 0);
    assert_eq!(c.wait_connect(PROMPT), Some(0));
    proxy.drop_all();
    let rc = c
        .wait_disconnect(PROMPT)
        .expect("on_disconnect after the proxy cut us");
    assert_ne!(rc, 0);
    assert!(
        c.events().wait_until(PROMPT, |evs| evs
            .iter()
            .filter(|e| **e == Ev::Connect(0))
            .count()
            == 2),
        "no reconnect: {:?} / {:?}",
        c.events().snapshot(),
        proxy.seen()
    );
    pubsub_qos1(&c);
    let seen = proxy.seen();
    assert_eq!(
        seen.iter().filter(|s| matches!(s, Seen::Auth(..))).count(),
        2
    );
    assert_eq!(seen.iter().filter(|s| **s == Seen::Tunnel).count(), 2);
    assert!(proxy.violations().is_empty(), "{seen:?}");
    assert_eq!(c.disconnect(), 0);
    assert_eq!(c.loop_stop(false), 0);
}

#[test]
fn external_loop_through_the_proxy() {
    let broker = Broker::start(BrokerConfig::default());
    let proxy = Socks5Proxy::start(Rules {
        credentials: Some(("carol".into(), "x".into())),
        ..rules(&broker)
    });
    let c = Client::new(Some(&unique("socks-external")), true);
    socks5_set(&c, proxy.port, Some(("carol", "x")));
    assert_eq!(connect_host(&c, "localhost", broker.port(), false), 0);
    let topic = unique("socks5/ext");
    let mut state = 0;
    let deadline = Instant::now() + PROMPT * 2;
    while Instant::now() < deadline {
        // SAFETY: live handle.
        let (fd, want_write) = unsafe { (mosquitto_socket(c.mosq), mosquitto_want_write(c.mosq)) };
        if fd >= 0 {
            let mut pfd = libc::pollfd {
                fd,
                events: libc::POLLIN | if want_write { libc::POLLOUT } else { 0 },
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            unsafe { libc::poll(&mut pfd, 1, 50) };
            // SAFETY: live handle.
            unsafe {
                if pfd.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0 {
                    assert_eq!(mosquitto_loop_read(c.mosq, 1), 0);
                }
                if pfd.revents & libc::POLLOUT != 0 {
                    assert_eq!(mosquitto_loop_write(c.mosq, 1), 0);
                }
            }
        } else {
            std::thread::sleep(Duration::from_millis(10));
        }
        // SAFETY: live handle.
        assert_eq!(unsafe { mosquitto_loop_misc(c.mosq) }, 0);
        let events = c.events().snapshot();
        match state {
            0 if events.contains(&Ev::Connect(0)) => {
                c.subscribe(&topic, 1).unwrap();
                state = 1;
            }
            1 if events.iter().any(|e| matches!(e, Ev::Subscribe { .. })) => {
                c.publish(&topic, b"external", 1, false).unwrap();
                state = 2;
            }
            2 if !c.messages().is_empty() => break,
            _ => {}
        }
    }
    assert_eq!(state, 2, "{:?} / {:?}", c.events().snapshot(), proxy.seen());
    assert_eq!(c.messages()[0].payload, b"external");
    assert!(proxy.violations().is_empty(), "{:?}", proxy.seen());
}
