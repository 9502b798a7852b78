//! `struct mosquitto_message` and its helpers: `mosquitto_message_copy`, `mosquitto_message_free`,
//! `mosquitto_message_free_contents`, plus [`OwnedMessage`], the library-owned message the client
//! layer hands to `on_message` callbacks.
//!
//! Owns the memory rules of messages: the struct, its topic and its payload always come from the C
//! allocator (`malloc`), because C programs free them with `free()` or `mosquitto_message_free`. A
//! payload carries one extra NUL byte after `payloadlen` so it can be read as a C string. This
//! module must never free memory it cannot prove came from `malloc` by these rules.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};
use std::ptr::{self, NonNull};

use crate::error::Error;
use crate::ffi::boundary::alloc::malloc_with_nul;
use crate::ffi::boundary::errors::{
    MOSQ_ERR_INVAL, MOSQ_ERR_NOMEM, MOSQ_ERR_SUCCESS, MOSQ_ERR_UNKNOWN,
};

/// A received or copied application message. Layout identical to libmosquitto's.
#[repr(C)]
#[derive(Debug)]
pub struct mosquitto_message {
    /// Message (packet) identifier; 0 for QoS 0.
    pub mid: c_int,
    /// NUL-terminated topic name, allocated with `malloc`.
    pub topic: *mut c_char,
    /// Payload bytes, allocated with `malloc` with one NUL byte after the end; NULL when empty.
    pub payload: *mut c_void,
    /// Number of payload bytes (not counting the trailing NUL).
    pub payloadlen: c_int,
    /// Quality of service: 0, 1 or 2.
    pub qos: c_int,
    /// Whether the message was a retained message.
    pub retain: bool,
}

/// A received (or resumed) message lent to the application's callbacks: the
/// `mosquitto_message` and the buffers it points into, a NUL-terminated topic and the payload
/// with a NUL after it (as libmosquitto's payloads have one), valid while this lives.
pub(crate) struct LentMessage {
    message: mosquitto_message,
    // Where `message` points; moving a Vec keeps its heap buffer where it is.
    _topic: Vec<u8>,
    _payload: Vec<u8>,
}

impl LentMessage {
    /// The message of `publish` (its properties are lent separately).
    pub(crate) fn new(publish: crate::protocol::Publish) -> LentMessage {
        let mut topic = publish.topic.into_bytes();
        topic.push(0);
        let mut payload = publish.payload;
        let payloadlen = payload.len() as c_int;
        let payload_ptr = if payload.is_empty() {
            ptr::null_mut()
        } else {
            // The codec leaves room for this NUL.
            payload.push(0);
            payload.as_mut_ptr() as *mut c_void
        };
        LentMessage {
            message: mosquitto_message {
                mid: c_int::from(publish.packet_id),
                topic: topic.as_mut_ptr() as *mut c_char,
                payload: payload_ptr,
                payloadlen,
                qos: c_int::from(publish.qos.as_u8()),
                retain: publish.retain,
            },
            _topic: topic,
            _payload: payload,
        }
    }

    /// The message to pass to C, valid while `self` lives.
    pub(crate) fn as_ptr(&self) -> *const mosquitto_message {
        &self.message
    }

    /// A copy of the message struct (for an array of them), pointing into `self`'s buffers.
    pub(crate) fn lent_copy(&self) -> mosquitto_message {
        let m = &self.message;
        mosquitto_message {
            mid: m.mid,
            topic: m.topic,
            payload: m.payload,
            payloadlen: m.payloadlen,
            qos: m.qos,
            retain: m.retain,
        }
    }
}

/// Allocate the topic and payload of a message and store them, with the other fields, in `dst`.
/// Whatever `dst` pointed to before is overwritten, not freed. On failure `dst` is unchanged.
fn fill_message(
    dst: &mut mosquitto_message,
    mid: c_int,
    topic: &[u8],
    payload: &[u8],
    qos: c_int,
    retain: bool,
) -> Result<(), Error> {
    let payloadlen = c_int::try_from(payload.len()).map_err(|_| Error::PayloadSize)?;
    let topic_copy = malloc_with_nul(topic);
    if topic_copy.is_null() {
        return Err(Error::NoMem);
    }
    let payload_copy = if payload.is_empty() {
        ptr::null_mut()
    } else {
        let copy = malloc_with_nul(payload);
        if copy.is_null() {
            // SAFETY: `topic_copy` came from malloc above and is not referenced anywhere else.
            unsafe { libc::free(topic_copy as *mut c_void) };
            return Err(Error::NoMem);
        }
        copy
    };
    *dst = mosquitto_message {
        mid,
        topic: topic_copy as *mut c_char,
        payload: payload_copy as *mut c_void,
        payloadlen,
        qos,
        retain,
    };
    Ok(())
}

/// Free the topic and payload of `message` and set both pointers to NULL.
///
/// # Safety
/// `message.topic` and `message.payload` must each be NULL or a live `malloc` allocation that
/// nothing else will free.
unsafe fn free_contents(message: &mut mosquitto_message) {
    // SAFETY: guaranteed by the caller; free(NULL) does nothing.
    unsafe {
        libc::free(message.topic as *mut c_void);
        libc::free(message.payload);
    }
    message.topic = ptr::null_mut();
    message.payload = ptr::null_mut();
}

/// A `malloc`-allocated [`mosquitto_message`] (struct, topic and payload) owned by Rust.
///
/// The client layer builds one per received PUBLISH, passes [`OwnedMessage::as_ptr`] to the
/// user's `on_message` callback (which may only read it, or copy it with
/// `mosquitto_message_copy`), and drops it after the callback returns, which frees everything.
/// [`OwnedMessage::into_raw`] hands ownership to C instead (freed with `mosquitto_message_free`).
#[derive(Debug)]
pub struct OwnedMessage {
    ptr: NonNull<mosquitto_message>,
}

// SAFETY: the message and the buffers it points to are owned exclusively by this value; nothing
// about them is tied to the thread that allocated them.
unsafe impl Send for OwnedMessage {}

impl OwnedMessage {
    /// Build a message from the parts of a received PUBLISH.
    ///
    /// `topic` should not contain NUL (the codec never yields one); C readers would see it cut at
    /// the first NUL. Fails with [`Error::NoMem`] when `malloc` fails and [`Error::PayloadSize`]
    /// when the payload is longer than a C `int` can count.
    pub fn new(
        mid: u16,
        topic: &str,
        payload: &[u8],
        qos: u8,
        retain: bool,
    ) -> Result<OwnedMessage, Error> {
        // SAFETY: malloc may be called with any size; the result is checked for NULL.
        let raw = unsafe { libc::malloc(std::mem::size_of::<mosquitto_message>()) }
            as *mut mosquitto_message;
        let ptr = NonNull::new(raw).ok_or(Error::NoMem)?;
        let mut message = mosquitto_message {
            mid: 0,
            topic: ptr::null_mut(),
            payload: ptr::null_mut(),
            payloadlen: 0,
            qos: 0,
            retain: false,
        };
        let filled = fill_message(
            &mut message,
            c_int::from(mid),
            topic.as_bytes(),
            payload,
            c_int::from(qos),
            retain,
        );
        if let Err(error) = filled {
            // SAFETY: `raw` came from malloc above and holds nothing yet.
            unsafe { libc::free(raw as *mut c_void) };
            return Err(error);
        }
        // SAFETY: `raw` is a fresh allocation large and aligned enough for the struct.
        unsafe { raw.write(message) };
        Ok(OwnedMessage { ptr })
    }

    /// The message, for reading from Rust.
    pub fn get(&self) -> &mosquitto_message {
        // SAFETY: `ptr` points to an initialised message owned by `self`.
        unsafe { self.ptr.as_ref() }
    }

    /// The pointer to pass to C callbacks; valid until `self` is dropped.
    pub fn as_ptr(&self) -> *const mosquitto_message {
        self.ptr.as_ptr()
    }

    /// Give the message to C. The receiver frees it with `mosquitto_message_free`.
    pub fn into_raw(self) -> *mut mosquitto_message {
        let raw = self.ptr.as_ptr();
        std::mem::forget(self);
        raw
    }
}

impl Drop for OwnedMessage {
    fn drop(&mut self) {
        let raw = self.ptr.as_ptr();
        // SAFETY: the struct, its topic and its payload were allocated with malloc in `new` and
        // are owned by `self` alone.
        unsafe {
            free_contents(&mut *raw);
            libc::free(raw as *mut c_void);
        }
    }
}

/// Copies the message `src` into `dst`, duplicating its topic and payload.
///
/// The copy's topic and payload are newly allocated and belong to the caller (free them with
/// `mosquitto_message_free_contents`, or free `dst` itself with `mosquitto_message_free` if it was
/// heap-allocated). Anything `dst` pointed to before is overwritten, not freed. The payload copy
/// is followed by a NUL byte. Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` if either pointer is
/// NULL, `src` has no topic, a negative `payloadlen`, or a NULL payload with a non-zero length;
/// `MOSQ_ERR_NOMEM` if memory runs out (then `dst` is left unchanged).
///
/// # Safety
/// `dst` must be NULL or writable; `src` must be NULL or a message whose `topic` is NULL or a NUL-
/// terminated string and whose `payload` holds `payloadlen` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_message_copy(
    dst: *mut mosquitto_message,
    src: *const mosquitto_message,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        check_null!(dst);
        check_null!(src);
        // SAFETY: `src` is non-NULL and, per the API contract, points to a valid message.
        let source = unsafe { &*src };
        if source.topic.is_null() {
            log::warn!("mosquitto_message_copy: src->topic is NULL");
            return MOSQ_ERR_INVAL as c_int;
        }
        let Ok(payloadlen) = usize::try_from(source.payloadlen) else {
            log::warn!("mosquitto_message_copy: src->payloadlen is negative");
            return MOSQ_ERR_INVAL as c_int;
        };
        if payloadlen > 0 && source.payload.is_null() {
            log::warn!("mosquitto_message_copy: src->payload is NULL but payloadlen is not 0");
            return MOSQ_ERR_INVAL as c_int;
        }
        // SAFETY: `topic` is a non-NULL, NUL-terminated string per the API contract.
        let topic = unsafe { CStr::from_ptr(source.topic) }.to_bytes();
        let payload: &[u8] = if payloadlen == 0 {
            &[]
        } else {
            // SAFETY: `payload` is non-NULL and holds `payloadlen` readable bytes.
            unsafe { std::slice::from_raw_parts(source.payload as *const u8, payloadlen) }
        };
        // Build the copy aside so that `dst` may alias `src`.
        let mut copy = mosquitto_message {
            mid: source.mid,
            topic: ptr::null_mut(),
            payload: ptr::null_mut(),
            payloadlen: 0,
            qos: source.qos,
            retain: source.retain,
        };
        match fill_message(
            &mut copy,
            source.mid,
            topic,
            payload,
            source.qos,
            source.retain,
        ) {
            Ok(()) => {
                // SAFETY: `dst` is non-NULL and points to writable storage for a message.
                unsafe { dst.write(copy) };
                MOSQ_ERR_SUCCESS as c_int
            }
            Err(_) => {
                log::warn!("mosquitto_message_copy: out of memory");
                MOSQ_ERR_NOMEM as c_int
            }
        }
    })
}

/// Frees a heap-allocated message completely (topic, payload and the struct) and sets `*message`
/// to NULL.
///
/// Use it for messages obtained from the library with ownership (for example from
/// `mosquitto_subscribe_simple`), never for the message passed to an `on_message` callback,
/// which the library frees itself. Does nothing if `message` or `*message` is NULL.
///
/// # Safety
/// `message` must be NULL or point to NULL or to a message whose struct, topic and payload were
/// allocated with `malloc` (as the library allocates them) and are not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_message_free(message: *mut *mut mosquitto_message) {
    ffi_guard!((), {
        if message.is_null() {
            return;
        }
        // SAFETY: `message` is non-NULL and points to a message pointer per the API contract.
        let inner = unsafe { *message };
        if inner.is_null() {
            return;
        }
        // SAFETY: `inner` is a malloc-allocated message whose topic and payload are NULL or
        // malloc-allocated, per the API contract.
        unsafe {
            free_contents(&mut *inner);
            libc::free(inner as *mut c_void);
            *message = ptr::null_mut();
        }
    })
}

/// Frees the topic and payload of a message and sets both pointers to NULL, leaving the struct
/// itself to the caller (for example a message filled by `mosquitto_message_copy` on the stack).
/// Does nothing if `message` is NULL.
///
/// # Safety
/// `message` must be NULL or a message whose `topic` and `payload` are NULL or were allocated with
/// `malloc` and are not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_message_free_contents(message: *mut mosquitto_message) {
    ffi_guard!((), {
        if message.is_null() {
            return;
        }
        // SAFETY: `message` is non-NULL; its topic and payload are NULL or malloc-allocated, per
        // the API contract.
        unsafe { free_contents(&mut *message) };
    })
}
