//! Two senders, one receiver: every message arrives exactly once and each sender's order is
//! kept. Broken twin: `publish` (a Relaxed slot publish) must be reported as a causality
//! violation on the slot's value cell.
#![cfg(ryker_loom)]

use loom_tests::{block_on, model, spawn, Drops, Msg};
use ryker_core::mailbox::{channel, MailboxConfig, Overflow, Sender};

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

/// Issue 10: a single-consumer ring (every policy but `DropOldest`) frees a slot by moving
/// `head` after the receiver has moved the value out, and a sender judges its slot free by
/// `head`, or by the copy of `head` that another sender left beside `tail`. The scenario a user
/// reaches with any busy mailbox: it is full, the receiver takes what is there while two
/// senders try to send into the slots it frees, either of them possibly through the other's
/// copy (one sender preempted between refreshing the copy and its claim). loom checks that
/// each write into a slot happens after the receiver's read of its previous value: broken twin
/// `head_seen` reads and stores the copy Relaxed, broken twin `free` moves `head` Relaxed.
/// Plain `try_send`/`try_recv_many` keep the model on the ring (no waiting, no wake-ups, which
/// the other models cover); a sender that finds the mailbox full on each of its tries takes its
/// message back, which the model counts.
#[test]
fn senders_claim_slots_the_receiver_freed() {
    /// Tries to send `msg` a few times, yielding in between; whether it was accepted.
    fn try_send_a_few(tx: &Sender<Msg>, mut msg: Msg) -> bool {
        for _ in 0..3 {
            match tx.try_send(msg) {
                Ok(_) => return true,
                Err(err) => msg = err.into_inner().expect("Busy hands the message back"),
            }
            loom::thread::yield_now();
        }
        false
    }

    model(2, || {
        let drops = Drops::new(4);
        let (tx_a, mut rx) = channel(config(2));
        let tx_b = tx_a.clone();
        // Full before anyone runs: the next two sends take the slots of the first lap again.
        tx_a.try_send(drops.msg(0)).expect("room");
        tx_a.try_send(drops.msg(1)).expect("room");
        let d = drops.clone();
        let a = spawn(move || try_send_a_few(&tx_a, d.msg(2)));
        let d = drops.clone();
        let b = spawn(move || try_send_a_few(&tx_b, d.msg(3)));
        // One batch: the receiver's fence after a receive (`Shared::notify_senders`) comes
        // after the whole batch, so a sender may claim a freed slot before it (loom orders
        // every SeqCst fence after the ones before it, which would hide a missing Release).
        let mut got = Vec::new();
        let taken = rx.try_recv_many(&mut got, 4).expect("messages are queued");
        assert_eq!(taken, got.len());
        let got: Vec<usize> = got.into_iter().map(|m| m.id).collect();
        assert_eq!(&got[..2], [0, 1], "the first lap comes first: {got:?}");
        let sent = [a.join().unwrap(), b.join().unwrap()];
        let mut got = got[2..].to_vec();
        while let Ok(msg) = rx.try_recv() {
            got.push(msg.id);
        }
        got.sort_unstable();
        let want: Vec<usize> = [2, 3]
            .into_iter()
            .zip(sent)
            .filter_map(|(id, sent)| sent.then_some(id))
            .collect();
        assert_eq!(
            got, want,
            "every accepted message exactly once (sent: {sent:?})"
        );
        drop(rx);
        drops.assert_each_dropped_once();
    });
}
