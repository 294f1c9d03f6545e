//! The actor report: one run, one table per question, ryker next to its peers, with ratios and
//! the targets they are held to.
//!
//! ```text
//! cargo bench -p ryker-benches --bench actor_report                       # (a), (b)
//! cargo bench -p ryker-benches --bench actor_report --features observe    # + (c), (d)
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
//! - (c) Amnesia (feature `observe`): the paced run with `amnesia` off and on, process CPU time
//!   (`CLOCK_PROCESS_CPUTIME_ID`) over wall time; and full-rate throughput off and on.
//! - (d) Span cost (feature `observe`): p95 of the paced run's latency with a `tracing`
//!   subscriber at DEBUG (one span per handled message) over p95 at INFO (spans disabled).
//!   Each subscriber needs its own process (a global default is set once), so the report runs
//!   itself as a child per measurement (`--child span MODE ...`).
//!
//! ryker-core's `tracing` and `amnesia` are compile-time features; `observe` switches them on
//! for this build only (see benches/Cargo.toml for why it is not a default).

#![allow(missing_docs)] // a bench binary

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bench_support::exec::{Exec, Smol2, TokioCt, TokioMt2};
use bench_support::Msg;
use hdrhistogram::Histogram;
use ryker_benches::actors::{
    self, burst, burst_from_thread, paced, Count, Paced, Pipe, Record, Stamped, SyncSend, SyncTx,
    Tx,
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
    /// Paced runs per setting in (c).
    #[cfg_attr(not(feature = "observe"), allow(dead_code))]
    amnesia_reps: usize,
    /// Paced runs per subscriber in (d).
    #[cfg_attr(not(feature = "observe"), allow(dead_code))]
    paced_reps: usize,
    /// Length of one paced run in (c) and (d).
    #[cfg_attr(not(feature = "observe"), allow(dead_code))]
    paced_short: Duration,
}

impl Plan {
    fn full() -> Self {
        Self {
            quick: false,
            burst: 200_000,
            reps: 9,
            paced: Duration::from_secs(3),
            amnesia_reps: 5,
            paced_reps: 3,
            paced_short: Duration::from_secs(2),
        }
    }

    /// Under `cargo test --benches` (no `--bench` argument): a seconds-long smoke run.
    fn smoke() -> Self {
        Self {
            quick: true,
            burst: 5_000,
            reps: 1,
            paced: Duration::from_millis(200),
            amnesia_reps: 1,
            paced_reps: 1,
            paced_short: Duration::from_millis(200),
        }
    }

    fn quick() -> Self {
        Self {
            quick: true,
            burst: 50_000,
            reps: 3,
            paced: Duration::from_secs(1),
            amnesia_reps: 1,
            paced_reps: 1,
            paced_short: Duration::from_millis(700),
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
fn task<'a, E: Exec, T: Tx<Msg>>(
    name: &'static str,
    exec: &'a E,
    (pipe, done): &'a (Pipe<T, ()>, Arc<Notify>),
) -> Rep<'a> {
    (name, Box::new(move |n| burst(exec, &pipe.tx, done, n, 1)))
}

/// A contender driven by the report's own (plain) thread.
fn thread<'a, T: SyncTx<Msg>>(
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
        let mpsc = counted(|w| actors::tokio_mpsc(&exec, w), n);
        let kanal = counted(|w| actors::kanal(&exec, w), n);
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
        let mpsc = counted(|w| actors::tokio_mpsc(&exec, w), n);
        let chan = counted(|w| actors::async_channel(&exec, w), n);
        let kanal = counted(|w| actors::kanal(&exec, w), n);
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
        let mpsc = counted(|w| actors::tokio_mpsc(&exec, w), n);
        let kanal = counted(|w| actors::kanal(&exec, w), n);
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
        let mpsc = counted(|w| actors::tokio_mpsc(&exec, w), n);
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
fn paced_run<T: SyncTx<Stamped>>(
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
        let (p, h) = paced_run(actors::tokio_mpsc(&exec, rec()), plan.paced);
        latency_row(TokioMt2::NAME, "tokio mpsc", &p, &h);
        (mpsc_p95, mpsc_p99) = (us(&h, 0.95), us(&h, 0.99));
    }
    let (smol_p95, smol_p99);
    {
        let exec = Smol2::new();
        let (p, h) = paced_run(actors::ryker(&exec, config, rec()), plan.paced);
        latency_row(Smol2::NAME, "ryker", &p, &h);
        (smol_p95, smol_p99) = (us(&h, 0.95), us(&h, 0.99));
        let (p, h) = paced_run(actors::tokio_mpsc(&exec, rec()), plan.paced);
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

#[cfg(feature = "observe")]
fn section_c(plan: &Plan, summary: &mut Summary) {
    let with = |amnesia: bool| ActorConfig {
        mailbox: ryker_core::prelude::MailboxConfig {
            amnesia,
            ..Default::default()
        },
        ..Default::default()
    };
    println!(
        "(c) amnesia: ryker on {} at a paced 10k msg/s, {} x {:.1} s per setting (interleaved); \
         process CPU time / wall",
        TokioMt2::NAME,
        plan.amnesia_reps,
        plan.paced_short.as_secs_f64()
    );
    let exec = TokioMt2::new();
    let (mut off, mut on) = (Vec::new(), Vec::new());
    let (mut off_p95, mut on_p95) = (Vec::new(), Vec::new());
    for _ in 0..plan.amnesia_reps {
        for amnesia in [false, true] {
            let pipe = actors::ryker(&exec, with(amnesia), Record::skipping(WARM_UP_MSGS));
            let (cpu0, t0) = (actors::process_cpu_time(), Instant::now());
            let (_, h) = paced_run(pipe, plan.paced_short);
            let pct = 100.0 * (actors::process_cpu_time() - cpu0).as_secs_f64()
                / t0.elapsed().as_secs_f64();
            if amnesia {
                on.push(pct);
                on_p95.push(us(&h, 0.95));
            } else {
                off.push(pct);
                off_p95.push(us(&h, 0.95));
            }
        }
    }
    let (off_m, off_lo, off_hi) = spread(&mut off);
    let (on_m, on_lo, on_hi) = spread(&mut on);
    let cpu_overhead = 100.0 * (on_m / off_m - 1.0);
    println!(
        "  {:<14} {:>12} {:>16} {:>10}",
        "amnesia", "CPU % med", "[min–max]", "p95 µs"
    );
    println!(
        "  {:<14} {off_m:>12.2} {:>16} {:>10.1}",
        "off",
        format!("[{off_lo:.2}–{off_hi:.2}]"),
        spread(&mut off_p95).0
    );
    println!(
        "  {:<14} {on_m:>12.2} {:>16} {:>10.1}",
        "on",
        format!("[{on_lo:.2}–{on_hi:.2}]"),
        spread(&mut on_p95).0
    );
    println!(
        "  CPU overhead of amnesia at 10k msg/s: {cpu_overhead:+.1}% (on/off {:.3})",
        on_m / off_m
    );

    // Full rate.
    let n = plan.burst;
    let off_pipe = counted(|w| actors::ryker(&exec, with(false), w), n);
    let on_pipe = counted(|w| actors::ryker(&exec, with(true), w), n);
    let rows = measure(
        plan,
        vec![
            task("ryker amnesia off", &exec, &off_pipe),
            task("ryker amnesia on", &exec, &on_pipe),
        ],
    );
    off_pipe.0.finish();
    on_pipe.0.finish();
    println!(
        "  full rate, {n} msgs x {} reps, Mmsg/s: {:<8} {:>8} {:>8} {:>8}",
        plan.reps, "", "median", "min", "max"
    );
    for row in &rows {
        let (m, lo, hi) = spread(&mut row.samples.clone());
        println!(
            "    {:<40} {:>8.2} {:>8.2} {:>8.2}",
            row.name,
            m / 1e6,
            lo / 1e6,
            hi / 1e6
        );
    }
    let thr_overhead = 100.0 * (1.0 - rows[1].median() / rows[0].median());
    println!("  throughput cost of amnesia at full rate: {thr_overhead:.1}%");
    println!();
    summary.check(
        "amnesia CPU overhead at 10k msg/s ≤ 5%",
        format!("{cpu_overhead:+.1}%"),
        cpu_overhead <= 5.0,
    );
    summary.check(
        "amnesia throughput cost at full rate (info)",
        format!("{thr_overhead:.1}%"),
        true,
    );
}

/// The subscriber settings (d) compares, each in its own child process.
#[cfg(feature = "observe")]
const SPAN_MODES: [(&str, &str); 4] = [
    ("none", "no subscriber"),
    ("info", "fmt → sink at INFO (spans off)"),
    ("debug_fmt", "fmt → sink at DEBUG (spans on)"),
    ("debug_noop", "no-op subscriber, DEBUG (spans on)"),
];

#[cfg(feature = "observe")]
fn section_d(plan: &Plan, summary: &mut Summary) {
    println!(
        "(d) span cost: ryker on {} with feature `tracing`, paced 10k msg/s, {} x {:.1} s per \
         subscriber (each run its own process, interleaved); p95 = enqueue → handled",
        TokioMt2::NAME,
        plan.paced_reps,
        plan.paced_short.as_secs_f64()
    );
    let exe = std::env::current_exe().expect("current exe");
    let mut results: Vec<(Vec<f64>, Vec<f64>, Vec<f64>)> =
        SPAN_MODES.iter().map(|_| Default::default()).collect();
    for _ in 0..plan.paced_reps {
        for ((mode, _), (p95, p99, thr)) in SPAN_MODES.iter().zip(&mut results) {
            let output = std::process::Command::new(&exe)
                .args([
                    "--child",
                    "span",
                    mode,
                    &plan.paced_short.as_millis().to_string(),
                    &plan.burst.to_string(),
                ])
                .output()
                .expect("run the report as a child");
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success(),
                "child {mode} failed: {}\n{stdout}",
                String::from_utf8_lossy(&output.stderr)
            );
            let line = stdout
                .lines()
                .find_map(|l| l.strip_prefix("SPAN "))
                .unwrap_or_else(|| panic!("child {mode} printed no result: {stdout}"));
            let v: Vec<f64> = line
                .split_whitespace()
                .map(|x| x.parse().expect("number"))
                .collect();
            p95.push(v[0]);
            p99.push(v[1]);
            thr.push(v[2]);
        }
    }
    println!(
        "  {:<36} {:>8} {:>16} {:>8} {:>10} {:>10}",
        "subscriber", "p95 µs", "[min–max]", "p99 µs", "Mmsg/s", "ns/msg"
    );
    let mut medians = Vec::new();
    for ((_, label), (p95, p99, thr)) in SPAN_MODES.iter().zip(&mut results) {
        let (m95, lo, hi) = spread(p95);
        let (m99, ..) = spread(p99);
        let (mt, ..) = spread(thr);
        medians.push((m95, mt));
        println!(
            "  {label:<36} {m95:>8.1} {:>16} {m99:>8.1} {:>10.2} {:>10.1}",
            format!("[{lo:.1}–{hi:.1}]"),
            mt / 1e6,
            1e9 / mt
        );
    }
    let span_ratio = medians[2].0 / medians[1].0;
    let noop_ratio = medians[3].0 / medians[1].0;
    println!(
        "  p95 ratio DEBUG/INFO: fmt {span_ratio:.2} ({}), no-op subscriber {noop_ratio:.2}; \
         full-rate cost of a span per message: fmt {:+.0} ns, no-op {:+.0} ns",
        verdict(span_ratio <= 5.0),
        1e9 / medians[2].1 - 1e9 / medians[1].1,
        1e9 / medians[3].1 - 1e9 / medians[1].1,
    );
    println!();
    summary.check(
        "span p95 ratio DEBUG/INFO (fmt subscriber) ≤ 5.0",
        format!("{span_ratio:.2}"),
        span_ratio <= 5.0,
    );
}

/// A subscriber that enables everything and does nothing: the floor of a span's cost.
#[cfg(feature = "observe")]
struct NoopSubscriber {
    next: std::sync::atomic::AtomicU64,
}

#[cfg(feature = "observe")]
impl tracing::Subscriber for NoopSubscriber {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::DEBUG)
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        // Relaxed: only uniqueness matters.
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::span::Id::from_u64(id)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// `--child span MODE RUN_MS BURST`: one measurement under one subscriber; prints
/// `SPAN <p95 µs> <p99 µs> <msg/s>`.
#[cfg(feature = "observe")]
fn child(args: &[String]) {
    use tracing::level_filters::LevelFilter;
    assert_eq!(
        args.first().map(String::as_str),
        Some("span"),
        "unknown child"
    );
    let mode = args[1].as_str();
    let run_for = Duration::from_millis(args[2].parse().expect("run ms"));
    let n: u64 = args[3].parse().expect("burst");
    let fmt = |level: LevelFilter| {
        tracing_subscriber::fmt()
            .with_writer(std::io::sink)
            .with_max_level(level)
            .finish()
    };
    match mode {
        "none" => {}
        "info" => {
            tracing::subscriber::set_global_default(fmt(LevelFilter::INFO)).expect("set subscriber")
        }
        "debug_fmt" => tracing::subscriber::set_global_default(fmt(LevelFilter::DEBUG))
            .expect("set subscriber"),
        "debug_noop" => tracing::subscriber::set_global_default(NoopSubscriber {
            next: std::sync::atomic::AtomicU64::new(1),
        })
        .expect("set subscriber"),
        other => panic!("unknown span mode {other}"),
    }
    let exec = TokioMt2::new();
    let (_, h) = paced_run(
        actors::ryker(
            &exec,
            ActorConfig::default(),
            Record::skipping(WARM_UP_MSGS),
        ),
        run_for,
    );
    let pipe = counted(|w| actors::ryker(&exec, ActorConfig::default(), w), n);
    let _ = burst(&exec, &pipe.0.tx, &pipe.1, n, 1);
    let mut thr: Vec<f64> = (0..3)
        .map(|_| mps(n, burst(&exec, &pipe.0.tx, &pipe.1, n, 1)))
        .collect();
    pipe.0.finish();
    println!(
        "SPAN {} {} {}",
        us(&h, 0.95),
        us(&h, 0.99),
        spread(&mut thr).0
    );
}

#[cfg(not(feature = "observe"))]
fn child(_: &[String]) {
    panic!("child runs need the `observe` feature");
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
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(&args[i + 1..]);
        return;
    }
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
        "machine: {}; ryker-core features: tracing+amnesia {}, metrics {}; {} run",
        machine(),
        if cfg!(feature = "observe") {
            "on"
        } else {
            "off"
        },
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
    #[cfg(feature = "observe")]
    {
        section_c(&plan, &mut summary);
        section_d(&plan, &mut summary);
    }
    #[cfg(not(feature = "observe"))]
    {
        println!("(c) amnesia and (d) span cost: skipped; rerun with `--features observe`");
        println!();
    }
    if smoke {
        println!("targets: not judged on a smoke run (unoptimized, tiny samples)");
    } else {
        println!(
            "targets (allocation counts: `cargo test -p ryker-benches --test actor_alloc -- \
             --nocapture`)"
        );
        for line in &summary.lines {
            println!("{line}");
        }
    }
    println!("report took {:.0} s", started.elapsed().as_secs_f64());
}
