//! `struct mosquitto`: the opaque client handle C code holds, and the few helpers that turn its
//! pointer into a Rust reference.

use std::os::raw::{c_char, c_void};
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Arc, Mutex};

use crate::driver::Client;
use crate::ffi::boundary::logging as capture;
use crate::ffi::callbacks::dispatch::Dispatch;
use crate::ffi::callbacks::Callbacks;

/// A client instance. Opaque to C: created by `mosquitto_new`, freed by `mosquitto_destroy`.
pub struct mosquitto {
    pub(crate) client: Arc<Client>,
    pub(crate) callbacks: Mutex<Callbacks>,
    pub(crate) userdata: AtomicPtr<c_void>,
    /// Whether an `on_log` callback is set (checked on every call, so kept outside the mutex).
    pub(crate) wants_log: AtomicBool,
}

impl mosquitto {
    /// What `read` takes from the callbacks, under their lock (held briefly: no C call may be
    /// made while it is held, so `read` only copies function pointers out).
    #[inline]
    pub(crate) fn callbacks<T>(&self, read: impl FnOnce(&Callbacks) -> T) -> T {
        read(&self.callbacks.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Change callbacks and keep `wants_log` in step.
    pub(crate) fn set_callbacks(&self, store: impl FnOnce(&mut Callbacks)) {
        let mut callbacks = self.callbacks.lock().unwrap_or_else(|p| p.into_inner());
        store(&mut callbacks);
        callbacks.tidy();
        let wants_log = callbacks.more_ref().is_some_and(|m| m.on_log.is_some());
        self.wants_log.store(wants_log, Ordering::Relaxed);
    }

    pub(crate) fn userdata(&self) -> *mut c_void {
        self.userdata.load(Ordering::Acquire)
    }

    pub(crate) fn as_ptr(&self) -> *mut mosquitto {
        self as *const mosquitto as *mut mosquitto
    }

    /// Deliver log lines captured on this thread to `on_log`. No lock may be held. Called
    /// twice per delivered event: with nothing captured it costs one thread-local load.
    #[inline]
    pub(crate) fn flush_logs(&self) {
        if capture::pending() {
            self.deliver_logs();
        }
    }

    #[cold]
    #[inline(never)]
    fn deliver_logs(&self) {
        let lines = capture::take();
        let Some(on_log) = self.callbacks(|c| c.more_ref().and_then(|m| m.on_log)) else {
            return;
        };
        for (level, line) in lines {
            let mut bytes = line.into_bytes();
            bytes.retain(|&b| b != 0);
            bytes.push(0);
            // SAFETY: the callback is a C function pointer given by the application for this
            // handle; the string is NUL-terminated and lives until it returns.
            unsafe {
                on_log(
                    self.as_ptr(),
                    self.userdata(),
                    level,
                    bytes.as_ptr() as *const c_char,
                )
            };
        }
    }

    /// Run `f` with log capture on if `on_log` is set, then deliver the captured lines.
    pub(crate) fn with_logs<R>(&self, f: impl FnOnce(&mosquitto) -> R) -> R {
        let result = {
            let _capture = capture::Capture::begin(&self.wants_log);
            f(self)
        };
        self.flush_logs();
        result
    }

    /// After a command: write its packet now when `driver/immediate.rs` says so, calling back
    /// for what the write completed.
    #[inline]
    pub(crate) fn command_written(&self) {
        self.client.command_written(&self.sink(), false);
    }

    /// After a disconnect command: write everything pending and the DISCONNECT now (unless a
    /// loop thread or a callback's loop does), calling back `on_disconnect` once it is out.
    pub(crate) fn disconnect_written(&self) {
        self.client.command_written(&self.sink(), true);
    }

    /// An event sink that calls this handle's C callbacks.
    pub(crate) fn sink(&self) -> Dispatch {
        Dispatch::new(self)
    }
}
