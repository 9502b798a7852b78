//! The life cycle of one connection: opening, CONNECT, CONNACK, resuming or restarting the session,
//! failing, and losing the connection.
//!
//! Owns the transitions of [`State`] and what each one does to the rest of the session state (which
//! packets are resent, which are dropped, which timers run). It never reads the clock and never
//! touches a socket.

use std::time::Duration;

use super::durable::note;
use super::outgoing::{AwaitedAck, Held, InflightPublish, NextPending, Stage};
use super::topic_alias::{self, AliasUse};
use super::{Event, Session, State};
use crate::error::Error;
use crate::persist::Record;
use crate::protocol::{
    AckKind, ConnAck, Connect, Disconnect, Packet, PacketId, Properties, PropertyId, PropertyValue,
    Publish, QoS, ReasonCode,
};

impl Session {
    pub(super) fn open_impl(&mut self) {
        if self.state != State::Offline {
            log::debug!("culex: new connection attempt while {:?}", self.state);
            self.connection_lost_impl(0);
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
        self.tx.set_max_packet_size(None);
        let (mut properties, auth_method) = self.connect_properties_with_auth();
        let v5 = self.config.protocol.is_v5();
        if v5 && !self.config.paho_wire && !properties.contains(PropertyId::ReceiveMaximum) {
            properties.add(
                PropertyId::ReceiveMaximum,
                PropertyValue::TwoByteInteger(self.config.receive_maximum),
            );
        }
        let announced = |id| if v5 { properties.get_u16(id) } else { None };
        let alias_maximum = announced(PropertyId::TopicAliasMaximum).unwrap_or(0);
        self.receive_maximum = announced(PropertyId::ReceiveMaximum).unwrap_or(u16::MAX);
        self.incoming_limit = match properties.get_u32(PropertyId::MaximumPacketSize) {
            Some(max) if v5 && max > 0 => max.min(self.config.max_incoming_packet_size),
            _ => self.config.max_incoming_packet_size,
        };
        if alias_maximum > 0 || auth_method.is_some() || self.v5.is_some() {
            let extras = self.v5_extras();
            extras.topic_aliases.reset(alias_maximum);
            extras.outbound_aliases.reset(0);
            extras.auth.reset(auth_method);
            if extras.is_unused() {
                self.v5 = None;
            }
        }
        let keep_alive = self.config.keep_alive;
        let connack_timeout = self.connack_timeout();
        self.keepalive.start(now, keep_alive, connack_timeout);
        let c = &self.config;
        let connect = Packet::Connect(Connect {
            protocol: c.protocol,
            clean_start: c.clean_start,
            keep_alive,
            client_id: c.client_id.clone(),
            will: c.will.as_deref().cloned(),
            username: c.username().map(str::to_owned),
            password: c.password().map(<[u8]>::to_vec),
            properties,
        });
        let _ = self.tx.packet(&connect, self.config.protocol);
    }

    pub(super) fn server_changed_impl(&mut self) {
        for m in self.outgoing.inflight.iter_mut() {
            if m.stage == Stage::AwaitingPubComp {
                log::debug!(
                    "culex: m{}: PUBLISH again to the new broker (the old one had its PUBREL)",
                    m.publish.packet_id
                );
                m.stage = Stage::AwaitingAck;
            }
        }
    }

    pub(super) fn connection_lost_impl(&mut self, unwritten: usize) {
        if self.state != State::Offline {
            log::debug!("culex: connection lost while {:?}", self.state);
        }
        self.state = State::Offline;
        self.keepalive.stop();
        self.forget_awaited_acks();
        if let Some(extras) = self.v5.as_deref_mut() {
            extras.auth.finish();
            extras.outbound_aliases.reset(0);
        }
        self.rx.clear();
        if self.rx.capacity() > RX_KEEP_CAPACITY {
            self.rx = Vec::new();
        }
        for id in self.tx.take_unsent_pubcomps(unwritten) {
            // Released and delivered, but the broker never got our PUBCOMP: the exchange is
            // still open on its side, and a PUBLISH it sends again under this id (mosquitto
            // 2.0.11 does, after a resume cut short) is the same message. Marked as awaiting
            // PUBREL without a message, it gets PUBREC and is not delivered twice.
            log::debug!("culex: PUBCOMP m{id} not sent before the connection ended");
            self.inbound_qos2.insert(id);
        }
        for mid in self.tx.discard() {
            log::debug!("culex: QoS 0 PUBLISH m{mid} not sent before the connection ended");
            self.record_outcome(mid, super::Delivery::Discarded { reason_code: 0 });
        }
        let Some(mut requests) = self.outgoing.take_requests() else {
            return;
        };
        for pending in requests.held.drain(..) {
            match pending.packet {
                Held::Publish { mid, .. } => {
                    log::debug!("culex: dropping QoS 0 PUBLISH m{mid} issued before CONNACK");
                    self.record_outcome(mid, super::Delivery::Discarded { reason_code: 0 });
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
        for (id, awaited) in requests.awaiting.drain() {
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
        if let Some(extras) = self.v5.as_deref_mut() {
            extras.auth.finish();
        }
        let ConnAck {
            session_present,
            reason_code,
            properties,
        } = connack;
        if let Some(method) = self.v5.as_ref().and_then(|x| x.auth.method()) {
            match properties.get_str(PropertyId::AuthenticationMethod) {
                Some(m) if m != method => {
                    log::warn!("culex: CONNACK names authentication method '{m}', not '{method}'");
                    return Err(Error::Protocol);
                }
                _ => {}
            }
        }
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
        if session_present && self.config.clean_start {
            // [MQTT-3.2.2-4] (5: 3.2.2.1.1): the client must close the connection.
            log::warn!(
                "culex: CONNACK claims a session present although clean start was asked: \
                 protocol violation"
            );
            return Err(Error::Protocol);
        }
        let keep_alive = self.apply_connack_properties(&properties)?;
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
    /// An Assigned Client Identifier is adopted for later connections; one assigned although
    /// CONNECT named a client identifier is a protocol error.
    fn apply_connack_properties(&mut self, properties: &Properties) -> Result<u16, Error> {
        let mut keep_alive = self.config.keep_alive;
        self.server_maximum_qos = QoS::ExactlyOnce;
        self.server_retain_available = true;
        let mut alias_maximum = 0;
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
                (PropertyId::MaximumQos, PropertyValue::Byte(q)) => {
                    self.server_maximum_qos = QoS::from_u8(*q).unwrap_or(QoS::ExactlyOnce);
                }
                (PropertyId::RetainAvailable, PropertyValue::Byte(r)) => {
                    self.server_retain_available = *r != 0;
                }
                (PropertyId::TopicAliasMaximum, PropertyValue::TwoByteInteger(n)) => {
                    alias_maximum = *n;
                }
                (PropertyId::AssignedClientIdentifier, PropertyValue::Utf8String(id)) => {
                    if !self.config.client_id.is_empty() && self.config.client_id != *id {
                        log::warn!(
                            "culex: broker assigned client id '{id}' although CONNECT named '{}'",
                            self.config.client_id
                        );
                        return Err(Error::Protocol);
                    }
                    log::debug!("culex: broker assigned client id '{id}'");
                    self.config.client_id.clone_from(id);
                }
                _ => {}
            }
        }
        self.tx.set_max_packet_size(self.server_max_packet_size);
        if self.config.auto_topic_alias && (alias_maximum > 0 || self.v5.is_some()) {
            self.v5_extras().outbound_aliases.reset(alias_maximum);
        }
        Ok(keep_alive)
    }

    /// Why the server's limits from CONNACK forbid sending `publish`, as an MQTT 5 reason code.
    pub(super) fn server_refusal(&self, publish: &Publish) -> Option<u8> {
        if !self.config.protocol.is_v5() {
            return None;
        }
        if publish.qos > self.server_maximum_qos {
            Some(ReasonCode::QOS_NOT_SUPPORTED.0)
        } else {
            None
        }
    }

    /// Encode `publish` into the outgoing buffer, with an automatic topic alias when that is on
    /// (falling back to the plain form if the alias makes it too large). `publish` is left as it
    /// came.
    pub(super) fn send_publish(
        &mut self,
        publish: &mut Publish,
        qos0_mid: Option<PacketId>,
    ) -> Result<(), Error> {
        let version = self.config.protocol;
        if let Some(aliases) = self.v5.as_deref_mut().map(|x| &mut x.outbound_aliases) {
            if let Some(used) = aliases.plan(publish) {
                let taken = topic_alias::apply(publish, used);
                let result = self.tx.publish(&publish.parts(), qos0_mid, version);
                topic_alias::unapply(publish, taken);
                match (result, used) {
                    (Ok(()), AliasUse::Assign(alias)) => {
                        aliases.record(&publish.topic, alias);
                        return Ok(());
                    }
                    (Ok(()), AliasUse::Reuse(_)) => return Ok(()),
                    (Err(_), _) => {}
                }
            }
        }
        self.tx.publish(&publish.parts(), qos0_mid, version)
    }

    /// A message that cannot be sent on this connection is done: report `reason_code`, free its
    /// id (QoS 1/2).
    fn drop_unsendable(&mut self, mid: PacketId, holds_id: bool, reason_code: u8) {
        log::debug!("culex: m{mid} cannot be sent (reason 0x{reason_code:02x}); dropped");
        if holds_id {
            self.ids.release(mid);
            note(&mut self.journal, Record::OutgoingDone(mid));
        }
        self.record_outcome(mid, super::Delivery::Discarded { reason_code });
        self.events.push_back(Event::Published {
            mid,
            reason_code,
            properties: Properties::default(),
            ack: None,
        });
    }

    /// Send a PUBLISH not sent before on this connection, unless the server's limits forbid it;
    /// true when it went out.
    fn send_checked(&mut self, publish: &mut Publish, qos0_mid: Option<PacketId>) -> bool {
        let mid = qos0_mid.unwrap_or(publish.packet_id);
        let holds_id = qos0_mid.is_none();
        if let Some(reason) = self.server_refusal(publish) {
            self.drop_unsendable(mid, holds_id, reason);
            return false;
        }
        if publish.retain && self.config.protocol.is_v5() && !self.server_retain_available {
            log::warn!("culex: m{mid}: the broker has no retained messages: sent without retain");
            publish.retain = false;
        }
        match self.send_publish(publish, qos0_mid) {
            Ok(()) => true,
            Err(Error::OversizePacket) => {
                self.drop_unsendable(mid, holds_id, ReasonCode::PACKET_TOO_LARGE.0);
                false
            }
            Err(_) => {
                if holds_id {
                    self.ids.release(mid);
                    note(&mut self.journal, Record::OutgoingDone(mid));
                }
                false
            }
        }
    }

    /// Restart the CONNACK timer at `now` (an AUTH round arrived).
    pub(super) fn restart_connack_timer(&mut self, now: std::time::Instant) {
        let timeout = self.connack_timeout();
        self.keepalive.restart_connack(now, timeout);
    }

    /// How long CONNACK may take: the connect timeout when one was set
    /// ([`Session::set_connect_timeout`]), else the keepalive interval, else the CONNACK timeout.
    pub(super) fn connack_timeout(&self) -> Duration {
        if let Some(timeout) = self.connect_timeout() {
            timeout
        } else if self.config.keep_alive > 0 {
            Duration::from_secs(u64::from(self.config.keep_alive))
        } else {
            Duration::from_millis(u64::from(self.connack_timeout_ms))
        }
    }

    /// Resend what the previous connection left unfinished, in its original order, whatever
    /// Session Present says (libmosquitto's rule): PUBLISH awaiting PUBACK/PUBREC again with DUP=1
    /// and the same ids, PUBREL for those awaiting PUBCOMP. A broker that kept the session
    /// finishes them; one that lost it takes the PUBLISH as new and answers an unknown PUBREL with
    /// PUBCOMP, so nothing is lost either way. With Session Present 1 the PUBLISH go out as they
    /// were; with 0 the server's new limits apply to them, as to any new message.
    ///
    /// Inbound QoS 2 messages awaiting PUBREL stay for a broker that kept the session (it sends
    /// PUBREL again); one that lost it never will, so they are delivered now.
    fn resume(&mut self, session_present: bool) {
        if !session_present {
            self.inbound_qos2.clear();
            for publish in self
                .awaiting_release
                .take()
                .into_iter()
                .flat_map(|held| *held)
            {
                log::debug!(
                    "culex: m{}: the broker lost the session before PUBREL; delivered",
                    publish.packet_id
                );
                note(&mut self.journal, Record::InboundDone(publish.packet_id));
                self.events.push_back(Event::Message(publish));
            }
        }
        let version = self.config.protocol;
        let mut inflight = std::mem::take(&mut self.outgoing.inflight);
        let mut kept = std::collections::VecDeque::with_capacity(inflight.len());
        for mut m in inflight.drain(..) {
            match m.stage {
                Stage::AwaitingAck => {
                    m.publish.dup = true;
                    if session_present {
                        if let Err(e) = self.send_publish(&mut m.publish, None) {
                            log::debug!("culex: m{} not resent: {e}", m.publish.packet_id);
                        }
                        kept.push_back(m);
                    } else if self.send_checked(&mut m.publish, None) {
                        kept.push_back(m);
                    }
                }
                Stage::AwaitingPubComp => {
                    self.tx
                        .ack(AckKind::PubRel, m.publish.packet_id, 0, version);
                    kept.push_back(m);
                }
            }
        }
        self.outgoing.inflight = kept;
    }

    /// Send held packets and queued PUBLISH (as far as the Inflight window allows) in issue order.
    /// Only while connected.
    pub(super) fn flush_pending(&mut self) {
        if self.state != State::Connected {
            return;
        }
        let window = self.window();
        while let Some(next) = self.outgoing.next_pending(window) {
            match next {
                NextPending::Queued => self.send_next_queued(),
                NextPending::Held => {
                    let Some(pending) = self.outgoing.pop_held() else {
                        break;
                    };
                    match pending.packet {
                        Held::Publish { mid, mut publish } => {
                            self.send_checked(&mut publish, Some(mid));
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
        match self.tx.packet(&packet, self.config.protocol) {
            Ok(()) => {
                self.outgoing.await_ack(id, awaited);
            }
            Err(e) => {
                log::debug!("culex: m{id} not sent: {e}");
                self.ids.release(id);
            }
        }
    }

    /// Move the oldest queued PUBLISH into the Inflight window and send it.
    fn send_next_queued(&mut self) {
        let Some(pending) = self.outgoing.pop_queued() else {
            return;
        };
        let mut publish = pending.packet;
        if !self.send_checked(&mut publish, None) {
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
        let reason = disconnect_reason(&error);
        // The MQTT 5 broker hears "malformed packet" (0x81); the application gets
        // MOSQ_ERR_PROTOCOL, as libmosquitto reports a malformed packet from the broker.
        let error = match error {
            Error::MalformedPacket => Error::Protocol,
            other => other,
        };
        self.fail_with(error, reason)
    }

    /// As [`Session::fail`], with the DISCONNECT reason code given.
    pub(super) fn fail_with(&mut self, error: Error, reason: Option<u8>) -> Error {
        log::debug!("culex: connection failed: {error}");
        if self.config.protocol.is_v5() && !self.config.paho_wire && !self.tx.disconnect_pending() {
            if let Some(reason_code) = reason {
                let disconnect = Packet::Disconnect(Disconnect {
                    reason_code,
                    properties: Properties::default(),
                });
                let _ = self.tx.packet(&disconnect, self.config.protocol);
            }
        }
        self.state = State::Offline;
        self.keepalive.stop();
        if let Some(extras) = self.v5.as_deref_mut() {
            extras.auth.finish();
        }
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
        Error::MalformedPacket | Error::MalformedUtf8 => Some(ReasonCode::MALFORMED_PACKET.0),
        Error::Protocol | Error::DuplicateProperty => Some(ReasonCode::PROTOCOL_ERROR.0),
        Error::OversizePacket => Some(ReasonCode::PACKET_TOO_LARGE.0),
        Error::TopicAliasInvalid => Some(ReasonCode::TOPIC_ALIAS_INVALID.0),
        _ => None,
    }
}
