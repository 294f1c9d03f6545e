//! The ryker actors that actor runs measure: a [`Worker`] around a [`Work`], the same
//! per-message work a peer's consumer task does, so a ryker row and its peers differ only by the
//! path a message takes; and a [`Server`] around a [`Serve`], which answers each request, for
//! request/response round trips. The Criterion actor benches and `ryker compare`'s actor rows
//! spawn them with [`spawn`] and [`spawn_server`].

use std::fmt;

use ryker_core::prelude::{Actor, ActorConfig, ActorOptions, Addr, ConfigError, Context, Reply};

use crate::exec::Exec;
use crate::tasks::Asker;

/// What a consumer does with each message: the same for ryker's actor and every peer's task.
pub trait Work: Send + 'static {
    /// The message type.
    type Msg: Send + 'static;
    /// What the consumer hands back when it stops.
    type Out: Send + 'static;
    /// Handles one message.
    fn on(&mut self, msg: Self::Msg);
    /// Called once when the consumer stops.
    fn finish(&mut self) -> Self::Out;
}

/// What a server does with each request: the same for ryker's actor and every peer's.
pub trait Serve: Send + 'static {
    /// The request type.
    type Req: Send + 'static;
    /// The reply type.
    type Resp: Send + 'static;
    /// What the server hands back when it stops.
    type Out: Send + 'static;
    /// Handles one request and returns its reply.
    fn on(&mut self, req: Self::Req) -> Self::Resp;
    /// Called once when the server stops.
    fn finish(&mut self) -> Self::Out;
}

/// Where a [`Worker`]'s or [`Server`]'s result goes when it stops.
type Done<O> = Box<dyn FnOnce(O) + Send>;

/// A ryker actor around a [`Work`]: `handle` calls [`Work::on`]; `stopped` hands
/// [`Work::finish`]'s result to the `done` it was spawned with.
pub struct Worker<W: Work> {
    work: W,
    done: Option<Done<W::Out>>,
}

impl<W: Work> fmt::Debug for Worker<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker").finish_non_exhaustive()
    }
}

impl<W: Work> Actor for Worker<W> {
    type Msg = W::Msg;

    #[inline]
    async fn handle(&mut self, msg: W::Msg, _ctx: &mut Context<Self>) {
        self.work.on(msg);
    }

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        if let Some(done) = self.done.take() {
            done(self.work.finish());
        }
    }
}

/// A ryker actor around a [`Serve`]: its message is a request with the [`Reply`] that
/// [`Addr::ask`] made; `handle` answers it with [`Serve::on`]'s result; `stopped` hands
/// [`Serve::finish`]'s result to the `done` it was spawned with.
pub struct Server<S: Serve> {
    serve: S,
    done: Option<Done<S::Out>>,
}

impl<S: Serve> fmt::Debug for Server<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server").finish_non_exhaustive()
    }
}

impl<S: Serve> Actor for Server<S> {
    type Msg = (S::Req, Reply<S::Resp>);

    #[inline]
    async fn handle(&mut self, (req, reply): Self::Msg, _ctx: &mut Context<Self>) {
        // An asker that gave up waiting is no error here; the run's check counts what came back.
        let _ = reply.send(self.serve.on(req));
    }

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        if let Some(done) = self.done.take() {
            done(self.serve.finish());
        }
    }
}

/// `Addr::ask`: the request and the reply slot as one message.
impl<S: Serve> Asker<S::Req, S::Resp> for Addr<Server<S>> {
    #[inline]
    async fn ask(&self, req: S::Req) -> Option<S::Resp> {
        Addr::ask(self, |reply| (req, reply)).await.ok()
    }
}

/// Spawns `work` on `exec` as a ryker actor named `name` with `config`, detached: it runs while
/// an `Addr` is alive, then handles what is queued, stops, and passes [`Work::finish`]'s result
/// to `done`.
///
/// # Errors
/// If ryker rejects `config`.
pub fn spawn<E: Exec, W: Work>(
    exec: &E,
    config: ActorConfig,
    name: &str,
    work: W,
    done: impl FnOnce(W::Out) + Send + 'static,
) -> Result<Addr<Worker<W>>, ConfigError> {
    let worker = Worker {
        work,
        done: Some(Box::new(done)),
    };
    detached(exec, config, name, worker)
}

/// Spawns `serve` on `exec` as a ryker actor named `name` with `config`, detached, as [`spawn`]
/// does: it answers each request, and once every `Addr` is gone and the queue is handled it
/// stops and passes [`Serve::finish`]'s result to `done`.
///
/// # Errors
/// If ryker rejects `config`.
pub fn spawn_server<E: Exec, S: Serve>(
    exec: &E,
    config: ActorConfig,
    name: &str,
    serve: S,
    done: impl FnOnce(S::Out) + Send + 'static,
) -> Result<Addr<Server<S>>, ConfigError> {
    let server = Server {
        serve,
        done: Some(Box::new(done)),
    };
    detached(exec, config, name, server)
}

/// Spawns `actor` on `exec` and lets go of its handle.
fn detached<E: Exec, A: Actor>(
    exec: &E,
    config: ActorConfig,
    name: &str,
    actor: A,
) -> Result<Addr<A>, ConfigError> {
    let handle = ActorOptions::new(config)
        .name(name)
        .spawn(&exec.ryker(), actor)?;
    // Detached: dropping the handle leaves the actor running until its last `Addr` is gone.
    Ok(handle.addr())
}
