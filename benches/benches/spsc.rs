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

mod common;

use bench_support::exec::{Smol2, TokioCt, TokioMt2};
use common::{config, every_sync_peer, every_task_peer, group};
use criterion::{criterion_group, criterion_main, Criterion};
use ryker_benches::Plan;

fn bench_sync(c: &mut Criterion) {
    let plan = Plan::from_env();
    let mut g = group(c, "spsc_64b/sync", plan);
    every_sync_peer(&mut g, plan, 1);
    g.finish();
}

fn bench_tokio_ct(c: &mut Criterion) {
    every_task_peer(c, "spsc_64b", &TokioCt::new(), 1);
}

fn bench_tokio_mt2(c: &mut Criterion) {
    every_task_peer(c, "spsc_64b", &TokioMt2::new(), 1);
}

fn bench_smol(c: &mut Criterion) {
    every_task_peer(c, "spsc_64b", &Smol2::new(), 1);
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_sync, bench_tokio_ct, bench_tokio_mt2, bench_smol
}
criterion_main!(benches);
