//! Name resolution: numeric addresses parsed in place, names resolved with the system resolver
//! (blocking; the driver runs it off the caller's thread for asynchronous connects).

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

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
pub fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, Error> {
    if let Some(addr) = numeric(host, port) {
        return Ok(vec![addr]);
    }
    match (host, port).to_socket_addrs() {
        Ok(addrs) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                log::warn!("culex: no address found for '{host}'");
                Err(Error::Lookup)
            } else {
                Ok(addrs)
            }
        }
        Err(e) => {
            log::warn!("culex: cannot resolve '{host}': {e}");
            Err(Error::Lookup)
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
