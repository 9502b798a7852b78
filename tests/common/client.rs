//! A thin, test-only wrapper over Culex's C API (called through the rlib): one [`Client`] owns a
//! `struct mosquitto *`, installs every callback, and records each call as an [`Ev`] in an
//! [`EventLog`] reached through the user-data pointer. An optional hook runs inside every callback
//! (with the handle), so tests can call the API re-entrantly.

// These tests drive the C API, where every call is unsafe by nature and its contract is the
// test's own; the crate's unsafe_op_in_unsafe_fn / undocumented_unsafe_blocks rules are for src/.
#![allow(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use culex::ffi::callbacks::*;
use culex::ffi::client::*;
use culex::ffi::handle::mosquitto;
use culex::ffi::util::mosquitto_lib_init;
use culex::ffi::util::mosquitto_message;

use super::events::EventLog;

pub const MOSQ_ERR_SUCCESS: i32 = 0;
pub const MOSQ_ERR_PROTOCOL: i32 = 2;
pub const MOSQ_ERR_INVAL: i32 = 3;
pub const MOSQ_ERR_NO_CONN: i32 = 4;
pub const MOSQ_ERR_CONN_REFUSED: i32 = 5;
pub const MOSQ_ERR_CONN_LOST: i32 = 7;
pub const MOSQ_ERR_KEEPALIVE: i32 = 19;
pub const MOSQ_ERR_MALFORMED_PACKET: i32 = 21;
pub const MOSQ_ERR_OVERSIZE_PACKET: i32 = 25;
pub const MOSQ_ERR_TIMEOUT: i32 = 27;

/// A received message, copied out of the callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Msg {
    pub mid: i32,
    pub topic: String,
    pub payload: Vec<u8>,
    pub qos: i32,
    pub retain: bool,
}

/// One callback invocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ev {
    Connect(i32),
    Disconnect(i32),
    Publish(i32),
    Message(Msg),
    Subscribe { mid: i32, granted: Vec<i32> },
    Unsubscribe(i32),
    Log(i32, String),
}

/// Runs inside every callback, after the event is recorded.
pub type Hook = Arc<dyn Fn(*mut mosquitto, &Ev) + Send + Sync>;

/// What the callbacks reach through the user-data pointer.
pub struct Shared {
    pub events: EventLog<Ev>,
    /// The `_v5` callbacks' events (installed by [`Client::new_v5`]).
    pub events5: EventLog<Ev5>,
    hook: Mutex<Option<Hook>>,
    record_logs: AtomicBool,
    /// Whether `on_message` calls are recorded (a flood need not be).
    record_messages: AtomicBool,
}

impl Shared {
    fn record(&self, mosq: *mut mosquitto, ev: Ev) {
        let keep = match ev {
            Ev::Log(..) => self.record_logs.load(Ordering::Relaxed),
            Ev::Message(_) => self.record_messages.load(Ordering::Relaxed),
            _ => true,
        };
        let hook = self.hook.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(hook) = hook {
            hook(mosq, &ev);
        }
        if keep {
            self.events.push(ev);
        }
    }
}

unsafe fn shared<'a>(obj: *mut c_void) -> &'a Shared {
    &*(obj as *const Shared)
}

unsafe extern "C" fn on_connect(mosq: *mut mosquitto, obj: *mut c_void, rc: c_int) {
    shared(obj).record(mosq, Ev::Connect(rc));
}

unsafe extern "C" fn on_disconnect(mosq: *mut mosquitto, obj: *mut c_void, rc: c_int) {
    shared(obj).record(mosq, Ev::Disconnect(rc));
}

unsafe extern "C" fn on_publish(mosq: *mut mosquitto, obj: *mut c_void, mid: c_int) {
    shared(obj).record(mosq, Ev::Publish(mid));
}

unsafe extern "C" fn on_unsubscribe(mosq: *mut mosquitto, obj: *mut c_void, mid: c_int) {
    shared(obj).record(mosq, Ev::Unsubscribe(mid));
}

unsafe extern "C" fn on_message(
    mosq: *mut mosquitto,
    obj: *mut c_void,
    msg: *const mosquitto_message,
) {
    let m = &*msg;
    let payload = if m.payload.is_null() || m.payloadlen <= 0 {
        Vec::new()
    } else {
        std::slice::from_raw_parts(m.payload as *const u8, m.payloadlen as usize).to_vec()
    };
    let topic = CStr::from_ptr(m.topic).to_string_lossy().into_owned();
    let msg = Msg {
        mid: m.mid,
        topic,
        payload,
        qos: m.qos,
        retain: m.retain,
    };
    shared(obj).record(mosq, Ev::Message(msg));
}

unsafe extern "C" fn on_subscribe(
    mosq: *mut mosquitto,
    obj: *mut c_void,
    mid: c_int,
    count: c_int,
    granted: *const c_int,
) {
    let granted = if granted.is_null() || count <= 0 {
        Vec::new()
    } else {
        std::slice::from_raw_parts(granted, count as usize).to_vec()
    };
    shared(obj).record(mosq, Ev::Subscribe { mid, granted });
}

unsafe extern "C" fn on_log(
    mosq: *mut mosquitto,
    obj: *mut c_void,
    level: c_int,
    s: *const c_char,
) {
    let line = CStr::from_ptr(s).to_string_lossy().into_owned();
    shared(obj).record(mosq, Ev::Log(level, line));
}

/// Install (or re-install) every recording callback on `mosq`; usable from inside callbacks.
///
/// # Safety
/// `mosq` must be a live handle whose user data is a [`Shared`].
pub unsafe fn install_callbacks(mosq: *mut mosquitto, with_log: bool) {
    mosquitto_connect_callback_set(mosq, Some(on_connect));
    mosquitto_disconnect_callback_set(mosq, Some(on_disconnect));
    mosquitto_publish_callback_set(mosq, Some(on_publish));
    mosquitto_message_callback_set(mosq, Some(on_message));
    mosquitto_subscribe_callback_set(mosq, Some(on_subscribe));
    mosquitto_unsubscribe_callback_set(mosq, Some(on_unsubscribe));
    if with_log {
        mosquitto_log_callback_set(mosq, Some(on_log));
    }
}

/// A client handle plus its recorded events. Dropping it calls `mosquitto_destroy`.
pub struct Client {
    pub mosq: *mut mosquitto,
    pub shared: Arc<Shared>,
}

// SAFETY: Culex's API may be called on one handle from any thread.
unsafe impl Send for Client {}
unsafe impl Sync for Client {}

fn cstr(s: &str) -> CString {
    CString::new(s).expect("no NUL in test strings")
}

/// A handle pointer that may cross threads (the API is thread-safe).
#[derive(Clone, Copy)]
pub struct Handle(pub *mut mosquitto);
// SAFETY: see `Client`.
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

impl Client {
    /// `mosquitto_new(id, clean_session, shared)` with every callback installed.
    pub fn new(id: Option<&str>, clean_session: bool) -> Client {
        static INIT: Once = Once::new();
        // SAFETY: library initialisation, called once.
        INIT.call_once(|| unsafe {
            mosquitto_lib_init();
        });
        let shared = Arc::new(Shared {
            events: EventLog::new(),
            events5: EventLog::new(),
            hook: Mutex::new(None),
            record_logs: AtomicBool::new(false),
            record_messages: AtomicBool::new(true),
        });
        let id = id.map(cstr);
        // SAFETY: valid C strings; the user data outlives the handle (destroyed first in Drop).
        let mosq = unsafe {
            mosquitto_new(
                id.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()),
                clean_session,
                Arc::as_ptr(&shared) as *mut c_void,
            )
        };
        assert!(!mosq.is_null(), "mosquitto_new failed");
        // SAFETY: live handle with a `Shared` as user data.
        unsafe { install_callbacks(mosq, false) };
        Client { mosq, shared }
    }

    pub fn handle(&self) -> Handle {
        Handle(self.mosq)
    }

    /// Also install `on_log`; `record` keeps the lines as events.
    /// Record `on_message` calls as events (the default) or only pass them to the hook.
    pub fn record_messages(&self, record: bool) {
        self.shared.record_messages.store(record, Ordering::Relaxed);
    }

    pub fn enable_log(&self, record: bool) {
        self.shared.record_logs.store(record, Ordering::Relaxed);
        // SAFETY: live handle.
        unsafe { mosquitto_log_callback_set(self.mosq, Some(on_log)) };
    }

    pub fn set_hook(&self, hook: Hook) {
        *self.shared.hook.lock().unwrap() = Some(hook);
    }

    pub fn events(&self) -> &EventLog<Ev> {
        &self.shared.events
    }

    pub fn connect(&self, port: u16, keepalive: i32) -> i32 {
        let host = cstr("127.0.0.1");
        // SAFETY: live handle, valid C string.
        unsafe { mosquitto_connect(self.mosq, host.as_ptr(), port as c_int, keepalive) }
    }

    pub fn connect_async(&self, port: u16, keepalive: i32) -> i32 {
        let host = cstr("127.0.0.1");
        // SAFETY: live handle, valid C string.
        unsafe { mosquitto_connect_async(self.mosq, host.as_ptr(), port as c_int, keepalive) }
    }

    pub fn disconnect(&self) -> i32 {
        // SAFETY: live handle.
        unsafe { mosquitto_disconnect(self.mosq) }
    }

    pub fn publish(&self, topic: &str, payload: &[u8], qos: i32, retain: bool) -> Result<i32, i32> {
        publish_raw(self.mosq, topic, payload, qos, retain)
    }

    pub fn subscribe(&self, filter: &str, qos: i32) -> Result<i32, i32> {
        subscribe_raw(self.mosq, filter, qos)
    }

    pub fn unsubscribe(&self, filter: &str) -> Result<i32, i32> {
        unsubscribe_raw(self.mosq, filter)
    }

    pub fn will_set(&self, topic: &str, payload: &[u8], qos: i32, retain: bool) -> i32 {
        let topic = cstr(topic);
        // SAFETY: live handle, valid pointers for the call.
        unsafe {
            mosquitto_will_set(
                self.mosq,
                topic.as_ptr(),
                payload.len() as c_int,
                payload.as_ptr() as *const c_void,
                qos,
                retain,
            )
        }
    }

    pub fn username_pw_set(&self, user: &str, pass: &str) -> i32 {
        let (u, p) = (cstr(user), cstr(pass));
        // SAFETY: live handle, valid C strings.
        unsafe { mosquitto_username_pw_set(self.mosq, u.as_ptr(), p.as_ptr()) }
    }

    pub fn reconnect_delay_set(&self, delay: u32, max: u32, exponential: bool) -> i32 {
        // SAFETY: live handle.
        unsafe { mosquitto_reconnect_delay_set(self.mosq, delay, max, exponential) }
    }

    pub fn max_inflight_set(&self, n: u32) -> i32 {
        // SAFETY: live handle.
        unsafe { mosquitto_max_inflight_messages_set(self.mosq, n) }
    }

    pub fn loop_start(&self) -> i32 {
        // SAFETY: live handle.
        unsafe { mosquitto_loop_start(self.mosq) }
    }

    pub fn loop_stop(&self, force: bool) -> i32 {
        // SAFETY: live handle.
        unsafe { mosquitto_loop_stop(self.mosq, force) }
    }

    /// One `mosquitto_loop` step.
    pub fn loop_once(&self, timeout_ms: i32) -> i32 {
        // SAFETY: live handle.
        unsafe { mosquitto_loop(self.mosq, timeout_ms, 1) }
    }

    pub fn socket(&self) -> i32 {
        // SAFETY: live handle.
        unsafe { mosquitto_socket(self.mosq) }
    }

    /// Run `mosquitto_loop` in this thread until `done` holds on the events or `timeout` passes.
    /// Returns whether `done` held; loop errors are recorded in `errors`.
    pub fn run_until(
        &self,
        timeout: Duration,
        errors: &mut Vec<i32>,
        mut done: impl FnMut(&[Ev]) -> bool,
    ) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if self.shared.events.wait_until(Duration::ZERO, &mut done) {
                return true;
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            let rc = self.loop_once(50);
            if rc != MOSQ_ERR_SUCCESS {
                errors.push(rc);
                if rc == MOSQ_ERR_NO_CONN {
                    // Nothing more will happen on this connection.
                    return self.shared.events.wait_until(Duration::ZERO, &mut done);
                }
            }
        }
    }

    /// Wait for the first `on_connect` and return its rc (None on timeout).
    pub fn wait_connect(&self, timeout: Duration) -> Option<i32> {
        match self
            .events()
            .wait_for(timeout, |e| matches!(e, Ev::Connect(_)))?
        {
            Ev::Connect(rc) => Some(rc),
            _ => None,
        }
    }

    /// Wait for the `on_subscribe` of `mid` and return the granted QoS list.
    pub fn wait_suback(&self, mid: i32, timeout: Duration) -> Option<Vec<i32>> {
        match self.events().wait_for(
            timeout,
            |e| matches!(e, Ev::Subscribe { mid: m, .. } if *m == mid),
        )? {
            Ev::Subscribe { granted, .. } => Some(granted),
            _ => None,
        }
    }

    /// Wait for the `on_publish` of `mid`; whether it came.
    pub fn wait_publish(&self, mid: i32, timeout: Duration) -> bool {
        self.events()
            .wait_for(timeout, |e| *e == Ev::Publish(mid))
            .is_some()
    }

    /// Wait for the first received message (since the client was created) that `pred` accepts.
    pub fn wait_message(
        &self,
        timeout: Duration,
        mut pred: impl FnMut(&Msg) -> bool,
    ) -> Option<Msg> {
        match self
            .events()
            .wait_for(timeout, |e| matches!(e, Ev::Message(m) if pred(m)))?
        {
            Ev::Message(m) => Some(m),
            _ => None,
        }
    }

    /// Wait for the first `on_disconnect` and return its rc.
    pub fn wait_disconnect(&self, timeout: Duration) -> Option<i32> {
        match self
            .events()
            .wait_for(timeout, |e| matches!(e, Ev::Disconnect(_)))?
        {
            Ev::Disconnect(rc) => Some(rc),
            _ => None,
        }
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<Msg> {
        messages(&self.events().snapshot())
    }

    /// Give up on this client without destroying it (used when a test already failed because a
    /// loop thread is stuck: destroying would hang the test instead of failing it).
    pub fn leak(self) {
        std::mem::forget(self);
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // SAFETY: the handle is live and nobody uses it after this.
        unsafe { mosquitto_destroy(self.mosq) };
    }
}

/// The messages among `events`.
pub fn messages(events: &[Ev]) -> Vec<Msg> {
    events
        .iter()
        .filter_map(|e| match e {
            Ev::Message(m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

/// `mosquitto_publish` on a raw handle (for hooks).
pub fn publish_raw(
    mosq: *mut mosquitto,
    topic: &str,
    payload: &[u8],
    qos: i32,
    retain: bool,
) -> Result<i32, i32> {
    let topic = cstr(topic);
    let mut mid: c_int = 0;
    // SAFETY: the caller's handle is live; pointers are valid for the call.
    let rc = unsafe {
        mosquitto_publish(
            mosq,
            &mut mid,
            topic.as_ptr(),
            payload.len() as c_int,
            payload.as_ptr() as *const c_void,
            qos,
            retain,
        )
    };
    if rc == MOSQ_ERR_SUCCESS {
        Ok(mid)
    } else {
        Err(rc)
    }
}

/// `mosquitto_subscribe` on a raw handle.
pub fn subscribe_raw(mosq: *mut mosquitto, filter: &str, qos: i32) -> Result<i32, i32> {
    let filter = cstr(filter);
    let mut mid: c_int = 0;
    // SAFETY: as above.
    let rc = unsafe { mosquitto_subscribe(mosq, &mut mid, filter.as_ptr(), qos) };
    if rc == MOSQ_ERR_SUCCESS {
        Ok(mid)
    } else {
        Err(rc)
    }
}

/// `mosquitto_unsubscribe` on a raw handle.
pub fn unsubscribe_raw(mosq: *mut mosquitto, filter: &str) -> Result<i32, i32> {
    let filter = cstr(filter);
    let mut mid: c_int = 0;
    // SAFETY: as above.
    let rc = unsafe { mosquitto_unsubscribe(mosq, &mut mid, filter.as_ptr()) };
    if rc == MOSQ_ERR_SUCCESS {
        Ok(mid)
    } else {
        Err(rc)
    }
}

// ---------------------------------------------------------------------------------------------
// MQTT 5: the `_v5` callbacks and commands, with property lists copied out of the callbacks.
// ---------------------------------------------------------------------------------------------

use culex::ffi::client::{mosq_opt_t, mosquitto_int_option};
use culex::ffi::property::*;

/// One property value, copied out of a library-owned list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PropValue {
    Byte(u8),
    Int16(u16),
    Int32(u32),
    Varint(u32),
    Binary(Vec<u8>),
    Str(String),
    Pair(String, String),
    /// The `mosquitto_property_read_*` call for the node's type did not return the node.
    Unreadable,
}

/// One property: its identifier (`MQTT_PROP_*`) and value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prop {
    pub id: i32,
    pub value: PropValue,
}

/// A property list copied out of a callback, in list order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Props(pub Vec<Prop>);

impl Props {
    /// The first value of property `id`.
    pub fn get(&self, id: i32) -> Option<&PropValue> {
        self.0.iter().find(|p| p.id == id).map(|p| &p.value)
    }

    /// Every value of property `id`, in order.
    pub fn all(&self, id: i32) -> Vec<&PropValue> {
        self.0
            .iter()
            .filter(|p| p.id == id)
            .map(|p| &p.value)
            .collect()
    }

    /// The user properties, in order.
    pub fn user(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .filter_map(|p| match &p.value {
                PropValue::Pair(k, v) => Some((k.clone(), v.clone())),
                _ => None,
            })
            .collect()
    }

    /// The value of a byte, two-byte, four-byte or variable integer property `id`.
    pub fn int(&self, id: i32) -> Option<u32> {
        match self.get(id)? {
            PropValue::Byte(v) => Some(u32::from(*v)),
            PropValue::Int16(v) => Some(u32::from(*v)),
            PropValue::Int32(v) | PropValue::Varint(v) => Some(*v),
            _ => None,
        }
    }

    /// The value of a string property `id`.
    pub fn string(&self, id: i32) -> Option<&str> {
        match self.get(id)? {
            PropValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value of a binary property `id`.
    pub fn binary(&self, id: i32) -> Option<&[u8]> {
        match self.get(id)? {
            PropValue::Binary(b) => Some(b),
            _ => None,
        }
    }
}

/// A received MQTT 5 message: the message, its properties read by walking the list with
/// `mosquitto_property_next`, and its user properties read the libmosquitto way (the
/// `mosquitto_property_read_string_pair` skip-first loop).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Msg5 {
    pub msg: Msg,
    pub props: Props,
    pub user_skip_first: Vec<(String, String)>,
}

/// One `_v5` callback invocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ev5 {
    Connect {
        rc: i32,
        flags: i32,
        props: Props,
    },
    Disconnect {
        rc: i32,
        props: Props,
    },
    Publish {
        mid: i32,
        rc: i32,
        props: Props,
    },
    Message(Msg5),
    Subscribe {
        mid: i32,
        granted: Vec<i32>,
        props: Props,
    },
    Unsubscribe {
        mid: i32,
        props: Props,
    },
}

/// The events of the `_v5` callbacks.
fn v5_log(shared: &Shared) -> &EventLog<Ev5> {
    &shared.events5
}

unsafe fn copy_message(m: *const mosquitto_message) -> Msg {
    let m = &*m;
    let payload = if m.payload.is_null() || m.payloadlen <= 0 {
        Vec::new()
    } else {
        std::slice::from_raw_parts(m.payload as *const u8, m.payloadlen as usize).to_vec()
    };
    Msg {
        mid: m.mid,
        topic: CStr::from_ptr(m.topic).to_string_lossy().into_owned(),
        payload,
        qos: m.qos,
        retain: m.retain,
    }
}

unsafe extern "C" fn on_connect_v5(
    _mosq: *mut mosquitto,
    obj: *mut c_void,
    rc: c_int,
    flags: c_int,
    props: *const mosquitto_property,
) {
    let props = decode_props(props);
    v5_log(shared(obj)).push(Ev5::Connect { rc, flags, props });
}

unsafe extern "C" fn on_disconnect_v5(
    _mosq: *mut mosquitto,
    obj: *mut c_void,
    rc: c_int,
    props: *const mosquitto_property,
) {
    let props = decode_props(props);
    v5_log(shared(obj)).push(Ev5::Disconnect { rc, props });
}

unsafe extern "C" fn on_publish_v5(
    _mosq: *mut mosquitto,
    obj: *mut c_void,
    mid: c_int,
    rc: c_int,
    props: *const mosquitto_property,
) {
    let props = decode_props(props);
    v5_log(shared(obj)).push(Ev5::Publish { mid, rc, props });
}

unsafe extern "C" fn on_message_v5(
    _mosq: *mut mosquitto,
    obj: *mut c_void,
    msg: *const mosquitto_message,
    props: *const mosquitto_property,
) {
    let msg = copy_message(msg);
    let user_skip_first = user_properties_skip_first(props);
    let props = decode_props(props);
    v5_log(shared(obj)).push(Ev5::Message(Msg5 {
        msg,
        props,
        user_skip_first,
    }));
}

unsafe extern "C" fn on_subscribe_v5(
    _mosq: *mut mosquitto,
    obj: *mut c_void,
    mid: c_int,
    count: c_int,
    granted: *const c_int,
    props: *const mosquitto_property,
) {
    let granted = if granted.is_null() || count <= 0 {
        Vec::new()
    } else {
        std::slice::from_raw_parts(granted, count as usize).to_vec()
    };
    let props = decode_props(props);
    v5_log(shared(obj)).push(Ev5::Subscribe {
        mid,
        granted,
        props,
    });
}

unsafe extern "C" fn on_unsubscribe_v5(
    _mosq: *mut mosquitto,
    obj: *mut c_void,
    mid: c_int,
    props: *const mosquitto_property,
) {
    let props = decode_props(props);
    v5_log(shared(obj)).push(Ev5::Unsubscribe { mid, props });
}

/// Install every recording `_v5` callback on `mosq` (the 3.x ones stay installed: libmosquitto
/// calls both kinds).
///
/// # Safety
/// `mosq` must be a live handle whose user data is a [`Shared`].
pub unsafe fn install_callbacks_v5(mosq: *mut mosquitto) {
    mosquitto_connect_v5_callback_set(mosq, Some(on_connect_v5));
    mosquitto_disconnect_v5_callback_set(mosq, Some(on_disconnect_v5));
    mosquitto_publish_v5_callback_set(mosq, Some(on_publish_v5));
    mosquitto_message_v5_callback_set(mosq, Some(on_message_v5));
    mosquitto_subscribe_v5_callback_set(mosq, Some(on_subscribe_v5));
    mosquitto_unsubscribe_v5_callback_set(mosq, Some(on_unsubscribe_v5));
}

/// `c` as a C string, or NULL.
fn opt_cstr(c: &Option<CString>) -> *const c_char {
    c.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}

impl Client {
    /// `mosquitto_new` with `MOSQ_OPT_PROTOCOL_VERSION` set to `version` (`MQTT_PROTOCOL_*`).
    pub fn with_protocol(id: Option<&str>, clean_session: bool, version: i32) -> Client {
        let c = Client::new(id, clean_session);
        assert_eq!(
            c.int_option(mosq_opt_t::MOSQ_OPT_PROTOCOL_VERSION, version),
            0
        );
        c
    }

    /// An MQTT 5 client: protocol version 5 and every `_v5` callback recorded as an [`Ev5`]
    /// (in addition to the 3.x callbacks' [`Ev`]s).
    pub fn new_v5(id: Option<&str>, clean_start: bool) -> Client {
        let c = Client::with_protocol(id, clean_start, 5);
        // SAFETY: live handle with a `Shared` as user data.
        unsafe { install_callbacks_v5(c.mosq) };
        c
    }

    /// `mosquitto_int_option`.
    pub fn int_option(&self, option: mosq_opt_t, value: i32) -> i32 {
        // SAFETY: live handle.
        unsafe { mosquitto_int_option(self.mosq, option as c_int, value) }
    }

    /// The `_v5` callback events.
    pub fn events5(&self) -> &EventLog<Ev5> {
        v5_log(&self.shared)
    }

    /// `mosquitto_connect_bind_v5` to 127.0.0.1 with CONNECT properties (may be NULL).
    pub fn connect_v5(&self, port: u16, keepalive: i32, props: *const mosquitto_property) -> i32 {
        let host = cstr("127.0.0.1");
        // SAFETY: live handle, valid C string, the list is NULL or the caller's live list.
        unsafe {
            mosquitto_connect_bind_v5(
                self.mosq,
                host.as_ptr(),
                port as c_int,
                keepalive,
                std::ptr::null(),
                props,
            )
        }
    }

    /// `mosquitto_publish_v5`.
    pub fn publish_v5(
        &self,
        topic: &str,
        payload: &[u8],
        qos: i32,
        retain: bool,
        props: *const mosquitto_property,
    ) -> Result<i32, i32> {
        let topic = if topic.is_empty() {
            None
        } else {
            Some(cstr(topic))
        };
        let mut mid: c_int = 0;
        // SAFETY: live handle; pointers valid for the call.
        let rc = unsafe {
            mosquitto_publish_v5(
                self.mosq,
                &mut mid,
                opt_cstr(&topic),
                payload.len() as c_int,
                payload.as_ptr() as *const c_void,
                qos,
                retain,
                props,
            )
        };
        if rc == MOSQ_ERR_SUCCESS {
            Ok(mid)
        } else {
            Err(rc)
        }
    }

    /// `mosquitto_subscribe_v5` with subscription `options` (`MQTT_SUB_OPT_*` bits).
    pub fn subscribe_v5(
        &self,
        filter: &str,
        qos: i32,
        options: i32,
        props: *const mosquitto_property,
    ) -> Result<i32, i32> {
        let filter = cstr(filter);
        let mut mid: c_int = 0;
        // SAFETY: live handle; pointers valid for the call.
        let rc = unsafe {
            mosquitto_subscribe_v5(self.mosq, &mut mid, filter.as_ptr(), qos, options, props)
        };
        if rc == MOSQ_ERR_SUCCESS {
            Ok(mid)
        } else {
            Err(rc)
        }
    }

    /// `mosquitto_unsubscribe_v5`.
    pub fn unsubscribe_v5(
        &self,
        filter: &str,
        props: *const mosquitto_property,
    ) -> Result<i32, i32> {
        let filter = cstr(filter);
        let mut mid: c_int = 0;
        // SAFETY: live handle; pointers valid for the call.
        let rc = unsafe { mosquitto_unsubscribe_v5(self.mosq, &mut mid, filter.as_ptr(), props) };
        if rc == MOSQ_ERR_SUCCESS {
            Ok(mid)
        } else {
            Err(rc)
        }
    }

    /// `mosquitto_disconnect_v5`.
    pub fn disconnect_v5(&self, reason: i32, props: *const mosquitto_property) -> i32 {
        // SAFETY: live handle; the list is NULL or the caller's.
        unsafe { mosquitto_disconnect_v5(self.mosq, reason, props) }
    }

    /// `mosquitto_will_set_v5`; on success the library owns `props` (pass a list's `into_raw`).
    pub fn will_set_v5(
        &self,
        topic: &str,
        payload: &[u8],
        qos: i32,
        retain: bool,
        props: *mut mosquitto_property,
    ) -> i32 {
        let topic = cstr(topic);
        // SAFETY: live handle; pointers valid for the call.
        unsafe {
            mosquitto_will_set_v5(
                self.mosq,
                topic.as_ptr(),
                payload.len() as c_int,
                payload.as_ptr() as *const c_void,
                qos,
                retain,
                props,
            )
        }
    }

    /// Wait for the first `on_connect_v5`: (rc, flags, CONNACK properties).
    pub fn wait_connect_v5(&self, timeout: Duration) -> Option<(i32, i32, Props)> {
        match self
            .events5()
            .wait_for(timeout, |e| matches!(e, Ev5::Connect { .. }))?
        {
            Ev5::Connect { rc, flags, props } => Some((rc, flags, props)),
            _ => None,
        }
    }

    /// Wait for the first `on_disconnect_v5`: (rc, DISCONNECT properties).
    pub fn wait_disconnect_v5(&self, timeout: Duration) -> Option<(i32, Props)> {
        match self
            .events5()
            .wait_for(timeout, |e| matches!(e, Ev5::Disconnect { .. }))?
        {
            Ev5::Disconnect { rc, props } => Some((rc, props)),
            _ => None,
        }
    }

    /// Wait for the `on_subscribe_v5` of `mid`: granted QoS / reason codes.
    pub fn wait_suback_v5(&self, mid: i32, timeout: Duration) -> Option<Vec<i32>> {
        match self.events5().wait_for(
            timeout,
            |e| matches!(e, Ev5::Subscribe { mid: m, .. } if *m == mid),
        )? {
            Ev5::Subscribe { granted, .. } => Some(granted),
            _ => None,
        }
    }

    /// Wait for the `on_publish_v5` of `mid`: (reason code, properties).
    pub fn wait_publish_v5(&self, mid: i32, timeout: Duration) -> Option<(i32, Props)> {
        match self.events5().wait_for(
            timeout,
            |e| matches!(e, Ev5::Publish { mid: m, .. } if *m == mid),
        )? {
            Ev5::Publish { rc, props, .. } => Some((rc, props)),
            _ => None,
        }
    }

    /// Wait for the first message received through `on_message_v5` that `pred` accepts.
    pub fn wait_message_v5(
        &self,
        timeout: Duration,
        mut pred: impl FnMut(&Msg5) -> bool,
    ) -> Option<Msg5> {
        match self
            .events5()
            .wait_for(timeout, |e| matches!(e, Ev5::Message(m) if pred(m)))?
        {
            Ev5::Message(m) => Some(m),
            _ => None,
        }
    }

    /// Every message received through `on_message_v5` so far.
    pub fn messages_v5(&self) -> Vec<Msg5> {
        messages_v5(&self.events5().snapshot())
    }
}

/// The messages among `events`.
pub fn messages_v5(events: &[Ev5]) -> Vec<Msg5> {
    events
        .iter()
        .filter_map(|e| match e {
            Ev5::Message(m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

/// Copy a library-owned list by walking it with `mosquitto_property_next` and reading each node
/// with the `mosquitto_property_read_*` function of its type (skip_first false: the node itself).
unsafe fn decode_props(list: *const mosquitto_property) -> Props {
    let mut out = Vec::new();
    let mut node = list;
    while !node.is_null() {
        let id = mosquitto_property_identifier(node);
        // Whether the read found this very node (a panic here would abort: no assert).
        let (ok, value) = match id {
            // Byte properties.
            1 | 23 | 25 | 36 | 37 | 40 | 41 | 42 => {
                let mut v = 0u8;
                let found = mosquitto_property_read_byte(node, id, &mut v, false);
                (found == node, PropValue::Byte(v))
            }
            // Two-byte integers.
            19 | 33 | 34 | 35 => {
                let mut v = 0u16;
                let found = mosquitto_property_read_int16(node, id, &mut v, false);
                (found == node, PropValue::Int16(v))
            }
            // Four-byte integers.
            2 | 17 | 24 | 39 => {
                let mut v = 0u32;
                let found = mosquitto_property_read_int32(node, id, &mut v, false);
                (found == node, PropValue::Int32(v))
            }
            11 => {
                let mut v = 0u32;
                let found = mosquitto_property_read_varint(node, id, &mut v, false);
                (found == node, PropValue::Varint(v))
            }
            9 | 22 => {
                let mut v: *mut c_void = std::ptr::null_mut();
                let mut len = 0u16;
                let found = mosquitto_property_read_binary(node, id, &mut v, &mut len, false);
                let bytes = if v.is_null() {
                    Vec::new()
                } else {
                    std::slice::from_raw_parts(v as *const u8, usize::from(len)).to_vec()
                };
                libc::free(v);
                (found == node, PropValue::Binary(bytes))
            }
            38 => {
                let (mut k, mut v): (*mut c_char, *mut c_char) =
                    (std::ptr::null_mut(), std::ptr::null_mut());
                let found = mosquitto_property_read_string_pair(node, id, &mut k, &mut v, false);
                (
                    found == node,
                    PropValue::Pair(take_c_string(k), take_c_string(v)),
                )
            }
            // Strings: content type, response topic, assigned client id, authentication method,
            // response information, server reference, reason string.
            _ => {
                let mut v: *mut c_char = std::ptr::null_mut();
                let found = mosquitto_property_read_string(node, id, &mut v, false);
                // Properties of other types (or unknown ones) are not found as strings.
                (found == node, PropValue::Str(take_c_string(v)))
            }
        };
        let value = if ok { value } else { PropValue::Unreadable };
        out.push(Prop { id, value });
        node = mosquitto_property_next(node);
    }
    Props(out)
}

/// A `malloc`ed C string handed out by a `_read_*` function, copied and freed.
unsafe fn take_c_string(s: *mut c_char) -> String {
    if s.is_null() {
        return String::new();
    }
    let out = CStr::from_ptr(s).to_string_lossy().into_owned();
    libc::free(s as *mut c_void);
    out
}

/// The user properties of `list` read as libmosquitto's documentation shows: the first with
/// skip_first false, each next one from the previous node with skip_first true.
unsafe fn user_properties_skip_first(list: *const mosquitto_property) -> Vec<(String, String)> {
    const USER_PROPERTY: c_int = 38;
    let mut out = Vec::new();
    let (mut k, mut v): (*mut c_char, *mut c_char) = (std::ptr::null_mut(), std::ptr::null_mut());
    let mut node = mosquitto_property_read_string_pair(list, USER_PROPERTY, &mut k, &mut v, false);
    while !node.is_null() {
        out.push((take_c_string(k), take_c_string(v)));
        k = std::ptr::null_mut();
        v = std::ptr::null_mut();
        node = mosquitto_property_read_string_pair(node, USER_PROPERTY, &mut k, &mut v, true);
    }
    out
}

/// A property list the test builds with `mosquitto_property_add_*` (freed on drop with
/// `mosquitto_property_free_all`). Each adder panics if the library refuses the property.
pub struct PropList(*mut mosquitto_property);

// SAFETY: the list is plain heap data; the tests hand it to the API from one thread at a time.
unsafe impl Send for PropList {}

impl Default for PropList {
    fn default() -> Self {
        PropList::new()
    }
}

impl PropList {
    pub fn new() -> PropList {
        PropList(std::ptr::null_mut())
    }

    fn check(rc: c_int, what: &str) {
        assert_eq!(rc, MOSQ_ERR_SUCCESS, "mosquitto_property_add_{what}");
    }

    pub fn byte(mut self, id: i32, value: u8) -> Self {
        // SAFETY: `self.0` is NULL or a list built by the library.
        Self::check(
            unsafe { mosquitto_property_add_byte(&mut self.0, id, value) },
            "byte",
        );
        self
    }

    pub fn int16(mut self, id: i32, value: u16) -> Self {
        // SAFETY: as above.
        Self::check(
            unsafe { mosquitto_property_add_int16(&mut self.0, id, value) },
            "int16",
        );
        self
    }

    pub fn int32(mut self, id: i32, value: u32) -> Self {
        // SAFETY: as above.
        Self::check(
            unsafe { mosquitto_property_add_int32(&mut self.0, id, value) },
            "int32",
        );
        self
    }

    pub fn varint(mut self, id: i32, value: u32) -> Self {
        // SAFETY: as above.
        Self::check(
            unsafe { mosquitto_property_add_varint(&mut self.0, id, value) },
            "varint",
        );
        self
    }

    pub fn binary(mut self, id: i32, value: &[u8]) -> Self {
        let len = u16::try_from(value.len()).expect("binary property fits in 64 KiB");
        // SAFETY: as above; the value is valid for the call.
        Self::check(
            unsafe {
                mosquitto_property_add_binary(&mut self.0, id, value.as_ptr() as *const c_void, len)
            },
            "binary",
        );
        self
    }

    pub fn string(mut self, id: i32, value: &str) -> Self {
        let value = cstr(value);
        // SAFETY: as above.
        Self::check(
            unsafe { mosquitto_property_add_string(&mut self.0, id, value.as_ptr()) },
            "string",
        );
        self
    }

    /// A user property (`MQTT_PROP_USER_PROPERTY`).
    pub fn user(mut self, name: &str, value: &str) -> Self {
        let (name, value) = (cstr(name), cstr(value));
        // SAFETY: as above.
        Self::check(
            unsafe {
                mosquitto_property_add_string_pair(&mut self.0, 38, name.as_ptr(), value.as_ptr())
            },
            "string_pair",
        );
        self
    }

    /// The list, for a call that only borrows it.
    pub fn as_ptr(&self) -> *const mosquitto_property {
        self.0
    }

    /// Give the list away (to `mosquitto_will_set_v5`, which frees it on success).
    pub fn into_raw(self) -> *mut mosquitto_property {
        let list = self.0;
        std::mem::forget(self);
        list
    }
}

impl Drop for PropList {
    fn drop(&mut self) {
        // SAFETY: a list built by the library, freed once.
        unsafe { mosquitto_property_free_all(&mut self.0) };
    }
}
