//! The bounded ring: a multi-producer multi-consumer array queue in the style of Dmitry
//! Vyukov's bounded MPMC queue, with crossbeam's lap-carrying positions and a closed bit folded
//! into the tail word.
//!
//! # Algorithm
//! `head` and `tail` are positions (see `stamp.rs`); every slot carries a stamp `lap | state`.
//! A producer *claims* the slot at `tail` when its stamp says "empty, waiting for this lap" by
//! moving `tail` forward with a CAS, writes the value, and *publishes* it by storing
//! `lap | FULL` with Release. A consumer takes the slot at `head` when its stamp says "full in
//! this lap" by moving `head` forward with a CAS, moves the value out, and frees the slot for the
//! next lap by storing `next_lap | EMPTY` with Release. The stamps order every access to a
//! slot's memory; `head` and `tail` only decide who owns which slot.
//!
//! # Single consumer
//! A ring built for one consumer (`Ring::build`; the mailbox's, unless its policy is
//! `DropOldest`, whose senders evict) frees slots without writing them. The consumer moves the
//! value out and only then moves `head` past the slot, with a Release store; the stamp keeps
//! its `lap | FULL`. A producer knows the slot at `tail` is free once `head` is past the
//! position the slot held a lap before, and reads that from `head_seen`, a copy of `head` on
//! the producers' own cache line, going to `head` itself only when the copy says "not yet"
//! (and refreshing the copy once its claim has succeeded: see `claim_single_consumer`).
//! So the producer never reads a slot before writing it, and the consumer never writes a line
//! the producers are about to write (in the shared ring both happen on every slot of every
//! lap). The stamps still carry each publish (`FULL`, `SKIP`, `RESERVED`) to the consumer,
//! which tells "not written yet" by the slot's stamp still being in the previous lap.
//!
//! [`split`] hands out such a ring as a [`Producer`] (`Clone`) and its one [`Consumer`] (not
//! `Clone`, popping through `&mut self`), which is what makes the single consumer a fact the
//! compiler checks rather than a caller's promise.
//!
//! # Progress
//! Lock-free except for one window: a producer that has claimed a slot but not yet published it
//! (or a consumer that has taken one but not yet freed it) holds that slot, and the operations
//! that reach the slot after it cannot complete until it does. ryker never waits for that
//! window without bound: `try_pop` reports the slot as not ready (`None`), `try_push` reports
//! the ring as full, after a short bounded backoff. A thread preempted inside the window
//! therefore delays the values behind its slot, never loses them.
//!
//! # Closing
//! `close` sets the closed bit in `tail` with one `fetch_or`. Every later claim fails (its CAS
//! expects a tail without the bit). Claims made before the close stay valid and are published
//! as usual, so consumers drain everything that was accepted and only then see the end:
//! "closed" is reported only when `head` has caught up with the final `tail`. A forced push
//! that has already evicted the oldest value counts as such a claim (it took its slot at the
//! eviction): the close does not refuse it, and the end waits for its publish (see `force`).

mod slot;
#[cfg(feature = "alloc")]
mod split;
pub(crate) mod stamp;
mod storage;

use core::fmt;
use core::marker::PhantomData;

#[cfg(feature = "alloc")]
pub(crate) use self::slot::wipe_spare;
#[cfg(all(feature = "std", feature = "amnesia"))]
pub(crate) use self::slot::zero_volatile;
pub use self::slot::Slot;
#[cfg(all(feature = "alloc", feature = "amnesia"))]
pub use self::split::split_with_amnesia;
#[cfg(feature = "alloc")]
pub use self::split::{split, Consumer, Producer};
pub(crate) use self::stamp::CAPACITY_RANGE;
pub use self::stamp::MAX_CAPACITY;
pub use self::storage::{Heap, Inline, Storage};

use self::stamp::{Layout, EMPTY, FULL, RESERVED, SKIP};
use crate::error::{ConfigError, ForcePushError};
use crate::metrics::{flips, note_flip, read_flips, Counter};
#[cfg(not(ryker_loom))]
use crate::sync::Prefetch;
use crate::sync::{broken_twin, fence, AtomicUsize, Backoff, CachePadded, Ordering};

/// How many slots past its own a lone producer prefetches (`Ring::prefetch_ahead`).
#[cfg(not(ryker_loom))]
const PREFETCH_AHEAD: usize = 4;

/// A bounded multi-producer multi-consumer ring.
///
/// `Ring<T>` keeps its slots on the heap ([`Ring::with_capacity`]); [`StaticRing<T, N>`] keeps
/// them inline and has a `const fn new`, for `static` rings without an allocator. Both run the
/// same code.
///
/// ```
/// use ryker_core::ring::Ring;
///
/// let ring = Ring::with_capacity(2).unwrap();
/// assert_eq!(ring.try_push(1), Ok(()));
/// assert_eq!(ring.try_push(2), Ok(()));
/// assert_eq!(ring.try_push(3), Err(3)); // full
/// assert_eq!(ring.force_push(3), Ok(Some(1))); // displaces the oldest
/// assert_eq!(ring.try_pop(), Some(2));
/// ring.close();
/// assert_eq!(ring.try_push(4), Err(4)); // closed
/// assert_eq!(ring.try_pop(), Some(3)); // what was accepted is still delivered
/// assert_eq!(ring.try_pop(), None);
/// ```
pub struct Ring<T, S: Storage<T> = Heap> {
    /// Next position to pop. Moved by consumers, and by `force_push` when it evicts. In a
    /// single-consumer ring it is also what frees slots (see `single_consumer`).
    head: CachePadded<AtomicUsize>,
    /// The producers' line: `tail`, and the copy of `head` they read it through.
    tail: CachePadded<TailLine>,
    layout: Layout,
    /// The ring has one consumer, which frees a slot by moving `head` past it, after it has
    /// moved the value out, instead of writing the slot's stamp for the next lap; nothing
    /// evicts (`force` is never called). Fixed at construction (`Ring::build`): the mailbox's
    /// receiver, when the policy is not `DropOldest`. See "Single consumer" in the module docs.
    single_consumer: bool,
    /// Wipe slot memory after every value leaves it.
    amnesia: bool,
    /// How a lone producer prefetches the slot ahead (`prefetch_ahead`): chosen when the ring
    /// is built (`Prefetch::for_ring`), so that a claim reads the ring's own byte rather than
    /// a `static` behind the global offset table.
    #[cfg(not(ryker_loom))]
    prefetch: Prefetch,
    /// `SKIP` slots that `head` has passed (statistics; touched only on that rare path).
    skipped: Counter,
    /// Flips of the top bit of `tail` and of `head` (statistics: 64-bit ordinals on targets
    /// whose positions can wrap; see `metrics::WRAPS`). Touched once per half word of steps.
    tail_flips: AtomicUsize,
    head_flips: AtomicUsize,
    slots: S::Slots,
    _owns: PhantomData<T>,
}

/// `tail` and, on the same cache line, the producers' copy of `head`.
struct TailLine {
    /// Next position to claim, with the closed bit. Moved by producers; `close` sets the bit.
    pos: AtomicUsize,
    /// A value `head` had (single-consumer rings only): a producer reads it instead of `head`,
    /// the consumer's line, and refreshes it from `head` when it says the slot is not free yet.
    /// Positions only move forward, so a stale copy only ever says "not free yet".
    head_seen: AtomicUsize,
}

impl TailLine {
    #[cfg(not(ryker_loom))]
    const fn new(start: usize) -> Self {
        Self {
            pos: AtomicUsize::new(start),
            head_seen: AtomicUsize::new(start),
        }
    }

    #[cfg(ryker_loom)]
    fn new(start: usize) -> Self {
        Self {
            pos: AtomicUsize::new(start),
            head_seen: AtomicUsize::new(start),
        }
    }
}

/// A ring whose `N` slots live inline: `static RING: StaticRing<u32, 64> = StaticRing::new();`
///
/// ```
/// use ryker_core::ring::StaticRing;
/// static EVENTS: StaticRing<u32, 64> = StaticRing::new();
/// let producer = std::thread::spawn(|| for i in 0..10 { EVENTS.try_push(i).unwrap() });
/// producer.join().unwrap();
/// let mut out = Vec::new();
/// EVENTS.pop_batch(&mut out, 64);
/// assert_eq!(out, (0..10).collect::<Vec<_>>());
/// ```
pub type StaticRing<T, const N: usize> = Ring<T, Inline<N>>;

// SAFETY: values of `T` are moved into the ring by one thread and out by another, so the ring
// may be sent or shared across threads when `T: Send`; slot memory is only touched by the one
// thread that owns the slot (claim or take, ordered by the stamps), so `T: Sync` is not needed.
unsafe impl<T: Send, S: Storage<T>> Send for Ring<T, S> {}
// SAFETY: as above.
unsafe impl<T: Send, S: Storage<T>> Sync for Ring<T, S> {}

/// What one attempt to take the slot at `head` found.
#[derive(Debug)]
pub(crate) enum Pop<T> {
    /// A value, now owned by the caller.
    Value(T),
    /// A slot whose claim was given up; it is freed and `head` moved past it.
    Skipped,
    /// Nothing claimed and not closed.
    Empty,
    /// Nothing left and closed: the end.
    Closed,
    /// The next slot is claimed but not yet published (or the ring is in the middle of another
    /// thread's step); the value is coming.
    NotReady,
    /// The next slot is held by a permit (`Claim::hold`): its holder publishes when it likes,
    /// and follows the publish with a SeqCst fence (see `mailbox/mod.rs`).
    Held,
}

/// How a pop that finds its slot not yet written tells "empty" from "a claim in flight"
/// (`pop_impl`): whether it issues its own SeqCst fence before it reads `tail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EmptyCheck {
    /// With its own fence: an "empty" that a push racing on a full ring cannot also miss (the
    /// pairing with `claim_slot`'s full check). For answers a caller passes on as they are:
    /// `try_pop`, `try_recv`, the drop's discard.
    Fenced,
    /// Without it, for a receiver whose "empty" never stands on its own: either it has just
    /// issued a SeqCst fence itself, with no store of its own since (the re-check after
    /// registering its waker: that fence already orders this `tail` load, see
    /// `mailbox/mod.rs`), or an "empty" only sends it to register and re-check after such a
    /// fence (the first look of a poll). A stale `tail` can then only make it report `Empty`
    /// or `NotReady` for a message that is there, which the re-check after the fence finds. `Closed` needs no fence: the
    /// closed bit is set by an RMW on `tail` itself, so a `tail` that carries it carries
    /// every claim before the close.
    CallerFenced,
    /// Neither a fence nor a look at `tail`: a slot not yet written for this lap is reported as
    /// `Empty` from its stamp alone, never as `Closed`. For the split ring's consumer while it
    /// has not seen the flag stored just before every close (`split.rs`), and for the
    /// mailbox's blocking receiver while it spins before registering
    /// (`Receiver::blocking_recv_many`, whose registration then reads `tail` after a fence):
    /// their "empty" pairs with nothing, and `tail` stays on the producers' core. (The caller
    /// cannot tell "empty" from "a push in flight" here; both read as empty.)
    Open,
}

/// Why a claim failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClaimError {
    /// Every slot is occupied (or still being freed after the bounded backoff).
    Full,
    /// The ring is closed.
    Closed,
}

/// Where [`Ring::claim_slot`] stopped without a claim.
enum Stopped<R> {
    /// The ring is closed; nothing was touched.
    Closed,
    /// The slot at `tail` stayed occupied through the bounded wait.
    WaitedOut,
    /// The caller's `on_full` chose to stop here.
    Full(R),
}

/// What a caller of [`Ring::claim_slot`] does about a slot that still holds the previous lap.
enum OnFull<R> {
    /// Stop with this.
    Stop(R),
    /// Wait (boundedly) for a consumer that is still freeing the slot, then look again.
    Wait,
}

/// The slot at `tail` as [`Ring::claim_slot`] found it: still in the previous lap, seen after
/// the SeqCst fence together with `head`.
struct FullSlot<'a, T> {
    tail: usize,
    head: usize,
    lap: usize,
    stamp: usize,
    slot: &'a Slot<T>,
}

/// What a forced claim found ([`Ring::force_claim`]): a slot, or why there is none.
pub(crate) enum ForceClaim<'a, T> {
    /// A slot to publish into, and the oldest value if one was displaced to free it.
    Claimed(Claim<'a, T>, Option<T>),
    /// A claimed-but-unpublished slot was the oldest: nothing to evict yet.
    Busy,
    /// Closed, and the ring untouched.
    Closed,
}

/// What a forced push did when it failed.
#[derive(Debug)]
pub(crate) enum Forced<T> {
    /// Accepted; carries the displaced oldest value if one was displaced.
    Pushed(Option<T>),
    /// A claimed-but-unpublished slot was the oldest: nothing to evict yet.
    Busy(T),
    /// Closed, and the ring untouched: the value is handed back.
    Closed(T),
}

/// Ownership of one claimed slot, between the claim and the publish.
///
/// Dropping it without [`Claim::publish`] marks the slot `SKIP`, so the consumer steps over it:
/// a claim can never leave a hole that blocks the ring forever.
pub(crate) struct Claim<'a, T> {
    slot: &'a Slot<T>,
    lap: usize,
}

// SAFETY: a claim is the exclusive owner of its slot until it publishes (moving a `T` in),
// so it may move between threads when `T: Send`; it exposes no shared access to the value.
unsafe impl<T: Send> Send for Claim<'_, T> {}
// SAFETY: `&Claim` allows nothing (every method takes `self`), so sharing it is harmless.
unsafe impl<T: Send> Sync for Claim<'_, T> {}

impl<T> fmt::Debug for Claim<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claim").field("lap", &self.lap).finish()
    }
}

impl<T> Claim<'_, T> {
    /// Marks the claimed slot as held by a permit (`RESERVED`), which may stay unpublished for
    /// as long as its holder likes: a consumer that finds it reports [`Pop::Held`] instead of
    /// [`Pop::NotReady`], so the mailbox's receiver parks instead of looking again.
    #[inline]
    pub(crate) fn hold(&self) {
        // Relaxed: the stamp carries no value here (a consumer neither reads nor frees the
        // slot because of it), and only the claim's own later Release store (the publish or
        // the SKIP) hands the slot on. Until a consumer sees this store it sees `EMPTY` with
        // `tail` past it, a claim in flight, and looks again.
        self.slot
            .stamp
            .store(self.lap | RESERVED, Ordering::Relaxed);
    }

    /// Writes `value` into the slot and publishes it.
    #[inline]
    pub(crate) fn publish(self, value: T) {
        // SAFETY: the claim owns the slot (it won the tail CAS after an Acquire load saw the
        // slot EMPTY for this lap, or, in a single-consumer ring, saw `head` past the slot's
        // previous position, directly or through the copy: either way the previous lap's
        // consumer is done with the memory), and nobody reads the value until the stamp below
        // says FULL.
        unsafe { self.slot.write(value) };
        // Release: pairs with the Acquire stamp load of the consumer (`pop_slot`) or evicting
        // producer (`force_push`), making the value write above visible before they read it.
        // Deliberately broken twin `publish` for the loom suite: a Relaxed publish lets the
        // consumer read the slot before the value is written. loom must find it.
        if broken_twin!("publish") {
            self.slot.stamp.store(self.lap | FULL, Ordering::Relaxed);
        } else {
            self.slot.stamp.store(self.lap | FULL, Ordering::Release);
        }
        core::mem::forget(self);
    }
}

impl<'a, T> Claim<'a, T> {
    /// Takes the claim off its borrow of `ring` (which must be the ring it was made by), for
    /// an owner that keeps the ring alive by other means: the mailbox's `OwnedPermit`, through
    /// its sender's `Arc`. [`Ring::reattach`] makes it a claim again.
    ///
    /// # Panics
    /// If the claim is not one of `ring`'s (a bug in the caller).
    pub(crate) fn detach<S: Storage<T>>(self, ring: &'a Ring<T, S>) -> DetachedClaim {
        let slots = ring.slots.as_ref();
        // Addresses only, never dereferenced: the slot's index from its offset. A `Slot` holds
        // its stamp, so it is never zero-sized.
        let offset = (self.slot as *const Slot<T> as usize).wrapping_sub(slots.as_ptr() as usize);
        let index = offset / core::mem::size_of::<Slot<T>>();
        assert!(
            slots
                .get(index)
                .is_some_and(|slot| core::ptr::eq(slot, self.slot)),
            "a claim detached from a ring that did not make it"
        );
        let detached = DetachedClaim {
            index,
            lap: self.lap,
        };
        // The slot stays ours, now through `detached`: no SKIP here.
        core::mem::forget(self);
        detached
    }
}

/// A run of claimed slots ([`Ring::claim_run`]): yields one [`Claim`] per slot, in order.
/// The claims it has not yielded when dropped are given up (each slot marked `SKIP`, as a
/// dropped `Claim` does).
pub(crate) struct ClaimRun<'a, T, S: Storage<T> = Heap> {
    ring: &'a Ring<T, S>,
    /// The position of the next claim to yield.
    pos: usize,
    /// How many claims are left to yield.
    left: usize,
}

impl<T, S: Storage<T>> ClaimRun<'_, T, S> {
    /// An empty run (nothing claimed), for a request of 0 slots.
    pub(crate) fn empty(ring: &Ring<T, S>) -> ClaimRun<'_, T, S> {
        ClaimRun {
            ring,
            pos: 0,
            left: 0,
        }
    }

    /// Marks every slot left in the run as held by a permit ([`Claim::hold`]).
    pub(crate) fn hold(&self) {
        let layout = self.ring.layout;
        let mut pos = self.pos;
        for _ in 0..self.left {
            // Relaxed: as `Claim::hold`'s store; only the claim's own later Release store
            // (the publish or the SKIP) hands the slot on.
            self.ring
                .slot(pos)
                .stamp
                .store(layout.lap(pos) | RESERVED, Ordering::Relaxed);
            pos = layout.next(pos);
        }
    }

    /// How many claims are left to yield.
    pub(crate) fn len(&self) -> usize {
        self.left
    }
}

impl<'a, T, S: Storage<T>> Iterator for ClaimRun<'a, T, S> {
    type Item = Claim<'a, T>;

    fn next(&mut self) -> Option<Claim<'a, T>> {
        if self.left == 0 {
            return None;
        }
        let ring = self.ring;
        let claim = Claim {
            slot: ring.slot(self.pos),
            lap: ring.layout.lap(self.pos),
        };
        self.pos = ring.layout.next(self.pos);
        self.left -= 1;
        Some(claim)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<T, S: Storage<T>> Drop for ClaimRun<'_, T, S> {
    fn drop(&mut self) {
        // Each claim not yielded is given up by its own drop (SKIP).
        for claim in self.by_ref() {
            drop(claim);
        }
    }
}

impl<T, S: Storage<T>> fmt::Debug for ClaimRun<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClaimRun")
            .field("left", &self.left)
            .finish_non_exhaustive()
    }
}

/// A [`Claim`] taken off its borrow of the ring ([`Claim::detach`]): the slot's index and the
/// claim's lap. Plain data, and not `Clone`: its owner turns it back into a claim with
/// [`Ring::reattach`] to publish or give the slot up. Dropped as it is, it leaves the slot
/// held for good, as a forgotten `Claim` does; its owner's `Drop` reattaches it instead.
#[derive(Debug)]
pub(crate) struct DetachedClaim {
    index: usize,
    lap: usize,
}

impl<T> Drop for Claim<'_, T> {
    fn drop(&mut self) {
        // Release: pairs with the Acquire stamp load of the consumer that steps over the slot.
        // No value was written, but in a shared ring the ordering chain must not break: the
        // previous lap's consumer freed the slot with a Release store we read with Acquire, and
        // the next lap's producer must see that free as happened-before its write. A Relaxed
        // store by another thread would not carry it (it does not continue a release
        // sequence). (In a single-consumer ring the chain runs through `head` instead; the
        // consumer's Acquire still keeps the SKIP from being read before our claim.)
        self.slot.stamp.store(self.lap | SKIP, Ordering::Release);
    }
}

#[cfg(feature = "alloc")]
impl<T> Ring<T, Heap> {
    /// A ring of `capacity` slots on the heap.
    ///
    /// # Errors
    /// [`ConfigError`] naming `capacity` when it is 0, above [`MAX_CAPACITY`], or more than the
    /// allocator can provide.
    ///
    /// ```
    /// use ryker_core::ring::Ring;
    /// assert!(Ring::<u64>::with_capacity(0).is_err());
    /// assert_eq!(Ring::<u64>::with_capacity(8).unwrap().capacity(), 8);
    /// ```
    pub fn with_capacity(capacity: usize) -> Result<Self, ConfigError> {
        Self::build(capacity, false, false, 0)
    }

    /// A ring of `capacity` slots that overwrites each slot's bytes with zeros after a value
    /// leaves it (popped, evicted, drained or dropped with the ring).
    ///
    /// ```
    /// use ryker_core::ring::Ring;
    /// let ring = Ring::with_amnesia(4).unwrap();
    /// assert!(ring.amnesia());
    /// ring.try_push([7u8; 32]).unwrap();
    /// assert_eq!(ring.try_pop(), Some([7u8; 32])); // the slot now holds only zeros
    /// ```
    ///
    /// # Errors
    /// As [`Ring::with_capacity`].
    #[cfg(feature = "amnesia")]
    pub fn with_amnesia(capacity: usize) -> Result<Self, ConfigError> {
        Self::build(capacity, true, false, 0)
    }

    /// The one heap constructor; `start` is the initial position (non-zero only in tests that
    /// start a ring just before its positions wrap around the word). `single_consumer` makes a
    /// ring whose only consumer is [`pop_slot_exclusive`](Self::pop_slot_exclusive) and that
    /// nothing evicts from (see the field).
    pub(crate) fn build(
        capacity: usize,
        amnesia: bool,
        single_consumer: bool,
        start: usize,
    ) -> Result<Self, ConfigError> {
        let layout =
            Layout::new(capacity).ok_or(ConfigError::capacity(capacity, CAPACITY_RANGE))?;
        if amnesia && !cfg!(feature = "amnesia") {
            return Err(ConfigError::amnesia_unavailable());
        }
        let start = layout.lap(start);
        let mut slots = alloc::vec::Vec::new();
        slots
            .try_reserve_exact(capacity)
            .map_err(|_| ConfigError::capacity_alloc(capacity))?;
        slots.extend((0..capacity).map(|_| Slot::new(start | EMPTY)));
        Ok(Self::from_parts(
            layout,
            amnesia,
            single_consumer,
            start,
            slots.into_boxed_slice(),
        ))
    }
}

impl<T, const N: usize> Ring<T, Inline<N>> {
    const LAYOUT: Layout = match Layout::new(N) {
        Some(layout) => layout,
        None => panic!("StaticRing capacity N must be in 1..=MAX_CAPACITY"),
    };

    /// An empty ring with `N` inline slots, usable in a `static`.
    ///
    /// `N` must be in `1..=MAX_CAPACITY`; anything else fails to compile.
    ///
    /// ```
    /// use ryker_core::ring::StaticRing;
    /// static RING: StaticRing<u32, 4> = StaticRing::new();
    /// RING.try_push(7).unwrap();
    /// assert_eq!(RING.try_pop(), Some(7));
    /// ```
    #[cfg(not(ryker_loom))]
    pub const fn new() -> Self {
        Self {
            head: CachePadded::new(AtomicUsize::new(0)),
            tail: CachePadded::new(TailLine::new(0)),
            layout: Self::LAYOUT,
            single_consumer: false,
            amnesia: false,
            // Built at compile time, before the CPU can be asked; nothing prefetches
            // through a static ring (only the mailbox's and `split`'s producers do).
            prefetch: Prefetch::Off,
            skipped: Counter::new(),
            tail_flips: AtomicUsize::new(0),
            head_flips: AtomicUsize::new(0),
            slots: [const { Slot::new(0) }; N],
            _owns: PhantomData,
        }
    }

    /// An empty ring with `N` inline slots (loom's atomics are not `const`).
    #[cfg(ryker_loom)]
    pub fn new() -> Self {
        Self::from_parts(
            Self::LAYOUT,
            false,
            false,
            0,
            core::array::from_fn(|_| Slot::new(0)),
        )
    }
}

impl<T, const N: usize> Default for Ring<T, Inline<N>> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, S: Storage<T>> Ring<T, S> {
    fn from_parts(
        layout: Layout,
        amnesia: bool,
        single_consumer: bool,
        start: usize,
        slots: S::Slots,
    ) -> Self {
        // The flip counters start at the top bit of the start position (see `metrics::flips`).
        let top = usize::from(start >> (usize::BITS - 1) != 0);
        Self {
            head: CachePadded::new(AtomicUsize::new(start)),
            tail: CachePadded::new(TailLine::new(start)),
            layout,
            single_consumer,
            amnesia,
            #[cfg(not(ryker_loom))]
            prefetch: Prefetch::for_ring(layout.capacity() >= PREFETCH_AHEAD),
            skipped: Counter::new(),
            tail_flips: AtomicUsize::new(top),
            head_flips: AtomicUsize::new(top),
            slots,
            _owns: PhantomData,
        }
    }

    #[inline]
    fn slot(&self, pos: usize) -> &Slot<T> {
        &self.slots.as_ref()[self.layout.index(pos)]
    }

    /// The claim that [`Claim::detach`] took off this ring, again.
    ///
    /// # Safety
    /// `claim` was detached from this ring (not another one with as many slots): the claim it
    /// becomes then owns its slot, as the original did, and writes it (`Claim::publish`).
    pub(crate) unsafe fn reattach(&self, claim: DetachedClaim) -> Claim<'_, T> {
        Claim {
            slot: &self.slots.as_ref()[claim.index],
            lap: claim.lap,
        }
    }

    /// Asks the CPU to fetch the slot [`PREFETCH_AHEAD`] places past `claim`'s, wrapping
    /// around the end of the slots, for writing where it can (the ring's [`Prefetch`]; a hint:
    /// nothing is read, written or ordered). For a producer that is the only one: it will
    /// claim that slot soon, and the slot's line was last touched by the consumer (read, a lap
    /// ago, and in a shared ring written: its stamp), so fetching it now overlaps the transfer
    /// with the work in between. With several producers the line is more likely another
    /// producer's next write, and taking it away from them costs more than it saves
    /// (measured: 4-producer rows 7-28% slower with it; for one producer, see
    /// docs/PERFORMANCE.md). The address stays inside the slots: a write prefetch of the line
    /// past their end would take it away from whichever core owns that unrelated memory.
    /// Called only where [`prefetches`](Self::prefetches) says so.
    #[cfg(not(ryker_loom))]
    #[inline]
    pub(crate) fn prefetch_ahead(&self, claim: &Claim<'_, T>) {
        debug_assert!(
            self.prefetches(),
            "a prefetch on a ring that does not prefetch"
        );
        self.prefetch.fetch(self.slot_ahead(claim.slot));
    }

    /// Whether a lone producer's claim prefetches the slot ahead (`prefetch_ahead`): the
    /// ring's [`Prefetch`], chosen when it was built.
    #[cfg(not(ryker_loom))]
    #[inline(always)]
    pub(crate) fn prefetches(&self) -> bool {
        self.prefetch.is_on()
    }

    /// The address [`PREFETCH_AHEAD`] slots past `slot` (one of ours), wrapped around the end.
    /// Only for a ring of at least that many slots (a ring with fewer never prefetches,
    /// `Prefetch::for_ring`): then one step back by the ring's length lands inside the slots.
    #[cfg(not(ryker_loom))]
    #[inline]
    fn slot_ahead(&self, slot: *const Slot<T>) -> *const Slot<T> {
        let slots = self.slots.as_ref();
        debug_assert!(
            slots.len() >= PREFETCH_AHEAD,
            "no prefetch with so few slots"
        );
        // Addresses only, never dereferenced: `wrapping_*` keeps them defined whatever they are.
        let ahead = slot.wrapping_add(PREFETCH_AHEAD);
        if ahead >= slots.as_ptr_range().end {
            ahead.wrapping_sub(slots.len())
        } else {
            ahead
        }
    }

    /// The claim's CAS: moves `tail` from `tail` (open) to the next position, or returns the
    /// word found instead (another claim, or the close, came first). Both claims go through
    /// it (`claim_slot`, `claim_single_consumer`); neither reads slot memory through it.
    #[inline(always)]
    fn advance_tail(&self, tail: usize) -> Result<(), usize> {
        let next = self.layout.next(tail);
        // SeqCst on success: the sender half of the mailbox's receiver wake-up (see
        // `mailbox/mod.rs`): a receiver whose re-check, after its SeqCst fence, reads `tail`
        // from before this CAS is ordered before it, so the sender's SeqCst load of the waker
        // state after the publish sees the registration. It costs nothing on x86 (every locked
        // RMW is a full barrier) and spares each send a separate fence. In a single-consumer
        // ring it also carries the copy of `head` from one claim to the next (see
        // `claim_single_consumer`). Relaxed on failure: only a fresh guess.
        match self
            .tail
            .pos
            .compare_exchange_weak(tail, next, Ordering::SeqCst, Ordering::Relaxed)
        {
            Ok(_) => {
                note_flip(&self.tail_flips, tail, next);
                Ok(())
            }
            Err(current) => Err(current),
        }
    }

    /// The claim skeleton that [`claim`](Self::claim) and [`force`](Self::force) share: take
    /// the slot at `tail` when it is empty in this lap; when it still holds the previous lap's
    /// entry, ask `on_full` (after the SeqCst fence, with `head` read) whether to stop there or to
    /// wait a little for a consumer that is still freeing it.
    ///
    /// Two backoffs: `contention` after a lost CAS or a stale `tail` (another producer made
    /// progress, so retrying is lock-free and never gives up), `wait` while the slot is still
    /// being freed or written (bounded: then [`Stopped::WaitedOut`], which a caller that must
    /// not wait reports as full or busy).
    #[inline(always)]
    fn claim_slot<'a, R>(
        &'a self,
        mut on_full: impl FnMut(FullSlot<'a, T>) -> OnFull<R>,
    ) -> Result<Claim<'a, T>, Stopped<R>> {
        let layout = self.layout;
        let mut contention = Backoff::new();
        let mut wait = Backoff::new();
        // Relaxed: a starting guess; the stamp load below validates it and the CAS settles it.
        let mut tail = self.tail.pos.load(Ordering::Relaxed);
        loop {
            if layout.is_closed(tail) {
                return Err(Stopped::Closed);
            }
            let lap = layout.lap(tail);
            let slot = self.slot(tail);
            // Acquire: pairs with the consumer's Release store of `lap | EMPTY` in `pop_slot`,
            // so its read of the previous value happens-before our write of the next one; and,
            // for `force`, with the previous lap's Release publish, whose value it may move out.
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == lap | EMPTY {
                // Access to slot memory is ordered by the stamp (Acquire above, Release at
                // publish); the CAS only takes the position.
                match self.advance_tail(tail) {
                    Ok(()) => return Ok(Claim { slot, lap }),
                    Err(current) => {
                        tail = current;
                        contention.spin();
                    }
                }
            } else if layout.lap(stamp) == layout.prev_lap(lap) {
                // The slot still holds the previous lap's entry: full, unless a consumer has
                // already moved `head` past it and is about to free it.
                // SeqCst fence: pairs with the fence in `pop_slot`'s empty check, so a push and
                // a pop racing on a full/empty ring cannot both miss each other's CAS (one of
                // them sees the other's update): "full" and "empty" are never reported at once.
                fence(Ordering::SeqCst);
                // Relaxed: ordered by the fence above.
                let head = self.head.load(Ordering::Relaxed);
                let full = FullSlot {
                    tail,
                    head,
                    lap,
                    stamp,
                    slot,
                };
                match on_full(full) {
                    OnFull::Stop(r) => return Err(Stopped::Full(r)),
                    OnFull::Wait if wait.is_completed() => return Err(Stopped::WaitedOut),
                    OnFull::Wait => wait.snooze(),
                }
                // Relaxed: a fresh guess, validated as above.
                tail = self.tail.pos.load(Ordering::Relaxed);
            } else {
                // The stamp is ahead of `tail`: another producer claimed this slot, so our tail
                // is stale and someone made progress. Relaxed: a fresh guess.
                contention.spin();
                tail = self.tail.pos.load(Ordering::Relaxed);
            }
        }
    }

    /// [`claim`](Self::claim) in a single-consumer ring: the slot at `tail` is free once
    /// `head` has moved past the position it held a lap before (the consumer moves `head`
    /// only after it has moved that value out), so the producer reads neither the slot nor,
    /// usually, the consumer's line: it checks the copy of `head` beside `tail`, and reads
    /// `head` itself only when that copy says "not yet". "Full" has no in-between state here
    /// (no consumer is ever halfway through freeing a slot), so there is no bounded wait.
    #[inline(always)]
    pub(crate) fn claim_single_consumer(&self) -> Result<Claim<'_, T>, ClaimError> {
        debug_assert!(
            self.single_consumer,
            "a single-consumer claim on a shared ring"
        );
        let layout = self.layout;
        let mut contention = Backoff::new();
        // Relaxed: a starting guess; the CAS settles it.
        let mut tail = self.tail.pos.load(Ordering::Relaxed);
        loop {
            if layout.is_closed(tail) {
                return Err(ClaimError::Closed);
            }
            // The position this slot held a lap ago: the slot is free once `head` is past it.
            let before = tail.wrapping_sub(layout.one_lap());
            // Relaxed: the copy is stored only after a successful claim (below), so a claim
            // made through it comes after that claim in `tail`'s modification order (one made
            // before could not read a store that follows it), and our claim CAS, an RMW in
            // the release sequence of that claim's CAS, synchronizes with it: the consumer's
            // read of the slot, its Release store of `head`, that producer's Acquire load of
            // `head`, its claim, ours, our write.
            let seen = self.tail.head_seen.load(Ordering::Relaxed);
            // `Some(head)` when we read `head` itself, to refresh the copy once we have claimed.
            let mut fresh = None;
            if !Layout::is_after(seen, before) {
                // Acquire: pairs with the consumer's Release store of `head`
                // (`pop_impl`, exclusive), made after it moved the slot's value out.
                let mut head = self.head.load(Ordering::Acquire);
                if !Layout::is_after(head, before) {
                    // SeqCst fence: pairs with the fence of the consumer's empty check
                    // (`pop_impl`), so a push and a pop racing on a full/empty ring cannot both
                    // miss each other's move ("full" and "empty" are never reported at once),
                    // and with the receiver's fence between moving `head` and reading the wait
                    // list (`Shared::notify_senders`): a sender that then waits for room was
                    // seen there, or sees the room here. (Not against a consumer that checks
                    // "empty" from the stamp alone, `EmptyCheck::Open`: the split ring's, on
                    // which nobody waits, and the mailbox's blocking receiver while it spins,
                    // before it registers. A push and such a pop may both miss each other for
                    // a moment, and each retries: the receiver's registration then re-checks
                    // `tail` after its own SeqCst fence (the wake-up protocol of
                    // `mailbox/mod.rs`), and a sender that waits for room is woken through
                    // `notify_senders`, whose fence pairs with this one as above.)
                    fence(Ordering::SeqCst);
                    // Acquire: as above; the fence orders it after our earlier accesses.
                    head = self.head.load(Ordering::Acquire);
                    if !Layout::is_after(head, before) {
                        // Full, unless `tail` moved on meanwhile (then our `before` is stale:
                        // a thread stalled here for half a word of positions would misread
                        // it). Relaxed: a fresh guess, as below.
                        let now = self.tail.pos.load(Ordering::Relaxed);
                        if now == tail {
                            return Err(ClaimError::Full);
                        }
                        tail = now;
                        contention.spin();
                        continue;
                    }
                }
                fresh = Some(head);
                // Broken twin `head_seen` (loom suite only): the copy stored before the claim,
                // Relaxed (see the store after the CAS).
                if broken_twin!("head_seen") {
                    self.tail.head_seen.store(head, Ordering::Relaxed);
                }
            }
            // The slot's memory is ordered by the Acquire loads above (the previous value is
            // gone), or through the copy as described there, and by the publish's Release
            // store (the new one is visible).
            match self.advance_tail(tail) {
                Ok(()) => {
                    if let Some(head) = fresh {
                        // Relaxed: see the load above. Only after the claim: our unpublished
                        // slot keeps `head` from passing it until we publish, so this copy is
                        // at most a lap behind `head` whenever it lands, even if we stall
                        // here; a copy stored before the claim could land arbitrarily late,
                        // and one more than half a word of positions old would read as
                        // "past" every slot. Broken twin `head_seen` (loom suite only)
                        // stores it before the claim.
                        if !broken_twin!("head_seen") {
                            self.tail.head_seen.store(head, Ordering::Relaxed);
                        }
                    }
                    return Ok(Claim {
                        slot: self.slot(tail),
                        lap: layout.lap(tail),
                    });
                }
                Err(current) => {
                    tail = current;
                    contention.spin();
                }
            }
        }
    }

    /// Claims the `n` slots from `tail` at once (`1..=capacity`), or none: one CAS moves
    /// `tail` past all of them, made only once every one of them is free. `Full` when fewer
    /// than `n` slots are free (in a shared ring, also while a consumer is still freeing one
    /// of them: no wait here).
    pub(crate) fn claim_run(&self, n: usize) -> Result<ClaimRun<'_, T, S>, ClaimError> {
        let layout = self.layout;
        debug_assert!((1..=layout.capacity()).contains(&n), "a run of {n} slots");
        let mut contention = Backoff::new();
        // Relaxed: a starting guess; `run_is_free` validates it and the CAS settles it.
        let mut tail = self.tail.pos.load(Ordering::Relaxed);
        loop {
            if layout.is_closed(tail) {
                return Err(ClaimError::Closed);
            }
            if !self.run_is_free(tail, n) {
                // Full, unless `tail` moved on meanwhile (then the check was about stale
                // positions). Relaxed: a fresh guess, validated as above.
                let now = self.tail.pos.load(Ordering::Relaxed);
                if now == tail {
                    return Err(ClaimError::Full);
                }
                tail = now;
                contention.spin();
                continue;
            }
            let next = layout.advance(tail, n);
            // SeqCst on success, as `advance_tail`'s: the claim's half of the receiver
            // wake-up, and the link that carries `head`'s copy from claim to claim in a
            // single-consumer ring (this CAS continues the release sequence of the last
            // claim's). Relaxed on failure: only a fresh guess.
            match self.tail.pos.compare_exchange_weak(
                tail,
                next,
                Ordering::SeqCst,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    note_flip(&self.tail_flips, tail, next);
                    return Ok(ClaimRun {
                        ring: self,
                        pos: tail,
                        left: n,
                    });
                }
                Err(current) => {
                    tail = current;
                    contention.spin();
                }
            }
        }
    }

    /// Whether the `n` slots from position `tail` are all free for their laps. A look that
    /// finds them taken fences (SeqCst) and looks once more, as a single claim's full check
    /// does, so a claim and a pop racing on a full/empty ring cannot both miss the other.
    fn run_is_free(&self, tail: usize, n: usize) -> bool {
        if self.run_looks_free(tail, n) {
            return true;
        }
        // SeqCst fence: pairs with the fence of the consumer's empty check (`pop_impl`) and
        // with the receiver's fence in `Shared::notify_senders`, as the full check of
        // `claim_single_consumer` and `claim_slot` does.
        fence(Ordering::SeqCst);
        self.run_looks_free(tail, n)
    }

    /// One look for [`run_is_free`](Self::run_is_free).
    fn run_looks_free(&self, tail: usize, n: usize) -> bool {
        let layout = self.layout;
        if self.single_consumer {
            // The last slot of the run is free once `head` has moved past the position it
            // held a lap before; the one consumer frees slots in order, so then all are.
            let before = layout.advance(tail, n - 1).wrapping_sub(layout.one_lap());
            // Acquire: pairs with the consumer's Release store of `head` (`pop_impl`,
            // exclusive), made after it moved the slot's value out: its reads of the slots
            // happen-before our writes.
            Layout::is_after(self.head.load(Ordering::Acquire), before)
        } else {
            // Consumers of a shared ring free slots out of order (each with its own stamp
            // store): every slot is looked at.
            (0..n).all(|k| {
                let pos = layout.advance(tail, k);
                // Acquire: pairs with the consumer's Release store of `lap | EMPTY`
                // (`pop_slot`), as in `claim_slot`.
                self.slot(pos).stamp.load(Ordering::Acquire) == layout.lap(pos) | EMPTY
            })
        }
    }

    /// Claims the slot at `tail` for one value.
    ///
    /// Fails with `Full` when the ring is full, or when the slot at `tail` is still being
    /// freed by a consumer after a bounded backoff (indistinguishable from full for a caller
    /// that must not wait).
    #[inline]
    pub(crate) fn claim(&self) -> Result<Claim<'_, T>, ClaimError> {
        if self.single_consumer {
            return self.claim_single_consumer();
        }
        let one_lap = self.layout.one_lap();
        self.claim_slot(|full| {
            if full.head.wrapping_add(one_lap) == full.tail {
                OnFull::Stop(())
            } else {
                OnFull::Wait
            }
        })
        .map_err(|stopped| match stopped {
            Stopped::Closed => ClaimError::Closed,
            Stopped::Full(()) | Stopped::WaitedOut => ClaimError::Full,
        })
    }

    /// How many slots a spinning producer or consumer waits for before it looks again in
    /// earnest (`head_looks_ready`, `tail_looks_free`): a quarter of the ring, 1 to 16.
    #[cfg(feature = "std")]
    #[inline]
    pub(crate) fn run_len(&self) -> usize {
        (self.layout.capacity() / 4).clamp(1, 16)
    }

    /// Whether the next `n` slots from `head` (`1..=capacity`) look taken care of by producers
    /// (published, or given up): a hint for a consumer that spins while the ring is empty (a
    /// blocking receive), or that waits for a run of messages by yielding (an async receive
    /// mid-stream, `Receiver::waits_for_run`). It
    /// reads only the stamp of the last of them, a line the producers write anyway, not `tail`,
    /// whose line every producer claims through: a spinning consumer that re-read `tail` would
    /// take that line away from them on every round. With `n > 1` the consumer also keeps off
    /// the slot a producer is writing right now, so a run of publishes goes on without a
    /// cache-line transfer for each. The pop that follows a `true` re-checks everything; a
    /// `false` only means "not yet" (it never reports the end, which only a pop whose empty
    /// check reads `tail` does: not `EmptyCheck::Open`).
    #[inline]
    pub(crate) fn head_looks_ready(&self, n: usize) -> bool {
        // Relaxed: a hint only; nothing is read through it (the pop re-loads with Acquire).
        let head = self.head.load(Ordering::Relaxed);
        let pos = self
            .layout
            .advance(head, n.clamp(1, self.layout.capacity()) - 1);
        // Relaxed: as above.
        let stamp = self.slot(pos).stamp.load(Ordering::Relaxed);
        if self.single_consumer {
            // Freed slots keep their previous lap's stamp: only this lap's FULL or SKIP says
            // a producer is done with the slot.
            self.layout.lap(stamp) == self.layout.lap(pos)
                && Layout::is_settled(Layout::state(stamp))
        } else {
            self.layout.lap(stamp) != self.layout.lap(pos)
                || Layout::is_settled(Layout::state(stamp))
        }
    }

    /// Whether the ring looks as if it has room again (or looks closed): a hint for a producer
    /// that spins while the ring is full. It waits for some room, not for one slot: the last of
    /// the next `room` slots from `tail` must look free for its lap (a single consumer frees
    /// slots in order), so a producer that resumes fills slots the consumer has left behind,
    /// instead of taking each slot the moment it is freed, on the very line the consumer is
    /// working on. In a shared ring it reads `tail` and one stamp, not `head`, the receiver's
    /// line; a single-consumer ring's stamps do not say whether a slot is free, so there it
    /// reads `head`. The claim that follows a `true` re-checks everything.
    #[cfg(feature = "std")]
    #[inline]
    pub(crate) fn tail_looks_free(&self) -> bool {
        // Relaxed: a hint only; the claim re-loads with Acquire.
        let tail = self.tail.pos.load(Ordering::Relaxed);
        if self.layout.is_closed(tail) {
            return true;
        }
        // Room for a run of values: the last of those slots is free.
        let pos = self.layout.advance(tail, self.run_len() - 1);
        if self.single_consumer {
            // Its stamp does not say (freed slots keep it): `head` past the position it held a
            // lap ago does. Relaxed: as above.
            let head = self.head.load(Ordering::Relaxed);
            return Layout::is_after(head, pos.wrapping_sub(self.layout.one_lap()));
        }
        // Relaxed: as above.
        let stamp = self.slot(pos).stamp.load(Ordering::Relaxed);
        self.layout.lap(stamp) != self.layout.prev_lap(self.layout.lap(pos))
    }

    /// One attempt to take the slot at `head`, safe for any number of consumers.
    #[inline]
    pub(crate) fn pop_slot(&self) -> Pop<T> {
        self.pop_impl::<false>(EmptyCheck::Fenced)
    }

    /// [`pop_slot`](Self::pop_slot) with the given empty check, for the mailbox's receiver.
    #[inline]
    pub(crate) fn pop_slot_checked(&self, check: EmptyCheck) -> Pop<T> {
        self.pop_impl::<false>(check)
    }

    /// One attempt to take the slot at `head` of a single-consumer ring (`Ring::build`): no
    /// CAS, and the slot is freed by moving `head` with a plain store once the value is out
    /// (the mailbox's receiver when the policy is not `DropOldest`).
    ///
    /// # Safety
    /// The ring was built with `single_consumer`, and the caller is the only thread that pops
    /// from it, for the ring's whole life (nobody calls `force`/`force_push` on such a ring,
    /// which [`force`](Self::force) checks in debug builds).
    #[inline]
    pub(crate) unsafe fn pop_slot_exclusive(&self, check: EmptyCheck) -> Pop<T> {
        self.pop_impl::<true>(check)
    }

    /// Takes the values of the next slots of a single-consumer ring that hold published
    /// values, in order, at most `limit` of them, and hands each to `sink`; returns how many.
    /// It stops at the first slot that holds anything else (not written yet or a claim in
    /// flight, a given-up claim, a permit's, the end): the caller's
    /// [`pop_slot_exclusive`](Self::pop_slot_exclusive) tells which.
    ///
    /// What [`pop_slot_exclusive`](Self::pop_slot_exclusive) does for a published value, for a
    /// run of them: `head` is read once, each slot's stamp is compared with the one value it
    /// must hold (this lap's `FULL`), and nothing else is looked at. Each slot is still freed
    /// on its own, by a Release store of `head` right after its value is out and before the
    /// value goes to `sink` (the caller's code), as the one-slot pop does: a sender waiting
    /// for room, or `sink` itself sending into this ring, sees the slot free at once, and a
    /// `sink` that panics leaves nothing taken and not freed.
    ///
    /// # Safety
    /// As for [`pop_slot_exclusive`](Self::pop_slot_exclusive).
    #[inline(always)]
    pub(crate) unsafe fn take_run_exclusive(&self, limit: usize, mut sink: impl FnMut(T)) -> usize {
        debug_assert!(
            self.single_consumer,
            "an exclusive run taken from a shared ring"
        );
        let layout = self.layout;
        let mut taken = 0;
        // Relaxed: we are the only thread that stores `head` (the caller's contract).
        let mut head = self.head.load(Ordering::Relaxed);
        // Nothing there, the common answer of a receiver that keeps up: said before the
        // stretch below is set up. Relaxed: a hint; the loop loads the stamp again, Acquire.
        if self.slot(head).stamp.load(Ordering::Relaxed) != layout.lap(head) | FULL {
            return 0;
        }
        // One lap's stretch of slots at a time: from `head` to the last slot, then on from
        // the first slot in the next lap.
        while taken < limit {
            let first = layout.index(head);
            let slots = &self.slots.as_ref()[first..];
            let slots = &slots[..(limit - taken).min(slots.len())];
            let lap = layout.lap(head);
            let full = lap | FULL;
            for slot in slots {
                // Acquire: pairs with the producer's Release publish (`Claim::publish`),
                // making the value visible before we read it.
                if slot.stamp.load(Ordering::Acquire) != full {
                    return taken;
                }
                // SAFETY: the stamp says FULL for this lap (Acquire, so the write is
                // visible), and we are the only consumer (the caller's contract); the slot is
                // ours until the store below frees it.
                let value = unsafe { slot.take(self.amnesia) };
                // `Layout::next`, with the stretch's lap computed once: calling it measured 1.8
                // more instructions per message in the perf gate's batch receive, and 1-2%
                // less throughput on tokio current-thread (docs/PERFORMANCE.md).
                let next = if layout.index(head) + 1 < layout.capacity() {
                    head + 1
                } else {
                    lap.wrapping_add(layout.one_lap())
                };
                // Frees the slot, as the exclusive store in `pop_impl`. Release: pairs with
                // the producers' Acquire loads of `head` (`claim_single_consumer`), so our
                // read of the value happens-before the next lap's write. Broken twin `free`
                // (loom suite only) stores Relaxed, here as there.
                if broken_twin!("free") {
                    self.head.store(next, Ordering::Relaxed);
                } else {
                    self.head.store(next, Ordering::Release);
                }
                note_flip(&self.head_flips, head, next);
                head = next;
                taken += 1;
                sink(value);
            }
            if layout.index(head) != 0 {
                // Stopped at the limit, not at the end of the slots.
                break;
            }
        }
        taken
    }

    #[inline(always)]
    fn pop_impl<const EXCLUSIVE: bool>(&self, check: EmptyCheck) -> Pop<T> {
        /// Whether to stop waiting for a claimed slot's publish and report `NotReady`. Under
        /// loom at once: every step of the wait is a yield there, and loom hands a yield to the
        /// thread that holds the claim, so the claim would be published before the wait ran
        /// out in every explored interleaving, and the case of a producer preempted for longer
        /// than the wait (`NotReady`, which the mailbox's receiver must not park on) would
        /// never be checked.
        #[inline(always)]
        fn gives_up(wait: &Backoff) -> bool {
            cfg!(ryker_loom) || wait.is_completed()
        }

        // The two kinds of ring free slots differently, so each has its own pop.
        debug_assert_eq!(
            EXCLUSIVE, self.single_consumer,
            "a pop that does not match the ring's kind"
        );
        let layout = self.layout;
        // As in `claim`: lost CASes and stale heads retry (lock-free); waiting for a claimed
        // slot to be published is bounded, then reported as `NotReady`.
        let mut contention = Backoff::new();
        let mut wait = Backoff::new();
        // Relaxed: a starting guess; the stamp load validates it and the CAS settles it.
        let mut head = self.head.load(Ordering::Relaxed);
        // The `head` at which `tail` was last seen past `head`: the slot there is claimed, so
        // until `head` changes the only thing left to wait for is its stamp (see below).
        let mut claimed_at = None;
        loop {
            let lap = layout.lap(head);
            let slot = self.slot(head);
            // Acquire: pairs with the producer's Release publish (`Claim::publish`, or the
            // `SKIP` store of a dropped claim), making the value visible before we read it.
            let stamp = slot.stamp.load(Ordering::Acquire);
            let state = Layout::state(stamp);
            if layout.lap(stamp) == lap && Layout::is_settled(state) {
                let next = layout.next(head);
                let won = if EXCLUSIVE {
                    // We are the only consumer (the caller's contract): the slot is ours
                    // without a CAS, and `head` moves only once the value is out (below).
                    Ok(head)
                } else {
                    // Relaxed: the CAS only decides which consumer owns the slot; the value
                    // was made visible by the Acquire load above.
                    self.head.compare_exchange_weak(
                        head,
                        next,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    )
                };
                match won {
                    Ok(_) => {
                        let value = if state == FULL {
                            // SAFETY: the stamp said FULL for this lap (Acquire, so the write
                            // is visible) and our head CAS (or, exclusive, the caller's
                            // contract: we are the only consumer) made us its only consumer.
                            Some(unsafe { slot.take(self.amnesia) })
                        } else {
                            self.count_skip();
                            None
                        };
                        if EXCLUSIVE {
                            // Frees the slot (a single-consumer ring's producers judge it free
                            // by `head` alone, `claim_single_consumer`), so it comes after the
                            // value is out, and the slot's stamp is left as it is: its line
                            // stays the producers'. Release: pairs with their Acquire loads of
                            // `head`, so our read of the value happens-before the next lap's
                            // write. Broken twin `free` (loom suite only) stores Relaxed.
                            if broken_twin!("free") {
                                self.head.store(next, Ordering::Relaxed);
                            } else {
                                self.head.store(next, Ordering::Release);
                            }
                        } else {
                            // Release: pairs with the Acquire stamp load in `claim`/`force_push`,
                            // so our read of the value happens-before the next lap's write.
                            slot.stamp.store(
                                lap.wrapping_add(layout.one_lap()) | EMPTY,
                                Ordering::Release,
                            );
                        }
                        note_flip(&self.head_flips, head, next);
                        return match value {
                            Some(value) => Pop::Value(value),
                            None => Pop::Skipped,
                        };
                    }
                    Err(current) => {
                        head = current;
                        contention.spin();
                    }
                }
            } else if stamp == lap | RESERVED {
                // A permit holds the slot (`Claim::hold`): it is published whenever its holder
                // sends or gives it up, which may take long. No point in waiting for it here.
                return Pop::Held;
            } else if claimed_at == Some(head)
                && layout.lap(stamp) != lap.wrapping_add(layout.one_lap())
            {
                // We have already seen `tail` past this `head`: the slot is claimed (positions
                // only move forward, so that stays true while `head` does not move) and will be
                // published or given up. Neither "empty" nor "the end" can be the answer here,
                // so re-reading `tail` would only pull the producers' line away from them on
                // every retry: wait on the stamp alone.
                if gives_up(&wait) {
                    return Pop::NotReady;
                }
                wait.snooze();
                // Relaxed: a fresh guess, validated as above (another consumer or an eviction
                // may have moved `head`, which ends this shortcut).
                head = self.head.load(Ordering::Relaxed);
            } else if layout.lap(stamp) != lap.wrapping_add(layout.one_lap()) {
                // Not written for this lap yet (EMPTY), or still holding the previous lap's
                // entry while a `force_push` replaces it: empty unless a claim is in flight.
                // SeqCst fence: pairs with the fence in `claim`'s full check (see there).
                // Left to the caller under `CallerFenced` (see there).
                if check == EmptyCheck::Open {
                    return Pop::Empty;
                }
                if check == EmptyCheck::Fenced {
                    fence(Ordering::SeqCst);
                }
                // Relaxed: ordered by the fence (ours or the caller's); the closed bit is set by an RMW on this same
                // word, so a tail value that carries it also carries every claim before it.
                let tail = self.tail.pos.load(Ordering::Relaxed);
                // Closed and caught up with `tail` is the end only if the slot is this lap's
                // EMPTY. A slot still in the previous lap is being replaced by a `force` that
                // has evicted its value and will publish into it: a push the close cannot
                // refuse (see `force`), so the end is not reached yet. (With several
                // consumers it can also be another consumer still freeing the slot.)
                // Broken twin `evict_end` (loom suite only) reports the end regardless.
                // (A single-consumer ring has no evictions, and its freed slots keep their
                // previous-lap stamps: its end is wherever `head` meets the closed `tail`.)
                // The twin first: last in the chain it cost the `ask` perf gate an instruction
                // per round trip (see `sync::broken_twin!`).
                let settled = broken_twin!("evict_end")
                    || EXCLUSIVE
                    || stamp == lap | EMPTY
                    || !layout.is_closed(tail);
                if layout.strip(tail) == head && settled {
                    return if layout.is_closed(tail) {
                        // Acquire fence: the tail was read Relaxed; seeing the closed bit must
                        // also make the closer's earlier writes visible (a receiver that sees
                        // the end sees everything done before the close, as with tokio's mpsc;
                        // the actor layer reads its shutdown flag this way). Pairs with the
                        // SeqCst RMW in `close`. Cold: once per end of stream. Broken twin
                        // `close_acquire` (loom suite only) leaves it out.
                        if !broken_twin!("close_acquire") {
                            fence(Ordering::Acquire);
                        }
                        Pop::Closed
                    } else {
                        Pop::Empty
                    };
                }
                if layout.strip(tail) != head {
                    // A claim is in flight at `head`: from now on, wait on its stamp alone.
                    claimed_at = Some(head);
                }
                if gives_up(&wait) {
                    return Pop::NotReady;
                }
                wait.snooze();
                // Relaxed: a fresh guess, validated as above.
                head = self.head.load(Ordering::Relaxed);
            } else {
                // The slot is already in the next lap: another consumer (or an evicting
                // producer) took it and our head is stale. Relaxed: a fresh guess.
                contention.spin();
                head = self.head.load(Ordering::Relaxed);
            }
        }
    }

    /// Pushes `value`, displacing the oldest value when the ring is full.
    ///
    /// Refused with `Closed` only before it has touched the ring. When the ring is full, the
    /// push takes position `tail` at its head CAS (the eviction): from then on no producer can
    /// claim that slot (it looks occupied, and `head` no longer says "full") and no consumer
    /// can take it, so moving `tail` past it cannot be refused by a close that lands meanwhile,
    /// and the value is published as from any claim made before the close. Consumers that
    /// catch up with such a slot see its previous-lap stamp and wait for the publish instead
    /// of reporting the end (`pop_impl`).
    #[inline]
    pub(crate) fn force(&self, value: T) -> Forced<T> {
        match self.force_claim() {
            ForceClaim::Claimed(claim, evicted) => {
                claim.publish(value);
                Forced::Pushed(evicted)
            }
            ForceClaim::Busy => Forced::Busy(value),
            ForceClaim::Closed => Forced::Closed(value),
        }
    }

    /// The claim of [`force`](Self::force), for a caller that builds the value only once it
    /// holds a slot: a free slot, or, when the ring is full, the oldest one, its value
    /// displaced. The caller publishes the claim straight away (a consumer that reaches the
    /// slot meanwhile sees a claim in flight and looks again, as for any plain claim), or
    /// drops it, which marks the slot `SKIP`.
    pub(crate) fn force_claim(&self) -> ForceClaim<'_, T> {
        debug_assert!(
            !self.single_consumer,
            "an eviction from a single-consumer ring"
        );
        let layout = self.layout;
        // Lost eviction CASes retry (someone made progress); waiting on a slot someone else is
        // still writing or freeing is bounded (the skeleton's), then reported as `Busy`.
        let mut contention = Backoff::new();
        loop {
            let full = match self.claim_slot(|full| {
                if full.head.wrapping_add(layout.one_lap()) == full.tail
                    && Layout::is_settled(Layout::state(full.stamp))
                {
                    // Full, and the oldest entry (at `head`, the same slot) is published (or a
                    // SKIP): evict it.
                    OnFull::Stop(full)
                } else {
                    // Full with the oldest slot claimed but unpublished (or held by a permit),
                    // or a consumer is still freeing the slot: wait a little, then report that
                    // nothing can be evicted.
                    OnFull::Wait
                }
            }) {
                Ok(claim) => return ForceClaim::Claimed(claim, None),
                Err(Stopped::Closed) => return ForceClaim::Closed,
                Err(Stopped::WaitedOut) => return ForceClaim::Busy,
                Err(Stopped::Full(full)) => full,
            };
            let FullSlot {
                tail,
                head,
                lap,
                stamp,
                slot,
            } = full;
            let state = Layout::state(stamp);
            // Take the oldest entry out of every consumer's reach by moving `head` past it.
            // Relaxed: ownership only; the value is visible through the skeleton's Acquire load
            // of its stamp, which still holds since `head` had not moved.
            // Broken twin `evict` (loom suite only): a plain store instead of the CAS, so a
            // racing consumer and this producer can both take the oldest value.
            let evicting = if broken_twin!("evict") {
                self.head.store(layout.next(head), Ordering::Relaxed);
                true
            } else {
                self.head
                    .compare_exchange(
                        head,
                        layout.next(head),
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    )
                    .is_ok()
            };
            if evicting {
                note_flip(&self.head_flips, head, layout.next(head));
                // SAFETY: the stamp said FULL in the previous lap (Acquire) and our head CAS
                // made us the slot's only consumer; `tail` still points at the slot, so no
                // producer can claim it until we move `tail` below.
                let evicted = (state == FULL).then(|| unsafe { slot.take(false) });
                if evicted.is_none() {
                    self.count_skip();
                }
                if broken_twin!("close_evict") {
                    if !self.old_claim_after_evict(tail, slot, lap) {
                        drop(evicted);
                        return ForceClaim::Closed;
                    }
                } else {
                    self.advance_tail_after_evict(tail);
                }
                return ForceClaim::Claimed(Claim { slot, lap }, evicted);
            }
            // A consumer (or another evicting producer) moved `head` first: progress was made.
            contention.spin();
        }
    }

    /// Moves `tail` from `tail` past the slot that an eviction has just taken over.
    ///
    /// Between the eviction's head CAS and this RMW only `close` can change the tail word:
    /// producers see the slot occupied while `head` no longer says "full", and back off
    /// (`claim`'s and `force`'s bounded wait); no eviction can start at a `head` that has moved.
    /// So the word is `tail` or `tail | mark`, and adding the step moves the position while
    /// keeping a closed bit that landed meanwhile: the close cannot refuse this push, which
    /// took its position before the close could see it.
    #[inline]
    fn advance_tail_after_evict(&self, tail: usize) {
        let next = self.layout.next(tail);
        // Relaxed: the RMW only moves the position. Consumers read the value through the slot's
        // Release publish that follows in program order, so one that has seen the publish also
        // sees this step (and a consumer that reads `tail` before it sees the slot still in
        // the previous lap, which it does not take for the end). An RMW, not a CAS expecting
        // an open ring: that CAS is what the close used to refuse (broken twin `close_evict`).
        let before = self
            .tail
            .pos
            .fetch_add(next.wrapping_sub(tail), Ordering::Relaxed);
        debug_assert_eq!(
            self.layout.strip(before),
            tail,
            "tail moved during an eviction"
        );
        note_flip(&self.tail_flips, tail, next);
    }

    /// Broken twin `close_evict` (loom suite only): the order `force` used to have. After the
    /// eviction, claim the slot with a CAS that expects an open ring; if a close landed in
    /// between, roll the slot back to "empty in this lap" and give up: the evicted value, which
    /// was accepted before the close, is lost.
    #[cold]
    fn old_claim_after_evict(&self, tail: usize, slot: &Slot<T>, lap: usize) -> bool {
        let next = self.layout.next(tail);
        // Relaxed: as in the real `advance_tail_after_evict` (this twin breaks only the order).
        let claimed = self
            .tail
            .pos
            .compare_exchange(tail, next, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok();
        if !claimed {
            // Release: as the old rollback did (pairs with Acquire stamp loads).
            slot.stamp.store(lap | EMPTY, Ordering::Release);
        }
        claimed
    }

    /// Attempts to push `value` without waiting.
    ///
    /// Returns it back in `Err` when the ring is full or closed. A slot whose previous value is
    /// still being moved out by a consumer counts as full after a short bounded backoff.
    ///
    /// ```
    /// use ryker_core::ring::Ring;
    /// let ring = Ring::with_capacity(1).unwrap();
    /// assert_eq!(ring.try_push("a"), Ok(()));
    /// assert_eq!(ring.try_push("b"), Err("b")); // full: handed back
    /// assert_eq!(ring.try_pop(), Some("a"));
    /// ring.close();
    /// assert_eq!(ring.try_push("c"), Err("c")); // closed: handed back
    /// ```
    #[inline]
    pub fn try_push(&self, value: T) -> Result<(), T> {
        match self.claim() {
            Ok(claim) => {
                claim.publish(value);
                Ok(())
            }
            Err(_) => Err(value),
        }
    }

    /// Pushes `value`; when the ring is full, displaces the oldest value and returns it.
    ///
    /// ```
    /// use ryker_core::ring::Ring;
    /// let ring = Ring::with_capacity(1).unwrap();
    /// assert_eq!(ring.force_push('a'), Ok(None));
    /// assert_eq!(ring.force_push('b'), Ok(Some('a')));
    /// assert_eq!(ring.try_pop(), Some('b'));
    /// ```
    ///
    /// # Errors
    /// [`ForcePushError::Closed`] when the ring is closed; the ring is then untouched (nothing
    /// was evicted). A push that had already evicted when a close landed is not refused: it
    /// took its place before the close and is delivered like any claim made before it.
    /// [`ForcePushError::Busy`] when the oldest slot is claimed by a producer that has not yet
    /// published it, after a bounded backoff: there is nothing that may be evicted yet.
    pub fn force_push(&self, value: T) -> Result<Option<T>, ForcePushError<T>> {
        match self.force(value) {
            Forced::Pushed(evicted) => Ok(evicted),
            Forced::Busy(value) => Err(ForcePushError::Busy(value)),
            Forced::Closed(value) => Err(ForcePushError::Closed(value)),
        }
    }

    /// Pops the oldest published value, if any.
    ///
    /// `None` means empty, closed and drained, or that the next value is claimed but not yet
    /// published by its producer (it becomes visible once published; see the module docs).
    ///
    /// ```
    /// use ryker_core::ring::Ring;
    /// let ring = Ring::with_capacity(4).unwrap();
    /// assert_eq!(ring.try_pop(), None::<u32>);
    /// ring.try_push(1).unwrap();
    /// ring.try_push(2).unwrap();
    /// assert_eq!(ring.try_pop(), Some(1)); // oldest first
    /// assert_eq!(ring.try_pop(), Some(2));
    /// ```
    #[inline]
    pub fn try_pop(&self) -> Option<T> {
        // Abandoned slots are stepped over, at most a ring's worth per call (bounded work).
        for _ in 0..=self.capacity() {
            match self.pop_slot() {
                Pop::Value(value) => return Some(value),
                Pop::Skipped => continue,
                Pop::Empty | Pop::Closed | Pop::NotReady | Pop::Held => return None,
            }
        }
        None
    }

    /// Pops up to `limit` values into `out`, oldest first; returns how many.
    ///
    /// ```
    /// use ryker_core::ring::Ring;
    /// let ring = Ring::with_capacity(8).unwrap();
    /// for i in 0..5 { ring.try_push(i).unwrap(); }
    /// let mut out = Vec::new();
    /// assert_eq!(ring.pop_batch(&mut out, 3), 3);
    /// assert_eq!(out, [0, 1, 2]);
    /// ```
    pub fn pop_batch<E: Extend<T>>(&self, out: &mut E, limit: usize) -> usize {
        let mut taken = 0;
        let mut skip_budget = self.capacity();
        while taken < limit {
            match self.pop_slot() {
                Pop::Value(value) => {
                    out.extend(core::iter::once(value));
                    taken += 1;
                }
                Pop::Skipped if skip_budget > 1 => skip_budget -= 1,
                Pop::Skipped => break,
                Pop::Empty | Pop::Closed | Pop::NotReady | Pop::Held => break,
            }
        }
        taken
    }

    /// Closes the ring: every later push fails; values already accepted stay poppable.
    /// Returns `true` if this call closed it.
    ///
    /// ```
    /// use ryker_core::ring::Ring;
    /// let ring = Ring::with_capacity(4).unwrap();
    /// ring.try_push(1).unwrap();
    /// assert!(ring.close());
    /// assert!(!ring.close()); // already closed
    /// assert_eq!(ring.try_push(2), Err(2));
    /// assert_eq!(ring.try_pop(), Some(1));
    /// ```
    pub fn close(&self) -> bool {
        // SeqCst: one RMW on the tail word, so it is ordered against every claim CAS on the
        // same word (a claim before it is kept, one after it fails); SeqCst also places it in
        // the single order with the fences of the full/empty checks, so a consumer that has
        // seen a claim's slot also sees the close if it came first.
        let previous = self.tail.pos.fetch_or(self.layout.mark(), Ordering::SeqCst);
        !self.layout.is_closed(previous)
    }

    /// Whether [`Ring::close`] has been called.
    ///
    /// ```
    /// use ryker_core::ring::Ring;
    /// let ring = Ring::with_capacity(4).unwrap();
    /// ring.try_push(1).unwrap();
    /// ring.close();
    /// assert!(ring.is_closed()); // closed, even with a value still to pop
    /// assert_eq!(ring.try_pop(), Some(1));
    /// ```
    #[inline]
    pub fn is_closed(&self) -> bool {
        // Acquire: pairs with the close RMW; a reader that sees the bit sees it with every
        // claim that preceded it.
        self.layout.is_closed(self.tail.pos.load(Ordering::Acquire))
    }

    /// Number of values in the ring, counting claimed slots whose values are not yet
    /// published. A snapshot: it may be stale by the time it is read.
    ///
    /// ```
    /// use ryker_core::ring::Ring;
    /// let ring = Ring::with_capacity(4).unwrap();
    /// ring.try_push('a').unwrap();
    /// ring.try_push('b').unwrap();
    /// assert_eq!(ring.len(), 2);
    /// ring.try_pop();
    /// assert_eq!(ring.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        // SeqCst: the loads must form a consistent snapshot; re-reading `tail` proves it did
        // not move while `head` was read (as crossbeam's `len`). Under constant pushing that
        // may never happen, so after a few tries the last pair is used (still in `0..=cap`).
        let mut tail = self.tail.pos.load(Ordering::SeqCst);
        for _ in 0..4 {
            let head = self.head.load(Ordering::SeqCst);
            let again = self.tail.pos.load(Ordering::SeqCst);
            if again == tail {
                return self.layout.distance(head, tail);
            }
            tail = again;
        }
        self.layout.distance(self.head.load(Ordering::SeqCst), tail)
    }

    /// Whether the ring holds no values (a snapshot).
    ///
    /// ```
    /// use ryker_core::ring::Ring;
    /// let ring = Ring::with_capacity(4).unwrap();
    /// assert!(ring.is_empty());
    /// ring.try_push(1).unwrap();
    /// assert!(!ring.is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every slot is occupied (a snapshot).
    ///
    /// ```
    /// use ryker_core::ring::Ring;
    /// let ring = Ring::with_capacity(2).unwrap();
    /// ring.try_push(1).unwrap();
    /// assert!(!ring.is_full());
    /// ring.try_push(2).unwrap();
    /// assert!(ring.is_full());
    /// ```
    #[inline]
    pub fn is_full(&self) -> bool {
        self.len() == self.capacity()
    }

    /// The number of slots.
    ///
    /// ```
    /// use ryker_core::ring::{Ring, StaticRing};
    /// assert_eq!(Ring::<u8>::with_capacity(100).unwrap().capacity(), 100);
    /// assert_eq!(StaticRing::<u8, 16>::new().capacity(), 16);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.layout.capacity()
    }

    /// Whether slots are wiped after a value leaves them: set by `Ring::with_amnesia`
    /// (feature `amnesia`), never by the other constructors.
    ///
    /// ```
    /// use ryker_core::ring::{Ring, StaticRing};
    /// assert!(!Ring::<u8>::with_capacity(4).unwrap().amnesia());
    /// assert!(!StaticRing::<u8, 4>::new().amnesia());
    /// ```
    #[inline]
    pub fn amnesia(&self) -> bool {
        self.amnesia
    }

    /// Whether the ring was built for a single consumer (`Ring::build`).
    #[inline]
    pub(crate) fn single_consumer(&self) -> bool {
        self.single_consumer
    }

    #[cold]
    fn count_skip(&self) {
        self.skipped.add(1);
    }

    /// Claims and removals since position 0, and how many of the removals stepped over an
    /// abandoned claim: `(tail ordinal, head ordinal, skipped)`. Statistics only; exact on
    /// every target (64-bit, with the top-bit flips of the positions counted where a word can
    /// wrap: `metrics::WRAPS`).
    pub(crate) fn ordinals(&self) -> (u64, u64, u64) {
        // Each flip counter is read before its position (see `metrics::flips`).
        let tail_flips = read_flips(&self.tail_flips);
        // Relaxed: statistics only, no memory is read through these values.
        let tail = self.tail.pos.load(Ordering::Relaxed);
        let head_flips = read_flips(&self.head_flips);
        // Relaxed: as above.
        let head = self.head.load(Ordering::Relaxed);
        (
            self.layout.ordinal(flips(tail_flips, tail), tail),
            self.layout.ordinal(flips(head_flips, head), head),
            self.skipped.get(),
        )
    }

    /// Raw bytes of the slot a position maps to (amnesia tests only).
    #[cfg(all(test, feature = "amnesia"))]
    pub(crate) fn raw_slot_bytes(&self, index: usize) -> alloc::vec::Vec<u8> {
        // SAFETY: tests call this while no other thread touches the ring.
        unsafe { self.slots.as_ref()[index].raw_bytes() }
    }
}

impl<T, S: Storage<T>> Drop for Ring<T, S> {
    fn drop(&mut self) {
        if self.single_consumer {
            // Freed slots keep their FULL stamps here: only the positions from `head` to
            // `tail` hold values. Relaxed: `&mut self` (as below).
            let head = self.head.load(Ordering::Relaxed);
            let tail = self.layout.strip(self.tail.pos.load(Ordering::Relaxed));
            // SAFETY: as below.
            unsafe { drop_live(self, head, tail) };
            return;
        }
        // SAFETY: `&mut self`: no other thread can touch the ring any more, and the
        // `Arc`/ownership hand-off that gave us `&mut` already synchronized with them.
        unsafe { drop_values(self.slots.as_ref(), self.amnesia) };
    }
}

/// Drops the value of every published slot from position `pos` up to `end` (a
/// single-consumer ring's live span), as [`drop_values`] does for a shared ring: a panicking
/// destructor does not stop it.
///
/// # Safety
/// As [`drop_values`]; `pos` and `end` are the ring's `head` and (stripped) `tail`.
unsafe fn drop_live<T, S: Storage<T>>(ring: &Ring<T, S>, pos: usize, end: usize) {
    /// Finishes the job if a destructor panics (see `drop_values`).
    struct Rest<'a, T, S: Storage<T>> {
        ring: &'a Ring<T, S>,
        current: &'a Slot<T>,
        pos: usize,
        end: usize,
    }

    impl<T, S: Storage<T>> Drop for Rest<'_, T, S> {
        fn drop(&mut self) {
            if self.ring.amnesia {
                // SAFETY: exclusive access (our caller's contract); the value was dropped (its
                // destructor ran, and panicked), so the bytes are dead.
                unsafe { self.current.wipe() };
            }
            // SAFETY: forwarded from our caller's contract.
            unsafe { drop_live(self.ring, self.pos, self.end) };
        }
    }

    let layout = ring.layout;
    let mut pos = pos;
    while pos != end {
        let slot = ring.slot(pos);
        let next = layout.next(pos);
        // Relaxed: exclusive access (the contract above). A span position is FULL, or SKIP
        // for a claim given up (every claim has ended: `&mut` to the ring outlives them).
        if slot.stamp.load(Ordering::Relaxed) == layout.lap(pos) | FULL {
            let rest = Rest {
                ring,
                current: slot,
                pos: next,
                end,
            };
            // Broken twin `drain_rest` (loom suite only) lets the guard go first: a panicking
            // destructor leaves the values behind it undropped.
            let rest = if broken_twin!("drain_rest") {
                core::mem::forget(rest);
                None
            } else {
                Some(rest)
            };
            // SAFETY: exclusive access (the contract above) and the slot holds a value.
            unsafe { slot.drop_value(ring.amnesia) };
            core::mem::forget(rest);
        }
        pos = next;
    }
}

/// Drops the value of every slot whose stamp says FULL (consumers reset the stamp when they
/// move a value out, and an evicting producer publishes into the slot it emptied, so FULL
/// always means "holds a live value").
///
/// A destructor that panics does not stop it: a guard drops the values of the remaining slots
/// while the panic unwinds, and the panic then goes on (as `Vec`'s drop does); a second panic
/// from those is a panic during unwinding, which aborts, as for `Vec`.
///
/// # Safety
/// The caller owns the ring exclusively, and every access of other threads to the slots
/// happens-before this call.
unsafe fn drop_values<T>(slots: &[Slot<T>], amnesia: bool) {
    /// Finishes the job if a destructor panics: wipes the slot whose value was being dropped
    /// (under amnesia) and drops the rest.
    struct Rest<'a, T> {
        current: &'a Slot<T>,
        rest: &'a [Slot<T>],
        amnesia: bool,
    }

    impl<T> Drop for Rest<'_, T> {
        fn drop(&mut self) {
            if self.amnesia {
                // SAFETY: exclusive access (our caller's contract); the value was dropped (its
                // destructor ran, and panicked), so the bytes are dead.
                unsafe { self.current.wipe() };
            }
            // SAFETY: forwarded from our caller's contract.
            unsafe { drop_values(self.rest, self.amnesia) };
        }
    }

    for (i, slot) in slots.iter().enumerate() {
        // Relaxed: exclusive access (the contract above).
        if Layout::state(slot.stamp.load(Ordering::Relaxed)) == FULL {
            let rest = Rest {
                current: slot,
                rest: &slots[i + 1..],
                amnesia,
            };
            // Broken twin `drain_rest` (loom suite only), as in `drop_live`.
            let rest = if broken_twin!("drain_rest") {
                core::mem::forget(rest);
                None
            } else {
                Some(rest)
            };
            // SAFETY: exclusive access (the contract above) and the slot holds a value.
            unsafe { slot.drop_value(amnesia) };
            core::mem::forget(rest);
        }
    }
}

impl<T, S: Storage<T>> fmt::Debug for Ring<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ring")
            .field("capacity", &self.capacity())
            .field("len", &self.len())
            .field("closed", &self.is_closed())
            .field("amnesia", &self.amnesia)
            .finish()
    }
}

#[cfg(test)]
mod tests;
