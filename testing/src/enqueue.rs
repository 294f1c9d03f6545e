//! `ryker enqueue`: move N 64-byte messages from P producer threads to one consumer thread
//! through a ryker mailbox, check exactly-once in-order delivery, and report throughput and
//! latency next to `crossbeam_channel::bounded` driven by the same code.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::sync::{mpsc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use clap::Args;
use hdrhistogram::Histogram;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ryker_core::mailbox::{try_channel, MailboxConfig, MailboxStats, Overflow};
use serde::Serialize;

use crate::summary::{nanos_histogram, rate, Percentiles};
use bench_support::sync::{Crossbeam, Outcome, PeerPolicy, Ryker, SyncPeer as Transport};
use bench_support::watchdog::{self, Heartbeats};
use bench_support::{Epoch, Msg};

/// Consumer-side progress is published in steps of this many messages.
const PROGRESS_STEP: u64 = 1 << 16;

/// Producers report progress to the watchdog once per this many sends.
const HEARTBEAT_EVERY: u64 = 1024;

/// At most this many order violations are described one by one.
const VIOLATIONS_SHOWN: usize = 10;

/// Options of `ryker enqueue`.
#[derive(Debug, Args)]
pub(crate) struct EnqueueArgs {
    /// Total number of messages to send (split evenly across producers).
    #[arg(long, value_name = "N", default_value_t = 10_000_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    messages: u64,

    /// Mailbox capacity; the allowed range is ryker-core's and is checked by it.
    #[arg(long, value_name = "N", default_value_t = 512)]
    capacity: usize,

    /// What a send does when the mailbox is full: busy, drop_newest or drop_oldest (the
    /// spelling of CONFIG.toml, parsed by ryker-core's `Overflow: FromStr`).
    #[arg(long, value_name = "POLICY", default_value = "busy", value_parser = parse_overflow)]
    overflow: OverflowArg,

    /// Number of producer threads (each one checks its own sequence order on the consumer).
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=1024))]
    producers: u32,

    /// Most messages the consumer takes per receive (1 uses `recv_blocking`, more `recv_many_blocking`).
    #[arg(long, value_name = "N", default_value_t = 128,
          value_parser = clap::value_parser!(u32).range(1..=65_536))]
    batch: u32,

    /// Stamp one message in this many with the send time (latency and send-cost samples).
    #[arg(long, value_name = "N", default_value_t = 128,
          value_parser = clap::value_parser!(u64).range(1..))]
    sample_every: u64,

    /// End a run that makes no progress for this many seconds with exit code 3 (0: never).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    stall_timeout: u64,

    /// Skip the `crossbeam_channel::bounded` reference run.
    #[arg(long)]
    no_peer: bool,

    /// Print one JSON object on stdout instead of the human report (no progress bar).
    #[arg(long)]
    json: bool,
}

/// `--overflow`: ryker-core's `Overflow`, parsed by its `FromStr` (one spelling with
/// CONFIG.toml), and what it means for the reference channel.
fn parse_overflow(s: &str) -> Result<OverflowArg, String> {
    match s.parse::<Overflow>().map_err(|e| e.to_string())? {
        Overflow::Busy => Ok(OverflowArg::Busy),
        Overflow::DropNewest => Ok(OverflowArg::DropNewest),
        Overflow::DropOldest => Ok(OverflowArg::DropOldest),
        other => Err(format!(
            "overflow policy {other} is not supported by `ryker enqueue`"
        )),
    }
}

/// `--overflow` values, mapped onto ryker's `Overflow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum OverflowArg {
    /// The sender waits (`send_blocking` parks) until there is room.
    Busy,
    /// A message sent to a full mailbox is discarded.
    DropNewest,
    /// A message sent to a full mailbox displaces the oldest queued one.
    DropOldest,
}

impl OverflowArg {
    fn ryker(self) -> Overflow {
        match self {
            Self::Busy => Overflow::Busy,
            Self::DropNewest => Overflow::DropNewest,
            Self::DropOldest => Overflow::DropOldest,
        }
    }

    fn peer(self) -> PeerPolicy {
        match self {
            Self::Busy => PeerPolicy::Block,
            Self::DropNewest => PeerPolicy::DropNewest,
            Self::DropOldest => PeerPolicy::DropOldest,
        }
    }

    fn name(self) -> &'static str {
        self.ryker().as_str()
    }
}

/// The shape of one run, shared by the ryker and the reference run.
#[derive(Debug, Clone, Copy)]
struct Shape {
    messages: u64,
    producers: u32,
    batch: usize,
    sample_every: u64,
    overflow: OverflowArg,
    progress: bool,
    stall_timeout: Option<Duration>,
}

impl Shape {
    /// Messages producer `id` sends: an even split, the remainder going to the first producers.
    fn quota(&self, id: u32) -> u64 {
        let p = u64::from(self.producers);
        self.messages / p + u64::from(u64::from(id) < self.messages % p)
    }
}

/// What one producer did.
#[derive(Debug)]
struct ProducerTally {
    sent: u64,
    displaced_oldest: u64,
    dropped_newest: u64,
    closed: u64,
    send_cost: Histogram<u64>,
}

/// What the consumer saw.
#[derive(Debug)]
struct ConsumerTally {
    elapsed: Duration,
    received: Vec<u64>,
    violations: u64,
    first_violations: Vec<String>,
    latency: Histogram<u64>,
}

/// `MailboxStats`, as reported.
#[derive(Debug, Clone, Copy, Serialize)]
struct StatsReport {
    accepted: u64,
    busy: u64,
    dropped_newest: u64,
    dropped_oldest: u64,
    received: u64,
    discarded: u64,
    high_water: usize,
}

impl From<&MailboxStats> for StatsReport {
    fn from(s: &MailboxStats) -> Self {
        Self {
            accepted: s.accepted,
            busy: s.busy,
            dropped_newest: s.dropped_newest,
            dropped_oldest: s.dropped_oldest,
            received: s.received,
            discarded: s.discarded,
            high_water: s.high_water,
        }
    }
}

/// The outcome of one run, checked.
#[derive(Debug, Serialize)]
struct RunReport {
    queue: String,
    elapsed_s: f64,
    /// Delivered messages per second.
    throughput_msgs_per_s: f64,
    /// Attempted sends per second (differs from throughput only when messages are dropped).
    offered_msgs_per_s: f64,
    sent: u64,
    delivered: u64,
    dropped_newest: u64,
    displaced_oldest: u64,
    latency_ns: Percentiles,
    send_ns: Percentiles,
    #[serde(skip_serializing_if = "Option::is_none")]
    mailbox_stats: Option<StatsReport>,
    failures: Vec<String>,
    ok: bool,
}

/// The whole JSON document.
#[derive(Debug, Serialize)]
struct JsonReport<'a> {
    messages: u64,
    payload_bytes: usize,
    capacity: usize,
    overflow: OverflowArg,
    producers: u32,
    batch: usize,
    sample_every: u64,
    ryker: &'a RunReport,
    peer: Option<&'a RunReport>,
    /// ryker throughput divided by the reference throughput.
    ratio_vs_peer: Option<f64>,
    ok: bool,
}

/// Runs `ryker enqueue`.
pub(crate) fn main(args: &EnqueueArgs) -> ExitCode {
    let config = MailboxConfig {
        capacity: args.capacity,
        overflow: args.overflow.ryker(),
        ..MailboxConfig::default()
    };
    // ryker-core owns config validation; report its message (field, value, allowed range) verbatim.
    let (tx, rx) = match try_channel::<Msg>(config) {
        Ok(pair) => pair,
        Err(err) => {
            eprintln!("error: --capacity {} rejected: {err}", args.capacity);
            return ExitCode::from(2);
        }
    };

    let shape = Shape {
        messages: args.messages,
        producers: args.producers,
        batch: args.batch as usize,
        sample_every: args.sample_every,
        overflow: args.overflow,
        progress: !args.json,
        stall_timeout: (args.stall_timeout > 0).then(|| Duration::from_secs(args.stall_timeout)),
    };
    if !args.json {
        println!(
            "ryker enqueue: {} messages x {} B, capacity {}, overflow {}, {} producer{} -> 1 consumer (batch {})",
            args.messages,
            size_of::<Msg>(),
            args.capacity,
            args.overflow.name(),
            args.producers,
            if args.producers == 1 { "" } else { "s" },
            args.batch,
        );
    }

    let (ryker_tally, rx) = drive::<Ryker>(tx, rx, &shape, "ryker mailbox");
    let stats = rx.stats();
    drop(rx);
    let ryker = check(
        "ryker mailbox".to_owned(),
        &shape,
        &ryker_tally,
        Some(&stats),
    );

    let peer = (!args.no_peer).then(|| {
        let name = format!("crossbeam_channel::bounded({})", args.capacity);
        let (tx, rx) = Crossbeam::with_policy(args.capacity, args.overflow.peer());
        let (tally, _rx) = drive::<Crossbeam>(tx, rx, &shape, "crossbeam reference");
        check(name, &shape, &tally, None)
    });
    let ratio = peer
        .as_ref()
        .map(|p| ryker.throughput_msgs_per_s / p.throughput_msgs_per_s);
    let ok = ryker.ok && peer.as_ref().is_none_or(|p| p.ok);

    if args.json {
        let doc = JsonReport {
            messages: args.messages,
            payload_bytes: size_of::<Msg>(),
            capacity: args.capacity,
            overflow: args.overflow,
            producers: args.producers,
            batch: shape.batch,
            sample_every: args.sample_every,
            ryker: &ryker,
            peer: peer.as_ref(),
            ratio_vs_peer: ratio,
            ok,
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&doc).expect("report serializes")
        );
    } else {
        print_human(&ryker, &shape);
        if let (Some(p), Some(r)) = (&peer, ratio) {
            // Under a drop policy the producers never wait, so the offered rate is compared too.
            let offered = if args.overflow == OverflowArg::Busy {
                String::new()
            } else {
                format!(
                    "; offered {} -> {:.2}x",
                    rate(p.offered_msgs_per_s),
                    ryker.offered_msgs_per_s / p.offered_msgs_per_s
                )
            };
            println!(
                "reference: {} throughput {} (p50 latency {}, check {}) -> ryker/crossbeam = {r:.2}x{offered}",
                p.queue,
                rate(p.throughput_msgs_per_s),
                crate::summary::nanos(p.latency_ns.p50),
                if p.ok { "ok" } else { "FAILED" },
            );
        }
    }
    for report in std::iter::once(&ryker).chain(peer.as_ref()) {
        for failure in &report.failures {
            eprintln!("error: {}: {failure}", report.queue);
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn print_human(r: &RunReport, shape: &Shape) {
    println!(
        "{}: throughput {} ({} delivered in {:.3} s; offered {}: {} sent, {} dropped-newest, {} displaced-oldest)",
        r.queue,
        rate(r.throughput_msgs_per_s),
        r.delivered,
        r.elapsed_s,
        rate(r.offered_msgs_per_s),
        r.sent,
        r.dropped_newest,
        r.displaced_oldest,
    );
    println!("  enqueue->dequeue latency  {}", r.latency_ns.line());
    println!("  send cost (per op)        {}", r.send_ns.line());
    println!(
        "  (1 message in {} sampled for latency and send cost)",
        shape.sample_every
    );
    if let Some(s) = &r.mailbox_stats {
        println!(
            "  mailbox stats             accepted {}, busy {}, dropped_newest {}, dropped_oldest {}, received {}, discarded {}, high_water {}",
            s.accepted, s.busy, s.dropped_newest, s.dropped_oldest, s.received, s.discarded, s.high_water
        );
    }
    if r.ok {
        let how = match shape.overflow {
            OverflowArg::Busy => "every message delivered exactly once, in order per producer",
            OverflowArg::DropNewest | OverflowArg::DropOldest => {
                "no message delivered twice or out of order; delivered + dropped = sent"
            }
        };
        println!("  check                     ok: {how}");
    } else {
        println!(
            "  check                     FAILED ({} problem(s), see stderr)",
            r.failures.len()
        );
    }
}

/// Moves `shape.messages` messages through the transport and returns the tallies and the receiver.
fn drive<T: Transport>(
    tx: T::Tx,
    mut rx: T::Rx,
    shape: &Shape,
    label: &'static str,
) -> (Tallies, T::Rx) {
    let progress = progress_bar(shape, label);
    let epoch = Epoch::now();
    let barrier = Barrier::new(shape.producers as usize + 1);
    let beats = Heartbeats::new(shape.producers);
    let (done, watching) = mpsc::channel::<()>();
    let (producers, consumer) = thread::scope(|s| {
        let (barrier, beats) = (&barrier, &beats);
        if let Some(limit) = shape.stall_timeout {
            s.spawn(move || watchdog::guard(beats, &watching, limit, label));
        }
        let handles: Vec<_> = (0..shape.producers)
            .map(|id| {
                let tx = tx.clone();
                let quota = shape.quota(id);
                thread::Builder::new()
                    .name(format!("producer-{id}"))
                    .spawn_scoped(s, move || {
                        produce::<T>(&tx, id, quota, shape.sample_every, epoch, barrier, beats)
                    })
                    .expect("spawn producer thread")
            })
            .collect();
        // Only the producers' clones may keep the queue open: the run ends when they are all gone.
        drop(tx);
        let consumer = thread::Builder::new()
            .name("consumer".to_owned())
            .spawn_scoped(s, || {
                let tally = consume::<T>(&mut rx, shape, epoch, barrier, &progress, beats);
                (tally, rx)
            })
            .expect("spawn consumer thread");
        let producers: Vec<ProducerTally> = handles
            .into_iter()
            .map(|h| h.join().expect("producer thread panicked"))
            .collect();
        let consumer = consumer.join().expect("consumer thread panicked");
        drop(done); // stops the watchdog
        (producers, consumer)
    });
    progress.finish_and_clear();
    let (consumer, rx) = consumer;
    (
        Tallies {
            producers,
            consumer,
        },
        rx,
    )
}

#[derive(Debug)]
struct Tallies {
    producers: Vec<ProducerTally>,
    consumer: ConsumerTally,
}

fn progress_bar(shape: &Shape, label: &'static str) -> ProgressBar {
    if !shape.progress {
        return ProgressBar::hidden();
    }
    let bar =
        ProgressBar::with_draw_target(Some(shape.messages), ProgressDrawTarget::stderr_with_hz(10));
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:20} [{bar:40}] {human_pos}/{human_len} ({per_sec}, {eta})",
        )
        .expect("static progress template is valid")
        .progress_chars("=> "),
    );
    bar.set_message(label);
    bar
}

fn produce<T: Transport>(
    tx: &T::Tx,
    id: u32,
    quota: u64,
    sample_every: u64,
    epoch: Epoch,
    barrier: &Barrier,
    beats: &Heartbeats,
) -> ProducerTally {
    let mut tally = ProducerTally {
        sent: 0,
        displaced_oldest: 0,
        dropped_newest: 0,
        closed: 0,
        send_cost: nanos_histogram(),
    };
    barrier.wait();
    let mut until_sample = 0;
    for seq in 0..quota {
        let mut msg = Msg::new(id, seq);
        let outcome = if until_sample == 0 {
            until_sample = sample_every - 1;
            let t0 = Instant::now();
            msg.stamp = epoch.stamp(t0);
            let outcome = T::send(tx, msg);
            tally
                .send_cost
                .saturating_record(duration_nanos(t0.elapsed()));
            outcome
        } else {
            until_sample -= 1;
            T::send(tx, msg)
        };
        tally.sent += 1;
        if seq % HEARTBEAT_EVERY == 0 {
            beats.producer(id, tally.sent);
        }
        match outcome {
            Outcome::Queued => {}
            Outcome::DisplacedOldest(n) => tally.displaced_oldest += n,
            Outcome::DroppedNewest => tally.dropped_newest += 1,
            Outcome::Closed => {
                tally.closed += 1;
                break;
            }
        }
    }
    tally
}

fn consume<T: Transport>(
    rx: &mut T::Rx,
    shape: &Shape,
    epoch: Epoch,
    barrier: &Barrier,
    progress: &ProgressBar,
    beats: &Heartbeats,
) -> ConsumerTally {
    let producers = shape.producers as usize;
    let strict = shape.overflow == OverflowArg::Busy;
    let mut next = vec![0_u64; producers];
    let mut tally = ConsumerTally {
        elapsed: Duration::ZERO,
        received: vec![0; producers],
        violations: 0,
        first_violations: Vec::new(),
        latency: nanos_histogram(),
    };
    let mut buf = Vec::with_capacity(shape.batch);
    let mut unreported = 0_u64;
    let mut received = 0_u64;
    barrier.wait();
    let start = Instant::now();
    loop {
        buf.clear();
        let n = T::recv_batch(rx, &mut buf, shape.batch);
        if n == 0 {
            break;
        }
        let mut now = None;
        for msg in buf.drain(..) {
            if msg.stamp != 0 {
                let now = *now.get_or_insert_with(|| epoch.stamp(Instant::now()));
                tally
                    .latency
                    .saturating_record(now.saturating_sub(msg.stamp).max(1));
            }
            let p = msg.producer as usize;
            let Some(expected) = next.get_mut(p) else {
                tally.violation(format!("message {} from unknown producer {p}", msg.seq));
                continue;
            };
            tally.received[p] += 1;
            // busy: exactly the next number; drop policies: any later number (gaps are drops).
            let in_order = if strict {
                msg.seq == *expected
            } else {
                msg.seq >= *expected
            };
            if !in_order {
                let what = if msg.seq < *expected {
                    "duplicate or reordered"
                } else {
                    "skipped ahead"
                };
                tally.violation(format!(
                    "producer {p}: got seq {} but expected {} ({what})",
                    msg.seq, *expected
                ));
            }
            *expected = (*expected).max(msg.seq + 1);
        }
        unreported += n as u64;
        received += n as u64;
        beats.consumer(received);
        if unreported >= PROGRESS_STEP {
            progress.inc(unreported);
            unreported = 0;
        }
    }
    tally.elapsed = start.elapsed();
    progress.inc(unreported);
    tally
}

impl ConsumerTally {
    #[cold]
    fn violation(&mut self, what: String) {
        self.violations += 1;
        if self.first_violations.len() < VIOLATIONS_SHOWN {
            self.first_violations.push(what);
        }
    }
}

fn duration_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX).max(1)
}

/// Checks delivery against what the producers report and builds the report.
fn check(queue: String, shape: &Shape, t: &Tallies, stats: Option<&MailboxStats>) -> RunReport {
    let c = &t.consumer;
    let mut failures = Vec::new();
    if c.violations > 0 {
        let mut line = format!("{} ordering/duplication violation(s):", c.violations);
        for v in &c.first_violations {
            let _ = write!(line, " [{v}]");
        }
        failures.push(line);
    }
    let sent: u64 = t.producers.iter().map(|p| p.sent).sum();
    let dropped: u64 = t.producers.iter().map(|p| p.dropped_newest).sum();
    let displaced: u64 = t.producers.iter().map(|p| p.displaced_oldest).sum();
    let closed: u64 = t.producers.iter().map(|p| p.closed).sum();
    let delivered: u64 = c.received.iter().sum();
    if closed > 0 {
        failures.push(format!("{closed} send(s) found the queue closed"));
    }
    if sent != shape.messages && closed == 0 {
        failures.push(format!(
            "producers sent {sent} messages, expected {}",
            shape.messages
        ));
    }
    match shape.overflow {
        OverflowArg::Busy | OverflowArg::DropNewest => {
            // Each producer knows exactly which of its own messages were refused.
            for (id, (p, &got)) in t.producers.iter().zip(&c.received).enumerate() {
                if got + p.dropped_newest + p.displaced_oldest != p.sent {
                    failures.push(format!(
                        "producer {id}: sent {}, delivered {got}, dropped {}: {} message(s) unaccounted for",
                        p.sent,
                        p.dropped_newest,
                        i128::from(p.sent) - i128::from(got) - i128::from(p.dropped_newest)
                    ));
                }
            }
        }
        OverflowArg::DropOldest => {
            // A displaced message may belong to any producer, so only the total balances.
            if delivered + displaced + dropped != sent {
                failures.push(format!(
                    "sent {sent}, delivered {delivered}, displaced {displaced}, dropped {dropped}: {} unaccounted for",
                    i128::from(sent) - i128::from(delivered) - i128::from(displaced) - i128::from(dropped)
                ));
            }
        }
    }
    if let Some(s) = stats {
        if s.received != delivered {
            failures.push(format!(
                "mailbox stats say {} received, the consumer counted {delivered}",
                s.received
            ));
        }
        if s.dropped_newest != dropped {
            failures.push(format!(
                "mailbox stats say {} dropped_newest, the senders saw {dropped}",
                s.dropped_newest
            ));
        }
        if s.dropped_oldest != displaced {
            failures.push(format!(
                "mailbox stats say {} dropped_oldest, the senders saw {displaced}",
                s.dropped_oldest
            ));
        }
        if s.accepted != s.received + s.dropped_oldest + s.discarded {
            failures.push(format!(
                "mailbox stats break accepted == received + dropped_oldest + discarded: {} != {} + {} + {}",
                s.accepted, s.received, s.dropped_oldest, s.discarded
            ));
        }
        if s.accepted + s.dropped_newest != sent {
            failures.push(format!(
                "mailbox stats say {} accepted + {} dropped_newest, the senders sent {sent}",
                s.accepted, s.dropped_newest
            ));
        }
    }

    let mut send_cost = nanos_histogram();
    for p in &t.producers {
        send_cost
            .add(&p.send_cost)
            .expect("histograms share bounds");
    }
    let secs = c.elapsed.as_secs_f64().max(1e-9);
    #[allow(clippy::cast_precision_loss)] // message counts far below 2^52
    let (throughput, offered) = (delivered as f64 / secs, sent as f64 / secs);
    RunReport {
        queue,
        elapsed_s: secs,
        throughput_msgs_per_s: throughput,
        offered_msgs_per_s: offered,
        sent,
        delivered,
        dropped_newest: dropped,
        displaced_oldest: displaced,
        latency_ns: Percentiles::of(&c.latency),
        send_ns: Percentiles::of(&send_cost),
        mailbox_stats: stats.map(StatsReport::from),
        ok: failures.is_empty(),
        failures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// crossbeam, sabotaged: `LOSE_EVERY`th message is reported queued but never sent, and
    /// `DUPLICATE_EVERY`th is sent twice.
    struct Faulty<const LOSE_EVERY: u64, const DUPLICATE_EVERY: u64>;

    impl<const LOSE_EVERY: u64, const DUPLICATE_EVERY: u64> Transport
        for Faulty<LOSE_EVERY, DUPLICATE_EVERY>
    {
        const NAME: &'static str = "faulty";
        type Tx = crossbeam_channel::Sender<Msg>;
        type Rx = crossbeam_channel::Receiver<Msg>;

        fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
            crossbeam_channel::bounded(capacity)
        }

        fn send(tx: &Self::Tx, msg: Msg) -> Outcome {
            if msg.seq % LOSE_EVERY == LOSE_EVERY - 1 {
                return Outcome::Queued;
            }
            if msg.seq % DUPLICATE_EVERY == DUPLICATE_EVERY - 1 {
                tx.send(msg.clone()).unwrap();
            }
            tx.send(msg).map_or(Outcome::Closed, |()| Outcome::Queued)
        }

        fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<Msg>, _limit: usize) -> usize {
            rx.recv().map_or(0, |msg| {
                buf.push(msg);
                1
            })
        }

        fn try_send(tx: &Self::Tx, msg: Msg) -> Result<(), Msg> {
            tx.try_send(msg).map_err(|e| e.into_inner())
        }

        fn try_recv(rx: &mut Self::Rx) -> Option<Msg> {
            rx.try_recv().ok()
        }
    }

    fn shape(overflow: OverflowArg) -> Shape {
        Shape {
            messages: 10_000,
            producers: 2,
            batch: 16,
            sample_every: 7,
            overflow,
            progress: false,
            stall_timeout: None,
        }
    }

    fn run<
        T: Transport<Tx = crossbeam_channel::Sender<Msg>, Rx = crossbeam_channel::Receiver<Msg>>,
    >(
        overflow: OverflowArg,
    ) -> RunReport {
        let (tx, rx) = crossbeam_channel::bounded(64);
        let shape = shape(overflow);
        let (tally, _rx) = drive::<T>(tx, rx, &shape, "test");
        check("faulty".to_owned(), &shape, &tally, None)
    }

    #[test]
    fn a_clean_queue_passes_the_check() {
        let report = run::<Faulty<{ u64::MAX }, { u64::MAX }>>(OverflowArg::Busy);
        assert!(report.ok, "{:?}", report.failures);
        assert_eq!(report.delivered, 10_000);
        assert!(report.latency_ns.samples > 0 && report.send_ns.samples > 0);
    }

    #[test]
    fn a_lost_message_fails_the_check_under_every_policy() {
        for overflow in [
            OverflowArg::Busy,
            OverflowArg::DropNewest,
            OverflowArg::DropOldest,
        ] {
            let report = run::<Faulty<1000, { u64::MAX }>>(overflow);
            assert!(!report.ok, "{overflow:?}: a lost message went unnoticed");
        }
    }

    #[test]
    fn a_duplicated_message_fails_the_check_under_every_policy() {
        for overflow in [
            OverflowArg::Busy,
            OverflowArg::DropNewest,
            OverflowArg::DropOldest,
        ] {
            let report = run::<Faulty<{ u64::MAX }, 1000>>(overflow);
            assert!(!report.ok, "{overflow:?}: a duplicate went unnoticed");
            assert!(
                report.failures[0].contains("duplicate or reordered"),
                "{:?}",
                report.failures
            );
        }
    }

    #[test]
    fn quotas_split_the_messages_exactly() {
        let s = Shape {
            messages: 10,
            producers: 3,
            ..shape(OverflowArg::Busy)
        };
        assert_eq!((0..3).map(|id| s.quota(id)).collect::<Vec<_>>(), [4, 3, 3]);
    }
}
