//! Name resolution: numeric addresses parsed in place, names resolved with the system resolver
//! (getaddrinfo, blocking; the driver runs it off the caller's thread for asynchronous
//! connects).

use std::ffi::{CStr, CString};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::os::raw::c_int;

use crate::error::Error;

/// The address for `host` when it is a numeric IPv4 or IPv6 address (brackets allowed for IPv6).
pub fn numeric(host: &str, port: u16) -> Option<SocketAddr> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse::<IpAddr>()
        .ok()
        .map(|ip| SocketAddr::new(ip, port))
}

/// Every address of `host`, in the resolver's order of preference. Blocks on DNS.
///
/// A failed lookup is [`Error::Eai`] with getaddrinfo's code, as libmosquitto reports it
/// (`MOSQ_ERR_EAI`, errno set to that code), so `gai_strerror(errno)` names the cause.
pub fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, Error> {
    if let Some(addr) = numeric(host, port) {
        return Ok(vec![addr]);
    }
    let Ok(name) = CString::new(host) else {
        log::warn!("culex: the host name holds a NUL byte");
        return Err(Error::Inval);
    };
    let addrs = getaddrinfo(&name, port).inspect_err(|code| {
        // SAFETY: gai_strerror returns a static string for any code.
        let why = unsafe { CStr::from_ptr(libc::gai_strerror(*code)) };
        log::warn!("culex: cannot resolve '{host}': {}", why.to_string_lossy());
    });
    match addrs {
        Ok(addrs) if addrs.is_empty() => {
            log::warn!("culex: no address found for '{host}'");
            Err(Error::Eai(libc::EAI_NONAME))
        }
        Ok(addrs) => Ok(addrs),
        Err(code) => Err(Error::Eai(code)),
    }
}

/// The stream addresses of `name` (any family) from the system resolver, or its error code.
fn getaddrinfo(name: &CStr, port: u16) -> Result<Vec<SocketAddr>, i32> {
    // SAFETY: all-zero is a valid `addrinfo` (null pointers, zero numbers).
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = libc::AF_UNSPEC;
    hints.ai_socktype = libc::SOCK_STREAM;
    let mut list: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: `name` is NUL-terminated, `hints` and `list` are valid for the call.
    let rc = unsafe { libc::getaddrinfo(name.as_ptr(), std::ptr::null(), &hints, &mut list) };
    if rc != 0 {
        return Err(rc);
    }
    let mut addrs = Vec::new();
    let mut at = list;
    while !at.is_null() {
        // SAFETY: `at` is an entry of the list getaddrinfo returned, not yet freed.
        let entry = unsafe { &*at };
        // SAFETY: getaddrinfo's `ai_addr` holds `ai_addrlen` bytes of the family it names.
        if let Some(addr) = unsafe { socket_addr(entry.ai_addr, port) } {
            if !addrs.contains(&addr) {
                addrs.push(addr);
            }
        }
        at = entry.ai_next;
    }
    // SAFETY: the list getaddrinfo returned, freed once.
    unsafe { libc::freeaddrinfo(list) };
    Ok(addrs)
}

/// The IPv4 or IPv6 address at `sa`, with `port`; None for other families.
///
/// # Safety
/// `sa` is NULL or points to a socket address of the size its family implies.
unsafe fn socket_addr(sa: *const libc::sockaddr, port: u16) -> Option<SocketAddr> {
    if sa.is_null() {
        return None;
    }
    // SAFETY: the caller's contract; the family says which struct it is.
    unsafe {
        match c_int::from((*sa).sa_family) {
            libc::AF_INET => {
                let v4 = &*(sa as *const libc::sockaddr_in);
                let ip = Ipv4Addr::from(u32::from_be(v4.sin_addr.s_addr));
                Some(SocketAddr::new(IpAddr::V4(ip), port))
            }
            libc::AF_INET6 => {
                let v6 = &*(sa as *const libc::sockaddr_in6);
                let ip = Ipv6Addr::from(v6.sin6_addr.s6_addr);
                Some(SocketAddr::V6(SocketAddrV6::new(
                    ip,
                    port,
                    v6.sin6_flowinfo,
                    v6.sin6_scope_id,
                )))
            }
            _ => None,
        }
    }
}

/// The local address for a bind address given as a numeric address or a name.
pub fn bind_address(host: &str) -> Result<IpAddr, Error> {
    if let Some(addr) = numeric(host, 0) {
        return Ok(addr.ip());
    }
    resolve(host, 0).map(|addrs| addrs[0].ip())
}
