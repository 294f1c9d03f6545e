//! An abandoned `poll_reserve` loses nobody's wake-up (issue 8, item 1).
//!
//! `Sender::poll_reserve` has no future whose drop would give its place up: after a `Pending`
//! its caller may stop polling for good (a timeout, a `select!` that took another branch) or
//! fall back to `send().await` on the same sender. A notification that lands on such a
//! registration must not be spent on it. Each model keeps the abandoning sender alive to the
//! end (its drop would pass a notification on and hide the bug) and a sender in the receiving
//! thread, so that no close wakes anybody: a lost wake-up leaves a thread parked for good and
//! loom reports `deadlock`.
//!
//! Broken twin `reserve_consumes` (a notification is spent on a `poll_reserve` registration,
//! the old behaviour) must deadlock `abandoned_poll_reserve_does_not_starve_send`.
#![cfg(ryker_loom)]

use core::task::{Context, Poll, Waker};

use loom_tests::{block_on, model, spawn};
use ryker_core::mailbox::{channel, MailboxConfig, Overflow, Receiver, Sender, Sent};

/// A full mailbox of capacity 1 (holding `0`).
fn full() -> (Sender<u32>, Receiver<u32>) {
    let (tx, rx) = channel::<u32>(MailboxConfig {
        capacity: 1,
        overflow: Overflow::Busy,
        amnesia: false,
    });
    tx.try_send(0).unwrap();
    (tx, rx)
}

/// One `poll_reserve` with a waker nobody listens to; `true` if it had to wait.
fn reserve_once(tx: &mut Sender<u32>, msg: u32) -> bool {
    match tx.poll_reserve(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(Ok(permit)) => {
            permit.send(msg);
            false
        }
        Poll::Ready(Err(_)) => panic!("the receiver is alive"),
        Poll::Pending => true,
    }
}

/// Sender A's `poll_reserve` is pending on a full mailbox and then abandoned; sender B waits
/// in `send().await`, queued behind it. The receiver frees the slot: B must get it.
#[test]
fn abandoned_poll_reserve_does_not_starve_send() {
    model(3, || {
        let (tx, mut rx) = full();
        let mut tx_a = tx.clone();
        assert!(reserve_once(&mut tx_a, 1), "full: A waits");
        let tx_b = tx.clone();
        let b = spawn(move || assert_eq!(block_on(tx_b.send(2)), Ok(Sent::Queued)));
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(block_on(rx.recv()), Some(2));
        b.join().unwrap();
        drop((tx, tx_a));
    });
}

/// The same with B in `blocking_send` (its own wait path: a slot first, then the message).
#[test]
fn abandoned_poll_reserve_does_not_starve_send_blocking() {
    model(3, || {
        let (tx, mut rx) = full();
        let mut tx_a = tx.clone();
        assert!(reserve_once(&mut tx_a, 1), "full: A waits");
        let tx_b = tx.clone();
        let b = spawn(move || assert_eq!(tx_b.blocking_send(2), Ok(Sent::Queued)));
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(rx.blocking_recv(), Some(2));
        b.join().unwrap();
        drop((tx, tx_a));
    });
}

/// One sender falls back from a pending `poll_reserve` to `send().await` on itself (as after a
/// timeout): the send completes once the receiver frees the slot.
#[test]
fn poll_reserve_then_send_on_the_same_sender() {
    model(3, || {
        let (tx, mut rx) = full();
        let mut tx_a = tx.clone();
        let a = spawn(move || {
            if reserve_once(&mut tx_a, 1) {
                assert_eq!(block_on(tx_a.send(1)), Ok(Sent::Queued));
            }
            tx_a
        });
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(block_on(rx.recv()), Some(1));
        let tx_a = a.join().unwrap();
        drop((tx, tx_a));
    });
}

/// The same falling back to `blocking_send`.
#[test]
fn poll_reserve_then_send_blocking_on_the_same_sender() {
    model(3, || {
        let (tx, mut rx) = full();
        let mut tx_a = tx.clone();
        let a = spawn(move || {
            if reserve_once(&mut tx_a, 1) {
                assert_eq!(tx_a.blocking_send(1), Ok(Sent::Queued));
            }
            tx_a
        });
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(rx.blocking_recv(), Some(1));
        let tx_a = a.join().unwrap();
        drop((tx, tx_a));
    });
}

/// A's `poll_reserve` waits and then gives up with `abort_reserve`, before or after the
/// receiver's notification reaches it (loom tries both); B, waiting in `send().await`, still
/// completes.
#[test]
fn aborted_poll_reserve_does_not_starve_send() {
    // Three threads that all take the wait-list lock: bound 1, as the other three-thread
    // models in `loom_no_lost_wakeup` (bound 2 runs for many minutes).
    model(1, || {
        let (tx, mut rx) = full();
        let mut tx_a = tx.clone();
        let tx_b = tx.clone();
        let a = spawn(move || {
            let waited = reserve_once(&mut tx_a, 1);
            loom::thread::yield_now();
            assert_eq!(tx_a.abort_reserve(), waited);
            (tx_a, !waited)
        });
        let b = spawn(move || assert_eq!(block_on(tx_b.send(2)), Ok(Sent::Queued)));
        assert_eq!(rx.try_recv(), Ok(0));
        let mut got = vec![block_on(rx.recv()).expect("a sender is alive")];
        b.join().unwrap();
        let (tx_a, a_sent) = a.join().unwrap();
        while got.len() < 1 + usize::from(a_sent) {
            got.push(block_on(rx.recv()).expect("a sender is alive"));
        }
        drop((tx, tx_a));
        got.sort_unstable();
        let expected: &[u32] = if a_sent { &[1, 2] } else { &[2] };
        assert_eq!(got, expected, "A sent: {a_sent}");
    });
}
