//! Waiting for an outgoing message to end (`culex_wait_for_publish`, Paho's
//! `MQTTMessageInfo.wait_for_publish`), without ever hanging.
//!
//! The wait returns as soon as the session says the message ended ([`Delivery`]), and at once
//! with an error when nothing could end it: no loop drives the client (no `loop_start` thread, no
//! loop call in progress on another thread, and none started within `DRIVEN_WITHIN`: an external
//! event loop spends most of its time in its own poll, between calls; Paho's wait hangs there),
//! the client was disconnected on purpose, or the caller is itself the thread running this
//! client's loop (inside a callback, say), which would wait for itself. Every dispatched event, `loop_stop` and
//! `disconnect` wake the waiters, which then look again; a wait also looks again at least every
//! `RECHECK` so that a loop ending on another thread is noticed.
//!
//! Owns the condition variable and the per-thread record of which clients' loops a thread runs.

use std::cell::RefCell;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{Client, Conn};
use crate::error::Error;
use crate::protocol::PacketId;
use crate::session::Delivery;

/// The longest a waiter sleeps before looking again.
const RECHECK: Duration = Duration::from_millis(100);

/// A client whose last loop call started this recently counts as driven: external loops must
/// call `mosquitto_loop_misc()` at least once a second.
const DRIVEN_WITHIN: Duration = Duration::from_secs(2);

/// Milliseconds since the first call (never 0), for the loops' timestamps.
pub(crate) fn clock_ms() -> u32 {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    // Wraps every 49 days: only differences of a few seconds are ever taken, and 0 is kept for
    // "never".
    (epoch.elapsed().as_millis() as u32).max(1)
}

thread_local! {
    /// The clients (by address) whose loop this thread is inside, innermost last.
    static LOOPS_HERE: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Marks the current thread as running `client`'s loop for as long as it lives.
pub(crate) struct LoopHere(usize);

impl LoopHere {
    pub(crate) fn enter(client: &Client) -> LoopHere {
        let key = client as *const Client as usize;
        let _ = LOOPS_HERE.try_with(|l| l.borrow_mut().push(key));
        LoopHere(key)
    }
}

impl Drop for LoopHere {
    fn drop(&mut self) {
        let _ = LOOPS_HERE.try_with(|l| {
            let mut l = l.borrow_mut();
            if let Some(at) = l.iter().rposition(|&k| k == self.0) {
                l.remove(at);
            }
        });
    }
}

/// Why a wait ended without the message ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitError {
    /// Nothing drives the client (or it was disconnected on purpose): it would never end.
    NoLoop,
    /// Called from the thread running this client's loop (it would wait for itself).
    InsideLoop,
    /// The time given ran out first.
    Timeout,
}

impl Client {
    /// Wait until the outgoing message `mid` ends, at most `timeout` (`None`: no limit); see the
    /// module documentation. `Duration::ZERO` only looks.
    pub fn wait_delivery(
        &self,
        mid: PacketId,
        timeout: Option<Duration>,
    ) -> Result<Delivery, WaitError> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let me = self as *const Client as usize;
        let mut core = self.lock();
        loop {
            let delivery = core.session.delivery(mid);
            if delivery != Delivery::Pending {
                return Ok(delivery);
            }
            let now = Instant::now();
            let left = deadline.map(|d| d.saturating_duration_since(now));
            if left == Some(Duration::ZERO) {
                return Err(WaitError::Timeout);
            }
            if LOOPS_HERE
                .try_with(|l| l.borrow().contains(&me))
                .unwrap_or(false)
            {
                log::warn!("culex: waiting for m{mid} from inside the client's own loop");
                return Err(WaitError::InsideLoop);
            }
            if core.user_disconnect && matches!(core.conn, Conn::Idle) {
                log::warn!("culex: waiting for m{mid}, but the client was disconnected");
                return Err(WaitError::NoLoop);
            }
            let last = self.last_loop_ms.load(Ordering::Relaxed);
            let recently =
                last > 0 && clock_ms().wrapping_sub(last) < DRIVEN_WITHIN.as_millis() as u32;
            let driven =
                self.in_loops.load(Ordering::SeqCst) > 0 || recently || self.has_loop_thread();
            if !driven {
                log::warn!("culex: waiting for m{mid}, but no loop drives the client");
                return Err(WaitError::NoLoop);
            }
            let nap = left.map_or(RECHECK, |l| l.min(RECHECK));
            self.waiters.fetch_add(1, Ordering::SeqCst);
            core = match self.delivered.wait_timeout(core, nap) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
            self.waiters.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Wake the waiters of [`Client::wait_delivery`] (an event was delivered, a loop stopped).
    /// Costs one load when nobody waits (a notification is a system call).
    #[inline]
    pub(crate) fn wake_waiters(&self) {
        if self.waiters.load(Ordering::SeqCst) > 0 {
            // Under the lock, so that a waiter between its look and its sleep cannot miss it.
            let _core = self.lock();
            self.delivered.notify_all();
        }
    }

    /// Whether the outgoing message `mid` ended, and how ([`Delivery::Pending`] while not).
    pub fn delivery(&self, mid: PacketId) -> Delivery {
        self.lock().session.delivery(mid)
    }

    /// Wrapper for errors of the wait as crate errors, for callers that want one.
    pub fn wait_error(e: &WaitError) -> Error {
        match e {
            WaitError::NoLoop => Error::NoConn,
            WaitError::InsideLoop => Error::Inval,
            WaitError::Timeout => Error::Timeout,
        }
    }
}
