//! Telling a QoS 2 duplicate the client caused from the ones mosquitto 2.0.11 causes, from a
//! recording proxy's packets (see `tests/interop_reconnect.rs` for the broker's behaviour, and its
//! tests for this classification on synthetic records).
//!
//! mosquitto keeps a QoS 2 message it sent as "waiting for PUBCOMP" and, in two cases, sends it
//! again as a new PUBLISH (DUP=1) instead of a PUBREL:
//! - after its own restart (with persistence on);
//! - when a resumed session is interrupted again before the PUBREL is written: on a reconnect
//!   `db__message_reconnect_reset_outgoing` turns "waiting for PUBCOMP" into "resend PUBREL", but
//!   every other QoS 2 state, "resend PUBREL" included, into "publish QoS 2". A connection that
//!   ends between the CONNACK and the write of the PUBREL therefore leaves the message to be
//!   published again on the next one.
//!
//! If the subscriber had already sent PUBCOMP for that packet id (which the broker never read),
//! the id was free again and MQTT 3.1.1 §4.3.3 [MQTT-4.3.3-2] makes that PUBLISH a new message,
//! which the client must deliver (libmosquitto does too). After a restart the broker's own
//! PUBREL on the previous copy's connection proves it as well (a PUBCOMP written into the
//! socket just before the broker died is never recorded by the proxy): past PUBREL a sender
//! must not send the PUBLISH again. Any other duplicate is the client's.

use std::collections::HashMap;

use super::client::Msg;
use super::fake_broker::{CONNACK, CONNECT, PUBCOMP, PUBLISH, PUBREL};
use super::proxy::{Dir, Recorded};

/// Which of mosquitto's re-sends of a completed exchange a scenario can explain a duplicate with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrokerResend {
    /// Only the one after an interrupted resume: some connection between the subscriber's
    /// PUBCOMP and the re-sent PUBLISH carried no PUBREL for the id (scenarios without a broker
    /// restart).
    InterruptedResume,
    /// Either, the one after a restart included (the broker restarted during the scenario).
    AfterRestart,
}

/// Why a QoS 2 message with `payload`, delivered as `mids` (the broker packet id of each delivery,
/// in order), was delivered more than once, judged on the `packets` the subscriber's proxy saw; None
/// when every copy after the first is explained by the broker re-sending a finished exchange:
/// the previous copy arrived under packet id m, the subscriber then sent PUBCOMP for m on that
/// connection, and on a later connection the broker sent the same message again as PUBLISH with
/// DUP=1 under m, which is the next copy. With [`BrokerResend::InterruptedResume`], a connection
/// in between must also have carried the client's CONNECT and no PUBREL for m.
pub fn unexplained_duplicate(
    payload: &[u8],
    mids: &[i32],
    packets: &[Recorded],
    resend: BrokerResend,
) -> Option<String> {
    let publish_of = |r: &Recorded, id: u16| {
        r.dir == Dir::ToClient
            && r.kind() == PUBLISH
            && r.qos() == 2
            && r.packet_id() == Some(id)
            && r.payload_v3() == Some(payload)
    };
    // Where the search for the packets of the next copy starts.
    let mut from = 0;
    for (i, pair) in mids.windows(2).enumerate() {
        let (first, second) = (pair[0], pair[1]);
        let copy = i + 2;
        if second != first {
            return Some(format!(
                "copy {copy} arrived under packet id {second}, copy {} under {first}",
                copy - 1
            ));
        }
        let Ok(id) = u16::try_from(first) else {
            return Some(format!("packet id {first} out of range"));
        };
        let Some(published) = packets[from..].iter().position(|r| publish_of(r, id)) else {
            return Some(format!(
                "the proxy saw no PUBLISH of copy {} under id {id}",
                copy - 1
            ));
        };
        let published = from + published;
        // The first PUBCOMP for `id` sent on a connection that carried the previous copy.
        let completed = (published..packets.len()).find(|&j| {
            let r = &packets[j];
            r.dir == Dir::ToBroker
                && r.kind() == PUBCOMP
                && r.packet_id() == Some(id)
                && packets[published..j]
                    .iter()
                    .any(|p| p.conn == r.conn && publish_of(p, id))
        });
        // After a restart, the broker's own PUBREL for `id` on that connection will do: having
        // sent it, the broker must never send the PUBLISH again (§4.3.3), yet mosquitto 2.0.11
        // does after its restart. The subscriber's PUBCOMP may then have left its socket and
        // died in the proxy with the broker, never recorded.
        let released = || {
            (published..packets.len()).find(|&j| {
                let r = &packets[j];
                r.dir == Dir::ToClient
                    && r.kind() == PUBREL
                    && r.packet_id() == Some(id)
                    && r.conn == packets[published].conn
            })
        };
        let released = (resend == BrokerResend::AfterRestart)
            .then(released)
            .flatten();
        // Whichever came first ends the copy's exchange.
        let completed = match (completed, released) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let Some(completed) = completed else {
            return Some(format!(
                "copy {copy}: the subscriber never sent PUBCOMP for id {id} after copy {}",
                copy - 1
            ));
        };
        let conn = packets[completed].conn;
        let Some(resent) = packets[completed..]
            .iter()
            .position(|r| r.conn > conn && r.dup() && publish_of(r, id))
        else {
            return Some(format!(
                "copy {copy}: after the subscriber's PUBCOMP for id {id} (connection {conn}), the \
                 broker did not send that message again with DUP=1 on a later connection"
            ));
        };
        let resent = completed + resent;
        if resend == BrokerResend::InterruptedResume {
            let again = packets[resent].conn;
            let interrupted = (conn + 1..again).find(|&c| {
                let on_c = || {
                    packets[completed..resent]
                        .iter()
                        .filter(move |r| r.conn == c)
                };
                on_c().any(|r| r.dir == Dir::ToBroker && r.kind() == CONNECT)
                    && !on_c().any(|r| {
                        r.dir == Dir::ToClient && r.kind() == PUBREL && r.packet_id() == Some(id)
                    })
            });
            if interrupted.is_none() {
                return Some(format!(
                    "copy {copy}: no connection between the subscriber's PUBCOMP for id {id} \
                     (connection {conn}) and the re-send (connection {again}) went without a \
                     PUBREL for it, and the broker did not restart"
                ));
            }
        }
        from = resent;
    }
    None
}

/// The QoS 2 payloads among `sent` delivered more than once without the broker-side explanation
/// of [`unexplained_duplicate`], with the delivery count and the reason.
pub fn unexplained_qos2_duplicates(
    sent: &[(String, i32)],
    got: &[Msg],
    packets: &[Recorded],
    resend: BrokerResend,
) -> Vec<(String, usize, String)> {
    let mut mids: HashMap<&[u8], Vec<i32>> = HashMap::new();
    for m in got {
        mids.entry(&m.payload).or_default().push(m.mid);
    }
    sent.iter()
        .filter(|(_, qos)| *qos == 2)
        .filter_map(|(p, _)| {
            let mids = mids.get(p.as_bytes())?;
            if mids.len() < 2 {
                return None;
            }
            let why = unexplained_duplicate(p.as_bytes(), mids, packets, resend)?;
            Some((p.clone(), mids.len(), why))
        })
        .collect()
}

/// For a failure message: the life of the message with `payload` on one recording proxy's link,
/// one line per packet: every packet under the packet id(s) it travelled with, from its first
/// PUBLISH until that id carries another payload. `name` labels the link.
pub fn trace(name: &str, payload: &[u8], packets: &[Recorded]) -> String {
    let mut out = String::new();
    let Some(first) = packets
        .iter()
        .position(|r| r.kind() == PUBLISH && r.payload_v3() == Some(payload))
    else {
        return format!("{name}: no PUBLISH with this payload\n");
    };
    let start = packets[first].at;
    let mut ids: Vec<u16> = Vec::new();
    for r in &packets[first..] {
        let Some(id) = r.packet_id() else {
            if matches!(r.kind(), CONNECT | CONNACK) {
                out.push_str(&format!(
                    "{name} +{:>6.1} ms conn {} {:?} type {}\n",
                    r.at.duration_since(start).as_secs_f64() * 1000.0,
                    r.conn,
                    r.dir,
                    r.kind()
                ));
            }
            continue;
        };
        let ours = r.kind() == PUBLISH && r.payload_v3() == Some(payload);
        if ours && !ids.contains(&id) {
            ids.push(id);
        }
        if !ids.contains(&id) {
            continue;
        }
        if r.kind() == PUBLISH && !ours {
            // The id is free again and carries another message.
            ids.retain(|&i| i != id);
            if ids.is_empty() {
                break;
            }
            continue;
        }
        out.push_str(&format!(
            "{name} +{:>6.1} ms conn {} {:?} type {} id {id}{}\n",
            r.at.duration_since(start).as_secs_f64() * 1000.0,
            r.conn,
            r.dir,
            r.kind(),
            if r.kind() == PUBLISH && r.dup() {
                " DUP"
            } else {
                ""
            }
        ));
    }
    out
}
