//! The mailbox: a bounded multi-producer single-consumer channel over one [`Ring`], with
//! runtime-agnostic `poll_*` methods, futures built on them, and (under `std`) blocking calls
//! that park the thread through the same waker registration.
//!
//! # Wake-up protocol
//! Two store-then-load pairs must never both miss each other, so each side puts a SeqCst fence
//! between its store and its load (loom checks both; see docs/CONCURRENCY.md):
//!
//! * receiver waiting on empty: the receiver *registers its waker*, fences, and tries the ring
//!   again; a sender *publishes its slot*, fences, and wakes the receiver if a waker may be
//!   registered. Either the receiver's retry sees the message or the sender sees the waker.
//! * sender waiting on full: the sender *queues itself* in the wait list, fences, and tries to
//!   claim again; the receiver *frees a slot*, fences, and notifies the oldest waiter if the
//!   list may be non-empty.
//!
//! # Dropping either side
//! Dropping the last [`Sender`] closes the mailbox: the receiver still gets every accepted
//! message, then `None`. Dropping the [`Receiver`] closes it too: senders get `Closed` back with
//! their message, waiting senders are woken, and messages still queued are dropped (counted as
//! `discarded`), past any destructor that panics (the first such panic then goes on). A
//! message whose send was still in progress at that moment (claimed, not yet published) is
//! dropped with the mailbox's memory when the last sender goes; it is counted in `discarded`
//! too, so that once the receiver is gone `accepted == received + dropped_oldest + discarded`.

pub use crate::config::MailboxConfig;
use crate::error::ConfigError;
pub use crate::metrics::{Attachment, MailboxStats, NoAttachment};
pub use crate::policy::Overflow;
use crate::ring::Ring;
use crate::sync::Arc;

mod receiver;
mod sender;
mod shared;
#[cfg(feature = "futures")]
mod stream;

pub use receiver::Receiver;
pub use sender::{Permit, Reserve, SendFuture, Sender, WeakSender};
use shared::Shared;
#[cfg(feature = "futures")]
pub use stream::PollSender;

/// How a message was queued.
///
/// ```
/// use ryker_core::mailbox::{channel, MailboxConfig, Overflow, Sent};
/// let config = MailboxConfig { capacity: 1, overflow: Overflow::DropOldest, ..Default::default() };
/// let (tx, mut rx) = channel::<u32>(config);
/// assert_eq!(tx.try_send(1), Ok(Sent::Queued));
/// assert_eq!(tx.try_send(2), Ok(Sent::DisplacedOldest)); // 1 was evicted
/// assert_eq!(rx.try_recv(), Ok(2));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Sent {
    /// Queued into a free slot.
    Queued,
    /// Queued after evicting the oldest message (`Overflow::DropOldest`; counted in
    /// `dropped_oldest`).
    DisplacedOldest,
}

/// Creates a mailbox.
///
/// # Panics
/// If the configuration is invalid (as `tokio::sync::mpsc::channel(0)` does); the message names
/// the field, the value and the allowed range. Use [`try_channel`] to get the error instead.
///
/// ```
/// use ryker_core::mailbox::{channel, MailboxConfig};
/// let (tx, mut rx) = channel::<&str>(MailboxConfig::default());
/// tx.try_send("hello").unwrap();
/// assert_eq!(rx.try_recv(), Ok("hello"));
/// ```
#[track_caller]
pub fn channel<T>(config: MailboxConfig) -> (Sender<T>, Receiver<T>) {
    match try_channel_with(config, NoAttachment) {
        Ok(pair) => pair,
        Err(err) => panic!("ryker mailbox: {err}"),
    }
}

/// Creates a mailbox, or says which field of `config` is invalid.
///
/// # Errors
/// [`ConfigError`] naming the field, the value and the allowed range.
///
/// ```
/// use ryker_core::mailbox::{try_channel, MailboxConfig};
/// let err = try_channel::<u32>(MailboxConfig { capacity: 0, ..Default::default() }).unwrap_err();
/// assert_eq!(err.field(), "capacity");
/// ```
#[allow(clippy::type_complexity)] // the pair of halves, as `tokio::sync::mpsc::channel` returns
pub fn try_channel<T>(config: MailboxConfig) -> Result<(Sender<T>, Receiver<T>), ConfigError> {
    try_channel_with(config, NoAttachment)
}

/// Creates a mailbox with `attachment` in its shared block; the mailbox calls its hooks on its
/// events (see [`Attachment`]).
///
/// # Errors
/// As [`try_channel`].
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use ryker_core::mailbox::{try_channel_with, Attachment, MailboxConfig};
///
/// #[derive(Default)]
/// struct Count(AtomicUsize);
/// impl Attachment for Count {
///     fn on_accepted(&self) { self.0.fetch_add(1, Ordering::Relaxed); }
/// }
///
/// let (tx, _rx) = try_channel_with::<u8, _>(MailboxConfig::default(), Count::default()).unwrap();
/// tx.try_send(1).unwrap();
/// ```
#[allow(clippy::type_complexity)] // the pair of halves, as `tokio::sync::mpsc::channel` returns
pub fn try_channel_with<T, X: Attachment>(
    config: MailboxConfig,
    attachment: X,
) -> Result<(Sender<T, X>, Receiver<T, X>), ConfigError> {
    config.validate()?;
    let ring = Ring::build(config.capacity, config.amnesia, 0)?;
    let shared = Arc::new(Shared::new(ring, &config, attachment));
    Ok((Sender::new(shared.clone()), Receiver::new(shared)))
}

/// The former name of [`try_channel_with`].
#[deprecated(since = "0.1.0", note = "renamed to `try_channel_with`")]
#[allow(clippy::type_complexity)]
pub fn try_channel_with_metrics<T, X: Attachment>(
    config: MailboxConfig,
    attachment: X,
) -> Result<(Sender<T, X>, Receiver<T, X>), ConfigError> {
    try_channel_with(config, attachment)
}
