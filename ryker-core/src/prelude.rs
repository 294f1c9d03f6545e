//! Everything a user of actors needs, in one `use`: the adapter crates re-export it, so one
//! dependency line is enough.
//!
//! ```
//! use ryker_core::prelude::*;
//! struct Echo;
//! impl Actor for Echo {
//!     type Msg = (u32, Reply<u32>);
//!     async fn handle(&mut self, (n, reply): Self::Msg, _: &mut Context<Self>) {
//!         let _ = reply.send(n);
//!     }
//! }
//! # let _ = ActorOptions::<Echo>::new(ActorConfig::default());
//! ```

#[cfg(feature = "toml")]
pub use crate::actor::ConfigFileError;
pub use crate::actor::{
    Actor, ActorConfig, ActorHandle, ActorOptions, ActorReport, Addr, AskError, AskTimeoutError,
    Context, DeadLetter, Exit, JoinError, Recipient, Reply, SendError, SendTimeoutError, Sent,
    SpawnActor, Supervision, Timer, TrySendError, WeakAddr, WeakRecipient,
};
pub use crate::error::ConfigError;
pub use crate::mailbox::{MailboxConfig, MailboxStats, Overflow};
pub use crate::runtime::Runtime;
/// With the `amnesia` feature: make a message `Zeroizing<T>` (or give it a `ZeroizeOnDrop`
/// field) and it is wiped wherever it is dropped — after the handler, on eviction, on abort, on
/// a dead letter, or with the mailbox.
#[cfg(feature = "amnesia")]
pub use zeroize::{Zeroize, Zeroizing};
