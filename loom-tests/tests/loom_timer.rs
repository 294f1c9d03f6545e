//! The timers of `Addr::tell_after` and `Addr::tell_every` under loom: the real timer task
//! (`ryker_core`'s `addr.rs`, `spawn_tell_*`, and `timer.rs`), run with `block_on` on a loom
//! thread of its own, against `Timer::cancel` and `Timer::is_finished` on other threads.
//!
//! [`TimerRt`] stashes what it is asked to spawn: first the actor's loop, which the first two
//! models never run (the ticks are counted in the mailbox, `Addr::len`), then the timer's
//! task. Its sleeps complete at once for the first `ticks` of them and never after that,
//! without keeping a waker: a timer task parked in such a sleep ends only through its cancel's
//! wake-up. Its
//! clock moves on by a nanosecond at every reading, so with a period of a second no tick is
//! already due when the task comes round to it.
//!
//! What this covers: the cancel's one-shot slot (`crate::oneshot`) against the task's
//! `Cancel::sleep` and its `tell`, and what `is_finished` promises about the task's effects.
//! What it does not: a runtime's own timer (the fake sleeps above stand for it), a tick
//! already due (`ryker-core/tests/timer_clock.rs` drives that with a clock that runs ahead),
//! and the task's spawn by a real runtime.
//!
//! The three `*_waiting_for_space` models run the actor's loop too, on a third thread: its
//! mailbox (capacity 1, `busy`) is full when the timer starts, so a tick's `tell` waits for the
//! space the loop makes while the user cancels; in the first two the mailbox always has room.
//!
//! Broken twins: `timer_wake` (the task polls its cancel with a waker that does nothing) must
//! deadlock `cancel_races_the_ticks_of_tell_every`; `timer_finished` (`is_finished` reads the
//! cancel slot's state with a Relaxed load) must fail `is_finished_means_the_message_is_queued`.
//! `notify` (the receive frees a slot without a fence before it reads the senders' wait list)
//! also deadlocks the three `*_waiting_for_space` models, `timer_wake` the two of `tell_every`.
#![cfg(ryker_loom)]

use core::future::Future;
use core::marker::PhantomData;
use core::ops::{Add, Sub};
use core::pin::Pin;
use core::task::{Context as TaskContext, Poll};
use core::time::Duration;

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::{Arc, Mutex};
use loom_tests::{block_on, model, spawn, Drops, Msg};
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
/// the stash is touched by the main thread only, the sleep count by one thread at a time (the
/// caller of `tell_after`, then the timer's task), the clock by those and, in the models that
/// run it, by the actor's loop (a counter whose readings order nothing), and as loom objects
/// they would only add scheduling points that check nothing of ryker's.
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
        // Relaxed (std atomic, invisible to loom): a counter; a reading orders no other memory.
        Ns(self
            .inner
            .clock
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
}

/// The actor the ticks of the first two models are for; its loop never runs.
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

/// A message that [`Drain`] records by its number.
trait Numbered: Send + 'static {
    fn number(&self) -> u32;
}

impl Numbered for u32 {
    fn number(&self) -> u32 {
        *self
    }
}

impl Numbered for Msg {
    fn number(&self) -> u32 {
        u32::try_from(self.id).unwrap()
    }
}

/// The numbers of the messages a [`Drain`] handled, in order.
type Handled = Arc<Mutex<Vec<u32>>>;

/// Records the number of every message it handles, in loom-visible state.
struct Drain<M> {
    handled: Handled,
    _msg: PhantomData<fn(M)>,
}

impl<M: Numbered> Actor for Drain<M> {
    type Msg = M;
    async fn handle(&mut self, msg: M, _ctx: &mut Context<Self>) {
        self.handled.lock().unwrap().push(msg.number());
    }
}

/// A [`Drain`] on a fresh [`TimerRt`] whose first `ticks` sleeps complete at once; its mailbox
/// has room for one message (`busy`: a `tell` to a full mailbox waits), which `first` takes.
fn spawn_full_drain<M: Numbered>(
    ticks: usize,
    first: M,
) -> (TimerRt, ActorHandle<Drain<M>>, Handled) {
    let rt = TimerRt::new(ticks);
    let handled = Handled::default();
    let config = ActorConfig {
        mailbox: MailboxConfig {
            capacity: 1,
            overflow: Overflow::Busy,
            amnesia: false,
        },
        batch_size: 1,
        ..ActorConfig::default()
    };
    let drain = Drain {
        handled: handled.clone(),
        _msg: PhantomData,
    };
    let handle = ActorOptions::new(config)
        .spawn(&rt, drain)
        .expect("valid configuration");
    let queued = handle.addr().try_tell(first);
    assert!(queued.is_ok(), "an empty mailbox accepts");
    (rt, handle, handled)
}

/// `Timer::cancel` races the ticks of `tell_every` whose `tell` waits for space in a full
/// mailbox (capacity 1, `busy`, message 0 queued before the timer starts) while the actor's
/// loop drains it, on a thread of its own. The first `ticks` sleeps end at once, the next one
/// never. Checked: the timer's task always ends (a tick parked in `tell` is woken by the space
/// the loop makes, a task parked in its last sleep by the cancel; a lost wake-up is a
/// deadlock); every tick it made is handled, in order, by the time the actor, shut down after
/// the task ended, has stopped (none lost in the wait, none refused); at most one tick is made
/// after `cancel` has returned (a bound only a model with two ticks can break).
fn cancel_races_ticks_waiting_for_space(ticks: usize) {
    let (rt, handle, handled) = spawn_full_drain(ticks, 0_u32);
    let cancelled = Arc::new(AtomicBool::new(false));
    let made = Arc::new(AtomicUsize::new(0));
    let after_cancel = Arc::new(AtomicUsize::new(0));
    let timer = {
        let (cancelled, made, after_cancel) =
            (cancelled.clone(), made.clone(), after_cancel.clone());
        handle
            .addr()
            .tell_every(Duration::from_secs(1), move || {
                // Ticks are numbered from 1 (message 0 filled the mailbox).
                let id = made.fetch_add(1, Ordering::Relaxed) + 1;
                // SeqCst: pairs with the store after `cancel` below; seeing it, this tick
                // comes after the cancel returned.
                if cancelled.load(Ordering::SeqCst) {
                    after_cancel.fetch_add(1, Ordering::Relaxed);
                }
                u32::try_from(id).unwrap()
            })
            .unwrap()
    };
    let (actor_loop, task) = rt.take_tasks();
    let actor = spawn(move || block_on(actor_loop));
    let ticking = spawn(move || block_on(task));
    timer.cancel();
    cancelled.store(true, Ordering::SeqCst);
    ticking.join().unwrap();
    let made = made.load(Ordering::Relaxed);
    assert!(made <= ticks, "{made} ticks from {ticks} sleeps");
    let late = after_cancel.load(Ordering::Relaxed);
    assert!(late <= 1, "{late} ticks after the cancel returned");
    handle.shutdown();
    actor.join().unwrap();
    let report = block_on(handle).expect("the loop ran to its end and sent its report");
    let handled = handled.lock().unwrap();
    let expected: Vec<u32> = (0..=u32::try_from(made).unwrap()).collect();
    assert_eq!(*handled, expected, "every tick made is handled, in order");
    assert_eq!(report.handled, 1 + made as u64, "{report:?}");
    assert_eq!(report.discarded, 0, "{report:?}");
}

/// [`cancel_races_ticks_waiting_for_space`] with one tick, at preemption bound 2: the tick's
/// wait for space against the cancel and the loop's receive, explored in depth.
#[test]
fn cancel_races_a_tick_waiting_for_space() {
    model(2, || cancel_races_ticks_waiting_for_space(1));
}

/// [`cancel_races_ticks_waiting_for_space`] with two ticks, at preemption bound 1 (at bound 2
/// it takes 750 000 interleavings, about 90 s): the second tick may wait behind the first, and
/// a task that missed the cancel before its second tick would make two after it returned.
#[test]
fn cancel_races_two_ticks_waiting_for_space() {
    model(1, || cancel_races_ticks_waiting_for_space(2));
}

/// `Timer::cancel` races `tell_after`'s one message, whose `tell` waits for space in the full
/// mailbox of [`spawn_full_drain`] while the actor's loop drains it. Checked: the timer's task
/// ends (its waiting `tell` is woken by the loop's receive; a lost wake-up is a deadlock), and
/// once the actor, shut down after the task ended, has stopped, message 1 was handled after
/// message 0 or dropped unsent by the task that saw the cancel first: every message is dropped
/// exactly once (a message queued and lost would never be, or be counted as discarded), and
/// none is handled twice.
#[test]
fn cancel_races_tell_after_waiting_for_space() {
    model(2, || {
        let drops = Drops::new(2);
        let (rt, handle, handled) = spawn_full_drain(1, drops.msg(0));
        let timer = handle
            .addr()
            .tell_after(Duration::from_secs(1), drops.msg(1));
        let (actor_loop, task) = rt.take_tasks();
        let actor = spawn(move || block_on(actor_loop));
        let ticking = spawn(move || block_on(task));
        timer.cancel();
        ticking.join().unwrap();
        handle.shutdown();
        actor.join().unwrap();
        let report = block_on(handle).expect("the loop ran to its end and sent its report");
        let handled = handled.lock().unwrap();
        assert!(*handled == [0] || *handled == [0, 1], "handled {handled:?}");
        assert_eq!(report.handled, handled.len() as u64, "{report:?}");
        assert_eq!(report.discarded, 0, "{report:?}");
        drops.assert_each_dropped_once();
    });
}
