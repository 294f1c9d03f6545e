//! The one actor run loop, as a runtime-agnostic future ([`run`]).
//!
//! The loop takes up to `batch_size` messages per dequeue and handles them in order. It gives
//! the worker back to the runtime after every full batch, and otherwise once `yield_ms` (±25%
//! with jitter) has passed since it last gave it back (by yielding, or by finding the mailbox
//! empty; in that case counted from the second message after, see below). A batch that did
//! not fill up does not force a yield: the mailbox was drained, so the next dequeue usually
//! returns `Pending` anyway, and the clock check catches a stream that never lets it.
//!
//! A yield is a full one (`Runtime::yield_now`, behind the runtime's I/O and timers too) when
//! it is time-based, or when 128 messages have been handled or `yield_ms` has passed since the
//! last full one (for the time, or wait on an empty mailbox); otherwise it is one to the tasks
//! ready to run (`Runtime::yield_to_ready`, which a runtime may make cheaper). A stream of fast
//! full batches so lets the ready tasks in after every batch, and the I/O driver, the timers
//! and what the runtime holds back until its worker parks every fourth batch at the latest.
//!
//! The clock is read every `stride` messages, where `stride` doubles (up to 8) while handlers
//! are fast and halves when they are slow, so a no-op handler does not pay a clock read per
//! message and one that turns slow is noticed within 8 messages. After a wait on an empty
//! mailbox, while handlers are fast, the interval starts at a clock read after the second
//! message rather than with one (`Fairness::resume`): an actor woken for each message reads no
//! clock, and one that turns slow right after the wait is noticed within 10.
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

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use core::mem::ManuallyDrop;
use core::pin::pin;

use super::context::{Actor, Context, Mail};
use super::fairness::Fairness;
use super::guard::{call_caught, guarded, guarded_in_place, Cut, Outcome};
use super::report::{ActorReport, DeadLetter, Exit};
use super::shared::{ActorShared, Finish};
use super::supervisor::Supervisor;
use crate::config::ActorConfig;
use crate::mailbox::{Receiver, WeakSender};
use crate::metrics::MailboxStats;
use crate::observe;
use crate::policy::Overflow;
use crate::runtime::Runtime;

/// After a caught panic: counts it, then stops (`Err` with the exit) on abort or when the
/// supervision policy says so, or makes a fresh actor (`Ok`). Before the fresh actor starts,
/// the worker is given back once (a panic counts against the fairness budget as a whole
/// batch) and abort is checked again, so that neither an actor that panics on every message
/// nor one whose `started` panics on every restart can hold its worker or ignore an abort.
pub(super) async fn recover<A: Actor, R: Runtime>(
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
        // The fresh actor never started: it is dropped without `started` or `stopped`, and
        // a panic of its destructor is counted like any other.
        if let Err(panic) = call_caught(|| drop(fresh)) {
            sup.note_panic(panic, report);
        }
        return Err(Exit::Aborted);
    }
    Ok(fresh)
}

/// Takes every message left in `buf` and in the (closed) mailbox, one by one, to `each`;
/// returns how many it took from the mailbox (not counting those already in `buf`).
pub(super) async fn drain_all<A: Actor>(
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
/// no claims, and the actor layer reserves no slot.)
pub(super) fn settled(mut stats: MailboxStats, received: u64, overflow: Overflow) -> MailboxStats {
    stats.received = received;
    if overflow == Overflow::DropOldest {
        stats.dropped_oldest = stats
            .accepted
            .saturating_sub(received)
            .saturating_sub(stats.discarded);
    }
    stats
}

/// The batch buffer as the receive fills it: one inlined `push_back` per message.
///
/// `VecDeque`'s own `Extend` takes the message through a generic, out-of-line `extend` call
/// (reserve, then write) for every message the receive takes, because the receive hands
/// messages over one at a time (`iter::once`). The actor profiles showed that call on every
/// message; `push_back` inlines to a bounds check and a copy into the buffer (the buffer is
/// sized for a whole batch, so its growth path stays cold).
struct PushBack<'a, T>(&'a mut VecDeque<T>);

impl<T> Extend<T> for PushBack<'_, T> {
    #[inline]
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for msg in iter {
            self.0.push_back(msg);
        }
    }
}

/// Wipes the batch buffer's free memory, which still holds the bytes of handled messages: the
/// first `used` cells (`usize::MAX`: all of it).
///
/// The buffer comes out of every wipe with its ring start at cell 0 (`VecDeque::from(Vec)`),
/// and the loop fills it only while it is empty, so one batch of `n` messages has used cells
/// `0..n` and nothing else: wiping those is enough, where wiping the whole capacity after every
/// batch would cost a batch-size worth of writes for a batch of one message.
pub(super) fn wipe_buffer<T>(buf: &mut VecDeque<T>, used: usize) {
    debug_assert!(buf.is_empty());
    // An empty VecDeque converts to a Vec and back without moving or reallocating anything.
    let mut v = Vec::from(core::mem::take(buf));
    crate::ring::wipe_spare(&mut v, used);
    *buf = VecDeque::from(v);
}

/// The actor run loop. Spawned by `ActorOptions::spawn` on the runtime; finishes by sending the
/// report through `finish`.
///
/// Four phases, each a method of [`Run`]: [`start`](Run::start) (`started`, again after each
/// restart), [`receive`](Run::receive) (the next batch, or the end of the mail),
/// [`handle_batch`](Run::handle_batch) (the messages in order, with the fairness yields), and
/// [`stop`](Run::stop) (the drain the exit calls for, `stopped`, the report). A phase that
/// ends the actor returns `Err` with the [`Exit`].
pub(super) async fn run<A: Actor, R: Runtime>(
    rt: R,
    actor: A,
    rx: Receiver<Mail<A>, ActorShared>,
    weak: WeakSender<Mail<A>, ActorShared>,
    config: ActorConfig,
    sup: Supervisor<A, R::Instant>,
    finish: Finish<Mail<A>>,
) {
    let shared = weak.attachment();
    // Marks the actor finished when the loop ends, also when the runtime drops the task
    // (made by the spawn, so also when it drops the task before its first poll).
    let finish = finish;
    let mut run = Run::new(rt, shared, actor, rx, &weak, config, sup);
    let exit = loop {
        if let Err(exit) = run.start().await {
            break exit;
        }
        let full = match run.receive().await {
            Ok(full) => full,
            Err(exit) => break exit,
        };
        if let Err(exit) = run.handle_batch(full).await {
            break exit;
        }
    };
    let report = run.stop(exit, &weak).await;
    // The report is final: the watchers (`Addr::stopped`) are woken with its exit, then the
    // handle gets it.
    finish.report(report);
}

/// The run loop's state between its phases.
struct Run<'a, A: Actor, R: Runtime> {
    rt: R,
    shared: &'a ActorShared,
    rx: Receiver<Mail<A>, ActorShared>,
    ctx: Context<A>,
    sup: Supervisor<A, R::Instant>,
    fair: Fairness<R::Instant>,
    /// The batch being handled (up to `batch_size` messages).
    buf: VecDeque<Mail<A>>,
    batch_size: usize,
    /// Amnesia: wipe the batch buffer's spare memory between batches and at the end.
    wipe: bool,
    /// How many messages the last batch put in the buffer (its cells `0..filled`).
    filled: usize,
    overflow: Overflow,
    no_span: observe::Span,
    report: ActorReport,
    /// `None` once a panic stopped the actor.
    actor: Option<A>,
    /// Whether the current actor's `started` has yet to run.
    need_start: bool,
    /// Whether the current actor's `started` completed (`stopped` runs only then).
    started: bool,
    /// Messages the loop took from the mailbox (handled, panicked on, discarded, undelivered).
    received: u64,
}

impl<'a, A: Actor, R: Runtime> Run<'a, A, R> {
    fn new(
        rt: R,
        shared: &'a ActorShared,
        actor: A,
        rx: Receiver<Mail<A>, ActorShared>,
        weak: &WeakSender<Mail<A>, ActorShared>,
        config: ActorConfig,
        sup: Supervisor<A, R::Instant>,
    ) -> Self {
        let seed = (shared as *const ActorShared as usize as u64) ^ 0x9e37_79b9_7f4a_7c15;
        let fair = Fairness::new(&config, seed, rt.now());
        Self {
            report: ActorReport {
                name: String::from(shared.name()),
                exit: Exit::Released,
                handled: 0,
                panics: 0,
                restarts: 0,
                undelivered: 0,
                discarded: 0,
                mailbox: Default::default(),
            },
            sup,
            ctx: Context::new(weak.clone()),
            fair,
            buf: VecDeque::with_capacity(config.batch_size),
            batch_size: config.batch_size,
            wipe: config.mailbox.amnesia,
            filled: 0,
            overflow: config.mailbox.overflow,
            no_span: observe::no_span(),
            actor: Some(actor),
            need_start: true,
            started: false,
            received: 0,
            rt,
            shared,
            rx,
        }
    }

    /// Phase 1: runs `started` on a fresh actor (the first, and each one a restart makes).
    /// Not abortable: `started` and `stopped` come in pairs, and an abort takes effect once
    /// `started` is done.
    async fn start(&mut self) -> Result<(), Exit> {
        while self.need_start {
            let Some(current) = self.actor.as_mut() else {
                return Err(Exit::Panicked);
            };
            match guarded(
                current.started(&mut self.ctx),
                self.shared,
                &self.no_span,
                Cut::Never,
            )
            .await
            {
                Outcome::Done => {
                    self.need_start = false;
                    self.started = true;
                }
                Outcome::Aborted(_) => unreachable!("`started` is not abortable"),
                Outcome::Panicked(panic) => self.recover(panic).await?,
            }
        }
        Ok(())
    }

    /// Phase 2: when the batch buffer is empty, waits for the next batch. `Ok(full)` says
    /// whether it filled up (then the worker is given back after it); `Err` is the end of the
    /// mail, told apart by what closed the mailbox.
    async fn receive(&mut self) -> Result<bool, Exit> {
        if !self.buf.is_empty() {
            // The rest of a batch whose handler panicked, now for the fresh actor.
            return Ok(false);
        }
        if self.wipe {
            // Only the last batch's cells (see `wipe_buffer`).
            wipe_buffer(&mut self.buf, self.filled);
            self.filled = 0;
        }
        if self.shared.aborted() {
            return Err(Exit::Aborted);
        }
        let mut idle = false;
        let (rx, buf, batch_size) = (&mut self.rx, &mut self.buf, self.batch_size);
        let n = core::future::poll_fn(|cx| {
            // Without the wait for a run (see `poll_recv_many_now`).
            let polled = rx.poll_recv_many_now(cx, &mut PushBack(&mut *buf), batch_size);
            idle |= polled.is_pending();
            polled
        })
        .await;
        self.received += n as u64;
        self.filled = n;
        if n == 0 {
            // `abort` closes the mailbox too: tell the two apart by the flag.
            return Err(if self.shared.aborted() {
                Exit::Aborted
            } else if self.ctx.stop {
                Exit::Stopped
            } else if self.shared.shutdown_requested() {
                Exit::Shutdown
            } else {
                Exit::Released
            });
        }
        if idle {
            // The worker was given back while the mailbox was empty: a new interval (while
            // handlers are fast, from a clock read after the second message, see
            // `Fairness::resume`).
            self.fair.resume(|| self.rt.now());
        }
        Ok(n == batch_size)
    }

    /// Phase 3: handles the buffered messages in order, under the guard, yielding when the
    /// fairness budget is spent and after a full batch. After a panic that the supervisor
    /// restarts from, returns early: the fresh actor starts before the rest of the batch.
    async fn handle_batch(&mut self, mut full: bool) -> Result<(), Exit> {
        let mut handled = 0;
        while let Some(env) = self.buf.pop_front() {
            if self.shared.aborted() {
                self.report.handled += handled;
                self.report.discarded += 1;
                // Its destructor may panic: caught and counted, as in the drain in `stop`.
                if let Err(panic) = call_caught(|| drop(env)) {
                    self.sup.note_panic(panic, &mut self.report);
                }
                return Err(Exit::Aborted);
            }
            self.shared.observer.on_dequeued(env.stamp);
            let span = self.shared.observer.span(self.shared.name());
            let Some(current) = self.actor.as_mut() else {
                unreachable!("the actor is present while messages are handled")
            };
            // Pinned where it is made, so the handler's future (the message inside) is not
            // moved again into `guarded`'s state: that copy read the future 16 bytes at a time
            // right after it was written in 8-byte pieces, and such a load waits for the
            // stores to reach the cache (docs/PERFORMANCE.md: 54% of the loop's samples
            // on it; the tell rows 10-27% faster without it). `guarded_in_place` drops it.
            let handler = pin!(ManuallyDrop::new(current.handle(env.msg, &mut self.ctx)));
            match guarded_in_place(handler, self.shared, &span, Cut::Abort).await {
                Outcome::Done => handled += 1,
                Outcome::Aborted(drop_panic) => {
                    self.report.handled += handled;
                    self.report.discarded += 1;
                    if let Some(panic) = drop_panic {
                        self.sup.note_panic(panic, &mut self.report);
                    }
                    return Err(Exit::Aborted);
                }
                Outcome::Panicked(panic) => {
                    self.report.handled += handled;
                    return self.recover(panic).await;
                }
            }
            if self.fair.after_message(|| self.rt.now()) {
                self.give_back(true).await;
                full = false;
            }
        }
        self.report.handled += handled;
        let rx = &self.rx;
        self.shared.observer.on_batch(handled as usize, || rx.len());
        if full {
            // A full batch: others may be waiting for this worker.
            self.give_back(false).await;
        }
        Ok(())
    }

    /// Gives the worker back once: in full (`Runtime::yield_now`, behind the runtime's I/O
    /// and timers too) for a time-based yield (`timed`) and when 128 messages or `yield_ms`
    /// have gone by since the last full one (`Fairness::full_yield_due`), otherwise to the
    /// tasks ready to run (`Runtime::yield_to_ready`).
    /// Either way every task already queued on the worker runs before the actor again; the
    /// difference is the I/O driver, which on tokio costs a zero-length park of the worker
    /// per full yield (docs/PERFORMANCE.md). Both restart the fairness interval.
    async fn give_back(&mut self, timed: bool) {
        if timed || self.fair.full_yield_due() {
            self.rt.yield_now().await;
            self.fair.restart(self.rt.now());
        } else {
            self.rt.yield_to_ready().await;
            self.fair.restart_after_ready(self.rt.now());
        }
    }

    /// After a caught panic: a fresh actor that must start before the next message, or the
    /// exit (the panicked actor's state may be broken: no `stopped` for it).
    ///
    /// The panicked actor is dropped first, before the factory makes its replacement, so that
    /// what it held (a bound port, a lock file, the `Reply`s of asks it kept) is released:
    /// a factory that takes the same resource again finds it free, and those askers get
    /// `NoReply` without waiting for the factory and the yield. (A panic of its destructor is
    /// therefore counted, and handed to the dead-letter hook, before the handler's panic.)
    async fn recover(&mut self, panic: String) -> Result<(), Exit> {
        self.drop_actor();
        let recovered = recover(
            panic,
            &self.rt,
            self.shared,
            &mut self.sup,
            &mut self.fair,
            &mut self.report,
        )
        .await;
        match recovered {
            Ok(fresh) => {
                self.actor = Some(fresh);
                self.started = false;
                self.need_start = true;
                Ok(())
            }
            Err(exit) => Err(exit),
        }
    }

    /// Drops the actor (after a panic, or at the end), catching a panic of its destructor:
    /// counted like any other, it must not end the task while messages are still queued
    /// (they would be dropped with the task, in no report).
    fn drop_actor(&mut self) {
        if let Some(old) = self.actor.take() {
            if let Err(panic) = call_caught(|| drop(old)) {
                self.sup.note_panic(panic, &mut self.report);
            }
        }
    }

    /// Phase 4: the end. After a panic, what is left goes to the dead-letter hook; after an
    /// abort, it is discarded; otherwise the mailbox was already drained. Then `stopped` runs
    /// (not after a panic, and only if `started` completed), and the report is made exact.
    async fn stop(
        mut self,
        mut exit: Exit,
        weak: &WeakSender<Mail<A>, ActorShared>,
    ) -> ActorReport {
        match exit {
            Exit::Panicked => {
                // Stop after a panic: senders see `Closed` from now on; what is queued goes to
                // the dead-letter hook.
                weak.close();
                let mut undelivered = 0;
                let mut panics = Vec::new();
                let sup = &mut self.sup;
                self.received += drain_all::<A>(&mut self.buf, &mut self.rx, |msg| {
                    undelivered += 1;
                    // The hook usually drops the message: a panicking destructor (or hook)
                    // must not end the drain, or the rest would wait for the last sender to go.
                    if let Err(panic) = sup.dead_letter(DeadLetter::Undelivered(msg)) {
                        panics.push(panic);
                    }
                })
                .await;
                self.report.undelivered = undelivered;
                for panic in panics {
                    self.sup.note_panic(panic, &mut self.report);
                }
            }
            Exit::Aborted => {
                weak.close();
                let mut discarded = 0;
                let mut panics = Vec::new();
                self.received += drain_all::<A>(&mut self.buf, &mut self.rx, |msg| {
                    discarded += 1;
                    // A panicking destructor must not end the drain (as above).
                    if let Err(panic) = call_caught(|| drop(msg)) {
                        panics.push(panic);
                    }
                })
                .await;
                self.report.discarded += discarded;
                for panic in panics {
                    self.sup.note_panic(panic, &mut self.report);
                }
            }
            _ => {}
        }
        if self.wipe {
            self.buf.clear();
            // The drains above refill the buffer without a wipe in between: all of it.
            wipe_buffer(&mut self.buf, usize::MAX);
        }
        if exit != Exit::Panicked && self.started {
            if let Some(current) = self.actor.as_mut() {
                // An abort requested from here on cuts `stopped` short at its next `.await`;
                // so does one requested before that the loop did not take for its exit (after
                // a shutdown, a `Context::stop` or a release). Only the aborts before, when
                // the exit is `Aborted` (the abort this stop is for), let it finish. So
                // `abort` also ends a stop whose `stopped` hangs, after a shutdown or after
                // an earlier abort.
                let cut = Cut::After(self.shared.next_abort(exit == Exit::Aborted));
                match guarded(
                    current.stopped(&mut self.ctx),
                    self.shared,
                    &self.no_span,
                    cut,
                )
                .await
                {
                    Outcome::Done => {}
                    Outcome::Panicked(panic) => self.sup.note_panic(panic, &mut self.report),
                    Outcome::Aborted(drop_panic) => {
                        exit = Exit::Aborted;
                        if let Some(panic) = drop_panic {
                            self.sup.note_panic(panic, &mut self.report);
                        }
                    }
                }
            }
        }
        self.drop_actor();
        let Self {
            rx,
            mut report,
            received,
            overflow,
            ..
        } = self;
        drop(rx);
        report.exit = exit;
        report.mailbox = settled(weak.stats(), received, overflow);
        report
    }
}

#[cfg(all(test, feature = "amnesia"))]
mod tests {
    use super::*;

    #[test]
    fn wipe_buffer_zeroes_what_handled_messages_left_behind() {
        let mut buf: VecDeque<[u8; 64]> = VecDeque::with_capacity(8);
        for _ in 0..8 {
            buf.push_back([0xAB; 64]);
        }
        while buf.pop_front().is_some() {}
        let capacity = buf.capacity();
        wipe_buffer(&mut buf, usize::MAX);
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
    fn a_batch_after_a_wipe_uses_the_first_cells_only() {
        // Every cell written, then wiped: all zeros.
        let mut buf: VecDeque<[u8; 64]> = VecDeque::with_capacity(8);
        let capacity = buf.capacity();
        buf.extend(core::iter::repeat_n([0xAB; 64], capacity));
        buf.clear();
        wipe_buffer(&mut buf, usize::MAX);
        // Two batches, each handled, then wiped by its own length, as the run loop does (with
        // a ring start that would have moved on if the wipe did not reset it).
        for n in [3, 5] {
            buf.extend(core::iter::repeat_n([0xCD; 64], n));
            while buf.pop_front().is_some() {}
            wipe_buffer(&mut buf, n);
        }
        let mut v = Vec::from(core::mem::take(&mut buf));
        assert_eq!(v.spare_capacity_mut().len(), capacity);
        for (i, cell) in v.spare_capacity_mut().iter().enumerate() {
            // SAFETY: every cell was written by the first fill (popping copies a value out
            // without de-initialising its bytes), and later only by fills and wipes.
            let bytes = unsafe { cell.assume_init() };
            assert_eq!(bytes, [0; 64], "cell {i} still holds a handled message");
        }
    }
}
