//! The mailbox: a bounded multi-producer single-consumer channel over one [`Ring`], with
//! runtime-agnostic `poll_*` methods, futures built on them, and (under `std`) blocking calls
//! that park the thread through the same waker registration.
//!
//! # Wake-up protocol
//! Two store-then-load pairs must never both miss each other, so each side puts a SeqCst fence
//! between its store and its load (loom checks both; see docs/CONCURRENCY.md):
//!
//! * receiver waiting on empty: the receiver *registers its waker*, fences, and tries the ring
//!   again; a sender *publishes its slot*, fences, and wakes the receiver if a waker may be
//!   registered. Either the receiver's retry sees the message or the sender sees the waker.
//! * sender waiting on full: the sender *queues itself* in the wait list, fences, and tries to
//!   claim again; the receiver *frees a slot*, fences, and notifies the oldest waiter if the
//!   list may be non-empty.
//!
//! # Dropping either side
//! Dropping the last [`Sender`] closes the mailbox: the receiver still gets every accepted
//! message, then `None`. Dropping the [`Receiver`] closes it too: senders get `Closed` back with
//! their message, waiting senders are woken, and messages still queued are dropped (counted as
//! `discarded`), past any destructor that panics (the first such panic then goes on). A
//! message whose send was still in progress at that moment (claimed, not yet published) is
//! dropped with the mailbox's memory when the last sender goes; it is counted in `discarded`
//! too, so that once the receiver is gone `accepted == received + dropped_oldest + discarded`.

use alloc::boxed::Box;
use core::fmt;
use core::future::Future;
use core::marker::PhantomPinned;
use core::panic::{RefUnwindSafe, UnwindSafe};
use core::pin::Pin;
use core::task::{Context, Poll};

pub use crate::config::MailboxConfig;
use crate::error::{Closed, ConfigError, SendError, TryRecvError, TrySendError};
use crate::metrics::Counter;
pub use crate::metrics::{MailboxStats, Metrics, NoMetrics};
pub use crate::policy::Overflow;
use crate::ring::{Claim, ClaimError, Forced, Pop, Ring};
use crate::sync::{fence, Arc, AtomicUsize, CachePadded, Ordering};
use crate::wait_list::{WaitList, WaitState, Waiter};
use crate::waker::WakerCell;

/// How a message was queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Sent {
    /// Queued into a free slot.
    Queued,
    /// Queued after evicting the oldest message (`Overflow::DropOldest`; counted in
    /// `dropped_oldest`).
    DisplacedOldest,
}

/// Creates a mailbox.
///
/// # Panics
/// If the configuration is invalid (as `tokio::sync::mpsc::channel(0)` does); the message names
/// the field, the value and the allowed range. Use [`try_channel`] to get the error instead.
///
/// ```
/// use ryker_core::mailbox::{channel, MailboxConfig};
/// let (tx, mut rx) = channel::<&str>(MailboxConfig::default());
/// tx.try_send("hello").unwrap();
/// assert_eq!(rx.try_recv(), Ok("hello"));
/// ```
#[track_caller]
pub fn channel<T>(config: MailboxConfig) -> (Sender<T>, Receiver<T>) {
    match try_channel_with_metrics(config, NoMetrics) {
        Ok(pair) => pair,
        Err(err) => panic!("ryker mailbox: {err}"),
    }
}

/// Creates a mailbox, or says which field of `config` is invalid.
///
/// # Errors
/// [`ConfigError`] naming the field, the value and the allowed range.
///
/// ```
/// use ryker_core::mailbox::{try_channel, MailboxConfig};
/// let err = try_channel::<u32>(MailboxConfig { capacity: 0, ..Default::default() }).unwrap_err();
/// assert_eq!(err.field(), "capacity");
/// ```
#[allow(clippy::type_complexity)] // the pair of halves, as `tokio::sync::mpsc::channel` returns
pub fn try_channel<T>(config: MailboxConfig) -> Result<(Sender<T>, Receiver<T>), ConfigError> {
    try_channel_with_metrics(config, NoMetrics)
}

/// Creates a mailbox that reports its events to `metrics`.
///
/// # Errors
/// As [`try_channel`].
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use ryker_core::mailbox::{try_channel_with_metrics, MailboxConfig, Metrics};
///
/// #[derive(Default)]
/// struct Count(AtomicUsize);
/// impl Metrics for Count {
///     fn on_accepted(&self) { self.0.fetch_add(1, Ordering::Relaxed); }
/// }
///
/// let (tx, _rx) = try_channel_with_metrics::<u8, _>(MailboxConfig::default(), Count::default()).unwrap();
/// tx.try_send(1).unwrap();
/// ```
#[allow(clippy::type_complexity)] // the pair of halves, as `tokio::sync::mpsc::channel` returns
pub fn try_channel_with_metrics<T, M: Metrics>(
    config: MailboxConfig,
    metrics: M,
) -> Result<(Sender<T, M>, Receiver<T, M>), ConfigError> {
    config.validate()?;
    let ring = Ring::build(config.capacity, config.amnesia, 0)?;
    let shared = Arc::new(Shared {
        ring,
        rx_waker: CachePadded::new(WakerCell::new()),
        waiters: WaitList::new(),
        senders: AtomicUsize::new(1),
        overflow: config.overflow,
        exclusive_pop: config.overflow != Overflow::DropOldest,
        busy: Counter::new(),
        dropped_newest: Counter::new(),
        dropped_oldest: Counter::new(),
        abandoned: Counter::new(),
        discarded: Counter::new(),
        rx_gone: crate::sync::AtomicBool::new(false),
        high_water: AtomicUsize::new(0),
        metrics,
    });
    Ok((
        Sender {
            shared: shared.clone(),
            waiter: None,
            registered: false,
        },
        Receiver {
            shared,
            since_sample: 0,
            streaming: Streaming::Idle,
        },
    ))
}

/// Why a waiting send ended without queueing its message (see `Shared::poll_send`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refused {
    /// The mailbox is closed; the message is still in the caller's slot.
    Closed,
    /// `DropNewest` dropped it (counted).
    Dropped,
}

/// The message of a send that is still in progress.
#[inline]
fn take_msg<T>(msg: &mut Option<T>) -> T {
    match msg.take() {
        Some(msg) => msg,
        None => panic!("send polled after completion"),
    }
}

/// State shared by the two halves.
struct Shared<T, M> {
    ring: Ring<T>,
    rx_waker: CachePadded<WakerCell>,
    waiters: WaitList,
    /// Live `Sender`s; the last one to go closes the mailbox.
    senders: AtomicUsize,
    overflow: Overflow,
    /// The receiver is the ring's only consumer and nothing evicts (`overflow` is not
    /// `DropOldest`), so it may move `head` with plain stores.
    exclusive_pop: bool,
    // Slow-path counters (Relaxed RMWs: statistics only, nothing is read through them; 64-bit
    // on every target, see `metrics::Counter`).
    busy: Counter,
    dropped_newest: Counter,
    dropped_oldest: Counter,
    /// Permits dropped without sending (their slots become SKIP).
    abandoned: Counter,
    /// Messages the receiver's drop popped and dropped.
    discarded: Counter,
    /// The receiver is gone: every accepted message it did not receive and that was not
    /// evicted is discarded (statistics only; see `stats`).
    rx_gone: crate::sync::AtomicBool,
    /// Written by the receiver (and by senders that find the mailbox full).
    high_water: AtomicUsize,
    metrics: M,
}

impl<T, M: Metrics> Shared<T, M> {
    /// Publishes a claimed slot and wakes the receiver if it may be waiting.
    #[inline]
    fn publish(&self, claim: Claim<'_, T>, msg: T) {
        claim.publish(msg);
        self.after_publish();
        self.metrics.on_accepted();
    }

    /// The sender half of the receiver wake-up protocol (module docs), called right after a
    /// publishing store (a value, a SKIP, or the close), in straight-line code.
    ///
    /// Under `DropOldest` a sender may also be waiting for exactly this publish (the oldest
    /// slot was claimed but unpublished, so it could not be evicted): it is notified here too.
    #[inline]
    fn after_publish(&self) {
        // SeqCst fence: pairs with the fence in `Receiver::poll_*` between registering the
        // waker and re-checking the ring (and, under DropOldest, with the fence in
        // `poll_force`). Without it our load of the waker state could be ordered before our
        // publish (store buffering) while the receiver's re-check misses the publish: a lost
        // wake-up.
        #[cfg(not(ryker_loom_broken = "wake"))]
        fence(Ordering::SeqCst);
        if self.rx_waker.may_need_wake() {
            self.rx_waker.wake();
        }
        if self.overflow == Overflow::DropOldest && self.waiters.may_have_waiters() {
            self.waiters.notify(1);
        }
    }

    /// Closes the ring and wakes everyone who waits: the receiver (it drains, then sees the
    /// end) and every waiting sender (they get `Closed`).
    fn close(&self) {
        self.ring.close();
        // Straight after the closing RMW: a receiver waiting on empty must see the end.
        self.after_publish();
        self.waiters.notify_all();
    }

    /// The receiver half of the sender wake-up protocol: `freed` slots were just freed.
    #[inline]
    fn notify_senders(&self, freed: usize) {
        // SeqCst fence: pairs with the fence in `poll_claim` between queueing the waiter and
        // re-trying the claim (same store-buffering argument as `after_publish`). Broken twin
        // `notify` (loom suite only) leaves it out.
        #[cfg(not(ryker_loom_broken = "notify"))]
        fence(Ordering::SeqCst);
        if self.waiters.may_have_waiters() {
            self.waiters.notify(freed);
        }
    }

    /// A claim found the mailbox full: apply the `Busy` or `DropNewest` policy.
    #[cold]
    #[inline(never)]
    fn full(&self, msg: T) -> Result<Sent, TrySendError<T>> {
        self.note_full();
        if self.overflow == Overflow::DropNewest {
            self.dropped_newest.add(1);
            self.metrics.on_dropped(Overflow::DropNewest);
            drop(msg);
            Err(TrySendError::Dropped)
        } else {
            self.count_busy();
            Err(TrySendError::Busy(msg))
        }
    }

    #[cold]
    fn count_busy(&self) {
        self.busy.add(1);
        self.metrics.on_busy();
    }

    #[cold]
    fn note_full(&self) {
        let capacity = self.ring.capacity();
        // Relaxed: statistics only; the load spares the RMW once the mark is at capacity.
        if self.high_water.load(Ordering::Relaxed) < capacity {
            self.high_water.fetch_max(capacity, Ordering::Relaxed);
        }
    }

    /// `try_send` under `Overflow::DropOldest`. `count_busy` is false for a waiting `send`,
    /// whose `Busy` is not a refusal (it waits and tries again).
    fn force_send(&self, msg: T, count_busy: bool) -> Result<Sent, TrySendError<T>> {
        match self.ring.force(msg) {
            Forced::Pushed(None) => {
                self.after_publish();
                self.metrics.on_accepted();
                Ok(Sent::Queued)
            }
            Forced::Pushed(Some(evicted)) => {
                self.after_publish();
                self.metrics.on_accepted();
                self.evicted(evicted);
                Ok(Sent::DisplacedOldest)
            }
            Forced::Busy(msg) => {
                self.note_full();
                if count_busy {
                    self.count_busy();
                }
                Err(TrySendError::Busy(msg))
            }
            // Refused before it touched the ring: nothing was evicted (see `Ring::force`).
            Forced::Closed(value) => Err(TrySendError::Closed(value)),
        }
    }

    /// Counts the message a `DropOldest` send displaced, then drops it. Called only once the
    /// send's own message is published and counted, so if the displaced message's destructor
    /// panics, the panic leaves the mailbox consistent: it propagates out of `try_send` or
    /// `send`, whose message is queued (see their `# Panics`).
    #[cold]
    fn evicted(&self, msg: T) {
        self.note_full();
        self.dropped_oldest.add(1);
        self.metrics.on_dropped(Overflow::DropOldest);
        drop(msg);
    }

    /// `try_send`: the one non-waiting send path.
    #[inline]
    fn try_send(&self, msg: T) -> Result<Sent, TrySendError<T>> {
        if self.overflow == Overflow::DropOldest {
            return self.force_send(msg, true);
        }
        match self.ring.claim() {
            Ok(claim) => {
                self.publish(claim, msg);
                Ok(Sent::Queued)
            }
            Err(ClaimError::Closed) => Err(TrySendError::Closed(msg)),
            Err(ClaimError::Full) => self.full(msg),
        }
    }

    /// Waits for a slot with `w` as this waiter's place in the wait list.
    ///
    /// `registered` is owned by the caller and says whether `w` may be in the list. On `Ready`
    /// the waiter is out of the list again.
    fn poll_claim(
        &self,
        w: Pin<&Waiter>,
        registered: &mut bool,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Claim<'_, T>, Closed>> {
        let mut front = false;
        if *registered {
            // One critical section: refreshing the waker of a queued waiter and noticing a
            // notification must not be split, or a notification landing in between is lost.
            #[cfg(not(ryker_loom_broken = "refresh"))]
            let state = self.waiters.refresh(w, cx.waker());
            // Broken twin `refresh` (loom suite only): the split version.
            #[cfg(ryker_loom_broken = "refresh")]
            let state = match self.waiters.peek(w) {
                WaitState::Queued => {
                    // SAFETY: as below.
                    unsafe { self.waiters.register(w, cx.waker(), false) };
                    WaitState::Queued
                }
                other => other,
            };
            match state {
                // Still waiting for our turn, with the newest waker.
                WaitState::Queued => return Poll::Pending,
                // Our turn: try, and keep our place at the front.
                WaitState::Notified => {
                    *registered = false;
                    front = true;
                }
                // Taken out of the list by someone else: only a `poll_reserve` registration,
                // which `send`/`reserve`/`send_blocking` on the same sender drop (see
                // `Sender::leave_reserve_wait`). We had no turn: start over at the back.
                WaitState::Idle => *registered = false,
            }
        }
        // A sender that finds others waiting queues behind them instead of overtaking.
        if front || !self.waiters.may_have_waiters() {
            match self.ring.claim() {
                Ok(claim) => return Poll::Ready(Ok(claim)),
                Err(ClaimError::Closed) => return Poll::Ready(Err(Closed)),
                Err(ClaimError::Full) => {}
            }
        }
        self.note_full();
        // SAFETY: our owner unregisters `w` before moving or dropping it.
        unsafe { self.waiters.register(w, cx.waker(), front) };
        *registered = true;
        // SeqCst fence: pairs with the receiver's fence in `notify_senders` (module docs).
        fence(Ordering::SeqCst);
        let result = match self.ring.claim() {
            Ok(claim) => Ok(claim),
            Err(ClaimError::Closed) => Err(Closed),
            Err(ClaimError::Full) => return Poll::Pending,
        };
        // Got a slot (or the end) after all: leave the list. A notification that arrived
        // meanwhile was for a freed slot, and we took one; on close everyone is woken anyway.
        self.waiters.remove(w);
        *registered = false;
        Poll::Ready(result)
    }

    /// One poll of a waiting send, whatever the policy. The message stays in `msg` until it
    /// is queued (or dropped under `DropNewest`), and is still there on `Err(Refused::Closed)`.
    /// Passing the caller's slot by reference, rather than moving the message in and out on
    /// every poll, keeps a large message from being copied into each frame on the way
    /// (`send_blocking` used to need over ten times its size in stack).
    fn poll_send(
        &self,
        w: Pin<&Waiter>,
        registered: &mut bool,
        msg: &mut Option<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Sent, Refused>> {
        match self.overflow {
            Overflow::Busy => match self.poll_claim(w, registered, cx) {
                Poll::Ready(Ok(claim)) => {
                    self.publish(claim, take_msg(msg));
                    Poll::Ready(Ok(Sent::Queued))
                }
                Poll::Ready(Err(Closed)) => Poll::Ready(Err(Refused::Closed)),
                Poll::Pending => Poll::Pending,
            },
            Overflow::DropNewest => match self.try_attempt(msg, true) {
                Some(result) => Poll::Ready(result),
                // `try_send` answers a full mailbox with `Dropped` under this policy, so this
                // arm is not reached today; if it were, trying again is the honest answer.
                None => {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
            },
            Overflow::DropOldest => self.poll_force(w, registered, msg, cx),
        }
    }

    /// One `try_send` (`force_send` under `DropOldest`) of the message in `msg`: `None` when
    /// the mailbox is busy (the message is back in `msg`), else the outcome.
    fn try_attempt(&self, msg: &mut Option<T>, count_busy: bool) -> Option<Result<Sent, Refused>> {
        let result = match self.overflow {
            Overflow::DropOldest => self.force_send(take_msg(msg), count_busy),
            _ => self.try_send(take_msg(msg)),
        };
        match result {
            Ok(sent) => Some(Ok(sent)),
            Err(TrySendError::Closed(back)) => {
                *msg = Some(back);
                Some(Err(Refused::Closed))
            }
            Err(TrySendError::Dropped) => Some(Err(Refused::Dropped)),
            Err(TrySendError::Busy(back)) => {
                *msg = Some(back);
                None
            }
        }
    }

    /// `send` under `DropOldest`: evict and push; while the oldest slot is still being
    /// written (nothing to evict yet), wait in the list for its publish (`after_publish`
    /// notifies) or for the receiver to free a slot.
    fn poll_force(
        &self,
        w: Pin<&Waiter>,
        registered: &mut bool,
        msg: &mut Option<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Sent, Refused>> {
        let mut front = false;
        if *registered {
            match self.waiters.refresh(w, cx.waker()) {
                WaitState::Queued => return Poll::Pending,
                WaitState::Notified => {
                    *registered = false;
                    front = true;
                }
                WaitState::Idle => *registered = false,
            }
        }
        if let Some(result) = self.try_attempt(msg, false) {
            return Poll::Ready(result);
        }
        // SAFETY: our owner unregisters `w` before moving or dropping it.
        unsafe { self.waiters.register(w, cx.waker(), front) };
        *registered = true;
        // SeqCst fence: pairs with the fences in `after_publish` and `notify_senders`.
        fence(Ordering::SeqCst);
        let result = match self.try_attempt(msg, false) {
            Some(result) => result,
            None => return Poll::Pending,
        };
        self.waiters.remove(w);
        *registered = false;
        Poll::Ready(result)
    }

    /// Leaves the wait list for good; passes on a notification we never used.
    fn cancel_wait(&self, w: Pin<&Waiter>, registered: &mut bool) {
        let unused_notification = core::mem::take(registered) && self.waiters.remove(w);
        // Broken twin `pass_on` (loom suite only) drops the notification instead.
        if unused_notification && cfg!(not(ryker_loom_broken = "pass_on")) {
            self.waiters.notify(1);
        }
    }

    /// One receive attempt on the ring, by the receiver.
    ///
    /// # Safety
    /// Only the (single) receiver calls this.
    #[inline]
    unsafe fn pop(&self) -> Pop<T> {
        if self.exclusive_pop {
            // SAFETY: the receiver is the only consumer (the caller's contract, enforced by
            // `&mut Receiver`), and without DropOldest no sender ever moves `head`.
            unsafe { self.ring.pop_slot_exclusive() }
        } else {
            self.ring.pop_slot()
        }
    }

    fn stats(&self) -> MailboxStats {
        // Relaxed: statistics only. Read before the counters, so that a snapshot racing the
        // receiver's drop is at worst that drop's few messages apart.
        let rx_gone = self.rx_gone.load(Ordering::Relaxed);
        // The subtracted counters are bumped after the positions move, so they are read first
        // and the differences saturate: a snapshot taken mid-operation is off by that
        // operation, never wrapped.
        let abandoned = self.abandoned.get();
        let dropped_oldest = self.dropped_oldest.get();
        let popped_and_discarded = self.discarded.get();
        let (claims, removals, skipped) = self.ring.ordinals();
        let accepted = claims.saturating_sub(abandoned);
        let received = removals
            .saturating_sub(skipped)
            .saturating_sub(dropped_oldest)
            .saturating_sub(popped_and_discarded);
        let discarded = if rx_gone {
            // No receiver any more: every accepted message it did not receive and that was not
            // evicted is discarded. Most were dropped by the receiver's drop; one whose send
            // was still in progress then (claimed, not yet published), and any queued behind
            // it, are dropped with the mailbox when the last sender goes. `received` is final.
            accepted
                .saturating_sub(received)
                .saturating_sub(dropped_oldest)
        } else {
            popped_and_discarded
        };
        MailboxStats {
            accepted,
            busy: self.busy.get(),
            dropped_newest: self.dropped_newest.get(),
            dropped_oldest,
            received,
            discarded,
            high_water: self.high_water.load(Ordering::Relaxed),
        }
    }

    /// Pops every message queued now and drops it, counting each in `discarded` before its
    /// destructor runs. A destructor that panics does not stop it: a guard pops and drops the
    /// rest while the panic unwinds, and the panic then goes on (as tokio's mpsc receiver and
    /// `Vec` do); a second panic from those is a panic during unwinding, which aborts, as there.
    ///
    /// Bounded: called on a closed mailbox, where at most a ring's worth of slots is left; a
    /// slot whose send is still in progress ends it (`NotReady`), and what is behind it is
    /// dropped with the ring.
    ///
    /// # Safety
    /// Only the (single) receiver calls this, as for [`Shared::pop`].
    unsafe fn discard_queued(&self) {
        /// Goes on with the rest if a destructor panics.
        struct Rest<'a, T, M: Metrics>(&'a Shared<T, M>);

        impl<T, M: Metrics> Drop for Rest<'_, T, M> {
            fn drop(&mut self) {
                // SAFETY: the receiver is dropping this guard (our caller's contract).
                unsafe { self.0.discard_queued() };
            }
        }

        for _ in 0..self.ring.capacity() {
            // SAFETY: we are the receiver (this function's contract).
            match unsafe { self.pop() } {
                Pop::Value(msg) => {
                    self.discarded.add(1);
                    let rest = Rest(self);
                    drop(msg);
                    core::mem::forget(rest);
                }
                Pop::Skipped => {}
                Pop::Empty | Pop::Closed | Pop::NotReady => break,
            }
        }
    }
}

/// The sending half of a mailbox. Clone it for more senders.
///
/// ```
/// use ryker_core::mailbox::{channel, MailboxConfig, Sent};
/// let (tx, mut rx) = channel::<u32>(MailboxConfig { capacity: 1, ..Default::default() });
/// assert_eq!(tx.try_send(1).unwrap(), Sent::Queued);
/// assert!(tx.try_send(2).unwrap_err().is_busy()); // full: handed back
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub struct Sender<T, M: Metrics = NoMetrics> {
    shared: Arc<Shared<T, M>>,
    /// This sender's place in the wait list for `poll_reserve` (which has no pinned future to
    /// keep one in); allocated the first time `poll_reserve` has to wait. An *unbound* waiter
    /// (`Waiter::new_unbound`): nobody promises to poll it again, so a notification is never
    /// spent on it (see `wait_list.rs`).
    waiter: Option<Pin<Box<Waiter>>>,
    /// Whether the last `poll_reserve` returned `Pending` and was neither completed nor
    /// aborted since: the waiter may be in the list. (`send(&self)` may have taken it out
    /// meanwhile; the waiter's state under the list lock is the truth.)
    registered: bool,
}

impl<T, M: Metrics> Sender<T, M> {
    /// Sends without waiting.
    ///
    /// # Errors
    /// When the mailbox is full, what its [`Overflow`] policy says: `Busy(msg)` (handed back),
    /// `Dropped` (`DropNewest`: dropped and counted); under `DropOldest` the oldest message is
    /// evicted and this returns `Ok(Sent::DisplacedOldest)` (or `Busy(msg)` in the rare case the
    /// oldest slot is still being written by another sender). `Closed(msg)` after a close; a
    /// send refused with `Closed` has not touched the mailbox (under `DropOldest` it evicted
    /// nothing).
    ///
    /// # Panics
    /// Messages dropped inside this call are dropped after every counter is updated, so a
    /// panic from their destructor leaves the mailbox consistent and propagates out of this
    /// call: under `DropNewest` it is this message's own destructor (the message was counted in
    /// `dropped_newest`); under `DropOldest` it is the displaced message's, and *this* message
    /// was queued (counted in `accepted`, the displaced one in `dropped_oldest`).
    #[inline]
    pub fn try_send(&self, msg: T) -> Result<Sent, TrySendError<T>> {
        self.shared.try_send(msg)
    }

    /// Sends, waiting for space when the mailbox is full under `Overflow::Busy`. Under the
    /// drop policies the policy applies instead of waiting (and `DropOldest` waits only while
    /// the oldest slot is still being written).
    ///
    /// Waiting senders are woken oldest first, and a woken sender that finds the slot taken
    /// goes back to the front. Fairness is not strict: a sender that arrives while a woken one
    /// is still being scheduled may take the freed slot first, so under sustained contention a
    /// waiter can be overtaken several times (measured: a worst single `send_blocking` wait of
    /// about 0.5 s with 4 producers on 2 cores). Waiting allocates nothing.
    ///
    /// # Cancel safety
    /// If the future is dropped before it completes, the message was not sent and is dropped
    /// with the future; its place among the waiting senders is given up, and a wake-up it had
    /// received is passed on to the next waiting sender.
    ///
    /// ```
    /// # futures_executor_stub::run(async {
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// tx.send(7).await.unwrap();
    /// assert_eq!(rx.recv().await, Some(7));
    /// # });
    /// # mod futures_executor_stub { pub fn run<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop(); let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } } } }
    /// ```
    ///
    /// # Errors
    /// `Closed(msg)` when the mailbox is closed; `Dropped` under `DropNewest` when full.
    ///
    /// # Panics
    /// As [`Sender::try_send`]: a panic from the destructor of a message dropped by the policy
    /// propagates out of the poll, after the counters are updated; under `DropOldest` it comes
    /// from the displaced message, and this message was queued.
    pub fn send(&self, msg: T) -> SendFuture<'_, T, M> {
        self.leave_reserve_wait();
        SendFuture {
            wait: Wait::new(&self.shared),
            msg: Some(msg),
        }
    }

    /// Waits for a free slot and reserves it: the poll-based enqueue. The returned [`Permit`]
    /// sends into that slot without failing.
    ///
    /// A permit holds its slot: messages queued after it are received only once it is used or
    /// dropped, so keep the window between reserving and sending short. Dropping a permit gives
    /// the slot up (the receiver steps over it).
    ///
    /// `poll_reserve` waits for space whatever the overflow policy (it is the backpressure
    /// path). The first time it has to wait it allocates this sender's wait-list entry, which
    /// is then reused for the sender's lifetime.
    ///
    /// # Cancel safety
    /// There is no future to drop: a `Pending` leaves this sender queued for a slot until it
    /// polls again, calls [`Sender::abort_reserve`], or is dropped. Walking away without any
    /// of these (a timeout fired, a `select!` took another branch) costs nobody a wake-up: a
    /// notification is never *spent* on a `poll_reserve` registration (it wakes it, and goes on
    /// to wake a sender waiting in `send`, `reserve` or `send_blocking` as well), and `send`,
    /// `reserve` and `send_blocking` on this same sender give its stale registration up first.
    /// Call `abort_reserve` when giving up anyway: it spares the abandoned entry the wake-ups.
    /// While only `poll_reserve` callers wait, each freed slot wakes all of them (none of them
    /// is bound to come back for it), and one gets the slot.
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (mut tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// let mut cx = Context::from_waker(Waker::noop());
    /// if let Poll::Ready(Ok(permit)) = tx.poll_reserve(&mut cx) {
    ///     permit.send(5);
    /// }
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// ```
    ///
    /// # Errors
    /// [`Closed`] when the mailbox is closed.
    pub fn poll_reserve(&mut self, cx: &mut Context<'_>) -> Poll<Result<Permit<'_, T, M>, Closed>> {
        let waiter = self
            .waiter
            .get_or_insert_with(|| Box::pin(Waiter::new_unbound()));
        match self
            .shared
            .poll_claim(waiter.as_ref(), &mut self.registered, cx)
        {
            Poll::Ready(Ok(claim)) => Poll::Ready(Ok(Permit {
                claim: Some(claim),
                shared: &self.shared,
            })),
            Poll::Ready(Err(closed)) => Poll::Ready(Err(closed)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Waits for a free slot and reserves it (see [`Sender::poll_reserve`]); waiting
    /// allocates nothing.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future before it completes reserves nothing; its place among
    /// the waiting senders is given up and a wake-up it had received is passed on.
    ///
    /// # Errors
    /// [`Closed`] when the mailbox is closed.
    pub fn reserve(&self) -> Reserve<'_, T, M> {
        self.leave_reserve_wait();
        Reserve {
            wait: Wait::new(&self.shared),
        }
    }

    /// Gives up a reservation in progress, as tokio-util's `PollSender::abort_send`: after a
    /// [`Sender::poll_reserve`] that returned `Pending`, takes this sender out of the queue of
    /// senders waiting for a slot. Returns whether there was such a reservation.
    ///
    /// Nothing is reserved until `poll_reserve` returns `Ready`, so nothing is given back
    /// here, and no wake-up is lost (one is never spent on a `poll_reserve` registration; see
    /// its cancel safety). The next `poll_reserve` starts afresh, at the back of the queue.
    ///
    /// ```
    /// use std::task::{Context, Waker};
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (mut tx, mut rx) = channel::<u32>(MailboxConfig { capacity: 1, ..Default::default() });
    /// tx.try_send(1).unwrap();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(tx.poll_reserve(&mut cx).is_pending()); // full: queued for a slot
    /// // ... a timeout fires: give up.
    /// assert!(tx.abort_reserve());
    /// assert!(!tx.abort_reserve()); // nothing left to give up
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn abort_reserve(&mut self) -> bool {
        let Some(waiter) = &self.waiter else {
            return false;
        };
        // `registered` alone may be stale: `send`, `reserve` and `send_blocking` take the
        // registration out of the list through `&self`, which cannot clear the flag, and leave
        // the waiter `Idle`. Only this sender moves its waiter to `Idle`, so the state read
        // here cannot go stale before `cancel_wait`.
        let was_pending =
            self.registered && self.shared.waiters.peek(waiter.as_ref()) != WaitState::Idle;
        self.shared
            .cancel_wait(waiter.as_ref(), &mut self.registered);
        was_pending
    }

    /// Takes out of the wait list a registration left by a `poll_reserve` that returned
    /// `Pending` and was not polled again: `send`, `reserve` and `send_blocking` on this
    /// sender call it first, since the caller has evidently moved on. `&self` cannot clear
    /// `registered`; the waiter becomes `Idle` under the list lock, which is what the next
    /// `poll_reserve` reads. (Correctness does not depend on it: a notification is never spent
    /// on this waiter. It spares the stale entry its wake-ups and keeps it from making the new
    /// wait queue behind it.)
    #[inline]
    fn leave_reserve_wait(&self) {
        if self.registered {
            if let Some(waiter) = &self.waiter {
                self.shared.cancel_wait(waiter.as_ref(), &mut true);
            }
        }
    }

    /// Whether the mailbox is closed (the receiver closed it or is gone).
    #[inline]
    pub fn is_closed(&self) -> bool {
        self.shared.ring.is_closed()
    }

    /// Number of slots.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.shared.ring.capacity()
    }

    /// Number of queued messages (a snapshot).
    #[inline]
    pub fn len(&self) -> usize {
        self.shared.ring.len()
    }

    /// Whether no message is queued (a snapshot).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.shared.ring.is_empty()
    }

    /// The mailbox's counters.
    pub fn stats(&self) -> MailboxStats {
        self.shared.stats()
    }

    /// Sends from a plain thread, parking it while the mailbox is full (as [`Sender::send`]).
    ///
    /// Not for async code: parking a thread that runs an async runtime's tasks stalls the
    /// runtime (a single-threaded one for good, if the peer is a task on it). Use
    /// `send(msg).await` there, or call this from a thread meant for blocking (tokio's
    /// `spawn_blocking`).
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// let t = std::thread::spawn(move || tx.send_blocking(3).unwrap());
    /// assert_eq!(rx.recv_blocking(), Some(3));
    /// t.join().unwrap();
    /// ```
    ///
    /// # Errors
    /// As [`Sender::send`].
    ///
    /// # Panics
    /// When it would have to wait inside async code that a runtime adapter can recognise
    /// (`ryker-tokio`, `ryker-asyncstd`; see
    /// [`AsyncContextProbe`](crate::blocking::AsyncContextProbe)), with a message saying what
    /// to call instead.
    #[cfg(feature = "std")]
    pub fn send_blocking(&self, msg: T) -> Result<Sent, SendError<T>> {
        self.leave_reserve_wait();
        // The message stays in this frame until it is written into its slot: it is never
        // moved into a future (a large message used to be copied into every frame of
        // `block_on` → `SendFuture::poll` → ..., ten times its size in stack and more).
        if self.shared.overflow != Overflow::Busy {
            let mut msg = Some(msg);
            let wait = SendInPlace {
                wait: Wait::new(&self.shared),
                msg: &mut msg,
            };
            return match crate::blocking::block_on_spin(wait, true) {
                Ok(sent) => Ok(sent),
                Err(Refused::Closed) => Err(SendError::Closed(take_msg(&mut msg))),
                Err(Refused::Dropped) => Err(SendError::Dropped),
            };
        }
        // Spin briefly for a slot before parking, unless others already wait (they go first).
        // Only a claim is retried: nothing is registered while spinning.
        let shared = &*self.shared;
        let claim = crate::blocking::spin_then(|| {
            if shared.waiters.may_have_waiters() {
                return Some(None);
            }
            match shared.ring.claim() {
                Ok(claim) => Some(Some(Ok(claim))),
                Err(ClaimError::Closed) => Some(Some(Err(Closed))),
                Err(ClaimError::Full) => None,
            }
        });
        let claim = match claim {
            Some(Some(claim)) => claim,
            // Wait for a slot with a waiter in `block_on`'s frame; the message waits here.
            Some(None) | None => crate::blocking::block_on_spin(
                ClaimFuture {
                    wait: Wait::new(shared),
                },
                true,
            ),
        };
        match claim {
            Ok(claim) => {
                shared.publish(claim, msg);
                Ok(Sent::Queued)
            }
            Err(Closed) => Err(SendError::Closed(msg)),
        }
    }
}

impl<T, M: Metrics> Sender<T, M> {
    /// Closes the mailbox for every sender: sends from now on get `Closed` back (waiting ones
    /// are woken), while every message already accepted stays receivable, so the receiver
    /// drains them and then sees the end. The actor layer's `shutdown` is this.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u8>(MailboxConfig::default());
    /// tx.try_send(1).unwrap();
    /// tx.close();
    /// assert!(tx.try_send(2).unwrap_err().is_closed());
    /// assert_eq!(rx.recv_blocking(), Some(1));
    /// assert_eq!(rx.recv_blocking(), None);
    /// ```
    pub fn close(&self) {
        self.shared.close();
    }

    /// A [`WeakSender`]: it does not keep the mailbox open, and can become a `Sender` again
    /// while some other sender is alive.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, rx) = channel::<u8>(MailboxConfig::default());
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx); // the last sender: the mailbox closes
    /// assert!(weak.upgrade().is_none());
    /// # drop(rx);
    /// ```
    pub fn downgrade(&self) -> WeakSender<T, M> {
        WeakSender {
            shared: self.shared.clone(),
        }
    }

    /// The metrics hook this mailbox was built with.
    pub(crate) fn hooks(&self) -> &M {
        &self.shared.metrics
    }
}

/// A sender that does not count: the mailbox closes when the last [`Sender`] goes, whatever
/// weak senders remain. Made by [`Sender::downgrade`].
pub struct WeakSender<T, M: Metrics = NoMetrics> {
    shared: Arc<Shared<T, M>>,
}

impl<T, M: Metrics> WeakSender<T, M> {
    /// A `Sender` again, unless every `Sender` is gone (the mailbox has closed).
    pub fn upgrade(&self) -> Option<Sender<T, M>> {
        // Relaxed: the count only decides whether a sender may be made (as `Arc::upgrade`'s
        // count; the shared state itself is kept alive by our `Arc`). Once it reached zero the
        // last sender closed the mailbox, and a CAS from zero never succeeds, so a closed-by-drop
        // mailbox is never reopened.
        let mut n = self.shared.senders.load(Ordering::Relaxed);
        loop {
            if n == 0 {
                return None;
            }
            match self.shared.senders.compare_exchange_weak(
                n,
                n + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    return Some(Sender {
                        shared: self.shared.clone(),
                        waiter: None,
                        registered: false,
                    })
                }
                Err(now) => n = now,
            }
        }
    }

    /// Closes the mailbox, as [`Sender::close`].
    pub fn close(&self) {
        self.shared.close();
    }

    /// Whether the mailbox is closed.
    pub fn is_closed(&self) -> bool {
        self.shared.ring.is_closed()
    }

    /// The mailbox's counters.
    pub fn stats(&self) -> MailboxStats {
        self.shared.stats()
    }

    /// The metrics hook this mailbox was built with.
    pub(crate) fn hooks(&self) -> &M {
        &self.shared.metrics
    }
}

impl<T, M: Metrics> Clone for WeakSender<T, M> {
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
        }
    }
}

impl<T, M: Metrics> fmt::Debug for WeakSender<T, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender")
            .field("ring", &self.shared.ring)
            .finish_non_exhaustive()
    }
}

impl<T, M: Metrics> Clone for Sender<T, M> {
    fn clone(&self) -> Self {
        // Relaxed: a new sender is made from an existing one, which keeps the count above zero
        // meanwhile; nothing is published through the count (as `Arc::clone`).
        self.shared.senders.fetch_add(1, Ordering::Relaxed);
        Self {
            shared: self.shared.clone(),
            waiter: None,
            registered: false,
        }
    }
}

impl<T, M: Metrics> Drop for Sender<T, M> {
    fn drop(&mut self) {
        if let Some(waiter) = &self.waiter {
            self.shared
                .cancel_wait(waiter.as_ref(), &mut self.registered);
        }
        // AcqRel: the last sender's decrement must see every other sender's work done
        // (Acquire), and each decrement releases this sender's sends to it (Release).
        if self.shared.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.ring.close();
            // Straight after the closing RMW: a receiver waiting on empty must see the end.
            self.shared.after_publish();
        }
    }
}

impl<T, M: Metrics> fmt::Debug for Sender<T, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("ring", &self.shared.ring)
            .field("overflow", &self.shared.overflow)
            .finish_non_exhaustive()
    }
}

// Unwind safety, as tokio's `mpsc` halves: a panic caught around a mailbox call leaves the
// mailbox consistent. The wait-list lock is released by a guard, a claim dropped by unwinding
// is published as SKIP (the receiver steps over it), and a message is only ever moved, never
// lent to user code across a mailbox operation, so `T` needs no bound. The metrics hook `M` is
// user code with its own shared state, called in the middle of our operations: it must be
// `RefUnwindSafe` itself (`NoMetrics` is).
impl<T, M: Metrics + RefUnwindSafe> UnwindSafe for Sender<T, M> {}
impl<T, M: Metrics + RefUnwindSafe> RefUnwindSafe for Sender<T, M> {}
impl<T, M: Metrics + RefUnwindSafe> UnwindSafe for WeakSender<T, M> {}
impl<T, M: Metrics + RefUnwindSafe> RefUnwindSafe for WeakSender<T, M> {}
impl<T, M: Metrics + RefUnwindSafe> UnwindSafe for Receiver<T, M> {}
impl<T, M: Metrics + RefUnwindSafe> RefUnwindSafe for Receiver<T, M> {}
impl<T, M: Metrics + RefUnwindSafe> UnwindSafe for Permit<'_, T, M> {}
impl<T, M: Metrics + RefUnwindSafe> RefUnwindSafe for Permit<'_, T, M> {}

/// A reserved slot (see [`Sender::poll_reserve`]). Sending through it cannot fail.
pub struct Permit<'a, T, M: Metrics = NoMetrics> {
    claim: Option<Claim<'a, T>>,
    shared: &'a Shared<T, M>,
}

impl<T, M: Metrics> Permit<'_, T, M> {
    /// Sends `msg` into the reserved slot.
    #[inline]
    pub fn send(mut self, msg: T) {
        if let Some(claim) = self.claim.take() {
            self.shared.publish(claim, msg);
        }
    }
}

impl<T, M: Metrics> Drop for Permit<'_, T, M> {
    fn drop(&mut self) {
        if let Some(claim) = self.claim.take() {
            // Give the slot up: it is published as SKIP, which the receiver steps over; the
            // receiver may be waiting on exactly this slot, so wake it after the store.
            drop(claim);
            // Relaxed: statistics counter.
            self.shared.abandoned.add(1);
            // Broken twin `skip_wake` (loom suite only) forgets this wake-up.
            #[cfg(not(ryker_loom_broken = "skip_wake"))]
            self.shared.after_publish();
        }
    }
}

impl<T, M: Metrics> fmt::Debug for Permit<'_, T, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

/// A sender's place in the wait list, inside a pinned future; leaving it (on drop) gives the
/// place up and passes on a notification it never used.
struct Wait<'a, T, M: Metrics> {
    shared: &'a Shared<T, M>,
    waiter: Waiter,
    registered: bool,
    _pinned: PhantomPinned,
}

impl<'a, T, M: Metrics> Wait<'a, T, M> {
    fn new(shared: &'a Shared<T, M>) -> Self {
        Self {
            shared,
            waiter: Waiter::new(),
            registered: false,
            _pinned: PhantomPinned,
        }
    }

    /// The shared state, the pinned waiter and its flag.
    fn project(self: Pin<&mut Self>) -> (&'a Shared<T, M>, Pin<&Waiter>, &mut bool) {
        // SAFETY: `waiter` is never moved out of the pinned `Wait` (only borrowed, pinned,
        // below); `shared` and `registered` are not structurally pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: `waiter` stays at this address until `Wait` is dropped, and `Drop` removes
        // it from the wait list first.
        let waiter = unsafe { Pin::new_unchecked(&this.waiter) };
        (this.shared, waiter, &mut this.registered)
    }
}

impl<T, M: Metrics> Drop for Wait<'_, T, M> {
    fn drop(&mut self) {
        // SAFETY: the waiter is pinned (we are being dropped in place).
        let waiter = unsafe { Pin::new_unchecked(&self.waiter) };
        self.shared.cancel_wait(waiter, &mut self.registered);
    }
}

/// The future returned by [`Sender::send`].
#[must_use = "futures do nothing unless polled"]
pub struct SendFuture<'a, T, M: Metrics = NoMetrics> {
    wait: Wait<'a, T, M>,
    msg: Option<T>,
}

impl<T, M: Metrics> Future for SendFuture<'_, T, M> {
    type Output = Result<Sent, SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `wait` is structurally pinned (only used through `Pin::new_unchecked`
        // below, never moved); `msg` is not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        if this.msg.is_none() {
            panic!("`SendFuture` polled after completion");
        }
        // SAFETY: see above: `wait` is never moved.
        let (shared, waiter, registered) = unsafe { Pin::new_unchecked(&mut this.wait) }.project();
        // The message stays in `this.msg` while it waits (see `Shared::poll_send`).
        match shared.poll_send(waiter, registered, &mut this.msg, cx) {
            Poll::Ready(Ok(sent)) => Poll::Ready(Ok(sent)),
            Poll::Ready(Err(Refused::Closed)) => {
                Poll::Ready(Err(SendError::Closed(take_msg(&mut this.msg))))
            }
            Poll::Ready(Err(Refused::Dropped)) => Poll::Ready(Err(SendError::Dropped)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// `send_blocking`'s wait under the drop policies: a send whose message stays in the caller's
/// frame (`block_on` moves only this small future around, never the message).
#[cfg(feature = "std")]
struct SendInPlace<'a, 'm, T, M: Metrics> {
    wait: Wait<'a, T, M>,
    msg: &'m mut Option<T>,
}

#[cfg(feature = "std")]
impl<T, M: Metrics> Future for SendInPlace<'_, '_, T, M> {
    type Output = Result<Sent, Refused>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `wait` is structurally pinned (only used through `Pin::new_unchecked`
        // below, never moved); `msg` is a plain reference.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above: `wait` is never moved.
        let (shared, waiter, registered) = unsafe { Pin::new_unchecked(&mut this.wait) }.project();
        shared.poll_send(waiter, registered, this.msg, cx)
    }
}

/// `send_blocking`'s wait for a slot under `Busy`: the message waits in the caller's frame and
/// is written into the slot once, after the wait.
#[cfg(feature = "std")]
struct ClaimFuture<'a, T, M: Metrics> {
    wait: Wait<'a, T, M>,
}

#[cfg(feature = "std")]
impl<'a, T, M: Metrics> Future for ClaimFuture<'a, T, M> {
    type Output = Result<Claim<'a, T>, Closed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `wait` is structurally pinned and never moved.
        let (shared, waiter, registered) =
            unsafe { self.map_unchecked_mut(|c| &mut c.wait) }.project();
        shared.poll_claim(waiter, registered, cx)
    }
}

impl<T, M: Metrics> fmt::Debug for SendFuture<'_, T, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("registered", &self.wait.registered)
            .finish_non_exhaustive()
    }
}

/// The future returned by [`Sender::reserve`].
#[must_use = "futures do nothing unless polled"]
pub struct Reserve<'a, T, M: Metrics = NoMetrics> {
    wait: Wait<'a, T, M>,
}

impl<'a, T, M: Metrics> Future for Reserve<'a, T, M> {
    type Output = Result<Permit<'a, T, M>, Closed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `wait` is structurally pinned and never moved.
        let this = unsafe { self.map_unchecked_mut(|r| &mut r.wait) };
        let (shared, waiter, registered) = this.project();
        shared.poll_claim(waiter, registered, cx).map(|claim| {
            claim.map(|claim| Permit {
                claim: Some(claim),
                shared,
            })
        })
    }
}

impl<T, M: Metrics> fmt::Debug for Reserve<'_, T, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reserve")
            .field("registered", &self.wait.registered)
            .finish_non_exhaustive()
    }
}

/// The receiving half of a mailbox.
///
/// ```
/// use ryker_core::mailbox::{channel, MailboxConfig};
/// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
/// for i in 0..3 { tx.try_send(i).unwrap(); }
/// drop(tx); // the last sender closes the mailbox
/// let mut got = Vec::new();
/// while let Some(i) = rx.recv_blocking() { got.push(i); }
/// assert_eq!(got, [0, 1, 2]);
/// ```
pub struct Receiver<T, M: Metrics = NoMetrics> {
    shared: Arc<Shared<T, M>>,
    /// Receives since the last high-water sample.
    since_sample: u32,
    /// Whether senders look mid-stream, which decides how an empty mailbox is waited on (see
    /// `poll_recv_many`).
    streaming: Streaming,
}

/// How the receiver waits the next time it finds the mailbox empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Streaming {
    /// Register the waker (the last registration was needed: it ended in `Pending`).
    Idle,
    /// Senders look mid-stream: the last registration was overtaken by a publish (the
    /// re-check after it found a message), the last receive took more than one message, or
    /// the last yield found messages. Yield once instead of registering.
    Busy,
    /// The last empty poll yielded: register if the mailbox is still empty.
    Yielded,
}

/// A one-message buffer for the single-message receive paths.
struct One<T>(Option<T>);

impl<T> Extend<T> for One<T> {
    #[inline]
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        // Callers extend with exactly one item at a time and at most once (limit 1).
        if let Some(msg) = iter.into_iter().next() {
            self.0 = Some(msg);
        }
    }
}

/// How a batch pop ended.
enum Drained {
    /// Stopped at the limit, or at a slot with nothing (yet) in it.
    More,
    /// Stepped over as many abandoned slots as the budget allows without finding a message:
    /// the caller yields (wakes itself) rather than spin on a stream of dropped permits.
    Yield,
    /// Closed and empty.
    End,
}

impl<T, M: Metrics> Receiver<T, M> {
    /// Pops up to `limit` messages into `out`, then runs the sender notification once for
    /// every slot freed.
    #[inline]
    fn pop_into<E: Extend<T>>(&mut self, out: &mut E, limit: usize) -> (usize, Drained) {
        self.sample_depth();
        let mut taken = 0;
        let mut freed = 0;
        let mut end = Drained::More;
        // Abandoned slots (dropped permits) are stepped over, at most a ring's worth per call.
        let mut skip_budget = self.shared.ring.capacity();
        while taken < limit {
            // SAFETY: we are the receiver (`&mut self`).
            match unsafe { self.shared.pop() } {
                Pop::Value(msg) => {
                    out.extend(core::iter::once(msg));
                    taken += 1;
                    freed += 1;
                }
                Pop::Skipped => {
                    freed += 1;
                    skip_budget -= 1;
                    if skip_budget == 0 {
                        end = Drained::Yield;
                        break;
                    }
                }
                Pop::Empty | Pop::NotReady => break,
                Pop::Closed => {
                    end = Drained::End;
                    break;
                }
            }
        }
        if freed > 0 {
            self.shared.metrics.on_received(taken);
            self.shared.notify_senders(freed);
        }
        (taken, end)
    }

    /// Samples the queue depth for `high_water` every 64 receive calls.
    #[inline]
    fn sample_depth(&mut self) {
        self.since_sample = self.since_sample.wrapping_add(1);
        if self.since_sample >= 64 {
            self.since_sample = 0;
            let depth = self.shared.ring.len();
            // Relaxed: statistics only. Read first, so the locked RMW runs only when the mark
            // actually rises (it is rare once the mailbox has been through its busiest moment).
            if depth > self.shared.high_water.load(Ordering::Relaxed) {
                self.shared.high_water.fetch_max(depth, Ordering::Relaxed);
            }
        }
    }

    /// One non-waiting receive: `Some(Ok)`, `Some(Err(Closed))` at the end, `None` if nothing
    /// is ready.
    #[inline]
    fn try_take(&mut self) -> Result<T, TryRecvError> {
        let mut one = One(None);
        match self.pop_into(&mut one, 1) {
            (1, _) => Ok(one.0.take().expect("pop_into reported one message")),
            (_, Drained::End) => Err(TryRecvError::Closed),
            _ => Err(TryRecvError::Empty),
        }
    }

    /// Receives without waiting.
    ///
    /// # Errors
    /// `Empty` when nothing is ready (including a message whose send is still in progress),
    /// `Closed` when the mailbox is closed and every accepted message has been received.
    #[inline]
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        #[cfg(ryker_loom_broken = "close")]
        if self.shared.ring.is_closed() {
            // Deliberately broken twin: forgets the messages still queued at close.
            return Err(TryRecvError::Closed);
        }
        self.try_take()
    }

    /// Polls for the next message: `Ready(Some)` with one, `Ready(None)` once the mailbox is
    /// closed and drained, `Pending` (with the waker registered, or woken already: see
    /// [`Receiver::poll_recv_many`]) otherwise.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut one = One(None);
        match self.poll_recv_many(cx, &mut one, 1) {
            Poll::Ready(_) => Poll::Ready(one.0),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Polls for up to `limit` messages, appended to `out` oldest first.
    ///
    /// `Ready(n)` with `n >= 1` as soon as at least one message is there (it takes what is
    /// ready, up to `limit`, without waiting for more); `Ready(0)` only when the mailbox is
    /// closed and drained, or when `limit` is 0; `Pending` (with the waker registered)
    /// otherwise.
    ///
    /// While senders are mid-stream (the last registration was overtaken by a send before it
    /// was even needed, the last receive took more than one message, or the last yield found
    /// messages), an empty mailbox first answers `Pending` *without* registering, having
    /// woken `cx`'s waker itself: a yield, so that the next send does not have to pay for
    /// waking a receiver that is about to look again anyway. At most one such yield in a row:
    /// if the mailbox is still empty on the next poll, the waker is registered as usual.
    pub fn poll_recv_many<E: Extend<T>>(
        &mut self,
        cx: &mut Context<'_>,
        out: &mut E,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        #[cfg(ryker_loom_broken = "close")]
        if self.shared.ring.is_closed() {
            // Deliberately broken twin: forgets the messages still queued at close.
            return Poll::Ready(0);
        }
        match self.pop_into(out, limit) {
            (0, Drained::More) => {}
            (0, Drained::Yield) => {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            (n, _) => {
                // More than one message at once, or messages found by a yield: mid-stream.
                // A single message leaves the state as it is (request/response stays `Idle`).
                if n > 1 || self.streaming == Streaming::Yielded {
                    self.streaming = Streaming::Busy;
                }
                return Poll::Ready(n);
            }
        }
        if self.streaming == Streaming::Busy {
            // Senders look mid-stream: a registration now would most likely be overtaken by
            // their next publish, and that sender would pay for taking and waking a waker we
            // do not need (a cross-thread task wake-up per message or two when the receiver
            // keeps catching up: measured as the SPSC slowdown on 2-worker executors). Yield
            // once instead. Nothing is registered, so no sender's wake-up is involved: we wake
            // ourselves, and the executor polls us again. Bounded: one yield in a row; if the
            // mailbox is still empty then, we register below.
            self.streaming = Streaming::Yielded;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.shared.rx_waker.register(cx.waker());
        // SeqCst fence: pairs with the fence in `after_publish` (module docs).
        fence(Ordering::SeqCst);
        #[cfg(ryker_loom_broken = "recheck")]
        {
            // Deliberately broken twin: no re-check after registering the waker.
            Poll::Pending
        }
        #[cfg(not(ryker_loom_broken = "recheck"))]
        match self.pop_into(out, limit) {
            (0, Drained::More) => {
                self.streaming = Streaming::Idle;
                Poll::Pending
            }
            (0, Drained::Yield) => {
                self.shared.rx_waker.disarm();
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            (n, _) => {
                // Nobody needs to wake us for this: take the waker back. A message overtook
                // our registration: senders are busy (see above).
                self.shared.rx_waker.disarm();
                self.streaming = Streaming::Busy;
                Poll::Ready(n)
            }
        }
    }

    /// Receives the next message; `None` once the mailbox is closed and drained.
    ///
    /// # Cancel safety
    /// Cancel safe: a message is taken only on the poll that returns it.
    pub async fn recv(&mut self) -> Option<T> {
        core::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Receives up to `limit` messages into `out` (see [`Receiver::poll_recv_many`]); returns
    /// how many. `0` only when closed and drained, or when `limit` is 0.
    ///
    /// # Cancel safety
    /// Cancel safe: messages are taken only on the poll that returns them.
    pub async fn recv_many<E: Extend<T>>(&mut self, out: &mut E, limit: usize) -> usize {
        core::future::poll_fn(|cx| self.poll_recv_many(cx, out, limit)).await
    }

    /// Receives from a plain thread, parking it while the mailbox is empty.
    ///
    /// Not for async code: parking a thread that runs an async runtime's tasks stalls the
    /// runtime (a single-threaded one for good, if the peer is a task on it). Use
    /// `recv().await` there, or call this from a thread meant for blocking (tokio's
    /// `spawn_blocking`).
    ///
    /// # Panics
    /// When it would have to wait inside async code that a runtime adapter can recognise
    /// (`ryker-tokio`, `ryker-asyncstd`; see
    /// [`AsyncContextProbe`](crate::blocking::AsyncContextProbe)), with a message saying what
    /// to call instead.
    #[cfg(feature = "std")]
    pub fn recv_blocking(&mut self) -> Option<T> {
        let mut one = One(None);
        self.recv_many_blocking(&mut one, 1);
        one.0
    }

    /// Receives up to `limit` messages from a plain thread, parking it while the mailbox is
    /// empty (see [`Receiver::recv_blocking`] for where not to call it).
    #[cfg(feature = "std")]
    pub fn recv_many_blocking<E: Extend<T>>(&mut self, out: &mut E, limit: usize) -> usize {
        if limit == 0 {
            return 0;
        }
        // Spin briefly before parking, with plain pops: nothing is registered while spinning,
        // so senders are not made to wake us for messages we are about to see anyway.
        let ready = crate::blocking::spin_then(|| match self.pop_into(out, limit) {
            (0, Drained::More | Drained::Yield) => None,
            (n, _) => Some(n),
        });
        match ready {
            Some(n) => n,
            None => {
                // We have just looked again for a while: register straight away (the yield
                // of a mid-stream receiver, see `poll_recv_many`, would only repeat that).
                self.streaming = Streaming::Idle;
                crate::blocking::block_on_spin(self.recv_many(out, limit), false)
            }
        }
    }

    /// Closes the mailbox: senders get `Closed` from now on (waiting ones are woken), while
    /// every message already accepted stays receivable.
    pub fn close(&mut self) {
        self.shared.ring.close();
        self.shared.waiters.notify_all();
    }

    /// Whether the mailbox is closed.
    #[inline]
    pub fn is_closed(&self) -> bool {
        self.shared.ring.is_closed()
    }

    /// Number of slots.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.shared.ring.capacity()
    }

    /// Number of queued messages (a snapshot).
    #[inline]
    pub fn len(&self) -> usize {
        self.shared.ring.len()
    }

    /// Whether no message is queued (a snapshot).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.shared.ring.is_empty()
    }

    /// The mailbox's counters.
    pub fn stats(&self) -> MailboxStats {
        self.shared.stats()
    }
}

impl<T, M: Metrics> Drop for Receiver<T, M> {
    fn drop(&mut self) {
        self.close();
        // Release the waker a last poll may have left registered: it can keep a finished
        // task's memory alive for as long as any sender lives.
        self.shared.rx_waker.disarm();
        // Relaxed: statistics only (`stats` counts what is left as discarded from now on).
        self.shared.rx_gone.store(true, Ordering::Relaxed);
        // Drop what is queued now, counting it, past a destructor that panics; values whose
        // sends are still in progress are dropped with the ring when the last sender goes.
        // SAFETY: we are the receiver (`&mut self`).
        unsafe { self.shared.discard_queued() };
    }
}

impl<T, M: Metrics> fmt::Debug for Receiver<T, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("ring", &self.shared.ring)
            .finish_non_exhaustive()
    }
}
