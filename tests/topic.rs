//! Topic rules through the Rust API (`culex::protocol::topic`) and through the C exports
//! (`mosquitto_topic_matches_sub(2)`, `*_topic_check(2)`, tokenise, `mosquitto_validate_utf8`).
//! Expected values for the edge cases were confirmed against Debian's libmosquitto 2.0.11.

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int};
use std::ptr;

use culex::ffi::boundary::errors::{MOSQ_ERR_INVAL, MOSQ_ERR_MALFORMED_UTF8, MOSQ_ERR_SUCCESS};
use culex::ffi::util::*;
use culex::protocol::topic::{self, TopicError};

const OK: c_int = MOSQ_ERR_SUCCESS as c_int;
const INVAL: c_int = MOSQ_ERR_INVAL as c_int;
const BAD_UTF8: c_int = MOSQ_ERR_MALFORMED_UTF8 as c_int;

fn c(s: &[u8]) -> CString {
    CString::new(s).expect("no NUL in test string")
}

/// `mosquitto_topic_matches_sub` on two byte strings: (return code, result).
fn matches_sub(sub: &[u8], topic: &[u8]) -> (c_int, bool) {
    let (sub, topic) = (c(sub), c(topic));
    let mut result = true;
    // SAFETY: valid NUL-terminated strings and a valid bool.
    let rc = unsafe { mosquitto_topic_matches_sub(sub.as_ptr(), topic.as_ptr(), &mut result) };
    (rc, result)
}

/// `mosquitto_topic_matches_sub2` on two byte slices: (return code, result).
fn matches_sub2(sub: &[u8], topic: &[u8]) -> (c_int, bool) {
    let mut result = true;
    // SAFETY: the pointers are valid for the lengths given.
    let rc = unsafe {
        mosquitto_topic_matches_sub2(
            sub.as_ptr() as *const c_char,
            sub.len(),
            topic.as_ptr() as *const c_char,
            topic.len(),
            &mut result,
        )
    };
    (rc, result)
}

/// (filter, topic, matches). All valid inputs.
const MATCH_TABLE: &[(&str, &str, bool)] = &[
    ("foo/bar", "foo/bar", true),
    ("foo/#", "foo/bar", true),
    ("+/bar", "foo/bar", true),
    ("non/+/+", "non/matching", false),
    ("sport/#", "sport", true),
    ("sport/tennis/#", "sport/tennis/player1/ranking", true),
    ("sport/+", "sport", false),
    ("sport/+", "sport/", true),
    ("#", "/finance", true),
    ("+/+", "/finance", true),
    ("/+", "/finance", true),
    ("+", "/finance", false),
    ("+", "x", true),
    ("#", "a/b/c", true),
    ("a//b", "a//b", true),
    ("a/+/b", "a//b", true),
    ("a/#", "a/", true),
    ("a/b/#", "a/b", true),
    ("a/b/#", "a", false),
    ("a/+/#", "a/b", true),
    ("a/+/#", "a", false),
    ("+/#", "a", true),
    ("/#", "/", true),
    ("+/+/+", "a/b", false),
    ("a", "a/", false),
    ("a/", "a", false),
    ("a/b", "a/b/c", false),
    ("abc/#", "abcd", false),
    ("abc/d", "abc/", false),
    // $-topics: a leading wildcard never matches them, an explicit $ level does.
    ("#", "$SYS/x", false),
    ("+/x", "$SYS/x", false),
    ("+", "$", false),
    ("$SYS/#", "$SYS/x", true),
    ("$SYS/+", "$SYS/x", true),
    ("$SYS", "$SYS", true),
    ("+/$y", "x/$y", true),
    ("x/+", "x/$y", true),
];

#[test]
fn rust_matching_table() {
    for &(filter, name, expected) in MATCH_TABLE {
        assert_eq!(topic::validate_topic_filter(filter), Ok(()), "{filter}");
        assert_eq!(topic::validate_topic_name(name), Ok(()), "{name}");
        assert_eq!(topic::matches(filter, name), expected, "{filter} vs {name}");
        assert_eq!(
            topic::matches_checked(filter.as_bytes(), name.as_bytes()),
            Ok(expected),
            "{filter} vs {name}"
        );
    }
}

#[test]
fn c_matching_table() {
    for &(filter, name, expected) in MATCH_TABLE {
        let (f, n) = (filter.as_bytes(), name.as_bytes());
        assert_eq!(matches_sub(f, n), (OK, expected), "{filter} vs {name}");
        assert_eq!(matches_sub2(f, n), (OK, expected), "{filter} vs {name} (2)");
    }
}

#[test]
fn c_matching_rejects_invalid_arguments() {
    // Empty strings, misplaced wildcards in the filter, wildcards in the topic: INVAL, false.
    let invalid: &[(&[u8], &[u8])] = &[
        (b"", b""),
        (b"", b"a"),
        (b"a", b""),
        (b"+", b""),
        (b"/#", b""),
        (b"foo/#/bar", b"foo/x/bar"),
        (b"foo/+bar", b"foo/+bar"),
        (b"foo/bar#", b"foo/bar#"),
        (b"#/a", b"x/a"),
        (b"a/b+", b"a/b"),
        (b"a/b", b"a/+"),
        (b"a/#", b"a/#"),
        (b"#", b"#"),
        (b"+", b"+"),
    ];
    for &(sub, name) in invalid {
        let shown = (String::from_utf8_lossy(sub), String::from_utf8_lossy(name));
        assert_eq!(matches_sub(sub, name), (INVAL, false), "{shown:?}");
        assert_eq!(matches_sub2(sub, name), (INVAL, false), "{shown:?} (2)");
    }

    let a = c(b"a");
    let mut result = true;
    // SAFETY: NULL where the API allows the library to reject it; other pointers valid.
    unsafe {
        assert_eq!(
            mosquitto_topic_matches_sub(ptr::null(), a.as_ptr(), &mut result),
            INVAL
        );
        assert!(!result);
        assert_eq!(
            mosquitto_topic_matches_sub(a.as_ptr(), ptr::null(), &mut result),
            INVAL
        );
        assert_eq!(
            mosquitto_topic_matches_sub(a.as_ptr(), a.as_ptr(), ptr::null_mut()),
            INVAL
        );
        assert_eq!(
            mosquitto_topic_matches_sub2(ptr::null(), 1, a.as_ptr(), 1, &mut result),
            INVAL
        );
        assert_eq!(
            mosquitto_topic_matches_sub2(a.as_ptr(), 1, ptr::null(), 1, &mut result),
            INVAL
        );
        assert_eq!(
            mosquitto_topic_matches_sub2(a.as_ptr(), 1, a.as_ptr(), 1, ptr::null_mut()),
            INVAL
        );
        assert_eq!(
            mosquitto_topic_matches_sub2(a.as_ptr(), usize::MAX, a.as_ptr(), 1, &mut result),
            INVAL
        );
    }
}

#[test]
fn c_matching_uses_lengths_and_bytes() {
    // Only the given prefix counts in the *2 variant.
    assert_eq!(matches_sub2(&b"a/bxx"[..3], &b"a/byy"[..3]), (OK, true));
    assert_eq!(matches_sub2(&b"abc"[..2], b"ab"), (OK, true));
    assert_eq!(matches_sub2(&b"a/#"[..1], b"a"), (OK, true));
    // Embedded NUL bytes are compared like any other byte.
    assert_eq!(matches_sub2(b"a\0b", b"a\0b"), (OK, true));
    assert_eq!(matches_sub2(b"a\0b", b"a\0c"), (OK, false));
    // Matching does not judge the encoding (as libmosquitto).
    assert_eq!(matches_sub(b"a/\xff", b"a/\xff"), (OK, true));
    assert_eq!(matches_sub(b"+/\xff", b"x/\xff"), (OK, true));
}

/// (pub check, sub check) return codes of one topic, through all four functions.
fn checks(topic: &[u8]) -> (c_int, c_int) {
    let t = c(topic);
    // SAFETY: valid string, and a pointer valid for the length given.
    let (p, s, p2, s2) = unsafe {
        (
            mosquitto_pub_topic_check(t.as_ptr()),
            mosquitto_sub_topic_check(t.as_ptr()),
            mosquitto_pub_topic_check2(t.as_ptr(), topic.len()),
            mosquitto_sub_topic_check2(t.as_ptr(), topic.len()),
        )
    };
    assert_eq!((p, s), (p2, s2), "{:?}", String::from_utf8_lossy(topic));
    (p, s)
}

#[test]
fn c_topic_checks() {
    let table: &[(&[u8], c_int, c_int)] = &[
        // An empty topic passes both checks, as in libmosquitto.
        (b"", OK, OK),
        (b"a", OK, OK),
        (b"a/b", OK, OK),
        (b"/", OK, OK),
        (b"//", OK, OK),
        (b"+", INVAL, OK),
        (b"#", INVAL, OK),
        (b"a/+", INVAL, OK),
        (b"a/#", INVAL, OK),
        (b"a/+/b", INVAL, OK),
        (b"$SYS/#", INVAL, OK),
        (b"a/#/b", INVAL, INVAL),
        (b"a+", INVAL, INVAL),
        (b"a#", INVAL, INVAL),
        (b"+a", INVAL, INVAL),
        (b"#a", INVAL, INVAL),
        (b"a/b+", INVAL, INVAL),
        (b"##", INVAL, INVAL),
        // The encoding is checked (as the header documents).
        (b"a/\xff", BAD_UTF8, BAD_UTF8),
        (b"a/\x01", BAD_UTF8, BAD_UTF8),
        (b"a/\xc0\x80", BAD_UTF8, BAD_UTF8),
        (b"a/\xed\xa0\x80", BAD_UTF8, BAD_UTF8),
        (b"caf\xc3\xa9/+", INVAL, OK),
    ];
    for &(topic, pub_rc, sub_rc) in table {
        assert_eq!(
            checks(topic),
            (pub_rc, sub_rc),
            "{:?}",
            String::from_utf8_lossy(topic)
        );
    }
}

#[test]
fn c_topic_checks_lengths_and_nulls() {
    let max = vec![b'a'; 65535];
    assert_eq!(checks(&max), (OK, OK));
    let over = vec![b'a'; 65536];
    assert_eq!(checks(&over), (INVAL, INVAL));

    // SAFETY: NULL where the API allows the library to reject it; other pointers valid.
    unsafe {
        assert_eq!(mosquitto_pub_topic_check(ptr::null()), INVAL);
        assert_eq!(mosquitto_sub_topic_check(ptr::null()), INVAL);
        assert_eq!(mosquitto_pub_topic_check2(ptr::null(), 0), INVAL);
        assert_eq!(mosquitto_sub_topic_check2(ptr::null(), 0), INVAL);
        // Only `topiclen` bytes are looked at.
        let t = c(b"a#");
        assert_eq!(mosquitto_pub_topic_check2(t.as_ptr(), 1), OK);
        assert_eq!(mosquitto_sub_topic_check2(t.as_ptr(), 1), OK);
        assert_eq!(mosquitto_pub_topic_check2(t.as_ptr(), 0), OK);
        assert_eq!(mosquitto_pub_topic_check2(t.as_ptr(), usize::MAX), INVAL);
        assert_eq!(mosquitto_sub_topic_check2(t.as_ptr(), usize::MAX), INVAL);
        // An embedded NUL is U+0000, which MQTT forbids.
        let nul = b"a\0b";
        let p = nul.as_ptr() as *const c_char;
        assert_eq!(mosquitto_pub_topic_check2(p, 3), BAD_UTF8);
        assert_eq!(mosquitto_sub_topic_check2(p, 3), BAD_UTF8);
    }
}

/// Tokenise through C and return the levels (None for NULL entries), freeing the array.
fn tokenise(topic: &[u8]) -> Result<Vec<Option<String>>, c_int> {
    let t = c(topic);
    let mut array: *mut *mut c_char = ptr::null_mut();
    let mut count: c_int = -1;
    // SAFETY: valid string and out-pointers.
    let rc = unsafe { mosquitto_sub_topic_tokenise(t.as_ptr(), &mut array, &mut count) };
    if rc != OK {
        assert!(array.is_null(), "array set on error");
        assert_eq!(count, -1, "count set on error");
        return Err(rc);
    }
    let levels = (0..count as usize)
        .map(|i| {
            // SAFETY: the array holds `count` entries, each NULL or a C string.
            let entry = unsafe { *array.add(i) };
            (!entry.is_null()).then(|| {
                // SAFETY: not NULL: a C string from tokenise.
                unsafe { CStr::from_ptr(entry) }
                    .to_string_lossy()
                    .into_owned()
            })
        })
        .collect();
    if count == 0 {
        // Nothing was allocated; libmosquitto's tokens_free refuses an empty array (INVAL).
        assert!(array.is_null(), "no array for no levels");
        return Ok(levels);
    }
    // SAFETY: the array came from tokenise with this count.
    let rc = unsafe { mosquitto_sub_topic_tokens_free(&mut array, count) };
    assert_eq!(rc, OK);
    assert!(array.is_null(), "tokens_free must reset the pointer");
    Ok(levels)
}

fn levels(items: &[Option<&str>]) -> Vec<Option<String>> {
    items.iter().map(|l| l.map(str::to_string)).collect()
}

#[test]
fn c_tokenise_round_trip() {
    let table: &[(&[u8], &[Option<&str>])] = &[
        (b"a/deep/topic", &[Some("a"), Some("deep"), Some("topic")]),
        (
            b"/a/deep/topic/",
            &[None, Some("a"), Some("deep"), Some("topic"), None],
        ),
        (b"", &[]), // libmosquitto 2.0.11: SUCCESS, count 0, NULL array
        (b"/", &[None, None]),
        (b"//", &[None, None, None]),
        (b"a", &[Some("a")]),
        (b"+/#", &[Some("+"), Some("#")]),
        (
            b"$SYS/broker/uptime",
            &[Some("$SYS"), Some("broker"), Some("uptime")],
        ),
        (b"a//b", &[Some("a"), None, Some("b")]),
        ("caf\u{e9}/x".as_bytes(), &[Some("caf\u{e9}"), Some("x")]),
    ];
    for &(topic, expected) in table {
        assert_eq!(
            tokenise(topic),
            Ok(levels(expected)),
            "{:?}",
            String::from_utf8_lossy(topic)
        );
    }
    // Many levels: the count is right and every entry is freed.
    let many = "x/".repeat(30000);
    let tokens = tokenise(many.as_bytes()).expect("tokenise");
    assert_eq!(tokens.len(), 30001);
    assert_eq!(tokens.last(), Some(&None));
}

#[test]
fn c_tokenise_rejects_invalid_arguments() {
    assert_eq!(tokenise(b"a/\xff"), Err(BAD_UTF8));
    assert_eq!(tokenise(&vec![b'a'; 65536]), Err(INVAL));
    assert_eq!(tokenise(&vec![b'a'; 65535]).map(|v| v.len()), Ok(1));

    let t = c(b"a/b");
    let mut array: *mut *mut c_char = ptr::null_mut();
    let mut count: c_int = 0;
    // SAFETY: NULL where the API allows the library to reject it; other pointers valid.
    unsafe {
        assert_eq!(
            mosquitto_sub_topic_tokenise(ptr::null(), &mut array, &mut count),
            INVAL
        );
        assert_eq!(
            mosquitto_sub_topic_tokenise(t.as_ptr(), ptr::null_mut(), &mut count),
            INVAL
        );
        assert_eq!(
            mosquitto_sub_topic_tokenise(t.as_ptr(), &mut array, ptr::null_mut()),
            INVAL
        );
        assert!(array.is_null());

        assert_eq!(mosquitto_sub_topic_tokens_free(ptr::null_mut(), 1), INVAL);
        assert_eq!(mosquitto_sub_topic_tokens_free(&mut array, 1), INVAL);

        // A negative count frees nothing and leaves the array to a correct call.
        assert_eq!(
            mosquitto_sub_topic_tokenise(t.as_ptr(), &mut array, &mut count),
            OK
        );
        assert_eq!(count, 2);
        assert_eq!(mosquitto_sub_topic_tokens_free(&mut array, -1), INVAL);
        assert!(!array.is_null());
        assert_eq!(mosquitto_sub_topic_tokens_free(&mut array, count), OK);
        assert!(array.is_null());
    }
}

fn validate_utf8(bytes: &[u8]) -> c_int {
    // SAFETY: the pointer is valid for the length given.
    unsafe { mosquitto_validate_utf8(bytes.as_ptr() as *const c_char, bytes.len() as c_int) }
}

#[test]
fn c_validate_utf8() {
    let good: &[&[u8]] = &[
        b"",
        b"plain ascii/topic",
        b"\xc2\xa0",
        "caf\u{e9} \u{1F600}".as_bytes(),
        b"\xf0\x9f\x98\x80",
    ];
    for s in good {
        assert_eq!(validate_utf8(s), OK, "{s:?}");
    }
    let bad: &[&[u8]] = &[
        b"\x00",
        b"a\x00b",
        b"\x01",
        b"\x1f",
        b"\t",
        b"\n",
        b"\x7f",
        b"\xc2\x80",
        b"\xc2\x9f",
        b"\xef\xbf\xbf",
        b"\xef\xbf\xbe",
        b"\xef\xb7\x90",
        b"\xf4\x8f\xbf\xbf",
        b"\xf4\x90\x80\x80",
        b"\xed\xa0\x80",
        b"\xc0\x80",
        b"\xe0\x80\x80",
        b"\xff",
        b"\xc2",
        b"\x80",
        b"abc\xe2\x82",
    ];
    for s in bad {
        assert_eq!(validate_utf8(s), BAD_UTF8, "{s:?}");
    }

    // Lengths: up to 65536 bytes are judged, beyond that or negative is INVAL.
    let big = vec![b'a'; 65537];
    assert_eq!(validate_utf8(&big[..65535]), OK);
    assert_eq!(validate_utf8(&big[..65536]), OK);
    assert_eq!(validate_utf8(&big), INVAL);
    // SAFETY: NULL and a negative length must be rejected without reading.
    unsafe {
        assert_eq!(mosquitto_validate_utf8(ptr::null(), 1), INVAL);
        assert_eq!(mosquitto_validate_utf8(ptr::null(), 0), INVAL);
        assert_eq!(
            mosquitto_validate_utf8(b"a".as_ptr() as *const c_char, -1),
            INVAL
        );
    }
}

#[test]
fn rust_validation_errors() {
    assert_eq!(topic::validate_topic_name(""), Err(TopicError::Empty));
    assert_eq!(topic::validate_topic_filter(""), Err(TopicError::Empty));
    assert_eq!(
        topic::validate_topic_name("a/#"),
        Err(TopicError::WildcardInName { offset: 2 })
    );
    assert_eq!(
        topic::validate_topic_filter("a/b#/c"),
        Err(TopicError::MisplacedWildcard { offset: 3 })
    );
    assert!(matches!(
        topic::validate_topic_filter("a/\u{7f}"),
        Err(TopicError::MalformedUtf8(_))
    ));
    assert_eq!(topic::topic_name_from_bytes(b"a/b"), Ok("a/b"));
    assert!(matches!(
        topic::topic_name_from_bytes(b"a/\xff"),
        Err(TopicError::MalformedUtf8(_))
    ));
    assert_eq!(topic::topic_filter_from_bytes(b"a/+/#"), Ok("a/+/#"));
    assert_eq!(
        topic::topic_filter_from_bytes(&vec![b'a'; 65536]),
        Err(TopicError::TooLong { len: 65536 })
    );
    assert_eq!(topic::matches_checked(b"", b"a"), Err(TopicError::Empty));
    assert!(topic::has_wildcards("a/+"));
    assert!(!topic::has_wildcards("a/b"));
    assert_eq!(topic::levels("a//b").collect::<Vec<_>>(), ["a", "", "b"]);
}
