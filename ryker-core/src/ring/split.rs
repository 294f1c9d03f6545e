//! A ring split into producer and consumer handles, for one consumer: [`split`].
//!
//! The handles own a single-consumer ring (see "Single consumer" in the module docs of
//! `ring`): the consumer frees a slot by moving `head` once the value is out, without a CAS and
//! without writing the slot, and producers judge a slot free through their own copy of `head`.
//! What makes that sound is that exactly one thread pops, and [`Consumer`] is how the type
//! system says so: it is not `Clone`, and popping takes `&mut self`.
//!
//! No wakers: a [`Producer`] or [`Consumer`] never waits, like [`Ring`] itself. The mailbox
//! (`crate::mailbox`) is this ring with waker registration on top.

use core::fmt;

use super::{EmptyCheck, Pop, Ring};
use crate::error::{ConfigError, PushError, TryPopError};
use crate::sync::{broken_twin, Arc, AtomicBool, AtomicUsize, Ordering};

/// What the handles share: the ring, how many producers are left (the last one to go closes
/// the ring, so the consumer learns that nothing more will come), and whether it is closed.
struct Shared<T> {
    ring: Ring<T>,
    producers: AtomicUsize,
    /// Set just before every close of the ring (`Shared::close`, the only way this ring is
    /// closed). While it is unset the consumer judges "empty" from the next slot's stamp alone
    /// (`EmptyCheck::Open`) and never reads `tail`, the line every push writes: a consumer
    /// that keeps finding the ring empty would otherwise take that line from the producers on
    /// every look, and their claims would wait for it. Written once, so it stays in every
    /// core's cache.
    closed: AtomicBool,
}

impl<T> Shared<T> {
    fn close(&self) -> bool {
        // Before the close: whoever sees the closed bit (`is_closed`, or the consumer's fenced
        // check) has synchronized with the close's SeqCst RMW, which comes after this store in
        // our program order, so it sees the flag too, and the consumer then takes the fenced
        // check and reports the end once drained. Stored after the close, a consumer could see
        // `is_closed()` and yet keep answering `Empty` from the stamp alone for as long as we
        // were preempted in between (broken twin `split_flag_late`, loom suite only). A flag
        // seen before the bit only makes the consumer take the fenced check early, which
        // answers `Empty` until the bit is there: `Closed` comes from the bit alone.
        // Relaxed: the close's RMW carries it (above); nothing else is read through it.
        let late = broken_twin!("split_flag_late");
        if !late {
            self.closed.store(true, Ordering::Relaxed);
        }
        let closed = self.ring.close();
        if late {
            self.closed.store(true, Ordering::Relaxed);
        }
        closed
    }
}

/// Splits a new ring of `capacity` slots on the heap into its producer and its one consumer.
///
/// [`Producer`] is `Clone` (any number of threads may push); [`Consumer`] is not (one thread
/// pops). Dropping the last producer closes the ring: the consumer pops what was accepted,
/// then gets [`TryPopError::Closed`]. Dropping the consumer closes it too: later pushes get
/// [`PushError::Closed`] with their value back, and the values queued are dropped (those up to
/// the first push still in progress at that moment; any behind it are dropped with the ring,
/// when the last producer goes).
///
/// Neither end waits: spin, yield or park as suits the caller, or use the mailbox
/// (`crate::mailbox`), which is this ring with waker registration on top.
///
/// ```
/// use ryker_core::error::TryPopError;
/// let (tx, mut rx) = ryker_core::ring::split(64).unwrap();
/// let producers: Vec<_> = (0..4u32)
///     .map(|p| {
///         let tx = tx.clone();
///         std::thread::spawn(move || {
///             for i in 0..100u32 {
///                 let mut value = p * 1000 + i;
///                 while let Err(err) = tx.try_push(value) {
///                     value = err.into_inner(); // full: try again
///                     std::thread::yield_now();
///                 }
///             }
///         })
///     })
///     .collect();
/// drop(tx); // keep only the producers' clones
/// let mut received = Vec::new();
/// loop {
///     match rx.try_pop() {
///         Ok(value) => received.push(value),
///         Err(TryPopError::Empty) => std::thread::yield_now(),
///         Err(TryPopError::Closed) => break, // every producer is gone and the ring is drained
///     }
/// }
/// for p in producers { p.join().unwrap(); }
/// assert_eq!(received.len(), 400);
/// for p in 0..4 { // each producer's values arrive in the order it pushed them
///     let mine: Vec<_> = received.iter().filter(|v| **v / 1000 == p).collect();
///     assert!(mine.windows(2).all(|w| w[0] < w[1]));
/// }
/// ```
///
/// # Errors
/// [`ConfigError`] naming `capacity` when it is 0, above [`MAX_CAPACITY`](super::MAX_CAPACITY),
/// or more than the allocator can provide.
pub fn split<T>(capacity: usize) -> Result<(Producer<T>, Consumer<T>), ConfigError> {
    split_built(capacity, false)
}

/// [`split`], with a ring that overwrites each slot's bytes with zeros after a value leaves it
/// (as [`Ring::with_amnesia`]).
///
/// ```
/// let (tx, mut rx) = ryker_core::ring::split_with_amnesia(4).unwrap();
/// assert!(tx.amnesia());
/// tx.try_push([7u8; 32]).unwrap();
/// assert_eq!(rx.try_pop(), Ok([7u8; 32])); // the slot now holds only zeros
/// ```
///
/// # Errors
/// As [`split`].
#[cfg(feature = "amnesia")]
pub fn split_with_amnesia<T>(capacity: usize) -> Result<(Producer<T>, Consumer<T>), ConfigError> {
    split_built(capacity, true)
}

fn split_built<T>(
    capacity: usize,
    amnesia: bool,
) -> Result<(Producer<T>, Consumer<T>), ConfigError> {
    let shared = Arc::new(Shared {
        ring: Ring::build(capacity, amnesia, true, 0)?,
        producers: AtomicUsize::new(1),
        closed: AtomicBool::new(false),
    });
    Ok((
        Producer {
            shared: Arc::clone(&shared),
        },
        Consumer { shared },
    ))
}

/// The read-only state both handles share: `is_closed`, `len`, `is_empty`, `is_full`,
/// `capacity`, `amnesia`, each a snapshot of the ring's.
macro_rules! state_accessors {
    () => {
        /// Whether the ring is closed (values accepted before the close may still be left to
        /// pop).
        ///
        /// ```
        /// let (tx, rx) = ryker_core::ring::split::<u8>(4).unwrap();
        /// assert!(!tx.is_closed() && !rx.is_closed());
        /// rx.close();
        /// assert!(tx.is_closed() && rx.is_closed());
        /// ```
        #[inline]
        pub fn is_closed(&self) -> bool {
            self.shared.ring.is_closed()
        }

        /// Number of values in the ring, as [`Ring::len`]: a snapshot that counts pushes
        /// still in progress (claimed, not yet written), so `try_pop` may answer `Empty`
        /// while this says 1.
        ///
        /// ```
        /// let (tx, rx) = ryker_core::ring::split(4).unwrap();
        /// tx.try_push('a').unwrap();
        /// assert_eq!((tx.len(), rx.len()), (1, 1));
        /// ```
        pub fn len(&self) -> usize {
            self.shared.ring.len()
        }

        /// Whether the ring holds no value, pushes in progress counted (a snapshot, see
        /// `len`).
        ///
        /// ```
        /// let (tx, mut rx) = ryker_core::ring::split(4).unwrap();
        /// tx.try_push('a').unwrap();
        /// assert!(!rx.is_empty());
        /// rx.try_pop().unwrap();
        /// assert!(rx.is_empty() && tx.is_empty());
        /// ```
        pub fn is_empty(&self) -> bool {
            self.shared.ring.is_empty()
        }

        /// Whether every slot is occupied (a snapshot).
        ///
        /// ```
        /// let (tx, rx) = ryker_core::ring::split(1).unwrap();
        /// tx.try_push('a').unwrap();
        /// assert!(tx.is_full() && rx.is_full());
        /// ```
        pub fn is_full(&self) -> bool {
            self.shared.ring.is_full()
        }

        /// The number of slots.
        ///
        /// ```
        /// let (tx, rx) = ryker_core::ring::split::<u8>(8).unwrap();
        /// assert_eq!((tx.capacity(), rx.capacity()), (8, 8));
        /// ```
        pub fn capacity(&self) -> usize {
            self.shared.ring.capacity()
        }

        /// Whether slots are wiped after every value leaves them (`split_with_amnesia`,
        /// feature `amnesia`).
        ///
        /// ```
        /// let (tx, rx) = ryker_core::ring::split::<u8>(8).unwrap();
        /// assert!(!tx.amnesia() && !rx.amnesia());
        /// ```
        pub fn amnesia(&self) -> bool {
            self.shared.ring.amnesia()
        }
    };
}

/// The pushing end of a [`split`] ring. Clone it for more producers: one clone per pushing
/// thread. (A handle shared by reference counts as one producer, and a lone producer
/// prefetches the slots ahead, which with several threads pushing costs more than it saves.)
pub struct Producer<T> {
    shared: Arc<Shared<T>>,
}

/// The popping end of a [`split`] ring: there is exactly one.
pub struct Consumer<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Producer<T> {
    /// Attempts to push `value` without waiting.
    ///
    /// # Errors
    /// [`PushError::Full`] when every slot is occupied, [`PushError::Closed`] when the ring is
    /// closed (by [`close`](Self::close), or because the consumer is gone); the value is
    /// handed back in both.
    ///
    /// ```
    /// use ryker_core::error::PushError;
    /// let (tx, mut rx) = ryker_core::ring::split(1).unwrap();
    /// assert_eq!(tx.try_push("a"), Ok(()));
    /// assert_eq!(tx.try_push("b"), Err(PushError::Full("b")));
    /// assert_eq!(rx.try_pop(), Ok("a"));
    /// assert_eq!(tx.try_push("b"), Ok(()));
    /// ```
    #[inline]
    pub fn try_push(&self, value: T) -> Result<(), PushError<T>> {
        // The single-consumer claim itself, not `Ring::claim` (which picks it at run time):
        // the ring is always single-consumer here, and a second caller of `Ring::claim` for
        // the same `T` made LLVM stop inlining it into the mailbox's `try_send` (measured:
        // the `enqueue_dequeue` gate 253.3 → 274.3 instructions per op in a binary with both).
        match self.shared.ring.claim_single_consumer() {
            Ok(claim) => {
                // A lone producer streams into the slots ahead: fetch the next ones' lines
                // early (`Ring::prefetch_ahead`), where the ring prefetches at all. A hint
                // only, left out of the loom build.
                // Relaxed: a hint; nothing is read through it.
                #[cfg(not(ryker_loom))]
                if self.shared.ring.prefetches()
                    && self.shared.producers.load(Ordering::Relaxed) == 1
                {
                    self.shared.ring.prefetch_ahead(&claim);
                }
                claim.publish(value);
                Ok(())
            }
            Err(super::ClaimError::Full) => Err(PushError::Full(value)),
            Err(super::ClaimError::Closed) => Err(PushError::Closed(value)),
        }
    }

    /// Closes the ring (as [`Ring::close`]): every later push fails; what was accepted stays
    /// poppable. Returns `true` if this call closed it.
    ///
    /// ```
    /// use ryker_core::error::{PushError, TryPopError};
    /// let (tx, mut rx) = ryker_core::ring::split(4).unwrap();
    /// tx.try_push(1).unwrap();
    /// assert!(tx.close());
    /// assert_eq!(tx.try_push(2), Err(PushError::Closed(2)));
    /// assert_eq!(rx.try_pop(), Ok(1));
    /// assert_eq!(rx.try_pop(), Err(TryPopError::Closed));
    /// ```
    pub fn close(&self) -> bool {
        self.shared.close()
    }

    state_accessors!();
}

impl<T> Clone for Producer<T> {
    fn clone(&self) -> Self {
        // Relaxed: a new producer is made from a live one, so the count cannot reach 0 in
        // between (as `Arc::clone`); nothing is published through the count.
        self.shared.producers.fetch_add(1, Ordering::Relaxed);
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> Drop for Producer<T> {
    fn drop(&mut self) {
        // AcqRel, as `Arc`'s drop: the last producer's close comes after every other
        // producer's drop. (The ring does not rely on it: a claim either wins its CAS on the
        // tail word before the close's RMW on that word, and is delivered, or fails.)
        if self.shared.producers.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.close();
        }
    }
}

impl<T> Consumer<T> {
    /// Pops the oldest published value without waiting.
    ///
    /// # Errors
    /// [`TryPopError::Empty`] when nothing is ready (including a value whose push is still in
    /// progress: it is popped by a later call); [`TryPopError::Closed`] once the ring is closed
    /// and every accepted value has been popped: nothing more will come.
    ///
    /// ```
    /// use ryker_core::error::TryPopError;
    /// let (tx, mut rx) = ryker_core::ring::split(4).unwrap();
    /// tx.try_push(1).unwrap();
    /// tx.try_push(2).unwrap();
    /// assert_eq!(rx.try_pop(), Ok(1)); // oldest first
    /// assert_eq!(rx.try_pop(), Ok(2));
    /// assert_eq!(rx.try_pop(), Err(TryPopError::Empty));
    /// ```
    #[inline]
    pub fn try_pop(&mut self) -> Result<T, TryPopError> {
        // Only plain pushes reach this ring (no permits, no evictions), so there is no
        // `SKIP` or `RESERVED` slot to step over; they are handled all the same.
        loop {
            match self.pop() {
                Pop::Value(value) => return Ok(value),
                Pop::Skipped => continue,
                Pop::Empty | Pop::NotReady | Pop::Held => return Err(TryPopError::Empty),
                Pop::Closed => return Err(TryPopError::Closed),
            }
        }
    }

    /// Pops up to `limit` values into `out`, oldest first, without waiting; returns how many.
    /// 0 means empty or closed: [`try_pop`](Self::try_pop) tells which (or returns a value
    /// that arrived meanwhile).
    ///
    /// ```
    /// let (tx, mut rx) = ryker_core::ring::split(8).unwrap();
    /// for i in 0..5 { tx.try_push(i).unwrap(); }
    /// let mut out = Vec::new();
    /// assert_eq!(rx.pop_batch(&mut out, 3), 3);
    /// assert_eq!(out, [0, 1, 2]);
    /// ```
    pub fn pop_batch<E: Extend<T>>(&mut self, out: &mut E, limit: usize) -> usize {
        let mut taken = 0;
        while taken < limit {
            match self.pop() {
                Pop::Value(value) => {
                    out.extend(core::iter::once(value));
                    taken += 1;
                }
                Pop::Skipped => {}
                Pop::Empty | Pop::NotReady | Pop::Held | Pop::Closed => break,
            }
        }
        taken
    }

    /// Closes the ring (as [`Ring::close`]): every later push fails; what was accepted can
    /// still be popped. Returns `true` if this call closed it.
    ///
    /// ```
    /// use ryker_core::error::{PushError, TryPopError};
    /// let (tx, mut rx) = ryker_core::ring::split(4).unwrap();
    /// tx.try_push(1).unwrap();
    /// assert!(rx.close());
    /// assert_eq!(tx.try_push(2), Err(PushError::Closed(2)));
    /// assert_eq!(rx.try_pop(), Ok(1));
    /// assert_eq!(rx.try_pop(), Err(TryPopError::Closed));
    /// ```
    pub fn close(&self) -> bool {
        self.shared.close()
    }

    state_accessors!();

    #[inline(always)]
    fn pop(&mut self) -> Pop<T> {
        // Relaxed: the flag only picks the empty check (see `Shared::close` for why it needs
        // no ordering of its own). Until it is seen the ring counts as open, and a slot not
        // yet written is "empty" without a look at `tail` (see the field); once it is seen,
        // the fenced check finds the closed bit, and the end when `head` has caught up with
        // the closed `tail`. A close made by this thread, or one ordered before this call
        // (a joined producer thread, an `is_closed()` that said true), is always seen.
        // Broken twin `split_open` (loom suite only) never looks at the flag: the consumer
        // then never reports the end.
        let closed = self.shared.closed.load(Ordering::Relaxed) && !broken_twin!("split_open");
        let check = if closed {
            EmptyCheck::Fenced
        } else {
            EmptyCheck::Open
        };
        // SAFETY: the ring was built single-consumer (`split_built`), and this is its only
        // consumer: `Consumer` is not `Clone`, this takes `&mut self`, and nothing else pops or
        // forces (the producers only claim).
        unsafe { self.shared.ring.pop_slot_exclusive(check) }
    }
}

impl<T> Drop for Consumer<T> {
    fn drop(&mut self) {
        // Refuse later pushes (they get their value back), then drop what is left now rather
        // than when the last producer goes. A push claimed before the close and published
        // after this loop is dropped with the ring (`Ring::drop`).
        self.shared.close();
        loop {
            match self.pop() {
                Pop::Value(value) => drop(value),
                Pop::Skipped => {}
                Pop::Empty | Pop::NotReady | Pop::Held | Pop::Closed => break,
            }
        }
    }
}

impl<T> fmt::Debug for Producer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer")
            .field("ring", &self.shared.ring)
            .finish()
    }
}

impl<T> fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer")
            .field("ring", &self.shared.ring)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use alloc::vec::Vec;
    use core::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering as StdOrdering};

    #[cfg(not(miri))]
    use super::super::tests::Bomb;
    use super::super::tests::Counted;
    use super::*;

    #[test]
    fn capacity_zero_is_a_config_error_naming_the_field() {
        let err = split::<u8>(0).unwrap_err();
        assert_eq!(err.field(), "capacity");
        assert!(split::<u8>(super::super::MAX_CAPACITY + 1).is_err());
    }

    #[test]
    fn full_hands_the_value_back_and_a_pop_makes_room() {
        let (tx, mut rx) = split(2).unwrap();
        tx.try_push(1).unwrap();
        tx.try_push(2).unwrap();
        assert!(tx.is_full());
        assert_eq!(tx.try_push(3), Err(PushError::Full(3)));
        assert_eq!(rx.try_pop(), Ok(1));
        tx.try_push(3).unwrap();
        assert_eq!(rx.len(), 2);
        assert_eq!(rx.try_pop(), Ok(2));
        assert_eq!(rx.try_pop(), Ok(3));
        assert_eq!(rx.try_pop(), Err(TryPopError::Empty));
        assert!(rx.is_empty());
    }

    #[test]
    fn the_last_producer_to_go_closes_and_the_consumer_drains_first() {
        let (tx, mut rx) = split(4).unwrap();
        let tx2 = tx.clone();
        tx.try_push(1).unwrap();
        drop(tx);
        // One producer left: still open.
        assert!(!rx.is_closed());
        assert_eq!(rx.try_pop(), Ok(1));
        assert_eq!(rx.try_pop(), Err(TryPopError::Empty));
        tx2.try_push(2).unwrap();
        drop(tx2);
        assert!(rx.is_closed());
        assert_eq!(rx.try_pop(), Ok(2));
        // The end, seen at once by the thread that dropped the last producer.
        assert_eq!(rx.try_pop(), Err(TryPopError::Closed));
        assert_eq!(rx.try_pop(), Err(TryPopError::Closed));
    }

    #[test]
    fn a_close_from_either_side_refuses_later_pushes() {
        let (tx, mut rx) = split(4).unwrap();
        tx.try_push(1).unwrap();
        assert!(rx.close());
        assert!(!tx.close()); // already closed
        assert_eq!(tx.try_push(2), Err(PushError::Closed(2)));
        assert_eq!(rx.try_pop(), Ok(1));
        assert_eq!(rx.try_pop(), Err(TryPopError::Closed));

        let (tx, mut rx) = split(4).unwrap();
        tx.try_push(1).unwrap();
        assert!(tx.close());
        assert_eq!(tx.try_push(2), Err(PushError::Closed(2)));
        let mut out = Vec::new();
        assert_eq!(rx.pop_batch(&mut out, 8), 1);
        assert_eq!(out, [1]);
        assert_eq!(rx.try_pop(), Err(TryPopError::Closed));
    }

    #[test]
    fn the_consumers_drop_drops_what_is_queued_and_refuses_the_rest() {
        let drops = StdAtomicUsize::new(0);
        let (tx, rx) = split(4).unwrap();
        for i in 0..3 {
            assert!(tx.try_push(Counted(i, &drops)).is_ok());
        }
        drop(rx);
        // Dropped by the consumer's drop, while a producer still holds the ring.
        assert_eq!(drops.load(StdOrdering::Relaxed), 3);
        assert!(tx.is_closed());
        match tx.try_push(Counted(9, &drops)) {
            Err(PushError::Closed(value)) => assert_eq!(value.0, 9),
            other => panic!("expected Closed, got {:?}", other.err()),
        }
        assert_eq!(drops.load(StdOrdering::Relaxed), 4);
        drop(tx);
        assert_eq!(drops.load(StdOrdering::Relaxed), 4);
    }

    #[cfg(not(miri))] // unwinding through a destructor under Miri is slow; the logic is the same
    #[test]
    fn a_destructor_that_panics_in_the_consumers_drop_loses_nothing() {
        let drops = StdAtomicUsize::new(0);
        let (tx, rx) = split(4).unwrap();
        for i in 0..4 {
            assert!(tx.try_push(Bomb(i, &drops)).is_ok());
        }
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(rx)));
        assert!(result.is_err(), "the panic goes on");
        // The drain stopped at the panic: values 0 and 1 are gone, 2 and 3 are still queued.
        assert_eq!(drops.load(StdOrdering::Relaxed), 2);
        // The ring was closed before the drain: a push is refused and gets its value back.
        match tx.try_push(Bomb(9, &drops)) {
            Err(PushError::Closed(value)) => assert_eq!(value.0, 9),
            other => panic!("expected Closed, got {:?}", other.err()),
        }
        assert_eq!(drops.load(StdOrdering::Relaxed), 3);
        // The last handle drops the ring, and with it the two values left.
        drop(tx);
        assert_eq!(drops.load(StdOrdering::Relaxed), 5);
    }

    #[test]
    fn values_left_when_both_sides_go_are_dropped_once() {
        let drops = StdAtomicUsize::new(0);
        let (tx, mut rx) = split(3).unwrap();
        for i in 0..3 {
            assert!(tx.try_push(Counted(i, &drops)).is_ok());
        }
        assert_eq!(rx.try_pop().map(|c| c.0).ok(), Some(0));
        assert_eq!(drops.load(StdOrdering::Relaxed), 1);
        drop(tx); // closes; two values still queued
        drop(rx);
        assert_eq!(drops.load(StdOrdering::Relaxed), 3);
    }

    #[test]
    fn every_value_arrives_once_in_each_producers_order_across_laps() {
        const PRODUCERS: u32 = 3;
        // Under Miri (threads run one at a time, some 10^4 times slower) twelve each still
        // lap the largest ring four times, with the producers finding it full and retrying,
        // through the same push, batch-pop and close paths as thousands.
        const EACH: u32 = if cfg!(miri) { 12 } else { 20_000 };
        for capacity in [1, 2, 8] {
            let (tx, mut rx) = split(capacity).unwrap();
            let threads: Vec<_> = (0..PRODUCERS)
                .map(|p| {
                    let tx = tx.clone();
                    std::thread::spawn(move || {
                        for i in 0..EACH {
                            let mut value = (p, i);
                            loop {
                                match tx.try_push(value) {
                                    Ok(()) => break,
                                    Err(PushError::Full(back)) => value = back,
                                    Err(e) => panic!("{e}"),
                                }
                                std::thread::yield_now();
                            }
                        }
                    })
                })
                .collect();
            drop(tx);
            let mut next = [0u32; PRODUCERS as usize];
            let mut batch = Vec::new();
            let mut idle = 0u32;
            loop {
                batch.clear();
                if rx.pop_batch(&mut batch, 4) == 0 {
                    match rx.try_pop() {
                        Ok(value) => batch.push(value),
                        Err(TryPopError::Empty) => {
                            // Every producer has returned, so its handle is dropped and the
                            // ring closed: the end must show up (a guard against a hang, not
                            // a timing).
                            if threads.iter().all(|t| t.is_finished()) {
                                idle += 1;
                                assert!(idle < 100_000, "the end was never reported");
                            }
                            std::thread::yield_now();
                            continue;
                        }
                        Err(_) => break,
                    }
                }
                for &(p, i) in &batch {
                    assert_eq!(i, next[p as usize], "producer {p} out of order");
                    next[p as usize] += 1;
                }
            }
            for t in threads {
                t.join().unwrap();
            }
            assert_eq!(next, [EACH; PRODUCERS as usize], "capacity {capacity}");
        }
    }

    #[cfg(feature = "amnesia")]
    #[test]
    fn amnesia_wipes_popped_and_drained_slots() {
        let (tx, mut rx) = split_with_amnesia(2).unwrap();
        assert!(tx.amnesia());
        tx.try_push([0xAB_u8; 48]).unwrap();
        tx.try_push([0xCD_u8; 48]).unwrap();
        assert_eq!(rx.try_pop(), Ok([0xAB; 48]));
        assert_eq!(tx.shared.ring.raw_slot_bytes(0), [0; 48]);
        assert_eq!(tx.shared.ring.raw_slot_bytes(1), [0xCD; 48]);
        drop(rx); // drains the other one
        assert_eq!(tx.shared.ring.raw_slot_bytes(1), [0; 48]);

        // Without amnesia the bytes stay behind (so the checks above can fail).
        let (tx, mut rx) = split(1).unwrap();
        tx.try_push([0xEE_u8; 48]).unwrap();
        assert_eq!(rx.try_pop(), Ok([0xEE; 48]));
        assert_eq!(tx.shared.ring.raw_slot_bytes(0), [0xEE; 48]);
    }
}
