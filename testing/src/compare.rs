//! `ryker compare`: ryker against its peers, side by side, in the shapes the benches use.
//!
//! Every row moves N 64-byte messages by value from P producers to one consumer through a
//! bounded queue of the given capacity (in `pairs`, from each of P producers to a consumer of
//! its own, N/P each), checks that each producer's messages arrived exactly once and in order,
//! and reports the median msg/s of `--repeat` runs and ryker's msg/s divided by the row's
//! (above 1: ryker is faster). Contexts:
//!
//! * `sync`: plain threads, each queue's blocking API (`ArrayQueue` and ryker's `ring::split`,
//!   the `ryker-ring` row, spin with a backoff);
//!   peers: `crossbeam_queue::ArrayQueue`, crossbeam-channel, tokio mpsc, async-channel,
//!   flume, kanal, thingbuf, crossfire.
//! * `pairs`: independent mailboxes: P pairs of plain threads, each a producer and a consumer
//!   with a queue of their own (the sync context's queues and calls); the rate is every pair's
//!   messages over the time until the last pair is done, and each pair is checked on its own.
//!   With one pair it is the sync context's SPSC row; on a many-core machine,
//!   `--threads-max 8` gives the sweep up to 8 mailboxes (16 threads).
//! * `tokio-ct`, `tokio-mt`, `smol`: tasks on a tokio current-thread runtime, a tokio
//!   multi-thread runtime with 2 workers, or a smol `Executor` run by 2 threads; the peers with
//!   an async API (tokio mpsc, async-channel, flume, kanal, thingbuf, crossfire).
//! * `actor`: a ryker actor whose handler is the check, against a tokio task doing the same
//!   behind a tokio mpsc, on tokio multi-thread (2 workers); with `--features actor-peers`,
//!   also against actix, kameo, ractor and xtra actors (see [`ContextArg::api`] for how each is
//!   driven; actix brings its own thread).
//! * `ask`: the same actors as servers: each producer makes its quota of request/response round
//!   trips one at a time (ryker's `Addr::ask`, a tokio task answering on a oneshot, each
//!   framework's ask or call); the server checks each request, the producer each reply. Rates
//!   are round trips per second.
//! * `actor-ct`, `ask-ct`: the rows of `actor` and `ask` with everything on one thread: a
//!   tokio current-thread runtime driven by a thread of its own, the shape actix always has
//!   (its System thread hosts the actor and the tasks that message it). No cross-thread
//!   wake-ups: a run shows each actor's CPU cost per message or round trip.
//!
//! The runs of one group (context, shape, capacity) are interleaved (round r of every queue,
//! then round r + 1), so a noisy moment on the machine is spread over the queues.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ryker_core::mailbox::MailboxConfig;
use serde::Serialize;

use bench_support::exec::{Smol2, TokioCt, TokioHere, TokioMt2};
use exec::Shape;
use report::{Report, Row};

mod check;
mod exec;
mod peers;
mod report;

/// Messages per run without `--messages`.
const MESSAGES: u64 = 2_000_000;
/// Messages per run under `--quick` without `--messages`.
const QUICK_MESSAGES: u64 = 500_000;
/// Runs per row without `--repeat`.
const REPEAT: u32 = 3;

/// Options of `ryker compare`.
#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// Messages per run, split evenly across the producers [default: 2000000; 500000 with --quick].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    messages: Option<u64>,

    /// Messages per run in the tokio-ct, tokio-mt, smol and actor contexts, and round trips per
    /// run in ask [default: --messages].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    async_messages: Option<u64>,

    /// Runs per row; the table reports their median [default: 3; 1 with --quick].
    #[arg(long, value_name = "R", value_parser = clap::value_parser!(u32).range(1..=99))]
    repeat: Option<u32>,

    /// Producers of the MPSC shape (the SPSC shape has 1).
    #[arg(long, value_name = "P", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=1024))]
    producers: u32,

    /// Sweep the producers instead: 1, 2, 4, ... (powers of two below K) and K.
    #[arg(long, value_name = "K", conflicts_with = "producers",
          value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads_max: Option<u32>,

    /// Queue capacities, comma-separated (the range allowed is ryker-core's).
    #[arg(long, value_name = "N,...", value_delimiter = ',', default_values_t = [512, 4096])]
    capacity: Vec<usize>,

    /// Queues to run, comma-separated [default: all]. Without ryker there is no ratio.
    #[arg(long, value_enum, value_name = "QUEUE,...", value_delimiter = ',')]
    only: Vec<QueueArg>,

    /// Contexts to run, comma-separated [default: all].
    #[arg(long, value_enum, value_name = "CONTEXT,...", value_delimiter = ',')]
    contexts: Vec<ContextArg>,

    /// A short run: 500000 messages and 1 run per row; explicit flags win.
    #[arg(long)]
    quick: bool,

    /// Also write one CSV line per row to PATH (`-`: to stdout, instead of the table); its
    /// ratio_vs_ryker column is ryker's rate divided by the row's, as in the table, and its
    /// unit column says whether the rates are msg/s or round trips/s (ask). A file is
    /// rewritten after each group of rows, so a run stopped early keeps the groups it finished.
    #[arg(long, value_name = "PATH")]
    csv: Option<PathBuf>,

    /// Print one JSON object on stdout instead of the table (no progress bar).
    #[arg(long)]
    json: bool,

    /// End a run that makes no progress for this many seconds with exit code 3 (0: never).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    stall_timeout: u64,
}

/// A queue under test (`--only` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum QueueArg {
    /// ryker's mailbox (an actor in the `actor` context).
    Ryker,
    /// ryker's single-consumer ring, `ring::split` (sync only; spins like `array-queue`).
    RykerRing,
    /// `crossbeam_queue::ArrayQueue` (sync only).
    ArrayQueue,
    /// `crossbeam_channel::bounded` (sync only).
    CrossbeamChannel,
    /// `tokio::sync::mpsc::channel`.
    TokioMpsc,
    /// `async_channel::bounded`.
    AsyncChannel,
    /// `flume::bounded`.
    Flume,
    /// `kanal::bounded` / `bounded_async`.
    Kanal,
    /// `thingbuf::mpsc` (blocking and async).
    Thingbuf,
    /// `crossfire::mpsc` (`bounded_blocking` / `bounded_async`).
    Crossfire,
    /// An actix actor (actor and ask contexts; `--features actor-peers`).
    Actix,
    /// A kameo actor (actor and ask contexts; `--features actor-peers`).
    Kameo,
    /// A ractor actor (actor and ask contexts; `--features actor-peers`).
    Ractor,
    /// An xtra actor (actor and ask contexts; `--features actor-peers`).
    Xtra,
}

/// Where a run happens (`--contexts` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum ContextArg {
    /// Plain threads, blocking calls.
    Sync,
    /// Independent mailboxes: P producer -> consumer pairs of plain threads, each pair through
    /// a queue of its own; msg/s in total.
    Pairs,
    /// Tasks on a tokio current-thread runtime.
    TokioCt,
    /// Tasks on a tokio multi-thread runtime with 2 workers.
    TokioMt,
    /// Tasks on a smol `Executor` run by 2 threads.
    Smol,
    /// A ryker actor against a tokio task fed by tokio mpsc (and the actor frameworks), on
    /// tokio multi-thread.
    Actor,
    /// The actors of `actor` answering requests: round trips per second.
    Ask,
    /// `actor` on one thread: a tokio current-thread runtime on a thread of its own, the shape
    /// of actix's System thread.
    ActorCt,
    /// `ask` on one thread, as `actor-ct`.
    AskCt,
}

impl QueueArg {
    /// The `--only` spelling.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Ryker => "ryker",
            Self::RykerRing => "ryker-ring",
            Self::ArrayQueue => "array-queue",
            Self::CrossbeamChannel => "crossbeam-channel",
            Self::TokioMpsc => "tokio-mpsc",
            Self::AsyncChannel => "async-channel",
            Self::Flume => "flume",
            Self::Kanal => "kanal",
            Self::Thingbuf => "thingbuf",
            Self::Crossfire => "crossfire",
            Self::Actix => "actix",
            Self::Kameo => "kameo",
            Self::Ractor => "ractor",
            Self::Xtra => "xtra",
        }
    }

    /// An actor framework: built only with the `actor-peers` feature.
    pub(crate) fn is_actor_peer(self) -> bool {
        matches!(self, Self::Actix | Self::Kameo | Self::Ractor | Self::Xtra)
    }
}

/// How to build the actor frameworks' rows.
const ACTOR_PEERS_COMMAND: &str =
    "cargo run --release -p ryker --features actor-peers -- compare --contexts actor,ask";

impl ContextArg {
    /// The `--contexts` spelling.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Sync => "sync",
            Self::Pairs => "pairs",
            Self::TokioCt => "tokio-ct",
            Self::TokioMt => "tokio-mt",
            Self::Smol => "smol",
            Self::Actor => "actor",
            Self::Ask => "ask",
            Self::ActorCt => "actor-ct",
            Self::AskCt => "ask-ct",
        }
    }

    /// What a row's rate counts.
    pub(crate) fn unit(self) -> &'static str {
        match self {
            Self::Ask | Self::AskCt => "round trips/s",
            _ => "msg/s",
        }
    }

    /// One line on what a run in this context is.
    fn title(self) -> &'static str {
        match self {
            Self::Sync => "plain threads: P producer threads -> 1 consumer thread",
            Self::Pairs => {
                "independent mailboxes: P pairs of plain threads, each a producer thread -> a consumer \
                 thread through a queue of its own; msg/s over all pairs"
            }
            Self::TokioCt => "tokio current-thread runtime: P producer tasks -> 1 consumer task, one thread",
            Self::TokioMt => "tokio multi-thread runtime, 2 workers: P producer tasks -> 1 consumer task",
            Self::Smol => "smol Executor run by 2 threads: P producer tasks -> 1 consumer task",
            Self::Actor => {
                "tokio multi-thread, 2 workers: P producer tasks tell one actor whose handler is the check: \
                 ryker's, a task behind a tokio mpsc, or an actor framework's (actix: one thread of its own)"
            }
            Self::Ask => {
                "the actors of `actor` as servers: each of P producer tasks makes its round trips one at a \
                 time; the server checks each request, the producer each reply; round trips/s"
            }
            Self::ActorCt => {
                "tokio current-thread runtime on a thread of its own (the shape of actix's System thread): \
                 P producer tasks tell one actor whose handler is the check, all on that one thread \
                 (actix: on its own System thread, as in `actor`)"
            }
            Self::AskCt => {
                "the actors of `actor-ct` as servers, on that one thread: each of P producer tasks makes its \
                 round trips one at a time; round trips/s"
            }
        }
    }

    /// The context whose rows this one runs, elsewhere (`actor-ct` runs `actor`'s rows on one
    /// thread; `pairs` runs `sync`'s, one queue per pair); any other context is its own.
    fn rows_of(self) -> Self {
        match self {
            Self::ActorCt => Self::Actor,
            Self::AskCt => Self::Ask,
            Self::Pairs => Self::Sync,
            other => other,
        }
    }

    /// How `queue` is driven in this context, or `None` where it does not fit.
    fn api(self, queue: QueueArg) -> Option<&'static str> {
        use QueueArg as Q;
        Some(match (self.rows_of(), queue) {
            (Self::Sync, Q::Ryker) => "send_blocking / recv_many_blocking",
            (Self::Sync, Q::RykerRing) => {
                "ring::split try_push / try_pop, spinning with Backoff while full or empty"
            }
            (Self::Sync, Q::ArrayQueue) => "push / pop, spinning with Backoff while full or empty",
            (Self::Sync, Q::CrossbeamChannel) => "send / recv + try_recv",
            (Self::Sync, Q::TokioMpsc) => "blocking_send / blocking_recv_many",
            (Self::Sync, Q::AsyncChannel) => "send_blocking / recv_blocking + try_recv",
            (Self::Sync, Q::Flume) => "send / recv + try_recv",
            (Self::Sync, Q::Kanal) => "send / recv + try_recv",
            (Self::Sync, Q::Thingbuf) => "mpsc::blocking send / recv + try_recv",
            (Self::Sync, Q::Crossfire) => "mpsc::bounded_blocking send / recv + try_recv",
            (Self::Actor, Q::Ryker) => "Addr::tell().await -> actor (default config)",
            (Self::Actor, Q::TokioMpsc) => "send().await -> task: while let Some(m) = recv().await",
            (Self::Actor, Q::Actix) => {
                "Addr::do_send (fire-and-forget: queues past the mailbox bound, no backpressure) -> actor \
                 (mailbox capacity set to --capacity); actor and producer tasks on one actix System \
                 thread"
            }
            (Self::Actor, Q::Kameo) => {
                "ActorRef::tell().await -> actor (mailbox::bounded(--capacity), a tokio mpsc)"
            }
            (Self::Actor, Q::Ractor) => {
                "ActorRef::cast -> actor (unbounded mailbox: no bound to set, cast never waits)"
            }
            (Self::Actor, Q::Xtra) => {
                "Address::send().detach().await -> actor (Mailbox::bounded(--capacity))"
            }
            (Self::Ask, Q::Ryker) => "Addr::ask(|reply| (msg, reply)).await -> actor (default config)",
            (Self::Ask, Q::TokioMpsc) => {
                "send((msg, oneshot)).await -> task answering on the tokio oneshot"
            }
            (Self::Ask, Q::Actix) => {
                "Addr::send().await -> actor (mailbox bounded at --capacity); actor and asking tasks on \
                 one actix System thread"
            }
            (Self::Ask, Q::Kameo) => "ActorRef::ask().await -> actor (mailbox::bounded(--capacity))",
            (Self::Ask, Q::Ractor) => {
                "ActorRef::call(|port| (msg, port), None).await -> actor (unbounded mailbox)"
            }
            (Self::Ask, Q::Xtra) => "Address::send().await -> actor (Mailbox::bounded(--capacity))",
            (Self::Actor | Self::Ask, _) | (_, Q::Actix | Q::Kameo | Q::Ractor | Q::Xtra) => {
                return None
            }
            (_, Q::Ryker) => "send().await / recv_many().await",
            (_, Q::TokioMpsc) => "send().await / recv_many().await",
            (_, Q::AsyncChannel) => "send().await / recv().await + try_recv",
            (_, Q::Flume) => "send_async / recv_async + try_recv",
            (_, Q::Kanal) => "bounded_async send / recv + try_recv",
            (_, Q::Thingbuf) => "mpsc send().await / recv().await + try_recv",
            (_, Q::Crossfire) => "mpsc::bounded_async send().await / recv().await + try_recv",
            (_, Q::RykerRing | Q::ArrayQueue | Q::CrossbeamChannel) => return None,
        })
    }

    /// Why `queue`'s row here fails its check every time, or never ends, if it does: the
    /// default plan leaves such a row out (saying why), and `--only` runs it. `one_cpu`: the
    /// process may use one CPU only ([`one_cpu`]).
    fn known_to_fail(self, queue: QueueArg, one_cpu: bool) -> Option<&'static str> {
        match (self.rows_of(), queue) {
            (Self::Actor, QueueArg::Xtra) => Some(
                "xtra 0.6 does not keep a producer's messages in order (its mailbox is a BinaryHeap \
                 ordered by priority alone), so its tell row fails the order check, though each \
                 message arrives once",
            ),
            // On tokio multi-thread only: `ask-ct`, whose tasks share one thread, finishes.
            (Self::Ask, QueueArg::Xtra) if one_cpu && self == Self::Ask => Some(
                "on one CPU xtra 0.6's ask does not finish: its reply channel (catty's oneshot) \
                 spins in `replace_state` for the other side, which cannot run on the CPU it \
                 holds (seen under `taskset -c 0`: 98% of the samples there, for minutes)",
            ),
            _ => None,
        }
    }

    /// Whether the actor frameworks have rows here.
    fn hosts_actor_peers(self) -> bool {
        matches!(self.rows_of(), Self::Actor | Self::Ask)
    }

    /// The executor this context's runs use; `None` for plain threads.
    fn exec(self) -> Option<Exec> {
        match self {
            Self::Sync | Self::Pairs => None,
            Self::TokioCt => Some(Exec::TokioCt(TokioHere::new())),
            Self::TokioMt | Self::Actor | Self::Ask => Some(Exec::TokioMt(TokioMt2::new())),
            Self::Smol => Some(Exec::Smol(Smol2::new())),
            Self::ActorCt | Self::AskCt => Some(Exec::TokioThread(TokioCt::new())),
        }
    }
}

/// Replaces the file at `path` with one holding `text`, all at once: written beside it first,
/// then renamed over it, so a process killed meanwhile leaves the previous contents whole.
fn rewrite(path: &Path, text: &str) -> io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    std::fs::write(&partial, text)?;
    std::fs::rename(&partial, path)
}

/// Whether this process may use one CPU only (the affinity mask or the cgroup's quota).
fn one_cpu() -> bool {
    std::thread::available_parallelism().is_ok_and(|n| n.get() == 1)
}

/// The executor of an async context.
#[derive(Debug)]
enum Exec {
    /// Driven by the measuring thread: the consumer is the runtime's main future.
    TokioCt(TokioHere),
    TokioMt(TokioMt2),
    Smol(Smol2),
    /// A current-thread runtime driven by a thread of its own (`actor-ct`, `ask-ct`).
    TokioThread(TokioCt),
}

/// One run of `queue` in `context`.
fn measure(
    context: ContextArg,
    queue: QueueArg,
    exec: Option<&Exec>,
    shape: &Shape,
    label: &str,
) -> check::Measured {
    use bench_support::sync as p;
    use exec::{run_sync, run_sync_pairs};
    /// `Q`'s run on plain threads: one queue, or one per pair.
    fn threads<Q: p::SyncPeer>(context: ContextArg, shape: &Shape, label: &str) -> check::Measured {
        if context == ContextArg::Pairs {
            run_sync_pairs::<Q>(shape, label)
        } else {
            run_sync::<Q>(shape, label)
        }
    }
    match exec {
        None => match queue {
            QueueArg::Ryker => threads::<p::Ryker>(context, shape, label),
            QueueArg::RykerRing => threads::<p::RykerSplitRing>(context, shape, label),
            QueueArg::ArrayQueue => threads::<p::ArrayQueue>(context, shape, label),
            QueueArg::CrossbeamChannel => threads::<p::CrossbeamChannel>(context, shape, label),
            QueueArg::TokioMpsc => threads::<p::TokioMpsc>(context, shape, label),
            QueueArg::AsyncChannel => threads::<p::AsyncChannel>(context, shape, label),
            QueueArg::Flume => threads::<p::Flume>(context, shape, label),
            QueueArg::Kanal => threads::<p::Kanal>(context, shape, label),
            QueueArg::Thingbuf => threads::<p::Thingbuf>(context, shape, label),
            QueueArg::Crossfire => threads::<p::Crossfire>(context, shape, label),
            QueueArg::Actix | QueueArg::Kameo | QueueArg::Ractor | QueueArg::Xtra => {
                unreachable!("{} has no {} row", context.name(), queue.name())
            }
        },
        Some(Exec::TokioMt(e)) if queue.is_actor_peer() => {
            peers::measure(e, context, queue, shape, label)
        }
        Some(Exec::TokioThread(e)) if queue.is_actor_peer() => {
            peers::measure(e, context, queue, shape, label)
        }
        Some(Exec::TokioThread(e)) => measure_on(e, context, queue, shape, label),
        Some(Exec::TokioCt(e)) => measure_on(e, context, queue, shape, label),
        Some(Exec::TokioMt(e)) => measure_on(e, context, queue, shape, label),
        Some(Exec::Smol(e)) => measure_on(e, context, queue, shape, label),
    }
}

/// One run of `queue` in the async `context`, on `exec`.
fn measure_on<E: bench_support::exec::Exec>(
    exec: &E,
    context: ContextArg,
    queue: QueueArg,
    shape: &Shape,
    label: &str,
) -> check::Measured {
    use bench_support::tasks as t;
    use exec::{run_actor_ryker, run_actor_tokio, run_ask_ryker, run_ask_tokio, run_async};
    match (context.rows_of(), queue) {
        (ContextArg::Actor, QueueArg::Ryker) => run_actor_ryker(exec, shape, label),
        (ContextArg::Actor, QueueArg::TokioMpsc) => run_actor_tokio(exec, shape, label),
        (ContextArg::Ask, QueueArg::Ryker) => run_ask_ryker(exec, shape, label),
        (ContextArg::Ask, QueueArg::TokioMpsc) => run_ask_tokio(exec, shape, label),
        (ContextArg::Actor | ContextArg::Ask, _)
        | (
            _,
            QueueArg::RykerRing
            | QueueArg::ArrayQueue
            | QueueArg::CrossbeamChannel
            | QueueArg::Actix
            | QueueArg::Kameo
            | QueueArg::Ractor
            | QueueArg::Xtra,
        ) => {
            // The actor frameworks' rows go through `peers::measure`.
            unreachable!("{} has no {} row here", context.name(), queue.name())
        }
        (_, QueueArg::Ryker) => run_async::<E, t::Ryker>(exec, shape, label),
        (_, QueueArg::TokioMpsc) => run_async::<E, t::TokioMpsc>(exec, shape, label),
        (_, QueueArg::AsyncChannel) => run_async::<E, t::AsyncChannel>(exec, shape, label),
        (_, QueueArg::Flume) => run_async::<E, t::Flume>(exec, shape, label),
        (_, QueueArg::Kanal) => run_async::<E, t::Kanal>(exec, shape, label),
        (_, QueueArg::Thingbuf) => run_async::<E, t::Thingbuf>(exec, shape, label),
        (_, QueueArg::Crossfire) => run_async::<E, t::Crossfire>(exec, shape, label),
    }
}

/// The arguments, resolved.
#[derive(Debug)]
struct Plan {
    contexts: Vec<ContextArg>,
    queues: Vec<QueueArg>,
    producers: Vec<u32>,
    capacities: Vec<usize>,
    messages: u64,
    async_messages: u64,
    repeat: u32,
    stall: Option<Duration>,
    /// Rows the default plan leaves out because they are known to fail their check (see
    /// [`ContextArg::known_to_fail`]); `--only` brings them back.
    skipped: Vec<(ContextArg, QueueArg)>,
    /// A line each on what the plan left out and why, for the reader of the table.
    notes: Vec<String>,
}

impl Plan {
    fn new(args: &CompareArgs) -> Result<Self, String> {
        for &capacity in &args.capacity {
            // ryker-core owns the capacity range; its message names the field and the range.
            let config = MailboxConfig {
                capacity,
                ..MailboxConfig::default()
            };
            config
                .validate()
                .map_err(|e| format!("--capacity {capacity} rejected: {e}"))?;
        }
        let messages = args
            .messages
            .unwrap_or(if args.quick { QUICK_MESSAGES } else { MESSAGES });
        let contexts = if args.contexts.is_empty() {
            ContextArg::value_variants().to_vec()
        } else {
            sorted(args.contexts.clone())
        };
        let mut notes = Vec::new();
        let mut skipped = Vec::new();
        let queues: Vec<QueueArg> = if args.only.is_empty() {
            let all = QueueArg::value_variants().iter().copied();
            if !peers::BUILT && contexts.iter().any(|c| c.hosts_actor_peers()) {
                notes.push(format!(
                    "actix, kameo, ractor and xtra left out: this build lacks the actor-peers feature \
                     ({ACTOR_PEERS_COMMAND})\n"
                ));
            }
            let queues: Vec<QueueArg> =
                all.filter(|q| peers::BUILT || !q.is_actor_peer()).collect();
            for &c in &contexts {
                for &q in &queues {
                    if let Some(why) = c.known_to_fail(q, one_cpu()) {
                        notes.push(format!(
                            "{} {} left out: {why}; list {} in --only to run it\n",
                            c.name(),
                            q.name(),
                            q.name()
                        ));
                        skipped.push((c, q));
                    }
                }
            }
            queues
        } else {
            if let Some(q) = args
                .only
                .iter()
                .find(|q| q.is_actor_peer() && !peers::BUILT)
            {
                return Err(format!(
                    "--only {}: the actor frameworks (actix, kameo, ractor, xtra) are built only with the \
                     actor-peers feature: {ACTOR_PEERS_COMMAND}",
                    q.name()
                ));
            }
            sorted(args.only.clone())
        };
        let producers = match args.threads_max {
            Some(k) => sorted(
                std::iter::successors(Some(1_u32), |p| p.checked_mul(2))
                    .take_while(|&p| p < k)
                    .chain([k])
                    .collect(),
            ),
            None => sorted(vec![1, args.producers]),
        };
        Ok(Self {
            contexts,
            queues,
            producers,
            capacities: sorted(args.capacity.clone()),
            messages,
            async_messages: args.async_messages.unwrap_or(messages),
            repeat: args.repeat.unwrap_or(if args.quick { 1 } else { REPEAT }),
            stall: (args.stall_timeout > 0).then(|| Duration::from_secs(args.stall_timeout)),
            skipped,
            notes,
        })
    }

    /// The queues that run in `context`.
    fn queues_in(&self, context: ContextArg) -> Vec<QueueArg> {
        self.queues
            .iter()
            .copied()
            .filter(|&q| context.api(q).is_some() && !self.skipped.contains(&(context, q)))
            .collect()
    }

    fn messages_in(&self, context: ContextArg) -> u64 {
        if matches!(context, ContextArg::Sync | ContextArg::Pairs) {
            self.messages
        } else {
            self.async_messages
        }
    }

    /// How many runs the whole plan makes.
    fn runs(&self) -> u64 {
        let per_context: u64 = self
            .contexts
            .iter()
            .map(|&c| self.queues_in(c).len() as u64)
            .sum();
        per_context * (self.producers.len() * self.capacities.len()) as u64 * u64::from(self.repeat)
    }
}

/// `v` sorted, without duplicates.
fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort_unstable();
    v.dedup();
    v
}

/// Set by the first Ctrl-C: no run starts after it, and what was measured is reported. A
/// second Ctrl-C ends the process at once.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

fn interrupted() -> bool {
    // Relaxed: a flag polled between runs; no data is published with it.
    INTERRUPTED.load(Ordering::Relaxed)
}

/// Runs `ryker compare`.
pub(crate) fn main(args: &CompareArgs) -> ExitCode {
    let plan = match Plan::new(args) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let csv_stdout = args.csv.as_deref().is_some_and(|p| p.as_os_str() == "-");
    if csv_stdout && args.json {
        eprintln!("error: --json and --csv - both write to stdout; give --csv a file");
        return ExitCode::from(2);
    }
    // Created (empty) now, so that a path that cannot be written fails before any run.
    let csv_file = match args.csv.as_deref() {
        Some(path) if !csv_stdout => match File::create(path) {
            Ok(_) => Some(path),
            Err(e) => {
                eprintln!("error: --csv {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        _ => None,
    };
    // Relaxed: the flag publishes no data; see `interrupted`.
    if let Err(e) = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::Relaxed) {
            std::process::exit(130);
        }
    }) {
        eprintln!("ryker compare: cannot install the Ctrl-C handler: {e}");
    }
    let human = !args.json && !csv_stdout;
    let report = Report::new(plan.repeat, plan.messages, plan.async_messages);
    let progress = progress_bar(plan.runs(), !args.json);
    let say = |text: String| {
        if human {
            progress.suspend(|| {
                print!("{text}");
                let _ = io::stdout().flush();
            });
        }
    };
    say(report.preamble());
    for note in &plan.notes {
        if human {
            say(note.clone());
        } else {
            eprint!("ryker compare: {note}");
        }
    }
    let started = Instant::now();
    let mut rows: Vec<Row> = Vec::new();
    'contexts: for &context in &plan.contexts {
        let queues = plan.queues_in(context);
        if queues.is_empty() {
            continue;
        }
        say(report::context_heading(context, &queues));
        let exec = context.exec();
        for &producers in &plan.producers {
            for &capacity in &plan.capacities {
                let shape = Shape {
                    producers,
                    capacity,
                    messages: plan.messages_in(context),
                    stall: plan.stall,
                };
                let mut group: Vec<Row> = queues
                    .iter()
                    .map(|&q| Row::new(context, q, &shape, context.api(q).unwrap_or("?")))
                    .collect();
                'rounds: for _ in 0..plan.repeat {
                    for row in &mut group {
                        if interrupted() {
                            break 'rounds;
                        }
                        let label = row.label();
                        progress.set_message(label.clone());
                        let measured = measure(context, row.queue, exec.as_ref(), &shape, &label);
                        row.add(measured);
                        progress.inc(1);
                    }
                }
                group.retain(|r| !r.runs_msgs_per_sec.is_empty());
                report::summarize(&mut group);
                say(report::group_table(&group));
                rows.extend(group);
                // The file holds every finished group at all times: a run killed later (a
                // peer that never finishes, a lent machine's time running out) keeps them.
                if let Some(path) = csv_file {
                    if let Err(e) = rewrite(path, &report::csv(&rows)) {
                        eprintln!("error: --csv: {e}");
                        return ExitCode::FAILURE;
                    }
                }
                if interrupted() {
                    break 'contexts;
                }
            }
        }
    }
    progress.finish_and_clear();
    let elapsed = started.elapsed();
    let interrupted = interrupted();
    let ok = rows.iter().all(|r| r.ok);
    if csv_stdout {
        print!("{}", report::csv(&rows));
    }
    if let Some(path) = csv_file {
        // Also when no group finished (the header alone), as before.
        if let Err(e) = rewrite(path, &report::csv(&rows)) {
            eprintln!("error: --csv: {e}");
            return ExitCode::FAILURE;
        }
    }
    if args.json {
        println!("{}", report.json(&rows, interrupted, ok, elapsed));
    }
    say(report.footer(&rows, plan.runs(), interrupted, elapsed));
    for row in rows.iter().filter(|r| !r.ok) {
        for failure in &row.failures {
            eprintln!("error: {}: {failure}", row.label());
        }
    }
    if interrupted {
        ExitCode::from(130)
    } else if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn progress_bar(runs: u64, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(runs), ProgressDrawTarget::stderr_with_hz(4));
    bar.set_style(
        ProgressStyle::with_template("{pos}/{len} runs [{elapsed}] {msg}")
            .expect("static progress template is valid"),
    );
    bar
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use bench_support::watchdog::Heartbeats;
    use bench_support::Msg;
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: CompareArgs,
    }

    fn plan(args: &[&str]) -> Plan {
        let cli = Cli::try_parse_from(std::iter::once("compare").chain(args.iter().copied()))
            .expect("arguments parse");
        Plan::new(&cli.args).expect("a valid plan")
    }

    #[test]
    fn names_are_the_flag_spellings() {
        for q in QueueArg::value_variants() {
            assert_eq!(q.to_possible_value().unwrap().get_name(), q.name());
        }
        for c in ContextArg::value_variants() {
            assert_eq!(c.to_possible_value().unwrap().get_name(), c.name());
        }
    }

    #[test]
    fn threads_max_sweeps_powers_of_two_and_k() {
        assert_eq!(plan(&["--threads-max", "6"]).producers, [1, 2, 4, 6]);
        assert_eq!(plan(&["--threads-max", "8"]).producers, [1, 2, 4, 8]);
        assert_eq!(plan(&["--threads-max", "1"]).producers, [1]);
        assert_eq!(plan(&[]).producers, [1, 4]);
        assert_eq!(plan(&["--producers", "1"]).producers, [1]);
    }

    #[test]
    fn quick_shortens_unless_told_otherwise() {
        let sizes = |p: Plan| (p.messages, p.async_messages, p.repeat);
        assert_eq!(sizes(plan(&[])), (2_000_000, 2_000_000, 3));
        assert_eq!(sizes(plan(&["--quick"])), (500_000, 500_000, 1));
        assert_eq!(
            sizes(plan(&["--quick", "--messages", "8000", "--repeat", "2"])),
            (8000, 8000, 2)
        );
        assert_eq!(
            sizes(plan(&["--async-messages", "100"])),
            (2_000_000, 100, 3)
        );
    }

    #[test]
    fn every_context_has_ryker_and_the_sync_only_peers_stay_sync() {
        let p = plan(&[]);
        for c in ContextArg::value_variants() {
            let queues = p.queues_in(*c);
            assert!(queues.contains(&QueueArg::Ryker), "{c:?}");
            for sync_only in [QueueArg::ArrayQueue, QueueArg::RykerRing] {
                assert_eq!(
                    queues.contains(&sync_only),
                    matches!(c, ContextArg::Sync | ContextArg::Pairs),
                    "{c:?} {sync_only:?}"
                );
            }
        }
        let frameworks = [
            QueueArg::Actix,
            QueueArg::Kameo,
            QueueArg::Ractor,
            QueueArg::Xtra,
        ];
        let servers: Vec<QueueArg> = [QueueArg::Ryker, QueueArg::TokioMpsc]
            .into_iter()
            .chain(frameworks.into_iter().filter(|_| peers::BUILT))
            .collect();
        // xtra's tell row is known to fail its check: out of the default plan.
        let tellers: Vec<QueueArg> = servers
            .iter()
            .copied()
            .filter(|&q| q != QueueArg::Xtra)
            .collect();
        assert_eq!(p.queues_in(ContextArg::Actor), tellers);
        assert_eq!(p.queues_in(ContextArg::Ask), servers);
        assert_eq!(p.queues_in(ContextArg::ActorCt), tellers);
        assert_eq!(p.queues_in(ContextArg::AskCt), servers);
        // sync and pairs: ryker, its split ring and the 8 thread peers; 7 async queues in each
        // of 3 contexts.
        assert_eq!(
            p.queues_in(ContextArg::Pairs),
            p.queues_in(ContextArg::Sync)
        );
        let per_context = 10 * 2 + 7 * 3 + 2 * (tellers.len() + servers.len()) as u64;
        assert_eq!(p.runs(), per_context * 2 * 2 * 3);
    }

    #[test]
    fn the_actor_frameworks_run_only_in_the_actor_and_ask_contexts_on_either_runtime() {
        for c in ContextArg::value_variants() {
            for q in [
                QueueArg::Actix,
                QueueArg::Kameo,
                QueueArg::Ractor,
                QueueArg::Xtra,
            ] {
                assert!(q.is_actor_peer());
                assert_eq!(c.api(q).is_some(), c.hosts_actor_peers(), "{c:?} {q:?}");
            }
        }
        assert_eq!(ContextArg::Ask.unit(), "round trips/s");
        assert_eq!(ContextArg::AskCt.unit(), "round trips/s");
        assert_eq!(ContextArg::Actor.unit(), "msg/s");
        assert_eq!(ContextArg::ActorCt.unit(), "msg/s");
        for c in [ContextArg::ActorCt, ContextArg::AskCt] {
            assert!(c.hosts_actor_peers());
            assert!(
                matches!(c.exec(), Some(Exec::TokioThread(_))),
                "{c:?}: one thread"
            );
        }
    }

    #[cfg(not(feature = "actor-peers"))]
    #[test]
    fn without_the_feature_asking_for_an_actor_framework_says_how_to_build_it() {
        let cli = Cli::try_parse_from(["compare", "--only", "ryker,kameo"]).expect("parses");
        let err = Plan::new(&cli.args).expect_err("kameo is not built");
        assert!(
            err.contains("--only kameo")
                && err.contains("actor-peers")
                && err.contains(ACTOR_PEERS_COMMAND),
            "{err}"
        );
        // The default plan leaves them out, and says so once where they would have run.
        let p = plan(&[]);
        assert!(p.queues.iter().all(|q| !q.is_actor_peer()));
        assert_eq!(p.notes.len(), 1, "{:?}", p.notes);
        let note = &p.notes[0];
        assert!(
            note.contains("actix, kameo, ractor and xtra") && note.contains(ACTOR_PEERS_COMMAND),
            "{note}"
        );
        assert_eq!(note.lines().count(), 1);
        assert!(plan(&["--contexts", "sync,tokio-ct"]).notes.is_empty());
    }

    #[cfg(feature = "actor-peers")]
    #[test]
    fn with_the_feature_the_actor_frameworks_are_in_the_default_plan() {
        let ct = plan(&["--contexts", "actor-ct"]);
        assert!(
            ct.notes.len() == 1 && ct.notes[0].starts_with("actor-ct xtra left out: xtra 0.6"),
            "{:?}",
            ct.notes
        );
        let p = plan(&["--contexts", "actor,ask"]);
        assert_eq!(p.notes.len(), 1, "{:?}", p.notes);
        assert!(
            p.notes[0].starts_with("actor xtra left out: xtra 0.6"),
            "{:?}",
            p.notes
        );
        assert!(!p.queues_in(ContextArg::Actor).contains(&QueueArg::Xtra));
        assert_eq!(
            p.queues_in(ContextArg::Ask),
            [
                QueueArg::Ryker,
                QueueArg::TokioMpsc,
                QueueArg::Actix,
                QueueArg::Kameo,
                QueueArg::Ractor,
                QueueArg::Xtra,
            ]
        );
        let only = plan(&["--only", "ryker,xtra", "--contexts", "actor"]);
        assert!(only.notes.is_empty());
        assert_eq!(
            only.queues_in(ContextArg::Actor),
            [QueueArg::Ryker, QueueArg::Xtra]
        );
    }

    /// Every row that this build can run, but those known to fail (xtra's tell row: xtra 0.6
    /// reorders a queue of one priority, see below).
    #[test]
    fn every_row_of_a_small_plan_passes_its_check() {
        let shape = Shape {
            producers: 3,
            capacity: 8,
            messages: 5_000,
            stall: None,
        };
        for context in ContextArg::value_variants() {
            let exec = context.exec();
            for q in QueueArg::value_variants() {
                if context.api(*q).is_none()
                    || (q.is_actor_peer() && !peers::BUILT)
                    || context.known_to_fail(*q, one_cpu()).is_some()
                {
                    continue;
                }
                let m = measure(*context, *q, exec.as_ref(), &shape, "test");
                assert!(m.failures.is_empty(), "{context:?} {q:?}: {:?}", m.failures);
                assert!(m.msgs_per_sec > 0.0);
            }
        }
    }

    /// xtra 0.6 keeps queued messages in a `BinaryHeap` ordered by priority alone, so a
    /// producer's messages of one priority can leave out of order. The check says so, and that
    /// each still arrived once. If this fails because there was no violation, xtra has changed:
    /// drop it from `ContextArg::known_to_fail`.
    #[cfg(feature = "actor-peers")]
    #[test]
    fn xtra_tell_fails_the_order_check_but_delivers_every_message_once() {
        let shape = Shape {
            producers: 3,
            capacity: 8,
            messages: 30_000,
            stall: None,
        };
        let exec = ContextArg::Actor.exec();
        let m = measure(
            ContextArg::Actor,
            QueueArg::Xtra,
            exec.as_ref(),
            &shape,
            "test",
        );
        assert_eq!(m.failures.len(), 1, "{:?}", m.failures);
        assert!(
            m.failures[0].contains("order violation(s) (every message arrived, once)"),
            "{:?}",
            m.failures
        );
    }

    /// The CSV file is rewritten after each group: a shorter text replaces a longer one
    /// whole, with nothing of the old left after it, and no partial file left beside it.
    #[test]
    fn rewrite_replaces_the_whole_file() {
        let path = std::env::temp_dir().join(format!("ryker-rewrite-{}.csv", std::process::id()));
        File::create(&path).unwrap();
        rewrite(&path, "header\nrow 1\nrow 2\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "header\nrow 1\nrow 2\n"
        );
        rewrite(&path, "header\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "header\n");
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        assert!(!Path::new(&partial).exists());
        std::fs::remove_file(&path).unwrap();
    }

    /// xtra's ask is left out of the default plan on one CPU, where it never ends (its reply
    /// channel spins for a peer that cannot run), and only there: not on several CPUs, and
    /// not in `ask-ct`, whose tasks share one thread and finish.
    #[test]
    fn xtra_ask_is_left_out_on_one_cpu_only() {
        assert!(ContextArg::Ask
            .known_to_fail(QueueArg::Xtra, true)
            .is_some());
        assert!(ContextArg::Ask
            .known_to_fail(QueueArg::Xtra, false)
            .is_none());
        assert!(ContextArg::AskCt
            .known_to_fail(QueueArg::Xtra, true)
            .is_none());
        assert!(ContextArg::Ask
            .known_to_fail(QueueArg::Ryker, true)
            .is_none());
    }

    /// A server that answers the wrong request, or not at all, fails the run.
    #[test]
    fn a_wrong_or_missing_reply_fails_an_ask_run() {
        use bench_support::tasks::Asker;
        use exec::{asker_tasks, round_trips};

        /// Answers request `seq` with the answer owed to `seq + 1`, and gives up on seq 2 of
        /// producer 1.
        #[derive(Clone)]
        struct OffByOne;

        impl Asker<Msg, u64> for OffByOne {
            async fn ask(&self, req: Msg) -> Option<u64> {
                (req.producer != 1 || req.seq != 2)
                    .then(|| exec::answer(&Msg::new(req.producer, req.seq + 1)))
            }
        }

        let tokio = TokioMt2::new();
        let beats = Arc::new(Heartbeats::new(2));
        let (report, asked) = tokio::sync::mpsc::unbounded_channel();
        let (out, server) = tokio::sync::oneshot::channel();
        // The server's own check has nothing to say: it saw no requests and expected none.
        let _ = out.send(Some(check::Check::new(vec![0, 0], beats.clone())));
        let start = Instant::now();
        for task in asker_tasks(&OffByOne, &[3, 4], &beats, &report) {
            tokio.runtime().spawn(task);
        }
        drop(report);
        let m = tokio
            .runtime()
            .block_on(round_trips(start, 2, asked, server));
        assert!(
            m.failures
                .iter()
                .any(|f| f.contains("3 wrong repl(ies), the first: producer 0: request 0 got")),
            "{:?}",
            m.failures
        );
        assert!(
            m.failures
                .iter()
                .any(|f| f.contains("producer 1: request 2 of 4 went unanswered")),
            "{:?}",
            m.failures
        );
    }
}
