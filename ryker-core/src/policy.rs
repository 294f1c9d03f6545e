//! What a full mailbox does with one more message.

use core::fmt;
use core::str::FromStr;

use crate::error::ParseOverflowError;

/// The overflow policy of a mailbox: what `try_send` and `send` do when every slot is taken.
///
/// Whatever the policy, nothing is lost silently: a message is queued, handed back to its
/// sender, or dropped and counted in [`MailboxStats`](crate::metrics::MailboxStats).
///
/// Under the `serde` feature it serializes as its [`as_str`](Overflow::as_str) spelling.
///
/// ```
/// use ryker_core::mailbox::{channel, MailboxConfig, Overflow, Sent};
/// let config = MailboxConfig { capacity: 2, overflow: Overflow::DropOldest, ..Default::default() };
/// let (tx, mut rx) = channel::<u32>(config);
/// for i in 1..=3 { tx.try_send(i).unwrap(); }
/// assert_eq!(tx.try_send(4), Ok(Sent::DisplacedOldest));
/// assert_eq!(rx.stats().dropped_oldest, 2);
/// assert_eq!((rx.try_recv(), rx.try_recv()), (Ok(3), Ok(4)));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum Overflow {
    /// Refuse the message: `try_send` hands it back as `Busy`, `send` waits for space.
    #[default]
    Busy,
    /// Drop the incoming message and count it (`dropped_newest`).
    DropNewest,
    /// Evict the oldest queued message, count it (`dropped_oldest`), and queue the new one.
    DropOldest,
}

impl Overflow {
    /// The configuration spelling: `busy`, `drop_newest` or `drop_oldest`.
    ///
    /// ```
    /// use ryker_core::policy::Overflow;
    /// assert_eq!(Overflow::DropNewest.as_str(), "drop_newest");
    /// assert_eq!(Overflow::DropNewest.as_str().parse(), Ok(Overflow::DropNewest));
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Overflow::Busy => "busy",
            Overflow::DropNewest => "drop_newest",
            Overflow::DropOldest => "drop_oldest",
        }
    }
}

/// Parses the one spelling that CONFIG.toml, the `ryker` command line and [`Display`](fmt::Display)
/// share: `busy`, `drop_newest` or `drop_oldest`.
///
/// ```
/// use ryker_core::policy::Overflow;
/// assert_eq!("drop_oldest".parse::<Overflow>(), Ok(Overflow::DropOldest));
/// assert_eq!(Overflow::DropNewest.to_string().parse::<Overflow>(), Ok(Overflow::DropNewest));
/// let err = "drop-oldest".parse::<Overflow>().unwrap_err();
/// assert_eq!(err.to_string(), "unknown overflow policy (allowed: busy, drop_newest, drop_oldest)");
/// ```
impl FromStr for Overflow {
    type Err = ParseOverflowError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|policy| policy.as_str() == s)
            .ok_or(ParseOverflowError(()))
    }
}

impl Overflow {
    /// Every policy, in the order the docs list them.
    ///
    /// ```
    /// use ryker_core::policy::Overflow;
    /// let names: Vec<&str> = Overflow::ALL.iter().map(|o| o.as_str()).collect();
    /// assert_eq!(names, ["busy", "drop_newest", "drop_oldest"]);
    /// ```
    pub const ALL: [Overflow; 3] = [Overflow::Busy, Overflow::DropNewest, Overflow::DropOldest];
}

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
