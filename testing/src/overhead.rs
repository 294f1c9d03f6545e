//! `ryker spans` and `ryker amnesia`: the spec's two cost gates (the only ones: the Criterion
//! actor report does not repeat them), each measured as pairs of identical paced soaks that
//! differ in one switch, run as child processes of this binary (a tracing subscriber is global
//! to a process, so each level gets its own).
//!
//! - spans: p95 enqueue→handle latency with ryker's DEBUG spans on, divided by p95 with the
//!   subscriber at INFO (spans off); the gate is ≤ 5.0.
//! - amnesia: process CPU time per handled message with `amnesia = true` against `false`; the
//!   gate is ≤ 5% more.
//!
//! How a gate judges: every pair gives one ratio (variant ÷ baseline, the two soaks run back to
//! back), and the gate takes the median of those ratios. The pairs alternate their order
//! (baseline first, then variant first, ...), so drift over the run and whatever favours the
//! first or the second soak of a pair fall on both sides alike; a ratio per pair cancels what
//! moves slowly (the machine's other load), which a ratio of the two sides' medians does not.
//! Amnesia's figure is CPU time per handled message, not CPU % of a core, so a soak that
//! drains longer or handles fewer messages is not counted as costlier.
//!
//! Both need the harness built with `--features observe` (ryker-core's `tracing` and `amnesia`).

use std::process::{Command, ExitCode};

use clap::Args;
use serde::Serialize;

use crate::soak::{RuntimeArg, SoakReport};

/// Options shared by `ryker spans` and `ryker amnesia`.
#[derive(Debug, Clone, Args)]
pub(crate) struct OverheadArgs {
    /// Number of actors.
    #[arg(long, value_name = "N", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    actors: u32,
    /// Send rate in messages per minute (the spec's gates are at 10k msg/s = 600000/min).
    #[arg(long, value_name = "MSGS_PER_MIN", default_value_t = 600_000,
          value_parser = clap::value_parser!(u64).range(1..=6_000_000_000))]
    rate: u64,
    /// Seconds per soak (short soaks, many pairs: the two soaks of a pair run close together,
    /// so the machine's drifting load cancels in their ratio).
    #[arg(long, value_name = "SECS", default_value_t = 3,
          value_parser = clap::value_parser!(u64).range(1..=3_600))]
    duration: u64,
    /// Pairs of soaks, alternating which runs first (the median of the pairs' ratios is judged).
    #[arg(long, value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    repeat: u32,
    /// The runtime the actors run on.
    #[arg(long, value_enum, default_value_t = RuntimeArg::Tokio)]
    runtime: RuntimeArg,
    /// Print one JSON object on stdout instead of the table.
    #[arg(long)]
    json: bool,
}

/// Which gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Gate {
    Spans,
    Amnesia,
}

impl Gate {
    fn name(self) -> &'static str {
        match self {
            Self::Spans => "spans",
            Self::Amnesia => "amnesia",
        }
    }
}

#[derive(Debug, Serialize)]
struct Outcome {
    gate: Gate,
    baseline: Vec<f64>,
    variant: Vec<f64>,
    /// variant ÷ baseline, pair by pair.
    ratios: Vec<f64>,
    metric: &'static str,
    baseline_median: f64,
    variant_median: f64,
    /// spans: the median ratio; amnesia: (median ratio − 1) × 100 (% more CPU per message).
    value: f64,
    limit: f64,
    pass: bool,
    all_accounted: bool,
}

/// One child soak.
fn soak(args: &OverheadArgs, extra: &[&str]) -> Result<SoakReport, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let runtime = match args.runtime {
        RuntimeArg::Tokio => "tokio",
        RuntimeArg::Smol => "smol",
        RuntimeArg::AsyncStd => "async-std",
    };
    let out = Command::new(exe)
        .args(["soak", "--json", "--runtime", runtime])
        .args(["--actors", &args.actors.to_string()])
        .args(["--rate", &args.rate.to_string()])
        .args(["--duration", &args.duration.to_string()])
        .args(extra)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("child report: {e}"))
}

/// The median (the mean of the middle two for an even count).
fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Pair `i` runs the baseline first when `i` is even, the variant first when it is odd.
fn baseline_first(pair: u32) -> bool {
    pair.is_multiple_of(2)
}

pub(crate) fn main(gate: Gate, args: &OverheadArgs) -> ExitCode {
    let (base_flags, variant_flags, metric): (&[&str], &[&str], _) = match gate {
        Gate::Spans => (
            &["--trace-level", "info"],
            &["--trace-level", "debug"],
            "p95 enqueue→handle ns",
        ),
        Gate::Amnesia => (
            &["--amnesia", "false"],
            &["--amnesia", "true"],
            "CPU ns per handled message",
        ),
    };
    let pick = |r: &SoakReport| match gate {
        Gate::Spans => r.latency_p95() as f64,
        Gate::Amnesia => r.cpu_ns_per_message(),
    };
    let (mut baseline, mut variant) = (Vec::new(), Vec::new());
    let mut all_accounted = true;
    for i in 0..args.repeat {
        if !args.json {
            eprintln!("ryker {}: pair {}/{}", gate.name(), i + 1, args.repeat);
        }
        let mut sides = [(base_flags, &mut baseline), (variant_flags, &mut variant)];
        if !baseline_first(i) {
            sides.reverse();
        }
        for (flags, into) in sides {
            match soak(args, flags) {
                Ok(report) => {
                    all_accounted &= report.accounted();
                    into.push(pick(&report));
                }
                Err(e) => {
                    eprintln!("ryker {}: the soak failed: {e}", gate.name());
                    return ExitCode::from(2);
                }
            }
        }
    }
    let ratios: Vec<f64> = baseline
        .iter()
        .zip(&variant)
        .map(|(b, v)| v / b.max(1e-9))
        .collect();
    let ratio = median(&ratios);
    let (value, limit) = match gate {
        Gate::Spans => (ratio, 5.0),
        Gate::Amnesia => ((ratio - 1.0) * 100.0, 5.0),
    };
    let outcome = Outcome {
        gate,
        baseline_median: median(&baseline),
        variant_median: median(&variant),
        baseline,
        variant,
        ratios,
        metric,
        value,
        limit,
        pass: value <= limit && all_accounted,
        all_accounted,
    };
    if args.json {
        println!("{}", serde_json::to_string(&outcome).expect("serialize"));
    } else {
        let (what, base_name, variant_name) = match gate {
            Gate::Spans => (
                "span cost: p95 with DEBUG spans / p95 at INFO",
                "INFO",
                "DEBUG",
            ),
            Gate::Amnesia => (
                "amnesia overhead: CPU per message with amnesia vs without, median of the pairs, % more",
                "off",
                "on",
            ),
        };
        println!(
            "ryker {}: {} actors, {} msg/min, {} s per soak, {} pairs (alternating order)",
            gate.name(),
            args.actors,
            args.rate,
            args.duration,
            args.repeat
        );
        println!("  {metric:<24} {base_name:>8}: {:?}", outcome.baseline);
        println!("  {metric:<24} {variant_name:>8}: {:?}", outcome.variant);
        let (lo, hi) = outcome
            .ratios
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| {
                (lo.min(r), hi.max(r))
            });
        println!(
            "  {:<24} {:>8}: {:?} (min {lo:.3}, max {hi:.3})",
            "ratio per pair",
            format!("{variant_name}/{base_name}"),
            outcome
                .ratios
                .iter()
                .map(|r| (r * 1000.0).round() / 1000.0)
                .collect::<Vec<_>>()
        );
        println!(
            "  {what}: {:.2} (limit {:.1}) -> {}{}",
            outcome.value,
            outcome.limit,
            if outcome.pass { "PASS" } else { "FAIL" },
            if all_accounted {
                ""
            } else {
                " (a soak lost track of a message)"
            }
        );
    }
    if outcome.pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert!((median(&[3.0, 1.0, 2.0]) - 2.0).abs() < 1e-12);
        assert!((median(&[4.0, 1.0, 3.0, 2.0]) - 2.5).abs() < 1e-12);
    }

    #[test]
    fn the_pairs_alternate_which_side_runs_first() {
        let order: Vec<bool> = (0..4).map(baseline_first).collect();
        assert_eq!(order, [true, false, true, false]);
    }
}
