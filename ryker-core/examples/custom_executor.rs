//! Actors without an async runtime crate: a hand-written single-threaded executor implements
//! ryker-core's four-method `Runtime` trait, and the same run loop the tokio, smol and
//! async-std adapters use drives the actors on it.
//!
//! `cargo run -p ryker-core --example custom_executor`

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use ryker_core::prelude::*;

type Task = Mutex<Option<Pin<Box<dyn Future<Output = ()> + Send>>>>;

/// A run queue of tasks; a task's waker puts it back on the queue.
#[derive(Clone, Default)]
struct Executor {
    queue: Arc<Mutex<VecDeque<Arc<TaskCell>>>>,
}

struct TaskCell {
    future: Task,
    queue: Arc<Mutex<VecDeque<Arc<TaskCell>>>>,
}

impl Wake for TaskCell {
    fn wake(self: Arc<Self>) {
        self.queue.clone().lock().unwrap().push_back(self);
    }
}

impl Executor {
    /// Polls queued tasks until `main` completes. (No I/O, so an empty queue just waits for
    /// the timer threads below to wake something.)
    fn block_on<T: Send + 'static>(&self, main: impl Future<Output = T> + Send + 'static) -> T {
        let out = Arc::new(Mutex::new(None));
        let slot = out.clone();
        self.spawn(async move {
            *slot.lock().unwrap() = Some(main.await);
        });
        loop {
            if let Some(value) = out.lock().unwrap().take() {
                return value;
            }
            let next = self.queue.lock().unwrap().pop_front();
            let Some(task) = next else {
                std::thread::sleep(Duration::from_micros(50));
                continue;
            };
            let waker = Waker::from(task.clone());
            let mut slot = task.future.lock().unwrap();
            if let Some(fut) = slot.as_mut() {
                if fut
                    .as_mut()
                    .poll(&mut TaskContext::from_waker(&waker))
                    .is_ready()
                {
                    *slot = None;
                }
            }
        }
    }
}

impl Runtime for Executor {
    type Instant = Instant;

    fn spawn<F: Future<Output = ()> + Send + 'static>(&self, task: F) {
        let cell = Arc::new(TaskCell {
            future: Mutex::new(Some(Box::pin(task))),
            queue: self.queue.clone(),
        });
        self.queue.lock().unwrap().push_back(cell);
    }

    fn sleep(&self, dur: Duration) -> impl Future<Output = ()> + Send + 'static {
        // A timer thread per sleep: fine for an example, not for production.
        let deadline = Instant::now() + dur;
        let mut started = false;
        std::future::poll_fn(move |cx| {
            if Instant::now() >= deadline {
                return Poll::Ready(());
            }
            if !started {
                started = true;
                let waker = cx.waker().clone();
                std::thread::spawn(move || {
                    std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
                    waker.wake();
                });
            }
            Poll::Pending
        })
    }

    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// Sums what it is told; answers the sum when asked.
struct Adder(u64);

enum Msg {
    Add(u64),
    Sum(Reply<u64>),
}

impl Actor for Adder {
    type Msg = Msg;

    async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) {
        match msg {
            Msg::Add(n) => self.0 += n,
            Msg::Sum(reply) => {
                let _ = reply.send(self.0);
            }
        }
    }
}

fn main() {
    let executor = Executor::default();
    let rt = executor.clone();
    let report = executor.block_on(async move {
        let config = ActorConfig {
            batch_size: 8,
            ..Default::default()
        };
        let adders: Vec<_> = (0..4)
            .map(|i| {
                ActorOptions::new(config)
                    .name(format!("adder-{i}"))
                    .spawn(&rt, Adder(0))
                    .unwrap()
            })
            .collect();
        for n in 1..=1000 {
            adders[n as usize % 4]
                .addr()
                .tell(Msg::Add(n))
                .await
                .unwrap();
        }
        let mut total = 0;
        for adder in &adders {
            total += adder.addr().ask(Msg::Sum).await.unwrap();
        }
        assert_eq!(total, 500_500);
        // Nothing sleeps here except this one timer, served by the executor's `sleep`.
        rt.sleep(Duration::from_millis(5)).await;
        let mut reports = Vec::new();
        for adder in adders {
            reports.push(
                {
                    adder.shutdown();
                    adder.await
                }
                .unwrap(),
            );
        }
        (total, reports)
    });
    println!("total {} from {} actors", report.0, report.1.len());
    for r in report.1 {
        println!("  {}: handled {}, exit {:?}", r.name, r.handled, r.exit);
    }
}
