//! `OwnedPermit` (`Sender::reserve_owned`, `Sender::try_reserve_owned`): a permit that owns its
//! sender. It behaves as a borrowed `Permit` does for the slot (sent in reservation order, a
//! dropped or released one stepped over, the receiver woken either way), and as a `Sender`
//! for the mailbox's life (it keeps the mailbox open; the last one's drop closes it).

mod common;

use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

use common::{config, poll_once, CountingWaker};
use futures::executor::block_on;
use ryker_core::error::{Closed, TryRecvError, TrySendError};
use ryker_core::mailbox::{channel, Overflow, Sent};

#[test]
fn an_owned_permit_counts_as_a_sender_and_hands_it_back() {
    let (tx, rx) = channel::<u32>(config(4, Overflow::Busy));
    let permit = tx.clone().try_reserve_owned().unwrap();
    assert_eq!(rx.sender_strong_count(), 2, "the permit's sender counts");
    let back = permit.send(1);
    assert!(back.same_channel(&tx));
    assert_eq!(rx.sender_strong_count(), 2);
    let released = back.try_reserve_owned().unwrap().release();
    assert!(released.same_channel(&tx));
    drop(released);
    assert_eq!(rx.sender_strong_count(), 1);
}

#[test]
fn try_reserve_owned_hands_the_sender_back_when_refused_under_every_policy() {
    for overflow in Overflow::ALL {
        let (tx, mut rx) = channel::<u32>(config(1, overflow));
        tx.try_send(0).unwrap();
        let tx = match tx.try_reserve_owned() {
            Err(TrySendError::Busy(tx)) => tx,
            other => panic!("{overflow}: {other:?}"),
        };
        assert_eq!(rx.sender_strong_count(), 1, "{overflow}: nothing lost");
        let stats = rx.stats();
        assert_eq!((stats.busy, stats.dropped_oldest), (0, 0), "{overflow}");
        assert_eq!(rx.try_recv(), Ok(0), "{overflow}: nothing evicted");
        rx.close();
        let tx = match tx.try_reserve_owned() {
            Err(TrySendError::Closed(tx)) => tx,
            other => panic!("{overflow}: {other:?}"),
        };
        assert!(tx.is_closed());
    }
}

#[test]
fn the_last_owned_permit_keeps_the_mailbox_open_and_its_drop_ends_it() {
    for overflow in Overflow::ALL {
        let (tx, mut rx) = channel::<u32>(config(4, overflow));
        tx.try_send(1).unwrap();
        let permit = tx.try_reserve_owned().unwrap();
        assert!(!rx.is_closed(), "{overflow}");
        assert_eq!(rx.try_recv(), Ok(1), "{overflow}");
        let (woken, waker) = CountingWaker::new();
        let mut recv = pin!(rx.recv());
        assert!(poll_once(recv.as_mut(), &waker).is_pending(), "{overflow}");
        drop(permit);
        assert!(woken.count() >= 1, "{overflow}: the drop woke nobody");
        assert_eq!(poll_once(recv.as_mut(), &waker), Poll::Ready(None));
    }
}

#[test]
fn the_last_owned_permit_sent_delivers_then_ends_the_mailbox() {
    for overflow in Overflow::ALL {
        let (tx, mut rx) = channel::<u32>(config(4, overflow));
        let permit = block_on(tx.reserve_owned()).unwrap();
        let sender = permit.send(9);
        drop(sender);
        assert_eq!(rx.try_recv(), Ok(9), "{overflow}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "{overflow}");
        assert_eq!(rx.stats().accepted, 1, "{overflow}");
    }
}

#[test]
fn owned_permits_keep_reservation_order_and_a_released_one_is_stepped_over() {
    for overflow in Overflow::ALL {
        let (tx, mut rx) = channel::<&str>(config(4, overflow));
        let first = tx.clone().try_reserve_owned().unwrap();
        let given_up = tx.clone().try_reserve_owned().unwrap();
        let third = tx.clone().try_reserve_owned().unwrap();
        tx.try_send("fourth").unwrap();
        drop(third.send("third"));
        drop(given_up.release());
        drop(first.send("first"));
        assert_eq!(rx.try_recv(), Ok("first"), "{overflow}");
        assert_eq!(rx.try_recv(), Ok("third"), "{overflow}");
        assert_eq!(rx.try_recv(), Ok("fourth"), "{overflow}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{overflow}");
        let stats = rx.stats();
        assert_eq!((stats.accepted, stats.received), (3, 3), "{overflow}");
    }
}

#[test]
fn reserve_owned_waits_for_a_slot_and_is_woken_when_one_is_freed() {
    let (tx, mut rx) = channel::<u32>(config(1, Overflow::Busy));
    tx.try_send(0).unwrap();
    let (woken, waker) = CountingWaker::new();
    let mut reserve = Box::pin(tx.clone().reserve_owned());
    assert!(poll_once(reserve.as_mut(), &waker).is_pending());
    assert_eq!(
        rx.sender_strong_count(),
        2,
        "the waiting future holds its sender"
    );
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(
        woken.count() >= 1,
        "the freed slot woke the waiting reserve"
    );
    let permit = match poll_once(reserve.as_mut(), &waker) {
        Poll::Ready(Ok(permit)) => permit,
        other => panic!("a slot is free: {other:?}"),
    };
    assert!(
        tx.try_send(5).unwrap_err().is_busy(),
        "the permit holds the slot"
    );
    drop(permit.send(1));
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn a_dropped_reserve_owned_future_passes_its_wake_up_on_and_drops_its_sender() {
    let (tx, mut rx) = channel::<u32>(config(1, Overflow::Busy));
    tx.try_send(0).unwrap();
    let (_, waker_a) = CountingWaker::new();
    let mut a = Box::pin(tx.clone().reserve_owned());
    assert!(poll_once(a.as_mut(), &waker_a).is_pending());
    let (woken_b, waker_b) = CountingWaker::new();
    let mut b = pin!(tx.send(2));
    assert!(poll_once(b.as_mut(), &waker_b).is_pending());
    assert_eq!(rx.try_recv(), Ok(0)); // notifies `a`, the oldest waiter
    drop(a);
    assert_eq!(
        rx.sender_strong_count(),
        1,
        "the future's sender went with it"
    );
    assert!(woken_b.count() >= 1, "`a`'s wake-up was passed on to `b`");
    assert_eq!(
        poll_once(b.as_mut(), &waker_b),
        Poll::Ready(Ok(Sent::Queued))
    );
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn reserve_owned_on_a_closed_mailbox_fails_and_drops_its_sender() {
    let (tx, rx) = channel::<u32>(config(1, Overflow::Busy));
    let keep = tx.clone();
    drop(rx);
    assert_eq!(block_on(tx.reserve_owned()).unwrap_err(), Closed);
    assert_eq!(keep.strong_count(), 1);
}

#[test]
fn a_message_sent_through_an_owned_permit_is_dropped_once_whatever_happens_to_it() {
    let msg = Arc::new(());
    // Received.
    let (tx, mut rx) = channel::<Arc<()>>(config(2, Overflow::Busy));
    drop(tx.clone().try_reserve_owned().unwrap().send(msg.clone()));
    assert_eq!(Arc::strong_count(&msg), 2);
    drop(rx.try_recv().unwrap());
    assert_eq!(Arc::strong_count(&msg), 1);
    // Discarded with the receiver.
    drop(tx.clone().try_reserve_owned().unwrap().send(msg.clone()));
    drop(rx);
    assert_eq!(Arc::strong_count(&msg), 1);
    // Sent after the receiver is gone: dropped with the mailbox.
    let (tx, rx) = channel::<Arc<()>>(config(2, Overflow::Busy));
    let permit = tx.try_reserve_owned().unwrap();
    drop(rx);
    let tx = permit.send(msg.clone());
    assert_eq!(Arc::strong_count(&msg), 2);
    drop(tx);
    assert_eq!(Arc::strong_count(&msg), 1);
}

#[test]
fn an_owned_permit_moves_to_another_thread() {
    let (tx, mut rx) = channel::<u32>(config(2, Overflow::Busy));
    let permits: Vec<_> = (0..2)
        .map(|_| tx.clone().try_reserve_owned().unwrap())
        .collect();
    drop(tx);
    let threads: Vec<_> = permits
        .into_iter()
        .zip([10, 20])
        .map(|(permit, msg)| std::thread::spawn(move || drop(permit.send(msg))))
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(rx.blocking_recv(), Some(10));
    assert_eq!(rx.blocking_recv(), Some(20));
    assert_eq!(rx.blocking_recv(), None);
}
