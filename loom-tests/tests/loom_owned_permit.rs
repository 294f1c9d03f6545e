//! `OwnedPermit`: a permit that owns its sender, sent, released or dropped on another thread
//! while the receiver waits on exactly its slot. Its give-up must wake the receiver like a
//! borrowed permit's does (with capacity 1, the given-up slot keeps the next send out until
//! the receiver has stepped over it, so without that wake-up nothing moves again), and the
//! drop of a permit that holds the last sender must end a receiver that waits, whether or not
//! the receiver closed the mailbox meanwhile.
#![cfg(ryker_loom)]

use loom_tests::{block_on, busy, model, send_via_reserve, spawn};
use ryker_core::mailbox::channel;

/// A thread releases an owned permit (the slot is given up, the sender comes back) and sends
/// one message with the sender; the receiver, waiting on the given-up slot, gets it. Broken
/// twin `skip_wake` (no wake-up after a give-up) deadlocks here.
#[test]
fn released_owned_permit_wakes_waiting_receiver() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(1));
        // Keeps the mailbox open to the end (a close would wake the receiver too).
        let keep_open = tx.clone();
        let permit = tx.try_reserve_owned().expect("a free slot");
        let a = spawn(move || {
            let mut tx = permit.release();
            send_via_reserve(&mut tx, 5).expect("receiver is alive");
        });
        assert_eq!(block_on(rx.recv()), Some(5));
        a.join().unwrap();
        drop(keep_open);
        assert_eq!(block_on(rx.recv()), None);
    });
}

/// As above, with the permit dropped (its sender with it) and the message sent by another
/// sender of the same thread.
#[test]
fn dropped_owned_permit_wakes_waiting_receiver() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(1));
        let keep_open = tx.clone();
        let mut other = tx.clone();
        let permit = tx.try_reserve_owned().expect("a free slot");
        let a = spawn(move || {
            drop(permit);
            send_via_reserve(&mut other, 5).expect("receiver is alive");
        });
        assert_eq!(block_on(rx.recv()), Some(5));
        a.join().unwrap();
        drop(keep_open);
        assert_eq!(block_on(rx.recv()), None);
    });
}

/// The permit holds the last sender and is dropped on another thread while the receiver
/// closes the mailbox and waits: the receiver always sees the end (the give-up's wake-up and
/// the last sender's close both race the receiver's close and registration).
#[test]
fn dropped_last_owned_permit_ends_a_closing_receiver() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(1));
        let permit = tx.try_reserve_owned().expect("a free slot");
        let a = spawn(move || drop(permit));
        rx.close();
        assert_eq!(block_on(rx.recv()), None);
        a.join().unwrap();
        let stats = rx.stats();
        assert_eq!((stats.accepted, stats.received), (0, 0), "{stats:?}");
    });
}

/// The permit holds the last sender and sends on another thread while the receiver waits:
/// the message arrives, then the end.
#[test]
fn sent_last_owned_permit_delivers_then_ends() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(1));
        let permit = tx.try_reserve_owned().expect("a free slot");
        let a = spawn(move || drop(permit.send(7)));
        assert_eq!(block_on(rx.recv()), Some(7));
        assert_eq!(block_on(rx.recv()), None);
        a.join().unwrap();
    });
}
