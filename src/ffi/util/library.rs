//! Library-wide entry points: `mosquitto_lib_version`, `mosquitto_lib_init` and
//! `mosquitto_lib_cleanup`.
//!
//! Owns the version numbers Culex reports (those of the libmosquitto release whose ABI it
//! implements) and the one-time set-up of process-wide state. It must never hold per-client state,
//! and init/cleanup must stay idempotent so hosts that call them more than once keep working.

use std::os::raw::c_int;

use crate::ffi::boundary::errors::{MOSQ_ERR_SUCCESS, MOSQ_ERR_UNKNOWN};

/// Major version of the libmosquitto API implemented.
pub const LIBMOSQUITTO_MAJOR: c_int = 2;
/// Minor version of the libmosquitto API implemented.
pub const LIBMOSQUITTO_MINOR: c_int = 0;
/// Revision of the libmosquitto API implemented.
pub const LIBMOSQUITTO_REVISION: c_int = 11;
/// `major * 1000000 + minor * 1000 + revision`, as returned by `mosquitto_lib_version`.
pub const LIBMOSQUITTO_VERSION_NUMBER: c_int =
    LIBMOSQUITTO_MAJOR * 1_000_000 + LIBMOSQUITTO_MINOR * 1_000 + LIBMOSQUITTO_REVISION;

/// Reports the version of the libmosquitto API this library implements.
///
/// Each of `major`, `minor` and `revision` that is not NULL receives the matching part of the
/// version. Returns the combined number `major * 1000000 + minor * 1000 + revision` (the value of
/// `LIBMOSQUITTO_VERSION_NUMBER`), so a program can compare it with the header it was built with.
///
/// # Safety
/// Each pointer must be NULL or point to a writable `int`.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_lib_version(
    major: *mut c_int,
    minor: *mut c_int,
    revision: *mut c_int,
) -> c_int {
    ffi_guard!(LIBMOSQUITTO_VERSION_NUMBER, {
        for (out, value) in [
            (major, LIBMOSQUITTO_MAJOR),
            (minor, LIBMOSQUITTO_MINOR),
            (revision, LIBMOSQUITTO_REVISION),
        ] {
            if !out.is_null() {
                // SAFETY: the caller passes NULL or a pointer to a writable int.
                unsafe { out.write(value) };
            }
        }
        LIBMOSQUITTO_VERSION_NUMBER
    })
}

/// Prepares the library for use; call it once before any other function.
///
/// Installs the routing of the library's log messages to `on_log` callbacks. Calling it again is
/// harmless. Always returns `MOSQ_ERR_SUCCESS`.
///
/// # Safety
/// No pointer arguments; not safe to run concurrently with other calls into the library.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_lib_init() -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        crate::ffi::boundary::logging::install_logger();
        MOSQ_ERR_SUCCESS as c_int
    })
}

/// Releases process-wide resources of the library; call it once when done with the library.
///
/// Calling it more than once, or without `mosquitto_lib_init`, is harmless. Always returns
/// `MOSQ_ERR_SUCCESS`.
///
/// # Safety
/// No pointer arguments; no client may be in use when it is called.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_lib_cleanup() -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, { MOSQ_ERR_SUCCESS as c_int })
}

/// Test hook (not exported to C): runs a body inside `ffi_guard!` that panics when `panic` is
/// true and otherwise returns 0. The guard must turn the panic into `on_panic`; integration tests
/// use this to prove the boundary catches panics.
#[doc(hidden)]
pub fn ffi_guard_panic_probe(on_panic: c_int, panic: bool) -> c_int {
    ffi_guard!(on_panic, {
        if panic {
            panic!("deliberate panic from ffi_guard_panic_probe");
        }
        0
    })
}
