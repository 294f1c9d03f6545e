//! The peer queues driven by tasks on an async runtime, behind one trait, [`AsyncPeer`].
//!
//! Every consumer takes up to `limit` messages per wake-up: ryker and tokio with their
//! `recv_many`, the others with one awaited receive and then [`fill`] from `try_recv`.

use std::future::Future;

use ryker_core::mailbox::{Receiver, Sender};

use crate::sync::{fill, ryker_mailbox};
use crate::Msg;

/// A queue under test, driven by tasks.
pub trait AsyncPeer: 'static {
    /// The queue's name in bench ids and tables.
    const NAME: &'static str;
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

/// A peer channel with an awaited `send` and `recv` and a `try_recv`: one line each.
macro_rules! async_peer {
    ($(#[$doc:meta])* $peer:ident, $name:literal, $tx:ty, $rx:ty, $pair:expr,
     send: |$stx:ident, $smsg:ident| $send:expr,
     recv: |$rrx:ident| $recv:expr,
     try_recv: |$trx:ident| $try_recv:expr $(,)?) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $peer;

        impl AsyncPeer for $peer {
            const NAME: &'static str = $name;
            type Tx = $tx;
            type Rx = $rx;

            fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
                $pair(capacity)
            }

            #[inline]
            async fn send($stx: &Self::Tx, $smsg: Msg) -> bool {
                $send.is_ok()
            }

            #[inline]
            async fn recv_batch($rrx: &mut Self::Rx, buf: &mut Vec<Msg>, limit: usize) -> usize {
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

        impl AsyncPeer for $peer {
            const NAME: &'static str = $name;
            type Tx = $tx;
            type Rx = $rx;

            fn pair(capacity: usize) -> (Self::Tx, Self::Rx) {
                $pair(capacity)
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
    };
}

recv_many_peer!(
    /// A ryker mailbox: `send().await` / `recv_many().await`.
    Ryker, "ryker_mailbox", Sender<Msg>, Receiver<Msg>, ryker_mailbox
);

recv_many_peer!(
    /// `tokio::sync::mpsc::channel`: `send().await` / `recv_many().await`.
    TokioMpsc, "tokio_mpsc",
    tokio::sync::mpsc::Sender<Msg>, tokio::sync::mpsc::Receiver<Msg>, tokio::sync::mpsc::channel
);

async_peer!(
    /// `async_channel::bounded`: `send().await` / `recv().await` + `try_recv`.
    AsyncChannel, "async_channel",
    async_channel::Sender<Msg>, async_channel::Receiver<Msg>, async_channel::bounded,
    send: |tx, msg| tx.send(msg).await,
    recv: |rx| rx.recv().await.ok(),
    try_recv: |rx| rx.try_recv().ok(),
);

async_peer!(
    /// `flume::bounded`: `send_async` / `recv_async` + `try_recv`.
    Flume, "flume",
    flume::Sender<Msg>, flume::Receiver<Msg>, flume::bounded,
    send: |tx, msg| tx.send_async(msg).await,
    recv: |rx| rx.recv_async().await.ok(),
    try_recv: |rx| rx.try_recv().ok(),
);

async_peer!(
    /// `kanal::bounded_async`: `send().await` / `recv().await` + `try_recv`.
    Kanal, "kanal",
    kanal::AsyncSender<Msg>, kanal::AsyncReceiver<Msg>, kanal::bounded_async,
    send: |tx, msg| tx.send(msg).await,
    recv: |rx| rx.recv().await.ok(),
    try_recv: |rx| rx.try_recv().ok().flatten(),
);

async_peer!(
    /// `thingbuf::mpsc::channel`: `send().await` / `recv().await` + `try_recv`.
    Thingbuf, "thingbuf_mpsc",
    thingbuf::mpsc::Sender<Msg>, thingbuf::mpsc::Receiver<Msg>, thingbuf::mpsc::channel,
    send: |tx, msg| tx.send(msg).await,
    recv: |rx| rx.recv().await,
    try_recv: |rx| rx.try_recv().ok(),
);

async_peer!(
    /// `crossfire::mpsc::bounded_async`: `send().await` / `recv().await` + `try_recv`.
    Crossfire, "crossfire",
    crossfire::MAsyncTx<crossfire::mpsc::Array<Msg>>,
    crossfire::AsyncRx<crossfire::mpsc::Array<Msg>>,
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
