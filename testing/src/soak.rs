//! `ryker soak`: many actors on a real runtime, fed at a steady rate by sender tasks fanning
//! in at random, for a fixed time. Every message carries its sender and sequence number, so
//! at the end each one is accounted for: handled exactly once, returned to its sender (busy
//! past the timeout, or closed), or counted as dropped by the overflow policy.
//!
//! The run is generic over ryker's `Runtime` trait, so the same code soaks tokio, smol and
//! async-std through their adapters.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use hdrhistogram::Histogram;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ryker_core::actor::{
    Actor, ActorConfig, ActorHandle, ActorOptions, ActorReport, Context, SendTimeoutError,
    TrySendError,
};
use ryker_core::runtime::Runtime;
use serde::Serialize;

use crate::plan::{self, Plan};
use crate::summary::{nanos, rate};
use crate::usage::Span;
use bench_support::alloc::allocations;
use bench_support::Epoch;

/// Options of `ryker soak`.
#[derive(Debug, Clone, Args)]
pub(crate) struct SoakArgs {
    /// Number of actors. Their mailboxes are allocated whole, up front: with the books for
    /// `--rate` × `--duration` they must fit in 16 GiB or half the machine's memory, whichever
    /// is less, or the run is refused (exit 2) with the values that would fit.
    #[arg(long, value_name = "N", default_value_t = 10_000,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub(crate) actors: u32,

    /// Total send rate over all senders, in messages per minute.
    #[arg(long, value_name = "MSGS_PER_MIN", default_value_t = 1_000_000,
          value_parser = clap::value_parser!(u64).range(1..=6_000_000_000))]
    pub(crate) rate: u64,

    /// Length of the run in seconds. The actors then handle what is still queued (Ctrl-C ends
    /// the run or the drain early: it prints the partial report and exits with 130).
    #[arg(long, value_name = "SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub(crate) duration: u64,

    /// The runtime the actors run on.
    #[arg(long, value_enum, default_value_t = RuntimeArg::Tokio)]
    pub(crate) runtime: RuntimeArg,

    /// Worker threads of the runtime (default: the number of CPUs).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub(crate) workers: Option<u32>,

    /// Sender tasks; each picks a random actor for every message.
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=65_535))]
    pub(crate) senders: u32,

    /// Actor configuration file (`[mailbox]` table, see docs/CONFIG.md). A file named here must
    /// exist; without `--config`, ./CONFIG.toml is read if it exists, else the defaults apply.
    #[arg(long, value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,

    /// How long a sender waits for space in a full mailbox before it takes the message back
    /// (counted as a timeout), in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 100,
          value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub(crate) timeout_ms: u64,

    /// Work per handled message: busy-wait this many microseconds (0: a no-op handler).
    #[arg(long, value_name = "US", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=1_000_000))]
    pub(crate) handler_us: u64,

    /// Spread each handler's work uniformly over ±this many percent of `--handler-us`.
    #[arg(long, value_name = "PCT", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=100))]
    pub(crate) handler_jitter: u64,

    /// Bursts: every `--burst-every` seconds, send this many percent above the steady rate for
    /// one second (0: no bursts).
    #[arg(long, value_name = "PCT", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=10_000))]
    pub(crate) burst: u64,

    /// Seconds between the starts of two bursts.
    #[arg(long, value_name = "SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(2..=3_600))]
    pub(crate) burst_every: u64,

    /// End with exit code 3 if no message is handled for this many seconds (0: never).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub(crate) stall_timeout: u64,

    /// Print one JSON object on stdout instead of the human report (no progress bar).
    #[arg(long)]
    pub(crate) json: bool,

    /// Print the second-by-second timeline and burst recovery (what `ryker chaos` shows).
    #[arg(long)]
    pub(crate) chaos: bool,

    /// Install a tracing subscriber at this level (`debug` turns on ryker's per-message spans;
    /// needs the harness built with `--features observe`).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub(crate) trace_level: Option<TraceLevel>,

    /// Override the configuration's `amnesia` (needs `--features observe`).
    #[arg(long, value_name = "BOOL")]
    pub(crate) amnesia: Option<bool>,

    /// Serve the actors' metrics for Prometheus to scrape at http://ADDR/metrics (needs the
    /// harness built with `--features prometheus`).
    #[arg(long, value_name = "ADDR")]
    pub(crate) prometheus: Option<std::net::SocketAddr>,
}

/// `--trace-level` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum TraceLevel {
    /// INFO: ryker's DEBUG spans are disabled.
    Info,
    /// DEBUG: one span per handled message.
    Debug,
}

/// `--runtime` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum RuntimeArg {
    /// tokio, multi-threaded, through `ryker-tokio`.
    Tokio,
    /// smol: one `smol::Executor` run by `--workers` threads, through `ryker-smol`.
    Smol,
    /// async-std (discontinued upstream), through `ryker-asyncstd`.
    AsyncStd,
}

/// One soak message: 64 bytes, moved by value.
#[derive(Debug)]
#[repr(C)]
struct SoakMsg {
    seq: u64,
    /// Send time, nanoseconds since the run's epoch, plus one.
    stamp: u64,
    sender: u32,
    _pad: [u32; 11],
}

const _: () = assert!(size_of::<SoakMsg>() == 64);

/// Per-message bookkeeping shared by senders and actors: one bit per (sender, seq) for
/// "accepted" and one for "handled", plus the latency histograms.
struct Books {
    epoch: Epoch,
    /// Bit `seq` of sender `s` lives in `accepted[s][seq / 64]`.
    accepted: Vec<Vec<AtomicU64>>,
    handled: Vec<Vec<AtomicU64>>,
    duplicates: AtomicU64,
    out_of_order: AtomicU64,
    handled_total: AtomicU64,
    /// Latency shards (enqueue → handled, ns), one lock per shard.
    latency: Vec<Mutex<Histogram<u64>>>,
    handler_ns: u64,
    handler_jitter: u64,
}

impl Books {
    fn new(senders: u32, per_sender_capacity: u64, args: &SoakArgs) -> Self {
        let words = usize::try_from(per_sender_capacity.div_ceil(64)).expect("fits in memory");
        let bits = || (0..words).map(|_| AtomicU64::new(0)).collect::<Vec<_>>();
        Self {
            epoch: Epoch::now(),
            accepted: (0..senders).map(|_| bits()).collect(),
            handled: (0..senders).map(|_| bits()).collect(),
            duplicates: AtomicU64::new(0),
            out_of_order: AtomicU64::new(0),
            handled_total: AtomicU64::new(0),
            latency: (0..32).map(|_| Mutex::new(latency_histogram())).collect(),
            handler_ns: args.handler_us * 1_000,
            handler_jitter: args.handler_jitter,
        }
    }

    /// Sets the bit; returns whether it was already set.
    fn mark(bits: &[Vec<AtomicU64>], sender: u32, seq: u64) -> bool {
        let word = &bits[sender as usize][(seq / 64) as usize];
        // Relaxed: the bitmaps are read after every task has finished (joined through the
        // actor reports and the sender counter), which orders them.
        word.fetch_or(1 << (seq % 64), Ordering::Relaxed) & (1 << (seq % 64)) != 0
    }

    fn merged_latency(&self) -> Histogram<u64> {
        let mut all = latency_histogram();
        for shard in &self.latency {
            all.add(&*shard.lock().expect("latency shard"))
                .expect("same bounds");
        }
        all
    }
}

/// Latency shards: 1 ns..60 s at 2 significant digits (1% resolution), small enough that
/// merging them for the progress bar takes microseconds, not milliseconds.
fn latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 2).expect("static histogram bounds are valid")
}

/// A soak actor: checks per-sender order, marks each message handled, records its latency.
struct SoakActor {
    books: Arc<Books>,
    /// Next sequence number expected at least, per sender (sequences are increasing per
    /// (sender, actor) pair, not contiguous: senders pick actors at random).
    next: Vec<u64>,
    rng: fastrand::Rng,
    shard: usize,
}

impl Actor for SoakActor {
    type Msg = SoakMsg;

    async fn handle(&mut self, msg: SoakMsg, _ctx: &mut Context<Self>) {
        let books = &*self.books;
        let at = books.epoch.stamp(Instant::now());
        let next = &mut self.next[msg.sender as usize];
        if msg.seq < *next {
            books.out_of_order.fetch_add(1, Ordering::Relaxed);
        }
        *next = msg.seq + 1;
        if Books::mark(&books.handled, msg.sender, msg.seq) {
            books.duplicates.fetch_add(1, Ordering::Relaxed);
        }
        books.handled_total.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut h) = books.latency[self.shard].lock() {
            h.saturating_record(at.saturating_sub(msg.stamp));
        }
        if books.handler_ns > 0 {
            let spread = books.handler_ns * books.handler_jitter / 100;
            let ns = books.handler_ns - spread + self.rng.u64(0..=spread * 2);
            let until = Instant::now() + Duration::from_nanos(ns);
            while Instant::now() < until {
                std::hint::spin_loop();
            }
        }
    }
}

/// What senders saw.
///
/// Every access to these counters (and to `Books`' counters) is Relaxed: they are statistics,
/// read live only for the progress bar, and for the final report only after every sender has
/// finished (the `senders_done` Release/Acquire pair) and every actor has reported (its
/// report travels through a channel), which orders all their increments before the reads.
#[derive(Debug, Default)]
struct SendCounts {
    attempted: AtomicU64,
    accepted: AtomicU64,
    busy: AtomicU64,
    timeouts: AtomicU64,
    dropped: AtomicU64,
    closed: AtomicU64,
}

/// The report of a soak run.
#[derive(Debug, Serialize, serde::Deserialize)]
pub(crate) struct SoakReport {
    runtime: RuntimeArg,
    actors: u32,
    senders: u32,
    workers: u32,
    target_rate_per_min: u64,
    config: ConfigSummary,
    /// The measured span, in seconds: from the first send to the last actor's report, the
    /// drain after the deadline included. Throughput and CPU % are both over this span.
    seconds: f64,
    /// Of `seconds`, the drain: from the senders' stop to the last actor's report.
    drain_seconds: f64,
    /// Process CPU time (user + system, all threads) over the span.
    cpu_seconds: f64,
    interrupted: bool,
    sent: u64,
    accepted: u64,
    handled: u64,
    throughput_per_sec: f64,
    latency_ns: LatencySummary,
    busy: u64,
    busy_pct: f64,
    timeouts: u64,
    timeouts_pct: f64,
    returned_closed: u64,
    dropped_newest: u64,
    dropped_oldest: u64,
    /// Messages still queued when Ctrl-C aborted the actors (0 unless interrupted).
    discarded: u64,
    allocations_per_message: f64,
    peak_rss_bytes: u64,
    cpu_pct: f64,
    duplicates: u64,
    out_of_order: u64,
    lost: u64,
    accounted: bool,
    /// One row per second: what was handled, Busy %, queue depth (sum over all actors).
    timeline: Vec<Second>,
    /// Per burst: milliseconds from the end of the burst until the total queue depth is back
    /// to its level before the burst (`None`: not within the run).
    recovery_ms: Vec<Option<u64>>,
}

/// One 100 ms sample of the run, taken by the monitor thread.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    at: Duration,
    handled: u64,
    attempted: u64,
    busy: u64,
    depth: u64,
}

/// One second of the run.
#[derive(Debug, Serialize, serde::Deserialize)]
struct Second {
    second: u64,
    burst: bool,
    handled: u64,
    busy_pct: f64,
    depth_max: u64,
    depth_mean: f64,
}

#[derive(Debug, Serialize, serde::Deserialize)]
struct ConfigSummary {
    capacity: usize,
    batch_size: usize,
    yield_ms: u64,
    jitter: bool,
    overflow: String,
    amnesia: bool,
}

#[derive(Debug, Serialize, serde::Deserialize)]
struct LatencySummary {
    samples: u64,
    p50: u64,
    p95: u64,
    p99: u64,
    max: u64,
}

/// Options of `ryker chaos`: a soak with slow, jittery handlers near saturation and bursts 25%
/// above the steady rate, reported second by second.
#[derive(Debug, Clone, Args)]
pub(crate) struct ChaosArgs {
    /// Number of actors.
    #[arg(long, value_name = "N", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    actors: u32,
    /// Steady send rate, messages per minute.
    #[arg(long, value_name = "MSGS_PER_MIN", default_value_t = 1_000_000,
          value_parser = clap::value_parser!(u64).range(1..=6_000_000_000))]
    rate: u64,
    /// Length of the run in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(2..=86_400))]
    duration: u64,
    /// Injected handler latency, microseconds of busy work per message.
    #[arg(long, value_name = "US", default_value_t = 100,
          value_parser = clap::value_parser!(u64).range(0..=1_000_000))]
    handler_us: u64,
    /// Injected jitter: each handler's work is spread uniformly over ±this many percent.
    #[arg(long, value_name = "PCT", default_value_t = 50,
          value_parser = clap::value_parser!(u64).range(0..=100))]
    handler_jitter: u64,
    /// Bursts this many percent above the steady rate, one second long.
    #[arg(long, value_name = "PCT", default_value_t = 25,
          value_parser = clap::value_parser!(u64).range(0..=10_000))]
    burst: u64,
    /// Seconds between the starts of two bursts.
    #[arg(long, value_name = "SECS", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(2..=3_600))]
    burst_every: u64,
    /// The runtime the actors run on.
    #[arg(long, value_enum, default_value_t = RuntimeArg::Tokio)]
    runtime: RuntimeArg,
    /// Worker threads of the runtime (default: the number of CPUs).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    workers: Option<u32>,
    /// Actor configuration file. A file named here must exist; without `--config`,
    /// ./CONFIG.toml is read if it exists, else the defaults apply.
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// How long a sender waits for space before it takes the message back, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=60_000))]
    timeout_ms: u64,
    /// Print one JSON object on stdout instead of the human report.
    #[arg(long)]
    json: bool,
}

impl ChaosArgs {
    pub(crate) fn soak(&self) -> SoakArgs {
        SoakArgs {
            actors: self.actors,
            rate: self.rate,
            duration: self.duration,
            runtime: self.runtime,
            workers: self.workers,
            senders: 8,
            config: self.config.clone(),
            timeout_ms: self.timeout_ms,
            handler_us: self.handler_us,
            handler_jitter: self.handler_jitter,
            burst: self.burst,
            burst_every: self.burst_every,
            stall_timeout: 30,
            json: self.json,
            chaos: true,
            trace_level: None,
            amnesia: None,
            prometheus: None,
        }
    }
}

/// Set by Ctrl-C.
///
/// This flag, and the `stop` and `stalled` flags below, are read and written Relaxed: each
/// only asks its readers to wind down, publishes no data (what they then read is joined or
/// counted separately), and a reader that sees it a poll late only runs one step longer.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Exit code of a run ended by Ctrl-C (128 + SIGINT, as a shell reports it).
const INTERRUPTED_EXIT: u8 = 130;

/// Exit code of a usage error (clap's too).
const USAGE: u8 = 2;

/// The configuration: the file `--config` names, which must exist, or else ./CONFIG.toml if
/// it exists, or else the defaults.
fn load_config(path: Option<&std::path::Path>) -> Result<ActorConfig, String> {
    let Some(path) = path else {
        // The error names the file.
        return ActorConfig::load("CONFIG.toml").map_err(|e| e.to_string());
    };
    match path.try_exists() {
        Ok(true) => ActorConfig::load(path).map_err(|e| format!("--config: {e}")),
        Ok(false) => Err(format!(
            "--config {}: no such file (leave --config out to read ./CONFIG.toml if it \
             exists, or the defaults)",
            path.display()
        )),
        Err(e) => Err(format!("--config {}: {e}", path.display())),
    }
}

pub(crate) fn main(args: &SoakArgs) -> ExitCode {
    let mut config = match load_config(args.config.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("ryker soak: {e}");
            return ExitCode::from(USAGE);
        }
    };
    if let Some(amnesia) = args.amnesia {
        config.mailbox.amnesia = amnesia;
        if let Err(e) = config.validate() {
            eprintln!("ryker soak: --amnesia: {e} (build the harness with `--features observe`)");
            return ExitCode::from(2);
        }
    }
    // Before anything is allocated, spawned or served: does the run fit in memory?
    let plan = Plan {
        actors: args.actors,
        capacity: config.mailbox.capacity,
        senders: args.senders,
        rate: args.rate,
        duration: args.duration,
        burst: args.burst,
    };
    if let Err(e) = plan.check::<SoakMsg>(plan::budget()) {
        eprintln!("ryker soak: {e}");
        return ExitCode::from(USAGE);
    }
    if let Some(level) = args.trace_level {
        if let Err(e) = install_tracing(level) {
            eprintln!("ryker soak: --trace-level: {e}");
            return ExitCode::from(2);
        }
    }
    if let Some(addr) = args.prometheus {
        if let Err(e) = serve_prometheus(addr) {
            eprintln!("ryker soak: --prometheus {addr}: {e}");
            return ExitCode::from(2);
        }
    }
    // Relaxed: a flag polled by the monitor and the run; it publishes no data. The swap tells
    // a second Ctrl-C from the first: the second ends the process at once, without a report.
    if let Err(e) = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::Relaxed) {
            eprintln!("ryker soak: second Ctrl-C: exiting without a report");
            std::process::exit(i32::from(INTERRUPTED_EXIT));
        }
    }) {
        eprintln!("ryker soak: cannot install the Ctrl-C handler: {e}");
    }
    let workers = args
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get() as u32));
    let report = match args.runtime {
        RuntimeArg::Tokio => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers as usize)
                .enable_all()
                .build()
                .expect("build the tokio runtime");
            rt.block_on(run(
                ryker_tokio::Tokio::with_handle(rt.handle().clone()),
                args,
                &plan,
                config,
                workers,
            ))
        }
        RuntimeArg::Smol => {
            let ex = Arc::new(smol::Executor::new());
            let stop = Arc::new(AtomicBool::new(false));
            let threads: Vec<_> = (1..workers)
                .map(|_| {
                    let (ex, stop) = (ex.clone(), stop.clone());
                    std::thread::spawn(move || {
                        smol::block_on(ex.run(async {
                            while !stop.load(Ordering::Relaxed) {
                                smol::Timer::after(Duration::from_millis(50)).await;
                            }
                        }));
                    })
                })
                .collect();
            let report = smol::block_on(ex.run(run(
                ryker_smol::Smol::on(ex.clone()),
                args,
                &plan,
                config,
                workers,
            )));
            stop.store(true, Ordering::Relaxed);
            for t in threads {
                let _ = t.join();
            }
            report
        }
        RuntimeArg::AsyncStd => {
            // async-std sizes its pool from this variable on first use.
            std::env::set_var("ASYNC_STD_THREAD_COUNT", workers.to_string());
            async_std::task::block_on(run(ryker_asyncstd::AsyncStd, args, &plan, config, workers))
        }
    };
    let report = match report {
        Ok(report) => report,
        Err(Ended::Stalled) => return ExitCode::from(bench_support::watchdog::STALLED as u8),
        Err(Ended::Spawn(e)) => {
            eprintln!("ryker soak: {e}");
            return ExitCode::from(USAGE);
        }
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&report).expect("serialize the report")
        );
    } else {
        print_report(&report);
        if args.chaos {
            print_timeline(&report);
        }
    }
    if report.interrupted {
        ExitCode::from(INTERRUPTED_EXIT)
    } else if report.accounted {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Why a run ended without a report.
#[derive(Debug)]
enum Ended {
    /// No progress for `--stall-timeout` seconds.
    Stalled,
    /// An actor could not be spawned (its mailbox could not be allocated).
    Spawn(String),
}

/// The run itself.
async fn run<R: Runtime>(
    rt: R,
    args: &SoakArgs,
    plan: &Plan,
    config: ActorConfig,
    workers: u32,
) -> Result<SoakReport, Ended> {
    let per_sec = args.rate as f64 / 60.0;
    // Room in the bitmaps for the most a sender can send at the peak rate, plus slack.
    let per_sender = plan.per_sender();
    let books = Arc::new(Books::new(args.senders, per_sender, args));

    let mut handles: Vec<ActorHandle<SoakActor>> = Vec::with_capacity(args.actors as usize);
    for i in 0..args.actors {
        let actor = SoakActor {
            books: books.clone(),
            next: vec![0; args.senders as usize],
            rng: fastrand::Rng::with_seed(u64::from(i)),
            shard: i as usize % books.latency.len(),
        };
        let spawned = ActorOptions::new(config)
            .name(format!("soak-{i}"))
            .spawn(&rt, actor);
        match spawned {
            Ok(handle) => handles.push(handle),
            Err(e) => return Err(Ended::Spawn(format!("actor {i} of {}: {e}", args.actors))),
        }
    }
    let addrs = Arc::new(handles.iter().map(ActorHandle::addr).collect::<Vec<_>>());
    let counts = Arc::new(SendCounts::default());
    let stop = Arc::new(AtomicBool::new(false));
    let senders_done = Arc::new(AtomicU64::new(0));
    // CPU % and throughput are both measured over this one span: from here (the actors are
    // spawned, no message sent yet) to the last actor's report.
    let span = Span::start();
    let start = span.started();
    let deadline = start + Duration::from_secs(args.duration);
    eprintln!(
        "ryker soak: running {} actors for {} s (Ctrl-C stops early and still reports)",
        args.actors, args.duration
    );

    for s in 0..args.senders {
        let (rt2, addrs, counts, stop, done, books) = (
            rt.clone(),
            addrs.clone(),
            counts.clone(),
            stop.clone(),
            senders_done.clone(),
            books.clone(),
        );
        let share = per_sec / f64::from(args.senders);
        let (burst, burst_every) = (args.burst as f64 / 100.0, args.burst_every);
        let timeout = Duration::from_millis(args.timeout_ms);
        let cap = per_sender;
        rt.spawn(async move {
            let mut rng = fastrand::Rng::with_seed(0x5eed ^ u64::from(s));
            let mut seq = 0u64;
            // Target messages sent by now, integrated over the (bursting) rate.
            let mut due = 0.0f64;
            let mut last = Instant::now();
            while !stop.load(Ordering::Relaxed) && seq < cap {
                let now = Instant::now();
                let secs = now.duration_since(start).as_secs();
                let in_burst = burst > 0.0 && secs % burst_every == burst_every - 1;
                let r = if in_burst {
                    share * (1.0 + burst)
                } else {
                    share
                };
                due += r * now.duration_since(last).as_secs_f64();
                last = now;
                // `stop` is checked per message too: a sender behind its schedule (every send
                // waiting out its timeout on a full mailbox) must not run on past the deadline.
                while due >= 1.0 && seq < cap && !stop.load(Ordering::Relaxed) {
                    due -= 1.0;
                    let addr = &addrs[rng.usize(..addrs.len())];
                    let msg = SoakMsg {
                        seq,
                        stamp: books.epoch.stamp(Instant::now()),
                        sender: s,
                        _pad: [0; 11],
                    };
                    counts.attempted.fetch_add(1, Ordering::Relaxed);
                    let outcome = match addr.try_tell(msg) {
                        Ok(_) => Ok(()),
                        Err(TrySendError::Busy(msg)) => {
                            counts.busy.fetch_add(1, Ordering::Relaxed);
                            match addr.tell_timeout(msg, timeout).await {
                                Ok(_) => Ok(()),
                                Err(SendTimeoutError::Timeout(_)) => Err(&counts.timeouts),
                                Err(SendTimeoutError::Dropped) => Err(&counts.dropped),
                                Err(SendTimeoutError::Closed(_)) => Err(&counts.closed),
                                Err(other) => panic!("unexpected {other:?}"),
                            }
                        }
                        Err(TrySendError::Dropped) => Err(&counts.dropped),
                        Err(TrySendError::Closed(_)) => Err(&counts.closed),
                        Err(other) => panic!("unexpected {other:?}"),
                    };
                    match outcome {
                        Ok(()) => {
                            Books::mark(&books.accepted, s, seq);
                            counts.accepted.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(counter) => {
                            counter.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    seq += 1;
                }
                rt2.sleep(Duration::from_millis(1)).await;
            }
            done.fetch_add(1, Ordering::Release);
        });
    }

    // Progress and stall watch run on their own thread, so merging histograms for the bar
    // never occupies a runtime worker.
    let warmup = Duration::from_millis(500).min(Duration::from_secs(args.duration) / 4);
    let stalled = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicBool::new(false));
    let monitor = {
        let (books, counts, stop, stalled, finished) = (
            books.clone(),
            counts.clone(),
            stop.clone(),
            stalled.clone(),
            finished.clone(),
        );
        let (json, duration, stall_timeout) = (args.json, args.duration, args.stall_timeout);
        let addrs = addrs.clone();
        std::thread::spawn(move || {
            let watch = Watch {
                books: &books,
                counts: &counts,
                addrs: &addrs,
                stop: &stop,
                stalled: &stalled,
                finished: &finished,
            };
            monitor(&watch, json, duration, stall_timeout, start, deadline)
        })
    };
    let end_monitor = |monitor: std::thread::JoinHandle<Vec<Sample>>| {
        // Relaxed: the join below orders everything the monitor did.
        finished.store(true, Ordering::Relaxed);
        monitor.join().unwrap_or_default()
    };
    rt.sleep(warmup).await;
    let warmup_allocs = (allocations(), counts.attempted.load(Ordering::Relaxed));
    while !stop.load(Ordering::Relaxed) {
        rt.sleep(Duration::from_millis(20)).await;
    }
    // Each sender ends within one `--timeout-ms` of the stop.
    while senders_done.load(Ordering::Acquire) < u64::from(args.senders) {
        rt.sleep(Duration::from_millis(5)).await;
    }
    let allocs = allocations() - warmup_allocs.0;
    let sent_after_warmup = counts.attempted.load(Ordering::Relaxed) - warmup_allocs.1;
    // The drain: the actors handle what is still queued (the monitor shows how much is left);
    // Ctrl-C or a stall cuts it short.
    let drain_from = Instant::now();
    while !INTERRUPTED.load(Ordering::Relaxed)
        && !stalled.load(Ordering::Relaxed)
        && left(&books, &counts, &addrs) > 0
    {
        rt.sleep(Duration::from_millis(20)).await;
    }
    if stalled.load(Ordering::Relaxed) {
        end_monitor(monitor);
        eprintln!(
            "ryker soak: no message handled for {} s with {} accepted and {} handled: stalled",
            args.stall_timeout,
            counts.accepted.load(Ordering::Relaxed),
            books.handled_total.load(Ordering::Relaxed)
        );
        return Err(Ended::Stalled);
    }
    drop(addrs);
    // After Ctrl-C, abort: each actor finishes the message in hand and discards (counts) the
    // rest. Otherwise shut down: nothing is left but the messages in hand.
    let interrupted = INTERRUPTED.load(Ordering::Relaxed);
    let mut reports: Vec<ActorReport> = Vec::with_capacity(handles.len());
    for handle in handles {
        if interrupted {
            handle.abort();
        } else {
            handle.shutdown();
        }
        let report = handle.await;
        match report {
            Ok(report) => reports.push(report),
            Err(e) => eprintln!("ryker soak: an actor did not report: {e}"),
        }
    }
    let measured = span.finish();
    let samples = end_monitor(monitor);
    let mut report = account(
        args,
        config,
        workers,
        &books,
        &counts,
        &reports,
        &Measured {
            drain_seconds: measured.end.duration_since(drain_from).as_secs_f64(),
            allocs,
            sent_after_warmup,
            span: measured,
        },
    );
    report.timeline = timeline(&samples, args);
    report.recovery_ms = recovery(&samples, args);
    Ok(report)
}

/// Accepted messages neither handled (begun) nor evicted: what the drain still has to do,
/// queued in a mailbox or taken into an actor's batch. Exact once the senders are done.
fn left<A: Actor>(books: &Books, counts: &SendCounts, addrs: &[ryker_core::actor::Addr<A>]) -> u64 {
    let accepted = counts.accepted.load(Ordering::Relaxed);
    let handled = books.handled_total.load(Ordering::Relaxed);
    if handled >= accepted {
        return 0;
    }
    let evicted: u64 = addrs.iter().map(|a| a.stats().dropped_oldest).sum();
    accepted.saturating_sub(handled + evicted)
}

/// What the run measured besides the counters.
struct Measured {
    span: crate::usage::Measured,
    drain_seconds: f64,
    allocs: u64,
    sent_after_warmup: u64,
}

impl SoakReport {
    /// p95 enqueue→handle latency, nanoseconds.
    pub(crate) fn latency_p95(&self) -> u64 {
        self.latency_ns.p95
    }

    /// Process CPU time over the run per handled message, in nanoseconds.
    pub(crate) fn cpu_ns_per_message(&self) -> f64 {
        self.cpu_seconds * 1e9 / self.handled.max(1) as f64
    }

    /// Whether every message was accounted for.
    pub(crate) fn accounted(&self) -> bool {
        self.accounted
    }
}

/// Checks every message and builds the report.
fn account(
    args: &SoakArgs,
    config: ActorConfig,
    workers: u32,
    books: &Books,
    counts: &SendCounts,
    reports: &[ActorReport],
    measured: &Measured,
) -> SoakReport {
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let handled: u64 = reports.iter().map(|r| r.handled).sum();
    let dropped_oldest: u64 = reports.iter().map(|r| r.mailbox.dropped_oldest).sum();
    let dropped_newest: u64 = reports.iter().map(|r| r.mailbox.dropped_newest).sum();
    let discarded: u64 = reports.iter().map(|r| r.discarded).sum();
    let seconds = measured.span.seconds;
    // Bit by bit: handled ⊆ accepted, and accepted \ handled are exactly the evictions and
    // (after Ctrl-C) what the abort discarded.
    let mut accepted_bits = 0u64;
    let mut handled_not_accepted = 0u64;
    let mut accepted_not_handled = 0u64;
    for (acc, han) in books.accepted.iter().zip(&books.handled) {
        for (a, h) in acc.iter().zip(han) {
            let (a, h) = (a.load(Ordering::Relaxed), h.load(Ordering::Relaxed));
            accepted_bits += u64::from(a.count_ones());
            handled_not_accepted += u64::from((h & !a).count_ones());
            accepted_not_handled += u64::from((a & !h).count_ones());
        }
    }
    let lost = accepted_not_handled.saturating_sub(dropped_oldest + discarded);
    let sent = load(&counts.attempted);
    let accounted = handled_not_accepted == 0
        && accepted_not_handled == dropped_oldest + discarded
        && accepted_bits == load(&counts.accepted)
        && handled == load(&books.handled_total)
        && handled + dropped_oldest + discarded == accepted_bits
        && sent
            == accepted_bits
                + load(&counts.timeouts)
                + load(&counts.dropped)
                + load(&counts.closed)
        && load(&books.duplicates) == 0
        && load(&books.out_of_order) == 0;
    let h = books.merged_latency();
    let pct = |n: u64| 100.0 * n as f64 / sent.max(1) as f64;
    SoakReport {
        runtime: args.runtime,
        actors: args.actors,
        senders: args.senders,
        workers,
        target_rate_per_min: args.rate,
        config: ConfigSummary {
            capacity: config.mailbox.capacity,
            batch_size: config.batch_size,
            yield_ms: config.yield_ms,
            jitter: config.jitter,
            overflow: config.mailbox.overflow.to_string(),
            amnesia: config.mailbox.amnesia,
        },
        seconds,
        drain_seconds: measured.drain_seconds,
        cpu_seconds: measured.span.cpu_seconds,
        interrupted: INTERRUPTED.load(Ordering::Relaxed),
        sent,
        accepted: accepted_bits,
        handled,
        throughput_per_sec: handled as f64 / seconds,
        latency_ns: LatencySummary {
            samples: h.len(),
            p50: h.value_at_quantile(0.50),
            p95: h.value_at_quantile(0.95),
            p99: h.value_at_quantile(0.99),
            max: h.max(),
        },
        busy: load(&counts.busy),
        busy_pct: pct(load(&counts.busy)),
        timeouts: load(&counts.timeouts),
        timeouts_pct: pct(load(&counts.timeouts)),
        returned_closed: load(&counts.closed),
        dropped_newest,
        dropped_oldest,
        discarded,
        allocations_per_message: measured.allocs as f64 / measured.sent_after_warmup.max(1) as f64,
        peak_rss_bytes: measured.span.peak_rss,
        cpu_pct: 100.0 * measured.span.cpu_seconds / seconds,
        duplicates: load(&books.duplicates),
        out_of_order: load(&books.out_of_order),
        lost,
        accounted,
        timeline: Vec::new(),
        recovery_ms: Vec::new(),
    }
}

/// What the monitor thread watches.
struct Watch<'a, A: Actor> {
    books: &'a Books,
    counts: &'a SendCounts,
    addrs: &'a [ryker_core::actor::Addr<A>],
    stop: &'a AtomicBool,
    stalled: &'a AtomicBool,
    finished: &'a AtomicBool,
}

/// How often the drain says how much is left when there is no progress bar to show it.
const DRAIN_LINE_EVERY: Duration = Duration::from_secs(5);

/// Samples the run every 100 ms, draws the progress bar and watches for stalls; sets `stop`
/// at the deadline, on Ctrl-C or on a stall. Then, through the drain, shows how much is still
/// queued (and keeps watching for stalls) until `finished`.
fn monitor<A: Actor>(
    w: &Watch<'_, A>,
    json: bool,
    duration: u64,
    stall_timeout: u64,
    start: Instant,
    deadline: Instant,
) -> Vec<Sample> {
    let bar = progress_bar(json, duration);
    let mut samples = Vec::with_capacity(duration as usize * 10 + 16);
    let mut last_handled = 0;
    let mut last_progress = Instant::now();
    let mut draining = false;
    let mut last_line = Instant::now();
    // Relaxed, here and below: flags and statistics; the run's end is ordered by the join.
    while !w.finished.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        let now = Instant::now();
        let handled = w.books.handled_total.load(Ordering::Relaxed);
        let attempted = w.counts.attempted.load(Ordering::Relaxed);
        let busy = w.counts.busy.load(Ordering::Relaxed);
        let depth = w.addrs.iter().map(|a| a.len() as u64).sum();
        samples.push(Sample {
            at: now.duration_since(start),
            handled,
            attempted,
            busy,
            depth,
        });
        if handled != last_handled {
            last_handled = handled;
            last_progress = now;
        }
        if stall_timeout > 0
            && now.duration_since(last_progress) > Duration::from_secs(stall_timeout)
            && w.counts.accepted.load(Ordering::Relaxed) > handled
        {
            w.stalled.store(true, Ordering::Relaxed);
            break;
        }
        let interrupted = INTERRUPTED.load(Ordering::Relaxed);
        if !draining && (now >= deadline || interrupted) {
            draining = true;
            w.stop.store(true, Ordering::Relaxed);
            let left = left(w.books, w.counts, w.addrs);
            if left > 0 && !interrupted {
                bar.suspend(|| {
                    eprintln!(
                        "ryker soak: deadline reached: {left} messages still queued; \
                         handling them (Ctrl-C stops)"
                    );
                });
                last_line = now;
                bar.set_style(
                    ProgressStyle::with_template("drain {spinner} {msg}").expect("static template"),
                );
            }
        }
        if draining {
            if interrupted {
                continue;
            }
            let left = left(w.books, w.counts, w.addrs);
            if bar.is_hidden() {
                if left > 0 && now.duration_since(last_line) >= DRAIN_LINE_EVERY {
                    eprintln!("ryker soak: {left} messages still queued");
                    last_line = now;
                }
            } else {
                bar.set_message(format!("{left} messages still queued, {handled} handled"));
                bar.tick();
            }
            continue;
        }
        if json || !samples.len().is_multiple_of(10) {
            continue;
        }
        let p99 = w.books.merged_latency().value_at_quantile(0.99);
        let secs = now.duration_since(start).as_secs_f64();
        bar.set_position(now.duration_since(start).as_secs().min(duration));
        bar.set_message(format!(
            "{}  busy {:.2}%  depth {depth}  p99 {}",
            rate(handled as f64 / secs.max(1e-9)),
            100.0 * busy as f64 / attempted.max(1) as f64,
            nanos(p99)
        ));
    }
    bar.finish_and_clear();
    w.stop.store(true, Ordering::Relaxed);
    samples
}

/// Whether second `sec` of the run is a burst second.
fn in_burst(sec: u64, args: &SoakArgs) -> bool {
    args.burst > 0 && sec % args.burst_every == args.burst_every - 1
}

/// Per-second rows from the 100 ms samples.
fn timeline(samples: &[Sample], args: &SoakArgs) -> Vec<Second> {
    let mut rows = Vec::new();
    let mut prev = Sample {
        at: Duration::ZERO,
        handled: 0,
        attempted: 0,
        busy: 0,
        depth: 0,
    };
    for chunk in samples.chunk_by(|a, b| a.at.as_secs() == b.at.as_secs()) {
        let last = chunk[chunk.len() - 1];
        let second = chunk[0].at.as_secs();
        let sent = last.attempted - prev.attempted;
        rows.push(Second {
            second,
            // The drain after the deadline sends nothing: no bursts there.
            burst: second < args.duration && in_burst(second, args),
            handled: last.handled - prev.handled,
            busy_pct: 100.0 * (last.busy - prev.busy) as f64 / sent.max(1) as f64,
            depth_max: chunk.iter().map(|s| s.depth).max().unwrap_or(0),
            depth_mean: chunk.iter().map(|s| s.depth as f64).sum::<f64>() / chunk.len() as f64,
        });
        prev = last;
    }
    rows
}

/// For each burst: how long after it ended the total depth came back to its pre-burst level
/// (the highest depth seen in the second before the burst, plus one batch of slack per worker).
fn recovery(samples: &[Sample], args: &SoakArgs) -> Vec<Option<u64>> {
    if args.burst == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut sec = args.burst_every - 1;
    while sec + 1 < args.duration {
        let (burst_start, burst_end) = (Duration::from_secs(sec), Duration::from_secs(sec + 1));
        let before = samples
            .iter()
            .filter(|s| s.at + Duration::from_secs(1) >= burst_start && s.at < burst_start)
            .map(|s| s.depth)
            .max()
            .unwrap_or(0);
        let level = before + 64;
        let next_burst = burst_start + Duration::from_secs(args.burst_every);
        out.push(
            samples
                .iter()
                .filter(|s| s.at >= burst_end && s.at < next_burst)
                .find(|s| s.depth <= level)
                .map(|s| (s.at - burst_end).as_millis() as u64),
        );
        sec += args.burst_every;
    }
    out
}

fn progress_bar(json: bool, duration: u64) -> ProgressBar {
    if json {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(duration), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("soak [{bar:30}] {pos}/{len} s  {msg}")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar
}

fn print_report(r: &SoakReport) {
    let c = &r.config;
    println!(
        "ryker soak: {} actors on {:?} ({} workers), {} senders, target {} msg/min, {:.1} s{}",
        r.actors,
        r.runtime,
        r.workers,
        r.senders,
        r.target_rate_per_min,
        r.seconds,
        if r.interrupted { " (interrupted)" } else { "" }
    );
    println!(
        "config: capacity {}, batch_size {}, yield_ms {}, jitter {}, overflow {}, amnesia {}",
        c.capacity, c.batch_size, c.yield_ms, c.jitter, c.overflow, c.amnesia
    );
    let l = &r.latency_ns;
    println!("  throughput                {}", rate(r.throughput_per_sec));
    println!(
        "  enqueue→handle latency    p50 {}  p95 {}  p99 {}  max {}  ({} samples)",
        nanos(l.p50),
        nanos(l.p95),
        nanos(l.p99),
        nanos(l.max),
        l.samples
    );
    println!("  sent                      {}", r.sent);
    println!("  accepted                  {}", r.accepted);
    println!("  handled                   {}", r.handled);
    println!(
        "  busy (first try)          {} ({:.3}%)",
        r.busy, r.busy_pct
    );
    println!(
        "  timeouts (returned)       {} ({:.3}%)",
        r.timeouts, r.timeouts_pct
    );
    println!("  closed (returned)         {}", r.returned_closed);
    println!(
        "  dropped by policy         newest {}  oldest {}",
        r.dropped_newest, r.dropped_oldest
    );
    if r.interrupted {
        println!("  discarded (Ctrl-C)        {}", r.discarded);
    }
    println!(
        "  allocations per message   {:.3}",
        r.allocations_per_message
    );
    println!(
        "  peak RSS                  {:.1} MiB",
        r.peak_rss_bytes as f64 / (1024.0 * 1024.0)
    );
    println!(
        "  CPU                       {:.0}% ({:.2} s of CPU in {:.2} s, {:.2} s of it draining)",
        r.cpu_pct, r.cpu_seconds, r.seconds, r.drain_seconds
    );
    println!(
        "  check                     {} (duplicates {}, out of order {}, lost {})",
        if r.accounted {
            "ok: sent = handled + returned + dropped + discarded"
        } else {
            "FAILED"
        },
        r.duplicates,
        r.out_of_order,
        r.lost
    );
}

fn print_timeline(r: &SoakReport) {
    println!();
    println!("  second  burst  handled/s   busy %   depth max   depth mean");
    for row in &r.timeline {
        println!(
            "  {:>6}  {:>5}  {:>9}  {:>7.2}  {:>10}  {:>11.1}",
            row.second,
            if row.burst { "yes" } else { "" },
            row.handled,
            row.busy_pct,
            row.depth_max,
            row.depth_mean
        );
    }
    if !r.recovery_ms.is_empty() {
        let shown: Vec<String> = r
            .recovery_ms
            .iter()
            .map(|ms| ms.map_or_else(|| "not recovered".to_owned(), |ms| format!("{ms} ms")))
            .collect();
        println!("  time to recover after each burst: {}", shown.join(", "));
    }
}

/// Installs a global tracing subscriber at `level` that formats every event and span and
/// writes them nowhere: the cost of spans, without the cost of a terminal.
#[cfg(feature = "observe")]
fn install_tracing(level: TraceLevel) -> Result<(), String> {
    let level = match level {
        TraceLevel::Info => tracing::Level::INFO,
        TraceLevel::Debug => tracing::Level::DEBUG,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::sink)
        .try_init()
        .map_err(|e| e.to_string())
}

/// Without the `observe` feature ryker-core has no spans to measure.
#[cfg(not(feature = "observe"))]
fn install_tracing(_level: TraceLevel) -> Result<(), String> {
    Err("this build has no tracing; rebuild with \
         `cargo run --release -p ryker --features observe -- ...`"
        .to_owned())
}

/// Installs the Prometheus exporter as the `metrics` recorder, serving `addr`.
#[cfg(feature = "prometheus")]
fn serve_prometheus(addr: std::net::SocketAddr) -> Result<(), String> {
    metrics_exporter_prometheus::PrometheusBuilder::new()
        .with_http_listener(addr)
        .install()
        .map_err(|e| e.to_string())
}

/// Without the `prometheus` feature there is no exporter (and ryker-core records no metrics).
#[cfg(not(feature = "prometheus"))]
fn serve_prometheus(_addr: std::net::SocketAddr) -> Result<(), String> {
    Err("this build has no Prometheus exporter; rebuild with \
         `cargo run --release -p ryker --features prometheus -- soak --prometheus ADDR`"
        .to_owned())
}
