//! Where a run happens and how it is timed: plain threads, or tasks on one of
//! `bench_support::exec`'s executors; and the actor row (a ryker actor against a tokio task
//! reading a tokio mpsc, on tokio multi-thread).
//!
//! Every run moves `messages` 64-byte messages from `producers` producers (each sending its
//! quota with sequence numbers 0, 1, ...) to one consumer that runs [`Check`] on each. The clock
//! starts when the producers are released and stops at the last message's arrival.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use ryker_core::prelude::{ActorConfig, MailboxConfig};

use bench_support::actor::{self, Work};
use bench_support::exec::Exec;
use bench_support::sync::{Outcome, SyncPeer};
use bench_support::tasks::{AsyncPeer, PeerTx, Producer, TokioMpsc};
use bench_support::watchdog::{self, Heartbeats};
use bench_support::Msg;

use super::check::{quotas, Check, Measured, BATCH, BEAT_EVERY};

/// One run's shape.
#[derive(Debug, Clone, Copy)]
pub(super) struct Shape {
    pub(super) producers: u32,
    pub(super) capacity: usize,
    pub(super) messages: u64,
    /// End the process (exit code 3) if a run makes no progress for this long.
    pub(super) stall: Option<Duration>,
}

/// Runs `f` with a fresh set of heartbeats watched by the stall watchdog.
fn watched<R>(shape: &Shape, label: &str, f: impl FnOnce(&Arc<Heartbeats>) -> R) -> R {
    let beats = Arc::new(Heartbeats::new(shape.producers));
    watchdog::watched(&beats, shape.stall, label, || f(&beats))
}

// ---------------------------------------------------------------------------------------------
// Plain threads
// ---------------------------------------------------------------------------------------------

/// `shape.producers` producer threads and one consumer (the calling thread) through `Q`.
pub(super) fn run_sync<Q: SyncPeer>(shape: &Shape, label: &str) -> Measured {
    watched(shape, label, |beats| {
        let (tx, mut rx) = Q::pair(shape.capacity);
        let quotas = quotas(shape.messages, shape.producers);
        let barrier = Barrier::new(shape.producers as usize + 1);
        thread::scope(|s| {
            for (id, &quota) in (0_u32..).zip(&quotas) {
                let (tx, barrier, beats) = (tx.clone(), &barrier, &**beats);
                thread::Builder::new()
                    .name(format!("producer-{id}"))
                    .spawn_scoped(s, move || {
                        barrier.wait();
                        for seq in 0..quota {
                            if Q::send(&tx, Msg::new(id, seq)) == Outcome::Closed {
                                break;
                            }
                            if seq.is_multiple_of(BEAT_EVERY) {
                                beats.producer(id, seq);
                            }
                        }
                    })
                    .expect("spawn a producer thread");
            }
            // Only the producers' clones keep the queue open: the run ends when they are gone.
            drop(tx);
            let mut check = Check::new(quotas.clone(), beats.clone());
            let mut buf = Vec::with_capacity(BATCH);
            barrier.wait();
            let start = Instant::now();
            loop {
                buf.clear();
                if Q::recv_batch(&mut rx, &mut buf, BATCH) == 0 {
                    break;
                }
                for msg in &buf {
                    check.on(msg);
                }
            }
            check.finish(start)
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Tasks
// ---------------------------------------------------------------------------------------------

/// Spawns one producer task per quota on `exec`, each sending its quota through a clone of `tx`.
fn spawn_producers<E: Exec, P: Producer<Msg>>(
    exec: &E,
    tx: &P,
    quotas: &[u64],
    beats: &Arc<Heartbeats>,
) {
    for (id, &quota) in (0_u32..).zip(quotas) {
        let (tx, beats) = (tx.clone(), beats.clone());
        exec.spawn(async move {
            for seq in 0..quota {
                if !tx.send(Msg::new(id, seq)).await {
                    break;
                }
                if seq.is_multiple_of(BEAT_EVERY) {
                    beats.producer(id, seq);
                }
            }
        });
    }
}

/// Producer tasks and one consumer task through `Q` on `exec`.
pub(super) fn run_async<E: Exec, Q: AsyncPeer>(exec: &E, shape: &Shape, label: &str) -> Measured {
    watched(shape, label, |beats| {
        let (tx, mut rx) = Q::pair(shape.capacity);
        let quotas = quotas(shape.messages, shape.producers);
        let mut check = Check::new(quotas.clone(), beats.clone());
        let start = Instant::now();
        spawn_producers(exec, &PeerTx::<Q>::new(tx), &quotas, beats);
        exec.run(async move {
            let mut buf = Vec::with_capacity(BATCH);
            loop {
                buf.clear();
                if Q::recv_batch(&mut rx, &mut buf, BATCH).await == 0 {
                    break;
                }
                for msg in &buf {
                    check.on(msg);
                }
            }
            check.finish(start)
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Actors
// ---------------------------------------------------------------------------------------------

/// The check as a ryker actor's [`Work`], and nothing else: taken out whole when the actor stops.
#[derive(Debug)]
struct Checking(Option<Check>);

impl Work for Checking {
    type Msg = Msg;
    type Out = Option<Check>;

    #[inline]
    fn on(&mut self, msg: Msg) {
        if let Some(check) = &mut self.0 {
            check.on(&msg);
        }
    }

    fn finish(&mut self) -> Option<Check> {
        self.0.take()
    }
}

/// Producer tasks `tell` a ryker actor (default actor config, mailbox of `shape.capacity`) on
/// `exec`.
pub(super) fn run_actor_ryker<E: Exec>(exec: &E, shape: &Shape, label: &str) -> Measured {
    watched(shape, label, |beats| {
        let quotas = quotas(shape.messages, shape.producers);
        let (out, result) = tokio::sync::oneshot::channel();
        let config = ActorConfig {
            mailbox: MailboxConfig {
                capacity: shape.capacity,
                ..MailboxConfig::default()
            },
            ..ActorConfig::default()
        };
        let check = Checking(Some(Check::new(quotas.clone(), beats.clone())));
        // Detached: the actor stops (and reports) once every `Addr` is gone.
        let addr = actor::spawn(exec, config, "compare", check, move |check| {
            let _ = out.send(check);
        })
        .expect("capacity validated before the run");
        let start = Instant::now();
        spawn_producers(exec, &addr, &quotas, beats);
        drop(addr);
        exec.run(async move {
            let check = result
                .await
                .ok()
                .flatten()
                .expect("the actor stopped without its report");
            check.finish(start)
        })
    })
}

/// Producer tasks send through `tokio::sync::mpsc::channel(shape.capacity)` to one task that
/// runs the check on each message (`while let Some(m) = rx.recv().await`), on `exec`: the
/// hand-written equivalent of the actor.
pub(super) fn run_actor_tokio<E: Exec>(exec: &E, shape: &Shape, label: &str) -> Measured {
    watched(shape, label, |beats| {
        let quotas = quotas(shape.messages, shape.producers);
        let (out, result) = tokio::sync::oneshot::channel();
        let (tx, mut rx) = TokioMpsc::pair(shape.capacity);
        let mut check = Check::new(quotas.clone(), beats.clone());
        exec.spawn(async move {
            while let Some(msg) = TokioMpsc::recv(&mut rx).await {
                check.on(&msg);
            }
            let _ = out.send(check);
        });
        let start = Instant::now();
        spawn_producers(exec, &PeerTx::<TokioMpsc>::new(tx), &quotas, beats);
        exec.run(async move {
            let check = result
                .await
                .expect("the consumer task stopped without its report");
            check.finish(start)
        })
    })
}
