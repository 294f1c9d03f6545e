//! How an actor stops: shutdown under load, dropping every handle, the runtime going away,
//! and abort. Whatever the way, every message is handled or dropped, each exactly once.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::task::Poll;
use std::time::Duration;

use ryker_core::prelude::*;

use super::senders::{Mode, Senders};
use crate::probe::{
    assert_sequence, config, fill, hold, spawn_recorder, Item, Ledger, Rec, Recorder,
};
use crate::sync::abort_and_join;
use crate::sync::{eventually, poll_once, within};
use crate::Harness;

/// Four concurrent senders (two `tell` tasks, a `try_tell` task, a `blocking_tell`/`try_tell`
/// thread) send sequence-numbered messages through an 8-slot mailbox to an actor that yields
/// every 16 messages, until they get `Closed`; `shutdown()` is called once 300 messages were
/// handled. Every send that returned `Ok` must be handled exactly once and in order; every
/// `Closed` or `Busy` must hand back the message sent (which the sender then drops); nothing
/// else is handled; the report's `handled` and `accepted` equal the number of `Ok` sends.
///
/// Fails on: a send that returns `Ok` after the close but whose message is never handled (a
/// claim racing the close), a shutdown that drops queued messages instead of draining them, a
/// `Closed` whose message is handled anyway (or lost instead of handed back), a waiting sender
/// not woken by the close (the case times out), duplicates.
pub fn shutdown_under_concurrent_senders_loses_nothing<H: Harness>(h: H) {
    const MAX: u64 = 20_000;
    const MODES: [Mode; 4] = [Mode::Tell, Mode::Tell, Mode::TryTell, Mode::Thread];
    let rt = h.runtime();
    let ledger = Ledger::new(MAX * MODES.len() as u64);
    let plan: Vec<_> = (0..MODES.len() as u64)
        .map(|s| (MODES[s as usize], s * MAX..(s + 1) * MAX))
        .collect();
    let queued = h.block_on(async {
        let actor = Recorder::new(&ledger).yielding_every(16);
        let handle = ActorOptions::new(config(8, Overflow::Busy, ActorConfig::DEFAULT_BATCH_SIZE))
            .spawn(&rt, actor)
            .expect("valid config");
        let senders = Senders::start(&rt, &handle.addr(), &ledger, &plan);
        eventually("the actor to handle 300 messages", || ledger.total() >= 300).await;
        let report = within("shutdown under load", {
            handle.shutdown();
            handle
        })
        .await
        .expect("the actor's task ran to its end");
        let queued = senders.finish().await;
        let ok: u64 = queued.iter().map(|q| q.len() as u64).sum();
        assert_eq!(report.exit, Exit::Shutdown, "{report:?}");
        assert_eq!(
            report.handled, ok,
            "handled vs sends that returned Ok: {report:?}"
        );
        assert_eq!(
            report.mailbox.accepted, ok,
            "accepted vs Ok sends: {report:?}"
        );
        queued
    });
    ledger.assert_no_failures();
    let order = ledger.order();
    for (s, (mode, ids)) in plan.iter().enumerate() {
        let ok = &queued[s];
        assert!(
            (ok.len() as u64) < MAX,
            "sender {s} ({mode:?}) sent all {MAX} messages before the shutdown closed the mailbox"
        );
        let got: Vec<u64> = order
            .iter()
            .copied()
            .filter(|id| ids.contains(id))
            .collect();
        assert_sequence(
            &format!("sender {s} ({mode:?}): handled vs Ok sends"),
            &got,
            ok,
        );
        // The sender stopped at its first Closed: the ids up to that one were made, the rest
        // never existed.
        let closed = ids.start + ok.len() as u64;
        ledger.assert_each(
            &format!("sender {s} ({mode:?})"),
            ids.clone(),
            |id| match id {
                _ if id < closed => (1, 1),
                _ if id == closed => (0, 1),
                _ => (0, 0),
            },
        );
    }
}

/// Two actors blocked in a handler that never finishes, each with 8 messages queued (and one
/// refused with `Busy`, which the test drops itself). For actor X every `Addr` and the
/// handle are dropped (detached); for actor Y every `Addr`, keeping the handle. Nothing may be
/// dropped or handled while the runtime runs. Then the runtime shuts down: every queued
/// message must be dropped exactly once and none handled, both blocked handlers are dropped,
/// both actor values are dropped, and Y's `join` returns `JoinError`.
///
/// On a runtime that cannot be shut down (async-std) the actors are released instead, and
/// must handle every queued message exactly once and stop.
///
/// Fails on: a message dropped twice (once by the batch buffer and once by the mailbox),
/// leaked (an actor task that outlives its runtime, e.g. through a reference cycle between the
/// task and the executor, or a mailbox whose memory is never freed), or dropped early;
/// `join` hanging instead of reporting the lost task.
pub fn runtime_shutdown_drops_each_message_once<H: Harness>(h: H) {
    let rt = h.runtime();
    let ledger = Ledger::new(32);
    let queued = || (0..8).chain(16..24);
    let (releases, y) = h.block_on(async {
        let x = spawn_recorder(&rt, &ledger, config(8, Overflow::Busy, 32));
        let x_addr = x.addr();
        let x_release = hold(&x_addr).await;
        fill(&x_addr, &ledger, 0..8);
        match x_addr.try_tell(Rec::Item(Item::new(8, &ledger))) {
            Err(TrySendError::Busy(back)) => drop(back),
            other => panic!("try_tell into a full mailbox: {other:?}"),
        }
        let y = spawn_recorder(&rt, &ledger, config(8, Overflow::Busy, 32));
        let y_addr = y.addr();
        let y_release = hold(&y_addr).await;
        fill(&y_addr, &ledger, 16..24);
        drop((x_addr, x, y_addr));
        for _ in 0..16 {
            rt.yield_now().await;
        }
        ledger.assert_each(
            "queued behind a blocked handler, runtime running",
            queued(),
            |_| (0, 0),
        );
        assert_eq!(ledger.dropped(8), 1, "the refused message");
        ([x_release, y_release], y)
    });
    if h.can_shut_down() {
        h.shutdown();
        ledger.assert_each("queued when the runtime shut down", queued(), |_| (0, 1));
        assert_eq!(
            ledger.holds_cancelled.load(Ordering::Acquire),
            2,
            "the blocked handlers were not dropped with the runtime"
        );
        assert_eq!(
            ledger.actors_dropped.load(Ordering::Acquire),
            2,
            "actor values dropped"
        );
        match poll_once(pin!(y)) {
            Poll::Ready(Err(JoinError)) => {}
            other => panic!("join on an actor whose runtime shut down: {other:?}"),
        }
    } else {
        releases.iter().for_each(|release| release.open());
        let report = h.block_on(async {
            eventually("the detached actor to stop", || {
                ledger.stopped.load(Ordering::Acquire) >= 1
            })
            .await;
            within("join", y).await.expect("joined")
        });
        assert_eq!(report.exit, Exit::Released, "{report:?}");
        ledger.assert_each("queued, then the actors were released", queued(), |_| {
            (1, 1)
        });
    }
    ledger.assert_no_failures();
}

/// An actor blocked with 8 messages queued; every `Addr` and the handle are dropped, then the
/// actor is released. It must handle all 8 in order, run `stopped` (where `ctx.addr()` is
/// `None`: every address is gone), and be dropped; every message dropped exactly once.
///
/// Fails on: an actor that stops without draining when its last address goes (losing the
/// queue), one that never stops (a leaked self-reference keeps it alive), a `stopped` hook
/// that does not run or still finds a live address.
pub fn released_actor_handles_everything_then_stops<H: Harness>(h: H) {
    let rt = h.runtime();
    let ledger = Ledger::new(8);
    h.block_on(async {
        let handle = spawn_recorder(&rt, &ledger, config(8, Overflow::Busy, 32));
        let addr = handle.addr();
        let release = hold(&addr).await;
        fill(&addr, &ledger, 0..8);
        drop((addr, handle));
        release.open();
        eventually("the released actor to stop and be dropped", || {
            ledger.actors_dropped.load(Ordering::Acquire) == 1
        })
        .await;
    });
    assert_eq!(ledger.stopped.load(Ordering::Acquire), 1, "stopped runs");
    assert_eq!(
        ledger.stopped_unaddressed.load(Ordering::Acquire),
        1,
        "ctx.addr() in stopped after every address was dropped"
    );
    assert_sequence("handled", &ledger.order(), &(0..8).collect::<Vec<_>>());
    ledger.assert_each("every message", 0..8, |_| (1, 1));
    ledger.assert_no_failures();
}

/// An actor blocked with 8 messages queued; every `Addr` is dropped and `join()` awaited on
/// the handle (which releases the handle's own address), then the actor is released. The
/// report must say `Exit::Released` with all 9 messages handled, and `stopped` ran once.
///
/// Fails on: `join` keeping the actor alive (it never finishes), the wrong exit reason, a
/// queue not drained before the release stop.
pub fn join_after_dropping_every_addr_reports_released<H: Harness>(h: H) {
    let rt = h.runtime();
    let ledger = Ledger::new(8);
    h.block_on(async {
        let handle = spawn_recorder(&rt, &ledger, config(8, Overflow::Busy, 32));
        let addr = handle.addr();
        let release = hold(&addr).await;
        fill(&addr, &ledger, 0..8);
        drop(addr);
        let mut join = pin!(handle);
        assert!(
            poll_once(join.as_mut()).is_pending(),
            "join before the actor stopped"
        );
        release.open();
        let report = within("the released actor to stop", join)
            .await
            .expect("joined");
        assert_eq!(report.exit, Exit::Released, "{report:?}");
        assert_eq!(report.handled, 9, "{report:?}");
    });
    assert_eq!(ledger.stopped.load(Ordering::Acquire), 1, "stopped runs");
    ledger.assert_each("every message", 0..8, |_| (1, 1));
    ledger.assert_no_failures();
}

/// An actor whose handler awaits forever, with 5 messages queued, is aborted: the report says
/// `Exit::Aborted`, `discarded == 6` (the 5 queued and the one in progress), nothing handled;
/// the pending handler was dropped (cancelled), `stopped` ran, every queued message was
/// dropped exactly once, and senders now get `Closed` with their message back.
///
/// Fails on: an abort that waits for the handler to finish (the case times out), one that
/// handles the queue instead of discarding it, miscounted `discarded`, a leaked or
/// double-dropped message, `stopped` skipped, a mailbox left open.
pub fn abort_cancels_the_handler_and_discards_the_queue<H: Harness>(h: H) {
    let rt = h.runtime();
    let ledger = Ledger::new(8);
    h.block_on(async {
        let handle = spawn_recorder(&rt, &ledger, config(8, Overflow::Busy, 32));
        let addr = handle.addr();
        let _never = hold(&addr).await;
        fill(&addr, &ledger, 0..5);
        let report = abort_and_join("abort", handle).await;
        assert_eq!(report.exit, Exit::Aborted, "{report:?}");
        assert_eq!(
            (report.handled, report.discarded),
            (0, 6),
            "handled, discarded: {report:?}"
        );
        match addr.try_tell(Rec::Item(Item::new(5, &ledger))) {
            Err(TrySendError::Closed(back)) => assert_eq!(back.id(), Some(5)),
            other => panic!("try_tell after abort: {other:?}"),
        }
    });
    assert_eq!(
        ledger.holds_cancelled.load(Ordering::Acquire),
        1,
        "handler cancelled"
    );
    assert_eq!(
        ledger.stopped.load(Ordering::Acquire),
        1,
        "stopped runs after abort"
    );
    ledger.assert_each("every message", 0..6, |_| (0, 1));
    ledger.assert_no_failures();
}

/// An idle actor (one message handled, then waiting on its empty mailbox) is aborted:
/// `Exit::Aborted`, nothing discarded, `stopped` ran.
///
/// Fails on: an abort that does not wake an actor waiting for mail (the case times out), one
/// that reports phantom discards, or one that the loop mistakes for the last address going
/// away (`Exit::Released`).
pub fn abort_idle_actor<H: Harness>(h: H) {
    let rt = h.runtime();
    let ledger = Ledger::new(1);
    h.block_on(async {
        let handle = spawn_recorder(&rt, &ledger, ActorConfig::default());
        let addr = handle.addr();
        let answer = within("ask", addr.ask(|r| Rec::Echo(Item::new(0, &ledger), r))).await;
        assert_eq!(answer, Ok(0));
        // Not synchronisation: time for the actor to finish its batch and go back to waiting
        // on its empty mailbox, the state this case is about (unobservable from outside).
        rt.sleep(Duration::from_millis(20)).await;
        let report = abort_and_join("abort", handle).await;
        assert_eq!(report.exit, Exit::Aborted, "{report:?}");
        assert_eq!(
            (report.handled, report.discarded),
            (1, 0),
            "handled, discarded: {report:?}"
        );
    });
    assert_eq!(
        ledger.stopped.load(Ordering::Acquire),
        1,
        "stopped runs after abort"
    );
    ledger.assert_no_failures();
}

/// The escalation a service runs at exit: `shutdown()`, wait for the report with a timeout
/// (the runtime's own timer), and when the handler in progress does not finish in time,
/// `abort()` and join again. The handler awaits forever and 3 messages are queued behind it:
/// the timed-out join must return `Pending` without losing anything, the abort must cut the
/// handler short and discard the queue, and the report (`Exit::Aborted`, `discarded == 4`)
/// must come from the second join, and again from a third.
///
/// Fails on: a join that cannot be retried after its future was dropped, a shutdown request
/// that blocks, an abort that cannot escalate a shutdown in progress, a lost report.
pub fn shutdown_then_timeout_then_abort<H: Harness>(h: H) {
    let rt = h.runtime();
    let ledger = Ledger::new(4);
    h.block_on(async {
        let mut handle = spawn_recorder(&rt, &ledger, config(8, Overflow::Busy, 32));
        let addr = handle.addr();
        let _never = hold(&addr).await;
        fill(&addr, &ledger, 0..3);
        drop(addr);
        handle.shutdown();
        let mut sleep = pin!(rt.sleep(Duration::from_millis(50)));
        let timed_out = {
            let mut join = pin!(handle.join());
            within(
                "the shutdown timeout",
                std::future::poll_fn(|cx| {
                    if let Poll::Ready(report) = join.as_mut().poll(cx) {
                        return Poll::Ready(Some(report));
                    }
                    sleep.as_mut().poll(cx).map(|()| None)
                }),
            )
            .await
            .is_none()
        };
        assert!(
            timed_out,
            "a handler that awaits forever finished a shutdown"
        );
        assert!(!handle.is_finished(), "still draining");
        handle.abort();
        let report = within("the abort", handle.join()).await.expect("joined");
        assert_eq!(report.exit, Exit::Aborted, "{report:?}");
        assert_eq!(
            (report.handled, report.discarded),
            (0, 4),
            "the held message and the 3 queued ones: {report:?}"
        );
        let again = within("a second join", handle.join()).await;
        assert_eq!(again, Ok(report), "the report again");
        // The joined handle still hands out an address: to the closed mailbox.
        match handle.addr().try_tell(Rec::Item(Item::new(3, &ledger))) {
            Err(TrySendError::Closed(back)) => assert_eq!(back.id(), Some(3)),
            other => panic!("try_tell after the abort: {other:?}"),
        }
    });
    assert_eq!(ledger.holds_cancelled.load(Ordering::Acquire), 1);
    assert_eq!(ledger.stopped.load(Ordering::Acquire), 1);
    ledger.assert_each("every queued message and the refused one", 0..4, |_| (0, 1));
    ledger.assert_no_failures();
}
