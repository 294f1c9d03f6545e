//! Where a run happens and how it is timed: plain threads, or tasks on tokio (current-thread,
//! or multi-thread with 2 workers) or smol (an `Executor` run by 2 threads); and the actor row
//! (a ryker actor against a tokio task reading a tokio mpsc, on tokio multi-thread).
//!
//! Every run moves `messages` 64-byte messages from `producers` producers (each sending its
//! quota with sequence numbers 0, 1, ...) to one consumer that runs [`Check`] on each. The clock
//! starts when the producers are released and stops at the last message's arrival.

use std::future::Future;
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use ryker_core::prelude::{Actor, ActorConfig, ActorOptions, Addr, Context, MailboxConfig};

use super::peers::{
    quotas, AsyncPeer, Check, Measured, SyncPeer, TokioMpscAsync, BATCH, BEAT_EVERY,
};
use crate::payload::Msg;
use crate::transport::Outcome;
use crate::watchdog::{self, Heartbeats};

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
    let (done, watching) = mpsc::channel::<()>();
    thread::scope(|s| {
        if let Some(limit) = shape.stall {
            let beats = &*beats;
            s.spawn(move || watchdog::guard(beats, &watching, limit, label));
        }
        let out = f(&beats);
        drop(done); // ends the watchdog
        out
    })
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
// Executors
// ---------------------------------------------------------------------------------------------

/// Spawns detached tasks onto an executor.
#[derive(Debug, Clone)]
pub(super) enum Spawner {
    Tokio(tokio::runtime::Handle),
    Smol(Arc<smol::Executor<'static>>),
}

impl Spawner {
    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        match self {
            Self::Tokio(handle) => drop(handle.spawn(task)),
            Self::Smol(ex) => ex.spawn(task).detach(),
        }
    }
}

/// An executor that the async contexts run on, started once per context.
#[derive(Debug)]
pub(super) enum Exec {
    /// A tokio current-thread runtime, driven by the calling thread (producers and consumer
    /// share it: no cross-thread wake-ups).
    TokioCt(tokio::runtime::Runtime),
    /// A tokio multi-thread runtime with 2 workers.
    TokioMt(tokio::runtime::Runtime),
    /// A smol `Executor` run by 2 threads of its own.
    Smol(Smol2),
}

impl Exec {
    pub(super) fn tokio_current_thread() -> Self {
        Self::TokioCt(
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("build a tokio current-thread runtime"),
        )
    }

    pub(super) fn tokio_multi_thread() -> Self {
        Self::TokioMt(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("build a tokio multi-thread runtime"),
        )
    }

    pub(super) fn smol() -> Self {
        Self::Smol(Smol2::new())
    }

    fn spawner(&self) -> Spawner {
        match self {
            Self::TokioCt(rt) | Self::TokioMt(rt) => Spawner::Tokio(rt.handle().clone()),
            Self::Smol(s) => Spawner::Smol(s.ex.clone()),
        }
    }

    /// Runs `task` to completion on the executor and returns its output.
    fn run<F>(&self, task: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            // The calling thread is the runtime's only thread.
            Self::TokioCt(rt) => rt.block_on(task),
            // Spawned, so that the task runs on a worker and this thread only waits.
            Self::TokioMt(rt) => rt
                .block_on(rt.spawn(task))
                .expect("the measured task panicked"),
            // `block_on` polls the task's handle; the executor's own threads run the task.
            Self::Smol(s) => smol::block_on(s.ex.spawn(task)),
        }
    }
}

/// A smol `Executor` run by 2 threads until dropped.
#[derive(Debug)]
pub(super) struct Smol2 {
    ex: Arc<smol::Executor<'static>>,
    stop: Option<async_channel::Sender<()>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Smol2 {
    fn new() -> Self {
        let ex = Arc::new(smol::Executor::new());
        let (stop, stopped) = async_channel::bounded::<()>(1);
        let threads = (0..2)
            .map(|i| {
                let (ex, stopped) = (ex.clone(), stopped.clone());
                thread::Builder::new()
                    .name(format!("smol-{i}"))
                    .spawn(move || {
                        smol::block_on(ex.run(async move {
                            let _ = stopped.recv().await;
                        }));
                    })
                    .expect("spawn a smol executor thread")
            })
            .collect();
        Self {
            ex,
            stop: Some(stop),
            threads,
        }
    }
}

impl Drop for Smol2 {
    fn drop(&mut self) {
        // Closing the channel ends every `ex.run`.
        drop(self.stop.take());
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A producer task's handle to the queue under test.
trait Produce: Clone + Send + Sync + 'static {
    /// Sends, waiting while the queue is full; `false` if it is closed.
    fn send(&self, msg: Msg) -> impl Future<Output = bool> + Send;
}

/// An [`AsyncPeer`]'s sender.
struct PeerTx<Q: AsyncPeer>(Q::Tx);

impl<Q: AsyncPeer> Clone for PeerTx<Q> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<Q: AsyncPeer> Produce for PeerTx<Q> {
    #[inline]
    fn send(&self, msg: Msg) -> impl Future<Output = bool> + Send {
        Q::send(&self.0, msg)
    }
}

impl Produce for Addr<Checker> {
    #[inline]
    async fn send(&self, msg: Msg) -> bool {
        self.tell(msg).await.is_ok()
    }
}

/// Spawns one producer task per quota, each sending its quota through a clone of `tx`.
fn spawn_producers<P: Produce>(spawner: &Spawner, tx: &P, quotas: &[u64], beats: &Arc<Heartbeats>) {
    for (id, &quota) in (0_u32..).zip(quotas) {
        let (tx, beats) = (tx.clone(), beats.clone());
        spawner.spawn(async move {
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
pub(super) fn run_async<Q: AsyncPeer>(exec: &Exec, shape: &Shape, label: &str) -> Measured {
    watched(shape, label, |beats| {
        let (spawner, shape, beats) = (exec.spawner(), *shape, beats.clone());
        exec.run(async move {
            let (tx, mut rx) = Q::pair(shape.capacity);
            let tx = PeerTx::<Q>(tx);
            let quotas = quotas(shape.messages, shape.producers);
            let mut check = Check::new(quotas.clone(), beats.clone());
            let start = Instant::now();
            spawn_producers(&spawner, &tx, &quotas, &beats);
            drop(tx);
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

/// A ryker actor whose handler is the check, and nothing else.
#[derive(Debug)]
struct Checker {
    check: Option<Check>,
    out: Option<tokio::sync::oneshot::Sender<Check>>,
}

impl Actor for Checker {
    type Msg = Msg;

    #[inline]
    async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) {
        if let Some(check) = &mut self.check {
            check.on(&msg);
        }
    }

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        if let (Some(check), Some(out)) = (self.check.take(), self.out.take()) {
            let _ = out.send(check);
        }
    }
}

/// Producer tasks `tell` a ryker actor (default actor config, mailbox of `shape.capacity`) on
/// tokio multi-thread.
pub(super) fn run_actor_ryker(exec: &Exec, shape: &Shape, label: &str) -> Measured {
    let Exec::TokioMt(rt) = exec else {
        unreachable!("the actor rows run on tokio multi-thread");
    };
    let handle = rt.handle().clone();
    watched(shape, label, |beats| {
        let (spawner, shape, beats) = (exec.spawner(), *shape, beats.clone());
        exec.run(async move {
            let quotas = quotas(shape.messages, shape.producers);
            let (out, result) = tokio::sync::oneshot::channel();
            let config = ActorConfig {
                mailbox: MailboxConfig {
                    capacity: shape.capacity,
                    ..MailboxConfig::default()
                },
                ..ActorConfig::default()
            };
            let actor = Checker {
                check: Some(Check::new(quotas.clone(), beats.clone())),
                out: Some(out),
            };
            let spawned = ActorOptions::new(config)
                .name("compare")
                .spawn(&ryker_tokio::Tokio::with_handle(handle), actor)
                .expect("capacity validated before the run");
            let addr = spawned.addr();
            // Detached: the actor stops (and reports) once every `Addr` is gone.
            drop(spawned);
            let start = Instant::now();
            spawn_producers(&spawner, &addr, &quotas, &beats);
            drop(addr);
            let check = result.await.expect("the actor stopped without its report");
            check.finish(start)
        })
    })
}

/// Producer tasks send through `tokio::sync::mpsc::channel(shape.capacity)` to one task that
/// runs the check on each message (`while let Some(m) = rx.recv().await`), on tokio
/// multi-thread: the hand-written equivalent of the actor.
pub(super) fn run_actor_tokio(exec: &Exec, shape: &Shape, label: &str) -> Measured {
    watched(shape, label, |beats| {
        let (spawner, shape, beats) = (exec.spawner(), *shape, beats.clone());
        exec.run(async move {
            let quotas = quotas(shape.messages, shape.producers);
            let (out, result) = tokio::sync::oneshot::channel();
            let (tx, mut rx) = TokioMpscAsync::pair(shape.capacity);
            let tx = PeerTx::<TokioMpscAsync>(tx);
            let mut check = Check::new(quotas.clone(), beats.clone());
            spawner.spawn(async move {
                while let Some(msg) = rx.recv().await {
                    check.on(&msg);
                }
                let _ = out.send(check);
            });
            let start = Instant::now();
            spawn_producers(&spawner, &tx, &quotas, &beats);
            drop(tx);
            let check = result
                .await
                .expect("the consumer task stopped without its report");
            check.finish(start)
        })
    })
}
