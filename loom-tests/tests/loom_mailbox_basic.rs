//! Two senders, one receiver: every message arrives exactly once and each sender's order is
//! kept. Broken twin: `publish` (a Relaxed slot publish) must be reported as a causality
//! violation on the slot's value cell.
#![cfg(ryker_loom)]

use loom_tests::{block_on, model, spawn, Drops};
use ryker_core::mailbox::{channel, MailboxConfig, Overflow};

fn config(capacity: usize) -> MailboxConfig {
    MailboxConfig {
        capacity,
        overflow: Overflow::Busy,
        amnesia: false,
    }
}

/// Sender A sends ids 0 and 1 with `send().await` (waiting while full), sender B sends id 2;
/// the receiver takes messages until the end (both senders dropped).
#[test]
fn loom_mailbox_basic() {
    model(2, || {
        let drops = Drops::new(3);
        let (tx_a, mut rx) = channel(config(2));
        let tx_b = tx_a.clone();
        let d = drops.clone();
        let a = spawn(move || {
            for id in [0, 1] {
                block_on(tx_a.send(d.msg(id))).expect("receiver is alive");
            }
        });
        let d = drops.clone();
        let b = spawn(move || {
            block_on(tx_b.send(d.msg(2))).expect("receiver is alive");
        });
        let mut got = Vec::new();
        while let Some(msg) = block_on(rx.recv()) {
            got.push(msg.id);
        }
        a.join().unwrap();
        b.join().unwrap();
        let mut sorted = got.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            [0, 1, 2],
            "every message exactly once; received {got:?}"
        );
        let pos = |id| got.iter().position(|&g| g == id).unwrap();
        assert!(pos(0) < pos(1), "sender A's order lost: {got:?}");
        let stats = rx.stats();
        assert_eq!((stats.accepted, stats.received), (3, 3), "{stats:?}");
        drop(rx);
        drops.assert_each_dropped_once();
    });
}
