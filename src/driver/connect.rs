//! Starting connections: blocking and asynchronous connects, name resolution (and SRV lookups)
//! off the caller's thread, trying each route in turn (TCP or a Unix socket), the TLS context
//! built before an attempt (and the proxy handshake done off the lock for a blocking connect),
//! and connect timeouts.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};

use super::route::{Endpoint, Plan};
use super::{Attempt, Client, ClientEvent, Conn, Core, Route, Target, Transport};
use crate::error::Error;
use crate::net::proxy::ProxyConfig;
use crate::net::socket::Socket;
use crate::net::tls::build_context;
use crate::net::{resolve, srv, tcp, unix};

impl Client {
    /// Connect to `target`. Blocking: resolves and completes TCP before returning (CONNECT is
    /// queued and sent as soon as the socket allows). Asynchronous: never waits for DNS or TCP;
    /// a loop finishes the job.
    pub fn connect(&self, target: Target, blocking: bool) -> Result<(), Error> {
        {
            let mut core = self.lock();
            if core.target.as_ref().is_some_and(|t| t.host != target.host) {
                // A TLS session belongs to the broker it came from.
                if let Some(tls) = &mut core.tls {
                    tls.session = None;
                }
            }
            let mut target = target;
            if target.bind_address.is_none() {
                target.bind_address = core.default_bind.clone();
            }
            core.target = Some(Box::new(target));
            core.srv = false;
            core.forget_server_list();
        }
        self.start(blocking)
    }

    /// Connect to the brokers that the DNS SRV records of `target.host` name
    /// (`_secure-mqtt._tcp.<host>` with TLS, `_mqtt._tcp.<host>` without), trying them in RFC 2782
    /// order. Asynchronous: the lookup runs on the resolver thread and a loop finishes the job;
    /// reconnects look the records up again.
    pub fn connect_srv(&self, target: Target) -> Result<(), Error> {
        {
            let mut core = self.lock();
            if !core.srv || core.target.as_ref().map_or(true, |t| t.host != target.host) {
                if let Some(tls) = &mut core.tls {
                    tls.session = None;
                }
            }
            let mut target = target;
            if target.bind_address.is_none() {
                target.bind_address = core.default_bind.clone();
            }
            core.target = Some(Box::new(target));
            core.srv = true;
            core.forget_server_list();
        }
        self.start(false)
    }

    /// Connect again to the last target, keeping the session.
    pub fn reconnect(&self, blocking: bool) -> Result<(), Error> {
        self.start(blocking)
    }

    fn start(&self, blocking: bool) -> Result<(), Error> {
        if let Err(e) = self.prepare_tls() {
            self.nudge();
            return Err(e);
        }
        let result = if blocking {
            self.start_blocking()
        } else {
            let mut core = self.lock();
            core.start_async(Instant::now(), &self.wake)
        };
        self.nudge();
        result
    }

    /// Build the TLS context if TLS is on and there is none yet. Runs without the lock: loading
    /// an encrypted key calls the application's password callback, which may call the API.
    fn prepare_tls(&self) -> Result<(), Error> {
        let (config, generation) = {
            let core = self.lock();
            let Some(tls) = core.tls.as_deref() else {
                return Ok(());
            };
            if !tls.enabled() || tls.ctx.is_some() {
                return Ok(());
            }
            (tls.config.clone(), tls.generation)
        };
        let ctx = build_context(&config)?;
        let mut core = self.lock();
        if let Some(tls) = core
            .tls
            .as_deref_mut()
            .filter(|t| t.generation == generation)
        {
            tls.ctx = Some(ctx);
        }
        Ok(())
    }

    /// Resolve and connect on this thread without holding the lock, so that other threads'
    /// commands (and a loop thread) never wait for the network.
    fn start_blocking(&self) -> Result<(), Error> {
        let (plan, timeout) = {
            let mut core = self.lock();
            let target = core.begin_attempt()?;
            core.conn = Conn::Pending {
                since: Instant::now(),
            };
            (core.plan(target), core.connect_timeout())
        };
        let target = plan.target.clone();
        let deadline = Instant::now() + timeout;
        let connected = connect_blocking(&plan, timeout, deadline);
        let mut core = self.lock();
        if !matches!(core.conn, Conn::Pending { .. }) {
            // Abandoned meanwhile (disconnect, another connect, timeout): drop this stream.
            return Err(Error::NoConn);
        }
        match connected {
            // TLS starts here and goes on in the loop, as libmosquitto's does: a broker whose
            // certificate does not verify is reported by the loop (MOSQ_ERR_TLS), not here.
            Ok((stream, route)) => {
                core.socket_created();
                core.secure(stream, &route.host, Instant::now())
            }
            Err(e) => {
                if e != Error::Proxy && e != Error::Protocol {
                    // Proxy failures were logged with their reason already.
                    log::warn!(
                        "culex: connecting to {}:{} failed: {e}",
                        target.host,
                        target.port
                    );
                }
                core.abandon_attempt();
                Err(e)
            }
        }
    }
}

/// Resolve the plan's routes and connect along the first that answers (through the proxy's
/// handshake when there is one).
pub(super) fn connect_blocking(
    plan: &Plan,
    timeout: Duration,
    deadline: Instant,
) -> Result<(Socket, Route), Error> {
    let routes = plan.routes()?;
    log::debug!("culex: trying {}", super::route::describe(&routes));
    let bind = Core::bind_ip(&plan.target)?;
    let mut last = Error::ConnLost;
    for route in routes {
        let addr = &route.addr;
        let connected = connect_one_blocking(addr, bind, timeout).and_then(|mut stream| {
            if let Some(proxy) = plan.proxy_for(&route) {
                super::proxy::proxy_blocking(proxy, &mut stream, &route, deadline)?;
            }
            Ok(stream)
        });
        match connected {
            Ok(stream) => {
                log::debug!("culex: connected to {addr}");
                return Ok((stream, route));
            }
            Err(e) => {
                log::debug!("culex: connect to {addr} failed: {e}");
                last = e;
            }
        }
    }
    Err(last)
}

impl Core {
    /// End any current connection and mark a new attempt (on the next server of a list, if the
    /// last attempt failed); returns the target.
    fn begin_attempt(&mut self) -> Result<Target, Error> {
        self.choose_server(!matches!(self.conn, Conn::Idle));
        let Some(target) = self.target.as_deref().cloned() else {
            log::warn!("culex: no broker to connect to: call a connect function first");
            return Err(Error::Inval);
        };
        if !matches!(self.conn, Conn::Idle) {
            // A new connect replaces the old connection (as libmosquitto's reconnect does).
            self.close(Some(Error::ConnLost));
        }
        self.user_disconnect = false;
        self.session.open();
        Ok(target)
    }

    /// Start an asynchronous connection attempt to the stored target.
    pub(crate) fn start_async(
        &mut self,
        now: Instant,
        wake: &OnceLock<crate::net::wake::Wake>,
    ) -> Result<(), Error> {
        let target = self.begin_attempt()?;
        let result = self.connect_async(&target, now, wake);
        if let Err(e) = &result {
            log::warn!(
                "culex: connecting to {}:{} failed: {e}",
                target.host,
                target.port
            );
            self.abandon_attempt();
        }
        result
    }

    /// What an attempt needs to find its routes, taken from the configuration.
    pub(crate) fn plan(&self, target: Target) -> Plan {
        let srv = self
            .srv
            .then(|| srv::service_name(&target.host, self.tls_enabled()));
        let proxy: Option<ProxyConfig> = self.proxy.as_deref().cloned();
        Plan { target, srv, proxy }
    }

    fn bind_ip(target: &Target) -> Result<Option<IpAddr>, Error> {
        match &target.bind_address {
            // A Unix socket has no local address to bind.
            Some(_) if target.transport == Transport::Unix => Ok(None),
            Some(host) => resolve::bind_address(host).map(Some),
            None => Ok(None),
        }
    }

    fn connect_async(
        &mut self,
        target: &Target,
        now: Instant,
        wake: &OnceLock<crate::net::wake::Wake>,
    ) -> Result<(), Error> {
        let plan = self.plan(target.clone());
        if let Some(routes) = plan.numeric() {
            return self.try_addresses(routes.into(), now);
        }
        let (tx, rx) = mpsc::channel();
        // The resolver wakes whichever loop waits for it (creating the descriptor now, before
        // any loop could start waiting for this attempt).
        let waker = super::wake_of(wake)?.try_clone()?;
        std::thread::Builder::new()
            .name("culex-resolve".into())
            .spawn(move || {
                let _ = tx.send(plan.routes());
                waker.signal();
            })
            .map_err(Error::from)?;
        self.conn = Conn::Resolving { rx, since: now };
        Ok(())
    }

    /// Start connecting along the first route that takes a connect, keeping the rest.
    pub(crate) fn try_addresses(
        &mut self,
        mut routes: VecDeque<Route>,
        now: Instant,
    ) -> Result<(), Error> {
        let target = self.target.as_deref().cloned().ok_or(Error::Inval)?;
        let bind = Self::bind_ip(&target)?;
        let mut last = Error::Lookup;
        while let Some(route) = routes.pop_front() {
            match start_socket(&route.addr, bind) {
                Ok(stream) => {
                    self.socket_created();
                    self.conn = Conn::Connecting {
                        stream,
                        attempt: Box::new(Attempt {
                            route,
                            rest: routes,
                        }),
                        since: now,
                    };
                    return Ok(());
                }
                Err(e) => {
                    log::debug!("culex: connect to {} failed: {e}", route.addr);
                    last = e;
                }
            }
        }
        self.conn = Conn::Idle;
        Err(last)
    }

    /// Advance a connection attempt: resolution results, TCP completion, timeouts.
    pub(crate) fn connect_progress(&mut self, now: Instant) -> Result<(), Error> {
        let timed_out = match &self.conn {
            Conn::Resolving { since, .. }
            | Conn::Connecting { since, .. }
            | Conn::Proxying { since, .. }
            | Conn::Handshaking { since, .. }
            | Conn::Upgrading { since, .. }
            | Conn::Pending { since } => now.duration_since(*since) >= self.connect_timeout(),
            _ => false,
        };
        let conn = std::mem::replace(&mut self.conn, Conn::Idle);
        let result = match conn {
            Conn::Resolving { rx, since } => match rx.try_recv() {
                Ok(Ok(routes)) => {
                    log::debug!("culex: trying {}", super::route::describe(&routes));
                    self.try_addresses(routes.into(), now)
                }
                Ok(Err(e)) => {
                    if self.srv {
                        // As libmosquitto does when an SRV lookup fails.
                        self.push_event(ClientEvent::Disconnected(Some(e.clone())));
                    }
                    Err(e)
                }
                Err(mpsc::TryRecvError::Empty) if !timed_out => {
                    self.conn = Conn::Resolving { rx, since };
                    Ok(())
                }
                Err(mpsc::TryRecvError::Empty) => Err(Error::Timeout),
                Err(mpsc::TryRecvError::Disconnected) => Err(Error::Lookup),
            },
            Conn::Connecting {
                stream,
                attempt,
                since,
            } => {
                let mut ready = [tcp::Ready::default()];
                let interest = [tcp::Interest {
                    fd: stream.fd(),
                    read: false,
                    write: true,
                }];
                if let Err(e) = tcp::poll(&interest, Some(Duration::ZERO), &mut ready) {
                    ready[0].error = true;
                    log::debug!("culex: poll failed: {e}");
                }
                if ready[0].writable || ready[0].error {
                    match stream.connect_result() {
                        Ok(()) => self.tcp_up(stream, attempt, now),
                        Err(e) if attempt.rest.is_empty() => Err(e),
                        Err(e) => {
                            log::debug!(
                                "culex: connect to {} failed ({e}), trying the next address",
                                attempt.route.addr
                            );
                            self.try_addresses(attempt.rest, now)
                        }
                    }
                } else if timed_out {
                    Err(Error::Timeout)
                } else {
                    self.conn = Conn::Connecting {
                        stream,
                        attempt,
                        since,
                    };
                    Ok(())
                }
            }
            Conn::Pending { .. } if timed_out => Err(Error::Timeout),
            Conn::Proxying { attempt, socks, .. } if timed_out => {
                log::warn!(
                    "culex: the {} handshake with {} timed out",
                    socks.name(),
                    attempt.route.addr
                );
                Err(Error::Timeout)
            }
            Conn::Handshaking { .. } if timed_out => {
                log::warn!("culex: the TLS handshake timed out");
                Err(Error::Timeout)
            }
            Conn::Upgrading { .. } if timed_out => {
                log::warn!("culex: the WebSocket handshake timed out");
                Err(Error::Timeout)
            }
            other => {
                self.conn = other;
                Ok(())
            }
        };
        if let Err(e) = &result {
            log::warn!("culex: connection attempt failed: {e}");
            self.attempt_failed(e);
        }
        result
    }
}

/// Start a non-blocking connect to `addr` (bound to `bind` when it is a TCP one).
fn start_socket(addr: &Endpoint, bind: Option<IpAddr>) -> Result<Socket, Error> {
    match addr {
        Endpoint::Inet(addr) => tcp::start_connect(*addr, bind).map(Socket::Tcp),
        Endpoint::Unix(path) => unix::start_connect(path).map(Socket::Unix),
    }
}

/// Connect to one address, waiting at most `timeout`.
fn connect_one_blocking(
    addr: &Endpoint,
    bind: Option<IpAddr>,
    timeout: Duration,
) -> Result<Socket, Error> {
    let stream = start_socket(addr, bind)?;
    let deadline = Instant::now() + timeout;
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Err(Error::Timeout);
        }
        let mut ready = [tcp::Ready::default()];
        let interest = [tcp::Interest {
            fd: stream.fd(),
            read: false,
            write: true,
        }];
        tcp::poll(&interest, Some(deadline - now), &mut ready)?;
        if ready[0].writable || ready[0].error {
            stream.connect_result()?;
            return Ok(stream);
        }
    }
}
