//! The sending half: [`Sender`], [`WeakSender`], the reservations ([`Permit`],
//! [`OwnedPermit`], [`PermitIterator`]), and the send and reserve futures.

use alloc::boxed::Box;
use core::fmt;
use core::future::Future;
use core::marker::PhantomPinned;
use core::panic::{RefUnwindSafe, UnwindSafe};
use core::pin::Pin;
use core::task::{Context, Poll};

use super::shared::{take_msg, Refused, Shared};
#[cfg(feature = "std")]
use super::Overflow;
use super::{Attachment, MailboxStats, NoAttachment, Sent};
use crate::error::{Closed, ReserveManyError, SendError, SendTimeoutError, TrySendError};
use crate::ring::{Claim, ClaimError, ClaimRun, DetachedClaim};
use crate::sync::{broken_twin, Arc, Ordering};
use crate::wait_list::{WaitList, WaitState, Waiter};

/// The sending half of a mailbox. Clone it for more senders.
///
/// ```
/// use ryker_core::mailbox::{channel, MailboxConfig, Sent};
/// let (tx, mut rx) = channel::<u32>(MailboxConfig { capacity: 1, ..Default::default() });
/// assert_eq!(tx.try_send(1).unwrap(), Sent::Queued);
/// assert!(tx.try_send(2).unwrap_err().is_busy()); // full: handed back
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub struct Sender<T, X: Attachment = NoAttachment> {
    pub(super) shared: Arc<Shared<T, X>>,
    /// This sender's place in the wait list for `poll_reserve` (which has no pinned future to
    /// keep one in); allocated by this sender's first `poll_reserve`. An *unbound* waiter
    /// (`Waiter::new_unbound`): nobody promises to poll it again, so a notification is never
    /// spent on it (see `wait_list.rs`).
    waiter: Option<Pin<Box<Waiter>>>,
    /// Whether the last `poll_reserve` returned `Pending` and was neither completed nor
    /// aborted since: the waiter may be in the list. (`send(&self)` may have taken it out
    /// meanwhile; the waiter's state under the list lock is the truth.)
    registered: bool,
}

impl<T, X: Attachment> Sender<T, X> {
    pub(super) fn new(shared: Arc<Shared<T, X>>) -> Self {
        Sender {
            shared,
            waiter: None,
            registered: false,
        }
    }

    /// Sends without waiting.
    ///
    /// # Errors
    /// When the mailbox is full, what its [`Overflow`] policy says: `Busy(msg)` (handed back),
    /// `Dropped` (`DropNewest`: dropped and counted); under `DropOldest` the oldest message is
    /// evicted and this returns `Ok(Sent::DisplacedOldest)` (or `Busy(msg)` while the oldest
    /// slot is still being written by another sender, which is rare, or held by a permit, which
    /// lasts until the permit is sent or dropped). `Closed(msg)` after a close; a
    /// send refused with `Closed` has not touched the mailbox (under `DropOldest` it evicted
    /// nothing).
    ///
    /// # Panics
    /// Messages dropped inside this call are dropped after every counter is updated, so a
    /// panic from their destructor leaves the mailbox consistent and propagates out of this
    /// call: under `DropNewest` it is this message's own destructor (the message was counted in
    /// `dropped_newest`); under `DropOldest` it is the displaced message's, and *this* message
    /// was queued (counted in `accepted`, the displaced one in `dropped_oldest`).
    ///
    /// ```
    /// use ryker_core::error::TrySendError;
    /// use ryker_core::mailbox::{channel, MailboxConfig, Overflow, Sent};
    /// let config = MailboxConfig { capacity: 1, overflow: Overflow::DropNewest, ..Default::default() };
    /// let (tx, rx) = channel::<u32>(config);
    /// assert_eq!(tx.try_send(1), Ok(Sent::Queued));
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Dropped)); // full: dropped, counted
    /// assert_eq!(tx.stats().dropped_newest, 1);
    /// drop(rx);
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3))); // handed back
    /// ```
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
    /// waiter can be overtaken several times (measured: a worst single `blocking_send` wait of
    /// about 0.5 s with 4 producers on 2 cores). Waiting allocates nothing.
    ///
    /// # Cancel safety
    /// If the future is dropped before it completes, the message was not sent and is dropped
    /// with the future; its place among the waiting senders is given up, and a wake-up it had
    /// received is passed on to the next waiting sender.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// futures::executor::block_on(async {
    ///     tx.send(7).await.unwrap();
    ///     assert_eq!(rx.recv().await, Some(7));
    /// });
    /// ```
    ///
    /// # Errors
    /// `Closed(msg)` when the mailbox is closed; `Dropped` under `DropNewest` when full.
    ///
    /// # Panics
    /// As [`Sender::try_send`]: a panic from the destructor of a message dropped by the policy
    /// propagates out of the poll, after the counters are updated; under `DropOldest` it comes
    /// from the displaced message, and this message was queued.
    pub fn send(&self, msg: T) -> SendFuture<'_, T, X> {
        SendFuture {
            wait: Wait::new(&self.shared),
            msg: Some(msg),
            stale: self.reserve_wait(),
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
    /// path). A sender's first `poll_reserve` allocates its wait-list entry (even when a slot
    /// is free at once), which is then reused for the sender's lifetime.
    ///
    /// # Cancel safety
    /// There is no future to drop: a `Pending` leaves this sender queued for a slot until it
    /// polls again, calls [`Sender::abort_reserve`], or is dropped. Walking away without any
    /// of these (a timeout fired, a `select!` took another branch) costs nobody a wake-up: a
    /// notification is never *spent* on a `poll_reserve` registration (it wakes it, and goes on
    /// to wake a sender waiting in `send`, `reserve` or `blocking_send` as well), and `send`
    /// (when its future is first polled), `reserve` and `blocking_send` on this same sender
    /// give its stale registration up first.
    /// Call `abort_reserve` when giving up anyway: it spares the abandoned entry the wake-ups.
    /// While only `poll_reserve` callers wait, each freed slot wakes all of them (none of them
    /// is bound to come back for it), and one gets the slot.
    ///
    /// ```
    /// use std::task::{Context, Poll};
    /// use futures::task::noop_waker_ref;
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (mut tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// let mut cx = Context::from_waker(noop_waker_ref());
    /// if let Poll::Ready(Ok(permit)) = tx.poll_reserve(&mut cx) {
    ///     permit.send(5);
    /// }
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// ```
    ///
    /// # Errors
    /// [`Closed`] when the mailbox is closed.
    pub fn poll_reserve(&mut self, cx: &mut Context<'_>) -> Poll<Result<Permit<'_, T, X>, Closed>> {
        let waiter = self
            .waiter
            .get_or_insert_with(|| Box::pin(Waiter::new_unbound()));
        match self
            .shared
            .poll_claim::<true>(waiter.as_ref(), &mut self.registered, cx)
        {
            Poll::Ready(Ok(claim)) => Poll::Ready(Ok(Permit::new(claim, &self.shared))),
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
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig { capacity: 1, ..Default::default() });
    /// futures::executor::block_on(async {
    ///     let permit = tx.reserve().await.unwrap();
    ///     assert!(tx.try_send(1).unwrap_err().is_busy()); // the permit holds the only slot
    ///     permit.send(2);
    /// });
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// ```
    pub fn reserve(&self) -> Reserve<'_, T, X> {
        self.leave_reserve_wait();
        Reserve {
            wait: Wait::new(&self.shared),
        }
    }

    /// Sends, waiting for space until `deadline` completes (tokio's `send_timeout`, with the
    /// timer left to the caller: ryker-core has no clock, so pass your runtime's sleep, e.g.
    /// `tokio::time::sleep(d)`). A free slot is taken at once, as [`Sender::try_send`] takes
    /// it; a full mailbox is answered by its overflow policy as `try_send` answers it, except
    /// that where `try_send` would answer `Busy` the send waits as [`Sender::send`] does until
    /// the mailbox closes or the deadline comes: under `Busy` in line with the other waiting
    /// senders until a slot frees up, under `DropOldest` (whose oldest slot was still being
    /// written, or held by a permit) until the oldest message can be evicted.
    ///
    /// # Errors
    /// [`SendTimeoutError::Timeout`] with the message when the deadline came first;
    /// [`SendTimeoutError::Closed`] with the message when the mailbox is closed;
    /// [`SendTimeoutError::Dropped`] under `DropNewest` with a full mailbox (counted).
    ///
    /// # Cancel safety
    /// Cancel safe: dropped before it completes, it has sent nothing (the message is dropped
    /// with the future) and gives its place among the waiting senders up, passing on a
    /// wake-up it had received. Use the error's message to retry instead.
    ///
    /// ```
    /// use ryker_core::error::SendTimeoutError;
    /// use ryker_core::mailbox::{channel, MailboxConfig, Sent};
    /// use futures::executor::block_on;
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig { capacity: 1, ..Default::default() });
    /// let never = std::future::pending::<()>();
    /// assert_eq!(block_on(tx.send_before(1, never)), Ok(Sent::Queued));
    /// // Full: a deadline that has already come hands the message back.
    /// let now = std::future::ready(());
    /// assert_eq!(block_on(tx.send_before(2, now)), Err(SendTimeoutError::Timeout(2)));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// drop(rx);
    /// let never = std::future::pending::<()>();
    /// assert_eq!(block_on(tx.send_before(3, never)), Err(SendTimeoutError::Closed(3)));
    /// ```
    pub async fn send_before<D: Future<Output = ()>>(
        &self,
        msg: T,
        deadline: D,
    ) -> Result<Sent, SendTimeoutError<T>> {
        let msg = match self.try_send(msg) {
            Ok(sent) => return Ok(sent),
            Err(TrySendError::Dropped) => return Err(SendTimeoutError::Dropped),
            Err(TrySendError::Closed(msg)) => return Err(SendTimeoutError::Closed(msg)),
            Err(TrySendError::Busy(msg)) => msg,
        };
        self.send_waiting_before(msg, deadline).await
    }

    /// The wait of [`Sender::send_before`] (and `Addr::tell_timeout`) once `try_send` has
    /// answered `Busy`: the message waits as in [`Sender::send`] (`Shared::poll_send`, in line
    /// with the other waiting senders; under `DropOldest` until the oldest slot is published
    /// and can be evicted, not until the receiver frees a slot) until `deadline` completes.
    /// Cancel safe as `send`: dropped, it gives its place up and passes on a wake-up it had
    /// received.
    pub(crate) async fn send_waiting_before<D: Future<Output = ()>>(
        &self,
        msg: T,
        deadline: D,
    ) -> Result<Sent, SendTimeoutError<T>> {
        self.leave_reserve_wait();
        let mut msg = Some(msg);
        let mut wait = core::pin::pin!(Wait::new(&self.shared));
        let mut deadline = core::pin::pin!(deadline);
        // The send first: room that is there when the deadline comes is still taken.
        let settled = core::future::poll_fn(|cx| {
            let (shared, waiter, registered) = wait.as_mut().project();
            if let Poll::Ready(settled) = shared.poll_send(waiter, registered, &mut msg, cx) {
                return Poll::Ready(Some(settled));
            }
            deadline.as_mut().poll(cx).map(|()| None)
        })
        .await;
        match settled {
            Some(Ok(sent)) => Ok(sent),
            Some(Err(Refused::Closed)) => Err(SendTimeoutError::Closed(take_msg(&mut msg))),
            Some(Err(Refused::Dropped)) => Err(SendTimeoutError::Dropped),
            None => Err(SendTimeoutError::Timeout(take_msg(&mut msg))),
        }
    }

    /// [`Sender::try_send`] of a message that `make` turns into a `T` only once its slot is
    /// sure (an actor's `Recipient`, whose caller's message becomes the actor's by `From`):
    /// the same outcome and counts under every policy, with `msg` itself handed back on `Busy`
    /// and `Closed`. If `make` panics, its slot is given up as a dropped permit's is.
    pub(crate) fn try_send_with<M>(
        &self,
        msg: M,
        make: &impl Fn(M) -> T,
    ) -> Result<Sent, TrySendError<M>> {
        self.shared.try_send_with(msg, make)
    }

    /// One poll of [`Sender::send`] for a message that `make` turns into a `T` once its slot
    /// is sure, with the caller's pinned `w` as its place in the wait list (`registered` says
    /// whether it may be in it). On `Closed(())` the message is still in `msg`. The caller
    /// calls [`cancel_wait`](Self::cancel_wait) before it moves or drops `w`.
    pub(crate) fn poll_send_with<M>(
        &self,
        w: Pin<&Waiter>,
        registered: &mut bool,
        msg: &mut Option<M>,
        make: &impl Fn(M) -> T,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Sent, SendError<()>>> {
        self.shared
            .poll_send_with(w, registered, msg, make, cx)
            .map(|polled| match polled {
                Ok(sent) => Ok(sent),
                Err(Refused::Closed) => Err(SendError::Closed(())),
                Err(Refused::Dropped) => Err(SendError::Dropped),
            })
    }

    /// Takes `w` out of the wait list for good, passing on a wake-up it had received and not
    /// used (what dropping a send future does).
    pub(crate) fn cancel_wait(&self, w: Pin<&Waiter>, registered: &mut bool) {
        self.shared.cancel_wait(w, registered);
    }

    /// Reserves a free slot without waiting (tokio's `try_reserve`). The returned [`Permit`]
    /// sends into that slot without failing; dropping it gives the slot up, as for
    /// [`Sender::reserve`].
    ///
    /// A reservation is the backpressure path whatever the overflow policy: a full mailbox
    /// answers `Busy(())` under `Busy`, `DropNewest` and `DropOldest` alike. Nothing is
    /// dropped (there is no message yet) and nothing is evicted (a `DropOldest` eviction makes
    /// room for a message in hand, which a reservation does not have). Like
    /// [`Sender::try_send`], it does not queue behind senders waiting for a slot. A refusal is
    /// not a refused send: it is not counted in [`MailboxStats::busy`].
    ///
    /// # Errors
    /// [`TrySendError::Busy`]`(())` when every slot is taken (a slot given up by a dropped
    /// permit is free again once the receiver has stepped over it);
    /// [`TrySendError::Closed`]`(())` when the mailbox is closed. Never `Dropped`.
    ///
    /// ```
    /// use ryker_core::error::TrySendError;
    /// use ryker_core::mailbox::{channel, MailboxConfig, Overflow};
    /// let config = MailboxConfig { capacity: 1, overflow: Overflow::DropOldest, ..Default::default() };
    /// let (tx, mut rx) = channel::<u32>(config);
    /// let permit = tx.try_reserve().unwrap();
    /// assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Busy(())); // evicts nothing
    /// permit.send(1);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// rx.close();
    /// assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Closed(()));
    /// ```
    #[inline]
    pub fn try_reserve(&self) -> Result<Permit<'_, T, X>, TrySendError<()>> {
        match self.shared.claim::<true>() {
            Ok(claim) => Ok(Permit::new(claim, &self.shared)),
            Err(ClaimError::Closed) => Err(TrySendError::Closed(())),
            Err(ClaimError::Full) => {
                self.shared.note_full();
                Err(TrySendError::Busy(()))
            }
        }
    }

    /// Reserves `n` slots at once without waiting, all or none (tokio's `try_reserve_many`):
    /// the returned [`PermitIterator`] yields `n` [`Permit`]s, in slot order. Permits it has
    /// not yielded when dropped give their slots up.
    ///
    /// As [`Sender::try_reserve`]: the same under every overflow policy (nothing dropped or
    /// evicted), not queued behind waiting senders, a refusal not counted as a refused send.
    /// `n = 0` reserves nothing and succeeds while the mailbox is open.
    ///
    /// # Errors
    /// [`ReserveManyError::TooMany`] when `n` is above the capacity (the allowed range is
    /// `0..=capacity`); [`ReserveManyError::Closed`] when the mailbox is closed;
    /// [`ReserveManyError::Busy`] when fewer than `n` slots are free (then none is taken).
    ///
    /// ```
    /// use ryker_core::error::ReserveManyError;
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig { capacity: 3, ..Default::default() });
    /// let permits = tx.try_reserve_many(2).unwrap();
    /// assert_eq!(tx.try_reserve_many(2).unwrap_err(), ReserveManyError::Busy); // one slot left
    /// for (permit, msg) in permits.zip([1, 2]) {
    ///     permit.send(msg);
    /// }
    /// assert_eq!((rx.try_recv(), rx.try_recv()), (Ok(1), Ok(2)));
    /// assert!(matches!(tx.try_reserve_many(4), Err(ReserveManyError::TooMany { n: 4, capacity: 3 })));
    /// ```
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T, X>, ReserveManyError> {
        let shared = &*self.shared;
        if let Some(settled) = shared.reserve_many_at_once(n) {
            return settled.map(|run| PermitIterator::new(run, shared));
        }
        match shared.claim_run(n) {
            Ok(run) => Ok(PermitIterator::new(run, shared)),
            Err(ClaimError::Closed) => Err(ReserveManyError::Closed),
            Err(ClaimError::Full) => {
                shared.note_full();
                Err(ReserveManyError::Busy)
            }
        }
    }

    /// Waits until `n` slots are free at once and reserves them, all or none (tokio's
    /// `reserve_many`): the future's [`PermitIterator`] yields `n` [`Permit`]s, in slot order.
    /// Permits it has not yielded when dropped give their slots up.
    ///
    /// It waits in line with the other waiting senders, whatever the overflow policy (as
    /// [`Sender::reserve`]). A receive that frees one slot wakes the first in line: while
    /// this waits at the front for `n` slots, the senders behind it wait too. A receive that
    /// frees several wakes as many waiters, and one behind may then take a slot before this
    /// has its `n` (unlike tokio's semaphore, which keeps strict order). `n = 0` reserves
    /// nothing and completes at once while the mailbox is open. Waiting allocates nothing.
    ///
    /// # Cancel safety
    /// As [`Sender::reserve`]'s: dropping the future before it completes reserves nothing; its
    /// place among the waiting senders is given up and a wake-up it had received is passed on,
    /// as are those it went back to the front of the line with (too few slots free for `n`),
    /// so the senders behind it are woken for the slots they were kept from.
    ///
    /// # Errors
    /// [`ReserveManyError::TooMany`] at once when `n` is above the capacity (no wait could
    /// ever free that many slots; the allowed range is `0..=capacity`);
    /// [`ReserveManyError::Closed`] when the mailbox is closed. Never `Busy`.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig { capacity: 4, ..Default::default() });
    /// futures::executor::block_on(async {
    ///     let permits = tx.reserve_many(3).await.unwrap();
    ///     assert_eq!(permits.len(), 3);
    ///     for (i, permit) in permits.enumerate() {
    ///         permit.send(i as u32);
    ///     }
    ///     assert!(tx.reserve_many(5).await.is_err()); // above the capacity
    /// });
    /// assert_eq!((rx.try_recv(), rx.try_recv(), rx.try_recv()), (Ok(0), Ok(1), Ok(2)));
    /// ```
    pub fn reserve_many(&self, n: usize) -> ReserveMany<'_, T, X> {
        self.leave_reserve_wait();
        ReserveMany {
            wait: Wait::new(&self.shared),
            n,
            kept: 0,
        }
    }

    /// Waits for a free slot and reserves it, as [`Sender::reserve`], into a permit that owns
    /// this sender (tokio's `reserve_owned`): an [`OwnedPermit`] borrows nothing, so it can be
    /// moved into a task or kept in a struct. Its sender keeps the mailbox open; sending or
    /// releasing the permit hands the sender back.
    ///
    /// # Cancel safety
    /// As [`Sender::reserve`]'s: dropping the future before it completes reserves nothing,
    /// and gives up its place among the waiting senders (passing on a wake-up it had
    /// received). The sender is dropped with the future.
    ///
    /// # Errors
    /// [`Closed`] when the mailbox is closed; the sender is dropped.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// let permit = futures::executor::block_on(tx.clone().reserve_owned()).unwrap();
    /// let task = std::thread::spawn(move || {
    ///     let tx = permit.send(1); // the sender comes back
    ///     tx.try_send(2).unwrap();
    /// });
    /// task.join().unwrap();
    /// assert_eq!((rx.try_recv(), rx.try_recv()), (Ok(1), Ok(2)));
    /// # drop(tx);
    /// ```
    pub async fn reserve_owned(self) -> Result<OwnedPermit<T, X>, Closed> {
        let claim = self.reserve().await?.detach();
        Ok(OwnedPermit::new(claim, self))
    }

    /// Reserves a free slot without waiting, as [`Sender::try_reserve`], into a permit that
    /// owns this sender (tokio's `try_reserve_owned`; see [`Sender::reserve_owned`]).
    ///
    /// # Errors
    /// As [`Sender::try_reserve`] (`Busy` when every slot is taken, under every policy;
    /// `Closed` when the mailbox is closed), with this sender handed back in the error.
    ///
    /// ```
    /// use ryker_core::error::TrySendError;
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig { capacity: 1, ..Default::default() });
    /// let permit = tx.clone().try_reserve_owned().unwrap();
    /// let tx = match tx.try_reserve_owned() {
    ///     Err(TrySendError::Busy(tx)) => tx, // full: the sender is handed back
    ///     other => panic!("{other:?}"),
    /// };
    /// drop(permit.send(1));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// # drop(tx);
    /// ```
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T, X>, TrySendError<Self>> {
        let claim = match self.try_reserve().map(Permit::detach) {
            Ok(claim) => claim,
            Err(TrySendError::Busy(())) => return Err(TrySendError::Busy(self)),
            Err(TrySendError::Closed(())) => return Err(TrySendError::Closed(self)),
            Err(TrySendError::Dropped) => unreachable!("a reservation drops nothing"),
        };
        Ok(OwnedPermit::new(claim, self))
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
    /// use std::task::Context;
    /// use futures::task::noop_waker_ref;
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (mut tx, mut rx) = channel::<u32>(MailboxConfig { capacity: 1, ..Default::default() });
    /// tx.try_send(1).unwrap();
    /// let mut cx = Context::from_waker(noop_waker_ref());
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
        // `registered` alone may be stale: `send`, `reserve` and `blocking_send` take the
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
    /// `Pending` and was not polled again: `reserve` and `blocking_send` on this sender call it
    /// first, and a `send` on its first poll (`reserve_wait`), since the caller has evidently
    /// moved on. `&self` cannot clear `registered`; the waiter becomes `Idle` under the list
    /// lock, which is what the next `poll_reserve` reads. (Correctness does not depend on it:
    /// a notification is never spent on this waiter. It spares the stale entry its wake-ups
    /// and keeps it from making the new wait queue behind it.)
    #[inline]
    fn leave_reserve_wait(&self) {
        if let Some(waiter) = self.reserve_wait() {
            self.shared.cancel_wait(waiter, &mut true);
        }
    }

    /// This sender's `poll_reserve` registration, if it has one, for `send` to leave (as
    /// [`leave_reserve_wait`](Self::leave_reserve_wait)) on its future's first poll rather
    /// than in `send` itself. Why: a call in `send` that may run code keeps the message live
    /// across it, and the compiler then parks the message on the stack in 8-byte pieces and
    /// reads it back 16 bytes at a time to build the future; a load that spans several
    /// recent stores cannot take their bytes from the store buffer, so it waits for them to
    /// reach the cache. Measured: 42% of the sending task's samples on that one load, and the
    /// send path 4-7% faster on tokio current-thread without it (docs/PERFORMANCE.md).
    #[inline]
    fn reserve_wait(&self) -> Option<Pin<&Waiter>> {
        match &self.waiter {
            Some(waiter) if self.registered => Some(waiter.as_ref()),
            _ => None,
        }
    }

    /// Whether the mailbox is closed: by [`Sender::close`] (on any sender), by the receiver's
    /// `close`, or because the receiver is gone.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, rx) = channel::<u32>(MailboxConfig::default());
    /// let other = tx.clone();
    /// assert!(!tx.is_closed());
    /// other.close();
    /// assert!(tx.is_closed());
    /// # drop(rx);
    /// ```
    #[inline]
    pub fn is_closed(&self) -> bool {
        self.shared.ring.is_closed()
    }

    /// Completes once the mailbox is closed (tokio's `closed`): by the receiver's `close` or
    /// drop, or by a [`Sender::close`]; at once if it is closed already. For a producer that
    /// should stop working once nobody will receive what it makes.
    ///
    /// It waits apart from the senders waiting for a slot: nothing but a close wakes it, and
    /// it never takes a wake-up meant for them. Waiting allocates nothing.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future before it completes leaves nothing behind.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, rx) = channel::<u32>(MailboxConfig::default());
    /// let producer = std::thread::spawn(move || {
    ///     futures::executor::block_on(tx.closed()); // until nobody listens
    ///     assert!(tx.try_send(1).unwrap_err().is_closed());
    /// });
    /// drop(rx);
    /// producer.join().unwrap();
    /// ```
    pub fn closed(&self) -> WhenClosed<'_, T, X> {
        WhenClosed {
            shared: &self.shared,
            waiter: Waiter::new(),
            registered: false,
            _pinned: PhantomPinned,
        }
    }

    /// Number of slots.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, _rx) = channel::<u32>(MailboxConfig { capacity: 3, ..Default::default() });
    /// assert_eq!(tx.capacity(), 3);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.shared.ring.capacity()
    }

    /// Number of occupied slots (a snapshot): queued messages, plus slots claimed by a send in
    /// progress or a [`Permit`] (a dropped permit's slot until the receiver steps over it).
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, _rx) = channel::<u32>(MailboxConfig::default());
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.len(), 1);
    /// let permit = futures::executor::block_on(tx.reserve()).unwrap();
    /// assert_eq!(tx.len(), 2); // the reserved slot counts
    /// drop(permit); // gives the slot up
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.shared.ring.len()
    }

    /// Whether no slot is occupied (a snapshot; see [`Sender::len`]).
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// tx.try_send(1).unwrap();
    /// assert!(!tx.is_empty());
    /// rx.try_recv().unwrap();
    /// assert!(tx.is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.shared.ring.is_empty()
    }

    /// The mailbox's counters (the same for every sender and the receiver).
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig { capacity: 1, ..Default::default() });
    /// tx.try_send(1).unwrap();
    /// assert!(tx.try_send(2).is_err());
    /// rx.try_recv().unwrap();
    /// let stats = tx.stats();
    /// assert_eq!((stats.accepted, stats.busy, stats.received), (1, 1, 1));
    /// assert_eq!(stats, rx.stats());
    /// ```
    pub fn stats(&self) -> MailboxStats {
        self.shared.stats()
    }

    /// Sends from a plain thread, parking it while the mailbox is full (as [`Sender::send`]).
    ///
    /// A full mailbox is first retried for a moment: a few `spin_loop` rounds, then four OS
    /// yields, then the thread parks until the receiver frees a slot. In a process that runs
    /// on one CPU the spin rounds are skipped: they could only delay the receiver it waits
    /// for.
    ///
    /// Not for async code: parking a thread that runs an async runtime's tasks stalls the
    /// runtime (a single-threaded one for good, if the peer is a task on it). Use
    /// `send(msg).await` there, or call this from a thread meant for blocking (tokio's
    /// `spawn_blocking`).
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// let t = std::thread::spawn(move || tx.blocking_send(3).unwrap());
    /// assert_eq!(rx.blocking_recv(), Some(3));
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
    #[inline]
    pub fn blocking_send(&self, msg: T) -> Result<Sent, SendError<T>> {
        // The send that finds a free slot at once, inline in the caller: the first attempt of
        // the wait below (no `poll_reserve` registration to leave, nobody queued ahead, a
        // claim), with nothing else around it. As one function with the wait, every send paid
        // for the wait's frame (six registers saved and restored, a stack frame) and its
        // checks: measured under callgrind, the sending thread ran 158 instructions per
        // message before and 122 after (docs/PERFORMANCE.md, fifteenth round).
        let shared = &*self.shared;
        if shared.overflow == Overflow::Busy
            && self.reserve_wait().is_none()
            && !shared.waiters.may_have_waiters()
        {
            // Whether this is the only sender, asked once after the claim for both the claim's
            // prefetch and the publish's fence: by the claim where the ring prefetches at all
            // (`Shared::claim_with`), else here, at the publish (as in the loom build, where
            // the prefetch is left out).
            let mut lone = None;
            if let Ok(claim) = shared.claim_with::<false>(|| *lone.insert(self.is_lone())) {
                let lone = lone.unwrap_or_else(|| self.is_lone());
                self.publish_blocking(claim, msg, lone);
                return Ok(Sent::Queued);
            }
        }
        self.blocking_send_wait(msg)
    }

    /// Whether this is the only sender: a hint for how to publish and prefetch, never for
    /// what is correct.
    #[cfg(feature = "std")]
    #[inline(always)]
    fn is_lone(&self) -> bool {
        // Relaxed: a hint only (either way the protocol holds: the fenced publish is the
        // stronger one, and a prefetch orders nothing).
        self.shared.senders.load(Ordering::Relaxed) == 1
    }

    /// Publishes a blocking send's claim, with the publish fence for a lone sender (`lone`,
    /// from [`is_lone`](Self::is_lone)) on several CPUs.
    #[cfg(feature = "std")]
    #[inline]
    fn publish_blocking(&self, claim: Claim<'_, T>, msg: T, lone: bool) {
        let shared = &*self.shared;
        if lone && !crate::sync::one_cpu() {
            // The only sender: keep the publish fence. Skipping it spares a locked
            // instruction that only contending senders feel; measured on the 2-vCPU VM
            // (docs/PERFORMANCE.md), a lone blocking sender without it ran at 0.4-0.7 of its
            // speed with it (seventh round), while 4 senders ran 1.8x faster without. Since
            // the receive's spin and run waits changed, the two measured level on that VM
            // (sixteenth round, 6 rounds); the fence stays until a many-core run tells them
            // apart. The fence paces the
            // sender against a receiver on another core; on one CPU there is none, and the
            // fence only costs (docs/PERFORMANCE.md, thirteenth round: without it and the
            // spin, the blocking rows at capacity 512 ran 1.3-1.5x faster on one CPU).
            shared.publish_fenced(claim, msg);
        } else {
            shared.publish(claim, msg);
        }
    }

    /// The rest of [`blocking_send`](Self::blocking_send), out of line: every policy but
    /// `Busy`, a `poll_reserve` registration to leave, senders queued ahead, a full mailbox,
    /// the close. It starts over with a first attempt of its own (the caller's may have lost
    /// a race that is over by now).
    #[cfg(feature = "std")]
    #[inline(never)]
    fn blocking_send_wait(&self, msg: T) -> Result<Sent, SendError<T>> {
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
        use crate::blocking::{Yields, SPINS};
        let shared = &*self.shared;
        let waited = crate::blocking::spin_then(SPINS, Yields::Plain, |look| {
            if look != crate::blocking::Look::Full && !shared.ring.tail_looks_free() {
                return None;
            }
            if shared.waiters.may_have_waiters() {
                return Some(None);
            }
            match shared.claim::<false>() {
                Ok(claim) => Some(Some(Ok(claim))),
                Err(ClaimError::Closed) => Some(Some(Err(Closed))),
                Err(ClaimError::Full) => None,
            }
        });
        let claim = match waited.found {
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
                self.publish_blocking(claim, msg, self.is_lone());
                Ok(Sent::Queued)
            }
            Err(Closed) => Err(SendError::Closed(msg)),
        }
    }

    /// Sends from a plain thread, parking it while the mailbox is full for at most `timeout`
    /// (crossbeam-channel's `send_timeout`). A free slot is taken at once; a full mailbox is
    /// answered by its overflow policy as [`Sender::try_send`] answers it, except that where
    /// `try_send` would answer `Busy` the send waits as [`Sender::send`] does (under `Busy` in
    /// line with the other waiting senders for a slot, under `DropOldest` until the oldest
    /// message can be evicted) until the mailbox closes or the time is up:
    /// [`Sender::send_before`] with a deadline on the host's clock. Not for async code (see [`Sender::blocking_send`]); there, use
    /// `send_before` with your runtime's sleep.
    ///
    /// Unlike [`blocking_send`](Self::blocking_send) it does not spin before it parks: it is
    /// for waits expected to last (a send that gives up under overload), not for streaming.
    ///
    /// # Errors
    /// [`SendTimeoutError::Timeout`] with the message when the time was up first (at once
    /// for a zero `timeout` and a full mailbox); [`SendTimeoutError::Closed`] with the message
    /// when the mailbox is closed; [`SendTimeoutError::Dropped`] under `DropNewest` with a full
    /// mailbox (counted).
    ///
    /// # Panics
    /// When it would have to wait inside async code that a runtime adapter can recognise, as
    /// [`Sender::blocking_send`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use ryker_core::error::SendTimeoutError;
    /// use ryker_core::mailbox::{channel, MailboxConfig, Sent};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig { capacity: 1, ..Default::default() });
    /// assert_eq!(tx.blocking_send_timeout(1, Duration::from_secs(60)), Ok(Sent::Queued));
    /// // Full, and nobody receives: the message comes back when the time is up.
    /// assert_eq!(tx.blocking_send_timeout(2, Duration::from_millis(1)), Err(SendTimeoutError::Timeout(2)));
    /// let t = std::thread::spawn(move || (rx.blocking_recv(), rx));
    /// // A slot frees up within the timeout.
    /// assert_eq!(tx.blocking_send_timeout(3, Duration::from_secs(60)), Ok(Sent::Queued));
    /// let (first, mut rx) = t.join().unwrap();
    /// assert_eq!(first, Some(1));
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// ```
    #[cfg(all(feature = "std", not(ryker_loom)))]
    pub fn blocking_send_timeout(
        &self,
        msg: T,
        timeout: core::time::Duration,
    ) -> Result<Sent, SendTimeoutError<T>> {
        let deadline = crate::blocking::deadline_after(timeout);
        crate::blocking::block_on_until(
            self.send_before(msg, crate::blocking::Expiry(deadline)),
            deadline,
        )
    }

    /// The former name of [`blocking_send`](Self::blocking_send).
    #[cfg(feature = "std")]
    #[deprecated(since = "0.1.0", note = "renamed to `blocking_send`, as in tokio")]
    pub fn send_blocking(&self, msg: T) -> Result<Sent, SendError<T>> {
        self.blocking_send(msg)
    }
}

impl<T, X: Attachment> Sender<T, X> {
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
    /// assert_eq!(rx.blocking_recv(), Some(1));
    /// assert_eq!(rx.blocking_recv(), None);
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
    pub fn downgrade(&self) -> WeakSender<T, X> {
        // Relaxed: `weak_count`'s counter only; nothing is read through it.
        self.shared.weak_senders.fetch_add(1, Ordering::Relaxed);
        WeakSender {
            shared: self.shared.clone(),
        }
    }

    /// Whether `other` sends to the same mailbox as this sender (tokio's `same_channel`).
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, _rx) = channel::<u32>(MailboxConfig::default());
    /// let (other, _other_rx) = channel::<u32>(MailboxConfig::default());
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        core::ptr::eq(&*self.shared, &*other.shared)
    }

    /// The address of the mailbox's shared state: equal for two handles exactly when
    /// [`same_channel`](Self::same_channel) says so, and stable while this handle lives (for
    /// hashing the actor addresses built on it).
    pub(crate) fn channel_addr(&self) -> usize {
        core::ptr::from_ref::<Shared<T, X>>(&self.shared) as usize
    }

    /// Number of live [`Sender`]s of this mailbox, this one included (a snapshot: other
    /// threads may clone or drop senders at any time). The sender an [`OwnedPermit`] holds
    /// counts; a [`WeakSender`] does not (see [`Sender::weak_count`]).
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, rx) = channel::<u32>(MailboxConfig::default());
    /// let tx2 = tx.clone();
    /// assert_eq!(tx.strong_count(), 2);
    /// drop(tx2);
    /// assert_eq!(tx.strong_count(), 1);
    /// assert_eq!(rx.sender_strong_count(), 1);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.shared.strong_count()
    }

    /// Number of live [`WeakSender`]s of this mailbox (a snapshot, as
    /// [`Sender::strong_count`]).
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, _rx) = channel::<u32>(MailboxConfig::default());
    /// let weak = tx.downgrade();
    /// assert_eq!(tx.weak_count(), 1);
    /// drop(weak);
    /// assert_eq!(tx.weak_count(), 0);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.shared.weak_count()
    }

    /// The state attached to this mailbox.
    pub(crate) fn attachment(&self) -> &X {
        &self.shared.attachment
    }
}

/// A sender that does not count: the mailbox closes when the last [`Sender`] goes, whatever
/// weak senders remain. Made by [`Sender::downgrade`].
///
/// ```
/// use ryker_core::mailbox::{channel, MailboxConfig, WeakSender};
/// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
/// let weak: WeakSender<u32> = tx.downgrade();
/// drop(tx);
/// assert_eq!(rx.blocking_recv(), None); // the weak sender did not keep it open
/// assert!(weak.is_closed());
/// ```
pub struct WeakSender<T, X: Attachment = NoAttachment> {
    shared: Arc<Shared<T, X>>,
}

impl<T, X: Attachment> WeakSender<T, X> {
    /// A `Sender` again, unless every `Sender` is gone (the mailbox has closed).
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// let weak = tx.downgrade();
    /// let strong = weak.upgrade().expect("`tx` is alive");
    /// drop(tx);
    /// strong.try_send(1).unwrap(); // the upgraded sender keeps the mailbox open
    /// drop(strong);
    /// assert!(weak.upgrade().is_none());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T, X>> {
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

    /// A `Sender`: an upgraded one while the mailbox is open, otherwise one to the closed
    /// mailbox, whose sends fail with `Closed` (an owner that released its address, such as a
    /// joined `ActorHandle`, still hands out an address).
    pub(crate) fn upgrade_or_closed(&self) -> Sender<T, X> {
        if let Some(tx) = self.upgrade() {
            return tx;
        }
        // The count reached zero, so the last sender closed the mailbox, and it stays closed:
        // this sender cannot reopen it. Its drop closes it again (idempotent). Relaxed: as in
        // `upgrade`, the count only decides whether a sender may be made.
        self.shared.senders.fetch_add(1, Ordering::Relaxed);
        Sender::new(self.shared.clone())
    }

    /// Closes the mailbox, as [`Sender::close`].
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// tx.try_send(1).unwrap();
    /// tx.downgrade().close();
    /// assert!(tx.try_send(2).unwrap_err().is_closed());
    /// assert_eq!(rx.try_recv(), Ok(1)); // still delivered
    /// ```
    pub fn close(&self) {
        self.shared.close();
    }

    /// Whether the mailbox is closed.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, rx) = channel::<u32>(MailboxConfig::default());
    /// let weak = tx.downgrade();
    /// assert!(!weak.is_closed());
    /// drop(rx);
    /// assert!(weak.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.ring.is_closed()
    }

    /// Whether `other` sends to the same mailbox as this weak sender.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, _rx) = channel::<u32>(MailboxConfig::default());
    /// let (other, _other_rx) = channel::<u32>(MailboxConfig::default());
    /// assert!(tx.downgrade().same_channel(&tx.downgrade()));
    /// assert!(!tx.downgrade().same_channel(&other.downgrade()));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        core::ptr::eq(&*self.shared, &*other.shared)
    }

    /// The address of the mailbox's shared state: equal for two handles exactly when
    /// [`same_channel`](Self::same_channel) says so, and stable while this handle lives (for
    /// hashing the actor addresses built on it).
    pub(crate) fn channel_addr(&self) -> usize {
        core::ptr::from_ref::<Shared<T, X>>(&self.shared) as usize
    }

    /// Number of live [`Sender`]s of this mailbox (a snapshot, as [`Sender::strong_count`]):
    /// 0 once every sender is gone, when [`upgrade`](Self::upgrade) returns `None`.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, _rx) = channel::<u32>(MailboxConfig::default());
    /// let weak = tx.downgrade();
    /// assert_eq!(weak.strong_count(), 1);
    /// drop(tx);
    /// assert_eq!(weak.strong_count(), 0);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.shared.strong_count()
    }

    /// Number of live [`WeakSender`]s of this mailbox, this one included (a snapshot, as
    /// [`Sender::strong_count`]).
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, _rx) = channel::<u32>(MailboxConfig::default());
    /// let weak = tx.downgrade();
    /// let weak2 = weak.clone();
    /// assert_eq!(weak.weak_count(), 2);
    /// drop(weak2);
    /// assert_eq!(weak.weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.shared.weak_count()
    }

    /// The mailbox's counters.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, _rx) = channel::<u32>(MailboxConfig::default());
    /// let weak = tx.downgrade();
    /// tx.try_send(1).unwrap();
    /// assert_eq!(weak.stats().accepted, 1);
    /// ```
    pub fn stats(&self) -> MailboxStats {
        self.shared.stats()
    }

    /// The state attached to this mailbox.
    pub(crate) fn attachment(&self) -> &X {
        &self.shared.attachment
    }
}

impl<T, X: Attachment> Clone for WeakSender<T, X> {
    fn clone(&self) -> Self {
        // Relaxed: `weak_count`'s counter only; nothing is read through it.
        self.shared.weak_senders.fetch_add(1, Ordering::Relaxed);
        Self {
            shared: self.shared.clone(),
        }
    }
}

impl<T, X: Attachment> Drop for WeakSender<T, X> {
    fn drop(&mut self) {
        // Relaxed: `weak_count`'s counter only; nothing is read through it.
        self.shared.weak_senders.fetch_sub(1, Ordering::Relaxed);
    }
}

impl<T, X: Attachment> fmt::Debug for WeakSender<T, X> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender")
            .field("ring", &self.shared.ring)
            .finish_non_exhaustive()
    }
}

impl<T, X: Attachment> Clone for Sender<T, X> {
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

impl<T, X: Attachment> Drop for Sender<T, X> {
    fn drop(&mut self) {
        if let Some(waiter) = &self.waiter {
            self.shared
                .cancel_wait(waiter.as_ref(), &mut self.registered);
        }
        // AcqRel: the last sender's decrement must see every other sender's work done
        // (Acquire), and each decrement releases this sender's sends to it (Release).
        if self.shared.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.close_ring();
            // Straight after the closing RMW: a receiver waiting on empty must see the end.
            self.shared.after_publish();
        }
    }
}

impl<T, X: Attachment> fmt::Debug for Sender<T, X> {
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
// lent to user code across a mailbox operation, so `T` needs no bound. The attachment `X` is
// user code with its own shared state, called in the middle of our operations: it must be
// `RefUnwindSafe` itself (`NoAttachment` is).

/// A reserved slot (see [`Sender::poll_reserve`]). Sending through it cannot fail.
///
/// Dropping it unused gives the slot up: the receiver steps over it.
///
/// ```
/// use ryker_core::mailbox::{channel, MailboxConfig};
/// let (tx, mut rx) = channel::<u32>(MailboxConfig { capacity: 1, ..Default::default() });
/// let permit = futures::executor::block_on(tx.reserve()).unwrap();
/// assert!(tx.try_send(1).unwrap_err().is_busy()); // the permit holds the slot
/// drop(permit);
/// assert!(rx.try_recv().is_err()); // nothing to receive: the receiver steps over the slot
/// tx.try_send(2).unwrap(); // ... which is free again
/// assert_eq!(rx.try_recv(), Ok(2));
/// ```
pub struct Permit<'a, T, X: Attachment = NoAttachment> {
    claim: Option<Claim<'a, T>>,
    shared: &'a Shared<T, X>,
}

impl<'a, T, X: Attachment> Permit<'a, T, X> {
    /// Wraps a claim that its holder may keep for as long as it likes, made by `poll_claim`
    /// with `HOLD`: the slot is marked `RESERVED`, so a receiver that reaches it parks (the
    /// publish or the give-up is followed by a SeqCst fence and wakes it) instead of looking
    /// again until the holder is done.
    fn new(claim: Claim<'a, T>, shared: &'a Shared<T, X>) -> Self {
        Permit {
            claim: Some(claim),
            shared,
        }
    }

    /// The permit's claim, taken off its borrows for an [`OwnedPermit`], whose sender keeps
    /// the ring alive.
    fn detach(mut self) -> DetachedClaim {
        let claim = self
            .claim
            .take()
            .expect("a permit holds its claim until it is used");
        claim.detach(&self.shared.ring)
    }

    /// Sends `msg` into the reserved slot.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<&str>(MailboxConfig::default());
    /// let first = futures::executor::block_on(tx.reserve()).unwrap();
    /// tx.try_send("second").unwrap();
    /// first.send("first");
    /// assert_eq!(rx.try_recv(), Ok("first")); // in reservation order
    /// assert_eq!(rx.try_recv(), Ok("second"));
    /// ```
    #[inline]
    pub fn send(mut self, msg: T) {
        if let Some(claim) = self.claim.take() {
            // Counted before the publish, as a plain send is counted by its claim.
            self.shared.permits_sent.add(1);
            self.shared.publish_fenced(claim, msg);
        }
    }
}

impl<T, X: Attachment> Drop for Permit<'_, T, X> {
    fn drop(&mut self) {
        if let Some(claim) = self.claim.take() {
            self.shared.give_up(claim);
        }
    }
}

impl<T, X: Attachment> fmt::Debug for Permit<'_, T, X> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

/// The permits of [`Sender::reserve_many`] and [`Sender::try_reserve_many`] (tokio's
/// `PermitIterator`): yields one [`Permit`] per reserved slot, in slot order. Dropping it
/// gives up the slots of the permits it has not yielded (the receiver steps over them, and is
/// woken if it waits on one).
///
/// ```
/// use ryker_core::mailbox::{channel, MailboxConfig};
/// let (tx, mut rx) = channel::<u32>(MailboxConfig { capacity: 3, ..Default::default() });
/// let mut permits = tx.try_reserve_many(3).unwrap();
/// permits.next().unwrap().send(1);
/// assert_eq!(permits.len(), 2);
/// drop(permits); // the two slots left are given up
/// assert_eq!(rx.try_recv(), Ok(1));
/// assert!(rx.try_recv().is_err()); // stepped over
/// assert_eq!(tx.stats().accepted, 1);
/// ```
pub struct PermitIterator<'a, T, X: Attachment = NoAttachment> {
    run: ClaimRun<'a, T>,
    shared: &'a Shared<T, X>,
}

impl<'a, T, X: Attachment> PermitIterator<'a, T, X> {
    fn new(run: ClaimRun<'a, T>, shared: &'a Shared<T, X>) -> Self {
        PermitIterator { run, shared }
    }
}

impl<'a, T, X: Attachment> Iterator for PermitIterator<'a, T, X> {
    type Item = Permit<'a, T, X>;

    fn next(&mut self) -> Option<Permit<'a, T, X>> {
        self.run.next().map(|claim| Permit::new(claim, self.shared))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.run.size_hint()
    }
}

impl<T, X: Attachment> ExactSizeIterator for PermitIterator<'_, T, X> {}

impl<T, X: Attachment> core::iter::FusedIterator for PermitIterator<'_, T, X> {}

impl<T, X: Attachment> Drop for PermitIterator<'_, T, X> {
    fn drop(&mut self) {
        self.shared.give_up_rest(&mut self.run);
    }
}

impl<T, X: Attachment> fmt::Debug for PermitIterator<'_, T, X> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermitIterator")
            .field("left", &self.run.len())
            .finish_non_exhaustive()
    }
}

/// A reserved slot that owns its [`Sender`] (see [`Sender::reserve_owned`]): a [`Permit`]
/// that borrows nothing. Sending through it cannot fail, and gives the sender back.
///
/// Dropping it unused gives the slot up, as a dropped `Permit` does (the receiver steps over
/// it, and is woken if it waits on it), and then drops the sender: a permit that held the last
/// sender closes the mailbox, and the receiver sees the end.
///
/// ```
/// use ryker_core::mailbox::{channel, MailboxConfig};
/// let (tx, mut rx) = channel::<u32>(MailboxConfig { capacity: 1, ..Default::default() });
/// let permit = tx.try_reserve_owned().unwrap();
/// assert!(!rx.is_closed()); // the permit's sender keeps the mailbox open
/// let tx = permit.release(); // the slot is given up, the sender comes back
/// assert!(rx.try_recv().is_err()); // the receiver steps over the slot
/// tx.try_send(2).unwrap();
/// drop(tx);
/// assert_eq!(rx.blocking_recv(), Some(2));
/// assert_eq!(rx.blocking_recv(), None);
/// ```
pub struct OwnedPermit<T, X: Attachment = NoAttachment> {
    /// The reserved slot, off its borrow of the ring that `sender` keeps alive; `None` once
    /// sent or released.
    claim: Option<DetachedClaim>,
    /// `None` only once sent or released.
    sender: Option<Sender<T, X>>,
}

impl<T, X: Attachment> OwnedPermit<T, X> {
    /// Wraps a held claim (see [`Permit::new`]) detached from `sender`'s ring.
    fn new(claim: DetachedClaim, sender: Sender<T, X>) -> Self {
        OwnedPermit {
            claim: Some(claim),
            sender: Some(sender),
        }
    }

    /// The claim and the sender, taken out: sending or releasing.
    fn take(&mut self) -> (DetachedClaim, Sender<T, X>) {
        match (self.claim.take(), self.sender.take()) {
            (Some(claim), Some(sender)) => (claim, sender),
            _ => unreachable!("an owned permit is used once"),
        }
    }

    /// Sends `msg` into the reserved slot and hands the sender back.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<&str>(MailboxConfig::default());
    /// let first = tx.try_reserve_owned().unwrap();
    /// let tx = first.send("first");
    /// tx.try_send("second").unwrap();
    /// assert_eq!((rx.try_recv(), rx.try_recv()), (Ok("first"), Ok("second")));
    /// ```
    pub fn send(mut self, msg: T) -> Sender<T, X> {
        let (claim, sender) = self.take();
        let shared = &*sender.shared;
        // SAFETY: `claim` was detached from this ring, the ring of the sender it came with
        // (`Sender::reserve_owned`, `Sender::try_reserve_owned`).
        let claim = unsafe { shared.ring.reattach(claim) };
        // Counted before the publish, as `Permit::send`.
        shared.permits_sent.add(1);
        shared.publish_fenced(claim, msg);
        sender
    }

    /// Gives the reserved slot up without sending (as dropping the permit does) and hands the
    /// sender back (tokio's `release`).
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// let tx = tx.try_reserve_owned().unwrap().release();
    /// assert!(rx.try_recv().is_err());
    /// assert_eq!(tx.stats().accepted, 0);
    /// ```
    pub fn release(mut self) -> Sender<T, X> {
        let (claim, sender) = self.take();
        give_up_detached(&sender, claim);
        sender
    }
}

/// Gives up an owned permit's slot (`Shared::give_up`).
fn give_up_detached<T, X: Attachment>(sender: &Sender<T, X>, claim: DetachedClaim) {
    let shared = &*sender.shared;
    // SAFETY: `claim` was detached from this ring, the ring of the sender it came with.
    let claim = unsafe { shared.ring.reattach(claim) };
    shared.give_up(claim);
}

impl<T, X: Attachment> Drop for OwnedPermit<T, X> {
    fn drop(&mut self) {
        if let (Some(claim), Some(sender)) = (self.claim.take(), self.sender.take()) {
            // The slot first, then the sender: if it is the last one, its drop closes the
            // mailbox, and the receiver, woken by both, steps over the slot to the end.
            give_up_detached(&sender, claim);
            drop(sender);
        }
    }
}

impl<T, X: Attachment> fmt::Debug for OwnedPermit<T, X> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}

/// A sender's place in the wait list, inside a pinned future; leaving it (on drop) gives the
/// place up and passes on a notification it never used.
struct Wait<'a, T, X: Attachment> {
    shared: &'a Shared<T, X>,
    waiter: Waiter,
    registered: bool,
    _pinned: PhantomPinned,
}

impl<'a, T, X: Attachment> Wait<'a, T, X> {
    fn new(shared: &'a Shared<T, X>) -> Self {
        Self {
            shared,
            waiter: Waiter::new(),
            registered: false,
            _pinned: PhantomPinned,
        }
    }

    /// The shared state, the pinned waiter and its flag.
    fn project(self: Pin<&mut Self>) -> (&'a Shared<T, X>, Pin<&Waiter>, &mut bool) {
        // SAFETY: `waiter` is never moved out of the pinned `Wait` (only borrowed, pinned,
        // below); `shared` and `registered` are not structurally pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: `waiter` stays at this address until `Wait` is dropped, and `Drop` removes
        // it from the wait list first.
        let waiter = unsafe { Pin::new_unchecked(&this.waiter) };
        (this.shared, waiter, &mut this.registered)
    }
}

impl<T, X: Attachment> Drop for Wait<'_, T, X> {
    fn drop(&mut self) {
        // SAFETY: the waiter is pinned (we are being dropped in place).
        let waiter = unsafe { Pin::new_unchecked(&self.waiter) };
        self.shared.cancel_wait(waiter, &mut self.registered);
    }
}

/// The future returned by [`Sender::send`].
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Poll};
/// use futures::task::noop_waker_ref;
/// use ryker_core::mailbox::{channel, MailboxConfig, Sent};
/// let (tx, mut rx) = channel::<u32>(MailboxConfig { capacity: 1, ..Default::default() });
/// tx.try_send(1).unwrap();
/// let mut cx = Context::from_waker(noop_waker_ref());
/// let mut send = std::pin::pin!(tx.send(2));
/// assert!(send.as_mut().poll(&mut cx).is_pending()); // full: waits in line
/// assert_eq!(rx.try_recv(), Ok(1)); // frees the slot, wakes the sender
/// assert_eq!(send.as_mut().poll(&mut cx), Poll::Ready(Ok(Sent::Queued)));
/// assert_eq!(rx.try_recv(), Ok(2));
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct SendFuture<'a, T, X: Attachment = NoAttachment> {
    wait: Wait<'a, T, X>,
    msg: Option<T>,
    /// The sender's own `poll_reserve` registration, if it had one when `send` was called:
    /// left on the first poll (`Sender::reserve_wait`), before this send can queue.
    stale: Option<Pin<&'a Waiter>>,
}

impl<T, X: Attachment> Future for SendFuture<'_, T, X> {
    type Output = Result<Sent, SendError<T>>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `wait` is structurally pinned (only used through `Pin::new_unchecked`
        // below, never moved); `msg` is not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        if this.msg.is_none() {
            panic!("`SendFuture` polled after completion");
        }
        // SAFETY: see above: `wait` is never moved.
        let (shared, waiter, registered) = unsafe { Pin::new_unchecked(&mut this.wait) }.project();
        // The sender's stale `poll_reserve` registration first (`Sender::reserve_wait`); a
        // sender borrowed by this future cannot register another meanwhile.
        if let Some(stale) = this.stale.take() {
            shared.cancel_wait(stale, &mut true);
        }
        // A message that finds room goes in here, on the first poll (`Shared::send_first`);
        // the rest waits in `poll_send`, the message staying in `this.msg` meanwhile.
        let polled = match shared.send_first(*registered, &mut this.msg) {
            Some(settled) => Poll::Ready(settled),
            None => shared.poll_send(waiter, registered, &mut this.msg, cx),
        };
        match polled {
            Poll::Ready(Ok(sent)) => Poll::Ready(Ok(sent)),
            Poll::Ready(Err(Refused::Closed)) => {
                Poll::Ready(Err(SendError::Closed(take_msg(&mut this.msg))))
            }
            Poll::Ready(Err(Refused::Dropped)) => Poll::Ready(Err(SendError::Dropped)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// `blocking_send`'s wait under the drop policies: a send whose message stays in the caller's
/// frame (`block_on` moves only this small future around, never the message).
#[cfg(feature = "std")]
struct SendInPlace<'a, 'm, T, X: Attachment> {
    wait: Wait<'a, T, X>,
    msg: &'m mut Option<T>,
}

#[cfg(feature = "std")]
impl<T, X: Attachment> Future for SendInPlace<'_, '_, T, X> {
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

/// `blocking_send`'s wait for a slot under `Busy`: the message waits in the caller's frame and
/// is written into the slot once, after the wait.
#[cfg(feature = "std")]
struct ClaimFuture<'a, T, X: Attachment> {
    wait: Wait<'a, T, X>,
}

#[cfg(feature = "std")]
impl<'a, T, X: Attachment> Future for ClaimFuture<'a, T, X> {
    type Output = Result<Claim<'a, T>, Closed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `wait` is structurally pinned and never moved.
        let (shared, waiter, registered) =
            unsafe { self.map_unchecked_mut(|c| &mut c.wait) }.project();
        // A blocking send's claim: published straight after, in `blocking_send_wait`
        // (`publish_blocking`).
        shared.poll_claim::<false>(waiter, registered, cx)
    }
}

impl<T, X: Attachment> fmt::Debug for SendFuture<'_, T, X> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("registered", &self.wait.registered)
            .finish_non_exhaustive()
    }
}

/// The future returned by [`Sender::reserve`].
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Poll};
/// use futures::task::noop_waker_ref;
/// use ryker_core::mailbox::{channel, MailboxConfig};
/// let (tx, mut rx) = channel::<u32>(MailboxConfig { capacity: 1, ..Default::default() });
/// tx.try_send(1).unwrap();
/// let mut cx = Context::from_waker(noop_waker_ref());
/// let mut reserve = std::pin::pin!(tx.reserve());
/// assert!(reserve.as_mut().poll(&mut cx).is_pending()); // full
/// assert_eq!(rx.try_recv(), Ok(1));
/// let Poll::Ready(Ok(permit)) = reserve.as_mut().poll(&mut cx) else { panic!("a slot is free") };
/// permit.send(2);
/// assert_eq!(rx.try_recv(), Ok(2));
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Reserve<'a, T, X: Attachment = NoAttachment> {
    wait: Wait<'a, T, X>,
}

impl<'a, T, X: Attachment> Future for Reserve<'a, T, X> {
    type Output = Result<Permit<'a, T, X>, Closed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `wait` is structurally pinned and never moved.
        let this = unsafe { self.map_unchecked_mut(|r| &mut r.wait) };
        let (shared, waiter, registered) = this.project();
        shared
            .poll_claim::<true>(waiter, registered, cx)
            .map(|claim| claim.map(|claim| Permit::new(claim, shared)))
    }
}

/// The future returned by [`Sender::closed`].
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Poll};
/// use futures::task::noop_waker_ref;
/// use ryker_core::mailbox::{channel, MailboxConfig};
/// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
/// let mut cx = Context::from_waker(noop_waker_ref());
/// let mut closed = std::pin::pin!(tx.closed());
/// assert!(closed.as_mut().poll(&mut cx).is_pending());
/// rx.close();
/// assert_eq!(closed.as_mut().poll(&mut cx), Poll::Ready(()));
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct WhenClosed<'a, T, X: Attachment = NoAttachment> {
    shared: &'a Shared<T, X>,
    /// Our place in `Shared::close_waiters` (never in the list of senders waiting for a
    /// slot).
    waiter: Waiter,
    /// Whether `waiter` may be in the list.
    registered: bool,
    _pinned: PhantomPinned,
}

/// The list a `closed` future waits in: `Shared::close_waiters`. Broken twin `closed_list`
/// (loom suite only) waits in the senders' list instead, where a freed slot's notification
/// can land on the `closed` future and be lost to the sender waiting for that slot.
fn close_list<T, X: Attachment>(shared: &Shared<T, X>) -> &WaitList {
    if broken_twin!("closed_list") {
        &shared.waiters
    } else {
        &shared.close_waiters
    }
}

impl<T, X: Attachment> WhenClosed<'_, T, X> {
    /// The pinned waiter and the flag.
    fn project(self: Pin<&mut Self>) -> (&Shared<T, X>, Pin<&Waiter>, &mut bool) {
        // SAFETY: `waiter` is never moved out of the pinned future (only borrowed, pinned,
        // below); `shared` and `registered` are not structurally pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: `waiter` stays at this address until the future is dropped, and `Drop`
        // takes it out of the list first.
        let waiter = unsafe { Pin::new_unchecked(&this.waiter) };
        (this.shared, waiter, &mut this.registered)
    }
}

impl<T, X: Attachment> Future for WhenClosed<'_, T, X> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let (shared, waiter, registered) = self.project();
        if !shared.ring.is_closed() {
            // Queued, or its waker refreshed. Only a close wakes this list
            // (`Shared::wake_close_waiters`), after the ring's close.
            // SAFETY: `Drop` (or the return below) takes `waiter` out of the list before it
            // is moved or dropped, and it is used with this list only.
            unsafe { close_list(shared).register(waiter, cx.waker(), false) };
            *registered = true;
            // The check after the registration's critical section: a close whose wake-up
            // took the lock before it is seen here (the lock orders the close before this
            // load); one that took it after finds us queued.
            if !shared.ring.is_closed() {
                return Poll::Pending;
            }
        }
        if core::mem::take(registered) {
            close_list(shared).remove(waiter);
        }
        Poll::Ready(())
    }
}

impl<T, X: Attachment> Drop for WhenClosed<'_, T, X> {
    fn drop(&mut self) {
        if self.registered {
            // SAFETY: the waiter is pinned (we are being dropped in place).
            let waiter = unsafe { Pin::new_unchecked(&self.waiter) };
            close_list(self.shared).remove(waiter);
        }
    }
}

impl<T, X: Attachment> fmt::Debug for WhenClosed<'_, T, X> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WhenClosed")
            .field("registered", &self.registered)
            .finish_non_exhaustive()
    }
}

/// The future returned by [`Sender::reserve_many`].
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Poll};
/// use futures::task::noop_waker_ref;
/// use ryker_core::mailbox::{channel, MailboxConfig};
/// let (tx, mut rx) = channel::<u32>(MailboxConfig { capacity: 2, ..Default::default() });
/// tx.try_send(1).unwrap();
/// let mut cx = Context::from_waker(noop_waker_ref());
/// let mut reserve = std::pin::pin!(tx.reserve_many(2));
/// assert!(reserve.as_mut().poll(&mut cx).is_pending()); // one slot free, two wanted
/// assert_eq!(rx.try_recv(), Ok(1));
/// let Poll::Ready(Ok(permits)) = reserve.as_mut().poll(&mut cx) else { panic!("two are free") };
/// assert_eq!(permits.len(), 2);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct ReserveMany<'a, T, X: Attachment = NoAttachment> {
    wait: Wait<'a, T, X>,
    n: usize,
    /// Wake-ups this future went back to the front of the line with, too few slots free for
    /// its run (`Shared::poll_claim_run`): passed on if it is dropped before it completes.
    kept: usize,
}

impl<'a, T, X: Attachment> Future for ReserveMany<'a, T, X> {
    type Output = Result<PermitIterator<'a, T, X>, ReserveManyError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `wait` is structurally pinned (only used through `Pin::new_unchecked`
        // below, never moved); `n` is not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let n = this.n;
        // SAFETY: see above: `wait` is never moved.
        let (shared, waiter, registered) = unsafe { Pin::new_unchecked(&mut this.wait) }.project();
        if let Some(settled) = shared.reserve_many_at_once(n) {
            return Poll::Ready(settled.map(|run| PermitIterator::new(run, shared)));
        }
        let polled = shared.poll_claim_run(n, waiter, registered, &mut this.kept, cx);
        if polled.is_ready() {
            // Settled: the run took its slots (or the mailbox closed and woke everyone).
            this.kept = 0;
        }
        polled.map(|claimed| match claimed {
            Ok(run) => Ok(PermitIterator::new(run, shared)),
            Err(Closed) => Err(ReserveManyError::Closed),
        })
    }
}

impl<T, X: Attachment> Drop for ReserveMany<'_, T, X> {
    fn drop(&mut self) {
        if self.kept > 0 && self.wait.registered {
            // Given up while back at the front with wake-ups for slots that may still be free:
            // leave the line (passing on one it has not looked at yet), then wake as many
            // waiters behind for them. A wake-up too many only makes a waiter look again.
            // SAFETY: the waiter is pinned (we are being dropped in place); `Wait`'s own drop,
            // after this, finds it unregistered.
            let waiter = unsafe { Pin::new_unchecked(&self.wait.waiter) };
            let shared = self.wait.shared;
            shared.cancel_wait(waiter, &mut self.wait.registered);
            shared.waiters.notify(self.kept.min(self.n));
        }
    }
}

impl<T, X: Attachment> fmt::Debug for ReserveMany<'_, T, X> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReserveMany")
            .field("n", &self.n)
            .field("registered", &self.wait.registered)
            .finish_non_exhaustive()
    }
}

impl<T, X: Attachment> fmt::Debug for Reserve<'_, T, X> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reserve")
            .field("registered", &self.wait.registered)
            .finish_non_exhaustive()
    }
}

impl<T, X: Attachment + RefUnwindSafe> UnwindSafe for Sender<T, X> {}
impl<T, X: Attachment + RefUnwindSafe> RefUnwindSafe for Sender<T, X> {}
impl<T, X: Attachment + RefUnwindSafe> UnwindSafe for WeakSender<T, X> {}
impl<T, X: Attachment + RefUnwindSafe> RefUnwindSafe for WeakSender<T, X> {}
impl<T, X: Attachment + RefUnwindSafe> UnwindSafe for Permit<'_, T, X> {}
impl<T, X: Attachment + RefUnwindSafe> RefUnwindSafe for Permit<'_, T, X> {}
impl<T, X: Attachment + RefUnwindSafe> UnwindSafe for OwnedPermit<T, X> {}
impl<T, X: Attachment + RefUnwindSafe> RefUnwindSafe for OwnedPermit<T, X> {}
impl<T, X: Attachment + RefUnwindSafe> UnwindSafe for PermitIterator<'_, T, X> {}
impl<T, X: Attachment + RefUnwindSafe> RefUnwindSafe for PermitIterator<'_, T, X> {}
