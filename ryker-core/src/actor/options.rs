//! [`ActorOptions`]: how an actor is spawned.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use core::fmt;
use core::time::Duration;

use super::addr::Addr;
use super::context::Actor;
use super::handle::ActorHandle;
use super::report::{DeadLetter, DeadLetterHook, Factory, Supervision};
use super::run;
use super::shared::{ActorShared, Finish};
use super::supervisor::Supervisor;
use crate::config::ActorConfig;
use crate::error::ConfigError;
use crate::mailbox;
use crate::runtime::Runtime;
use crate::sync::next_actor_id;

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

    /// Options with `config`, no name (the actor is then called by its type's name and a
    /// process-wide number, `Worker-7`), [`Supervision::Stop`] and no dead-letter hook
    /// (dead letters are then dropped, and counted in the report).
    ///
    /// ```
    /// use ryker_core::actor::{Actor, ActorConfig, ActorOptions, Context};
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
    /// let mailbox = MailboxConfig { capacity: 16, ..Default::default() };
    /// let config = ActorConfig { mailbox, ..Default::default() };
    /// let handle = ActorOptions::new(config).spawn(&Rt, Worker).unwrap();
    /// assert_eq!(handle.addr().capacity(), 16);
    /// assert!(handle.name().starts_with("Worker-"));
    /// # handle.shutdown();
    /// ```
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
    ///
    /// ```
    /// use ryker_core::actor::{Actor, ActorOptions, Context};
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
    /// let mut handle = ActorOptions::default().name("worker-1").spawn(&Rt, Worker).unwrap();
    /// assert_eq!(handle.name(), "worker-1");
    /// handle.shutdown();
    /// let report = ryker_core::blocking::block_on(handle.join()).unwrap();
    /// assert_eq!(report.name, "worker-1");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Restart a panicked actor with a fresh one from `factory`, at most `max_restarts` times
    /// within `within` (a sliding window); one more panic within the window stops it as
    /// [`Supervision::Stop`] does.
    ///
    /// The panicked actor is dropped before `factory` runs: what it owned (a bound port, a
    /// lock, the `Reply` of an ask it kept) is released first, so the factory can take the
    /// same resource again, and such askers get `AskError::NoReply` at once.
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
    ///
    /// A handler panics with two messages still queued, under the default [`Supervision::Stop`]:
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use futures::channel::oneshot;
    /// use ryker_core::actor::{Actor, ActorOptions, Context, DeadLetter, Exit};
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
    /// /// Panics on 0; reads no message until its gate opens.
    /// struct Fragile(Option<oneshot::Receiver<()>>);
    ///
    /// impl Actor for Fragile {
    ///     type Msg = u32;
    ///     async fn started(&mut self, _ctx: &mut Context<Self>) {
    ///         if let Some(gate) = self.0.take() {
    ///             let _ = gate.await;
    ///         }
    ///     }
    ///     async fn handle(&mut self, n: u32, _ctx: &mut Context<Self>) {
    ///         assert!(n != 0, "cannot handle 0");
    ///     }
    /// }
    ///
    /// let letters = Arc::new(Mutex::new(Vec::new()));
    /// let seen = Arc::clone(&letters);
    /// let (open, gate) = oneshot::channel();
    /// let mut handle = ActorOptions::default()
    ///     .dead_letters(move |letter| {
    ///         seen.lock().unwrap().push(match letter {
    ///             DeadLetter::Panicked { panic } => panic,
    ///             DeadLetter::Undelivered(n) => format!("undelivered {n}"),
    ///             _ => unreachable!(),
    ///         })
    ///     })
    ///     .spawn(&Rt, Fragile(Some(gate)))
    ///     .unwrap();
    /// for n in [0, 1, 2] {
    ///     handle.addr().try_tell(n).unwrap();
    /// }
    /// open.send(()).unwrap();
    /// let report = ryker_core::blocking::block_on(handle.join()).unwrap();
    /// assert_eq!((report.exit, report.panics, report.undelivered), (Exit::Panicked, 1, 2));
    /// assert_eq!(*letters.lock().unwrap(), ["cannot handle 0", "undelivered 1", "undelivered 2"]);
    /// ```
    ///
    /// [`ActorReport::panics`]: crate::actor::ActorReport::panics
    pub fn dead_letters(mut self, hook: impl FnMut(DeadLetter<A::Msg>) + Send + 'static) -> Self {
        self.dead_letters = Some(Box::new(hook));
        self
    }

    /// The configuration these options carry.
    ///
    /// ```
    /// use ryker_core::actor::{Actor, ActorConfig, ActorOptions, Context};
    /// struct Worker;
    /// impl Actor for Worker {
    ///     type Msg = u32;
    ///     async fn handle(&mut self, _: u32, _ctx: &mut Context<Self>) {}
    /// }
    ///
    /// let options = ActorOptions::<Worker>::new(ActorConfig { batch_size: 8, ..Default::default() });
    /// assert_eq!(options.config().batch_size, 8);
    /// assert_eq!(ActorOptions::<Worker>::default().config(), &ActorConfig::default());
    /// ```
    pub fn config(&self) -> &ActorConfig {
        &self.config
    }

    /// Spawns `actor` on `runtime` and returns its handle.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the invalid field, its value and the allowed range (nothing is
    /// spawned then).
    ///
    /// ```
    /// use ryker_core::actor::{Actor, ActorConfig, ActorOptions, Context, Reply};
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
    /// struct Echo;
    /// impl Actor for Echo {
    ///     type Msg = (u32, Reply<u32>);
    ///     async fn handle(&mut self, (n, reply): (u32, Reply<u32>), _ctx: &mut Context<Self>) {
    ///         let _ = reply.send(n);
    ///     }
    /// }
    ///
    /// let handle = ActorOptions::default().spawn(&Rt, Echo).unwrap();
    /// let echoed = ryker_core::blocking::block_on(handle.addr().ask(|reply| (7, reply)));
    /// assert_eq!(echoed, Ok(7));
    ///
    /// let mailbox = MailboxConfig { capacity: 0, ..Default::default() };
    /// let zero = ActorConfig { mailbox, ..Default::default() };
    /// let err = ActorOptions::new(zero).spawn(&Rt, Echo).unwrap_err();
    /// assert_eq!(err.field(), "capacity");
    /// ```
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
            .unwrap_or_else(|| format!("{}-{}", short_type_name::<A>(), next_actor_id()));
        let shared = ActorShared::new(name, runtime.clone());
        let (tx, rx) = mailbox::try_channel_with(self.config.mailbox, shared)?;
        let (done_tx, done_rx) = crate::oneshot::channel();
        let weak = tx.downgrade();
        let Self {
            config,
            supervision,
            factory,
            dead_letters,
            ..
        } = self;
        let sup = Supervisor::new(supervision, factory, dead_letters);
        // Made here, not in the loop: a task the runtime drops before its first poll drops it
        // too, which ends the watchers' wait (`Addr::stopped`) with `JoinError`.
        let finish = Finish::new(weak.clone(), done_tx);
        runtime.spawn(run::run(
            runtime.clone(),
            actor,
            rx,
            weak,
            config,
            sup,
            finish,
        ));
        Ok(ActorHandle::new(Addr::from_sender(tx), done_rx))
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

/// The spawn shorthands, once for every runtime: each adapter's `spawn`, `spawn_with` and
/// `spawn_with_options` call these with its runtime, so the three functions have the same
/// signatures and behaviour in `ryker-tokio`, `ryker-smol` and `ryker-asyncstd`. A custom
/// executor gets them by implementing [`Runtime`].
///
/// ```
/// use ryker_core::actor::{Actor, ActorConfig, ActorOptions, Context, SpawnActor};
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
/// struct Worker;
/// impl Actor for Worker {
///     type Msg = u32;
///     async fn handle(&mut self, _: u32, _: &mut Context<Self>) {}
/// }
/// let a = Rt.spawn_actor(Worker);
/// let b = Rt.spawn_actor_with(Worker, &ActorConfig { batch_size: 4, ..Default::default() }).unwrap();
/// let c = Rt.spawn_actor_with_options(Worker, ActorOptions::default().name("c")).unwrap();
/// assert_eq!(c.name(), "c");
/// let err = Rt.spawn_actor_with(Worker, &ActorConfig { batch_size: 0, ..Default::default() });
/// assert_eq!(err.unwrap_err().field(), "batch_size");
/// # for h in [a, b, c] { h.shutdown(); }
/// ```
pub trait SpawnActor: Runtime {
    /// Spawns `actor` with the default [`ActorConfig`].
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
    /// assert!(handle.name().starts_with("Worker-"));
    /// handle.addr().try_tell(1).unwrap();
    /// # handle.shutdown();
    /// ```
    fn spawn_actor<A: Actor>(&self, actor: A) -> ActorHandle<A> {
        ActorOptions::default()
            .spawn(self, actor)
            .expect("the default ActorConfig is valid")
    }

    /// Spawns `actor` with `config`.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the invalid field, its value and the allowed range.
    ///
    /// ```
    /// use ryker_core::actor::{Actor, ActorConfig, Context, SpawnActor};
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
    /// let config = ActorConfig { batch_size: 4, ..Default::default() };
    /// let handle = Rt.spawn_actor_with(Worker, &config).unwrap();
    /// handle.addr().try_tell(1).unwrap();
    /// let err = Rt.spawn_actor_with(Worker, &ActorConfig { yield_ms: 0, ..Default::default() });
    /// assert_eq!(err.unwrap_err().field(), "yield_ms");
    /// # handle.shutdown();
    /// ```
    fn spawn_actor_with<A: Actor>(
        &self,
        actor: A,
        config: &ActorConfig,
    ) -> Result<ActorHandle<A>, ConfigError> {
        ActorOptions::new(*config).spawn(self, actor)
    }

    /// Spawns `actor` with full [`ActorOptions`] (config, name, supervision, dead letters).
    ///
    /// # Errors
    /// As [`SpawnActor::spawn_actor_with`].
    ///
    /// ```
    /// use std::time::Duration;
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
    /// let options = ActorOptions::default()
    ///     .name("worker")
    ///     .restart(3, Duration::from_secs(1), || Worker);
    /// let handle = Rt.spawn_actor_with_options(Worker, options).unwrap();
    /// assert_eq!(handle.name(), "worker");
    /// # handle.shutdown();
    /// ```
    fn spawn_actor_with_options<A: Actor>(
        &self,
        actor: A,
        options: ActorOptions<A>,
    ) -> Result<ActorHandle<A>, ConfigError> {
        options.spawn(self, actor)
    }
}

impl<R: Runtime> SpawnActor for R {}
