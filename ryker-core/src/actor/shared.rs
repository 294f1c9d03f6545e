//! The per-actor state that lives in the mailbox's attachment ([`ActorShared`]): the name,
//! the runtime's timer, the observer, the control flags (shutdown, abort, finished, and the
//! exit beside them), the loop's waker that an abort wakes, and the list of futures waiting
//! for the actor's end ([`StopWatch`], `Addr::stopped`).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

use super::report::ActorReport;
use crate::mailbox::{Attachment, WeakSender};
use crate::observe::Observer;
use crate::oneshot::OneshotSender;
use crate::policy::Overflow;
use crate::runtime::Runtime;
use crate::sync::{broken_twin, fence, AtomicUsize, Ordering};
use crate::wait_list::{WaitList, Waiter};
use crate::waker::WakerCell;

/// `handle.shutdown()` was called.
pub(super) const SHUTDOWN: usize = 0b001;
/// `handle.abort()` was called.
pub(super) const ABORT: usize = 0b010;
/// The loop has finished.
pub(super) const FINISHED: usize = 0b100;
/// `handle.abort()` was called again after `ABORT` was set: it cuts a `stopped` that began
/// after the first abort ([`ActorShared::next_abort`]).
const ABORT_AGAIN: usize = 0b1000;
/// Where the exit's code (`Exit::code`, 0 for none) sits in the flags: above the four flags,
/// set together with FINISHED by one RMW (`ActorShared::finish`).
const EXIT_SHIFT: u32 = 4;

/// The flag the next `handle.abort()` sets: what a future that an abort requested from now on
/// should cut short watches (`guard::Cut::After`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct AbortFlag(usize);

impl AbortFlag {
    /// The first abort's flag: what a handler watches.
    pub(super) const FIRST: Self = Self(ABORT);
}

/// A boxed future, as the type-erased runtime takes and gives them.
pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The runtime's timer, clock and spawner, type-erased so `Addr<A>` need not name the runtime.
pub(crate) trait Sleeper: Send + Sync {
    /// [`Runtime::sleep`], boxed.
    fn sleep(&self, dur: Duration) -> BoxFuture;
    /// [`Runtime::spawn_timer`] of a boxed task (the timers of `Addr::tell_after` and
    /// `tell_every`).
    fn spawn_timer(&self, task: BoxFuture);
    /// The time since the actor was spawned, on the runtime's clock: the timeline the ticks
    /// of `Addr::tell_every` are laid on.
    fn elapsed(&self) -> Duration;
}

/// A runtime and the instant its actor was spawned.
struct Clock<R: Runtime> {
    runtime: R,
    base: R::Instant,
}

impl<R: Runtime> Sleeper for Clock<R> {
    fn sleep(&self, dur: Duration) -> BoxFuture {
        Box::pin(Runtime::sleep(&self.runtime, dur))
    }

    fn spawn_timer(&self, task: BoxFuture) {
        self.runtime.spawn_timer(task);
    }

    fn elapsed(&self) -> Duration {
        self.runtime.now() - self.base
    }
}

/// Per-actor state that lives with the mailbox (its attachment), so an [`Addr`] is a single
/// reference-counted pointer.
///
/// [`Addr`]: crate::actor::Addr
pub(crate) struct ActorShared {
    name: Box<str>,
    /// Shared with the timer tasks of `Addr::tell_after` and `tell_every`.
    sleeper: Arc<dyn Sleeper>,
    pub(crate) observer: Observer,
    /// `SHUTDOWN | ABORT | FINISHED | ABORT_AGAIN`, and the exit's code from `EXIT_SHIFT` up.
    flags: AtomicUsize,
    /// The loop's waker while a handler is pending, so an abort can cut the handler short.
    waker: WakerCell,
    /// The [`StopWatch`] futures waiting for FINISHED; `finish` wakes them all, once.
    stop_waiters: WaitList,
}

impl fmt::Debug for ActorShared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActorShared")
            .field("name", &self.name)
            .field("flags", &self.flags.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Attachment for ActorShared {
    #[inline]
    fn on_busy(&self) {
        self.observer.on_busy();
    }

    #[inline]
    fn on_dropped(&self, policy: Overflow) {
        self.observer.on_dropped(policy);
    }
}

impl ActorShared {
    pub(crate) fn new<R: Runtime>(name: String, runtime: R) -> Self {
        Self {
            observer: Observer::new(&name),
            name: name.into_boxed_str(),
            sleeper: Arc::new(Clock {
                base: runtime.now(),
                runtime,
            }),
            flags: AtomicUsize::new(0),
            waker: WakerCell::new(),
            stop_waiters: WaitList::new(),
        }
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn sleep(&self, dur: Duration) -> BoxFuture {
        self.sleeper.sleep(dur)
    }

    /// The actor's runtime, for a timer task that outlives this borrow.
    pub(crate) fn runtime(&self) -> Arc<dyn Sleeper> {
        self.sleeper.clone()
    }

    /// Marks a graceful shutdown; the caller closes the mailbox right after.
    pub(crate) fn request_shutdown(&self) {
        // Release: pairs with the Acquire load in `shutdown_requested`. (The loop reads the
        // flag after it saw the close that follows this store, which orders it anyway.)
        self.flags.fetch_or(SHUTDOWN, Ordering::Release);
    }

    /// Marks an abort and wakes a pending handler; the caller closes the mailbox right after
    /// (which wakes the loop if it waits on the mailbox instead).
    pub(crate) fn request_abort(&self) {
        // SeqCst RMW + fence: Dekker pair with `poll_guarded`, which registers its waker,
        // fences, and loads the flag. Either it sees ABORT or we see its waker.
        let before = self.flags.fetch_or(ABORT, Ordering::SeqCst);
        // Broken twin `abort_again` (loom suite only) leaves this out: a later abort then
        // sets nothing a `stopped` begun after the first watches.
        if before & ABORT != 0 && !broken_twin!("abort_again") {
            // A later abort, for a `stopped` that began after the first (`next_abort`). SeqCst
            // and before the fence below: the same Dekker pair, for the flag that one watches.
            self.flags.fetch_or(ABORT_AGAIN, Ordering::SeqCst);
        }
        fence(Ordering::SeqCst);
        if self.waker.may_need_wake() {
            self.waker.wake();
        }
    }

    #[inline]
    pub(super) fn aborted(&self) -> bool {
        // Relaxed on the hot path (one check per message): a late sighting only means one
        // more message is handled; `poll_guarded`'s re-check after registering is SeqCst.
        self.flags.load(Ordering::Relaxed) & ABORT != 0
    }

    /// The flag a `stopped` about to begin watches, so that an abort requested from now on
    /// cuts it short and one requested before does not, where one before is "the abort this
    /// stop is for": only when the loop itself took an abort for its exit (`aborted_exit`).
    ///
    /// A stop the loop began for anything else (shutdown, `Context::stop`, release) watches
    /// ABORT: every abort cuts its `stopped`, also one requested after the loop took its exit
    /// but before this call (the loop never saw it; taking it for "before" would let a hung
    /// `stopped` hang on). A stop for an abort watches ABORT_AGAIN, which this clears: a second
    /// abort requested before now (`abort` called twice, or while a fresh actor's `started`
    /// still ran) was before the stop too, and must not cut the `stopped` the abort began.
    pub(super) fn next_abort(&self, aborted_exit: bool) -> AbortFlag {
        // Broken twin `stop_exit` (loom suite only): tells "a stop for an abort" by the flags,
        // as the first version did, so an abort the loop never saw lets a shutdown's `stopped`
        // run to its end.
        let aborted_exit = if broken_twin!("stop_exit") {
            self.flags.load(Ordering::Relaxed) & ABORT != 0
        } else {
            aborted_exit
        };
        if aborted_exit {
            // Relaxed: an abort whose `fetch_or(ABORT_AGAIN)` comes after this in the flags'
            // modification order is one from now on, and the Dekker pair of `request_abort`
            // and `wait_for_abort` (the fences) makes the re-check see it or the abort wake
            // us; one before it was concurrent with this call and counts as before. An abort
            // requested by a thread that saw `stopped` begin comes after it (happens-before,
            // so coherence). Every abort from now on sets ABORT_AGAIN: the loop saw ABORT, so
            // their `fetch_or(ABORT)` finds it set.
            // Broken twin `abort_sticky` (loom suite only) leaves it out: a second abort
            // before `stopped` begins then cuts it at its first `.await`.
            if !broken_twin!("abort_sticky") {
                self.flags.fetch_and(!ABORT_AGAIN, Ordering::Relaxed);
            }
            AbortFlag(ABORT_AGAIN)
        } else {
            AbortFlag::FIRST
        }
    }

    /// A handler (or `stopped`) is pending: registers the loop's `waker` for an abort, then
    /// says whether `flag` was set meanwhile (the caller then cuts the future short).
    pub(super) fn wait_for_abort(&self, waker: &core::task::Waker, flag: AbortFlag) -> bool {
        // A wake in progress (`false`) has woken `waker` already: the loop is polled again.
        let _ = self.waker.register(waker);
        // SeqCst fence: pairs with `request_abort` (set the flags, fence, check the waker).
        // Broken twin `abort_wake` (loom suite only) leaves it out.
        if !broken_twin!("abort_wake") {
            fence(Ordering::SeqCst);
        }
        // Relaxed: ordered by the fence above (either this load sees the flag or
        // `request_abort`'s check sees the waker).
        self.flags.load(Ordering::Relaxed) & flag.0 != 0
    }

    pub(super) fn shutdown_requested(&self) -> bool {
        // Acquire: pairs with the Release in `request_shutdown`.
        self.flags.load(Ordering::Acquire) & SHUTDOWN != 0
    }

    pub(crate) fn is_finished(&self) -> bool {
        // Acquire: pairs with the Release in `finish`, so a caller that sees FINISHED sees the
        // loop's final state (the report is sent through its own channel).
        self.flags.load(Ordering::Acquire) & FINISHED != 0
    }

    /// The exit's code once the loop has finished (`Some(0)`: finished without a report, the
    /// runtime dropped the task); `None` while it runs.
    pub(super) fn finished_exit(&self) -> Option<usize> {
        // Acquire: pairs with the Release RMW in `finish`, as `is_finished` does, so a watcher
        // that sees FINISHED sees what the loop did before (its `stopped`, its report).
        let flags = self.flags.load(Ordering::Acquire);
        (flags & FINISHED != 0).then_some(flags >> EXIT_SHIFT)
    }

    /// Marks the loop finished with the exit `code` (0: none), then wakes every [`StopWatch`].
    fn finish(&self, code: usize) {
        // Release: see `is_finished` and `finished_exit`. The code goes in the same RMW, so a
        // watcher that sees FINISHED sees the exit with it.
        self.flags
            .fetch_or(FINISHED | code << EXIT_SHIFT, Ordering::Release);
        // SeqCst fence: pairs with the fence in `StopWatch::poll` between registering and
        // re-reading the flags (store-buffering, as `Shared::notify_senders` with a sender's
        // registration): either that re-check sees FINISHED or the load of the list's length
        // below sees the registration. So the common end, with nobody watching, takes no lock.
        // Broken twin `stop_fence` (loom suite only) leaves it out.
        if !broken_twin!("stop_fence") {
            fence(Ordering::SeqCst);
        }
        if self.stop_waiters.may_have_waiters() {
            self.stop_waiters.notify_all();
        }
    }
}

/// Marks the actor finished, releases the loop's waker and wakes the watchers when the loop
/// ends, then hands the report to the handle — also when the runtime drops the task
/// mid-flight, or before its first poll (then with no exit and no report: the handle's join
/// and the watchers answer `JoinError`). Made before the task is spawned and moved into it, so
/// that a task dropped unpolled drops it too.
pub(super) struct Finish<T> {
    /// Keeps the mailbox, and the [`ActorShared`] in it, for the drop.
    weak: WeakSender<T, ActorShared>,
    /// Where the report goes; `None` once it has been handed on.
    done: Option<OneshotSender<ActorReport>>,
}

impl<T> Finish<T> {
    pub(super) fn new(weak: WeakSender<T, ActorShared>, done: OneshotSender<ActorReport>) -> Self {
        Self {
            weak,
            done: Some(done),
        }
    }

    /// The loop's end: the watchers (`Addr::stopped`) are woken with the report's exit, then
    /// the report goes to the handle (which may be gone: detached, nobody wants it).
    pub(super) fn report(mut self, report: ActorReport) {
        let done = self.done.take();
        self.end(report.exit.code());
        if let Some(done) = done {
            let _ = done.send(report);
        }
    }

    /// Marks the loop finished with the exit `code` (0: none).
    fn end(&self, code: usize) {
        let shared = self.weak.attachment();
        shared.waker.disarm();
        shared.finish(code);
    }
}

impl<T> Drop for Finish<T> {
    fn drop(&mut self) {
        if self.done.is_some() {
            // No report: the task was dropped unfinished. `done` goes after this, so a handle
            // that sees its join fail sees the actor finished.
            self.end(0);
        }
    }
}

/// Waits for the actor's loop to finish: the future inside `Addr::stopped` (and
/// `WeakAddr::stopped`, `ActorHandle::stopped`). Any number may wait at once, each in
/// `stop_waiters`, in its own pinned [`Waiter`] (no allocation); the loop's end wakes them
/// all, once. Its output is the exit's code ([`ActorShared::finished_exit`]).
///
/// Cancel safe: dropping it takes its waiter (and the waker in it) out of the list.
pub(crate) struct StopWatch<'a> {
    shared: &'a ActorShared,
    /// Our place in `stop_waiters`.
    waiter: Waiter,
    /// Whether `waiter` may be in the list.
    registered: bool,
}

impl<'a> StopWatch<'a> {
    pub(crate) fn new(shared: &'a ActorShared) -> Self {
        Self {
            shared,
            waiter: Waiter::new(),
            registered: false,
        }
    }

    /// The pinned waiter and the flag.
    fn project(self: Pin<&mut Self>) -> (&'a ActorShared, Pin<&Waiter>, &mut bool) {
        // SAFETY: `waiter` is never moved out of the pinned future (only borrowed, pinned,
        // below); `shared` and `registered` are not structurally pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: `waiter` stays at this address until the future is dropped, and `Drop`
        // takes it out of the list first.
        let waiter = unsafe { Pin::new_unchecked(&this.waiter) };
        (this.shared, waiter, &mut this.registered)
    }

    /// Takes `waiter` out of the list if it may be there. A notification it held is not
    /// passed on: the loop's end wakes every watcher (`notify_all`), none is owed one.
    fn leave(shared: &ActorShared, waiter: Pin<&Waiter>, registered: &mut bool) {
        if core::mem::take(registered) {
            shared.stop_waiters.remove(waiter);
        }
    }
}

impl Future for StopWatch<'_> {
    type Output = usize;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let (shared, waiter, registered) = self.project();
        if let Some(code) = shared.finished_exit() {
            Self::leave(shared, waiter, registered);
            return Poll::Ready(code);
        }
        // Queued, or its waker refreshed (or queued again after a wake-up that came before
        // the flag was seen: harmless, the check below finds it).
        // SAFETY: `Drop` (or `leave`) takes `waiter` out of the list before it is moved or
        // dropped, and it is used with `stop_waiters` only.
        unsafe { shared.stop_waiters.register(waiter, cx.waker(), false) };
        *registered = true;
        // SeqCst fence: pairs with the fence in `ActorShared::finish` between setting FINISHED
        // and reading the list's length: either the check below sees FINISHED or the finish
        // sees us queued and wakes us.
        fence(Ordering::SeqCst);
        // The check after the registration. Broken twin `stop_recheck` (loom suite only)
        // leaves it out: a loop that finishes between the first check and the registration
        // wakes nobody.
        if !broken_twin!("stop_recheck") {
            if let Some(code) = shared.finished_exit() {
                Self::leave(shared, waiter, registered);
                return Poll::Ready(code);
            }
        }
        Poll::Pending
    }
}

impl Drop for StopWatch<'_> {
    fn drop(&mut self) {
        if self.registered {
            // SAFETY: the waiter is pinned (we are being dropped in place).
            let waiter = unsafe { Pin::new_unchecked(&self.waiter) };
            self.shared.stop_waiters.remove(waiter);
        }
    }
}

impl fmt::Debug for StopWatch<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StopWatch")
            .field("registered", &self.registered)
            .finish_non_exhaustive()
    }
}
