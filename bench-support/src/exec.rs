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

/// A tokio multi-thread runtime with 2 workers (timer on).
#[derive(Debug)]
pub struct TokioMt2 {
    rt: tokio::runtime::Runtime,
}

impl TokioMt2 {
    /// Builds the runtime.
    ///
    /// # Panics
    /// If tokio cannot start its threads.
    #[must_use]
    pub fn new() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        Self { rt }
    }

    /// The runtime.
    #[must_use]
    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.rt
    }
}

impl Default for TokioMt2 {
    fn default() -> Self {
        Self::new()
    }
}

impl Exec for TokioMt2 {
    type Rt = ryker_tokio::Tokio;
    const NAME: &'static str = "tokio_mt2";

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
        // Spawned, so the task runs on a worker, not on this (blocked) thread.
        self.rt
            .block_on(self.rt.spawn(task))
            .expect("the measured task panicked")
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

/// A tokio current-thread runtime driven by the thread that calls [`Exec::run`]: tasks spawned
/// before `run` wait for it, and `run`'s task is the runtime's main future (polled first when
/// woken), as in a program's `#[tokio::main(flavor = "current_thread")]`. For runs whose every
/// task lives inside `run`; [`TokioCt`] serves those that need the runtime driven between runs.
#[derive(Debug)]
pub struct TokioHere {
    rt: tokio::runtime::Runtime,
}

impl TokioHere {
    /// Builds the runtime.
    ///
    /// # Panics
    /// If tokio cannot build it.
    #[must_use]
    pub fn new() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        Self { rt }
    }
}

impl Default for TokioHere {
    fn default() -> Self {
        Self::new()
    }
}

impl Exec for TokioHere {
    type Rt = ryker_tokio::Tokio;
    const NAME: &'static str = "tokio_ct_here";

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
        self.rt.block_on(task)
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
