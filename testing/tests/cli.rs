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
