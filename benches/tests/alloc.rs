//! Allocation gate: after construction and warm-up, moving a message through ryker's ring or
//! mailbox must not touch the heap, `Addr::tell` → `handle` must not either, and `Addr::ask`
//! may allocate once per call (its reply slot).
//!
//! The counting allocator is `bench_support::alloc`'s. Each test counts with a [`Tally`] of its
//! own that only the threads it enrolls report to: the test thread and, for a multi-thread
//! runtime, each worker (enrolled by `on_thread_start`). So a per-message `Box` or `Vec` growth
//! anywhere on the path — sender, mailbox, wake-up, actor loop, handler dispatch — is counted,
//! whichever thread makes it, while tests running in parallel do not disturb each other.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bench_support::alloc::{Counting, Tally};
use bench_support::sync::ryker_mailbox;
use bench_support::Msg;
use ryker_core::prelude::{Actor, ActorConfig, ActorOptions, Addr, Context, Reply};
use ryker_core::ring::Ring;
use ryker_tokio::Tokio;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Round trips per mailbox and ring scenario.
const ROUND_TRIPS: u64 = 100_000;

/// Messages per measured actor window.
const N: u64 = 20_000;

/// A fresh tally, enrolling the calling (test) thread.
fn tally() -> &'static Tally {
    let tally: &'static Tally = Box::leak(Box::new(Tally::new()));
    tally.enroll();
    tally
}

#[test]
fn the_counter_sees_allocations() {
    let n = tally().count_sync(|| drop(black_box(Box::new(1_u64))));
    assert_eq!(
        n, 1,
        "the counting allocator is not counting; the other tests would prove nothing"
    );
}

#[test]
fn ring_try_push_try_pop_never_allocates() {
    let ring = Ring::<Msg>::with_capacity(512).expect("valid capacity");
    // Warm-up: one full lap so every slot has been written and read once.
    for seq in 0..1024 {
        assert!(ring.try_push(Msg::new(0, seq)).is_ok());
        assert_eq!(ring.try_pop().map(|m| m.seq), Some(seq));
    }
    let n = tally().count_sync(|| {
        for seq in 0..ROUND_TRIPS {
            assert!(ring.try_push(black_box(Msg::new(0, seq))).is_ok());
            assert_eq!(black_box(ring.try_pop()).map(|m| m.seq), Some(seq));
        }
        // A full ring: fill to capacity, then drain.
        for seq in 0..512 {
            assert!(ring.try_push(Msg::new(0, seq)).is_ok());
        }
        assert!(
            ring.try_push(Msg::new(0, 512)).is_err(),
            "ring over capacity"
        );
        for seq in 0..512 {
            assert_eq!(ring.try_pop().map(|m| m.seq), Some(seq));
        }
    });
    assert_eq!(
        n, 0,
        "Ring::try_push/try_pop allocated {n} times in {ROUND_TRIPS} round trips"
    );
}

#[test]
fn mailbox_try_send_try_recv_never_allocates() {
    let (tx, mut rx) = ryker_mailbox::<Msg>(512);
    for seq in 0..1024 {
        assert!(tx.try_send(Msg::new(0, seq)).is_ok());
        assert_eq!(rx.try_recv().map(|m| m.seq).ok(), Some(seq));
    }
    let n = tally().count_sync(|| {
        for seq in 0..ROUND_TRIPS {
            assert!(tx.try_send(black_box(Msg::new(0, seq))).is_ok());
            assert_eq!(black_box(rx.try_recv()).map(|m| m.seq).ok(), Some(seq));
        }
        assert!(rx.try_recv().is_err(), "empty mailbox returned a message");
    });
    assert_eq!(
        n, 0,
        "try_send/try_recv allocated {n} times in {ROUND_TRIPS} round trips"
    );
}

#[test]
fn mailbox_send_blocking_recv_blocking_never_allocates() {
    let (tx, mut rx) = ryker_mailbox::<Msg>(512);
    for seq in 0..1024 {
        assert!(tx.send_blocking(Msg::new(0, seq)).is_ok());
        assert_eq!(rx.recv_blocking().map(|m| m.seq), Some(seq));
    }
    let mut batch = Vec::with_capacity(64);
    let n = tally().count_sync(|| {
        for seq in 0..ROUND_TRIPS {
            assert!(tx.send_blocking(black_box(Msg::new(0, seq))).is_ok());
            assert_eq!(black_box(rx.recv_blocking()).map(|m| m.seq), Some(seq));
        }
        // Batch receive into a buffer that already has room.
        for round in 0..ROUND_TRIPS / 64 {
            for i in 0..64 {
                assert!(tx.send_blocking(Msg::new(0, round * 64 + i)).is_ok());
            }
            batch.clear();
            assert_eq!(rx.recv_many_blocking(&mut batch, 64), 64);
        }
    });
    assert_eq!(
        n, 0,
        "send_blocking/recv_blocking allocated {n} times in {ROUND_TRIPS} round trips"
    );
}

enum Req {
    Tell(Msg),
    Ask(Reply<u64>),
}

/// A no-op actor that counts what it handled.
struct Sink {
    handled: Arc<AtomicU64>,
}

impl Actor for Sink {
    type Msg = Req;

    async fn handle(&mut self, req: Req, _ctx: &mut Context<Self>) {
        match req {
            Req::Tell(msg) => {
                black_box(msg);
            }
            Req::Ask(reply) => {
                let _ = reply.send(self.handled.load(Ordering::Relaxed));
            }
        }
        // Release: pairs with the Acquire in `until_handled`.
        self.handled.fetch_add(1, Ordering::Release);
    }
}

/// Yields until the actor has handled `target` messages in all.
async fn until_handled(handled: &AtomicU64, target: u64) {
    while handled.load(Ordering::Acquire) < target {
        tokio::task::yield_now().await;
    }
}

/// Figures of one scenario.
struct Figures {
    tells: u64,
    asks: u64,
}

/// Makes each worker of a `workers`-thread runtime defer a task at least once: tokio's
/// `yield_now` pushes the task's waker on a per-worker `Vec` that grows (allocates) on first
/// use. The tasks meet at a blocking barrier, which they can only pass while each holds a
/// worker of its own, and then yield.
async fn warm_defer_lists(workers: usize) {
    let barrier = Arc::new(std::sync::Barrier::new(workers));
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait();
                for _ in 0..8 {
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("warm-up task");
    }
}

/// Spawns a [`Sink`] on `rt`, warms it up (two mailbox laps of tells, some asks), then counts
/// the allocations of `N` tells (until all are handled) and of `N` asks.
async fn scenario(rt: Tokio, workers: usize, tally: &'static Tally) -> Figures {
    warm_defer_lists(workers).await;
    let handled = Arc::new(AtomicU64::new(0));
    let handle = ActorOptions::new(ActorConfig::default())
        .spawn(
            &rt,
            Sink {
                handled: handled.clone(),
            },
        )
        .expect("valid config");
    let addr: Addr<Sink> = handle.addr();
    let mut sent = 0;
    for _ in 0..3 {
        for seq in 0..2 * 512 {
            assert!(addr.tell(Req::Tell(Msg::new(0, seq))).await.is_ok());
        }
        sent += 2 * 512;
        until_handled(&handled, sent).await;
        for _ in 0..64 {
            assert!(addr.ask(Req::Ask).await.is_ok());
        }
        sent += 64;
    }

    let tells = tally
        .count(async {
            for seq in 0..N {
                assert!(addr
                    .tell(Req::Tell(black_box(Msg::new(0, seq))))
                    .await
                    .is_ok());
            }
            until_handled(&handled, sent + N).await;
        })
        .await;
    sent += N;
    let asks = tally
        .count(async {
            for _ in 0..N {
                assert!(addr.ask(Req::Ask).await.is_ok());
            }
        })
        .await;
    sent += N;
    drop(addr);
    let report = handle.shutdown().await.expect("actor finished");
    assert_eq!(report.handled, sent);
    Figures { tells, asks }
}

/// Checks `f`: at most `one_time` allocations in the `N` tells (0 on a current-thread runtime;
/// on a multi-thread one, at most one per worker: the first growth of tokio's per-worker defer
/// list, should a worker still defer for the first time inside the window after
/// [`warm_defer_lists`] — tokio's, once per worker, never per message), and at most one per
/// ask.
fn check(name: &str, f: &Figures, one_time: u64) {
    println!(
        "{name}: {} allocations in {N} tells ({:.4}/tell), {} in {N} asks ({:.3}/ask)",
        f.tells,
        f.tells as f64 / N as f64,
        f.asks,
        f.asks as f64 / N as f64
    );
    assert!(
        f.tells <= one_time,
        "{name}: {N} tells → handle allocated {} times (want 0; at most {one_time} one-time)",
        f.tells
    );
    assert!(
        f.asks <= N,
        "{name}: {N} asks allocated {} times (want ≤ 1 per ask)",
        f.asks
    );
}

#[test]
fn the_counter_sees_allocations_in_a_task() {
    static TALLY: Tally = Tally::new();
    TALLY.enroll();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let n = rt.block_on(TALLY.count(async {
        drop(black_box(Box::new(1_u64)));
    }));
    assert_eq!(
        n, 1,
        "the counting allocator is not counting; the other tests would prove nothing"
    );
}

#[test]
fn tell_never_allocates_and_ask_allocates_once_current_thread() {
    static TALLY: Tally = Tally::new();
    TALLY.enroll();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let figures = rt.block_on(scenario(Tokio::with_handle(rt.handle().clone()), 1, &TALLY));
    check("tokio current_thread", &figures, 0);
}

#[test]
fn tell_never_allocates_and_ask_allocates_once_multi_thread() {
    static TALLY: Tally = Tally::new();
    TALLY.enroll();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(|| TALLY.enroll())
        .build()
        .expect("runtime");
    let tokio = Tokio::with_handle(rt.handle().clone());
    // The producer is a task on a worker; the actor runs on either worker.
    let figures = rt
        .block_on(rt.spawn(scenario(tokio, 2, &TALLY)))
        .expect("scenario task");
    check("tokio multi_thread (2 workers)", &figures, 2);
}
