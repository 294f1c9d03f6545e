//! Abandoned and cancelled waits, as a user reaches them: a `send().await` or `reserve().await`
//! under a timeout that fires as the slot frees, a `poll_reserve` whose caller walks away, a
//! `recv()` that loses a `select!`, a message whose destructor panics while the receiver goes,
//! a permit dropped across the close.
//!
//! Each model has two working threads (a sending task and the receiver), and the main thread
//! only joins them: one thread plays both waiting senders, as one executor thread running two
//! tasks does, so that preemption bound 2 or 3 runs in seconds (the three-thread models of
//! `loom_no_lost_wakeup` run at bound 1). The receiving thread keeps a `Sender` alive until
//! after the joins unless the model is about the close, so that no close hides a lost
//! wake-up: a thread left parked for good makes loom report `deadlock`.
#![cfg(ryker_loom)]

use core::future::Future;
use core::pin::{pin, Pin};
use core::task::{Context, Poll, Waker};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::task::Wake;

use loom_tests::{block_on, block_on_then, model, spawn, Drops, Msg};
use ryker_core::error::SendError;
use ryker_core::mailbox::{channel, MailboxConfig, Overflow, Receiver, Sender, Sent};

fn busy(capacity: usize) -> MailboxConfig {
    MailboxConfig {
        capacity,
        overflow: Overflow::Busy,
        amnesia: false,
    }
}

/// A full mailbox of capacity 1 holding message 0, for messages `0..n`.
fn full(n: usize) -> (Drops, Sender<Msg>, Receiver<Msg>) {
    let drops = Drops::new(n);
    let (tx, rx) = channel(busy(1));
    tx.try_send(drops.msg(0)).unwrap();
    (drops, tx, rx)
}

/// A waker that remembers whether it was woken: the waker of a task whose timeout fires (the
/// task drops the future it was waiting on, woken or not). Plain std atomics: bookkeeping of
/// the model, not part of what loom checks.
#[derive(Default)]
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Relaxed);
    }
}

impl Flag {
    fn new() -> (Arc<Self>, Waker) {
        let flag = Arc::new(Self::default());
        let waker = Waker::from(flag.clone());
        (flag, waker)
    }

    fn woken(&self) -> bool {
        self.0.load(Relaxed)
    }
}

/// One poll with `waker`.
fn poll_with<F: Future>(fut: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

/// The receiving thread's part of the models with two waiting senders: takes message 0 (the
/// mailbox is full, so it is there), freeing the slot, then receives until `last` arrives.
/// Returns the receiver and the ids received.
fn receive_until(mut rx: Receiver<Msg>, last: usize) -> (Receiver<Msg>, Vec<usize>) {
    let mut got = vec![rx.try_recv().expect("the mailbox is full").id];
    while !got.contains(&last) {
        got.push(block_on(rx.recv()).expect("a sender is alive").id);
    }
    (rx, got)
}

/// After the joins: the rest of the messages (none may be left but those the model expects),
/// every message dropped once, and `got` is `expected`.
fn finish(mut rx: Receiver<Msg>, mut got: Vec<usize>, drops: &Drops, expected: &[usize]) {
    while let Ok(m) = rx.try_recv() {
        got.push(m.id);
    }
    got.sort_unstable();
    assert_eq!(got, expected, "received {got:?}");
    drop(rx);
    drops.assert_each_dropped_once();
}

/// Interleavings in which a model reached the case it is about: counted across the runs of
/// one model, and asserted non-zero at its end (not a model that passes because it never gets
/// there).
struct Reached(AtomicUsize);

impl Reached {
    const fn new() -> Self {
        Self(AtomicUsize::new(0))
    }

    fn hit(&self) {
        self.0.fetch_add(1, Relaxed);
    }

    #[track_caller]
    fn assert_reached(&self, what: &str) {
        let n = self.0.load(Relaxed);
        assert!(n > 0, "no interleaving reached: {what}");
        eprintln!("reached in {n} interleavings: {what}");
    }
}

/// `timeout(Duration::ZERO, tx.send(m)).await` as the slot frees: one task's `send` of message
/// 1 is polled once (queued in the wait list, the mailbox full) and then dropped, its timeout
/// firing, while another task of the same thread waits in `send(2).await`, queued behind it.
/// The receiver takes message 0 meanwhile, and its notification may reach the first send
/// before the drop (its waker is woken, and the timeout drops it anyway).
///
/// Must hold: the second send completes (a notification that reached the dropped send is
/// passed on); message 1 is delivered only if its send completed on its one poll, and is
/// dropped exactly once either way; every message is dropped once.
#[test]
fn send_under_a_timeout_passes_its_wakeup_on() {
    static PASSED_ON: Reached = Reached::new();
    model(2, || {
        let (drops, tx, rx) = full(3);
        let (tx_a, tx_b) = (tx.clone(), tx.clone());
        let d = drops.clone();
        let s = spawn(move || {
            let (flag, waker) = Flag::new();
            let mut a = Some(Box::pin(tx_a.send(d.msg(1))));
            let a_sent = match poll_with(a.as_mut().unwrap().as_mut(), &waker) {
                Poll::Ready(sent) => {
                    assert_eq!(sent, Ok(Sent::Queued));
                    a = None;
                    true
                }
                Poll::Pending => false,
            };
            let sent = block_on_then(tx_b.send(d.msg(2)), || {
                // The timeout fires: the first send is dropped, woken or not. Woken by the
                // time the drop has left the list: a notification reached it first.
                let pending = a.take().is_some();
                if pending && flag.woken() {
                    PASSED_ON.hit();
                }
            });
            assert_eq!(sent, Ok(Sent::Queued));
            drop(a);
            a_sent
        });
        let r = spawn(move || receive_until(rx, 2));
        let a_sent = s.join().unwrap();
        let (rx, got) = r.join().unwrap();
        drop(tx);
        let expected: &[usize] = if a_sent { &[0, 1, 2] } else { &[0, 2] };
        finish(rx, got, &drops, expected);
    });
    PASSED_ON.assert_reached("the send dropped after the receiver's notification woke it");
}

/// The same with `timeout(.., tx.reserve()).await`: a `reserve` future polled once (queued)
/// and dropped as its timeout fires, woken by the receiver's notification or not, while
/// another task of the thread waits in `send(2).await`. `reserve` is documented cancel safe:
/// dropped before it completes it reserves nothing and passes a wake-up it had received on.
///
/// Must hold: the waiting send completes; no slot stays reserved (a permit the first poll got
/// sends message 1, which is then delivered; otherwise message 1 is never sent); every message
/// is dropped once.
#[test]
fn reserve_under_a_timeout_passes_its_wakeup_on() {
    static PASSED_ON: Reached = Reached::new();
    model(2, || {
        let (drops, tx, rx) = full(3);
        let (tx_a, tx_b) = (tx.clone(), tx.clone());
        let d = drops.clone();
        let s = spawn(move || {
            let (flag, waker) = Flag::new();
            let mut a = Some(Box::pin(tx_a.reserve()));
            let a_sent = match poll_with(a.as_mut().unwrap().as_mut(), &waker) {
                Poll::Ready(permit) => {
                    permit.expect("the mailbox is open").send(d.msg(1));
                    a = None;
                    true
                }
                Poll::Pending => false,
            };
            let sent = block_on_then(tx_b.send(d.msg(2)), || {
                let pending = a.take().is_some();
                if pending && flag.woken() {
                    PASSED_ON.hit();
                }
            });
            assert_eq!(sent, Ok(Sent::Queued));
            drop(a);
            if !a_sent {
                // Never sent: made and dropped here, for the count.
                drop(d.msg(1));
            }
            a_sent
        });
        let r = spawn(move || receive_until(rx, 2));
        let a_sent = s.join().unwrap();
        let (rx, got) = r.join().unwrap();
        drop(tx);
        let expected: &[usize] = if a_sent { &[0, 1, 2] } else { &[0, 2] };
        finish(rx, got, &drops, expected);
    });
    PASSED_ON.assert_reached("the reserve dropped after the receiver's notification woke it");
}

/// How the caller of an abandoned `poll_reserve` goes on (see [`poll_reserve_walked_away`]).
#[derive(Clone, Copy, Debug)]
enum WalkAway {
    /// Falls back to `try_send` on the same sender, leaving the registration where it is.
    TrySend,
    /// Gives up with `abort_reserve`.
    Abort,
    /// Drops the sender.
    Drop,
}

/// A task's `poll_reserve` on the full mailbox returns `Pending` (queued, unbound: nobody is
/// bound to poll it again), then the caller walks away, `how` says how, at some point after
/// another task of the thread has queued behind it in `send(2).await`. The receiver takes
/// message 0 meanwhile: its notification may land on the `poll_reserve` registration first.
///
/// Must hold: the waiting send completes (a notification is never spent on a `poll_reserve`
/// registration, and `abort_reserve` and the sender's drop take it out); a `try_send` of
/// message 1 is delivered if accepted and comes back otherwise; every message dropped once.
fn poll_reserve_walked_away(how: WalkAway, woken: &'static Reached) {
    model(2, move || {
        let (drops, tx, rx) = full(3);
        let (mut tx_a, tx_b) = (tx.clone(), tx.clone());
        let d = drops.clone();
        let s = spawn(move || {
            let (flag, waker) = Flag::new();
            let a_sent = match tx_a.poll_reserve(&mut Context::from_waker(&waker)) {
                Poll::Ready(permit) => {
                    permit.expect("the mailbox is open").send(d.msg(1));
                    Some(true)
                }
                Poll::Pending => None,
            };
            let mut tx_a = Some(tx_a);
            let mut tried = None;
            let sent = block_on_then(tx_b.send(d.msg(2)), || {
                if a_sent.is_some() {
                    return;
                }
                match how {
                    WalkAway::TrySend => {
                        let sent = tx_a.as_ref().unwrap().try_send(d.msg(1));
                        tried = Some(match sent {
                            Ok(sent) => {
                                assert_eq!(sent, Sent::Queued);
                                true
                            }
                            Err(err) => {
                                assert!(err.is_busy(), "the mailbox is open");
                                false
                            }
                        });
                    }
                    WalkAway::Abort => {
                        assert!(tx_a.as_mut().unwrap().abort_reserve(), "it was pending");
                    }
                    WalkAway::Drop => drop(tx_a.take()),
                }
                // Woken by now: a notification reached the registration first (after
                // `abort_reserve` or the drop, nothing can wake it any more).
                if flag.woken() {
                    woken.hit();
                }
            });
            assert_eq!(sent, Ok(Sent::Queued));
            let a_sent = a_sent.or(tried).unwrap_or_else(|| {
                // Never sent: made and dropped here, for the count.
                drop(d.msg(1));
                false
            });
            drop(tx_a);
            a_sent
        });
        let r = spawn(move || receive_until(rx, 2));
        let a_sent = s.join().unwrap();
        let (rx, got) = r.join().unwrap();
        drop(tx);
        let expected: &[usize] = if a_sent { &[0, 1, 2] } else { &[0, 2] };
        finish(rx, got, &drops, expected);
    });
    woken.assert_reached("the walk-away after the receiver's notification woke the registration");
}

/// [`poll_reserve_walked_away`]: the caller falls back to `try_send` on the same sender.
#[test]
fn poll_reserve_abandoned_for_try_send() {
    static WOKEN: Reached = Reached::new();
    poll_reserve_walked_away(WalkAway::TrySend, &WOKEN);
}

/// [`poll_reserve_walked_away`]: the caller gives up with `abort_reserve`.
#[test]
fn poll_reserve_abandoned_with_abort_reserve() {
    static WOKEN: Reached = Reached::new();
    poll_reserve_walked_away(WalkAway::Abort, &WOKEN);
}

/// [`poll_reserve_walked_away`]: the caller drops its sender.
#[test]
fn poll_reserve_abandoned_with_its_sender_dropped() {
    static WOKEN: Reached = Reached::new();
    poll_reserve_walked_away(WalkAway::Drop, &WOKEN);
}

/// `select!` over `rx.recv()` and another branch that wins: the receive is polled once (it
/// registers its waker, or, mid-stream, yields) and dropped; later the task makes a new
/// `recv()` and awaits it. Meanwhile a sender on another thread sends messages 1 and 2 into
/// the empty 2-slot mailbox; its wake-up may go to the dropped receive's waker (taken, or
/// being woken, as the new receive registers).
///
/// Must hold: the new receive is not left waiting (the registration replaces the old waker,
/// and the re-check after it finds a message the old waker was woken for); a message the
/// first poll returned is the task's; both arrive, in order, once each.
fn recv_lost_a_select(mid_stream: bool, woken: Option<&'static Reached>) {
    model(2, move || {
        let drops = Drops::new(if mid_stream { 4 } else { 2 });
        let (tx, mut rx) = channel(busy(2));
        let mut got = Vec::new();
        if mid_stream {
            // Two at once: the receiver looks mid-stream, and its next poll on empty yields.
            tx.try_send(drops.msg(0)).unwrap();
            tx.try_send(drops.msg(1)).unwrap();
            let mut out = Vec::new();
            assert_eq!(block_on(rx.recv_many(&mut out, 2)), 2);
            got.extend(out.iter().map(|m: &Msg| m.id));
        }
        let first = got.len();
        let tx_s = tx.clone();
        let d = drops.clone();
        let s = spawn(move || {
            for id in first..first + 2 {
                assert_eq!(tx_s.try_send(d.msg(id)), Ok(Sent::Queued), "two free slots");
            }
        });
        let r = spawn(move || {
            let (flag, waker) = Flag::new();
            {
                let mut recv = pin!(rx.recv());
                if let Poll::Ready(m) = poll_with(recv.as_mut(), &waker) {
                    got.push(m.expect("the mailbox is open").id);
                }
                // The other branch won: the receive is dropped.
            }
            while got.len() < first + 2 {
                got.push(block_on(rx.recv()).expect("the mailbox is open").id);
            }
            if let Some(woken) = woken.filter(|_| flag.woken()) {
                woken.hit();
            }
            (rx, got)
        });
        s.join().unwrap();
        let (rx, got) = r.join().unwrap();
        drop(tx);
        let expected: Vec<usize> = (0..first + 2).collect();
        assert_eq!(got, expected, "in order, once each");
        finish(rx, Vec::new(), &drops, &[]);
    });
    if let Some(woken) = woken {
        woken.assert_reached("a wake-up that went to the dropped receive's waker");
    }
}

/// [`recv_lost_a_select`] with an idle receiver: the first poll registers its waker.
#[test]
fn recv_dropped_by_select_then_recv_again() {
    static WOKEN: Reached = Reached::new();
    recv_lost_a_select(false, Some(&WOKEN));
}

/// [`recv_lost_a_select`] with a receiver mid-stream (it has just taken two messages at
/// once): the first poll yields (wakes its own waker) instead of registering, so whether
/// that waker was woken says nothing here.
#[test]
fn recv_dropped_by_select_mid_stream_then_recv_again() {
    recv_lost_a_select(true, None);
}
