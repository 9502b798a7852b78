//! An append-only event log that threads can wait on, with a deadline.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Events pushed by any thread; waiters are woken on every push.
pub struct EventLog<T> {
    items: Mutex<Vec<T>>,
    changed: Condvar,
}

impl<T: Clone> Default for EventLog<T> {
    fn default() -> Self {
        EventLog::new()
    }
}

impl<T: Clone> EventLog<T> {
    pub fn new() -> EventLog<T> {
        EventLog {
            items: Mutex::new(Vec::new()),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<T>> {
        self.items.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn push(&self, item: T) {
        self.lock().push(item);
        self.changed.notify_all();
    }

    /// A copy of everything recorded so far.
    pub fn snapshot(&self) -> Vec<T> {
        self.lock().clone()
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Wait until `done` holds for the recorded events, or `timeout` passes. Returns whether it
    /// held (checked once more at the deadline).
    pub fn wait_until(&self, timeout: Duration, mut done: impl FnMut(&[T]) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut items = self.lock();
        loop {
            if done(&items) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            items = self
                .changed
                .wait_timeout(items, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Wait for the first recorded event (from the start of the log) matching `pred`.
    pub fn wait_for(&self, timeout: Duration, mut pred: impl FnMut(&T) -> bool) -> Option<T> {
        let mut found = None;
        self.wait_until(timeout, |items| {
            found = items.iter().find(|e| pred(e)).cloned();
            found.is_some()
        });
        found
    }

    /// Wait for a matching event recorded at index `from` or later.
    pub fn wait_for_after(
        &self,
        from: usize,
        timeout: Duration,
        mut pred: impl FnMut(&T) -> bool,
    ) -> Option<T> {
        let mut found = None;
        self.wait_until(timeout, |items| {
            found = items.iter().skip(from).find(|e| pred(e)).cloned();
            found.is_some()
        });
        found
    }
}
