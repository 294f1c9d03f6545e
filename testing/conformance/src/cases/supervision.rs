//! Panics in handlers: restart with a fresh actor (made only once the panicked one is gone),
//! the restart limit, and the default `Stop`.
//!
//! In each case the actor is blocked while the whole script is queued, so the panics happen
//! with messages waiting behind them.

use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ryker_core::prelude::*;

use crate::probe::{assert_sequence, config, hold, Item, Ledger, Rec, Recorder};
use crate::sync::{abort_and_join, stop_and_join};
use crate::sync::{lock, within, Latch, Watchdog};
use crate::Harness;

/// What the dead-letter hook received.
#[derive(Debug, Default)]
struct Letters {
    panics: Vec<String>,
    undelivered: Vec<Option<u64>>,
    other: usize,
}

/// Options with a dead-letter hook that records into the returned `Letters`.
fn with_letters(options: ActorOptions<Recorder>) -> (ActorOptions<Recorder>, Arc<Mutex<Letters>>) {
    let letters = Arc::new(Mutex::new(Letters::default()));
    let sink = letters.clone();
    let options = options.dead_letters(move |letter| {
        let mut letters = lock(&sink);
        match letter {
            DeadLetter::Panicked { panic } => letters.panics.push(panic),
            DeadLetter::Undelivered(msg) => letters.undelivered.push(msg.id()),
            _ => letters.other += 1,
        }
    });
    (options, letters)
}

/// Queues `script` (`(id, poison)`: a poison message or an item) behind a `Hold`, then
/// releases the actor.
async fn run_script(addr: &Addr<Recorder>, ledger: &Arc<Ledger>, script: &[(u64, bool)]) {
    let release = hold(addr).await;
    for &(id, poison) in script {
        let item = Item::new(id, ledger);
        let msg = if poison {
            Rec::Poison(item)
        } else {
            Rec::Item(item)
        };
        assert!(addr.try_tell(msg).is_ok(), "queueing message {id}");
    }
    release.open();
}

/// What [`PortServer`] is asked: crash, or say which port it holds.
enum PortMsg {
    Crash,
    Port(Reply<u16>),
}

/// A server that owns a bound loopback listener, as a user's actor owns a socket or a lock.
struct PortServer(TcpListener);

impl Actor for PortServer {
    type Msg = PortMsg;

    async fn handle(&mut self, msg: PortMsg, _ctx: &mut Context<Self>) {
        match msg {
            PortMsg::Crash => panic!("the planted crash"),
            PortMsg::Port(reply) => {
                let port = self.0.local_addr().map_or(0, |a| a.port());
                // The asker may be gone; it then learns nothing, and nothing is lost.
                let _ = reply.send(port);
            }
        }
    }
}

/// `.restart(3, 10 s, factory)` on a server that owns a bound loopback port, with a factory
/// that binds the same port again (a server restarted on its address). The panicked server
/// is dropped, and its port released, before the factory runs: the restart succeeds and the
/// fresh server answers, holding that port. At shutdown: `restarts == 1`, `panics == 1`.
///
/// Fails on: a factory called while the panicked actor still exists (the bind fails with
/// `AddrInUse`, the factory panics, and the actor stops: `Exit::Panicked`, no restart, the ask
/// answered `NoReply`).
pub fn restart_factory_runs_after_the_panicked_actor_is_dropped<H: Harness>(h: H) {
    let rt = h.runtime();
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("a loopback port");
    let port = listener
        .local_addr()
        .expect("the listener's address")
        .port();
    h.block_on(async {
        let options = ActorOptions::new(config(16, Overflow::Busy, 32)).restart(
            3,
            Duration::from_secs(10),
            move || {
                let again = TcpListener::bind(("127.0.0.1", port));
                PortServer(again.expect("the fresh server binds the panicked one's port"))
            },
        );
        let handle = options
            .spawn(&rt, PortServer(listener))
            .expect("valid options");
        let addr = handle.addr();
        within("queueing the crash", addr.tell(PortMsg::Crash))
            .await
            .expect("the mailbox is open");
        let answer = within("an ask after the restart", addr.ask(PortMsg::Port)).await;
        drop(addr);
        let report = stop_and_join("shutdown", handle).await;
        assert_eq!(
            (answer, report.exit, report.restarts, report.panics),
            (Ok(port), Exit::Shutdown, 1, 1),
            "the fresh server's answer, exit, restarts, panics: {report:?}"
        );
    });
}

/// `.restart(3, 10 s, factory)`; queued behind a blocked actor: items 0, 1, poison 2, items
/// 3..=6. The poison panics; a fresh actor from the factory (its `started` runs) handles the
/// rest of the queue in order. At shutdown: `restarts == 1`, `panics == 1`, 7 handled (the
/// `Hold` and six items), `Exit::Shutdown`; the dead-letter hook got exactly one
/// `Panicked { panic: "poison 2" }` and nothing undelivered; every message dropped once.
///
/// Fails on: a restart that loses the rest of the batch or the queue, a fresh actor that
/// skips `started`, handles out of order, or re-handles the poison; miscounted panics or
/// restarts; no (or a wrong) dead letter.
pub fn restart_continues_the_queue_in_order<H: Harness>(h: H) {
    let rt = h.runtime();
    let ledger = Ledger::new(8);
    let script = [
        (0, false),
        (1, false),
        (2, true),
        (3, false),
        (4, false),
        (5, false),
        (6, false),
    ];
    let letters = h.block_on(async {
        let factory_ledger = ledger.clone();
        let options = ActorOptions::new(config(16, Overflow::Busy, 32)).restart(
            3,
            Duration::from_secs(10),
            move || Recorder::new(&factory_ledger),
        );
        let (options, letters) = with_letters(options);
        let handle = options
            .spawn(&rt, Recorder::new(&ledger))
            .expect("valid options");
        let addr = handle.addr();
        run_script(&addr, &ledger, &script).await;
        let answer = within(
            "an ask after the restart",
            addr.ask(|r| Rec::Echo(Item::new(7, &ledger), r)),
        )
        .await;
        assert_eq!(answer, Ok(7), "the restarted actor answers");
        drop(addr);
        let report = stop_and_join("shutdown", handle).await;
        assert_eq!(report.exit, Exit::Shutdown, "{report:?}");
        assert_eq!(
            (report.panics, report.restarts),
            (1, 1),
            "panics, restarts: {report:?}"
        );
        assert_eq!(
            (report.handled, report.undelivered),
            (8, 0),
            "handled, undelivered: {report:?}"
        );
        letters
    });
    assert_eq!(
        ledger.started.load(Ordering::Acquire),
        2,
        "started: first actor + fresh one"
    );
    assert_eq!(
        ledger.stopped.load(Ordering::Acquire),
        1,
        "stopped: the fresh one, at shutdown"
    );
    assert_sequence("handled", &ledger.order(), &[0, 1, 3, 4, 5, 6, 7]);
    ledger.assert_each("every message", 0..8, |id| (u8::from(id != 2), 1));
    let letters = lock(&letters);
    assert_eq!(letters.panics.len(), 1, "dead letters: {letters:?}");
    assert!(
        letters.panics[0].contains("poison 2"),
        "dead letters: {letters:?}"
    );
    assert!(
        letters.undelivered.is_empty() && letters.other == 0,
        "dead letters: {letters:?}"
    );
    ledger.assert_no_failures();
}

/// `.restart(3, 10 s, factory)` with four poisons queued (0, 2, 4, 6; items 1, 3, 5 between
/// them and 7, 8, 9 after): three restarts, then the fourth panic exceeds the limit and the
/// actor stops with `Exit::Panicked`: `panics == 4`, `restarts == 3`, 4 handled (the `Hold`
/// and 1, 3, 5), `undelivered == 3`; the hook got four `Panicked` and `Undelivered` 7, 8, 9 in
/// order; senders now get `Closed` with their message back (`try_tell`, `tell` and `ask`).
///
/// Fails on: a restart limit that is not enforced (or off by one), queued messages silently
/// dropped instead of handed to the hook (or handed twice), a mailbox left open after the
/// actor gave up, `stopped` run on a panicked actor.
pub fn restart_limit_stops_with_undelivered<H: Harness>(h: H) {
    let rt = h.runtime();
    let ledger = Ledger::new(16);
    let script: Vec<(u64, bool)> = (0..10).map(|id| (id, id % 2 == 0 && id < 7)).collect();
    let letters = h.block_on(async {
        let factory_ledger = ledger.clone();
        let options = ActorOptions::new(config(16, Overflow::Busy, 32)).restart(
            3,
            Duration::from_secs(10),
            move || Recorder::new(&factory_ledger),
        );
        let (options, letters) = with_letters(options);
        let handle = options
            .spawn(&rt, Recorder::new(&ledger))
            .expect("valid options");
        let addr = handle.addr();
        run_script(&addr, &ledger, &script).await;
        let report = within("the actor to give up", handle)
            .await
            .expect("joined");
        assert_eq!(report.exit, Exit::Panicked, "{report:?}");
        assert_eq!(
            (report.panics, report.restarts),
            (4, 3),
            "panics, restarts: {report:?}"
        );
        assert_eq!(
            (report.handled, report.undelivered),
            (4, 3),
            "handled, undelivered: {report:?}"
        );
        assert_closed(&addr, &ledger, 10).await;
        letters
    });
    assert_eq!(
        ledger.started.load(Ordering::Acquire),
        4,
        "started: first actor + 3 restarts"
    );
    assert_eq!(
        ledger.stopped.load(Ordering::Acquire),
        0,
        "stopped must not run after a panic"
    );
    assert_sequence("handled", &ledger.order(), &[1, 3, 5]);
    ledger.assert_each("every message", 0..13, |id| {
        (u8::from(matches!(id, 1 | 3 | 5)), 1)
    });
    let letters = lock(&letters);
    assert_eq!(letters.panics.len(), 4, "dead letters: {letters:?}");
    assert_eq!(
        letters.undelivered,
        [Some(7), Some(8), Some(9)],
        "dead letters: {letters:?}"
    );
    ledger.assert_no_failures();
}

/// The default `Stop` policy; queued: item 0, poison 1, items 2, 3. The first panic stops the
/// actor: `Exit::Panicked`, `panics == 1`, `restarts == 0`, 2 handled (the `Hold` and 0),
/// `undelivered == 2`; the hook got the panic and `Undelivered` 2, 3; `stopped` did not run;
/// senders get `Closed`.
///
/// Fails on: an actor that goes on after a panic without a restart policy, undelivered
/// messages lost or miscounted, a mailbox left open.
pub fn stop_policy_stops_on_first_panic<H: Harness>(h: H) {
    let rt = h.runtime();
    let ledger = Ledger::new(8);
    let script = [(0, false), (1, true), (2, false), (3, false)];
    let letters = h.block_on(async {
        let (options, letters) = with_letters(ActorOptions::new(config(8, Overflow::Busy, 32)));
        let handle = options
            .spawn(&rt, Recorder::new(&ledger))
            .expect("valid options");
        let addr = handle.addr();
        run_script(&addr, &ledger, &script).await;
        let report = within("the actor to stop", handle).await.expect("joined");
        assert_eq!(report.exit, Exit::Panicked, "{report:?}");
        assert_eq!(
            (report.panics, report.restarts),
            (1, 0),
            "panics, restarts: {report:?}"
        );
        assert_eq!(
            (report.handled, report.undelivered),
            (2, 2),
            "handled, undelivered: {report:?}"
        );
        assert_closed(&addr, &ledger, 4).await;
        letters
    });
    assert_eq!(ledger.started.load(Ordering::Acquire), 1, "started");
    assert_eq!(
        ledger.stopped.load(Ordering::Acquire),
        0,
        "stopped must not run after a panic"
    );
    assert_sequence("handled", &ledger.order(), &[0]);
    ledger.assert_each("every message", 0..7, |id| (u8::from(id == 0), 1));
    let letters = lock(&letters);
    assert_eq!(letters.panics.len(), 1, "dead letters: {letters:?}");
    assert!(
        letters.panics[0].contains("poison 1"),
        "dead letters: {letters:?}"
    );
    assert_eq!(
        letters.undelivered,
        [Some(2), Some(3)],
        "dead letters: {letters:?}"
    );
    ledger.assert_no_failures();
}

/// `try_tell`, `tell` and `ask` to a stopped actor get `Closed` (the first two with the
/// message back), using ids `first..first + 3`.
async fn assert_closed(addr: &Addr<Recorder>, ledger: &Arc<Ledger>, first: u64) {
    assert!(addr.is_closed(), "the mailbox of a stopped actor is closed");
    match addr.try_tell(Rec::Item(Item::new(first, ledger))) {
        Err(TrySendError::Closed(back)) => assert_eq!(back.id(), Some(first)),
        other => panic!("try_tell to a stopped actor: {other:?}"),
    }
    match within("tell", addr.tell(Rec::Item(Item::new(first + 1, ledger)))).await {
        Err(SendError::Closed(back)) => assert_eq!(back.id(), Some(first + 1)),
        other => panic!("tell to a stopped actor: {other:?}"),
    }
    let answer = within(
        "ask",
        addr.ask(|r| Rec::Echo(Item::new(first + 2, ledger), r)),
    )
    .await;
    assert_eq!(answer, Err(AskError::Closed), "ask to a stopped actor");
}

/// An actor whose `started` panics every time, until the watchdog fires.
///
/// Orderings: the counters are read by the test body after the actor's report arrives (the
/// report's channel already orders them); AcqRel increments and Acquire reads keep each read
/// current without relying on that, and nothing else is published through them.
struct NeverStarts {
    dog: Watchdog,
    /// `started` panics so far.
    panics: Arc<AtomicU64>,
    /// Opens after the third panic.
    relapsed: Arc<Latch>,
    /// `started` and `stopped` runs that completed.
    started: Arc<AtomicUsize>,
    stopped: Arc<AtomicUsize>,
}

impl Actor for NeverStarts {
    type Msg = ();

    async fn started(&mut self, _ctx: &mut Context<Self>) {
        if !self.dog.fired() {
            let n = self.panics.fetch_add(1, Ordering::AcqRel) + 1;
            if n >= 3 {
                self.relapsed.count_down();
            }
            panic!("started panics ({n})");
        }
        self.started.fetch_add(1, Ordering::AcqRel);
    }

    async fn handle(&mut self, (): (), _ctx: &mut Context<Self>) {}

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.stopped.fetch_add(1, Ordering::AcqRel);
    }
}

/// `.restart(4096, 1 ms, factory)` on an actor whose `started` panics every time, without
/// awaiting anything: the window is too short for the limit ever to be reached, so the actor
/// is restarted forever. After its third panic, `abort()` must return promptly with
/// `Exit::Aborted` (and `panics >= 3`), also on a one-worker runtime where the actor and the
/// test body share the thread, and `stopped` must not run (no `started` ever completed).
///
/// A watchdog ends the panicking after 10 s, so that a runtime frozen by the loop fails the
/// case instead of hanging it.
///
/// Fails on: a run loop that restarts after a caught panic without yielding (on one worker
/// the test body never runs again) or without checking abort (`abort()` never returns); a
/// `stopped` run on an actor whose `started` never completed.
pub fn abort_returns_while_started_panics_forever<H: Harness>(h: H) {
    let rt = h.runtime();
    let dog = Watchdog::start();
    let panics = Arc::new(AtomicU64::new(0));
    let relapsed = Latch::new(1);
    let (started, stopped) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let fresh = {
        let (dog, panics, relapsed) = (dog.clone(), panics.clone(), relapsed.clone());
        let (started, stopped) = (started.clone(), stopped.clone());
        move || NeverStarts {
            dog: dog.clone(),
            panics: panics.clone(),
            relapsed: relapsed.clone(),
            started: started.clone(),
            stopped: stopped.clone(),
        }
    };
    let report = h.block_on(async {
        let first = fresh.clone()();
        let handle = ActorOptions::new(config(4, Overflow::Busy, 32))
            .restart(4096, Duration::from_millis(1), fresh)
            .spawn(&rt, first)
            .expect("valid options");
        within("three panics in started", relapsed.wait()).await;
        abort_and_join("abort", handle).await
    });
    assert!(
        !dog.fired(),
        "the watchdog had to stop the panicking: the run loop restarted the actor after \
         each caught panic without yielding or checking abort ({report:?})"
    );
    assert_eq!(report.exit, Exit::Aborted, "{report:?}");
    assert!(report.panics >= 3, "{report:?}");
    assert_eq!(
        (
            started.load(Ordering::Acquire),
            stopped.load(Ordering::Acquire)
        ),
        (0, 0),
        "started/stopped completions: `stopped` runs only after a completed `started`"
    );
}
