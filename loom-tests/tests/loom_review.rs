//! Models written while reviewing the reservation APIs (`try_reserve`, `OwnedPermit`,
//! `reserve_many`, `Sender::closed`, `send_before`, sender counts): a weak sender upgrading
//! while the last sender leaves, and under `DropOldest` a send waiting for a held oldest slot
//! while a reservation waits ahead of it.
#![cfg(ryker_loom)]

use core::future::Future;
use core::task::{Context, Poll, Waker};

use loom::sync::{Arc, Notify};
use loom_tests::{block_on, block_on_then, model, spawn};
use ryker_core::mailbox::{channel, MailboxConfig, Overflow, Sent};

fn config(capacity: usize, overflow: Overflow) -> MailboxConfig {
    MailboxConfig {
        capacity,
        overflow,
        amnesia: false,
    }
}

/// The last sender leaves while a weak sender upgrades: either the upgrade comes first and its
/// sender finds the mailbox open (its message is delivered, and its drop is the close), or it
/// answers `None`. Never a sender to a mailbox the last drop closed, and the receiver sees the
/// end exactly once either way.
#[test]
fn weak_upgrade_races_the_last_sender_drop() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(config(1, Overflow::Busy));
        let weak = tx.downgrade();
        let a = spawn(move || drop(tx));
        let upgraded = match weak.upgrade() {
            Some(tx) => {
                assert_eq!(
                    tx.try_send(7),
                    Ok(Sent::Queued),
                    "upgraded onto a closed mailbox"
                );
                assert!(tx.strong_count() >= 1);
                true
            }
            // (The mailbox may not be closed yet: the last drop closes it after its count
            // reached zero.)
            None => false,
        };
        a.join().unwrap();
        if upgraded {
            assert_eq!(block_on(rx.recv()), Some(7));
        }
        assert_eq!(block_on(rx.recv()), None);
        assert_eq!((weak.strong_count(), rx.sender_strong_count()), (0, 0));
        assert!(weak.upgrade().is_none());
        assert_eq!(weak.weak_count(), 1);
    });
}

/// Under `DropOldest`, capacity 1, the only slot held by a permit: a `reserve` waits for a
/// free slot (the backpressure path under every policy; polled once here, so it is queued
/// first), and a `send` on another thread waits behind it for the held slot's publish, to
/// evict. The permit is sent once the send waits: the send must complete without the receiver
/// doing anything. A publish that woke only the first waiter woke the reservation, which found
/// no free slot and kept the wake-up: the send slept on (a deadlock here).
#[test]
fn drop_oldest_publish_wakes_the_send_behind_a_waiting_reserve() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(config(1, Overflow::DropOldest));
        let held = tx.try_reserve().expect("a free slot");
        let mut reserve = Box::pin(tx.reserve());
        let mut cx = Context::from_waker(Waker::noop());
        assert!(reserve.as_mut().poll(&mut cx).is_pending(), "no free slot");
        let tx_s = tx.clone();
        let waiting = Arc::new(Notify::new());
        let w = waiting.clone();
        let s = spawn(move || block_on_then(tx_s.send(2), || w.notify()));
        // Publish only once the send has found nothing to evict and is waiting.
        waiting.wait();
        held.send(1);
        // No receive until the send is done: only the publish can wake it.
        assert_eq!(s.join().unwrap(), Ok(Sent::DisplacedOldest));
        assert_eq!(block_on(rx.recv()), Some(2));
        // The receive freed the slot: the reservation gets it.
        match reserve.as_mut().poll(&mut cx) {
            Poll::Ready(Ok(permit)) => permit.send(3),
            other => panic!(
                "the freed slot is the reservation's: {:?}",
                other.is_ready()
            ),
        }
        drop(reserve);
        assert_eq!(block_on(rx.recv()), Some(3));
        drop(tx);
        assert_eq!(block_on(rx.recv()), None);
        let stats = rx.stats();
        assert_eq!(
            (stats.accepted, stats.dropped_oldest, stats.received),
            (3, 1, 2)
        );
    });
}
