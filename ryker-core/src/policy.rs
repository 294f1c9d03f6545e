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
    pub const ALL: [Overflow; 3] = [Overflow::Busy, Overflow::DropNewest, Overflow::DropOldest];
}

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
