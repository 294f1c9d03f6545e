//! Every error of ryker-core, in one vocabulary for both sides: a mailbox or ring is *closed*
//! (never "disconnected"), *busy* when full under the `Busy` policy, and a message is *dropped*
//! only when the overflow policy the user chose says so.
//!
//! `Debug` never requires `T: Debug`, so errors carrying a message can be unwrapped and logged
//! whatever the message type.

use core::fmt;

/// What a configuration value was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Value {
    /// A count or a number of milliseconds: `u64`, so that a `u64` field (`yield_ms`) is
    /// shown as given on a 32-bit target too (`usize` values widen losslessly).
    Count(u64),
    Flag(bool),
    Word(&'static str),
    Span(core::time::Duration),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Count(n) => write!(f, "{n}"),
            Value::Flag(b) => write!(f, "{b}"),
            Value::Word(w) => f.write_str(w),
            Value::Span(d) => write!(f, "{d:?}"),
        }
    }
}

/// An invalid ring or mailbox configuration: names the field, the value given and what is
/// allowed.
///
/// ```
/// use ryker_core::mailbox::{try_channel, MailboxConfig};
/// let err = try_channel::<u8>(MailboxConfig { capacity: 0, ..Default::default() }).unwrap_err();
/// assert_eq!(err.field(), "capacity");
/// assert!(err.to_string().contains("capacity = 0"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigError {
    field: &'static str,
    value: Value,
    allowed: &'static str,
}

impl ConfigError {
    /// A capacity outside `allowed` (the ring's range, spelled out by the ring).
    pub(crate) const fn capacity(value: usize, allowed: &'static str) -> Self {
        Self {
            field: "capacity",
            value: Value::Count(value as u64),
            allowed,
        }
    }

    pub(crate) const fn capacity_alloc(value: usize) -> Self {
        Self {
            field: "capacity",
            value: Value::Count(value as u64),
            allowed: "a size the allocator can provide",
        }
    }

    pub(crate) const fn batch_size(value: usize) -> Self {
        Self {
            field: "batch_size",
            value: Value::Count(value as u64),
            allowed: "1..=64",
        }
    }

    pub(crate) const fn yield_ms(value: u64) -> Self {
        Self {
            field: "yield_ms",
            value: Value::Count(value),
            allowed: "1..=10000",
        }
    }

    pub(crate) const fn restart_factory() -> Self {
        Self {
            field: "supervision",
            value: Value::Word("restart"),
            allowed: "stop, or restart with a factory (`ActorOptions::restart`)",
        }
    }

    pub(crate) const fn max_restarts(value: usize) -> Self {
        Self {
            field: "max_restarts",
            value: Value::Count(value as u64),
            allowed: "1..=4096",
        }
    }

    /// A restart window shorter than [`MIN_RESTART_WINDOW`](crate::actor::ActorOptions::MIN_RESTART_WINDOW).
    pub(crate) const fn restart_within(value: core::time::Duration) -> Self {
        Self {
            field: "within",
            value: Value::Span(value),
            allowed: "1 ms or more (a shorter window expires between two restarts, so the \
                      restart limit would never apply)",
        }
    }

    /// A zero period for `Addr::tell_every`.
    pub(crate) const fn timer_period(value: core::time::Duration) -> Self {
        Self {
            field: "period",
            value: Value::Span(value),
            allowed: "above zero",
        }
    }

    pub(crate) const fn amnesia_unavailable() -> Self {
        Self {
            field: "amnesia",
            value: Value::Flag(true),
            allowed: "false (build ryker-core with the `amnesia` feature to enable it)",
        }
    }

    /// The configuration field that was rejected, e.g. `"capacity"`.
    ///
    /// ```
    /// use ryker_core::mailbox::MailboxConfig;
    /// let err = MailboxConfig { capacity: 0, ..Default::default() }.validate().unwrap_err();
    /// assert_eq!(err.field(), "capacity");
    /// ```
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// The values that field accepts, in words.
    ///
    /// ```
    /// use ryker_core::actor::ActorConfig;
    /// let err = ActorConfig { batch_size: 100, ..Default::default() }.validate().unwrap_err();
    /// assert_eq!(err.field(), "batch_size");
    /// assert_eq!(err.allowed(), "1..=64");
    /// ```
    pub fn allowed(&self) -> &'static str {
        self.allowed
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid config: {} = {} (allowed: {})",
            self.field, self.value, self.allowed
        )
    }
}

/// Why [`Sender::try_send`](crate::mailbox::Sender::try_send) did not queue the message.
///
/// ```
/// use ryker_core::error::TrySendError;
/// use ryker_core::mailbox::{channel, MailboxConfig};
/// let (tx, _rx) = channel::<u32>(MailboxConfig { capacity: 1, ..Default::default() });
/// tx.try_send(1).unwrap();
/// match tx.try_send(2) {
///     Err(TrySendError::Busy(msg)) => assert_eq!(msg, 2), // full: try again later
///     other => panic!("expected Busy, got {other:?}"),
/// }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TrySendError<T> {
    /// The mailbox is full and its policy is `Busy`: the message is handed back. (A
    /// reservation, `Sender::try_reserve`, gets `Busy(())` from a full mailbox whatever the
    /// policy.)
    Busy(T),
    /// The mailbox is full and its policy is `DropNewest`: the message was dropped and counted
    /// in `MailboxStats::dropped_newest`.
    Dropped,
    /// The mailbox is closed: the message is handed back.
    Closed(T),
}

/// Why [`Sender::send`](crate::mailbox::Sender::send) did not queue the message.
///
/// ```
/// use ryker_core::error::SendError;
/// use ryker_core::mailbox::{channel, MailboxConfig, Overflow};
/// let config = MailboxConfig { capacity: 1, overflow: Overflow::DropNewest, ..Default::default() };
/// let (tx, rx) = channel::<u32>(config);
/// tx.blocking_send(1).unwrap();
/// assert_eq!(tx.blocking_send(2), Err(SendError::Dropped)); // full: dropped, not waited for
/// drop(rx);
/// assert_eq!(tx.blocking_send(3), Err(SendError::Closed(3)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SendError<T> {
    /// The mailbox is full and its policy is `DropNewest`: the message was dropped and counted.
    Dropped,
    /// The mailbox is closed: the message is handed back.
    Closed(T),
}

/// Why [`Receiver::try_recv`](crate::mailbox::Receiver::try_recv) returned nothing.
///
/// ```
/// use ryker_core::error::TryRecvError;
/// use ryker_core::mailbox::{channel, MailboxConfig};
/// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// tx.try_send(1).unwrap();
/// drop(tx);
/// assert_eq!(rx.try_recv(), Ok(1)); // accepted messages come first
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TryRecvError {
    /// Nothing to receive right now (a message whose send is in progress counts as not yet
    /// there).
    Empty,
    /// The mailbox is closed and every accepted message has been received.
    Closed,
}

/// Why [`Receiver::recv_before`](crate::mailbox::Receiver::recv_before) or
/// `Receiver::blocking_recv_timeout` returned no message.
///
/// ```
/// use ryker_core::error::RecvTimeoutError;
/// use ryker_core::mailbox::{channel, MailboxConfig};
/// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
/// let now = std::future::ready(());
/// assert_eq!(futures::executor::block_on(rx.recv_before(now)), Err(RecvTimeoutError::Timeout));
/// drop(tx);
/// let never = std::future::pending::<()>();
/// assert_eq!(futures::executor::block_on(rx.recv_before(never)), Err(RecvTimeoutError::Closed));
/// assert_eq!(RecvTimeoutError::Timeout.to_string(), "timed out waiting for a message");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecvTimeoutError {
    /// No message came before the deadline (one whose send was still in progress counts as
    /// not yet there).
    Timeout,
    /// The mailbox is closed and every accepted message has been received.
    Closed,
}

/// The mailbox is closed.
///
/// ```
/// use ryker_core::error::Closed;
/// use ryker_core::mailbox::{channel, MailboxConfig};
/// let (tx, rx) = channel::<u32>(MailboxConfig::default());
/// drop(rx);
/// assert_eq!(futures::executor::block_on(tx.reserve()).unwrap_err(), Closed);
/// assert_eq!(Closed.to_string(), "mailbox closed");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Closed;

/// Why [`Sender::reserve_many`](crate::mailbox::Sender::reserve_many) or
/// [`Sender::try_reserve_many`](crate::mailbox::Sender::try_reserve_many) reserved nothing
/// (they reserve all `n` slots or none).
///
/// ```
/// use ryker_core::error::ReserveManyError;
/// use ryker_core::mailbox::{channel, MailboxConfig};
/// let (tx, _rx) = channel::<u32>(MailboxConfig { capacity: 4, ..Default::default() });
/// let err = tx.try_reserve_many(5).unwrap_err();
/// assert_eq!(err, ReserveManyError::TooMany { n: 5, capacity: 4 });
/// assert_eq!(
///     err.to_string(),
///     "cannot reserve n = 5 slots at once: n must be in 0..=4 (the mailbox's capacity)"
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReserveManyError {
    /// Fewer than `n` slots are free now, under every overflow policy (`try_reserve_many`
    /// only: `reserve_many` waits).
    Busy,
    /// The mailbox is closed.
    Closed,
    /// `n` is above the mailbox's capacity: no wait could ever reserve that many at once.
    TooMany {
        /// The number of slots asked for.
        n: usize,
        /// The mailbox's capacity: `n` must be in `0..=capacity`.
        capacity: usize,
    },
}

impl fmt::Display for ReserveManyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Busy => f.write_str("mailbox busy"),
            Self::Closed => f.write_str("mailbox closed"),
            Self::TooMany { n, capacity } => write!(
                f,
                "cannot reserve n = {n} slots at once: n must be in 0..={capacity} (the mailbox's capacity)"
            ),
        }
    }
}

/// A string that names no [`Overflow`](crate::policy::Overflow) policy.
///
/// ```
/// use ryker_core::policy::Overflow;
/// let err = "fast".parse::<Overflow>().unwrap_err();
/// assert!(err.to_string().ends_with("(allowed: busy, drop_newest, drop_oldest)"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseOverflowError(pub(crate) ());

impl fmt::Display for ParseOverflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown overflow policy (allowed: busy, drop_newest, drop_oldest)")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ParseOverflowError {}

/// Why [`Ring::force_push`](crate::ring::Ring::force_push) failed.
///
/// ```
/// use ryker_core::error::ForcePushError;
/// use ryker_core::ring::Ring;
/// let ring = Ring::with_capacity(1).unwrap();
/// ring.try_push(1).unwrap();
/// ring.close();
/// assert!(matches!(ring.force_push(2), Err(ForcePushError::Closed(2))));
/// assert_eq!(ring.try_pop(), Some(1)); // nothing was displaced
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ForcePushError<T> {
    /// The oldest slot is claimed by a producer that has not published it yet, so there is
    /// nothing to displace; the value is handed back.
    Busy(T),
    /// The ring is closed; the value is handed back and the ring is untouched (nothing was
    /// displaced).
    Closed(T),
}

/// Why [`Producer::try_push`](crate::ring::Producer::try_push) did not push; the value is
/// handed back either way.
///
/// ```
/// use ryker_core::error::PushError;
/// let (tx, rx) = ryker_core::ring::split(1).unwrap();
/// tx.try_push(1).unwrap();
/// assert_eq!(tx.try_push(2), Err(PushError::Full(2)));
/// drop(rx); // the consumer is gone: the ring is closed
/// assert_eq!(tx.try_push(3), Err(PushError::Closed(3)));
/// assert_eq!(PushError::Closed(3).into_inner(), 3);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum PushError<T> {
    /// Every slot is occupied (or the slot at the tail is still being freed, after a short
    /// bounded backoff).
    Full(T),
    /// The ring is closed.
    Closed(T),
}

impl<T> PushError<T> {
    /// The value that was not pushed.
    ///
    /// ```
    /// let (tx, _rx) = ryker_core::ring::split(1).unwrap();
    /// tx.try_push("first").unwrap();
    /// assert_eq!(tx.try_push("second").unwrap_err().into_inner(), "second");
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(value) | Self::Closed(value) => value,
        }
    }
}

/// Why [`Consumer::try_pop`](crate::ring::Consumer::try_pop) returned no value.
///
/// ```
/// use ryker_core::error::TryPopError;
/// let (tx, mut rx) = ryker_core::ring::split::<u32>(4).unwrap();
/// assert_eq!(rx.try_pop(), Err(TryPopError::Empty));
/// tx.try_push(1).unwrap();
/// drop(tx); // the last producer is gone: the ring is closed
/// assert_eq!(rx.try_pop(), Ok(1)); // accepted values come first
/// assert_eq!(rx.try_pop(), Err(TryPopError::Closed));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TryPopError {
    /// Nothing to pop right now (a value whose push is in progress counts as not yet there).
    Empty,
    /// The ring is closed and every accepted value has been popped.
    Closed,
}

impl<T> TrySendError<T> {
    /// The message, if this error hands it back.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig, Overflow};
    /// let (tx, _rx) = channel::<&str>(MailboxConfig { capacity: 1, ..Default::default() });
    /// tx.try_send("first").unwrap();
    /// assert_eq!(tx.try_send("second").unwrap_err().into_inner(), Some("second"));
    ///
    /// let drop_newest = MailboxConfig { capacity: 1, overflow: Overflow::DropNewest, ..Default::default() };
    /// let (tx, _rx) = channel::<&str>(drop_newest);
    /// tx.try_send("first").unwrap();
    /// assert_eq!(tx.try_send("second").unwrap_err().into_inner(), None); // dropped, counted
    /// ```
    pub fn into_inner(self) -> Option<T> {
        match self {
            Self::Busy(msg) | Self::Closed(msg) => Some(msg),
            Self::Dropped => None,
        }
    }

    /// Whether the mailbox was closed.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, rx) = channel::<u8>(MailboxConfig::default());
    /// drop(rx); // the receiver is gone: the mailbox is closed
    /// let err = tx.try_send(1).unwrap_err();
    /// assert!(err.is_closed() && !err.is_busy());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, Self::Closed(_))
    }

    /// Whether the mailbox was full under the `Busy` policy (or, for `Sender::try_reserve`,
    /// under any policy).
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, _rx) = channel::<u8>(MailboxConfig { capacity: 1, ..Default::default() });
    /// tx.try_send(1).unwrap();
    /// let err = tx.try_send(2).unwrap_err();
    /// assert!(err.is_busy() && !err.is_closed());
    /// ```
    pub fn is_busy(&self) -> bool {
        matches!(self, Self::Busy(_))
    }
}

impl<T> SendError<T> {
    /// The message, if this error hands it back.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, rx) = channel::<String>(MailboxConfig::default());
    /// drop(rx);
    /// let err = tx.blocking_send("hello".to_string()).unwrap_err();
    /// assert_eq!(err.into_inner().as_deref(), Some("hello"));
    /// ```
    pub fn into_inner(self) -> Option<T> {
        match self {
            Self::Closed(msg) => Some(msg),
            Self::Dropped => None,
        }
    }
}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(err: SendError<T>) -> Self {
        match err {
            SendError::Dropped => Self::Dropped,
            SendError::Closed(msg) => Self::Closed(msg),
        }
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Busy(_) => "Busy(..)",
            Self::Dropped => "Dropped",
            Self::Closed(_) => "Closed(..)",
        })
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Busy(_) => "mailbox busy",
            Self::Dropped => "message dropped by overflow policy",
            Self::Closed(_) => "mailbox closed",
        })
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Dropped => "Dropped",
            Self::Closed(_) => "Closed(..)",
        })
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Dropped => "message dropped by overflow policy",
            Self::Closed(_) => "mailbox closed",
        })
    }
}

impl<T> fmt::Debug for ForcePushError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Busy(_) => f.write_str("Busy(..)"),
            Self::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for ForcePushError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Busy(_) => "ring busy: oldest slot not yet published",
            Self::Closed(_) => "ring closed",
        })
    }
}

impl<T> fmt::Debug for PushError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full(_) => "Full(..)",
            Self::Closed(_) => "Closed(..)",
        })
    }
}

impl<T> fmt::Display for PushError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full(_) => "ring full",
            Self::Closed(_) => "ring closed",
        })
    }
}

impl fmt::Display for TryPopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "ring empty",
            Self::Closed => "ring closed",
        })
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "mailbox empty",
            Self::Closed => "mailbox closed",
        })
    }
}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Timeout => "timed out waiting for a message",
            Self::Closed => "mailbox closed",
        })
    }
}

impl fmt::Display for Closed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("mailbox closed")
    }
}

/// Why [`Addr::tell_timeout`](crate::actor::Addr::tell_timeout) did not queue the message.
///
/// ```
/// use ryker_core::error::{SendError, SendTimeoutError};
/// let err: SendTimeoutError<u32> = SendError::Closed(5).into();
/// assert_eq!(err, SendTimeoutError::Closed(5));
/// assert_eq!(SendTimeoutError::Timeout(5).to_string(), "timed out waiting for mailbox space");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SendTimeoutError<T> {
    /// No slot freed up within the timeout: the message is handed back. A host maps this (and
    /// `Busy`) to 429/503.
    Timeout(T),
    /// The mailbox is full and its policy is `DropNewest`: the message was dropped and counted.
    Dropped,
    /// The mailbox is closed: the message is handed back.
    Closed(T),
}

impl<T> SendTimeoutError<T> {
    /// The message, if this error hands it back.
    ///
    /// ```
    /// use ryker_core::error::SendTimeoutError;
    /// assert_eq!(SendTimeoutError::Timeout(7).into_inner(), Some(7));
    /// assert_eq!(SendTimeoutError::<u32>::Dropped.into_inner(), None);
    /// ```
    pub fn into_inner(self) -> Option<T> {
        match self {
            Self::Timeout(msg) | Self::Closed(msg) => Some(msg),
            Self::Dropped => None,
        }
    }

    /// Whether the timeout expired.
    ///
    /// ```
    /// use ryker_core::error::SendTimeoutError;
    /// assert!(SendTimeoutError::Timeout("msg").is_timeout());
    /// assert!(!SendTimeoutError::Closed("msg").is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout(_))
    }
}

impl<T> From<SendError<T>> for SendTimeoutError<T> {
    fn from(err: SendError<T>) -> Self {
        match err {
            SendError::Dropped => Self::Dropped,
            SendError::Closed(msg) => Self::Closed(msg),
        }
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Timeout(_) => "Timeout(..)",
            Self::Dropped => "Dropped",
            Self::Closed(_) => "Closed(..)",
        })
    }
}

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Timeout(_) => "timed out waiting for mailbox space",
            Self::Dropped => "message dropped by overflow policy",
            Self::Closed(_) => "mailbox closed",
        })
    }
}

/// Why [`Addr::ask`](crate::actor::Addr::ask) got no answer.
///
/// ```
/// use ryker_core::error::AskError;
/// assert_eq!(AskError::NoReply.to_string(), "request dropped without a reply");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AskError {
    /// The actor's mailbox is closed (the actor stopped or is stopping): the request was not
    /// queued.
    Closed,
    /// The mailbox is full and its policy is `DropNewest`: the request was dropped and counted.
    Dropped,
    /// The request was queued but dropped without a reply: the handler dropped the
    /// [`Reply`](crate::actor::Reply), panicked, or the actor was aborted or evicted the request
    /// (`DropOldest`).
    NoReply,
}

impl fmt::Display for AskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Closed => "mailbox closed",
            Self::Dropped => "request dropped by overflow policy",
            Self::NoReply => "request dropped without a reply",
        })
    }
}

/// Why [`Addr::ask_timeout`](crate::actor::Addr::ask_timeout) got no answer in time. A request
/// that was not accepted comes back, with the [`Reply`](crate::actor::Reply) it carries already
/// canceled (the `ask_timeout` that waited for it has returned): an answer sent to it is
/// discarded, so a retry builds a fresh request with another `ask`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AskTimeoutError<M> {
    /// The mailbox stayed full until the deadline: the request was not queued and is handed
    /// back.
    Full(M),
    /// The mailbox is closed: the request was not queued and is handed back.
    Closed(M),
    /// The mailbox is full and its policy is `DropNewest`: the request was dropped and counted.
    Dropped,
    /// The request was queued but dropped without a reply (as [`AskError::NoReply`]).
    NoReply,
    /// The request was queued but no answer came before the deadline. The handler may still
    /// run; its answer is discarded.
    Timeout,
}

impl<M> AskTimeoutError<M> {
    /// The request, if it was not queued.
    ///
    /// ```
    /// use ryker_core::actor::AskTimeoutError;
    /// assert_eq!(AskTimeoutError::Full("request").into_inner(), Some("request"));
    /// assert_eq!(AskTimeoutError::Closed("request").into_inner(), Some("request"));
    /// assert_eq!(AskTimeoutError::<&str>::Timeout.into_inner(), None); // it was queued
    /// ```
    pub fn into_inner(self) -> Option<M> {
        match self {
            Self::Full(msg) | Self::Closed(msg) => Some(msg),
            Self::Dropped | Self::NoReply | Self::Timeout => None,
        }
    }

    /// Whether the deadline passed (before the request was queued, or before the answer).
    ///
    /// ```
    /// use ryker_core::actor::AskTimeoutError;
    /// assert!(AskTimeoutError::Full(()).is_timeout()); // not queued in time
    /// assert!(AskTimeoutError::<()>::Timeout.is_timeout()); // not answered in time
    /// assert!(!AskTimeoutError::Closed(()).is_timeout());
    /// assert!(!AskTimeoutError::<()>::NoReply.is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Full(_) | Self::Timeout)
    }
}

impl<M> fmt::Debug for AskTimeoutError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full(_) => "Full(..)",
            Self::Closed(_) => "Closed(..)",
            Self::Dropped => "Dropped",
            Self::NoReply => "NoReply",
            Self::Timeout => "Timeout",
        })
    }
}

impl<M> fmt::Display for AskTimeoutError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full(_) => "timed out waiting for mailbox space",
            Self::Closed(_) => "mailbox closed",
            Self::Dropped => "request dropped by overflow policy",
            Self::NoReply => "request dropped without a reply",
            Self::Timeout => "timed out waiting for the reply",
        })
    }
}

/// The actor's task was dropped by its runtime (for example the runtime shut down) before the
/// actor finished, so there is no final report. Its queued messages were dropped with it, each
/// exactly once.
///
/// ```
/// use ryker_core::error::JoinError;
/// assert_eq!(JoinError.to_string(), "actor task dropped before it finished");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct JoinError;

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("actor task dropped before it finished")
    }
}

#[cfg(feature = "std")]
mod std_impls {
    extern crate std;
    use super::*;

    impl std::error::Error for ConfigError {}
    impl<T> std::error::Error for TrySendError<T> {}
    impl<T> std::error::Error for SendError<T> {}
    impl<T> std::error::Error for ForcePushError<T> {}
    impl<T> std::error::Error for PushError<T> {}
    impl std::error::Error for TryPopError {}
    impl std::error::Error for TryRecvError {}
    impl std::error::Error for RecvTimeoutError {}
    impl std::error::Error for Closed {}
    impl std::error::Error for ReserveManyError {}
    impl<T> std::error::Error for SendTimeoutError<T> {}
    impl std::error::Error for AskError {}
    impl<M> std::error::Error for AskTimeoutError<M> {}
    impl std::error::Error for JoinError {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    struct NoDebug;

    #[test]
    fn debug_does_not_need_t_debug() {
        let e = TrySendError::Busy(NoDebug);
        assert_eq!(alloc::format!("{e:?}"), "Busy(..)");
        assert_eq!(e.to_string(), "mailbox busy");
        let e: SendError<NoDebug> = SendError::Dropped;
        assert_eq!(alloc::format!("{e:?}"), "Dropped");
        let e = PushError::Full(NoDebug);
        assert_eq!(alloc::format!("{e:?}"), "Full(..)");
        assert_eq!(e.to_string(), "ring full");
    }

    #[test]
    fn config_error_names_field_value_and_range() {
        let e = ConfigError::capacity(0, "1..=64");
        let text = e.to_string();
        assert!(text.contains("capacity = 0"), "{text}");
        assert!(text.contains("1..="), "{text}");
        assert_eq!(e.field(), "capacity");
    }

    /// `yield_ms` is a `u64`: a value out of range is shown as given, also where `usize` has
    /// 32 bits (CI runs this on i686, where 2^32 + 1 used to be shown as 1, inside the range).
    #[test]
    fn config_error_shows_a_u64_value_whole() {
        let e = ConfigError::yield_ms((1 << 32) + 1);
        assert_eq!(
            e.to_string(),
            "invalid config: yield_ms = 4294967297 (allowed: 1..=10000)"
        );
        let e = ConfigError::yield_ms(u64::MAX);
        assert!(
            e.to_string().contains("yield_ms = 18446744073709551615"),
            "{e}"
        );
    }
}
