//! Finding and reaching the broker another way: through a SOCKS5 proxy
//! (`mosquitto_socks5_set`) and by DNS SRV discovery (`mosquitto_connect_srv`).

// Safety: every export follows the contract stated in `ffi/mod.rs`; none adds to it.
#![allow(clippy::missing_safety_doc)]

use std::ffi::CStr;
use std::os::raw::{c_char, c_int};

use super::commands::{c_str, target};
use crate::ffi::boundary::errors::*;
use crate::ffi::handle::{handle_or_inval, mosquitto};
use crate::net::socks5::ProxyConfig;

/// Longest proxy host name accepted (as libmosquitto).
const MAX_PROXY_HOST: usize = 256;
/// Longest SOCKS5 username or password (RFC 1929: one length byte).
const MAX_PROXY_CREDENTIAL: usize = 255;

/// Connect through a SOCKS5 proxy (RFC 1928) at `host`:`port` (1..=65535) from the next
/// connection on, reconnects included. With `username` (1 to 255 bytes) the proxy may ask for
/// username/password authentication (RFC 1929); `password` (at most 255 bytes, NULL for empty)
/// is used only with a username. The broker's host name is sent to the proxy, which resolves it.
///
/// A proxy that refuses the credentials or cannot reach the broker ends the connection attempt
/// with `MOSQ_ERR_PROXY` (and a log line saying why). Returns `MOSQ_ERR_INVAL` for a NULL or
/// empty host, a port out of range, or credentials of the wrong length.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_socks5_set(
    mosq: *mut mosquitto,
    host: *const c_char,
    port: c_int,
    username: *const c_char,
    password: *const c_char,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        const F: &str = "mosquitto_socks5_set";
        let h = handle_or_inval!(mosq);
        h.with_logs(|h| {
            let host = match c_str(host, "host") {
                Ok(host) => host,
                Err(code) => return code,
            };
            if host.is_empty() || host.len() > MAX_PROXY_HOST {
                log::warn!("{F}: the proxy host must be 1 to {MAX_PROXY_HOST} bytes");
                return MOSQ_ERR_INVAL as c_int;
            }
            let Ok(port) = u16::try_from(port) else {
                log::warn!("{F}: port {port} is out of range");
                return MOSQ_ERR_INVAL as c_int;
            };
            if port == 0 {
                log::warn!("{F}: port 0 is out of range");
                return MOSQ_ERR_INVAL as c_int;
            }
            let credentials = if username.is_null() {
                None
            } else {
                let user = CStr::from_ptr(username).to_bytes().to_vec();
                let pass = if password.is_null() {
                    Vec::new()
                } else {
                    CStr::from_ptr(password).to_bytes().to_vec()
                };
                if user.is_empty() || user.len() > MAX_PROXY_CREDENTIAL {
                    log::warn!("{F}: the username must be 1 to {MAX_PROXY_CREDENTIAL} bytes");
                    return MOSQ_ERR_INVAL as c_int;
                }
                if pass.len() > MAX_PROXY_CREDENTIAL {
                    log::warn!("{F}: the password must be at most {MAX_PROXY_CREDENTIAL} bytes");
                    return MOSQ_ERR_INVAL as c_int;
                }
                Some((user, pass))
            };
            h.client.set_proxy(Some(ProxyConfig {
                host: host.to_owned(),
                port,
                credentials,
            }));
            MOSQ_ERR_SUCCESS as c_int
        })
    })
}

/// Connect to the broker of a domain found by DNS SRV lookup (RFC 2782): `host` is the domain,
/// and the records of `_secure-mqtt._tcp.<host>` (when TLS is configured) or `_mqtt._tcp.<host>`
/// name the brokers, tried lowest priority first and by weighted random choice among equal
/// priorities; an unreachable one falls back to the next. keepalive is 0 (off) or 5..=65535
/// seconds; `bind_address` as for `mosquitto_connect_bind` (NULL: any).
///
/// Like `mosquitto_connect_async`, it returns at once and a loop finishes the job: the lookup
/// runs on a background thread (the nameservers of /etc/resolv.conf, or the one in the
/// environment variable `CULEX_DNS_SERVER`, as `IP` or `IP:port`). When the lookup fails
/// (no such domain, no records) the loop call returns `MOSQ_ERR_LOOKUP` and `on_disconnect`
/// gets `MOSQ_ERR_LOOKUP`, as in libmosquitto. Reconnects repeat the lookup. Works with
/// `mosquitto_socks5_set`: the proxy is asked to connect to the chosen target.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_connect_srv(
    mosq: *mut mosquitto,
    host: *const c_char,
    keepalive: c_int,
    bind_address: *const c_char,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        h.with_logs(|h| {
            let (target, keepalive) = match target(host, 0, keepalive, bind_address) {
                Ok(t) => t,
                Err(code) => return code,
            };
            h.client
                .with_session(|s| s.config_mut().keep_alive = keepalive);
            result_code(h.client.connect_srv(target))
        })
    })
}
