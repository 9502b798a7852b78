//! The stream under a session: plain TCP or TLS over TCP, behind one small interface, plus the
//! per-client TLS state that outlives connections (the built context, the session to resume).

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::fd::RawFd;

use openssl::ssl::{SslContext, SslSession};

use crate::error::Error;
use crate::net::tcp;
use crate::net::tls::{Io, TlsConfig, TlsStream};

/// An established byte stream.
#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(TcpStream),
    Tls(Box<TlsStream>),
}

impl Stream {
    pub(crate) fn fd(&self) -> RawFd {
        match self {
            Stream::Tcp(s) => tcp::raw_fd(s),
            Stream::Tls(s) => s.fd(),
        }
    }

    pub(crate) fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Tcp(s) => s,
            Stream::Tls(s) => s.tcp(),
        }
    }

    /// Read what is available without blocking.
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> Result<Io, Error> {
        match self {
            Stream::Tcp(s) => loop {
                match s.read(buf) {
                    Ok(0) => return Ok(Io::Eof),
                    Ok(n) => return Ok(Io::Done(n)),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(Io::WouldBlock),
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e.into()),
                }
            },
            Stream::Tls(s) => s.read(buf),
        }
    }

    /// Write what fits without blocking.
    pub(crate) fn write(&mut self, buf: &[u8]) -> Result<Io, Error> {
        match self {
            Stream::Tcp(s) => loop {
                match s.write(buf) {
                    Ok(0) => return Ok(Io::Eof),
                    Ok(n) => return Ok(Io::Done(n)),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(Io::WouldBlock),
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e.into()),
                }
            },
            Stream::Tls(s) => s.write(buf),
        }
    }

    /// Whether a read can only go on once the socket is writable (TLS).
    pub(crate) fn wants_write(&self) -> bool {
        match self {
            Stream::Tcp(_) => false,
            Stream::Tls(s) => s.wants_write(),
        }
    }

    /// Whether a read stopped until the socket is writable (TLS); the writer repeats it.
    pub(crate) fn read_wants_write(&self) -> bool {
        match self {
            Stream::Tcp(_) => false,
            Stream::Tls(s) => s.read_wants_write(),
        }
    }

    /// Bytes already decrypted and waiting, which `poll` does not announce.
    pub(crate) fn pending(&self) -> usize {
        match self {
            Stream::Tcp(_) => 0,
            Stream::Tls(s) => s.pending(),
        }
    }

    /// Whether one short read means the socket is drained (true for TCP; TLS returns one record
    /// at a time).
    pub(crate) fn short_read_drains(&self) -> bool {
        matches!(self, Stream::Tcp(_))
    }

    pub(crate) fn close(&mut self) {
        match self {
            Stream::Tcp(s) => {
                let _ = s.shutdown(std::net::Shutdown::Both);
            }
            Stream::Tls(s) => s.close(),
        }
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
    pub(crate) fn start(&mut self, host: &str, tcp: TcpStream) -> Result<TlsStream, Error> {
        let ctx = match &self.ctx {
            Some(ctx) => ctx.clone(),
            None => {
                // Normally built before the attempt, without the lock (see Client::prepare_tls).
                let ctx = crate::net::tls::build_context(&self.config)?;
                self.ctx = Some(ctx.clone());
                ctx
            }
        };
        TlsStream::new(&ctx, &self.config, host, self.session.as_ref(), tcp)
    }
}
