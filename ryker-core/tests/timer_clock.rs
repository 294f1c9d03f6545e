//! `Addr::tell_every` on a runtime whose clock moves on at every reading, as a real clock
//! does between two readings: with a period shorter than that step, every tick is already
//! due when the timer's task comes round to it. The runtime counts its sleeps.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use ryker_core::actor::{Actor, Context, SpawnActor, Timer};
use ryker_core::blocking::block_on;
use ryker_core::runtime::Runtime;

mod common;

/// A point on the fake clock, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Ns(u64);

impl core::ops::Add<Duration> for Ns {
    type Output = Ns;
    fn add(self, d: Duration) -> Ns {
        Ns(self
            .0
            .saturating_add(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)))
    }
}

impl core::ops::Sub<Ns> for Ns {
    type Output = Duration;
    fn sub(self, other: Ns) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(other.0))
    }
}

/// Every task on its own thread; each reading of the clock moves it on by one microsecond;
/// a sleep yields once (`Pending`, waking itself) and is counted.
#[derive(Clone, Debug, Default)]
struct Stepping {
    clock: Arc<AtomicU64>,
    sleeps: Arc<AtomicU32>,
    threads: common::TaskThreads,
}

/// `Pending` once, waking itself first.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl Runtime for Stepping {
    type Instant = Ns;

    fn spawn<F: Future<Output = ()> + Send + 'static>(&self, task: F) {
        self.threads.spawn(task);
    }

    fn sleep(&self, _dur: Duration) -> impl Future<Output = ()> + Send + 'static {
        self.sleeps.fetch_add(1, Ordering::SeqCst);
        YieldOnce(false)
    }

    fn now(&self) -> Ns {
        Ns(self.clock.fetch_add(1_000, Ordering::SeqCst))
    }
}

/// Takes every tick and does nothing with it.
struct Sink;

impl Actor for Sink {
    type Msg = u32;
    async fn handle(&mut self, _: u32, _ctx: &mut Context<Self>) {}
}

/// What the ticking closure tells the test.
#[derive(Debug, PartialEq)]
enum Event {
    /// A hundred ticks after the cancel returned.
    Runaway,
    /// The closure was dropped: the timer's task has ended.
    Ended,
}

/// Says `Ended` when dropped with the closure that holds it.
struct OnDrop(mpsc::Sender<Event>);

impl Drop for OnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(Event::Ended);
    }
}

#[test]
fn a_cancel_is_seen_before_the_next_tick_when_every_tick_is_already_due() {
    let rt = Stepping::default();
    let mut handle = rt.spawn_actor(Sink);
    let addr = handle.addr();
    let timer_slot: Arc<Mutex<Option<Timer>>> = Arc::default();
    let cancelled = Arc::new(AtomicBool::new(false));
    let ticks = Arc::new(AtomicU32::new(0));
    let after_cancel = Arc::new(AtomicU32::new(0));
    let (events_tx, events) = mpsc::channel();
    let timer = {
        let (timer_slot, cancelled) = (timer_slot.clone(), cancelled.clone());
        let (ticks, after_cancel) = (ticks.clone(), after_cancel.clone());
        let ended = OnDrop(events_tx.clone());
        addr.tell_every(Duration::from_nanos(1), move || {
            let _ended = &ended;
            ticks.fetch_add(1, Ordering::SeqCst);
            if cancelled.load(Ordering::SeqCst) {
                if after_cancel.fetch_add(1, Ordering::SeqCst) + 1 == 100 {
                    let _ = events_tx.send(Event::Runaway);
                }
            } else if let Some(timer) = timer_slot.lock().unwrap().take() {
                // The timer cancels itself from its own tick: the cancel has returned
                // before this tick is even queued.
                timer.cancel();
                cancelled.store(true, Ordering::SeqCst);
            }
            0
        })
        .unwrap()
    };
    *timer_slot.lock().unwrap() = Some(timer);
    let first = events.recv().unwrap();
    // A runaway task ends once the actor has stopped (its next tick finds the mailbox closed).
    handle.shutdown();
    block_on(handle.join()).unwrap();
    if first != Event::Ended {
        assert_eq!(events.recv().unwrap(), Event::Ended);
    }
    rt.threads.join();
    assert_eq!(
        after_cancel.load(Ordering::SeqCst),
        0,
        "ticks after the cancel (the first event: {first:?})"
    );
    assert!(
        rt.sleeps.load(Ordering::SeqCst) >= ticks.load(Ordering::SeqCst),
        "the task went through the runtime's timer before each tick: {} sleeps, {} ticks",
        rt.sleeps.load(Ordering::SeqCst),
        ticks.load(Ordering::SeqCst)
    );
}
