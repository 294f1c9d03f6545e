//! The timers of `Addr::tell_after` and `Addr::tell_every` under loom: the real timer task
//! (`ryker_core`'s `addr.rs`, `spawn_tell_*`, and `timer.rs`), run with `block_on` on a loom
//! thread of its own, against `Timer::cancel` and `Timer::is_finished` on other threads.
//!
//! [`TimerRt`] stashes what it is asked to spawn: first the actor's loop, which no model runs
//! (the ticks are counted in the mailbox, `Addr::len`), then the timer's task. Its sleeps
//! complete at once for the first `ticks` of them and never after that, without keeping a
//! waker: a timer task parked in such a sleep ends only through its cancel's wake-up. Its
//! clock moves on by a nanosecond at every reading, so with a period of a second no tick is
//! already due when the task comes round to it.
//!
//! What this covers: the cancel's one-shot slot (`crate::oneshot`) against the task's
//! `Cancel::sleep` and its `tell`, and what `is_finished` promises about the task's effects.
//! What it does not: a runtime's own timer (the fake sleeps above stand for it), a tick
//! already due (`ryker-core/tests/timer_clock.rs` drives that with a clock that runs ahead),
//! the task's spawn by a real runtime, and a `tell` that waits for space (the mailbox here
//! always has room).
//!
//! Broken twins: `timer_wake` (the task polls its cancel with a waker that does nothing) must
//! deadlock `cancel_races_the_ticks_of_tell_every`; `timer_finished` (`is_finished` reads the
//! cancel slot's state with a Relaxed load) must fail `is_finished_means_the_message_is_queued`.
#![cfg(ryker_loom)]

use core::future::Future;
use core::ops::{Add, Sub};
use core::pin::Pin;
use core::task::{Context as TaskContext, Poll};
use core::time::Duration;

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom_tests::{block_on, model, spawn};
use ryker_core::actor::{Actor, ActorConfig, ActorHandle, ActorOptions, Context};
use ryker_core::mailbox::{MailboxConfig, Overflow};
use ryker_core::runtime::Runtime;

/// A task, as [`TimerRt::spawn`] stashes it.
type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A point on [`TimerRt`]'s clock, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Ns(u64);

impl Add<Duration> for Ns {
    type Output = Ns;

    fn add(self, dur: Duration) -> Ns {
        Ns(self
            .0
            .saturating_add(u64::try_from(dur.as_nanos()).unwrap_or(u64::MAX)))
    }
}

impl Sub for Ns {
    type Output = Duration;

    fn sub(self, earlier: Ns) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

/// A `Runtime` for the timer models (see the module docs). Its state is std's, not loom's:
/// the stash is touched by the main thread only, the clock and the sleep count by one thread
/// at a time (the caller of `tell_after`, then the timer's task), and as loom objects they
/// would only add scheduling points that check nothing of ryker's.
#[derive(Clone)]
struct TimerRt {
    inner: std::sync::Arc<RtInner>,
}

struct RtInner {
    tasks: std::sync::Mutex<Vec<Task>>,
    clock: std::sync::atomic::AtomicU64,
    /// Sleeps that still complete at once.
    ticks: std::sync::atomic::AtomicUsize,
}

impl TimerRt {
    fn new(ticks: usize) -> Self {
        Self {
            inner: std::sync::Arc::new(RtInner {
                tasks: std::sync::Mutex::new(Vec::new()),
                clock: std::sync::atomic::AtomicU64::new(0),
                ticks: std::sync::atomic::AtomicUsize::new(ticks),
            }),
        }
    }

    /// The actor's loop and the timer's task, in the order they were spawned. The model drops
    /// the loop, never polled, at its end: kept in the stash, it would keep the mailbox (and
    /// through the actor's clock, this runtime and the stash) alive for ever.
    fn take_tasks(&self) -> (Task, Task) {
        let mut tasks = self.inner.tasks.lock().unwrap();
        assert_eq!(tasks.len(), 2, "the actor's loop, then the timer's task");
        let timer = tasks.pop().unwrap();
        (tasks.pop().unwrap(), timer)
    }
}

/// Completes at once, or never (and keeps no waker).
struct Sleep(bool);

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut TaskContext<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Runtime for TimerRt {
    type Instant = Ns;

    fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.inner.tasks.lock().unwrap().push(Box::pin(task));
    }

    fn sleep(&self, _dur: Duration) -> impl Future<Output = ()> + Send + 'static {
        // Relaxed (std atomic, invisible to loom): one thread at a time sleeps.
        let left = &self.inner.ticks;
        let ready = left
            .fetch_update(
                std::sync::atomic::Ordering::Relaxed,
                std::sync::atomic::Ordering::Relaxed,
                |n| n.checked_sub(1),
            )
            .is_ok();
        Sleep(ready)
    }

    fn now(&self) -> Ns {
        // Relaxed: as above.
        Ns(self
            .inner
            .clock
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
}

/// The actor the ticks are for; its loop never runs.
struct Sink;

impl Actor for Sink {
    type Msg = u32;
    async fn handle(&mut self, _: u32, _ctx: &mut Context<Self>) {}
}

/// An actor on a fresh [`TimerRt`] whose first `ticks` sleeps complete at once; its mailbox
/// has room for every tick.
fn spawn_sink(ticks: usize) -> (TimerRt, ActorHandle<Sink>) {
    let rt = TimerRt::new(ticks);
    let config = ActorConfig {
        mailbox: MailboxConfig {
            capacity: 4,
            overflow: Overflow::Busy,
            amnesia: false,
        },
        ..ActorConfig::default()
    };
    let handle = ActorOptions::new(config)
        .spawn(&rt, Sink)
        .expect("valid configuration");
    (rt, handle)
}

/// `Timer::cancel` races the ticks of `tell_every`, whose third sleep never ends: the cancel
/// always ends the task (its wake-up reaches a task parked in that sleep; a lost one is a
/// deadlock), the task ticks at most once after the cancel has returned (a tick whose sleep
/// had ended when the cancel came), and never after it has seen the cancel.
#[test]
fn cancel_races_the_ticks_of_tell_every() {
    model(5, || {
        let (rt, handle) = spawn_sink(2);
        let addr = handle.addr();
        let cancelled = Arc::new(AtomicBool::new(false));
        let made = Arc::new(AtomicUsize::new(0));
        let after_cancel = Arc::new(AtomicUsize::new(0));
        let timer = {
            let (cancelled, made, after_cancel) =
                (cancelled.clone(), made.clone(), after_cancel.clone());
            addr.tell_every(Duration::from_secs(1), move || {
                made.fetch_add(1, Ordering::Relaxed);
                // SeqCst: pairs with the store after `cancel` below; seeing it, this tick
                // comes after the cancel returned.
                if cancelled.load(Ordering::SeqCst) {
                    after_cancel.fetch_add(1, Ordering::Relaxed);
                }
                0
            })
            .unwrap()
        };
        let (actor_loop, task) = rt.take_tasks();
        let ticking = spawn(move || block_on(task));
        timer.cancel();
        cancelled.store(true, Ordering::SeqCst);
        ticking.join().unwrap();
        let made = made.load(Ordering::Relaxed);
        assert!(made <= 2, "{made} ticks from two sleeps");
        assert_eq!(addr.len(), made, "every tick made was queued");
        let late = after_cancel.load(Ordering::Relaxed);
        assert!(late <= 1, "{late} ticks after the cancel returned");
        drop(actor_loop);
    });
}

/// `Timer::is_finished` read on a thread of its own while `tell_after`'s task queues its one
/// message: once it says the task has ended, the message is in the mailbox (the task's end,
/// the receiver's drop in the cancel slot, comes after its `tell`).
#[test]
fn is_finished_means_the_message_is_queued() {
    model(3, || {
        let (rt, handle) = spawn_sink(1);
        let addr = handle.addr();
        let timer = addr.tell_after(Duration::from_millis(1), 7);
        let (actor_loop, task) = rt.take_tasks();
        let ticking = spawn(move || block_on(task));
        let reader = {
            let addr = addr.clone();
            spawn(move || {
                if timer.is_finished() {
                    assert_eq!(addr.len(), 1, "finished, but its message is not queued");
                }
                timer
            })
        };
        ticking.join().unwrap();
        let timer = reader.join().unwrap();
        assert!(timer.is_finished());
        assert_eq!(addr.len(), 1);
        drop(actor_loop);
    });
}
