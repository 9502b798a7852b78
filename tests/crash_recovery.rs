//! `kill -9` with the durable session store on: real processes killed at random points and
//! restarted on the same store, against a real mosquitto, every message counted at a subscriber.
//!
//! - Publisher, synchronous store: every message whose `mosquitto_publish` had returned success
//!   reaches the subscriber; QoS 2 ones once.
//! - Publisher, group commit: every message whose PUBLISH had left the socket (the recording
//!   proxy between it and the broker saw it) reaches the subscriber; QoS 2 ones once.
//! - Subscriber (group commit) killed while QoS 2 messages sit between PUBREC and PUBREL (its
//!   proxy swallows PUBREL until the kill): every message is delivered, and none twice.
//!
//! The child processes are this test binary run again with `CULEX_CRASH_CHILD` set (the test
//! that spawns them, with `--exact`): each test is its own parent and child, so the child code
//! is the same Culex C API a program would use. A child writes one line per step to stdout
//! (`try N`, `ok N`, `resumed PAYLOAD`, `msg PAYLOAD`), which a pipe hands to the parent even
//! when the child is killed right after. Kill points follow from `CULEX_FAULT_SEED`.

mod common;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::os::raw::{c_int, c_void};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::broker::{Broker, BrokerConfig};
use common::client::{Client, Ev};
use common::events::EventLog;
use common::fake_broker::{PUBCOMP, PUBLISH, PUBREC};
use common::faults::{Fault, FaultProxy, Rng};
use common::proxy::{Dir, Proxy};
use common::{unique, TempDir, PROMPT};

use culex::ffi::culex::{culex_persistence_set, CULEX_PERSIST_GROUP_COMMIT, CULEX_PERSIST_SYNC};
use culex::ffi::handle::mosquitto;
use culex::ffi::util::mosquitto_message;

/// Kill points per test.
const KILLS: usize = 20;

fn seed(default: u64) -> u64 {
    std::env::var("CULEX_FAULT_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn message_count() -> usize {
    std::env::var("CULEX_FAULT_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("child without {name}"))
}

// ------------------------------------------------------------------------------- the children

unsafe extern "C" fn print_resumed(
    _mosq: *mut mosquitto,
    _obj: *mut c_void,
    msg: *const mosquitto_message,
) {
    // SAFETY: the library's message, valid during the call.
    let m = unsafe { &*msg };
    // SAFETY: as above: payloadlen bytes at payload.
    let payload =
        unsafe { std::slice::from_raw_parts(m.payload as *const u8, m.payloadlen as usize) };
    println!("resumed {} {}", m.mid, String::from_utf8_lossy(payload));
    RESUMED.lock().unwrap().push(m.mid);
}

/// The mids `print_resumed` reported (this process's resumed messages).
static RESUMED: std::sync::Mutex<Vec<i32>> = std::sync::Mutex::new(Vec::new());

/// Open the store of `c` in `CRASH_DIR` with `CRASH_MODE`.
fn open_store(c: &Client) {
    let dir = std::ffi::CString::new(env("CRASH_DIR")).unwrap();
    let mode: c_int = match env("CRASH_MODE").as_str() {
        "sync" => CULEX_PERSIST_SYNC,
        _ => CULEX_PERSIST_GROUP_COMMIT,
    };
    // SAFETY: a live handle, a C string, a callback of the right type.
    let rc = unsafe { culex_persistence_set(c.mosq, dir.as_ptr(), mode, Some(print_resumed)) };
    assert_eq!(rc, 0, "culex_persistence_set");
}

/// Publish `CRASH_FROM..CRASH_TO` (QoS 1 and 2 alternating); with `CRASH_FINISH`, wait until
/// every message this process knows of (its own and the resumed ones) is complete, then
/// disconnect cleanly.
fn publisher_child() {
    let port: u16 = env("CRASH_PORT").parse().unwrap();
    let (from, to): (usize, usize) = (
        env("CRASH_FROM").parse().unwrap(),
        env("CRASH_TO").parse().unwrap(),
    );
    let topic = env("CRASH_TOPIC");
    let c = Client::new(Some(&env("CRASH_ID")), false);
    open_store(&c);
    assert_eq!(c.reconnect_delay_set(1, 1, false), 0);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(c.connect(port, 5), 0);
    let mut mids = RESUMED.lock().unwrap().clone();
    for i in from..to {
        let qos = 1 + (i % 2) as i32;
        println!("try {i}");
        let payload = format!("m{i}-q{qos}");
        match c.publish(&topic, payload.as_bytes(), qos, false) {
            Ok(mid) => {
                println!("ok {i}");
                mids.push(mid);
            }
            Err(rc) => panic!("publish {i}: rc {rc}"),
        }
    }
    if std::env::var_os("CRASH_FINISH").is_some() {
        // The resumed messages' mids were printed by print_resumed; they complete too.
        let done = c.events().wait_until(Duration::from_secs(120), |evs| {
            let completed: HashSet<i32> = evs
                .iter()
                .filter_map(|e| match e {
                    Ev::Publish(m) => Some(*m),
                    _ => None,
                })
                .collect();
            mids.iter().all(|m| completed.contains(m))
        });
        assert!(done, "the last publisher did not complete its messages");
        assert_eq!(c.disconnect(), 0);
        assert_eq!(c.loop_stop(false), 0);
        println!("done");
    } else {
        // Until killed (the parent keeps stdin open).
        let mut rest = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut rest);
    }
}

/// Subscribe at QoS 2 and print every message, until stdin closes; then disconnect cleanly. A
/// line `sync` on stdin makes it subscribe to another topic at QoS 0: its SUBACK (`synced` line) comes
/// through the loop after every packet the broker sent before it, so once the parent sees it,
/// every message released before has been printed.
fn subscriber_child() {
    let port: u16 = env("CRASH_PORT").parse().unwrap();
    let topic = env("CRASH_TOPIC");
    let c = Client::new(Some(&env("CRASH_ID")), false);
    open_store(&c);
    c.set_hook(Arc::new(|_, ev| match ev {
        Ev::Message(m) => println!("msg {}", String::from_utf8_lossy(&m.payload)),
        // The sync subscription is the only one at QoS 0.
        Ev::Subscribe { granted, .. } if granted == &[0] => println!("synced"),
        Ev::Subscribe { .. } => println!("suback"),
        _ => {}
    }));
    assert_eq!(c.reconnect_delay_set(1, 1, false), 0);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(c.connect(port, 5), 0);
    assert_eq!(c.wait_connect(PROMPT), Some(0));
    let mid = c.subscribe(&topic, 2).unwrap();
    assert!(c.wait_suback(mid, PROMPT).is_some());
    println!("subscribed");
    for line in std::io::stdin().lines() {
        let Ok(line) = line else { break };
        if line == "sync" {
            c.subscribe(&format!("{topic}/sync"), 0).unwrap();
        }
    }
    assert_eq!(c.disconnect(), 0);
    assert_eq!(c.loop_stop(false), 0);
    println!("done");
}

/// Run as a child if this process is one; true if it was.
fn child() -> bool {
    if std::env::var_os("CULEX_CRASH_CHILD").is_some() {
        // End the test harness's "test NAME ... " line, so that every line of ours stands alone.
        println!();
    }
    match std::env::var("CULEX_CRASH_CHILD").as_deref() {
        Ok("publisher") => publisher_child(),
        Ok("subscriber") => subscriber_child(),
        _ => return false,
    }
    true
}

// -------------------------------------------------------------------------------- the parent

/// A child process and the lines it printed.
struct Proc {
    child: Child,
    lines: Arc<EventLog<String>>,
}

impl Proc {
    fn spawn(test: &str, role: &str, vars: &[(&str, String)]) -> Proc {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args(["--exact", test, "--nocapture", "--test-threads", "1"])
            .env("CULEX_CRASH_CHILD", role)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        // CULEX_CRASH_LOGDIR: each child's library log (debug) in a file of its own there, named
        // after its role, this test process and its life.
        if let Some(dir) = std::env::var_os("CULEX_CRASH_LOGDIR") {
            static LIFE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = LIFE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let file = std::fs::File::create(
                std::path::Path::new(&dir).join(format!("{role}-{}-{n}.log", std::process::id())),
            )
            .expect("child log file");
            cmd.env("CULEX_LOG_STDERR", "1").stderr(file);
        }
        let mut child = cmd.spawn().expect("spawn child");
        let lines = Arc::new(EventLog::new());
        let out = child.stdout.take().unwrap();
        let log = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                log.push(line);
            }
            log.push("<eof>".to_owned());
        });
        Proc { child, lines }
    }

    /// Wait until `done` holds for its lines.
    fn wait(&self, timeout: Duration, done: impl FnMut(&[String]) -> bool) -> bool {
        self.lines.wait_until(timeout, done)
    }

    /// Write a line to its stdin.
    fn say(&mut self, line: &str) {
        use std::io::Write;
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    fn kill9(mut self) -> Vec<String> {
        // Child::kill is SIGKILL.
        self.child.kill().expect("kill -9");
        let _ = self.child.wait();
        self.lines
            .wait_until(PROMPT, |l| l.last().is_some_and(|l| l == "<eof>"));
        self.lines.snapshot()
    }

    fn finish(mut self, timeout: Duration) -> Vec<String> {
        drop(self.child.stdin.take());
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "child failed: {status}");
                break;
            }
            assert!(Instant::now() < deadline, "child did not finish in time");
            self.lines.wait_until(Duration::from_millis(50), |l| {
                l.last().is_some_and(|l| l == "<eof>")
            });
        }
        self.lines
            .wait_until(PROMPT, |l| l.last().is_some_and(|l| l == "<eof>"));
        self.lines.snapshot()
    }
}

fn ok_count(lines: &[String]) -> usize {
    lines.iter().filter(|l| l.starts_with("ok ")).count()
}

fn index_of(line: &str, prefix: &str) -> Option<usize> {
    line.strip_prefix(prefix)?.parse().ok()
}

fn payload_of(i: usize) -> String {
    format!("m{i}-q{}", 1 + i % 2)
}

/// The subscriber's deliveries, counted by payload.
fn delivery_counts(sub: &Client) -> HashMap<Vec<u8>, usize> {
    let mut counts = HashMap::new();
    for m in sub.messages() {
        *counts.entry(m.payload).or_default() += 1;
    }
    counts
}

fn publisher_killed(test: &str, mode: &str, default_seed: u64) {
    let seed = seed(default_seed);
    let mut rng = Rng::new(seed);
    let n = message_count();
    let broker = Broker::start(BrokerConfig::default());
    let base = unique("crash");
    let topic = format!("{base}/data");
    let sub = Client::new(Some(&format!("{base}-sub")), false);
    assert_eq!(sub.loop_start(), 0);
    assert_eq!(sub.connect(broker.port(), 5), 0);
    assert_eq!(sub.wait_connect(PROMPT), Some(0));
    let mid = sub.subscribe(&topic, 2).unwrap();
    assert_eq!(sub.wait_suback(mid, PROMPT), Some(vec![2]));
    // The publisher reaches the broker through a recording proxy: what crossed it is what
    // left the publisher's socket.
    let proxy = Proxy::start_recording(broker.port());
    let store = TempDir::new("culex-store");
    let vars = |from: usize, finish: bool| {
        let mut v = vec![
            ("CRASH_PORT", proxy.port.to_string()),
            ("CRASH_DIR", store.path().display().to_string()),
            ("CRASH_MODE", mode.to_owned()),
            ("CRASH_ID", format!("{base}-pub")),
            ("CRASH_TOPIC", topic.clone()),
            ("CRASH_FROM", from.to_string()),
            ("CRASH_TO", n.to_string()),
        ];
        if finish {
            v.push(("CRASH_FINISH", "1".to_owned()));
        }
        v
    };
    let mut accepted: HashSet<usize> = HashSet::new();
    let mut resumed = 0;
    let mut next = 0;
    for kill in 0..KILLS {
        if next >= n {
            break;
        }
        let p = Proc::spawn(test, "publisher", &vars(next, false));
        // Kill after a random number of accepted messages (or once it has published its share).
        let at = rng.range(1, (n / KILLS / 2).max(2) as u64) as usize;
        // Fewer than `at` may be left to publish: the last one accepted is its share.
        let last_ok = format!("ok {}", n - 1);
        let reached = p.wait(Duration::from_secs(60), |l| {
            ok_count(l) >= at || l.iter().any(|l| l == "<eof>" || *l == last_ok)
        });
        if !reached {
            let lines = p.lines.snapshot();
            panic!(
                "kill {kill}: the child did not publish {at} messages in 60 s; its last lines: {:?}",
                &lines[lines.len().saturating_sub(8)..]
            );
        }
        let lines = p.kill9();
        accepted.extend(lines.iter().filter_map(|l| index_of(l, "ok ")));
        resumed += lines.iter().filter(|l| l.starts_with("resumed ")).count();
        if let Some(last) = lines.iter().rev().find_map(|l| index_of(l, "try ")) {
            next = last + 1;
        }
    }
    let last = Proc::spawn(test, "publisher", &vars(next, true));
    let lines = last.finish(Duration::from_secs(180));
    accepted.extend(lines.iter().filter_map(|l| index_of(l, "ok ")));
    resumed += lines.iter().filter(|l| l.starts_with("resumed ")).count();
    assert!(lines.iter().any(|l| l == "done"));

    // What must have arrived: every accepted message (synchronous), or every message whose
    // PUBLISH left a publisher's socket (group commit), plus all the last process accepted.
    let left_socket: HashSet<Vec<u8>> = proxy
        .packets
        .snapshot()
        .iter()
        .filter(|r| r.dir == Dir::ToBroker && r.kind() == PUBLISH)
        .filter_map(|r| r.payload_v3().map(<[u8]>::to_vec))
        .collect();
    let required: HashSet<Vec<u8>> = if mode == "sync" {
        accepted
            .iter()
            .map(|&i| payload_of(i).into_bytes())
            .collect()
    } else {
        let mut r = left_socket.clone();
        r.extend(
            lines
                .iter()
                .filter_map(|l| index_of(l, "ok "))
                .map(|i| payload_of(i).into_bytes()),
        );
        r
    };
    let arrived = sub.events().wait_until(Duration::from_secs(60), |evs| {
        let got: HashSet<&[u8]> = evs
            .iter()
            .filter_map(|e| match e {
                Ev::Message(m) => Some(&m.payload[..]),
                _ => None,
            })
            .collect();
        required.iter().all(|p| got.contains(&p[..]))
    });
    let counts = delivery_counts(&sub);
    let lost: Vec<String> = required
        .iter()
        .filter(|p| !counts.contains_key(*p))
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    let qos2_twice: Vec<String> = counts
        .iter()
        .filter(|(p, &c)| c > 1 && p.ends_with(b"-q2"))
        .map(|(p, _)| String::from_utf8_lossy(p).into_owned())
        .collect();
    let qos1_twice = counts
        .iter()
        .filter(|(p, &c)| c > 1 && p.ends_with(b"-q1"))
        .count();
    println!(
        "FAULT-RESULT scenario=kill9_publisher_{mode} seed={seed} kills={KILLS} \
         accepted={} required={} delivered={} resumed={resumed} lost={} qos1_duplicates={qos1_twice} \
         qos2_duplicates={}",
        accepted.len(),
        required.len(),
        counts.len(),
        lost.len(),
        qos2_twice.len()
    );
    assert!(
        arrived && lost.is_empty(),
        "{} required messages lost, e.g. {:?}",
        lost.len(),
        &lost[..lost.len().min(10)]
    );
    assert!(
        qos2_twice.is_empty(),
        "QoS 2 delivered twice: {qos2_twice:?}"
    );
    assert!(
        resumed > 0,
        "no kill left anything to resume: the test proves nothing"
    );
    assert_eq!(sub.disconnect(), 0);
    assert_eq!(sub.loop_stop(false), 0);
}

#[test]
fn kill9_publisher_synchronous() {
    if child() {
        return;
    }
    publisher_killed("kill9_publisher_synchronous", "sync", 21);
}

#[test]
fn kill9_publisher_group_commit() {
    if child() {
        return;
    }
    publisher_killed("kill9_publisher_group_commit", "group", 22);
}

#[test]
fn kill9_subscriber_between_pubrec_and_pubrel() {
    if child() {
        return;
    }
    let test = "kill9_subscriber_between_pubrec_and_pubrel";
    let seed = seed(23);
    let mut rng = Rng::new(seed);
    let n = message_count();
    let broker = Broker::start(BrokerConfig::default());
    let base = unique("crashsub");
    let topic = format!("{base}/data");
    let link = FaultProxy::start(broker.port());
    let store = TempDir::new("culex-store");
    let vars = vec![
        ("CRASH_PORT", link.port.to_string()),
        ("CRASH_DIR", store.path().display().to_string()),
        ("CRASH_MODE", "group".to_owned()),
        ("CRASH_ID", format!("{base}-sub")),
        ("CRASH_TOPIC", topic.clone()),
    ];
    // The first life subscribes; the broker keeps the session (clean session false).
    let first = Proc::spawn(test, "subscriber", &vars);
    assert!(first.wait(PROMPT, |l| l.iter().any(|l| l == "subscribed")));
    let publisher = Client::new(Some(&format!("{base}-pub")), false);
    assert_eq!(publisher.loop_start(), 0);
    assert_eq!(publisher.connect(broker.port(), 5), 0);
    assert_eq!(publisher.wait_connect(PROMPT), Some(0));
    // A share of the messages before each life, so that every life has new ones to receive.
    let share = n / (KILLS + 1);
    let mut published = 0;
    let mut publish_share = |upto: usize| {
        for i in published..upto {
            publisher
                .publish(&topic, format!("s{i}").as_bytes(), 2, false)
                .unwrap();
        }
        published = upto;
    };
    let mut all_lines: Vec<String> = Vec::new();
    let mut proc = Some(first);
    let mut held_total = 0;
    for kill in 0..KILLS {
        let mut p = match proc.take() {
            Some(p) => p,
            None => Proc::spawn(test, "subscriber", &vars),
        };
        // Part of this life's share goes through whole; then PUBREL is held back and the rest
        // piles up between PUBREC and PUBREL.
        let base = kill * share;
        let first = rng.range(1, (share / 2).max(2) as u64) as usize;
        let before = p.lines.len();
        publish_share(base + first);
        let got_some = p.wait(Duration::from_secs(60), |l| {
            l.iter()
                .skip(before)
                .filter(|l| l.starts_with("msg "))
                .count()
                >= first
        });
        assert!(got_some, "kill {kill}: the subscriber received nothing");
        link.set(Dir::ToClient, Fault::HoldPubRel);
        publish_share(base + share);
        // Every message released before the hold has been printed once the SUBACK asked for
        // now has come through the child's loop (it follows them on the wire and in the loop).
        // Told apart by its granted QoS: the SUBACK of the life's first subscription may still
        // be on its way (behind messages resumed from the store), and is not this one.
        let synced = |l: &[String]| l.iter().filter(|l| *l == "synced").count();
        let before = synced(&p.lines.snapshot());
        p.say("sync");
        assert!(
            p.wait(PROMPT, |l| synced(l) > before),
            "kill {kill}: no SUBACK for the sync"
        );
        // And some messages wait between PUBREC and PUBREL (the broker's packet ids do not
        // repeat within a run: it counts up, and a run stays below 65535 messages).
        let mut held = 0;
        let holding = common::wait_until(Duration::from_secs(30), || {
            let packets = link.packets.snapshot();
            let ids = |kind| -> HashSet<u16> {
                packets
                    .iter()
                    .filter(|r| r.dir == Dir::ToBroker && r.kind() == kind)
                    .filter_map(|r| r.packet_id())
                    .collect()
            };
            held = ids(PUBREC).difference(&ids(PUBCOMP)).count();
            held > 0
        });
        if !holding {
            let packets = link.packets.snapshot();
            let tail: Vec<String> = packets
                .iter()
                .rev()
                .take(12)
                .map(|r| format!("{}:{:?}:{}:{:?}", r.conn, r.dir, r.kind(), r.packet_id()))
                .collect();
            panic!(
                "kill {kill}: no QoS 2 message held between PUBREC and PUBREL; {} packets, last \
                 {tail:?}",
                packets.len()
            );
        }
        held_total += held;
        all_lines.push(format!("<life {kill}>"));
        all_lines.extend(p.kill9());
        link.set(Dir::ToClient, Fault::Pass);
    }
    publish_share(n);
    // The last life receives the rest.
    let last = Proc::spawn(test, "subscriber", &vars);
    let before: HashSet<String> = all_lines
        .iter()
        .filter_map(|l| l.strip_prefix("msg "))
        .map(str::to_owned)
        .collect();
    let everything = last.wait(Duration::from_secs(120), |l| {
        let mut got = before.clone();
        got.extend(
            l.iter()
                .filter_map(|l| l.strip_prefix("msg "))
                .map(str::to_owned),
        );
        got.len() >= n
    });
    all_lines.extend(last.finish(Duration::from_secs(30)));
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for l in &all_lines {
        if let Some(p) = l.strip_prefix("msg ") {
            *counts.entry(p).or_default() += 1;
        }
    }
    let lost: Vec<usize> = (0..n)
        .filter(|i| !counts.contains_key(format!("s{i}").as_str()))
        .collect();
    let twice: Vec<&str> = counts
        .iter()
        .filter(|(_, &c)| c > 1)
        .map(|(p, _)| *p)
        .collect();
    println!(
        "FAULT-RESULT scenario=kill9_subscriber seed={seed} kills={KILLS} messages={n} \
         held_at_kills={held_total} delivered={} lost={} qos2_duplicates={}",
        counts.len(),
        lost.len(),
        twice.len()
    );
    if !lost.is_empty() {
        if let Ok(path) = std::env::var("CULEX_CRASH_DUMP") {
            let _ = std::fs::write(path, all_lines.join("\n"));
        }
        // What crossed the subscriber's link for the first lost messages.
        let packets = link.packets.snapshot();
        for i in lost.iter().take(3) {
            let payload = format!("s{i}");
            let ids: HashSet<u16> = packets
                .iter()
                .filter(|r| r.kind() == PUBLISH && r.payload_v3() == Some(payload.as_bytes()))
                .filter_map(|r| r.packet_id())
                .collect();
            let story: Vec<String> = packets
                .iter()
                .filter(|r| r.packet_id().is_some_and(|id| ids.contains(&id)))
                .map(|r| format!("{}:{:?}:{}:d{}", r.conn, r.dir, r.kind(), u8::from(r.dup())))
                .collect();
            eprintln!("lost {payload} (ids {ids:?}): {story:?}");
        }
    }
    assert!(
        everything && lost.is_empty(),
        "lost: {:?}",
        &lost[..lost.len().min(10)]
    );
    assert!(twice.is_empty(), "QoS 2 delivered twice: {twice:?}");
    assert_eq!(publisher.disconnect(), 0);
    assert_eq!(publisher.loop_stop(false), 0);
}
