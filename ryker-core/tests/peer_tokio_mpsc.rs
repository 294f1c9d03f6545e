//! tokio's bounded `mpsc` test suite (tokio 1.54.1, `tests/sync_mpsc.rs` and
//! `tests/sync_mpsc_weak.rs`), ported to the mailbox as an independent check: each test names
//! the tokio test it comes from. Where the mailbox deliberately differs, the test asserts what
//! the mailbox does and says why:
//!
//! * a dropped [`Permit`] gives its slot up as a slot the receiver steps over: the slot is free
//!   again (and a waiting sender woken) once the receiver has stepped over it, not at the drop;
//! * a woken sender does not own the slot it was woken for: a sender that polls first may take
//!   it (documented on `Sender::send`), so where tokio asserts who gets a slot, these tests
//!   assert how many slots are handed out;
//! * `Sender::capacity` is tokio's `max_capacity`; tokio's `capacity` (free slots) is
//!   `capacity() - len()` here, and `len` counts reserved slots;
//! * `TrySendError::Busy` is tokio's `Full`, `TryRecvError::Closed` its `Disconnected`;
//! * a capacity of 0 is a configuration error (`try_channel`), and `channel` panics on it;
//! * `reserve_many(n)`/`try_reserve_many(n)` above the capacity answer
//!   `ReserveManyError::TooMany` (tokio: an error above its semaphore's limit, `Full` from
//!   `try_reserve_many`), and a waiting `reserve_many` holds no slot until it can take all `n`
//!   (tokio's takes them as they come).
//!
//! Not ported:
//!
//! * unbounded channel only: `send_recv_unbounded`, `send_recv_many_unbounded`,
//!   `send_recv_many_unbounded_capacity`, `recv_many_with_non_empty_buffer_unbounded_rx_closed_and_idle`,
//!   `async_send_recv_unbounded`, `send_recv_stream_unbounded`, `no_t_bounds_unbounded`,
//!   `try_recv_unbounded`, `try_recv_close_while_empty_unbounded`, every `test_rx_unbounded_*`,
//!   and in the weak suite `weak_unbounded_sender`, `actor_weak_unbounded_sender`,
//!   `test_msgs_dropped_on_unbounded_rx_drop`, `downgrade_*_unbounded*`,
//!   `test_tx_count_weak_unbounded_sender`,
//!   `test_rx_unbounded_is_closed_when_dropping_all_senders_except_weak_senders`,
//!   `unbounded_sender_*_count*` (`drop_all_elements_during_panic` is unbounded in tokio; its
//!   scenario is ported to the bounded mailbox);
//! * `recv_timeout_panic`: tokio's timer panics outside a tokio runtime; ryker-core has no
//!   clock, and its `Sender::send_before` takes the caller's deadline future instead
//!   (`recv_timeout` is ported with it);
//! * `blocking_recv_async`, `blocking_send_async`: the mailbox panics on a blocking call inside
//!   async code only where a runtime adapter installs its probe (`AsyncContextProbe`), which
//!   ryker-core's tests have none of.

mod common;

use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use common::{poll_once, CountingWaker};
use futures::executor::block_on;
use futures::future::BoxFuture;
use futures::task::noop_waker_ref;
use futures::FutureExt;
use ryker_core::error::{Closed, ReserveManyError, SendError, TryRecvError, TrySendError};
use ryker_core::mailbox::{
    channel, try_channel, MailboxConfig, Overflow, OwnedPermit, Permit, Receiver, Sender, Sent,
    WeakSender,
};

/// A `Busy` mailbox of `capacity` slots (tokio's `mpsc::channel(capacity)`).
fn bounded(capacity: usize) -> MailboxConfig {
    MailboxConfig {
        capacity,
        ..MailboxConfig::default()
    }
}

/// A future polled by hand with a waker of its own that counts its wake-ups (tokio-test's
/// `task::spawn`).
struct Task<F: Future> {
    fut: Pin<Box<F>>,
    wakes: Arc<CountingWaker>,
    waker: Waker,
    /// The count when the last poll began.
    seen: usize,
}

impl<F: Future> Task<F> {
    fn new(fut: F) -> Self {
        let (wakes, waker) = CountingWaker::new();
        Task {
            fut: Box::pin(fut),
            wakes,
            waker,
            seen: 0,
        }
    }

    fn poll(&mut self) -> Poll<F::Output> {
        self.seen = self.wakes.count();
        poll_once(self.fut.as_mut(), &self.waker)
    }

    /// Whether the waker was woken since the last poll began.
    fn is_woken(&self) -> bool {
        self.wakes.count() > self.seen
    }
}

/// tokio's `try_reserve` in the shape these tests were first written in, through
/// `Sender::try_reserve`: a permit at once, or `None` if the mailbox is full.
fn try_reserve<T>(tx: &Sender<T>) -> Option<Result<Permit<'_, T>, Closed>> {
    match tx.try_reserve() {
        Ok(permit) => Some(Ok(permit)),
        Err(TrySendError::Busy(())) => None,
        Err(TrySendError::Closed(())) => Some(Err(Closed)),
        Err(other) => panic!("`try_reserve` answered {other:?}"),
    }
}

/// Loop counts: Miri runs some 10^4 times slower.
fn rounds(full: usize) -> usize {
    if cfg!(miri) {
        full.min(8)
    } else {
        full
    }
}

/// tokio's 100-message fills (a tenth under Miri).
const FILL: usize = if cfg!(miri) { 10 } else { 100 };

/// Sends 1 and 2 from another thread through a mailbox of 16 slots, then drops the sender;
/// checks that `next` receives 1, 2, then the end.
fn receives_1_2_then_none(
    next: impl for<'a> Fn(&'a mut Receiver<i32>) -> BoxFuture<'a, Option<i32>>,
) {
    let (tx, mut rx) = channel::<i32>(bounded(16));
    let sender = std::thread::spawn(move || {
        block_on(async {
            tx.send(1).await.unwrap();
            tx.send(2).await.unwrap();
        })
    });
    block_on(async {
        assert_eq!(next(&mut rx).await, Some(1));
        assert_eq!(next(&mut rx).await, Some(2));
        assert_eq!(next(&mut rx).await, None);
    });
    sender.join().unwrap();
}

/// A mailbox of 10 slots into which `send` has put 0 to 9, each accepted.
fn ten_sent_into_ten_slots() -> (Sender<i32>, Receiver<i32>) {
    let (tx, rx) = channel::<i32>(bounded(10));
    for i in 0..10 {
        assert!(block_on(tx.send(i)).is_ok());
    }
    (tx, rx)
}

/// A message that counts its drops, and panics in its destructor when its flag is set.
struct PanicOnDrop(bool, Arc<AtomicUsize>);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        self.1.fetch_add(1, Ordering::Relaxed);
        if self.0 {
            panic!("panic!");
        }
    }
}

// From tokio's `AssertRefUnwindSafe`/`AssertUnwindSafe` impls (bounded types only).
#[test]
fn halves_and_permits_are_unwind_safe_whatever_the_payload() {
    fn unwind_safe<T: panic::UnwindSafe + panic::RefUnwindSafe>() {}
    type NotUnwindSafe = std::cell::Cell<u8>;
    unwind_safe::<Sender<NotUnwindSafe>>();
    unwind_safe::<Receiver<NotUnwindSafe>>();
    unwind_safe::<WeakSender<NotUnwindSafe>>();
    unwind_safe::<Permit<'static, NotUnwindSafe>>();
}

// From tokio's `send_recv_with_buffer`.
#[test]
fn send_recv_with_buffer() {
    let (tx, mut rx) = channel::<i32>(bounded(16));
    block_on(async {
        let permit = tx.reserve().await.unwrap();
        permit.send(1);
        tx.try_send(2).unwrap();
        drop(tx);
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.recv().await, None);
    });
}

// From tokio's `reserve_disarm`.
#[test]
fn reserve_disarm() {
    let (tx, mut rx) = channel::<i32>(bounded(2));
    let (tx1, tx2, tx3, tx4) = (tx.clone(), tx.clone(), tx.clone(), tx);
    let permit1 = block_on(tx1.reserve()).unwrap();
    let permit2 = block_on(tx2.reserve()).unwrap();
    // Both slots are reserved: the next two wait.
    let mut r3 = Task::new(tx3.reserve());
    assert!(r3.poll().is_pending());
    let mut r4 = Task::new(tx4.reserve());
    assert!(r4.poll().is_pending());

    // A sent permit frees its slot only once the message is received.
    permit1.send(1);
    assert!(!r3.is_woken());
    assert_eq!(block_on(rx.recv()), Some(1));
    // The oldest waiter is woken for the slot, the other is not.
    assert!(r3.is_woken());
    assert!(!r4.is_woken());

    // Differs from tokio: a dropped permit's slot is free once the receiver has stepped over
    // it (tokio hands it back to the semaphore at the drop and wakes `r4` there).
    drop(permit2);
    assert!(!r4.is_woken());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(r4.is_woken());

    // Differs from tokio: there `r3` and `r4` own the two slots they were woken for, and a new
    // `reserve` waits. Here a woken sender owns nothing until it polls (documented on
    // `Sender::send`), so the newcomer may take a slot first; what holds either way is that
    // two permits are handed out for the two free slots, and the third waits for the next.
    let mut r1 = Task::new(tx1.reserve());
    let mut permits = Vec::new();
    let mut waiting = Vec::new();
    for (name, poll) in [("r1", r1.poll()), ("r3", r3.poll()), ("r4", r4.poll())] {
        match poll {
            Poll::Ready(permit) => permits.push(permit.unwrap()),
            Poll::Pending => waiting.push(name),
        }
    }
    assert_eq!(
        (permits.len(), waiting.len()),
        (2, 1),
        "waiting: {waiting:?}"
    );
    for (i, permit) in permits.into_iter().enumerate() {
        permit.send(10 + i as i32);
    }
    assert_eq!(rx.try_recv(), Ok(10));
    let last = match waiting[0] {
        "r1" => &mut r1,
        "r3" => &mut r3,
        _ => &mut r4,
    };
    assert!(last.is_woken(), "the receive woke the one left waiting");
    match last.poll() {
        Poll::Ready(Ok(permit)) => permit.send(12),
        _ => panic!("a slot is free for the last waiter"),
    }
    assert_eq!(rx.try_recv(), Ok(11));
    assert_eq!(rx.try_recv(), Ok(12));
}

// From tokio's `send_recv_stream_with_buffer`.
#[cfg(feature = "futures")]
#[test]
fn send_recv_stream_with_buffer() {
    use futures::StreamExt;
    receives_1_2_then_none(|rx| rx.next().boxed());
}

// From tokio's `async_send_recv_with_buffer`.
#[test]
fn async_send_recv_with_buffer() {
    receives_1_2_then_none(|rx| rx.recv().boxed());
}

// From tokio's `async_send_recv_many_with_buffer`.
#[test]
fn async_send_recv_many_with_buffer() {
    let (tx, mut rx) = channel::<i32>(bounded(2));
    let mut buffer = Vec::with_capacity(3);
    // A limit of 0 returns 0 at once.
    assert_eq!(block_on(rx.recv_many(&mut buffer, 0)), 0);
    let sender = std::thread::spawn(move || {
        block_on(async {
            for i in [1, 2, 7, 0] {
                tx.send(i).await.unwrap();
            }
        })
    });
    let limit = 3;
    let mut received = 0;
    while received < 4 {
        received += block_on(rx.recv_many(&mut buffer, limit));
        assert_eq!(buffer.len(), received);
    }
    assert_eq!(buffer, [1, 2, 7, 0]);
    assert_eq!(block_on(rx.recv_many(&mut buffer, limit)), 0);
    sender.join().unwrap();
}

// From tokio's `start_send_past_cap`.
#[test]
fn start_send_past_cap() {
    let (tx1, mut rx) = channel::<()>(bounded(1));
    let tx2 = tx1.clone();
    tx1.try_send(()).unwrap();
    let mut r1 = Task::new(tx1.reserve());
    assert!(r1.poll().is_pending());
    {
        let mut r2 = Task::new(tx2.reserve());
        assert!(r2.poll().is_pending());
        // The first waiter walks away before the slot is freed: the wake-up goes to the next.
        let r1_wakes = r1.wakes.clone();
        drop(r1);
        assert!(block_on(rx.recv()).is_some());
        assert!(r2.is_woken());
        assert_eq!(r1_wakes.count(), 0);
        assert!(matches!(r2.poll(), Poll::Ready(Ok(_))));
    }
    drop(tx1);
    drop(tx2);
    assert!(block_on(rx.recv()).is_none());
}

// From tokio's `buffer_gteq_one`: capacity 0 is refused (`try_channel` says why).
#[test]
#[should_panic(expected = "capacity = 0")]
fn buffer_gteq_one() {
    assert_eq!(
        try_channel::<i32>(bounded(0)).unwrap_err().field(),
        "capacity"
    );
    let _ = channel::<i32>(bounded(0));
}

// From tokio's `send_recv_many_bounded_capacity`.
#[test]
fn send_recv_many_bounded_capacity() {
    let limit = 9;
    let mut buffer: Vec<String> = Vec::with_capacity(limit);
    let (tx, mut rx) = channel::<String>(bounded(100));
    let mut expected: Vec<String> = (0..limit).map(|x| x.to_string()).collect();
    block_on(async {
        for x in expected.clone() {
            tx.send(x).await.unwrap();
        }
        tx.send("one more".to_string()).await.unwrap();
    });
    // `recv_many` takes all but the last (the limit), into the room the buffer has.
    assert_eq!(block_on(rx.recv_many(&mut buffer, limit)), limit);
    assert_eq!(buffer, expected);
    assert_eq!(buffer.capacity(), limit);
    // The one left (mid-stream, the receive waits for a run of 9 a while; then it takes one).
    assert_eq!(block_on(rx.recv_many(&mut buffer, limit)), 1);
    expected.push("one more".to_string());
    assert_eq!(buffer, expected);

    let sender = std::thread::spawn(move || {
        block_on(tx.send("final".to_string())).unwrap();
    });
    // The sender is dropped once it has sent: `recv_many` does not return 0 before "final".
    assert_eq!(block_on(rx.recv_many(&mut buffer, limit)), 1);
    expected.push("final".to_string());
    assert_eq!(buffer, expected);
    sender.join().unwrap();
    // Closed and drained.
    assert_eq!(block_on(rx.recv_many(&mut buffer, limit)), 0);
    assert_eq!(buffer, expected);
}

// From tokio's `recv_many_with_non_empty_buffer_bounded_rx_closed_and_idle`.
#[test]
fn recv_many_with_non_empty_buffer_bounded_rx_closed_and_idle() {
    let (_tx, mut rx) = channel::<i32>(bounded(1));
    let mut buffer = vec![1];
    rx.close();
    assert_eq!(block_on(rx.recv_many(&mut buffer, 1)), 0);
    assert_eq!(buffer, [1]);
}

// From tokio's `no_t_bounds_buffer`.
#[test]
fn no_t_bounds_buffer() {
    struct NoImpls;
    fn is_debug<T: fmt::Debug>(_: &T) {}
    let (tx, mut rx) = channel::<NoImpls>(bounded(100));
    // `Debug` and `Clone` without `T: Debug` or `T: Clone`; the errors too.
    is_debug(&tx);
    is_debug(&rx);
    is_debug(&tx.downgrade());
    assert!(tx.clone().try_send(NoImpls).is_ok());
    let permit = try_reserve(&tx).unwrap().unwrap();
    is_debug(&permit);
    drop(permit);
    is_debug(&TrySendError::Busy(NoImpls));
    is_debug(&SendError::Closed(NoImpls));
    assert!(block_on(rx.recv()).is_some());
}

// From tokio's `send_recv_buffer_limited`.
#[test]
fn send_recv_buffer_limited() {
    let (tx, mut rx) = channel::<i32>(bounded(1));
    let p1 = block_on(tx.reserve()).unwrap();
    p1.send(1);
    let mut p2 = Task::new(tx.reserve());
    assert!(p2.poll().is_pending());
    assert!(block_on(rx.recv()).is_some());
    assert!(p2.is_woken());
    // Differs from tokio, where the woken `p2` owns the freed slot and this `try_send` fails:
    // a woken sender owns nothing until it polls (documented on `Sender::send`), so the
    // `try_send` takes the slot, and `p2` waits again, at the front, for the next one.
    assert_eq!(tx.try_send(1337), Ok(Sent::Queued));
    assert!(p2.poll().is_pending());
    assert_eq!(block_on(rx.recv()), Some(1337));
    assert!(p2.is_woken());
    match p2.poll() {
        Poll::Ready(Ok(permit)) => permit.send(2),
        _ => panic!("the slot is free"),
    }
    assert_eq!(block_on(rx.recv()), Some(2));
}

// From tokio's `recv_close_gets_none_idle`.
#[test]
fn recv_close_gets_none_idle() {
    let (tx, mut rx) = channel::<i32>(bounded(10));
    rx.close();
    assert!(block_on(rx.recv()).is_none());
    assert!(matches!(block_on(tx.send(1)), Err(SendError::Closed(1))));
}

// From tokio's `recv_close_gets_none_reserved`.
#[test]
fn recv_close_gets_none_reserved() {
    let (tx1, mut rx) = channel::<i32>(bounded(1));
    let tx2 = tx1.clone();
    let permit1 = block_on(tx1.reserve()).unwrap();
    let mut permit2 = Task::new(tx2.reserve());
    assert!(permit2.poll().is_pending());
    rx.close();
    assert!(permit2.is_woken());
    assert!(matches!(permit2.poll(), Poll::Ready(Err(Closed))));
    {
        // The permit taken before the close may still send: the receiver waits for it.
        let mut recv = Task::new(rx.recv());
        assert!(recv.poll().is_pending());
        permit1.send(123);
        assert!(recv.is_woken());
        assert_eq!(recv.poll(), Poll::Ready(Some(123)));
    }
    assert!(block_on(rx.recv()).is_none());
}

// From tokio's `failed_reserve_wakes_closed_receiver`.
#[test]
fn failed_reserve_wakes_closed_receiver() {
    let (tx, mut rx) = channel::<()>(bounded(1));
    let permit = try_reserve(&tx).unwrap().unwrap();
    let mut reserve = Task::new(tx.reserve());
    assert!(reserve.poll().is_pending());
    // Differs from tokio: the dropped permit's slot is not assigned to the waiting
    // reservation; it is free once the receiver steps over it.
    drop(permit);
    assert!(!reserve.is_woken());
    rx.close();
    // The close wakes the waiting reservation, which then fails; no slot is held by anyone,
    // so the receiver sees the end at once (it steps over the given-up slot).
    assert!(reserve.is_woken());
    assert!(matches!(reserve.poll(), Poll::Ready(Err(Closed))));
    // As tokio: ready at once, also where the given-up slots are the whole ring.
    let mut recv = Task::new(rx.recv());
    assert_eq!(recv.poll(), Poll::Ready(None));
}

// From tokio's `cancelled_reserve_wakes_closed_receiver`.
#[test]
fn cancelled_reserve_wakes_closed_receiver() {
    let (tx, mut rx) = channel::<()>(bounded(1));
    let permit = try_reserve(&tx).unwrap().unwrap();
    let mut reserve = Task::new(tx.reserve());
    assert!(reserve.poll().is_pending());
    rx.close();
    // The receiver waits for the permit taken before the close.
    {
        let mut recv = Task::new(rx.recv());
        assert!(recv.poll().is_pending());
        // Cancelling the waiting reservation holds nothing up; the permit's drop ends it.
        drop(reserve);
        assert!(!recv.is_woken());
        drop(permit);
        assert!(recv.is_woken());
        assert_eq!(recv.poll(), Poll::Ready(None));
    }
}

// From tokio's `tx_close_gets_none`.
#[test]
fn tx_close_gets_none() {
    let (_, mut rx) = channel::<i32>(bounded(10));
    assert!(block_on(rx.recv()).is_none());
}

// From tokio's `try_send_fail`.
#[test]
fn try_send_fail() {
    let (tx, mut rx) = channel::<&str>(bounded(1));
    tx.try_send("hello").unwrap();
    // Full: `Busy`, with the message handed back (tokio's `Full`).
    assert!(matches!(
        tx.try_send("fail"),
        Err(TrySendError::Busy("fail"))
    ));
    assert_eq!(block_on(rx.recv()), Some("hello"));
    tx.try_send("goodbye").unwrap();
    drop(tx);
    assert_eq!(block_on(rx.recv()), Some("goodbye"));
    assert!(block_on(rx.recv()).is_none());
}

// From tokio's `try_send_fail_with_try_recv`.
#[test]
fn try_send_fail_with_try_recv() {
    let (tx, mut rx) = channel::<&str>(bounded(1));
    tx.try_send("hello").unwrap();
    assert!(matches!(
        tx.try_send("fail"),
        Err(TrySendError::Busy("fail"))
    ));
    assert_eq!(rx.try_recv(), Ok("hello"));
    tx.try_send("goodbye").unwrap();
    drop(tx);
    assert_eq!(rx.try_recv(), Ok("goodbye"));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

// From tokio's `try_reserve_fails` (and the same with a `reserve` polled once, and with
// `poll_reserve` and `abort_reserve`).
#[test]
fn try_reserve_fails() {
    let (mut tx, mut rx) = channel::<&str>(bounded(1));
    let permit = tx.try_reserve().unwrap();
    match tx.try_reserve() {
        Err(TrySendError::Busy(())) => {}
        other => panic!("full: {other:?}"),
    }
    assert!(
        tx.reserve().now_or_never().is_none(),
        "full for `reserve` too"
    );
    permit.send("foo");
    assert_eq!(block_on(rx.recv()), Some("foo"));
    // A dropped permit gives its slot up: the receiver steps over it, and it is free again.
    let permit = try_reserve(&tx).unwrap().unwrap();
    drop(permit);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    let permit = try_reserve(&tx).unwrap().unwrap();
    drop(permit);
    // The poll-based form: `Pending` on full, given up with `abort_reserve`.
    tx.try_send("bar").unwrap_err();
    let mut cx = Context::from_waker(noop_waker_ref());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tx.try_send("bar").unwrap();
    assert!(tx.poll_reserve(&mut cx).is_pending());
    assert!(tx.abort_reserve());
    assert_eq!(rx.try_recv(), Ok("bar"));
    match tx.poll_reserve(&mut cx) {
        Poll::Ready(Ok(permit)) => permit.send("baz"),
        _ => panic!("a slot is free"),
    }
    assert_eq!(rx.try_recv(), Ok("baz"));
}

// From tokio's `drop_permit_releases_permit`.
#[test]
fn drop_permit_releases_permit() {
    let (tx1, mut rx) = channel::<i32>(bounded(1));
    let tx2 = tx1.clone();
    let permit = block_on(tx1.reserve()).unwrap();
    let mut reserve2 = Task::new(tx2.reserve());
    assert!(reserve2.poll().is_pending());
    drop(permit);
    // Differs from tokio: the slot is released when the receiver steps over it (a receive
    // that finds nothing else), and that wakes the waiting reservation.
    assert!(!reserve2.is_woken());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(reserve2.is_woken());
    assert!(matches!(reserve2.poll(), Poll::Ready(Ok(_))));
}

// From tokio's `drop_permit_releases_permit`, with the receiver already waiting: a waiting
// receiver is woken by the drop, steps over the slot and so releases it to the sender.
#[test]
fn drop_permit_releases_permit_to_a_waiting_sender_through_a_waiting_receiver() {
    let (tx1, mut rx) = channel::<i32>(bounded(1));
    let tx2 = tx1.clone();
    let permit = block_on(tx1.reserve()).unwrap();
    let mut reserve2 = Task::new(tx2.reserve());
    assert!(reserve2.poll().is_pending());
    let mut recv = Task::new(rx.recv());
    assert!(recv.poll().is_pending());
    drop(permit);
    assert!(recv.is_woken());
    assert!(recv.poll().is_pending(), "nothing to receive");
    assert!(reserve2.is_woken());
    match reserve2.poll() {
        Poll::Ready(Ok(permit)) => permit.send(5),
        _ => panic!("the slot is free"),
    }
    assert!(recv.is_woken());
    assert_eq!(recv.poll(), Poll::Ready(Some(5)));
}

// From tokio's `dropping_last_permit_wakes_closed_receiver`.
#[test]
fn dropping_last_permit_wakes_closed_receiver() {
    let (tx, mut rx) = channel::<()>(bounded(100));
    let permit = try_reserve(&tx).unwrap().unwrap();
    rx.close();
    let mut recv = Task::new(rx.recv());
    assert!(recv.poll().is_pending());
    drop(permit);
    assert!(recv.is_woken());
    assert_eq!(recv.poll(), Poll::Ready(None));
}

// From tokio's `failed_reserve_many_wakes_closed_receiver`. Differs from tokio: a waiting
// `reserve_many` holds no slot (it claims all `n` at once or none), so the receiver is woken
// by the held permit's drop already, and sees the end; the reservation then fails with
// nothing to give back.
#[test]
fn failed_reserve_many_wakes_closed_receiver() {
    let (tx, mut rx) = channel::<()>(bounded(2));
    let permit = tx.try_reserve().unwrap();
    let mut reserve = Task::new(tx.reserve_many(2));
    assert!(reserve.poll().is_pending());
    assert_eq!(tx.len(), 1, "the waiting reservation holds no slot");
    rx.close();
    let mut recv = Task::new(rx.recv());
    assert!(recv.poll().is_pending());
    drop(permit);
    assert!(recv.is_woken());
    assert!(matches!(
        reserve.poll(),
        Poll::Ready(Err(ReserveManyError::Closed))
    ));
    assert_eq!(recv.poll(), Poll::Ready(None));
}

// From tokio's `cancelled_reserve_many_wakes_closed_receiver`; differs as above (the
// receiver is woken by the permit's drop, and the cancelled reservation has nothing to give
// back and wakes nobody).
#[test]
fn cancelled_reserve_many_wakes_closed_receiver() {
    let (tx, mut rx) = channel::<()>(bounded(2));
    let permit = tx.try_reserve().unwrap();
    let mut reserve = Task::new(tx.reserve_many(2));
    assert!(reserve.poll().is_pending());
    rx.close();
    let mut recv = Task::new(rx.recv());
    assert!(recv.poll().is_pending());
    drop(permit);
    assert!(recv.is_woken());
    drop(reserve);
    assert_eq!(recv.poll(), Poll::Ready(None));
}

// From tokio's `reserve_many_above_cap` (tokio's limit is its semaphore's `MAX_PERMITS`; the
// mailbox's is its capacity, and the error names both).
#[test]
fn reserve_many_above_cap() {
    let (tx, _rx) = channel::<()>(bounded(1));
    for n in [2, usize::MAX >> 3, usize::MAX] {
        assert_eq!(
            block_on(tx.reserve_many(n)).unwrap_err(),
            ReserveManyError::TooMany { n, capacity: 1 }
        );
    }
}

// From tokio's `try_reserve_many_zero`.
#[test]
fn try_reserve_many_zero() {
    let (tx, rx) = channel::<()>(bounded(1));
    // Succeeds when not closed.
    assert!(tx.try_reserve_many(0).unwrap().next().is_none());
    // Even when the mailbox is full.
    tx.try_send(()).unwrap();
    assert!(tx.try_reserve_many(0).unwrap().next().is_none());
    drop(rx);
    // Closed error when closed.
    assert_eq!(
        tx.try_reserve_many(0).unwrap_err(),
        ReserveManyError::Closed
    );
}

// From tokio's `reserve_many_zero`.
#[test]
fn reserve_many_zero() {
    let (tx, rx) = channel::<()>(bounded(1));
    assert!(block_on(tx.reserve_many(0)).unwrap().next().is_none());
    block_on(tx.send(())).unwrap();
    assert!(block_on(tx.reserve_many(0)).unwrap().next().is_none());
    drop(rx);
    assert_eq!(
        block_on(tx.reserve_many(0)).unwrap_err(),
        ReserveManyError::Closed
    );
}

// From tokio's `try_reserve_many_edge_cases` (tokio answers `Full` above its limit; the
// mailbox answers `TooMany`, naming the allowed range).
#[test]
fn try_reserve_many_edge_cases() {
    let (tx, rx) = channel::<()>(bounded(1));
    let mut permit = tx.try_reserve_many(0).unwrap();
    assert!(permit.next().is_none());
    for n in [usize::MAX >> 3, usize::MAX] {
        let err = tx.try_reserve_many(n).unwrap_err();
        assert_eq!(err, ReserveManyError::TooMany { n, capacity: 1 });
        assert!(err.to_string().contains("0..=1"), "{err}");
    }
    drop(rx);
    assert!(block_on(tx.reserve_many(0)).is_err());
}

// From tokio's `reserve_many_and_send`.
#[test]
fn reserve_many_and_send() {
    let (tx, mut rx) = channel::<&str>(bounded(100));
    for i in 0..rounds(100) {
        for permit in block_on(tx.reserve_many(i)).unwrap() {
            permit.send("foo");
            assert_eq!(block_on(rx.recv()), Some("foo"));
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    }
}

// From tokio's `try_reserve_many_and_send`.
#[test]
fn try_reserve_many_and_send() {
    let (tx, mut rx) = channel::<&str>(bounded(100));
    for i in 0..rounds(100) {
        for permit in tx.try_reserve_many(i).unwrap() {
            permit.send("foo");
            assert_eq!(block_on(rx.recv()), Some("foo"));
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    }
}

// From tokio's `reserve_many_on_closed_channel`.
#[test]
fn reserve_many_on_closed_channel() {
    let (tx, rx) = channel::<()>(bounded(100));
    drop(rx);
    assert_eq!(
        block_on(tx.reserve_many(10)).unwrap_err(),
        ReserveManyError::Closed
    );
}

// From tokio's `try_reserve_many_on_closed_channel`.
#[test]
fn try_reserve_many_on_closed_channel() {
    let (tx, rx) = channel::<usize>(bounded(100));
    drop(rx);
    assert_eq!(
        tx.try_reserve_many(10).unwrap_err(),
        ReserveManyError::Closed
    );
}

// From tokio's `try_reserve_many_full`. tokio's `capacity()` (free slots) is
// `capacity() - len()` here. Differs from tokio: the permits a partly used iterator drops
// give their slots up as slots the receiver steps over, so they are free again only once the
// receiver has passed them, not at the drop.
#[test]
fn try_reserve_many_full() {
    let free = |tx: &Sender<usize>| tx.capacity() - tx.len();
    for n in 1..rounds(100) {
        for k in 0..n {
            let (tx, mut rx) = channel::<usize>(bounded(n));
            let permits = tx.try_reserve_many(n).unwrap();
            assert_eq!(permits.len(), n);
            assert_eq!(free(&tx), 0);
            assert_eq!(tx.try_reserve_many(1).unwrap_err(), ReserveManyError::Busy);
            for permit in permits.take(k) {
                permit.send(0);
            }
            // The n - k permits not used were given up: their slots wait for the receiver.
            assert_eq!(free(&tx), 0);
            assert_eq!(tx.try_reserve_many(1).unwrap_err(), ReserveManyError::Busy);
            for _ in 0..k {
                assert_eq!(block_on(rx.recv()), Some(0));
            }
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty)); // steps over the rest
                                                                 // Now that everything was received, all n slots are free again.
            assert_eq!(free(&tx), n);
            assert_eq!(tx.try_reserve_many(n).unwrap().len(), n);
        }
    }
}

// From tokio's `drop_permit_iterator_releases_permits`; differs as `drop_permit_releases_permit`
// does: the slots are free again (and the waiting reservation woken) once the receiver has
// stepped over them.
#[test]
fn drop_permit_iterator_releases_permits() {
    for n in 1..rounds(100) {
        let (tx1, mut rx) = channel::<i32>(bounded(n));
        let tx2 = tx1.clone();
        let permits = block_on(tx1.reserve_many(n)).unwrap();
        let mut reserve2 = Task::new(tx2.reserve_many(n));
        assert!(reserve2.poll().is_pending());
        drop(permits);
        assert!(!reserve2.is_woken());
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        assert!(reserve2.is_woken());
        let permits = match reserve2.poll() {
            Poll::Ready(Ok(permits)) => permits,
            other => panic!("{n} slots are free: {other:?}"),
        };
        drop(permits);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        assert_eq!(tx1.capacity() - tx1.len(), n);
    }
}

// From tokio's `dropping_last_permit_iterator_wakes_closed_receiver`.
#[test]
fn dropping_last_permit_iterator_wakes_closed_receiver() {
    let (tx, mut rx) = channel::<()>(bounded(100));
    let permits = tx.try_reserve_many(1).unwrap();
    rx.close();
    let mut recv = Task::new(rx.recv());
    assert!(recv.poll().is_pending());
    drop(permits);
    assert!(recv.is_woken());
    assert_eq!(recv.poll(), Poll::Ready(None));
}

// From tokio's `dropping_last_owned_permit_wakes_closed_receiver`: the permit holds the only
// sender, so its drop gives the slot up and closes the mailbox.
#[test]
fn dropping_last_owned_permit_wakes_closed_receiver() {
    let (tx, mut rx) = channel::<()>(bounded(100));
    let permit = tx.try_reserve_owned().unwrap();
    rx.close();
    let mut recv = Task::new(rx.recv());
    assert!(recv.poll().is_pending());
    drop(permit);
    assert!(recv.is_woken());
    assert_eq!(recv.poll(), Poll::Ready(None));
}

// From tokio's `sending_last_owned_permit_wakes_closed_receiver`.
#[test]
fn sending_last_owned_permit_wakes_closed_receiver() {
    let (tx, mut rx) = channel::<()>(bounded(100));
    let permit = tx.try_reserve_owned().unwrap();
    rx.close();
    let mut recv = Task::new(rx.recv());
    assert!(recv.poll().is_pending());
    let sender = permit.send(());
    assert!(recv.is_woken());
    assert_eq!(recv.poll(), Poll::Ready(Some(())));
    drop(sender);
}

// From tokio's `releasing_last_owned_permit_wakes_closed_receiver`. The released sender keeps
// the mailbox's senders alive, but the receiver closed it: the end comes at once.
#[test]
fn releasing_last_owned_permit_wakes_closed_receiver() {
    let (tx, mut rx) = channel::<()>(bounded(100));
    let permit = tx.try_reserve_owned().unwrap();
    rx.close();
    let mut recv = Task::new(rx.recv());
    assert!(recv.poll().is_pending());
    let inert_sender = permit.release();
    assert!(recv.is_woken());
    assert_eq!(recv.poll(), Poll::Ready(None));
    drop(inert_sender);
}

// From tokio's `sending_last_permit_wakes_closed_receiver`.
#[test]
fn sending_last_permit_wakes_closed_receiver() {
    let (tx, mut rx) = channel::<()>(bounded(100));
    let permit = try_reserve(&tx).unwrap().unwrap();
    rx.close();
    let mut recv = Task::new(rx.recv());
    assert!(recv.poll().is_pending());
    permit.send(());
    assert!(recv.is_woken());
    assert_eq!(recv.poll(), Poll::Ready(Some(())));
}

// From tokio's `dropping_rx_closes_channel`.
#[test]
fn dropping_rx_closes_channel() {
    let (tx, rx) = channel::<Arc<()>>(bounded(100));
    let msg = Arc::new(());
    tx.try_send(msg.clone()).unwrap();
    drop(rx);
    assert!(block_on(tx.reserve()).is_err());
    assert!(matches!(
        block_on(tx.send(msg.clone())),
        Err(SendError::Closed(_))
    ));
    assert_eq!(Arc::strong_count(&msg), 1);
}

// From tokio's `dropping_rx_closes_channel_for_try`.
#[test]
fn dropping_rx_closes_channel_for_try() {
    let (mut tx, rx) = channel::<Arc<()>>(bounded(100));
    let msg = Arc::new(());
    tx.try_send(msg.clone()).unwrap();
    drop(rx);
    assert!(matches!(
        tx.try_send(msg.clone()),
        Err(TrySendError::Closed(_))
    ));
    assert!(matches!(try_reserve(&tx), Some(Err(Closed))));
    let mut cx = Context::from_waker(noop_waker_ref());
    assert!(matches!(tx.poll_reserve(&mut cx), Poll::Ready(Err(Closed))));
    let tx = match tx.try_reserve_owned() {
        Err(TrySendError::Closed(tx)) => tx,
        other => panic!("closed: {other:?}"),
    };
    assert_eq!(Arc::strong_count(&msg), 1);
    drop(tx);
}

// From tokio's `dropping_rx_drops_sender_wakers_outside_lock`: a waiting sender's waker holds
// a sender that has a `poll_reserve` registration of its own, so the waker's drop removes
// that registration from the wait list. Dropping the receiver wakes (and so drops) the waker;
// done under the wait list's lock, this would deadlock.
#[test]
fn dropping_rx_drops_sender_wakers_outside_lock() {
    struct SenderInWaker(#[allow(dead_code)] Mutex<Sender<i32>>);
    impl Wake for SenderInWaker {
        fn wake(self: Arc<Self>) {}
    }

    let (tx, rx) = channel::<i32>(bounded(1));
    let mut holder = tx.clone();
    tx.try_send(1).unwrap();
    let mut cx = Context::from_waker(noop_waker_ref());
    assert!(holder.poll_reserve(&mut cx).is_pending());
    // The mailbox is full, so `reserve` waits.
    let mut reserve = Box::pin(tx.reserve());
    let waker = Waker::from(Arc::new(SenderInWaker(Mutex::new(holder))));
    assert!(reserve
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    drop(waker);
    drop(rx);
    assert!(matches!(
        reserve.as_mut().poll(&mut cx),
        Poll::Ready(Err(Closed))
    ));
}

// From tokio's `dropping_rx_drops_sender_wakers_outside_lock`, as tokio writes it: the
// waiting sender's waker holds an owned permit, whose drop gives its slot up (which wakes the
// receiver and may notify senders) and drops its sender. Dropping the receiver drops that
// waker; done under the wait list's lock, this would deadlock.
#[test]
fn dropping_rx_drops_sender_wakers_outside_lock_with_an_owned_permit() {
    struct PermitInWaker(#[allow(dead_code)] Mutex<OwnedPermit<i32>>);
    impl Wake for PermitInWaker {
        fn wake(self: Arc<Self>) {}
    }

    let (tx, rx) = channel::<i32>(bounded(2));
    let permit = tx.clone().try_reserve_owned().unwrap();
    tx.try_send(1).unwrap();
    // The mailbox is full, so `reserve` waits.
    let mut reserve = Box::pin(tx.reserve());
    let waker = Waker::from(Arc::new(PermitInWaker(Mutex::new(permit))));
    assert!(reserve
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    drop(waker);
    drop(rx);
    assert!(tx.is_closed());
    let mut cx = Context::from_waker(noop_waker_ref());
    assert!(matches!(
        reserve.as_mut().poll(&mut cx),
        Poll::Ready(Err(Closed))
    ));
}

// From tokio's `test_rx_is_not_closed_when_there_are_permits_but_not_senders`.
#[test]
fn test_rx_is_not_closed_when_there_are_permits_but_not_senders() {
    let (tx, rx) = channel::<()>(bounded(10));
    let _permit = block_on(tx.reserve_owned()).expect("Failed to reserve permit");
    assert!(!rx.is_closed());
}

// From tokio's `dropping_rx_drops_sender_wakers_outside_lock`, for the other place a waiting
// sender's waker is dropped: re-polled with a new waker, the old one is dropped, and its drop
// takes the wait list's lock (as above).
#[test]
fn a_replaced_sender_waker_is_dropped_outside_lock() {
    struct SenderInWaker(#[allow(dead_code)] Mutex<Sender<i32>>);
    impl Wake for SenderInWaker {
        fn wake(self: Arc<Self>) {}
    }

    let (tx, mut rx) = channel::<i32>(bounded(1));
    let mut holder = tx.clone();
    tx.try_send(1).unwrap();
    let mut cx = Context::from_waker(noop_waker_ref());
    assert!(holder.poll_reserve(&mut cx).is_pending());
    let mut send = Box::pin(tx.send(2));
    let waker = Waker::from(Arc::new(SenderInWaker(Mutex::new(holder))));
    assert!(send
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    drop(waker);
    // Still queued: the new waker replaces the old, whose drop runs `Sender::drop`.
    assert!(send.as_mut().poll(&mut cx).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(matches!(send.as_mut().poll(&mut cx), Poll::Ready(Ok(_))));
    assert_eq!(rx.try_recv(), Ok(2));
}

// From tokio's `unconsumed_messages_are_dropped`.
#[test]
fn unconsumed_messages_are_dropped() {
    let msg = Arc::new(());
    let (tx, rx) = channel::<Arc<()>>(bounded(100));
    tx.try_send(msg.clone()).unwrap();
    assert_eq!(Arc::strong_count(&msg), 2);
    drop((tx, rx));
    assert_eq!(Arc::strong_count(&msg), 1);
}

// From tokio's `blocking_recv`.
#[test]
fn blocking_recv() {
    let (tx, mut rx) = channel::<u8>(bounded(1));
    let sync_code = std::thread::spawn(move || {
        assert_eq!(rx.blocking_recv(), Some(10));
    });
    block_on(tx.send(10)).unwrap();
    sync_code.join().unwrap();
}

// From tokio's `blocking_send`.
#[test]
fn blocking_send() {
    let (tx, mut rx) = channel::<u8>(bounded(1));
    let sync_code = std::thread::spawn(move || {
        tx.blocking_send(10).unwrap();
    });
    assert_eq!(block_on(rx.recv()), Some(10));
    sync_code.join().unwrap();
}

// From tokio's `blocking_send`, with the mailbox full, so that the blocking sender parks.
#[test]
fn blocking_send_waits_for_a_slot_and_blocking_recv_for_a_message() {
    let n = rounds(200) as u32;
    let (tx, mut rx) = channel::<u32>(bounded(1));
    let sync_code = std::thread::spawn(move || {
        for i in 0..n {
            tx.blocking_send(i).unwrap();
        }
    });
    for i in 0..n {
        assert_eq!(rx.blocking_recv(), Some(i));
    }
    assert_eq!(rx.blocking_recv(), None);
    sync_code.join().unwrap();
}

// From tokio's `ready_close_cancel_bounded`.
#[test]
fn ready_close_cancel_bounded() {
    let (tx, mut rx) = channel::<()>(bounded(100));
    let _tx2 = tx.clone();
    let permit = block_on(tx.reserve()).unwrap();
    rx.close();
    let mut recv = Task::new(rx.recv());
    assert!(recv.poll().is_pending());
    drop(permit);
    assert!(recv.is_woken());
    assert_eq!(recv.poll(), Poll::Ready(None));
}

// From tokio's `permit_available_not_acquired_close`.
#[test]
fn permit_available_not_acquired_close() {
    let (tx1, mut rx) = channel::<()>(bounded(1));
    let tx2 = tx1.clone();
    let permit1 = block_on(tx1.reserve()).unwrap();
    let mut permit2 = Task::new(tx2.reserve());
    assert!(permit2.poll().is_pending());
    rx.close();
    drop(permit1);
    // (Woken by the close: the dropped permit's slot is free only once the receiver steps
    // over it, where tokio hands it to the waiting reservation at the drop.)
    assert!(permit2.is_woken());
    drop(permit2);
    assert!(block_on(rx.recv()).is_none());
}

// From tokio's `try_recv_bounded`.
#[test]
fn try_recv_bounded() {
    let (tx, mut rx) = channel::<&str>(bounded(5));
    for _ in 0..5 {
        tx.try_send("hello").unwrap();
    }
    assert!(tx.try_send("hello").is_err());
    for _ in 0..5 {
        assert_eq!(rx.try_recv(), Ok("hello"));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));

    for _ in 0..4 {
        tx.try_send("hello").unwrap();
    }
    assert_eq!(rx.try_recv(), Ok("hello"));
    tx.try_send("hello").unwrap();
    tx.try_send("hello").unwrap();
    assert!(tx.try_send("hello").is_err());
    for _ in 0..5 {
        assert_eq!(rx.try_recv(), Ok("hello"));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));

    for _ in 0..3 {
        tx.try_send("hello").unwrap();
    }
    drop(tx);
    for _ in 0..3 {
        assert_eq!(rx.try_recv(), Ok("hello"));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

// From tokio's `try_recv_after_receiver_close`.
#[test]
fn try_recv_after_receiver_close() {
    let (_tx, mut rx) = channel::<()>(bounded(5));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    rx.close();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

// From tokio's `try_recv_after_receiver_close_with_permit`.
#[test]
fn try_recv_after_receiver_close_with_permit() {
    let (tx, mut rx) = channel::<()>(bounded(5));
    let permit = try_reserve(&tx).unwrap().unwrap();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    rx.close();
    // The permit may still send: not the end yet.
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    drop(permit);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

// From tokio's `try_recv_close_while_empty_bounded`.
#[test]
fn try_recv_close_while_empty_bounded() {
    let (tx, mut rx) = channel::<()>(bounded(5));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

// From tokio's `test_tx_capacity`: tokio's `max_capacity` is `capacity` here, and its
// `capacity` (the free slots) is `capacity() - len()`; a reserved slot counts in `len`.
#[test]
fn test_tx_capacity() {
    let (tx, _rx) = channel::<()>(bounded(10));
    assert_eq!((tx.capacity(), tx.capacity() - tx.len()), (10, 10));
    let _permit = block_on(tx.reserve()).unwrap();
    assert_eq!((tx.capacity(), tx.capacity() - tx.len()), (10, 9));
    block_on(tx.send(())).unwrap();
    assert_eq!((tx.capacity(), tx.capacity() - tx.len()), (10, 8));
}

// From tokio's `test_rx_is_closed_when_calling_close_with_sender`.
#[test]
fn test_rx_is_closed_when_calling_close_with_sender() {
    let (_tx, mut rx) = channel::<()>(bounded(10));
    rx.close();
    assert!(rx.is_closed());
}

// From tokio's `test_rx_is_closed_when_dropping_all_senders`.
#[test]
fn test_rx_is_closed_when_dropping_all_senders() {
    let (tx, rx) = channel::<()>(bounded(10));
    let another_tx = tx.clone();
    let task = std::thread::spawn(move || drop(another_tx));
    drop(tx);
    task.join().unwrap();
    assert!(rx.is_closed());
}

// From tokio's `test_rx_is_not_closed_when_there_are_senders`.
#[test]
fn test_rx_is_not_closed_when_there_are_senders() {
    let (_tx, rx) = channel::<()>(bounded(10));
    assert!(!rx.is_closed());
}

// From tokio's `test_rx_is_not_closed_when_there_are_senders_and_buffer_filled`.
#[test]
fn test_rx_is_not_closed_when_there_are_senders_and_buffer_filled() {
    let (_tx, rx) = ten_sent_into_ten_slots();
    assert!(!rx.is_closed());
}

// From tokio's `test_rx_is_closed_when_there_are_no_senders_and_there_are_messages`.
#[test]
fn test_rx_is_closed_when_there_are_no_senders_and_there_are_messages() {
    let (tx, rx) = ten_sent_into_ten_slots();
    drop(tx);
    assert!(rx.is_closed());
}

// From tokio's `test_rx_is_closed_when_there_are_messages_and_close_is_called`.
#[test]
fn test_rx_is_closed_when_there_are_messages_and_close_is_called() {
    let (_tx, mut rx) = ten_sent_into_ten_slots();
    rx.close();
    assert!(rx.is_closed());
}

// From tokio's `test_rx_is_empty_when_no_messages_were_sent`.
#[test]
fn test_rx_is_empty_when_no_messages_were_sent() {
    let (_tx, rx) = channel::<()>(bounded(10));
    assert!(rx.is_empty());
}

// From tokio's `test_rx_is_not_empty_when_there_are_messages_in_the_buffer`.
#[test]
fn test_rx_is_not_empty_when_there_are_messages_in_the_buffer() {
    let (tx, rx) = channel::<()>(bounded(10));
    assert!(block_on(tx.send(())).is_ok());
    assert!(!rx.is_empty());
}

// From tokio's `test_rx_is_not_empty_when_the_buffer_is_full`.
#[test]
fn test_rx_is_not_empty_when_the_buffer_is_full() {
    let (_tx, rx) = ten_sent_into_ten_slots();
    assert!(!rx.is_empty());
}

// From tokio's `test_rx_is_not_empty_when_all_but_one_messages_are_consumed`.
#[test]
fn test_rx_is_not_empty_when_all_but_one_messages_are_consumed() {
    let (_tx, mut rx) = ten_sent_into_ten_slots();
    for _ in 0..9 {
        assert!(block_on(rx.recv()).is_some());
    }
    assert!(!rx.is_empty());
}

// From tokio's `test_rx_is_empty_when_all_messages_are_consumed`.
#[test]
fn test_rx_is_empty_when_all_messages_are_consumed() {
    let (_tx, mut rx) = ten_sent_into_ten_slots();
    while rx.try_recv().is_ok() {}
    assert!(rx.is_empty());
}

// From tokio's `test_rx_is_empty_all_senders_are_dropped_and_messages_consumed`.
#[test]
fn test_rx_is_empty_all_senders_are_dropped_and_messages_consumed() {
    let (tx, mut rx) = ten_sent_into_ten_slots();
    drop(tx);
    for _ in 0..10 {
        assert!(block_on(rx.recv()).is_some());
    }
    assert!(rx.is_empty());
}

// From tokio's `test_rx_len_on_empty_channel`.
#[test]
fn test_rx_len_on_empty_channel() {
    let (_tx, rx) = channel::<()>(bounded(100));
    assert_eq!(rx.len(), 0);
}

// From tokio's `test_rx_len_on_empty_channel_without_senders`: the close is not counted.
#[test]
fn test_rx_len_on_empty_channel_without_senders() {
    let (tx, rx) = channel::<()>(bounded(100));
    drop(tx);
    assert_eq!(rx.len(), 0);
    assert!(rx.is_empty());
}

// From tokio's `test_rx_len_on_filled_channel`.
#[test]
fn test_rx_len_on_filled_channel() {
    let (tx, rx) = channel::<usize>(bounded(FILL));
    for i in 0..FILL {
        assert!(block_on(tx.send(i)).is_ok());
    }
    assert_eq!(rx.len(), FILL);
}

// From tokio's `test_rx_len_on_filled_channel_without_senders`.
#[test]
fn test_rx_len_on_filled_channel_without_senders() {
    let (tx, rx) = channel::<usize>(bounded(FILL));
    for i in 0..FILL {
        assert!(block_on(tx.send(i)).is_ok());
    }
    drop(tx);
    assert_eq!(rx.len(), FILL);
}

// From tokio's `test_rx_len_when_consuming_all_messages`.
#[test]
fn test_rx_len_when_consuming_all_messages() {
    let (tx, mut rx) = channel::<usize>(bounded(FILL));
    for i in 0..FILL {
        assert!(block_on(tx.send(i)).is_ok());
        assert_eq!(rx.len(), i + 1);
    }
    drop(tx);
    for i in (0..FILL).rev() {
        assert!(block_on(rx.recv()).is_some());
        assert_eq!(rx.len(), i);
    }
}

// From tokio's `test_rx_len_when_close_is_called`.
#[test]
fn test_rx_len_when_close_is_called() {
    let (tx, mut rx) = channel::<()>(bounded(100));
    block_on(tx.send(())).unwrap();
    rx.close();
    assert_eq!(rx.len(), 1);
}

// From tokio's `test_rx_len_when_close_is_called_before_dropping_sender`.
#[test]
fn test_rx_len_when_close_is_called_before_dropping_sender() {
    let (tx, mut rx) = channel::<()>(bounded(100));
    block_on(tx.send(())).unwrap();
    rx.close();
    drop(tx);
    assert_eq!(rx.len(), 1);
}

// From tokio's `test_rx_len_when_close_is_called_after_dropping_sender`.
#[test]
fn test_rx_len_when_close_is_called_after_dropping_sender() {
    let (tx, mut rx) = channel::<()>(bounded(100));
    block_on(tx.send(())).unwrap();
    drop(tx);
    rx.close();
    assert_eq!(rx.len(), 1);
}

// From tokio's `test_is_empty_32_msgs` (tokio issue 6602: `is_empty` wrong at a block
// boundary); here the ring wraps around its 33 slots several times.
#[test]
fn test_is_empty_32_msgs() {
    let (tx, mut rx) = channel::<u32>(bounded(33));
    // (Under Miri, one lap and a bit.)
    for value in 1..if cfg!(miri) { 40 } else { 257 } {
        block_on(tx.send(value)).unwrap();
        block_on(rx.recv()).unwrap();
        assert!(rx.is_empty(), "{value}. len: {}", rx.len());
        assert_eq!(rx.len(), 0);
    }
}

// From tokio's `permit_send_panicking_rx_waker`.
#[test]
fn permit_send_panicking_rx_waker() {
    struct PanickingWaker;
    impl Wake for PanickingWaker {
        fn wake(self: Arc<Self>) {
            panic!("waker panicked");
        }
    }

    let (tx, mut rx) = channel::<i32>(bounded(1));
    let waker = Waker::from(Arc::new(PanickingWaker));
    let mut cx = Context::from_waker(&waker);
    assert!(rx.poll_recv(&mut cx).is_pending());
    let permit = try_reserve(&tx).unwrap().unwrap();
    assert!(panic::catch_unwind(AssertUnwindSafe(|| permit.send(7))).is_err());
    // The message was queued before the waker ran.
    assert_eq!(tx.capacity() - tx.len(), 0);
    assert_eq!(rx.len(), 1);
    assert_eq!(rx.try_recv(), Ok(7));
    assert_eq!(tx.capacity() - tx.len(), 1);
    assert_eq!(tx.capacity(), 1);
    // Beyond tokio's test: the receiver's waker cell still works after the panic. Had the
    // unwind left the cell held by the panicking wake (a wake run while the sender holds the
    // cell, as a waker kept in the cell and woken by reference would be), this poll would wake
    // its own waker instead of registering it, and the send below would wake nobody.
    let (wakes, counting) = CountingWaker::new();
    assert!(rx
        .poll_recv(&mut Context::from_waker(&counting))
        .is_pending());
    assert_eq!(wakes.count(), 0, "registered, not woken at once");
    tx.try_send(8).unwrap();
    assert_eq!(wakes.count(), 1, "woken by the send");
    assert_eq!(rx.try_recv(), Ok(8));
    rx.close();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

// From tokio's `drop_all_elements_during_panic` (unbounded there): the receiver's drop drops
// every queued message even though the first one's destructor panics.
#[test]
fn drop_all_elements_during_panic() {
    let counter = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = channel::<PanicOnDrop>(bounded(4));
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        tx.try_send(PanicOnDrop(true, counter.clone())).unwrap();
        tx.try_send(PanicOnDrop(false, counter.clone())).unwrap();
        tx.try_send(PanicOnDrop(false, counter.clone())).unwrap();
        drop(rx);
    }));
    assert!(result.is_err(), "the first destructor's panic goes on");
    // Every destructor ran, before the mailbox's memory goes with the last sender.
    assert_eq!(counter.load(Ordering::Relaxed), 3);
    assert!(tx.is_closed());
    assert_eq!(tx.stats().discarded, 3);
    drop(tx);
    assert_eq!(counter.load(Ordering::Relaxed), 3);
}

// From tokio's `release_waker_on_rx_drop`.
#[test]
fn release_waker_on_rx_drop() {
    struct DummyWaker;
    impl Wake for DummyWaker {
        fn wake(self: Arc<Self>) {}
    }

    let dummy = Arc::new(DummyWaker);
    let waker = Waker::from(dummy.clone());
    let mut cx = Context::from_waker(&waker);
    assert_eq!(Arc::strong_count(&dummy), 2);
    let (_tx, mut rx) = channel::<()>(bounded(1));
    assert!(rx.poll_recv(&mut cx).is_pending());
    assert_eq!(Arc::strong_count(&dummy), 3);
    drop(rx);
    assert_eq!(
        Arc::strong_count(&dummy),
        2,
        "dropping rx did not drop its waker"
    );
}

// ---- tokio's `tests/sync_mpsc_weak.rs` ----

// From tokio's `weak_sender`.
#[test]
fn weak_sender() {
    let (tx, mut rx) = channel::<i32>(bounded(11));
    let tx_weak = std::thread::spawn(move || {
        let tx_weak = tx.clone().downgrade();
        for i in 0..10 {
            if block_on(tx.send(i)).is_err() {
                return None;
            }
        }
        let tx2 = tx_weak
            .upgrade()
            .expect("expected to be able to upgrade tx_weak");
        let _ = block_on(tx2.send(20));
        Some(tx2.downgrade())
    })
    .join()
    .unwrap();

    for i in 0..12 {
        match block_on(rx.recv()) {
            Some(msg) => {
                if i == 10 {
                    assert_eq!(msg, 20);
                }
            }
            None => {
                assert_eq!(i, 11);
                break;
            }
        }
    }
    assert!(tx_weak.unwrap().upgrade().is_none());
}

// From tokio's `actor_weak_sender`: an actor holding a weak sender to itself sends itself a
// message while its handle lives, and ends when the handle goes; the reply goes back through
// a mailbox of one slot (tokio's `oneshot`).
#[test]
fn actor_weak_sender() {
    enum ActorMessage {
        GetUniqueId { respond_to: Sender<u32> },
        SelfMessage,
    }

    struct MyActor {
        receiver: Receiver<ActorMessage>,
        sender: WeakSender<ActorMessage>,
        next_id: u32,
        received_self_msg: bool,
    }

    impl MyActor {
        fn handle_message(&mut self, msg: ActorMessage) {
            match msg {
                ActorMessage::GetUniqueId { respond_to } => {
                    self.next_id += 1;
                    let _ = respond_to.try_send(self.next_id);
                }
                ActorMessage::SelfMessage => self.received_self_msg = true,
            }
        }

        async fn send_message_to_self(&mut self) {
            if let Some(sender) = self.sender.upgrade() {
                let _ = sender.send(ActorMessage::SelfMessage).await;
                self.sender = sender.downgrade();
            }
        }

        async fn run(&mut self) {
            let mut i = 0;
            while let Some(msg) = self.receiver.recv().await {
                self.handle_message(msg);
                if i == 0 {
                    self.send_message_to_self().await;
                }
                i += 1;
            }
            assert!(self.received_self_msg);
        }
    }

    let (sender, receiver) = channel::<ActorMessage>(bounded(8));
    let mut actor = MyActor {
        receiver,
        sender: sender.clone().downgrade(),
        next_id: 0,
        received_self_msg: false,
    };
    // One thread runs both tasks, as tokio's current-thread test runtime does: the actor
    // upgrades its weak sender before the handle, waiting for its reply, can drop the last
    // strong one. (On threads of their own the handle may go first, and the upgrade fail.)
    let handle = async move {
        let (send, mut recv) = channel::<u32>(bounded(1));
        let _ = sender
            .send(ActorMessage::GetUniqueId { respond_to: send })
            .await;
        let id = recv.recv().await.expect("Actor task has been killed");
        drop(sender);
        id
    };
    let ((), id) = block_on(futures::future::join(actor.run(), handle));
    assert_eq!(id, 1);
}

// From tokio's `test_msgs_dropped_on_rx_drop`.
#[test]
fn test_msgs_dropped_on_rx_drop() {
    struct Msg(Arc<AtomicUsize>);
    impl Drop for Msg {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Release);
        }
    }

    let dropped = Arc::new(AtomicUsize::new(0));
    let msg = || Msg(dropped.clone());
    let (tx, mut rx) = channel::<Msg>(bounded(3));
    block_on(async {
        tx.send(msg()).await.unwrap();
        tx.send(msg()).await.unwrap();
        // Sent once the two above are received, and dropped with the receiver.
        let sent = tx.send(msg());
        let _ = rx.recv().await.unwrap();
        let _ = rx.recv().await.unwrap();
        sent.await.unwrap();
    });
    drop(rx);
    assert_eq!(dropped.load(Ordering::Acquire), 3);
    // Refused, and handed back (dropped here) rather than queued.
    assert!(block_on(tx.send(msg())).is_err());
    assert_eq!(dropped.load(Ordering::Acquire), 4);
}

// From tokio's `downgrade_upgrade_sender_success`.
#[test]
fn downgrade_upgrade_sender_success() {
    let (tx, _rx) = channel::<i32>(bounded(1));
    let weak_tx = tx.downgrade();
    assert!(weak_tx.upgrade().is_some());
}

// From tokio's `downgrade_upgrade_sender_failure`.
#[test]
fn downgrade_upgrade_sender_failure() {
    let (tx, _rx) = channel::<i32>(bounded(1));
    let weak_tx = tx.downgrade();
    drop(tx);
    assert!(weak_tx.upgrade().is_none());
}

// From tokio's `downgrade_drop_upgrade`.
#[test]
fn downgrade_drop_upgrade() {
    let (tx, _rx) = channel::<i32>(bounded(1));
    let weak_tx = tx.clone().downgrade();
    drop(tx);
    assert!(weak_tx.upgrade().is_none());
}

// From tokio's `downgrade_get_permit_upgrade_no_senders`.
#[test]
fn downgrade_get_permit_upgrade_no_senders() {
    let (tx, _rx) = channel::<i32>(bounded(1));
    let weak_tx = tx.downgrade();
    let _permit = block_on(tx.reserve_owned()).unwrap();
    assert!(weak_tx.upgrade().is_some());
}

// From tokio's `downgrade_get_permit_upgrade_no_senders`, with a borrowed permit, which keeps
// its sender alive as long as it lives.
#[test]
fn downgrade_get_borrowed_permit_upgrade_no_senders() {
    let (tx, mut rx) = channel::<i32>(bounded(1));
    let weak_tx = tx.downgrade();
    let permit = block_on(tx.reserve()).unwrap();
    let upgraded = weak_tx.upgrade().expect("the permit's sender is alive");
    permit.send(1);
    drop(tx);
    // The upgraded sender keeps the mailbox open.
    assert!(!rx.is_closed());
    drop(upgraded);
    assert_eq!(block_on(rx.recv()), Some(1));
    assert_eq!(block_on(rx.recv()), None);
}

// From tokio's `downgrade_upgrade_get_permit_no_senders`.
#[test]
fn downgrade_upgrade_get_permit_no_senders() {
    let (tx, _rx) = channel::<i32>(bounded(1));
    let tx2 = tx.clone();
    let _permit = block_on(tx.reserve_owned()).unwrap();
    let weak_tx = tx2.downgrade();
    drop(tx2);
    assert!(weak_tx.upgrade().is_some());
}

// From tokio's `downgrade_upgrade_get_permit_no_senders`, with a borrowed permit.
#[test]
fn downgrade_upgrade_get_borrowed_permit_no_senders() {
    let (tx, _rx) = channel::<i32>(bounded(1));
    let tx2 = tx.clone();
    let _permit = block_on(tx.reserve()).unwrap();
    let weak_tx = tx2.downgrade();
    drop(tx2);
    assert!(weak_tx.upgrade().is_some());
}

// From tokio's `test_tx_count_weak_sender`.
#[test]
fn test_tx_count_weak_sender() {
    let (tx, _rx) = channel::<i32>(bounded(1));
    let tx_weak = tx.downgrade();
    let tx_weak2 = tx.downgrade();
    drop(tx);
    assert!(tx_weak.upgrade().is_none() && tx_weak2.upgrade().is_none());
}

// From tokio's `test_rx_is_closed_when_dropping_all_senders_except_weak_senders`.
#[test]
fn test_rx_is_closed_when_dropping_all_senders_except_weak_senders() {
    let (tx, rx) = channel::<()>(bounded(10));
    let _weak_sender = tx.clone().downgrade();
    drop(tx);
    assert!(rx.is_closed());
}

// From tokio's `sender_strong_count_when_cloned`.
#[test]
fn sender_strong_count_when_cloned() {
    let (tx, rx) = channel::<()>(bounded(1));
    let tx2 = tx.clone();
    assert_eq!(tx.strong_count(), 2);
    assert_eq!(tx2.strong_count(), 2);
    assert_eq!(rx.sender_strong_count(), 2);
}

// From tokio's `sender_weak_count_when_downgraded`.
#[test]
fn sender_weak_count_when_downgraded() {
    let (tx, _rx) = channel::<()>(bounded(1));
    let weak = tx.downgrade();
    assert_eq!(tx.weak_count(), 1);
    assert_eq!(weak.weak_count(), 1);
}

// From tokio's `sender_strong_count_when_dropped`.
#[test]
fn sender_strong_count_when_dropped() {
    let (tx, rx) = channel::<()>(bounded(1));
    let tx2 = tx.clone();
    drop(tx2);
    assert_eq!(tx.strong_count(), 1);
    assert_eq!(rx.sender_strong_count(), 1);
}

// From tokio's `sender_weak_count_when_dropped`.
#[test]
fn sender_weak_count_when_dropped() {
    let (tx, rx) = channel::<()>(bounded(1));
    let weak = tx.downgrade();
    drop(weak);
    assert_eq!(tx.weak_count(), 0);
    assert_eq!(rx.sender_weak_count(), 0);
}

// From tokio's `sender_strong_and_weak_conut` (sic).
#[test]
fn sender_strong_and_weak_conut() {
    let (tx, rx) = channel::<()>(bounded(1));
    let tx2 = tx.clone();
    let weak = tx.downgrade();
    let weak2 = tx2.downgrade();

    assert_eq!(tx.strong_count(), 2);
    assert_eq!(tx2.strong_count(), 2);
    assert_eq!(weak.strong_count(), 2);
    assert_eq!(weak2.strong_count(), 2);
    assert_eq!(rx.sender_strong_count(), 2);

    assert_eq!(tx.weak_count(), 2);
    assert_eq!(tx2.weak_count(), 2);
    assert_eq!(weak.weak_count(), 2);
    assert_eq!(weak2.weak_count(), 2);
    assert_eq!(rx.sender_weak_count(), 2);

    drop(tx2);
    drop(weak2);

    assert_eq!(tx.strong_count(), 1);
    assert_eq!(weak.strong_count(), 1);
    assert_eq!(rx.sender_strong_count(), 1);

    assert_eq!(tx.weak_count(), 1);
    assert_eq!(weak.weak_count(), 1);
    assert_eq!(rx.sender_weak_count(), 1);
}

// Beyond tokio's suite: the counts through the paths tokio's tests do not take (a weak
// sender's clone and upgrade, the last sender's drop), and `same_channel` on both kinds.
#[test]
fn sender_counts_follow_clone_upgrade_and_the_last_drop() {
    let (tx, rx) = channel::<()>(bounded(1));
    let weak = tx.downgrade();
    let weak2 = weak.clone();
    assert_eq!(rx.sender_weak_count(), 2);
    let up = weak2.upgrade().expect("`tx` is alive");
    assert_eq!((rx.sender_strong_count(), rx.sender_weak_count()), (2, 2));
    drop(weak2);
    assert_eq!((up.strong_count(), up.weak_count()), (2, 1));
    drop((tx, up));
    assert_eq!((weak.strong_count(), weak.weak_count()), (0, 1));
    assert!(weak.upgrade().is_none());
    assert_eq!(
        rx.sender_strong_count(),
        0,
        "a failed upgrade counts nothing"
    );
    drop(weak);
    assert_eq!(rx.sender_weak_count(), 0);
}

// Beyond tokio's suite: `same_channel` on senders and weak senders (tokio's has it on
// `Sender` and tests it in doc examples only).
#[test]
fn same_channel_tells_mailboxes_apart() {
    let (a, _rx_a) = channel::<u8>(bounded(1));
    let (b, _rx_b) = channel::<u8>(bounded(1));
    assert!(a.same_channel(&a));
    assert!(a.same_channel(&a.clone()));
    assert!(!a.same_channel(&b));
    assert!(a.downgrade().same_channel(&a.downgrade()));
    assert!(!a.downgrade().same_channel(&b.downgrade()));
    let up = a.downgrade().upgrade().expect("`a` is alive");
    assert!(up.same_channel(&a));
}

// ---- The same scenarios under every overflow policy ----
//
// tokio's bounded channel has one behaviour when full; the mailbox has three, and
// `DropOldest` receives through another path (a ring shared with evicting senders). These
// rerun the scenarios above under each.

/// A mailbox of `capacity` slots under `overflow`.
fn policy(capacity: usize, overflow: Overflow) -> MailboxConfig {
    MailboxConfig {
        capacity,
        overflow,
        ..MailboxConfig::default()
    }
}

// From tokio's `try_send_fail`: what a full mailbox does with one more message, per policy
// (tokio: `Full`, the `Busy` row).
#[test]
fn try_send_fail_under_every_policy() {
    for overflow in Overflow::ALL {
        let (tx, mut rx) = channel::<&str>(policy(1, overflow));
        tx.try_send("hello").unwrap();
        let first = match (overflow, tx.try_send("fail")) {
            (Overflow::Busy, Err(TrySendError::Busy("fail"))) => "hello",
            (Overflow::DropNewest, Err(TrySendError::Dropped)) => "hello",
            (Overflow::DropOldest, Ok(Sent::DisplacedOldest)) => "fail",
            (_, other) => panic!("{overflow}: {other:?}"),
        };
        assert_eq!(rx.try_recv(), Ok(first), "{overflow}");
        tx.try_send("goodbye").unwrap();
        drop(tx);
        assert_eq!(rx.try_recv(), Ok("goodbye"), "{overflow}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "{overflow}");
    }
}

// From tokio's `recv_close_gets_none_reserved`, per policy: a permit taken before the close
// still sends, a reservation waiting for room is refused (`reserve` waits for room whatever
// the policy).
#[test]
fn recv_close_gets_none_reserved_under_every_policy() {
    for overflow in Overflow::ALL {
        let (tx1, mut rx) = channel::<i32>(policy(1, overflow));
        let tx2 = tx1.clone();
        let permit1 = block_on(tx1.reserve()).unwrap();
        let mut permit2 = Task::new(tx2.reserve());
        assert!(permit2.poll().is_pending(), "{overflow}");
        rx.close();
        assert!(permit2.is_woken(), "{overflow}");
        assert!(
            matches!(permit2.poll(), Poll::Ready(Err(Closed))),
            "{overflow}"
        );
        {
            let mut recv = Task::new(rx.recv());
            assert!(recv.poll().is_pending(), "{overflow}");
            permit1.send(123);
            assert!(recv.is_woken(), "{overflow}");
            assert_eq!(recv.poll(), Poll::Ready(Some(123)), "{overflow}");
        }
        assert!(block_on(rx.recv()).is_none(), "{overflow}");
    }
}

// From tokio's `dropping_last_permit_wakes_closed_receiver` and
// `sending_last_permit_wakes_closed_receiver`, per policy.
#[test]
fn last_permit_wakes_closed_receiver_under_every_policy() {
    for overflow in Overflow::ALL {
        for send in [false, true] {
            let (tx, mut rx) = channel::<()>(policy(100, overflow));
            let permit = try_reserve(&tx).unwrap().unwrap();
            rx.close();
            let mut recv = Task::new(rx.recv());
            assert!(recv.poll().is_pending(), "{overflow}");
            if send {
                permit.send(());
            } else {
                drop(permit);
            }
            assert!(recv.is_woken(), "{overflow}");
            let expected = if send { Some(()) } else { None };
            assert_eq!(
                recv.poll(),
                Poll::Ready(expected),
                "{overflow}, send: {send}"
            );
        }
    }
}

// From tokio's `try_recv_after_receiver_close_with_permit`, per policy.
#[test]
fn try_recv_after_receiver_close_with_permit_under_every_policy() {
    for overflow in Overflow::ALL {
        let (tx, mut rx) = channel::<()>(policy(5, overflow));
        let permit = try_reserve(&tx).unwrap().unwrap();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{overflow}");
        rx.close();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{overflow}");
        drop(permit);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "{overflow}");
    }
}

// From tokio's `dropping_rx_closes_channel` and `unconsumed_messages_are_dropped`, per
// policy: the receiver's drop drops what is queued, and later sends are handed back.
#[test]
fn dropping_rx_drops_queued_messages_under_every_policy() {
    for overflow in Overflow::ALL {
        let msg = Arc::new(());
        let (tx, rx) = channel::<Arc<()>>(policy(2, overflow));
        tx.try_send(msg.clone()).unwrap();
        tx.try_send(msg.clone()).unwrap();
        assert_eq!(Arc::strong_count(&msg), 3, "{overflow}");
        drop(rx);
        assert_eq!(Arc::strong_count(&msg), 1, "{overflow}");
        assert!(
            matches!(tx.try_send(msg.clone()), Err(TrySendError::Closed(_))),
            "{overflow}"
        );
        assert!(
            matches!(block_on(tx.send(msg.clone())), Err(SendError::Closed(_))),
            "{overflow}"
        );
        assert!(block_on(tx.reserve()).is_err(), "{overflow}");
        assert_eq!(Arc::strong_count(&msg), 1, "{overflow}");
        assert_eq!(tx.stats().discarded, 2, "{overflow}");
    }
}

// From tokio's `drop_all_elements_during_panic`, per policy.
#[test]
fn drop_all_elements_during_panic_under_every_policy() {
    for overflow in Overflow::ALL {
        let counter = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel::<PanicOnDrop>(policy(4, overflow));
        for first in [true, false, false] {
            tx.try_send(PanicOnDrop(first, counter.clone())).unwrap();
        }
        let result = panic::catch_unwind(AssertUnwindSafe(|| drop(rx)));
        assert!(result.is_err(), "{overflow}");
        assert_eq!(counter.load(Ordering::Relaxed), 3, "{overflow}");
        drop(tx);
        assert_eq!(counter.load(Ordering::Relaxed), 3, "{overflow}");
    }
}

// From tokio's `test_is_empty_32_msgs` and `test_rx_len_when_consuming_all_messages`, per
// policy: `len` and `is_empty` as the ring wraps around.
#[test]
fn len_and_is_empty_as_the_ring_wraps_under_every_policy() {
    // 33 slots as in tokio's test (5 under Miri), three laps and a bit.
    let capacity: u32 = if cfg!(miri) { 5 } else { 33 };
    for overflow in Overflow::ALL {
        let (tx, mut rx) = channel::<u32>(policy(capacity as usize, overflow));
        for value in 1..3 * capacity + 2 {
            block_on(tx.send(value)).unwrap();
            assert_eq!(rx.len(), 1, "{overflow}");
            assert_eq!(block_on(rx.recv()), Some(value), "{overflow}");
            assert!(rx.is_empty(), "{overflow}: {value}. len: {}", rx.len());
        }
        for i in 0..capacity {
            tx.try_send(i).unwrap();
            assert_eq!(rx.len(), i as usize + 1, "{overflow}");
        }
        drop(tx);
        for i in (0..capacity as usize).rev() {
            assert!(block_on(rx.recv()).is_some(), "{overflow}");
            assert_eq!(rx.len(), i, "{overflow}");
        }
        assert!(rx.is_empty(), "{overflow}");
    }
}

// From tokio's `try_recv_after_receiver_close_with_permit`, with permits holding every slot
// (tokio's test has one permit in 5 slots; with `channel(1)`, or 5 permits, tokio answers
// `Disconnected` just the same). Once the permits are dropped the mailbox is closed and
// drained, and `try_recv` must say `Closed` (its documented contract), for each policy and
// for `try_recv_many` too.
#[test]
fn try_recv_after_receiver_close_with_permits_holding_every_slot() {
    for overflow in Overflow::ALL {
        for capacity in [1, 2, 5] {
            let (tx, mut rx) = channel::<()>(policy(capacity, overflow));
            let permits: Vec<_> = (0..capacity)
                .map(|_| try_reserve(&tx).unwrap().unwrap())
                .collect();
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            rx.close();
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            drop(permits);
            assert_eq!(
                rx.try_recv(),
                Err(TryRecvError::Closed),
                "{overflow}, capacity {capacity}"
            );
        }
        // The same through `try_recv_many`, and with the last sender's drop as the close.
        let (tx, mut rx) = channel::<()>(policy(2, overflow));
        let permits = [
            try_reserve(&tx).unwrap().unwrap(),
            try_reserve(&tx).unwrap().unwrap(),
        ];
        drop(permits);
        drop(tx);
        let mut out = Vec::new();
        assert_eq!(
            rx.try_recv_many(&mut out, 8),
            Err(TryRecvError::Closed),
            "{overflow}: try_recv_many"
        );
    }
}

// tokio `recv_timeout` (the send's timeout; tokio names it after the receiver that never reads)
#[test]
fn recv_timeout() {
    use ryker_core::error::SendTimeoutError::{Closed, Timeout};
    // tokio's deadlines are 1 s for the sends that find room and 100 ms for the one that does
    // not. Here a deadline that never comes stands for the first (room is there at once) and
    // one that has already come for the second (no thread and no sleep, so the test is the
    // same under Miri): what is checked is the outcome, not the clock.
    let never = std::future::pending::<()>;
    block_on(async {
        let (tx, rx) = channel::<u32>(bounded(5));
        for m in [10, 20, 30, 40, 50] {
            assert_eq!(tx.send_before(m, never()).await, Ok(Sent::Queued));
        }
        assert_eq!(
            tx.send_before(60, std::future::ready(())).await,
            Err(Timeout(60))
        );
        drop(rx);
        assert_eq!(tx.send_before(70, never()).await, Err(Closed(70)));
    });
}

// ryker: a `send_before` waiting on a full mailbox takes the slot a receive frees before its
// deadline, and a receive is what wakes it
#[test]
fn send_before_takes_the_slot_freed_before_its_deadline() {
    let (tx, mut rx) = channel::<u32>(bounded(1));
    tx.try_send(1).unwrap();
    let (woken, waker) = CountingWaker::new();
    let mut send = std::pin::pin!(tx.send_before(2, std::future::pending::<()>()));
    assert!(poll_once(send.as_mut(), &waker).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(woken.count() >= 1, "the freed slot woke the waiting send");
    assert_eq!(
        poll_once(send.as_mut(), &waker),
        Poll::Ready(Ok(Sent::Queued))
    );
    assert_eq!(rx.try_recv(), Ok(2));
}
