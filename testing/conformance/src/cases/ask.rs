//! Request-reply: a round trip, a handler that drops the reply, and asking a stopped actor.

use ryker_core::prelude::*;

use crate::probe::{spawn_recorder, Item, Ledger, Rec};
use crate::sync::stop_and_join;
use crate::sync::{within, Latch};
use crate::Harness;

/// Four tasks each `ask` 25 times concurrently (each request carrying its id); every answer
/// must be the asker's own id, and the actor handles each request once.
///
/// Fails on: answers routed to the wrong asker, a lost request or answer (the case times
/// out), a request handled twice.
pub fn ask_round_trip<H: Harness>(h: H) {
    const TASKS: u64 = 4;
    const EACH: u64 = 25;
    let rt = h.runtime();
    let ledger = Ledger::new(TASKS * EACH);
    h.block_on(async {
        let handle = spawn_recorder(&rt, &ledger, crate::probe::config(4, Overflow::Busy, 32));
        let done = Latch::new(TASKS as usize);
        for t in 0..TASKS {
            let (addr, ledger, guard) = (handle.addr(), ledger.clone(), done.guard());
            rt.spawn(async move {
                let _done = guard;
                for id in t * EACH..(t + 1) * EACH {
                    let answer = addr.ask(|r| Rec::Echo(Item::new(id, &ledger), r)).await;
                    if answer != Ok(id) {
                        ledger.fail(format!("ask {id} answered {answer:?}"));
                    }
                }
            });
        }
        within("every asker to finish", done.wait()).await;
        let report = stop_and_join("shutdown", handle).await;
        assert_eq!(report.handled, TASKS * EACH, "{report:?}");
    });
    ledger.assert_no_failures();
    ledger.assert_each("every request", 0..TASKS * EACH, |_| (1, 1));
}

/// A handler that drops the `Reply` unanswered: `ask` returns `Err(NoReply)` (and does not
/// hang); the request was handled; the actor goes on answering.
///
/// Fails on: an ask that waits forever for a dropped reply (the case times out), the wrong
/// error, a request not handled.
pub fn ask_with_dropped_reply_is_no_reply<H: Harness>(h: H) {
    let rt = h.runtime();
    let ledger = Ledger::new(2);
    h.block_on(async {
        let handle = spawn_recorder(&rt, &ledger, ActorConfig::default());
        let addr = handle.addr();
        let answer = within("ask", addr.ask(|r| Rec::Forget(Item::new(0, &ledger), r))).await;
        assert_eq!(
            answer,
            Err(AskError::NoReply),
            "ask whose reply was dropped"
        );
        let answer = within("ask", addr.ask(|r| Rec::Echo(Item::new(1, &ledger), r))).await;
        assert_eq!(answer, Ok(1), "the next ask");
        drop(addr);
        let report = stop_and_join("shutdown", handle).await;
        assert_eq!(report.handled, 2, "{report:?}");
    });
    ledger.assert_no_failures();
    ledger.assert_each("every request", 0..2, |_| (1, 1));
}

/// An actor that stops itself (`Context::stop` in a handler, answered first): the next `ask`
/// gets `Err(Closed)` at once and its request is dropped unhandled; `join` says
/// `Exit::Stopped`. Another actor is shut down with an `Addr` kept: `ask` gets `Err(Closed)`.
///
/// Fails on: an ask queued into (or waiting on) a closed mailbox, the wrong error, a request
/// to a stopped actor that is handled anyway or leaked, the wrong exit reason.
pub fn ask_after_stop_is_closed<H: Harness>(h: H) {
    let rt = h.runtime();
    let ledger = Ledger::new(4);
    h.block_on(async {
        let handle = spawn_recorder(&rt, &ledger, ActorConfig::default());
        let addr = handle.addr();
        let answer = within("ask Stop", addr.ask(Rec::Stop)).await;
        assert_eq!(answer, Ok(()), "the stopping handler answers");
        let answer = within("ask", addr.ask(|r| Rec::Echo(Item::new(0, &ledger), r))).await;
        assert_eq!(answer, Err(AskError::Closed), "ask after Context::stop");
        assert_eq!(ledger.dropped(0), 1, "the refused request was dropped");
        let report = within("join", handle).await.expect("joined");
        assert_eq!(report.exit, Exit::Stopped, "{report:?}");

        let handle = spawn_recorder(&rt, &ledger, ActorConfig::default());
        let addr = handle.addr();
        let answer = within("ask", addr.ask(|r| Rec::Echo(Item::new(1, &ledger), r))).await;
        assert_eq!(answer, Ok(1));
        let report = stop_and_join("shutdown", handle).await;
        assert_eq!(report.exit, Exit::Shutdown, "{report:?}");
        let answer = within("ask", addr.ask(|r| Rec::Echo(Item::new(2, &ledger), r))).await;
        assert_eq!(answer, Err(AskError::Closed), "ask after shutdown");
    });
    ledger.assert_no_failures();
    ledger.assert_each("every request", 0..3, |id| (u8::from(id == 1), 1));
}

/// `ask_timeout` against an actor held in a handler, with a 1-slot mailbox:
/// - the first request is queued but not answered in time: `Timeout` (the request is still
///   handled later, once, its answer discarded);
/// - the second finds the mailbox full until the deadline: `Full`, with the request handed
///   back (its id readable, dropped by the caller, never handled);
/// - once released, a third is answered: `Ok`.
///
/// Fails on: a request not handed back, one handled although refused, a deadline that does
/// not fire (the case times out), the wrong error.
pub fn ask_timeout_hands_back_what_was_not_queued<H: Harness>(h: H) {
    const SHORT: std::time::Duration = std::time::Duration::from_millis(30);
    let rt = h.runtime();
    let ledger = Ledger::new(3);
    h.block_on(async {
        let handle = spawn_recorder(&rt, &ledger, crate::probe::config(1, Overflow::Busy, 32));
        let addr = handle.addr();
        let release = crate::probe::hold(&addr).await;
        let answer = within(
            "ask_timeout (queued)",
            addr.ask_timeout(|r| Rec::Echo(Item::new(0, &ledger), r), SHORT),
        )
        .await;
        assert!(
            matches!(answer, Err(AskTimeoutError::Timeout)),
            "queued, unanswered: {answer:?}"
        );
        let answer = within(
            "ask_timeout (full)",
            addr.ask_timeout(|r| Rec::Echo(Item::new(1, &ledger), r), SHORT),
        )
        .await;
        match answer {
            Err(AskTimeoutError::Full(back)) => {
                assert_eq!(back.id(), Some(1), "the request handed back");
            }
            other => panic!("full mailbox: {other:?}"),
        }
        assert_eq!(
            ledger.dropped(1),
            1,
            "the handed-back request was dropped by us"
        );
        release.open();
        let answer = within(
            "ask_timeout (answered)",
            addr.ask_timeout(|r| Rec::Echo(Item::new(2, &ledger), r), LONG),
        )
        .await;
        assert_eq!(answer.ok(), Some(2));
        drop(addr);
        let report = stop_and_join("shutdown", handle).await;
        assert_eq!(report.handled, 3, "hold, request 0, request 2: {report:?}");
    });
    ledger.assert_each("the queued requests", [0, 2], |_| (1, 1));
    ledger.assert_each("the refused request", [1], |_| (0, 1));
}

/// Long enough for an idle actor to answer on any machine.
const LONG: std::time::Duration = std::time::Duration::from_secs(10);
