//! Shared pieces of ryker's Criterion benchmarks: the 64-byte message, one adapter per queue
//! under test, and the threaded driver the `spsc` and `mpsc` benches time.
//!
//! Every queue is driven by the same [`run`] loop, so the numbers differ only by the queue.
//! Ring-style queues without blocking (ryker's `Ring`, `ArrayQueue`, `ThingBuf`) spin with
//! [`crossbeam_utils::Backoff`], which yields the thread after a short spin; channels block.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_utils::Backoff;

/// Messages moved per Criterion iteration in the threaded benches.
pub const BATCH: u64 = 100_000;

/// A threaded run whose consumer receives nothing for this long is reported as stalled and
/// ends the process (exit code 3) instead of hanging the bench.
pub const STALL_LIMIT: Duration = Duration::from_secs(30);

/// The benchmark payload: 64 bytes, moved by value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Msg {
    /// Per-producer sequence number.
    pub seq: u64,
    /// Filler up to 64 bytes, written so the copy is not optimized away.
    pub pad: [u64; 7],
}

const _: () = assert!(
    size_of::<Msg>() == 64,
    "the payload must be exactly 64 bytes"
);

impl Msg {
    /// A message carrying `seq`.
    #[inline]
    #[must_use]
    pub fn new(seq: u64) -> Self {
        Self { seq, pad: [seq; 7] }
    }
}

/// A queue under test, as the threaded driver sees it.
pub trait Queue {
    /// Name used as the Criterion function id.
    const NAME: &'static str;
    /// Producer handle; one clone per producer thread.
    type Tx: Clone + Send;
    /// Consumer handle.
    type Rx: Send;

    /// A fresh queue holding at most `capacity` messages.
    fn with_capacity(capacity: usize) -> (Self::Tx, Self::Rx);

    /// Enqueues `msg`, waiting (blocking or spinning) while the queue is full.
    fn send(tx: &Self::Tx, msg: Msg);

    /// Dequeues at least one message into `buf` (waiting for it), at most `limit`; returns how many.
    fn recv_into(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize;
}

/// Times moving `total` messages from `producers` threads to one consumer thread.
///
/// The clock starts when every thread has passed a barrier and stops when the consumer has
/// received the last message; thread start-up and teardown are outside it. `total` is rounded
/// down to a multiple of `producers`.
///
/// # Panics
///
/// If a thread panics or the consumer sees a message count or checksum other than what was sent.
/// A run whose consumer makes no progress for [`STALL_LIMIT`] prints a diagnosis and exits
/// the process with code 3.
#[must_use]
pub fn run<Q: Queue>(capacity: usize, producers: usize, total: u64) -> Duration {
    let (tx, mut rx) = Q::with_capacity(capacity);
    let per_producer = total / producers as u64;
    let total = per_producer * producers as u64;
    let barrier = Barrier::new(producers + 1);
    let progress = AtomicU64::new(0);
    let (done, watching) = mpsc::channel::<()>();
    thread::scope(|s| {
        let progress = &progress;
        s.spawn(move || watchdog(Q::NAME, progress, &watching, total));
        for _ in 0..producers {
            let tx = tx.clone();
            let barrier = &barrier;
            s.spawn(move || {
                barrier.wait();
                for seq in 0..per_producer {
                    Q::send(&tx, Msg::new(seq));
                }
            });
        }
        drop(tx);
        let consumer = s.spawn(|| {
            let mut buf = Vec::with_capacity(64);
            let (mut received, mut checksum) = (0_u64, 0_u64);
            barrier.wait();
            let start = Instant::now();
            while received < total {
                buf.clear();
                received += Q::recv_into(&mut rx, &mut buf, 64) as u64;
                // Relaxed: a progress gauge for the watchdog only.
                progress.store(received, Ordering::Relaxed);
                for msg in &buf {
                    checksum = checksum.wrapping_add(msg.seq ^ msg.pad[6]);
                }
            }
            let elapsed = start.elapsed();
            assert_eq!(received, total, "{}: wrong message count", Q::NAME);
            assert_eq!(checksum, 0, "{}: corrupted payload", Q::NAME);
            elapsed
        });
        let elapsed = consumer.join().expect("consumer thread panicked");
        drop(done);
        elapsed
    })
}

/// Ends the process if `progress` stays put for [`STALL_LIMIT`] before `done` disconnects.
fn watchdog(name: &str, progress: &AtomicU64, done: &mpsc::Receiver<()>, total: u64) {
    let mut last = u64::MAX;
    let mut since = Instant::now();
    while let Err(RecvTimeoutError::Timeout) = done.recv_timeout(Duration::from_millis(100)) {
        // Relaxed: see the store.
        let now = progress.load(Ordering::Relaxed);
        if now != last {
            (last, since) = (now, Instant::now());
        } else if since.elapsed() >= STALL_LIMIT {
            eprintln!(
                "error: {name}: consumer stuck at {now} of {total} messages for {} s \
                 (a lost wake-up or a deadlock)",
                STALL_LIMIT.as_secs()
            );
            std::process::exit(3);
        }
    }
}

/// Spins (then yields) until `op` returns `Some`.
#[inline]
fn spin<T>(mut op: impl FnMut() -> Option<T>) -> T {
    let backoff = Backoff::new();
    loop {
        if let Some(v) = op() {
            return v;
        }
        backoff.snooze();
    }
}

/// Spins until `push` takes the value.
#[inline]
fn spin_push<T>(mut value: T, mut push: impl FnMut(T) -> Result<(), T>) {
    let backoff = Backoff::new();
    loop {
        match push(value) {
            Ok(()) => return,
            Err(back) => value = back,
        }
        backoff.snooze();
    }
}

/// `ryker_core::ring::Ring` shared by `Arc`: `try_push`/`try_pop` with a spin-then-yield backoff.
#[derive(Debug)]
pub struct RykerRing;

impl Queue for RykerRing {
    const NAME: &'static str = "ryker_ring";
    type Tx = Arc<ryker_core::ring::Ring<Msg>>;
    type Rx = Arc<ryker_core::ring::Ring<Msg>>;

    fn with_capacity(capacity: usize) -> (Self::Tx, Self::Rx) {
        let ring =
            Arc::new(ryker_core::ring::Ring::with_capacity(capacity).expect("valid capacity"));
        (ring.clone(), ring)
    }

    #[inline]
    fn send(tx: &Self::Tx, msg: Msg) {
        spin_push(msg, |m| tx.try_push(m));
    }

    #[inline]
    fn recv_into(rx: &mut Self::Rx, buf: &mut Vec<Msg>, _limit: usize) -> usize {
        buf.push(spin(|| rx.try_pop()));
        1
    }
}

/// ryker's mailbox: `send_blocking` / `recv_blocking`.
#[derive(Debug)]
pub struct RykerMailbox;

impl Queue for RykerMailbox {
    const NAME: &'static str = "ryker_mailbox";
    type Tx = ryker_core::mailbox::Sender<Msg>;
    type Rx = ryker_core::mailbox::Receiver<Msg>;

    fn with_capacity(capacity: usize) -> (Self::Tx, Self::Rx) {
        ryker_mailbox(capacity)
    }

    #[inline]
    fn send(tx: &Self::Tx, msg: Msg) {
        if tx.send_blocking(msg).is_err() {
            unreachable!("receiver alive until every message is received");
        }
    }

    #[inline]
    fn recv_into(rx: &mut Self::Rx, buf: &mut Vec<Msg>, _limit: usize) -> usize {
        buf.push(
            rx.recv_blocking()
                .expect("senders alive until every message is sent"),
        );
        1
    }
}

/// ryker's mailbox: `send_blocking` / `recv_many_blocking` (up to 64 per call).
#[derive(Debug)]
pub struct RykerMailboxMany;

impl Queue for RykerMailboxMany {
    const NAME: &'static str = "ryker_mailbox_many";
    type Tx = ryker_core::mailbox::Sender<Msg>;
    type Rx = ryker_core::mailbox::Receiver<Msg>;

    fn with_capacity(capacity: usize) -> (Self::Tx, Self::Rx) {
        ryker_mailbox(capacity)
    }

    #[inline]
    fn send(tx: &Self::Tx, msg: Msg) {
        RykerMailbox::send(tx, msg);
    }

    #[inline]
    fn recv_into(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
        let n = rx.recv_many_blocking(buf, limit);
        assert!(n > 0, "senders alive until every message is sent");
        n
    }
}

/// A busy-policy ryker mailbox of `capacity`.
///
/// # Panics
///
/// If ryker-core rejects `capacity`.
#[must_use]
pub fn ryker_mailbox(
    capacity: usize,
) -> (
    ryker_core::mailbox::Sender<Msg>,
    ryker_core::mailbox::Receiver<Msg>,
) {
    let config = ryker_core::mailbox::MailboxConfig {
        capacity,
        ..Default::default()
    };
    ryker_core::mailbox::try_channel(config).expect("valid mailbox config")
}

/// `crossbeam_queue::ArrayQueue` shared by `Arc`, spinning like [`RykerRing`].
#[derive(Debug)]
pub struct ArrayQueue;

impl Queue for ArrayQueue {
    const NAME: &'static str = "crossbeam_array_queue";
    type Tx = Arc<crossbeam_queue::ArrayQueue<Msg>>;
    type Rx = Arc<crossbeam_queue::ArrayQueue<Msg>>;

    fn with_capacity(capacity: usize) -> (Self::Tx, Self::Rx) {
        let q = Arc::new(crossbeam_queue::ArrayQueue::new(capacity));
        (q.clone(), q)
    }

    #[inline]
    fn send(tx: &Self::Tx, msg: Msg) {
        spin_push(msg, |m| tx.push(m));
    }

    #[inline]
    fn recv_into(rx: &mut Self::Rx, buf: &mut Vec<Msg>, _limit: usize) -> usize {
        buf.push(spin(|| rx.pop()));
        1
    }
}

/// `thingbuf::ThingBuf` shared by `Arc`, spinning like [`RykerRing`].
#[derive(Debug)]
pub struct ThingBuf;

impl Queue for ThingBuf {
    const NAME: &'static str = "thingbuf";
    type Tx = Arc<thingbuf::ThingBuf<Msg>>;
    type Rx = Arc<thingbuf::ThingBuf<Msg>>;

    fn with_capacity(capacity: usize) -> (Self::Tx, Self::Rx) {
        let q = Arc::new(thingbuf::ThingBuf::new(capacity));
        (q.clone(), q)
    }

    #[inline]
    fn send(tx: &Self::Tx, msg: Msg) {
        spin_push(msg, |m| tx.push(m).map_err(thingbuf::Full::into_inner));
    }

    #[inline]
    fn recv_into(rx: &mut Self::Rx, buf: &mut Vec<Msg>, _limit: usize) -> usize {
        buf.push(spin(|| rx.pop()));
        1
    }
}

/// `thingbuf::mpsc::blocking` channel: `send` / `recv`.
#[derive(Debug)]
pub struct ThingBufChannel;

impl Queue for ThingBufChannel {
    const NAME: &'static str = "thingbuf_mpsc_blocking";
    type Tx = thingbuf::mpsc::blocking::Sender<Msg>;
    type Rx = thingbuf::mpsc::blocking::Receiver<Msg>;

    fn with_capacity(capacity: usize) -> (Self::Tx, Self::Rx) {
        thingbuf::mpsc::blocking::channel(capacity)
    }

    #[inline]
    fn send(tx: &Self::Tx, msg: Msg) {
        tx.send(msg).expect("receiver alive");
    }

    #[inline]
    fn recv_into(rx: &mut Self::Rx, buf: &mut Vec<Msg>, _limit: usize) -> usize {
        buf.push(rx.recv().expect("senders alive"));
        1
    }
}

/// `kanal::bounded`: blocking `send` / `recv`.
#[derive(Debug)]
pub struct Kanal;

impl Queue for Kanal {
    const NAME: &'static str = "kanal";
    type Tx = kanal::Sender<Msg>;
    type Rx = kanal::Receiver<Msg>;

    fn with_capacity(capacity: usize) -> (Self::Tx, Self::Rx) {
        kanal::bounded(capacity)
    }

    #[inline]
    fn send(tx: &Self::Tx, msg: Msg) {
        tx.send(msg).expect("receiver alive");
    }

    #[inline]
    fn recv_into(rx: &mut Self::Rx, buf: &mut Vec<Msg>, _limit: usize) -> usize {
        buf.push(rx.recv().expect("senders alive"));
        1
    }
}

/// `crossbeam_channel::bounded`: blocking `send` / `recv`.
#[derive(Debug)]
pub struct CrossbeamChannel;

impl Queue for CrossbeamChannel {
    const NAME: &'static str = "crossbeam_channel";
    type Tx = crossbeam_channel::Sender<Msg>;
    type Rx = crossbeam_channel::Receiver<Msg>;

    fn with_capacity(capacity: usize) -> (Self::Tx, Self::Rx) {
        crossbeam_channel::bounded(capacity)
    }

    #[inline]
    fn send(tx: &Self::Tx, msg: Msg) {
        tx.send(msg).expect("receiver alive");
    }

    #[inline]
    fn recv_into(rx: &mut Self::Rx, buf: &mut Vec<Msg>, _limit: usize) -> usize {
        buf.push(rx.recv().expect("senders alive"));
        1
    }
}

/// `tokio::sync::mpsc::channel` outside any runtime: `blocking_send` / `blocking_recv`.
#[derive(Debug)]
pub struct TokioMpsc;

impl Queue for TokioMpsc {
    const NAME: &'static str = "tokio_mpsc";
    type Tx = tokio::sync::mpsc::Sender<Msg>;
    type Rx = tokio::sync::mpsc::Receiver<Msg>;

    fn with_capacity(capacity: usize) -> (Self::Tx, Self::Rx) {
        tokio::sync::mpsc::channel(capacity)
    }

    #[inline]
    fn send(tx: &Self::Tx, msg: Msg) {
        tx.blocking_send(msg).expect("receiver alive");
    }

    #[inline]
    fn recv_into(rx: &mut Self::Rx, buf: &mut Vec<Msg>, _limit: usize) -> usize {
        buf.push(rx.blocking_recv().expect("senders alive"));
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smoke<Q: Queue>() {
        for producers in [1, 3] {
            let _ = run::<Q>(8, producers, 3_000);
        }
    }

    #[test]
    fn every_adapter_moves_every_message() {
        smoke::<RykerRing>();
        smoke::<RykerMailbox>();
        smoke::<RykerMailboxMany>();
        smoke::<ArrayQueue>();
        smoke::<ThingBuf>();
        smoke::<ThingBufChannel>();
        smoke::<Kanal>();
        smoke::<CrossbeamChannel>();
        smoke::<TokioMpsc>();
    }
}
