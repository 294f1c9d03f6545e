//! The check every consumer in `ryker compare` runs: per-producer sequence order and counts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bench_support::watchdog::Heartbeats;
use bench_support::Msg;

/// Most messages a consumer takes per wake-up.
pub(super) const BATCH: usize = 64;

/// Producers and the consumer report progress to the stall watchdog once per this many messages.
pub(super) const BEAT_EVERY: u64 = 1024;

/// The consumer's side of the correctness check: per-producer sequence order and counts.
/// Every consumer (thread, task or actor) runs exactly this per message, so it costs every
/// row the same.
#[derive(Debug)]
pub(super) struct Check {
    /// The sequence number expected next from each producer.
    next: Vec<u64>,
    quotas: Vec<u64>,
    expected: u64,
    received: u64,
    violations: u64,
    first_violation: Option<String>,
    /// When the last expected message arrived.
    done_at: Option<Instant>,
    beats: Arc<Heartbeats>,
}

/// What one run measured.
#[derive(Debug, Clone)]
pub(super) struct Measured {
    /// Delivered messages per second, from the start to the last message's arrival.
    pub(super) msgs_per_sec: f64,
    /// Empty when every message arrived exactly once and in per-producer order.
    pub(super) failures: Vec<String>,
}

impl Check {
    pub(super) fn new(quotas: Vec<u64>, beats: Arc<Heartbeats>) -> Self {
        Self {
            next: vec![0; quotas.len()],
            expected: quotas.iter().sum(),
            quotas,
            received: 0,
            violations: 0,
            first_violation: None,
            done_at: None,
            beats,
        }
    }

    #[inline]
    pub(super) fn on(&mut self, msg: &Msg) {
        match self.next.get_mut(msg.producer as usize) {
            Some(next) if *next == msg.seq => *next += 1,
            _ => self.violation(msg),
        }
        self.received += 1;
        if self.received.is_multiple_of(BEAT_EVERY) {
            self.beats.consumer(self.received);
        }
        if self.received == self.expected {
            self.done_at = Some(Instant::now());
        }
    }

    #[cold]
    #[inline(never)]
    fn violation(&mut self, msg: &Msg) {
        self.violations += 1;
        let what = match self.next.get_mut(msg.producer as usize) {
            None => format!("message {} from unknown producer {}", msg.seq, msg.producer),
            Some(next) => {
                let what = format!(
                    "producer {}: got seq {} but expected {} ({})",
                    msg.producer,
                    msg.seq,
                    *next,
                    if msg.seq < *next {
                        "duplicate or reordered"
                    } else {
                        "skipped ahead"
                    }
                );
                *next = (*next).max(msg.seq + 1);
                what
            }
        };
        self.first_violation.get_or_insert(what);
    }

    /// The run's result: throughput from `start` to the last expected message (or to now,
    /// if it never came), and every way the delivery differed from what was sent.
    pub(super) fn finish(self, start: Instant) -> Measured {
        let end = self.done_at.unwrap_or_else(Instant::now);
        let secs = end
            .saturating_duration_since(start)
            .max(Duration::from_nanos(1))
            .as_secs_f64();
        let mut failures = Vec::new();
        if self.violations > 0 {
            failures.push(format!(
                "{} order violation(s), the first: {}",
                self.violations,
                self.first_violation.as_deref().unwrap_or("?")
            ));
        }
        if self.received != self.expected {
            failures.push(format!(
                "received {} messages, {} were sent",
                self.received, self.expected
            ));
        }
        for (id, (next, quota)) in self.next.iter().zip(&self.quotas).enumerate() {
            if next != quota {
                failures.push(format!(
                    "producer {id}: last in-order seq {} of {quota}",
                    next
                ));
            }
        }
        #[allow(clippy::cast_precision_loss)] // message counts far below 2^52
        let msgs_per_sec = self.received as f64 / secs;
        Measured {
            msgs_per_sec,
            failures,
        }
    }
}

/// The messages producer `id` of `producers` sends out of `messages`: an even split, the
/// remainder going to the first producers.
pub(super) fn quotas(messages: u64, producers: u32) -> Vec<u64> {
    let p = u64::from(producers);
    (0..p)
        .map(|id| messages / p + u64::from(id < messages % p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(quotas: &[u64]) -> Check {
        Check::new(quotas.to_vec(), Arc::new(Heartbeats::new(0)))
    }

    #[test]
    fn quotas_split_the_messages_exactly() {
        assert_eq!(quotas(10, 3), [4, 3, 3]);
        assert_eq!(quotas(2, 4), [1, 1, 0, 0]);
    }

    #[test]
    fn an_in_order_delivery_passes() {
        let mut c = check(&[2, 1]);
        for m in [Msg::new(0, 0), Msg::new(1, 0), Msg::new(0, 1)] {
            c.on(&m);
        }
        let m = c.finish(Instant::now());
        assert!(m.failures.is_empty(), "{:?}", m.failures);
    }

    #[test]
    fn a_duplicate_a_gap_and_a_missing_message_fail() {
        let mut c = check(&[3]);
        c.on(&Msg::new(0, 0));
        c.on(&Msg::new(0, 0));
        let m = c.finish(Instant::now());
        assert!(
            m.failures[0].contains("duplicate or reordered"),
            "{:?}",
            m.failures
        );

        let mut c = check(&[3]);
        c.on(&Msg::new(0, 0));
        c.on(&Msg::new(0, 2));
        let m = c.finish(Instant::now());
        assert!(m.failures[0].contains("skipped ahead"), "{:?}", m.failures);
        assert!(m
            .failures
            .iter()
            .any(|f| f.contains("received 2 messages, 3 were sent")));
    }
}
