//! Shared harness of the integration tests: include it with `mod common;`.
//!
//! - [`broker::Broker`]: a real `mosquitto` broker on a free 127.0.0.1 port, configured by the test;
//! - [`fake_broker::FakeBroker`]: a scripted TCP peer that speaks raw bytes, for the cases a real
//!   broker will not produce (refusals on demand, malformed packets, silence, abrupt closes);
//! - [`wait_until`]: poll a condition with a deadline (tests never sleep to synchronise).
//!
//! Not every test uses every helper.
#![allow(dead_code)]

pub mod broker;
pub mod fake_broker;

use std::time::{Duration, Instant};

/// Default deadline for anything a test waits for.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Poll `condition` every few milliseconds until it is true or `timeout` has passed.
/// Returns whether it became true.
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

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir {
    path: std::path::PathBuf,
}

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        for _ in 0..100 {
            let name = format!(
                "{prefix}-{}-{}-{nanos}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            );
            let path = std::env::temp_dir().join(name);
            if std::fs::create_dir(&path).is_ok() {
                return TempDir { path };
            }
        }
        panic!(
            "cannot create a temporary directory in {:?}",
            std::env::temp_dir()
        );
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
