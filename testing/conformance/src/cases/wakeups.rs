//! Lost wake-ups: thousands of hand-offs where one side has just gone to sleep, so a wake-up
//! lost between "found nothing" and "registered my waker" stalls the exchange for good instead
//! of only delaying it (elsewhere the next message or the close would wake the sleeper).

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Instant;

use ryker_core::prelude::*;

use crate::probe::{assert_sequence, config, spawn_recorder, Item, Ledger, Rec, Recorder};
use crate::sync::stop_and_join;
use crate::sync::{lock, within, Latch, LIMIT};
use crate::Harness;

/// Hand-offs in phases 1 and 2.
const ROUNDS: u64 = 4_000;
/// Hand-offs in phase 3 (the one that makes the race likely; cheap).
const PINGS: u64 = 16_000;
/// Ids: phase 1, phase 2, phase 3.
const IDS: u64 = 2 * ROUNDS + PINGS;

/// Three phases of strictly alternating hand-offs between the test and an actor, each bounded
/// by 10 s in all:
///
/// 1. a task asks 4,000 times in sequence: before each request the actor has gone idle on its
///    empty mailbox, and the asker waits for its reply;
/// 2. the test body `tell`s 4,000 messages into a one-slot mailbox whose actor yields after
///    each: almost every send finds the slot taken and waits for the actor to free it;
/// 3. a plain thread sends 16,000 messages one at a time, each after the previous one was
///    handled and a swept pause of 0 to 63 spin hints, so that the sends land at every point
///    of the actor's way back to waiting on its mailbox.
///
/// Every answer must be the asker's id, and every message is handled exactly once, in order.
///
/// Fails on: a receiver that registers its waker without looking at the mailbox again, a
/// receiver that frees a slot without waking the waiting sender, a runtime that drops a wake
/// from another thread: each stalls one hand-off, and the phase times out. These are races,
/// caught with some probability per run: with ryker-core's injected twin of the first one
/// (`recheck`, compiled into a native build, as twins could be while they were `cfg`s), about
/// 4 in 10 runs of this case failed on each runtime, so every run of the three adapters'
/// suites caught it. Fence-level races
/// (a missing SeqCst fence) hardly ever show on x86 and are left to the loom models.
pub fn wakeups_are_never_lost<H: Harness>(h: H) {
    let rt = h.runtime();
    let ledger = Ledger::new(IDS);
    h.block_on(async {
        let handle = spawn_recorder(&rt, &ledger, ActorConfig::default());
        let done = Latch::new(1);
        let answered = Arc::new(Mutex::new(0u64));
        rt.spawn({
            let (addr, ledger, answered, guard) = (
                handle.addr(),
                ledger.clone(),
                answered.clone(),
                done.guard(),
            );
            async move {
                let _done = guard;
                for id in 0..ROUNDS {
                    let answer = addr.ask(|r| Rec::Echo(Item::new(id, &ledger), r)).await;
                    if answer != Ok(id) {
                        ledger.fail(format!("ask {id} answered {answer:?}"));
                        return;
                    }
                    *lock(&answered) = id + 1;
                }
            }
        });
        within(
            "4,000 sequential asks (a stall is a lost wake-up)",
            done.wait(),
        )
        .await;
        assert_eq!(*lock(&answered), ROUNDS, "asks answered");
        let report = stop_and_join("shutdown", handle).await;
        assert_eq!(report.handled, ROUNDS, "{report:?}");

        let actor = Recorder::new(&ledger).yielding_every(1);
        let handle = ActorOptions::new(config(1, Overflow::Busy, 1))
            .spawn(&rt, actor)
            .expect("valid config");
        let addr = handle.addr();
        let told = async {
            for id in ROUNDS..2 * ROUNDS {
                let sent = addr.tell(Rec::Item(Item::new(id, &ledger))).await;
                assert!(sent.is_ok(), "tell {id}: {sent:?}");
            }
        };
        within(
            "4,000 tells into a one-slot mailbox (a stall is a lost wake-up)",
            told,
        )
        .await;
        drop(addr);
        let report = stop_and_join("shutdown", handle).await;
        assert_eq!(report.handled, ROUNDS, "{report:?}");

        let handle = spawn_recorder(&rt, &ledger, ActorConfig::default());
        let done = Latch::new(1);
        let pinger = thread::spawn({
            let (addr, ledger, guard) = (handle.addr(), ledger.clone(), done.guard());
            move || {
                let _done = guard;
                ping_pong(&addr, &ledger);
            }
        });
        // The thread gives up by itself after `LIMIT`; this bound is a second line.
        within("the ping-pong thread", done.wait()).await;
        pinger.join().expect("the ping-pong thread panicked");
        let report = stop_and_join("shutdown", handle).await;
        assert_eq!(report.handled, PINGS, "{report:?}");
    });
    ledger.assert_no_failures();
    let order = ledger.order();
    let phases = [
        ("asks", 0..ROUNDS),
        ("tells", ROUNDS..2 * ROUNDS),
        ("ping-pong", 2 * ROUNDS..IDS),
    ];
    for (phase, ids) in phases {
        let got = order.get(ids.start as usize..ids.end as usize);
        assert_sequence(
            &format!("{phase}: handled"),
            got.unwrap_or(&[]),
            &ids.collect::<Vec<_>>(),
        );
    }
    ledger.assert_each("every message", 0..IDS, |_| (1, 1));
}

/// Phase 3, on a plain thread (see [`wakeups_are_never_lost`]).
fn ping_pong(addr: &Addr<Recorder>, ledger: &Arc<Ledger>) {
    let deadline = Instant::now() + LIMIT;
    let base = ledger.total();
    for (n, id) in (2 * ROUNDS..IDS).enumerate() {
        if let Err(e) = addr.try_tell(Rec::Item(Item::new(id, ledger))) {
            ledger.fail(format!("ping-pong: send {id}: {e:?}"));
            return;
        }
        let handled = base + n as u64 + 1;
        while ledger.total() < handled {
            if Instant::now() > deadline {
                ledger.fail(format!(
                    "ping-pong: message {id} was not handled within {LIMIT:?}: the actor \
                     sleeps on a non-empty mailbox (a lost wake-up)"
                ));
                return;
            }
            std::hint::spin_loop();
        }
        for _ in 0..(n * 37) % 64 {
            std::hint::spin_loop();
        }
    }
}
