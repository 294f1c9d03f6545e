//! `Sender::closed`: a task waiting for the close, raced against the receiver's close and
//! drop, and against a sender waiting for a slot, whose wake-up it must never take.
#![cfg(ryker_loom)]

use loom_tests::{block_on, busy, model, spawn};
use ryker_core::mailbox::{channel, Sent};

/// A task waits in `closed()` while the receiver is dropped: it completes.
#[test]
fn closed_races_receiver_drop() {
    model(3, || {
        let (tx, rx) = channel::<u32>(busy(1));
        let a = spawn(move || {
            block_on(tx.closed());
            assert!(tx.is_closed());
        });
        drop(rx);
        a.join().unwrap();
    });
}

/// A task waits in `closed()` while the receiver closes the mailbox and drains it: the task
/// completes, and the receiver still gets what was queued.
#[test]
fn closed_races_receiver_close() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(1));
        tx.try_send(1).unwrap();
        let a = spawn(move || {
            block_on(tx.closed());
            assert!(tx.try_send(2).unwrap_err().is_closed());
        });
        rx.close();
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), None);
        a.join().unwrap();
    });
}

/// The mailbox is full; one task waits in `send` for a slot, another in `closed()`. The
/// receiver frees the one slot: that wake-up must reach the sender (whose message then
/// arrives), never be taken by the `closed` waiter; the receiver's drop then ends the
/// `closed` waiter. Broken twin `closed_list` (the `closed` future waits in the senders' list)
/// deadlocks here.
#[test]
fn closed_never_takes_a_waiting_senders_wakeup() {
    model(2, || {
        let (tx, mut rx) = channel::<u32>(busy(1));
        tx.try_send(0).unwrap();
        let tx_closed = tx.clone();
        let waiting_for_close = spawn(move || block_on(tx_closed.closed()));
        let sender = spawn(move || assert_eq!(block_on(tx.send(1)), Ok(Sent::Queued)));
        assert_eq!(block_on(rx.recv()), Some(0));
        assert_eq!(block_on(rx.recv()), Some(1));
        sender.join().unwrap();
        drop(rx);
        waiting_for_close.join().unwrap();
    });
}
