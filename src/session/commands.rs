//! Application commands: PUBLISH, SUBSCRIBE, UNSUBSCRIBE and DISCONNECT.
//!
//! Owns the checks a command must pass before it is accepted (state, topic and filter rules, sizes,
//! properties allowed by the protocol version) and where an accepted command goes: straight into
//! the outgoing buffer when connected, into the queue (QoS 1/2 PUBLISH beyond the Inflight window or
//! while offline) or held until CONNACK. It never reads the clock and never touches a socket.

use super::outgoing::{AwaitedAck, Held};
use super::{Session, State};
use crate::error::Error;
use crate::protocol::{
    varint_len, Disconnect, Packet, PacketId, Properties, Publish, QoS, Subscribe, SubscribeFilter,
    Unsubscribe, MAX_REMAINING_LENGTH,
};

impl Session {
    pub(super) fn publish_impl(
        &mut self,
        topic: &str,
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
        self.check_properties(&properties)?;
        validate::topic_name(topic)?;
        let remaining = 2
            + topic.len() as u64
            + if qos == QoS::AtMostOnce { 0 } else { 2 }
            + payload.len() as u64
            + self.properties_len(&properties);
        self.check_size(remaining, Error::PayloadSize)?;

        let mut publish = Publish {
            dup: false,
            qos,
            retain,
            topic: topic.to_owned(),
            packet_id: 0,
            payload: payload.to_vec(),
            properties,
        };
        if qos == QoS::AtMostOnce {
            let mid = self.ids.transient().ok_or(Error::NoMem)?;
            if self.state == State::Connected {
                self.tx
                    .publish(&publish, Some(mid), self.config.protocol)
                    .map_err(|_| Error::PayloadSize)?;
            } else {
                self.outgoing.hold(Held::Publish { mid, publish });
            }
            return Ok(mid);
        }
        let id = self.ids.acquire().ok_or(Error::NoMem)?;
        publish.packet_id = id;
        self.outgoing.enqueue(publish);
        self.flush_pending();
        Ok(id)
    }

    pub(super) fn subscribe_impl(
        &mut self,
        filters: Vec<SubscribeFilter>,
        properties: Properties,
    ) -> Result<PacketId, Error> {
        self.check_control_state()?;
        self.check_properties(&properties)?;
        if filters.is_empty() {
            return Err(Error::Inval);
        }
        let mut remaining = 2 + self.properties_len(&properties);
        for f in &filters {
            validate::topic_filter(&f.filter)?;
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
            self.outgoing.hold(Held::Subscribe(subscribe));
        }
        Ok(packet_id)
    }

    pub(super) fn unsubscribe_impl(
        &mut self,
        filters: Vec<String>,
        properties: Properties,
    ) -> Result<PacketId, Error> {
        self.check_control_state()?;
        self.check_properties(&properties)?;
        if filters.is_empty() {
            return Err(Error::Inval);
        }
        let mut remaining = 2 + self.properties_len(&properties);
        for f in &filters {
            validate::topic_filter(f)?;
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
            self.outgoing.hold(Held::Unsubscribe(unsubscribe));
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
        self.check_properties(&properties)?;
        let disconnect = Packet::Disconnect(Disconnect {
            reason_code,
            properties,
        });
        self.tx
            .packet(&disconnect, self.config.protocol)
            .map_err(|_| Error::Inval)?;
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

    /// Properties exist only in MQTT 5.
    fn check_properties(&self, properties: &Properties) -> Result<(), Error> {
        if !properties.0.is_empty() && !self.config.protocol.is_v5() {
            return Err(Error::NotSupported);
        }
        Ok(())
    }

    /// Wire size of a property block (length prefix included); 0 before MQTT 5.
    fn properties_len(&self, properties: &Properties) -> u64 {
        if !self.config.protocol.is_v5() {
            return 0;
        }
        let body: u64 = properties.0.iter().map(property_len).sum();
        varint_len(body.min(u64::from(u32::MAX)) as u32) as u64 + body
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

/// Wire size of one MQTT 5 property (identifier byte included).
fn property_len(p: &crate::protocol::Property) -> u64 {
    use crate::protocol::PropertyValue as V;
    1 + match &p.value {
        V::Byte(_) => 1,
        V::TwoByteInteger(_) => 2,
        V::FourByteInteger(_) => 4,
        V::VariableByteInteger(v) => varint_len(*v) as u64,
        V::BinaryData(b) => 2 + b.len() as u64,
        V::Utf8String(s) => 2 + s.len() as u64,
        V::Utf8StringPair(k, v) => 4 + k.len() as u64 + v.len() as u64,
    }
}

/// Topic name and filter checks for commands, mapped to the crate errors.
mod validate {
    use crate::error::Error;
    use crate::protocol::utf8::validate_str;

    /// A topic name to publish to: non-empty, valid MQTT UTF-8, no wildcards.
    pub(super) fn topic_name(topic: &str) -> Result<(), Error> {
        if topic.is_empty() || topic.len() > 65_535 {
            return Err(Error::Inval);
        }
        validate_str(topic).map_err(|_| Error::MalformedUtf8)?;
        if topic.contains(['+', '#']) {
            return Err(Error::Inval);
        }
        Ok(())
    }

    /// A topic filter to subscribe to: non-empty, valid MQTT UTF-8, wildcards only as whole levels
    /// and `#` last.
    pub(super) fn topic_filter(filter: &str) -> Result<(), Error> {
        if filter.is_empty() || filter.len() > 65_535 {
            return Err(Error::Inval);
        }
        validate_str(filter).map_err(|_| Error::MalformedUtf8)?;
        let mut levels = filter.split('/').peekable();
        while let Some(level) = levels.next() {
            let wildcard_ok = match level {
                "#" => levels.peek().is_none(),
                "+" => true,
                _ => !level.contains(['+', '#']),
            };
            if !wildcard_ok {
                return Err(Error::Inval);
            }
        }
        Ok(())
    }
}
