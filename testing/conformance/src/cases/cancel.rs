//! Cancel safety of `tell` and `ask`: a future dropped before it completed never delivers its
//! message later, a completed one always does, a dropped waiter passes on a wake-up it was
//! given, and an ask dropped after its request was queued is still handled exactly once.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use ryker_core::prelude::*;

use crate::probe::{assert_sequence, config, fill, hold, spawn_recorder, Item, Ledger, Rec};
use crate::sync::stop_and_join;
use crate::sync::{poll_once, within, Latch, WakeCount};
use crate::Harness;

/// Futures of each kind per phase.
const N: u64 = 10_000;
/// The mailbox's capacity.
const CAPACITY: u64 = 16;
/// Polls between yields to the runtime in the racing phase (more than the capacity, so both
/// outcomes occur on every runtime).
const BURST: u64 = 64;

/// Phase 1: the actor is blocked and its 16-slot mailbox full; 10,000 `tell` and 10,000 `ask`
/// futures are each polled once (all must be `Pending`: nothing is queued) and dropped.
/// Phase 2: the actor runs (and on multi-worker runtimes races the test); another 10,000
/// `tell` and 10,000 `ask` futures are each polled once and dropped, yielding every 64. At the
/// end, a `tell` message was handled exactly once if its future returned `Ready(Ok)` and
/// never otherwise; an `ask` request was handled exactly once if its poll queued it (the
/// mailbox's `accepted` counter went up by one; the test is the only sender) and never
/// otherwise; every message was dropped exactly once.
///
/// Fails on: a dropped send whose message is delivered later anyway (a message parked in a
/// wait slot and published on the sender's behalf), a `Ready(Ok)` whose message is lost, a
/// request queued twice, a leaked or double-dropped message, a waiter left in the wait list
/// by a dropped future (later senders hang: the case times out).
pub fn cancelled_sends_are_never_delivered<H: Harness>(h: H) {
    let rt = h.runtime();
    let tells_full = CAPACITY..CAPACITY + N;
    let asks_full = tells_full.end..tells_full.end + N;
    let tells_racing = asks_full.end..asks_full.end + N;
    let asks_racing = tells_racing.end..tells_racing.end + N;
    let ledger = Ledger::new(asks_racing.end);
    let (completed_tells, queued_asks) = h.block_on(async {
        let handle = spawn_recorder(&rt, &ledger, config(CAPACITY as usize, Overflow::Busy, 8));
        let addr = handle.addr();
        let release = hold(&addr).await;
        fill(&addr, &ledger, 0..CAPACITY);
        for id in tells_full.clone() {
            let outcome = poll_once(pin!(addr.tell(Rec::Item(Item::new(id, &ledger)))));
            assert!(
                outcome.is_pending(),
                "tell {id} into a full mailbox: {outcome:?}"
            );
        }
        for id in asks_full.clone() {
            let outcome = poll_once(pin!(addr.ask(|r| Rec::Echo(Item::new(id, &ledger), r))));
            assert!(
                outcome.is_pending(),
                "ask {id} into a full mailbox: {outcome:?}"
            );
        }
        assert_eq!(addr.stats().accepted, CAPACITY + 1, "{:?}", addr.stats());

        release.open();
        let (mut completed_tells, mut pending_tells) = (Vec::new(), 0);
        for (i, id) in tells_racing.clone().enumerate() {
            if (i as u64).is_multiple_of(BURST) {
                rt.yield_now().await;
            }
            match poll_once(pin!(addr.tell(Rec::Item(Item::new(id, &ledger))))) {
                Poll::Ready(Ok(_)) => completed_tells.push(id),
                Poll::Pending => pending_tells += 1,
                Poll::Ready(Err(e)) => panic!("tell {id}: {e:?}"),
            }
        }
        let mut queued_asks = Vec::new();
        for (i, id) in asks_racing.clone().enumerate() {
            if (i as u64).is_multiple_of(BURST) {
                rt.yield_now().await;
            }
            let before = addr.stats().accepted;
            let outcome = poll_once(pin!(addr.ask(|r| Rec::Echo(Item::new(id, &ledger), r))));
            let queued = addr.stats().accepted - before;
            match outcome {
                Poll::Ready(Ok(answer)) => {
                    assert_eq!(answer, id, "ask {id} got another request's answer");
                    assert_eq!(queued, 1, "ask {id} answered but not queued");
                    queued_asks.push(id);
                }
                Poll::Pending if queued <= 1 => {
                    if queued == 1 {
                        queued_asks.push(id);
                    }
                }
                other => panic!("ask {id}: {other:?} (queued {queued} times)"),
            }
        }
        assert!(
            !completed_tells.is_empty() && pending_tells > 0,
            "the racing phase did not exercise both outcomes: {} tells completed, {pending_tells} \
             pending",
            completed_tells.len()
        );
        drop(addr);
        let report = stop_and_join("shutdown", handle).await;
        let expected = 1 + CAPACITY + (completed_tells.len() + queued_asks.len()) as u64;
        assert_eq!(report.handled, expected, "{report:?}");
        (completed_tells, queued_asks)
    });
    ledger.assert_no_failures();
    ledger.assert_each(
        "messages queued before the cancelled sends",
        0..CAPACITY,
        |_| (1, 1),
    );
    ledger.assert_each("tells cancelled while full", tells_full, |_| (0, 1));
    ledger.assert_each("asks cancelled while full", asks_full, |_| (0, 1));
    let completed: std::collections::HashSet<u64> = completed_tells.into_iter().collect();
    ledger.assert_each("racing tells (handled iff Ready(Ok))", tells_racing, |id| {
        (u8::from(completed.contains(&id)), 1)
    });
    let queued: std::collections::HashSet<u64> = queued_asks.into_iter().collect();
    ledger.assert_each("racing asks (handled iff queued)", asks_racing, |id| {
        (u8::from(queued.contains(&id)), 1)
    });
}

/// `batch_size` 1, capacity 4, the actor blocked with the mailbox full; eight `tell` futures
/// are polled once (queueing as waiters), then a ninth, `W`, with a waker that counts. The
/// actor takes one message, freeing one slot and notifying the oldest waiter; then all eight
/// are dropped without being polled again. The notification must travel on to `W`: its waker
/// fires, and polling it gives `Ready(Ok)`. The eight messages are never handled.
///
/// Fails on: a dropped waiter that swallows the wake-up it was given (W waits forever while a
/// slot is free), a dropped waiter left in the wait list, a cancelled message delivered.
pub fn cancelled_notified_sender_passes_the_wakeup_on<H: Harness>(h: H) {
    let rt = h.runtime();
    let ledger = Ledger::new(16);
    h.block_on(async {
        let handle = spawn_recorder(&rt, &ledger, config(4, Overflow::Busy, 1));
        let addr = handle.addr();
        let first = hold(&addr).await;
        let (entered, second) = (Latch::new(1), Latch::new(1));
        let hold2 = Rec::Hold {
            entered: entered.clone(),
            release: second.clone(),
        };
        assert!(addr.try_tell(hold2).is_ok());
        fill(&addr, &ledger, 0..3);
        let mut cancelled: Vec<_> = (8..16)
            .map(|id| Box::pin(addr.tell(Rec::Item(Item::new(id, &ledger)))))
            .collect();
        for (id, fut) in (8..).zip(&mut cancelled) {
            assert!(
                poll_once(fut.as_mut()).is_pending(),
                "tell {id} into a full mailbox"
            );
        }
        let wakes = Arc::new(WakeCount::default());
        let waker = Waker::from(wakes.clone());
        let mut w = pin!(addr.tell(Rec::Item(Item::new(3, &ledger))));
        let mut cx = Context::from_waker(&waker);
        assert!(
            w.as_mut().poll(&mut cx).is_pending(),
            "tell W into a full mailbox"
        );

        first.open();
        within(
            "the actor to take the next message (freeing one slot)",
            entered.wait(),
        )
        .await;
        assert_eq!(addr.len(), 3, "one slot is free");
        assert_eq!(
            wakes.get(),
            0,
            "W was woken for one free slot although eight senders wait before it (oldest first)"
        );
        drop(cancelled);
        assert!(
            wakes.get() > 0,
            "the dropped senders swallowed the wake-up for the free slot: W was never woken"
        );
        match w.as_mut().poll(&mut cx) {
            Poll::Ready(Ok(Sent::Queued)) => {}
            other => panic!("W after its wake-up: {other:?}"),
        }
        second.open();
        let report = stop_and_join("shutdown", handle).await;
        assert_eq!(report.handled, 6, "{report:?}");
    });
    ledger.assert_no_failures();
    assert_sequence("handled", &ledger.order(), &[0, 1, 2, 3]);
    ledger.assert_each("cancelled senders", 8..16, |_| (0, 1));
}

/// The actor is blocked with room in its mailbox; eight `ask` futures are polled once (each
/// queues its request, `accepted` goes up by one, and waits for the answer) and dropped. When
/// the actor is released it handles each request exactly once, and each answer finds its
/// asker gone.
///
/// Fails on: a dropped ask whose queued request is removed or skipped (lost), or handled
/// twice; an ask that does not queue on its first poll with room.
pub fn dropped_queued_ask_is_still_handled_once<H: Harness>(h: H) {
    let rt = h.runtime();
    let ledger = Ledger::new(8);
    h.block_on(async {
        let handle = spawn_recorder(&rt, &ledger, config(16, Overflow::Busy, 32));
        let addr = handle.addr();
        let release = hold(&addr).await;
        for id in 0..8 {
            let before = addr.stats().accepted;
            let outcome = poll_once(pin!(addr.ask(|r| Rec::Echo(Item::new(id, &ledger), r))));
            assert!(
                outcome.is_pending(),
                "ask {id} before the actor ran: {outcome:?}"
            );
            assert_eq!(
                addr.stats().accepted,
                before + 1,
                "ask {id} queued on its first poll"
            );
        }
        release.open();
        drop(addr);
        let report = stop_and_join("shutdown", handle).await;
        assert_eq!(report.handled, 9, "{report:?}");
    });
    ledger.assert_no_failures();
    assert_sequence("handled", &ledger.order(), &(0..8).collect::<Vec<_>>());
    ledger.assert_each("every request", 0..8, |_| (1, 1));
    assert_eq!(
        ledger.replies_unwanted.load(Ordering::Acquire),
        8,
        "answers to dropped asks"
    );
}
