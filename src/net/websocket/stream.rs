//! The WebSocket framing over a byte stream, once the handshake is done: MQTT bytes in (decoded
//! in place from the server's frames), MQTT bytes out (one masked binary frame per write, at most
//! [`MAX_OUT_FRAME`] bytes), pings answered, the close handshake in both directions.
//!
//! Output of its own (a frame partly written, a pong, a close) waits in one buffer; while it is
//! not out, writes answer "would block", so the buffer holds at most one frame plus the control
//! frames that answer the server. Every refusal of the server's frames is logged with its reason
//! and answered with a close frame carrying the matching status code.

use super::frame::{self, Control, Decoder, Opcode};
use crate::error::Error;
use crate::net::socket::{ByteIo, Io};

/// The most MQTT bytes one outgoing frame carries.
pub const MAX_OUT_FRAME: usize = 64 * 1024;

/// An output buffer with more room than this gives it back once written out.
const OUT_KEEP: usize = 16 * 1024;

/// The framing state of one connection.
#[derive(Debug, Default)]
pub struct WebSocket {
    decoder: Decoder,
    /// Frames to send, and how much of them went.
    out: Vec<u8>,
    out_pos: usize,
    /// We sent (or queued) our close frame.
    close_sent: bool,
    /// Control frames of the current read (kept for their room).
    controls: Vec<Control>,
}

impl WebSocket {
    pub fn new() -> WebSocket {
        WebSocket::default()
    }

    /// Whether frames of our own wait to be written.
    pub fn wants_write(&self) -> bool {
        self.out_pos < self.out.len()
    }

    /// Whether the stream ended (the server's close frame, or a frame it must not send) and the
    /// next read reports it without touching the socket.
    pub fn ended(&self) -> bool {
        self.decoder.closed() || self.decoder.failure().is_some()
    }

    /// Read MQTT bytes into `buf`: what the server's data frames carry. Answers pings on the
    /// way. `Eof` once the server closed (its close frame, or the stream's end); after a frame
    /// the server must not send, the MQTT bytes before it, then `Error::Protocol`.
    pub fn read(&mut self, io: &mut dyn ByteIo, buf: &mut [u8]) -> Result<Io, Error> {
        loop {
            if let Some(violation) = self.decoder.failure() {
                let (why, code) = (violation.why.clone(), violation.code);
                log::warn!(
                    "culex: closing the WebSocket: the broker sent {why} (close code {code})"
                );
                self.queue_close(code);
                let _ = self.flush(io);
                return Err(Error::Protocol);
            }
            if self.decoder.closed() {
                return Ok(Io::Eof);
            }
            let n = match io.read_io(buf)? {
                Io::Done(n) => n,
                Io::WouldBlock => return Ok(Io::WouldBlock),
                Io::Eof => {
                    log::debug!("culex: the WebSocket's stream ended without a close frame");
                    return Ok(Io::Eof);
                }
            };
            let data = self.decoder.decode(&mut buf[..n], &mut self.controls);
            self.answer_controls(io);
            if data > 0 {
                return Ok(Io::Done(data));
            }
        }
    }

    /// Answer the control frames the last read brought: a pong for each ping, our close for
    /// the server's.
    fn answer_controls(&mut self, io: &mut dyn ByteIo) {
        if self.controls.is_empty() {
            return;
        }
        for control in std::mem::take(&mut self.controls) {
            match control {
                Control::Ping(payload) => frame::encode(Opcode::Pong, &payload, &mut self.out),
                Control::Pong => {}
                Control::Close(code, reason) => {
                    log::info!(
                        "culex: the broker closed the WebSocket ({}{}{reason})",
                        code.map_or("no status".to_owned(), |c| format!("status {c}")),
                        if reason.is_empty() { "" } else { ": " }
                    );
                    self.queue_close(code.unwrap_or(frame::CLOSE_NORMAL));
                }
            }
        }
        // Best effort now; what does not fit waits for writability (`wants_write`).
        let _ = self.flush(io);
    }

    /// Queue our close frame (once) with `code`.
    fn queue_close(&mut self, code: u16) {
        if !self.close_sent {
            self.close_sent = true;
            frame::encode(Opcode::Close, &code.to_be_bytes(), &mut self.out);
        }
    }

    /// Write MQTT bytes from `buf` as one binary frame (at most [`MAX_OUT_FRAME`] of them);
    /// `WouldBlock` while an earlier frame is still going out.
    pub fn write(&mut self, io: &mut dyn ByteIo, buf: &[u8]) -> Result<Io, Error> {
        if buf.is_empty() {
            return Ok(Io::Done(0));
        }
        match self.flush(io)? {
            Io::Done(_) => {}
            other => return Ok(other),
        }
        if self.close_sent {
            // Nothing may follow a close frame.
            return Ok(Io::Eof);
        }
        let take = buf.len().min(MAX_OUT_FRAME);
        frame::encode(Opcode::Binary, &buf[..take], &mut self.out);
        match self.flush(io)? {
            Io::Eof => Ok(Io::Eof),
            _ => Ok(Io::Done(take)),
        }
    }

    /// Write out our pending frames: `Done` once none is left, `WouldBlock` if some still are.
    pub fn flush(&mut self, io: &mut dyn ByteIo) -> Result<Io, Error> {
        while self.out_pos < self.out.len() {
            match io.write_io(&self.out[self.out_pos..])? {
                Io::Done(n) => self.out_pos += n,
                other => return Ok(other),
            }
        }
        self.out.clear();
        self.out_pos = 0;
        if self.out.capacity() > OUT_KEEP {
            self.out = Vec::new();
        }
        Ok(Io::Done(0))
    }

    /// Start the close handshake (normal closure) and send what fits, without waiting.
    pub fn close(&mut self, io: &mut dyn ByteIo) {
        self.queue_close(frame::CLOSE_NORMAL);
        let _ = self.flush(io);
    }
}
