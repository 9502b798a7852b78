//! Starting connections: blocking and asynchronous connects, name resolution off the caller's
//! thread, trying each resolved address in turn, and connect timeouts.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{Client, Conn, Core, Target};
use crate::error::Error;
use crate::net::{resolve, tcp};

impl Client {
    /// Connect to `target`. Blocking: resolves and completes TCP before returning (CONNECT is
    /// queued and sent as soon as the socket allows). Asynchronous: never waits for DNS or TCP;
    /// a loop finishes the job.
    pub fn connect(&self, target: Target, blocking: bool) -> Result<(), Error> {
        self.lock().target = Some(target);
        self.start(blocking)
    }

    /// Connect again to the last target, keeping the session.
    pub fn reconnect(&self, blocking: bool) -> Result<(), Error> {
        self.start(blocking)
    }

    fn start(&self, blocking: bool) -> Result<(), Error> {
        let result = if blocking {
            self.start_blocking()
        } else {
            let mut core = self.lock();
            core.start_async(Instant::now(), &self.wake)
        };
        self.nudge();
        result
    }

    /// Resolve and connect on this thread without holding the lock, so that other threads'
    /// commands (and a loop thread) never wait for the network.
    fn start_blocking(&self) -> Result<(), Error> {
        let (target, timeout) = {
            let mut core = self.lock();
            let target = core.begin_attempt()?;
            core.conn = Conn::Pending {
                since: Instant::now(),
            };
            (target, core.connect_timeout)
        };
        let connected = connect_blocking(&target, timeout);
        let mut core = self.lock();
        if !matches!(core.conn, Conn::Pending { .. }) {
            // Abandoned meanwhile (disconnect, another connect, timeout): drop this stream.
            return Err(Error::NoConn);
        }
        match connected {
            Ok(stream) => core.opened(stream, Instant::now()),
            Err(e) => {
                log::warn!(
                    "culex: connecting to {}:{} failed: {e}",
                    target.host,
                    target.port
                );
                core.abandon_attempt();
                Err(e)
            }
        }
    }
}

/// Resolve `target` and connect to the first address that answers.
fn connect_blocking(target: &Target, timeout: Duration) -> Result<std::net::TcpStream, Error> {
    let addrs = resolve::resolve(&target.host, target.port)?;
    let bind = Core::bind_ip(target)?;
    let mut last = Error::ConnLost;
    for addr in addrs {
        match connect_one_blocking(addr, bind, timeout) {
            Ok(stream) => {
                log::debug!("culex: connected to {addr}");
                return Ok(stream);
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
    /// End any current connection and mark a new attempt; returns the target.
    fn begin_attempt(&mut self) -> Result<Target, Error> {
        let Some(target) = self.target.clone() else {
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
    fn start_async(&mut self, now: Instant, wake: &crate::net::wake::Wake) -> Result<(), Error> {
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

    fn bind_ip(target: &Target) -> Result<Option<IpAddr>, Error> {
        match &target.bind_address {
            Some(host) => resolve::bind_address(host).map(Some),
            None => Ok(None),
        }
    }

    fn connect_async(
        &mut self,
        target: &Target,
        now: Instant,
        wake: &crate::net::wake::Wake,
    ) -> Result<(), Error> {
        if let Some(addr) = resolve::numeric(&target.host, target.port) {
            return self.try_addresses(VecDeque::from([addr]), now);
        }
        let (tx, rx) = mpsc::channel();
        let host = target.host.clone();
        let port = target.port;
        let waker = wake.try_clone()?;
        std::thread::Builder::new()
            .name("culex-resolve".into())
            .spawn(move || {
                let _ = tx.send(resolve::resolve(&host, port));
                waker.signal();
            })
            .map_err(Error::from)?;
        self.conn = Conn::Resolving {
            rx,
            port,
            since: now,
        };
        Ok(())
    }

    /// Start connecting to the first address that takes a connect, keeping the rest.
    fn try_addresses(
        &mut self,
        mut addrs: VecDeque<SocketAddr>,
        now: Instant,
    ) -> Result<(), Error> {
        let target = self.target.clone().ok_or(Error::Inval)?;
        let bind = Self::bind_ip(&target)?;
        let mut last = Error::Lookup;
        while let Some(addr) = addrs.pop_front() {
            match tcp::start_connect(addr, bind) {
                Ok(stream) => {
                    self.conn = Conn::Connecting {
                        stream,
                        rest: addrs,
                        since: now,
                    };
                    return Ok(());
                }
                Err(e) => {
                    log::debug!("culex: connect to {addr} failed: {e}");
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
            | Conn::Pending { since } => now.duration_since(*since) >= self.connect_timeout,
            _ => false,
        };
        let conn = std::mem::replace(&mut self.conn, Conn::Idle);
        let result = match conn {
            Conn::Resolving { rx, port, since } => match rx.try_recv() {
                Ok(Ok(addrs)) => self.try_addresses(addrs.into(), now),
                Ok(Err(e)) => Err(e),
                Err(mpsc::TryRecvError::Empty) if !timed_out => {
                    self.conn = Conn::Resolving { rx, port, since };
                    Ok(())
                }
                Err(mpsc::TryRecvError::Empty) => Err(Error::Timeout),
                Err(mpsc::TryRecvError::Disconnected) => Err(Error::Lookup),
            },
            Conn::Connecting {
                stream,
                rest,
                since,
            } => {
                let mut ready = [tcp::Ready::default()];
                let interest = [tcp::Interest {
                    fd: tcp::raw_fd(&stream),
                    read: false,
                    write: true,
                }];
                if let Err(e) = tcp::poll(&interest, Some(Duration::ZERO), &mut ready) {
                    ready[0].error = true;
                    log::debug!("culex: poll failed: {e}");
                }
                if ready[0].writable || ready[0].error {
                    match tcp::connect_result(&stream) {
                        Ok(()) => return self.opened(stream, now),
                        Err(e) if rest.is_empty() => Err(e),
                        Err(e) => {
                            log::debug!("culex: connect failed ({e}), trying the next address");
                            self.try_addresses(rest, now)
                        }
                    }
                } else if timed_out {
                    Err(Error::Timeout)
                } else {
                    self.conn = Conn::Connecting {
                        stream,
                        rest,
                        since,
                    };
                    Ok(())
                }
            }
            Conn::Pending { .. } if timed_out => Err(Error::Timeout),
            other => {
                self.conn = other;
                Ok(())
            }
        };
        if let Err(e) = &result {
            log::warn!("culex: connection attempt failed: {e}");
            self.abandon_attempt();
        }
        result
    }
}

/// Connect to one address, waiting at most `timeout`.
fn connect_one_blocking(
    addr: SocketAddr,
    bind: Option<IpAddr>,
    timeout: Duration,
) -> Result<std::net::TcpStream, Error> {
    let stream = tcp::start_connect(addr, bind)?;
    let deadline = Instant::now() + timeout;
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Err(Error::Timeout);
        }
        let mut ready = [tcp::Ready::default()];
        let interest = [tcp::Interest {
            fd: tcp::raw_fd(&stream),
            read: false,
            write: true,
        }];
        tcp::poll(&interest, Some(deadline - now), &mut ready)?;
        if ready[0].writable || ready[0].error {
            tcp::connect_result(&stream)?;
            return Ok(stream);
        }
    }
}
