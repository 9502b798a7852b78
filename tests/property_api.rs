//! The MQTT 5 property list API as C sees it: `mosquitto_property_add_*`, `_read_*`, `_next`,
//! `_identifier`, `_copy_all`, `_free_all`, `_check_command`, `_check_all` and the name lookups.
//!
//! Expected answers were compared with Debian's libmosquitto 2.0.11 through small C programs.
//! Where Culex deliberately answers differently (it follows the documented contract or the MQTT 5
//! specification where libmosquitto does not) the test says so in a comment.

// These tests drive the C API, where every call is unsafe by nature and its contract is the
// test's own; the crate's unsafe_op_in_unsafe_fn / undocumented_unsafe_blocks rules are for src/.
#![allow(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};
use std::ptr::{null, null_mut};

use culex::ffi::boundary::errors::*;
use culex::ffi::mqtt_protocol::mqtt5_property::*;
use culex::ffi::mqtt_protocol::mqtt5_property_type::*;
use culex::ffi::mqtt_protocol::*;
use culex::ffi::property::*;

const SUCCESS: c_int = MOSQ_ERR_SUCCESS as c_int;
const INVAL: c_int = MOSQ_ERR_INVAL as c_int;
const PROTOCOL: c_int = MOSQ_ERR_PROTOCOL as c_int;
const MALFORMED_UTF8: c_int = MOSQ_ERR_MALFORMED_UTF8 as c_int;
const DUPLICATE: c_int = MOSQ_ERR_DUPLICATE_PROPERTY as c_int;

const PFI: c_int = MQTT_PROP_PAYLOAD_FORMAT_INDICATOR as c_int;
const EXPIRY: c_int = MQTT_PROP_MESSAGE_EXPIRY_INTERVAL as c_int;
const CONTENT_TYPE: c_int = MQTT_PROP_CONTENT_TYPE as c_int;
const CORRELATION: c_int = MQTT_PROP_CORRELATION_DATA as c_int;
const SUB_ID: c_int = MQTT_PROP_SUBSCRIPTION_IDENTIFIER as c_int;
const AUTH_METHOD: c_int = MQTT_PROP_AUTHENTICATION_METHOD as c_int;
const RECEIVE_MAX: c_int = MQTT_PROP_RECEIVE_MAXIMUM as c_int;
const TOPIC_ALIAS: c_int = MQTT_PROP_TOPIC_ALIAS as c_int;
const MAX_QOS: c_int = MQTT_PROP_MAXIMUM_QOS as c_int;
const USER: c_int = MQTT_PROP_USER_PROPERTY as c_int;
const MAX_PACKET: c_int = MQTT_PROP_MAXIMUM_PACKET_SIZE as c_int;
const REASON: c_int = MQTT_PROP_REASON_STRING as c_int;
const WILL_DELAY: c_int = MQTT_PROP_WILL_DELAY_INTERVAL as c_int;
const SESSION_EXPIRY: c_int = MQTT_PROP_SESSION_EXPIRY_INTERVAL as c_int;

const CONNECT: c_int = CMD_CONNECT as c_int;
const CONNACK: c_int = CMD_CONNACK as c_int;
const PUBLISH: c_int = CMD_PUBLISH as c_int;
const PUBACK: c_int = CMD_PUBACK as c_int;
const PUBREC: c_int = CMD_PUBREC as c_int;
const PUBREL: c_int = CMD_PUBREL as c_int;
const PUBCOMP: c_int = CMD_PUBCOMP as c_int;
const SUBSCRIBE: c_int = CMD_SUBSCRIBE as c_int;
const SUBACK: c_int = CMD_SUBACK as c_int;
const UNSUBSCRIBE: c_int = CMD_UNSUBSCRIBE as c_int;
const UNSUBACK: c_int = CMD_UNSUBACK as c_int;
const PINGREQ: c_int = CMD_PINGREQ as c_int;
const PINGRESP: c_int = CMD_PINGRESP as c_int;
const DISCONNECT: c_int = CMD_DISCONNECT as c_int;
const AUTH: c_int = CMD_AUTH as c_int;

/// A list owned by a test, freed on drop.
struct List(*mut mosquitto_property);

impl List {
    fn new() -> List {
        List(null_mut())
    }

    fn head(&self) -> *const mosquitto_property {
        self.0
    }

    /// The nodes, in order.
    fn nodes(&self) -> Vec<*const mosquitto_property> {
        let mut out = Vec::new();
        let mut p = self.head();
        while !p.is_null() {
            out.push(p);
            // SAFETY: `p` is a node of this live list.
            p = unsafe { mosquitto_property_next(p) };
        }
        out
    }

    fn ids(&self) -> Vec<c_int> {
        self.nodes()
            .into_iter()
            // SAFETY: nodes of this live list.
            .map(|p| unsafe { mosquitto_property_identifier(p) })
            .collect()
    }

    fn add_byte(&mut self, id: c_int, v: u8) -> c_int {
        // SAFETY: the list pointer is valid.
        unsafe { mosquitto_property_add_byte(&mut self.0, id, v) }
    }
    fn add_int16(&mut self, id: c_int, v: u16) -> c_int {
        // SAFETY: as above.
        unsafe { mosquitto_property_add_int16(&mut self.0, id, v) }
    }
    fn add_int32(&mut self, id: c_int, v: u32) -> c_int {
        // SAFETY: as above.
        unsafe { mosquitto_property_add_int32(&mut self.0, id, v) }
    }
    fn add_varint(&mut self, id: c_int, v: u32) -> c_int {
        // SAFETY: as above.
        unsafe { mosquitto_property_add_varint(&mut self.0, id, v) }
    }
    fn add_binary(&mut self, id: c_int, v: &[u8]) -> c_int {
        let len = u16::try_from(v.len()).expect("test data fits u16");
        // SAFETY: as above; `v` is `len` readable bytes.
        unsafe { mosquitto_property_add_binary(&mut self.0, id, v.as_ptr().cast(), len) }
    }
    fn add_string(&mut self, id: c_int, v: &CStr) -> c_int {
        // SAFETY: as above; `v` is NUL-terminated.
        unsafe { mosquitto_property_add_string(&mut self.0, id, v.as_ptr()) }
    }
    fn add_pair(&mut self, id: c_int, k: &CStr, v: &CStr) -> c_int {
        // SAFETY: as above.
        unsafe { mosquitto_property_add_string_pair(&mut self.0, id, k.as_ptr(), v.as_ptr()) }
    }

    fn check_all(&self, command: c_int) -> c_int {
        // SAFETY: the list is live.
        unsafe { mosquitto_property_check_all(command, self.head()) }
    }
}

impl Drop for List {
    fn drop(&mut self) {
        // SAFETY: the list is owned by this value.
        unsafe { mosquitto_property_free_all(&mut self.0) };
        assert!(self.0.is_null(), "free_all must set the list to NULL");
    }
}

/// Take a malloc'd C string returned by the API.
unsafe fn take_string(p: *mut c_char) -> String {
    assert!(!p.is_null());
    let s = CStr::from_ptr(p).to_str().expect("UTF-8").to_owned();
    libc::free(p.cast());
    s
}

/// Read a string pair; returns the node and (name, value).
unsafe fn read_pair(
    from: *const mosquitto_property,
    skip_first: bool,
) -> (*const mosquitto_property, Option<(String, String)>) {
    let mut k: *mut c_char = null_mut();
    let mut v: *mut c_char = null_mut();
    let node = mosquitto_property_read_string_pair(from, USER, &mut k, &mut v, skip_first);
    if node.is_null() {
        assert!(k.is_null() && v.is_null());
        (node, None)
    } else {
        (node, Some((take_string(k), take_string(v))))
    }
}

#[test]
fn every_type_is_built_and_read_back() {
    let mut l = List::new();
    assert_eq!(l.add_byte(PFI, 1), SUCCESS);
    assert_eq!(l.add_int16(TOPIC_ALIAS, 513), SUCCESS);
    assert_eq!(l.add_int32(EXPIRY, 0xDEAD_BEEF), SUCCESS);
    assert_eq!(l.add_varint(SUB_ID, 268_435_455), SUCCESS);
    assert_eq!(l.add_binary(CORRELATION, b"\x00\x01binary\xff"), SUCCESS);
    assert_eq!(
        l.add_string(CONTENT_TYPE, c"text/plain; charset=utf-8"),
        SUCCESS
    );
    assert_eq!(l.add_pair(USER, c"name", c"v\u{e9}lue"), SUCCESS);
    assert_eq!(
        l.ids(),
        vec![
            PFI,
            TOPIC_ALIAS,
            EXPIRY,
            SUB_ID,
            CORRELATION,
            CONTENT_TYPE,
            USER
        ]
    );
    let nodes = l.nodes();
    // SAFETY: reading a live list; every returned allocation is freed.
    unsafe {
        let mut b = 0u8;
        assert_eq!(
            mosquitto_property_read_byte(l.head(), PFI, &mut b, false),
            nodes[0]
        );
        assert_eq!(b, 1);
        let mut s = 0u16;
        assert_eq!(
            mosquitto_property_read_int16(l.head(), TOPIC_ALIAS, &mut s, false),
            nodes[1]
        );
        assert_eq!(s, 513);
        let mut i = 0u32;
        assert_eq!(
            mosquitto_property_read_int32(l.head(), EXPIRY, &mut i, false),
            nodes[2]
        );
        assert_eq!(i, 0xDEAD_BEEF);
        let mut v = 0u32;
        assert_eq!(
            mosquitto_property_read_varint(l.head(), SUB_ID, &mut v, false),
            nodes[3]
        );
        assert_eq!(v, 268_435_455);

        let mut data: *mut c_void = null_mut();
        let mut len = 0u16;
        let node =
            mosquitto_property_read_binary(l.head(), CORRELATION, &mut data, &mut len, false);
        assert_eq!(node, nodes[4]);
        assert_eq!(len, 9);
        let bytes = std::slice::from_raw_parts(data.cast::<u8>(), 10);
        assert_eq!(&bytes[..9], b"\x00\x01binary\xff");
        assert_eq!(bytes[9], 0, "binary copies are NUL-terminated");
        libc::free(data);

        let mut text: *mut c_char = null_mut();
        let node = mosquitto_property_read_string(l.head(), CONTENT_TYPE, &mut text, false);
        assert_eq!(node, nodes[5]);
        assert_eq!(take_string(text), "text/plain; charset=utf-8");

        let (node, pair) = read_pair(l.head(), false);
        assert_eq!(node, nodes[6]);
        assert_eq!(pair, Some(("name".into(), "v\u{e9}lue".into())));

        // Out-values are optional.
        assert_eq!(
            mosquitto_property_read_byte(l.head(), PFI, null_mut(), false),
            nodes[0]
        );
        assert_eq!(
            mosquitto_property_read_int16(l.head(), TOPIC_ALIAS, null_mut(), false),
            nodes[1]
        );
        assert_eq!(
            mosquitto_property_read_int32(l.head(), EXPIRY, null_mut(), false),
            nodes[2]
        );
        assert_eq!(
            mosquitto_property_read_varint(l.head(), SUB_ID, null_mut(), false),
            nodes[3]
        );
        assert_eq!(
            mosquitto_property_read_binary(l.head(), CORRELATION, null_mut(), null_mut(), false),
            nodes[4]
        );
        assert_eq!(
            mosquitto_property_read_string(l.head(), CONTENT_TYPE, null_mut(), false),
            nodes[5]
        );
        let mut k: *mut c_char = null_mut();
        assert_eq!(
            mosquitto_property_read_string_pair(l.head(), USER, &mut k, null_mut(), false),
            nodes[6]
        );
        assert_eq!(take_string(k), "name");
        let mut v: *mut c_char = null_mut();
        assert_eq!(
            mosquitto_property_read_string_pair(l.head(), USER, null_mut(), &mut v, false),
            nodes[6]
        );
        assert_eq!(take_string(v), "v\u{e9}lue");
    }
    assert_eq!(l.check_all(PUBLISH), SUCCESS);
}

#[test]
fn empty_values_are_kept() {
    let mut l = List::new();
    assert_eq!(l.add_binary(CORRELATION, b""), SUCCESS);
    // SAFETY: NULL data with length 0 is empty data.
    assert_eq!(
        unsafe { mosquitto_property_add_binary(&mut l.0, CORRELATION, null(), 0) },
        SUCCESS
    );
    assert_eq!(l.add_string(CONTENT_TYPE, c""), SUCCESS);
    assert_eq!(l.add_pair(USER, c"", c""), SUCCESS);
    // SAFETY: reading a live list; allocations freed.
    unsafe {
        let mut data: *mut c_void = null_mut();
        let mut len = 7u16;
        assert!(
            !mosquitto_property_read_binary(l.head(), CORRELATION, &mut data, &mut len, true)
                .is_null()
        );
        assert_eq!(len, 0);
        assert!(
            !data.is_null(),
            "an empty value is still an allocation, as with libmosquitto"
        );
        libc::free(data);
        let mut text: *mut c_char = null_mut();
        assert!(
            !mosquitto_property_read_string(l.head(), CONTENT_TYPE, &mut text, false).is_null()
        );
        assert_eq!(take_string(text), "");
        assert_eq!(
            read_pair(l.head(), false).1,
            Some((String::new(), String::new()))
        );
    }
}

#[test]
fn skip_first_visits_every_repeated_property() {
    let mut l = List::new();
    assert_eq!(l.add_string(CONTENT_TYPE, c"ct"), SUCCESS); // node 0
    assert_eq!(l.add_pair(USER, c"k1", c"v1"), SUCCESS); // node 1
    assert_eq!(l.add_byte(PFI, 0), SUCCESS); // node 2
    assert_eq!(l.add_pair(USER, c"k2", c"v2"), SUCCESS); // node 3
    assert_eq!(l.add_pair(USER, c"k3", c"v3"), SUCCESS); // node 4
    let nodes = l.nodes();
    // SAFETY: reading a live list.
    unsafe {
        // The usual loop: start without skipping, then pass each found node back with skip_first.
        let mut seen = Vec::new();
        let (mut node, mut pair) = read_pair(l.head(), false);
        while let Some(p) = pair {
            seen.push((node, p));
            (node, pair) = read_pair(node, true);
        }
        let expect: Vec<_> = [(1, "k1", "v1"), (3, "k2", "v2"), (4, "k3", "v3")]
            .into_iter()
            .map(|(i, k, v)| (nodes[i], (k.to_owned(), v.to_owned())))
            .collect();
        assert_eq!(seen, expect);

        // skip_first passes over the first *matching* node, not the node passed in (libmosquitto):
        // from the head (content type) it skips k1 and finds k2; from node 2 it skips k2.
        assert_eq!(read_pair(l.head(), true).0, nodes[3]);
        assert_eq!(read_pair(nodes[2], true).0, nodes[4]);
        assert_eq!(read_pair(nodes[2], false).0, nodes[3]);
        // A single occurrence skipped is not found.
        assert!(mosquitto_property_read_string(l.head(), CONTENT_TYPE, null_mut(), true).is_null());
        let mut b = 9u8;
        assert_eq!(
            mosquitto_property_read_byte(nodes[1], PFI, &mut b, false),
            nodes[2]
        );
        assert_eq!(b, 0);
    }
}

#[test]
fn reads_that_find_nothing() {
    let mut l = List::new();
    assert_eq!(l.add_byte(PFI, 1), SUCCESS);
    assert_eq!(l.add_string(CONTENT_TYPE, c"x"), SUCCESS);
    // SAFETY: reading a live list or NULL.
    unsafe {
        // Absent: numeric and string out-values are left alone.
        let mut b = 7u8;
        assert!(mosquitto_property_read_byte(l.head(), MAX_QOS, &mut b, false).is_null());
        assert_eq!(b, 7);
        let mut s = 7u16;
        assert!(mosquitto_property_read_int16(l.head(), RECEIVE_MAX, &mut s, false).is_null());
        assert_eq!(s, 7);
        let marker = 1usize as *mut c_char;
        let mut text = marker;
        assert!(mosquitto_property_read_string(l.head(), REASON, &mut text, false).is_null());
        assert_eq!(text, marker);
        // Binary and string pair clear their pointers first (libmosquitto does the same).
        let mut data = 1usize as *mut c_void;
        let mut len = 7u16;
        assert!(
            mosquitto_property_read_binary(l.head(), CORRELATION, &mut data, &mut len, false)
                .is_null()
        );
        assert!(data.is_null());
        assert_eq!(len, 7);
        let (mut k, mut v) = (marker, marker);
        assert!(
            mosquitto_property_read_string_pair(l.head(), USER, &mut k, &mut v, false).is_null()
        );
        assert!(k.is_null() && v.is_null());
        // ...but not for a NULL list.
        let (mut k, mut v) = (marker, marker);
        assert!(mosquitto_property_read_string_pair(null(), USER, &mut k, &mut v, false).is_null());
        assert_eq!((k, v), (marker, marker));

        // The identifier must have the function's type.
        assert!(mosquitto_property_read_byte(l.head(), CONTENT_TYPE, &mut b, false).is_null());
        assert!(mosquitto_property_read_string(l.head(), PFI, null_mut(), false).is_null());
        assert!(mosquitto_property_read_int32(l.head(), SUB_ID, null_mut(), false).is_null());
        assert!(mosquitto_property_read_varint(l.head(), EXPIRY, null_mut(), false).is_null());
        assert!(mosquitto_property_read_string(l.head(), 0, null_mut(), false).is_null());
        assert!(
            mosquitto_property_read_string(l.head(), 256 + CONTENT_TYPE, null_mut(), false)
                .is_null()
        );
        assert!(mosquitto_property_read_string(l.head(), -1, null_mut(), false).is_null());

        // NULL lists hold nothing.
        assert!(mosquitto_property_read_byte(null(), PFI, &mut b, false).is_null());
        assert!(mosquitto_property_read_string(null(), CONTENT_TYPE, &mut text, false).is_null());
        assert_eq!(mosquitto_property_identifier(null()), 0);
        assert!(mosquitto_property_next(null()).is_null());

        // read_binary wants value and len together (libmosquitto finds nothing otherwise).
        assert_eq!(l.add_binary(CORRELATION, b"abc"), SUCCESS);
        let mut data = 1usize as *mut c_void;
        assert!(mosquitto_property_read_binary(
            l.head(),
            CORRELATION,
            &mut data,
            null_mut(),
            false
        )
        .is_null());
        assert_eq!(data, 1usize as *mut c_void);
        let mut len = 7u16;
        assert!(
            mosquitto_property_read_binary(l.head(), CORRELATION, null_mut(), &mut len, false)
                .is_null()
        );
        assert_eq!(len, 7);
    }
}

#[test]
fn add_refuses_bad_arguments() {
    let mut l = List::new();
    // SAFETY: NULL list pointers are refused before use.
    unsafe {
        assert_eq!(mosquitto_property_add_byte(null_mut(), PFI, 1), INVAL);
        assert_eq!(
            mosquitto_property_add_int16(null_mut(), RECEIVE_MAX, 1),
            INVAL
        );
        assert_eq!(mosquitto_property_add_int32(null_mut(), EXPIRY, 1), INVAL);
        assert_eq!(mosquitto_property_add_varint(null_mut(), SUB_ID, 1), INVAL);
        assert_eq!(
            mosquitto_property_add_binary(null_mut(), CORRELATION, null(), 0),
            INVAL
        );
        assert_eq!(
            mosquitto_property_add_string(null_mut(), CONTENT_TYPE, c"x".as_ptr()),
            INVAL
        );
        assert_eq!(
            mosquitto_property_add_string_pair(null_mut(), USER, c"k".as_ptr(), c"v".as_ptr()),
            INVAL
        );
        // A NULL list beats bad UTF-8.
        assert_eq!(
            mosquitto_property_add_string(null_mut(), CONTENT_TYPE, c"\xC0\x80".as_ptr()),
            INVAL
        );
    }
    // Wrong type or unknown identifier.
    assert_eq!(l.add_byte(CONTENT_TYPE, 1), INVAL);
    assert_eq!(l.add_byte(0, 1), INVAL);
    assert_eq!(l.add_byte(256 + PFI, 1), INVAL);
    assert_eq!(l.add_byte(-1, 1), INVAL);
    assert_eq!(l.add_int16(PFI, 1), INVAL);
    assert_eq!(l.add_int32(SUB_ID, 1), INVAL);
    assert_eq!(l.add_varint(EXPIRY, 1), INVAL);
    assert_eq!(l.add_binary(CONTENT_TYPE, b"x"), INVAL);
    assert_eq!(l.add_string(USER, c"x"), INVAL);
    assert_eq!(l.add_string(CORRELATION, c"x"), INVAL);
    assert_eq!(l.add_pair(CONTENT_TYPE, c"k", c"v"), INVAL);
    // Variable byte integers stop at 268435455.
    assert_eq!(l.add_varint(SUB_ID, 268_435_456), INVAL);
    assert_eq!(l.add_varint(SUB_ID, u32::MAX), INVAL);
    // Strings must be MQTT UTF-8 (no overlong forms, surrogates, control characters).
    assert_eq!(l.add_string(CONTENT_TYPE, c"\xC0\x80"), MALFORMED_UTF8);
    assert_eq!(l.add_string(CONTENT_TYPE, c"\xED\xA0\x80"), MALFORMED_UTF8);
    assert_eq!(l.add_string(CONTENT_TYPE, c"a\x01"), MALFORMED_UTF8);
    assert_eq!(l.add_string(CONTENT_TYPE, c"\xFF"), MALFORMED_UTF8);
    // add_string checks the text before the identifier, add_string_pair the other way round
    // (both as libmosquitto).
    assert_eq!(l.add_string(PFI, c"\xC0\x80"), MALFORMED_UTF8);
    assert_eq!(l.add_pair(CONTENT_TYPE, c"\xC0\x80", c"v"), INVAL);
    assert_eq!(l.add_pair(USER, c"\xC0\x80", c"v"), MALFORMED_UTF8);
    // libmosquitto 2.0.11 accepts a malformed value here; its documentation says
    // MOSQ_ERR_MALFORMED_UTF8, and so does Culex.
    assert_eq!(l.add_pair(USER, c"k", c"\xC0\x80"), MALFORMED_UTF8);
    // Longer than an MQTT string can be (libmosquitto accepts exactly 65536 bytes and answers
    // MOSQ_ERR_MALFORMED_UTF8 above that).
    let mut long = vec![b'a'; 65_536];
    long.push(0);
    let long = CStr::from_bytes_with_nul(&long).expect("one NUL");
    assert_eq!(l.add_string(CONTENT_TYPE, long), MALFORMED_UTF8);
    assert_eq!(l.add_pair(USER, long, c"v"), MALFORMED_UTF8);
    assert_eq!(l.add_pair(USER, c"k", long), MALFORMED_UTF8);
    let max = CStr::from_bytes_with_nul(&long.to_bytes_with_nul()[1..]).expect("one NUL");
    assert_eq!(max.to_bytes().len(), 65_535);
    assert_eq!(l.add_string(CONTENT_TYPE, max), SUCCESS);
    // SAFETY: NULL strings and data are refused before use.
    unsafe {
        // libmosquitto 2.0.11 stores an empty string for NULL; its documentation says
        // MOSQ_ERR_INVAL, and so does Culex.
        assert_eq!(
            mosquitto_property_add_string(&mut l.0, CONTENT_TYPE, null()),
            INVAL
        );
        assert_eq!(
            mosquitto_property_add_string_pair(&mut l.0, USER, null(), c"v".as_ptr()),
            INVAL
        );
        assert_eq!(
            mosquitto_property_add_string_pair(&mut l.0, USER, c"k".as_ptr(), null()),
            INVAL
        );
        // libmosquitto crashes here.
        assert_eq!(
            mosquitto_property_add_binary(&mut l.0, CORRELATION, null(), 3),
            INVAL
        );
    }
    // Refused calls add nothing: only the 65535-byte string went in.
    assert_eq!(l.ids(), vec![CONTENT_TYPE]);
    // Values are not checked when added (as libmosquitto): check_all does that.
    assert_eq!(l.add_byte(PFI, 5), SUCCESS);
    assert_eq!(l.add_int16(RECEIVE_MAX, 0), SUCCESS);
    assert_eq!(l.add_varint(SUB_ID, 0), SUCCESS);
}

#[test]
fn copy_all_makes_an_independent_list() {
    let mut src = List::new();
    assert_eq!(src.add_int32(EXPIRY, 60), SUCCESS);
    assert_eq!(src.add_pair(USER, c"a", c"1"), SUCCESS);
    assert_eq!(src.add_binary(CORRELATION, b"id"), SUCCESS);
    assert_eq!(src.add_pair(USER, c"b", c"2"), SUCCESS);
    let mut copy = List::new();
    // SAFETY: valid list pointers.
    unsafe {
        assert_eq!(
            mosquitto_property_copy_all(&mut copy.0, src.head()),
            SUCCESS
        );
    }
    assert_eq!(copy.ids(), src.ids());
    for (a, b) in copy.nodes().into_iter().zip(src.nodes()) {
        assert_ne!(a, b, "the copy has nodes of its own");
    }
    drop(src);
    // SAFETY: reading the copy after the source is gone.
    unsafe {
        let mut i = 0u32;
        assert!(!mosquitto_property_read_int32(copy.head(), EXPIRY, &mut i, false).is_null());
        assert_eq!(i, 60);
        let (n, p) = read_pair(copy.head(), false);
        assert_eq!(p, Some(("a".into(), "1".into())));
        assert_eq!(read_pair(n, true).1, Some(("b".into(), "2".into())));
    }
    // SAFETY: valid and NULL pointers.
    unsafe {
        assert_eq!(mosquitto_property_copy_all(null_mut(), copy.head()), INVAL);
        // Copying nothing gives NULL (libmosquitto 2.0.11 leaves *dest as it was).
        let mut empty = 1usize as *mut mosquitto_property;
        assert_eq!(mosquitto_property_copy_all(&mut empty, null()), SUCCESS);
        assert!(empty.is_null());
    }
}

#[test]
fn free_all_takes_null() {
    // SAFETY: NULL and a NULL list are accepted.
    unsafe {
        mosquitto_property_free_all(null_mut());
        let mut l: *mut mosquitto_property = null_mut();
        mosquitto_property_free_all(&mut l);
        assert!(l.is_null());
    }
}

/// Which properties each packet may carry (MQTT 5.0 section 2.2.2.2). libmosquitto 2.0.11 gives
/// the same answers except that it also allows Reason String in `CMD_WILL`.
fn allowed_in(command: c_int) -> Vec<c_int> {
    use culex::ffi::mqtt_protocol::mqtt5_property as P;
    let ids: &[P] = match command {
        CONNECT => &[
            MQTT_PROP_SESSION_EXPIRY_INTERVAL,
            MQTT_PROP_AUTHENTICATION_METHOD,
            MQTT_PROP_AUTHENTICATION_DATA,
            MQTT_PROP_REQUEST_PROBLEM_INFORMATION,
            MQTT_PROP_REQUEST_RESPONSE_INFORMATION,
            MQTT_PROP_RECEIVE_MAXIMUM,
            MQTT_PROP_TOPIC_ALIAS_MAXIMUM,
            MQTT_PROP_USER_PROPERTY,
            MQTT_PROP_MAXIMUM_PACKET_SIZE,
        ],
        CONNACK => &[
            MQTT_PROP_SESSION_EXPIRY_INTERVAL,
            MQTT_PROP_ASSIGNED_CLIENT_IDENTIFIER,
            MQTT_PROP_SERVER_KEEP_ALIVE,
            MQTT_PROP_AUTHENTICATION_METHOD,
            MQTT_PROP_AUTHENTICATION_DATA,
            MQTT_PROP_RESPONSE_INFORMATION,
            MQTT_PROP_SERVER_REFERENCE,
            MQTT_PROP_REASON_STRING,
            MQTT_PROP_RECEIVE_MAXIMUM,
            MQTT_PROP_TOPIC_ALIAS_MAXIMUM,
            MQTT_PROP_MAXIMUM_QOS,
            MQTT_PROP_RETAIN_AVAILABLE,
            MQTT_PROP_USER_PROPERTY,
            MQTT_PROP_MAXIMUM_PACKET_SIZE,
            MQTT_PROP_WILDCARD_SUB_AVAILABLE,
            MQTT_PROP_SUBSCRIPTION_ID_AVAILABLE,
            MQTT_PROP_SHARED_SUB_AVAILABLE,
        ],
        PUBLISH => &[
            MQTT_PROP_PAYLOAD_FORMAT_INDICATOR,
            MQTT_PROP_MESSAGE_EXPIRY_INTERVAL,
            MQTT_PROP_CONTENT_TYPE,
            MQTT_PROP_RESPONSE_TOPIC,
            MQTT_PROP_CORRELATION_DATA,
            MQTT_PROP_SUBSCRIPTION_IDENTIFIER,
            MQTT_PROP_TOPIC_ALIAS,
            MQTT_PROP_USER_PROPERTY,
        ],
        CMD_WILL => &[
            MQTT_PROP_PAYLOAD_FORMAT_INDICATOR,
            MQTT_PROP_MESSAGE_EXPIRY_INTERVAL,
            MQTT_PROP_CONTENT_TYPE,
            MQTT_PROP_RESPONSE_TOPIC,
            MQTT_PROP_CORRELATION_DATA,
            MQTT_PROP_WILL_DELAY_INTERVAL,
            MQTT_PROP_USER_PROPERTY,
        ],
        PUBACK | PUBREC | PUBREL | PUBCOMP | SUBACK | UNSUBACK => {
            &[MQTT_PROP_REASON_STRING, MQTT_PROP_USER_PROPERTY]
        }
        SUBSCRIBE => &[MQTT_PROP_SUBSCRIPTION_IDENTIFIER, MQTT_PROP_USER_PROPERTY],
        UNSUBSCRIBE => &[MQTT_PROP_USER_PROPERTY],
        DISCONNECT => &[
            MQTT_PROP_SESSION_EXPIRY_INTERVAL,
            MQTT_PROP_SERVER_REFERENCE,
            MQTT_PROP_REASON_STRING,
            MQTT_PROP_USER_PROPERTY,
        ],
        AUTH => &[
            MQTT_PROP_AUTHENTICATION_METHOD,
            MQTT_PROP_AUTHENTICATION_DATA,
            MQTT_PROP_REASON_STRING,
            MQTT_PROP_USER_PROPERTY,
        ],
        _ => &[],
    };
    ids.iter().map(|p| *p as c_int).collect()
}

#[test]
fn check_command_follows_the_specification() {
    let commands = [
        CONNECT,
        CONNACK,
        PUBLISH,
        PUBACK,
        PUBREC,
        PUBREL,
        PUBCOMP,
        SUBSCRIBE,
        SUBACK,
        UNSUBSCRIBE,
        UNSUBACK,
        DISCONNECT,
        AUTH,
        CMD_WILL,
    ];
    for command in commands {
        let allowed = allowed_in(command);
        for id in -1..=300 {
            let expect = if allowed.contains(&id) {
                SUCCESS
            } else {
                PROTOCOL
            };
            // SAFETY: plain values.
            let got = unsafe { mosquitto_property_check_command(command, id) };
            assert_eq!(got, expect, "command {command:#x}, property {id}");
        }
    }
    // PINGREQ, PINGRESP and non-commands carry no properties. (libmosquitto 2.0.11 answers
    // MOSQ_ERR_SUCCESS for User Property with any command number, and for Reason String with
    // these and with CMD_WILL.)
    for command in [PINGREQ, PINGRESP, 0, 1, PUBREL | 2, 0x31, -1, 0x200] {
        for id in [USER, REASON, CONTENT_TYPE] {
            // SAFETY: plain values.
            let got = unsafe { mosquitto_property_check_command(command, id) };
            assert_eq!(got, PROTOCOL, "command {command:#x}, property {id}");
        }
    }
}

#[test]
fn check_all_cases() {
    // Empty lists are fine for any command (libmosquitto too).
    // SAFETY: NULL is the empty list.
    unsafe {
        for command in [CONNECT, PINGREQ, 0x55] {
            assert_eq!(mosquitto_property_check_all(command, null()), SUCCESS);
        }
    }
    type Build = fn(&mut List);
    let cases: &[(c_int, &str, Build, c_int)] = &[
        (
            CONNECT,
            "receive maximum 1",
            |l| {
                l.add_int16(RECEIVE_MAX, 1);
            },
            SUCCESS,
        ),
        (
            CONNECT,
            "receive maximum 0",
            |l| {
                l.add_int16(RECEIVE_MAX, 0);
            },
            PROTOCOL,
        ),
        (
            CONNECT,
            "maximum packet size 0",
            |l| {
                l.add_int32(MAX_PACKET, 0);
            },
            PROTOCOL,
        ),
        (
            PUBLISH,
            "topic alias 0",
            |l| {
                l.add_int16(TOPIC_ALIAS, 0);
            },
            PROTOCOL,
        ),
        (
            CONNACK,
            "maximum qos 2",
            |l| {
                l.add_byte(MAX_QOS, 2);
            },
            PROTOCOL,
        ),
        (
            CONNACK,
            "maximum qos 1",
            |l| {
                l.add_byte(MAX_QOS, 1);
            },
            SUCCESS,
        ),
        // libmosquitto 2.0.11 accepts the next two; MQTT 5 and Culex's own encoder do not.
        (
            PUBLISH,
            "payload format indicator 2",
            |l| {
                l.add_byte(PFI, 2);
            },
            PROTOCOL,
        ),
        (
            SUBSCRIBE,
            "subscription identifier 0",
            |l| {
                l.add_varint(SUB_ID, 0);
            },
            PROTOCOL,
        ),
        (
            PUBLISH,
            "receive maximum in PUBLISH",
            |l| {
                l.add_int16(RECEIVE_MAX, 5);
            },
            PROTOCOL,
        ),
        (
            CMD_WILL,
            "will delay in the will",
            |l| {
                l.add_int32(WILL_DELAY, 5);
            },
            SUCCESS,
        ),
        (
            CONNECT,
            "will delay in CONNECT",
            |l| {
                l.add_int32(WILL_DELAY, 5);
            },
            PROTOCOL,
        ),
        (
            DISCONNECT,
            "session expiry",
            |l| {
                l.add_int32(SESSION_EXPIRY, 5);
            },
            SUCCESS,
        ),
        (
            PUBLISH,
            "two content types",
            |l| {
                l.add_string(CONTENT_TYPE, c"a");
                l.add_string(CONTENT_TYPE, c"b");
            },
            DUPLICATE,
        ),
        (
            PUBLISH,
            "repeated user properties",
            |l| {
                l.add_pair(USER, c"a", c"b");
                l.add_pair(USER, c"a", c"b");
                l.add_pair(USER, c"a", c"c");
            },
            SUCCESS,
        ),
        (
            SUBSCRIBE,
            "two subscription identifiers in SUBSCRIBE",
            |l| {
                l.add_varint(SUB_ID, 1);
                l.add_varint(SUB_ID, 2);
            },
            DUPLICATE,
        ),
        // A repeat is found at its first occurrence, before later problems (libmosquitto order).
        (
            PUBLISH,
            "repeat, then a property not allowed",
            |l| {
                l.add_string(CONTENT_TYPE, c"a");
                l.add_string(AUTH_METHOD, c"m");
                l.add_string(CONTENT_TYPE, c"b");
            },
            DUPLICATE,
        ),
        (
            PUBLISH,
            "not allowed, then a repeat",
            |l| {
                l.add_string(AUTH_METHOD, c"m");
                l.add_string(CONTENT_TYPE, c"a");
                l.add_string(CONTENT_TYPE, c"b");
            },
            PROTOCOL,
        ),
        (
            PUBLISH,
            "fine, then a bad value",
            |l| {
                l.add_string(CONTENT_TYPE, c"a");
                l.add_int16(TOPIC_ALIAS, 0);
            },
            PROTOCOL,
        ),
        (
            PUBLISH,
            "every PUBLISH property once",
            |l| {
                l.add_byte(PFI, 1);
                l.add_int32(EXPIRY, 10);
                l.add_string(CONTENT_TYPE, c"t");
                l.add_string(MQTT_PROP_RESPONSE_TOPIC as c_int, c"r");
                l.add_binary(CORRELATION, b"c");
                l.add_int16(TOPIC_ALIAS, 3);
                l.add_pair(USER, c"k", c"v");
            },
            SUCCESS,
        ),
        // libmosquitto 2.0.11 accepts User Property with any command number.
        (
            PINGREQ,
            "user property in PINGREQ",
            |l| {
                l.add_pair(USER, c"k", c"v");
            },
            PROTOCOL,
        ),
    ];
    let mut failures = Vec::new();
    for (command, what, build, expect) in cases {
        let mut l = List::new();
        build(&mut l);
        let got = l.check_all(*command);
        if got != *expect {
            failures.push(format!(
                "{what} (command {command:#x}): expected {expect}, got {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn subscription_identifiers_may_repeat_in_publish() {
    // A broker's PUBLISH carries one per matching subscription (MQTT 5.0 section 3.3.2.3.8).
    // libmosquitto 2.0.11 answers MOSQ_ERR_DUPLICATE_PROPERTY.
    let mut l = List::new();
    assert_eq!(l.add_varint(SUB_ID, 1), SUCCESS);
    assert_eq!(l.add_varint(SUB_ID, 2), SUCCESS);
    assert_eq!(l.check_all(PUBLISH), SUCCESS);
}

#[test]
fn property_names_round_trip() {
    // Every identifier from 0 to 300: the defined ones have names that map back to them.
    let mut named = 0;
    for id in -1..=300 {
        // SAFETY: plain values; returned strings are static.
        unsafe {
            let name = mosquitto_property_identifier_to_string(id);
            if name.is_null() {
                continue;
            }
            named += 1;
            let (mut got_id, mut got_type) = (0, 0);
            assert_eq!(
                mosquitto_string_to_property_info(name, &mut got_id, &mut got_type),
                SUCCESS
            );
            assert_eq!(got_id, id);
            assert!(
                (MQTT_PROP_TYPE_BYTE as c_int..=MQTT_PROP_TYPE_STRING_PAIR as c_int)
                    .contains(&got_type)
            );
        }
    }
    assert_eq!(named, 27);
    let cases: &[(&CStr, c_int, c_int)] = &[
        (
            c"payload-format-indicator",
            PFI,
            MQTT_PROP_TYPE_BYTE as c_int,
        ),
        (
            c"receive-maximum",
            RECEIVE_MAX,
            MQTT_PROP_TYPE_INT16 as c_int,
        ),
        (
            c"message-expiry-interval",
            EXPIRY,
            MQTT_PROP_TYPE_INT32 as c_int,
        ),
        (
            c"subscription-identifier",
            SUB_ID,
            MQTT_PROP_TYPE_VARINT as c_int,
        ),
        (
            c"correlation-data",
            CORRELATION,
            MQTT_PROP_TYPE_BINARY as c_int,
        ),
        (
            c"Content-Type",
            CONTENT_TYPE,
            MQTT_PROP_TYPE_STRING as c_int,
        ),
        (c"USER-PROPERTY", USER, MQTT_PROP_TYPE_STRING_PAIR as c_int),
        (
            c"wildcard-subscription-available",
            MQTT_PROP_WILDCARD_SUB_AVAILABLE as c_int,
            MQTT_PROP_TYPE_BYTE as c_int,
        ),
        (
            c"subscription-identifier-available",
            MQTT_PROP_SUBSCRIPTION_ID_AVAILABLE as c_int,
            MQTT_PROP_TYPE_BYTE as c_int,
        ),
        (
            c"shared-subscription-available",
            MQTT_PROP_SHARED_SUB_AVAILABLE as c_int,
            MQTT_PROP_TYPE_BYTE as c_int,
        ),
        (
            c"server-keep-alive",
            MQTT_PROP_SERVER_KEEP_ALIVE as c_int,
            MQTT_PROP_TYPE_INT16 as c_int,
        ),
    ];
    for (name, id, ty) in cases {
        let (mut got_id, mut got_type) = (0, 0);
        // SAFETY: valid pointers.
        unsafe {
            assert_eq!(
                mosquitto_string_to_property_info(name.as_ptr(), &mut got_id, &mut got_type),
                SUCCESS,
                "{name:?}"
            );
        }
        assert_eq!((got_id, got_type), (*id, *ty), "{name:?}");
    }
    // SAFETY: valid or NULL pointers; the function refuses NULL.
    unsafe {
        assert_eq!(
            CStr::from_ptr(mosquitto_property_identifier_to_string(USER)),
            c"user-property"
        );
        assert!(mosquitto_property_identifier_to_string(0).is_null());
        assert!(mosquitto_property_identifier_to_string(256 + USER).is_null());
        for bad in [c"content_type", c"foo", c"", c"content-type "] {
            let (mut id, mut ty) = (-7, -7);
            assert_eq!(
                mosquitto_string_to_property_info(bad.as_ptr(), &mut id, &mut ty),
                INVAL
            );
            assert_eq!((id, ty), (-7, -7), "left alone on failure");
        }
        let (mut id, mut ty) = (0, 0);
        assert_eq!(
            mosquitto_string_to_property_info(null(), &mut id, &mut ty),
            INVAL
        );
        // libmosquitto crashes on these two.
        assert_eq!(
            mosquitto_string_to_property_info(c"content-type".as_ptr(), null_mut(), &mut ty),
            INVAL
        );
        assert_eq!(
            mosquitto_string_to_property_info(c"content-type".as_ptr(), &mut id, null_mut()),
            INVAL
        );
    }
}

#[test]
fn command_names() {
    let known: &[(&CStr, c_int)] = &[
        (c"connect", CONNECT),
        (c"CONNECT", CONNECT),
        (c"Connack", CONNACK),
        (c"publish", PUBLISH),
        (c"puback", PUBACK),
        (c"pubrec", PUBREC),
        (c"pubrel", PUBREL),
        (c"pubcomp", PUBCOMP),
        (c"subscribe", SUBSCRIBE),
        (c"unsubscribe", UNSUBSCRIBE),
        (c"disconnect", DISCONNECT),
        (c"auth", AUTH),
        (c"will", CMD_WILL),
    ];
    for (name, value) in known {
        let mut cmd = -7;
        // SAFETY: valid pointers.
        assert_eq!(
            unsafe { mosquitto_string_to_command(name.as_ptr(), &mut cmd) },
            SUCCESS
        );
        assert_eq!(cmd, *value, "{name:?}");
    }
    // libmosquitto knows no names for the packets a client never adds properties to.
    for name in [
        c"suback",
        c"unsuback",
        c"pingreq",
        c"pingresp",
        c"",
        c"foo",
        c"connectx",
    ] {
        let mut cmd = -7;
        // SAFETY: valid pointers.
        assert_eq!(
            unsafe { mosquitto_string_to_command(name.as_ptr(), &mut cmd) },
            INVAL
        );
        assert_eq!(cmd, -7, "{name:?}: left alone on failure");
    }
    // SAFETY: NULL arguments are refused (libmosquitto crashes on both).
    unsafe {
        let mut cmd = 0;
        assert_eq!(mosquitto_string_to_command(null(), &mut cmd), INVAL);
        assert_eq!(
            mosquitto_string_to_command(c"connect".as_ptr(), null_mut()),
            INVAL
        );
    }
}
