//! The variable byte integer of MQTT (remaining length, property lengths, some property values).
//!
//! Owns only the 1–4 byte base-128 encoding. It never allocates on decode and never reads past the
//! slice it is given.

use super::DecodeError;

/// The largest value a variable byte integer can hold.
pub const MAX_VARINT: u32 = 268_435_455;

/// How many bytes `value` takes as a variable byte integer (values above [`MAX_VARINT`] count as 4).
pub fn varint_len(value: u32) -> usize {
    match value {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    }
}

/// Append `value` as a variable byte integer.
///
/// Values above [`MAX_VARINT`] cannot be expressed; callers check before (encoders return
/// `EncodeError::TooLarge`). In debug builds such a value panics; in release builds only its low
/// 28 bits are written.
pub fn encode_varint(value: u32, out: &mut Vec<u8>) {
    debug_assert!(value <= MAX_VARINT, "varint value {value} out of range");
    let mut rest = value & MAX_VARINT;
    loop {
        let digit = (rest & 0x7F) as u8;
        rest >>= 7;
        if rest == 0 {
            out.push(digit);
            return;
        }
        out.push(digit | 0x80);
    }
}

/// Decode a variable byte integer: `Ok(None)` if more bytes are needed, else value and bytes used.
///
/// A fourth byte with the continuation bit set is malformed as soon as it is seen (a fifth byte
/// is never needed to tell). Non-minimal encodings (a final byte of 0 after a continuation, e.g.
/// `80 00`) are malformed too, as MQTT requires the shortest form.
pub fn decode_varint(buf: &[u8]) -> Result<Option<(u32, usize)>, DecodeError> {
    let mut value: u32 = 0;
    for (index, &byte) in buf.iter().enumerate() {
        value |= u32::from(byte & 0x7F) << (7 * index);
        if byte & 0x80 == 0 {
            if index > 0 && byte == 0 {
                return Err(DecodeError::Malformed(
                    "variable byte integer not minimally encoded",
                ));
            }
            return Ok(Some((value, index + 1)));
        }
        if index == 3 {
            return Err(DecodeError::Malformed(
                "variable byte integer longer than 4 bytes",
            ));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_round_trip() {
        for (value, len) in [
            (0, 1),
            (127, 1),
            (128, 2),
            (16_383, 2),
            (16_384, 3),
            (2_097_151, 3),
            (2_097_152, 4),
            (MAX_VARINT, 4),
        ] {
            let mut out = Vec::new();
            encode_varint(value, &mut out);
            assert_eq!(out.len(), len, "{value}");
            assert_eq!(varint_len(value), len);
            assert_eq!(decode_varint(&out), Ok(Some((value, len))));
            assert_eq!(decode_varint(&out[..len - 1]), Ok(None));
        }
    }

    #[test]
    fn rejects_fifth_byte_early() {
        assert!(decode_varint(&[0xFF, 0xFF, 0xFF, 0xFF]).is_err());
        assert_eq!(decode_varint(&[0xFF, 0xFF, 0xFF]), Ok(None));
    }

    #[test]
    fn rejects_non_minimal() {
        assert!(decode_varint(&[0x80, 0x00]).is_err());
        assert!(decode_varint(&[0xFF, 0x80, 0x00]).is_err());
    }
}
