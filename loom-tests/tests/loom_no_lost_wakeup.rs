//! No lost wake-ups, on either side of the mailbox.
//!
//! Every model here keeps a `Sender` alive in the receiving thread until the end, so that a
//! close (which wakes everybody) cannot hide a lost wake-up: a wake-up that is lost leaves a
//! thread parked in `block_on` for good, and loom reports `deadlock`.
//!
//! Broken twins: `recheck` (the receiver does not re-check the ring after registering its waker)
//! and `wake` (nothing orders a plain send's claim before its read of the waker state) must both
//! deadlock `receiver_woken_by_send`; `coming` (the receiver parks on a plain send's claim in
//! flight) must deadlock `receiver_meets_a_send_preempted_mid_claim`.
#![cfg(ryker_loom)]

use core::future::{poll_fn, Future};
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use loom_tests::{block_on, busy, model, send_via_reserve, spawn, spawn_joined_late};
use ryker_core::error::SendError;
use ryker_core::mailbox::{channel, Sent};

/// One poll with a waker that does nothing: the future is then abandoned (dropped) without
/// ever being polled again.
fn poll_noop<F: Future>(fut: core::pin::Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(Waker::noop()))
}

/// A receiver waiting on an empty mailbox is woken by a send.
#[test]
fn receiver_woken_by_send() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(1));
        let tx2 = tx.clone();
        let s = spawn(move || {
            assert_eq!(
                tx2.try_send(7),
                Ok(Sent::Queued),
                "an empty mailbox accepts"
            );
        });
        assert_eq!(block_on(rx.recv()), Some(7));
        s.join().unwrap();
        drop(tx);
    });
}

/// The same through `recv_many`: woken by the first of two sends, and every message arrives.
#[test]
fn receiver_woken_by_send_many() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(2));
        let tx2 = tx.clone();
        let s = spawn(move || {
            for i in 0..2 {
                assert_eq!(tx2.try_send(i), Ok(Sent::Queued), "two free slots");
            }
        });
        let mut got = Vec::new();
        while got.len() < 2 {
            let n = block_on(rx.recv_many(&mut got, 2));
            assert!(n >= 1, "recv_many returned 0 before the end");
        }
        assert_eq!(got, [0, 1]);
        s.join().unwrap();
        drop(tx);
    });
}

/// Request and response, as an actor answers `ask`s: the receiver takes all there is
/// (`recv_many` with room for more), answers it, and waits again, while the client, once
/// answered, sends the next request. A receive that took fewer than it had room for registers
/// before it looks (`register_first`); the next request may come before that registration,
/// while the receiver is still answering. Broken twin `register_blind` (the poll that
/// registered first parks without looking) deadlocks here.
#[test]
fn request_response_receiver_registers_before_it_looks() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(4));
        let (answer_tx, mut answers) = channel::<u32>(busy(4));
        let keep = tx.clone();
        let client = spawn(move || {
            for i in 0..2 {
                assert_eq!(tx.try_send(i), Ok(Sent::Queued), "one request at a time");
                assert_eq!(block_on(answers.recv()), Some(i + 10), "the answer to {i}");
            }
        });
        let mut got = Vec::new();
        while got.len() < 2 {
            let from = got.len();
            let n = block_on(rx.recv_many(&mut got, 4));
            assert!(n >= 1, "recv_many returned 0 before the end");
            for &i in &got[from..] {
                assert_eq!(
                    answer_tx.try_send(i + 10),
                    Ok(Sent::Queued),
                    "room for answers"
                );
            }
        }
        assert_eq!(got, [0, 1]);
        client.join().unwrap();
        drop(keep);
    });
}

/// A sender is preempted between its claim and its publish while the receiver looks, registers
/// and looks again. A plain send's publish is not followed by a fence, so the receiver must not
/// park on a claim in flight: broken twin `coming` (it parks there) deadlocks here. A bystander
/// thread (another task of the program) takes the receiver's yields: without it, loom would hand
/// each of them to the preempted sender, which then always finishes before the receiver parks.
#[test]
fn receiver_meets_a_send_preempted_mid_claim() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(3));
        let tx_a = tx.clone();
        let tx_b = tx.clone();
        let a = spawn(move || {
            assert_eq!(tx_a.try_send(1), Ok(Sent::Queued), "free slots");
        });
        let b = spawn(move || {
            for i in [2, 3] {
                assert_eq!(tx_b.try_send(i), Ok(Sent::Queued), "free slots");
            }
        });
        let mut got = Vec::new();
        while got.len() < 3 {
            let n = block_on(rx.recv_many(&mut got, 3));
            assert!(n >= 1, "recv_many returned 0 before the end");
        }
        got.sort_unstable();
        assert_eq!(got, [1, 2, 3]);
        a.join().unwrap();
        b.join().unwrap();
        drop(tx);
    });
}

/// A receiver that looks mid-stream (it has just taken two messages at once) answers its next
/// empty poll with a yield (`Pending`, nothing registered); a send racing the poll after the
/// yield, which registers and re-checks, still wakes it. (The sender is spawned after the
/// yield, with plain `loom::thread::spawn`: the helper's extra `yield_now` would let it run to
/// completion first.)
#[test]
fn receiver_mid_stream_woken_by_send() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(2));
        tx.try_send(0).unwrap();
        tx.try_send(1).unwrap();
        let mut got = Vec::new();
        assert_eq!(block_on(rx.recv_many(&mut got, 2)), 2, "both queued");
        let mut recv = pin!(rx.recv());
        assert!(poll_noop(recv.as_mut()).is_pending(), "empty: the yield");
        let tx2 = tx.clone();
        let s = loom::thread::spawn(move || {
            assert_eq!(
                tx2.try_send(2),
                Ok(Sent::Queued),
                "an empty mailbox accepts"
            );
        });
        assert_eq!(block_on(recv), Some(2));
        s.join().unwrap();
        drop(tx);
    });
}

/// A receiver mid-stream waiting for a run (8 slots: a run of `recv_many(.., 2)` is 2) finds one
/// message of the two and yields without taking it or registering; the second send races that
/// wait and the polls after it, where the wait has run out (one yield under loom) and the
/// receiver takes the short run or registers. Either way it gets both messages, in order, and
/// nothing is left waiting: the scenario of a sender that stops mid-run while the receiver
/// waits for the rest. Broken twin `run_wake` (the wait does not wake its own task) deadlocks
/// here.
#[test]
fn receiver_waiting_for_a_run_gets_a_short_one() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(8));
        tx.try_send(0).unwrap();
        tx.try_send(1).unwrap();
        let mut got = Vec::new();
        assert_eq!(block_on(rx.recv_many(&mut got, 2)), 2, "both queued");
        tx.try_send(2).unwrap();
        let tx2 = tx.clone();
        let s = loom::thread::spawn(move || {
            assert_eq!(tx2.try_send(3), Ok(Sent::Queued), "room for it");
        });
        while got.len() < 4 {
            assert!(block_on(rx.recv_many(&mut got, 2)) > 0, "not closed");
        }
        assert_eq!(got, [0, 1, 2, 3]);
        s.join().unwrap();
        drop(tx);
    });
}

/// The same receiver, mid-stream, sees the end when the last sender goes after its yield.
#[test]
fn receiver_mid_stream_woken_by_last_sender_drop() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(2));
        tx.try_send(0).unwrap();
        tx.try_send(1).unwrap();
        let mut got = Vec::new();
        assert_eq!(block_on(rx.recv_many(&mut got, 2)), 2, "both queued");
        let mut recv = pin!(rx.recv());
        assert!(poll_noop(recv.as_mut()).is_pending(), "empty: the yield");
        let s = loom::thread::spawn(move || drop(tx));
        assert_eq!(block_on(recv), None);
        s.join().unwrap();
    });
}

/// A receiver waiting on empty is woken when the last sender goes, and then sees the end.
#[test]
fn receiver_woken_by_last_sender_drop() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(1));
        let s = spawn(move || drop(tx));
        assert_eq!(block_on(rx.recv()), None);
        s.join().unwrap();
    });
}

/// A sender waiting on a full mailbox (capacity 1, `send().await` under `Overflow::Busy`) is
/// woken by a receive.
#[test]
fn sender_woken_by_recv() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(1));
        tx.try_send(0).unwrap();
        let tx2 = tx.clone();
        let s = spawn(move || {
            assert_eq!(block_on(tx2.send(1)), Ok(Sent::Queued));
        });
        assert_eq!(block_on(rx.recv()), Some(0));
        assert_eq!(block_on(rx.recv()), Some(1));
        s.join().unwrap();
        drop(tx);
    });
}

/// Issue 10: a receive that takes a run of messages (`recv_many`, `Ring::take_run_exclusive`)
/// from a full mailbox while a sender waits for room (`send().await`): the run's frees must
/// reach the waiting sender, whatever the interleaving of the frees, the receiver's fence and
/// the sender's registration. The scenario of any actor or batch consumer behind a burst.
#[test]
fn sender_woken_by_a_run() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(2));
        tx.try_send(0).unwrap();
        tx.try_send(1).unwrap();
        let tx2 = tx.clone();
        drop(tx);
        let s = spawn(move || assert_eq!(block_on(tx2.send(2)), Ok(Sent::Queued)));
        let mut got = Vec::new();
        assert_eq!(block_on(rx.recv_many(&mut got, 2)), 2);
        assert_eq!(got, [0, 1]);
        assert_eq!(block_on(rx.recv()), Some(2));
        s.join().unwrap();
        assert_eq!(block_on(rx.recv()), None);
    });
}

/// The same for `poll_reserve`: a sender waiting for a permit is woken by a receive.
#[test]
fn reserve_woken_by_recv() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(1));
        tx.try_send(0).unwrap();
        let mut tx2 = tx.clone();
        let s = spawn(move || {
            send_via_reserve(&mut tx2, 1).expect("receiver is alive");
        });
        assert_eq!(block_on(rx.recv()), Some(0));
        assert_eq!(block_on(rx.recv()), Some(1));
        s.join().unwrap();
        drop(tx);
    });
}

/// A waiting send future that is polled again while it is still queued (as `select!` and
/// `join!` do whenever a sibling future is woken) must not lose the wake-up that frees its slot.
#[test]
fn sender_repolled_while_queued() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(1));
        tx.try_send(0).unwrap();
        let tx2 = tx.clone();
        let s = spawn(move || {
            let mut send = pin!(tx2.send(1));
            let mut first = true;
            let sent = block_on(poll_fn(|cx| {
                let poll = send.as_mut().poll(cx);
                if first && poll.is_pending() {
                    first = false;
                    // A second poll with nothing changed, as a combinator would do.
                    return send.as_mut().poll(cx);
                }
                poll
            }));
            assert_eq!(sent, Ok(Sent::Queued));
        });
        assert_eq!(block_on(rx.recv()), Some(0));
        assert_eq!(block_on(rx.recv()), Some(1));
        s.join().unwrap();
        drop(tx);
    });
}

/// Two senders wait on a full mailbox. The first one's send future is polled once and then
/// dropped, before or after the receiver's notification reaches it (loom tries both): its
/// place is given up, and a wake-up it had received is passed on, so the other sender (waiting
/// in `send().await`) still completes.
#[test]
fn dropped_send_future_passes_its_wakeup_on() {
    // Three threads that all take the wait-list lock: bound 2 explores over 200 000
    // interleavings (minutes); bound 1 (1 431) already finds both the lost wake-up on
    // re-poll and the reserve-cancel bug that earlier versions had.
    model(1, || {
        let (tx, mut rx) = channel::<u32>(busy(1));
        tx.try_send(0).unwrap();
        let tx1 = tx.clone();
        let tx2 = tx.clone();
        let s1 = spawn(move || {
            let mut send = pin!(tx1.send(1));
            let sent = poll_noop(send.as_mut()).is_ready();
            loom::thread::yield_now();
            sent
        });
        let s2 = spawn(move || {
            assert_eq!(block_on(tx2.send(2)), Ok(Sent::Queued));
        });
        assert_eq!(rx.try_recv(), Ok(0));
        let mut got = Vec::new();
        while !got.contains(&2) {
            got.push(block_on(rx.recv()).expect("a sender is alive"));
        }
        let s1_sent = s1.join().unwrap();
        s2.join().unwrap();
        drop(tx);
        while let Ok(m) = rx.try_recv() {
            got.push(m);
        }
        got.sort_unstable();
        let expected: &[u32] = if s1_sent { &[1, 2] } else { &[2] };
        assert_eq!(got, expected, "received {got:?}; s1 completed: {s1_sent}");
    });
}

/// `Sender::reserve` is documented cancel safe: dropping the future before it completes
/// reserves nothing, gives its place up and passes a wake-up it had received on. As above, with
/// the first sender waiting in `reserve()` (and keeping its `Sender`).
#[test]
fn dropped_reserve_future_passes_its_wakeup_on() {
    // Three threads that all take the wait-list lock: bound 2 explores over 200 000
    // interleavings (minutes); bound 1 (1 431) already finds both the lost wake-up on
    // re-poll and the reserve-cancel bug that earlier versions had.
    model(1, || {
        let (tx, mut rx) = channel::<u32>(busy(1));
        tx.try_send(0).unwrap();
        let tx1 = tx.clone();
        let tx2 = tx.clone();
        let s1 = spawn(move || {
            let sent = {
                let mut reserve = pin!(tx1.reserve());
                let sent = match poll_noop(reserve.as_mut()) {
                    Poll::Ready(Ok(permit)) => {
                        permit.send(1);
                        true
                    }
                    Poll::Ready(Err(_)) => panic!("the receiver is alive"),
                    Poll::Pending => false,
                };
                loom::thread::yield_now();
                sent
            };
            (tx1, sent)
        });
        let s2 = spawn(move || {
            assert_eq!(block_on(tx2.send(2)), Ok(Sent::Queued));
        });
        assert_eq!(rx.try_recv(), Ok(0));
        let mut got = Vec::new();
        while !got.contains(&2) {
            got.push(block_on(rx.recv()).expect("a sender is alive"));
        }
        let (tx1, s1_sent) = s1.join().unwrap();
        s2.join().unwrap();
        drop((tx, tx1));
        while let Ok(m) = rx.try_recv() {
            got.push(m);
        }
        got.sort_unstable();
        let expected: &[u32] = if s1_sent { &[1, 2] } else { &[2] };
        assert_eq!(got, expected, "received {got:?}; s1 sent: {s1_sent}");
    });
}

/// A sender waiting on full is woken by `Receiver::close` and gets its message back.
#[test]
fn waiting_sender_woken_by_close() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(1));
        tx.try_send(0).unwrap();
        let tx2 = tx.clone();
        let s = spawn(move || block_on(tx2.send(1)));
        rx.close();
        let mut got = Vec::new();
        while let Some(m) = block_on(rx.recv()) {
            got.push(m);
        }
        match s.join().unwrap() {
            Ok(Sent::Queued) => assert_eq!(got, [0, 1], "an accepted message was lost"),
            Err(SendError::Closed(1)) => assert_eq!(got, [0]),
            other => panic!("unexpected send result {other:?}"),
        }
        drop(tx);
    });
}

/// The blocking calls (`blocking_send`/`blocking_recv` park the thread through the same waker
/// registrations): a sender blocked on full and a receiver blocked on empty wake each other.
#[test]
fn blocking_send_and_recv() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(1));
        let tx2 = tx.clone();
        // The receive of 2 may find it on its re-check with its thread's waker still
        // registered; the sender's later wake then unparks the receiver's thread wherever it
        // is, joining included (`spawn_joined_late`).
        let s = spawn_joined_late(move || {
            for m in [1, 2] {
                assert_eq!(tx2.blocking_send(m), Ok(Sent::Queued));
            }
        });
        assert_eq!(rx.blocking_recv(), Some(1));
        assert_eq!(rx.blocking_recv(), Some(2));
        s.join();
        drop(tx);
        assert_eq!(rx.blocking_recv(), None);
    });
}

/// A blocking receiver whose last sender sends and goes on another thread: its look takes the
/// fenced check once it sees the flag set before the close (`Shared::close_ring`), the
/// stamp-only one before; either way it gets the message, then the end, and neither early.
#[test]
fn blocking_recv_meets_the_last_sender_leaving() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(2));
        let tx2 = tx.clone();
        drop(tx);
        let s = spawn(move || {
            assert_eq!(tx2.blocking_send(1), Ok(Sent::Queued));
            drop(tx2);
        });
        assert_eq!(rx.blocking_recv(), Some(1));
        assert_eq!(rx.blocking_recv(), None);
        s.join().unwrap();
    });
}

/// A blocking receiver mid-stream (its last receive took two messages) whose first look passes
/// by a message short of a run (8 slots: a run is 2), while the last sender sends one more and
/// leaves on another thread: the receive goes on to its registration, which takes the message
/// or is woken for it, and then the end is seen; nothing is lost, nothing arrives twice.
#[test]
fn blocking_recv_mid_stream_meets_the_last_sender_leaving() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(8));
        tx.try_send(0).unwrap();
        tx.try_send(1).unwrap();
        let tx2 = tx.clone();
        drop(tx);
        let s = spawn(move || {
            assert_eq!(tx2.blocking_send(2), Ok(Sent::Queued));
            drop(tx2);
        });
        let mut out = Vec::new();
        // The first receive takes at least the two queued before: from then on, mid-stream.
        assert!(rx.blocking_recv_many(&mut out, 8) >= 2);
        while rx.blocking_recv_many(&mut out, 8) > 0 {}
        assert_eq!(out, [0, 1, 2]);
        s.join().unwrap();
    });
}
