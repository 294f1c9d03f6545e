//! The peer queues driven by tasks on an async runtime, behind one trait, [`AsyncPeer`], and
//! what a producer task sends through: [`Producer`], for a peer's sender ([`PeerTx`]) and for a
//! ryker actor's `Addr` alike; and what an asking task asks through: [`Asker`], for a ryker
//! server's `Addr` and for a tokio mpsc sender whose messages carry a oneshot reply.
//!
//! A consumer takes up to `limit` messages per wake-up with [`AsyncPeer::recv_batch`] (ryker and
//! tokio with their `recv_many`, the others with one awaited receive and then [`fill`] from
//! `try_recv`), or one message per `.await` with [`AsyncPeer::recv`].
//!
//! Every peer moves [`Msg`] unless told otherwise: `AsyncPeer<M>` carries any `M` the channel
//! takes (thingbuf's recycling slots need `M: Sync + Default + Clone`, crossfire's send future
//! `M: Unpin`).

use std::future::Future;
use std::marker::PhantomData;

use ryker_core::mailbox::{Receiver, Sender};
use ryker_core::prelude::{Actor, Addr};

use crate::sync::{fill, ryker_mailbox};
use crate::Msg;

/// A queue under test carrying `M`, driven by tasks.
pub trait AsyncPeer<M: Send + 'static = Msg>: 'static {
    /// The queue's name in bench ids and tables.
    const NAME: &'static str;
    /// Producer handle, one clone per producer task. Dropping every clone ends the run.
    type Tx: Clone + Send + Sync + 'static;
    /// Consumer handle.
    type Rx: Send + 'static;

    /// A fresh queue of `capacity` slots.
    fn pair(capacity: usize) -> (Self::Tx, Self::Rx);

    /// Sends, waiting while the queue is full; `false` if the queue is closed.
    fn send(tx: &Self::Tx, msg: M) -> impl Future<Output = bool> + Send;

    /// Receives one message, waiting for it: the channel's own `recv().await`. `None` only once
    /// every producer is gone and the queue is drained.
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<M>> + Send;

    /// Appends between 1 and `limit` messages to `buf`, waiting for the first; returns 0 only
    /// once every producer is gone and the queue is drained.
    fn recv_batch(
        rx: &mut Self::Rx,
        buf: &mut Vec<M>,
        limit: usize,
    ) -> impl Future<Output = usize> + Send;
}

/// What a producer task sends through: a peer's sender ([`PeerTx`]) or a ryker actor's `Addr`.
pub trait Producer<M>: Clone + Send + Sync + 'static {
    /// Sends, waiting while the consumer's queue is full; `false` once the consumer is gone.
    fn send(&self, msg: M) -> impl Future<Output = bool> + Send;
}

/// An [`AsyncPeer`]'s sender as a [`Producer`].
pub struct PeerTx<Q: AsyncPeer<M>, M: Send + 'static = Msg>(pub Q::Tx, PhantomData<fn(M)>);

impl<Q: AsyncPeer<M>, M: Send + 'static> PeerTx<Q, M> {
    /// Wraps `tx`, a sender of `Q`.
    #[inline]
    #[must_use]
    pub fn new(tx: Q::Tx) -> Self {
        Self(tx, PhantomData)
    }
}

impl<Q: AsyncPeer<M>, M: Send + 'static> Clone for PeerTx<Q, M> {
    fn clone(&self) -> Self {
        Self::new(self.0.clone())
    }
}

impl<Q: AsyncPeer<M>, M: Send + 'static> std::fmt::Debug for PeerTx<Q, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PeerTx").field(&Q::NAME).finish()
    }
}

impl<Q: AsyncPeer<M>, M: Send + 'static> Producer<M> for PeerTx<Q, M> {
    #[inline]
    fn send(&self, msg: M) -> impl Future<Output = bool> + Send {
        Q::send(&self.0, msg)
    }
}

/// `tell().await`.
impl<A: Actor> Producer<A::Msg> for Addr<A> {
    #[inline]
    async fn send(&self, msg: A::Msg) -> bool {
        self.tell(msg).await.is_ok()
    }
}

/// What an asking task asks through: a request, then its reply, one round trip at a time.
pub trait Asker<Q, R>: Clone + Send + Sync + 'static {
    /// Sends `req`, waiting while the server's queue is full, then waits for the reply; `None`
    /// once the server is gone or if it dropped the request unanswered.
    fn ask(&self, req: Q) -> impl Future<Output = Option<R>> + Send;
}

/// The hand-written server's side: `(request, reply)` into a `tokio::sync::mpsc` channel, the
/// answer back on the `tokio::sync::oneshot`.
impl<Q: Send + 'static, R: Send + 'static> Asker<Q, R>
    for tokio::sync::mpsc::Sender<(Q, tokio::sync::oneshot::Sender<R>)>
{
    async fn ask(&self, req: Q) -> Option<R> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.send((req, reply)).await.ok()?;
        answer.await.ok()
    }
}

/// A peer channel with an awaited `send` and `recv` and a `try_recv`: one line each.
macro_rules! async_peer {
    ($(#[$doc:meta])* $peer:ident, $name:literal, <M: $($bound:path),+>, $tx:ty, $rx:ty, $pair:expr,
     send: |$stx:ident, $smsg:ident| $send:expr,
     recv: |$rrx:ident| $recv:expr,
     try_recv: |$trx:ident| $try_recv:expr $(,)?) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $peer;

        impl $peer {
            /// [`AsyncPeer::NAME`], to name without saying what the queue carries.
            pub const NAME: &'static str = $name;
        }

        impl<M: $($bound +)+ 'static> AsyncPeer<M> for $peer {
            const NAME: &'static str = $name;
            type Tx = $tx;
            type Rx = $rx;

            fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
                $pair(capacity)
            }

            #[inline]
            async fn send($stx: &Self::Tx, $smsg: M) -> bool {
                $send.is_ok()
            }

            #[inline]
            async fn recv($rrx: &mut Self::Rx) -> Option<M> {
                $recv
            }

            #[inline]
            async fn recv_batch($rrx: &mut Self::Rx, buf: &mut Vec<M>, limit: usize) -> usize {
                let Some(first) = $recv else { return 0 };
                let $trx = &*$rrx;
                fill(buf, first, limit, || $try_recv)
            }
        }
    };
}

/// A peer with an awaited `send` and a `recv_many`: ryker's mailbox and tokio's mpsc.
macro_rules! recv_many_peer {
    ($(#[$doc:meta])* $peer:ident, $name:literal, $tx:ty, $rx:ty, $pair:expr) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $peer;

        impl $peer {
            /// [`AsyncPeer::NAME`], to name without saying what the queue carries.
            pub const NAME: &'static str = $name;
        }

        impl<M: Send + 'static> AsyncPeer<M> for $peer {
            const NAME: &'static str = $name;
            type Tx = $tx;
            type Rx = $rx;

            fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
                $pair(capacity)
            }

            #[inline]
            async fn send(tx: &Self::Tx, msg: M) -> bool {
                tx.send(msg).await.is_ok()
            }

            #[inline]
            fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<M>> + Send {
                rx.recv()
            }

            #[inline]
            async fn recv_batch(rx: &mut Self::Rx, buf: &mut Vec<M>, limit: usize) -> usize {
                rx.recv_many(buf, limit).await
            }
        }
    };
}

recv_many_peer!(
    /// A ryker mailbox: `send().await` / `recv().await`, `recv_many().await`.
    Ryker, "ryker_mailbox", Sender<M>, Receiver<M>, ryker_mailbox
);

recv_many_peer!(
    /// `tokio::sync::mpsc::channel`: `send().await` / `recv().await`, `recv_many().await`.
    TokioMpsc, "tokio_mpsc",
    tokio::sync::mpsc::Sender<M>, tokio::sync::mpsc::Receiver<M>, tokio::sync::mpsc::channel
);

async_peer!(
    /// `async_channel::bounded`: `send().await` / `recv().await` + `try_recv`.
    AsyncChannel, "async_channel", <M: Send>,
    async_channel::Sender<M>, async_channel::Receiver<M>, async_channel::bounded,
    send: |tx, msg| tx.send(msg).await,
    recv: |rx| rx.recv().await.ok(),
    try_recv: |rx| rx.try_recv().ok(),
);

async_peer!(
    /// `flume::bounded`: `send_async` / `recv_async` + `try_recv`.
    Flume, "flume", <M: Send>,
    flume::Sender<M>, flume::Receiver<M>, flume::bounded,
    send: |tx, msg| tx.send_async(msg).await,
    recv: |rx| rx.recv_async().await.ok(),
    try_recv: |rx| rx.try_recv().ok(),
);

async_peer!(
    /// `kanal::bounded_async`: `send().await` / `recv().await` + `try_recv`.
    Kanal, "kanal", <M: Send>,
    kanal::AsyncSender<M>, kanal::AsyncReceiver<M>, kanal::bounded_async,
    send: |tx, msg| tx.send(msg).await,
    recv: |rx| rx.recv().await.ok(),
    try_recv: |rx| rx.try_recv().ok().flatten(),
);

async_peer!(
    /// `thingbuf::mpsc::channel`: `send().await` / `recv().await` + `try_recv`.
    Thingbuf, "thingbuf_mpsc", <M: Send, Sync, Default, Clone>,
    thingbuf::mpsc::Sender<M>, thingbuf::mpsc::Receiver<M>, thingbuf::mpsc::channel,
    send: |tx, msg| tx.send(msg).await,
    recv: |rx| rx.recv().await,
    try_recv: |rx| rx.try_recv().ok(),
);

async_peer!(
    /// `crossfire::mpsc::bounded_async`: `send().await` / `recv().await` + `try_recv`.
    Crossfire, "crossfire", <M: Send, Unpin>,
    crossfire::MAsyncTx<crossfire::mpsc::Array<M>>,
    crossfire::AsyncRx<crossfire::mpsc::Array<M>>,
    crossfire::mpsc::bounded_async,
    send: |tx, msg| tx.send(msg).await,
    recv: |rx| rx.recv().await.ok(),
    try_recv: |rx| rx.try_recv().ok(),
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::{Exec, Smol2, TokioCt, TokioHere, TokioMt2};

    /// Two producer tasks send 100 messages each; the consumer task takes every one, in order
    /// per producer, and then sees the end.
    fn drains<E: Exec, Q: AsyncPeer>(exec: &E) {
        let (tx, mut rx) = Q::pair(8);
        for producer in 0..2 {
            let tx = tx.clone();
            exec.spawn(async move {
                for seq in 0..100 {
                    assert!(Q::send(&tx, Msg::new(producer, seq)).await, "{}", Q::NAME);
                }
            });
        }
        drop(tx);
        let got = exec.run(async move {
            let mut buf = Vec::new();
            while Q::recv_batch(&mut rx, &mut buf, 16).await > 0 {}
            buf
        });
        for producer in 0..2 {
            let seqs: Vec<u64> = got
                .iter()
                .filter(|m| m.producer == producer)
                .map(|m| m.seq)
                .collect();
            assert_eq!(
                seqs,
                (0..100).collect::<Vec<_>>(),
                "{} on {}",
                Q::NAME,
                E::NAME
            );
        }
    }

    fn each<E: Exec>(exec: &E) {
        drains::<E, Ryker>(exec);
        drains::<E, TokioMpsc>(exec);
        drains::<E, AsyncChannel>(exec);
        drains::<E, Flume>(exec);
        drains::<E, Kanal>(exec);
        drains::<E, Thingbuf>(exec);
        drains::<E, Crossfire>(exec);
    }

    #[test]
    fn every_peer_delivers_every_message_in_order_on_every_executor() {
        each(&TokioCt::new());
        each(&TokioHere::new());
        each(&TokioMt2::new());
        each(&Smol2::new());
    }
}
