//! Polling an actor's futures under its guard: panics are caught (under `std`), and an abort
//! cuts a handler short, or a `stopped` that began before it.

use alloc::string::String;
use core::future::Future;
use core::mem::ManuallyDrop;
use core::pin::{pin, Pin};
use core::task::{Context as TaskContext, Poll};

use super::shared::{AbortFlag, ActorShared};
use crate::observe::{in_span, Span};

/// Which abort requests cut a guarded future short, at its next `.await`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cut {
    /// None: `started`, which `stopped` must follow.
    Never,
    /// Any, also one requested before the first poll (the future is then never polled): a
    /// handler.
    Abort,
    /// One that sets this flag ([`ActorShared::next_abort`], taken before the first poll),
    /// seen once the future is pending: `stopped`, which so always begins, and which an abort
    /// requested before it (the one this stop may be for) lets finish.
    After(AbortFlag),
}

/// How one guarded poll of an actor's future ended.
pub(super) enum Outcome {
    Done,
    /// Cut short by an abort. A handler future cut short may still hold its message, whose
    /// destructor may panic when the future is dropped: that panic, caught, is here for the
    /// caller to count like any other.
    Aborted(Option<String>),
    Panicked(String),
}

/// Polls `fut` inside `span`, catching a panic (under `std`).
///
/// Never inlined: inlined into the handler's `poll_fn`, the `catch_unwind` frame can make LLVM
/// keep that `PollFn::poll` out of the loop's state machine, a call and a copy of its state
/// per message. A change elsewhere in the loop tipped the inliner that way: the perf gates
/// (callgrind) read `tell_handle` 334.6 and `ask` 1521.8 instructions per message with it
/// inlined, 321.8 and 1514.8 with it out of line.
#[inline(never)]
pub(super) fn poll_caught<F: Future<Output = ()>>(
    fut: Pin<&mut F>,
    span: &Span,
    cx: &mut TaskContext<'_>,
) -> Poll<Result<(), String>> {
    #[cfg(feature = "std")]
    {
        let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            in_span(span, || fut.poll(cx))
        }));
        match polled {
            Ok(Poll::Ready(())) => Poll::Ready(Ok(())),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(panic_text(payload.as_ref()))),
        }
    }
    #[cfg(not(feature = "std"))]
    {
        in_span(span, || fut.poll(cx)).map(Ok)
    }
}

/// Calls `f`, catching a panic (under `std`).
pub(super) fn call_caught<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    #[cfg(feature = "std")]
    {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            .map_err(|payload| panic_text(payload.as_ref()))
    }
    #[cfg(not(feature = "std"))]
    {
        Ok(f())
    }
}

#[cfg(feature = "std")]
pub(super) fn panic_text(payload: &(dyn core::any::Any + Send)) -> String {
    use alloc::string::ToString;
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}

/// One poll of a handler (or hook) future under the actor's guard: an abort (as `cut` says)
/// and panics end it.
///
/// Always inlined, so the handler's constant `Cut::Abort` folds away: the `tell_handle` perf
/// gate (callgrind) measured 329.2 instructions per message without, 323.4 with, and 320.0
/// with the `abortable: bool` this replaced.
#[inline(always)]
pub(super) fn poll_guarded<F: Future<Output = ()>>(
    fut: Pin<&mut F>,
    shared: &ActorShared,
    span: &Span,
    cut: Cut,
    cx: &mut TaskContext<'_>,
) -> Poll<Outcome> {
    if cut == Cut::Abort && shared.aborted() {
        return Poll::Ready(Outcome::Aborted(None));
    }
    match poll_caught(fut, span, cx) {
        Poll::Ready(Ok(())) => Poll::Ready(Outcome::Done),
        Poll::Ready(Err(panic)) => Poll::Ready(Outcome::Panicked(panic)),
        Poll::Pending => {
            let flag = match cut {
                Cut::Never => return Poll::Pending,
                Cut::Abort => AbortFlag::FIRST,
                Cut::After(flag) => flag,
            };
            if shared.wait_for_abort(cx.waker(), flag) {
                Poll::Ready(Outcome::Aborted(None))
            } else {
                Poll::Pending
            }
        }
    }
}

/// A future pinned in place whose drop the owner times: [`InPlace::drop_caught`] drops it
/// under `catch_unwind`; if the owner is dropped first (the actor's task unwinds or is
/// dropped mid-await), `Drop` drops it there.
///
/// Written here rather than wrapping the future in an `Option` (which `Pin::set(None)` could
/// drop early without unsafe code): on the `tell_handle` perf gate (callgrind, instructions
/// per message) the `Option` measured 444 against 404 for an unguarded drop, over the gate's
/// 10% limit; this measures 418.
pub(super) struct InPlace<'a, F> {
    fut: Pin<&'a mut ManuallyDrop<F>>,
    live: bool,
}

impl<'a, F> InPlace<'a, F> {
    pub(super) fn new(fut: Pin<&'a mut ManuallyDrop<F>>) -> Self {
        Self { fut, live: true }
    }

    pub(super) fn get(&mut self) -> Pin<&mut F> {
        debug_assert!(self.live);
        // SAFETY: structural pinning through `ManuallyDrop` (`repr(transparent)`): the future
        // is never moved out; it is only polled in place and, once, dropped in place.
        unsafe { self.fut.as_mut().map_unchecked_mut(|f| &mut **f) }
    }

    /// Drops the future now, catching a panic of its destructor.
    pub(super) fn drop_caught(mut self) -> Result<(), String> {
        self.live = false;
        // SAFETY: `live` was true, so the future has not been dropped; it is dropped in place
        // (allowed for a pinned value) and never touched again: `live` is false from here, so
        // neither `get` nor `Drop` uses it, also if the destructor panics.
        call_caught(|| unsafe { ManuallyDrop::drop(self.fut.as_mut().get_unchecked_mut()) })
    }
}

impl<F> Drop for InPlace<'_, F> {
    fn drop(&mut self) {
        if self.live {
            self.live = false;
            // SAFETY: as in `drop_caught`: not dropped yet, dropped in place, never used again.
            unsafe { ManuallyDrop::drop(self.fut.as_mut().get_unchecked_mut()) }
        }
    }
}

/// Runs `fut` to its end under the guard. A future cut short by an abort is dropped under the
/// guard too: a handler may still hold its message, whose destructor may panic.
pub(super) async fn guarded<F: Future<Output = ()>>(
    fut: F,
    shared: &ActorShared,
    span: &Span,
    cut: Cut,
) -> Outcome {
    guarded_in_place(pin!(ManuallyDrop::new(fut)), shared, span, cut).await
}

/// [`guarded`], for a future the caller has pinned where it was made: the handler future,
/// message and all, is then never moved into this future's state (measured: a copy of it per
/// message on the tell path, docs/PERFORMANCE.md). From this call on the future is this one's
/// to drop (at its end, or with the returned future, polled or not), never the caller's:
/// `ManuallyDrop` says so. Not an `async fn`, whose body (and so the `InPlace` that owns the
/// drop) would only start on the first poll: a returned future dropped unpolled would leak
/// the handler's.
pub(super) fn guarded_in_place<'a, F: Future<Output = ()> + 'a>(
    slot: Pin<&'a mut ManuallyDrop<F>>,
    shared: &'a ActorShared,
    span: &'a Span,
    cut: Cut,
) -> impl Future<Output = Outcome> + 'a {
    let mut fut = InPlace::new(slot);
    async move {
        let outcome =
            core::future::poll_fn(|cx| poll_guarded(fut.get(), shared, span, cut, cx)).await;
        match outcome {
            // Only a future cut short can still hold the message (a finished `async fn`
            // future, or one that panicked, has dropped its locals already): the others are
            // dropped plainly, by `InPlace`'s `Drop`, with no `catch_unwind` on the
            // per-message path.
            Outcome::Aborted(_) => Outcome::Aborted(fut.drop_caught().err()),
            other => other,
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::observe::no_span;
    use alloc::string::ToString;
    use alloc::sync::Arc;
    use core::sync::atomic::{AtomicUsize, Ordering};
    use core::time::Duration;

    /// A runtime nothing here runs on: `ActorShared` only keeps it for `sleep`.
    #[derive(Clone)]
    struct Unused;

    impl crate::runtime::Runtime for Unused {
        type Instant = Duration;
        fn spawn<F: Future<Output = ()> + Send + 'static>(&self, _task: F) {
            unreachable!("nothing is spawned")
        }
        fn sleep(&self, _dur: Duration) -> impl Future<Output = ()> + Send + 'static {
            core::future::ready(())
        }
        fn now(&self) -> Duration {
            Duration::ZERO
        }
    }

    /// Counts its drops: a stand-in for a handler future holding its message.
    struct Handler(Arc<AtomicUsize>);

    impl Future for Handler {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _cx: &mut TaskContext<'_>) -> Poll<()> {
            Poll::Pending
        }
    }

    impl Drop for Handler {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn a_handler_given_to_guarded_in_place_is_dropped_once_even_if_never_polled() {
        let shared = ActorShared::new("guard-test".to_string(), Unused);
        let span = no_span();
        let drops = Arc::new(AtomicUsize::new(0));
        {
            let slot = pin!(ManuallyDrop::new(Handler(drops.clone())));
            // Made, never polled (a caller dropped between the call and the first poll).
            drop(guarded_in_place(slot, &shared, &span, Cut::Abort));
        }
        assert_eq!(
            drops.load(Ordering::Relaxed),
            1,
            "the handler future leaked"
        );
        {
            let slot = pin!(ManuallyDrop::new(Handler(drops.clone())));
            let mut guarded = pin!(guarded_in_place(slot, &shared, &span, Cut::Abort));
            let waker = futures::task::noop_waker();
            let mut cx = TaskContext::from_waker(&waker);
            assert!(guarded.as_mut().poll(&mut cx).is_pending());
        }
        assert_eq!(
            drops.load(Ordering::Relaxed),
            2,
            "a pending handler future must be dropped with its guard, once"
        );
    }
}
