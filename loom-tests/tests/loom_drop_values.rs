//! Rings and mailboxes dropped while they still hold values: every value is dropped exactly
//! once, whichever thread lets go last (the payload counts its drops in a loom atomic and
//! panics on a second drop; loom's `Arc` also reports leaks).
#![cfg(ryker_loom)]

use loom::sync::Arc;
use loom_tests::{model, spawn, Drops};
use ryker_core::error::{TryRecvError, TrySendError};
use ryker_core::mailbox::{channel, MailboxConfig, Overflow};
use ryker_core::ring::Ring;

/// A producer pushes 0, 1, 2 into a capacity-2 ring while a consumer pops once; the last of
/// the two `Arc`s to go drops the ring with whatever is left in it.
#[test]
fn ring_dropped_holding_values() {
    model(3, || {
        let drops = Drops::new(3);
        let ring = Arc::new(Ring::with_capacity(2).unwrap());
        let r = ring.clone();
        let d = drops.clone();
        let p = spawn(move || {
            for id in 0..3 {
                // A refused value comes back and is dropped here.
                let _ = r.try_push(d.msg(id));
            }
        });
        drop(ring.try_pop());
        drop(ring);
        p.join().unwrap();
        drops.assert_each_dropped_once();
    });
}

/// The receiver takes one message and is dropped while a sender is still sending: queued
/// messages are discarded (and counted), refused ones go back to the sender, and a message
/// whose send was in flight at the drop is dropped with the ring.
#[test]
fn mailbox_receiver_dropped_during_sends() {
    model(3, || {
        let drops = Drops::new(3);
        let (tx, mut rx) = channel(MailboxConfig {
            capacity: 2,
            overflow: Overflow::Busy,
            amnesia: false,
        });
        let d = drops.clone();
        let s = spawn(move || {
            let mut refused = 0u64;
            for id in 0..3 {
                match tx.try_send(d.msg(id)) {
                    Ok(_) => {}
                    Err(TrySendError::Busy(m) | TrySendError::Closed(m)) => {
                        assert_eq!(m.id, id);
                        refused += 1;
                    }
                    Err(other) => panic!("the Busy policy never answers {other:?}"),
                }
            }
            (tx, refused)
        });
        let received = match rx.try_recv() {
            Ok(_) => 1u64,
            Err(TryRecvError::Empty) => 0,
            Err(other) => panic!("nobody closed it yet: {other:?}"),
        };
        drop(rx);
        let (tx, refused) = s.join().unwrap();
        assert!(tx.is_closed(), "dropping the receiver closes the mailbox");
        let stats = tx.stats();
        assert_eq!(stats.accepted + refused, 3, "{stats:?}");
        assert_eq!(stats.received, received, "{stats:?}");
        assert!(stats.discarded <= stats.accepted - received, "{stats:?}");
        drop(tx);
        drops.assert_each_dropped_once();
    });
}

/// A sender holds a permit while the receiver is dropped, then sends through it: the message
/// lands in a closed ring nobody will read and is dropped with the ring, once.
#[test]
fn mailbox_permit_outlives_receiver() {
    model(3, || {
        let drops = Drops::new(2);
        let (mut tx, mut rx) = channel(MailboxConfig {
            capacity: 2,
            overflow: Overflow::Busy,
            amnesia: false,
        });
        tx.try_send(drops.msg(0)).unwrap();
        let d = drops.clone();
        let s = spawn(move || {
            let waker = core::task::Waker::noop();
            let mut cx = core::task::Context::from_waker(waker);
            match tx.poll_reserve(&mut cx) {
                core::task::Poll::Ready(Ok(permit)) => permit.send(d.msg(1)),
                // Closed already: the message is never made; count it as dropped.
                core::task::Poll::Ready(Err(_)) => drop(d.msg(1)),
                core::task::Poll::Pending => panic!("a free slot was there"),
            }
            drop(tx);
        });
        let first = rx.try_recv().ok().map(|m| m.id);
        drop(rx);
        s.join().unwrap();
        assert!(matches!(first, None | Some(0)));
        drops.assert_each_dropped_once();
    });
}
