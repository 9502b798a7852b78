//! The utility exports: messages (`mosquitto_message_copy`/`_free`/`_free_contents` and the
//! library-owned `OwnedMessage`), `mosquitto_strerror`, `mosquitto_connack_string` and the library
//! version/init/cleanup functions.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};
use std::ptr;

use culex::ffi::boundary::errors::*;
use culex::ffi::util::*;

fn text(p: *const c_char) -> String {
    assert!(!p.is_null());
    // SAFETY: the library returns NUL-terminated static strings.
    unsafe { CStr::from_ptr(p) }
        .to_str()
        .expect("ASCII")
        .to_string()
}

fn empty_message() -> mosquitto_message {
    mosquitto_message {
        mid: 0,
        topic: ptr::null_mut(),
        payload: ptr::null_mut(),
        payloadlen: 0,
        qos: 0,
        retain: false,
    }
}

/// The topic and payload of a message, checking the payload's trailing NUL.
fn contents(m: &mosquitto_message) -> (String, Vec<u8>) {
    // SAFETY: a message built by the library has a C string topic and `payloadlen` payload bytes
    // followed by a NUL.
    unsafe {
        let topic = CStr::from_ptr(m.topic).to_str().unwrap().to_string();
        if m.payloadlen == 0 {
            assert!(m.payload.is_null());
            return (topic, Vec::new());
        }
        let len = m.payloadlen as usize;
        let bytes = std::slice::from_raw_parts(m.payload as *const u8, len + 1);
        assert_eq!(bytes[len], 0, "payload must be NUL-terminated");
        (topic, bytes[..len].to_vec())
    }
}

#[test]
fn message_layout_matches_libmosquitto() {
    assert_eq!(std::mem::size_of::<mosquitto_message>(), 40);
    assert_eq!(std::mem::align_of::<mosquitto_message>(), 8);
    assert_eq!(std::mem::offset_of!(mosquitto_message, mid), 0);
    assert_eq!(std::mem::offset_of!(mosquitto_message, topic), 8);
    assert_eq!(std::mem::offset_of!(mosquitto_message, payload), 16);
    assert_eq!(std::mem::offset_of!(mosquitto_message, payloadlen), 24);
    assert_eq!(std::mem::offset_of!(mosquitto_message, qos), 28);
    assert_eq!(std::mem::offset_of!(mosquitto_message, retain), 32);
}

#[test]
fn message_copy_and_free_contents() {
    let topic = c"sensors/temp";
    let payload = b"21.5\0binary";
    let src = mosquitto_message {
        mid: 42,
        topic: topic.as_ptr() as *mut c_char,
        payload: payload.as_ptr() as *mut c_void,
        payloadlen: payload.len() as c_int,
        qos: 2,
        retain: true,
    };
    let mut dst = empty_message();
    // SAFETY: both point to valid messages.
    let rc = unsafe { mosquitto_message_copy(&mut dst, &src) };
    assert_eq!(rc, MOSQ_ERR_SUCCESS as c_int);
    assert_eq!((dst.mid, dst.qos, dst.retain), (42, 2, true));
    assert_eq!(dst.payloadlen, payload.len() as c_int);
    assert_ne!(dst.topic, src.topic, "the topic must be duplicated");
    assert_ne!(dst.payload, src.payload, "the payload must be duplicated");
    assert_eq!(
        contents(&dst),
        ("sensors/temp".to_string(), payload.to_vec())
    );

    // SAFETY: dst's contents came from mosquitto_message_copy.
    unsafe { mosquitto_message_free_contents(&mut dst) };
    assert!(dst.topic.is_null() && dst.payload.is_null());
    // Freeing again (NULL contents) and freeing NULL are harmless.
    // SAFETY: as above; NULL is allowed.
    unsafe {
        mosquitto_message_free_contents(&mut dst);
        mosquitto_message_free_contents(ptr::null_mut());
    }
}

#[test]
fn message_copy_empty_payload_and_self_copy() {
    let src = mosquitto_message {
        mid: 1,
        topic: c"t".as_ptr() as *mut c_char,
        // A non-NULL payload with length 0 is copied as no payload.
        payload: b"x".as_ptr() as *mut c_void,
        payloadlen: 0,
        qos: 0,
        retain: false,
    };
    let mut dst = empty_message();
    // SAFETY: both point to valid messages.
    assert_eq!(unsafe { mosquitto_message_copy(&mut dst, &src) }, 0);
    assert_eq!(contents(&dst), ("t".to_string(), Vec::new()));

    // Copying a message onto itself leaves a valid message (the old buffers become the caller's
    // to free, exactly as with libmosquitto).
    let old = (dst.topic, dst.payload);
    let p: *mut mosquitto_message = &mut dst;
    // SAFETY: `p` points to a valid message; aliasing is allowed by the implementation.
    assert_eq!(unsafe { mosquitto_message_copy(p, p) }, 0);
    assert_eq!(contents(&dst), ("t".to_string(), Vec::new()));
    // SAFETY: the old topic came from malloc and nothing else refers to it.
    unsafe {
        libc::free(old.0 as *mut c_void);
        mosquitto_message_free_contents(&mut dst);
    }
}

#[test]
fn message_copy_rejects_invalid_arguments() {
    let inval = MOSQ_ERR_INVAL as c_int;
    let good = mosquitto_message {
        mid: 1,
        topic: c"t".as_ptr() as *mut c_char,
        payload: ptr::null_mut(),
        payloadlen: 0,
        qos: 0,
        retain: false,
    };
    let mut dst = empty_message();
    // SAFETY: NULL where the API allows the library to reject it; other pointers valid.
    unsafe {
        assert_eq!(mosquitto_message_copy(ptr::null_mut(), &good), inval);
        assert_eq!(mosquitto_message_copy(&mut dst, ptr::null()), inval);
        let no_topic = mosquitto_message {
            topic: ptr::null_mut(),
            ..empty_message()
        };
        assert_eq!(mosquitto_message_copy(&mut dst, &no_topic), inval);
        let negative = mosquitto_message {
            payloadlen: -1,
            ..good
        };
        assert_eq!(mosquitto_message_copy(&mut dst, &negative), inval);
        let missing_payload = mosquitto_message {
            payloadlen: 3,
            ..good
        };
        assert_eq!(mosquitto_message_copy(&mut dst, &missing_payload), inval);
    }
    assert!(dst.topic.is_null(), "dst must be untouched on error");
}

#[test]
fn owned_message_lifecycle() {
    let owned = OwnedMessage::new(7, "a/b", b"hello", 1, true).expect("allocate");
    let m = owned.get();
    assert_eq!((m.mid, m.qos, m.retain, m.payloadlen), (7, 1, true, 5));
    assert_eq!(contents(m), ("a/b".to_string(), b"hello".to_vec()));
    assert_eq!(owned.as_ptr(), m as *const mosquitto_message);

    // A C callback may copy it; the copy outlives the original.
    let mut copy = empty_message();
    // SAFETY: both point to valid messages.
    let rc = unsafe { mosquitto_message_copy(&mut copy, owned.as_ptr()) };
    assert_eq!(rc, 0);
    drop(owned);
    assert_eq!(contents(&copy), ("a/b".to_string(), b"hello".to_vec()));
    // SAFETY: the contents came from mosquitto_message_copy.
    unsafe { mosquitto_message_free_contents(&mut copy) };

    // Handed to C, it is freed with mosquitto_message_free, which resets the pointer.
    let empty = OwnedMessage::new(0, "t", b"", 0, false).expect("allocate");
    assert_eq!(contents(empty.get()), ("t".to_string(), Vec::new()));
    let mut raw = empty.into_raw();
    // SAFETY: `raw` came from into_raw; NULL inputs are allowed.
    unsafe {
        mosquitto_message_free(&mut raw);
        assert!(raw.is_null());
        mosquitto_message_free(&mut raw);
        mosquitto_message_free(ptr::null_mut());
    }
}

#[test]
fn strerror_has_text_for_every_code() {
    let unknown = "Unknown error.";
    for code in MOSQ_ERR_AUTH_CONTINUE as c_int..=MOSQ_ERR_ALREADY_EXISTS as c_int {
        // SAFETY: any number is accepted.
        let s = text(unsafe { mosquitto_strerror(code) });
        assert!(!s.is_empty(), "{code}");
        let expect_unknown = code == MOSQ_ERR_UNKNOWN as c_int;
        if code != MOSQ_ERR_ERRNO as c_int {
            assert_eq!(s == unknown, expect_unknown, "{code}: {s}");
        }
    }
    for code in [-5, 32, 1000, c_int::MIN, c_int::MAX] {
        // SAFETY: any number is accepted.
        assert_eq!(text(unsafe { mosquitto_strerror(code) }), unknown, "{code}");
    }
    // SAFETY: as above.
    unsafe {
        assert_eq!(
            text(mosquitto_strerror(MOSQ_ERR_SUCCESS as c_int)),
            "No error."
        );
        assert_eq!(
            text(mosquitto_strerror(MOSQ_ERR_NOMEM as c_int)),
            "Out of memory."
        );
        // Stable pointers to static text.
        assert_eq!(
            mosquitto_strerror(MOSQ_ERR_INVAL as c_int),
            mosquitto_strerror(MOSQ_ERR_INVAL as c_int)
        );
    }
}

#[test]
fn strerror_errno_describes_the_os_error() {
    // SAFETY: writing this thread's errno, then reading descriptions.
    unsafe {
        *libc::__errno_location() = libc::EPIPE;
        let ours = text(mosquitto_strerror(MOSQ_ERR_ERRNO as c_int));
        let os = text(libc::strerror(libc::EPIPE));
        assert_eq!(ours, os);
        *libc::__errno_location() = libc::ECONNREFUSED;
        let ours = text(mosquitto_strerror(MOSQ_ERR_ERRNO as c_int));
        assert_eq!(ours, text(libc::strerror(libc::ECONNREFUSED)));
    }
}

#[test]
fn connack_strings() {
    let unknown = "Connection refused: unknown reason.";
    // SAFETY: any number is accepted.
    let s = |code: c_int| text(unsafe { mosquitto_connack_string(code) });
    assert_eq!(s(0), "Connection accepted.");
    for code in 1..=5 {
        assert!(s(code).starts_with("Connection refused: "), "{code}");
        assert_ne!(s(code), unknown, "{code}");
    }
    // MQTT 5 CONNACK reason codes.
    for code in [
        0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97,
        0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F,
    ] {
        assert!(s(code).starts_with("Connection refused: "), "{code:#x}");
        assert_ne!(s(code), unknown, "{code:#x}");
    }
    assert_eq!(
        s(0x86),
        s(4),
        "bad credentials read the same in both versions"
    );
    for code in [-1, 6, 0x10, 0x7F, 0x8B, 0xA0, 0xFF, 256, c_int::MIN] {
        assert_eq!(s(code), unknown, "{code}");
    }
}

#[test]
fn lib_version_init_cleanup() {
    let (mut major, mut minor, mut revision) = (-1, -1, -1);
    // SAFETY: valid out-pointers, or NULL which is allowed.
    unsafe {
        assert_eq!(
            mosquitto_lib_version(&mut major, &mut minor, &mut revision),
            2000011
        );
        assert_eq!((major, minor, revision), (2, 0, 11));
        assert_eq!(
            mosquitto_lib_version(ptr::null_mut(), ptr::null_mut(), ptr::null_mut()),
            2000011
        );
        let mut only_minor = -1;
        assert_eq!(
            mosquitto_lib_version(ptr::null_mut(), &mut only_minor, ptr::null_mut()),
            LIBMOSQUITTO_VERSION_NUMBER
        );
        assert_eq!(only_minor, 0);

        assert_eq!(mosquitto_lib_init(), 0);
        assert_eq!(mosquitto_lib_init(), 0);
        assert_eq!(mosquitto_lib_cleanup(), 0);
        assert_eq!(mosquitto_lib_cleanup(), 0);
        assert_eq!(mosquitto_lib_init(), 0);
        assert_eq!(mosquitto_lib_cleanup(), 0);
    }
}
