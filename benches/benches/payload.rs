//! `payload_bytes`: what carrying a payload costs through a ryker mailbox (one producer thread,
//! one consumer thread, capacity 512), by how the message carries it, at 64 bytes and 1 KiB
//! (`BenchmarkId` = `kind/size`):
//!
//! - `inline`: the bytes moved by value (at 64 bytes the benchmark's `Msg`, at 1 KiB a
//!   `[u8; 1024]`);
//! - `vec_fresh`: a `Vec<u8>` allocated by the producer per message and freed by the consumer;
//! - `bytes_fresh`: `Bytes::copy_from_slice` per message (the same allocation, as `Bytes`);
//! - `bytes_pooled`: `bytes::Bytes` cut with `split_to(n).freeze()` from a ring of reused
//!   `BytesMut` blocks (1 MiB in all; see `ryker_benches::payload::BytesPool`): no allocation
//!   per message, but one shared reference count per block that the producer increments and
//!   the consumer decrements for every message.
//!
//! The figure behind "favour `Bytes` and pooled buffers": `bytes_pooled` against `bytes_fresh`
//! and `vec_fresh` is the allocator's share of a message, and `inline` at 1 KiB shows what
//! moving a large value through the ring's slots costs. Throughput is per message.

#![allow(missing_docs)] // criterion_group! generates undocumented public functions

use bench_support::Msg;
use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode,
    Throughput,
};
use ryker_benches::payload::{self, FreshBytes, FreshVec, Inline, Payload, PooledBytes};
use ryker_benches::Plan;

fn one<P: Payload>(g: &mut BenchmarkGroup<'_, WallTime>, plan: Plan, size: usize) {
    g.bench_with_input(BenchmarkId::new(P::NAME, size), &size, |b, &size| {
        b.iter_custom(|iters| payload::run::<P>(size, iters * plan.per_iter));
    });
}

fn bench_payload(c: &mut Criterion) {
    let plan = Plan::from_env();
    let mut g = c.benchmark_group("payload_bytes");
    g.throughput(Throughput::Elements(plan.per_iter));
    g.sampling_mode(SamplingMode::Flat);
    one::<Msg>(&mut g, plan, 64);
    one::<FreshVec>(&mut g, plan, 64);
    one::<FreshBytes>(&mut g, plan, 64);
    one::<PooledBytes>(&mut g, plan, 64);
    one::<Inline<1024>>(&mut g, plan, 1024);
    one::<FreshVec>(&mut g, plan, 1024);
    one::<FreshBytes>(&mut g, plan, 1024);
    one::<PooledBytes>(&mut g, plan, 1024);
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
    targets = bench_payload
}
criterion_main!(benches);
