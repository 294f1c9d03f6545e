//! The state both halves share: the ring, the receiver's waker, the senders' wait list, the
//! counters, and the send/receive steps that need more than one of them.

use core::pin::Pin;
use core::task::{Context, Poll};

use super::{Attachment, MailboxConfig, Overflow, Sent};
use crate::error::{Closed, ReserveManyError, TrySendError};
use crate::metrics::{Counter, MailboxStats};
use crate::ring::{Claim, ClaimError, ClaimRun, EmptyCheck, ForceClaim, Forced, Pop, Ring};
use crate::sync::{broken_twin, fence, AtomicBool, AtomicUsize, CachePadded, Ordering};
use crate::wait_list::{WaitList, WaitState, Waiter};
use crate::waker::WakerCell;

/// Why a waiting send ended without queueing its message (see `Shared::poll_send`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Refused {
    /// The mailbox is closed; the message is still in the caller's slot.
    Closed,
    /// `DropNewest` dropped it (counted).
    Dropped,
}

/// The message of a send that is still in progress.
#[inline]
pub(super) fn take_msg<T>(msg: &mut Option<T>) -> T {
    match msg.take() {
        Some(msg) => msg,
        None => panic!("send polled after completion"),
    }
}

/// State shared by the two halves.
pub(super) struct Shared<T, X> {
    pub(super) ring: Ring<T>,
    pub(super) rx_waker: CachePadded<WakerCell>,
    pub(super) waiters: WaitList,
    /// Live `Sender`s; the last one to go closes the mailbox.
    pub(super) senders: AtomicUsize,
    /// Set just before every close of the ring (`Shared::close_ring`, the only way a mailbox
    /// is closed). The blocking receiver's spin looks with `EmptyCheck::Open`, which never
    /// reads `tail` and so never sees the closed bit: while this is unset, it spins on an
    /// "empty"; once set, it looks with the fenced check, which finds the end. Written once,
    /// so it stays in every core's cache, away from the line every send writes.
    pub(super) closing: AtomicBool,
    pub(super) overflow: Overflow,
    /// The ring was built for a single consumer (`overflow` is not `DropOldest`, so nothing
    /// evicts): the receiver pops with `Ring::pop_slot_exclusive`.
    pub(super) exclusive_pop: bool,
    // Slow-path counters (Relaxed RMWs: statistics only, nothing is read through them; 64-bit
    // on every target, see `metrics::Counter`).
    pub(super) busy: Counter,
    pub(super) dropped_newest: Counter,
    pub(super) dropped_oldest: Counter,
    /// Plain claims (a send's, not held by a permit) given up unpublished: a `send` or a
    /// blocking send whose queued waker panicked as it left the wait list (`GivenUpOnUnwind`).
    /// Their slots become SKIP.
    pub(super) abandoned: Counter,
    /// Claims held by permits (`Claim::hold`, `ClaimRun::hold`), counted when held: no message
    /// yet, so `stats` takes them out of `accepted` until their permit sends (`permits_sent`).
    /// A permit given up is counted nowhere else: its reservation never was a message.
    pub(super) reserved: Counter,
    /// Messages sent through permits (`Permit::send`, `OwnedPermit::send`), counted just
    /// before the publish, as a plain send is counted by its claim.
    pub(super) permits_sent: Counter,
    /// Messages the receiver's drop popped and dropped.
    pub(super) discarded: Counter,
    /// The receiver is gone: every accepted message it did not receive and that was not
    /// evicted is discarded (statistics only; see `stats`).
    pub(super) rx_gone: AtomicBool,
    /// `Sender::closed` futures waiting for the close: a list of its own, never notified one
    /// by one (only `notify_all`, by `close_waiters_wake` after a close), so no wake-up meant
    /// for a sender waiting for a slot in `waiters` ever lands on one of them.
    pub(super) close_waiters: WaitList,
    /// Live `WeakSender`s, for `weak_count` only: nothing in the protocol reads it, and only
    /// making, cloning and dropping a weak sender writes it (away from `senders`, which the
    /// send path reads).
    pub(super) weak_senders: AtomicUsize,
    /// Written by the receiver (and by senders that find the mailbox full).
    pub(super) high_water: AtomicUsize,
    pub(super) attachment: X,
}

impl<T, X: Attachment> Shared<T, X> {
    pub(super) fn new(ring: Ring<T>, config: &MailboxConfig, attachment: X) -> Self {
        let exclusive_pop = ring.single_consumer();
        debug_assert_eq!(exclusive_pop, config.overflow != Overflow::DropOldest);
        Shared {
            ring,
            rx_waker: CachePadded::new(WakerCell::new()),
            waiters: WaitList::new(),
            senders: AtomicUsize::new(1),
            closing: AtomicBool::new(false),
            overflow: config.overflow,
            exclusive_pop,
            busy: Counter::new(),
            dropped_newest: Counter::new(),
            dropped_oldest: Counter::new(),
            abandoned: Counter::new(),
            reserved: Counter::new(),
            permits_sent: Counter::new(),
            discarded: Counter::new(),
            rx_gone: AtomicBool::new(false),
            weak_senders: AtomicUsize::new(0),
            close_waiters: WaitList::new(),
            high_water: AtomicUsize::new(0),
            attachment,
        }
    }

    /// Publishes the slot that a plain send (`try_send`, `send`, `blocking_send`; not a
    /// permit, not under `DropOldest`) has just claimed, and wakes the receiver if it may be
    /// waiting.
    ///
    /// No fence here: the claim's SeqCst CAS on `tail` is the sender's half of the wake-up
    /// protocol (module docs). A receiver whose re-check reads `tail` from before the claim is
    /// ordered before it, so our SeqCst load of the waker state below sees its registration;
    /// a receiver whose re-check sees the claim but not yet the publish looks again instead of
    /// parking (`Pop::NotReady`). Only plain sends may rely on that: their claim and their
    /// publish are in one call, so "looks again" is a short wait. (Not always a few
    /// instructions: a send that queued for a slot takes itself out of the wait list in between,
    /// which takes the list's lock and drops the waker it had queued.)
    #[inline]
    pub(super) fn publish(&self, claim: Claim<'_, T>, msg: T) {
        debug_assert!(
            self.overflow != Overflow::DropOldest,
            "DropOldest sends publish through `force_send`"
        );
        // loom models a SeqCst RMW like an AcqRel one (loom's README: SeqCst accesses are
        // treated as AcqRel), which is weaker than what the claim CAS guarantees; a SeqCst
        // fence right after the claim (nothing shared is touched in between but the wait
        // list, see `poll_claim`) stands for it, so the models check the protocol as it is.
        // Broken twin `wake` (loom suite only) leaves it out: nothing then orders the claim
        // before our waker load, and a receiver that registers in between sleeps on.
        #[cfg(ryker_loom)]
        if !broken_twin!("wake") {
            fence(Ordering::SeqCst);
        }
        claim.publish(msg);
        if self.rx_waker.may_need_wake() {
            self.rx_waker.wake();
        }
        self.attachment.on_accepted();
    }

    /// Publishes a claimed slot with a SeqCst fence before the waker load, and wakes the
    /// receiver if it may be waiting: what a permit's slot needs (`Claim::hold` marked it
    /// `RESERVED`, so the receiver may be parked on it), and what a lone blocking sender
    /// measured faster with.
    #[inline]
    pub(super) fn publish_fenced(&self, claim: Claim<'_, T>, msg: T) {
        claim.publish(msg);
        self.after_publish();
        self.attachment.on_accepted();
    }

    /// The sender half of the receiver wake-up protocol (module docs) for every publishing
    /// store that is not a plain send's (a permit's value or SKIP, a `DropOldest` push, the
    /// close), called right after the store, in straight-line code.
    ///
    /// Under `DropOldest` a sender may also be waiting for exactly this publish (the oldest
    /// slot was claimed but unpublished, so it could not be evicted): every waiting sender is
    /// notified here too.
    #[inline]
    pub(super) fn after_publish(&self) {
        // SeqCst fence: pairs with the fence in `Receiver::poll_*` between registering the
        // waker and re-checking the ring (and, under DropOldest, with the fence in
        // `poll_force`). Without it our load of the waker state could be ordered before our
        // publish (store buffering) while the receiver's re-check misses the publish and
        // parks on the `RESERVED` slot (or, under DropOldest, a waiting sender misses it): a
        // lost wake-up. Broken twin `held_wake` (loom suite only) leaves it out.
        if !broken_twin!("held_wake") {
            fence(Ordering::SeqCst);
        }
        if self.rx_waker.may_need_wake() {
            self.rx_waker.wake();
        }
        if self.overflow == Overflow::DropOldest && self.waiters.may_have_waiters() {
            // Every waiter, not the first: a publish frees no slot, so a reservation waiting
            // ahead (`reserve`, `reserve_many`: they wait for a free slot under every policy)
            // would take a single wake-up, find no room, go back to the front and keep it,
            // while the send behind it that could evict now slept on
            // (tests/drop_oldest_waits.rs). A reservation woken for nothing looks once more.
            // Broken twin `oldest_wake_one` (loom suite only) wakes the first only.
            if broken_twin!("oldest_wake_one") {
                self.waiters.notify(1);
            } else {
                self.waiters.notify(usize::MAX);
            }
        }
    }

    /// Live `Sender`s (a snapshot; tokio's `strong_count`), owned permits' senders included.
    pub(super) fn strong_count(&self) -> usize {
        // Relaxed: a snapshot for the caller; nothing is read through it, and the count
        // itself is exact whenever nobody makes or drops a sender meanwhile.
        self.senders.load(Ordering::Relaxed)
    }

    /// Live `WeakSender`s (a snapshot; tokio's `weak_count`).
    pub(super) fn weak_count(&self) -> usize {
        // Relaxed: as `strong_count`.
        self.weak_senders.load(Ordering::Relaxed)
    }

    /// Gives up a permit's claim (a `Permit` or an `OwnedPermit` dropped or released unused):
    /// its slot is published as SKIP, which the receiver steps over. The receiver may be parked
    /// on exactly this slot (`RESERVED`), so it is woken after the store.
    /// A held claim: its reservation was never counted as a message (`reserved`), so nothing
    /// is counted here.
    pub(super) fn give_up(&self, claim: Claim<'_, T>) {
        drop(claim);
        // Broken twin `skip_wake` (loom suite only) forgets this wake-up.
        if !broken_twin!("skip_wake") {
            self.after_publish();
        }
    }

    /// Closes the ring; every close of the mailbox goes through here.
    pub(super) fn close_ring(&self) {
        // Before the close: a receiver that has seen the closed bit (`is_closed`, a fenced
        // check) has synchronized with the close's SeqCst RMW, which follows this store in our
        // program order, so its spin sees the flag too and looks with the fenced check. A flag
        // seen before the bit only makes it look with the fenced check early, which answers
        // "empty" until the bit is there: the end comes from the bit alone, and the blocking
        // receiver's registration finds it with or without the flag. Relaxed: the close's RMW
        // carries it; nothing else is read through it.
        self.closing.store(true, Ordering::Relaxed);
        self.ring.close();
    }

    /// Closes the ring and wakes everyone who waits: the receiver (it drains, then sees the
    /// end), every waiting sender (they get `Closed`) and every `Sender::closed` future.
    pub(super) fn close(&self) {
        self.close_ring();
        // Straight after the closing RMW: a receiver waiting on empty must see the end.
        self.after_publish();
        self.waiters.notify_all();
        self.wake_close_waiters();
    }

    /// Wakes every `Sender::closed` future; called after the ring's close by `Shared::close`
    /// and `Receiver::close` (so also by the receiver's drop). The last sender's drop, the
    /// other close, needs no call: a `closed` future borrows a live sender.
    ///
    /// No fence: `notify_all` takes the list's lock after the close, and a `closed` future
    /// checks the ring after its registration's critical section. Either that section came
    /// first, and `notify_all` finds the future queued, or the lock orders the close before
    /// the future's check, which then sees it.
    pub(super) fn wake_close_waiters(&self) {
        // Broken twin `closed_wake` (loom suite only) forgets this wake-up.
        if !broken_twin!("closed_wake") {
            self.close_waiters.notify_all();
        }
    }

    /// The receiver half of the sender wake-up protocol: `freed` slots were just freed.
    #[inline]
    pub(super) fn notify_senders(&self, freed: usize) {
        // SeqCst fence: pairs with the fence in `poll_claim` between queueing the waiter and
        // re-trying the claim (same store-buffering argument as `after_publish`). Broken twin
        // `notify` (loom suite only) leaves it out.
        if !broken_twin!("notify") {
            fence(Ordering::SeqCst);
        }
        if self.waiters.may_have_waiters() {
            self.waiters.notify(freed);
        }
    }

    /// A claim found the mailbox full: apply the `Busy` or `DropNewest` policy.
    #[cold]
    #[inline(never)]
    pub(super) fn full<M>(&self, msg: M) -> Result<Sent, TrySendError<M>> {
        self.note_full();
        if self.overflow == Overflow::DropNewest {
            self.dropped_newest.add(1);
            self.attachment.on_dropped(Overflow::DropNewest);
            drop(msg);
            Err(TrySendError::Dropped)
        } else {
            self.count_busy();
            Err(TrySendError::Busy(msg))
        }
    }

    #[cold]
    pub(super) fn count_busy(&self) {
        self.busy.add(1);
        self.attachment.on_busy();
    }

    #[cold]
    pub(super) fn note_full(&self) {
        let capacity = self.ring.capacity();
        // Relaxed: statistics only; the load spares the RMW once the mark is at capacity.
        if self.high_water.load(Ordering::Relaxed) < capacity {
            self.high_water.fetch_max(capacity, Ordering::Relaxed);
        }
    }

    /// `try_send` under `Overflow::DropOldest`. `count_busy` is false for a waiting `send`,
    /// whose `Busy` is not a refusal (it waits and tries again).
    pub(super) fn force_send(&self, msg: T, count_busy: bool) -> Result<Sent, TrySendError<T>> {
        match self.ring.force(msg) {
            Forced::Pushed(None) => {
                self.after_publish();
                self.attachment.on_accepted();
                Ok(Sent::Queued)
            }
            Forced::Pushed(Some(evicted)) => {
                self.after_publish();
                self.attachment.on_accepted();
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
    pub(super) fn evicted(&self, msg: T) {
        self.note_full();
        self.dropped_oldest.add(1);
        self.attachment.on_dropped(Overflow::DropOldest);
        drop(msg);
    }

    /// `try_send`: the one non-waiting send path.
    #[inline]
    pub(super) fn try_send(&self, msg: T) -> Result<Sent, TrySendError<T>> {
        if self.overflow == Overflow::DropOldest {
            return self.force_send(msg, true);
        }
        match self.claim::<false>() {
            Ok(claim) => {
                self.publish(claim, msg);
                Ok(Sent::Queued)
            }
            Err(ClaimError::Closed) => Err(TrySendError::Closed(msg)),
            Err(ClaimError::Full) => self.full(msg),
        }
    }

    /// Claims a slot; with `HOLD` (a permit's claim) marks it `RESERVED` at once. Every plain
    /// send claims through here, so that a lone sender prefetches the slots it claims next.
    #[inline(always)]
    pub(super) fn claim<const HOLD: bool>(&self) -> Result<Claim<'_, T>, ClaimError> {
        // Relaxed: a hint; nothing is read through it.
        self.claim_with::<HOLD>(|| self.senders.load(Ordering::Relaxed) == 1)
    }

    /// [`claim`](Self::claim), with `lone` saying whether this is the only sender: called once
    /// the slot is claimed, and only where the ring prefetches at all (never in the loom
    /// build), so a caller that needs the answer too (`Sender::blocking_send`, for its
    /// publish) can keep it.
    #[inline(always)]
    pub(super) fn claim_with<const HOLD: bool>(
        &self,
        lone: impl FnOnce() -> bool,
    ) -> Result<Claim<'_, T>, ClaimError> {
        // The single-consumer claim directly (every policy but `DropOldest`): `Ring::claim`'s
        // pick between the two is then not left to a call LLVM may keep out of line.
        let claimed = if self.exclusive_pop {
            self.ring.claim_single_consumer()
        } else {
            self.ring.claim()
        };
        if let Ok(claim) = &claimed {
            if HOLD {
                claim.hold();
                self.reserved.add(1);
            }
            // A lone sender streams into the slots ahead: fetch the next ones' lines early
            // (`Ring::prefetch_ahead`), where the ring prefetches at all (not on one CPU).
            // A hint only, so it is left out of the loom build, where the load would only add
            // interleavings.
            #[cfg(not(ryker_loom))]
            if self.ring.prefetches() && lone() {
                self.ring.prefetch_ahead(claim);
            }
        }
        #[cfg(ryker_loom)]
        let _ = lone;
        claimed
    }

    /// Waits for a slot with `w` as this waiter's place in the wait list.
    ///
    /// `registered` is owned by the caller and says whether `w` may be in the list. On `Ready`
    /// the waiter is out of the list again. With `HOLD` (a permit's claim), the slot is marked
    /// `RESERVED` right after the claim (`Claim::hold`), before anything else runs: the window
    /// in which a receiver sees a claim in flight, and looks again rather than park, stays as
    /// short as a plain send's.
    pub(super) fn poll_claim<const HOLD: bool>(
        &self,
        w: Pin<&Waiter>,
        registered: &mut bool,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Claim<'_, T>, Closed>> {
        // A one-slot claim that fails after a wake-up found no slot free: it keeps nothing.
        let mut kept = 0;
        self.poll_claim_with(w, registered, cx, &mut kept, HOLD, || self.claim::<HOLD>())
    }

    /// Waits for `n` slots at once (`1..=capacity`) and claims them, held (`RESERVED`) as a
    /// permit's are: [`poll_claim`](Self::poll_claim) with a run for a claim. A waiter that is
    /// notified while fewer than `n` slots are free keeps its place at the front, as a woken
    /// sender that finds its slot taken does, so those queued behind it wait too, except the
    /// ones a receive that freed several slots woke with it (`notify_senders` wakes one waiter
    /// per freed slot).
    ///
    /// `kept` counts the wake-ups this waiter went back to the front with: each was for a
    /// freed slot that may still be free, which the waiters behind it were not woken for. Its
    /// owner passes them on if it gives up (`ReserveMany`'s drop).
    pub(super) fn poll_claim_run(
        &self,
        n: usize,
        w: Pin<&Waiter>,
        registered: &mut bool,
        kept: &mut usize,
        cx: &mut Context<'_>,
    ) -> Poll<Result<ClaimRun<'_, T>, Closed>> {
        self.poll_claim_with(w, registered, cx, kept, true, || self.claim_run(n))
    }

    /// Claims the `n` slots from `tail` at once (`1..=capacity`), held as a permit's are.
    pub(super) fn claim_run(&self, n: usize) -> Result<ClaimRun<'_, T>, ClaimError> {
        let run = self.ring.claim_run(n)?;
        run.hold();
        self.reserved.add(run.len());
        Ok(run)
    }

    /// What `reserve_many(n)` and `try_reserve_many(n)` answer before any claim: `TooMany`
    /// above the capacity, and for `n = 0` an empty run, or `Closed` on a closed mailbox (as
    /// tokio). `None` when `n` is in `1..=capacity`: the caller claims.
    pub(super) fn reserve_many_at_once(
        &self,
        n: usize,
    ) -> Option<Result<ClaimRun<'_, T>, ReserveManyError>> {
        let capacity = self.ring.capacity();
        if n > capacity {
            return Some(Err(ReserveManyError::TooMany { n, capacity }));
        }
        if n > 0 {
            return None;
        }
        Some(if self.ring.is_closed() {
            Err(ReserveManyError::Closed)
        } else {
            Ok(ClaimRun::empty(&self.ring))
        })
    }

    /// Gives up the claims of a run that were not handed out (the unused permits of a
    /// dropped `PermitIterator`), as [`give_up`](Self::give_up) does for one.
    pub(super) fn give_up_rest(&self, run: &mut ClaimRun<'_, T>) {
        let left = run.len();
        if left == 0 {
            return;
        }
        // Held claims: nothing to count (see `give_up`).
        run.for_each(drop);
        // Broken twin `skip_wake` (loom suite only) forgets this wake-up.
        if !broken_twin!("skip_wake") {
            self.after_publish();
        }
    }

    /// The wait of [`poll_claim`](Self::poll_claim) and
    /// [`poll_claim_run`](Self::poll_claim_run), with `claim` for the claim it tries and
    /// `held` for whether it holds what it claims (a permit's claims are counted in `reserved`).
    #[inline(always)]
    fn poll_claim_with<C: Claims>(
        &self,
        w: Pin<&Waiter>,
        registered: &mut bool,
        cx: &mut Context<'_>,
        kept: &mut usize,
        held: bool,
        claim: impl Fn() -> Result<C, ClaimError>,
    ) -> Poll<Result<C, Closed>> {
        let mut front = false;
        if *registered {
            // One critical section: refreshing the waker of a queued waiter and noticing a
            // notification must not be split, or a notification landing in between is lost.
            let state = if broken_twin!("refresh") {
                // Broken twin `refresh` (loom suite only): the split version.
                match self.waiters.peek(w) {
                    WaitState::Queued => {
                        // SAFETY: as below.
                        unsafe { self.waiters.register(w, cx.waker(), false) };
                        WaitState::Queued
                    }
                    other => other,
                }
            } else {
                self.waiters.refresh(w, cx.waker())
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
                // which `send` (on its first poll), `reserve` and `blocking_send` on the same
                // sender drop (see `Sender::leave_reserve_wait`). We had no turn: start over
                // at the back.
                WaitState::Idle => *registered = false,
            }
        }
        // A sender that finds others waiting queues behind them instead of overtaking.
        if front || !self.waiters.may_have_waiters() {
            match claim() {
                Ok(claim) => return Poll::Ready(Ok(claim)),
                Err(ClaimError::Closed) => return Poll::Ready(Err(Closed)),
                Err(ClaimError::Full) => {}
            }
            if front {
                // Our turn, and too few slots for a run: back to the front, keeping the
                // wake-up (see `poll_claim_run`).
                *kept = kept.saturating_add(1);
            }
        }
        self.note_full();
        // SAFETY: our owner unregisters `w` before moving or dropping it.
        unsafe { self.waiters.register(w, cx.waker(), front) };
        *registered = true;
        // SeqCst fence: pairs with the receiver's fence in `notify_senders` (module docs).
        fence(Ordering::SeqCst);
        let result = match claim() {
            Ok(claim) => Ok(claim),
            Err(ClaimError::Closed) => Err(Closed),
            Err(ClaimError::Full) => return Poll::Pending,
        };
        // Got a slot (or the end) after all: leave the list, and pass on a notification that
        // arrived meanwhile. It was for a freed slot, but not necessarily the one we took:
        // our re-check may have taken a slot freed before we queued (a free that notified
        // nobody), and the notification of the next free would then be spent on us while a
        // sender queued behind us slept next to that slot (loom model
        // `loom_review::a_notification_spent_on_a_waiter_that_took_an_older_free_slot`). At
        // worst the next waiter wakes for nothing and queues again at the front. Broken twin
        // `spent_wake` (loom suite only) drops it, as this code did before the review.
        // Leaving drops the waker we queued, which runs user code and may panic: the claim
        // then unwinds with `GivenUpOnUnwind`, which marks its slot SKIP and wakes the
        // receiver, as `Permit::drop` does for a permit. (A held claim's slot is `RESERVED`,
        // and a receiver may be parked on it: a SKIP without a wake-up would leave it asleep
        // next to a slot it could step over.) A panic of the next waiter's wake does the same.
        let mut leaving = GivenUpOnUnwind {
            shared: self,
            claim: result.ok(),
            held,
        };
        let notified = self.waiters.remove(w);
        *registered = false;
        if notified && !broken_twin!("spent_wake") {
            self.waiters.notify(1);
        }
        Poll::Ready(leaving.claim.take().ok_or(Closed))
    }

    /// The first try of a `send` that is not in the wait list, under `Busy`: `poll_claim`'s
    /// first claim and the publish, written out so that it inlines into the send future's
    /// poll (a message that finds room, the common case, then costs no call into
    /// `poll_send` and `poll_claim` and their frames). `None` when that first try does not
    /// settle it (another policy, waiting senders to queue behind, a full mailbox): the
    /// caller goes on with [`poll_send`](Self::poll_send), which does the same first claim
    /// again, so a full mailbox costs one more look before the sender queues.
    #[inline(always)]
    pub(super) fn send_first(
        &self,
        registered: bool,
        msg: &mut Option<T>,
    ) -> Option<Result<Sent, Refused>> {
        // The same test as `poll_claim`'s first claim for a sender not in the list: one that
        // finds others waiting queues behind them instead of overtaking.
        if registered || self.overflow != Overflow::Busy || self.waiters.may_have_waiters() {
            return None;
        }
        match self.claim::<false>() {
            Ok(claim) => {
                self.publish(claim, take_msg(msg));
                Some(Ok(Sent::Queued))
            }
            Err(ClaimError::Closed) => Some(Err(Refused::Closed)),
            Err(ClaimError::Full) => None,
        }
    }

    /// One poll of a waiting send, whatever the policy. The message stays in `msg` until it
    /// is queued (or dropped under `DropNewest`), and is still there on `Err(Refused::Closed)`.
    /// Passing the caller's slot by reference, rather than moving the message in and out on
    /// every poll, keeps a large message from being copied into each frame on the way
    /// (`blocking_send` used to need over ten times its size in stack).
    // Out of line: the waiting path, kept out of the send future's poll so that the first
    // try (`send_first`) inlines into the caller.
    #[inline(never)]
    pub(super) fn poll_send(
        &self,
        w: Pin<&Waiter>,
        registered: &mut bool,
        msg: &mut Option<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Sent, Refused>> {
        match self.overflow {
            Overflow::Busy => match self.poll_claim::<false>(w, registered, cx) {
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
    pub(super) fn try_attempt(
        &self,
        msg: &mut Option<T>,
        count_busy: bool,
    ) -> Option<Result<Sent, Refused>> {
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
    pub(super) fn poll_force(
        &self,
        w: Pin<&Waiter>,
        registered: &mut bool,
        msg: &mut Option<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Sent, Refused>> {
        self.poll_force_with(w, registered, msg, cx, |msg| self.try_attempt(msg, false))
    }

    /// [`poll_force`](Self::poll_force) with `attempt` for its `try_attempt(msg, false)`: the
    /// wait, whatever the message's type.
    fn poll_force_with<M>(
        &self,
        w: Pin<&Waiter>,
        registered: &mut bool,
        msg: &mut Option<M>,
        cx: &mut Context<'_>,
        attempt: impl Fn(&mut Option<M>) -> Option<Result<Sent, Refused>>,
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
        if let Some(result) = attempt(msg) {
            return Poll::Ready(result);
        }
        // SAFETY: our owner unregisters `w` before moving or dropping it.
        unsafe { self.waiters.register(w, cx.waker(), front) };
        *registered = true;
        // SeqCst fence: pairs with the fences in `after_publish` and `notify_senders`.
        fence(Ordering::SeqCst);
        let result = match attempt(msg) {
            Some(result) => result,
            None => return Poll::Pending,
        };
        // As in `poll_claim_with`: a notification that arrived meanwhile need not be for the
        // slot we took; pass it on.
        let notified = self.waiters.remove(w);
        *registered = false;
        if notified && !broken_twin!("spent_wake") {
            self.waiters.notify(1);
        }
        Poll::Ready(result)
    }

    /// [`try_send`](Self::try_send) of a message that `make` turns into a `T` only once its
    /// slot is sure (a `Recipient`'s message, converted into the actor's): the same steps and
    /// counts under every policy, with `msg` itself handed back on `Busy` and `Closed`, and
    /// dropped under `DropNewest`. See [`publish_with`](Self::publish_with) for a `make` that
    /// panics.
    pub(super) fn try_send_with<M>(
        &self,
        msg: M,
        make: &impl Fn(M) -> T,
    ) -> Result<Sent, TrySendError<M>> {
        if self.overflow == Overflow::DropOldest {
            return self.force_send_with(msg, make, true);
        }
        match self.claim::<false>() {
            Ok(claim) => {
                self.publish_with(claim, msg, make);
                Ok(Sent::Queued)
            }
            Err(ClaimError::Closed) => Err(TrySendError::Closed(msg)),
            Err(ClaimError::Full) => self.full(msg),
        }
    }

    /// [`force_send`](Self::force_send) of a message that `make` turns into a `T` once its
    /// slot (a free one, or the oldest one, its message displaced) is claimed.
    fn force_send_with<M>(
        &self,
        msg: M,
        make: &impl Fn(M) -> T,
        count_busy: bool,
    ) -> Result<Sent, TrySendError<M>> {
        match self.ring.force_claim() {
            ForceClaim::Claimed(claim, evicted) => {
                // Dropped after the claim's own guard (declared before it): if `make` panics,
                // the displaced message is counted and dropped once the claim is given up, as
                // `force_send` counts it once its own message is published.
                let displaced = Displaced {
                    shared: self,
                    msg: evicted,
                };
                let sent = if displaced.msg.is_some() {
                    Sent::DisplacedOldest
                } else {
                    Sent::Queued
                };
                self.publish_with(claim, msg, make);
                drop(displaced);
                Ok(sent)
            }
            ForceClaim::Busy => {
                self.note_full();
                if count_busy {
                    self.count_busy();
                }
                Err(TrySendError::Busy(msg))
            }
            // Refused before it touched the ring: nothing was evicted.
            ForceClaim::Closed => Err(TrySendError::Closed(msg)),
        }
    }

    /// Writes `make(msg)` into `claim`'s slot and publishes it: as [`publish`](Self::publish)
    /// does for a plain send's claim, or as `force_send` does (the fenced publish) under
    /// `DropOldest`. `make` runs between the claim and the publish; if it panics, the claim is
    /// given up as a dropped permit's is (`GivenUpOnUnwind`: the slot becomes SKIP, counted in
    /// `abandoned`, the receiver woken) and the panic propagates.
    #[inline]
    fn publish_with<M>(&self, claim: Claim<'_, T>, msg: M, make: &impl Fn(M) -> T) {
        let mut held = GivenUpOnUnwind {
            shared: self,
            claim: Some(claim),
            held: false,
        };
        let value = make(msg);
        if let Some(claim) = held.claim.take() {
            if self.overflow == Overflow::DropOldest {
                self.publish_fenced(claim, value);
            } else {
                self.publish(claim, value);
            }
        }
    }

    /// [`try_attempt`](Self::try_attempt) through [`try_send_with`](Self::try_send_with).
    fn try_attempt_with<M>(
        &self,
        msg: &mut Option<M>,
        make: &impl Fn(M) -> T,
        count_busy: bool,
    ) -> Option<Result<Sent, Refused>> {
        let result = match self.overflow {
            Overflow::DropOldest => self.force_send_with(take_msg(msg), make, count_busy),
            _ => self.try_send_with(take_msg(msg), make),
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

    /// [`poll_send`](Self::poll_send) of a message that `make` turns into a `T` once its slot
    /// is sure: the same wait under every policy (`Busy`: in line for a slot; `DropNewest`:
    /// none; `DropOldest`: only while the oldest slot is still being written).
    pub(super) fn poll_send_with<M>(
        &self,
        w: Pin<&Waiter>,
        registered: &mut bool,
        msg: &mut Option<M>,
        make: &impl Fn(M) -> T,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Sent, Refused>> {
        match self.overflow {
            Overflow::Busy => match self.poll_claim::<false>(w, registered, cx) {
                Poll::Ready(Ok(claim)) => {
                    self.publish_with(claim, take_msg(msg), make);
                    Poll::Ready(Ok(Sent::Queued))
                }
                Poll::Ready(Err(Closed)) => Poll::Ready(Err(Refused::Closed)),
                Poll::Pending => Poll::Pending,
            },
            Overflow::DropNewest => match self.try_attempt_with(msg, make, true) {
                Some(result) => Poll::Ready(result),
                // As in `poll_send`: not reached today (a full mailbox answers `Dropped`).
                None => {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
            },
            Overflow::DropOldest => self.poll_force_with(w, registered, msg, cx, |msg| {
                self.try_attempt_with(msg, make, false)
            }),
        }
    }

    /// Leaves the wait list for good; passes on a notification we never used.
    pub(super) fn cancel_wait(&self, w: Pin<&Waiter>, registered: &mut bool) {
        let unused_notification = core::mem::take(registered) && self.waiters.remove(w);
        // Broken twin `pass_on` (loom suite only) drops the notification instead.
        if unused_notification && !broken_twin!("pass_on") {
            self.waiters.notify(1);
        }
    }

    /// One receive attempt on the ring, by the receiver.
    ///
    /// # Safety
    /// Only the (single) receiver calls this.
    #[inline]
    pub(super) unsafe fn pop(&self, check: EmptyCheck) -> Pop<T> {
        if self.exclusive_pop {
            // SAFETY: the receiver is the only consumer (the caller's contract, enforced by
            // `&mut Receiver`), and without DropOldest no sender ever moves `head`.
            unsafe { self.ring.pop_slot_exclusive(check) }
        } else {
            self.ring.pop_slot_checked(check)
        }
    }

    pub(super) fn stats(&self) -> MailboxStats {
        // Relaxed: statistics only. Read before the counters, so that a snapshot racing the
        // receiver's drop is at worst that drop's few messages apart.
        let rx_gone = self.rx_gone.load(Ordering::Relaxed);
        // The subtracted counters are bumped after the positions move, so they are read first
        // and the differences saturate: a snapshot taken mid-operation is off by that
        // operation, never wrapped.
        let abandoned = self.abandoned.get();
        let reserved = self.reserved.get();
        let dropped_oldest = self.dropped_oldest.get();
        let popped_and_discarded = self.discarded.get();
        let (claims, removals, skipped) = self.ring.ordinals();
        // Read after the positions: counted before its permit's publish, so a message the
        // receiver has taken is in it.
        let permits_sent = self.permits_sent.get();
        // Plain claims (less those given up unpublished), and the permits' messages: a
        // reservation is not a message until it is sent, and one given up never was.
        let accepted = claims
            .saturating_sub(reserved)
            .saturating_sub(abandoned)
            .saturating_add(permits_sent);
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
    pub(super) unsafe fn discard_queued(&self) {
        /// Goes on with the rest if a destructor panics.
        struct Rest<'a, T, X: Attachment>(&'a Shared<T, X>);

        impl<T, X: Attachment> Drop for Rest<'_, T, X> {
            fn drop(&mut self) {
                // SAFETY: the receiver is dropping this guard (our caller's contract).
                unsafe { self.0.discard_queued() };
            }
        }

        for _ in 0..self.ring.capacity() {
            // SAFETY: we are the receiver (this function's contract).
            match unsafe { self.pop(EmptyCheck::Fenced) } {
                Pop::Value(msg) => {
                    self.discarded.add(1);
                    let rest = Rest(self);
                    // Broken twin `drain_rest` (loom suite only) lets the guard go before the
                    // destructor runs: a panic ends the drain, and what is queued behind the
                    // message stays until the last handle goes.
                    let rest = if broken_twin!("drain_rest") {
                        core::mem::forget(rest);
                        None
                    } else {
                        Some(rest)
                    };
                    drop(msg);
                    core::mem::forget(rest);
                }
                Pop::Skipped => {}
                Pop::Empty | Pop::Closed | Pop::NotReady | Pop::Held => break,
            }
        }
    }
}

/// A claim between `Shared::poll_claim`'s re-check and its return, while the waiter leaves the
/// wait list. Dropped with the claim still in it only by a panic on the way (the drop of the
/// waker we had queued): the claim is then given up (`Claim`'s drop marks the slot SKIP),
/// counted as abandoned, as a dropped permit's is, and the receiver woken, after that store.
struct GivenUpOnUnwind<'a, T, X: Attachment, C: Claims> {
    shared: &'a Shared<T, X>,
    /// A `Claim`, or a `ClaimRun` (whose drop gives each of its claims up).
    claim: Option<C>,
    /// Whether the claim is held (a permit's: counted in `reserved` already).
    held: bool,
}

/// What [`GivenUpOnUnwind`] holds: one claim or a run of them, and how many slots that is.
trait Claims {
    fn slots(&self) -> usize;
}

impl<T> Claims for Claim<'_, T> {
    fn slots(&self) -> usize {
        1
    }
}

impl<T> Claims for ClaimRun<'_, T> {
    fn slots(&self) -> usize {
        self.len()
    }
}

impl<T, X: Attachment, C: Claims> Drop for GivenUpOnUnwind<'_, T, X, C> {
    fn drop(&mut self) {
        if let Some(claim) = self.claim.take() {
            let slots = claim.slots();
            drop(claim);
            // A claim never published is no message: a plain one is taken out of `accepted`
            // here (`abandoned`); a held one never was in it (`reserved`).
            if !self.held {
                self.shared.abandoned.add(slots);
            }
            // Broken twin `unwind_wake` (loom suite only) forgets this wake-up.
            if !broken_twin!("unwind_wake") {
                self.shared.after_publish();
            }
        }
    }
}

/// The message a `DropOldest` send displaced, until that send's own message is published:
/// counted and dropped (`Shared::evicted`) when this is dropped, after the send's claim is
/// published, or given up if building its message panicked.
struct Displaced<'a, T, X: Attachment> {
    shared: &'a Shared<T, X>,
    msg: Option<T>,
}

impl<T, X: Attachment> Drop for Displaced<'_, T, X> {
    fn drop(&mut self) {
        if let Some(msg) = self.msg.take() {
            self.shared.evicted(msg);
        }
    }
}
