//! libmosquitto's rule for when a command's packet is written: at once, before the command
//! returns, unless a loop thread owns the client (`loop_start`, or the application said so with
//! `mosquitto_threaded_set`) or the command is made from inside a callback. What that write
//! completes is reported from inside the command too: a QoS 0 `on_publish`, and `on_disconnect`
//! once DISCONNECT is written (the socket is closed then, so that a program that calls
//! `mosquitto_disconnect()` and then `mosquitto_destroy()` has ended its session cleanly).
//!
//! Everything else is left to the loops: a loop thread is only woken, and a command made inside
//! a callback is written when the callback's loop goes on.

use std::sync::atomic::Ordering;
use std::time::Instant;

use super::{Client, Conn, EventSink};

/// Counts calls in progress in an atomic counter for as long as it lives.
pub(crate) struct Busy<'a>(&'a std::sync::atomic::AtomicU32);

impl<'a> Busy<'a> {
    pub(crate) fn enter(counter: &'a std::sync::atomic::AtomicU32) -> Busy<'a> {
        counter.fetch_add(1, Ordering::SeqCst);
        Busy(counter)
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Client {
    /// After a command (publish, subscribe, unsubscribe, disconnect, auth): write its packet now
    /// when libmosquitto would, and deliver what the write completed when no loop call is in
    /// progress on another thread (that loop delivers it otherwise).
    pub fn command_written(&self, sink: &dyn EventSink) {
        if self.threaded.load(Ordering::Relaxed)
            || self.in_callbacks.load(Ordering::SeqCst) > 0
            || self.has_loop_thread()
        {
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
        if wrote && self.in_loops.load(Ordering::SeqCst) == 0 {
            self.dispatch(sink);
        }
    }

    /// `mosquitto_threaded_set`: the application drives the loop from threads of its own, so
    /// commands never write on the caller's thread.
    pub fn set_threaded(&self, threaded: bool) {
        self.threaded.store(threaded, Ordering::Relaxed);
    }
}
