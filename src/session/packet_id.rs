//! Packet identifiers: the one id space (1..=65535) shared by outgoing PUBLISH, SUBSCRIBE and
//! UNSUBSCRIBE, and the set type that also holds the inbound QoS 2 ids awaiting PUBREL.
//!
//! Owns which ids are held (by a message in flight or queued, or by a SUBSCRIBE/UNSUBSCRIBE awaiting
//! its acknowledgement) and the counter ids are handed out from. Ids wrap from 65535 to 1 and an id
//! still held is never handed out again. QoS 0 messages take a message id from the same counter
//! without holding it. This module knows nothing about packets or connections.
//!
//! Memory follows what is held: an [`IdSet`] is a sorted `Vec<u16>` (nothing allocated while it is
//! empty, which is the idle state of a client) up to [`SMALL_MAX`] ids, and a 8 KiB bitmap beyond
//! that (a large Inflight window), given back once the set is empty again. Ids are handed out in
//! increasing order, so in the sorted form an insertion is nearly always an append.

use std::fmt;

use crate::protocol::PacketId;

/// How many ids exist (0 is never used).
const ID_COUNT: u32 = 65_535;
/// 65536 bits, one per id (bit 0 unused).
const WORDS: usize = 65_536 / 64;
/// The most ids the sorted form holds; one more switches to the bitmap.
const SMALL_MAX: usize = 256;

/// A set of packet ids, sized to what it holds. See the module documentation.
#[derive(Clone, Default)]
pub(super) enum IdSet {
    /// No id, nothing allocated.
    #[default]
    Empty,
    /// Sorted ascending, no duplicates, at most [`SMALL_MAX`] ids.
    Small(Vec<PacketId>),
    /// One bit per id and how many are set.
    Large(Box<[u64; WORDS]>, u32),
}

impl IdSet {
    /// Whether `id` is in the set.
    #[inline]
    pub(super) fn contains(&self, id: PacketId) -> bool {
        match self {
            IdSet::Empty => false,
            IdSet::Small(ids) => match ids.last() {
                // The common question on the hot path is about an id above all held ones.
                Some(&max) if id > max => false,
                _ => ids.binary_search(&id).is_ok(),
            },
            IdSet::Large(bits, _) => bits[usize::from(id) / 64] & (1 << (id % 64)) != 0,
        }
    }

    /// Add `id`; false when it was already there.
    pub(super) fn insert(&mut self, id: PacketId) -> bool {
        match self {
            IdSet::Empty => {
                *self = IdSet::Small(vec![id]);
                true
            }
            IdSet::Small(ids) => {
                let at = match ids.last() {
                    Some(&max) if id > max => ids.len(),
                    _ => match ids.binary_search(&id) {
                        Ok(_) => return false,
                        Err(at) => at,
                    },
                };
                if ids.len() < SMALL_MAX {
                    ids.insert(at, id);
                    return true;
                }
                let mut bits = Box::new([0u64; WORDS]);
                for &held in ids.iter() {
                    bits[usize::from(held) / 64] |= 1 << (held % 64);
                }
                bits[usize::from(id) / 64] |= 1 << (id % 64);
                *self = IdSet::Large(bits, SMALL_MAX as u32 + 1);
                true
            }
            IdSet::Large(bits, count) => {
                let word = &mut bits[usize::from(id) / 64];
                let bit = 1 << (id % 64);
                if *word & bit != 0 {
                    return false;
                }
                *word |= bit;
                *count += 1;
                true
            }
        }
    }

    /// Remove `id`; false when it was not there. An emptied set gives its memory back, except a
    /// small one, which keeps its (small) buffer for the next ids.
    pub(super) fn remove(&mut self, id: PacketId) -> bool {
        match self {
            IdSet::Empty => false,
            IdSet::Small(ids) => {
                // Acknowledgements mostly come in the order ids were handed out.
                let at = if ids.first() == Some(&id) {
                    0
                } else {
                    match ids.binary_search(&id) {
                        Ok(at) => at,
                        Err(_) => return false,
                    }
                };
                ids.remove(at);
                true
            }
            IdSet::Large(bits, count) => {
                let word = &mut bits[usize::from(id) / 64];
                let bit = 1 << (id % 64);
                if *word & bit == 0 {
                    return false;
                }
                *word &= !bit;
                *count -= 1;
                if *count == 0 {
                    *self = IdSet::Empty;
                }
                true
            }
        }
    }

    /// How many ids are in the set.
    pub(super) fn len(&self) -> usize {
        match self {
            IdSet::Empty => 0,
            IdSet::Small(ids) => ids.len(),
            IdSet::Large(_, count) => *count as usize,
        }
    }

    /// Remove every id, giving the memory back.
    pub(super) fn clear(&mut self) {
        *self = IdSet::Empty;
    }

    /// The first id after `after` (wrapping from 65535 to 1) that is not in the set; `None` when
    /// all 65535 are.
    fn next_absent(&self, after: PacketId) -> Option<PacketId> {
        let next = |id: PacketId| if id == u16::MAX { 1 } else { id + 1 };
        match self {
            IdSet::Empty => Some(next(after)),
            IdSet::Small(ids) => {
                // At most SMALL_MAX ids are held, so this ends within SMALL_MAX + 1 steps.
                let mut id = next(after);
                while self.contains(id) {
                    id = next(id);
                }
                debug_assert!(ids.len() < ID_COUNT as usize);
                Some(id)
            }
            IdSet::Large(bits, count) => {
                if *count >= ID_COUNT {
                    return None;
                }
                let mut id = after;
                loop {
                    id = next(id);
                    // Skip whole words of held ids at once.
                    if id % 64 == 0 && bits[usize::from(id) / 64] == u64::MAX {
                        id = id.saturating_add(63);
                        continue;
                    }
                    if bits[usize::from(id) / 64] & (1 << (id % 64)) == 0 {
                        return Some(id);
                    }
                }
            }
        }
    }
}

impl fmt::Debug for IdSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdSet::Empty => f.write_str("{}"),
            IdSet::Small(ids) => f.debug_set().entries(ids).finish(),
            IdSet::Large(_, count) => write!(f, "{{{count} ids}}"),
        }
    }
}

/// The set of packet identifiers in use and the counter new ones come from.
#[derive(Default)]
pub(super) struct PacketIdPool {
    in_use: IdSet,
    last: PacketId,
}

impl PacketIdPool {
    /// An empty pool; the first id handed out is 1. Allocates nothing.
    pub(super) fn new() -> PacketIdPool {
        PacketIdPool::default()
    }

    /// The next free id after the last one handed out, now held; `None` when all 65535 are held.
    pub(super) fn acquire(&mut self) -> Option<PacketId> {
        let id = self.in_use.next_absent(self.last)?;
        self.in_use.insert(id);
        self.last = id;
        Some(id)
    }

    /// The next free id after the last one handed out, not held (a QoS 0 message id).
    pub(super) fn transient(&mut self) -> Option<PacketId> {
        let id = self.in_use.next_absent(self.last)?;
        self.last = id;
        Some(id)
    }

    /// Hold this very id (a message restored from the durable store); false if already held.
    pub(super) fn hold(&mut self, id: PacketId) -> bool {
        id != 0 && self.in_use.insert(id)
    }

    /// Give an id back. Releasing an id not held does nothing.
    pub(super) fn release(&mut self, id: PacketId) {
        self.in_use.remove(id);
    }

    /// Whether `id` is held.
    #[cfg(test)]
    pub(super) fn is_held(&self, id: PacketId) -> bool {
        self.in_use.contains(id)
    }

    /// How many ids are held.
    pub(super) fn held_count(&self) -> usize {
        self.in_use.len()
    }

    /// Make the next id handed out be the first free one after `last` (tests and persistence).
    pub(super) fn set_last(&mut self, last: PacketId) {
        self.last = last;
    }
}

impl fmt::Debug for PacketIdPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PacketIdPool")
            .field("held", &self.in_use.len())
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
    fn nothing_allocated_while_empty() {
        let mut pool = PacketIdPool::new();
        assert!(matches!(pool.in_use, IdSet::Empty));
        assert_eq!(pool.transient(), Some(1));
        assert!(matches!(pool.in_use, IdSet::Empty));
        let id = pool.acquire().unwrap();
        pool.release(id);
        assert_eq!(pool.held_count(), 0);
    }

    #[test]
    fn wraparound_skips_every_held_id() {
        let mut pool = PacketIdPool::new();
        // Hold 65530..=65535 and 1..=3, then wrap from 65529.
        pool.set_last(65_529);
        for expected in 65_530..=65_535 {
            assert_eq!(pool.acquire(), Some(expected));
        }
        for expected in 1..=3 {
            assert_eq!(pool.acquire(), Some(expected));
        }
        pool.release(65_532);
        pool.set_last(65_529);
        assert_eq!(pool.acquire(), Some(65_532));
        assert_eq!(pool.acquire(), Some(4));
        assert_eq!(pool.transient(), Some(5));
        assert_eq!(pool.held_count(), 10);
        for id in [65_530, 65_531, 65_532, 65_533, 65_534, 65_535, 1, 2, 3, 4] {
            assert!(pool.is_held(id), "{id}");
        }
        assert!(!pool.is_held(5));
    }

    #[test]
    fn release_of_an_id_not_held_does_nothing() {
        let mut pool = PacketIdPool::new();
        pool.release(7);
        assert_eq!(pool.acquire(), Some(1));
        pool.release(7);
        pool.release(1);
        pool.release(1);
        assert_eq!(pool.held_count(), 0);
    }

    #[test]
    fn a_large_window_switches_to_the_bitmap_and_back() {
        let mut pool = PacketIdPool::new();
        let n = SMALL_MAX as u16 * 3;
        for expected in 1..=n {
            assert_eq!(pool.acquire(), Some(expected));
        }
        assert!(matches!(pool.in_use, IdSet::Large(..)));
        assert_eq!(pool.held_count(), usize::from(n));
        // Out of order releases, then a wrap over the holes.
        for id in (1..=n).filter(|id| id % 3 == 0) {
            pool.release(id);
        }
        assert_eq!(pool.held_count(), usize::from(n) * 2 / 3);
        pool.set_last(0);
        assert_eq!(pool.acquire(), Some(3));
        assert_eq!(pool.acquire(), Some(6));
        for id in 1..=n {
            pool.release(id);
        }
        assert_eq!(pool.held_count(), 0);
        assert!(matches!(pool.in_use, IdSet::Empty));
        assert_eq!(pool.acquire(), Some(7));
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
        assert_eq!(pool.acquire(), None);
    }

    #[test]
    fn id_set_matches_a_model() {
        use std::collections::BTreeSet;
        let mut set = IdSet::default();
        let mut model = BTreeSet::new();
        // A deterministic pseudo-random walk across both forms.
        let mut x: u32 = 12_345;
        for step in 0..20_000u32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let id = ((x >> 8) % 700) as u16 + 1;
            let grow = step % 4000 < 2500;
            if (x >> 4) % 3 != 0 || grow && (x >> 6) % 2 == 0 {
                assert_eq!(set.insert(id), model.insert(id));
            } else {
                assert_eq!(set.remove(id), model.remove(&id));
            }
            assert_eq!(set.len(), model.len());
            assert_eq!(set.contains(id), model.contains(&id));
        }
        for id in 0..=800 {
            assert_eq!(set.contains(id), model.contains(&id));
        }
        set.clear();
        assert_eq!(set.len(), 0);
        assert!(!set.contains(1));
    }
}
