//! Single-thread cost of moving one 64-byte message, every queue at capacity 512:
//!
//! - `bench_enqueue_64b`: one enqueue into a queue with room;
//! - `bench_dequeue`: one dequeue from a non-empty queue;
//! - `roundtrip_64b`: an enqueue immediately followed by a dequeue;
//! - `bench_mailbox_batch/{1,8,32,64}`: per message, draining a full queue in batches of up to
//!   that many: ryker's `poll_recv_many` and tokio's `poll_recv_many` (each polled once with a
//!   no-op waker: what `recv_many(limit).await` does when messages are ready), against a loop
//!   of `try_recv`/`pop` up to the limit for every other queue (and for ryker, for reference).
//!
//! Peers: ryker's `Ring` and mailbox (`try_send`/`try_recv`), `crossbeam_queue::ArrayQueue`,
//! `thingbuf::ThingBuf` and `thingbuf::mpsc::blocking`, crossbeam-channel, `tokio::sync::mpsc`,
//! async-channel, flume and kanal (every channel through its non-blocking `try_*` calls).
//!
//! Enqueue, dequeue and batch receive are timed in runs of at most one capacity's worth of
//! operations; the opposite operation that makes room (or supplies messages) runs outside the
//! clock.

#![allow(missing_docs)] // criterion_group! generates undocumented public functions

use std::hint::black_box;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use bench_support::Msg;
use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput,
};
use ryker_benches::Plan;
use ryker_core::mailbox::{Receiver, Sender};
use ryker_core::ring::Ring;

const CAPACITY: usize = 512;

/// Batch limits of `bench_mailbox_batch`.
const BATCHES: [usize; 4] = [1, 8, 32, 64];

/// One queue, used from one thread.
trait Local {
    const NAME: &'static str;
    fn new(capacity: usize) -> Self;
    fn push(&mut self, msg: Msg) -> bool;
    fn pop(&mut self) -> Option<Msg>;

    /// Appends up to `limit` ready messages to `buf`; returns how many. The default is the
    /// `try_recv` loop; queues with a batch receive override it.
    #[inline]
    fn pop_many(&mut self, buf: &mut Vec<Msg>, limit: usize) -> usize {
        let mut n = 0;
        while n < limit {
            let Some(msg) = self.pop() else { break };
            buf.push(msg);
            n += 1;
        }
        n
    }
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
        bench_support::sync::ryker_mailbox(capacity)
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

/// ryker's mailbox receiving with `poll_recv_many` (the batch group only).
struct RykerRecvMany(Sender<Msg>, Receiver<Msg>);

impl Local for RykerRecvMany {
    const NAME: &'static str = "ryker_mailbox_recv_many";
    fn new(capacity: usize) -> Self {
        let (tx, rx) = bench_support::sync::ryker_mailbox(capacity);
        Self(tx, rx)
    }
    #[inline]
    fn push(&mut self, msg: Msg) -> bool {
        self.0.try_send(msg).is_ok()
    }
    #[inline]
    fn pop(&mut self) -> Option<Msg> {
        self.1.try_recv().ok()
    }
    #[inline]
    fn pop_many(&mut self, buf: &mut Vec<Msg>, limit: usize) -> usize {
        let mut cx = Context::from_waker(Waker::noop());
        match self.1.poll_recv_many(&mut cx, buf, limit) {
            Poll::Ready(n) => n,
            Poll::Pending => 0,
        }
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

impl Local for thingbuf::ThingBuf<Msg> {
    const NAME: &'static str = "thingbuf";
    fn new(capacity: usize) -> Self {
        Self::new(capacity)
    }
    #[inline]
    fn push(&mut self, msg: Msg) -> bool {
        thingbuf::ThingBuf::push(self, msg).is_ok()
    }
    #[inline]
    fn pop(&mut self) -> Option<Msg> {
        thingbuf::ThingBuf::pop(self)
    }
}

impl Local
    for (
        thingbuf::mpsc::blocking::Sender<Msg>,
        thingbuf::mpsc::blocking::Receiver<Msg>,
    )
{
    const NAME: &'static str = "thingbuf_mpsc_blocking";
    fn new(capacity: usize) -> Self {
        thingbuf::mpsc::blocking::channel(capacity)
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

impl Local
    for (
        crossbeam_channel::Sender<Msg>,
        crossbeam_channel::Receiver<Msg>,
    )
{
    const NAME: &'static str = "crossbeam_channel";
    fn new(capacity: usize) -> Self {
        crossbeam_channel::bounded(capacity)
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

impl Local
    for (
        tokio::sync::mpsc::Sender<Msg>,
        tokio::sync::mpsc::Receiver<Msg>,
    )
{
    const NAME: &'static str = "tokio_mpsc";
    fn new(capacity: usize) -> Self {
        tokio::sync::mpsc::channel(capacity)
    }
    #[inline]
    fn push(&mut self, msg: Msg) -> bool {
        self.0.try_send(msg).is_ok()
    }
    #[inline]
    fn pop(&mut self) -> Option<Msg> {
        self.1.try_recv().ok()
    }
    /// tokio's `poll_recv_many`, polled once with a no-op waker (outside a runtime, so tokio's
    /// cooperative budget never forces a yield).
    #[inline]
    fn pop_many(&mut self, buf: &mut Vec<Msg>, limit: usize) -> usize {
        let mut cx = Context::from_waker(Waker::noop());
        match self.1.poll_recv_many(&mut cx, buf, limit) {
            Poll::Ready(n) => n,
            Poll::Pending => 0,
        }
    }
}

impl Local for (async_channel::Sender<Msg>, async_channel::Receiver<Msg>) {
    const NAME: &'static str = "async_channel";
    fn new(capacity: usize) -> Self {
        async_channel::bounded(capacity)
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

impl Local for (flume::Sender<Msg>, flume::Receiver<Msg>) {
    const NAME: &'static str = "flume";
    fn new(capacity: usize) -> Self {
        flume::bounded(capacity)
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

impl Local for (kanal::Sender<Msg>, kanal::Receiver<Msg>) {
    const NAME: &'static str = "kanal";
    fn new(capacity: usize) -> Self {
        kanal::bounded(capacity)
    }
    /// kanal's `try_send` reports a full queue as `Ok(false)` (the message is dropped); the
    /// benches only push into a queue with room.
    #[inline]
    fn push(&mut self, msg: Msg) -> bool {
        self.0.try_send(msg).unwrap_or(false)
    }
    #[inline]
    fn pop(&mut self) -> Option<Msg> {
        self.1.try_recv().ok().flatten()
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
            assert!(
                q.push(black_box(Msg::new(0, seq))),
                "{}: full early",
                L::NAME
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
fn fill<L: Local>(q: &mut L, n: u64) {
    for seq in 0..n {
        assert!(q.push(Msg::new(0, seq)), "{}: full early", L::NAME);
    }
}

/// Times `iters` pops, refilling the queue (untimed) whenever it is empty.
fn timed_pops<L: Local>(q: &mut L, iters: u64) -> Duration {
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
fn timed_batches<L: Local>(q: &mut L, buf: &mut Vec<Msg>, limit: usize, iters: u64) -> Duration {
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
            assert!(k > 0, "{}: empty early", L::NAME);
            black_box(&*buf);
            got += k as u64;
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
            assert!(q.push(black_box(Msg::new(0, seq))));
            black_box(q.pop())
        });
    });
}

fn batch_one<L: Local>(g: &mut BenchmarkGroup<'_, WallTime>, limit: usize) {
    let mut q = L::new(CAPACITY);
    let mut buf = Vec::with_capacity(limit);
    g.bench_with_input(BenchmarkId::new(L::NAME, limit), &limit, |b, &limit| {
        b.iter_custom(|iters| timed_batches(&mut q, &mut buf, limit, iters))
    });
}

type RykerMailbox = (Sender<Msg>, Receiver<Msg>);
type ThingbufMpsc = (
    thingbuf::mpsc::blocking::Sender<Msg>,
    thingbuf::mpsc::blocking::Receiver<Msg>,
);
type CrossbeamChannel = (
    crossbeam_channel::Sender<Msg>,
    crossbeam_channel::Receiver<Msg>,
);
type TokioMpsc = (
    tokio::sync::mpsc::Sender<Msg>,
    tokio::sync::mpsc::Receiver<Msg>,
);
type AsyncChannel = (async_channel::Sender<Msg>, async_channel::Receiver<Msg>);
type Flume = (flume::Sender<Msg>, flume::Receiver<Msg>);
type Kanal = (kanal::Sender<Msg>, kanal::Receiver<Msg>);

/// Runs `$f::<Q>(args)` for every single-thread queue, ryker first.
macro_rules! every_queue {
    ($f:ident($($arg:expr),*)) => {
        $f::<Ring<Msg>>($($arg),*);
        $f::<RykerMailbox>($($arg),*);
        $f::<crossbeam_queue::ArrayQueue<Msg>>($($arg),*);
        $f::<thingbuf::ThingBuf<Msg>>($($arg),*);
        $f::<ThingbufMpsc>($($arg),*);
        $f::<CrossbeamChannel>($($arg),*);
        $f::<TokioMpsc>($($arg),*);
        $f::<AsyncChannel>($($arg),*);
        $f::<Flume>($($arg),*);
        $f::<Kanal>($($arg),*);
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
        batch_one::<RykerRecvMany>(&mut g, limit);
        batch_one::<RykerMailbox>(&mut g, limit);
        batch_one::<TokioMpsc>(&mut g, limit);
        batch_one::<crossbeam_queue::ArrayQueue<Msg>>(&mut g, limit);
        batch_one::<ThingbufMpsc>(&mut g, limit);
        batch_one::<CrossbeamChannel>(&mut g, limit);
        batch_one::<AsyncChannel>(&mut g, limit);
        batch_one::<Flume>(&mut g, limit);
        batch_one::<Kanal>(&mut g, limit);
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
