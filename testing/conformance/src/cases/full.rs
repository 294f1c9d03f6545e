//! A full mailbox: backpressure, each overflow policy with its counters, and `tell_timeout`.
//!
//! Every case here blocks the actor inside a `Hold` handler first, so the mailbox fills to
//! exactly its capacity and stays full until the case releases it.

use std::pin::pin;
use std::time::{Duration, Instant};

use ryker_core::prelude::*;

use crate::probe::{assert_sequence, config, fill, hold, spawn_recorder, Item, Ledger, Rec};
use crate::sync::stop_and_join;
use crate::sync::{poll_once, within};
use crate::Harness;

/// Capacity 4, `Busy`, actor blocked: four `try_tell`s are queued; the fifth returns
/// `Busy(msg)` with that very message; `tell` of it stays pending (also after the runtime had
/// a chance to run) until the actor is released, then completes with `Queued`; the actor
/// handles all five in order, and the counters say one refusal.
///
/// Fails on: a mailbox that accepts more than its capacity, `Busy` that drops or swaps the
/// message, a `tell` that completes while full (or drops its message), a waiting sender
/// that is never woken when the actor frees room (lost wake-up: the case times out).
pub fn backpressure_busy_hands_back_and_tell_waits<H: Harness>(h: H) {
    let rt = h.runtime();
    let ledger = Ledger::new(8);
    h.block_on(async {
        let handle = spawn_recorder(&rt, &ledger, config(4, Overflow::Busy, 32));
        let addr = handle.addr();
        let release = hold(&addr).await;
        fill(&addr, &ledger, 0..4);
        let back = match addr.try_tell(Rec::Item(Item::new(4, &ledger))) {
            Err(TrySendError::Busy(back)) => back,
            other => panic!("try_tell into a full Busy mailbox: expected Busy, got {other:?}"),
        };
        assert_eq!(back.id(), Some(4), "Busy handed back another message");
        assert_eq!(
            ledger.dropped(4),
            0,
            "the refused message was dropped, not handed back"
        );

        let mut tell = pin!(addr.tell(back));
        assert!(
            poll_once(tell.as_mut()).is_pending(),
            "tell into a full mailbox completed instead of waiting"
        );
        for _ in 0..16 {
            rt.yield_now().await;
        }
        assert!(
            poll_once(tell.as_mut()).is_pending(),
            "tell completed while the actor was still blocked and the mailbox full"
        );
        let stats = addr.stats();
        assert_eq!(
            (stats.accepted, stats.busy),
            (5, 1),
            "accepted, busy: {stats:?}"
        );

        release.open();
        let sent = within(
            "the waiting tell to complete once the actor made room",
            tell,
        )
        .await;
        assert!(
            matches!(sent, Ok(Sent::Queued)),
            "the waiting tell: {sent:?}"
        );
        let report = stop_and_join("shutdown", handle).await;
        assert_eq!(report.handled, 6, "{report:?}");
        assert_eq!(
            (report.mailbox.accepted, report.mailbox.busy),
            (6, 1),
            "{report:?}"
        );
    });
    ledger.assert_no_failures();
    assert_sequence("handled", &ledger.order(), &[0, 1, 2, 3, 4]);
    ledger.assert_each("every message", 0..5, |_| (1, 1));
}

/// Capacity 4, `DropNewest`, actor blocked and mailbox full: `try_tell` returns `Dropped` and
/// `tell` returns `Dropped` at once (no waiting); both messages are dropped on the spot,
/// `dropped_newest` counts 2, and the actor later handles exactly the four queued ones.
///
/// Fails on: the wrong error (or `Busy`) under `DropNewest`, `tell` waiting under a drop
/// policy, a dropped message that leaks or is handled anyway, an uncounted drop, or
/// `accepted != handled + dropped_oldest` at the end.
pub fn overflow_drop_newest_drops_and_counts<H: Harness>(h: H) {
    let rt = h.runtime();
    let ledger = Ledger::new(8);
    h.block_on(async {
        let handle = spawn_recorder(&rt, &ledger, config(4, Overflow::DropNewest, 32));
        let addr = handle.addr();
        let release = hold(&addr).await;
        fill(&addr, &ledger, 0..4);
        let outcome = addr.try_tell(Rec::Item(Item::new(4, &ledger)));
        assert!(
            matches!(outcome, Err(TrySendError::Dropped)),
            "try_tell: {outcome:?}"
        );
        assert_eq!(
            ledger.dropped(4),
            1,
            "the newest message was not dropped at once"
        );
        let outcome = poll_once(pin!(addr.tell(Rec::Item(Item::new(5, &ledger)))));
        assert!(
            matches!(outcome, std::task::Poll::Ready(Err(SendError::Dropped))),
            "tell into a full DropNewest mailbox must return Dropped at once, got {outcome:?}"
        );
        let stats = addr.stats();
        assert_eq!(
            (stats.accepted, stats.dropped_newest, stats.busy),
            (5, 2, 0),
            "accepted, dropped_newest, busy: {stats:?}"
        );
        release.open();
        let report = stop_and_join("shutdown", handle).await;
        assert_eq!(report.handled, 5, "{report:?}");
        assert_eq!(report.mailbox.dropped_newest, 2, "{report:?}");
        assert_eq!(
            report.mailbox.accepted,
            report.handled + report.mailbox.dropped_oldest,
            "accepted == handled + dropped_oldest: {report:?}"
        );
    });
    ledger.assert_no_failures();
    assert_sequence("handled", &ledger.order(), &[0, 1, 2, 3]);
    ledger.assert_each("every message", 0..6, |id| (u8::from(id < 4), 1));
}

/// Capacity 4, `DropOldest`, actor blocked: after four `Queued` sends, six more `try_tell`s and
/// one `tell` each return `Sent::DisplacedOldest`, evicting (and dropping) the oldest queued
/// message every time; `dropped_oldest` counts 7; the actor handles exactly the newest four,
/// in order; and `accepted == handled + dropped_oldest` in the report.
///
/// Fails on: evicting the wrong end (the handled set is not the newest four), an eviction
/// that leaks or double-drops the evicted message, the wrong `Sent` value, miscounted
/// counters, `tell` waiting under `DropOldest`.
pub fn overflow_drop_oldest_keeps_the_newest<H: Harness>(h: H) {
    let rt = h.runtime();
    let ledger = Ledger::new(16);
    h.block_on(async {
        let handle = spawn_recorder(&rt, &ledger, config(4, Overflow::DropOldest, 32));
        let addr = handle.addr();
        let release = hold(&addr).await;
        fill(&addr, &ledger, 0..4);
        for id in 4..10 {
            let outcome = addr.try_tell(Rec::Item(Item::new(id, &ledger)));
            assert!(
                matches!(outcome, Ok(Sent::DisplacedOldest)),
                "try_tell {id}: {outcome:?}"
            );
            assert_eq!(
                ledger.dropped(id - 4),
                1,
                "message {} was not evicted",
                id - 4
            );
        }
        let outcome = poll_once(pin!(addr.tell(Rec::Item(Item::new(10, &ledger)))));
        assert!(
            matches!(outcome, std::task::Poll::Ready(Ok(Sent::DisplacedOldest))),
            "tell into a full DropOldest mailbox: {outcome:?}"
        );
        let stats = addr.stats();
        assert_eq!(
            (stats.accepted, stats.dropped_oldest),
            (12, 7),
            "accepted, dropped_oldest: {stats:?}"
        );
        release.open();
        let report = stop_and_join("shutdown", handle).await;
        assert_eq!(report.handled, 5, "{report:?}");
        assert_eq!(report.mailbox.dropped_oldest, 7, "{report:?}");
        assert_eq!(
            report.mailbox.accepted,
            report.handled + report.mailbox.dropped_oldest,
            "accepted == handled + dropped_oldest: {report:?}"
        );
    });
    ledger.assert_no_failures();
    assert_sequence("handled (the newest four)", &ledger.order(), &[7, 8, 9, 10]);
    ledger.assert_each("every message", 0..11, |id| (u8::from(id >= 7), 1));
}

/// Capacity 4, `Busy`, actor blocked and mailbox full: three `try_tell`s are refused with the
/// message handed back; `busy` counts 3 (nothing dropped); the queued four are handled.
///
/// Fails on: an uncounted refusal, a refusal counted as a drop, `accepted` counting refused
/// messages, `accepted != handled + dropped_oldest` at the end.
pub fn overflow_busy_counts_refusals<H: Harness>(h: H) {
    let rt = h.runtime();
    let ledger = Ledger::new(8);
    h.block_on(async {
        let handle = spawn_recorder(&rt, &ledger, config(4, Overflow::Busy, 32));
        let addr = handle.addr();
        let release = hold(&addr).await;
        fill(&addr, &ledger, 0..4);
        for id in 4..7 {
            match addr.try_tell(Rec::Item(Item::new(id, &ledger))) {
                Err(TrySendError::Busy(back)) => assert_eq!(back.id(), Some(id)),
                other => panic!("try_tell {id} into a full Busy mailbox: {other:?}"),
            }
        }
        let stats = addr.stats();
        assert_eq!(
            (
                stats.accepted,
                stats.busy,
                stats.dropped_newest,
                stats.dropped_oldest
            ),
            (5, 3, 0, 0),
            "accepted, busy, dropped_newest, dropped_oldest: {stats:?}"
        );
        release.open();
        let report = stop_and_join("shutdown", handle).await;
        assert_eq!(report.handled, 5, "{report:?}");
        assert_eq!(report.mailbox.busy, 3, "{report:?}");
        assert_eq!(
            report.mailbox.accepted,
            report.handled + report.mailbox.dropped_oldest,
            "accepted == handled + dropped_oldest: {report:?}"
        );
    });
    ledger.assert_no_failures();
    assert_sequence("handled", &ledger.order(), &[0, 1, 2, 3]);
    ledger.assert_each("every message", 0..7, |id| (u8::from(id < 4), 1));
}

/// Capacity 2, actor blocked and mailbox full: `tell_timeout(msg, 100 ms)` returns
/// `Timeout(msg)` with the message sent, not before about half the timeout (a loose bound),
/// and the message is not queued (`accepted` unchanged, never handled).
///
/// Fails on: a timeout that never fires (the case's own 10 s bound), one that fires at once
/// (a runtime `sleep` that does not wait), a swapped or dropped message, a timed-out message
/// that is queued anyway.
pub fn tell_timeout_hands_the_message_back<H: Harness>(h: H) {
    const TIMEOUT: Duration = Duration::from_millis(100);
    let rt = h.runtime();
    let ledger = Ledger::new(4);
    h.block_on(async {
        let handle = spawn_recorder(&rt, &ledger, config(2, Overflow::Busy, 32));
        let addr = handle.addr();
        let release = hold(&addr).await;
        fill(&addr, &ledger, 0..2);
        let start = Instant::now();
        let outcome = within(
            "tell_timeout to time out",
            addr.tell_timeout(Rec::Item(Item::new(2, &ledger)), TIMEOUT),
        )
        .await;
        let waited = start.elapsed();
        match outcome {
            Err(SendTimeoutError::Timeout(back)) => {
                assert_eq!(back.id(), Some(2), "Timeout handed back another message");
                assert_eq!(ledger.dropped(2), 0, "the timed-out message was dropped");
            }
            other => panic!("tell_timeout into a full mailbox: expected Timeout, got {other:?}"),
        }
        assert!(
            waited >= TIMEOUT / 2,
            "tell_timeout gave up after {waited:?}, well before its {TIMEOUT:?}"
        );
        assert_eq!(addr.stats().accepted, 3, "{:?}", addr.stats());
        release.open();
        let report = stop_and_join("shutdown", handle).await;
        assert_eq!(report.handled, 3, "{report:?}");
    });
    ledger.assert_no_failures();
    assert_sequence("handled", &ledger.order(), &[0, 1]);
    ledger.assert_each("every message", 0..3, |id| (u8::from(id < 2), 1));
}

/// `tell_timeout` with space returns `Queued` on its first poll; with the mailbox full it
/// waits, and completes with `Queued` once the actor is released (well inside its timeout);
/// everything is handled in order.
///
/// Fails on: `tell_timeout` that waits (or times out) with space, that misses the wake-up
/// when room frees up, or that loses the message it was waiting with.
pub fn tell_timeout_succeeds_when_space_frees<H: Harness>(h: H) {
    let rt = h.runtime();
    let ledger = Ledger::new(4);
    h.block_on(async {
        let handle = spawn_recorder(&rt, &ledger, config(2, Overflow::Busy, 32));
        let addr = handle.addr();
        let release = hold(&addr).await;
        let first = poll_once(pin!(
            addr.tell_timeout(Rec::Item(Item::new(0, &ledger)), Duration::from_millis(1))
        ));
        assert!(
            matches!(first, std::task::Poll::Ready(Ok(Sent::Queued))),
            "tell_timeout with space: {first:?}"
        );
        fill(&addr, &ledger, 1..2);
        let mut waiting =
            pin!(addr.tell_timeout(Rec::Item(Item::new(2, &ledger)), Duration::from_secs(5)));
        assert!(
            poll_once(waiting.as_mut()).is_pending(),
            "tell_timeout into a full mailbox"
        );
        release.open();
        let outcome = within("tell_timeout to get room", waiting).await;
        assert!(
            matches!(outcome, Ok(Sent::Queued)),
            "tell_timeout after room freed: {outcome:?}"
        );
        let report = stop_and_join("shutdown", handle).await;
        assert_eq!(report.handled, 4, "{report:?}");
    });
    ledger.assert_no_failures();
    assert_sequence("handled", &ledger.order(), &[0, 1, 2]);
    ledger.assert_each("every message", 0..3, |_| (1, 1));
}
