//! `ryker burst`: the delay of a lone message that follows a burst, at a blocking receiver
//! that takes batches, for ryker and its peers measured in the same run.
//!
//! One iteration, on the sender thread: `--burst` 64-byte messages sent back to back (each
//! queue's blocking send), a busy-wait of `--gap-ns`, one message stamped with its send time,
//! then a busy-wait of `--idle-us` so that the receiver can drain. The receiver thread takes
//! batches of up to `--batch` as each queue's documentation recommends for a batch receiver,
//! and records now − stamp for every lone message.
//!
//! Why the care about order and placement: a throwaway version of this measurement ran every
//! queue once, in a fixed order, on threads of one process, and the queue that ran first came
//! out differently from the same queue run later; on a 2-vCPU VM the scheduler also puts the
//! two threads on one CPU now and then, which turns a ~20 µs p95 into ~150 µs. So here:
//!
//! - every round runs each queue once, each in two fresh threads (the main thread only
//!   coordinates), and round r starts at queue r mod n: no queue is always first;
//! - on Linux, every lone message says whether the receiver got it on the CPU the sender sent
//!   it from, and the table reports that share next to the latency it explains;
//! - every message is checked (the count and the sender's sequence), so a queue that loses or
//!   reorders messages fails the run instead of reporting a flattering latency.

use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::process::ExitCode;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use hdrhistogram::Histogram;
use ryker_core::mailbox::{MailboxConfig, Receiver, Sender};
use serde::Serialize;

use crate::summary::{median, nanos_histogram};
use bench_support::sync::{self as peers, fill, Outcome, SyncPeer};
use bench_support::watchdog::{self, Heartbeats};
use bench_support::{Epoch, Msg};

/// Iterations per run without `--iters`.
const ITERS: u32 = 4000;
/// Iterations per run under `--quick` without `--iters`.
const QUICK_ITERS: u32 = 500;
/// Rounds under `--quick` without `--rounds` (otherwise: as many as queues, so that each
/// queue runs first once; see `round_order`).
const QUICK_ROUNDS: u32 = 1;

/// The latency above which a lone message counts as slow: the delay of a receiver that shares
/// its CPU with the sender (about 150 µs on the 2-vCPU VM), not of one that waits on its own.
const SLOW_NANOS: u64 = 100_000;

/// At most this many failures are kept per run.
const FAILURES_KEPT: usize = 5;

/// Options of `ryker burst`.
#[derive(Debug, Args)]
pub(crate) struct BurstArgs {
    /// Messages sent back to back before the lone one, per iteration.
    #[arg(long, value_name = "N", default_value_t = 64,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    burst: u32,

    /// Busy-wait between the burst and the lone message, in nanoseconds.
    #[arg(long, value_name = "NS", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=1_000_000_000))]
    gap_ns: u64,

    /// Busy-wait after the lone message, in microseconds, so that the receiver can drain.
    #[arg(long, value_name = "US", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(0..=1_000_000))]
    idle_us: u64,

    /// Iterations per run (one lone message each) [default: 4000; 500 with --quick].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    iters: Option<u32>,

    /// Most messages the receiver takes per call.
    #[arg(long, value_name = "N", default_value_t = 64,
          value_parser = clap::value_parser!(u32).range(1..=65_536))]
    batch: u32,

    /// Queue capacity; the allowed range is ryker-core's and is checked by it.
    #[arg(long, value_name = "N", default_value_t = 512)]
    capacity: usize,

    /// Rounds: each runs every queue once, starting one queue further along the list than the
    /// round before [default: as many as queues, so that each runs first once; 1 with --quick].
    #[arg(long, value_name = "R", value_parser = clap::value_parser!(u32).range(1..=99))]
    rounds: Option<u32>,

    /// Queues to run, comma-separated, in this order in round 1 [default: all]. Without ryker
    /// there is no ratio.
    #[arg(long, value_enum, value_name = "QUEUE,...", value_delimiter = ',')]
    only: Vec<BurstQueue>,

    /// A short run: 500 iterations and 1 round; explicit flags win.
    #[arg(long)]
    quick: bool,

    /// Print one JSON object on stdout instead of the table, with every run's figures.
    #[arg(long)]
    json: bool,

    /// End a run that makes no progress for this many seconds with exit code 3 (0: never).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    stall_timeout: u64,
}

/// A queue under test (`--only` values), each driven as its documentation recommends for a
/// receiver that takes batches from a plain thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum BurstQueue {
    /// ryker's mailbox: `blocking_send` / `blocking_recv_many`.
    Ryker,
    /// ryker's mailbox: `blocking_send` / `blocking_recv`, then a `try_recv` drain.
    RykerRecv,
    /// `crossbeam_channel::bounded`: `send` / `recv`, then a `try_recv` drain.
    CrossbeamChannel,
    /// `crossfire::mpsc::bounded_blocking`: `send` / `recv`, then a `try_recv` drain.
    Crossfire,
    /// `kanal::bounded`: `send` / `recv`, then a `try_recv` drain.
    Kanal,
    /// `flume::bounded`: `send` / `recv`, then a `try_recv` drain.
    Flume,
}

impl BurstQueue {
    /// Every queue, in the order of round 1 without `--only`.
    const ALL: [Self; 6] = [
        Self::Ryker,
        Self::RykerRecv,
        Self::CrossbeamChannel,
        Self::Crossfire,
        Self::Kanal,
        Self::Flume,
    ];

    /// The `--only` spelling.
    fn name(self) -> &'static str {
        match self {
            Self::Ryker => "ryker",
            Self::RykerRecv => "ryker-recv",
            Self::CrossbeamChannel => "crossbeam-channel",
            Self::Crossfire => "crossfire",
            Self::Kanal => "kanal",
            Self::Flume => "flume",
        }
    }

    /// The calls that move the messages.
    fn api(self) -> &'static str {
        match self {
            Self::Ryker => "mailbox::channel: blocking_send / blocking_recv_many(batch)",
            Self::RykerRecv => "mailbox::channel: blocking_send / blocking_recv + try_recv drain",
            Self::CrossbeamChannel => "bounded: send / recv + try_recv drain",
            Self::Crossfire => "mpsc::bounded_blocking: send / recv + try_recv drain",
            Self::Kanal => "bounded: send / recv + try_recv drain",
            Self::Flume => "bounded: send / recv + try_recv drain",
        }
    }
}

/// ryker's mailbox with a single-message blocking receive and a `try_recv` drain: the shape a
/// peer channel's receiver has, on ryker's mailbox, to tell the receive call's part in ryker's
/// figure from the mailbox's.
#[derive(Debug)]
struct RykerRecv;

impl SyncPeer for RykerRecv {
    const NAME: &'static str = "ryker_mailbox_recv";
    type Tx = Sender<Msg>;
    type Rx = Receiver<Msg>;

    fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
        peers::Ryker::pair(capacity)
    }

    #[inline]
    fn send(tx: &Self::Tx, msg: Msg) -> Outcome {
        peers::Ryker::send(tx, msg)
    }

    #[inline]
    fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
        let Some(first) = rx.blocking_recv() else {
            return 0;
        };
        fill(buf, first, limit, || rx.try_recv().ok())
    }

    #[inline]
    fn try_send(tx: &Self::Tx, msg: Msg) -> Result<(), Msg> {
        peers::Ryker::try_send(tx, msg)
    }

    #[inline]
    fn try_recv(rx: &mut Self::Rx) -> Option<Msg> {
        peers::Ryker::try_recv(rx)
    }
}

/// The shape of every run.
#[derive(Debug, Clone, Copy)]
struct Shape {
    burst: u64,
    gap: Duration,
    idle: Duration,
    iters: u32,
    batch: usize,
    capacity: usize,
    stall: Option<Duration>,
}

impl Shape {
    /// Messages per iteration: the burst and the lone one.
    fn period(&self) -> u64 {
        self.burst + 1
    }

    /// Messages per run.
    fn messages(&self) -> u64 {
        u64::from(self.iters) * self.period()
    }

    /// Whether the message with sequence number `seq` is an iteration's lone message.
    fn is_lone(&self, seq: u64) -> bool {
        seq % self.period() == self.burst
    }
}

/// The CPU the calling thread runs on, where the platform says.
#[cfg(target_os = "linux")]
fn current_cpu() -> Option<u32> {
    // SAFETY: sched_getcpu(3) takes no arguments and touches no memory of ours.
    u32::try_from(unsafe { libc::sched_getcpu() }).ok()
}

/// The CPU the calling thread runs on, where the platform says (not here).
#[cfg(not(target_os = "linux"))]
fn current_cpu() -> Option<u32> {
    None
}

/// Busy-waits for `d`: a sleep would hand the CPU to the scheduler, whose wake-up delay is
/// larger than the gaps measured here, and would let the other thread run where the sender
/// should be busy.
fn spin_for(d: Duration) {
    if d.is_zero() {
        return;
    }
    let start = Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

/// What the sender did.
#[derive(Debug)]
struct SenderTally {
    /// Messages the queue took.
    sent: u64,
    /// Per iteration, the CPU the sender was on just before its lone send.
    cpus: Vec<Option<u32>>,
    /// Why the sender stopped early, if it did.
    failure: Option<String>,
}

/// What the receiver saw.
#[derive(Debug)]
struct ReceiverTally {
    received: u64,
    /// Per lone message: its iteration, the CPU the receiver got it on, and its latency.
    lone: Vec<(u64, Option<u32>, u64)>,
    latency: Histogram<u64>,
    /// Lone messages slower than [`SLOW_NANOS`].
    slow: u64,
    violations: u64,
    first_violations: Vec<String>,
}

impl ReceiverTally {
    #[cold]
    fn violation(&mut self, what: String) {
        self.violations += 1;
        if self.first_violations.len() < FAILURES_KEPT {
            self.first_violations.push(what);
        }
    }
}

/// Sends `shape.iters` iterations of a burst and a lone stamped message, then drops `tx`.
fn send<Q: SyncPeer>(
    tx: Q::Tx,
    shape: &Shape,
    epoch: Epoch,
    barrier: &Barrier,
    beats: &Heartbeats,
) -> SenderTally {
    let mut tally = SenderTally {
        sent: 0,
        cpus: Vec::with_capacity(shape.iters as usize),
        failure: None,
    };
    let mut seq = 0_u64;
    // These are blocking queues: anything but Queued means the message is gone.
    let queued = |msg: Msg| match Q::send(&tx, msg) {
        Outcome::Queued => Ok(()),
        other => Err(other),
    };
    barrier.wait();
    let stopped = 'iters: {
        for _ in 0..shape.iters {
            for _ in 0..shape.burst {
                if let Err(e) = queued(Msg::new(0, seq)) {
                    break 'iters Some((seq, e));
                }
                seq += 1;
            }
            spin_for(shape.gap);
            let mut msg = Msg::new(0, seq);
            tally.cpus.push(current_cpu());
            msg.stamp = epoch.stamp(Instant::now());
            if let Err(e) = queued(msg) {
                break 'iters Some((seq, e));
            }
            seq += 1;
            beats.producer(0, seq);
            spin_for(shape.idle);
        }
        None
    };
    tally.sent = seq;
    tally.failure = stopped.map(|(seq, outcome)| {
        format!("the send of message {seq} came back {outcome:?} (a blocking send queues every message)")
    });
    // Dropping the only sender closes the queue: the receiver's end of the run.
    drop(tx);
    tally
}

/// Receives until the queue is closed and drained, checking every message and recording the
/// lone ones' latency.
fn receive<Q: SyncPeer>(
    mut rx: Q::Rx,
    shape: &Shape,
    epoch: Epoch,
    barrier: &Barrier,
    beats: &Heartbeats,
) -> ReceiverTally {
    let mut tally = ReceiverTally {
        received: 0,
        lone: Vec::with_capacity(shape.iters as usize),
        latency: nanos_histogram(),
        slow: 0,
        violations: 0,
        first_violations: Vec::new(),
    };
    let mut buf = Vec::with_capacity(shape.batch);
    let mut next = 0_u64;
    barrier.wait();
    loop {
        buf.clear();
        if Q::recv_batch(&mut rx, &mut buf, shape.batch) == 0 {
            break;
        }
        // Taken once per batch, right when it arrives: a lone message is usually alone in its
        // batch or last in it, and a clock read per message would add to the delay measured.
        let now = epoch.stamp(Instant::now());
        let mut cpu = None;
        for msg in buf.drain(..) {
            tally.received += 1;
            if msg.producer != 0 || msg.damage() != 0 {
                tally.violation(format!(
                    "message {} arrived damaged (producer {}, damage {:#x})",
                    msg.seq,
                    msg.producer,
                    msg.damage()
                ));
            }
            if msg.seq != next {
                let what = if msg.seq < next {
                    "a duplicate or reordered message"
                } else {
                    "lost message(s) or reordered ones"
                };
                tally.violation(format!(
                    "got message {} where {next} was due: {what}",
                    msg.seq
                ));
            }
            next = next.max(msg.seq + 1);
            match (msg.stamp != 0, shape.is_lone(msg.seq)) {
                (true, true) => {
                    let latency = now.saturating_sub(msg.stamp).max(1);
                    tally.latency.saturating_record(latency);
                    tally.slow += u64::from(latency > SLOW_NANOS);
                    let cpu = *cpu.get_or_insert_with(current_cpu);
                    tally.lone.push((msg.seq / shape.period(), cpu, latency));
                }
                (false, false) => {}
                (true, false) => {
                    tally.violation(format!("burst message {} arrived stamped", msg.seq));
                }
                (false, true) => {
                    tally.violation(format!("lone message {} arrived unstamped", msg.seq));
                }
            }
        }
        beats.consumer(tally.received);
    }
    tally
}

/// One run's figures: a queue in a round.
#[derive(Debug, Clone, Serialize)]
struct RunFigures {
    /// 1-based.
    round: u32,
    /// Where the queue ran in its round (0: first).
    position: usize,
    queue: BurstQueue,
    /// Lone messages measured.
    samples: u64,
    p50_ns: u64,
    p95_ns: u64,
    p99_ns: u64,
    max_ns: u64,
    /// The share of lone messages slower than 100 µs.
    over_100us: f64,
    /// The share of lone messages received on the CPU they were sent from; `None` where the
    /// platform does not say which CPU a thread is on.
    same_cpu: Option<f64>,
    /// The lone messages received on another CPU than the one they were sent from.
    apart: Option<Placed>,
    /// The lone messages received on the CPU they were sent from.
    shared: Option<Placed>,
    /// Messages received (bursts and lone ones).
    received: u64,
    elapsed_s: f64,
    /// Empty when every message arrived once and in order.
    failures: Vec<String>,
    ok: bool,
}

/// The latency of the lone messages of one placement (the receiver on the sender's CPU, or on
/// another): the figure that placement gives, apart from the share of each, which the run's
/// own percentiles mix.
#[derive(Debug, Clone, Copy, Serialize)]
struct Placed {
    samples: u64,
    p50_ns: u64,
    p95_ns: u64,
    p99_ns: u64,
}

impl Placed {
    /// The figures of `h`, or `None` when it is empty.
    fn of(h: &Histogram<u64>) -> Option<Self> {
        (!h.is_empty()).then(|| Self {
            samples: h.len(),
            p50_ns: h.value_at_quantile(0.50),
            p95_ns: h.value_at_quantile(0.95),
            p99_ns: h.value_at_quantile(0.99),
        })
    }
}

/// Runs `Q` once in two fresh threads and checks what arrived.
fn run<Q: SyncPeer>(shape: &Shape, round: u32, position: usize, queue: BurstQueue) -> RunFigures {
    let label = format!("{} (round {round})", queue.name());
    let (tx, rx) = Q::pair(shape.capacity);
    let epoch = Epoch::now();
    let barrier = Barrier::new(2);
    let beats = Heartbeats::new(1);
    let started = Instant::now();
    let (sender, receiver) = watchdog::watched(&beats, shape.stall, &label, || {
        thread::scope(|s| {
            let (barrier, beats) = (&barrier, &beats);
            let receiver = thread::Builder::new()
                .name("burst-recv".to_owned())
                .spawn_scoped(s, move || receive::<Q>(rx, shape, epoch, barrier, beats))
                .expect("spawn the receiver thread");
            let sender = thread::Builder::new()
                .name("burst-send".to_owned())
                .spawn_scoped(s, move || send::<Q>(tx, shape, epoch, barrier, beats))
                .expect("spawn the sender thread");
            (
                sender.join().expect("the sender thread panicked"),
                receiver.join().expect("the receiver thread panicked"),
            )
        })
    });
    let elapsed = started.elapsed();
    figures(shape, round, position, queue, &sender, &receiver, elapsed)
}

/// Checks a run's tallies and builds its figures.
fn figures(
    shape: &Shape,
    round: u32,
    position: usize,
    queue: BurstQueue,
    sender: &SenderTally,
    receiver: &ReceiverTally,
    elapsed: Duration,
) -> RunFigures {
    let mut failures = Vec::new();
    if let Some(f) = &sender.failure {
        failures.push(f.clone());
    }
    if receiver.violations > 0 {
        let mut line = format!(
            "{} message(s) out of sequence or damaged:",
            receiver.violations
        );
        for v in &receiver.first_violations {
            let _ = write!(line, " [{v}]");
        }
        failures.push(line);
    }
    if receiver.received != sender.sent {
        failures.push(format!(
            "the sender sent {} messages, the receiver got {}: {} lost",
            sender.sent,
            receiver.received,
            i128::from(sender.sent) - i128::from(receiver.received)
        ));
    }
    if sender.failure.is_none() && sender.sent != shape.messages() {
        failures.push(format!(
            "the sender sent {} messages, {} were due",
            sender.sent,
            shape.messages()
        ));
    }
    let lone = receiver.lone.len() as u64;
    // Both CPUs known for a lone message: compare them; either unknown: leave it out.
    let (mut apart, mut shared) = (nanos_histogram(), nanos_histogram());
    for &(iter, at_receiver, latency) in &receiver.lone {
        let at_sender = usize::try_from(iter)
            .ok()
            .and_then(|i| sender.cpus.get(i))
            .copied()
            .flatten();
        if let (Some(a), Some(b)) = (at_sender, at_receiver) {
            let placed = if a == b { &mut shared } else { &mut apart };
            placed.saturating_record(latency);
        }
    }
    let h = &receiver.latency;
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let share = |part: u64, whole: u64| part as f64 / whole.max(1) as f64;
    RunFigures {
        round,
        position,
        queue,
        samples: lone,
        p50_ns: h.value_at_quantile(0.50),
        p95_ns: h.value_at_quantile(0.95),
        p99_ns: h.value_at_quantile(0.99),
        max_ns: h.max(),
        over_100us: share(receiver.slow, lone),
        same_cpu: (!apart.is_empty() || !shared.is_empty())
            .then(|| share(shared.len(), shared.len() + apart.len())),
        apart: Placed::of(&apart),
        shared: Placed::of(&shared),
        received: receiver.received,
        elapsed_s: elapsed.as_secs_f64(),
        ok: failures.is_empty(),
        failures,
    }
}

/// One run of `queue`.
fn measure(queue: BurstQueue, shape: &Shape, round: u32, position: usize) -> RunFigures {
    use peers::{CrossbeamChannel, Crossfire, Flume, Kanal, Ryker};
    match queue {
        BurstQueue::Ryker => run::<Ryker>(shape, round, position, queue),
        BurstQueue::RykerRecv => run::<RykerRecv>(shape, round, position, queue),
        BurstQueue::CrossbeamChannel => run::<CrossbeamChannel>(shape, round, position, queue),
        BurstQueue::Crossfire => run::<Crossfire>(shape, round, position, queue),
        BurstQueue::Kanal => run::<Kanal>(shape, round, position, queue),
        BurstQueue::Flume => run::<Flume>(shape, round, position, queue),
    }
}

/// The order of round `round` (0-based) over `n` queues: it starts at queue `round mod n`, so
/// that over n rounds each queue runs first once.
fn round_order(n: usize, round: u32) -> impl Iterator<Item = usize> {
    let start = round as usize % n.max(1);
    (0..n).map(move |i| (start + i) % n)
}

/// A queue's figures over the rounds.
#[derive(Debug, Serialize)]
struct Row {
    queue: BurstQueue,
    api: &'static str,
    rounds: usize,
    /// The median over the rounds of each round's percentile.
    p50_ns: f64,
    p95_ns: f64,
    p99_ns: f64,
    /// The lowest and highest round's p95.
    p95_min_ns: u64,
    p95_max_ns: u64,
    /// The median over the rounds of the share of lone messages slower than 100 µs.
    over_100us: f64,
    /// The median over the rounds of the share received on the sender's CPU.
    same_cpu: Option<f64>,
    /// The median over the rounds of the p95 of the lone messages received on another CPU than
    /// the sender's: the queue's figure without the scheduler's placement in it.
    p95_apart_ns: Option<f64>,
    /// This row's p95 divided by ryker's (above 1: ryker is faster); absent without ryker.
    p95_ratio_vs_ryker: Option<f64>,
    failures: Vec<String>,
    ok: bool,
}

/// The median of `values` in any order.
fn median_of(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.into_iter().collect();
    v.sort_by(f64::total_cmp);
    median(&v)
}

/// One row per queue, in `queues`' order, from every run.
fn summarize(queues: &[BurstQueue], runs: &[RunFigures]) -> Vec<Row> {
    #[allow(clippy::cast_precision_loss)] // nanoseconds far below 2^52
    let f = |ns: u64| ns as f64;
    let mut rows: Vec<Row> = queues
        .iter()
        .map(|&queue| {
            let mine: Vec<&RunFigures> = runs.iter().filter(|r| r.queue == queue).collect();
            let same: Vec<f64> = mine.iter().filter_map(|r| r.same_cpu).collect();
            let apart: Vec<f64> = mine
                .iter()
                .filter_map(|r| r.apart.map(|a| f(a.p95_ns)))
                .collect();
            let mut failures = Vec::new();
            for r in &mine {
                for failure in &r.failures {
                    failures.push(format!("round {}: {failure}", r.round));
                }
            }
            Row {
                queue,
                api: queue.api(),
                rounds: mine.len(),
                p50_ns: median_of(mine.iter().map(|r| f(r.p50_ns))),
                p95_ns: median_of(mine.iter().map(|r| f(r.p95_ns))),
                p99_ns: median_of(mine.iter().map(|r| f(r.p99_ns))),
                p95_min_ns: mine.iter().map(|r| r.p95_ns).min().unwrap_or(0),
                p95_max_ns: mine.iter().map(|r| r.p95_ns).max().unwrap_or(0),
                over_100us: median_of(mine.iter().map(|r| r.over_100us)),
                same_cpu: (!same.is_empty()).then(|| median_of(same)),
                p95_apart_ns: (!apart.is_empty()).then(|| median_of(apart)),
                p95_ratio_vs_ryker: None,
                ok: failures.is_empty(),
                failures,
            }
        })
        .collect();
    let ryker = rows
        .iter()
        .find(|r| r.queue == BurstQueue::Ryker)
        .map(|r| r.p95_ns)
        .filter(|&p95| p95 > 0.0);
    for row in &mut rows {
        row.p95_ratio_vs_ryker = ryker.map(|ryker| row.p95_ns / ryker);
    }
    rows
}

/// Microseconds with one decimal.
fn micros(ns: f64) -> String {
    format!("{:.1}", ns / 1e3)
}

/// A share as a whole percentage, or `n/a`.
fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "n/a".to_owned(), |s| format!("{:.1}%", s * 100.0))
}

/// What the run is, before any figure.
fn preamble(shape: &Shape, queues: &[BurstQueue], rounds: u32) -> String {
    let mut out = format!(
        "ryker burst: the delay of a lone message that follows a burst, at a blocking receiver that takes batches\n\
         per iteration: {} messages of {} B sent back to back, a {} ns busy-wait, one message stamped with its \
         send time, a {} µs busy-wait; {} iterations per run\n\
         the receiver takes up to {} per call; capacity {}; {} CPUs\n\
         {rounds} round(s): each runs every queue once, in a fresh sender and a fresh receiver thread, \
         starting one queue further along the list than the round before\n\
         every message is checked: the count and the sender's sequence\n\n",
        shape.burst,
        size_of::<Msg>(),
        shape.gap.as_nanos(),
        shape.idle.as_micros(),
        shape.iters,
        shape.batch,
        shape.capacity,
        thread::available_parallelism().map_or(0, |n| n.get()),
    );
    for &q in queues {
        let _ = writeln!(out, "   {:<18} {}", q.name(), q.api());
    }
    out
}

/// The table: a row per queue.
fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "\n  lone message latency in µs: the median over the rounds of each round's percentile\n",
    );
    let _ = writeln!(
        out,
        "    {:<18} {:>8} {:>8} {:>8} {:>7}  {:<18} {:>8} {:>9} {:>9}  check",
        "queue", "p50", "p95", "p99", ">100µs", "p95 range", "same CPU", "p95 apart", "p95 ratio"
    );
    for r in rows {
        #[allow(clippy::cast_precision_loss)] // nanoseconds far below 2^52
        let range = format!(
            "({} .. {})",
            micros(r.p95_min_ns as f64),
            micros(r.p95_max_ns as f64)
        );
        let ratio = r
            .p95_ratio_vs_ryker
            .map_or_else(|| "-".to_owned(), |x| format!("{x:.2}x"));
        let _ = writeln!(
            out,
            "    {:<18} {:>8} {:>8} {:>8} {:>7}  {:<18} {:>8} {:>9} {:>9}  {}",
            r.queue.name(),
            micros(r.p50_ns),
            micros(r.p95_ns),
            micros(r.p99_ns),
            percent(Some(r.over_100us)),
            range,
            percent(r.same_cpu),
            r.p95_apart_ns.map_or_else(|| "n/a".to_owned(), micros),
            ratio,
            if r.ok { "ok" } else { "FAILED" }
        );
    }
    out.push_str(
        "\n  >100µs: the share of lone messages slower than 100 µs; p95 range: the lowest .. highest \
         round's p95\n  \
         same CPU: the share of lone messages received on the CPU they were sent from (Linux only)\n  \
         p95 apart: the p95 of the lone messages received on another CPU (Linux only)\n  \
         p95 ratio: the row's p95 / ryker's (above 1: ryker is faster)\n  \
         the shares and p95 apart are medians over the rounds, like the percentiles\n",
    );
    out
}

/// The JSON document.
#[derive(Debug, Serialize)]
struct JsonReport<'a> {
    payload_bytes: usize,
    burst: u64,
    gap_ns: u64,
    idle_us: u64,
    iters: u32,
    batch: usize,
    capacity: usize,
    rounds: u32,
    cpus: usize,
    /// The queues in round 1's order.
    queues: &'a [BurstQueue],
    /// Every run, in the order they ran: rounds × queues.
    runs: &'a [RunFigures],
    /// One per queue, over the rounds.
    rows: &'a [Row],
    elapsed_s: f64,
    ok: bool,
}

/// `--only`, or every queue; each queue once, in the order given.
fn queues(only: &[BurstQueue]) -> Vec<BurstQueue> {
    let mut queues = Vec::new();
    for &q in if only.is_empty() {
        &BurstQueue::ALL[..]
    } else {
        only
    } {
        if !queues.contains(&q) {
            queues.push(q);
        }
    }
    queues
}

/// Runs `ryker burst`.
pub(crate) fn main(args: &BurstArgs) -> ExitCode {
    // ryker-core owns the capacity range; its message names the field and the range.
    let config = MailboxConfig {
        capacity: args.capacity,
        ..MailboxConfig::default()
    };
    if let Err(e) = config.validate() {
        eprintln!("error: --capacity {} rejected: {e}", args.capacity);
        return ExitCode::from(2);
    }
    let shape = Shape {
        burst: u64::from(args.burst),
        gap: Duration::from_nanos(args.gap_ns),
        idle: Duration::from_micros(args.idle_us),
        iters: args
            .iters
            .unwrap_or(if args.quick { QUICK_ITERS } else { ITERS }),
        batch: args.batch as usize,
        capacity: args.capacity,
        stall: (args.stall_timeout > 0).then(|| Duration::from_secs(args.stall_timeout)),
    };
    let queues = queues(&args.only);
    // The first queue in a round meets the scheduler's placement differently from the others
    // (docs/PERFORMANCE.md, eighteenth round): by default, each is first once.
    let rounds = args.rounds.unwrap_or(if args.quick {
        QUICK_ROUNDS
    } else {
        u32::try_from(queues.len()).expect("a handful of queues")
    });
    if !args.json {
        print!("{}", preamble(&shape, &queues, rounds));
        let _ = io::stdout().flush();
    }

    let started = Instant::now();
    let mut runs = Vec::with_capacity(rounds as usize * queues.len());
    for round in 0..rounds {
        for (position, i) in round_order(queues.len(), round).enumerate() {
            runs.push(measure(queues[i], &shape, round + 1, position));
        }
    }
    let elapsed = started.elapsed();
    let rows = summarize(&queues, &runs);
    let ok = rows.iter().all(|r| r.ok);

    if args.json {
        let doc = JsonReport {
            payload_bytes: size_of::<Msg>(),
            burst: shape.burst,
            gap_ns: args.gap_ns,
            idle_us: args.idle_us,
            iters: shape.iters,
            batch: shape.batch,
            capacity: shape.capacity,
            rounds,
            cpus: thread::available_parallelism().map_or(0, |n| n.get()),
            queues: &queues,
            runs: &runs,
            rows: &rows,
            elapsed_s: elapsed.as_secs_f64(),
            ok,
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&doc).expect("the report serializes")
        );
    } else {
        print!("{}", table(&rows));
        let failed = rows.iter().filter(|r| !r.ok).count();
        println!(
            "\n{} runs in {:.1} s; check: {}",
            runs.len(),
            elapsed.as_secs_f64(),
            if failed == 0 {
                "ok on every row".to_owned()
            } else {
                format!("FAILED on {failed} row(s), see stderr")
            }
        );
    }
    for row in rows.iter().filter(|r| !r.ok) {
        for failure in &row.failures {
            eprintln!("error: {}: {failure}", row.queue.name());
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// crossbeam-channel, sabotaged: the `LOSE`th message is reported queued but never sent,
    /// and the `SWAP`th is held back and sent after the next one.
    struct Faulty<const LOSE: u64, const SWAP: u64>;

    thread_local! {
        static HELD: std::cell::Cell<Option<Msg>> = const { std::cell::Cell::new(None) };
    }

    impl<const LOSE: u64, const SWAP: u64> SyncPeer for Faulty<LOSE, SWAP> {
        const NAME: &'static str = "faulty";
        type Tx = crossbeam_channel::Sender<Msg>;
        type Rx = crossbeam_channel::Receiver<Msg>;

        fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
            crossbeam_channel::bounded(capacity)
        }

        fn send(tx: &Self::Tx, msg: Msg) -> Outcome {
            if msg.seq == LOSE {
                return Outcome::Queued;
            }
            if msg.seq == SWAP {
                HELD.set(Some(msg));
                return Outcome::Queued;
            }
            let held = HELD.take();
            let sent = tx.send(msg).is_ok() && held.is_none_or(|m| tx.send(m).is_ok());
            if sent {
                Outcome::Queued
            } else {
                Outcome::Closed
            }
        }

        fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
            peers::CrossbeamChannel::recv_batch(rx, buf, limit)
        }

        fn try_send(tx: &Self::Tx, msg: Msg) -> Result<(), Msg> {
            peers::CrossbeamChannel::try_send(tx, msg)
        }

        fn try_recv(rx: &mut Self::Rx) -> Option<Msg> {
            peers::CrossbeamChannel::try_recv(rx)
        }
    }

    fn shape() -> Shape {
        Shape {
            burst: 8,
            gap: Duration::ZERO,
            idle: Duration::from_micros(1),
            iters: 50,
            batch: 4,
            capacity: 16,
            stall: None,
        }
    }

    fn run_faulty<const LOSE: u64, const SWAP: u64>() -> RunFigures {
        run::<Faulty<LOSE, SWAP>>(&shape(), 1, 0, BurstQueue::CrossbeamChannel)
    }

    #[test]
    fn a_clean_run_passes_and_measures_every_lone_message() {
        let r = run_faulty::<{ u64::MAX }, { u64::MAX }>();
        assert!(r.ok, "{:?}", r.failures);
        assert_eq!((r.samples, r.received), (50, 50 * 9));
        assert!(r.p50_ns > 0 && r.p50_ns <= r.p95_ns && r.p95_ns <= r.p99_ns);
        if cfg!(target_os = "linux") {
            assert!(r.same_cpu.is_some_and(|s| (0.0..=1.0).contains(&s)));
            // Every lone message is on one side of the split, and the share is the split's.
            let count = |p: Option<Placed>| p.map_or(0, |p| p.samples);
            assert_eq!(count(r.apart) + count(r.shared), 50);
            #[allow(clippy::cast_precision_loss)] // small counts
            let shared = count(r.shared) as f64 / 50.0;
            assert!((r.same_cpu.unwrap() - shared).abs() < 1e-9);
        } else {
            assert_eq!(r.same_cpu, None);
            assert!(r.apart.is_none() && r.shared.is_none());
        }
    }

    #[test]
    fn a_lost_message_fails_the_run() {
        let r = run_faulty::<100, { u64::MAX }>();
        assert!(!r.ok, "a lost message went unnoticed");
        assert!(
            r.failures.iter().any(|f| f.contains("1 lost")),
            "{:?}",
            r.failures
        );
        assert!(
            r.failures
                .iter()
                .any(|f| f.contains("got message 101 where 100 was due")),
            "{:?}",
            r.failures
        );
    }

    #[test]
    fn a_reordered_message_fails_the_run() {
        // Message 30 (a burst message) arrives after 31.
        let r = run_faulty::<{ u64::MAX }, 30>();
        assert!(!r.ok, "a reordered message went unnoticed");
        assert!(
            r.failures[0].contains("got message 31 where 30 was due")
                && r.failures[0].contains("got message 30 where 32 was due"),
            "{:?}",
            r.failures
        );
    }

    #[test]
    fn a_lone_message_out_of_place_fails_the_run() {
        // Message 17 is iteration 1's lone one (burst 8): held back, it arrives after 18.
        let r = run_faulty::<{ u64::MAX }, 17>();
        assert!(!r.ok);
        assert!(r.failures[0].contains("got message 18 where 17 was due"));
    }

    #[test]
    fn each_queue_runs_first_once_over_n_rounds() {
        let firsts: Vec<usize> = (0..4)
            .map(|round| round_order(4, round).next().unwrap())
            .collect();
        assert_eq!(firsts, [0, 1, 2, 3]);
        assert_eq!(round_order(4, 6).collect::<Vec<_>>(), [2, 3, 0, 1]);
        assert_eq!(round_order(1, 3).collect::<Vec<_>>(), [0]);
    }

    fn round_of(queue: BurstQueue, round: u32, p95_us: u64, same_cpu: Option<f64>) -> RunFigures {
        RunFigures {
            round,
            position: 0,
            queue,
            samples: 10,
            p50_ns: p95_us * 500,
            p95_ns: p95_us * 1000,
            p99_ns: p95_us * 2000,
            max_ns: p95_us * 3000,
            over_100us: 0.0,
            same_cpu,
            // Where the CPUs were not known, there is no split by placement either.
            apart: same_cpu.map(|_| Placed {
                samples: 8,
                p50_ns: p95_us * 100,
                p95_ns: p95_us * 200,
                p99_ns: p95_us * 300,
            }),
            shared: None,
            received: 100,
            elapsed_s: 0.1,
            failures: Vec::new(),
            ok: true,
        }
    }

    #[test]
    fn rows_are_medians_over_the_rounds_with_the_p95_range_and_ratio() {
        use BurstQueue::{Kanal, Ryker};
        let runs = [
            round_of(Ryker, 1, 10, Some(0.0)),
            round_of(Kanal, 1, 30, Some(0.5)),
            round_of(Kanal, 2, 20, Some(0.1)),
            round_of(Ryker, 2, 14, Some(0.2)),
            round_of(Ryker, 3, 100, Some(1.0)),
            round_of(Kanal, 3, 40, None),
        ];
        let rows = summarize(&[Ryker, Kanal], &runs);
        assert_eq!(rows[0].p95_ns, 14_000.0);
        assert_eq!((rows[0].p95_min_ns, rows[0].p95_max_ns), (10_000, 100_000));
        assert_eq!(rows[0].same_cpu, Some(0.2));
        assert_eq!(rows[0].p95_apart_ns, Some(2_800.0));
        assert_eq!(rows[0].p95_ratio_vs_ryker, Some(1.0));
        assert_eq!(rows[1].p95_ns, 30_000.0);
        // Two rounds knew the CPUs: the mean of the middle two.
        assert!((rows[1].same_cpu.unwrap() - 0.3).abs() < 1e-9);
        let ratio = rows[1].p95_ratio_vs_ryker.unwrap();
        assert!((ratio - 30.0 / 14.0).abs() < 1e-9, "{ratio}");
        assert!(table(&rows).contains("2.14x"));
    }

    #[test]
    fn without_ryker_there_is_no_ratio_and_unknown_cpus_read_n_a() {
        let runs = [round_of(BurstQueue::Flume, 1, 10, None)];
        let rows = summarize(&[BurstQueue::Flume], &runs);
        assert_eq!(rows[0].p95_ratio_vs_ryker, None);
        let text = table(&rows);
        let row = text.lines().find(|l| l.contains("flume")).unwrap();
        // Neither the same-CPU share nor the p95 apart, and no ratio.
        assert_eq!(row.matches(" n/a ").count(), 2, "{row}");
        assert!(row.contains(" - "), "{row}");
    }

    #[test]
    fn only_keeps_its_order_and_drops_repeats() {
        use BurstQueue::{Flume, Kanal, Ryker};
        assert_eq!(queues(&[Kanal, Ryker, Kanal, Flume]), [Kanal, Ryker, Flume]);
        assert_eq!(queues(&[]), BurstQueue::ALL);
    }
}
