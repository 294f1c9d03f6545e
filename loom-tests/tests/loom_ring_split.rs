//! The split ring (`ring::split`): a single-consumer ring behind `Producer`/`Consumer`
//! handles, whose consumer judges "empty" from the next slot's stamp alone until it sees the
//! closed flag (`EmptyCheck::Open`), and whose last producer's drop closes it.
//!
//! The scenarios a user reaches: producers that push into a full ring and then go away while
//! the consumer is popping (it must get every accepted value once, in each producer's order,
//! and then the end), and a consumer dropped while a producer is still pushing (every value
//! is dropped exactly once: popped, handed back, or dropped with the ring).
#![cfg(ryker_loom)]

use loom_tests::{model, spawn, Drops};
use ryker_core::error::{PushError, TryPopError};
use ryker_core::ring::split;

/// Two producer threads push three values into a 2-slot ring (so at least one push may find
/// it full, and a claim may go through the producers' copy of `head`), then drop their
/// handles; the consumer pops while they run. Once both are joined, the consumer must find
/// the rest of what they pushed and then `Closed`: the last producer's drop closed the ring
/// and set the flag that switches the consumer from the stamp-only empty check to the fenced
/// one. Broken twin `split_open` (the consumer never looks at the flag) is caught here: the
/// drain after the joins keeps answering `Empty`.
#[test]
fn producers_leave_and_the_consumer_sees_the_end() {
    model(2, || {
        let (tx, mut rx) = split::<u32>(2).unwrap();
        let tx2 = tx.clone();
        let push_all = |tx: ryker_core::ring::Producer<u32>, values: &'static [u32]| {
            let mut accepted = Vec::new();
            for &v in values {
                match tx.try_push(v) {
                    Ok(()) => accepted.push(v),
                    Err(PushError::Full(back)) => assert_eq!(back, v),
                    Err(other) => panic!("nobody closed the ring, yet {other:?}"),
                }
            }
            accepted
        };
        let p1 = spawn(move || push_all(tx, &[10, 11]));
        let p2 = spawn(move || push_all(tx2, &[20]));
        let mut got = Vec::new();
        let mut ended = false;
        for _ in 0..2 {
            match rx.try_pop() {
                Ok(v) => {
                    assert!(!ended, "{v} popped after the end was reported");
                    got.push(v);
                }
                // Not yet pushed, or its push still in flight.
                Err(TryPopError::Empty) => {}
                // Both producers ran first: closed and drained.
                Err(TryPopError::Closed) => ended = true,
            }
        }
        let mut accepted = p1.join().unwrap();
        accepted.extend(p2.join().unwrap());
        let mut closed = false;
        // Both producers are joined: every push is published and the close is visible, so
        // this drain must end in `Closed` within the ring's capacity plus one.
        for _ in 0..3 {
            match rx.try_pop() {
                Ok(v) => {
                    assert!(!ended, "{v} popped after the end was reported");
                    got.push(v);
                }
                Err(TryPopError::Closed) => {
                    closed = true;
                    break;
                }
                Err(TryPopError::Empty) => {
                    panic!("the producers are gone: the end must be reported, got Empty")
                }
            }
        }
        assert!(closed, "the end was not reported after the drain");
        // Exactly the accepted values, each once, each producer's in its order.
        let mut sorted = got.clone();
        sorted.sort_unstable();
        accepted.sort_unstable();
        assert_eq!(sorted, accepted, "received {got:?}");
        let p1_order: Vec<u32> = got.iter().copied().filter(|v| *v < 20).collect();
        assert!(p1_order.windows(2).all(|w| w[0] < w[1]), "received {got:?}");
    });
}

/// The consumer pops once and is dropped while a producer pushes three values into a 2-slot
/// ring: values still queued are dropped by the consumer's drop, a push refused as full or
/// closed gets its value back (dropped by the producer), and a push whose claim was in
/// flight at the drop is dropped with the ring when the producer's handle goes. Every value
/// is dropped exactly once (and loom checks each slot access against the frees).
#[test]
fn consumer_dropped_during_pushes() {
    model(3, || {
        let drops = Drops::new(3);
        let (tx, mut rx) = split(2).unwrap();
        let d = drops.clone();
        let p = spawn(move || {
            for id in 0..3 {
                if let Err(err) = tx.try_push(d.msg(id)) {
                    assert_eq!(err.into_inner().id, id);
                }
            }
        });
        drop(rx.try_pop());
        drop(rx);
        p.join().unwrap();
        drops.assert_each_dropped_once();
    });
}

/// A producer pushes one value and drops its handle (the last one: that closes the ring)
/// while the consumer asks `is_closed()`. A consumer that sees the closed bit has
/// synchronized with the close, so the push before it is visible and the flag that switches
/// the consumer to the fenced empty check is too: the ring must drain to `Closed` without a
/// single `Empty`. Broken twin `split_flag_late` (the flag stored after the close) is caught
/// here: the consumer keeps answering `Empty` from the stamp alone.
#[test]
fn is_closed_means_the_end_is_reported() {
    model(3, || {
        let (tx, mut rx) = split::<u32>(2).unwrap();
        let p = spawn(move || {
            let accepted = tx.try_push(1).is_ok();
            drop(tx);
            accepted
        });
        let mut got = Vec::new();
        if rx.is_closed() {
            for _ in 0..3 {
                match rx.try_pop() {
                    Ok(v) => got.push(v),
                    Err(TryPopError::Closed) => break,
                    Err(TryPopError::Empty) => {
                        panic!("is_closed() said true with nothing in flight, yet try_pop answered Empty")
                    }
                }
            }
        }
        let accepted = p.join().unwrap();
        while let Ok(v) = rx.try_pop() {
            got.push(v);
        }
        assert_eq!(rx.try_pop(), Err(TryPopError::Closed));
        assert_eq!(got, if accepted { vec![1] } else { vec![] });
    });
}

/// The consumer pops once and closes the ring while a producer pushes three values into two
/// slots: a push that claimed before the close is delivered, one after it gets its value back
/// as `Closed`; the consumer drains (waiting out a claim in flight) to `Closed` and receives
/// exactly the accepted values, in order.
#[test]
fn consumer_close_races_pushes() {
    model(3, || {
        let (tx, mut rx) = split::<u32>(2).unwrap();
        let p = spawn(move || {
            let mut accepted = Vec::new();
            for v in 0..3 {
                match tx.try_push(v) {
                    Ok(()) => accepted.push(v),
                    Err(err) => assert_eq!(err.into_inner(), v),
                }
            }
            accepted
        });
        let mut got = Vec::new();
        if let Ok(v) = rx.try_pop() {
            got.push(v);
        }
        rx.close();
        loop {
            match rx.try_pop() {
                Ok(v) => got.push(v),
                Err(TryPopError::Closed) => break,
                // A claim made before the close, not yet published: it will be.
                Err(TryPopError::Empty) => loom::thread::yield_now(),
            }
        }
        let accepted = p.join().unwrap();
        assert_eq!(got, accepted);
    });
}
