//! `Overflow::DropOldest`: a close racing an evicting `try_send` on a full mailbox (issue 8,
//! item 4). The contract: a send refused with `Closed` leaves the mailbox untouched, and the
//! receiver still drains everything accepted before the close. So either the send is accepted
//! (it displaced the oldest message, and the receiver gets the new one) or it is refused (and
//! the receiver gets the old one); never "refused, and the old message gone too".
//!
//! Broken twins: `close_evict` (the old order in `Ring::force`: evict, then a tail CAS that the
//! close can refuse) and `evict_end` (the receiver reports the end while an eviction that the
//! close could not refuse is still being published) must fail `close_races_eviction` with
//! "accepted message lost".
#![cfg(ryker_loom)]

use loom_tests::{block_on, model, spawn, Drops};
use ryker_core::error::TrySendError;
use ryker_core::mailbox::{channel, MailboxConfig, Overflow, Sent};

fn drop_oldest(capacity: usize) -> MailboxConfig {
    MailboxConfig {
        capacity,
        overflow: Overflow::DropOldest,
        amnesia: false,
    }
}

/// Capacity 1 holding message 0: a sender `try_send`s message 1 (which must evict 0) while the
/// receiver closes the mailbox and drains it to the end with `recv().await`.
#[test]
fn close_races_eviction() {
    model(5, || {
        let drops = Drops::new(2);
        let (tx, mut rx) = channel(drop_oldest(1));
        assert_eq!(tx.try_send(drops.msg(0)).unwrap(), Sent::Queued);
        let d = drops.clone();
        let s = spawn(move || {
            // A refusal hands the message back and leaves the mailbox untouched: `Closed`, or
            // `Busy` if this sender read a stale open tail while the receiver was already
            // freeing the oldest slot after the close (bounded wait, then "nothing to evict").
            let sent = match tx.try_send(d.msg(1)) {
                Ok(sent) => Ok(sent),
                Err(TrySendError::Closed(m) | TrySendError::Busy(m)) => Err(m.id),
                Err(TrySendError::Dropped) => panic!("DropOldest never drops the newest"),
                Err(other) => panic!("unexpected {other:?}"),
            };
            (tx, sent)
        });
        rx.close();
        let mut received = Vec::new();
        while let Some(m) = block_on(rx.recv()) {
            received.push(m.id);
        }
        let (tx, sent) = s.join().unwrap();
        let stats = rx.stats();
        match sent {
            Ok(sent) => {
                assert_eq!(sent, Sent::DisplacedOldest, "the mailbox was full");
                assert!(
                    received == [1],
                    "accepted message lost: message 1 was accepted (displacing 0), \
                     received {received:?}, {stats:?}"
                );
                assert_eq!((stats.accepted, stats.dropped_oldest), (2, 1), "{stats:?}");
            }
            Err(id) => {
                assert_eq!(id, 1, "a refused message comes back to its sender");
                assert!(
                    received == [0],
                    "accepted message lost: message 1 was refused, so 0 must still be \
                     received; received {received:?}, {stats:?}"
                );
                assert_eq!((stats.accepted, stats.dropped_oldest), (1, 0), "{stats:?}");
            }
        }
        assert_eq!(stats.received, received.len() as u64, "{stats:?}");
        assert_eq!(
            stats.accepted,
            stats.received + stats.dropped_oldest + stats.discarded,
            "{stats:?}"
        );
        drop((tx, rx));
        drops.assert_each_dropped_once();
    });
}

/// Capacity 2, full with 0 and 1: two evicting sends from one sender race the close while
/// the receiver drains; whatever was accepted is received in order, nothing else is missing.
#[test]
fn close_races_evictions_two_slots() {
    model(5, || {
        let drops = Drops::new(4);
        let (tx, mut rx) = channel(drop_oldest(2));
        tx.try_send(drops.msg(0)).unwrap();
        tx.try_send(drops.msg(1)).unwrap();
        let d = drops.clone();
        let s = spawn(move || {
            let mut accepted = Vec::new();
            for id in [2, 3] {
                match tx.try_send(d.msg(id)) {
                    Ok(sent) => accepted.push((id, sent)),
                    // Refused (see `close_races_eviction`): handed back, nothing evicted.
                    Err(TrySendError::Closed(m) | TrySendError::Busy(m)) => assert_eq!(m.id, id),
                    Err(TrySendError::Dropped) => panic!("DropOldest never drops the newest"),
                    Err(other) => panic!("unexpected {other:?}"),
                }
            }
            (tx, accepted)
        });
        rx.close();
        let mut received = Vec::new();
        while let Some(m) = block_on(rx.recv()) {
            received.push(m.id);
        }
        let (tx, accepted) = s.join().unwrap();
        let displaced = accepted
            .iter()
            .filter(|(_, s)| *s == Sent::DisplacedOldest)
            .count();
        // Each accepted send displaced exactly one of the oldest, in order: what is left is the
        // newest two of everything accepted.
        let all: Vec<usize> = [0, 1]
            .into_iter()
            .chain(accepted.iter().map(|(id, _)| *id))
            .collect();
        assert_eq!(displaced, all.len() - 2, "{accepted:?}");
        assert!(
            received == all[displaced..],
            "accepted message lost: accepted {all:?} (the first {displaced} displaced), \
             received {received:?}"
        );
        let stats = rx.stats();
        assert_eq!(stats.dropped_oldest, displaced as u64, "{stats:?}");
        assert_eq!(
            stats.accepted,
            stats.received + stats.dropped_oldest + stats.discarded,
            "{stats:?}"
        );
        drop((tx, rx));
        drops.assert_each_dropped_once();
    });
}
