//! The outgoing byte buffer: packets are encoded straight into it, and
//! [`Session::poll_transmit`](super::Session::poll_transmit) hands it to the driver.
//!
//! Owns the pending bytes, the message ids of the QoS 0 PUBLISH among them (they are reported as
//! published once handed out), whether a DISCONNECT is among them, and how many acknowledgements
//! ending an inbound QoS 1/2 flow (PUBACK, PUBCOMP) are among them. Enforces the MQTT 5 server's
//! Maximum Packet Size: a packet larger than that is never appended. Also owns the debug log lines
//! for packets sent and received. It never decides *what* to send.

use crate::error::Error;
use crate::protocol::{
    Ack, AckKind, EncodeError, Packet, PacketId, Properties, ProtocolVersion, Publish, PublishParts,
};

/// Bytes waiting for the transport. See the module documentation.
#[derive(Debug, Default)]
pub(super) struct Transmit {
    buf: Vec<u8>,
    qos0_mids: Vec<PacketId>,
    disconnect_pending: bool,
    /// The PUBCOMPs waiting in `buf`: their ids and where each ends in `buf`. If the connection
    /// ends before they are written, the broker never had them (`Session::connection_lost`).
    pubcomps: Vec<(PacketId, usize)>,
    /// The PUBCOMPs handed to the driver whose bytes it may not have written yet: their ids and
    /// where each ends in the stream of bytes handed out on this connection (`handed`). Cleared
    /// when the driver asks for more with an empty buffer: it wrote everything before.
    handed_pubcomps: Vec<(PacketId, u64)>,
    /// How many bytes were handed to the driver on this connection.
    handed: u64,
    /// The server's Maximum Packet Size, once CONNACK told it.
    max_packet_size: Option<u32>,
}

/// The crate error for a failed encode.
fn encode_error(e: EncodeError) -> Error {
    match e {
        EncodeError::TooLarge => Error::PayloadSize,
        EncodeError::Invalid(_) => Error::Inval,
    }
}

impl Transmit {
    /// The server's Maximum Packet Size for the rest of this connection (`None`: no limit).
    pub(super) fn set_max_packet_size(&mut self, max: Option<u32>) {
        self.max_packet_size = max;
    }

    /// Encode `packet` at the end of the buffer. On failure nothing is appended:
    /// `Error::OversizePacket` beyond the server's Maximum Packet Size, `Error::PayloadSize`
    /// beyond the MQTT limit, `Error::Inval` for a packet that cannot be encoded.
    pub(super) fn packet(
        &mut self,
        packet: &Packet,
        version: ProtocolVersion,
    ) -> Result<(), Error> {
        let start = self.buf.len();
        let result = packet.encode(version, &mut self.buf);
        let result = self.settle(start, result, packet_name(packet));
        if result.is_ok() {
            log_sending(packet);
            if matches!(packet, Packet::Disconnect(_)) {
                self.disconnect_pending = true;
            }
        }
        result
    }

    /// Keep what was encoded from `start` on, or take it back on failure or when it exceeds the
    /// server's Maximum Packet Size.
    fn settle(
        &mut self,
        start: usize,
        result: Result<(), EncodeError>,
        name: &str,
    ) -> Result<(), Error> {
        match result {
            Ok(()) => match self.max_packet_size {
                Some(max) if (self.buf.len() - start) as u64 > u64::from(max) => {
                    log::debug!(
                        "culex: {name} of {} bytes exceeds the server's maximum packet size {max}; \
                         not sent",
                        self.buf.len() - start
                    );
                    self.buf.truncate(start);
                    Err(Error::OversizePacket)
                }
                _ => Ok(()),
            },
            Err(e) => {
                self.buf.truncate(start);
                log::error!("culex: cannot encode {name}: {e:?}");
                Err(encode_error(e))
            }
        }
    }

    /// Encode a PUBLISH at the end of the buffer; `qos0_mid` is the message id of a QoS 0 PUBLISH.
    /// The session built the message and checked its topic, flags and properties when it was
    /// issued, so they are not checked again here.
    pub(super) fn publish(
        &mut self,
        publish: &PublishParts<'_>,
        qos0_mid: Option<PacketId>,
        version: ProtocolVersion,
    ) -> Result<(), Error> {
        let start = self.buf.len();
        let result = publish.encode_unchecked(version, &mut self.buf);
        let result = self.settle(start, result, "PUBLISH");
        if result.is_ok() {
            log_parts("sending", publish, qos0_mid);
            if let Some(mid) = qos0_mid {
                self.qos0_mids.push(mid);
            }
        }
        result
    }

    /// Encode PUBACK, PUBREC, PUBREL or PUBCOMP.
    pub(super) fn ack(
        &mut self,
        kind: AckKind,
        packet_id: PacketId,
        reason_code: u8,
        version: ProtocolVersion,
    ) {
        let ack = Packet::Ack(Ack {
            kind,
            packet_id,
            reason_code,
            properties: Properties::default(),
        });
        // An acknowledgement without properties always encodes (and fits any Maximum Packet
        // Size a server may set, which is at least 4 in practice).
        let _ = self.packet(&ack, version);
    }

    /// Encode the PUBACK or PUBCOMP that ends an inbound QoS 1/2 flow (reason code 0).
    pub(super) fn inbound_ack(
        &mut self,
        kind: AckKind,
        packet_id: PacketId,
        version: ProtocolVersion,
    ) {
        let before = self.buf.len();
        self.ack(kind, packet_id, 0, version);
        if kind == AckKind::PubComp && self.buf.len() > before {
            self.pubcomps.push((packet_id, self.buf.len()));
        }
    }

    /// The ids of the PUBCOMPs that never reached the transport, taken: those still waiting here,
    /// and those handed out that end within the last `unwritten` bytes handed out (the driver's
    /// buffer held them unwritten when the connection ended).
    pub(super) fn take_unsent_pubcomps(&mut self, unwritten: usize) -> Vec<PacketId> {
        let written = self.handed.saturating_sub(unwritten as u64);
        let mut unsent: Vec<PacketId> = self
            .handed_pubcomps
            .drain(..)
            .filter(|&(_, end)| end > written)
            .map(|(id, _)| id)
            .collect();
        unsent.extend(self.pubcomps.drain(..).map(|(id, _)| id));
        unsent
    }

    /// How many PUBACK/PUBCOMP ending an inbound flow wait in the buffer.
    pub(super) fn holds_qos0(&self, mid: PacketId) -> bool {
        self.qos0_mids.contains(&mid)
    }

    /// How many bytes are waiting.
    pub(super) fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether any byte is waiting.
    pub(super) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Whether a DISCONNECT is waiting to be handed out.
    pub(super) fn disconnect_pending(&self) -> bool {
        self.disconnect_pending
    }

    /// Hand every waiting byte to `out` (swapping buffers when `out` is empty). Returns how many
    /// bytes, and calls `published` with the id of each QoS 0 PUBLISH handed out.
    pub(super) fn drain_into(
        &mut self,
        out: &mut Vec<u8>,
        mut published: impl FnMut(PacketId),
    ) -> usize {
        let n = self.buf.len();
        if n == 0 {
            return 0;
        }
        if out.is_empty() {
            // The driver wrote everything it had: no PUBCOMP handed before is left unwritten.
            self.handed_pubcomps.clear();
            std::mem::swap(out, &mut self.buf);
        } else {
            out.extend_from_slice(&self.buf);
            self.buf.clear();
        }
        for mid in self.qos0_mids.drain(..) {
            published(mid);
        }
        let base = self.handed;
        self.handed_pubcomps.extend(
            self.pubcomps
                .drain(..)
                .map(|(id, end)| (id, base + end as u64)),
        );
        self.handed += n as u64;
        self.disconnect_pending = false;
        n
    }

    /// Give back room beyond `keep` bytes when nothing is waiting (the driver calls this once
    /// output has been idle for a while; `drain_into` swaps this buffer with the driver's, so
    /// both grow with large output).
    pub(super) fn shrink(&mut self, keep: usize) {
        if self.buf.is_empty() && self.buf.capacity() > keep {
            self.buf.shrink_to(keep);
        }
    }

    /// Forget every waiting byte (the connection is gone); returns the QoS 0 ids dropped.
    pub(super) fn discard(&mut self) -> Vec<PacketId> {
        self.buf.clear();
        self.pubcomps.clear();
        self.handed_pubcomps.clear();
        self.handed = 0;
        self.disconnect_pending = false;
        self.max_packet_size = None;
        std::mem::take(&mut self.qos0_mids)
    }
}

/// The debug line for a PUBLISH sent or received.
pub(super) fn log_publish(verb: &str, p: &Publish, qos0_mid: Option<PacketId>) {
    log_parts(verb, &p.parts(), qos0_mid);
}

fn log_parts(verb: &str, p: &PublishParts<'_>, qos0_mid: Option<PacketId>) {
    log::debug!(
        "culex: {verb} PUBLISH (d{}, q{}, r{}, m{}, '{}', ... ({} bytes))",
        u8::from(p.dup),
        p.qos.as_u8(),
        u8::from(p.retain),
        qos0_mid.unwrap_or(p.packet_id),
        p.topic,
        p.payload.len()
    );
}

/// The debug line for a packet received.
pub(super) fn log_received(packet: &Packet) {
    match packet {
        Packet::Publish(p) => log_publish("received", p, None),
        _ => log_packet("received", packet),
    }
}

fn log_sending(packet: &Packet) {
    match packet {
        Packet::Publish(p) => log_publish("sending", p, None),
        _ => log_packet("sending", packet),
    }
}

fn log_packet(verb: &str, packet: &Packet) {
    if !log::log_enabled!(log::Level::Debug) {
        return;
    }
    let name = packet_name(packet);
    match packet {
        Packet::Connect(c) => log::debug!(
            "culex: {verb} CONNECT (p{}, c{}, k{}, id '{}'{}{})",
            c.protocol.level(),
            u8::from(c.clean_start),
            c.keep_alive,
            c.client_id,
            if c.will.is_some() { ", will" } else { "" },
            if c.username.is_some() { ", u" } else { "" }
        ),
        Packet::ConnAck(c) => log::debug!(
            "culex: {verb} CONNACK ({}, {})",
            u8::from(c.session_present),
            c.reason_code
        ),
        Packet::Ack(a) => log::debug!(
            "culex: {verb} {name} (m{}, rc{})",
            a.packet_id,
            a.reason_code
        ),
        Packet::Subscribe(s) => {
            for f in &s.filters {
                log::debug!(
                    "culex: {verb} SUBSCRIBE (m{}, '{}', q{})",
                    s.packet_id,
                    f.filter,
                    f.options.qos.as_u8()
                );
            }
        }
        Packet::Unsubscribe(u) => {
            for f in &u.filters {
                log::debug!("culex: {verb} UNSUBSCRIBE (m{}, '{f}')", u.packet_id);
            }
        }
        Packet::SubAck(s) => log::debug!("culex: {verb} SUBACK (m{})", s.packet_id),
        Packet::UnsubAck(u) => log::debug!("culex: {verb} UNSUBACK (m{})", u.packet_id),
        Packet::Disconnect(d) => log::debug!("culex: {verb} DISCONNECT (rc{})", d.reason_code),
        _ => log::debug!("culex: {verb} {name}"),
    }
}

/// The MQTT name of a packet.
pub(super) fn packet_name(packet: &Packet) -> &'static str {
    match packet {
        Packet::Connect(_) => "CONNECT",
        Packet::ConnAck(_) => "CONNACK",
        Packet::Publish(_) => "PUBLISH",
        Packet::Ack(a) => match a.kind {
            AckKind::PubAck => "PUBACK",
            AckKind::PubRec => "PUBREC",
            AckKind::PubRel => "PUBREL",
            AckKind::PubComp => "PUBCOMP",
        },
        Packet::Subscribe(_) => "SUBSCRIBE",
        Packet::SubAck(_) => "SUBACK",
        Packet::Unsubscribe(_) => "UNSUBSCRIBE",
        Packet::UnsubAck(_) => "UNSUBACK",
        Packet::PingReq => "PINGREQ",
        Packet::PingResp => "PINGRESP",
        Packet::Disconnect(_) => "DISCONNECT",
        Packet::Auth(_) => "AUTH",
    }
}
