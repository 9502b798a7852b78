//! The sans-IO MQTT client session: everything a client must remember and decide, and nothing else.
//!
//! Inputs are bytes from the broker ([`Session::handle_bytes`]), the passing of time
//! ([`Session::handle_timeout`]) and commands ([`Session::publish`], [`Session::subscribe`], …).
//! Outputs are bytes to send ([`Session::poll_transmit`]), events for the application
//! ([`Session::poll_event`]) and the next deadline ([`Session::poll_timeout`]).
//!
//! This module never touches a socket, a thread or the clock: `now` is always passed in, so every
//! behaviour is testable with a scripted peer and a fake clock. It must never import from `driver`,
//! `net` or `ffi`, and holds no `unsafe`.
//!
//! # The contract with the driver
//!
//! (In the style of quinn-proto's `Connection`.) A `Session` never reads the clock, never blocks
//! and never calls out; whoever drives it (the driver, or a test with a fake clock) keeps these
//! rules:
//! - **Time never goes backwards.** Every `now` handed in ([`Session::transport_ready`],
//!   [`Session::handle_bytes`], [`Session::handle_timeout`], [`Session::poll_transmit`]) is at or
//!   after the previous one. The driver reads a monotonic clock while it holds the client's lock,
//!   so calls from different threads are ordered too. An earlier `now` may fire or skip a
//!   deadline.
//! - **Inputs, then outputs.** Inputs are the byte stream's life ([`Session::open`],
//!   [`Session::transport_ready`], [`Session::connection_lost`]), bytes
//!   ([`Session::handle_bytes`]), time ([`Session::handle_timeout`]) and commands
//!   ([`Session::publish`], [`Session::subscribe`], [`Session::disconnect`], …). After any of
//!   them, before waiting for more, the driver drains the outputs: [`Session::poll_transmit`]
//!   (all pending bytes at once; write them), [`Session::poll_event`] until it gives `None`
//!   (each event once, in order), and [`Session::poll_timeout`] for the next deadline, which any
//!   input may move. Nothing is lost by draining late, only delayed: bytes and events wait in
//!   the session.
//! - **Deadlines.** Once `now` reaches what [`Session::poll_timeout`] last gave, call
//!   [`Session::handle_timeout`] (calling it early does nothing). `None` means no timer is
//!   running: only an input can start one.
//! - **Errors end the connection.** When [`Session::handle_bytes`] or
//!   [`Session::handle_timeout`] gives `Err`, the session has gone offline: flush
//!   [`Session::poll_transmit`] once (an MQTT 5 DISCONNECT with the reason may wait there), close
//!   the transport and call [`Session::connection_lost`]. The driver reports the lost connection
//!   to the application once, as its own event; the session keeps what must survive.
//! - The poll methods are `#[must_use]`: an event or a deadline dropped unread is a bug.
//!
//! Connection life cycle, as driven by the driver:
//! 1. [`Session::open`]: a connection attempt starts (DNS/TCP underway). Commands are accepted and
//!    held.
//! 2. [`Session::transport_ready`]: the byte stream is up; CONNECT is queued.
//! 3. CONNACK arrives through [`Session::handle_bytes`] → [`Event::ConnAck`]. On success held and
//!    unacknowledged packets are (re)sent; on refusal the session goes offline.
//! 4. [`Session::disconnect`] queues DISCONNECT after everything already queued;
//!    [`Session::is_closing`] then tells the driver to close the socket once its buffer is written.
//! 5. [`Session::connection_lost`]: the byte stream ended, for whatever reason. State that must
//!    survive (unacknowledged QoS 1/2 messages, queued messages) is kept for the next connection.
//!
//! Rules worth knowing (details in the submodules):
//! - One packet-id space (1..=65535, wrapping) for PUBLISH, SUBSCRIBE and UNSUBSCRIBE; an id held
//!   by a message in flight or queued, or by a request awaiting its acknowledgement, is skipped.
//!   QoS 0 messages get a message id from the same counter without holding it.
//! - At most `max_inflight` QoS 1/2 PUBLISH (capped by an MQTT 5 Receive Maximum) are un-acked at
//!   once; the rest wait in FIFO order. QoS 0 PUBLISH, SUBSCRIBE and UNSUBSCRIBE are not limited.
//! - After a reconnect, unacknowledged PUBLISH go out again with DUP=1 and PUBREL for those past
//!   PUBREC, original ids and order, before anything new, whatever Session Present says (as
//!   libmosquitto does; a broker that lost the session answers PUBREL with PUBCOMP). A message
//!   never sent before goes out with DUP=0.
//! - An inbound QoS 2 message is delivered when its PUBREL arrives, after PUBCOMP is queued (so
//!   the driver writes PUBCOMP before the application hears of the message, as libmosquitto
//!   does); a duplicate PUBLISH before PUBREL is answered with PUBREC again and not kept. Session
//!   Present 0 after a reconnect delivers the ones still awaiting PUBREL: the broker forgot them,
//!   no PUBREL will come.
//! - Only QoS 1/2 PUBLISH survive a lost connection; pending bytes, QoS 0 PUBLISH and
//!   SUBSCRIBE/UNSUBSCRIBE not yet acknowledged are dropped (logged, ids freed, no event).
//! - Keepalive K: PINGREQ when nothing was sent or nothing was received for K; with a PINGREQ
//!   outstanding, K of silence from the broker is `Error::Keepalive`. CONNACK is due within K
//!   (`Error::Keepalive`), or within [`DEFAULT_CONNACK_TIMEOUT`] when K is 0 (`Error::Timeout`).
//!
//! MQTT 5 (details in the submodules):
//! - Limits both ways: the server's Receive Maximum caps the Inflight window, its Maximum Packet
//!   Size caps every packet we send (commands fail with `Error::OversizePacket`, nothing too large
//!   is ever queued), its Maximum QoS and Retain Available are checked at publish time. Our
//!   Receive Maximum and Maximum Packet Size (CONNECT properties) and Topic Alias Maximum are
//!   enforced on the broker: DISCONNECT 0x93, 0x95, 0x94.
//! - Clean start 0 keeps the session state whatever the Session Expiry Interval: CONNACK's Session
//!   Present decides (0 with expiry 0 is the normal case, handled as in 3.1.1). An Assigned Client
//!   Identifier is used for the following connections.
//! - Outgoing topic aliases only with [`SessionConfig::auto_topic_alias`]; enhanced
//!   authentication through [`Event::Auth`], [`Session::auth_continue`] and
//!   [`Session::reauthenticate`].

#![forbid(unsafe_code)]

mod auth;
mod commands;
mod config;
mod connection;
mod delivery;
mod durable;
mod extras;
mod incoming;
mod keepalive;
mod limits;
mod manual_ack;
mod outgoing;
mod packet_id;
mod topic_alias;
mod transmit;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::protocol::{
    AckKind, Disconnect, PacketId, Properties, Publish, QoS, ReasonCode, SubscribeFilter,
};

pub use config::{Credentials, SessionConfig, DEFAULT_CONNACK_TIMEOUT, DEFAULT_RECEIVE_MAXIMUM};
pub use delivery::Delivery;
pub use limits::QueueLimits;

use auth::AuthExchange;
use keepalive::{Keepalive, KeepaliveAction};
use outgoing::Outgoing;
use packet_id::{IdSet, PacketIdPool};
use topic_alias::{InboundTopicAliases, OutboundTopicAliases};
use transmit::Transmit;

/// Where the session stands with respect to the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// No connection and none underway.
    Offline,
    /// A connection attempt is underway (name resolution or TCP connect).
    Opening,
    /// CONNECT is queued or sent; waiting for CONNACK.
    AwaitingConnAck,
    /// CONNACK accepted the connection.
    Connected,
    /// DISCONNECT is queued; the driver closes once all queued bytes are written.
    Closing,
}

/// Something the application must hear about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// CONNACK arrived. `reason_code` 0 means accepted; anything else is a refusal and the session
    /// is offline again.
    ConnAck {
        reason_code: u8,
        session_present: bool,
        properties: Properties,
    },
    /// An outgoing message is done: QoS 0 handed to the transport, QoS 1 PUBACK, QoS 2 PUBCOMP
    /// (or an MQTT 5 failure reason on PUBACK/PUBREC).
    Published {
        mid: PacketId,
        reason_code: u8,
        properties: Properties,
        /// The acknowledgement that completed it: `None` for QoS 0 and for a message the session
        /// could not send (the server's limits), else PUBACK, PUBREC (an MQTT 5 failure reason)
        /// or PUBCOMP.
        ack: Option<AckKind>,
    },
    /// An application message arrived (delivered once, also for duplicated QoS 2).
    Message(Publish),
    /// An outgoing message waited longer than the queue's time-to-live and was dropped unsent
    /// (see [`Session::set_queue_limits`]).
    Expired { mid: PacketId },
    /// SUBACK for the SUBSCRIBE with this message id.
    SubAck {
        mid: PacketId,
        reason_codes: Vec<u8>,
        properties: Properties,
    },
    /// UNSUBACK for the UNSUBSCRIBE with this message id.
    UnsubAck {
        mid: PacketId,
        reason_codes: Vec<u8>,
        properties: Properties,
    },
    /// MQTT 5 enhanced authentication: the broker sent AUTH. `reason_code` 0x18 (continue
    /// authentication) asks for an answer through [`Session::auth_continue`]; 0x00 (success) ends a
    /// re-authentication. `method` is the Authentication Method (the one of CONNECT), `data` the
    /// Authentication Data if present; `properties` holds the other properties (reason string,
    /// user properties).
    Auth {
        reason_code: u8,
        method: String,
        data: Option<Vec<u8>>,
        properties: Properties,
    },
}

/// The event queue: FIFO, with room for one event inline so that a client that sees one event at
/// a time (CONNACK, the occasional message) never allocates the queue.
#[derive(Debug, Default)]
struct Events {
    /// The oldest event, when `rest` holds nothing older.
    first: Option<Event>,
    /// Allocated the first time two events wait at once (boxed: 8 bytes instead of 32 in every
    /// idle session).
    #[allow(clippy::box_collection)]
    rest: Option<Box<VecDeque<Event>>>,
}

impl Events {
    #[inline]
    fn push_back(&mut self, event: Event) {
        if self.first.is_none() && !self.rest.as_ref().is_some_and(|r| !r.is_empty()) {
            self.first = Some(event);
        } else {
            self.rest.get_or_insert_with(Box::default).push_back(event);
        }
    }

    #[inline]
    fn pop_front(&mut self) -> Option<Event> {
        match self.first.take() {
            Some(event) => Some(event),
            None => self.rest.as_mut()?.pop_front(),
        }
    }
}

/// The MQTT 5 state most connections never use (see [`Session::v5_extras`]).
#[derive(Debug, Default)]
struct V5Extras {
    /// Inbound topic aliases of the current connection.
    topic_aliases: InboundTopicAliases,
    /// Outbound topic aliases of the current connection.
    outbound_aliases: OutboundTopicAliases,
    /// Enhanced authentication exchange.
    auth: AuthExchange,
    /// The DISCONNECT an MQTT 5 broker sent, until taken.
    server_disconnect: Option<Disconnect>,
    /// Its Remaining Length (0: no reason code, 1: no properties), until the next connection.
    server_disconnect_length: Option<u32>,
}

impl V5Extras {
    /// Whether nothing differs from a fresh value (the box can go).
    fn is_unused(&self) -> bool {
        self.topic_aliases.is_unused()
            && !self.outbound_aliases.is_active()
            && self.auth.method().is_none()
            && !self.auth.in_progress()
            && self.server_disconnect.is_none()
            && self.server_disconnect_length.is_none()
    }
}

/// The client session state machine. See the module documentation.
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    state: State,
    /// Packet identifiers held by outgoing packets.
    ids: PacketIdPool,
    /// Outgoing PUBLISH in flight and queued, packets held until CONNACK, requests awaiting acks.
    outgoing: Outgoing,
    /// Inbound QoS 2 packet ids received (PUBREC sent) and awaiting PUBREL.
    inbound_qos2: IdSet,
    /// Their messages, in arrival order: delivered when PUBREL arrives, after PUBCOMP is queued
    /// (libmosquitto's order). Boxed and allocated on first use: most sessions never hold one.
    #[allow(clippy::box_collection)]
    awaiting_release: Option<Box<VecDeque<Publish>>>,
    /// With a durable store: messages released by PUBREL and handed out as events, whose
    /// PUBCOMP and `InboundDone` wait until the application has had them
    /// ([`Session::messages_delivered`]), so that a crash in between loses nothing.
    delivering: Vec<Publish>,
    /// Bytes waiting for the transport.
    tx: Transmit,
    /// The incomplete tail of the last read (never more than one partial packet).
    rx: Vec<u8>,
    keepalive: Keepalive,
    events: Events,
    /// CONNACK arrived on the current connection.
    connack_received: bool,
    /// MQTT 5 Receive Maximum of the server (65535 when not given).
    server_receive_maximum: u16,
    /// MQTT 5 Maximum Packet Size of the server, if given (also enforced by `tx`).
    server_max_packet_size: Option<u32>,
    /// MQTT 5 Maximum QoS of the server (2 when not given), from the last CONNACK.
    server_maximum_qos: QoS,
    /// MQTT 5 Retain Available of the server (true when not given), from the last CONNACK.
    server_retain_available: bool,
    /// Largest inbound packet of the current connection: `max_incoming_packet_size`, lowered by
    /// the Maximum Packet Size of CONNECT.
    incoming_limit: u32,
    /// The Receive Maximum announced in CONNECT (65535 when not given).
    receive_maximum: u16,
    /// MQTT 5 topic aliases, enhanced authentication and the broker's DISCONNECT: allocated
    /// only when one of them is used, so an idle client does not carry them.
    v5: Option<Box<V5Extras>>,
    /// Queue limits, the record of outcomes, manual acknowledgement, the connect timeout
    /// (`extras.rs`): allocated only while one of them is in use.
    extras: Option<Box<extras::Extras>>,
    /// CONNACK timeout when keepalive is 0, in milliseconds (4 bytes instead of 16).
    connack_timeout_ms: u32,
    /// The durable store's journal, when persistence is on (`durable.rs`).
    journal: Option<Box<dyn crate::persist::Journal>>,
}

impl Session {
    /// A new offline session.
    pub fn new(config: SessionConfig) -> Session {
        Session {
            incoming_limit: config.max_incoming_packet_size,
            config,
            state: State::Offline,
            ids: PacketIdPool::new(),
            outgoing: Outgoing::default(),
            inbound_qos2: IdSet::default(),
            awaiting_release: None,
            delivering: Vec::new(),
            tx: Transmit::default(),
            rx: Vec::new(),
            keepalive: Keepalive::default(),
            events: Events::default(),
            connack_received: false,
            server_receive_maximum: u16::MAX,
            server_max_packet_size: None,
            server_maximum_qos: QoS::ExactlyOnce,
            server_retain_available: true,
            receive_maximum: u16::MAX,
            v5: None,
            extras: None,
            connack_timeout_ms: DEFAULT_CONNACK_TIMEOUT.as_millis() as u32,
            journal: None,
        }
    }

    /// The MQTT 5 extras, allocated on first need.
    fn v5_extras(&mut self) -> &mut V5Extras {
        self.v5.get_or_insert_with(Box::default)
    }

    /// The configuration (read).
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// The configuration (change); takes effect at the next connection (except `max_inflight`,
    /// which [`Session::set_max_inflight`] applies at once).
    pub fn config_mut(&mut self) -> &mut SessionConfig {
        &mut self.config
    }

    /// The connection state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Whether CONNACK arrived on the current connection (accepting it or not).
    pub fn connack_received(&self) -> bool {
        self.connack_received
    }

    /// Whether CONNACK accepted the current connection and no DISCONNECT was queued since.
    pub fn is_connected(&self) -> bool {
        self.state == State::Connected
    }

    /// A connection attempt starts. Commands issued from now on are held until CONNACK. Called in
    /// any state other than `Offline`, the previous connection counts as lost first.
    pub fn open(&mut self) {
        self.open_impl();
    }

    /// The byte stream to the broker is up: queue CONNECT and start the CONNACK timer (the
    /// keepalive interval, or [`DEFAULT_CONNACK_TIMEOUT`] when keepalive is 0). Ignored after
    /// [`Session::disconnect`] (the driver then just closes).
    pub fn transport_ready(&mut self, now: Instant) {
        if let Some(extras) = self.v5.as_deref_mut() {
            extras.server_disconnect_length = None;
        }
        self.transport_ready_impl(now);
    }

    /// The next connection goes to another broker (a server list moved on): QoS 2 messages
    /// whose PUBREL the old broker took (or may have taken) are sent to the new one again as
    /// PUBLISH, since it never saw them and would answer a PUBREL alone with PUBCOMP, releasing
    /// nothing. QoS 1 and unacknowledged QoS 2 messages are resent anyway. Call it while offline.
    pub fn server_changed(&mut self) {
        self.server_changed_impl();
    }

    /// The byte stream ended (any reason). Keeps what must survive for the next connection: QoS 1/2
    /// PUBLISH in flight or queued, and inbound QoS 2 ids awaiting PUBREL. Drops pending bytes, QoS 0
    /// PUBLISH and SUBSCRIBE/UNSUBSCRIBE not yet sent or not yet acknowledged (their ids are freed,
    /// no event follows). Calling it when already offline does nothing more.
    pub fn connection_lost(&mut self) {
        self.connection_lost_impl(0);
    }

    /// [`Session::connection_lost`] when the transport did not take every byte handed out: the
    /// last `unwritten` bytes of those [`Session::poll_transmit`] appended never reached it. A
    /// PUBCOMP among them leaves its id awaiting PUBREL (the broker still has the exchange open;
    /// a PUBLISH it sends again under that id is answered with PUBREC, not delivered again).
    pub fn connection_lost_unwritten(&mut self, unwritten: usize) {
        self.connection_lost_impl(unwritten);
    }

    /// Feed bytes read from the broker. Every complete packet is handled. On a protocol violation the
    /// session queues an MQTT 5 DISCONNECT where that applies, goes offline and returns the error;
    /// the driver then flushes [`Session::poll_transmit`] once and closes.
    ///
    /// A CONNACK refusal also returns `Err(Error::ConnRefused(code))` after queuing
    /// [`Event::ConnAck`] (poll events before closing). An MQTT 5 DISCONNECT from the broker returns
    /// `Err(Error::ConnLost)`; see [`Session::take_server_disconnect`]. Bytes fed while `Offline` or
    /// `Opening` are ignored with `Err(Error::NoConn)`.
    pub fn handle_bytes(&mut self, now: Instant, bytes: &[u8]) -> Result<(), Error> {
        self.handle_bytes_impl(now, bytes)
    }

    /// Let time pass: sends PINGREQ when the link was idle for the keepalive, and fails with
    /// `Error::Keepalive` when the broker stays silent (no PINGRESP, no CONNACK) too long.
    ///
    /// The exact rules are in the `keepalive` module docs: PINGREQ when nothing was sent **or**
    /// nothing was received for the keepalive interval K; with a PINGREQ outstanding, any packet
    /// from the broker within K keeps the link alive, silence for K fails it with
    /// `Error::Keepalive`. No CONNACK within K fails with `Error::Keepalive`; with K = 0, no
    /// CONNACK within the CONNACK timeout fails with `Error::Timeout`. On failure the session is
    /// offline; the driver closes and calls [`Session::connection_lost`].
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        // In every state, offline too: waiting messages past the queue's time-to-live.
        if self
            .extras()
            .is_some_and(|e| e.limits.time_to_live.is_some())
        {
            self.expire_waiting(now);
        }
        match self.state {
            State::AwaitingConnAck => match self.keepalive.connack_deadline() {
                Some(deadline) if now >= deadline => {
                    log::debug!("culex: no CONNACK in time");
                    let error = if self.config.keep_alive > 0 && self.connect_timeout_ms() == 0 {
                        Error::Keepalive
                    } else {
                        Error::Timeout
                    };
                    Err(self.fail(error))
                }
                _ => Ok(()),
            },
            State::Connected => match self.keepalive.check(now) {
                KeepaliveAction::Idle => Ok(()),
                KeepaliveAction::SendPing => {
                    let _ = self
                        .tx
                        .packet(&crate::protocol::Packet::PingReq, self.config.protocol);
                    self.keepalive.on_ping_sent(now);
                    Ok(())
                }
                KeepaliveAction::Expired => {
                    log::debug!("culex: no answer to PINGREQ within the keepalive");
                    Err(self.fail(Error::Keepalive))
                }
            },
            State::Offline | State::Opening | State::Closing => Ok(()),
        }
    }

    /// When [`Session::handle_timeout`] next wants to run, if ever.
    #[must_use = "the deadline at which handle_timeout must run (keepalive, CONNACK timeout)"]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let timer = match self.state {
            State::AwaitingConnAck => self.keepalive.connack_deadline(),
            State::Connected => self.keepalive.next_deadline(),
            State::Offline | State::Opening | State::Closing => None,
        };
        match (timer, self.next_expiry()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Append every byte ready to send to `out`; returns how many were appended. Bytes appended
    /// count as sent at `now` for keepalive purposes. QoS 0 PUBLISH among them are reported as
    /// [`Event::Published`] now. When `out` is empty the buffers are swapped (no copy).
    #[must_use = "the number of bytes appended to `out`, which must be written"]
    pub fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> usize {
        let events = &mut self.events;
        let n = self.tx.drain_into(out, |mid| {
            events.push_back(Event::Published {
                mid,
                reason_code: ReasonCode::SUCCESS.0,
                properties: Properties::default(),
                ack: None,
            })
        });
        if n > 0 {
            self.keepalive.on_transmit(now);
        }
        n
    }

    /// Give the transmit buffer's room beyond `keep` bytes back when nothing waits in it (the
    /// driver calls this once output has been idle for a while).
    pub fn shrink_transmit(&mut self, keep: usize) {
        self.tx.shrink(keep);
    }

    /// Whether [`Session::poll_transmit`] would append anything.
    pub fn want_write(&self) -> bool {
        !self.tx.is_empty()
    }

    /// How many bytes [`Session::poll_transmit`] would append (the driver pauses reading while
    /// too many wait: a broker that sends without reading must not grow them without bound).
    pub fn transmit_len(&self) -> usize {
        self.tx.len()
    }

    /// Whether an event waits for [`Session::poll_event`].
    pub fn has_events(&self) -> bool {
        self.events.first.is_some() || self.events.rest.as_ref().is_some_and(|r| !r.is_empty())
    }

    /// The next event for the application, if any.
    #[must_use = "an event polled is gone from the session: hand it on"]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Publish a message; returns its message id (also for QoS 0). QoS 0 needs a connection (or
    /// one underway): `Error::NoConn` otherwise; QoS 1 and 2 are queued while offline. Every QoS is
    /// refused with `Error::NoConn` after [`Session::disconnect`].
    ///
    /// Errors: `Error::Inval` for an empty topic or one with wildcards, `Error::MalformedUtf8` for
    /// a topic that is not MQTT UTF-8, `Error::PayloadSize` when the packet would exceed the MQTT
    /// limit, `Error::OversizePacket` beyond the MQTT 5 server's Maximum Packet Size,
    /// `Error::QosNotSupported` above the MQTT 5 server's Maximum QoS,
    /// `Error::NotSupported` for properties before MQTT 5, `Error::NoMem` when all 65535 packet
    /// ids are in use. An MQTT 5 topic may be empty when `properties` holds a Topic Alias. A
    /// retained message to a server without Retain Available goes out without retain (as
    /// libmosquitto's does).
    ///
    /// A message queued before the server's limits were known (offline, or before CONNACK) that
    /// breaks them is not sent: it completes with [`Event::Published`] and reason code 0x9B (QoS
    /// not supported) or 0x95 (packet too large); one that is retained goes out without retain.
    pub fn publish(
        &mut self,
        topic: &str,
        payload: &[u8],
        qos: QoS,
        retain: bool,
        properties: Properties,
    ) -> Result<PacketId, Error> {
        self.publish_impl(None, topic, false, payload, qos, retain, properties)
    }

    /// [`Session::publish`] at `now`: a message that has to wait (queued or held) gets the
    /// expiry of the queue's time-to-live, if one is set ([`Session::set_queue_limits`]).
    pub fn publish_at(
        &mut self,
        now: Instant,
        topic: &str,
        payload: &[u8],
        qos: QoS,
        retain: bool,
        properties: Properties,
    ) -> Result<PacketId, Error> {
        self.publish_impl(Some(now), topic, false, payload, qos, retain, properties)
    }

    /// [`Session::publish`] for a caller that has already checked `topic` as a topic name (MQTT
    /// UTF-8, at most 65535 bytes, no wildcard, not empty unless `properties` holds a Topic
    /// Alias), such as the C API, which checks it in one pass while reading the C string. A topic
    /// that breaks these rules would go out as it is.
    pub(crate) fn publish_checked_topic(
        &mut self,
        now: Instant,
        topic: &str,
        payload: &[u8],
        qos: QoS,
        retain: bool,
        properties: Properties,
    ) -> Result<PacketId, Error> {
        self.publish_impl(Some(now), topic, true, payload, qos, retain, properties)
    }

    /// Subscribe to one or more filters; returns the message id of the SUBSCRIBE. Needs a
    /// connection or one underway (`Error::NoConn` otherwise); sent at once when connected, else
    /// right after CONNACK. Errors as for [`Session::publish`] (filters may hold wildcards).
    pub fn subscribe(
        &mut self,
        filters: Vec<SubscribeFilter>,
        properties: Properties,
    ) -> Result<PacketId, Error> {
        self.subscribe_impl(filters, properties)
    }

    /// Unsubscribe from one or more filters; returns the message id of the UNSUBSCRIBE. Same rules
    /// as [`Session::subscribe`].
    pub fn unsubscribe(
        &mut self,
        filters: Vec<String>,
        properties: Properties,
    ) -> Result<PacketId, Error> {
        self.unsubscribe_impl(filters, properties)
    }

    /// Queue DISCONNECT after everything already queued; the session is then [`State::Closing`].
    /// QoS 1/2 PUBLISH still waiting for an Inflight slot stay queued for a later connection.
    /// `Error::NoConn` when offline; a second call while closing does nothing. While `Opening`
    /// nothing is sent and [`Session::is_closing`] is true at once.
    pub fn disconnect(&mut self, reason_code: u8, properties: Properties) -> Result<(), Error> {
        self.disconnect_impl(reason_code, properties)
    }

    /// Whether DISCONNECT has been handed to the transport and the driver should close once its
    /// buffer is written.
    pub fn is_closing(&self) -> bool {
        self.state == State::Closing && !self.tx.disconnect_pending()
    }

    /// How many outgoing QoS 1/2 messages are in flight or queued.
    pub fn outgoing_count(&self) -> usize {
        self.outgoing.publish_count()
    }

    /// Whether a PINGREQ is waiting for its PINGRESP.
    pub fn ping_outstanding(&self) -> bool {
        self.keepalive.ping_outstanding()
    }

    /// How many outgoing QoS 1/2 PUBLISH are in the Inflight window (sent, not completed).
    pub fn inflight_count(&self) -> usize {
        self.outgoing.inflight.len()
    }

    /// How many outgoing QoS 1/2 PUBLISH wait for an Inflight slot or a connection.
    pub fn queued_count(&self) -> usize {
        self.outgoing.queued_len()
    }

    /// How many packet ids are held (QoS 1/2 PUBLISH in flight or queued, SUBSCRIBE/UNSUBSCRIBE
    /// held or awaiting their acknowledgement).
    pub fn packet_ids_in_use(&self) -> usize {
        self.ids.held_count()
    }

    /// Change the Inflight window (0 = no limit), effective at once: a larger window sends queued
    /// messages now; a smaller one lets messages already in flight finish.
    pub fn set_max_inflight(&mut self, max_inflight: u16) {
        self.config.max_inflight = max_inflight;
        self.flush_pending();
    }

    /// The CONNACK timeout used when keepalive is 0 (default [`DEFAULT_CONNACK_TIMEOUT`]), kept
    /// in whole milliseconds (at most `u32::MAX`).
    pub fn set_connack_timeout(&mut self, timeout: Duration) {
        self.connack_timeout_ms = u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX);
    }

    /// An application's connect timeout: CONNACK is due within it whatever the keepalive
    /// (`Error::Timeout` otherwise). Zero goes back to the keepalive rule.
    pub fn set_connect_timeout(&mut self, timeout: Duration) {
        self.extras_mut().connect_timeout_ms =
            u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX);
        self.tidy_extras();
    }

    /// The application's connect timeout, if one was set.
    pub fn connect_timeout(&self) -> Option<Duration> {
        match self.connect_timeout_ms() {
            0 => None,
            ms => Some(Duration::from_millis(u64::from(ms))),
        }
    }

    fn connect_timeout_ms(&self) -> u32 {
        self.extras().map_or(0, |e| e.connect_timeout_ms)
    }

    /// MQTT 5 enhanced authentication: answer the broker's AUTH 0x18 (reported as
    /// [`Event::Auth`]) with AUTH 0x18 carrying the same Authentication Method, `data` as
    /// Authentication Data and `properties` (reason string, user properties; never the method or
    /// data). Works during CONNECT (before CONNACK) and during a re-authentication.
    ///
    /// Errors: `Error::NotSupported` before MQTT 5, `Error::NoConn` without a connection,
    /// `Error::Protocol` when no AUTH from the broker awaits an answer, `Error::Inval` for
    /// properties not allowed here, `Error::OversizePacket` beyond the server's Maximum Packet Size.
    pub fn auth_continue(
        &mut self,
        data: Option<Vec<u8>>,
        properties: Properties,
    ) -> Result<(), Error> {
        self.auth_continue_impl(data, properties)
    }

    /// MQTT 5 re-authentication: while connected, send AUTH 0x19 with the Authentication Method of
    /// CONNECT, `data` and `properties`. The broker answers with AUTH 0x18 (continue, see
    /// [`Session::auth_continue`]) or AUTH 0x00 (success), each reported as [`Event::Auth`], or
    /// ends the connection with DISCONNECT.
    ///
    /// Errors: `Error::NotSupported` before MQTT 5, `Error::NoConn` when not connected,
    /// `Error::Inval` when CONNECT carried no Authentication Method, when an exchange is already
    /// underway or for properties not allowed here, `Error::OversizePacket` as above.
    pub fn reauthenticate(
        &mut self,
        data: Option<Vec<u8>>,
        properties: Properties,
    ) -> Result<(), Error> {
        self.reauthenticate_impl(data, properties)
    }

    /// Whether an enhanced authentication exchange is underway (at CONNECT or a
    /// re-authentication).
    pub fn auth_in_progress(&self) -> bool {
        self.v5.as_ref().is_some_and(|x| x.auth.in_progress())
    }

    /// MQTT 5: turn automatic outgoing topic aliases on or off (see
    /// [`SessionConfig::auto_topic_alias`]). Takes effect at the next connection.
    pub fn set_auto_topic_alias(&mut self, enabled: bool) {
        self.config.auto_topic_alias = enabled;
    }

    /// The client identifier CONNECT carries (after an MQTT 5 broker assigned one, that one).
    pub fn client_id(&self) -> &str {
        &self.config.client_id
    }

    /// Whether the connection ended with a DISCONNECT from an MQTT 5 broker (until
    /// [`Session::take_server_disconnect`] takes it).
    pub fn has_server_disconnect(&self) -> bool {
        self.v5
            .as_ref()
            .is_some_and(|x| x.server_disconnect.is_some())
    }

    /// The Remaining Length of the DISCONNECT an MQTT 5 broker sent on this connection (or the
    /// last one): 0 when it had no reason code, 1 when it had no properties. Some clients (paho-mqtt)
    /// report an absent reason or property list differently from an empty one.
    pub fn server_disconnect_length(&self) -> Option<u32> {
        self.v5.as_ref().and_then(|x| x.server_disconnect_length)
    }

    /// The DISCONNECT an MQTT 5 broker sent (reason code and properties), once.
    pub fn take_server_disconnect(&mut self) -> Option<Disconnect> {
        self.v5.as_mut().and_then(|x| x.server_disconnect.take())
    }

    /// Make the next packet id handed out be the first free one after `last` (to test wraparound
    /// or to continue a persisted session).
    pub fn set_last_packet_id(&mut self, last: PacketId) {
        self.ids.set_last(last);
    }
}
