//! Records in log order → the state that is still live. Pure.
//!
//! Each packet id has at most one live outgoing and one live inbound message: a later
//! `Outgoing` for an id replaces the earlier one (it can only follow its completion, whose record
//! may not have reached the disk), a completion removes it, `OutgoingReleased` moves it past
//! PUBREC. Outgoing messages keep the order they were accepted in; inbound ones the order they
//! arrived in.

#![forbid(unsafe_code)]

use std::collections::HashMap;

use super::Record;
use crate::protocol::{PacketId, Publish};

/// An outgoing QoS 1/2 message read back from the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveredOutgoing {
    pub publish: Publish,
    /// PUBREC had arrived: PUBREL is due, not the PUBLISH.
    pub released: bool,
}

/// What a store held: the messages a restarted client must resume.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Outgoing messages in the order they were accepted.
    pub outgoing: Vec<RecoveredOutgoing>,
    /// Inbound QoS 2 messages awaiting PUBREL, in the order they arrived.
    pub inbound: Vec<Publish>,
}

impl Recovered {
    pub fn is_empty(&self) -> bool {
        self.outgoing.is_empty() && self.inbound.is_empty()
    }
}

/// Apply `records` in order.
pub fn replay(records: impl IntoIterator<Item = Record<'static>>) -> Recovered {
    let mut outgoing: Vec<Option<RecoveredOutgoing>> = Vec::new();
    let mut inbound: Vec<Option<Publish>> = Vec::new();
    let mut out_at: HashMap<PacketId, usize> = HashMap::new();
    let mut in_at: HashMap<PacketId, usize> = HashMap::new();
    for record in records {
        match record {
            Record::Outgoing(p) => {
                let publish = p.into_owned();
                if let Some(old) = out_at.insert(publish.packet_id, outgoing.len()) {
                    outgoing[old] = None;
                }
                outgoing.push(Some(RecoveredOutgoing {
                    publish,
                    released: false,
                }));
            }
            Record::OutgoingReleased(id) => {
                if let Some(&at) = out_at.get(&id) {
                    if let Some(m) = outgoing[at].as_mut() {
                        if m.publish.qos == crate::protocol::QoS::ExactlyOnce {
                            m.released = true;
                        }
                    }
                }
            }
            Record::OutgoingDone(id) => {
                if let Some(at) = out_at.remove(&id) {
                    outgoing[at] = None;
                }
            }
            Record::Inbound(p) => {
                let publish = p.into_owned();
                if let Some(old) = in_at.insert(publish.packet_id, inbound.len()) {
                    inbound[old] = None;
                }
                inbound.push(Some(publish));
            }
            Record::InboundDone(id) => {
                if let Some(at) = in_at.remove(&id) {
                    inbound[at] = None;
                }
            }
        }
    }
    Recovered {
        outgoing: outgoing.into_iter().flatten().collect(),
        inbound: inbound.into_iter().flatten().collect(),
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::protocol::{Properties, QoS};

    fn message(id: u16, qos: QoS) -> Publish {
        Publish {
            dup: false,
            qos,
            retain: false,
            topic: "t".into(),
            packet_id: id,
            payload: vec![id as u8],
            properties: Properties::default(),
        }
    }

    #[test]
    fn stages_and_completions() {
        let r = replay(vec![
            Record::Outgoing(Cow::Owned(message(1, QoS::AtLeastOnce))),
            Record::Outgoing(Cow::Owned(message(2, QoS::ExactlyOnce))),
            Record::Outgoing(Cow::Owned(message(3, QoS::ExactlyOnce))),
            Record::OutgoingReleased(2),
            Record::OutgoingReleased(1), // QoS 1 has no such stage: ignored
            Record::OutgoingDone(3),
            Record::Inbound(Cow::Owned(message(7, QoS::ExactlyOnce))),
            Record::Inbound(Cow::Owned(message(8, QoS::ExactlyOnce))),
            Record::InboundDone(7),
            Record::OutgoingDone(99),
            Record::InboundDone(99),
        ]);
        assert_eq!(
            r.outgoing,
            vec![
                RecoveredOutgoing {
                    publish: message(1, QoS::AtLeastOnce),
                    released: false
                },
                RecoveredOutgoing {
                    publish: message(2, QoS::ExactlyOnce),
                    released: true
                },
            ]
        );
        assert_eq!(r.inbound, vec![message(8, QoS::ExactlyOnce)]);
    }

    #[test]
    fn a_reused_id_replaces_the_old_message_and_keeps_acceptance_order() {
        let mut newer = message(1, QoS::AtLeastOnce);
        newer.payload = b"new".to_vec();
        let r = replay(vec![
            Record::Outgoing(Cow::Owned(message(1, QoS::AtLeastOnce))),
            Record::Outgoing(Cow::Owned(message(2, QoS::AtLeastOnce))),
            Record::Outgoing(Cow::Owned(newer.clone())),
        ]);
        let ids: Vec<_> = r.outgoing.iter().map(|m| m.publish.clone()).collect();
        assert_eq!(ids, vec![message(2, QoS::AtLeastOnce), newer]);
    }
}
