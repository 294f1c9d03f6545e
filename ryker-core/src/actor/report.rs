//! How an actor ends: [`Exit`], [`Supervision`], [`DeadLetter`] and the final
//! [`ActorReport`].

use alloc::boxed::Box;
use alloc::string::String;
use core::fmt;
use core::time::Duration;

use crate::metrics::MailboxStats;

/// What happens when `handle` panics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Supervision {
    /// The actor stops: the mailbox closes (senders see `Closed`), every message still queued
    /// is handed to the dead-letter hook as [`DeadLetter::Undelivered`], and the report says
    /// `Exit::Panicked`.
    #[default]
    Stop,
    /// A fresh actor from the factory takes over the same mailbox and its queued messages;
    /// more than `max_restarts` restarts within `within` make it [`Supervision::Stop`].
    Restart {
        /// Restarts allowed within the window, `1..=4096`.
        max_restarts: usize,
        /// The sliding window, at least 1 ms.
        within: Duration,
    },
}

/// A message, or news of one, that an actor could not handle.
#[non_exhaustive]
pub enum DeadLetter<M> {
    /// A panic was caught: in `handle` (the message itself had been moved into the handler
    /// and was dropped during unwinding, so only the panic's text is here), in `started`,
    /// `stopped` or the restart factory, in the destructor of a message the actor discarded,
    /// or in this hook. A panic of the hook on a `Panicked` letter is counted in
    /// [`ActorReport::panics`] but not handed to the hook again.
    Panicked {
        /// The panic payload, if it was a string.
        panic: String,
    },
    /// A message that was queued when the actor stopped after a panic.
    Undelivered(M),
}

impl<M> fmt::Debug for DeadLetter<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Panicked { panic } => f.debug_struct("Panicked").field("panic", panic).finish(),
            Self::Undelivered(_) => f.write_str("Undelivered(..)"),
        }
    }
}

/// Why an actor stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Exit {
    /// [`ActorHandle::shutdown`]: mailbox closed, everything accepted before was handled.
    ///
    /// [`ActorHandle::shutdown`]: crate::actor::ActorHandle::shutdown
    Shutdown,
    /// [`Context::stop`]: the same, asked for by the actor itself.
    ///
    /// [`Context::stop`]: crate::actor::Context::stop
    Stopped,
    /// Every [`Addr`] was dropped and the [`ActorHandle`] too, or joined (a join releases the
    /// handle's own address): everything queued was handled.
    ///
    /// [`Addr`]: crate::actor::Addr
    /// [`ActorHandle`]: crate::actor::ActorHandle
    Released,
    /// `handle` panicked and the supervision policy (or its restart limit) stopped the actor.
    Panicked,
    /// [`ActorHandle::abort`]: the message in progress was cancelled at its next `.await`,
    /// the queued ones were discarded (counted in [`ActorReport::discarded`]).
    ///
    /// [`ActorHandle::abort`]: crate::actor::ActorHandle::abort
    Aborted,
}

impl Exit {
    /// The exit as a small non-zero number, for `ActorShared::finish` to keep beside the
    /// FINISHED flag (0 there means the loop never made a report).
    pub(super) const fn code(self) -> usize {
        match self {
            Exit::Shutdown => 1,
            Exit::Stopped => 2,
            Exit::Released => 3,
            Exit::Panicked => 4,
            Exit::Aborted => 5,
        }
    }

    /// The exit [`code`](Self::code) stands for; `None` for 0 (no report: the runtime
    /// dropped the task).
    pub(super) const fn from_code(code: usize) -> Option<Self> {
        match code {
            1 => Some(Exit::Shutdown),
            2 => Some(Exit::Stopped),
            3 => Some(Exit::Released),
            4 => Some(Exit::Panicked),
            5 => Some(Exit::Aborted),
            _ => None,
        }
    }
}

/// An actor's final figures, returned by [`ActorHandle::shutdown`], [`ActorHandle::abort`] and
/// [`ActorHandle::join`].
///
/// [`ActorHandle::shutdown`]: crate::actor::ActorHandle::shutdown
/// [`ActorHandle::abort`]: crate::actor::ActorHandle::abort
/// [`ActorHandle::join`]: crate::actor::ActorHandle::join
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ActorReport {
    /// The actor's name.
    pub name: String,
    /// Why it stopped.
    pub exit: Exit,
    /// Messages whose handler ran to completion.
    pub handled: u64,
    /// Panics caught: in handlers, `started`, `stopped`, the restart factory and the
    /// dead-letter hook, in the actor's own destructor (the actor a restart replaces, or the
    /// last), and in the destructors of messages discarded (by an abort, also the one a
    /// cut-short handler held) or handed on as undelivered while the actor stopped. The
    /// same panics are counted whether or not a dead-letter hook is installed.
    pub panics: u64,
    /// Fresh actors made by the supervisor.
    pub restarts: u64,
    /// Messages handed to the dead-letter hook as undelivered after a panic stopped the actor.
    pub undelivered: u64,
    /// Messages discarded by `abort` (queued ones, plus the one in progress if any).
    pub discarded: u64,
    /// The mailbox's counters at the end, exact: `received` is what the loop took from the
    /// mailbox (handled, panicked on, discarded or undelivered), and
    /// `accepted == received + dropped_oldest + discarded`, also when senders were still
    /// evicting under `DropOldest` as the actor stopped (their evictions are counted here).
    pub mailbox: MailboxStats,
}

/// The hook dead letters go to.
pub(super) type DeadLetterHook<M> = Box<dyn FnMut(DeadLetter<M>) + Send>;
/// Makes a fresh actor for a restart.
pub(super) type Factory<A> = Box<dyn FnMut() -> A + Send>;
