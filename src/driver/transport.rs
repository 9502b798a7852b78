//! The stream under a session: a socket (TCP or Unix), TLS over it or not, and WebSocket framing
//! over that or not, behind one small interface; plus the per-client TLS state that outlives
//! connections (the built context, the session to resume).

use openssl::ssl::{SslContext, SslSession};

use crate::error::Error;
use crate::net::socket::{ByteIo, Io, Socket};
use crate::net::tls::{TlsConfig, TlsStream};
use crate::net::websocket::WebSocket;

/// The byte stream to the broker: the socket, or TLS over it.
#[derive(Debug)]
pub(crate) enum Link {
    Plain(Socket),
    Tls(Box<TlsStream>),
}

impl Link {
    fn io(&mut self) -> &mut dyn ByteIo {
        match self {
            Link::Plain(s) => s,
            Link::Tls(s) => s.as_mut(),
        }
    }

    pub(crate) fn socket(&self) -> &Socket {
        match self {
            Link::Plain(s) => s,
            Link::Tls(s) => s.socket(),
        }
    }

    /// Whether OpenSSL needs the socket writable before a read or write can go on.
    pub(crate) fn wants_write(&self) -> bool {
        match self {
            Link::Plain(_) => false,
            Link::Tls(s) => s.wants_write(),
        }
    }

    pub(crate) fn close(&mut self) {
        match self {
            Link::Plain(s) => s.shutdown(),
            Link::Tls(s) => s.close(),
        }
    }
}

/// An established stream: the link, with WebSocket framing on top when the target asked for it.
#[derive(Debug)]
pub(crate) struct Stream {
    pub(crate) link: Link,
    pub(crate) ws: Option<Box<WebSocket>>,
}

impl Stream {
    pub(crate) fn new(link: Link, ws: Option<Box<WebSocket>>) -> Stream {
        Stream { link, ws }
    }

    pub(crate) fn socket(&self) -> &Socket {
        self.link.socket()
    }

    /// The TLS connection, if the link is one.
    pub(crate) fn tls(&mut self) -> Option<&mut TlsStream> {
        match &mut self.link {
            Link::Tls(s) => Some(s),
            Link::Plain(_) => None,
        }
    }

    /// The TLS connection, if the link is one.
    pub(crate) fn tls_ref(&self) -> Option<&TlsStream> {
        match &self.link {
            Link::Tls(s) => Some(s),
            Link::Plain(_) => None,
        }
    }

    /// Read MQTT bytes that are available, without blocking.
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> Result<Io, Error> {
        match &mut self.ws {
            Some(ws) => ws.read(self.link.io(), buf),
            None => self.link.io().read_io(buf),
        }
    }

    /// Write MQTT bytes, what fits without blocking.
    pub(crate) fn write(&mut self, buf: &[u8]) -> Result<Io, Error> {
        match &mut self.ws {
            Some(ws) => ws.write(self.link.io(), buf),
            None => self.link.io().write_io(buf),
        }
    }

    /// Write out what the stream holds of its own (WebSocket pongs and close frames, a frame
    /// partly written): `Done` when nothing is left, `WouldBlock` otherwise.
    pub(crate) fn flush(&mut self) -> Result<Io, Error> {
        match &mut self.ws {
            Some(ws) => ws.flush(self.link.io()),
            None => Ok(Io::Done(0)),
        }
    }

    /// Whether the socket must be polled for writing for the stream's own sake (TLS needs it
    /// to go on, or WebSocket frames of its own wait).
    pub(crate) fn wants_write(&self) -> bool {
        self.link.wants_write() || self.ws.as_ref().is_some_and(|ws| ws.wants_write())
    }

    /// Whether a read stopped until the socket is writable (TLS); the writer repeats it.
    pub(crate) fn read_wants_write(&self) -> bool {
        self.tls_ref().is_some_and(|s| s.read_wants_write())
    }

    /// Bytes already decrypted and waiting, which `poll` does not announce.
    pub(crate) fn pending(&self) -> usize {
        self.tls_ref().map_or(0, |s| s.pending())
    }

    /// Whether one short read means the socket is drained (true for a plain socket; TLS
    /// returns one record at a time; a WebSocket that ended still has that end to report).
    pub(crate) fn short_read_drains(&self) -> bool {
        matches!(self.link, Link::Plain(_)) && !self.ws.as_ref().is_some_and(|ws| ws.ended())
    }

    /// Close: the WebSocket close frame first (without waiting), then TLS's close_notify, then
    /// the socket.
    pub(crate) fn close(&mut self) {
        if let Some(ws) = &mut self.ws {
            ws.close(self.link.io());
        }
        self.link.close();
    }
}

/// TLS settings and what the driver keeps between connections.
pub(crate) struct TlsState {
    pub(crate) config: TlsConfig,
    /// Bumped by every change of `config`; a context built from an older one is dropped.
    pub(crate) generation: u64,
    pub(crate) ctx: Option<SslContext>,
    /// The session of the last connection, offered again on the next one.
    pub(crate) session: Option<SslSession>,
}

impl std::fmt::Debug for TlsState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsState")
            .field("config", &self.config)
            .field("generation", &self.generation)
            .field("ctx", &self.ctx.is_some())
            .field("session", &self.session.is_some())
            .finish()
    }
}

impl TlsState {
    pub(crate) fn new() -> TlsState {
        TlsState {
            config: TlsConfig::new(),
            generation: 0,
            ctx: None,
            session: None,
        }
    }

    /// Whether connections use TLS.
    pub(crate) fn enabled(&self) -> bool {
        self.config.enabled()
    }

    /// Forget the built context and the session: the configuration changed.
    pub(crate) fn changed(&mut self) {
        self.generation += 1;
        self.ctx = None;
        self.session = None;
    }

    /// Start TLS on a connected socket to `host`.
    pub(crate) fn start(&mut self, host: &str, socket: Socket) -> Result<TlsStream, Error> {
        let ctx = match &self.ctx {
            Some(ctx) => ctx.clone(),
            None => {
                // Normally built before the attempt, without the lock (see Client::prepare_tls).
                let ctx = crate::net::tls::build_context(&self.config)?;
                self.ctx = Some(ctx.clone());
                ctx
            }
        };
        TlsStream::new(&ctx, &self.config, host, self.session.as_ref(), socket)
    }
}
