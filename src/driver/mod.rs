//! The driver: owns one connection (socket + [`Session`]) and runs it.
//!
//! It maps the libmosquitto ways of driving a client onto the sans-IO session:
//! - the external loop: [`Client::socket`], [`Client::want_write`], [`Client::loop_read`],
//!   [`Client::loop_write`], [`Client::loop_misc`];
//! - one step: [`Client::loop_once`] (`poll(2)` on the socket and a wake-up descriptor);
//! - blocking: [`Client::loop_forever`], with automatic reconnect and backoff;
//! - its own thread: [`Client::loop_start`] / [`Client::loop_stop`].
//!
//! Transport: plain TCP, or TLS when [`Client::tls_config`] enables it. A TLS connection goes
//! through a handshake phase ([`Conn::Handshaking`]) between TCP and MQTT: it advances in whatever
//! loop drives the client, asks for writability only when OpenSSL wants to write, and no MQTT
//! byte is produced before it completes. With a proxy ([`Client::set_proxy`]: SOCKS5 or HTTP
//! CONNECT) TCP goes to the proxy and a proxy phase ([`Conn::Proxying`]) comes first, under the
//! same rules, on every connect and reconnect. With WebSockets (`websocket.rs`) an upgrade phase
//! ([`Conn::Upgrading`]) follows TLS (or TCP), and the session's bytes travel in WebSocket frames.
//! A target with port 0 is a Unix-domain socket path (libmosquitto's rule). [`Client::connect_srv`]
//! finds the brokers with a DNS SRV lookup on the resolver thread and tries them in RFC 2782
//! order (see `route.rs`); a server list (`servers.rs`) moves to the next broker after a failure
//! and can come back to the first one.
//!
//! Threading: every method may be called from any thread. State lives behind one mutex; events
//! are handed to the [`EventSink`] only after that mutex is released, so a sink (a C callback) can
//! call any method again. Commands from a thread other than a polling loop thread wake that thread
//! through an eventfd; the loop thread itself never pays for a wake-up.
//!
//! This floor knows nothing about C: no raw pointers, no error numbers, no callbacks' shapes.

#![forbid(unsafe_code)]

mod backoff;
mod connect;
mod durable;
mod immediate;
mod io;
mod lifecycle;
mod loops;
mod proxy;
mod route;
mod servers;
mod transport;
mod waits;
mod websocket;

use std::collections::VecDeque;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{mpsc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use backoff::Backoff;
pub use lifecycle::ConnectionState;
pub(crate) use route::Route;
pub use servers::ServerList;
pub(crate) use transport::{Link, Stream, TlsState};
pub use waits::WaitError;

use crate::error::Error;
use crate::net::proxy::{Handshake, ProxyConfig};
use crate::net::socket::Socket;
use crate::net::tls::{TlsConfig, TlsStream};
use crate::net::wake::Wake;
use crate::protocol::{PacketId, Properties, QoS, SubscribeFilter};
use crate::session::{Event, Session, SessionConfig, State};

/// Where to connect: host, port, an optional local bind address, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// A host name or address; for [`Transport::Unix`], the socket's path.
    pub host: Box<str>,
    pub port: u16,
    pub bind_address: Option<Box<str>>,
    pub transport: Transport,
}

/// How a target is reached. TLS is used on every transport when it is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// MQTT over TCP, or over WebSockets when the client chose them
    /// ([`Client::set_websockets`]).
    Default,
    /// MQTT over TCP.
    Tcp,
    /// MQTT over WebSockets (over TCP).
    WebSockets,
    /// MQTT over a Unix-domain stream socket at the path `host` (no proxy).
    Unix,
}

/// What the driver tells the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// An event of the session (CONNACK, message, acknowledgements).
    Session(Event),
    /// An established connection ended: `None` after a DISCONNECT we sent, the cause otherwise.
    Disconnected(Option<Error>),
    /// A connection attempt is about to start (`lifecycle.rs`).
    PreConnect,
    /// A connection attempt found failing by a loop before CONNACK (name resolution, TCP, proxy,
    /// TLS, or the broker closing before CONNACK), with why.
    ConnectFailed(Error),
    /// Socket events for hosts that register the socket (`lifecycle.rs`), with its descriptor.
    SocketOpen(RawFd),
    SocketRegisterWrite(RawFd),
    SocketUnregisterWrite(RawFd),
    SocketClose(RawFd),
}

/// Receives events, always without any driver lock held.
pub trait EventSink {
    /// One event, in the order they happened.
    fn deliver(&self, client: &Client, event: ClientEvent);
    /// Whether `deliver` keeps messages to hand them on later (in `quiet`), not at once.
    fn holds_messages(&self) -> bool {
        false
    }
    /// Called when the driver holds no lock and has no event pending (e.g. to flush log lines).
    fn quiet(&self, _client: &Client) {}
    /// Runs the whole body of a loop thread (e.g. to set up per-thread log capture).
    fn scope(&self, body: &mut dyn FnMut()) {
        body()
    }
}

/// The state of the transport under the session.
#[derive(Debug)]
pub(crate) enum Conn {
    /// No connection, none underway.
    Idle,
    /// A resolver thread is looking the host (or the SRV records, or the proxy) up.
    Resolving {
        rx: mpsc::Receiver<Result<Vec<Route>, Error>>,
        since: Instant,
    },
    /// A blocking connect runs on a caller's thread, without the lock.
    Pending { since: Instant },
    /// Socket connect in progress along `attempt.route`; `attempt.rest` are the routes left to
    /// try.
    Connecting {
        stream: Socket,
        attempt: Box<Attempt>,
        since: Instant,
    },
    /// TCP to the proxy is up; the proxy's handshake (SOCKS5 or HTTP CONNECT) runs over it. No
    /// TLS or MQTT byte leaves before it completes.
    Proxying {
        stream: Socket,
        socks: Box<Handshake>,
        attempt: Box<Attempt>,
        since: Instant,
    },
    /// The socket is up; the TLS handshake runs over it. No MQTT byte leaves before it completes.
    Handshaking {
        stream: Box<TlsStream>,
        since: Instant,
    },
    /// The link (socket or TLS) is up; the WebSocket upgrade runs over it. No MQTT byte leaves
    /// before it completes.
    Upgrading {
        upgrade: Box<websocket::Upgrade>,
        since: Instant,
    },
    /// The transport is up; the session runs over it.
    Open { stream: Stream },
}

/// The route a connection attempt follows and the routes left to try after it (boxed in
/// [`Conn`], so that an idle or established client does not carry their room).
#[derive(Debug)]
pub(crate) struct Attempt {
    pub(crate) route: Route,
    pub(crate) rest: VecDeque<Route>,
}

/// Everything behind the client's mutex. Kept small (one per connection, 10,000 idle clients
/// in a process are a benchmark row): rarely used configuration (target, TLS, proxy) is boxed
/// and allocated only when set.
#[derive(Debug)]
pub(crate) struct Core {
    pub(crate) session: Session,
    pub(crate) target: Option<Box<Target>>,
    pub(crate) conn: Conn,
    /// Bytes taken from the session and not yet written; `out_pos` is how many were.
    pub(crate) out: Vec<u8>,
    pub(crate) out_pos: usize,
    /// When a flush last left `out` (or the session's buffer, which trades places with it)
    /// holding more than `OUT_KEEP` bytes of room; `misc` gives the room back once idle.
    pub(crate) out_busy_at: Option<Instant>,
    /// Driver-level events, delivered after the session's (rare: allocated on first use, and
    /// boxed so that a client without any carries 8 bytes, not 32).
    #[allow(clippy::box_collection)]
    pub(crate) events: Option<Box<VecDeque<ClientEvent>>>,
    /// The application asked to disconnect: loops must not reconnect.
    pub(crate) user_disconnect: bool,
    pub(crate) backoff: Backoff,
    pub(crate) tcp_nodelay: bool,
    /// TLS configuration and state; `None` until TLS is configured.
    pub(crate) tls: Option<Box<TlsState>>,
    /// The proxy every connection goes through, if any.
    pub(crate) proxy: Option<Box<ProxyConfig>>,
    /// WebSocket settings and the server list, when the application set either (`servers.rs`).
    pub(crate) routing: Option<Box<servers::Routing>>,
    /// The target's host is a domain whose brokers are found by a DNS SRV lookup.
    pub(crate) srv: bool,
    /// Local address for connects that name none (`MOSQ_OPT_BIND_ADDRESS`).
    pub(crate) default_bind: Option<Box<str>>,
    /// Reading is paused: more than `io::OUT_BACKLOG_MAX` bytes wait to be written.
    pub(crate) read_paused: bool,
    /// What the application was told about the socket, while it asks for socket events
    /// (`lifecycle.rs`).
    pub(crate) watch: Option<Box<lifecycle::SocketWatch>>,
}

/// One MQTT client: a session, its connection and the loops that drive it.
#[derive(Debug)]
pub struct Client {
    core: Mutex<Core>,
    /// Created on first need (a polling loop, the resolver thread): a client driven by an
    /// external loop holds one descriptor, its socket.
    wake: OnceLock<Wake>,
    /// A loop thread is (about to be) blocked in `poll` and must be woken for new output.
    polling: AtomicBool,
    /// `loop_stop` asked the loops to return.
    stop: AtomicBool,
    /// The application drives loops from threads of its own (`mosquitto_threaded_set`).
    threaded: AtomicBool,
    /// Loop calls in progress, on any thread.
    in_loops: AtomicU32,
    /// Events being delivered (callbacks running), on any thread.
    in_callbacks: AtomicU32,
    /// A command wrote at once since the last loop call: the next ones wait for the loop
    /// (`immediate.rs`).
    burst: AtomicBool,
    /// Socket events are on (mirrors `Core::watch`, for commands to check without the lock).
    watching: AtomicBool,
    /// Signalled when events were delivered or a loop stopped, for `wait_delivery` (`waits.rs`).
    delivered: Condvar,
    /// Threads sleeping in `wait_delivery`.
    waiters: AtomicU32,
    /// When a loop call last started, in milliseconds of `waits::clock()` (0: never): an
    /// external event loop is between calls most of the time.
    last_loop_ms: AtomicU32,
    loop_thread: Mutex<Option<Box<JoinHandle<()>>>>,
}

impl Client {
    /// A new, unconnected client.
    pub fn new(config: SessionConfig) -> Result<Client, Error> {
        Ok(Client {
            core: Mutex::new(Core::new(config)),
            wake: OnceLock::new(),
            polling: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            threaded: AtomicBool::new(false),
            in_loops: AtomicU32::new(0),
            in_callbacks: AtomicU32::new(0),
            burst: AtomicBool::new(false),
            watching: AtomicBool::new(false),
            delivered: Condvar::new(),
            waiters: AtomicU32::new(0),
            last_loop_ms: AtomicU32::new(0),
            loop_thread: Mutex::new(None),
        })
    }

    /// Start over as a new client with `config`: the connection (if any) is closed without
    /// DISCONNECT, queued messages and pending events are dropped, and every setting (target,
    /// TLS, proxy, backoff, …) is back to what [`Client::new`] gives. The caller stops the loop
    /// thread first. Through `&self`, so that other threads holding the client stay sound; the
    /// wake-up descriptor, if one was made, is kept for the loops to come.
    pub fn reinitialise(&self, config: SessionConfig) {
        // As a new client: not threaded (libmosquitto's reinitialise forgets threaded_set too),
        // no burst underway.
        self.threaded.store(false, Ordering::Relaxed);
        self.burst.store(false, Ordering::Relaxed);
        let old = std::mem::replace(&mut *self.lock(), Core::new(config));
        // Closed outside the lock.
        drop(old);
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Core> {
        // A panic while the lock was held (caught at the C boundary) must not make the client
        // unusable: the state it guards stays consistent between statements.
        self.core
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Read or change the session (configuration, counters) under the lock.
    pub fn with_session<R>(&self, f: impl FnOnce(&mut Session) -> R) -> R {
        let result = f(&mut self.lock().session);
        self.nudge();
        result
    }

    /// Wake a loop thread blocked in `poll` so it sees new work. A loop creates the wake-up
    /// descriptor before it sets `polling`, so one exists whenever a loop can be asleep.
    fn nudge(&self) {
        if self.polling.swap(false, Ordering::SeqCst) {
            self.signal();
        }
    }

    /// Signal the wake-up descriptor, if there is one (without one no loop can be waiting).
    fn signal(&self) {
        if let Some(wake) = self.wake.get() {
            wake.signal();
        }
    }

    /// The wake-up descriptor, created on first use.
    pub(crate) fn wake(&self) -> Result<&Wake, Error> {
        wake_of(&self.wake)
    }

    /// Publish a message; returns its message id.
    pub fn publish(
        &self,
        topic: &str,
        payload: &[u8],
        qos: QoS,
        retain: bool,
        properties: Properties,
    ) -> Result<PacketId, Error> {
        let result = {
            let mut core = self.lock();
            let result = core
                .session
                .publish(topic, payload, qos, retain, properties);
            // A synchronous session store makes the message durable before this returns.
            result.and_then(|id| core.session.journal_publish_accepted().map(|()| id))
        };
        self.nudge();
        result
    }

    /// Subscribe; returns the message id of the SUBSCRIBE.
    pub fn subscribe(
        &self,
        filters: Vec<SubscribeFilter>,
        properties: Properties,
    ) -> Result<PacketId, Error> {
        let result = self.lock().session.subscribe(filters, properties);
        self.nudge();
        result
    }

    /// Unsubscribe; returns the message id of the UNSUBSCRIBE.
    pub fn unsubscribe(
        &self,
        filters: Vec<String>,
        properties: Properties,
    ) -> Result<PacketId, Error> {
        let result = self.lock().session.unsubscribe(filters, properties);
        self.nudge();
        result
    }

    /// Disconnect cleanly: DISCONNECT goes out after everything already queued, then the socket
    /// closes. Loops stop reconnecting. A connection attempt still underway is abandoned.
    pub fn disconnect(&self, reason_code: u8, properties: Properties) -> Result<(), Error> {
        let result = {
            let mut core = self.lock();
            core.user_disconnect = true;
            core.stay_on_server();
            match core.session.state() {
                State::AwaitingConnAck | State::Connected => {
                    core.session.disconnect(reason_code, properties)
                }
                State::Closing => Ok(()),
                State::Opening => {
                    core.abandon_attempt();
                    Ok(())
                }
                State::Offline => Err(Error::NoConn),
            }
        };
        self.nudge();
        self.wake_waiters();
        result
    }

    /// The socket's descriptor, or -1 when there is none.
    pub fn socket(&self) -> RawFd {
        self.lock().socket_fd()
    }

    /// Whether the socket should be polled for writability.
    pub fn want_write(&self) -> bool {
        self.lock().want_write()
    }

    /// Use TCP_NODELAY on this and later connections.
    pub fn set_tcp_nodelay(&self, on: bool) {
        let mut core = self.lock();
        core.tcp_nodelay = on;
        if let Conn::Open { stream } = &core.conn {
            let _ = stream.socket().set_nodelay(on);
        }
    }

    /// The local address used by later connects that give none (`None`: any).
    pub fn set_default_bind_address(&self, address: Option<&str>) {
        self.lock().default_bind = address.map(Box::from);
    }

    /// Set the reconnect backoff policy used by `loop_forever` and `loop_start`.
    pub fn set_reconnect_delay(&self, delay: Duration, delay_max: Duration, exponential: bool) {
        self.lock().backoff.configure(delay, delay_max, exponential);
    }

    /// Use a proxy (SOCKS5 or HTTP CONNECT; or none) for the next connections, reconnects
    /// included.
    pub fn set_proxy(&self, proxy: Option<ProxyConfig>) {
        self.lock().proxy = proxy.map(Box::new);
    }

    /// The proxy in use, if any.
    pub fn proxy(&self) -> Option<ProxyConfig> {
        self.lock().proxy.as_deref().cloned()
    }

    /// Read or change the TLS configuration. It applies from the next connection; the context
    /// built from the old one and the session kept for resumption are dropped.
    pub fn tls_config<R>(&self, f: impl FnOnce(&mut TlsConfig) -> R) -> R {
        let mut core = self.lock();
        let tls = core.tls_mut();
        let result = f(&mut tls.config);
        tls.changed();
        result
    }

    /// Look at the TLS configuration without changing it.
    pub fn tls_config_ref<R>(&self, f: impl FnOnce(&TlsConfig) -> R) -> R {
        match &self.lock().tls {
            Some(tls) => f(&tls.config),
            None => f(&TlsConfig::new()),
        }
    }

    /// Run `f` on the OpenSSL connection of the current TLS connection (handshaking or
    /// established), or on `None`.
    pub fn with_ssl<R>(&self, f: impl FnOnce(Option<&openssl::ssl::SslRef>) -> R) -> R {
        let core = self.lock();
        match &core.conn {
            Conn::Handshaking { stream, .. } => f(Some(stream.ssl())),
            Conn::Upgrading { upgrade, .. } => f(upgrade.link_tls().map(TlsStream::ssl)),
            Conn::Open { stream } => f(stream.tls_ref().map(TlsStream::ssl)),
            _ => f(None),
        }
    }

    /// Hand every pending event to `sink`, one at a time, with no lock held while it runs.
    /// Returns whether there was any.
    pub(crate) fn dispatch(&self, sink: &dyn EventSink) -> bool {
        let mut any = false;
        loop {
            let event = self.lock().next_event();
            match event {
                Some(event) => {
                    let released = match &event {
                        ClientEvent::Session(Event::Message(m)) if m.qos == QoS::ExactlyOnce => {
                            Some(m.packet_id)
                        }
                        _ => None,
                    };
                    let _callbacks = immediate::Busy::enter(&self.in_callbacks);
                    sink.deliver(self, event);
                    if let Some(id) = released {
                        if !sink.holds_messages() {
                            // Its callback returned: a durable store may now let PUBCOMP go.
                            self.lock().session.message_delivered(id);
                        }
                    }
                }
                None => break,
            }
            any = true;
        }
        sink.quiet(self);
        if any {
            // The application has had them all (batches included).
            self.lock().session.messages_delivered();
            self.wake_waiters();
        }
        any
    }
}

/// The wake-up descriptor in `slot`, created on first use.
pub(crate) fn wake_of(slot: &OnceLock<Wake>) -> Result<&Wake, Error> {
    if let Some(wake) = slot.get() {
        return Ok(wake);
    }
    let wake = Wake::new()?;
    // Another thread may have won the race: its descriptor is kept, ours closed.
    let _ = slot.set(wake);
    Ok(slot.get().expect("set above"))
}

/// How long a connection attempt (resolution, TCP, SOCKS5, TLS, up to CONNACK's wait) may take.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

impl Core {
    /// The state of a new, unconnected client.
    fn new(config: SessionConfig) -> Core {
        Core {
            session: Session::new(config),
            target: None,
            conn: Conn::Idle,
            out: Vec::new(),
            out_pos: 0,
            out_busy_at: None,
            events: None,
            user_disconnect: false,
            backoff: Backoff::default(),
            tcp_nodelay: false,
            tls: None,
            proxy: None,
            routing: None,
            srv: false,
            default_bind: None,
            read_paused: false,
            watch: None,
        }
    }

    /// Whether an event waits to be delivered (the session's or the driver's).
    pub(crate) fn has_events(&self) -> bool {
        self.session.has_events() || self.events.as_ref().is_some_and(|e| !e.is_empty())
    }

    /// Queue a driver-level event.
    pub(crate) fn push_event(&mut self, event: ClientEvent) {
        self.events
            .get_or_insert_with(Default::default)
            .push_back(event);
    }

    /// Whether connections use TLS.
    pub(crate) fn tls_enabled(&self) -> bool {
        self.tls.as_ref().is_some_and(|tls| tls.enabled())
    }

    /// The TLS state, created on first use.
    pub(crate) fn tls_mut(&mut self) -> &mut TlsState {
        self.tls.get_or_insert_with(|| Box::new(TlsState::new()))
    }

    /// The socket of the connection or attempt, if there is one.
    pub(crate) fn socket(&self) -> Option<&Socket> {
        match &self.conn {
            Conn::Connecting { stream, .. } | Conn::Proxying { stream, .. } => Some(stream),
            Conn::Handshaking { stream, .. } => Some(stream.socket()),
            Conn::Upgrading { upgrade, .. } => Some(upgrade.socket()),
            Conn::Open { stream } => Some(stream.socket()),
            _ => None,
        }
    }

    pub(crate) fn socket_fd(&self) -> RawFd {
        self.socket().map_or(-1, Socket::fd)
    }

    pub(crate) fn want_write(&self) -> bool {
        match &self.conn {
            Conn::Connecting { .. } => true,
            // Only when a SOCKS5 message is still to be sent: waiting for the proxy is a read.
            Conn::Proxying { socks, .. } => socks.wants_write(),
            // Only when OpenSSL has something to send: waiting for the broker is a read.
            Conn::Handshaking { stream, .. } => stream.wants_write(),
            // Only while the upgrade request (or TLS under it) is going out.
            Conn::Upgrading { upgrade, .. } => upgrade.wants_write(),
            Conn::Open { stream } => {
                self.out_pos < self.out.len() || self.session.want_write() || stream.wants_write()
            }
            _ => false,
        }
    }

    /// The next event: the session's first, then the driver's.
    fn next_event(&mut self) -> Option<ClientEvent> {
        if let Some(event) = self.session.poll_event() {
            if let Event::ConnAck { reason_code: 0, .. } = event {
                self.backoff.reset();
                self.server_connected();
            }
            return Some(ClientEvent::Session(event));
        }
        if let Some(event) = self.events.as_mut().and_then(|e| e.pop_front()) {
            return Some(event);
        }
        self.next_socket_event()
    }
}
