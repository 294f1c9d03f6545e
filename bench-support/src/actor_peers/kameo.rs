//! kameo 0.22: `Spawn::spawn_with_mailbox(actor, mailbox::bounded(capacity))` (kameo's
//! default is a bounded mailbox of 64, a tokio mpsc), spawned on the tokio runtime it is called
//! from; tell is `ActorRef::tell(msg).await` (waits for room), ask is `ActorRef::ask(req).await`.
//! The actor stops when its last `ActorRef` is gone and its mailbox is empty (each queued
//! message holds an `ActorRef` of its own until it is handled).

use std::fmt;
use std::marker::PhantomData;

use ::kameo::actor::{ActorRef, Spawn, WeakActorRef};
use ::kameo::error::{ActorStopReason, Infallible};
use ::kameo::mailbox;
use ::kameo::message::{Context, Message};

use super::{ActorPeer, Job, OnTokio};
use crate::actor::{Serve, Work};
use crate::exec::TokioMt2;
use crate::tasks::{Asker, Producer};

/// kameo as an [`ActorPeer`].
///
/// `H`: the tokio runtime it runs on (its actors are spawned with `tokio::spawn`), 2 workers
/// by default.
#[derive(Debug)]
pub struct Kameo<H = TokioMt2>(PhantomData<fn() -> H>);

/// The actor around a [`Work`].
pub struct Worker<W: Work>(Job<W, W::Out>);

/// The actor around a [`Serve`].
pub struct Server<S: Serve>(Job<S, S::Out>);

impl<W: Work> fmt::Debug for Worker<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("kameo::Worker").finish_non_exhaustive()
    }
}

impl<S: Serve> fmt::Debug for Server<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("kameo::Server").finish_non_exhaustive()
    }
}

impl<W: Work> ::kameo::Actor for Worker<W> {
    type Args = Self;
    type Error = Infallible;

    async fn on_start(worker: Self, _: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(worker)
    }

    async fn on_stop(
        &mut self,
        _: WeakActorRef<Self>,
        _: ActorStopReason,
    ) -> Result<(), Infallible> {
        self.0.stop(W::finish);
        Ok(())
    }
}

impl<S: Serve> ::kameo::Actor for Server<S> {
    type Args = Self;
    type Error = Infallible;

    async fn on_start(server: Self, _: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(server)
    }

    async fn on_stop(
        &mut self,
        _: WeakActorRef<Self>,
        _: ActorStopReason,
    ) -> Result<(), Infallible> {
        self.0.stop(S::finish);
        Ok(())
    }
}

impl<W: Work> Message<W::Msg> for Worker<W> {
    type Reply = ();

    #[inline]
    async fn handle(&mut self, msg: W::Msg, _: &mut Context<Self, ()>) {
        self.0.job.on(msg);
    }
}

impl<S: Serve> Message<S::Req> for Server<S> {
    /// `Result` because kameo takes any `Result<T, E>` as a reply, and `S::Resp` itself is not
    /// one of its reply types.
    type Reply = Result<S::Resp, Infallible>;

    #[inline]
    async fn handle(
        &mut self,
        req: S::Req,
        _: &mut Context<Self, Self::Reply>,
    ) -> Result<S::Resp, Infallible> {
        Ok(self.0.job.on(req))
    }
}

/// A [`Worker`]'s `ActorRef`: `tell().await`.
pub struct TellRef<W: Work>(ActorRef<Worker<W>>);

/// A [`Server`]'s `ActorRef`: `ask().await`.
pub struct AskRef<S: Serve>(ActorRef<Server<S>>);

impl<W: Work> Clone for TellRef<W> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<S: Serve> Clone for AskRef<S> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<W: Work> fmt::Debug for TellRef<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("kameo::TellRef").finish_non_exhaustive()
    }
}

impl<S: Serve> fmt::Debug for AskRef<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("kameo::AskRef").finish_non_exhaustive()
    }
}

/// `tell(msg).await`: waits for room in the bounded mailbox.
impl<W: Work> Producer<W::Msg> for TellRef<W> {
    #[inline]
    async fn send(&self, msg: W::Msg) -> bool {
        self.0.tell(msg).await.is_ok()
    }
}

/// `ask(req).await`.
impl<S: Serve> Asker<S::Req, S::Resp> for AskRef<S> {
    #[inline]
    async fn ask(&self, req: S::Req) -> Option<S::Resp> {
        self.0.ask(req).await.ok()
    }
}

impl<H: OnTokio> ActorPeer for Kameo<H> {
    const NAME: &'static str = "kameo";
    type Host = H;
    type Tell<W: Work> = TellRef<W>;
    type Ask<S: Serve> = AskRef<S>;

    async fn spawn_tell<W: Work>(
        capacity: usize,
        work: W,
        done: impl FnOnce(W::Out) + Send + 'static,
    ) -> TellRef<W> {
        let worker = Worker(Job::new(work, done));
        TellRef(Worker::spawn_with_mailbox(
            worker,
            mailbox::bounded(capacity),
        ))
    }

    async fn spawn_ask<S: Serve>(
        capacity: usize,
        serve: S,
        done: impl FnOnce(S::Out) + Send + 'static,
    ) -> AskRef<S> {
        let server = Server(Job::new(serve, done));
        AskRef(Server::spawn_with_mailbox(
            server,
            mailbox::bounded(capacity),
        ))
    }
}
