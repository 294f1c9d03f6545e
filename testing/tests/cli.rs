//! Runs the `ryker` binary end to end: a small `enqueue`, every overflow policy, JSON output,
//! and argument errors.

use std::process::{Command, Output};

fn ryker(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ryker"))
        .args(args)
        .output()
        .expect("run the ryker binary")
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
    for overflow in ["busy", "drop-newest", "drop-oldest"] {
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

/// A short soak: small enough for CI, large enough that messages queue and batch.
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
        "--config",
        "/nonexistent/CONFIG.toml", // a missing file means the defaults
    ];
    args.extend_from_slice(extra);
    ryker(&args)
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

#[test]
fn chaos_reports_a_timeline_and_burst_recovery() {
    let out = ryker(&[
        "chaos",
        "--actors",
        "20",
        "--duration",
        "4",
        "--burst-every",
        "2",
        "--handler-us",
        "20",
        "--config",
        "/nonexistent/CONFIG.toml",
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
