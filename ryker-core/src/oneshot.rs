//! A one-shot slot: one value from one sender to one receiver. It carries the answer of
//! `Addr::ask` (inside [`Reply`](crate::actor::Reply)) and an actor's report to its handle.
//!
//! Written here rather than taken from futures-channel (used until 2026-12-05) or tokio: loom
//! must see every access (the ask models in `loom-tests/tests/loom_actor.rs` drive it through
//! `Addr::ask`), tokio's is not `no_std`, and futures-channel's takes a spin lock three to five
//! times per round trip where this takes one read-modify-write on the sending side and, on
//! the receiving side, one to register its waker (none if the value is there first) and one
//! when it goes without having seen the value (besides the `Arc`'s count).
//!
//! # Protocol
//! One `state` word, four bits (the shape of tokio's oneshot):
//! - `RX_WAKER`: the receiver has stored a waker in `waker`;
//! - `COMPLETE`: the sender is done, with a value in `value` (`VALUE` set too) or without one;
//! - `VALUE`: see `COMPLETE`;
//! - `CLOSED`: the receiver is gone; a send after it hands the value back.
//!
//! Who may touch which cell:
//! - `value` is the sender's until its read-modify-write sets `COMPLETE`. After that it is the
//!   receiver's, unless that RMW found `CLOSED`: then no receiver will ever read it and the
//!   sender takes its value back out.
//! - `waker` is written only by the receiver, and only while `RX_WAKER` is clear: to replace a
//!   stored waker it first clears the bit with an RMW, and writes only if that RMW did not find
//!   `COMPLETE`. The sender reads it (`wake_by_ref`, never a move) only if its RMW found
//!   `RX_WAKER` set. Both decisions are made on the one modification order of `state`, so the
//!   sender reads the cell only after the receiver's last write to it and before none.
//! - Both cells are dropped with the shared allocation, by whichever half goes last (or, for a
//!   slot kept for reuse, by its reset: see below).
//!
//! # Reuse
//! `Addr::ask` takes its slot from a small per-thread cache of answered slots
//! ([`channel_reused`]) and gives it back once the answer is in ([`OneshotReceiver::recycle`]),
//! so that a round trip usually allocates nothing once the thread has asked before. A slot goes back
//! only when the receiver has seen `COMPLETE` and holds the last reference (`Arc::get_mut`,
//! whose Acquire check orders every access the sending half made, its waker read included,
//! before ours); it is then reset to a new slot's state. A slot the sending half still holds
//! (it is between its RMW and its drop on another thread) is simply dropped, as before.
//! With `std` only (the cache is a thread-local; loom's under loom, so the ask models run the
//! reuse, and twin `reply_reuse` resets a slot without that check). At most four slots per
//! thread, each at most 256 bytes (`Inner<T>`, besides the `Arc`'s counts; a larger reply's
//! slot is allocated per call, as without the cache). With the `amnesia`
//! feature a kept slot's value cell is overwritten with zeros when it is reset; without it the
//! last answer's bytes stay there until a later answer overwrites them, as they would stay in
//! freed memory without the cache.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::sync::{broken_twin, Arc, AtomicUsize, Ordering, UnsafeCell};

/// The receiver has stored a waker.
const RX_WAKER: usize = 0b0001;
/// The sender is done (with a value when `VALUE` is set too).
const COMPLETE: usize = 0b0010;
/// The sender sent a value (it is in `value` until the receiver takes it).
const VALUE: usize = 0b0100;
/// The receiver is gone.
const CLOSED: usize = 0b1000;

struct Inner<T> {
    state: AtomicUsize,
    value: UnsafeCell<Option<T>>,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: `value` moves a `T` from the sender's thread to the receiver's, so both halves may
// live on any thread when `T: Send`; the protocol (module docs) gives each cell one owner at a
// time, so `T: Sync` is not needed. `Waker` is `Send + Sync`.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Inner<T> {}

/// A new slot: its sending half and its receiving half.
pub(crate) fn channel<T>() -> (OneshotSender<T>, OneshotReceiver<T>) {
    let inner = Arc::new(Inner {
        state: AtomicUsize::new(0),
        value: UnsafeCell::new(None),
        waker: UnsafeCell::new(None),
    });
    (
        OneshotSender {
            inner: Some(inner.clone()),
        },
        OneshotReceiver {
            inner,
            complete: false,
        },
    )
}

/// [`channel`] for `Addr::ask`: the slot comes from this thread's cache of answered slots of
/// type `T` when there is one (see "Reuse" in the module docs); hand it back with
/// [`OneshotReceiver::recycle`].
#[inline]
pub(crate) fn channel_reused<T: Send + 'static>() -> (OneshotSender<T>, OneshotReceiver<T>) {
    // (A type whose slots are never kept does not look: `keeps` folds to a constant.)
    #[cfg(feature = "std")]
    if let Some(inner) = reuse::keeps::<T>().then(reuse::take::<T>).flatten() {
        return (
            OneshotSender {
                inner: Some(inner.clone()),
            },
            OneshotReceiver {
                inner,
                complete: false,
            },
        );
    }
    channel()
}

/// The sending half: [`OneshotSender::send`] once, or drop it to say "no value".
pub(crate) struct OneshotSender<T> {
    /// `None` once sent.
    inner: Option<Arc<Inner<T>>>,
}

impl<T> fmt::Debug for OneshotSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OneshotSender")
            .field("canceled", &self.is_canceled())
            .finish()
    }
}

impl<T> OneshotSender<T> {
    /// Hands `value` to the receiver and wakes it.
    ///
    /// # Errors
    /// `value` back if the receiver is gone.
    pub(crate) fn send(mut self, value: T) -> Result<(), T> {
        let inner = self.inner.take().expect("a sender sends at most once");
        inner.value.with_mut(|cell| {
            // SAFETY: COMPLETE is not set (only this half sets it, and it has not), so the
            // cell is the sender's (module docs).
            unsafe { *cell = Some(value) };
        });
        // AcqRel: Release publishes the value, and everything the sending side wrote before
        // it (the actor's FINISHED flag before its report, which `ActorHandle::join` callers
        // rely on), to the receiver's Acquire load or RMW that finds COMPLETE; Acquire pairs with the receiver's Release
        // RMW that set RX_WAKER, so its write of the waker happens-before our read of it.
        let prev = inner.state.fetch_or(COMPLETE | VALUE, Ordering::AcqRel);
        if prev & CLOSED != 0 {
            // The receiver went first and will never read the cell: the value is ours again.
            let value = inner.value.with_mut(|cell| {
                // SAFETY: CLOSED is set only by the receiver's drop, after which nothing reads
                // the cell; our RMW above is ordered after that drop's RMW (Acquire).
                unsafe { (*cell).take() }
            });
            return Err(value.expect("the value written above"));
        }
        Self::wake(&inner, prev);
        Ok(())
    }

    /// Whether the receiver is gone: a value sent now would come back. When it says so,
    /// what the receiving side did before its drop is visible to the caller.
    pub(crate) fn is_canceled(&self) -> bool {
        self.inner.as_ref().map_or(true, |inner| {
            // Acquire: pairs with the Release RMW of the receiver's drop, so a caller that
            // sees CLOSED sees what the receiving side did before it (`Timer::is_finished`:
            // the timer task's message queued before the task ended). `send` decides with its
            // own RMW. Broken twin `timer_finished` (loom suite only) reads it Relaxed.
            let state = if broken_twin!("timer_finished") {
                inner.state.load(Ordering::Relaxed)
            } else {
                inner.state.load(Ordering::Acquire)
            };
            state & CLOSED != 0
        })
    }

    /// Wakes the receiver if `prev` (the state before our COMPLETE) says it stored a waker.
    fn wake(inner: &Inner<T>, prev: usize) {
        if prev & (RX_WAKER | CLOSED) == RX_WAKER {
            inner.waker.with(|cell| {
                // SAFETY: our RMW found RX_WAKER set and set COMPLETE: the receiver stored the
                // waker before that (its Release RMW, our Acquire) and will not write the cell
                // again (its next RMW finds COMPLETE). A shared read, as a wake by reference.
                if let Some(waker) = unsafe { &*cell } {
                    waker.wake_by_ref();
                }
            });
        }
    }
}

impl<T> Drop for OneshotSender<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            // AcqRel: Acquire for the waker read, as in `send`. Release: no value to publish,
            // but what the sending side did before giving up must be visible to a receiver
            // that sees the "no value" (an actor's loop that ended without a report, a
            // handler that dropped its `Reply` after changing shared state), as with
            // futures-channel's oneshot.
            let prev = inner.state.fetch_or(COMPLETE, Ordering::AcqRel);
            Self::wake(&inner, prev);
        }
    }
}

/// The receiving half, a future of the value (`None`: the sender went without sending).
///
/// Not fused: polled again after it returned `Ready`, it answers `Ready(None)`.
pub(crate) struct OneshotReceiver<T> {
    inner: Arc<Inner<T>>,
    /// A poll has seen `COMPLETE`: the sender is done with `state`, so the drop has nobody
    /// left to tell that the receiver is gone.
    complete: bool,
}

impl<T> fmt::Debug for OneshotReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OneshotReceiver").finish_non_exhaustive()
    }
}

impl<T> OneshotReceiver<T> {
    /// The value, once `state` (read with Acquire or by an AcqRel RMW) says COMPLETE.
    fn take(&mut self, state: usize) -> Option<T> {
        debug_assert!(state & COMPLETE != 0);
        self.complete = true;
        if state & VALUE == 0 {
            return None;
        }
        self.inner.value.with_mut(|cell| {
            // SAFETY: COMPLETE | VALUE, seen with Acquire: the sender wrote the cell before
            // its Release RMW and will not touch it again (it only takes the value back
            // after finding CLOSED, which only our drop sets).
            unsafe { (*cell).take() }
        })
    }
}

impl<T: Send + 'static> OneshotReceiver<T> {
    /// Drops the receiver, giving its slot to this thread's cache (for [`channel_reused`])
    /// when the answer is in and nobody else holds the slot; otherwise a plain drop.
    #[inline]
    pub(crate) fn recycle(self) {
        #[cfg(feature = "std")]
        if self.complete && reuse::keeps::<T>() {
            let this = core::mem::ManuallyDrop::new(self);
            // SAFETY: `this` is never used or dropped again, so the `Arc` is moved out of it
            // exactly once. (The drop it skips does nothing for a complete receiver.)
            let mut inner = unsafe { core::ptr::read(&this.inner) };
            // Broken twin `reply_reuse` (loom suite only) resets the slot without asking
            // whether the sending half still holds it (it may be reading the waker cell).
            let unique = broken_twin!("reply_reuse") || Arc::get_mut(&mut inner).is_some();
            if unique {
                // SAFETY: `get_mut` found us the only holder, and its Acquire ordered every
                // access the sending half made before this point.
                unsafe { inner.reset() };
                reuse::put(inner);
            }
        }
    }
}

#[cfg(feature = "std")]
impl<T> Inner<T> {
    /// Back to a new slot's state.
    ///
    /// # Safety
    /// Nobody else holds the slot, and every access another thread made to it happens-before
    /// this call (`Arc::get_mut` said so). A shared reference, so that the loom build's twin
    /// `reply_reuse`, which skips that check, plants a data race on the cells and not on the
    /// `Arc`.
    unsafe fn reset(&self) {
        // Relaxed: nobody else reads the slot until it is handed out again, through this
        // thread's cache (and, from there, to other threads only by the usual hand-offs).
        // Broken twin `reply_reset` (loom suite only) leaves the old state.
        if !broken_twin!("reply_reset") {
            self.state.store(0, Ordering::Relaxed);
        }
        let value = self.value.with_mut(|cell| {
            // SAFETY: the caller's contract: no other access to the cell exists.
            unsafe { (*cell).take() }
        });
        // With `amnesia`, the last answer's bytes do not stay in a kept slot: the cell (now
        // `None`) is overwritten with zeros, then `None` is written back.
        #[cfg(feature = "amnesia")]
        self.value.with_mut(|cell| {
            // SAFETY: the caller's contract: no other access to the cell exists. It holds
            // `None`, which owns nothing, so nothing is dropped; zeros are a valid
            // `MaybeUninit`, and the write of `None` leaves a valid value again.
            unsafe {
                crate::ring::zero_volatile(cell.cast::<core::mem::MaybeUninit<Option<T>>>());
                cell.write(None);
            }
        });
        let waker = self.waker.with_mut(|cell| {
            // SAFETY: as above.
            unsafe { (*cell).take() }
        });
        // Normally both `None` by now (the value was taken; a stored waker is dropped here
        // rather than kept alive by the cache).
        drop((value, waker));
    }
}

/// The per-thread cache of answered slots (see "Reuse" in the module docs).
///
/// Written here: a slot is an `Arc<Inner<T>>` for the asker's `T`, so the cache keeps each one
/// as a raw pointer beside its `TypeId` and the function that frees it, and hands a slot out
/// only for the same `T`. At most [`SLOTS`](reuse::SLOTS) slots per thread, of any types; a
/// slot that finds the cache full is freed.
#[cfg(feature = "std")]
mod reuse {
    use super::Inner;
    use crate::sync::Arc;
    use core::any::TypeId;
    use core::cell::RefCell;
    use core::ptr::NonNull;

    // (Under loom 0.7, `Arc::into_raw` forgets loom's own bookkeeping `Arc` and `from_raw`
    // clones it again, so each put/take leaks a few bytes of the host's memory: harmless to
    // the models, noted in case loom tests ever run under a leak checker.)

    /// Slots kept per thread: enough for the reply types a thread asks for in turn.
    pub(super) const SLOTS: usize = 4;

    /// The largest slot kept (the reply inline, with the state word and the waker): a thread
    /// keeps at most `SLOTS` of these. A slot for a larger reply is freed, as without the
    /// cache.
    pub(super) const MAX_SLOT_BYTES: usize = 256;

    /// Whether a slot of type `T` may be kept: not too large (`MAX_SLOT_BYTES`). Under loom
    /// any size (loom's cells and atomics carry its bookkeeping, so every slot is larger).
    #[inline]
    pub(super) fn keeps<T>() -> bool {
        cfg!(ryker_loom) || core::mem::size_of::<Inner<T>>() <= MAX_SLOT_BYTES
    }

    /// A cached slot: `Arc::into_raw` of an `Arc<Inner<T>>` with `TypeId::of::<T>() == ty`,
    /// holding the only reference, in a new slot's state.
    struct Cached {
        ty: TypeId,
        slot: NonNull<()>,
        free: unsafe fn(NonNull<()>),
    }

    /// # Safety
    /// `slot` is a [`Cached`] slot of type `T`, given up by the caller.
    unsafe fn free<T>(slot: NonNull<()>) {
        // SAFETY: the caller's contract: an `Arc<Inner<T>>` turned raw, whose reference we own.
        drop(unsafe { Arc::from_raw(slot.as_ptr().cast::<Inner<T>>()) });
    }

    struct Cache([Option<Cached>; SLOTS]);

    impl Drop for Cache {
        fn drop(&mut self) {
            for cached in self.0.iter_mut().filter_map(Option::take) {
                // SAFETY: a `Cached` slot, given up here once (taken out of the cache).
                unsafe { (cached.free)(cached.slot) };
            }
        }
    }

    impl Cache {
        const EMPTY: Self = Cache([const { None }; SLOTS]);
    }

    // Initialised in place (`const`): no lazy-initialisation check on each access. loom's
    // macro takes an expression only.
    #[cfg(not(ryker_loom))]
    crate::sync::thread::thread_local! {
        static CACHE: RefCell<Cache> = const { RefCell::new(Cache::EMPTY) };
    }
    #[cfg(ryker_loom)]
    crate::sync::thread::thread_local! {
        static CACHE: RefCell<Cache> = RefCell::new(Cache::EMPTY);
    }

    /// A cached slot of type `T`, if this thread has one.
    #[inline]
    pub(super) fn take<T: Send + 'static>() -> Option<Arc<Inner<T>>> {
        let ty = TypeId::of::<T>();
        // `try_with`/`try_borrow_mut`: during the thread's exit, or re-entered (a drop inside
        // `put`), there is simply no cached slot.
        let cached = CACHE
            .try_with(|cache| {
                let mut cache = cache.try_borrow_mut().ok()?;
                cache
                    .0
                    .iter_mut()
                    .find(|c| c.as_ref().is_some_and(|c| c.ty == ty))?
                    .take()
            })
            .ok()
            .flatten()?;
        // SAFETY: `cached.ty` is `T`'s, so this is the `Arc<Inner<T>>` that `put` turned raw;
        // taken out of the cache, its reference is ours.
        Some(unsafe { Arc::from_raw(cached.slot.as_ptr().cast::<Inner<T>>()) })
    }

    /// Keeps `slot` (the only reference, reset) for the next [`take`] of `T` on this thread,
    /// or frees it when the cache is full or gone.
    #[inline]
    pub(super) fn put<T: Send + 'static>(slot: Arc<Inner<T>>) {
        // The reference now lives in `raw` (`into_raw`'s pointer, which `from_raw` needs: it
        // reaches the counts in front of the value), kept by the cache or freed below.
        let raw = NonNull::new(Arc::into_raw(slot).cast_mut())
            .expect("an Arc's pointer is not null")
            .cast::<()>();
        let kept = CACHE
            .try_with(|cache| {
                let Ok(mut cache) = cache.try_borrow_mut() else {
                    return false;
                };
                let Some(cell) = cache.0.iter_mut().find(|c| c.is_none()) else {
                    return false;
                };
                *cell = Some(Cached {
                    ty: TypeId::of::<T>(),
                    slot: raw,
                    free: free::<T>,
                });
                true
            })
            .unwrap_or(false);
        if !kept {
            // SAFETY: not kept, so the reference `into_raw` gave up is ours to free, once.
            unsafe { free::<T>(raw) };
        }
    }

    /// How many slots this thread's cache holds (tests).
    #[cfg(test)]
    pub(super) fn cached() -> usize {
        CACHE.with(|cache| cache.borrow().0.iter().flatten().count())
    }
}

impl<T> Future for OneshotReceiver<T> {
    type Output = Option<T>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let inner = &*this.inner;
        // Acquire: pairs with the sender's Release RMW, for the value.
        let state = inner.state.load(Ordering::Acquire);
        if state & COMPLETE != 0 {
            return Poll::Ready(this.take(state));
        }
        if state & RX_WAKER != 0 {
            let same = inner.waker.with(|cell| {
                // SAFETY: RX_WAKER is set, so nobody writes the cell (only we do, and only
                // after clearing the bit); the sender may be reading it too.
                unsafe { &*cell }
                    .as_ref()
                    .is_some_and(|stored| stored.will_wake(cx.waker()))
            });
            if same {
                return Poll::Pending;
            }
            if broken_twin!("reply_swap") {
                inner.waker.with_mut(|cell| {
                    // Broken twin: the new waker is written while RX_WAKER is still set
                    // (before the registration is withdrawn), so a sender completing now
                    // reads the cell as we write it. SAFETY: none; this is the planted data
                    // race, and it runs only in the loom suite's twin (`broken_twin!`).
                    unsafe { *cell = Some(cx.waker().clone()) };
                });
            }
            // Acquire: pairs with a sender's Release RMW, for the value if it found COMPLETE.
            // No Release: a sender whose RMW comes after this one finds RX_WAKER clear and
            // does not read the cell; the write below is published by our `fetch_or` later.
            let prev = inner.state.fetch_and(!RX_WAKER, Ordering::Acquire);
            if prev & COMPLETE != 0 {
                // The sender came first and may be reading the cell: leave it alone.
                return Poll::Ready(this.take(prev));
            }
        }
        let old = inner.waker.with_mut(|cell| {
            // SAFETY: RX_WAKER is clear (never set, or cleared above without COMPLETE), so no
            // sender reads the cell and it is ours to write.
            unsafe { (*cell).replace(cx.waker().clone()) }
        });
        // AcqRel: Release publishes the waker to the sender's Acquire RMW; Acquire pairs with
        // its Release, for the value if it came first.
        let prev = inner.state.fetch_or(RX_WAKER, Ordering::AcqRel);
        // The old waker is dropped after the state is settled: a panicking drop leaves a
        // consistent slot.
        drop(old);
        // Broken twin `reply_recheck` (loom suite only): a sender that came first is missed.
        let prev = if broken_twin!("reply_recheck") {
            prev & !COMPLETE
        } else {
            prev
        };
        if prev & COMPLETE != 0 {
            // The sender completed before our waker was stored, so it did not wake us.
            return Poll::Ready(this.take(prev));
        }
        Poll::Pending
    }
}

impl<T> Drop for OneshotReceiver<T> {
    fn drop(&mut self) {
        if self.complete {
            // The sender's RMW set COMPLETE before our poll saw it: it will not read `state`
            // again, so CLOSED would tell nobody anything (no send can follow, and nothing
            // asks `is_canceled` of a sender that is gone). It may still be reading the waker
            // cell (`wake`), which we leave alone; the cells go with the last `Arc`. This
            // spares every answered `ask` one read-modify-write on its way out.
            return;
        }
        let inner = &*self.inner;
        // Release: orders our last access to the cells before a sender that finds CLOSED and
        // takes its value back. No Acquire: we read nothing a sender wrote (below we only
        // take back the waker we stored ourselves).
        let prev = inner.state.fetch_or(CLOSED, Ordering::Release);
        if prev & (RX_WAKER | COMPLETE) != RX_WAKER | COMPLETE {
            // Drop our waker now rather than with the slot, which a sender that is slow to
            // answer (an actor stuck on other work) keeps alive: a waker may keep a whole task
            // alive. That is also a waker left in the cell with RX_WAKER clear (a re-poll that
            // withdrew the registration and then panicked cloning its new waker). No sender
            // reads the cell: it reads only after an RMW that finds RX_WAKER and not CLOSED,
            // which puts COMPLETE in our `prev`; RX_WAKER is cleared only by our poll's
            // `fetch_and`, and one that finds COMPLETE marks `complete`, so this drop would have
            // returned early. Hence COMPLETE without RX_WAKER means that sender found RX_WAKER
            // clear. And no sender will (`wake` skips a CLOSED slot).
            let waker = inner.waker.with_mut(|cell| {
                // SAFETY: as above: the cell is ours for good.
                unsafe { (*cell).take() }
            });
            drop(waker);
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use core::sync::atomic::{AtomicUsize as Count, Ordering::SeqCst};
    use futures::task::noop_waker_ref;
    use std::string::String;
    use std::sync::Arc as StdArc;
    use std::task::Wake;

    /// A waker that counts its wakes.
    struct Counter(Count);

    impl Wake for Counter {
        fn wake(self: StdArc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    fn counter() -> (StdArc<Counter>, Waker) {
        let count = StdArc::new(Counter(Count::new(0)));
        (count.clone(), Waker::from(count))
    }

    fn poll<T>(rx: &mut OneshotReceiver<T>, waker: &Waker) -> Poll<Option<T>> {
        Pin::new(rx).poll(&mut Context::from_waker(waker))
    }

    #[test]
    fn a_value_sent_before_the_poll_is_ready() {
        let (tx, mut rx) = channel();
        assert_eq!(tx.send(7), Ok(()));
        assert_eq!(poll(&mut rx, noop_waker_ref()), Poll::Ready(Some(7)));
    }

    #[test]
    fn a_waiting_receiver_is_woken_once_by_the_send() {
        let (tx, mut rx) = channel();
        let (count, waker) = counter();
        assert_eq!(poll(&mut rx, &waker), Poll::Pending);
        assert_eq!(poll(&mut rx, &waker), Poll::Pending); // the same waker: kept
        assert_eq!(tx.send(7), Ok(()));
        assert_eq!(count.0.load(SeqCst), 1);
        assert_eq!(poll(&mut rx, &waker), Poll::Ready(Some(7)));
    }

    #[test]
    fn a_new_waker_replaces_the_old_one() {
        let (tx, mut rx) = channel();
        let (first, first_waker) = counter();
        let (second, second_waker) = counter();
        assert_eq!(poll(&mut rx, &first_waker), Poll::Pending);
        assert_eq!(poll(&mut rx, &second_waker), Poll::Pending);
        assert_eq!(tx.send(1), Ok(()));
        assert_eq!((first.0.load(SeqCst), second.0.load(SeqCst)), (0, 1));
        assert_eq!(poll(&mut rx, &second_waker), Poll::Ready(Some(1)));
    }

    #[test]
    fn a_sender_dropped_unsent_wakes_and_ends_with_none() {
        let (tx, mut rx) = channel::<u8>();
        let (count, waker) = counter();
        assert_eq!(poll(&mut rx, &waker), Poll::Pending);
        drop(tx);
        assert_eq!(count.0.load(SeqCst), 1);
        assert_eq!(poll(&mut rx, &waker), Poll::Ready(None));
    }

    #[test]
    fn a_send_after_the_receiver_is_gone_hands_the_value_back() {
        let (tx, rx) = channel();
        assert!(!tx.is_canceled());
        drop(rx);
        assert!(tx.is_canceled());
        assert_eq!(tx.send(String::from("back")), Err(String::from("back")));
    }

    #[test]
    fn every_value_is_dropped_exactly_once() {
        let value = StdArc::new(());
        // Sent and received.
        let (tx, mut rx) = channel();
        tx.send(value.clone()).unwrap();
        drop(poll(&mut rx, noop_waker_ref()));
        // Sent, never received: dropped with the slot.
        let (tx, rx) = channel();
        tx.send(value.clone()).unwrap();
        drop(rx);
        // Refused: handed back, then dropped by us.
        let (tx, rx) = channel();
        drop(rx);
        drop(tx.send(value.clone()));
        assert_eq!(StdArc::strong_count(&value), 1);
    }

    #[test]
    fn a_receiver_dropped_mid_wait_lets_go_of_its_waker() {
        let (tx, mut rx) = channel::<u8>();
        let (count, waker) = counter();
        assert_eq!(poll(&mut rx, &waker), Poll::Pending);
        drop(waker);
        assert_eq!(StdArc::strong_count(&count), 2, "the slot holds the waker");
        drop(rx);
        assert_eq!(
            StdArc::strong_count(&count),
            1,
            "dropped with the receiver, not kept until the sender goes"
        );
        assert_eq!(tx.send(1), Err(1));
        assert_eq!(count.0.load(SeqCst), 0, "a closed slot wakes nobody");
    }

    #[test]
    fn a_receiver_dropped_after_a_panicking_waker_clone_lets_go_of_the_old_waker() {
        use core::task::{RawWaker, RawWakerVTable};
        fn clone_panics(_: *const ()) -> RawWaker {
            panic!("the waker's clone panicked");
        }
        fn noop(_: *const ()) {}
        static PANICKY: RawWakerVTable = RawWakerVTable::new(clone_panics, noop, noop, noop);
        let (tx, mut rx) = channel::<u8>();
        let (count, waker) = counter();
        assert_eq!(poll(&mut rx, &waker), Poll::Pending);
        drop(waker);
        // A re-poll from another task withdraws the registration, then its clone panics: the
        // old waker stays in the cell, RX_WAKER clear.
        // SAFETY: the vtable's functions ignore the data pointer.
        let panicky = unsafe { Waker::from_raw(RawWaker::new(core::ptr::null(), &PANICKY)) };
        let repoll =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| poll(&mut rx, &panicky)));
        assert!(repoll.is_err(), "the clone panicked");
        assert_eq!(
            StdArc::strong_count(&count),
            2,
            "the old waker is still in the cell"
        );
        drop(rx);
        assert_eq!(
            StdArc::strong_count(&count),
            1,
            "dropped with the receiver, not kept until the sender goes"
        );
        assert_eq!(tx.send(1), Err(1));
    }

    #[test]
    fn halves_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<OneshotSender<String>>();
        check::<OneshotReceiver<String>>();
    }

    #[test]
    fn a_value_crosses_threads() {
        for _ in 0..if cfg!(miri) { 5 } else { 200 } {
            let (tx, rx) = channel();
            let sender = std::thread::spawn(move || tx.send(5u64).unwrap());
            assert_eq!(crate::blocking::block_on(rx), Some(5));
            sender.join().unwrap();
        }
    }

    /// Runs `f` on a thread of its own, so that it starts with an empty slot cache and its
    /// cache is freed (and checked for leaks under Miri) when it ends.
    fn on_a_fresh_thread(f: impl FnOnce() + Send + 'static) {
        std::thread::spawn(f).join().unwrap();
    }

    /// The address of a receiver's slot.
    fn slot_of<T>(rx: &OneshotReceiver<T>) -> *const Inner<T> {
        Arc::as_ptr(&rx.inner)
    }

    #[test]
    fn an_answered_slot_is_reused_as_new_by_the_next_ask_of_its_type() {
        on_a_fresh_thread(|| {
            let (tx, mut rx) = channel_reused::<u32>();
            let first = slot_of(&rx);
            let (count, waker) = counter();
            assert_eq!(poll(&mut rx, &waker), Poll::Pending); // a waker is stored
            assert_eq!(tx.send(7), Ok(()));
            assert_eq!(poll(&mut rx, &waker), Poll::Ready(Some(7)));
            drop(waker);
            rx.recycle();
            assert_eq!(reuse::cached(), 1);
            assert_eq!(
                StdArc::strong_count(&count),
                1,
                "the kept slot let go of the waker"
            );
            // The same slot, in a new slot's state: it waits, is woken once, answers.
            let (tx, mut rx) = channel_reused::<u32>();
            assert_eq!(slot_of(&rx), first);
            assert_eq!(reuse::cached(), 0);
            let (count, waker) = counter();
            assert_eq!(poll(&mut rx, &waker), Poll::Pending);
            assert_eq!(tx.send(8), Ok(()));
            assert_eq!(count.0.load(SeqCst), 1);
            assert_eq!(poll(&mut rx, &waker), Poll::Ready(Some(8)));
            rx.recycle();
            // "No answer" is an answer too: the slot comes back after a dropped sender.
            let (tx, mut rx) = channel_reused::<u32>();
            assert_eq!(slot_of(&rx), first);
            drop(tx);
            assert_eq!(poll(&mut rx, noop_waker_ref()), Poll::Ready(None));
            rx.recycle();
            assert_eq!(reuse::cached(), 1);
        });
    }

    #[test]
    fn a_slot_is_kept_only_when_answered_and_no_longer_shared() {
        on_a_fresh_thread(|| {
            // Unanswered: a plain drop, which closes the slot for its sender.
            let (tx, rx) = channel_reused::<u32>();
            rx.recycle();
            assert_eq!(reuse::cached(), 0);
            assert_eq!(tx.send(1), Err(1));
            // Answered, but another reference is still out (a sender between its RMW and its
            // drop, on another thread): not kept, and freed by the last holder.
            let (tx, mut rx) = channel_reused::<u32>();
            let other = rx.inner.clone();
            assert_eq!(tx.send(2), Ok(()));
            assert_eq!(poll(&mut rx, noop_waker_ref()), Poll::Ready(Some(2)));
            rx.recycle();
            assert_eq!(reuse::cached(), 0);
            assert_eq!(Arc::strong_count(&other), 1);
        });
    }

    #[test]
    fn a_slot_goes_only_to_its_own_type_and_the_cache_is_bounded() {
        on_a_fresh_thread(|| {
            fn answered<T: Send + 'static>(value: T) -> *const () {
                let (tx, mut rx) = channel_reused::<T>();
                let slot = slot_of(&rx).cast::<()>();
                assert!(tx.send(value).is_ok());
                assert!(matches!(
                    poll(&mut rx, noop_waker_ref()),
                    Poll::Ready(Some(_))
                ));
                rx.recycle();
                slot
            }
            let kept = answered(1u32);
            // Another type never gets it.
            let (_tx, rx) = channel_reused::<u64>();
            assert_ne!(slot_of(&rx).cast::<()>(), kept);
            assert_eq!(reuse::cached(), 1);
            drop((_tx, rx));
            // Asks of one type made one after another keep one slot between them (each takes
            // the one the last left). (Asks in flight at once would each keep theirs.)
            assert_eq!(answered(2u32), kept);
            assert_eq!(reuse::cached(), 1);
            // More types than the cache holds: it keeps `SLOTS`, and frees the others.
            answered(String::from("a"));
            answered(3u8);
            answered(4u16);
            answered(5i32);
            answered(6i64);
            assert_eq!(reuse::cached(), reuse::SLOTS);
        });
        on_a_fresh_thread(|| {
            // A reply too large to keep: its slot is freed, and the next one is new.
            type Large = [u64; 64];
            assert!(core::mem::size_of::<Inner<Large>>() > reuse::MAX_SLOT_BYTES);
            let (tx, mut rx) = channel_reused::<Large>();
            assert!(tx.send([7; 64]).is_ok());
            assert_eq!(poll(&mut rx, noop_waker_ref()), Poll::Ready(Some([7; 64])));
            rx.recycle();
            assert_eq!(reuse::cached(), 0);
        });
    }

    /// Reads the payload bytes of a `None`, which Rust's model calls uninitialised (what the
    /// wipe is about is exactly those dead bytes): not under Miri. Bites in an optimised build
    /// (`.ci/run` runs it with `--release`): there `Option::take` writes only the tag and the
    /// answer's bytes stay behind without the wipe (seen: `[0, a5, a5, ...]`); unoptimised, it
    /// rewrites the whole cell and the test passes either way.
    #[test]
    #[cfg(all(feature = "amnesia", not(miri)))]
    fn a_kept_slot_is_wiped_under_amnesia() {
        on_a_fresh_thread(|| {
            type Secret = [u8; 32];
            let (tx, mut rx) = channel_reused::<Secret>();
            assert!(tx.send([0xA5; 32]).is_ok());
            assert_eq!(
                poll(&mut rx, noop_waker_ref()),
                Poll::Ready(Some([0xA5; 32]))
            );
            rx.recycle();
            assert_eq!(reuse::cached(), 1);
            let (_tx, rx) = channel_reused::<Secret>();
            let bytes: std::vec::Vec<u8> = rx.inner.value.with(|cell| {
                let base = cell.cast::<u8>();
                (0..core::mem::size_of::<Option<Secret>>())
                    // SAFETY: inside the cell; volatile, so the read is made as written.
                    .map(|i| unsafe { base.add(i).read_volatile() })
                    .collect()
            });
            assert!(
                !bytes.contains(&0xA5),
                "the last answer's bytes are still in the kept slot: {bytes:x?}"
            );
        });
    }

    #[test]
    fn a_reused_slot_crosses_threads() {
        on_a_fresh_thread(|| {
            for _ in 0..if cfg!(miri) { 5 } else { 200 } {
                let (tx, mut rx) = channel_reused::<u64>();
                let sender = std::thread::spawn(move || tx.send(5).unwrap());
                assert_eq!(crate::blocking::block_on(&mut rx), Some(5));
                // Before the join: the sending thread may still be between its RMW and the
                // drop of its half (reading the waker cell), which `recycle` must wait out or
                // leave the slot to (Miri's race detector watches the reset).
                rx.recycle();
                sender.join().unwrap();
            }
            assert!(reuse::cached() <= 1);
        });
    }
}
