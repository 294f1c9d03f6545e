//! Per-sender ordering and complete delivery, with the default batch size and with batch
//! sizes 1 and 64.

use ryker_core::prelude::*;

use super::senders::{Mode, Senders};
use crate::probe::{assert_sequence, config, spawn_recorder, Ledger};
use crate::sync::within;
use crate::Harness;

/// Senders per case: two `tell` tasks, a `try_tell` task, a `blocking_tell` thread.
const PLAN: [Mode; 4] = [Mode::Tell, Mode::Tell, Mode::TryTell, Mode::Thread];

/// Four concurrent senders (two tasks awaiting `tell`, one task retrying `try_tell`, one plain
/// thread using `blocking_tell`) each send ids `0..2000` (offset by sender) through a
/// 16-slot mailbox, so they wait on each other and on the actor; the actor must see each
/// sender's messages exactly in the order sent, every one exactly once, with intact 64-byte
/// payloads.
///
/// Fails on: reordering between waiting senders (a wait list that lets a later send of one
/// sender overtake its earlier one), a lost or duplicated message (a slot published twice or
/// not at all, a batch buffer that drops its tail), a torn payload.
pub fn per_sender_order<H: Harness>(h: H) {
    deliver_in_order(
        h,
        config(16, Overflow::Busy, ActorConfig::DEFAULT_BATCH_SIZE),
        2_000,
    );
}

/// As [`per_sender_order`] with `batch_size` 1: the actor takes one message per dequeue.
///
/// Fails on: an off-by-one in the batch loop at its smallest size (a message skipped or
/// handled twice between dequeues), or ordering broken when every message is its own batch.
pub fn batch_size_1_delivers_in_order<H: Harness>(h: H) {
    deliver_in_order(h, config(32, Overflow::Busy, 1), 1_000);
}

/// As [`per_sender_order`] with `batch_size` 64 (the largest) and a 128-slot mailbox, so full
/// batches occur.
///
/// Fails on: a batch buffer that reorders or loses messages when it is full, or a limit that
/// takes more than fits.
pub fn batch_size_64_delivers_in_order<H: Harness>(h: H) {
    deliver_in_order(h, config(128, Overflow::Busy, 64), 1_000);
}

fn deliver_in_order<H: Harness>(h: H, config: ActorConfig, per_sender: u64) {
    let senders = PLAN.len() as u64;
    let total = senders * per_sender;
    let rt = h.runtime();
    let ledger = Ledger::new(total);
    let plan: Vec<_> = (0..senders)
        .map(|s| (PLAN[s as usize], s * per_sender..(s + 1) * per_sender))
        .collect();
    let queued = h.block_on(async {
        let handle = spawn_recorder(&rt, &ledger, config);
        let senders = Senders::start(&rt, &handle.addr(), &ledger, &plan);
        let queued = senders.finish().await;
        let report = within("the actor to shut down", {
            handle.shutdown();
            handle
        })
        .await
        .expect("the actor's task ran to its end");
        assert_eq!(report.exit, Exit::Shutdown, "{report:?}");
        assert_eq!(report.handled, total, "report.handled: {report:?}");
        assert_eq!(
            report.mailbox.accepted, total,
            "report.mailbox.accepted: {report:?}"
        );
        assert_eq!(report.panics, 0, "{report:?}");
        queued
    });
    ledger.assert_no_failures();
    let order = ledger.order();
    for (s, (mode, ids)) in plan.iter().enumerate() {
        let want: Vec<u64> = ids.clone().collect();
        assert_sequence(
            &format!("sender {s} ({mode:?}): ids queued"),
            &queued[s],
            &want,
        );
        let got: Vec<u64> = order
            .iter()
            .copied()
            .filter(|id| ids.contains(id))
            .collect();
        assert_sequence(
            &format!("sender {s} ({mode:?}): ids as handled"),
            &got,
            &want,
        );
    }
    ledger.assert_each("every message handled and dropped once", 0..total, |_| {
        (1, 1)
    });
}
