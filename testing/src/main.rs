//! `ryker`: the command-line harness for ryker.
//!
//! `ryker soak` runs thousands of actors on a real runtime at a steady rate and accounts for
//! every message. `ryker enqueue` pushes messages through a real mailbox between threads, checks that every
//! message arrived exactly once and in per-producer order, and reports throughput and latency
//! next to `crossbeam_channel::bounded` measured in the same run with the same shape.
//! `ryker burst` measures the delay of a lone message that follows a burst, for ryker and its
//! peers, in rounds that rotate the order the queues run in.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod burst;
mod compare;
mod enqueue;
mod overhead;
mod plan;
mod soak;
mod summary;
mod usage;

#[global_allocator]
static ALLOC: bench_support::alloc::Counting = bench_support::alloc::Counting;

/// Command-line harness for the ryker actor mailbox.
#[derive(Debug, Parser)]
#[command(name = "ryker", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Push 64-byte messages through a mailbox between threads; check order, report msg/s and latency.
    Enqueue(enqueue::EnqueueArgs),
    /// Run many actors on a runtime at a steady rate; account for every message, report latency, Busy %, CPU, memory.
    Soak(soak::SoakArgs),
    /// A soak with injected handler latency and jitter and bursts 25% above the steady rate: backpressure second by second.
    Chaos(soak::ChaosArgs),
    /// The span cost gate: p95 latency with ryker's DEBUG spans on / at INFO (limit 5.0); needs `--features observe`.
    Spans(overhead::OverheadArgs),
    /// The amnesia gate: CPU with amnesia on vs off at 10k msg/s (limit +5%); needs `--features observe`.
    Amnesia(overhead::OverheadArgs),
    /// ryker against crossbeam, tokio mpsc, async-channel, flume, kanal, thingbuf and crossfire (and, with `--features actor-peers`, actix, kameo, ractor and xtra), side by side: a table and CSV.
    Compare(compare::CompareArgs),
    /// The delay of a lone message right after a burst, at a blocking batch receiver: ryker and its peers, rounds rotated, every message checked.
    Burst(burst::BurstArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Enqueue(args) => enqueue::main(&args),
        Command::Soak(args) => soak::main(&args),
        Command::Chaos(args) => soak::main(&args.soak()),
        Command::Spans(args) => overhead::main(overhead::Gate::Spans, &args),
        Command::Amnesia(args) => overhead::main(overhead::Gate::Amnesia, &args),
        Command::Compare(args) => compare::main(&args),
        Command::Burst(args) => burst::main(&args),
    }
}
