//! Keepalive and CONNACK timers of one connection.
//!
//! Owns the instants that matter (last bytes handed to the transport, last packet received,
//! PINGREQ outstanding, CONNACK deadline) and the rules that turn them into deadlines. It never
//! reads the clock and never sends anything: the session asks it what is due at `now`.
//!
//! The rules, with K the keepalive interval (K > 0):
//! - PINGREQ is due when nothing was handed to the transport for K **or** no packet arrived for
//!   K (like libmosquitto, so that a client that only publishes QoS 0 still notices a dead
//!   broker). Steady traffic in both directions (e.g. QoS 1 PUBLISH answered by PUBACK) never
//!   needs a PINGREQ.
//! - With a PINGREQ outstanding, the broker must be heard from within K: any complete packet
//!   received (not only PINGRESP) proves the link alive and restarts that wait; PINGRESP ends it.
//!   Otherwise the connection failed with `Error::Keepalive`.
//! - CONNACK must arrive within K of the transport becoming ready (`Error::Keepalive`, as
//!   libmosquitto), or within the fixed CONNACK timeout when K is 0 (`Error::Timeout`).

use std::time::{Duration, Instant};

/// What the keepalive rules ask for at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeepaliveAction {
    /// Nothing is due.
    Idle,
    /// Send PINGREQ now.
    SendPing,
    /// The broker stayed silent too long.
    Expired,
}

/// The timers of one connection.
#[derive(Debug, Clone, Default)]
pub(super) struct Keepalive {
    /// Seconds; 0: keepalive off.
    interval: u16,
    last_tx: Option<Instant>,
    last_rx: Option<Instant>,
    ping_sent: Option<Instant>,
    connack_deadline: Option<Instant>,
}

impl Keepalive {
    /// A connection starts at `now`: CONNACK is due by `now + connack_timeout`.
    pub(super) fn start(&mut self, now: Instant, keep_alive: u16, connack_timeout: Duration) {
        *self = Keepalive {
            interval: keep_alive,
            last_tx: Some(now),
            last_rx: Some(now),
            ping_sent: None,
            connack_deadline: Some(now + connack_timeout),
        };
    }

    /// The broker is still answering before CONNACK (an MQTT 5 AUTH round): CONNACK is now due
    /// by `now + timeout`.
    pub(super) fn restart_connack(&mut self, now: Instant, timeout: Duration) {
        if self.connack_deadline.is_some() {
            self.connack_deadline = Some(now + timeout);
        }
    }

    /// CONNACK arrived: the CONNACK deadline ends; `keep_alive` is the interval now in force (the
    /// MQTT 5 Server Keep Alive may differ from what CONNECT asked for).
    pub(super) fn connected(&mut self, now: Instant, keep_alive: u16) {
        self.connack_deadline = None;
        self.interval = keep_alive;
        self.last_rx = Some(now);
    }

    /// The connection is over: nothing is due any more.
    pub(super) fn stop(&mut self) {
        *self = Keepalive::default();
    }

    /// Bytes were handed to the transport at `now`.
    pub(super) fn on_transmit(&mut self, now: Instant) {
        self.last_tx = Some(now);
    }

    /// A complete packet arrived at `now`.
    pub(super) fn on_receive(&mut self, now: Instant) {
        self.last_rx = Some(now);
    }

    /// PINGREQ was queued at `now`.
    pub(super) fn on_ping_sent(&mut self, now: Instant) {
        self.ping_sent = Some(now);
    }

    /// PINGRESP arrived.
    pub(super) fn on_ping_response(&mut self) {
        self.ping_sent = None;
    }

    /// Whether a PINGREQ is waiting for its PINGRESP.
    pub(super) fn ping_outstanding(&self) -> bool {
        self.ping_sent.is_some()
    }

    /// When CONNACK is due, while waiting for it.
    pub(super) fn connack_deadline(&self) -> Option<Instant> {
        self.connack_deadline
    }

    /// The next instant a keepalive action is due on a connected link, if keepalive is on.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        let interval = interval(self.interval)?;
        let last_tx = self.last_tx?;
        let last_rx = self.last_rx?;
        Some(match self.ping_sent {
            Some(ping) => ping.max(last_rx) + interval,
            None => last_tx.min(last_rx) + interval,
        })
    }

    /// What is due at `now` on a connected link.
    pub(super) fn check(&self, now: Instant) -> KeepaliveAction {
        match self.next_deadline() {
            Some(deadline) if now >= deadline => {
                if self.ping_sent.is_some() {
                    KeepaliveAction::Expired
                } else {
                    KeepaliveAction::SendPing
                }
            }
            _ => KeepaliveAction::Idle,
        }
    }
}

fn interval(keep_alive: u16) -> Option<Duration> {
    (keep_alive > 0).then(|| Duration::from_secs(u64::from(keep_alive)))
}
