//! Connecting and disconnecting: `mosquitto_connect` and its bind, async and MQTT 5 variants,
//! `mosquitto_reconnect(_async)`, `mosquitto_disconnect(_v5)`, and the other ways of reaching a
//! broker: a SOCKS5 proxy (`mosquitto_socks5_set`) and DNS SRV discovery
//! (`mosquitto_connect_srv`).

use std::ffi::CStr;
use std::os::raw::{c_char, c_int};
use std::ptr;

use crate::driver::{Target, Transport};
use crate::ffi::boundary::args::{c_str, opt_c_str, properties_arg};
use crate::ffi::boundary::errors::*;
use crate::ffi::handle::mosquitto;
use crate::ffi::property::mosquitto_property;
use crate::net::proxy::{ProxyConfig, ProxyKind};
use crate::protocol::{Properties, PropertyContext, ProtocolVersion};

/// Check connect arguments and build the target.
///
/// # Safety
/// `host` and `bind_address` are NULL or NUL-terminated strings.
unsafe fn target(
    h: &mosquitto,
    host: *const c_char,
    port: c_int,
    keepalive: c_int,
    bind_address: *const c_char,
) -> Result<(Target, u16), c_int> {
    // SAFETY: the caller's contract.
    let host = unsafe { c_str(host, "host") }?;
    if host.is_empty() {
        log::warn!("culex: host is empty");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    let port = u16::try_from(port).map_err(|_| {
        log::warn!("culex: port {port} is out of range");
        MOSQ_ERR_INVAL as c_int
    })?;
    // libmosquitto's floor of 5 s; paho-mqtt's rules (`culex_paho_wire_set`) have none.
    let floor = if h.client.with_session(|s| s.config().paho_wire) {
        1
    } else {
        5
    };
    let keepalive = match u16::try_from(keepalive) {
        Ok(k) if k == 0 || k >= floor => k,
        _ => {
            log::warn!("culex: keepalive {keepalive} must be 0 or between {floor} and 65535");
            return Err(MOSQ_ERR_INVAL as c_int);
        }
    };
    // SAFETY: the caller's contract.
    let bind = unsafe { opt_c_str(bind_address, "bind_address") }?
        .filter(|b| !b.is_empty())
        .map(Box::from);
    Ok((
        Target {
            host: Box::from(host),
            port,
            bind_address: bind,
            transport: Transport::Default,
        },
        keepalive,
    ))
}

/// The body of every connect export: check the arguments, store keepalive and (MQTT 5) the
/// CONNECT properties, connect (`blocking`: wait for TCP).
///
/// # Safety
/// `host` and `bind_address` are NULL or NUL-terminated strings, `properties` NULL or a list
/// built by the property API.
pub(crate) unsafe fn connect(
    h: &mosquitto,
    host: *const c_char,
    port: c_int,
    keepalive: c_int,
    bind_address: *const c_char,
    properties: *const mosquitto_property,
    blocking: bool,
) -> Result<(), c_int> {
    // SAFETY: the caller's contract.
    let (mut target, keepalive) = unsafe { target(h, host, port, keepalive, bind_address) }?;
    if target.port == 0 {
        // libmosquitto's rule: port 0 makes `host` the path of a Unix-domain socket.
        target.transport = Transport::Unix;
    }
    let properties = if properties.is_null() {
        None
    } else {
        // SAFETY: the caller's contract.
        Some(unsafe { properties_arg(h, properties, PropertyContext::Connect) }?)
    };
    h.client.with_session(|s| {
        let config = s.config_mut();
        config.keep_alive = keepalive;
        if config.client_id.is_empty() && config.protocol == ProtocolVersion::V31 {
            // MQTT 3.1 has no broker-assigned identifiers.
            config.client_id = super::lifecycle::random_client_id();
        }
        if let Some(properties) = properties {
            // The Receive Maximum of MOSQ_OPT_RECEIVE_MAXIMUM is added to CONNECT unless the
            // list brings its own (session/connection.rs).
            config.connect_properties = properties;
        }
    });
    crate::ffi::culex::lifecycle::pre_connect(h);
    h.client.connect(target, blocking).map_err(code)
}

/// The body of `mosquitto_disconnect_v5`.
///
/// # Safety
/// `properties` is NULL or a list built by the property API.
unsafe fn disconnect_v5(
    h: &mosquitto,
    reason_code: c_int,
    properties: *const mosquitto_property,
) -> Result<(), c_int> {
    let Ok(reason) = u8::try_from(reason_code) else {
        log::warn!("mosquitto_disconnect_v5: reason code {reason_code} is out of range");
        return Err(MOSQ_ERR_INVAL as c_int);
    };
    // SAFETY: the caller's contract.
    let properties = unsafe { properties_arg(h, properties, PropertyContext::Disconnect) }?;
    let v5 = h.client.with_session(|s| s.config().protocol.is_v5());
    let reason = if v5 { reason } else { 0 };
    let result = h.client.disconnect(reason, properties);
    h.disconnect_written();
    result.map_err(code)
}

/// The body of `mosquitto_socks5_set` and `culex_http_proxy_set`: check the arguments and use
/// the proxy from the next connection on.
///
/// # Safety
/// The pointers are NULL or NUL-terminated strings.
pub(crate) unsafe fn proxy_set(
    h: &mosquitto,
    kind: ProxyKind,
    host: *const c_char,
    port: c_int,
    username: *const c_char,
    password: *const c_char,
) -> Result<(), c_int> {
    let f = match kind {
        ProxyKind::Socks5 => "mosquitto_socks5_set",
        ProxyKind::Http => "culex_http_proxy_set",
    };
    // SAFETY: the caller's contract.
    let host = unsafe { c_str(host, "host") }?;
    if host.is_empty() || host.len() > MAX_PROXY_HOST {
        log::warn!("{f}: the proxy host must be 1 to {MAX_PROXY_HOST} bytes");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    let port = match u16::try_from(port) {
        Ok(port) if port > 0 => port,
        _ => {
            log::warn!("{f}: port {port} is out of range");
            return Err(MOSQ_ERR_INVAL as c_int);
        }
    };
    let credentials = if username.is_null() {
        None
    } else {
        // SAFETY: the caller's contract (both are NULL or C strings).
        let user = unsafe { CStr::from_ptr(username) }.to_bytes().to_vec();
        let pass = if password.is_null() {
            Vec::new()
        } else {
            // SAFETY: as above.
            unsafe { CStr::from_ptr(password) }.to_bytes().to_vec()
        };
        if user.is_empty() || user.len() > MAX_PROXY_CREDENTIAL {
            log::warn!("{f}: the username must be 1 to {MAX_PROXY_CREDENTIAL} bytes");
            return Err(MOSQ_ERR_INVAL as c_int);
        }
        if pass.len() > MAX_PROXY_CREDENTIAL {
            log::warn!("{f}: the password must be at most {MAX_PROXY_CREDENTIAL} bytes");
            return Err(MOSQ_ERR_INVAL as c_int);
        }
        if kind == ProxyKind::Http && user.contains(&b':') {
            log::warn!("{f}: a Basic authentication username holds no colon (RFC 7617)");
            return Err(MOSQ_ERR_INVAL as c_int);
        }
        Some((user, pass))
    };
    h.client.set_proxy(Some(ProxyConfig {
        host: host.to_owned(),
        port,
        credentials,
        kind,
    }));
    Ok(())
}

/// The body of `mosquitto_connect_srv`.
///
/// # Safety
/// `host` and `bind_address` are NULL or NUL-terminated strings.
unsafe fn connect_srv(
    h: &mosquitto,
    host: *const c_char,
    keepalive: c_int,
    bind_address: *const c_char,
) -> Result<(), c_int> {
    // SAFETY: the caller's contract.
    let (target, keepalive) = unsafe { target(h, host, 0, keepalive, bind_address) }?;
    h.client
        .with_session(|s| s.config_mut().keep_alive = keepalive);
    crate::ffi::culex::lifecycle::pre_connect(h);
    h.client.connect_srv(target).map_err(code)
}

/// Connect to a broker and wait for TCP to be established (CONNECT is sent by the loop).
/// keepalive is 0 (off) or 5..=65535 seconds. With `port` 0, `host` is the path of a Unix-domain
/// socket (mosquitto's `listener 0 /path/to.sock`), as in libmosquitto; a proxy is not used
/// then. The same holds for every connect function below.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_connect(
    mosq: *mut mosquitto,
    host: *const c_char,
    port: c_int,
    keepalive: c_int,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| connect(
                h,
                host,
                port,
                keepalive,
                ptr::null(),
                ptr::null(),
                true
            ))
        }
    })
}

/// `mosquitto_connect` from a given local address (NULL: any).
#[no_mangle]
pub unsafe extern "C" fn mosquitto_connect_bind(
    mosq: *mut mosquitto,
    host: *const c_char,
    port: c_int,
    keepalive: c_int,
    bind_address: *const c_char,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| connect(
                h,
                host,
                port,
                keepalive,
                bind_address,
                ptr::null(),
                true
            ))
        }
    })
}

/// Start connecting without waiting: name resolution and TCP connect happen in the background
/// and are completed by whichever loop drives the client.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_connect_async(
    mosq: *mut mosquitto,
    host: *const c_char,
    port: c_int,
    keepalive: c_int,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| connect(
                h,
                host,
                port,
                keepalive,
                ptr::null(),
                ptr::null(),
                false
            ))
        }
    })
}

/// `mosquitto_connect_async` from a given local address (NULL: any).
#[no_mangle]
pub unsafe extern "C" fn mosquitto_connect_bind_async(
    mosq: *mut mosquitto,
    host: *const c_char,
    port: c_int,
    keepalive: c_int,
    bind_address: *const c_char,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| connect(
                h,
                host,
                port,
                keepalive,
                bind_address,
                ptr::null(),
                false
            ))
        }
    })
}

/// `mosquitto_connect_bind` with MQTT 5 CONNECT properties (kept for reconnects; a Receive
/// Maximum set with `MOSQ_OPT_RECEIVE_MAXIMUM` is kept unless the list has its own). The list
/// stays the caller's.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_connect_bind_v5(
    mosq: *mut mosquitto,
    host: *const c_char,
    port: c_int,
    keepalive: c_int,
    bind_address: *const c_char,
    properties: *const mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| connect(
                h,
                host,
                port,
                keepalive,
                bind_address,
                properties,
                true
            ))
        }
    })
}

/// Connect again to the broker of the last connect call (waits for TCP).
#[no_mangle]
pub unsafe extern "C" fn mosquitto_reconnect(mosq: *mut mosquitto) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                crate::ffi::culex::lifecycle::pre_connect(h);
                h.client.reconnect(true).map_err(code)
            })
        }
    })
}

/// Connect again to the broker of the last connect call, without waiting.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_reconnect_async(mosq: *mut mosquitto) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                crate::ffi::culex::lifecycle::pre_connect(h);
                h.client.reconnect(false).map_err(code)
            })
        }
    })
}

/// Disconnect: DISCONNECT is sent after everything already queued, then the connection closes
/// and `on_disconnect` gets rc 0. Loops stop reconnecting. `MOSQ_ERR_NO_CONN` when not connected.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_disconnect(mosq: *mut mosquitto) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                let result = h.client.disconnect(0, Properties::default());
                h.disconnect_written();
                result.map_err(code)
            })
        }
    })
}

/// `mosquitto_disconnect` with an MQTT 5 reason code (0..=255) and DISCONNECT properties (MQTT
/// 3.1/3.1.1 send no reason code). The list stays the caller's.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_disconnect_v5(
    mosq: *mut mosquitto,
    reason_code: c_int,
    properties: *const mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| disconnect_v5(h, reason_code, properties)) }
    })
}

/// Longest proxy host name accepted (as libmosquitto).
const MAX_PROXY_HOST: usize = 256;

/// Longest proxy username or password (RFC 1929: one length byte; HTTP proxies get the same).
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
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| proxy_set(
                h,
                ProxyKind::Socks5,
                host,
                port,
                username,
                password
            ))
        }
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
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| connect_srv(h, host, keepalive, bind_address)) }
    })
}
