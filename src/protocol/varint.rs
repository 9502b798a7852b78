//! The variable byte integer of MQTT (remaining length, property lengths, some property values).

/// The largest value a variable byte integer can hold.
pub const MAX_VARINT: u32 = 268_435_455;

/// How many bytes `value` takes as a variable byte integer.
pub fn varint_len(_value: u32) -> usize {
    unimplemented!()
}

/// Append `value` as a variable byte integer.
pub fn encode_varint(_value: u32, _out: &mut Vec<u8>) {
    unimplemented!()
}

/// Decode a variable byte integer: `Ok(None)` if more bytes are needed, else value and bytes used.
pub fn decode_varint(_buf: &[u8]) -> Result<Option<(u32, usize)>, super::DecodeError> {
    unimplemented!()
}
