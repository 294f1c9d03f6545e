//! `Sender::poll_reserve` left pending and then abandoned (a timeout, a `select!` that took
//! another branch, a fall back to `send().await`) must not swallow the wake-up that frees a
//! slot: other senders, and the same sender's own `send`, still complete (issue 8, item 1).
//!
//! Every test here is single-threaded and deterministic: the waiters are polled by hand with
//! counting wakers, so a lost wake-up shows as "not woken" and "still pending", not as a hang.

mod common;

use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use common::{poll_once, CountingWaker};
use ryker_core::mailbox::{channel, MailboxConfig, Overflow, Sender, Sent};

fn full_mailbox() -> (Sender<u32>, ryker_core::mailbox::Receiver<u32>) {
    let (tx, rx) = channel::<u32>(MailboxConfig {
        capacity: 1,
        overflow: Overflow::Busy,
        ..MailboxConfig::default()
    });
    tx.try_send(0).unwrap();
    (tx, rx)
}

/// A waker nobody listens to (`Waker::noop` is newer than the MSRV).
fn noop() -> Waker {
    CountingWaker::new().1
}

/// `poll_reserve` once, and the caller walks away (never polls it again). Returns how often
/// the waker it registered is woken from then on.
fn reserve_pending_then_abandon(tx: &mut Sender<u32>) -> Arc<CountingWaker> {
    let (woken, waker) = CountingWaker::new();
    assert!(
        tx.poll_reserve(&mut Context::from_waker(&waker))
            .is_pending(),
        "the mailbox is full"
    );
    woken
}

#[test]
fn abandoned_poll_reserve_does_not_swallow_another_senders_wakeup() {
    let (tx, mut rx) = full_mailbox();
    let mut tx_a = tx.clone();
    reserve_pending_then_abandon(&mut tx_a);
    // Sender B waits in `send().await`, queued behind A's abandoned registration.
    let (woken_b, waker_b) = CountingWaker::new();
    let mut send_b = pin!(tx.send(2));
    assert!(poll_once(send_b.as_mut(), &waker_b).is_pending());
    // The receiver frees the slot: B must be woken, and get it.
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(
        woken_b.count() >= 1,
        "the slot was freed but B was never woken"
    );
    assert_eq!(
        poll_once(send_b.as_mut(), &waker_b),
        Poll::Ready(Ok(Sent::Queued)),
        "B was woken but could not take the freed slot (len {})",
        rx.len()
    );
    assert_eq!(rx.try_recv(), Ok(2));
    drop(tx_a);
}

#[test]
fn abandoned_poll_reserve_does_not_swallow_a_blocking_senders_wakeup() {
    // Sender B is a blocking sender on its own thread, A an abandoned `poll_reserve` here.
    // Under the old behaviour the notification went to A and B slept for good (with
    // `len() == 0`); the deadline below reports that. The order is forced: A registers before
    // B can even start.
    let (tx, mut rx) = full_mailbox();
    let mut tx_a = tx.clone();
    reserve_pending_then_abandon(&mut tx_a);
    let tx_b = tx.clone();
    let b = std::thread::spawn(move || tx_b.blocking_send(2));
    // Give B time to queue and park behind A (only to make the failing order likely: B's
    // queue position is not observable; whichever order happens, B must get the slot).
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(rx.blocking_recv(), Some(0));
    // A deadlock detector, not a speed limit: B normally finishes within microseconds.
    let deadline = Instant::now() + Duration::from_secs(20);
    let got = loop {
        match rx.try_recv() {
            Ok(m) => break m,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(1)),
            Err(e) => panic!(
                "deadlock: B never got the freed slot ({e:?}, len {}, B finished: {})",
                rx.len(),
                b.is_finished()
            ),
        }
    };
    assert_eq!(got, 2);
    assert_eq!(b.join().unwrap(), Ok(Sent::Queued));
    drop((tx, tx_a));
}

#[test]
fn same_sender_falls_back_from_pending_poll_reserve_to_send() {
    let (mut tx, mut rx) = full_mailbox();
    let keep_open = tx.clone();
    let reserve_woken = reserve_pending_then_abandon(&mut tx);
    let (woken, waker) = CountingWaker::new();
    let mut send = pin!(tx.send(1));
    assert!(poll_once(send.as_mut(), &waker).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    // The send's first poll gave the stale registration up, before it queued.
    assert_eq!(
        reserve_woken.count(),
        0,
        "the freed slot woke the abandoned poll_reserve: its registration was still queued"
    );
    assert!(
        woken.count() >= 1,
        "the slot was freed but send() was never woken"
    );
    assert_eq!(
        poll_once(send.as_mut(), &waker),
        Poll::Ready(Ok(Sent::Queued))
    );
    assert_eq!(rx.try_recv(), Ok(1));
    drop(keep_open);
}

#[test]
fn same_sender_falls_back_from_pending_poll_reserve_to_reserve() {
    let (mut tx, mut rx) = full_mailbox();
    reserve_pending_then_abandon(&mut tx);
    let (woken, waker) = CountingWaker::new();
    let mut reserve = pin!(tx.reserve());
    assert!(poll_once(reserve.as_mut(), &waker).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(
        woken.count() >= 1,
        "the slot was freed but reserve() was never woken"
    );
    match poll_once(reserve.as_mut(), &waker) {
        Poll::Ready(Ok(permit)) => permit.send(1),
        other => panic!("expected a permit, got {:?}", other.map(|r| r.is_ok())),
    }
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn two_pending_poll_reserves_are_both_woken_and_one_gets_the_slot() {
    // Only `poll_reserve` waiters: a freed slot wakes each of them (none of them is bound to
    // come back), so the live one gets it even when the first one was abandoned.
    let (tx, mut rx) = full_mailbox();
    let mut tx_a = tx.clone();
    let mut tx_b = tx.clone();
    reserve_pending_then_abandon(&mut tx_a);
    let (woken_b, waker_b) = CountingWaker::new();
    assert!(tx_b
        .poll_reserve(&mut Context::from_waker(&waker_b))
        .is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(
        woken_b.count() >= 1,
        "the live poll_reserve was never woken"
    );
    match tx_b.poll_reserve(&mut Context::from_waker(&waker_b)) {
        Poll::Ready(Ok(permit)) => permit.send(2),
        other => panic!("expected a permit, got {:?}", other.map(|r| r.is_ok())),
    }
    assert_eq!(rx.try_recv(), Ok(2));
    drop((tx, tx_a));
}

#[test]
fn abort_reserve_leaves_the_queue_and_says_whether_it_was_waiting() {
    let (mut tx, mut rx) = full_mailbox();
    assert!(!tx.abort_reserve(), "never reserved: nothing to abort");
    reserve_pending_then_abandon(&mut tx);
    assert!(tx.abort_reserve(), "a pending poll_reserve was given up");
    assert!(!tx.abort_reserve(), "only once");
    // A sender queued after the aborted one is the only waiter: it gets the freed slot.
    let tx_b = tx.clone();
    let (woken_b, waker_b) = CountingWaker::new();
    let mut send_b = pin!(tx_b.send(2));
    assert!(poll_once(send_b.as_mut(), &waker_b).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(woken_b.count(), 1);
    assert_eq!(
        poll_once(send_b.as_mut(), &waker_b),
        Poll::Ready(Ok(Sent::Queued))
    );
    // And the aborted sender can reserve again later.
    assert_eq!(rx.try_recv(), Ok(2));
    match tx.poll_reserve(&mut Context::from_waker(&noop())) {
        Poll::Ready(Ok(permit)) => permit.send(3),
        other => panic!("expected a permit, got {:?}", other.map(|r| r.is_ok())),
    }
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
fn abort_reserve_after_its_wakeup_arrived_loses_nothing() {
    // The notification lands on A's registration first (A is at the head), then A gives up.
    let (tx, mut rx) = full_mailbox();
    let mut tx_a = tx.clone();
    let (woken_a, waker_a) = CountingWaker::new();
    assert!(tx_a
        .poll_reserve(&mut Context::from_waker(&waker_a))
        .is_pending());
    let (woken_b, waker_b) = CountingWaker::new();
    let mut send_b = pin!(tx.send(2));
    assert!(poll_once(send_b.as_mut(), &waker_b).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(
        woken_a.count(),
        1,
        "A is woken too (it may still want the slot)"
    );
    assert!(tx_a.abort_reserve());
    assert!(woken_b.count() >= 1);
    assert_eq!(
        poll_once(send_b.as_mut(), &waker_b),
        Poll::Ready(Ok(Sent::Queued))
    );
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn poll_reserve_after_send_took_its_registration_starts_afresh() {
    // `send` on a sender with a pending `poll_reserve` drops that registration; a later
    // `poll_reserve` on the same sender still works (and waits again when full).
    let (mut tx, mut rx) = full_mailbox();
    let keep_open = tx.clone();
    reserve_pending_then_abandon(&mut tx);
    {
        let mut send = pin!(tx.send(1));
        assert!(poll_once(send.as_mut(), &noop()).is_pending());
    }
    let (woken, waker) = CountingWaker::new();
    assert!(tx
        .poll_reserve(&mut Context::from_waker(&waker))
        .is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(woken.count(), 1);
    match tx.poll_reserve(&mut Context::from_waker(&waker)) {
        Poll::Ready(Ok(permit)) => permit.send(4),
        other => panic!("expected a permit, got {:?}", other.map(|r| r.is_ok())),
    }
    assert_eq!(rx.try_recv(), Ok(4));
    assert!(!tx.abort_reserve(), "completed: nothing pending");
    drop(keep_open);
}

#[test]
fn abort_reserve_after_send_gave_the_registration_up_has_nothing_to_abort() {
    // `send` took the stale `poll_reserve` registration out of the queue: `abort_reserve`
    // then says there was nothing pending (it used to answer from a flag `send` cannot clear).
    let (mut tx, mut rx) = full_mailbox();
    let keep_open = tx.clone();
    reserve_pending_then_abandon(&mut tx);
    {
        let mut send = pin!(tx.send(1));
        assert!(poll_once(send.as_mut(), &noop()).is_pending());
    }
    assert!(
        !tx.abort_reserve(),
        "send gave the registration up already: nothing to abort"
    );
    assert_eq!(rx.try_recv(), Ok(0));
    drop(keep_open);
}

#[test]
fn blocking_send_into_a_free_slot_still_gives_a_pending_poll_reserve_up() {
    // A free slot and nobody queued, but a stale `poll_reserve` registration on this sender:
    // `blocking_send`'s inline first attempt must leave this case to its wait
    // (`blocking_send_wait`), which gives the registration up. The freed slot woke the
    // registration; had the inline attempt taken the slot, the registration would outlive
    // the send and `abort_reserve` would report a wait that is over.
    let (mut tx, mut rx) = full_mailbox();
    let keep_open = tx.clone();
    let reserve_woken = reserve_pending_then_abandon(&mut tx);
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(
        reserve_woken.count(),
        1,
        "the freed slot woke the registration"
    );
    assert_eq!(tx.blocking_send(1), Ok(Sent::Queued));
    assert!(
        !tx.abort_reserve(),
        "blocking_send gave the registration up: nothing to abort"
    );
    assert_eq!(rx.try_recv(), Ok(1));
    drop(keep_open);
}
