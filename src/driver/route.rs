//! Where a connection attempt goes: the list of [`Route`]s to try, in order.
//!
//! A route is one socket address to connect to (TCP, or a Unix socket path) plus the broker it
//! leads to. Without a proxy the address is one of the broker's; with a proxy (SOCKS5 or HTTP
//! CONNECT) it is one of the proxy's, and the broker's name travels in the proxy request (the
//! proxy resolves it). A Unix socket is always reached directly. With DNS SRV discovery
//! (`connect_srv`) the brokers are the SRV targets, in RFC 2782 order, so a dead target falls
//! back to the next one.
//!
//! [`Plan::routes`] blocks on DNS: the driver runs it on a resolver thread for asynchronous
//! connects (or on the caller's thread for blocking ones), never on a loop thread.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use super::{Target, Transport};
use crate::error::Error;
use crate::net::proxy::ProxyConfig;
use crate::net::{resolve, srv};

/// Where a socket connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Inet(SocketAddr),
    /// A Unix-domain socket's path.
    Unix(Arc<str>),
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Inet(addr) => write!(f, "{addr}"),
            Endpoint::Unix(path) => write!(f, "unix:{path}"),
        }
    }
}

/// One way to the broker.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    /// Where the socket connects: the broker, or the proxy.
    pub(crate) addr: Endpoint,
    /// The broker's host name (TLS verifies it; a proxy is asked to connect to it) and port.
    pub(crate) host: Arc<str>,
    pub(crate) port: u16,
}

/// Everything needed to compute the routes, detached from the client's lock.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) target: Target,
    /// The SRV name to look up instead of using the target's host and port.
    pub(crate) srv: Option<String>,
    pub(crate) proxy: Option<ProxyConfig>,
}

/// The routes as a log line: `host:port via address`, in order.
pub(crate) fn describe(routes: &[Route]) -> String {
    let parts: Vec<String> = routes
        .iter()
        .map(|r| format!("{}:{} via {}", r.host, r.port, r.addr))
        .collect();
    parts.join(", ")
}

impl Plan {
    /// The routes when no DNS is needed (numeric addresses, no SRV), else `None`.
    pub(crate) fn numeric(&self) -> Option<Vec<Route>> {
        if self.target.transport == Transport::Unix {
            return Some(vec![self.unix_route()]);
        }
        if self.srv.is_some() {
            return None;
        }
        let (host, port) = self.first_hop();
        resolve::numeric(host, port)
            .map(|addr| vec![self.route(addr, &self.target.host, self.target.port)])
    }

    /// The one route to a Unix socket target.
    fn unix_route(&self) -> Route {
        let path: Arc<str> = Arc::from(&*self.target.host);
        Route {
            addr: Endpoint::Unix(Arc::clone(&path)),
            host: path,
            port: 0,
        }
    }

    /// The routes, in the order to try them. Blocks on DNS.
    pub(crate) fn routes(&self) -> Result<Vec<Route>, Error> {
        if self.target.transport == Transport::Unix {
            return Ok(vec![self.unix_route()]);
        }
        let brokers: Vec<srv::Endpoint> = match &self.srv {
            Some(name) => srv::lookup(name)?,
            None => vec![srv::Endpoint {
                host: self.target.host.to_string(),
                port: self.target.port,
                addrs: Vec::new(),
            }],
        };
        if let Some(proxy) = &self.proxy {
            let proxies = resolve::resolve(&proxy.host, proxy.port)?;
            return Ok(brokers
                .iter()
                .flat_map(|b| proxies.iter().map(|a| self.route(*a, &b.host, b.port)))
                .collect());
        }
        let mut routes = Vec::new();
        let mut last = Error::Lookup;
        for broker in &brokers {
            let addrs = if broker.addrs.is_empty() {
                match resolve::resolve(&broker.host, broker.port) {
                    Ok(addrs) => addrs,
                    Err(e) => {
                        last = e;
                        continue;
                    }
                }
            } else {
                broker
                    .addrs
                    .iter()
                    .map(|ip| SocketAddr::new(*ip, broker.port))
                    .collect()
            };
            routes.extend(
                addrs
                    .into_iter()
                    .map(|a| self.route(a, &broker.host, broker.port)),
            );
        }
        if routes.is_empty() {
            Err(last)
        } else {
            Ok(routes)
        }
    }

    /// The proxy a connection along `route` goes through: none to a Unix socket.
    pub(crate) fn proxy_for(&self, route: &Route) -> Option<&ProxyConfig> {
        match route.addr {
            Endpoint::Inet(_) => self.proxy.as_ref(),
            Endpoint::Unix(_) => None,
        }
    }

    /// The host and port TCP goes to first when there is no SRV lookup.
    fn first_hop(&self) -> (&str, u16) {
        match &self.proxy {
            Some(proxy) => (&proxy.host, proxy.port),
            None => (&self.target.host, self.target.port),
        }
    }

    fn route(&self, addr: SocketAddr, host: &str, port: u16) -> Route {
        Route {
            addr: Endpoint::Inet(addr),
            host: Arc::from(host),
            port,
        }
    }
}
