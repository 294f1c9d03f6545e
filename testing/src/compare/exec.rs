//! Where a run happens and how it is timed: plain threads, or tasks on one of
//! `bench_support::exec`'s executors; the actor rows (a ryker actor against a tokio task
//! reading a tokio mpsc, on tokio multi-thread) and the ask rows (the same two, answering
//! requests). The actor frameworks' rows are in `peers`, built on the pieces here.
//!
//! Every tell run moves `messages` 64-byte messages from `producers` producers (each sending
//! its quota with sequence numbers 0, 1, ...) to one consumer that runs [`Check`] on each. The
//! clock starts when the producers are released and stops at the last message's arrival.
//!
//! An ask run has the same producers make their quota of round trips one at a time: each
//! message is a request, the server runs [`Check`] on it and replies [`answer`], and the
//! producer checks the reply. The clock stops at the last reply's arrival.

use std::future::Future;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use ryker_core::prelude::{ActorConfig, MailboxConfig};
use tokio::sync::{mpsc, oneshot};

use bench_support::actor::{self, Serve, Work};
use bench_support::exec::Exec;
use bench_support::sync::{Outcome, SyncPeer};
use bench_support::tasks::{Asker, AsyncPeer, PeerTx, Producer, TokioMpsc};
use bench_support::watchdog::{self, Heartbeats};
use bench_support::Msg;

use super::check::{quotas, Check, Measured, BATCH, BEAT_EVERY};

/// One run's shape.
#[derive(Debug, Clone, Copy)]
pub(super) struct Shape {
    pub(super) producers: u32,
    pub(super) capacity: usize,
    pub(super) messages: u64,
    /// End the process (exit code 3) if a run makes no progress for this long.
    pub(super) stall: Option<Duration>,
}

/// Runs `f` with a fresh set of heartbeats watched by the stall watchdog.
pub(super) fn watched<R>(shape: &Shape, label: &str, f: impl FnOnce(&Arc<Heartbeats>) -> R) -> R {
    let beats = Arc::new(Heartbeats::new(shape.producers));
    watchdog::watched(&beats, shape.stall, label, || f(&beats))
}

// ---------------------------------------------------------------------------------------------
// Plain threads
// ---------------------------------------------------------------------------------------------

/// `shape.producers` producer threads and one consumer (the calling thread) through `Q`.
pub(super) fn run_sync<Q: SyncPeer>(shape: &Shape, label: &str) -> Measured {
    watched(shape, label, |beats| {
        let (tx, mut rx) = Q::pair(shape.capacity);
        let quotas = quotas(shape.messages, shape.producers);
        let barrier = Barrier::new(shape.producers as usize + 1);
        thread::scope(|s| {
            for (id, &quota) in (0_u32..).zip(&quotas) {
                let (tx, barrier, beats) = (tx.clone(), &barrier, &**beats);
                thread::Builder::new()
                    .name(format!("producer-{id}"))
                    .spawn_scoped(s, move || {
                        barrier.wait();
                        produce::<Q>(&tx, id, id, quota, beats);
                    })
                    .expect("spawn a producer thread");
            }
            // Only the producers' clones keep the queue open: the run ends when they are gone.
            drop(tx);
            let mut check = Check::new(quotas.clone(), beats.clone());
            barrier.wait();
            let start = Instant::now();
            drain::<Q>(&mut rx, &mut check);
            check.finish(start)
        })
    })
}

/// `shape.producers` independent pairs (the `pairs` context), each a producer thread and a
/// consumer thread through a `Q` of their own. Every thread waits for one start; the clock
/// stops when the last pair's last message arrives. Each pair is checked on its own.
pub(super) fn run_sync_pairs<Q: SyncPeer>(shape: &Shape, label: &str) -> Measured {
    watched(shape, label, |beats| {
        let quotas = quotas(shape.messages, shape.producers);
        let barrier = Barrier::new(2 * quotas.len() + 1);
        thread::scope(|s| {
            let consumers: Vec<_> = (0_u32..)
                .zip(&quotas)
                .map(|(id, &quota)| {
                    let (tx, mut rx) = Q::pair(shape.capacity);
                    let (barrier, producer_beats) = (&barrier, &**beats);
                    thread::Builder::new()
                        .name(format!("producer-{id}"))
                        .spawn_scoped(s, move || {
                            barrier.wait();
                            // Producer 0 of its pair's check; the heartbeat is the pair's.
                            produce::<Q>(&tx, 0, id, quota, producer_beats);
                        })
                        .expect("spawn a producer thread");
                    let beats = beats.clone();
                    thread::Builder::new()
                        .name(format!("consumer-{id}"))
                        .spawn_scoped(s, move || {
                            let mut check = Check::new(vec![quota], beats);
                            barrier.wait();
                            drain::<Q>(&mut rx, &mut check);
                            check
                        })
                        .expect("spawn a consumer thread")
                })
                .collect();
            barrier.wait();
            let start = Instant::now();
            let pairs: Vec<Measured> = consumers
                .into_iter()
                .map(|c| c.join().expect("a consumer thread panicked").finish(start))
                .collect();
            pairs_total(&quotas, &pairs)
        })
    })
}

/// A producer thread's loop: `quota` messages with sequence numbers from 0, as `producer` of
/// the consumer's check, beating as producer `beat` of the run's heartbeats.
fn produce<Q: SyncPeer>(tx: &Q::Tx, producer: u32, beat: u32, quota: u64, beats: &Heartbeats) {
    for seq in 0..quota {
        if Q::send(tx, Msg::new(producer, seq)) == Outcome::Closed {
            break;
        }
        if seq.is_multiple_of(BEAT_EVERY) {
            beats.producer(beat, seq);
        }
    }
}

/// A consumer's loop: every message into `check`, until every producer is gone.
fn drain<Q: SyncPeer>(rx: &mut Q::Rx, check: &mut Check) {
    let mut buf = Vec::with_capacity(BATCH);
    loop {
        buf.clear();
        if Q::recv_batch(rx, &mut buf, BATCH) == 0 {
            break;
        }
        for msg in &buf {
            check.on(msg);
        }
    }
}

/// The pairs' runs as one: every pair's messages over the time of the slowest, and each
/// pair's failures under its number.
fn pairs_total(quotas: &[u64], pairs: &[Measured]) -> Measured {
    let secs = quotas
        .iter()
        .zip(pairs)
        .filter(|&(&quota, _)| quota > 0)
        .map(|(&quota, m)| quota as f64 / m.msgs_per_sec)
        .fold(0.0, f64::max);
    let failures = (0_usize..)
        .zip(pairs)
        .flat_map(|(i, m)| m.failures.iter().map(move |f| format!("pair {i}: {f}")))
        .collect();
    Measured {
        msgs_per_sec: quotas.iter().sum::<u64>() as f64 / secs,
        failures,
    }
}

// ---------------------------------------------------------------------------------------------
// Tasks
// ---------------------------------------------------------------------------------------------

/// One producer task per quota, each sending its quota through a clone of `tx`; for the
/// caller to spawn where the run's tasks go.
pub(super) fn producer_tasks<P: Producer<Msg>>(
    tx: &P,
    quotas: &[u64],
    beats: &Arc<Heartbeats>,
) -> Vec<impl Future<Output = ()> + Send + 'static> {
    (0_u32..)
        .zip(quotas)
        .map(|(id, &quota)| {
            let (tx, beats) = (tx.clone(), beats.clone());
            async move {
                for seq in 0..quota {
                    if !tx.send(Msg::new(id, seq)).await {
                        break;
                    }
                    if seq.is_multiple_of(BEAT_EVERY) {
                        beats.producer(id, seq);
                    }
                }
            }
        })
        .collect()
}

/// Spawns [`producer_tasks`] on `exec`.
fn spawn_producers<E: Exec, P: Producer<Msg>>(
    exec: &E,
    tx: &P,
    quotas: &[u64],
    beats: &Arc<Heartbeats>,
) {
    for task in producer_tasks(tx, quotas, beats) {
        exec.spawn(task);
    }
}

/// Producer tasks and one consumer task through `Q` on `exec`.
pub(super) fn run_async<E: Exec, Q: AsyncPeer>(exec: &E, shape: &Shape, label: &str) -> Measured {
    watched(shape, label, |beats| {
        let (tx, mut rx) = Q::pair(shape.capacity);
        let quotas = quotas(shape.messages, shape.producers);
        let mut check = Check::new(quotas.clone(), beats.clone());
        let start = Instant::now();
        spawn_producers(exec, &PeerTx::<Q>::new(tx), &quotas, beats);
        exec.run(async move {
            let mut buf = Vec::with_capacity(BATCH);
            loop {
                buf.clear();
                if Q::recv_batch(&mut rx, &mut buf, BATCH).await == 0 {
                    break;
                }
                for msg in &buf {
                    check.on(msg);
                }
            }
            check.finish(start)
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Actors
// ---------------------------------------------------------------------------------------------

/// The check as an actor's [`Work`], and nothing else: taken out whole when the actor stops.
#[derive(Debug)]
pub(super) struct Checking(pub(super) Option<Check>);

impl Work for Checking {
    type Msg = Msg;
    type Out = Option<Check>;

    #[inline]
    fn on(&mut self, msg: Msg) {
        if let Some(check) = &mut self.0 {
            check.on(&msg);
        }
    }

    fn finish(&mut self) -> Option<Check> {
        self.0.take()
    }
}

/// ryker's default actor config with a mailbox of `shape.capacity`.
fn ryker_config(shape: &Shape) -> ActorConfig {
    ActorConfig {
        mailbox: MailboxConfig {
            capacity: shape.capacity,
            ..MailboxConfig::default()
        },
        ..ActorConfig::default()
    }
}

/// Producer tasks `tell` a ryker actor (default actor config, mailbox of `shape.capacity`) on
/// `exec`.
pub(super) fn run_actor_ryker<E: Exec>(exec: &E, shape: &Shape, label: &str) -> Measured {
    watched(shape, label, |beats| {
        let quotas = quotas(shape.messages, shape.producers);
        let (out, result) = oneshot::channel();
        let check = Checking(Some(Check::new(quotas.clone(), beats.clone())));
        // Detached: the actor stops (and reports) once every `Addr` is gone.
        let addr = actor::spawn(exec, ryker_config(shape), "compare", check, move |check| {
            let _ = out.send(check);
        })
        .expect("capacity validated before the run");
        let start = Instant::now();
        spawn_producers(exec, &addr, &quotas, beats);
        drop(addr);
        exec.run(reported(result, start))
    })
}

/// Waits for an actor's report (its [`Checking`] taken out whole when it stopped) and finishes
/// the check it carries: the end of every actor `tell` row, ryker's and the frameworks'.
pub(super) async fn reported(result: oneshot::Receiver<Option<Check>>, start: Instant) -> Measured {
    let check = result
        .await
        .ok()
        .flatten()
        .expect("the actor stopped without its report");
    check.finish(start)
}

/// Producer tasks send through `tokio::sync::mpsc::channel(shape.capacity)` to one task that
/// runs the check on each message (`while let Some(m) = rx.recv().await`), on `exec`: the
/// hand-written equivalent of the actor.
pub(super) fn run_actor_tokio<E: Exec>(exec: &E, shape: &Shape, label: &str) -> Measured {
    watched(shape, label, |beats| {
        let quotas = quotas(shape.messages, shape.producers);
        let (out, result) = oneshot::channel();
        let (tx, mut rx) = TokioMpsc::pair(shape.capacity);
        let mut check = Check::new(quotas.clone(), beats.clone());
        exec.spawn(async move {
            while let Some(msg) = TokioMpsc::recv(&mut rx).await {
                check.on(&msg);
            }
            let _ = out.send(check);
        });
        let start = Instant::now();
        spawn_producers(exec, &PeerTx::<TokioMpsc>::new(tx), &quotas, beats);
        exec.run(async move {
            let check = result
                .await
                .expect("the consumer task stopped without its report");
            check.finish(start)
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Request/response
// ---------------------------------------------------------------------------------------------

/// The reply a server owes request `msg`: both of its numbers in one word (sequence numbers stay
/// far below 2^40), so that the answer to any other request, another producer's or another of
/// the same producer's, does not pass.
pub(super) fn answer(msg: &Msg) -> u64 {
    const SALT: u64 = 0x5EED_0000_0000_0000;
    SALT ^ (u64::from(msg.producer) << 40) ^ msg.seq
}

/// The check as a server's [`Serve`]: checks each request as a told message is checked and
/// replies [`answer`]; taken out whole when the server stops.
#[derive(Debug)]
pub(super) struct Answering(pub(super) Option<Check>);

impl Serve for Answering {
    type Req = Msg;
    type Resp = u64;
    type Out = Option<Check>;

    #[inline]
    fn on(&mut self, req: Msg) -> u64 {
        if let Some(check) = &mut self.0 {
            check.on(&req);
        }
        answer(&req)
    }

    fn finish(&mut self) -> Option<Check> {
        self.0.take()
    }
}

/// What one asking task saw.
#[derive(Debug)]
pub(super) struct Asked {
    /// Replies that matched [`answer`].
    right: u64,
    wrong: u64,
    first_wrong: Option<String>,
    /// Why it stopped before its quota, if it did.
    cut_short: Option<String>,
    last_reply: Instant,
}

/// One asking task per quota, each making its quota of round trips through a clone of `tx`,
/// one at a time, checking every reply, then reporting to `report`; for the caller to spawn
/// where the run's tasks go.
pub(super) fn asker_tasks<A: Asker<Msg, u64>>(
    tx: &A,
    quotas: &[u64],
    beats: &Arc<Heartbeats>,
    report: &mpsc::UnboundedSender<Asked>,
) -> Vec<impl Future<Output = ()> + Send + 'static> {
    (0_u32..)
        .zip(quotas)
        .map(|(id, &quota)| {
            let (tx, beats, report) = (tx.clone(), beats.clone(), report.clone());
            async move {
                let mut asked = Asked {
                    right: 0,
                    wrong: 0,
                    first_wrong: None,
                    cut_short: None,
                    last_reply: Instant::now(),
                };
                for seq in 0..quota {
                    let req = Msg::new(id, seq);
                    let owed = answer(&req);
                    match tx.ask(req).await {
                        Some(got) if got == owed => asked.right += 1,
                        Some(got) => {
                            asked.wrong += 1;
                            asked.first_wrong.get_or_insert_with(|| {
                                format!("producer {id}: request {seq} got {got:#x}, not {owed:#x}")
                            });
                        }
                        None => {
                            asked.cut_short = Some(format!(
                                "producer {id}: request {seq} of {quota} went unanswered"
                            ));
                            break;
                        }
                    }
                    if seq.is_multiple_of(BEAT_EVERY) {
                        beats.producer(id, seq);
                    }
                }
                asked.last_reply = Instant::now();
                // The run waits for every asker's report; it is there until the last one.
                let _ = report.send(asked);
            }
        })
        .collect()
}

/// Waits for the reports of `askers` asking tasks (`asked` ends when the last one is in) and
/// then for the server's check (`server`, sent when the server stopped); the run's round trips
/// per second, from `start` to the last reply, and every failure the askers and the server saw.
pub(super) async fn round_trips(
    start: Instant,
    askers: usize,
    mut asked: mpsc::UnboundedReceiver<Asked>,
    server: oneshot::Receiver<Option<Check>>,
) -> Measured {
    let (mut right, mut end, mut reports) = (0_u64, start, 0);
    let mut failures = Vec::new();
    while let Some(a) = asked.recv().await {
        reports += 1;
        right += a.right;
        end = end.max(a.last_reply);
        if a.wrong > 0 {
            failures.push(format!(
                "{} wrong repl(ies), the first: {}",
                a.wrong,
                a.first_wrong.as_deref().unwrap_or("?")
            ));
        }
        failures.extend(a.cut_short);
    }
    if reports < askers {
        failures.push(format!(
            "{} of {askers} asking tasks never reported",
            askers - reports
        ));
    }
    let check = server
        .await
        .ok()
        .flatten()
        .expect("the server stopped without its report");
    failures.extend(check.finish(start).failures);
    let secs = end
        .saturating_duration_since(start)
        .max(Duration::from_nanos(1))
        .as_secs_f64();
    #[allow(clippy::cast_precision_loss)] // round-trip counts far below 2^52
    let msgs_per_sec = right as f64 / secs;
    Measured {
        msgs_per_sec,
        failures,
    }
}

/// Asking tasks `ask` a ryker actor (default actor config, mailbox of `shape.capacity`) on
/// `exec`.
pub(super) fn run_ask_ryker<E: Exec>(exec: &E, shape: &Shape, label: &str) -> Measured {
    watched(shape, label, |beats| {
        let quotas = quotas(shape.messages, shape.producers);
        let (out, server) = oneshot::channel();
        let serve = Answering(Some(Check::new(quotas.clone(), beats.clone())));
        // Detached: the server stops (and reports) once every `Addr` is gone.
        let addr = actor::spawn_server(exec, ryker_config(shape), "compare", serve, move |c| {
            let _ = out.send(c);
        })
        .expect("capacity validated before the run");
        let (report, asked) = mpsc::unbounded_channel();
        let start = Instant::now();
        for task in asker_tasks(&addr, &quotas, beats, &report) {
            exec.spawn(task);
        }
        drop((addr, report));
        exec.run(round_trips(start, quotas.len(), asked, server))
    })
}

/// Asking tasks send `(request, oneshot)` through `tokio::sync::mpsc::channel(shape.capacity)`
/// to one task that answers each on its `tokio::sync::oneshot`, on `exec`: the hand-written
/// equivalent of the server actor.
pub(super) fn run_ask_tokio<E: Exec>(exec: &E, shape: &Shape, label: &str) -> Measured {
    watched(shape, label, |beats| {
        let quotas = quotas(shape.messages, shape.producers);
        let (out, server) = oneshot::channel();
        let (tx, mut rx) = mpsc::channel::<(Msg, oneshot::Sender<u64>)>(shape.capacity);
        let mut serve = Answering(Some(Check::new(quotas.clone(), beats.clone())));
        exec.spawn(async move {
            while let Some((req, reply)) = rx.recv().await {
                let _ = reply.send(serve.on(req));
            }
            let _ = out.send(serve.finish());
        });
        let (report, asked) = mpsc::unbounded_channel();
        let start = Instant::now();
        for task in asker_tasks(&tx, &quotas, beats, &report) {
            exec.spawn(task);
        }
        drop((tx, report));
        exec.run(round_trips(start, quotas.len(), asked, server))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair's messages over the slowest pair's time; a failure names its pair.
    #[test]
    fn pairs_add_up_to_one_rate_over_the_slowest() {
        let pair = |msgs_per_sec: f64, failures: &[&str]| Measured {
            msgs_per_sec,
            failures: failures.iter().map(|f| f.to_string()).collect(),
        };
        // 100 messages in 1 s and 300 in 2 s: 400 messages in 2 s.
        let m = pairs_total(&[100, 300], &[pair(100.0, &[]), pair(150.0, &["lost 1"])]);
        assert_eq!(m.msgs_per_sec, 200.0);
        assert_eq!(m.failures, ["pair 1: lost 1"]);
        // A pair with nothing to send (more pairs than messages) takes no time.
        let m = pairs_total(&[2, 0], &[pair(4.0, &[]), pair(0.0, &[])]);
        assert_eq!(m.msgs_per_sec, 4.0);
    }
}
