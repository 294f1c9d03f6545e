//! 1, 2, 4, 8 and 16 producer threads into one consumer, 64-byte messages, capacity 512.
//!
//! Each sample times moving `iters * BATCH` messages in total, split evenly over the
//! producers (see `ryker_benches::run`); throughput is reported per message.

#![allow(missing_docs)] // criterion_group! generates undocumented public functions

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput,
};
use ryker_benches::{
    run, ArrayQueue, CrossbeamChannel, Kanal, Queue, RykerMailbox, RykerMailboxMany, TokioMpsc,
    BATCH,
};

const CAPACITY: usize = 512;

fn one<Q: Queue>(g: &mut BenchmarkGroup<'_, WallTime>, producers: usize) {
    g.bench_with_input(
        BenchmarkId::new(Q::NAME, producers),
        &producers,
        |b, &producers| {
            b.iter_custom(|iters| run::<Q>(CAPACITY, producers, iters * BATCH));
        },
    );
}

fn bench_mpsc(c: &mut Criterion) {
    let mut g = c.benchmark_group("mpsc_64b_cap512");
    g.throughput(Throughput::Elements(BATCH));
    for producers in [1, 2, 4, 8, 16] {
        one::<RykerMailbox>(&mut g, producers);
        one::<RykerMailboxMany>(&mut g, producers);
        one::<ArrayQueue>(&mut g, producers);
        one::<CrossbeamChannel>(&mut g, producers);
        one::<TokioMpsc>(&mut g, producers);
        one::<Kanal>(&mut g, producers);
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(10);
    targets = bench_mpsc
}
criterion_main!(benches);
