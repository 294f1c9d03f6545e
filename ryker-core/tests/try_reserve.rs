//! `Sender::try_reserve`: a reservation without waiting, the same under every overflow policy
//! (a full mailbox answers `Busy(())`; nothing is dropped or evicted), and a permit that
//! behaves as `reserve`'s does.

mod common;

use std::pin::pin;
use std::task::Poll;

use common::{config, poll_once, CountingWaker};
use ryker_core::error::{TryRecvError, TrySendError};
use ryker_core::mailbox::{channel, Overflow, Sent};

#[test]
fn a_full_mailbox_answers_busy_under_every_policy_and_loses_nothing() {
    for overflow in Overflow::ALL {
        let (tx, mut rx) = channel::<u32>(config(2, overflow));
        tx.try_send(1).unwrap();
        let permit = tx.try_reserve().unwrap();
        assert_eq!(tx.len(), 2, "{overflow}: the reserved slot counts");
        for _ in 0..3 {
            assert_eq!(
                tx.try_reserve().unwrap_err(),
                TrySendError::Busy(()),
                "{overflow}"
            );
        }
        let stats = tx.stats();
        assert_eq!(
            (stats.busy, stats.dropped_newest, stats.dropped_oldest),
            (0, 0, 0),
            "{overflow}: a refused reservation is no refused send, and drops nothing"
        );
        assert_eq!(stats.high_water, 2, "{overflow}: the mailbox was seen full");
        permit.send(2);
        assert_eq!(rx.try_recv(), Ok(1), "{overflow}: nothing evicted");
        assert_eq!(rx.try_recv(), Ok(2), "{overflow}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{overflow}");
        assert_eq!(rx.stats().accepted, 2, "{overflow}");
    }
}

#[test]
fn a_closed_mailbox_answers_closed_whoever_closed_it() {
    for overflow in Overflow::ALL {
        let (tx, rx) = channel::<u32>(config(2, overflow));
        tx.close();
        assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Closed(()));
        drop(rx);

        let (tx, mut rx) = channel::<u32>(config(2, overflow));
        rx.close();
        assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Closed(()));

        let (tx, rx) = channel::<u32>(config(2, overflow));
        drop(rx);
        let err = tx.try_reserve().unwrap_err();
        assert!(err.is_closed() && !err.is_busy(), "{overflow}: {err:?}");
    }
}

#[test]
fn a_permit_reserved_before_the_close_still_sends() {
    for overflow in Overflow::ALL {
        let (tx, mut rx) = channel::<u32>(config(2, overflow));
        let permit = tx.try_reserve().unwrap();
        tx.close();
        permit.send(7);
        assert_eq!(rx.try_recv(), Ok(7), "{overflow}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "{overflow}");
    }
}

#[test]
fn a_permit_keeps_its_place_and_a_dropped_one_is_stepped_over() {
    for overflow in Overflow::ALL {
        let (tx, mut rx) = channel::<&str>(config(4, overflow));
        let first = tx.try_reserve().unwrap();
        let given_up = tx.try_reserve().unwrap();
        tx.try_send("third").unwrap();
        drop(given_up);
        first.send("first");
        assert_eq!(rx.try_recv(), Ok("first"), "{overflow}");
        assert_eq!(rx.try_recv(), Ok("third"), "{overflow}");
        let stats = rx.stats();
        assert_eq!((stats.accepted, stats.received), (2, 2), "{overflow}");
    }
}

#[test]
fn a_receiver_waiting_on_the_reserved_slot_is_woken_by_its_send_and_by_its_drop() {
    for overflow in Overflow::ALL {
        let (tx, mut rx) = channel::<u32>(config(2, overflow));
        let (woken, waker) = CountingWaker::new();
        let permit = tx.try_reserve().unwrap();
        {
            let mut recv = pin!(rx.recv());
            assert!(poll_once(recv.as_mut(), &waker).is_pending(), "{overflow}");
            permit.send(1);
            assert!(woken.count() >= 1, "{overflow}: the send woke nobody");
            assert_eq!(poll_once(recv.as_mut(), &waker), Poll::Ready(Some(1)));
        }
        let before = woken.count();
        let permit = tx.try_reserve().unwrap();
        {
            let mut recv = pin!(rx.recv());
            assert!(poll_once(recv.as_mut(), &waker).is_pending(), "{overflow}");
            drop(permit);
            assert!(woken.count() > before, "{overflow}: the drop woke nobody");
            assert!(poll_once(recv.as_mut(), &waker).is_pending(), "{overflow}");
        }
        assert_eq!(tx.try_send(2), Ok(Sent::Queued), "{overflow}");
        assert_eq!(rx.try_recv(), Ok(2), "{overflow}");
        assert_eq!(rx.stats().accepted, 2, "{overflow}");
    }
}

#[test]
fn try_reserve_takes_a_freed_slot_as_try_send_does_and_the_waiting_sender_gets_the_next() {
    let (tx, mut rx) = channel::<u32>(config(1, Overflow::Busy));
    tx.try_send(0).unwrap();
    let (woken, waker) = CountingWaker::new();
    let mut send = pin!(tx.send(1));
    assert!(poll_once(send.as_mut(), &waker).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(woken.count() >= 1, "the freed slot woke the waiting send");
    // Not queued behind the waiting send (as `try_send`): it takes the free slot.
    let permit = tx.try_reserve().unwrap();
    assert!(
        poll_once(send.as_mut(), &waker).is_pending(),
        "its slot was taken"
    );
    permit.send(2);
    let seen = woken.count();
    assert_eq!(rx.try_recv(), Ok(2));
    assert!(woken.count() > seen, "the next freed slot woke it again");
    assert_eq!(
        poll_once(send.as_mut(), &waker),
        Poll::Ready(Ok(Sent::Queued))
    );
    assert_eq!(rx.try_recv(), Ok(1));
}
