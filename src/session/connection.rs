//! The life cycle of one connection: opening, CONNECT, CONNACK, resuming or restarting the session,
//! failing, and losing the connection.
//!
//! Owns the transitions of [`State`] and what each one does to the rest of the session state (which
//! packets are resent, which are dropped, which timers run). It never reads the clock and never
//! touches a socket.

use std::time::Duration;

use super::outgoing::{AwaitedAck, Held, InflightPublish, NextPending, Stage};
use super::{Event, Session, State};
use crate::error::Error;
use crate::protocol::{
    AckKind, ConnAck, Connect, Disconnect, Packet, Properties, PropertyId, PropertyValue,
};

impl Session {
    pub(super) fn open_impl(&mut self) {
        if self.state != State::Offline {
            log::debug!("culex: new connection attempt while {:?}", self.state);
            self.connection_lost_impl();
        }
        self.state = State::Opening;
    }

    pub(super) fn transport_ready_impl(&mut self, now: std::time::Instant) {
        match self.state {
            State::Offline | State::Opening => {}
            State::Closing => {
                log::debug!("culex: transport ready after disconnect(); not sending CONNECT");
                return;
            }
            State::AwaitingConnAck | State::Connected => {
                log::warn!("culex: transport_ready while {:?}; ignored", self.state);
                return;
            }
        }
        self.state = State::AwaitingConnAck;
        self.connack_received = false;
        self.server_receive_maximum = u16::MAX;
        self.server_max_packet_size = None;
        let alias_maximum = self
            .config
            .connect_properties
            .get_u16(PropertyId::TopicAliasMaximum)
            .unwrap_or(0);
        self.topic_aliases.reset(alias_maximum);
        let keep_alive = self.config.keep_alive;
        let connack_timeout = if keep_alive > 0 {
            Duration::from_secs(u64::from(keep_alive))
        } else {
            self.connack_timeout
        };
        self.keepalive.start(now, keep_alive, connack_timeout);
        let c = &self.config;
        let connect = Packet::Connect(Connect {
            protocol: c.protocol,
            clean_start: c.clean_start,
            keep_alive,
            client_id: c.client_id.clone(),
            will: c.will.clone(),
            username: c.username.clone(),
            password: c.password.clone(),
            properties: c.connect_properties.clone(),
        });
        let _ = self.tx.packet(&connect, self.config.protocol);
    }

    pub(super) fn connection_lost_impl(&mut self) {
        if self.state != State::Offline {
            log::debug!("culex: connection lost while {:?}", self.state);
        }
        self.state = State::Offline;
        self.keepalive.stop();
        self.rx.clear();
        if self.rx.capacity() > RX_KEEP_CAPACITY {
            self.rx = Vec::new();
        }
        for mid in self.tx.discard() {
            log::debug!("culex: QoS 0 PUBLISH m{mid} not sent before the connection ended");
        }
        for pending in self.outgoing.held.drain(..) {
            match pending.packet {
                Held::Publish { mid, .. } => {
                    log::debug!("culex: dropping QoS 0 PUBLISH m{mid} issued before CONNACK");
                }
                Held::Subscribe(s) => {
                    log::debug!("culex: dropping SUBSCRIBE m{} (never sent)", s.packet_id);
                    self.ids.release(s.packet_id);
                }
                Held::Unsubscribe(u) => {
                    log::debug!("culex: dropping UNSUBSCRIBE m{} (never sent)", u.packet_id);
                    self.ids.release(u.packet_id);
                }
            }
        }
        for (id, awaited) in self.outgoing.awaiting.drain() {
            let name = match awaited {
                AwaitedAck::SubAck => "SUBSCRIBE",
                AwaitedAck::UnsubAck => "UNSUBSCRIBE",
            };
            log::debug!("culex: dropping {name} m{id}: connection lost before its acknowledgement");
            self.ids.release(id);
        }
    }

    /// CONNACK arrived.
    pub(super) fn on_connack(
        &mut self,
        now: std::time::Instant,
        connack: ConnAck,
    ) -> Result<(), Error> {
        match self.state {
            State::AwaitingConnAck => {}
            State::Closing if !self.connack_received => {
                // disconnect() was called before CONNACK: report it, send nothing more.
                self.connack_received = true;
                self.events.push_back(Event::ConnAck {
                    reason_code: connack.reason_code,
                    session_present: connack.session_present,
                    properties: connack.properties,
                });
                return Ok(());
            }
            _ => {
                log::warn!("culex: unexpected second CONNACK");
                return Err(Error::Protocol);
            }
        }
        self.connack_received = true;
        let ConnAck {
            session_present,
            reason_code,
            properties,
        } = connack;
        if reason_code != 0 {
            log::debug!("culex: connection refused (code {reason_code})");
            self.state = State::Offline;
            self.keepalive.stop();
            self.events.push_back(Event::ConnAck {
                reason_code,
                session_present: false,
                properties,
            });
            return Err(Error::ConnRefused(reason_code));
        }
        let session_present = if session_present && self.config.clean_start {
            log::warn!("culex: broker claims a session although clean start was asked; ignored");
            false
        } else {
            session_present
        };
        let keep_alive = self.apply_connack_properties(&properties);
        self.state = State::Connected;
        self.keepalive.connected(now, keep_alive);
        self.events.push_back(Event::ConnAck {
            reason_code,
            session_present,
            properties,
        });
        self.resume(session_present);
        self.flush_pending();
        Ok(())
    }

    /// Take in what an MQTT 5 CONNACK tells about the server; returns the keepalive in force.
    fn apply_connack_properties(&mut self, properties: &Properties) -> u16 {
        let mut keep_alive = self.config.keep_alive;
        for p in &properties.0 {
            match (p.id, &p.value) {
                (PropertyId::ReceiveMaximum, PropertyValue::TwoByteInteger(n)) if *n > 0 => {
                    self.server_receive_maximum = *n;
                }
                (PropertyId::ServerKeepAlive, PropertyValue::TwoByteInteger(n)) => {
                    keep_alive = *n;
                }
                (PropertyId::MaximumPacketSize, PropertyValue::FourByteInteger(n)) => {
                    self.server_max_packet_size = Some(*n);
                }
                _ => {}
            }
        }
        keep_alive
    }

    /// Resend what the previous connection left unfinished, in its original order.
    ///
    /// Session Present 1: PUBLISH awaiting PUBACK/PUBREC again with DUP=1 and the same ids, PUBREL
    /// for those awaiting PUBCOMP. Session Present 0: the broker lost the session: messages past
    /// PUBREC count as delivered, the others are sent again as new (DUP=0), and the inbound QoS 2
    /// ids are forgotten.
    fn resume(&mut self, session_present: bool) {
        if !session_present {
            self.inbound_qos2.clear();
            let mut kept = std::collections::VecDeque::with_capacity(self.outgoing.inflight.len());
            for mut m in self.outgoing.inflight.drain(..) {
                match m.stage {
                    Stage::AwaitingPubComp => {
                        let mid = m.publish.packet_id;
                        log::debug!(
                            "culex: m{mid} past PUBREC and the broker lost the session: done"
                        );
                        self.ids.release(mid);
                        self.events.push_back(Event::Published {
                            mid,
                            reason_code: 0,
                            properties: Properties::default(),
                        });
                    }
                    Stage::AwaitingAck => {
                        m.publish.dup = false;
                        kept.push_back(m);
                    }
                }
            }
            self.outgoing.inflight = kept;
        }
        let version = self.config.protocol;
        for m in self.outgoing.inflight.iter_mut() {
            match m.stage {
                Stage::AwaitingAck => {
                    m.publish.dup = session_present;
                    let _ = self.tx.publish(&m.publish, None, version);
                }
                Stage::AwaitingPubComp => {
                    self.tx
                        .ack(AckKind::PubRel, m.publish.packet_id, 0, version);
                }
            }
        }
    }

    /// Send held packets and queued PUBLISH (as far as the Inflight window allows) in issue order.
    /// Only while connected.
    pub(super) fn flush_pending(&mut self) {
        if self.state != State::Connected {
            return;
        }
        let window = self.window();
        let version = self.config.protocol;
        while let Some(next) = self.outgoing.next_pending(window) {
            match next {
                NextPending::Queued => self.send_next_queued(),
                NextPending::Held => {
                    let Some(pending) = self.outgoing.held.pop_front() else {
                        break;
                    };
                    match pending.packet {
                        Held::Publish { mid, publish } => {
                            let _ = self.tx.publish(&publish, Some(mid), version);
                        }
                        Held::Subscribe(s) => {
                            let id = s.packet_id;
                            self.send_awaiting(Packet::Subscribe(s), id, AwaitedAck::SubAck);
                        }
                        Held::Unsubscribe(u) => {
                            let id = u.packet_id;
                            self.send_awaiting(Packet::Unsubscribe(u), id, AwaitedAck::UnsubAck);
                        }
                    }
                }
            }
        }
    }

    /// Send a SUBSCRIBE or UNSUBSCRIBE and remember that it awaits its acknowledgement.
    pub(super) fn send_awaiting(&mut self, packet: Packet, id: u16, awaited: AwaitedAck) {
        if self.tx.packet(&packet, self.config.protocol).is_ok() {
            self.outgoing.awaiting.insert(id, awaited);
        } else {
            self.ids.release(id);
        }
    }

    /// Move the oldest queued PUBLISH into the Inflight window and send it.
    fn send_next_queued(&mut self) {
        let Some(pending) = self.outgoing.queued.pop_front() else {
            return;
        };
        let publish = pending.packet;
        if self
            .tx
            .publish(&publish, None, self.config.protocol)
            .is_err()
        {
            self.ids.release(publish.packet_id);
            return;
        }
        self.outgoing.inflight.push_back(InflightPublish {
            publish,
            stage: Stage::AwaitingAck,
        });
    }

    /// How many QoS 1/2 PUBLISH may be in flight: `max_inflight` (0 = no limit), capped by the MQTT 5
    /// Receive Maximum of the server.
    pub(super) fn window(&self) -> usize {
        let local = match self.config.max_inflight {
            0 => usize::MAX,
            n => usize::from(n),
        };
        local.min(usize::from(self.server_receive_maximum))
    }

    /// The connection failed with `error`: for MQTT 5 queue a DISCONNECT with the matching reason
    /// code (the driver flushes it before closing), go offline, and hand back the error.
    pub(super) fn fail(&mut self, error: Error) -> Error {
        log::debug!("culex: connection failed: {error}");
        if self.config.protocol.is_v5() && !self.tx.disconnect_pending() {
            if let Some(reason_code) = disconnect_reason(&error) {
                let disconnect = Packet::Disconnect(Disconnect {
                    reason_code,
                    properties: Properties::default(),
                });
                let _ = self.tx.packet(&disconnect, self.config.protocol);
            }
        }
        self.state = State::Offline;
        self.keepalive.stop();
        self.rx.clear();
        error
    }
}

/// Above this, the inbound reassembly buffer is freed once its packet is handled or the connection
/// ends.
pub(super) const RX_KEEP_CAPACITY: usize = 64 * 1024;

/// The MQTT 5 DISCONNECT reason code a client sends when the connection fails with `error`.
fn disconnect_reason(error: &Error) -> Option<u8> {
    match error {
        Error::MalformedPacket | Error::MalformedUtf8 => Some(0x81),
        Error::Protocol | Error::DuplicateProperty => Some(0x82),
        Error::OversizePacket => Some(0x95),
        Error::TopicAliasInvalid => Some(0x94),
        _ => None,
    }
}
