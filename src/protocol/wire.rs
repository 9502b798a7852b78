//! Primitive wire types: two-byte integers, UTF-8 strings, binary data.
//!
//! [`Reader`] walks one packet body (already bounded by its remaining length): any field running
//! past the end is malformed, never "need more bytes". The `put_*` functions append to the
//! caller's output buffer; the caller has checked lengths before (see [`check_str`]), so writing
//! never fails. Nothing here allocates except where a decoded field is turned into an owned value.

use super::utf8::{self, MAX_STRING_LEN};
use super::{decode_varint, DecodeError, EncodeError};

/// A cursor over one packet body.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

const TRUNCATED: DecodeError = DecodeError::Malformed("field runs past the remaining length");

impl<'a> Reader<'a> {
    /// A reader over `buf`.
    pub(crate) fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0 }
    }

    /// Bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Whether every byte was read.
    pub(crate) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.remaining() < n {
            return Err(TRUNCATED);
        }
        let bytes = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(bytes)
    }

    /// Everything not read yet (e.g. a PUBLISH payload).
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let bytes = &self.buf[self.pos..];
        self.pos = self.buf.len();
        bytes
    }

    /// A one-byte integer.
    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    /// A big-endian two-byte integer.
    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// A big-endian four-byte integer.
    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A variable byte integer that must end inside the body.
    pub(crate) fn varint(&mut self) -> Result<u32, DecodeError> {
        match decode_varint(&self.buf[self.pos..])? {
            Some((value, used)) => {
                self.pos += used;
                Ok(value)
            }
            None => Err(TRUNCATED),
        }
    }

    /// Binary data: two-byte length, then the bytes.
    pub(crate) fn binary(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = self.u16()?;
        self.take(usize::from(len))
    }

    /// A UTF-8 string checked against the MQTT rules.
    pub(crate) fn str(&mut self) -> Result<&'a str, DecodeError> {
        let bytes = self.binary()?;
        utf8::validate_bytes(bytes).map_err(|_| DecodeError::MalformedUtf8)
    }

    /// A UTF-8 string as an owned `String`.
    pub(crate) fn string(&mut self) -> Result<String, DecodeError> {
        Ok(self.str()?.to_owned())
    }

    /// A sub-reader over the next `n` bytes (e.g. a property block).
    pub(crate) fn sub(&mut self, n: usize) -> Result<Reader<'a>, DecodeError> {
        Ok(Reader::new(self.take(n)?))
    }

    /// Succeeds only if every byte was read: bytes after the last field are malformed.
    pub(crate) fn finish(&self) -> Result<(), DecodeError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::Malformed("bytes left after the last field"))
        }
    }
}

/// Wire size of a string or binary field (two-byte length prefix plus bytes).
pub(crate) fn field_len(bytes: usize) -> usize {
    2 + bytes
}

/// Check a string field before encoding: MQTT UTF-8 rules and at most 65535 bytes.
pub(crate) fn check_str(s: &str, what: &'static str) -> Result<(), EncodeError> {
    utf8::validate_str(s).map_err(|_| EncodeError::Invalid(what))
}

/// Check a binary field before encoding: at most 65535 bytes.
pub(crate) fn check_binary(b: &[u8], what: &'static str) -> Result<(), EncodeError> {
    if b.len() > MAX_STRING_LEN {
        Err(EncodeError::Invalid(what))
    } else {
        Ok(())
    }
}

/// Append a big-endian two-byte integer.
pub(crate) fn put_u16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_be_bytes());
}

/// Append a big-endian four-byte integer.
pub(crate) fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_be_bytes());
}

/// Append binary data with its two-byte length (length checked by the caller).
pub(crate) fn put_binary(out: &mut Vec<u8>, bytes: &[u8]) {
    debug_assert!(bytes.len() <= MAX_STRING_LEN);
    put_u16(out, bytes.len() as u16);
    out.extend_from_slice(bytes);
}

/// Append a string with its two-byte length (checked by the caller).
pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    put_binary(out, s.as_bytes());
}
