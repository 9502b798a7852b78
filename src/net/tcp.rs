//! Non-blocking TCP connections: socket creation with an optional local bind address, connect
//! started without waiting, completion checks, and `poll(2)` readiness (no descriptor limit).

use std::io;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::os::fd::{FromRawFd, RawFd};
use std::time::Duration;

use crate::error::Error;

/// Start a non-blocking connection to `addr`, bound first to `bind` when given.
///
/// Returns the stream at once; the connection may still be in progress (see
/// [`super::socket::Socket::connect_result`]).
pub fn start_connect(addr: SocketAddr, bind: Option<IpAddr>) -> Result<TcpStream, Error> {
    let family = match addr {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    };
    // SAFETY: plain socket(2) call; the result is checked.
    let fd = unsafe {
        libc::socket(
            family,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    };
    if fd < 0 {
        return Err(Error::last_os_error());
    }
    // SAFETY: fd is a fresh socket that nothing else owns; the stream closes it on drop.
    let stream = unsafe { TcpStream::from_raw_fd(fd) };
    if let Some(ip) = bind {
        let local = SocketAddr::new(ip, 0);
        if (local.is_ipv4()) != (addr.is_ipv4()) {
            return Err(Error::Inval);
        }
        // SAFETY: `sys_addr_call` passes our socket and a sockaddr of `len` bytes it owns.
        let bind = |fd, sa, len| unsafe { libc::bind(fd, sa, len) };
        sys_addr_call(fd, local, bind)?;
    }
    // SAFETY: as for bind.
    let connect = |fd, sa, len| unsafe { libc::connect(fd, sa, len) };
    match sys_addr_call(fd, addr, connect) {
        Ok(()) => Ok(stream),
        Err(Error::Errno(code)) if code == libc::EINPROGRESS => Ok(stream),
        Err(e) => Err(e),
    }
}

/// Readiness of one descriptor as reported by [`poll`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ready {
    pub readable: bool,
    pub writable: bool,
    /// Error or hang-up: a read or write will tell what happened.
    pub error: bool,
}

/// Interest in one descriptor for [`poll`].
#[derive(Debug, Clone, Copy)]
pub struct Interest {
    pub fd: RawFd,
    pub read: bool,
    pub write: bool,
}

/// Wait until one of the descriptors is ready or `timeout` passes (`None` waits forever).
/// Interrupted waits return with nothing ready.
pub fn poll(
    interests: &[Interest],
    timeout: Option<Duration>,
    ready: &mut [Ready],
) -> Result<(), Error> {
    let mut fds = [libc::pollfd {
        fd: -1,
        events: 0,
        revents: 0,
    }; 4];
    let n = interests.len().min(fds.len());
    for (slot, interest) in fds.iter_mut().zip(interests) {
        slot.fd = interest.fd;
        slot.events = (if interest.read { libc::POLLIN } else { 0 })
            | (if interest.write { libc::POLLOUT } else { 0 });
    }
    let millis = match timeout {
        None => -1,
        Some(d) => {
            // Round up so a deadline 0.3 ms away does not spin.
            let ms = d.as_micros().div_ceil(1000);
            ms.min(i32::MAX as u128) as libc::c_int
        }
    };
    // SAFETY: fds holds n initialised pollfd entries.
    let rc = unsafe { libc::poll(fds.as_mut_ptr(), n as libc::nfds_t, millis) };
    for r in ready.iter_mut() {
        *r = Ready::default();
    }
    if rc < 0 {
        let err = io::Error::last_os_error();
        if err.kind() == io::ErrorKind::Interrupted {
            return Ok(());
        }
        return Err(err.into());
    }
    for (r, slot) in ready.iter_mut().zip(&fds[..n]) {
        r.readable = slot.revents & libc::POLLIN != 0;
        r.writable = slot.revents & libc::POLLOUT != 0;
        r.error = slot.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0;
    }
    Ok(())
}

fn sys_addr_call(
    fd: RawFd,
    addr: SocketAddr,
    call: impl FnOnce(RawFd, *const libc::sockaddr, libc::socklen_t) -> libc::c_int,
) -> Result<(), Error> {
    // SAFETY: sockaddr_storage is plain old data; all-zero is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is large enough and suitably aligned for sockaddr_in.
            unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin) };
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: sockaddr_storage is large enough and suitably aligned for sockaddr_in6.
            unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin6) };
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    let rc = call(
        fd,
        (&storage as *const libc::sockaddr_storage).cast(),
        len as libc::socklen_t,
    );
    if rc < 0 {
        Err(Error::last_os_error())
    } else {
        Ok(())
    }
}
