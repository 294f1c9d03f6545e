//! The test suites of three other actor frameworks — xtra 0.6 (`tests/basic.rs`), actix 0.13
//! (`tests/*.rs`) and ractor 0.16 (`src/actor/tests.rs`, `src/actor/supervision_tests.rs`,
//! `src/rpc/tests.rs`) — and kameo 0.22's tests of waiting for an actor's end
//! (`wait_for_shutdown`) ported to ryker's actor API on tokio, as an independent check of
//! ryker's contract (docs/ACTORS.md). Each test names its source in a one-line comment; where
//! ryker's documented semantics differ, the test asserts ryker's rule and says what differs.
//! Scenarios the brief asked for that none of the three suites covers as such (per-sender
//! ordering under load, many askers, cancelled futures, panicking message destructors) are
//! marked "ryker:" with the framework test closest to them.
//!
//! Not ported, and why:
//! - priorities and broadcast (xtra `handle_order`, `waiting_sender_order` with priorities,
//!   `set_priority_msg_channel`, `broadcast_tail_*`): ryker has one FIFO mailbox per actor and
//!   no broadcast; the FIFO part of `waiting_sender_order` is ported.
//! - several actors on one mailbox, and re-running an actor on a used mailbox (xtra
//!   `actor_can_be_restarted`, `two_actors_on_address_*`, `actor_stops_on_stop_all_message`;
//!   actix `SyncArbiter`, `test_stop_after_drop_sync_*`, `test_restart_sync_actor`): a ryker
//!   mailbox belongs to one actor; its restarts are supervision restarts (ported).
//! - address counts and scoped tasks (xtra `address_debug`'s counts, `message_channel_debug`'s
//!   counts, `scoped_task`): ryker has neither; the `Debug` parts are ported.
//! - messages typed at run time (ractor `runtime_message_typing`,
//!   `test_sending_message_to_invalid_actor_type`): a ryker `Recipient<M>` is typed at compile
//!   time (`A::Msg: From<M>`), so there is no wrong type to send at run time.
//! - `send_after` through a derived reference (ractor `derived_actor_ref`'s timer part): no
//!   timer API; the rest of `derived_actor_ref` is ported.
//!
//! Ported since ryker has type-erased recipients (`Recipient<M>`, `WeakRecipient<M>`): actix
//! `test_weak_recipient`, `test_weak_recipient_can_be_cloned`,
//! `test_recipient_can_be_downgraded`, `test_recipient_eq`, `test_recipient_hash`; ractor
//! `derived_actor_ref`; xtra `receiving_async_on_message_channel_returns_immediately_after_dispatch`,
//! `message_channel_debug` (without counts) and the message-channel part of
//! `test_addr_cmp_hash_eq`. Weak addresses, address equality and hashing are ported (actix
//! `test_weak_address`, `test_weak_addr_partial_equality`, `test_address_eq`,
//! `test_address_hash`; xtra `test_addr_cmp_hash_eq` without its ordering of addresses).
//! - streams, sinks, intervals, timers, spawned futures inside an actor and `AtomicResponse`
//!   futures (actix `test_stream*`, `test_sink*`, `test_fut*`, `test_run_*`, `test_add_timeout*`,
//!   `test_*wait_context`, `test_cancel_*`, `test_current_context_handle`; ractor `time/`,
//!   `port/`): ryker's actor API has no stream, timer or context-spawn API. The ordering promise
//!   of `test_atomic_response` is ported with a handler that awaits.
//! - the `stopping` hook and `Running::Continue` (actix `test_stop_restore_after_stopping`): no
//!   such hook.
//! - fallible hooks (`Result` from `pre_start`/`handle`/`post_stop`; ractor
//!   `test_error_on_start_captured`, `test_supervision_error_in_*`): ryker's hooks return `()`;
//!   the panicking variants are ported.
//! - supervision trees, links, monitors, registries, process groups, factories, clusters and
//!   serialized messages (ractor `supervision_tests` beyond panics, `registry/`, `pg/`,
//!   `factory/`, `test_remote_actor`, `test_serialized_*`, `actor_failing_in_spawn_err_*`):
//!   ryker has no actor hierarchy, registry or remoting.
//! - a spawn that waits for startup and can be cancelled (ractor `test_error_on_start_captured`'s
//!   `SpawnErr`, `cancelling_spawn_future_runs_lifecycle_cleanup`,
//!   `dropping_unpolled_start_future_runs_lifecycle_cleanup`): ryker's spawn returns at once and
//!   `started` runs in the actor's task; the panic-in-startup case is ported.
//! - status transitions, tracing output and derive macros (ractor
//!   `actor_status_transitions_are_monotonic`, `concurrent_shutdown_transitions_elect_cleanup_once`;
//!   xtra `instrumentation.rs`, `public_api.rs`; actix `derive.rs`): internals or macros ryker
//!   does not have.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll, Wake, Waker};
use std::time::Duration;

use tokio::sync::oneshot;

use ryker_tokio::{
    Actor, ActorConfig, ActorHandle, ActorOptions, Addr, AskError, AskTimeoutError, Context,
    DeadLetter, Exit, JoinError, MailboxConfig, Overflow, Recipient, Reply, SendError,
    SendTimeoutError, Sent, SpawnActor, TrySendError, WeakAddr, WeakRecipient,
};

/// The upper bound that turns a hang into a failure; never a measure of speed.
const LIMIT: Duration = Duration::from_secs(10);

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Runs `body` on a fresh current-thread runtime; fails if it has not finished within [`LIMIT`].
fn on_current<F: Future>(body: F) -> F::Output {
    quiet_expected_panics();
    current_thread().block_on(bounded(body))
}

/// Runs `body` on a fresh two-worker runtime; fails if it has not finished within [`LIMIT`].
fn on_multi<F: Future>(body: F) -> F::Output {
    quiet_expected_panics();
    multi_thread().block_on(bounded(body))
}

async fn bounded<F: Future>(body: F) -> F::Output {
    tokio::time::timeout(LIMIT, body)
        .await
        .expect("the case hung: not finished within 10 s")
}

/// A waker that does nothing: for polling a future exactly once.
struct NoopWake;

impl Wake for NoopWake {
    fn wake(self: Arc<Self>) {}
}

/// Polls `fut` once, with a waker that does nothing.
fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    let waker = Waker::from(Arc::new(NoopWake));
    Pin::new(fut).poll(&mut TaskContext::from_waker(&waker))
}

/// Lets the other tasks of a current-thread runtime run a while.
async fn let_others_run() {
    for _ in 0..32 {
        tokio::task::yield_now().await;
    }
}

/// Spawns four sending tasks, `send(i)` for the `i`-th; each answers how many messages it got
/// accepted.
fn four_senders<F>(send: impl FnMut(usize) -> F) -> tokio::task::JoinSet<u64>
where
    F: Future<Output = u64> + Send + 'static,
{
    let mut senders = tokio::task::JoinSet::new();
    for fut in (0..4).map(send) {
        senders.spawn(fut);
    }
    senders
}

/// Waits until `addr` has accepted `at_least` messages, stops the actor with `stop`, and
/// returns how many the `senders` got accepted in all once each has finished.
async fn stop_under_load<A: Actor>(
    handle: &ActorHandle<A>,
    addr: &Addr<A>,
    at_least: u64,
    stop: impl FnOnce(&ActorHandle<A>),
    mut senders: tokio::task::JoinSet<u64>,
) -> u64 {
    while addr.stats().accepted < at_least {
        tokio::task::yield_now().await;
    }
    stop(handle);
    let mut accepted = 0;
    while let Some(n) = senders.join_next().await {
        accepted += n.unwrap();
    }
    accepted
}

fn mailbox(capacity: usize, overflow: Overflow) -> ActorConfig {
    ActorConfig {
        mailbox: MailboxConfig {
            capacity,
            overflow,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// What an actor did, in order.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn note(&self, event: impl Into<String>) {
        self.0.lock().unwrap().push(event.into());
    }

    fn events(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// Installs a dead-letter hook that writes each letter to `log`.
fn letters_to<A: Actor>(options: ActorOptions<A>, log: &Log) -> ActorOptions<A> {
    let log = log.clone();
    options.dead_letters(move |letter| match letter {
        DeadLetter::Panicked { panic } => log.note(format!("panicked: {panic}")),
        DeadLetter::Undelivered(_) => log.note("undelivered"),
        _ => log.note("another letter"),
    })
}

/// The general-purpose actor most cases use.
#[derive(Debug)]
enum Cmd {
    /// Recorded in `seen` and in the log.
    Note(u32),
    /// Answers what was recorded.
    Seen(Reply<Vec<u32>>),
    /// Answers `n`; logs when nobody waits for the answer any more.
    Echo(u64, Reply<u64>),
    /// Says it started, then holds the actor until the gate opens (or its sender is dropped).
    Hold(oneshot::Sender<()>, oneshot::Receiver<()>),
    /// Drops the reply unanswered.
    Forget(Reply<u32>),
    /// `Context::stop`.
    Stop,
    /// Panics.
    Panic,
    /// Panics while holding a reply.
    PanicAsked(Reply<u32>),
}

#[derive(Default)]
struct Probe {
    log: Log,
    seen: Vec<u32>,
    /// `started` waits for this gate.
    gate: Option<oneshot::Receiver<()>>,
}

impl Probe {
    fn new(log: &Log) -> Self {
        Self {
            log: log.clone(),
            ..Default::default()
        }
    }

    /// A probe whose `started` waits until the returned sender sends (or is dropped).
    fn gated(log: &Log) -> (Self, oneshot::Sender<()>) {
        let (open, gate) = oneshot::channel();
        let probe = Self {
            gate: Some(gate),
            ..Self::new(log)
        };
        (probe, open)
    }
}

impl Actor for Probe {
    type Msg = Cmd;

    async fn started(&mut self, _ctx: &mut Context<Self>) {
        self.log.note("started");
        if let Some(gate) = self.gate.take() {
            let _ = gate.await;
        }
    }

    async fn handle(&mut self, cmd: Cmd, ctx: &mut Context<Self>) {
        match cmd {
            Cmd::Note(n) => {
                self.seen.push(n);
                self.log.note(format!("note {n}"));
            }
            Cmd::Seen(reply) => {
                let _ = reply.send(self.seen.clone());
            }
            Cmd::Echo(n, reply) => {
                if reply.is_canceled() {
                    self.log.note(format!("unwanted echo {n}"));
                }
                let _ = reply.send(n);
            }
            Cmd::Hold(entered, gate) => {
                let _ = entered.send(());
                let _ = gate.await;
            }
            Cmd::Forget(reply) => drop(reply),
            Cmd::Stop => ctx.stop(),
            Cmd::Panic => panic!("on purpose: probe"),
            Cmd::PanicAsked(_reply) => panic!("on purpose: probe, asked"),
        }
    }

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.log.note("stopped");
    }
}

/// Makes the probe hold its next message until the returned gate opens; returns once the
/// handler holds it.
async fn hold(addr: &Addr<Probe>) -> oneshot::Sender<()> {
    let (entered_tx, entered) = oneshot::channel();
    let (open, gate) = oneshot::channel();
    addr.tell(Cmd::Hold(entered_tx, gate)).await.unwrap();
    entered.await.expect("the handler holds the message");
    open
}

/// Spawns a probe whose `started` waits for the returned gate, on a `Busy` mailbox of
/// `capacity`; returns its handle, an address, the gate and the probe's log.
fn spawn_gated(capacity: usize) -> (ActorHandle<Probe>, Addr<Probe>, oneshot::Sender<()>, Log) {
    let log = Log::default();
    let (probe, open) = Probe::gated(&log);
    let handle = ryker_tokio::spawn_with(probe, &mailbox(capacity, Overflow::Busy)).unwrap();
    let addr = handle.addr();
    (handle, addr, open, log)
}

// ---------------------------------------------------------------------------------------------
// xtra 0.6, tests/basic.rs
// ---------------------------------------------------------------------------------------------

// xtra basic.rs `accumulate_to_ten`
#[test]
fn xtra_accumulate_to_ten() {
    on_multi(async {
        let log = Log::default();
        let handle = ryker_tokio::spawn(Probe::new(&log));
        let mut senders = tokio::task::JoinSet::new();
        for n in 0..10 {
            let addr = handle.addr();
            senders.spawn(async move { addr.tell(Cmd::Note(n)).await.map(|_| ()) });
        }
        while let Some(sent) = senders.join_next().await {
            sent.unwrap().unwrap();
        }
        let mut seen = handle.addr().ask(Cmd::Seen).await.unwrap();
        seen.sort_unstable();
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        handle.shutdown();
        assert_eq!(handle.await.unwrap().handled, 11);
    });
}

// xtra basic.rs `actor_stops_on_last_drop_of_address` (and `no_sender_returns_disconnected`)
// Differs: the `ActorHandle` counts as an address too; joining it releases its own.
#[test]
fn xtra_actor_stops_on_last_drop_of_address() {
    on_current(async {
        let log = Log::default();
        let mut handle = ryker_tokio::spawn(Probe::new(&log));
        let addr = handle.addr();
        let other = addr.clone();
        addr.tell(Cmd::Note(1)).await.unwrap();
        drop(addr);
        drop(other);
        let report = handle.join().await.unwrap();
        assert_eq!(report.exit, Exit::Released);
        assert_eq!(report.handled, 1);
        assert_eq!(log.events(), ["started", "note 1", "stopped"]);
        assert!(handle.is_finished());
        let after = handle.addr();
        assert!(after.is_closed());
        assert!(matches!(
            after.try_tell(Cmd::Note(2)),
            Err(TrySendError::Closed(Cmd::Note(2)))
        ));
    });
}

/// Says in `stopped` whether its own address could still be had, and signals its end.
struct SelfAware {
    upgraded: Option<oneshot::Sender<bool>>,
}

impl Actor for SelfAware {
    type Msg = ();

    async fn handle(&mut self, _: (), _ctx: &mut Context<Self>) {}

    async fn stopped(&mut self, ctx: &mut Context<Self>) {
        if let Some(tx) = self.upgraded.take() {
            let _ = tx.send(ctx.addr().is_some());
        }
    }
}

// xtra basic.rs `actor_stops_on_last_drop_of_address` (detached) and `no_sender_returns_disconnected`
#[test]
fn xtra_detached_actor_stops_when_every_address_is_dropped() {
    on_multi(async {
        let (tx, upgraded) = oneshot::channel();
        let handle = ryker_tokio::spawn(SelfAware { upgraded: Some(tx) });
        let addr = handle.addr();
        drop(handle); // detached: only `addr` keeps the actor alive
        addr.tell(()).await.unwrap();
        drop(addr);
        let could_upgrade = upgraded.await.expect("the actor stopped and ran `stopped`");
        assert!(
            !could_upgrade,
            "with every address gone, Context::addr must be None"
        );
    });
}

// xtra basic.rs `actor_stops_on_stop_self_message` and
// `single_actor_on_address_with_stop_self_returns_disconnected_on_stop`
#[test]
fn xtra_actor_stops_on_stop_self_message() {
    on_current(async {
        let log = Log::default();
        let mut handle = ryker_tokio::spawn(Probe::new(&log));
        let addr = handle.addr();
        addr.tell(Cmd::Stop).await.unwrap();
        let report = handle.join().await.unwrap();
        assert_eq!((report.exit, report.handled), (Exit::Stopped, 1));
        assert!(addr.is_closed());
        assert!(matches!(
            addr.tell(Cmd::Note(1)).await,
            Err(SendError::Closed(Cmd::Note(1)))
        ));
        assert_eq!(addr.ask(Cmd::Seen).await, Err(AskError::Closed));
        assert_eq!(log.events(), ["started", "stopped"]);
    });
}

// xtra basic.rs `actor_stops_on_last_drop_of_address_even_if_not_yet_running`
#[test]
fn xtra_actor_stops_on_last_drop_of_address_even_if_not_yet_running() {
    on_current(async {
        let log = Log::default();
        // On a current-thread runtime the actor's task has not run yet.
        let mut handle = ryker_tokio::spawn(Probe::new(&log));
        assert!(log.events().is_empty());
        let report = handle.join().await.unwrap();
        assert_eq!((report.exit, report.handled), (Exit::Released, 0));
        // `started` and `stopped` come in pairs, even for an actor that never had a message.
        assert_eq!(log.events(), ["started", "stopped"]);
    });
}

// xtra basic.rs `actor_stops_on_stop_message_even_if_sent_before_started`
// ryker's rule added: a message accepted before the stop closed the mailbox is still handled.
#[test]
fn xtra_stop_message_sent_before_started() {
    on_current(async {
        let log = Log::default();
        let mut handle = ryker_tokio::spawn(Probe::new(&log));
        let addr = handle.addr();
        addr.try_tell(Cmd::Note(1)).unwrap();
        addr.try_tell(Cmd::Stop).unwrap();
        // Accepted: the mailbox closes only when the actor handles `Stop`.
        addr.try_tell(Cmd::Note(2)).unwrap();
        let report = handle.join().await.unwrap();
        assert_eq!((report.exit, report.handled), (Exit::Stopped, 3));
        assert_eq!(
            log.events(),
            ["started", "note 1", "note 2", "stopped"],
            "every message accepted before the close is handled"
        );
        assert!(addr.try_tell(Cmd::Note(3)).unwrap_err().is_closed());
    });
}

// xtra basic.rs `handle_left_messages`
#[test]
fn xtra_handle_left_messages() {
    on_current(async {
        let log = Log::default();
        let (probe, open) = Probe::gated(&log);
        let mut handle = ryker_tokio::spawn(probe);
        let addr = handle.addr();
        for n in 0..10 {
            addr.tell(Cmd::Note(n)).await.unwrap();
        }
        drop(addr);
        open.send(()).unwrap();
        let report = handle.join().await.unwrap();
        assert_eq!((report.exit, report.handled), (Exit::Released, 10));
        let expected: Vec<String> = std::iter::once("started".to_string())
            .chain((0..10).map(|n| format!("note {n}")))
            .chain(std::iter::once("stopped".to_string()))
            .collect();
        assert_eq!(log.events(), expected);
    });
}

// xtra basic.rs `receiving_async_on_address_returns_immediately_after_dispatch`
#[test]
fn xtra_tell_returns_once_queued_not_once_handled() {
    on_current(async {
        let log = Log::default();
        let handle = ryker_tokio::spawn(Probe::new(&log));
        let addr = handle.addr();
        let open = hold(&addr).await; // the actor is busy with a message that never ends
        let mut tell = Box::pin(addr.tell(Cmd::Note(1)));
        assert!(
            matches!(poll_once(&mut tell), Poll::Ready(Ok(Sent::Queued))),
            "a tell to a mailbox with room completes on its first poll"
        );
        let mut ask = Box::pin(addr.ask(|r| Cmd::Echo(7, r)));
        assert!(poll_once(&mut ask).is_pending(), "queued, not answered");
        assert_eq!(addr.len(), 2);
        open.send(()).unwrap();
        assert_eq!(ask.await, Ok(7));
        handle.shutdown();
        assert_eq!(handle.await.unwrap().handled, 3);
    });
}

// xtra basic.rs `waiting_sender_order` (without priorities: ryker serves waiting senders in
// arrival order, docs of `Addr::tell`)
#[test]
fn xtra_waiting_senders_are_served_in_arrival_order() {
    on_current(async {
        let (handle, addr, open, _log) = spawn_gated(1);
        addr.try_tell(Cmd::Note(1)).unwrap();
        let mut second = Box::pin(addr.tell(Cmd::Note(2)));
        let mut third = Box::pin(addr.tell(Cmd::Note(3)));
        assert!(poll_once(&mut second).is_pending());
        assert!(poll_once(&mut third).is_pending());
        open.send(()).unwrap();
        // The later sender is polled first every time; it must still wait its turn.
        let (t, s) = tokio::join!(third, second);
        assert!(t.is_ok() && s.is_ok());
        assert_eq!(addr.ask(Cmd::Seen).await.unwrap(), [1, 2, 3]);
        handle.shutdown();
    });
}

// xtra basic.rs `address_send_exercises_backpressure`
#[test]
fn xtra_address_send_exercises_backpressure() {
    on_current(async {
        let (mut handle, addr, open, _log) = spawn_gated(1);
        assert!(matches!(addr.try_tell(Cmd::Note(1)), Ok(Sent::Queued)));
        assert!(matches!(
            addr.try_tell(Cmd::Note(2)),
            Err(TrySendError::Busy(Cmd::Note(2)))
        ));
        let mut waiting = Box::pin(addr.tell(Cmd::Note(2)));
        assert!(poll_once(&mut waiting).is_pending(), "full: the tell waits");
        open.send(()).unwrap();
        assert!(matches!(waiting.await, Ok(Sent::Queued)));
        assert_eq!(addr.ask(Cmd::Seen).await.unwrap(), [1, 2]);
        handle.shutdown();
        let report = handle.join().await.unwrap();
        assert_eq!(report.mailbox.busy, 1, "one refusal counted");
    });
}

// xtra basic.rs `timeout_returns_interrupted`
// Differs: xtra interrupts the handler on the loop's timeout; a ryker handler that never ends
// holds its actor until `abort`, and an ask after the stop fails with `Closed`.
#[test]
fn xtra_timeout_on_a_stuck_handler_then_abort() {
    on_current(async {
        let log = Log::default();
        let mut handle = ryker_tokio::spawn(Probe::new(&log));
        let addr = handle.addr();
        assert_eq!(addr.ask(|r| Cmd::Echo(1, r)).await, Ok(1));
        let _open = hold(&addr).await; // never opened
        let stuck = addr.ask_timeout(|r| Cmd::Echo(2, r), Duration::from_millis(20));
        assert!(matches!(stuck.await, Err(AskTimeoutError::Timeout)));
        let by_tokio =
            tokio::time::timeout(Duration::from_millis(20), addr.ask(|r| Cmd::Echo(3, r)));
        assert!(by_tokio.await.is_err(), "the handler still holds the actor");
        handle.abort();
        let report = handle.join().await.unwrap();
        assert_eq!(report.exit, Exit::Aborted);
        assert_eq!(report.handled, 1);
        assert_eq!(
            report.discarded, 3,
            "the held message and the two queued asks"
        );
        assert_eq!(addr.ask(|r| Cmd::Echo(4, r)).await, Err(AskError::Closed));
        assert_eq!(log.events(), ["started", "stopped"]);
    });
}

// xtra basic.rs `address_debug` (ryker's Debug shows the name and whether it is closed)
#[test]
fn xtra_address_debug() {
    on_current(async {
        let options = ActorOptions::default().name("greeter");
        let handle = ryker_tokio::spawn_with_options(Probe::default(), options).unwrap();
        let addr = handle.addr();
        let shown = format!("{addr:?}");
        assert!(
            shown.contains("greeter") && shown.contains("closed: false"),
            "{shown}"
        );
        handle.shutdown();
        assert!(format!("{addr:?}").contains("closed: true"));
    });
}

// xtra basic.rs `test_addr_cmp_hash_eq` (ryker: no ordering of addresses and no message
// channels; an address equals its weak form, where xtra's compares them unequal and uses
// `same_actor` for that)
#[test]
fn xtra_test_addr_cmp_hash_eq() {
    on_current(async {
        let first = ryker_tokio::spawn(Probe::default());
        let second = ryker_tokio::spawn(Probe::default());
        let (addr1, addr2) = (first.addr(), second.addr());
        assert_ne!(addr1, addr2);
        assert_eq!(addr1, addr1.clone());
        assert_eq!(addr1, addr1.downgrade());
        assert_eq!(addr1.downgrade(), addr1);
        assert_ne!(addr1, addr2.downgrade());
        let hash = |addr: &Addr<Probe>| {
            use std::hash::{BuildHasher, RandomState};
            let state = RandomState::new();
            (
                state.hash_one(addr),
                state.hash_one(addr.clone()),
                state.hash_one(addr.downgrade()),
            )
        };
        let (a, b, c) = hash(&addr1);
        assert!(
            a == b && b == c,
            "an address, its clone and its weak form hash alike"
        );
        first.shutdown();
        second.shutdown();
    });
}

// ---------------------------------------------------------------------------------------------
// actix 0.13, tests/*.rs
// ---------------------------------------------------------------------------------------------

// actix test_address.rs `test_address`: sends from the runtime, another thread and a task
#[test]
fn actix_test_address() {
    let rt = multi_thread();
    let log = Log::default();
    let handle = {
        let _entered = rt.enter();
        ryker_tokio::spawn(Probe::new(&log))
    };
    let addr = handle.addr();
    addr.try_tell(Cmd::Note(1)).unwrap();
    let from_thread = {
        let addr = addr.clone();
        std::thread::spawn(move || addr.blocking_tell(Cmd::Note(2)).map(|_| ()))
    };
    from_thread.join().unwrap().unwrap();
    let from_task = {
        let addr = addr.clone();
        rt.spawn(async move {
            addr.tell(Cmd::Note(3)).await.unwrap();
            addr.ask(|r| Cmd::Echo(4, r)).await
        })
    };
    rt.block_on(async {
        assert_eq!(bounded(from_task).await.unwrap(), Ok(4));
        let mut seen = addr.ask(Cmd::Seen).await.unwrap();
        seen.sort_unstable();
        assert_eq!(seen, [1, 2, 3]);
        handle.shutdown();
        assert_eq!(bounded(handle).await.unwrap().handled, 5);
    });
}

// actix test_address.rs `test_message_timeout`
#[test]
fn actix_test_message_timeout() {
    on_current(async {
        let log = Log::default();
        let handle = ryker_tokio::spawn(Probe::new(&log));
        let addr = handle.addr();
        let open = hold(&addr).await;
        let late = addr.ask_timeout(|r| Cmd::Echo(1, r), Duration::from_millis(10));
        assert!(matches!(late.await, Err(AskTimeoutError::Timeout)));
        open.send(()).unwrap();
        // The timed-out request is still handled; its answer goes nowhere.
        assert_eq!(addr.ask(|r| Cmd::Echo(2, r)).await, Ok(2));
        assert!(log.events().contains(&"unwanted echo 1".to_string()));
        handle.shutdown();
        assert_eq!(handle.await.unwrap().handled, 3);
    });
}

/// Asks `target` with a short deadline from inside its own handler and answers what happened.
struct Caller {
    target: Addr<Probe>,
}

impl Actor for Caller {
    type Msg = Reply<bool>;

    async fn handle(&mut self, reply: Reply<bool>, _ctx: &mut Context<Self>) {
        let asked = self
            .target
            .ask_timeout(|r| Cmd::Echo(1, r), Duration::from_millis(10))
            .await;
        let _ = reply.send(matches!(asked, Err(AskTimeoutError::Timeout)));
    }
}

// actix test_address.rs `test_call_message_timeout` (the timed-out call made from an actor)
#[test]
fn actix_test_call_message_timeout() {
    on_multi(async {
        let log = Log::default();
        let target = ryker_tokio::spawn(Probe::new(&log));
        let open = hold(&target.addr()).await;
        let caller = ryker_tokio::spawn(Caller {
            target: target.addr(),
        });
        assert_eq!(caller.addr().ask(|r| r).await, Ok(true));
        open.send(()).unwrap();
        caller.shutdown();
        target.shutdown();
        assert_eq!(caller.await.unwrap().handled, 1);
        assert_eq!(target.await.unwrap().handled, 2);
    });
}

// actix test_lifecycle.rs `test_active_address` and `test_stop_after_drop_address`
// Differs: ryker has no `stopping` hook; `started` and `stopped` are checked.
#[test]
fn actix_lifecycle_started_then_stopped_after_the_address_drops() {
    on_current(async {
        let log = Log::default();
        let mut handle = ryker_tokio::spawn(Probe::new(&log));
        let addr = handle.addr();
        assert_eq!(addr.ask(|r| Cmd::Echo(1, r)).await, Ok(1));
        assert_eq!(log.events(), ["started"], "alive while an address is");
        drop(addr);
        let_others_run().await;
        assert_eq!(
            log.events(),
            ["started"],
            "the handle's address keeps it alive"
        );
        let report = handle.join().await.unwrap();
        assert_eq!(report.exit, Exit::Released);
        assert_eq!(log.events(), ["started", "stopped"]);
    });
}

/// Counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Holds what it is sent; its `started` waits on a gate.
struct Keeper {
    log: Log,
    gate: Option<oneshot::Receiver<()>>,
}

impl Actor for Keeper {
    type Msg = Counted;

    async fn started(&mut self, _ctx: &mut Context<Self>) {
        self.log.note("started");
        if let Some(gate) = self.gate.take() {
            let _ = gate.await;
        }
    }

    async fn handle(&mut self, _: Counted, _ctx: &mut Context<Self>) {}

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.log.note("stopped");
    }
}

// actix test_lifecycle.rs `test_stop` (the system stops with the actor running) and ractor
// tests.rs `aborting_actor_task_runs_lifecycle_cleanup`
// Differs: actix runs `stopped` when the system stops; in ryker a runtime that drops the actor's
// task ends it without `stopped`: `join` says `JoinError`, each queued message is dropped once.
#[test]
fn actix_test_stop_runtime_dropped_under_the_actor() {
    let log = Log::default();
    let drops = Arc::new(AtomicUsize::new(0));
    let (open, gate) = oneshot::channel::<()>();
    let rt = current_thread();
    let mut handle = {
        let _entered = rt.enter();
        ryker_tokio::spawn(Keeper {
            log: log.clone(),
            gate: Some(gate),
        })
    };
    for _ in 0..3 {
        handle.addr().try_tell(Counted(drops.clone())).unwrap();
    }
    rt.block_on(let_others_run()); // `started` runs and waits
    assert_eq!(log.events(), ["started"]);
    drop(rt);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        3,
        "each queued message dropped once"
    );
    assert!(handle.is_finished());
    assert_eq!(current_thread().block_on(handle.join()), Err(JoinError));
    assert_eq!(log.events(), ["started"], "no `stopped` without the task");
    drop(open);
}

/// Panics on `Die`; counts its starts and its messages.
struct Phoenix {
    starts: Arc<AtomicUsize>,
    deaths: Arc<AtomicUsize>,
}

enum Life {
    Die,
    Count(Reply<(usize, usize)>),
}

impl Actor for Phoenix {
    type Msg = Life;

    async fn started(&mut self, _ctx: &mut Context<Self>) {
        self.starts.fetch_add(1, Ordering::SeqCst);
    }

    async fn handle(&mut self, msg: Life, _ctx: &mut Context<Self>) {
        match msg {
            Life::Die => {
                self.deaths.fetch_add(1, Ordering::SeqCst);
                panic!("on purpose: told to die");
            }
            Life::Count(reply) => {
                let counts = (
                    self.starts.load(Ordering::SeqCst),
                    self.deaths.load(Ordering::SeqCst),
                );
                let _ = reply.send(counts);
            }
        }
    }
}

// actix test_supervisor.rs `test_supervisor_restart`
// Differs: actix restarts a supervised actor that stops itself; ryker restarts on panic only.
#[test]
fn actix_test_supervisor_restart() {
    on_current(async {
        let starts = Arc::new(AtomicUsize::new(0));
        let deaths = Arc::new(AtomicUsize::new(0));
        let fresh = {
            let (starts, deaths) = (starts.clone(), deaths.clone());
            move || Phoenix {
                starts: starts.clone(),
                deaths: deaths.clone(),
            }
        };
        let first = fresh.clone()();
        let options = ActorOptions::default().restart(5, Duration::from_secs(60), fresh);
        let mut handle = ryker_tokio::spawn_with_options(first, options).unwrap();
        let addr = handle.addr();
        addr.try_tell(Life::Die).unwrap();
        addr.try_tell(Life::Die).unwrap();
        assert_eq!(addr.ask(Life::Count).await, Ok((3, 2)));
        handle.shutdown();
        let report = handle.join().await.unwrap();
        assert_eq!(report.exit, Exit::Shutdown);
        assert_eq!((report.restarts, report.panics, report.handled), (2, 2, 1));
    });
}

/// Sends itself two messages from `started` (actix's `ctx.notify`).
struct Notifier {
    log: Log,
}

impl Actor for Notifier {
    type Msg = &'static str;

    async fn started(&mut self, ctx: &mut Context<Self>) {
        let me = ctx.addr().expect("alive while its handle is");
        me.try_tell("notify 1").unwrap();
        me.try_tell("notify 2").unwrap();
    }

    async fn handle(&mut self, msg: &'static str, _ctx: &mut Context<Self>) {
        self.log.note(msg);
    }
}

// actix test_context.rs `test_notify`
#[test]
fn actix_test_notify() {
    on_current(async {
        let log = Log::default();
        let mut handle = ryker_tokio::spawn(Notifier { log: log.clone() });
        handle.addr().try_tell("external").unwrap();
        let_others_run().await;
        let report = handle.join().await.unwrap();
        assert_eq!(report.handled, 3);
        // Sent before the actor ran, the external message is ahead of the notifications.
        assert_eq!(log.events(), ["external", "notify 1", "notify 2"]);
    });
}

/// Adds each number after awaiting that many times (actix's `AtomicResponse`).
struct Adder(usize);

impl Actor for Adder {
    type Msg = (usize, Reply<usize>);

    async fn handle(&mut self, (n, reply): Self::Msg, _ctx: &mut Context<Self>) {
        for _ in 0..n {
            tokio::task::yield_now().await;
        }
        self.0 += n;
        let _ = reply.send(self.0);
    }
}

// actix test_atomic_response.rs `test_atomic_response`: a handler that awaits is not overtaken
#[test]
fn actix_test_atomic_response() {
    on_multi(async {
        let handle = ryker_tokio::spawn(Adder(0));
        let addr = handle.addr();
        let mut asks: Vec<_> = (1..=7)
            .rev()
            .map(|n| Box::pin(addr.ask(move |r| (n, r))))
            .collect();
        for ask in &mut asks {
            // Queued in this order by their first polls.
            let _ = poll_once(ask);
        }
        let mut answers = Vec::new();
        for ask in asks {
            answers.push(ask.await.unwrap());
        }
        assert_eq!(answers, [7, 13, 18, 22, 25, 27, 28]);
        handle.shutdown();
    });
}

/// Answers requests of several reply types.
struct Typed;

enum TypedMsg {
    Unit(Reply<()>),
    Byte(Reply<u8>),
    Text(Reply<String>),
    Fallible(bool, Reply<Result<u32, String>>),
}

impl Actor for Typed {
    type Msg = TypedMsg;

    async fn handle(&mut self, msg: TypedMsg, _ctx: &mut Context<Self>) {
        let _ = match msg {
            TypedMsg::Unit(r) => r.send(()).map_err(drop),
            TypedMsg::Byte(r) => r.send(42).map_err(drop),
            TypedMsg::Text(r) => r.send("text".into()).map_err(drop),
            TypedMsg::Fallible(ok, r) => r
                .send(if ok { Ok(1) } else { Err("no".into()) })
                .map_err(drop),
        };
    }
}

// actix test_messages.rs `test_different_message_result_types`
#[test]
fn actix_test_different_message_result_types() {
    on_current(async {
        let handle = ryker_tokio::spawn(Typed);
        let addr = handle.addr();
        assert_eq!(addr.ask(TypedMsg::Unit).await, Ok(()));
        assert_eq!(addr.ask(TypedMsg::Byte).await, Ok(42));
        assert_eq!(addr.ask(TypedMsg::Text).await.unwrap(), "text");
        assert_eq!(addr.ask(|r| TypedMsg::Fallible(true, r)).await, Ok(Ok(1)));
        assert_eq!(
            addr.ask(|r| TypedMsg::Fallible(false, r)).await,
            Ok(Err("no".to_string()))
        );
        handle.shutdown();
    });
}

// actix test_address.rs `test_address_eq`
#[test]
fn actix_test_address_eq() {
    on_current(async {
        let log = Log::default();
        let first = ryker_tokio::spawn(Probe::new(&log));
        let addr0 = first.addr();
        let addr01 = addr0.clone();
        let addr02 = addr01.clone();
        assert!(addr0 == addr01);
        assert!(addr0 == addr02);
        let second = ryker_tokio::spawn(Probe::new(&log));
        assert!(addr0 != second.addr());
        first.shutdown();
        second.shutdown();
    });
}

// actix test_address.rs `test_address_hash`
#[test]
fn actix_test_address_hash() {
    on_current(async {
        let log = Log::default();
        let first = ryker_tokio::spawn(Probe::new(&log));
        let addr0 = first.addr();
        let addr01 = addr0.clone();
        let mut addresses = std::collections::HashSet::new();
        addresses.insert(addr0.clone());
        addresses.insert(addr01.clone());
        assert_eq!(addresses.len(), 1);
        assert!(addresses.contains(&addr0));
        assert!(addresses.contains(&addr01));
        let second = ryker_tokio::spawn(Probe::new(&log));
        let addr1 = second.addr();
        addresses.insert(addr1.clone());
        assert_eq!(addresses.len(), 2);
        assert!(addresses.contains(&addr1));
        assert!(addresses.remove(&addr0));
        assert!(!addresses.contains(&addr0));
        assert!(!addresses.contains(&addr01));
        assert_eq!(addresses.len(), 1);
        assert!(addresses.contains(&addr1));
        first.shutdown();
        second.shutdown();
    });
}

// actix test_address.rs `test_weak_address` (ryker: the handle is an address too, so the
// actor whose last address is dropped stops once its handle lets go, here by a shutdown and
// a join)
#[test]
fn actix_test_weak_address() {
    on_current(async {
        let log = Log::default();
        let mut first = ryker_tokio::spawn(Probe::new(&log));
        let second = ryker_tokio::spawn(Probe::new(&log));
        let (addr1, addr2) = (first.addr(), second.addr());
        let (weak1, weak2) = (addr1.downgrade(), addr2.downgrade());
        drop(addr1);
        first.shutdown();
        bounded(first.join()).await.unwrap();
        assert!(weak1.upgrade().is_none(), "the first actor has stopped");
        assert!(weak1.is_closed());
        match weak2.upgrade() {
            Some(addr) => assert!(addr2 == addr),
            None => panic!("the second actor runs: its weak address upgrades"),
        }
        second.shutdown();
    });
}

// actix test_address.rs `test_weak_addr_partial_equality`: equality of weak addresses holds
// whether their actors run or have stopped
#[test]
fn actix_test_weak_addr_partial_equality() {
    on_current(async {
        let log = Log::default();
        let mut first = ryker_tokio::spawn(Probe::new(&log));
        let mut second = ryker_tokio::spawn(Probe::new(&log));
        let (actor1, actor2) = (first.addr(), second.addr());
        let weak1 = actor1.downgrade();
        let weak1_again = actor1.downgrade();
        let weak2 = actor2.downgrade();
        assert!(!actor1.is_closed() && !actor2.is_closed());
        let check_equality_assertions = || {
            assert_eq!(weak1, weak1);
            assert_eq!(weak1, weak1_again);
            assert_eq!(weak2, weak2);
            assert_ne!(weak1, weak2);
            assert_ne!(weak1_again, weak2);
        };
        check_equality_assertions();
        assert_eq!(weak1.upgrade().unwrap(), weak1.upgrade().unwrap());
        assert_eq!(weak1.upgrade().unwrap(), weak1_again.upgrade().unwrap());
        assert_eq!(weak2.upgrade().unwrap(), weak2.upgrade().unwrap());
        assert_ne!(weak1.upgrade().unwrap(), weak2.upgrade().unwrap());
        assert_ne!(weak1_again.upgrade().unwrap(), weak2.upgrade().unwrap());
        drop(actor1);
        first.shutdown();
        bounded(first.join()).await.unwrap();
        assert!(!actor2.is_closed());
        check_equality_assertions();
        drop(actor2);
        second.shutdown();
        bounded(second.join()).await.unwrap();
        check_equality_assertions();
    });
}

// ryker: a `WeakAddr` does not keep its actor running (the actor stops when its last `Addr`
// and its handle are gone), and `Context::weak_addr` is the actor's own, always there
#[test]
fn a_weak_address_does_not_keep_its_actor_running() {
    struct Registers(Option<oneshot::Sender<WeakAddr<Registers>>>);
    impl Actor for Registers {
        type Msg = ();
        async fn started(&mut self, ctx: &mut Context<Self>) {
            if let Some(tx) = self.0.take() {
                let _ = tx.send(ctx.weak_addr());
            }
        }
        async fn handle(&mut self, (): (), _: &mut Context<Self>) {}
    }
    on_current(async {
        let (tx, rx) = oneshot::channel();
        let mut handle = ryker_tokio::spawn(Registers(Some(tx)));
        let addr = handle.addr();
        let own = bounded(rx).await.unwrap();
        assert_eq!(own, addr, "the actor's own weak address is its address");
        let weak = addr.downgrade();
        drop(addr);
        // The handle's own address is the last one: letting it go (a join gives it up) stops
        // the actor although `own` and `weak` are alive.
        let report = bounded(handle.join()).await.unwrap();
        assert_eq!(report.exit, Exit::Released, "{report:?}");
        assert!(own.upgrade().is_none() && weak.upgrade().is_none());
        assert_eq!(own, weak, "still equal after the actor stopped");
    });
}

// actix test_connected.rs `test_connected` (ryker: `Addr::is_closed`)
#[test]
fn actix_test_connected() {
    on_current(async {
        let log = Log::default();
        let mut handle = ryker_tokio::spawn(Probe::new(&log));
        let addr = handle.addr();
        assert!(!addr.is_closed());
        addr.tell(Cmd::Stop).await.unwrap();
        handle.join().await.unwrap();
        assert!(addr.is_closed());
    });
}

// actix test_arbiter.rs `test_start_actor_message`: an actor started on a runtime from another
// thread (through the runtime's handle), then used from both sides
#[test]
fn actix_test_start_actor_from_another_thread() {
    let rt = multi_thread();
    let tokio = ryker_tokio::Tokio::with_handle(rt.handle().clone());
    let log = Log::default();
    let spawned = {
        let log = log.clone();
        std::thread::spawn(move || {
            let handle = tokio.spawn_actor(Probe::new(&log));
            handle.addr().blocking_tell(Cmd::Note(1)).unwrap();
            handle
        })
    };
    let handle = spawned.join().unwrap();
    rt.block_on(bounded(async {
        assert_eq!(handle.addr().ask(Cmd::Seen).await.unwrap(), [1]);
        handle.shutdown();
        assert_eq!(handle.await.unwrap().exit, Exit::Shutdown);
    }));
}

// ---------------------------------------------------------------------------------------------
// ractor 0.16, src/actor/tests.rs, src/actor/supervision_tests.rs, src/rpc/tests.rs
// ---------------------------------------------------------------------------------------------

/// Panics in `started`.
struct BadStart;

impl Actor for BadStart {
    type Msg = Cmd;

    async fn started(&mut self, _ctx: &mut Context<Self>) {
        panic!("on purpose: Boom!");
    }

    async fn handle(&mut self, _: Cmd, _ctx: &mut Context<Self>) {
        unreachable!("never started");
    }
}

// ractor tests.rs `test_panic_on_start_captured` and supervision_tests.rs
// `test_supervision_panic_in_post_startup`
// Differs: ractor's spawn fails with `StartupFailed`; ryker's spawn returns at once, and the
// panic ends the actor (`Exit::Panicked`, no `stopped`), its queue going to the dead letters.
#[test]
fn ractor_test_panic_on_start_captured() {
    on_current(async {
        let letters = Log::default();
        let options = letters_to(ActorOptions::default(), &letters);
        let mut handle = ryker_tokio::spawn_with_options(BadStart, options).unwrap();
        let addr = handle.addr();
        addr.try_tell(Cmd::Note(1)).unwrap();
        let mut ask = Box::pin(addr.ask(|r| Cmd::Echo(2, r)));
        assert!(poll_once(&mut ask).is_pending());
        let report = handle.join().await.unwrap();
        assert_eq!(report.exit, Exit::Panicked);
        assert_eq!(
            (report.panics, report.handled, report.undelivered),
            (1, 0, 2)
        );
        assert_eq!(ask.await, Err(AskError::NoReply));
        assert_eq!(
            letters.events(),
            ["panicked: on purpose: Boom!", "undelivered", "undelivered"]
        );
        assert!(addr.try_tell(Cmd::Note(3)).unwrap_err().is_closed());
    });
}

// ractor (restart of an actor whose startup panics; ractor's supervisors decide it themselves)
#[test]
fn ractor_startup_panic_under_restart_gives_up_after_the_limit() {
    on_current(async {
        let options = ActorOptions::default().restart(3, Duration::from_secs(60), || BadStart);
        let mut handle = ryker_tokio::spawn_with_options(BadStart, options).unwrap();
        let report = handle.join().await.unwrap();
        assert_eq!(report.exit, Exit::Panicked);
        assert_eq!((report.restarts, report.panics), (3, 4));
    });
}

// ractor tests.rs `test_stop_higher_priority_over_messages`
// Differs: ractor's stop skips the queued messages. ryker's `shutdown` handles every accepted
// message; its `abort` is the stop that skips them (and cuts the current one short).
#[test]
fn ractor_test_stop_higher_priority_over_messages() {
    on_current(async {
        // shutdown: all ten handled
        let log = Log::default();
        let (probe, open) = Probe::gated(&log);
        let mut handle = ryker_tokio::spawn(probe);
        for n in 0..10 {
            handle.addr().try_tell(Cmd::Note(n)).unwrap();
        }
        handle.shutdown();
        open.send(()).unwrap();
        let report = handle.join().await.unwrap();
        assert_eq!((report.exit, report.handled), (Exit::Shutdown, 10));

        // abort: the one in progress cut short, the queued ones discarded
        let log = Log::default();
        let mut handle = ryker_tokio::spawn(Probe::new(&log));
        let _open = hold(&handle.addr()).await;
        for n in 0..9 {
            handle.addr().try_tell(Cmd::Note(n)).unwrap();
        }
        handle.abort();
        let report = handle.join().await.unwrap();
        assert_eq!(report.exit, Exit::Aborted);
        assert_eq!((report.handled, report.discarded), (0, 10));
        let m = report.mailbox;
        assert_eq!(m.accepted, m.received + m.dropped_oldest + m.discarded);
        assert_eq!(log.events(), ["started", "stopped"]);
    });
}

// ractor tests.rs `test_kill_terminates_work`
#[test]
fn ractor_test_kill_terminates_work() {
    on_multi(async {
        let log = Log::default();
        let mut handle = ryker_tokio::spawn(Probe::new(&log));
        let _open = hold(&handle.addr()).await; // a handler that would never end
        handle.abort();
        let report = handle.join().await.unwrap();
        assert_eq!((report.exit, report.discarded), (Exit::Aborted, 1));
        assert!(handle.is_finished());
    });
}

// ractor tests.rs `test_stop_does_not_terminate_async_work`
#[test]
fn ractor_test_stop_does_not_terminate_async_work() {
    on_current(async {
        let log = Log::default();
        let mut handle = ryker_tokio::spawn(Probe::new(&log));
        let open = hold(&handle.addr()).await;
        handle.shutdown();
        let_others_run().await;
        assert!(!handle.is_finished(), "shutdown waits for the handler");
        assert_eq!(log.events(), ["started"]);
        open.send(()).unwrap();
        let report = handle.join().await.unwrap();
        assert_eq!((report.exit, report.handled), (Exit::Shutdown, 1));
    });
}

// ractor tests.rs `test_sending_message_to_dead_actor`
#[test]
fn ractor_test_sending_message_to_dead_actor() {
    on_current(async {
        let mut handle = ryker_tokio::spawn(Probe::default());
        let addr = handle.addr();
        handle.shutdown();
        handle.join().await.unwrap();
        let ms = Duration::from_millis(50);
        assert!(matches!(
            addr.try_tell(Cmd::Note(1)),
            Err(TrySendError::Closed(_))
        ));
        assert!(matches!(
            addr.tell(Cmd::Note(2)).await,
            Err(SendError::Closed(_))
        ));
        assert!(matches!(
            addr.tell_timeout(Cmd::Note(3), ms).await,
            Err(SendTimeoutError::Closed(_))
        ));
        assert_eq!(addr.ask(|r| Cmd::Echo(4, r)).await, Err(AskError::Closed));
        assert!(matches!(
            addr.ask_timeout(|r| Cmd::Echo(5, r), ms).await,
            Err(AskTimeoutError::Closed(Cmd::Echo(5, _)))
        ));
    });
}

// ractor tests.rs `instant_spawns`: messages sent while `started` still runs wait for it
#[test]
fn ractor_instant_spawns() {
    on_multi(async {
        let log = Log::default();
        let (probe, open) = Probe::gated(&log);
        let handle = ryker_tokio::spawn(probe);
        let addr = handle.addr();
        for n in 0..10 {
            addr.try_tell(Cmd::Note(n)).unwrap();
        }
        assert_eq!(addr.len(), 10, "nothing handled while `started` runs");
        open.send(()).unwrap();
        assert_eq!(
            addr.ask(Cmd::Seen).await.unwrap(),
            (0..10).collect::<Vec<_>>()
        );
        handle.shutdown();
    });
}

// ractor tests.rs `stop_and_wait`: a stop requested while `started` runs
#[test]
fn ractor_stop_and_wait() {
    on_current(async {
        let log = Log::default();
        let (probe, open) = Probe::gated(&log);
        let mut handle = ryker_tokio::spawn(probe);
        let_others_run().await;
        handle.shutdown();
        open.send(()).unwrap();
        let report = handle.join().await.unwrap();
        assert_eq!(report.exit, Exit::Shutdown);
        assert_eq!(log.events(), ["started", "stopped"]);
    });
}

// ractor tests.rs `kill_and_wait` and `kill_interrupts_lifecycle_hooks`
// Differs: ractor's kill interrupts `pre_start`; ryker lets `started` finish (`started` and
// `stopped` come in pairs), then aborts.
#[test]
fn ractor_kill_and_wait_during_started() {
    on_current(async {
        let log = Log::default();
        let (probe, open) = Probe::gated(&log);
        let mut handle = ryker_tokio::spawn(probe);
        handle.addr().try_tell(Cmd::Note(1)).unwrap();
        let_others_run().await;
        handle.abort();
        let_others_run().await;
        assert!(!handle.is_finished(), "`started` is not cut short");
        open.send(()).unwrap();
        let report = handle.join().await.unwrap();
        assert_eq!(
            (report.exit, report.handled, report.discarded),
            (Exit::Aborted, 0, 1)
        );
        assert_eq!(log.events(), ["started", "stopped"]);
        for _ in 0..2 {
            assert_eq!(
                handle.join().await.as_ref(),
                Ok(&report),
                "joins repeat the report"
            );
        }
    });
}

/// `stopped` waits before it marks its end.
struct SlowStop {
    done: Arc<AtomicUsize>,
}

impl Actor for SlowStop {
    type Msg = ();

    async fn handle(&mut self, _: (), _ctx: &mut Context<Self>) {}

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        tokio::time::sleep(Duration::from_millis(5)).await;
        self.done.store(1, Ordering::SeqCst);
    }
}

// ractor tests.rs `actor_post_stop_executed_before_stop_and_wait_returns`
#[test]
fn ractor_post_stop_executed_before_join_returns() {
    on_multi(async {
        let done = Arc::new(AtomicUsize::new(0));
        let mut handle = ryker_tokio::spawn(SlowStop { done: done.clone() });
        handle.shutdown();
        handle.join().await.unwrap();
        assert_eq!(done.load(Ordering::SeqCst), 1);
    });
}

/// Awaits in each handler, then counts.
struct Drainer(u64);

impl Actor for Drainer {
    type Msg = ();

    async fn handle(&mut self, _: (), _ctx: &mut Context<Self>) {
        tokio::task::yield_now().await;
        self.0 += 1;
    }
}

// ractor tests.rs `actor_drain_messages` (ryker: `shutdown` drains)
#[test]
fn ractor_actor_drain_messages() {
    on_multi(async {
        let config = mailbox(1024, Overflow::Busy);
        let mut handle = ryker_tokio::spawn_with(Drainer(0), &config).unwrap();
        let addr = handle.addr();
        for _ in 0..1000 {
            addr.try_tell(()).unwrap();
        }
        handle.shutdown();
        assert!(addr.try_tell(()).unwrap_err().is_closed());
        let report = handle.join().await.unwrap();
        assert_eq!((report.exit, report.handled), (Exit::Shutdown, 1000));
    });
}

// ractor tests.rs `wait_for_death` (ryker: `Addr::stopped`; the 100 ms bound on each wait is
// the hang guard of `on_current`; the stop comes from the handle, ryker's `stop`)
#[test]
fn ractor_wait_for_death() {
    on_current(async {
        let done = Arc::new(AtomicUsize::new(0));
        let mut handle = ryker_tokio::spawn(SlowStop { done: done.clone() });
        let addr = handle.addr();
        let (first_wait, second_wait, ()) = tokio::join!(addr.stopped(), addr.stopped(), async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            handle.shutdown();
        });
        assert_eq!(first_wait, Ok(Exit::Shutdown));
        assert_eq!(second_wait, Ok(Exit::Shutdown));
        // ractor's post_stop sleeps before the end; ours too, and both waits came after it.
        assert_eq!(done.load(Ordering::SeqCst), 1);
        assert_eq!(handle.join().await.unwrap().exit, Exit::Shutdown);
        for _ in 0..3 {
            assert_eq!(addr.stopped().await, Ok(Exit::Shutdown));
        }
    });
}

// ractor tests.rs `wait_for_death`, with `join` (ryker: the report has one joiner, on
// `&mut self`; a join cut short is repeatable)
#[test]
fn ractor_wait_for_death_with_join() {
    on_current(async {
        let log = Log::default();
        let mut handle = ryker_tokio::spawn(Probe::new(&log));
        let open = hold(&handle.addr()).await;
        handle.shutdown();
        let early = tokio::time::timeout(Duration::from_millis(10), handle.join()).await;
        assert!(early.is_err(), "the handler still holds the actor");
        open.send(()).unwrap();
        let report = handle.join().await.unwrap();
        for _ in 0..3 {
            assert_eq!(handle.join().await.as_ref(), Ok(&report));
        }
    });
}

// kameo 0.22 actor_ref.rs `ActorRef::wait_for_shutdown_result` (its doc example; ryker: `kill`
// is `abort`, the reason is `Exit`; hooks return `()`, so its hook-error half has no port)
#[test]
fn kameo_wait_for_shutdown_result() {
    on_current(async {
        let handle = ryker_tokio::spawn(Probe::default());
        let addr = handle.addr();
        handle.abort();
        assert_eq!(addr.stopped().await, Ok(Exit::Aborted));
        // After the end, at once, as often as asked, through a weak address too.
        assert_eq!(addr.stopped().await, Ok(Exit::Aborted));
        assert_eq!(addr.downgrade().stopped().await, Ok(Exit::Aborted));
    });
}

// kameo 0.22 request/ask.rs `bounded_ask_requests_actor_not_running` (ryker: `ActorNotRunning`
// is `AskError::Closed`; no blocking ask)
#[test]
fn kameo_bounded_ask_requests_actor_not_running() {
    on_multi(async {
        let handle =
            ryker_tokio::spawn_with(Probe::default(), &mailbox(100, Overflow::Busy)).unwrap();
        let addr = handle.addr();
        handle.shutdown();
        assert_eq!(addr.stopped().await, Ok(Exit::Shutdown));
        assert_eq!(addr.ask(|r| Cmd::Echo(42, r)).await, Err(AskError::Closed));
        assert!(addr.try_tell(Cmd::Note(1)).unwrap_err().is_closed());
    });
}

/// Spawns a child in `started` and asks it from its own handler.
struct Parent {
    child: Option<ActorHandle<Probe>>,
}

impl Actor for Parent {
    type Msg = Reply<u64>;

    async fn started(&mut self, _ctx: &mut Context<Self>) {
        self.child = Some(ryker_tokio::spawn(Probe::default()));
    }

    async fn handle(&mut self, reply: Reply<u64>, _ctx: &mut Context<Self>) {
        let child = self.child.as_ref().expect("spawned in started").addr();
        let answer = child
            .ask(|r| Cmd::Echo(42, r))
            .await
            .expect("the child answers");
        let _ = reply.send(answer);
    }

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        if let Some(mut child) = self.child.take() {
            child.shutdown();
            let _ = child.join().await;
        }
    }
}

// ractor tests.rs `can_use_call_in_actor`
#[test]
fn ractor_can_use_call_in_actor() {
    on_current(async {
        let mut handle = ryker_tokio::spawn(Parent { child: None });
        assert_eq!(handle.addr().ask(|r| r).await, Ok(42));
        handle.shutdown();
        assert_eq!(handle.join().await.unwrap().exit, Exit::Shutdown);
    });
}

// ractor rpc/tests.rs `test_rpc_call`
#[test]
fn ractor_test_rpc_call() {
    on_current(async {
        let log = Log::default();
        let mut handle = ryker_tokio::spawn(Probe::new(&log));
        let addr = handle.addr();
        assert_eq!(addr.ask(|r| Cmd::Echo(1, r)).await, Ok(1));
        let generous = addr.ask_timeout(|r| Cmd::Echo(2, r), LIMIT).await;
        assert!(matches!(generous, Ok(2)));
        let open = hold(&addr).await;
        let late = addr
            .ask_timeout(|r| Cmd::Echo(3, r), Duration::from_millis(10))
            .await;
        assert!(matches!(late, Err(AskTimeoutError::Timeout)));
        open.send(()).unwrap();
        handle.shutdown();
        handle.join().await.unwrap();
        assert_eq!(addr.ask(|r| Cmd::Echo(4, r)).await, Err(AskError::Closed));
    });
}

/// Hands each request's reply on to a worker, which answers it.
struct Forwarder {
    worker: Addr<Probe>,
}

impl Actor for Forwarder {
    type Msg = (u64, Reply<u64>);

    async fn handle(&mut self, (n, reply): Self::Msg, _ctx: &mut Context<Self>) {
        self.worker
            .tell(Cmd::Echo(n * 10, reply))
            .await
            .expect("the worker is alive");
    }
}

// ractor rpc/tests.rs `test_rpc_call_forwarding`
#[test]
fn ractor_test_rpc_call_forwarding() {
    on_multi(async {
        let worker = ryker_tokio::spawn(Probe::default());
        let forwarder = ryker_tokio::spawn(Forwarder {
            worker: worker.addr(),
        });
        for n in 0..10 {
            assert_eq!(forwarder.addr().ask(|r| (n, r)).await, Ok(n * 10));
        }
        // A reply dropped by the worker's stop reaches the asker as NoReply.
        worker.shutdown();
        forwarder.shutdown();
    });
}

// ractor rpc/tests.rs `test_multi_call`
#[test]
fn ractor_test_multi_call() {
    on_multi(async {
        let mut handles: Vec<_> = (0..9)
            .map(|_| ryker_tokio::spawn(Probe::default()))
            .collect();
        let addrs: Vec<_> = handles.iter().map(|h| h.addr()).collect();
        let asks = addrs
            .iter()
            .enumerate()
            .map(|(i, a)| a.ask(move |r| Cmd::Echo(i as u64, r)));
        let answers: Vec<_> = join_all(asks).await;
        assert!(answers.iter().enumerate().all(|(i, a)| *a == Ok(i as u64)));
        handles[1].shutdown();
        handles[1].join().await.unwrap();
        let asks = addrs
            .iter()
            .enumerate()
            .map(|(i, a)| a.ask(move |r| Cmd::Echo(i as u64, r)));
        let answers: Vec<_> = join_all(asks).await;
        for (i, answer) in answers.iter().enumerate() {
            let expected = if i == 1 {
                Err(AskError::Closed)
            } else {
                Ok(i as u64)
            };
            assert_eq!(*answer, expected, "actor {i}");
        }
        for h in &handles {
            h.shutdown();
        }
    });
}

/// Awaits every future, concurrently (each on a task of its own would need 'static).
async fn join_all<F: Future>(futs: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (fut, slot) in pinned.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                match fut.as_mut().poll(cx) {
                    Poll::Ready(v) => *slot = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(|v| v.expect("finished")).collect()
}

// ractor supervision_tests.rs `test_supervision_panic_in_handle` (ryker: `Supervision::Stop`;
// the dead-letter hook stands in for the supervisor's `ActorFailed` event)
#[test]
fn ractor_test_supervision_panic_in_handle() {
    on_current(async {
        let log = Log::default();
        let letters = Log::default();
        let (probe, open) = Probe::gated(&log);
        let options = letters_to(ActorOptions::default(), &letters);
        let mut handle = ryker_tokio::spawn_with_options(probe, options).unwrap();
        let addr = handle.addr();
        addr.try_tell(Cmd::Note(1)).unwrap();
        addr.try_tell(Cmd::Panic).unwrap();
        addr.try_tell(Cmd::Note(2)).unwrap();
        let mut queued_ask = Box::pin(addr.ask(|r| Cmd::Echo(3, r)));
        assert!(poll_once(&mut queued_ask).is_pending());
        open.send(()).unwrap();
        let report = handle.join().await.unwrap();
        assert_eq!(report.exit, Exit::Panicked);
        assert_eq!(
            (report.handled, report.panics, report.undelivered),
            (1, 1, 2)
        );
        assert_eq!(queued_ask.await, Err(AskError::NoReply));
        assert_eq!(
            log.events(),
            ["started", "note 1"],
            "no `stopped` after a panic"
        );
        assert_eq!(
            letters.events(),
            ["panicked: on purpose: probe", "undelivered", "undelivered"]
        );
        assert!(addr.try_tell(Cmd::Note(4)).unwrap_err().is_closed());
        let m = report.mailbox;
        assert_eq!(m.accepted, m.received + m.dropped_oldest + m.discarded);
    });
}

// ractor supervision_tests.rs `test_supervision_panic_in_handle`, restarted (ryker:
// `Supervision::Restart` keeps the mailbox and its queue, in order, for the fresh actor)
#[test]
fn ractor_panic_in_handle_under_restart_keeps_the_queue() {
    on_current(async {
        let log = Log::default();
        let (probe, open) = Probe::gated(&log);
        let fresh = {
            let log = log.clone();
            move || Probe::new(&log)
        };
        let options = ActorOptions::default().restart(3, Duration::from_secs(60), fresh);
        let mut handle = ryker_tokio::spawn_with_options(probe, options).unwrap();
        let addr = handle.addr();
        addr.try_tell(Cmd::Note(1)).unwrap();
        let mut panicking_ask = Box::pin(addr.ask(Cmd::PanicAsked));
        assert!(poll_once(&mut panicking_ask).is_pending());
        addr.try_tell(Cmd::Note(2)).unwrap();
        open.send(()).unwrap();
        assert_eq!(panicking_ask.await, Err(AskError::NoReply));
        assert_eq!(
            addr.ask(Cmd::Seen).await.unwrap(),
            [2],
            "a fresh actor's state"
        );
        handle.shutdown();
        let report = handle.join().await.unwrap();
        assert_eq!(
            (report.exit, report.restarts, report.panics),
            (Exit::Shutdown, 1, 1)
        );
        assert_eq!(report.handled, 3);
        assert_eq!(
            log.events(),
            ["started", "note 1", "started", "note 2", "stopped"]
        );
    });
}

/// Panics in `stopped`.
struct BadStop;

impl Actor for BadStop {
    type Msg = ();

    async fn handle(&mut self, _: (), _ctx: &mut Context<Self>) {}

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        panic!("on purpose: Boom in stopped");
    }
}

// ractor supervision_tests.rs `test_supervision_panic_in_post_stop`
#[test]
fn ractor_test_supervision_panic_in_post_stop() {
    on_current(async {
        let letters = Log::default();
        let options = letters_to(ActorOptions::default(), &letters);
        let mut handle = ryker_tokio::spawn_with_options(BadStop, options).unwrap();
        handle.addr().try_tell(()).unwrap();
        handle.shutdown();
        let report = handle.join().await.unwrap();
        // The exit says why it stopped; the panic after that is counted.
        assert_eq!(
            (report.exit, report.handled, report.panics),
            (Exit::Shutdown, 1, 1)
        );
        assert_eq!(letters.events(), ["panicked: on purpose: Boom in stopped"]);
    });
}

// ---------------------------------------------------------------------------------------------
// Type-erased recipients: actix 0.13 `Recipient`/`WeakRecipient` (tests/test_address.rs),
// ractor 0.16 `DerivedActorRef` (src/actor/tests.rs), xtra 0.6 `MessageChannel` (tests/basic.rs)
// ---------------------------------------------------------------------------------------------

/// actix's `Ping`: the message the recipients below are named by.
struct Ping;

/// Counts pings; `Ping` is one of its messages (actix `PingCounterActor`, `MyActor`).
struct PingCounter(usize);

enum PingMsg {
    Ping(Ping),
    Count(Reply<usize>),
}

impl From<Ping> for PingMsg {
    fn from(ping: Ping) -> Self {
        PingMsg::Ping(ping)
    }
}

impl Actor for PingCounter {
    type Msg = PingMsg;

    async fn handle(&mut self, msg: PingMsg, _: &mut Context<Self>) {
        match msg {
            PingMsg::Ping(Ping) => self.0 += 1,
            PingMsg::Count(reply) => {
                let _ = reply.send(self.0);
            }
        }
    }
}

/// A second actor type that takes `Ping` as its whole message type (actix `MyActor3`).
struct PingSink;

impl Actor for PingSink {
    type Msg = Ping;

    async fn handle(&mut self, _: Ping, _: &mut Context<Self>) {}
}

// actix test_address.rs `test_weak_recipient` (ryker: the handle is an address too; the first
// actor stops once its handle lets go, here by a shutdown and a join, instead of `run_later`)
#[test]
fn actix_test_weak_recipient() {
    on_current(async {
        let mut first = ryker_tokio::spawn(PingCounter(0));
        let second = ryker_tokio::spawn(PingSink);
        let (addr1, addr2) = (first.addr(), second.addr());
        let recipient2: Recipient<Ping> = addr2.clone().recipient();
        let weak1: WeakRecipient<Ping> = addr1.downgrade().recipient();
        let weak2: WeakRecipient<Ping> = addr2.downgrade().recipient();
        drop(addr1);
        first.shutdown();
        bounded(first.join()).await.unwrap();
        assert!(weak1.upgrade().is_none(), "the first actor has stopped");
        match weak2.upgrade() {
            Some(recipient) => assert!(recipient2 == recipient),
            None => panic!("the second actor runs: its weak recipient upgrades"),
        }
        second.shutdown();
    });
}

// actix test_address.rs `test_weak_recipient_can_be_cloned`
#[test]
fn actix_test_weak_recipient_can_be_cloned() {
    on_current(async {
        let handle = ryker_tokio::spawn(PingCounter(0));
        let addr = handle.addr();
        let weak_recipient: WeakRecipient<Ping> = addr.downgrade().recipient();
        let weak_recipient_clone = weak_recipient.clone();
        weak_recipient
            .upgrade()
            .expect("must be able to upgrade the weak recipient here")
            .tell(Ping)
            .await
            .expect("send must not fail");
        weak_recipient_clone
            .upgrade()
            .expect("must be able to upgrade the cloned weak recipient here")
            .tell(Ping)
            .await
            .expect("send must not fail");
        let pings = addr.ask(PingMsg::Count).await.unwrap();
        assert_eq!(
            pings, 2,
            "both the weak recipient and its clone sent a ping"
        );
        handle.shutdown();
    });
}

// actix test_address.rs `test_recipient_can_be_downgraded`
#[test]
fn actix_test_recipient_can_be_downgraded() {
    on_current(async {
        let handle = ryker_tokio::spawn(PingCounter(0));
        let addr = handle.addr();
        let strong_recipient: Recipient<Ping> = addr.clone().recipient();
        // the downgrade method
        let weak_recipient: WeakRecipient<Ping> = strong_recipient.downgrade();
        // the From trait
        let converted_weak_recipient = WeakRecipient::from(strong_recipient);
        weak_recipient
            .upgrade()
            .expect("upgrade of weak recipient must not fail here")
            .tell(Ping)
            .await
            .unwrap();
        converted_weak_recipient
            .upgrade()
            .expect("upgrade of weak recipient must not fail here")
            .tell(Ping)
            .await
            .unwrap();
        let ping_count = addr.ask(PingMsg::Count).await.unwrap();
        assert_eq!(
            ping_count, 2,
            "weak recipients must not fail to send a message"
        );
        handle.shutdown();
    });
}

// actix test_address.rs `test_recipient_eq`
#[test]
fn actix_test_recipient_eq() {
    on_current(async {
        let first = ryker_tokio::spawn(PingCounter(0));
        let addr0 = first.addr();
        let recipient01 = addr0.clone().recipient::<Ping>();
        let recipient02 = addr0.recipient::<Ping>();
        assert!(recipient01 == recipient02);
        let recipient03 = recipient01.clone();
        assert!(recipient01 == recipient03);
        let second = ryker_tokio::spawn(PingCounter(0));
        let recipient11 = second.addr().recipient::<Ping>();
        assert!(recipient01 != recipient11);
        first.shutdown();
        second.shutdown();
    });
}

// actix test_address.rs `test_recipient_hash`
#[test]
fn actix_test_recipient_hash() {
    on_current(async {
        let first = ryker_tokio::spawn(PingCounter(0));
        let addr0 = first.addr();
        let recipient01 = addr0.clone().recipient::<Ping>();
        let recipient02 = addr0.recipient::<Ping>();
        let mut recipients = std::collections::HashSet::new();
        recipients.insert(recipient01.clone());
        recipients.insert(recipient02.clone());
        assert_eq!(recipients.len(), 1);
        assert!(recipients.contains(&recipient01));
        assert!(recipients.contains(&recipient02));
        let second = ryker_tokio::spawn(PingCounter(0));
        let recipient11 = second.addr().recipient::<Ping>();
        recipients.insert(recipient11.clone());
        assert_eq!(recipients.len(), 2);
        assert!(recipients.contains(&recipient11));
        assert!(recipients.remove(&recipient01));
        assert!(!recipients.contains(&recipient01));
        assert!(!recipients.contains(&recipient02));
        assert_eq!(recipients.len(), 1);
        assert!(recipients.contains(&recipient11));
        first.shutdown();
        second.shutdown();
    });
}

// ractor tests.rs `derived_actor_ref` (without its `send_after` timer: ryker's actor API has
// none; a drained stop stands for `drain_and_wait`)
#[test]
fn ractor_derived_actor_ref() {
    /// Adds up what it is sent.
    struct TestActor(Arc<AtomicUsize>);
    impl Actor for TestActor {
        type Msg = u32;
        async fn handle(&mut self, message: u32, _: &mut Context<Self>) {
            self.0.fetch_add(message as usize, Ordering::Relaxed);
        }
    }
    on_current(async {
        let result_counter = Arc::new(AtomicUsize::new(0));
        let mut handle = ryker_tokio::spawn(TestActor(result_counter.clone()));
        let actor = handle.addr();
        let mut sum = 0;
        let from_u8: Recipient<u8> = actor.recipient();
        let u8_message: u8 = 1;
        sum += usize::from(u8_message);
        from_u8
            .tell(u8_message)
            .await
            .expect("Failed to send message to actor");
        let from_u16: Recipient<u16> = actor.recipient();
        let u16_message: u16 = 2;
        sum += usize::from(u16_message);
        from_u16
            .tell(u16_message)
            .await
            .expect("Failed to send message to actor");
        drop((actor, from_u8));
        handle.shutdown(); // handles what is queued, then stops
        bounded(handle.join()).await.unwrap();
        assert_eq!(result_counter.load(Ordering::Relaxed), sum);
        // A send to a stopped actor hands the caller's message back, not the converted one.
        let message: u16 = 3;
        assert_eq!(
            from_u16.try_tell(message),
            Err(TrySendError::Closed(message))
        );
        assert_eq!(
            from_u16.tell(message).await,
            Err(SendError::Closed(message))
        );
    });
}

// xtra basic.rs `receiving_async_on_message_channel_returns_immediately_after_dispatch`
// (ryker: a `tell` through a recipient completes on its first poll when there is room; the
// handler's answer is an `ask` apart)
#[test]
fn xtra_receiving_async_on_message_channel_returns_immediately_after_dispatch() {
    on_current(async {
        let handle = ryker_tokio::spawn(PingCounter(0));
        let channel: Recipient<Ping> = handle.addr().recipient();
        let mut send_future = Box::pin(channel.tell(Ping));
        match poll_once(&mut send_future) {
            Poll::Ready(sent) => assert!(matches!(sent, Ok(Sent::Queued))),
            Poll::Pending => panic!("dispatch should be immediate on first poll"),
        }
        assert_eq!(handle.addr().ask(PingMsg::Count).await, Ok(1));
        handle.shutdown();
    });
}

// xtra basic.rs `message_channel_debug` (ryker: a recipient shows its actor's name and whether
// it is closed, not address counts)
#[test]
fn xtra_message_channel_debug() {
    on_current(async {
        let options = ActorOptions::default().name("greeter");
        let handle = ryker_tokio::spawn_with_options(PingCounter(0), options).unwrap();
        let mc: Recipient<Ping> = handle.addr().recipient();
        let weak_mc = mc.downgrade();
        assert_eq!(
            format!("{mc:?}"),
            r#"Recipient { name: "greeter", closed: false }"#
        );
        assert_eq!(
            format!("{weak_mc:?}"),
            r#"WeakRecipient { name: "greeter", closed: false }"#
        );
        handle.shutdown();
        assert_eq!(
            format!("{mc:?}"),
            r#"Recipient { name: "greeter", closed: true }"#
        );
    });
}

// xtra basic.rs `test_addr_cmp_hash_eq`, its message-channel part (ryker: `same_actor` is `==`
// between a recipient and a weak one)
#[test]
fn xtra_test_message_channel_cmp_eq() {
    on_current(async {
        let first = ryker_tokio::spawn(PingCounter(0));
        let second = ryker_tokio::spawn(PingCounter(0));
        let chan1: Recipient<Ping> = first.addr().recipient();
        let chan2: Recipient<Ping> = second.addr().recipient();
        assert!(chan1.eq(&chan1));
        assert!(!chan1.eq(&chan2));
        assert!(chan1 == chan1.downgrade());
        assert!(chan1 != chan2.downgrade());
        assert!(chan1 == first.addr() && chan1 != second.addr());
        first.shutdown();
        second.shutdown();
    });
}

// ---------------------------------------------------------------------------------------------
// Scenarios of the brief, each in the shape of the closest framework test
// ---------------------------------------------------------------------------------------------

/// Checks that each sender's sequence numbers arrive in order.
#[derive(Default)]
struct Sequencer {
    next: Vec<u32>,
    received: u64,
    out_of_order: u64,
}

enum SeqMsg {
    Item(usize, u32),
    Check(Reply<(u64, u64, Vec<u32>)>),
}

impl Actor for Sequencer {
    type Msg = SeqMsg;

    async fn handle(&mut self, msg: SeqMsg, _ctx: &mut Context<Self>) {
        match msg {
            SeqMsg::Item(sender, seq) => {
                if self.next.len() <= sender {
                    self.next.resize(sender + 1, 0);
                }
                if self.next[sender] != seq {
                    self.out_of_order += 1;
                }
                self.next[sender] = seq + 1;
                self.received += 1;
            }
            SeqMsg::Check(reply) => {
                let _ = reply.send((self.received, self.out_of_order, self.next.clone()));
            }
        }
    }
}

// ryker: per-sender order under contention (xtra `accumulate_to_ten`, actix `test_address`)
#[test]
fn ordering_per_sender_under_contention() {
    on_multi(async {
        const SENDERS: usize = 4;
        const EACH: u32 = 5_000;
        let config = mailbox(16, Overflow::Busy);
        let handle = ryker_tokio::spawn_with(Sequencer::default(), &config).unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for sender in 0..SENDERS {
            let addr = handle.addr();
            tasks.spawn(async move {
                for seq in 0..EACH {
                    if seq % 3 == 0 {
                        addr.tell(SeqMsg::Item(sender, seq)).await.map_err(drop)?;
                    } else {
                        // try_tell, falling back to tell when full: both in one sender's order
                        match addr.try_tell(SeqMsg::Item(sender, seq)) {
                            Ok(_) => {}
                            Err(TrySendError::Busy(msg)) => {
                                addr.tell(msg).await.map_err(drop)?;
                            }
                            Err(_) => return Err(()),
                        }
                    }
                }
                Ok::<(), ()>(())
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap().unwrap();
        }
        let (received, out_of_order, next) = handle.addr().ask(SeqMsg::Check).await.unwrap();
        assert_eq!(out_of_order, 0);
        assert_eq!(received, SENDERS as u64 * EACH as u64);
        assert_eq!(next, vec![EACH; SENDERS]);
        handle.shutdown();
    });
}

// ryker: many concurrent askers (ractor `test_multi_call`, actix `test_atomic_response`)
#[test]
fn many_concurrent_askers_each_get_their_own_answer() {
    on_multi(async {
        let config = mailbox(8, Overflow::Busy);
        let mut handle = ryker_tokio::spawn_with(Probe::default(), &config).unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for asker in 0..64u64 {
            let addr = handle.addr();
            tasks.spawn(async move {
                for i in 0..100u64 {
                    let n = asker * 1_000 + i;
                    assert_eq!(addr.ask(|r| Cmd::Echo(n, r)).await, Ok(n));
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap();
        }
        handle.shutdown();
        assert_eq!(handle.join().await.unwrap().handled, 6_400);
    });
}

/// One of a ring of actors passing a token on.
struct Node {
    next: Option<Addr<Node>>,
    limit: u32,
    done: Option<Reply<u32>>,
}

enum Hop {
    Link(Addr<Node>),
    Serve(u32, Reply<u32>),
    Token(u32),
}

impl Node {
    async fn pass(&mut self, n: u32) {
        let next = self.next.as_ref().expect("linked");
        if next.tell(Hop::Token(n)).await.is_err() {
            // The ring is broken: whoever waits for the token gets NoReply.
            self.done = None;
        }
    }
}

impl Actor for Node {
    type Msg = Hop;

    async fn handle(&mut self, msg: Hop, _ctx: &mut Context<Self>) {
        match msg {
            Hop::Link(next) => self.next = Some(next),
            Hop::Serve(limit, done) => {
                self.limit = limit;
                self.done = Some(done);
                self.pass(1).await;
            }
            Hop::Token(n) if self.done.is_some() && n >= self.limit => {
                if let Some(done) = self.done.take() {
                    let _ = done.send(n);
                }
            }
            Hop::Token(n) => self.pass(n + 1).await,
        }
    }
}

// ryker: actors messaging each other in a cycle (the shape of actix `test_address`'s
// cross-thread sends; the ring is ryker's ping_pong example with three players)
#[test]
fn actors_in_a_cycle_pass_a_token_and_a_broken_ring_fails_cleanly() {
    on_multi(async {
        let config = mailbox(2, Overflow::Busy);
        let nodes: Vec<_> = (0..3)
            .map(|_| {
                let node = Node {
                    next: None,
                    limit: 0,
                    done: None,
                };
                ryker_tokio::spawn_with(node, &config).unwrap()
            })
            .collect();
        for (i, node) in nodes.iter().enumerate() {
            let next = nodes[(i + 1) % nodes.len()].addr();
            node.addr().tell(Hop::Link(next)).await.unwrap();
        }
        let first = nodes[0].addr();
        assert_eq!(first.ask(|r| Hop::Serve(3_000, r)).await, Ok(3_000));
        // The ring holds each node's address: only a shutdown stops them. Break it at node 1.
        let mut nodes = nodes;
        nodes[1].shutdown();
        nodes[1].join().await.unwrap();
        assert_eq!(
            first.ask(|r| Hop::Serve(3_000, r)).await,
            Err(AskError::NoReply)
        );
        for node in &mut nodes {
            node.shutdown();
            node.join().await.unwrap();
        }
    });
}

/// Counts down by sending itself the next number, then stops.
struct Countdown(Log);

impl Actor for Countdown {
    type Msg = u32;

    async fn handle(&mut self, n: u32, ctx: &mut Context<Self>) {
        if n == 0 {
            self.0.note("zero");
            ctx.stop();
            return;
        }
        let me = ctx.addr().expect("an address outside is alive");
        me.tell(n - 1).await.expect("its own mailbox is open");
    }
}

// ryker: an actor messaging itself (actix test_context.rs `test_notify`, in a loop)
#[test]
fn an_actor_messaging_itself() {
    on_current(async {
        let log = Log::default();
        let config = mailbox(1, Overflow::Busy);
        let mut handle = ryker_tokio::spawn_with(Countdown(log.clone()), &config).unwrap();
        let addr = handle.addr();
        addr.tell(1_000).await.unwrap();
        let report = handle.join().await.unwrap();
        assert_eq!((report.exit, report.handled), (Exit::Stopped, 1_001));
        assert_eq!(log.events(), ["zero"]);
        drop(addr);
    });
}

/// Sends `sender`'s numbered items to `addr` until the mailbox closes; returns how many were
/// accepted.
async fn send_seq_until_closed(addr: Addr<Sequencer>, sender: usize) -> u64 {
    let mut accepted = 0u64;
    for seq in 0.. {
        let sent = if seq % 2 == 0 {
            addr.tell(SeqMsg::Item(sender, seq))
                .await
                .map_err(|e| e.into_inner())
        } else {
            match addr.try_tell(SeqMsg::Item(sender, seq)) {
                Err(TrySendError::Busy(msg)) => addr.tell(msg).await.map_err(|e| e.into_inner()),
                other => other.map_err(|e| e.into_inner()),
            }
        };
        match sent {
            Ok(_) => accepted += 1,
            Err(Some(_closed)) => return accepted,
            Err(None) => unreachable!("Busy waits, nothing is dropped"),
        }
    }
    unreachable!()
}

// ryker: messages sent while a shutdown races them are handled or refused, never lost
// (xtra `handle_left_messages`, ractor `actor_drain_messages`, with concurrent senders)
#[test]
fn shutdown_racing_senders_handles_every_accepted_message() {
    on_multi(async {
        let config = mailbox(8, Overflow::Busy);
        let mut handle = ryker_tokio::spawn_with(Sequencer::default(), &config).unwrap();
        let senders = four_senders(|sender| send_seq_until_closed(handle.addr(), sender));
        let addr = handle.addr();
        let accepted = stop_under_load(&handle, &addr, 2_000, ActorHandle::shutdown, senders).await;
        let report = handle.join().await.unwrap();
        assert_eq!(report.exit, Exit::Shutdown);
        assert_eq!(report.handled, accepted, "every accepted message handled");
        assert_eq!(report.mailbox.accepted, accepted);
    });
}

// ryker: a cancelled tell never delivers, a cancelled ask is still handled (xtra
// `timeout_returns_interrupted`, actix `test_message_timeout`, with `tokio::select!`)
#[test]
fn cancelled_tell_and_ask_futures() {
    on_current(async {
        let (handle, addr, open, log) = spawn_gated(1);
        addr.try_tell(Cmd::Note(1)).unwrap();
        // A tell waiting on the full mailbox, cancelled by select!.
        tokio::select! {
            biased;
            _ = addr.tell(Cmd::Note(2)) => panic!("the mailbox is full"),
            _ = std::future::ready(()) => {}
        }
        // A tell_timeout hands its message back.
        let timed = addr
            .tell_timeout(Cmd::Note(3), Duration::from_millis(5))
            .await;
        assert!(matches!(
            timed,
            Err(SendTimeoutError::Timeout(Cmd::Note(3)))
        ));
        // An ask_timeout that could not queue hands back its request, its reply canceled.
        let full = addr.ask_timeout(Cmd::Seen, Duration::from_millis(5)).await;
        match full {
            Err(AskTimeoutError::Full(Cmd::Seen(reply))) => assert!(reply.is_canceled()),
            other => panic!("expected Full(Seen), got {other:?}"),
        }
        open.send(()).unwrap();
        assert_eq!(
            addr.ask(Cmd::Seen).await.unwrap(),
            [1],
            "2 and 3 never arrived"
        );
        // An ask cancelled after it was queued: still handled, the answer discarded.
        let mut ask = Box::pin(addr.ask(|r| Cmd::Echo(4, r)));
        assert!(poll_once(&mut ask).is_pending());
        assert_eq!(addr.len(), 1, "the request is queued");
        drop(ask);
        assert_eq!(addr.ask(Cmd::Seen).await.unwrap(), [1]);
        handle.shutdown();
        let report = handle.await.unwrap();
        assert_eq!(report.handled, 4, "Note(1), Seen, the dropped ask, Seen");
        assert!(log.events().contains(&"unwanted echo 4".to_string()));
    });
}

// ryker: many waiting tells, half cancelled: the rest are served in order and the cancelled
// ones never arrive (xtra `waiting_sender_order`, `address_send_exercises_backpressure`)
#[test]
fn cancelled_waiting_tells_leave_the_others_in_order() {
    on_current(async {
        let (handle, addr, open, _log) = spawn_gated(4);
        for n in 0..4 {
            addr.try_tell(Cmd::Note(n)).unwrap();
        }
        let mut waiting: Vec<_> = (4..104)
            .map(|n| Box::pin(addr.tell(Cmd::Note(n))))
            .collect();
        for tell in &mut waiting {
            assert!(poll_once(tell).is_pending());
        }
        let kept: Vec<_> = waiting
            .into_iter()
            .enumerate()
            .filter_map(|(i, tell)| (i % 2 == 0).then_some(tell))
            .collect();
        open.send(()).unwrap();
        for tell in kept {
            assert!(matches!(tell.await, Ok(Sent::Queued)));
        }
        let expected: Vec<u32> = (0..4).chain((4..104).step_by(2)).collect();
        assert_eq!(addr.ask(Cmd::Seen).await.unwrap(), expected);
        handle.shutdown();
    });
}

// ryker: replies dropped unanswered (ractor `test_rpc_call`'s closed reply port)
#[test]
fn replies_dropped_unanswered_are_no_reply() {
    on_current(async {
        let log = Log::default();
        let fresh = {
            let log = log.clone();
            move || Probe::new(&log)
        };
        let options = ActorOptions::default().restart(3, Duration::from_secs(60), fresh);
        let handle = ryker_tokio::spawn_with_options(Probe::new(&log), options).unwrap();
        let addr = handle.addr();
        assert_eq!(addr.ask(Cmd::Forget).await, Err(AskError::NoReply));
        assert_eq!(addr.ask(Cmd::PanicAsked).await, Err(AskError::NoReply));
        assert_eq!(addr.ask(|r| Cmd::Echo(5, r)).await, Ok(5), "restarted");
        handle.shutdown();
        // A request evicted under DropOldest, and one refused under DropNewest.
        for overflow in [Overflow::DropOldest, Overflow::DropNewest] {
            let (probe, open) = Probe::gated(&log);
            let handle = ryker_tokio::spawn_with(probe, &mailbox(1, overflow)).unwrap();
            let addr = handle.addr();
            let mut first = Box::pin(addr.ask(|r| Cmd::Echo(1, r)));
            assert!(poll_once(&mut first).is_pending());
            let second = addr.ask(|r| Cmd::Echo(2, r));
            open.send(()).unwrap();
            if overflow == Overflow::DropOldest {
                assert_eq!(second.await, Ok(2));
                assert_eq!(first.await, Err(AskError::NoReply), "evicted");
            } else {
                assert_eq!(second.await, Err(AskError::Dropped));
                assert_eq!(first.await, Ok(1));
            }
            handle.shutdown();
        }
    });
}

/// A message whose destructor panics when armed; every drop is counted.
struct Bomb {
    id: u32,
    armed: bool,
    drops: Arc<AtomicUsize>,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
        if self.armed && !std::thread::panicking() {
            panic!("on purpose: bomb {} went off", self.id);
        }
    }
}

enum BombMsg {
    Bomb(Bomb),
    Hold(oneshot::Sender<()>, oneshot::Receiver<()>, Option<Bomb>),
    Seen(Reply<Vec<u32>>),
}

/// Records the ids of the bombs it handles (and so drops).
struct BombSquad {
    seen: Vec<u32>,
    gate: Option<oneshot::Receiver<()>>,
}

impl BombSquad {
    fn gated() -> (Self, oneshot::Sender<()>) {
        let (open, gate) = oneshot::channel();
        let squad = Self {
            seen: Vec::new(),
            gate: Some(gate),
        };
        (squad, open)
    }
}

impl Actor for BombSquad {
    type Msg = BombMsg;

    async fn started(&mut self, _ctx: &mut Context<Self>) {
        if let Some(gate) = self.gate.take() {
            let _ = gate.await;
        }
    }

    async fn handle(&mut self, msg: BombMsg, _ctx: &mut Context<Self>) {
        match msg {
            BombMsg::Bomb(bomb) => self.seen.push(bomb.id),
            BombMsg::Hold(entered, gate, _bomb) => {
                let _ = entered.send(());
                let _ = gate.await;
            }
            BombMsg::Seen(reply) => {
                let _ = reply.send(self.seen.clone());
            }
        }
    }
}

fn bomb(id: u32, armed: bool, drops: &Arc<AtomicUsize>) -> BombMsg {
    BombMsg::Bomb(Bomb {
        id,
        armed,
        drops: drops.clone(),
    })
}

// ryker: a message whose destructor panics in the handler is a handler panic (ractor
// `test_supervision_panic_in_handle`, the panic moved into `Drop`)
#[test]
fn panicking_message_drop_in_a_handler_is_a_handler_panic() {
    on_current(async {
        let drops = Arc::new(AtomicUsize::new(0));
        let letters = Log::default();
        let (squad, open) = BombSquad::gated();
        let options = letters_to(ActorOptions::default(), &letters);
        let mut handle = ryker_tokio::spawn_with_options(squad, options).unwrap();
        let addr = handle.addr();
        addr.try_tell(bomb(1, false, &drops)).unwrap();
        addr.try_tell(bomb(2, true, &drops)).unwrap();
        addr.try_tell(bomb(3, false, &drops)).unwrap();
        open.send(()).unwrap();
        let report = handle.join().await.unwrap();
        assert_eq!(report.exit, Exit::Panicked);
        assert_eq!(
            (report.handled, report.panics, report.undelivered),
            (1, 1, 1)
        );
        assert_eq!(drops.load(Ordering::SeqCst), 3, "each message dropped once");
        assert_eq!(
            letters.events(),
            ["panicked: on purpose: bomb 2 went off", "undelivered"]
        );
    });
}

// ryker: panicking destructors of messages an abort discards, the one a cut-short handler held
// included (ractor `test_kill_terminates_work`, with bombs in the queue)
#[test]
fn panicking_message_drops_on_abort_are_counted() {
    on_current(async {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut handle = ryker_tokio::spawn(BombSquad {
            seen: Vec::new(),
            gate: None,
        });
        let addr = handle.addr();
        let (entered_tx, entered) = oneshot::channel();
        let (_open, gate) = oneshot::channel();
        let held = Bomb {
            id: 0,
            armed: true,
            drops: drops.clone(),
        };
        addr.tell(BombMsg::Hold(entered_tx, gate, Some(held)))
            .await
            .unwrap();
        entered.await.unwrap();
        addr.try_tell(bomb(1, true, &drops)).unwrap();
        addr.try_tell(bomb(2, false, &drops)).unwrap();
        addr.try_tell(bomb(3, true, &drops)).unwrap();
        handle.abort();
        let report = handle.join().await.unwrap();
        assert_eq!(report.exit, Exit::Aborted);
        assert_eq!((report.discarded, report.panics), (4, 3));
        assert_eq!(drops.load(Ordering::SeqCst), 4);
    });
}

// ryker: panicking destructors of undelivered messages, without a dead-letter hook (ractor
// `test_supervision_panic_in_handle`, with bombs queued behind the panic)
#[test]
fn panicking_message_drops_as_dead_letters_are_counted() {
    on_current(async {
        let drops = Arc::new(AtomicUsize::new(0));
        let (squad, open) = BombSquad::gated();
        let mut handle = ryker_tokio::spawn(squad);
        let addr = handle.addr();
        addr.try_tell(bomb(1, true, &drops)).unwrap(); // panics in the handler
        addr.try_tell(bomb(2, true, &drops)).unwrap();
        addr.try_tell(bomb(3, false, &drops)).unwrap();
        addr.try_tell(bomb(4, true, &drops)).unwrap();
        open.send(()).unwrap();
        let report = handle.join().await.unwrap();
        assert_eq!(report.exit, Exit::Panicked);
        assert_eq!((report.undelivered, report.panics), (3, 3));
        assert_eq!(drops.load(Ordering::SeqCst), 4);
    });
}

// ryker: a panicking destructor of a message evicted under DropOldest reaches the sender; the
// mailbox stays consistent (xtra `address_send_exercises_backpressure`, with eviction)
#[test]
fn panicking_drop_of_an_evicted_message_leaves_the_mailbox_consistent() {
    on_current(async {
        let drops = Arc::new(AtomicUsize::new(0));
        let (squad, open) = BombSquad::gated();
        let config = mailbox(1, Overflow::DropOldest);
        let mut handle = ryker_tokio::spawn_with(squad, &config).unwrap();
        let addr = handle.addr();
        addr.try_tell(bomb(1, true, &drops)).unwrap();
        let evicting = catch_unwind(AssertUnwindSafe(|| addr.try_tell(bomb(2, false, &drops))));
        assert!(
            evicting.is_err(),
            "the evicted bomb's panic reaches the sender"
        );
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert_eq!(addr.len(), 1, "the new message is queued");
        open.send(()).unwrap();
        // Under DropOldest a request to a full mailbox would evict bomb 2: wait for room.
        while !addr.is_empty() {
            tokio::task::yield_now().await;
        }
        assert_eq!(addr.ask(BombMsg::Seen).await.unwrap(), [2]);
        handle.shutdown();
        let report = handle.join().await.unwrap();
        assert_eq!(report.exit, Exit::Shutdown);
        let m = report.mailbox;
        assert_eq!((m.accepted, m.dropped_oldest, m.received), (3, 1, 2));
        assert_eq!(m.accepted, m.received + m.dropped_oldest + m.discarded);
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    });
}

// ---------------------------------------------------------------------------------------------
// Races: the framework scenarios above under load, where exactly-once is easiest to lose
// ---------------------------------------------------------------------------------------------

/// Silences the panic hook for the panics these cases cause on purpose (they run on worker
/// threads, whose output the test harness does not capture); any other panic prints as usual.
fn quiet_expected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let text = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            if !text.starts_with("on purpose:") {
                default(info);
            }
        }));
    });
}

/// Messages for [`Slow`].
enum SlowMsg {
    Item(u32, Counted),
    Ask(u32, Reply<u32>),
    Seen(Reply<Vec<u32>>),
}

/// Awaits once per message (so its mailbox fills up), records what it got, and panics on the
/// items `panic_every` divides, if set.
#[derive(Default)]
struct Slow {
    seen: Vec<u32>,
    panic_every: Option<u32>,
    /// Sleeps 5 ms on the items and requests this divides, if set.
    nap_every: Option<u32>,
    log: Log,
}

impl Actor for Slow {
    type Msg = SlowMsg;

    async fn started(&mut self, _ctx: &mut Context<Self>) {
        self.log.note("started");
    }

    async fn handle(&mut self, msg: SlowMsg, _ctx: &mut Context<Self>) {
        tokio::task::yield_now().await;
        if let (SlowMsg::Item(n, _) | SlowMsg::Ask(n, _), Some(every)) = (&msg, self.nap_every) {
            if n % every == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        match msg {
            SlowMsg::Item(n, _counted) => {
                if self.panic_every.is_some_and(|every| n % every == 0) {
                    panic!("on purpose: item {n}");
                }
                self.seen.push(n);
            }
            SlowMsg::Ask(n, reply) => {
                self.seen.push(n);
                let _ = reply.send(n);
            }
            SlowMsg::Seen(reply) => {
                let _ = reply.send(self.seen.clone());
            }
        }
    }

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.log.note("stopped");
    }
}

/// Yields `n` times: a cancellation point that lands at varying moments.
async fn yields(n: u32) {
    for _ in 0..n {
        tokio::task::yield_now().await;
    }
}

// ryker: waiting senders see `Closed` when the actor stops, and the message comes back
// (ractor `test_sending_message_to_dead_actor`, with the senders already waiting)
#[test]
fn waiting_senders_get_closed_at_once_on_shutdown_and_abort() {
    for abort in [false, true] {
        on_current(async {
            let log = Log::default();
            let config = mailbox(1, Overflow::Busy);
            let mut handle = ryker_tokio::spawn_with(Probe::new(&log), &config).unwrap();
            let addr = handle.addr();
            let open = hold(&addr).await;
            addr.try_tell(Cmd::Note(1)).unwrap();
            let mut tell = Box::pin(addr.tell(Cmd::Note(2)));
            let mut ask = Box::pin(addr.ask(|r| Cmd::Echo(3, r)));
            assert!(poll_once(&mut tell).is_pending());
            assert!(poll_once(&mut ask).is_pending());
            if abort {
                handle.abort();
            } else {
                handle.shutdown();
            }
            assert!(matches!(tell.await, Err(SendError::Closed(Cmd::Note(2)))));
            assert_eq!(ask.await, Err(AskError::Closed), "never queued");
            drop(open);
            let report = handle.join().await.unwrap();
            if abort {
                assert_eq!(
                    (report.exit, report.handled, report.discarded),
                    (Exit::Aborted, 0, 2)
                );
            } else {
                assert_eq!((report.exit, report.handled), (Exit::Shutdown, 2));
            }
        });
    }
}

/// Stops itself in `started` (ractor's `myself.stop(None)` in `pre_start`).
struct StopsAtOnce(Log);

impl Actor for StopsAtOnce {
    type Msg = u32;

    async fn started(&mut self, ctx: &mut Context<Self>) {
        self.0.note("started");
        ctx.stop();
    }

    async fn handle(&mut self, n: u32, _ctx: &mut Context<Self>) {
        self.0.note(format!("handled {n}"));
    }

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.0.note("stopped");
    }
}

// ractor supervision_tests.rs `test_supervision_panic_in_post_stop`'s child, which stops itself
// in `pre_start`: messages accepted before are still handled
#[test]
fn ractor_stop_called_in_started() {
    on_current(async {
        let log = Log::default();
        let mut handle = ryker_tokio::spawn(StopsAtOnce(log.clone()));
        let addr = handle.addr();
        addr.try_tell(1).unwrap();
        let report = handle.join().await.unwrap();
        assert_eq!((report.exit, report.handled), (Exit::Stopped, 1));
        assert_eq!(log.events(), ["started", "handled 1", "stopped"]);
        assert!(addr.try_tell(2).unwrap_err().is_closed());
    });
}

// ryker: asks cancelled at varying points never hand their answer to a later ask (the reply
// slot is reused per thread), from the runtime's caller and from tasks on the workers
// (xtra `timeout_returns_interrupted`, ractor `test_rpc_call`, under `tokio::select!`)
#[test]
fn cancelled_asks_never_answer_a_later_ask() {
    on_multi(async {
        let config = mailbox(4, Overflow::Busy);
        let mut handle = ryker_tokio::spawn_with(Slow::default(), &config).unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for asker in 0..4u32 {
            let addr = handle.addr();
            tasks.spawn(async move {
                let mut answered = 0;
                for i in 0..500u32 {
                    let n = asker * 100_000 + i;
                    tokio::select! {
                        biased;
                        answer = addr.ask(|r| SlowMsg::Ask(n, r)) => {
                            assert_eq!(answer, Ok(n), "an answer to another request");
                            answered += 1;
                        }
                        _ = yields(i % 5) => {}
                    }
                }
                answered
            });
        }
        let addr = handle.addr();
        for i in 0..500u32 {
            let n = 1_000_000 + i;
            tokio::select! {
                biased;
                answer = addr.ask(|r| SlowMsg::Ask(n, r)) => assert_eq!(answer, Ok(n)),
                _ = yields(i % 5) => {}
            }
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap();
        }
        handle.shutdown();
        let report = handle.join().await.unwrap();
        assert_eq!(report.handled, report.mailbox.accepted);
    });
}

// ryker: a tell cancelled at a varying point is delivered exactly when it returned `Ok`, and
// each message is dropped exactly once (xtra `address_send_exercises_backpressure`, under
// `tokio::select!`)
#[test]
fn cancelled_tells_racing_a_draining_actor_are_exactly_once() {
    on_multi(async {
        let drops = Arc::new(AtomicUsize::new(0));
        let config = mailbox(2, Overflow::Busy);
        let mut handle = ryker_tokio::spawn_with(Slow::default(), &config).unwrap();
        let addr = handle.addr();
        let mut delivered = Vec::new();
        const N: u32 = 2_000;
        for i in 0..N {
            tokio::select! {
                biased;
                sent = addr.tell(SlowMsg::Item(i, Counted(drops.clone()))) => {
                    assert!(sent.is_ok());
                    delivered.push(i);
                }
                _ = yields(i % 16) => {}
            }
        }
        let seen = addr.ask(SlowMsg::Seen).await.unwrap();
        assert_eq!(
            seen, delivered,
            "exactly the tells that returned Ok, in order"
        );
        handle.shutdown();
        let report = handle.join().await.unwrap();
        assert_eq!(report.handled, delivered.len() as u64 + 1);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            N as usize,
            "each message dropped once"
        );
    });
}

/// Spawns a `Slow` actor that naps on every 25th item, on a `Busy` mailbox of one slot.
fn spawn_napper() -> ActorHandle<Slow> {
    let napper = Slow {
        nap_every: Some(25),
        ..Default::default()
    };
    ryker_tokio::spawn_with(napper, &mailbox(1, Overflow::Busy)).unwrap()
}

// ryker: `tell_timeout` against a draining actor: each message is either delivered (`Ok`) or
// handed back (`Timeout`), never both, never neither (actix `test_message_timeout`, for tells)
#[test]
fn tell_timeout_races_are_exactly_once() {
    on_multi(async {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut handle = spawn_napper();
        let addr = handle.addr();
        let (mut delivered, mut returned) = (Vec::new(), Vec::new());
        for i in 0..300u32 {
            let msg = SlowMsg::Item(i, Counted(drops.clone()));
            match addr.tell_timeout(msg, Duration::from_millis(1)).await {
                Ok(_) => delivered.push(i),
                Err(SendTimeoutError::Timeout(SlowMsg::Item(n, _))) => returned.push(n),
                Err(_) => panic!("neither delivered nor timed out"),
            }
        }
        assert_eq!(delivered.len() + returned.len(), 300);
        assert_eq!(addr.ask(SlowMsg::Seen).await.unwrap(), delivered);
        handle.shutdown();
        handle.join().await.unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 300);
    });
}

// ryker: `ask_timeout` against a draining actor: `Full` requests are never handled, queued ones
// (`Ok` or `Timeout`) always are (actix `test_message_timeout`, ractor `test_rpc_call`)
#[test]
fn ask_timeout_races_are_exactly_once() {
    on_multi(async {
        let mut handle = spawn_napper();
        let addr = handle.addr();
        let mut queued = Vec::new();
        let mut refused = 0;
        for i in 0..300u32 {
            match addr
                .ask_timeout(|r| SlowMsg::Ask(i, r), Duration::from_millis(1))
                .await
            {
                Ok(n) => {
                    assert_eq!(n, i);
                    queued.push(i);
                }
                Err(AskTimeoutError::Timeout) => queued.push(i),
                Err(AskTimeoutError::Full(SlowMsg::Ask(n, _))) => {
                    assert_eq!(n, i);
                    refused += 1;
                }
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(queued.len() + refused, 300);
        assert_eq!(addr.ask(SlowMsg::Seen).await.unwrap(), queued);
        handle.shutdown();
        handle.join().await.unwrap();
    });
}

/// Sends items to `addr` until the mailbox closes; returns how many were accepted.
async fn send_until_closed(addr: Addr<Slow>, drops: Arc<AtomicUsize>) -> u64 {
    let mut accepted = 0;
    for i in 0u32.. {
        let msg = SlowMsg::Item(i, Counted(drops.clone()));
        let sent = if i % 2 == 0 {
            addr.tell(msg).await.map_err(|e| e.is_closed_error())
        } else {
            match addr.try_tell(msg) {
                Err(TrySendError::Busy(msg)) => {
                    addr.tell(msg).await.map_err(|e| e.is_closed_error())
                }
                other => other.map_err(|e| e.is_closed()),
            }
        };
        match sent {
            Ok(_) => accepted += 1,
            Err(true) => return accepted,
            Err(false) => unreachable!("Busy waits; nothing is dropped"),
        }
    }
    unreachable!()
}

trait ClosedError {
    fn is_closed_error(&self) -> bool;
}

impl<T> ClosedError for SendError<T> {
    fn is_closed_error(&self) -> bool {
        matches!(self, SendError::Closed(_))
    }
}

// ryker: abort racing concurrent senders: every accepted message is handled or discarded, each
// dropped once (ractor `test_kill_terminates_work`, with senders still sending)
#[test]
fn abort_racing_senders_accounts_for_every_message() {
    on_multi(async {
        let drops = Arc::new(AtomicUsize::new(0));
        let config = mailbox(8, Overflow::Busy);
        let mut handle = ryker_tokio::spawn_with(Slow::default(), &config).unwrap();
        let senders = four_senders(|_| send_until_closed(handle.addr(), drops.clone()));
        let addr = handle.addr();
        let accepted = stop_under_load(&handle, &addr, 1_000, ActorHandle::abort, senders).await;
        let report = handle.join().await.unwrap();
        assert_eq!(report.exit, Exit::Aborted);
        assert_eq!(report.handled + report.discarded, accepted);
        let m = report.mailbox;
        assert_eq!(m.accepted, accepted);
        assert_eq!(m.accepted, m.received + m.dropped_oldest + m.discarded);
        drop(addr);
        // Every message made was accepted (and then handled or discarded) or refused with
        // `Closed` (handed back, dropped by the sender): all are gone now.
        let made = accepted as usize + 4;
        assert_eq!(drops.load(Ordering::SeqCst), made);
    });
}

// ryker: panics and restarts racing concurrent senders: every accepted message is handled or
// panicked on, none lost across restarts (actix `test_supervisor_restart`, under load)
#[test]
fn restarts_racing_senders_lose_no_message() {
    on_multi(async {
        let drops = Arc::new(AtomicUsize::new(0));
        let log = Log::default();
        let fresh = {
            let log = log.clone();
            move || Slow {
                panic_every: Some(50),
                log: log.clone(),
                ..Default::default()
            }
        };
        let config = mailbox(8, Overflow::Busy);
        let options =
            ActorOptions::new(config).restart(4_096, Duration::from_secs(60), fresh.clone());
        let mut handle = ryker_tokio::spawn_with_options(fresh(), options).unwrap();
        let senders = four_senders(|_| send_until_closed(handle.addr(), drops.clone()));
        let addr = handle.addr();
        let accepted = stop_under_load(&handle, &addr, 2_000, ActorHandle::shutdown, senders).await;
        let report = handle.join().await.unwrap();
        assert_eq!(report.exit, Exit::Shutdown);
        assert!(report.panics > 0);
        assert_eq!(report.restarts, report.panics);
        assert_eq!(report.handled + report.panics, accepted);
        drop(addr);
        assert_eq!(drops.load(Ordering::SeqCst), accepted as usize + 4);
        let events = log.events();
        let starts = events.iter().filter(|e| *e == "started").count() as u64;
        assert_eq!(starts, report.restarts + 1);
        assert_eq!(events.last().map(String::as_str), Some("stopped"));
    });
}

// ryker: the reply slot an `ask` reuses on its thread never carries an abandoned ask's answer
// into the next ask: abandoned while queued, abandoned once answered but unread, and timed out
// (ractor `test_rpc_call`'s timed-out call followed by more calls)
#[test]
fn an_abandoned_ask_never_answers_the_next_ask_on_its_thread() {
    on_current(async {
        let handle = ryker_tokio::spawn(Probe::default());
        let addr = handle.addr();
        // Queued, then abandoned; the next ask is queued behind it.
        let open = hold(&addr).await;
        let mut first = Box::pin(addr.ask(|r| Cmd::Echo(1, r)));
        assert!(poll_once(&mut first).is_pending());
        drop(first);
        let mut second = Box::pin(addr.ask(|r| Cmd::Echo(2, r)));
        assert!(poll_once(&mut second).is_pending());
        open.send(()).unwrap();
        assert_eq!(second.await, Ok(2));
        // Answered, never read, abandoned.
        let mut third = Box::pin(addr.ask(|r| Cmd::Echo(3, r)));
        assert!(poll_once(&mut third).is_pending());
        let_others_run().await;
        drop(third);
        assert_eq!(addr.ask(|r| Cmd::Echo(4, r)).await, Ok(4));
        // Timed out while queued; answered after.
        let open = hold(&addr).await;
        let late = addr
            .ask_timeout(|r| Cmd::Echo(5, r), Duration::from_millis(5))
            .await;
        assert!(matches!(late, Err(AskTimeoutError::Timeout)));
        let mut sixth = Box::pin(addr.ask(|r| Cmd::Echo(6, r)));
        assert!(poll_once(&mut sixth).is_pending());
        open.send(()).unwrap();
        assert_eq!(sixth.await, Ok(6));
        assert_eq!(addr.ask(|r| Cmd::Echo(7, r)).await, Ok(7));
        handle.shutdown();
    });
}

// ryker: a sender waiting on a full mailbox while the actor panics is either accepted (and its
// message then a dead letter) or refused with `Closed`, never lost (ractor
// `test_supervision_panic_in_handle`, with a waiting sender)
#[test]
fn a_panic_with_a_waiting_sender_loses_nothing() {
    on_multi(async {
        let letters = Log::default();
        let log = Log::default();
        let (probe, open) = Probe::gated(&log);
        let options = letters_to(ActorOptions::new(mailbox(1, Overflow::Busy)), &letters);
        let mut handle = ryker_tokio::spawn_with_options(probe, options).unwrap();
        let addr = handle.addr();
        addr.try_tell(Cmd::Panic).unwrap();
        let mut waiting = Box::pin(addr.tell(Cmd::Note(2)));
        assert!(poll_once(&mut waiting).is_pending());
        open.send(()).unwrap();
        let sent = waiting.await;
        let report = handle.join().await.unwrap();
        assert_eq!((report.exit, report.panics), (Exit::Panicked, 1));
        match sent {
            Ok(_) => assert_eq!(report.undelivered, 1, "accepted, so a dead letter"),
            Err(SendError::Closed(Cmd::Note(2))) => assert_eq!(report.undelivered, 0),
            Err(other) => panic!("unexpected {other:?}"),
        }
        let m = report.mailbox;
        assert_eq!(m.accepted, m.received + m.dropped_oldest + m.discarded);
        assert_eq!(log.events(), ["started"]);
    });
}

// ractor tests.rs `aborting_actor_task_runs_lifecycle_cleanup` and actix test_lifecycle.rs
// `test_stop`, seen from the senders: once the runtime has dropped the actor's task, a sender
// already waiting on the full mailbox, a queued ask and every later send fail cleanly
#[test]
fn senders_fail_cleanly_when_the_runtime_drops_the_actor() {
    let log = Log::default();
    let rt = current_thread();
    let (open, gate) = oneshot::channel::<()>();
    let config = mailbox(2, Overflow::Busy);
    let probe = Probe {
        gate: Some(gate),
        ..Probe::new(&log)
    };
    let handle = {
        let _entered = rt.enter();
        ryker_tokio::spawn_with(probe, &config).unwrap()
    };
    rt.block_on(let_others_run()); // `started` runs and waits
    let addr = handle.addr();
    addr.try_tell(Cmd::Note(1)).unwrap();
    let other = current_thread();
    let mut ask = Box::pin(addr.ask(|r| Cmd::Echo(2, r)));
    assert!(
        poll_once(&mut ask).is_pending(),
        "queued: the mailbox is full now"
    );
    let (result_tx, result) = std::sync::mpsc::channel();
    let waiting = {
        let addr = addr.clone();
        std::thread::spawn(move || {
            let _ = result_tx.send(addr.blocking_tell(Cmd::Note(3)));
        })
    };
    // The blocking sender is parked (or about to be) on the full mailbox; now the runtime goes.
    std::thread::sleep(Duration::from_millis(20));
    drop(rt);
    let blocked = result
        .recv_timeout(LIMIT)
        .expect("a sender waiting on a dropped actor's mailbox must be released");
    assert!(matches!(blocked, Err(SendError::Closed(Cmd::Note(3)))));
    waiting.join().unwrap();
    other.block_on(bounded(async {
        assert_eq!(
            ask.await,
            Err(AskError::NoReply),
            "queued, then dropped with the task"
        );
        assert!(matches!(
            addr.tell(Cmd::Note(4)).await,
            Err(SendError::Closed(_))
        ));
        assert_eq!(addr.ask(|r| Cmd::Echo(5, r)).await, Err(AskError::Closed));
    }));
    assert!(addr.try_tell(Cmd::Note(6)).unwrap_err().is_closed());
    assert_eq!(log.events(), ["started"]);
    drop(open);
}

// ractor tests.rs `kill_and_wait` and xtra `actor_stops_on_last_drop_of_address_even_if_not_yet_running`:
// an abort or a shutdown requested before the actor's task ever ran
#[test]
fn abort_or_shutdown_before_the_actor_ever_ran() {
    for abort in [false, true] {
        on_current(async {
            let log = Log::default();
            let mut handle = ryker_tokio::spawn(Probe::new(&log));
            handle.addr().try_tell(Cmd::Note(1)).unwrap();
            if abort {
                handle.abort();
            } else {
                handle.shutdown();
            }
            let report = handle.join().await.unwrap();
            if abort {
                assert_eq!(
                    (report.exit, report.handled, report.discarded),
                    (Exit::Aborted, 0, 1)
                );
                assert_eq!(log.events(), ["started", "stopped"]);
            } else {
                assert_eq!((report.exit, report.handled), (Exit::Shutdown, 1));
                assert_eq!(log.events(), ["started", "note 1", "stopped"]);
            }
        });
    }
}

/// Counts how often an actor's state is dropped; panics in `handle` on `true`.
struct Tracked {
    drops: Arc<AtomicUsize>,
    gate: Option<oneshot::Receiver<()>>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

impl Actor for Tracked {
    type Msg = bool;

    async fn started(&mut self, _ctx: &mut Context<Self>) {
        if let Some(gate) = self.gate.take() {
            let _ = gate.await;
        }
    }

    async fn handle(&mut self, panic: bool, _ctx: &mut Context<Self>) {
        if panic {
            panic!("on purpose: tracked");
        }
        std::future::pending::<()>().await;
    }
}

// ryker: the actor's state is dropped exactly once on every way out: shutdown, release, abort
// of a running handler, a panic, restarts (each replaced actor once), and a runtime that drops
// the task (actix test_lifecycle.rs, ractor `aborting_actor_task_runs_lifecycle_cleanup`)
#[test]
fn the_actor_state_is_dropped_exactly_once_on_every_exit() {
    let tracked = |drops: &Arc<AtomicUsize>| Tracked {
        drops: drops.clone(),
        gate: None,
    };
    on_current(async {
        // shutdown
        let drops = Arc::new(AtomicUsize::new(0));
        let handle = ryker_tokio::spawn(tracked(&drops));
        handle.shutdown();
        handle.await.unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 1, "shutdown");
        // release
        let drops = Arc::new(AtomicUsize::new(0));
        ryker_tokio::spawn(tracked(&drops)).await.unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 1, "release");
        // abort of a handler that never ends
        let drops = Arc::new(AtomicUsize::new(0));
        let mut handle = ryker_tokio::spawn(tracked(&drops));
        handle.addr().try_tell(false).unwrap();
        let_others_run().await;
        handle.abort();
        assert_eq!(handle.join().await.unwrap().exit, Exit::Aborted);
        assert_eq!(drops.load(Ordering::SeqCst), 1, "abort");
        // a panic under Stop
        let drops = Arc::new(AtomicUsize::new(0));
        let mut handle = ryker_tokio::spawn(tracked(&drops));
        handle.addr().try_tell(true).unwrap();
        assert_eq!(handle.join().await.unwrap().exit, Exit::Panicked);
        assert_eq!(drops.load(Ordering::SeqCst), 1, "panic");
        // three restarts, then a stop
        let drops = Arc::new(AtomicUsize::new(0));
        let fresh = {
            let drops = drops.clone();
            move || tracked(&drops)
        };
        let options = ActorOptions::default().restart(3, Duration::from_secs(60), fresh);
        let mut handle = ryker_tokio::spawn_with_options(tracked(&drops), options).unwrap();
        for _ in 0..4 {
            handle.addr().try_tell(true).unwrap();
        }
        let report = handle.join().await.unwrap();
        assert_eq!((report.exit, report.restarts), (Exit::Panicked, 3));
        assert_eq!(
            drops.load(Ordering::SeqCst),
            4,
            "the first actor and three fresh ones"
        );
    });
    // a runtime that drops the task
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = current_thread();
    let (open, gate) = oneshot::channel::<()>();
    let handle = {
        let _entered = rt.enter();
        ryker_tokio::spawn(Tracked {
            drops: drops.clone(),
            gate: Some(gate),
        })
    };
    rt.block_on(let_others_run());
    drop(rt);
    assert_eq!(drops.load(Ordering::SeqCst), 1, "runtime dropped");
    drop((open, handle));
}

/// Sends itself the next number for as long as it can get its own address.
struct Echoer {
    resent: Arc<AtomicUsize>,
}

impl Actor for Echoer {
    type Msg = u32;

    async fn handle(&mut self, n: u32, ctx: &mut Context<Self>) {
        if let Some(me) = ctx.addr() {
            if me.try_tell(n + 1).is_ok() {
                self.resent.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
}

// xtra basic.rs `no_sender_returns_disconnected`: once every address is gone, the actor's own
// (weak) address cannot be had while it drains, so it cannot keep itself alive
#[test]
fn xtra_no_sender_returns_disconnected_while_draining() {
    on_current(async {
        let resent = Arc::new(AtomicUsize::new(0));
        let mut handle = ryker_tokio::spawn(Echoer {
            resent: resent.clone(),
        });
        let addr = handle.addr();
        for n in 0..10 {
            addr.try_tell(n * 100).unwrap();
        }
        drop(addr);
        let report = handle.join().await.unwrap();
        assert_eq!(resent.load(Ordering::SeqCst), 0);
        assert_eq!((report.exit, report.handled), (Exit::Released, 10));
    });
}

// ractor tests.rs `instant_spawns` and xtra `actor_stops_on_last_drop_of_address`, many times
// over: a thousand detached actors, each told once and released, all run `stopped`
#[test]
fn a_thousand_released_actors_all_stop() {
    on_multi(async {
        let mut stops = Vec::new();
        for _ in 0..1_000 {
            let (tx, stopped) = oneshot::channel();
            stops.push(stopped);
            let handle = ryker_tokio::spawn(SelfAware { upgraded: Some(tx) });
            handle.addr().tell(()).await.unwrap();
            drop(handle);
        }
        for stopped in stops {
            assert_eq!(stopped.await, Ok(false), "stopped, its own address gone");
        }
    });
}

// xtra basic.rs `waiting_sender_order`, with the first waiting sender giving up after it was
// woken for the freed slot but before it took it: the wake passes to the next one
#[test]
fn a_woken_waiting_sender_that_gives_up_passes_its_turn_on() {
    on_current(async {
        let (handle, addr, open, _log) = spawn_gated(1);
        addr.try_tell(Cmd::Note(1)).unwrap();
        let mut first = Box::pin(addr.tell(Cmd::Note(2)));
        let mut second = Box::pin(addr.tell(Cmd::Note(3)));
        assert!(poll_once(&mut first).is_pending());
        assert!(poll_once(&mut second).is_pending());
        open.send(()).unwrap();
        while !addr.is_empty() {
            tokio::task::yield_now().await; // the actor takes Note(1): a slot is free
        }
        drop(first); // woken (its waker does nothing), never polled again
        assert!(matches!(second.await, Ok(Sent::Queued)));
        assert_eq!(addr.ask(Cmd::Seen).await.unwrap(), [1, 3]);
        handle.shutdown();
    });
}

// actix test_address.rs `test_message_timeout`, for a waiting `tell_timeout` whose deadline
// passes after a slot was freed for it: delivered or handed back, and the next waiting sender
// is served either way
#[test]
fn a_tell_timeout_expiring_as_its_slot_frees_is_exactly_once() {
    on_current(async {
        let (handle, addr, open, _log) = spawn_gated(1);
        addr.try_tell(Cmd::Note(1)).unwrap();
        let mut timed = Box::pin(addr.tell_timeout(Cmd::Note(2), Duration::from_millis(5)));
        let mut second = Box::pin(addr.tell(Cmd::Note(3)));
        assert!(poll_once(&mut timed).is_pending());
        assert!(poll_once(&mut second).is_pending());
        open.send(()).unwrap();
        while !addr.is_empty() {
            tokio::task::yield_now().await; // the actor takes Note(1): a slot is free
        }
        tokio::time::sleep(Duration::from_millis(10)).await; // the deadline has passed
        let delivered = match timed.await {
            Ok(_) => true,
            Err(SendTimeoutError::Timeout(Cmd::Note(2))) => false,
            Err(other) => panic!("unexpected {other:?}"),
        };
        assert!(matches!(second.await, Ok(Sent::Queued)));
        let expected: &[u32] = if delivered { &[1, 2, 3] } else { &[1, 3] };
        assert_eq!(addr.ask(Cmd::Seen).await.unwrap(), expected);
        handle.shutdown();
    });
}

/// Its `stopped` waits for a gate (a cleanup that hangs).
struct StuckStop {
    entered: Option<oneshot::Sender<()>>,
    gate: Option<oneshot::Receiver<()>>,
}

impl Actor for StuckStop {
    type Msg = ();

    async fn handle(&mut self, _: (), _ctx: &mut Context<Self>) {}

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        if let Some(entered) = self.entered.take() {
            let _ = entered.send(());
        }
        if let Some(gate) = self.gate.take() {
            let _ = gate.await;
        }
    }
}

/// Spawns a `StuckStop`; returns its handle, the signal that its `stopped` began, and the gate
/// that would end that `stopped`.
fn spawn_stuck_stop() -> (
    ActorHandle<StuckStop>,
    oneshot::Receiver<()>,
    oneshot::Sender<()>,
) {
    let (entered_tx, entered) = oneshot::channel();
    let (open, gate) = oneshot::channel::<()>();
    let handle = ryker_tokio::spawn(StuckStop {
        entered: Some(entered_tx),
        gate: Some(gate),
    });
    (handle, entered, open)
}

// ractor tests.rs `kill_interrupts_lifecycle_hooks` (its third part: a kill interrupts a
// `post_stop` that never ends). ryker: `abort` escalates a shutdown that takes too long, a
// `stopped` that hangs included: it cuts a `stopped` already running at its next `.await`, and
// the exit is `Aborted` with nothing discarded (the shutdown had handled the queue).
#[test]
fn ractor_kill_interrupts_a_stopped_that_hangs() {
    on_current(async {
        let (mut handle, entered, open) = spawn_stuck_stop();
        handle.addr().tell(()).await.unwrap();
        handle.shutdown();
        entered.await.expect("`stopped` runs");
        handle.abort();
        // The gate stays shut: only the abort can end `stopped` (`on_current` bounds the join).
        let report = handle.join().await.unwrap();
        assert_eq!(report.exit, Exit::Aborted, "{report:?}");
        assert_eq!((report.handled, report.discarded), (1, 0), "{report:?}");
        assert!(open.is_closed(), "the cut-short `stopped` was dropped");
    });
}

// ryker: two aborts requested before `stopped` begins (an escalation timer and the user, or an
// `abort` called twice) are both aborts "requested before" it: the `stopped` they begin must
// run like the one a single abort begins (`ActorShared::next_abort`: "cut short by an abort
// requested from now on, not by one requested before"), and only a later abort cuts it.
#[test]
fn two_aborts_before_stopped_let_the_stopped_they_begin_run() {
    on_current(async {
        let (mut handle, entered, open) = spawn_stuck_stop();
        // The actor's task has not run yet (one thread): both aborts come before `stopped`.
        handle.abort();
        handle.abort();
        entered.await.expect("`stopped` runs after an abort");
        let_others_run().await;
        assert!(
            !handle.is_finished() && !open.is_closed(),
            "an abort requested before `stopped` began cut it short at its first `.await`"
        );
        handle.abort();
        let report = handle.join().await.unwrap();
        assert_eq!(report.exit, Exit::Aborted, "{report:?}");
        assert!(open.is_closed(), "the cut-short `stopped` was dropped");
    });
}

// ryker: the `stopped` an abort begins runs (`started` and `stopped` come in pairs), and the
// next abort cuts it short like the first cuts a handler.
#[test]
fn a_second_abort_cuts_the_stopped_the_first_began() {
    on_current(async {
        let (mut handle, entered, open) = spawn_stuck_stop();
        handle.abort();
        entered.await.expect("`stopped` runs after an abort");
        let_others_run().await;
        assert!(
            !handle.is_finished() && !open.is_closed(),
            "the first abort lets the `stopped` it began run"
        );
        handle.abort();
        let report = handle.join().await.unwrap();
        assert_eq!(report.exit, Exit::Aborted, "{report:?}");
        assert!(open.is_closed(), "the cut-short `stopped` was dropped");
    });
}
