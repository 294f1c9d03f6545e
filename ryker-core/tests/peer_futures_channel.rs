//! futures-channel 0.3's bounded `mpsc` tests (futures-channel 0.3.34, `tests/mpsc.rs` and
//! `tests/mpsc-close.rs`, the `mpsc::channel(n)` parts), ported to the mailbox as an
//! independent check: each test names the futures-channel test it comes from. The code is
//! ours, written against ryker's API. Small ports run inside another test of the same file (a
//! plain `fn`, called at the end of the `#[test]`): each test costs Miri a fixed tenth of a
//! second or so, and this file must stay within its Miri budget.
//!
//! Where the mailbox deliberately differs, the test asserts what the mailbox does and says
//! why:
//! * futures' `channel(n)` holds `n` messages plus one per sender (each sender has a slot of
//!   its own); the mailbox's capacity is the number of slots, shared by every sender. So
//!   `channel(0)` is a mailbox of one slot here (capacity 0 is a configuration error), and
//!   where a test counts on the extra slot (`try_send_recv`) the capacity is one more.
//! * futures' `Sender::disconnect` and `Sink::poll_close` close one sender and leave the
//!   channel open for the others; the mailbox has no per-sender close: a sender leaves by
//!   being dropped, `Sender::close` closes the mailbox for all (futures' `close_channel`),
//!   and `PollSender`'s `poll_close` flushes and leaves the mailbox open.
//! * `poll_ready` + `start_send` is `poll_reserve` + `Permit::send`. A permit holds its slot:
//!   one asked for only to see whether a slot is free must be used (a dropped permit's slot
//!   is free again once the receiver has stepped over it).
//! * `try_send` into a full mailbox answers `Busy` (futures' `is_full`), into a closed one
//!   `Closed` (`is_disconnected`); the end of the stream is `None` from `recv` and
//!   `TryRecvError::Closed` from `try_recv`.
//!
//! Not ported, and why:
//! * unbounded channels: `stress_shared_unbounded`, `test_unbounded_recv`, `unbounded_len`,
//!   `unbounded_try_next_after_none`, `unbounded_try_recv_after_none` and the `unbounded()`
//!   halves of `multiple_senders_disconnect`, `multiple_senders_close_channel` and
//!   `single_receiver_drop_closes_channel_and_drains`: ryker is bounded only.
//!   `stress_close_receiver` is unbounded in futures; its scenario is ported to a bounded
//!   mailbox (`stress_close_receiver`), where the close also meets a sender waiting for a slot.
//! * `is_connected_to` and `hash_receiver`: the receiver has no identity to compare a sender
//!   with, and the sender does not implement `Hash` (the actor layer's `Addr` does);
//!   `same_receiver` is ported with `same_channel`.
//! * `spawn_sends_items`, `spawn_kill_dead_stream`: commented out in futures' own file.
//! * `Stream`/`Sink` combinators (`collect`, `take`, `for_each`, `block_on_stream`): they need
//!   the `futures` feature, which the Miri run does not enable; the tests receive with `recv`
//!   loops instead, and tests/futures.rs covers the `Stream` and `Sink` impls.

mod common;

use std::future::poll_fn;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};
use std::thread;

/// futures' `mpsc::channel(n)`, for `n` from 1: `n` slots (see the header for `channel(0)`).
use common::with_capacity as bounded;
use common::{pause, pick, poll_once, CountingWaker};
use futures::executor::block_on;
use futures::task::noop_waker_ref;
use ryker_core::error::{Closed, SendError, TryRecvError, TrySendError};
use ryker_core::mailbox::{channel, Receiver, Sender, Sent};

/// Receives until the end with `recv().await` (futures' `rx.collect()`).
fn collect<T>(rx: &mut Receiver<T>) -> Vec<T> {
    block_on(async {
        let mut out = Vec::new();
        while let Some(v) = rx.recv().await {
            out.push(v);
        }
        out
    })
}

/// Checks exactly-once, in-order delivery of `(sender, sequence)` messages.
fn assert_in_order(received: &[(usize, usize)], senders: usize, per_sender: usize) {
    let mut next = vec![0; senders];
    for &(k, i) in received {
        assert_eq!(i, next[k], "sender {k}: lost, repeated or reordered");
        next[k] += 1;
    }
    assert!(next.iter().all(|&n| n == per_sender), "received {next:?}");
}

mod mpsc {
    //! futures-channel 0.3.34 `tests/mpsc.rs`, bounded parts.
    use super::*;

    // futures-channel mpsc.rs `AssertSend` and `send_recv`
    #[test]
    fn send_recv() {
        fn assert_send<T: Send>() {}
        assert_send::<Sender<i32>>();
        assert_send::<Receiver<i32>>();

        let (tx, mut rx) = channel::<i32>(bounded(16));
        block_on(tx.send(1)).unwrap();
        drop(tx);
        assert_eq!(collect(&mut rx), [1]);
        send_shared_recv();
        tx_close_gets_none();
    }

    // futures-channel mpsc.rs `send_shared_recv`
    fn send_shared_recv() {
        let (tx1, mut rx) = channel::<i32>(bounded(16));
        let tx2 = tx1.clone();
        block_on(tx1.send(1)).unwrap();
        assert_eq!(rx.blocking_recv(), Some(1));
        block_on(tx2.send(2)).unwrap();
        assert_eq!(rx.blocking_recv(), Some(2));
    }

    // futures-channel mpsc.rs `tx_close_gets_none`
    fn tx_close_gets_none() {
        let (_, mut rx) = channel::<i32>(bounded(10));
        let mut cx = Context::from_waker(noop_waker_ref());
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(None));
    }

    // futures-channel mpsc.rs `send_recv_no_buffer`: `channel(0)` (one slot here), driven by
    // hand in one task: `poll_ready`/`start_send` as `poll_reserve`/`Permit::send`
    #[test]
    fn send_recv_no_buffer() {
        let (mut tx, mut rx) = channel::<i32>(bounded(1));
        block_on(poll_fn(|cx| {
            match tx.poll_reserve(cx) {
                Poll::Ready(Ok(permit)) => permit.send(1),
                other => panic!("an empty mailbox answered {:?}", other.map(drop)),
            }
            assert!(tx.poll_reserve(cx).is_pending());
            // No room: a new send is refused as full.
            assert_eq!(tx.try_send(0), Err(TrySendError::Busy(0)));
            assert!(tx.poll_reserve(cx).is_pending());

            assert_eq!(rx.poll_recv(cx), Poll::Ready(Some(1)));
            match tx.poll_reserve(cx) {
                Poll::Ready(Ok(permit)) => permit.send(2),
                other => panic!("a free slot answered {:?}", other.map(drop)),
            }
            assert!(tx.poll_reserve(cx).is_pending());

            assert_eq!(rx.poll_recv(cx), Poll::Ready(Some(2)));
            match tx.poll_reserve(cx) {
                Poll::Ready(Ok(permit)) => permit.send(3),
                other => panic!("a free slot answered {:?}", other.map(drop)),
            }
            assert_eq!(rx.poll_recv(cx), Poll::Ready(Some(3)));
            Poll::Ready(())
        }));
    }

    // futures-channel mpsc.rs `send_recv_threads`, `send_recv_threads_no_capacity`
    #[test]
    fn send_recv_threads() {
        let (tx, mut rx) = channel::<i32>(bounded(16));
        let t = thread::spawn(move || block_on(tx.send(1)).unwrap());
        assert_eq!(block_on(rx.recv()), Some(1));
        t.join().unwrap();

        // `channel(0)`: one slot; the second send waits for the first to be received.
        let (tx, mut rx) = channel::<i32>(bounded(1));
        let t = thread::spawn(move || {
            block_on(tx.send(1)).unwrap();
            block_on(tx.send(2)).unwrap();
        });
        assert_eq!(collect(&mut rx), [1, 2]);
        t.join().unwrap();
    }

    // futures-channel mpsc.rs `recv_close_gets_none`: after the receiver's close, the
    // receive ends and a sender's `poll_ready` answers disconnected
    #[test]
    fn recv_close_gets_none() {
        let (mut tx, mut rx) = channel::<i32>(bounded(10));
        block_on(poll_fn(|cx| {
            rx.close();
            assert_eq!(rx.poll_recv(cx), Poll::Ready(None));
            match tx.poll_reserve(cx) {
                Poll::Ready(Err(Closed)) => {}
                other => panic!("a closed mailbox answered {:?}", other.map(|r| r.map(drop))),
            }
            Poll::Ready(())
        }));
        assert_eq!(tx.try_send(1), Err(TrySendError::Closed(1)));
        close_wakes_every_waiting_sender();
    }

    // futures-channel mpsc.rs `recv_close_gets_none`, with senders waiting: the receiver's
    // close wakes every sender waiting for a slot (in `send`, `blocking_send`, `reserve` and
    // `poll_reserve`), each refused with its message, while what was queued before the close
    // is still received
    fn close_wakes_every_waiting_sender() {
        let (tx, mut rx) = channel::<i32>(bounded(2));
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        thread::scope(|s| {
            let waiting = [
                s.spawn(|| block_on(tx.send(3)).map(drop)),
                s.spawn(|| tx.blocking_send(4).map(drop)),
                s.spawn(|| {
                    block_on(tx.reserve())
                        .map(|permit| permit.send(5))
                        .map_err(|Closed| SendError::Closed(5))
                }),
                s.spawn(|| {
                    let mut tx = tx.clone();
                    block_on(poll_fn(|cx| {
                        tx.poll_reserve(cx).map(|r| r.map(|p| p.send(6)))
                    }))
                    .map_err(|Closed| SendError::Closed(6))
                }),
            ];
            pause(); // lets them wait (only orders: a late one is refused without waiting)
            rx.close();
            let mut refused: Vec<i32> = waiting
                .into_iter()
                .map(|t| match t.join().unwrap() {
                    Err(SendError::Closed(back)) => back,
                    other => panic!("a waiting sender got {other:?} at the close"),
                })
                .collect();
            refused.sort_unstable();
            assert_eq!(refused, [3, 4, 5, 6]);
        });
        assert_eq!(collect(&mut rx), [1, 2]);
    }

    // futures-channel mpsc.rs `stress_shared_bounded_hard`: eight senders, one slot
    #[test]
    fn stress_shared_bounded_hard() {
        let (amt, threads) = (pick(2_000, 3), pick(8, 2));
        let (tx, mut rx) = channel::<(usize, usize)>(bounded(1));
        let received = thread::scope(|s| {
            let receiver = s.spawn(move || collect(&mut rx));
            for k in 0..threads {
                let tx = tx.clone();
                s.spawn(move || {
                    for i in 0..amt {
                        block_on(tx.send((k, i))).unwrap();
                    }
                });
            }
            drop(tx);
            receiver.join().unwrap()
        });
        assert_in_order(&received, threads, amt);
    }

    // futures-channel mpsc.rs `stress_receiver_multi_task_bounded_hard`: the one receiver,
    // behind a lock, taken in turns by two threads, each either waiting for a message
    // (`recv().await`) or polling once with a waker that does nothing, until the end
    #[test]
    fn stress_receiver_multi_task_bounded_hard() {
        let amt = pick(2_000, 4);
        let (tx, rx) = channel::<usize>(bounded(1));
        let rx = Mutex::new(Some(rx));
        let n = AtomicUsize::new(0);
        thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    for i in 1usize.. {
                        let mut slot = rx.lock().unwrap();
                        let Some(rx) = slot.as_mut() else { return };
                        let got = if i % 5 == 0 {
                            Poll::Ready(block_on(rx.recv()))
                        } else {
                            rx.poll_recv(&mut Context::from_waker(noop_waker_ref()))
                        };
                        match got {
                            Poll::Ready(Some(_)) => {
                                n.fetch_add(1, Ordering::Relaxed);
                            }
                            Poll::Ready(None) => {
                                *slot = None;
                                return;
                            }
                            Poll::Pending => {
                                drop(slot);
                                thread::yield_now();
                            }
                        }
                    }
                });
            }
            for i in 0..amt {
                block_on(tx.send(i)).unwrap();
            }
            drop(tx);
        });
        assert_eq!(n.load(Ordering::Relaxed), amt);
    }

    // futures-channel mpsc.rs `stress_drop_sender`: the receiver gets everything a sender
    // sent before it was dropped, then the end
    #[test]
    fn stress_drop_sender() {
        for _ in 0..pick(1_000, 3) {
            let (tx, mut rx) = channel::<i32>(bounded(1));
            let t = thread::spawn(move || {
                block_on(async move {
                    for i in 1..=3 {
                        tx.send(i).await.unwrap();
                    }
                })
            });
            assert_eq!(collect(&mut rx), [1, 2, 3]);
            t.join().unwrap();
        }
    }

    // futures-channel mpsc.rs `stress_close_receiver` (unbounded in futures; four slots here,
    // so that the close may meet the sender waiting for one): after the receiver's close it
    // still gets every message accepted before, in order, and the first one refused is the
    // one after the last it got
    #[test]
    fn stress_close_receiver() {
        for _ in 0..pick(1_000, 3) {
            let (tx, mut rx) = channel::<usize>(bounded(4));
            let sender = thread::spawn(move || {
                for i in 1.. {
                    if let Err(SendError::Closed(back)) = block_on(tx.send(i)) {
                        return back;
                    }
                }
                unreachable!()
            });
            // One message first, so that the sender has started.
            assert_eq!(block_on(rx.recv()), Some(1));
            rx.close();
            let mut next = 2;
            while let Some(i) = block_on(rx.recv()) {
                assert_eq!(i, next);
                next += 1;
            }
            assert_eq!(
                sender.join().unwrap(),
                next,
                "the first refused follows the last"
            );
        }
        stress_close_receiver_every_send_kind();
    }

    // futures-channel mpsc.rs `stress_close_receiver`, with four senders racing the close, one
    // of each waiting kind (`send`, `blocking_send`, `reserve`, `poll_reserve`), into two
    // slots: for each, every message accepted before the close is received, in order, and
    // its first refused message is the one after the last received
    fn stress_close_receiver_every_send_kind() {
        const KINDS: usize = 4;
        for round in 0..pick(300, 2) {
            let (tx, mut rx) = channel::<(usize, usize)>(bounded(2));
            thread::scope(|s| {
                let senders: Vec<_> = (0..KINDS)
                    .map(|k| {
                        let mut tx = tx.clone();
                        s.spawn(move || {
                            for i in 0.. {
                                let msg = (k, i);
                                let accepted = match k {
                                    0 => block_on(tx.send(msg)).is_ok(),
                                    1 => tx.blocking_send(msg).is_ok(),
                                    2 => block_on(tx.reserve()).map(|p| p.send(msg)).is_ok(),
                                    _ => block_on(poll_fn(|cx| {
                                        tx.poll_reserve(cx).map(|r| r.map(|p| p.send(msg)))
                                    }))
                                    .is_ok(),
                                };
                                if !accepted {
                                    return i;
                                }
                            }
                            unreachable!()
                        })
                    })
                    .collect();
                drop(tx);
                let mut next = [0usize; KINDS];
                let mut take = |(k, i): (usize, usize)| {
                    assert_eq!(i, next[k], "round {round}, sender {k}");
                    next[k] += 1;
                };
                // A few messages first (a varying number), so that the senders are under way.
                for _ in 0..1 + round % 5 {
                    take(block_on(rx.recv()).unwrap());
                }
                rx.close();
                while let Some(msg) = block_on(rx.recv()) {
                    take(msg);
                }
                for (k, sender) in senders.into_iter().enumerate() {
                    let refused = sender.join().unwrap();
                    assert_eq!(refused, next[k], "round {round}, sender {k}");
                }
            });
        }
    }

    // futures-channel mpsc.rs `stress_poll_ready`: once `poll_ready` (here `poll_reserve`)
    // has answered ready, the send cannot wait or fail; eight senders, capacities 0 (one slot
    // here), 1, 8 and 16. A quarter of futures' messages per sender: while only `poll_reserve`
    // callers wait, each freed slot wakes all of them (documented on `poll_reserve`), so with
    // one slot and eight of them this runs some ten times slower per message than `send`.
    #[test]
    fn stress_poll_ready() {
        let (amt, threads) = (pick(250, 3), pick(8, 2));
        for capacity in [1, 1, 8, 16].into_iter().take(pick(4, 1)) {
            let (tx, mut rx) = channel::<(usize, usize)>(bounded(capacity));
            let received = thread::scope(|s| {
                for k in 0..threads {
                    let mut tx = tx.clone();
                    s.spawn(move || {
                        for i in 0..amt {
                            block_on(poll_fn(|cx| {
                                tx.poll_reserve(cx).map(|r| r.unwrap().send((k, i)))
                            }));
                        }
                    });
                }
                drop(tx);
                collect(&mut rx)
            });
            assert_in_order(&received, threads, amt);
        }
    }

    // futures-channel mpsc.rs `test_bounded_recv`: three messages, then the end once the
    // sender (dropped at the end of its task) is gone; the sender's "I am done" goes through
    // a mailbox of its own (futures: a oneshot)
    #[test]
    fn bounded_recv() {
        let (done_tx, mut done_rx) = channel::<()>(bounded(1));
        let (tx, mut rx) = channel::<i32>(bounded(1));
        let t = thread::spawn(move || {
            block_on(async move {
                {
                    let tx = tx;
                    for i in 1..=3 {
                        tx.send(i).await.unwrap();
                    }
                }
                done_tx.send(()).await.unwrap();
            })
        });
        let res = block_on(async {
            let mut res = Vec::new();
            for _ in 0..3 {
                res.push(rx.recv().await.unwrap());
            }
            assert_eq!(done_rx.recv().await, Some(()));
            assert_eq!(rx.recv().await, None);
            res
        });
        assert_eq!(res, [1, 2, 3]);
        t.join().unwrap();
    }

    // futures-channel mpsc.rs `try_send_1`: `channel(0)` (one slot), a sender spinning on
    // `try_send`, the receiver taking every message in order
    #[test]
    fn try_send_1() {
        let n = pick(3_000, 5);
        let (tx, mut rx) = channel::<usize>(bounded(1));
        let t = thread::spawn(move || {
            for i in 0..n {
                let mut msg = i;
                loop {
                    match tx.try_send(msg) {
                        Ok(_) => break,
                        Err(TrySendError::Busy(back)) => {
                            msg = back;
                            thread::yield_now();
                        }
                        Err(err) => panic!("{err:?}"),
                    }
                }
            }
        });
        let result = collect(&mut rx);
        assert_eq!(result, (0..n).collect::<Vec<_>>());
        t.join().unwrap();
    }

    // futures-channel mpsc.rs `try_send_2`: `channel(0)` (one slot) holds "hello"; another
    // thread's `poll_ready` waits, then it sends "goodbye", which waits for the slot
    #[test]
    fn try_send_2() {
        let (mut tx, mut rx) = channel::<&str>(bounded(1));
        tx.try_send("hello").unwrap();
        // The sender's "I have seen the mailbox full" (futures: a oneshot dropped).
        let (ready_tx, mut ready_rx) = channel::<()>(bounded(1));
        let th = thread::spawn(move || {
            block_on(poll_fn(|cx| {
                assert!(tx.poll_reserve(cx).is_pending());
                Poll::Ready(())
            }));
            drop(ready_tx);
            // The same sender, its `poll_reserve` left waiting: `send` gives that up first.
            block_on(tx.send("goodbye")).unwrap();
        });
        assert_eq!(ready_rx.blocking_recv(), None);
        assert_eq!(rx.blocking_recv(), Some("hello"));
        assert_eq!(rx.blocking_recv(), Some("goodbye"));
        assert_eq!(rx.blocking_recv(), None);
        th.join().unwrap();
    }

    // futures-channel mpsc.rs `try_send_fail`
    #[test]
    fn try_send_fail() {
        let (tx, mut rx) = channel::<&str>(bounded(1));
        tx.try_send("hello").unwrap();
        assert_eq!(tx.try_send("fail"), Err(TrySendError::Busy("fail")));
        assert_eq!(rx.blocking_recv(), Some("hello"));
        tx.try_send("goodbye").unwrap();
        drop(tx);
        assert_eq!(rx.blocking_recv(), Some("goodbye"));
        assert_eq!(rx.blocking_recv(), None);
        try_send_recv();
        same_receiver();
    }

    // futures-channel mpsc.rs `try_send_recv`. Differs: futures' `channel(1)` with one sender
    // holds two messages (one more per sender); the mailbox with room for two has capacity 2.
    fn try_send_recv() {
        let (tx, mut rx) = channel::<&str>(bounded(2));
        tx.try_send("hello").unwrap();
        tx.try_send("hello").unwrap();
        assert_eq!(tx.try_send("hello"), Err(TrySendError::Busy("hello")));
        rx.try_recv().unwrap();
        rx.try_recv().unwrap();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        tx.try_send("hello").unwrap();
        rx.try_recv().unwrap();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    }

    // futures-channel mpsc.rs `same_receiver`, as `same_channel`. Differs: futures' disconnected
    // sender no longer shares its receiver; a sender here leaves only by being dropped, and
    // `close` (futures' `close_channel`) closes the mailbox for all and keeps the identity.
    fn same_receiver() {
        let (txa1, _rxa) = channel::<i32>(bounded(1));
        let txa2 = txa1.clone();
        let (txb1, _rxb) = channel::<i32>(bounded(1));
        let txb2 = txb1.clone();
        assert!(txa1.same_channel(&txa2));
        assert!(txb1.same_channel(&txb2));
        assert!(!txa1.same_channel(&txb1));
        assert!(txa1.downgrade().same_channel(&txa2.downgrade()));
        txb1.close();
        assert!(txb1.same_channel(&txb2));
        assert!(!txa2.same_channel(&txb2));
    }

    // futures-channel mpsc.rs `send_backpressure`, `send_backpressure_multi_senders`: a send
    // into the full mailbox waits, unwoken, until the receiver takes a message; it is woken
    // once, and then goes through
    #[test]
    fn send_backpressure() {
        for other_sender in [false, true] {
            let (tx1, mut rx) = channel::<i32>(bounded(1));
            let tx2 = tx1.clone();
            block_on(tx1.send(1)).unwrap();
            let tx = if other_sender { &tx2 } else { &tx1 };
            let (wakes, waker) = CountingWaker::new();
            let mut task = pin!(tx.send(2));
            assert!(poll_once(task.as_mut(), &waker).is_pending());
            assert_eq!(wakes.count(), 0);
            assert_eq!(block_on(rx.recv()), Some(1));
            assert_eq!(wakes.count(), 1);
            assert_eq!(
                poll_once(task.as_mut(), &waker),
                Poll::Ready(Ok(Sent::Queued))
            );
            assert_eq!(block_on(rx.recv()), Some(2));
        }
    }
}

mod mpsc_close {
    //! futures-channel 0.3.34 `tests/mpsc-close.rs`, bounded parts.
    use super::*;

    // futures-channel mpsc-close.rs `smoke`: a sender sending until refused; the receiver
    // takes three and is dropped, which must end the sender's loop
    #[test]
    fn smoke() {
        let (tx, mut rx) = channel::<i32>(bounded(1));
        let t = thread::spawn(move || {
            let mut sent = 0;
            while block_on(tx.send(42)).is_ok() {
                sent += 1;
            }
            sent
        });
        for _ in 0..3 {
            assert_eq!(block_on(rx.recv()), Some(42));
        }
        drop(rx);
        // Three received, and at most the slot's one queued when the receiver went.
        assert!((3..=4).contains(&t.join().unwrap()));
        multiple_senders_close_channel();
        bounded_try_recv_after_none();
    }

    // futures-channel mpsc-close.rs `multiple_senders_disconnect`. Differs: no per-sender
    // `disconnect` or sink close in ryker (see the header): senders leave by being dropped.
    // The mailbox stays open while one is left, and closes with the last.
    #[test]
    fn multiple_senders_disconnect() {
        let (tx1, mut rx) = channel::<i32>(bounded(1));
        let (tx2, tx3, tx4) = (tx1.clone(), tx1.clone(), tx1.clone());
        drop(tx1);
        drop(tx2);
        #[cfg(feature = "futures")]
        {
            // A sink's close flushes and leaves the mailbox open (futures: closes that sender).
            use futures::SinkExt;
            let mut sink = ryker_core::mailbox::PollSender::new(tx3.clone());
            block_on(sink.close()).unwrap();
            assert!(!sink.get_ref().is_closed());
        }
        drop(tx3);
        assert!(!tx4.is_closed());
        assert_eq!(tx4.strong_count(), 1);
        block_on(tx4.send(5)).unwrap();
        assert_eq!(block_on(rx.recv()), Some(5));
        drop(tx4);
        assert_eq!(block_on(rx.recv()), None);
        single_receiver_drop_closes_channel_and_drains();
    }

    // futures-channel mpsc-close.rs `multiple_senders_close_channel`: one sender's close
    // (futures' `close_channel`) closes the mailbox for every sender
    fn multiple_senders_close_channel() {
        let (tx1, mut rx) = channel::<i32>(bounded(1));
        let tx2 = tx1.clone();
        tx1.close();
        assert!(tx1.is_closed());
        assert!(tx2.is_closed());
        assert_eq!(block_on(tx2.send(5)), Err(SendError::Closed(5)));
        assert_eq!(block_on(rx.recv()), None);
    }

    // futures-channel mpsc-close.rs `single_receiver_drop_closes_channel_and_drains`
    // (bounded half): the receiver's drop closes the mailbox and drops what was queued
    fn single_receiver_drop_closes_channel_and_drains() {
        let ref_count = Arc::new(0);
        let weak_ref = Arc::downgrade(&ref_count);
        let (sender, receiver) = channel::<Arc<i32>>(bounded(1));
        sender.try_send(ref_count).unwrap();
        assert!(weak_ref.upgrade().is_some(), "the queued message is alive");
        drop(receiver);
        assert!(sender.is_closed());
        assert!(
            weak_ref.upgrade().is_none(),
            "the receiver's drop dropped it"
        );
        assert!(sender.is_closed());
    }

    // futures-channel mpsc-close.rs `bounded_try_next_after_none` and
    // `bounded_try_recv_after_none`: the end, once seen, is seen again
    fn bounded_try_recv_after_none() {
        let (tx, mut rx) = channel::<String>(bounded(17));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        drop(tx);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        let mut cx = Context::from_waker(noop_waker_ref());
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(None));
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(None));
    }

    /// One mailbox under test, handed to the receiving thread with the number of times it is
    /// polled before it is dropped.
    struct TestRx {
        rx: Receiver<Arc<()>>,
        poll_count: usize,
    }

    // futures-channel mpsc-close.rs `stress_try_send_as_receiver_closes`: `try_send`s racing
    // the receiver's drop, which another thread makes after polling the mailbox a varying
    // number of times. A send that succeeded is never lost: once both halves are gone, every
    // accepted message has been dropped exactly once, and at the refusal every accepted message
    // is counted as such. Differs: futures checks, at the refusal, that the last accepted
    // message is already dropped, spinning up to ten seconds for the receiver's drop to get to
    // it (a refusal can be seen while that drop is still draining). Here the receiving thread
    // says when its drop has returned; and a message whose send was still completing when the
    // drop passed its slot stays in the mailbox until the last sender goes (documented in the
    // mailbox's module docs), so the check is made after the sender's drop too.
    #[test]
    fn stress_try_send_as_receiver_closes() {
        const MAX_COUNTDOWN: usize = 20;
        let amt = pick(2_000, 4);
        let (cmd_tx, mut cmd_rx) = channel::<TestRx>(bounded(1));
        let (dropped_tx, mut dropped_rx) = channel::<()>(bounded(1));
        thread::scope(|s| {
            s.spawn(move || {
                let mut cx = Context::from_waker(noop_waker_ref());
                while let Some(TestRx { mut rx, poll_count }) = cmd_rx.blocking_recv() {
                    for _ in 0..poll_count {
                        if let Poll::Ready(v) = rx.poll_recv(&mut cx) {
                            v.expect("the test sender lives");
                        }
                    }
                    drop(rx);
                    dropped_tx.blocking_send(()).unwrap();
                }
            });
            for i in 0..amt {
                let (test_tx, rx) = channel::<Arc<()>>(bounded(1));
                cmd_tx
                    .blocking_send(TestRx {
                        rx,
                        poll_count: i % MAX_COUNTDOWN,
                    })
                    .unwrap();
                let mut accepted: Vec<Weak<()>> = Vec::new();
                loop {
                    let item = Arc::new(());
                    let weak = Arc::downgrade(&item);
                    match test_tx.try_send(item) {
                        Ok(_) => accepted.push(weak),
                        Err(TrySendError::Busy(_)) => thread::yield_now(),
                        Err(TrySendError::Closed(item)) => {
                            drop(item);
                            break;
                        }
                        Err(err) => panic!("unexpected error: {err:?}"),
                    }
                }
                assert_eq!(test_tx.stats().accepted, accepted.len() as u64);
                drop(test_tx);
                assert_eq!(
                    dropped_rx.blocking_recv(),
                    Some(()),
                    "the receiver's drop returned"
                );
                let alive = accepted.iter().filter(|w| w.upgrade().is_some()).count();
                assert_eq!(alive, 0, "round {i}: accepted messages never dropped");
            }
            drop(cmd_tx);
        });
    }
}
