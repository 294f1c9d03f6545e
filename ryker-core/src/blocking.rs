//! Running futures on a plain thread: poll, and park until the waker registered by the poll
//! unparks us. The same waker cell and wait list serve async and blocking callers of the
//! mailbox; [`block_on`] is also the smallest executor an actor can run on.

use alloc::sync::Arc;
use alloc::task::Wake;
use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use crate::sync::spin_loop;
use crate::sync::thread::{self, Thread};

/// Unparks the thread it was made on.
struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

thread::thread_local! {
    /// One waker per thread, made on first use, so blocking calls allocate nothing per call.
    static WAKER: Waker = Waker::from(Arc::new(Unparker(thread::current())));
}

/// How long a blocking call retries its non-registering `try_*` step before it registers a
/// waker and parks: a few spin-loop rounds, then a few OS yields. Parking and unparking cost a
/// system call on each side, far more than a short wait for a peer that is about to send or
/// receive (the same trade crossbeam-channel makes). Retrying with `try_*` rather than by
/// re-polling matters: every poll re-registers the waker, which would make every sender in
/// the meantime take and wake it.
const SPINS: u32 = if cfg!(ryker_loom) { 0 } else { 6 };
const YIELDS: u32 = if cfg!(ryker_loom) { 0 } else { 4 };

/// Retries `attempt` for a short while; `Some` as soon as it succeeds.
// Under loom the spin counts are 0 (every step is a scheduling point there already).
#[cfg_attr(
    ryker_loom,
    allow(clippy::absurd_extreme_comparisons, clippy::reversed_empty_ranges)
)]
pub(crate) fn spin_then<R>(mut attempt: impl FnMut() -> Option<R>) -> Option<R> {
    for step in 0..SPINS + YIELDS {
        if let Some(done) = attempt() {
            return Some(done);
        }
        if step < SPINS {
            for _ in 0..1u32 << step {
                spin_loop();
            }
        } else {
            thread::yield_now();
        }
    }
    attempt()
}

/// Polls `future` to completion on the current thread, parking the thread between polls.
///
/// Do not nest it (call it from inside a future it is running): the inner call would take the
/// outer call's wake-ups.
///
/// ```
/// let (tx, mut rx) = ryker_core::mailbox::channel::<u8>(Default::default());
/// tx.try_send(7).unwrap();
/// assert_eq!(ryker_core::blocking::block_on(rx.recv()), Some(7));
/// ```
pub fn block_on<F: Future>(future: F) -> F::Output {
    block_on_spin(future, false)
}

/// Polls `future` to completion on this thread, parking between polls.
///
/// With `spin`, a `Pending` poll is retried a few times (spin-loop rounds, then OS yields)
/// before the thread parks. That suits the send path: a queued sender's re-poll only checks
/// its wait-list entry, and a sender notified while it spins claims its slot without the two
/// system calls of a park and an unpark. The receive path spins with plain `try_*` pops
/// instead (see `spin_then`), since each of its polls re-registers the waker.
#[cfg_attr(ryker_loom, allow(clippy::absurd_extreme_comparisons))]
pub(crate) fn block_on_spin<F: Future>(future: F, spin: bool) -> F::Output {
    let mut future = pin!(future);
    WAKER.with(|waker| {
        let mut cx = Context::from_waker(waker);
        let mut idle = 0u32;
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            if spin && idle < SPINS {
                for _ in 0..1u32 << idle {
                    spin_loop();
                }
            } else if spin && idle < SPINS + YIELDS {
                thread::yield_now();
            } else {
                // A wake between the poll and this park leaves the unpark token set, so the
                // park returns at once; spurious returns just poll again.
                thread::park();
                idle = 0;
                continue;
            }
            idle += 1;
        }
    })
}
