//! The receiver's waker cell: one registered `Waker`, set by the single receiver and woken by
//! whichever sender publishes next.
//!
//! It is the `AtomicWaker` protocol (futures-util), written here so that loom sees every access,
//! with two changes:
//!
//! * an `ARMED` bit says a registration is live. Senders read the state with a load (SeqCst,
//!   see `may_need_wake`) after each publish and touch the cell with an RMW only when it is
//!   non-zero, so an active receiver costs its senders no write to a shared cache line per
//!   message;
//! * a wake leaves the waker in the cell. The sender wakes it by reference and disarms the
//!   cell; the receiver's next registration with the same waker (`Waker::will_wake`) only arms
//!   it again. `AtomicWaker` takes the waker out and wakes it by value, so every wait costs a
//!   clone on the way in and, on tokio, a reference-count decrement after the wake: two locked
//!   instructions per wait that this cell does not pay (measured per `ask` round trip,
//!   docs/PERFORMANCE.md). The price is a longer `WAKING` window (the wake itself runs inside
//!   it), during which a registration wakes its own waker instead of storing it, as it always
//!   did when it met a wake in flight; and a cell that must let go of its waker for good
//!   (`clear`, the receiver's drop) while a sender is waking it hands the drop to that sender
//!   (`CLEARED`).

use core::fmt;
use core::task::Waker;

use crate::sync::{AtomicUsize, Ordering, UnsafeCell};

/// The registrar owns the cell.
const REGISTERING: usize = 0b0001;
/// A sender is waking (or has claimed the right to wake) the stored waker.
const WAKING: usize = 0b0010;
/// A registration is live: the stored waker wants the next wake.
const ARMED: usize = 0b0100;
/// The registrar let go of the cell for good (`clear`) while a sender held `WAKING`: that
/// sender drops the stored waker when it lets go of `WAKING`.
const CLEARED: usize = 0b1000;

/// A single-registrar waker cell (see the module docs).
pub(crate) struct WakerCell {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the `Option<Waker>` is written only by the thread that holds REGISTERING (the one
// registrar) while no sender holds WAKING, or, once the registrar has let go for good, by the
// one sender that clears CLEARED; it is read by the registrar and by the sender whose
// `fetch_or(WAKING)` found exactly ARMED. The state machine makes every write exclusive of
// every other access, and `Waker` is `Send + Sync`.
unsafe impl Send for WakerCell {}
// SAFETY: as above.
unsafe impl Sync for WakerCell {}

impl fmt::Debug for WakerCell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WakerCell")
            // Relaxed: a snapshot for `Debug` output only.
            .field("state", &self.state.load(Ordering::Relaxed))
            .finish()
    }
}

impl WakerCell {
    pub(crate) fn new() -> Self {
        Self {
            state: AtomicUsize::new(0),
            waker: UnsafeCell::new(None),
        }
    }

    /// Arms the cell for `waker`, to be woken by the next [`WakerCell::wake`]. A waker that
    /// `will_wake` the stored one is not stored again (no clone).
    ///
    /// Must only be called by the cell's single registrar (the receiver, through `&mut`), and
    /// never after [`WakerCell::clear`]. The caller re-checks its condition after this
    /// returns, with a SeqCst fence in between (the "register, then try again" discipline); a
    /// wake that raced the registration is not lost either way: it wakes `waker` directly.
    ///
    /// Returns `false` when a wake was in progress: `waker` was then woken at once and the
    /// cell is not armed. A caller that waits by parking must not just park and register again
    /// then (the park returns at once): while the waking thread is preempted in the middle of
    /// its wake, that loop would spin without letting it run.
    pub(crate) fn register(&self, waker: &Waker) -> bool {
        // Acquire: pairs with the Release that ends a wake (`WakerCell::release`), so the
        // sender's read of the stored waker happens-before we write the cell.
        let prev = self.state.fetch_or(REGISTERING, Ordering::Acquire);
        if prev & WAKING != 0 {
            // A sender is waking the stored waker right now: we are being woken anyway. Wake
            // the new waker ourselves so the wake is not delivered to a stale one only, and
            // leave the cell to the sender.
            waker.wake_by_ref();
            // Release: our REGISTERING bit is the only thing we changed; pairs with nothing
            // that reads data, it only hands the bit back.
            self.state.fetch_and(!REGISTERING, Ordering::Release);
            return false;
        }
        let old = self.waker.with_mut(|cell| {
            // SAFETY: we hold REGISTERING and no sender holds WAKING (checked above; a sender
            // arriving now sees REGISTERING and backs off), so the cell is ours.
            let cell = unsafe { &mut *cell };
            match cell {
                Some(current) if current.will_wake(waker) => None,
                // Broken twin `stale_waker` (loom suite only): a registration never replaces a
                // stored waker, so a receiver polled from another task than last time is
                // woken through the old task's waker.
                Some(_) if cfg!(ryker_loom_broken = "stale_waker") => None,
                _ => cell.replace(waker.clone()),
            }
        });
        // AcqRel on success: Release publishes the stored waker to the next sender's Acquire
        // `fetch_or`; Acquire on failure: follows `AtomicWaker` (we read nothing the sender
        // wrote: it backed off without touching the cell).
        let expected = (prev & ARMED) | REGISTERING;
        if self
            .state
            .compare_exchange(expected, ARMED, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            // A sender came while we held the cell, found REGISTERING and left the wake to us.
            // The cell keeps the waker, disarmed. AcqRel: Release hands the cell back after
            // our write of it.
            self.state.swap(0, Ordering::AcqRel);
            waker.wake_by_ref();
        }
        drop(old);
        true
    }

    /// Whether a registration may be live or in progress: senders call [`WakerCell::wake`]
    /// only when this is true, after a SeqCst fence or a SeqCst RMW (a plain send's claim)
    /// that pairs with the registrar's fence (see `mailbox/mod.rs`).
    #[inline]
    pub(crate) fn may_need_wake(&self) -> bool {
        // SeqCst: a plain send has no fence before this load, only its SeqCst claim CAS; a
        // SeqCst load is what places the load after that CAS in the single order (module
        // docs of `mailbox`). On x86 it is a plain load. On AArch64 it is LDAR, which waits
        // for the preceding publish (STLR) where an Acquire load could be LDAPR (with RCpc).
        // After a fence (every other caller) it is simply ordered by the fence.
        self.state.load(Ordering::SeqCst) != 0
    }

    /// Wakes the stored waker (by reference: it stays in the cell) if a registration is live
    /// and no one else is waking it or registering, and disarms the cell.
    #[inline]
    pub(crate) fn wake(&self) {
        // AcqRel: Acquire pairs with the registrar's Release so we read the stored waker;
        // Release orders our caller's earlier publish before a registrar that sees WAKING.
        let prev = self.state.fetch_or(WAKING, Ordering::AcqRel);
        if prev == ARMED {
            // Lets go of WAKING (and ARMED) when the wake returns, or unwinds: a waker whose
            // wake panics must not leave the cell held, or every later registration would
            // only wake itself and no sender would ever wake the receiver again.
            let release = Release(self);
            self.waker.with(|cell| {
                // SAFETY: our fetch_or turned exactly ARMED into ARMED|WAKING: the registrar
                // writes the cell only while it holds REGISTERING with no WAKING set, and no
                // other sender reads it until we let go. A registration from now on meets
                // WAKING and leaves the cell alone.
                if let Some(waker) = unsafe { &*cell } {
                    waker.wake_by_ref();
                }
            });
            drop(release);
        } else if prev & (WAKING | REGISTERING) == 0 {
            // Not armed, and the WAKING bit is ours: hand it back (`clear` may have marked
            // the cell CLEARED meanwhile, and then we drop its waker).
            self.release(WAKING);
        }
        // Otherwise a registrar will see WAKING and wake, or another sender is waking.
    }

    /// Ends a hold of WAKING that `wake` took: clears WAKING and `also`, and, if the
    /// registrar let go of the cell for good meanwhile (`CLEARED`), drops its waker.
    fn release(&self, also: usize) {
        // Broken twin `keep_cleared` (loom suite only): the sender lets go of WAKING without
        // looking at CLEARED, so a receiver dropped during a wake leaves its waker (and the
        // task it keeps alive) in the cell for as long as any sender lives.
        #[cfg(ryker_loom_broken = "keep_cleared")]
        let also = also & !CLEARED;
        #[cfg(not(ryker_loom_broken = "keep_cleared"))]
        let also = also | CLEARED;
        // AcqRel: Release pairs with the registrar's Acquire `fetch_or`, so our read of the
        // cell happens-before its next write; Acquire pairs with `clear`'s Release CAS that set
        // CLEARED, before we drop the waker. Clearing CLEARED in the same RMW makes us the one
        // thread that sees it.
        let prev = self.state.fetch_and(!(WAKING | also), Ordering::AcqRel);
        if prev & CLEARED != 0 && also & CLEARED != 0 {
            let waker = self.waker.with_mut(|cell| {
                // SAFETY: the registrar has let go for good (CLEARED) and will not write the
                // cell again; no other sender touches it, since ARMED is never set again; and
                // we are the one thread whose RMW cleared CLEARED.
                unsafe { (*cell).take() }
            });
            drop(waker);
        }
    }

    /// Disarms the cell without waking anyone (the registrar found what it was waiting for on
    /// its re-check, so nobody needs to wake it). The waker stays in the cell for the next
    /// registration.
    pub(crate) fn disarm(&self) {
        // Relaxed: publishes nothing. A sender whose `fetch_or(WAKING)` read ARMED before this
        // wakes the waker once more (a spurious wake-up, as with a take before); one that reads
        // our write finds nothing to wake. Our next registration's Acquire `fetch_or` still
        // reads, through this RMW, the Release that ended any wake before it.
        self.state.fetch_and(!ARMED, Ordering::Relaxed);
    }

    /// The registrar lets go of the cell for good (the receiver is dropped, the actor loop has
    /// ended): drops the stored waker, which may keep a finished task's memory alive for as
    /// long as any sender lives. If a sender is waking it right now, that sender drops it when
    /// it is done (`CLEARED`).
    pub(crate) fn clear(&self) {
        // Acquire: as in `register`, the read of a sender that woke the waker before
        // happens-before our take.
        let mut state = self.state.fetch_or(REGISTERING, Ordering::Acquire) | REGISTERING;
        loop {
            if state & WAKING == 0 {
                // No sender holds the cell (one arriving now sees REGISTERING and backs off).
                let waker = self.waker.with_mut(|cell| {
                    // SAFETY: we hold REGISTERING and no sender holds WAKING.
                    unsafe { (*cell).take() }
                });
                // Release: hands the cell back after our take. Also clears the WAKING bit a
                // sender that backed off may have left.
                self.state.swap(0, Ordering::Release);
                drop(waker);
                return;
            }
            // A sender holds WAKING: hand it the drop. Release pairs with its AcqRel
            // `fetch_and` (in `release`); Acquire on failure: the sender let go, and we take
            // the cell after its read.
            match self.state.compare_exchange(
                state,
                (state & !REGISTERING) | CLEARED,
                Ordering::Release,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(now) => state = now,
            }
        }
    }
}

/// The end of a wake: [`WakerCell::release`] of WAKING and ARMED, also when the wake unwinds.
struct Release<'a>(&'a WakerCell);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.0.release(ARMED);
    }
}

impl Drop for WakerCell {
    fn drop(&mut self) {
        // `&mut self`: no other thread can reach the cell; drop whatever waker is left.
        self.waker.with_mut(|cell| {
            // SAFETY: exclusive access.
            unsafe { (*cell).take() }
        });
    }
}
