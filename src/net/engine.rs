//! OpenSSL engines for private keys held outside files (hardware tokens, TPMs), for
//! `MOSQ_OPT_TLS_ENGINE`, `MOSQ_OPT_TLS_KEYFORM` "engine" and `MOSQ_OPT_TLS_ENGINE_KPASS_SHA1`.
//!
//! The `openssl` crate does not wrap the ENGINE API, so the few functions used are declared here.
//! An engine is looked up by id and released after each use; nothing is registered globally (no
//! `ENGINE_set_default`), so a host application's own OpenSSL use is left alone.

use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_void};
use std::path::Path;

use foreign_types::ForeignType;
use openssl::pkey::{PKey, Private};

use super::tls::TlsConfig;
use crate::error::Error;

/// OpenSSL's opaque engine type, only ever behind a pointer.
type RawEngine = c_void;

extern "C" {
    fn ENGINE_by_id(id: *const c_char) -> *mut RawEngine;
    fn ENGINE_init(e: *mut RawEngine) -> c_int;
    fn ENGINE_finish(e: *mut RawEngine) -> c_int;
    fn ENGINE_free(e: *mut RawEngine) -> c_int;
    fn ENGINE_ctrl_cmd_string(
        e: *mut RawEngine,
        cmd_name: *const c_char,
        arg: *const c_char,
        cmd_optional: c_int,
    ) -> c_int;
    fn ENGINE_load_private_key(
        e: *mut RawEngine,
        key_id: *const c_char,
        ui_method: *mut c_void,
        callback_data: *mut c_void,
    ) -> *mut openssl_sys::EVP_PKEY;
}

/// A structural reference to one engine, released on drop.
struct Engine(*mut RawEngine);

impl Engine {
    fn by_id(id: &str) -> Option<Engine> {
        let id = CString::new(id).ok()?;
        // SAFETY: a NUL-terminated id; the result is NULL or an engine we now hold a reference on.
        let e = unsafe { ENGINE_by_id(id.as_ptr()) };
        if e.is_null() {
            // The failed lookup leaves an entry on the error queue: drop it.
            let _ = openssl::error::ErrorStack::get();
            None
        } else {
            Some(Engine(e))
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // SAFETY: the reference taken by ENGINE_by_id.
        unsafe { ENGINE_free(self.0) };
    }
}

/// Whether OpenSSL offers an engine with this id (built in or loadable).
pub fn available(id: &str) -> bool {
    Engine::by_id(id).is_some()
}

/// Load the private key named by `key_id` (e.g. a file or a token URI) through the configured
/// engine.
pub fn load_private_key(config: &TlsConfig, key_id: &Path) -> Result<PKey<Private>, Error> {
    let fail = |why: &str| {
        log::warn!("culex: TLS setup: engine key {}: {why}", key_id.display());
        Error::Tls
    };
    let id = config
        .engine
        .as_deref()
        .ok_or_else(|| fail("keyform is \"engine\" but no engine was set"))?;
    let engine = Engine::by_id(id).ok_or_else(|| fail("the engine is not available"))?;
    // SAFETY: a held engine reference.
    if unsafe { ENGINE_init(engine.0) } != 1 {
        return Err(fail("the engine failed to initialise"));
    }
    let result = (|| {
        if let Some(sha1) = &config.engine_kpass_sha1 {
            let cmd = CString::new("PIN").map_err(|_| fail("internal"))?;
            let arg = CString::new(sha1.as_str()).map_err(|_| fail("bad password hash"))?;
            // SAFETY: NUL-terminated strings; an engine without a PIN command ignores it.
            unsafe { ENGINE_ctrl_cmd_string(engine.0, cmd.as_ptr(), arg.as_ptr(), 1) };
        }
        let name = CString::new(key_id.to_string_lossy().as_bytes())
            .map_err(|_| fail("the key name holds a NUL byte"))?;
        // SAFETY: an initialised engine and a NUL-terminated key id; no UI method.
        let key = unsafe {
            ENGINE_load_private_key(
                engine.0,
                name.as_ptr(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        if key.is_null() {
            let stack = openssl::error::ErrorStack::get();
            return Err(fail(&format!("the engine cannot load it: {stack}")));
        }
        // SAFETY: a new EVP_PKEY whose reference we own.
        Ok(unsafe { PKey::from_ptr(key) })
    })();
    // SAFETY: balances the successful ENGINE_init above.
    unsafe { ENGINE_finish(engine.0) };
    result
}
