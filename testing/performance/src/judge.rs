//! `ryker-perf judge`: reads what `.ci/perf_gate.sh` measured under callgrind, compares it with
//! `baselines/<gate>.toml`, prints the table and the regressions, and with `--update` writes the
//! baselines instead.
//!
//! ```text
//! ryker-perf judge --logs DIR --baselines DIR --rustc S --valgrind S --machine S --date D
//!                  [--update | --canary] [GATE...]
//! ```
//!
//! For each gate it reads `DIR/<gate>.stdout` (the binary's `gate=... ops=N allocations=A` line)
//! and `DIR/callgrind.<gate>.out` (callgrind's `totals:` line: the instructions inside the
//! window). A gate fails when instructions per op rise more than [`TOLERANCE_PCT`] % above its
//! baseline, or allocations per op rise above it at all (they are exact counts). Both are
//! integer comparisons, cross-multiplied, so no rounding decides a verdict.
//!
//! `--canary` judges the `canary` gate against the `enqueue_dequeue` baseline and succeeds only
//! if both rules catch it. Exit status: 0 pass (or canary caught, or baselines written),
//! 1 regression (or canary missed), 2 unusable input.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::{Deserialize, Serialize};

/// Instructions per op may rise this many percent above the baseline.
pub(crate) const TOLERANCE_PCT: u64 = 10;

/// One baseline file, `baselines/<gate>.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Baseline {
    gate: String,
    ops: u64,
    instructions: u64,
    instructions_per_op: f64,
    allocations: u64,
    allocations_per_op: f64,
    rustc: String,
    valgrind: String,
    machine: String,
    recorded: String,
}

/// What one gate measured under callgrind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Measured {
    ops: u64,
    instructions: u64,
    allocations: u64,
}

/// The running toolchain and machine, recorded in a baseline and compared with it.
#[derive(Debug, Default)]
struct Env {
    rustc: String,
    valgrind: String,
    machine: String,
    date: String,
}

/// The parsed command line.
#[derive(Debug, Default)]
struct Args {
    logs: PathBuf,
    baselines: PathBuf,
    env: Env,
    update: bool,
    canary: bool,
    gates: Vec<String>,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut out = Args::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{arg} needs a value"))
        };
        match arg.as_str() {
            "--logs" => out.logs = value()?.into(),
            "--baselines" => out.baselines = value()?.into(),
            "--rustc" => out.env.rustc = value()?,
            "--valgrind" => out.env.valgrind = value()?,
            "--machine" => out.env.machine = value()?,
            "--date" => out.env.date = value()?,
            "--update" => out.update = true,
            "--canary" => out.canary = true,
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            gate => out.gates.push(gate.to_owned()),
        }
    }
    if out.logs.as_os_str().is_empty() || out.baselines.as_os_str().is_empty() {
        return Err("--logs and --baselines are required".into());
    }
    if out.update && out.canary {
        return Err("--update and --canary exclude each other".into());
    }
    Ok(out)
}

/// Reads `key=value` from the binary's `gate=` line.
fn field(line: &str, key: &str) -> Option<u64> {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
}

fn read_measured(logs: &Path, gate: &str) -> Result<Measured, String> {
    let stdout = logs.join(format!("{gate}.stdout"));
    let text = fs::read_to_string(&stdout).map_err(|e| format!("{}: {e}", stdout.display()))?;
    let line = text
        .lines()
        .find(|l| l.starts_with("gate="))
        .ok_or_else(|| format!("{gate}: no 'gate=' line in {}", stdout.display()))?;
    let (Some(ops @ 1..), Some(allocations)) = (field(line, "ops"), field(line, "allocations"))
    else {
        return Err(format!(
            "{gate}: could not read ops and allocations from: {line}"
        ));
    };
    let out = logs.join(format!("callgrind.{gate}.out"));
    let text = fs::read_to_string(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let instructions = text
        .lines()
        .find_map(|l| l.strip_prefix("totals:"))
        .and_then(|t| t.split_whitespace().next()?.parse::<u64>().ok())
        .filter(|&ir| ir > 0)
        .ok_or_else(|| {
            format!(
                "{gate}: callgrind counted no instructions inside window_{gate} (renamed or inlined?): {}",
                out.display()
            )
        })?;
    Ok(Measured {
        ops,
        instructions,
        allocations,
    })
}

fn read_baseline(file: &Path) -> Result<Option<Baseline>, String> {
    let text = match fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", file.display())),
    };
    let b: Baseline = toml::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    if b.ops == 0 || b.instructions == 0 {
        return Err(format!(
            "{}: ops and instructions must be positive",
            file.display()
        ));
    }
    Ok(Some(b))
}

/// `count / ops` with `places` decimals.
fn per_op(count: u64, ops: u64, places: usize) -> String {
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let v = count as f64 / ops as f64;
    format!("{v:.places$}")
}

/// The verdict on one gate against its baseline.
#[derive(Debug, Default)]
struct Verdict {
    /// One line per broken rule.
    failures: Vec<String>,
    /// Advice that does not fail the gate.
    notes: Vec<String>,
    /// The table row.
    row: String,
}

fn row(cells: [&str; 7]) -> String {
    let [a, b, c, d, e, f, g] = cells;
    format!("{a:<24} {b:>12} {c:>12} {d:>7} {e:>11} {f:>11}  {g}")
}

fn judge(gate: &str, m: Measured, b: &Baseline) -> Verdict {
    let mut v = Verdict::default();
    let (ir, ops, allocs) = (
        u128::from(m.instructions),
        u128::from(m.ops),
        u128::from(m.allocations),
    );
    let (b_ir, b_ops, b_allocs) = (
        u128::from(b.instructions),
        u128::from(b.ops),
        u128::from(b.allocations),
    );
    let tol = u128::from(TOLERANCE_PCT);
    let (ipo, b_ipo) = (
        per_op(m.instructions, m.ops, 1),
        per_op(b.instructions, b.ops, 1),
    );
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let ratio = format!(
        "{:.3}",
        (m.instructions as f64 / m.ops as f64) / (b.instructions as f64 / b.ops as f64)
    );
    let mut verdict = "ok".to_owned();
    if ir * b_ops * 100 > b_ir * ops * (100 + tol) {
        v.failures.push(format!(
            "{gate}: instructions per op rose more than {TOLERANCE_PCT}% above the baseline: old {b_ipo}, new {ipo}, ratio {ratio}"
        ));
        verdict = "FAIL (instructions)".into();
    } else if ir * b_ops * 100 < b_ir * ops * (100 - tol) {
        v.notes.push(format!(
            "{gate}: instructions per op fell more than {TOLERANCE_PCT}% below the baseline (old {b_ipo}, new {ipo}): consider re-recording it, so the gate keeps its margin"
        ));
        verdict = "ok (faster)".into();
    }
    let (apo, b_apo) = (
        per_op(m.allocations, m.ops, 5),
        per_op(b.allocations, b.ops, 5),
    );
    if allocs * b_ops > b_allocs * ops {
        v.failures.push(format!(
            "{gate}: allocations per op rose above the baseline: old {b_apo} ({} in {} ops), new {apo} ({} in {} ops)",
            b.allocations, b.ops, m.allocations, m.ops
        ));
        verdict = if verdict.starts_with("FAIL") {
            "FAIL (instructions, allocations)".into()
        } else {
            "FAIL (allocations)".into()
        };
    } else if allocs * b_ops < b_allocs * ops {
        v.notes.push(format!(
            "{gate}: fewer allocations per op than the baseline: consider re-recording it, so the gate catches their return"
        ));
    }
    v.row = row([gate, &b_ipo, &ipo, &ratio, &b_apo, &apo, &verdict]);
    v
}

/// What one operation of `gate` is, for the baseline's header.
fn op_of(gate: &str) -> &'static str {
    crate::gates::GATES
        .iter()
        .chain([&crate::gates::CANARY])
        .find(|g| g.name == gate)
        .map_or("?", |g| g.op)
}

fn baseline_text(gate: &str, m: Measured, env: &Env) -> String {
    let round = |count: u64, places: i32| {
        let scale = 10_f64.powi(places);
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        let v = count as f64 / m.ops as f64;
        (v * scale).round() / scale
    };
    let b = Baseline {
        gate: gate.to_owned(),
        ops: m.ops,
        instructions: m.instructions,
        instructions_per_op: round(m.instructions, 2),
        allocations: m.allocations,
        allocations_per_op: round(m.allocations, 5),
        rustc: env.rustc.clone(),
        valgrind: env.valgrind.clone(),
        machine: env.machine.clone(),
        recorded: env.date.clone(),
    };
    let mut out = format!(
        "# ryker performance gate baseline: {gate}\n\
         # One operation: {}.\n\
         #\n\
         # Checked by .ci/perf_gate.sh (testing/performance/README.md): it fails when instructions per op\n\
         # rise more than {TOLERANCE_PCT}% above this baseline, or allocations per op rise above it at all.\n\
         # Update deliberately: `RYKER_PERF_UPDATE=1 bash .ci/perf_gate.sh {gate}`, then commit this file\n\
         # with the reason in the commit message (what made the cost move, and why it is accepted).\n\
         # Instruction counts depend on the compiler: `rustc` is the toolchain that measured them.\n",
        op_of(gate)
    );
    out.push_str(&toml::to_string(&b).expect("a baseline serializes"));
    out
}

/// `ryker-perf judge ...`; see the module docs.
pub(crate) fn main(args: &[String]) -> ExitCode {
    let args = match parse_args(args) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("ryker-perf judge: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("ryker-perf judge: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> Result<bool, String> {
    if args.canary {
        return canary(args);
    }
    let mut rows = Vec::new();
    let (mut failures, mut notes) = (Vec::new(), Vec::new());
    let (mut other_rustc, mut other_arch) = (Vec::new(), Vec::new());
    let arch = |machine: &str| machine.split(',').next().unwrap_or("").to_owned();
    for gate in &args.gates {
        let m = read_measured(&args.logs, gate)?;
        let file = args.baselines.join(format!("{gate}.toml"));
        match read_baseline(&file)? {
            Some(b) => {
                if b.rustc != args.env.rustc {
                    other_rustc.push(format!("{gate} ({})", b.rustc));
                }
                if arch(&b.machine) != arch(&args.env.machine) {
                    other_arch.push(format!("{gate} ({})", arch(&b.machine)));
                }
                let v = judge(gate, m, &b);
                rows.push(v.row);
                failures.extend(v.failures);
                notes.extend(v.notes);
            }
            None => {
                let verdict = if args.update {
                    "new baseline"
                } else {
                    "FAIL (no baseline)"
                };
                rows.push(row([
                    gate,
                    "-",
                    &per_op(m.instructions, m.ops, 1),
                    "-",
                    "-",
                    &per_op(m.allocations, m.ops, 5),
                    verdict,
                ]));
                failures.push(format!(
                    "{gate}: no baseline {}; record it with RYKER_PERF_UPDATE=1 bash .ci/perf_gate.sh {gate} and commit it",
                    file.display()
                ));
            }
        }
        if args.update {
            fs::write(&file, baseline_text(gate, m, &args.env))
                .map_err(|e| format!("{}: {e}", file.display()))?;
            println!("==> {gate}: wrote {}", file.display());
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{}",
        row([
            "gate",
            "Ir/op base",
            "Ir/op now",
            "ratio",
            "allocs base",
            "allocs now",
            "verdict"
        ])
    );
    for r in &rows {
        let _ = writeln!(out, "{r}");
    }
    for n in &notes {
        let _ = writeln!(out, "-- note: {n}");
    }
    if !other_rustc.is_empty() {
        let _ = writeln!(
            out,
            "\nWARNING: compiler differs from the one that recorded the baselines (running: {}):",
            args.env.rustc
        );
        for g in &other_rustc {
            let _ = writeln!(out, "   {g}");
        }
        let _ = writeln!(
            out,
            "   The gate still applies its {TOLERANCE_PCT}% limit. If only the toolchain changed and a gate fails,\n   re-record the baselines in a commit that names the toolchain change."
        );
    }
    if !other_arch.is_empty() {
        let _ = writeln!(
            out,
            "\nWARNING: baselines recorded on another OS/architecture (running: {}):",
            arch(&args.env.machine)
        );
        for g in &other_arch {
            let _ = writeln!(out, "   {g}");
        }
        let _ = writeln!(
            out,
            "   Instruction counts are not comparable across architectures: record baselines for this one."
        );
    }
    print!("{out}");
    if args.update {
        println!("==> baselines rewritten; commit them on their own, with the reason in the commit message");
        return Ok(true);
    }
    for f in &failures {
        eprintln!("REGRESSION: {f}");
    }
    Ok(failures.is_empty())
}

/// The canary must fail the `enqueue_dequeue` baseline on both rules.
fn canary(args: &Args) -> Result<bool, String> {
    let file = args.baselines.join("enqueue_dequeue.toml");
    let b = read_baseline(&file)?.ok_or_else(|| format!("{}: missing", file.display()))?;
    let v = judge("canary", read_measured(&args.logs, "canary")?, &b);
    match v.failures.len() {
        2 => {
            println!("==> canary caught:");
            for f in &v.failures {
                println!("   | {f}");
            }
            Ok(true)
        }
        0 => {
            eprintln!("{}", v.row);
            eprintln!(
                "perf canary NOT caught: one Box::new per message passed the enqueue_dequeue gate"
            );
            Ok(false)
        }
        _ => {
            eprintln!(
                "perf canary caught only in part (both instructions and allocations must fail): {}",
                v.failures.join("; ")
            );
            Ok(false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baseline(instructions: u64, allocations: u64) -> Baseline {
        Baseline {
            gate: "g".into(),
            ops: 1000,
            instructions,
            instructions_per_op: 0.0,
            allocations,
            allocations_per_op: 0.0,
            rustc: "rustc 1".into(),
            valgrind: "valgrind".into(),
            machine: "Linux x86_64, cpu".into(),
            recorded: "2026-01-01".into(),
        }
    }

    fn measured(instructions: u64, allocations: u64) -> Measured {
        Measured {
            ops: 2000,
            instructions,
            allocations,
        }
    }

    #[test]
    fn ten_percent_more_instructions_pass_and_a_hair_more_fails() {
        let b = baseline(100_000, 0);
        assert!(judge("g", measured(220_000, 0), &b).failures.is_empty());
        let v = judge("g", measured(220_001, 0), &b);
        assert_eq!(v.failures.len(), 1, "{:?}", v.failures);
        assert!(v.row.contains("FAIL (instructions)"), "{}", v.row);
    }

    #[test]
    fn one_more_allocation_fails_and_fewer_instructions_only_note() {
        let b = baseline(100_000, 1000);
        let v = judge("g", measured(100_000, 2001), &b);
        assert!(
            v.failures[0].contains("allocations per op rose"),
            "{:?}",
            v.failures
        );
        let v = judge("g", measured(100_000, 1999), &b);
        assert!(v.failures.is_empty());
        assert_eq!(v.notes.len(), 2, "{:?}", v.notes);
    }

    #[test]
    fn a_written_baseline_reads_back_and_the_committed_ones_parse() {
        let env = Env {
            rustc: "rustc 1.95.0".into(),
            valgrind: "valgrind-3.19.0".into(),
            machine: "Linux x86_64, cpu".into(),
            date: "2026-12-04".into(),
        };
        let m = Measured {
            ops: 100_000,
            instructions: 172_296_411,
            allocations: 100_000,
        };
        let dir = std::env::temp_dir().join(format!("ryker-perf-judge-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("ask.toml");
        fs::write(&file, baseline_text("ask", m, &env)).unwrap();
        let b = read_baseline(&file).unwrap().unwrap();
        assert_eq!(
            (b.ops, b.instructions, b.allocations),
            (100_000, 172_296_411, 100_000)
        );
        assert!((b.instructions_per_op - 1722.96).abs() < 1e-9);
        assert!(judge("ask", m, &b).failures.is_empty());
        fs::remove_dir_all(&dir).unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("baselines");
        for gate in crate::gates::GATES {
            let b = read_baseline(&dir.join(format!("{}.toml", gate.name)))
                .unwrap()
                .unwrap_or_else(|| panic!("{}: no baseline", gate.name));
            assert_eq!(b.gate, gate.name);
        }
    }

    #[test]
    fn the_gate_line_and_the_callgrind_totals_are_read() {
        let dir = std::env::temp_dir().join(format!("ryker-perf-read-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join("x.stdout"),
            "noise\ngate=x ops=100 allocations=3 check=9\n",
        )
        .unwrap();
        fs::write(dir.join("callgrind.x.out"), "events: Ir\ntotals: 4242\n").unwrap();
        assert_eq!(
            read_measured(&dir, "x").unwrap(),
            Measured {
                ops: 100,
                instructions: 4242,
                allocations: 3
            }
        );
        fs::write(dir.join("callgrind.x.out"), "events: Ir\n").unwrap();
        assert!(read_measured(&dir, "x").is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
