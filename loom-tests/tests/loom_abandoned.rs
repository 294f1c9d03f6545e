//! Abandoned and cancelled waits, as a user reaches them: a `send().await` or `reserve().await`
//! under a timeout that fires as the slot frees, a `poll_reserve` whose caller walks away, a
//! `recv()` that loses a `select!`, a message whose destructor panics while the receiver goes,
//! a permit dropped across the close.
//!
//! Each model has two working threads (a sending task and the receiver), and the main thread
//! only joins them: one thread plays both waiting senders, as one executor thread running two
//! tasks does, so that preemption bound 2 or 3 runs in seconds (the three-thread models of
//! `loom_no_lost_wakeup` run at bound 1). The main thread keeps a `Sender` until after the
//! joins, so that no close but the one a model is about hides a lost wake-up: a thread left
//! parked for good makes loom report `deadlock`. Each model also asserts, after its last
//! interleaving, that some interleaving reached the case it is about (`Reached`).
//!
//! Broken twins (the full matrix is in loom-tests/README.md): `pass_on` deadlocks
//! `send_under_a_timeout_passes_its_wakeup_on` and `send_before_whose_deadline_comes_as_the_slot_frees`;
//! `reserve_consumes` deadlocks
//! `poll_reserve_abandoned_for_try_send`; `coming` deadlocks
//! `recv_dropped_by_select_then_recv_again`; `skip_wake` deadlocks
//! `permit_dropped_across_the_close`; `unwind_wake` deadlocks
//! `send_with_a_panicking_waker_under_a_timeout`; `drain_rest` (the drain past a panicking
//! destructor stops at the panic) fails `receiver_dropped_with_a_panicking_message_queued` and
//! `held_messages_go_with_the_last_handle_past_a_panic`.
#![cfg(ryker_loom)]

use core::future::Future;
use core::pin::{pin, Pin};
use core::task::{Context, Poll, Waker};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::task::Wake;

use loom_tests::{block_on, block_on_then, busy, model, spawn, Drops, Msg};
use ryker_core::error::{SendError, SendTimeoutError};
use ryker_core::mailbox::{channel, Receiver, Sender, Sent};

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

/// `tx.send_before(1, deadline)` whose deadline comes as the slot frees (what
/// `blocking_send_timeout` and `Addr::tell_timeout` run): polled once (queued, the mailbox
/// full), then polled again after its deadline has come, while another send of the same
/// thread waits queued behind it and the receiver takes message 0. The second poll races the
/// reservation against the deadline inside `send_before`: the reservation first, so a slot
/// notified to it by then is taken; otherwise the deadline wins, the reservation is dropped
/// inside `send_before` and the message comes back in `Timeout`.
///
/// Must hold: as `send_under_a_timeout_passes_its_wakeup_on` (the second send completes;
/// message 1 is delivered exactly when `send_before` said `Queued`; every message dropped
/// once); and a `Timeout` hands message 1 back.
#[test]
fn send_before_whose_deadline_comes_as_the_slot_frees() {
    static TIMED_OUT_WOKEN: Reached = Reached::new();
    model(2, || {
        let (drops, tx, rx) = full(3);
        let (tx_a, tx_b) = (tx.clone(), tx.clone());
        let d = drops.clone();
        let s = spawn(move || {
            let (flag, waker) = Flag::new();
            let due = AtomicBool::new(false);
            let deadline = core::future::poll_fn(|_| {
                if due.load(Relaxed) {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            });
            let mut a = Box::pin(tx_a.send_before(d.msg(1), deadline));
            let first = poll_with(a.as_mut(), &waker);
            // The deadline comes: `send_before` is polled once more. Right after the second
            // send's first poll returned `Pending` (queued), or after it completed on that
            // poll (a slot it took as the receiver freed one).
            let deadline_comes = || {
                due.store(true, Relaxed);
                let outcome = match first {
                    Poll::Ready(sent) => sent,
                    Poll::Pending => {
                        let woken = flag.woken();
                        let Poll::Ready(outcome) = poll_with(a.as_mut(), &waker) else {
                            panic!("send_before pending after its deadline")
                        };
                        if woken && outcome.is_err() {
                            TIMED_OUT_WOKEN.hit();
                        }
                        outcome
                    }
                };
                match outcome {
                    Ok(Sent::Queued) => true,
                    Err(SendTimeoutError::Timeout(m)) => {
                        assert_eq!(m.id, 1, "the timed-out message comes back");
                        false
                    }
                    other => panic!("send_before: {other:?}"),
                }
            };
            let mut step = Some(deadline_comes);
            let mut a_sent = None;
            let sent = block_on_then(tx_b.send(d.msg(2)), || {
                a_sent = Some(step.take().unwrap()());
            });
            assert_eq!(sent, Ok(Sent::Queued));
            let a_sent = a_sent.unwrap_or_else(|| step.take().unwrap()());
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
    TIMED_OUT_WOKEN
        .assert_reached("send_before timed out after the receiver's notification woke it");
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

/// What a message whose destructor panics (`Bomb` with `panics`) panics with, which
/// [`silence_bombs`] keeps out of the output.
const BOMB: &str = "a message's destructor panicked";

/// A message that may panic when dropped; its [`Msg`] is dropped (and counted) either way, as
/// the rest of a value is when its `Drop` panics.
struct Bomb {
    msg: Msg,
    panics: bool,
}

impl Bomb {
    fn new(drops: &Drops, id: usize, panics: bool) -> Self {
        Self {
            msg: drops.msg(id),
            panics,
        }
    }
}

impl core::fmt::Debug for Bomb {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Bomb({}, panics: {})", self.msg.id, self.panics)
    }
}

impl Drop for Bomb {
    fn drop(&mut self) {
        if self.panics && !std::thread::panicking() {
            panic!("{BOMB}");
        }
    }
}

/// Keeps the expected panics ([`BOMB`] and the panicking waker's) out of the output (loom
/// runs a model thousands of times); any other panic is reported as usual.
fn silence_bombs() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.payload().downcast_ref::<String>().map(String::as_str);
        if message != Some(BOMB) && message != Some(panicky::WAKER_PANIC) {
            default(info);
        }
    }));
}

/// Runs `f`, catching a panic; `true` if it panicked with [`BOMB`] (any other panic goes on).
fn caught_bomb(f: impl FnOnce()) -> bool {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(()) => false,
        Err(payload) => match payload.downcast_ref::<String>().map(String::as_str) {
            Some(BOMB) => true,
            _ => std::panic::resume_unwind(payload),
        },
    }
}

/// An actor stops with its mailbox full (capacity 3: message 0, then message 1, whose
/// destructor panics, then message 2) while a sender waits in `send(3).await`. The receiver
/// takes message 0 (freeing a slot the sender may take), then goes: `close` and then its drop,
/// or its drop alone (which closes). The mailbox documents that dropping the receiver closes
/// the mailbox, wakes waiting senders (they get `Closed` and their message back) and drops the
/// messages still queued past a destructor that panics, the first such panic then going on.
///
/// Must hold: the receiver's drop panics with message 1's panic; by then message 2, queued
/// behind it before the receiver went, has been dropped by the drain that went on past the
/// panic (checked before the last sender goes, which would drop it with the ring); the waiting
/// sender is woken (queued before the close, or `Closed(3)`); every message, 3 included
/// wherever it ends (the receiver's drain, the ring's drop with the last sender, the sender's
/// hands), is dropped exactly once; the counters say `accepted == received + discarded`.
/// Broken twin `drain_rest` (the drain stops at the panic) fails the check of message 2.
fn receiver_leaves_a_panicking_message(close_first: bool, drained_past: &'static Reached) {
    silence_bombs();
    model(3, move || {
        let drops = Drops::new(4);
        let (tx, mut rx) = channel(busy(3));
        tx.try_send(Bomb::new(&drops, 0, false)).unwrap();
        tx.try_send(Bomb::new(&drops, 1, true)).unwrap();
        tx.try_send(Bomb::new(&drops, 2, false)).unwrap();
        let tx_s = tx.clone();
        let d = drops.clone();
        let s = spawn(move || match block_on(tx_s.send(Bomb::new(&d, 3, false))) {
            Ok(sent) => {
                assert_eq!(sent, Sent::Queued);
                true
            }
            Err(SendError::Closed(back)) => {
                assert_eq!(back.msg.id, 3);
                false
            }
            Err(other) => panic!("the Busy policy never answers {other:?}"),
        });
        let r = spawn(move || {
            assert_eq!(rx.try_recv().expect("the mailbox is full").msg.id, 0);
            caught_bomb(move || {
                if close_first {
                    rx.close();
                }
                drop(rx);
            })
        });
        let queued = s.join().unwrap();
        assert!(
            r.join().unwrap(),
            "message 1's panic goes on out of the drop"
        );
        assert_eq!(
            drops.count(2),
            1,
            "message 2, queued behind message 1, is dropped by the drain past its panic"
        );
        if queued && drops.count(3) == 1 {
            // Sent into the slot message 0 freed, and dropped by the drain past the panic.
            drained_past.hit();
        }
        let stats = tx.stats();
        assert_eq!(stats.received, 1, "{stats:?}");
        assert_eq!(
            stats.accepted,
            stats.received + stats.discarded,
            "{stats:?}"
        );
        drop(tx);
        drops.assert_each_dropped_once();
    });
    drained_past.assert_reached("message 3 queued and dropped by the drain past the panic");
}

/// [`receiver_leaves_a_panicking_message`]: `Receiver::close`, then the drop.
#[test]
fn receiver_closed_and_dropped_with_a_panicking_message_queued() {
    static DRAINED_PAST: Reached = Reached::new();
    receiver_leaves_a_panicking_message(true, &DRAINED_PAST);
}

/// [`receiver_leaves_a_panicking_message`]: the drop alone closes.
#[test]
fn receiver_dropped_with_a_panicking_message_queued() {
    static DRAINED_PAST: Reached = Reached::new();
    receiver_leaves_a_panicking_message(false, &DRAINED_PAST);
}

/// A sender `try_send`s message 0, whose destructor panics, then message 1, into an empty
/// 2-slot mailbox while the receiver is dropped; the last sender goes after both. Where
/// message 0 ends decides where its panic surfaces: the receiver's drop drains it (queued
/// before the drain), the sender gets it back refused (`Closed`) and drops it, or, when its
/// send was in flight as the drain passed (claimed, not yet published), the ring drops it with
/// the last sender's drop, past the panic to message 1 behind it.
///
/// Must hold: message 0 panics exactly once, in one of those three places; every message is
/// dropped exactly once; no memory is leaked (loom checks its `Arc`s).
#[test]
fn a_panicking_message_goes_with_the_last_handle() {
    static WITH_THE_RING: Reached = Reached::new();
    silence_bombs();
    model(3, || {
        let drops = Drops::new(2);
        let (tx, rx) = channel(busy(2));
        let tx_s = tx.clone();
        let d = drops.clone();
        let s = spawn(move || {
            let mut panics = 0;
            for (id, bomb) in [(0, true), (1, false)] {
                let refused = caught_bomb(|| match tx_s.try_send(Bomb::new(&d, id, bomb)) {
                    Ok(sent) => assert_eq!(sent, Sent::Queued),
                    Err(err) => assert!(err.is_closed(), "two free slots: {err:?}"),
                });
                panics += usize::from(refused);
            }
            panics
        });
        let r = spawn(move || usize::from(caught_bomb(move || drop(rx))));
        let panics = s.join().unwrap() + r.join().unwrap();
        let last = usize::from(caught_bomb(move || drop(tx)));
        if last == 1 {
            WITH_THE_RING.hit();
        }
        assert_eq!(panics + last, 1, "message 0 panics once");
        drops.assert_each_dropped_once();
    });
    WITH_THE_RING.assert_reached("message 0 dropped with the ring, by the last sender's drop");
}

/// Two owned permits, reserved on an empty 2-slot mailbox before the threads start, are sent
/// on one thread (message 0, whose destructor panics, then message 1) while the receiver is
/// dropped on another; the last sender goes after both. The receiver's drain drops what is
/// published when it passes and stops at the first slot still held; what it leaves is dropped
/// with the ring, by the last sender's drop: both messages when the drain passed before
/// either was sent (reached), and then the ring's drop must go on past message 0's panic.
///
/// Must hold: message 0 panics exactly once (in the drain or in the ring's drop); every
/// message is dropped exactly once. Broken twin `drain_rest` (the ring's drop stops at the
/// panic) leaves message 1 undropped.
#[test]
fn held_messages_go_with_the_last_handle_past_a_panic() {
    static BOTH_WITH_THE_RING: Reached = Reached::new();
    silence_bombs();
    model(3, || {
        let drops = Drops::new(2);
        let (tx, rx) = channel(busy(2));
        let first = tx.clone().try_reserve_owned().expect("two free slots");
        let second = tx.clone().try_reserve_owned().expect("two free slots");
        let d = drops.clone();
        let s = spawn(move || {
            drop(first.send(Bomb::new(&d, 0, true)));
            drop(second.send(Bomb::new(&d, 1, false)));
        });
        let r = spawn(move || usize::from(caught_bomb(move || drop(rx))));
        s.join().unwrap();
        let drained = r.join().unwrap();
        let left_to_the_ring = drained == 0 && drops.count(1) == 0;
        let last = usize::from(caught_bomb(move || drop(tx)));
        if left_to_the_ring {
            BOTH_WITH_THE_RING.hit();
        }
        assert_eq!(drained + last, 1, "message 0 panics once");
        drops.assert_each_dropped_once();
    });
    BOTH_WITH_THE_RING.assert_reached("both messages dropped with the ring, past the panic");
}

/// A task holds a permit (`reserve().await`, then work before `permit.send`) on a 1-slot
/// mailbox while the receiver closes it and drains: the receiver reaches the held slot and
/// waits on it, across the close. Then the task sends through the permit (`send`) or gives up
/// (drops it: a timeout, an error in its work).
///
/// Must hold: the receiver is woken by the permit's publish or give-up, gets message 0 if it
/// was sent through the permit (a reservation made before the close is accepted), and then the
/// end; a reserve the close came before gets `Closed`; every message is dropped once.
fn permit_across_the_close(send: bool, held: &'static Reached) {
    model(3, move || {
        let drops = Drops::new(1);
        let (tx, mut rx) = channel(busy(1));
        let tx_s = tx.clone();
        let d = drops.clone();
        let s = spawn(move || {
            let Ok(permit) = block_on(tx_s.reserve()) else {
                // The close came first; the message is never sent.
                drop(d.msg(0));
                return false;
            };
            loom::thread::yield_now();
            if send {
                permit.send(d.msg(0));
            } else {
                drop(permit);
                drop(d.msg(0));
            }
            send
        });
        let r = spawn(move || {
            rx.close();
            let mut got = Vec::new();
            let mut waited = false;
            block_on(core::future::poll_fn(|cx| loop {
                match rx.poll_recv(cx) {
                    Poll::Ready(Some(m)) => got.push(m.id),
                    Poll::Ready(None) => return Poll::Ready(()),
                    Poll::Pending => {
                        // Not empty: the slot is claimed (the permit's), not yet published.
                        waited |= !rx.is_empty();
                        return Poll::Pending;
                    }
                }
            }));
            (rx, got, waited)
        });
        let sent = s.join().unwrap();
        let (rx, got, waited) = r.join().unwrap();
        if waited {
            held.hit();
        }
        drop(tx);
        let expected: &[usize] = if sent { &[0] } else { &[] };
        finish(rx, got, &drops, expected);
    });
    held.assert_reached("the receiver waited on the held slot after its close");
}

/// [`permit_across_the_close`]: the task sends through the permit.
#[test]
fn permit_sent_across_the_close() {
    static HELD: Reached = Reached::new();
    permit_across_the_close(true, &HELD);
}

/// [`permit_across_the_close`]: the task drops the permit unused.
#[test]
fn permit_dropped_across_the_close() {
    static HELD: Reached = Reached::new();
    permit_across_the_close(false, &HELD);
}

/// A task reserves the only slot of a 1-slot mailbox (`reserve().await`), and while it works,
/// another task of the thread waits in `send(0).await` for room; then the work fails (or times
/// out) and the permit is dropped unused. The receiver meanwhile waits on the held slot.
///
/// Must hold: the permit's drop wakes the receiver, which steps over the given-up slot; that
/// frees it, and the waiting send is woken for it and completes; message 0 arrives once.
#[test]
fn permit_dropped_while_a_sender_waits_behind_it() {
    static BEHIND: Reached = Reached::new();
    model(2, || {
        let drops = Drops::new(1);
        let (tx, mut rx) = channel(busy(1));
        let (tx_a, tx_b) = (tx.clone(), tx.clone());
        let d = drops.clone();
        let s = spawn(move || {
            let permit = block_on(tx_a.reserve()).expect("the mailbox is open");
            let mut permit = Some(permit);
            let sent = block_on_then(tx_b.send(d.msg(0)), || {
                // The work failed: the permit is dropped unused, with the send queued behind.
                drop(permit.take());
                BEHIND.hit();
            });
            assert_eq!(sent, Ok(Sent::Queued));
            assert!(permit.is_none(), "the held slot kept the send waiting");
        });
        let r = spawn(move || {
            let got = block_on(rx.recv()).expect("the mailbox is open").id;
            (rx, got)
        });
        s.join().unwrap();
        let (rx, got) = r.join().unwrap();
        drop(tx);
        finish(rx, vec![got], &drops, &[0]);
    });
    BEHIND.assert_reached("the permit dropped with a send queued behind it");
}

/// A waker whose clones panic when dropped while `armed` (a misbehaving executor's waker, or
/// one that owns a value with a panicking destructor): the first clone dropped while armed
/// disarms it and panics with [`WAKER_PANIC`]. Waking it does nothing (a wake by value leaks
/// its clone's reference: acceptable in a model).
mod panicky {
    use core::task::{RawWaker, RawWakerVTable, Waker};
    use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
    use std::sync::Arc;

    /// What a clone's drop panics with.
    pub(crate) const WAKER_PANIC: &str = "a waker's drop panicked";

    pub(crate) struct Panicky {
        pub(crate) armed: AtomicBool,
    }

    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, drop_waker);

    fn clone(data: *const ()) -> RawWaker {
        // SAFETY: `data` came from `Arc::into_raw` and that reference is still held.
        unsafe { Arc::increment_strong_count(data.cast::<Panicky>()) };
        RawWaker::new(data, &VTABLE)
    }

    fn noop(_: *const ()) {}

    fn drop_waker(data: *const ()) {
        // SAFETY: each clone holds one strong reference, given back here.
        let panicky = unsafe { Arc::from_raw(data.cast::<Panicky>()) };
        let was_armed = panicky.armed.swap(false, Relaxed);
        drop(panicky);
        if was_armed && !std::thread::panicking() {
            panic!("{WAKER_PANIC}");
        }
    }

    /// An armed waker; the returned handle disarms it.
    pub(crate) fn waker() -> (Arc<Panicky>, Waker) {
        let panicky = Arc::new(Panicky {
            armed: AtomicBool::new(false),
        });
        let data = Arc::into_raw(panicky.clone()).cast::<()>();
        // SAFETY: the vtable keeps `RawWaker`'s contract: clone takes a reference, drop gives
        // one back, and the wake functions do nothing with it.
        let waker = unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) };
        (panicky, waker)
    }
}

/// Runs `f`, catching a panic; `true` if it panicked with `panicky::WAKER_PANIC` (any other
/// panic goes on).
fn caught_waker_panic(f: impl FnOnce()) -> bool {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(()) => false,
        Err(payload) => match payload.downcast_ref::<String>().map(String::as_str) {
            Some(panicky::WAKER_PANIC) => true,
            _ => std::panic::resume_unwind(payload),
        },
    }
}

/// [`send_under_a_timeout_passes_its_wakeup_on`] with a waker whose drop panics, armed once
/// the send has queued it: the send (message 1) either finds the slot on its re-check and
/// leaves the wait list, dropping the queued waker, which panics out of the poll (the claim it
/// made is given up: `Shared::poll_claim`'s `GivenUpOnUnwind`), or stays queued and panics out
/// of its drop when its timeout fires. The message is dropped with the future either way.
///
/// Must hold: the other send, waiting in `send(2).await`, completes (a slot given up on unwind
/// is stepped over and freed; a waiter whose waker is still queued held no notification);
/// message 1 is never delivered unless its poll sent it; every message is dropped once.
#[test]
fn send_with_a_panicking_waker_under_a_timeout() {
    static UNWOUND: Reached = Reached::new();
    static DROP_PANICKED: Reached = Reached::new();
    silence_bombs();
    model(2, || {
        let (drops, tx, rx) = full(3);
        let (tx_a, tx_b) = (tx.clone(), tx.clone());
        let d = drops.clone();
        let s = spawn(move || {
            let (panicky, waker) = panicky::waker();
            let mut a = Some(Box::pin(tx_a.send(d.msg(1))));
            // Armed from the first poll on: only a clone the send queued is dropped while armed
            // (the poll borrows `waker`, and a wake takes the clone without dropping it).
            panicky.armed.store(true, Relaxed);
            let mut a_sent = false;
            let unwound = caught_waker_panic(|| {
                if let Poll::Ready(sent) = poll_with(a.as_mut().unwrap().as_mut(), &waker) {
                    assert_eq!(sent, Ok(Sent::Queued));
                    a_sent = true;
                }
            });
            if unwound || a_sent {
                a = None;
            }
            if unwound {
                UNWOUND.hit();
            }
            // The timeout fires: the queued waker's drop may panic out of the future's.
            let mut time_out = || {
                if let Some(a) = a.take() {
                    if caught_waker_panic(move || drop(a)) {
                        DROP_PANICKED.hit();
                    }
                }
            };
            let sent = block_on_then(tx_b.send(d.msg(2)), &mut time_out);
            assert_eq!(sent, Ok(Sent::Queued));
            // Or only now, if the other send found room at once.
            time_out();
            panicky.armed.store(false, Relaxed);
            a_sent
        });
        let r = spawn(move || receive_until(rx, 2));
        let a_sent = s.join().unwrap();
        let (rx, got) = r.join().unwrap();
        drop(tx);
        let expected: &[usize] = if a_sent { &[0, 1, 2] } else { &[0, 2] };
        finish(rx, got, &drops, expected);
    });
    UNWOUND.assert_reached("the send's poll unwound with its claim given up");
    DROP_PANICKED.assert_reached("the queued send's drop panicked");
}
