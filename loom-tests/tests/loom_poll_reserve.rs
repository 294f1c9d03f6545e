//! An abandoned `poll_reserve` loses nobody's wake-up (issue 8, item 1).
//!
//! `Sender::poll_reserve` has no future whose drop would give its place up: after a `Pending`
//! its caller may stop polling for good (a timeout, a `select!` that took another branch) or
//! fall back to `send().await` on the same sender. A notification that lands on such a
//! registration must not be spent on it. Each model keeps the abandoning sender alive to the
//! end (its drop would pass a notification on and hide the bug) and a sender in the receiving
//! thread, so that no close wakes anybody: a lost wake-up leaves a thread parked for good and
//! loom reports `deadlock`.
//!
//! Broken twin `reserve_consumes` (a notification is spent on a `poll_reserve` registration,
//! the old behaviour) must deadlock `abandoned_poll_reserve_does_not_starve_send`.
//!
//! Also here: a `poll_reserve` whose queued waker panics when dropped as it leaves the list with
//! a claim (`a_panicking_waker_drop_in_poll_reserve_still_wakes_the_receiver`, twin
//! `unwind_wake`).
#![cfg(ryker_loom)]

use core::task::{Context, Poll, Waker};

use loom_tests::{block_on, model, spawn, spawn_joined_late};
use ryker_core::mailbox::{channel, MailboxConfig, Overflow, Receiver, Sender, Sent};

/// A full mailbox of capacity 1 (holding `0`).
fn full() -> (Sender<u32>, Receiver<u32>) {
    let (tx, rx) = channel::<u32>(MailboxConfig {
        capacity: 1,
        overflow: Overflow::Busy,
        amnesia: false,
    });
    tx.try_send(0).unwrap();
    (tx, rx)
}

/// One `poll_reserve` with a waker nobody listens to; `true` if it had to wait.
fn reserve_once(tx: &mut Sender<u32>, msg: u32) -> bool {
    match tx.poll_reserve(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(Ok(permit)) => {
            permit.send(msg);
            false
        }
        Poll::Ready(Err(_)) => panic!("the receiver is alive"),
        Poll::Pending => true,
    }
}

/// Sender A's `poll_reserve` is pending on a full mailbox and then abandoned; sender B waits
/// in `send().await`, queued behind it. The receiver frees the slot: B must get it.
#[test]
fn abandoned_poll_reserve_does_not_starve_send() {
    model(3, || {
        let (tx, mut rx) = full();
        let mut tx_a = tx.clone();
        assert!(reserve_once(&mut tx_a, 1), "full: A waits");
        let tx_b = tx.clone();
        let b = spawn(move || assert_eq!(block_on(tx_b.send(2)), Ok(Sent::Queued)));
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(block_on(rx.recv()), Some(2));
        b.join().unwrap();
        drop((tx, tx_a));
    });
}

/// The same with B in `blocking_send` (its own wait path: a slot first, then the message).
#[test]
fn abandoned_poll_reserve_does_not_starve_send_blocking() {
    model(3, || {
        let (tx, mut rx) = full();
        let mut tx_a = tx.clone();
        assert!(reserve_once(&mut tx_a, 1), "full: A waits");
        let tx_b = tx.clone();
        // B's send may wake the receiver's thread after its blocking receive has returned,
        // while it joins B (see `spawn_joined_late`).
        let b = spawn_joined_late(move || assert_eq!(tx_b.blocking_send(2), Ok(Sent::Queued)));
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(rx.blocking_recv(), Some(2));
        b.join();
        drop((tx, tx_a));
    });
}

/// One sender falls back from a pending `poll_reserve` to `send().await` on itself (as after a
/// timeout): the send completes once the receiver frees the slot.
#[test]
fn poll_reserve_then_send_on_the_same_sender() {
    model(3, || {
        let (tx, mut rx) = full();
        let mut tx_a = tx.clone();
        let a = spawn(move || {
            if reserve_once(&mut tx_a, 1) {
                assert_eq!(block_on(tx_a.send(1)), Ok(Sent::Queued));
            }
            tx_a
        });
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(block_on(rx.recv()), Some(1));
        let tx_a = a.join().unwrap();
        drop((tx, tx_a));
    });
}

/// The same falling back to `blocking_send`.
#[test]
fn poll_reserve_then_send_blocking_on_the_same_sender() {
    model(3, || {
        let (tx, mut rx) = full();
        let mut tx_a = tx.clone();
        // As above: A's send may wake the receiver's thread while it joins A.
        let a = spawn_joined_late(move || {
            if reserve_once(&mut tx_a, 1) {
                assert_eq!(tx_a.blocking_send(1), Ok(Sent::Queued));
            }
            tx_a
        });
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(rx.blocking_recv(), Some(1));
        let tx_a = a.join();
        drop((tx, tx_a));
    });
}

/// A's `poll_reserve` waits and then gives up with `abort_reserve`, before or after the
/// receiver's notification reaches it (loom tries both); B, waiting in `send().await`, still
/// completes.
#[test]
fn aborted_poll_reserve_does_not_starve_send() {
    // Three threads that all take the wait-list lock: bound 1, as the other three-thread
    // models in `loom_no_lost_wakeup` (bound 2 runs for many minutes).
    model(1, || {
        let (tx, mut rx) = full();
        let mut tx_a = tx.clone();
        let tx_b = tx.clone();
        let a = spawn(move || {
            let waited = reserve_once(&mut tx_a, 1);
            loom::thread::yield_now();
            assert_eq!(tx_a.abort_reserve(), waited);
            (tx_a, !waited)
        });
        let b = spawn(move || assert_eq!(block_on(tx_b.send(2)), Ok(Sent::Queued)));
        assert_eq!(rx.try_recv(), Ok(0));
        let mut got = vec![block_on(rx.recv()).expect("a sender is alive")];
        b.join().unwrap();
        let (tx_a, a_sent) = a.join().unwrap();
        while got.len() < 1 + usize::from(a_sent) {
            got.push(block_on(rx.recv()).expect("a sender is alive"));
        }
        drop((tx, tx_a));
        got.sort_unstable();
        let expected: &[u32] = if a_sent { &[1, 2] } else { &[2] };
        assert_eq!(got, expected, "A sent: {a_sent}");
    });
}

/// A waker whose clones panic when dropped, while `armed` (a misbehaving executor's waker, or
/// a waker that owns a value with a panicking destructor). Clones share one `Panicky`; the
/// first clone dropped while armed disarms it and panics.
mod panicky {
    use core::task::{RawWaker, RawWakerVTable, Waker};
    use loom::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    /// What [`waker`] panics with: the silent panic hook recognises it.
    pub(crate) const MESSAGE: &str = "a waker's drop panicked";

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
        let was_armed = panicky.armed.swap(false, Ordering::SeqCst);
        drop(panicky);
        if was_armed {
            panic!("{MESSAGE}");
        }
    }

    /// A waker over `panicky`.
    pub(crate) fn waker(panicky: &Arc<Panicky>) -> Waker {
        let data = Arc::into_raw(panicky.clone()).cast::<()>();
        // SAFETY: the vtable keeps `RawWaker`'s contract: clone takes a reference, drop gives
        // one back, and the wake functions do nothing with it (a wake by value is followed by
        // no drop, so its reference leaks: acceptable in a test, and it never happens here,
        // since nothing wakes this sender before it leaves).
        unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
    }

    /// Keeps the expected panic out of the output (loom runs the model thousands of times);
    /// any other panic is reported as usual.
    pub(crate) fn silence_expected_panics() {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let ours = info.payload().downcast_ref::<String>().map(String::as_str) == Some(MESSAGE);
            if !ours {
                default(info);
            }
        }));
    }
}

/// The scenario of the lost wake-up fixed in 7db1780, as a user reaches it: a sender's
/// `poll_reserve` on a full mailbox queues its waker, finds a slot on its re-check (the
/// receiver has just taken a message) and claims it, and the drop of the waker it queued
/// panics as it leaves the wait list. The unwinding gives the held claim up (SKIP); the
/// receiver may already be parked on that `RESERVED` slot, so the give-up must wake it, as a
/// dropped permit's does. A mailbox kept open by a second sender, so that no close wakes
/// anybody: a lost wake-up leaves the receiver parked for good and loom reports `deadlock`.
/// The other orders are covered too: the reserve finds the slot at once (it sends `1`), or not
/// even on its re-check (it gives up with `abort_reserve`).
///
/// Broken twin `unwind_wake` (the give-up on unwind without the wake-up) must deadlock it.
#[test]
fn a_panicking_waker_drop_in_poll_reserve_still_wakes_the_receiver() {
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    /// Interleavings that reached the unwind with a claim held, and of those, the ones where
    /// the receiver waited on the held slot (the case of the fix).
    static UNWOUND: AtomicUsize = AtomicUsize::new(0);
    static PARKED: AtomicUsize = AtomicUsize::new(0);
    panicky::silence_expected_panics();
    model(3, || {
        let (tx, mut rx) = full();
        let keep_open = tx.clone();
        let sender = spawn(move || {
            let mut tx = tx;
            let panicky = std::sync::Arc::new(panicky::Panicky {
                armed: loom::sync::atomic::AtomicBool::new(true),
            });
            let waker = panicky::waker(&panicky);
            let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                match tx.poll_reserve(&mut Context::from_waker(&waker)) {
                    Poll::Ready(Ok(permit)) => {
                        permit.send(1);
                        true
                    }
                    Poll::Ready(Err(_)) => panic!("the mailbox is open"),
                    Poll::Pending => false,
                }
            }));
            // Only the queued clone's drop may panic.
            panicky
                .armed
                .store(false, loom::sync::atomic::Ordering::SeqCst);
            match polled {
                // The unwind: its claim is given up.
                Err(_) => true,
                Ok(true) => false,
                // Still full on the re-check: leave the list.
                Ok(false) => {
                    tx.abort_reserve();
                    false
                }
            }
        });
        assert_eq!(rx.try_recv(), Ok(0));
        // Wait while a claim is in flight or held (the sender's, published, given up or still
        // coming); stop at a value or once nothing is claimed.
        let mut waited = false;
        let got = block_on(core::future::poll_fn(|cx| match rx.poll_recv(cx) {
            Poll::Ready(Some(v)) => Poll::Ready(Some(v)),
            Poll::Ready(None) => panic!("a sender keeps the mailbox open"),
            Poll::Pending if rx.is_empty() => Poll::Ready(None),
            Poll::Pending => {
                waited = true;
                Poll::Pending
            }
        }));
        let unwound = sender.join().unwrap();
        if unwound {
            UNWOUND.fetch_add(1, Relaxed);
            if waited {
                PARKED.fetch_add(1, Relaxed);
            }
        }
        assert!(matches!(got, None | Some(1)), "{got:?}");
        drop(keep_open);
    });
    // Not a model that passes because it never gets there.
    assert!(
        UNWOUND.load(Relaxed) > 0,
        "no interleaving unwound with a claim"
    );
    assert!(
        PARKED.load(Relaxed) > 0,
        "no interleaving had the receiver waiting on the claim given up"
    );
}
