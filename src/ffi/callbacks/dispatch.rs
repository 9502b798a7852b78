//! Event dispatch: the driver's events become calls of the handle's C callbacks, made with no lock
//! held, so that every callback may call any API function.

use std::os::raw::{c_char, c_int, c_void};

use crate::driver::{Client, ClientEvent, EventSink};
use crate::ffi::boundary::errors::error_code;
use crate::ffi::boundary::logging as capture;
use crate::ffi::callbacks::{Callbacks, MessageCallback, MessageV5Callback};
use crate::ffi::handle::mosquitto;
use crate::ffi::property::LentList;
use crate::ffi::util::message::mosquitto_message;
use crate::protocol::{AckKind, Properties, PropertyId, PropertyValue, ReasonCode};
use crate::session::Event;

/// Hand a received message to `on_message` and `on_message_v5`. The message and its properties
/// are the library's and live until the callbacks return.
fn deliver_message(
    mosq: *mut mosquitto,
    obj: *mut c_void,
    (on_message, on_message_v5): (Option<MessageCallback>, Option<MessageV5Callback>),
    publish: crate::protocol::Publish,
) {
    let mut topic = publish.topic.into_bytes();
    topic.push(0);
    let mut payload = publish.payload;
    let payloadlen = payload.len() as c_int;
    let payload_ptr = if payload.is_empty() {
        std::ptr::null_mut()
    } else {
        // The codec leaves room for this NUL, as libmosquitto's payloads have one.
        payload.push(0);
        payload.as_mut_ptr() as *mut c_void
    };
    let message = mosquitto_message {
        mid: c_int::from(publish.packet_id),
        topic: topic.as_mut_ptr() as *mut c_char,
        payload: payload_ptr,
        payloadlen,
        qos: c_int::from(publish.qos.as_u8()),
        retain: publish.retain,
    };
    // The calls below: C function pointers supplied by the application for this handle, called
    // with the handle, its user data and a message valid for the duration of the call.
    if let Some(f) = on_message {
        // SAFETY: a callback the application set for this handle, called with its arguments.
        unsafe { f(mosq, obj, &message) };
    }
    if let Some(f) = on_message_v5 {
        let props = LentList::new(&publish.properties);
        // SAFETY: a callback the application set for this handle, called with its arguments.
        unsafe { f(mosq, obj, &message, props.as_ptr()) };
    }
}

/// Calls the C callbacks of one handle for driver events.
pub(crate) struct Dispatch {
    mosq: *mut mosquitto,
}

// SAFETY: the handle outlives every loop thread (`mosquitto_destroy` stops the thread before it
// frees the handle), and everything the dispatcher touches in it is thread-safe.
unsafe impl Send for Dispatch {}

impl Dispatch {
    /// A dispatcher for the callbacks of `handle`.
    pub(crate) fn new(handle: &mosquitto) -> Dispatch {
        Dispatch {
            mosq: handle.as_ptr(),
        }
    }

    fn handle(&self) -> &mosquitto {
        // SAFETY: see the Send impl: the handle is alive while a dispatcher exists.
        unsafe { &*self.mosq }
    }
}

impl EventSink for Dispatch {
    fn deliver(&self, _client: &Client, event: ClientEvent) {
        let h = self.handle();
        h.flush_logs();
        let (mosq, obj) = (self.mosq, h.userdata());
        // The calls below: C function pointers supplied by the application for this handle,
        // called with the handle, its user data and arguments valid for the call.
        match event {
            ClientEvent::Session(Event::ConnAck {
                reason_code,
                session_present,
                properties,
            }) => {
                let (on_connect, more) = h.callbacks(|c| (c.on_connect, c.more()));
                let rc = c_int::from(reason_code);
                let flags = c_int::from(session_present);
                if let Some(f) = on_connect {
                    // SAFETY: a callback the application set for this handle, called with its arguments.
                    unsafe { f(mosq, obj, rc) };
                }
                if let Some(f) = more.on_connect_with_flags {
                    // SAFETY: a callback the application set for this handle, called with its arguments.
                    unsafe { f(mosq, obj, rc, flags) };
                }
                if let Some(f) = more.on_connect_v5 {
                    let props = LentList::new(&properties);
                    // SAFETY: a callback the application set for this handle, called with its arguments.
                    unsafe { f(mosq, obj, rc, flags, props.as_ptr()) };
                }
            }
            ClientEvent::Session(Event::Published {
                mid,
                reason_code,
                properties,
                ack,
            }) => {
                let (on_publish, on_publish_v5) =
                    h.callbacks(|c| (c.on_publish, c.more_ref().and_then(|m| m.on_publish_v5)));
                // A PUBREC refusing the message is told to on_publish_v5 only, as libmosquitto
                // does (on_publish has no reason code to tell it apart from a success).
                let on_publish = on_publish.filter(|_| ack != Some(AckKind::PubRec));
                if let Some(f) = on_publish {
                    // SAFETY: a callback the application set for this handle, called with its arguments.
                    unsafe { f(mosq, obj, c_int::from(mid)) };
                }
                if let Some(f) = on_publish_v5 {
                    let props = LentList::new(&properties);
                    // SAFETY: a callback the application set for this handle, called with its arguments.
                    unsafe {
                        f(
                            mosq,
                            obj,
                            c_int::from(mid),
                            c_int::from(reason_code),
                            props.as_ptr(),
                        )
                    };
                }
            }
            ClientEvent::Session(Event::Expired { mid }) => {
                // A failed publish for on_publish_v5 (on_publish has no reason code to say so):
                // "unspecified error", with a Reason String saying what happened.
                let on_publish_v5 = h.callbacks(|c| c.more_ref().and_then(|m| m.on_publish_v5));
                if let Some(f) = on_publish_v5 {
                    let mut why = Properties::new();
                    why.add(
                        PropertyId::ReasonString,
                        PropertyValue::Utf8String(
                            "expired in the outgoing queue (Culex queue time-to-live)".into(),
                        ),
                    );
                    let props = LentList::new(&why);
                    // SAFETY: a callback the application set for this handle, called with its arguments.
                    unsafe {
                        f(
                            mosq,
                            obj,
                            c_int::from(mid),
                            c_int::from(ReasonCode::UNSPECIFIED_ERROR.0),
                            props.as_ptr(),
                        )
                    };
                }
            }
            ClientEvent::Session(Event::Message(publish)) => {
                let fns =
                    h.callbacks(|c| (c.on_message, c.more_ref().and_then(|m| m.on_message_v5)));
                if fns.0.is_some() || fns.1.is_some() {
                    deliver_message(mosq, obj, fns, publish);
                }
            }
            ClientEvent::Session(Event::SubAck {
                mid,
                reason_codes,
                properties,
            }) => {
                let cb = h.callbacks(Callbacks::more);
                if cb.on_subscribe.is_some() || cb.on_subscribe_v5.is_some() {
                    let granted: Vec<c_int> =
                        reason_codes.iter().map(|&c| c_int::from(c)).collect();
                    let (mid, count) = (c_int::from(mid), granted.len() as c_int);
                    if let Some(f) = cb.on_subscribe {
                        // SAFETY: a callback the application set for this handle, called with its arguments.
                        unsafe { f(mosq, obj, mid, count, granted.as_ptr()) };
                    }
                    if let Some(f) = cb.on_subscribe_v5 {
                        let props = LentList::new(&properties);
                        // SAFETY: a callback the application set for this handle, called with its arguments.
                        unsafe { f(mosq, obj, mid, count, granted.as_ptr(), props.as_ptr()) };
                    }
                }
            }
            ClientEvent::Session(Event::UnsubAck {
                mid, properties, ..
            }) => {
                let cb = h.callbacks(Callbacks::more);
                if let Some(f) = cb.on_unsubscribe {
                    // SAFETY: a callback the application set for this handle, called with its arguments.
                    unsafe { f(mosq, obj, c_int::from(mid)) };
                }
                if let Some(f) = cb.on_unsubscribe_v5 {
                    let props = LentList::new(&properties);
                    // SAFETY: a callback the application set for this handle, called with its arguments.
                    unsafe { f(mosq, obj, c_int::from(mid), props.as_ptr()) };
                }
            }
            ClientEvent::Session(Event::Auth {
                reason_code,
                method,
                data,
                properties,
            }) => {
                crate::ffi::culex::deliver_auth(
                    h,
                    obj,
                    reason_code,
                    &method,
                    data.as_deref(),
                    &properties,
                );
            }
            ClientEvent::Disconnected(reason) => {
                // A broker's MQTT 5 DISCONNECT gives its reason code and properties, as in
                // libmosquitto; otherwise 0 (our DISCONNECT) or the error's code.
                let server = h.client.with_session(|s| s.take_server_disconnect());
                let rc = match (&server, &reason) {
                    (Some(d), _) => c_int::from(d.reason_code),
                    (None, reason) => reason.as_ref().map_or(0, error_code),
                };
                let (on_disconnect, on_disconnect_v5) = h.callbacks(|c| {
                    (
                        c.on_disconnect,
                        c.more_ref().and_then(|m| m.on_disconnect_v5),
                    )
                });
                if let Some(f) = on_disconnect {
                    // SAFETY: a callback the application set for this handle, called with its arguments.
                    unsafe { f(mosq, obj, rc) };
                }
                if let Some(f) = on_disconnect_v5 {
                    let props = server.map(|d| d.properties).unwrap_or_default();
                    let props = LentList::new(&props);
                    // SAFETY: a callback the application set for this handle, called with its arguments.
                    unsafe { f(mosq, obj, rc, props.as_ptr()) };
                }
            }
        }
        h.flush_logs();
    }

    fn quiet(&self, _client: &Client) {
        self.handle().flush_logs();
    }

    fn scope(&self, body: &mut dyn FnMut()) {
        let _capture = capture::Capture::begin(&self.handle().wants_log);
        body();
    }
}
