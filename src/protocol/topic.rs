//! Topic names and filters: validation, matching with `+`, `#` and `$`-topics, tokenising.
//!
//! A topic *name* is what a PUBLISH carries: non-empty, at most 65535 bytes of MQTT UTF-8, and no
//! wildcard characters. A topic *filter* is what a subscription carries: the same, except that `+`
//! may stand for one whole level and `#` for the whole remainder (as the last level only). Levels
//! are separated by `/` and may be empty (`"a//b"` has three levels, the middle one empty).
//!
//! Matching follows the MQTT rules: `#` also matches the parent level (`"sport/#"` matches
//! `"sport"`), and a filter whose first level is a wildcard never matches a topic whose first level
//! starts with `$` (such as `"$SYS/..."`).
//!
//! This module is pure: no I/O, no `unsafe`, and matching never allocates (it runs for every
//! received message against every per-topic callback).

use std::fmt;

use crate::protocol::utf8::{self, Utf8Error};

/// The longest topic name or filter MQTT can carry, in bytes.
pub const MAX_TOPIC_LEN: usize = utf8::MAX_STRING_LEN;

/// The level separator.
const SEPARATOR: u8 = b'/';
/// The single-level wildcard.
const SINGLE_LEVEL: u8 = b'+';
/// The multi-level wildcard.
const MULTI_LEVEL: u8 = b'#';

/// Why a string is not a valid topic name or topic filter. Offsets are byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TopicError {
    /// The string is empty.
    Empty,
    /// The string is longer than [`MAX_TOPIC_LEN`] bytes.
    TooLong { len: usize },
    /// The string breaks the MQTT UTF-8 rules.
    MalformedUtf8(Utf8Error),
    /// A topic name contains `+` or `#`.
    WildcardInName { offset: usize },
    /// A filter has `+` or `#` sharing a level with other characters, or `#` before the last level.
    MisplacedWildcard { offset: usize },
}

impl fmt::Display for TopicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopicError::Empty => write!(f, "topic is empty"),
            TopicError::TooLong { len } => {
                write!(f, "topic of {len} bytes exceeds {MAX_TOPIC_LEN}")
            }
            TopicError::MalformedUtf8(e) => write!(f, "topic is not valid MQTT UTF-8: {e}"),
            TopicError::WildcardInName { offset } => {
                write!(f, "wildcard at byte {offset} of a topic name")
            }
            TopicError::MisplacedWildcard { offset } => {
                write!(
                    f,
                    "wildcard at byte {offset} does not occupy a whole (last) level"
                )
            }
        }
    }
}

impl std::error::Error for TopicError {}

/// Check a topic name for PUBLISH (or a will): non-empty, at most 65535 bytes, MQTT UTF-8, and
/// free of `+` and `#`.
pub fn validate_topic_name(name: &str) -> Result<(), TopicError> {
    check_len(name.len())?;
    utf8::validate_str(name).map_err(TopicError::MalformedUtf8)?;
    check_name_wildcards(name.as_bytes())
}

/// Check a topic filter for SUBSCRIBE/UNSUBSCRIBE: non-empty, at most 65535 bytes, MQTT UTF-8,
/// `+` only as a whole level, `#` only as the whole last level.
pub fn validate_topic_filter(filter: &str) -> Result<(), TopicError> {
    check_len(filter.len())?;
    utf8::validate_str(filter).map_err(TopicError::MalformedUtf8)?;
    check_filter_wildcards(filter.as_bytes())
}

/// [`validate_topic_name`] for raw bytes, returning them as `&str` when valid.
pub fn topic_name_from_bytes(bytes: &[u8]) -> Result<&str, TopicError> {
    check_len(bytes.len())?;
    let name = utf8::validate_bytes(bytes).map_err(TopicError::MalformedUtf8)?;
    check_name_wildcards(bytes)?;
    Ok(name)
}

/// [`validate_topic_filter`] for raw bytes, returning them as `&str` when valid.
pub fn topic_filter_from_bytes(bytes: &[u8]) -> Result<&str, TopicError> {
    check_len(bytes.len())?;
    let filter = utf8::validate_bytes(bytes).map_err(TopicError::MalformedUtf8)?;
    check_filter_wildcards(bytes)?;
    Ok(filter)
}

/// Whether a topic contains a wildcard character (`+` or `#`) anywhere.
pub fn has_wildcards(topic: &str) -> bool {
    topic.bytes().any(|b| b == SINGLE_LEVEL || b == MULTI_LEVEL)
}

/// The levels of a topic name or filter, in order. Empty levels are kept: `""` has one (empty)
/// level, `"/a/"` has three (`""`, `"a"`, `""`).
pub fn levels(topic: &str) -> std::str::Split<'_, char> {
    topic.split(SEPARATOR as char)
}

/// Whether the topic name `topic` matches the topic filter `filter`.
///
/// Both are assumed valid (see [`validate_topic_name`] and [`validate_topic_filter`]); for invalid
/// input the answer is unspecified but this never panics. Does not allocate.
pub fn matches(filter: &str, topic: &str) -> bool {
    matches_bytes(filter.as_bytes(), topic.as_bytes())
}

/// [`matches`] on raw bytes. Wildcards and separators are ASCII, so the encoding of the rest does
/// not matter. Does not allocate.
pub fn matches_bytes(filter: &[u8], topic: &[u8]) -> bool {
    let filter_starts_wild = matches!(filter.first(), Some(&SINGLE_LEVEL | &MULTI_LEVEL));
    if filter_starts_wild && topic.first() == Some(&b'$') {
        return false;
    }
    let mut filter_levels = filter.split(|&b| b == SEPARATOR);
    let mut topic_levels = topic.split(|&b| b == SEPARATOR);
    loop {
        match (filter_levels.next(), topic_levels.next()) {
            // `#` matches the rest, including nothing at all ("a/#" matches "a").
            (Some([MULTI_LEVEL]), _) => return true,
            (Some([SINGLE_LEVEL]), Some(_)) => {}
            (Some(wanted), Some(level)) if wanted == level => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// Match like [`matches_bytes`] after checking the structure of both arguments: neither may be
/// empty, `filter` must place its wildcards correctly and `topic` must have none. Length and
/// encoding are not checked (wildcards and separators are ASCII, so any bytes can be matched).
pub fn matches_checked(filter: &[u8], topic: &[u8]) -> Result<bool, TopicError> {
    if filter.is_empty() || topic.is_empty() {
        return Err(TopicError::Empty);
    }
    check_filter_wildcards(filter)?;
    check_name_wildcards(topic)?;
    Ok(matches_bytes(filter, topic))
}

fn check_len(len: usize) -> Result<(), TopicError> {
    match len {
        0 => Err(TopicError::Empty),
        len if len > MAX_TOPIC_LEN => Err(TopicError::TooLong { len }),
        _ => Ok(()),
    }
}

fn check_name_wildcards(name: &[u8]) -> Result<(), TopicError> {
    match name
        .iter()
        .position(|&b| b == SINGLE_LEVEL || b == MULTI_LEVEL)
    {
        Some(offset) => Err(TopicError::WildcardInName { offset }),
        None => Ok(()),
    }
}

fn check_filter_wildcards(filter: &[u8]) -> Result<(), TopicError> {
    let mut level_start = 0;
    for level in filter.split(|&b| b == SEPARATOR) {
        let level_end = level_start + level.len();
        for (i, &b) in level.iter().enumerate() {
            let wildcard = b == SINGLE_LEVEL || b == MULTI_LEVEL;
            let whole_level = level.len() == 1;
            let last_level = level_end == filter.len();
            if wildcard && (!whole_level || (b == MULTI_LEVEL && !last_level)) {
                return Err(TopicError::MisplacedWildcard {
                    offset: level_start + i,
                });
            }
        }
        level_start = level_end + 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_structure() {
        for ok in [
            "#", "+", "a/#", "+/+", "/+", "+/", "a/+/b", "+/#", "//#", "$SYS/#",
        ] {
            assert_eq!(validate_topic_filter(ok), Ok(()), "{ok}");
        }
        let bad = [
            ("a/#/b", 2),
            ("#/a", 0),
            ("a+", 1),
            ("+a", 0),
            ("a/b#", 3),
            ("##", 0),
            ("a/++", 2),
        ];
        for (filter, offset) in bad {
            assert_eq!(
                validate_topic_filter(filter),
                Err(TopicError::MisplacedWildcard { offset }),
                "{filter}"
            );
        }
    }

    #[test]
    fn name_structure() {
        assert_eq!(validate_topic_name("a/b"), Ok(()));
        assert_eq!(validate_topic_name("/"), Ok(()));
        assert_eq!(validate_topic_name(""), Err(TopicError::Empty));
        assert_eq!(
            validate_topic_name("a/+"),
            Err(TopicError::WildcardInName { offset: 2 })
        );
        assert!(matches!(
            validate_topic_name("a\u{0}b"),
            Err(TopicError::MalformedUtf8(_))
        ));
        let long = "a".repeat(MAX_TOPIC_LEN + 1);
        assert_eq!(
            validate_topic_name(&long),
            Err(TopicError::TooLong {
                len: MAX_TOPIC_LEN + 1
            })
        );
        assert_eq!(validate_topic_name(&long[1..]), Ok(()));
    }

    #[test]
    fn matching() {
        let table = [
            ("sport/#", "sport", true),
            ("#", "$SYS/x", false),
            ("+/x", "$SYS/x", false),
            ("$SYS/#", "$SYS/x", true),
            ("+/+", "/finance", true),
            ("+", "/finance", false),
            ("a/+", "a", false),
            ("a/+/#", "a", false),
            ("+/#", "a", true),
            ("a/#", "a/", true),
            ("abc/#", "abcd", false),
            ("x/+", "x/$y", true),
        ];
        for (filter, topic, expected) in table {
            assert_eq!(matches(filter, topic), expected, "{filter} vs {topic}");
        }
    }

    #[test]
    fn levels_keep_empty_ones() {
        assert_eq!(levels("/a//b/").collect::<Vec<_>>(), ["", "a", "", "b", ""]);
        assert_eq!(levels("").count(), 1);
    }
}
