//! Mailbox counters and the hook for an external metrics backend.

use core::fmt;

use crate::policy::Overflow;
use crate::sync::{AtomicUsize, Ordering};

/// A snapshot of a mailbox's counters.
///
/// `accepted` and `received` are derived from the ring's own positions, so keeping them costs
/// nothing per message; the others change only on the slow paths (full mailbox, close). Every
/// field counts to 2^64 on every target: where a word can wrap (32-bit targets), the flips of
/// its top bit are counted too, once per 2^31 steps.
/// Snapshots are taken without stopping senders, so fields may be a few messages apart.
/// The invariant once the mailbox is closed and drained, or once the receiver is dropped and
/// no send is in progress: `accepted == received + dropped_oldest + discarded`.
///
/// ```
/// use ryker_core::mailbox::{channel, MailboxConfig};
/// let (tx, mut rx) = channel::<u32>(MailboxConfig { capacity: 2, ..Default::default() });
/// tx.try_send(1).unwrap();
/// tx.try_send(2).unwrap();
/// assert!(tx.try_send(3).is_err()); // full: refused as busy
/// assert_eq!(rx.try_recv(), Ok(1));
/// let stats = tx.stats();
/// assert_eq!((stats.accepted, stats.busy, stats.received), (2, 1, 1));
/// assert_eq!(stats.high_water, 2);
/// drop(rx); // the message still queued is discarded
/// let stats = tx.stats();
/// assert_eq!(stats.accepted, stats.received + stats.dropped_oldest + stats.discarded);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MailboxStats {
    /// Messages queued (by `try_send`, `send` or a permit). A permit's message counts once it
    /// is sent: a reservation is no message, and one given up takes nothing back.
    pub accepted: u64,
    /// Sends refused with `Busy` (mailbox full under `Overflow::Busy`, or the oldest slot
    /// still being written, or held by a permit, under `Overflow::DropOldest`).
    pub busy: u64,
    /// Incoming messages dropped under `Overflow::DropNewest`.
    pub dropped_newest: u64,
    /// Queued messages evicted under `Overflow::DropOldest`.
    pub dropped_oldest: u64,
    /// Messages handed to the receiver.
    pub received: u64,
    /// Accepted messages dropped because the receiver was dropped before receiving them: those
    /// queued when it dropped (dropped then, even past a destructor that panics), and those
    /// whose sends were still in progress then (dropped with the mailbox when the last sender
    /// goes).
    pub discarded: u64,
    /// Highest queue depth seen (sampled by the receiver as it receives, and set to the
    /// capacity whenever a send finds the mailbox full).
    pub high_water: usize,
}

/// State attached to a mailbox: it lives in the mailbox's shared block (one allocation with
/// the ring), every [`Sender`](crate::mailbox::Sender), [`WeakSender`](crate::mailbox::WeakSender)
/// and the [`Receiver`](crate::mailbox::Receiver) reach it, and the mailbox calls its hooks on
/// its events. A metrics backend is one use (count the events); the actor layer keeps its
/// per-actor state here (name, control flags, observer), so an `Addr` is one pointer.
///
/// Every hook has an empty default, and the default attachment [`NoAttachment`] implements
/// none, so a mailbox without one compiles to no extra code on its hot path.
///
/// A mailbox does not hand its attachment out again: to read what the hooks record, share it
/// (an `Arc` inside the attachment, as below).
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
/// use std::sync::Arc;
/// use ryker_core::mailbox::{try_channel_with, Attachment, MailboxConfig};
///
/// #[derive(Default)]
/// struct Accepted(Arc<AtomicU64>);
/// impl Attachment for Accepted {
///     fn on_accepted(&self) { self.0.fetch_add(1, Relaxed); }
/// }
///
/// let count = Arc::new(AtomicU64::new(0));
/// let (tx, _rx) =
///     try_channel_with::<u8, _>(MailboxConfig::default(), Accepted(count.clone())).unwrap();
/// tx.try_send(1).unwrap();
/// tx.try_send(2).unwrap();
/// assert_eq!(count.load(Relaxed), 2);
/// ```
pub trait Attachment: Send + Sync + 'static {
    /// A message was queued.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use ryker_core::mailbox::{try_channel_with, Attachment, MailboxConfig};
    ///
    /// struct Log(Arc<Mutex<Vec<&'static str>>>);
    /// impl Attachment for Log {
    ///     fn on_accepted(&self) { self.0.lock().unwrap().push("accepted"); }
    /// }
    ///
    /// let log = Arc::new(Mutex::new(Vec::new()));
    /// let (tx, rx) = try_channel_with::<u8, _>(MailboxConfig::default(), Log(log.clone())).unwrap();
    /// tx.try_send(1).unwrap();
    /// drop(rx);
    /// assert!(tx.try_send(2).is_err()); // refused as closed: not accepted
    /// assert_eq!(*log.lock().unwrap(), ["accepted"]);
    /// ```
    #[inline]
    fn on_accepted(&self) {}
    /// A send was refused with `Busy`.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    /// use std::sync::Arc;
    /// use ryker_core::mailbox::{try_channel_with, Attachment, MailboxConfig};
    ///
    /// struct Busy(Arc<AtomicU64>);
    /// impl Attachment for Busy {
    ///     fn on_busy(&self) { self.0.fetch_add(1, Relaxed); }
    /// }
    ///
    /// let busy = Arc::new(AtomicU64::new(0));
    /// let config = MailboxConfig { capacity: 1, ..Default::default() };
    /// let (tx, _rx) = try_channel_with::<u8, _>(config, Busy(busy.clone())).unwrap();
    /// tx.try_send(1).unwrap();
    /// assert!(tx.try_send(2).unwrap_err().is_busy());
    /// assert_eq!(busy.load(Relaxed), 1);
    /// assert_eq!(tx.stats().busy, 1); // the built-in counter agrees
    /// ```
    #[inline]
    fn on_busy(&self) {}
    /// A message was dropped by `policy`.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use ryker_core::mailbox::{try_channel_with, Attachment, MailboxConfig, Overflow};
    ///
    /// struct Dropped(Arc<Mutex<Vec<Overflow>>>);
    /// impl Attachment for Dropped {
    ///     fn on_dropped(&self, policy: Overflow) { self.0.lock().unwrap().push(policy); }
    /// }
    ///
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let config = MailboxConfig { capacity: 1, overflow: Overflow::DropOldest, ..Default::default() };
    /// let (tx, mut rx) = try_channel_with::<u8, _>(config, Dropped(seen.clone())).unwrap();
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap(); // evicts 1
    /// assert_eq!(*seen.lock().unwrap(), [Overflow::DropOldest]);
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// ```
    #[inline]
    fn on_dropped(&self, policy: Overflow) {
        let _ = policy;
    }
    /// The receiver took `n` messages.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    /// use std::sync::Arc;
    /// use ryker_core::mailbox::{try_channel_with, Attachment, MailboxConfig};
    ///
    /// struct Received(Arc<AtomicUsize>);
    /// impl Attachment for Received {
    ///     fn on_received(&self, n: usize) { self.0.fetch_add(n, Relaxed); }
    /// }
    ///
    /// let received = Arc::new(AtomicUsize::new(0));
    /// let config = MailboxConfig::default();
    /// let (tx, mut rx) = try_channel_with::<u8, _>(config, Received(received.clone())).unwrap();
    /// for i in 0..3 { tx.try_send(i).unwrap(); }
    /// let mut out = Vec::new();
    /// assert_eq!(rx.blocking_recv_many(&mut out, 10), 3);
    /// assert_eq!(received.load(Relaxed), 3);
    /// ```
    #[inline]
    fn on_received(&self, n: usize) {
        let _ = n;
    }
}

/// No attachment: the mailbox's default, whose hooks do nothing.
///
/// ```
/// use ryker_core::mailbox::{channel, MailboxConfig, NoAttachment, Receiver, Sender};
/// // `channel` builds a mailbox with no attachment: these are the same types.
/// let (tx, rx): (Sender<u8, NoAttachment>, Receiver<u8, NoAttachment>) =
///     channel(MailboxConfig::default());
/// # drop((tx, rx));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct NoAttachment;

impl Attachment for NoAttachment {}

/// Whether word-sized counters and ring positions can wrap within a program's life, so that
/// their 64-bit statistics need the top-bit flips counted (see [`Counter`]). On 64-bit targets
/// a word does not wrap in practice (2^64 operations), and this is `false`: the flip checks
/// compile to nothing there, and the hot paths keep their cost. Unit tests switch it on
/// everywhere, so the wrap arithmetic is tested on the host too.
pub(crate) const WRAPS: bool = usize::BITS < 64 || cfg!(test);

/// The top bit of a word.
const TOP: usize = 1 << (usize::BITS - 1);

/// Counts a flip of the top bit of a word that an operation moved from `old` to `new` (a step
/// of less than half the word, which every counter and position step is). Called by the one
/// thread whose RMW (or CAS) made that step, right after it.
#[inline(always)]
pub(crate) fn note_flip(flips: &AtomicUsize, old: usize, new: usize) {
    if WRAPS && (old ^ new) & TOP != 0 {
        count_flip(flips);
    }
}

#[cold]
#[inline(never)]
fn count_flip(flips: &AtomicUsize) {
    // Release: pairs with the Acquire load in `read_flips`; a reader that sees this flip
    // counted also sees the step that made it (so the word it reads next is at or past it).
    flips.fetch_add(1, Ordering::Release);
}

/// Reads a flip counter; read it *before* the word it counts for (see [`flips`]).
#[inline]
pub(crate) fn read_flips(flips: &AtomicUsize) -> usize {
    // Acquire: pairs with the Release increment in `count_flip`.
    flips.load(Ordering::Acquire)
}

/// How many times the top bit of `word` has flipped since the word was 0: `counted` (read
/// before `word`, from a counter that started at the top bit of the word's initial value),
/// plus one if the flip that made `word` has not been counted yet. That is the case exactly
/// when the parity of `counted` disagrees with the top bit of `word`: each flip toggles both.
/// (Off only if a thread stalls between its step and its count while the word goes half way
/// round again: 2^31 further steps on a 32-bit target.) Without [`WRAPS`] the top bit itself.
#[inline]
pub(crate) const fn flips(counted: usize, word: usize) -> u64 {
    let top = word & TOP != 0;
    if !WRAPS {
        return top as u64;
    }
    let pending = (counted & 1 != 0) != top;
    counted as u64 + pending as u64
}

/// A statistics counter that counts to 2^64 on every target: a word-sized atomic, plus, where
/// a word can wrap ([`WRAPS`]), a count of the flips of its top bit. Incremented with one
/// Relaxed RMW (and, once per 2^31 on 32-bit targets, a second one); read without locking.
pub(crate) struct Counter {
    low: AtomicUsize,
    flips: AtomicUsize,
}

impl Counter {
    /// A counter at zero.
    #[cfg(not(ryker_loom))]
    pub(crate) const fn new() -> Self {
        Self {
            low: AtomicUsize::new(0),
            flips: AtomicUsize::new(0),
        }
    }

    /// A counter at zero (loom's atomics are not `const`).
    #[cfg(ryker_loom)]
    pub(crate) fn new() -> Self {
        Self {
            low: AtomicUsize::new(0),
            flips: AtomicUsize::new(0),
        }
    }

    /// A counter at `start` (unit tests of the wrap).
    #[cfg(test)]
    pub(crate) fn starting_at(start: usize) -> Self {
        Self {
            low: AtomicUsize::new(start),
            flips: AtomicUsize::new(usize::from(start & TOP != 0)),
        }
    }

    /// Adds `n` (less than half a word).
    #[inline]
    pub(crate) fn add(&self, n: usize) {
        // Relaxed: a statistics counter; nothing is read through it.
        let old = self.low.fetch_add(n, Ordering::Relaxed);
        note_flip(&self.flips, old, old.wrapping_add(n));
    }

    /// The count (a snapshot).
    pub(crate) fn get(&self) -> u64 {
        let counted = read_flips(&self.flips);
        // Relaxed: statistics; read after the flips (see `flips`).
        let low = self.low.load(Ordering::Relaxed);
        widen(flips(counted, low), low)
    }
}

impl fmt::Debug for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.get(), f)
    }
}

/// The 64-bit value of a word whose top bit flipped `flips` times (see [`flips`]).
#[inline]
const fn widen(flips: u64, word: usize) -> u64 {
    flips
        .wrapping_mul(TOP as u64)
        .wrapping_add((word & !TOP) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_counts_across_the_word_wrap() {
        for start in [usize::MAX - 5, TOP - 3, 0] {
            let c = Counter::starting_at(start);
            let base = c.get();
            assert_eq!(base, start as u64);
            for i in 1..=12u64 {
                c.add(1);
                assert_eq!(c.get().wrapping_sub(base), i, "start {start:#x}");
            }
            c.add(7);
            assert_eq!(c.get().wrapping_sub(base), 19);
        }
    }

    #[test]
    fn a_flip_not_yet_counted_is_inferred_from_the_parity() {
        // The step that flipped the top bit happened, its count did not (yet).
        assert_eq!(flips(0, TOP), 1);
        assert_eq!(flips(1, 0), 2);
        assert_eq!(flips(1, TOP), 1);
        assert_eq!(flips(2, 5), 2);
        assert_eq!(widen(flips(1, 3), 3), (TOP as u64).wrapping_mul(2) + 3);
    }
}
