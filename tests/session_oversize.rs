//! Session: an inbound packet larger than the maximum fails as soon as its fixed header is
//! readable, before anything proportional to its announced size is allocated.
//!
//! A global allocator records the largest allocation made by the test's own thread.

mod common_session;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common_session::*;
use culex::session::{SessionConfig, State};
use culex::Error;

struct LargestAllocation;

thread_local! {
    static TRACKING: Cell<bool> = const { Cell::new(false) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn record(size: usize) {
    let tracking = TRACKING.try_with(Cell::get).unwrap_or(false);
    if tracking {
        let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
    }
}

// SAFETY: forwards every call unchanged to the system allocator; only records sizes.
unsafe impl GlobalAlloc for LargestAllocation {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: the caller's layout, passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's block and layout, passed on unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size);
        // SAFETY: the caller's block, layout and size, passed on unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: LargestAllocation = LargestAllocation;

/// Run `f` and return the largest allocation it made on this thread.
fn largest_allocation_in(f: impl FnOnce()) -> usize {
    LARGEST.with(|l| l.set(0));
    TRACKING.with(|t| t.set(true));
    f();
    TRACKING.with(|t| t.set(false));
    LARGEST.with(Cell::get)
}

fn connected_with_max(max: u32) -> Harness {
    let mut h = Harness::new(SessionConfig {
        max_incoming_packet_size: max,
        ..config(20)
    });
    h.connect(false);
    h
}

#[test]
fn oversize_header_fails_at_once_without_allocating() {
    let mut h = connected_with_max(100);
    // PUBLISH announcing 268435455 bytes, and nothing more.
    let header = [0x30, 0xFF, 0xFF, 0xFF, 0x7F];
    let mut result = Ok(());
    let largest = largest_allocation_in(|| result = h.session.handle_bytes(h.now, &header));
    assert_eq!(result, Err(Error::OversizePacket));
    assert!(largest < 1024, "allocated {largest} bytes");
    assert_eq!(h.session.state(), State::Offline);
}

#[test]
fn oversize_header_split_across_reads_fails_when_the_length_is_known() {
    let mut h = connected_with_max(100);
    let mut results = Vec::new();
    let largest = largest_allocation_in(|| {
        for b in [0x30, 0xFF, 0xFF, 0xFF, 0x7F] {
            results.push(h.session.handle_bytes(h.now, &[b]));
        }
    });
    assert_eq!(
        results,
        [Ok(()), Ok(()), Ok(()), Ok(()), Err(Error::OversizePacket)]
    );
    assert!(largest < 1024, "allocated {largest} bytes");
}

#[test]
fn packet_of_exactly_the_maximum_is_accepted() {
    let mut h = connected_with_max(12);
    // PUBLISH q0 'a' with 7 bytes payload: 2 + 10 = 12 bytes.
    let p = [0x30, 10, 0, 1, b'a', 1, 2, 3, 4, 5, 6, 7];
    assert_eq!(h.session.handle_bytes(h.now, &p), Ok(()));
    assert_eq!(h.events().len(), 1);
    let mut q = p;
    q[1] = 11;
    assert_eq!(
        h.session.handle_bytes(h.now, &q),
        Err(Error::OversizePacket)
    );
}

#[test]
fn a_huge_announced_length_within_the_maximum_allocates_only_what_arrives() {
    let mut h = Harness::connected(); // default maximum: anything MQTT can express
    let largest = largest_allocation_in(|| {
        let mut bytes = vec![0x30, 0x80, 0x80, 0x80, 0x60, 0, 1, b't'];
        bytes.extend([0u8; 1000]);
        h.session.handle_bytes(h.now, &bytes).unwrap();
        h.session.handle_bytes(h.now, &[0u8; 1000]).unwrap();
    });
    assert!(largest < 64 * 1024, "allocated {largest} bytes");
    assert_eq!(h.session.state(), State::Connected);
}
