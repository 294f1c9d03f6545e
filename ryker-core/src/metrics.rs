//! Mailbox counters and the hook for an external metrics backend.

use crate::policy::Overflow;

/// A snapshot of a mailbox's counters.
///
/// `accepted` and `received` are derived from the ring's own positions, so keeping them costs
/// nothing per message; the others change only on the slow paths (full mailbox, close).
/// Snapshots are taken without stopping senders, so fields may be a few messages apart.
/// The invariant once the mailbox is closed and drained:
/// `accepted == received + dropped_oldest + discarded`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MailboxStats {
    /// Messages queued (by `try_send`, `send` or a permit).
    pub accepted: u64,
    /// Sends refused with `Busy` (mailbox full under `Overflow::Busy`, or the oldest slot
    /// still being written under `Overflow::DropOldest`).
    pub busy: u64,
    /// Incoming messages dropped under `Overflow::DropNewest`.
    pub dropped_newest: u64,
    /// Queued messages evicted under `Overflow::DropOldest`.
    pub dropped_oldest: u64,
    /// Messages handed to the receiver.
    pub received: u64,
    /// Accepted messages dropped because the receiver was dropped before receiving them.
    pub discarded: u64,
    /// Highest queue depth seen (sampled by the receiver as it receives, and set to the
    /// capacity whenever a send finds the mailbox full).
    pub high_water: usize,
}

/// Hooks a mailbox calls on its events, for a metrics backend (the actor layer plugs the
/// `metrics` crate in here).
///
/// Every method has an empty default, and the default hook type [`NoMetrics`] implements none,
/// so a mailbox without metrics compiles to no extra code on its hot path.
pub trait Metrics: Send + Sync + 'static {
    /// A message was queued.
    #[inline]
    fn on_accepted(&self) {}
    /// A send was refused with `Busy`.
    #[inline]
    fn on_busy(&self) {}
    /// A message was dropped by `policy`.
    #[inline]
    fn on_dropped(&self, policy: Overflow) {
        let _ = policy;
    }
    /// The receiver took `n` messages.
    #[inline]
    fn on_received(&self, n: usize) {
        let _ = n;
    }
}

/// The no-op [`Metrics`] hook.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoMetrics;

impl Metrics for NoMetrics {}
