//! A real `mosquitto` broker for interop tests, started on a free 127.0.0.1 port with a config file
//! written into a private temporary directory.
//!
//! ```ignore
//! let broker = Broker::start(BrokerConfig::default());
//! connect_to("127.0.0.1", broker.port());
//! assert!(broker.wait_log("Sending SUBACK to my-id", PROMPT).is_some());
//! ```
//!
//! Everything the broker logs (`log_type all`) is captured line by line, across restarts, so a
//! test can wait for what the broker saw ([`Broker::wait_log`]) and show it on failure
//! ([`Broker::log`]); set `CULEX_BROKER_LOG=1` to echo it to stderr as well. The broker is killed
//! when the [`Broker`] is dropped. Set `MOSQUITTO=/path/to/mosquitto` (and `MOSQUITTO_PASSWD`) to
//! use other binaries.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::events::EventLog;
use super::{free_port, TempDir, DEFAULT_TIMEOUT};

/// What the broker should look like. `BrokerConfig::default()` is an anonymous broker without
/// persistence.
#[derive(Clone, Debug)]
pub struct BrokerConfig {
    /// Accept clients without a username. Defaults to true, and is forced to false when
    /// `users` is not empty.
    pub allow_anonymous: bool,
    /// Username/password pairs written with `mosquitto_passwd -b` into a password file.
    pub users: Vec<(String, String)>,
    /// Keep sessions and queued messages across [`Broker::restart`] (persistence file in the
    /// temporary directory).
    pub persistence: bool,
    /// Extra lines appended to the config, e.g. `"max_inflight_messages 2"`; they come after the
    /// harness's own lines, so they override them. They apply to the listener too
    /// (`per_listener_settings` is off).
    pub extra: Vec<String>,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            allow_anonymous: true,
            users: Vec::new(),
            persistence: false,
            extra: Vec::new(),
        }
    }
}

impl BrokerConfig {
    /// Require this username/password (and disable anonymous access).
    pub fn user(mut self, username: &str, password: &str) -> Self {
        self.users.push((username.to_owned(), password.to_owned()));
        self
    }

    /// Turn persistence on or off.
    pub fn persistence(mut self, on: bool) -> Self {
        self.persistence = on;
        self
    }

    /// Append a raw line to the broker config.
    pub fn line(mut self, line: &str) -> Self {
        self.extra.push(line.to_owned());
        self
    }
}

/// Why a launch failed.
struct LaunchError {
    /// The port was taken (worth trying again).
    port_in_use: bool,
    message: String,
}

/// A running (or stopped, between [`Broker::stop`] and [`Broker::restart`]) mosquitto broker.
pub struct Broker {
    config: BrokerConfig,
    dir: TempDir,
    port: u16,
    child: Option<Child>,
    /// Every line the broker logged, across restarts, plus an `<exited PID>` line each time a
    /// broker process ends.
    log: Arc<EventLog<String>>,
}

impl Broker {
    /// Start a broker on a free port and wait until it runs. Panics (with the broker's log) if it
    /// cannot be started.
    pub fn start(config: BrokerConfig) -> Broker {
        let mut broker = Broker {
            config,
            dir: TempDir::new("culex-broker"),
            port: 0,
            child: None,
            log: Arc::new(EventLog::new()),
        };
        broker.write_password_file();
        let mut last_error = String::new();
        // The port is free when we pick it, but another process may take it before mosquitto
        // binds it: then try another one.
        for _ in 0..5 {
            broker.port = free_port();
            broker.write_config();
            match broker.launch() {
                Ok(()) => return broker,
                Err(e) => {
                    last_error = e.message;
                    if !e.port_in_use {
                        break;
                    }
                }
            }
        }
        panic!("could not start mosquitto: {last_error}");
    }

    /// The TCP port the broker listens on (on 127.0.0.1); the same across restarts.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Always `"127.0.0.1"`.
    pub fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// The broker's private directory (config, password and persistence files). Tests may put
    /// their own files here (e.g. certificates); it is removed on drop.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Everything the broker has logged so far, one line per line (for failure messages).
    pub fn log(&self) -> String {
        self.log.snapshot().join("\n")
    }

    /// How many lines were logged so far (a mark for [`Broker::wait_log_after`]).
    pub fn log_mark(&self) -> usize {
        self.log.len()
    }

    /// Wait for a broker log line containing `needle` and return it (None on timeout).
    pub fn wait_log(&self, needle: &str, timeout: Duration) -> Option<String> {
        self.wait_log_after(0, needle, timeout)
    }

    /// Wait for a broker log line containing `needle`, logged at or after line `from`.
    pub fn wait_log_after(&self, from: usize, needle: &str, timeout: Duration) -> Option<String> {
        self.log
            .wait_for_after(from, timeout, |l| l.contains(needle))
    }

    /// Whether the broker process is running.
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Stop the broker gracefully (SIGTERM, so a persistent broker saves its state) and wait for
    /// it to exit, killing it if it has not exited within the default timeout. Connected clients
    /// see the connection drop.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let exited = exit_marker(&child);
        // SAFETY: kill(2) on the pid of a child we own and have not reaped yet.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
        // The log reader records the end of the broker's stderr, i.e. its exit.
        if self
            .log
            .wait_for(DEFAULT_TIMEOUT, |l| *l == exited)
            .is_none()
        {
            let _ = child.kill();
        }
        let _ = child.wait();
    }

    /// Stop the broker and start it again on the same port with the same config (and, with
    /// `persistence`, the same sessions and queued messages). Waits until it runs.
    pub fn restart(&mut self) {
        self.stop();
        // The old listening socket is gone once the process has exited, and mosquitto sets
        // SO_REUSEADDR; should the port still be busy for a moment, try again until the deadline.
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        loop {
            match self.launch() {
                Ok(()) => return,
                Err(e) if e.port_in_use && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Err(e) => panic!(
                    "could not restart mosquitto on port {}: {}",
                    self.port, e.message
                ),
            }
        }
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join("mosquitto.conf")
    }

    fn password_path(&self) -> PathBuf {
        self.dir.path().join("passwd")
    }

    fn write_password_file(&self) {
        let passwd = self.password_path();
        for (i, (user, password)) in self.config.users.iter().enumerate() {
            let mut cmd = Command::new(mosquitto_passwd_path());
            if i == 0 {
                cmd.arg("-c");
            }
            let status = cmd
                .arg("-b")
                .arg(&passwd)
                .arg(user)
                .arg(password)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("run mosquitto_passwd");
            assert!(status.success(), "mosquitto_passwd failed for user {user}");
        }
    }

    fn write_config(&self) {
        let dir = self.dir.path();
        let mut conf = String::new();
        let _ = writeln!(conf, "# Written by tests/common/broker.rs for one test.");
        let _ = writeln!(conf, "listener {} 127.0.0.1", self.port);
        let anonymous = self.config.allow_anonymous && self.config.users.is_empty();
        let _ = writeln!(conf, "allow_anonymous {anonymous}");
        if !self.config.users.is_empty() {
            let _ = writeln!(conf, "password_file {}", self.password_path().display());
        }
        if self.config.persistence {
            let _ = writeln!(conf, "persistence true");
            let _ = writeln!(conf, "persistence_location {}/", dir.display());
            let _ = writeln!(conf, "persistence_file mosquitto.db");
        } else {
            let _ = writeln!(conf, "persistence false");
        }
        // SAFETY: geteuid(2) has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            // mosquitto started as root drops to user "mosquitto", which cannot write the
            // persistence file into our temporary directory: stay root.
            let _ = writeln!(conf, "user root");
        }
        // Room for the bursts the tests send (thousands of queued QoS 1/2 messages).
        let _ = writeln!(conf, "max_queued_messages 100000");
        let _ = writeln!(conf, "max_inflight_messages 0");
        let _ = writeln!(conf, "log_dest stderr");
        let _ = writeln!(conf, "log_type all");
        let _ = writeln!(conf, "connection_messages true");
        let _ = writeln!(conf, "log_timestamp false");
        for line in &self.config.extra {
            let _ = writeln!(conf, "{line}");
        }
        std::fs::write(self.config_path(), conf).expect("write mosquitto.conf");
    }

    /// Start the process with the config written for `self.port`, and wait until it logs that it
    /// runs (its listener is open by then).
    fn launch(&mut self) -> Result<(), LaunchError> {
        let mut child = Command::new(mosquitto_path())
            .arg("-c")
            .arg(self.config_path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| LaunchError {
                port_in_use: false,
                message: format!("spawn {}: {e}", mosquitto_path().display()),
            })?;
        let stderr = child.stderr.take().expect("stderr pipe");
        let exited = exit_marker(&child);
        let log = Arc::clone(&self.log);
        let pid = child.id();
        let start = log.len();
        std::thread::Builder::new()
            .name(format!("mosquitto-{pid}-log"))
            .spawn({
                let exited = exited.clone();
                move || {
                    let echo = std::env::var_os("CULEX_BROKER_LOG").is_some();
                    for line in BufReader::new(stderr).lines() {
                        let Ok(line) = line else { break };
                        if echo {
                            eprintln!("[mosquitto {pid}] {line}");
                        }
                        log.push(line);
                    }
                    log.push(exited);
                }
            })
            .expect("spawn broker log reader");

        let seen = self.log.wait_for_after(start, DEFAULT_TIMEOUT, |l| {
            l.contains(" running") || l.contains("Address already in use") || *l == exited
        });
        if matches!(&seen, Some(line) if line.contains(" running")) {
            self.child = Some(child);
            return Ok(());
        }
        let _ = child.kill();
        let _ = child.wait();
        let port_in_use = matches!(&seen, Some(line) if line.contains("Address already in use"));
        let what = match seen {
            None => format!("mosquitto did not start within {DEFAULT_TIMEOUT:?}"),
            Some(_) if port_in_use => format!("port {} already in use", self.port),
            Some(_) => "mosquitto exited during start-up".to_owned(),
        };
        Err(LaunchError {
            port_in_use,
            message: format!("{what}; log:\n{}", self.log()),
        })
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The line the log reader records when `child`'s stderr ends.
fn exit_marker(child: &Child) -> String {
    format!("<exited {}>", child.id())
}

fn mosquitto_path() -> PathBuf {
    find_program(
        "MOSQUITTO",
        "mosquitto",
        &["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"],
    )
}

fn mosquitto_passwd_path() -> PathBuf {
    find_program(
        "MOSQUITTO_PASSWD",
        "mosquitto_passwd",
        &["/usr/bin/mosquitto_passwd"],
    )
}

/// `$env_var`, else the first existing of `candidates`, else `name` on PATH.
fn find_program(env_var: &str, name: &str, candidates: &[&str]) -> PathBuf {
    if let Some(path) = std::env::var_os(env_var) {
        return PathBuf::from(path);
    }
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(name))
}
