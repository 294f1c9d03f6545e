//! Property test: the ring against `VecDeque` for sequences of push / pop / force_push /
//! batch pop / close, with drop counting (every accepted value dropped exactly once).

mod common;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::Tracked;
use proptest::prelude::*;
use ryker_core::error::ForcePushError;
use ryker_core::ring::Ring;

#[derive(Debug, Clone)]
enum Op {
    Push,
    Pop,
    Force,
    Batch(usize),
    Close,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Push),
        3 => Just(Op::Pop),
        2 => Just(Op::Force),
        1 => (0usize..6).prop_map(Op::Batch),
        1 => Just(Op::Close),
    ]
}

/// 512 cases natively. Under Miri (`.ci/miri.sh`; some 10^4 times slower) sixteen shorter cases
/// still reach every operation at every capacity; the generator is XorShift, since the default
/// ChaCha costs seconds per case there; and no failure file is written (Miri isolates the file
/// system, which proptest's failure persistence needs).
fn config() -> ProptestConfig {
    if cfg!(miri) {
        ProptestConfig {
            cases: 16,
            failure_persistence: None,
            rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
            ..ProptestConfig::default()
        }
    } else {
        ProptestConfig::with_cases(512)
    }
}

/// The longest operation sequence a case generates. Under Miri 32: the ring has at most five
/// slots, which a dozen pushes fill, evict from and lap, so the longer sequences only repeat
/// the same slot writes, reads and drops.
const MAX_OPS: usize = if cfg!(miri) { 32 } else { 200 };

proptest! {
    #![proptest_config(config())]

    #[test]
    fn ring_matches_vecdeque(capacity in 1usize..6, ops in proptest::collection::vec(op(), 0..MAX_OPS)) {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut created = 0usize;
        let ring = Ring::with_capacity(capacity).unwrap();
        let mut model: VecDeque<u64> = VecDeque::new();
        let mut closed = false;
        let mut next = 0u64;
        let mut make = |created: &mut usize| {
            *created += 1;
            next += 1;
            Tracked { id: next, drops: drops.clone() }
        };
        for op in ops {
            match op {
                Op::Push => {
                    let v = make(&mut created);
                    let id = v.id;
                    match ring.try_push(v) {
                        Ok(()) => {
                            prop_assert!(!closed && model.len() < capacity);
                            model.push_back(id);
                        }
                        Err(back) => {
                            prop_assert!(closed || model.len() == capacity);
                            prop_assert_eq!(back.id, id);
                        }
                    }
                }
                Op::Pop => {
                    prop_assert_eq!(ring.try_pop().map(|v| v.id), model.pop_front());
                }
                Op::Force => {
                    let v = make(&mut created);
                    let id = v.id;
                    match ring.force_push(v) {
                        Ok(evicted) => {
                            prop_assert!(!closed);
                            let expect = if model.len() == capacity { model.pop_front() } else { None };
                            prop_assert_eq!(evicted.map(|v| v.id), expect);
                            model.push_back(id);
                        }
                        Err(ForcePushError::Closed(value)) => {
                            prop_assert!(closed);
                            prop_assert_eq!(value.id, id);
                        }
                        Err(ForcePushError::Busy(_)) => prop_assert!(false, "single-threaded force_push was busy"),
                        Err(other) => prop_assert!(false, "unexpected {:?}", other),
                    }
                }
                Op::Batch(limit) => {
                    let mut out = Vec::new();
                    let n = ring.pop_batch(&mut out, limit);
                    let expect: Vec<u64> = (0..limit.min(model.len())).filter_map(|_| model.pop_front()).collect();
                    prop_assert_eq!(n, expect.len());
                    prop_assert_eq!(out.iter().map(|v| v.id).collect::<Vec<_>>(), expect);
                }
                Op::Close => {
                    prop_assert_eq!(ring.close(), !closed);
                    closed = true;
                }
            }
            prop_assert_eq!(ring.len(), model.len());
            prop_assert_eq!(ring.is_closed(), closed);
        }
        drop(ring);
        prop_assert_eq!(drops.load(Ordering::SeqCst), created, "every value dropped exactly once");
    }
}
