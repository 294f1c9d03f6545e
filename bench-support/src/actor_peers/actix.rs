//! actix 0.13: actors live on an actix `System`, a single-threaded tokio runtime with a
//! `LocalSet`. [`ActixSystem`] is one `System` on a thread of its own, and the tasks that
//! message the actor are actix tasks on that same thread, as in actix's own examples (the
//! `#[actix::main]` future starts the actor and calls `send().await` on it): one thread, where
//! ryker's rows have tokio's two workers. (Moving the tasks to a second `Arbiter`, a thread of
//! their own, makes every message and every round trip a cross-thread wake-up, and actix about
//! half as fast at tell and 60–190× slower at ask: see docs/PERFORMANCE.md.)
//!
//! The actor is started with `Actor::create`, its mailbox bounded at the run's capacity with
//! `Context::set_mailbox_capacity` (actix's default is 16). actix has no one-way send that waits
//! for room: `Addr::send().await` waits for the handler's result (a round trip, the ask row),
//! `try_send` fails when the mailbox is full, and `do_send`, actix's fire-and-forget, queues
//! past the bound. Tell is `do_send`, so the mailbox is effectively unbounded for it; ask is
//! `Addr::send().await`.

use std::fmt;
use std::future::Future;
use std::sync::mpsc;
use std::thread;

use ::actix::{Actor, Addr, Context, Handler, Message, MessageResult};
use actix_rt::{ArbiterHandle, System};

use super::{ActorPeer, Host, Job};
use crate::actor::{Serve, Work};
use crate::tasks::{Asker, Producer};

/// actix as an [`ActorPeer`].
#[derive(Debug)]
pub struct Actix;

/// An actix `System` running on a thread of its own: [`Host::run`] and [`Host::spawn`] put
/// their futures on its arbiter, where actors can be started. Dropping it stops the `System`
/// and joins its thread.
pub struct ActixSystem {
    system: System,
    /// The `System`'s own arbiter.
    arbiter: ArbiterHandle,
    thread: Option<thread::JoinHandle<()>>,
}

impl fmt::Debug for ActixSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActixSystem").finish_non_exhaustive()
    }
}

impl ActixSystem {
    /// Starts the `System` on a new thread.
    ///
    /// # Panics
    /// If the thread or actix's runtime cannot be started.
    #[must_use]
    pub fn new() -> Self {
        let (tx, rx) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("actix-system".into())
            .spawn(move || {
                let runner = System::new();
                let system = System::current();
                tx.send((system.clone(), system.arbiter().clone()))
                    .expect("the thread that started the System waits for it");
                runner.run().expect("the actix System runs until stopped");
            })
            .expect("spawn the actix System thread");
        let (system, arbiter) = rx.recv().expect("the actix System starts");
        Self {
            system,
            arbiter,
            thread: Some(thread),
        }
    }
}

impl Default for ActixSystem {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for ActixSystem {
    fn drop(&mut self) {
        // `System::run` returns.
        self.system.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Host for ActixSystem {
    fn spawn<F: Future<Output = ()> + Send + 'static>(&self, task: F) {
        self.arbiter.spawn(task);
    }

    fn run<F>(&self, task: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel(1);
        self.arbiter.spawn(async move {
            let _ = tx.send(task.await);
        });
        rx.recv().expect("the actix System ran the task to its end")
    }
}

/// A told message.
#[derive(Debug)]
pub struct Tell<M>(M);

impl<M: Send + 'static> Message for Tell<M> {
    type Result = ();
}

/// A request; its result is the reply.
pub struct Ask<S: Serve>(S::Req);

impl<S: Serve> fmt::Debug for Ask<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ask").finish_non_exhaustive()
    }
}

impl<S: Serve> Message for Ask<S> {
    type Result = S::Resp;
}

/// The actor around a [`Work`]. The work is boxed because an actix actor must be `Unpin`.
pub struct Worker<W: Work>(Job<Box<W>, W::Out>);

/// The actor around a [`Serve`].
pub struct Server<S: Serve>(Job<Box<S>, S::Out>);

impl<W: Work> fmt::Debug for Worker<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("actix::Worker").finish_non_exhaustive()
    }
}

impl<S: Serve> fmt::Debug for Server<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("actix::Server").finish_non_exhaustive()
    }
}

impl<W: Work> Actor for Worker<W> {
    type Context = Context<Self>;

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.0.stop(|w| w.finish());
    }
}

impl<S: Serve> Actor for Server<S> {
    type Context = Context<Self>;

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.0.stop(|s| s.finish());
    }
}

impl<W: Work> Handler<Tell<W::Msg>> for Worker<W> {
    type Result = ();

    #[inline]
    fn handle(&mut self, Tell(msg): Tell<W::Msg>, _ctx: &mut Context<Self>) {
        self.0.job.on(msg);
    }
}

impl<S: Serve> Handler<Ask<S>> for Server<S> {
    type Result = MessageResult<Ask<S>>;

    #[inline]
    fn handle(&mut self, Ask(req): Ask<S>, _ctx: &mut Context<Self>) -> Self::Result {
        MessageResult(self.0.job.on(req))
    }
}

/// A [`Worker`]'s `Addr`: `do_send`.
pub struct TellAddr<W: Work>(Addr<Worker<W>>);

/// A [`Server`]'s `Addr`: `send().await`.
pub struct AskAddr<S: Serve>(Addr<Server<S>>);

impl<W: Work> Clone for TellAddr<W> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<S: Serve> Clone for AskAddr<S> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<W: Work> fmt::Debug for TellAddr<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("actix::TellAddr").finish_non_exhaustive()
    }
}

impl<S: Serve> fmt::Debug for AskAddr<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("actix::AskAddr").finish_non_exhaustive()
    }
}

/// `do_send`: queued even when the mailbox is full; never waits.
impl<W: Work> Producer<W::Msg> for TellAddr<W> {
    #[inline]
    async fn send(&self, msg: W::Msg) -> bool {
        if !self.0.connected() {
            return false;
        }
        self.0.do_send(Tell(msg));
        true
    }
}

/// `send().await`: waits for room in the mailbox, then for the handler's result.
impl<S: Serve> Asker<S::Req, S::Resp> for AskAddr<S> {
    #[inline]
    async fn ask(&self, req: S::Req) -> Option<S::Resp> {
        self.0.send(Ask(req)).await.ok()
    }
}

impl ActorPeer for Actix {
    const NAME: &'static str = "actix";
    type Host = ActixSystem;
    type Tell<W: Work> = TellAddr<W>;
    type Ask<S: Serve> = AskAddr<S>;

    async fn spawn_tell<W: Work>(
        capacity: usize,
        work: W,
        done: impl FnOnce(W::Out) + Send + 'static,
    ) -> TellAddr<W> {
        TellAddr(Worker::create(move |ctx| {
            ctx.set_mailbox_capacity(capacity);
            Worker(Job::new(Box::new(work), done))
        }))
    }

    async fn spawn_ask<S: Serve>(
        capacity: usize,
        serve: S,
        done: impl FnOnce(S::Out) + Send + 'static,
    ) -> AskAddr<S> {
        AskAddr(Server::create(move |ctx| {
            ctx.set_mailbox_capacity(capacity);
            Server(Job::new(Box::new(serve), done))
        }))
    }
}
