//! Actors: the [`Actor`] trait, its address [`Addr`], its [`ActorHandle`], and how it is spawned
//! ([`ActorOptions`]) on any [`Runtime`](crate::runtime::Runtime).
//!
//! An actor owns its state and handles one message at a time, in the order each sender sent
//! them. The run loop that drives it exists once, in this crate; the adapter crates
//! (`ryker-tokio`, `ryker-smol`, `ryker-asyncstd`) only tell it how to spawn, yield, sleep and
//! read the clock.
//!
//! ```
//! use ryker_core::actor::{Actor, ActorOptions, Context, Reply};
//! # use ryker_core::runtime::Runtime;
//! # // A runtime that runs each task on a thread of its own, joined at the end.
//! # static THREADS: std::sync::Mutex<Vec<std::thread::JoinHandle<()>>> = std::sync::Mutex::new(Vec::new());
//! # #[derive(Clone)] struct Rt;
//! # impl Runtime for Rt {
//! #     type Instant = std::time::Instant;
//! #     fn spawn<F: std::future::Future<Output = ()> + Send + 'static>(&self, f: F) {
//! #         let t = std::thread::spawn(move || ryker_core::blocking::block_on(f));
//! #         THREADS.lock().unwrap().push(t);
//! #     }
//! #     fn sleep(&self, d: std::time::Duration) -> impl std::future::Future<Output = ()> + Send + 'static {
//! #         async move { std::thread::sleep(d) }
//! #     }
//! #     fn now(&self) -> std::time::Instant { std::time::Instant::now() }
//! # }
//! enum Msg {
//!     Add(u64),
//!     Get(Reply<u64>),
//! }
//!
//! struct Counter(u64);
//!
//! impl Actor for Counter {
//!     type Msg = Msg;
//!     async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) {
//!         match msg {
//!             Msg::Add(n) => self.0 += n,
//!             Msg::Get(reply) => { let _ = reply.send(self.0); }
//!         }
//!     }
//! }
//!
//! # ryker_core::blocking::block_on(async {
//! let handle = ActorOptions::default().spawn(&Rt, Counter(0)).unwrap();
//! let addr = handle.addr();
//! addr.tell(Msg::Add(2)).await.unwrap();
//! addr.try_tell(Msg::Add(3)).unwrap();
//! assert_eq!(addr.ask(Msg::Get).await, Ok(5));
//! let report = handle.shutdown().await.unwrap();
//! assert_eq!(report.handled, 3);
//! # });
//! # for t in THREADS.lock().unwrap().drain(..) { t.join().unwrap(); }
//! ```

use alloc::boxed::Box;
use alloc::string::String;
use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::time::Duration;

pub use crate::config::ActorConfig;
#[cfg(feature = "toml")]
pub use crate::config::ConfigFileError;
use crate::driver::{self, ActorShared};
use crate::error::ConfigError;
pub use crate::error::{AskError, JoinError, SendError, SendTimeoutError, TrySendError};
pub use crate::mailbox::Sent;
use crate::mailbox::{self, MailboxStats, Sender, WeakSender};
use crate::observe::Envelope;
use crate::runtime::Runtime;

/// An actor: state plus a handler for its messages.
///
/// Implement `handle` with `async fn`; `started` and `stopped` are optional. The futures they
/// return must be `Send` (the actor may move between worker threads between messages).
///
/// Panics in `handle` are caught (under `std`) and dealt with by the actor's
/// [`Supervision`] policy.
pub trait Actor: Send + Sized + 'static {
    /// The messages this actor handles.
    type Msg: Send + 'static;

    /// Handles one message. Messages from one sender arrive in the order they were sent.
    fn handle(
        &mut self,
        msg: Self::Msg,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send;

    /// Runs once before the first message (and again on each fresh actor after a restart).
    fn started(&mut self, ctx: &mut Context<Self>) -> impl Future<Output = ()> + Send {
        let _ = ctx;
        async {}
    }

    /// Runs once after the last message, when the actor stops by shutdown, by
    /// [`Context::stop`], because every [`Addr`] is gone, or by abort. It does not run after a
    /// panic (the actor's state may be broken; its `Drop` still runs).
    fn stopped(&mut self, ctx: &mut Context<Self>) -> impl Future<Output = ()> + Send {
        let _ = ctx;
        async {}
    }
}

/// The mailbox type of an actor.
pub(crate) type Mail<A> = Envelope<<A as Actor>::Msg>;

/// What an actor sees of itself while it handles a message.
pub struct Context<A: Actor> {
    pub(crate) weak: WeakSender<Mail<A>, ActorShared>,
    pub(crate) stop: bool,
    _actor: PhantomData<fn() -> A>,
}

impl<A: Actor> Context<A> {
    pub(crate) fn new(weak: WeakSender<Mail<A>, ActorShared>) -> Self {
        Self {
            weak,
            stop: false,
            _actor: PhantomData,
        }
    }

    /// The actor's name (from [`ActorOptions::name`], or its type's name).
    pub fn name(&self) -> &str {
        self.weak.attachment().name()
    }

    /// The actor's own address, while any other address is alive (an actor does not keep
    /// itself alive: once every [`Addr`] and the [`ActorHandle`] are gone, it drains its
    /// mailbox and stops, and this returns `None`).
    pub fn addr(&self) -> Option<Addr<A>> {
        self.weak.upgrade().map(Addr::from_sender)
    }

    /// Stops the actor gracefully after this message: the mailbox closes now (senders get
    /// `Closed`), every message accepted before is still handled, then `stopped` runs.
    pub fn stop(&mut self) {
        self.stop = true;
        self.weak.close();
    }

    /// Whether [`Context::stop`] was called.
    pub fn is_stopping(&self) -> bool {
        self.stop
    }
}

impl<A: Actor> fmt::Debug for Context<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("name", &self.name())
            .field("stop", &self.stop)
            .finish()
    }
}

/// The address of an actor: send it messages. Cheap to clone (one reference count), `Send` and
/// `Sync`. The actor runs while any `Addr` (or its [`ActorHandle`]) is alive; when the last
/// one goes, it handles what is queued and stops.
pub struct Addr<A: Actor> {
    tx: Sender<Mail<A>, ActorShared>,
}

impl<A: Actor> Clone for Addr<A> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
        }
    }
}

impl<A: Actor> fmt::Debug for Addr<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Addr")
            .field("name", &self.name())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<A: Actor> Addr<A> {
    pub(crate) fn from_sender(tx: Sender<Mail<A>, ActorShared>) -> Self {
        Self { tx }
    }

    #[inline]
    fn envelope(&self, msg: A::Msg) -> Mail<A> {
        Envelope {
            msg,
            stamp: self.tx.attachment().observer.stamp(),
        }
    }

    /// Sends without waiting.
    ///
    /// # Errors
    /// As the mailbox reports it: `Busy(msg)` when full under `Overflow::Busy` (handed back),
    /// `Dropped` when full under `Overflow::DropNewest` (counted), `Closed(msg)` when the actor
    /// stopped or is stopping (handed back). Under `Overflow::DropOldest` the oldest queued
    /// message is evicted (counted) and this returns `Ok(Sent::DisplacedOldest)`.
    #[inline]
    pub fn try_tell(&self, msg: A::Msg) -> Result<Sent, TrySendError<A::Msg>> {
        self.tx.try_send(self.envelope(msg)).map_err(|e| match e {
            TrySendError::Busy(env) => TrySendError::Busy(env.msg),
            TrySendError::Dropped => TrySendError::Dropped,
            TrySendError::Closed(env) => TrySendError::Closed(env.msg),
        })
    }

    /// Sends, waiting for space while the mailbox is full under `Overflow::Busy`
    /// (backpressure; waiting senders are served in arrival order). Under the drop policies it
    /// never waits: it behaves as [`Addr::try_tell`].
    ///
    /// # Errors
    /// `Closed(msg)` if the actor stopped (or stops while this waits): the message is handed
    /// back. `Dropped` under `Overflow::DropNewest` with a full mailbox.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future before it completes leaves the message unsent (it is
    /// dropped with the future); it never arrives later.
    pub async fn tell(&self, msg: A::Msg) -> Result<Sent, SendError<A::Msg>> {
        self.tx.send(self.envelope(msg)).await.map_err(|e| match e {
            SendError::Dropped => SendError::Dropped,
            SendError::Closed(env) => SendError::Closed(env.msg),
        })
    }

    /// Sends, waiting at most `timeout` for space.
    ///
    /// The timer (from the actor's runtime) is only started when the mailbox is full; that
    /// slow path allocates it once.
    ///
    /// # Errors
    /// `Timeout(msg)` when no space freed up in time (the message is handed back: a service
    /// maps this, like `Busy`, to 429 or 503); otherwise as [`Addr::tell`].
    ///
    /// # Cancel safety
    /// As [`Addr::tell`].
    pub async fn tell_timeout(
        &self,
        msg: A::Msg,
        timeout: Duration,
    ) -> Result<Sent, SendTimeoutError<A::Msg>> {
        let env = match self.tx.try_send(self.envelope(msg)) {
            Ok(sent) => return Ok(sent),
            Err(TrySendError::Dropped) => return Err(SendTimeoutError::Dropped),
            Err(TrySendError::Closed(env)) => return Err(SendTimeoutError::Closed(env.msg)),
            Err(TrySendError::Busy(env)) => env,
        };
        let shared = self.tx.attachment();
        let mut sleep = shared.sleep(timeout);
        let mut reserve = core::pin::pin!(self.tx.reserve());
        let outcome = core::future::poll_fn(|cx| {
            if let core::task::Poll::Ready(permit) = reserve.as_mut().poll(cx) {
                return core::task::Poll::Ready(Some(permit));
            }
            sleep.as_mut().poll(cx).map(|()| None)
        })
        .await;
        match outcome {
            Some(Ok(permit)) => {
                permit.send(env);
                Ok(Sent::Queued)
            }
            Some(Err(crate::error::Closed)) => Err(SendTimeoutError::Closed(env.msg)),
            None => {
                shared.observer.on_timeout();
                Err(SendTimeoutError::Timeout(env.msg))
            }
        }
    }

    /// Request-reply: builds the request around a [`Reply`] with `make`, sends it as
    /// [`Addr::tell`] does, and waits for the handler's answer. One allocation per call (the
    /// reply slot).
    ///
    /// # Errors
    /// `Closed` if the actor stopped before the request was queued, `Dropped` under
    /// `Overflow::DropNewest` with a full mailbox, `NoReply` if the request was queued but the
    /// handler dropped the [`Reply`] unanswered (or panicked, or the actor was aborted).
    ///
    /// # Cancel safety
    /// Cancel safe: dropped before the request was queued, it is never handled; dropped after,
    /// the handler still runs and its answer is discarded.
    pub async fn ask<R: Send + 'static>(
        &self,
        make: impl FnOnce(Reply<R>) -> A::Msg,
    ) -> Result<R, AskError> {
        let (reply, answer) = futures_channel::oneshot::channel();
        match self.tell(make(Reply(reply))).await {
            Ok(_) => {}
            Err(SendError::Closed(_)) => return Err(AskError::Closed),
            Err(SendError::Dropped) => return Err(AskError::Dropped),
        }
        answer.await.map_err(|_| AskError::NoReply)
    }

    /// Sends from a plain thread, parking it while the mailbox is full (as [`Addr::tell`]).
    ///
    /// Not for async code: parking a thread that runs an async runtime's tasks stalls the
    /// runtime (a single-threaded one for good, if the actor runs on it). Use
    /// [`Addr::tell`]`.await` there, or call this from a thread meant for blocking (tokio's
    /// `spawn_blocking`).
    ///
    /// # Errors
    /// As [`Addr::tell`].
    ///
    /// # Panics
    /// When it would have to wait inside async code that a runtime adapter can recognise
    /// (`ryker-tokio`, `ryker-asyncstd`; see
    /// [`AsyncContextProbe`](crate::blocking::AsyncContextProbe)), with a message saying what
    /// to call instead.
    #[cfg(feature = "std")]
    pub fn blocking_tell(&self, msg: A::Msg) -> Result<Sent, SendError<A::Msg>> {
        self.tx
            .blocking_send(self.envelope(msg))
            .map_err(|e| match e {
                SendError::Dropped => SendError::Dropped,
                SendError::Closed(env) => SendError::Closed(env.msg),
            })
    }

    /// The former name of [`blocking_tell`](Self::blocking_tell).
    #[cfg(feature = "std")]
    #[deprecated(
        since = "0.1.0",
        note = "renamed to `blocking_tell`, as tokio names its blocking calls"
    )]
    pub fn tell_blocking(&self, msg: A::Msg) -> Result<Sent, SendError<A::Msg>> {
        self.blocking_tell(msg)
    }

    /// Whether the actor's mailbox is closed (the actor stopped or is stopping).
    #[inline]
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// The actor's name.
    pub fn name(&self) -> &str {
        self.tx.attachment().name()
    }

    /// Messages queued now (a snapshot).
    pub fn len(&self) -> usize {
        self.tx.len()
    }

    /// Whether nothing is queued now (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.tx.is_empty()
    }

    /// The mailbox's capacity.
    pub fn capacity(&self) -> usize {
        self.tx.capacity()
    }

    /// The mailbox's counters.
    pub fn stats(&self) -> MailboxStats {
        self.tx.stats()
    }
}

/// Where the answer to an [`Addr::ask`] goes: the handler calls [`Reply::send`].
pub struct Reply<R>(futures_channel::oneshot::Sender<R>);

impl<R> Reply<R> {
    /// Answers the request.
    ///
    /// # Errors
    /// The value back, if the asker gave up waiting (dropped its `ask` future).
    pub fn send(self, value: R) -> Result<(), R> {
        self.0.send(value)
    }

    /// Whether the asker gave up waiting (an answer would be discarded).
    pub fn is_canceled(&self) -> bool {
        self.0.is_canceled()
    }
}

impl<R> fmt::Debug for Reply<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply")
            .field("canceled", &self.is_canceled())
            .finish()
    }
}

/// What happens when `handle` panics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Supervision {
    /// The actor stops: the mailbox closes (senders see `Closed`), every message still queued
    /// is handed to the dead-letter hook as [`DeadLetter::Undelivered`], and the report says
    /// `Exit::Panicked`.
    #[default]
    Stop,
    /// A fresh actor from the factory takes over the same mailbox and its queued messages;
    /// more than `max_restarts` restarts within `within` make it [`Supervision::Stop`].
    Restart {
        /// Restarts allowed within the window, `1..=4096`.
        max_restarts: usize,
        /// The sliding window, at least 1 ms.
        within: Duration,
    },
}

/// A message, or news of one, that an actor could not handle.
#[non_exhaustive]
pub enum DeadLetter<M> {
    /// A panic was caught: in `handle` (the message itself had been moved into the handler
    /// and was dropped during unwinding, so only the panic's text is here), in `started`,
    /// `stopped` or the restart factory, in the destructor of a message the actor discarded,
    /// or in this hook. A panic of the hook on a `Panicked` letter is counted in
    /// [`ActorReport::panics`] but not handed to the hook again.
    Panicked {
        /// The panic payload, if it was a string.
        panic: String,
    },
    /// A message that was queued when the actor stopped after a panic.
    Undelivered(M),
}

impl<M> fmt::Debug for DeadLetter<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Panicked { panic } => f.debug_struct("Panicked").field("panic", panic).finish(),
            Self::Undelivered(_) => f.write_str("Undelivered(..)"),
        }
    }
}

/// Why an actor stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Exit {
    /// [`ActorHandle::shutdown`]: mailbox closed, everything accepted before was handled.
    Shutdown,
    /// [`Context::stop`]: the same, asked for by the actor itself.
    Stopped,
    /// Every [`Addr`] and the [`ActorHandle`] were dropped: everything queued was handled.
    Released,
    /// `handle` panicked and the supervision policy (or its restart limit) stopped the actor.
    Panicked,
    /// [`ActorHandle::abort`]: the message in progress was cancelled at its next `.await`,
    /// the queued ones were discarded (counted in [`ActorReport::discarded`]).
    Aborted,
}

/// An actor's final figures, returned by [`ActorHandle::shutdown`], [`ActorHandle::abort`] and
/// [`ActorHandle::join`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ActorReport {
    /// The actor's name.
    pub name: String,
    /// Why it stopped.
    pub exit: Exit,
    /// Messages whose handler ran to completion.
    pub handled: u64,
    /// Panics caught: in handlers, `started`, `stopped`, the restart factory and the
    /// dead-letter hook, and in the destructors of messages discarded (by an abort, also the
    /// one a cut-short handler held) or handed on as undelivered while the actor stopped. The
    /// same panics are counted whether or not a dead-letter hook is installed.
    pub panics: u64,
    /// Fresh actors made by the supervisor.
    pub restarts: u64,
    /// Messages handed to the dead-letter hook as undelivered after a panic stopped the actor.
    pub undelivered: u64,
    /// Messages discarded by `abort` (queued ones, plus the one in progress if any).
    pub discarded: u64,
    /// The mailbox's counters at the end, exact: `received` is what the loop took from the
    /// mailbox (handled, panicked on, discarded or undelivered), and
    /// `accepted == received + dropped_oldest + discarded`, also when senders were still
    /// evicting under `DropOldest` as the actor stopped (their evictions are counted here).
    pub mailbox: MailboxStats,
}

/// The hook dead letters go to.
pub(crate) type DeadLetterHook<M> = Box<dyn FnMut(DeadLetter<M>) + Send>;
/// Makes a fresh actor for a restart.
pub(crate) type Factory<A> = Box<dyn FnMut() -> A + Send>;

/// How to spawn an actor: its configuration, name, supervision and dead-letter hook.
///
/// ```
/// use std::time::Duration;
/// use ryker_core::actor::{Actor, ActorConfig, ActorOptions, Context, DeadLetter};
/// struct Worker;
/// impl Actor for Worker {
///     type Msg = u32;
///     async fn handle(&mut self, _: u32, _: &mut Context<Self>) {}
/// }
/// let options = ActorOptions::<Worker>::new(ActorConfig { batch_size: 8, ..Default::default() })
///     .name("worker-1")
///     .restart(3, Duration::from_secs(10), || Worker)
///     .dead_letters(|letter: DeadLetter<u32>| eprintln!("dead letter: {letter:?}"));
/// # let _ = options;
/// ```
pub struct ActorOptions<A: Actor> {
    pub(crate) config: ActorConfig,
    pub(crate) name: Option<String>,
    pub(crate) supervision: Supervision,
    pub(crate) factory: Option<Factory<A>>,
    pub(crate) dead_letters: Option<DeadLetterHook<A::Msg>>,
}

impl<A: Actor> Default for ActorOptions<A> {
    fn default() -> Self {
        Self::new(ActorConfig::default())
    }
}

impl<A: Actor> fmt::Debug for ActorOptions<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActorOptions")
            .field("config", &self.config)
            .field("name", &self.name)
            .field("supervision", &self.supervision)
            .field("dead_letters", &self.dead_letters.is_some())
            .finish()
    }
}

impl<A: Actor> ActorOptions<A> {
    /// The most restarts [`ActorOptions::restart`] allows within its window.
    pub const MAX_RESTARTS: usize = 4096;

    /// The shortest restart window [`ActorOptions::restart`] allows. A shorter one can expire
    /// between two restarts (a restart, its yield and the next panic may take that long on a
    /// busy worker), so the restart limit would seldom apply and an actor that panics on every
    /// restart would be restarted indefinitely. Such an actor still gives its worker back
    /// after each panic and can still be aborted; the window only decides when it gives up.
    pub const MIN_RESTART_WINDOW: Duration = Duration::from_millis(1);

    /// Options with `config`, the type's name, [`Supervision::Stop`] and no dead-letter hook
    /// (dead letters are then dropped, and counted in the report).
    pub fn new(config: ActorConfig) -> Self {
        Self {
            config,
            name: None,
            supervision: Supervision::Stop,
            factory: None,
            dead_letters: None,
        }
    }

    /// The actor's name, used in metrics labels, spans and reports.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Restart a panicked actor with a fresh one from `factory`, at most `max_restarts` times
    /// within `within` (a sliding window); one more panic within the window stops it as
    /// [`Supervision::Stop`] does.
    ///
    /// `max_restarts` must be `1..=4096` ([`ActorOptions::MAX_RESTARTS`]) and `within` at
    /// least 1 ms ([`ActorOptions::MIN_RESTART_WINDOW`]); [`ActorOptions::spawn`] rejects
    /// anything else with a [`ConfigError`] naming `max_restarts` or `within`:
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use ryker_core::actor::{Actor, ActorOptions, Context};
    /// # use ryker_core::runtime::Runtime;
    /// # #[derive(Clone)] struct Rt;
    /// # impl Runtime for Rt {
    /// #     type Instant = std::time::Instant;
    /// #     fn spawn<F: std::future::Future<Output = ()> + Send + 'static>(&self, f: F) {
    /// #         std::thread::spawn(move || ryker_core::blocking::block_on(f));
    /// #     }
    /// #     fn sleep(&self, d: Duration) -> impl std::future::Future<Output = ()> + Send + 'static {
    /// #         async move { std::thread::sleep(d) }
    /// #     }
    /// #     fn now(&self) -> std::time::Instant { std::time::Instant::now() }
    /// # }
    /// struct Worker;
    /// impl Actor for Worker {
    ///     type Msg = ();
    ///     async fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    /// let err = ActorOptions::default()
    ///     .restart(3, Duration::ZERO, || Worker)
    ///     .spawn(&Rt, Worker)
    ///     .unwrap_err();
    /// assert_eq!(err.field(), "within");
    /// assert!(err.to_string().starts_with("invalid config: within = 0ns (allowed: 1 ms or more"));
    /// ```
    pub fn restart(
        mut self,
        max_restarts: usize,
        within: Duration,
        factory: impl FnMut() -> A + Send + 'static,
    ) -> Self {
        self.supervision = Supervision::Restart {
            max_restarts,
            within,
        };
        self.factory = Some(Box::new(factory));
        self
    }

    /// Where dead letters go: panics and the messages left undelivered when a panic stops the
    /// actor. A panic in the hook (or in the destructor of the message it was given) is caught,
    /// counted in [`ActorReport::panics`] and handed to the hook as [`DeadLetter::Panicked`];
    /// the hook stays installed. Without a hook, dead letters are dropped, and the panics of
    /// their destructors are counted the same way.
    pub fn dead_letters(mut self, hook: impl FnMut(DeadLetter<A::Msg>) + Send + 'static) -> Self {
        self.dead_letters = Some(Box::new(hook));
        self
    }

    /// The configuration these options carry.
    pub fn config(&self) -> &ActorConfig {
        &self.config
    }

    /// Spawns `actor` on `runtime` and returns its handle.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the invalid field, its value and the allowed range (nothing is
    /// spawned then).
    pub fn spawn<R: Runtime>(self, runtime: &R, actor: A) -> Result<ActorHandle<A>, ConfigError> {
        self.config.validate()?;
        if let Supervision::Restart {
            max_restarts,
            within,
        } = self.supervision
        {
            if self.factory.is_none() {
                return Err(ConfigError::restart_factory());
            }
            if max_restarts == 0 || max_restarts > Self::MAX_RESTARTS {
                return Err(ConfigError::max_restarts(max_restarts));
            }
            if within < Self::MIN_RESTART_WINDOW {
                return Err(ConfigError::restart_within(within));
            }
        }
        let name = self
            .name
            .clone()
            .unwrap_or_else(|| short_type_name::<A>().into());
        let shared = ActorShared::new(name, runtime.clone());
        let (tx, rx) = mailbox::try_channel_with(self.config.mailbox, shared)?;
        let (done_tx, done_rx) = futures_channel::oneshot::channel();
        let weak = tx.downgrade();
        runtime.spawn(driver::run(
            runtime.clone(),
            actor,
            rx,
            weak.clone(),
            self,
            done_tx,
        ));
        Ok(ActorHandle {
            addr: Addr::from_sender(tx),
            done: done_rx,
        })
    }
}

/// The last path segment of `A`'s type name (generic arguments kept).
fn short_type_name<A>() -> &'static str {
    let full = core::any::type_name::<A>();
    let base = full.split('<').next().unwrap_or(full);
    match base.rfind("::") {
        Some(i) => &full[i + 2..],
        None => full,
    }
}

/// Owns a running actor: get its address, shut it down, abort it, or wait for it.
///
/// Dropping the handle detaches it: the actor keeps running while any [`Addr`] is alive, then
/// handles what is queued and stops.
pub struct ActorHandle<A: Actor> {
    addr: Addr<A>,
    done: futures_channel::oneshot::Receiver<ActorReport>,
}

impl<A: Actor> fmt::Debug for ActorHandle<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActorHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl<A: Actor> ActorHandle<A> {
    /// The actor's address (a clone; the handle keeps its own).
    pub fn addr(&self) -> Addr<A> {
        self.addr.clone()
    }

    /// The actor's name.
    pub fn name(&self) -> &str {
        self.addr.name()
    }

    /// Closes the mailbox (senders get `Closed` from now on, waiting ones at once), lets the
    /// actor handle every message accepted before the close, runs `stopped`, and returns the
    /// final report.
    ///
    /// # Errors
    /// [`JoinError`] if the runtime dropped the actor's task before it finished.
    pub async fn shutdown(self) -> Result<ActorReport, JoinError> {
        self.addr.tx.attachment().request_shutdown();
        self.addr.tx.close();
        self.join().await
    }

    /// The hard stop: closes the mailbox, cancels the message in progress at its next
    /// `.await`, discards (drops) every queued message, runs `stopped`, and returns the report,
    /// whose `discarded` says how many messages were thrown away. (A `started` hook still
    /// running is let finish first: `started` and `stopped` always come in pairs.)
    ///
    /// # Errors
    /// [`JoinError`] if the runtime dropped the actor's task before it finished.
    pub async fn abort(self) -> Result<ActorReport, JoinError> {
        self.addr.tx.attachment().request_abort();
        self.addr.tx.close();
        self.join().await
    }

    /// Waits for the actor to stop by itself (every `Addr` gone, [`Context::stop`], or a
    /// panic under [`Supervision::Stop`]). The handle's own address is released first, so
    /// this does not keep the actor alive.
    ///
    /// # Errors
    /// [`JoinError`] if the runtime dropped the actor's task before it finished.
    pub async fn join(self) -> Result<ActorReport, JoinError> {
        let Self { addr, done } = self;
        drop(addr);
        done.await.map_err(|_| JoinError)
    }

    /// Whether the actor has finished.
    pub fn is_finished(&self) -> bool {
        self.addr.tx.attachment().is_finished()
    }
}
