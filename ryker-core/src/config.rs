//! Mailbox configuration and its validation.

use crate::error::ConfigError;
use crate::policy::Overflow;
use crate::ring::MAX_CAPACITY;

/// How a mailbox is built. Public fields; `Default` gives capacity 512, `Overflow::Busy`, no
/// amnesia.
///
/// ```
/// use ryker_core::mailbox::{MailboxConfig, Overflow};
/// let config = MailboxConfig { capacity: 64, overflow: Overflow::DropOldest, ..Default::default() };
/// assert!(config.validate().is_ok());
/// assert!(MailboxConfig { capacity: 0, ..config }.validate().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MailboxConfig {
    /// Number of slots, `1..=ring::MAX_CAPACITY`.
    pub capacity: usize,
    /// What happens when the mailbox is full.
    pub overflow: Overflow,
    /// Wipe every slot with zeros after a message leaves it (needs the `amnesia` feature).
    pub amnesia: bool,
}

impl MailboxConfig {
    /// The default capacity.
    pub const DEFAULT_CAPACITY: usize = 512;

    /// Checks every field.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first invalid field, its value and the allowed range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.capacity == 0 || self.capacity > MAX_CAPACITY {
            return Err(ConfigError::capacity(self.capacity));
        }
        if self.amnesia && !cfg!(feature = "amnesia") {
            return Err(ConfigError::amnesia_unavailable());
        }
        Ok(())
    }
}

impl Default for MailboxConfig {
    fn default() -> Self {
        Self {
            capacity: Self::DEFAULT_CAPACITY,
            overflow: Overflow::Busy,
            amnesia: false,
        }
    }
}
