//! Manual acknowledgement of incoming messages (Paho's `manual_ack_set` and `ack`).
//!
//! With it on, an incoming QoS 1 message is delivered at once and its PUBACK leaves only when the
//! application acknowledges it; an incoming QoS 2 message is delivered when its PUBLISH arrives
//! (not at PUBREL: the broker sends PUBREL only after PUBREC) and its PUBREC leaves when the
//! application acknowledges it, after which PUBREL is answered with PUBCOMP as usual. So the
//! broker keeps a message, and sends it again after a reconnect into a kept session, until the
//! application has taken care of it. Acknowledgements go in any order, from any thread (the
//! driver serialises them), and the messages awaiting one count towards the Receive Maximum the
//! client announced. They belong to their connection: when it ends they are forgotten (the broker
//! will send the messages again, or has dropped the session) and acknowledging one is refused with
//! `Error::NotFound`.
//!
//! Owns the acknowledgements awaited; the incoming flows (`incoming.rs`) ask it what to do.

use super::{Session, State};
use crate::error::Error;
use crate::protocol::{AckKind, PacketId, QoS};

/// The incoming messages of the current connection delivered and not yet acknowledged.
#[derive(Debug, Default)]
pub(super) struct AwaitedAcks(Vec<(PacketId, QoS)>);

impl AwaitedAcks {
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn position(&self, id: PacketId, qos: QoS) -> Option<usize> {
        self.0.iter().position(|&(i, q)| i == id && q == qos)
    }
}

impl Session {
    /// Turn manual acknowledgement on or off (see the module documentation). It applies to the
    /// messages that arrive from now on; those already awaiting an acknowledgement still do.
    pub fn set_manual_ack(&mut self, on: bool) {
        self.extras_mut().manual_ack = on;
        self.tidy_extras();
    }

    /// Whether incoming QoS 1/2 messages wait for [`Session::ack`].
    pub fn manual_ack(&self) -> bool {
        self.extras().is_some_and(|e| e.manual_ack)
    }

    /// Acknowledge the incoming message `mid` received at `qos` (1: PUBACK, 2: PUBREC).
    ///
    /// Errors: `Error::NoConn` when not connected, `Error::NotFound` when no message of this
    /// connection with that id and QoS awaits an acknowledgement (already acknowledged, never
    /// received, or received on an earlier connection), `Error::Inval` for QoS 0.
    pub fn ack(&mut self, mid: PacketId, qos: QoS) -> Result<(), Error> {
        if qos == QoS::AtMostOnce {
            return Err(Error::Inval);
        }
        if self.state != State::Connected {
            return Err(Error::NoConn);
        }
        if !self.awaits_ack(mid, qos) {
            return Err(Error::NotFound);
        }
        let awaited = &mut self.extras_mut().awaited;
        if let Some(at) = awaited.position(mid, qos) {
            awaited.0.swap_remove(at);
        }
        self.tidy_extras();
        let version = self.config.protocol;
        match qos {
            QoS::AtLeastOnce => self.tx.inbound_ack(AckKind::PubAck, mid, version),
            _ => {
                // The flow goes on as an automatic one would from here: PUBREL gets PUBCOMP.
                self.inbound_qos2.insert(mid);
                self.tx.ack(AckKind::PubRec, mid, 0, version);
            }
        }
        Ok(())
    }

    /// How many incoming messages await the application's acknowledgement.
    pub fn awaited_acks(&self) -> usize {
        self.extras().map_or(0, |e| e.awaited.0.len())
    }

    /// Whether `id` at `qos` awaits the application's acknowledgement.
    pub(super) fn awaits_ack(&self, id: PacketId, qos: QoS) -> bool {
        self.extras()
            .is_some_and(|e| e.awaited.position(id, qos).is_some())
    }

    /// A message delivered in manual mode: its acknowledgement is now the application's.
    pub(super) fn await_ack(&mut self, id: PacketId, qos: QoS) {
        self.extras_mut().awaited.0.push((id, qos));
    }

    /// The connection ended: its awaited acknowledgements can no longer be sent.
    pub(super) fn forget_awaited_acks(&mut self) {
        let Some(extras) = self.extras.as_deref_mut() else {
            return;
        };
        let awaited = std::mem::take(&mut extras.awaited);
        if !awaited.is_empty() {
            log::debug!(
                "culex: {} incoming messages were never acknowledged on this connection",
                awaited.0.len()
            );
        }
        self.tidy_extras();
    }
}
