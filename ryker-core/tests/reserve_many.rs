//! `Sender::reserve_many` / `try_reserve_many` and `PermitIterator`: all `n` slots or none,
//! the same under every overflow policy, first come first served while waiting, and
//! exactly-once delivery when several producers reserve runs at once.

mod common;

use std::pin::pin;
use std::task::Poll;

use common::{config, poll_once, CountingWaker};
use futures::executor::block_on;
use ryker_core::error::{ReserveManyError, TryRecvError};
use ryker_core::mailbox::{channel, Overflow, Sent};

#[test]
fn too_few_free_slots_take_nothing_under_every_policy() {
    for overflow in Overflow::ALL {
        let (tx, mut rx) = channel::<u32>(config(4, overflow));
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        assert_eq!(
            tx.try_reserve_many(3).unwrap_err(),
            ReserveManyError::Busy,
            "{overflow}"
        );
        assert_eq!(tx.len(), 2, "{overflow}: nothing taken");
        let stats = tx.stats();
        assert_eq!(
            (stats.busy, stats.dropped_newest, stats.dropped_oldest),
            (0, 0, 0),
            "{overflow}"
        );
        let permits = tx.try_reserve_many(2).unwrap();
        assert_eq!(permits.len(), 2, "{overflow}");
        for (permit, msg) in permits.zip([3, 4]) {
            permit.send(msg);
        }
        let got: Vec<_> = (0..4).map(|_| rx.try_recv().unwrap()).collect();
        assert_eq!(got, [1, 2, 3, 4], "{overflow}: nothing evicted, in order");
    }
}

#[test]
fn too_many_names_the_value_and_the_range_and_takes_nothing() {
    for overflow in Overflow::ALL {
        let (tx, _rx) = channel::<u32>(config(3, overflow));
        let err = tx.try_reserve_many(4).unwrap_err();
        assert_eq!(err, ReserveManyError::TooMany { n: 4, capacity: 3 });
        assert_eq!(
            err.to_string(),
            "cannot reserve n = 4 slots at once: n must be in 0..=3 (the mailbox's capacity)"
        );
        let mut fut = pin!(tx.reserve_many(4));
        let (_, waker) = CountingWaker::new();
        assert_eq!(
            poll_once(fut.as_mut(), &waker).map(|r| r.map(|p| p.len())),
            Poll::Ready(Err(ReserveManyError::TooMany { n: 4, capacity: 3 })),
            "{overflow}: at once, never waiting"
        );
        assert!(tx.is_empty());
    }
}

#[test]
fn permits_keep_their_slots_in_order_with_sends_between() {
    for overflow in Overflow::ALL {
        let (tx, mut rx) = channel::<&str>(config(4, overflow));
        let mut permits = tx.try_reserve_many(2).unwrap();
        tx.try_send("third").unwrap();
        let first = permits.next().unwrap();
        let second = permits.next().unwrap();
        assert!(permits.next().is_none());
        second.send("second");
        first.send("first");
        drop(permits);
        assert_eq!(rx.try_recv(), Ok("first"), "{overflow}");
        assert_eq!(rx.try_recv(), Ok("second"), "{overflow}");
        assert_eq!(rx.try_recv(), Ok("third"), "{overflow}");
        assert_eq!(rx.stats().accepted, 3, "{overflow}");
    }
}

#[test]
fn a_dropped_iterator_gives_up_the_rest_and_wakes_a_receiver_waiting_on_them() {
    for overflow in Overflow::ALL {
        let (tx, mut rx) = channel::<u32>(config(3, overflow));
        let mut permits = tx.try_reserve_many(3).unwrap();
        let (woken, waker) = CountingWaker::new();
        {
            let mut recv = pin!(rx.recv());
            assert!(poll_once(recv.as_mut(), &waker).is_pending(), "{overflow}");
            permits.next().unwrap().send(1);
            assert!(woken.count() >= 1, "{overflow}");
            assert_eq!(poll_once(recv.as_mut(), &waker), Poll::Ready(Some(1)));
        }
        let seen = woken.count();
        {
            let mut recv = pin!(rx.recv());
            assert!(poll_once(recv.as_mut(), &waker).is_pending(), "{overflow}");
            drop(permits);
            assert!(woken.count() > seen, "{overflow}: the drop woke nobody");
            assert!(poll_once(recv.as_mut(), &waker).is_pending(), "{overflow}");
        }
        assert_eq!(tx.try_reserve_many(3).unwrap().len(), 3, "{overflow}");
        let stats = rx.stats();
        assert_eq!((stats.accepted, stats.received), (1, 1), "{overflow}");
    }
}

#[test]
fn a_waiting_reserve_many_keeps_its_turn_and_the_senders_behind_it_wait() {
    let (tx, mut rx) = channel::<u32>(config(2, Overflow::Busy));
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    let (woken_many, waker_many) = CountingWaker::new();
    let mut many = pin!(tx.reserve_many(2));
    assert!(poll_once(many.as_mut(), &waker_many).is_pending());
    let (woken_send, waker_send) = CountingWaker::new();
    let mut send = pin!(tx.send(3));
    assert!(poll_once(send.as_mut(), &waker_send).is_pending());
    // One slot freed: the first in line is woken, finds one slot of two, and stays first.
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(woken_many.count() >= 1);
    assert!(poll_once(many.as_mut(), &waker_many).is_pending());
    assert_eq!(woken_send.count(), 0, "the sender behind waits its turn");
    // The second slot: both are free now, and the first in line takes them.
    let seen = woken_many.count();
    assert_eq!(rx.try_recv(), Ok(2));
    assert!(woken_many.count() > seen);
    let permits = match poll_once(many.as_mut(), &waker_many) {
        Poll::Ready(Ok(permits)) => permits,
        other => panic!(
            "two slots are free: {:?}",
            other.map(|r| r.map(|p| p.len()))
        ),
    };
    for (permit, msg) in permits.zip([10, 11]) {
        permit.send(msg);
    }
    assert_eq!(rx.try_recv(), Ok(10));
    assert!(woken_send.count() >= 1, "then the sender behind is woken");
    assert_eq!(
        poll_once(send.as_mut(), &waker_send),
        Poll::Ready(Ok(Sent::Queued))
    );
    assert_eq!((rx.try_recv(), rx.try_recv()), (Ok(11), Ok(3)));
}

/// A full mailbox emptied by one batch receive, with a `reserve_many` and a `send` waiting in
/// line: the batch frees room for both, and both are woken for it (the first in line does not
/// keep the second's wake-up).
#[test]
fn one_batch_receive_wakes_a_waiting_reserve_many_and_the_sender_behind_it() {
    // Busy: under the drop policies a `send` on a full mailbox does not wait.
    let overflow = Overflow::Busy;
    let (tx, mut rx) = channel::<u32>(config(4, overflow));
    for m in 0..4 {
        tx.try_send(m).unwrap();
    }
    let (woken_many, waker_many) = CountingWaker::new();
    let mut many = pin!(tx.reserve_many(2));
    assert!(
        poll_once(many.as_mut(), &waker_many).is_pending(),
        "{overflow}"
    );
    let (woken_send, waker_send) = CountingWaker::new();
    let mut send = pin!(tx.send(9));
    assert!(
        poll_once(send.as_mut(), &waker_send).is_pending(),
        "{overflow}"
    );
    let mut got = Vec::new();
    assert_eq!(rx.try_recv_many(&mut got, 8), Ok(4), "{overflow}");
    assert!(
        woken_many.count() >= 1,
        "{overflow}: the first in line is woken"
    );
    assert!(
        woken_send.count() >= 1,
        "{overflow}: so is the sender behind it"
    );
    let permits = match poll_once(many.as_mut(), &waker_many) {
        Poll::Ready(Ok(permits)) => permits,
        other => panic!(
            "{overflow}: four slots are free: {:?}",
            other.map(|r| r.map(|p| p.len()))
        ),
    };
    assert_eq!(
        poll_once(send.as_mut(), &waker_send),
        Poll::Ready(Ok(Sent::Queued)),
        "{overflow}"
    );
    for (permit, msg) in permits.zip([5, 6]) {
        permit.send(msg);
    }
    assert_eq!(rx.try_recv_many(&mut got, 8), Ok(3), "{overflow}");
    assert_eq!(got, [0, 1, 2, 3, 5, 6, 9], "{overflow}");
}

#[test]
fn a_dropped_reserve_many_passes_its_wake_up_on() {
    let (tx, mut rx) = channel::<u32>(config(1, Overflow::Busy));
    tx.try_send(0).unwrap();
    let (_, waker_a) = CountingWaker::new();
    let mut a = Box::pin(tx.reserve_many(1));
    assert!(poll_once(a.as_mut(), &waker_a).is_pending());
    let (woken_b, waker_b) = CountingWaker::new();
    let mut b = pin!(tx.send(2));
    assert!(poll_once(b.as_mut(), &waker_b).is_pending());
    assert_eq!(rx.try_recv(), Ok(0)); // notifies `a`, the oldest waiter
    drop(a);
    assert!(woken_b.count() >= 1, "`a`'s wake-up was passed on to `b`");
    assert_eq!(
        poll_once(b.as_mut(), &waker_b),
        Poll::Ready(Ok(Sent::Queued))
    );
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn a_close_wakes_a_waiting_reserve_many_with_closed() {
    let (tx, mut rx) = channel::<u32>(config(2, Overflow::Busy));
    tx.try_send(0).unwrap();
    let (woken, waker) = CountingWaker::new();
    let mut many = pin!(tx.reserve_many(2));
    assert!(poll_once(many.as_mut(), &waker).is_pending());
    rx.close();
    assert!(woken.count() >= 1);
    assert!(matches!(
        poll_once(many.as_mut(), &waker),
        Poll::Ready(Err(ReserveManyError::Closed))
    ));
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

/// Producers reserve runs of 1 to 3 slots (waiting for them) and send sequence numbers; the
/// receiver checks that each producer's messages arrive once each, in order.
#[test]
fn runs_from_several_producers_arrive_exactly_once_in_order() {
    const PRODUCERS: u64 = 3;
    // Under Miri a dozen each: every run length (1 to 3) four times per producer, 36 messages
    // lapping the four slots nine times under each policy, the producers waiting on a full
    // mailbox as with thousands.
    let per_producer: u64 = if cfg!(miri) { 12 } else { 3000 };
    for overflow in Overflow::ALL {
        let (tx, mut rx) = channel::<(u64, u64)>(config(4, overflow));
        let threads: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    let mut seq = 0;
                    while seq < per_producer {
                        let n = (1 + (seq + p) % 3).min(per_producer - seq) as usize;
                        let permits = block_on(tx.reserve_many(n)).unwrap();
                        assert_eq!(permits.len(), n);
                        for permit in permits {
                            permit.send((p, seq));
                            seq += 1;
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        let mut next = [0u64; PRODUCERS as usize];
        while let Some((p, seq)) = rx.blocking_recv() {
            assert_eq!(seq, next[p as usize], "{overflow}: producer {p}");
            next[p as usize] += 1;
        }
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(next, [per_producer; PRODUCERS as usize], "{overflow}");
    }
}

/// A `reserve_many` that was woken for a freed slot, found fewer than `n` free and went back to
/// the front, then is dropped: the slot it was woken for is still free, and the sender waiting
/// behind it must be woken for it (as tokio's semaphore hands a dropped `reserve_many`'s
/// partial permits to the next waiter). Here the slot after the free one is held by a permit
/// whose holder waits for that sender, so nothing else would ever wake it.
#[test]
fn a_reserve_many_dropped_after_going_back_to_the_front_passes_its_wake_up_on() {
    let (tx, mut rx) = channel::<u32>(config(2, Overflow::Busy));
    tx.try_send(1).unwrap();
    let held = tx.try_reserve().unwrap();
    let (woken_many, waker_many) = CountingWaker::new();
    let mut many = Box::pin(tx.reserve_many(2));
    assert!(poll_once(many.as_mut(), &waker_many).is_pending());
    let (woken_send, waker_send) = CountingWaker::new();
    let mut send = pin!(tx.send(3));
    assert!(poll_once(send.as_mut(), &waker_send).is_pending());
    // One slot freed: the first in line is woken, finds one of two, and goes back to the front.
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(woken_many.count() >= 1);
    assert!(poll_once(many.as_mut(), &waker_many).is_pending());
    assert_eq!(woken_send.count(), 0, "the sender behind waits its turn");
    // It gives up (a timeout, a `select!`): the free slot is the sender's now.
    drop(many);
    assert!(
        woken_send.count() >= 1,
        "the dropped reserve_many kept the wake-up for the free slot"
    );
    assert_eq!(
        poll_once(send.as_mut(), &waker_send),
        Poll::Ready(Ok(Sent::Queued))
    );
    held.send(2);
    assert_eq!((rx.try_recv(), rx.try_recv()), (Ok(2), Ok(3)));
}

/// A run that starts at the last slot wraps to the first ones, under every policy: its
/// permits, sent out of order, still deliver in slot order; and a run of the whole capacity is
/// refused while one slot is still taken.
#[test]
fn a_run_wraps_around_the_end_of_the_slots_in_order() {
    for overflow in Overflow::ALL {
        let (tx, mut rx) = channel::<u32>(config(3, overflow));
        for m in [0, 1] {
            tx.try_send(m).unwrap();
        }
        assert_eq!(rx.try_recv(), Ok(0), "{overflow}");
        assert_eq!(
            tx.try_reserve_many(3).unwrap_err(),
            ReserveManyError::Busy,
            "{overflow}: one slot taken"
        );
        assert_eq!(rx.try_recv(), Ok(1), "{overflow}");
        // Head and tail are at the last slot: a run of three takes it and the first two.
        let permits = tx.try_reserve_many(3).unwrap();
        assert!(tx.try_reserve().is_err(), "{overflow}: every slot reserved");
        let mut permits: Vec<_> = permits.collect();
        permits.pop().unwrap().send(12);
        permits.pop().unwrap().send(11);
        assert_eq!(
            rx.try_recv(),
            Err(TryRecvError::Empty),
            "{overflow}: the first is held"
        );
        permits.pop().unwrap().send(10);
        let got: Vec<u32> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        assert_eq!(got, [10, 11, 12], "{overflow}");
        assert_eq!(rx.stats().accepted, 5, "{overflow}");
    }
}
