//! Routing the library's `log` records to each client's `on_log` callback.
//!
//! Records are produced deep inside the driver and session, often while a lock is held, so they
//! are never handed to C on the spot. Instead, while a client with an `on_log` callback runs an
//! API call on this thread, records are captured in a thread-local buffer; the client layer
//! delivers them once no lock is held. Without a capture in force a record costs one thread-local
//! check. Setting `CULEX_LOG_STDERR=1` in the environment also prints every record to stderr.

use std::cell::{Cell, RefCell};
use std::os::raw::c_int;
use std::sync::atomic::{AtomicBool, Ordering};

use log::{Level, LevelFilter, Log, Metadata, Record};
use once_cell::sync::OnceCell;

/// libmosquitto's log levels (`MOSQ_LOG_*`).
pub const MOSQ_LOG_NONE: c_int = 0;
pub const MOSQ_LOG_INFO: c_int = 1 << 0;
pub const MOSQ_LOG_NOTICE: c_int = 1 << 1;
pub const MOSQ_LOG_WARNING: c_int = 1 << 2;
pub const MOSQ_LOG_ERR: c_int = 1 << 3;
pub const MOSQ_LOG_DEBUG: c_int = 1 << 4;

thread_local! {
    /// The `wants_log` flag of the client whose call runs on this thread, if any.
    static CAPTURING: Cell<*const AtomicBool> = const { Cell::new(std::ptr::null()) };
    static CAPTURED: RefCell<Vec<(c_int, String)>> = const { RefCell::new(Vec::new()) };
    /// Whether `CAPTURED` holds anything: a plain flag without a destructor, so that checking
    /// it (twice per delivered event) is one thread-local load.
    static PENDING: Cell<bool> = const { Cell::new(false) };
}

struct Router {
    stderr: bool,
}

impl Log for Router {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= Level::Debug
    }

    fn log(&self, record: &Record) {
        if record.level() > Level::Debug {
            return;
        }
        if self.stderr {
            eprintln!("[{}] {}", record.level(), record.args());
        }
        if capturing() {
            let level = match record.level() {
                Level::Error => MOSQ_LOG_ERR,
                Level::Warn => MOSQ_LOG_WARNING,
                Level::Info => MOSQ_LOG_NOTICE,
                Level::Debug | Level::Trace => MOSQ_LOG_DEBUG,
            };
            let line = record.args().to_string();
            let line = line
                .strip_prefix("culex: ")
                .map(str::to_owned)
                .unwrap_or(line);
            CAPTURED.with(|c| c.borrow_mut().push((level, line)));
            PENDING.with(|p| p.set(true));
        }
    }

    fn flush(&self) {}
}

/// Install the record router as the `log` logger (once per process; later calls do nothing).
/// If the host program already installed another `log` logger in this library copy, that one stays.
///
/// Until some client sets `on_log` (see [`want_debug`]), only warnings and errors are produced,
/// so the per-packet debug lines cost one level check each.
pub fn install_logger() {
    static ROUTER: OnceCell<Router> = OnceCell::new();
    let router = ROUTER.get_or_init(|| Router {
        stderr: std::env::var_os("CULEX_LOG_STDERR").is_some_and(|v| v != "0"),
    });
    if log::set_logger(router).is_ok() {
        log::set_max_level(if router.stderr {
            LevelFilter::Debug
        } else {
            LevelFilter::Warn
        });
    }
}

/// A client set `on_log`: produce debug lines from now on (libmosquitto's `on_log` receives
/// them). The level is process-wide and never lowered again.
pub fn want_debug() {
    install_logger();
    if log::max_level() < LevelFilter::Debug {
        log::set_max_level(LevelFilter::Debug);
    }
}

/// Whether records on this thread are wanted by a client's `on_log` right now.
fn capturing() -> bool {
    let flag = CAPTURING.with(Cell::get);
    // SAFETY: a non-null flag belongs to a client whose `Capture` guard is alive on this thread,
    // and the guard never outlives the client.
    !flag.is_null() && unsafe { (*flag).load(Ordering::Relaxed) }
}

/// While alive, records logged on this thread are captured for [`take`] whenever `wants_log`
/// is set (it is read at each record, so setting `on_log` later takes effect at once).
pub struct Capture {
    previous: *const AtomicBool,
}

impl Capture {
    /// Capture on this thread for the client owning `wants_log`, which must outlive the guard.
    pub fn begin(wants_log: &AtomicBool) -> Capture {
        let previous = CAPTURING.with(|c| c.replace(wants_log as *const AtomicBool));
        Capture { previous }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        CAPTURING.with(|c| c.set(self.previous));
    }
}

/// Take the records captured on this thread so far.
pub fn take() -> Vec<(c_int, String)> {
    PENDING.with(|p| p.set(false));
    CAPTURED.with(|c| std::mem::take(&mut *c.borrow_mut()))
}

/// Whether anything was captured on this thread and not yet taken.
pub fn pending() -> bool {
    PENDING.with(Cell::get)
}
