//! The one actor run loop, as a runtime-agnostic future ([`run`]).
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

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

use super::context::{Actor, Context, Mail};
use super::fairness::Fairness;
use super::guard::{call_caught, guarded, Outcome};
use super::options::ActorOptions;
use super::report::{ActorReport, DeadLetter, Exit};
use super::shared::{ActorShared, Finish};
use super::supervisor::Supervisor;
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
        // The fresh actor never started: it is dropped without `started` or `stopped`.
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
/// no claims, and the actor layer never abandons a permit.)
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

/// Wipes the batch buffer's free memory (it still holds the bytes of handled messages).
pub(super) fn wipe_buffer<T>(buf: &mut VecDeque<T>) {
    debug_assert!(buf.is_empty());
    // An empty VecDeque converts to a Vec and back without moving or reallocating anything.
    let mut v = Vec::from(core::mem::take(buf));
    crate::ring::wipe_spare(&mut v);
    *buf = VecDeque::from(v);
}

/// The actor run loop. Spawned by `ActorOptions::spawn` on the runtime; finishes by sending the
/// report through `done`.
pub(super) async fn run<A: Actor, R: Runtime>(
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
    let mut sup: Supervisor<A, R::Instant> = Supervisor::new(supervision, factory, dead_letters);
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
}
