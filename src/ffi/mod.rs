//! The C boundary: the only `extern "C"` code of Culex, with libmosquitto 2.0's names and numbers.
//!
//! Rules every export follows (a test checks the first two):
//! - its body runs inside [`ffi_guard!`], so a panic becomes an error value and a log line, never
//!   an unwind into C;
//! - every pointer argument is checked before use ([`check_null!`], [`handle!`]); NULL gives
//!   `MOSQ_ERR_INVAL` (or the neutral value of the return type) and a log line;
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

/// Return `MOSQ_ERR_INVAL` (logging the argument's name) when a pointer argument is NULL.
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

#[allow(unused_imports)]
pub(crate) use {check_null, ffi_guard, function_name};

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
