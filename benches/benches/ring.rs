//! Single-thread cost of moving one 64-byte message: enqueue alone, dequeue alone, and an
//! enqueue+dequeue round trip, on ryker's `Ring`, ryker's mailbox (`try_send`/`try_recv`) and
//! `crossbeam_queue::ArrayQueue`, all at capacity 512.
//!
//! Enqueue and dequeue are timed in runs of at most one capacity's worth of operations; the
//! opposite operation that makes room (or supplies messages) runs outside the clock.

#![allow(missing_docs)] // criterion_group! generates undocumented public functions

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use ryker_benches::Msg;
use ryker_core::mailbox::{Receiver, Sender};
use ryker_core::ring::Ring;

const CAPACITY: usize = 512;

/// One queue, used from one thread.
trait Local {
    const NAME: &'static str;
    fn new(capacity: usize) -> Self;
    fn push(&mut self, msg: Msg) -> bool;
    fn pop(&mut self) -> Option<Msg>;
}

impl Local for Ring<Msg> {
    const NAME: &'static str = "ryker_ring";
    fn new(capacity: usize) -> Self {
        Ring::with_capacity(capacity).expect("valid capacity")
    }
    #[inline]
    fn push(&mut self, msg: Msg) -> bool {
        self.try_push(msg).is_ok()
    }
    #[inline]
    fn pop(&mut self) -> Option<Msg> {
        self.try_pop()
    }
}

impl Local for (Sender<Msg>, Receiver<Msg>) {
    const NAME: &'static str = "ryker_mailbox_try";
    fn new(capacity: usize) -> Self {
        ryker_benches::ryker_mailbox(capacity)
    }
    #[inline]
    fn push(&mut self, msg: Msg) -> bool {
        self.0.try_send(msg).is_ok()
    }
    #[inline]
    fn pop(&mut self) -> Option<Msg> {
        self.1.try_recv().ok()
    }
}

impl Local for crossbeam_queue::ArrayQueue<Msg> {
    const NAME: &'static str = "crossbeam_array_queue";
    fn new(capacity: usize) -> Self {
        Self::new(capacity)
    }
    #[inline]
    fn push(&mut self, msg: Msg) -> bool {
        crossbeam_queue::ArrayQueue::push(self, msg).is_ok()
    }
    #[inline]
    fn pop(&mut self) -> Option<Msg> {
        crossbeam_queue::ArrayQueue::pop(self)
    }
}

/// Times `iters` pushes, draining the queue (untimed) whenever it is full.
fn timed_pushes<L: Local>(q: &mut L, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(CAPACITY as u64);
        let start = Instant::now();
        for seq in 0..n {
            assert!(q.push(black_box(Msg::new(seq))), "{}: full early", L::NAME);
        }
        total += start.elapsed();
        for _ in 0..n {
            black_box(q.pop());
        }
        left -= n;
    }
    total
}

/// Times `iters` pops, refilling the queue (untimed) whenever it is empty.
fn timed_pops<L: Local>(q: &mut L, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(CAPACITY as u64);
        for seq in 0..n {
            assert!(q.push(Msg::new(seq)), "{}: full early", L::NAME);
        }
        let start = Instant::now();
        for _ in 0..n {
            black_box(q.pop().expect("filled above"));
        }
        total += start.elapsed();
        left -= n;
    }
    total
}

fn enqueue_one<L: Local>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let mut q = L::new(CAPACITY);
    g.bench_function(L::NAME, |b| {
        b.iter_custom(|iters| timed_pushes(&mut q, iters))
    });
}

fn dequeue_one<L: Local>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let mut q = L::new(CAPACITY);
    g.bench_function(L::NAME, |b| {
        b.iter_custom(|iters| timed_pops(&mut q, iters))
    });
}

fn roundtrip_one<L: Local>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let mut q = L::new(CAPACITY);
    g.bench_function(L::NAME, |b| {
        let mut seq = 0;
        b.iter(|| {
            seq += 1;
            assert!(q.push(black_box(Msg::new(seq))));
            black_box(q.pop())
        });
    });
}

/// Enqueue of one 64-byte message into a queue with room.
fn bench_enqueue_64b(c: &mut Criterion) {
    let mut g = c.benchmark_group("enqueue_64b");
    g.throughput(Throughput::Elements(1));
    enqueue_one::<Ring<Msg>>(&mut g);
    enqueue_one::<(Sender<Msg>, Receiver<Msg>)>(&mut g);
    enqueue_one::<crossbeam_queue::ArrayQueue<Msg>>(&mut g);
    g.finish();
}

/// Dequeue of one 64-byte message from a non-empty queue.
fn bench_dequeue(c: &mut Criterion) {
    let mut g = c.benchmark_group("dequeue_64b");
    g.throughput(Throughput::Elements(1));
    dequeue_one::<Ring<Msg>>(&mut g);
    dequeue_one::<(Sender<Msg>, Receiver<Msg>)>(&mut g);
    dequeue_one::<crossbeam_queue::ArrayQueue<Msg>>(&mut g);
    g.finish();
}

/// Enqueue immediately followed by dequeue (the queue stays near empty).
fn bench_roundtrip(c: &mut Criterion) {
    let mut g = c.benchmark_group("roundtrip_64b");
    g.throughput(Throughput::Elements(1));
    roundtrip_one::<Ring<Msg>>(&mut g);
    roundtrip_one::<(Sender<Msg>, Receiver<Msg>)>(&mut g);
    roundtrip_one::<crossbeam_queue::ArrayQueue<Msg>>(&mut g);
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = bench_enqueue_64b, bench_dequeue, bench_roundtrip
}
criterion_main!(benches);
