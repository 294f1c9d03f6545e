//! # ryker-asyncstd
//!
//! ryker actors on [async-std](https://github.com/async-rs/async-std). **async-std is
//! discontinued upstream in favour of smol; new code should use `ryker-smol`.** This crate stays
//! for code bases that still run on async-std, and is kept as thin as possible: the
//! [`Runtime`] implementation and the spawn functions, with the actor API re-exported from
//! `ryker-core`.
//!
//! ```
//! use ryker_asyncstd::{Actor, Context};
//!
//! struct Greeter;
//! impl Actor for Greeter {
//!     type Msg = String;
//!     async fn handle(&mut self, name: String, _ctx: &mut Context<Self>) {
//!         println!("hello, {name}");
//!     }
//! }
//!
//! async_std::task::block_on(async {
//!     let handle = ryker_asyncstd::spawn(Greeter);
//!     handle.addr().tell("ryker".to_string()).await.unwrap();
//!     assert_eq!({ handle.shutdown(); handle.await }.unwrap().handled, 1);
//! });
//! ```
//!
//! The blocking calls (`blocking_send`, `blocking_recv`, `blocking_tell`) are for plain
//! threads and `async_std::task::spawn_blocking`. Called inside an async-std task (a spawned
//! one, or the future given to `task::block_on`) where they would have to wait, they panic
//! with a message saying what to call instead, rather than parking a thread that runs async
//! code (see [`install_blocking_check`], installed whenever an actor is spawned on
//! [`AsyncStd`]).
#![forbid(unsafe_code)]

use std::future::Future;
use std::time::{Duration, Instant};

pub use ryker_core;
pub use ryker_core::prelude::*;

/// The async-std [`Runtime`]: spawns with `async_std::task::spawn`.
#[derive(Clone, Copy, Debug, Default)]
pub struct AsyncStd;

impl Runtime for AsyncStd {
    type Instant = Instant;

    fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        install_blocking_check();
        // Dropping async-std's JoinHandle detaches the task; the actor's handle is ryker's.
        drop(async_std::task::spawn(task));
    }

    fn sleep(&self, dur: Duration) -> impl Future<Output = ()> + Send + 'static {
        async_std::task::sleep(dur)
    }

    fn now(&self) -> Instant {
        Instant::now()
    }

    fn yield_now(&self) -> impl Future<Output = ()> + Send + 'static {
        async_std::task::yield_now()
    }
}

/// Makes ryker's blocking calls panic, instead of parking the thread, when they would wait
/// inside an async-std task: a spawned task, or the future given to `task::block_on` (async-std
/// cannot tell the two apart; either is async code, where the `.await` forms belong). On
/// `spawn_blocking` threads and plain threads they keep working.
///
/// Called for you whenever an actor is spawned on [`AsyncStd`]; call it yourself if you use
/// only the bare mailbox (`ryker_core::mailbox`) under async-std. Installing it again does
/// nothing.
pub fn install_blocking_check() {
    ryker_core::blocking::install_async_context_probe(ryker_core::blocking::AsyncContextProbe {
        runtime: "async-std",
        // `try_current` is `Some` exactly inside an async-std task (`block_on`'s included);
        // `spawn_blocking` runs its closure on a thread of the blocking pool, outside any task.
        in_async_context: || async_std::task::try_current().is_some(),
        instead: "run the blocking call on a blocking thread \
                  (`async_std::task::spawn_blocking`)",
    });
}

/// Spawns `actor` with the default [`ActorConfig`].
pub fn spawn<A: Actor>(actor: A) -> ActorHandle<A> {
    AsyncStd.spawn_actor(actor)
}

/// Spawns `actor` with `config`.
///
/// # Errors
/// A [`ConfigError`] naming the invalid field, its value and the allowed range.
pub fn spawn_with<A: Actor>(actor: A, config: &ActorConfig) -> Result<ActorHandle<A>, ConfigError> {
    AsyncStd.spawn_actor_with(actor, config)
}

/// Spawns `actor` with full [`ActorOptions`] (config, name, supervision, dead letters).
///
/// # Errors
/// As [`spawn_with`].
pub fn spawn_with_options<A: Actor>(
    actor: A,
    options: ActorOptions<A>,
) -> Result<ActorHandle<A>, ConfigError> {
    AsyncStd.spawn_actor_with_options(actor, options)
}

/// `send_timeout` on ryker's mailbox with async-std's timer: [`Sender::send_before`] with
/// `async_std::task::sleep(timeout)` as the deadline (as `ryker-tokio`'s `SenderExt`, tokio's name). In scope
/// with `use ryker_asyncstd::SenderExt`.
///
/// [`Sender::send_before`]: ryker_core::mailbox::Sender::send_before
pub trait SenderExt<T> {
    /// Sends, waiting for space for at most `timeout`: a free slot is taken at once; a full
    /// mailbox is answered by its overflow policy as `try_send` answers it, except that under
    /// `busy` the send waits in line until a slot frees up, the mailbox closes, or the time is
    /// up.
    ///
    /// # Errors
    /// `Timeout(msg)` when the time was up first, `Closed(msg)` when the mailbox is closed,
    /// `Dropped` under `drop_newest` with a full mailbox (counted).
    ///
    /// ```
    /// use std::time::Duration;
    /// use ryker_asyncstd::{MailboxConfig, SendTimeoutError, Sent, SenderExt};
    /// let config = MailboxConfig { capacity: 1, ..Default::default() };
    /// let (tx, _rx) = ryker_asyncstd::ryker_core::mailbox::channel::<u32>(config);
    /// async_std::task::block_on(async {
    ///     assert_eq!(tx.send_timeout(1, Duration::from_millis(5)).await, Ok(Sent::Queued));
    ///     let full = tx.send_timeout(2, Duration::from_millis(5)).await;
    ///     assert_eq!(full, Err(SendTimeoutError::Timeout(2)));
    /// });
    /// ```
    fn send_timeout(
        &self,
        msg: T,
        timeout: Duration,
    ) -> impl Future<Output = Result<Sent, SendTimeoutError<T>>> + Send
    where
        T: Send;
}

impl<T, X: ryker_core::mailbox::Attachment> SenderExt<T> for ryker_core::mailbox::Sender<T, X> {
    fn send_timeout(
        &self,
        msg: T,
        timeout: Duration,
    ) -> impl Future<Output = Result<Sent, SendTimeoutError<T>>> + Send
    where
        T: Send,
    {
        self.send_before(msg, async_std::task::sleep(timeout))
    }
}

/// A receive with a time limit on ryker's mailbox, with async-std's timer:
/// [`Receiver::recv_before`] with `async_std::task::sleep(timeout)` as the deadline. In scope with
/// `use ryker_asyncstd::ReceiverExt`.
///
/// [`Receiver::recv_before`]: ryker_core::mailbox::Receiver::recv_before
pub trait ReceiverExt<T> {
    /// Receives the next message, waiting for at most `timeout`. A message there when the time
    /// is up is still taken. Cancel safe.
    ///
    /// # Errors
    /// `RecvTimeoutError::Timeout` when the time was up first, `RecvTimeoutError::Closed` once
    /// the mailbox is closed and drained.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ryker_asyncstd::ReceiverExt;
    /// use ryker_asyncstd::ryker_core::error::RecvTimeoutError;
    /// let (tx, mut rx) = ryker_asyncstd::ryker_core::mailbox::channel::<u32>(Default::default());
    /// async_std::task::block_on(async {
    ///     let none = rx.recv_timeout(Duration::from_millis(5)).await;
    ///     assert_eq!(none, Err(RecvTimeoutError::Timeout));
    ///     tx.try_send(1).unwrap();
    ///     drop(tx);
    ///     assert_eq!(rx.recv_timeout(Duration::from_millis(5)).await, Ok(1));
    ///     let end = rx.recv_timeout(Duration::from_millis(5)).await;
    ///     assert_eq!(end, Err(RecvTimeoutError::Closed));
    /// });
    /// ```
    fn recv_timeout(
        &mut self,
        timeout: Duration,
    ) -> impl Future<Output = Result<T, ryker_core::error::RecvTimeoutError>> + Send
    where
        T: Send;
}

impl<T, X: ryker_core::mailbox::Attachment> ReceiverExt<T> for ryker_core::mailbox::Receiver<T, X> {
    fn recv_timeout(
        &mut self,
        timeout: Duration,
    ) -> impl Future<Output = Result<T, ryker_core::error::RecvTimeoutError>> + Send
    where
        T: Send,
    {
        self.recv_before(async_std::task::sleep(timeout))
    }
}
