//! TLS configuration exports of libmosquitto 2.0: `mosquitto_tls_set`, `mosquitto_tls_opts_set`,
//! `mosquitto_tls_insecure_set`, `mosquitto_tls_psk_set` and `mosquitto_ssl_get`.
//!
//! Each one checks its arguments as libmosquitto does (codes checked against Debian's 2.0.11),
//! logs why it refuses, and stores the settings in the driver's TLS configuration; the OpenSSL
//! context is built at the next connect, so a bad cipher list or an unusable file shows there as
//! `MOSQ_ERR_TLS` with a log line naming the reason. Settings apply from the next connection.

use std::ffi::{CStr, OsStr};
use std::os::raw::{c_char, c_int, c_void};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::ffi::boundary::args::refuse;
use crate::ffi::boundary::errors::*;
use crate::ffi::handle::mosquitto;
use crate::net::tls::{PasswordFn, Psk, Source, TlsVersion};

/// The OpenSSL-style password callback of `mosquitto_tls_set`: write the password into `buf`
/// (`size` bytes) and return its length. `rwflag` is 0 (decrypting); `userdata` is the
/// `struct mosquitto *` (its own user data is `mosquitto_userdata(userdata)`). Spelled out in each
/// signature, as in `mosquitto.h`; this name is Rust-only.
pub(crate) type PwCallback = Option<
    unsafe extern "C" fn(
        buf: *mut c_char,
        size: c_int,
        rwflag: c_int,
        userdata: *mut c_void,
    ) -> c_int,
>;

/// A path argument (any bytes but NUL; no UTF-8 requirement), or `None` for NULL.
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string.
pub(crate) unsafe fn opt_path(ptr: *const c_char) -> Option<PathBuf> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: not NULL; a C string by the caller's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    Some(PathBuf::from(OsStr::from_bytes(bytes)))
}

/// Wrap the application's password callback for the TLS layer. The handle pointer is passed back
/// as libmosquitto does.
pub(crate) fn password_fn(h: &mosquitto, callback: PwCallback) -> Option<Arc<PasswordFn>> {
    let callback = callback?;
    // As an address, so that the closure is Send + Sync; the handle outlives its connections.
    let mosq = h.as_ptr() as usize;
    Some(Arc::new(move |buf: &mut [u8]| {
        let size = c_int::try_from(buf.len()).unwrap_or(c_int::MAX);
        // SAFETY: a C function given by the application for this purpose, called with a buffer
        // of `size` writable bytes and the handle pointer.
        let n = unsafe {
            callback(
                buf.as_mut_ptr() as *mut c_char,
                size,
                0,
                mosq as *mut c_void,
            )
        };
        usize::try_from(n).ok().map(|n| n.min(buf.len()))
    }))
}

/// An OpenSSL cipher list argument: NULL is `None` (OpenSSL's defaults); text that is not UTF-8
/// is refused.
///
/// # Safety
/// `ciphers` is NULL or a C string.
unsafe fn ciphers_arg(function: &str, ciphers: *const c_char) -> Result<Option<String>, c_int> {
    if ciphers.is_null() {
        return Ok(None);
    }
    // SAFETY: not NULL; a C string by the caller's contract.
    match unsafe { CStr::from_ptr(ciphers) }.to_str() {
        Ok(list) => Ok(Some(list.to_owned())),
        Err(_) => refuse(function, "ciphers is not valid UTF-8"),
    }
}

/// Whether a file can be opened for reading now (libmosquitto checks at `tls_set` time too).
fn readable(path: &std::path::Path) -> bool {
    std::fs::File::open(path).is_ok()
}

/// The body of `mosquitto_tls_set`.
///
/// # Safety
/// The pointer arguments as the export's (NULL or valid).
unsafe fn tls_set(
    h: &mosquitto,
    cafile: *const c_char,
    capath: *const c_char,
    certfile: *const c_char,
    keyfile: *const c_char,
    pw_callback: PwCallback,
) -> Result<(), c_int> {
    const F: &str = "mosquitto_tls_set";
    // SAFETY: the caller's contract: each is NULL or a C string.
    let (cafile, capath) = unsafe { (opt_path(cafile), opt_path(capath)) };
    // SAFETY: as above.
    let (certfile, keyfile) = unsafe { (opt_path(certfile), opt_path(keyfile)) };
    if cafile.is_none() && capath.is_none() {
        return refuse(F, "cafile and capath are both NULL");
    }
    if let Some(path) = cafile.as_ref().filter(|p| !readable(p)) {
        return refuse(F, &format!("cannot read cafile {}", path.display()));
    }
    if certfile.is_some() != keyfile.is_some() {
        return refuse(F, "certfile and keyfile go together: one of them is NULL");
    }
    if let Some(path) = certfile.as_ref().filter(|p| !readable(p)) {
        return refuse(F, &format!("cannot read certfile {}", path.display()));
    }
    let from_engine = h.client.tls_config_ref(|c| c.key_from_engine);
    if let Some(path) = keyfile.as_ref().filter(|p| !from_engine && !readable(p)) {
        return refuse(F, &format!("cannot read keyfile {}", path.display()));
    }
    let password = password_fn(h, pw_callback);
    h.client.tls_config(|c| {
        c.ca = cafile.map(Source::File);
        c.ca_path = capath;
        c.cert = certfile.map(Source::File);
        c.key = keyfile.map(Source::File);
        c.key_password = password;
    });
    Ok(())
}

/// Configure certificate-based TLS. Call before connecting; it applies from the next connection.
///
/// - `cafile`: a PEM file of trusted CA certificates; `capath`: a directory of them, named by
///   hash as `openssl rehash` makes it. At least one of the two is required (`MOSQ_ERR_INVAL`
///   otherwise, and when `cafile` cannot be read). To trust the system's CAs instead, use
///   `MOSQ_OPT_TLS_USE_OS_CERTS` without calling this.
/// - `certfile`, `keyfile`: the client certificate (PEM, may hold its chain) and private key, for
///   brokers that ask for one; both or neither (`MOSQ_ERR_INVAL`), and both must be readable.
/// - `pw_callback`: asked for the password of an encrypted key when connecting, with the handle
///   as `userdata`. Without one, OpenSSL's default applies: a prompt on the terminal.
///
/// The broker's certificate is verified, and so is its name (DNS name or IP address, as given to
/// the connect call) unless `mosquitto_tls_insecure_set(mosq, true)`. A refused handshake makes
/// the connect or loop call return `MOSQ_ERR_TLS`, with the reason in a log line.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_tls_set(
    mosq: *mut mosquitto,
    cafile: *const c_char,
    capath: *const c_char,
    certfile: *const c_char,
    keyfile: *const c_char,
    pw_callback: Option<
        unsafe extern "C" fn(
            buf: *mut c_char,
            size: c_int,
            rwflag: c_int,
            userdata: *mut c_void,
        ) -> c_int,
    >,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| tls_set(
                h,
                cafile,
                capath,
                certfile,
                keyfile,
                pw_callback
            ))
        }
    })
}

/// The body of `mosquitto_tls_opts_set`.
///
/// # Safety
/// The pointer arguments as the export's (NULL or valid).
unsafe fn tls_opts_set(
    h: &mosquitto,
    cert_reqs: c_int,
    tls_version: *const c_char,
    ciphers: *const c_char,
) -> Result<(), c_int> {
    const F: &str = "mosquitto_tls_opts_set";
    let verify_peer = match cert_reqs {
        0 => false,
        1 => true,
        _ => return refuse(F, &format!("cert_reqs {cert_reqs} is not 0 or 1")),
    };
    let version = if tls_version.is_null() {
        None
    } else {
        // SAFETY: not NULL; a C string by the caller's contract.
        let name = unsafe { CStr::from_ptr(tls_version) }.to_string_lossy();
        match TlsVersion::from_name(&name) {
            Some(TlsVersion::V1_0) | None => {
                return refuse(
                    F,
                    &format!("tls_version {name:?} is not tlsv1.3, tlsv1.2 or tlsv1.1"),
                )
            }
            version => version,
        }
    };
    // SAFETY: the caller's contract.
    let ciphers = unsafe { ciphers_arg(F, ciphers) }?;
    h.client.tls_config(|c| {
        c.verify_peer = verify_peer;
        c.min_version = version;
        c.ciphers = ciphers;
    });
    Ok(())
}

/// Advanced TLS options. Call before connecting; they apply from the next connection.
///
/// - `cert_reqs`: 1 (`SSL_VERIFY_PEER`, the default) verifies the broker's certificate; 0
///   (`SSL_VERIFY_NONE`) does not, which gives no protection against impersonation. Other values
///   are `MOSQ_ERR_INVAL` (libmosquitto takes them as 0 or 1).
/// - `tls_version`: the lowest protocol version accepted: `"tlsv1.3"`, `"tlsv1.2"` (the default,
///   also for NULL) or `"tlsv1.1"` (which current OpenSSL security levels usually refuse anyway);
///   anything else is `MOSQ_ERR_INVAL`.
/// - `ciphers`: an OpenSSL cipher list (see `openssl ciphers`); names starting with `TLS_` set
///   the TLS 1.3 suites, the others the TLS 1.2 and older ciphers. NULL keeps OpenSSL's
///   defaults. An unusable list fails at connect time with `MOSQ_ERR_TLS`.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_tls_opts_set(
    mosq: *mut mosquitto,
    cert_reqs: c_int,
    tls_version: *const c_char,
    ciphers: *const c_char,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| tls_opts_set(h, cert_reqs, tls_version, ciphers)) }
    })
}

/// The body of `mosquitto_tls_insecure_set`.
fn tls_insecure_set(h: &mosquitto, value: bool) -> Result<(), c_int> {
    if value {
        log::warn!("mosquitto_tls_insecure_set: the broker's hostname will not be verified");
    }
    h.client.tls_config(|c| c.insecure = value);
    Ok(())
}

/// With `value` true, do not check that the broker's certificate names the host connected to.
/// The certificate chain is still verified, but anyone holding a certificate from the same CA can
/// impersonate the broker: for testing only. Default false.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_tls_insecure_set(mosq: *mut mosquitto, value: bool) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| tls_insecure_set(h, value)) }
    })
}

/// A pre-shared key as the broker's `psk_file` reads it: hex digits taken as one number, so
/// leading zero bytes do not count. `None` when not hex.
fn psk_bytes(hex: &str) -> Option<Vec<u8>> {
    if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let padded = if hex.len() % 2 == 1 {
        format!("0{hex}")
    } else {
        hex.to_owned()
    };
    let bytes: Vec<u8> = (0..padded.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&padded[i..i + 2], 16).unwrap_or(0))
        .skip_while(|&b| b == 0)
        .collect();
    Some(bytes)
}

/// The body of `mosquitto_tls_psk_set`.
///
/// # Safety
/// The pointer arguments as the export's (NULL or valid).
unsafe fn tls_psk_set(
    h: &mosquitto,
    psk: *const c_char,
    identity: *const c_char,
    ciphers: *const c_char,
) -> Result<(), c_int> {
    const F: &str = "mosquitto_tls_psk_set";
    if psk.is_null() {
        return refuse(F, "psk is NULL");
    }
    if identity.is_null() {
        return refuse(F, "identity is NULL");
    }
    // SAFETY: not NULL; a C string by the caller's contract.
    let hex = unsafe { CStr::from_ptr(psk) }.to_string_lossy();
    let Some(key) = psk_bytes(&hex) else {
        return refuse(F, "psk is not a hexadecimal number (no \"0x\", not empty)");
    };
    if key.len() > 256 {
        return refuse(F, "psk is longer than 256 bytes");
    }
    // SAFETY: not NULL; a C string by the caller's contract.
    let Ok(identity) = unsafe { CStr::from_ptr(identity) }.to_str() else {
        return refuse(F, "identity is not valid UTF-8");
    };
    // SAFETY: the caller's contract.
    let ciphers = unsafe { ciphers_arg(F, ciphers) }?;
    let identity = identity.to_owned();
    h.client.tls_config(|c| {
        c.psk = Some(Psk {
            key,
            identity,
            ciphers,
        })
    });
    Ok(())
}

/// Configure TLS with a pre-shared key instead of certificates. Call before connecting.
///
/// - `psk`: the key in hexadecimal, without "0x" (`MOSQ_ERR_INVAL` otherwise, or when empty).
/// - `identity`: sent to the broker with the handshake (may serve as the username there).
/// - `ciphers`: an OpenSSL cipher list for PSK (TLS 1.3 suites start with `TLS_`); NULL keeps
///   OpenSSL's defaults.
///
/// A key that does not match the broker's fails the handshake: `MOSQ_ERR_TLS` and a log line.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_tls_psk_set(
    mosq: *mut mosquitto,
    psk: *const c_char,
    identity: *const c_char,
    ciphers: *const c_char,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| tls_psk_set(h, psk, identity, ciphers)) }
    })
}

/// The OpenSSL `SSL *` of the current TLS connection (also during its handshake), e.g. for extra
/// checks in the connect callback; NULL without a TLS connection or for a NULL `mosq`. It is
/// valid until the connection ends: do not keep it across callbacks, and do not free it.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_ssl_get(mosq: *mut mosquitto) -> *mut c_void {
    ffi_guard!(std::ptr::null_mut(), {
        use foreign_types::ForeignTypeRef;
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| h.client.with_ssl(
                |ssl| ssl.map_or(std::ptr::null_mut(), |s| s.as_ptr() as *mut c_void)
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::psk_bytes;

    #[test]
    fn psk_is_read_as_a_hex_number() {
        assert_eq!(psk_bytes("0a1B"), Some(vec![0x0a, 0x1b]));
        assert_eq!(psk_bytes("00ab"), Some(vec![0xab]));
        assert_eq!(psk_bytes("abc"), Some(vec![0x0a, 0xbc]));
        assert_eq!(psk_bytes("0x12"), None);
        assert_eq!(psk_bytes(""), None);
        assert_eq!(psk_bytes("zz"), None);
    }
}
