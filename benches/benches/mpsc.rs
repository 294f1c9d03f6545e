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

mod common;

use bench_support::exec::{Smol2, TokioCt, TokioMt2};
use bench_support::sync as p;
use common::{config, every_sync_peer, every_task_peer, group, one, one_many};
use criterion::{criterion_group, criterion_main, Criterion};
use ryker_benches::Plan;

const PRODUCERS: usize = 4;

fn bench_mpsc4_sync(c: &mut Criterion) {
    let plan = Plan::from_env();
    let mut g = group(c, "mpsc4_64b/sync", plan);
    every_sync_peer(&mut g, plan, PRODUCERS);
    g.finish();
}

fn bench_mpsc4_tokio_ct(c: &mut Criterion) {
    every_task_peer(c, "mpsc4_64b", &TokioCt::new(), PRODUCERS);
}

fn bench_mpsc4_tokio_mt2(c: &mut Criterion) {
    every_task_peer(c, "mpsc4_64b", &TokioMt2::new(), PRODUCERS);
}

fn bench_mpsc4_smol(c: &mut Criterion) {
    every_task_peer(c, "mpsc4_64b", &Smol2::new(), PRODUCERS);
}

/// Producer scaling at capacity 512, plain threads (id `peer/producers`).
fn bench_mpsc_scaling(c: &mut Criterion) {
    const CAPACITY: usize = 512;
    let plan = Plan::from_env();
    let mut g = group(c, "mpsc_64b_cap512", plan);
    for producers in [1, 2, 4, 8, 16] {
        let shape = (CAPACITY, producers, producers);
        one::<p::Ryker>(&mut g, plan, shape);
        one_many(&mut g, plan, shape);
        one::<p::ArrayQueue>(&mut g, plan, shape);
        one::<p::CrossbeamChannel>(&mut g, plan, shape);
        one::<p::TokioMpsc>(&mut g, plan, shape);
        one::<p::Kanal>(&mut g, plan, shape);
        one::<p::Crossfire>(&mut g, plan, shape);
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_mpsc4_sync, bench_mpsc4_tokio_ct, bench_mpsc4_tokio_mt2, bench_mpsc4_smol,
        bench_mpsc_scaling
}
criterion_main!(benches);
