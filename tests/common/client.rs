//! A thin, test-only wrapper over Culex's C API (called through the rlib): one [`Client`] owns a
//! `struct mosquitto *`, installs every callback, and records each call as an [`Ev`] in an
//! [`EventLog`] reached through the user-data pointer. An optional hook runs inside every callback
//! (with the handle), so tests can call the API re-entrantly.

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use culex::ffi::callbacks::*;
use culex::ffi::client::*;
use culex::ffi::handle::mosquitto;
use culex::ffi::library::mosquitto_lib_init;
use culex::ffi::loops::*;
use culex::ffi::message::mosquitto_message;

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
    hook: Mutex<Option<Hook>>,
    record_logs: AtomicBool,
}

impl Shared {
    fn record(&self, mosq: *mut mosquitto, ev: Ev) {
        let keep = !matches!(ev, Ev::Log(..)) || self.record_logs.load(Ordering::Relaxed);
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
            hook: Mutex::new(None),
            record_logs: AtomicBool::new(false),
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
