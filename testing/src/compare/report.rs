//! What `ryker compare` prints: the table (one group per context, shape and capacity), the
//! CSV (one row per measurement) and the JSON document.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use super::check::{Measured, BATCH};
use super::exec::Shape;
use super::{ContextArg, QueueArg};
use crate::summary::median;
use bench_support::Msg;

/// At most this many distinct failures are kept per row.
const FAILURES_KEPT: usize = 5;

/// One measurement: a queue in a context, shape and capacity, over `--repeat` runs.
#[derive(Debug, Serialize)]
pub(super) struct Row {
    pub(super) context: ContextArg,
    /// `spsc` (1 producer), `mpsc`, or `pairs` (P independent queues, the `pairs` context).
    pub(super) shape: &'static str,
    pub(super) producers: u32,
    pub(super) capacity: usize,
    pub(super) queue: QueueArg,
    /// The calls that move the messages.
    pub(super) api: &'static str,
    /// Messages per run (round trips in the ask context).
    pub(super) messages: u64,
    /// What the rates count: `msg/s`, or `round trips/s` in the ask context.
    pub(super) unit: &'static str,
    /// Every run's msg/s (round trips/s in ask), in the order they ran.
    pub(super) runs_msgs_per_sec: Vec<f64>,
    /// The median of the runs.
    pub(super) msgs_per_sec: f64,
    pub(super) min_msgs_per_sec: f64,
    pub(super) max_msgs_per_sec: f64,
    /// ryker's median msg/s in the same group divided by this row's (above 1: ryker is
    /// faster; 1 on ryker's own row); absent when ryker was not run.
    pub(super) ratio_vs_ryker: Option<f64>,
    /// Empty when every run delivered every message exactly once, in per-producer order.
    pub(super) failures: Vec<String>,
    pub(super) ok: bool,
}

impl Row {
    pub(super) fn new(
        context: ContextArg,
        queue: QueueArg,
        shape: &Shape,
        api: &'static str,
    ) -> Self {
        Self {
            context,
            shape: match (context, shape.producers) {
                (_, 1) => "spsc",
                (ContextArg::Pairs, _) => "pairs",
                _ => "mpsc",
            },
            producers: shape.producers,
            capacity: shape.capacity,
            queue,
            api,
            messages: shape.messages,
            unit: context.unit(),
            runs_msgs_per_sec: Vec::new(),
            msgs_per_sec: 0.0,
            min_msgs_per_sec: 0.0,
            max_msgs_per_sec: 0.0,
            ratio_vs_ryker: None,
            failures: Vec::new(),
            ok: true,
        }
    }

    /// `sync mpsc/4 cap 512 kanal`.
    pub(super) fn label(&self) -> String {
        format!(
            "{} {}/{} cap {} {}",
            self.context.name(),
            self.shape,
            self.producers,
            self.capacity,
            self.queue.name()
        )
    }

    pub(super) fn add(&mut self, m: Measured) {
        self.runs_msgs_per_sec.push(m.msgs_per_sec);
        for f in m.failures {
            self.ok = false;
            if self.failures.len() < FAILURES_KEPT && !self.failures.contains(&f) {
                self.failures.push(f);
            }
        }
    }
}

/// Fills in the medians, ranges and ratios of one group's rows.
pub(super) fn summarize(group: &mut [Row]) {
    for row in group.iter_mut() {
        let mut runs = row.runs_msgs_per_sec.clone();
        runs.sort_by(f64::total_cmp);
        row.msgs_per_sec = median(&runs);
        row.min_msgs_per_sec = runs.first().copied().unwrap_or(0.0);
        row.max_msgs_per_sec = runs.last().copied().unwrap_or(0.0);
    }
    let ryker = group
        .iter()
        .find(|r| r.queue == QueueArg::Ryker)
        .map(|r| r.msgs_per_sec);
    for row in group.iter_mut() {
        row.ratio_vs_ryker = ryker
            .filter(|_| row.msgs_per_sec > 0.0)
            .map(|ryker| ryker / row.msgs_per_sec);
    }
}

/// `12.34 M`, `850.2 k`.
fn short_rate(per_sec: f64) -> String {
    if per_sec >= 1e6 {
        format!("{:.2} M", per_sec / 1e6)
    } else if per_sec >= 1e3 {
        format!("{:.1} k", per_sec / 1e3)
    } else {
        format!("{per_sec:.0}")
    }
}

/// The header common to every output.
#[derive(Debug)]
pub(super) struct Report {
    repeat: u32,
    messages: u64,
    async_messages: u64,
    cpus: usize,
}

/// The JSON document.
#[derive(Debug, Serialize)]
struct JsonReport<'a> {
    payload_bytes: usize,
    batch: usize,
    repeat: u32,
    messages: u64,
    async_messages: u64,
    cpus: usize,
    elapsed_s: f64,
    rows: &'a [Row],
    interrupted: bool,
    ok: bool,
}

impl Report {
    pub(super) fn new(repeat: u32, messages: u64, async_messages: u64) -> Self {
        Self {
            repeat,
            messages,
            async_messages,
            cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
        }
    }

    pub(super) fn preamble(&self) -> String {
        format!(
            "ryker compare: {} B messages moved by value through bounded queues; {} CPUs\n\
             msg/s (round trips/s in ask) is the median of {} run(s) (range in brackets); ryker/peer = \
             ryker's rate / the row's (above 1: ryker is faster)\n\
             every run checks each producer's messages arrived once and in order (and in ask, each reply); \
             consumers take up to {BATCH} per wake-up\n\
             messages per run: {} in sync, {} in the async and actor contexts (round trips in ask)\n",
            size_of::<Msg>(),
            self.cpus,
            self.repeat,
            self.messages,
            self.async_messages,
        )
    }

    pub(super) fn footer(
        &self,
        rows: &[Row],
        planned: u64,
        interrupted: bool,
        elapsed: Duration,
    ) -> String {
        let runs: usize = rows.iter().map(|r| r.runs_msgs_per_sec.len()).sum();
        let failed = rows.iter().filter(|r| !r.ok).count();
        let mut out = format!(
            "\n{runs} of {planned} runs in {:.1} s{}; check: ",
            elapsed.as_secs_f64(),
            if interrupted {
                " (interrupted by Ctrl-C)"
            } else {
                ""
            }
        );
        if failed == 0 {
            out.push_str("ok on every row\n");
        } else {
            let _ = writeln!(out, "FAILED on {failed} row(s), see stderr");
        }
        out
    }

    pub(super) fn json(
        &self,
        rows: &[Row],
        interrupted: bool,
        ok: bool,
        elapsed: Duration,
    ) -> String {
        let doc = JsonReport {
            payload_bytes: size_of::<Msg>(),
            batch: BATCH,
            repeat: self.repeat,
            messages: self.messages,
            async_messages: self.async_messages,
            cpus: self.cpus,
            elapsed_s: elapsed.as_secs_f64(),
            rows,
            interrupted,
            ok,
        };
        serde_json::to_string_pretty(&doc).expect("the report serializes")
    }
}

/// A context's title and how each of its queues is driven.
pub(super) fn context_heading(context: ContextArg, queues: &[QueueArg]) -> String {
    let mut out = format!("\n== {}: {}\n", context.name(), context.title());
    for &q in queues {
        let _ = writeln!(out, "   {:<18} {}", q.name(), context.api(q).unwrap_or("?"));
    }
    out
}

/// One group: a line naming the shape and capacity, then a row per queue.
pub(super) fn group_table(group: &[Row]) -> String {
    let Some(first) = group.first() else {
        return String::new();
    };
    let mut out = format!(
        "\n  {} ({} producer{}), capacity {}, {} {}\n",
        first.shape,
        first.producers,
        if first.producers == 1 { "" } else { "s" },
        first.capacity,
        first.messages,
        if first.context.unit() == ContextArg::Ask.unit() {
            "round trips"
        } else {
            "messages"
        }
    );
    let width = first.unit.len().max(10);
    let _ = writeln!(
        out,
        "    {:<18} {:>width$}  {:<22} {:>10}  check",
        "queue", first.unit, "(min .. max)", "ryker/peer"
    );
    for r in group {
        let range = format!(
            "({} .. {})",
            short_rate(r.min_msgs_per_sec),
            short_rate(r.max_msgs_per_sec)
        );
        let ratio = r
            .ratio_vs_ryker
            .map_or_else(|| "-".to_owned(), |x| format!("{x:.2}x"));
        let _ = writeln!(
            out,
            "    {:<18} {:>width$}  {:<22} {:>10}  {}",
            r.queue.name(),
            short_rate(r.msgs_per_sec),
            range,
            ratio,
            if r.ok { "ok" } else { "FAILED" }
        );
    }
    out
}

/// Quotes a CSV field when it needs it.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The header and one line per row. The `*msgs_per_sec` columns hold round trips per second on
/// the ask context's lines; the `unit` column says which.
pub(super) fn csv(rows: &[Row]) -> String {
    let mut out = String::from(
        "context,shape,producers,capacity,queue,api,messages,runs,msgs_per_sec,\
         min_msgs_per_sec,max_msgs_per_sec,ratio_vs_ryker,ok,unit\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{:.0},{:.0},{:.0},{},{},{}",
            r.context.name(),
            r.shape,
            r.producers,
            r.capacity,
            r.queue.name(),
            field(r.api),
            r.messages,
            r.runs_msgs_per_sec.len(),
            r.msgs_per_sec,
            r.min_msgs_per_sec,
            r.max_msgs_per_sec,
            r.ratio_vs_ryker
                .map_or_else(String::new, |x| format!("{x:.4}")),
            r.ok,
            r.unit
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(queue: QueueArg, runs: &[f64]) -> Row {
        let shape = Shape {
            producers: 4,
            capacity: 512,
            messages: 100,
            stall: None,
        };
        let mut r = Row::new(ContextArg::Sync, queue, &shape, "a, b");
        for &x in runs {
            r.add(Measured {
                msgs_per_sec: x,
                failures: Vec::new(),
            });
        }
        r
    }

    #[test]
    fn medians_ranges_and_ratios() {
        let mut g = [
            row(QueueArg::Ryker, &[3.0e6, 1.0e6, 2.0e6]),
            row(QueueArg::Kanal, &[1.0e6, 0.5e6]),
        ];
        summarize(&mut g);
        assert_eq!(g[0].msgs_per_sec, 2.0e6);
        assert_eq!(
            (g[0].min_msgs_per_sec, g[0].max_msgs_per_sec),
            (1.0e6, 3.0e6)
        );
        assert_eq!(g[1].msgs_per_sec, 0.75e6);
        assert_eq!(g[0].ratio_vs_ryker, Some(1.0));
        let r = g[1].ratio_vs_ryker.unwrap();
        assert!((r - 2.0 / 0.75).abs() < 1e-9, "{r}");
    }

    #[test]
    fn no_ryker_row_means_no_ratio() {
        let mut g = [row(QueueArg::Flume, &[1.0e6])];
        summarize(&mut g);
        assert_eq!(g[0].ratio_vs_ryker, None);
        assert!(group_table(&g).contains(" - "));
    }

    #[test]
    fn csv_has_a_header_and_a_line_per_row_and_quotes_commas() {
        let mut g = [
            row(QueueArg::Ryker, &[1.0e6]),
            row(QueueArg::Flume, &[2.0e6]),
        ];
        summarize(&mut g);
        let text = csv(&g);
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(
            lines[2],
            "sync,mpsc,4,512,flume,\"a, b\",100,1,2000000,2000000,2000000,0.5000,true,msg/s"
        );
    }
}
