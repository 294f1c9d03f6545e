//! # ryker-tokio
//!
//! ryker actors on [tokio](https://tokio.rs): one dependency line gives the actor API
//! (re-exported from `ryker-core`) and the functions that spawn actors onto the current tokio
//! runtime. The run loop, mailbox, fairness, supervision, metrics and configuration all live in
//! `ryker-core`; this crate is the [`Runtime`] implementation and nothing more.
//!
//! The runtime needs its timer enabled (`enable_time()` or `enable_all()`, which
//! `#[tokio::main]` does) for [`Addr::tell_timeout`].
//!
//! The blocking calls (`blocking_send`, `blocking_recv`, `blocking_tell`) are for plain
//! threads and `tokio::task::spawn_blocking`. Called from async code on a tokio runtime, where
//! parking the thread would stall the runtime (a current-thread runtime for good), they panic
//! with a message saying what to call instead, as tokio's own `blocking_send` does, instead
//! of deadlocking silently. This crate installs that check (see [`install_blocking_check`])
//! whenever a [`Tokio`] is made or an actor is spawned through it.
//!
//! ```
//! use ryker_tokio::{Actor, Context};
//!
//! struct Greeter;
//! impl Actor for Greeter {
//!     type Msg = String;
//!     async fn handle(&mut self, name: String, _ctx: &mut Context<Self>) {
//!         println!("hello, {name}");
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap().block_on(async {
//! let handle = ryker_tokio::spawn(Greeter);
//! handle.addr().tell("ryker".to_string()).await.unwrap();
//! let report = { handle.shutdown(); handle.await }.unwrap();
//! assert_eq!(report.handled, 1);
//! # });
//! ```
#![forbid(unsafe_code)]

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context as TaskContext, Wake, Waker};
use std::time::Duration;

use tokio::runtime::{Handle, RuntimeMetrics};

pub use ryker_core;
pub use ryker_core::prelude::*;

/// The tokio [`Runtime`]: spawns on a given runtime through its [`Handle`].
///
/// The handle also serves `Addr::tell_timeout`'s timer, so an actor on tokio can be sent to
/// with a timeout from anywhere: a plain thread, or a task on another runtime.
#[derive(Clone, Debug)]
pub struct Tokio {
    handle: Handle,
    /// Kept, not made per yield: `Handle::metrics` clones the handle (a reference count).
    metrics: RuntimeMetrics,
}

impl Tokio {
    /// The runtime the caller is running in.
    ///
    /// # Panics
    /// Outside a tokio runtime, as [`Handle::current`] does.
    pub fn current() -> Self {
        Self::with_handle(Handle::current())
    }

    /// Spawns on the runtime behind `handle`, from anywhere.
    pub fn with_handle(handle: Handle) -> Self {
        install_blocking_check();
        let metrics = handle.metrics();
        Self { handle, metrics }
    }
}

impl Runtime for Tokio {
    type Instant = tokio::time::Instant;

    fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        // The actor's handle is ryker's `ActorHandle`; tokio's JoinHandle is not needed.
        drop(self.handle.spawn(task));
    }

    fn sleep(&self, dur: Duration) -> impl Future<Output = ()> + Send + 'static {
        // A tokio timer binds to the runtime it is created in: enter ours, so a caller on a
        // plain thread (or on another runtime) gets a timer that works.
        let _entered = self.handle.enter();
        tokio::time::sleep(dur)
    }

    fn now(&self) -> tokio::time::Instant {
        tokio::time::Instant::now()
    }

    fn yield_now(&self) -> impl Future<Output = ()> + Send + 'static {
        tokio::task::yield_now()
    }

    /// Requeues the task behind the worker's ready tasks (it wakes itself and returns
    /// `Pending` once) while the runtime's shared queue is empty, and is tokio's
    /// [`yield_now`](tokio::task::yield_now) otherwise.
    ///
    /// Why both: tokio's yield holds the task back until its worker has run out of other
    /// tasks and parked (a zero-length park that polls the I/O driver); with one producer,
    /// the actor's tell rows ran 1.1-1.3x as fast with most of those yields replaced by this
    /// one (docs/PERFORMANCE.md). A self-woken task goes to the back of its worker's own
    /// queue, behind every task ready there. But tasks woken from other threads wait in the
    /// shared queue, which a busy worker looks at only every so many turns (up to 31 batches
    /// went by before such a task in the conformance suite): while one waits there, this is
    /// tokio's yield, which serves that queue before the task runs again.
    ///
    /// The run loop makes every time-based yield a full [`yield_now`](Runtime::yield_now), and
    /// a batch's yield too once 128 messages or `yield_ms` have gone by since the last full
    /// one. What tokio serves only when its worker parks waits for those: I/O readiness,
    /// timers, tasks it holds back (a task that called tokio's `yield_now` or spent its
    /// cooperative budget), and on a current-thread runtime the future given to `block_on`;
    /// on a multi-thread runtime, the worker also steals from the others only then. Each of
    /// these waited at most one batch behind a streaming actor before; now up to four (128
    /// messages) or `yield_ms` and a batch, whichever comes first. 128 is tokio's own budget:
    /// a tokio task reading a channel is held back as often.
    fn yield_to_ready(&self) -> impl Future<Output = ()> + Send + 'static {
        // A task woken from another thread after this read waits at most one more batch: the
        // next yield sees it.
        let nobody_remote = self.metrics.global_queue_depth() == 0;
        async move {
            if nobody_remote {
                ryker_core::runtime::YieldNow::new().await;
            } else {
                tokio::task::yield_now().await;
            }
        }
    }
}

/// The tokio [`Runtime`] for a [`tokio::task::LocalSet`]: actors run on the set's thread
/// (`tokio::task::spawn_local`), for thread-per-core layouts.
///
/// Every yield here is tokio's `yield_now` ([`Runtime::yield_to_ready`] keeps its default):
/// a `LocalSet` also serves tasks woken from other threads only every so many turns, and tokio
/// reports no depth for that queue, so the cheap requeue of [`Tokio`] could pass them over.
///
/// An actor's timers go through the runtime it was spawned on. Here `Addr::tell_after` and
/// `Addr::tell_every` spawn their task ([`Runtime::spawn_timer`]) on the caller's tokio
/// runtime, not on the `LocalSet`: the task only sleeps and queues its messages, so it may
/// run anywhere, and the timers of an actor of the set can be started from any task of the
/// runtime, in the set or not. Call them, and `Addr::tell_timeout` and `Addr::ask_timeout`,
/// from inside a tokio runtime (a task, `block_on`, or a thread that entered its `Handle`):
/// their timer is `tokio::time::sleep`.
///
/// ```
/// use std::time::Duration;
/// use ryker_tokio::{Actor, Context, Reply};
///
/// struct Counter(u32);
/// impl Actor for Counter {
///     type Msg = Option<Reply<u32>>;
///     async fn handle(&mut self, msg: Option<Reply<u32>>, _ctx: &mut Context<Self>) {
///         match msg {
///             None => self.0 += 1,
///             Some(reply) => drop(reply.send(self.0)),
///         }
///     }
/// }
///
/// let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
/// let local = tokio::task::LocalSet::new();
/// local.block_on(&rt, async {
///     let handle = ryker_tokio::spawn_local(Counter(0));
///     let addr = handle.addr();
///     // A task on a worker thread, outside the set, starts a timer of the set's actor.
///     let timer = tokio::spawn({
///         let addr = addr.clone();
///         async move { addr.tell_after(Duration::from_millis(1), None) }
///     })
///     .await
///     .unwrap();
///     while !timer.is_finished() {
///         tokio::time::sleep(Duration::from_millis(1)).await;
///     }
///     assert_eq!(addr.ask(Some).await.unwrap(), 1);
///     handle.shutdown();
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioLocal;

impl Runtime for TokioLocal {
    type Instant = tokio::time::Instant;

    fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        install_blocking_check();
        drop(tokio::task::spawn_local(task));
    }

    /// On the caller's tokio runtime (`tokio::spawn`), so that a timer can be started from
    /// outside the `LocalSet` (see [`TokioLocal`]).
    ///
    /// # Panics
    /// Outside a tokio runtime, naming the cause and the fix.
    fn spawn_timer<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let Ok(handle) = Handle::try_current() else {
            panic!(
                "ryker-tokio: `Addr::tell_after`/`tell_every` on a `TokioLocal` actor called \
                 outside a tokio runtime; call it from a task of the runtime (in the actor's \
                 `LocalSet` or not), or enter the runtime first (`Handle::enter`)"
            );
        };
        drop(handle.spawn(task));
    }

    fn sleep(&self, dur: Duration) -> impl Future<Output = ()> + Send + 'static {
        tokio::time::sleep(dur)
    }

    fn now(&self) -> tokio::time::Instant {
        tokio::time::Instant::now()
    }

    fn yield_now(&self) -> impl Future<Output = ()> + Send + 'static {
        tokio::task::yield_now()
    }
}

/// Makes ryker's blocking calls panic, instead of deadlocking, when they would park a thread
/// that runs tokio async code: a task on a worker, a task or the `block_on` future of a
/// current-thread runtime, a `LocalSet`'s tasks. On `spawn_blocking` threads, in
/// `block_in_place` and on plain threads they keep working.
///
/// Called for you whenever a [`Tokio`] is made (and by [`TokioLocal`]'s spawn); call it
/// yourself if you use only the bare mailbox (`ryker_core::mailbox`) under tokio. Installing it
/// again does nothing.
///
/// One case is not detected: the future given to a *multi-thread* runtime's `block_on` (it
/// runs outside the runtime's scheduler, so a blocking call there parks only that thread;
/// tokio's own `blocking_send` panics there, ryker's blocking calls wait).
///
/// ```
/// ryker_tokio::install_blocking_check();
/// let (tx, mut rx) = ryker_tokio::ryker_core::mailbox::channel::<u32>(Default::default());
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async move {
///     // In async code: the async forms.
///     tx.send(1).await.unwrap();
///     // A blocking call belongs on a blocking thread.
///     let rx = tokio::task::spawn_blocking(move || {
///         assert_eq!(rx.blocking_recv(), Some(1));
///         rx
///     })
///     .await
///     .unwrap();
///     drop(rx);
/// });
/// ```
pub fn install_blocking_check() {
    ryker_core::blocking::install_async_context_probe(ryker_core::blocking::AsyncContextProbe {
        runtime: "tokio",
        in_async_context: in_tokio_async_context,
        instead: "run the blocking call on a blocking thread (`tokio::task::spawn_blocking`)",
    });
}

/// Whether the calling thread is running tokio async code right now.
///
/// `Handle::try_current` cannot tell: it is `Ok` on `spawn_blocking` threads too, where
/// blocking is what they are for. What can tell is `tokio::task::yield_now`: polled in a
/// runtime's async context (a worker holding its scheduler core, or a current-thread
/// runtime's `block_on`), it hands its waker to that scheduler, to be woken after the ready
/// tasks have run; anywhere else (a plain thread, a `spawn_blocking` thread, a worker inside
/// `block_in_place`, a multi-thread runtime's `block_on`) it wakes the waker at once. So: poll
/// it once with a waker that notes the wake. (In the async case the scheduler wakes the
/// deferred waker later, which only sets a flag nobody reads any more.)
fn in_tokio_async_context() -> bool {
    if Handle::try_current().is_err() {
        return false;
    }
    let woken = Arc::new(WokenFlag(AtomicBool::new(false)));
    let waker = Waker::from(woken.clone());
    let yielded = pin!(tokio::task::yield_now());
    let polled = yielded.poll(&mut TaskContext::from_waker(&waker));
    // Relaxed: the wake (if any) happened synchronously inside the poll, on this thread.
    polled.is_pending() && !woken.0.load(Ordering::Relaxed)
}

/// Notes that it was woken.
struct WokenFlag(AtomicBool);

impl Wake for WokenFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Relaxed: read by the same thread right after the poll that wakes (see
        // `in_tokio_async_context`); a later wake from the scheduler is of no interest.
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Spawns `actor` with the default [`ActorConfig`] on the current tokio runtime
/// ([`SpawnActor::spawn_actor`]).
///
/// # Panics
/// Outside a tokio runtime, as `tokio::spawn` does.
pub fn spawn<A: Actor>(actor: A) -> ActorHandle<A> {
    Tokio::current().spawn_actor(actor)
}

/// Spawns `actor` with `config` on the current tokio runtime
/// ([`SpawnActor::spawn_actor_with`]).
///
/// # Errors
/// A [`ConfigError`] naming the invalid field, its value and the allowed range.
///
/// # Panics
/// Outside a tokio runtime, as `tokio::spawn` does.
pub fn spawn_with<A: Actor>(actor: A, config: &ActorConfig) -> Result<ActorHandle<A>, ConfigError> {
    Tokio::current().spawn_actor_with(actor, config)
}

/// Spawns `actor` with full [`ActorOptions`] (name, supervision, dead letters) on the current
/// tokio runtime ([`SpawnActor::spawn_actor_with_options`]).
///
/// # Errors
/// As [`spawn_with`].
///
/// # Panics
/// Outside a tokio runtime, as `tokio::spawn` does.
pub fn spawn_with_options<A: Actor>(
    actor: A,
    options: ActorOptions<A>,
) -> Result<ActorHandle<A>, ConfigError> {
    Tokio::current().spawn_actor_with_options(actor, options)
}

/// Spawns `actor` with the default [`ActorConfig`] on the current [`tokio::task::LocalSet`].
///
/// # Panics
/// Outside a `LocalSet`, as `tokio::task::spawn_local` does.
pub fn spawn_local<A: Actor>(actor: A) -> ActorHandle<A> {
    TokioLocal.spawn_actor(actor)
}

/// The README's examples (actors and the bare mailbox), compiled and run as doc tests here,
/// where both `ryker_tokio` and `ryker_core` are in scope.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct Readme;

/// docs/ACTORS.md's examples, compiled and run as doc tests so they cannot drift from the code.
#[cfg(doctest)]
#[doc = include_str!("../../docs/ACTORS.md")]
struct ActorsGuide;

/// tokio's `Sender::send_timeout` on ryker's mailbox: [`Sender::send_before`] with
/// `tokio::time::sleep(timeout)` as the deadline. In scope with `use ryker_tokio::SenderExt`.
///
/// [`Sender::send_before`]: ryker_core::mailbox::Sender::send_before
pub trait SenderExt<T> {
    /// Sends, waiting for space for at most `timeout` on tokio's clock (paused in
    /// `start_paused` tests). A free slot is taken at once; a full mailbox is answered by its
    /// overflow policy as `try_send` answers it, except that under `busy` the send waits in
    /// line until a slot frees up, the mailbox closes, or the time is up.
    ///
    /// # Errors
    /// `Timeout(msg)` when the time was up first, `Closed(msg)` when the mailbox is closed,
    /// `Dropped` under `drop_newest` with a full mailbox (counted).
    ///
    /// # Panics
    /// Outside a tokio runtime with its timer enabled, as `tokio::time::sleep`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ryker_tokio::{MailboxConfig, SendTimeoutError, Sent, SenderExt};
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let (tx, _rx) = ryker_tokio::ryker_core::mailbox::channel::<u32>(MailboxConfig { capacity: 1, ..Default::default() });
    /// assert_eq!(tx.send_timeout(1, Duration::from_millis(5)).await, Ok(Sent::Queued));
    /// assert_eq!(tx.send_timeout(2, Duration::from_millis(5)).await, Err(SendTimeoutError::Timeout(2)));
    /// # });
    /// ```
    fn send_timeout(
        &self,
        msg: T,
        timeout: Duration,
    ) -> impl std::future::Future<Output = Result<Sent, SendTimeoutError<T>>> + Send
    where
        T: Send;
}

impl<T, X: ryker_core::mailbox::Attachment> SenderExt<T> for ryker_core::mailbox::Sender<T, X> {
    fn send_timeout(
        &self,
        msg: T,
        timeout: Duration,
    ) -> impl std::future::Future<Output = Result<Sent, SendTimeoutError<T>>> + Send
    where
        T: Send,
    {
        self.send_before(msg, tokio::time::sleep(timeout))
    }
}

/// A receive with a time limit on ryker's mailbox: [`Receiver::recv_before`] with
/// `tokio::time::sleep(timeout)` as the deadline (the same as `tokio::time::timeout(d,
/// rx.recv())`, with the end of the stream and the timeout told apart in one error). In scope
/// with `use ryker_tokio::ReceiverExt`.
///
/// [`Receiver::recv_before`]: ryker_core::mailbox::Receiver::recv_before
pub trait ReceiverExt<T> {
    /// Receives the next message, waiting for at most `timeout` on tokio's clock. A message
    /// there when the time is up is still taken. Cancel safe.
    ///
    /// # Errors
    /// `RecvTimeoutError::Timeout` when the time was up first, `RecvTimeoutError::Closed` once
    /// the mailbox is closed and drained.
    ///
    /// # Panics
    /// Outside a tokio runtime with its timer enabled, as `tokio::time::sleep`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ryker_tokio::ReceiverExt;
    /// use ryker_tokio::ryker_core::error::RecvTimeoutError;
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let (tx, mut rx) = ryker_tokio::ryker_core::mailbox::channel::<u32>(Default::default());
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(5)).await, Err(RecvTimeoutError::Timeout));
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(5)).await, Ok(1));
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(5)).await, Err(RecvTimeoutError::Closed));
    /// # });
    /// ```
    fn recv_timeout(
        &mut self,
        timeout: Duration,
    ) -> impl std::future::Future<Output = Result<T, ryker_core::error::RecvTimeoutError>> + Send
    where
        T: Send;
}

impl<T, X: ryker_core::mailbox::Attachment> ReceiverExt<T> for ryker_core::mailbox::Receiver<T, X> {
    fn recv_timeout(
        &mut self,
        timeout: Duration,
    ) -> impl std::future::Future<Output = Result<T, ryker_core::error::RecvTimeoutError>> + Send
    where
        T: Send,
    {
        self.recv_before(tokio::time::sleep(timeout))
    }
}

#[cfg(test)]
mod tests {
    use super::in_tokio_async_context as probe;

    fn current_thread() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    fn multi_thread() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap()
    }

    #[test]
    fn probe_is_false_on_a_plain_thread_and_inside_an_entered_handle() {
        assert!(!probe());
        let rt = current_thread();
        let _entered = rt.enter();
        assert!(!probe(), "entering a handle is not running async code");
    }

    #[test]
    fn probe_is_true_in_a_current_thread_runtime_block_on_its_tasks_and_a_local_set() {
        let rt = current_thread();
        rt.block_on(async {
            assert!(probe(), "block_on future");
            assert!(tokio::spawn(async { probe() }).await.unwrap(), "task");
            let local = tokio::task::LocalSet::new();
            let in_local = local
                .run_until(async { tokio::task::spawn_local(async { probe() }).await.unwrap() })
                .await;
            assert!(in_local, "LocalSet task");
        });
    }

    #[test]
    fn probe_is_true_in_a_multi_thread_worker_task() {
        let rt = multi_thread();
        assert!(rt.block_on(rt.spawn(async { probe() })).unwrap());
    }

    #[test]
    fn probe_is_false_where_blocking_is_allowed() {
        let rt = current_thread();
        let on_blocking_thread = rt.block_on(rt.spawn_blocking(probe)).unwrap();
        assert!(
            !on_blocking_thread,
            "spawn_blocking, current-thread runtime"
        );
        let rt = multi_thread();
        let on_blocking_thread = rt.block_on(rt.spawn_blocking(probe)).unwrap();
        assert!(!on_blocking_thread, "spawn_blocking, multi-thread runtime");
        let in_place = rt
            .block_on(rt.spawn(async { tokio::task::block_in_place(probe) }))
            .unwrap();
        assert!(!in_place, "block_in_place");
        // The documented gap: a multi-thread runtime's `block_on` future runs outside the
        // scheduler (blocking there parks only the calling thread).
        assert!(!rt.block_on(async { probe() }));
    }
}
