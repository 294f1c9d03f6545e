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

use crate::alloc_count;
use crate::payload::Epoch;
use crate::summary::{nanos, rate};
use crate::usage::Usage;

/// Options of `ryker soak`.
#[derive(Debug, Clone, Args)]
pub(crate) struct SoakArgs {
    /// Number of actors.
    #[arg(long, value_name = "N", default_value_t = 10_000,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub(crate) actors: u32,

    /// Total send rate over all senders, in messages per minute.
    #[arg(long, value_name = "MSGS_PER_MIN", default_value_t = 1_000_000,
          value_parser = clap::value_parser!(u64).range(1..=6_000_000_000))]
    pub(crate) rate: u64,

    /// Length of the run in seconds (Ctrl-C ends it early and still reports).
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

    /// Actor configuration file (`[mailbox]` table, see docs/CONFIG.md); a missing file means
    /// the defaults.
    #[arg(long, value_name = "PATH", default_value = "CONFIG.toml")]
    pub(crate) config: PathBuf,

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
    seconds: f64,
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
    /// Actor configuration file (a missing file means the defaults).
    #[arg(long, value_name = "PATH", default_value = "CONFIG.toml")]
    config: PathBuf,
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
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

pub(crate) fn main(args: &SoakArgs) -> ExitCode {
    let mut config = match ActorConfig::load(&args.config) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("ryker soak: --config: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(amnesia) = args.amnesia {
        config.mailbox.amnesia = amnesia;
        if let Err(e) = config.validate() {
            eprintln!("ryker soak: --amnesia: {e} (build the harness with `--features observe`)");
            return ExitCode::from(2);
        }
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
    if let Err(e) = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::Relaxed)) {
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
            async_std::task::block_on(run(ryker_asyncstd::AsyncStd, args, config, workers))
        }
    };
    let Some(report) = report else {
        return ExitCode::from(crate::watchdog::STALLED as u8);
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
    if report.accounted {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The run itself; `None` if it stalled.
async fn run<R: Runtime>(
    rt: R,
    args: &SoakArgs,
    config: ActorConfig,
    workers: u32,
) -> Option<SoakReport> {
    let per_sec = args.rate as f64 / 60.0;
    let peak = per_sec * (1.0 + args.burst as f64 / 100.0);
    // Room in the bitmaps for the most a sender can send at the peak rate, plus slack.
    let per_sender = (peak * args.duration as f64 / f64::from(args.senders) * 1.1) as u64 + 1024;
    let books = Arc::new(Books::new(args.senders, per_sender, args));
    let usage = Usage::start();

    let handles: Vec<ActorHandle<SoakActor>> = (0..args.actors)
        .map(|i| {
            let actor = SoakActor {
                books: books.clone(),
                next: vec![0; args.senders as usize],
                rng: fastrand::Rng::with_seed(u64::from(i)),
                shard: i as usize % books.latency.len(),
            };
            ActorOptions::new(config)
                .name(format!("soak-{i}"))
                .spawn(&rt, actor)
                .expect("the configuration was validated on load")
        })
        .collect();
    let addrs = Arc::new(handles.iter().map(ActorHandle::addr).collect::<Vec<_>>());
    let counts = Arc::new(SendCounts::default());
    let stop = Arc::new(AtomicBool::new(false));
    let senders_done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + Duration::from_secs(args.duration);

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
                while due >= 1.0 && seq < cap {
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
                            }
                        }
                        Err(TrySendError::Dropped) => Err(&counts.dropped),
                        Err(TrySendError::Closed(_)) => Err(&counts.closed),
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
    let monitor = {
        let (books, counts, stop, stalled) =
            (books.clone(), counts.clone(), stop.clone(), stalled.clone());
        let (json, duration, stall_timeout) = (args.json, args.duration, args.stall_timeout);
        let addrs = addrs.clone();
        std::thread::spawn(move || {
            let watch = Watch {
                books: &books,
                counts: &counts,
                addrs: &addrs,
                stop: &stop,
                stalled: &stalled,
            };
            monitor(&watch, json, duration, stall_timeout, start, deadline)
        })
    };
    rt.sleep(warmup).await;
    let warmup_allocs = (
        alloc_count::allocations(),
        counts.attempted.load(Ordering::Relaxed),
    );
    while !stop.load(Ordering::Relaxed) {
        rt.sleep(Duration::from_millis(20)).await;
    }
    while senders_done.load(Ordering::Acquire) < u64::from(args.senders) {
        rt.sleep(Duration::from_millis(5)).await;
    }
    let allocs = alloc_count::allocations() - warmup_allocs.0;
    let sent_after_warmup = counts.attempted.load(Ordering::Relaxed) - warmup_allocs.1;
    let seconds = start.elapsed().as_secs_f64();
    let samples = monitor.join().unwrap_or_default();
    if stalled.load(Ordering::Relaxed) {
        eprintln!(
            "ryker soak: no message handled for {} s with {} accepted and {} handled: stalled",
            args.stall_timeout,
            counts.accepted.load(Ordering::Relaxed),
            books.handled_total.load(Ordering::Relaxed)
        );
        return None;
    }
    drop(addrs);
    let mut reports: Vec<ActorReport> = Vec::with_capacity(handles.len());
    for handle in handles {
        match handle.shutdown().await {
            Ok(report) => reports.push(report),
            Err(e) => eprintln!("ryker soak: an actor did not report: {e}"),
        }
    }
    let (cpu, peak_rss) = usage.finish();
    let mut report = account(
        args,
        config,
        workers,
        &books,
        &counts,
        &reports,
        seconds,
        cpu,
        peak_rss,
        allocs,
        sent_after_warmup,
    );
    report.timeline = timeline(&samples, args);
    report.recovery_ms = recovery(&samples, args);
    Some(report)
}

impl SoakReport {
    /// p95 enqueue→handle latency, nanoseconds.
    pub(crate) fn latency_p95(&self) -> u64 {
        self.latency_ns.p95
    }

    /// Process CPU time over the run, in % of one core.
    pub(crate) fn cpu_pct(&self) -> f64 {
        self.cpu_pct
    }

    /// Whether every message was accounted for.
    pub(crate) fn accounted(&self) -> bool {
        self.accounted
    }
}

/// Checks every message and builds the report.
#[allow(clippy::too_many_arguments)]
fn account(
    args: &SoakArgs,
    config: ActorConfig,
    workers: u32,
    books: &Books,
    counts: &SendCounts,
    reports: &[ActorReport],
    seconds: f64,
    cpu_seconds: f64,
    peak_rss: u64,
    allocs: u64,
    sent_after_warmup: u64,
) -> SoakReport {
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let handled: u64 = reports.iter().map(|r| r.handled).sum();
    let dropped_oldest: u64 = reports.iter().map(|r| r.mailbox.dropped_oldest).sum();
    let dropped_newest: u64 = reports.iter().map(|r| r.mailbox.dropped_newest).sum();
    // Bit by bit: handled ⊆ accepted, and accepted \ handled are exactly the evictions.
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
    let lost = accepted_not_handled.saturating_sub(dropped_oldest);
    let sent = load(&counts.attempted);
    let accounted = handled_not_accepted == 0
        && accepted_not_handled == dropped_oldest
        && accepted_bits == load(&counts.accepted)
        && handled == load(&books.handled_total)
        && handled + dropped_oldest == accepted_bits
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
        allocations_per_message: allocs as f64 / sent_after_warmup.max(1) as f64,
        peak_rss_bytes: peak_rss,
        cpu_pct: 100.0 * cpu_seconds / seconds,
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
}

/// Samples the run every 100 ms, draws the progress bar and watches for stalls until the
/// deadline, Ctrl-C or a stall; then sets `stop`.
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
    loop {
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
        if now >= deadline || INTERRUPTED.load(Ordering::Relaxed) {
            break;
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
            burst: in_burst(second, args),
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
    println!(
        "  allocations per message   {:.3}",
        r.allocations_per_message
    );
    println!(
        "  peak RSS                  {:.1} MiB",
        r.peak_rss_bytes as f64 / (1024.0 * 1024.0)
    );
    println!("  CPU                       {:.0}%", r.cpu_pct);
    println!(
        "  check                     {} (duplicates {}, out of order {}, lost {})",
        if r.accounted {
            "ok: sent = handled + returned + dropped"
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
