//! Threads and re-entrancy against a real broker: publishing from several threads while
//! `loop_start` runs, calling the API from inside every callback in `loop_start` and
//! `loop_forever` modes, `loop_stop` returning promptly while the loop is stuck connecting, and
//! `mosquitto_reinitialise` while the loop thread delivers messages.

mod common;

use std::cell::Cell;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use common::broker::{Broker, BrokerConfig};
use common::client::{
    install_callbacks, messages, publish_raw, subscribe_raw, unsubscribe_raw, Client, Ev,
};
use common::fake_broker::FakeBroker;
use common::{free_port, unique, DEFAULT_TIMEOUT, PROMPT};
use culex::ffi::client::mosquitto_loop_forever;
use culex::ffi::handle::mosquitto;

fn started(port: u16, id: &str) -> Client {
    let c = Client::new(Some(id), true);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(c.connect(port, 60), 0);
    assert_eq!(c.wait_connect(PROMPT), Some(0), "{id} connected");
    c
}

#[test]
fn publish_from_four_threads_while_loop_start_runs() {
    const THREADS: usize = 4;
    const PER_THREAD: usize = 500;
    let broker = Broker::start(BrokerConfig::default());
    let topic = unique("mt");
    let sub = started(broker.port(), &unique("mt-sub"));
    let mid = sub.subscribe(&topic, 1).unwrap();
    assert_eq!(sub.wait_suback(mid, PROMPT), Some(vec![1]));
    let publisher = Arc::new(started(broker.port(), &unique("mt-pub")));

    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let p = Arc::clone(&publisher);
            let topic = topic.clone();
            std::thread::spawn(move || {
                (0..PER_THREAD)
                    .map(|i| {
                        p.publish(&topic, format!("t{t}-{i}").as_bytes(), 1, false)
                            .unwrap_or_else(|rc| panic!("publish from thread {t}: rc {rc}"))
                    })
                    .collect::<Vec<i32>>()
            })
        })
        .collect();
    let mids: Vec<i32> = workers
        .into_iter()
        .flat_map(|w| w.join().expect("publisher thread"))
        .collect();
    let total = THREADS * PER_THREAD;
    let unique_mids: HashSet<i32> = mids.iter().copied().collect();
    assert_eq!(unique_mids.len(), total, "every mid unique");

    let all_acked = publisher
        .events()
        .wait_until(Duration::from_secs(20), |evs| {
            evs.iter().filter(|e| matches!(e, Ev::Publish(_))).count() >= total
        });
    let acked: Vec<i32> = publisher
        .events()
        .snapshot()
        .iter()
        .filter_map(|e| match e {
            Ev::Publish(m) => Some(*m),
            _ => None,
        })
        .collect();
    assert!(all_acked, "{} of {total} on_publish", acked.len());
    assert_eq!(acked.len(), total, "one on_publish per message");
    assert_eq!(acked.iter().copied().collect::<HashSet<_>>(), unique_mids);

    let expected: HashSet<Vec<u8>> = (0..THREADS)
        .flat_map(|t| (0..PER_THREAD).map(move |i| format!("t{t}-{i}").into_bytes()))
        .collect();
    let all_in = sub.events().wait_until(Duration::from_secs(20), |evs| {
        messages(evs)
            .into_iter()
            .map(|m| m.payload)
            .collect::<HashSet<_>>()
            == expected
    });
    assert!(all_in, "subscriber got {} messages", sub.messages().len());
    // Per thread, the broker relays one connection's QoS 1 messages in order.
    for t in 0..THREADS {
        let prefix = format!("t{t}-");
        let order: Vec<usize> = sub
            .messages()
            .iter()
            .filter_map(|m| {
                let s = String::from_utf8(m.payload.clone()).ok()?;
                s.strip_prefix(&prefix)?.parse().ok()
            })
            .collect();
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(order, sorted, "thread {t}'s messages out of order");
    }
    for c in [&sub, &*publisher] {
        assert_eq!(c.disconnect(), 0);
        assert_eq!(c.loop_stop(false), 0);
    }
}

thread_local! {
    static IN_LOG: Cell<bool> = const { Cell::new(false) };
}

/// A hook that calls the API from inside every callback, and disconnects once a "final" message
/// (sent after messages triggered from on_connect, on_subscribe and on_unsubscribe arrived)
/// comes back.
fn reentrant_hook(base: String) -> common::client::Hook {
    let seen_messages = Arc::new(AtomicUsize::new(0));
    let logs = Arc::new(AtomicUsize::new(0));
    let published = Arc::new(AtomicUsize::new(0));
    Arc::new(move |mosq: *mut mosquitto, ev: &Ev| {
        let all = format!("{base}/#");
        // SAFETY: called with the live handle of the callback; user data is the test's Shared.
        let reinstall = || unsafe { install_callbacks(mosq, true) };
        match ev {
            Ev::Connect(0) => {
                reinstall();
                subscribe_raw(mosq, &all, 1).expect("subscribe in on_connect");
                unsubscribe_raw(mosq, &format!("{base}/none")).expect("unsubscribe in on_connect");
                publish_raw(mosq, &format!("{base}/a"), b"connect", 1, false)
                    .expect("publish in on_connect");
            }
            Ev::Subscribe { .. } => {
                reinstall();
                publish_raw(mosq, &format!("{base}/b"), b"subscribe", 2, false)
                    .expect("publish in on_subscribe");
            }
            Ev::Unsubscribe(_) => {
                reinstall();
                publish_raw(mosq, &format!("{base}/c"), b"unsubscribe", 0, false)
                    .expect("publish in on_unsubscribe");
            }
            Ev::Publish(_) => {
                reinstall();
                if published.fetch_add(1, Ordering::SeqCst) == 0 {
                    let other = format!("{base}-other/x");
                    subscribe_raw(mosq, &other, 0).expect("subscribe in on_publish");
                    unsubscribe_raw(mosq, &other).expect("unsubscribe in on_publish");
                }
            }
            Ev::Message(m) => {
                reinstall();
                if m.payload == b"final" {
                    // SAFETY: the callback's own live handle.
                    let rc = unsafe { culex::ffi::client::mosquitto_disconnect(mosq) };
                    assert_eq!(rc, 0, "disconnect in on_message");
                } else if m.topic.starts_with(&base)
                    && seen_messages.fetch_add(1, Ordering::SeqCst) + 1 == 3
                {
                    publish_raw(mosq, &format!("{base}/final"), b"final", 1, false)
                        .expect("publish in on_message");
                }
            }
            Ev::Disconnect(_) => {
                reinstall();
                // Offline: QoS 1 is queued, QoS 0 refused; neither may block.
                let _ = publish_raw(mosq, &format!("{base}/offline"), b"q", 1, false);
                let _ = publish_raw(mosq, &format!("{base}/offline"), b"q", 0, false);
                let _ = subscribe_raw(mosq, &all, 1);
            }
            Ev::Log(..) => {
                if IN_LOG.with(|f| f.replace(true)) {
                    return;
                }
                if logs.fetch_add(1, Ordering::SeqCst) < 20 {
                    reinstall();
                    let _ = publish_raw(mosq, &format!("{base}/log"), b"l", 0, false);
                }
                IN_LOG.with(|f| f.set(false));
            }
            Ev::Connect(_) => {}
        }
    })
}

fn check_reentrant_events(c: &Client) {
    let evs = c.events().snapshot();
    let has = |f: &dyn Fn(&Ev) -> bool| evs.iter().any(f);
    assert!(has(&|e| *e == Ev::Connect(0)));
    assert!(has(&|e| matches!(e, Ev::Subscribe { .. })));
    assert!(has(&|e| matches!(e, Ev::Unsubscribe(_))));
    assert!(has(&|e| matches!(e, Ev::Publish(_))));
    assert!(has(
        &|e| matches!(e, Ev::Message(m) if m.payload == b"final")
    ));
    assert!(has(&|e| matches!(e, Ev::Log(..))), "on_log was called");
    assert!(has(&|e| *e == Ev::Disconnect(0)));
}

#[test]
fn api_calls_from_every_callback_with_loop_start() {
    let broker = Broker::start(BrokerConfig::default());
    let base = unique("reent-start");
    let c = Client::new(Some(&unique("reent-start")), true);
    c.enable_log(true);
    c.set_hook(reentrant_hook(base));
    assert_eq!(c.loop_start(), 0);
    assert_eq!(c.connect(broker.port(), 60), 0);
    let done = c.wait_disconnect(Duration::from_secs(10));
    if done.is_none() {
        let evs = c.events().snapshot();
        c.leak();
        panic!("no on_disconnect within 10 s (deadlock?); events {evs:?}");
    }
    assert_eq!(done, Some(0));
    let (tx, rx) = mpsc::channel();
    let c = Arc::new(c);
    let c2 = Arc::clone(&c);
    std::thread::spawn(move || {
        let _ = tx.send(c2.loop_stop(false));
    });
    assert_eq!(rx.recv_timeout(PROMPT), Ok(0), "loop_stop returned");
    check_reentrant_events(&c);
}

#[test]
fn api_calls_from_every_callback_with_loop_forever() {
    let broker = Broker::start(BrokerConfig::default());
    let base = unique("reent-forever");
    let c = Arc::new(Client::new(Some(&unique("reent-forever")), true));
    c.enable_log(true);
    c.set_hook(reentrant_hook(base));
    assert_eq!(c.connect(broker.port(), 60), 0);
    let (tx, rx) = mpsc::channel();
    let c2 = Arc::clone(&c);
    std::thread::spawn(move || {
        // SAFETY: live handle.
        let _ = tx.send(unsafe { mosquitto_loop_forever(c2.mosq, 1000, 1) });
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(rc) => assert_eq!(rc, 0, "loop_forever rc"),
        Err(_) => {
            let evs = c.events().snapshot();
            std::mem::forget(c);
            panic!("loop_forever did not return within 10 s (deadlock?); events {evs:?}");
        }
    }
    check_reentrant_events(&c);
}

/// `loop_stop(force)` on another thread, failing (not hanging) the test after `limit`.
fn timed_loop_stop(c: &Arc<Client>, force: bool, limit: Duration) -> Duration {
    let (tx, rx) = mpsc::channel();
    let c2 = Arc::clone(c);
    let start = Instant::now();
    std::thread::spawn(move || {
        let _ = tx.send(c2.loop_stop(force));
    });
    match rx.recv_timeout(limit) {
        Ok(rc) => {
            assert_eq!(rc, 0, "loop_stop({force}) rc");
            start.elapsed()
        }
        Err(_) => panic!("loop_stop({force}) still blocked after {limit:?}"),
    }
}

#[test]
fn loop_stop_returns_while_connections_are_refused() {
    let port = free_port(); // nothing listens there
    let c = Arc::new(Client::new(Some(&unique("refused")), true));
    c.enable_log(true);
    assert_eq!(c.reconnect_delay_set(1, 1, false), 0);
    for force in [true, false] {
        let mark = c.events().len();
        assert_eq!(c.loop_start(), 0);
        // It may report the refusal at once; the loop thread retries either way.
        let _ = c.connect_async(port, 60);
        // The loop thread's on_log lines show the refuse-wait-retry cycle going round.
        assert!(
            c.events().wait_until(Duration::from_secs(5), |evs| {
                evs[mark..]
                    .iter()
                    .filter(|e| matches!(e, Ev::Log(_, l) if l.contains("failed")))
                    .count()
                    >= 2
            }),
            "connect attempts keep failing: {:?}",
            c.events().snapshot()
        );
        let took = timed_loop_stop(&c, force, Duration::from_secs(5));
        assert!(
            took < Duration::from_secs(2),
            "loop_stop({force}) took {took:?}"
        );
    }
    assert!(
        c.events()
            .snapshot()
            .iter()
            .all(|e| matches!(e, Ev::Log(..))),
        "no callback but on_log without a broker"
    );
}

#[test]
fn loop_stop_returns_when_the_broker_never_answers() {
    // A "broker" that accepts TCP and reads CONNECT but never answers: CONNACK never comes.
    let fake = FakeBroker::bind();
    let port = fake.port();
    let (tx, rx) = mpsc::channel();
    // Not joined: it holds every connection open until the test ends.
    let _silent = fake.spawn(move |fake| {
        let mut held = Vec::new();
        while let Some(mut conn) = fake.accept_timeout(DEFAULT_TIMEOUT) {
            let first = conn
                .read_packet_timeout(DEFAULT_TIMEOUT)
                .map(|packet| packet.map(|p| p.bytes[0]));
            held.push(conn);
            if tx.send(first).is_err() {
                break;
            }
        }
    });
    let c = Arc::new(Client::new(Some(&unique("silent")), true));
    for force in [true, false] {
        assert_eq!(c.loop_start(), 0);
        assert_eq!(c.connect_async(port, 60), 0);
        match rx.recv_timeout(PROMPT) {
            Ok(Ok(Some(0x10))) => {}
            other => panic!("expected CONNECT, got {other:?}"),
        }
        let took = timed_loop_stop(&c, force, Duration::from_secs(5));
        assert!(
            took < Duration::from_secs(2),
            "loop_stop({force}) took {took:?}"
        );
    }
    assert!(
        !c.events()
            .snapshot()
            .iter()
            .any(|e| matches!(e, Ev::Connect(_))),
        "no on_connect without CONNACK"
    );
}

/// on_log must get the lines of the loop_start thread too (libmosquitto logs e.g. "Client …
/// sending CONNECT" there), not only those logged during API calls.
#[test]
fn on_log_receives_lines_from_the_loop_start_thread() {
    let broker = Broker::start(BrokerConfig::default());
    let c = Client::new(Some(&unique("logthread")), true);
    c.enable_log(true);
    assert_eq!(c.loop_start(), 0);
    assert_eq!(c.connect_async(broker.port(), 60), 0);
    assert_eq!(c.wait_connect(PROMPT), Some(0));
    let got = c.events().wait_until(PROMPT, |evs| {
        evs.iter()
            .any(|e| matches!(e, Ev::Log(_, l) if l.contains("CONNACK")))
    });
    let logs: Vec<_> = c
        .events()
        .snapshot()
        .into_iter()
        .filter(|e| matches!(e, Ev::Log(..)))
        .collect();
    assert!(
        got,
        "no on_log line about CONNECT/CONNACK from the loop thread; on_log got {logs:?}"
    );
    assert_eq!(c.disconnect(), 0);
    assert_eq!(c.loop_stop(false), 0);
}

/// `mosquitto_reinitialise` while the `loop_start` thread delivers messages (the C twin is
/// `tests-c/reinit_test.c`): a hook holds one `on_message` open, using the handle, while this
/// thread reinitialises it. The call must wait for that callback, clear the callbacks, give the
/// handle its new user data and leave it able to connect and receive again; three rounds.
#[test]
fn reinitialise_while_the_loop_thread_delivers() {
    use culex::ffi::client::{mosquitto_reinitialise, mosquitto_user_data_set, mosquitto_userdata};
    use std::sync::atomic::AtomicBool;
    use std::sync::Mutex;

    const ROUNDS: usize = 3;
    const WANT: usize = 20;
    const WINDOW: usize = 20;
    const HOLD: Duration = Duration::from_millis(50);

    let broker = Broker::start(BrokerConfig::default());
    let topic = unique("reinit");
    let publisher = Arc::new(started(broker.port(), &unique("reinit-pub")));
    let sub = Client::new(Some(&unique("reinit-sub")), true);
    let shared = Arc::as_ptr(&sub.shared) as *mut std::os::raw::c_void;
    let shared_addr = shared as usize;
    let mut marker = 0u8;
    let marker_ptr = &mut marker as *mut u8 as *mut std::os::raw::c_void;

    let delivered = Arc::new(AtomicUsize::new(0));
    let hold = Arc::new(AtomicBool::new(false));
    let in_hook = Arc::new(AtomicBool::new(false));
    let misuse = Arc::new(AtomicBool::new(false));
    let (held_tx, held_rx) = mpsc::channel::<()>();
    let held_tx = Mutex::new(held_tx);
    {
        let (delivered, hold, in_hook, misuse) = (
            Arc::clone(&delivered),
            Arc::clone(&hold),
            Arc::clone(&in_hook),
            Arc::clone(&misuse),
        );
        sub.set_hook(Arc::new(move |mosq, ev| {
            if !matches!(ev, Ev::Message(_)) {
                return;
            }
            in_hook.store(true, Ordering::SeqCst);
            // The handle in use on the loop thread while the test thread reinitialises it.
            // SAFETY: the handle the callback was given.
            if unsafe { mosquitto_userdata(mosq) } as usize != shared_addr {
                misuse.store(true, Ordering::SeqCst);
            }
            if hold.swap(false, Ordering::SeqCst) {
                let _ = held_tx.lock().unwrap().send(());
                // Keep running while mosquitto_reinitialise is called (it must wait for this).
                std::thread::sleep(HOLD);
            }
            delivered.fetch_add(1, Ordering::SeqCst);
            in_hook.store(false, Ordering::SeqCst);
        }));
    }

    let stop = Arc::new(AtomicBool::new(false));
    let feeder = {
        let (publisher, stop, delivered, topic) = (
            Arc::clone(&publisher),
            Arc::clone(&stop),
            Arc::clone(&delivered),
            topic.clone(),
        );
        let events = Arc::clone(&sub.shared);
        std::thread::spawn(move || {
            let mut sent = 0usize;
            let mut base = delivered.load(Ordering::SeqCst);
            while !stop.load(Ordering::SeqCst) {
                let now = delivered.load(Ordering::SeqCst);
                if sent.saturating_sub(now - base) > WINDOW {
                    // Ahead of the subscriber (or it is away): wait for a delivery, at most 10 ms.
                    let seen = events.events.len();
                    if !events
                        .events
                        .wait_until(Duration::from_millis(10), |evs| evs.len() > seen)
                    {
                        (sent, base) = (0, now);
                    }
                    continue;
                }
                match publisher.publish(&topic, b"reinitialise while delivering", 0, false) {
                    Ok(_) | Err(4) => sent += 1, // MOSQ_ERR_NO_CONN while reconnecting
                    Err(rc) => panic!("publish: rc {rc}"),
                }
            }
        })
    };

    for round in 0..ROUNDS {
        // SAFETY: live handle whose user data is its `Shared`.
        unsafe { install_callbacks(sub.mosq, false) };
        let from = sub.events().len();
        assert_eq!(sub.connect(broker.port(), 60), 0);
        assert_eq!(sub.loop_start(), 0);
        assert!(
            sub.events()
                .wait_for_after(from, PROMPT, |e| matches!(e, Ev::Connect(0)))
                .is_some(),
            "round {round}: connected"
        );
        let mid = sub.subscribe(&topic, 0).unwrap();
        assert_eq!(sub.wait_suback(mid, PROMPT), Some(vec![0]), "round {round}");
        let start = delivered.load(Ordering::SeqCst);
        let flowing = sub.events().wait_until(DEFAULT_TIMEOUT, |_| {
            delivered.load(Ordering::SeqCst) >= start + WANT
        });
        assert!(flowing, "round {round}: messages flow");

        hold.store(true, Ordering::SeqCst);
        held_rx
            .recv_timeout(DEFAULT_TIMEOUT)
            .expect("an on_message is held");
        let id = std::ffi::CString::new(unique("reinit-again")).unwrap();
        // SAFETY: live handle, valid id; the marker outlives every use of the user data.
        let rc = unsafe { mosquitto_reinitialise(sub.mosq, id.as_ptr(), true, marker_ptr) };
        assert_eq!(rc, 0, "round {round}: reinitialise");
        assert!(
            !in_hook.load(Ordering::SeqCst),
            "round {round}: reinitialise returned while on_message ran"
        );
        // SAFETY: live handle.
        assert_eq!(unsafe { mosquitto_userdata(sub.mosq) }, marker_ptr);
        assert_eq!(sub.disconnect(), 4, "not connected any more");
        assert_eq!(sub.loop_stop(true), 3, "no loop thread any more");
        // SAFETY: live handle; `Shared` is what its callbacks expect.
        unsafe { mosquitto_user_data_set(sub.mosq, shared) };
    }
    assert!(
        !misuse.load(Ordering::SeqCst),
        "on_message saw another user data"
    );
    stop.store(true, Ordering::SeqCst);
    feeder.join().expect("feeder thread");
    assert_eq!(publisher.disconnect(), 0);
    assert_eq!(publisher.loop_stop(false), 0);
}
