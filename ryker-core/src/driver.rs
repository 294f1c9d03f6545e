//! The one actor run loop, as a runtime-agnostic future ([`run`]), and the state an actor's
//! mailbox carries for it ([`ActorShared`]).
//!
//! The loop takes up to `batch_size` messages per dequeue and handles them in order. It gives
//! the worker back to the runtime after every full batch, and otherwise once `yield_ms` (±25%
//! with jitter) has passed since it last gave it back (by yielding, or by finding the mailbox
//! empty). A batch that did not fill up does not force a yield: the mailbox was drained, so the
//! next dequeue usually returns `Pending` anyway, and the clock check catches a stream that
//! never lets it. The clock is read every `stride` messages, where `stride` doubles (up to 8)
//! while handlers are fast and halves when they are slow, so a no-op handler does not pay a
//! clock read per message and one that turns slow is noticed within 8 messages.
//!
//! A caught panic (in `handle` or `started`) gives the worker back before the actor goes on,
//! whatever the budget says: a panic costs far more than a yield, and an actor that panics on
//! every message, or whose `started` panics on every restart, must neither hold its worker nor
//! outlive an abort. Abort is checked after every outcome: before each message, after each
//! panic (before and after that yield), and after `started`.
//!
//! Shutdown, abort and panics never lose a message silently: every accepted message is
//! handled, handed to the dead-letter hook (panic under `Supervision::Stop`), or counted as
//! discarded (abort); if the runtime drops the task, the batch buffer and the mailbox drop
//! what they hold, each message exactly once.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::future::Future;
use core::mem::ManuallyDrop;
use core::pin::{pin, Pin};
use core::task::{Context as TaskContext, Poll};
use core::time::Duration;

use crate::actor::{
    Actor, ActorOptions, ActorReport, Context, DeadLetter, DeadLetterHook, Exit, Factory, Mail,
    Supervision,
};
use crate::config::ActorConfig;
use crate::mailbox::{Attachment, Receiver, WeakSender};
use crate::metrics::MailboxStats;
use crate::observe::{self, in_span, Event, Observer, Span};
use crate::policy::Overflow;
use crate::runtime::Runtime;
use crate::sync::{fence, AtomicUsize, Ordering};
use crate::waker::WakerCell;

/// `handle.shutdown()` was called.
const SHUTDOWN: usize = 0b001;
/// `handle.abort()` was called.
const ABORT: usize = 0b010;
/// The loop has finished.
const FINISHED: usize = 0b100;

/// The runtime's timer, type-erased so `Addr<A>` need not name the runtime.
pub(crate) trait Sleeper: Send + Sync {
    fn sleep(&self, dur: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

impl<R: Runtime> Sleeper for R {
    fn sleep(&self, dur: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(Runtime::sleep(self, dur))
    }
}

/// Per-actor state that lives with the mailbox (its attachment), so an [`Addr`] is a single
/// reference-counted pointer.
///
/// [`Addr`]: crate::actor::Addr
pub(crate) struct ActorShared {
    name: Box<str>,
    sleeper: Box<dyn Sleeper>,
    pub(crate) observer: Observer,
    /// `SHUTDOWN | ABORT | FINISHED`.
    flags: AtomicUsize,
    /// The loop's waker while a handler is pending, so an abort can cut the handler short.
    waker: WakerCell,
}

impl fmt::Debug for ActorShared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActorShared")
            .field("name", &self.name)
            .field("flags", &self.flags.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Attachment for ActorShared {
    #[inline]
    fn on_busy(&self) {
        self.observer.on_busy();
    }

    #[inline]
    fn on_dropped(&self, policy: Overflow) {
        self.observer.on_dropped(policy);
    }
}

impl ActorShared {
    pub(crate) fn new<R: Runtime>(name: String, runtime: R) -> Self {
        Self {
            observer: Observer::new(&name),
            name: name.into_boxed_str(),
            sleeper: Box::new(runtime),
            flags: AtomicUsize::new(0),
            waker: WakerCell::new(),
        }
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn sleep(&self, dur: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        self.sleeper.sleep(dur)
    }

    /// Marks a graceful shutdown; the caller closes the mailbox right after.
    pub(crate) fn request_shutdown(&self) {
        // Release: pairs with the Acquire load in `shutdown_requested`. (The loop reads the
        // flag after it saw the close that follows this store, which orders it anyway.)
        self.flags.fetch_or(SHUTDOWN, Ordering::Release);
    }

    /// Marks an abort and wakes a pending handler; the caller closes the mailbox right after
    /// (which wakes the loop if it waits on the mailbox instead).
    pub(crate) fn request_abort(&self) {
        // SeqCst RMW + fence: Dekker pair with `poll_guarded`, which registers its waker,
        // fences, and loads the flag. Either it sees ABORT or we see its waker.
        self.flags.fetch_or(ABORT, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if self.waker.may_need_wake() {
            self.waker.wake();
        }
    }

    #[inline]
    fn aborted(&self) -> bool {
        // Relaxed on the hot path (one check per message): a late sighting only means one
        // more message is handled; `poll_guarded`'s re-check after registering is SeqCst.
        self.flags.load(Ordering::Relaxed) & ABORT != 0
    }

    fn shutdown_requested(&self) -> bool {
        // Acquire: pairs with the Release in `request_shutdown`.
        self.flags.load(Ordering::Acquire) & SHUTDOWN != 0
    }

    pub(crate) fn is_finished(&self) -> bool {
        // Acquire: pairs with the Release in `finish`, so a caller that sees FINISHED sees the
        // loop's final state (the report is sent through its own channel).
        self.flags.load(Ordering::Acquire) & FINISHED != 0
    }

    fn finish(&self) {
        // Release: see `is_finished`.
        self.flags.fetch_or(FINISHED, Ordering::Release);
    }
}

/// Marks the actor finished and releases the loop's waker when the loop ends — also when the
/// runtime drops the task mid-flight.
struct Finish<'a>(&'a ActorShared);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        self.0.waker.disarm();
        self.0.finish();
    }
}

/// How one guarded poll of an actor's future ended.
enum Outcome {
    Done,
    /// Cut short by an abort. A handler future cut short may still hold its message, whose
    /// destructor may panic when the future is dropped: that panic, caught, is here for the
    /// caller to count like any other.
    Aborted(Option<String>),
    Panicked(String),
}

/// Polls `fut` inside `span`, catching a panic (under `std`).
fn poll_caught<F: Future<Output = ()>>(
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
fn call_caught<T>(f: impl FnOnce() -> T) -> Result<T, String> {
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
fn panic_text(payload: &(dyn core::any::Any + Send)) -> String {
    use alloc::string::ToString;
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}

/// One poll of a handler (or hook) future under the actor's guard: abort (when `abortable`)
/// and panics end it.
fn poll_guarded<F: Future<Output = ()>>(
    fut: Pin<&mut F>,
    shared: &ActorShared,
    span: &Span,
    abortable: bool,
    cx: &mut TaskContext<'_>,
) -> Poll<Outcome> {
    if abortable && shared.aborted() {
        return Poll::Ready(Outcome::Aborted(None));
    }
    match poll_caught(fut, span, cx) {
        Poll::Ready(Ok(())) => Poll::Ready(Outcome::Done),
        Poll::Ready(Err(panic)) => Poll::Ready(Outcome::Panicked(panic)),
        Poll::Pending if !abortable => Poll::Pending,
        Poll::Pending => {
            shared.waker.register(cx.waker());
            // SeqCst fence: pairs with `request_abort` (store ABORT, fence, check the waker).
            // Broken twin `abort_wake` (loom suite only) leaves it out.
            #[cfg(not(ryker_loom_broken = "abort_wake"))]
            fence(Ordering::SeqCst);
            if shared.flags.load(Ordering::Relaxed) & ABORT != 0 {
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
struct InPlace<'a, F> {
    fut: Pin<&'a mut ManuallyDrop<F>>,
    live: bool,
}

impl<'a, F> InPlace<'a, F> {
    fn new(fut: Pin<&'a mut ManuallyDrop<F>>) -> Self {
        Self { fut, live: true }
    }

    fn get(&mut self) -> Pin<&mut F> {
        debug_assert!(self.live);
        // SAFETY: structural pinning through `ManuallyDrop` (`repr(transparent)`): the future
        // is never moved out; it is only polled in place and, once, dropped in place.
        unsafe { self.fut.as_mut().map_unchecked_mut(|f| &mut **f) }
    }

    /// Drops the future now, catching a panic of its destructor.
    fn drop_caught(mut self) -> Result<(), String> {
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
async fn guarded<F: Future<Output = ()>>(
    fut: F,
    shared: &ActorShared,
    span: &Span,
    abortable: bool,
) -> Outcome {
    let slot = pin!(ManuallyDrop::new(fut));
    let mut fut = InPlace::new(slot);
    let outcome =
        core::future::poll_fn(|cx| poll_guarded(fut.get(), shared, span, abortable, cx)).await;
    match outcome {
        // Only a future cut short can still hold the message (a finished `async fn` future,
        // or one that panicked, has dropped its locals already): the others are dropped
        // plainly, by `InPlace`'s `Drop`, with no `catch_unwind` on the per-message path.
        Outcome::Aborted(_) => Outcome::Aborted(fut.drop_caught().err()),
        other => other,
    }
}

/// When to yield within a batch.
struct Fairness<I> {
    interval_ns: u64,
    jitter: bool,
    rng: fastrand::Rng,
    /// Messages between clock reads, 1..=64.
    stride: u32,
    since_check: u32,
    last_check: I,
    deadline: I,
}

impl<I> Fairness<I>
where
    I: Copy + Ord + core::ops::Add<Duration, Output = I> + core::ops::Sub<I, Output = Duration>,
{
    /// At most this many messages between clock reads: a handler that turns slow is noticed
    /// within 8 messages.
    const MAX_STRIDE: u32 = 8;

    fn new(config: &ActorConfig, seed: u64, now: I) -> Self {
        let mut this = Self {
            interval_ns: config.yield_ms.saturating_mul(1_000_000),
            jitter: config.jitter,
            rng: fastrand::Rng::with_seed(seed),
            stride: 1,
            since_check: 0,
            last_check: now,
            deadline: now,
        };
        this.restart(now);
        this
    }

    /// The next interval: `yield_ms`, or a uniform 75%..125% of it with jitter.
    fn interval(&mut self) -> Duration {
        let ns = if self.jitter {
            self.interval_ns / 4 * 3 + self.rng.u64(0..=self.interval_ns / 2)
        } else {
            self.interval_ns
        };
        Duration::from_nanos(ns)
    }

    /// The actor just got the worker back (after a yield, or after waiting on an empty
    /// mailbox): the interval starts now.
    fn restart(&mut self, now: I) {
        self.last_check = now;
        self.since_check = 0;
        self.deadline = now + self.interval();
    }

    /// After each handled message: whether the interval is up.
    #[inline]
    fn after_message<R: Runtime<Instant = I>>(&mut self, rt: &R) -> bool {
        self.since_check += 1;
        if self.since_check < self.stride {
            return false;
        }
        self.check(rt.now())
    }

    fn check(&mut self, now: I) -> bool {
        let step = now - self.last_check;
        self.last_check = now;
        self.since_check = 0;
        // Fast handlers (the last `stride` messages took under 1/16 of the interval): read the
        // clock half as often. Slow ones: twice as often.
        if step.as_nanos() < u128::from(self.interval_ns / 16) {
            self.stride = (self.stride * 2).min(Self::MAX_STRIDE);
        } else {
            self.stride = (self.stride / 2).max(1);
        }
        now >= self.deadline
    }
}

/// Restart bookkeeping and the dead-letter hook.
struct Supervisor<A: Actor, I> {
    policy: Supervision,
    factory: Option<Factory<A>>,
    dead_letters: Option<DeadLetterHook<A::Msg>>,
    /// When recent restarts happened (within the window).
    restarts_at: Vec<I>,
}

impl<A: Actor, I> Supervisor<A, I>
where
    I: Copy + Ord + core::ops::Sub<I, Output = Duration>,
{
    /// Hands `letter` to the hook, or drops it without one. A panic there (the hook's, or the
    /// destructor of the message the letter carries) must not take the actor's task (and its
    /// report) down: it is caught and returned for the caller to count, so that
    /// `report.panics` is the same whether or not a hook is installed. The hook stays.
    fn dead_letter(&mut self, letter: DeadLetter<A::Msg>) -> Result<(), String> {
        match &mut self.dead_letters {
            Some(hook) => call_caught(|| hook(letter)),
            None => call_caught(|| drop(letter)),
        }
    }

    /// A panic was caught: count it and hand it to the dead-letter hook. A panic of the hook
    /// on that letter is counted too, but not handed to the hook again (it could go on
    /// forever).
    fn note_panic(&mut self, panic: String, report: &mut ActorReport) {
        Self::count_panic(&panic, report);
        if let Err(hook_panic) = self.dead_letter(DeadLetter::Panicked { panic }) {
            Self::count_panic(&hook_panic, report);
        }
    }

    fn count_panic(panic: &str, report: &mut ActorReport) {
        report.panics += 1;
        observe::event(Event::Panicked {
            actor: &report.name,
            panic,
        });
    }

    /// After a noted panic: a fresh actor to go on with, or `None` to stop.
    fn restart(&mut self, now: I, report: &mut ActorReport) -> Option<A> {
        let Supervision::Restart {
            max_restarts,
            within,
        } = self.policy
        else {
            return None;
        };
        let factory = self.factory.as_mut()?;
        self.restarts_at.retain(|&t| now - t < within);
        if self.restarts_at.len() >= max_restarts {
            observe::event(Event::GaveUp {
                actor: &report.name,
                restarts: report.restarts as u32,
            });
            return None;
        }
        self.restarts_at.push(now);
        // A panicking factory cannot make an actor: stop, as when the limit is reached.
        let fresh = match call_caught(factory) {
            Ok(fresh) => fresh,
            Err(panic) => {
                self.note_panic(panic, report);
                return None;
            }
        };
        report.restarts += 1;
        observe::event(Event::Restarted {
            actor: &report.name,
            restarts: report.restarts as u32,
        });
        Some(fresh)
    }
}

/// After a caught panic: counts it, then stops (`Err` with the exit) on abort or when the
/// supervision policy says so, or makes a fresh actor (`Ok`). Before the fresh actor starts,
/// the worker is given back once (a panic counts against the fairness budget as a whole
/// batch) and abort is checked again, so that neither an actor that panics on every message
/// nor one whose `started` panics on every restart can hold its worker or ignore an abort.
async fn recover<A: Actor, R: Runtime>(
    panic: String,
    rt: &R,
    shared: &ActorShared,
    sup: &mut Supervisor<A, R::Instant>,
    fair: &mut Fairness<R::Instant>,
    report: &mut ActorReport,
) -> Result<A, Exit> {
    sup.note_panic(panic, report);
    if shared.aborted() {
        return Err(Exit::Aborted);
    }
    let fresh = sup.restart(rt.now(), report).ok_or(Exit::Panicked)?;
    rt.yield_now().await;
    fair.restart(rt.now());
    if shared.aborted() {
        // The fresh actor never started: it is dropped without `started` or `stopped`.
        return Err(Exit::Aborted);
    }
    Ok(fresh)
}

/// Takes every message left in `buf` and in the (closed) mailbox, one by one, to `each`;
/// returns how many it took from the mailbox (not counting those already in `buf`).
async fn drain_all<A: Actor>(
    buf: &mut VecDeque<Mail<A>>,
    rx: &mut Receiver<Mail<A>, ActorShared>,
    mut each: impl FnMut(A::Msg),
) -> u64 {
    let mut taken = 0;
    loop {
        while let Some(env) = buf.pop_front() {
            each(env.msg);
        }
        // Closed: returns 0 once every accepted message (including sends still being written)
        // has been taken.
        match rx.recv_many(buf, 64).await {
            0 => return taken,
            n => taken += n as u64,
        }
    }
}

/// The mailbox's counters for the final report, made exact with what the loop itself
/// received.
///
/// By now the mailbox is closed and every accepted message has left it: received by the loop,
/// evicted under `DropOldest`, or discarded by the dropped receiver. But a sender may still be
/// between evicting a message (the ring positions have moved) and counting it in
/// `dropped_oldest`; a snapshot taken then shows the eviction as a receive (`received` one
/// high, `dropped_oldest` one low). The loop knows exactly how many it received, so the
/// report takes that, and counts every other accepted message that is not `discarded` as
/// evicted, which settles in-flight evictions. (`accepted` is settled: the closed ring takes
/// no claims, and the actor layer never abandons a permit.)
fn settled(mut stats: MailboxStats, received: u64, overflow: Overflow) -> MailboxStats {
    stats.received = received;
    if overflow == Overflow::DropOldest {
        stats.dropped_oldest = stats
            .accepted
            .saturating_sub(received)
            .saturating_sub(stats.discarded);
    }
    stats
}

/// Wipes the batch buffer's free memory (it still holds the bytes of handled messages).
fn wipe_buffer<T>(buf: &mut VecDeque<T>) {
    debug_assert!(buf.is_empty());
    // An empty VecDeque converts to a Vec and back without moving or reallocating anything.
    let mut v = Vec::from(core::mem::take(buf));
    crate::ring::wipe_spare(&mut v);
    *buf = VecDeque::from(v);
}

/// The actor run loop. Spawned by `ActorOptions::spawn` on the runtime; finishes by sending the
/// report through `done`.
pub(crate) async fn run<A: Actor, R: Runtime>(
    rt: R,
    actor: A,
    mut rx: Receiver<Mail<A>, ActorShared>,
    weak: WeakSender<Mail<A>, ActorShared>,
    options: ActorOptions<A>,
    done: futures_channel::oneshot::Sender<ActorReport>,
) {
    let ActorOptions {
        config,
        supervision,
        factory,
        dead_letters,
        ..
    } = options;
    let shared = weak.attachment();
    let mut report = ActorReport {
        name: String::from(shared.name()),
        exit: Exit::Released,
        handled: 0,
        panics: 0,
        restarts: 0,
        undelivered: 0,
        discarded: 0,
        mailbox: Default::default(),
    };
    let mut sup: Supervisor<A, R::Instant> = Supervisor {
        policy: supervision,
        factory,
        dead_letters,
        restarts_at: Vec::new(),
    };
    let mut ctx = Context::<A>::new(weak.clone());
    let seed = (shared as *const ActorShared as usize as u64) ^ 0x9e37_79b9_7f4a_7c15;
    let mut fair = Fairness::new(&config, seed, rt.now());
    let mut buf: VecDeque<Mail<A>> = VecDeque::with_capacity(config.batch_size);
    let wipe = config.mailbox.amnesia;
    let no_span = observe::no_span();

    let finish = Finish(shared);
    // `None` once a panic stopped the actor.
    let mut actor = Some(actor);
    let mut need_start = true;
    // Whether the current actor's `started` completed (`stopped` runs only then).
    let mut started = false;
    // Messages the loop took from the mailbox (handled, panicked on, discarded, undelivered).
    let mut received: u64 = 0;
    let exit = 'run: loop {
        let Some(current) = actor.as_mut() else {
            break Exit::Panicked;
        };
        if need_start {
            // Not abortable: `started` and `stopped` come in pairs, and an abort takes effect
            // once `started` is done.
            match guarded(current.started(&mut ctx), shared, &no_span, false).await {
                Outcome::Done => {
                    need_start = false;
                    started = true;
                }
                Outcome::Aborted(_) => unreachable!("`started` is not abortable"),
                Outcome::Panicked(panic) => {
                    match recover(panic, &rt, shared, &mut sup, &mut fair, &mut report).await {
                        Ok(fresh) => {
                            actor = Some(fresh);
                            continue;
                        }
                        Err(exit) => {
                            actor = None;
                            break exit;
                        }
                    }
                }
            }
        }
        let mut full = false;
        if buf.is_empty() {
            if wipe {
                wipe_buffer(&mut buf);
            }
            if shared.aborted() {
                break Exit::Aborted;
            }
            let mut idle = false;
            let n = core::future::poll_fn(|cx| {
                let polled = rx.poll_recv_many(cx, &mut buf, config.batch_size);
                idle |= polled.is_pending();
                polled
            })
            .await;
            received += n as u64;
            if n == 0 {
                // `abort` closes the mailbox too: tell the two apart by the flag.
                break if shared.aborted() {
                    Exit::Aborted
                } else if ctx.stop {
                    Exit::Stopped
                } else if shared.shutdown_requested() {
                    Exit::Shutdown
                } else {
                    Exit::Released
                };
            }
            if idle {
                // The worker was given back while the mailbox was empty: a new interval.
                fair.restart(rt.now());
            }
            full = n == config.batch_size;
        }
        let mut handled = 0;
        while let Some(env) = buf.pop_front() {
            if shared.aborted() {
                report.handled += handled;
                report.discarded += 1;
                // Its destructor may panic: caught and counted, as in the drain below.
                if let Err(panic) = call_caught(|| drop(env)) {
                    sup.note_panic(panic, &mut report);
                }
                break 'run Exit::Aborted;
            }
            shared.observer.on_dequeued(env.stamp);
            let span = shared.observer.span(shared.name());
            let Some(current) = actor.as_mut() else {
                unreachable!("the actor is present while messages are handled")
            };
            match guarded(current.handle(env.msg, &mut ctx), shared, &span, true).await {
                Outcome::Done => handled += 1,
                Outcome::Aborted(drop_panic) => {
                    report.handled += handled;
                    report.discarded += 1;
                    if let Some(panic) = drop_panic {
                        sup.note_panic(panic, &mut report);
                    }
                    break 'run Exit::Aborted;
                }
                Outcome::Panicked(panic) => {
                    report.handled += handled;
                    match recover(panic, &rt, shared, &mut sup, &mut fair, &mut report).await {
                        Ok(fresh) => {
                            actor = Some(fresh);
                            started = false;
                            need_start = true;
                            // Start the fresh actor before the rest of the batch.
                            continue 'run;
                        }
                        Err(exit) => {
                            // The panicked actor's state may be broken: no `stopped` for it.
                            actor = None;
                            break 'run exit;
                        }
                    }
                }
            }
            if fair.after_message(&rt) {
                rt.yield_now().await;
                fair.restart(rt.now());
                full = false;
            }
        }
        report.handled += handled;
        shared.observer.on_batch(handled as usize, || rx.len());
        if full {
            // A full batch: others may be waiting for this worker.
            rt.yield_now().await;
            fair.restart(rt.now());
        }
    };

    match exit {
        Exit::Panicked => {
            // Stop after a panic: senders see `Closed` from now on; what is queued goes to the
            // dead-letter hook.
            weak.close();
            let mut undelivered = 0;
            let mut panics = Vec::new();
            received += drain_all::<A>(&mut buf, &mut rx, |msg| {
                undelivered += 1;
                // The hook usually drops the message: a panicking destructor (or hook) must
                // not end the drain, or the rest would wait for the last sender to go.
                if let Err(panic) = sup.dead_letter(DeadLetter::Undelivered(msg)) {
                    panics.push(panic);
                }
            })
            .await;
            report.undelivered = undelivered;
            for panic in panics {
                sup.note_panic(panic, &mut report);
            }
        }
        Exit::Aborted => {
            weak.close();
            let mut discarded = 0;
            let mut panics = Vec::new();
            received += drain_all::<A>(&mut buf, &mut rx, |msg| {
                discarded += 1;
                // A panicking destructor must not end the drain (as above).
                if let Err(panic) = call_caught(|| drop(msg)) {
                    panics.push(panic);
                }
            })
            .await;
            report.discarded += discarded;
            for panic in panics {
                sup.note_panic(panic, &mut report);
            }
        }
        _ => {}
    }
    if wipe {
        buf.clear();
        wipe_buffer(&mut buf);
    }
    if exit != Exit::Panicked && started {
        if let Some(current) = actor.as_mut() {
            if let Outcome::Panicked(panic) =
                guarded(current.stopped(&mut ctx), shared, &no_span, false).await
            {
                sup.note_panic(panic, &mut report);
            }
        }
    }
    drop(actor);
    drop(rx);
    report.exit = exit;
    report.mailbox = settled(weak.stats(), received, config.mailbox.overflow);
    drop(finish);
    // The handle may be gone (detached): then nobody wants the report.
    let _ = done.send(report);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "amnesia")]
    fn wipe_buffer_zeroes_what_handled_messages_left_behind() {
        let mut buf: VecDeque<[u8; 64]> = VecDeque::with_capacity(8);
        for _ in 0..8 {
            buf.push_back([0xAB; 64]);
        }
        while buf.pop_front().is_some() {}
        let capacity = buf.capacity();
        wipe_buffer(&mut buf);
        assert_eq!(
            buf.capacity(),
            capacity,
            "the buffer is reused, not reallocated"
        );
        let mut v = Vec::from(core::mem::take(&mut buf));
        assert_eq!(v.spare_capacity_mut().len(), capacity);
        for cell in v.spare_capacity_mut() {
            // SAFETY: every byte of the spare capacity was written by the pushes above (popping
            // copies a value out without de-initialising its bytes) and then by the wipe.
            let bytes = unsafe { cell.assume_init() };
            assert_eq!(bytes, [0; 64]);
        }
    }

    #[test]
    fn jitter_spreads_the_interval_over_75_to_125_percent() {
        let config = ActorConfig {
            yield_ms: 4,
            ..Default::default()
        };
        let mut fair = Fairness::new(&config, 7, 0u64.into_instant());
        let (mut lo, mut hi) = (Duration::MAX, Duration::ZERO);
        for _ in 0..1000 {
            let d = fair.interval();
            lo = lo.min(d);
            hi = hi.max(d);
        }
        assert!(
            lo >= Duration::from_millis(3) && hi <= Duration::from_millis(5),
            "{lo:?}..{hi:?}"
        );
        assert!(
            hi - lo > Duration::from_millis(1),
            "jitter must spread: {lo:?}..{hi:?}"
        );
        let mut exact = Fairness::new(
            &ActorConfig {
                jitter: false,
                ..config
            },
            7,
            0u64.into_instant(),
        );
        assert_eq!(exact.interval(), Duration::from_millis(4));
    }

    #[test]
    fn stride_grows_for_fast_handlers_and_shrinks_for_slow_ones() {
        let config = ActorConfig {
            yield_ms: 1,
            jitter: false,
            ..Default::default()
        };
        let t0 = 0u64.into_instant();
        let mut fair = Fairness::new(&config, 1, t0);
        // Fast: 1 µs between checks.
        let mut now = t0;
        for _ in 0..10 {
            now = now + Duration::from_micros(1);
            fair.check(now);
        }
        assert_eq!(fair.stride, 8);
        // Slow: 200 µs between checks.
        for _ in 0..10 {
            now = now + Duration::from_micros(200);
            fair.check(now);
        }
        assert_eq!(fair.stride, 1);
        // Past the deadline: time to yield.
        assert!(fair.check(now + Duration::from_millis(2)));
    }

    /// A fake instant in nanoseconds.
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
    struct Ns(u64);
    impl core::ops::Add<Duration> for Ns {
        type Output = Ns;
        fn add(self, d: Duration) -> Ns {
            Ns(self.0 + d.as_nanos() as u64)
        }
    }
    impl core::ops::Sub<Ns> for Ns {
        type Output = Duration;
        fn sub(self, other: Ns) -> Duration {
            Duration::from_nanos(self.0 - other.0)
        }
    }
    trait IntoInstant {
        fn into_instant(self) -> Ns;
    }
    impl IntoInstant for u64 {
        fn into_instant(self) -> Ns {
            Ns(self)
        }
    }
}
