//! tokio's loom models of its bounded `mpsc` channel (tokio 1.54.1,
//! `src/sync/tests/loom_mpsc.rs`), ported to the mailbox as an independent check: each model
//! names the tokio model it comes from. Three more take single-threaded tests of tokio's
//! `tests/sync_mpsc.rs` about permits and the close onto two threads (the last three models).
//!
//! Not ported: `closing_unbounded_tx`, `closing_unbounded_rx`, `dropping_unbounded_tx`
//! (unbounded channel only); `len_during_close_block_cap` and
//! `len_during_close_block_cap_plus_1` (a boundary of tokio's linked blocks, which the ring
//! has no counterpart of: `len_during_close_after_a_lap` takes the ring's own boundary, the
//! lap, instead). tokio's `Sender::closed()` future, which `closing_bounded_rx` and
//! `closing_and_sending` wait on, has no counterpart in the mailbox: there a sender waiting for
//! room on a full mailbox stands in for it (the close must wake it as it would wake `closed()`).
#![cfg(ryker_loom)]

use loom::sync::{Arc, Condvar, Mutex};
use loom_tests::{block_on, model, spawn, Drops};
use ryker_core::error::{SendError, TryRecvError};
use ryker_core::mailbox::{channel, MailboxConfig, Overflow, Receiver, Sender, Sent};

/// A `Busy` mailbox of `capacity` slots (tokio's `mpsc::channel(capacity)`).
fn bounded(capacity: usize) -> MailboxConfig {
    MailboxConfig {
        capacity,
        overflow: Overflow::Busy,
        amnesia: false,
    }
}

/// From tokio's `closing_tx`: a sender sends one message and leaves; the waiting receiver
/// gets the message, then the end.
#[test]
fn peer_tokio_closing_tx() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(bounded(16));
        let th = spawn(move || {
            assert_eq!(tx.try_send(7), Ok(Sent::Queued));
            drop(tx);
        });
        assert_eq!(block_on(rx.recv()), Some(7));
        assert_eq!(block_on(rx.recv()), None);
        th.join().unwrap();
    });
}

/// From tokio's `closing_bounded_rx`: the receiver is dropped on another thread while two
/// senders wait for it to go (tokio's `closed().await`; here each waits for room on the full
/// mailbox, `send` and `reserve`): both are woken and refused, and the message queued before
/// is dropped once, with the receiver.
#[test]
fn peer_tokio_closing_bounded_rx() {
    model(3, || {
        let drops = Drops::new(2);
        let (tx1, rx) = channel(bounded(1));
        let tx2 = tx1.clone();
        tx1.try_send(drops.msg(0)).unwrap();
        let th = spawn(move || drop(rx));
        match block_on(tx1.send(drops.msg(1))) {
            Err(SendError::Closed(msg)) => assert_eq!(msg.id, 1),
            other => panic!("the receiver never takes anything: {other:?}"),
        }
        assert!(block_on(tx2.reserve()).is_err());
        th.join().unwrap();
        drops.assert_each_dropped_once();
    });
}

/// From tokio's `closing_and_sending`: one sender sends, another waits for the close, the
/// receiver takes one message and drops itself. Here the mailbox has one slot, and the second
/// sender's wait is a `send` that may find room (after the receive) or be refused by the close:
/// either way it ends, and what was accepted is received or dropped with the receiver.
#[test]
fn peer_tokio_closing_and_sending() {
    model(2, || {
        let drops = Drops::new(2);
        let (tx1, mut rx) = channel(bounded(1));
        let tx2 = tx1.clone();
        let d = drops.clone();
        let th1 = spawn(move || tx1.try_send(d.msg(0)).is_ok());
        let d = drops.clone();
        let th2 = spawn(move || block_on(tx2.send(d.msg(1))).is_ok());
        // The receiver runs on the main thread (tokio: a third spawned one; cut to keep the
        // model small).
        let got = block_on(rx.recv())
            .expect("a sender is alive until it sent")
            .id;
        drop(rx);
        let first = th1.join().unwrap();
        let second = th2.join().unwrap();
        // The `try_send` fails only when the other message holds the one slot.
        assert!(first || second, "one of the two was accepted");
        assert!(
            (got == 0 && first) || (got == 1 && second),
            "received {got}"
        );
        drops.assert_each_dropped_once();
    });
}

/// From tokio's `dropping_tx`: three senders (two on threads of their own) are dropped while
/// the receiver waits: it sees the end.
#[test]
fn peer_tokio_dropping_tx() {
    model(3, || {
        let (tx, mut rx) = channel::<()>(bounded(16));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let tx = tx.clone();
                spawn(move || drop(tx))
            })
            .collect();
        drop(tx);
        assert_eq!(block_on(rx.recv()), None);
        for th in threads {
            th.join().unwrap();
        }
    });
}

/// From tokio's `try_recv`: a full mailbox of 2 slots, and a semaphore of 2 permits (a
/// count under a mutex, with a condition variable to wait on) around "take a message with
/// `try_recv`, then put one back with `try_send`", run by three threads. With at most two in
/// the section, a message is always there to take (see below for `try_recv`) and the
/// `try_send` always finds room.
#[test]
fn peer_tokio_try_recv() {
    const PERMITS: usize = 2;
    const TASKS: usize = 2;

    struct Ctx {
        permits: Mutex<usize>,
        released: Condvar,
        tx: Sender<()>,
        rx: Mutex<Receiver<()>>,
    }

    fn run(ctx: &Ctx) {
        let mut permits = ctx.permits.lock().unwrap();
        while *permits == 0 {
            permits = ctx.released.wait(permits).unwrap();
        }
        *permits -= 1;
        drop(permits);
        {
            let mut rx = ctx.rx.lock().unwrap();
            // Differs from tokio, whose `try_recv` parks while a send is in progress at the
            // head: the mailbox's says `Empty` there (documented), even when a message whose
            // send has returned is queued behind that slot (another runner's `try_send`
            // claimed its slot first and is still writing). A receive then gets it, waiting
            // for nothing but that send.
            if let Err(err) = rx.try_recv() {
                assert_eq!(err, TryRecvError::Empty);
                assert_eq!(block_on(rx.recv()), Some(()));
            }
        }
        loom::thread::yield_now();
        assert_eq!(ctx.tx.clone().try_send(()), Ok(Sent::Queued));
        *ctx.permits.lock().unwrap() += 1;
        ctx.released.notify_one();
    }

    model(2, || {
        let (tx, rx) = channel(bounded(PERMITS));
        for _ in 0..PERMITS {
            tx.try_send(()).unwrap();
        }
        let ctx = Arc::new(Ctx {
            permits: Mutex::new(PERMITS),
            released: Condvar::new(),
            tx,
            rx: Mutex::new(rx),
        });
        let threads: Vec<_> = (0..TASKS)
            .map(|_| {
                let ctx = ctx.clone();
                spawn(move || run(&ctx))
            })
            .collect();
        run(&ctx);
        for th in threads {
            th.join().unwrap();
        }
        let mut rx = ctx.rx.lock().unwrap();
        assert_eq!(rx.len(), PERMITS);
        assert_eq!(rx.try_recv(), Ok(()));
        assert_eq!(rx.try_recv(), Ok(()));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

/// From tokio's `len_nonzero_after_send`: two senders send at once; once its own send has
/// returned, each sees a length of at least 1 (nothing is received).
#[test]
fn peer_tokio_len_nonzero_after_send() {
    model(3, || {
        let (send, recv) = channel::<&str>(bounded(10));
        let send2 = send.clone();
        let join = spawn(move || {
            block_on(send2.send("message2")).unwrap();
        });
        block_on(send.send("message1")).unwrap();
        assert_ne!(recv.len(), 0);
        assert_ne!(send.len(), 0);
        join.join().unwrap();
        assert_eq!(recv.len(), 2);
    });
}

/// From tokio's `nonempty_after_send`: as `len_nonzero_after_send`, with `is_empty`.
#[test]
fn peer_tokio_nonempty_after_send() {
    model(3, || {
        let (send, recv) = channel::<&str>(bounded(10));
        let send2 = send.clone();
        let join = spawn(move || {
            block_on(send2.send("message2")).unwrap();
        });
        block_on(send.send("message1")).unwrap();
        assert!(!recv.is_empty());
        assert!(!send.is_empty());
        join.join().unwrap();
    });
}

/// From tokio's `is_empty_during_close`: the receiver asks `is_empty` while the last sender
/// closes the mailbox: the close bit is never counted as a message.
#[test]
fn peer_tokio_is_empty_during_close() {
    model(3, || {
        let (tx, rx) = channel::<()>(bounded(1));
        let th1 = spawn(move || {
            assert!(rx.is_empty());
            assert_eq!(rx.len(), 0);
        });
        drop(tx);
        th1.join().unwrap();
    });
}

/// tokio's `len_during_close_helper`: `n` messages queued in a mailbox of `n + 1` slots
/// (after `lap` rounds of filling and emptying it), then the receiver's `len` races the last
/// sender's drop (the close).
fn len_during_close(n: usize, lap: bool) {
    model(3, move || {
        let (tx, mut rx) = channel::<()>(bounded(n + 1));
        if lap {
            // One lap around the ring, so that `head` and `tail` are in their second lap.
            for _ in 0..=n {
                tx.try_send(()).unwrap();
            }
            for _ in 0..=n {
                rx.try_recv().unwrap();
            }
        }
        for _ in 0..n {
            tx.try_send(()).unwrap();
        }
        let th1 = spawn(move || {
            assert_eq!(rx.len(), n);
            assert_eq!(rx.is_empty(), n == 0);
        });
        drop(tx);
        th1.join().unwrap();
    });
}

/// From tokio's `len_during_close_0`.
#[test]
fn peer_tokio_len_during_close_0() {
    len_during_close(0, false);
}

/// From tokio's `len_during_close_1`.
#[test]
fn peer_tokio_len_during_close_1() {
    len_during_close(1, false);
}

/// From tokio's `len_during_close_block_cap`: the ring's boundary is its lap, not a block.
#[test]
fn peer_tokio_len_during_close_after_a_lap() {
    len_during_close(1, true);
}

/// From tokio's `dropping_last_permit_wakes_closed_receiver` and
/// `sending_last_permit_wakes_closed_receiver` (single-threaded tests there), with the permit
/// on a thread of its own: the sender reserves the only slot, closes the mailbox and then
/// drops or sends through its permit, while the receiver waits: it gets the message if one
/// was sent, then the end.
fn last_permit_wakes_closed_receiver(send: bool) {
    model(4, move || {
        let (tx, mut rx) = channel::<u32>(bounded(1));
        // Another sender outlives the permit, so that the last sender's drop (which wakes
        // the receiver too) comes after the wait: the permit's send or drop must wake it.
        let keep = tx.clone();
        let th = spawn(move || {
            let permit = block_on(tx.reserve()).expect("the receiver is alive");
            tx.close();
            if send {
                permit.send(7);
            } else {
                drop(permit);
            }
        });
        if send {
            assert_eq!(block_on(rx.recv()), Some(7));
        }
        assert_eq!(block_on(rx.recv()), None);
        th.join().unwrap();
        drop(keep);
    });
}

/// From tokio's `dropping_last_permit_wakes_closed_receiver`.
#[test]
fn peer_tokio_dropping_last_permit_wakes_closed_receiver() {
    last_permit_wakes_closed_receiver(false);
}

/// From tokio's `sending_last_permit_wakes_closed_receiver`.
#[test]
fn peer_tokio_sending_last_permit_wakes_closed_receiver() {
    last_permit_wakes_closed_receiver(true);
}

/// From tokio's `recv_close_gets_none_reserved` (single-threaded there), with the second
/// reservation on a thread of its own: the receiver closes the mailbox while a permit holds
/// its only slot and another sender waits for room (or is about to); the waiting sender is
/// woken and refused, the permit's message is still received, then the end.
#[test]
fn peer_tokio_recv_close_gets_none_reserved() {
    model(4, || {
        let (tx1, mut rx) = channel::<u32>(bounded(1));
        let tx2 = tx1.clone();
        let permit1 = block_on(tx1.reserve()).unwrap();
        let th = spawn(move || block_on(tx2.reserve()).is_err());
        rx.close();
        permit1.send(123);
        assert_eq!(block_on(rx.recv()), Some(123));
        assert!(
            th.join().unwrap(),
            "the only slot was held, then the mailbox closed"
        );
        drop(tx1);
        assert_eq!(block_on(rx.recv()), None);
    });
}
