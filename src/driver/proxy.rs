//! The proxy phase of a connection (SOCKS5 or HTTP CONNECT): after TCP reaches the proxy and
//! before TLS, WebSocket or MQTT, in whichever loop drives the client ([`Conn::Proxying`]), or on
//! the caller's thread for a blocking connect.
//!
//! A failed handshake (refused credentials, the proxy unable to reach the broker) tries the next
//! route if there is one, else ends the attempt with the error.

use std::time::Instant;

use super::route::Endpoint;
use super::{Attempt, Conn, Core, Route};
use crate::error::Error;
use crate::net::proxy::{Handshake, ProxyConfig};
use crate::net::socket::Socket;
use crate::net::tcp;

impl Core {
    /// The socket is up along `route`: run the proxy's handshake first when a proxy is
    /// configured (never for a Unix socket), else go on to TLS or MQTT.
    pub(crate) fn tcp_up(
        &mut self,
        stream: Socket,
        attempt: Box<Attempt>,
        now: Instant,
    ) -> Result<(), Error> {
        let proxy = match (&self.proxy, &attempt.route.addr) {
            (Some(proxy), Endpoint::Inet(_)) => proxy,
            _ => return self.secure(stream, &attempt.route.host, now),
        };
        let route = &attempt.route;
        let socks = match Handshake::new(proxy, &route.host, route.port) {
            Ok(socks) => socks,
            Err(e) => {
                self.abandon_attempt();
                return Err(e);
            }
        };
        log::debug!(
            "culex: connected to the proxy at {}, asking for {}:{}",
            route.addr,
            route.host,
            route.port
        );
        self.conn = Conn::Proxying {
            stream,
            socks: Box::new(socks),
            attempt,
            since: now,
        };
        self.proxy_progress(now)
    }

    /// Advance the proxy's handshake; on success go on to TLS or MQTT.
    pub(crate) fn proxy_progress(&mut self, now: Instant) -> Result<(), Error> {
        let Conn::Proxying { stream, socks, .. } = &mut self.conn else {
            return Ok(());
        };
        let result = socks.advance(stream);
        if let Ok(false) = result {
            return Ok(());
        }
        let Conn::Proxying {
            stream, attempt, ..
        } = std::mem::replace(&mut self.conn, Conn::Idle)
        else {
            unreachable!("checked above");
        };
        let Attempt { route, rest } = *attempt;
        match result {
            Ok(_) => {
                log::debug!(
                    "culex: the proxy connected us to {}:{}",
                    route.host,
                    route.port
                );
                self.secure(stream, &route.host, now)
            }
            Err(e) if !rest.is_empty() => {
                log::debug!(
                    "culex: through the proxy to {} failed ({e}), trying the next route",
                    route.host
                );
                let result = self.try_addresses(rest, now);
                if result.is_err() {
                    self.abandon_attempt();
                }
                result
            }
            Err(e) => {
                self.attempt_failed(&e);
                Err(e)
            }
        }
    }
}

/// Run the proxy's whole handshake on this thread (blocking connect), until `deadline`.
pub(super) fn proxy_blocking(
    proxy: &ProxyConfig,
    stream: &mut Socket,
    route: &Route,
    deadline: Instant,
) -> Result<(), Error> {
    let mut socks = Handshake::new(proxy, &route.host, route.port)?;
    loop {
        if socks.advance(stream)? {
            return Ok(());
        }
        let now = Instant::now();
        if now >= deadline {
            log::warn!(
                "culex: the {} handshake with {} timed out",
                socks.name(),
                route.addr
            );
            return Err(Error::Timeout);
        }
        let mut ready = [tcp::Ready::default()];
        let interest = [tcp::Interest {
            fd: stream.fd(),
            read: !socks.wants_write(),
            write: socks.wants_write(),
        }];
        tcp::poll(&interest, Some(deadline - now), &mut ready)?;
    }
}
