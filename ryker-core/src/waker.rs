//! The receiver's waker cell: one registered `Waker`, set by the single receiver and taken by
//! whichever sender publishes next.
//!
//! It is the `AtomicWaker` protocol (futures-util), written here so that loom sees every access
//! and with one addition: an `ARMED` bit that says a waker is stored. Senders read the state
//! with a load (SeqCst, see `may_need_wake`) after each publish and touch the cell with an RMW
//! only when it is non-zero, so an active receiver costs its senders no write to a shared cache
//! line per message.

use core::fmt;
use core::task::Waker;

use crate::sync::{broken_twin, AtomicUsize, Ordering, UnsafeCell};

/// The registrar owns the cell.
const REGISTERING: usize = 0b001;
/// A waker is taking (or has claimed the right to take) the stored waker.
const WAKING: usize = 0b010;
/// A waker is stored and nobody has taken it yet.
const ARMED: usize = 0b100;

/// A single-registrar waker cell (see the module docs).
pub(crate) struct WakerCell {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the `Option<Waker>` is only accessed by the thread that holds REGISTERING (the one
// registrar) or the thread whose `fetch_or(WAKING)` found exactly ARMED; the state machine makes
// those two exclusive, and `Waker` is `Send + Sync`.
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

    /// Stores `waker` to be woken by the next [`WakerCell::wake`].
    ///
    /// Must only be called by the cell's single registrar (the receiver, through `&mut`). The
    /// caller re-checks its condition after this returns, with a SeqCst fence in between (the
    /// "register, then try again" discipline); a wake that raced the registration is not lost
    /// either way: it wakes `waker` directly.
    ///
    /// Returns `false` when a wake was in progress: `waker` was then woken at once and nothing
    /// is stored. A caller that waits by parking must not just park and register again then
    /// (the park returns at once): while the waking thread is preempted in the middle of its
    /// wake, that loop would spin without letting it run.
    pub(crate) fn register(&self, waker: &Waker) -> bool {
        // Acquire: pairs with the Release that ends a `take`, so the taker's removal of the
        // previous waker happens-before we write the cell.
        let prev = self.state.fetch_or(REGISTERING, Ordering::Acquire);
        if prev & WAKING != 0 {
            // A taker owns the cell right now: we are being woken anyway. Wake the new waker
            // ourselves so the wake is not delivered to a stale one, and let the taker finish.
            waker.wake_by_ref();
            // Release: our REGISTERING bit is the only thing we changed; pairs with nothing
            // that reads data, it only hands the bit back.
            self.state.fetch_and(!REGISTERING, Ordering::Release);
            return false;
        }
        let expected = (prev & ARMED) | REGISTERING;
        // The clone below is user code and may panic while we hold REGISTERING. Unwinding
        // then hands the cell back as it was (the stored waker, if any, still armed): left
        // set, the bit would make every later take leave its wake to a registrar that never
        // comes, and every later registration find WAKING and store nothing, so the receiver
        // could never park again (found by the outside review of the mailbox's scenarios).
        let unwinding = HandBack {
            cell: self,
            expected,
            armed: prev & ARMED,
        };
        let old = self.waker.with_mut(|cell| {
            // SAFETY: we hold REGISTERING and no taker holds WAKING (checked above; a taker
            // arriving now sees REGISTERING and backs off), so the cell is ours.
            let cell = unsafe { &mut *cell };
            match cell {
                Some(current) if current.will_wake(waker) => None,
                // Broken twin `stale_waker` (loom suite only): a registration never replaces a
                // stored waker, so a receiver polled from another task than last time is
                // woken through the old task's waker.
                Some(_) if broken_twin!("stale_waker") => None,
                _ => cell.replace(waker.clone()),
            }
        });
        core::mem::forget(unwinding);
        self.hand_back(expected, ARMED);
        drop(old);
        true
    }

    /// Ends a registration: gives up REGISTERING, leaving the state `armed` (`ARMED` when a
    /// waker is stored, 0 when none is), unless a taker came while we held the cell, found
    /// REGISTERING and left the wake to us: then we wake what the cell holds ourselves.
    #[inline]
    fn hand_back(&self, expected: usize, armed: usize) {
        // AcqRel on success: Release publishes the stored waker to the next taker's Acquire
        // `fetch_or`; Acquire on failure: we are about to take the waker back out.
        if self
            .state
            .compare_exchange(expected, armed, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            let waker = self.waker.with_mut(|cell| {
                // SAFETY: we still hold REGISTERING; the taker backed off.
                unsafe { (*cell).take() }
            });
            // AcqRel: hands the cell back (Release) after our take above.
            self.state.swap(0, Ordering::AcqRel);
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    /// Whether a waker may be stored or a registration is in progress: senders call
    /// [`WakerCell::wake`] only when this is true, after a SeqCst fence or a SeqCst RMW (a
    /// plain send's claim) that pairs with the registrar's fence (see `mailbox/mod.rs`).
    #[inline]
    pub(crate) fn may_need_wake(&self) -> bool {
        // SeqCst: a plain send has no fence before this load, only its SeqCst claim CAS; a
        // SeqCst load is what places the load after that CAS in the single order (module
        // docs of `mailbox`). On x86 it is a plain load. On AArch64 it is LDAR, which waits
        // for the preceding publish (STLR) where an Acquire load could be LDAPR (with RCpc).
        // After a fence (every other caller) it is simply ordered by the fence.
        self.state.load(Ordering::SeqCst) != 0
    }

    /// Takes the stored waker, if one is stored and no one else is taking it or registering.
    /// The registrar takes it back this way when it need not be woken but must not drop it
    /// yet (`Receiver::poll_inner`: a message it holds would unwind with a panicking drop).
    pub(crate) fn take(&self) -> Option<Waker> {
        // AcqRel: Acquire pairs with the registrar's Release so we read the stored waker;
        // Release orders our caller's earlier publish before a registrar that sees WAKING.
        let prev = self.state.fetch_or(WAKING, Ordering::AcqRel);
        if prev == ARMED {
            let waker = self.waker.with_mut(|cell| {
                // SAFETY: our fetch_or turned exactly ARMED into ARMED|WAKING: no registrar
                // holds the cell (it would have set REGISTERING first) and no other taker does.
                unsafe { (*cell).take() }
            });
            // Release: pairs with the registrar's Acquire `fetch_or`, so our take happens-before
            // its next write of the cell. Keeps a REGISTERING bit set meanwhile.
            self.state.fetch_and(!(WAKING | ARMED), Ordering::Release);
            waker
        } else {
            if prev & (WAKING | REGISTERING) == 0 {
                // Nothing stored: hand back the WAKING bit we set. Release, as above.
                self.state.fetch_and(!WAKING, Ordering::Release);
            }
            // Otherwise a registrar will see WAKING and wake, or another taker is waking.
            None
        }
    }

    /// Wakes the stored waker, if any.
    #[inline]
    pub(crate) fn wake(&self) {
        if let Some(waker) = self.take() {
            waker.wake();
        }
    }

    /// Drops the stored waker without waking it (the registrar found what it was waiting for
    /// on its re-check, so nobody needs to wake it).
    pub(crate) fn disarm(&self) {
        drop(self.take());
    }
}

/// Hands a registration's cell back, unchanged, when the clone of the new waker unwinds
/// ([`WakerCell::register`]).
struct HandBack<'a> {
    cell: &'a WakerCell,
    /// The state we hold: the old `ARMED` bit and `REGISTERING`.
    expected: usize,
    /// The old `ARMED` bit: the cell still holds whatever it held before.
    armed: usize,
}

impl Drop for HandBack<'_> {
    fn drop(&mut self) {
        self.cell.hand_back(self.expected, self.armed);
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
