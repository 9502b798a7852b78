//! Packet identifiers: the one id space (1..=65535) shared by outgoing PUBLISH, SUBSCRIBE and
//! UNSUBSCRIBE.
//!
//! Owns which ids are held (by a message in flight or queued, or by a SUBSCRIBE/UNSUBSCRIBE awaiting
//! its acknowledgement) and the counter ids are handed out from. Ids wrap from 65535 to 1 and an id
//! still held is never handed out again. QoS 0 messages take a message id from the same counter
//! without holding it. This module knows nothing about packets or connections.

use std::fmt;

use crate::protocol::PacketId;

/// How many ids exist (0 is never used).
const ID_COUNT: u32 = 65_535;
/// 65536 bits, one per id (bit 0 unused).
const WORDS: usize = 65_536 / 64;

/// The set of packet identifiers in use and the counter new ones come from.
pub(super) struct PacketIdPool {
    in_use: Box<[u64; WORDS]>,
    held: u32,
    last: PacketId,
}

impl PacketIdPool {
    /// An empty pool; the first id handed out is 1.
    pub(super) fn new() -> PacketIdPool {
        PacketIdPool {
            in_use: Box::new([0; WORDS]),
            held: 0,
            last: 0,
        }
    }

    /// The next free id after the last one handed out, now held; `None` when all 65535 are held.
    pub(super) fn acquire(&mut self) -> Option<PacketId> {
        let id = self.next_free()?;
        self.in_use[usize::from(id) / 64] |= 1 << (id % 64);
        self.held += 1;
        self.last = id;
        Some(id)
    }

    /// The next free id after the last one handed out, not held (a QoS 0 message id).
    pub(super) fn transient(&mut self) -> Option<PacketId> {
        let id = self.next_free()?;
        self.last = id;
        Some(id)
    }

    /// Give an id back. Releasing an id not held does nothing.
    pub(super) fn release(&mut self, id: PacketId) {
        if self.is_held(id) {
            self.in_use[usize::from(id) / 64] &= !(1 << (id % 64));
            self.held -= 1;
        }
    }

    /// Whether `id` is held.
    pub(super) fn is_held(&self, id: PacketId) -> bool {
        self.in_use[usize::from(id) / 64] & (1 << (id % 64)) != 0
    }

    /// How many ids are held.
    pub(super) fn held_count(&self) -> usize {
        self.held as usize
    }

    /// Make the next id handed out be the first free one after `last` (tests and persistence).
    pub(super) fn set_last(&mut self, last: PacketId) {
        self.last = last;
    }

    fn next_free(&self) -> Option<PacketId> {
        if self.held >= ID_COUNT {
            return None;
        }
        let mut id = self.last;
        loop {
            id = if id == u16::MAX { 1 } else { id + 1 };
            // Skip whole words of held ids at once.
            if id % 64 == 0 && self.in_use[usize::from(id) / 64] == u64::MAX {
                id = id.saturating_add(63);
                continue;
            }
            if !self.is_held(id) {
                return Some(id);
            }
        }
    }
}

impl fmt::Debug for PacketIdPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PacketIdPool")
            .field("held", &self.held)
            .field("last", &self.last)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_skips_held() {
        let mut pool = PacketIdPool::new();
        assert_eq!(pool.acquire(), Some(1));
        assert_eq!(pool.acquire(), Some(2));
        pool.set_last(65_534);
        assert_eq!(pool.acquire(), Some(65_535));
        assert_eq!(pool.acquire(), Some(3));
        pool.release(1);
        pool.set_last(65_535);
        assert_eq!(pool.transient(), Some(1));
        assert_eq!(pool.acquire(), Some(4));
        assert_eq!(pool.held_count(), 4);
    }

    #[test]
    fn full_space_is_none() {
        let mut pool = PacketIdPool::new();
        for expected in 1..=u16::MAX {
            assert_eq!(pool.acquire(), Some(expected));
        }
        assert_eq!(pool.acquire(), None);
        assert_eq!(pool.transient(), None);
        pool.release(40_000);
        assert_eq!(pool.acquire(), Some(40_000));
    }
}
