//! Application commands: PUBLISH, SUBSCRIBE, UNSUBSCRIBE and DISCONNECT.
//!
//! Owns the checks a command must pass before it is accepted (state, topic and filter rules, sizes,
//! properties allowed by the protocol version) and where an accepted command goes: straight into
//! the outgoing buffer when connected, into the queue (QoS 1/2 PUBLISH beyond the Inflight window or
//! while offline) or held until CONNACK. It never reads the clock and never touches a socket.

use std::borrow::Cow;
use std::time::Instant;

use super::durable::note;
use super::outgoing::{AwaitedAck, Held};
use super::{Session, State};
use crate::error::Error;
use crate::persist::Record;
use crate::protocol::topic::{validate_topic_filter, validate_topic_name, TopicError};
use crate::protocol::{
    varint_len, Disconnect, Packet, PacketId, Properties, PropertyContext, PropertyId, Publish,
    PublishParts, QoS, Subscribe, SubscribeFilter, Unsubscribe, MAX_REMAINING_LENGTH,
};

impl Session {
    /// PUBLISH. `topic_checked`: the caller already made sure `topic` is a valid topic name
    /// (or, with a Topic Alias property, empty), so it is not checked again.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn publish_impl(
        &mut self,
        now: Option<Instant>,
        topic: &str,
        topic_checked: bool,
        payload: &[u8],
        qos: QoS,
        retain: bool,
        properties: Properties,
    ) -> Result<PacketId, Error> {
        match self.state {
            State::Closing => return Err(Error::NoConn),
            State::Offline if qos == QoS::AtMostOnce => return Err(Error::NoConn),
            _ => {}
        }
        self.check_properties(&properties, PropertyContext::Publish)?;
        let aliased = topic.is_empty() && properties.contains(PropertyId::TopicAlias);
        if topic_checked {
            debug_assert!(aliased || validate_topic_name(topic).is_ok());
        } else if !aliased {
            validate_topic_name(topic).map_err(topic_error)?;
        }
        let mut retain = retain;
        if self.config.protocol.is_v5() {
            if qos > self.server_maximum_qos {
                return Err(Error::QosNotSupported);
            }
            if retain && !self.server_retain_available {
                // libmosquitto's answer: the message goes out, to current subscribers only.
                log::warn!("culex: the broker has no retained messages: publishing without retain");
                retain = false;
            }
        }
        let remaining = 2
            + topic.len() as u64
            + if qos == QoS::AtMostOnce { 0 } else { 2 }
            + payload.len() as u64
            + self.properties_len(&properties);
        self.check_size(remaining, Error::PayloadSize)?;
        let expires = self.admit(qos, (topic.len() + payload.len()) as u64, now)?;

        if qos == QoS::AtMostOnce {
            let mid = self.ids.transient().ok_or(Error::NoMem)?;
            self.forget_outcome(mid);
            if self.state == State::Connected
                && !self
                    .v5
                    .as_ref()
                    .is_some_and(|x| x.outbound_aliases.is_active())
            {
                // Straight from the caller's slices into the outgoing buffer: a QoS 0 message is
                // never sent again, so no owned copy is needed.
                let parts = PublishParts {
                    dup: false,
                    qos,
                    retain,
                    topic,
                    packet_id: 0,
                    payload,
                    properties: &properties,
                };
                self.tx.publish(&parts, Some(mid), self.config.protocol)?;
                return Ok(mid);
            }
            let mut publish = owned_publish(topic, payload, qos, retain, properties);
            if self.state == State::Connected {
                self.send_publish(&mut publish, Some(mid))?;
            } else {
                self.outgoing.hold(Held::Publish { mid, publish }, expires);
            }
            return Ok(mid);
        }
        let id = self.ids.acquire().ok_or(Error::NoMem)?;
        self.forget_outcome(id);
        let mut publish = owned_publish(topic, payload, qos, retain, properties);
        publish.packet_id = id;
        note(&mut self.journal, Record::Outgoing(Cow::Borrowed(&publish)));
        self.outgoing.enqueue(publish, expires);
        self.flush_pending();
        Ok(id)
    }

    pub(super) fn subscribe_impl(
        &mut self,
        filters: Vec<SubscribeFilter>,
        properties: Properties,
    ) -> Result<PacketId, Error> {
        self.check_control_state()?;
        self.check_properties(&properties, PropertyContext::Subscribe)?;
        if filters.is_empty() {
            return Err(Error::Inval);
        }
        let mut remaining = 2 + self.properties_len(&properties);
        for f in &filters {
            validate_topic_filter(&f.filter).map_err(topic_error)?;
            remaining += 2 + f.filter.len() as u64 + 1;
        }
        self.check_size(remaining, Error::PayloadSize)?;
        let packet_id = self.ids.acquire().ok_or(Error::NoMem)?;
        let subscribe = Subscribe {
            packet_id,
            filters,
            properties,
        };
        if self.state == State::Connected {
            self.send_awaiting(Packet::Subscribe(subscribe), packet_id, AwaitedAck::SubAck);
        } else {
            self.outgoing.hold(Held::Subscribe(subscribe), None);
        }
        Ok(packet_id)
    }

    pub(super) fn unsubscribe_impl(
        &mut self,
        filters: Vec<String>,
        properties: Properties,
    ) -> Result<PacketId, Error> {
        self.check_control_state()?;
        self.check_properties(&properties, PropertyContext::Unsubscribe)?;
        if filters.is_empty() {
            return Err(Error::Inval);
        }
        let mut remaining = 2 + self.properties_len(&properties);
        for f in &filters {
            validate_topic_filter(f).map_err(topic_error)?;
            remaining += 2 + f.len() as u64;
        }
        self.check_size(remaining, Error::PayloadSize)?;
        let packet_id = self.ids.acquire().ok_or(Error::NoMem)?;
        let unsubscribe = Unsubscribe {
            packet_id,
            filters,
            properties,
        };
        if self.state == State::Connected {
            self.send_awaiting(
                Packet::Unsubscribe(unsubscribe),
                packet_id,
                AwaitedAck::UnsubAck,
            );
        } else {
            self.outgoing.hold(Held::Unsubscribe(unsubscribe), None);
        }
        Ok(packet_id)
    }

    pub(super) fn disconnect_impl(
        &mut self,
        reason_code: u8,
        properties: Properties,
    ) -> Result<(), Error> {
        match self.state {
            State::Offline => return Err(Error::NoConn),
            State::Closing => return Ok(()),
            State::Opening => {
                // Nothing was sent yet: there is nothing to say goodbye to.
                self.state = State::Closing;
                return Ok(());
            }
            State::AwaitingConnAck | State::Connected => {}
        }
        self.check_properties(&properties, PropertyContext::Disconnect)?;
        let disconnect = Packet::Disconnect(Disconnect {
            reason_code,
            properties,
        });
        self.tx
            .packet(&disconnect, self.config.protocol)
            .map_err(|e| match e {
                Error::OversizePacket => e,
                _ => Error::Inval,
            })?;
        self.state = State::Closing;
        Ok(())
    }

    /// SUBSCRIBE and UNSUBSCRIBE need a connection or one underway (as libmosquitto).
    fn check_control_state(&self) -> Result<(), Error> {
        match self.state {
            State::Offline | State::Closing => Err(Error::NoConn),
            _ => Ok(()),
        }
    }

    /// Properties exist only in MQTT 5 (`Error::NotSupported` before), and must be allowed in
    /// `context` (`Error::Protocol` otherwise, as libmosquitto).
    fn check_properties(
        &self,
        properties: &Properties,
        context: PropertyContext,
    ) -> Result<(), Error> {
        if properties.is_empty() {
            return Ok(());
        }
        if !self.config.protocol.is_v5() {
            return Err(Error::NotSupported);
        }
        properties.validate(context).map_err(|e| {
            log::debug!("culex: invalid properties: {e:?}");
            Error::Protocol
        })
    }

    /// Wire size of a property block (length prefix included); 0 before MQTT 5.
    fn properties_len(&self, properties: &Properties) -> u64 {
        if self.config.protocol.is_v5() {
            properties.encoded_len() as u64
        } else {
            0
        }
    }

    /// A packet with this remaining length must fit MQTT and the server's Maximum Packet Size.
    fn check_size(&self, remaining: u64, too_large: Error) -> Result<(), Error> {
        if remaining > u64::from(MAX_REMAINING_LENGTH) {
            return Err(too_large);
        }
        if let Some(max) = self.server_max_packet_size {
            let total = 1 + varint_len(remaining as u32) as u64 + remaining;
            if total > u64::from(max) {
                return Err(Error::OversizePacket);
            }
        }
        Ok(())
    }
}

/// An owned PUBLISH (packet id 0) from the caller's parts.
fn owned_publish(
    topic: &str,
    payload: &[u8],
    qos: QoS,
    retain: bool,
    properties: Properties,
) -> Publish {
    Publish {
        dup: false,
        qos,
        retain,
        topic: topic.to_owned(),
        packet_id: 0,
        payload: payload.to_vec(),
        properties,
    }
}

/// The crate error for a topic name or filter that breaks the rules.
fn topic_error(e: TopicError) -> Error {
    match e {
        TopicError::MalformedUtf8(_) => Error::MalformedUtf8,
        TopicError::Empty
        | TopicError::TooLong { .. }
        | TopicError::WildcardInName { .. }
        | TopicError::MisplacedWildcard { .. } => Error::Inval,
    }
}
