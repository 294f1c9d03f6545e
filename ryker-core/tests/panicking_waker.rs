//! The receiver's waker cell meets a waker that panics in `drop` or `clone` (a misbehaving
//! executor's waker: user code, as the wait list treats it). Found by the outside review of the
//! mailbox's scenarios; each test failed on the code before its fix: an accepted message lost,
//! the statistics left unbalanced, a cell that could never register again.

use std::cell::Cell;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Wake, Waker};

use ryker_core::mailbox::{channel, MailboxConfig, Sender};

thread_local! {
    /// While set, the `bad` wakers' drop (or clone) panics.
    static ARMED: Cell<bool> = const { Cell::new(false) };
}

fn noop(_: *const ()) {}
fn clone_ok(data: *const ()) -> RawWaker {
    RawWaker::new(data, &DROP_PANICS)
}
fn drop_panics(_: *const ()) {
    if ARMED.with(Cell::get) && !std::thread::panicking() {
        panic!("a waker's drop panicked");
    }
}
static DROP_PANICS: RawWakerVTable = RawWakerVTable::new(clone_ok, noop, noop, drop_panics);

/// A waker whose `drop` panics while `ARMED` (waking it does nothing).
fn waker_whose_drop_panics() -> Waker {
    // SAFETY: the vtable never dereferences the data pointer.
    unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &DROP_PANICS)) }
}

fn clone_panics(data: *const ()) -> RawWaker {
    if ARMED.with(Cell::get) {
        ARMED.with(|a| a.set(false));
        panic!("a waker's clone panicked");
    }
    RawWaker::new(data, &CLONE_PANICS)
}
static CLONE_PANICS: RawWakerVTable = RawWakerVTable::new(clone_panics, noop, noop, noop);

/// A waker whose next `clone` panics while `ARMED` (once).
fn waker_whose_clone_panics() -> Waker {
    // SAFETY: as above.
    unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &CLONE_PANICS)) }
}

/// Counts wake-ups.
struct Count(AtomicUsize);
impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A waker that, woken, sends `msg` through `tx` (a send landing on another thread at that
/// instant, made deterministic).
struct SendsOnWake(Mutex<Option<(Sender<u32>, u32)>>);
impl Wake for SendsOnWake {
    fn wake(self: Arc<Self>) {
        if let Some((tx, msg)) = self.0.lock().unwrap().take() {
            tx.try_send(msg).unwrap();
        }
    }
}

/// A receive whose re-check (after registering a waker whose drop panics) finds a message.
/// The waker it just stored is taken back and kept (`Receiver::spare_waker`) until the next
/// poll, so the message is handed out.
///
/// Fails on: `poll_inner` dropping that waker while the message sits in `poll_recv`'s
/// one-message buffer; the panic unwinds out of `poll_recv` and drops it: counted as
/// received, never handed out.
///
/// The message is sent between the receive's first look and its registration: here by a
/// waiting sender's waker, woken by the notification for the slot the first look freed (a
/// dropped permit's); on real threads, by any send landing in that window.
#[test]
fn a_message_found_by_the_recheck_survives_a_panicking_waker_drop() {
    let (tx, mut rx) = channel::<u32>(MailboxConfig {
        capacity: 1,
        ..Default::default()
    });
    // A permit holds the only slot; a send waits behind it with the hook waker.
    let permit = tx.try_reserve().unwrap();
    let hook = Arc::new(SendsOnWake(Mutex::new(Some((tx.clone(), 7)))));
    let hook_waker = Waker::from(hook);
    let mut waiting = pin!(tx.send(1));
    assert!(waiting
        .as_mut()
        .poll(&mut Context::from_waker(&hook_waker))
        .is_pending());
    drop(permit); // the slot becomes SKIP
                  // The receive: the first look steps over the SKIP and notifies the waiting sender, whose
                  // waker sends 7 into the freed slot; the poll then registers `bad` and re-checks.
    let bad = waker_whose_drop_panics();
    ARMED.with(|a| a.set(true));
    let polled = catch_unwind(AssertUnwindSafe(|| {
        rx.poll_recv(&mut Context::from_waker(&bad))
    }));
    ARMED.with(|a| a.set(false));
    let stats = rx.stats();
    // What was received, by any path: the poll's answer, or what is still queued.
    let delivered = match &polled {
        Ok(Poll::Ready(Some(m))) => Some(*m),
        _ => rx.try_recv().ok(),
    };
    assert_eq!(
        delivered,
        Some(7),
        "message 7 was accepted ({stats:?}) but never delivered; the poll: {}",
        match &polled {
            Ok(p) => format!("{p:?}"),
            Err(_) => "panicked".to_string(),
        }
    );
}

/// The receiver's drop marks itself gone and drains before it drops its registered waker, so a
/// waker whose drop panics cannot keep what is left from being counted as discarded
/// (`accepted == received + dropped_oldest + discarded` once the receiver is gone, mod.rs).
///
/// Fails on: the waker dropped first: the panic unwinds out of `Receiver::drop` before
/// `rx_gone` is set, and the message sent through the permit afterwards is counted nowhere.
#[test]
fn receiver_drop_with_a_panicking_waker_keeps_the_stats_balanced() {
    let (tx, mut rx) = channel::<u32>(MailboxConfig {
        capacity: 4,
        ..Default::default()
    });
    // A permit holds the oldest slot; a message waits behind it; the receiver parks on the
    // held slot with `bad` registered (no publish wakes it: the message came first).
    let permit = tx.try_reserve().unwrap();
    tx.try_send(1).unwrap();
    let bad = waker_whose_drop_panics();
    assert!(rx.poll_recv(&mut Context::from_waker(&bad)).is_pending());
    ARMED.with(|a| a.set(true));
    let dropped = catch_unwind(AssertUnwindSafe(|| drop(rx)));
    ARMED.with(|a| a.set(false));
    assert!(
        dropped.is_err(),
        "the waker's drop panicked out of the receiver's drop"
    );
    permit.send(0);
    let stats = tx.stats();
    assert_eq!(
        stats.accepted,
        stats.received + stats.dropped_oldest + stats.discarded,
        "the receiver is gone: {stats:?}"
    );
}

/// `WakerCell::register` clones the waker while it holds `REGISTERING`; a clone that panics
/// hands the cell back as it was, so later sends and registrations work.
///
/// Fails on: the bit left set. A send then finds the cell "being registered" and leaves
/// `WAKING` set for the registrar, which never comes to clear it; from then on every
/// registration finds `WAKING`, wakes its own waker and stores nothing: the receiver can never
/// park again (an async one is re-polled at once for ever, a busy loop).
#[test]
fn a_waker_clone_that_panics_leaves_the_cell_working() {
    let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    let bad = waker_whose_clone_panics();
    ARMED.with(|a| a.set(true));
    let polled = catch_unwind(AssertUnwindSafe(|| {
        rx.poll_recv(&mut Context::from_waker(&bad))
    }));
    assert!(polled.is_err(), "the clone panicked");
    tx.try_send(1).unwrap();
    let count = Arc::new(Count(AtomicUsize::new(0)));
    let good = Waker::from(count.clone());
    let mut cx = Context::from_waker(&good);
    assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(1)));
    // Empty now: a poll must register and stay quiet until a send wakes it.
    let mut self_wakes = Vec::new();
    for _ in 0..5 {
        let before = count.0.load(Ordering::SeqCst);
        assert!(rx.poll_recv(&mut cx).is_pending());
        self_wakes.push(count.0.load(Ordering::SeqCst) - before);
    }
    assert_eq!(
        self_wakes.iter().sum::<usize>(),
        0,
        "each poll on the empty mailbox woke its own waker (a yield, not a registration): \
         {self_wakes:?}"
    );
}
