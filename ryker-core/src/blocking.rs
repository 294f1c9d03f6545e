//! Running the mailbox's futures on a plain thread: poll, and park until the waker registered
//! by the poll unparks us. The same waker cell and wait list serve async and blocking callers.

use alloc::sync::Arc;
use alloc::task::Wake;
use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

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

/// Polls `future` to completion on this thread, parking between polls.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    WAKER.with(|waker| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            // A wake between the poll and this park leaves the unpark token set, so the park
            // returns at once; spurious returns just poll again.
            thread::park();
        }
    })
}
