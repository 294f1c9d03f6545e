//! `Sender::closed`: completes once the mailbox is closed, whoever closed it, and waits apart
//! from the senders waiting for a slot: sends, receives and freed slots never wake it, and it
//! never takes a wake-up meant for a waiting sender.

mod common;

use std::pin::pin;
use std::task::Poll;

use common::{config, poll_once, CountingWaker};
use futures::executor::block_on;
use ryker_core::mailbox::{channel, Overflow, Sent};

#[test]
fn completes_on_every_kind_of_close_and_at_once_when_closed() {
    type Close =
        fn(&mut Option<ryker_core::mailbox::Receiver<u32>>, &ryker_core::mailbox::Sender<u32>);
    let closes: [(&str, Close); 4] = [
        ("receiver close", |rx, _| rx.as_mut().unwrap().close()),
        ("receiver drop", |rx, _| drop(rx.take())),
        ("sender close", |_, tx| tx.clone().close()),
        ("weak sender close", |_, tx| tx.downgrade().close()),
    ];
    for overflow in Overflow::ALL {
        for (name, close) in closes {
            let (tx, rx) = channel::<u32>(config(2, overflow));
            let mut rx = Some(rx);
            let (woken, waker) = CountingWaker::new();
            let mut closed = pin!(tx.closed());
            assert!(
                poll_once(closed.as_mut(), &waker).is_pending(),
                "{overflow}, {name}"
            );
            // Re-polled while open: still waiting (its waker refreshed, not queued twice).
            assert!(
                poll_once(closed.as_mut(), &waker).is_pending(),
                "{overflow}, {name}"
            );
            close(&mut rx, &tx);
            assert_eq!(
                woken.count(),
                1,
                "{overflow}, {name}: woken once by the close"
            );
            assert_eq!(poll_once(closed.as_mut(), &waker), Poll::Ready(()));
            // Once closed, a new one completes at once.
            block_on(tx.closed());
        }
    }
}

#[test]
fn traffic_and_freed_slots_never_wake_it() {
    for overflow in Overflow::ALL {
        let (tx, mut rx) = channel::<u32>(config(2, overflow));
        let (woken, waker) = CountingWaker::new();
        let mut closed = pin!(tx.closed());
        assert!(poll_once(closed.as_mut(), &waker).is_pending());
        // Under Miri six rounds (each the same three claims: a send, a send, a dropped
        // permit) still lap the two slots nine times with the same steps as twenty.
        for i in 0..if cfg!(miri) { 6 } else { 20 } {
            let _ = tx.try_send(i);
            let _ = tx.try_send(i);
            rx.try_recv().unwrap();
            let permit = tx.try_reserve().ok();
            drop(permit);
            while rx.try_recv().is_ok() {}
        }
        assert_eq!(woken.count(), 0, "{overflow}");
        assert!(
            poll_once(closed.as_mut(), &waker).is_pending(),
            "{overflow}"
        );
    }
}

#[test]
fn a_freed_slot_wakes_the_waiting_sender_not_the_closed_future() {
    let (tx, mut rx) = channel::<u32>(config(1, Overflow::Busy));
    tx.try_send(0).unwrap();
    // The `closed` future waits first, then a sender waits for a slot.
    let (woken_closed, waker_closed) = CountingWaker::new();
    let mut closed = pin!(tx.closed());
    assert!(poll_once(closed.as_mut(), &waker_closed).is_pending());
    let (woken_send, waker_send) = CountingWaker::new();
    let mut send = pin!(tx.send(1));
    assert!(poll_once(send.as_mut(), &waker_send).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(woken_send.count(), 1, "the one freed slot woke the sender");
    assert_eq!(woken_closed.count(), 0);
    assert_eq!(
        poll_once(send.as_mut(), &waker_send),
        Poll::Ready(Ok(Sent::Queued))
    );
    // The close wakes both kinds of waiter.
    let mut send2 = pin!(tx.send(2));
    assert!(poll_once(send2.as_mut(), &waker_send).is_pending());
    drop(rx);
    assert!(woken_send.count() >= 2);
    assert_eq!(woken_closed.count(), 1);
    assert!(matches!(
        poll_once(send2.as_mut(), &waker_send),
        Poll::Ready(Err(_))
    ));
    assert_eq!(poll_once(closed.as_mut(), &waker_closed), Poll::Ready(()));
}

#[test]
fn a_dropped_closed_future_leaves_nothing_behind() {
    let (tx, rx) = channel::<u32>(config(1, Overflow::Busy));
    let (woken, waker) = CountingWaker::new();
    {
        let mut first = Box::pin(tx.closed());
        assert!(poll_once(first.as_mut(), &waker).is_pending());
        let mut second = Box::pin(tx.closed());
        assert!(poll_once(second.as_mut(), &waker).is_pending());
        drop(first);
        drop(rx);
        assert_eq!(woken.count(), 1, "only the future still there is woken");
        assert_eq!(poll_once(second.as_mut(), &waker), Poll::Ready(()));
    }
}

#[test]
fn a_producer_thread_stops_when_the_receiver_goes() {
    use futures::future::{select, Either};
    let (tx, mut rx) = channel::<u32>(config(4, Overflow::Busy));
    let producer = std::thread::spawn(move || {
        let mut sent = 0u32;
        loop {
            // Send, unless nobody listens any more (the `select!` a tokio producer writes).
            match block_on(select(Box::pin(tx.closed()), Box::pin(tx.send(sent)))) {
                Either::Left(((), _)) => return sent,
                Either::Right((Ok(_), _)) => sent += 1,
                Either::Right((Err(err), _)) => {
                    assert!(err.into_inner().is_some(), "closed, not dropped");
                    return sent;
                }
            }
        }
    });
    // Under Miri a dozen messages still fill the four slots and lap them three times (the
    // producer waits on a full mailbox as with a hundred); what the test is about, the close
    // racing the producer's `select`, comes once at the end either way.
    let messages = if cfg!(miri) { 12 } else { 100 };
    for expected in 0..messages {
        assert_eq!(rx.blocking_recv(), Some(expected));
    }
    drop(rx);
    assert!(producer.join().unwrap() >= messages);
}

/// Polled with a new waker each time (a task moved between executors, a `select!` that
/// rebuilds its context): the close wakes the latest waker once, none of the earlier ones,
/// and the future completes; polled again after that, it stays complete.
#[test]
fn the_close_wakes_the_latest_waker_only() {
    let (tx, mut rx) = channel::<u32>(config(1, Overflow::Busy));
    let mut closed = pin!(tx.closed());
    let wakers: Vec<_> = (0..3).map(|_| CountingWaker::new()).collect();
    for (_, waker) in &wakers {
        assert!(poll_once(closed.as_mut(), waker).is_pending());
    }
    rx.close();
    let counts: Vec<usize> = wakers.iter().map(|(woken, _)| woken.count()).collect();
    assert_eq!(
        counts,
        [0, 0, 1],
        "only the waker of the last poll is woken"
    );
    assert_eq!(poll_once(closed.as_mut(), &wakers[0].1), Poll::Ready(()));
    assert_eq!(poll_once(closed.as_mut(), &wakers[1].1), Poll::Ready(()));
}
