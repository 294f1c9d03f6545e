//! crossfire 3.x's test suite (`test-suite/src/test_async.rs`, `test_async_blocking.rs`,
//! `test_blocking_async.rs`, `test_blocking_context.rs`), ported to the mailbox as an
//! independent check: its bounded MPSC scenarios, which mix async and blocking sides, timed
//! sends and receives, drops and many senders. One section per source file; each test names
//! the crossfire test it comes from. crossfire runs each test over its `spsc`, `mpsc` and
//! `mpmc` flavours and several capacities and sender counts (rstest `#[case]`s); here one
//! test loops over the capacities and sender counts of its source's single-receiver cases.
//! The code is ours, written against ryker's API. Small ports of one source run inside another
//! test of it (a plain `fn`, called at the end of the `#[test]`): each test costs Miri a fixed
//! tenth of a second or so, and this file must stay within its Miri budget.
//!
//! crossfire runs its async sides as tokio tasks. ryker-core's tests have no runtime: an async
//! side here is a future under `futures::executor::block_on` on a thread of its own, and many
//! async senders are many futures polled together on a few threads (`join_all`), as a
//! runtime's workers poll many tasks. crossfire's async `sleep`, and the timers its timed calls
//! race, are a small timer thread of this file's own ([`Timers`]); the blocking timed calls are
//! ryker's own `blocking_send_timeout` and `blocking_recv_timeout`. crossfire's message counts
//! (`ROUND` = 10,000 per sender, up to 1,000 senders) are smaller here, so that the file runs
//! in a few seconds on two cores, and smaller again under Miri.
//!
//! Where ryker deliberately differs, the test asserts what the mailbox does and says why:
//! * dropping the receiver drops the messages still queued (crossfire drops them with the
//!   channel's last handle): the drop-count tests count them at the receiver's drop;
//! * crossfire's `is_full` is `len() == capacity()` here, `is_disconnected` is `is_closed`,
//!   `get_tx_count` is `strong_count`/`sender_strong_count` (there is one receiver, so no
//!   `get_rx_count`), `TrySendError::Full`/`Disconnected` are `Busy`/`Closed`, and a receive
//!   at the end answers `None` (`TryRecvError::Closed`) where crossfire answers `RecvError`.
//!
//! Not ported, and why:
//! - Several receivers: the `mpmc` cases of every test, and the tests that exist only for them
//!   (`test_pressure_bounded_async_multi`, `test_pressure_stream_multi`,
//!   `test_pressure_stream_multi_idle`, `test_pressure_multi_tx_async_multi_rx_blocking`,
//!   `test_pressure_tx_multi_blocking_multi_rx_async`, `test_pressure_bounded_blocking_multi`):
//!   the mailbox has one receiver. `test_pressure_bounded_timeout_async`/`_blocking` (three
//!   senders, two receivers) and `test_pressure_bounded_mixed_async_blocking_conversion` (an
//!   async and a blocking receiver) run with their senders and one receiver, which
//!   alternates the receive kinds where the source had one receiver of each. The timeout
//!   tests also get a sender without a deadline (see `timed_pressure`).
//! - Unbounded channels: every `test_basic_unbounded_*` test and the `unbounded_*` cases of
//!   the others: ryker is bounded only.
//! - Flavour conversions (`test_conversion`, the `MTx` to `Tx` and `AsyncRx` to `AsyncStream`
//!   `into`s) and `test_basic_compile_bounded_empty_full` (the `mpmc` flavour's copy of
//!   `test_basic_bounded_empty_full_drop_rx`): ryker has one sender type and one receiver
//!   type, used from async and blocking code alike.
//! - `get_wakers_count` (in `test_basic_timeout_recv_async_waker`,
//!   `test_basic_send_timeout_async`, the timeout pressure tests): no such API. What it checks,
//!   that timed-out waits leave no wakers behind, is ported with counting wakers in
//!   `timed_out_receives_leave_at_most_one_waker` and `timed_out_sends_leave_no_waker`.
//! - `test_sync`'s compile-fail comments (an `Arc` of an `spsc` half must not compile): no
//!   `spsc` flavour; the halves' `Send`/`Sync` are asserted instead. Its `select!` loop is
//!   ported with `recv_before`.
//! - `test-suite/src/test_oneshot.rs`: ryker's oneshot (`ryker_core::oneshot`, which carries
//!   `Addr::ask`'s reply) is crate-private, so no test outside the crate can reach it; the
//!   ask tests and the loom ask models cover it through `Addr::ask`.
//! - `test_select_async.rs`, `test_select_blocking.rs` (no `select` in ryker),
//!   `test_waitgroup.rs` (no wait group), `test_type_switch.rs` (flavour switching).

mod common;

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use common::{
    amnesia_modes, ms, pause, pick, poll_once, with_capacity as config, CountingWaker, Tracked,
};
use futures::executor::block_on;
use futures::future::{join_all, BoxFuture};
use futures::FutureExt;
use ryker_core::error::{
    RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
use ryker_core::mailbox::{channel, MailboxConfig, Receiver, Sender, Sent};

/// `full` natively, `miri` under Miri: the capacities and sender counts a test loops over.
fn cases<T>(full: &'static [T], miri: &'static [T]) -> &'static [T] {
    if cfg!(miri) {
        miri
    } else {
        full
    }
}

/// A bound for a timed call that must not wait at all (it must answer `Closed` at once): long
/// enough that a loaded machine never reaches it, so a wrong wait shows as a `Timeout` answer,
/// not as a timing assertion.
const NO_WAIT: Duration = Duration::from_secs(60);

/// A timer thread: the async sides' `sleep` and the deadlines of their timed calls (ryker-core
/// has no clock; `send_before`/`recv_before` take the caller's timer future). One thread
/// serves every sleep of a test, so thousands of tasks can sleep at once.
#[derive(Clone)]
struct Timers(Arc<TimerShared>);

struct TimerShared {
    queue: Mutex<TimerQueue>,
    changed: Condvar,
}

#[derive(Default)]
struct TimerQueue {
    due: Vec<Arc<SleepState>>,
    stop: bool,
}

struct SleepState {
    at: Instant,
    fired: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl SleepState {
    fn fire(&self) {
        self.fired.store(true, Ordering::SeqCst);
        if let Some(waker) = self.waker.lock().unwrap().take() {
            waker.wake();
        }
    }

    fn is_due(&self) -> bool {
        self.fired.load(Ordering::SeqCst) || Instant::now() >= self.at
    }
}

/// Stops the timer thread when the test's body ends, panicking or not (the scope joins it).
struct StopTimers<'a>(&'a Timers);

impl Drop for StopTimers<'_> {
    fn drop(&mut self) {
        self.0 .0.queue.lock().unwrap().stop = true;
        self.0 .0.changed.notify_all();
    }
}

impl Timers {
    /// Runs `body` with a timer thread, joined before this returns (Miri insists that no
    /// thread outlives the test).
    fn run<R>(body: impl FnOnce(&Timers) -> R) -> R {
        let timers = Timers(Arc::new(TimerShared {
            queue: Mutex::new(TimerQueue::default()),
            changed: Condvar::new(),
        }));
        thread::scope(|s| {
            s.spawn(|| timers.serve());
            let _stop = StopTimers(&timers);
            body(&timers)
        })
    }

    fn serve(&self) {
        let mut queue = self.0.queue.lock().unwrap();
        loop {
            if queue.stop {
                return;
            }
            let now = Instant::now();
            let mut i = 0;
            while i < queue.due.len() {
                if queue.due[i].at <= now {
                    queue.due.swap_remove(i).fire();
                } else {
                    i += 1;
                }
            }
            queue = match queue.due.iter().map(|s| s.at).min() {
                Some(at) => {
                    let wait = at.saturating_duration_since(now);
                    self.0.changed.wait_timeout(queue, wait).unwrap().0
                }
                None => self.0.changed.wait(queue).unwrap(),
            };
        }
    }

    /// A future that completes `d` from now (crossfire's `sleep`).
    fn sleep(&self, d: Duration) -> Sleep {
        Sleep {
            state: Arc::new(SleepState {
                at: Instant::now() + d,
                fired: AtomicBool::new(false),
                waker: Mutex::new(None),
            }),
            timers: self.clone(),
            queued: false,
        }
    }
}

struct Sleep {
    state: Arc<SleepState>,
    timers: Timers,
    queued: bool,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.state.is_due() {
            return Poll::Ready(());
        }
        *self.state.waker.lock().unwrap() = Some(cx.waker().clone());
        if !self.queued {
            self.queued = true;
            let shared = &self.timers.0;
            shared.queue.lock().unwrap().due.push(self.state.clone());
            shared.changed.notify_all();
        }
        // Again after the waker is stored: a fire in between set `fired` first.
        if self.state.is_due() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if self.queued {
            let state = &self.state;
            let mut queue = self.timers.0.queue.lock().unwrap();
            queue.due.retain(|s| !Arc::ptr_eq(s, state));
        }
    }
}

/// Polls `tasks` together on `workers` threads of `s`, each thread `block_on(join_all(..))`
/// over its share (dealt round-robin): many async tasks on a few threads, as a runtime's
/// workers run them.
fn spawn_tasks<'scope>(
    s: &'scope thread::Scope<'scope, '_>,
    workers: usize,
    tasks: Vec<BoxFuture<'scope, ()>>,
) {
    let mut shares: Vec<Vec<BoxFuture<'scope, ()>>> = (0..workers).map(|_| Vec::new()).collect();
    for (k, task) in tasks.into_iter().enumerate() {
        shares[k % workers].push(task);
    }
    for share in shares.into_iter().filter(|share| !share.is_empty()) {
        s.spawn(move || {
            block_on(join_all(share));
        });
    }
}

/// Checks exactly-once, in-order delivery of `(sender, sequence)` messages.
struct InOrder(Vec<usize>);

impl InOrder {
    fn new(senders: usize) -> Self {
        InOrder(vec![0; senders])
    }

    fn take(&mut self, (sender, seq): (usize, usize)) {
        assert_eq!(
            seq, self.0[sender],
            "sender {sender}: lost, repeated or reordered"
        );
        self.0[sender] += 1;
    }

    fn assert_all(&self, per_sender: usize) {
        assert!(
            self.0.iter().all(|&n| n == per_sender),
            "received per sender: {:?}, sent {per_sender} each",
            self.0
        );
    }
}

/// How one side of a test sends or receives: crossfire's `AsyncTx`/`AsyncRx` or `Tx`/`Rx`.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Side {
    Async,
    Blocking,
}

fn send_as<T>(tx: &Sender<T>, side: Side, msg: T) -> Result<Sent, SendError<T>> {
    match side {
        Side::Async => block_on(tx.send(msg)),
        Side::Blocking => tx.blocking_send(msg),
    }
}

fn recv_as<T>(rx: &mut Receiver<T>, side: Side) -> Option<T> {
    match side {
        Side::Async => block_on(rx.recv()),
        Side::Blocking => rx.blocking_recv(),
    }
}

/// crossfire's `test_basic_bounded_empty_full_drop_rx` for a sender of kind `tx_side`: a
/// mailbox of one slot is empty, then full; the receiver's drop closes it, and every send
/// kind is then refused with the message handed back, without waiting.
fn empty_full_then_receiver_drop(tx_side: Side) {
    let (tx, rx) = channel::<usize>(config(1));
    assert!(tx.is_empty() && rx.is_empty());
    assert_eq!((tx.capacity(), rx.capacity()), (1, 1));
    tx.try_send(1).unwrap();
    assert_eq!(tx.len(), tx.capacity(), "full");
    assert_eq!(rx.len(), rx.capacity(), "full");
    assert!(!tx.is_empty());
    assert!(!tx.is_closed() && !rx.is_closed());
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.strong_count(), 1);
    assert_eq!(tx.try_send(2), Err(TrySendError::Closed(2)));
    assert_eq!(send_as(&tx, tx_side, 2), Err(SendError::Closed(2)));
    let timed = match tx_side {
        Side::Async => block_on(tx.send_before(3, std::future::pending::<()>())),
        Side::Blocking => tx.blocking_send_timeout(3, NO_WAIT),
    };
    assert_eq!(timed, Err(SendTimeoutError::Closed(3)));
}

/// crossfire's `test_basic_bounded_empty_full_drop_tx` for a receiver of kind `rx_side`: the
/// last sender's drop closes the mailbox; the message queued is still received, then the end,
/// by every receive kind, without waiting.
fn empty_full_then_sender_drop(rx_side: Side) {
    let (tx, mut rx) = channel::<usize>(config(1));
    assert!(tx.is_empty() && rx.is_empty());
    tx.try_send(1).unwrap();
    assert_eq!(rx.len(), rx.capacity(), "full");
    assert!(!rx.is_closed());
    drop(tx);
    assert!(rx.is_closed());
    assert_eq!(rx.sender_strong_count(), 0);
    assert_eq!(recv_as(&mut rx, rx_side), Some(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(recv_as(&mut rx, rx_side), None);
    let timed = match rx_side {
        Side::Async => block_on(rx.recv_before(std::future::pending::<()>())),
        Side::Blocking => rx.blocking_recv_timeout(NO_WAIT),
    };
    assert_eq!(timed, Err(RecvTimeoutError::Closed));
}

/// crossfire's `test_basic_bounded_1_thread` (and `test_basic_1_tx_blocking_1_rx_async`):
/// ten messages fill a mailbox of ten slots and an eleventh is refused; a receiver of kind
/// `rx_side` then takes 0 to 11 in order, while a sender of kind `tx_side` sends 10 (which
/// waits for a slot) and, after a pause, 11; then the end.
fn fill_then_send_past_full(tx_side: Side, rx_side: Side) {
    let (tx, mut rx) = channel::<usize>(config(10));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    for i in 0..10 {
        match tx_side {
            Side::Async => tx.try_send(i).unwrap(),
            Side::Blocking => tx.blocking_send(i).unwrap(),
        };
    }
    assert_eq!(tx.try_send(11), Err(TrySendError::Busy(11)));
    thread::scope(|s| {
        s.spawn(move || {
            for i in 0..12 {
                assert_eq!(recv_as(&mut rx, rx_side), Some(i));
            }
            assert_eq!(recv_as(&mut rx, rx_side), None);
        });
        send_as(&tx, tx_side, 10).unwrap();
        pause();
        send_as(&tx, tx_side, 11).unwrap();
        drop(tx);
    });
}

/// crossfire's `test_basic_bounded_recv_after_sender_close` (and
/// `test_basic_recv_after_sender_close`): five messages in ten slots, the sender dropped; the
/// receiver gets all five, then the end.
fn recv_after_sender_close(rx_side: Side) {
    let (tx, mut rx) = channel::<i32>(config(10));
    for i in 0..5 {
        tx.try_send(i).unwrap();
    }
    drop(tx);
    let mut received = 0;
    while recv_as(&mut rx, rx_side).is_some() {
        received += 1;
    }
    assert_eq!(received, 5);
}

/// crossfire's `test_pressure_*_1_1`, `test_pressure_1_tx_*_1_rx_*`: `count` messages through
/// a mailbox of each capacity from one sender of kind `tx_side` to a receiver of kind
/// `rx_side`, received in order, then the end.
fn one_to_one(capacities: &[usize], count: usize, tx_side: Side, rx_side: Side) {
    for &capacity in capacities {
        let (tx, mut rx) = channel::<usize>(config(capacity));
        thread::scope(|s| {
            s.spawn(move || {
                for i in 0..count {
                    send_as(&tx, tx_side, i).unwrap();
                }
            });
            for i in 0..count {
                assert_eq!(recv_as(&mut rx, rx_side), Some(i), "capacity {capacity}");
            }
            assert_eq!(recv_as(&mut rx, rx_side), None);
        });
    }
}

/// crossfire's `test_pressure_*_multi_1`, `test_pressure_multi_tx_*_1_rx_*`: for each
/// `(capacity, senders)`, `senders` senders of kind `tx_side` (async ones as tasks on two
/// threads, blocking ones on a thread each) send `per_sender` messages each to a receiver of
/// kind `rx_side`: exactly once, in each sender's order, then the end.
fn many_to_one(cases: &[(usize, usize)], per_sender: usize, tx_side: Side, rx_side: Side) {
    for &(capacity, senders) in cases {
        let (tx, mut rx) = channel::<(usize, usize)>(config(capacity));
        thread::scope(|s| {
            match tx_side {
                Side::Async => {
                    let tasks = (0..senders)
                        .map(|k| {
                            let tx = tx.clone();
                            async move {
                                for i in 0..per_sender {
                                    tx.send((k, i)).await.unwrap();
                                }
                            }
                            .boxed()
                        })
                        .collect();
                    spawn_tasks(s, 2, tasks);
                }
                Side::Blocking => {
                    for k in 0..senders {
                        let tx = tx.clone();
                        s.spawn(move || {
                            for i in 0..per_sender {
                                tx.blocking_send((k, i)).unwrap();
                            }
                        });
                    }
                }
            }
            drop(tx);
            let mut order = InOrder::new(senders);
            while let Some(msg) = recv_as(&mut rx, rx_side) {
                order.take(msg);
            }
            order.assert_all(per_sender);
        });
    }
}

/// A message for the drop-count tests: its id, and a count of drops shared by the test.
trait Msg: Send + 'static {
    fn new(id: usize, drops: &Arc<AtomicUsize>) -> Self;
    fn id(&self) -> usize;
}

/// crossfire's `SmallMsg`.
impl Msg for Tracked {
    fn new(id: usize, drops: &Arc<AtomicUsize>) -> Self {
        Tracked {
            id: id as u64,
            drops: drops.clone(),
        }
    }

    fn id(&self) -> usize {
        self.id as usize
    }
}

/// crossfire's `LargeMsg`: four words of payload, all the id, and the drop count.
struct Large {
    words: [usize; 4],
    _counted: Tracked,
}

impl Msg for Large {
    fn new(id: usize, drops: &Arc<AtomicUsize>) -> Self {
        Large {
            words: [id; 4],
            _counted: <Tracked as Msg>::new(id, drops),
        }
    }

    fn id(&self) -> usize {
        assert!(
            self.words.iter().all(|&w| w == self.words[0]),
            "payload torn"
        );
        self.words[0]
    }
}

/// crossfire's `_test_async_drop_msg` / `_test_drop_msg` ("make sure we have correctly use of
/// maybeuninit"), with both sides of kind `side`: every message is dropped exactly once,
/// whether refused, received, queued at the receiver's drop, or refused after it; with and
/// without amnesia (slots wiped after use). Capacities 1 and 10, as crossfire's cases; under
/// Miri 2 alone (a slot that frees up and one that stays queued, each way).
fn drop_counts<M: Msg>(side: Side) {
    for &capacity in cases(&[1, 10], &[2]) {
        for &amnesia in amnesia_modes() {
            let drops = Arc::new(AtomicUsize::new(0));
            let count = || drops.load(Ordering::SeqCst);
            let (tx, mut rx) = channel::<M>(MailboxConfig {
                capacity,
                amnesia,
                ..MailboxConfig::default()
            });
            for i in 0..capacity {
                tx.try_send(M::new(i, &drops)).unwrap();
            }
            assert_eq!(count(), 0);
            match tx.try_send(M::new(capacity, &drops)) {
                Err(TrySendError::Busy(msg)) => {
                    assert_eq!(msg.id(), capacity);
                    assert_eq!(count(), 0);
                    drop(msg);
                    assert_eq!(count(), 1);
                }
                other => panic!("a full mailbox answered {:?}", other.map_err(drop)),
            }
            thread::scope(|s| {
                let receiver = s.spawn(move || {
                    let msg = recv_as(&mut rx, side).unwrap();
                    assert_eq!(msg.id(), 0);
                    drop(msg);
                    rx
                });
                // Waits for the slot that the receiver frees.
                send_as(&tx, side, M::new(capacity, &drops)).unwrap();
                let rx = receiver.join().unwrap();
                assert_eq!(count(), 2);
                // Differs from crossfire: the receiver's drop drops the `capacity` messages
                // still queued (crossfire keeps them until the channel's last handle goes).
                drop(rx);
            });
            assert_eq!(count(), 2 + capacity);
            match tx.try_send(M::new(capacity + 1, &drops)) {
                Err(TrySendError::Closed(msg)) => assert_eq!(msg.id(), capacity + 1),
                other => panic!("a closed mailbox answered {:?}", other.map_err(drop)),
            }
            match send_as(&tx, side, M::new(capacity + 2, &drops)) {
                Err(SendError::Closed(msg)) => assert_eq!(msg.id(), capacity + 2),
                other => panic!("a closed mailbox answered {:?}", other.map_err(drop)),
            }
            assert_eq!(count(), 4 + capacity);
            drop(tx);
            assert_eq!(count(), 4 + capacity, "every message dropped exactly once");
        }
    }
}

/// crossfire's `test_pressure_bounded_timeout_*`: three senders retry a timed send (1 ms)
/// until it goes through, pausing 1 or 3 ms before each message; one receiver takes with a
/// timed receive (1 or 2 ms), pausing now and then. Every message arrives exactly once, in
/// each sender's order, however many sends and receives time out. `send` and `recv` are the
/// timed calls of the side under test, `untimed` its plain send; `nap` the pause.
///
/// Added to crossfire's: a fourth sender sends the same way without a deadline. A timed-out
/// send passes on a wake-up it had received (documented on `Sender::send`); if one were lost,
/// the timed senders' retries would hide it until they are done, and then the fourth would
/// wait with its message for a slot that is free. The receiver fails the test after 30 s
/// without a message (a must-not-hang bound, far above any wait here).
fn timed_pressure<S, U, R>(
    per_sender: usize,
    send: S,
    untimed: U,
    recv: R,
    nap: &(dyn Fn(Duration) + Sync),
) where
    S: Fn(
            &Sender<(usize, usize)>,
            (usize, usize),
        ) -> Result<Sent, SendTimeoutError<(usize, usize)>>
        + Sync,
    U: Fn(&Sender<(usize, usize)>, (usize, usize)) -> Result<Sent, SendError<(usize, usize)>>
        + Sync,
    R: Fn(&mut Receiver<(usize, usize)>, Duration) -> Result<(usize, usize), RecvTimeoutError>,
{
    const TIMED: usize = 3;
    const STUCK: Duration = Duration::from_secs(30);
    let (tx, mut rx) = channel::<(usize, usize)>(config(1));
    assert_eq!(recv(&mut rx, ms(1)), Err(RecvTimeoutError::Timeout));
    let (send, untimed) = (&send, &untimed);
    thread::scope(|s| {
        for k in 0..=TIMED {
            let tx = tx.clone();
            s.spawn(move || {
                // crossfire's staggered start.
                nap(ms(k as u64 & 3));
                for i in 0..per_sender {
                    nap(ms(if i & 2 == 0 { 3 } else { 1 }));
                    if k == TIMED {
                        untimed(&tx, (k, i)).unwrap();
                        continue;
                    }
                    loop {
                        match send(&tx, (k, i)) {
                            Ok(_) => break,
                            Err(SendTimeoutError::Timeout(back)) => {
                                assert_eq!(back, (k, i), "the timed-out message comes back");
                            }
                            Err(err) => panic!("sender {k}: {err:?}"),
                        }
                    }
                }
            });
        }
        drop(tx);
        let mut order = InOrder::new(TIMED + 1);
        let mut last = Instant::now();
        for step in 1usize.. {
            if step & 2 != 0 {
                nap(ms(1));
            }
            let timeout = ms(if step & 2 == 0 { 1 } else { 2 });
            match recv(&mut rx, timeout) {
                Ok(msg) => {
                    order.take(msg);
                    last = Instant::now();
                }
                Err(RecvTimeoutError::Timeout) => {
                    assert!(
                        last.elapsed() < STUCK,
                        "no message for {STUCK:?}: a sender is stuck ({:?} received)",
                        order.0
                    );
                }
                Err(err) => {
                    assert_eq!(err, RecvTimeoutError::Closed);
                    break;
                }
            }
        }
        order.assert_all(per_sender);
    });
}

mod test_async {
    //! crossfire `test-suite/src/test_async.rs`: async senders and receivers.
    use super::*;

    // crossfire test_async.rs `test_basic_bounded_empty_full_drop_rx`, and
    // `test_basic_bounded_rx_drop`
    #[test]
    fn empty_full_drop_rx() {
        empty_full_then_receiver_drop(Side::Async);
        rx_drop();
        empty_full_drop_tx();
    }

    // crossfire test_async.rs `test_basic_bounded_rx_drop`: messages queued, the receiver
    // dropped; the next async send is refused with its message
    fn rx_drop() {
        let (tx, rx) = channel::<usize>(config(100));
        block_on(async {
            for i in 1..4 {
                tx.send(i).await.unwrap();
            }
        });
        drop(rx);
        assert_eq!(block_on(tx.send(4)), Err(SendError::Closed(4)));
    }

    // crossfire test_async.rs `test_basic_bounded_empty_full_drop_tx`
    fn empty_full_drop_tx() {
        empty_full_then_sender_drop(Side::Async);
    }

    // crossfire test_async.rs `test_sync`: the halves move to other threads and tasks (its
    // commented-out compile failures are about `spsc` halves, which ryker has none of), and
    // its loop that races each receive against a tick (`select!` on `sleep` and `recv`) while
    // a sender sends every other tick, until the receiver is dropped
    #[test]
    fn sync_and_ticking_receive() {
        fn send_sync<T: Send + Sync>() {}
        fn send<T: Send>() {}
        send_sync::<Sender<usize>>();
        send::<Receiver<usize>>();

        let (tx, mut rx) = channel::<usize>(config(100));
        let ticks = pick(10, 4);
        Timers::run(|timers| {
            thread::scope(|s| {
                let sender = s.spawn(move || {
                    block_on(async {
                        for i in 1.. {
                            timers.sleep(ms(4)).await;
                            if let Err(SendError::Closed(back)) = tx.send(i).await {
                                return (i, back);
                            }
                        }
                        unreachable!()
                    })
                });
                let mut last = 0;
                block_on(async {
                    for _ in 0..ticks {
                        match rx.recv_before(timers.sleep(ms(2))).await {
                            Ok(i) => {
                                assert_eq!(i, last + 1, "in order, none lost");
                                last = i;
                            }
                            Err(RecvTimeoutError::Timeout) => {}
                            Err(err) => panic!("{err:?} while a sender lives"),
                        }
                    }
                });
                drop(rx);
                let (refused, back) = sender.join().unwrap();
                assert_eq!(refused, back, "the refused message comes back");
                assert!(refused > last);
            });
        });
    }

    // crossfire test_async.rs `test_basic_bounded_1_thread`, and
    // `test_basic_bounded_recv_after_sender_close`
    #[test]
    fn bounded_1_thread() {
        fill_then_send_past_full(Side::Async, Side::Async);
        recv_after_sender_close(Side::Async);
    }

    // crossfire test_async.rs `test_basic_timeout_recv_async_waker`: many receives that time
    // out leave at most one waker behind (crossfire: `get_wakers_count() <= 1`), and a
    // message sent afterwards is received
    #[test]
    fn timed_out_receives_leave_at_most_one_waker() {
        let (tx, mut rx) = channel::<usize>(config(100));
        // Deadlines that have come: each receive registers its waker, then times out.
        let mut counts = Vec::new();
        for _ in 0..pick(1000, 10) {
            let (count, waker) = CountingWaker::new();
            let receive = pin!(rx.recv_before(std::future::ready(())));
            assert_eq!(
                poll_once(receive, &waker),
                Poll::Ready(Err(RecvTimeoutError::Timeout))
            );
            counts.push(count);
        }
        // Deadlines on the timer thread, as crossfire's `recv_with_timer(sleep(1 ms))`.
        Timers::run(|timers| {
            for _ in 0..pick(20, 2) {
                let timed = block_on(rx.recv_before(timers.sleep(ms(1))));
                assert_eq!(timed, Err(RecvTimeoutError::Timeout));
            }
        });
        tx.try_send(1).unwrap();
        let woken: usize = counts.iter().map(|c| c.count()).sum();
        assert!(woken <= 1, "{woken} stale wakers woken by one send");
        assert_eq!(block_on(rx.recv()), Some(1));
    }

    // crossfire test_async.rs `test_basic_send_timeout_async`: a timed send into a full
    // mailbox times out with its message; retried while a slow receiver drains, it goes
    // through, never refused as closed; the receiver gets every message once
    #[test]
    fn send_timeout() {
        // Ten slots, as crossfire's; two under Miri, where each slot costs a timed receive.
        let capacity = pick(10, 2);
        let (tx, mut rx) = channel::<usize>(config(capacity));
        for i in 0..capacity {
            tx.try_send(i).unwrap();
        }
        Timers::run(|timers| {
            let timed = block_on(tx.send_before(11, timers.sleep(ms(1))));
            assert_eq!(timed, Err(SendTimeoutError::Timeout(11)));
            thread::scope(|s| {
                let receiver = s.spawn(move || {
                    block_on(async {
                        let mut got = Vec::new();
                        loop {
                            timers.sleep(ms(2)).await;
                            match rx.recv().await {
                                Some(i) => got.push(i),
                                None => return got,
                            }
                        }
                    })
                });
                loop {
                    match block_on(tx.send_before(11, timers.sleep(ms(1)))) {
                        Ok(_) => break,
                        Err(SendTimeoutError::Timeout(back)) => assert_eq!(back, 11),
                        Err(err) => panic!("{err:?}"),
                    }
                }
                drop(tx);
                let got = receiver.join().unwrap();
                let sent: Vec<usize> = (0..capacity).chain([11]).collect();
                assert_eq!(got, sent);
            });
        });
        timed_out_sends_leave_no_waker();
    }

    // crossfire test_async.rs `test_basic_send_timeout_async`'s waker count (crossfire:
    // `tx_wakers <= 1`): sends into a full mailbox that time out give their places up, so
    // the slot freed afterwards wakes none of them, and is free for the next send
    fn timed_out_sends_leave_no_waker() {
        let (tx, mut rx) = channel::<usize>(config(1));
        tx.try_send(0).unwrap();
        let mut counts = Vec::new();
        for i in 1..=pick(1000, 10) {
            let (count, waker) = CountingWaker::new();
            let send = pin!(tx.send_before(i, std::future::ready(())));
            assert_eq!(
                poll_once(send, &waker),
                Poll::Ready(Err(SendTimeoutError::Timeout(i)))
            );
            counts.push(count);
        }
        assert_eq!(rx.try_recv(), Ok(0));
        let woken: usize = counts.iter().map(|c| c.count()).sum();
        assert_eq!(woken, 0, "senders that gave up were woken");
        assert_eq!(tx.try_send(1), Ok(Sent::Queued));
    }

    // crossfire test_async.rs `test_pressure_bounded_timeout_async` (one receiver here, not
    // two: see the header; and a fourth sender, without a deadline: see `timed_pressure`)
    #[test]
    fn pressure_bounded_timeout_async() {
        Timers::run(|timers| {
            timed_pressure(
                pick(100, 1),
                |tx, msg| block_on(tx.send_before(msg, timers.sleep(ms(1)))),
                |tx, msg| block_on(tx.send(msg)),
                |rx, timeout| block_on(rx.recv_before(timers.sleep(timeout))),
                &|d: Duration| block_on(timers.sleep(d)),
            );
        });
    }

    // crossfire test_async.rs `test_pressure_bounded_async_1_1`
    #[test]
    fn pressure_bounded_async_1_1() {
        let capacities = cases(&[1, 10, 100, 300], &[1]);
        one_to_one(capacities, pick(10_000, 8), Side::Async, Side::Async);
    }

    // crossfire test_async.rs `test_pressure_bounded_async_multi_1`: up to 300 async senders
    // (tasks) into one async receiver
    #[test]
    fn pressure_bounded_async_multi_1() {
        let cases = cases(
            &[
                (1, 5),
                (1, 100),
                (1, 300),
                (10, 5),
                (10, 100),
                (10, 300),
                (100, 10),
                (100, 100),
                (100, 300),
            ],
            &[(1, 3)],
        );
        many_to_one(cases, pick(100, 2), Side::Async, Side::Async);
    }

    // crossfire test_async.rs `test_pressure_bounded_mixed_async_blocking_conversion`: an
    // async and a blocking sender; one receiver that alternates `recv().await` and
    // `blocking_recv` (crossfire: an async and a blocking receiver)
    #[test]
    fn pressure_bounded_mixed_async_blocking() {
        let per_sender = pick(5_000, 4);
        for &capacity in cases(&[1, 10, 100], &[1]) {
            let (tx, mut rx) = channel::<(usize, usize)>(config(capacity));
            thread::scope(|s| {
                for (k, side) in [Side::Blocking, Side::Async].into_iter().enumerate() {
                    let tx = tx.clone();
                    s.spawn(move || {
                        for i in 0..per_sender {
                            send_as(&tx, side, (k, i)).unwrap();
                        }
                    });
                }
                drop(tx);
                let mut order = InOrder::new(2);
                for n in 0.. {
                    let side = if n % 2 == 0 {
                        Side::Async
                    } else {
                        Side::Blocking
                    };
                    match recv_as(&mut rx, side) {
                        Some(msg) => order.take(msg),
                        None => break,
                    }
                }
                order.assert_all(per_sender);
            });
        }
    }

    // crossfire test_async.rs `test_spurious_sink`: the first sender waiting on a full mailbox
    // is woken for the freed slot but gives up without taking it (crossfire's `SpuriousTx`
    // returns on its second poll); the sender waiting behind it must still get through
    #[test]
    fn spurious_sender() {
        // A `send` future, woken and then dropped unpolled.
        let (tx, mut rx) = channel::<usize>(config(1));
        block_on(tx.send(0)).unwrap();
        let (wakes, waker) = CountingWaker::new();
        let mut spurious = Box::pin(tx.send(1));
        assert!(poll_once(spurious.as_mut(), &waker).is_pending());
        thread::scope(|s| {
            let normal = s.spawn(|| block_on(tx.send(2)));
            pause(); // lets the normal sender queue behind (only orders)
            assert_eq!(rx.try_recv(), Ok(0));
            assert_eq!(wakes.count(), 1, "the oldest waiting sender is woken");
            drop(spurious);
            assert_eq!(normal.join().unwrap(), Ok(Sent::Queued));
        });
        assert_eq!(rx.blocking_recv(), Some(2));
        spurious_poll_reserve();
        spurious_receiver();
    }

    // crossfire test_async.rs `test_spurious_sink`, with the sink's poll-based enqueue: a
    // sender whose `poll_reserve` waits first is woken and dropped without polling again
    fn spurious_poll_reserve() {
        let (tx, mut rx) = channel::<usize>(config(1));
        tx.try_send(0).unwrap();
        let mut spurious = tx.clone();
        let (wakes, waker) = CountingWaker::new();
        let mut cx = Context::from_waker(&waker);
        assert!(spurious.poll_reserve(&mut cx).is_pending());
        thread::scope(|s| {
            let normal = s.spawn(|| block_on(tx.send(2)));
            pause();
            assert_eq!(rx.try_recv(), Ok(0));
            assert_eq!(wakes.count(), 1);
            drop(spurious);
            assert_eq!(normal.join().unwrap(), Ok(Sent::Queued));
        });
        assert_eq!(rx.blocking_recv(), Some(2));
    }

    // crossfire test_async.rs `test_spurious_stream`, for the one receiver: a receive polled
    // once and dropped, then a receive on another thread, which the next send must wake
    fn spurious_receiver() {
        let (tx, mut rx) = channel::<usize>(config(1));
        let (_wakes, waker) = CountingWaker::new();
        {
            let receive = pin!(rx.recv());
            assert!(poll_once(receive, &waker).is_pending());
        }
        thread::scope(|s| {
            let receiver = s.spawn(move || block_on(rx.recv()));
            pause(); // lets the receiver wait (only orders)
            tx.try_send(1).unwrap();
            assert_eq!(receiver.join().unwrap(), Some(1));
        });
    }

    // crossfire test_async.rs `test_basic_into_stream_1_1`: 100 messages through one and two
    // slots, received in order (here with `recv().await`, and as a `Stream` with the
    // `futures` feature), then the end
    #[test]
    fn into_stream_1_1() {
        let count = pick(100, 5);
        for capacity in [1, 2] {
            let (tx, mut rx) = channel::<usize>(config(capacity));
            thread::scope(|s| {
                s.spawn(move || {
                    block_on(async {
                        for i in 0..count {
                            tx.send(i).await.unwrap();
                        }
                    })
                });
                block_on(async {
                    for i in 0..count {
                        assert_eq!(rx.recv().await, Some(i));
                    }
                    assert_eq!(rx.recv().await, None);
                });
            });
        }
        #[cfg(feature = "futures")]
        {
            use futures::StreamExt;
            let (tx, mut rx) = channel::<usize>(config(1));
            thread::scope(|s| {
                s.spawn(move || {
                    block_on(async {
                        for i in 0..count {
                            tx.send(i).await.unwrap();
                        }
                    })
                });
                block_on(async {
                    for i in 0..count {
                        assert_eq!(rx.next().await, Some(i));
                    }
                    assert_eq!(rx.next().await, None);
                });
            });
        }
    }

    // crossfire test_async.rs `test_async_drop_small_msg`
    #[test]
    fn async_drop_small_msg() {
        drop_counts::<Tracked>(Side::Async);
        async_drop_large_msg();
    }

    // crossfire test_async.rs `test_async_drop_large_msg`
    fn async_drop_large_msg() {
        drop_counts::<Large>(Side::Async);
    }
}

mod test_async_blocking {
    //! crossfire `test-suite/src/test_async_blocking.rs`: async senders, a blocking receiver.
    use super::*;

    // crossfire test_async_blocking.rs `test_basic_bounded_empty_full_drop_rx` and
    // `test_basic_bounded_empty_full_drop_tx`
    #[test]
    fn empty_full_drop_rx_and_tx() {
        empty_full_then_receiver_drop(Side::Async);
        empty_full_then_sender_drop(Side::Blocking);
    }

    // crossfire test_async_blocking.rs `test_basic_1_tx_async_1_rx_blocking`: a burst, then
    // messages with a sleep after each, so that the receiver drains and waits again and again
    #[test]
    fn one_tx_async_one_rx_blocking() {
        let (burst, spaced) = (pick(100, 3), pick(50, 3));
        let (tx, mut rx) = channel::<usize>(config(100));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        thread::scope(|s| {
            s.spawn(move || {
                for i in 0..burst {
                    assert_eq!(rx.blocking_recv(), Some(i));
                }
                for i in burst..burst + spaced {
                    assert_eq!(rx.blocking_recv(), Some(10 + i));
                }
                assert_eq!(rx.blocking_recv(), None);
            });
            Timers::run(|timers| {
                block_on(async {
                    for i in 0..burst {
                        tx.send(i).await.unwrap();
                    }
                    for i in burst..burst + spaced {
                        tx.send(10 + i).await.unwrap();
                        timers.sleep(ms(2)).await;
                    }
                });
            });
            drop(tx);
        });
    }

    // crossfire test_async_blocking.rs `test_basic_multi_tx_async_1_rx_blocking`: many async
    // senders (tasks), each a burst and then spaced messages, into one blocking receiver that
    // takes exactly their sum, then the end
    #[test]
    fn multi_tx_async_one_rx_blocking() {
        let (burst, spaced) = (pick(100, 2), pick(10, 1));
        for &senders in cases(&[5, 8, 100, 1000], &[3]) {
            let (tx, mut rx) = channel::<(usize, usize)>(config(10));
            Timers::run(|timers| {
                thread::scope(|s| {
                    let tasks = (0..senders)
                        .map(|k| {
                            let tx = tx.clone();
                            async move {
                                for i in 0..burst {
                                    tx.send((k, i)).await.unwrap();
                                }
                                for i in burst..burst + spaced {
                                    tx.send((k, i)).await.unwrap();
                                    timers.sleep(ms(2)).await;
                                }
                            }
                            .boxed()
                        })
                        .collect();
                    spawn_tasks(s, 2, tasks);
                    let mut order = InOrder::new(senders);
                    for _ in 0..senders * (burst + spaced) {
                        order.take(rx.blocking_recv().expect("a message"));
                    }
                    drop(tx);
                    assert_eq!(rx.blocking_recv(), None);
                    order.assert_all(burst + spaced);
                });
            });
        }
    }

    // crossfire test_async_blocking.rs `test_pressure_1_tx_async_1_rx_blocking`
    #[test]
    fn pressure_1_tx_async_1_rx_blocking() {
        let capacities = cases(&[1, 10, 100, 1000], &[1]);
        one_to_one(capacities, pick(10_000, 8), Side::Async, Side::Blocking);
    }

    // crossfire test_async_blocking.rs `test_pressure_multi_tx_async_1_rx_blocking`
    #[test]
    fn pressure_multi_tx_async_1_rx_blocking() {
        let cases = cases(&[(10, 5), (10, 10), (10, 100), (100, 200)], &[(1, 3)]);
        many_to_one(cases, pick(100, 2), Side::Async, Side::Blocking);
    }
}

mod test_blocking_async {
    //! crossfire `test-suite/src/test_blocking_async.rs`: blocking senders, an async receiver.
    use super::*;

    // crossfire test_blocking_async.rs `test_basic_bounded_empty_full_drop_rx` and
    // `test_basic_bounded_empty_full_drop_tx`
    #[test]
    fn empty_full_drop_rx_and_tx() {
        empty_full_then_receiver_drop(Side::Blocking);
        empty_full_then_sender_drop(Side::Async);
        one_tx_blocking_one_rx_async();
    }

    // crossfire test_blocking_async.rs `test_basic_1_tx_blocking_1_rx_async`
    fn one_tx_blocking_one_rx_async() {
        fill_then_send_past_full(Side::Blocking, Side::Async);
    }

    // crossfire test_blocking_async.rs `test_pressure_1_tx_blocking_1_rx_async`
    #[test]
    fn pressure_1_tx_blocking_1_rx_async() {
        let capacities = cases(&[1, 100], &[1]);
        one_to_one(capacities, pick(10_000, 8), Side::Blocking, Side::Async);
    }

    // crossfire test_blocking_async.rs `test_pressure_tx_multi_blocking_1_rx_async`: up to
    // 200 blocking senders, a thread each
    #[test]
    fn pressure_tx_multi_blocking_1_rx_async() {
        let cases = cases(
            &[
                (1, 5),
                (1, 100),
                (1, 200),
                (100, 10),
                (100, 100),
                (100, 200),
            ],
            &[(1, 3)],
        );
        many_to_one(cases, pick(50, 2), Side::Blocking, Side::Async);
    }
}

mod test_blocking_context {
    //! crossfire `test-suite/src/test_blocking_context.rs`: blocking senders and receivers.
    use super::*;

    // crossfire test_blocking_context.rs `test_basic_bounded_empty_full_drop_rx` and
    // `test_basic_bounded_empty_full_drop_tx` (with `send_timeout` and `recv_timeout`, each
    // answering `Closed` at once)
    #[test]
    fn empty_full_drop_rx_and_tx() {
        empty_full_then_receiver_drop(Side::Blocking);
        empty_full_then_sender_drop(Side::Blocking);
    }

    // crossfire test_blocking_context.rs `test_basic_bounded_1_thread` and
    // `test_basic_recv_after_sender_close`
    #[test]
    fn bounded_1_thread() {
        fill_then_send_past_full(Side::Blocking, Side::Blocking);
        recv_after_sender_close(Side::Blocking);
    }

    // crossfire test_blocking_context.rs `test_pressure_bounded_blocking_1_1`
    #[test]
    fn pressure_bounded_blocking_1_1() {
        let capacities = cases(&[1, 10, 100, 300], &[1]);
        one_to_one(capacities, pick(10_000, 8), Side::Blocking, Side::Blocking);
    }

    // crossfire test_blocking_context.rs `test_pressure_bounded_blocking_multi_1`
    #[test]
    fn pressure_bounded_blocking_multi_1() {
        let cases = cases(
            &[
                (1, 3),
                (1, 5),
                (1, 10),
                (1, 16),
                (10, 4),
                (10, 7),
                (10, 12),
                (100, 3),
                (100, 9),
                (100, 13),
            ],
            &[(1, 3)],
        );
        many_to_one(cases, pick(1_000, 2), Side::Blocking, Side::Blocking);
    }

    // crossfire test_blocking_context.rs `test_pressure_bounded_timeout_blocking` (one
    // receiver here, not two: see the header; and a fourth sender, without a deadline: see
    // `timed_pressure`)
    #[test]
    fn pressure_bounded_timeout_blocking() {
        timed_pressure(
            pick(100, 1),
            |tx, msg| tx.blocking_send_timeout(msg, ms(1)),
            |tx, msg| tx.blocking_send(msg),
            |rx, timeout| rx.blocking_recv_timeout(timeout),
            &thread::sleep,
        );
    }

    // crossfire test_blocking_context.rs `test_drop_small_msg`
    #[test]
    fn drop_small_msg() {
        drop_counts::<Tracked>(Side::Blocking);
        drop_large_msg();
    }

    // crossfire test_blocking_context.rs `test_drop_large_msg`
    fn drop_large_msg() {
        drop_counts::<Large>(Side::Blocking);
    }
}
