//! Cancel safety: futures dropped mid-wait lose and duplicate nothing.

mod common;

use std::pin::pin;
use std::task::Poll;

use common::{poll_once, CountingWaker};
use ryker_core::mailbox::{channel, MailboxConfig, Sent};

/// Rounds of each cancel loop. Miri is about 10^4 times slower; twelve rounds still take every
/// branch (each `round % 3` case, a waiting send that completes at once or after a receive)
/// four times, and the first test's two-slot ring laps several times. Every round repeats the
/// same unsafe paths (slot writes and reads, waiter links added and unlinked by a drop): no
/// state of the mailbox grows with the count, so more rounds would run nothing new.
const ROUNDS: u32 = if cfg!(miri) { 12 } else { 10_000 };

#[test]
fn ten_thousand_dropped_send_and_recv_futures_lose_nothing() {
    let (tx, mut rx) = channel::<u64>(MailboxConfig {
        capacity: 2,
        ..Default::default()
    });
    let (_, waker) = CountingWaker::new();
    let mut sent = Vec::new();
    let mut received = Vec::new();
    let mut next = 0u64;
    for round in 0..u64::from(ROUNDS) {
        // Fill the mailbox so that sends must wait.
        while tx.try_send(next).is_ok() {
            sent.push(next);
            next += 1;
        }
        {
            // A waiting send, dropped mid-wait: its message must not be delivered.
            let mut pending = pin!(tx.send(u64::MAX));
            assert!(poll_once(pending.as_mut(), &waker).is_pending());
            if round % 3 == 0 {
                // Free a slot while it waits: it is notified, then dropped unused.
                received.push(rx.try_recv().unwrap());
            }
        }
        {
            // A second waiting send completes after the receiver makes room.
            let mut waiting = pin!(tx.send(next));
            match poll_once(waiting.as_mut(), &waker) {
                Poll::Ready(Ok(Sent::Queued)) => {}
                Poll::Pending => {
                    received.push(rx.try_recv().unwrap());
                    assert_eq!(
                        poll_once(waiting.as_mut(), &waker),
                        Poll::Ready(Ok(Sent::Queued))
                    );
                }
                Poll::Ready(other) => panic!("unexpected {other:?}"),
            }
            sent.push(next);
            next += 1;
        }
        // Drain, with a recv future dropped while waiting on empty in between.
        while let Ok(v) = rx.try_recv() {
            received.push(v);
        }
        {
            let mut recv = pin!(rx.recv());
            assert!(poll_once(recv.as_mut(), &waker).is_pending());
        }
    }
    assert_eq!(
        received, sent,
        "every accepted message exactly once, in order"
    );
    assert!(
        !received.contains(&u64::MAX),
        "a cancelled send was delivered"
    );
    let s = rx.stats();
    assert_eq!(
        (s.accepted, s.received),
        (sent.len() as u64, sent.len() as u64)
    );
}

#[test]
fn cancelled_recv_many_takes_nothing() {
    let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    let (_, waker) = CountingWaker::new();
    let mut buf = Vec::new();
    let mut out = Vec::new();
    for i in 0..ROUNDS {
        {
            let mut fut = pin!(rx.recv_many(&mut buf, 8));
            assert!(poll_once(fut.as_mut(), &waker).is_pending());
        }
        tx.try_send(i).unwrap();
        out.push(rx.try_recv().unwrap());
    }
    assert!(buf.is_empty());
    assert_eq!(out, (0..ROUNDS).collect::<Vec<_>>());
}
