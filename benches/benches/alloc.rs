//! The allocation gate: heap allocations and bytes per operation on ryker's hot paths, counted
//! by `bench_support::alloc`'s counting allocator, gated on a budget per scenario and on the
//! stored baseline `benches/alloc-baseline.toml`. The one allocation gate of this workspace (the
//! callgrind gate, `.ci/perf_gate.sh`, also holds its four operations to their exact counts).
//!
//! ```text
//! cargo bench -p ryker-benches --bench alloc                       # table; exit 1 on a regression
//! cargo bench -p ryker-benches --bench alloc --features observe    # + the amnesia row
//! cargo bench -p ryker-benches --bench alloc -- --write-baseline   # rewrite the baseline file
//! cargo test -p ryker-benches --bench alloc                        # the same gate, as a test
//! ```
//!
//! Each scenario counts with a [`Tally`] that only enrolled threads report to: this thread and,
//! for the multi-thread scenarios, the runtime's workers (enrolled by `on_thread_start`). It
//! opens a window just before its `OPS` measured operations and closes it just after; set-up
//! and warm-up (runtime, mailbox, actor spawn, a few mailbox laps) stay outside it.
//!
//! | scenario | one operation | budget (allocations/op) |
//! |---|---|---:|
//! | `try_send_try_recv` | mailbox `try_send` + `try_recv`, capacity 512 | 0 |
//! | `ring_push_pop` | `Ring::try_push` + `try_pop`, and a fill and drain of the ring per 10 000 | 0 |
//! | `blocking` | `send_blocking` + `recv_blocking`, and `recv_many_blocking` of 64 per 64 | 0 |
//! | `send_recv` | `send().await` into a mailbox of 16 and `recv().await` by a consumer task | 0 |
//! | `tell` | `Addr::tell` + the actor's `handle` | 0 |
//! | `ask` | `Addr::ask` round trip (the reply slot is the asking thread's, reused) | 0 |
//! | `tell_mt`, `ask_mt` | the same on a tokio runtime with 2 workers, the producer a task | 0, 1 (a slot the actor's thread still holds as the answer lands is not reused) |
//! | `busy_full` | `try_send` to a full `busy` mailbox, handed back as `Busy` | 0 |
//! | `drop_newest_full` | `try_send` to a full `drop_newest` mailbox: dropped | 0 |
//! | `drop_oldest_full` | `try_send` to a full `drop_oldest` mailbox: evicts the oldest | 0 |
//! | `amnesia` | `try_send` + `try_recv` with slot wiping on (feature `observe`) | 0 |
//!
//! The single-thread scenarios are exact and deterministic, so the bench also holds them to the
//! baseline (in allocations or bytes per operation, compared exactly). The multi-thread ones
//! are held to their budget only, with one allocation per worker allowed once in the window:
//! tokio's per-worker defer list grows on its first use, which a worker may still meet inside
//! the window after the warm-up (tokio's, once per worker, never per message).
//!
//! The bench exits with status 1 when a figure is over its budget or over the baseline. A lower
//! figure passes and is reported, so that the baseline can be tightened. Updating
//! `alloc-baseline.toml` is a deliberate commit whose message says why the figure moved;
//! `--write-baseline` writes the measured rows and keeps the rows it did not measure (the
//! amnesia row without `observe`).
//!
//! Criterion's arguments (`--bench`, `--save-baseline NAME`, ...) are accepted and ignored, so
//! `cargo bench -p ryker-benches -- ...` runs this bench along with the others; a positional
//! filter runs the scenarios whose name contains it (none, if none does).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bench_support::alloc::{Counted, Counting, Tally};
use bench_support::Msg;
use ryker_core::mailbox::{try_channel, MailboxConfig, Overflow, Receiver, Sender, Sent};
use ryker_core::prelude::{Actor, ActorConfig, ActorOptions, Addr, Context, Reply, TrySendError};
use ryker_core::ring::Ring;
use ryker_tokio::Tokio;

#[global_allocator]
static ALLOC: Counting = Counting;

/// The threads every scenario counts: `main` and the multi-thread runtimes' workers.
static TALLY: Tally = Tally::new();

/// Operations per measured window.
const OPS: u64 = 10_000;

/// The baseline file, next to this crate's Cargo.toml.
const BASELINE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/alloc-baseline.toml");

/// Heap activity in a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Counts {
    ops: u64,
    allocations: u64,
    bytes: u64,
}

impl Counts {
    fn per_op(self) -> (f64, f64) {
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        let per = |x: u64| x as f64 / self.ops as f64;
        (per(self.allocations), per(self.bytes))
    }

    /// `self` per operation is greater than `other` per operation, in allocations or bytes
    /// (compared exactly, by cross-multiplying).
    fn exceeds(self, other: Counts) -> (bool, bool) {
        let more = |a: u64, b: u64| {
            u128::from(a) * u128::from(other.ops) > u128::from(b) * u128::from(self.ops)
        };
        (
            more(self.allocations, other.allocations),
            more(self.bytes, other.bytes),
        )
    }
}

/// A measured window of [`TALLY`].
struct Window(bench_support::alloc::Window<'static>);

impl Window {
    fn open() -> Self {
        Self(TALLY.window())
    }

    fn close(self, ops: u64) -> Counts {
        let Counted { allocations, bytes } = self.0.close();
        Counts {
            ops,
            allocations,
            bytes,
        }
    }
}

/// One scenario: its name, what one operation is, its budget, and how to run it.
struct Scenario {
    name: &'static str,
    what: &'static str,
    /// Most allocations per operation.
    budget: u64,
    /// Allocations allowed once in the window on top of the budget; a scenario with any is not
    /// deterministic, so it is held to its budget and not to the baseline.
    one_time: u64,
    run: fn() -> Counts,
}

impl Scenario {
    /// A deterministic scenario: budget and baseline.
    fn exact(name: &'static str, what: &'static str, budget: u64, run: fn() -> Counts) -> Self {
        Self {
            name,
            what,
            budget,
            one_time: 0,
            run,
        }
    }
}

fn scenarios() -> Vec<Scenario> {
    let mut all = vec![
        Scenario::exact(
            "try_send_try_recv",
            "try_send + try_recv",
            0,
            try_send_try_recv,
        ),
        Scenario::exact(
            "ring_push_pop",
            "Ring::try_push + try_pop",
            0,
            ring_push_pop,
        ),
        Scenario::exact(
            "blocking",
            "send_blocking + recv_blocking / recv_many_blocking",
            0,
            blocking,
        ),
        Scenario::exact(
            "send_recv",
            "send().await + recv().await (tokio current-thread)",
            0,
            send_recv,
        ),
        Scenario::exact(
            "tell",
            "Addr::tell + handle (tokio current-thread)",
            0,
            tell,
        ),
        Scenario::exact("ask", "Addr::ask round trip (tokio current-thread)", 0, ask),
        Scenario {
            name: "tell_mt",
            what: "Addr::tell + handle (tokio, 2 workers)",
            budget: 0,
            one_time: MT_WORKERS as u64,
            run: tell_mt,
        },
        Scenario {
            name: "ask_mt",
            what: "Addr::ask round trip (tokio, 2 workers)",
            budget: 1,
            one_time: MT_WORKERS as u64,
            run: ask_mt,
        },
        Scenario::exact(
            "busy_full",
            "try_send, full busy mailbox -> Busy",
            0,
            busy_full,
        ),
        Scenario::exact(
            "drop_newest_full",
            "try_send, full drop_newest mailbox -> dropped",
            0,
            drop_newest_full,
        ),
        Scenario::exact(
            "drop_oldest_full",
            "try_send, full drop_oldest mailbox -> evicts",
            0,
            drop_oldest_full,
        ),
    ];
    if let Some(run) = amnesia_scenario() {
        all.push(Scenario::exact(
            "amnesia",
            "try_send + try_recv, amnesia on",
            0,
            run,
        ));
    }
    all
}

/// A full ring lap per window on top of the round trips: the ring's `OPS` round trips after a
/// lap of warm-up, then a fill to capacity and a drain.
fn ring_push_pop() -> Counts {
    let ring = Ring::<Msg>::with_capacity(512).expect("valid capacity");
    for seq in 0..1024 {
        assert!(ring.try_push(Msg::new(0, seq)).is_ok());
        assert_eq!(ring.try_pop().map(|m| m.seq), Some(seq));
    }
    let w = Window::open();
    for seq in 0..OPS {
        assert!(ring.try_push(black_box(Msg::new(0, seq))).is_ok());
        assert_eq!(black_box(ring.try_pop()).map(|m| m.seq), Some(seq));
    }
    for seq in 0..512 {
        assert!(ring.try_push(Msg::new(0, seq)).is_ok());
    }
    assert!(
        ring.try_push(Msg::new(0, 512)).is_err(),
        "ring over capacity"
    );
    for seq in 0..512 {
        assert_eq!(ring.try_pop().map(|m| m.seq), Some(seq));
    }
    w.close(OPS)
}

/// `OPS` blocking round trips, then `OPS` messages received 64 at a time into a buffer that
/// already has room.
fn blocking() -> Counts {
    let (tx, mut rx) = mailbox(512, Overflow::Busy, false);
    for seq in 0..1024 {
        assert!(tx.blocking_send(Msg::new(0, seq)).is_ok());
        assert_eq!(rx.blocking_recv().map(|m| m.seq), Some(seq));
    }
    let mut batch = Vec::with_capacity(64);
    let w = Window::open();
    for seq in 0..OPS {
        assert!(tx.blocking_send(black_box(Msg::new(0, seq))).is_ok());
        assert_eq!(black_box(rx.blocking_recv()).map(|m| m.seq), Some(seq));
    }
    for round in 0..OPS / 64 {
        for i in 0..64 {
            assert!(tx.blocking_send(Msg::new(0, round * 64 + i)).is_ok());
        }
        batch.clear();
        assert_eq!(rx.blocking_recv_many(&mut batch, 64), 64);
    }
    w.close(OPS)
}

/// A mailbox of `capacity` under `overflow`.
fn mailbox(capacity: usize, overflow: Overflow, amnesia: bool) -> (Sender<Msg>, Receiver<Msg>) {
    let config = MailboxConfig {
        capacity,
        overflow,
        amnesia,
    };
    try_channel(config).expect("valid mailbox config")
}

/// `OPS` round trips after two laps of warm-up.
fn round_trips(tx: &Sender<Msg>, rx: &mut Receiver<Msg>) -> Counts {
    for seq in 0..2 * tx.capacity() as u64 {
        assert!(tx.try_send(Msg::new(0, seq)).is_ok());
        assert_eq!(rx.try_recv().map(|m| m.seq), Ok(seq));
    }
    let w = Window::open();
    for seq in 0..OPS {
        assert!(tx.try_send(black_box(Msg::new(0, seq))).is_ok());
        black_box(rx.try_recv().expect("sent above"));
    }
    w.close(OPS)
}

fn try_send_try_recv() -> Counts {
    let (tx, mut rx) = mailbox(512, Overflow::Busy, false);
    round_trips(&tx, &mut rx)
}

#[cfg(feature = "observe")]
fn amnesia_scenario() -> Option<fn() -> Counts> {
    fn amnesia() -> Counts {
        let (tx, mut rx) = mailbox(512, Overflow::Busy, true);
        round_trips(&tx, &mut rx)
    }
    Some(amnesia)
}

#[cfg(not(feature = "observe"))]
fn amnesia_scenario() -> Option<fn() -> Counts> {
    None
}

/// A full mailbox under `overflow`, warmed by a lap of sends that meet it full, then `OPS`
/// more; `check` sees each result.
fn full(overflow: Overflow, check: fn(Result<Sent, TrySendError<Msg>>)) -> Counts {
    let (tx, _rx) = mailbox(512, overflow, false);
    for seq in 0..512 {
        assert_eq!(tx.try_send(Msg::new(0, seq)), Ok(Sent::Queued));
    }
    for seq in 0..512 {
        check(tx.try_send(Msg::new(0, seq)));
    }
    let w = Window::open();
    for seq in 0..OPS {
        check(black_box(tx.try_send(black_box(Msg::new(0, seq)))));
    }
    w.close(OPS)
}

fn busy_full() -> Counts {
    full(Overflow::Busy, |r| {
        assert!(matches!(r, Err(TrySendError::Busy(_))), "want Busy");
    })
}

fn drop_newest_full() -> Counts {
    full(Overflow::DropNewest, |r| {
        assert!(matches!(r, Err(TrySendError::Dropped)), "want Dropped");
    })
}

fn drop_oldest_full() -> Counts {
    full(Overflow::DropOldest, |r| {
        assert!(
            matches!(r, Ok(Sent::DisplacedOldest)),
            "want DisplacedOldest"
        );
    })
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Yields until `count` reaches `target`.
async fn until(count: &AtomicU64, target: u64) {
    // Acquire: pairs with the consumer's Release store, so its work is done when we see it.
    while count.load(Ordering::Acquire) < target {
        tokio::task::yield_now().await;
    }
}

fn send_recv() -> Counts {
    const CAPACITY: usize = 16;
    let rt = current_thread();
    rt.block_on(async {
        let (tx, mut rx) = mailbox(CAPACITY, Overflow::Busy, false);
        let received = Arc::new(AtomicU64::new(0));
        let consumer = tokio::spawn({
            let received = received.clone();
            async move {
                let mut n = 0;
                while let Some(msg) = rx.recv().await {
                    black_box(msg);
                    n += 1;
                    // Release: pairs with the Acquire in `until`.
                    received.store(n, Ordering::Release);
                }
            }
        });
        // Warm-up: laps in which the producer waits on a full mailbox and the consumer on an
        // empty one, so every waker and wait-list path has run once.
        let warm = 8 * CAPACITY as u64;
        for seq in 0..warm {
            assert!(tx.send(Msg::new(0, seq)).await.is_ok());
        }
        until(&received, warm).await;
        let w = Window::open();
        for seq in 0..OPS {
            assert!(tx.send(black_box(Msg::new(0, seq))).await.is_ok());
        }
        until(&received, warm + OPS).await;
        let counts = w.close(OPS);
        drop(tx);
        consumer.await.expect("consumer task");
        counts
    })
}

enum Req {
    Tell(Msg),
    Ask(Reply<u64>),
}

/// A no-op actor that counts what it handled.
struct Sink {
    handled: Arc<AtomicU64>,
}

impl Actor for Sink {
    type Msg = Req;

    async fn handle(&mut self, req: Req, _ctx: &mut Context<Self>) {
        match req {
            Req::Tell(msg) => {
                black_box(msg);
            }
            Req::Ask(reply) => {
                let _ = reply.send(self.handled.load(Ordering::Relaxed));
            }
        }
        // Release: pairs with the Acquire in `until`.
        self.handled.fetch_add(1, Ordering::Release);
    }
}

/// Workers of the multi-thread scenarios.
const MT_WORKERS: usize = 2;

/// Makes each worker of a `workers`-thread runtime defer a task at least once: tokio's
/// `yield_now` pushes the task's waker on a per-worker `Vec` that grows (allocates) on first
/// use. The tasks meet at a blocking barrier, which they can only pass while each holds a
/// worker of its own, and then yield.
async fn warm_defer_lists(workers: usize) {
    let barrier = Arc::new(std::sync::Barrier::new(workers));
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait();
                for _ in 0..8 {
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("warm-up task");
    }
}

/// Spawns a [`Sink`] on `tokio`, warms it up (three laps of tells, some asks), then measures
/// `OPS` tells (until all are handled) or `OPS` asks. Runs as a task of that runtime.
async fn sink_window(tokio: Tokio, asks: bool) -> Counts {
    let handled = Arc::new(AtomicU64::new(0));
    let sink = Sink {
        handled: handled.clone(),
    };
    let handle = ActorOptions::new(ActorConfig::default())
        .spawn(&tokio, sink)
        .expect("valid config");
    let addr: Addr<Sink> = handle.addr();
    let mut sent = 0;
    for _ in 0..3 {
        for seq in 0..2 * 512 {
            assert!(addr.tell(Req::Tell(Msg::new(0, seq))).await.is_ok());
        }
        sent += 2 * 512;
        until(&handled, sent).await;
        for _ in 0..64 {
            assert!(addr.ask(Req::Ask).await.is_ok());
        }
        sent += 64;
    }
    let w = Window::open();
    if asks {
        for _ in 0..OPS {
            black_box(addr.ask(Req::Ask).await.expect("actor alive"));
        }
    } else {
        for seq in 0..OPS {
            assert!(addr
                .tell(Req::Tell(black_box(Msg::new(0, seq))))
                .await
                .is_ok());
        }
        until(&handled, sent + OPS).await;
    }
    let counts = w.close(OPS);
    drop(addr);
    handle.shutdown();
    let report = handle.await.expect("actor finished");
    assert_eq!(report.handled, sent + OPS);
    counts
}

/// [`sink_window`] on a current-thread runtime driven by this thread.
fn actor(asks: bool) -> Counts {
    let rt = current_thread();
    let tokio = Tokio::with_handle(rt.handle().clone());
    rt.block_on(sink_window(tokio, asks))
}

/// [`sink_window`] as a task on a runtime with [`MT_WORKERS`] workers, each enrolled in
/// [`TALLY`].
fn actor_mt(asks: bool) -> Counts {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(MT_WORKERS)
        .enable_all()
        .on_thread_start(|| TALLY.enroll())
        .build()
        .expect("tokio runtime");
    let tokio = Tokio::with_handle(rt.handle().clone());
    rt.block_on(rt.spawn(async move {
        warm_defer_lists(MT_WORKERS).await;
        sink_window(tokio, asks).await
    }))
    .expect("scenario task")
}

fn tell_mt() -> Counts {
    actor_mt(false)
}

fn ask_mt() -> Counts {
    actor_mt(true)
}

fn tell() -> Counts {
    actor(false)
}

fn ask() -> Counts {
    actor(true)
}

/// The stored baseline: scenario name → counts.
fn read_baseline() -> Result<BTreeMap<String, Counts>, String> {
    let text = std::fs::read_to_string(BASELINE).map_err(|e| format!("{BASELINE}: {e}"))?;
    let table: toml::Table = text.parse().map_err(|e| format!("{BASELINE}: {e}"))?;
    let mut rows = BTreeMap::new();
    for (name, value) in table {
        let field = |key: &str| {
            value
                .get(key)
                .and_then(toml::Value::as_integer)
                .and_then(|v| u64::try_from(v).ok())
                .ok_or_else(|| format!("{BASELINE}: [{name}] needs a non-negative integer `{key}`"))
        };
        let counts = Counts {
            ops: field("ops")?,
            allocations: field("allocations")?,
            bytes: field("bytes")?,
        };
        if counts.ops == 0 {
            return Err(format!("{BASELINE}: [{name}] ops must be positive"));
        }
        rows.insert(name, counts);
    }
    Ok(rows)
}

/// Writes `measured` (in scenario order) and the `kept` rows it did not measure.
fn write_baseline(
    measured: &[(&Scenario, Counts)],
    kept: &BTreeMap<String, Counts>,
) -> std::io::Result<()> {
    let mut out = String::from(
        "# Allocation baseline of `cargo bench -p ryker-benches --bench alloc`: per scenario,\n\
         # `ops` operations made `allocations` heap allocations (reallocations included) of `bytes`\n\
         # bytes in all, after warm-up. The bench fails when a scenario's allocations or bytes per\n\
         # operation exceed these (or its budget in benches/benches/alloc.rs).\n\
         #\n\
         # Updating this file is a deliberate commit whose message gives the reason the figure moved\n\
         # (`cargo bench -p ryker-benches --bench alloc --features observe -- --write-baseline`\n\
         # rewrites it; without `observe` the amnesia row is kept as it was).\n",
    );
    let mut row = |name: &str, what: &str, c: Counts| {
        let _ = write!(
            out,
            "\n# {what}\n[{name}]\nops = {}\nallocations = {}\nbytes = {}\n",
            c.ops, c.allocations, c.bytes
        );
    };
    for (s, c) in measured.iter().filter(|(s, _)| s.one_time == 0) {
        row(s.name, s.what, *c);
    }
    for (name, c) in kept {
        if !measured.iter().any(|(s, _)| s.name == name) {
            row(
                name,
                "(kept: not measured in the run that wrote this file)",
                *c,
            );
        }
    }
    std::fs::write(BASELINE, out)
}

/// Criterion options that take a value; their values are not filters.
const VALUED: [&str; 15] = [
    "--save-baseline",
    "-s",
    "--baseline",
    "-b",
    "--baseline-lenient",
    "--load-baseline",
    "--measurement-time",
    "--warm-up-time",
    "--sample-size",
    "--profile-time",
    "--output-format",
    "--color",
    "--nresamples",
    "--noise-threshold",
    "--plotting-backend",
];

fn main() -> ExitCode {
    let mut write = false;
    let mut filters = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--write-baseline" {
            write = true;
        } else if VALUED.contains(&arg.as_str()) {
            let _ = args.next();
        } else if !arg.starts_with('-') {
            filters.push(arg);
        }
    }
    let selected: Vec<Scenario> = scenarios()
        .into_iter()
        .filter(|s| filters.is_empty() || filters.iter().any(|f| s.name.contains(f.as_str())))
        .collect();
    if selected.is_empty() {
        return ExitCode::SUCCESS;
    }
    let baseline = match read_baseline() {
        Ok(rows) => rows,
        Err(e) if write => {
            eprintln!("note: {e}; writing a new baseline");
            BTreeMap::new()
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };

    TALLY.enroll();
    // The counter must count, or every zero below would prove nothing.
    let probe = Window::open();
    drop(black_box(Box::new([0_u8; 40])));
    let probe = probe.close(1);
    if (probe.allocations, probe.bytes) != (1, 40) {
        eprintln!("error: the counting allocator saw {probe:?} for one Box of 40 bytes");
        return ExitCode::FAILURE;
    }
    let mut measured = Vec::new();
    for s in &selected {
        measured.push((s, (s.run)()));
    }

    println!(
        "{:<18} {:>6} {:>10} {:>9} {:>7} {:>18}  verdict",
        "scenario", "ops", "allocs/op", "bytes/op", "budget", "baseline a/op b/op"
    );
    let mut failures = Vec::new();
    for (s, c) in &measured {
        let (a, b) = c.per_op();
        let base = baseline.get(s.name);
        let base_text = base.map_or_else(
            || "-".to_owned(),
            |base| {
                let (ba, bb) = base.per_op();
                format!("{ba:.4} {bb:.1}")
            },
        );
        let mut verdict = Vec::new();
        if c.allocations > s.budget * c.ops + s.one_time {
            verdict.push("OVER BUDGET");
            failures.push(format!(
                "{}: {a:.4} allocations per {} (budget {}, {} once)",
                s.name, s.what, s.budget, s.one_time
            ));
        }
        match base {
            _ if s.one_time > 0 => {}
            Some(base) if !write => {
                let (more_allocs, more_bytes) = c.exceeds(*base);
                let (ba, bb) = base.per_op();
                if more_allocs {
                    verdict.push("MORE ALLOCATIONS THAN BASELINE");
                    failures.push(format!(
                        "{}: {a:.4} allocations/op, baseline {ba:.4}",
                        s.name
                    ));
                }
                if more_bytes {
                    verdict.push("MORE BYTES THAN BASELINE");
                    failures.push(format!("{}: {b:.1} bytes/op, baseline {bb:.1}", s.name));
                }
                let (fewer_allocs, fewer_bytes) = base.exceeds(*c);
                if verdict.is_empty() && (fewer_allocs || fewer_bytes) {
                    verdict.push("ok (below baseline: tighten it)");
                }
            }
            None if !write => {
                verdict.push("NO BASELINE");
                failures.push(format!("{}: no row in {BASELINE}", s.name));
            }
            _ => {}
        }
        if verdict.is_empty() {
            verdict.push("ok");
        }
        println!(
            "{:<18} {:>6} {:>10.4} {:>9.1} {:>7} {:>18}  {}",
            s.name,
            c.ops,
            a,
            b,
            s.budget,
            base_text,
            verdict.join(", ")
        );
    }
    let amnesia_selected =
        filters.is_empty() || filters.iter().any(|f| "amnesia".contains(f.as_str()));
    if amnesia_scenario().is_none() && amnesia_selected {
        println!(
            "amnesia            not measured: build with `--features observe` (turns on ryker-core's `amnesia`)"
        );
    }

    if write {
        let kept = baseline;
        if let Err(e) = write_baseline(&measured, &kept) {
            eprintln!("error: writing {BASELINE}: {e}");
            return ExitCode::FAILURE;
        }
        println!("wrote {BASELINE}");
    }
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("\nallocation gate failed:");
        for f in &failures {
            eprintln!("  {f}");
        }
        ExitCode::FAILURE
    }
}
