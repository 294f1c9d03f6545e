//! The counting allocator counts: process-wide, and per tally for enrolled threads only.

use std::hint::black_box;
use std::thread;

use bench_support::alloc::{allocations, Counting, Tally};

#[global_allocator]
static ALLOC: Counting = Counting;

#[test]
fn the_process_wide_count_sees_an_allocation() {
    let before = allocations();
    drop(black_box(Box::new(1_u64)));
    assert!(allocations() > before);
}

#[test]
fn a_tally_counts_its_enrolled_threads_only_and_only_while_counting() {
    static TALLY: Tally = Tally::new();
    TALLY.enroll();
    drop(black_box(Box::new(1_u64))); // before the window: not counted
    let n = TALLY.count_sync(|| {
        drop(black_box(Box::new([2_u64; 4])));
        drop(black_box(vec![3_u8; 10]));
        // Another, unenrolled thread's allocations are not this tally's.
        thread::scope(|s| {
            s.spawn(|| drop(black_box(Box::new(4_u64))));
        });
    });
    // The box and the vector on this thread; spawning may allocate too, on this thread.
    assert!(n.allocations >= 2 && n.bytes >= 42, "{n:?}");
    let one = TALLY.count_sync(|| drop(black_box(Box::new([0_u8; 24]))));
    assert_eq!((one.allocations, one.bytes), (1, 24));
    let quiet = TALLY.count_sync(|| {
        black_box(1 + 1);
    });
    assert_eq!(quiet.allocations, 0);
}
