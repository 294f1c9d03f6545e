//! [`ActorHandle`]: the owner's control over a running actor.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::addr::{watch_stop, Addr};
use super::context::{Actor, Mail};
use super::report::{ActorReport, Exit};
use super::shared::ActorShared;
use crate::error::JoinError;
use crate::mailbox::WeakSender;

/// Owns a running actor: get its address, ask it to shut down or abort, and wait for its
/// report.
///
/// [`shutdown`](Self::shutdown) and [`abort`](Self::abort) are requests on `&self` that
/// return at once; [`join`](Self::join) (or awaiting the handle itself, as a tokio
/// `JoinHandle`) waits for the report. So a graceful stop with a deadline escalates like this
/// (here the deadline is a `select` against the runtime's `sleep`; with tokio, wrap the join in
/// `tokio::time::timeout`):
///
/// ```
/// use std::time::Duration;
/// use futures::future::{select, Either};
/// use ryker_core::actor::{Actor, Context, Exit, SpawnActor};
/// # use ryker_core::runtime::Runtime;
/// # // A runtime that runs each task on a thread of its own; its timer is a thread too.
/// # #[derive(Clone)] struct Rt;
/// # impl Runtime for Rt {
/// #     type Instant = std::time::Instant;
/// #     fn spawn<F: std::future::Future<Output = ()> + Send + 'static>(&self, f: F) {
/// #         std::thread::spawn(move || ryker_core::blocking::block_on(f));
/// #     }
/// #     fn sleep(&self, d: std::time::Duration) -> impl std::future::Future<Output = ()> + Send + 'static {
/// #         let (tx, rx) = futures::channel::oneshot::channel::<()>();
/// #         std::thread::spawn(move || { std::thread::sleep(d); let _ = tx.send(()); });
/// #         async move { let _ = rx.await; }
/// #     }
/// #     fn now(&self) -> std::time::Instant { std::time::Instant::now() }
/// # }
/// /// An actor whose handler never finishes.
/// struct Stuck;
///
/// impl Actor for Stuck {
///     type Msg = ();
///     async fn handle(&mut self, _: (), _ctx: &mut Context<Self>) {
///         std::future::pending::<()>().await;
///     }
/// }
///
/// # ryker_core::blocking::block_on(async {
/// let mut handle = Rt.spawn_actor(Stuck);
/// handle.addr().try_tell(()).unwrap();
///
/// handle.shutdown();
/// let deadline = std::pin::pin!(Rt.sleep(Duration::from_millis(50)));
/// let joined = match select(handle.join(), deadline).await {
///     Either::Left((report, _)) => Some(report),
///     Either::Right(((), _)) => None,
/// };
/// let report = match joined {
///     Some(report) => report,
///     None => {
///         handle.abort(); // cancels the handler in progress, discards the queue
///         handle.join().await
///     }
/// }
/// .unwrap();
/// assert_eq!(report.exit, Exit::Aborted);
/// assert_eq!((report.handled, report.discarded), (0, 1));
/// # });
/// ```
/// (This sequence runs on every runtime in the conformance suite,
/// `stop::shutdown_then_timeout_then_abort`.)
///
/// Dropping the handle detaches it: the actor keeps running while any [`Addr`] is alive, then
/// handles what is queued and stops.
pub struct ActorHandle<A: Actor> {
    /// The handle's own address: it keeps the actor alive until the handle is first joined.
    addr: Option<Addr<A>>,
    /// Reaches the actor's state without keeping it alive.
    weak: WeakSender<Mail<A>, ActorShared>,
    done: crate::oneshot::OneshotReceiver<ActorReport>,
    /// The outcome, once joined (a second join gets it again).
    outcome: Option<Result<ActorReport, JoinError>>,
}

impl<A: Actor> fmt::Debug for ActorHandle<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActorHandle")
            .field("name", &self.name())
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}

impl<A: Actor> ActorHandle<A> {
    pub(super) fn new(addr: Addr<A>, done: crate::oneshot::OneshotReceiver<ActorReport>) -> Self {
        Self {
            weak: addr.weak_sender(),
            addr: Some(addr),
            done,
            outcome: None,
        }
    }

    /// The actor's address (a clone). After the handle was joined, when the actor has
    /// stopped and no other address is alive, an address whose sends fail with `Closed`.
    ///
    /// ```
    /// use ryker_core::actor::{Actor, Context, SpawnActor, TrySendError};
    /// # use ryker_core::runtime::Runtime;
    /// # // A runtime that runs each task on a thread of its own; its timer is a thread too.
    /// # #[derive(Clone)] struct Rt;
    /// # impl Runtime for Rt {
    /// #     type Instant = std::time::Instant;
    /// #     fn spawn<F: std::future::Future<Output = ()> + Send + 'static>(&self, f: F) {
    /// #         std::thread::spawn(move || ryker_core::blocking::block_on(f));
    /// #     }
    /// #     fn sleep(&self, d: std::time::Duration) -> impl std::future::Future<Output = ()> + Send + 'static {
    /// #         let (tx, rx) = futures::channel::oneshot::channel::<()>();
    /// #         std::thread::spawn(move || { std::thread::sleep(d); let _ = tx.send(()); });
    /// #         async move { let _ = rx.await; }
    /// #     }
    /// #     fn now(&self) -> std::time::Instant { std::time::Instant::now() }
    /// # }
    /// struct Worker;
    /// impl Actor for Worker {
    ///     type Msg = u32;
    ///     async fn handle(&mut self, _: u32, _ctx: &mut Context<Self>) {}
    /// }
    ///
    /// let mut handle = Rt.spawn_actor(Worker);
    /// handle.addr().try_tell(1).unwrap();
    /// handle.shutdown();
    /// ryker_core::blocking::block_on(handle.join()).unwrap();
    /// assert_eq!(handle.addr().try_tell(2), Err(TrySendError::Closed(2)));
    /// ```
    pub fn addr(&self) -> Addr<A> {
        match &self.addr {
            Some(addr) => addr.clone(),
            None => Addr::from_sender(self.weak.upgrade_or_closed()),
        }
    }

    /// The actor's name.
    ///
    /// ```
    /// use ryker_core::actor::{Actor, ActorOptions, Context, SpawnActor};
    /// # use ryker_core::runtime::Runtime;
    /// # // A runtime that runs each task on a thread of its own; its timer is a thread too.
    /// # #[derive(Clone)] struct Rt;
    /// # impl Runtime for Rt {
    /// #     type Instant = std::time::Instant;
    /// #     fn spawn<F: std::future::Future<Output = ()> + Send + 'static>(&self, f: F) {
    /// #         std::thread::spawn(move || ryker_core::blocking::block_on(f));
    /// #     }
    /// #     fn sleep(&self, d: std::time::Duration) -> impl std::future::Future<Output = ()> + Send + 'static {
    /// #         let (tx, rx) = futures::channel::oneshot::channel::<()>();
    /// #         std::thread::spawn(move || { std::thread::sleep(d); let _ = tx.send(()); });
    /// #         async move { let _ = rx.await; }
    /// #     }
    /// #     fn now(&self) -> std::time::Instant { std::time::Instant::now() }
    /// # }
    /// struct Worker;
    /// impl Actor for Worker {
    ///     type Msg = u32;
    ///     async fn handle(&mut self, _: u32, _ctx: &mut Context<Self>) {}
    /// }
    ///
    /// let named = Rt.spawn_actor_with_options(Worker, ActorOptions::default().name("db")).unwrap();
    /// assert_eq!(named.name(), "db");
    /// assert!(Rt.spawn_actor(Worker).name().starts_with("Worker-"));
    /// # named.shutdown();
    /// ```
    pub fn name(&self) -> &str {
        self.weak.attachment().name()
    }

    /// Asks for a graceful stop and returns at once: closes the mailbox (senders get `Closed`
    /// from now on, waiting ones at once); the actor handles every message accepted before
    /// the close, runs `stopped`, and sends its report (`Exit::Shutdown`) to
    /// [`join`](Self::join). Calling it again, or after an abort, changes nothing.
    ///
    /// ```
    /// use ryker_core::actor::{Actor, Context, Exit, SendError, SpawnActor};
    /// # use ryker_core::runtime::Runtime;
    /// # // A runtime that runs each task on a thread of its own; its timer is a thread too.
    /// # #[derive(Clone)] struct Rt;
    /// # impl Runtime for Rt {
    /// #     type Instant = std::time::Instant;
    /// #     fn spawn<F: std::future::Future<Output = ()> + Send + 'static>(&self, f: F) {
    /// #         std::thread::spawn(move || ryker_core::blocking::block_on(f));
    /// #     }
    /// #     fn sleep(&self, d: std::time::Duration) -> impl std::future::Future<Output = ()> + Send + 'static {
    /// #         let (tx, rx) = futures::channel::oneshot::channel::<()>();
    /// #         std::thread::spawn(move || { std::thread::sleep(d); let _ = tx.send(()); });
    /// #         async move { let _ = rx.await; }
    /// #     }
    /// #     fn now(&self) -> std::time::Instant { std::time::Instant::now() }
    /// # }
    /// struct Worker;
    /// impl Actor for Worker {
    ///     type Msg = u32;
    ///     async fn handle(&mut self, _: u32, _ctx: &mut Context<Self>) {}
    /// }
    ///
    /// # ryker_core::blocking::block_on(async {
    /// let mut handle = Rt.spawn_actor(Worker);
    /// let addr = handle.addr();
    /// for n in 0..3 {
    ///     addr.tell(n).await.unwrap();
    /// }
    /// handle.shutdown();
    /// assert_eq!(addr.tell(3).await, Err(SendError::Closed(3)));
    /// let report = handle.join().await.unwrap();
    /// assert_eq!((report.exit, report.handled), (Exit::Shutdown, 3)); // all three accepted ones
    /// # });
    /// ```
    pub fn shutdown(&self) {
        self.weak.attachment().request_shutdown();
        self.weak.close();
    }

    /// Asks for the hard stop and returns at once: closes the mailbox, cancels the message in
    /// progress at its next `.await`, discards (drops) every queued message, runs `stopped`,
    /// and sends the report (`Exit::Aborted`, with `discarded` saying how many messages were
    /// thrown away) to [`join`](Self::join). A `started` hook still running is let finish
    /// first: `started` and `stopped` always come in pairs. Also escalates a
    /// [`shutdown`](Self::shutdown) that takes too long.
    ///
    /// An abort also cuts short, at its next `.await`, a `stopped` that was already running
    /// when it was requested: one a shutdown began (the exit is then `Exit::Aborted`, with
    /// nothing discarded: the shutdown had handled the queue; also when the abort came after
    /// the loop took the shutdown's end but before `stopped` began), or one an earlier abort
    /// began (aborts requested before that `stopped` began, however many, let it run).
    /// So "abort, then join" ends a stop whose `stopped` hangs; the `stopped` an abort itself
    /// begins still runs, until the next abort.
    ///
    /// The queued messages are discarded, even those queued while `started` still ran:
    ///
    /// ```
    /// use futures::channel::oneshot;
    /// use ryker_core::actor::{Actor, Context, Exit, SpawnActor};
    /// # use ryker_core::runtime::Runtime;
    /// # // A runtime that runs each task on a thread of its own; its timer is a thread too.
    /// # #[derive(Clone)] struct Rt;
    /// # impl Runtime for Rt {
    /// #     type Instant = std::time::Instant;
    /// #     fn spawn<F: std::future::Future<Output = ()> + Send + 'static>(&self, f: F) {
    /// #         std::thread::spawn(move || ryker_core::blocking::block_on(f));
    /// #     }
    /// #     fn sleep(&self, d: std::time::Duration) -> impl std::future::Future<Output = ()> + Send + 'static {
    /// #         let (tx, rx) = futures::channel::oneshot::channel::<()>();
    /// #         std::thread::spawn(move || { std::thread::sleep(d); let _ = tx.send(()); });
    /// #         async move { let _ = rx.await; }
    /// #     }
    /// #     fn now(&self) -> std::time::Instant { std::time::Instant::now() }
    /// # }
    /// /// Reads no message until its gate opens.
    /// struct Gated(Option<oneshot::Receiver<()>>);
    ///
    /// impl Actor for Gated {
    ///     type Msg = u32;
    ///     async fn started(&mut self, _ctx: &mut Context<Self>) {
    ///         if let Some(gate) = self.0.take() {
    ///             let _ = gate.await;
    ///         }
    ///     }
    ///     async fn handle(&mut self, _: u32, _ctx: &mut Context<Self>) {}
    /// }
    ///
    /// let (open, gate) = oneshot::channel();
    /// let mut handle = Rt.spawn_actor(Gated(Some(gate)));
    /// for n in 0..3 {
    ///     handle.addr().try_tell(n).unwrap();
    /// }
    /// handle.abort();
    /// open.send(()).unwrap(); // `started` finishes; then the abort takes effect
    /// let report = ryker_core::blocking::block_on(handle.join()).unwrap();
    /// assert_eq!(report.exit, Exit::Aborted);
    /// assert_eq!((report.handled, report.discarded), (0, 3));
    /// ```
    pub fn abort(&self) {
        self.weak.attachment().request_abort();
        self.weak.close();
    }

    /// Waits for the actor's report: after [`shutdown`](Self::shutdown) or
    /// [`abort`](Self::abort), or when it stops by itself (every `Addr` gone,
    /// [`Context::stop`](super::Context::stop), or a panic under `Supervision::Stop`). The
    /// handle's own address is released when the join is first polled, so joining does not
    /// keep the actor alive. Awaiting the handle itself does the same.
    ///
    /// # Errors
    /// [`JoinError`] if the runtime dropped the actor's task before it finished.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future (a timeout fired) loses nothing; join again, after an
    /// [`abort`](Self::abort) if you like. Once the report has arrived, every later join
    /// returns it again.
    ///
    /// A join given up on (here by a deadline) can be tried again; a finished one returns the same
    /// report every time:
    ///
    /// ```
    /// use std::time::Duration;
    /// use futures::channel::oneshot;
    /// use futures::future::{select, Either};
    /// use ryker_core::actor::{Actor, Context, Exit, SpawnActor};
    /// # use ryker_core::runtime::Runtime;
    /// # // A runtime that runs each task on a thread of its own; its timer is a thread too.
    /// # #[derive(Clone)] struct Rt;
    /// # impl Runtime for Rt {
    /// #     type Instant = std::time::Instant;
    /// #     fn spawn<F: std::future::Future<Output = ()> + Send + 'static>(&self, f: F) {
    /// #         std::thread::spawn(move || ryker_core::blocking::block_on(f));
    /// #     }
    /// #     fn sleep(&self, d: std::time::Duration) -> impl std::future::Future<Output = ()> + Send + 'static {
    /// #         let (tx, rx) = futures::channel::oneshot::channel::<()>();
    /// #         std::thread::spawn(move || { std::thread::sleep(d); let _ = tx.send(()); });
    /// #         async move { let _ = rx.await; }
    /// #     }
    /// #     fn now(&self) -> std::time::Instant { std::time::Instant::now() }
    /// # }
    /// /// Reads no message until its gate opens.
    /// struct Gated(Option<oneshot::Receiver<()>>);
    ///
    /// impl Actor for Gated {
    ///     type Msg = u32;
    ///     async fn started(&mut self, _ctx: &mut Context<Self>) {
    ///         if let Some(gate) = self.0.take() {
    ///             let _ = gate.await;
    ///         }
    ///     }
    ///     async fn handle(&mut self, _: u32, _ctx: &mut Context<Self>) {}
    /// }
    ///
    /// # ryker_core::blocking::block_on(async {
    /// let (open, gate) = oneshot::channel();
    /// let mut handle = Rt.spawn_actor(Gated(Some(gate)));
    /// handle.addr().tell(1).await.unwrap();
    /// handle.shutdown();
    ///
    /// let deadline = std::pin::pin!(Rt.sleep(Duration::from_millis(10)));
    /// let timed_out = matches!(select(handle.join(), deadline).await, Either::Right(_));
    /// assert!(timed_out); // `started` still runs
    ///
    /// open.send(()).unwrap();
    /// let report = handle.join().await.unwrap();
    /// assert_eq!((report.exit, report.handled), (Exit::Shutdown, 1));
    /// assert_eq!(handle.join().await, Ok(report.clone()));
    /// assert_eq!(handle.await, Ok(report)); // awaiting the handle joins it too
    /// # });
    /// ```
    pub fn join(&mut self) -> Join<'_, A> {
        Join { handle: self }
    }

    /// Whether the actor has finished.
    ///
    /// ```
    /// use ryker_core::actor::{Actor, Context, SpawnActor};
    /// # use ryker_core::runtime::Runtime;
    /// # // A runtime that runs each task on a thread of its own; its timer is a thread too.
    /// # #[derive(Clone)] struct Rt;
    /// # impl Runtime for Rt {
    /// #     type Instant = std::time::Instant;
    /// #     fn spawn<F: std::future::Future<Output = ()> + Send + 'static>(&self, f: F) {
    /// #         std::thread::spawn(move || ryker_core::blocking::block_on(f));
    /// #     }
    /// #     fn sleep(&self, d: std::time::Duration) -> impl std::future::Future<Output = ()> + Send + 'static {
    /// #         let (tx, rx) = futures::channel::oneshot::channel::<()>();
    /// #         std::thread::spawn(move || { std::thread::sleep(d); let _ = tx.send(()); });
    /// #         async move { let _ = rx.await; }
    /// #     }
    /// #     fn now(&self) -> std::time::Instant { std::time::Instant::now() }
    /// # }
    /// struct Worker;
    /// impl Actor for Worker {
    ///     type Msg = u32;
    ///     async fn handle(&mut self, _: u32, _ctx: &mut Context<Self>) {}
    /// }
    ///
    /// let mut handle = Rt.spawn_actor(Worker);
    /// assert!(!handle.is_finished()); // the handle's own address keeps it running
    /// handle.shutdown();
    /// ryker_core::blocking::block_on(handle.join()).unwrap();
    /// assert!(handle.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.weak.attachment().is_finished()
    }

    /// Completes once the actor has stopped for good, as [`Addr::stopped`], through `&self`:
    /// any number of tasks may wait on one handle (where [`join`](Self::join), which answers
    /// the whole report, takes `&mut self`). Until it is joined, the handle's own address
    /// keeps the actor running, so waiting here ends nothing by itself: after a
    /// [`shutdown`](Self::shutdown) or an [`abort`](Self::abort), or for an actor that stops
    /// itself.
    ///
    /// # Errors
    /// [`JoinError`] if the runtime dropped the actor's task before it finished.
    ///
    /// # Cancel safety
    /// Cancel safe, as [`Addr::stopped`].
    ///
    /// ```
    /// use ryker_core::actor::{Actor, Context, Exit, SpawnActor};
    /// # use ryker_core::runtime::Runtime;
    /// # // A runtime that runs each task on a thread of its own; its timer is a thread too.
    /// # #[derive(Clone)] struct Rt;
    /// # impl Runtime for Rt {
    /// #     type Instant = std::time::Instant;
    /// #     fn spawn<F: std::future::Future<Output = ()> + Send + 'static>(&self, f: F) {
    /// #         std::thread::spawn(move || ryker_core::blocking::block_on(f));
    /// #     }
    /// #     fn sleep(&self, d: std::time::Duration) -> impl std::future::Future<Output = ()> + Send + 'static {
    /// #         async move { std::thread::sleep(d) }
    /// #     }
    /// #     fn now(&self) -> std::time::Instant { std::time::Instant::now() }
    /// # }
    /// struct Worker;
    /// impl Actor for Worker {
    ///     type Msg = u32;
    ///     async fn handle(&mut self, _: u32, _ctx: &mut Context<Self>) {}
    /// }
    ///
    /// let mut handle = Rt.spawn_actor(Worker);
    /// handle.abort();
    /// let exit = ryker_core::blocking::block_on(handle.stopped()).unwrap();
    /// assert_eq!(exit, Exit::Aborted);
    /// assert!(handle.is_finished());
    /// // The report is the join's.
    /// let report = ryker_core::blocking::block_on(handle.join()).unwrap();
    /// assert_eq!(report.exit, exit);
    /// ```
    pub async fn stopped(&self) -> Result<Exit, JoinError> {
        watch_stop(self.weak.attachment()).await
    }

    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<ActorReport, JoinError>> {
        self.addr = None;
        if let Some(outcome) = &self.outcome {
            return Poll::Ready(outcome.clone());
        }
        match Pin::new(&mut self.done).poll(cx) {
            Poll::Ready(done) => {
                let outcome = done.ok_or(JoinError);
                self.outcome = Some(outcome.clone());
                Poll::Ready(outcome)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Awaiting the handle joins it (see [`ActorHandle::join`]).
impl<A: Actor> Future for ActorHandle<A> {
    type Output = Result<ActorReport, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().poll_join(cx)
    }
}

/// The future of [`ActorHandle::join`].
#[must_use = "futures do nothing unless polled"]
pub struct Join<'a, A: Actor> {
    handle: &'a mut ActorHandle<A>,
}

impl<A: Actor> Future for Join<'_, A> {
    type Output = Result<ActorReport, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().handle.poll_join(cx)
    }
}

impl<A: Actor> fmt::Debug for Join<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join")
            .field("handle", &self.handle)
            .finish()
    }
}
