//! Event dispatch: the driver's events become calls of the handle's C callbacks, made with no lock
//! held, so that every callback may call any API function.

use std::os::raw::{c_int, c_void};

use crate::driver::{Client, ClientEvent, EventSink};
use crate::ffi::boundary::errors::error_code;
use crate::ffi::boundary::logging as capture;
use crate::ffi::callbacks::{Callbacks, MessageCallback, MessageDataCallback, MessageV5Callback};
use crate::ffi::handle::mosquitto;
use crate::ffi::property::{mosquitto_property, LentList};
use crate::ffi::util::message::{mosquitto_message, LentMessage};
use crate::protocol::{AckKind, Properties, PropertyId, PropertyValue, ReasonCode};
use crate::session::Event;

/// The message callbacks owed a message on `topic`: those of every per-topic callback whose
/// filter matches it, or `on_message` and `on_message_v5` when none does (Paho's rule).
fn message_callbacks(c: &Callbacks, topic: &str) -> MessageTargets {
    let more = c.more_ref();
    let fallback = (c.on_message, more.and_then(|m| m.on_message_v5), None);
    let Some(more) = more.filter(|m| !m.topic_callbacks.is_empty()) else {
        return MessageTargets::One(fallback);
    };
    let matched: Vec<MessageFns> = more
        .topic_callbacks
        .iter()
        .filter(|t| crate::protocol::topic::matches(&t.matched, topic))
        .map(|t| (t.on_message, t.on_message_v5, t.on_message_data))
        .collect();
    if matched.is_empty() {
        MessageTargets::One(fallback)
    } else {
        MessageTargets::Many(matched)
    }
}

/// Who gets a message: one pair of callbacks (no allocation: the usual case), or several.
enum MessageTargets {
    One(MessageFns),
    Many(Vec<MessageFns>),
}

impl MessageTargets {
    fn as_slice(&self) -> &[MessageFns] {
        match self {
            MessageTargets::One(one) => std::slice::from_ref(one),
            MessageTargets::Many(many) => many,
        }
    }
}

/// The message callbacks of one filter (v3 form, v5 form, and the form with its data pointer),
/// any of which may be unset; `on_message` and `on_message_v5` have no data form.
type MessageFns = (
    Option<MessageCallback>,
    Option<MessageV5Callback>,
    Option<(MessageDataCallback, usize)>,
);

/// Hand a received message to each filter's message callbacks in turn. The message and its
/// properties are the library's and live until the callbacks return.
fn deliver_message(
    mosq: *mut mosquitto,
    obj: *mut c_void,
    callbacks: &[MessageFns],
    mut publish: crate::protocol::Publish,
) {
    let properties = std::mem::take(&mut publish.properties);
    let lent = LentMessage::new(publish);
    let message = lent.as_ptr();
    // The calls below: C function pointers supplied by the application for this handle, called
    // with the handle, its user data and a message valid for the duration of the call.
    let needs_props = callbacks
        .iter()
        .any(|(_, v5, data)| v5.is_some() || data.is_some());
    let props = needs_props.then(|| LentList::new(&properties));
    for &(on_message, on_message_v5, on_message_data) in callbacks {
        if let Some(f) = on_message {
            // SAFETY: a callback the application set for this handle, called with its arguments.
            unsafe { f(mosq, obj, message) };
        }
        if let (Some(f), Some(props)) = (on_message_v5, &props) {
            // SAFETY: a callback the application set for this handle, called with its arguments.
            unsafe { f(mosq, obj, message, props.as_ptr()) };
        }
        if let (Some((f, data)), Some(props)) = (on_message_data, &props) {
            // SAFETY: a callback the application set for this handle, called with its
            // arguments and the data pointer it gave with it.
            unsafe { f(mosq, obj, message, props.as_ptr(), data as *mut c_void) };
        }
    }
}

/// Calls the C callbacks of one handle for driver events.
pub(crate) struct Dispatch {
    mosq: *mut mosquitto,
    /// Messages held for `culex_message_batch_callback_set`'s callback, until another event
    /// or the end of the loop iteration.
    batch: std::sync::Mutex<Vec<crate::protocol::Publish>>,
}

// SAFETY: the handle outlives every loop thread (`mosquitto_destroy` stops the thread before it
// frees the handle), and everything the dispatcher touches in it is thread-safe.
unsafe impl Send for Dispatch {}

impl Dispatch {
    /// A dispatcher for the callbacks of `handle`.
    pub(crate) fn new(handle: &mosquitto) -> Dispatch {
        Dispatch {
            mosq: handle.as_ptr(),
            batch: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn handle(&self) -> &mosquitto {
        // SAFETY: see the Send impl: the handle is alive while a dispatcher exists.
        unsafe { &*self.mosq }
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Vec<crate::protocol::Publish>> {
        self.batch
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Hand the held messages to the batch callback in one call (no lock held during it).
    fn flush_batch(&self) {
        let publishes = std::mem::take(&mut *self.held());
        if publishes.is_empty() {
            return;
        }
        let h = self.handle();
        let Some(f) = h.callbacks(|c| c.more_ref().and_then(|m| m.on_message_batch)) else {
            // Unset by a callback while messages were held: they go the usual way, none lost.
            for publish in publishes {
                let targets = h.callbacks(|c| message_callbacks(c, &publish.topic));
                deliver_message(self.mosq, h.userdata(), targets.as_slice(), publish);
            }
            return;
        };
        let mut lists: Vec<LentList> = Vec::with_capacity(publishes.len());
        let mut lent: Vec<LentMessage> = Vec::with_capacity(publishes.len());
        for publish in publishes {
            lists.push(LentList::new(&publish.properties));
            lent.push(LentMessage::new(publish));
        }
        let messages: Vec<mosquitto_message> = lent.iter().map(LentMessage::lent_copy).collect();
        let props: Vec<*const mosquitto_property> = lists.iter().map(LentList::as_ptr).collect();
        let obj = h.userdata();
        // SAFETY: a callback the application set for this handle, called with its arguments:
        // `count` messages and as many property pointers, alive until it returns.
        unsafe {
            f(
                self.mosq,
                obj,
                messages.as_ptr(),
                props.as_ptr(),
                messages.len() as c_int,
            )
        };
    }
}

impl EventSink for Dispatch {
    fn deliver(&self, _client: &Client, event: ClientEvent) {
        let h = self.handle();
        h.flush_logs();
        let batching =
            || h.callbacks(|c| c.more_ref().is_some_and(|m| m.on_message_batch.is_some()));
        let event = match event {
            ClientEvent::Session(Event::Message(publish)) if batching() => {
                self.held().push(publish);
                return;
            }
            event @ ClientEvent::Session(Event::Message(_)) => event,
            event => {
                // The messages held for a batch come before any other event.
                self.flush_batch();
                event
            }
        };
        let (mosq, obj) = (self.mosq, h.userdata());
        // The calls below: C function pointers supplied by the application for this handle,
        // called with the handle, its user data and arguments valid for the call.
        match event {
            ClientEvent::Session(Event::ConnAck {
                reason_code,
                session_present,
                properties,
            }) => {
                let (on_connect, on_connect_with_flags, on_connect_v5) = h.callbacks(|c| {
                    let more = c.more_ref();
                    (
                        c.on_connect,
                        more.and_then(|m| m.on_connect_with_flags),
                        more.and_then(|m| m.on_connect_v5),
                    )
                });
                let rc = c_int::from(reason_code);
                let flags = c_int::from(session_present);
                if let Some(f) = on_connect {
                    // SAFETY: a callback the application set for this handle, called with its arguments.
                    unsafe { f(mosq, obj, rc) };
                }
                if let Some(f) = on_connect_with_flags {
                    // SAFETY: a callback the application set for this handle, called with its arguments.
                    unsafe { f(mosq, obj, rc, flags) };
                }
                if let Some(f) = on_connect_v5 {
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
                // Copied out under the lock; a callback may add or remove per-topic callbacks.
                let targets = h.callbacks(|c| message_callbacks(c, &publish.topic));
                let fns = targets.as_slice();
                if fns
                    .iter()
                    .any(|(v3, v5, data)| v3.is_some() || v5.is_some() || data.is_some())
                {
                    deliver_message(mosq, obj, fns, publish);
                }
            }
            ClientEvent::PreConnect => {
                let f = h.callbacks(|c| c.more_ref().and_then(|m| m.on_pre_connect));
                if let Some(f) = f {
                    // SAFETY: a callback the application set for this handle, called with its arguments.
                    unsafe { f(mosq, obj) };
                }
            }
            ClientEvent::ConnectFailed(error) => {
                let f = h.callbacks(|c| c.more_ref().and_then(|m| m.on_connect_fail));
                if let Some(f) = f {
                    let rc = error_code(&error);
                    // SAFETY: a callback the application set for this handle, called with its arguments.
                    unsafe { f(mosq, obj, rc) };
                }
            }
            ClientEvent::SocketOpen(fd)
            | ClientEvent::SocketClose(fd)
            | ClientEvent::SocketRegisterWrite(fd)
            | ClientEvent::SocketUnregisterWrite(fd) => {
                let f = h.callbacks(|c| {
                    let m = c.more_ref()?;
                    match event {
                        ClientEvent::SocketOpen(_) => m.on_socket_open,
                        ClientEvent::SocketClose(_) => m.on_socket_close,
                        ClientEvent::SocketRegisterWrite(_) => m.on_socket_register_write,
                        _ => m.on_socket_unregister_write,
                    }
                });
                if let Some(f) = f {
                    // SAFETY: a callback the application set for this handle, called with its arguments.
                    unsafe { f(mosq, obj, fd) };
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
                mid,
                reason_codes,
                properties,
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
                if let Some(f) = cb.on_unsubscribe_reasons {
                    let props = LentList::new(&properties);
                    let codes: Vec<c_int> = reason_codes.iter().map(|&c| c_int::from(c)).collect();
                    let count = codes.len() as c_int;
                    // SAFETY: a callback the application set for this handle, called with its arguments.
                    unsafe {
                        f(
                            mosq,
                            obj,
                            c_int::from(mid),
                            count,
                            codes.as_ptr(),
                            props.as_ptr(),
                        )
                    };
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

    fn holds_messages(&self) -> bool {
        self.handle()
            .callbacks(|c| c.more_ref().is_some_and(|m| m.on_message_batch.is_some()))
    }

    fn quiet(&self, _client: &Client) {
        self.flush_batch();
        self.handle().flush_logs();
    }

    fn scope(&self, body: &mut dyn FnMut()) {
        let _capture = capture::Capture::begin(&self.handle().wants_log);
        body();
    }
}
