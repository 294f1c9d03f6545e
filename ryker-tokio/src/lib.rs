//! # ryker-tokio
//!
//! ryker actors on [tokio](https://tokio.rs): one dependency line gives the actor API
//! (re-exported from `ryker-core`) and the functions that spawn actors onto the current tokio
//! runtime. The run loop, mailbox, fairness, supervision, metrics and configuration all live in
//! `ryker-core`; this crate is the [`Runtime`] implementation and nothing more.
//!
//! The runtime needs its timer enabled (`enable_time()` or `enable_all()`, which
//! `#[tokio::main]` does) for [`Addr::tell_timeout`].
//!
//! ```
//! use ryker_tokio::{Actor, Context};
//!
//! struct Greeter;
//! impl Actor for Greeter {
//!     type Msg = String;
//!     async fn handle(&mut self, name: String, _ctx: &mut Context<Self>) {
//!         println!("hello, {name}");
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap().block_on(async {
//! let handle = ryker_tokio::spawn(Greeter);
//! handle.addr().tell("ryker".to_string()).await.unwrap();
//! let report = handle.shutdown().await.unwrap();
//! assert_eq!(report.handled, 1);
//! # });
//! ```
#![forbid(unsafe_code)]

use std::future::Future;
use std::time::Duration;

use tokio::runtime::Handle;

pub use ryker_core;
pub use ryker_core::prelude::*;

/// The tokio [`Runtime`]: spawns on a given runtime through its [`Handle`].
///
/// The handle also serves `Addr::tell_timeout`'s timer, so an actor on tokio can be sent to
/// with a timeout from anywhere: a plain thread, or a task on another runtime.
#[derive(Clone, Debug)]
pub struct Tokio {
    handle: Handle,
}

impl Tokio {
    /// The runtime the caller is running in.
    ///
    /// # Panics
    /// Outside a tokio runtime, as [`Handle::current`] does.
    pub fn current() -> Self {
        Self {
            handle: Handle::current(),
        }
    }

    /// Spawns on the runtime behind `handle`, from anywhere.
    pub fn with_handle(handle: Handle) -> Self {
        Self { handle }
    }
}

impl Runtime for Tokio {
    type Instant = tokio::time::Instant;

    fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        // The actor's handle is ryker's `ActorHandle`; tokio's JoinHandle is not needed.
        drop(self.handle.spawn(task));
    }

    fn sleep(&self, dur: Duration) -> impl Future<Output = ()> + Send + 'static {
        // A tokio timer binds to the runtime it is created in: enter ours, so a caller on a
        // plain thread (or on another runtime) gets a timer that works.
        let _entered = self.handle.enter();
        tokio::time::sleep(dur)
    }

    fn now(&self) -> tokio::time::Instant {
        tokio::time::Instant::now()
    }

    fn yield_now(&self) -> impl Future<Output = ()> + Send + 'static {
        tokio::task::yield_now()
    }
}

/// The tokio [`Runtime`] for a [`tokio::task::LocalSet`]: actors run on the set's thread
/// (`tokio::task::spawn_local`), for thread-per-core layouts.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioLocal;

impl Runtime for TokioLocal {
    type Instant = tokio::time::Instant;

    fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(tokio::task::spawn_local(task));
    }

    fn sleep(&self, dur: Duration) -> impl Future<Output = ()> + Send + 'static {
        tokio::time::sleep(dur)
    }

    fn now(&self) -> tokio::time::Instant {
        tokio::time::Instant::now()
    }

    fn yield_now(&self) -> impl Future<Output = ()> + Send + 'static {
        tokio::task::yield_now()
    }
}

/// Spawns `actor` with the default [`ActorConfig`] on the current tokio runtime.
///
/// # Panics
/// Outside a tokio runtime, as `tokio::spawn` does.
pub fn spawn<A: Actor>(actor: A) -> ActorHandle<A> {
    ActorOptions::default()
        .spawn(&Tokio::current(), actor)
        .expect("the default ActorConfig is valid")
}

/// Spawns `actor` with `config` on the current tokio runtime.
///
/// # Errors
/// A [`ConfigError`] naming the invalid field, its value and the allowed range.
///
/// # Panics
/// Outside a tokio runtime, as `tokio::spawn` does.
pub fn spawn_with<A: Actor>(actor: A, config: &ActorConfig) -> Result<ActorHandle<A>, ConfigError> {
    ActorOptions::new(*config).spawn(&Tokio::current(), actor)
}

/// Spawns `actor` with full [`ActorOptions`] (name, supervision, dead letters) on the current
/// tokio runtime.
///
/// # Errors
/// As [`spawn_with`].
///
/// # Panics
/// Outside a tokio runtime, as `tokio::spawn` does.
pub fn spawn_with_options<A: Actor>(
    actor: A,
    options: ActorOptions<A>,
) -> Result<ActorHandle<A>, ConfigError> {
    options.spawn(&Tokio::current(), actor)
}

/// Spawns `actor` with the default [`ActorConfig`] on the current [`tokio::task::LocalSet`].
///
/// # Panics
/// Outside a `LocalSet`, as `tokio::task::spawn_local` does.
pub fn spawn_local<A: Actor>(actor: A) -> ActorHandle<A> {
    ActorOptions::default()
        .spawn(&TokioLocal, actor)
        .expect("the default ActorConfig is valid")
}

/// The README's examples (actors and the bare mailbox), compiled and run as doc tests here,
/// where both `ryker_tokio` and `ryker_core` are in scope.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct Readme;

/// docs/ACTORS.md's examples, compiled and run as doc tests so they cannot drift from the code.
#[cfg(doctest)]
#[doc = include_str!("../../docs/ACTORS.md")]
struct ActorsGuide;
