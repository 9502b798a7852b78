//! Drive a client in each of the four ways the C API offers, so that a test can run the same
//! scenario under all of them: the library's thread (`mosquitto_loop_start`), a thread of the
//! test blocked in `mosquitto_loop_forever`, a thread calling `mosquitto_loop` repeatedly, and a
//! thread acting as an external event loop (`poll(2)` on `mosquitto_socket`, writing while
//! `mosquitto_want_write`, `loop_read` / `loop_write` / `loop_misc`).

// Drives the C API wholesale: every call is an FFI call on handles the test owns.
#![allow(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use culex::ffi::client::loops::*;

use super::client::{Client, Handle};

/// A way to drive a client's loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    LoopStart,
    LoopForever,
    Loop,
    External,
}

pub const MODES: [Mode; 4] = [
    Mode::LoopStart,
    Mode::LoopForever,
    Mode::Loop,
    Mode::External,
];

/// A client being driven; [`Driven::stop`] (or drop) ends it.
pub struct Driven {
    mode: Mode,
    handle: Handle,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Start driving `client` in `mode` (connect it before or after, as the test needs).
pub fn drive(client: &Client, mode: Mode) -> Driven {
    let handle = client.handle();
    let stop = Arc::new(AtomicBool::new(false));
    let thread = match mode {
        Mode::LoopStart => {
            assert_eq!(client.loop_start(), 0);
            None
        }
        _ => {
            let stop = Arc::clone(&stop);
            Some(std::thread::spawn(move || run(mode, handle, &stop)))
        }
    };
    Driven {
        mode,
        handle,
        stop,
        thread,
    }
}

fn run(mode: Mode, h: Handle, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        // SAFETY: the handle outlives the thread (joined in `Driven::stop`).
        unsafe {
            match mode {
                Mode::LoopForever => {
                    // Returns after a disconnect or on an error retrying cannot cure.
                    let _ = mosquitto_loop_forever(h.0, 100, 1);
                    std::thread::sleep(Duration::from_millis(10));
                }
                Mode::Loop => {
                    if mosquitto_loop(h.0, 50, 1) != 0 {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                }
                Mode::External => external_step(h),
                Mode::LoopStart => unreachable!(),
            }
        }
    }
}

/// One round of an external event loop.
///
/// # Safety
/// `h` is a live handle.
unsafe fn external_step(h: Handle) {
    let fd = culex::ffi::client::mosquitto_socket(h.0);
    if fd < 0 {
        let _ = mosquitto_loop_misc(h.0);
        std::thread::sleep(Duration::from_millis(10));
        return;
    }
    let mut events = libc::POLLIN;
    if culex::ffi::client::mosquitto_want_write(h.0) {
        events |= libc::POLLOUT;
    }
    let mut pfd = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    let n = libc::poll(&mut pfd, 1, 50);
    if n > 0 && pfd.revents & (libc::POLLIN | libc::POLLERR | libc::POLLHUP) != 0 {
        let _ = mosquitto_loop_read(h.0, 1);
    }
    if n > 0 && pfd.revents & libc::POLLOUT != 0 {
        let _ = mosquitto_loop_write(h.0, 1);
    }
    let _ = mosquitto_loop_misc(h.0);
}

impl Driven {
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Stop driving: the loop thread (the library's or the test's) is gone afterwards.
    pub fn stop(mut self) {
        self.end();
    }

    fn end(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        match self.mode {
            Mode::LoopStart => {
                // SAFETY: live handle.
                let _ = unsafe { mosquitto_loop_stop(self.handle.0, true) };
            }
            Mode::LoopForever => {
                // loop_forever returns once disconnected.
                // SAFETY: live handle.
                let _ = unsafe { culex::ffi::client::mosquitto_disconnect(self.handle.0) };
            }
            _ => {}
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Driven {
    fn drop(&mut self) {
        self.end();
    }
}
