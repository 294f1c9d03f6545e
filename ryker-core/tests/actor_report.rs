//! The final `ActorReport` is exact: its mailbox counters agree with what the run loop itself
//! did and with the mailbox's own counters once every sender has settled, also when an abort
//! races senders that evict under `DropOldest`.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
#[cfg(feature = "amnesia")]
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ryker_core::actor::{
    Actor, ActorConfig, ActorOptions, Context, DeadLetter, Exit, Sent, TrySendError,
};
use ryker_core::blocking::block_on;
use ryker_core::mailbox::MailboxConfig;
use ryker_core::policy::Overflow;
use ryker_core::runtime::Runtime;

mod common;

/// Every task on its own thread ([`common::TaskThreads`]), with the system clock.
#[derive(Clone, Debug, Default)]
struct Threads(common::TaskThreads);

impl Threads {
    fn join(&self) {
        self.0.join();
    }
}

impl Runtime for Threads {
    type Instant = Instant;

    fn spawn<F: Future<Output = ()> + Send + 'static>(&self, task: F) {
        self.0.spawn(task);
    }

    // Not an `async fn`: the future must not borrow `self`.
    #[allow(clippy::manual_async_fn)]
    fn sleep(&self, dur: Duration) -> impl Future<Output = ()> + Send + 'static {
        async move { std::thread::sleep(dur) }
    }

    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// Counts what it handles.
struct Sink(Arc<AtomicU64>);

impl Actor for Sink {
    type Msg = u64;

    async fn handle(&mut self, _: u64, _ctx: &mut Context<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Rounds of: an actor with a 2-slot `DropOldest` mailbox, two producer threads that
/// `try_tell` until the mailbox is closed (nearly every send evicts), and an `abort` once they
/// are going. The report must say exactly what happened:
/// - `mailbox.received == handled + discarded` (the loop took each message it received to a
///   handler or discarded it),
/// - `mailbox.accepted` equals the producers' `Ok` results,
/// - `accepted == received + dropped_oldest + discarded`,
/// - and its counters equal the mailbox's own once the producers are joined (nothing was still
///   in flight then).
///
/// Fails on: a report that snapshots the mailbox while an evicting sender has moved the ring
/// but not yet counted the eviction (`received` one high, `dropped_oldest` one low; about 1
/// round in 200 without the fix).
#[test]
fn report_is_exact_when_abort_races_evicting_senders() {
    // Under Miri a few rounds check the code's memory safety; the race itself needs real
    // parallelism and the full count.
    const ROUNDS: usize = if cfg!(miri) { 4 } else { 500 };
    const PRODUCERS: usize = 2;
    let config = ActorConfig {
        mailbox: MailboxConfig {
            capacity: 2,
            overflow: Overflow::DropOldest,
            ..Default::default()
        },
        batch_size: 1,
        ..Default::default()
    };
    let mut wrong = Vec::new();
    for round in 0..ROUNDS {
        let handled = Arc::new(AtomicU64::new(0));
        let rt = Threads::default();
        let handle = ActorOptions::new(config)
            .spawn(&rt, Sink(handled.clone()))
            .expect("valid config");
        let addr = handle.addr();
        let sent = AtomicU64::new(0);
        let stop = AtomicBool::new(false);
        let (report, accepted) = std::thread::scope(|s| {
            let producers: Vec<_> = (0..PRODUCERS)
                .map(|_| {
                    s.spawn(|| {
                        let mut accepted = 0u64;
                        while !stop.load(Ordering::Relaxed) {
                            match addr.try_tell(0) {
                                Ok(Sent::Queued | Sent::DisplacedOldest) => accepted += 1,
                                Err(TrySendError::Closed(_)) => break,
                                Err(TrySendError::Busy(_)) => std::hint::spin_loop(),
                                Err(other) => panic!("{other:?}"),
                                Ok(other) => panic!("{other:?}"),
                            }
                            sent.fetch_add(1, Ordering::Relaxed);
                        }
                        accepted
                    })
                })
                .collect();
            while sent.load(Ordering::Relaxed) < 16 {
                std::thread::yield_now();
            }
            let report = block_on({
                handle.abort();
                handle
            });
            stop.store(true, Ordering::Relaxed);
            let accepted: u64 = producers
                .into_iter()
                .map(|p| p.join().expect("producer"))
                .sum();
            (report.expect("joined"), accepted)
        });
        let m = report.mailbox;
        let settled = addr.stats();
        rt.join();
        assert_eq!(report.exit, Exit::Aborted, "{report:?}");
        assert_eq!(
            report.handled,
            handled.load(Ordering::Relaxed),
            "{report:?}"
        );
        assert_eq!(m.accepted, accepted, "round {round}: {report:?}");
        assert_eq!(
            m.accepted,
            m.received + m.dropped_oldest + m.discarded,
            "round {round}: {report:?}"
        );
        let exact = m.received == report.handled + report.discarded
            && (m.accepted, m.received, m.dropped_oldest, m.discarded)
                == (
                    settled.accepted,
                    settled.received,
                    settled.dropped_oldest,
                    settled.discarded,
                );
        if !exact {
            wrong.push(format!(
                "round {round}: handled {} discarded {}, report {m:?}, settled {settled:?}",
                report.handled, report.discarded
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {ROUNDS} reports were off; first: {}",
        wrong.len(),
        wrong[0]
    );
}

/// Counts its drops; its destructor panics while it is armed.
struct Bomb {
    armed: bool,
    drops: Arc<AtomicU64>,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
        if self.armed {
            panic!("a queued message's destructor panics");
        }
    }
}

/// Holds its first message until `release` is set, then panics if `then_panic`; disarms every
/// message it handles.
struct Gate {
    entered: Arc<AtomicBool>,
    release: Arc<AtomicBool>,
    then_panic: bool,
}

impl Actor for Gate {
    type Msg = Bomb;

    async fn handle(&mut self, mut bomb: Bomb, _ctx: &mut Context<Self>) {
        bomb.armed = false;
        self.entered.store(true, Ordering::SeqCst);
        while !self.release.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(1));
        }
        if self.then_panic {
            panic!("the first message");
        }
    }
}

/// An abort discards what is queued; a destructor that panics on the way is caught and
/// counted (`panics`), and the rest are still dropped, at once, and counted (`discarded`).
///
/// Fails on: a discard drain without a guard, where the first panicking destructor unwinds
/// out of the actor's task: the report is lost (`JoinError`) and the other messages live on
/// until the last `Addr` goes.
#[test]
fn abort_discards_every_queued_message_past_panicking_destructors() {
    const QUEUED: u64 = 4;
    let drops = Arc::new(AtomicU64::new(0));
    let bomb = |armed| Bomb {
        armed,
        drops: drops.clone(),
    };
    let entered = Arc::new(AtomicBool::new(false));
    let release = Arc::new(AtomicBool::new(false));
    let config = ActorConfig {
        mailbox: MailboxConfig {
            capacity: 8,
            ..Default::default()
        },
        ..Default::default()
    };
    let rt = Threads::default();
    let handle = ActorOptions::new(config)
        .spawn(
            &rt,
            Gate {
                entered: entered.clone(),
                release: release.clone(),
                then_panic: false,
            },
        )
        .expect("valid config");
    let addr = handle.addr();
    assert!(addr.try_tell(bomb(false)).is_ok());
    while !entered.load(Ordering::SeqCst) {
        std::thread::yield_now();
    }
    for _ in 0..QUEUED {
        assert!(addr.try_tell(bomb(true)).is_ok());
    }
    // The first poll of `abort` requests the abort (and closes the mailbox); only then is the
    // handler let go, so the queued messages are discarded, never handled.
    handle.abort();
    let mut abort = std::pin::pin!(handle);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(abort.as_mut().poll(&mut cx).is_pending());
    release.store(true, Ordering::SeqCst);
    let report = block_on(abort).expect("the actor's task ends normally, with its report");
    rt.join();
    assert_eq!(report.exit, Exit::Aborted, "{report:?}");
    assert_eq!(report.handled, 1, "{report:?}");
    assert_eq!(report.discarded, QUEUED, "{report:?}");
    assert_eq!(report.panics, QUEUED, "{report:?}");
    assert_eq!(drops.load(Ordering::SeqCst), 1 + QUEUED, "{report:?}");
    let m = report.mailbox;
    assert_eq!(m.accepted, 1 + QUEUED, "{report:?}");
    assert_eq!(
        m.accepted,
        m.received + m.dropped_oldest + m.discarded,
        "{report:?}"
    );
}

/// Holds each message it is given until the actor is aborted (it never finishes a handler).
struct Holder {
    entered: Arc<AtomicBool>,
}

impl Actor for Holder {
    type Msg = Bomb;

    async fn handle(&mut self, bomb: Bomb, _ctx: &mut Context<Self>) {
        self.entered.store(true, Ordering::SeqCst);
        core::future::pending::<()>().await;
        drop(bomb);
    }
}

/// An abort cuts a pending handler short and drops its future, with the message the handler
/// still holds: a destructor that panics there is caught and counted like the others.
///
/// Fails on: a handler future dropped outside the guard, where the panic unwinds out of the
/// actor's task and the report is lost (`JoinError`).
#[test]
fn abort_catches_a_panicking_destructor_inside_the_cut_handler() {
    let drops = Arc::new(AtomicU64::new(0));
    let entered = Arc::new(AtomicBool::new(false));
    let rt = Threads::default();
    let handle = ActorOptions::new(ActorConfig::default())
        .spawn(
            &rt,
            Holder {
                entered: entered.clone(),
            },
        )
        .expect("valid config");
    let addr = handle.addr();
    let armed = Bomb {
        armed: true,
        drops: drops.clone(),
    };
    assert!(addr.try_tell(armed).is_ok());
    while !entered.load(Ordering::SeqCst) {
        std::thread::yield_now();
    }
    let report = block_on({
        handle.abort();
        handle
    })
    .expect("the actor's task ends normally, with its report");
    rt.join();
    assert_eq!(report.exit, Exit::Aborted, "{report:?}");
    assert_eq!(
        (report.handled, report.discarded, report.panics),
        (0, 1, 1),
        "{report:?}"
    );
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

/// Panics on message 0; its destructor panics too (unless already unwinding).
struct Fragile(Arc<AtomicU64>);

impl Actor for Fragile {
    type Msg = u64;

    async fn handle(&mut self, msg: u64, _ctx: &mut Context<Self>) {
        assert!(msg != 0, "the planted panic in a handler");
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drop for Fragile {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("the planted panic in the actor's destructor");
        }
    }
}

/// The actor's own destructor panics: on the actor a restart replaces, and on the last one at
/// the end. Both panics are caught and counted; the messages queued behind the restart are
/// still handled, and the task ends with its report.
///
/// Fails on: the old actor dropped plainly when the fresh one replaces it, or at the end (the
/// panic unwinds out of the actor's task: `JoinError`, and the queued messages are dropped
/// with the task, in no report).
#[test]
fn a_panicking_actor_destructor_is_counted_and_loses_nothing() {
    let handled = Arc::new(AtomicU64::new(0));
    let rt = Threads::default();
    let fresh = handled.clone();
    let handle = ActorOptions::new(ActorConfig::default())
        .restart(1, Duration::from_secs(60), move || Fragile(fresh.clone()))
        .spawn(&rt, Fragile(handled.clone()))
        .expect("valid config");
    let addr = handle.addr();
    for msg in 0..4 {
        assert!(addr.try_tell(msg).is_ok());
    }
    drop(addr);
    handle.shutdown();
    let report = block_on(handle).expect("the actor's task ends normally, with its report");
    rt.join();
    assert_eq!(report.exit, Exit::Shutdown, "{report:?}");
    // The handler's panic and the two destructors'.
    assert_eq!(
        (report.handled, report.restarts, report.panics),
        (3, 1, 3),
        "{report:?}"
    );
    assert_eq!(handled.load(Ordering::SeqCst), 3);
}

/// After a panic under `Supervision::Stop`, the queued messages go to the dead-letter hook as
/// undelivered. `report.panics` counts every panic the loop caught, whatever the hook does:
/// the handler's and one per panicking destructor, whether a message is dropped without a hook
/// or by the hook; and each panic of the hook itself. Every caught panic is handed to the hook
/// as a panic letter once, except the hook's own panic on a panic letter.
///
/// Fails on: a dead-letter call that swallows what the hook (or the letter's destructor) throws
/// (`panics` 1 with a hook, 1 + QUEUED without one).
#[test]
fn panics_are_counted_alike_with_and_without_a_dead_letter_hook() {
    const QUEUED: u64 = 3;
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Hook {
        None,
        Drops,
        Panics,
    }
    let mut seen = Vec::new();
    for hook in [Hook::None, Hook::Drops, Hook::Panics] {
        let drops = Arc::new(AtomicU64::new(0));
        let letters = Arc::new(AtomicU64::new(0));
        let entered = Arc::new(AtomicBool::new(false));
        let release = Arc::new(AtomicBool::new(false));
        let config = ActorConfig {
            mailbox: MailboxConfig {
                capacity: 8,
                ..Default::default()
            },
            ..Default::default()
        };
        let mut options = ActorOptions::new(config);
        let counted = letters.clone();
        match hook {
            Hook::None => {}
            // Drops each letter (the armed messages' destructors panic in the hook's call).
            Hook::Drops => {
                options = options.dead_letters(move |letter| {
                    counted.fetch_add(1, Ordering::SeqCst);
                    drop(letter);
                });
            }
            // Disarms each message (a panic while unwinding would abort), then panics itself.
            Hook::Panics => {
                options = options.dead_letters(move |letter: DeadLetter<Bomb>| {
                    counted.fetch_add(1, Ordering::SeqCst);
                    if let DeadLetter::Undelivered(mut bomb) = letter {
                        bomb.armed = false;
                    }
                    panic!("the dead-letter hook");
                });
            }
        }
        let rt = Threads::default();
        let handle = options
            .spawn(
                &rt,
                Gate {
                    entered: entered.clone(),
                    release: release.clone(),
                    then_panic: true,
                },
            )
            .expect("valid config");
        let addr = handle.addr();
        let bomb = |armed| Bomb {
            armed,
            drops: drops.clone(),
        };
        assert!(addr.try_tell(bomb(false)).is_ok());
        while !entered.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        for _ in 0..QUEUED {
            assert!(addr.try_tell(bomb(true)).is_ok());
        }
        drop(addr);
        release.store(true, Ordering::SeqCst);
        let report = block_on(handle).expect("the actor's task ends normally");
        rt.join();
        assert_eq!(report.exit, Exit::Panicked, "{hook:?}: {report:?}");
        assert_eq!(report.undelivered, QUEUED, "{hook:?}: {report:?}");
        assert_eq!(drops.load(Ordering::SeqCst), 1 + QUEUED, "{hook:?}");
        let expected = match hook {
            Hook::None => 0,
            // The handler's panic, each undelivered message, and each destructor's panic.
            Hook::Drops => 1 + QUEUED + QUEUED,
            // The handler's panic, each undelivered message (disarmed) and the hook's panic on
            // each of those; its panic on a panic letter is not handed back to it.
            Hook::Panics => 1 + QUEUED + QUEUED,
        };
        assert_eq!(letters.load(Ordering::SeqCst), expected, "{hook:?}");
        seen.push((hook, report.panics));
    }
    assert_eq!(
        seen,
        vec![
            // The handler's panic and QUEUED destructors.
            (Hook::None, 1 + QUEUED),
            (Hook::Drops, 1 + QUEUED),
            // The handler's panic and the hook's on each of its 1 + 2 * QUEUED letters.
            (Hook::Panics, 1 + 1 + 2 * QUEUED),
        ],
        "panics caught per hook"
    );
}

/// Records what it handles, in order.
#[cfg(feature = "amnesia")]
struct Recorder(Arc<Mutex<Vec<u64>>>);

#[cfg(feature = "amnesia")]
impl Actor for Recorder {
    type Msg = u64;

    async fn handle(&mut self, msg: u64, _ctx: &mut Context<Self>) {
        assert!(msg % 23 != 22, "the planted panic at {msg}");
        self.0.lock().unwrap().push(msg);
    }
}

/// Under amnesia the loop wipes, before each batch, only the buffer cells the last batch used
/// (and the whole buffer after the drains at the end). Bursts of 1 to 9 messages against a
/// batch size of 4, each burst sent while the actor is idle, give batches of every size from
/// an emptied buffer; every 23rd message panics its handler, and the rest of that batch must go
/// to the restarted actor (the wipe must not touch a buffer that still holds it); then a
/// shutdown with messages still queued. Every message but the panicking ones reaches a
/// handler once and in order, and the report says so.
#[cfg(feature = "amnesia")]
#[test]
fn amnesia_actor_hands_over_every_batch_size_in_order() {
    let bursts: u64 = if cfg!(miri) { 4 } else { 200 };
    let config = ActorConfig {
        mailbox: MailboxConfig {
            capacity: 16,
            amnesia: true,
            ..Default::default()
        },
        batch_size: 4,
        ..Default::default()
    };
    let seen = Arc::new(Mutex::new(Vec::new()));
    let rt = Threads::default();
    let fresh = seen.clone();
    let handle = ActorOptions::new(config)
        .restart(4096, Duration::from_millis(1), move || {
            Recorder(fresh.clone())
        })
        .spawn(&rt, Recorder(seen.clone()))
        .expect("valid config");
    let addr = handle.addr();
    let mut next = 0u64;
    for burst in 0..bursts {
        for _ in 0..burst % 9 + 1 {
            addr.blocking_tell(next).expect("the actor is running");
            next += 1;
        }
        // Every message sent so far but the panicking ones; a watchdog, not a timing
        // assertion: a lost message would otherwise hang the test.
        let waited = Instant::now();
        while (seen.lock().unwrap().len() as u64) < next - next / 23 {
            assert!(
                waited.elapsed() < Duration::from_secs(60),
                "messages lost: {} handled of {} sent ({} planted panics)",
                seen.lock().unwrap().len(),
                next,
                next / 23
            );
            std::thread::yield_now();
        }
    }
    // A last burst left queued for the shutdown's drain.
    for _ in 0..12 {
        addr.try_tell(next).expect("room for 12 of 16");
        next += 1;
    }
    drop(addr);
    let report = block_on({
        handle.shutdown();
        handle
    })
    .expect("joined");
    rt.join();
    let seen = seen.lock().unwrap();
    let expected: Vec<u64> = (0..next).filter(|m| m % 23 != 22).collect();
    assert_eq!(
        *seen, expected,
        "each message but the panicking ones, once, in order"
    );
    assert_eq!(report.panics, next / 23, "{report:?}");
    assert_eq!(report.mailbox.received, next, "{report:?}");
}
