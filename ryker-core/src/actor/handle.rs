//! [`ActorHandle`]: the owner's control over a running actor.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::addr::Addr;
use super::context::{Actor, Mail};
use super::report::ActorReport;
use super::shared::ActorShared;
use crate::error::JoinError;
use crate::mailbox::WeakSender;

/// Owns a running actor: get its address, ask it to shut down or abort, and wait for its
/// report.
///
/// [`shutdown`](Self::shutdown) and [`abort`](Self::abort) are requests on `&self` that
/// return at once; [`join`](Self::join) (or awaiting the handle itself, as a tokio
/// `JoinHandle`) waits for the report. So a graceful stop with a deadline escalates like this
/// (`timeout` is your runtime's):
///
/// ```ignore
/// handle.shutdown();
/// let report = match timeout(Duration::from_secs(5), handle.join()).await {
///     Ok(report) => report,
///     Err(_elapsed) => {
///         handle.abort(); // cancels the handler in progress, discards the queue
///         handle.join().await
///     }
/// }?;
/// ```
/// (This sequence runs on every runtime in the conformance suite,
/// `stop::shutdown_then_timeout_then_abort`.)
///
/// Dropping the handle detaches it: the actor keeps running while any [`Addr`] is alive, then
/// handles what is queued and stops.
pub struct ActorHandle<A: Actor> {
    /// The handle's own address: it keeps the actor alive until the handle is first joined.
    addr: Option<Addr<A>>,
    /// Reaches the actor's state without keeping it alive.
    weak: WeakSender<Mail<A>, ActorShared>,
    done: futures_channel::oneshot::Receiver<ActorReport>,
    /// The outcome, once joined (a second join gets it again).
    outcome: Option<Result<ActorReport, JoinError>>,
}

impl<A: Actor> fmt::Debug for ActorHandle<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActorHandle")
            .field("name", &self.name())
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}

impl<A: Actor> ActorHandle<A> {
    pub(super) fn new(
        addr: Addr<A>,
        done: futures_channel::oneshot::Receiver<ActorReport>,
    ) -> Self {
        Self {
            weak: addr.downgrade(),
            addr: Some(addr),
            done,
            outcome: None,
        }
    }

    /// The actor's address (a clone). After the handle was joined, when the actor has
    /// stopped and no other address is alive, an address whose sends fail with `Closed`.
    pub fn addr(&self) -> Addr<A> {
        match &self.addr {
            Some(addr) => addr.clone(),
            None => Addr::from_sender(self.weak.upgrade_or_closed()),
        }
    }

    /// The actor's name.
    pub fn name(&self) -> &str {
        self.weak.attachment().name()
    }

    /// Asks for a graceful stop and returns at once: closes the mailbox (senders get `Closed`
    /// from now on, waiting ones at once); the actor handles every message accepted before
    /// the close, runs `stopped`, and sends its report (`Exit::Shutdown`) to
    /// [`join`](Self::join). Calling it again, or after an abort, changes nothing.
    pub fn shutdown(&self) {
        self.weak.attachment().request_shutdown();
        self.weak.close();
    }

    /// Asks for the hard stop and returns at once: closes the mailbox, cancels the message in
    /// progress at its next `.await`, discards (drops) every queued message, runs `stopped`,
    /// and sends the report (`Exit::Aborted`, with `discarded` saying how many messages were
    /// thrown away) to [`join`](Self::join). A `started` hook still running is let finish
    /// first: `started` and `stopped` always come in pairs. Also escalates a
    /// [`shutdown`](Self::shutdown) that takes too long.
    pub fn abort(&self) {
        self.weak.attachment().request_abort();
        self.weak.close();
    }

    /// Waits for the actor's report: after [`shutdown`](Self::shutdown) or
    /// [`abort`](Self::abort), or when it stops by itself (every `Addr` gone,
    /// [`Context::stop`](super::Context::stop), or a panic under `Supervision::Stop`). The
    /// handle's own address is released when the join is first polled, so joining does not
    /// keep the actor alive. Awaiting the handle itself does the same.
    ///
    /// # Errors
    /// [`JoinError`] if the runtime dropped the actor's task before it finished.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future (a timeout fired) loses nothing; join again, after an
    /// [`abort`](Self::abort) if you like. Once the report has arrived, every later join
    /// returns it again.
    pub fn join(&mut self) -> Join<'_, A> {
        Join { handle: self }
    }

    /// Whether the actor has finished.
    pub fn is_finished(&self) -> bool {
        self.weak.attachment().is_finished()
    }

    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<ActorReport, JoinError>> {
        self.addr = None;
        if let Some(outcome) = &self.outcome {
            return Poll::Ready(outcome.clone());
        }
        match Pin::new(&mut self.done).poll(cx) {
            Poll::Ready(done) => {
                let outcome = done.map_err(|_| JoinError);
                self.outcome = Some(outcome.clone());
                Poll::Ready(outcome)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Awaiting the handle joins it (see [`ActorHandle::join`]).
impl<A: Actor> Future for ActorHandle<A> {
    type Output = Result<ActorReport, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().poll_join(cx)
    }
}

/// The future of [`ActorHandle::join`].
#[must_use = "futures do nothing unless polled"]
pub struct Join<'a, A: Actor> {
    handle: &'a mut ActorHandle<A>,
}

impl<A: Actor> Future for Join<'_, A> {
    type Output = Result<ActorReport, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().handle.poll_join(cx)
    }
}

impl<A: Actor> fmt::Debug for Join<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join")
            .field("handle", &self.handle)
            .finish()
    }
}
