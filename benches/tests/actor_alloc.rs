//! Allocation gate for the actor layer: after spawn and warm-up, `Addr::tell` → `handle` must not
//! touch the heap, and `Addr::ask` may allocate once per call (its reply slot).
//!
//! A counting global allocator tallies the allocations (alloc, alloc_zeroed, realloc) of every
//! thread enrolled in a scenario: the test thread and, for a multi-thread runtime, each worker
//! (enrolled by `on_thread_start`). So a per-message `Box` or `Vec` growth anywhere on the path
//! — sender, mailbox, wake-up, actor loop, handler dispatch — is counted, whichever thread makes
//! it, while tests running in parallel (each with its own tally) do not disturb each other.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use ryker_benches::Msg;
use ryker_core::prelude::{Actor, ActorConfig, ActorOptions, Addr, Context, Reply};
use ryker_tokio::Tokio;

/// Messages per measured window.
const N: u64 = 20_000;

/// One scenario's allocation count.
struct Tally {
    on: AtomicBool,
    allocations: AtomicU64,
}

impl Tally {
    const fn new() -> Self {
        Self {
            on: AtomicBool::new(false),
            allocations: AtomicU64::new(0),
        }
    }

    /// Enrolls the calling thread.
    fn enroll(&'static self) {
        TALLY.with(|t| t.set(Some(self)));
    }

    /// Allocations made by enrolled threads while `f` runs.
    async fn count<F: std::future::Future<Output = ()>>(&self, f: F) -> u64 {
        let before = self.allocations.load(Ordering::SeqCst);
        // SeqCst: the window must not let allocations before or after it leak in through
        // reordering with the work it brackets (the work's own sync orders the other threads).
        self.on.store(true, Ordering::SeqCst);
        f.await;
        self.on.store(false, Ordering::SeqCst);
        self.allocations.load(Ordering::SeqCst) - before
    }
}

thread_local! {
    /// The tally this thread reports to, if it is enrolled in a scenario.
    static TALLY: Cell<Option<&'static Tally>> = const { Cell::new(None) };
}

fn note_allocation() {
    // `try_with`: the allocator may run while this thread's locals are being torn down.
    if let Ok(Some(tally)) = TALLY.try_with(Cell::get) {
        // Relaxed: a counter read after the work it counts was joined (see `Tally::count`).
        if tally.on.load(Ordering::Relaxed) {
            tally.allocations.fetch_add(1, Ordering::Relaxed);
        }
    }
}

struct Counting;

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so `System`'s
// guarantees are ours; the counting touches only a const-initialized, destructor-free thread
// local and atomics, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: the caller upholds `GlobalAlloc::alloc_zeroed`'s contract, which `System` shares.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract; `ptr` came from `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract; `ptr` came from `System`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

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
            assert!(addr.tell(Req::Tell(Msg::new(seq))).await.is_ok());
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
                assert!(addr.tell(Req::Tell(black_box(Msg::new(seq)))).await.is_ok());
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
fn the_counter_sees_allocations() {
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
