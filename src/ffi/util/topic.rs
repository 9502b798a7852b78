//! The topic and UTF-8 utility exports: `mosquitto_topic_matches_sub(2)`,
//! `mosquitto_sub_topic_check(2)`, `mosquitto_pub_topic_check(2)`, `mosquitto_sub_topic_tokenise`,
//! `mosquitto_sub_topic_tokens_free` and `mosquitto_validate_utf8`.
//!
//! Owns only the translation between C strings and [`crate::protocol::topic`] /
//! [`crate::protocol::utf8`]: every rule lives there, never here. Token arrays are allocated with
//! `malloc` because C code frees what the library gives it.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};
use std::ptr;

use crate::ffi::boundary::alloc::malloc_with_nul;
use crate::ffi::boundary::errors::{
    MOSQ_ERR_INVAL, MOSQ_ERR_MALFORMED_UTF8, MOSQ_ERR_NOMEM, MOSQ_ERR_SUCCESS, MOSQ_ERR_UNKNOWN,
};
use crate::protocol::topic::{self as topic_rules, TopicError, MAX_TOPIC_LEN};
use crate::protocol::utf8;

/// The longest input `mosquitto_validate_utf8` accepts (one more than an MQTT string may carry,
/// as libmosquitto documents).
const VALIDATE_UTF8_MAX_LEN: usize = MAX_TOPIC_LEN + 1;

/// The error number for a topic that failed validation, after logging why.
fn topic_error_code(function: &str, error: &TopicError) -> c_int {
    log::warn!("{function}: invalid topic: {error}");
    match error {
        TopicError::MalformedUtf8(_) => MOSQ_ERR_MALFORMED_UTF8 as c_int,
        _ => MOSQ_ERR_INVAL as c_int,
    }
}

/// The bytes of a NUL-terminated C string.
///
/// # Safety
/// `s` must be non-NULL and point to a NUL-terminated string that outlives the result.
unsafe fn c_str_bytes<'a>(s: *const c_char) -> &'a [u8] {
    // SAFETY: guaranteed by the caller.
    unsafe { CStr::from_ptr(s) }.to_bytes()
}

/// `len` bytes at `s`, or `None` if `len` is too large to be a slice.
///
/// # Safety
/// `s` must be non-NULL and point to `len` readable bytes that outlive the result.
unsafe fn c_bytes<'a>(s: *const c_char, len: usize) -> Option<&'a [u8]> {
    if len > isize::MAX as usize {
        return None;
    }
    // SAFETY: guaranteed by the caller; the length fits a slice.
    Some(unsafe { std::slice::from_raw_parts(s as *const u8, len) })
}

/// Shared body of the `*_topic_check` functions. An empty topic passes, as in libmosquitto:
/// these functions only look at wildcards, length and encoding.
fn topic_check(function: &str, bytes: &[u8], filter: bool) -> c_int {
    if bytes.is_empty() {
        return MOSQ_ERR_SUCCESS as c_int;
    }
    let checked = if filter {
        topic_rules::topic_filter_from_bytes(bytes)
    } else {
        topic_rules::topic_name_from_bytes(bytes)
    };
    match checked {
        Ok(_) => MOSQ_ERR_SUCCESS as c_int,
        Err(e) => topic_error_code(function, &e),
    }
}

/// Shared body of the `*_topic_check2` functions: the `topiclen` bytes at `topic`.
///
/// # Safety
/// `topic` must be NULL or point to `topiclen` readable bytes.
unsafe fn topic_check2(
    function: &str,
    topic: *const c_char,
    topiclen: usize,
    filter: bool,
) -> c_int {
    if topic.is_null() {
        log::warn!("{function}: topic is NULL");
        return MOSQ_ERR_INVAL as c_int;
    }
    if topiclen > MAX_TOPIC_LEN {
        log::warn!("{function}: topic of {topiclen} bytes is too long");
        return MOSQ_ERR_INVAL as c_int;
    }
    // SAFETY: `topic` points to `topiclen` readable bytes per the caller's contract.
    let Some(bytes) = (unsafe { c_bytes(topic, topiclen) }) else {
        return MOSQ_ERR_INVAL as c_int;
    };
    topic_check(function, bytes, filter)
}

/// Shared body of the `topic_matches_sub` functions.
///
/// # Safety
/// `result` must be non-NULL and writable.
unsafe fn topic_match(function: &str, sub: &[u8], topic_name: &[u8], result: *mut bool) -> c_int {
    match topic_rules::matches_checked(sub, topic_name) {
        Ok(matched) => {
            // SAFETY: guaranteed by the caller.
            unsafe { result.write(matched) };
            MOSQ_ERR_SUCCESS as c_int
        }
        Err(e) => topic_error_code(function, &e),
    }
}

/// Checks whether the topic name `topic` matches the subscription filter `sub`, honouring the
/// `+` and `#` wildcards and the rule that a filter starting with a wildcard does not match topics
/// starting with `$`.
///
/// `*result` is set to true on a match and false otherwise (also on error). Returns
/// `MOSQ_ERR_SUCCESS`, or `MOSQ_ERR_INVAL` if any argument is NULL, either string is empty, `sub`
/// misplaces a wildcard, or `topic` contains one.
///
/// # Safety
/// `sub` and `topic` must be NULL or NUL-terminated strings; `result` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_topic_matches_sub(
    sub: *const c_char,
    topic: *const c_char,
    result: *mut bool,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        check_null!(result);
        // SAFETY: `result` is non-NULL and points to a writable bool per the API contract.
        unsafe { result.write(false) };
        check_null!(sub);
        check_null!(topic);
        // SAFETY: both are non-NULL, NUL-terminated strings per the API contract.
        let (sub, topic) = unsafe { (c_str_bytes(sub), c_str_bytes(topic)) };
        // SAFETY: `result` was checked above.
        unsafe { topic_match("mosquitto_topic_matches_sub", sub, topic, result) }
    })
}

/// Like `mosquitto_topic_matches_sub`, but with explicit lengths in bytes instead of NUL
/// terminators (the strings may contain NUL bytes and need not be terminated).
///
/// # Safety
/// `sub` and `topic` must be NULL or point to `sublen` and `topiclen` readable bytes; `result` must
/// be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_topic_matches_sub2(
    sub: *const c_char,
    sublen: usize,
    topic: *const c_char,
    topiclen: usize,
    result: *mut bool,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        check_null!(result);
        // SAFETY: `result` is non-NULL and points to a writable bool per the API contract.
        unsafe { result.write(false) };
        check_null!(sub);
        check_null!(topic);
        // SAFETY: both point to at least the given number of readable bytes per the API contract.
        let (Some(sub), Some(topic)) = (unsafe { c_bytes(sub, sublen) }, unsafe {
            c_bytes(topic, topiclen)
        }) else {
            log::warn!("mosquitto_topic_matches_sub2: length out of range");
            return MOSQ_ERR_INVAL as c_int;
        };
        // SAFETY: `result` was checked above.
        unsafe { topic_match("mosquitto_topic_matches_sub2", sub, topic, result) }
    })
}

/// Checks whether `topic` may be used to publish: no `+` or `#`, at most 65535 bytes, and valid
/// MQTT UTF-8. An empty string passes this check (publishing still refuses it).
///
/// Returns `MOSQ_ERR_SUCCESS`, `MOSQ_ERR_INVAL` (NULL, wildcard or too long) or
/// `MOSQ_ERR_MALFORMED_UTF8`.
///
/// # Safety
/// `topic` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_pub_topic_check(topic: *const c_char) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        check_null!(topic);
        // SAFETY: `topic` is a non-NULL, NUL-terminated string per the API contract.
        let bytes = unsafe { c_str_bytes(topic) };
        topic_check("mosquitto_pub_topic_check", bytes, false)
    })
}

/// Like `mosquitto_pub_topic_check`, for the `topiclen` bytes at `topic` (no NUL terminator
/// needed).
///
/// # Safety
/// `topic` must be NULL or point to `topiclen` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_pub_topic_check2(
    topic: *const c_char,
    topiclen: usize,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract.
        unsafe { topic_check2("mosquitto_pub_topic_check2", topic, topiclen, false) }
    })
}

/// Checks whether `topic` may be used to subscribe or unsubscribe: `+` only as a whole level, `#`
/// only as the whole last level, at most 65535 bytes, and valid MQTT UTF-8. An empty string passes
/// this check.
///
/// Returns `MOSQ_ERR_SUCCESS`, `MOSQ_ERR_INVAL` (NULL, misplaced wildcard or too long) or
/// `MOSQ_ERR_MALFORMED_UTF8`.
///
/// # Safety
/// `topic` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_sub_topic_check(topic: *const c_char) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        check_null!(topic);
        // SAFETY: `topic` is a non-NULL, NUL-terminated string per the API contract.
        let bytes = unsafe { c_str_bytes(topic) };
        topic_check("mosquitto_sub_topic_check", bytes, true)
    })
}

/// Like `mosquitto_sub_topic_check`, for the `topiclen` bytes at `topic` (no NUL terminator
/// needed).
///
/// # Safety
/// `topic` must be NULL or point to `topiclen` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_sub_topic_check2(
    topic: *const c_char,
    topiclen: usize,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract.
        unsafe { topic_check2("mosquitto_sub_topic_check2", topic, topiclen, true) }
    })
}

/// Free the first `count` entries of a token array and the array itself.
///
/// # Safety
/// `array` must come from `malloc` and hold `count` pointers that are NULL or from `malloc`.
unsafe fn free_tokens(array: *mut *mut c_char, count: usize) {
    for i in 0..count {
        // SAFETY: guaranteed by the caller.
        unsafe { libc::free(*array.add(i) as *mut c_void) };
    }
    // SAFETY: guaranteed by the caller.
    unsafe { libc::free(array as *mut c_void) };
}

/// A `malloc`-allocated, NUL-terminated copy of `level`; NULL for an empty level (and when memory
/// runs out, which the caller tells apart by the level's length).
fn malloc_level(level: &str) -> *mut c_char {
    if level.is_empty() {
        return ptr::null_mut();
    }
    malloc_with_nul(level.as_bytes())
}

/// Splits a topic or subscription into its levels (separated by `/`).
///
/// On success `*topics` receives a newly allocated array of `*count` strings, one per level; an
/// empty level (before a leading `/`, after a trailing one, or between two adjacent ones) is a
/// NULL entry, so `"/a//b/"` gives NULL, "a", NULL, "b", NULL. Free the result with
/// `mosquitto_sub_topic_tokens_free`. Returns `MOSQ_ERR_SUCCESS`, `MOSQ_ERR_INVAL` (a NULL
/// argument or more than 65535 bytes), `MOSQ_ERR_MALFORMED_UTF8` or `MOSQ_ERR_NOMEM`; on error
/// `*topics` and `*count` are left unchanged.
///
/// # Safety
/// `subtopic` must be NULL or a NUL-terminated string; `topics` and `count` must be NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_sub_topic_tokenise(
    subtopic: *const c_char,
    topics: *mut *mut *mut c_char,
    count: *mut c_int,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        check_null!(subtopic);
        check_null!(topics);
        check_null!(count);
        // SAFETY: `subtopic` is a non-NULL, NUL-terminated string per the API contract.
        let bytes = unsafe { c_str_bytes(subtopic) };
        if bytes.len() > MAX_TOPIC_LEN {
            log::warn!(
                "mosquitto_sub_topic_tokenise: topic of {} bytes is too long",
                bytes.len()
            );
            return MOSQ_ERR_INVAL as c_int;
        }
        let text = match utf8::validate_bytes(bytes) {
            Ok(text) => text,
            Err(e) => {
                log::warn!("mosquitto_sub_topic_tokenise: {e}");
                return MOSQ_ERR_MALFORMED_UTF8 as c_int;
            }
        };
        if text.is_empty() {
            // No levels at all: an empty array, as libmosquitto reports it.
            // SAFETY: both are non-NULL and writable per the API contract.
            unsafe {
                topics.write(std::ptr::null_mut());
                count.write(0);
            }
            return MOSQ_ERR_SUCCESS as c_int;
        }
        let level_count = topic_rules::levels(text).count();
        // SAFETY: malloc may be called with any size; the result is checked for NULL.
        let array = unsafe { libc::calloc(level_count, std::mem::size_of::<*mut c_char>()) }
            as *mut *mut c_char;
        if array.is_null() {
            return MOSQ_ERR_NOMEM as c_int;
        }
        for (i, level) in topic_rules::levels(text).enumerate() {
            let copy = malloc_level(level);
            if copy.is_null() && !level.is_empty() {
                // SAFETY: `array` came from calloc; entries past `i` are still NULL.
                unsafe { free_tokens(array, i) };
                return MOSQ_ERR_NOMEM as c_int;
            }
            // SAFETY: `i < level_count`, the number of entries allocated.
            unsafe { array.add(i).write(copy) };
        }
        // SAFETY: both are non-NULL and writable per the API contract. At most 32768 levels fit
        // in 65535 bytes, so the count fits an int.
        unsafe {
            topics.write(array);
            count.write(level_count as c_int);
        }
        MOSQ_ERR_SUCCESS as c_int
    })
}

/// Frees an array produced by `mosquitto_sub_topic_tokenise` (pass the same `count`) and sets
/// `*topics` to NULL.
///
/// Returns `MOSQ_ERR_SUCCESS`, or `MOSQ_ERR_INVAL` (freeing nothing) if `topics` or `*topics` is
/// NULL or `count` is negative.
///
/// # Safety
/// `topics` must be NULL or point to NULL or to an array returned by `mosquitto_sub_topic_tokenise`
/// together with the `count` it returned; the array is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_sub_topic_tokens_free(
    topics: *mut *mut *mut c_char,
    count: c_int,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        check_null!(topics);
        // SAFETY: `topics` is non-NULL and points to an array pointer per the API contract.
        let array = unsafe { *topics };
        check_null!(array);
        let Ok(count) = usize::try_from(count) else {
            log::warn!("mosquitto_sub_topic_tokens_free: count {count} is negative");
            return MOSQ_ERR_INVAL as c_int;
        };
        // SAFETY: the array and its entries came from mosquitto_sub_topic_tokenise with `count`
        // entries, per the API contract.
        unsafe {
            free_tokens(array, count);
            topics.write(ptr::null_mut());
        }
        MOSQ_ERR_SUCCESS as c_int
    })
}

/// Checks whether the `len` bytes at `str` are valid UTF-8 under the MQTT rules: well-formed, no
/// U+0000, no UTF-16 surrogates, no control characters and no Unicode non-characters.
///
/// Returns `MOSQ_ERR_SUCCESS`, `MOSQ_ERR_INVAL` if `str` is NULL, `len` is negative or `len` is
/// above 65536, or `MOSQ_ERR_MALFORMED_UTF8`.
///
/// # Safety
/// `str` must be NULL or point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_validate_utf8(str: *const c_char, len: c_int) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        check_null!(str);
        let Ok(len) = usize::try_from(len) else {
            log::warn!("mosquitto_validate_utf8: len {len} is negative");
            return MOSQ_ERR_INVAL as c_int;
        };
        if len > VALIDATE_UTF8_MAX_LEN {
            log::warn!("mosquitto_validate_utf8: len {len} is above {VALIDATE_UTF8_MAX_LEN}");
            return MOSQ_ERR_INVAL as c_int;
        }
        // SAFETY: `str` points to `len` readable bytes per the API contract.
        let Some(bytes) = (unsafe { c_bytes(str, len) }) else {
            return MOSQ_ERR_INVAL as c_int;
        };
        match utf8::validate_chars(bytes) {
            Ok(_) => MOSQ_ERR_SUCCESS as c_int,
            Err(e) => {
                log::warn!("mosquitto_validate_utf8: {e}");
                MOSQ_ERR_MALFORMED_UTF8 as c_int
            }
        }
    })
}
