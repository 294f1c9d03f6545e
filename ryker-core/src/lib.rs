//! # ryker-core
//!
//! The runtime-agnostic heart of ryker: a bounded ring and the actor mailbox built on it.
//! `no_std`; the mailbox needs `alloc`, the blocking calls need `std`.
//!
//! - [`ring::Ring`] — bounded multi-producer multi-consumer ring (Vyukov-style stamps, lap
//!   positions, closed bit); [`ring::StaticRing`] — the same with inline slots and `const fn new`.
//! - [`ring::split`] — a ring for one consumer, split into [`ring::Producer`] (`Clone`,
//!   `try_push`) and [`ring::Consumer`] (`try_pop`, `pop_batch`): no CAS and no slot write to
//!   pop; the last producer's drop closes it.
//! - [`mailbox::channel`] / [`mailbox::try_channel`] — a bounded MPSC mailbox:
//!   [`mailbox::Sender`] (`try_send`, `send`, `poll_reserve`/`try_reserve` →
//!   [`mailbox::Permit`], `reserve_owned`/`try_reserve_owned` → [`mailbox::OwnedPermit`],
//!   `reserve_many`/`try_reserve_many` → [`mailbox::PermitIterator`], `closed`) and
//!   [`mailbox::Receiver`] (`try_recv`, `recv`, `poll_recv`, `recv_many`, `close`); with the
//!   `futures` feature the receiver is a `Stream` and `mailbox::PollSender` a `Sink`.
//! - [`mailbox::MailboxConfig`] — capacity, [`policy::Overflow`] policy (`Busy`, `DropNewest`,
//!   `DropOldest`) and amnesia (wipe slots after use, feature `amnesia`).
//! - [`metrics::MailboxStats`] — counters; [`metrics::Attachment`] — hooks for a metrics backend.
//! - [`actor`] — the actor layer: [`actor::Actor`] (state + async `handle`), [`actor::Addr`]
//!   (`tell`, `try_tell`, `tell_timeout`, `ask`; `downgrade` to a [`actor::WeakAddr`];
//!   `recipient` to a [`actor::Recipient`], the address named by a message type, and its
//!   [`actor::WeakRecipient`]),
//!   [`actor::ActorHandle`] (`shutdown`, `abort`, `join`), [`actor::ActorOptions`] (config,
//!   name, [`actor::Supervision`], dead letters) and [`actor::ActorConfig`] (mailbox + fairness
//!   budget, loadable from `CONFIG.toml`).
//! - [`runtime::Runtime`] — the four-method trait (spawn, sleep, clock, yield) an async runtime
//!   implements to run actors; the adapter crates are exactly that.
//! - [`prelude`] — the actor API in one `use` (what the adapter crates re-export).
//! - [`blocking::block_on`] — run a future on the current thread (under `std`).
//! - [`error`] — every error, one vocabulary: `ConfigError`, `TrySendError`, `SendError`,
//!   `TryRecvError`, `RecvTimeoutError`, `Closed`, `ReserveManyError`, `ForcePushError`, `PushError`, `TryPopError`.
//!
//! Progress guarantee: lock-free except that a sender stalled between claiming a slot and
//! publishing it holds up the messages behind that slot (never loses them), and a receiver
//! waiting for such a plain send looks again rather than sleeping; see `docs/CONCURRENCY.md`.
//!
//! | feature   | default | what it adds |
//! |-----------|---------|--------------|
//! | `std`     | yes     | `blocking_send`/`blocking_recv`, `std::error::Error` impls (implies `alloc`) |
//! | `alloc`   | via std | heap rings and the mailbox |
//! | `amnesia` | no      | zeroing of slots after use (`zeroize`) |
//! | `serde`   | no      | `Serialize`/`Deserialize` for the configuration types |
//! | `toml`    | no      | `ActorConfig::load("CONFIG.toml")` (implies `std`, `serde`) |
//! | `metrics` | no      | actor and mailbox metrics through the `metrics` facade (implies `std`) |
//! | `tracing` | no      | a DEBUG span per handled message, supervision events (implies `std`) |
//! | `futures` | no      | `Stream` for `Receiver`, `Sink` for `mailbox::PollSender` |
#![no_std]
// Without `alloc` only the static ring is built; the error constructors and statistics helpers
// that serve the heap ring and the mailbox are then unused.
#![cfg_attr(not(feature = "alloc"), allow(dead_code, unused_imports))]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
// The loom build reads its broken twin's name from the environment (`sync::planted_twin`).
#[cfg(any(feature = "std", ryker_loom))]
extern crate std;

pub mod error;
pub mod policy;
pub mod ring;
mod sync;

#[cfg(feature = "alloc")]
pub mod actor;
#[cfg(feature = "std")]
pub mod blocking;
#[cfg(feature = "alloc")]
mod config;
#[cfg(feature = "alloc")]
pub mod mailbox;
pub mod metrics;
#[cfg(feature = "alloc")]
mod observe;
#[cfg(feature = "alloc")]
mod oneshot;
#[cfg(feature = "alloc")]
pub mod prelude;
#[cfg(feature = "alloc")]
pub mod runtime;
#[cfg(feature = "alloc")]
mod wait_list;
#[cfg(feature = "alloc")]
mod waker;

/// `docs/CONFIG.md`, whose Rust example runs as a doc test (it needs the `toml` feature).
#[cfg(all(doctest, feature = "toml"))]
#[doc = include_str!("../../docs/CONFIG.md")]
pub struct ConfigDoc;
