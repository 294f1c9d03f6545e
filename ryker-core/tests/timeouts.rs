//! Waits with a time limit: `Receiver::recv_before` (the caller's deadline future), and the
//! blocking calls on the host's clock, `Receiver::blocking_recv_timeout` and
//! `Sender::blocking_send_timeout` (crossbeam-channel's `recv_timeout` and `send_timeout`).
//! What they must keep: a message there when the time is up is still taken; a send that
//! times out hands its message back and leaves nothing behind (no slot, no wake-up another
//! waiting sender needed); the overflow policies answer as `try_send` does.
//!
//! No assertion here is on how long a call took: a timeout is observed as the error it
//! returns, and the waits that must succeed are given a minute, which a correct mailbox
//! never needs.

mod common;

use std::pin::pin;
use std::sync::mpsc as std_mpsc;
use std::task::Poll;
use std::thread;
use std::time::Duration;

use common::{config, poll_once, CountingWaker};
use ryker_core::error::{RecvTimeoutError, SendTimeoutError};
use ryker_core::mailbox::{channel, Overflow, Sent};

const LONG: Duration = Duration::from_secs(60);
const SHORT: Duration = Duration::from_millis(2);

#[test]
fn recv_before_takes_a_queued_message_even_after_its_deadline() {
    let (tx, mut rx) = channel::<u32>(config(4, Overflow::Busy));
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    let past = || std::future::ready(());
    assert_eq!(futures::executor::block_on(rx.recv_before(past())), Ok(1));
    assert_eq!(futures::executor::block_on(rx.recv_before(past())), Ok(2));
    assert_eq!(
        futures::executor::block_on(rx.recv_before(past())),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(rx.stats().received, 2);
}

#[test]
fn recv_before_is_woken_by_a_send_and_ends_at_close() {
    let (tx, mut rx) = channel::<u32>(config(4, Overflow::Busy));
    let (waker_state, waker) = CountingWaker::new();
    {
        let mut recv = pin!(rx.recv_before(std::future::pending::<()>()));
        assert_eq!(poll_once(recv.as_mut(), &waker), Poll::Pending);
        tx.try_send(7).unwrap();
        assert_eq!(waker_state.count(), 1, "the send wakes the waiting receive");
        assert_eq!(poll_once(recv.as_mut(), &waker), Poll::Ready(Ok(7)));
    }
    {
        let mut recv = pin!(rx.recv_before(std::future::pending::<()>()));
        assert_eq!(poll_once(recv.as_mut(), &waker), Poll::Pending);
        drop(tx);
        assert_eq!(
            waker_state.count(),
            2,
            "the close wakes the waiting receive"
        );
        assert_eq!(
            poll_once(recv.as_mut(), &waker),
            Poll::Ready(Err(RecvTimeoutError::Closed))
        );
    }
}

#[test]
fn a_dropped_recv_before_takes_nothing() {
    let (tx, mut rx) = channel::<u32>(config(4, Overflow::Busy));
    let (_, waker) = CountingWaker::new();
    {
        let mut recv = pin!(rx.recv_before(std::future::pending::<()>()));
        assert_eq!(poll_once(recv.as_mut(), &waker), Poll::Pending);
    }
    tx.try_send(3).unwrap();
    assert_eq!(
        rx.try_recv(),
        Ok(3),
        "the message sent after the drop is still there"
    );
}

#[test]
fn blocking_recv_timeout_times_out_then_receives_and_sees_the_end() {
    let (tx, mut rx) = channel::<u32>(config(4, Overflow::Busy));
    assert_eq!(
        rx.blocking_recv_timeout(SHORT),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(
        rx.blocking_recv_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Timeout)
    );
    let (go, wait) = std_mpsc::channel::<()>();
    let sender = thread::spawn(move || {
        wait.recv().unwrap();
        for i in 0..3 {
            tx.blocking_send(i).unwrap();
        }
    });
    go.send(()).unwrap();
    for i in 0..3 {
        assert_eq!(rx.blocking_recv_timeout(LONG), Ok(i));
    }
    sender.join().unwrap();
    assert_eq!(
        rx.blocking_recv_timeout(LONG),
        Err(RecvTimeoutError::Closed)
    );
}

#[test]
fn blocking_recv_timeout_with_no_time_left_still_takes_a_queued_message() {
    let (tx, mut rx) = channel::<u32>(config(4, Overflow::Busy));
    tx.try_send(9).unwrap();
    drop(tx);
    assert_eq!(rx.blocking_recv_timeout(Duration::ZERO), Ok(9));
    assert_eq!(
        rx.blocking_recv_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Closed),
        "closed and drained"
    );
}

#[test]
fn the_longest_timeouts_do_not_overflow_the_clock() {
    let (tx, mut rx) = channel::<u32>(config(1, Overflow::Busy));
    assert_eq!(tx.blocking_send_timeout(1, Duration::MAX), Ok(Sent::Queued));
    assert_eq!(rx.blocking_recv_timeout(Duration::MAX), Ok(1));
}

#[test]
fn blocking_send_timeout_hands_the_message_back_and_leaves_the_mailbox_as_it_was() {
    let (tx, mut rx) = channel::<String>(config(1, Overflow::Busy));
    tx.try_send("kept".to_string()).unwrap();
    for timeout in [Duration::ZERO, SHORT] {
        assert_eq!(
            tx.blocking_send_timeout("late".to_string(), timeout),
            Err(SendTimeoutError::Timeout("late".to_string()))
        );
    }
    assert_eq!(rx.try_recv().as_deref(), Ok("kept"));
    // The slot the timed-out sends waited for is free for the next one at once.
    assert_eq!(
        tx.blocking_send_timeout("next".to_string(), Duration::ZERO),
        Ok(Sent::Queued)
    );
    assert_eq!(rx.try_recv().as_deref(), Ok("next"));
    assert_eq!(rx.stats().accepted, 2, "a timed-out send is not accepted");
}

#[test]
fn a_send_that_times_out_leaves_the_wake_up_to_the_sender_still_waiting() {
    // Two senders wait on a full mailbox of one slot; the first gives up, the second has all
    // the time it needs. The slot the receiver frees must reach the second sender whether or
    // not the first one's wait had been woken for it before it gave up.
    for _ in 0..common::scale(200) {
        let (tx, mut rx) = channel::<u32>(config(1, Overflow::Busy));
        tx.try_send(0).unwrap();
        let patient = {
            let tx = tx.clone();
            thread::spawn(move || tx.blocking_send_timeout(2, LONG))
        };
        let hasty = {
            let tx = tx.clone();
            thread::spawn(move || tx.blocking_send_timeout(1, Duration::from_micros(50)))
        };
        drop(tx);
        // Receives until both senders are gone (each thread's clone goes with it).
        let mut got = Vec::new();
        while let Some(msg) = rx.blocking_recv() {
            got.push(msg);
        }
        assert_eq!(got[0], 0);
        let hasty = hasty.join().unwrap();
        assert_eq!(patient.join().unwrap(), Ok(Sent::Queued));
        got.remove(0);
        got.sort_unstable();
        match hasty {
            Ok(Sent::Queued) => assert_eq!(got, [1, 2]),
            Err(SendTimeoutError::Timeout(1)) => assert_eq!(got, [2]),
            other => panic!("the hasty send: {other:?}"),
        }
    }
}

#[test]
fn a_waiting_blocking_send_timeout_gets_its_message_back_at_close() {
    let (tx, rx) = channel::<u32>(config(1, Overflow::Busy));
    tx.try_send(0).unwrap();
    let (started, wait_started) = std_mpsc::channel::<()>();
    let sender = thread::spawn(move || {
        started.send(()).unwrap();
        tx.blocking_send_timeout(1, LONG)
    });
    wait_started.recv().unwrap();
    drop(rx);
    assert_eq!(sender.join().unwrap(), Err(SendTimeoutError::Closed(1)));
}

#[test]
fn blocking_send_timeout_answers_a_full_mailbox_by_its_policy_without_waiting() {
    let (tx, mut rx) = channel::<u32>(config(1, Overflow::DropNewest));
    tx.try_send(1).unwrap();
    assert_eq!(
        tx.blocking_send_timeout(2, LONG),
        Err(SendTimeoutError::Dropped)
    );
    assert_eq!(tx.stats().dropped_newest, 1, "counted");
    assert_eq!(rx.try_recv(), Ok(1));

    let (tx, mut rx) = channel::<u32>(config(1, Overflow::DropOldest));
    tx.try_send(1).unwrap();
    assert_eq!(tx.blocking_send_timeout(2, LONG), Ok(Sent::DisplacedOldest));
    assert_eq!(tx.stats().dropped_oldest, 1, "counted");
    assert_eq!(rx.try_recv(), Ok(2));

    let (tx, rx) = channel::<u32>(config(1, Overflow::Busy));
    drop(rx);
    assert_eq!(
        tx.blocking_send_timeout(3, LONG),
        Err(SendTimeoutError::Closed(3))
    );
}
