//! An HTTP CONNECT proxy (Paho's `proxy_set(proxy_type=HTTP)`), next to libmosquitto's SOCKS5
//! one (`mosquitto_socks5_set`); a client uses one proxy, the last one set.

use std::os::raw::{c_char, c_int};

use crate::ffi::boundary::errors::*;
use crate::ffi::client::connect::proxy_set;
use crate::ffi::handle::mosquitto;
use crate::net::proxy::ProxyKind;

/// Connect through an HTTP proxy at `host`:`port` (1..=65535) with the CONNECT method, from the
/// next connection attempt on, reconnects included; it replaces a SOCKS5 proxy set with
/// `mosquitto_socks5_set()` (and that one replaces it). With `username` (1 to 255 bytes, no
/// colon) the request carries `Proxy-Authorization: Basic` with `password` (at most 255 bytes,
/// NULL for empty). The broker's host name goes to the proxy, which resolves it. TLS and
/// WebSockets run through the tunnel as over any TCP connection; Unix sockets never use a
/// proxy.
///
/// ```c
/// culex_http_proxy_set(mosq, "proxy.example", 3128, "alice", "s3cret");
/// mosquitto_connect(mosq, "broker.example", 1883, 60);  // CONNECT broker.example:1883
/// ```
///
/// A proxy that refuses (407 and any status outside 2xx), sends no valid HTTP answer or closes
/// ends the attempt with MOSQ_ERR_PROXY and a log line giving its status. Returns
/// MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL for a NULL or empty host, a port out of range, or
/// credentials of the wrong form.
#[no_mangle]
pub unsafe extern "C" fn culex_http_proxy_set(
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
                ProxyKind::Http,
                host,
                port,
                username,
                password
            ))
        }
    })
}
