//! The mailbox: a bounded multi-producer single-consumer channel over one [`Ring`], with
//! runtime-agnostic `poll_*` methods, futures built on them, and (under `std`) blocking calls
//! that park the thread through the same waker registration.
//!
//! # Wake-up protocol
//! Two store-then-load pairs must never both miss each other (loom checks both; see
//! docs/CONCURRENCY.md):
//!
//! * receiver waiting on empty: the receiver *registers its waker*, fences (SeqCst), and tries
//!   the ring again, reading `tail` when the slot at `head` is neither published nor held by a
//!   permit. A plain send (`try_send`, `send`, `blocking_send` while other senders exist; not
//!   under `DropOldest`) *claims its slot* with a SeqCst CAS on `tail`,
//!   publishes, and reads the waker state with a SeqCst load: no fence. If the receiver's
//!   retry read `tail` from before the claim, the claim follows the receiver's fence in the
//!   single SeqCst order, and so does the sender's load, which then sees the registration. If
//!   the retry saw the claim but not the publish, nothing makes the sender see the
//!   registration, so the receiver does not park on it: it yields and looks again (a blocking
//!   receiver backs off to short sleeps if that lasts; an async one keeps yielding, so an
//!   executor that always polls it before a stalled, lower-priority sender would spin). A
//!   permit may hold its claim for long, so it marks the slot `RESERVED`, the receiver parks
//!   on that (after seeing the stamp alone: a stamp read before the permit's publish orders
//!   the receiver's fence before the permit's), and the permit's publish is followed by a
//!   SeqCst fence before the waker load (the store-buffering pair with the receiver's fence),
//!   as are the close, `DropOldest` pushes and a lone blocking sender's publish.
//! * sender waiting on full: the sender *queues itself* in the wait list, fences, and tries to
//!   claim again; the receiver *frees a slot*, fences, and notifies the oldest waiter if the
//!   list may be non-empty.
//!
//! # Dropping either side
//! Dropping the last [`Sender`] closes the mailbox: the receiver still gets every accepted
//! message, then `None`. Dropping the [`Receiver`] closes it too: senders get `Closed` back with
//! their message, waiting senders are woken, and messages still queued are dropped (counted as
//! `discarded`), past any destructor that panics (the first such panic then goes on). A
//! message whose send was still in progress at that moment (claimed, not yet published), or
//! that a [`Permit`] held across the drop sends afterwards, is dropped with the mailbox's memory
//! when the last sender goes, as with tokio's mpsc: a reply channel inside it answers only then.
//! It is counted in `discarded` too, so that once the receiver is gone
//! `accepted == received + dropped_oldest + discarded`.

pub use crate::config::MailboxConfig;
use crate::error::ConfigError;
pub use crate::metrics::{Attachment, MailboxStats, NoAttachment};
pub use crate::policy::Overflow;
use crate::ring::Ring;
use crate::sync::Arc;

mod receiver;
mod sender;
mod shared;
#[cfg(feature = "futures")]
mod stream;

pub use receiver::Receiver;
pub use sender::{
    OwnedPermit, Permit, PermitIterator, Reserve, ReserveMany, SendFuture, Sender, WeakSender,
    WhenClosed,
};
use shared::Shared;
#[cfg(feature = "futures")]
pub use stream::PollSender;

/// How a message was queued.
///
/// ```
/// use ryker_core::mailbox::{channel, MailboxConfig, Overflow, Sent};
/// let config = MailboxConfig { capacity: 1, overflow: Overflow::DropOldest, ..Default::default() };
/// let (tx, mut rx) = channel::<u32>(config);
/// assert_eq!(tx.try_send(1), Ok(Sent::Queued));
/// assert_eq!(tx.try_send(2), Ok(Sent::DisplacedOldest)); // 1 was evicted
/// assert_eq!(rx.try_recv(), Ok(2));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Sent {
    /// Queued into a free slot.
    Queued,
    /// Queued after evicting the oldest message (`Overflow::DropOldest`; counted in
    /// `dropped_oldest`).
    DisplacedOldest,
}

/// Creates a mailbox.
///
/// # Panics
/// If the configuration is invalid (as `tokio::sync::mpsc::channel(0)` does); the message names
/// the field, the value and the allowed range. Use [`try_channel`] to get the error instead.
///
/// ```
/// use ryker_core::mailbox::{channel, MailboxConfig};
/// let (tx, mut rx) = channel::<&str>(MailboxConfig::default());
/// tx.try_send("hello").unwrap();
/// assert_eq!(rx.try_recv(), Ok("hello"));
/// ```
#[track_caller]
pub fn channel<T>(config: MailboxConfig) -> (Sender<T>, Receiver<T>) {
    match try_channel_with(config, NoAttachment) {
        Ok(pair) => pair,
        Err(err) => panic!("ryker mailbox: {err}"),
    }
}

/// Creates a mailbox, or says which field of `config` is invalid.
///
/// # Errors
/// [`ConfigError`] naming the field, the value and the allowed range.
///
/// ```
/// use ryker_core::mailbox::{try_channel, MailboxConfig};
/// let err = try_channel::<u32>(MailboxConfig { capacity: 0, ..Default::default() }).unwrap_err();
/// assert_eq!(err.field(), "capacity");
/// ```
#[allow(clippy::type_complexity)] // the pair of halves, as `tokio::sync::mpsc::channel` returns
pub fn try_channel<T>(config: MailboxConfig) -> Result<(Sender<T>, Receiver<T>), ConfigError> {
    try_channel_with(config, NoAttachment)
}

/// Creates a mailbox with `attachment` in its shared block; the mailbox calls its hooks on its
/// events (see [`Attachment`]).
///
/// # Errors
/// As [`try_channel`].
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use ryker_core::mailbox::{try_channel_with, Attachment, MailboxConfig};
///
/// #[derive(Default)]
/// struct Count(AtomicUsize);
/// impl Attachment for Count {
///     fn on_accepted(&self) { self.0.fetch_add(1, Ordering::Relaxed); }
/// }
///
/// let (tx, _rx) = try_channel_with::<u8, _>(MailboxConfig::default(), Count::default()).unwrap();
/// tx.try_send(1).unwrap();
/// ```
#[allow(clippy::type_complexity)] // the pair of halves, as `tokio::sync::mpsc::channel` returns
pub fn try_channel_with<T, X: Attachment>(
    config: MailboxConfig,
    attachment: X,
) -> Result<(Sender<T, X>, Receiver<T, X>), ConfigError> {
    config.validate()?;
    // The receiver is the ring's only consumer unless `DropOldest` lets senders evict.
    let single_consumer = config.overflow != Overflow::DropOldest;
    let ring = Ring::build(config.capacity, config.amnesia, single_consumer, 0)?;
    let shared = Arc::new(Shared::new(ring, &config, attachment));
    Ok((Sender::new(shared.clone()), Receiver::new(shared)))
}

/// The former name of [`try_channel_with`].
#[deprecated(since = "0.1.0", note = "renamed to `try_channel_with`")]
#[allow(clippy::type_complexity)]
pub fn try_channel_with_metrics<T, X: Attachment>(
    config: MailboxConfig,
    attachment: X,
) -> Result<(Sender<T, X>, Receiver<T, X>), ConfigError> {
    try_channel_with(config, attachment)
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use alloc::sync::Arc;
    use alloc::task::Wake;
    use alloc::vec::Vec;
    use core::sync::atomic::{AtomicUsize, Ordering};
    use core::task::{Context, Poll, Waker};

    use super::receiver::{Spin, RUN_WAIT_YIELDS, SPIN_TIME_MAX};
    use super::{channel, MailboxConfig};

    /// Counts its wake-ups.
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }

        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn counting() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        (count.clone(), Waker::from(count))
    }

    /// A plain send's claim in flight is followed by no fence at its publish, so the receiver
    /// must not park on it: it answers `Pending` having woken itself, with nothing registered.
    #[test]
    fn receiver_does_not_park_on_a_send_in_flight() {
        let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
        let (count, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        let claim = tx.shared.ring.claim().unwrap();
        assert_eq!(rx.poll_recv(&mut cx), Poll::Pending);
        assert_eq!(count.0.load(Ordering::Relaxed), 1, "woke itself: a yield");
        assert!(!tx.shared.rx_waker.may_need_wake(), "nothing registered");
        tx.shared.publish(claim, 7);
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(7)));
    }

    /// A blocking receiver meets a send stalled between its claim and its publish (20 ms here,
    /// long enough to pass its yields and reach the sleeps of its back-off) and still gets the
    /// message once it is published: the plain publish has no fence, so only the receiver's
    /// own looking again can find it.
    #[test]
    fn blocking_receiver_waits_out_a_stalled_send() {
        let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
        let claim = tx.shared.ring.claim().unwrap();
        std::thread::scope(|s| {
            let receiver = s.spawn(|| rx.blocking_recv());
            std::thread::sleep(std::time::Duration::from_millis(20));
            tx.shared.publish(claim, 7);
            assert_eq!(receiver.join().unwrap(), Some(7));
        });
    }

    /// Runs a blocking receive of one on its own thread, with `long_yields` of its next timed
    /// yields reading as long and `spare` as the machine's answer to "a CPU to spare?", and
    /// sends it a message once it has registered to park (so its wait found nothing). Returns
    /// the receiver, and how many of the long yields it did not take.
    fn receive_after_a_wait(
        tx: &super::Sender<u32>,
        rx: super::Receiver<u32>,
        long_yields: u32,
        spare: bool,
    ) -> (super::Receiver<u32>, u32) {
        std::thread::scope(|s| {
            let receiver = s.spawn(move || {
                let mut rx = rx;
                crate::blocking::LONG_YIELDS.with(|n| n.set(long_yields));
                crate::sync::SPARE_CPUS.with(|c| c.set(Some(spare)));
                assert_eq!(rx.blocking_recv(), Some(7));
                (rx, crate::blocking::LONG_YIELDS.with(|n| n.get()))
            });
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while !tx.shared.rx_waker.may_need_wake() {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the receiver never parked"
                );
                std::thread::yield_now();
            }
            tx.try_send(7).unwrap();
            receiver.join().unwrap()
        })
    }

    /// A blocking receive whose yield ran long, with one sender and a CPU to spare (the
    /// scheduler put the two on one CPU), parks without yielding for its next
    /// `PARKING_WAITS` waits, then yields again; with no CPU to spare (more runnable threads
    /// than CPUs: the yield gave a sender its turn), or with several senders, it goes on
    /// yielding.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_long_yield_beside_the_one_sender_makes_the_next_waits_park_without_yielding() {
        use super::receiver::PARKING_WAITS;
        if crate::sync::one_cpu() {
            // On one CPU the yields are not timed (no other CPU to be placed on).
            return;
        }
        let (tx, rx) = channel::<u32>(MailboxConfig::default());
        assert_eq!(rx.parking_waits, 0);
        // The first yield runs long, a CPU is idle: the next waits park.
        let (mut rx, left) = receive_after_a_wait(&tx, rx, 1, true);
        assert_eq!(left, 0, "the first yield was timed");
        assert_eq!(rx.parking_waits, PARKING_WAITS);
        // Under Miri (a thread spawned per wait, some 10^4 times slower) the countdown starts
        // at 3, not 64: each wait takes the same steps, so three still show a parking wait
        // with waits left, the last one, and the yield after it.
        let parking = if cfg!(miri) { 3 } else { PARKING_WAITS };
        rx.parking_waits = parking;
        // Each of them: no yield at all (the long yield waiting for it is left over), and
        // finding nothing in its spin rounds, one wait fewer to go.
        for waits_left in (0..parking).rev() {
            let (back, left) = receive_after_a_wait(&tx, rx, 1, true);
            rx = back;
            assert_eq!(left, 1, "no yield, {waits_left} to go");
            assert_eq!(rx.parking_waits, waits_left);
        }
        // Then it yields again (and, its first yield running long once more, parks again).
        let (rx, left) = receive_after_a_wait(&tx, rx, 1, true);
        assert_eq!(left, 0, "yields again");
        assert_eq!(rx.parking_waits, PARKING_WAITS);
        drop(rx);

        // No CPU to spare: the long yield did its job, and the receive keeps yielding.
        let (tx, rx) = channel::<u32>(MailboxConfig::default());
        let (rx, left) = receive_after_a_wait(&tx, rx, 1, false);
        assert_eq!(left, 0);
        assert_eq!(rx.parking_waits, 0);
        let (rx, left) = receive_after_a_wait(&tx, rx, 1, false);
        assert_eq!(left, 0, "yields again");
        assert_eq!(rx.parking_waits, 0);

        // Two senders: as with no CPU to spare.
        let (tx, rx) = channel::<u32>(MailboxConfig::default());
        let _second = tx.clone();
        let (rx, left) = receive_after_a_wait(&tx, rx, 1, true);
        assert_eq!(left, 0);
        assert_eq!(rx.parking_waits, 0);
    }

    /// A long yield counts when the last look after it finds messages too (what a sender
    /// that ran its turn on our CPU leaves behind): a receive mid-stream waits for a run of
    /// 16, finds 2 only at its last look, after a yield that ran long.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_long_yield_counts_when_the_last_look_finds_messages() {
        if crate::sync::one_cpu() {
            // On one CPU a receive takes what is there at its first look: no wait to look at.
            return;
        }
        let (tx, mut rx) = channel::<u32>(MailboxConfig {
            capacity: 64,
            ..MailboxConfig::default()
        });
        crate::sync::SPARE_CPUS.with(|c| c.set(Some(true)));
        let mut out = Vec::new();
        let mut next = 0..;
        let mut send = |n: usize| {
            for i in next.by_ref().take(n) {
                tx.try_send(i).unwrap();
            }
        };
        // Mid-stream: the last receive took more than one message.
        send(3);
        assert_eq!(rx.blocking_recv_many(&mut out, 64), 3);
        use super::receiver::PARKING_WAITS;
        for (round, parking_before, parking_after) in
            [(1, 0, PARKING_WAITS), (2, PARKING_WAITS, PARKING_WAITS - 1)]
        {
            assert_eq!(rx.parking_waits, parking_before, "round {round}");
            send(2);
            crate::blocking::LONG_YIELDS.with(|n| n.set(1));
            assert_eq!(rx.blocking_recv_many(&mut out, 64), 2, "round {round}");
            let left = crate::blocking::LONG_YIELDS.with(|n| n.replace(0));
            // Round 1 yields once (long); round 2, parking, does not yield.
            assert_eq!(left, u32::from(parking_before > 0), "round {round}");
            assert_eq!(rx.parking_waits, parking_after, "round {round}");
        }
        crate::sync::SPARE_CPUS.with(|c| c.set(None));
        assert!(out.iter().copied().eq(0..7));
    }

    /// A look during the spin rounds that finds a message (the sender publishing beside us)
    /// ends the parking at once: the two run on different CPUs again.
    #[test]
    fn a_spin_that_catches_the_sender_ends_the_parking() {
        use super::receiver::PARKING_WAITS;
        if crate::sync::one_cpu() {
            // On one CPU a wait has no spin rounds.
            return;
        }
        let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
        rx.parking_waits = PARKING_WAITS;
        // The first look finds nothing; the sender publishes before the second, the first
        // spin round's.
        let mut tx = Some(tx);
        crate::blocking::BEFORE_LOOK.with(|hook| {
            *hook.borrow_mut() = Some(alloc::boxed::Box::new(move |look| {
                if look == 2 {
                    tx.take().unwrap().try_send(7).unwrap();
                }
            }));
        });
        assert_eq!(rx.blocking_recv(), Some(7));
        crate::blocking::BEFORE_LOOK.with(|hook| hook.borrow_mut().take());
        assert_eq!(rx.parking_waits, 0);
    }

    /// A permit may be held for long: the receiver parks on its slot (registered, not woken
    /// by itself) and the permit's send wakes it.
    #[test]
    fn receiver_parks_on_a_held_permit_and_its_send_wakes_it() {
        let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
        let (count, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        let permit = futures::executor::block_on(tx.reserve()).unwrap();
        assert_eq!(rx.poll_recv(&mut cx), Poll::Pending);
        assert_eq!(count.0.load(Ordering::Relaxed), 0, "parked, no yield");
        assert!(tx.shared.rx_waker.may_need_wake(), "registered");
        permit.send(7);
        assert_eq!(
            count.0.load(Ordering::Relaxed),
            1,
            "woken by the permit's send"
        );
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(7)));
        // Given up instead of sent: the same wake-up, and the slot is stepped over.
        let permit = futures::executor::block_on(tx.reserve()).unwrap();
        assert_eq!(rx.poll_recv(&mut cx), Poll::Pending);
        drop(permit);
        assert_eq!(count.0.load(Ordering::Relaxed), 2, "woken by the give-up");
        tx.try_send(8).unwrap();
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(8)));
    }

    /// A mailbox of 64 slots (a run is at most 16 messages) whose receiver is mid-stream: it
    /// has just taken 4 messages at once.
    fn mid_stream() -> (super::Sender<u32>, super::Receiver<u32>, Arc<Count>, Waker) {
        let (tx, mut rx) = channel::<u32>(MailboxConfig {
            capacity: 64,
            ..MailboxConfig::default()
        });
        let (count, waker) = counting();
        for i in 0..4 {
            tx.try_send(i).unwrap();
        }
        let mut got = Vec::new();
        let mut cx = Context::from_waker(&waker);
        assert_eq!(rx.poll_recv_many(&mut cx, &mut got, 8), Poll::Ready(4));
        (tx, rx, count, waker)
    }

    /// Mid-stream, a receiver that finds fewer than a run of messages yields (wakes itself,
    /// registers nothing, takes nothing) and takes the run once it is there.
    #[test]
    fn mid_stream_receiver_waits_for_a_run() {
        let (tx, mut rx, count, waker) = mid_stream();
        let mut cx = Context::from_waker(&waker);
        let mut got = Vec::new();
        for i in 4..7 {
            tx.try_send(i).unwrap();
        }
        assert_eq!(rx.poll_recv_many(&mut cx, &mut got, 8), Poll::Pending);
        assert_eq!(count.0.load(Ordering::Relaxed), 1, "woke itself: a yield");
        assert!(!tx.shared.rx_waker.may_need_wake(), "nothing registered");
        assert!(got.is_empty(), "nothing taken while waiting");
        for i in 7..12 {
            tx.try_send(i).unwrap();
        }
        assert_eq!(rx.poll_recv_many(&mut cx, &mut got, 8), Poll::Ready(8));
        assert_eq!(got, (4..12).collect::<Vec<_>>());
    }

    /// The wait is bounded: after `RUN_WAIT_YIELDS` yields in a row the receiver takes what is
    /// there, and does not wait again: on empty it registers at once (a slow, steady stream
    /// does not keep it yielding wait after wait).
    #[test]
    fn the_wait_for_a_run_is_bounded() {
        let (tx, mut rx, count, waker) = mid_stream();
        let mut cx = Context::from_waker(&waker);
        let mut got = Vec::new();
        tx.try_send(4).unwrap();
        tx.try_send(5).unwrap();
        let mut yields = 0;
        let n = loop {
            match rx.poll_recv_many(&mut cx, &mut got, 8) {
                Poll::Ready(n) => break n,
                Poll::Pending => yields += 1,
            }
            assert!(yields <= usize::from(RUN_WAIT_YIELDS), "a bounded wait");
        };
        assert_eq!((n, yields), (2, usize::from(RUN_WAIT_YIELDS)));
        assert_eq!(got, [4, 5]);
        assert_eq!(
            count.0.load(Ordering::Relaxed),
            yields,
            "each wait woke itself"
        );
        // Empty now: the receiver registers at once, without a yield.
        let woken = count.0.load(Ordering::Relaxed);
        assert_eq!(rx.poll_recv_many(&mut cx, &mut got, 8), Poll::Pending);
        assert!(tx.shared.rx_waker.may_need_wake(), "registered");
        assert_eq!(count.0.load(Ordering::Relaxed), woken, "no yield");
        tx.try_send(6).unwrap();
        assert_eq!(
            count.0.load(Ordering::Relaxed),
            woken + 1,
            "the send woke it"
        );
    }

    /// A receive abandoned mid-wait (its future dropped after the yield, as a timeout or a
    /// `select!` branch that lost does) took nothing: the next receive gets every message, in
    /// order.
    #[test]
    fn a_receive_dropped_mid_wait_loses_nothing() {
        use core::future::Future;
        use core::pin::pin;
        let (tx, mut rx, _count, waker) = mid_stream();
        let mut cx = Context::from_waker(&waker);
        let mut got = Vec::new();
        tx.try_send(4).unwrap();
        tx.try_send(5).unwrap();
        {
            let recv = pin!(rx.recv_many(&mut got, 8));
            assert_eq!(recv.poll(&mut cx), Poll::Pending, "waiting for a run");
        }
        assert!(got.is_empty(), "nothing taken by the abandoned receive");
        tx.try_send(6).unwrap();
        let mut more = Vec::new();
        assert_eq!(rx.try_recv_many(&mut more, 8), Ok(3));
        assert_eq!(more, [4, 5, 6]);
    }

    /// Which of `waits` yields spin, and how many looks each spin takes, for a `Spin` whose
    /// look says yes at the looks in `hits` (counted from 1 over the whole sequence) and
    /// which is never out of time.
    fn spins(spin: &mut Spin, waits: usize, hits: &[usize]) -> (Vec<usize>, Vec<usize>) {
        let (mut spun, mut looks_per_spin, mut looks) = (Vec::new(), Vec::new(), 0);
        for wait in 0..waits {
            let before = looks;
            let saw = spin.until_or(
                || {
                    looks += 1;
                    hits.contains(&looks)
                },
                || false,
            );
            if looks > before {
                spun.push(wait);
                looks_per_spin.push(looks - before);
            }
            assert_eq!(saw, hits.contains(&looks) && looks > before);
        }
        (spun, looks_per_spin)
    }

    /// The spin before a wait's yield learns from its misses: each spin that does not see the
    /// run makes the next 2^misses - 1 yields skip theirs (1, 3, 7, ... up to 1023), so that
    /// where no other thread sends (a current-thread executor) it soon costs next to nothing.
    /// A spin looks `Backoff`'s eleven rounds, then gives up.
    #[test]
    #[cfg_attr(
        miri,
        ignore = "the spin's skip counting: no unsafe code (the blocking receives run Spin)"
    )]
    fn a_spin_that_misses_makes_the_next_waits_skip_theirs() {
        let mut spin = Spin::default();
        let (spun, looks) = spins(&mut spin, 4000, &[]);
        assert_eq!(
            spun,
            [0, 2, 6, 14, 30, 62, 126, 254, 510, 1022, 2046, 3070],
            "the skips double up to 1023"
        );
        assert!(looks.iter().all(|&n| n == 11), "{looks:?}");
    }

    /// A spin that sees the run stops looking at once and starts the learning over: the next
    /// yield spins first again, and so does every yield while the spins keep seeing runs.
    #[test]
    fn a_spin_that_sees_the_run_starts_over() {
        let mut spin = Spin::default();
        // Three misses (spins at waits 0, 2 and 6), then waits 7-14 skip; the spin at wait
        // 14 sees the run on its third look (look 33 + 3).
        let (spun, looks) = spins(&mut spin, 15, &[36]);
        assert_eq!(spun, [0, 2, 6, 14]);
        assert_eq!(looks, [11, 11, 11, 3]);
        // Started over: every yield spins while each sees the run at its first look.
        let (spun, looks) = spins(&mut spin, 4, &[1, 2, 3, 4]);
        assert_eq!(spun, [0, 1, 2, 3]);
        assert_eq!(looks, [1, 1, 1, 1]);
        // And one miss skips one wait again, not 15.
        let (spun, _) = spins(&mut spin, 4, &[]);
        assert_eq!(spun, [0, 2]);
    }

    /// A spin also ends when it is out of time (asked as it starts and after each look that
    /// saw nothing), and that counts as a miss.
    #[test]
    fn a_spin_out_of_time_stops_and_counts_as_a_miss() {
        let mut spin = Spin::default();
        let (mut looks, mut asked) = (0, 0);
        let saw = spin.until_or(
            || {
                looks += 1;
                false
            },
            || {
                asked += 1;
                asked == 4
            },
        );
        assert!(!saw);
        assert_eq!(
            (looks, asked),
            (3, 4),
            "asked at the start, stopped at the third look"
        );
        assert!(
            !spin.until_or(|| panic!("must not look"), || false),
            "a miss: the next yield skips its spin"
        );
    }

    /// A spin turned off never looks, and learns nothing meanwhile: turned on again, it spins
    /// at the next yield. `Receiver::set_spin_for_runs` is the switch.
    #[test]
    fn a_spin_turned_off_never_looks() {
        let (_tx, mut rx) = channel::<u32>(MailboxConfig::default());
        rx.set_spin_for_runs(false);
        let mut spin = Spin::default();
        spin.off = true;
        for _ in 0..100 {
            assert!(!spin.until_or(|| panic!("must not look"), || false));
        }
        spin.off = false;
        let mut looks = 0;
        assert!(spin.until_or(
            || {
                looks += 1;
                true
            },
            || false
        ));
        assert_eq!(looks, 1);
        assert!(!rx.spins_for_runs());
        rx.set_spin_for_runs(true);
        assert!(rx.spins_for_runs());
    }

    /// With `std` the spin's time bound is the clock's: looks that take longer than
    /// `SPIN_TIME_MAX` end the spin after the first.
    #[test]
    fn a_spin_stops_once_its_time_is_up() {
        let mut spin = Spin::default();
        let mut looks = 0;
        let saw = spin.until(|| {
            looks += 1;
            std::thread::sleep(SPIN_TIME_MAX * 2);
            false
        });
        assert!(!saw);
        assert_eq!(looks, 1);
    }

    /// A run of one (`recv`) is not waited for: mid-stream, an empty mailbox gets one yield
    /// and then the registration, as before runs were waited for.
    #[test]
    fn recv_yields_once_on_empty_mid_stream() {
        let (tx, mut rx, count, waker) = mid_stream();
        let mut cx = Context::from_waker(&waker);
        assert_eq!(rx.poll_recv(&mut cx), Poll::Pending);
        assert_eq!(count.0.load(Ordering::Relaxed), 1, "one yield");
        assert!(
            !tx.shared.rx_waker.may_need_wake(),
            "nothing registered yet"
        );
        assert_eq!(rx.poll_recv(&mut cx), Poll::Pending);
        assert_eq!(count.0.load(Ordering::Relaxed), 1, "no second yield");
        assert!(tx.shared.rx_waker.may_need_wake(), "registered");
    }

    /// The actor loop's receive (`poll_recv_many_now`) never waits for a run: mid-stream, it
    /// takes a short one at once.
    #[test]
    fn the_actor_loops_receive_takes_a_short_run_at_once() {
        let (tx, mut rx, count, waker) = mid_stream();
        let mut cx = Context::from_waker(&waker);
        let mut got = Vec::new();
        tx.try_send(4).unwrap();
        tx.try_send(5).unwrap();
        assert_eq!(rx.poll_recv_many_now(&mut cx, &mut got, 8), Poll::Ready(2));
        assert_eq!(got, [4, 5]);
        assert_eq!(count.0.load(Ordering::Relaxed), 0, "no yield");
    }

    /// The blocking receiver's spin never reads `tail` while the mailbox is open, so it would
    /// not see the closed bit: the flag set before every close (`Shared::close_ring`) makes it
    /// find the end on its first look rather than after its whole spin (15 spin hints and 4
    /// thread yields), for each way a mailbox closes.
    #[test]
    fn a_blocking_receive_sees_the_end_on_its_first_look() {
        let looks = |rx: &mut super::Receiver<u32>, out: &mut Vec<u32>| {
            crate::blocking::LOOKS.with(|l| l.set(0));
            let n = rx.blocking_recv_many(out, 8);
            (n, crate::blocking::LOOKS.with(|l| l.get()))
        };
        // The sender stays alive through the looks (but where its drop is the close), so
        // each close below is the only one.
        type Close = fn(&mut Option<super::Sender<u32>>, &mut super::Receiver<u32>);
        let closes: [(&str, Close); 3] = [
            ("last sender dropped", |tx, _| drop(tx.take())),
            ("sender's close", |tx, _| tx.as_ref().unwrap().close()),
            ("receiver's close", |_, rx| rx.close()),
        ];
        for (how, close) in closes {
            let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
            tx.try_send(1).unwrap();
            tx.try_send(2).unwrap();
            let mut tx = Some(tx);
            let mut out = Vec::new();
            close(&mut tx, &mut rx);
            let seen: Vec<_> = (0..3).map(|_| looks(&mut rx, &mut out)).collect();
            // (received, looks): what was accepted, then the end at once, on each call.
            assert_eq!(seen, [(2, 1), (0, 1), (0, 1)], "{how}");
            drop(tx);
            assert_eq!(out, [1, 2]);
        }
    }

    /// A blocking receive mid-stream (the last one took more than one message) waits for a
    /// run at its first look too, for its spin at most, and then takes what is there; one
    /// that took a single message, a receive of one, and any receive on one CPU take what is
    /// there at once.
    #[test]
    fn a_blocking_receive_mid_stream_waits_for_a_run_only_while_it_spins() {
        let looks = |rx: &mut super::Receiver<u32>, out: &mut Vec<u32>, limit: usize| {
            crate::blocking::LOOKS.with(|l| l.set(0));
            let n = rx.blocking_recv_many(out, limit);
            (n, crate::blocking::LOOKS.with(|l| l.get()))
        };
        // 64 slots: a run is 16 messages (a quarter of the ring, at most 16).
        let (tx, mut rx) = channel::<u32>(MailboxConfig {
            capacity: 64,
            ..MailboxConfig::default()
        });
        let mut out = Vec::new();
        let one_cpu = crate::sync::one_cpu();
        for i in 0..3 {
            tx.try_send(i).unwrap();
        }
        // Not mid-stream yet: all three on the first look.
        assert_eq!(looks(&mut rx, &mut out, 64), (3, 1));
        tx.try_send(3).unwrap();
        tx.try_send(4).unwrap();
        // Mid-stream: two is short of a run, so the first look passes them by, the spin waits
        // for more, and the first yield takes the two (on one CPU, the first look does).
        let (n, waited) = looks(&mut rx, &mut out, 64);
        assert_eq!(n, 2);
        if one_cpu {
            assert_eq!(waited, 1);
        } else {
            assert!(waited > 1, "mid-stream, the first look waits for a run");
        }
        // A run is there: taken on the first look, mid-stream as it is.
        for i in 5..25 {
            tx.try_send(i).unwrap();
        }
        assert_eq!(looks(&mut rx, &mut out, 64), (20, 1));
        // A run longer than the receive takes is not waited for: 4 of a limit of 4 at once.
        for i in 25..29 {
            tx.try_send(i).unwrap();
        }
        assert_eq!(looks(&mut rx, &mut out, 4), (4, 1));
        // A receive of one never waits for a run (`blocking_recv`'s limit), mid-stream as it
        // is; and having taken one message, the receiver is no longer mid-stream: the next
        // receive takes what is there at once.
        tx.try_send(29).unwrap();
        assert_eq!(looks(&mut rx, &mut out, 1), (1, 1));
        tx.try_send(30).unwrap();
        assert_eq!(looks(&mut rx, &mut out, 64), (1, 1));
        assert!(out.iter().copied().eq(0..31));
    }

    /// A receiver that is not mid-stream takes what is there at once, and a closed mailbox is
    /// drained at once even mid-stream.
    #[test]
    fn no_wait_when_idle_or_closed() {
        let (tx, mut rx) = channel::<u32>(MailboxConfig {
            capacity: 64,
            ..MailboxConfig::default()
        });
        let (_count, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        let mut got = Vec::new();
        tx.try_send(0).unwrap();
        assert_eq!(rx.poll_recv_many(&mut cx, &mut got, 8), Poll::Ready(1));
        let (tx, mut rx, _count, waker) = mid_stream();
        let mut cx = Context::from_waker(&waker);
        tx.try_send(4).unwrap();
        tx.try_send(5).unwrap();
        drop(tx);
        assert_eq!(rx.poll_recv_many(&mut cx, &mut got, 8), Poll::Ready(2));
        assert_eq!(rx.poll_recv_many(&mut cx, &mut got, 8), Poll::Ready(0));
        assert_eq!(got, [0, 4, 5]);
    }

    /// A single receive never waits for more than the one message it takes: mid-stream,
    /// `recv().now_or_never()` still gets a message that is there (a run of one), and
    /// `try_recv_many` takes what is there whatever the state.
    #[test]
    fn a_ready_message_is_never_missed_by_recv_or_try_recv_many() {
        use futures::FutureExt;
        let (tx, mut rx, _count, _waker) = mid_stream();
        tx.try_send(4).unwrap();
        assert_eq!(rx.recv().now_or_never(), Some(Some(4)));
        tx.try_send(5).unwrap();
        tx.try_send(6).unwrap();
        let mut got = Vec::new();
        assert_eq!(rx.try_recv_many(&mut got, 8), Ok(2));
        assert_eq!(got, [5, 6]);
        assert_eq!(rx.try_recv_many(&mut got, 0), Ok(0));
    }

    /// A `poll_reserve` that queues on a full mailbox, finds a slot on its re-check and then,
    /// leaving the wait list, drops the waker it had queued, whose drop panics (a waker's drop
    /// is user code). The unwinding gives the held claim up as SKIP; the receiver, parked on
    /// the empty mailbox meanwhile, must be woken to step over it, as a dropped permit wakes it.
    /// The slot is freed and the receiver parked from inside the waker's `clone` (which the
    /// wait list calls while queueing), the one point between queueing and the re-check that
    /// a single thread can reach.
    #[test]
    fn a_held_claim_given_up_by_a_panicking_waker_drop_wakes_the_receiver() {
        use core::cell::RefCell;
        use core::task::{RawWaker, RawWakerVTable};
        use std::boxed::Box;
        use std::rc::Rc;

        std::thread_local! {
            /// Run by the first clone of the hooked waker.
            static ON_CLONE: RefCell<Option<Box<dyn FnOnce()>>> = RefCell::new(None);
        }
        fn clone(data: *const ()) -> RawWaker {
            if let Some(hook) = ON_CLONE.with(|h| h.borrow_mut().take()) {
                hook();
            }
            RawWaker::new(data, &CLONED)
        }
        fn noop(_: *const ()) {}
        fn drop_panics(_: *const ()) {
            if !std::thread::panicking() {
                panic!("a waker's drop panicked");
            }
        }
        static ORIGINAL: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);
        static CLONED: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, drop_panics);

        let config = MailboxConfig {
            capacity: 1,
            ..Default::default()
        };
        let (mut tx, rx) = channel::<u32>(config);
        assert!(tx.try_send(0).is_ok());
        let rx = Rc::new(RefCell::new(rx));
        let (count, rx_waker) = counting();
        {
            let (rx, rx_waker, count) = (rx.clone(), rx_waker.clone(), count.clone());
            let hook: Box<dyn FnOnce()> = Box::new(move || {
                let mut rx = rx.borrow_mut();
                assert_eq!(rx.try_recv(), Ok(0)); // frees the slot
                let mut cx = Context::from_waker(&rx_waker);
                assert_eq!(rx.poll_recv(&mut cx), Poll::Pending);
                assert_eq!(
                    count.0.load(Ordering::Relaxed),
                    0,
                    "registered, not yielded"
                );
            });
            ON_CLONE.with(|h| *h.borrow_mut() = Some(hook));
        }
        // SAFETY: the vtable's functions keep `RawWaker`'s contract (the data pointer is
        // never dereferenced).
        let hooked = unsafe { Waker::from_raw(RawWaker::new(core::ptr::null(), &ORIGINAL)) };
        let reserved = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut cx = Context::from_waker(&hooked);
            tx.poll_reserve(&mut cx).is_ready()
        }));
        assert!(reserved.is_err(), "the queued waker's drop panicked");
        assert_eq!(
            count.0.load(Ordering::Relaxed),
            1,
            "the receiver parked on the given-up slot was woken"
        );
        let mut rx = rx.borrow_mut();
        let mut cx = Context::from_waker(&rx_waker);
        assert_eq!(
            rx.poll_recv(&mut cx),
            Poll::Pending,
            "the SKIP is stepped over"
        );
        assert!(tx.try_send(1).is_ok());
        assert_eq!(rx.try_recv(), Ok(1));
        // The given-up claim was never a message: the statistics count the two sent, both
        // received, nothing discarded.
        let stats = rx.stats();
        assert_eq!(
            (stats.accepted, stats.received, stats.discarded),
            (2, 2, 0),
            "{stats:?}"
        );
    }
}
