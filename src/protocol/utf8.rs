//! The UTF-8 rules of the MQTT specification (no U+0000, no surrogates, no control characters).
//!
//! Owns the one check every MQTT string goes through, on decode and on encode, with the same
//! verdicts as libmosquitto's `mosquitto_validate_utf8`: well-formed UTF-8 (no overlong forms, no
//! surrogates U+D800..U+DFFF, nothing above U+10FFFF), and additionally rejected are U+0000, the
//! control characters U+0001..U+001F and U+007F..U+009F, and the non-characters U+FDD0..U+FDEF and
//! U+xFFFE/U+xFFFF of every plane. MQTT strings are at most 65535 bytes long.
//!
//! This module never allocates and never panics on any input.

use std::fmt;

/// The longest string MQTT can carry (two-byte length prefix).
pub const MAX_STRING_LEN: usize = 65_535;

/// Why bytes are not an MQTT UTF-8 string. Offsets are byte offsets into the checked input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Utf8Error {
    /// Longer than [`MAX_STRING_LEN`] bytes.
    TooLong { len: usize },
    /// Not well-formed UTF-8: bad lead or continuation byte, truncated sequence, overlong form or
    /// a code point above U+10FFFF.
    Invalid { offset: usize },
    /// An encoded UTF-16 surrogate (U+D800..U+DFFF).
    Surrogate { offset: usize },
    /// U+0000.
    NullCharacter { offset: usize },
    /// A control character U+0001..U+001F or U+007F..U+009F.
    ControlCharacter { offset: usize },
    /// A Unicode non-character (U+FDD0..U+FDEF, or U+xFFFE / U+xFFFF of any plane).
    NonCharacter { offset: usize },
}

impl fmt::Display for Utf8Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Utf8Error::TooLong { len } => write!(f, "string of {len} bytes exceeds 65535"),
            Utf8Error::Invalid { offset } => write!(f, "invalid UTF-8 at byte {offset}"),
            Utf8Error::Surrogate { offset } => write!(f, "UTF-16 surrogate at byte {offset}"),
            Utf8Error::NullCharacter { offset } => write!(f, "U+0000 at byte {offset}"),
            Utf8Error::ControlCharacter { offset } => {
                write!(f, "control character at byte {offset}")
            }
            Utf8Error::NonCharacter { offset } => write!(f, "non-character at byte {offset}"),
        }
    }
}

impl std::error::Error for Utf8Error {}

/// Check a Rust string against the MQTT rules (including the 65535 byte limit).
pub fn validate_str(s: &str) -> Result<(), Utf8Error> {
    if s.len() > MAX_STRING_LEN {
        return Err(Utf8Error::TooLong { len: s.len() });
    }
    check_code_points(s)
}

/// Check bytes against the MQTT rules (including the 65535 byte limit) and view them as `&str`.
pub fn validate_bytes(b: &[u8]) -> Result<&str, Utf8Error> {
    if b.len() > MAX_STRING_LEN {
        return Err(Utf8Error::TooLong { len: b.len() });
    }
    validate_chars(b)
}

/// Like [`validate_bytes`] without the length limit (for callers with their own limit, such as
/// the C `mosquitto_validate_utf8`, which accepts up to 65536 bytes).
pub fn validate_chars(b: &[u8]) -> Result<&str, Utf8Error> {
    let s = match std::str::from_utf8(b) {
        Ok(s) => s,
        Err(e) => {
            let offset = e.valid_up_to();
            // The standard decoder rejects surrogates as ill-formed; name them precisely.
            let rest = &b[offset..];
            if rest.len() >= 2 && rest[0] == 0xED && (0xA0..=0xBF).contains(&rest[1]) {
                return Err(Utf8Error::Surrogate { offset });
            }
            return Err(Utf8Error::Invalid { offset });
        }
    };
    check_code_points(s)?;
    Ok(s)
}

/// Whether every byte is printable ASCII (U+0020..U+007E), which passes every MQTT rule. Written
/// without early exit so that it vectorises: the common topic costs about a byte per instruction.
fn printable_ascii(b: &[u8]) -> bool {
    b.iter()
        .fold(true, |ok, &x| ok & (0x20..=0x7E).contains(&x))
}

/// The MQTT-specific code point rules on already well-formed UTF-8.
fn check_code_points(s: &str) -> Result<(), Utf8Error> {
    if printable_ascii(s.as_bytes()) {
        return Ok(());
    }
    for (offset, c) in s.char_indices() {
        let cp = u32::from(c);
        if cp == 0 {
            return Err(Utf8Error::NullCharacter { offset });
        }
        if cp < 0x20 || (0x7F..=0x9F).contains(&cp) {
            return Err(Utf8Error::ControlCharacter { offset });
        }
        if (0xFDD0..=0xFDEF).contains(&cp) || cp & 0xFFFE == 0xFFFE {
            return Err(Utf8Error::NonCharacter { offset });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        assert_eq!(validate_bytes(b"a/b"), Ok("a/b"));
        assert_eq!(validate_bytes(b""), Ok(""));
        assert_eq!(
            validate_bytes(b"a\0"),
            Err(Utf8Error::NullCharacter { offset: 1 })
        );
        assert_eq!(
            validate_bytes(b"\xED\xA0\x80"),
            Err(Utf8Error::Surrogate { offset: 0 })
        );
        assert_eq!(
            validate_bytes(b"\xC0\x80"),
            Err(Utf8Error::Invalid { offset: 0 })
        );
        assert_eq!(
            validate_bytes(b"x\xC3\x28"),
            Err(Utf8Error::Invalid { offset: 1 })
        );
        assert_eq!(
            validate_bytes(b"\n"),
            Err(Utf8Error::ControlCharacter { offset: 0 })
        );
        assert_eq!(
            validate_str("\u{85}"),
            Err(Utf8Error::ControlCharacter { offset: 0 })
        );
        assert_eq!(validate_str("\u{A0}"), Ok(()));
        assert_eq!(
            validate_str("\u{FFFF}"),
            Err(Utf8Error::NonCharacter { offset: 0 })
        );
        assert_eq!(
            validate_str("\u{1FFFE}"),
            Err(Utf8Error::NonCharacter { offset: 0 })
        );
        assert_eq!(validate_str("\u{FFFD}\u{10000}"), Ok(()));
        let long = "a".repeat(65_536);
        assert_eq!(validate_str(&long), Err(Utf8Error::TooLong { len: 65_536 }));
        assert!(validate_chars(long.as_bytes()).is_ok());
        assert!(validate_str(&long[..65_535]).is_ok());
    }
}
