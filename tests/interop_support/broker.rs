//! A real mosquitto broker (`/usr/sbin/mosquitto`) on 127.0.0.1, one per test, with its log
//! captured line by line so tests can wait for what the broker saw.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use super::events::EventLog;
use super::{free_port, TempDir};

const MOSQUITTO: &str = "/usr/sbin/mosquitto";

/// How a broker is configured.
#[derive(Clone, Default)]
pub struct BrokerOptions {
    /// Keep sessions and queued messages across restarts.
    pub persistence: bool,
    /// `allow_anonymous false` and a password file with these `(user, password)` pairs.
    pub users: Vec<(String, String)>,
    /// Extra configuration lines.
    pub extra: String,
}

/// A running (or stopped, between restarts) mosquitto process.
pub struct Broker {
    pub port: u16,
    pub dir: TempDir,
    options: BrokerOptions,
    child: Option<Child>,
    /// Every line the broker logged, across restarts.
    pub log: Arc<EventLog<String>>,
}

impl Broker {
    /// A broker with anonymous access, no persistence.
    pub fn start() -> Broker {
        Broker::start_with(BrokerOptions::default())
    }

    pub fn start_with(options: BrokerOptions) -> Broker {
        let dir = TempDir::new("broker");
        if !options.users.is_empty() {
            let file = dir.path.join("passwd");
            for (i, (user, pass)) in options.users.iter().enumerate() {
                let mut cmd = Command::new("mosquitto_passwd");
                cmd.arg("-b");
                if i == 0 {
                    cmd.arg("-c");
                }
                let status = cmd
                    .arg(&file)
                    .arg(user)
                    .arg(pass)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .expect("run mosquitto_passwd");
                assert!(status.success(), "mosquitto_passwd failed");
            }
        }
        let mut broker = Broker {
            port: 0,
            dir,
            options,
            child: None,
            log: Arc::new(EventLog::new()),
        };
        // Another process may grab the port between the probe and the broker's bind: retry.
        for _ in 0..5 {
            broker.port = free_port();
            if broker.spawn() {
                return broker;
            }
        }
        panic!("could not start mosquitto on a free port");
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path.join("mosquitto.conf")
    }

    fn write_config(&self) {
        let mut conf = format!(
            "listener {} 127.0.0.1\n\
             log_dest stderr\n\
             log_type all\n\
             log_timestamp false\n\
             max_queued_messages 100000\n\
             max_inflight_messages 0\n",
            self.port
        );
        if self.options.users.is_empty() {
            conf.push_str("allow_anonymous true\n");
        } else {
            conf.push_str(&format!(
                "allow_anonymous false\npassword_file {}\n",
                self.dir.path.join("passwd").display()
            ));
        }
        // SAFETY: geteuid(2) has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            // mosquitto started as root drops to user "mosquitto", which cannot write the
            // persistence file into our temporary directory.
            conf.push_str("user root\n");
        }
        if self.options.persistence {
            conf.push_str(&format!(
                "persistence true\npersistence_location {}/\n",
                self.dir.path.display()
            ));
        }
        conf.push_str(&self.options.extra);
        conf.push('\n');
        std::fs::write(self.config_path(), conf).expect("write mosquitto.conf");
    }

    /// Start the process and wait until it listens. False if it exited (port taken).
    fn spawn(&mut self) -> bool {
        self.write_config();
        let mut child = Command::new(MOSQUITTO)
            .arg("-c")
            .arg(self.config_path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start /usr/sbin/mosquitto");
        let stderr = child.stderr.take().expect("stderr pipe");
        let log = Arc::clone(&self.log);
        let pid = child.id();
        let start = log.len();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if std::env::var_os("CULEX_BROKER_LOG").is_some() {
                    eprintln!("[mosquitto {pid}] {line}");
                }
                log.push(line);
            }
            log.push(format!("<exited {pid}>"));
        });
        let exited = format!("<exited {pid}>");
        let seen = self
            .log
            .wait_for_after(start, Duration::from_secs(10), |l| {
                l.contains(" running") || l.contains("Address already in use") || *l == exited
            });
        match seen {
            Some(line) if line.contains(" running") => {
                self.child = Some(child);
                true
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                false
            }
        }
    }

    /// Stop the broker gracefully (SIGTERM: persistence is written) and wait for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let exited = format!("<exited {}>", child.id());
            // SAFETY: kill(2) on the pid of our own child process.
            unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
            // The log reader records the end of the broker's stderr, i.e. its exit.
            if self
                .log
                .wait_for(Duration::from_secs(10), |l| *l == exited)
                .is_none()
            {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    }

    /// Stop and start again on the same port (and with the same persistence directory).
    pub fn restart(&mut self) {
        self.stop();
        for _ in 0..50 {
            if self.spawn() {
                return;
            }
            // The old listening socket may linger for a moment; mosquitto uses SO_REUSEADDR so
            // this is rare.
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("mosquitto did not restart on port {}", self.port);
    }

    /// Wait for a broker log line containing `needle`, logged at or after line `from`.
    pub fn wait_log_after(&self, from: usize, needle: &str, timeout: Duration) -> Option<String> {
        self.log
            .wait_for_after(from, timeout, |l| l.contains(needle))
    }

    pub fn wait_log(&self, needle: &str, timeout: Duration) -> Option<String> {
        self.wait_log_after(0, needle, timeout)
    }

    /// How many lines were logged so far (a mark for `wait_log_after`).
    pub fn log_mark(&self) -> usize {
        self.log.len()
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
