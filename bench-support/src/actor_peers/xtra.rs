//! xtra 0.6: `xtra::spawn_tokio(actor, Mailbox::bounded(capacity))` on the tokio runtime it is
//! called from. Tell is `Address::send(msg).detach().await`, which resolves once the message is
//! queued (waiting for room) without waiting for the handler; ask is `Address::send(req).await`,
//! which resolves to the handler's return value. The actor handles what is queued and stops
//! when its last strong `Address` is gone.

use std::fmt;
use std::marker::PhantomData;

use ::xtra::{Actor, Address, Context, Handler, Mailbox};

use super::{ActorPeer, Job, OnTokio};
use crate::actor::{Serve, Work};
use crate::exec::TokioMt2;
use crate::tasks::{Asker, Producer};

/// xtra as an [`ActorPeer`].
///
/// `H`: the tokio runtime it runs on (its actors are spawned with `tokio::spawn`), 2 workers
/// by default.
#[derive(Debug)]
pub struct Xtra<H = TokioMt2>(PhantomData<fn() -> H>);

/// The actor around a [`Work`].
pub struct Worker<W: Work>(Job<W, W::Out>);

/// The actor around a [`Serve`].
pub struct Server<S: Serve>(Job<S, S::Out>);

impl<W: Work> fmt::Debug for Worker<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("xtra::Worker").finish_non_exhaustive()
    }
}

impl<S: Serve> fmt::Debug for Server<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("xtra::Server").finish_non_exhaustive()
    }
}

impl<W: Work> Actor for Worker<W> {
    type Stop = ();

    async fn stopped(mut self) {
        self.0.stop(W::finish);
    }
}

impl<S: Serve> Actor for Server<S> {
    type Stop = ();

    async fn stopped(mut self) {
        self.0.stop(S::finish);
    }
}

impl<W: Work> Handler<W::Msg> for Worker<W> {
    type Return = ();

    #[inline]
    async fn handle(&mut self, msg: W::Msg, _: &mut Context<Self>) {
        self.0.job.on(msg);
    }
}

impl<S: Serve> Handler<S::Req> for Server<S> {
    type Return = S::Resp;

    #[inline]
    async fn handle(&mut self, req: S::Req, _: &mut Context<Self>) -> S::Resp {
        self.0.job.on(req)
    }
}

/// A [`Worker`]'s `Address`: `send().detach().await`.
pub struct TellAddress<W: Work>(Address<Worker<W>>);

/// A [`Server`]'s `Address`: `send().await`.
pub struct AskAddress<S: Serve>(Address<Server<S>>);

impl<W: Work> Clone for TellAddress<W> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<S: Serve> Clone for AskAddress<S> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<W: Work> fmt::Debug for TellAddress<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("xtra::TellAddress").finish_non_exhaustive()
    }
}

impl<S: Serve> fmt::Debug for AskAddress<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("xtra::AskAddress").finish_non_exhaustive()
    }
}

/// `send(msg).detach().await`: waits for room in the bounded mailbox, not for the handler.
impl<W: Work> Producer<W::Msg> for TellAddress<W> {
    #[inline]
    async fn send(&self, msg: W::Msg) -> bool {
        self.0.send(msg).detach().await.is_ok()
    }
}

/// `send(req).await`: the handler's return value.
impl<S: Serve> Asker<S::Req, S::Resp> for AskAddress<S> {
    #[inline]
    async fn ask(&self, req: S::Req) -> Option<S::Resp> {
        self.0.send(req).await.ok()
    }
}

impl<H: OnTokio> ActorPeer for Xtra<H> {
    const NAME: &'static str = "xtra";
    type Host = H;
    type Tell<W: Work> = TellAddress<W>;
    type Ask<S: Serve> = AskAddress<S>;

    async fn spawn_tell<W: Work>(
        capacity: usize,
        work: W,
        done: impl FnOnce(W::Out) + Send + 'static,
    ) -> TellAddress<W> {
        let worker = Worker(Job::new(work, done));
        TellAddress(::xtra::spawn_tokio(worker, Mailbox::bounded(capacity)))
    }

    async fn spawn_ask<S: Serve>(
        capacity: usize,
        serve: S,
        done: impl FnOnce(S::Out) + Send + 'static,
    ) -> AskAddress<S> {
        let server = Server(Job::new(serve, done));
        AskAddress(::xtra::spawn_tokio(server, Mailbox::bounded(capacity)))
    }
}
