//! `Sender::send_before`: a send raced against the caller's deadline, answered by the
//! mailbox's overflow policy as `send` answers it, except for the deadline.

mod common;

use std::pin::pin;
use std::task::Poll;

use common::{config, poll_once, CountingWaker};
use ryker_core::mailbox::{channel, Overflow, Sent};

/// Under `DropOldest`, a `send_before` that found the oldest slot still held (by a permit) and
/// waited does not wait for the receiver once that slot is published: it evicts the oldest
/// message, as `send` does, instead of timing out with the message in hand.
#[test]
fn drop_oldest_send_before_evicts_once_the_held_oldest_slot_is_published() {
    let (tx, mut rx) = channel::<u32>(config(1, Overflow::DropOldest));
    let permit = tx.try_reserve().unwrap();
    let (woken, waker) = CountingWaker::new();
    let mut send = pin!(tx.send(2));
    let mut before = pin!(tx.send_before(3, std::future::pending::<()>()));
    assert!(
        poll_once(send.as_mut(), &waker).is_pending(),
        "the oldest slot is held"
    );
    assert!(
        poll_once(before.as_mut(), &waker).is_pending(),
        "the oldest slot is held"
    );
    permit.send(1);
    assert!(woken.count() >= 1, "the publish wakes a waiting send");
    // `send` evicts 1 and queues 2.
    assert_eq!(
        poll_once(send.as_mut(), &waker),
        Poll::Ready(Ok(Sent::DisplacedOldest))
    );
    // `send_before`, with its deadline far off, does the same: evicts 2, queues 3.
    assert_eq!(
        poll_once(before.as_mut(), &waker),
        Poll::Ready(Ok(Sent::DisplacedOldest)),
        "a DropOldest send_before waits on the receiver instead of evicting"
    );
    assert_eq!(rx.try_recv(), Ok(3));
    let stats = rx.stats();
    assert_eq!(
        (stats.accepted, stats.dropped_oldest, stats.received),
        (3, 2, 1)
    );
}

/// The same when the deadline has come by the time it is polled again: room that is there
/// when the deadline comes is still taken, and under `DropOldest` a published oldest message
/// is room.
#[test]
fn drop_oldest_send_before_is_not_timed_out_by_a_stalled_receiver() {
    let (tx, mut rx) = channel::<u32>(config(1, Overflow::DropOldest));
    let permit = tx.try_reserve().unwrap();
    let (_woken, waker) = CountingWaker::new();
    let (fire, deadline) = futures::channel::oneshot::channel::<()>();
    let deadline = async move {
        let _ = deadline.await;
    };
    let mut before = pin!(tx.send_before(3, deadline));
    assert!(poll_once(before.as_mut(), &waker).is_pending());
    permit.send(1);
    fire.send(()).unwrap();
    assert_eq!(
        poll_once(before.as_mut(), &waker),
        Poll::Ready(Ok(Sent::DisplacedOldest)),
        "timed out though the oldest message could be evicted"
    );
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.stats().dropped_oldest, 1);
}

/// The future can move to another thread (a multi-threaded executor's task) whenever the
/// message and the deadline can.
#[test]
fn send_before_is_send() {
    fn assert_send<F: std::future::Future + Send>(_: &F) {}
    let (tx, _rx) = channel::<u32>(config(1, Overflow::DropOldest));
    let fut = tx.send_before(1, std::future::pending::<()>());
    assert_send(&fut);
}
