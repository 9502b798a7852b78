//! Telling a QoS 2 duplicate the client caused from the one mosquitto 2.0.11 causes after its own
//! restart, from a recording proxy's packets (see `tests/interop_reconnect.rs` for the broker's
//! behaviour, and its tests for this classification on synthetic records).
//!
//! mosquitto persists a QoS 2 message it sent as "waiting for PUBCOMP" and, after a restart,
//! sends it again as a new PUBLISH (DUP=1) instead of a PUBREL. If the subscriber had already sent
//! PUBCOMP for that packet id (which the stopping broker never read), the id was free again and
//! MQTT 3.1.1 §4.3.3 makes that PUBLISH a new message, which the client must deliver. Any other
//! duplicate is the client's.

use std::collections::HashMap;

use super::client::Msg;
use super::fake_broker::{PUBCOMP, PUBLISH};
use super::proxy::{Dir, Recorded};

/// Why a QoS 2 message with `payload`, delivered as `mids` (the broker packet id of each delivery,
/// in order), was delivered more than once, judged on the `packets` the subscriber's proxy saw; None
/// when every copy after the first is explained by the broker re-sending a finished exchange:
/// the previous copy arrived under packet id m, the subscriber then sent PUBCOMP for m on that
/// connection, and on a later connection (after the restart) the broker sent the same message
/// again as PUBLISH with DUP=1 under m, which is the next copy.
pub fn unexplained_duplicate(payload: &[u8], mids: &[i32], packets: &[Recorded]) -> Option<String> {
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
        from = completed + resent;
    }
    None
}

/// The QoS 2 payloads among `sent` delivered more than once without the broker-side explanation
/// of [`unexplained_duplicate`], with the delivery count and the reason.
pub fn unexplained_qos2_duplicates(
    sent: &[(String, i32)],
    got: &[Msg],
    packets: &[Recorded],
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
            let why = unexplained_duplicate(p.as_bytes(), mids, packets)?;
            Some((p.clone(), mids.len(), why))
        })
        .collect()
}
