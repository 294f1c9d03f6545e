//! Many producers into one consumer, 64-byte messages.
//!
//! - `mpsc4_64b/{sync,tokio_ct,tokio_mt2,smol_2thr}`: 4 producers, capacity 512 and 4096
//!   (`BenchmarkId` = `peer/capacity`), with the peers and contexts of the `spsc` bench:
//!   plain threads (`ryker_benches::run`) or tasks (`ryker_benches::tasks::run`) on a tokio
//!   current-thread runtime, a tokio runtime with 2 workers, or a smol `Executor` on 2 threads.
//! - `mpsc_64b_cap512`: 1, 2, 4, 8 and 16 producer threads at capacity 512 (`peer/producers`),
//!   plain threads only.
//!
//! Each sample times moving `iters * per_iter` messages in total (100 000 per iteration; 10 000
//! with `RYKER_BENCH_QUICK=1`), split evenly over the producers; throughput is per message.

#![allow(missing_docs)] // criterion_group! generates undocumented public functions

use bench_support::exec::{Exec, Smol2, TokioCt, TokioMt2};
use bench_support::sync::{self as p, SyncPeer};
use bench_support::tasks::{self as t, AsyncPeer};
use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode,
    Throughput,
};
use ryker_benches::{run, tasks, Plan, RECV_LIMIT};

const CAPACITIES: [usize; 2] = [512, 4096];
const PRODUCERS: usize = 4;

fn group<'a>(c: &'a mut Criterion, name: &str, plan: Plan) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(plan.per_iter));
    // One iteration moves many messages: equal iteration counts per sample, not a ramp.
    g.sampling_mode(SamplingMode::Flat);
    g
}

/// `Q` with one receive per message.
fn one<Q: SyncPeer>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    plan: Plan,
    capacity: usize,
    producers: usize,
    param: usize,
) {
    timed::<Q>(g, Q::NAME, plan, (capacity, producers, param), 1);
}

/// ryker's mailbox with `recv_many_blocking` (up to [`RECV_LIMIT`] per call).
fn one_many(
    g: &mut BenchmarkGroup<'_, WallTime>,
    plan: Plan,
    capacity: usize,
    producers: usize,
    param: usize,
) {
    let (name, shape) = ("ryker_mailbox_many", (capacity, producers, param));
    timed::<p::Ryker>(g, name, plan, shape, RECV_LIMIT);
}

fn timed<Q: SyncPeer>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    plan: Plan,
    (capacity, producers, param): (usize, usize, usize),
    limit: usize,
) {
    g.bench_with_input(BenchmarkId::new(name, param), &param, |b, _| {
        b.iter_custom(|iters| run::<Q>(capacity, producers, iters * plan.per_iter, limit));
    });
}

fn one_task<E: Exec, Q: AsyncPeer>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    exec: &E,
    plan: Plan,
    capacity: usize,
) {
    g.bench_with_input(
        BenchmarkId::new(Q::NAME, capacity),
        &capacity,
        |b, &capacity| {
            b.iter_custom(|iters| {
                tasks::run::<E, Q>(exec, capacity, PRODUCERS, iters * plan.per_iter)
            });
        },
    );
}

fn bench_mpsc4_sync(c: &mut Criterion) {
    let plan = Plan::from_env();
    let mut g = group(c, "mpsc4_64b/sync", plan);
    for cap in CAPACITIES {
        one::<p::RykerRing>(&mut g, plan, cap, PRODUCERS, cap);
        one::<p::Ryker>(&mut g, plan, cap, PRODUCERS, cap);
        one_many(&mut g, plan, cap, PRODUCERS, cap);
        one::<p::ArrayQueue>(&mut g, plan, cap, PRODUCERS, cap);
        one::<p::ThingBuf>(&mut g, plan, cap, PRODUCERS, cap);
        one::<p::Thingbuf>(&mut g, plan, cap, PRODUCERS, cap);
        one::<p::Kanal>(&mut g, plan, cap, PRODUCERS, cap);
        one::<p::CrossbeamChannel>(&mut g, plan, cap, PRODUCERS, cap);
        one::<p::TokioMpsc>(&mut g, plan, cap, PRODUCERS, cap);
        one::<p::AsyncChannel>(&mut g, plan, cap, PRODUCERS, cap);
        one::<p::Flume>(&mut g, plan, cap, PRODUCERS, cap);
        one::<p::Crossfire>(&mut g, plan, cap, PRODUCERS, cap);
    }
    g.finish();
}

fn tasks_on<E: Exec>(c: &mut Criterion, exec: &E) {
    let plan = Plan::from_env();
    let mut g = group(c, &format!("mpsc4_64b/{}", E::NAME), plan);
    for capacity in CAPACITIES {
        one_task::<E, t::Ryker>(&mut g, exec, plan, capacity);
        one_task::<E, t::TokioMpsc>(&mut g, exec, plan, capacity);
        one_task::<E, t::AsyncChannel>(&mut g, exec, plan, capacity);
        one_task::<E, t::Flume>(&mut g, exec, plan, capacity);
        one_task::<E, t::Kanal>(&mut g, exec, plan, capacity);
        one_task::<E, t::Thingbuf>(&mut g, exec, plan, capacity);
        one_task::<E, t::Crossfire>(&mut g, exec, plan, capacity);
    }
    g.finish();
}

fn bench_mpsc4_tokio_ct(c: &mut Criterion) {
    tasks_on(c, &TokioCt::new());
}

fn bench_mpsc4_tokio_mt2(c: &mut Criterion) {
    tasks_on(c, &TokioMt2::new());
}

fn bench_mpsc4_smol(c: &mut Criterion) {
    tasks_on(c, &Smol2::new());
}

/// Producer scaling at capacity 512, plain threads.
fn bench_mpsc_scaling(c: &mut Criterion) {
    const CAPACITY: usize = 512;
    let plan = Plan::from_env();
    let mut g = group(c, "mpsc_64b_cap512", plan);
    for producers in [1, 2, 4, 8, 16] {
        one::<p::Ryker>(&mut g, plan, CAPACITY, producers, producers);
        one_many(&mut g, plan, CAPACITY, producers, producers);
        one::<p::ArrayQueue>(&mut g, plan, CAPACITY, producers, producers);
        one::<p::CrossbeamChannel>(&mut g, plan, CAPACITY, producers, producers);
        one::<p::TokioMpsc>(&mut g, plan, CAPACITY, producers, producers);
        one::<p::Kanal>(&mut g, plan, CAPACITY, producers, producers);
        one::<p::Crossfire>(&mut g, plan, CAPACITY, producers, producers);
    }
    g.finish();
}

fn config() -> Criterion {
    let plan = Plan::from_env();
    Criterion::default()
        .warm_up_time(plan.warm_up)
        .measurement_time(plan.measurement)
        .sample_size(plan.samples)
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_mpsc4_sync, bench_mpsc4_tokio_ct, bench_mpsc4_tokio_mt2, bench_mpsc4_smol,
        bench_mpsc_scaling
}
criterion_main!(benches);
