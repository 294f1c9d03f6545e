//! What the `spsc` and `mpsc` benches share: the Criterion settings, the group shape, and one
//! benchmark per peer of `bench_support`'s sets, from threads or from tasks.

use bench_support::exec::Exec;
use bench_support::sync::{self as p, SyncPeer};
use bench_support::tasks::{self as t, AsyncPeer};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use ryker_benches::{run, tasks, Plan, RECV_LIMIT};

/// The capacities of the `spsc_64b/*` and `mpsc4_64b/*` groups.
pub(crate) const CAPACITIES: [usize; 2] = [512, 4096];

/// Criterion as [`Plan::from_env`] says.
pub(crate) fn config() -> Criterion {
    let plan = Plan::from_env();
    Criterion::default()
        .warm_up_time(plan.warm_up)
        .measurement_time(plan.measurement)
        .sample_size(plan.samples)
}

/// A group whose every iteration moves `plan.per_iter` messages.
pub(crate) fn group<'a>(
    c: &'a mut Criterion,
    name: &str,
    plan: Plan,
) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(plan.per_iter));
    // One iteration moves many messages: equal iteration counts per sample, not a ramp.
    g.sampling_mode(SamplingMode::Flat);
    g
}

/// `Q` from `producers` threads, one receive per message; the id is `Q::NAME/param`.
pub(crate) fn one<Q: SyncPeer>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    plan: Plan,
    (capacity, producers, param): (usize, usize, usize),
) {
    timed::<Q>(g, Q::NAME, plan, (capacity, producers, param), 1);
}

/// ryker's mailbox with `recv_many_blocking` (up to [`RECV_LIMIT`] per call).
pub(crate) fn one_many(
    g: &mut BenchmarkGroup<'_, WallTime>,
    plan: Plan,
    shape: (usize, usize, usize),
) {
    timed::<p::Ryker>(g, "ryker_mailbox_many", plan, shape, RECV_LIMIT);
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

/// Every thread peer at each of [`CAPACITIES`] (id `peer/capacity`).
pub(crate) fn every_sync_peer(g: &mut BenchmarkGroup<'_, WallTime>, plan: Plan, producers: usize) {
    for cap in CAPACITIES {
        let shape = (cap, producers, cap);
        one::<p::RykerRing>(g, plan, shape);
        one::<p::RykerSplitRing>(g, plan, shape);
        one::<p::Ryker>(g, plan, shape);
        one_many(g, plan, shape);
        one::<p::ArrayQueue>(g, plan, shape);
        one::<p::ThingBuf>(g, plan, shape);
        one::<p::Thingbuf>(g, plan, shape);
        one::<p::Kanal>(g, plan, shape);
        one::<p::CrossbeamChannel>(g, plan, shape);
        one::<p::TokioMpsc>(g, plan, shape);
        one::<p::AsyncChannel>(g, plan, shape);
        one::<p::Flume>(g, plan, shape);
        one::<p::Crossfire>(g, plan, shape);
    }
}

fn one_task<E: Exec, Q: AsyncPeer>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    exec: &E,
    plan: Plan,
    producers: usize,
    capacity: usize,
) {
    g.bench_with_input(
        BenchmarkId::new(Q::NAME, capacity),
        &capacity,
        |b, &capacity| {
            b.iter_custom(|iters| {
                tasks::run::<E, Q>(exec, capacity, producers, iters * plan.per_iter)
            });
        },
    );
}

/// The group `{prefix}/{E::NAME}`: every task peer on `exec` at each of [`CAPACITIES`].
pub(crate) fn every_task_peer<E: Exec>(
    c: &mut Criterion,
    prefix: &str,
    exec: &E,
    producers: usize,
) {
    let plan = Plan::from_env();
    let mut g = group(c, &format!("{prefix}/{}", E::NAME), plan);
    for cap in CAPACITIES {
        one_task::<E, t::Ryker>(&mut g, exec, plan, producers, cap);
        one_task::<E, t::TokioMpsc>(&mut g, exec, plan, producers, cap);
        one_task::<E, t::AsyncChannel>(&mut g, exec, plan, producers, cap);
        one_task::<E, t::Flume>(&mut g, exec, plan, producers, cap);
        one_task::<E, t::Kanal>(&mut g, exec, plan, producers, cap);
        one_task::<E, t::Thingbuf>(&mut g, exec, plan, producers, cap);
        one_task::<E, t::Crossfire>(&mut g, exec, plan, producers, cap);
    }
    g.finish();
}
