//! Actors: the [`Actor`] trait, its address [`Addr`], its [`ActorHandle`], and how it is spawned
//! ([`ActorOptions`]) on any [`Runtime`](crate::runtime::Runtime).
//!
//! An actor owns its state and handles one message at a time, in the order each sender sent
//! them. The run loop that drives it exists once, in this crate; the adapter crates
//! (`ryker-tokio`, `ryker-smol`, `ryker-asyncstd`) only tell it how to spawn, yield, sleep and
//! read the clock.
//!
//! ```
//! use ryker_core::actor::{Actor, ActorOptions, Context, Reply};
//! # use ryker_core::runtime::Runtime;
//! # // A runtime that runs each task on a thread of its own, joined at the end.
//! # static THREADS: std::sync::Mutex<Vec<std::thread::JoinHandle<()>>> = std::sync::Mutex::new(Vec::new());
//! # #[derive(Clone)] struct Rt;
//! # impl Runtime for Rt {
//! #     type Instant = std::time::Instant;
//! #     fn spawn<F: std::future::Future<Output = ()> + Send + 'static>(&self, f: F) {
//! #         let t = std::thread::spawn(move || ryker_core::blocking::block_on(f));
//! #         THREADS.lock().unwrap().push(t);
//! #     }
//! #     fn sleep(&self, d: std::time::Duration) -> impl std::future::Future<Output = ()> + Send + 'static {
//! #         async move { std::thread::sleep(d) }
//! #     }
//! #     fn now(&self) -> std::time::Instant { std::time::Instant::now() }
//! # }
//! enum Msg {
//!     Add(u64),
//!     Get(Reply<u64>),
//! }
//!
//! struct Counter(u64);
//!
//! impl Actor for Counter {
//!     type Msg = Msg;
//!     async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) {
//!         match msg {
//!             Msg::Add(n) => self.0 += n,
//!             Msg::Get(reply) => { let _ = reply.send(self.0); }
//!         }
//!     }
//! }
//!
//! # ryker_core::blocking::block_on(async {
//! let handle = ActorOptions::default().spawn(&Rt, Counter(0)).unwrap();
//! let addr = handle.addr();
//! addr.tell(Msg::Add(2)).await.unwrap();
//! addr.try_tell(Msg::Add(3)).unwrap();
//! assert_eq!(addr.ask(Msg::Get).await, Ok(5));
//! let report = { handle.shutdown(); handle.await }.unwrap();
//! assert_eq!(report.handled, 3);
//! # });
//! # for t in THREADS.lock().unwrap().drain(..) { t.join().unwrap(); }
//! ```
//!
//! # Layout
//! Each file depends only on those listed before it (a test checks there is no cycle):
//! `shared` (the per-actor state in the mailbox's attachment: name, control flags, the
//! loop's waker), `context` (the [`Actor`] trait and its [`Context`]), `report` (exits,
//! supervision, dead letters, the final [`ActorReport`]), `addr` ([`Addr`], [`WeakAddr`], [`Reply`]),
//! `recipient` ([`Recipient`], [`WeakRecipient`]: an address named by a message type), `guard`
//! (polling a handler under panic and abort), `fairness` (when to yield),
//! `supervisor` (restarts and the dead-letter hook), `run` (the run loop), `handle`
//! ([`ActorHandle`]), `options` ([`ActorOptions`], spawning).

mod addr;
mod context;
mod fairness;
mod guard;
mod handle;
mod options;
mod recipient;
mod report;
mod run;
mod shared;
mod supervisor;
mod timer;

pub use crate::config::ActorConfig;
#[cfg(feature = "toml")]
pub use crate::config::ConfigFileError;
pub use crate::error::{
    AskError, AskTimeoutError, JoinError, SendError, SendTimeoutError, TrySendError,
};
pub use crate::mailbox::Sent;
pub use addr::{Addr, Reply, WeakAddr};
pub use context::{Actor, Context};
pub use handle::{ActorHandle, Join};
pub use options::{ActorOptions, SpawnActor};
pub use recipient::{Recipient, WeakRecipient};
pub use report::{ActorReport, DeadLetter, Exit, Supervision};
pub use timer::Timer;
