//! [`Addr`], an actor's address, and [`Reply`], where an answer to `ask` goes.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::fmt;
use core::future::Future;
use core::hash::{Hash, Hasher};
use core::pin::Pin;
use core::task::Poll;
use core::time::Duration;

use super::context::{Actor, Context, Mail};
use super::report::Exit;
use super::shared::{ActorShared, Sleeper, StopWatch};
use super::timer::{self, next_tick, Timer};
use crate::error::{
    AskError, AskTimeoutError, ConfigError, JoinError, SendError, SendTimeoutError, TrySendError,
};
use crate::mailbox::{MailboxStats, Sender, Sent, WeakSender};
use crate::observe::Envelope;

/// The address of an actor: send it messages. Cheap to clone (one reference count), `Send` and
/// `Sync`. The actor runs while any `Addr` (or its [`ActorHandle`]) is alive; when the last
/// one goes, it handles what is queued and stops.
///
/// [`ActorHandle`]: crate::actor::ActorHandle
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

/// An actor's address that does not keep it running ([`Addr::downgrade`]): the actor stops
/// when every [`Addr`] and its [`ActorHandle`] are gone, whatever `WeakAddr`s are left.
/// [`upgrade`](Self::upgrade) gives an [`Addr`] back while some `Addr` is alive. A `WeakAddr`
/// keeps the mailbox's memory (not the actor) until it is dropped.
///
/// Equal to another `WeakAddr` or an [`Addr`] of the same actor, and hashed as they are, so
/// it stays a usable key after the actor has stopped.
///
/// [`ActorHandle`]: crate::actor::ActorHandle
pub struct WeakAddr<A: Actor> {
    weak: WeakSender<Mail<A>, ActorShared>,
}

impl<A: Actor> WeakAddr<A> {
    /// The actor's address, while some [`Addr`] is alive (the [`ActorHandle`] holds one until
    /// it is joined); `None` once every one is gone. An address upgraded after a shutdown or an
    /// abort is one to a closed mailbox: its sends fail with `Closed`.
    ///
    /// ```
    /// # use ryker_core::actor::{Actor, Context, SpawnActor};
    /// # use ryker_core::runtime::Runtime;
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
    /// # struct Nop;
    /// # impl Actor for Nop {
    /// #     type Msg = ();
    /// #     async fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// # }
    /// let mut handle = Rt.spawn_actor(Nop);
    /// let weak = handle.addr().downgrade();
    /// weak.upgrade().expect("the handle keeps the actor running").try_tell(()).unwrap();
    /// handle.shutdown();
    /// ryker_core::blocking::block_on(handle.join()).unwrap(); // the handle lets its address go
    /// assert!(weak.upgrade().is_none());
    /// ```
    ///
    /// [`ActorHandle`]: crate::actor::ActorHandle
    pub fn upgrade(&self) -> Option<Addr<A>> {
        self.weak.upgrade().map(Addr::from_sender)
    }

    /// Whether the actor's mailbox is closed (it stops, or has stopped, taking nothing more).
    ///
    /// ```
    /// # use ryker_core::actor::{Actor, Context, SpawnActor};
    /// # use ryker_core::runtime::Runtime;
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
    /// # struct Nop;
    /// # impl Actor for Nop {
    /// #     type Msg = ();
    /// #     async fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// # }
    /// let handle = Rt.spawn_actor(Nop);
    /// let weak = handle.addr().downgrade();
    /// assert!(!weak.is_closed());
    /// handle.shutdown();
    /// assert!(weak.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.weak.is_closed()
    }

    /// The actor's name ([`Addr::name`]).
    ///
    /// ```
    /// # use ryker_core::actor::{Actor, Context, SpawnActor};
    /// # use ryker_core::runtime::Runtime;
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
    /// # struct Nop;
    /// # impl Actor for Nop {
    /// #     type Msg = ();
    /// #     async fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// # }
    /// use ryker_core::actor::ActorOptions;
    /// let handle = Rt.spawn_actor_with_options(Nop, ActorOptions::default().name("nop")).unwrap();
    /// assert_eq!(handle.addr().downgrade().name(), "nop");
    /// # handle.shutdown();
    /// ```
    pub fn name(&self) -> &str {
        self.weak.attachment().name()
    }

    /// Completes once the actor has stopped for good, as [`Addr::stopped`], without keeping
    /// it running: the way to watch an actor that others stop (or that stops when its last
    /// [`Addr`] goes).
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
    /// struct Nop;
    /// impl Actor for Nop {
    ///     type Msg = ();
    ///     async fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// let mut handle = Rt.spawn_actor(Nop);
    /// let weak = handle.addr().downgrade();
    /// let watcher = std::thread::spawn(move || ryker_core::blocking::block_on(weak.stopped()));
    /// // The watcher does not keep the actor running: joining the handle lets its own
    /// // address go, the last one, and the actor stops.
    /// let report = ryker_core::blocking::block_on(handle.join()).unwrap();
    /// assert_eq!(report.exit, Exit::Released);
    /// assert_eq!(watcher.join().unwrap(), Ok(Exit::Released));
    /// ```
    pub async fn stopped(&self) -> Result<Exit, JoinError> {
        watch_stop(self.weak.attachment()).await
    }
}

/// Waits for the actor whose state `shared` is to stop for good (`Addr::stopped` and its
/// kin): its exit, or `JoinError` if its task was dropped unfinished.
pub(super) async fn watch_stop(shared: &ActorShared) -> Result<Exit, JoinError> {
    Exit::from_code(StopWatch::new(shared).await).ok_or(JoinError)
}

impl<A: Actor> WeakAddr<A> {
    /// The actor's runtime (its timer, clock and spawner), for a timer task.
    pub(super) fn shared_runtime(&self) -> Arc<dyn Sleeper> {
        self.weak.attachment().runtime()
    }
}

impl<A: Actor> WeakAddr<A> {
    /// The mailbox's weak sending half (for `WeakRecipient`).
    pub(super) fn weak_sender_ref(&self) -> &WeakSender<Mail<A>, ActorShared> {
        &self.weak
    }
}

impl<A: Actor> Clone for WeakAddr<A> {
    fn clone(&self) -> Self {
        Self {
            weak: self.weak.clone(),
        }
    }
}

impl<A: Actor> fmt::Debug for WeakAddr<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakAddr")
            .field("name", &self.name())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<A: Actor> PartialEq for WeakAddr<A> {
    fn eq(&self, other: &Self) -> bool {
        self.weak.same_channel(&other.weak)
    }
}

impl<A: Actor> Eq for WeakAddr<A> {}

impl<A: Actor> Hash for WeakAddr<A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.weak.channel_addr().hash(state);
    }
}

impl<A: Actor> PartialEq<Addr<A>> for WeakAddr<A> {
    fn eq(&self, other: &Addr<A>) -> bool {
        other == self
    }
}

/// Two addresses are equal when they are addresses of the same actor (the same mailbox, which
/// the actor keeps across supervision restarts); the hash is the mailbox's, so an `Addr` is a
/// key for sets and maps. (Clippy's `mutable_key_type` sees the atomics inside and flags such
/// a key; the hashed address never changes: list `ryker_core::actor::addr::Addr` under
/// `ignore-interior-mutability` in `clippy.toml`, as this workspace does.)
///
/// ```
/// # use ryker_core::actor::{Actor, Context, SpawnActor};
/// # use ryker_core::runtime::Runtime;
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
/// struct Nop;
/// impl Actor for Nop {
///     type Msg = ();
///     async fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
/// let (a, b) = (Rt.spawn_actor(Nop), Rt.spawn_actor(Nop));
/// assert_eq!(a.addr(), a.addr().clone());
/// assert_ne!(a.addr(), b.addr());
/// let known: std::collections::HashSet<_> = [a.addr(), a.addr(), b.addr()].into();
/// assert_eq!(known.len(), 2);
/// # a.shutdown(); b.shutdown();
/// ```
impl<A: Actor> PartialEq for Addr<A> {
    fn eq(&self, other: &Self) -> bool {
        self.tx.same_channel(&other.tx)
    }
}

impl<A: Actor> Eq for Addr<A> {}

impl<A: Actor> Hash for Addr<A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.tx.channel_addr().hash(state);
    }
}

impl<A: Actor> PartialEq<WeakAddr<A>> for Addr<A> {
    fn eq(&self, other: &WeakAddr<A>) -> bool {
        self.tx.channel_addr() == other.weak.channel_addr()
    }
}

impl<A: Actor> Addr<A> {
    pub(super) fn from_sender(tx: Sender<Mail<A>, ActorShared>) -> Self {
        Self { tx }
    }

    pub(super) fn weak_sender(&self) -> WeakSender<Mail<A>, ActorShared> {
        self.tx.downgrade()
    }

    /// The mailbox's sending half (for `Recipient`).
    pub(super) fn sender(&self) -> &Sender<Mail<A>, ActorShared> {
        &self.tx
    }

    /// An address that does not keep the actor running ([`WeakAddr`]): for registries,
    /// observers and actors that refer to each other in a cycle.
    ///
    /// ```
    /// # use ryker_core::actor::{Actor, Context, SpawnActor};
    /// # use ryker_core::runtime::Runtime;
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
    /// struct Nop;
    /// impl Actor for Nop {
    ///     type Msg = ();
    ///     async fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    /// let mut handle = Rt.spawn_actor(Nop);
    /// let weak = handle.addr().downgrade();
    /// assert!(weak.upgrade().is_some()); // the handle keeps the actor running
    /// handle.shutdown();
    /// ryker_core::blocking::block_on(handle.join()).unwrap();
    /// assert!(weak.upgrade().is_none()); // stopped: its mailbox is closed
    /// ```
    pub fn downgrade(&self) -> WeakAddr<A> {
        WeakAddr {
            weak: self.tx.downgrade(),
        }
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
    ///
    /// ```
    /// use futures::channel::oneshot;
    /// use ryker_core::actor::{Actor, ActorConfig, Context, Sent, SpawnActor, TrySendError};
    /// use ryker_core::mailbox::MailboxConfig;
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
    /// let mailbox = MailboxConfig { capacity: 1, ..Default::default() };
    /// let config = ActorConfig { mailbox, ..Default::default() };
    /// let handle = Rt.spawn_actor_with(Gated(Some(gate)), &config).unwrap();
    /// let addr = handle.addr();
    /// assert_eq!(addr.try_tell(1), Ok(Sent::Queued));
    /// assert_eq!(addr.try_tell(2), Err(TrySendError::Busy(2))); // full: handed back
    /// # let _ = open.send(());
    /// handle.shutdown();
    /// assert_eq!(addr.try_tell(3), Err(TrySendError::Closed(3)));
    /// ```
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
    ///
    /// ```
    /// use futures::channel::oneshot;
    /// use ryker_core::actor::{Actor, ActorConfig, Context, SendError, Sent, SpawnActor};
    /// use ryker_core::mailbox::MailboxConfig;
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
    /// let mailbox = MailboxConfig { capacity: 1, ..Default::default() };
    /// let config = ActorConfig { mailbox, ..Default::default() };
    /// let mut handle = Rt.spawn_actor_with(Gated(Some(gate)), &config).unwrap();
    /// let addr = handle.addr();
    /// addr.tell(1).await.unwrap(); // the mailbox is full now
    /// let second = addr.tell(2); // waits until the actor makes room
    /// open.send(()).unwrap();
    /// assert_eq!(second.await, Ok(Sent::Queued));
    /// handle.shutdown();
    /// assert_eq!(addr.tell(3).await, Err(SendError::Closed(3)));
    /// assert_eq!(handle.join().await.unwrap().handled, 2);
    /// # });
    /// ```
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
    ///
    /// ```
    /// use std::time::Duration;
    /// use futures::channel::oneshot;
    /// use ryker_core::actor::{Actor, ActorConfig, Context, SendTimeoutError, Sent, SpawnActor};
    /// use ryker_core::mailbox::MailboxConfig;
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
    /// let mailbox = MailboxConfig { capacity: 1, ..Default::default() };
    /// let config = ActorConfig { mailbox, ..Default::default() };
    /// let handle = Rt.spawn_actor_with(Gated(Some(gate)), &config).unwrap();
    /// let addr = handle.addr();
    /// let ms = Duration::from_millis;
    /// assert_eq!(addr.tell_timeout(1, ms(10)).await, Ok(Sent::Queued));
    /// // Full, and the actor reads nothing: the message comes back.
    /// assert_eq!(addr.tell_timeout(2, ms(10)).await, Err(SendTimeoutError::Timeout(2)));
    /// open.send(()).unwrap();
    /// assert_eq!(addr.tell_timeout(3, ms(5_000)).await, Ok(Sent::Queued));
    /// # handle.shutdown();
    /// # });
    /// ```
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
        let mut sleep = self.tx.attachment().sleep(timeout);
        self.queue_before(env, &mut sleep)
            .await
            .map_err(|e| match e {
                SendTimeoutError::Timeout(env) => SendTimeoutError::Timeout(env.msg),
                SendTimeoutError::Closed(env) => SendTimeoutError::Closed(env.msg),
                _ => SendTimeoutError::Dropped,
            })
    }

    /// Queues `env` into a full mailbox once a slot frees up (under `DropOldest`, once the
    /// oldest message can be evicted), unless `deadline` fires first (`Timeout`, handed back)
    /// or the mailbox closes (`Closed`, handed back).
    async fn queue_before(
        &self,
        env: Mail<A>,
        deadline: &mut Pin<Box<dyn Future<Output = ()> + Send>>,
    ) -> Result<Sent, SendTimeoutError<Mail<A>>> {
        let queued = self.tx.send_waiting_before(env, deadline.as_mut()).await;
        if let Err(SendTimeoutError::Timeout(_)) = &queued {
            self.tx.attachment().observer.on_timeout();
        }
        queued
    }

    /// Queues `msg` once `delay` has passed on the actor's runtime (actix's `notify_later`,
    /// ractor's `send_after`): a task on that runtime sleeps, then [`tell`](Self::tell)s it
    /// (waiting for space under `busy`, counted under a drop policy). The task holds a
    /// [`WeakAddr`], so the timer does not keep the actor running; if the actor has stopped
    /// by then, `msg` is dropped unsent. [`Timer::cancel`] stops it before it fires.
    ///
    /// One allocation for the task and one for the runtime's sleep, per call; no order is
    /// promised between the timer's message and other senders' messages of the same instant.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ryker_core::actor::{Actor, Context, Reply, SpawnActor};
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
    /// enum Msg { Remind(&'static str), Seen(Reply<Vec<&'static str>>) }
    /// struct Diary(Vec<&'static str>);
    ///
    /// impl Actor for Diary {
    ///     type Msg = Msg;
    ///     async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) {
    ///         match msg {
    ///             Msg::Remind(note) => self.0.push(note),
    ///             Msg::Seen(reply) => { let _ = reply.send(self.0.clone()); }
    ///         }
    ///     }
    /// }
    ///
    /// let handle = Rt.spawn_actor(Diary(Vec::new()));
    /// let addr = handle.addr();
    /// let timer = addr.tell_after(Duration::from_millis(5), Msg::Remind("stand up"));
    /// while !timer.is_finished() { std::thread::sleep(Duration::from_millis(1)); }
    /// let seen = ryker_core::blocking::block_on(addr.ask(Msg::Seen)).unwrap();
    /// assert_eq!(seen, ["stand up"]);
    /// # handle.shutdown();
    /// ```
    pub fn tell_after(&self, delay: Duration, msg: A::Msg) -> Timer {
        spawn_tell_after(self.downgrade(), delay, msg)
    }

    /// Queues `make()` every `period` on the actor's runtime (actix's `run_interval`, ractor's
    /// `send_interval`), the first one `period` from now, until [`Timer::cancel`] or until the
    /// actor stops. A task on that runtime keeps the timeline `period`, `2 * period`, ... on
    /// the runtime's clock and [`tell`](Self::tell)s a message at each point: under `busy` a
    /// full mailbox makes the tick wait for space, and the points it missed meanwhile are
    /// skipped, not made up in a burst; under a drop policy a tick into a full mailbox is
    /// counted as the policy says. The task holds a [`WeakAddr`]: it does not keep the actor
    /// running, and ends at the first tick after the actor stopped. A period past the end of
    /// the clock (`Duration::MAX`) makes a timer that never ticks until it is cancelled.
    ///
    /// One allocation for the task when it starts, and one per tick for the runtime's sleep.
    ///
    /// # Errors
    /// A [`ConfigError`] naming `period` when it is zero.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ryker_core::actor::{Actor, Context, Reply, SpawnActor};
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
    /// enum Msg { Tick, Count(Reply<u32>) }
    /// struct Ticks(u32);
    ///
    /// impl Actor for Ticks {
    ///     type Msg = Msg;
    ///     async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) {
    ///         match msg {
    ///             Msg::Tick => self.0 += 1,
    ///             Msg::Count(reply) => { let _ = reply.send(self.0); }
    ///         }
    ///     }
    /// }
    ///
    /// let handle = Rt.spawn_actor(Ticks(0));
    /// let addr = handle.addr();
    /// let timer = addr.tell_every(Duration::from_millis(2), || Msg::Tick).unwrap();
    /// while ryker_core::blocking::block_on(addr.ask(Msg::Count)).unwrap() < 3 {
    ///     std::thread::sleep(Duration::from_millis(1));
    /// }
    /// timer.cancel();
    /// assert!(addr.tell_every(Duration::ZERO, || Msg::Tick).unwrap_err().to_string().contains("period"));
    /// # handle.shutdown();
    /// ```
    pub fn tell_every(
        &self,
        period: Duration,
        make: impl FnMut() -> A::Msg + Send + 'static,
    ) -> Result<Timer, ConfigError> {
        if period.is_zero() {
            return Err(ConfigError::timer_period(period));
        }
        Ok(spawn_tell_every(self.downgrade(), period, make))
    }

    /// Request-reply: builds the request around a [`Reply`] with `make`, sends it as
    /// [`Addr::tell`] does, and waits for the handler's answer. The reply slot is one
    /// allocation, usually made once per thread and reply type: with `std`, an answered slot
    /// is kept for the thread's next `ask` with the same `R` (at most four per thread). An ask
    /// still allocates when the actor's side has not let go of the last slot by the time the
    /// answer is read (another thread), when the slot would exceed 256 bytes (its `R` inline,
    /// with the slot's state and waker), when the thread's four are in use, and without `std`.
    ///
    /// # Errors
    /// `Closed` if the actor stopped before the request was queued, `Dropped` under
    /// `Overflow::DropNewest` with a full mailbox, `NoReply` if the request was queued but the
    /// handler dropped the [`Reply`] unanswered (or panicked, or the actor was aborted).
    ///
    /// # Cancel safety
    /// Cancel safe: dropped before the request was queued, it is never handled; dropped after,
    /// the handler still runs and its answer is discarded.
    ///
    /// ```
    /// use ryker_core::actor::{Actor, AskError, Context, Reply, SpawnActor};
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
    /// enum Msg {
    ///     Square(u64, Reply<u64>),
    ///     Forget(Reply<u64>),
    /// }
    ///
    /// struct Calc;
    ///
    /// impl Actor for Calc {
    ///     type Msg = Msg;
    ///     async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) {
    ///         match msg {
    ///             Msg::Square(n, reply) => {
    ///                 let _ = reply.send(n * n);
    ///             }
    ///             Msg::Forget(reply) => drop(reply),
    ///         }
    ///     }
    /// }
    ///
    /// # ryker_core::blocking::block_on(async {
    /// let mut handle = Rt.spawn_actor(Calc);
    /// let addr = handle.addr();
    /// assert_eq!(addr.ask(|reply| Msg::Square(7, reply)).await, Ok(49));
    /// assert_eq!(addr.ask(Msg::Forget).await, Err(AskError::NoReply));
    /// handle.shutdown();
    /// handle.join().await.unwrap();
    /// assert_eq!(addr.ask(|reply| Msg::Square(2, reply)).await, Err(AskError::Closed));
    /// # });
    /// ```
    pub async fn ask<R: Send + 'static>(
        &self,
        make: impl FnOnce(Reply<R>) -> A::Msg,
    ) -> Result<R, AskError> {
        ask_body!(make, |msg| self.tell(msg))
    }

    /// [`Addr::ask`] with one deadline for the whole round trip: for a slot in a full
    /// mailbox (`Overflow::Busy`), then for the answer. A request that was not queued in time
    /// comes back in [`AskTimeoutError::Full`], one refused by a closed mailbox in
    /// [`AskTimeoutError::Closed`]. The timer (from the actor's runtime) is one allocation per
    /// call, besides the reply slot (kept for reuse as in [`Addr::ask`], when answered in time).
    ///
    /// # Errors
    /// [`AskTimeoutError`]: `Full(msg)`, `Closed(msg)`, `Dropped`, `NoReply`, or `Timeout` when
    /// the request was queued but not answered in time.
    ///
    /// # Cancel safety
    /// As [`Addr::ask`].
    ///
    /// A request that waits in a full mailbox past the deadline comes back in `Full`; one that was
    /// queued but not answered in time ends in `Timeout`:
    ///
    /// ```
    /// use std::time::Duration;
    /// use futures::channel::oneshot;
    /// use ryker_core::actor::{Actor, ActorConfig, AskTimeoutError, Context, Reply, SpawnActor};
    /// use ryker_core::mailbox::MailboxConfig;
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
    /// /// Answers 42, but reads no request until its gate opens.
    /// struct Gated(Option<oneshot::Receiver<()>>);
    ///
    /// impl Actor for Gated {
    ///     type Msg = Reply<u32>;
    ///     async fn started(&mut self, _ctx: &mut Context<Self>) {
    ///         if let Some(gate) = self.0.take() {
    ///             let _ = gate.await;
    ///         }
    ///     }
    ///     async fn handle(&mut self, reply: Reply<u32>, _ctx: &mut Context<Self>) {
    ///         let _ = reply.send(42);
    ///     }
    /// }
    ///
    /// # ryker_core::blocking::block_on(async {
    /// let (open, gate) = oneshot::channel();
    /// let mailbox = MailboxConfig { capacity: 1, ..Default::default() };
    /// let config = ActorConfig { mailbox, ..Default::default() };
    /// let handle = Rt.spawn_actor_with(Gated(Some(gate)), &config).unwrap();
    /// let addr = handle.addr();
    /// let ms = Duration::from_millis;
    ///
    /// // Queued (it fills the mailbox), but not answered in time.
    /// let err = addr.ask_timeout(|reply| reply, ms(10)).await.unwrap_err();
    /// assert!(matches!(err, AskTimeoutError::Timeout));
    /// // The mailbox stays full: the request is handed back, never queued.
    /// let err = addr.ask_timeout(|reply| reply, ms(10)).await.unwrap_err();
    /// assert!(matches!(err, AskTimeoutError::Full(_)) && err.is_timeout());
    /// let request: Reply<u32> = err.into_inner().unwrap();
    /// assert!(request.is_canceled()); // nobody waits for its answer any more
    ///
    /// open.send(()).unwrap();
    /// assert_eq!(addr.ask_timeout(|reply| reply, ms(5_000)).await.ok(), Some(42));
    /// # handle.shutdown();
    /// # });
    /// ```
    pub async fn ask_timeout<R: Send + 'static>(
        &self,
        make: impl FnOnce(Reply<R>) -> A::Msg,
        timeout: Duration,
    ) -> Result<R, AskTimeoutError<A::Msg>> {
        let (reply, answer) = crate::oneshot::channel_reused();
        let mut deadline = self.tx.attachment().sleep(timeout);
        match self.tx.try_send(self.envelope(make(Reply(reply)))) {
            Ok(_) => {}
            Err(TrySendError::Busy(env)) => match self.queue_before(env, &mut deadline).await {
                Ok(_) => {}
                Err(SendTimeoutError::Timeout(env)) => return Err(AskTimeoutError::Full(env.msg)),
                Err(SendTimeoutError::Closed(env)) => return Err(AskTimeoutError::Closed(env.msg)),
                Err(_) => return Err(AskTimeoutError::Dropped),
            },
            Err(TrySendError::Closed(env)) => return Err(AskTimeoutError::Closed(env.msg)),
            Err(_) => return Err(AskTimeoutError::Dropped),
        }
        answer_before(answer, deadline).await
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
    ///
    /// ```
    /// use ryker_core::actor::{Actor, Context, Reply, SpawnActor};
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
    /// enum Msg {
    ///     Add(u64),
    ///     Total(Reply<u64>),
    /// }
    ///
    /// struct Sum(u64);
    ///
    /// impl Actor for Sum {
    ///     type Msg = Msg;
    ///     async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) {
    ///         match msg {
    ///             Msg::Add(n) => self.0 += n,
    ///             Msg::Total(reply) => {
    ///                 let _ = reply.send(self.0);
    ///             }
    ///         }
    ///     }
    /// }
    ///
    /// let handle = Rt.spawn_actor(Sum(0));
    /// let addr = handle.addr();
    /// // A plain thread, outside any async runtime.
    /// std::thread::spawn(move || {
    ///     for n in 1..=3 {
    ///         addr.blocking_tell(Msg::Add(n)).unwrap();
    ///     }
    /// })
    /// .join()
    /// .unwrap();
    /// let total = ryker_core::blocking::block_on(handle.addr().ask(Msg::Total));
    /// assert_eq!(total, Ok(6));
    /// ```
    #[cfg(feature = "std")]
    pub fn blocking_tell(&self, msg: A::Msg) -> Result<Sent, SendError<A::Msg>> {
        self.tx
            .blocking_send(self.envelope(msg))
            .map_err(|e| match e {
                SendError::Dropped => SendError::Dropped,
                SendError::Closed(env) => SendError::Closed(env.msg),
            })
    }

    /// [`blocking_tell`](Self::blocking_tell) for at most `timeout`: from a plain thread, waits
    /// while the mailbox is full under `busy` until a slot frees up, the actor stops or the
    /// time is up ([`Sender::blocking_send_timeout`](crate::mailbox::Sender::blocking_send_timeout)
    /// under the actor's mailbox); a full mailbox under a drop policy answers at once, as
    /// [`Addr::try_tell`]. The blocking twin of [`Addr::tell_timeout`], counted as it is
    /// (`mailbox_timeout_total` under the `metrics` feature).
    ///
    /// # Errors
    /// `Timeout` with the message when the time was up first, `Closed` with the message when
    /// the actor stopped, `Dropped` under `drop_newest` with a full mailbox (counted).
    ///
    /// # Panics
    /// When it would have to wait inside async code that a runtime adapter can recognise, as
    /// [`Addr::blocking_tell`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use futures::channel::oneshot;
    /// use ryker_core::actor::{Actor, ActorConfig, Context, SendTimeoutError, Sent, SpawnActor};
    /// use ryker_core::mailbox::MailboxConfig;
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
    /// let mailbox = MailboxConfig { capacity: 1, ..Default::default() };
    /// let config = ActorConfig { mailbox, ..Default::default() };
    /// let handle = Rt.spawn_actor_with(Gated(Some(gate)), &config).unwrap();
    /// let addr = handle.addr();
    /// // A plain thread, outside any async runtime.
    /// assert_eq!(addr.blocking_tell_timeout(1, Duration::from_secs(60)), Ok(Sent::Queued));
    /// // Full, and the actor reads nothing: the message comes back when the time is up.
    /// assert_eq!(addr.blocking_tell_timeout(2, Duration::from_millis(5)), Err(SendTimeoutError::Timeout(2)));
    /// open.send(()).unwrap(); // the actor reads 1: a slot frees up
    /// assert_eq!(addr.blocking_tell_timeout(3, Duration::from_secs(60)), Ok(Sent::Queued));
    /// # handle.shutdown();
    /// ```
    #[cfg(all(feature = "std", not(ryker_loom)))]
    pub fn blocking_tell_timeout(
        &self,
        msg: A::Msg,
        timeout: Duration,
    ) -> Result<Sent, SendTimeoutError<A::Msg>> {
        self.tx
            .blocking_send_timeout(self.envelope(msg), timeout)
            .map_err(|e| match e {
                SendTimeoutError::Timeout(env) => {
                    self.tx.attachment().observer.on_timeout();
                    SendTimeoutError::Timeout(env.msg)
                }
                SendTimeoutError::Closed(env) => SendTimeoutError::Closed(env.msg),
                _ => SendTimeoutError::Dropped,
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
    /// let handle = Rt.spawn_actor(Worker);
    /// let addr = handle.addr();
    /// assert!(!addr.is_closed());
    /// handle.shutdown();
    /// assert!(addr.is_closed());
    /// ```
    #[inline]
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
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
    /// struct Cache;
    /// impl Actor for Cache {
    ///     type Msg = u32;
    ///     async fn handle(&mut self, _: u32, _ctx: &mut Context<Self>) {}
    /// }
    ///
    /// let options = ActorOptions::default().name("cache");
    /// let handle = Rt.spawn_actor_with_options(Cache, options).unwrap();
    /// assert_eq!(handle.addr().name(), "cache");
    /// # handle.shutdown();
    /// ```
    pub fn name(&self) -> &str {
        self.tx.attachment().name()
    }

    /// Completes once the actor has stopped for good: its loop has ended, after `stopped` ran
    /// (where it runs) and the report was made; at once if it has stopped already. A restart
    /// under [`Supervision::Restart`](super::Supervision::Restart) is no end. Any number of
    /// tasks may wait at once, through one address or many; the end wakes each once. It
    /// answers the [`Exit`]; the full [`ActorReport`](super::ActorReport) is
    /// [`ActorHandle::join`](super::ActorHandle::join)'s.
    ///
    /// An `Addr` keeps the actor running, so waiting through one does not end it: a
    /// shutdown, an abort, [`Context::stop`] or a panic under `Supervision::Stop` must. To
    /// watch without keeping the actor alive, wait through a [`WeakAddr`]
    /// ([`WeakAddr::stopped`]). (Not [`is_closed`](Self::is_closed): the mailbox closes when
    /// the stop begins; this waits for its end.) Waiting allocates nothing.
    ///
    /// # Errors
    /// [`JoinError`] if the runtime dropped the actor's task before it finished.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future takes its waker out of the actor's list of watchers,
    /// and changes nothing else.
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
    /// let handle = Rt.spawn_actor(Worker);
    /// let watchers: Vec<_> = (0..3)
    ///     .map(|_| {
    ///         let addr = handle.addr();
    ///         std::thread::spawn(move || ryker_core::blocking::block_on(addr.stopped()))
    ///     })
    ///     .collect();
    /// handle.shutdown();
    /// for watcher in watchers {
    ///     assert_eq!(watcher.join().unwrap(), Ok(Exit::Shutdown));
    /// }
    /// // Once stopped, at once.
    /// assert_eq!(ryker_core::blocking::block_on(handle.addr().stopped()), Ok(Exit::Shutdown));
    /// ```
    pub async fn stopped(&self) -> Result<Exit, JoinError> {
        watch_stop(self.tx.attachment()).await
    }

    /// Messages queued now (a snapshot).
    ///
    /// ```
    /// use futures::channel::oneshot;
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
    /// let (_open, gate) = oneshot::channel::<()>();
    /// let addr = Rt.spawn_actor(Gated(Some(gate))).addr();
    /// addr.try_tell(1).unwrap();
    /// addr.try_tell(2).unwrap();
    /// assert_eq!(addr.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.tx.len()
    }

    /// Whether nothing is queued now (a snapshot).
    ///
    /// ```
    /// use futures::channel::oneshot;
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
    /// let (_open, gate) = oneshot::channel::<()>();
    /// let addr = Rt.spawn_actor(Gated(Some(gate))).addr();
    /// assert!(addr.is_empty());
    /// addr.try_tell(1).unwrap();
    /// assert!(!addr.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.tx.is_empty()
    }

    /// The mailbox's capacity.
    ///
    /// ```
    /// use ryker_core::actor::{Actor, ActorConfig, Context, SpawnActor};
    /// use ryker_core::mailbox::MailboxConfig;
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
    /// let mailbox = MailboxConfig { capacity: 64, ..Default::default() };
    /// let config = ActorConfig { mailbox, ..Default::default() };
    /// let handle = Rt.spawn_actor_with(Worker, &config).unwrap();
    /// assert_eq!(handle.addr().capacity(), 64);
    /// assert_eq!(Rt.spawn_actor(Worker).addr().capacity(), MailboxConfig::DEFAULT_CAPACITY);
    /// # handle.shutdown();
    /// ```
    pub fn capacity(&self) -> usize {
        self.tx.capacity()
    }

    /// The mailbox's counters.
    ///
    /// ```
    /// use futures::channel::oneshot;
    /// use ryker_core::actor::{Actor, ActorConfig, Context, SpawnActor};
    /// use ryker_core::mailbox::MailboxConfig;
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
    /// let (_open, gate) = oneshot::channel::<()>();
    /// let mailbox = MailboxConfig { capacity: 2, ..Default::default() };
    /// let config = ActorConfig { mailbox, ..Default::default() };
    /// let addr = Rt.spawn_actor_with(Gated(Some(gate)), &config).unwrap().addr();
    /// for n in 0..3 {
    ///     let _ = addr.try_tell(n);
    /// }
    /// let stats = addr.stats();
    /// assert_eq!((stats.accepted, stats.busy, stats.received), (2, 1, 0));
    /// ```
    pub fn stats(&self) -> MailboxStats {
        self.tx.stats()
    }
}

/// The body of [`Addr::ask`] and [`Recipient::ask`]: makes the request around a reply slot
/// (reused, see `oneshot::channel_reused`) with `$make`, queues it with `$tell` (a closure
/// that calls the caller's own `tell`, into whose future the request moves as in a direct
/// call), and waits for the answer. It expands in the body of an `async fn` that returns
/// `Result<R, AskError>`, and its `return`s leave that function. A macro, not an `async fn`:
/// an `ask` awaiting a shared `async fn` nests one state machine in another, which cost the
/// ask gate (`.ci/perf_gate.sh ask`) 0.9% more instructions per round trip (1504.8 to 1517.8).
///
/// [`Recipient::ask`]: super::Recipient::ask
macro_rules! ask_body {
    ($make:expr, $tell:expr) => {{
        let (reply, mut answer) = $crate::oneshot::channel_reused();
        match ($tell)(($make)($crate::actor::Reply(reply))).await {
            Ok(_) => {}
            Err($crate::error::SendError::Closed(_)) => {
                return Err($crate::error::AskError::Closed)
            }
            Err($crate::error::SendError::Dropped) => return Err($crate::error::AskError::Dropped),
        }
        let answered = (&mut answer).await;
        // Answered (or the `Reply` dropped): the slot goes back for this thread's next ask.
        answer.recycle();
        answered.ok_or($crate::error::AskError::NoReply)
    }};
}
pub(super) use ask_body;

/// The wait of [`Addr::ask_timeout`] and [`Recipient::ask_timeout`] once the request is
/// queued: the answer, unless `deadline` (the one the request's queueing waited on) comes
/// first.
///
/// [`Recipient::ask_timeout`]: super::Recipient::ask_timeout
pub(super) async fn answer_before<R: Send + 'static, M>(
    mut answer: crate::oneshot::OneshotReceiver<R>,
    mut deadline: Pin<Box<dyn Future<Output = ()> + Send>>,
) -> Result<R, AskTimeoutError<M>> {
    let answered = core::future::poll_fn(|cx| {
        if let Poll::Ready(answered) = Pin::new(&mut answer).poll(cx) {
            return Poll::Ready(answered.ok_or(AskTimeoutError::NoReply));
        }
        deadline
            .as_mut()
            .poll(cx)
            .map(|()| Err(AskTimeoutError::Timeout))
    })
    .await;
    // Kept for reuse only if answered (`recycle` drops a slot still waiting plainly).
    answer.recycle();
    answered
}

/// Where the answer to an [`Addr::ask`] goes: the handler calls [`Reply::send`].
pub struct Reply<R>(pub(super) crate::oneshot::OneshotSender<R>);

impl<R> Reply<R> {
    /// Answers the request.
    ///
    /// # Errors
    /// The value back, if the asker gave up waiting (dropped its `ask` future).
    ///
    /// ```
    /// use ryker_core::actor::{Actor, Context, Reply, SpawnActor};
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
    /// struct Doubler;
    ///
    /// impl Actor for Doubler {
    ///     type Msg = (u32, Reply<u32>);
    ///     async fn handle(&mut self, (n, reply): (u32, Reply<u32>), _ctx: &mut Context<Self>) {
    ///         if let Err(_unwanted) = reply.send(2 * n) {
    ///             // The asker gave up waiting; nothing else to do.
    ///         }
    ///     }
    /// }
    ///
    /// let addr = Rt.spawn_actor(Doubler).addr();
    /// let answer = ryker_core::blocking::block_on(addr.ask(|reply| (21, reply)));
    /// assert_eq!(answer, Ok(42));
    /// ```
    pub fn send(self, value: R) -> Result<(), R> {
        self.0.send(value)
    }

    /// Whether the asker gave up waiting (an answer would be discarded).
    ///
    /// An actor that skips the work nobody waits for any more:
    ///
    /// ```
    /// use std::time::Duration;
    /// use futures::channel::oneshot;
    /// use ryker_core::actor::{Actor, AskTimeoutError, Context, Reply, SpawnActor};
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
    /// enum Msg {
    ///     Work(Reply<u32>),
    ///     Skipped(Reply<u32>),
    /// }
    ///
    /// /// Reads no message until its gate opens.
    /// struct Worker {
    ///     gate: Option<oneshot::Receiver<()>>,
    ///     skipped: u32,
    /// }
    ///
    /// impl Actor for Worker {
    ///     type Msg = Msg;
    ///     async fn started(&mut self, _ctx: &mut Context<Self>) {
    ///         if let Some(gate) = self.gate.take() {
    ///             let _ = gate.await;
    ///         }
    ///     }
    ///     async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) {
    ///         match msg {
    ///             Msg::Work(reply) if reply.is_canceled() => self.skipped += 1,
    ///             Msg::Work(reply) => {
    ///                 let _ = reply.send(1);
    ///             }
    ///             Msg::Skipped(reply) => {
    ///                 let _ = reply.send(self.skipped);
    ///             }
    ///         }
    ///     }
    /// }
    ///
    /// # ryker_core::blocking::block_on(async {
    /// let (open, gate) = oneshot::channel();
    /// let addr = Rt.spawn_actor(Worker { gate: Some(gate), skipped: 0 }).addr();
    /// let late = addr.ask_timeout(Msg::Work, Duration::from_millis(10)).await;
    /// assert!(matches!(late, Err(AskTimeoutError::Timeout))); // queued, but we stopped waiting
    /// open.send(()).unwrap();
    /// assert_eq!(addr.ask(Msg::Work).await, Ok(1));
    /// assert_eq!(addr.ask(Msg::Skipped).await, Ok(1));
    /// # });
    /// ```
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

impl<A: Actor> Context<A> {
    /// The actor's own address, while any other address is alive (an actor does not keep
    /// itself alive: once every [`Addr`] and the [`ActorHandle`] are gone, it drains its
    /// mailbox and stops, and this returns `None`).
    ///
    /// ```
    /// use std::sync::mpsc;
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
    /// /// Counts down by sending itself the next number.
    /// struct Countdown(mpsc::Sender<u32>);
    ///
    /// impl Actor for Countdown {
    ///     type Msg = u32;
    ///     async fn handle(&mut self, n: u32, ctx: &mut Context<Self>) {
    ///         self.0.send(n).unwrap();
    ///         if n > 0 {
    ///             if let Some(me) = ctx.addr() {
    ///                 me.try_tell(n - 1).unwrap();
    ///             }
    ///         }
    ///     }
    /// }
    ///
    /// let (tx, seen) = mpsc::channel();
    /// let handle = Rt.spawn_actor(Countdown(tx));
    /// handle.addr().try_tell(3).unwrap();
    /// assert_eq!(seen.iter().take(4).collect::<Vec<_>>(), [3, 2, 1, 0]);
    /// # handle.shutdown();
    /// ```
    ///
    /// [`ActorHandle`]: crate::actor::ActorHandle
    pub fn addr(&self) -> Option<Addr<A>> {
        self.weak.upgrade().map(Addr::from_sender)
    }

    /// The actor's own address as a [`WeakAddr`], always (it does not keep the actor running):
    /// for handing out to observers or registries that must not keep it alive.
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use ryker_core::actor::{Actor, Context, SpawnActor, WeakAddr};
    /// # use ryker_core::runtime::Runtime;
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
    /// /// Tells whoever asks where it lives, without keeping itself alive.
    /// struct Registers(mpsc::Sender<WeakAddr<Registers>>);
    /// impl Actor for Registers {
    ///     type Msg = ();
    ///     async fn started(&mut self, ctx: &mut Context<Self>) {
    ///         self.0.send(ctx.weak_addr()).unwrap();
    ///     }
    ///     async fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    /// let (tx, registered) = mpsc::channel();
    /// let handle = Rt.spawn_actor(Registers(tx));
    /// assert_eq!(registered.recv().unwrap(), handle.addr());
    /// # handle.shutdown();
    /// ```
    pub fn weak_addr(&self) -> WeakAddr<A> {
        WeakAddr {
            weak: self.weak.clone(),
        }
    }
}

/// Spawns the task of [`Addr::tell_after`] (see `timer.rs`).
fn spawn_tell_after<A: Actor>(weak: WeakAddr<A>, delay: Duration, msg: A::Msg) -> Timer {
    let (handle, mut cancel) = timer::timer();
    let runtime = weak.shared_runtime();
    // The delay counts from this call; the sleep is made in the task. A runtime's timer may
    // have to be made inside the runtime (tokio's panics elsewhere), and a call from outside
    // any runtime then gets `spawn_timer`'s answer, which names the fix, instead.
    let due = runtime.elapsed().saturating_add(delay);
    runtime.clone().spawn_timer(Box::pin(async move {
        let wait = due.saturating_sub(runtime.elapsed());
        if !cancel.sleep(runtime.sleep(wait)).await {
            return;
        }
        if let Some(addr) = weak.upgrade() {
            // `Closed`: the actor stopped meanwhile; `Dropped`: counted by the mailbox.
            let _ = addr.tell(msg).await;
        }
    }));
    handle
}

/// The shortest wait before a tick of [`Addr::tell_every`] (see `spawn_tell_every`).
const MIN_WAIT: Duration = Duration::from_nanos(1);

/// Spawns the task of [`Addr::tell_every`] (see `timer.rs`); `period` is above zero.
fn spawn_tell_every<A: Actor>(
    weak: WeakAddr<A>,
    period: Duration,
    mut make: impl FnMut() -> A::Msg + Send + 'static,
) -> Timer {
    let (handle, mut cancel) = timer::timer();
    let runtime = weak.shared_runtime();
    runtime.clone().spawn_timer(Box::pin(async move {
        // Saturating, as in `next_tick`: a period too long for the clock is a tick never due.
        let mut next = runtime.elapsed().saturating_add(period);
        loop {
            // Through the cancel and the runtime's timer before every tick, also one already
            // due (the clock passed `next` since `next_tick` read it, as it does at every turn
            // when the period is shorter than a turn of this loop): otherwise such a timer
            // never saw its cancel, and under a drop policy (whose `tell` never waits) it
            // never gave its worker back. At least a nanosecond: a runtime may complete a zero
            // sleep without a yield.
            let wait = next.saturating_sub(runtime.elapsed()).max(MIN_WAIT);
            if !cancel.sleep(runtime.sleep(wait)).await {
                return;
            }
            let Some(addr) = weak.upgrade() else { return };
            if let Err(SendError::Closed(_)) = addr.tell(make()).await {
                return;
            }
            drop(addr);
            next = next_tick(next, period, runtime.elapsed());
        }
    }));
    handle
}
