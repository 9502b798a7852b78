//! The commands: `mosquitto_publish`, `mosquitto_subscribe`, `mosquitto_subscribe_multiple`,
//! `mosquitto_unsubscribe`, `mosquitto_unsubscribe_multiple`, each next to its MQTT 5 form
//! (`_v5`: the same plus a property list, which MQTT 3.1/3.1.1 clients refuse with
//! `MOSQ_ERR_NOT_SUPPORTED`, as libmosquitto 2.0 does).

use std::os::raw::{c_char, c_int, c_void};
use std::ptr;
use std::time::Instant;

use crate::ffi::boundary::args::*;
use crate::ffi::boundary::errors::*;
use crate::ffi::handle::mosquitto;
use crate::ffi::property::mosquitto_property;
use crate::protocol::{PropertyContext, QoS, RetainHandling, SubscribeFilter, SubscriptionOptions};

/// Publish a message. `mid` (may be NULL) receives its message id, also passed to
/// `on_publish`. Safe from any thread and from callbacks; never waits for the network. QoS 0
/// needs a connection (`MOSQ_ERR_NO_CONN`); QoS 1 and 2 are queued while offline.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_publish(
    mosq: *mut mosquitto,
    mid: *mut c_int,
    topic: *const c_char,
    payloadlen: c_int,
    payload: *const c_void,
    qos: c_int,
    retain: bool,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| publish(
                h,
                mid,
                topic,
                payloadlen,
                payload,
                qos,
                retain,
                ptr::null()
            ))
        }
    })
}

/// `mosquitto_publish` with MQTT 5 PUBLISH properties. With a Topic Alias property the topic may
/// be empty. The list stays the caller's.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_publish_v5(
    mosq: *mut mosquitto,
    mid: *mut c_int,
    topic: *const c_char,
    payloadlen: c_int,
    payload: *const c_void,
    qos: c_int,
    retain: bool,
    properties: *const mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| publish(
                h, mid, topic, payloadlen, payload, qos, retain, properties
            ))
        }
    })
}

/// The body of `mosquitto_publish(_v5)`: check the arguments and queue the message.
///
/// # Safety
/// The pointer arguments as the exports': `mid` NULL or writable, `topic` NULL or a C string,
/// `payload` NULL or `payloadlen` readable bytes, `properties` NULL or a property list.
#[allow(clippy::too_many_arguments)]
unsafe fn publish(
    h: &mosquitto,
    mid: *mut c_int,
    topic: *const c_char,
    payloadlen: c_int,
    payload: *const c_void,
    qos: c_int,
    retain: bool,
    properties: *const mosquitto_property,
) -> Result<(), c_int> {
    // SAFETY: the caller's contract.
    let properties = unsafe { properties_arg(h, properties, PropertyContext::Publish) }?;
    // Checked in one pass before the connection state, as libmosquitto does; the session does not
    // check it again. MQTT 5 may leave the topic empty when a topic alias names it.
    let aliased = properties.contains(crate::protocol::PropertyId::TopicAlias);
    // SAFETY: the caller's contract.
    let topic = unsafe { topic_name(topic, aliased) }?;
    // SAFETY: the caller's contract.
    let payload = unsafe { payload_arg(payloadlen, payload) }?;
    let qos = qos_arg(qos)?;
    let id = h
        .client
        .with_session(|s| {
            let id =
                s.publish_checked_topic(Instant::now(), topic, payload, qos, retain, properties)?;
            // A synchronous session store makes the message durable before this returns.
            s.journal_publish_accepted().map(|()| id)
        })
        .map_err(|e| {
            log::warn!("culex: publish: {e}");
            code(e)
        })?;
    // SAFETY: the caller's contract.
    unsafe { set_mid(mid, id) };
    // *mid first: libmosquitto sets it before writing, so a QoS 0 on_publish made by the
    // write below finds it.
    h.command_written();
    Ok(())
}

/// Subscribe options from `mosquitto_subscribe_multiple`'s `options` bits.
fn subscription_options(qos: QoS, options: c_int) -> SubscriptionOptions {
    SubscriptionOptions {
        qos,
        no_local: options & 0x04 != 0,
        retain_as_published: options & 0x08 != 0,
        retain_handling: match (options >> 4) & 0x03 {
            1 => RetainHandling::SendIfNew,
            2 => RetainHandling::DoNotSend,
            _ => RetainHandling::SendOnSubscribe,
        },
    }
}

/// Read `count` C strings as topic filters.
///
/// # Safety
/// `subs` is NULL or `count` readable pointers, each NULL or a C string.
unsafe fn filters(count: c_int, subs: *const *mut c_char) -> Result<Vec<String>, c_int> {
    if count <= 0 || subs.is_null() {
        log::warn!("culex: need at least one topic filter");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    let mut out = Vec::with_capacity(count as usize);
    for i in 0..count as usize {
        // SAFETY: the caller's contract; `i < count`.
        let filter = unsafe { c_str(*subs.add(i), "topic filter") }?;
        if crate::protocol::topic::validate_topic_filter(filter).is_err() {
            log::warn!("culex: '{filter}' is not a valid topic filter");
            return Err(MOSQ_ERR_INVAL as c_int);
        }
        out.push(filter.to_owned());
    }
    Ok(out)
}

/// One filter's QoS and MQTT 5 option bits (no-local 0x04, retain-as-published 0x08, retain
/// handling 0x10/0x20), checked.
pub(crate) fn filter_options(qos: c_int, options: c_int) -> Result<SubscriptionOptions, c_int> {
    let qos = qos_arg(qos)?;
    if options & !0x3C != 0 || options & 0x30 == 0x30 {
        log::warn!("culex: subscription options 0x{options:x} are invalid");
        return Err(MOSQ_ERR_INVAL as c_int);
    }
    Ok(subscription_options(qos, options))
}

/// The body of the subscribe exports: `count` filters at `subs`, the options of the `i`-th
/// given by `options(i)`.
///
/// # Safety
/// `mid` NULL or writable, `subs` as for [`filters`], `properties` NULL or a property list.
pub(crate) unsafe fn subscribe_filters(
    h: &mosquitto,
    mid: *mut c_int,
    count: c_int,
    subs: *const *mut c_char,
    options: impl Fn(usize) -> Result<SubscriptionOptions, c_int>,
    properties: *const mosquitto_property,
) -> Result<(), c_int> {
    // SAFETY: the caller's contract.
    let properties = unsafe { properties_arg(h, properties, PropertyContext::Subscribe) }?;
    // SAFETY: the caller's contract.
    let filters = unsafe { filters(count, subs) }?;
    let filters = filters
        .into_iter()
        .enumerate()
        .map(|(i, filter)| {
            Ok(SubscribeFilter {
                filter,
                options: options(i)?,
            })
        })
        .collect::<Result<Vec<_>, c_int>>()?;
    let id = h.client.subscribe(filters, properties).map_err(|e| {
        log::warn!("subscribe: {e}");
        code(e)
    })?;
    // SAFETY: the caller's contract.
    unsafe { set_mid(mid, id) };
    // *mid first: libmosquitto sets it before writing, so a QoS 0 on_publish made by the
    // write below finds it.
    h.command_written();
    Ok(())
}

/// The body of the subscribe exports with one QoS and option set for all filters.
///
/// # Safety
/// As for [`subscribe_filters`].
unsafe fn subscribe(
    h: &mosquitto,
    mid: *mut c_int,
    count: c_int,
    subs: *const *mut c_char,
    qos: c_int,
    options: c_int,
    properties: *const mosquitto_property,
) -> Result<(), c_int> {
    // SAFETY: the caller's contract.
    unsafe {
        subscribe_filters(
            h,
            mid,
            count,
            subs,
            |_| filter_options(qos, options),
            properties,
        )
    }
}

/// Subscribe to one topic filter at a QoS. `mid` (may be NULL) receives the message id passed
/// to `on_subscribe`.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_subscribe(
    mosq: *mut mosquitto,
    mid: *mut c_int,
    sub: *const c_char,
    qos: c_int,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| subscribe(
                h,
                mid,
                1,
                &(sub as *mut c_char),
                qos,
                0,
                ptr::null()
            ))
        }
    })
}

/// Subscribe to several topic filters in one SUBSCRIBE, all at `qos` with the MQTT 5 `options`
/// bits (no-local 0x04, retain-as-published 0x08, retain handling 0x10/0x20).
#[no_mangle]
pub unsafe extern "C" fn mosquitto_subscribe_multiple(
    mosq: *mut mosquitto,
    mid: *mut c_int,
    sub_count: c_int,
    sub: *const *mut c_char,
    qos: c_int,
    options: c_int,
    properties: *const mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| subscribe(
                h, mid, sub_count, sub, qos, options, properties
            ))
        }
    })
}

/// `mosquitto_subscribe` with MQTT 5 subscription `options` (no-local 0x04,
/// retain-as-published 0x08, retain handling 0x10/0x20) and SUBSCRIBE properties (e.g. a
/// subscription identifier). The list stays the caller's.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_subscribe_v5(
    mosq: *mut mosquitto,
    mid: *mut c_int,
    sub: *const c_char,
    qos: c_int,
    options: c_int,
    properties: *const mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| subscribe(
                h,
                mid,
                1,
                &(sub as *mut c_char),
                qos,
                options,
                properties
            ))
        }
    })
}

/// The body of the unsubscribe exports: `count` filters at `subs`.
///
/// # Safety
/// As for [`subscribe`].
unsafe fn unsubscribe(
    h: &mosquitto,
    mid: *mut c_int,
    count: c_int,
    subs: *const *mut c_char,
    properties: *const mosquitto_property,
) -> Result<(), c_int> {
    // SAFETY: the caller's contract.
    let properties = unsafe { properties_arg(h, properties, PropertyContext::Unsubscribe) }?;
    // SAFETY: the caller's contract.
    let filters = unsafe { filters(count, subs) }?;
    let id = h.client.unsubscribe(filters, properties).map_err(|e| {
        log::warn!("unsubscribe: {e}");
        code(e)
    })?;
    // SAFETY: the caller's contract.
    unsafe { set_mid(mid, id) };
    // *mid first: libmosquitto sets it before writing, so a QoS 0 on_publish made by the
    // write below finds it.
    h.command_written();
    Ok(())
}

/// Unsubscribe from one topic filter. `mid` (may be NULL) receives the message id passed to
/// `on_unsubscribe`.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_unsubscribe(
    mosq: *mut mosquitto,
    mid: *mut c_int,
    sub: *const c_char,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| unsubscribe(
                h,
                mid,
                1,
                &(sub as *mut c_char),
                ptr::null()
            ))
        }
    })
}

/// Unsubscribe from several topic filters in one UNSUBSCRIBE.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_unsubscribe_multiple(
    mosq: *mut mosquitto,
    mid: *mut c_int,
    sub_count: c_int,
    sub: *const *mut c_char,
    properties: *const mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| unsubscribe(h, mid, sub_count, sub, properties)) }
    })
}

/// `mosquitto_unsubscribe` with MQTT 5 UNSUBSCRIBE properties. The list stays the caller's.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_unsubscribe_v5(
    mosq: *mut mosquitto,
    mid: *mut c_int,
    sub: *const c_char,
    properties: *const mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| unsubscribe(
                h,
                mid,
                1,
                &(sub as *mut c_char),
                properties
            ))
        }
    })
}
