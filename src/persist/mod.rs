//! The durable session store: what a client must not forget when its process dies.
//!
//! With persistence on (`culex_persistence_set`), every outgoing QoS 1/2 message is on disk with
//! its packet id and stage before it can leave the socket, and so is every inbound QoS 2 message
//! from the moment PUBREC may leave until PUBREL has been handled. A new process with the same
//! client id and directory reads the store back and resumes: PUBLISH again with DUP=1 and the
//! original ids, PUBREL for the messages past PUBREC, and the inbound QoS 2 messages still held.
//!
//! The layers, from the ground up:
//! - [`crc`]: CRC-32C, the per-record checksum;
//! - [`format`]: the versioned file format (a header, then checksummed records) and its reader,
//!   which stops at the first damaged record and says where and why; pure, fuzzed
//!   (`fuzz/fuzz_targets/store_reader.rs`);
//! - [`replay`]: records in log order → what is still live ([`Recovered`]); pure;
//! - [`file`]: the store on disk ([`file::FileStore`]): the lock file, preallocation, group
//!   commit and `fdatasync`, the snapshot that replaces the log when it has grown.
//!
//! The session sees only the [`Journal`] trait: it hands over a [`Record`] at each step that
//! changes what must survive, and never does I/O itself; the driver commits the journal before
//! it writes bytes to the socket ([`Journal::commit`]). Why an append-only log and not an
//! embedded database: `docs/durable-session.md`.

pub mod crc;
pub mod file;
pub mod format;
mod lock;
pub mod replay;

use std::borrow::Cow;

use crate::error::Error;
use crate::protocol::{PacketId, Publish};

pub use replay::{Recovered, RecoveredOutgoing};

/// One step in the life of a message that must survive a crash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record<'a> {
    /// An outgoing QoS 1/2 message was accepted (packet id, flags, topic, payload, properties).
    Outgoing(Cow<'a, Publish>),
    /// PUBREC arrived for the outgoing QoS 2 message with this id: from now on only PUBREL may
    /// be sent for it, never the PUBLISH again.
    OutgoingReleased(PacketId),
    /// The outgoing message with this id is done (PUBACK, PUBCOMP, or dropped as unsendable).
    OutgoingDone(PacketId),
    /// An inbound QoS 2 message arrived and PUBREC is due: it is held until PUBREL.
    Inbound(Cow<'a, Publish>),
    /// The inbound QoS 2 message with this id was released (PUBREL, or the broker lost the
    /// session) and handed to the application.
    InboundDone(PacketId),
}

impl Record<'_> {
    /// Whether the bytes the session queued with this record must wait until it is on disk
    /// (everything but a completion: losing an `OutgoingDone` costs at most a harmless resend).
    pub fn guards_output(&self) -> bool {
        !matches!(self, Record::OutgoingDone(_))
    }
}

/// When records become durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Durable before `publish` returns success: one `fdatasync` per accepted message.
    Synchronous,
    /// Durable before the bytes that depend on them leave the socket: one `fdatasync` per write
    /// to the socket, however many messages it carries. A crash loses only messages that were
    /// never sent.
    GroupCommit,
}

/// Where the session hands its records. Implemented by [`file::FileStore`] (and by an in-memory
/// journal in the tests). `record` only buffers; the I/O happens in `commit` and `snapshot`,
/// which the driver runs (through the session) before it writes to the socket.
pub trait Journal: Send + std::fmt::Debug {
    /// Take in one record, in order.
    fn record(&mut self, record: &Record<'_>);

    /// Make every record taken so far durable.
    fn commit(&mut self) -> Result<(), Error>;

    /// Hand every record taken so far to the file without waiting for the disk: it survives the
    /// process (a `kill -9`), and the next [`Journal::commit`] makes it durable. The default
    /// commits.
    fn write(&mut self) -> Result<(), Error> {
        self.commit()
    }

    /// A QoS 1/2 `publish` was accepted: in [`Mode::Synchronous`], commit now.
    fn publish_accepted(&mut self) -> Result<(), Error>;

    /// Whether the log has grown enough that [`Journal::snapshot`] should replace it.
    fn wants_snapshot(&self) -> bool;

    /// Replace everything recorded so far with `live` (the session's whole durable state), and
    /// make it durable.
    fn snapshot(&mut self, live: &mut dyn Iterator<Item = Record<'_>>) -> Result<(), Error>;
}
