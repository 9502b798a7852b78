//! MQTT over a Unix-domain socket (`listener 0 /path/to.sock` on a real mosquitto): connected
//! with libmosquitto's own form, `mosquitto_connect(mosq, path, 0, keepalive)`, at QoS 0, 1 and
//! 2 in all four loop modes across a broker restart; and a path nobody listens on failing as
//! libmosquitto's does (`MOSQ_ERR_ERRNO`, errno ENOENT / ECONNREFUSED).

mod common;

use std::ffi::CString;
use std::path::PathBuf;

use common::broker::{Broker, BrokerConfig};
use common::client::{Client, Ev};
use common::drive::MODES;
use common::restart::pubsub_across_restart;
use common::{unique, PROMPT};
use culex::ffi::client::{mosquitto_connect, mosquitto_connect_async};

const MOSQ_ERR_ERRNO: i32 = 14;

/// A broker with a Unix socket listener (besides its TCP one); the socket's path.
fn unix_broker() -> (Broker, PathBuf) {
    // The path is chosen before the broker (and its directory) exists: keep it short and
    // unique in the system's temporary directory (a socket path has at most 107 bytes).
    let path = std::env::temp_dir().join(format!("{}.sock", unique("culex-mqtt")));
    let broker =
        Broker::start(BrokerConfig::default().line(&format!("listener 0 {}", path.display())));
    (broker, path)
}

fn connect_path(c: &Client, path: &std::path::Path, blocking: bool) -> i32 {
    let host = CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: live handle, valid C string.
    unsafe {
        if blocking {
            mosquitto_connect(c.mosq, host.as_ptr(), 0, 30)
        } else {
            mosquitto_connect_async(c.mosq, host.as_ptr(), 0, 30)
        }
    }
}

#[test]
fn pubsub_at_every_qos_in_every_loop_mode_across_a_restart() {
    let (mut broker, path) = unix_broker();
    for mode in MODES {
        let c = Client::new(Some(&unique("unix")), true);
        let connect = |c: &Client| connect_path(c, &path, mode != common::drive::Mode::Loop);
        pubsub_across_restart("unix", &mut broker, mode, &c, &connect);
        assert!(
            broker
                .wait_log(
                    &format!("New client connected from {}", path.display()),
                    PROMPT
                )
                .is_some(),
            "the broker saw a Unix socket client"
        );
    }
    drop(broker);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_path_nobody_listens_on_fails_like_libmosquitto() {
    let missing = std::env::temp_dir().join(format!("{}.sock", unique("culex-none")));
    let c = Client::new(Some(&unique("unix-missing")), true);
    assert_eq!(connect_path(&c, &missing, true), MOSQ_ERR_ERRNO);
    // SAFETY: the calling thread's errno.
    assert_eq!(unsafe { *libc::__errno_location() }, libc::ENOENT);
    // A bound path whose listener is gone: refused.
    let (mut broker, path) = unix_broker();
    broker.stop();
    if path.exists() {
        assert_eq!(connect_path(&c, &path, true), MOSQ_ERR_ERRNO);
    }
    // Asynchronous: the call itself fails at once (a local connect does not wait).
    assert_eq!(connect_path(&c, &missing, false), MOSQ_ERR_ERRNO);
    assert!(
        !c.events()
            .snapshot()
            .iter()
            .any(|e| matches!(e, Ev::Connect(_))),
        "{:?}",
        c.events().snapshot()
    );
    let _ = std::fs::remove_file(&path);
}
