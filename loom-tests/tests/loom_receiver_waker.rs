//! The receiver's waker cell (`WakerCell`, ryker-core/src/waker.rs) across the lives of the
//! tasks that poll the receiver: the scenarios a user reaches in which the waker in the cell
//! could be the wrong one, or could outlive its task.
//!
//! * A receive under a timeout (or in a losing `select!` arm) leaves its waker registered, and
//!   the receiver is then awaited from another task: the send must wake the task that waits
//!   now, not the one that gave up (`stale_waker`, a registration that keeps the stored waker,
//!   deadlocks).
//! * The receiver is dropped (its task ends, an actor stops) while a send is waking it: the
//!   waker, and with it the ended task's memory, must be let go of once both are done,
//!   although a `Sender` lives on (`drop_keeps_waker`, a receiver drop that leaves the
//!   registration in the cell, fails).
//!
//! The main thread keeps a `Sender` until after the joins, so that no close hides a lost
//! wake-up. A wake whose waker panics is a deterministic test (`permit_send_panicking_rx_waker`
//! in ryker-core/tests/peer_tokio_mpsc.rs): the cell must take a registration again after it.
#![cfg(ryker_loom)]

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::task::Wake;

use loom_tests::{block_on, busy, model, spawn};
use ryker_core::mailbox::{channel, Sent};

/// The waker of a task that gave up (its timeout fired) or ended: counts its wakes. Plain std
/// atomics and `Arc`: bookkeeping of the model, not part of what loom checks; the `Arc`'s
/// strong count says whether the cell still holds the waker.
#[derive(Default)]
struct Gone(AtomicUsize);

impl Wake for Gone {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Relaxed);
    }
}

impl Gone {
    fn new() -> (Arc<Self>, Waker) {
        let task = Arc::new(Self::default());
        let waker = Waker::from(task.clone());
        (task, waker)
    }
}

/// `timeout(d, rx.recv())` fires after the first poll, and the receiver is then awaited from
/// another task (moved into a spawned task, or a `select!` loop that builds a new future per
/// turn). The first poll left the old task's waker in the cell; the send may come before, while
/// or after the new task registers.
///
/// Must hold: the waiting task gets the message (a registration with another waker replaces
/// the stored one). Broken twin `stale_waker` (a registration never replaces a stored waker)
/// wakes the task that gave up and deadlocks here.
#[test]
fn receiver_awaited_from_another_task_after_a_timeout() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(1));
        let keep = tx.clone();
        let (_gone, gone_waker) = Gone::new();
        {
            let mut recv = pin!(rx.recv());
            let first = recv.as_mut().poll(&mut Context::from_waker(&gone_waker));
            assert_eq!(first, Poll::Pending, "nothing sent yet");
        }
        drop(gone_waker);
        let s = spawn(move || {
            assert_eq!(tx.try_send(7), Ok(Sent::Queued), "an empty mailbox accepts");
        });
        assert_eq!(block_on(rx.recv()), Some(7), "the task that waits now");
        s.join().unwrap();
        drop(keep);
    });
}

/// A receiving task ends (it is aborted, or loses a `select!` and returns; an actor stops)
/// while a send is waking it: the receive was polled once and registered, and the receiver is
/// dropped as the sender wakes its waker.
///
/// Must hold: once the send has returned and the receiver is gone, the cell holds no waker,
/// though a `Sender` lives on (the waker keeps the ended task's memory alive): a send that
/// found the registration took the waker out and dropped it after its wake, and the drop of
/// the receiver disarms (takes and drops) one that no send took. Broken twin
/// `drop_keeps_waker` (the drop leaves the registration) fails here when the send comes after
/// the close.
#[test]
fn receiver_dropped_while_a_send_wakes_it() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(busy(1));
        let keep = tx.clone();
        let (task, waker) = Gone::new();
        let r = spawn(move || {
            {
                let mut recv = pin!(rx.recv());
                // Pending (registered), or the message if the send came first.
                let first = recv.as_mut().poll(&mut Context::from_waker(&waker));
                assert!(matches!(first, Poll::Pending | Poll::Ready(Some(7))));
            }
            drop(waker);
            drop(rx);
        });
        let s = spawn(move || {
            // Queued, or `Closed` once the receiver is gone.
            let _ = tx.try_send(7);
        });
        r.join().unwrap();
        s.join().unwrap();
        assert_eq!(
            Arc::strong_count(&task),
            1,
            "the ended task's waker is still held by the mailbox"
        );
        drop(keep);
    });
}
