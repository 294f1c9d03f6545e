//! # ryker-smol
//!
//! ryker actors on [smol](https://github.com/smol-rs/smol): one dependency line gives the
//! actor API (re-exported from `ryker-core`) and the functions that spawn actors onto a
//! `smol::Executor` or onto smol's global executor. The run loop, mailbox, fairness,
//! supervision, metrics and configuration all live in `ryker-core`; this crate is the
//! [`Runtime`] implementation and nothing more.
//!
//! ```
//! use std::sync::{Arc, Weak};
//! use ryker_smol::{Actor, Context};
//!
//! struct Greeter;
//! impl Actor for Greeter {
//!     type Msg = String;
//!     async fn handle(&mut self, name: String, _ctx: &mut Context<Self>) {
//!         println!("hello, {name}");
//!     }
//! }
//!
//! let ex = Arc::new(smol::Executor::new());
//! smol::block_on(ex.run(async {
//!     use ryker_smol::SpawnActor;
//!     let handle = ryker_smol::Smol::on(ex.clone()).spawn_actor(Greeter);
//!     handle.addr().tell("ryker".to_string()).await.unwrap();
//!     assert_eq!({ handle.shutdown(); handle.await }.unwrap().handled, 1);
//! }));
//! ```
//!
//! The blocking calls (`blocking_send`, `blocking_recv`, `blocking_tell`) are for plain
//! threads and `smol::unblock`; in async code use `.send(msg).await`, `.recv().await` and
//! `.tell(msg).await`. Unlike `ryker-tokio` and `ryker-asyncstd`, this crate cannot catch the
//! mistake: smol's executors offer no way to ask whether the calling thread is running one of
//! their tasks, so a blocking call that has to wait inside a task parks that executor thread
//! (on a one-thread executor, a deadlock if the peer is a task on it).
#![forbid(unsafe_code)]

use std::future::Future;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

pub use ryker_core;
pub use ryker_core::prelude::*;

/// The smol [`Runtime`]: spawns on a given executor, or on smol's global one.
///
/// It holds the executor weakly: every actor task keeps a copy of its runtime, and a strong
/// reference from a task to the executor that owns it would keep both alive forever (with the
/// actor's queued messages) after the caller dropped the executor.
#[derive(Clone, Debug, Default)]
pub struct Smol {
    executor: Option<Weak<smol::Executor<'static>>>,
}

impl Smol {
    /// Spawns with `smol::spawn` (the global executor, run by smol's own threads).
    pub fn global() -> Self {
        Self { executor: None }
    }

    /// Spawns on `executor` (which the caller runs, e.g. with `smol::block_on(ex.run(..))`).
    pub fn on(executor: Arc<smol::Executor<'static>>) -> Self {
        Self {
            executor: Some(Arc::downgrade(&executor)),
        }
    }
}

impl Runtime for Smol {
    type Instant = Instant;

    fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        // Detached: the actor's handle is ryker's `ActorHandle`.
        match &self.executor {
            Some(ex) => match ex.upgrade() {
                Some(ex) => ex.spawn(task).detach(),
                // The executor is gone: the task is dropped unrun, as a dropped executor
                // drops its tasks (the actor's handle then reports `JoinError`).
                None => drop(task),
            },
            None => smol::spawn(task).detach(),
        }
    }

    fn sleep(&self, dur: Duration) -> impl Future<Output = ()> + Send + 'static {
        let timer = smol::Timer::after(dur);
        async move {
            timer.await;
        }
    }

    fn now(&self) -> Instant {
        Instant::now()
    }

    fn yield_now(&self) -> impl Future<Output = ()> + Send + 'static {
        smol::future::yield_now()
    }
}

/// Spawns `actor` with the default [`ActorConfig`] on smol's global executor.
pub fn spawn<A: Actor>(actor: A) -> ActorHandle<A> {
    Smol::global().spawn_actor(actor)
}

/// Spawns `actor` with `config` on smol's global executor.
///
/// # Errors
/// A [`ConfigError`] naming the invalid field, its value and the allowed range.
pub fn spawn_with<A: Actor>(actor: A, config: &ActorConfig) -> Result<ActorHandle<A>, ConfigError> {
    Smol::global().spawn_actor_with(actor, config)
}

/// Spawns `actor` with full [`ActorOptions`] (config, name, supervision, dead letters) on
/// smol's global executor. On an executor of your own: `Smol::on(executor).spawn_actor(..)`
/// ([`SpawnActor`]).
///
/// # Errors
/// As [`spawn_with`].
pub fn spawn_with_options<A: Actor>(
    actor: A,
    options: ActorOptions<A>,
) -> Result<ActorHandle<A>, ConfigError> {
    Smol::global().spawn_actor_with_options(actor, options)
}

/// `send_timeout` on ryker's mailbox with smol's timer: [`Sender::send_before`] with
/// `async move { smol::Timer::after(timeout).await; }` as the deadline (as `ryker-tokio`'s `SenderExt`, tokio's name). In scope
/// with `use ryker_smol::SenderExt`.
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
    /// use ryker_smol::{MailboxConfig, SendTimeoutError, Sent, SenderExt};
    /// let config = MailboxConfig { capacity: 1, ..Default::default() };
    /// let (tx, _rx) = ryker_smol::ryker_core::mailbox::channel::<u32>(config);
    /// smol::block_on(async {
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
        self.send_before(msg, async move {
            smol::Timer::after(timeout).await;
        })
    }
}

/// A receive with a time limit on ryker's mailbox, with smol's timer:
/// [`Receiver::recv_before`] with `async move { smol::Timer::after(timeout).await; }` as the deadline. In scope with
/// `use ryker_smol::ReceiverExt`.
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
    /// use ryker_smol::ReceiverExt;
    /// use ryker_smol::ryker_core::error::RecvTimeoutError;
    /// let (tx, mut rx) = ryker_smol::ryker_core::mailbox::channel::<u32>(Default::default());
    /// smol::block_on(async {
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
        self.recv_before(async move {
            smol::Timer::after(timeout).await;
        })
    }
}
