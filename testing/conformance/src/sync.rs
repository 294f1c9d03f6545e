//! The test side's synchronisation: a latch that actors, tasks, threads and the test body wait
//! on; bounded waits that fail with a message instead of hanging; manual polling.
//!
//! Everything here is runtime-agnostic (a `Mutex`, wakers and a timer thread of its own), so the suite never
//! leans on the mailbox it is testing to coordinate itself.

use ryker_core::actor::{Actor, ActorHandle, ActorReport};
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

/// How long any single wait may take before the case fails.
pub(crate) const LIMIT: Duration = Duration::from_secs(10);

/// Locks `m`, ignoring poisoning (a panicking actor or task must not hide the real failure
/// behind a `PoisonError`).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A count-down latch: opens when counted down to zero, and stays open.
#[derive(Debug, Default)]
pub(crate) struct Latch {
    state: Mutex<LatchState>,
}

#[derive(Debug, Default)]
struct LatchState {
    count: usize,
    wakers: Vec<Waker>,
}

impl Latch {
    /// A latch that opens after `count` count-downs.
    pub(crate) fn new(count: usize) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(LatchState {
                count,
                wakers: Vec::new(),
            }),
        })
    }

    /// Counts down once (no effect once open).
    pub(crate) fn count_down(&self) {
        let wakers = {
            let mut state = lock(&self.state);
            if state.count == 0 {
                return;
            }
            state.count -= 1;
            if state.count > 0 {
                return;
            }
            std::mem::take(&mut state.wakers)
        };
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Opens the latch whatever its count.
    pub(crate) fn open(&self) {
        let wakers = {
            let mut state = lock(&self.state);
            state.count = 0;
            std::mem::take(&mut state.wakers)
        };
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Completes once the latch is open.
    pub(crate) async fn wait(&self) {
        poll_fn(|cx| {
            let mut state = lock(&self.state);
            if state.count == 0 {
                return Poll::Ready(());
            }
            if !state.wakers.iter().any(|w| w.will_wake(cx.waker())) {
                state.wakers.push(cx.waker().clone());
            }
            Poll::Pending
        })
        .await;
    }

    /// A guard that counts the latch down when dropped, also while unwinding, so a helper
    /// task that panics still lets the test body go on (and fail on what is missing).
    pub(crate) fn guard(self: &Arc<Self>) -> CountDownOnDrop {
        CountDownOnDrop(self.clone())
    }
}

/// Counts its latch down on drop.
#[derive(Debug)]
pub(crate) struct CountDownOnDrop(Arc<Latch>);

impl Drop for CountDownOnDrop {
    fn drop(&mut self) {
        self.0.count_down();
    }
}

/// Sets a flag on drop: the test body holds one for each helper thread's stop flag, so a
/// failing case stops its feeders instead of leaving them spinning.
#[derive(Debug)]
pub(crate) struct SetOnDrop(pub(crate) Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// Runs `fut`, failing the case if it has not completed within [`LIMIT`].
///
/// The deadline is kept by the suite's own timer thread, not by the runtime's `sleep`: a
/// runtime whose timer is broken must fail its cases, not hang them. (A runtime that never
/// gives the test body the worker back can still delay the failure; the fairness cases
/// bound that themselves.)
pub(crate) async fn within<F: Future>(what: &str, fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut timer = Delay::new(LIMIT);
    let out = poll_fn(|cx| {
        if let Poll::Ready(out) = fut.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        timer.poll(cx).map(|()| None)
    })
    .await;
    match out {
        Some(out) => out,
        None => panic!("timed out after {LIMIT:?} waiting for {what}"),
    }
}

/// Asks `handle` for a graceful stop and joins it [`within`] the limit; the report.
pub(crate) async fn stop_and_join<A: Actor>(what: &str, mut handle: ActorHandle<A>) -> ActorReport {
    handle.shutdown();
    within(what, handle.join()).await.expect("joined")
}

/// Aborts `handle` and joins it [`within`] the limit; the report.
pub(crate) async fn abort_and_join<A: Actor>(
    what: &str,
    mut handle: ActorHandle<A>,
) -> ActorReport {
    handle.abort();
    within(what, handle.join()).await.expect("joined")
}

/// Waits until `cond` holds, checking every millisecond (on the suite's timer); fails the
/// case after [`LIMIT`].
pub(crate) async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + LIMIT;
    while !cond() {
        assert!(
            Instant::now() < deadline,
            "timed out after {LIMIT:?} waiting for {what}"
        );
        let mut tick = Delay::new(Duration::from_millis(1));
        poll_fn(|cx| tick.poll(cx)).await;
    }
}

/// A timer on the suite's own thread: completes at its deadline.
#[derive(Debug)]
pub(crate) struct Delay {
    deadline: Instant,
    /// The waker last handed to the timer thread.
    registered: Option<Waker>,
}

impl Delay {
    /// Completes `dur` from now.
    pub(crate) fn new(dur: Duration) -> Self {
        Self {
            deadline: Instant::now() + dur,
            registered: None,
        }
    }

    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        if !self
            .registered
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()))
        {
            self.registered = Some(cx.waker().clone());
            timer().add(self.deadline, cx.waker().clone());
        }
        Poll::Pending
    }
}

/// The timer thread's queue: deadlines and the wakers to wake then.
#[derive(Debug, Default)]
struct Timer {
    due: Mutex<Vec<(Instant, Waker)>>,
    cond: Condvar,
}

impl Timer {
    fn add(&self, at: Instant, waker: Waker) {
        lock(&self.due).push((at, waker));
        self.cond.notify_one();
    }

    fn run(&self) -> ! {
        let mut due = lock(&self.due);
        loop {
            let now = Instant::now();
            let mut fired = Vec::new();
            due.retain(|(at, waker)| {
                let keep = *at > now;
                if !keep {
                    fired.push(waker.clone());
                }
                keep
            });
            if !fired.is_empty() {
                drop(due);
                fired.into_iter().for_each(Waker::wake);
                due = lock(&self.due);
                continue;
            }
            due = match due.iter().map(|(at, _)| *at).min() {
                Some(next) => {
                    let wait = next.saturating_duration_since(now);
                    self.cond
                        .wait_timeout(due, wait)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self.cond.wait(due).unwrap_or_else(PoisonError::into_inner),
            };
        }
    }
}

/// The process's timer, its thread started on first use.
fn timer() -> &'static Timer {
    static TIMER: OnceLock<&'static Timer> = OnceLock::new();
    TIMER.get_or_init(|| {
        let timer: &'static Timer = Box::leak(Box::default());
        std::thread::Builder::new()
            .name("ryker-conformance-timer".into())
            .spawn(|| timer.run())
            .expect("the conformance timer thread");
        timer
    })
}

/// A deadline on the suite's timer thread that raises a flag, for the cases whose failure is a
/// runtime that never gives the test body its worker back (where [`within`] cannot fire: the
/// test body is never polled again). The misbehaving actor checks the flag and stops
/// misbehaving once it is raised, so the case gets to its end, and fails there on
/// [`Watchdog::fired`] instead of hanging.
#[derive(Debug, Clone)]
pub(crate) struct Watchdog(Arc<Fired>);

/// Set once by the timer thread. Release here and Acquire in [`Watchdog::fired`]: a reader
/// that sees the flag sees the deadline passed; no other data is published through it.
#[derive(Debug, Default)]
struct Fired(AtomicBool);

impl Wake for Fired {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.store(true, Ordering::Release);
    }
}

impl Watchdog {
    /// A watchdog that fires [`LIMIT`] from now.
    pub(crate) fn start() -> Self {
        let fired = Arc::new(Fired::default());
        timer().add(Instant::now() + LIMIT, Waker::from(fired.clone()));
        Self(fired)
    }

    /// Whether the deadline has passed.
    pub(crate) fn fired(&self) -> bool {
        self.0 .0.load(Ordering::Acquire)
    }
}

/// Polls `fut` once with a waker that does nothing.
pub(crate) fn poll_once<F: Future + ?Sized>(fut: Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(Waker::noop()))
}

/// A waker that counts its wake-ups.
#[derive(Debug, Default)]
pub(crate) struct WakeCount(AtomicUsize);

impl WakeCount {
    /// Wake-ups so far.
    pub(crate) fn get(&self) -> usize {
        self.0.load(Ordering::Acquire)
    }
}

impl Wake for WakeCount {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

/// Spins for `dur` of wall-clock time (a handler that is busy without awaiting).
pub(crate) fn busy_spin(dur: Duration) {
    let until = Instant::now() + dur;
    while Instant::now() < until {
        std::hint::spin_loop();
    }
}
