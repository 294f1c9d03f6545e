//! tell → handle: one producer, one no-op consumer, 64-byte messages, capacity 512.
//!
//! Each Criterion iteration sends `TELL_BATCH` messages and ends when the consumer has handled
//! the last of them (the consumer counts and notifies; see `ryker_benches::actors`). The
//! consumer is spawned once per contender, not per iteration. Throughput is per message.
//!
//! Groups, each timing ryker against its peers in the same run:
//! - `actor_tell_64b/tokio_mt2`: a producer task on a 2-worker tokio runtime; ryker's
//!   `Addr::tell` vs `tokio::sync::mpsc` vs `kanal::bounded_async`, each feeding a task.
//! - `actor_tell_64b/smol_2thr`: the same on a smol `Executor` run by 2 threads; ryker vs
//!   tokio mpsc (runtime-agnostic) vs `async_channel::bounded` vs kanal.
//! - `actor_tell_64b/tokio_ct`: a tokio current-thread runtime on one thread of its own, so
//!   producer and consumer share it and the time per message is its CPU cost, without
//!   cross-thread wake-ups; ryker vs tokio mpsc vs kanal.
//! - `actor_tell_64b/std_thread`: the producer is a plain thread outside the runtime (the
//!   consumer on the 2-worker tokio runtime); ryker `try_tell` (spin while full) and
//!   `tell_blocking` vs tokio mpsc `try_send` and `blocking_send`.
//!
//! `cargo bench -p ryker-benches --bench actor`; the table with ratios, latency, amnesia and
//! span cost is `--bench actor_report`.

#![allow(missing_docs)] // criterion_group! generates undocumented public functions

use std::sync::Arc;
use std::time::Duration;

use bench_support::exec::{Exec, Smol2, TokioCt, TokioMt2};
use bench_support::sync::{self, SyncProducer};
use bench_support::tasks::{AsyncChannel, AsyncPeer, Kanal, Producer, TokioMpsc};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use ryker_benches::actors::{self, burst, burst_from_thread, Count, Pipe, SyncSend, TELL_BATCH};
use ryker_core::prelude::ActorConfig;
use tokio::sync::Notify;

/// Benches one contender whose consumer is already running, then stops it.
fn one<E: Exec, T: Producer<bench_support::Msg>>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    exec: &E,
    (pipe, done): (Pipe<T, ()>, Arc<Notify>),
) {
    g.bench_function(name, |b| {
        b.iter_custom(|iters| burst(exec, &pipe.tx, &done, TELL_BATCH, iters));
    });
    pipe.finish();
}

/// As [`one`], with the bench thread itself as a plain-thread producer.
fn one_sync<T: SyncProducer<bench_support::Msg>>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    how: SyncSend,
    (pipe, done): (Pipe<T, ()>, Arc<Notify>),
) {
    g.bench_function(name, |b| {
        b.iter_custom(|iters| burst_from_thread(&pipe.tx, &done, TELL_BATCH, iters, how));
    });
    pipe.finish();
}

/// As [`one`], for the peer channel `Q` feeding a task, under its name (`tokio_mpsc`, `kanal`,
/// `async_channel`).
fn peer<E: Exec, Q: AsyncPeer>(g: &mut BenchmarkGroup<'_, WallTime>, exec: &E) {
    one(
        g,
        Q::NAME,
        exec,
        counted(|w| actors::peer::<Q, _, _>(exec, w)),
    );
}

fn counted<T>(spawn: impl FnOnce(Count) -> Pipe<T, ()>) -> (Pipe<T, ()>, Arc<Notify>) {
    let (count, done) = Count::new(TELL_BATCH);
    (spawn(count), done)
}

fn bench_tokio(c: &mut Criterion) {
    let exec = TokioMt2::new();
    let mut g = c.benchmark_group(format!("actor_tell_64b/{}", TokioMt2::NAME));
    g.throughput(Throughput::Elements(TELL_BATCH));
    one(
        &mut g,
        "ryker",
        &exec,
        counted(|w| actors::ryker(&exec, ActorConfig::default(), w)),
    );
    peer::<_, TokioMpsc>(&mut g, &exec);
    peer::<_, Kanal>(&mut g, &exec);
    g.finish();
}

fn bench_smol(c: &mut Criterion) {
    let exec = Smol2::new();
    let mut g = c.benchmark_group(format!("actor_tell_64b/{}", Smol2::NAME));
    g.throughput(Throughput::Elements(TELL_BATCH));
    one(
        &mut g,
        "ryker",
        &exec,
        counted(|w| actors::ryker(&exec, ActorConfig::default(), w)),
    );
    peer::<_, TokioMpsc>(&mut g, &exec);
    peer::<_, AsyncChannel>(&mut g, &exec);
    peer::<_, Kanal>(&mut g, &exec);
    g.finish();
}

fn bench_tokio_ct(c: &mut Criterion) {
    let exec = TokioCt::new();
    let mut g = c.benchmark_group(format!("actor_tell_64b/{}", TokioCt::NAME));
    g.throughput(Throughput::Elements(TELL_BATCH));
    one(
        &mut g,
        "ryker",
        &exec,
        counted(|w| actors::ryker(&exec, ActorConfig::default(), w)),
    );
    peer::<_, TokioMpsc>(&mut g, &exec);
    peer::<_, Kanal>(&mut g, &exec);
    g.finish();
}

fn bench_std_thread(c: &mut Criterion) {
    let exec = TokioMt2::new();
    let mut g = c.benchmark_group("actor_tell_64b/std_thread");
    g.throughput(Throughput::Elements(TELL_BATCH));
    let ryker = || counted(|w| actors::ryker(&exec, ActorConfig::default(), w));
    let tokio =
        || counted(|w| actors::peer_from_thread::<TokioMpsc, sync::TokioMpsc, _, _>(&exec, w));
    one_sync(&mut g, "ryker_try_tell", SyncSend::Try, ryker());
    one_sync(&mut g, "ryker_tell_blocking", SyncSend::Blocking, ryker());
    one_sync(&mut g, "tokio_mpsc_try_send", SyncSend::Try, tokio());
    one_sync(
        &mut g,
        "tokio_mpsc_blocking_send",
        SyncSend::Blocking,
        tokio(),
    );
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    targets = bench_tokio, bench_smol, bench_tokio_ct, bench_std_thread
}
criterion_main!(benches);
