//! Unit tests of the ring over its private surface: wrap-around starts, raw slot memory.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering as StdOrdering};

use super::*;

/// A value that counts its drops in a per-test counter (also used by `split.rs`'s tests).
pub(super) struct Counted<'a>(pub(super) u64, pub(super) &'a StdAtomicUsize);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.1.fetch_add(1, StdOrdering::Relaxed);
    }
}

/// A [`Counted`] whose destructor panics for id 1, after counting the drop.
#[cfg(not(miri))] // its tests unwind through a destructor, which they skip under Miri
pub(super) struct Bomb<'a>(pub(super) u64, pub(super) &'a StdAtomicUsize);

#[cfg(not(miri))]
impl Drop for Bomb<'_> {
    fn drop(&mut self) {
        self.1.fetch_add(1, StdOrdering::Relaxed);
        if self.0 == 1 {
            panic!("the second value's destructor panics");
        }
    }
}

#[test]
fn capacity_zero_and_absurd_are_config_errors() {
    let err = Ring::<u8>::with_capacity(0).unwrap_err();
    assert_eq!(err.field(), "capacity");
    assert!(Ring::<u8>::with_capacity(MAX_CAPACITY + 1).is_err());
    assert!(Ring::<u8>::with_capacity(usize::MAX).is_err());
    // Within the layout limit but beyond any allocator: an error, not an abort.
    let err = Ring::<[u8; 4096]>::with_capacity(MAX_CAPACITY).unwrap_err();
    assert_eq!(err.field(), "capacity");
}

#[test]
fn fifo_across_many_laps_near_the_word_wrap() {
    // Both kinds of ring: a shared one (`try_pop`) and a single-consumer one, whose claims
    // judge a slot free by `head` (`Layout::is_after` across the wrap) and whose pops free it
    // by moving `head`.
    for single_consumer in [false, true] {
        for cap in [1usize, 2, 3, 8] {
            let layout = Layout::new(cap).unwrap();
            // Start three laps before the positions wrap around the word.
            let start = layout.lap(usize::MAX).wrapping_sub(2 * layout.one_lap());
            let ring = Ring::build(cap, false, single_consumer, start).unwrap();
            let pop = |ring: &Ring<u64>| {
                if single_consumer {
                    pop_single(ring)
                } else {
                    ring.try_pop()
                }
            };
            let (mut next_in, mut next_out) = (0u64, 0u64);
            // Under Miri `cap + 3` rounds still drain every amount from 1 to `cap` and wrap
            // the positions (checked below) at every capacity.
            let rounds = if cfg!(miri) { cap + 3 } else { 10 * cap };
            for round in 0..rounds {
                // Fill (exactly `cap` values: freed slots are reused, no more and no sooner),
                // then drain a varying amount.
                while ring.try_push(next_in).is_ok() {
                    next_in += 1;
                }
                assert_eq!(ring.len(), cap, "cap {cap}, round {round}");
                assert!(ring.is_full());
                for _ in 0..=(round % cap) {
                    assert_eq!(pop(&ring), Some(next_out));
                    next_out += 1;
                }
            }
            let (tail, head, _) = ring.ordinals();
            assert_eq!(tail.wrapping_sub(head), ring.len() as u64);
            while let Some(v) = pop(&ring) {
                assert_eq!(v, next_out);
                next_out += 1;
            }
            assert_eq!(next_in, next_out);
            // The positions did wrap.
            assert!(
                ring.tail.pos.load(Ordering::Relaxed) < start,
                "cap {cap} (single consumer: {single_consumer}) did not wrap"
            );
        }
    }
}

#[test]
fn force_push_displaces_oldest_near_the_wrap() {
    let layout = Layout::new(2).unwrap();
    let ring = Ring::build(2, false, false, layout.lap(usize::MAX)).unwrap();
    for i in 0..10u32 {
        let displaced = ring.force_push(i).unwrap();
        assert_eq!(displaced, i.checked_sub(2));
    }
    assert_eq!(ring.try_pop(), Some(8));
    assert_eq!(ring.try_pop(), Some(9));
    assert_eq!(ring.try_pop(), None);
}

#[test]
fn every_value_is_dropped_exactly_once() {
    let drops = StdAtomicUsize::new(0);
    {
        let ring = Ring::with_capacity(4).unwrap();
        for i in 0..4 {
            assert!(ring.try_push(Counted(i, &drops)).is_ok());
        }
        // Full: the value comes back and is dropped by us.
        drop(ring.try_push(Counted(99, &drops)).unwrap_err());
        assert_eq!(drops.load(StdOrdering::Relaxed), 1);
        // Displaced oldest is handed back, and dropped by us.
        drop(ring.force_push(Counted(4, &drops)).unwrap());
        assert_eq!(drops.load(StdOrdering::Relaxed), 2);
        drop(ring.try_pop());
        assert_eq!(drops.load(StdOrdering::Relaxed), 3);
        // Three values left inside: dropped with the ring.
    }
    assert_eq!(drops.load(StdOrdering::Relaxed), 6);
}

#[test]
fn abandoned_claim_is_skipped_not_dropped() {
    let drops = StdAtomicUsize::new(0);
    {
        let ring = Ring::with_capacity(2).unwrap();
        let claim = ring.claim().unwrap();
        ring.try_push(Counted(1, &drops)).ok().unwrap();
        // The head slot is claimed but not published: nothing ready.
        assert!(matches!(ring.pop_slot(), Pop::NotReady));
        drop(claim);
        assert_eq!(ring.try_pop().map(|c| c.0), Some(1));
        assert_eq!(drops.load(StdOrdering::Relaxed), 1);
        assert_eq!(ring.ordinals(), (2, 2, 1));
        ring.try_push(Counted(2, &drops)).ok().unwrap();
    }
    assert_eq!(drops.load(StdOrdering::Relaxed), 2);
}

#[test]
fn a_held_claim_is_reported_apart_from_a_claim_in_flight() {
    let ring = Ring::with_capacity(2).unwrap();
    let claim = ring.claim().unwrap();
    assert!(
        matches!(ring.pop_slot(), Pop::NotReady),
        "claimed, not held"
    );
    claim.hold();
    assert!(matches!(ring.pop_slot(), Pop::Held), "held by a permit");
    assert!(
        !ring.head_looks_ready(1),
        "a held slot is no reason to look"
    );
    // Nothing behind the held slot overtakes it, and a push behind it still fits.
    ring.try_push(2).unwrap();
    assert!(matches!(ring.pop_slot(), Pop::Held));
    claim.publish(1);
    assert!(matches!(ring.pop_slot(), Pop::Value(1)));
    assert!(matches!(ring.pop_slot(), Pop::Value(2)));
    // Given up while held: stepped over, as any abandoned claim.
    let claim = ring.claim().unwrap();
    claim.hold();
    drop(claim);
    assert!(matches!(ring.pop_slot(), Pop::Skipped));
    assert!(matches!(ring.pop_slot(), Pop::Empty));
}

#[test]
fn a_held_claim_is_never_evicted_and_outlives_the_close() {
    let ring = Ring::with_capacity(1).unwrap();
    let claim = ring.claim().unwrap();
    claim.hold();
    // The oldest slot holds no value yet: nothing to evict.
    assert_eq!(ring.force_push(7), Err(ForcePushError::Busy(7)));
    assert!(ring.close());
    // Accepted before the close: the end waits for it.
    assert!(matches!(ring.pop_slot(), Pop::Held));
    claim.publish(1);
    assert!(matches!(ring.pop_slot(), Pop::Value(1)));
    assert!(matches!(ring.pop_slot(), Pop::Closed));
}

#[test]
fn close_keeps_accepted_values_and_refuses_new_ones() {
    let ring = Ring::with_capacity(3).unwrap();
    ring.try_push(1).unwrap();
    let claim = ring.claim().unwrap();
    assert!(ring.close());
    assert!(!ring.close(), "second close reports it was already closed");
    assert!(ring.is_closed());
    assert_eq!(ring.try_push(3), Err(3));
    assert_eq!(ring.force_push(4), Err(ForcePushError::Closed(4)));
    assert_eq!(ring.try_pop(), Some(1));
    // A claim made before the close is still delivered once published.
    assert!(matches!(ring.pop_slot(), Pop::NotReady));
    claim.publish(2);
    assert!(matches!(ring.pop_slot(), Pop::Value(2)));
    assert!(matches!(ring.pop_slot(), Pop::Closed));
}

#[test]
fn force_push_is_busy_while_the_oldest_slot_is_unpublished() {
    let ring = Ring::with_capacity(1).unwrap();
    let claim = ring.claim().unwrap();
    assert_eq!(ring.force_push(7), Err(ForcePushError::Busy(7)));
    drop(claim);
    // A SKIP slot is evicted without a value to hand back.
    assert_eq!(ring.force_push(8), Ok(None));
    assert_eq!(ring.try_pop(), Some(8));
}

#[test]
fn pop_batch_respects_limit_and_order() {
    let ring = Ring::with_capacity(16).unwrap();
    for i in 0..10 {
        ring.try_push(i).unwrap();
    }
    let mut out = Vec::new();
    assert_eq!(ring.pop_batch(&mut out, 4), 4);
    assert_eq!(ring.pop_batch(&mut out, 0), 0);
    assert_eq!(ring.pop_batch(&mut out, 100), 6);
    assert_eq!(out, (0..10).collect::<Vec<_>>());
}

#[test]
fn static_ring_runs_the_same_algorithm() {
    static RING: StaticRing<u16, 3> = StaticRing::new();
    for lap in 0..5u16 {
        for i in 0..3 {
            RING.try_push(lap * 3 + i).unwrap();
        }
        assert_eq!(RING.try_push(0), Err(0));
        assert_eq!(RING.force_push(100 + lap), Ok(Some(lap * 3)));
        assert_eq!(RING.try_pop(), Some(lap * 3 + 1));
        assert_eq!(RING.try_pop(), Some(lap * 3 + 2));
        assert_eq!(RING.try_pop(), Some(100 + lap));
        assert!(RING.is_empty());
    }
}

#[cfg(feature = "amnesia")]
#[test]
fn amnesia_zeroes_slot_memory_after_pop_and_drop() {
    let ring = Ring::with_amnesia(2).unwrap();
    ring.try_push([0xAB_u8; 48]).unwrap();
    ring.try_push([0xCD_u8; 48]).unwrap();
    assert_eq!(ring.raw_slot_bytes(0), [0xAB; 48]);
    assert_eq!(ring.try_pop(), Some([0xAB; 48]));
    assert_eq!(
        ring.raw_slot_bytes(0),
        [0; 48],
        "popped slot still holds the value"
    );
    assert_eq!(ring.raw_slot_bytes(1), [0xCD; 48]);

    // Without amnesia the bytes stay behind (so the check above can fail).
    let plain = Ring::with_capacity(1).unwrap();
    plain.try_push([0xEE_u8; 48]).unwrap();
    assert_eq!(plain.try_pop(), Some([0xEE; 48]));
    assert_eq!(plain.raw_slot_bytes(0), [0xEE; 48]);
}

#[cfg(feature = "amnesia")]
#[test]
fn amnesia_zeroes_slot_after_close_race_rollback_and_drain() {
    let ring = Ring::with_amnesia(3).unwrap();
    for i in 1..=3u8 {
        ring.try_push([i; 16]).unwrap();
    }
    let mut out = Vec::new();
    ring.close();
    assert_eq!(ring.pop_batch(&mut out, 10), 3);
    for i in 0..3 {
        assert_eq!(ring.raw_slot_bytes(i), [0; 16]);
    }
}

/// Issue 8, item 10: the claim and removal counts (`ordinals`, from which the mailbox derives
/// `accepted` and `received`) go on across the wrap of the position word, which on a 32-bit
/// target comes after some 10^9 operations. Simulated with a ring that starts just before the
/// wrap (the flip counting is on in unit tests on every target, see `metrics::WRAPS`).
#[test]
fn ordinals_count_on_across_the_position_wrap() {
    for cap in [1usize, 2, 3, 8] {
        let layout = Layout::new(cap).unwrap();
        let start = layout.lap(usize::MAX).wrapping_sub(layout.one_lap());
        let ring = Ring::build(cap, false, false, start).unwrap();
        let (tail0, head0, _) = ring.ordinals();
        assert_eq!(tail0, head0);
        let (mut pushed, mut popped, mut evicted) = (0u64, 0u64, 0u64);
        // Under Miri `cap + 3` rounds still take every `round % 3` and `round % cap` branch
        // and wrap the positions (checked below).
        let rounds = if cfg!(miri) { cap + 3 } else { 6 * cap };
        for round in 0..rounds {
            // Plain pushes, forced pushes (evicting when full), pops, with a drop of a claim
            // (a SKIP) now and then.
            while ring.try_push(round).is_ok() {
                pushed += 1;
            }
            if ring.force_push(round).unwrap().is_some() {
                evicted += 1;
            }
            pushed += 1;
            if round % 3 == 0 {
                let _ = ring.try_pop().map(|_| popped += 1);
                drop(ring.claim().unwrap());
                pushed += 1; // a claim counts as a claim; `skipped` says it was given up
            }
            for _ in 0..round % cap {
                let _ = ring.try_pop().map(|_| popped += 1);
            }
        }
        let (tail, head, skipped) = ring.ordinals();
        assert!(
            ring.tail.pos.load(Ordering::Relaxed) < start,
            "cap {cap}: the positions wrapped"
        );
        assert_eq!(tail.wrapping_sub(tail0), pushed, "cap {cap}: claims");
        assert_eq!(
            head.wrapping_sub(head0),
            popped + evicted + skipped,
            "cap {cap}: removals"
        );
        assert_eq!(
            tail.wrapping_sub(head),
            ring.len() as u64,
            "cap {cap}: what is left"
        );
    }
}

#[test]
fn spinning_hints_say_when_a_full_look_may_succeed() {
    // Capacity 8: a producer's hint waits for 2 free slots (a quarter), not one.
    let ring = Ring::with_capacity(8).unwrap();
    assert!(!ring.head_looks_ready(1));
    assert!(ring.tail_looks_free());
    for round in 0..3 {
        for i in 0..8 {
            ring.try_push(i).unwrap();
        }
        assert!(ring.head_looks_ready(1), "round {round}");
        assert!(!ring.tail_looks_free(), "round {round}: full");
        assert_eq!(ring.try_pop(), Some(0));
        assert!(
            !ring.tail_looks_free(),
            "round {round}: one slot is not room yet"
        );
        assert_eq!(ring.try_pop(), Some(1));
        assert!(ring.tail_looks_free(), "round {round}: two free slots are");
        for i in 2..8 {
            assert_eq!(ring.try_pop(), Some(i));
        }
        assert!(!ring.head_looks_ready(1), "round {round}: empty");
    }
    // A consumer's hint for a run: ready once the last of the next `n` slots is.
    ring.try_push(10).unwrap();
    assert!(ring.head_looks_ready(1));
    assert!(!ring.head_looks_ready(2), "one message is not a run of two");
    ring.try_push(11).unwrap();
    assert!(ring.head_looks_ready(2));
    assert!(!ring.head_looks_ready(3));
    assert!(
        !ring.head_looks_ready(100),
        "n past the capacity is the whole ring"
    );
    assert_eq!(ring.try_pop(), Some(10));
    assert_eq!(ring.try_pop(), Some(11));
    // A claim in flight is not ready; a given-up claim is (the pop steps over it).
    let claim = ring.claim().unwrap();
    assert!(!ring.head_looks_ready(1));
    drop(claim);
    assert!(ring.head_looks_ready(1));
    assert_eq!(ring.try_pop(), None);
    // A closed ring looks free to a producer: its claim reports the close.
    for i in 0..8 {
        ring.try_push(i).unwrap();
    }
    ring.close();
    assert!(ring.tail_looks_free());
}

// The lone sender's write prefetch must name one of the ring's own slots, the one
// `PREFETCH_AHEAD` places on (wrapping around the end): a write prefetch past the end would pull
// an unrelated line away from whichever core owns it. A ring with fewer slots never prefetches.
#[cfg(not(ryker_loom))]
#[test]
fn the_prefetch_ahead_stays_inside_the_slots() {
    // Under Miri the 512-slot ring is left out: its slots wrap around the end as 8 do (safe
    // address arithmetic, nothing dereferenced), and the mailbox tests build 512-slot rings.
    let caps: &[usize] = if cfg!(miri) {
        &[1, 2, 3, 4, 5, 7, 8]
    } else {
        &[1, 2, 3, 4, 5, 7, 8, 512]
    };
    for &cap in caps {
        let ring = Ring::<u64>::with_capacity(cap).unwrap();
        if cap < PREFETCH_AHEAD {
            assert_eq!(ring.prefetch, Prefetch::Off, "capacity {cap}");
            continue;
        }
        let slots = ring.slots.as_ref();
        for (i, slot) in slots.iter().enumerate() {
            let want: *const Slot<u64> = &slots[(i + PREFETCH_AHEAD) % cap];
            assert_eq!(ring.slot_ahead(slot), want, "capacity {cap}, slot {i}");
        }
    }
}

// Each ring asks once, when built, how to prefetch: on x86-64 (outside Miri) with more than one
// CPU it fetches (for writing where CPUID reports `prefetchw`), elsewhere never, and a static
// ring never.
#[cfg(all(not(ryker_loom), feature = "std"))]
#[test]
fn a_ring_prefetches_only_where_it_can_pay() {
    let ring = Ring::<u64>::with_capacity(512).unwrap();
    let expected = cfg!(all(target_arch = "x86_64", not(miri))) && !crate::sync::one_cpu();
    assert_eq!(ring.prefetch.is_on(), expected, "{:?}", ring.prefetch);
    assert_eq!(Prefetch::for_ring(false), Prefetch::Off);
    static STATIC: crate::ring::StaticRing<u64, 512> = crate::ring::StaticRing::new();
    assert_eq!(STATIC.prefetch, Prefetch::Off);
}

// ---- Single-consumer rings (`Ring::build(.., single_consumer: true, ..)`) ----------------------

/// A single-consumer ring of `cap` slots.
fn single(cap: usize) -> Ring<u64> {
    Ring::build(cap, false, true, 0).unwrap()
}

/// One attempt of the single consumer's pop.
fn pop_exclusive<T>(ring: &Ring<T>, check: EmptyCheck) -> Pop<T> {
    // SAFETY: the ring is single-consumer (the tests build it so) and the test is its only
    // consumer.
    unsafe { ring.pop_slot_exclusive(check) }
}

/// The one pop of a single-consumer ring, stepping over given-up claims.
fn pop_single<T>(ring: &Ring<T>) -> Option<T> {
    loop {
        match pop_exclusive(ring, EmptyCheck::Fenced) {
            Pop::Value(value) => return Some(value),
            Pop::Skipped => continue,
            Pop::Empty | Pop::Closed | Pop::NotReady | Pop::Held => return None,
        }
    }
}

#[test]
fn single_consumer_frees_a_slot_only_once_its_value_is_out() {
    let ring = single(2);
    ring.try_push(1).unwrap();
    ring.try_push(2).unwrap();
    assert_eq!(ring.try_push(3), Err(3), "full");
    // The copy of `head` is stale after the pop: the claim must look at `head` itself.
    assert_eq!(pop_single(&ring), Some(1));
    ring.try_push(3).unwrap();
    assert_eq!(ring.try_push(4), Err(4), "full again: slot 1 still holds 2");
    assert_eq!(pop_single(&ring), Some(2));
    assert_eq!(pop_single(&ring), Some(3));
    assert_eq!(pop_single(&ring), None);
    // The freed slots keep their stamps: the producer never relies on them.
    assert_eq!(
        Layout::state(ring.slots.as_ref()[0].stamp.load(Ordering::Relaxed)),
        FULL
    );
    ring.try_push(5).unwrap();
    ring.try_push(6).unwrap();
    assert_eq!(ring.try_push(7), Err(7));
    assert_eq!(pop_single(&ring), Some(5));
    assert_eq!(pop_single(&ring), Some(6));
}

#[test]
fn single_consumer_drop_drops_only_the_values_still_inside() {
    let drops = StdAtomicUsize::new(0);
    {
        let ring = Ring::build(4, false, true, 0).unwrap();
        for i in 0..4 {
            assert!(ring.try_push(Counted(i, &drops)).is_ok());
        }
        // Three popped (and dropped by us): their slots still say FULL, and hold nothing.
        for _ in 0..3 {
            drop(pop_single(&ring));
        }
        assert_eq!(drops.load(StdOrdering::Relaxed), 3);
        // One given-up claim (SKIP) and one value in the next lap, behind the one left.
        drop(ring.claim().unwrap());
        assert!(ring.try_push(Counted(5, &drops)).is_ok());
    }
    // Two values left inside, dropped once each with the ring.
    assert_eq!(drops.load(StdOrdering::Relaxed), 5);
}

#[cfg(not(miri))] // unwinding through a destructor under Miri is slow; the logic is the same
#[test]
fn single_consumer_drop_goes_on_after_a_destructor_panics() {
    let drops = StdAtomicUsize::new(0);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let ring = Ring::build(4, false, true, 0).unwrap();
        for i in 0..4 {
            assert!(ring.try_push(Bomb(i, &drops)).is_ok());
        }
        drop(ring);
    }));
    assert!(result.is_err(), "the panic goes on");
    assert_eq!(drops.load(StdOrdering::Relaxed), 4, "every value dropped");
}

#[test]
fn single_consumer_close_drains_then_ends() {
    let ring = single(3);
    ring.try_push(1).unwrap();
    let claim = ring.claim().unwrap();
    assert!(ring.close());
    assert_eq!(ring.try_push(3), Err(3));
    assert_eq!(pop_single(&ring), Some(1));
    assert!(matches!(
        pop_exclusive(&ring, EmptyCheck::Fenced),
        Pop::NotReady
    ));
    claim.publish(2);
    assert_eq!(pop_single(&ring), Some(2));
    // The end, although the slot at `head` still has a FULL stamp from the lap before.
    assert!(matches!(
        pop_exclusive(&ring, EmptyCheck::Fenced),
        Pop::Closed
    ));
    // The same at a later lap: fill and drain a second ring past a lap, then close it.
    let ring = single(2);
    for i in 0..5 {
        ring.try_push(i).unwrap();
        assert_eq!(pop_single(&ring), Some(i));
    }
    ring.close();
    assert!(matches!(
        pop_exclusive(&ring, EmptyCheck::CallerFenced),
        Pop::Closed
    ));
}

#[test]
fn single_consumer_hints_read_head_not_stamps() {
    let ring = single(8);
    for round in 0..3 {
        for i in 0..8 {
            ring.try_push(i).unwrap();
        }
        assert!(ring.head_looks_ready(1), "round {round}");
        assert!(!ring.tail_looks_free(), "round {round}: full");
        assert_eq!(pop_single(&ring), Some(0));
        assert!(
            !ring.tail_looks_free(),
            "round {round}: one slot is not room yet"
        );
        assert_eq!(pop_single(&ring), Some(1));
        assert!(ring.tail_looks_free(), "round {round}: two free slots are");
        for i in 2..8 {
            assert_eq!(pop_single(&ring), Some(i));
        }
        // Empty, in a later lap: the stamps still say FULL (the previous lap's).
        assert!(!ring.head_looks_ready(1), "round {round}: empty");
        assert!(!ring.head_looks_ready(8), "round {round}: empty");
    }
    ring.try_push(10).unwrap();
    assert!(ring.head_looks_ready(1));
    assert!(!ring.head_looks_ready(2), "one message is not a run of two");
    let claim = ring.claim().unwrap();
    assert!(!ring.head_looks_ready(2), "a claim in flight is not ready");
    drop(claim);
    assert!(
        ring.head_looks_ready(2),
        "a given-up claim is (the pop steps over it)"
    );
}

#[cfg(feature = "amnesia")]
#[test]
fn single_consumer_amnesia_zeroes_slot_memory_after_pop() {
    let ring = Ring::build(2, true, true, 0).unwrap();
    ring.try_push([0xAB_u8; 48]).unwrap();
    ring.try_push([0xCD_u8; 48]).unwrap();
    assert_eq!(pop_single(&ring), Some([0xAB; 48]));
    assert_eq!(ring.raw_slot_bytes(0), [0; 48]);
    assert_eq!(ring.raw_slot_bytes(1), [0xCD; 48]);
}

/// One run of the single consumer (`Ring::take_run_exclusive`) into a `Vec`.
fn take_run<T>(ring: &Ring<T>, limit: usize) -> Vec<T> {
    let mut got = Vec::new();
    // SAFETY: the ring is single-consumer (the tests build it so) and the test is its only
    // consumer.
    let n = unsafe { ring.take_run_exclusive(limit, |v| got.push(v)) };
    assert_eq!(n, got.len(), "the count is what the sink got");
    got
}

#[test]
fn a_run_takes_published_values_up_to_the_limit_and_the_last_slot() {
    let ring = single(4);
    assert!(take_run(&ring, 4).is_empty(), "nothing published");
    for i in 0..3 {
        ring.try_push(i).unwrap();
    }
    assert_eq!(take_run(&ring, 2), [0, 1], "the limit");
    for i in 3..6 {
        ring.try_push(i).unwrap();
    }
    assert_eq!(ring.try_push(6), Err(6), "full");
    // Slots 2 and 3 hold 2 and 3; slots 0 and 1 hold the next lap's 4 and 5: the run goes on
    // past the last slot into the next lap.
    assert_eq!(take_run(&ring, 8), [2, 3, 4, 5]);
    assert!(take_run(&ring, 8).is_empty());
    assert_eq!(ring.len(), 0);
}

#[test]
fn a_run_stops_at_a_slot_that_holds_no_value_and_leaves_it_to_the_pop() {
    let ring = single(4);
    ring.try_push(1).unwrap();
    drop(ring.claim().unwrap()); // given up: SKIP
    ring.try_push(3).unwrap();
    let held = ring.claim().unwrap();
    held.hold(); // a permit's slot: RESERVED
    assert_eq!(take_run(&ring, 4), [1], "stops at the SKIP");
    assert!(matches!(
        pop_exclusive(&ring, EmptyCheck::Fenced),
        Pop::Skipped
    ));
    assert_eq!(take_run(&ring, 4), [3], "stops at the held slot");
    assert!(matches!(
        pop_exclusive(&ring, EmptyCheck::Fenced),
        Pop::Held
    ));
    held.publish(4);
    assert!(ring.close());
    assert_eq!(take_run(&ring, 4), [4]);
    assert!(
        take_run(&ring, 4).is_empty(),
        "the end is the pop's to report"
    );
    assert!(matches!(
        pop_exclusive(&ring, EmptyCheck::Fenced),
        Pop::Closed
    ));
}

#[test]
fn runs_go_on_across_the_position_wrap() {
    for cap in [1usize, 3, 8] {
        let layout = Layout::new(cap).unwrap();
        let start = layout.lap(usize::MAX).wrapping_sub(2 * layout.one_lap());
        let ring: Ring<u64> = Ring::build(cap, false, true, start).unwrap();
        let (claims0, removals0, _) = ring.ordinals();
        let (mut next_in, mut next_out) = (0u64, 0u64);
        // Under Miri `cap + 3` rounds (runs) still wrap the positions (checked below).
        let rounds = if cfg!(miri) { cap + 3 } else { 6 * cap };
        for _ in 0..rounds {
            while ring.try_push(next_in).is_ok() {
                next_in += 1;
            }
            for v in take_run(&ring, cap) {
                assert_eq!(v, next_out, "in order, cap {cap}");
                next_out += 1;
            }
        }
        assert!(
            next_out > (rounds - cap) as u64,
            "the runs went round, cap {cap}"
        );
        assert!(
            ring.tail.pos.load(Ordering::Relaxed) < start,
            "cap {cap}: the positions wrapped"
        );
        let (claims, removals, _) = ring.ordinals();
        assert_eq!(
            (claims - claims0, removals - removals0),
            (next_in, next_out),
            "the statistics count every value across the wrap, cap {cap}"
        );
    }
}

#[cfg(not(miri))] // unwinding under Miri is slow; the logic is the same
#[test]
fn a_run_whose_sink_panics_frees_what_it_took() {
    let drops = StdAtomicUsize::new(0);
    let ring = Ring::build(4, false, true, 0).unwrap();
    for i in 0..4 {
        assert!(ring.try_push(Counted(i, &drops)).is_ok());
    }
    let mut kept = Vec::new();
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: as in `take_run`.
        unsafe {
            ring.take_run_exclusive(4, |v| {
                if v.0 == 2 {
                    panic!("the sink refuses the third value");
                }
                kept.push(v);
            })
        }
    }));
    assert!(unwound.is_err(), "the panic goes on");
    assert_eq!(
        drops.load(StdOrdering::Relaxed),
        1,
        "the refused value dropped once"
    );
    // Each slot is freed before its value goes to the sink, the refused value's too: three
    // pushes fit, not four.
    for i in 4..7 {
        assert!(ring.try_push(Counted(i, &drops)).is_ok());
    }
    assert!(ring.try_push(Counted(7, &drops)).is_err());
    assert_eq!(pop_single(&ring).map(|v| v.0), Some(3), "the fourth, once");
    drop(kept);
    drop(ring);
    assert_eq!(
        drops.load(StdOrdering::Relaxed),
        8,
        "every value dropped once"
    );
}

#[test]
fn a_claim_run_takes_all_its_slots_or_none_across_the_word_wrap() {
    for single_consumer in [false, true] {
        for cap in [1usize, 2, 3, 8] {
            let layout = Layout::new(cap).unwrap();
            let start = layout.lap(usize::MAX).wrapping_sub(2 * layout.one_lap());
            let ring = Ring::<u64>::build(cap, false, single_consumer, start).unwrap();
            let pop = |ring: &Ring<u64>| {
                if single_consumer {
                    pop_single(ring)
                } else {
                    ring.try_pop()
                }
            };
            let first = ring.ordinals();
            let (mut next_in, mut next_out) = (0u64, 0u64);
            // Under Miri `cap + 3` rounds still claim runs of every length from 1 to `cap`
            // and wrap the positions (checked below).
            let rounds = if cfg!(miri) { cap + 3 } else { 10 * cap };
            for round in 0..rounds {
                // A run of `n` slots from a varying start index when that many are free,
                // else a refusal that takes nothing; one more slot is refused when full.
                let n = 1 + round % cap;
                let free = cap - ring.len();
                if free >= n {
                    let run = ring.claim_run(n).unwrap();
                    assert_eq!(run.len(), n);
                    for claim in run {
                        claim.publish(next_in);
                        next_in += 1;
                    }
                } else {
                    // Too few free: nothing is taken.
                    assert!(matches!(ring.claim_run(n), Err(ClaimError::Full)));
                    assert_eq!(cap - ring.len(), free, "cap {cap}, round {round}");
                }
                if ring.len() == cap {
                    assert!(matches!(ring.claim_run(1), Err(ClaimError::Full)));
                }
                for _ in 0..=(round % cap) {
                    if let Some(v) = pop(&ring) {
                        assert_eq!(v, next_out);
                        next_out += 1;
                    }
                }
            }
            while let Some(v) = pop(&ring) {
                assert_eq!(v, next_out);
                next_out += 1;
            }
            assert_eq!(next_in, next_out);
            assert!(next_in > 0);
            let (claims, removals, skipped) = ring.ordinals();
            assert_eq!(
                (
                    claims.wrapping_sub(first.0),
                    removals.wrapping_sub(first.1),
                    skipped
                ),
                (next_in, next_out, 0),
                "every claim of a run is counted once"
            );
            assert!(
                ring.tail.pos.load(Ordering::Relaxed) < start,
                "cap {cap} (single consumer: {single_consumer}) did not wrap"
            );
        }
    }
}

#[test]
fn a_dropped_claim_run_gives_up_the_claims_it_did_not_yield() {
    for single_consumer in [false, true] {
        let ring = Ring::<u64>::build(4, false, single_consumer, 0).unwrap();
        let mut run = ring.claim_run(3).unwrap();
        run.hold();
        run.next().unwrap().publish(7);
        drop(run);
        assert!(matches!(ring.claim_run(2), Err(ClaimError::Full)));
        ring.try_push(8).unwrap();
        let pop = |ring: &Ring<u64>| {
            if single_consumer {
                pop_single(ring)
            } else {
                ring.try_pop()
            }
        };
        assert_eq!(pop(&ring), Some(7));
        assert_eq!(pop(&ring), Some(8)); // past the two given-up slots
        assert_eq!(ring.ordinals().2, 2);
        assert_eq!(ring.claim_run(4).unwrap().len(), 4);
        ring.close();
        assert!(matches!(ring.claim_run(1), Err(ClaimError::Closed)));
    }
}

#[test]
fn a_detached_claim_reattaches_to_its_slot() {
    let ring = Ring::<u64>::build(3, false, true, 0).unwrap();
    ring.try_push(1).unwrap();
    let claim = ring.claim().unwrap();
    let detached = claim.detach(&ring);
    ring.try_push(3).unwrap();
    // SAFETY: detached from this ring, reattached once.
    unsafe { ring.reattach(detached) }.publish(2);
    assert_eq!(
        [pop_single(&ring), pop_single(&ring), pop_single(&ring)],
        [Some(1), Some(2), Some(3)]
    );
}

#[test]
#[should_panic(expected = "a claim detached from a ring that did not make it")]
fn a_claim_detached_from_another_ring_panics() {
    let ring = Ring::<u64>::build(2, false, true, 0).unwrap();
    let other = Ring::<u64>::build(2, false, true, 0).unwrap();
    let claim = ring.claim().unwrap();
    let _ = claim.detach(&other);
}
