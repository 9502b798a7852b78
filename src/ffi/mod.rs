//! The C boundary: the only `extern "C"` code of Culex, with libmosquitto 2.0's names and numbers.
//!
//! Rules every export follows (a test checks the first two):
//! - its body runs inside `ffi_guard!`, so a panic becomes an error value and a log line, never
//!   an unwind into C;
//! - it reaches its handle only through `enter!`, which answers a NULL handle with
//!   `MOSQ_ERR_INVAL` (or the neutral value of the return type, `Answer`) and a log line, never
//!   forms a `&mut` to a handle, and delivers the log lines of the call to `on_log`;
//! - every other pointer argument is checked before use (the helpers of `boundary::args`, or
//!   `check_null!` in exports without a handle); NULL gives `MOSQ_ERR_INVAL` (or the neutral
//!   value) and a log line;
//! - raw pointer conversions go through the helpers of this module and nowhere else;
//! - no Rust lock or `&mut` on a session is held while C code (a callback) runs.
//!
//! Nothing below this floor knows about C types or error numbers.
//!
//! Safety contract of every export (the C API's): pointer arguments are NULL or valid for the
//! documented access (strings NUL-terminated, buffers of the stated length), and a handle is one
//! returned by `mosquitto_new` and not yet destroyed. Functions document only what goes beyond.

/// Run `$body` and turn a panic into `$on_panic` plus a log line. Every `#[no_mangle]` function's
/// body is exactly one `ffi_guard!`.
macro_rules! ffi_guard {
    ($on_panic:expr, $body:block) => {{
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body)) {
            Ok(value) => value,
            Err(payload) => {
                $crate::ffi::report_panic(payload.as_ref());
                $on_panic
            }
        }
    }};
}

/// The one way an export reaches its handle: `enter!(mosq, |h| body)`, the export's whole body
/// inside its `ffi_guard!`.
///
/// `mosq` NULL: the export answers the neutral value of its return type (see `Answer`) and logs
/// "<export>: mosq is NULL". Otherwise `body` runs with `h: &mosquitto` (never `&mut`: the loop
/// thread and other threads may hold the handle at the same time) and with the handle's log
/// capture on; what it logged reaches `on_log` after it returns, with no lock held. Bodies are one
/// call of an inner function returning `Result<(), c_int>` (or the export's plain value).
///
/// It expands to a call of the unsafe `enter_handle`: write it inside `unsafe { }` with a `// SAFETY:`
/// line (the export's contract: `mosq` is NULL or a live handle, the other pointers NULL or valid).
macro_rules! enter {
    ($mosq:expr, $body:expr) => {
        $crate::ffi::enter_handle($mosq, $crate::ffi::function_name!(), $body)
    };
}

/// Return `MOSQ_ERR_INVAL` (logging the argument's name) when a pointer argument other than the
/// handle is NULL, in exports that take no handle.
macro_rules! check_null {
    ($ptr:expr) => {
        if $ptr.is_null() {
            ::log::warn!(
                "{}: {} is NULL",
                $crate::ffi::function_name!(),
                stringify!($ptr)
            );
            return $crate::ffi::boundary::errors::MOSQ_ERR_INVAL as ::std::os::raw::c_int;
        }
    };
}

/// Best-effort name of the enclosing function, for log lines.
macro_rules! function_name {
    () => {{
        fn f() {}
        let name = ::std::any::type_name_of_val(&f);
        let name = name.strip_suffix("::f").unwrap_or(name);
        // Inside ffi_guard! the body is a closure: skip those path segments.
        name.rsplit("::")
            .find(|segment| !segment.starts_with('{'))
            .unwrap_or(name)
    }};
}

// `ffi_guard!`, `enter!` and `check_null!` reach the submodules by textual scope (they are
// defined before the `mod` lines); `function_name!` is also named by path from inside them.
pub(crate) use function_name;

pub mod boundary;
pub mod callbacks;
pub mod client;
/// cbindgen:ignore
pub mod culex;
pub mod handle;
/// cbindgen:ignore
pub mod mqtt_protocol;
pub mod property;
pub mod tls;
pub mod util;

use std::any::Any;
use std::os::raw::{c_int, c_void};

use boundary::errors::{MOSQ_ERR_INVAL, MOSQ_ERR_SUCCESS};
use handle::mosquitto;

/// What an export answers, from what its body gave or for a NULL handle: chosen by the body's
/// type, so that no export picks its neutral value by hand.
pub(crate) trait Answer {
    /// The export's C return type.
    type C;
    /// The answer for a NULL handle.
    fn null_handle() -> Self::C;
    /// The answer for what the body gave.
    fn answer(self) -> Self::C;
}

/// `int` exports: `MOSQ_ERR_SUCCESS` or the error's code; `MOSQ_ERR_INVAL` for a NULL handle.
impl Answer for Result<(), c_int> {
    type C = c_int;
    fn null_handle() -> c_int {
        MOSQ_ERR_INVAL as c_int
    }
    fn answer(self) -> c_int {
        match self {
            Ok(()) => MOSQ_ERR_SUCCESS as c_int,
            Err(code) => code,
        }
    }
}

/// `void` exports.
impl Answer for () {
    type C = ();
    fn null_handle() {}
    fn answer(self) {}
}

/// `bool` exports (`mosquitto_want_write`): false for a NULL handle.
impl Answer for bool {
    type C = bool;
    fn null_handle() -> bool {
        false
    }
    fn answer(self) -> bool {
        self
    }
}

/// Pointer exports (`mosquitto_userdata`, `mosquitto_ssl_get`): NULL for a NULL handle.
impl Answer for *mut c_void {
    type C = *mut c_void;
    fn null_handle() -> *mut c_void {
        std::ptr::null_mut()
    }
    fn answer(self) -> *mut c_void {
        self
    }
}

/// `mosquitto_socket`'s answer: the descriptor, or -1 (no socket), also for a NULL handle.
pub(crate) struct Socket(pub c_int);

impl Answer for Socket {
    type C = c_int;
    fn null_handle() -> c_int {
        -1
    }
    fn answer(self) -> c_int {
        self.0
    }
}

/// The function behind `enter!` (which passes the export's name for the log line).
///
/// # Safety
/// `mosq` is NULL or a handle returned by `mosquitto_new` that is not destroyed before this
/// returns.
pub(crate) unsafe fn enter_handle<R: Answer>(
    mosq: *mut mosquitto,
    function: &str,
    body: impl FnOnce(&mosquitto) -> R,
) -> R::C {
    // SAFETY: the caller's contract. Only shared references are made from a handle pointer (the
    // one `Box` is `mosquitto_destroy`'s, once nothing else can reach the handle).
    match unsafe { mosq.as_ref() } {
        Some(h) => h.with_logs(body).answer(),
        None => {
            log::warn!("{function}: mosq is NULL");
            R::null_handle()
        }
    }
}

/// Log a panic caught at the boundary.
pub(crate) fn report_panic(payload: &(dyn Any + Send)) {
    let what = if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.as_str()
    } else {
        "unknown panic"
    };
    log::error!("culex: internal error caught at the C boundary: {what}");
}
