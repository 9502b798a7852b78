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

use std::time::Instant;

use crate::error::Error;
use crate::protocol::{
    PacketId, Properties, ProtocolVersion, Publish, QoS, SubscribeFilter, Will,
};

/// Everything the session needs to build CONNECT and run a connection.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub protocol: ProtocolVersion,
    /// Client identifier; empty asks the broker to assign one (3.1.1 requires clean session then).
    pub client_id: String,
    /// Clean session (3.1.x) / clean start (5).
    pub clean_start: bool,
    /// Keep alive in seconds; 0 disables keepalive.
    pub keep_alive: u16,
    pub will: Option<Will>,
    pub username: Option<String>,
    pub password: Option<Vec<u8>>,
    /// CONNECT properties (MQTT 5).
    pub connect_properties: Properties,
    /// Most outgoing QoS 1 and 2 PUBLISH in flight at once; 0 means no limit (libmosquitto: 20).
    pub max_inflight: u16,
    /// Largest inbound packet accepted, in bytes (whole packet). Larger ones end the connection.
    pub max_incoming_packet_size: u32,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            protocol: ProtocolVersion::V311,
            client_id: String::new(),
            clean_start: true,
            keep_alive: 60,
            will: None,
            username: None,
            password: None,
            connect_properties: Properties::default(),
            max_inflight: 20,
            max_incoming_packet_size: crate::protocol::MAX_REMAINING_LENGTH + 5,
        }
    }
}

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
    },
    /// An application message arrived (delivered once, also for duplicated QoS 2).
    Message(Publish),
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
}

/// The client session state machine. See the module documentation.
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    state: State,
}

impl Session {
    /// A new offline session.
    pub fn new(config: SessionConfig) -> Session {
        Session {
            config,
            state: State::Offline,
        }
    }

    /// The configuration (read).
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// The configuration (change); takes effect at the next connection.
    pub fn config_mut(&mut self) -> &mut SessionConfig {
        &mut self.config
    }

    /// The connection state.
    pub fn state(&self) -> State {
        self.state
    }

    /// A connection attempt starts. Commands issued from now on are held until CONNACK.
    pub fn open(&mut self) {
        unimplemented!()
    }

    /// The byte stream to the broker is up: queue CONNECT and start the CONNACK timer.
    pub fn transport_ready(&mut self, _now: Instant) {
        unimplemented!()
    }

    /// The byte stream ended (any reason). Keeps what must survive for the next connection.
    pub fn connection_lost(&mut self) {
        unimplemented!()
    }

    /// Feed bytes read from the broker. Every complete packet is handled. On a protocol violation the
    /// session queues an MQTT 5 DISCONNECT where that applies, goes offline and returns the error;
    /// the driver then flushes [`Session::poll_transmit`] once and closes.
    pub fn handle_bytes(&mut self, _now: Instant, _bytes: &[u8]) -> Result<(), Error> {
        unimplemented!()
    }

    /// Let time pass: sends PINGREQ when the link was idle for the keepalive, and fails with
    /// `Error::Keepalive` when the broker stays silent (no PINGRESP, no CONNACK) too long.
    pub fn handle_timeout(&mut self, _now: Instant) -> Result<(), Error> {
        unimplemented!()
    }

    /// When [`Session::handle_timeout`] next wants to run, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        unimplemented!()
    }

    /// Append every byte ready to send to `out`; returns how many were appended. Bytes appended
    /// count as sent at `now` for keepalive purposes.
    pub fn poll_transmit(&mut self, _now: Instant, _out: &mut Vec<u8>) -> usize {
        unimplemented!()
    }

    /// Whether [`Session::poll_transmit`] would append anything.
    pub fn want_write(&self) -> bool {
        unimplemented!()
    }

    /// The next event for the application, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        unimplemented!()
    }

    /// Publish a message; returns its message id (also for QoS 0). QoS 0 needs a connection (or
    /// one underway): `Error::NoConn` otherwise; QoS 1 and 2 are queued while offline.
    pub fn publish(
        &mut self,
        _topic: &str,
        _payload: &[u8],
        _qos: QoS,
        _retain: bool,
        _properties: Properties,
    ) -> Result<PacketId, Error> {
        unimplemented!()
    }

    /// Subscribe to one or more filters; returns the message id of the SUBSCRIBE.
    pub fn subscribe(
        &mut self,
        _filters: Vec<SubscribeFilter>,
        _properties: Properties,
    ) -> Result<PacketId, Error> {
        unimplemented!()
    }

    /// Unsubscribe from one or more filters; returns the message id of the UNSUBSCRIBE.
    pub fn unsubscribe(
        &mut self,
        _filters: Vec<String>,
        _properties: Properties,
    ) -> Result<PacketId, Error> {
        unimplemented!()
    }

    /// Queue DISCONNECT after everything already queued; the session is then [`State::Closing`].
    pub fn disconnect(&mut self, _reason_code: u8, _properties: Properties) -> Result<(), Error> {
        unimplemented!()
    }

    /// Whether DISCONNECT has been handed to the transport and the driver should close once its
    /// buffer is written.
    pub fn is_closing(&self) -> bool {
        unimplemented!()
    }

    /// How many outgoing QoS 1/2 messages are in flight or queued.
    pub fn outgoing_count(&self) -> usize {
        unimplemented!()
    }
}
