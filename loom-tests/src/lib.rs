//! loom model checks of ryker-core; the models live in `tests/`, each compiled only under
//! `--cfg ryker_loom`. Run them with `bash .ci/loom.sh` (the suite and the broken twins).
//!
//! This library holds what the models share: the model builder (one preemption bound per model,
//! overridable with `LOOM_MAX_PREEMPTIONS`), a spawn that yields right after spawning (loom
//! issues #166/#392: without it loom has been seen to explore a single interleaving), a payload
//! that counts its drops, and bounded retry loops (a model never spins without bound).
#![cfg_attr(not(ryker_loom), allow(unused))]

#[cfg(ryker_loom)]
pub use imp::*;

#[cfg(ryker_loom)]
mod imp {
    use core::fmt;
    use core::future::Future;
    use core::pin::Pin;
    use core::task::{Context, Poll};

    use loom::sync::atomic::{AtomicUsize, Ordering};
    use loom::sync::Arc;
    use ryker_core::mailbox::{MailboxConfig, Overflow, Sender};

    /// A mailbox of `capacity` under `Overflow::Busy`, without amnesia: the configuration most
    /// models use.
    pub fn busy(capacity: usize) -> MailboxConfig {
        MailboxConfig {
            capacity,
            overflow: Overflow::Busy,
            amnesia: false,
        }
    }

    /// Runs `f` under loom with `preemption_bound` (unless `LOOM_MAX_PREEMPTIONS` overrides it)
    /// and prints how many interleavings loom explored (a model that passes after one or two
    /// interleavings proves nothing; the broken twins in `.ci/loom.sh` check the search).
    ///
    /// The branch limit is raised from loom's 1 000 to 20 000 (unless `LOOM_MAX_BRANCHES` is
    /// set): an execution in which a thread re-polls while another is preempted in the middle
    /// of a wake-up is long but finite.
    pub fn model<F>(preemption_bound: usize, f: F)
    where
        F: Fn() + Sync + Send + 'static,
    {
        let mut builder = loom::model::Builder::new();
        if builder.preemption_bound.is_none() {
            builder.preemption_bound = Some(preemption_bound);
        }
        if std::env::var_os("LOOM_MAX_BRANCHES").is_none() {
            builder.max_branches = 20_000;
        }
        let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = runs.clone();
        let start = std::time::Instant::now();
        builder.check(move || {
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            f();
        });
        eprintln!(
            "loom: {} interleavings explored in {:.1?} (preemption bound {:?})",
            runs.load(std::sync::atomic::Ordering::Relaxed),
            start.elapsed(),
            builder.preemption_bound,
        );
    }

    /// `loom::thread::spawn`, then a yield so that loom branches on the new thread at once
    /// (the pitfall of loom issues #166/#392).
    pub fn spawn<F, T>(f: F) -> loom::thread::JoinHandle<T>
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        let handle = loom::thread::spawn(f);
        loom::thread::yield_now();
        handle
    }

    /// A thread spawned with [`spawn_joined_late`].
    pub struct JoinedLate<T> {
        handle: loom::thread::JoinHandle<()>,
        result: Arc<loom::sync::Mutex<Option<T>>>,
        done: Arc<loom::sync::atomic::AtomicBool>,
    }

    /// [`spawn`] for a thread that may unpark its joiner while the joiner waits for it, which
    /// std allows and loom does not: an unpark that reaches a thread blocked in loom's
    /// `JoinHandle::join` aborts the model with "assertion failed: state.notified" (loom issue
    /// #249; the fix proposed upstream is loom PR #418). A blocking receive leaves its thread's
    /// waker registered when a re-check finds the message, so a later send may wake a
    /// receiver that has moved on to joining the sender. [`JoinedLate::join`] yields until
    /// the thread's closure has returned, and only then joins, when nothing of the thread can
    /// unpark the joiner any more.
    pub fn spawn_joined_late<F, T>(f: F) -> JoinedLate<T>
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        let result = Arc::new(loom::sync::Mutex::new(None));
        let done = Arc::new(loom::sync::atomic::AtomicBool::new(false));
        let (r, d) = (result.clone(), done.clone());
        let handle = spawn(move || {
            let value = f();
            *r.lock().unwrap() = Some(value);
            // Release: the joiner's Acquire load sees the result stored above.
            d.store(true, Ordering::Release);
        });
        JoinedLate {
            handle,
            result,
            done,
        }
    }

    impl<T> fmt::Debug for JoinedLate<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("JoinedLate").finish_non_exhaustive()
        }
    }

    impl<T> JoinedLate<T> {
        /// The thread's result, once its closure has returned (see [`spawn_joined_late`]).
        pub fn join(self) -> T {
            // Acquire: pairs with the thread's Release store after it stored its result.
            while !self.done.load(Ordering::Acquire) {
                loom::thread::yield_now();
            }
            self.handle.join().expect("the thread finished its closure");
            let value = self.result.lock().unwrap().take();
            value.expect("the thread stored its result")
        }
    }

    /// Calls `attempt` up to `tries` times, yielding between tries, until it returns `Some`.
    ///
    /// Under loom ryker's backoff gives up after two steps, so `try_*` may say "not yet" while
    /// another thread is mid-operation; a model retries a bounded number of times and must
    /// accept the last "not yet" as an outcome.
    pub fn retry<R>(tries: usize, mut attempt: impl FnMut() -> Option<R>) -> Option<R> {
        for i in 0..tries {
            if let Some(r) = attempt() {
                return Some(r);
            }
            if i + 1 < tries {
                loom::thread::yield_now();
            }
        }
        None
    }

    /// Sends `msg` through [`Sender::poll_reserve`] and the [`Permit`](ryker_core::mailbox::Permit)
    /// it returns: the poll-based enqueue, as an actor adapter drives it.
    pub fn send_via_reserve<T>(tx: &mut Sender<T>, msg: T) -> Result<(), T> {
        block_on(ViaReserve { tx, msg: Some(msg) })
    }

    struct ViaReserve<'a, T> {
        tx: &'a mut Sender<T>,
        msg: Option<T>,
    }

    impl<T> Unpin for ViaReserve<'_, T> {}

    impl<T> Future for ViaReserve<'_, T> {
        type Output = Result<(), T>;

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), T>> {
            let this = &mut *self;
            match this.tx.poll_reserve(cx) {
                Poll::Ready(Ok(permit)) => {
                    permit.send(this.msg.take().expect("polled after completion"));
                    Poll::Ready(Ok(()))
                }
                Poll::Ready(Err(_closed)) => {
                    Poll::Ready(Err(this.msg.take().expect("polled after completion")))
                }
                Poll::Pending => Poll::Pending,
            }
        }
    }

    /// Per-id drop counters shared by every [`Msg`] of one model run.
    #[derive(Clone, Debug)]
    pub struct Drops(Arc<Vec<AtomicUsize>>);

    impl Drops {
        /// Counters for ids `0..n`.
        pub fn new(n: usize) -> Self {
            Self(Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect()))
        }

        /// A message with this id.
        pub fn msg(&self, id: usize) -> Msg {
            assert!(id < self.0.len());
            Msg {
                id,
                drops: self.clone(),
            }
        }

        /// How many times the message `id` was dropped.
        pub fn count(&self, id: usize) -> usize {
            self.0[id].load(Ordering::SeqCst)
        }

        /// Asserts that every message was dropped exactly once.
        #[track_caller]
        pub fn assert_each_dropped_once(&self) {
            let counts: Vec<usize> = (0..self.0.len()).map(|id| self.count(id)).collect();
            assert!(
                counts.iter().all(|&c| c == 1),
                "every message must be dropped exactly once; drop counts by id: {counts:?}"
            );
        }
    }

    /// A payload that counts its drops (in a loom atomic, so loom also checks the counting).
    pub struct Msg {
        /// Which message this is.
        pub id: usize,
        drops: Drops,
    }

    impl fmt::Debug for Msg {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "Msg({})", self.id)
        }
    }

    impl PartialEq for Msg {
        fn eq(&self, other: &Self) -> bool {
            self.id == other.id
        }
    }

    impl Drop for Msg {
        fn drop(&mut self) {
            let before = self.drops.0[self.id].fetch_add(1, Ordering::SeqCst);
            assert_eq!(before, 0, "message {} dropped twice", self.id);
        }
    }

    /// `loom::future::block_on`, with a yield after every `Pending` poll.
    ///
    /// ryker's waker cell follows `AtomicWaker`: a registration that finds a sender in the middle
    /// of taking the waker (`WAKING`) wakes the new waker at once, so the executor polls again.
    /// A real executor's thread is eventually descheduled and the sender finishes; loom instead
    /// explores the schedule in which the re-polling thread runs forever and gives up with
    /// "exceeded maximum number of branches". The yield tells loom that this thread is waiting
    /// for another one to make progress, which is what it is doing.
    pub fn block_on<F: Future>(fut: F) -> F::Output {
        loom::future::block_on(YieldOnPending(fut))
    }

    /// [`block_on`], calling `waiting` once, right after the first poll that returns `Pending`
    /// (the future has then registered its waker): lets another thread act only once this one
    /// is certainly waiting.
    pub fn block_on_then<F: Future>(fut: F, waiting: impl FnOnce()) -> F::Output {
        let mut waiting = Some(waiting);
        let mut fut = core::pin::pin!(fut);
        block_on(core::future::poll_fn(move |cx| {
            let poll = fut.as_mut().poll(cx);
            if poll.is_pending() {
                if let Some(waiting) = waiting.take() {
                    waiting();
                }
            }
            poll
        }))
    }

    struct YieldOnPending<F>(F);

    impl<F: Future> Future for YieldOnPending<F> {
        type Output = F::Output;

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
            // SAFETY: structural pinning of the only field; it is never moved out.
            let fut = unsafe { self.map_unchecked_mut(|s| &mut s.0) };
            let poll = fut.poll(cx);
            if poll.is_pending() {
                loom::thread::yield_now();
            }
            poll
        }
    }
}
