//! The small trait an async runtime implements so ryker's actor loop can run on it.
//!
//! The loop itself ([`ActorOptions::spawn`](crate::actor::ActorOptions::spawn)) is written once,
//! here in ryker-core, against this trait; `ryker-tokio`, `ryker-smol` and `ryker-asyncstd`
//! implement it and nothing more. A custom executor implements it too (see the
//! `custom_executor` example of ryker-core).

use core::future::Future;
use core::ops::{Add, Sub};
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

/// What the actor loop needs from a runtime: spawn a task, yield, sleep, read a clock.
///
/// ```
/// use std::future::Future;
/// use std::time::{Duration, Instant};
/// use ryker_core::runtime::Runtime;
///
/// /// A runtime that runs every actor on its own thread (a toy, for the example).
/// #[derive(Clone, Debug)]
/// struct Threads;
///
/// impl Runtime for Threads {
///     type Instant = Instant;
///     fn spawn<F: Future<Output = ()> + Send + 'static>(&self, task: F) {
///         std::thread::spawn(move || ryker_core::blocking::block_on(task));
///     }
///     fn sleep(&self, dur: Duration) -> impl Future<Output = ()> + Send + 'static {
///         let until = Instant::now() + dur;
///         std::future::poll_fn(move |cx| {
///             if Instant::now() >= until { return std::task::Poll::Ready(()); }
///             cx.waker().wake_by_ref(); // a toy: spins through the executor
///             std::task::Poll::Pending
///         })
///     }
///     fn now(&self) -> Instant { Instant::now() }
/// }
/// # let _ = Threads;
/// ```
pub trait Runtime: Clone + Send + Sync + 'static {
    /// A point on the runtime's monotonic clock.
    type Instant: Copy
        + Ord
        + Send
        + Sync
        + 'static
        + Add<Duration, Output = Self::Instant>
        + Sub<Self::Instant, Output = Duration>;

    /// Runs `task` to completion in the background.
    fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static;

    /// Runs the task of a timer (`Addr::tell_after`, `Addr::tell_every`) in the background,
    /// from wherever those are called. The task sleeps on [`sleep`](Self::sleep) and queues
    /// its messages with `Addr::tell`: it needs nothing of the actor's own thread.
    ///
    /// The default is [`spawn`](Self::spawn). Override it where `spawn` works only in some
    /// places that an address reaches: `ryker-tokio`'s `TokioLocal` spawns its actors with
    /// `tokio::task::spawn_local`, which panics outside the actor's `LocalSet`, and its timers
    /// on the caller's tokio runtime instead.
    fn spawn_timer<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.spawn(task);
    }

    /// Completes after `dur` (used by `Addr::tell_timeout` and `Addr::ask_timeout`; restart
    /// windows read the clock, `now`).
    fn sleep(&self, dur: Duration) -> impl Future<Output = ()> + Send + 'static;

    /// The current time on the runtime's clock.
    fn now(&self) -> Self::Instant;

    /// Gives the worker back to the runtime once, so other tasks run. The default wakes the
    /// task and returns `Pending` once, which every executor treats as "run me again later";
    /// an adapter overrides it where the runtime has a better-behaved yield (tokio's puts the
    /// task behind the I/O driver).
    ///
    /// Where that wake puts the task matters: a scheduler that serves its own queue before
    /// tasks woken from other threads, and looks at those only every so many turns, runs a
    /// self-woken task again first. On tokio's current-thread runtime the default lets a busy
    /// actor go through up to 31 more batches before such a task (927 messages in one run of
    /// the conformance suite's endless-stream case, which fails it: `ryker-conformance`);
    /// tokio's own yield does not.
    fn yield_now(&self) -> impl Future<Output = ()> + Send + 'static {
        YieldNow(false)
    }

    /// Gives the worker back to the tasks that are ready to run now, without waiting for
    /// the runtime's I/O and timers as [`yield_now`](Self::yield_now) may. The actor loop
    /// calls it at the end of a full batch when its last `yield_now` (or, for the time, wait
    /// on an empty mailbox) was less than `yield_ms` and 128 handled messages ago; otherwise it
    /// calls `yield_now`. So the tasks already queued run after every batch, and the I/O
    /// driver and the timers get the worker at least every 128 messages or about `yield_ms`.
    ///
    /// The default is [`yield_now`](Self::yield_now). Override it where the runtime's yield
    /// costs more than a requeue and a cheaper one still lets every ready task run first:
    /// tokio's `yield_now` holds the task back until its worker has run out of other tasks and
    /// parked (docs/PERFORMANCE.md measures the cost); `ryker-tokio` requeues the task behind
    /// the worker's ready tasks instead, while no task woken from another thread is waiting.
    /// What a runtime serves only when a worker parks then waits for the loop's next full
    /// yield: at most 128 messages or `yield_ms` away.
    fn yield_to_ready(&self) -> impl Future<Output = ()> + Send + 'static {
        self.yield_now()
    }
}

/// The default [`Runtime::yield_now`]: `Pending` once, waking itself first.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct YieldNow(bool);

impl YieldNow {
    /// A yield that has not happened yet.
    pub const fn new() -> Self {
        Self(false)
    }
}

impl Default for YieldNow {
    fn default() -> Self {
        Self::new()
    }
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
