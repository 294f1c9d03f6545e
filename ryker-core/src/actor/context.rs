//! The [`Actor`] trait and the [`Context`] a handler sees. (`Context::addr` is implemented in
//! `addr.rs`, next to the `Addr` it makes.)

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;

use super::shared::ActorShared;
use crate::mailbox::WeakSender;
use crate::observe::Envelope;

/// An actor: state plus a handler for its messages.
///
/// Implement `handle` with `async fn`; `started` and `stopped` are optional. The futures they
/// return must be `Send` (the actor may move between worker threads between messages).
///
/// Panics in `handle` are caught (under `std`) and dealt with by the actor's
/// [`Supervision`] policy.
///
/// [`Supervision`]: crate::actor::Supervision
pub trait Actor: Send + Sized + 'static {
    /// The messages this actor handles.
    type Msg: Send + 'static;

    /// Handles one message. Messages from one sender arrive in the order they were sent.
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
    /// # ryker_core::blocking::block_on(async {
    /// let addr = Rt.spawn_actor(Sum(0)).addr();
    /// for n in 1..=4 {
    ///     addr.tell(Msg::Add(n)).await.unwrap();
    /// }
    /// assert_eq!(addr.ask(Msg::Total).await, Ok(10));
    /// # });
    /// ```
    fn handle(
        &mut self,
        msg: Self::Msg,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send;

    /// Runs once before the first message (and again on each fresh actor after a restart).
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
    /// struct Logged(mpsc::Sender<&'static str>);
    ///
    /// impl Actor for Logged {
    ///     type Msg = ();
    ///     async fn started(&mut self, _ctx: &mut Context<Self>) {
    ///         self.0.send("started").unwrap();
    ///     }
    ///     async fn handle(&mut self, _: (), _ctx: &mut Context<Self>) {
    ///         self.0.send("handled").unwrap();
    ///     }
    ///     async fn stopped(&mut self, _ctx: &mut Context<Self>) {
    ///         self.0.send("stopped").unwrap();
    ///     }
    /// }
    ///
    /// let (events, log) = mpsc::channel();
    /// let mut handle = Rt.spawn_actor(Logged(events));
    /// handle.addr().try_tell(()).unwrap();
    /// handle.shutdown();
    /// ryker_core::blocking::block_on(handle.join()).unwrap();
    /// assert_eq!(log.try_iter().collect::<Vec<_>>(), ["started", "handled", "stopped"]);
    /// ```
    fn started(&mut self, ctx: &mut Context<Self>) -> impl Future<Output = ()> + Send {
        let _ = ctx;
        async {}
    }

    /// Runs once after the last message, when the actor stops by shutdown, by
    /// [`Context::stop`], because every [`Addr`] is gone, or by abort. It does not run after a
    /// panic (the actor's state may be broken; its `Drop` still runs). An abort requested
    /// while it runs cuts it short at its next `.await` (`ActorHandle::abort`), as does one
    /// requested before it began that the loop did not stop for (after a shutdown); the
    /// aborts the loop stopped for let it run.
    ///
    /// ```
    /// use std::sync::mpsc;
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
    /// struct Flush {
    ///     pending: Vec<u32>,
    ///     out: mpsc::Sender<Vec<u32>>,
    /// }
    ///
    /// impl Actor for Flush {
    ///     type Msg = u32;
    ///     async fn handle(&mut self, n: u32, _ctx: &mut Context<Self>) {
    ///         self.pending.push(n);
    ///     }
    ///     async fn stopped(&mut self, _ctx: &mut Context<Self>) {
    ///         // The last chance to hand on what the actor holds.
    ///         let _ = self.out.send(std::mem::take(&mut self.pending));
    ///     }
    /// }
    ///
    /// let (out, flushed) = mpsc::channel();
    /// let mut handle = Rt.spawn_actor(Flush { pending: Vec::new(), out });
    /// let addr = handle.addr();
    /// addr.try_tell(1).unwrap();
    /// addr.try_tell(2).unwrap();
    /// drop(addr);
    /// // Joining releases the handle's address: with none left, the actor drains and stops.
    /// let report = ryker_core::blocking::block_on(handle.join()).unwrap();
    /// assert_eq!(report.exit, Exit::Released);
    /// assert_eq!(flushed.try_recv(), Ok(vec![1, 2]));
    /// ```
    ///
    /// [`Addr`]: crate::actor::Addr
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

    /// The actor's name: from [`ActorOptions::name`], or else its type's name and a
    /// process-wide number (`Worker-7`), so that unnamed actors have metric series of their own.
    ///
    /// ```
    /// use ryker_core::actor::{Actor, ActorOptions, Context, Reply, SpawnActor};
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
    /// struct Named;
    ///
    /// impl Actor for Named {
    ///     type Msg = Reply<String>;
    ///     async fn handle(&mut self, reply: Reply<String>, ctx: &mut Context<Self>) {
    ///         let _ = reply.send(ctx.name().to_string());
    ///     }
    /// }
    ///
    /// # ryker_core::blocking::block_on(async {
    /// let options = ActorOptions::default().name("billing");
    /// let billing = Rt.spawn_actor_with_options(Named, options).unwrap();
    /// assert_eq!(billing.addr().ask(|reply| reply).await.unwrap(), "billing");
    /// let unnamed = Rt.spawn_actor(Named);
    /// assert!(unnamed.addr().ask(|reply| reply).await.unwrap().starts_with("Named-"));
    /// # });
    /// ```
    ///
    /// [`ActorOptions::name`]: crate::actor::ActorOptions::name
    pub fn name(&self) -> &str {
        self.weak.attachment().name()
    }

    /// Stops the actor gracefully after this message: the mailbox closes now (senders get
    /// `Closed`), every message accepted before is still handled, then `stopped` runs.
    ///
    /// ```
    /// use ryker_core::actor::{Actor, Context, Exit, SpawnActor, TrySendError};
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
    /// struct Job;
    ///
    /// impl Actor for Job {
    ///     type Msg = &'static str;
    ///     async fn handle(&mut self, msg: &'static str, ctx: &mut Context<Self>) {
    ///         if msg == "done" {
    ///             ctx.stop();
    ///         }
    ///     }
    /// }
    ///
    /// let mut handle = Rt.spawn_actor(Job);
    /// let addr = handle.addr();
    /// addr.try_tell("work").unwrap();
    /// addr.try_tell("done").unwrap();
    /// let report = ryker_core::blocking::block_on(handle.join()).unwrap();
    /// assert_eq!((report.exit, report.handled), (Exit::Stopped, 2));
    /// assert_eq!(addr.try_tell("more"), Err(TrySendError::Closed("more")));
    /// ```
    pub fn stop(&mut self) {
        self.stop = true;
        self.weak.close();
    }

    /// Whether [`Context::stop`] was called.
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
    /// struct Job(mpsc::Sender<bool>);
    ///
    /// impl Actor for Job {
    ///     type Msg = &'static str;
    ///     async fn handle(&mut self, msg: &'static str, ctx: &mut Context<Self>) {
    ///         if msg == "done" {
    ///             ctx.stop();
    ///         }
    ///         self.0.send(ctx.is_stopping()).unwrap();
    ///     }
    /// }
    ///
    /// let (tx, stopping) = mpsc::channel();
    /// let mut handle = Rt.spawn_actor(Job(tx));
    /// handle.addr().try_tell("work").unwrap();
    /// handle.addr().try_tell("done").unwrap();
    /// ryker_core::blocking::block_on(handle.join()).unwrap();
    /// assert_eq!(stopping.try_iter().collect::<Vec<_>>(), [false, true]);
    /// ```
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
