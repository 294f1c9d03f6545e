//! The two queues a run can drive: a ryker mailbox and the `crossbeam_channel::bounded` reference.
//!
//! Both are driven by the same producer/consumer code in `enqueue.rs`, so the only difference
//! between the two numbers is the queue.

use crossbeam_channel::TrySendError as CbTrySendError;
use ryker_core::error::SendError;
use ryker_core::mailbox::{Receiver, Sender, Sent};

use crate::payload::Msg;

/// What happened to one message handed to `send`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Queued without displacing anything.
    Queued,
    /// Queued after discarding this many of the oldest queued messages (possibly other producers').
    DisplacedOldest(u64),
    /// Discarded because the queue was full (drop-newest).
    DroppedNewest,
    /// The receiving side is gone; the run is broken.
    Closed,
}

/// The queue under test, as seen by the shared driver.
pub(crate) trait Transport {
    /// Producer handle, one clone per producer thread. Dropping every clone ends the run.
    type Tx: Clone + Send;
    /// Consumer handle.
    type Rx: Send;

    /// Sends one message, waiting while the queue is full if the overflow policy says so.
    fn send(tx: &Self::Tx, msg: Msg) -> Outcome;

    /// Appends between 1 and `limit` messages to `buf`, waiting for the first;
    /// returns 0 only once every producer is gone and the queue is drained.
    fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize;
}

/// A ryker mailbox: `send_blocking` on the producers, `recv_many_blocking`
/// (or `recv_blocking` for a batch of 1) on the consumer.
#[derive(Debug)]
pub(crate) struct Ryker;

impl Transport for Ryker {
    type Tx = Sender<Msg>;
    type Rx = Receiver<Msg>;

    #[inline]
    fn send(tx: &Self::Tx, msg: Msg) -> Outcome {
        match tx.send_blocking(msg) {
            Ok(Sent::Queued) => Outcome::Queued,
            Ok(Sent::DisplacedOldest) => Outcome::DisplacedOldest(1),
            // `Sent` is non-exhaustive; a new way of queuing still queued the message.
            Ok(_) => Outcome::Queued,
            Err(SendError::Dropped) => Outcome::DroppedNewest,
            Err(SendError::Closed(_)) => Outcome::Closed,
        }
    }

    #[inline]
    fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
        if limit == 1 {
            rx.recv_blocking().map_or(0, |msg| {
                buf.push(msg);
                1
            })
        } else {
            rx.recv_many_blocking(buf, limit)
        }
    }
}

/// How the crossbeam reference emulates ryker's overflow policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PeerPolicy {
    /// `send` (blocks while full).
    Block,
    /// `try_send`; a full channel discards the new message.
    DropNewest,
    /// `try_send`; a full channel pops the oldest message through a receiver clone and retries.
    DropOldest,
}

/// `crossbeam_channel::bounded`, the reference number.
#[derive(Debug)]
pub(crate) struct Crossbeam;

/// A crossbeam producer: the sender, a receiver clone for drop-oldest, and the policy.
#[derive(Debug, Clone)]
pub(crate) struct CrossbeamTx {
    tx: crossbeam_channel::Sender<Msg>,
    oldest: crossbeam_channel::Receiver<Msg>,
    policy: PeerPolicy,
}

impl Crossbeam {
    pub(crate) fn pair(
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

impl Transport for Crossbeam {
    type Tx = CrossbeamTx;
    type Rx = crossbeam_channel::Receiver<Msg>;

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
        let Ok(first) = rx.recv() else { return 0 };
        buf.push(first);
        let mut n = 1;
        while n < limit {
            match rx.try_recv() {
                Ok(msg) => {
                    buf.push(msg);
                    n += 1;
                }
                Err(_) => break,
            }
        }
        n
    }
}
