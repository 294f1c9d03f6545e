//! Behaviour of the mailbox through its public API.

mod common;

use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;

use common::{config, poll_once, CountingWaker, Tracked};
use ryker_core::error::{Closed, SendError, TryRecvError, TrySendError};
use ryker_core::mailbox::{
    channel, try_channel, MailboxConfig, MailboxStats, Overflow, Permit, Receiver, Sender, Sent,
};
use ryker_core::ring::{Ring, StaticRing};

#[test]
fn public_types_are_send_sync_and_unpin_where_expected() {
    fn send_sync<T: Send + Sync>() {}
    fn unpin<T: Unpin>() {}
    send_sync::<Sender<Vec<u8>>>();
    send_sync::<Receiver<Vec<u8>>>();
    send_sync::<Permit<'static, Vec<u8>>>();
    send_sync::<ryker_core::mailbox::OwnedPermit<Vec<u8>>>();
    send_sync::<ryker_core::mailbox::PermitIterator<'static, Vec<u8>>>();
    send_sync::<ryker_core::error::ReserveManyError>();
    send_sync::<Ring<Vec<u8>>>();
    send_sync::<StaticRing<Vec<u8>, 4>>();
    send_sync::<TrySendError<Vec<u8>>>();
    send_sync::<SendError<Vec<u8>>>();
    send_sync::<TryRecvError>();
    send_sync::<Closed>();
    send_sync::<MailboxStats>();
    send_sync::<MailboxConfig>();
    unpin::<Sender<Vec<u8>>>();
    unpin::<Receiver<Vec<u8>>>();
    // As tokio's halves: a panic caught around a send or receive leaves the mailbox usable.
    // A payload that is not unwind safe itself does not matter (messages are only moved).
    fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
    unwind_safe::<Sender<std::cell::Cell<u8>>>();
    unwind_safe::<Receiver<std::cell::Cell<u8>>>();
    unwind_safe::<ryker_core::mailbox::WeakSender<std::cell::Cell<u8>>>();
    unwind_safe::<Permit<'static, std::cell::Cell<u8>>>();
    unwind_safe::<ryker_core::mailbox::OwnedPermit<std::cell::Cell<u8>>>();
    unwind_safe::<ryker_core::mailbox::PermitIterator<'static, std::cell::Cell<u8>>>();
    unpin::<ryker_core::mailbox::OwnedPermit<Vec<u8>>>();
    // The send future is `Send` (it can be awaited in a spawned task) but pinned: it holds the
    // intrusive wait-list entry.
    fn send_future_is_send(tx: &Sender<Vec<u8>>) -> impl Send + '_ {
        tx.send(Vec::new())
    }
    fn reserve_future_is_send(tx: &Sender<Vec<u8>>) -> impl Send + '_ {
        tx.reserve()
    }
    fn reserve_many_future_is_send(tx: &Sender<Vec<u8>>) -> impl Send + '_ {
        tx.reserve_many(2)
    }
    fn reserve_owned_future_is_send(tx: Sender<Vec<u8>>) -> impl Send {
        tx.reserve_owned()
    }
    let (tx, _rx) = channel::<Vec<u8>>(MailboxConfig::default());
    drop(send_future_is_send(&tx));
    drop(reserve_owned_future_is_send(tx.clone()));
    drop(reserve_many_future_is_send(&tx));
    send_sync::<ryker_core::mailbox::ReserveMany<'static, Vec<u8>>>();
    send_sync::<ryker_core::mailbox::WhenClosed<'static, Vec<u8>>>();
    drop(reserve_future_is_send(&tx));
    send_sync::<ryker_core::mailbox::SendFuture<'static, Vec<u8>>>();
    send_sync::<ryker_core::mailbox::Reserve<'static, Vec<u8>>>();
    send_sync::<ryker_core::error::ForcePushError<Vec<u8>>>();
    send_sync::<ryker_core::error::ConfigError>();
    send_sync::<Overflow>();
    send_sync::<Sent>();
}

#[test]
fn default_config_is_512_busy_no_amnesia() {
    let c = MailboxConfig::default();
    assert_eq!(
        (c.capacity, c.overflow, c.amnesia),
        (512, Overflow::Busy, false)
    );
    let (tx, rx) = channel::<u8>(c);
    assert_eq!((tx.capacity(), rx.capacity()), (512, 512));
}

#[test]
fn invalid_config_is_an_error_naming_the_field() {
    let err = try_channel::<u8>(config(0, Overflow::Busy)).unwrap_err();
    assert_eq!(err.field(), "capacity");
    let text = err.to_string();
    assert!(
        text.contains("capacity = 0") && text.contains("allowed: 1..="),
        "{text}"
    );
    assert!(try_channel::<u8>(config(usize::MAX, Overflow::Busy)).is_err());
    #[cfg(not(feature = "amnesia"))]
    {
        let err = try_channel::<u8>(MailboxConfig {
            amnesia: true,
            ..MailboxConfig::default()
        })
        .unwrap_err();
        assert_eq!(err.field(), "amnesia");
    }
}

#[test]
#[should_panic(expected = "ryker mailbox: invalid config: capacity = 0")]
fn channel_panics_with_a_clear_message_on_invalid_config() {
    let _ = channel::<u8>(config(0, Overflow::Busy));
}

#[test]
fn busy_hands_the_message_back_and_counts_it() {
    let (tx, mut rx) = channel::<u32>(config(2, Overflow::Busy));
    assert_eq!(tx.try_send(1).unwrap(), Sent::Queued);
    assert_eq!(tx.try_send(2).unwrap(), Sent::Queued);
    match tx.try_send(3) {
        Err(TrySendError::Busy(3)) => {}
        other => panic!("expected Busy(3), got {other:?}"),
    }
    let s = tx.stats();
    assert_eq!((s.accepted, s.busy, s.high_water), (2, 1, 2));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(tx.try_send(3).unwrap(), Sent::Queued);
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(rx.stats().received, 3);
}

#[test]
fn drop_newest_drops_and_counts_the_incoming_message() {
    let drops = Arc::new(AtomicUsize::new(0));
    let msg = |id| Tracked {
        id,
        drops: drops.clone(),
    };
    let (tx, mut rx) = channel::<Tracked>(config(1, Overflow::DropNewest));
    assert_eq!(tx.try_send(msg(1)).unwrap(), Sent::Queued);
    assert!(matches!(tx.try_send(msg(2)), Err(TrySendError::Dropped)));
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "the incoming message was dropped"
    );
    // `send` applies the policy too instead of waiting.
    let mut fut = pin!(tx.send(msg(3)));
    let (_, waker) = CountingWaker::new();
    assert!(matches!(
        poll_once(fut.as_mut(), &waker),
        Poll::Ready(Err(SendError::Dropped))
    ));
    assert_eq!(rx.try_recv().unwrap().id, 1);
    let s = rx.stats();
    assert_eq!((s.accepted, s.dropped_newest, s.received), (1, 2, 1));
}

#[test]
fn drop_oldest_evicts_counts_and_accepts() {
    let drops = Arc::new(AtomicUsize::new(0));
    let msg = |id| Tracked {
        id,
        drops: drops.clone(),
    };
    let (tx, mut rx) = channel::<Tracked>(config(2, Overflow::DropOldest));
    for id in 0..5 {
        let sent = tx.try_send(msg(id)).unwrap();
        assert_eq!(
            sent,
            if id < 2 {
                Sent::Queued
            } else {
                Sent::DisplacedOldest
            }
        );
    }
    assert_eq!(
        drops.load(Ordering::SeqCst),
        3,
        "three oldest were evicted and dropped"
    );
    assert_eq!(rx.try_recv().unwrap().id, 3);
    assert_eq!(rx.try_recv().unwrap().id, 4);
    let s = rx.stats();
    assert_eq!((s.accepted, s.dropped_oldest, s.received), (5, 3, 2));
    assert_eq!(s.accepted, s.received + s.dropped_oldest + s.discarded);
}

#[test]
fn close_refuses_new_sends_and_delivers_accepted_ones() {
    let (tx, mut rx) = channel::<u32>(config(4, Overflow::Busy));
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    rx.close();
    assert!(tx.is_closed() && rx.is_closed());
    assert!(matches!(tx.try_send(3), Err(TrySendError::Closed(3))));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.blocking_recv(), Some(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(rx.blocking_recv(), None);
}

#[test]
fn dropping_every_sender_ends_the_stream_after_the_last_message() {
    let (tx, mut rx) = channel::<u32>(config(4, Overflow::Busy));
    let tx2 = tx.clone();
    tx.try_send(1).unwrap();
    drop(tx);
    assert!(!rx.is_closed(), "one sender is still alive");
    tx2.try_send(2).unwrap();
    drop(tx2);
    let mut got = Vec::new();
    while let Some(v) = rx.blocking_recv() {
        got.push(v);
    }
    assert_eq!(got, [1, 2]);
}

#[test]
fn dropping_the_receiver_closes_and_discards_what_is_queued() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = channel::<Tracked>(config(4, Overflow::Busy));
    for id in 0..3 {
        tx.try_send(Tracked {
            id,
            drops: drops.clone(),
        })
        .unwrap();
    }
    drop(rx);
    assert_eq!(drops.load(Ordering::SeqCst), 3);
    assert!(tx.is_closed());
    match tx.try_send(Tracked {
        id: 9,
        drops: drops.clone(),
    }) {
        Err(TrySendError::Closed(m)) => assert_eq!(m.id, 9),
        other => panic!("expected Closed, got {other:?}"),
    }
    let s = tx.stats();
    assert_eq!((s.accepted, s.discarded, s.received), (3, 3, 0));
}

#[test]
fn receiver_waiting_on_empty_is_woken_by_a_send() {
    let (tx, mut rx) = channel::<u32>(config(4, Overflow::Busy));
    let (count, waker) = CountingWaker::new();
    let mut recv = pin!(rx.recv());
    assert!(poll_once(recv.as_mut(), &waker).is_pending());
    assert_eq!(count.count(), 0);
    tx.try_send(5).unwrap();
    assert_eq!(count.count(), 1, "the send woke the receiver");
    // Further sends do not wake again until the receiver registers again.
    tx.try_send(6).unwrap();
    assert_eq!(count.count(), 1);
    assert_eq!(poll_once(recv.as_mut(), &waker), Poll::Ready(Some(5)));
}

#[test]
fn receiver_waiting_is_woken_by_the_last_sender_leaving() {
    let (tx, mut rx) = channel::<u32>(config(4, Overflow::Busy));
    let (count, waker) = CountingWaker::new();
    let mut recv = pin!(rx.recv());
    assert!(poll_once(recv.as_mut(), &waker).is_pending());
    drop(tx);
    assert_eq!(count.count(), 1);
    assert_eq!(poll_once(recv.as_mut(), &waker), Poll::Ready(None));
}

#[test]
fn waiting_senders_are_woken_in_order_as_space_frees() {
    let (tx, mut rx) = channel::<u32>(config(1, Overflow::Busy));
    tx.try_send(0).unwrap();
    let (c1, w1) = CountingWaker::new();
    let (c2, w2) = CountingWaker::new();
    let mut s1 = pin!(tx.send(1));
    let mut s2 = pin!(tx.send(2));
    assert!(poll_once(s1.as_mut(), &w1).is_pending());
    assert!(poll_once(s2.as_mut(), &w2).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!((c1.count(), c2.count()), (1, 0), "oldest waiter first");
    assert_eq!(poll_once(s1.as_mut(), &w1), Poll::Ready(Ok(Sent::Queued)));
    // s2 is still queued; a spurious poll keeps it waiting without overtaking.
    assert!(poll_once(s2.as_mut(), &w2).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(c2.count(), 1);
    assert_eq!(poll_once(s2.as_mut(), &w2), Poll::Ready(Ok(Sent::Queued)));
    assert_eq!(rx.try_recv(), Ok(2));
}

/// A new `send` that finds room in the moment between a slot's notification and the woken
/// sender's poll takes that slot: after queueing it re-checks the ring, which a wake-up racing
/// its registration needs (`Shared::poll_claim`), and that re-check claims what it finds. The
/// line is kept all the same: the woken sender that found its slot gone goes back to the
/// front, and the next slot is its, then the next waiter's. (Written for issue 10's first try
/// inlined into the send future, `Shared::send_first`, which must leave this as it was.)
#[test]
fn a_woken_sender_that_loses_its_slot_keeps_the_front_of_the_line() {
    let (tx, mut rx) = channel::<u32>(config(1, Overflow::Busy));
    tx.try_send(0).unwrap();
    let (c1, w1) = CountingWaker::new();
    let (c2, w2) = CountingWaker::new();
    let (c3, w3) = CountingWaker::new();
    let mut s1 = pin!(tx.send(1));
    let mut s2 = pin!(tx.send(2));
    assert!(poll_once(s1.as_mut(), &w1).is_pending());
    assert!(poll_once(s2.as_mut(), &w2).is_pending());
    // One slot frees: s1 is told, s2 still waits in line.
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!((c1.count(), c2.count()), (1, 0));
    // A new send polled before s1 takes the slot (see above).
    let mut s3 = pin!(tx.send(3));
    assert_eq!(poll_once(s3.as_mut(), &w3), Poll::Ready(Ok(Sent::Queued)));
    // s1 finds it gone and queues again, at the front, ahead of s2.
    assert!(poll_once(s1.as_mut(), &w1).is_pending());
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!((c1.count(), c2.count(), c3.count()), (2, 0, 0), "s1 first");
    assert_eq!(poll_once(s1.as_mut(), &w1), Poll::Ready(Ok(Sent::Queued)));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(c2.count(), 1, "then s2");
    assert_eq!(poll_once(s2.as_mut(), &w2), Poll::Ready(Ok(Sent::Queued)));
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn dropped_send_future_passes_its_wake_up_on() {
    let (tx, mut rx) = channel::<u32>(config(1, Overflow::Busy));
    tx.try_send(0).unwrap();
    let (c1, w1) = CountingWaker::new();
    let (c2, w2) = CountingWaker::new();
    let mut s2 = Box::pin(tx.send(2));
    {
        let mut s1 = pin!(tx.send(1));
        assert!(poll_once(s1.as_mut(), &w1).is_pending());
        assert!(poll_once(s2.as_mut(), &w2).is_pending());
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!((c1.count(), c2.count()), (1, 0));
        // s1 is dropped after being notified, without using the slot.
    }
    assert_eq!(c2.count(), 1, "the notification was passed on");
    assert_eq!(poll_once(s2.as_mut(), &w2), Poll::Ready(Ok(Sent::Queued)));
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn waiting_senders_see_closed_with_their_message() {
    let (tx, mut rx) = channel::<u32>(config(1, Overflow::Busy));
    tx.try_send(0).unwrap();
    let (c, w) = CountingWaker::new();
    let mut s = pin!(tx.send(1));
    assert!(poll_once(s.as_mut(), &w).is_pending());
    rx.close();
    assert_eq!(c.count(), 1);
    assert!(matches!(
        poll_once(s.as_mut(), &w),
        Poll::Ready(Err(SendError::Closed(1)))
    ));
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn permit_reserves_a_slot_and_a_dropped_permit_is_skipped() {
    let (mut tx, mut rx) = channel::<u32>(config(2, Overflow::Busy));
    let (c, waker) = CountingWaker::new();
    let mut cx = std::task::Context::from_waker(&waker);
    let Poll::Ready(Ok(permit)) = tx.poll_reserve(&mut cx) else {
        panic!("reserve")
    };
    // The receiver cannot get past a reserved slot...
    let mut recv = pin!(rx.recv());
    assert!(poll_once(recv.as_mut(), &waker).is_pending());
    drop(permit);
    // ...and is woken when the permit is given up.
    assert_eq!(c.count(), 1);
    assert!(
        poll_once(recv.as_mut(), &waker).is_pending(),
        "nothing was sent"
    );
    let Poll::Ready(Ok(permit)) = tx.poll_reserve(&mut cx) else {
        panic!("reserve")
    };
    permit.send(7);
    assert_eq!(poll_once(recv.as_mut(), &waker), Poll::Ready(Some(7)));
    let s = tx.stats();
    assert_eq!((s.accepted, s.received), (1, 1));
}

#[test]
fn poll_reserve_waits_when_full_and_reports_close() {
    let (mut tx, mut rx) = channel::<u32>(config(1, Overflow::Busy));
    tx.try_send(1).unwrap();
    let (c, waker) = CountingWaker::new();
    let mut cx = std::task::Context::from_waker(&waker);
    assert!(tx.poll_reserve(&mut cx).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(c.count(), 1);
    match tx.poll_reserve(&mut cx) {
        Poll::Ready(Ok(p)) => p.send(2),
        _ => panic!("space was freed"),
    }
    assert!(tx.poll_reserve(&mut cx).is_pending());
    rx.close();
    assert!(matches!(tx.poll_reserve(&mut cx), Poll::Ready(Err(Closed))));
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn recv_many_takes_what_is_ready_up_to_the_limit() {
    let (tx, mut rx) = channel::<u32>(config(8, Overflow::Busy));
    let (_, waker) = CountingWaker::new();
    let mut cx = std::task::Context::from_waker(&waker);
    let mut buf = Vec::new();
    assert!(rx.poll_recv_many(&mut cx, &mut buf, 4).is_pending());
    for i in 0..6 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(rx.poll_recv_many(&mut cx, &mut buf, 4), Poll::Ready(4));
    assert_eq!(rx.poll_recv_many(&mut cx, &mut buf, 0), Poll::Ready(0));
    assert_eq!(rx.poll_recv_many(&mut cx, &mut buf, 4), Poll::Ready(2));
    assert_eq!(buf, [0, 1, 2, 3, 4, 5]);
    drop(tx);
    assert_eq!(
        rx.poll_recv_many(&mut cx, &mut buf, 4),
        Poll::Ready(0),
        "0 = closed and drained"
    );
    assert_eq!(rx.blocking_recv_many(&mut buf, 4), 0);
}

#[test]
fn senders_blocked_on_full_make_progress_from_threads() {
    // Miri runs threads one at a time, about 10^4 times slower: a dozen sends each into the
    // one slot still make all three senders block and wait on one another (36 hand-offs,
    // each through the same blocking send and receive paths as the 6000 natively).
    const PER_SENDER: u64 = if cfg!(miri) { 12 } else { 2_000 };
    let (tx, mut rx) = channel::<u64>(config(1, Overflow::Busy));
    let producers: Vec<_> = (0..3u64)
        .map(|p| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for i in 0..PER_SENDER {
                    tx.blocking_send(p << 32 | i).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let mut next = [0u64; 3];
    while let Some(v) = rx.blocking_recv() {
        let (p, i) = ((v >> 32) as usize, v & 0xffff_ffff);
        assert_eq!(i, next[p], "per-sender order");
        next[p] += 1;
    }
    assert_eq!(next, [PER_SENDER; 3]);
    for p in producers {
        p.join().unwrap();
    }
}

#[cfg(feature = "amnesia")]
#[test]
fn amnesia_mailbox_delivers_normally() {
    let (tx, mut rx) = channel::<[u8; 64]>(MailboxConfig {
        amnesia: true,
        ..config(2, Overflow::DropOldest)
    });
    for i in 0..4u8 {
        tx.try_send([i; 64]).unwrap();
    }
    assert_eq!(rx.try_recv(), Ok([2; 64]));
    assert_eq!(rx.try_recv(), Ok([3; 64]));
}

#[test]
fn dropped_reserve_future_passes_its_wake_up_on() {
    let (tx, mut rx) = channel::<u32>(config(1, Overflow::Busy));
    tx.try_send(0).unwrap();
    let (c1, w1) = CountingWaker::new();
    let (c2, w2) = CountingWaker::new();
    let mut s2 = Box::pin(tx.send(2));
    {
        let mut r1 = pin!(tx.reserve());
        assert!(poll_once(r1.as_mut(), &w1).is_pending());
        assert!(poll_once(s2.as_mut(), &w2).is_pending());
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!((c1.count(), c2.count()), (1, 0));
    }
    assert_eq!(
        c2.count(),
        1,
        "the reserve future's notification was passed on"
    );
    assert_eq!(poll_once(s2.as_mut(), &w2), Poll::Ready(Ok(Sent::Queued)));
}

#[test]
fn reserve_future_is_send() {
    fn is_send<T: Send>(_: &T) {}
    let (tx, _rx) = channel::<u32>(MailboxConfig::default());
    let fut = tx.reserve();
    is_send(&fut);
}

#[test]
fn drop_oldest_send_waiting_on_an_unpublished_oldest_slot_is_woken_by_its_publish() {
    let (mut tx, mut rx) = channel::<u32>(config(1, Overflow::DropOldest));
    let tx2 = tx.clone();
    let (c, waker) = CountingWaker::new();
    let mut cx = std::task::Context::from_waker(&waker);
    let Poll::Ready(Ok(permit)) = tx.poll_reserve(&mut cx) else {
        panic!("reserve")
    };
    let mut send = pin!(tx2.send(2));
    assert!(
        poll_once(send.as_mut(), &waker).is_pending(),
        "nothing to evict yet"
    );
    permit.send(1);
    assert!(c.count() >= 1, "the publish woke the waiting sender");
    assert_eq!(
        poll_once(send.as_mut(), &waker),
        Poll::Ready(Ok(Sent::DisplacedOldest))
    );
    assert_eq!(rx.try_recv(), Ok(2));
    let s = rx.stats();
    assert_eq!(
        (s.accepted, s.dropped_oldest, s.received, s.busy),
        (2, 1, 1, 0)
    );
}

#[test]
fn repolling_a_queued_sender_keeps_its_place_and_its_wake_up() {
    let (tx, mut rx) = channel::<u32>(config(1, Overflow::Busy));
    tx.try_send(0).unwrap();
    let (c, waker) = CountingWaker::new();
    let mut s = pin!(tx.send(1));
    for _ in 0..3 {
        assert!(poll_once(s.as_mut(), &waker).is_pending());
    }
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(c.count(), 1);
    assert_eq!(poll_once(s.as_mut(), &waker), Poll::Ready(Ok(Sent::Queued)));
}
