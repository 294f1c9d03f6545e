//! Single-thread cost of moving one 64-byte message, every queue at capacity 512:
//!
//! - `bench_enqueue_64b`: one enqueue into a queue with room;
//! - `bench_dequeue`: one dequeue from a non-empty queue;
//! - `roundtrip_64b`: an enqueue immediately followed by a dequeue;
//! - `bench_mailbox_batch/{1,8,32,64}`: per message, draining a full queue in batches of up to
//!   that many: ryker's `try_recv_many` (since 2026-12-05; before, `poll_recv_many` polled once,
//!   which now may wait for a run mid-stream) and tokio's `poll_recv_many` (polled once with a
//!   no-op waker: what `recv_many(limit).await` does when messages are ready), against a loop
//!   of `try_recv`/`pop` up to the limit for every other queue (and for ryker, for reference).
//!
//! Peers: `bench_support::sync`'s set through its `try_*` calls (`SyncPeer::try_send`,
//! `try_recv`, `try_recv_many`): ryker's `Ring` and mailbox, `crossbeam_queue::ArrayQueue`,
//! `thingbuf::ThingBuf` and `thingbuf::mpsc::blocking`, crossbeam-channel, `tokio::sync::mpsc`,
//! async-channel, flume, kanal and crossfire.
//!
//! Enqueue, dequeue and batch receive are timed in runs of at most one capacity's worth of
//! operations; the opposite operation that makes room (or supplies messages) runs outside the
//! clock.

#![allow(missing_docs)] // criterion_group! generates undocumented public functions

use std::hint::black_box;
use std::time::{Duration, Instant};

use bench_support::sync::{self as p, try_loop, SyncPeer};
use bench_support::Msg;
use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput,
};
use ryker_benches::Plan;

const CAPACITY: usize = 512;

/// Batch limits of `bench_mailbox_batch`.
const BATCHES: [usize; 4] = [1, 8, 32, 64];

/// One of `bench_support`'s peers used from one thread, through its `try_*` calls.
struct Local<Q: SyncPeer> {
    name: &'static str,
    tx: Q::Tx,
    rx: Q::Rx,
    /// Receive batches with a `try_recv` loop even where the queue has a batch receive.
    loop_only: bool,
}

impl<Q: SyncPeer> Local<Q> {
    fn new(name: &'static str) -> Self {
        let (tx, rx) = Q::pair(CAPACITY);
        Self {
            name,
            tx,
            rx,
            loop_only: false,
        }
    }

    #[inline]
    fn push(&mut self, msg: Msg) -> bool {
        Q::try_send(&self.tx, msg).is_ok()
    }

    #[inline]
    fn pop(&mut self) -> Option<Msg> {
        Q::try_recv(&mut self.rx)
    }

    #[inline]
    fn pop_many(&mut self, buf: &mut Vec<Msg>, limit: usize) -> usize {
        if self.loop_only {
            try_loop::<Q, _>(&mut self.rx, buf, limit)
        } else {
            Q::try_recv_many(&mut self.rx, buf, limit)
        }
    }
}

/// Times `iters` pushes, draining the queue (untimed) whenever it is full.
fn timed_pushes<Q: SyncPeer>(q: &mut Local<Q>, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(CAPACITY as u64);
        let start = Instant::now();
        for seq in 0..n {
            assert!(
                q.push(black_box(Msg::new(0, seq))),
                "{}: full early",
                q.name
            );
        }
        total += start.elapsed();
        for _ in 0..n {
            black_box(q.pop());
        }
        left -= n;
    }
    total
}

/// Fills `q` with `n` messages (untimed).
fn fill<Q: SyncPeer>(q: &mut Local<Q>, n: u64) {
    for seq in 0..n {
        assert!(q.push(Msg::new(0, seq)), "{}: full early", q.name);
    }
}

/// Times `iters` pops, refilling the queue (untimed) whenever it is empty.
fn timed_pops<Q: SyncPeer>(q: &mut Local<Q>, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(CAPACITY as u64);
        fill(q, n);
        let start = Instant::now();
        for _ in 0..n {
            black_box(q.pop().expect("filled above"));
        }
        total += start.elapsed();
        left -= n;
    }
    total
}

/// Times receiving `iters` messages in batches of up to `limit`, refilling the queue (untimed)
/// whenever it is empty.
fn timed_batches<Q: SyncPeer>(
    q: &mut Local<Q>,
    buf: &mut Vec<Msg>,
    limit: usize,
    iters: u64,
) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(CAPACITY as u64);
        fill(q, n);
        let mut got = 0;
        let start = Instant::now();
        while got < n {
            buf.clear();
            let k = q.pop_many(buf, limit);
            assert!(k > 0, "{}: empty early", q.name);
            black_box(&*buf);
            got += k as u64;
        }
        total += start.elapsed();
        left -= n;
    }
    total
}

fn enqueue_one<Q: SyncPeer>(g: &mut BenchmarkGroup<'_, WallTime>, name: &'static str) {
    let mut q = Local::<Q>::new(name);
    g.bench_function(name, |b| b.iter_custom(|iters| timed_pushes(&mut q, iters)));
}

fn dequeue_one<Q: SyncPeer>(g: &mut BenchmarkGroup<'_, WallTime>, name: &'static str) {
    let mut q = Local::<Q>::new(name);
    g.bench_function(name, |b| b.iter_custom(|iters| timed_pops(&mut q, iters)));
}

fn roundtrip_one<Q: SyncPeer>(g: &mut BenchmarkGroup<'_, WallTime>, name: &'static str) {
    let mut q = Local::<Q>::new(name);
    g.bench_function(name, |b| {
        let mut seq = 0;
        b.iter(|| {
            seq += 1;
            assert!(q.push(black_box(Msg::new(0, seq))));
            black_box(q.pop())
        });
    });
}

fn batch_one<Q: SyncPeer>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    name: &'static str,
    loop_only: bool,
    limit: usize,
) {
    let mut q = Local::<Q>::new(name);
    q.loop_only = loop_only;
    let mut buf = Vec::with_capacity(limit);
    g.bench_with_input(BenchmarkId::new(name, limit), &limit, |b, &limit| {
        b.iter_custom(|iters| timed_batches(&mut q, &mut buf, limit, iters))
    });
}

/// Runs `$f::<Q>(args, name)` for every single-thread queue, ryker first.
macro_rules! every_queue {
    ($f:ident($($arg:expr),*)) => {
        $f::<p::RykerRing>($($arg,)* p::RykerRing::NAME);
        $f::<p::Ryker>($($arg,)* "ryker_mailbox_try");
        $f::<p::ArrayQueue>($($arg,)* p::ArrayQueue::NAME);
        $f::<p::ThingBuf>($($arg,)* p::ThingBuf::NAME);
        $f::<p::Thingbuf>($($arg,)* p::Thingbuf::NAME);
        $f::<p::CrossbeamChannel>($($arg,)* p::CrossbeamChannel::NAME);
        $f::<p::TokioMpsc>($($arg,)* p::TokioMpsc::NAME);
        $f::<p::AsyncChannel>($($arg,)* p::AsyncChannel::NAME);
        $f::<p::Flume>($($arg,)* p::Flume::NAME);
        $f::<p::Kanal>($($arg,)* p::Kanal::NAME);
        $f::<p::Crossfire>($($arg,)* p::Crossfire::NAME);
    };
}

/// Enqueue of one 64-byte message into a queue with room.
fn bench_enqueue_64b(c: &mut Criterion) {
    let mut g = c.benchmark_group("bench_enqueue_64b");
    g.throughput(Throughput::Elements(1));
    every_queue!(enqueue_one(&mut g));
    g.finish();
}

/// Dequeue of one 64-byte message from a non-empty queue.
fn bench_dequeue(c: &mut Criterion) {
    let mut g = c.benchmark_group("bench_dequeue");
    g.throughput(Throughput::Elements(1));
    every_queue!(dequeue_one(&mut g));
    g.finish();
}

/// Enqueue immediately followed by dequeue (the queue stays near empty).
fn bench_roundtrip(c: &mut Criterion) {
    let mut g = c.benchmark_group("roundtrip_64b");
    g.throughput(Throughput::Elements(1));
    every_queue!(roundtrip_one(&mut g));
    g.finish();
}

/// Batch receive from a full queue, per message, by batch limit.
fn bench_mailbox_batch(c: &mut Criterion) {
    let mut g = c.benchmark_group("bench_mailbox_batch");
    g.throughput(Throughput::Elements(1));
    for limit in BATCHES {
        batch_one::<p::Ryker>(&mut g, "ryker_mailbox_recv_many", false, limit);
        batch_one::<p::Ryker>(&mut g, "ryker_mailbox_try", true, limit);
        batch_one::<p::TokioMpsc>(&mut g, p::TokioMpsc::NAME, false, limit);
        batch_one::<p::ArrayQueue>(&mut g, p::ArrayQueue::NAME, false, limit);
        batch_one::<p::Thingbuf>(&mut g, p::Thingbuf::NAME, false, limit);
        batch_one::<p::CrossbeamChannel>(&mut g, p::CrossbeamChannel::NAME, false, limit);
        batch_one::<p::AsyncChannel>(&mut g, p::AsyncChannel::NAME, false, limit);
        batch_one::<p::Flume>(&mut g, p::Flume::NAME, false, limit);
        batch_one::<p::Kanal>(&mut g, p::Kanal::NAME, false, limit);
        batch_one::<p::Crossfire>(&mut g, p::Crossfire::NAME, false, limit);
    }
    g.finish();
}

fn config() -> Criterion {
    let plan = Plan::from_env();
    Criterion::default()
        .warm_up_time(plan.warm_up)
        .measurement_time(plan.measurement)
        .sample_size(plan.samples.max(20))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_enqueue_64b, bench_dequeue, bench_roundtrip, bench_mailbox_batch
}
criterion_main!(benches);
