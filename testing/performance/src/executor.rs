//! A deterministic single-threaded executor that implements ryker-core's `Runtime`.
//!
//! `spawn` puts the task on a run queue; [`Executor::run_until_idle`] polls queued tasks on the
//! calling thread until the queue is empty. No threads, no timers: `sleep` never completes and
//! the clock stands still ([`Tick`] is always 0), so the actor loop's fairness deadline is never
//! reached within a batch and the actor yields exactly once per batch. Everything that happens is
//! a function of the program alone, so callgrind's instruction count repeats run after run.
//!
//! The queue and each task sit behind a `Mutex` only because `Runtime` and `Waker` must be
//! `Send + Sync`; on one thread every lock is uncontended (a fixed number of instructions).

use std::collections::VecDeque;
use std::future::Future;
use std::ops::{Add, Sub};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};
use std::time::Duration;

use ryker_core::runtime::Runtime;

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;
type RunQueue = Arc<Mutex<VecDeque<Arc<Task>>>>;

/// A point on the executor's clock, which never moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Tick(u64);

impl Add<Duration> for Tick {
    type Output = Tick;

    fn add(self, d: Duration) -> Tick {
        Tick(
            self.0
                .saturating_add(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
        )
    }
}

impl Sub<Tick> for Tick {
    type Output = Duration;

    fn sub(self, earlier: Tick) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

/// A spawned task: its future (`None` once finished) and whether it is on the run queue.
struct Task {
    future: Mutex<Option<BoxFuture>>,
    queued: AtomicBool,
    queue: RunQueue,
}

impl Task {
    fn schedule(self: &Arc<Self>) {
        // Relaxed: one thread; the flag only keeps a task from being queued twice.
        if !self.queued.swap(true, Ordering::Relaxed) {
            self.queue.lock().unwrap().push_back(self.clone());
        }
    }
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        self.schedule();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.schedule();
    }
}

/// The executor: a run queue. Cheap to clone (one reference count).
#[derive(Clone, Default)]
pub(crate) struct Executor {
    queue: RunQueue,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("queued", &self.queue.lock().unwrap().len())
            .finish()
    }
}

impl Executor {
    /// Polls queued tasks, oldest first, until none is queued; returns how many polls that took.
    pub(crate) fn run_until_idle(&self) -> u64 {
        let mut polls = 0;
        loop {
            let next = self.queue.lock().unwrap().pop_front();
            let Some(task) = next else {
                return polls;
            };
            // Relaxed: one thread. Cleared before the poll, so a wake during it queues the task
            // again.
            task.queued.store(false, Ordering::Relaxed);
            polls += 1;
            let waker = Waker::from(task.clone());
            let mut slot = task.future.lock().unwrap();
            if let Some(future) = slot.as_mut() {
                if future
                    .as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_ready()
                {
                    *slot = None;
                }
            }
        }
    }

    /// Runs `future` (and every task it wakes) until the queue is idle, and returns its output.
    ///
    /// # Panics
    /// If the queue goes idle before `future` completes (it waits on something that nothing
    /// here will ever wake).
    pub(crate) fn block_on<T: Send + 'static>(
        &self,
        future: impl Future<Output = T> + Send + 'static,
    ) -> T {
        let out = Arc::new(Mutex::new(None));
        let slot = out.clone();
        self.spawn(async move {
            let value = future.await;
            *slot.lock().unwrap() = Some(value);
        });
        self.run_until_idle();
        let value = out.lock().unwrap().take();
        value.expect("block_on: the executor went idle before the future completed")
    }
}

impl Runtime for Executor {
    type Instant = Tick;

    fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let task = Arc::new(Task {
            future: Mutex::new(Some(Box::pin(task))),
            queued: AtomicBool::new(false),
            queue: self.queue.clone(),
        });
        task.schedule();
    }

    fn sleep(&self, _dur: Duration) -> impl Future<Output = ()> + Send + 'static {
        // No timers: the gates never wait for time (a sleep that could finish would make the
        // instruction count depend on the wall clock).
        std::future::pending()
    }

    fn now(&self) -> Tick {
        Tick(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_on_runs_spawned_tasks_and_returns_the_output() {
        let exec = Executor::default();
        let (tx, rx) = std::sync::mpsc::channel();
        exec.spawn(async move { tx.send(7).unwrap() });
        assert_eq!(exec.block_on(async { 5 }), 5);
        assert_eq!(rx.try_recv(), Ok(7));
        assert_eq!(exec.run_until_idle(), 0);
    }

    #[test]
    fn the_clock_stands_still() {
        let exec = Executor::default();
        let t = exec.now();
        assert_eq!(exec.now() - t, Duration::ZERO);
        assert_eq!((t + Duration::from_millis(1)) - t, Duration::from_millis(1));
    }
}
