//! The receiving half: [`Receiver`], its `poll_*`/`recv*` methods and the close-and-drain on
//! drop.

use core::fmt;
use core::future::Future;
use core::panic::{RefUnwindSafe, UnwindSafe};
use core::task::{Context, Poll, Waker};

use super::shared::Shared;
use super::{Attachment, MailboxStats, NoAttachment};
#[cfg(feature = "std")]
use crate::blocking::{Look, Yields};
use crate::error::{RecvTimeoutError, TryRecvError};
use crate::ring::{EmptyCheck, Pop};
use crate::sync::{broken_twin, fence, Arc, Backoff, Ordering};

/// The receiving half of a mailbox.
///
/// ```
/// use ryker_core::mailbox::{channel, MailboxConfig};
/// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
/// for i in 0..3 { tx.try_send(i).unwrap(); }
/// drop(tx); // the last sender closes the mailbox
/// let mut got = Vec::new();
/// while let Some(i) = rx.blocking_recv() { got.push(i); }
/// assert_eq!(got, [0, 1, 2]);
/// ```
pub struct Receiver<T, X: Attachment = NoAttachment> {
    shared: Arc<Shared<T, X>>,
    /// Receives since the last high-water sample.
    since_sample: u32,
    /// Whether senders look mid-stream, which decides how an empty mailbox is waited on (see
    /// `poll_recv_many`), and whether a blocking receive's first look waits for a run (see
    /// `blocking_recv_many`, which sets it by its own rule: `Busy` after it took more than
    /// one message, `Idle` otherwise).
    streaming: Streaming,
    /// Whether the next poll registers before it looks (`poll_inner`): the last one took
    /// every message there was (fewer than it could have) and the receiver is `Idle`. Then
    /// the next poll, after the caller has handled what it took, most likely finds the mailbox
    /// empty (request/response: the actor loop after each ask), and a look before the
    /// registration would only be repeated after it.
    register_first: bool,
    /// Whether a wait for a run spins before it yields, as the last spins taught (`Spin`).
    spin: Spin,
    /// How many more blocking waits park after their spin rounds without yielding: set to
    /// [`PARKING_WAITS`] when a blocking receive's yield ran long while its one sender could
    /// have had a CPU of its own (the two look to share one); a look during the spin rounds
    /// that finds messages (the sender runs beside us again) sets it to 0. See
    /// `blocking_recv_many`.
    #[cfg(feature = "std")]
    pub(super) parking_waits: u8,
    /// The waker a poll took back from the cell after its re-check found messages
    /// (`poll_inner`), dropped at the start of the next poll, before anything is taken.
    /// Dropping it where it is taken back could run a panicking destructor (user code) while
    /// the messages were on their way out, and the unwinding would drop them: accepted,
    /// counted received, never delivered.
    spare_waker: Option<Waker>,
}

/// The blocking waits that park without yielding after a long yield ([`Receiver`]'s
/// `parking_waits`). Bounded, so that a wrong guess (the check of spare CPUs is a snapshot)
/// costs at most this many parks before the receive yields again: in the burst measurements of
/// the eighteenth round (docs/PERFORMANCE.md), a receiver that parked found itself on the idle
/// vCPU within a few waits.
#[cfg(feature = "std")]
pub(super) const PARKING_WAITS: u8 = 64;

/// How the receiver waits the next time it finds the mailbox empty, or nearly so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Streaming {
    /// Register the waker when empty; take whatever is there otherwise (the last
    /// registration was needed: it ended in `Pending`).
    Idle,
    /// Senders look mid-stream: the last registration was overtaken by a publish (the
    /// re-check after it found a message), the last receive took more than one message, or
    /// the last wait found messages. Wait for a run of messages rather than take fewer, and
    /// yield rather than register when empty (`Receiver::waits_for_run`).
    Busy,
    /// After this many yields in a row: waiting for a run (`Busy`, `waits_for_run`), or
    /// after the single yield on empty of a receive that does not wait for runs (a run of
    /// one, `poll_recv_many_now`). Then take what is there, or register if nothing is.
    Waiting(u8),
    /// The wait for a run reached [`RUN_WAIT_YIELDS`] yields: senders do not fill a run in
    /// that time. Take what is there and go back to `Idle`, so that a slow, steady stream
    /// does not keep the receiver yielding (and its messages waiting) wait after wait.
    RanOut,
}

/// How many polls in a row a mid-stream receiver answers with a yield while it waits for a
/// run of messages (`Receiver::waits_for_run`) before it takes fewer, or registers on empty.
/// Each yield costs the executor one round (a few hundred nanoseconds on the 2-vCPU machine
/// the figures in docs/PERFORMANCE.md come from). On 2-worker executors 32 measured
/// 1.4-4x the SPSC throughput of a single yield, and 64 no better than 32. Under loom, 1:
/// the count is not part of any ordering argument, and one yield explores the branch.
pub(super) const RUN_WAIT_YIELDS: u8 = if cfg!(ryker_loom) { 1 } else { 32 };

/// A mid-stream receiver's bounded spin, before each yield with which it waits for a run
/// (`Receiver::waits_for_run`): [`Backoff`]'s rounds (11 of them, 383 `spin_loop` hints in
/// all) with a look at the run's last slot after each (`Ring::head_looks_ready`: a hint; the
/// pop that follows re-checks all), and, where there is a clock (`std`), no longer than
/// [`SPIN_TIME_MAX`] in all. On the 2-vCPU machine the figures in docs/PERFORMANCE.md come
/// from a hint takes about 10 ns and the 383 take 3.8 µs; on CPUs whose pause takes about 140
/// cycles (Intel server parts since Skylake-SP) they would take about 20 µs, and the time
/// bound stops the spin first. The bound is asked after each round, so one poll spins at most
/// 5 µs and one round (64 hints) more, with `std`; one wait (up to [`RUN_WAIT_YIELDS`]
/// yields) spins at most five times, fewer as spins miss (below).
///
/// Why: a yield is a round through the executor, and on a multi-thread executor more than
/// that: tokio puts the yielded task on the shared run queue and wakes a parked worker for it
/// (a futex wake), and that worker may take the task over. Mid-stream, the sender is on
/// another thread and fills a run in a microsecond or two (64 messages at 20-25 ns each on
/// that machine), so a spin that long sees most runs arrive without the executor; and a
/// receiver that does not yield its worker does not get moved around, so it does not fall
/// behind, register, and cost the senders a wake-up. Measured on 2-worker tokio and smol
/// executors, against the same build without it: four senders 1.3-1.4x at capacity 512 and
/// 2x or more at 4096; one sender 1.0-1.1x.
///
/// Learned, so that it costs little where it cannot pay. A spin pays only while another
/// thread sends: on a current-thread executor the senders are tasks on our own thread, waiting
/// for us to yield, and no spin ever sees the run arrive. A spin that does not see it makes
/// the next `2^misses - 1` yields skip theirs (`misses` spins missed in a row, at most
/// [`SPIN_MISSES_MAX`]: 1, 3, 7, ... up to 1023 yields); one that sees it starts over. On
/// tokio's current-thread runtime it measured level with the build without it. The price of
/// starting over: a sender that sends in bursts, fast enough that the spin sees each burst's
/// runs, lets each gap between bursts cost the receiver up to five spins before its wait runs
/// out.
///
/// Under loom it returns at once: a hint, whose two answers lead to paths the models explore
/// anyway (a run that looks ready goes to the pop, as when it looked ready before the spin;
/// one that does not, to the yield), and whose loads would only add interleavings.
#[derive(Debug, Default)]
pub(super) struct Spin {
    /// Turned off by the user (`Receiver::set_spin_for_runs`): never spins.
    pub(super) off: bool,
    /// Yields left that skip their spin.
    skip: u16,
    /// Spins in a row that did not see the run arrive (at most `SPIN_MISSES_MAX`).
    misses: u8,
}

/// After this many missed spins in a row a receiver spins before one yield in 1024 (`Spin`).
const SPIN_MISSES_MAX: u8 = 10;

/// The longest one spin goes on, where there is a clock (`Spin`): a little longer than its 383
/// hints take on the machine it was measured on, so that it bounds the spin only where a
/// hint takes longer. Measured there: spins of 191 hints (1.9 µs) caught too few of four
/// senders' runs; of 575 and 959 hints, no more than 383.
#[cfg(feature = "std")]
pub(super) const SPIN_TIME_MAX: core::time::Duration = core::time::Duration::from_micros(5);

impl Spin {
    /// Spins until `ready` says yes, at most [`Backoff`]'s rounds and, with `std`,
    /// [`SPIN_TIME_MAX`], unless the last spins taught it to skip this one; whether `ready`
    /// said yes.
    #[inline]
    pub(super) fn until(&mut self, ready: impl FnMut() -> bool) -> bool {
        if cfg!(ryker_loom) {
            return false;
        }
        self.until_or(ready, out_of_time())
    }

    /// [`until`](Self::until) with the time bound as a question: `out_of_time` is asked once
    /// as the spin starts (the clock's start) and after each look that saw nothing (the
    /// tests answer it without a clock).
    #[inline]
    pub(super) fn until_or(
        &mut self,
        ready: impl FnMut() -> bool,
        out_of_time: impl FnMut() -> bool,
    ) -> bool {
        if self.off {
            return false;
        }
        if self.skip > 0 {
            self.skip -= 1;
            return false;
        }
        self.spin(ready, out_of_time)
    }

    // Out of line: only a wait gets here, and the loop would only crowd the receive's poll.
    #[inline(never)]
    fn spin(
        &mut self,
        mut ready: impl FnMut() -> bool,
        mut out_of_time: impl FnMut() -> bool,
    ) -> bool {
        // Starts the clock, if there is one.
        out_of_time();
        let mut backoff = Backoff::new();
        while !backoff.is_completed() {
            backoff.spin();
            if ready() {
                self.misses = 0;
                return true;
            }
            if out_of_time() {
                break;
            }
        }
        self.misses = (self.misses + 1).min(SPIN_MISSES_MAX);
        self.skip = (1 << self.misses) - 1;
        false
    }
}

/// The time bound of a spin that starts now: whether [`SPIN_TIME_MAX`] has passed since.
/// The clock is read first when the spin starts (not when `until` is called), so a yield
/// that skips its spin reads no clock.
#[cfg(feature = "std")]
fn out_of_time() -> impl FnMut() -> bool {
    let mut start = None;
    move || match start {
        None => {
            start = Some(std::time::Instant::now());
            false
        }
        Some(start) => start.elapsed() >= SPIN_TIME_MAX,
    }
}

/// Without `std` there is no clock: the spin's rounds are its only bound.
#[cfg(not(feature = "std"))]
fn out_of_time() -> impl FnMut() -> bool {
    || false
}

/// Slots a receive has freed and not yet told the waiting senders about: told on drop, which
/// only happens with a count above 0 when the caller's `Extend` panicked (`pop_into`).
struct Freed<'a, T, X: Attachment> {
    shared: &'a Shared<T, X>,
    count: usize,
}

impl<T, X: Attachment> Drop for Freed<'_, T, X> {
    fn drop(&mut self) {
        if self.count > 0 {
            self.shared.notify_senders(self.count);
        }
    }
}

/// How one poll of the receiver ended (`Receiver::poll_inner`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Polled {
    /// `n` messages (0: closed and drained, or a limit of 0).
    Ready(usize),
    /// Pending, and the waker was woken by the receiver itself: nothing is registered.
    Yielded,
    /// Pending, with the waker registered: a sender (or the close) will wake it.
    Registered,
}

impl Polled {
    /// As the `poll_*` methods answer: either way of waiting is `Pending`.
    #[inline]
    fn into_poll(self) -> Poll<usize> {
        match self {
            Polled::Ready(n) => Poll::Ready(n),
            Polled::Yielded | Polled::Registered => Poll::Pending,
        }
    }
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
    /// Stepped over as many abandoned slots as the budget allows without finding a message,
    /// or stopped at a plain send's claim in flight: the caller yields (wakes itself) rather
    /// than spin on a stream of dropped permits or park where no fence follows the publish.
    Yield,
    /// Closed and empty.
    End,
}

impl<T, X: Attachment> Receiver<T, X> {
    pub(super) fn new(shared: Arc<Shared<T, X>>) -> Self {
        Receiver {
            shared,
            since_sample: 0,
            streaming: Streaming::Idle,
            register_first: false,
            spin: Spin::default(),
            #[cfg(feature = "std")]
            parking_waits: 0,
            spare_waker: None,
        }
    }

    /// Pops up to `limit` messages into `out`, then runs the sender notification once for
    /// every slot freed. `check`: whether an "empty" needs its own fence ([`EmptyCheck`]).
    ///
    /// Always inlined: with `#[inline]` alone, whether LLVM inlined it into the blocking
    /// receive's spin depended on what else the calling crate instantiated. Two `ryker compare`
    /// builds whose ryker-core was the same differed that way, and the outlined one measured
    /// 0.74-0.78 on 4 blocking producers at capacity 512 (12 and 14 interleaved rounds).
    #[inline(always)]
    fn pop_into<E: Extend<T>>(
        &mut self,
        out: &mut E,
        limit: usize,
        check: EmptyCheck,
    ) -> (usize, Drained) {
        self.sample_depth();
        let mut taken = 0;
        // The slots freed so far; if `out.extend` (the caller's code) panics, the guard still
        // tells the waiting senders about them, or a sender waiting on a full mailbox would
        // sleep on while its slot is free.
        let mut freed = Freed {
            shared: &self.shared,
            count: 0,
        };
        let mut end = Drained::More;
        // Abandoned slots (dropped permits) are stepped over, at most a ring's worth per call,
        // and then the slot after them is looked at: where every slot was given up, that look
        // finds the end (or a value) instead of answering "not yet" on a drained mailbox.
        let mut skip_budget = self.shared.ring.capacity() + 1;
        while taken < limit {
            if self.shared.exclusive_pop {
                // The published values ahead, in one go (`Ring::take_run_exclusive`).
                // SAFETY: we are the receiver (`&mut self`), the only consumer, and without
                // DropOldest no sender ever moves `head`.
                let run = unsafe {
                    self.shared.ring.take_run_exclusive(limit - taken, |msg| {
                        // Counted first: if `extend` panics, the guard still notifies.
                        freed.count += 1;
                        out.extend(core::iter::once(msg));
                    })
                };
                taken += run;
                // Full, or the run took some and stopped at a slot that holds no value yet:
                // return these, and leave that slot to the next look (which tells what it
                // is), rather than look at it now, where a send is most likely still writing.
                if taken == limit || run > 0 {
                    break;
                }
            }
            // The slot the run stopped at (or, in a shared ring, the next one).
            // SAFETY: we are the receiver (`&mut self`).
            match unsafe { self.shared.pop(check) } {
                Pop::Value(msg) => {
                    freed.count += 1;
                    out.extend(core::iter::once(msg));
                    taken += 1;
                }
                Pop::Skipped => {
                    freed.count += 1;
                    skip_budget -= 1;
                    if skip_budget == 0 {
                        end = Drained::Yield;
                        break;
                    }
                }
                // Nothing yet, or a permit holds the next slot: its publish (or give-up) is
                // followed by a SeqCst fence, so a registered receiver may park on it.
                Pop::Empty | Pop::Held => break,
                // A plain send's claim is in flight: its publish is not followed by a fence
                // (`Shared::publish`), so a registration could be missed; look again soon
                // instead of parking. The window is a few instructions unless the sender is
                // preempted in it. Broken twin `coming` (loom suite only) parks here.
                Pop::NotReady => {
                    if !broken_twin!("coming") {
                        end = Drained::Yield;
                    }
                    break;
                }
                Pop::Closed => {
                    end = Drained::End;
                    break;
                }
            }
        }
        let freed = core::mem::replace(&mut freed.count, 0);
        if freed > 0 {
            // The senders first: `on_received` is the attachment's code, and if it panicked
            // first, a sender waiting for the slots just freed would sleep on beside them.
            self.shared.notify_senders(freed);
            self.shared.attachment.on_received(taken);
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
        match self.pop_into(&mut one, 1, EmptyCheck::Fenced) {
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
    ///
    /// ```
    /// use ryker_core::error::TryRecvError;
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    #[inline]
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        if broken_twin!("close") && self.shared.ring.is_closed() {
            // Deliberately broken twin: forgets the messages still queued at close.
            return Err(TryRecvError::Closed);
        }
        self.try_take()
    }

    /// Receives up to `limit` messages without waiting, appended to `out` oldest first:
    /// `Ok(n)`, what is ready now (`n >= 1`, or 0 when `limit` is 0). Unlike
    /// [`poll_recv_many`] it never waits for a run of messages mid-stream; use it to drain
    /// what is there, for instance after an awaited receive. It leaves the receiver's
    /// mid-stream state as it is, so a `recv_many` after it may still wait for a run.
    ///
    /// # Errors
    /// `Empty` when nothing is ready (including a message whose send is still in progress),
    /// `Closed` when the mailbox is closed and every accepted message has
    /// been received.
    ///
    /// ```
    /// use ryker_core::error::TryRecvError;
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// for i in 0..5 { tx.try_send(i).unwrap(); }
    /// let mut batch = Vec::new();
    /// assert_eq!(rx.try_recv_many(&mut batch, 3), Ok(3));
    /// assert_eq!(rx.try_recv_many(&mut batch, 3), Ok(2)); // what is there
    /// assert_eq!(rx.try_recv_many(&mut batch, 3), Err(TryRecvError::Empty));
    /// assert_eq!(batch, [0, 1, 2, 3, 4]);
    /// drop(tx);
    /// assert_eq!(rx.try_recv_many(&mut batch, 3), Err(TryRecvError::Closed));
    /// ```
    ///
    /// [`poll_recv_many`]: Self::poll_recv_many
    pub fn try_recv_many<E: Extend<T>>(
        &mut self,
        out: &mut E,
        limit: usize,
    ) -> Result<usize, TryRecvError> {
        if broken_twin!("close") && self.shared.ring.is_closed() {
            // Deliberately broken twin: forgets the messages still queued at close.
            return Err(TryRecvError::Closed);
        }
        if limit == 0 {
            return Ok(0);
        }
        match self.pop_into(out, limit, EmptyCheck::Fenced) {
            (0, Drained::End) => Err(TryRecvError::Closed),
            (0, _) => Err(TryRecvError::Empty),
            (n, _) => Ok(n),
        }
    }

    /// Polls for the next message: `Ready(Some)` with one, `Ready(None)` once the mailbox is
    /// closed and drained, `Pending` (with the waker registered, or woken already: see
    /// [`Receiver::poll_recv_many`]) otherwise.
    ///
    /// ```
    /// use std::task::{Context, Poll};
    /// use futures::task::noop_waker_ref;
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// let mut cx = Context::from_waker(noop_waker_ref());
    /// assert_eq!(rx.poll_recv(&mut cx), Poll::Pending); // empty: the waker is registered
    /// tx.try_send(1).unwrap(); // ... and woken by this send
    /// assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(1)));
    /// drop(tx);
    /// assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(None)); // closed and drained
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut one = One(None);
        match self.poll_recv_many(cx, &mut one, 1) {
            Poll::Ready(_) => Poll::Ready(one.0),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Polls for up to `limit` messages, appended to `out` oldest first.
    ///
    /// `Ready(n)` with `n >= 1` once messages are there (it takes what is ready, up to
    /// `limit`); `Ready(0)` only when the mailbox is closed and drained, or when `limit` is 0;
    /// `Pending` (with the waker registered, or woken already) otherwise. The messages taken
    /// are the run ready from the oldest on: a receive stops at a slot whose send is still in
    /// progress, or that a dropped permit gave up, even if messages sent later are queued
    /// behind it; the next receive steps over it or waits for it.
    ///
    /// While senders are mid-stream (the last registration was overtaken by a send before it
    /// was even needed, the last receive took more than one message, or the last wait found
    /// messages), the receiver waits for a run of messages (`limit` of them, at most a
    /// quarter of the capacity) rather than take each as it comes: a poll that finds fewer
    /// answers `Pending` *without* registering, having woken `cx`'s waker itself (a yield),
    /// for at most 32 polls in a row; then it takes what is there, and registers as usual if
    /// nothing is. Before each such yield the poll may spin for a moment (at most 383
    /// `spin_loop` hints and, with `std`, about 5 µs), looking for the run: only while
    /// such spins have been seeing runs arrive, which takes a sender on another thread (on a
    /// current-thread executor they soon stop: after ten misses in a row, one yield in 1024
    /// spins first). Taking messages one by one as a sender on another core publishes them
    /// moves each slot's cache line between the two cores, on both sides: with the wait, a
    /// 2-worker executor measured 1.4-4x the SPSC throughput (docs/PERFORMANCE.md). So, mid-
    /// stream, `Pending` does not mean the mailbox is empty: poll again when woken, or take
    /// what is there with [`try_recv_many`](Self::try_recv_many). A wait that runs out is
    /// not started again until a receive takes more than one message. A close before a wait
    /// begins is seen at once; one during it, when it runs out. A run of one (`recv`) never
    /// waits for a run; a blocking receive mid-stream waits for one only while it spins
    /// ([`blocking_recv_many`](Self::blocking_recv_many)).
    ///
    /// The next message's send may also be in progress (its slot claimed, not yet written):
    /// then the answer is `Pending` after a yield too, for as long as that lasts, since that
    /// sender will not look for a waker (see the module docs). A permit's slot is different: a
    /// permit may be held for long, so the receiver registers and parks on it, and the
    /// permit's send (or drop) wakes it.
    ///
    /// ```
    /// use std::task::{Context, Poll};
    /// use futures::task::noop_waker_ref;
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// let mut cx = Context::from_waker(noop_waker_ref());
    /// for i in 0..5 { tx.try_send(i).unwrap(); }
    /// let mut batch = Vec::new();
    /// assert_eq!(rx.poll_recv_many(&mut cx, &mut batch, 3), Poll::Ready(3));
    /// // Mid-stream now: 2 messages are fewer than a run of 3, so it waits (a yield) ...
    /// assert_eq!(rx.poll_recv_many(&mut cx, &mut batch, 3), Poll::Pending);
    /// tx.try_send(5).unwrap(); // ... until the run is there
    /// assert_eq!(rx.poll_recv_many(&mut cx, &mut batch, 3), Poll::Ready(3));
    /// assert_eq!(batch, [0, 1, 2, 3, 4, 5]);
    /// drop(tx);
    /// assert_eq!(rx.poll_recv_many(&mut cx, &mut batch, 3), Poll::Ready(0)); // closed, drained
    /// ```
    pub fn poll_recv_many<E: Extend<T>>(
        &mut self,
        cx: &mut Context<'_>,
        out: &mut E,
        limit: usize,
    ) -> Poll<usize> {
        self.poll_inner(cx, out, limit, true).into_poll()
    }

    /// `poll_recv_many` without the wait for a run: it takes what is there at once, and
    /// mid-stream it yields at most once on empty before registering. For the actor loop: an
    /// actor's handler makes the receiver the slower side, so it rarely catches up with its
    /// senders, and the wait measured no gain there (actor tell rows 0.93-1.02 with it, same
    /// run); and the loop reads a `Pending` as "the mailbox was empty" for its fairness
    /// interval, which the wait would make untrue.
    pub(crate) fn poll_recv_many_now<E: Extend<T>>(
        &mut self,
        cx: &mut Context<'_>,
        out: &mut E,
        limit: usize,
    ) -> Poll<usize> {
        self.poll_inner(cx, out, limit, false).into_poll()
    }

    /// Whether this poll should yield instead of taking messages: mid-stream (`Busy`, or
    /// already `Waiting`), a run longer than one, fewer than a run of messages ready, fewer
    /// than [`RUN_WAIT_YIELDS`] yields in a row so far, and the mailbox open when the wait
    /// began. A run is `limit` messages, at most a quarter of the ring. A run of one (`recv`)
    /// is not waited for: there is no line to spare the sender, and the receive's single
    /// yield on empty (see `poll_inner`) is all it needs.
    ///
    /// Why: a receiver that takes each message the moment it is published keeps up with a
    /// sender on another core message by message, reading the very slot lines (and, on
    /// empty, the `tail` line) that the sender is writing, so that every message moves the
    /// lines back and forth between the cores, on both sides. Waiting for a run lets the
    /// sender fill whole lines alone; the receiver then takes the run in one go. The wait
    /// reads one stamp, the last of the run's, a line the sender reaches only at the run's
    /// end (`Ring::head_looks_ready`).
    ///
    /// Before each yield it spins for a moment, looking for the run, where such spins have
    /// been seeing runs arrive (`Spin`): a sender on another thread usually fills the run
    /// sooner than a round through the executor would take.
    ///
    /// Bounded: a sender that stops mid-run costs the receiver at most `RUN_WAIT_YIELDS`
    /// yields (and the spins before five of them at most, at yields 1, 3, 7, 15 and 31 when
    /// every spin misses); then it takes what is there, and does not wait again until a
    /// receive takes more than one message (`RanOut`). A close before the wait begins is seen
    /// at once (one load of `tail` per wait, not per yield); one during the wait, when it runs
    /// out.
    #[inline]
    fn waits_for_run(&mut self, limit: usize) -> bool {
        let yields = match self.streaming {
            Streaming::Idle | Streaming::RanOut => return false,
            Streaming::Busy => 0,
            Streaming::Waiting(yields) => yields,
        };
        let ring = &self.shared.ring;
        let run = limit.min(ring.capacity() / 4);
        if run <= 1 {
            return false;
        }
        if yields >= RUN_WAIT_YIELDS {
            self.streaming = Streaming::RanOut;
            return false;
        }
        if ring.head_looks_ready(run) || (yields == 0 && ring.is_closed()) {
            return false;
        }
        // Before a round through the executor, a bounded spin, where spins have been paying.
        if self.spin.until(|| ring.head_looks_ready(run)) {
            return false;
        }
        self.streaming = Streaming::Waiting(yields + 1);
        true
    }

    /// `poll_recv_many`, saying how it is waiting when it is: after a yield (`cx`'s waker was
    /// woken by us) or registered (a sender will wake it). `run_wait`: whether it may wait for
    /// a run (`waits_for_run`).
    fn poll_inner<E: Extend<T>>(
        &mut self,
        cx: &mut Context<'_>,
        out: &mut E,
        limit: usize,
        run_wait: bool,
    ) -> Polled {
        if limit == 0 {
            return Polled::Ready(0);
        }
        // Before anything is taken in this poll (see the field).
        if self.spare_waker.is_some() {
            drop(self.spare_waker.take());
        }
        if broken_twin!("close") && self.shared.ring.is_closed() {
            // Deliberately broken twin: forgets the messages still queued at close.
            return Polled::Ready(0);
        }
        if run_wait && self.waits_for_run(limit) {
            // Nothing is registered and nothing taken: we wake ourselves, the executor polls
            // us again after its other ready tasks. Broken twin `run_wake` (loom suite only)
            // forgets to: nobody would wake the receiver, messages queued or not.
            if !broken_twin!("run_wake") {
                cx.waker().wake_by_ref();
            }
            return Polled::Yielded;
        }
        // The look before the registration, unless the last poll took all there was
        // (`register_first`): the register, fence, look below is the whole protocol, and
        // this look only saves a registration when something is there.
        let register_first = core::mem::take(&mut self.register_first);
        if !register_first {
            // The first look needs no fence of its own: an "empty" here only sends us to
            // register and re-check after the fence below (`EmptyCheck::CallerFenced`).
            match self.pop_into(out, limit, EmptyCheck::CallerFenced) {
                (0, Drained::More) => {}
                (0, Drained::Yield) => {
                    cx.waker().wake_by_ref();
                    return Polled::Yielded;
                }
                (n, _) => {
                    self.streaming = match self.streaming {
                        // The wait for a run ran out: not mid-stream enough to wait again.
                        Streaming::RanOut => Streaming::Idle,
                        // More than one message at once, or messages found after a yield:
                        // mid-stream. A single message leaves the state as it is
                        // (request/response stays `Idle`).
                        Streaming::Waiting(_) => Streaming::Busy,
                        _ if n > 1 => Streaming::Busy,
                        other => other,
                    };
                    // Fewer than asked for: the look stopped at a slot with no message ready
                    // in it (empty, held by a permit, or mid-write; the end of the mail).
                    self.register_first = n < limit && self.streaming == Streaming::Idle;
                    return Polled::Ready(n);
                }
            }
        }
        if self.streaming == Streaming::Busy {
            // Senders look mid-stream and the mailbox is empty (a receive that waits for
            // runs gets here only when the run looked ready and the pop found nothing, e.g.
            // abandoned slots). A registration now would most likely be overtaken by their
            // next publish, and that sender would pay for taking and waking a waker we do not
            // need (a cross-thread task wake-up per message or two when the receiver keeps
            // catching up: measured as the SPSC slowdown on 2-worker executors). Yield
            // instead. Nothing is registered, so no sender's wake-up is involved: we wake
            // ourselves, and the executor polls us again. Bounded: one yield for a receive
            // that does not wait for runs, `RUN_WAIT_YIELDS` for one that does
            // (`waits_for_run`); if the mailbox is still empty then, we register below.
            self.streaming = Streaming::Waiting(1);
            cx.waker().wake_by_ref();
            return Polled::Yielded;
        }
        // `false`: a sender was waking the cell; it woke `cx`'s waker at once and stored
        // nothing, so this wait is a yield, not a registration (see the end of this function).
        let registered = self.shared.rx_waker.register(cx.waker());
        // SeqCst fence: pairs with the fence in `after_publish`, and with the SeqCst claim
        // CAS of a plain send (module docs). It is the re-check's only fence: nothing is
        // stored between it and the re-check's read of `tail`, so the ring's own fence
        // there would order nothing more (`EmptyCheck::CallerFenced`). Broken twin
        // `recheck_fence` (loom suite only) leaves it out.
        if !broken_twin!("recheck_fence") {
            fence(Ordering::SeqCst);
        }
        // Deliberately broken twin `register_blind` (loom suite only): a poll that registered
        // first takes the last poll's "empty" for its own and parks without looking, though a
        // send may have come in between (while the caller handled what the last poll took).
        if broken_twin!("register_blind") && register_first {
            return Polled::Registered;
        }
        if broken_twin!("recheck") {
            // Deliberately broken twin: no re-check after registering the waker.
            return Polled::Registered;
        }
        match self.pop_into(out, limit, EmptyCheck::CallerFenced) {
            (0, Drained::More) => {
                self.streaming = Streaming::Idle;
                // A wake in progress woke us instead of storing the waker: to a blocking
                // receiver that is a yield (it backs off, letting a preempted sender finish
                // its wake), not a registration to park on: its park would return at once, and
                // registering again would find the same wake in progress, for as long as the
                // sender stays preempted (found by the ported thingbuf loom models,
                // `loom_peer_thingbuf`). To a task both are `Pending`.
                // Broken twin `mid_wake` (loom suite only) parks on it as on a registration.
                if registered || broken_twin!("mid_wake") {
                    Polled::Registered
                } else {
                    Polled::Yielded
                }
            }
            (0, Drained::Yield) => {
                self.shared.rx_waker.disarm();
                cx.waker().wake_by_ref();
                Polled::Yielded
            }
            (n, _) => {
                // Nobody needs to wake us for this: take the waker back (dropped by the next
                // poll, not here: see `spare_waker`). A message overtook our registration:
                // senders are busy (see above).
                debug_assert!(self.spare_waker.is_none(), "dropped at the poll's start");
                self.spare_waker = self.shared.rx_waker.take();
                self.streaming = Streaming::Busy;
                Polled::Ready(n)
            }
        }
    }

    /// Receives the next message; `None` once the mailbox is closed and drained.
    ///
    /// # Cancel safety
    /// Cancel safe: a message is taken only on the poll that returns it.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// let producer = std::thread::spawn(move || {
    ///     for i in 1..=2 { tx.blocking_send(i).unwrap(); }
    /// });
    /// futures::executor::block_on(async {
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     assert_eq!(rx.recv().await, Some(2));
    ///     assert_eq!(rx.recv().await, None); // the sender is gone: closed and drained
    /// });
    /// producer.join().unwrap();
    /// ```
    pub async fn recv(&mut self) -> Option<T> {
        core::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Receives the next message, waiting until `deadline` completes (the timer is the
    /// caller's, as for [`Sender::send_before`](crate::mailbox::Sender::send_before): ryker-core
    /// has no clock; pass your runtime's sleep, e.g. `tokio::time::sleep(d)`). A message that
    /// is there when the deadline comes is still taken.
    ///
    /// # Errors
    /// [`RecvTimeoutError::Timeout`] when the deadline came first;
    /// [`RecvTimeoutError::Closed`] once the mailbox is closed and drained.
    ///
    /// # Cancel safety
    /// Cancel safe, as [`Receiver::recv`]: a message is taken only on the poll that returns it.
    ///
    /// ```
    /// use ryker_core::error::RecvTimeoutError;
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// use futures::executor::block_on;
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// tx.try_send(1).unwrap();
    /// // Queued before the deadline: taken, even with a deadline that has already come.
    /// assert_eq!(block_on(rx.recv_before(std::future::ready(()))), Ok(1));
    /// assert_eq!(block_on(rx.recv_before(std::future::ready(()))), Err(RecvTimeoutError::Timeout));
    /// drop(tx);
    /// let never = std::future::pending::<()>();
    /// assert_eq!(block_on(rx.recv_before(never)), Err(RecvTimeoutError::Closed));
    /// ```
    pub async fn recv_before<D: Future<Output = ()>>(
        &mut self,
        deadline: D,
    ) -> Result<T, RecvTimeoutError> {
        let mut deadline = core::pin::pin!(deadline);
        // The receive first: a message queued when the deadline comes is still taken.
        core::future::poll_fn(|cx| match self.poll_recv(cx) {
            Poll::Ready(Some(msg)) => Poll::Ready(Ok(msg)),
            Poll::Ready(None) => Poll::Ready(Err(RecvTimeoutError::Closed)),
            Poll::Pending => deadline
                .as_mut()
                .poll(cx)
                .map(|()| Err(RecvTimeoutError::Timeout)),
        })
        .await
    }

    /// Receives up to `limit` messages into `out` (see [`Receiver::poll_recv_many`]); returns
    /// how many. `0` only when closed and drained, or when `limit` is 0.
    ///
    /// # Cancel safety
    /// Cancel safe: messages are taken only on the poll that returns them.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// for i in 0..4 { tx.try_send(i).unwrap(); }
    /// drop(tx);
    /// futures::executor::block_on(async {
    ///     let mut out = Vec::new();
    ///     assert_eq!(rx.recv_many(&mut out, 10).await, 4);
    ///     assert_eq!(out, [0, 1, 2, 3]);
    ///     assert_eq!(rx.recv_many(&mut out, 10).await, 0); // closed and drained
    /// });
    /// ```
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
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<String>(MailboxConfig::default());
    /// std::thread::spawn(move || tx.blocking_send("ping".to_string()).unwrap());
    /// assert_eq!(rx.blocking_recv().as_deref(), Some("ping")); // parks until it arrives
    /// assert_eq!(rx.blocking_recv(), None); // the sender is gone
    /// ```
    #[cfg(feature = "std")]
    pub fn blocking_recv(&mut self) -> Option<T> {
        let mut one = One(None);
        self.blocking_recv_many(&mut one, 1);
        one.0
    }

    /// Receives from a plain thread, parking it until a message comes or `timeout` has
    /// passed (crossbeam-channel's `recv_timeout`). A message that is there when the time is
    /// up is still taken. Not for async code (see [`Receiver::blocking_recv`]); there, use
    /// [`recv_before`](Self::recv_before) with your runtime's sleep.
    ///
    /// Unlike [`blocking_recv`](Self::blocking_recv) it does not spin before it parks: it is
    /// for waits expected to last (a worker's wait for work with a heartbeat), not for
    /// streaming.
    ///
    /// # Errors
    /// [`RecvTimeoutError::Timeout`] when `timeout` passed first (at once for a zero
    /// `timeout` and an empty mailbox); [`RecvTimeoutError::Closed`] once the mailbox is closed
    /// and drained.
    ///
    /// # Panics
    /// When it would have to wait inside async code that a runtime adapter can recognise, as
    /// [`Receiver::blocking_recv`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use ryker_core::error::RecvTimeoutError;
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// assert_eq!(rx.blocking_recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Timeout));
    /// let t = std::thread::spawn(move || tx.blocking_send(5).unwrap());
    /// assert_eq!(rx.blocking_recv_timeout(Duration::from_secs(60)), Ok(5));
    /// t.join().unwrap();
    /// assert_eq!(rx.blocking_recv_timeout(Duration::from_secs(60)), Err(RecvTimeoutError::Closed));
    /// ```
    #[cfg(all(feature = "std", not(ryker_loom)))]
    pub fn blocking_recv_timeout(
        &mut self,
        timeout: core::time::Duration,
    ) -> Result<T, RecvTimeoutError> {
        let deadline = crate::blocking::deadline_after(timeout);
        crate::blocking::block_on_until(
            self.recv_before(crate::blocking::Expiry(deadline)),
            deadline,
        )
    }

    /// The former name of [`blocking_recv`](Self::blocking_recv).
    #[cfg(feature = "std")]
    #[deprecated(since = "0.1.0", note = "renamed to `blocking_recv`, as in tokio")]
    pub fn recv_blocking(&mut self) -> Option<T> {
        self.blocking_recv()
    }

    /// Receives up to `limit` messages from a plain thread, parking it while the mailbox is
    /// empty (see [`Receiver::blocking_recv`] for where not to call it). Returns how many;
    /// `0` only when closed and drained, or when `limit` is 0.
    ///
    /// Mid-stream (the last call took more than one message; on more than one CPU, for a
    /// `limit` above 1) it waits briefly for a run of messages (a quarter of the ring, at
    /// most 16, at most `limit`) before it takes fewer: a spin of 15 `spin_loop` hints, then
    /// one message will do. A sender on another core then fills whole cache lines before the
    /// receiver reads them. A message that arrives alone meanwhile waits out that spin and a
    /// thread yield.
    ///
    /// Before it parks, an empty mailbox is waited on with a short spin and a few thread
    /// yields. On Linux (and more than one CPU), a yield that keeps the thread away for long
    /// (over 50 µs) ends that wait's yields; if the mailbox has one sender and the machine has
    /// no more runnable threads than CPUs, it says the scheduler has put this thread on its
    /// sender's CPU, and the next waits that find the mailbox empty (up to 64, until a spin
    /// sees the sender publish) park without yielding, so that the wake-up can place the
    /// thread on a free CPU rather than wait out the sender's turn. Elsewhere the wait always
    /// yields before it parks.
    ///
    /// ```
    /// use std::collections::VecDeque;
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// let producer = std::thread::spawn(move || {
    ///     for i in 0..100 { tx.blocking_send(i).unwrap(); }
    /// });
    /// let mut got = VecDeque::new(); // any `Extend` collection
    /// while rx.blocking_recv_many(&mut got, 16) > 0 {}
    /// producer.join().unwrap();
    /// assert!(got.iter().copied().eq(0..100));
    /// ```
    #[cfg(feature = "std")]
    pub fn blocking_recv_many<E: Extend<T>>(&mut self, out: &mut E, limit: usize) -> usize {
        if limit == 0 {
            return 0;
        }
        // Rounds in a row that found a send in flight and no message (see below).
        let mut stalls = 0u32;
        loop {
            // Mid-stream (the last blocking receive took more than one message): the first
            // look waits for a run as well, rather than take the few messages the sender has
            // just published, right behind the slot it is writing. Measured on the 2-vCPU VM
            // (docs/PERFORMANCE.md, sixteenth round): with one sender the receiver kept up,
            // taking about 4 messages per call, and reading the slots' lines as the sender
            // wrote them held the sender to about 20 M msg/s, half of what the split ring's
            // producer moves. The wait is the spin's alone: once yielding, one message will
            // do, and the last look takes what is there. A receive that took one message (a
            // request/response exchange, a slow stream) takes what is there at once next
            // time, and so does a receive of one (`blocking_recv`), for which there is no run
            // to wait for.
            // Not on one CPU (`one_cpu`): there the sender is not writing while we look.
            let mut first_look_waits =
                limit > 1 && self.streaming == Streaming::Busy && !crate::sync::one_cpu();
            // Spin briefly before parking, with plain pops: nothing is registered while
            // spinning, so senders are not made to wake us for messages we are about to see
            // anyway. Then yield a few times, timing each yield, unless a recent long one
            // said we share our sender's CPU (`parking_waits`): a yield that runs long has
            // handed the CPU to another thread for a whole turn. With more runnable threads
            // than CPUs, or several senders, that is what the yield is for (quite likely a
            // sender ran). With one sender and a CPU to spare, it means the scheduler put us
            // on the sender's CPU: each yield then hands it the CPU for its whole turn, and a
            // receiver that only ever yields never sleeps, so it is never placed anew.
            // Measured on the 2-vCPU VM, whose kernel packs threads onto one vCPU on purpose:
            // a lone message behind a burst of 64 waited 150-170 µs at p95 (as long for
            // crossbeam-channel and crossfire), where a receiver that parks instead is woken
            // on the idle vCPU (docs/PERFORMANCE.md, eighteenth round). A long yield also ends
            // its own wait's yields, whatever the senders: its last look follows, then the
            // registration. Timed only where a long yield can arm the parking: on Linux, on
            // more than one CPU; elsewhere the yields are as they always were. Under loom
            // there are no spins or yields at all (a wait is its first look, then the
            // registration), so a wait that skips its yields ends in the registration the
            // models check.
            let yields = if self.parking_waits > 0 {
                Yields::Skip
            } else if cfg!(target_os = "linux") && !crate::sync::one_cpu() {
                Yields::Timed
            } else {
                Yields::Plain
            };
            // Whether a look during the spin rounds found messages; how many looks there were.
            let mut caught_in_spin = false;
            let mut looks = 0u32;
            let waited = crate::blocking::spin_then(crate::blocking::RECV_SPINS, yields, |look| {
                looks += 1;
                // While spinning, wait for a run of messages (the sender publishes them
                // without the receiver reading the very slot it is writing); once yielding,
                // for one.
                // (A run longer than this receive takes is not waited for.)
                let run = self.shared.ring.run_len().min(limit);
                // Only the first look: the last (a full look after the yields) takes what is
                // there.
                let first = core::mem::take(&mut first_look_waits);
                let ahead = match look {
                    Look::Full if first => Some(run),
                    Look::Full => None,
                    Look::Hint => Some(run),
                    Look::HintLate => Some(1),
                };
                // While the mailbox is open: no fence and no look at `tail`
                // (`EmptyCheck::Open`; only the depth sample of every 64th receive reads it),
                // so an "empty" here only means spinning on. Every look that read `tail` took
                // the line from the sender, whose next claim (a locked RMW on it) then waited
                // for the line to come back: measured on the 2-vCPU AMD machine, the blocking
                // rows 1.10-1.39x without those looks (docs/PERFORMANCE.md). A claim in
                // flight reads as empty too. Such a look never sees the closed bit, so once
                // the flag set before every close is seen (`Shared::close_ring`; Relaxed, see
                // there) the look is fenced: it reads `tail` and finds the end at once, where
                // it would otherwise be seen only by the registration below, after the whole
                // spin. The flag's line is written once, so reading it costs the sender
                // nothing.
                let check = if self.shared.closing.load(Ordering::Relaxed) {
                    // Broken twin `closing_end` (loom suite only) takes the flag for the end
                    // itself, and loses what was accepted before the close.
                    if broken_twin!("closing_end") {
                        return Some(0);
                    }
                    EmptyCheck::Fenced
                } else {
                    if ahead.is_some_and(|n| !self.shared.ring.head_looks_ready(n)) {
                        return None;
                    }
                    EmptyCheck::Open
                };
                match self.pop_into(out, limit, check) {
                    (0, Drained::More | Drained::Yield) => None,
                    (n, _) => {
                        caught_in_spin = look == Look::Hint;
                        Some(n)
                    }
                }
            });
            if caught_in_spin {
                // The sender published while we spun: it runs beside us, not on our CPU.
                self.parking_waits = 0;
            } else if yields == Yields::Skip && looks > 1 {
                // A wait that went past its first look without yielding: one fewer to go.
                self.parking_waits -= 1;
            }
            // After a long yield the last look most likely found what the sender sent in its
            // turn: the yield is what tells, not what was found. Relaxed: the count of
            // senders is a hint here (a stale one only picks the other wait).
            if waited.yield_ran_long
                && self.shared.senders.load(Ordering::Relaxed) == 1
                && crate::sync::cpus_to_spare()
            {
                self.parking_waits = PARKING_WAITS;
            }
            if let Some(n) = waited.found {
                return self.blocking_took(n);
            }
            // We have just looked again for a while: register straight away (the yield of a
            // mid-stream receiver, see `poll_recv_many`, would only repeat that).
            self.streaming = Streaming::Idle;
            let polled =
                crate::blocking::with_thread_waker(|cx| self.poll_inner(cx, out, limit, false));
            match polled {
                // (`poll_inner` may have said `Busy` for a registration overtaken by one
                // message: the blocking receive's own rule applies.)
                Polled::Ready(n) => return self.blocking_took(n),
                // A sender will wake us (or has already: the park then returns at once).
                Polled::Registered => {
                    stalls = 0;
                    crate::blocking::park();
                }
                // A send is in flight (or we stepped over a run of abandoned slots, or a
                // sender was in the middle of waking us): no one will wake us for it, and
                // re-polling at once would only pull the slot's and `tail`'s lines away from
                // the sender that is writing them.
                Polled::Yielded => {
                    // The poll woke this thread's waker itself: take that unpark token back
                    // (the park returns at once), or the next real park would not wait.
                    crate::blocking::park();
                    // Let the sender run: it may have been preempted between its claim and
                    // its publish. Yielding is not enough when this thread outranks it (a
                    // real-time priority on the same core), so a stall that lasts sleeps,
                    // longer each round.
                    stalls = stalls.saturating_add(1);
                    crate::blocking::back_off_stalled(stalls);
                }
            }
        }
    }

    /// A blocking receive took `n` messages: mid-stream (`Busy`) if more than one, so that the
    /// next one's first look waits for a run, else `Idle`. Returns `n`.
    #[cfg(feature = "std")]
    #[inline]
    fn blocking_took(&mut self, n: usize) -> usize {
        self.streaming = if n > 1 {
            Streaming::Busy
        } else {
            Streaming::Idle
        };
        n
    }

    /// The former name of [`blocking_recv_many`](Self::blocking_recv_many).
    #[cfg(feature = "std")]
    #[deprecated(since = "0.1.0", note = "renamed to `blocking_recv_many`, as in tokio")]
    pub fn recv_many_blocking<E: Extend<T>>(&mut self, out: &mut E, limit: usize) -> usize {
        self.blocking_recv_many(out, limit)
    }

    /// Whether a receive that waits for a run of messages mid-stream may spin for it a moment
    /// before each yield (on by default): at most 383 `spin_loop` hints and, with `std`,
    /// about 5 µs, and only while such spins have been seeing runs arrive (see
    /// [`poll_recv_many`](Self::poll_recv_many)). Turn it off where an executor's thread must
    /// never be held that long by one task: the receive then yields at once, as it did
    /// before the spin, and a sender on another thread is more likely to pay a wake-up (on
    /// 2-worker executors the spin measured 1.3x and more with four senders). Nothing else
    /// changes: what is received, and when a wait ends, are the same either way.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (_tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// assert!(rx.spins_for_runs());
    /// rx.set_spin_for_runs(false);
    /// assert!(!rx.spins_for_runs());
    /// ```
    pub fn set_spin_for_runs(&mut self, on: bool) {
        self.spin.off = !on;
    }

    /// Whether a receive waiting for a run may spin for it first
    /// ([`set_spin_for_runs`](Self::set_spin_for_runs)).
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (_tx, rx) = channel::<u32>(MailboxConfig::default());
    /// assert!(rx.spins_for_runs()); // the default
    /// ```
    pub fn spins_for_runs(&self) -> bool {
        !self.spin.off
    }

    /// Closes the mailbox: senders get `Closed` from now on (waiting ones are woken), while
    /// every message already accepted stays receivable.
    ///
    /// ```
    /// use ryker_core::error::TryRecvError;
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// tx.try_send(1).unwrap();
    /// rx.close();
    /// assert!(tx.try_send(2).unwrap_err().is_closed());
    /// assert_eq!(rx.try_recv(), Ok(1)); // accepted before the close
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn close(&mut self) {
        self.shared.close_ring();
        self.shared.waiters.notify_all();
        self.shared.wake_close_waiters();
    }

    /// Whether the mailbox is closed (by either side, or because every sender is gone). A
    /// closed mailbox may still hold messages to receive.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// assert!(!rx.is_closed());
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    #[inline]
    pub fn is_closed(&self) -> bool {
        self.shared.ring.is_closed()
    }

    /// Number of slots.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (_tx, rx) = channel::<u32>(MailboxConfig { capacity: 16, ..Default::default() });
    /// assert_eq!(rx.capacity(), 16);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.shared.ring.capacity()
    }

    /// Number of occupied slots (a snapshot): queued messages, plus slots claimed by a send in
    /// progress or a [`Permit`](super::Permit) (a dropped permit's slot until the receiver
    /// steps over it).
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(rx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.shared.ring.len()
    }

    /// Whether no slot is occupied (a snapshot; see [`Receiver::len`]).
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// assert!(rx.is_empty());
    /// tx.try_send(1).unwrap();
    /// assert!(!rx.is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.shared.ring.is_empty()
    }

    /// Number of live [`Sender`](super::Sender)s of this mailbox (a snapshot; see
    /// [`Sender::strong_count`](super::Sender::strong_count)).
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, rx) = channel::<u32>(MailboxConfig::default());
    /// let tx2 = tx.clone();
    /// assert_eq!(rx.sender_strong_count(), 2);
    /// drop((tx, tx2));
    /// assert_eq!(rx.sender_strong_count(), 0);
    /// ```
    pub fn sender_strong_count(&self) -> usize {
        self.shared.strong_count()
    }

    /// Number of live [`WeakSender`](super::WeakSender)s of this mailbox (a snapshot; see
    /// [`Sender::weak_count`](super::Sender::weak_count)).
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, rx) = channel::<u32>(MailboxConfig::default());
    /// let weak = tx.downgrade();
    /// drop(tx); // a weak sender outlives the last sender, and still counts
    /// assert_eq!(rx.sender_weak_count(), 1);
    /// drop(weak);
    /// assert_eq!(rx.sender_weak_count(), 0);
    /// ```
    pub fn sender_weak_count(&self) -> usize {
        self.shared.weak_count()
    }

    /// The mailbox's counters.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// for i in 0..3 { tx.try_send(i).unwrap(); }
    /// rx.try_recv().unwrap();
    /// let stats = rx.stats();
    /// assert_eq!((stats.accepted, stats.received), (3, 1));
    /// ```
    pub fn stats(&self) -> MailboxStats {
        self.shared.stats()
    }
}

impl<T, X: Attachment> Drop for Receiver<T, X> {
    fn drop(&mut self) {
        // Relaxed: statistics only (`stats` counts what is left as discarded from now on).
        // First, so that a panic further on (a waiting sender's wake in the close, a queued
        // message's destructor) cannot leave the counts unbalanced.
        self.shared.rx_gone.store(true, Ordering::Relaxed);
        self.close();
        // Drop what is queued now, counting it, past a destructor that panics; values whose
        // sends are still in progress are dropped with the ring when the last sender goes.
        // SAFETY: we are the receiver (`&mut self`).
        unsafe { self.shared.discard_queued() };
        // Release the waker a last poll may have left registered: it can keep a finished
        // task's memory alive for as long as any sender lives. Last: its drop is user code
        // and may panic (then `spare_waker` is dropped with the unwinding, as a field).
        // Broken twin `drop_keeps_waker` (loom suite only) leaves it in the cell.
        if !broken_twin!("drop_keeps_waker") {
            self.shared.rx_waker.disarm();
        }
    }
}

impl<T, X: Attachment> fmt::Debug for Receiver<T, X> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("ring", &self.shared.ring)
            .finish_non_exhaustive()
    }
}

impl<T, X: Attachment + RefUnwindSafe> UnwindSafe for Receiver<T, X> {}
impl<T, X: Attachment + RefUnwindSafe> RefUnwindSafe for Receiver<T, X> {}
