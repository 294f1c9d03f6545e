//! Allocation gate: after construction and warm-up, moving a message through ryker's ring or
//! mailbox must not touch the heap. A counting global allocator tallies every allocation made
//! by a thread that opted in, so tests running in parallel do not disturb each other.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use ryker_benches::{ryker_mailbox, Msg};
use ryker_core::ring::Ring;

/// Round trips per scenario.
const ROUND_TRIPS: u64 = 100_000;

struct Counting;

thread_local! {
    /// Allocations (alloc, alloc_zeroed, realloc) made by this thread while counting.
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn note_allocation() {
    // `try_with`: the allocator may run while this thread's locals are being torn down.
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so `System`'s
// guarantees are ours; the counting touches only const-initialized, destructor-free thread locals,
// which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: the caller upholds `GlobalAlloc::alloc_zeroed`'s contract, which `System` shares.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract; `ptr` came from `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract; `ptr` came from `System`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns how many allocations this thread made during it.
fn allocations_in(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn the_counter_sees_allocations() {
    let n = allocations_in(|| drop(black_box(Box::new(1_u64))));
    assert_eq!(
        n, 1,
        "the counting allocator is not counting; the other tests would prove nothing"
    );
}

#[test]
fn ring_try_push_try_pop_never_allocates() {
    let ring = Ring::<Msg>::with_capacity(512).expect("valid capacity");
    // Warm-up: one full lap so every slot has been written and read once.
    for seq in 0..1024 {
        assert!(ring.try_push(Msg::new(seq)).is_ok());
        assert_eq!(ring.try_pop().map(|m| m.seq), Some(seq));
    }
    let n = allocations_in(|| {
        for seq in 0..ROUND_TRIPS {
            assert!(ring.try_push(black_box(Msg::new(seq))).is_ok());
            assert_eq!(black_box(ring.try_pop()).map(|m| m.seq), Some(seq));
        }
        // A full ring: fill to capacity, then drain.
        for seq in 0..512 {
            assert!(ring.try_push(Msg::new(seq)).is_ok());
        }
        assert!(ring.try_push(Msg::new(512)).is_err(), "ring over capacity");
        for seq in 0..512 {
            assert_eq!(ring.try_pop().map(|m| m.seq), Some(seq));
        }
    });
    assert_eq!(
        n, 0,
        "Ring::try_push/try_pop allocated {n} times in {ROUND_TRIPS} round trips"
    );
}

#[test]
fn mailbox_try_send_try_recv_never_allocates() {
    let (tx, mut rx) = ryker_mailbox(512);
    for seq in 0..1024 {
        assert!(tx.try_send(Msg::new(seq)).is_ok());
        assert_eq!(rx.try_recv().map(|m| m.seq).ok(), Some(seq));
    }
    let n = allocations_in(|| {
        for seq in 0..ROUND_TRIPS {
            assert!(tx.try_send(black_box(Msg::new(seq))).is_ok());
            assert_eq!(black_box(rx.try_recv()).map(|m| m.seq).ok(), Some(seq));
        }
        assert!(rx.try_recv().is_err(), "empty mailbox returned a message");
    });
    assert_eq!(
        n, 0,
        "try_send/try_recv allocated {n} times in {ROUND_TRIPS} round trips"
    );
}

#[test]
fn mailbox_send_blocking_recv_blocking_never_allocates() {
    let (tx, mut rx) = ryker_mailbox(512);
    for seq in 0..1024 {
        assert!(tx.send_blocking(Msg::new(seq)).is_ok());
        assert_eq!(rx.recv_blocking().map(|m| m.seq), Some(seq));
    }
    let mut batch = Vec::with_capacity(64);
    let n = allocations_in(|| {
        for seq in 0..ROUND_TRIPS {
            assert!(tx.send_blocking(black_box(Msg::new(seq))).is_ok());
            assert_eq!(black_box(rx.recv_blocking()).map(|m| m.seq), Some(seq));
        }
        // Batch receive into a buffer that already has room.
        for round in 0..ROUND_TRIPS / 64 {
            for i in 0..64 {
                assert!(tx.send_blocking(Msg::new(round * 64 + i)).is_ok());
            }
            batch.clear();
            assert_eq!(rx.recv_many_blocking(&mut batch, 64), 64);
        }
    });
    assert_eq!(
        n, 0,
        "send_blocking/recv_blocking allocated {n} times in {ROUND_TRIPS} round trips"
    );
}
