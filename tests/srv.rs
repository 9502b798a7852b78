//! `mosquitto_connect_srv` against a fake DNS server on 127.0.0.1 (UDP, and TCP for truncated
//! answers), pointed at with `CULEX_DNS_SERVER`, and a real mosquitto broker: SRV targets of
//! several priorities and weights where the lowest priority one is dead (the client falls back to
//! the next), targets with and without addresses in the additional section, NXDOMAIN
//! (`MOSQ_ERR_LOOKUP` from the loop and in `on_disconnect`), an answer truncated over UDP and
//! given in full over TCP, reconnects repeating the lookup, and `_secure-mqtt._tcp` with TLS.

mod common;

use std::collections::HashMap;
use std::ffi::CString;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, UdpSocket};
use std::os::raw::c_int;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::broker::{Broker, BrokerConfig};
use common::client::{Client, Ev};
use common::events::EventLog;
use common::{unique, PROMPT};
use culex::ffi::client::mosquitto_connect_srv;
use culex::ffi::client::mosquitto_reconnect_async;
use culex::ffi::tls::mosquitto_tls_set;

const MOSQ_ERR_LOOKUP: i32 = 20;

/// One SRV record of a zone, with the A record to put in the additional section, if any.
#[derive(Clone)]
struct Srv {
    priority: u16,
    weight: u16,
    port: u16,
    target: &'static str,
    glue: Option<Ipv4Addr>,
}

#[derive(Clone, Default)]
struct Zone {
    records: Vec<Srv>,
    /// Answer over UDP with the TC bit and nothing else; the full answer only over TCP.
    truncate: bool,
}

/// A question the server got: name, type, and whether it came over TCP.
type Question = (String, u16, bool);

struct FakeDns {
    zones: Mutex<HashMap<String, Zone>>,
    questions: EventLog<Question>,
}

/// The one fake server of this test binary (the environment variable is process-wide); each test
/// adds its own zones under unique names.
fn dns() -> &'static Arc<FakeDns> {
    static DNS: OnceLock<Arc<FakeDns>> = OnceLock::new();
    DNS.get_or_init(|| {
        let dns = Arc::new(FakeDns {
            zones: Mutex::new(HashMap::new()),
            questions: EventLog::new(),
        });
        // UDP and TCP on the same port.
        let (udp, tcp) = loop {
            let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
            let port = udp.local_addr().unwrap().port();
            if let Ok(tcp) = TcpListener::bind(("127.0.0.1", port)) {
                break (udp, tcp);
            }
        };
        let addr = udp.local_addr().unwrap();
        let d = Arc::clone(&dns);
        std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            while let Ok((n, from)) = udp.recv_from(&mut buf) {
                if let Some(reply) = d.answer(&buf[..n], false) {
                    let _ = udp.send_to(&reply, from);
                }
            }
        });
        let d = Arc::clone(&dns);
        std::thread::spawn(move || {
            for stream in tcp.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut len = [0u8; 2];
                if stream.read_exact(&mut len).is_err() {
                    continue;
                }
                let mut query = vec![0u8; usize::from(u16::from_be_bytes(len))];
                if stream.read_exact(&mut query).is_err() {
                    continue;
                }
                if let Some(reply) = d.answer(&query, true) {
                    let mut framed = (reply.len() as u16).to_be_bytes().to_vec();
                    framed.extend_from_slice(&reply);
                    let _ = stream.write_all(&framed);
                }
            }
        });
        std::env::set_var("CULEX_DNS_SERVER", addr.to_string());
        dns
    })
}

fn encode_name(name: &str, out: &mut Vec<u8>) {
    for label in name.split('.').filter(|l| !l.is_empty()) {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
}

impl FakeDns {
    fn add(&self, name: &str, zone: Zone) {
        self.zones
            .lock()
            .unwrap()
            .insert(name.to_ascii_lowercase(), zone);
    }

    fn asked(&self, name: &str) -> Vec<Question> {
        self.questions
            .snapshot()
            .into_iter()
            .filter(|q| q.0 == name)
            .collect()
    }

    /// The response to one query, as a DNS server would build it.
    fn answer(&self, query: &[u8], over_tcp: bool) -> Option<Vec<u8>> {
        let mut pos = 12;
        let mut labels = Vec::new();
        loop {
            let len = usize::from(*query.get(pos)?);
            if len == 0 {
                break;
            }
            labels.push(String::from_utf8_lossy(query.get(pos + 1..pos + 1 + len)?).into_owned());
            pos += 1 + len;
        }
        let question_end = pos + 5;
        let qtype = u16::from_be_bytes([*query.get(pos + 1)?, *query.get(pos + 2)?]);
        let name = labels.join(".").to_ascii_lowercase();
        self.questions.push((name.clone(), qtype, over_tcp));
        let zone = self.zones.lock().unwrap().get(&name).cloned();
        let mut reply = query[..2].to_vec();
        let mut flags: u16 = 0x8180; // QR, RD, RA
        let (answers, additional) = match &zone {
            None => {
                flags |= 3; // NXDOMAIN
                (Vec::new(), Vec::new())
            }
            Some(zone) if zone.truncate && !over_tcp => {
                flags |= 0x0200;
                (Vec::new(), Vec::new())
            }
            Some(zone) if qtype == 33 => {
                let mut answers = Vec::new();
                let mut additional = Vec::new();
                for srv in &zone.records {
                    let mut rr = vec![0xC0, 0x0C, 0, 33, 0, 1, 0, 0, 0, 60];
                    let mut rdata = Vec::new();
                    rdata.extend_from_slice(&srv.priority.to_be_bytes());
                    rdata.extend_from_slice(&srv.weight.to_be_bytes());
                    rdata.extend_from_slice(&srv.port.to_be_bytes());
                    encode_name(srv.target, &mut rdata);
                    rr.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
                    rr.extend_from_slice(&rdata);
                    answers.push(rr);
                    if let Some(ip) = srv.glue {
                        let mut rr = Vec::new();
                        encode_name(srv.target, &mut rr);
                        rr.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
                        rr.extend_from_slice(&ip.octets());
                        additional.push(rr);
                    }
                }
                (answers, additional)
            }
            Some(_) => (Vec::new(), Vec::new()),
        };
        reply.extend_from_slice(&flags.to_be_bytes());
        reply.extend_from_slice(&1u16.to_be_bytes());
        reply.extend_from_slice(&(answers.len() as u16).to_be_bytes());
        reply.extend_from_slice(&0u16.to_be_bytes());
        reply.extend_from_slice(&(additional.len() as u16).to_be_bytes());
        reply.extend_from_slice(query.get(12..question_end)?);
        for rr in answers.iter().chain(&additional) {
            reply.extend_from_slice(rr);
        }
        Some(reply)
    }
}

/// A port with nothing listening on it.
fn dead_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn connect_srv(c: &Client, domain: &str) -> i32 {
    let domain = CString::new(domain).unwrap();
    // SAFETY: live handle, valid C string.
    unsafe { mosquitto_connect_srv(c.mosq, domain.as_ptr(), 30 as c_int, std::ptr::null()) }
}

fn logs(c: &Client) -> Vec<String> {
    c.events()
        .snapshot()
        .into_iter()
        .filter_map(|e| match e {
            Ev::Log(_, line) => Some(line),
            _ => None,
        })
        .collect()
}

fn pubsub_qos1(c: &Client) {
    let topic = unique("srv/t");
    let mid = c.subscribe(&topic, 1).unwrap();
    assert_eq!(c.wait_suback(mid, PROMPT), Some(vec![1]));
    let mid = c.publish(&topic, b"found by SRV", 1, false).unwrap();
    assert!(c.wait_publish(mid, PROMPT));
    let msg = c
        .wait_message(PROMPT, |m| m.topic == topic)
        .expect("message");
    assert_eq!(msg.payload, b"found by SRV");
}

#[test]
fn lowest_priority_first_falls_back_to_the_next_and_reconnects_look_up_again() {
    let broker = Broker::start(BrokerConfig::default());
    let dead = dead_port();
    let domain = format!("{}.culex.test", unique("prio"));
    let name = format!("_mqtt._tcp.{domain}");
    dns().add(
        &name,
        Zone {
            records: vec![
                // Listed out of order on purpose; priority 1 is the one to try first.
                Srv {
                    priority: 20,
                    weight: 0,
                    port: dead,
                    target: "last.culex.test",
                    glue: Some(Ipv4Addr::LOCALHOST),
                },
                Srv {
                    priority: 10,
                    weight: 70,
                    port: broker.port(),
                    target: "broker.culex.test",
                    glue: Some(Ipv4Addr::LOCALHOST),
                },
                Srv {
                    priority: 1,
                    weight: 5,
                    port: dead,
                    target: "dead.culex.test",
                    glue: Some(Ipv4Addr::LOCALHOST),
                },
                // No glue: resolved by the system resolver.
                Srv {
                    priority: 10,
                    weight: 30,
                    port: broker.port(),
                    target: "localhost",
                    glue: None,
                },
            ],
            truncate: false,
        },
    );
    let c = Client::new(Some(&unique("srv-prio")), true);
    c.enable_log(true);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(connect_srv(&c, &domain), 0);
    assert_eq!(c.wait_connect(PROMPT), Some(0), "{:?}", logs(&c));
    pubsub_qos1(&c);
    assert_eq!(dns().asked(&name), vec![(name.clone(), 33, false)]);
    let lines = logs(&c);
    let order = lines
        .iter()
        .find(|l| l.starts_with("trying dead.culex.test"))
        .unwrap_or_else(|| panic!("the order is logged: {lines:?}"));
    let at = |needle: &str| {
        order
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} in {order}"))
    };
    assert!(at(&format!("dead.culex.test:{dead}")) < at("broker.culex.test"));
    assert!(at(&format!("dead.culex.test:{dead}")) < at("localhost"));
    assert!(at("broker.culex.test") < at("last.culex.test"));
    assert!(at("localhost") < at("last.culex.test"));
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("connect to 127.0.0.1:{dead} failed"))),
        "the dead target was tried first: {lines:?}"
    );

    // A reconnect looks the records up again.
    // SAFETY: live handle.
    assert_eq!(unsafe { mosquitto_reconnect_async(c.mosq) }, 0);
    assert!(
        c.events().wait_until(PROMPT, |evs| evs
            .iter()
            .filter(|e| **e == Ev::Connect(0))
            .count()
            == 2),
        "{:?}",
        logs(&c)
    );
    assert_eq!(dns().asked(&name).len(), 2);
    assert_eq!(c.disconnect(), 0);
    assert_eq!(c.loop_stop(false), 0);
}

#[test]
fn nxdomain_is_a_lookup_error_in_the_loop_and_on_disconnect() {
    dns();
    let domain = format!("{}.culex.test", unique("missing"));
    let c = Client::new(Some(&unique("srv-missing")), true);
    assert_eq!(connect_srv(&c, &domain), 0);
    let deadline = Instant::now() + PROMPT;
    let mut rc = 0;
    while rc == 0 && Instant::now() < deadline {
        rc = c.loop_once(100);
    }
    assert_eq!(rc, MOSQ_ERR_LOOKUP);
    assert_eq!(c.wait_disconnect(Duration::ZERO), Some(MOSQ_ERR_LOOKUP));
    assert!(!c
        .events()
        .snapshot()
        .iter()
        .any(|e| matches!(e, Ev::Connect(_))));
    assert_eq!(
        dns().asked(&format!("_mqtt._tcp.{domain}")),
        vec![(format!("_mqtt._tcp.{domain}"), 33, false)]
    );
}

#[test]
fn truncated_udp_answer_is_asked_again_over_tcp() {
    let broker = Broker::start(BrokerConfig::default());
    let domain = format!("{}.culex.test", unique("tc"));
    let name = format!("_mqtt._tcp.{domain}");
    dns().add(
        &name,
        Zone {
            records: vec![Srv {
                priority: 0,
                weight: 0,
                port: broker.port(),
                target: "broker.culex.test",
                glue: Some(Ipv4Addr::LOCALHOST),
            }],
            truncate: true,
        },
    );
    let c = Client::new(Some(&unique("srv-tc")), true);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(connect_srv(&c, &domain), 0);
    assert_eq!(c.wait_connect(PROMPT), Some(0));
    assert_eq!(
        dns().asked(&name),
        vec![(name.clone(), 33, false), (name.clone(), 33, true)]
    );
    assert_eq!(c.disconnect(), 0);
    assert_eq!(c.loop_stop(false), 0);
}

#[test]
fn tls_asks_for_secure_mqtt() {
    let ca = "/etc/ssl/certs/ca-certificates.crt";
    if !std::path::Path::new(ca).exists() {
        eprintln!("skipped: no {ca}");
        return;
    }
    dns();
    let domain = format!("{}.culex.test", unique("tls"));
    let c = Client::new(Some(&unique("srv-tls")), true);
    let cafile = CString::new(ca).unwrap();
    // SAFETY: live handle, valid C string.
    let rc = unsafe {
        mosquitto_tls_set(
            c.mosq,
            cafile.as_ptr(),
            std::ptr::null(),
            std::ptr::null(),
            std::ptr::null(),
            None,
        )
    };
    assert_eq!(rc, 0);
    assert_eq!(connect_srv(&c, &domain), 0);
    let deadline = Instant::now() + PROMPT;
    let mut rc = 0;
    while rc == 0 && Instant::now() < deadline {
        rc = c.loop_once(100);
    }
    assert_eq!(rc, MOSQ_ERR_LOOKUP);
    let secure = format!("_secure-mqtt._tcp.{domain}");
    assert_eq!(dns().asked(&secure), vec![(secure.clone(), 33, false)]);
    assert!(dns().asked(&format!("_mqtt._tcp.{domain}")).is_empty());
}
