//! Models written while reviewing the reservation APIs (`try_reserve`, `OwnedPermit`,
//! `reserve_many`, `Sender::closed`, `send_before`, sender counts): a weak sender upgrading
//! while the last sender leaves, and under `DropOldest` a send waiting for a held oldest slot
//! while a reservation waits ahead of it. Then the outside review of the mailbox's scenarios: a
//! waiter whose re-check after queueing takes a slot freed before it queued, while the
//! notification of the next free lands on it.
#![cfg(ryker_loom)]

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use loom::sync::{Arc, Mutex, Notify};
use loom_tests::{block_on, block_on_then, model, spawn};
use ryker_core::mailbox::{channel, MailboxConfig, Overflow, Receiver, Sent};

fn config(capacity: usize, overflow: Overflow) -> MailboxConfig {
    MailboxConfig {
        capacity,
        overflow,
        amnesia: false,
    }
}

/// The last sender leaves while a weak sender upgrades: either the upgrade comes first and its
/// sender finds the mailbox open (its message is delivered, and its drop is the close), or it
/// answers `None`. Never a sender to a mailbox the last drop closed, and the receiver sees the
/// end exactly once either way.
#[test]
fn weak_upgrade_races_the_last_sender_drop() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(config(1, Overflow::Busy));
        let weak = tx.downgrade();
        let a = spawn(move || drop(tx));
        let upgraded = match weak.upgrade() {
            Some(tx) => {
                assert_eq!(
                    tx.try_send(7),
                    Ok(Sent::Queued),
                    "upgraded onto a closed mailbox"
                );
                assert!(tx.strong_count() >= 1);
                true
            }
            // (The mailbox may not be closed yet: the last drop closes it after its count
            // reached zero.)
            None => false,
        };
        a.join().unwrap();
        if upgraded {
            assert_eq!(block_on(rx.recv()), Some(7));
        }
        assert_eq!(block_on(rx.recv()), None);
        assert_eq!((weak.strong_count(), rx.sender_strong_count()), (0, 0));
        assert!(weak.upgrade().is_none());
        assert_eq!(weak.weak_count(), 1);
    });
}

/// Under `DropOldest`, capacity 1, the only slot held by a permit: a `reserve` waits for a
/// free slot (the backpressure path under every policy; polled once here, so it is queued
/// first), and a `send` on another thread waits behind it for the held slot's publish, to
/// evict. The permit is sent once the send waits: the send must complete without the receiver
/// doing anything. A publish that woke only the first waiter woke the reservation, which found
/// no free slot and kept the wake-up: the send slept on (a deadlock here).
#[test]
fn drop_oldest_publish_wakes_the_send_behind_a_waiting_reserve() {
    model(3, || {
        let (tx, mut rx) = channel::<u32>(config(1, Overflow::DropOldest));
        let held = tx.try_reserve().expect("a free slot");
        let mut reserve = Box::pin(tx.reserve());
        let mut cx = Context::from_waker(Waker::noop());
        assert!(reserve.as_mut().poll(&mut cx).is_pending(), "no free slot");
        let tx_s = tx.clone();
        let waiting = Arc::new(Notify::new());
        let w = waiting.clone();
        let s = spawn(move || block_on_then(tx_s.send(2), || w.notify()));
        // Publish only once the send has found nothing to evict and is waiting.
        waiting.wait();
        held.send(1);
        // No receive until the send is done: only the publish can wake it.
        assert_eq!(s.join().unwrap(), Ok(Sent::DisplacedOldest));
        assert_eq!(block_on(rx.recv()), Some(2));
        // The receive freed the slot: the reservation gets it.
        match reserve.as_mut().poll(&mut cx) {
            Poll::Ready(Ok(permit)) => permit.send(3),
            other => panic!(
                "the freed slot is the reservation's: {:?}",
                other.is_ready()
            ),
        }
        drop(reserve);
        assert_eq!(block_on(rx.recv()), Some(3));
        drop(tx);
        assert_eq!(block_on(rx.recv()), None);
        let stats = rx.stats();
        assert_eq!(
            (stats.accepted, stats.dropped_oldest, stats.received),
            (3, 1, 2)
        );
    });
}

/// A waker whose first clone runs `hook` (the wait list clones the waker as it queues a
/// waiter, before linking it: the one point between a send's first failed claim and its
/// registration that one thread can reach). Waking it does nothing.
struct Hooked {
    hook: std::sync::Mutex<Option<Box<dyn FnOnce()>>>,
}

fn hooked_clone(data: *const ()) -> RawWaker {
    // SAFETY: `data` points at a live `Hooked` (see `poll_with_hook`).
    let hooked = unsafe { &*(data as *const Hooked) };
    let hook = hooked.hook.lock().unwrap().take();
    if let Some(hook) = hook {
        hook();
    }
    RawWaker::new(data, &HOOKED)
}
fn noop(_: *const ()) {}
static HOOKED: RawWakerVTable = RawWakerVTable::new(hooked_clone, noop, noop, noop);

/// Polls `fut` once with a waker whose first clone runs `hook`; says whether it ran.
fn poll_with_hook<F: Future>(
    fut: core::pin::Pin<&mut F>,
    hook: impl FnOnce() + 'static,
) -> (Poll<F::Output>, bool) {
    let hooked = Hooked {
        hook: std::sync::Mutex::new(Some(Box::new(hook))),
    };
    // SAFETY: the vtable keeps `RawWaker`'s contract; `hooked` outlives every clone that
    // can be woken or cloned (the send below leaves the list before the poll returns, or, if
    // it stays queued, is dropped right after, which unlinks it).
    let waker = unsafe {
        Waker::from_raw(RawWaker::new(
            &hooked as *const Hooked as *const (),
            &HOOKED,
        ))
    };
    let polled = fut.poll(&mut Context::from_waker(&waker));
    let ran = hooked.hook.lock().unwrap().is_none();
    (polled, ran)
}

/// Capacity 2, full with 0 and 1. Task W reserves a slot (`reserve_owned`, keeping the
/// permit); task V sends 2; the receiver takes 0 (while W queues: the waker-clone hook) and
/// then 1 (on V's thread, after V's first poll). Both slots are free after that, so W and V
/// must both get one: V's send must complete while W holds its permit. A deadlock means V was
/// left asleep next to a free slot.
#[test]
fn a_notification_spent_on_a_waiter_that_took_an_older_free_slot() {
    model(2, || {
        let (tx, rx) = channel::<u32>(config(2, Overflow::Busy));
        tx.try_send(0).unwrap();
        tx.try_send(1).unwrap();
        let rx: Arc<Mutex<Receiver<u32>>> = Arc::new(Mutex::new(rx));
        let (tx_w, tx_v) = (tx.clone(), tx.clone());
        let rx_w = rx.clone();
        let w = spawn(move || {
            let mut reserve = pin!(tx_w.reserve_owned());
            let (polled, hook_ran) = poll_with_hook(reserve.as_mut(), move || {
                // The receiver frees slot A between W's failed claim and its queueing:
                // nobody waits yet, so nobody is notified.
                assert!(rx_w.lock().unwrap().try_recv().is_ok());
            });
            let permit = match polled {
                Poll::Ready(permit) => permit.expect("open"),
                // (V took A first: W waits for B.)
                Poll::Pending => block_on(reserve).expect("open"),
            };
            (permit, hook_ran)
        });
        let rx_v = rx.clone();
        let v = spawn(move || {
            let mut send = pin!(tx_v.send(2));
            let first = send.as_mut().poll(&mut Context::from_waker(Waker::noop()));
            // The receiver frees slot B (its notification goes to the first waiter).
            let got = loom_tests::retry(3, || rx_v.lock().unwrap().try_recv().ok());
            assert!(got.is_some());
            match first {
                Poll::Ready(sent) => sent,
                Poll::Pending => block_on(send),
            }
        });
        let (permit, hook_ran) = w.join().unwrap();
        if !hook_ran {
            // W found a slot without queueing (V's thread had freed one): free the other one
            // here, so that two slots are freed in every interleaving.
            assert!(rx.lock().unwrap().try_recv().is_ok());
        }
        // W holds its slot; V must have had the other one.
        assert_eq!(v.join().unwrap(), Ok(Sent::Queued));
        drop(permit.send(3));
        drop(tx);
        let mut rx = Arc::try_unwrap(rx).ok().unwrap().into_inner().unwrap();
        let mut got = Vec::new();
        while let Some(m) = block_on(rx.recv()) {
            got.push(m);
        }
        got.sort_unstable();
        assert_eq!(got, [2, 3]);
    });
}
