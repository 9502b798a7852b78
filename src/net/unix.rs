//! Unix-domain stream sockets: a non-blocking connect to a socket path (mosquitto's
//! `listener 0 /path/to.sock`).
//!
//! A connect to a local socket either completes at once or fails at once (no such path, nobody
//! listening), except when the listener's backlog is full: then it is in progress, and completes
//! like a TCP connect (the socket polls writable, [`super::socket::Socket::connect_result`]).

use std::os::fd::FromRawFd;
use std::os::unix::net::UnixStream;

use crate::error::Error;

/// Start a non-blocking connection to the socket at `path`.
pub fn start_connect(path: &str) -> Result<UnixStream, Error> {
    // SAFETY: all-zero is a valid sockaddr_un (family set below, empty path).
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let bytes = path.as_bytes();
    // One byte of sun_path stays for the terminating NUL.
    if bytes.is_empty() || bytes.len() >= addr.sun_path.len() || bytes.contains(&0) {
        log::warn!(
            "culex: a Unix socket path must be 1 to {} bytes without NUL: {path:?}",
            addr.sun_path.len() - 1
        );
        return Err(Error::Inval);
    }
    for (slot, byte) in addr.sun_path.iter_mut().zip(bytes) {
        *slot = *byte as libc::c_char;
    }
    // SAFETY: plain socket(2) call; the result is checked.
    let fd = unsafe {
        libc::socket(
            libc::AF_UNIX,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    };
    if fd < 0 {
        return Err(Error::last_os_error());
    }
    // SAFETY: fd is a fresh socket that nothing else owns; the stream closes it on drop.
    let stream = unsafe { UnixStream::from_raw_fd(fd) };
    let len = std::mem::size_of::<libc::sa_family_t>() + bytes.len() + 1;
    // SAFETY: connect(2) on our socket with a sockaddr_un we own, `len` bytes of it in use.
    let rc = unsafe {
        libc::connect(
            fd,
            (&addr as *const libc::sockaddr_un).cast(),
            len as libc::socklen_t,
        )
    };
    if rc == 0 {
        return Ok(stream);
    }
    match Error::last_os_error() {
        Error::Errno(code) if code == libc::EINPROGRESS || code == libc::EAGAIN => Ok(stream),
        e => Err(e),
    }
}
