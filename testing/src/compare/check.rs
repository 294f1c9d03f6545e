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
///
/// While every message arrives in order, a message costs one comparison. At the first one
/// that does not, the check switches to [`Seen`], one bit per message, which it fills in
/// from what arrived in order so far: from then on it can still tell a reordered delivery in
/// which every message arrived once from one that lost or duplicated some.
#[derive(Debug)]
pub(super) struct Check {
    /// The sequence number expected next from each producer; `u64::MAX` for all of them once
    /// `seen` is on, so that every message takes the cold path.
    next: Vec<u64>,
    quotas: Vec<u64>,
    expected: u64,
    received: u64,
    violations: u64,
    first_violation: Option<String>,
    /// Per producer, which sequence numbers arrived: on after the first violation.
    seen: Option<Vec<Seen>>,
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
            seen: None,
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
        if self.seen.is_none() {
            self.first_violation = Some(self.describe(msg));
            // Everything below each producer's `next` arrived once and in order.
            let seen = self
                .next
                .iter()
                .zip(&self.quotas)
                .map(|(&next, &quota)| Seen::upto(next, quota))
                .collect();
            self.seen = Some(seen);
            self.next.fill(u64::MAX);
        }
        let seen = self.seen.as_mut().expect("switched on above");
        let mark = seen
            .get_mut(msg.producer as usize)
            .map_or(Mark::Out, |s| s.mark(msg.seq));
        // `Next`: in order after all, the one after the highest of this producer's so far.
        if mark == Mark::Out {
            self.violations += 1;
        }
    }

    /// The first violation, in words.
    fn describe(&self, msg: &Msg) -> String {
        match self.next.get(msg.producer as usize) {
            None => format!("message {} from unknown producer {}", msg.seq, msg.producer),
            Some(&next) => format!(
                "producer {}: got seq {} but expected {next} ({})",
                msg.producer,
                msg.seq,
                if msg.seq < next {
                    "duplicate or reordered"
                } else {
                    "skipped ahead"
                }
            ),
        }
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
        match &self.seen {
            None => {
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
            }
            Some(seen) => {
                let duplicates: u64 = seen.iter().map(|s| s.duplicates).sum();
                let missing: Vec<(usize, u64)> = seen
                    .iter()
                    .map(Seen::missing)
                    .enumerate()
                    .filter(|&(_, m)| m > 0)
                    .collect();
                let once = duplicates == 0 && missing.is_empty() && self.received == self.expected;
                failures.push(format!(
                    "{} order violation(s){}, the first: {}",
                    self.violations,
                    if once {
                        " (every message arrived, once)"
                    } else {
                        ""
                    },
                    self.first_violation.as_deref().unwrap_or("?")
                ));
                if self.received != self.expected {
                    failures.push(format!(
                        "received {} messages, {} were sent",
                        self.received, self.expected
                    ));
                }
                if duplicates > 0 {
                    failures.push(format!("{duplicates} duplicate(s)"));
                }
                for (id, m) in missing {
                    failures.push(format!(
                        "producer {id}: {m} of {} never arrived",
                        self.quotas[id]
                    ));
                }
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

/// One producer's sequence numbers, one bit each: which arrived, and how many came twice or
/// after a later one.
#[derive(Debug)]
struct Seen {
    bits: Vec<u64>,
    quota: u64,
    /// One past the highest sequence number seen.
    high: u64,
    duplicates: u64,
}

/// How a message fits what arrived before it.
#[derive(Debug, PartialEq, Eq)]
enum Mark {
    /// The sequence number right after the highest one so far.
    Next,
    /// Out of order: a duplicate, one that came after a later one, one that skipped ahead, or
    /// one beyond the quota.
    Out,
}

impl Seen {
    /// Sequence numbers `0..next` seen, of `quota`.
    fn upto(next: u64, quota: u64) -> Self {
        let words = usize::try_from(quota.div_ceil(64)).expect("a quota that fits in memory");
        let mut seen = Self {
            bits: vec![0; words],
            quota,
            high: 0,
            duplicates: 0,
        };
        for seq in 0..next {
            seen.mark(seq);
        }
        seen
    }

    fn mark(&mut self, seq: u64) -> Mark {
        if seq >= self.quota {
            return Mark::Out;
        }
        let Some(word) = usize::try_from(seq / 64)
            .ok()
            .and_then(|w| self.bits.get_mut(w))
        else {
            return Mark::Out;
        };
        let bit = 1 << (seq % 64);
        if *word & bit != 0 {
            self.duplicates += 1;
            return Mark::Out;
        }
        *word |= bit;
        let next = seq == self.high;
        self.high = self.high.max(seq + 1);
        if next {
            Mark::Next
        } else {
            Mark::Out
        }
    }

    /// How many of the quota never arrived.
    fn missing(&self) -> u64 {
        let arrived: u64 = self.bits.iter().map(|w| u64::from(w.count_ones())).sum();
        self.quota - arrived
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

    #[test]
    fn a_reordered_delivery_fails_but_says_every_message_arrived_once() {
        let mut c = check(&[4, 2]);
        for m in [
            Msg::new(0, 0),
            Msg::new(0, 2),
            Msg::new(1, 0),
            Msg::new(0, 1),
            Msg::new(0, 3),
            Msg::new(1, 1),
        ] {
            c.on(&m);
        }
        let m = c.finish(Instant::now());
        assert_eq!(
            m.failures,
            [
                "2 order violation(s) (every message arrived, once), the first: \
              producer 0: got seq 2 but expected 1 (skipped ahead)"
            ]
        );
    }

    #[test]
    fn after_a_reorder_duplicates_and_lost_messages_are_still_counted() {
        let mut c = check(&[70]);
        for seq in [0, 1, 65, 2, 2, 69] {
            c.on(&Msg::new(0, seq));
        }
        c.on(&Msg::new(0, 70)); // beyond the quota
        let m = c.finish(Instant::now());
        assert!(
            m.failures[0].starts_with("5 order violation(s), the first"),
            "{:?}",
            m.failures
        );
        assert_eq!(
            m.failures[1..],
            [
                "received 7 messages, 70 were sent",
                "1 duplicate(s)",
                "producer 0: 65 of 70 never arrived",
            ]
        );
    }
}
