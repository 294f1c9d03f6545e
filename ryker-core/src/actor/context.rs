//! The [`Actor`] trait and the [`Context`] a handler sees. (`Context::addr` is implemented in
//! `addr.rs`, next to the `Addr` it makes.)

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;

use super::shared::ActorShared;
use crate::mailbox::WeakSender;
use crate::observe::Envelope;

/// An actor: state plus a handler for its messages.
///
/// Implement `handle` with `async fn`; `started` and `stopped` are optional. The futures they
/// return must be `Send` (the actor may move between worker threads between messages).
///
/// Panics in `handle` are caught (under `std`) and dealt with by the actor's
/// [`Supervision`] policy.
pub trait Actor: Send + Sized + 'static {
    /// The messages this actor handles.
    type Msg: Send + 'static;

    /// Handles one message. Messages from one sender arrive in the order they were sent.
    fn handle(
        &mut self,
        msg: Self::Msg,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send;

    /// Runs once before the first message (and again on each fresh actor after a restart).
    fn started(&mut self, ctx: &mut Context<Self>) -> impl Future<Output = ()> + Send {
        let _ = ctx;
        async {}
    }

    /// Runs once after the last message, when the actor stops by shutdown, by
    /// [`Context::stop`], because every [`Addr`] is gone, or by abort. It does not run after a
    /// panic (the actor's state may be broken; its `Drop` still runs).
    fn stopped(&mut self, ctx: &mut Context<Self>) -> impl Future<Output = ()> + Send {
        let _ = ctx;
        async {}
    }
}

/// The mailbox type of an actor.
pub(crate) type Mail<A> = Envelope<<A as Actor>::Msg>;

/// What an actor sees of itself while it handles a message.
pub struct Context<A: Actor> {
    pub(crate) weak: WeakSender<Mail<A>, ActorShared>,
    pub(crate) stop: bool,
    _actor: PhantomData<fn() -> A>,
}

impl<A: Actor> Context<A> {
    pub(crate) fn new(weak: WeakSender<Mail<A>, ActorShared>) -> Self {
        Self {
            weak,
            stop: false,
            _actor: PhantomData,
        }
    }

    /// The actor's name: from [`ActorOptions::name`], or else its type's name and a
    /// process-wide number (`Worker-7`), so that unnamed actors have metric series of their own.
    pub fn name(&self) -> &str {
        self.weak.attachment().name()
    }

    /// Stops the actor gracefully after this message: the mailbox closes now (senders get
    /// `Closed`), every message accepted before is still handled, then `stopped` runs.
    pub fn stop(&mut self) {
        self.stop = true;
        self.weak.close();
    }

    /// Whether [`Context::stop`] was called.
    pub fn is_stopping(&self) -> bool {
        self.stop
    }
}

impl<A: Actor> fmt::Debug for Context<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("name", &self.name())
            .field("stop", &self.stop)
            .finish()
    }
}
