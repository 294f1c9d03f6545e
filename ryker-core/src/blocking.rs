//! Running the mailbox's futures on a plain thread: poll, and park until the waker registered
//! by the poll unparks us. The same waker cell and wait list serve async and blocking callers.

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

/// Polls before parking: a few spin-loop rounds, then a few OS yields. Parking and unparking
/// cost a system call on each side, far more than a short wait for a peer that is about to
/// send or receive (the same trade crossbeam-channel makes).
const SPINS_BEFORE_PARK: u32 = if cfg!(ryker_loom) { 0 } else { 6 };
const YIELDS_BEFORE_PARK: u32 = if cfg!(ryker_loom) { 0 } else { 4 };

/// Polls `future` to completion on this thread, parking between polls.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    WAKER.with(|waker| {
        let mut cx = Context::from_waker(waker);
        let mut idle = 0u32;
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            if idle < SPINS_BEFORE_PARK {
                for _ in 0..1u32 << idle {
                    spin_loop();
                }
            } else if idle < SPINS_BEFORE_PARK + YIELDS_BEFORE_PARK {
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
