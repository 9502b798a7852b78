//! Connecting and disconnecting: `mosquitto_connect` and its bind/async variants,
//! `mosquitto_reconnect(_async)` and `mosquitto_disconnect`.

// Safety: every export follows the contract stated in `ffi/mod.rs`; none adds to it.
#![allow(clippy::missing_safety_doc)]

use std::os::raw::{c_char, c_int};

use crate::driver::Target;
use crate::ffi::boundary::args::{c_str, opt_c_str, properties_arg};
use crate::ffi::boundary::errors::*;
use crate::ffi::handle::{handle_or_inval, mosquitto};
use crate::ffi::property::mosquitto_property;
use crate::protocol::{Properties, PropertyContext};

/// Check connect arguments and build the target.
pub(crate) unsafe fn target(
    host: *const c_char,
    port: c_int,
    keepalive: c_int,
    bind_address: *const c_char,
) -> Result<(Target, u16), c_int> {
    let host = c_str(host, "host")?;
    if host.is_empty() {
        log::warn!("culex: host is empty");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    let port = u16::try_from(port).map_err(|_| {
        log::warn!("culex: port {port} is out of range");
        MOSQ_ERR_INVAL as c_int
    })?;
    let keepalive = match u16::try_from(keepalive) {
        Ok(k) if k == 0 || k >= 5 => k,
        _ => {
            log::warn!("culex: keepalive {keepalive} must be 0 or between 5 and 65535");
            return Err(MOSQ_ERR_INVAL as c_int);
        }
    };
    let bind = opt_c_str(bind_address, "bind_address")?
        .filter(|b| !b.is_empty())
        .map(Box::from);
    Ok((
        Target {
            host: Box::from(host),
            port,
            bind_address: bind,
        },
        keepalive,
    ))
}

pub(crate) unsafe fn connect_common(
    mosq: *mut mosquitto,
    host: *const c_char,
    port: c_int,
    keepalive: c_int,
    bind_address: *const c_char,
    blocking: bool,
    properties: *const mosquitto_property,
) -> c_int {
    let h = handle_or_inval!(mosq);
    h.with_logs(|h| {
        let (target, keepalive) = match target(host, port, keepalive, bind_address) {
            Ok(t) => t,
            Err(code) => return code,
        };
        let properties = if properties.is_null() {
            None
        } else {
            match properties_arg(h, properties, PropertyContext::Connect) {
                Ok(p) => Some(p),
                Err(code) => return code,
            }
        };
        h.client.with_session(|s| {
            let config = s.config_mut();
            config.keep_alive = keepalive;
            if let Some(mut properties) = properties {
                // A Receive Maximum set with MOSQ_OPT_RECEIVE_MAXIMUM stays unless the list
                // brings its own.
                let option = config
                    .connect_properties
                    .iter()
                    .find(|p| p.id == crate::protocol::PropertyId::ReceiveMaximum)
                    .cloned();
                if let Some(option) = option {
                    if !properties.contains(option.id) {
                        properties.push(option);
                    }
                }
                config.connect_properties = properties;
            }
        });
        result_code(h.client.connect(target, blocking))
    })
}

/// Connect to a broker and wait for TCP to be established (CONNECT is sent by the loop).
/// keepalive is 0 (off) or 5..=65535 seconds.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_connect(
    mosq: *mut mosquitto,
    host: *const c_char,
    port: c_int,
    keepalive: c_int,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        connect_common(
            mosq,
            host,
            port,
            keepalive,
            std::ptr::null(),
            true,
            std::ptr::null(),
        )
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
        connect_common(
            mosq,
            host,
            port,
            keepalive,
            bind_address,
            true,
            std::ptr::null(),
        )
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
        connect_common(
            mosq,
            host,
            port,
            keepalive,
            std::ptr::null(),
            false,
            std::ptr::null(),
        )
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
        connect_common(
            mosq,
            host,
            port,
            keepalive,
            bind_address,
            false,
            std::ptr::null(),
        )
    })
}

/// Connect again to the broker of the last connect call (waits for TCP).
#[no_mangle]
pub unsafe extern "C" fn mosquitto_reconnect(mosq: *mut mosquitto) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        h.with_logs(|h| result_code(h.client.reconnect(true)))
    })
}

/// Connect again to the broker of the last connect call, without waiting.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_reconnect_async(mosq: *mut mosquitto) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        h.with_logs(|h| result_code(h.client.reconnect(false)))
    })
}

/// Disconnect: DISCONNECT is sent after everything already queued, then the connection closes
/// and `on_disconnect` gets rc 0. Loops stop reconnecting. `MOSQ_ERR_NO_CONN` when not connected.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_disconnect(mosq: *mut mosquitto) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        let h = handle_or_inval!(mosq);
        h.with_logs(|h| result_code(h.client.disconnect(0, Properties::default())))
    })
}
