//! A list of brokers with failover (Paho C's `serverURIs`): `culex_server_list_set`, the return
//! to the preferred (first) broker, and which entry an attempt went to. The rules are the
//! driver's (`driver/servers.rs`), the same in every loop mode.

use std::os::raw::{c_char, c_int};
use std::time::Duration;

use super::websocket::culex_transport_t;
use crate::driver::{Target, Transport};
use crate::ffi::boundary::args::{c_str, refuse};
use crate::ffi::boundary::errors::*;
use crate::ffi::handle::mosquitto;

/// One broker of a server list.
#[repr(C)]
pub struct culex_server {
    /// Host name or address; for CULEX_TRANSPORT_UNIX, the socket's path.
    pub host: *const c_char,
    /// 1 to 65535 (ignored for CULEX_TRANSPORT_UNIX).
    pub port: c_int,
    /// A `culex_transport_t`: TCP, WebSockets (with the options of `culex_ws_set_options`) or
    /// a Unix socket. TLS, when configured, is used for every entry.
    pub transport: c_int,
}

/// The most entries a server list takes.
const MAX_SERVERS: usize = 64;

/// The body of `culex_server_list_set`.
///
/// # Safety
/// `servers` is NULL or `count` readable entries whose hosts are NULL or C strings.
unsafe fn server_list_set(
    h: &mosquitto,
    servers: *const culex_server,
    count: c_int,
) -> Result<(), c_int> {
    const F: &str = "culex_server_list_set";
    let count = match usize::try_from(count) {
        Ok(n) if n <= MAX_SERVERS => n,
        _ => return refuse(F, &format!("count {count} is not 0 to {MAX_SERVERS}")),
    };
    if count > 0 && servers.is_null() {
        return refuse(F, "servers is NULL");
    }
    let mut entries = Vec::with_capacity(count);
    for i in 0..count {
        // SAFETY: the caller's contract: `count` readable entries.
        let server = unsafe { &*servers.add(i) };
        // SAFETY: as above, the host is NULL or a C string.
        let host = unsafe { c_str(server.host, "a server's host") }?;
        if host.is_empty() {
            return refuse(F, &format!("entry {i}: the host is empty"));
        }
        let transport = match culex_transport_t::from_c(server.transport) {
            Some(culex_transport_t::CULEX_TRANSPORT_TCP) => Transport::Tcp,
            Some(culex_transport_t::CULEX_TRANSPORT_WEBSOCKETS) => Transport::WebSockets,
            Some(culex_transport_t::CULEX_TRANSPORT_UNIX) => Transport::Unix,
            None => {
                return refuse(
                    F,
                    &format!("entry {i}: {} is not a culex_transport_t", server.transport),
                )
            }
        };
        let port = match (transport, u16::try_from(server.port)) {
            (Transport::Unix, _) => 0,
            (_, Ok(port)) if port > 0 => port,
            _ => {
                return refuse(
                    F,
                    &format!("entry {i}: port {} is out of range", server.port),
                )
            }
        };
        entries.push(Target {
            host: Box::from(host),
            port,
            bind_address: None,
            transport,
        });
    }
    h.client.set_server_list(entries);
    Ok(())
}

/// Connect to a list of brokers in turn (Paho C's `serverURIs`), from the next connection
/// attempt on: start with `mosquitto_reconnect()` or `mosquitto_reconnect_async()` (the
/// keepalive of the last connect call, 60 s if none) and drive the client in any loop mode.
///
/// The first attempt goes to the first entry. After an attempt fails (`on_connect_fail`), the
/// broker refuses in CONNACK (`on_connect` with the code) or a connection is lost, the next
/// attempt goes to the next entry (after the last, the first again), after the backoff of
/// `mosquitto_reconnect_delay_set()`; reconnecting after your own `mosquitto_disconnect()` stays
/// on the entry. `culex_server_current()` tells, inside those callbacks too, which entry it was.
/// QoS 1 and 2 messages in flight go to the next broker, none is lost (a message the old broker
/// had already passed on may arrive twice). A later connect call naming a broker replaces the
/// list; `count` 0 removes it. Entries take no bind address beyond `MOSQ_OPT_BIND_ADDRESS`.
///
/// ```c
/// struct culex_server servers[] = {
///     {.host = "broker-a.example", .port = 8883, .transport = CULEX_TRANSPORT_TCP},
///     {.host = "broker-b.example", .port = 443, .transport = CULEX_TRANSPORT_WEBSOCKETS},
///     {.host = "/run/mosquitto/mqtt.sock", .transport = CULEX_TRANSPORT_UNIX},
/// };
/// culex_server_list_set(mosq, servers, 3);
/// culex_server_prefer_first_set(mosq, 30000);  // back to broker-a once it answers
/// mosquitto_reconnect_async(mosq);
/// mosquitto_loop_forever(mosq, -1, 1);
/// ```
///
/// With a list of more than one entry, `mosquitto_loop_forever()` keeps trying the next entry
/// after the errors it otherwise returns (TLS, proxy, name resolution, protocol).
/// Returns MOSQ_ERR_SUCCESS, MOSQ_ERR_INVAL (NULL handle, `servers` NULL with `count` above 0,
/// `count` outside 0..=64, an entry with a NULL or empty host, an unknown transport or a port
/// outside 1..=65535) or MOSQ_ERR_MALFORMED_UTF8; the list is unchanged after an error.
#[no_mangle]
pub unsafe extern "C" fn culex_server_list_set(
    mosq: *mut mosquitto,
    servers: *const culex_server,
    count: c_int,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| server_list_set(h, servers, count)) }
    })
}

/// Go back to the first (preferred) entry of the server list when it is healthy again: while
/// connected to another entry, check every `interval_ms` milliseconds whether the first one
/// answers (name resolution, the socket, the proxy's handshake; on a helper thread, never
/// blocking a loop); when it does, leave the current broker with DISCONNECT (`on_disconnect`
/// gets 0) and connect to the first entry at once (`on_connect` follows, or `on_connect_fail`
/// and the usual failover). 0 turns it off (the default). Set the list first.
///
/// Returns MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL (NULL handle, no server list, a negative
/// interval).
#[no_mangle]
pub unsafe extern "C" fn culex_server_prefer_first_set(
    mosq: *mut mosquitto,
    interval_ms: c_int,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                let Ok(ms) = u64::try_from(interval_ms) else {
                    return refuse(
                        "culex_server_prefer_first_set",
                        &format!("{interval_ms} ms is not an interval"),
                    );
                };
                let interval = (ms > 0).then(|| Duration::from_millis(ms));
                h.client.set_prefer_first(interval).map_err(code)
            })
        }
    })
}

/// The index (from 0) of the server list entry of the connection attempt underway or of the
/// last one, also inside `on_connect`, `on_connect_fail` and `on_disconnect`; -1 without a
/// server list or for a NULL handle.
#[no_mangle]
pub unsafe extern "C" fn culex_server_current(mosq: *mut mosquitto) -> c_int {
    ffi_guard!(-1, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| crate::ffi::Socket(
                h.client.current_server().map_or(-1, |i| i as c_int)
            ))
        }
    })
}
