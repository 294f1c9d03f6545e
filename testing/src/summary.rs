//! Percentile summaries of an `hdrhistogram`, medians, and human-readable durations and rates.

use hdrhistogram::Histogram;
use serde::Serialize;

/// Highest value a histogram tracks: one minute in nanoseconds (larger values saturate).
const MAX_NANOS: u64 = 60_000_000_000;

/// A nanosecond histogram with 3 significant digits.
pub(crate) fn nanos_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_NANOS, 3).expect("static histogram bounds are valid")
}

/// p50/p90/p99/p99.9/max of a nanosecond histogram.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Percentiles {
    pub(crate) samples: u64,
    pub(crate) p50: u64,
    pub(crate) p90: u64,
    pub(crate) p99: u64,
    pub(crate) p99_9: u64,
    pub(crate) max: u64,
}

impl Percentiles {
    pub(crate) fn of(h: &Histogram<u64>) -> Self {
        Self {
            samples: h.len(),
            p50: h.value_at_quantile(0.50),
            p90: h.value_at_quantile(0.90),
            p99: h.value_at_quantile(0.99),
            p99_9: h.value_at_quantile(0.999),
            max: h.max(),
        }
    }

    /// `p50 1.2µs  p90 ...` on one line.
    pub(crate) fn line(&self) -> String {
        if self.samples == 0 {
            return "no samples".to_owned();
        }
        format!(
            "p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  ({} samples)",
            nanos(self.p50),
            nanos(self.p90),
            nanos(self.p99),
            nanos(self.p99_9),
            nanos(self.max),
            self.samples
        )
    }
}

/// The median of sorted values (the mean of the middle two for an even count; 0 for none).
pub(crate) fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Human-readable duration from nanoseconds.
pub(crate) fn nanos(ns: u64) -> String {
    #[allow(clippy::cast_precision_loss)] // display only
    let f = ns as f64;
    if ns < 1_000 {
        format!("{ns}ns")
    } else if ns < 1_000_000 {
        format!("{:.1}µs", f / 1e3)
    } else if ns < 1_000_000_000 {
        format!("{:.1}ms", f / 1e6)
    } else {
        format!("{:.2}s", f / 1e9)
    }
}

/// Human-readable rate, e.g. `12.34 M msg/s`.
pub(crate) fn rate(per_sec: f64) -> String {
    if per_sec >= 1e6 {
        format!("{:.2} M msg/s", per_sec / 1e6)
    } else if per_sec >= 1e3 {
        format!("{:.2} k msg/s", per_sec / 1e3)
    } else {
        format!("{per_sec:.0} msg/s")
    }
}
