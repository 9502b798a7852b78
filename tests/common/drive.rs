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
    drive_with(client, mode, false)
}

/// Like [`drive`]; and in the two modes where reconnecting is the application's job
/// (`mosquitto_loop`, the external loop) the test's thread does it as an application would:
/// `mosquitto_reconnect_async()` whenever the client is found without a connection, at most every
/// 200 ms. Stop driving before disconnecting on purpose.
pub fn drive_reconnecting(client: &Client, mode: Mode) -> Driven {
    drive_with(client, mode, true)
}

fn drive_with(client: &Client, mode: Mode, reconnect: bool) -> Driven {
    let handle = client.handle();
    let stop = Arc::new(AtomicBool::new(false));
    let thread = match mode {
        Mode::LoopStart => {
            assert_eq!(client.loop_start(), 0);
            None
        }
        _ => {
            let stop = Arc::clone(&stop);
            Some(std::thread::spawn(move || {
                run(mode, handle, &stop, reconnect)
            }))
        }
    };
    Driven {
        mode,
        handle,
        stop,
        thread,
    }
}

fn run(mode: Mode, h: Handle, stop: &AtomicBool, reconnect: bool) {
    let mut last_reconnect = std::time::Instant::now();
    let mut offline = || {
        if reconnect && last_reconnect.elapsed() >= Duration::from_millis(200) {
            last_reconnect = std::time::Instant::now();
            // SAFETY: the handle outlives the thread.
            let _ = unsafe { culex::ffi::client::mosquitto_reconnect_async(h.0) };
        }
    };
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
                        offline();
                    }
                }
                Mode::External => {
                    if !external_step(h) {
                        offline();
                    }
                }
                Mode::LoopStart => unreachable!(),
            }
        }
    }
}

/// One round of an external event loop; false when the client had no socket.
///
/// # Safety
/// `h` is a live handle.
unsafe fn external_step(h: Handle) -> bool {
    let fd = culex::ffi::client::mosquitto_socket(h.0);
    if fd < 0 {
        let _ = mosquitto_loop_misc(h.0);
        std::thread::sleep(Duration::from_millis(10));
        return false;
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
    true
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
