//! When a command's packet is written. libmosquitto's rule: at once, before the command returns,
//! unless a loop thread owns the client (`loop_start`, or the application said so with
//! `mosquitto_threaded_set`) or the command is made from inside a callback. What that write
//! completes is reported from inside the command too: a QoS 0 `on_publish`, and `on_disconnect`
//! once DISCONNECT is written (the socket is closed then, so that a program that calls
//! `mosquitto_disconnect()` and then `mosquitto_destroy()` has ended its session cleanly).
//!
//! Culex keeps that rule for the first command after a loop call, which is what a program that
//! publishes now and then sees, and for every command while a loop call is in progress on another
//! thread. Further commands of a thread between its loop calls are a burst: they go out together,
//! in one write, with the next loop call (or with `mosquitto_disconnect()`, which always writes
//! everything at once, or when the client is destroyed). That is the difference between one
//! system call per message and one per batch (`bench/README.md`), and the only difference a
//! program can see is when a burst's QoS 0 `on_publish` comes.
//!
//! Everything else is left to the loops: a loop thread is only woken, and a command made inside
//! a callback is written when the callback's loop goes on.

use std::sync::atomic::Ordering;
use std::time::Instant;

use super::{Client, Conn, EventSink};

/// Counts loop calls (or callbacks) in progress in an atomic counter for as long as it lives.
pub(crate) struct Busy<'a>(&'a std::sync::atomic::AtomicU32);

impl<'a> Busy<'a> {
    pub(crate) fn enter(counter: &'a std::sync::atomic::AtomicU32) -> Busy<'a> {
        counter.fetch_add(1, Ordering::Relaxed);
        Busy(counter)
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Client {
    /// After a command (publish, subscribe, unsubscribe, disconnect, auth): write its packet now
    /// when the rule above says so, and deliver what the write completed when no loop call is in
    /// progress on another thread (that loop delivers it otherwise). `ends_session`: the command
    /// was a disconnect, which writes whatever is pending.
    #[inline]
    pub fn command_written(&self, sink: &dyn EventSink, ends_session: bool) {
        // In a burst this is two loads and a swap per command, inlined into the command. (The
        // flags are hints about the caller's situation, so relaxed ordering is enough.)
        if self.threaded.load(Ordering::Relaxed) || self.in_callbacks.load(Ordering::Relaxed) > 0 {
            return;
        }
        // A burst is the calling thread's own commands between its loop calls: with a loop call
        // in progress on another thread (blocked in poll, say), every command is written at once,
        // as libmosquitto writes it, so that nothing the caller does next races that thread.
        let loop_elsewhere = self.in_loops.load(Ordering::Relaxed) > 0;
        if !loop_elsewhere && self.burst.swap(true, Ordering::Relaxed) && !ends_session {
            // Not the first command since the last loop call: the loop writes it, with the rest.
            // A host watching the socket still hears that it wants to write.
            if self.watching.load(Ordering::Relaxed) {
                self.dispatch(sink);
            }
            return;
        }
        self.write_now(sink);
    }

    /// The write of [`Client::command_written`], once per burst.
    #[inline(never)]
    fn write_now(&self, sink: &dyn EventSink) {
        if self.has_loop_thread() {
            return;
        }
        let wrote = {
            let mut core = self.lock();
            if matches!(core.conn, Conn::Open { .. }) && core.want_write() {
                // A failure closes the connection; `on_disconnect` reports it below.
                let _ = core.write_ready(Instant::now());
                true
            } else {
                false
            }
        };
        let watching = self.watching.load(Ordering::Relaxed);
        if (wrote || watching) && self.in_loops.load(Ordering::Relaxed) == 0 {
            self.dispatch(sink);
        }
    }

    /// Enter a loop call: the commands after it start a new burst, and this thread counts as
    /// running the client's loop (`waits.rs`) until the guard goes.
    pub(crate) fn enter_loop(&self) -> (Busy<'_>, super::waits::LoopHere) {
        self.burst.store(false, Ordering::Relaxed);
        self.last_loop_ms
            .store(super::waits::clock_ms(), Ordering::Relaxed);
        (
            Busy::enter(&self.in_loops),
            super::waits::LoopHere::enter(self),
        )
    }

    /// `mosquitto_threaded_set`: the application drives the loop from threads of its own, so
    /// commands never write on the caller's thread.
    pub fn set_threaded(&self, threaded: bool) {
        self.threaded.store(threaded, Ordering::Relaxed);
    }
}

impl Drop for Client {
    /// A client going away writes what its commands left pending (a burst not yet flushed by a
    /// loop), as far as the socket takes it without waiting, so that `mosquitto_destroy()` right
    /// after a publish sends what libmosquitto's at-once writes would have sent. No callback is
    /// made.
    fn drop(&mut self) {
        let core = self.core.get_mut().unwrap_or_else(|p| p.into_inner());
        if matches!(core.conn, Conn::Open { .. }) && core.want_write() {
            let _ = core.write_ready(Instant::now());
        }
    }
}
