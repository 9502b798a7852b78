//! Keepalive on an idle link in all four ways of driving a client: `mosquitto_loop`,
//! `loop_forever`, `loop_start`, and the external loop (`poll` on `mosquitto_socket` +
//! `want_write` + `loop_read`/`loop_write`/`loop_misc`).
//!
//! Each client talks to a real broker through its own MQTT-aware proxy, which records every
//! packet. With keepalive 5 s on an idle link the proof is: a PINGREQ goes out about 5 s after
//! CONNECT, the broker's PINGRESP comes back, and a second PINGREQ follows about 5 s later on the
//! same connection (had the client not taken the PINGRESP, it would have dropped the link with
//! MOSQ_ERR_KEEPALIVE instead). The four modes run in parallel to keep the test near 11 s.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use common::broker::{Broker, BrokerConfig};
use common::client::{Client, Ev};
use common::fake_broker::{CONNACK, CONNECT, PINGREQ, PINGRESP};
use common::proxy::{Dir, Proxy};
use common::{unique, PROMPT};
use culex::ffi::client::{
    mosquitto_loop_forever, mosquitto_loop_misc, mosquitto_loop_read, mosquitto_loop_write,
    mosquitto_want_write,
};

const KEEPALIVE: i32 = 5;

#[derive(Clone, Copy, Debug)]
enum Mode {
    Loop,
    LoopForever,
    LoopStart,
    External,
}

/// Check the packets the proxy saw on an idle keepalive-5 link.
fn check_pings(proxy: &Proxy, client: &Client, mode: Mode) -> Result<(), String> {
    let two_pings = proxy.seen.wait_until(Duration::from_secs(14), |seen| {
        seen.iter()
            .filter(|s| s.dir == Dir::ToBroker && s.kind == PINGREQ)
            .count()
            >= 2
    });
    let seen = proxy.seen.snapshot();
    let kinds: Vec<_> = seen.iter().map(|s| (s.dir, s.kind)).collect();
    if !two_pings {
        return Err(format!(
            "{mode:?}: no second PINGREQ within 14 s; packets {kinds:?}, events {:?}",
            client.events().snapshot()
        ));
    }
    let connect = seen
        .iter()
        .find(|s| s.kind == CONNECT)
        .ok_or("no CONNECT")?
        .at;
    let pings: Vec<_> = seen
        .iter()
        .filter(|s| s.dir == Dir::ToBroker && s.kind == PINGREQ)
        .map(|s| s.at)
        .collect();
    let first = pings[0].duration_since(connect);
    if first < Duration::from_millis(4500) || first > Duration::from_millis(7000) {
        return Err(format!("{mode:?}: first PINGREQ {first:?} after CONNECT"));
    }
    let resp = seen
        .iter()
        .find(|s| s.dir == Dir::ToClient && s.kind == PINGRESP && s.at >= pings[0]);
    match resp {
        Some(r) if r.at <= pings[1] => {}
        _ => {
            return Err(format!(
                "{mode:?}: no PINGRESP between the pings: {kinds:?}"
            ))
        }
    }
    // Idle link on one connection: CONNECT, CONNACK and pings only.
    let others: Vec<_> = kinds
        .iter()
        .filter(|(_, k)| ![CONNECT, CONNACK, PINGREQ, PINGRESP].contains(k))
        .collect();
    if !others.is_empty() || proxy.count(Dir::ToBroker, CONNECT) != 1 {
        return Err(format!("{mode:?}: unexpected packets {kinds:?}"));
    }
    let evs = client.events().snapshot();
    if evs != [Ev::Connect(0)] {
        return Err(format!("{mode:?}: unexpected events {evs:?}"));
    }
    Ok(())
}

/// Drive one client in `mode` against the broker on `port` (through a proxy) and check it.
fn run_mode(mode: Mode, port: u16) -> Result<(), String> {
    let proxy = Proxy::start(port);
    let client = Arc::new(Client::new(Some(&unique(&format!("{mode:?}"))), true));
    let stop = Arc::new(AtomicBool::new(false));
    let (done_tx, done_rx) = mpsc::channel::<i32>();
    let rc = client.connect(proxy.port, KEEPALIVE);
    if rc != 0 {
        return Err(format!("{mode:?}: connect rc {rc}"));
    }
    match mode {
        Mode::LoopStart => {
            if client.loop_start() != 0 {
                return Err("loop_start failed".into());
            }
        }
        Mode::Loop => {
            let (c, stop) = (Arc::clone(&client), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut last = 0;
                while !stop.load(Ordering::SeqCst) {
                    last = c.loop_once(1000);
                    if last != 0 {
                        break;
                    }
                }
                let _ = done_tx.send(last);
            });
        }
        Mode::LoopForever => {
            let c = Arc::clone(&client);
            std::thread::spawn(move || {
                // SAFETY: live handle.
                let rc = unsafe { mosquitto_loop_forever(c.mosq, 1000, 1) };
                let _ = done_tx.send(rc);
            });
        }
        Mode::External => {
            let (c, stop) = (Arc::clone(&client), Arc::clone(&stop));
            std::thread::spawn(move || {
                let _ = done_tx.send(external_loop(&c, &stop));
            });
        }
    }
    let checked = check_pings(&proxy, &client, mode);
    // Shut the mode down; a hang here fails the test instead of hanging it.
    let ended = match mode {
        Mode::LoopStart => {
            let rc = client.disconnect();
            let disc = client.wait_disconnect(PROMPT);
            let stopped = client.loop_stop(false);
            if rc != 0 || disc != Some(0) || stopped != 0 {
                Err(format!(
                    "{mode:?}: disconnect {rc}, on_disconnect {disc:?}, loop_stop {stopped}"
                ))
            } else {
                Ok(())
            }
        }
        Mode::LoopForever => {
            // From another thread than the one in loop_forever: it must return.
            let rc = client.disconnect();
            match done_rx.recv_timeout(PROMPT) {
                Ok(0) if rc == 0 => Ok(()),
                other => Err(format!(
                    "{mode:?}: disconnect {rc}, loop_forever returned {other:?}"
                )),
            }
        }
        Mode::Loop | Mode::External => {
            stop.store(true, Ordering::SeqCst);
            match done_rx.recv_timeout(PROMPT) {
                Ok(0) => Ok(()),
                other => Err(format!("{mode:?}: loop ended with {other:?}")),
            }
        }
    };
    if ended.is_err() {
        // A stuck loop thread still uses the handle: leave it alone.
        if let Ok(c) = Arc::try_unwrap(client) {
            c.leak();
        }
    }
    checked.and(ended)
}

/// The external loop of an event-loop host: poll the client's socket and call the loop functions.
fn external_loop(c: &Client, stop: &AtomicBool) -> i32 {
    let mut last_misc = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let fd = c.socket();
        if fd < 0 {
            return -1;
        }
        // SAFETY: live handle.
        let want_write = unsafe { mosquitto_want_write(c.mosq) };
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN | if want_write { libc::POLLOUT } else { 0 },
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let n = unsafe { libc::poll(&mut pfd, 1, 200) };
        if n < 0 {
            return -2;
        }
        if pfd.revents & (libc::POLLIN | libc::POLLERR | libc::POLLHUP) != 0 {
            // SAFETY: live handle.
            let rc = unsafe { mosquitto_loop_read(c.mosq, 1) };
            if rc != 0 {
                return rc;
            }
        }
        if pfd.revents & libc::POLLOUT != 0 {
            // SAFETY: live handle.
            let rc = unsafe { mosquitto_loop_write(c.mosq, 1) };
            if rc != 0 {
                return rc;
            }
        }
        if last_misc.elapsed() >= Duration::from_millis(200) {
            last_misc = Instant::now();
            // SAFETY: live handle.
            let rc = unsafe { mosquitto_loop_misc(c.mosq) };
            if rc != 0 {
                return rc;
            }
        }
    }
    0
}

#[test]
fn keepalive_pings_in_all_four_loop_modes() {
    let broker = Broker::start(BrokerConfig::default());
    let port = broker.port();
    let modes = [
        Mode::Loop,
        Mode::LoopForever,
        Mode::LoopStart,
        Mode::External,
    ];
    let handles: Vec<_> = modes
        .iter()
        .map(|&mode| std::thread::spawn(move || run_mode(mode, port)))
        .collect();
    let results: Vec<_> = handles
        .into_iter()
        .map(|h| {
            h.join()
                .unwrap_or_else(|_| Err("mode thread panicked".into()))
        })
        .collect();
    let failures: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failures.is_empty(), "keepalive failures: {failures:#?}");
}
