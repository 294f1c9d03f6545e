//! # ryker-perf
//!
//! Deterministic performance gates: each gate performs a fixed number of mailbox or actor
//! operations on one thread (actors run on a hand-written single-threaded executor with a
//! clock that stands still), inside one `#[inline(never)]` window function that callgrind
//! measures with `--toggle-collect`. The binary itself prints no timing: one line per run,
//!
//! ```text
//! gate=tell_handle ops=100000 allocations=0 check=...
//! ```
//!
//! and `.ci/perf_gate.sh` runs it under callgrind; `ryker-perf judge` then reads that line and
//! callgrind's instruction count and compares both with `testing/performance/baselines/<gate>.toml`.
//!
//! ```text
//! ryker-perf --list             the gates, one per line: name, then what one operation is
//! ryker-perf <gate> [--ops N]   run one gate (default N = 100000)
//! ryker-perf judge ...          judge callgrind's counts against the baselines (see `judge`)
//! ```
//!
//! Modules: `gates` (the workloads and their windows), `judge` (baselines and verdicts), `executor` (the deterministic
//! `Runtime`); the counting global allocator is `bench_support::alloc`'s.

mod executor;
mod gates;
mod judge;

use std::process::ExitCode;

#[global_allocator]
static ALLOC: bench_support::alloc::Counting = bench_support::alloc::Counting;

/// Operations per gate unless `--ops` says otherwise.
const DEFAULT_OPS: u64 = 100_000;

fn usage() -> ExitCode {
    eprintln!("usage: ryker-perf --list | ryker-perf <gate> [--ops N] | ryker-perf judge ...");
    eprintln!(
        "gates: {}",
        gates::GATES
            .iter()
            .map(|g| g.name)
            .collect::<Vec<_>>()
            .join(", ")
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (name, ops) = match args.as_slice() {
        [cmd, rest @ ..] if cmd == "judge" => return judge::main(rest),
        [flag] if flag == "--list" => {
            for gate in gates::GATES {
                println!("{}\t{}", gate.name, gate.op);
            }
            return ExitCode::SUCCESS;
        }
        [name] => (name, DEFAULT_OPS),
        [name, flag, n] if flag == "--ops" => match n.parse() {
            Ok(n) => (name, n),
            Err(_) => return usage(),
        },
        _ => return usage(),
    };
    let Some(gate) = gates::GATES
        .iter()
        .chain([&gates::CANARY])
        .find(|g| g.name == name)
    else {
        eprintln!("ryker-perf: no gate named {name:?}");
        return usage();
    };
    let m = gate.run(ops);
    println!(
        "gate={} ops={} allocations={} check={}",
        gate.name, m.ops, m.allocations, m.check
    );
    ExitCode::SUCCESS
}
