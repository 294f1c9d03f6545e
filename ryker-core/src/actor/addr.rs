//! [`Addr`], an actor's address, and [`Reply`], where an answer to `ask` goes.

use alloc::boxed::Box;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::Poll;
use core::time::Duration;

use super::context::{Actor, Context, Mail};
use super::shared::ActorShared;
use crate::error::{AskError, AskTimeoutError, SendError, SendTimeoutError, TrySendError};
use crate::mailbox::{MailboxStats, Sender, Sent, WeakSender};
use crate::observe::Envelope;

/// The address of an actor: send it messages. Cheap to clone (one reference count), `Send` and
/// `Sync`. The actor runs while any `Addr` (or its [`ActorHandle`]) is alive; when the last
/// one goes, it handles what is queued and stops.
pub struct Addr<A: Actor> {
    tx: Sender<Mail<A>, ActorShared>,
}

impl<A: Actor> Clone for Addr<A> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
        }
    }
}

impl<A: Actor> fmt::Debug for Addr<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Addr")
            .field("name", &self.name())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<A: Actor> Addr<A> {
    pub(super) fn from_sender(tx: Sender<Mail<A>, ActorShared>) -> Self {
        Self { tx }
    }

    pub(super) fn downgrade(&self) -> WeakSender<Mail<A>, ActorShared> {
        self.tx.downgrade()
    }

    #[inline]
    fn envelope(&self, msg: A::Msg) -> Mail<A> {
        Envelope {
            msg,
            stamp: self.tx.attachment().observer.stamp(),
        }
    }

    /// Sends without waiting.
    ///
    /// # Errors
    /// As the mailbox reports it: `Busy(msg)` when full under `Overflow::Busy` (handed back),
    /// `Dropped` when full under `Overflow::DropNewest` (counted), `Closed(msg)` when the actor
    /// stopped or is stopping (handed back). Under `Overflow::DropOldest` the oldest queued
    /// message is evicted (counted) and this returns `Ok(Sent::DisplacedOldest)`.
    #[inline]
    pub fn try_tell(&self, msg: A::Msg) -> Result<Sent, TrySendError<A::Msg>> {
        self.tx.try_send(self.envelope(msg)).map_err(|e| match e {
            TrySendError::Busy(env) => TrySendError::Busy(env.msg),
            TrySendError::Dropped => TrySendError::Dropped,
            TrySendError::Closed(env) => TrySendError::Closed(env.msg),
        })
    }

    /// Sends, waiting for space while the mailbox is full under `Overflow::Busy`
    /// (backpressure; waiting senders are served in arrival order). Under the drop policies it
    /// never waits: it behaves as [`Addr::try_tell`].
    ///
    /// # Errors
    /// `Closed(msg)` if the actor stopped (or stops while this waits): the message is handed
    /// back. `Dropped` under `Overflow::DropNewest` with a full mailbox.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future before it completes leaves the message unsent (it is
    /// dropped with the future); it never arrives later.
    pub async fn tell(&self, msg: A::Msg) -> Result<Sent, SendError<A::Msg>> {
        self.tx.send(self.envelope(msg)).await.map_err(|e| match e {
            SendError::Dropped => SendError::Dropped,
            SendError::Closed(env) => SendError::Closed(env.msg),
        })
    }

    /// Sends, waiting at most `timeout` for space.
    ///
    /// The timer (from the actor's runtime) is only started when the mailbox is full; that
    /// slow path allocates it once.
    ///
    /// # Errors
    /// `Timeout(msg)` when no space freed up in time (the message is handed back: a service
    /// maps this, like `Busy`, to 429 or 503); otherwise as [`Addr::tell`].
    ///
    /// # Cancel safety
    /// As [`Addr::tell`].
    pub async fn tell_timeout(
        &self,
        msg: A::Msg,
        timeout: Duration,
    ) -> Result<Sent, SendTimeoutError<A::Msg>> {
        let env = match self.tx.try_send(self.envelope(msg)) {
            Ok(sent) => return Ok(sent),
            Err(TrySendError::Dropped) => return Err(SendTimeoutError::Dropped),
            Err(TrySendError::Closed(env)) => return Err(SendTimeoutError::Closed(env.msg)),
            Err(TrySendError::Busy(env)) => env,
        };
        let mut sleep = self.tx.attachment().sleep(timeout);
        self.queue_before(env, &mut sleep)
            .await
            .map_err(|e| match e {
                SendTimeoutError::Timeout(env) => SendTimeoutError::Timeout(env.msg),
                SendTimeoutError::Closed(env) => SendTimeoutError::Closed(env.msg),
                _ => SendTimeoutError::Dropped,
            })
    }

    /// Queues `env` into a full mailbox once a slot frees up, unless `deadline` fires first
    /// (`Timeout`, handed back) or the mailbox closes (`Closed`, handed back).
    async fn queue_before(
        &self,
        env: Mail<A>,
        deadline: &mut Pin<Box<dyn Future<Output = ()> + Send>>,
    ) -> Result<Sent, SendTimeoutError<Mail<A>>> {
        let mut reserve = core::pin::pin!(self.tx.reserve());
        let outcome = core::future::poll_fn(|cx| {
            if let Poll::Ready(permit) = reserve.as_mut().poll(cx) {
                return Poll::Ready(Some(permit));
            }
            deadline.as_mut().poll(cx).map(|()| None)
        })
        .await;
        match outcome {
            Some(Ok(permit)) => {
                permit.send(env);
                Ok(Sent::Queued)
            }
            Some(Err(crate::error::Closed)) => Err(SendTimeoutError::Closed(env)),
            None => {
                self.tx.attachment().observer.on_timeout();
                Err(SendTimeoutError::Timeout(env))
            }
        }
    }

    /// Request-reply: builds the request around a [`Reply`] with `make`, sends it as
    /// [`Addr::tell`] does, and waits for the handler's answer. One allocation per call (the
    /// reply slot).
    ///
    /// # Errors
    /// `Closed` if the actor stopped before the request was queued, `Dropped` under
    /// `Overflow::DropNewest` with a full mailbox, `NoReply` if the request was queued but the
    /// handler dropped the [`Reply`] unanswered (or panicked, or the actor was aborted).
    ///
    /// # Cancel safety
    /// Cancel safe: dropped before the request was queued, it is never handled; dropped after,
    /// the handler still runs and its answer is discarded.
    pub async fn ask<R: Send + 'static>(
        &self,
        make: impl FnOnce(Reply<R>) -> A::Msg,
    ) -> Result<R, AskError> {
        let (reply, answer) = futures_channel::oneshot::channel();
        match self.tell(make(Reply(reply))).await {
            Ok(_) => {}
            Err(SendError::Closed(_)) => return Err(AskError::Closed),
            Err(SendError::Dropped) => return Err(AskError::Dropped),
        }
        answer.await.map_err(|_| AskError::NoReply)
    }

    /// [`Addr::ask`] with one deadline for the whole round trip: for a slot in a full
    /// mailbox (`Overflow::Busy`), then for the answer. A request that was not queued in time
    /// comes back in [`AskTimeoutError::Full`], one refused by a closed mailbox in
    /// [`AskTimeoutError::Closed`]. The timer (from the actor's runtime) is one allocation per
    /// call, besides the reply slot.
    ///
    /// # Errors
    /// [`AskTimeoutError`]: `Full(msg)`, `Closed(msg)`, `Dropped`, `NoReply`, or `Timeout` when
    /// the request was queued but not answered in time.
    ///
    /// # Cancel safety
    /// As [`Addr::ask`].
    pub async fn ask_timeout<R: Send + 'static>(
        &self,
        make: impl FnOnce(Reply<R>) -> A::Msg,
        timeout: Duration,
    ) -> Result<R, AskTimeoutError<A::Msg>> {
        let (reply, answer) = futures_channel::oneshot::channel();
        let mut deadline = self.tx.attachment().sleep(timeout);
        match self.tx.try_send(self.envelope(make(Reply(reply)))) {
            Ok(_) => {}
            Err(TrySendError::Busy(env)) => match self.queue_before(env, &mut deadline).await {
                Ok(_) => {}
                Err(SendTimeoutError::Timeout(env)) => return Err(AskTimeoutError::Full(env.msg)),
                Err(SendTimeoutError::Closed(env)) => return Err(AskTimeoutError::Closed(env.msg)),
                Err(_) => return Err(AskTimeoutError::Dropped),
            },
            Err(TrySendError::Closed(env)) => return Err(AskTimeoutError::Closed(env.msg)),
            Err(_) => return Err(AskTimeoutError::Dropped),
        }
        let mut answer = answer;
        core::future::poll_fn(|cx| {
            if let Poll::Ready(answered) = Pin::new(&mut answer).poll(cx) {
                return Poll::Ready(answered.map_err(|_| AskTimeoutError::NoReply));
            }
            deadline
                .as_mut()
                .poll(cx)
                .map(|()| Err(AskTimeoutError::Timeout))
        })
        .await
    }

    /// Sends from a plain thread, parking it while the mailbox is full (as [`Addr::tell`]).
    ///
    /// Not for async code: parking a thread that runs an async runtime's tasks stalls the
    /// runtime (a single-threaded one for good, if the actor runs on it). Use
    /// [`Addr::tell`]`.await` there, or call this from a thread meant for blocking (tokio's
    /// `spawn_blocking`).
    ///
    /// # Errors
    /// As [`Addr::tell`].
    ///
    /// # Panics
    /// When it would have to wait inside async code that a runtime adapter can recognise
    /// (`ryker-tokio`, `ryker-asyncstd`; see
    /// [`AsyncContextProbe`](crate::blocking::AsyncContextProbe)), with a message saying what
    /// to call instead.
    #[cfg(feature = "std")]
    pub fn blocking_tell(&self, msg: A::Msg) -> Result<Sent, SendError<A::Msg>> {
        self.tx
            .blocking_send(self.envelope(msg))
            .map_err(|e| match e {
                SendError::Dropped => SendError::Dropped,
                SendError::Closed(env) => SendError::Closed(env.msg),
            })
    }

    /// The former name of [`blocking_tell`](Self::blocking_tell).
    #[cfg(feature = "std")]
    #[deprecated(
        since = "0.1.0",
        note = "renamed to `blocking_tell`, as tokio names its blocking calls"
    )]
    pub fn tell_blocking(&self, msg: A::Msg) -> Result<Sent, SendError<A::Msg>> {
        self.blocking_tell(msg)
    }

    /// Whether the actor's mailbox is closed (the actor stopped or is stopping).
    #[inline]
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// The actor's name.
    pub fn name(&self) -> &str {
        self.tx.attachment().name()
    }

    /// Messages queued now (a snapshot).
    pub fn len(&self) -> usize {
        self.tx.len()
    }

    /// Whether nothing is queued now (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.tx.is_empty()
    }

    /// The mailbox's capacity.
    pub fn capacity(&self) -> usize {
        self.tx.capacity()
    }

    /// The mailbox's counters.
    pub fn stats(&self) -> MailboxStats {
        self.tx.stats()
    }
}

/// Where the answer to an [`Addr::ask`] goes: the handler calls [`Reply::send`].
pub struct Reply<R>(futures_channel::oneshot::Sender<R>);

impl<R> Reply<R> {
    /// Answers the request.
    ///
    /// # Errors
    /// The value back, if the asker gave up waiting (dropped its `ask` future).
    pub fn send(self, value: R) -> Result<(), R> {
        self.0.send(value)
    }

    /// Whether the asker gave up waiting (an answer would be discarded).
    pub fn is_canceled(&self) -> bool {
        self.0.is_canceled()
    }
}

impl<R> fmt::Debug for Reply<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply")
            .field("canceled", &self.is_canceled())
            .finish()
    }
}

impl<A: Actor> Context<A> {
    /// The actor's own address, while any other address is alive (an actor does not keep
    /// itself alive: once every [`Addr`] and the [`ActorHandle`] are gone, it drains its
    /// mailbox and stops, and this returns `None`).
    pub fn addr(&self) -> Option<Addr<A>> {
        self.weak.upgrade().map(Addr::from_sender)
    }
}
