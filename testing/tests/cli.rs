//! Runs the `ryker` binary end to end: a small `enqueue`, every overflow policy, JSON output,
//! and argument errors.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Output, Stdio};

fn ryker(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ryker"))
        .args(args)
        .output()
        .expect("run the ryker binary")
}

/// A fresh empty directory for one test (no `CONFIG.toml` in it).
fn scratch(name: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ryker-cli-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `ryker args` in `dir`; when a line of its stderr contains `when`, sends it SIGINT
/// (as Ctrl-C does). Returns the exit status, stdout, all of stderr, and whether the line came.
fn interrupt(dir: &PathBuf, args: &[&str], when: &str) -> (ExitStatus, String, String, bool) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ryker"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the ryker binary");
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (lines_tx, lines) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in stderr.lines() {
            let line = line.unwrap();
            all.push_str(&line);
            all.push('\n');
            let _ = lines_tx.send(line);
        }
        all
    });
    // The channel closes when the child closes its stderr (it exited): no wait without end.
    let seen = lines.iter().any(|line| line.contains(when));
    if seen {
        let pid = libc::pid_t::try_from(child.id()).unwrap();
        // SAFETY: kill(2) on our own child's pid, which we have not yet waited for (so the
        // pid cannot have been reused).
        assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    }
    let out = child.wait_with_output().unwrap();
    let stderr = reader.join().unwrap();
    (out.status, text(&out.stdout), stderr, seen)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn enqueue_small_run_succeeds_and_reports_throughput() {
    let out = ryker(&["enqueue", "--messages", "20000"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    assert!(stdout.contains("throughput"), "no throughput in:\n{stdout}");
    assert!(
        stdout.contains("check                     ok"),
        "no passing check in:\n{stdout}"
    );
    assert!(
        stdout.contains("crossbeam_channel::bounded(512)"),
        "no reference line in:\n{stdout}"
    );
}

#[test]
fn enqueue_checks_every_overflow_policy_with_several_producers() {
    for overflow in ["busy", "drop_newest", "drop_oldest"] {
        let out = ryker(&[
            "enqueue",
            "--messages",
            "20000",
            "--producers",
            "3",
            "--capacity",
            "16",
            "--overflow",
            overflow,
            "--batch",
            "1",
        ]);
        assert!(
            out.status.success(),
            "--overflow {overflow}: exit {:?}\nstdout:\n{}\nstderr:\n{}",
            out.status,
            text(&out.stdout),
            text(&out.stderr)
        );
    }
}

#[test]
fn enqueue_json_is_one_parsable_object() {
    let out = ryker(&["enqueue", "--messages", "20000", "--json", "--no-peer"]);
    assert!(out.status.success(), "stderr:\n{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["ryker"]["delivered"], 20_000);
    assert!(doc["ryker"]["throughput_msgs_per_s"]
        .as_f64()
        .is_some_and(|t| t > 0.0));
    assert!(doc["peer"].is_null());
}

#[test]
fn enqueue_rejects_capacity_zero_naming_the_field_and_range() {
    let out = ryker(&["enqueue", "--messages", "10", "--capacity", "0"]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "--capacity 0 was accepted");
    assert!(
        stderr.contains("capacity"),
        "stderr does not name capacity:\n{stderr}"
    );
    assert!(
        stderr.contains("1..="),
        "stderr does not give the allowed range:\n{stderr}"
    );
}

#[test]
fn enqueue_rejects_unknown_overflow_and_zero_producers() {
    for args in [
        &["enqueue", "--overflow", "sideways"][..],
        &["enqueue", "--producers", "0"][..],
    ] {
        let out = ryker(args);
        assert!(!out.status.success(), "{args:?} was accepted");
        assert!(
            text(&out.stderr).contains("error"),
            "{args:?}: no error message"
        );
    }
}

/// `--overflow` takes CONFIG.toml's spelling and only that one (ryker-core's `Overflow:
/// FromStr`): the kebab-case spelling the command line used to take is refused, and the error
/// lists what is allowed.
#[test]
fn enqueue_overflow_has_the_config_spelling_only() {
    let out = ryker(&["enqueue", "--overflow", "drop-oldest"]);
    assert!(
        !out.status.success(),
        "the kebab-case spelling was accepted"
    );
    let err = text(&out.stderr);
    assert!(
        err.contains("unknown overflow policy (allowed: busy, drop_newest, drop_oldest)"),
        "{err}"
    );
}

/// A short soak: small enough for CI, large enough that messages queue and batch. It runs in
/// an empty directory without `--config`: the implicit `CONFIG.toml` is missing, which means
/// the defaults.
fn soak(extra: &[&str]) -> Output {
    let mut args = vec![
        "soak",
        "--actors",
        "200",
        "--rate",
        "600000",
        "--duration",
        "2",
        "--senders",
        "4",
    ];
    args.extend_from_slice(extra);
    ryker_in_scratch(&args)
}

/// `ryker args`, run in a fresh empty directory.
fn ryker_in_scratch(args: &[&str]) -> Output {
    let dir = scratch(args[0]);
    let out = Command::new(env!("CARGO_BIN_EXE_ryker"))
        .args(args)
        .current_dir(&dir)
        .output()
        .expect("run the ryker binary");
    let _ = std::fs::remove_dir_all(&dir);
    out
}

#[test]
fn soak_accounts_for_every_message_on_each_runtime() {
    for runtime in ["tokio", "smol", "async-std"] {
        let out = soak(&["--runtime", runtime, "--json"]);
        let stderr = text(&out.stderr);
        assert!(
            out.status.success(),
            "--runtime {runtime}: exit {:?}\n{stderr}",
            out.status
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
        assert_eq!(doc["accounted"], true, "{runtime}: {doc}");
        let sent = doc["sent"].as_u64().unwrap();
        assert!(sent > 10_000, "{runtime}: only {sent} sent in 2 s at 10k/s");
        assert_eq!(doc["handled"], doc["accepted"], "{runtime}: {doc}");
        assert_eq!(doc["lost"], 0);
        assert!(doc["latency_ns"]["p99"].as_u64().unwrap() > 0);
    }
}

#[test]
fn soak_human_report_has_the_table() {
    let out = soak(&["--workers", "1"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "stderr:\n{}", text(&out.stderr));
    for row in [
        "throughput",
        "enqueue→handle latency",
        "busy",
        "timeouts",
        "allocations per message",
        "peak RSS",
        "CPU",
        "check                     ok",
    ] {
        assert!(stdout.contains(row), "no {row:?} in:\n{stdout}");
    }
}

#[test]
fn soak_with_drop_oldest_and_slow_handlers_counts_evictions() {
    let dir = std::env::temp_dir().join(format!("ryker-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("CONFIG.toml");
    std::fs::write(
        &config,
        "[mailbox]\ncapacity = 4\noverflow = \"drop_oldest\"\n",
    )
    .unwrap();
    let out = ryker(&[
        "soak",
        "--actors",
        "2",
        "--rate",
        "600000",
        "--duration",
        "2",
        "--handler-us",
        "200",
        "--config",
        config.to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success(), "stderr:\n{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(doc["accounted"], true, "{doc}");
    assert!(
        doc["dropped_oldest"].as_u64().unwrap() > 0,
        "nothing evicted: {doc}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn soak_rejects_bad_arguments_and_bad_config() {
    for args in [
        &["soak", "--actors", "0"][..],
        &["soak", "--runtime", "glommio"][..],
        &["soak", "--rate", "0"][..],
    ] {
        let out = ryker(args);
        assert!(!out.status.success(), "{args:?} was accepted");
        assert!(
            text(&out.stderr).contains("error"),
            "{args:?}: no error message"
        );
    }
    let dir = std::env::temp_dir().join(format!("ryker-soak-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("CONFIG.toml");
    std::fs::write(&config, "[mailbox]\nbatch_size = 65\n").unwrap();
    let out = ryker(&["soak", "--config", config.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("batch_size = 65") && stderr.contains("1..=64"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Writes `toml` as the `CONFIG.toml` of a fresh directory; returns the directory and file.
fn config_file(name: &str, toml: &str) -> (PathBuf, String) {
    let dir = scratch(name);
    let file = dir.join("CONFIG.toml");
    std::fs::write(&file, toml).unwrap();
    let file = file.to_str().unwrap().to_owned();
    (dir, file)
}

/// Asserts a usage error: exit 2, nothing measured, and every one of `needles` in stderr.
fn assert_usage_error(out: &Output, what: &str, needles: &[&str]) {
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{what}: exit {:?} (a usage error is exit 2)\nstderr:\n{stderr}",
        out.status
    );
    assert!(out.stdout.is_empty(), "{what}: measured anyway");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{what}: no {needle:?} in:\n{stderr}"
        );
    }
}

#[test]
fn soak_rejects_a_capacity_its_mailboxes_cannot_be_allocated_with() {
    for capacity in ["1000000000", "288230376151711744"] {
        let (dir, config) = config_file("cap", &format!("[mailbox]\ncapacity = {capacity}\n"));
        let out = ryker(&["soak", "--duration", "1", "--config", &config]);
        assert_usage_error(
            &out,
            &format!("capacity = {capacity}"),
            &[
                &format!("capacity = {capacity}"),
                "--actors 10000",
                "allowed",
            ],
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn soak_rejects_a_million_actors_whose_mailboxes_do_not_fit() {
    let out = ryker_in_scratch(&["soak", "--duration", "1", "--actors", "1000000"]);
    assert_usage_error(
        &out,
        "--actors 1000000",
        &["--actors 1000000", "capacity = 512", "allowed"],
    );
}

#[test]
fn soak_rejects_a_rate_and_duration_whose_books_do_not_fit() {
    let out = ryker_in_scratch(&[
        "soak",
        "--actors",
        "1",
        "--rate",
        "6000000000",
        "--duration",
        "86400",
    ]);
    assert_usage_error(
        &out,
        "the maximum --rate for the maximum --duration",
        &["--rate 6000000000", "--duration 86400", "allowed"],
    );
}

#[test]
fn soak_with_an_explicit_config_that_does_not_exist_is_an_error() {
    let dir = scratch("noconfig");
    let missing = dir.join("CONFIG.toml");
    let missing = missing.to_str().unwrap();
    for command in ["soak", "chaos"] {
        let out = ryker(&[
            command,
            "--actors",
            "2",
            "--duration",
            "2",
            "--config",
            missing,
        ]);
        assert_usage_error(&out, &format!("{command} --config {missing}"), &[missing]);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn soak_ctrl_c_prints_the_partial_report_and_exits_130() {
    let dir = scratch("ctrlc");
    let (status, stdout, stderr, seen) = interrupt(
        &dir,
        &[
            "soak",
            "--actors",
            "20",
            "--rate",
            "60000",
            "--duration",
            "20",
            "--json",
        ],
        "ryker soak: running",
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(seen, "no `ryker soak: running` line on stderr:\n{stderr}");
    assert_eq!(
        status.code(),
        Some(130),
        "exit {status:?}\nstderr:\n{stderr}"
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("a JSON report");
    assert_eq!(doc["interrupted"], true, "{doc}");
    assert_eq!(doc["accounted"], true, "{doc}");
}

#[test]
fn soak_ctrl_c_stops_the_drain_after_the_deadline() {
    // One actor, 100 ms a message, 64 slots: when the one-second run ends, the queue holds
    // seconds of work.
    let (dir, _) = config_file("drain", "[mailbox]\ncapacity = 64\n");
    let args = [
        "soak",
        "--actors",
        "1",
        "--senders",
        "1",
        "--rate",
        "60000",
        "--duration",
        "1",
        "--handler-us",
        "100000",
        "--json",
    ];
    let (status, stdout, stderr, seen) = interrupt(&dir, &args, "deadline reached");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        seen,
        "no `deadline reached` progress line on stderr:\n{stderr}"
    );
    assert!(stderr.contains("queued"), "{stderr}");
    assert_eq!(
        status.code(),
        Some(130),
        "exit {status:?}\nstderr:\n{stderr}"
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("a JSON report");
    assert_eq!(doc["interrupted"], true, "{doc}");
    // What the interrupt left in the mailbox is counted, not lost.
    assert_eq!(doc["accounted"], true, "{doc}");
    assert_eq!(doc["lost"], 0, "{doc}");
    let (accepted, handled, discarded) = (
        doc["accepted"].as_u64().unwrap(),
        doc["handled"].as_u64().unwrap(),
        doc["discarded"].as_u64().unwrap(),
    );
    assert_eq!(accepted, handled + discarded, "{doc}");
    // The interrupt cut the drain short: seconds of queued work were discarded, not handled.
    assert!(discarded > 0, "the drain ran to its end: {doc}");
}

#[test]
fn soak_measures_cpu_and_throughput_over_one_span() {
    let out = ryker_in_scratch(&[
        "soak",
        "--actors",
        "20",
        "--rate",
        "60000",
        "--duration",
        "1",
        "--json",
    ]);
    assert!(out.status.success(), "stderr:\n{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let num = |key: &str| {
        doc[key]
            .as_f64()
            .unwrap_or_else(|| panic!("no {key} in {doc}"))
    };
    let (seconds, cpu_seconds, drain_seconds) =
        (num("seconds"), num("cpu_seconds"), num("drain_seconds"));
    // The span runs from the first send to the last actor's report, drain included.
    assert!(
        seconds >= 1.0 && drain_seconds >= 0.0 && drain_seconds < seconds,
        "{doc}"
    );
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
    assert!(
        close(num("cpu_pct"), 100.0 * cpu_seconds / seconds),
        "{doc}"
    );
    assert!(
        close(num("throughput_per_sec"), num("handled") / seconds),
        "{doc}"
    );
}

#[test]
fn chaos_reports_a_timeline_and_burst_recovery() {
    let out = ryker_in_scratch(&[
        "chaos",
        "--actors",
        "20",
        "--duration",
        "4",
        "--burst-every",
        "2",
        "--handler-us",
        "20",
        "--json",
    ]);
    assert!(out.status.success(), "stderr:\n{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(doc["accounted"], true, "{doc}");
    let timeline = doc["timeline"].as_array().expect("a timeline");
    assert!(timeline.len() >= 3, "{doc}");
    assert!(
        timeline.iter().any(|s| s["burst"] == true),
        "no burst second: {doc}"
    );
    assert_eq!(
        doc["recovery_ms"].as_array().map(Vec::len),
        Some(1),
        "{doc}"
    );
}

// ---- ryker compare ----

/// A small `compare`: two queues, the sync and tokio current-thread contexts, one capacity.
fn compare(extra: &[&str]) -> Output {
    let mut args = vec![
        "compare",
        "--quick",
        "--messages",
        "4000",
        "--capacity",
        "64",
        "--contexts",
        "sync,tokio-ct",
    ];
    args.extend_from_slice(extra);
    ryker(&args)
}

#[test]
fn compare_csv_has_one_checked_line_per_queue_and_shape() {
    let out = compare(&["--only", "ryker,kanal", "--csv", "-"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    let mut lines = stdout.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no {name} column in {header:?}"))
    };
    let (context, shape, producers, queue, rate, ratio, ok) = (
        col("context"),
        col("shape"),
        col("producers"),
        col("queue"),
        col("msgs_per_sec"),
        col("ratio_vs_ryker"),
        col("ok"),
    );
    let mut seen = Vec::new();
    for line in lines {
        // The api column may be quoted; the fields the test reads come before or after it.
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), header.len(), "ragged line: {line}");
        assert_eq!(fields[ok], "true", "{line}");
        assert!(fields[rate].parse::<f64>().unwrap() > 0.0, "{line}");
        let ratio: f64 = fields[ratio].parse().unwrap();
        if fields[queue] == "ryker" {
            assert!((ratio - 1.0).abs() < 1e-9, "{line}");
        }
        seen.push(format!(
            "{} {} {} {}",
            fields[context], fields[shape], fields[producers], fields[queue]
        ));
    }
    let mut expected = Vec::new();
    for context in ["sync", "tokio-ct"] {
        for (shape, producers) in [("spsc", 1), ("mpsc", 4)] {
            for queue in ["ryker", "kanal"] {
                expected.push(format!("{context} {shape} {producers} {queue}"));
            }
        }
    }
    assert_eq!(seen, expected, "\n{stdout}");
}

#[test]
fn compare_threads_max_sweeps_producers_and_json_carries_the_rows() {
    let out = compare(&["--only", "ryker", "--threads-max", "3", "--json"]);
    assert!(out.status.success(), "stderr:\n{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(doc["ok"], true, "{doc}");
    let producers: Vec<u64> = doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["context"] == "sync")
        .map(|r| r["producers"].as_u64().unwrap())
        .collect();
    assert_eq!(producers, [1, 2, 3], "{doc}");
}

#[test]
fn compare_human_table_has_the_ratio_column_and_the_actor_row() {
    let out = ryker(&[
        "compare",
        "--quick",
        "--messages",
        "4000",
        "--capacity",
        "64",
        "--producers",
        "2",
        "--contexts",
        "actor",
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "stderr:\n{}", text(&out.stderr));
    for needle in [
        "== actor",
        "ryker/peer",
        "1.00x",
        "tokio-mpsc",
        "check: ok on every row",
    ] {
        assert!(stdout.contains(needle), "no {needle:?} in:\n{stdout}");
    }
}

#[test]
fn compare_rejects_bad_arguments() {
    for args in [
        &["compare", "--only", "ryker,nosuchqueue"][..],
        &["compare", "--contexts", "glommio"][..],
        &["compare", "--capacity", "0"][..],
        &["compare", "--threads-max", "0"][..],
        &["compare", "--threads-max", "4", "--producers", "2"][..],
        &["compare", "--json", "--csv", "-"][..],
    ] {
        let out = ryker(args);
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{args:?} was accepted");
        assert!(
            stderr.contains("error"),
            "{args:?}: no error message:\n{stderr}"
        );
        assert!(out.stdout.is_empty(), "{args:?}: measured anyway");
    }
    let out = ryker(&["compare", "--only", "nosuchqueue"]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("nosuchqueue") && stderr.contains("kanal"),
        "the error neither names the bad value nor lists the good ones:\n{stderr}"
    );
}

#[test]
fn soak_prometheus_without_the_feature_says_how_to_get_it() {
    if cfg!(feature = "prometheus") {
        return; // this build has the exporter: nothing to refuse
    }
    let out = ryker(&["soak", "--duration", "1", "--prometheus", "127.0.0.1:9"]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("--features prometheus"), "{stderr}");
}

#[test]
fn overhead_gates_explain_the_feature_they_need_or_pass() {
    for gate in ["spans", "amnesia"] {
        let out = ryker(&[
            gate,
            "--actors",
            "10",
            "--duration",
            "1",
            "--repeat",
            "1",
            "--json",
        ]);
        let stderr = text(&out.stderr);
        if cfg!(feature = "observe") {
            assert!(out.status.success(), "{gate}: {stderr}");
            let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
            assert_eq!(doc["all_accounted"], true, "{doc}");
        } else {
            assert!(
                !out.status.success(),
                "{gate} ran without the observe feature"
            );
            assert!(stderr.contains("--features observe"), "{gate}: {stderr}");
        }
    }
}

// ---- ryker burst ----

/// The queues `ryker burst` runs without `--only`, in round 1's order.
const BURST_QUEUES: [&str; 6] = [
    "ryker",
    "ryker-recv",
    "crossbeam-channel",
    "crossfire",
    "kanal",
    "flume",
];

#[test]
fn burst_small_run_prints_a_checked_row_of_figures_per_queue() {
    let out = ryker(&["burst", "--iters", "200", "--rounds", "2"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    // A row: queue, p50, p95, p99, >100µs, (min .. max), same CPU, p95 apart, ratio, check.
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.len() == 12 && BURST_QUEUES.contains(&f[0]))
        .collect();
    let names: Vec<&str> = rows.iter().map(|f| f[0]).collect();
    assert_eq!(names, BURST_QUEUES, "one row per queue in:\n{stdout}");
    let micros = |s: &str| s.trim_matches(['(', ')']).parse::<f64>();
    for f in &rows {
        let line = f.join(" ");
        let (p50, p95, p99) = (micros(f[1]), micros(f[2]), micros(f[3]));
        assert!(
            matches!((&p50, &p95, &p99), (Ok(a), Ok(b), Ok(c)) if *a >= 0.0 && a <= b && b <= c),
            "0 <= p50 <= p95 <= p99: {line}"
        );
        assert!(f[4].ends_with('%'), "the share over 100 µs: {line}");
        let (low, high) = (micros(f[5]).unwrap(), micros(f[7]).unwrap());
        assert!(
            f[6] == ".." && low <= high,
            "the p95 range, lowest first: {line}"
        );
        if cfg!(target_os = "linux") {
            assert!(f[8].ends_with('%'), "the same-CPU share: {line}");
            // The threads shared one CPU for every lone message, or the p95 apart is a number.
            assert!(
                f[8] == "100.0%" && f[9] == "n/a" || micros(f[9]).is_ok(),
                "the p95 apart: {line}"
            );
        } else {
            assert_eq!((f[8], f[9]), ("n/a", "n/a"), "{line}");
        }
        assert!(f[10].ends_with('x'), "the p95 ratio: {line}");
        assert_eq!(f[11], "ok", "{line}");
    }
    assert_eq!(rows[0][10], "1.00x", "ryker against itself");
    assert!(
        stdout.contains("12 runs") && stdout.contains("check: ok on every row"),
        "{stdout}"
    );
}

#[test]
fn burst_json_carries_every_round_of_every_queue_in_rotated_order() {
    let out = ryker(&[
        "burst",
        "--iters",
        "100",
        "--rounds",
        "3",
        "--only",
        "ryker,kanal,flume",
        "--json",
    ]);
    assert!(out.status.success(), "stderr:\n{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(doc["ok"], true, "{doc}");
    let runs = doc["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 3 * 3, "rounds x queues: {doc}");
    let order: Vec<String> = runs
        .iter()
        .map(|r| format!("{} {}", r["round"], r["queue"].as_str().unwrap()))
        .collect();
    assert_eq!(
        order,
        [
            "1 ryker", "1 kanal", "1 flume", "2 kanal", "2 flume", "2 ryker", "3 flume", "3 ryker",
            "3 kanal"
        ],
        "round r starts at queue r mod n"
    );
    for r in runs {
        assert_eq!(r["ok"], true, "{r}");
        assert_eq!(r["samples"], 100, "one lone message per iteration: {r}");
        assert_eq!(r["received"], 100 * 65, "every message: {r}");
        assert!(r["p95_ns"].as_u64().is_some_and(|p| p > 0), "{r}");
    }
    let rows = doc["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["p95_ratio_vs_ryker"], 1.0, "{doc}");
}

#[test]
fn burst_rejects_bad_arguments_naming_the_flag_and_range() {
    for (args, needles) in [
        (&["burst", "--burst", "0"][..], &["--burst", "1..="][..]),
        (&["burst", "--iters", "0"], &["--iters", "1..="]),
        (&["burst", "--batch", "0"], &["--batch", "1..="]),
        (&["burst", "--rounds", "0"], &["--rounds", "1..="]),
        (
            &["burst", "--capacity", "0"],
            &["--capacity", "capacity = 0", "1..="],
        ),
        (
            &["burst", "--only", "nosuchqueue"],
            &["nosuchqueue", "kanal"],
        ),
    ] {
        assert_usage_error(&ryker(args), &args.join(" "), needles);
    }
}
