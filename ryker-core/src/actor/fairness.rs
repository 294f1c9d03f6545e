//! When the run loop gives its worker back within a batch: every `yield_ms` (with jitter),
//! reading the clock every `stride` messages; and which yield it uses: the full one
//! (`Runtime::yield_now`) at least every 128 messages and every `yield_ms`, the one to the
//! ready tasks (`Runtime::yield_to_ready`) in between.

use core::time::Duration;

use crate::config::ActorConfig;

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
    /// The next yield must be a full one once the clock reads this: an interval after the
    /// worker was last given back in full (a `yield_now`, or a wait on an empty mailbox).
    full_deadline: I,
    /// Messages handled since the last `yield_now` (waits on an empty mailbox do not count
    /// here): the next yield is a full one from `FULL_YIELD_EVERY` on.
    since_full: u32,
    /// The interval has been restarted without a clock read ([`Fairness::resume`]): the next
    /// check starts it instead of comparing with `deadline`.
    unstarted: bool,
}

impl<I> Fairness<I>
where
    I: Copy + Ord + core::ops::Add<Duration, Output = I> + core::ops::Sub<I, Output = Duration>,
{
    /// At most this many messages between clock reads: a handler that turns slow is noticed
    /// within 8 messages (10 right after a wait on an empty mailbox, see `resume`).
    pub(super) const MAX_STRIDE: u32 = 8;

    /// At most this many handled messages between full yields (`Runtime::yield_now`), however
    /// fast the handlers: tokio's cooperative budget, after which a tokio task reading a
    /// channel is held back behind the driver. A runtime holds such tasks back until its worker
    /// parks (tokio's `yield_now`, a spent budget), and a yield to the ready tasks does not
    /// park it: without this, a task that yields or spends its budget got one turn per
    /// `yield_ms` beside a streaming actor (about 500 of the actor's messages at 2 µs each)
    /// instead of one per batch. With it, one per 128 messages: as beside a tokio task.
    pub(super) const FULL_YIELD_EVERY: u32 = 128;

    pub(super) fn new(config: &ActorConfig, seed: u64, now: I) -> Self {
        let mut this = Self {
            interval_ns: config.yield_ms.saturating_mul(1_000_000),
            jitter: config.jitter,
            rng: fastrand::Rng::with_seed(seed),
            stride: 1,
            since_check: 0,
            last_check: now,
            deadline: now,
            full_deadline: now,
            since_full: 0,
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

    /// The actor just got the worker back after giving it back in full (a `yield_now`, or a
    /// wait on an empty mailbox): the interval starts now, for both kinds of yield.
    pub(super) fn restart(&mut self, now: I) {
        self.restart_after_ready(now);
        self.full_deadline = self.deadline;
        self.since_full = 0;
    }

    /// The actor just got the worker back after a `yield_to_ready`: the interval for the
    /// time-based yield starts now, but the runtime's I/O and timers may not have had the
    /// worker, so the next full yield stays due when it was. (Right after a wait on an empty
    /// mailbox whose interval is not started yet, see `resume`, the wait counts as the full
    /// give-back for the time: the full yield's deadline starts again, its message count
    /// does not.)
    pub(super) fn restart_after_ready(&mut self, now: I) {
        let waited = self.unstarted;
        self.last_check = now;
        self.since_check = 0;
        self.deadline = now + self.interval();
        self.unstarted = false;
        if waited {
            self.full_deadline = self.deadline;
        }
    }

    /// Whether the next yield must be a full one (`Runtime::yield_now`): `FULL_YIELD_EVERY`
    /// messages were handled since the last, or a whole interval has passed since it as of the
    /// last clock read (the run loop makes every time-based yield a full one whatever this
    /// says). The interval does not count while it waits to be started after a wait on an
    /// empty mailbox (`resume`): for the time, that wait was one.
    pub(super) fn full_yield_due(&self) -> bool {
        self.since_full >= Self::FULL_YIELD_EVERY
            || (!self.unstarted && self.last_check >= self.full_deadline)
    }

    /// As [`restart`](Self::restart), after waiting on an empty mailbox, but without a clock
    /// read while handlers are fast (`stride` above 1): the interval then starts at a clock
    /// read after the second message. An actor that is woken for one message at a time (a
    /// request and its answer, a trickle of tells) would otherwise read the clock once per
    /// message, which cost a few percent of a round trip (docs/PERFORMANCE.md); it now reads
    /// none. What the deferral gives away is the time of those first two messages, whatever
    /// they took: a handler that turns slow right after a wait is noticed within `stride` + 2
    /// messages instead of `stride`. The stride is kept, so a burst reads the clock as often
    /// as before. Slow handlers (`stride` 1) still start the interval here.
    pub(super) fn resume(&mut self, now: impl FnOnce() -> I) {
        if self.stride > 1 {
            // `after_message` checks once `since_check` reaches the stride: after 2 messages.
            self.since_check = self.stride - 2;
            self.unstarted = true;
        } else {
            self.restart(now());
        }
    }

    /// After each handled message: whether the interval is up. `now` reads the clock (every
    /// `stride` messages).
    #[inline]
    pub(super) fn after_message(&mut self, now: impl FnOnce() -> I) -> bool {
        // Wrapping: only a stream of batches that never fill up (so never yield) goes round,
        // and the count then starts again from 0, as after a full yield.
        self.since_full = self.since_full.wrapping_add(1);
        self.since_check += 1;
        if self.since_check < self.stride {
            return false;
        }
        self.check(now())
    }

    pub(super) fn check(&mut self, now: I) -> bool {
        if self.unstarted {
            // Deferred by `resume`: the interval starts now. The stride stays as it was: the
            // time since `last_check` includes the wait on the empty mailbox, so it says
            // nothing about the handlers.
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
        // Fast: 1 µs between checks (the stride grows to 8 in there).
        let (mut fair, mut now) = with_fast_stride();
        // Slow: 200 µs between checks.
        for _ in 0..10 {
            now = now + Duration::from_micros(200);
            fair.check(now);
        }
        assert_eq!(fair.stride, 1);
        // Past the deadline: time to yield.
        assert!(fair.check(now + Duration::from_millis(2)));
    }

    /// A fresh fairness state (`yield_ms` 1, no jitter, stride 1) and its start time.
    fn fresh() -> (Fairness<Ns>, Ns) {
        let config = ActorConfig {
            yield_ms: 1,
            jitter: false,
            ..Default::default()
        };
        let t0 = 0u64.into_instant();
        (Fairness::new(&config, 1, t0), t0)
    }

    /// A fairness state with the stride grown to 8 by fast handlers (1 µs between checks).
    fn with_fast_stride() -> (Fairness<Ns>, Ns) {
        let (mut fair, mut now) = fresh();
        for _ in 0..10 {
            now = now + Duration::from_micros(1);
            fair.check(now);
        }
        assert_eq!(fair.stride, 8);
        (fair, now)
    }

    /// Handles messages of `each` from `now` until `after_message` says to yield (at most
    /// `limit`), counting clock reads; returns (messages handled, clock reads).
    fn run_until_yield(
        fair: &mut Fairness<Ns>,
        mut now: Ns,
        each: Duration,
        limit: u32,
    ) -> (u32, u32) {
        let mut reads = 0;
        for n in 1..=limit {
            now = now + each;
            if fair.after_message(|| {
                reads += 1;
                now
            }) {
                return (n, reads);
            }
        }
        (limit, reads)
    }

    #[test]
    fn an_actor_woken_for_one_message_at_a_time_reads_no_clock() {
        let (mut fair, mut now) = with_fast_stride();
        let mut reads = 0;
        for _ in 0..100 {
            // A wait on the empty mailbox, then one fast message.
            now = now + Duration::from_millis(5);
            fair.resume(|| {
                reads += 1;
                now
            });
            now = now + Duration::from_micros(1);
            assert!(!fair.after_message(|| {
                reads += 1;
                now
            }));
        }
        assert_eq!(reads, 0);
    }

    #[test]
    fn after_a_wait_the_interval_starts_at_most_two_messages_late() {
        // Fast messages: the wait itself never counts against the interval ...
        let (mut fair, now) = with_fast_stride();
        let back = now + Duration::from_millis(50);
        fair.resume(|| back);
        let (handled, reads) = run_until_yield(&mut fair, back, Duration::from_micros(1), 5000);
        // ... 2 messages before the interval starts, then 1 ms of 1 µs messages, read every 8.
        assert!((1000..=2 + 1000 + 8).contains(&handled), "{handled}");
        assert!(
            reads <= 1 + handled / 8 + 1,
            "a burst reads the clock every 8 messages: {reads} reads for {handled}"
        );
        // Slow messages right after a wait (each longer than the interval): noticed within
        // the stride plus the two deferred messages, not twice the stride.
        let (mut fair, now) = with_fast_stride();
        let back = now + Duration::from_millis(50);
        fair.resume(|| back);
        let (handled, _) = run_until_yield(&mut fair, back, Duration::from_millis(100), 100);
        assert!(handled <= 2 + 8, "{handled} slow messages before a yield");
    }

    #[test]
    fn after_a_wait_slow_handlers_start_the_interval_at_once() {
        let (mut fair, t0) = fresh();
        assert_eq!(fair.stride, 1);
        let back = t0 + Duration::from_millis(50);
        let mut reads = 0;
        fair.resume(|| {
            reads += 1;
            back
        });
        assert_eq!(
            reads, 1,
            "stride 1: the clock is read when the worker comes back"
        );
        // One slow message: past the interval, counted from the resume.
        let (handled, _) = run_until_yield(&mut fair, back, Duration::from_millis(2), 10);
        assert_eq!(handled, 1);
    }

    #[test]
    fn a_full_yield_is_due_an_interval_after_the_last_one_whatever_the_yields_between() {
        let (mut fair, t0) = fresh();
        assert!(!fair.full_yield_due(), "just restarted");
        // Yields to the ready tasks every 300 µs: each restarts the time-based interval but
        // not the full one.
        let mut now = t0;
        for _ in 0..3 {
            now = now + Duration::from_micros(300);
            assert!(
                !fair.check(now),
                "the time-based interval restarts at every yield"
            );
            assert!(
                !fair.full_yield_due(),
                "{:?} after the full yield",
                now - t0
            );
            fair.restart_after_ready(now);
        }
        // 1.2 ms after the last full one: due, though the last yield was 300 µs ago.
        now = now + Duration::from_micros(300);
        assert!(!fair.check(now));
        assert!(fair.full_yield_due());
        // A full yield starts both intervals again.
        fair.restart(now);
        assert!(!fair.full_yield_due());
        now = now + Duration::from_micros(900);
        assert!(!fair.check(now));
        assert!(!fair.full_yield_due());
        // Exactly an interval after the full yield: both are due at their deadline, not after
        // it (`>=`; a `>` in either fails here).
        now = now + Duration::from_micros(100);
        assert!(fair.check(now), "the time-based yield is due ...");
        assert!(fair.full_yield_due(), "... and is a full one");
    }

    /// The clock was last read past the full yield's deadline, then the mailbox ran empty: the
    /// wait gave the worker back in full, so until the deferred start no full yield is due (a
    /// batch of one or two messages, ending before that start, yields to the ready tasks).
    #[test]
    fn a_wait_after_the_full_deadline_leaves_no_full_yield_due() {
        let (mut fair, now) = with_fast_stride();
        let late = now + Duration::from_millis(2);
        assert!(fair.check(late), "past the deadline");
        assert!(fair.full_yield_due(), "and past the full one's");
        fair.resume(|| late + Duration::from_millis(50));
        assert!(fair.unstarted, "fast handlers: the start is deferred");
        assert!(!fair.full_yield_due(), "the wait was a full give-back");
    }

    #[test]
    fn a_wait_on_an_empty_mailbox_counts_as_a_full_yield() {
        let (mut fair, now) = with_fast_stride();
        // Long since the last full yield, then a wait: its deferred start makes no yield due.
        let back = now + Duration::from_millis(50);
        fair.resume(|| back);
        assert!(!fair.full_yield_due(), "the wait was a full give-back");
        // A yield to the ready tasks before the deferred start (a batch of 1 or 2): the
        // interval starts there, the full one with it.
        fair.restart_after_ready(back);
        assert!(!fair.full_yield_due());
        assert!(!fair.check(back + Duration::from_micros(900)));
        assert!(!fair.full_yield_due());
        assert!(fair.check(back + Duration::from_micros(1000)));
        assert!(fair.full_yield_due());
    }

    #[test]
    fn with_jitter_a_time_based_yield_can_come_before_a_full_one_is_due() {
        // Why the run loop makes every time-based yield a full one itself (`give_back`): a
        // full yield with a long interval drawn, a yield to the ready tasks soon after (a
        // short batch) with a short one drawn, then batches that do not fill up (no yield)
        // until the time-based one is due.
        let config = ActorConfig {
            yield_ms: 1,
            jitter: true,
            ..Default::default()
        };
        let t0 = 0u64.into_instant();
        let found = (0..1000).any(|seed| {
            let mut fair = Fairness::new(&config, seed, t0);
            fair.restart_after_ready(t0 + Duration::from_micros(32));
            let due = fair.deadline;
            fair.check(due) && !fair.full_yield_due()
        });
        assert!(found, "no seed in 1000 draws such intervals");
    }

    #[test]
    fn a_full_yield_is_due_every_128_messages_whatever_the_clock() {
        let config = ActorConfig {
            yield_ms: ActorConfig::MAX_YIELD_MS,
            jitter: false,
            ..Default::default()
        };
        let t0 = 0u64.into_instant();
        let mut fair = Fairness::new(&config, 1, t0);
        for round in 0..3 {
            for n in 1..=Fairness::<Ns>::FULL_YIELD_EVERY {
                assert!(!fair.after_message(|| t0), "the clock never moves");
                if n % 32 == 0 && n < Fairness::<Ns>::FULL_YIELD_EVERY {
                    assert!(!fair.full_yield_due(), "round {round}: after {n}");
                    // A batch's yield to the ready tasks does not reset the count ...
                    fair.restart_after_ready(t0);
                }
            }
            assert!(fair.full_yield_due(), "round {round}");
            // ... a full yield does; so does nothing else (a wait on an empty mailbox).
            fair.resume(|| t0);
            assert!(
                fair.full_yield_due(),
                "round {round}: the wait is no full yield here"
            );
            fair.restart(t0);
            assert!(!fair.full_yield_due());
        }
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
