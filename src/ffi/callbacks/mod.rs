//! The C callbacks of a handle: their types, the table that holds them (`Callbacks`), the
//! setters ([`setters`]) and the dispatch of driver events to them ([`dispatch`]).

use std::os::raw::{c_char, c_int, c_void};

use crate::ffi::handle::mosquitto;
use crate::ffi::property::mosquitto_property;
use crate::ffi::util::message::mosquitto_message;

pub mod dispatch;
pub mod setters;

pub use setters::*;

/// `void (*)(struct mosquitto *, void *, int)`: connect (rc), disconnect (rc), publish and
/// unsubscribe (mid).
pub(crate) type IntCallback = unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int);
/// `on_connect` with the CONNACK flags.
pub(crate) type ConnectFlagsCallback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, c_int);
/// `on_message`.
pub(crate) type MessageCallback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, *const mosquitto_message);
/// `on_subscribe`: mid, count of granted QoS, granted QoS array.
pub(crate) type SubscribeCallback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, c_int, *const c_int);
/// `on_log`: level and NUL-terminated line.
pub(crate) type LogCallback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, *const c_char);

/// `on_connect` (MQTT 5): rc, CONNACK flags, CONNACK properties.
pub(crate) type ConnectV5Callback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, c_int, *const mosquitto_property);
/// `on_disconnect` (MQTT 5): rc and the broker's DISCONNECT properties.
pub(crate) type DisconnectV5Callback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, *const mosquitto_property);
/// `on_publish` (MQTT 5): mid, reason code, acknowledgement properties.
pub(crate) type PublishV5Callback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, c_int, *const mosquitto_property);
/// `on_message` (MQTT 5): the message and its PUBLISH properties.
pub(crate) type MessageV5Callback = unsafe extern "C" fn(
    *mut mosquitto,
    *mut c_void,
    *const mosquitto_message,
    *const mosquitto_property,
);
/// Culex: a per-filter message callback with its own data pointer
/// (`culex_message_callback_add_data`): the message, its properties and the pointer.
pub(crate) type MessageDataCallback = unsafe extern "C" fn(
    *mut mosquitto,
    *mut c_void,
    *const mosquitto_message,
    *const mosquitto_property,
    *mut c_void,
);
/// `on_subscribe` (MQTT 5): mid, count, granted QoS / reason codes, SUBACK properties.
pub(crate) type SubscribeV5Callback = unsafe extern "C" fn(
    *mut mosquitto,
    *mut c_void,
    c_int,
    c_int,
    *const c_int,
    *const mosquitto_property,
);
/// `on_unsubscribe` (MQTT 5): mid and UNSUBACK properties.
pub(crate) type UnsubscribeV5Callback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, *const mosquitto_property);
/// Culex: `void (*)(struct mosquitto *, void *)`: a connection attempt is about to start.
pub(crate) type PreConnectCallback = unsafe extern "C" fn(*mut mosquitto, *mut c_void);

/// A message callback for one subscription filter (`culex_message_callback_add(_v5, _data)`).
#[derive(Clone)]
pub(crate) struct TopicCallback {
    /// The filter as given (what `culex_message_callback_remove` names).
    pub filter: Box<str>,
    /// What topics are matched against: the filter without a `$share/<group>/` prefix.
    pub matched: Box<str>,
    pub on_message: Option<MessageCallback>,
    pub on_message_v5: Option<MessageV5Callback>,
    /// The form with a data pointer of the application's, kept as an address: the library
    /// never reads through it, only hands it back.
    pub on_message_data: Option<(MessageDataCallback, usize)>,
}

/// The callbacks of one handle, kept inline in it behind its mutex: the four that nearly every
/// client sets (connect, disconnect, publish, message) in place, the eleven others in one box
/// that exists only while at least one of them is set. Plain fields, read and written under the
/// lock; no C call is made while it is held.
///
/// Why not all fifteen in one `Box` allocated on the first set: the idle-connection benchmark
/// (`bench/README.md`) sets on_connect and on_disconnect, and a 120-byte box (a 128-byte malloc
/// chunk) per client would cost ~9 % of the idle memory per connection. Four inline slots make
/// the handle 72 bytes (an 80-byte chunk): what the handle and its packed table used to take
/// together for such a client.
#[derive(Default)]
pub(crate) struct Callbacks {
    pub on_connect: Option<IntCallback>,
    pub on_disconnect: Option<IntCallback>,
    pub on_publish: Option<IntCallback>,
    pub on_message: Option<MessageCallback>,
    more: Option<Box<MoreCallbacks>>,
}

/// The callbacks of [`Callbacks`] that live out of line.
#[derive(Clone, Default)]
pub(crate) struct MoreCallbacks {
    pub on_connect_with_flags: Option<ConnectFlagsCallback>,
    pub on_subscribe: Option<SubscribeCallback>,
    pub on_unsubscribe: Option<IntCallback>,
    pub on_log: Option<LogCallback>,
    pub on_connect_v5: Option<ConnectV5Callback>,
    pub on_disconnect_v5: Option<DisconnectV5Callback>,
    pub on_publish_v5: Option<PublishV5Callback>,
    pub on_message_v5: Option<MessageV5Callback>,
    pub on_subscribe_v5: Option<SubscribeV5Callback>,
    pub on_unsubscribe_v5: Option<UnsubscribeV5Callback>,
    /// Culex extension: UNSUBACK with its reason codes (`culex/subscribe.rs`).
    pub on_unsubscribe_reasons: crate::ffi::culex::culex_unsubscribe_v5_callback,
    /// Culex extension: received messages in batches (`culex/batch.rs`).
    pub on_message_batch: crate::ffi::culex::culex_message_batch_callback,
    /// Culex extension: MQTT 5 enhanced authentication (see `culex.h`).
    pub on_auth: crate::ffi::culex::culex_auth_callback,
    /// Culex extensions: the connection life cycle (`culex/lifecycle.rs`).
    pub on_pre_connect: Option<PreConnectCallback>,
    pub on_connect_fail: Option<IntCallback>,
    pub on_socket_open: Option<IntCallback>,
    pub on_socket_close: Option<IntCallback>,
    pub on_socket_register_write: Option<IntCallback>,
    pub on_socket_unregister_write: Option<IntCallback>,
    /// Culex extension: message callbacks per subscription filter (`culex/topics.rs`).
    pub topic_callbacks: Vec<TopicCallback>,
}

impl MoreCallbacks {
    /// Whether none is set.
    fn is_empty(&self) -> bool {
        self.on_connect_with_flags.is_none()
            && self.on_subscribe.is_none()
            && self.on_unsubscribe.is_none()
            && self.on_log.is_none()
            && self.on_connect_v5.is_none()
            && self.on_disconnect_v5.is_none()
            && self.on_publish_v5.is_none()
            && self.on_message_v5.is_none()
            && self.on_subscribe_v5.is_none()
            && self.on_unsubscribe_v5.is_none()
            && self.on_unsubscribe_reasons.is_none()
            && self.on_message_batch.is_none()
            && self.on_auth.is_none()
            && self.on_pre_connect.is_none()
            && self.on_connect_fail.is_none()
            && !self.watches_socket()
            && self.topic_callbacks.is_empty()
    }

    /// Whether a socket callback is set (the driver then produces socket events).
    pub(crate) fn watches_socket(&self) -> bool {
        self.on_socket_open.is_some()
            || self.on_socket_close.is_some()
            || self.on_socket_register_write.is_some()
            || self.on_socket_unregister_write.is_some()
    }
}

impl Callbacks {
    /// The out-of-line callbacks (all `None` while none is set).
    pub(crate) fn more(&self) -> MoreCallbacks {
        self.more.as_deref().cloned().unwrap_or_default()
    }

    /// The out-of-line callbacks, for reading one without copying them all.
    pub(crate) fn more_ref(&self) -> Option<&MoreCallbacks> {
        self.more.as_deref()
    }

    /// The out-of-line callbacks, to change them (allocated on first use; see [`Callbacks::tidy`]).
    pub(crate) fn more_mut(&mut self) -> &mut MoreCallbacks {
        self.more.get_or_insert_with(Box::default)
    }

    /// Free the out-of-line box once none of its callbacks is set any more.
    pub(crate) fn tidy(&mut self) {
        if self.more.as_deref().is_some_and(MoreCallbacks::is_empty) {
            self.more = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C" fn int_a(_: *mut mosquitto, _: *mut c_void, _: c_int) {}
    unsafe extern "C" fn int_b(_: *mut mosquitto, _: *mut c_void, _: c_int) {}
    unsafe extern "C" fn log(_: *mut mosquitto, _: *mut c_void, _: c_int, _: *const c_char) {}

    #[test]
    fn table_keeps_what_is_set_and_frees_the_box_when_empty() {
        let mut table = Callbacks::default();
        assert!(table.more_ref().is_none() && table.more().on_log.is_none());
        table.on_connect = Some(int_a);
        table.on_disconnect = Some(int_b);
        table.tidy();
        assert!(
            table.more_ref().is_none(),
            "no box for the inline callbacks"
        );
        assert_eq!(
            table.on_connect.map(|f| f as usize),
            Some(int_a as *const () as usize)
        );
        table.more_mut().on_log = Some(log);
        table.more_mut().on_unsubscribe = Some(int_b);
        table.tidy();
        assert_eq!(
            table.more().on_log.map(|f| f as usize),
            Some(log as *const () as usize)
        );
        assert!(table.more().on_auth.is_none() && table.on_message.is_none());
        table.more_mut().on_log = None;
        table.tidy();
        assert!(table.more_ref().is_some(), "on_unsubscribe is still set");
        table.more_mut().on_unsubscribe = None;
        table.tidy();
        assert!(
            table.more_ref().is_none(),
            "the box goes with the last callback in it"
        );
        assert!(table.on_disconnect.is_some());
    }

    #[test]
    fn handle_stays_within_its_malloc_chunk() {
        // 72 bytes: with malloc's 8-byte header, an 80-byte chunk (see `Callbacks`).
        assert!(std::mem::size_of::<mosquitto>() <= 72);
    }
}
