//! Which yield the actor run loop uses, on a runtime with a fake clock that records every
//! yield: after a full batch it uses `Runtime::yield_to_ready` unless `yield_ms` has passed,
//! or 128 messages were handled, since its last `Runtime::yield_now`; every time-based yield
//! is a `yield_now`.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ryker_core::actor::{Actor, ActorConfig, ActorOptions, Context, Exit};
use ryker_core::blocking::block_on;
use ryker_core::mailbox::MailboxConfig;
use ryker_core::runtime::{Runtime, YieldNow};

mod common;

/// A point on the fake clock, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Ns(u64);

impl core::ops::Add<Duration> for Ns {
    type Output = Ns;
    fn add(self, d: Duration) -> Ns {
        Ns(self.0 + u64::try_from(d.as_nanos()).expect("a short test"))
    }
}

impl core::ops::Sub<Ns> for Ns {
    type Output = Duration;
    fn sub(self, other: Ns) -> Duration {
        Duration::from_nanos(self.0 - other.0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `yield_now`.
    Full,
    /// `yield_to_ready`.
    Ready,
}

/// Every task on its own thread; the clock moves only when a handler moves it; every yield
/// is recorded with the clock's reading.
#[derive(Clone, Debug, Default)]
struct Recording {
    clock: Arc<AtomicU64>,
    yields: Arc<Mutex<Vec<(Kind, u64)>>>,
    threads: common::TaskThreads,
}

impl Recording {
    fn note(&self, kind: Kind) {
        let now = self.clock.load(Ordering::SeqCst);
        self.yields.lock().unwrap().push((kind, now));
    }
}

impl Runtime for Recording {
    type Instant = Ns;

    fn spawn<F: Future<Output = ()> + Send + 'static>(&self, task: F) {
        self.threads.spawn(task);
    }

    // Not an `async fn`: the future must not borrow `self`.
    #[allow(clippy::manual_async_fn)]
    fn sleep(&self, dur: Duration) -> impl Future<Output = ()> + Send + 'static {
        async move { std::thread::sleep(dur) }
    }

    fn now(&self) -> Ns {
        Ns(self.clock.load(Ordering::SeqCst))
    }

    fn yield_now(&self) -> impl Future<Output = ()> + Send + 'static {
        self.note(Kind::Full);
        YieldNow::new()
    }

    fn yield_to_ready(&self) -> impl Future<Output = ()> + Send + 'static {
        self.note(Kind::Ready);
        YieldNow::new()
    }
}

enum Work {
    /// Says it is being handled (so its batch, taken before, holds it alone), then waits until
    /// the test has queued everything, so that every later batch is full.
    Hold(mpsc::Sender<()>, mpsc::Receiver<()>),
    /// Moves the clock on by this many nanoseconds.
    Cost(u64),
}

struct Clocked(Arc<AtomicU64>);

impl Actor for Clocked {
    type Msg = Work;

    async fn handle(&mut self, msg: Work, _ctx: &mut Context<Self>) {
        match msg {
            Work::Hold(entered, go) => {
                entered.send(()).expect("the test waits for it");
                go.recv().expect("the test lets it go");
            }
            Work::Cost(ns) => {
                self.0.fetch_add(ns, Ordering::SeqCst);
            }
        }
    }
}

/// Queues `messages` messages of `cost` each behind a hold on an actor with `batch_size` 32 and
/// `yield_ms` 1 (no jitter), lets them run, and returns the yields in order (clock readings in
/// nanoseconds).
fn yields_for(messages: u64, cost: Duration) -> Vec<(Kind, u64)> {
    yields_with(messages, cost, 1)
}

/// As [`yields_for`], with the given `yield_ms`.
fn yields_with(messages: u64, cost: Duration, yield_ms: u64) -> Vec<(Kind, u64)> {
    let rt = Recording::default();
    let config = ActorConfig {
        mailbox: MailboxConfig {
            // Room for every message at once (the hold is taken before they are queued).
            capacity: usize::try_from(messages).unwrap().next_power_of_two(),
            ..Default::default()
        },
        batch_size: 32,
        yield_ms,
        jitter: false,
    };
    let handle = ActorOptions::new(config)
        .spawn(&rt, Clocked(rt.clock.clone()))
        .expect("valid config");
    let addr = handle.addr();
    let (go, hold) = mpsc::channel();
    let (entered, in_hold) = mpsc::channel();
    addr.try_tell(Work::Hold(entered, hold)).expect("room");
    // The actor took the hold alone (nothing else was queued): the batches after it are all
    // full.
    in_hold.recv().expect("the actor handles the hold");
    let ns = u64::try_from(cost.as_nanos()).unwrap();
    for _ in 0..messages {
        addr.try_tell(Work::Cost(ns)).expect("room");
    }
    go.send(()).unwrap();
    drop(addr);
    let report = block_on(handle).expect("joined");
    rt.threads.join();
    assert_eq!(report.exit, Exit::Released, "{report:?}");
    assert_eq!(report.handled, messages + 1, "{report:?}");
    let yields = rt.yields.lock().unwrap().clone();
    yields
}

/// The message numbers (`cost_ns` each on the fake clock; the hold costs nothing) at which the
/// full yields came.
fn full_yields_at(yields: &[(Kind, u64)], cost_ns: u64) -> Vec<u64> {
    yields
        .iter()
        .filter(|(kind, _)| *kind == Kind::Full)
        .map(|&(_, at)| at / cost_ns)
        .collect()
}

/// Fast handlers (10 µs of fake time, a batch 320 µs) and `yield_ms` far away: a yield after
/// every full batch, each to the ready tasks but every fourth (128 messages since the last
/// full one), which is a full one.
///
/// Fails on: a loop that yields only with `yield_now` (no `yield_to_ready` at all), one that
/// never makes a full-batch yield a full one (no `yield_now`), a message count reset by the
/// yields to the ready tasks (then never due).
#[test]
fn fast_full_batches_yield_in_full_every_128_messages() {
    let batches = if cfg!(miri) { 8 } else { 64 };
    let yields = yields_with(batches * 32, Duration::from_micros(10), 1000);
    assert_eq!(
        yields.len() as u64,
        batches,
        "one yield per full batch: {yields:?}"
    );
    let expected: Vec<u64> = (1..=batches / 4).map(|n| n * 128).collect();
    assert_eq!(full_yields_at(&yields, 10_000), expected, "{yields:?}");
}

/// Handlers of 12 µs (a batch 384 µs) and `yield_ms` 1: the interval comes before the
/// message count, so every third batch's yield (1.15 ms since the last full one) is a full
/// one.
///
/// Fails on: a full-yield deadline restarted by every yield (then due only by the count, every
/// fourth batch).
#[test]
fn fast_full_batches_yield_in_full_every_yield_ms() {
    let batches = if cfg!(miri) { 9 } else { 63 };
    let yields = yields_for(batches * 32, Duration::from_micros(12));
    assert_eq!(
        yields.len() as u64,
        batches,
        "one yield per full batch: {yields:?}"
    );
    let expected: Vec<u64> = (1..=batches / 3).map(|n| n * 96).collect();
    assert_eq!(full_yields_at(&yields, 12_000), expected, "{yields:?}");
}

/// Slow handlers (100 µs of fake time, a batch 3.2 ms): every yield is time-based, about every
/// `yield_ms`, and each is a full one.
///
/// Fails on: a time-based yield that goes to the ready tasks only while no full one is due.
/// (With jitter a time-based yield can come before a full one is due, after a stretch of
/// batches that did not fill up: the unit tests of `Fairness` show it; the loop makes every
/// time-based yield a full one itself.)
#[test]
fn time_based_yields_are_full_ones() {
    let messages = if cfg!(miri) { 160 } else { 640 };
    let yields = yields_for(messages, Duration::from_micros(100));
    assert!(
        yields.len() as u64 >= messages * 8 / 100,
        "about one yield per 10 messages: {yields:?}"
    );
    assert!(
        yields.iter().all(|(kind, _)| *kind == Kind::Full),
        "{yields:?}"
    );
}
