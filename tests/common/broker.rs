//! A real `mosquitto` broker for interop tests, started on a free 127.0.0.1 port with a config file
//! written into a private temporary directory.
//!
//! ```ignore
//! let broker = Broker::start(BrokerConfig::default());
//! connect_to("127.0.0.1", broker.port());
//! ```
//!
//! The broker is killed when the [`Broker`] is dropped. Its log (connections, subscriptions,
//! errors) is kept in the temporary directory; [`Broker::log`] returns it for failure messages.
//! Set `MOSQUITTO=/path/to/mosquitto` to use another broker binary.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{TempDir, DEFAULT_TIMEOUT};

/// What the broker should look like. `BrokerConfig::default()` is an anonymous broker without
/// persistence.
#[derive(Clone, Debug)]
pub struct BrokerConfig {
    /// Accept clients without a username. Defaults to true, and is forced to false when
    /// `users` is not empty.
    pub allow_anonymous: bool,
    /// Username/password pairs written with `mosquitto_passwd -b` into a password file.
    pub users: Vec<(String, String)>,
    /// Keep sessions and messages across [`Broker::restart`] (persistence file in the temp dir).
    pub persistence: bool,
    /// Extra lines appended to the config, e.g. `"max_inflight_messages 2"`. They apply to the
    /// listener too (`per_listener_settings` is off).
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

/// A running (or stopped, between [`Broker::stop`] and [`Broker::restart`]) mosquitto broker.
pub struct Broker {
    config: BrokerConfig,
    dir: TempDir,
    port: u16,
    child: Option<Child>,
}

impl Broker {
    /// Start a broker on a free port and wait until it accepts connections. Panics (with the
    /// broker's log) if it cannot be started.
    pub fn start(config: BrokerConfig) -> Broker {
        let mut broker = Broker {
            config,
            dir: TempDir::new("culex-broker"),
            port: 0,
            child: None,
        };
        let mut last_error = String::new();
        // The port is free when we pick it, but another process may take it before mosquitto
        // binds it: then try another one.
        for _ in 0..5 {
            broker.port = free_port();
            broker.write_config();
            match broker.launch() {
                Ok(()) => return broker,
                Err(e) => {
                    let clash = e.contains("Address already in use");
                    last_error = e;
                    if !clash {
                        break;
                    }
                }
            }
        }
        panic!("could not start mosquitto: {last_error}");
    }

    /// The TCP port the broker listens on (on 127.0.0.1).
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

    /// The broker's private directory (config, log, password and persistence files). Tests may
    /// put their own files here (e.g. certificates); it is removed on drop.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Everything the broker has logged so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_else(|e| format!("(no broker log: {e})"))
    }

    /// Whether the broker process is running.
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Stop the broker gracefully (SIGTERM, so a persistent broker saves its state), killing it
    /// if it has not exited within the default timeout. Connected clients see the connection drop.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // SAFETY: kill(2) on the pid of a child we own and have not reaped yet.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                _ => break,
            }
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Stop the broker and start it again on the same port with the same config (and, with
    /// `persistence`, the same sessions and queued messages). Waits until it accepts connections.
    pub fn restart(&mut self) {
        self.stop();
        // The old listening socket is gone once the process has exited; mosquitto sets
        // SO_REUSEADDR, so connections in TIME_WAIT do not block the new bind.
        if let Err(e) = self.launch() {
            panic!("could not restart mosquitto on port {}: {e}", self.port);
        }
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("mosquitto.log")
    }

    fn write_config(&self) {
        let dir = self.dir.path();
        let mut conf = String::new();
        let _ = writeln!(conf, "# Written by tests/common/broker.rs for one test.");
        let _ = writeln!(conf, "listener {} 127.0.0.1", self.port);
        let anonymous = self.config.allow_anonymous && self.config.users.is_empty();
        let _ = writeln!(conf, "allow_anonymous {anonymous}");
        if !self.config.users.is_empty() {
            let passwd = dir.join("passwd");
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
                    .status()
                    .expect("run mosquitto_passwd");
                assert!(status.success(), "mosquitto_passwd failed for user {user}");
            }
            let _ = writeln!(conf, "password_file {}", passwd.display());
        }
        if self.config.persistence {
            let _ = writeln!(conf, "persistence true");
            let _ = writeln!(conf, "persistence_location {}/", dir.display());
            let _ = writeln!(conf, "persistence_file mosquitto.db");
        } else {
            let _ = writeln!(conf, "persistence false");
        }
        // When the tests run as root, mosquitto would switch to the "mosquitto" user, which
        // cannot write our directory: stay the current user (no effect for other users).
        let _ = writeln!(conf, "user {}", current_user());
        let _ = writeln!(conf, "log_dest stderr");
        for kind in [
            "error",
            "warning",
            "notice",
            "information",
            "subscribe",
            "unsubscribe",
        ] {
            let _ = writeln!(conf, "log_type {kind}");
        }
        let _ = writeln!(conf, "connection_messages true");
        let _ = writeln!(conf, "log_timestamp_format %H:%M:%S");
        for line in &self.config.extra {
            let _ = writeln!(conf, "{line}");
        }
        fs::write(dir.join("mosquitto.conf"), conf).expect("write mosquitto.conf");
    }

    /// Start the process and wait until the port accepts connections.
    fn launch(&mut self) -> Result<(), String> {
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.log_path())
            .map_err(|e| format!("open broker log: {e}"))?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(mosquitto_path())
            .arg("-c")
            .arg(self.dir.path().join("mosquitto.conf"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", mosquitto_path().display()))?;
        self.child = Some(child);

        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        loop {
            if !self.is_running() {
                self.child = None;
                return Err(format!(
                    "mosquitto exited during start-up; log:\n{}",
                    self.log()
                ));
            }
            if TcpStream::connect_timeout(&self.addr(), Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                self.stop();
                return Err(format!(
                    "mosquitto did not listen within {DEFAULT_TIMEOUT:?}; log:\n{}",
                    self.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
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

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local_addr").port()
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

fn current_user() -> String {
    let output = Command::new("id").arg("-un").output();
    match output {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        _ => std::env::var("USER").unwrap_or_else(|_| "root".to_owned()),
    }
}

/// Connect a plain TCP stream to the broker (with read/write timeouts set to the default).
pub fn connect_tcp(port: u16) -> io::Result<TcpStream> {
    let stream =
        TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], port)), DEFAULT_TIMEOUT)?;
    stream.set_read_timeout(Some(DEFAULT_TIMEOUT))?;
    stream.set_write_timeout(Some(DEFAULT_TIMEOUT))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}
