//! The queues `ryker compare` drives, each through its own API, and the check every consumer runs.
//!
//! Two adapter traits, one per side of the table:
//! * [`SyncPeer`] extends the harness's [`Transport`] (the one `ryker enqueue` uses) with a
//!   constructor: plain threads, blocking calls (spinning with a backoff for `ArrayQueue`,
//!   which cannot block).
//! * [`AsyncPeer`]: futures, awaited by tasks on tokio or smol.
//!
//! Every consumer takes up to [`BATCH`] messages per wake-up: ryker and tokio with their
//! `recv_many`, the others with one waiting receive and then `try_recv` until the queue is empty
//! or the batch is full (what `transport::Crossbeam` does for `ryker enqueue`).

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_utils::Backoff;
use ryker_core::mailbox::{try_channel, MailboxConfig};

use crate::payload::Msg;
use crate::transport::{Crossbeam, CrossbeamTx, Outcome, PeerPolicy, Ryker, Transport};
use crate::watchdog::Heartbeats;

/// Most messages a consumer takes per wake-up.
pub(super) const BATCH: usize = 64;

/// Producers and the consumer report progress to the stall watchdog once per this many messages.
pub(super) const BEAT_EVERY: u64 = 1024;

/// A ryker mailbox of `capacity` slots under `Overflow::Busy`.
///
/// # Panics
/// If ryker-core rejects the capacity (`compare::main` validates it first).
fn ryker_mailbox(
    capacity: usize,
) -> (
    ryker_core::mailbox::Sender<Msg>,
    ryker_core::mailbox::Receiver<Msg>,
) {
    let config = MailboxConfig {
        capacity,
        ..MailboxConfig::default()
    };
    try_channel(config).expect("capacity validated before the run")
}

// ---------------------------------------------------------------------------------------------
// Plain threads
// ---------------------------------------------------------------------------------------------

/// A queue driven from plain threads: [`Transport`] plus a constructor.
pub(super) trait SyncPeer: Transport {
    /// A fresh queue of `capacity` slots.
    fn pair(capacity: usize) -> (Self::Tx, Self::Rx);
}

impl SyncPeer for Ryker {
    fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
        ryker_mailbox(capacity)
    }
}

impl SyncPeer for Crossbeam {
    fn pair(capacity: usize) -> (CrossbeamTx, crossbeam_channel::Receiver<Msg>) {
        Crossbeam::pair(capacity, PeerPolicy::Block)
    }
}

/// Appends `first` and then up to `limit - 1` more from `try_next` (which returns `None` when
/// the queue is empty); returns how many were appended.
#[inline]
fn fill(
    buf: &mut Vec<Msg>,
    first: Msg,
    limit: usize,
    mut try_next: impl FnMut() -> Option<Msg>,
) -> usize {
    buf.push(first);
    let mut n = 1;
    while n < limit {
        let Some(msg) = try_next() else { break };
        buf.push(msg);
        n += 1;
    }
    n
}

/// `crossbeam_queue::ArrayQueue` with a sender count standing in for the close it lacks:
/// `push`/`pop`, spinning with [`Backoff`] (spin, then yield the thread) while full or empty.
#[derive(Debug)]
pub(super) struct ArrayQueue;

#[derive(Debug)]
pub(super) struct ArrayShared {
    queue: crossbeam_queue::ArrayQueue<Msg>,
    senders: AtomicUsize,
}

/// A producer's handle: cloning and dropping it keeps the sender count.
#[derive(Debug)]
pub(super) struct ArrayTx(Arc<ArrayShared>);

impl Clone for ArrayTx {
    fn clone(&self) -> Self {
        // Relaxed: the clone is made from a live handle, so the count is already non-zero and
        // cannot reach zero meanwhile; nothing is published with the increment.
        self.0.senders.fetch_add(1, Ordering::Relaxed);
        Self(self.0.clone())
    }
}

impl Drop for ArrayTx {
    fn drop(&mut self) {
        // Release: pairs with the consumer's Acquire load that sees zero, so every push this
        // producer made is visible to the pop that follows that load. Relaxed could let the
        // consumer see zero senders, pop nothing, and stop with messages still queued.
        self.0.senders.fetch_sub(1, Ordering::Release);
    }
}

impl SyncPeer for ArrayQueue {
    fn pair(capacity: usize) -> (ArrayTx, Arc<ArrayShared>) {
        let shared = Arc::new(ArrayShared {
            queue: crossbeam_queue::ArrayQueue::new(capacity),
            senders: AtomicUsize::new(1),
        });
        (ArrayTx(shared.clone()), shared)
    }
}

impl Transport for ArrayQueue {
    type Tx = ArrayTx;
    type Rx = Arc<ArrayShared>;

    #[inline]
    fn send(tx: &ArrayTx, msg: Msg) -> Outcome {
        let backoff = Backoff::new();
        let mut msg = msg;
        while let Err(back) = tx.0.queue.push(msg) {
            msg = back;
            backoff.snooze();
        }
        Outcome::Queued
    }

    #[inline]
    fn recv_batch(rx: &mut Arc<ArrayShared>, buf: &mut Vec<Msg>, limit: usize) -> usize {
        let backoff = Backoff::new();
        let first = loop {
            if let Some(msg) = rx.queue.pop() {
                break msg;
            }
            // Acquire: pairs with the Release decrement in `ArrayTx::drop` (see there).
            if rx.senders.load(Ordering::Acquire) == 0 {
                match rx.queue.pop() {
                    Some(msg) => break msg,
                    None => return 0,
                }
            }
            backoff.snooze();
        };
        fill(buf, first, limit, || rx.queue.pop())
    }
}

/// `tokio::sync::mpsc::channel` outside any runtime: `blocking_send` / `blocking_recv_many`.
#[derive(Debug)]
pub(super) struct TokioMpsc;

impl SyncPeer for TokioMpsc {
    fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
        tokio::sync::mpsc::channel(capacity)
    }
}

impl Transport for TokioMpsc {
    type Tx = tokio::sync::mpsc::Sender<Msg>;
    type Rx = tokio::sync::mpsc::Receiver<Msg>;

    #[inline]
    fn send(tx: &Self::Tx, msg: Msg) -> Outcome {
        tx.blocking_send(msg)
            .map_or(Outcome::Closed, |()| Outcome::Queued)
    }

    #[inline]
    fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
        rx.blocking_recv_many(buf, limit)
    }
}

/// `async_channel::bounded`: `send_blocking` / `recv_blocking`.
#[derive(Debug)]
pub(super) struct AsyncChannel;

impl SyncPeer for AsyncChannel {
    fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
        async_channel::bounded(capacity)
    }
}

impl Transport for AsyncChannel {
    type Tx = async_channel::Sender<Msg>;
    type Rx = async_channel::Receiver<Msg>;

    #[inline]
    fn send(tx: &Self::Tx, msg: Msg) -> Outcome {
        tx.send_blocking(msg)
            .map_or(Outcome::Closed, |()| Outcome::Queued)
    }

    #[inline]
    fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
        let Ok(first) = rx.recv_blocking() else {
            return 0;
        };
        fill(buf, first, limit, || rx.try_recv().ok())
    }
}

/// `flume::bounded`: `send` / `recv`.
#[derive(Debug)]
pub(super) struct Flume;

impl SyncPeer for Flume {
    fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
        flume::bounded(capacity)
    }
}

impl Transport for Flume {
    type Tx = flume::Sender<Msg>;
    type Rx = flume::Receiver<Msg>;

    #[inline]
    fn send(tx: &Self::Tx, msg: Msg) -> Outcome {
        tx.send(msg).map_or(Outcome::Closed, |()| Outcome::Queued)
    }

    #[inline]
    fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
        let Ok(first) = rx.recv() else { return 0 };
        fill(buf, first, limit, || rx.try_recv().ok())
    }
}

/// `kanal::bounded`: `send` / `recv`.
#[derive(Debug)]
pub(super) struct Kanal;

impl SyncPeer for Kanal {
    fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
        kanal::bounded(capacity)
    }
}

impl Transport for Kanal {
    type Tx = kanal::Sender<Msg>;
    type Rx = kanal::Receiver<Msg>;

    #[inline]
    fn send(tx: &Self::Tx, msg: Msg) -> Outcome {
        tx.send(msg).map_or(Outcome::Closed, |()| Outcome::Queued)
    }

    #[inline]
    fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
        let Ok(first) = rx.recv() else { return 0 };
        fill(buf, first, limit, || rx.try_recv().ok().flatten())
    }
}

/// The message as thingbuf stores it: its channels recycle slots, so the element type must be
/// `Default` (and `Clone`). Same 64 bytes, moved by value.
#[derive(Debug, Clone)]
#[repr(transparent)]
pub(super) struct Slot(Msg);

impl Default for Slot {
    fn default() -> Self {
        Self(Msg::new(0, 0))
    }
}

/// `thingbuf::mpsc::blocking::channel`: `send` / `recv`.
#[derive(Debug)]
pub(super) struct Thingbuf;

impl SyncPeer for Thingbuf {
    fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
        thingbuf::mpsc::blocking::channel(capacity)
    }
}

impl Transport for Thingbuf {
    type Tx = thingbuf::mpsc::blocking::Sender<Slot>;
    type Rx = thingbuf::mpsc::blocking::Receiver<Slot>;

    #[inline]
    fn send(tx: &Self::Tx, msg: Msg) -> Outcome {
        tx.send(Slot(msg))
            .map_or(Outcome::Closed, |()| Outcome::Queued)
    }

    #[inline]
    fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
        let Some(Slot(first)) = rx.recv() else {
            return 0;
        };
        fill(buf, first, limit, || rx.try_recv().ok().map(|s| s.0))
    }
}

// ---------------------------------------------------------------------------------------------
// Tasks
// ---------------------------------------------------------------------------------------------

/// A queue driven by tasks on an async runtime.
pub(super) trait AsyncPeer: 'static {
    /// Producer handle, one clone per producer task. Dropping every clone ends the run.
    type Tx: Clone + Send + Sync + 'static;
    /// Consumer handle.
    type Rx: Send + 'static;

    /// A fresh queue of `capacity` slots.
    fn pair(capacity: usize) -> (Self::Tx, Self::Rx);

    /// Sends, waiting while the queue is full; `false` if the queue is closed.
    fn send(tx: &Self::Tx, msg: Msg) -> impl Future<Output = bool> + Send;

    /// Appends between 1 and `limit` messages to `buf`, waiting for the first; returns 0 only
    /// once every producer is gone and the queue is drained.
    fn recv_batch(
        rx: &mut Self::Rx,
        buf: &mut Vec<Msg>,
        limit: usize,
    ) -> impl Future<Output = usize> + Send;
}

/// A ryker mailbox: `send().await` / `recv_many().await`.
#[derive(Debug)]
pub(super) struct RykerAsync;

impl AsyncPeer for RykerAsync {
    type Tx = ryker_core::mailbox::Sender<Msg>;
    type Rx = ryker_core::mailbox::Receiver<Msg>;

    fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
        ryker_mailbox(capacity)
    }

    #[inline]
    async fn send(tx: &Self::Tx, msg: Msg) -> bool {
        tx.send(msg).await.is_ok()
    }

    #[inline]
    async fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
        rx.recv_many(buf, limit).await
    }
}

/// `tokio::sync::mpsc::channel`: `send().await` / `recv_many().await`.
#[derive(Debug)]
pub(super) struct TokioMpscAsync;

impl AsyncPeer for TokioMpscAsync {
    type Tx = tokio::sync::mpsc::Sender<Msg>;
    type Rx = tokio::sync::mpsc::Receiver<Msg>;

    fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
        tokio::sync::mpsc::channel(capacity)
    }

    #[inline]
    async fn send(tx: &Self::Tx, msg: Msg) -> bool {
        tx.send(msg).await.is_ok()
    }

    #[inline]
    async fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
        rx.recv_many(buf, limit).await
    }
}

/// `async_channel::bounded`: `send().await` / `recv().await`.
#[derive(Debug)]
pub(super) struct AsyncChannelAsync;

impl AsyncPeer for AsyncChannelAsync {
    type Tx = async_channel::Sender<Msg>;
    type Rx = async_channel::Receiver<Msg>;

    fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
        async_channel::bounded(capacity)
    }

    #[inline]
    async fn send(tx: &Self::Tx, msg: Msg) -> bool {
        tx.send(msg).await.is_ok()
    }

    #[inline]
    async fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
        let Ok(first) = rx.recv().await else { return 0 };
        fill(buf, first, limit, || rx.try_recv().ok())
    }
}

/// `flume::bounded`: `send_async` / `recv_async`.
#[derive(Debug)]
pub(super) struct FlumeAsync;

impl AsyncPeer for FlumeAsync {
    type Tx = flume::Sender<Msg>;
    type Rx = flume::Receiver<Msg>;

    fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
        flume::bounded(capacity)
    }

    #[inline]
    async fn send(tx: &Self::Tx, msg: Msg) -> bool {
        tx.send_async(msg).await.is_ok()
    }

    #[inline]
    async fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
        let Ok(first) = rx.recv_async().await else {
            return 0;
        };
        fill(buf, first, limit, || rx.try_recv().ok())
    }
}

/// `kanal::bounded_async`: `send().await` / `recv().await`.
#[derive(Debug)]
pub(super) struct KanalAsync;

impl AsyncPeer for KanalAsync {
    type Tx = kanal::AsyncSender<Msg>;
    type Rx = kanal::AsyncReceiver<Msg>;

    fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
        kanal::bounded_async(capacity)
    }

    #[inline]
    async fn send(tx: &Self::Tx, msg: Msg) -> bool {
        tx.send(msg).await.is_ok()
    }

    #[inline]
    async fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
        let Ok(first) = rx.recv().await else { return 0 };
        fill(buf, first, limit, || rx.try_recv().ok().flatten())
    }
}

/// `thingbuf::mpsc::channel`: `send().await` / `recv().await`.
#[derive(Debug)]
pub(super) struct ThingbufAsync;

impl AsyncPeer for ThingbufAsync {
    type Tx = thingbuf::mpsc::Sender<Slot>;
    type Rx = thingbuf::mpsc::Receiver<Slot>;

    fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
        thingbuf::mpsc::channel(capacity)
    }

    #[inline]
    async fn send(tx: &Self::Tx, msg: Msg) -> bool {
        tx.send(Slot(msg)).await.is_ok()
    }

    #[inline]
    async fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
        let Some(Slot(first)) = rx.recv().await else {
            return 0;
        };
        fill(buf, first, limit, || rx.try_recv().ok().map(|s| s.0))
    }
}

// ---------------------------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------------------------

/// The consumer's side of the correctness check: per-producer sequence order and counts.
/// Every consumer (thread, task or actor) runs exactly this per message, so it costs every
/// row the same.
#[derive(Debug)]
pub(super) struct Check {
    /// The sequence number expected next from each producer.
    next: Vec<u64>,
    quotas: Vec<u64>,
    expected: u64,
    received: u64,
    violations: u64,
    first_violation: Option<String>,
    /// When the last expected message arrived.
    done_at: Option<Instant>,
    beats: Arc<Heartbeats>,
}

/// What one run measured.
#[derive(Debug, Clone)]
pub(super) struct Measured {
    /// Delivered messages per second, from the start to the last message's arrival.
    pub(super) msgs_per_sec: f64,
    /// Empty when every message arrived exactly once and in per-producer order.
    pub(super) failures: Vec<String>,
}

impl Check {
    pub(super) fn new(quotas: Vec<u64>, beats: Arc<Heartbeats>) -> Self {
        Self {
            next: vec![0; quotas.len()],
            expected: quotas.iter().sum(),
            quotas,
            received: 0,
            violations: 0,
            first_violation: None,
            done_at: None,
            beats,
        }
    }

    #[inline]
    pub(super) fn on(&mut self, msg: &Msg) {
        match self.next.get_mut(msg.producer as usize) {
            Some(next) if *next == msg.seq => *next += 1,
            _ => self.violation(msg),
        }
        self.received += 1;
        if self.received.is_multiple_of(BEAT_EVERY) {
            self.beats.consumer(self.received);
        }
        if self.received == self.expected {
            self.done_at = Some(Instant::now());
        }
    }

    #[cold]
    #[inline(never)]
    fn violation(&mut self, msg: &Msg) {
        self.violations += 1;
        let what = match self.next.get_mut(msg.producer as usize) {
            None => format!("message {} from unknown producer {}", msg.seq, msg.producer),
            Some(next) => {
                let what = format!(
                    "producer {}: got seq {} but expected {} ({})",
                    msg.producer,
                    msg.seq,
                    *next,
                    if msg.seq < *next {
                        "duplicate or reordered"
                    } else {
                        "skipped ahead"
                    }
                );
                *next = (*next).max(msg.seq + 1);
                what
            }
        };
        self.first_violation.get_or_insert(what);
    }

    /// The run's result: throughput from `start` to the last expected message (or to now,
    /// if it never came), and every way the delivery differed from what was sent.
    pub(super) fn finish(self, start: Instant) -> Measured {
        let end = self.done_at.unwrap_or_else(Instant::now);
        let secs = end
            .saturating_duration_since(start)
            .max(Duration::from_nanos(1))
            .as_secs_f64();
        let mut failures = Vec::new();
        if self.violations > 0 {
            failures.push(format!(
                "{} order violation(s), the first: {}",
                self.violations,
                self.first_violation.as_deref().unwrap_or("?")
            ));
        }
        if self.received != self.expected {
            failures.push(format!(
                "received {} messages, {} were sent",
                self.received, self.expected
            ));
        }
        for (id, (next, quota)) in self.next.iter().zip(&self.quotas).enumerate() {
            if next != quota {
                failures.push(format!(
                    "producer {id}: last in-order seq {} of {quota}",
                    next
                ));
            }
        }
        #[allow(clippy::cast_precision_loss)] // message counts far below 2^52
        let msgs_per_sec = self.received as f64 / secs;
        Measured {
            msgs_per_sec,
            failures,
        }
    }
}

/// The messages producer `id` of `producers` sends out of `messages`: an even split, the
/// remainder going to the first producers.
pub(super) fn quotas(messages: u64, producers: u32) -> Vec<u64> {
    let p = u64::from(producers);
    (0..p)
        .map(|id| messages / p + u64::from(id < messages % p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(quotas: &[u64]) -> Check {
        Check::new(quotas.to_vec(), Arc::new(Heartbeats::new(0)))
    }

    #[test]
    fn quotas_split_the_messages_exactly() {
        assert_eq!(quotas(10, 3), [4, 3, 3]);
        assert_eq!(quotas(2, 4), [1, 1, 0, 0]);
    }

    #[test]
    fn an_in_order_delivery_passes() {
        let mut c = check(&[2, 1]);
        for m in [Msg::new(0, 0), Msg::new(1, 0), Msg::new(0, 1)] {
            c.on(&m);
        }
        let m = c.finish(Instant::now());
        assert!(m.failures.is_empty(), "{:?}", m.failures);
    }

    #[test]
    fn a_duplicate_a_gap_and_a_missing_message_fail() {
        let mut c = check(&[3]);
        c.on(&Msg::new(0, 0));
        c.on(&Msg::new(0, 0));
        let m = c.finish(Instant::now());
        assert!(
            m.failures[0].contains("duplicate or reordered"),
            "{:?}",
            m.failures
        );

        let mut c = check(&[3]);
        c.on(&Msg::new(0, 0));
        c.on(&Msg::new(0, 2));
        let m = c.finish(Instant::now());
        assert!(m.failures[0].contains("skipped ahead"), "{:?}", m.failures);
        assert!(m
            .failures
            .iter()
            .any(|f| f.contains("received 2 messages, 3 were sent")));
    }

    #[test]
    fn the_array_queue_ends_once_its_senders_are_gone_and_it_is_drained() {
        let (tx, mut rx) = ArrayQueue::pair(4);
        let tx2 = tx.clone();
        assert_eq!(ArrayQueue::send(&tx, Msg::new(0, 0)), Outcome::Queued);
        drop(tx);
        assert_eq!(ArrayQueue::send(&tx2, Msg::new(1, 0)), Outcome::Queued);
        drop(tx2);
        let mut buf = Vec::new();
        assert_eq!(ArrayQueue::recv_batch(&mut rx, &mut buf, 64), 2);
        assert_eq!(ArrayQueue::recv_batch(&mut rx, &mut buf, 64), 0);
    }
}
