//! The measuring code shared by ryker's Criterion benches (`benches/`), the `ryker` harness
//! (`ryker compare`, `enqueue`, `soak`) and the deterministic gates (`ryker-perf`):
//!
//! - [`Msg`]: the 64-byte message every run moves, and [`Epoch`], the clock that stamps it;
//! - [`sync::SyncPeer`] and [`tasks::AsyncPeer`]: ryker and every peer queue (tokio mpsc,
//!   crossbeam, kanal, flume, thingbuf, async-channel, crossfire), from plain threads or from
//!   tasks, each written once, carrying [`Msg`] or any message type a bench needs; and
//!   [`tasks::Producer`] / [`sync::SyncProducer`], what a producer task or thread sends
//!   through: a peer's sender or a ryker actor's `Addr`;
//! - [`actor::Worker`]: the ryker actor around a [`actor::Work`] that actor runs measure, the
//!   same work a peer's consumer task does, and [`actor::Server`], around a [`actor::Serve`],
//!   which answers requests ([`tasks::Asker`] is what asking tasks ask through);
//! - `actor_peers` (feature `actor-peers`, off by default): the actor frameworks measured
//!   against ryker's actor (actix, kameo, ractor, xtra), behind one trait, `ActorPeer`;
//! - [`exec::Exec`]: the executors task and actor runs use (tokio current-thread, tokio with 2
//!   workers, smol on 2 threads);
//! - [`watchdog`]: the stall watchdog that ends a run which stops making progress;
//! - [`alloc`]: the counting global allocator, process-wide or per enrolled thread.
//!
//! Without the default `peers` feature only [`alloc`] is built, with no dependency.
//! `actor-peers` implies `peers`.

#[cfg(feature = "peers")]
pub mod actor;
#[cfg(feature = "actor-peers")]
pub mod actor_peers;
pub mod alloc;
#[cfg(feature = "peers")]
pub mod exec;
#[cfg(feature = "peers")]
mod msg;
#[cfg(feature = "peers")]
pub mod sync;
#[cfg(feature = "peers")]
pub mod tasks;
#[cfg(feature = "peers")]
pub mod watchdog;

#[cfg(feature = "peers")]
pub use msg::{Epoch, Msg};
