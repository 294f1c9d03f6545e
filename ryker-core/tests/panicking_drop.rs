//! Messages whose `Drop` panics (issue 8, item 5): draining on drop goes on past a panicking
//! destructor (every message is dropped, then the first panic resumes, as tokio's mpsc and `Vec`
//! do), the counters say what happened, and a `DropOldest` send whose evicted message panics in
//! its destructor has still queued (and counted) its own message.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use ryker_core::mailbox::{channel, MailboxConfig, Overflow, Sent};
use ryker_core::ring::Ring;

/// Counts its drops in a per-test counter; panics in `drop` when `panics` is set.
struct Bomb {
    id: u32,
    panics: bool,
    drops: Arc<AtomicUsize>,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
        if self.panics {
            panic!("Bomb {} goes off in drop", self.id);
        }
    }
}

fn bombs() -> (Arc<AtomicUsize>, impl Fn(u32, bool) -> Bomb) {
    let drops = Arc::new(AtomicUsize::new(0));
    let d = drops.clone();
    (drops, move |id, panics| Bomb {
        id,
        panics,
        drops: d.clone(),
    })
}

fn config(capacity: usize, overflow: Overflow) -> MailboxConfig {
    MailboxConfig {
        capacity,
        overflow,
        ..Default::default()
    }
}

/// tokio's `drop_all_elements_during_panic`, on a bounded mailbox: the first message's
/// destructor panics while the receiver drops; the other two are dropped anyway, right then,
/// and counted as discarded (nothing was received).
#[test]
fn receiver_drop_drops_every_message_past_a_panicking_destructor() {
    for overflow in [Overflow::Busy, Overflow::DropNewest, Overflow::DropOldest] {
        let (drops, bomb) = bombs();
        let (tx, rx) = channel::<Bomb>(config(8, overflow));
        tx.try_send(bomb(0, true)).unwrap();
        tx.try_send(bomb(1, false)).unwrap();
        tx.try_send(bomb(2, false)).unwrap();
        let weak = tx.downgrade();
        let unwound = catch_unwind(AssertUnwindSafe(|| drop(rx)));
        assert!(unwound.is_err(), "the destructor's panic is resumed");
        assert_eq!(
            drops.load(Ordering::SeqCst),
            3,
            "{overflow:?}: every queued message is dropped when the receiver goes"
        );
        let s = tx.stats();
        assert_eq!(
            (s.accepted, s.received, s.discarded),
            (3, 0, 3),
            "{overflow:?}: {s:?}"
        );
        drop(tx);
        drop(weak);
        assert_eq!(drops.load(Ordering::SeqCst), 3, "nothing dropped twice");
    }
}

/// Two panicking destructors in a row would be a panic while panicking (an abort, as for
/// `Vec`); one in the middle of the queue is enough to show the rest is still dropped.
#[test]
fn receiver_drop_continues_after_a_panic_in_the_middle() {
    let (drops, bomb) = bombs();
    let (tx, rx) = channel::<Bomb>(config(4, Overflow::Busy));
    for id in 0..4 {
        tx.try_send(bomb(id, id == 2)).unwrap();
    }
    assert!(catch_unwind(AssertUnwindSafe(|| drop(rx))).is_err());
    assert_eq!(drops.load(Ordering::SeqCst), 4);
    let s = tx.stats();
    assert_eq!((s.accepted, s.received, s.discarded), (4, 0, 4), "{s:?}");
}

/// The ring's own `Drop` goes on past a panicking destructor too.
#[test]
fn ring_drop_drops_every_value_past_a_panicking_destructor() {
    let (drops, bomb) = bombs();
    let ring = Ring::with_capacity(4).unwrap();
    for id in 0..3 {
        assert!(ring.try_push(bomb(id, id == 0)).is_ok());
    }
    assert!(catch_unwind(AssertUnwindSafe(|| drop(ring))).is_err());
    assert_eq!(drops.load(Ordering::SeqCst), 3);
}

/// `try_send` under `DropOldest`: the evicted message's destructor panics. The panic comes out
/// of `try_send`, but only after the new message was queued and every counter updated: the
/// caller's message is in the mailbox.
#[test]
fn drop_oldest_try_send_queues_its_message_before_an_evicted_destructor_panics() {
    let (drops, bomb) = bombs();
    let (tx, mut rx) = channel::<Bomb>(config(1, Overflow::DropOldest));
    assert_eq!(tx.try_send(bomb(0, true)).unwrap(), Sent::Queued);
    let unwound = catch_unwind(AssertUnwindSafe(|| tx.try_send(bomb(1, false))));
    assert!(unwound.is_err(), "the evicted message's panic propagates");
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "only the evicted one dropped"
    );
    let s = tx.stats();
    assert_eq!(
        (s.accepted, s.dropped_oldest, s.received),
        (2, 1, 0),
        "{s:?}"
    );
    let got = rx.try_recv().expect("the new message was queued");
    assert_eq!(got.id, 1);
    drop(got);
    let s = tx.stats();
    assert_eq!(s.accepted, s.received + s.dropped_oldest + s.discarded);
}

/// The same through `send().await`.
#[test]
fn drop_oldest_send_queues_its_message_before_an_evicted_destructor_panics() {
    let (drops, bomb) = bombs();
    let (tx, mut rx) = channel::<Bomb>(config(1, Overflow::DropOldest));
    tx.try_send(bomb(0, true)).unwrap();
    let unwound = catch_unwind(AssertUnwindSafe(|| {
        let mut fut = pin!(tx.send(bomb(1, false)));
        fut.as_mut().poll(&mut Context::from_waker(Waker::noop()))
    }));
    assert!(unwound.is_err(), "the evicted message's panic propagates");
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert_eq!(rx.try_recv().map(|m| m.id).ok(), Some(1));
    let s = tx.stats();
    assert_eq!(
        (s.accepted, s.dropped_oldest, s.received),
        (2, 1, 1),
        "{s:?}"
    );
    // A normal send afterwards works (the wait list was left clean).
    let mut fut = pin!(tx.send(bomb(2, false)));
    assert!(matches!(
        fut.as_mut().poll(&mut Context::from_waker(Waker::noop())),
        Poll::Ready(Ok(Sent::Queued))
    ));
}

/// A receive whose `Extend` (the caller's collection) panics still tells the senders waiting on
/// a full mailbox about the slot it freed: the waiting `blocking_send` completes. (Found by the
/// review of issue 10's second round: the notification used to come after the loop, and a panic
/// skipped it, leaving the sender parked with a free slot.)
#[test]
fn a_panicking_extend_still_frees_the_slot_for_a_waiting_sender() {
    struct Refuses;
    impl Extend<u32> for Refuses {
        fn extend<I: IntoIterator<Item = u32>>(&mut self, _: I) {
            panic!("this collection refuses every message");
        }
    }
    let (tx, mut rx) = channel::<u32>(MailboxConfig {
        capacity: 1,
        ..MailboxConfig::default()
    });
    sender_waiting_on_full_is_told_after(tx, || {
        let caught = catch_unwind(AssertUnwindSafe(|| rx.blocking_recv_many(&mut Refuses, 1)));
        assert!(caught.is_err(), "the collection panicked");
    });
    assert_eq!(rx.blocking_recv(), Some(2));
}

/// Fills the one slot of `tx`'s mailbox with 1, parks a `blocking_send(2)` on the full mailbox,
/// runs `receive` (which frees the slot and panics, caught), and checks that the sender was told
/// about the free slot: its send completes.
fn sender_waiting_on_full_is_told_after<X: ryker_core::mailbox::Attachment>(
    tx: ryker_core::mailbox::Sender<u32, X>,
    receive: impl FnOnce(),
) {
    tx.try_send(1).unwrap();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    // Not scoped: with the bug the sender never returns, and the test must fail, not hang.
    std::thread::spawn(move || {
        let sent = tx.blocking_send(2);
        done_tx.send(sent).unwrap();
    });
    // Let the sender go through its spin and park in the wait list.
    std::thread::sleep(std::time::Duration::from_millis(100));
    receive();
    let sent = done_rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the waiting sender was told about the freed slot");
    assert_eq!(sent, Ok(Sent::Queued));
}

/// Issue 10: a receive takes a run of messages in one go (`Ring::take_run_exclusive`). When the
/// caller's collection panics in the middle of a run (here on the third of five messages), the
/// messages it took stay taken and their slots freed (the two it kept, the one it was handed
/// when it panicked), the rest stay queued for the next receive, each once, in order, and the
/// counters and the room in the mailbox say so.
#[test]
fn a_collection_that_panics_mid_run_loses_and_repeats_nothing() {
    struct Keeps(Vec<Bomb>);
    impl Extend<Bomb> for Keeps {
        fn extend<I: IntoIterator<Item = Bomb>>(&mut self, iter: I) {
            for msg in iter {
                if msg.id == 2 {
                    panic!("this collection refuses message 2");
                }
                self.0.push(msg);
            }
        }
    }
    let (drops, bomb) = bombs();
    let (tx, mut rx) = channel::<Bomb>(config(5, Overflow::Busy));
    for id in 0..5 {
        tx.try_send(bomb(id, false)).unwrap();
    }
    let mut kept = Keeps(Vec::new());
    let unwound = catch_unwind(AssertUnwindSafe(|| rx.try_recv_many(&mut kept, 5)));
    assert!(unwound.is_err(), "the collection's panic propagates");
    let kept: Vec<u32> = kept.0.iter().map(|m| m.id).collect();
    assert_eq!(kept, [0, 1]);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "message 2 dropped by the unwind"
    );
    // The three taken slots are free: three sends fit, a fourth does not.
    for id in 5..8 {
        tx.try_send(bomb(id, false)).unwrap();
    }
    assert!(tx.try_send(bomb(8, false)).is_err(), "full again");
    let mut rest = Vec::new();
    while let Ok(msg) = rx.try_recv() {
        rest.push(msg.id);
    }
    assert_eq!(rest, [3, 4, 5, 6, 7], "the rest once each, in order");
    let s = tx.stats();
    assert_eq!((s.accepted, s.received), (8, 8), "{s:?}");
}

/// A receive whose attachment's `on_received` (user code, e.g. a metrics hook) panics still
/// tells the senders waiting on a full mailbox about the slot it freed: the waiting
/// `blocking_send` completes. (Found by the review of issue 10's ninth round: the senders were
/// told after `on_received`, and its panic skipped that.)
#[test]
fn a_panicking_on_received_still_frees_the_slot_for_a_waiting_sender() {
    struct Refuses;
    impl ryker_core::mailbox::Attachment for Refuses {
        fn on_received(&self, _: usize) {
            panic!("this hook refuses every receive");
        }
    }
    let (tx, mut rx) = ryker_core::mailbox::try_channel_with::<u32, _>(
        MailboxConfig {
            capacity: 1,
            ..MailboxConfig::default()
        },
        Refuses,
    )
    .unwrap();
    sender_waiting_on_full_is_told_after(tx, || {
        let caught = catch_unwind(AssertUnwindSafe(|| rx.try_recv()));
        assert!(caught.is_err(), "the hook panicked");
    });
}
