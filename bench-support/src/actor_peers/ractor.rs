//! ractor 0.16: `Actor::spawn(None, handler, args).await` on the tokio runtime it is called
//! from. Its mailbox is unbounded (there is no capacity to choose): tell is `ActorRef::cast`,
//! which never waits; ask is `ActorRef::call(|port| (req, port), None).await` with an
//! `RpcReplyPort`. A ractor actor does not stop when its `ActorRef`s are dropped, so the handle
//! here drains it (`ActorRef::drain`: handle what is queued, then stop) when its last clone is
//! gone.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use ::ractor::rpc::CallResult;
use ::ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};

use super::{ActorPeer, Job, OnTokio};
use crate::actor::{Serve, Work};
use crate::exec::TokioMt2;
use crate::tasks::{Asker, Producer};

/// ractor as an [`ActorPeer`].
///
/// `H`: the tokio runtime it runs on (its actors are spawned with `tokio::spawn`), 2 workers
/// by default.
#[derive(Debug)]
pub struct Ractor<H = TokioMt2>(PhantomData<fn() -> H>);

/// The actor around a [`Work`] (ractor keeps the state apart from the handler).
pub struct Worker<W>(PhantomData<fn() -> W>);

/// The actor around a [`Serve`].
pub struct Server<S>(PhantomData<fn() -> S>);

impl<W> fmt::Debug for Worker<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ractor::Worker").finish_non_exhaustive()
    }
}

impl<S> fmt::Debug for Server<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ractor::Server").finish_non_exhaustive()
    }
}

impl<W: Work> Actor for Worker<W> {
    type Msg = W::Msg;
    type State = Job<W, W::Out>;
    type Arguments = Job<W, W::Out>;

    async fn pre_start(
        &self,
        _: ActorRef<W::Msg>,
        job: Self::Arguments,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(job)
    }

    #[inline]
    async fn handle(
        &self,
        _: ActorRef<W::Msg>,
        msg: W::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        state.job.on(msg);
        Ok(())
    }

    async fn post_stop(
        &self,
        _: ActorRef<W::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        state.stop(W::finish);
        Ok(())
    }
}

impl<S: Serve> Actor for Server<S> {
    type Msg = (S::Req, RpcReplyPort<S::Resp>);
    type State = Job<S, S::Out>;
    type Arguments = Job<S, S::Out>;

    async fn pre_start(
        &self,
        _: ActorRef<Self::Msg>,
        job: Self::Arguments,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(job)
    }

    #[inline]
    async fn handle(
        &self,
        _: ActorRef<Self::Msg>,
        (req, port): Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        // An asker that gave up waiting is no error here; the run's check counts what came back.
        let _ = port.send(state.job.on(req));
        Ok(())
    }

    async fn post_stop(
        &self,
        _: ActorRef<Self::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        state.stop(S::finish);
        Ok(())
    }
}

/// An `ActorRef` that drains its actor when the last clone is dropped.
pub struct Handle<M: Send + 'static>(Arc<DrainOnDrop<M>>);

struct DrainOnDrop<M: Send + 'static>(ActorRef<M>);

impl<M: Send + 'static> Drop for DrainOnDrop<M> {
    fn drop(&mut self) {
        // Behind every message already cast: the actor handles them, then stops. An actor
        // already gone has nothing to drain.
        let _ = self.0.drain();
    }
}

impl<M: Send + 'static> Clone for Handle<M> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<M: Send + 'static> fmt::Debug for Handle<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ractor::Handle").finish_non_exhaustive()
    }
}

/// `cast`: into the unbounded mailbox; never waits.
impl<M: Send + 'static> Producer<M> for Handle<M> {
    #[inline]
    async fn send(&self, msg: M) -> bool {
        self.0 .0.cast(msg).is_ok()
    }
}

/// `call(|port| (req, port), None).await`: no timeout.
impl<Q: Send + 'static, R: Send + 'static> Asker<Q, R> for Handle<(Q, RpcReplyPort<R>)> {
    #[inline]
    async fn ask(&self, req: Q) -> Option<R> {
        match self.0 .0.call(|port| (req, port), None).await {
            Ok(CallResult::Success(r)) => Some(r),
            Ok(CallResult::Timeout | CallResult::SenderError) | Err(_) => None,
        }
    }
}

impl<H: OnTokio> ActorPeer for Ractor<H> {
    const NAME: &'static str = "ractor";
    type Host = H;
    type Tell<W: Work> = Handle<W::Msg>;
    type Ask<S: Serve> = Handle<(S::Req, RpcReplyPort<S::Resp>)>;

    async fn spawn_tell<W: Work>(
        _capacity: usize,
        work: W,
        done: impl FnOnce(W::Out) + Send + 'static,
    ) -> Handle<W::Msg> {
        let (actor, _detached) = Actor::spawn(None, Worker(PhantomData), Job::new(work, done))
            .await
            .expect("an unnamed ractor actor spawns");
        Handle(Arc::new(DrainOnDrop(actor)))
    }

    async fn spawn_ask<S: Serve>(
        _capacity: usize,
        serve: S,
        done: impl FnOnce(S::Out) + Send + 'static,
    ) -> Self::Ask<S> {
        let (actor, _detached) = Actor::spawn(None, Server(PhantomData), Job::new(serve, done))
            .await
            .expect("an unnamed ractor actor spawns");
        Handle(Arc::new(DrainOnDrop(actor)))
    }
}
