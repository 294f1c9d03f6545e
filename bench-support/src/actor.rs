//! The one ryker actor that actor runs measure: a [`Worker`] around a [`Work`], the same
//! per-message work a peer's consumer task does, so a ryker row and its peers differ only by the
//! path a message takes. The Criterion actor benches and `ryker compare`'s actor row both spawn
//! it with [`spawn`].

use std::fmt;

use ryker_core::prelude::{Actor, ActorConfig, ActorOptions, Addr, ConfigError, Context};

use crate::exec::Exec;

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

/// Where a [`Worker`]'s result goes when it stops.
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
    let handle = ActorOptions::new(config)
        .name(name)
        .spawn(&exec.ryker(), worker)?;
    // Detached: dropping the handle leaves the actor running until its last `Addr` is gone.
    Ok(handle.addr())
}
