//! When the run loop gives its worker back within a batch: every `yield_ms` (with jitter),
//! reading the clock every `stride` messages.

use core::time::Duration;

use crate::config::ActorConfig;
use crate::runtime::Runtime;

/// When to yield within a batch.
pub(super) struct Fairness<I> {
    interval_ns: u64,
    jitter: bool,
    rng: fastrand::Rng,
    /// Messages between clock reads, 1..=64.
    stride: u32,
    since_check: u32,
    last_check: I,
    deadline: I,
    /// The interval has been restarted without a clock read ([`Fairness::resume`]): the next
    /// check starts it instead of comparing with `deadline`.
    unstarted: bool,
}

impl<I> Fairness<I>
where
    I: Copy + Ord + core::ops::Add<Duration, Output = I> + core::ops::Sub<I, Output = Duration>,
{
    /// At most this many messages between clock reads: a handler that turns slow is noticed
    /// within 8 messages.
    pub(super) const MAX_STRIDE: u32 = 8;

    pub(super) fn new(config: &ActorConfig, seed: u64, now: I) -> Self {
        let mut this = Self {
            interval_ns: config.yield_ms.saturating_mul(1_000_000),
            jitter: config.jitter,
            rng: fastrand::Rng::with_seed(seed),
            stride: 1,
            since_check: 0,
            last_check: now,
            deadline: now,
            unstarted: false,
        };
        this.restart(now);
        this
    }

    /// The next interval: `yield_ms`, or a uniform 75%..125% of it with jitter.
    pub(super) fn interval(&mut self) -> Duration {
        let ns = if self.jitter {
            self.interval_ns / 4 * 3 + self.rng.u64(0..=self.interval_ns / 2)
        } else {
            self.interval_ns
        };
        Duration::from_nanos(ns)
    }

    /// The actor just got the worker back (after a yield, or after waiting on an empty
    /// mailbox): the interval starts now.
    pub(super) fn restart(&mut self, now: I) {
        self.last_check = now;
        self.since_check = 0;
        self.deadline = now + self.interval();
        self.unstarted = false;
    }

    /// As [`restart`](Self::restart), after waiting on an empty mailbox, but without a clock
    /// read while handlers are fast (`stride` above 1): the interval then starts at the next
    /// clock read, at most `stride` messages later. An actor that is woken for one message at a
    /// time (a request and its answer, a trickle of tells) would otherwise read the clock once
    /// per message, which cost a few percent of a round trip (docs/PERFORMANCE.md). What the
    /// deferral gives away is the time of the messages before that read: under 1/16 of the
    /// interval while they stay as fast as the stride says. Slow handlers (`stride` 1) still
    /// start the interval here, so their first message counts.
    pub(super) fn resume(&mut self, now: impl FnOnce() -> I) {
        if self.stride > 1 {
            self.since_check = 0;
            self.unstarted = true;
        } else {
            self.restart(now());
        }
    }

    /// After each handled message: whether the interval is up.
    #[inline]
    pub(super) fn after_message<R: Runtime<Instant = I>>(&mut self, rt: &R) -> bool {
        self.since_check += 1;
        if self.since_check < self.stride {
            return false;
        }
        self.check(rt.now())
    }

    pub(super) fn check(&mut self, now: I) -> bool {
        if self.unstarted {
            // Deferred by `resume`: the interval starts now. The stride stays as it was (the
            // time since `last_check` includes the wait on the empty mailbox).
            self.restart(now);
            return false;
        }
        let step = now - self.last_check;
        self.last_check = now;
        self.since_check = 0;
        // Fast handlers (the last `stride` messages took under 1/16 of the interval): read the
        // clock half as often. Slow ones: twice as often.
        if step.as_nanos() < u128::from(self.interval_ns / 16) {
            self.stride = (self.stride * 2).min(Self::MAX_STRIDE);
        } else {
            self.stride = (self.stride / 2).max(1);
        }
        now >= self.deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_spreads_the_interval_over_75_to_125_percent() {
        let config = ActorConfig {
            yield_ms: 4,
            ..Default::default()
        };
        let mut fair = Fairness::new(&config, 7, 0u64.into_instant());
        let (mut lo, mut hi) = (Duration::MAX, Duration::ZERO);
        for _ in 0..1000 {
            let d = fair.interval();
            lo = lo.min(d);
            hi = hi.max(d);
        }
        assert!(
            lo >= Duration::from_millis(3) && hi <= Duration::from_millis(5),
            "{lo:?}..{hi:?}"
        );
        assert!(
            hi - lo > Duration::from_millis(1),
            "jitter must spread: {lo:?}..{hi:?}"
        );
        let mut exact = Fairness::new(
            &ActorConfig {
                jitter: false,
                ..config
            },
            7,
            0u64.into_instant(),
        );
        assert_eq!(exact.interval(), Duration::from_millis(4));
    }

    #[test]
    fn stride_grows_for_fast_handlers_and_shrinks_for_slow_ones() {
        let config = ActorConfig {
            yield_ms: 1,
            jitter: false,
            ..Default::default()
        };
        let t0 = 0u64.into_instant();
        let mut fair = Fairness::new(&config, 1, t0);
        // Fast: 1 µs between checks.
        let mut now = t0;
        for _ in 0..10 {
            now = now + Duration::from_micros(1);
            fair.check(now);
        }
        assert_eq!(fair.stride, 8);
        // Slow: 200 µs between checks.
        for _ in 0..10 {
            now = now + Duration::from_micros(200);
            fair.check(now);
        }
        assert_eq!(fair.stride, 1);
        // Past the deadline: time to yield.
        assert!(fair.check(now + Duration::from_millis(2)));
    }

    #[test]
    fn resume_defers_the_interval_to_the_next_clock_read_while_handlers_are_fast() {
        let config = ActorConfig {
            yield_ms: 1,
            jitter: false,
            ..Default::default()
        };
        let t0 = 0u64.into_instant();
        let mut fair = Fairness::new(&config, 1, t0);
        let mut now = t0;
        for _ in 0..10 {
            now = now + Duration::from_micros(1);
            fair.check(now);
        }
        assert_eq!(fair.stride, 8);
        // A long wait on an empty mailbox, then the worker back: no clock read.
        now = now + Duration::from_millis(50);
        let mut reads = 0;
        fair.resume(|| {
            reads += 1;
            now
        });
        assert_eq!(
            reads, 0,
            "fast handlers: the interval starts at the next check"
        );
        // The first check starts the interval (the wait is not counted against it) ...
        now = now + Duration::from_micros(8);
        assert!(
            !fair.check(now),
            "the wait must not count as time spent handling"
        );
        assert_eq!(fair.stride, 8, "nor shrink the stride");
        // ... and the one after the interval has passed says so.
        assert!(fair.check(now + Duration::from_millis(1)));
    }

    #[test]
    fn resume_starts_the_interval_at_once_for_slow_handlers() {
        let config = ActorConfig {
            yield_ms: 1,
            jitter: false,
            ..Default::default()
        };
        let t0 = 0u64.into_instant();
        let mut fair = Fairness::new(&config, 1, t0);
        assert_eq!(fair.stride, 1);
        let back = t0 + Duration::from_millis(50);
        let mut reads = 0;
        fair.resume(|| {
            reads += 1;
            back
        });
        assert_eq!(
            reads, 1,
            "slow handlers: the clock is read when the worker comes back"
        );
        // One slow message past the interval: time to yield, counted from the resume.
        assert!(fair.check(back + Duration::from_millis(2)));
    }

    /// A fake instant in nanoseconds.
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
    struct Ns(u64);
    impl core::ops::Add<Duration> for Ns {
        type Output = Ns;
        fn add(self, d: Duration) -> Ns {
            Ns(self.0 + d.as_nanos() as u64)
        }
    }
    impl core::ops::Sub<Ns> for Ns {
        type Output = Duration;
        fn sub(self, other: Ns) -> Duration {
            Duration::from_nanos(self.0 - other.0)
        }
    }
    trait IntoInstant {
        fn into_instant(self) -> Ns;
    }
    impl IntoInstant for u64 {
        fn into_instant(self) -> Ns {
            Ns(self)
        }
    }
}
