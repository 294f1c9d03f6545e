//! Differential fuzzing of `ryker_core::ring::Ring` against `std::collections::VecDeque`.
//!
//! One thread drives a ring and a model (a `VecDeque` of value ids plus a closed flag) with the
//! same arbitrary sequence of `try_push`, `force_push`, `try_pop`, `pop_batch` and `close`, and
//! compares every result, then `len`/`is_empty`/`is_full`/`is_closed`/`capacity` after every
//! step. Single-threaded, so `ForcePushError::Busy` and a close racing an eviction must never
//! happen.
//!
//! Values are drop-counted: every value ever created must be dropped exactly once by the end
//! (after the ring itself is dropped), and no value may be dropped while the model says the ring
//! still holds it. Both a sized payload (carrying its id) and a zero-sized one are used, on heap
//! rings of capacity 1..=64 (with and without amnesia) and inline `StaticRing`s.
#![no_main]

use std::cell::RefCell;
use std::collections::VecDeque;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ryker_core::error::ForcePushError;
use ryker_core::ring::{Inline, Ring, Storage};

#[derive(Arbitrary, Debug)]
enum Shape {
    /// `capacity % 65`; 0 must be rejected.
    Heap {
        capacity: u8,
        amnesia: bool,
    },
    Inline1,
    Inline3,
    Inline8,
}

#[derive(Arbitrary, Debug)]
enum Op {
    TryPush,
    ForcePush,
    TryPop,
    PopBatch(u8),
    Close,
}

#[derive(Arbitrary, Debug)]
struct Input {
    shape: Shape,
    zero_sized: bool,
    ops: Vec<Op>,
}

/// Per-input drop bookkeeping. Thread-local: libFuzzer runs inputs on one thread.
#[derive(Default)]
struct Ledger {
    /// Drop count of each sized value, indexed by id.
    drops: Vec<u32>,
    /// Zero-sized values created and dropped.
    zst_created: usize,
    zst_dropped: usize,
}

thread_local! {
    static LEDGER: RefCell<Ledger> = RefCell::new(Ledger::default());
}

fn ledger<R>(f: impl FnOnce(&mut Ledger) -> R) -> R {
    LEDGER.with(|l| f(&mut l.borrow_mut()))
}

trait Payload: Sized {
    /// Creates the value with the next id (ids count up from 0 per input).
    fn create(id: usize) -> Self;
    /// Asserts this is the value with `id` (a zero-sized value has no identity to check).
    fn check(&self, id: usize);
    /// Values created so far, and values dropped so far.
    fn counts() -> (usize, usize);
    /// Asserts the value with `id` has not been dropped (it is still in the ring).
    fn assert_live(id: usize);
    /// Asserts every value was dropped exactly once.
    fn assert_all_dropped_once();
}

/// A sized payload that knows its id and records its drop.
struct Tracked {
    id: usize,
    /// Some bytes so that slots have real content for amnesia to wipe.
    _pad: [u8; 24],
}

impl Drop for Tracked {
    fn drop(&mut self) {
        ledger(|l| l.drops[self.id] += 1);
    }
}

impl Payload for Tracked {
    fn create(id: usize) -> Self {
        ledger(|l| {
            assert_eq!(l.drops.len(), id);
            l.drops.push(0);
        });
        Tracked {
            id,
            _pad: [id as u8; 24],
        }
    }
    fn check(&self, id: usize) {
        assert_eq!(
            self.id, id,
            "ring returned a different value than the model"
        );
    }
    fn counts() -> (usize, usize) {
        ledger(|l| (l.drops.len(), l.drops.iter().map(|&d| d as usize).sum()))
    }
    fn assert_live(id: usize) {
        ledger(|l| assert_eq!(l.drops[id], 0, "value {id} dropped while still in the ring"));
    }
    fn assert_all_dropped_once() {
        ledger(|l| {
            for (id, &d) in l.drops.iter().enumerate() {
                assert_eq!(d, 1, "value {id} dropped {d} times");
            }
        });
    }
}

/// A zero-sized payload that records its drop.
struct Unit;

impl Drop for Unit {
    fn drop(&mut self) {
        ledger(|l| l.zst_dropped += 1);
    }
}

impl Payload for Unit {
    fn create(_id: usize) -> Self {
        ledger(|l| l.zst_created += 1);
        Unit
    }
    fn check(&self, _id: usize) {}
    fn counts() -> (usize, usize) {
        ledger(|l| (l.zst_created, l.zst_dropped))
    }
    fn assert_live(_id: usize) {}
    fn assert_all_dropped_once() {
        let (created, dropped) = Self::counts();
        assert_eq!(created, dropped, "zero-sized values: created != dropped");
    }
}

struct Model {
    queue: VecDeque<usize>,
    closed: bool,
    capacity: usize,
    next_id: usize,
}

fn run<P: Payload, S: Storage<P>>(ring: Ring<P, S>, ops: &[Op]) {
    let capacity = ring.capacity();
    let mut m = Model {
        queue: VecDeque::new(),
        closed: false,
        capacity,
        next_id: 0,
    };
    for op in ops {
        step(&ring, &mut m, op);
        // Every value outside the ring has been dropped by now, exactly once.
        let (created, dropped) = P::counts();
        assert_eq!(
            created - dropped,
            m.queue.len(),
            "live values != queued values after {op:?}"
        );
        for &id in &m.queue {
            P::assert_live(id);
        }
        assert_eq!(ring.len(), m.queue.len(), "len after {op:?}");
        assert_eq!(ring.is_empty(), m.queue.is_empty(), "is_empty after {op:?}");
        assert_eq!(
            ring.is_full(),
            m.queue.len() == m.capacity,
            "is_full after {op:?}"
        );
        assert_eq!(ring.is_closed(), m.closed, "is_closed after {op:?}");
        assert_eq!(ring.capacity(), capacity, "capacity changed after {op:?}");
    }
    // Whatever is still queued is dropped with the ring.
    drop(ring);
    P::assert_all_dropped_once();
}

fn step<P: Payload, S: Storage<P>>(ring: &Ring<P, S>, m: &mut Model, op: &Op) {
    match *op {
        Op::TryPush => {
            let id = m.next_id;
            m.next_id += 1;
            match ring.try_push(P::create(id)) {
                Ok(()) => {
                    assert!(!m.closed, "try_push accepted a value after close");
                    assert!(
                        m.queue.len() < m.capacity,
                        "try_push accepted a value when full"
                    );
                    m.queue.push_back(id);
                }
                Err(back) => {
                    assert!(
                        m.closed || m.queue.len() == m.capacity,
                        "try_push refused with room"
                    );
                    back.check(id);
                }
            }
        }
        Op::ForcePush => {
            let id = m.next_id;
            m.next_id += 1;
            match ring.force_push(P::create(id)) {
                Ok(evicted) => {
                    assert!(!m.closed, "force_push accepted a value after close");
                    if m.queue.len() == m.capacity {
                        let oldest = m.queue.pop_front().unwrap();
                        evicted
                            .expect("force_push on a full ring evicted nothing")
                            .check(oldest);
                    } else {
                        assert!(
                            evicted.is_none(),
                            "force_push evicted from a ring with room"
                        );
                    }
                    m.queue.push_back(id);
                }
                Err(ForcePushError::Closed(value)) => {
                    assert!(m.closed, "force_push reported Closed on an open ring");
                    value.check(id);
                }
                Err(ForcePushError::Busy(_)) => {
                    panic!("force_push reported Busy with no concurrent producer")
                }
                Err(other) => panic!("force_push: unexpected {other:?}"),
            }
        }
        Op::TryPop => match ring.try_pop() {
            Some(v) => v.check(
                m.queue
                    .pop_front()
                    .expect("try_pop returned a value from an empty model"),
            ),
            None => assert!(
                m.queue.is_empty(),
                "try_pop returned None with values queued"
            ),
        },
        Op::PopBatch(limit) => {
            let limit = usize::from(limit);
            let mut out = Vec::new();
            let n = ring.pop_batch(&mut out, limit);
            let expected = limit.min(m.queue.len());
            assert_eq!(n, expected, "pop_batch count");
            assert_eq!(
                out.len(),
                n,
                "pop_batch extended a different number than it returned"
            );
            for v in &out {
                v.check(m.queue.pop_front().unwrap());
            }
        }
        Op::Close => {
            assert_eq!(
                ring.close(),
                !m.closed,
                "close() must return true only the first time"
            );
            m.closed = true;
        }
    }
}

fn run_shape<P: Payload>(shape: &Shape, ops: &[Op]) {
    match *shape {
        Shape::Heap { capacity, amnesia } => {
            let n = usize::from(capacity) % 65;
            let built = if amnesia {
                Ring::<P>::with_amnesia(n)
            } else {
                Ring::<P>::with_capacity(n)
            };
            let ring = match (n, built) {
                (0, Err(e)) => {
                    assert_eq!(e.field(), "capacity");
                    return;
                }
                (0, Ok(_)) => panic!("a ring of capacity 0 was accepted"),
                (_, Err(e)) => panic!("capacity {n} rejected: {e}"),
                (_, Ok(ring)) => ring,
            };
            assert_eq!(ring.capacity(), n);
            assert_eq!(ring.amnesia(), amnesia);
            run(ring, ops);
        }
        Shape::Inline1 => run(Ring::<P, Inline<1>>::new(), ops),
        Shape::Inline3 => run(Ring::<P, Inline<3>>::new(), ops),
        Shape::Inline8 => run(Ring::<P, Inline<8>>::new(), ops),
    }
}

fuzz_target!(|input: Input| {
    LEDGER.with(|l| *l.borrow_mut() = Ledger::default());
    if input.zero_sized {
        run_shape::<Unit>(&input.shape, &input.ops);
    } else {
        run_shape::<Tracked>(&input.shape, &input.ops);
    }
});
