//! The one harness of the integration tests: include it with `mod common;`.
//!
//! - [`broker::Broker`]: a real `mosquitto` broker on a free 127.0.0.1 port, configured by the test
//!   (password file, persistence, extra lines), restartable on the same port, with its log captured
//!   line by line so tests can wait for what the broker saw;
//! - [`fake_broker::FakeBroker`]: a scripted TCP peer that speaks raw bytes, for the cases a real
//!   broker will not produce (refusals on demand, malformed packets, silence, abrupt closes), and
//!   the MQTT packet helpers (framing, builders) it and the tests use;
//! - [`client::Client`]: a thin wrapper over Culex's C API that records every callback as an event;
//! - [`proxy::Proxy`]: an MQTT-aware TCP proxy that records which packets crossed it, and when;
//! - [`events::EventLog`]: an append-only log that threads wait on, with a deadline;
//! - [`http_proxy::HttpProxy`]: an HTTP CONNECT proxy with Basic authentication, recording the
//!   requests it got;
//! - [`restart::pubsub_across_restart`]: the QoS 0/1/2 round across a broker restart that every
//!   transport runs in each loop mode.
//!
//! Nothing here sleeps to synchronise: every wait is on an event or a condition, with a deadline.
//! Not every test uses every helper, hence the module-wide `dead_code` allowance.
#![allow(dead_code)]

pub mod broker;
pub mod client;
pub mod drive;
pub mod events;
pub mod fake_broker;
pub mod http_proxy;
pub mod proxy;
pub mod restart;

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Default deadline for anything the harness waits for (a broker starting, a packet arriving).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Deadline for "this should happen promptly" waits in tests.
pub const PROMPT: Duration = Duration::from_secs(5);

/// Poll `condition` every few milliseconds until it is true or `timeout` has passed.
/// Returns whether it became true. Prefer waiting on an [`events::EventLog`] where one records
/// the event.
pub fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A unique-enough tag for client ids and topics, so parallel tests never collide.
pub fn unique(tag: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{tag}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local_addr").port()
}

/// Connect a plain TCP stream to 127.0.0.1:`port` (read/write timeouts set to the default).
pub fn connect_tcp(port: u16) -> io::Result<TcpStream> {
    let stream =
        TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], port)), DEFAULT_TIMEOUT)?;
    stream.set_read_timeout(Some(DEFAULT_TIMEOUT))?;
    stream.set_write_timeout(Some(DEFAULT_TIMEOUT))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Run a command to completion, failing the test if it takes longer than `timeout`.
pub fn run_command(mut cmd: Command, timeout: Duration) -> Output {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn command");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(timeout) {
        Ok(output) => output.expect("wait for command"),
        Err(_) => {
            // SAFETY: kill(2) on our own child's pid.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            panic!("command {cmd:?} did not finish within {timeout:?}");
        }
    }
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        for _ in 0..100 {
            let path = std::env::temp_dir().join(format!("{}-{nanos}", unique(prefix)));
            if std::fs::create_dir(&path).is_ok() {
                return TempDir { path };
            }
        }
        panic!(
            "cannot create a temporary directory in {:?}",
            std::env::temp_dir()
        );
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
