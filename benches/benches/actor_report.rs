//! The actor report: one run, one table per question, ryker next to its peers, with ratios and
//! the targets they are held to.
//!
//! ```text
//! cargo bench -p ryker-benches --bench actor_report                       # (a), (b)
//! cargo bench -p ryker-benches --bench actor_report -- --quick            # shorter runs
//! ```
//! (`RYKER_REPORT_QUICK=1` does what `--quick` does.)
//!
//! - (a) Throughput tell → handle, one producer task, no-op consumer, 64-byte messages,
//!   capacity 512: ryker vs tokio mpsc vs kanal on a 2-worker tokio runtime, ryker vs tokio
//!   mpsc vs async-channel vs kanal on a smol executor run by 2 threads, and a plain-thread
//!   producer (`try_tell` vs `try_send`), and (for the per-message CPU cost alone) a tokio
//!   current-thread runtime where producer and consumer share one thread. Repetitions are interleaved across contenders, so
//!   drift on a shared machine hits them alike; median, min and max are printed.
//! - (b) End-to-end latency at a paced 10k msg/s: a plain thread sends one message every
//!   100 µs (sleeping to each deadline with 1 ns timer slack); each message carries its send
//!   `Instant`, and the consumer records `elapsed()` in an HDR histogram.
//!
//! The amnesia and span-cost gates are `ryker amnesia` and `ryker spans` (testing/src/overhead.rs),
//! the one place they are measured and judged.

#![allow(missing_docs)] // a bench binary

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bench_support::exec::{Exec, Smol2, TokioCt, TokioMt2};
use bench_support::sync::{self, SyncProducer};
use bench_support::tasks::{AsyncChannel, Kanal, Producer, TokioMpsc};
use bench_support::Msg;
use hdrhistogram::Histogram;
use ryker_benches::actors::{
    self, burst, burst_from_thread, paced, Count, Paced, Pipe, Record, Stamped, SyncSend,
};
use ryker_core::prelude::ActorConfig;
use tokio::sync::Notify;

/// The paced rate: one message every 100 µs.
const PERIOD: Duration = Duration::from_micros(100);
/// Paced messages ignored at the start of each latency run (the first 0.1 s).
const WARM_UP_MSGS: u64 = 1_000;

/// How long and how often to measure.
#[derive(Clone, Copy, Debug)]
struct Plan {
    quick: bool,
    /// Messages per throughput repetition.
    burst: u64,
    /// Throughput repetitions per contender.
    reps: usize,
    /// Length of one paced latency run.
    paced: Duration,
}

impl Plan {
    fn full() -> Self {
        Self {
            quick: false,
            burst: 200_000,
            reps: 9,
            paced: Duration::from_secs(3),
        }
    }

    /// Under `cargo test --benches` (no `--bench` argument): a seconds-long smoke run.
    fn smoke() -> Self {
        Self {
            quick: true,
            burst: 5_000,
            reps: 1,
            paced: Duration::from_millis(200),
        }
    }

    fn quick() -> Self {
        Self {
            quick: true,
            burst: 50_000,
            reps: 3,
            paced: Duration::from_secs(1),
        }
    }
}

/// Median, min and max of `xs` (sorted in place).
fn spread(xs: &mut [f64]) -> (f64, f64, f64) {
    assert!(!xs.is_empty(), "no samples");
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    let median = if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    };
    (median, xs[0], xs[n - 1])
}

fn mps(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "FAIL"
    }
}

/// One throughput row: msg/s samples of one contender.
struct Row {
    name: &'static str,
    samples: Vec<f64>,
}

impl Row {
    fn median(&self) -> f64 {
        spread(&mut self.samples.clone()).0
    }
}

/// A contender's single repetition: returns how long `n` messages took.
type Rep<'a> = (&'static str, Box<dyn FnMut(u64) -> Duration + 'a>);

/// Runs one warm-up and `plan.reps` interleaved repetitions of every contender.
fn measure(plan: &Plan, contenders: Vec<Rep<'_>>) -> Vec<Row> {
    let mut contenders = contenders;
    let mut rows: Vec<Row> = contenders
        .iter()
        .map(|(name, _)| Row {
            name,
            samples: Vec::new(),
        })
        .collect();
    for (_, rep) in &mut contenders {
        let _ = rep(plan.burst);
    }
    for _ in 0..plan.reps {
        for ((_, rep), row) in contenders.iter_mut().zip(&mut rows) {
            row.samples.push(mps(plan.burst, rep(plan.burst)));
        }
    }
    rows
}

fn counted<T>(spawn: impl FnOnce(Count) -> Pipe<T, ()>, n: u64) -> (Pipe<T, ()>, Arc<Notify>) {
    let (count, done) = Count::new(n);
    (spawn(count), done)
}

/// A contender driven by a producer task on `exec`.
fn task<'a, E: Exec, T: Producer<Msg>>(
    name: &'static str,
    exec: &'a E,
    (pipe, done): &'a (Pipe<T, ()>, Arc<Notify>),
) -> Rep<'a> {
    (name, Box::new(move |n| burst(exec, &pipe.tx, done, n, 1)))
}

/// A contender driven by the report's own (plain) thread.
fn thread<'a, T: SyncProducer<Msg>>(
    name: &'static str,
    how: SyncSend,
    (pipe, done): &'a (Pipe<T, ()>, Arc<Notify>),
) -> Rep<'a> {
    (
        name,
        Box::new(move |n| burst_from_thread(&pipe.tx, done, n, 1, how)),
    )
}

fn print_rows(out: &mut String, runtime: &str, rows: &[Row]) {
    let ryker = rows[0].median();
    for row in rows {
        let (median, min, max) = spread(&mut row.samples.clone());
        let ratio = if row.name.starts_with("ryker") {
            String::new()
        } else {
            format!("{:>6.2}x", ryker / median)
        };
        let _ = writeln!(
            out,
            "  {runtime:<11} {:<26} {:>8.2} {:>8.2} {:>8.2}   {ratio}",
            row.name,
            median / 1e6,
            min / 1e6,
            max / 1e6,
        );
    }
}

/// Ratio of ryker's median to the peer's, by name.
fn ratio(rows: &[Row], peer: &str) -> f64 {
    let find = |name: &str| {
        rows.iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("no row {name}"))
            .median()
    };
    find(rows[0].name) / find(peer)
}

struct Summary {
    lines: Vec<String>,
}

impl Summary {
    fn check(&mut self, what: &str, value: String, ok: bool) {
        self.lines
            .push(format!("  {:<4} {what:<52} {value}", verdict(ok)));
    }
}

fn section_a(plan: &Plan, summary: &mut Summary) {
    let n = plan.burst;
    println!(
        "(a) throughput tell → handle: 1 producer, no-op consumer, {n} msgs per rep, {} reps \
         interleaved, Mmsg/s",
        plan.reps
    );
    println!(
        "  {:<11} {:<26} {:>8} {:>8} {:>8}   ryker/peer",
        "runtime", "contender", "median", "min", "max"
    );
    let config = ActorConfig::default();
    let mut out = String::new();

    let tokio_rows = {
        let exec = TokioMt2::new();
        let ryker = counted(|w| actors::ryker(&exec, config, w), n);
        let mpsc = counted(|w| actors::peer::<TokioMpsc, _, _>(&exec, w), n);
        let kanal = counted(|w| actors::peer::<Kanal, _, _>(&exec, w), n);
        let rows = measure(
            plan,
            vec![
                task("ryker tell", &exec, &ryker),
                task("tokio mpsc send", &exec, &mpsc),
                task("kanal send", &exec, &kanal),
            ],
        );
        ryker.0.finish();
        mpsc.0.finish();
        kanal.0.finish();
        rows
    };
    print_rows(&mut out, TokioMt2::NAME, &tokio_rows);

    let smol_rows = {
        let exec = Smol2::new();
        let ryker = counted(|w| actors::ryker(&exec, config, w), n);
        let mpsc = counted(|w| actors::peer::<TokioMpsc, _, _>(&exec, w), n);
        let chan = counted(|w| actors::peer::<AsyncChannel, _, _>(&exec, w), n);
        let kanal = counted(|w| actors::peer::<Kanal, _, _>(&exec, w), n);
        let rows = measure(
            plan,
            vec![
                task("ryker tell", &exec, &ryker),
                task("tokio mpsc send", &exec, &mpsc),
                task("async-channel send", &exec, &chan),
                task("kanal send", &exec, &kanal),
            ],
        );
        ryker.0.finish();
        mpsc.0.finish();
        chan.0.finish();
        kanal.0.finish();
        rows
    };
    print_rows(&mut out, Smol2::NAME, &smol_rows);

    let ct_rows = {
        let exec = TokioCt::new();
        let ryker = counted(|w| actors::ryker(&exec, config, w), n);
        let mpsc = counted(|w| actors::peer::<TokioMpsc, _, _>(&exec, w), n);
        let kanal = counted(|w| actors::peer::<Kanal, _, _>(&exec, w), n);
        let rows = measure(
            plan,
            vec![
                task("ryker tell", &exec, &ryker),
                task("tokio mpsc send", &exec, &mpsc),
                task("kanal send", &exec, &kanal),
            ],
        );
        ryker.0.finish();
        mpsc.0.finish();
        kanal.0.finish();
        rows
    };
    print_rows(&mut out, TokioCt::NAME, &ct_rows);

    let thread_rows = {
        let exec = TokioMt2::new();
        let ryker = counted(|w| actors::ryker(&exec, config, w), n);
        let mpsc = counted(
            |w| actors::peer_from_thread::<TokioMpsc, sync::TokioMpsc, _, _>(&exec, w),
            n,
        );
        let rows = measure(
            plan,
            vec![
                thread("ryker try_tell", SyncSend::Try, &ryker),
                thread("ryker tell_blocking", SyncSend::Blocking, &ryker),
                thread("tokio mpsc try_send", SyncSend::Try, &mpsc),
                thread("tokio mpsc blocking_send", SyncSend::Blocking, &mpsc),
            ],
        );
        ryker.0.finish();
        mpsc.0.finish();
        rows
    };
    print_rows(&mut out, "std thread", &thread_rows);
    print!("{out}");
    let ns = |rows: &[Row], i: usize| 1e9 / rows[i].median();
    println!(
        "  ({}: producer and consumer share one thread, so 1/throughput is the CPU cost of a \
         message: ryker {:.0} ns, tokio mpsc {:.0} ns, kanal {:.0} ns)",
        TokioCt::NAME,
        ns(&ct_rows, 0),
        ns(&ct_rows, 1),
        ns(&ct_rows, 2)
    );
    println!(
        "  (std thread: the producer is a plain thread, the consumer on {}; the ratio column \
         compares with ryker try_tell)",
        TokioMt2::NAME
    );
    println!();

    for (runtime, rows) in [(TokioMt2::NAME, &tokio_rows), (Smol2::NAME, &smol_rows)] {
        let r = ratio(rows, "tokio mpsc send");
        summary.check(
            &format!("tell→handle vs tokio mpsc on {runtime} ≥ 2.0x"),
            format!("{r:.2}x"),
            r >= 2.0,
        );
        let r = ratio(rows, "kanal send");
        summary.check(
            &format!("tell→handle vs kanal on {runtime} ≥ 1.3x"),
            format!("{r:.2}x"),
            r >= 1.3,
        );
    }
    let r = ratio(&ct_rows, "tokio mpsc send");
    summary.check(
        &format!("tell→handle vs tokio mpsc on {} (info)", TokioCt::NAME),
        format!("{r:.2}x"),
        true,
    );
    let r = ratio(&ct_rows, "kanal send");
    summary.check(
        &format!("tell→handle vs kanal on {} (info)", TokioCt::NAME),
        format!("{r:.2}x"),
        true,
    );
    let r = ratio(&smol_rows, "async-channel send");
    summary.check(
        &format!("tell→handle vs async-channel on {} (info)", Smol2::NAME),
        format!("{r:.2}x"),
        true,
    );
}

/// Latency in µs at quantile `q`.
fn us(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1e3
}

fn latency_header() {
    println!(
        "  {:<11} {:<20} {:>7} {:>7} {:>7} {:>7} {:>8} {:>8}  {:>8} {:>7} {:>9}",
        "runtime",
        "contender",
        "p50",
        "p95",
        "p99",
        "p99.9",
        "max",
        "msgs",
        "rate/s",
        "blocked",
        "late max"
    );
}

fn latency_row(runtime: &str, name: &str, p: &Paced, h: &Histogram<u64>) {
    println!(
        "  {runtime:<11} {name:<20} {:>7.1} {:>7.1} {:>7.1} {:>7.1} {:>8.1} {:>8}  {:>8.0} {:>7} {:>7.0}µs",
        us(h, 0.50),
        us(h, 0.95),
        us(h, 0.99),
        us(h, 0.999),
        h.max() as f64 / 1e3,
        h.len(),
        mps(p.sent, p.wall),
        p.blocked,
        p.worst_late.as_secs_f64() * 1e6,
    );
}

/// One paced run through `pipe`; returns what the producer did and the consumer's histogram.
fn paced_run<T: SyncProducer<Stamped>>(
    pipe: Pipe<T, Histogram<u64>>,
    run_for: Duration,
) -> (Paced, Histogram<u64>) {
    let p = paced(&pipe.tx, PERIOD, run_for);
    (p, pipe.finish())
}

fn section_b(plan: &Plan, summary: &mut Summary) {
    println!(
        "(b) end-to-end latency at a paced 10k msg/s for {:.1} s (first {WARM_UP_MSGS} msgs \
         skipped), producer = plain thread (try_tell / try_send), µs",
        plan.paced.as_secs_f64()
    );
    latency_header();
    let config = ActorConfig::default();
    let rec = || Record::skipping(WARM_UP_MSGS);
    let (ryker_p95, ryker_p99, mpsc_p95, mpsc_p99);
    {
        let exec = TokioMt2::new();
        let (p, h) = paced_run(actors::ryker(&exec, config, rec()), plan.paced);
        latency_row(TokioMt2::NAME, "ryker", &p, &h);
        (ryker_p95, ryker_p99) = (us(&h, 0.95), us(&h, 0.99));
        let (p, h) = paced_run(
            actors::peer_from_thread::<TokioMpsc, sync::TokioMpsc, _, _>(&exec, rec()),
            plan.paced,
        );
        latency_row(TokioMt2::NAME, "tokio mpsc", &p, &h);
        (mpsc_p95, mpsc_p99) = (us(&h, 0.95), us(&h, 0.99));
    }
    let (smol_p95, smol_p99);
    {
        let exec = Smol2::new();
        let (p, h) = paced_run(actors::ryker(&exec, config, rec()), plan.paced);
        latency_row(Smol2::NAME, "ryker", &p, &h);
        (smol_p95, smol_p99) = (us(&h, 0.95), us(&h, 0.99));
        let (p, h) = paced_run(
            actors::peer_from_thread::<TokioMpsc, sync::TokioMpsc, _, _>(&exec, rec()),
            plan.paced,
        );
        latency_row(Smol2::NAME, "tokio mpsc", &p, &h);
    }
    println!(
        "  ryker/tokio mpsc on {}: p95 {:.2}x, p99 {:.2}x",
        TokioMt2::NAME,
        ryker_p95 / mpsc_p95,
        ryker_p99 / mpsc_p99
    );
    println!();
    for (runtime, p95, p99) in [
        (TokioMt2::NAME, ryker_p95, ryker_p99),
        (Smol2::NAME, smol_p95, smol_p99),
    ] {
        summary.check(
            &format!("e2e p95 at 10k msg/s on {runtime} ≤ 150 µs"),
            format!("{p95:.1} µs"),
            p95 <= 150.0,
        );
        summary.check(
            &format!("e2e p99 at 10k msg/s on {runtime} ≤ 20 µs (aim)"),
            format!("{p99:.1} µs"),
            p99 <= 20.0,
        );
    }
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cpus} CPUs, {model}")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick")
        || std::env::var("RYKER_REPORT_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let smoke = !args.iter().any(|a| a == "--bench");
    let plan = if smoke {
        Plan::smoke()
    } else if quick {
        Plan::quick()
    } else {
        Plan::full()
    };
    let started = Instant::now();
    println!("ryker actor report — 64-byte messages moved by value, capacity 512");
    println!(
        "machine: {}; ryker-core features: metrics {}; {} run",
        machine(),
        if cfg!(feature = "metrics") {
            "on"
        } else {
            "off"
        },
        if smoke {
            "smoke (not under `cargo bench`)"
        } else if plan.quick {
            "quick"
        } else {
            "full"
        }
    );
    println!();
    let mut summary = Summary { lines: Vec::new() };
    section_a(&plan, &mut summary);
    section_b(&plan, &mut summary);
    println!(
        "amnesia and span cost: `cargo run --release -p ryker --features observe -- amnesia` \
         and `-- spans`"
    );
    println!();
    if smoke {
        println!("targets: not judged on a smoke run (unoptimized, tiny samples)");
    } else {
        println!(
            "targets (allocation counts: `cargo test -p ryker-benches --test alloc -- \
             --nocapture`)"
        );
        for line in &summary.lines {
            println!("{line}");
        }
    }
    println!("report took {:.0} s", started.elapsed().as_secs_f64());
}
