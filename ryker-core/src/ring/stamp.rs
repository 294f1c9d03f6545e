//! Pure position and stamp arithmetic of the ring: no atomics, no memory, only numbers.
//!
//! A *position* (the value held by `head` and `tail`) packs three things into one word, as in
//! crossbeam's array queues:
//!
//! ```text
//!   | lap (multiple of one_lap) | closed bit (tail only) | index (< capacity) |
//! ```
//!
//! `mark` is the smallest power of two above the capacity and `one_lap = 2 * mark`. Positions
//! advance index by index and, after the last index, jump to index 0 of the next lap; laps wrap
//! around the word with `wrapping_add`, which is exact because `one_lap` divides `2^BITS`.
//!
//! A slot's *stamp* is `lap | state`: the lap the slot is serving and whether, in that lap, it is
//! still waiting for a producer (`EMPTY`), holds a published value (`FULL`), or was claimed by a
//! producer that gave its claim up (`SKIP`, a dropped permit), or is claimed by a permit that its
//! holder has not sent yet (`RESERVED`: a claim that may stay open for as long as the holder
//! likes, which the receiver waits for differently; see `mailbox/mod.rs`). Stamps of a fresh ring are all
//! `lap 0 | EMPTY`, i.e. zero, which lets the static ring be built in a `const fn`. Because every
//! stamp carries its lap, capacity 1 works: the slot's previous-lap and current-lap stamps
//! differ by `one_lap >= 4`, never by the `+1` a plain Vyukov ring relies on.

/// The slot is waiting for this lap's producer.
pub(crate) const EMPTY: usize = 0;
/// The slot holds a value published in this lap.
pub(crate) const FULL: usize = 1;
/// The slot was claimed in this lap and given up without a value; the consumer steps over it.
pub(crate) const SKIP: usize = 2;
/// The slot is claimed in this lap by a permit (`Sender::poll_reserve`) whose holder has not
/// sent through it yet. Like `EMPTY` it holds no value; unlike a plain send's claim, its
/// publish is followed by a SeqCst fence, so a receiver may park on it (see `mailbox/mod.rs`).
pub(crate) const RESERVED: usize = 3;
/// Mask of the state part of a stamp.
const STATE_MASK: usize = 3;

/// The largest capacity a ring accepts: `2^(BITS - 6)`. It keeps `one_lap` at or below
/// `2^(BITS - 4)`, so at least 16 laps fit in a word: a stale position read by a thread can
/// alias a current one only if that thread is preempted while the ring goes round 16 laps
/// (for small rings on 64-bit targets, some 2^50 laps).
///
/// ```
/// use ryker_core::ring::{Ring, MAX_CAPACITY};
/// let err = Ring::<u8>::with_capacity(MAX_CAPACITY + 1).unwrap_err();
/// assert_eq!(err.field(), "capacity");
/// ```
pub const MAX_CAPACITY: usize = 1 << (usize::BITS - 6);

/// `1..=MAX_CAPACITY`, spelled out for error messages.
pub(crate) const CAPACITY_RANGE: &str = if usize::BITS == 64 {
    "1..=288230376151711744 (2^58)"
} else {
    "1..=67108864 (2^26)"
};

const _: () = assert!(MAX_CAPACITY == 1 << (usize::BITS - 6));

/// The constants that describe a ring of a given capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    cap: usize,
    mark: usize,
    one_lap: usize,
}

impl Layout {
    /// The layout for `cap` slots, or `None` if `cap` is 0 or above [`MAX_CAPACITY`].
    pub(crate) const fn new(cap: usize) -> Option<Self> {
        if cap == 0 || cap > MAX_CAPACITY {
            return None;
        }
        // Cannot overflow: cap <= 2^(BITS-6), so mark <= 2^(BITS-5) and one_lap <= 2^(BITS-4).
        let mark = (cap + 1).next_power_of_two();
        Some(Self {
            cap,
            mark,
            one_lap: mark * 2,
        })
    }

    #[inline]
    pub(crate) const fn capacity(&self) -> usize {
        self.cap
    }

    #[inline]
    pub(crate) const fn one_lap(&self) -> usize {
        self.one_lap
    }

    /// The closed bit of the tail word.
    #[inline]
    pub(crate) const fn mark(&self) -> usize {
        self.mark
    }

    /// The slot index of a position.
    #[inline]
    pub(crate) const fn index(&self, pos: usize) -> usize {
        pos & (self.mark - 1)
    }

    /// The lap of a position or a stamp (clears index, state and closed bit).
    #[inline]
    pub(crate) const fn lap(&self, pos: usize) -> usize {
        pos & !(self.one_lap - 1)
    }

    /// The position with the closed bit cleared.
    #[inline]
    pub(crate) const fn strip(&self, pos: usize) -> usize {
        pos & !self.mark
    }

    #[inline]
    pub(crate) const fn is_closed(&self, pos: usize) -> bool {
        pos & self.mark != 0
    }

    /// The position after `pos` (which must not carry the closed bit).
    #[inline]
    pub(crate) const fn next(&self, pos: usize) -> usize {
        if self.index(pos) + 1 < self.cap {
            pos + 1
        } else {
            self.lap(pos).wrapping_add(self.one_lap)
        }
    }

    /// The position `k` steps after `pos` (which must not carry the closed bit), `k <= cap`.
    // Used by the receivers' hints (`Ring::head_looks_ready`), the blocking calls' spinning
    // hints (`std`) and the tests.
    #[inline]
    pub(crate) const fn advance(&self, pos: usize, k: usize) -> usize {
        let index = self.index(pos) + k;
        if index < self.cap {
            pos + k
        } else {
            self.lap(pos).wrapping_add(self.one_lap) + (index - self.cap)
        }
    }

    /// The lap before `lap`.
    #[inline]
    pub(crate) const fn prev_lap(&self, lap: usize) -> usize {
        lap.wrapping_sub(self.one_lap)
    }

    /// The state part of a stamp.
    #[inline]
    pub(crate) const fn state(stamp: usize) -> usize {
        stamp & STATE_MASK
    }

    /// Whether a slot in `state` (for the lap in question) is settled by its producer: it
    /// holds a value (`FULL`) or was given up (`SKIP`). `EMPTY` and `RESERVED` are not.
    #[inline]
    pub(crate) const fn is_settled(state: usize) -> bool {
        state == FULL || state == SKIP
    }

    /// Whether position `a` comes after position `b` (neither with the closed bit), in the
    /// order positions take across the wrap of the word: exact while they are less than half
    /// the word apart, which positions of one ring always are (they are at most a lap apart,
    /// or one of them is a stale copy a few laps old).
    #[inline]
    pub(crate) const fn is_after(a: usize, b: usize) -> bool {
        // The cast reads the wrapped difference as signed: positive when `a` is ahead.
        (a.wrapping_sub(b) as isize) > 0
    }

    /// Number of values between `head` and `tail` (closed bit ignored), in `0..=cap`.
    #[inline]
    pub(crate) const fn distance(&self, head: usize, tail: usize) -> usize {
        let tail = self.strip(tail);
        let hix = self.index(head);
        let tix = self.index(tail);
        if hix < tix {
            tix - hix
        } else if hix > tix {
            self.cap - hix + tix
        } else if tail == head {
            0
        } else {
            self.cap
        }
    }

    /// How many positions lie before `pos` since position 0: the count of claims (for
    /// `tail`) or of removals (for `head`). `flips` is how many times the top bit of the
    /// position word has flipped since position 0 (`metrics::flips`), which makes the count
    /// exact across the wrap of the word: a 32-bit position wraps after `2^32 / one_lap` laps
    /// (some 10^9 operations for a small ring), and the count goes on. Statistics only.
    #[inline]
    pub(crate) const fn ordinal(&self, flips: u64, pos: usize) -> u64 {
        let pos = self.strip(pos);
        let top = 1usize << (usize::BITS - 1);
        // `one_lap` divides half the word (it is at most 2^(BITS-4)), so every half word of
        // positions is a whole number of laps.
        let laps_per_half = (top / self.one_lap) as u64;
        let laps = flips
            .wrapping_mul(laps_per_half)
            .wrapping_add(((pos & !top) / self.one_lap) as u64);
        laps.wrapping_mul(self.cap as u64)
            .wrapping_add(self.index(pos) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_and_absurd_capacities_have_no_layout() {
        assert_eq!(Layout::new(0), None);
        assert_eq!(Layout::new(MAX_CAPACITY + 1), None);
        assert_eq!(Layout::new(usize::MAX), None);
        assert!(Layout::new(MAX_CAPACITY).is_some());
    }

    #[test]
    fn capacity_one_keeps_laps_apart_from_states() {
        let l = Layout::new(1).unwrap();
        assert_eq!((l.mark(), l.one_lap()), (2, 4));
        // next() of index 0 jumps a whole lap: previous and current stamps never collide.
        assert_eq!(l.next(0), 4);
        assert_eq!(l.lap(4 | SKIP), 4);
        assert_eq!(Layout::state(4 | SKIP), SKIP);
        assert_ne!(l.prev_lap(4) | FULL, 4 | EMPTY);
        assert_eq!(l.lap(4 | RESERVED), 4);
        assert_eq!(Layout::state(4 | RESERVED), RESERVED);
    }

    #[test]
    fn is_after_orders_positions_across_the_word_wrap() {
        let l = Layout::new(3).unwrap(); // one_lap 8
        let near_wrap = l.lap(usize::MAX);
        for base in [0, near_wrap, near_wrap.wrapping_sub(l.one_lap())] {
            let next = l.next(base);
            let lap_on = l.advance(base, 0).wrapping_add(l.one_lap());
            assert!(Layout::is_after(next, base) && !Layout::is_after(base, next));
            assert!(Layout::is_after(lap_on, base) && !Layout::is_after(base, lap_on));
            // A position is not after itself: a free slot needs `head` strictly past the
            // position it held a lap before.
            assert!(!Layout::is_after(base, base));
        }
        // Past the wrap: index 0 of the lap after the last one is after the last position.
        let last = l.advance(near_wrap, 2);
        assert!(Layout::is_after(l.next(last), last));
        assert!(l.next(last) < last, "the position word wrapped");
    }

    #[test]
    fn only_full_and_skip_are_settled() {
        assert!(Layout::is_settled(FULL) && Layout::is_settled(SKIP));
        assert!(!Layout::is_settled(EMPTY) && !Layout::is_settled(RESERVED));
        // The four states are the four values of the state mask.
        let mut states = [EMPTY, FULL, SKIP, RESERVED];
        states.sort_unstable();
        assert_eq!(states, [0, 1, 2, STATE_MASK]);
    }

    #[test]
    fn next_walks_indices_then_laps() {
        let l = Layout::new(3).unwrap(); // mark 4, one_lap 8
        let mut pos = 0;
        let mut seen = [0usize; 7];
        for s in &mut seen {
            *s = pos;
            pos = l.next(pos);
        }
        assert_eq!(seen, [0, 1, 2, 8, 9, 10, 16]);
    }

    #[test]
    fn advance_is_next_applied_k_times() {
        // Pure arithmetic, which Miri has nothing to check in: there the large capacity is 64
        // (cap² steps: 512 took two minutes under Miri, most of the unit tests' time).
        let large = if cfg!(miri) { 64 } else { 512 };
        for cap in [1usize, 2, 3, 7, large] {
            let l = Layout::new(cap).unwrap();
            // From every index of a lap near the word's wrap, and across it.
            for start in [0, l.lap(usize::MAX)] {
                for i in 0..cap {
                    let pos = l.advance(start, i);
                    let mut walked = pos;
                    for k in 0..cap {
                        assert_eq!(l.advance(pos, k), walked, "cap {cap}, index {i}, k {k}");
                        walked = l.next(walked);
                    }
                }
            }
        }
    }

    #[test]
    fn closed_bit_is_outside_index_and_lap() {
        let l = Layout::new(5).unwrap(); // mark 8, one_lap 16
        let pos = 3 * 16 + 4;
        let closed = pos | l.mark();
        assert!(l.is_closed(closed));
        assert!(!l.is_closed(pos));
        assert_eq!(l.index(closed), 4);
        assert_eq!(l.lap(closed), 48);
        assert_eq!(l.strip(closed), pos);
        assert_eq!(l.distance(pos, closed), 0);
    }

    #[test]
    fn positions_wrap_around_the_word() {
        for cap in [1usize, 2, 3, 7, 512] {
            let l = Layout::new(cap).unwrap();
            // Start one lap before the wrap, walk three laps, check distance at each step.
            let start = l.lap(usize::MAX);
            let mut head = start;
            let mut tail = start;
            for step in 0..3 * cap {
                assert_eq!(l.distance(head, tail), step.min(cap - 1), "cap {cap}");
                tail = l.next(tail);
                assert!(l.index(tail) < cap && l.index(head) < cap);
                assert_eq!(l.distance(head, tail), (step + 1).min(cap), "cap {cap}");
                if step + 1 >= cap {
                    head = l.next(head);
                }
            }
            // After wrapping, the lap arithmetic is still exact.
            assert!(tail < start, "tail should have wrapped for cap {cap}");
            let last = l.lap(usize::MAX);
            assert_eq!(last.wrapping_add(l.one_lap()), 0, "laps wrap to zero");
            assert_eq!(l.prev_lap(0), last);
        }
    }

    #[test]
    fn distance_distinguishes_empty_from_full() {
        let l = Layout::new(4).unwrap(); // one_lap 16
        assert_eq!(l.distance(0, 0), 0);
        assert_eq!(l.distance(0, 16), 4);
        assert_eq!(l.distance(2, 16 + 1), 3);
        assert_eq!(l.distance(16 + 3, 32 + 2), 3);
    }

    #[test]
    fn ordinal_counts_positions() {
        let l = Layout::new(3).unwrap();
        let mut pos = 0;
        for n in 0..20u64 {
            assert_eq!(l.ordinal(0, pos), n);
            pos = l.next(pos);
        }
        assert_eq!(l.ordinal(0, pos | l.mark()), 20);
    }

    /// Issue 8, item 10: the ordinal goes on counting when the position word wraps (every
    /// `2^BITS / one_lap` laps: some 10^9 operations on a 32-bit target).
    #[test]
    fn ordinal_counts_on_across_the_word_wrap() {
        let top = 1usize << (usize::BITS - 1);
        for cap in [1usize, 3, 8] {
            let l = Layout::new(cap).unwrap();
            let start = l.lap(usize::MAX).wrapping_sub(l.one_lap());
            let mut flips = 1u64; // the top bit of `start` is set once
            let mut pos = start;
            let base = l.ordinal(flips, pos);
            assert_eq!(base, (start / l.one_lap()) as u64 * cap as u64);
            for n in 1..=4 * cap as u64 {
                let next = l.next(pos);
                flips += u64::from((pos ^ next) & top != 0);
                pos = next;
                assert_eq!(l.ordinal(flips, pos) - base, n, "cap {cap}");
            }
            assert!(pos < start, "cap {cap}: the position wrapped");
        }
    }
}
