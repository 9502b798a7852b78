//! The life cycle of connections as an application that hosts the client sees it (Paho's
//! callbacks beyond libmosquitto's): an attempt about to start, an attempt that failed before
//! CONNACK, and the socket itself, for event loops that register it (open, wants to write, no
//! longer wants to write, closed); plus the connection's current state and the attempt timeout.
//!
//! The socket events are found by comparing what the driver has now (socket, write interest)
//! with what it last reported, each time the event queue runs dry (`Core::next_event`), so they
//! come in Paho's order (open, register/unregister pairs, close; a replaced socket's close before
//! the new one's open) whatever path changed the socket. They are produced only while
//! [`Client::set_socket_events`] is on.
//!
//! The descriptor the application is given is the watch's own copy of the socket (`dup`), held
//! from the open until the close callback has returned: the driver closes its socket whenever a
//! path ends it, but the host's descriptor stays valid until the host has been told, so it
//! unregisters a live descriptor, never a closed or reused number (Paho's close callback comes
//! before the close). The copy delays nothing on the wire: an established connection is shut
//! down by the driver itself.
//!
//! Owns nothing of the connection itself: it watches `Core`.

use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::time::Duration;

use super::{Client, ClientEvent, Conn, Core, EventSink};
use crate::session::State;

/// What the application was last told about the socket.
#[derive(Debug, Default)]
pub(crate) struct SocketWatch {
    /// The socket reported open.
    open: Option<Reported>,
    /// Whether "wants to write" was reported for it.
    write_registered: bool,
    /// The copy of a socket whose close was just reported: closed at the next look, once the
    /// close callback has returned.
    closing: Option<OwnedFd>,
    /// Counts the sockets made while watching, so that a new one with an old descriptor number
    /// is a new socket.
    generation: u32,
}

/// A socket the application was told about.
#[derive(Debug)]
struct Reported {
    /// The driver's descriptor and its generation (`SocketWatch::generation`): what identifies
    /// the socket.
    socket: (RawFd, u32),
    /// The copy handed to the application (None if `dup` failed: then the driver's own).
    copy: Option<OwnedFd>,
}

impl Reported {
    /// The descriptor the application knows.
    fn fd(&self) -> RawFd {
        self.copy.as_ref().map_or(self.socket.0, AsRawFd::as_raw_fd)
    }
}

/// Where a client's connection stands (`culex_socket_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    /// No connection and no attempt.
    Idle,
    /// Looking the broker up.
    Resolving,
    /// TCP connecting (or a blocking connect on some thread).
    Connecting,
    /// The proxy's handshake (SOCKS5 or HTTP CONNECT).
    Proxying,
    /// TLS handshake.
    Handshaking,
    /// WebSocket upgrade.
    Upgrading,
    /// Transport up, CONNECT sent, CONNACK not yet in.
    AwaitingConnAck,
    /// Connected.
    Connected,
    /// DISCONNECT queued or sent; closing.
    Disconnecting,
}

impl Client {
    /// Produce the socket events (off by default: only an application that asked for them
    /// pays for the comparison).
    pub fn set_socket_events(&self, on: bool) {
        self.watching
            .store(on, std::sync::atomic::Ordering::Relaxed);
        let mut core = self.lock();
        match (on, core.watch.is_some()) {
            (true, false) => core.watch = Some(Box::default()),
            (false, true) => core.watch = None,
            _ => {}
        }
    }

    /// Where the connection stands.
    pub fn connection_state(&self) -> ConnectionState {
        let core = self.lock();
        match &core.conn {
            Conn::Idle => ConnectionState::Idle,
            Conn::Resolving { .. } => ConnectionState::Resolving,
            Conn::Pending { .. } | Conn::Connecting { .. } => ConnectionState::Connecting,
            Conn::Proxying { .. } => ConnectionState::Proxying,
            Conn::Handshaking { .. } => ConnectionState::Handshaking,
            Conn::Upgrading { .. } => ConnectionState::Upgrading,
            Conn::Open { .. } => match core.session.state() {
                State::AwaitingConnAck | State::Opening | State::Offline => {
                    ConnectionState::AwaitingConnAck
                }
                State::Connected => ConnectionState::Connected,
                State::Closing => ConnectionState::Disconnecting,
            },
        }
    }

    /// Whether CONNACK accepted the current connection (and no DISCONNECT was queued since).
    pub fn is_connected(&self) -> bool {
        self.lock().session.is_connected()
    }

    /// How long a connection attempt may take, from name resolution to CONNACK (default 30 s).
    /// Applies to the attempts that start afterwards.
    pub fn set_connect_timeout(&self, timeout: Duration) {
        self.lock().session.set_connect_timeout(timeout);
    }

    /// Take up to `percent` of each reconnect delay off at random (see [`super::Backoff`]).
    pub fn set_reconnect_jitter(&self, percent: u8) {
        self.lock().backoff.set_jitter(percent);
    }

    /// Tell the application a connection attempt is about to start (before any name is
    /// resolved), so that it can change what the attempt uses.
    pub(crate) fn announce_attempt(&self, sink: &dyn EventSink) {
        self.lock().push_event(ClientEvent::PreConnect);
        self.dispatch(sink);
    }
}

impl Core {
    /// The attempt timeout: the application's, else [`super::CONNECT_TIMEOUT`].
    pub(crate) fn connect_timeout(&self) -> Duration {
        self.session
            .connect_timeout()
            .unwrap_or(super::CONNECT_TIMEOUT)
    }

    /// A new socket is in use: even if its descriptor number is an old one's, it is reported as
    /// a new socket.
    pub(crate) fn socket_created(&mut self) {
        if let Some(watch) = self.watch.as_deref_mut() {
            watch.generation = watch.generation.wrapping_add(1);
        }
    }

    /// A connection attempt found failing by a loop (not by a connect call, which returns it):
    /// end it and tell the application why.
    pub(crate) fn attempt_failed(&mut self, error: &crate::error::Error) {
        self.abandon_attempt();
        self.push_event(ClientEvent::ConnectFailed(error.clone()));
    }

    /// The next socket event owed to the application, if the watch is on and something changed.
    pub(crate) fn next_socket_event(&mut self) -> Option<ClientEvent> {
        self.watch.as_ref()?;
        let fd = self.socket_fd();
        let generation = self.watch.as_ref()?.generation;
        let now = (fd >= 0).then_some((fd, generation));
        let wants_write = now.is_some() && self.want_write();
        // A copy only for a socket about to be reported open.
        let copy = match &self.watch {
            Some(w) if w.open.is_none() && now.is_some() => self.socket_copy(),
            _ => None,
        };
        let watch = self.watch.as_deref_mut()?;
        // The close callback of the last socket has returned.
        watch.closing = None;
        if let Some(reported) = watch.open.as_ref().filter(|r| Some(r.socket) != now) {
            let old = reported.fd();
            if watch.write_registered {
                watch.write_registered = false;
                return Some(ClientEvent::SocketUnregisterWrite(old));
            }
            watch.closing = watch.open.take().and_then(|r| r.copy);
            return Some(ClientEvent::SocketClose(old));
        }
        let socket = now?;
        let Some(reported) = &watch.open else {
            let reported = Reported { socket, copy };
            let fd = reported.fd();
            watch.open = Some(reported);
            return Some(ClientEvent::SocketOpen(fd));
        };
        if wants_write != watch.write_registered {
            watch.write_registered = wants_write;
            let fd = reported.fd();
            return Some(if wants_write {
                ClientEvent::SocketRegisterWrite(fd)
            } else {
                ClientEvent::SocketUnregisterWrite(fd)
            });
        }
        None
    }

    /// A copy of the current socket's descriptor for the application (None if there is no
    /// socket or the process is out of descriptors).
    fn socket_copy(&self) -> Option<OwnedFd> {
        self.socket()?
            .as_fd()
            .try_clone_to_owned()
            .inspect_err(|e| log::warn!("culex: no copy of the socket for the event loop: {e}"))
            .ok()
    }
}
