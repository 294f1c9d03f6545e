//! The peer queues driven from plain threads, behind one trait, [`SyncPeer`].
//!
//! Channels block; the queues that cannot (ryker's `Ring`, `crossbeam_queue::ArrayQueue`,
//! `thingbuf::ThingBuf`) spin with [`Backoff`] (spin, then yield the thread) through [`Spin`],
//! which also gives them the close they lack. Every consumer takes up to `limit` messages per
//! call: ryker and tokio with their batch receive, the others with one waiting receive and then
//! [`fill`]. A limit of 1 is one plain receive per message.
//!
//! What a producer thread sends through is a [`SyncProducer`]: a peer's sender ([`SyncPeerTx`])
//! or a ryker actor's `Addr` alike.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crossbeam_channel::TrySendError as CbTrySendError;
use crossbeam_utils::Backoff;
use ryker_core::error::{PushError, SendError, TryPopError, TrySendError};
use ryker_core::mailbox::{try_channel, MailboxConfig, Receiver, Sender, Sent};
use ryker_core::prelude::{Actor, Addr};

use crate::Msg;

/// What happened to one message handed to [`SyncPeer::send`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Queued without displacing anything.
    Queued,
    /// Queued after discarding this many of the oldest queued messages (possibly other producers').
    DisplacedOldest(u64),
    /// Discarded because the queue was full (drop-newest).
    DroppedNewest,
    /// The receiving side is gone; the run is broken.
    Closed,
}

/// A queue under test carrying `M` (the 64-byte [`Msg`] unless told otherwise), driven from
/// plain threads.
pub trait SyncPeer<M = Msg> {
    /// The queue's name in bench ids and tables.
    const NAME: &'static str;
    /// Producer handle, one clone per producer thread. Dropping every clone ends the run.
    type Tx: Clone + Send;
    /// Consumer handle.
    type Rx: Send;

    /// A fresh queue of `capacity` slots (a blocking one where the queue has a choice).
    fn pair(capacity: usize) -> (Self::Tx, Self::Rx);

    /// Sends one message, waiting while the queue is full if its overflow policy says so.
    fn send(tx: &Self::Tx, msg: M) -> Outcome;

    /// Appends between 1 and `limit` messages to `buf`, waiting for the first; returns 0 only
    /// once every producer is gone and the queue is drained.
    fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<M>, limit: usize) -> usize;

    /// Sends without waiting; the message back when the queue is full or closed.
    fn try_send(tx: &Self::Tx, msg: M) -> Result<(), M>;

    /// Receives without waiting; `None` when the queue is empty.
    fn try_recv(rx: &mut Self::Rx) -> Option<M>;

    /// Appends up to `limit` ready messages to `buf` without waiting; returns how many. A loop
    /// of [`SyncPeer::try_recv`] unless the queue has a batch receive.
    #[inline]
    fn try_recv_many(rx: &mut Self::Rx, buf: &mut Vec<M>, limit: usize) -> usize {
        try_loop::<Self, M>(rx, buf, limit)
    }
}

/// Up to `limit` [`SyncPeer::try_recv`] calls, appending to `buf`; returns how many it took.
#[inline]
pub fn try_loop<Q: SyncPeer<M> + ?Sized, M>(
    rx: &mut Q::Rx,
    buf: &mut Vec<M>,
    limit: usize,
) -> usize {
    let mut n = 0;
    while n < limit {
        let Some(msg) = Q::try_recv(rx) else { break };
        buf.push(msg);
        n += 1;
    }
    n
}

/// What a plain producer thread sends through: a peer's sender ([`SyncPeerTx`]) or a ryker
/// actor's `Addr`.
pub trait SyncProducer<M>: Clone + Send {
    /// Sends one message, blocking while the consumer's queue is full (if its policy says so).
    fn send(&self, msg: M) -> Outcome;

    /// Sends without waiting; the message back when the queue is full or closed.
    fn try_send(&self, msg: M) -> Result<(), M>;
}

/// A [`SyncPeer`]'s sender as a [`SyncProducer`].
pub struct SyncPeerTx<Q: SyncPeer<M>, M = Msg>(pub Q::Tx, PhantomData<fn(M)>);

impl<Q: SyncPeer<M>, M> SyncPeerTx<Q, M> {
    /// Wraps `tx`, a sender of `Q`.
    #[inline]
    #[must_use]
    pub fn new(tx: Q::Tx) -> Self {
        Self(tx, PhantomData)
    }
}

impl<Q: SyncPeer<M>, M> Clone for SyncPeerTx<Q, M> {
    fn clone(&self) -> Self {
        Self::new(self.0.clone())
    }
}

impl<Q: SyncPeer<M>, M> std::fmt::Debug for SyncPeerTx<Q, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SyncPeerTx").field(&Q::NAME).finish()
    }
}

impl<Q: SyncPeer<M>, M> SyncProducer<M> for SyncPeerTx<Q, M> {
    #[inline]
    fn send(&self, msg: M) -> Outcome {
        Q::send(&self.0, msg)
    }

    #[inline]
    fn try_send(&self, msg: M) -> Result<(), M> {
        Q::try_send(&self.0, msg)
    }
}

/// `blocking_tell` / `try_tell`.
impl<A: Actor> SyncProducer<A::Msg> for Addr<A> {
    #[inline]
    fn send(&self, msg: A::Msg) -> Outcome {
        outcome(self.blocking_tell(msg))
    }

    #[inline]
    fn try_send(&self, msg: A::Msg) -> Result<(), A::Msg> {
        try_outcome(self.try_tell(msg))
    }
}

/// A ryker send's result as an [`Outcome`].
#[inline]
fn outcome<M>(sent: Result<Sent, SendError<M>>) -> Outcome {
    match sent {
        Ok(Sent::Queued) => Outcome::Queued,
        Ok(Sent::DisplacedOldest) => Outcome::DisplacedOldest(1),
        // `Sent` is non-exhaustive; a new way of queuing still queued the message.
        Ok(_) => Outcome::Queued,
        Err(SendError::Dropped) => Outcome::DroppedNewest,
        Err(SendError::Closed(_)) => Outcome::Closed,
        Err(other) => panic!("unexpected {other:?}"),
    }
}

/// A ryker `try_*` send's result: the message back when full or closed.
#[inline]
fn try_outcome<M>(sent: Result<Sent, TrySendError<M>>) -> Result<(), M> {
    match sent {
        Ok(_) => Ok(()),
        Err(TrySendError::Busy(msg) | TrySendError::Closed(msg)) => Err(msg),
        // Only a drop-newest mailbox drops, and the benches and `pair` make busy ones.
        Err(_) => unreachable!("a busy-policy mailbox does not drop"),
    }
}

/// Polls a batch receive once with a no-op waker: what `recv_many(limit).await` does when
/// messages are ready, without a runtime (so no cooperative budget forces a yield).
#[inline]
fn poll_once(poll: impl FnOnce(&mut Context<'_>) -> Poll<usize>) -> usize {
    match poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(n) => n,
        Poll::Pending => 0,
    }
}

/// Appends `first` and then up to `limit - 1` more from `try_next` (which returns `None` when
/// the queue is empty); returns how many were appended.
#[inline]
pub fn fill<M>(
    buf: &mut Vec<M>,
    first: M,
    limit: usize,
    mut try_next: impl FnMut() -> Option<M>,
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

/// A busy-policy ryker mailbox of `capacity` carrying `T`.
///
/// # Panics
///
/// If ryker-core rejects `capacity`.
#[must_use]
pub fn ryker_mailbox<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let config = MailboxConfig {
        capacity,
        ..MailboxConfig::default()
    };
    try_channel(config).expect("valid mailbox capacity")
}

/// A ryker mailbox: `send_blocking` on the producers, `recv_many_blocking` (or `recv_blocking`
/// for a limit of 1) on the consumer. Reports every overflow outcome, so it serves mailboxes
/// of any policy (`ryker enqueue` builds its own).
#[derive(Debug)]
pub struct Ryker;

impl SyncPeer for Ryker {
    const NAME: &'static str = "ryker_mailbox";
    type Tx = Sender<Msg>;
    type Rx = Receiver<Msg>;

    fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
        ryker_mailbox(capacity)
    }

    #[inline]
    fn send(tx: &Self::Tx, msg: Msg) -> Outcome {
        outcome(tx.blocking_send(msg))
    }

    #[inline]
    fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
        if limit == 1 {
            rx.blocking_recv().map_or(0, |msg| {
                buf.push(msg);
                1
            })
        } else {
            rx.blocking_recv_many(buf, limit)
        }
    }

    #[inline]
    fn try_send(tx: &Self::Tx, msg: Msg) -> Result<(), Msg> {
        try_outcome(tx.try_send(msg))
    }

    #[inline]
    fn try_recv(rx: &mut Self::Rx) -> Option<Msg> {
        rx.try_recv().ok()
    }

    /// `try_recv_many`: what is there, without `poll_recv_many`'s wait for a run.
    #[inline]
    fn try_recv_many(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
        rx.try_recv_many(buf, limit).unwrap_or(0)
    }
}

/// A bounded queue without blocking or close: [`Spin`] adds both.
pub trait SpinQueue: Send + Sync + 'static {
    /// The queue's name in bench ids and tables.
    const NAME: &'static str;
    /// A queue of `capacity` slots.
    fn with_capacity(capacity: usize) -> Self;
    /// Enqueues, or hands the message back when full.
    fn push(&self, msg: Msg) -> Result<(), Msg>;
    /// Dequeues, or `None` when empty.
    fn pop(&self) -> Option<Msg>;
}

impl SpinQueue for ryker_core::ring::Ring<Msg> {
    const NAME: &'static str = "ryker_ring";

    fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity(capacity).expect("valid ring capacity")
    }

    #[inline]
    fn push(&self, msg: Msg) -> Result<(), Msg> {
        self.try_push(msg)
    }

    #[inline]
    fn pop(&self) -> Option<Msg> {
        self.try_pop()
    }
}

impl SpinQueue for crossbeam_queue::ArrayQueue<Msg> {
    const NAME: &'static str = "crossbeam_array_queue";

    fn with_capacity(capacity: usize) -> Self {
        Self::new(capacity)
    }

    #[inline]
    fn push(&self, msg: Msg) -> Result<(), Msg> {
        Self::push(self, msg)
    }

    #[inline]
    fn pop(&self) -> Option<Msg> {
        Self::pop(self)
    }
}

impl SpinQueue for thingbuf::ThingBuf<Msg> {
    const NAME: &'static str = "thingbuf";

    fn with_capacity(capacity: usize) -> Self {
        Self::new(capacity)
    }

    #[inline]
    fn push(&self, msg: Msg) -> Result<(), Msg> {
        Self::push(self, msg).map_err(thingbuf::Full::into_inner)
    }

    #[inline]
    fn pop(&self) -> Option<Msg> {
        Self::pop(self)
    }
}

/// A [`SpinQueue`] shared by `Arc`, with a sender count standing in for the close it lacks:
/// producers and the consumer spin with [`Backoff`] while it is full or empty.
#[derive(Debug)]
pub struct Spin<Q>(PhantomData<Q>);

/// ryker's `Ring`, spinning.
pub type RykerRing = Spin<ryker_core::ring::Ring<Msg>>;
/// `crossbeam_queue::ArrayQueue`, spinning.
pub type ArrayQueue = Spin<crossbeam_queue::ArrayQueue<Msg>>;
/// `thingbuf::ThingBuf`, spinning.
pub type ThingBuf = Spin<thingbuf::ThingBuf<Msg>>;

/// The queue and its live producer count.
#[derive(Debug)]
pub struct SpinShared<Q> {
    queue: Q,
    senders: AtomicUsize,
}

/// A producer's handle: cloning and dropping it keeps the sender count.
#[derive(Debug)]
pub struct SpinTx<Q>(Arc<SpinShared<Q>>);

impl<Q> Clone for SpinTx<Q> {
    fn clone(&self) -> Self {
        // Relaxed: the clone is made from a live handle, so the count is already non-zero and
        // cannot reach zero meanwhile; nothing is published with the increment.
        self.0.senders.fetch_add(1, Ordering::Relaxed);
        Self(self.0.clone())
    }
}

impl<Q> Drop for SpinTx<Q> {
    fn drop(&mut self) {
        // Release: pairs with the consumer's Acquire load that sees zero, so every push this
        // producer made is visible to the pop that follows that load. Relaxed could let the
        // consumer see zero senders, pop nothing, and stop with messages still queued.
        self.0.senders.fetch_sub(1, Ordering::Release);
    }
}

impl<Q: SpinQueue> SyncPeer for Spin<Q> {
    const NAME: &'static str = Q::NAME;
    type Tx = SpinTx<Q>;
    type Rx = Arc<SpinShared<Q>>;

    fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
        let shared = Arc::new(SpinShared {
            queue: Q::with_capacity(capacity),
            senders: AtomicUsize::new(1),
        });
        (SpinTx(shared.clone()), shared)
    }

    #[inline]
    fn send(tx: &Self::Tx, msg: Msg) -> Outcome {
        let backoff = Backoff::new();
        let mut msg = msg;
        while let Err(back) = tx.0.queue.push(msg) {
            msg = back;
            backoff.snooze();
        }
        Outcome::Queued
    }

    #[inline]
    fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
        let backoff = Backoff::new();
        let first = loop {
            if let Some(msg) = rx.queue.pop() {
                break msg;
            }
            // Acquire: pairs with the Release decrement in `SpinTx::drop` (see there).
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

    #[inline]
    fn try_send(tx: &Self::Tx, msg: Msg) -> Result<(), Msg> {
        tx.0.queue.push(msg)
    }

    #[inline]
    fn try_recv(rx: &mut Self::Rx) -> Option<Msg> {
        rx.queue.pop()
    }
}

/// ryker's single-consumer ring (`ring::split`), spinning with [`Backoff`] while full or empty
/// like [`Spin`]; its own close (the last producer's drop) ends the consumer.
#[derive(Debug)]
pub struct RykerSplitRing;

impl SyncPeer for RykerSplitRing {
    const NAME: &'static str = "ryker_ring_split";
    type Tx = ryker_core::ring::Producer<Msg>;
    type Rx = ryker_core::ring::Consumer<Msg>;

    fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
        ryker_core::ring::split(capacity).expect("valid ring capacity")
    }

    #[inline]
    fn send(tx: &Self::Tx, msg: Msg) -> Outcome {
        let backoff = Backoff::new();
        let mut msg = msg;
        loop {
            match tx.try_push(msg) {
                Ok(()) => return Outcome::Queued,
                Err(PushError::Full(back)) => msg = back,
                Err(_) => return Outcome::Closed,
            }
            backoff.snooze();
        }
    }

    #[inline]
    fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
        let backoff = Backoff::new();
        let first = loop {
            match rx.try_pop() {
                Ok(msg) => break msg,
                Err(TryPopError::Empty) => backoff.snooze(),
                Err(_) => return 0,
            }
        };
        fill(buf, first, limit, || rx.try_pop().ok())
    }

    #[inline]
    fn try_send(tx: &Self::Tx, msg: Msg) -> Result<(), Msg> {
        tx.try_push(msg).map_err(PushError::into_inner)
    }

    #[inline]
    fn try_recv(rx: &mut Self::Rx) -> Option<Msg> {
        rx.try_pop().ok()
    }
}

/// A peer channel whose blocking `send`/`recv` return a `Result`: one line each.
macro_rules! blocking_peer {
    ($(#[$doc:meta])* $peer:ident, $name:literal, $tx:ty, $rx:ty, $pair:expr,
     send: |$stx:ident, $smsg:ident| $send:expr,
     recv: |$rrx:ident| $recv:expr,
     try_recv: |$trx:ident| $try_recv:expr,
     try_send: |$ttx:ident, $tmsg:ident| $try_send:expr $(,)?) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $peer;

        impl SyncPeer for $peer {
            const NAME: &'static str = $name;
            type Tx = $tx;
            type Rx = $rx;

            fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
                $pair(capacity)
            }

            #[inline]
            fn send($stx: &Self::Tx, $smsg: Msg) -> Outcome {
                $send.map_or(Outcome::Closed, |()| Outcome::Queued)
            }

            #[inline]
            fn recv_batch($rrx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
                let Some(first) = $recv else { return 0 };
                let $trx = &*$rrx;
                fill(buf, first, limit, || $try_recv)
            }

            #[inline]
            fn try_send($ttx: &Self::Tx, $tmsg: Msg) -> Result<(), Msg> {
                $try_send
            }

            #[inline]
            fn try_recv($trx: &mut Self::Rx) -> Option<Msg> {
                $try_recv
            }
        }
    };
}

blocking_peer!(
    /// `thingbuf::mpsc::blocking::channel`: `send` / `recv`.
    Thingbuf, "thingbuf_mpsc_blocking",
    thingbuf::mpsc::blocking::Sender<Msg>, thingbuf::mpsc::blocking::Receiver<Msg>,
    thingbuf::mpsc::blocking::channel,
    send: |tx, msg| tx.send(msg),
    recv: |rx| rx.recv(),
    try_recv: |rx| rx.try_recv().ok(),
    try_send: |tx, msg| tx.try_send(msg).map_err(thingbuf::mpsc::errors::TrySendError::into_inner),
);

blocking_peer!(
    /// `kanal::bounded`: `send` / `recv`.
    Kanal, "kanal",
    kanal::Sender<Msg>, kanal::Receiver<Msg>, kanal::bounded,
    send: |tx, msg| tx.send(msg),
    recv: |rx| rx.recv().ok(),
    try_recv: |rx| rx.try_recv().ok().flatten(),
    try_send: |tx, msg| {
        // `try_send_option` leaves the message in place when it cannot send it.
        let mut slot = Some(msg);
        match tx.try_send_option(&mut slot) {
            Ok(true) => Ok(()),
            _ => Err(slot.expect("kept when not sent")),
        }
    },
);

blocking_peer!(
    /// `crossbeam_channel::bounded`: `send` / `recv`.
    CrossbeamChannel, "crossbeam_channel",
    crossbeam_channel::Sender<Msg>, crossbeam_channel::Receiver<Msg>, crossbeam_channel::bounded,
    send: |tx, msg| tx.send(msg),
    recv: |rx| rx.recv().ok(),
    try_recv: |rx| rx.try_recv().ok(),
    try_send: |tx, msg| tx.try_send(msg).map_err(CbTrySendError::into_inner),
);

blocking_peer!(
    /// `async_channel::bounded` from plain threads: `send_blocking` / `recv_blocking`.
    AsyncChannel, "async_channel",
    async_channel::Sender<Msg>, async_channel::Receiver<Msg>, async_channel::bounded,
    send: |tx, msg| tx.send_blocking(msg),
    recv: |rx| rx.recv_blocking().ok(),
    try_recv: |rx| rx.try_recv().ok(),
    try_send: |tx, msg| tx.try_send(msg).map_err(async_channel::TrySendError::into_inner),
);

blocking_peer!(
    /// `flume::bounded`: `send` / `recv`.
    Flume, "flume",
    flume::Sender<Msg>, flume::Receiver<Msg>, flume::bounded,
    send: |tx, msg| tx.send(msg),
    recv: |rx| rx.recv().ok(),
    try_recv: |rx| rx.try_recv().ok(),
    try_send: |tx, msg| tx.try_send(msg).map_err(flume::TrySendError::into_inner),
);

blocking_peer!(
    /// `crossfire::mpsc::bounded_blocking`: `send` / `recv`.
    Crossfire, "crossfire",
    crossfire::MTx<crossfire::mpsc::Array<Msg>>, crossfire::Rx<crossfire::mpsc::Array<Msg>>,
    crossfire::mpsc::bounded_blocking,
    send: |tx, msg| tx.send(msg),
    recv: |rx| rx.recv().ok(),
    try_recv: |rx| rx.try_recv().ok(),
    try_send: |tx, msg| tx.try_send(msg).map_err(crossfire::TrySendError::into_inner),
);

/// `tokio::sync::mpsc::channel` outside any runtime: `blocking_send` / `blocking_recv_many`.
/// Carries any `M`: the actor benches' producer threads send into the same channel a task reads
/// with [`tasks::TokioMpsc`](crate::tasks::TokioMpsc).
#[derive(Debug)]
pub struct TokioMpsc;

impl TokioMpsc {
    /// [`SyncPeer::NAME`], to name without saying what the queue carries.
    pub const NAME: &'static str = "tokio_mpsc";
}

impl<M: Send> SyncPeer<M> for TokioMpsc {
    const NAME: &'static str = "tokio_mpsc";
    type Tx = tokio::sync::mpsc::Sender<M>;
    type Rx = tokio::sync::mpsc::Receiver<M>;

    fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
        tokio::sync::mpsc::channel(capacity)
    }

    #[inline]
    fn send(tx: &Self::Tx, msg: M) -> Outcome {
        tx.blocking_send(msg)
            .map_or(Outcome::Closed, |()| Outcome::Queued)
    }

    #[inline]
    fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<M>, limit: usize) -> usize {
        rx.blocking_recv_many(buf, limit)
    }

    #[inline]
    fn try_send(tx: &Self::Tx, msg: M) -> Result<(), M> {
        tx.try_send(msg)
            .map_err(tokio::sync::mpsc::error::TrySendError::into_inner)
    }

    #[inline]
    fn try_recv(rx: &mut Self::Rx) -> Option<M> {
        rx.try_recv().ok()
    }

    /// `poll_recv_many`, polled once.
    #[inline]
    fn try_recv_many(rx: &mut Self::Rx, buf: &mut Vec<M>, limit: usize) -> usize {
        poll_once(|cx| rx.poll_recv_many(cx, buf, limit))
    }
}

/// How [`Crossbeam`] emulates ryker's overflow policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerPolicy {
    /// `send` (blocks while full).
    Block,
    /// `try_send`; a full channel discards the new message.
    DropNewest,
    /// `try_send`; a full channel pops the oldest message through a receiver clone and retries.
    DropOldest,
}

/// `crossbeam_channel::bounded` under an overflow policy: `ryker enqueue`'s reference.
#[derive(Debug)]
pub struct Crossbeam;

/// A [`Crossbeam`] producer: the sender, a receiver clone for drop-oldest, and the policy.
#[derive(Debug, Clone)]
pub struct CrossbeamTx {
    tx: crossbeam_channel::Sender<Msg>,
    oldest: crossbeam_channel::Receiver<Msg>,
    policy: PeerPolicy,
}

impl Crossbeam {
    /// A channel of `capacity` whose producers follow `policy`.
    #[must_use]
    pub fn with_policy(
        capacity: usize,
        policy: PeerPolicy,
    ) -> (CrossbeamTx, crossbeam_channel::Receiver<Msg>) {
        let (tx, rx) = crossbeam_channel::bounded(capacity);
        (
            CrossbeamTx {
                tx,
                oldest: rx.clone(),
                policy,
            },
            rx,
        )
    }
}

impl SyncPeer for Crossbeam {
    const NAME: &'static str = "crossbeam_channel";
    type Tx = CrossbeamTx;
    type Rx = crossbeam_channel::Receiver<Msg>;

    fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
        Self::with_policy(capacity, PeerPolicy::Block)
    }

    #[inline]
    fn send(tx: &Self::Tx, msg: Msg) -> Outcome {
        match tx.policy {
            PeerPolicy::Block => match tx.tx.send(msg) {
                Ok(()) => Outcome::Queued,
                Err(_) => Outcome::Closed,
            },
            PeerPolicy::DropNewest => match tx.tx.try_send(msg) {
                Ok(()) => Outcome::Queued,
                Err(CbTrySendError::Full(_)) => Outcome::DroppedNewest,
                Err(CbTrySendError::Disconnected(_)) => Outcome::Closed,
            },
            PeerPolicy::DropOldest => {
                let mut msg = msg;
                let mut displaced = 0;
                loop {
                    match tx.tx.try_send(msg) {
                        Ok(()) if displaced > 0 => return Outcome::DisplacedOldest(displaced),
                        Ok(()) => return Outcome::Queued,
                        Err(CbTrySendError::Full(back)) => {
                            msg = back;
                            // Another producer or the consumer may win the race for the oldest
                            // message; count a displacement only when this producer removed one.
                            if tx.oldest.try_recv().is_ok() {
                                displaced += 1;
                            }
                        }
                        Err(CbTrySendError::Disconnected(_)) => return Outcome::Closed,
                    }
                }
            }
        }
    }

    #[inline]
    fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
        CrossbeamChannel::recv_batch(rx, buf, limit)
    }

    #[inline]
    fn try_send(tx: &Self::Tx, msg: Msg) -> Result<(), Msg> {
        CrossbeamChannel::try_send(&tx.tx, msg)
    }

    #[inline]
    fn try_recv(rx: &mut Self::Rx) -> Option<Msg> {
        CrossbeamChannel::try_recv(rx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two producers, then the consumer drains: every message once, then 0 (closed).
    fn drains<Q: SyncPeer>() {
        let (tx, mut rx) = Q::pair(8);
        let tx2 = tx.clone();
        assert_eq!(Q::send(&tx, Msg::new(0, 0)), Outcome::Queued, "{}", Q::NAME);
        drop(tx);
        assert_eq!(
            Q::send(&tx2, Msg::new(1, 0)),
            Outcome::Queued,
            "{}",
            Q::NAME
        );
        assert_eq!(
            Q::send(&tx2, Msg::new(1, 1)),
            Outcome::Queued,
            "{}",
            Q::NAME
        );
        drop(tx2);
        let mut buf = Vec::new();
        assert_eq!(Q::recv_batch(&mut rx, &mut buf, 1), 1, "{}", Q::NAME);
        assert_eq!(Q::recv_batch(&mut rx, &mut buf, 64), 2, "{}", Q::NAME);
        assert_eq!(Q::recv_batch(&mut rx, &mut buf, 64), 0, "{}", Q::NAME);
        let mut got: Vec<_> = buf.iter().map(|m| (m.producer, m.seq)).collect();
        got.sort_unstable();
        assert_eq!(got, [(0, 0), (1, 0), (1, 1)], "{}", Q::NAME);
    }

    /// Without waiting: a full queue hands the message back, an empty one gives nothing, and
    /// the batch receive takes what is ready.
    fn tries<Q: SyncPeer>() {
        let (tx, mut rx) = Q::pair(2);
        assert_eq!(Q::try_recv(&mut rx), None, "{}", Q::NAME);
        assert!(Q::try_send(&tx, Msg::new(0, 0)).is_ok(), "{}", Q::NAME);
        assert!(Q::try_send(&tx, Msg::new(0, 1)).is_ok(), "{}", Q::NAME);
        assert_eq!(
            Q::try_send(&tx, Msg::new(0, 2)).map_err(|m| m.seq),
            Err(2),
            "{}",
            Q::NAME
        );
        assert_eq!(Q::try_recv(&mut rx).map(|m| m.seq), Some(0), "{}", Q::NAME);
        let mut buf = Vec::new();
        assert_eq!(Q::try_recv_many(&mut rx, &mut buf, 8), 1, "{}", Q::NAME);
        assert_eq!(buf[0].seq, 1, "{}", Q::NAME);
        assert_eq!(Q::try_recv_many(&mut rx, &mut buf, 8), 0, "{}", Q::NAME);
    }

    #[test]
    fn every_peer_tries_without_waiting() {
        tries::<Ryker>();
        tries::<RykerRing>();
        tries::<RykerSplitRing>();
        tries::<ArrayQueue>();
        tries::<ThingBuf>();
        tries::<Thingbuf>();
        tries::<Kanal>();
        tries::<CrossbeamChannel>();
        tries::<Crossbeam>();
        tries::<AsyncChannel>();
        tries::<Flume>();
        tries::<Crossfire>();
        tries::<TokioMpsc>();
    }

    #[test]
    fn every_peer_delivers_each_message_once_and_then_reports_the_end() {
        drains::<Ryker>();
        drains::<RykerRing>();
        drains::<RykerSplitRing>();
        drains::<ArrayQueue>();
        drains::<ThingBuf>();
        drains::<Thingbuf>();
        drains::<Kanal>();
        drains::<CrossbeamChannel>();
        drains::<Crossbeam>();
        drains::<AsyncChannel>();
        drains::<Flume>();
        drains::<Crossfire>();
        drains::<TokioMpsc>();
    }

    #[test]
    fn the_crossbeam_reference_drops_the_newest_or_the_oldest_when_full() {
        let (tx, rx) = Crossbeam::with_policy(1, PeerPolicy::DropNewest);
        assert_eq!(Crossbeam::send(&tx, Msg::new(0, 0)), Outcome::Queued);
        assert_eq!(Crossbeam::send(&tx, Msg::new(0, 1)), Outcome::DroppedNewest);
        assert_eq!(rx.try_recv().map(|m| m.seq), Ok(0));
        let (tx, rx) = Crossbeam::with_policy(1, PeerPolicy::DropOldest);
        assert_eq!(Crossbeam::send(&tx, Msg::new(0, 0)), Outcome::Queued);
        assert_eq!(
            Crossbeam::send(&tx, Msg::new(0, 1)),
            Outcome::DisplacedOldest(1)
        );
        assert_eq!(rx.try_recv().map(|m| m.seq), Ok(1));
    }
}
