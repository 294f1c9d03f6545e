//! thingbuf 0.1.6's loom models of its MPSC channel (`src/mpsc/tests/mpsc_async.rs` and
//! `mpsc_blocking.rs`), ported to ryker's mailbox as an independent check: each model names
//! its source. The code is ours; the scenarios are thingbuf's, shrunk where loom needs it
//! (capacities and message counts of 2 where thingbuf has 3 to 6).
//!
//! Not ported, and why:
//! - `mpsc_try_recv_ref` and the `RecvRef` half of `spsc_send_recv_in_order_skip_wrap`: ryker
//!   has no receive reference. The skipped slot is ported with a dropped `Permit` instead
//!   (`spsc_send_recv_in_order_skip_wrap`).
//! - `mpsc_test_skip_slot`: it holds two `RecvRef`s across laps (the same reason).
//! - `rx_close_unconsumed_mpsc`: `#[ignore]`d upstream (over an hour); the spsc model and
//!   peer_channels.rs `rx_closes_with_senders_of_every_kind` cover the idea.
//! - The blocking twins of models already ported in their async form (`spsc_recv_then_close`,
//!   `spsc_send_recv_in_order_*`), except where the blocking path differs (`tx_close_wakes`,
//!   `tx_close_drains_queue`, `spsc_recv_then_try_send`, `mpsc_send_recv_no_wrap`).
//!
//! FAILING (open bug, see `blocking_recv_spins_while_a_sender_is_mid_wake` below): the blocking
//! models `blocking_mpsc_send_recv_no_wrap` and `blocking_tx_close_drains_queue` exceed loom's
//! branch limit, as does the smallest form of the scenario.
#![cfg(ryker_loom)]

use loom_tests::{block_on, model, spawn, spawn_joined_late, Drops};
use ryker_core::error::SendError;
use ryker_core::mailbox::{channel, MailboxConfig};

fn config(capacity: usize) -> MailboxConfig {
    MailboxConfig {
        capacity,
        ..MailboxConfig::default()
    }
}

/// thingbuf mpsc_async.rs `mpsc_try_send_recv`: two senders `try_send` three messages into
/// three slots while the receiver awaits them all, then the end.
#[test]
fn peer_thingbuf_mpsc_try_send_recv() {
    model(2, || {
        let drops = Drops::new(3);
        let (tx, mut rx) = channel(config(3));
        let (tx1, d) = (tx.clone(), drops.clone());
        let p1 = spawn(move || tx1.try_send(d.msg(0)).map(drop).is_ok());
        let d = drops.clone();
        let p2 = spawn(move || {
            tx.try_send(d.msg(1)).unwrap();
            tx.try_send(d.msg(2)).unwrap();
        });
        let mut ids = Vec::new();
        while let Some(msg) = block_on(rx.recv()) {
            ids.push(msg.id);
        }
        assert!(p1.join().unwrap(), "three slots for three messages");
        p2.join().unwrap();
        ids.sort_unstable();
        assert_eq!(ids, [0, 1, 2]);
        drop(rx);
        drops.assert_each_dropped_once();
    });
}

/// thingbuf mpsc_async.rs `rx_closes`: the sender sends until refused; the receiver takes
/// two messages and goes. What the sender was told was accepted is the receiver's prefix.
#[test]
fn peer_thingbuf_rx_closes() {
    model(2, || {
        let (tx, mut rx) = channel::<usize>(config(1));
        let producer = spawn(move || {
            let mut accepted = 0;
            while accepted < 4 {
                match block_on(tx.send(accepted)) {
                    Ok(_) => accepted += 1,
                    Err(SendError::Closed(back)) => {
                        assert_eq!(back, accepted);
                        break;
                    }
                    Err(other) => panic!("{other:?}"),
                }
            }
            accepted
        });
        assert_eq!(block_on(rx.recv()), Some(0));
        assert_eq!(block_on(rx.recv()), Some(1));
        drop(rx);
        let accepted = producer.join().unwrap();
        assert!((2..=3).contains(&accepted), "accepted {accepted}");
    });
}

/// thingbuf mpsc_async.rs `rx_close_unconsumed_spsc`: the receiver takes one message and goes
/// while the sender keeps sending; every message, accepted or refused, is dropped once.
#[test]
fn peer_thingbuf_rx_close_unconsumed_spsc() {
    model(2, || {
        const MAX: usize = 5;
        let drops = Drops::new(MAX);
        let (tx, mut rx) = channel(config(2));
        let consumer = spawn(move || {
            assert!(block_on(rx.recv()).is_some());
        });
        // At most: one received, two queued, one sent into the slot the receive freed, one
        // refused.
        let mut tried = 0;
        while tried < MAX {
            let sent = block_on(tx.send(drops.msg(tried)));
            tried += 1;
            if let Err(err) = sent {
                assert!(matches!(err, SendError::Closed(_)));
                break;
            }
        }
        assert!(tried < MAX, "the receiver's drop refused a send");
        consumer.join().unwrap();
        drop(tx);
        for id in 0..MAX {
            assert_eq!(drops.count(id), usize::from(id < tried), "message {id}");
        }
    });
}

/// thingbuf mpsc_async.rs `spsc_recv_then_send`
#[test]
fn peer_thingbuf_spsc_recv_then_send() {
    model(3, || {
        let (tx, mut rx) = channel::<i32>(config(4));
        let consumer = spawn(move || assert_eq!(block_on(rx.recv()), Some(10)));
        tx.try_send(10).unwrap();
        consumer.join().unwrap();
    });
}

/// thingbuf mpsc_async.rs `spsc_recv_then_close`
#[test]
fn peer_thingbuf_spsc_recv_then_close() {
    model(3, || {
        let (tx, mut rx) = channel::<i32>(config(4));
        let producer = spawn(move || drop(tx));
        assert_eq!(block_on(rx.recv()), None);
        producer.join().unwrap();
    });
}

/// thingbuf mpsc_async.rs `spsc_recv_then_send_then_close`
#[test]
fn peer_thingbuf_spsc_recv_then_send_then_close() {
    model(2, || {
        let (tx, mut rx) = channel::<i32>(config(2));
        let consumer = spawn(move || {
            assert_eq!(block_on(rx.recv()), Some(10));
            assert_eq!(block_on(rx.recv()), Some(20));
            assert_eq!(block_on(rx.recv()), None);
        });
        tx.try_send(10).unwrap();
        tx.try_send(20).unwrap();
        drop(tx);
        consumer.join().unwrap();
    });
}

/// thingbuf mpsc_async.rs `spsc_send_recv_in_order_wrap`: two messages through one slot
#[test]
fn peer_thingbuf_spsc_send_recv_in_order_wrap() {
    model(2, || {
        let (tx, mut rx) = channel::<usize>(config(1));
        let consumer = spawn(move || {
            assert_eq!(block_on(rx.recv()), Some(1));
            assert_eq!(block_on(rx.recv()), Some(2));
            assert_eq!(block_on(rx.recv()), None);
        });
        for i in 1..=2 {
            block_on(tx.send(i)).unwrap();
        }
        drop(tx);
        consumer.join().unwrap();
    });
}

/// thingbuf mpsc_async.rs `spsc_send_recv_in_order_skip_wrap`. thingbuf's receiver holds a
/// slot (`RecvRef`) while the sender wraps around it; ryker has no receive reference, so the
/// slot to step over is one a dropped `Permit` gave up, and the sender wraps past it.
#[test]
fn peer_thingbuf_spsc_send_recv_in_order_skip_wrap() {
    model(2, || {
        let (tx, mut rx) = channel::<usize>(config(2));
        let consumer = spawn(move || {
            for i in [1, 3, 4] {
                assert_eq!(block_on(rx.recv()), Some(i));
            }
            assert_eq!(block_on(rx.recv()), None);
        });
        block_on(tx.send(1)).unwrap();
        drop(block_on(tx.reserve()).unwrap());
        block_on(tx.send(3)).unwrap();
        block_on(tx.send(4)).unwrap();
        drop(tx);
        consumer.join().unwrap();
    });
}

/// thingbuf mpsc_async.rs `mpsc_send_recv_wrap`: two senders, one slot
#[test]
fn peer_thingbuf_mpsc_send_recv_wrap() {
    model(2, || {
        let (tx, mut rx) = channel::<usize>(config(1));
        let tx2 = tx.clone();
        let p1 = spawn(move || block_on(tx.send(10)).unwrap());
        let p2 = spawn(move || block_on(tx2.send(20)).unwrap());
        let mut results = Vec::new();
        while let Some(v) = block_on(rx.recv()) {
            results.push(v);
        }
        p1.join().unwrap();
        p2.join().unwrap();
        results.sort_unstable();
        assert_eq!(results, [10, 20]);
    });
}

/// thingbuf mpsc_blocking.rs `spsc_recv_then_try_send`
#[test]
fn peer_thingbuf_blocking_spsc_recv_then_try_send() {
    model(3, || {
        let (tx, mut rx) = channel::<i32>(config(4));
        let consumer = spawn(move || assert_eq!(rx.blocking_recv(), Some(10)));
        tx.try_send(10).unwrap();
        consumer.join().unwrap();
    });
}

/// thingbuf mpsc_blocking.rs `tx_close_wakes` (and mpsc_async.rs's): the sender's drop wakes
/// a receiver blocked on empty
#[test]
fn peer_thingbuf_blocking_tx_close_wakes() {
    model(3, || {
        let (tx, mut rx) = channel::<i32>(config(2));
        let consumer = spawn(move || assert_eq!(rx.blocking_recv(), None));
        drop(tx);
        consumer.join().unwrap();
    });
}

/// thingbuf mpsc_async.rs `tx_close_drains_queue`: what was sent before the sender went is
/// all received
#[test]
fn peer_thingbuf_tx_close_drains_queue() {
    model(2, || {
        const LEN: usize = 2;
        let (tx, mut rx) = channel::<usize>(config(LEN));
        let producer = spawn(move || {
            for i in 0..LEN {
                block_on(tx.send(i)).unwrap();
            }
        });
        for i in 0..LEN {
            assert_eq!(block_on(rx.recv()), Some(i));
        }
        assert_eq!(block_on(rx.recv()), None);
        producer.join().unwrap();
    });
}

/// thingbuf mpsc_blocking.rs `mpsc_send_recv_no_wrap`: two blocking senders, two slots, a
/// blocking receiver
#[test]
fn peer_thingbuf_blocking_mpsc_send_recv_no_wrap() {
    model(2, || {
        let (tx, mut rx) = channel::<usize>(config(2));
        let tx2 = tx.clone();
        let p1 = spawn_joined_late(move || tx.blocking_send(10).unwrap());
        let p2 = spawn_joined_late(move || tx2.blocking_send(20).unwrap());
        let mut results = Vec::new();
        while let Some(v) = rx.blocking_recv() {
            results.push(v);
        }
        p1.join();
        p2.join();
        results.sort_unstable();
        assert_eq!(results, [10, 20]);
    });
}

/// thingbuf mpsc_blocking.rs `tx_close_drains_queue`, with a blocking sender that has to wait
/// for room (one slot, two messages)
#[test]
fn peer_thingbuf_blocking_tx_close_drains_queue() {
    model(2, || {
        let (tx, mut rx) = channel::<usize>(config(1));
        let producer = spawn_joined_late(move || {
            for i in 0..2 {
                tx.blocking_send(i).unwrap();
            }
        });
        for i in 0..2 {
            assert_eq!(rx.blocking_recv(), Some(i));
        }
        assert_eq!(rx.blocking_recv(), None);
        producer.join();
    });
}

/// The smallest form of the failure of the two blocking models above (a port of thingbuf
/// mpsc_blocking.rs `tx_close_drains_queue` with one message): one `blocking_send` from the only
/// sender, which then goes, against a `blocking_recv` of the message and then of the end.
///
/// FAILS with "Model exceeded maximum number of branches" at preemption bound 3 (the project's
/// own `loom_no_lost_wakeup::blocking_recv_meets_the_last_sender_leaving`, the same scenario,
/// fails the same way under `LOOM_MAX_PREEMPTIONS=3`; it runs at bound 2). The receiver loops
/// without ever yielding: the sender is preempted inside `WakerCell::wake` (its `take` has set
/// WAKING) after publishing; the receiver's next wait finds nothing, registers, and
/// `WakerCell::register` (waker.rs, the `prev & WAKING != 0` branch) wakes the receiver's own
/// thread waker at once; the re-check finds nothing, `poll_inner` answers `Registered`, and
/// `blocking_recv_many` (receiver.rs, the `Polled::Registered` arm) parks, which returns at once
/// on that self-wake, and goes round again, with no yield anywhere in the loop, for as long as
/// the sender stays preempted. Adding a yield after that park (as the `Polled::Yielded` arm's
/// `back_off_stalled` does) makes this model and the two above pass. Natively the receiver
/// burns its CPU until the sender is scheduled again; a receiver that outranks the sender on
/// its core (real-time priority), the case `back_off_stalled` was written for, never lets it.
#[test]
fn peer_thingbuf_blocking_recv_spins_while_a_sender_is_mid_wake() {
    model(3, || {
        let (tx, mut rx) = channel::<usize>(config(2));
        let producer = spawn_joined_late(move || tx.blocking_send(1).unwrap());
        assert_eq!(rx.blocking_recv(), Some(1));
        assert_eq!(rx.blocking_recv(), None);
        producer.join();
    });
}
