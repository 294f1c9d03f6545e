//! Closing races sending: every send that returned `Ok` is received before the receiver sees
//! the end, and every refused message goes back to its sender. Nothing is lost, nothing is
//! delivered twice, every message is dropped exactly once.
//!
//! Broken twin: `close` (the receiver reports the end as soon as the mailbox is closed) must
//! fail `close_races_sends` with "accepted message lost".
#![cfg(ryker_loom)]

use loom_tests::{block_on, busy, model, spawn, Drops, Msg};
use ryker_core::error::{TryRecvError, TrySendError};
use ryker_core::mailbox::{channel, Sender, Sent};

/// `try_send` each id in turn (the mailbox never fills in these models); returns the ids that
/// were accepted and drops the refused messages after checking they came back intact.
fn send_all(tx: &Sender<Msg>, drops: &Drops, ids: &[usize]) -> Vec<usize> {
    let mut accepted = Vec::new();
    for &id in ids {
        match tx.try_send(drops.msg(id)) {
            Ok(Sent::Queued) => accepted.push(id),
            Err(TrySendError::Closed(msg)) => {
                assert_eq!(msg.id, id, "a refused message comes back to its sender");
                assert!(tx.is_closed());
            }
            other => panic!("unexpected try_send result {other:?}"),
        }
    }
    accepted
}

/// Checks one run: `received` is what the receiver got before the end; `accepted` what each
/// sender was told was accepted, in its sending order.
#[track_caller]
fn check(received: &[usize], accepted: &[Vec<usize>]) {
    let mut all_accepted: Vec<usize> = accepted.concat();
    all_accepted.sort_unstable();
    let mut got = received.to_vec();
    got.sort_unstable();
    assert!(
        got == all_accepted,
        "accepted message lost (or a message delivered that was not accepted): \
         received {received:?}, accepted per sender {accepted:?}"
    );
    for per_sender in accepted {
        let order: Vec<usize> = received
            .iter()
            .copied()
            .filter(|id| per_sender.contains(id))
            .collect();
        assert_eq!(&order, per_sender, "a sender's order was not kept");
    }
}

/// Two senders `try_send` (ids 0,1 and 2) while the receiver closes the mailbox (after one
/// `try_recv`) and drains it with `recv().await`.
#[test]
fn close_races_sends() {
    model(3, || {
        let drops = Drops::new(3);
        let (tx_a, mut rx) = channel(busy(3));
        let tx_b = tx_a.clone();
        let d = drops.clone();
        let a = spawn(move || send_all(&tx_a, &d, &[0, 1]));
        let d = drops.clone();
        let b = spawn(move || send_all(&tx_b, &d, &[2]));
        let mut received = Vec::new();
        match rx.try_recv() {
            Ok(msg) => received.push(msg.id),
            Err(TryRecvError::Empty) => {}
            Err(e) => panic!("unexpected {e:?} before the close"),
        }
        rx.close();
        while let Some(msg) = block_on(rx.recv()) {
            received.push(msg.id);
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "the end is final");
        let accepted = [a.join().unwrap(), b.join().unwrap()];
        check(&received, &accepted);
        let stats = rx.stats();
        assert_eq!(stats.accepted, received.len() as u64, "{stats:?}");
        assert_eq!(stats.received, received.len() as u64, "{stats:?}");
        drop(rx);
        drops.assert_each_dropped_once();
    });
}

/// The last sender's drop closes the mailbox while a send of another sender's clone is still in
/// flight: the receiver gets everything, then the end.
#[test]
fn last_sender_drop_races_send() {
    model(3, || {
        let drops = Drops::new(2);
        let (tx_a, mut rx) = channel(busy(2));
        let tx_b = tx_a.clone();
        let d = drops.clone();
        let a = spawn(move || send_all(&tx_a, &d, &[0]));
        let d = drops.clone();
        let b = spawn(move || send_all(&tx_b, &d, &[1]));
        let mut received = Vec::new();
        while let Some(msg) = block_on(rx.recv()) {
            received.push(msg.id);
        }
        let accepted = [a.join().unwrap(), b.join().unwrap()];
        assert_eq!(
            accepted,
            [vec![0], vec![1]],
            "nothing closed the mailbox before the sends"
        );
        check(&received, &accepted);
        drop(rx);
        drops.assert_each_dropped_once();
    });
}

/// `recv_many` across a close: the batch path also drains before it reports the end.
#[test]
fn close_races_sends_recv_many() {
    model(3, || {
        let drops = Drops::new(2);
        let (tx, mut rx) = channel(busy(2));
        let d = drops.clone();
        let a = spawn(move || {
            let accepted = send_all(&tx, &d, &[0, 1]);
            (tx, accepted)
        });
        rx.close();
        let mut batch = Vec::new();
        while block_on(rx.recv_many(&mut batch, 2)) != 0 {}
        let received: Vec<usize> = batch.iter().map(|m| m.id).collect();
        let (tx, accepted) = a.join().unwrap();
        check(&received, &[accepted]);
        drop((tx, batch, rx));
        drops.assert_each_dropped_once();
    });
}
