//! `Addr::tell_after` and `Addr::tell_every` on tokio, with tokio's clock paused: time moves
//! only when every task waits, straight to the next timer, so what each test reads at a given
//! instant is determined, not a race with a real clock. Ported: ractor's `time::tests`
//! `test_intervals` and `test_send_after` (`send_interval`, `send_after`).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::{sleep, Instant};

use ryker_tokio::{Actor, Context, Exit, MailboxConfig, Overflow, Reply, Timer};

const MS: Duration = Duration::from_millis(1);

/// Notes the instant (from the test's start) of every tick.
enum Msg {
    Tick(u32),
    Seen(Reply<Vec<(u32, Duration)>>),
}

struct Log {
    start: Instant,
    ticks: Vec<(u32, Duration)>,
}

impl Log {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            ticks: Vec::new(),
        }
    }

    fn note(&mut self, msg: Msg) {
        match msg {
            Msg::Tick(n) => self.ticks.push((n, self.start.elapsed())),
            Msg::Seen(reply) => {
                let _ = reply.send(self.ticks.clone());
            }
        }
    }
}

impl Actor for Log {
    type Msg = Msg;
    async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) {
        self.note(msg);
    }
}

/// Ticks 1, 2, 3, ... every `period`.
fn numbered_ticks<A: Actor<Msg = Msg>>(addr: &ryker_tokio::Addr<A>, period: Duration) -> Timer {
    let mut n = 0;
    addr.tell_every(period, move || {
        n += 1;
        Msg::Tick(n)
    })
    .unwrap()
}

async fn seen(addr: &ryker_tokio::Addr<Log>) -> Vec<(u32, Duration)> {
    addr.ask(Msg::Seen).await.unwrap()
}

#[tokio::test(start_paused = true)]
async fn tell_after_queues_its_message_once_the_delay_has_passed() {
    let handle = ryker_tokio::spawn(Log::new());
    let addr = handle.addr();
    let timer = addr.tell_after(10 * MS, Msg::Tick(1));
    sleep(9 * MS).await;
    assert!(seen(&addr).await.is_empty(), "not before its delay");
    assert!(!timer.is_finished());
    sleep(2 * MS).await;
    assert_eq!(seen(&addr).await, [(1, 10 * MS)]);
    assert!(
        timer.is_finished(),
        "its one message queued, the task ended"
    );
    handle.shutdown();
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_timer_sends_nothing_and_ends_at_once() {
    let mut handle = ryker_tokio::spawn(Log::new());
    let addr = handle.addr();
    let once = addr.tell_after(10 * MS, Msg::Tick(1));
    let every = addr.tell_every(10 * MS, || Msg::Tick(2)).unwrap();
    sleep(5 * MS).await;
    once.cancel();
    let again = addr.tell_every(3 * MS, || Msg::Tick(3)).unwrap();
    sleep(MS).await;
    every.cancel();
    sleep(100 * MS).await;
    let ticks = seen(&addr).await;
    assert!(
        ticks.iter().all(|&(n, _)| n == 3),
        "only the timer not cancelled ticked: {ticks:?}"
    );
    again.cancel();
    let ticked = seen(&addr).await.len();
    sleep(100 * MS).await;
    assert_eq!(seen(&addr).await.len(), ticked, "no tick after the cancel");
    handle.shutdown();
    assert_eq!(handle.join().await.unwrap().exit, Exit::Shutdown);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_timers_task_ends_before_its_next_tick() {
    let handle = ryker_tokio::spawn(Log::new());
    let addr = handle.addr();
    let alive = || {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    };
    let before = alive();
    let timer = addr.tell_after(Duration::from_secs(3600), Msg::Tick(1));
    let probe = addr.tell_after(Duration::from_secs(3600), Msg::Tick(2));
    tokio::task::yield_now().await; // both timer tasks start their hour-long sleep
    assert_eq!(alive(), before + 2);
    timer.cancel();
    // One millisecond on (nowhere near the hour), the cancelled timer's task is gone; the
    // other still sleeps.
    sleep(MS).await;
    assert_eq!(alive(), before + 1, "the cancel ended its task at once");
    assert!(!probe.is_finished());
    assert!(seen(&addr).await.is_empty());
    probe.cancel();
    sleep(MS).await;
    assert_eq!(alive(), before);
    handle.shutdown();
}

#[tokio::test(start_paused = true)]
async fn tell_every_ticks_on_its_timeline() {
    let handle = ryker_tokio::spawn(Log::new());
    let addr = handle.addr();
    let timer = numbered_ticks(&addr, 10 * MS);
    sleep(45 * MS).await;
    let ticks = seen(&addr).await;
    assert_eq!(
        ticks,
        [(1, 10 * MS), (2, 20 * MS), (3, 30 * MS), (4, 40 * MS)]
    );
    timer.cancel();
    sleep(100 * MS).await;
    assert_eq!(seen(&addr).await.len(), 4, "no tick after the cancel");
    handle.shutdown();
}

/// Handles a tick slowly: the first one takes 35 ms.
struct Slow(Log);

impl Actor for Slow {
    type Msg = Msg;
    async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) {
        if let Msg::Tick(1) = msg {
            sleep(35 * MS).await;
        }
        self.0.note(msg);
    }
}

#[tokio::test(start_paused = true)]
async fn ticks_missed_while_waiting_for_space_are_skipped_not_bunched() {
    let config = ryker_tokio::ActorConfig {
        mailbox: MailboxConfig {
            capacity: 1,
            overflow: Overflow::Busy,
            ..Default::default()
        },
        ..Default::default()
    };
    let handle = ryker_tokio::spawn_with(Slow(Log::new()), &config).unwrap();
    let addr = handle.addr();
    let timer = numbered_ticks(&addr, 10 * MS);
    sleep(105 * MS).await;
    timer.cancel();
    let ticks = addr.ask(Msg::Seen).await.unwrap();
    // Tick 1 at 10 ms holds the actor until 45 ms. Tick 2 (20 ms) fills the one slot; tick 3
    // (30 ms) waits for space, queued at 45 ms when the actor takes tick 2, and handled at
    // once. The point at 40 ms is then past: skipped, not sent late; the next is 50 ms, then
    // every 10 ms. (Times are when the actor handled each tick.)
    let at: Vec<u32> = ticks.iter().map(|&(_, t)| t.as_millis() as u32).collect();
    assert_eq!(at, [45, 45, 45, 50, 60, 70, 80, 90, 100], "{ticks:?}");
    handle.shutdown();
}

#[tokio::test(start_paused = true)]
async fn a_timer_does_not_keep_its_actor_running_and_ends_with_it() {
    let mut handle = ryker_tokio::spawn(Log::new());
    let addr = handle.addr();
    let timer = addr.tell_every(10 * MS, || Msg::Tick(0)).unwrap();
    let later = addr.tell_after(Duration::from_secs(3600), Msg::Tick(1));
    drop(addr);
    // Only the handle's address is left: the join releases it, and the actor stops even
    // though its timers run.
    let report = handle.join().await.unwrap();
    assert_eq!(report.exit, Exit::Released);
    sleep(20 * MS).await;
    assert!(
        timer.is_finished(),
        "the interval ended at its first tick after the stop"
    );
    sleep(Duration::from_secs(3600)).await;
    assert!(later.is_finished());
}

#[tokio::test(start_paused = true)]
async fn a_zero_period_is_refused_by_name() {
    let handle = ryker_tokio::spawn(Log::new());
    let err = handle
        .addr()
        .tell_every(Duration::ZERO, || Msg::Tick(0))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid config: period = 0ns (allowed: above zero)"
    );
    handle.shutdown();
}

#[tokio::test(start_paused = true)]
async fn a_period_too_long_for_the_clock_waits_for_ever() {
    let handle = ryker_tokio::spawn(Log::new());
    let addr = handle.addr();
    sleep(MS).await; // the actor's clock has left zero
    let timer = numbered_ticks(&addr, Duration::MAX);
    sleep(Duration::from_secs(3600)).await;
    assert!(
        !timer.is_finished(),
        "the timer's task waits for its first tick, at the end of the clock"
    );
    assert!(seen(&addr).await.is_empty());
    timer.cancel();
    handle.shutdown();
}

/// Counts its messages.
struct Counter(Arc<AtomicU32>);

impl Actor for Counter {
    type Msg = ();
    async fn handle(&mut self, _: (), _ctx: &mut Context<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

// ractor `time::tests::test_intervals` (`send_interval`), with tokio's clock paused.
#[tokio::test(start_paused = true)]
async fn ractor_test_intervals() {
    let counter = Arc::new(AtomicU32::new(0));
    let mut handle = ryker_tokio::spawn(Counter(counter.clone()));
    let interval = handle.addr().tell_every(10 * MS, || ()).unwrap();
    // Started, but the first tick is a period away.
    assert_eq!(counter.load(Ordering::Relaxed), 0);
    sleep(150 * MS).await;
    handle.shutdown();
    handle.join().await.unwrap();
    sleep(10 * MS).await;
    assert!(interval.is_finished(), "the interval ends with its actor");
    assert!(counter.load(Ordering::Relaxed) >= 7);
}

// ractor `time::tests::test_send_after`, with tokio's clock paused.
#[tokio::test(start_paused = true)]
async fn ractor_test_send_after() {
    let counter = Arc::new(AtomicU32::new(0));
    let mut handle = ryker_tokio::spawn(Counter(counter.clone()));
    let send_after = handle.addr().tell_after(10 * MS, ());
    assert_eq!(counter.load(Ordering::Relaxed), 0);
    while counter.load(Ordering::Relaxed) != 1 {
        sleep(MS).await;
    }
    handle.shutdown();
    handle.join().await.unwrap();
    assert!(send_after.is_finished());
    assert_eq!(counter.load(Ordering::Relaxed), 1);
}

#[test]
fn a_timer_is_send_sync_and_unpin() {
    fn send_sync_unpin<T: Send + Sync + Unpin>() {}
    send_sync_unpin::<Timer>();
}

/// A `TokioLocal` actor's `tell_after` and `tell_every` called by a task of the runtime that is
/// not in the actor's `LocalSet` (on a current-thread runtime: the set's thread, outside the
/// set): the messages arrive, and a cancel still stops the ticks.
#[tokio::test(start_paused = true)]
async fn timers_of_a_local_actor_started_outside_its_local_set() {
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            let mut handle = ryker_tokio::spawn_local(Log::new());
            let addr = handle.addr();
            let (once, every) = tokio::spawn({
                let addr = addr.clone();
                async move {
                    let once = addr.tell_after(10 * MS, Msg::Tick(1));
                    let every = addr.tell_every(20 * MS, || Msg::Tick(2)).unwrap();
                    (once, every)
                }
            })
            .await
            .expect("timers started from a task outside the LocalSet");
            sleep(45 * MS).await;
            every.cancel();
            assert_eq!(
                seen(&addr).await,
                [(1, 10 * MS), (2, 20 * MS), (2, 40 * MS)]
            );
            assert!(once.is_finished());
            sleep(100 * MS).await;
            assert_eq!(seen(&addr).await.len(), 3, "no tick after the cancel");
            handle.shutdown();
            assert_eq!(handle.join().await.unwrap().exit, Exit::Shutdown);
        })
        .await;
}

/// The same from a worker of a multi-thread runtime, while the `LocalSet` runs in the
/// runtime's `block_on` on the test's thread (real clock).
#[test]
fn tell_after_on_a_local_actor_from_a_multi_thread_worker() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        let mut handle = ryker_tokio::spawn_local(Log::new());
        let addr = handle.addr();
        let on_worker = tokio::spawn({
            let addr = addr.clone();
            async move {
                let timer = addr.tell_after(MS, Msg::Tick(7));
                (std::thread::current().id(), timer)
            }
        });
        let (worker, timer) = on_worker.await.expect("tell_after from a worker");
        assert_ne!(worker, std::thread::current().id(), "called on a worker");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !timer.is_finished() {
            assert!(Instant::now() < deadline, "the timer never fired");
            sleep(MS).await;
        }
        let ticks = seen(&addr).await;
        assert_eq!(ticks.len(), 1, "{ticks:?}");
        assert_eq!(ticks[0].0, 7);
        handle.shutdown();
        assert_eq!(handle.join().await.unwrap().exit, Exit::Shutdown);
    });
}

/// Outside any tokio runtime (a plain thread), a `TokioLocal` actor's timer (`start`) panics in
/// the caller with a message that names the cause and the fix.
fn local_timer_outside_any_runtime_says_why(start: fn(&ryker_tokio::Addr<Log>)) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        let handle = ryker_tokio::spawn_local(Log::new());
        let addr = handle.addr();
        let outside = std::thread::spawn(move || start(&addr))
            .join()
            .expect_err("no runtime to spawn the timer on");
        let message = outside
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| outside.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        assert!(
            message.contains("`TokioLocal` actor called outside a tokio runtime")
                && message.contains("`Handle::enter`"),
            "{message}"
        );
        handle.shutdown();
    });
}

#[test]
fn tell_every_on_a_local_actor_outside_any_runtime_says_why() {
    local_timer_outside_any_runtime_says_why(|addr| drop(addr.tell_every(MS, || Msg::Tick(1))));
}

/// `tell_after`'s timer used to be made before its task was spawned: the panic was tokio's ("no
/// reactor running"), not the one that names the fix.
#[test]
fn tell_after_on_a_local_actor_outside_any_runtime_says_why() {
    local_timer_outside_any_runtime_says_why(|addr| drop(addr.tell_after(MS, Msg::Tick(1))));
}
