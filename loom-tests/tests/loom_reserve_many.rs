//! `reserve_many`: a run of slots claimed at once (one CAS over `n` slots), waited for in the
//! senders' wait list, raced against the receiver that frees the slots, against the close,
//! and against the drop of a `PermitIterator` while the receiver waits on its slots.
#![cfg(ryker_loom)]

use loom_tests::{block_on, model, spawn};
use ryker_core::error::ReserveManyError;
use ryker_core::mailbox::{channel, MailboxConfig, Overflow};

fn config(capacity: usize, overflow: Overflow) -> MailboxConfig {
    MailboxConfig {
        capacity,
        overflow,
        amnesia: false,
    }
}

/// The mailbox is full; a sender waits in `reserve_many(2)` for both slots while the receiver
/// frees them one by one: the sender is woken once both are free (neither free is lost while
/// it waits at the front of the line), and its two messages follow the first two.
#[test]
fn reserve_many_woken_by_the_receivers_frees() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(config(2, Overflow::Busy));
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        let a = spawn(move || {
            let permits = block_on(tx.reserve_many(2)).expect("receiver is alive");
            for (permit, msg) in permits.zip([3, 4]) {
                permit.send(msg);
            }
        });
        let got: Vec<u32> = (0..4).map(|_| block_on(rx.recv()).unwrap()).collect();
        assert_eq!(got, [1, 2, 3, 4]);
        a.join().unwrap();
        assert_eq!(block_on(rx.recv()), None);
    });
}

/// A sender waits in `reserve_many(2)` on a full mailbox while the receiver closes it: the
/// sender ends with `Closed` (never waits on), and the receiver still gets what was queued.
#[test]
fn reserve_many_races_close() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(config(2, Overflow::Busy));
        tx.try_send(1).unwrap();
        let a = spawn(move || match block_on(tx.reserve_many(2)) {
            Ok(_) => panic!("only one slot was ever free"),
            Err(err) => assert_eq!(err, ReserveManyError::Closed),
        });
        rx.close();
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), None);
        a.join().unwrap();
    });
}

/// Under `DropOldest` (a shared ring, whose slots are freed by their stamps): a sender
/// reserves a run of two on a mailbox the receiver is draining, and either gets both slots or
/// waits for them; every message arrives once, in order.
#[test]
fn reserve_many_on_a_shared_ring_races_the_receiver() {
    model(2, || {
        let (tx, mut rx) = channel::<u32>(config(2, Overflow::DropOldest));
        tx.try_send(1).unwrap();
        let a = spawn(move || {
            let permits = block_on(tx.reserve_many(2)).expect("receiver is alive");
            for (permit, msg) in permits.zip([2, 3]) {
                permit.send(msg);
            }
        });
        let got: Vec<u32> = (0..3).map(|_| block_on(rx.recv()).unwrap()).collect();
        assert_eq!(got, [1, 2, 3]);
        a.join().unwrap();
        assert_eq!(block_on(rx.recv()), None);
    });
}

/// A thread reserves every slot (a run of two) and drops the iterator unused while the
/// receiver waits on the first of them, then sends once with the same sender: the given-up
/// slots keep that send out until the receiver has stepped over them, so the receiver must be
/// woken by the drop. Broken twin `skip_wake` deadlocks here.
#[test]
fn dropped_permit_iterator_wakes_waiting_receiver() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(config(2, Overflow::Busy));
        let keep_open = tx.clone();
        let a = spawn(move || {
            let permits = tx.try_reserve_many(2).expect("two free slots");
            drop(permits);
            block_on(tx.send(2)).expect("receiver is alive");
        });
        assert_eq!(block_on(rx.recv()), Some(2));
        a.join().unwrap();
        drop(keep_open);
        assert_eq!(block_on(rx.recv()), None);
        let stats = rx.stats();
        assert_eq!((stats.accepted, stats.received), (1, 1), "{stats:?}");
    });
}
