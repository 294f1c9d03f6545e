//! The executors that task and actor runs use: a tokio current-thread runtime on a thread of its
//! own ([`TokioCt`]) or driven by the caller ([`TokioHere`]), a tokio runtime with 2 workers,
//! and a smol `Executor` run by 2 threads, behind one trait, [`Exec`].

use std::future::Future;
use std::sync::Arc;
use std::thread;

use ryker_core::prelude::Runtime;

/// Where a run's tasks run.
pub trait Exec {
    /// ryker's runtime adapter for this executor.
    type Rt: Runtime;
    /// Short name for tables and Criterion ids.
    const NAME: &'static str;
    /// The adapter, spawning onto this executor.
    fn ryker(&self) -> Self::Rt;
    /// Spawns a detached task.
    fn spawn<F: Future<Output = ()> + Send + 'static>(&self, task: F);
    /// Runs `task` on the executor's threads; blocks the calling thread for its output.
    fn run<F>(&self, task: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
}

/// A tokio runtime owned by the measuring thread (timer on): with `WORKERS` worker threads, or
/// for `WORKERS == 0` a current-thread runtime driven by the thread that calls [`Exec::run`].
#[derive(Debug)]
pub struct Tokio<const WORKERS: usize> {
    rt: tokio::runtime::Runtime,
}

/// A tokio multi-thread runtime with 2 workers.
pub type TokioMt2 = Tokio<2>;

/// A tokio current-thread runtime driven by the thread that calls [`Exec::run`]: tasks spawned
/// before `run` wait for it, and `run`'s task is the runtime's main future (polled first when
/// woken), as in a program's `#[tokio::main(flavor = "current_thread")]`. For runs whose every
/// task lives inside `run`; [`TokioCt`] serves those that need the runtime driven between runs.
pub type TokioHere = Tokio<0>;

impl<const WORKERS: usize> Tokio<WORKERS> {
    /// Builds the runtime.
    ///
    /// # Panics
    /// If tokio cannot build it or start its threads.
    #[must_use]
    pub fn new() -> Self {
        let mut builder = if WORKERS == 0 {
            tokio::runtime::Builder::new_current_thread()
        } else {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(WORKERS);
            b
        };
        let rt = builder.enable_all().build().expect("tokio runtime");
        Self { rt }
    }

    /// The runtime.
    #[must_use]
    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.rt
    }
}

impl<const WORKERS: usize> Default for Tokio<WORKERS> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const WORKERS: usize> Exec for Tokio<WORKERS> {
    type Rt = ryker_tokio::Tokio;
    const NAME: &'static str = match WORKERS {
        0 => "tokio_ct_here",
        2 => "tokio_mt2",
        _ => "tokio_mt",
    };

    fn ryker(&self) -> ryker_tokio::Tokio {
        ryker_tokio::Tokio::with_handle(self.rt.handle().clone())
    }

    fn spawn<F: Future<Output = ()> + Send + 'static>(&self, task: F) {
        drop(self.rt.spawn(task));
    }

    fn run<F>(&self, task: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        if WORKERS == 0 {
            // The calling thread drives the runtime; `task` is its main future.
            self.rt.block_on(task)
        } else {
            // Spawned, so the task runs on a worker, not on this (blocked) thread.
            self.rt
                .block_on(self.rt.spawn(task))
                .expect("the measured task panicked")
        }
    }
}

/// A tokio current-thread runtime driven by one thread of its own: producer and consumer
/// share that thread, so a run shows the per-message CPU cost of a path without cross-thread
/// wake-ups.
#[derive(Debug)]
pub struct TokioCt {
    handle: tokio::runtime::Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl TokioCt {
    /// Starts the runtime's thread.
    ///
    /// # Panics
    /// If tokio cannot build the runtime.
    #[must_use]
    pub fn new() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let handle = rt.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name("tokio-ct".into())
            .spawn(move || {
                let _ = rt.block_on(stopped);
            })
            .expect("spawn runtime thread");
        Self {
            handle,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Default for TokioCt {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TokioCt {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Exec for TokioCt {
    type Rt = ryker_tokio::Tokio;
    const NAME: &'static str = "tokio_ct";

    fn ryker(&self) -> ryker_tokio::Tokio {
        ryker_tokio::Tokio::with_handle(self.handle.clone())
    }

    fn spawn<F: Future<Output = ()> + Send + 'static>(&self, task: F) {
        drop(self.handle.spawn(task));
    }

    fn run<F>(&self, task: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        // The runtime's own thread runs the task; this one only waits for it.
        ryker_core::blocking::block_on(self.handle.spawn(task)).expect("the measured task panicked")
    }
}

/// A smol `Executor` run by 2 threads of its own.
#[derive(Debug)]
pub struct Smol2 {
    ex: Arc<smol::Executor<'static>>,
    stop: Option<async_channel::Sender<()>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Smol2 {
    /// Starts the executor threads.
    #[must_use]
    pub fn new() -> Self {
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
                    .expect("spawn executor thread")
            })
            .collect();
        Self {
            ex,
            stop: Some(stop),
            threads,
        }
    }
}

impl Default for Smol2 {
    fn default() -> Self {
        Self::new()
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

impl Exec for Smol2 {
    type Rt = ryker_smol::Smol;
    const NAME: &'static str = "smol_2thr";

    fn ryker(&self) -> ryker_smol::Smol {
        ryker_smol::Smol::on(self.ex.clone())
    }

    fn spawn<F: Future<Output = ()> + Send + 'static>(&self, task: F) {
        self.ex.spawn(task).detach();
    }

    fn run<F>(&self, task: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        smol::block_on(self.ex.spawn(task))
    }
}
