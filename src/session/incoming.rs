//! Bytes and packets from the broker: framing, size limits, and what each packet does.
//!
//! Owns the reassembly of packets split across reads (only the incomplete tail of a read is copied;
//! complete packets are decoded straight from the caller's slice), the inbound size limit (checked
//! on the fixed header, before anything is allocated), the inbound QoS 2 ids awaiting PUBREL, and
//! the reaction to every packet type. It never reads the clock and never touches a socket.

use std::borrow::Cow;
use std::time::Instant;

use super::durable::note;

use super::outgoing::{AwaitedAck, Stage};
use super::transmit::{log_publish, log_received, packet_name};
use super::{Event, Session, State};
use crate::error::Error;
use crate::persist::Record;
use crate::protocol::{
    decode_packet, decode_varint, Ack, AckKind, DecodeError, Packet, Properties, Publish, QoS,
    ReasonCode,
};

/// MQTT 5 reason code "Packet Identifier not found".
const PACKET_ID_NOT_FOUND: u8 = ReasonCode::PACKET_IDENTIFIER_NOT_FOUND.0;
/// MQTT 5 reason code "Receive Maximum exceeded".
const RECEIVE_MAXIMUM_EXCEEDED: u8 = ReasonCode::RECEIVE_MAXIMUM_EXCEEDED.0;

impl Session {
    pub(super) fn handle_bytes_impl(&mut self, now: Instant, bytes: &[u8]) -> Result<(), Error> {
        match self.state {
            State::AwaitingConnAck | State::Connected | State::Closing => {}
            State::Offline | State::Opening => {
                log::debug!(
                    "culex: {} bytes ignored while {:?}",
                    bytes.len(),
                    self.state
                );
                return Err(Error::NoConn);
            }
        }
        if self.config.paho_wire && self.state == State::Connected && !bytes.is_empty() {
            // paho-mqtt's rule: any bytes from the broker, even part of a packet, show that
            // it is alive (a large PUBLISH on a slow link is no keepalive failure): they end the
            // wait for PINGRESP, and the next PINGREQ is due a keepalive after the last one.
            self.keepalive.on_receive(now);
            self.keepalive.on_ping_response();
        }
        let mut input = bytes;
        if !self.rx.is_empty() {
            match self.complete_tail(&mut input) {
                Ok(Some((packet, size))) => self.dispatch(now, packet, size)?,
                Ok(None) => return Ok(()),
                Err(e) => return Err(self.fail(e)),
            }
        }
        let version = self.config.protocol;
        let max = self.incoming_limit;
        while !input.is_empty() {
            if !self.is_receiving() {
                log::debug!(
                    "culex: {} bytes ignored after the connection ended",
                    input.len()
                );
                return Ok(());
            }
            match decode_packet(input, version, max) {
                Ok(Some((packet, used))) => {
                    input = &input[used..];
                    self.dispatch(now, packet, used)?;
                }
                Ok(None) => {
                    // Incomplete: keep the tail, but only if its announced size is acceptable.
                    // The buffer grows with the bytes that actually arrive, never ahead of them.
                    if let Err(e) = self.frame_len(input) {
                        return Err(self.fail(e));
                    }
                    self.rx.extend_from_slice(input);
                    return Ok(());
                }
                Err(e) => return Err(self.fail(decode_error(e))),
            }
        }
        Ok(())
    }

    fn is_receiving(&self) -> bool {
        matches!(
            self.state,
            State::AwaitingConnAck | State::Connected | State::Closing
        )
    }

    /// Move bytes from `input` into the reassembly buffer until it holds one whole packet, and
    /// decode it; `None` when `input` ran out first.
    fn complete_tail(&mut self, input: &mut &[u8]) -> Result<Option<(Packet, usize)>, Error> {
        let total = loop {
            if let Some(total) = self.frame_len(&self.rx)? {
                break total;
            }
            // The fixed header itself is incomplete: take one more byte.
            let Some((&first, rest)) = input.split_first() else {
                return Ok(None);
            };
            self.rx.push(first);
            *input = rest;
        };
        let take = (total - self.rx.len()).min(input.len());
        self.rx.extend_from_slice(&input[..take]);
        *input = &input[take..];
        if self.rx.len() < total {
            return Ok(None);
        }
        let decoded = decode_packet(&self.rx, self.config.protocol, self.incoming_limit);
        self.rx.clear();
        if self.rx.capacity() > super::connection::RX_KEEP_CAPACITY {
            self.rx = Vec::new();
        }
        match decoded {
            Ok(Some((packet, used))) if used == total => Ok(Some((packet, total))),
            Ok(_) => Err(Error::MalformedPacket),
            Err(e) => Err(decode_error(e)),
        }
    }

    /// The total size of the packet starting at `buf` once its fixed header is complete, checked
    /// against the inbound limit.
    fn frame_len(&self, buf: &[u8]) -> Result<Option<usize>, Error> {
        if buf.len() < 2 {
            return Ok(None);
        }
        let Some((remaining, used)) = decode_varint(&buf[1..]).map_err(decode_error)? else {
            return Ok(None);
        };
        let total = 1 + used as u64 + u64::from(remaining);
        if total > u64::from(self.incoming_limit) {
            log::debug!(
                "culex: incoming packet of {total} bytes exceeds the maximum of {}",
                self.incoming_limit
            );
            return Err(Error::OversizePacket);
        }
        Ok(Some(total as usize))
    }

    /// Handle one decoded packet of `size` bytes; on error the session has failed (see `fail`).
    fn dispatch(&mut self, now: Instant, packet: Packet, size: usize) -> Result<(), Error> {
        if log::log_enabled!(log::Level::Debug) {
            log_received(&packet);
        }
        self.keepalive.on_receive(now);
        if matches!(packet, Packet::Disconnect(_)) && self.config.protocol.is_v5() {
            self.v5_extras().server_disconnect_length = Some(remaining_length(size));
        }
        let result = self.handle_packet(now, packet);
        result.map_err(|e| match e {
            // A refusal already put the session offline; nothing to tell the broker.
            Error::ConnRefused(_) => e,
            _ => self.fail(e),
        })
    }

    fn handle_packet(&mut self, now: Instant, packet: Packet) -> Result<(), Error> {
        if self.state == State::AwaitingConnAck
            && !matches!(packet, Packet::ConnAck(_) | Packet::Auth(_))
        {
            log::warn!("culex: {} received before CONNACK", packet_name(&packet));
            return Err(Error::Protocol);
        }
        match packet {
            Packet::ConnAck(connack) => self.on_connack(now, connack),
            Packet::Publish(publish) => self.on_publish(publish),
            Packet::Ack(ack) => self.on_ack(ack),
            Packet::SubAck(suback) => {
                if !self.config.protocol.is_v5() {
                    check_v3_suback(&suback.reason_codes)?;
                }
                if self.take_awaiting(suback.packet_id, AwaitedAck::SubAck) {
                    self.events.push_back(Event::SubAck {
                        mid: suback.packet_id,
                        reason_codes: suback.reason_codes,
                        properties: suback.properties,
                    });
                }
                Ok(())
            }
            Packet::UnsubAck(unsuback) => {
                if self.take_awaiting(unsuback.packet_id, AwaitedAck::UnsubAck) {
                    self.events.push_back(Event::UnsubAck {
                        mid: unsuback.packet_id,
                        reason_codes: unsuback.reason_codes,
                        properties: unsuback.properties,
                    });
                }
                Ok(())
            }
            Packet::PingResp => {
                self.keepalive.on_ping_response();
                Ok(())
            }
            Packet::Disconnect(d) if self.config.protocol.is_v5() => {
                log::debug!("culex: broker sent DISCONNECT (rc{})", d.reason_code);
                self.v5_extras().server_disconnect = Some(d);
                Err(Error::ConnLost)
            }
            Packet::Auth(auth) if self.config.protocol.is_v5() => self.on_auth(now, auth),
            Packet::Connect(_)
            | Packet::Subscribe(_)
            | Packet::Unsubscribe(_)
            | Packet::PingReq
            | Packet::Disconnect(_)
            | Packet::Auth(_) => {
                log::warn!(
                    "culex: a client must never receive {}",
                    packet_name(&packet)
                );
                Err(Error::Protocol)
            }
        }
    }

    /// Whether a SUBACK/UNSUBACK matches a request we sent; frees its id if so.
    fn take_awaiting(&mut self, id: u16, awaited: AwaitedAck) -> bool {
        if self.outgoing.take_awaited(id, awaited) {
            self.ids.release(id);
            true
        } else if self.config.paho_wire {
            // paho-mqtt reports every SUBACK/UNSUBACK, whatever its id.
            log::debug!("culex: acknowledgement for unknown m{id} reported all the same");
            true
        } else {
            log::debug!("culex: acknowledgement for unknown m{id} ignored");
            false
        }
    }

    /// An application message: deliver it (once), acknowledge it.
    fn on_publish(&mut self, mut publish: Publish) -> Result<(), Error> {
        let version = self.config.protocol;
        if version.is_v5() {
            let aliases = self.v5.as_deref_mut().map(|x| &mut x.topic_aliases);
            super::InboundTopicAliases::resolve(aliases, &mut publish)?;
        }
        let id = publish.packet_id;
        // After DISCONNECT is queued nothing more may be sent: leave QoS 1/2 unacknowledged so the
        // broker sends them again in the next session.
        let can_ack = self.state == State::Connected;
        match publish.qos {
            QoS::AtMostOnce => self.events.push_back(Event::Message(publish)),
            QoS::AtLeastOnce => {
                if !can_ack {
                    return Ok(());
                }
                if self.manual_ack() && self.awaits_ack(id, QoS::AtLeastOnce) {
                    log_publish(
                        "ignoring duplicate (awaiting its acknowledgement)",
                        &publish,
                        None,
                    );
                    return Ok(());
                }
                self.check_receive_maximum()?;
                self.events.push_back(Event::Message(publish));
                if self.manual_ack() {
                    self.await_ack(id, QoS::AtLeastOnce);
                } else {
                    self.tx.inbound_ack(AckKind::PubAck, id, version);
                }
            }
            QoS::ExactlyOnce if self.manual_ack() && !self.inbound_qos2.contains(id) => {
                // Delivered now; PUBREC when the application acknowledges (`manual_ack.rs`).
                if !can_ack {
                    return Ok(());
                }
                if self.awaits_ack(id, QoS::ExactlyOnce) {
                    log_publish(
                        "ignoring duplicate (awaiting its acknowledgement)",
                        &publish,
                        None,
                    );
                    return Ok(());
                }
                self.check_receive_maximum()?;
                self.events.push_back(Event::Message(publish));
                self.await_ack(id, QoS::ExactlyOnce);
            }
            QoS::ExactlyOnce => {
                if !can_ack {
                    return Ok(());
                }
                if !self.inbound_qos2.contains(id) {
                    self.check_receive_maximum()?;
                }
                if self.inbound_qos2.insert(id) {
                    note(&mut self.journal, Record::Inbound(Cow::Borrowed(&publish)));
                    self.awaiting_release
                        .get_or_insert_with(Box::default)
                        .push_back(publish);
                } else {
                    log_publish("ignoring duplicate", &publish, None);
                }
                self.tx.ack(AckKind::PubRec, id, 0, version);
            }
        }
        Ok(())
    }

    /// A new inbound QoS 1/2 PUBLISH arrived: with it, no more than our Receive Maximum may be
    /// unacknowledged: QoS 2 flows awaiting PUBREL and messages awaiting the application's
    /// acknowledgement. A QoS 1 message is acknowledged once its PUBACK is queued (and a QoS 2
    /// one once PUBREL is answered), as libmosquitto counts. Counting the PUBACKs still waiting
    /// in our buffer as well ended floods of QoS 1 messages from mosquitto 2.0.11 with 0x93 in
    /// every loop mode (tests/paho_callbacks.rs, the batch test).
    /// Otherwise the connection fails with DISCONNECT 0x93 (Receive Maximum exceeded).
    #[inline]
    fn check_receive_maximum(&mut self) -> Result<(), Error> {
        if !self.config.protocol.is_v5() {
            return Ok(());
        }
        let unacknowledged = self.inbound_qos2.len() + self.awaited_acks() + 1;
        if unacknowledged > usize::from(self.receive_maximum) {
            log::warn!(
                "culex: the broker sent more than our Receive Maximum of {} unacknowledged \
                 QoS 1/2 PUBLISH",
                self.receive_maximum
            );
            return Err(self.fail_with(Error::Protocol, Some(RECEIVE_MAXIMUM_EXCEEDED)));
        }
        Ok(())
    }

    /// PUBACK, PUBREC, PUBREL or PUBCOMP. An acknowledgement of a message sent at another QoS
    /// (PUBACK for QoS 2, PUBREC or PUBCOMP for QoS 1) is a protocol error; one for an id not in
    /// flight is ignored, except that PUBREC and PUBREL are answered so the broker can finish its
    /// exchange (as libmosquitto does; MQTT 5 says why with reason 0x92).
    fn on_ack(&mut self, ack: Ack) -> Result<(), Error> {
        let version = self.config.protocol;
        let can_send = self.state == State::Connected;
        let Ack {
            kind,
            packet_id: id,
            reason_code,
            properties,
        } = ack;
        let not_found = if version.is_v5() {
            PACKET_ID_NOT_FOUND
        } else {
            0
        };
        if kind == AckKind::PubRel {
            if !can_send {
                return Ok(());
            }
            if self.journal.is_some() && self.inbound_qos2.contains(id) {
                // Durable: the message is done only once the application has had it.
                if self.delivering.iter().any(|p| p.packet_id == id) {
                    return Ok(()); // PUBCOMP follows the delivery under way
                }
                if let Some(publish) = self.take_awaiting_release(id) {
                    self.events.push_back(Event::Message(publish.clone()));
                    self.delivering.push(publish);
                    return Ok(());
                }
            }
            if self.inbound_qos2.remove(id) {
                note(&mut self.journal, Record::InboundDone(id));
                self.tx.inbound_ack(AckKind::PubComp, id, version);
                if let Some(publish) = self.take_awaiting_release(id) {
                    self.events.push_back(Event::Message(publish));
                }
            } else {
                self.tx.ack(AckKind::PubComp, id, not_found, version);
            }
            return Ok(());
        }
        let Some(i) = self.outgoing.inflight_position(id) else {
            if kind == AckKind::PubRec && can_send {
                self.tx.ack(AckKind::PubRel, id, not_found, version);
            } else {
                log::debug!("culex: acknowledgement for unknown m{id} ignored");
            }
            return Ok(());
        };
        let sent_at = self.outgoing.inflight[i].publish.qos;
        let expected = if kind == AckKind::PubAck {
            QoS::AtLeastOnce
        } else {
            QoS::ExactlyOnce
        };
        if sent_at != expected {
            log::warn!("culex: {kind:?} for m{id}, which was sent at {sent_at:?}");
            return Err(Error::Protocol);
        }
        match kind {
            AckKind::PubRec if !ReasonCode(reason_code).is_error() => {
                self.outgoing.inflight[i].stage = Stage::AwaitingPubComp;
                note(&mut self.journal, Record::OutgoingReleased(id));
                if can_send {
                    self.tx.ack(AckKind::PubRel, id, 0, version);
                }
            }
            _ => self.complete(i, kind, reason_code, properties),
        }
        Ok(())
    }

    /// The inbound QoS 2 message `id` whose PUBREL arrived (usually the oldest one held).
    fn take_awaiting_release(&mut self, id: u16) -> Option<Publish> {
        // The box stays once allocated: a client receiving QoS 2 keeps receiving it, and
        // allocating it per message would cost more than its 8 bytes while empty.
        let held = self.awaiting_release.as_deref_mut()?;
        if held.front()?.packet_id == id {
            // Brokers release in the order they sent: the common case costs a pop.
            return held.pop_front();
        }
        let position = held.iter().position(|p| p.packet_id == id)?;
        held.remove(position)
    }

    /// The Inflight message at `position` is done: report it and let the next queued one in.
    fn complete(&mut self, position: usize, ack: AckKind, reason_code: u8, properties: Properties) {
        if let Some(m) = self.outgoing.inflight.remove(position) {
            let mid = m.publish.packet_id;
            self.ids.release(mid);
            note(&mut self.journal, Record::OutgoingDone(mid));
            if ReasonCode(reason_code).is_error() {
                self.record_outcome(mid, super::Delivery::Done { reason_code });
            }
            self.events.push_back(Event::Published {
                mid,
                reason_code,
                properties,
                ack: Some(ack),
            });
        }
        self.flush_pending();
    }
}

/// MQTT 3.1.1 [MQTT-3.9.3-2]: a SUBACK return code is 0, 1, 2 (the QoS granted) or 0x80
/// (failure); the others are reserved, and a broker that sends one breaks the protocol.
fn check_v3_suback(return_codes: &[u8]) -> Result<(), Error> {
    match return_codes
        .iter()
        .find(|&&c| !matches!(c, 0 | 1 | 2 | 0x80))
    {
        Some(c) => {
            log::warn!("culex: SUBACK with the reserved return code 0x{c:02x}: protocol violation");
            Err(Error::Protocol)
        }
        None => Ok(()),
    }
}

/// The crate error for a decode failure.
pub(super) fn decode_error(e: DecodeError) -> Error {
    log::debug!("culex: bad packet from the broker: {e:?}");
    match e {
        DecodeError::Malformed(_) => Error::MalformedPacket,
        DecodeError::Protocol(_) => Error::Protocol,
        DecodeError::MalformedUtf8 => Error::MalformedUtf8,
        DecodeError::DuplicateProperty => Error::DuplicateProperty,
        DecodeError::TooLarge { .. } => Error::OversizePacket,
    }
}

/// The Remaining Length of a packet of `size` bytes (fixed header included).
fn remaining_length(size: usize) -> u32 {
    let body = size.saturating_sub(1) as u32;
    (1..=4u32)
        .map(|n| body.saturating_sub(n))
        .find(|&rl| crate::protocol::varint_len(rl) as u32 == body - rl)
        .unwrap_or(0)
}
