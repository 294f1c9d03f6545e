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
        for _ in 0..2 {
            match rx.try_pop() {
                Ok(v) => got.push(v),
                // Not yet pushed, or its push still in flight; or the ring may already be
                // closed and drained if both producers ran first.
                Err(TryPopError::Empty | TryPopError::Closed) => {}
                Err(other) => panic!("{other:?}"),
            }
        }
        let mut accepted = p1.join().unwrap();
        accepted.extend(p2.join().unwrap());
        let mut closed = false;
        // Both producers are joined: every push is published and the close is visible, so
        // this drain must end in `Closed` within the ring's capacity plus one.
        for _ in 0..3 {
            match rx.try_pop() {
                Ok(v) => got.push(v),
                Err(TryPopError::Closed) => {
                    closed = true;
                    break;
                }
                Err(e) => panic!("the producers are gone: the end must be reported, got {e:?}"),
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
