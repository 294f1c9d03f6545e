//! One producer thread, one consumer thread, 64-byte messages, capacity 512 and 4096.
//!
//! Each sample times moving `iters * BATCH` messages (see `ryker_benches::run`); throughput
//! is reported per message.

#![allow(missing_docs)] // criterion_group! generates undocumented public functions

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput,
};
use ryker_benches::{
    run, ArrayQueue, CrossbeamChannel, Kanal, Queue, RykerMailbox, RykerMailboxMany, RykerRing,
    ThingBuf, ThingBufChannel, BATCH,
};

fn one<Q: Queue>(g: &mut BenchmarkGroup<'_, WallTime>, capacity: usize) {
    g.bench_with_input(
        BenchmarkId::new(Q::NAME, capacity),
        &capacity,
        |b, &capacity| {
            b.iter_custom(|iters| run::<Q>(capacity, 1, iters * BATCH));
        },
    );
}

fn bench_spsc(c: &mut Criterion) {
    let mut g = c.benchmark_group("spsc_64b");
    g.throughput(Throughput::Elements(BATCH));
    for capacity in [512, 4096] {
        one::<RykerRing>(&mut g, capacity);
        one::<RykerMailbox>(&mut g, capacity);
        one::<RykerMailboxMany>(&mut g, capacity);
        one::<ArrayQueue>(&mut g, capacity);
        one::<ThingBuf>(&mut g, capacity);
        one::<ThingBufChannel>(&mut g, capacity);
        one::<Kanal>(&mut g, capacity);
        one::<CrossbeamChannel>(&mut g, capacity);
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(10);
    targets = bench_spsc
}
criterion_main!(benches);
