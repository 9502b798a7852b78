//! The four ways to drive a client: the external loop calls, one `poll(2)` step, a blocking loop
//! with reconnects, and a thread of its own.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Client, Conn, EventSink};
use crate::error::Error;
use crate::net::tcp::{self, Interest, Ready};

impl Client {
    /// External loop: the socket polled readable. Reads, handles and answers what arrived.
    pub fn loop_read(&self, sink: &dyn EventSink) -> Result<(), Error> {
        let _loop = self.enter_loop();
        let result = self.lock().read_ready(Instant::now());
        self.dispatch(sink);
        result
    }

    /// External loop: the socket polled writable (or [`Client::want_write`] is true).
    pub fn loop_write(&self, sink: &dyn EventSink) -> Result<(), Error> {
        let _loop = self.enter_loop();
        let result = self.lock().write_ready(Instant::now());
        self.dispatch(sink);
        result
    }

    /// External loop: timers (keepalive), to be called about once a second.
    pub fn loop_misc(&self, sink: &dyn EventSink) -> Result<(), Error> {
        let _loop = self.enter_loop();
        let result = self.lock().misc(Instant::now(), &self.wake);
        self.dispatch(sink);
        result
    }

    /// One step: wait up to `timeout` for the socket (or a wake-up), then read, write and run
    /// timers. Does not reconnect. `None`: no limit but the client's own deadlines.
    ///
    /// When the flush before waiting wrote out everything that was queued and that completed
    /// something for the application (QoS 0 `on_publish`, delivered before any wait), the step
    /// only looks at the socket (no waiting) and returns, so that the caller can go on at once:
    /// with libmosquitto, whose publish writes (and reports a QoS 0 message published) on the
    /// spot, a program that publishes a batch and then calls `mosquitto_loop` never waits for
    /// its own output either. A flush that completed nothing (a QoS 1 PUBLISH now awaiting its
    /// PUBACK) waits as usual: the answer is what the caller waits for.
    pub fn loop_once(&self, timeout: Option<Duration>, sink: &dyn EventSink) -> Result<(), Error> {
        let _loop = self.enter_loop();
        let prepared = self.prepare();
        // Events from the flush (QoS 0 completions, …) are delivered before sleeping, so that
        // their callbacks' commands are part of this wait.
        let delivered = self.dispatch(sink);
        let timeout = match prepared {
            Ok(Prepared::Flushed) if delivered => Some(Duration::ZERO),
            Ok(Prepared::Wait | Prepared::Flushed) => timeout,
            Ok(Prepared::Closed) => return Ok(()),
            Err(e) => return Err(e),
        };
        let result = self.wait_and_handle(timeout);
        self.dispatch(sink);
        result
    }

    /// Advance a connection attempt and flush queued output.
    fn prepare(&self) -> Result<Prepared, Error> {
        let mut core = self.lock();
        let now = Instant::now();
        if !matches!(core.conn, Conn::Open { .. }) {
            core.offline_timers(now);
        }
        if let Conn::Resolving { .. } | Conn::Pending { .. } = core.conn {
            core.connect_progress(now)?;
        }
        if let Conn::Idle = core.conn {
            return Err(Error::NoConn);
        }
        if let Conn::Open { .. } = core.conn {
            if core.want_write() {
                core.write_ready(now)?;
                if let Conn::Idle = core.conn {
                    return Ok(Prepared::Closed);
                }
                if !core.want_write() {
                    return Ok(Prepared::Flushed);
                }
            }
        }
        Ok(Prepared::Wait)
    }

    /// Wait for the socket, a wake-up or the next deadline (at most `timeout`, if any), then
    /// read, write and run timers.
    fn wait_and_handle(&self, timeout: Option<Duration>) -> Result<(), Error> {
        // Before `polling` can be set: a command seeing it set must find a descriptor to signal.
        let wake_fd = {
            use std::os::fd::AsRawFd;
            self.wake()?.as_raw_fd()
        };
        let (fd, want_write, wait) = {
            let core = self.lock();
            if let Conn::Idle = core.conn {
                return if core.user_disconnect {
                    Ok(())
                } else {
                    Err(Error::NoConn)
                };
            }
            // Set under the lock: a command that lands after this point will wake us.
            self.polling.store(true, Ordering::SeqCst);
            let now = Instant::now();
            let wait = match (core.deadline(), timeout) {
                (Some(deadline), Some(timeout)) => {
                    Some(timeout.min(deadline.saturating_duration_since(now)))
                }
                (Some(deadline), None) => Some(deadline.saturating_duration_since(now)),
                (None, timeout) => timeout,
            };
            (core.socket_fd(), core.want_write(), wait)
        };
        let mut ready = [Ready::default(); 2];
        let interests = [
            Interest {
                fd: wake_fd,
                read: true,
                write: false,
            },
            Interest {
                fd,
                read: true,
                write: want_write,
            },
        ];
        let count = if fd >= 0 { 2 } else { 1 };
        let polled = tcp::poll(&interests[..count], wait, &mut ready[..count]);
        self.polling.store(false, Ordering::SeqCst);
        polled?;
        if ready[0].readable {
            self.wake()?.clear();
        }
        let mut core = self.lock();
        let now = Instant::now();
        if count == 2 && fd == core.socket_fd() {
            let sock = ready[1];
            let established = matches!(
                core.conn,
                Conn::Open { .. }
                    | Conn::Handshaking { .. }
                    | Conn::Upgrading { .. }
                    | Conn::Proxying { .. }
            );
            if sock.readable || (sock.error && established) {
                core.read_ready(now)?;
                if let Conn::Idle = core.conn {
                    // Ended without an error: the broker's MQTT 5 DISCONNECT, or ours written.
                    return Ok(());
                }
            }
            if sock.writable || (sock.error && matches!(core.conn, Conn::Connecting { .. })) {
                core.write_ready(now)?;
            }
        }
        match core.conn {
            // Closed by a DISCONNECT we sent: a clean end.
            Conn::Idle if core.user_disconnect => Ok(()),
            Conn::Idle => Err(Error::NoConn),
            _ => {
                core.misc(now, &self.wake)?;
                if core.want_write() {
                    if let Conn::Open { .. } = core.conn {
                        core.write_ready(now)?;
                    }
                }
                Ok(())
            }
        }
    }

    /// Run until [`Client::disconnect`] (returns `Ok`) or [`Client::loop_stop`], reconnecting
    /// with the configured backoff after lost connections, timeouts and CONNACK refusals; a
    /// failure retrying cannot cure (TLS, protocol, authentication, …) is returned instead.
    ///
    /// `timeout` caps each wait; `None`: the loop sleeps until the client's next deadline
    /// (keepalive, connect timeout, reconnect delay) or a command from another thread.
    pub fn loop_forever(
        &self,
        timeout: Option<Duration>,
        sink: &dyn EventSink,
    ) -> Result<(), Error> {
        {
            let core = self.lock();
            if core.target.is_none() {
                return Err(Error::NoConn);
            }
        }
        // Now, so that loop_stop from another thread always finds a descriptor to signal.
        self.wake()?;
        self.run(timeout, sink, false)
    }

    /// The shared body of `loop_forever` and the `loop_start` thread. `wait_for_target` makes the
    /// loop wait (instead of failing) until a connect call names a broker.
    fn run(
        &self,
        timeout: Option<Duration>,
        sink: &dyn EventSink,
        wait_for_target: bool,
    ) -> Result<(), Error> {
        let _loop = self.enter_loop();
        // When the next reconnect attempt is due; kept across wake-ups so that commands from
        // other threads during an outage cannot postpone it.
        let mut reconnect_at: Option<Instant> = None;
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            let now = Instant::now();
            let wait = {
                let mut core = self.lock();
                if matches!(core.conn, Conn::Idle) {
                    // Offline, the queue's time-to-live still runs.
                    core.offline_timers(now);
                    if core.has_events() {
                        drop(core);
                        self.dispatch(sink);
                        continue;
                    }
                }
                let offline_deadline = core.session.poll_timeout();
                if !matches!(core.conn, Conn::Idle) {
                    reconnect_at = None;
                    None
                } else if core.user_disconnect || core.target.is_none() {
                    if !wait_for_target {
                        // Disconnected on purpose: loop_forever is done. A loop thread stays
                        // until loop_stop, so that a later connect is served.
                        return if core.target.is_none() {
                            Err(Error::NoConn)
                        } else {
                            Ok(())
                        };
                    }
                    Some(offline_deadline.map(|at| at.saturating_duration_since(now)))
                } else {
                    // The first attempt after a loss waits too, as libmosquitto does.
                    let at = *reconnect_at.get_or_insert_with(|| now + core.backoff.next_delay());
                    if now >= at {
                        reconnect_at = None;
                        drop(core);
                        self.announce_attempt(sink);
                        if let Err(e) = self.reconnect(false) {
                            log::warn!("culex: reconnect failed: {e}");
                            self.lock().push_event(super::ClientEvent::ConnectFailed(e));
                        }
                        self.dispatch(sink);
                        continue;
                    }
                    let at = offline_deadline.map_or(at, |t| t.min(at));
                    Some(Some(at.saturating_duration_since(now)))
                }
                .inspect(|_| {
                    // Set under the lock: a command that lands after this point will wake us.
                    self.polling.store(true, Ordering::SeqCst);
                })
            };
            match wait {
                Some(delay) => self.sleep(delay),
                None => {
                    if let Err(e) = self.loop_once(timeout, sink) {
                        // loop_forever gives up on errors that retrying cannot cure, as
                        // libmosquitto's does; the loop_start thread keeps trying with backoff.
                        // With a server list, another broker may cure it.
                        if !wait_for_target && is_fatal(&e) && !self.lock().has_other_servers() {
                            log::warn!("culex: loop_forever: giving up: {e}");
                            return Err(e);
                        }
                        log::debug!("culex: loop: {e}");
                    }
                }
            }
        }
    }

    /// Sleep until woken (by a command or `loop_stop`) or until `delay` passes. The caller has
    /// set `polling` while holding the lock.
    fn sleep(&self, delay: Option<Duration>) {
        // `run`'s callers created the descriptor before `polling` could be set.
        if let (false, Some(wake)) = (self.stop.load(Ordering::SeqCst), self.wake.get()) {
            use std::os::fd::AsRawFd;
            let mut ready = [Ready::default()];
            let interest = [Interest {
                fd: wake.as_raw_fd(),
                read: true,
                write: false,
            }];
            let _ = tcp::poll(&interest, delay, &mut ready);
            if ready[0].readable {
                wake.clear();
            }
        }
        self.polling.store(false, Ordering::SeqCst);
    }

    /// Start a thread that runs the client (connecting when a connect call names a broker,
    /// reconnecting after failures) until [`Client::loop_stop`].
    pub fn loop_start(self: &Arc<Self>, sink: Box<dyn EventSink + Send>) -> Result<(), Error> {
        let mut slot = self.loop_thread.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_some() {
            log::warn!("culex: loop_start: a loop thread is already running");
            return Err(Error::Inval);
        }
        // Before the thread exists, so that loop_stop always finds a descriptor to signal.
        self.wake()?;
        self.stop.store(false, Ordering::SeqCst);
        let client = Arc::clone(self);
        let handle = std::thread::Builder::new()
            .name("culex-loop".into())
            .spawn(move || {
                sink.scope(&mut || {
                    // No cap on a wait: the thread sleeps until the next deadline (keepalive,
                    // timeouts, reconnect delay) or a wake-up, so an idle client wakes only for
                    // keepalive.
                    let _ = client.run(None, sink.as_ref(), true);
                });
            })
            .map_err(Error::from)?;
        *slot = Some(Box::new(handle));
        Ok(())
    }

    /// Stop the loop thread and wait for it. Never hangs: with `force` false, a DISCONNECT that is
    /// still being written gets a short grace period first. Called from the loop thread itself
    /// (inside a callback) it only asks the thread to stop.
    pub fn loop_stop(&self, force: bool) -> Result<(), Error> {
        let handle = {
            let mut slot = self.loop_thread.lock().unwrap_or_else(|p| p.into_inner());
            let Some(handle) = slot.as_ref() else {
                log::warn!("culex: loop_stop: no loop thread is running");
                return Err(Error::Inval);
            };
            if handle.thread().id() == std::thread::current().id() {
                self.stop.store(true, Ordering::SeqCst);
                return Ok(());
            }
            slot.take()
        };
        if !force {
            self.finish_disconnect(Duration::from_secs(2));
        }
        self.stop.store(true, Ordering::SeqCst);
        self.signal();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
        self.stop.store(false, Ordering::SeqCst);
        self.wake_waiters();
        Ok(())
    }

    /// Wait (bounded) for a DISCONNECT in progress to be written by the loop thread.
    fn finish_disconnect(&self, grace: Duration) {
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            {
                let core = self.lock();
                if !core.session.is_closing()
                    && core.session.state() != crate::session::State::Closing
                {
                    return;
                }
            }
            self.nudge_always();
            std::thread::yield_now();
            let mut ready = [Ready::default()];
            // Short wait on nothing: the loop thread does the writing.
            let _ = tcp::poll(&[], Some(Duration::from_millis(5)), &mut ready[..0]);
        }
    }

    fn nudge_always(&self) {
        self.signal();
    }

    /// Whether a loop thread started by [`Client::loop_start`] is running.
    pub fn has_loop_thread(&self) -> bool {
        self.loop_thread
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }
}

/// Errors after which `loop_forever` returns instead of reconnecting (libmosquitto 2.0's list:
/// configuration, protocol and security failures; lost connections, timeouts and refusals are
/// retried).
fn is_fatal(error: &Error) -> bool {
    match error {
        Error::NoMem
        | Error::Protocol
        | Error::Inval
        | Error::NotFound
        | Error::Tls
        | Error::PayloadSize
        | Error::NotSupported
        | Error::Auth
        | Error::AclDenied
        | Error::Unknown
        | Error::Eai(_)
        | Error::Proxy => true,
        Error::Errno(code) => *code == libc::EPROTO,
        // What the C API reports as MOSQ_ERR_PROTOCOL (every MQTT 5 refusal).
        Error::ConnRefused(code) => *code > 5,
        _ => false,
    }
}

/// What the flush before a wait left to do.
enum Prepared {
    /// Wait for the socket as usual.
    Wait,
    /// Everything queued was written (if that completed anything, do not wait).
    Flushed,
    /// The flush completed a DISCONNECT: nothing to wait for.
    Closed,
}
