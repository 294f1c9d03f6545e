//! Messages an actor gets later, or again and again: [`Addr::tell_after`] and
//! [`Addr::tell_every`] (actix's `notify_later` and `run_interval`, ractor's `send_after` and
//! `send_interval`), and the [`Timer`] that stops them.
//!
//! The tasks themselves are spawned in `addr.rs` (this file knows no address). Each timer is
//! one task on the actor's runtime (spawned with `Runtime::spawn_timer` of the runtime the
//! actor was spawned on) holding a [`WeakAddr`]: it does not keep the actor running. At each tick it
//! upgrades the address, queues the message with [`Addr::tell`] (so under `busy` a full
//! mailbox makes the tick wait for space, and under a drop policy the tick is counted as the
//! policy says), and lets the address go. It ends when it is cancelled, when the actor has
//! stopped (the upgrade fails or the mailbox is closed), or after its one message
//! (`tell_after`).
//!
//! The task waits on the runtime's timer and on the [`Timer`]'s cancel signal, the crate's
//! one-shot slot (`crate::oneshot`, under the loom models of `Addr::ask`): `cancel` sends on
//! it and wakes the task at once, so a cancelled timer's task ends without waiting for its
//! next tick; a dropped `Timer` closes the slot without a value, which the task reads as
//! "detached" and stops watching.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::Poll;
use core::time::Duration;

use super::shared::BoxFuture;
use crate::oneshot::{self, OneshotReceiver, OneshotSender};
use crate::sync::broken_twin;

/// A running [`Addr::tell_after`] or [`Addr::tell_every`]: [`cancel`](Self::cancel) stops it.
/// Dropping it leaves the timer running until the actor stops (or, for `tell_after`, until its
/// message is queued), as a detached task.
///
/// [`Addr::tell_after`]: super::Addr::tell_after
/// [`Addr::tell_every`]: super::Addr::tell_every
#[must_use = "a dropped Timer keeps running until the actor stops; keep it to cancel it"]
pub struct Timer {
    cancel: OneshotSender<()>,
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer")
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl Timer {
    /// Stops the timer: no message is queued after its task has seen the cancel, which wakes
    /// it at once. A tick already being queued (its `tell` waiting for space in a full
    /// mailbox, say) still arrives: at most one message is made and queued after `cancel` has
    /// returned, the tick whose wait had ended as the cancel came.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use ryker_core::actor::{Actor, Context, SpawnActor};
    /// # use ryker_core::runtime::Runtime;
    /// # // A runtime that runs each task on a thread of its own; its timer is a thread too.
    /// # #[derive(Clone)] struct Rt;
    /// # impl Runtime for Rt {
    /// #     type Instant = std::time::Instant;
    /// #     fn spawn<F: std::future::Future<Output = ()> + Send + 'static>(&self, f: F) {
    /// #         std::thread::spawn(move || ryker_core::blocking::block_on(f));
    /// #     }
    /// #     fn sleep(&self, d: std::time::Duration) -> impl std::future::Future<Output = ()> + Send + 'static {
    /// #         let (tx, rx) = futures::channel::oneshot::channel::<()>();
    /// #         std::thread::spawn(move || { std::thread::sleep(d); let _ = tx.send(()); });
    /// #         async move { let _ = rx.await; }
    /// #     }
    /// #     fn now(&self) -> std::time::Instant { std::time::Instant::now() }
    /// # }
    /// struct Alarm;
    ///
    /// impl Actor for Alarm {
    ///     type Msg = &'static str;
    ///     async fn handle(&mut self, msg: &'static str, _ctx: &mut Context<Self>) {
    ///         panic!("{msg}: a cancelled timer must not fire");
    ///     }
    /// }
    ///
    /// let mut handle = Rt.spawn_actor(Alarm);
    /// let timer = handle.addr().tell_after(Duration::from_secs(3600), "wake up");
    /// timer.cancel();
    /// handle.shutdown();
    /// let report = ryker_core::blocking::block_on(handle.join()).unwrap();
    /// assert_eq!(report.handled, 0);
    /// ```
    pub fn cancel(self) {
        // `Err`: the task has ended already (its receiver is gone); nothing to stop.
        let _ = self.cancel.send(());
    }

    /// Whether the timer's task has ended: cancelled, its one message queued (`tell_after`),
    /// or the actor stopped (seen at its next tick). Once it says `true`, every message the
    /// task queued is in the mailbox as this thread sees it (`Addr::len` counts it).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use ryker_core::actor::{Actor, Context, SpawnActor};
    /// # use ryker_core::runtime::Runtime;
    /// # #[derive(Clone)] struct Rt;
    /// # impl Runtime for Rt {
    /// #     type Instant = std::time::Instant;
    /// #     fn spawn<F: std::future::Future<Output = ()> + Send + 'static>(&self, f: F) {
    /// #         std::thread::spawn(move || ryker_core::blocking::block_on(f));
    /// #     }
    /// #     fn sleep(&self, d: std::time::Duration) -> impl std::future::Future<Output = ()> + Send + 'static {
    /// #         let (tx, rx) = futures::channel::oneshot::channel::<()>();
    /// #         std::thread::spawn(move || { std::thread::sleep(d); let _ = tx.send(()); });
    /// #         async move { let _ = rx.await; }
    /// #     }
    /// #     fn now(&self) -> std::time::Instant { std::time::Instant::now() }
    /// # }
    /// struct Nop;
    /// impl Actor for Nop {
    ///     type Msg = ();
    ///     async fn handle(&mut self, _: (), _ctx: &mut Context<Self>) {}
    /// }
    ///
    /// let handle = Rt.spawn_actor(Nop);
    /// let timer = handle.addr().tell_after(Duration::from_millis(1), ());
    /// while !timer.is_finished() {
    ///     std::thread::sleep(Duration::from_millis(1)); // the message is queued soon
    /// }
    /// handle.shutdown();
    /// ```
    pub fn is_finished(&self) -> bool {
        // The task's receiver goes when the task ends.
        self.cancel.is_canceled()
    }
}

/// The timer task's side of the cancel signal: `Some` until the [`Timer`] is dropped without
/// cancelling (then nothing can cancel any more, and it is not polled again).
pub(super) struct Cancel(Option<OneshotReceiver<()>>);

impl Cancel {
    /// Waits for `sleep` unless a cancel comes first: `true` once `sleep` has completed,
    /// `false` when cancelled.
    pub(super) async fn sleep(&mut self, sleep: BoxFuture) -> bool {
        let mut sleep = sleep;
        core::future::poll_fn(|cx| {
            if let Some(cancel) = &mut self.0 {
                // Broken twin `timer_wake` (loom suite only) polls the cancel with a waker
                // that does nothing: a cancel never wakes a task parked in its sleep.
                let polled = if broken_twin!("timer_wake") {
                    struct Nop;
                    impl alloc::task::Wake for Nop {
                        fn wake(self: alloc::sync::Arc<Self>) {}
                    }
                    let nop = core::task::Waker::from(alloc::sync::Arc::new(Nop));
                    Pin::new(cancel).poll(&mut core::task::Context::from_waker(&nop))
                } else {
                    Pin::new(cancel).poll(cx)
                };
                match polled {
                    Poll::Ready(Some(())) => return Poll::Ready(false),
                    // The `Timer` was dropped: detached, nobody can cancel now.
                    Poll::Ready(None) => self.0 = None,
                    Poll::Pending => {}
                }
            }
            sleep.as_mut().poll(cx).map(|()| true)
        })
        .await
    }
}

/// Makes a timer: the [`Timer`] and the task's side of its cancel signal.
pub(super) fn timer() -> (Timer, Cancel) {
    let (cancel, watch) = oneshot::channel();
    (Timer { cancel }, Cancel(Some(watch)))
}

/// The tick after `last` on the timeline `last + k * period`, skipping those already past at
/// `now` (a tick that waited for space, or a slow runtime, does not make a burst of the ticks
/// it missed). The timeline ends at `Duration::MAX`: a tick beyond it (a period such as
/// `Duration::MAX`, "never") is put there, a point the clock does not reach.
pub(super) fn next_tick(last: Duration, period: Duration, now: Duration) -> Duration {
    let next = last.saturating_add(period);
    if next > now {
        return next;
    }
    // The first point of the timeline after `now`.
    let missed = (now - next).as_nanos() / period.as_nanos() + 1;
    let skip = u32::try_from(missed).unwrap_or(u32::MAX);
    next.saturating_add(period.saturating_mul(skip))
}

#[cfg(test)]
mod tests {
    use super::next_tick;
    use core::time::Duration;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn the_next_tick_is_one_period_on_when_on_time() {
        assert_eq!(next_tick(10 * MS, 10 * MS, 12 * MS), 20 * MS);
        assert_eq!(next_tick(10 * MS, 10 * MS, 19 * MS), 20 * MS);
    }

    #[test]
    fn missed_ticks_are_skipped_to_the_first_one_after_now() {
        assert_eq!(next_tick(10 * MS, 10 * MS, 20 * MS), 30 * MS);
        assert_eq!(next_tick(10 * MS, 10 * MS, 45 * MS), 50 * MS);
        assert_eq!(next_tick(10 * MS, 10 * MS, 50 * MS), 60 * MS);
    }

    #[test]
    fn the_timeline_ends_at_the_end_of_the_clock() {
        let end = Duration::MAX;
        assert_eq!(next_tick(end - 5 * MS, 10 * MS, end - 6 * MS), end);
        assert_eq!(next_tick(end - 5 * MS, 10 * MS, end - MS), end);
        assert_eq!(next_tick(10 * MS, end, 12 * MS), end);
    }
}
