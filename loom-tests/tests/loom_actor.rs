//! The actor run loop (`ryker_core::actor`, `driver::run`) under loom: shutdown, release and
//! abort racing the loop, and `WeakSender::upgrade` racing the last `Sender`'s drop.
//!
//! The models drive the real public API. [`LoomRt`] is a `Runtime` whose `spawn` stashes the
//! actor's task; each model runs it with `block_on` on a loom thread of its own (see
//! [`run_loop`] for why not on the main thread) while the main thread and at most one other
//! send, shut down or abort. `ActorHandle::shutdown`/`abort`/`join` are polled once where
//! they are called (that poll does all their loom-visible work: the flags, the close, the
//! release of the handle's address) and finished after the loop's thread has been joined, so
//! the one-shot slot that carries the report is only read once it is certainly filled. What the actor handled is recorded in a loom `Mutex`; every
//! message counts its drops (`loom_tests::Msg`).
//!
//! Broken twin: `abort_wake` (no SeqCst fence on one side of the abort Dekker pair,
//! `request_abort` vs `poll_guarded`) must deadlock `abort_cuts_pending_handler`: the handler
//! is pending on a future nothing wakes, so only the abort's wake-up can end the loop.
//!
//! Three models after them pin three bugs the first version of the actor loop had. The `ask_*`
//! models at the end drive `Addr::ask` through the reply slot (`ryker_core`'s `oneshot.rs`):
//! an asker that waits, one that polls once and then waits with another waker (a `select!`
//! arm, a timeout), one that gives up, and a handler that drops the reply unanswered. Broken
//! twins `reply_recheck` and `reply_swap` must fail `ask_answer_wakes_the_waiting_asker`
//! (deadlock) and `ask_repolled_with_a_new_waker_while_answered` (causality violation).
//!
//! The last model, `watchers_of_the_stop_are_woken_once`, has watchers of the actor's end
//! (`Addr::stopped` and its kin) race the loop's end; broken twins `stop_recheck` (no re-check
//! after registering) and `stop_fence` (no fence at the end) leave one unwoken.
#![cfg(ryker_loom)]

use core::future::Future;
use core::ops::{Add, Sub};
use core::pin::Pin;
use core::task::{Context as TaskContext, Poll, Waker};
use core::time::Duration;

use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::{Arc, Mutex};
use loom_tests::{block_on, model, spawn, Drops, Msg};
use ryker_core::actor::{
    Actor, ActorConfig, ActorHandle, ActorOptions, ActorReport, AskError, Context, Exit, JoinError,
    Recipient, Reply, SendError, Sent, TrySendError,
};
use ryker_core::mailbox::{channel, MailboxConfig, Overflow};
use ryker_core::runtime::Runtime;

/// The actor's task, as `LoomRt::spawn` stashes it.
type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The fake clock's step: every `now()` is one millisecond after the previous one, so with
/// `yield_ms = 1` the fairness check fires after every message (the in-batch yield path runs).
const TICK_NS: u64 = 1_000_000;

/// A point on [`LoomRt`]'s clock, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Tick(u64);

impl Add<Duration> for Tick {
    type Output = Tick;

    fn add(self, dur: Duration) -> Tick {
        let ns = u64::try_from(dur.as_nanos()).unwrap_or(u64::MAX);
        Tick(self.0.saturating_add(ns))
    }
}

impl Sub for Tick {
    type Output = Duration;

    fn sub(self, earlier: Tick) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

/// A `Runtime` for loom models: `spawn` keeps the task for the model to run (`take_task`),
/// `now` is a counter, `sleep` never completes, `yield_now` is the trait's default.
///
/// The stash and the clock are std types on purpose: they are touched by one thread at a time
/// (the model's main thread, and the loop's thread), and as loom objects they would only add
/// scheduling points that check nothing of ryker's.
#[derive(Clone)]
struct LoomRt {
    inner: std::sync::Arc<RtInner>,
}

struct RtInner {
    task: std::sync::Mutex<Option<Task>>,
    clock: std::sync::atomic::AtomicU64,
}

impl LoomRt {
    fn new() -> Self {
        Self {
            inner: std::sync::Arc::new(RtInner {
                task: std::sync::Mutex::new(None),
                clock: std::sync::atomic::AtomicU64::new(0),
            }),
        }
    }

    /// The actor loop that `ActorOptions::spawn` handed to `spawn`.
    fn take_task(&self) -> Task {
        self.inner
            .task
            .lock()
            .unwrap()
            .take()
            .expect("ActorOptions::spawn spawned the loop")
    }
}

impl Runtime for LoomRt {
    type Instant = Tick;

    fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let previous = self.inner.task.lock().unwrap().replace(Box::pin(task));
        assert!(previous.is_none(), "one actor per LoomRt");
    }

    fn sleep(&self, _dur: Duration) -> impl Future<Output = ()> + Send + 'static {
        core::future::pending()
    }

    fn now(&self) -> Tick {
        // Relaxed (std atomic, invisible to loom): only the loop's thread reads the clock.
        let before = self
            .inner
            .clock
            .fetch_add(TICK_NS, std::sync::atomic::Ordering::Relaxed);
        Tick(before + TICK_NS)
    }
}

/// What the actor did, in loom-visible state.
#[derive(Debug, Default)]
struct Log {
    /// Ids of the messages whose handler ran to completion, in order.
    handled: Vec<usize>,
    /// Ids of the messages whose handler started.
    entered: Vec<usize>,
    /// How many times `stopped` ran.
    stopped: usize,
}

type SharedLog = Arc<Mutex<Log>>;

/// Records every message it handles.
struct Recorder {
    log: SharedLog,
}

impl Actor for Recorder {
    type Msg = Msg;

    async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) {
        let mut log = self.log.lock().unwrap();
        log.entered.push(msg.id);
        log.handled.push(msg.id);
    }

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.log.lock().unwrap().stopped += 1;
    }
}

/// A future that is `Pending` for ever and never keeps a waker: only the actor loop's abort
/// guard can end a handler that awaits it.
struct Never;

impl Future for Never {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut TaskContext<'_>) -> Poll<()> {
        Poll::Pending
    }
}

/// Its handler never finishes for messages with an id of `stuck_from` or more: it records
/// the message and awaits [`Never`]. Smaller ids are handled at once.
struct Stuck {
    log: SharedLog,
    stuck_from: usize,
}

impl Actor for Stuck {
    type Msg = Msg;

    async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) {
        self.log.lock().unwrap().entered.push(msg.id);
        if msg.id >= self.stuck_from {
            Never.await;
        }
        // For a stuck message not reached: it is dropped when the abort drops this future.
        self.log.lock().unwrap().handled.push(msg.id);
        drop(msg);
    }

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.log.lock().unwrap().stopped += 1;
    }
}

/// On message 0, sends message 1 to itself through `Context::addr` (a `WeakSender::upgrade`).
struct SelfSender {
    log: SharedLog,
    drops: Drops,
    /// What the self-send returned: `None` until message 0 is handled; then whether the
    /// upgrade worked and, if so, whether the mailbox accepted message 1.
    upgrade: Arc<Mutex<Option<Upgrade>>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Upgrade {
    /// `Context::addr` returned `None`: every other address was gone.
    Gone,
    /// It returned an address and `try_tell` queued the message.
    Queued,
}

impl Actor for SelfSender {
    type Msg = Msg;

    async fn handle(&mut self, msg: Msg, ctx: &mut Context<Self>) {
        self.log.lock().unwrap().handled.push(msg.id);
        if msg.id != 0 {
            return;
        }
        let outcome = match ctx.addr() {
            None => Upgrade::Gone,
            Some(me) => match me.try_tell(self.drops.msg(1)) {
                Ok(Sent::Queued) => Upgrade::Queued,
                // The upgraded address keeps the mailbox open and nobody closes it.
                other => panic!("a live address's send was refused: {other:?}"),
            },
        };
        *self.upgrade.lock().unwrap() = Some(outcome);
    }

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.log.lock().unwrap().stopped += 1;
    }
}

fn config(capacity: usize, batch_size: usize) -> ActorConfig {
    ActorConfig {
        mailbox: MailboxConfig {
            capacity,
            overflow: Overflow::Busy,
            amnesia: false,
        },
        batch_size,
        yield_ms: 1,
        jitter: false,
    }
}

/// Spawns `actor` on a fresh [`LoomRt`]; the loop is then waiting in `rt.take_task()`.
fn spawn_actor<A: Actor>(config: ActorConfig, actor: A) -> (LoomRt, ActorHandle<A>) {
    let rt = LoomRt::new();
    let handle = ActorOptions::new(config)
        .spawn(&rt, actor)
        .expect("valid configuration");
    (rt, handle)
}

/// Runs the actor's loop on its own loom thread.
///
/// Not on the model's main thread: `loom_tests::spawn` yields after spawning, and loom never
/// lets a thread read a value again that it had seen before its last yield when a newer one
/// exists. The main thread has seen every atomic of the actor (it made them) before spawning,
/// so a loop run there could never read a stale flag or tail; on a fresh thread it can.
fn run_loop(rt: &LoomRt) -> loom::thread::JoinHandle<()> {
    let task = rt.take_task();
    spawn(move || block_on(task))
}

/// A future polled once: either already finished, or waiting (boxed, to be finished later).
enum Started<F: Future> {
    Ready(F::Output),
    Waiting(Pin<Box<F>>),
}

impl<F: Future> Started<F> {
    /// Polls `fut` once with a waker that does nothing: an `async fn` runs up to its first
    /// `.await` that waits, which for joining a handle (after a `shutdown` or `abort` request) is
    /// everything but reading the report.
    fn poll_once(fut: F) -> Self {
        let mut fut = Box::pin(fut);
        match fut
            .as_mut()
            .poll(&mut TaskContext::from_waker(Waker::noop()))
        {
            Poll::Ready(out) => Self::Ready(out),
            Poll::Pending => Self::Waiting(fut),
        }
    }

    /// The output; call it once the loop has returned (the report is then sent, so the
    /// poll is ready at once, and a loop that never sent it would show as a deadlock).
    fn finish(self) -> F::Output {
        match self {
            Self::Ready(out) => out,
            Self::Waiting(fut) => block_on(fut),
        }
    }
}

/// The report, which every path that runs the loop to its end must send.
fn report(started: Started<impl Future<Output = Result<ActorReport, JoinError>>>) -> ActorReport {
    started
        .finish()
        .expect("the loop ran to its end and sent its report")
}

/// The exit of a loop that a shutdown ended: `Exit::Shutdown`. (The loop sees the close through
/// a Relaxed load of the ring's tail; the Acquire fence on the ring's closed path is what makes
/// `request_shutdown`'s flag visible to it — twin `close_acquire`.)
#[track_caller]
fn assert_shutdown_exit(report: &ActorReport) {
    assert!(matches!(report.exit, Exit::Shutdown), "{report:?}");
}

/// Shutdown (SHUTDOWN flag + close, from `ActorHandle::shutdown`) races a `try_tell`: the
/// message is either handled or handed back as `Closed(msg)`, never both, never neither; the
/// loop ends (with `Exit::Shutdown`: see [`assert_shutdown_exit`]) and its report counts what
/// the actor handled.
///
/// Preemption bound 2: 74 260 interleavings, about 8 s. Bound 3 (2.1 million interleavings,
/// 160-250 s on two cores, 41% of the suite's time) found nothing more in what was measured
/// (2026-12-07): run against the 13 twins planted in `loom_actor`'s builds, at bound 2 it
/// catches `close_acquire` (in under 7 s) and passes the other 12, and `abort_wake` and
/// `notify`, run at bound 3 too, passed there as well. The model's job is the shutdown's
/// outcome (handled xor handed back, `Exit::Shutdown`, `stopped` once); the ring's close
/// races have models of their own (`loom_shutdown_no_drop`, `loom_close_evict`).
/// `LOOM_MAX_PREEMPTIONS=3 RYKER_LOOM_FILTER=shutdown_races_try_tell bash .ci/loom.sh suite`
/// runs it at bound 3.
#[test]
fn shutdown_races_try_tell() {
    model(2, || {
        let drops = Drops::new(1);
        let log = SharedLog::default();
        let (rt, handle) = spawn_actor(config(1, 1), Recorder { log: log.clone() });
        let actor = run_loop(&rt);
        let addr = handle.addr();
        let d = drops.clone();
        let sender = spawn(move || match addr.try_tell(d.msg(0)) {
            Ok(Sent::Queued) => None,
            Err(TrySendError::Closed(msg)) => {
                assert_eq!(msg.id, 0, "the refused message comes back");
                assert!(addr.is_closed(), "refused as closed, so closed");
                Some(msg)
            }
            other => panic!("unexpected try_tell result {other:?}"),
        });
        let stopped = {
            handle.shutdown();
            Started::poll_once(handle)
        };

        actor.join().unwrap();
        let returned = sender.join().unwrap();
        let report = report(stopped);

        let log = log.lock().unwrap();
        match &returned {
            None => assert_eq!(log.handled, [0], "an accepted message was not handled"),
            Some(_) => assert!(log.handled.is_empty(), "a refused message was handled"),
        }
        assert_shutdown_exit(&report);
        assert_eq!(report.handled, log.handled.len() as u64, "{report:?}");
        assert_eq!(report.discarded, 0, "{report:?}");
        assert_eq!(log.stopped, 1, "`stopped` runs once");
        drop(returned);
        drops.assert_each_dropped_once();
    });
}

/// Shutdown races a `blocking_tell` into a full one-slot mailbox (message 0 is queued first):
/// the sender parks on the full mailbox and must be woken either by the loop freeing the slot
/// (message 1 is then accepted and handled) or by the close (it gets `Closed(msg)` back). Each
/// message is handled or handed back, exactly once; message 0, accepted before the shutdown,
/// is handled.
#[test]
fn shutdown_races_tell_blocking() {
    model(2, || {
        let drops = Drops::new(2);
        let log = SharedLog::default();
        let (rt, handle) = spawn_actor(config(1, 1), Recorder { log: log.clone() });
        let addr = handle.addr();
        let sent = addr.try_tell(drops.msg(0));
        assert!(
            matches!(sent, Ok(Sent::Queued)),
            "an empty mailbox accepts: {sent:?}"
        );
        let actor = run_loop(&rt);
        let d = drops.clone();
        let sender = spawn(move || match addr.blocking_tell(d.msg(1)) {
            Ok(Sent::Queued) => None,
            Err(SendError::Closed(msg)) => {
                assert_eq!(msg.id, 1, "the refused message comes back");
                Some(msg)
            }
            other => panic!("unexpected tell_blocking result {other:?}"),
        });
        let stopped = {
            handle.shutdown();
            Started::poll_once(handle)
        };

        actor.join().unwrap();
        let returned = sender.join().unwrap();
        let report = report(stopped);

        let log = log.lock().unwrap();
        match &returned {
            None => assert_eq!(log.handled, [0, 1], "an accepted message was not handled"),
            Some(_) => assert_eq!(log.handled, [0], "a refused message was handled"),
        }
        assert_shutdown_exit(&report);
        assert_eq!(report.handled, log.handled.len() as u64, "{report:?}");
        assert_eq!(log.stopped, 1, "`stopped` runs once");
        drop(returned);
        drops.assert_each_dropped_once();
    });
}

/// Every address goes (a sender's after one `try_tell`, and the handle's through `join`)
/// while the loop may be idle in `recv_many`: the last drop closes the mailbox and wakes the
/// loop, which handles the message and ends with `Exit::Released`.
#[test]
fn release_wakes_idle_loop() {
    model(3, || {
        let drops = Drops::new(1);
        let log = SharedLog::default();
        let (rt, handle) = spawn_actor(config(1, 1), Recorder { log: log.clone() });
        let actor = run_loop(&rt);
        let addr = handle.addr();
        let d = drops.clone();
        let sender = spawn(move || {
            let sent = addr.try_tell(d.msg(0));
            assert!(
                matches!(sent, Ok(Sent::Queued)),
                "an address keeps the mailbox open: {sent:?}"
            );
            drop(addr);
        });
        let joined = Started::poll_once(handle);

        actor.join().unwrap();
        sender.join().unwrap();
        let report = report(joined);

        let log = log.lock().unwrap();
        assert_eq!(log.handled, [0]);
        assert_eq!(report.exit, Exit::Released, "{report:?}");
        assert_eq!(report.handled, 1, "{report:?}");
        assert_eq!(log.stopped, 1, "`stopped` runs once");
        drops.assert_each_dropped_once();
    });
}

/// The handler sends to its own actor through `Context::addr()` (a `WeakSender::upgrade`)
/// while the last outside address is dropped: either the upgrade fails, or the message it
/// sends is accepted and handled before the loop ends with `Exit::Released` (the upgraded
/// address kept the mailbox open).
#[test]
fn self_send_races_release() {
    model(3, || {
        let drops = Drops::new(2);
        let log = SharedLog::default();
        let upgrade = Arc::new(Mutex::new(None));
        let actor = SelfSender {
            log: log.clone(),
            drops: drops.clone(),
            upgrade: upgrade.clone(),
        };
        let (rt, handle) = spawn_actor(config(1, 1), actor);
        handle
            .addr()
            .try_tell(drops.msg(0))
            .expect("an empty mailbox accepts");
        let actor = run_loop(&rt);
        let joined = Started::poll_once(handle);

        actor.join().unwrap();
        let report = report(joined);

        let log = log.lock().unwrap();
        let upgrade = upgrade.lock().unwrap().expect("message 0 was handled");
        match upgrade {
            Upgrade::Gone => assert_eq!(log.handled, [0]),
            Upgrade::Queued => assert_eq!(log.handled, [0, 1], "a self-sent message was lost"),
        }
        assert_eq!(report.exit, Exit::Released, "{report:?}");
        assert_eq!(report.handled, log.handled.len() as u64, "{report:?}");
        assert_eq!(log.stopped, 1, "`stopped` runs once");
        assert_eq!(drops.count(0), 1, "message 0 dropped once");
        let made = usize::from(upgrade == Upgrade::Queued);
        assert_eq!(
            drops.count(1),
            made,
            "message 1 dropped once if it was made"
        );
    });
}

/// `abort` races a handler that is pending on a future nothing will ever wake (message 0),
/// with message 1 still queued: the abort's wake-up (the Dekker pair of `request_abort` and
/// `poll_guarded`) must end the loop with `Exit::Aborted`; both messages are discarded,
/// each dropped once, and `stopped` runs. Broken twin `abort_wake` must deadlock it.
#[test]
fn abort_cuts_pending_handler() {
    model(3, || {
        let drops = Drops::new(2);
        let log = SharedLog::default();
        let (rt, handle) = spawn_actor(
            config(2, 1),
            Stuck {
                log: log.clone(),
                stuck_from: 0,
            },
        );
        let addr = handle.addr();
        for id in 0..2 {
            let sent = addr.try_tell(drops.msg(id));
            assert!(matches!(sent, Ok(Sent::Queued)), "two free slots: {sent:?}");
        }
        drop(addr);
        let actor = run_loop(&rt);
        let aborted = {
            handle.abort();
            Started::poll_once(handle)
        };

        actor.join().unwrap();
        let report = report(aborted);

        let log = log.lock().unwrap();
        assert!(
            log.entered.is_empty() || log.entered == [0],
            "only message 0 can reach the handler: {:?}",
            log.entered
        );
        assert!(log.handled.is_empty());
        assert_eq!(report.exit, Exit::Aborted, "{report:?}");
        assert_eq!(report.handled, 0, "{report:?}");
        assert_eq!(report.discarded, 2, "{report:?}");
        assert_eq!(log.stopped, 1, "`stopped` runs once");
        drops.assert_each_dropped_once();
    });
}

/// Its `stopped` never finishes: it says it has begun, then awaits [`Never`].
struct StuckStop {
    entered: Arc<AtomicBool>,
}

impl Actor for StuckStop {
    type Msg = Msg;

    async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) {
        drop(msg);
    }

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        // Release: pairs with the Acquire in `wait_until_stopping`.
        self.entered.store(true, Ordering::Release);
        Never.await;
    }
}

/// Waits (yielding) until a [`StuckStop`]'s `stopped` has begun.
fn wait_until_stopping(entered: &AtomicBool) {
    // Acquire: pairs with the Release in `StuckStop::stopped`.
    while !entered.load(Ordering::Acquire) {
        loom::thread::yield_now();
    }
}

/// Spawns a [`StuckStop`] and runs its loop; `stop` ends the actor's mail (a shutdown or a
/// first abort); once `stopped` has begun, an abort races the loop's registration for it and
/// must cut it short. Returns the report.
fn abort_a_stuck_stop(stop: impl FnOnce(&ActorHandle<StuckStop>)) -> ActorReport {
    let entered = Arc::new(AtomicBool::new(false));
    let (rt, handle) = spawn_actor(
        config(1, 1),
        StuckStop {
            entered: entered.clone(),
        },
    );
    let actor = run_loop(&rt);
    stop(&handle);
    wait_until_stopping(&entered);
    let aborted = {
        handle.abort();
        Started::poll_once(handle)
    };
    actor.join().unwrap();
    report(aborted)
}

/// The user's scenario "shut down, wait a while, then abort" with a `stopped` that hangs:
/// once `stopped` has begun, `abort` races the loop registering its waker for it (the Dekker
/// pair of `request_abort` and `poll_guarded`, for the flag `next_abort` chose). The abort must
/// cut `stopped` short and end the loop with `Exit::Aborted`; nothing is discarded (the
/// shutdown handled the queue). Broken twin `abort_wake` must deadlock it.
#[test]
fn abort_cuts_a_stopped_a_shutdown_began() {
    model(3, || {
        let report = abort_a_stuck_stop(ActorHandle::shutdown);
        assert_eq!(report.exit, Exit::Aborted, "{report:?}");
        assert_eq!(report.discarded, 0, "{report:?}");
    });
}

/// An abort lets the `stopped` it begins run (`started` and `stopped` come in pairs); a second
/// abort, racing the loop's registration for it, cuts that `stopped` short. Broken twin
/// `abort_again` (a later abort sets only the first abort's flag) must deadlock it.
#[test]
fn a_second_abort_cuts_the_stopped_the_first_began() {
    model(3, || {
        let report = abort_a_stuck_stop(ActorHandle::abort);
        assert_eq!(report.exit, Exit::Aborted, "{report:?}");
    });
}

/// Pending once (it wakes its own waker), then ready: one `.await` at which a guard can cut
/// the future short.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Its `stopped` says it has begun, then waits once ([`YieldOnce`]) and ends: a `stopped` that
/// would hang, had it awaited [`Never`] instead, and that an abort it is subject to cuts short
/// at that wait.
struct SlowStop {
    entered: Arc<AtomicBool>,
    /// Set once `stopped` has run to its end (not cut short).
    finished: Arc<AtomicBool>,
}

impl Actor for SlowStop {
    type Msg = Msg;

    async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) {
        drop(msg);
    }

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        // SeqCst: ordered against the main thread's load by the two SeqCst fences between
        // (`request_abort`'s and `wait_for_abort`'s); see the model.
        self.entered.store(true, Ordering::SeqCst);
        YieldOnce(false).await;
        // Release: pairs with the Acquire load after the join (which orders it anyway).
        self.finished.store(true, Ordering::Release);
    }
}

/// "Shut down, then abort" where the abort lands after the loop has seen the
/// shutdown's close (its exit is `Shutdown`, the stop is the shutdown's) but before `stopped`
/// begins. Such an abort is not "the abort this stop is for" (the loop never saw it), so it
/// must cut `stopped` short at its first `.await`, as one a moment later does
/// (`abort_cuts_a_stopped_a_shutdown_began`): otherwise a `stopped` that hangs is never cut,
/// and "abort, then join" hangs with it. The main thread tells "the abort came before
/// `stopped` began" by reading `entered` after `abort` (`request_abort`'s SeqCst fence is
/// sequenced between them; `wait_for_abort`'s fence follows the store of `entered`: whichever
/// fence comes first, either the loop's look at the flags sees the abort, or this load sees
/// `entered`). `next_abort`, which reads the flags without regard to the exit, took the
/// abort for one before the stop and let `stopped` run to its end: exit `Shutdown`. Broken
/// twin `stop_exit` (that first version) must fail it.
#[test]
fn an_abort_between_a_shutdowns_end_and_stopped_cuts_stopped() {
    model(3, || {
        let entered = Arc::new(AtomicBool::new(false));
        let (rt, handle) = spawn_actor(
            config(1, 1),
            SlowStop {
                entered: entered.clone(),
                finished: Arc::new(AtomicBool::new(false)),
            },
        );
        let actor = run_loop(&rt);
        handle.shutdown();
        handle.abort();
        let before = !entered.load(Ordering::SeqCst);
        let joined = Started::poll_once(handle);
        actor.join().unwrap();
        let report = report(joined);
        if before {
            assert_eq!(
                report.exit,
                Exit::Aborted,
                "an abort requested before `stopped` began, for a stop the loop began for the \
                 shutdown, let `stopped` run to its end (one that hangs would never end): \
                 {report:?}"
            );
        }
    });
}

/// `abort` called twice before `stopped` begins (here both before the loop first
/// runs): both are "the abort this stop is for", so the `stopped` they begin runs to its end,
/// as after a single abort (`ActorShared::next_abort`); only an abort requested after it began
/// cuts it (`a_second_abort_cuts_the_stopped_the_first_began`). Broken twin `abort_sticky`
/// (the second abort's mark is not cleared when `stopped` begins) must fail it.
#[test]
fn aborts_before_stopped_let_the_stopped_they_begin_run() {
    model(3, || {
        let finished = Arc::new(AtomicBool::new(false));
        let (rt, handle) = spawn_actor(
            config(1, 1),
            SlowStop {
                entered: Arc::new(AtomicBool::new(false)),
                finished: finished.clone(),
            },
        );
        handle.abort();
        handle.abort();
        let actor = run_loop(&rt);
        let joined = Started::poll_once(handle);
        actor.join().unwrap();
        let report = report(joined);
        assert_eq!(report.exit, Exit::Aborted, "{report:?}");
        assert!(
            finished.load(Ordering::Acquire),
            "a second abort requested before `stopped` began cut it short"
        );
    });
}

/// `WeakSender::upgrade` races the last `Sender`'s drop (mailbox level): the upgrade either
/// returns `None` (and keeps doing so: a mailbox closed by its last sender is never reopened),
/// or a sender whose `try_send` is accepted (it keeps the mailbox open) and whose message the
/// receiver gets before the end.
#[test]
fn weak_upgrade_races_last_sender_drop() {
    model(3, || {
        let drops = Drops::new(1);
        let (tx, mut rx) = channel::<Msg>(MailboxConfig {
            capacity: 1,
            overflow: Overflow::Busy,
            amnesia: false,
        });
        let weak = tx.downgrade();
        let weak2 = weak.clone();
        // The receiver on its own thread, for the reason given at `run_loop`.
        let receiver = spawn(move || {
            let mut received = Vec::new();
            while let Some(msg) = block_on(rx.recv()) {
                received.push(msg.id);
            }
            (rx, received)
        });
        let d = drops.clone();
        let upgrader = spawn(move || match weak2.upgrade() {
            None => {
                assert!(weak2.upgrade().is_none(), "a gone mailbox came back");
                false
            }
            Some(tx2) => {
                let sent = tx2.try_send(d.msg(0));
                assert!(
                    matches!(sent, Ok(Sent::Queued)),
                    "an upgraded sender keeps the mailbox open: {sent:?}"
                );
                true
            }
        });
        drop(tx);

        let (rx, received) = receiver.join().unwrap();
        let sent = upgrader.join().unwrap();
        if sent {
            assert_eq!(received, [0], "an accepted message was lost");
        } else {
            assert!(received.is_empty());
        }
        assert!(weak.is_closed(), "the end means closed");
        assert!(weak.upgrade().is_none(), "the mailbox was reopened");
        drop(rx);
        // Message 0 exists only if the upgrade worked.
        assert_eq!(
            drops.count(0),
            usize::from(sent),
            "dropped once if it was made"
        );
    });
}

// ---- Regressions: each model below failed on the first version of the actor loop (a shutdown or
// ---- abort of an idle actor reported `Released`; an abort mid-batch lost the batch's count).

/// A shutdown of an idle actor ends its loop with `Exit::Shutdown`.
///
/// Fails today with `Exit::Released`: the loop learns of the close from a Relaxed load of the
/// ring's tail (after a SeqCst fence, which orders it but does not acquire), so nothing makes
/// the SHUTDOWN flag, set before the close, visible to the load in `shutdown_requested`.
#[test]
fn shutdown_of_idle_actor_reports_shutdown() {
    model(3, || {
        let log = SharedLog::default();
        let (rt, handle) = spawn_actor(config(1, 1), Recorder { log: log.clone() });
        let actor = run_loop(&rt);
        let stopped = {
            handle.shutdown();
            Started::poll_once(handle)
        };

        actor.join().unwrap();
        let report = report(stopped);
        assert_eq!(report.exit, Exit::Shutdown, "{report:?}");
        assert_eq!(log.lock().unwrap().stopped, 1, "`stopped` runs once");
    });
}

/// An abort of an idle actor ends its loop with `Exit::Aborted`.
///
/// Fails today with `Exit::Released`: the close that follows the ABORT flag wakes the loop in
/// `recv_many`, which returns 0, and the loop then only asks `ctx.stop` and SHUTDOWN.
#[test]
fn abort_of_idle_actor_reports_aborted() {
    model(3, || {
        let log = SharedLog::default();
        let (rt, handle) = spawn_actor(config(1, 1), Recorder { log: log.clone() });
        let actor = run_loop(&rt);
        let aborted = {
            handle.abort();
            Started::poll_once(handle)
        };

        actor.join().unwrap();
        let report = report(aborted);
        assert_eq!(report.exit, Exit::Aborted, "{report:?}");
        assert_eq!(report.discarded, 0, "{report:?}");
        assert_eq!(log.lock().unwrap().stopped, 1, "`stopped` runs once");
    });
}

/// An abort in the middle of a batch (message 0 handled, message 1's handler pending) counts
/// the handled message in the report.
///
/// Fails today with `handled: 0`: both abort exits inside the batch loop `break 'run` before
/// the batch's `handled` count is added to the report.
#[test]
fn abort_mid_batch_counts_handled() {
    model(3, || {
        let drops = Drops::new(2);
        let log = SharedLog::default();
        let (rt, handle) = spawn_actor(
            config(2, 2),
            Stuck {
                log: log.clone(),
                stuck_from: 1,
            },
        );
        let addr = handle.addr();
        for id in 0..2 {
            let sent = addr.try_tell(drops.msg(id));
            assert!(matches!(sent, Ok(Sent::Queued)), "two free slots: {sent:?}");
        }
        drop(addr);
        let actor = run_loop(&rt);
        let aborted = {
            handle.abort();
            Started::poll_once(handle)
        };

        actor.join().unwrap();
        let report = report(aborted);
        let log = log.lock().unwrap();
        assert_eq!(report.exit, Exit::Aborted, "{report:?}");
        assert_eq!(
            report.handled,
            log.handled.len() as u64,
            "{report:?}, {log:?}"
        );
        assert_eq!(report.handled + report.discarded, 2, "{report:?}");
        drops.assert_each_dropped_once();
    });
}

/// Abort races a `try_tell` that evicts under `DropOldest` (one slot, message 0 queued before
/// the loop runs, message 1 displaces it unless the close comes first). Whatever the order,
/// the final report is exact: `mailbox.received` is what the loop took (handled + discarded),
/// `accepted == received + dropped_oldest + discarded`, and it matches the mailbox's own
/// counters once the sender has returned.
///
/// Fails without the fix: the report copied a mailbox snapshot taken after the sender had
/// moved the ring past message 0 but before it counted the eviction (`received` one high,
/// `dropped_oldest` one low).
#[test]
fn abort_report_counts_a_racing_eviction() {
    model(2, || {
        let drops = Drops::new(2);
        let log = SharedLog::default();
        let config = ActorConfig {
            mailbox: MailboxConfig {
                capacity: 1,
                overflow: Overflow::DropOldest,
                amnesia: false,
            },
            ..config(1, 1)
        };
        let (rt, handle) = spawn_actor(config, Recorder { log: log.clone() });
        let addr = handle.addr();
        let sent = addr.try_tell(drops.msg(0));
        assert!(matches!(sent, Ok(Sent::Queued)), "{sent:?}");
        let d = drops.clone();
        let sender = spawn(move || {
            let sent = addr.try_tell(d.msg(1));
            (addr, sent.is_ok())
        });
        // The loop starts after the abort (it then goes straight to closing, draining and
        // reporting): what races is the sender against all of that, in few enough steps to
        // explore.
        let aborted = {
            handle.abort();
            Started::poll_once(handle)
        };
        let actor = run_loop(&rt);

        actor.join().unwrap();
        let report = report(aborted);
        let (addr, accepted_1) = sender.join().unwrap();
        let settled = addr.stats();
        drop(addr);
        let m = report.mailbox;
        assert_eq!(report.exit, Exit::Aborted, "{report:?}");
        assert_eq!(m.accepted, 1 + u64::from(accepted_1), "{report:?}");
        assert_eq!(m.received, report.handled + report.discarded, "{report:?}");
        assert_eq!(
            m.accepted,
            m.received + m.dropped_oldest + m.discarded,
            "{report:?}"
        );
        assert_eq!(
            (m.accepted, m.received, m.dropped_oldest, m.discarded),
            (
                settled.accepted,
                settled.received,
                settled.dropped_oldest,
                settled.discarded
            ),
            "report {m:?} vs settled {settled:?}"
        );
        drops.assert_each_dropped_once();
    });
}

/// The message type of the recipients below: not the actor's, so that a refused message
/// visibly comes back as the caller's, and the conversion (`From`) runs inside the send.
struct Wrapped(Msg);

impl From<Wrapped> for Msg {
    fn from(Wrapped(msg): Wrapped) -> Msg {
        msg
    }
}

/// [`shutdown_races_tell_blocking`] through a `Recipient<Wrapped>`: the send that waits for
/// the one slot (`Sender::poll_send_with`, the conversion after the claim) is woken by the
/// loop freeing the slot or by the close; each message is handled or handed back as the
/// caller's `Wrapped`, exactly once.
#[test]
fn shutdown_races_recipient_blocking_tell() {
    model(2, || {
        let drops = Drops::new(2);
        let log = SharedLog::default();
        let (rt, handle) = spawn_actor(config(1, 1), Recorder { log: log.clone() });
        let recipient: Recipient<Wrapped> = handle.addr().recipient();
        let sent = recipient.try_tell(Wrapped(drops.msg(0)));
        assert!(matches!(sent, Ok(Sent::Queued)), "{sent:?}");
        let actor = run_loop(&rt);
        let d = drops.clone();
        let sender = spawn(move || match recipient.blocking_tell(Wrapped(d.msg(1))) {
            Ok(Sent::Queued) => None,
            Err(SendError::Closed(Wrapped(msg))) => {
                assert_eq!(msg.id, 1, "the refused message comes back");
                Some(msg)
            }
            other => panic!("unexpected blocking_tell result {other:?}"),
        });
        let stopped = {
            handle.shutdown();
            Started::poll_once(handle)
        };

        actor.join().unwrap();
        let returned = sender.join().unwrap();
        let report = report(stopped);

        let log = log.lock().unwrap();
        match &returned {
            None => assert_eq!(log.handled, [0, 1], "an accepted message was not handled"),
            Some(_) => assert_eq!(log.handled, [0], "a refused message was handled"),
        }
        assert_shutdown_exit(&report);
        assert_eq!(report.handled, log.handled.len() as u64, "{report:?}");
        drop(returned);
        drops.assert_each_dropped_once();
    });
}

/// A recipient's `blocking_tell` waits on a full one-slot mailbox (message 0 queued first)
/// until the loop frees the slot: only the receiver's notification can wake it (nothing
/// closes the mailbox until the send is done), and message 1 is then queued and handled.
///
/// Broken twin `notify` (no fence in `notify_senders`) must deadlock it.
#[test]
fn recipient_tell_woken_by_the_loop_freeing_a_slot() {
    model(2, || {
        let drops = Drops::new(2);
        let log = SharedLog::default();
        let (rt, handle) = spawn_actor(config(1, 1), Recorder { log: log.clone() });
        let recipient: Recipient<Wrapped> = handle.addr().recipient();
        let sent = recipient.try_tell(Wrapped(drops.msg(0)));
        assert!(matches!(sent, Ok(Sent::Queued)), "{sent:?}");
        let actor = run_loop(&rt);
        let d = drops.clone();
        let sender = spawn(move || {
            let sent = recipient.blocking_tell(Wrapped(d.msg(1)));
            assert!(matches!(sent, Ok(Sent::Queued)), "{sent:?}");
        });
        sender.join().unwrap();
        let stopped = {
            handle.shutdown();
            Started::poll_once(handle)
        };

        actor.join().unwrap();
        let report = report(stopped);
        assert_shutdown_exit(&report);
        assert_eq!(log.lock().unwrap().handled, [0, 1]);
        assert_eq!(report.handled, 2, "{report:?}");
        drops.assert_each_dropped_once();
    });
}

/// [`abort_report_counts_a_racing_eviction`] through a `Recipient<Wrapped>`: the eviction
/// claims the oldest slot first (`Ring::force_claim`) and converts the message after, and the
/// final report is exact whatever the order.
#[test]
fn abort_report_counts_a_racing_recipient_eviction() {
    model(2, || {
        let drops = Drops::new(2);
        let log = SharedLog::default();
        let config = ActorConfig {
            mailbox: MailboxConfig {
                capacity: 1,
                overflow: Overflow::DropOldest,
                amnesia: false,
            },
            ..config(1, 1)
        };
        let (rt, handle) = spawn_actor(config, Recorder { log: log.clone() });
        let recipient: Recipient<Wrapped> = handle.addr().recipient();
        let sent = recipient.try_tell(Wrapped(drops.msg(0)));
        assert!(matches!(sent, Ok(Sent::Queued)), "{sent:?}");
        let d = drops.clone();
        let sender = spawn(move || {
            let sent = recipient.try_tell(Wrapped(d.msg(1)));
            let accepted = match sent {
                Ok(_) => true,
                Err(TrySendError::Closed(Wrapped(msg))) => {
                    assert_eq!(msg.id, 1, "the refused message comes back");
                    false
                }
                other => panic!("unexpected try_tell result {other:?}"),
            };
            (recipient, accepted)
        });
        let aborted = {
            handle.abort();
            Started::poll_once(handle)
        };
        let actor = run_loop(&rt);

        actor.join().unwrap();
        let report = report(aborted);
        let (recipient, accepted_1) = sender.join().unwrap();
        let settled = recipient.stats();
        drop(recipient);
        let m = report.mailbox;
        assert_eq!(report.exit, Exit::Aborted, "{report:?}");
        assert_eq!(m.accepted, 1 + u64::from(accepted_1), "{report:?}");
        assert_eq!(m.received, report.handled + report.discarded, "{report:?}");
        assert_eq!(
            m.accepted,
            m.received + m.dropped_oldest + m.discarded,
            "{report:?}"
        );
        assert_eq!(
            (m.accepted, m.received, m.dropped_oldest, m.discarded),
            (
                settled.accepted,
                settled.received,
                settled.dropped_oldest,
                settled.discarded
            ),
            "report {m:?} vs settled {settled:?}"
        );
        drops.assert_each_dropped_once();
    });
}

/// A request to [`Answerer`]: echo the message back, or drop the reply slot unanswered.
enum Ask {
    Echo(Msg, Reply<Msg>),
    Forget(Msg, Reply<Msg>),
}

/// How [`Answerer`] disposed of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answered {
    /// `Reply::send` took the message.
    Sent,
    /// `Reply::send` handed it back: the asker had gone.
    HandedBack,
    /// The reply slot was dropped unanswered.
    Forgotten,
}

/// Answers every request, recording how (`Reply::send`'s result, or the drop of the slot).
struct Answerer {
    answered: Arc<Mutex<Vec<Answered>>>,
    /// Set (Relaxed) just before a reply slot is dropped unanswered: an asker that got
    /// `NoReply` must see it (the slot's "no value" publishes what came before it).
    forgot: Arc<AtomicBool>,
}

impl Actor for Answerer {
    type Msg = Ask;

    async fn handle(&mut self, ask: Ask, _ctx: &mut Context<Self>) {
        let answered = match ask {
            Ask::Echo(msg, reply) => match reply.send(msg) {
                Ok(()) => Answered::Sent,
                Err(back) => {
                    drop(back);
                    Answered::HandedBack
                }
            },
            Ask::Forget(msg, reply) => {
                self.forgot.store(true, Ordering::Relaxed);
                drop((msg, reply));
                Answered::Forgotten
            }
        };
        self.answered.lock().unwrap().push(answered);
    }
}

/// An [`Answerer`] whose loop runs on its own thread, and what it records.
struct Answering {
    handle: ActorHandle<Answerer>,
    actor: loom::thread::JoinHandle<()>,
    answered: Arc<Mutex<Vec<Answered>>>,
    forgot: Arc<AtomicBool>,
}

/// Spawns an [`Answerer`] and runs its loop on its own thread. Its batches have room for two
/// requests, as an actor's (64 by default) have for more than one: a receive that takes one
/// request then leaves the loop's next receive to register before it looks (the receiver's
/// `register_first`, twin `register_blind`), as after every `ask` in a program.
fn spawn_answerer() -> Answering {
    let answered = Arc::new(Mutex::new(Vec::new()));
    let forgot = Arc::new(AtomicBool::new(false));
    let (rt, handle) = spawn_actor(
        config(1, 2),
        Answerer {
            answered: answered.clone(),
            forgot: forgot.clone(),
        },
    );
    let actor = run_loop(&rt);
    Answering {
        handle,
        actor,
        answered,
        forgot,
    }
}

/// Shuts the actor down, joins its loop, and checks that it handled `handled` requests.
fn finish_answerer(
    handle: ActorHandle<Answerer>,
    actor: loom::thread::JoinHandle<()>,
    handled: u64,
) {
    let stopped = {
        handle.shutdown();
        Started::poll_once(handle)
    };
    actor.join().unwrap();
    let report = report(stopped);
    assert_eq!(report.handled, handled, "{report:?}");
}

/// Asks [`Answerer`] to echo message 0 and awaits the answer: with `block_on` at once, or
/// (`poll_first`) after one poll with a no-op waker, as a `select!` arm or a timeout polls it
/// before the task waits on it with its own waker. The answer is the message, handled once,
/// dropped once.
fn ask_and_await(poll_first: bool) {
    let drops = Drops::new(1);
    let Answering {
        handle,
        actor,
        answered,
        ..
    } = spawn_answerer();
    let addr = handle.addr();
    let ask = addr.ask(|reply| Ask::Echo(drops.msg(0), reply));
    let answer = if poll_first {
        Started::poll_once(ask).finish()
    } else {
        block_on(ask)
    };
    let msg = answer.expect("answered");
    assert_eq!(msg.id, 0);
    drop((msg, addr));
    finish_answerer(handle, actor, 1);
    assert_eq!(*answered.lock().unwrap(), [Answered::Sent]);
    drops.assert_each_dropped_once();
}

/// `Addr::ask` awaited by a task that parks until the answer comes: the actor's
/// `Reply::send` races the asker's registration of its waker in the reply slot, and the
/// asker is woken with the answer whichever comes first.
///
/// Broken twin `reply_recheck` (the slot's receiver misses a send that completed before its
/// waker was stored) must deadlock here.
#[test]
fn ask_answer_wakes_the_waiting_asker() {
    model(3, || ask_and_await(false));
}

/// An ask polled once (as a `select!` arm or a timeout does), then awaited by another task
/// with a different waker: the slot replaces the waker while the actor may be answering,
/// and the answer still arrives.
///
/// Broken twin `reply_swap` (the new waker is written before the old registration is
/// withdrawn) must fail here with a causality violation: the answering side reads the cell
/// while the asker writes it.
#[test]
fn ask_repolled_with_a_new_waker_while_answered() {
    model(2, || ask_and_await(true));
}

/// Two asks in a row from one task, as a client that asks again as soon as it has its answer:
/// the first answer's slot goes back to the thread's cache only once the actor's side has let
/// go of it (`Arc::get_mut`), and the second ask then takes it, reset. Whether the actor's
/// thread has dropped its half by then or not, both answers arrive, in order, each message
/// handled and dropped once.
///
/// Broken twin `reply_reset` (the reset leaves the state word as it was) must fail here: the
/// second ask finds the first answer's `COMPLETE` and takes an empty cell for its answer.
#[test]
fn ask_twice_through_a_reused_slot() {
    model(2, || ask_twice(false));
}

/// Two asks of message 0 and 1 in a row, each awaited to its answer: with `block_on` (a new
/// waker per ask) or, with `one_waker`, with one waker for both, as one task's loop of asks.
/// Both answers arrive in order; each message is handled and dropped once.
fn ask_twice(one_waker: bool) {
    let drops = Drops::new(2);
    let Answering {
        handle,
        actor,
        answered,
        ..
    } = spawn_answerer();
    let addr = handle.addr();
    let waker =
        one_waker.then(|| Waker::from(std::sync::Arc::new(Unpark(loom::thread::current()))));
    for id in 0..2 {
        let ask = addr.ask(|reply| Ask::Echo(drops.msg(id), reply));
        let msg = match &waker {
            Some(waker) => block_on_with(waker, ask),
            None => block_on(ask),
        };
        assert_eq!(msg.expect("answered").id, id);
    }
    drop(addr);
    finish_answerer(handle, actor, 2);
    assert_eq!(*answered.lock().unwrap(), [Answered::Sent, Answered::Sent]);
    drops.assert_each_dropped_once();
}

/// A waker that unparks one loom thread: one task's waker, the same for every future the task
/// awaits (loom's `block_on` makes a new one per call).
struct Unpark(loom::thread::Thread);

impl std::task::Wake for Unpark {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `fut` to completion on this thread with `waker`, parking while it is pending (and
/// yielding, as `loom_tests::block_on` does, so that a re-poll loop lets the other threads
/// run).
fn block_on_with<F: Future>(waker: &Waker, fut: F) -> F::Output {
    let mut fut = core::pin::pin!(fut);
    let mut cx = TaskContext::from_waker(waker);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        loom::thread::yield_now();
        loom::thread::park();
    }
}

/// [`ask_twice_through_a_reused_slot`] from one task, whose waker is the same for both asks, as
/// in a task's loop of asks (loom's `block_on` makes a new waker per call). Both answers arrive,
/// in order, each message handled and dropped once. Written for a reply slot that kept the
/// asker's waker across its reset, so that the second ask would store no clone (a change
/// reverted after review: the per-thread cache then kept a dropped runtime alive); it stays as
/// the scenario of a loop of asks.
#[test]
fn ask_twice_from_one_task() {
    model(2, || ask_twice(true));
}

/// An ask abandoned after its request was queued (its future dropped, as a timeout or a losing
/// `select!` branch does) while the actor answers: the answer is either taken by the slot (and
/// dropped with it) or handed back to the handler, and dropped exactly once either way.
#[test]
fn ask_abandoned_while_the_actor_answers() {
    model(3, || {
        let drops = Drops::new(1);
        let Answering {
            handle,
            actor,
            answered,
            ..
        } = spawn_answerer();
        let addr = handle.addr();
        let early = match Started::poll_once(addr.ask(|reply| Ask::Echo(drops.msg(0), reply))) {
            Started::Ready(answer) => Some(answer.expect("answered")),
            Started::Waiting(fut) => {
                drop(fut);
                None
            }
        };
        drop((early, addr));
        finish_answerer(handle, actor, 1);
        let answered = answered.lock().unwrap();
        assert!(
            matches!(answered[..], [Answered::Sent | Answered::HandedBack]),
            "{answered:?}"
        );
        drops.assert_each_dropped_once();
    });
}

/// A reply slot dropped unanswered wakes the waiting asker with `AskError::NoReply`, and what
/// the handler did before the drop is visible to the asker then. (The slot's Release on that
/// path is not what this model checks: with it weakened to Acquire the model still passes,
/// since the asker's park and the wake-up order the two threads in every interleaving loom
/// explores here. The Release is there for an asker that finds the "no value" without
/// parking; see `OneshotSender::drop`.)
#[test]
fn ask_unanswered_ends_with_no_reply() {
    model(3, || {
        let drops = Drops::new(1);
        let Answering {
            handle,
            actor,
            answered,
            forgot,
        } = spawn_answerer();
        let addr = handle.addr();
        let answer = block_on(addr.ask(|reply| Ask::Forget(drops.msg(0), reply)));
        assert!(matches!(answer, Err(AskError::NoReply)), "{answer:?}");
        // Relaxed: only the slot's "no value" can make the handler's store visible here.
        assert!(
            forgot.load(Ordering::Relaxed),
            "what the handler did before dropping the reply is visible with the NoReply"
        );
        drop(addr);
        finish_answerer(handle, actor, 1);
        assert_eq!(*answered.lock().unwrap(), [Answered::Forgotten]);
        drops.assert_each_dropped_once();
    });
}

// ---- several watchers of one actor's end (`Addr::stopped`, `WeakAddr::stopped`,
// `ActorHandle::stopped`).

/// A waker that counts its wake-ups. Plain std atomics: bookkeeping of the model, not part of
/// what loom checks.
#[derive(Default)]
struct Wakes(std::sync::atomic::AtomicUsize);

impl std::task::Wake for Wakes {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Wakes {
    fn new() -> (std::sync::Arc<Self>, Waker) {
        let wakes = std::sync::Arc::new(Self::default());
        let waker = Waker::from(wakes.clone());
        (wakes, waker)
    }

    fn count(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Interleavings of [`watchers_of_the_stop_are_woken_once`] in which the kept watcher
/// registered before the loop's end (and so needed its wake-up).
static WATCHER_WAITED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Two watchers of an actor's end, polled once each on the main thread right after a
/// `shutdown` while the loop stops on its own thread: one through a `WeakAddr`
/// (`WeakAddr::stopped`), kept; one through the handle (`ActorHandle::stopped`), dropped
/// mid-wait (a timeout, a `select!` that took another branch), perhaps while the loop's end is
/// waking the list. Each poll may find the actor finished, or register as the loop ends.
///
/// Must hold, once the loop's thread has returned: a watcher whose poll answered is told
/// `Ok(Exit::Shutdown)`; the kept watcher, if its poll was `Pending`, has been woken exactly
/// once and then answers `Ok(Exit::Shutdown)` (no watcher is woken more than once); the report
/// says `Exit::Shutdown` and `stopped` ran once. Broken twin `stop_recheck` (the watcher does
/// not look at the flags again after registering) leaves a watcher that registered as the
/// loop ended unwoken.
#[test]
fn watchers_of_the_stop_are_woken_once() {
    model(3, || {
        let log = SharedLog::default();
        let (rt, mut handle) = spawn_actor(config(1, 1), Recorder { log: log.clone() });
        let weak = handle.addr().downgrade();
        let actor = run_loop(&rt);
        handle.shutdown();

        let (kept_wakes, kept_waker) = Wakes::new();
        let (dropped_wakes, dropped_waker) = Wakes::new();
        let mut kept = Box::pin(weak.stopped());
        let mut dropped = Box::pin(handle.stopped());
        let first = kept
            .as_mut()
            .poll(&mut TaskContext::from_waker(&kept_waker));
        let dropped_first = dropped
            .as_mut()
            .poll(&mut TaskContext::from_waker(&dropped_waker));
        drop(dropped);

        actor.join().unwrap();
        match first {
            Poll::Ready(exit) => assert_eq!(exit, Ok(Exit::Shutdown)),
            Poll::Pending => {
                WATCHER_WAITED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                assert_eq!(
                    kept_wakes.count(),
                    1,
                    "a watcher registered as the loop ended is woken exactly once"
                );
                let again = kept
                    .as_mut()
                    .poll(&mut TaskContext::from_waker(&kept_waker));
                assert_eq!(again, Poll::Ready(Ok(Exit::Shutdown)));
            }
        }
        assert!(kept_wakes.count() <= 1, "woken more than once");
        assert!(dropped_wakes.count() <= 1, "woken more than once");
        if let Poll::Ready(exit) = dropped_first {
            assert_eq!(exit, Ok(Exit::Shutdown));
        }
        drop(kept);
        let report = report(Started::poll_once(handle.join()));
        assert_eq!(report.exit, Exit::Shutdown, "{report:?}");
        assert_eq!(log.lock().unwrap().stopped, 1, "`stopped` runs once");
    });
    let waited = WATCHER_WAITED.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        waited > 0,
        "no interleaving had the watcher wait for the loop's end"
    );
    eprintln!("the kept watcher waited in {waited} interleavings");
}
