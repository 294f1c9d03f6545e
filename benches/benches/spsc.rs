//! One producer, one consumer, 64-byte messages, capacity 512 and 4096, in four contexts, each
//! its own group with every peer side by side (`BenchmarkId` = `peer/capacity`):
//!
//! - `spsc_64b/sync`: two plain threads (see `ryker_benches::run`): ryker's `Ring` (spinning)
//!   and mailbox (`send_blocking` with `recv_blocking`, or `recv_many_blocking`),
//!   `crossbeam_queue::ArrayQueue` and `thingbuf::ThingBuf` (spinning), `thingbuf::mpsc::blocking`,
//!   kanal, crossbeam-channel, `tokio::sync::mpsc` (`blocking_send`/`blocking_recv`),
//!   async-channel and flume;
//! - `spsc_64b/tokio_ct`, `spsc_64b/tokio_mt2`, `spsc_64b/smol_2thr`: a producer task and a
//!   consumer task (see `ryker_benches::tasks::run`) on a tokio current-thread runtime, a tokio
//!   runtime with 2 workers, or a smol `Executor` run by 2 threads: ryker's mailbox, tokio mpsc,
//!   async-channel, flume, kanal and `thingbuf::mpsc`, each consumer taking up to 64 messages
//!   per wake-up.
//!
//! Each sample times moving `iters * per_iter` messages (100 000 per iteration; 10 000 with
//! `RYKER_BENCH_QUICK=1`); throughput is reported per message.

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

fn group<'a>(c: &'a mut Criterion, context: &str, plan: Plan) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(format!("spsc_64b/{context}"));
    g.throughput(Throughput::Elements(plan.per_iter));
    // One iteration moves many messages: equal iteration counts per sample, not a ramp.
    g.sampling_mode(SamplingMode::Flat);
    g
}

/// `Q` with one receive per message.
fn one<Q: SyncPeer>(g: &mut BenchmarkGroup<'_, WallTime>, plan: Plan, capacity: usize) {
    timed::<Q>(g, Q::NAME, plan, capacity, 1);
}

/// ryker's mailbox with `recv_many_blocking` (up to [`RECV_LIMIT`] per call).
fn one_many(g: &mut BenchmarkGroup<'_, WallTime>, plan: Plan, capacity: usize) {
    timed::<p::Ryker>(g, "ryker_mailbox_many", plan, capacity, RECV_LIMIT);
}

fn timed<Q: SyncPeer>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    plan: Plan,
    capacity: usize,
    limit: usize,
) {
    g.bench_with_input(
        BenchmarkId::new(name, capacity),
        &capacity,
        |b, &capacity| {
            b.iter_custom(|iters| run::<Q>(capacity, 1, iters * plan.per_iter, limit));
        },
    );
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
            b.iter_custom(|iters| tasks::run::<E, Q>(exec, capacity, 1, iters * plan.per_iter));
        },
    );
}

fn bench_sync(c: &mut Criterion) {
    let plan = Plan::from_env();
    let mut g = group(c, "sync", plan);
    for capacity in CAPACITIES {
        one::<p::RykerRing>(&mut g, plan, capacity);
        one::<p::Ryker>(&mut g, plan, capacity);
        one_many(&mut g, plan, capacity);
        one::<p::ArrayQueue>(&mut g, plan, capacity);
        one::<p::ThingBuf>(&mut g, plan, capacity);
        one::<p::Thingbuf>(&mut g, plan, capacity);
        one::<p::Kanal>(&mut g, plan, capacity);
        one::<p::CrossbeamChannel>(&mut g, plan, capacity);
        one::<p::TokioMpsc>(&mut g, plan, capacity);
        one::<p::AsyncChannel>(&mut g, plan, capacity);
        one::<p::Flume>(&mut g, plan, capacity);
        one::<p::Crossfire>(&mut g, plan, capacity);
    }
    g.finish();
}

fn tasks_on<E: Exec>(c: &mut Criterion, exec: &E) {
    let plan = Plan::from_env();
    let mut g = group(c, E::NAME, plan);
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

fn bench_tokio_ct(c: &mut Criterion) {
    tasks_on(c, &TokioCt::new());
}

fn bench_tokio_mt2(c: &mut Criterion) {
    tasks_on(c, &TokioMt2::new());
}

fn bench_smol(c: &mut Criterion) {
    tasks_on(c, &Smol2::new());
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
    targets = bench_sync, bench_tokio_ct, bench_tokio_mt2, bench_smol
}
criterion_main!(benches);
