//! The gated workloads.
//!
//! Each gate builds its mailbox or actor, warms up, then calls its measurement window: one
//! `#[inline(never)]` function named `window_<gate>` that contains only the measured loop.
//! `.ci/perf_gate.sh` runs the binary under `valgrind --tool=callgrind
//! --toggle-collect='*::window_<gate>'`, so callgrind counts the instructions executed inside
//! that call (callees included) and nothing of the setup, warm-up, checks or teardown. The
//! allocations are counted around the same call. The windows are never called outside a
//! measurement: warm-ups call the `#[inline(always)]` bodies.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context as TaskContext, Poll, Waker};

use ryker_core::actor::{Actor, ActorOptions, Context, Reply};
use ryker_core::mailbox::{channel, MailboxConfig, Receiver, Sender};
use ryker_core::ring::{split, Consumer, Producer};

use crate::executor::Executor;
use bench_support::alloc::allocations;

/// The message every gate moves: 64 bytes.
pub(crate) type Payload = [u8; 64];

/// Mailbox (and split ring) capacity for every gate (the mailbox's default).
const CAPACITY: usize = 512;
/// `recv_many` limit in the batch gate (the actor loop's default batch size).
const RECV_BATCH: usize = 32;
/// Tells per burst in `tell_handle` before the actor runs until idle.
const TELL_BURST: u64 = 256;
/// Operations of each warm-up (outside the window).
const WARMUP: u64 = 1024;

/// What one gate run measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Measurement {
    /// Operations performed inside the window.
    pub(crate) ops: u64,
    /// Allocations (including reallocations) inside the window.
    pub(crate) allocations: u64,
    /// A checksum of what the window delivered, verified against the expected value.
    pub(crate) check: u64,
}

/// A gate: its name (the window is `window_<name>`) and what one operation is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Gate {
    pub(crate) name: &'static str,
    pub(crate) op: &'static str,
    run: fn(u64) -> Measurement,
}

impl Gate {
    /// Runs the gate with `ops` operations in its window.
    pub(crate) fn run(&self, ops: u64) -> Measurement {
        (self.run)(ops)
    }
}

/// Every gate `.ci/perf_gate.sh` checks, in its order.
pub(crate) const GATES: &[Gate] = &[
    Gate {
        name: "enqueue_dequeue",
        op: "try_send + try_recv of one 64-byte message, mailbox capacity 512",
        run: enqueue_dequeue,
    },
    Gate {
        name: "split_push_pop",
        op: "ring::split: Producer::try_push + Consumer::try_pop of one 64-byte message, capacity 512",
        run: split_push_pop,
    },
    Gate {
        name: "enqueue_dequeue_batch",
        op: "one 64-byte message: try_send, then recv_many(32) per 32 messages",
        run: enqueue_dequeue_batch,
    },
    Gate {
        name: "tell_handle",
        op:
            "Addr::try_tell of a 64-byte message to a no-op actor, and its handling (bursts of 256)",
        run: tell_handle,
    },
    Gate {
        name: "ask",
        op: "one Addr::ask round trip to an actor that answers a counter",
        run: ask,
    },
];

/// The planted regression `.ci/perf_gate.sh` must catch: `enqueue_dequeue` plus one boxed copy
/// of each message (more instructions and one allocation per operation). Not in [`GATES`].
pub(crate) const CANARY: Gate = Gate {
    name: "canary",
    op: "enqueue_dequeue plus a planted Box::new per message (must fail the enqueue_dequeue baseline)",
    run: canary,
};

/// The `i`th message: its first byte varies so the checksum sees every message.
#[inline(always)]
fn payload(i: u64) -> Payload {
    let mut msg = [0u8; 64];
    msg[0] = i as u8;
    msg
}

/// The checksum of messages `0..n` ([`payload`]'s first bytes, summed).
fn expected_check(n: u64) -> u64 {
    let full = n / 256 * (255 * 256 / 2);
    let rest = n % 256;
    full + rest * rest.saturating_sub(1) / 2
}

/// Counts the allocations made by `window`.
#[inline(always)]
fn counted(ops: u64, window: impl FnOnce() -> u64) -> Measurement {
    let before = allocations();
    let check = window();
    let allocations = allocations() - before;
    Measurement {
        ops,
        allocations,
        check,
    }
}

fn mailbox() -> (Sender<Payload>, Receiver<Payload>) {
    channel(MailboxConfig {
        capacity: CAPACITY,
        ..Default::default()
    })
}

// ---- enqueue_dequeue ---------------------------------------------------------------------

#[inline(always)]
fn enqueue_dequeue_body<const PLANTED: bool>(
    tx: &Sender<Payload>,
    rx: &mut Receiver<Payload>,
    n: u64,
) -> u64 {
    let mut check = 0u64;
    for i in 0..n {
        tx.try_send(black_box(payload(i)))
            .expect("an empty mailbox has room");
        let msg = rx.try_recv().expect("the message just sent is there");
        if PLANTED {
            check = check.wrapping_add(u64::from(black_box(Box::new(msg))[0]));
        } else {
            check = check.wrapping_add(u64::from(msg[0]));
        }
    }
    check
}

#[inline(never)]
fn window_enqueue_dequeue(tx: &Sender<Payload>, rx: &mut Receiver<Payload>, n: u64) -> u64 {
    enqueue_dequeue_body::<false>(tx, rx, n)
}

fn enqueue_dequeue(n: u64) -> Measurement {
    let (tx, mut rx) = mailbox();
    enqueue_dequeue_body::<false>(&tx, &mut rx, WARMUP);
    let m = counted(n, || window_enqueue_dequeue(&tx, &mut rx, black_box(n)));
    assert_eq!(m.check, expected_check(n), "enqueue_dequeue lost messages");
    m
}

#[inline(never)]
fn window_canary(tx: &Sender<Payload>, rx: &mut Receiver<Payload>, n: u64) -> u64 {
    enqueue_dequeue_body::<true>(tx, rx, n)
}

fn canary(n: u64) -> Measurement {
    let (tx, mut rx) = mailbox();
    enqueue_dequeue_body::<false>(&tx, &mut rx, WARMUP);
    let m = counted(n, || window_canary(&tx, &mut rx, black_box(n)));
    assert_eq!(m.check, expected_check(n), "canary lost messages");
    m
}

// ---- split_push_pop ----------------------------------------------------------------------

#[inline(always)]
fn split_push_pop_body(tx: &Producer<Payload>, rx: &mut Consumer<Payload>, n: u64) -> u64 {
    let mut check = 0u64;
    for i in 0..n {
        tx.try_push(black_box(payload(i)))
            .expect("an empty ring has room");
        let msg = rx.try_pop().expect("the value just pushed is there");
        check = check.wrapping_add(u64::from(msg[0]));
    }
    check
}

#[inline(never)]
fn window_split_push_pop(tx: &Producer<Payload>, rx: &mut Consumer<Payload>, n: u64) -> u64 {
    split_push_pop_body(tx, rx, n)
}

fn split_push_pop(n: u64) -> Measurement {
    let (tx, mut rx) = split(CAPACITY).expect("capacity 512 is valid");
    split_push_pop_body(&tx, &mut rx, WARMUP);
    let m = counted(n, || window_split_push_pop(&tx, &mut rx, black_box(n)));
    assert_eq!(m.check, expected_check(n), "split_push_pop lost values");
    m
}

// ---- enqueue_dequeue_batch ---------------------------------------------------------------

#[inline(always)]
fn enqueue_dequeue_batch_body(
    tx: &Sender<Payload>,
    rx: &mut Receiver<Payload>,
    buf: &mut Vec<Payload>,
    n: u64,
) -> u64 {
    let mut cx = TaskContext::from_waker(Waker::noop());
    let mut check = 0u64;
    let mut i = 0;
    while i < n {
        let burst = (RECV_BATCH as u64).min(n - i);
        for _ in 0..burst {
            tx.try_send(black_box(payload(i)))
                .expect("an empty mailbox has room for a batch");
            i += 1;
        }
        buf.clear();
        // Mid-stream, a receive waits for a full run by yielding (a bounded number of times)
        // before it takes fewer: that happens to the last burst when it is a partial one.
        // Poll again, as an executor does after the receiver's own wake-up.
        let mut polls = 0;
        let got = loop {
            if let Poll::Ready(got) = pin!(rx.recv_many(buf, RECV_BATCH)).poll(&mut cx) {
                break got;
            }
            polls += 1;
            assert!(polls <= 64, "recv_many kept waiting with messages queued");
        };
        assert_eq!(got as u64, burst, "recv_many took a partial batch");
        for msg in buf.iter() {
            check = check.wrapping_add(u64::from(msg[0]));
        }
    }
    check
}

#[inline(never)]
fn window_enqueue_dequeue_batch(
    tx: &Sender<Payload>,
    rx: &mut Receiver<Payload>,
    buf: &mut Vec<Payload>,
    n: u64,
) -> u64 {
    enqueue_dequeue_batch_body(tx, rx, buf, n)
}

fn enqueue_dequeue_batch(n: u64) -> Measurement {
    let (tx, mut rx) = mailbox();
    let mut buf = Vec::with_capacity(RECV_BATCH);
    enqueue_dequeue_batch_body(&tx, &mut rx, &mut buf, WARMUP);
    let m = counted(n, || {
        window_enqueue_dequeue_batch(&tx, &mut rx, &mut buf, black_box(n))
    });
    assert_eq!(
        m.check,
        expected_check(n),
        "enqueue_dequeue_batch lost messages"
    );
    m
}

// ---- tell_handle -------------------------------------------------------------------------

/// Handles each message by doing nothing with it.
#[derive(Debug)]
struct Sink;

impl Actor for Sink {
    type Msg = Payload;

    async fn handle(&mut self, msg: Payload, _ctx: &mut Context<Self>) {
        black_box(msg);
    }
}

#[inline(always)]
fn tell_handle_body(exec: &Executor, addr: &ryker_core::actor::Addr<Sink>, n: u64) -> u64 {
    let mut polls = 0;
    let mut sent = 0;
    while sent < n {
        let burst = TELL_BURST.min(n - sent);
        for i in sent..sent + burst {
            addr.try_tell(black_box(payload(i)))
                .expect("an idle actor's mailbox has room for a burst");
        }
        sent += burst;
        polls += exec.run_until_idle();
    }
    polls
}

#[inline(never)]
fn window_tell_handle(exec: &Executor, addr: &ryker_core::actor::Addr<Sink>, n: u64) -> u64 {
    tell_handle_body(exec, addr, n)
}

fn tell_handle(n: u64) -> Measurement {
    let exec = Executor::default();
    let handle = ActorOptions::default()
        .spawn(&exec, Sink)
        .expect("the default options are valid");
    let addr = handle.addr();
    exec.run_until_idle();
    tell_handle_body(&exec, &addr, WARMUP);
    let m = counted(n, || window_tell_handle(&exec, &addr, black_box(n)));
    assert!(addr.is_empty(), "tell_handle left messages queued");
    drop(addr);
    let report = exec
        .block_on({
            handle.shutdown();
            handle
        })
        .expect("the actor's task ran to its end");
    assert_eq!(
        report.handled,
        WARMUP + n,
        "tell_handle: the actor handled a different number of messages"
    );
    // `check` is the executor's poll count: deterministic, reported for the curious.
    m
}

// ---- ask ---------------------------------------------------------------------------------

/// Answers each request with how many it has answered.
#[derive(Debug)]
struct Counter(u64);

impl Actor for Counter {
    type Msg = Reply<u64>;

    async fn handle(&mut self, reply: Reply<u64>, _ctx: &mut Context<Self>) {
        self.0 += 1;
        let _ = reply.send(self.0);
    }
}

/// `n` sequential asks; the sum of the answers.
async fn asks(addr: ryker_core::actor::Addr<Counter>, n: u64) -> u64 {
    let mut sum = 0u64;
    for _ in 0..n {
        let answer = addr.ask(|reply| reply).await.expect("the actor answers");
        sum = sum.wrapping_add(answer);
    }
    sum
}

#[inline(never)]
fn window_ask(exec: &Executor) -> u64 {
    exec.run_until_idle()
}

fn ask(n: u64) -> Measurement {
    let exec = Executor::default();
    let handle = ActorOptions::default()
        .spawn(&exec, Counter(0))
        .expect("the default options are valid");
    exec.run_until_idle();
    exec.block_on(asks(handle.addr(), WARMUP));
    // Spawned (and boxed) before the window; the window polls it and the actor to the end.
    let sum = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let out = sum.clone();
    let addr = handle.addr();
    ryker_core::runtime::Runtime::spawn(&exec, async move {
        // Relaxed: read on this thread after the executor went idle.
        out.store(asks(addr, n).await, std::sync::atomic::Ordering::Relaxed);
    });
    let mut m = counted(n, || window_ask(&exec));
    // Relaxed: see the store above.
    m.check = sum.load(std::sync::atomic::Ordering::Relaxed);
    // Answers WARMUP+1 ..= WARMUP+n.
    assert_eq!(m.check, n * WARMUP + n * (n + 1) / 2, "ask lost answers");
    let report = exec
        .block_on({
            handle.shutdown();
            handle
        })
        .expect("the actor's task ran to its end");
    assert_eq!(report.handled, WARMUP + n);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_check_matches_a_plain_sum() {
        for n in [0, 1, 255, 256, 257, 1000, 4096] {
            let plain: u64 = (0..n).map(|i| u64::from(payload(i)[0])).sum();
            assert_eq!(expected_check(n), plain, "n = {n}");
        }
    }

    /// Every gate runs, delivers everything and checks itself (small counts; the allocation
    /// figures are only meaningful single-threaded, which `cargo test` is not).
    #[test]
    fn every_gate_and_the_canary_run_and_check_themselves() {
        for gate in GATES.iter().chain([&CANARY]) {
            for n in [0, 1, 33, 1000] {
                assert_eq!(gate.run(n).ops, n, "{}", gate.name);
            }
        }
    }
}
