//! [`Recipient`] and [`WeakRecipient`]: an actor's address named by a message type it accepts
//! rather than by the actor's type (actix's `Recipient`, xtra's `MessageChannel`, ractor's
//! `DerivedActorRef`), so that one component can hold the addresses of different actors that
//! all take, say, a `Tick`.
//!
//! A `Recipient<M>` is an [`Addr`] behind one shared, type-erased pointer: made once (one
//! allocation), cloned by a reference count. A message goes into the actor's mailbox as
//! through the `Addr`, converted into the actor's message by `From` only once its slot is
//! sure: every refusal (`Busy`, `Closed`, `Timeout`) hands the caller's own `M` back, and
//! every overflow policy answers and counts exactly as for the `Addr` (the same steps of the
//! mailbox, ryker-core's `Sender::try_send_with` and its kin). Sending allocates nothing per
//! message.
//!
//! Under the `metrics` feature the message is timestamped as it is queued (an `Addr`'s as
//! its send begins): a recipient's mailbox-latency sample leaves out a wait for a slot, and a
//! refused send takes no sample.

// `alloc`'s `Arc`, not the sync shim's: it is only the shared handle to an `Addr` (whose
// mailbox does its own counting); no protocol runs through its count, and loom's `Arc` cannot
// hold a `dyn` value.
use alloc::boxed::Box;
use alloc::sync::Arc;
use core::fmt;
use core::future::{poll_fn, Future};
use core::hash::{Hash, Hasher};
use core::pin::{pin, Pin};
use core::task::{Context as TaskContext, Poll};
use core::time::Duration;

use super::addr::{answer_before, ask_body, Addr, Reply, WeakAddr};
use super::context::{Actor, Context, Mail};
use super::shared::ActorShared;
use crate::error::{AskError, AskTimeoutError, SendError, SendTimeoutError, TrySendError};
use crate::mailbox::{MailboxStats, Sent};
use crate::observe::Envelope;
use crate::wait_list::Waiter;

/// What a [`Recipient`] needs of its actor's [`Addr`], with the actor's type erased.
trait Tell<M>: Send + Sync {
    fn try_tell(&self, msg: M) -> Result<Sent, TrySendError<M>>;
    /// One poll of `tell`; on `Closed(())` the message is still in `msg`.
    fn poll_tell(
        &self,
        w: Pin<&Waiter>,
        registered: &mut bool,
        msg: &mut Option<M>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Result<Sent, SendError<()>>>;
    fn cancel_wait(&self, w: Pin<&Waiter>, registered: &mut bool);
    fn sleep(&self, timeout: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;
    fn on_timeout(&self);
    fn is_closed(&self) -> bool;
    fn name(&self) -> &str;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool;
    fn capacity(&self) -> usize;
    fn stats(&self) -> MailboxStats;
    fn channel_addr(&self) -> usize;
    fn downgrade(&self) -> WeakRecipient<M>;
}

/// What a [`WeakRecipient`] needs of its actor's [`WeakAddr`].
trait WeakTell<M>: Send + Sync {
    fn upgrade(&self) -> Option<Recipient<M>>;
    fn is_closed(&self) -> bool;
    fn name(&self) -> &str;
    fn channel_addr(&self) -> usize;
}

/// The caller's message as the actor's, timestamped as `Addr` timestamps it: called once per
/// message, when its slot is sure.
#[inline]
fn envelope<A: Actor, M>(shared: &ActorShared, msg: M) -> Mail<A>
where
    A::Msg: From<M>,
{
    Envelope {
        msg: A::Msg::from(msg),
        stamp: shared.observer.stamp(),
    }
}

impl<A: Actor, M> Tell<M> for Addr<A>
where
    A::Msg: From<M>,
{
    #[inline]
    fn try_tell(&self, msg: M) -> Result<Sent, TrySendError<M>> {
        let tx = self.sender();
        tx.try_send_with(msg, &|msg| envelope::<A, M>(tx.attachment(), msg))
    }

    fn poll_tell(
        &self,
        w: Pin<&Waiter>,
        registered: &mut bool,
        msg: &mut Option<M>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Result<Sent, SendError<()>>> {
        let tx = self.sender();
        let make = |msg| envelope::<A, M>(tx.attachment(), msg);
        tx.poll_send_with(w, registered, msg, &make, cx)
    }

    fn cancel_wait(&self, w: Pin<&Waiter>, registered: &mut bool) {
        self.sender().cancel_wait(w, registered);
    }

    fn sleep(&self, timeout: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        self.sender().attachment().sleep(timeout)
    }

    fn on_timeout(&self) {
        self.sender().attachment().observer.on_timeout();
    }

    fn is_closed(&self) -> bool {
        Addr::is_closed(self)
    }

    fn name(&self) -> &str {
        Addr::name(self)
    }

    fn len(&self) -> usize {
        Addr::len(self)
    }

    fn is_empty(&self) -> bool {
        Addr::is_empty(self)
    }

    fn capacity(&self) -> usize {
        Addr::capacity(self)
    }

    fn stats(&self) -> MailboxStats {
        Addr::stats(self)
    }

    fn channel_addr(&self) -> usize {
        self.sender().channel_addr()
    }

    fn downgrade(&self) -> WeakRecipient<M> {
        Addr::downgrade(self).recipient()
    }
}

impl<A: Actor, M> WeakTell<M> for WeakAddr<A>
where
    A::Msg: From<M>,
{
    fn upgrade(&self) -> Option<Recipient<M>> {
        WeakAddr::upgrade(self).map(|addr| addr.recipient())
    }

    fn is_closed(&self) -> bool {
        WeakAddr::is_closed(self)
    }

    fn name(&self) -> &str {
        WeakAddr::name(self)
    }

    fn channel_addr(&self) -> usize {
        self.weak_sender_ref().channel_addr()
    }
}

/// A waiter's place in the wait list, for as long as a `tell` waits: taken out of the list
/// when it is dropped (completed or cancelled), passing on a wake-up it had received.
struct InLine<'a, M> {
    tell: &'a dyn Tell<M>,
    waiter: Pin<&'a Waiter>,
    registered: bool,
}

impl<M> Drop for InLine<'_, M> {
    fn drop(&mut self) {
        self.tell.cancel_wait(self.waiter, &mut self.registered);
    }
}

/// The message of a send that has settled; its future held it until then.
fn settled<M>(msg: &mut Option<M>) -> M {
    match msg.take() {
        Some(msg) => msg,
        None => unreachable!("a refused message is handed back"),
    }
}

/// An actor's address named by a message type it accepts: any actor whose `Msg` is
/// `From<M>` (an enum variant that wraps `M`, or `M` itself). Made by [`Addr::recipient`]
/// (or `Recipient::from(addr)`, or [`Context::recipient`]); cloned by one reference count,
/// `Send` and `Sync` whatever `M` is. It keeps the actor running as its [`Addr`] does.
///
/// Sends hand back the caller's `M` whenever the message was not queued: the conversion into
/// the actor's message runs only once the message's slot is sure, and under every overflow
/// policy a send answers and counts ([`MailboxStats`]) exactly as the same send through the
/// `Addr` does. The conversion runs between claiming the slot and publishing into it: keep
/// it a plain wrapping. If it panics, the slot is given up (the actor steps over it; counted
/// in `abandoned`, as a dropped permit) and the panic propagates to the sender.
///
/// Equal to another `Recipient`, a [`WeakRecipient`] or an [`Addr`] of the same actor, and
/// hashed as they are.
///
/// ```
/// use ryker_core::actor::{Actor, Addr, Context, Recipient, SpawnActor};
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
/// struct Tick;
///
/// /// Takes `Tick` as one of its messages.
/// enum ClockMsg {
///     Tick(Tick),
///     Reset,
/// }
/// impl From<Tick> for ClockMsg {
///     fn from(tick: Tick) -> Self {
///         ClockMsg::Tick(tick)
///     }
/// }
/// struct Clock(u32);
/// impl Actor for Clock {
///     type Msg = ClockMsg;
///     async fn handle(&mut self, msg: ClockMsg, _: &mut Context<Self>) {
///         match msg {
///             ClockMsg::Tick(_) => self.0 += 1,
///             ClockMsg::Reset => self.0 = 0,
///         }
///     }
/// }
///
/// /// Takes nothing but `Tick`.
/// struct Beeper;
/// impl Actor for Beeper {
///     type Msg = Tick;
///     async fn handle(&mut self, _: Tick, _: &mut Context<Self>) {}
/// }
///
/// let clock: Addr<Clock> = Rt.spawn_actor(Clock(0)).addr();
/// let beeper: Addr<Beeper> = Rt.spawn_actor(Beeper).addr();
/// let subscribers: Vec<Recipient<Tick>> = vec![clock.recipient(), beeper.recipient()];
/// for subscriber in &subscribers {
///     subscriber.try_tell(Tick).unwrap();
/// }
/// assert_eq!(subscribers[0], clock);
/// ```
pub struct Recipient<M> {
    tell: Arc<dyn Tell<M>>,
}

impl<M> Recipient<M> {
    /// Sends without waiting, as [`Addr::try_tell`].
    ///
    /// # Errors
    /// As [`Addr::try_tell`], with the caller's message handed back: `Busy(msg)` when full
    /// under `Overflow::Busy`, `Dropped` when full under `Overflow::DropNewest` (counted; the
    /// message is dropped unconverted), `Closed(msg)` when the actor stopped or is stopping.
    /// Under `Overflow::DropOldest` the oldest queued message is evicted (counted) and this
    /// returns `Ok(Sent::DisplacedOldest)`.
    ///
    /// ```
    /// use futures::channel::oneshot;
    /// use ryker_core::actor::{Actor, ActorConfig, Context, Recipient, Sent, SpawnActor, TrySendError};
    /// use ryker_core::mailbox::MailboxConfig;
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
    /// /// Reads no message until its gate opens.
    /// struct Gated(Option<oneshot::Receiver<()>>);
    ///
    /// impl Actor for Gated {
    ///     type Msg = u64;
    ///     async fn started(&mut self, _ctx: &mut Context<Self>) {
    ///         if let Some(gate) = self.0.take() {
    ///             let _ = gate.await;
    ///         }
    ///     }
    ///     async fn handle(&mut self, _: u64, _ctx: &mut Context<Self>) {}
    /// }
    ///
    /// let (open, gate) = oneshot::channel();
    /// let mailbox = MailboxConfig { capacity: 1, ..Default::default() };
    /// let config = ActorConfig { mailbox, ..Default::default() };
    /// let handle = Rt.spawn_actor_with(Gated(Some(gate)), &config).unwrap();
    /// // The actor takes `u64`; this recipient takes `u32` (`u64: From<u32>`).
    /// let recipient: Recipient<u32> = handle.addr().recipient();
    /// assert_eq!(recipient.try_tell(1), Ok(Sent::Queued));
    /// assert_eq!(recipient.try_tell(2), Err(TrySendError::Busy(2))); // full: the u32 back
    /// # let _ = open.send(());
    /// handle.shutdown();
    /// assert_eq!(recipient.try_tell(3), Err(TrySendError::Closed(3)));
    /// ```
    #[inline]
    pub fn try_tell(&self, msg: M) -> Result<Sent, TrySendError<M>> {
        self.tell.try_tell(msg)
    }

    /// Sends, waiting for space while the mailbox is full under `Overflow::Busy`, as
    /// [`Addr::tell`] (in line with the other waiting senders); under the drop policies it
    /// behaves as [`Recipient::try_tell`]. Waiting allocates nothing.
    ///
    /// # Errors
    /// `Closed(msg)` if the actor stopped (or stops while this waits): the caller's message
    /// is handed back. `Dropped` under `Overflow::DropNewest` with a full mailbox.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future before it completes leaves the message unsent (it is
    /// dropped with the future, unconverted) and gives its place in line up.
    ///
    /// ```
    /// use futures::channel::oneshot;
    /// use ryker_core::actor::{Actor, ActorConfig, Context, Recipient, SendError, Sent, SpawnActor};
    /// use ryker_core::mailbox::MailboxConfig;
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
    /// /// Reads no message until its gate opens.
    /// struct Gated(Option<oneshot::Receiver<()>>);
    ///
    /// impl Actor for Gated {
    ///     type Msg = u64;
    ///     async fn started(&mut self, _ctx: &mut Context<Self>) {
    ///         if let Some(gate) = self.0.take() {
    ///             let _ = gate.await;
    ///         }
    ///     }
    ///     async fn handle(&mut self, _: u64, _ctx: &mut Context<Self>) {}
    /// }
    ///
    /// # ryker_core::blocking::block_on(async {
    /// let (open, gate) = oneshot::channel();
    /// let mailbox = MailboxConfig { capacity: 1, ..Default::default() };
    /// let config = ActorConfig { mailbox, ..Default::default() };
    /// let mut handle = Rt.spawn_actor_with(Gated(Some(gate)), &config).unwrap();
    /// let recipient: Recipient<u32> = handle.addr().recipient();
    /// recipient.tell(1).await.unwrap(); // the mailbox is full now
    /// let second = recipient.tell(2); // waits until the actor makes room
    /// open.send(()).unwrap();
    /// assert_eq!(second.await, Ok(Sent::Queued));
    /// handle.shutdown();
    /// assert_eq!(recipient.tell(3).await, Err(SendError::Closed(3)));
    /// assert_eq!(handle.join().await.unwrap().handled, 2);
    /// # });
    /// ```
    pub async fn tell(&self, msg: M) -> Result<Sent, SendError<M>> {
        let mut msg = Some(msg);
        let waiter = pin!(Waiter::new());
        let mut line = InLine {
            tell: &*self.tell,
            waiter: waiter.as_ref(),
            registered: false,
        };
        let polled = poll_fn(|cx| {
            line.tell
                .poll_tell(line.waiter, &mut line.registered, &mut msg, cx)
        })
        .await;
        drop(line);
        match polled {
            Ok(sent) => Ok(sent),
            Err(SendError::Closed(())) => Err(SendError::Closed(settled(&mut msg))),
            Err(SendError::Dropped) => Err(SendError::Dropped),
        }
    }

    /// Sends, waiting at most `timeout` for space, as [`Addr::tell_timeout`]: the timer (from
    /// the actor's runtime) is started, one allocation, only when the mailbox is full.
    ///
    /// # Errors
    /// `Timeout(msg)` when no space freed up in time, with the caller's message; otherwise as
    /// [`Recipient::tell`].
    ///
    /// # Cancel safety
    /// As [`Recipient::tell`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use futures::channel::oneshot;
    /// use ryker_core::actor::{Actor, ActorConfig, Context, Recipient, SendTimeoutError, Sent, SpawnActor};
    /// use ryker_core::mailbox::MailboxConfig;
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
    /// /// Reads no message until its gate opens.
    /// struct Gated(Option<oneshot::Receiver<()>>);
    ///
    /// impl Actor for Gated {
    ///     type Msg = u64;
    ///     async fn started(&mut self, _ctx: &mut Context<Self>) {
    ///         if let Some(gate) = self.0.take() {
    ///             let _ = gate.await;
    ///         }
    ///     }
    ///     async fn handle(&mut self, _: u64, _ctx: &mut Context<Self>) {}
    /// }
    ///
    /// # ryker_core::blocking::block_on(async {
    /// let (open, gate) = oneshot::channel();
    /// let mailbox = MailboxConfig { capacity: 1, ..Default::default() };
    /// let config = ActorConfig { mailbox, ..Default::default() };
    /// let handle = Rt.spawn_actor_with(Gated(Some(gate)), &config).unwrap();
    /// let recipient: Recipient<u32> = handle.addr().recipient();
    /// let ms = Duration::from_millis;
    /// assert_eq!(recipient.tell_timeout(1, ms(10)).await, Ok(Sent::Queued));
    /// // Full, and the actor reads nothing: the message comes back.
    /// assert_eq!(recipient.tell_timeout(2, ms(10)).await, Err(SendTimeoutError::Timeout(2)));
    /// open.send(()).unwrap();
    /// assert_eq!(recipient.tell_timeout(3, ms(5_000)).await, Ok(Sent::Queued));
    /// # });
    /// ```
    pub async fn tell_timeout(
        &self,
        msg: M,
        timeout: Duration,
    ) -> Result<Sent, SendTimeoutError<M>> {
        let msg = match self.tell.try_tell(msg) {
            Ok(sent) => return Ok(sent),
            Err(TrySendError::Dropped) => return Err(SendTimeoutError::Dropped),
            Err(TrySendError::Closed(msg)) => return Err(SendTimeoutError::Closed(msg)),
            Err(TrySendError::Busy(msg)) => msg,
        };
        let mut deadline = self.tell.sleep(timeout);
        self.queue_before(msg, &mut deadline).await
    }

    /// Queues `msg` into a full mailbox as [`Addr::tell`] waits (under `busy`, once a slot frees
    /// up, in line with the other waiting senders; under `drop_oldest`, once the oldest
    /// message can be evicted), unless `deadline` fires first (`Timeout`, counted) or the
    /// mailbox closes (`Closed`); the message is handed back either way.
    async fn queue_before(
        &self,
        msg: M,
        deadline: &mut Pin<Box<dyn Future<Output = ()> + Send>>,
    ) -> Result<Sent, SendTimeoutError<M>> {
        let mut msg = Some(msg);
        let waiter = pin!(Waiter::new());
        let mut line = InLine {
            tell: &*self.tell,
            waiter: waiter.as_ref(),
            registered: false,
        };
        // The send first: room that is there when the deadline comes is still taken. It waits
        // as `tell` does (as `Addr::tell_timeout` does): under `busy` in line for a slot, under
        // `drop_oldest` until the oldest message can be evicted.
        let queued = poll_fn(|cx| {
            let polled = line
                .tell
                .poll_tell(line.waiter, &mut line.registered, &mut msg, cx);
            if let Poll::Ready(queued) = polled {
                return Poll::Ready(Some(queued));
            }
            deadline.as_mut().poll(cx).map(|()| None)
        })
        .await;
        drop(line);
        match queued {
            Some(Ok(sent)) => Ok(sent),
            Some(Err(SendError::Closed(()))) => Err(SendTimeoutError::Closed(settled(&mut msg))),
            Some(Err(SendError::Dropped)) => Err(SendTimeoutError::Dropped),
            None => {
                self.tell.on_timeout();
                Err(SendTimeoutError::Timeout(settled(&mut msg)))
            }
        }
    }

    /// Request-reply through the recipient, as [`Addr::ask`]: builds the request around a
    /// [`Reply`] with `make`, sends it as [`Recipient::tell`] does, and waits for the
    /// handler's answer. The reply's type is chosen per call, so a `Recipient<M>` asks
    /// whatever `M`'s variants carry a [`Reply`] for; a request type that carries its own
    /// `Reply<R>` makes one recipient for one question.
    ///
    /// # Errors
    /// As [`Addr::ask`]: `Closed`, `Dropped`, or `NoReply` when the handler dropped the
    /// [`Reply`] unanswered.
    ///
    /// # Cancel safety
    /// As [`Addr::ask`].
    ///
    /// ```
    /// use ryker_core::actor::{Actor, Context, Recipient, Reply, SpawnActor};
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
    /// /// A question any counter answers.
    /// struct Count(Reply<u64>);
    ///
    /// enum Msg {
    ///     Add(u64),
    ///     Count(Count),
    /// }
    /// impl From<Count> for Msg {
    ///     fn from(count: Count) -> Self {
    ///         Msg::Count(count)
    ///     }
    /// }
    ///
    /// struct Counter(u64);
    /// impl Actor for Counter {
    ///     type Msg = Msg;
    ///     async fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
    ///         match msg {
    ///             Msg::Add(n) => self.0 += n,
    ///             Msg::Count(Count(reply)) => {
    ///                 let _ = reply.send(self.0);
    ///             }
    ///         }
    ///     }
    /// }
    ///
    /// let addr = Rt.spawn_actor(Counter(0)).addr();
    /// addr.try_tell(Msg::Add(5)).unwrap();
    /// let counters: Vec<Recipient<Count>> = vec![addr.recipient()];
    /// let total = ryker_core::blocking::block_on(counters[0].ask(Count));
    /// assert_eq!(total, Ok(5));
    /// ```
    pub async fn ask<R: Send + 'static>(
        &self,
        make: impl FnOnce(Reply<R>) -> M,
    ) -> Result<R, AskError> {
        ask_body!(make, |msg| self.tell(msg))
    }

    /// [`Recipient::ask`] with one deadline for the whole round trip, as [`Addr::ask_timeout`]:
    /// for a slot in a full mailbox (`Overflow::Busy`), then for the answer. A request that was
    /// not queued comes back, the caller's own `M`, in [`AskTimeoutError::Full`] or
    /// [`AskTimeoutError::Closed`]. The timer is one allocation per call.
    ///
    /// # Errors
    /// As [`Addr::ask_timeout`]: `Full(request)`, `Closed(request)`, `Dropped`, `NoReply`, or
    /// `Timeout` when the request was queued but not answered in time.
    ///
    /// # Cancel safety
    /// As [`Addr::ask`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use futures::channel::oneshot;
    /// use ryker_core::actor::{Actor, ActorConfig, AskTimeoutError, Context, Recipient, Reply, SpawnActor};
    /// use ryker_core::mailbox::MailboxConfig;
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
    /// /// A question, with its own reply inside.
    /// struct Answer(Reply<u32>);
    ///
    /// /// Answers 42, but reads nothing until its gate opens.
    /// struct Gated(Option<oneshot::Receiver<()>>);
    /// impl Actor for Gated {
    ///     type Msg = Reply<u32>;
    ///     async fn started(&mut self, _ctx: &mut Context<Self>) {
    ///         if let Some(gate) = self.0.take() {
    ///             let _ = gate.await;
    ///         }
    ///     }
    ///     async fn handle(&mut self, reply: Reply<u32>, _ctx: &mut Context<Self>) {
    ///         let _ = reply.send(42);
    ///     }
    /// }
    /// impl From<Answer> for Reply<u32> {
    ///     fn from(Answer(reply): Answer) -> Self {
    ///         reply
    ///     }
    /// }
    ///
    /// # ryker_core::blocking::block_on(async {
    /// let (open, gate) = oneshot::channel();
    /// let mailbox = MailboxConfig { capacity: 1, ..Default::default() };
    /// let config = ActorConfig { mailbox, ..Default::default() };
    /// let handle = Rt.spawn_actor_with(Gated(Some(gate)), &config).unwrap();
    /// let questions: Recipient<Answer> = handle.addr().recipient();
    /// let ms = Duration::from_millis;
    /// // Queued (it fills the mailbox), but not answered in time.
    /// let err = questions.ask_timeout(Answer, ms(10)).await.unwrap_err();
    /// assert!(matches!(err, AskTimeoutError::Timeout));
    /// // The mailbox stays full: the caller's request comes back, never queued.
    /// let err = questions.ask_timeout(Answer, ms(10)).await.unwrap_err();
    /// assert!(matches!(err, AskTimeoutError::Full(Answer(_))));
    /// open.send(()).unwrap();
    /// assert_eq!(questions.ask_timeout(Answer, ms(5_000)).await.ok(), Some(42));
    /// # });
    /// ```
    pub async fn ask_timeout<R: Send + 'static>(
        &self,
        make: impl FnOnce(Reply<R>) -> M,
        timeout: Duration,
    ) -> Result<R, AskTimeoutError<M>> {
        let (reply, answer) = crate::oneshot::channel_reused();
        let mut deadline = self.tell.sleep(timeout);
        match self.tell.try_tell(make(Reply(reply))) {
            Ok(_) => {}
            Err(TrySendError::Busy(msg)) => match self.queue_before(msg, &mut deadline).await {
                Ok(_) => {}
                Err(SendTimeoutError::Timeout(msg)) => return Err(AskTimeoutError::Full(msg)),
                Err(SendTimeoutError::Closed(msg)) => return Err(AskTimeoutError::Closed(msg)),
                Err(_) => return Err(AskTimeoutError::Dropped),
            },
            Err(TrySendError::Closed(msg)) => return Err(AskTimeoutError::Closed(msg)),
            Err(_) => return Err(AskTimeoutError::Dropped),
        }
        answer_before(answer, deadline).await
    }

    /// Sends from a plain thread, parking it while the mailbox is full, as
    /// [`Addr::blocking_tell`] (not for async code: see there).
    ///
    /// # Errors
    /// As [`Recipient::tell`].
    ///
    /// # Panics
    /// As [`Addr::blocking_tell`], when it would have to wait inside async code that a
    /// runtime adapter can recognise.
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use ryker_core::actor::{Actor, Context, Recipient, SpawnActor};
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
    /// struct Forward(mpsc::Sender<u64>);
    /// impl Actor for Forward {
    ///     type Msg = u64;
    ///     async fn handle(&mut self, n: u64, _: &mut Context<Self>) {
    ///         self.0.send(n).unwrap();
    ///     }
    /// }
    ///
    /// let (tx, seen) = mpsc::channel();
    /// let recipient: Recipient<u8> = Rt.spawn_actor(Forward(tx)).addr().recipient();
    /// // A plain thread, outside any async runtime.
    /// std::thread::spawn(move || recipient.blocking_tell(7).unwrap()).join().unwrap();
    /// assert_eq!(seen.recv(), Ok(7));
    /// ```
    #[cfg(feature = "std")]
    pub fn blocking_tell(&self, msg: M) -> Result<Sent, SendError<M>> {
        crate::blocking::block_on_spin(self.tell(msg), true)
    }

    /// An address that does not keep the actor running ([`WeakRecipient`], as
    /// [`Addr::downgrade`]). One allocation.
    ///
    /// ```
    /// use ryker_core::actor::{Actor, Context, Recipient, SpawnActor};
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
    /// struct Nop;
    /// impl Actor for Nop {
    ///     type Msg = ();
    ///     async fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    /// let mut handle = Rt.spawn_actor(Nop);
    /// let weak = handle.addr().recipient::<()>().downgrade();
    /// assert!(weak.upgrade().is_some()); // the handle keeps the actor running
    /// handle.shutdown();
    /// ryker_core::blocking::block_on(handle.join()).unwrap();
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn downgrade(&self) -> WeakRecipient<M> {
        self.tell.downgrade()
    }

    /// Whether the actor's mailbox is closed (the actor stopped or is stopping).
    ///
    /// ```
    /// use ryker_core::actor::{Actor, Context, SpawnActor};
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
    /// struct Nop;
    /// impl Actor for Nop {
    ///     type Msg = ();
    ///     async fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    /// let handle = Rt.spawn_actor(Nop);
    /// let recipient = handle.addr().recipient::<()>();
    /// assert!(!recipient.is_closed());
    /// handle.shutdown();
    /// assert!(recipient.is_closed());
    /// ```
    #[inline]
    pub fn is_closed(&self) -> bool {
        self.tell.is_closed()
    }

    /// The actor's name ([`Addr::name`]).
    ///
    /// ```
    /// use ryker_core::actor::{Actor, ActorOptions, Context, SpawnActor};
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
    /// struct Cache;
    /// impl Actor for Cache {
    ///     type Msg = u32;
    ///     async fn handle(&mut self, _: u32, _: &mut Context<Self>) {}
    /// }
    /// let handle = Rt.spawn_actor_with_options(Cache, ActorOptions::default().name("cache")).unwrap();
    /// assert_eq!(handle.addr().recipient::<u32>().name(), "cache");
    /// # handle.shutdown();
    /// ```
    pub fn name(&self) -> &str {
        self.tell.name()
    }

    /// Messages queued now (a snapshot; [`Addr::len`]).
    ///
    /// ```
    /// use futures::channel::oneshot;
    /// use ryker_core::actor::{Actor, Context, Recipient, SpawnActor};
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
    /// /// Reads no message until its gate opens.
    /// struct Gated(Option<oneshot::Receiver<()>>);
    ///
    /// impl Actor for Gated {
    ///     type Msg = u64;
    ///     async fn started(&mut self, _ctx: &mut Context<Self>) {
    ///         if let Some(gate) = self.0.take() {
    ///             let _ = gate.await;
    ///         }
    ///     }
    ///     async fn handle(&mut self, _: u64, _ctx: &mut Context<Self>) {}
    /// }
    ///
    /// let (_open, gate) = oneshot::channel::<()>();
    /// let recipient: Recipient<u64> = Rt.spawn_actor(Gated(Some(gate))).addr().recipient();
    /// recipient.try_tell(1).unwrap();
    /// recipient.try_tell(2).unwrap();
    /// assert_eq!(recipient.len(), 2);
    /// assert!(!recipient.is_empty());
    /// ```
    pub fn len(&self) -> usize {
        self.tell.len()
    }

    /// Whether nothing is queued now (a snapshot).
    ///
    /// ```
    /// use futures::channel::oneshot;
    /// use ryker_core::actor::{Actor, Context, Recipient, SpawnActor};
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
    /// /// Reads no message until its gate opens.
    /// struct Gated(Option<oneshot::Receiver<()>>);
    ///
    /// impl Actor for Gated {
    ///     type Msg = u64;
    ///     async fn started(&mut self, _ctx: &mut Context<Self>) {
    ///         if let Some(gate) = self.0.take() {
    ///             let _ = gate.await;
    ///         }
    ///     }
    ///     async fn handle(&mut self, _: u64, _ctx: &mut Context<Self>) {}
    /// }
    ///
    /// let (_open, gate) = oneshot::channel::<()>();
    /// let recipient: Recipient<u64> = Rt.spawn_actor(Gated(Some(gate))).addr().recipient();
    /// assert!(recipient.is_empty());
    /// recipient.try_tell(1).unwrap();
    /// assert!(!recipient.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.tell.is_empty()
    }

    /// The mailbox's capacity.
    ///
    /// ```
    /// use ryker_core::actor::{Actor, ActorConfig, Context, SpawnActor};
    /// use ryker_core::mailbox::MailboxConfig;
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
    /// struct Worker;
    /// impl Actor for Worker {
    ///     type Msg = u32;
    ///     async fn handle(&mut self, _: u32, _: &mut Context<Self>) {}
    /// }
    /// let mailbox = MailboxConfig { capacity: 64, ..Default::default() };
    /// let config = ActorConfig { mailbox, ..Default::default() };
    /// let handle = Rt.spawn_actor_with(Worker, &config).unwrap();
    /// assert_eq!(handle.addr().recipient::<u32>().capacity(), 64);
    /// # handle.shutdown();
    /// ```
    pub fn capacity(&self) -> usize {
        self.tell.capacity()
    }

    /// The mailbox's counters ([`Addr::stats`]): the same mailbox, so the same numbers.
    ///
    /// ```
    /// use futures::channel::oneshot;
    /// use ryker_core::actor::{Actor, ActorConfig, Context, Recipient, SpawnActor};
    /// use ryker_core::mailbox::MailboxConfig;
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
    /// /// Reads no message until its gate opens.
    /// struct Gated(Option<oneshot::Receiver<()>>);
    ///
    /// impl Actor for Gated {
    ///     type Msg = u64;
    ///     async fn started(&mut self, _ctx: &mut Context<Self>) {
    ///         if let Some(gate) = self.0.take() {
    ///             let _ = gate.await;
    ///         }
    ///     }
    ///     async fn handle(&mut self, _: u64, _ctx: &mut Context<Self>) {}
    /// }
    ///
    /// let (_open, gate) = oneshot::channel::<()>();
    /// let mailbox = MailboxConfig { capacity: 2, ..Default::default() };
    /// let config = ActorConfig { mailbox, ..Default::default() };
    /// let addr = Rt.spawn_actor_with(Gated(Some(gate)), &config).unwrap().addr();
    /// let recipient: Recipient<u32> = addr.recipient();
    /// for n in 0..3 {
    ///     let _ = recipient.try_tell(n);
    /// }
    /// let stats = recipient.stats();
    /// assert_eq!((stats.accepted, stats.busy, stats.received), (2, 1, 0));
    /// assert_eq!(addr.stats().busy, 1);
    /// ```
    pub fn stats(&self) -> MailboxStats {
        self.tell.stats()
    }
}

impl<M> Clone for Recipient<M> {
    fn clone(&self) -> Self {
        Self {
            tell: Arc::clone(&self.tell),
        }
    }
}

impl<M> fmt::Debug for Recipient<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recipient")
            .field("name", &self.name())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<M> PartialEq for Recipient<M> {
    fn eq(&self, other: &Self) -> bool {
        self.tell.channel_addr() == other.tell.channel_addr()
    }
}

impl<M> Eq for Recipient<M> {}

/// Hashed as the actor's [`Addr`] is (by its mailbox), so a set may mix lookups by either.
impl<M> Hash for Recipient<M> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.tell.channel_addr().hash(state);
    }
}

impl<A: Actor, M> PartialEq<Addr<A>> for Recipient<M> {
    fn eq(&self, other: &Addr<A>) -> bool {
        self.tell.channel_addr() == other.sender().channel_addr()
    }
}

impl<A: Actor, M> PartialEq<Recipient<M>> for Addr<A> {
    fn eq(&self, other: &Recipient<M>) -> bool {
        other == self
    }
}

impl<M> PartialEq<WeakRecipient<M>> for Recipient<M> {
    fn eq(&self, other: &WeakRecipient<M>) -> bool {
        self.tell.channel_addr() == other.weak.channel_addr()
    }
}

impl<A: Actor, M> From<Addr<A>> for Recipient<M>
where
    A::Msg: From<M>,
{
    fn from(addr: Addr<A>) -> Self {
        Self {
            tell: Arc::new(addr),
        }
    }
}

/// A [`Recipient`] that does not keep the actor running ([`Recipient::downgrade`],
/// [`WeakAddr::recipient`]), under the rules of [`WeakAddr`]: [`upgrade`](Self::upgrade)
/// gives a `Recipient` back while some [`Addr`] (or the actor's handle) is alive.
///
/// Equal to another `WeakRecipient` or a [`Recipient`] of the same actor, and hashed as they
/// are, so it stays a usable key after the actor has stopped.
pub struct WeakRecipient<M> {
    weak: Arc<dyn WeakTell<M>>,
}

impl<M> WeakRecipient<M> {
    /// The actor's [`Recipient`], while some [`Addr`] is alive (as [`WeakAddr::upgrade`]);
    /// `None` once every one is gone. One allocation.
    ///
    /// ```
    /// use ryker_core::actor::{Actor, Context, SpawnActor, WeakRecipient};
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
    /// struct Nop;
    /// impl Actor for Nop {
    ///     type Msg = ();
    ///     async fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    /// let mut handle = Rt.spawn_actor(Nop);
    /// let weak: WeakRecipient<()> = handle.addr().downgrade().recipient();
    /// weak.upgrade().expect("the handle keeps the actor running").try_tell(()).unwrap();
    /// handle.shutdown();
    /// ryker_core::blocking::block_on(handle.join()).unwrap();
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn upgrade(&self) -> Option<Recipient<M>> {
        self.weak.upgrade()
    }

    /// Whether the actor's mailbox is closed (it stops, or has stopped, taking nothing more).
    ///
    /// ```
    /// use ryker_core::actor::{Actor, Context, SpawnActor};
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
    /// struct Nop;
    /// impl Actor for Nop {
    ///     type Msg = ();
    ///     async fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    /// let handle = Rt.spawn_actor(Nop);
    /// let weak = handle.addr().recipient::<()>().downgrade();
    /// assert!(!weak.is_closed());
    /// handle.shutdown();
    /// assert!(weak.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.weak.is_closed()
    }

    /// The actor's name ([`Addr::name`]).
    ///
    /// ```
    /// use ryker_core::actor::{Actor, ActorOptions, Context, SpawnActor};
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
    /// struct Nop;
    /// impl Actor for Nop {
    ///     type Msg = ();
    ///     async fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    /// let handle = Rt.spawn_actor_with_options(Nop, ActorOptions::default().name("nop")).unwrap();
    /// assert_eq!(handle.addr().recipient::<()>().downgrade().name(), "nop");
    /// # handle.shutdown();
    /// ```
    pub fn name(&self) -> &str {
        self.weak.name()
    }
}

impl<M> Clone for WeakRecipient<M> {
    fn clone(&self) -> Self {
        Self {
            weak: Arc::clone(&self.weak),
        }
    }
}

impl<M> fmt::Debug for WeakRecipient<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakRecipient")
            .field("name", &self.name())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<M> PartialEq for WeakRecipient<M> {
    fn eq(&self, other: &Self) -> bool {
        self.weak.channel_addr() == other.weak.channel_addr()
    }
}

impl<M> Eq for WeakRecipient<M> {}

impl<M> Hash for WeakRecipient<M> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.weak.channel_addr().hash(state);
    }
}

impl<M> PartialEq<Recipient<M>> for WeakRecipient<M> {
    fn eq(&self, other: &Recipient<M>) -> bool {
        other == self
    }
}

/// [`Recipient::downgrade`], as a conversion (actix's `WeakRecipient::from`).
impl<M> From<Recipient<M>> for WeakRecipient<M> {
    fn from(recipient: Recipient<M>) -> Self {
        recipient.downgrade()
    }
}

/// [`WeakAddr::recipient`], as a conversion.
impl<A: Actor, M> From<WeakAddr<A>> for WeakRecipient<M>
where
    A::Msg: From<M>,
{
    fn from(weak: WeakAddr<A>) -> Self {
        Self {
            weak: Arc::new(weak),
        }
    }
}

impl<A: Actor> Addr<A> {
    /// This address as a [`Recipient<M>`]: named by a message type `M` the actor accepts
    /// (`A::Msg: From<M>`), not by the actor's type. One allocation.
    ///
    /// ```
    /// use ryker_core::actor::{Actor, Context, Recipient, SpawnActor};
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
    /// # struct Tick;
    /// # enum Msg { Tick(Tick), Other }
    /// # impl From<Tick> for Msg { fn from(t: Tick) -> Self { Msg::Tick(t) } }
    /// # struct Counter;
    /// # impl Actor for Counter {
    /// #     type Msg = Msg;
    /// #     async fn handle(&mut self, _: Msg, _: &mut Context<Self>) {}
    /// # }
    /// let addr = Rt.spawn_actor(Counter).addr();
    /// let ticks: Recipient<Tick> = addr.recipient();
    /// let everything: Recipient<Msg> = addr.recipient(); // `A::Msg` itself works too
    /// ticks.try_tell(Tick).unwrap();
    /// everything.try_tell(Msg::Other).unwrap();
    /// assert!(ticks == addr && everything == addr);
    /// ```
    pub fn recipient<M>(&self) -> Recipient<M>
    where
        A::Msg: From<M>,
    {
        Recipient::from(self.clone())
    }
}

impl<A: Actor> WeakAddr<A> {
    /// This weak address as a [`WeakRecipient<M>`] (see [`Addr::recipient`]). One allocation.
    ///
    /// ```
    /// use ryker_core::actor::{Actor, Context, SpawnActor, WeakRecipient};
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
    /// # struct Tick;
    /// # enum Msg { Tick(Tick), Other }
    /// # impl From<Tick> for Msg { fn from(t: Tick) -> Self { Msg::Tick(t) } }
    /// # struct Counter;
    /// # impl Actor for Counter {
    /// #     type Msg = Msg;
    /// #     async fn handle(&mut self, _: Msg, _: &mut Context<Self>) {}
    /// # }
    /// let handle = Rt.spawn_actor(Counter);
    /// let weak: WeakRecipient<Tick> = handle.addr().downgrade().recipient();
    /// weak.upgrade().unwrap().try_tell(Tick).unwrap();
    /// assert_eq!(weak, handle.addr().recipient());
    /// # handle.shutdown();
    /// ```
    pub fn recipient<M>(&self) -> WeakRecipient<M>
    where
        A::Msg: From<M>,
    {
        WeakRecipient::from(self.clone())
    }
}

impl<A: Actor> Context<A> {
    /// The actor's own address as a [`Recipient<M>`], while any other address is alive (as
    /// [`Context::addr`]).
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use ryker_core::actor::{Actor, Context, Recipient, SpawnActor};
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
    /// struct Tick;
    /// enum Msg {
    ///     Tick(Tick),
    ///     Subscribe(mpsc::Sender<Recipient<Tick>>),
    /// }
    /// impl From<Tick> for Msg {
    ///     fn from(tick: Tick) -> Self {
    ///         Msg::Tick(tick)
    ///     }
    /// }
    /// /// Hands out where its ticks go.
    /// struct Clock;
    /// impl Actor for Clock {
    ///     type Msg = Msg;
    ///     async fn handle(&mut self, msg: Msg, ctx: &mut Context<Self>) {
    ///         if let Msg::Subscribe(to) = msg {
    ///             to.send(ctx.recipient().expect("the caller holds an address")).unwrap();
    ///         }
    ///     }
    /// }
    /// let (tx, rx) = mpsc::channel();
    /// let addr = Rt.spawn_actor(Clock).addr();
    /// addr.try_tell(Msg::Subscribe(tx)).unwrap();
    /// let ticks = rx.recv().unwrap();
    /// assert_eq!(ticks, addr);
    /// ticks.try_tell(Tick).unwrap();
    /// ```
    pub fn recipient<M>(&self) -> Option<Recipient<M>>
    where
        A::Msg: From<M>,
    {
        self.addr().map(|addr| addr.recipient())
    }

    /// The actor's own address as a [`WeakRecipient<M>`], always (it does not keep the actor
    /// running; as [`Context::weak_addr`]).
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use ryker_core::actor::{Actor, Context, SpawnActor, WeakRecipient};
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
    /// /// Registers where its `u32`s go, without keeping itself alive.
    /// struct Registers(mpsc::Sender<WeakRecipient<u32>>);
    /// impl Actor for Registers {
    ///     type Msg = u64;
    ///     async fn started(&mut self, ctx: &mut Context<Self>) {
    ///         self.0.send(ctx.weak_recipient()).unwrap();
    ///     }
    ///     async fn handle(&mut self, _: u64, _: &mut Context<Self>) {}
    /// }
    /// let (tx, registered) = mpsc::channel();
    /// let handle = Rt.spawn_actor(Registers(tx));
    /// let weak = registered.recv().unwrap();
    /// assert_eq!(weak, handle.addr().recipient());
    /// # handle.shutdown();
    /// ```
    pub fn weak_recipient<M>(&self) -> WeakRecipient<M>
    where
        A::Msg: From<M>,
    {
        self.weak_addr().recipient()
    }
}
