//! The WebSocket framing (RFC 6455 §5) of a client: a streaming decoder of the server's frames
//! and the encoder of our own, both sans-IO.
//!
//! The decoder works in place: given bytes read from the stream, it moves the payload of data
//! frames to the front of the same buffer (headers are removed, so the payload never overtakes
//! the input) and reports control frames separately. A frame split across reads, a read holding
//! many frames, and an MQTT packet split across frames all come out as one run of MQTT bytes.
//! It keeps at most one frame header (14 bytes) and one control payload (125 bytes) between
//! reads, whatever a frame's length.

use std::fmt;

/// Opcodes (RFC 6455 §5.2).
const CONTINUATION: u8 = 0x0;
const TEXT: u8 = 0x1;
const BINARY: u8 = 0x2;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;
const PONG: u8 = 0xA;

const FIN: u8 = 0x80;
const RSV: u8 = 0x70;
const MASK: u8 = 0x80;

/// The longest frame accepted: the longest MQTT packet (a remaining length of 268,435,455 plus
/// a 5-byte fixed header). A frame may carry several packets, never more bytes than that.
pub const MAX_FRAME: u64 = 268_435_460;

/// The longest control frame payload (RFC 6455 §5.5).
pub const MAX_CONTROL: usize = 125;

/// Close status codes we send (RFC 6455 §7.4.1).
pub const CLOSE_NORMAL: u16 = 1000;
pub const CLOSE_PROTOCOL_ERROR: u16 = 1002;
pub const CLOSE_UNSUPPORTED: u16 = 1003;
pub const CLOSE_TOO_BIG: u16 = 1009;

/// A control frame from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// Answer with a pong carrying the same payload.
    Ping(Vec<u8>),
    Pong,
    /// The server closes: its status code (if it sent one) and reason.
    Close(Option<u16>, String),
}

/// A frame the server must not send, and the close code that answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub why: String,
    pub code: u16,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.why)
    }
}

fn violation(code: u16, why: impl Into<String>) -> Violation {
    Violation {
        why: why.into(),
        code,
    }
}

/// Where the decoder is in the server's byte stream.
#[derive(Debug, Default)]
pub struct Decoder {
    /// The header of the next frame, as far as it has arrived.
    header: [u8; 10],
    have: usize,
    /// Inside a frame: its opcode and the payload bytes still to come.
    frame: Option<(u8, u64)>,
    /// A fragmented data message is underway (continuations may follow).
    message: bool,
    /// The payload of the current control frame.
    control: Vec<u8>,
    /// A close frame arrived: nothing after it counts.
    closed: bool,
    /// A frame the server must not send arrived: reported once the data before it is out.
    failed: Option<Violation>,
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Whether the server's close frame arrived.
    pub fn closed(&self) -> bool {
        self.closed
    }

    /// The frame the server must not have sent, once it arrived (the stream ends there).
    pub fn failure(&self) -> Option<&Violation> {
        self.failed.as_ref()
    }

    /// Decode `buf` (bytes just read) in place: returns how many data payload bytes now start
    /// the buffer, and adds complete control frames to `controls`, in order. After a close
    /// frame, the rest is ignored. A frame the server must not send stops decoding: the data
    /// before it is returned, and [`Decoder::failure`] tells why from then on.
    pub fn decode(&mut self, buf: &mut [u8], controls: &mut Vec<Control>) -> usize {
        if self.failed.is_some() {
            return 0;
        }
        let mut written = 0;
        if let Err(violation) = self.decode_into(buf, controls, &mut written) {
            self.failed = Some(violation);
        }
        written
    }

    fn decode_into(
        &mut self,
        buf: &mut [u8],
        controls: &mut Vec<Control>,
        written: &mut usize,
    ) -> Result<(), Violation> {
        let mut read = 0;
        while read < buf.len() && !self.closed {
            match self.frame {
                None => {
                    read += self.take_header(&buf[read..])?;
                }
                Some((opcode, left)) => {
                    let take = usize::try_from(left)
                        .unwrap_or(usize::MAX)
                        .min(buf.len() - read);
                    if opcode == BINARY || opcode == CONTINUATION {
                        buf.copy_within(read..read + take, *written);
                        *written += take;
                    } else {
                        self.control.extend_from_slice(&buf[read..read + take]);
                    }
                    read += take;
                    let left = left - take as u64;
                    self.frame = Some((opcode, left));
                    if left == 0 {
                        self.end_frame(opcode, controls)?;
                    }
                }
            }
            // A frame with no payload ends with its header.
            if let Some((opcode, 0)) = self.frame {
                self.end_frame(opcode, controls)?;
            }
        }
        Ok(())
    }

    /// Take header bytes from `input`; returns how many were taken. Starts the frame once the
    /// header is complete.
    fn take_header(&mut self, input: &[u8]) -> Result<usize, Violation> {
        let mut taken = 0;
        loop {
            let need = self.header_len()?;
            if self.have == need {
                self.start_frame()?;
                return Ok(taken);
            }
            if taken == input.len() {
                return Ok(taken);
            }
            let n = (need - self.have).min(input.len() - taken);
            self.header[self.have..self.have + n].copy_from_slice(&input[taken..taken + n]);
            self.have += n;
            taken += n;
        }
    }

    /// The length of the header being read, as far as known (2 until the length byte is in).
    fn header_len(&self) -> Result<usize, Violation> {
        if self.have < 2 {
            return Ok(2);
        }
        if self.header[1] & MASK != 0 {
            return Err(violation(
                CLOSE_PROTOCOL_ERROR,
                "a masked frame (a server's frames are never masked)",
            ));
        }
        Ok(match self.header[1] & 0x7f {
            126 => 4,
            127 => 10,
            _ => 2,
        })
    }

    fn start_frame(&mut self) -> Result<(), Violation> {
        let (first, second) = (self.header[0], self.header[1]);
        let length = match second & 0x7f {
            126 => u64::from(u16::from_be_bytes([self.header[2], self.header[3]])),
            127 => {
                let mut eight = [0u8; 8];
                eight.copy_from_slice(&self.header[2..10]);
                u64::from_be_bytes(eight)
            }
            short => u64::from(short),
        };
        self.have = 0;
        let fin = first & FIN != 0;
        let opcode = first & 0x0f;
        if first & RSV != 0 {
            return Err(violation(
                CLOSE_PROTOCOL_ERROR,
                format!(
                    "a frame with reserved bits {:#05b} set (no extension was agreed)",
                    (first & RSV) >> 4
                ),
            ));
        }
        if length >> 63 != 0 {
            return Err(violation(
                CLOSE_PROTOCOL_ERROR,
                "a frame length of 2^63 or more (the top bit must be 0)",
            ));
        }
        match opcode {
            BINARY if self.message => {
                return Err(violation(
                    CLOSE_PROTOCOL_ERROR,
                    "a new message before the fragmented one ended",
                ))
            }
            CONTINUATION if !self.message => {
                return Err(violation(
                    CLOSE_PROTOCOL_ERROR,
                    "a continuation frame with no message to continue",
                ))
            }
            BINARY | CONTINUATION => {
                if length > MAX_FRAME {
                    return Err(violation(
                        CLOSE_TOO_BIG,
                        format!("a frame of {length} bytes (at most {MAX_FRAME})"),
                    ));
                }
                self.message = !fin;
            }
            TEXT => {
                return Err(violation(
                    CLOSE_UNSUPPORTED,
                    "a text frame (MQTT travels in binary frames only)",
                ))
            }
            CLOSE | PING | PONG => {
                if !fin {
                    return Err(violation(
                        CLOSE_PROTOCOL_ERROR,
                        "a fragmented control frame",
                    ));
                }
                if length > MAX_CONTROL as u64 {
                    return Err(violation(
                        CLOSE_PROTOCOL_ERROR,
                        format!("a control frame of {length} bytes (at most {MAX_CONTROL})"),
                    ));
                }
                self.control.clear();
            }
            other => {
                return Err(violation(
                    CLOSE_PROTOCOL_ERROR,
                    format!("a frame with the reserved opcode {other:#x}"),
                ))
            }
        }
        self.frame = Some((opcode, length));
        Ok(())
    }

    fn end_frame(&mut self, opcode: u8, controls: &mut Vec<Control>) -> Result<(), Violation> {
        self.frame = None;
        match opcode {
            PING => controls.push(Control::Ping(std::mem::take(&mut self.control))),
            PONG => controls.push(Control::Pong),
            CLOSE => {
                let payload = std::mem::take(&mut self.control);
                self.closed = true;
                let close = match payload.len() {
                    0 => Control::Close(None, String::new()),
                    1 => {
                        return Err(violation(
                            CLOSE_PROTOCOL_ERROR,
                            "a close frame of 1 byte (a status code takes 2)",
                        ))
                    }
                    _ => Control::Close(
                        Some(u16::from_be_bytes([payload[0], payload[1]])),
                        String::from_utf8_lossy(&payload[2..]).into_owned(),
                    ),
                };
                controls.push(close);
            }
            _ => {}
        }
        Ok(())
    }
}

/// Append one masked client frame with `opcode` and `payload` to `out` (RFC 6455 §5.2, §5.3:
/// every client frame is masked with a fresh, unpredictable key).
pub fn encode(opcode: Opcode, payload: &[u8], out: &mut Vec<u8>) {
    let mut key = [0u8; 4];
    if openssl::rand::rand_bytes(&mut key).is_err() {
        // OpenSSL's generator failing is beyond recovery here; a key from std's random hasher
        // keys still differs per frame.
        key = fallback_key();
    }
    encode_with_key(opcode, payload, key, out);
}

/// Frame types we send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opcode {
    Binary,
    Close,
    Pong,
}

/// [`encode`] with a given masking key (for tests).
pub fn encode_with_key(opcode: Opcode, payload: &[u8], key: [u8; 4], out: &mut Vec<u8>) {
    let code = match opcode {
        Opcode::Binary => BINARY,
        Opcode::Close => CLOSE,
        Opcode::Pong => PONG,
    };
    out.reserve(14 + payload.len());
    out.push(FIN | code);
    let len = payload.len();
    if len < 126 {
        out.push(MASK | len as u8);
    } else if len <= usize::from(u16::MAX) {
        out.push(MASK | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(MASK | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&key);
    let start = out.len();
    out.extend_from_slice(payload);
    mask(&mut out[start..], key);
}

/// XOR `data` with the repeated 4-byte `key`, eight bytes at a time.
fn mask(data: &mut [u8], key: [u8; 4]) {
    let wide = u64::from_ne_bytes([
        key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3],
    ]);
    let mut chunks = data.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(word) ^ wide).to_ne_bytes());
    }
    for (i, byte) in chunks.into_remainder().iter_mut().enumerate() {
        *byte ^= key[i % 4];
    }
}

fn fallback_key() -> [u8; 4] {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u8(0);
    (hasher.finish() as u32).to_ne_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server frame (unmasked).
    fn server_frame(first: u8, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![first];
        let len = payload.len();
        if len < 126 {
            f.push(len as u8);
        } else if len <= 0xffff {
            f.push(126);
            f.extend_from_slice(&(len as u16).to_be_bytes());
        } else {
            f.push(127);
            f.extend_from_slice(&(len as u64).to_be_bytes());
        }
        f.extend_from_slice(payload);
        f
    }

    /// Decode `bytes` fed `step` bytes at a time; the data and the controls.
    fn decode_in_steps(bytes: &[u8], step: usize) -> Result<(Vec<u8>, Vec<Control>), Violation> {
        let mut d = Decoder::new();
        let (mut data, mut controls) = (Vec::new(), Vec::new());
        for chunk in bytes.chunks(step) {
            let mut buf = chunk.to_vec();
            let n = d.decode(&mut buf, &mut controls);
            data.extend_from_slice(&buf[..n]);
            if let Some(v) = d.failure() {
                return Err(v.clone());
            }
        }
        Ok((data, controls))
    }

    #[test]
    fn payload_comes_out_whatever_the_split() {
        let big: Vec<u8> = (0..70_000u32).map(|i| i as u8).collect();
        let mut stream = server_frame(FIN | BINARY, b"one");
        stream.extend(server_frame(FIN | PING, b"hi"));
        stream.extend(server_frame(BINARY, b"two-"));
        stream.extend(server_frame(FIN | PONG, b""));
        stream.extend(server_frame(CONTINUATION, b""));
        stream.extend(server_frame(FIN | CONTINUATION, b"parts"));
        stream.extend(server_frame(FIN | BINARY, &big[..300]));
        stream.extend(server_frame(FIN | BINARY, &big));
        let mut expect = b"onetwo-parts".to_vec();
        expect.extend_from_slice(&big[..300]);
        expect.extend_from_slice(&big);
        for step in [1, 2, 3, 7, 13, 1000, stream.len()] {
            let (data, controls) = decode_in_steps(&stream, step).unwrap();
            assert!(data == expect, "step {step}");
            assert_eq!(
                controls,
                [Control::Ping(b"hi".to_vec()), Control::Pong],
                "step {step}"
            );
        }
    }

    #[test]
    fn close_frames_and_what_follows() {
        let mut stream = server_frame(FIN | BINARY, b"ab");
        let mut close = 1000u16.to_be_bytes().to_vec();
        close.extend_from_slice(b"bye");
        stream.extend(server_frame(FIN | CLOSE, &close));
        stream.extend(server_frame(FIN | BINARY, b"ignored"));
        let (data, controls) = decode_in_steps(&stream, 4).unwrap();
        assert_eq!(data, b"ab");
        assert_eq!(controls, [Control::Close(Some(1000), "bye".into())]);
        let (_, controls) = decode_in_steps(&server_frame(FIN | CLOSE, b""), 1).unwrap();
        assert_eq!(controls, [Control::Close(None, String::new())]);
        assert!(decode_in_steps(&server_frame(FIN | CLOSE, b"x"), 1).is_err());
    }

    #[test]
    fn frames_a_server_must_not_send() {
        let huge = {
            let mut f = vec![FIN | BINARY, 127];
            f.extend_from_slice(&(1u64 << 63).to_be_bytes());
            f
        };
        let over = {
            let mut f = vec![FIN | BINARY, 127];
            f.extend_from_slice(&(MAX_FRAME + 1).to_be_bytes());
            f
        };
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (huge, "2^63"),
            (over, "at most"),
            (server_frame(FIN | 0x40 | BINARY, b"x"), "reserved bits"),
            (server_frame(FIN | TEXT, b"x"), "text frame"),
            (server_frame(FIN | 0x3, b"x"), "reserved opcode"),
            (server_frame(FIN | 0xB, b"x"), "reserved opcode"),
            (vec![FIN | BINARY, MASK | 1, 1, 2, 3, 4, 5], "masked"),
            (server_frame(FIN | CONTINUATION, b"x"), "no message"),
            (
                [server_frame(BINARY, b"x"), server_frame(FIN | BINARY, b"y")].concat(),
                "new message",
            ),
            (server_frame(PING, b"x"), "fragmented control"),
            (
                server_frame(FIN | PING, &[0u8; 126]),
                "control frame of 126",
            ),
        ];
        for (bytes, expect) in cases {
            for step in [1, bytes.len()] {
                let err = decode_in_steps(&bytes, step).unwrap_err();
                assert!(err.why.contains(expect), "{err} (wanted {expect})");
            }
        }
    }

    #[test]
    fn encoded_frames_are_masked_and_decode_back() {
        for len in [0usize, 1, 125, 126, 65_535, 65_536, 100_000] {
            let payload: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let mut out = Vec::new();
            encode_with_key(Opcode::Binary, &payload, [1, 2, 3, 4], &mut out);
            assert_eq!(out[0], FIN | BINARY);
            assert_ne!(out[1] & MASK, 0, "client frames are masked");
            let header = match len {
                0..=125 => 2,
                126..=65_535 => 4,
                _ => 10,
            };
            assert_eq!(&out[header..header + 4], [1, 2, 3, 4]);
            let mut body = out[header + 4..].to_vec();
            mask(&mut body, [1, 2, 3, 4]);
            assert!(body == payload, "len {len}");
        }
        let (mut a, mut b) = (Vec::new(), Vec::new());
        encode(Opcode::Pong, b"x", &mut a);
        encode(Opcode::Pong, b"x", &mut b);
        assert_eq!(a.len(), 2 + 4 + 1);
        assert_ne!(
            a[2..6],
            b[2..6],
            "a fresh key per frame (fails with chance 2^-32)"
        );
    }
}
