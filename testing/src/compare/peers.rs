//! The actor frameworks' rows (`--features actor-peers`): actix, kameo, ractor and xtra, each
//! driven through `bench_support::actor_peers`, with the same producers, askers and check as
//! ryker's actor rows. kameo, ractor and xtra run on the context's tokio runtime (2 workers in
//! `actor` and `ask`, one thread of its own in `actor-ct` and `ask-ct`); actix on an
//! `ActixSystem` of its own per run, one thread that hosts the actor and the tasks that message
//! it. Without the feature the plan leaves these rows out, and [`measure`] is
//! never called.

/// Whether this build has the actor frameworks.
pub(super) const BUILT: bool = cfg!(feature = "actor-peers");

#[cfg(feature = "actor-peers")]
pub(super) use built::measure;
#[cfg(not(feature = "actor-peers"))]
pub(super) use unbuilt::measure;

#[cfg(not(feature = "actor-peers"))]
mod unbuilt {
    use super::super::check::Measured;
    use super::super::exec::Shape;
    use super::super::{ContextArg, QueueArg};

    /// Without the feature there are no actor framework rows to run.
    pub(in super::super) fn measure<H>(
        _tokio: &H,
        context: ContextArg,
        queue: QueueArg,
        _shape: &Shape,
        _label: &str,
    ) -> Measured {
        unreachable!(
            "{} {}: the plan leaves the actor frameworks out without the actor-peers feature",
            context.name(),
            queue.name()
        )
    }
}

#[cfg(feature = "actor-peers")]
mod built {
    use std::time::Instant;

    use bench_support::actor_peers::{
        Actix, ActixSystem, ActorPeer, Host, Kameo, OnTokio, Ractor, Xtra,
    };

    use super::super::check::{quotas, Check, Measured};
    use super::super::exec::{
        asker_tasks, producer_tasks, reported, round_trips, watched, Answering, Checking, Shape,
    };
    use super::super::{ContextArg, QueueArg};

    /// One run of the actor framework `queue` in `context` (an actor or ask context); `tokio`
    /// is the context's runtime.
    pub(in super::super) fn measure<H: OnTokio>(
        tokio: &H,
        context: ContextArg,
        queue: QueueArg,
        shape: &Shape,
        label: &str,
    ) -> Measured {
        use ContextArg::{Actor, Ask};
        match (context.rows_of(), queue) {
            (Actor, QueueArg::Actix) => tell::<Actix>(&ActixSystem::new(), shape, label),
            (Actor, QueueArg::Kameo) => tell::<Kameo<H>>(tokio, shape, label),
            (Actor, QueueArg::Ractor) => tell::<Ractor<H>>(tokio, shape, label),
            (Actor, QueueArg::Xtra) => tell::<Xtra<H>>(tokio, shape, label),
            (Ask, QueueArg::Actix) => ask::<Actix>(&ActixSystem::new(), shape, label),
            (Ask, QueueArg::Kameo) => ask::<Kameo<H>>(tokio, shape, label),
            (Ask, QueueArg::Ractor) => ask::<Ractor<H>>(tokio, shape, label),
            (Ask, QueueArg::Xtra) => ask::<Xtra<H>>(tokio, shape, label),
            _ => unreachable!("{} has no {} row", context.name(), queue.name()),
        }
    }

    /// Producer tasks tell `A`'s actor, whose handler is the check, on `host`.
    fn tell<A: ActorPeer>(host: &A::Host, shape: &Shape, label: &str) -> Measured {
        watched(shape, label, |beats| {
            let quotas = quotas(shape.messages, shape.producers);
            let (out, result) = tokio::sync::oneshot::channel();
            let check = Checking(Some(Check::new(quotas.clone(), beats.clone())));
            // The actor stops (and reports) once every handle is gone.
            let tx = host.run(A::spawn_tell(shape.capacity, check, move |check| {
                let _ = out.send(check);
            }));
            let start = Instant::now();
            for task in producer_tasks(&tx, &quotas, beats) {
                host.spawn(task);
            }
            drop(tx);
            host.run(reported(result, start))
        })
    }

    /// Asking tasks ask `A`'s server, which checks each request and answers it, on `host`.
    fn ask<A: ActorPeer>(host: &A::Host, shape: &Shape, label: &str) -> Measured {
        watched(shape, label, |beats| {
            let quotas = quotas(shape.messages, shape.producers);
            let (out, server) = tokio::sync::oneshot::channel();
            let serve = Answering(Some(Check::new(quotas.clone(), beats.clone())));
            // The server stops (and reports) once every handle is gone.
            let tx = host.run(A::spawn_ask(shape.capacity, serve, move |check| {
                let _ = out.send(check);
            }));
            let (report, asked) = tokio::sync::mpsc::unbounded_channel();
            let start = Instant::now();
            for task in asker_tasks(&tx, &quotas, beats, &report) {
                host.spawn(task);
            }
            drop((tx, report));
            host.run(round_trips(start, quotas.len(), asked, server))
        })
    }
}
