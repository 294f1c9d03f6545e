//! The bare ring across several laps, capacities 1 and 2, with a concurrent producer and
//! consumer: values come out once each, in order, and the lap arithmetic never lets a
//! producer overwrite an unread slot or a consumer read a stale one (loom checks every slot
//! access against the stamps' happens-before edges).
//!
//! Broken twin: `publish` must be reported as a causality violation.
#![cfg(ryker_loom)]

use loom::sync::Arc;
use loom_tests::{model, retry, spawn, Drops};
use ryker_core::error::ForcePushError;
use ryker_core::ring::Ring;

/// Pushes `0..n` in order, each with up to `tries` attempts; stops at the first value that
/// still finds the ring full. Returns how many were pushed.
fn produce(ring: &Ring<usize>, n: usize, tries: usize) -> usize {
    for i in 0..n {
        if retry(tries, || ring.try_push(i).err().map_or(Some(()), |_| None)).is_none() {
            return i;
        }
    }
    n
}

/// `attempts` pops (each one attempt), collecting what comes out.
fn consume(ring: &Ring<usize>, attempts: usize) -> Vec<usize> {
    let mut got = Vec::new();
    for _ in 0..attempts {
        if let Some(v) = ring.try_pop() {
            got.push(v);
        }
    }
    got
}

fn wraparound(capacity: usize, n: usize, tries: usize, pops: usize) {
    let ring = Arc::new(Ring::with_capacity(capacity).unwrap());
    let r = ring.clone();
    let p = spawn(move || produce(&r, n, tries));
    let mut got = consume(&ring, pops);
    let pushed = p.join().unwrap();
    // Everything left is published now: drain it single-threaded.
    while let Some(v) = ring.try_pop() {
        got.push(v);
    }
    let expected: Vec<usize> = (0..pushed).collect();
    assert_eq!(got, expected, "pushed 0..{pushed}, popped {got:?}");
    assert!(ring.is_empty());
}

/// Capacity 1, three laps of the single slot.
#[test]
fn ring_capacity_1_three_laps() {
    model(3, || wraparound(1, 3, 3, 3));
}

/// Capacity 2, five values: two and a half laps.
#[test]
fn ring_capacity_2_laps() {
    model(3, || wraparound(2, 5, 2, 4));
}

/// Two producers and one consumer on capacity 1: each producer's values in its order, every
/// value once.
#[test]
fn ring_capacity_1_two_producers() {
    model(3, || {
        let ring = Arc::new(Ring::with_capacity(1).unwrap());
        let (r1, r2) = (ring.clone(), ring.clone());
        let p1 = spawn(move || {
            let mut pushed = Vec::new();
            for v in [0, 1] {
                if retry(2, || r1.try_push(v).ok()).is_some() {
                    pushed.push(v);
                }
            }
            pushed
        });
        let p2 = spawn(move || retry(2, || r2.try_push(10).ok()).map(|()| 10));
        let mut got = consume(&ring, 2);
        let mut pushed = p1.join().unwrap();
        pushed.extend(p2.join().unwrap());
        while let Some(v) = ring.try_pop() {
            got.push(v);
        }
        let mut sorted = got.clone();
        sorted.sort_unstable();
        pushed.sort_unstable();
        assert_eq!(sorted, pushed, "popped {got:?}");
        let ones: Vec<usize> = got.iter().copied().filter(|v| *v < 10).collect();
        assert!(
            ones.windows(2).all(|w| w[0] < w[1]),
            "producer 1's order lost: {got:?}"
        );
    });
}

/// `force_push` (eviction) racing `try_pop` across laps of a capacity-1 ring: every value is
/// popped, evicted or handed back exactly once (the payload counts its drops).
#[test]
fn ring_force_push_races_pop() {
    model(3, || {
        let drops = Drops::new(3);
        let ring = Arc::new(Ring::with_capacity(1).unwrap());
        assert!(ring.force_push(drops.msg(0)).unwrap().is_none());
        let r = ring.clone();
        let d = drops.clone();
        let p = spawn(move || {
            let mut evicted = Vec::new();
            for id in [1, 2] {
                let mut msg = Some(d.msg(id));
                let ok = retry(2, || match r.force_push(msg.take().unwrap()) {
                    Ok(old) => {
                        evicted.extend(old.map(|m| m.id));
                        Some(())
                    }
                    Err(ForcePushError::Busy(m)) => {
                        msg = Some(m);
                        None
                    }
                    Err(e) => panic!("not closed: {e:?}"),
                });
                if ok.is_none() {
                    break;
                }
            }
            evicted
        });
        let mut popped: Vec<usize> = Vec::new();
        if let Some(m) = ring.try_pop() {
            popped.push(m.id);
        }
        let evicted = p.join().unwrap();
        while let Some(m) = ring.try_pop() {
            popped.push(m.id);
        }
        for id in &popped {
            assert!(
                !evicted.contains(id),
                "{id} both popped and evicted: {popped:?} {evicted:?}"
            );
        }
        assert!(
            popped.windows(2).all(|w| w[0] < w[1]),
            "out of order: {popped:?}"
        );
        drop(ring);
        drops.assert_each_dropped_once();
    });
}
