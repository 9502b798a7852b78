//! The socket under every connection: a TCP stream (IPv4 or IPv6) or a Unix-domain stream
//! socket, behind one type, with non-blocking reads and writes that say "would block" instead of
//! waiting ([`Io`]), a peek that never consumes (for reading a handshake's head exactly), the
//! completion check of a non-blocking connect, and the descriptor for `poll(2)`.
//!
//! It owns the descriptor; it knows nothing about what travels over it (proxy handshakes, TLS,
//! WebSocket frames, MQTT).

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::UnixStream;

use crate::error::Error;

/// What a non-blocking read or write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Io {
    /// This many bytes moved (never 0, except for a write of nothing).
    Done(usize),
    /// The peer closed the connection.
    Eof,
    /// Nothing can move until the socket is ready.
    WouldBlock,
}

/// A byte stream the layers above a socket run over: the socket itself, or TLS over it.
pub trait ByteIo {
    /// Read what is available without blocking.
    fn read_io(&mut self, buf: &mut [u8]) -> Result<Io, Error>;
    /// Write what fits without blocking.
    fn write_io(&mut self, buf: &[u8]) -> Result<Io, Error>;
    /// Look at what is available without consuming it.
    fn peek_io(&mut self, buf: &mut [u8]) -> Result<Io, Error>;
}

/// A connected (or connecting) stream socket.
#[derive(Debug)]
pub enum Socket {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Socket {
    /// The descriptor.
    pub fn fd(&self) -> RawFd {
        match self {
            Socket::Tcp(s) => s.as_raw_fd(),
            Socket::Unix(s) => s.as_raw_fd(),
        }
    }

    /// Whether this is a Unix-domain socket.
    pub fn is_unix(&self) -> bool {
        matches!(self, Socket::Unix(_))
    }

    /// After the socket polled writable: `Ok(())` when connected, the connect error otherwise.
    pub fn connect_result(&self) -> Result<(), Error> {
        let (error, connected) = match self {
            Socket::Tcp(s) => (s.take_error(), s.peer_addr().map(drop)),
            Socket::Unix(s) => (s.take_error(), s.peer_addr().map(drop)),
        };
        match error {
            Ok(None) => match connected {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == ErrorKind::NotConnected => Err(Error::ConnLost),
                Err(e) => Err(e.into()),
            },
            Ok(Some(e)) | Err(e) => Err(e.into()),
        }
    }

    /// Set or clear TCP_NODELAY (nothing to do on a Unix socket).
    pub fn set_nodelay(&self, on: bool) -> Result<(), Error> {
        match self {
            Socket::Tcp(s) => s.set_nodelay(on).map_err(Error::from),
            Socket::Unix(_) => Ok(()),
        }
    }

    /// Shut both directions down (the descriptor stays open until drop).
    pub fn shutdown(&self) {
        let _ = match self {
            Socket::Tcp(s) => s.shutdown(Shutdown::Both),
            Socket::Unix(s) => s.shutdown(Shutdown::Both),
        };
    }
}

impl AsFd for Socket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Socket::Tcp(s) => s.as_fd(),
            Socket::Unix(s) => s.as_fd(),
        }
    }
}

impl AsRawFd for Socket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd()
    }
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.read(buf),
            Socket::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.write(buf),
            Socket::Unix(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One non-blocking I/O call as an [`Io`], retried when interrupted.
fn nonblocking(mut call: impl FnMut() -> io::Result<usize>) -> Result<Io, Error> {
    loop {
        match call() {
            Ok(0) => return Ok(Io::Eof),
            Ok(n) => return Ok(Io::Done(n)),
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(Io::WouldBlock),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

impl ByteIo for Socket {
    fn read_io(&mut self, buf: &mut [u8]) -> Result<Io, Error> {
        nonblocking(|| self.read(buf))
    }

    fn write_io(&mut self, buf: &[u8]) -> Result<Io, Error> {
        if buf.is_empty() {
            return Ok(Io::Done(0));
        }
        nonblocking(|| self.write(buf))
    }

    fn peek_io(&mut self, buf: &mut [u8]) -> Result<Io, Error> {
        let fd = self.fd();
        nonblocking(|| {
            // SAFETY: recv(2) into a buffer we own, of its length; MSG_PEEK leaves the bytes.
            let n = unsafe {
                libc::recv(
                    fd,
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    libc::MSG_PEEK | libc::MSG_DONTWAIT,
                )
            };
            if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize)
            }
        })
    }
}

/// For the handshakes' unit tests: a peer that takes every write (into `got`) and answers with
/// `reply`, a byte at a time or all at once as the reader asks.
#[cfg(test)]
pub(crate) struct ScriptedPeer {
    pub(crate) got: Vec<u8>,
    pub(crate) reply: Vec<u8>,
}

#[cfg(test)]
impl ByteIo for ScriptedPeer {
    fn read_io(&mut self, buf: &mut [u8]) -> Result<Io, Error> {
        let r = self.peek_io(buf)?;
        if let Io::Done(n) = r {
            self.reply.drain(..n);
        }
        Ok(r)
    }
    fn write_io(&mut self, buf: &[u8]) -> Result<Io, Error> {
        self.got.extend_from_slice(buf);
        Ok(Io::Done(buf.len()))
    }
    fn peek_io(&mut self, buf: &mut [u8]) -> Result<Io, Error> {
        if self.reply.is_empty() {
            return Ok(Io::WouldBlock);
        }
        let n = self.reply.len().min(buf.len());
        buf[..n].copy_from_slice(&self.reply[..n]);
        Ok(Io::Done(n))
    }
}
