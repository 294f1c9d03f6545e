//! Mailbox and actor configuration, its validation, and (feature `toml`) the `CONFIG.toml`
//! file format.

use crate::error::ConfigError;
use crate::policy::Overflow;
use crate::ring::{CAPACITY_RANGE, MAX_CAPACITY};

#[cfg(feature = "toml")]
pub use self::file::ConfigFileError;

/// How a mailbox is built. Public fields; `Default` gives capacity 512, `Overflow::Busy`, no
/// amnesia.
///
/// ```
/// use ryker_core::mailbox::{MailboxConfig, Overflow};
/// let config = MailboxConfig { capacity: 64, overflow: Overflow::DropOldest, ..Default::default() };
/// assert!(config.validate().is_ok());
/// assert!(MailboxConfig { capacity: 0, ..config }.validate().is_err());
/// ```
///
/// Under the `serde` feature it derives `Serialize` and `Deserialize`: unknown fields are
/// rejected, missing ones take their default, and nothing is validated (call
/// [`validate`](MailboxConfig::validate)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(deny_unknown_fields, default)
)]
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
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig};
    /// let (tx, _rx) = channel::<u8>(MailboxConfig::default());
    /// assert_eq!(tx.capacity(), MailboxConfig::DEFAULT_CAPACITY);
    /// ```
    pub const DEFAULT_CAPACITY: usize = 512;

    /// Checks every field.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first invalid field, its value and the allowed range.
    ///
    /// ```
    /// use ryker_core::mailbox::MailboxConfig;
    /// assert!(MailboxConfig { capacity: 1, ..Default::default() }.validate().is_ok());
    /// let err = MailboxConfig { capacity: 0, ..Default::default() }.validate().unwrap_err();
    /// assert!(err.to_string().starts_with("invalid config: capacity = 0 (allowed: 1..="));
    /// ```
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.capacity == 0 || self.capacity > MAX_CAPACITY {
            return Err(ConfigError::capacity(self.capacity, CAPACITY_RANGE));
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

/// How an actor runs: its mailbox and its fairness budget. `Default` gives the values of the
/// sample `CONFIG.toml` (capacity 512, `busy`, no amnesia, `batch_size` 32, `yield_ms` 1,
/// jitter on).
///
/// ```
/// use ryker_core::actor::ActorConfig;
/// let config = ActorConfig { batch_size: 64, ..Default::default() };
/// assert!(config.validate().is_ok());
/// assert_eq!(ActorConfig { batch_size: 0, ..config }.validate().unwrap_err().field(), "batch_size");
/// ```
///
/// Under the `serde` feature it derives `Serialize` and `Deserialize` in its nested shape
/// (`mailbox: { capacity, overflow, amnesia }, batch_size, yield_ms, jitter`): unknown fields
/// are rejected, missing ones take their default, and nothing is validated (call
/// [`validate`](ActorConfig::validate)). The `CONFIG.toml` file has a flatter schema, one
/// `[mailbox]` table with all six keys; under the `toml` feature `ActorConfig::load`,
/// `ActorConfig::from_toml_str` and `ActorConfig::to_toml_string` read and write it, and
/// validate what they read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(deny_unknown_fields, default)
)]
pub struct ActorConfig {
    /// The actor's mailbox.
    pub mailbox: MailboxConfig,
    /// At most this many messages per dequeue, `1..=64`; the actor yields to its runtime after
    /// each batch.
    pub batch_size: usize,
    /// The actor yields to its runtime at least this often while busy, in milliseconds,
    /// `1..=10000`.
    pub yield_ms: u64,
    /// Spread each actor's yield interval over 75%..125% of `yield_ms`, so thousands of actors
    /// do not yield in lockstep.
    pub jitter: bool,
}

impl ActorConfig {
    /// The default batch size.
    ///
    /// ```
    /// use ryker_core::actor::ActorConfig;
    /// assert_eq!(ActorConfig::default().batch_size, ActorConfig::DEFAULT_BATCH_SIZE);
    /// ```
    pub const DEFAULT_BATCH_SIZE: usize = 32;
    /// The largest batch size.
    ///
    /// ```
    /// use ryker_core::actor::ActorConfig;
    /// let max = ActorConfig { batch_size: ActorConfig::MAX_BATCH_SIZE, ..Default::default() };
    /// assert!(max.validate().is_ok());
    /// assert!(ActorConfig { batch_size: max.batch_size + 1, ..max }.validate().is_err());
    /// ```
    pub const MAX_BATCH_SIZE: usize = 64;
    /// The default yield interval.
    ///
    /// ```
    /// use ryker_core::actor::ActorConfig;
    /// assert_eq!(ActorConfig::default().yield_ms, ActorConfig::DEFAULT_YIELD_MS);
    /// ```
    pub const DEFAULT_YIELD_MS: u64 = 1;
    /// The longest yield interval.
    ///
    /// ```
    /// use ryker_core::actor::ActorConfig;
    /// let max = ActorConfig { yield_ms: ActorConfig::MAX_YIELD_MS, ..Default::default() };
    /// assert!(max.validate().is_ok());
    /// assert!(ActorConfig { yield_ms: max.yield_ms + 1, ..max }.validate().is_err());
    /// ```
    pub const MAX_YIELD_MS: u64 = 10_000;

    /// Checks every field, the mailbox's first.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first invalid field, its value and the allowed range.
    ///
    /// ```
    /// use ryker_core::actor::ActorConfig;
    /// use ryker_core::mailbox::MailboxConfig;
    /// assert!(ActorConfig::default().validate().is_ok());
    /// let both_wrong = ActorConfig {
    ///     mailbox: MailboxConfig { capacity: 0, ..Default::default() },
    ///     yield_ms: 0,
    ///     ..Default::default()
    /// };
    /// assert_eq!(both_wrong.validate().unwrap_err().field(), "capacity"); // the mailbox first
    /// let err = ActorConfig { yield_ms: 0, ..Default::default() }.validate().unwrap_err();
    /// assert_eq!((err.field(), err.allowed()), ("yield_ms", "1..=10000"));
    /// ```
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.mailbox.validate()?;
        if self.batch_size == 0 || self.batch_size > Self::MAX_BATCH_SIZE {
            return Err(ConfigError::batch_size(self.batch_size));
        }
        if self.yield_ms == 0 || self.yield_ms > Self::MAX_YIELD_MS {
            return Err(ConfigError::yield_ms(self.yield_ms));
        }
        Ok(())
    }
}

impl Default for ActorConfig {
    fn default() -> Self {
        Self {
            mailbox: MailboxConfig::default(),
            batch_size: Self::DEFAULT_BATCH_SIZE,
            yield_ms: Self::DEFAULT_YIELD_MS,
            jitter: true,
        }
    }
}

/// The `CONFIG.toml` format: one `[mailbox]` table with six flat keys, read through a private
/// mirror of that table whose fields are all optional, merged onto the defaults, then validated.
#[cfg(feature = "toml")]
mod file {
    use std::fmt;
    use std::io;
    use std::path::{Path, PathBuf};
    use std::string::{String, ToString};
    use std::vec::Vec;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer};

    use super::{ActorConfig, MailboxConfig};
    use crate::error::ConfigError;
    use crate::policy::Overflow;

    /// Every overflow policy, in the order the file format documents them.
    const OVERFLOWS: [Overflow; 3] = [Overflow::Busy, Overflow::DropNewest, Overflow::DropOldest];

    /// Fails to compile when `Overflow` grows a variant that `OVERFLOWS` does not list.
    const _: fn(Overflow) = |overflow| match overflow {
        Overflow::Busy | Overflow::DropNewest | Overflow::DropOldest => {}
    };

    /// The whole file: only a `[mailbox]` table is allowed.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct FileRepr {
        mailbox: Option<MailboxRepr>,
    }

    /// The `[mailbox]` table: every key optional, none other allowed.
    #[derive(Debug, Default, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct MailboxRepr {
        capacity: Option<usize>,
        batch_size: Option<usize>,
        yield_ms: Option<u64>,
        jitter: Option<bool>,
        #[serde(default, deserialize_with = "overflow")]
        overflow: Option<Overflow>,
        amnesia: Option<bool>,
    }

    impl MailboxRepr {
        /// The defaults, overridden by every key the file sets.
        fn merge(self) -> ActorConfig {
            let default = ActorConfig::default();
            ActorConfig {
                mailbox: MailboxConfig {
                    capacity: self.capacity.unwrap_or(default.mailbox.capacity),
                    overflow: self.overflow.unwrap_or(default.mailbox.overflow),
                    amnesia: self.amnesia.unwrap_or(default.mailbox.amnesia),
                },
                batch_size: self.batch_size.unwrap_or(default.batch_size),
                yield_ms: self.yield_ms.unwrap_or(default.yield_ms),
                jitter: self.jitter.unwrap_or(default.jitter),
            }
        }
    }

    /// Reads an overflow spelling; an unknown one is rejected with every allowed spelling.
    fn overflow<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Overflow>, D::Error> {
        let word = String::deserialize(de)?;
        match OVERFLOWS.iter().find(|overflow| overflow.as_str() == word) {
            Some(&overflow) => Ok(Some(overflow)),
            None => {
                let allowed: Vec<&str> = OVERFLOWS.iter().map(|o| o.as_str()).collect();
                Err(D::Error::custom(format_args!(
                    "invalid config: overflow = {word:?} (allowed: {})",
                    allowed.join(", ")
                )))
            }
        }
    }

    /// Why `CONFIG.toml` could not be loaded. `Display` names the file (where there is one),
    /// the key, the value and what is allowed; [`source`](std::error::Error::source) gives the
    /// underlying error.
    ///
    /// ```
    /// use ryker_core::actor::{ActorConfig, ConfigFileError};
    /// let err = ActorConfig::from_toml_str("[mailbox]\nbatch_size = 65\n").unwrap_err();
    /// assert!(matches!(err, ConfigFileError::Invalid { .. }));
    /// assert!(err.to_string().contains("batch_size = 65 (allowed: 1..=64)"));
    /// ```
    #[derive(Debug)]
    #[non_exhaustive]
    pub enum ConfigFileError {
        /// The file exists but could not be read (a missing file is not an error: it gives
        /// the defaults).
        Io {
            /// The file.
            path: PathBuf,
            /// Why it could not be read.
            source: io::Error,
        },
        /// The text is not TOML, or not this schema: an unknown table or key, a value of the
        /// wrong type, a negative number, an unknown overflow spelling. The message gives the
        /// line, the column and the offending line.
        Parse {
            /// The file, or `None` for [`ActorConfig::from_toml_str`].
            path: Option<PathBuf>,
            /// The parser's error.
            source: toml::de::Error,
        },
        /// Every key parsed, but a value is out of range (or `amnesia = true` without the
        /// `amnesia` feature).
        Invalid {
            /// The file, or `None` for [`ActorConfig::from_toml_str`].
            path: Option<PathBuf>,
            /// The field, its value and the allowed range.
            source: ConfigError,
        },
    }

    impl ConfigFileError {
        /// Attaches the file the text came from.
        fn in_file(self, file: &Path) -> Self {
            match self {
                Self::Parse { source, .. } => Self::Parse {
                    path: Some(file.to_path_buf()),
                    source,
                },
                Self::Invalid { source, .. } => Self::Invalid {
                    path: Some(file.to_path_buf()),
                    source,
                },
                io @ Self::Io { .. } => io,
            }
        }
    }

    impl fmt::Display for ConfigFileError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                Self::Io { path, source } => {
                    write!(f, "cannot read {}: {source}", path.display())
                }
                Self::Parse { path, source } => {
                    if let Some(path) = path {
                        write!(f, "{}: ", path.display())?;
                    }
                    // toml's message: "TOML parse error at line L, column C", the line with
                    // the key, a caret under the value, then what was wrong with it.
                    write!(f, "{}", source.to_string().trim_end())
                }
                Self::Invalid { path, source } => {
                    if let Some(path) = path {
                        write!(f, "{}: ", path.display())?;
                    }
                    write!(f, "{source}")
                }
            }
        }
    }

    impl std::error::Error for ConfigFileError {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            match self {
                Self::Io { source, .. } => Some(source),
                Self::Parse { source, .. } => Some(source),
                Self::Invalid { source, .. } => Some(source),
            }
        }
    }

    impl ActorConfig {
        /// Reads a `CONFIG.toml`: one `[mailbox]` table with the keys `capacity`,
        /// `batch_size`, `yield_ms`, `jitter`, `overflow` and `amnesia`. Every key is
        /// optional (a missing one, or a missing table, takes its default); any other key or
        /// table is rejected. The result is [validated](ActorConfig::validate).
        ///
        /// # Errors
        /// [`ConfigFileError::Parse`] for text that is not TOML or not this schema,
        /// [`ConfigFileError::Invalid`] for a value out of range.
        ///
        /// ```
        /// use ryker_core::actor::ActorConfig;
        /// use ryker_core::mailbox::Overflow;
        ///
        /// let config = ActorConfig::from_toml_str(
        ///     "[mailbox]\ncapacity = 1024\noverflow = \"drop_oldest\"\n",
        /// )?;
        /// assert_eq!(config.mailbox.capacity, 1024);
        /// assert_eq!(config.mailbox.overflow, Overflow::DropOldest);
        /// assert_eq!(config.batch_size, ActorConfig::DEFAULT_BATCH_SIZE);
        ///
        /// let err = ActorConfig::from_toml_str("[mailbox]\nbatch = 8\n").unwrap_err();
        /// assert!(err.to_string().contains("unknown field `batch`"));
        /// # Ok::<(), ryker_core::actor::ConfigFileError>(())
        /// ```
        pub fn from_toml_str(text: &str) -> Result<ActorConfig, ConfigFileError> {
            let file: FileRepr = toml::from_str(text)
                .map_err(|source| ConfigFileError::Parse { path: None, source })?;
            let config = file.mailbox.unwrap_or_default().merge();
            config
                .validate()
                .map_err(|source| ConfigFileError::Invalid { path: None, source })?;
            Ok(config)
        }

        /// Reads the `CONFIG.toml` at `path` as [`from_toml_str`](ActorConfig::from_toml_str)
        /// does. A file that does not exist gives `ActorConfig::default()`.
        ///
        /// # Errors
        /// [`ConfigFileError::Io`] if the file exists but cannot be read (or is not UTF-8);
        /// otherwise as [`from_toml_str`](ActorConfig::from_toml_str), with the path attached.
        ///
        /// ```
        /// use ryker_core::actor::ActorConfig;
        ///
        /// let path = std::env::temp_dir().join(format!("ryker-doc-{}.toml", std::process::id()));
        /// assert_eq!(ActorConfig::load(&path)?, ActorConfig::default()); // no file yet
        ///
        /// std::fs::write(&path, "[mailbox]\nyield_ms = 5\n").unwrap();
        /// let config = ActorConfig::load(&path)?;
        /// std::fs::remove_file(&path).unwrap();
        /// assert_eq!(config, ActorConfig { yield_ms: 5, ..ActorConfig::default() });
        /// # Ok::<(), ryker_core::actor::ConfigFileError>(())
        /// ```
        pub fn load(path: impl AsRef<Path>) -> Result<ActorConfig, ConfigFileError> {
            let path = path.as_ref();
            let text = match std::fs::read_to_string(path) {
                Ok(text) => text,
                Err(err) if err.kind() == io::ErrorKind::NotFound => {
                    return Ok(ActorConfig::default())
                }
                Err(source) => {
                    return Err(ConfigFileError::Io {
                        path: path.to_path_buf(),
                        source,
                    })
                }
            };
            Self::from_toml_str(&text).map_err(|err| err.in_file(path))
        }

        /// Writes this configuration as a `CONFIG.toml`: the `[mailbox]` table with every key
        /// and a comment on each. For `ActorConfig::default()` this is the repository's sample
        /// `CONFIG.toml`, byte for byte. It does not validate; a valid configuration reads
        /// back unchanged through [`from_toml_str`](ActorConfig::from_toml_str).
        ///
        /// ```
        /// use ryker_core::actor::ActorConfig;
        ///
        /// let config = ActorConfig { batch_size: 8, jitter: false, ..ActorConfig::default() };
        /// let text = config.to_toml_string();
        /// assert!(text.starts_with("[mailbox]\ncapacity = 512 "));
        /// assert_eq!(ActorConfig::from_toml_str(&text)?, config);
        /// # Ok::<(), ryker_core::actor::ConfigFileError>(())
        /// ```
        pub fn to_toml_string(&self) -> String {
            use std::fmt::Write as _;

            let overflow = std::format!("\"{}\"", self.mailbox.overflow.as_str());
            let lines: [(&str, &dyn fmt::Display, &str); 6] = [
                ("capacity", &self.mailbox.capacity, "bounded mailbox size"),
                (
                    "batch_size",
                    &self.batch_size,
                    "1..=64 messages per dequeue",
                ),
                (
                    "yield_ms",
                    &self.yield_ms,
                    "fairness: yield at least this often",
                ),
                ("jitter", &self.jitter, "spread yields and backoff"),
                ("overflow", &overflow, "busy | drop_newest | drop_oldest"),
                (
                    "amnesia",
                    &self.mailbox.amnesia,
                    "zeroize slots and dropped messages",
                ),
            ];
            let mut text = String::from("[mailbox]\n");
            for (key, value, comment) in lines {
                let assignment = std::format!("{key} = {value}");
                // Writing to a String cannot fail.
                let _ = writeln!(text, "{assignment:<19} # {comment}");
            }
            text
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn every_overflow_spelling_reads_back() {
            for overflow in OVERFLOWS {
                let text = std::format!("[mailbox]\noverflow = \"{}\"\n", overflow.as_str());
                let config = ActorConfig::from_toml_str(&text).unwrap();
                assert_eq!(config.mailbox.overflow, overflow);
            }
        }

        #[test]
        fn derived_serde_agrees_with_as_str() {
            #[derive(serde::Serialize, serde::Deserialize)]
            struct Wrap {
                overflow: Overflow,
            }
            for overflow in OVERFLOWS {
                let text = toml::to_string(&Wrap { overflow }).unwrap();
                assert_eq!(
                    text.trim_end(),
                    std::format!("overflow = \"{}\"", overflow.as_str())
                );
                let back: Wrap = toml::from_str(&text).unwrap();
                assert_eq!(back.overflow, overflow);
            }
        }

        #[test]
        fn derived_serde_is_nested_and_fills_defaults() {
            let config: ActorConfig =
                toml::from_str("batch_size = 8\n[mailbox]\ncapacity = 4\n").unwrap();
            let expected = ActorConfig {
                batch_size: 8,
                mailbox: MailboxConfig {
                    capacity: 4,
                    ..MailboxConfig::default()
                },
                ..ActorConfig::default()
            };
            assert_eq!(config, expected);
            assert!(toml::from_str::<ActorConfig>("bogus = 1\n").is_err());
            assert!(toml::from_str::<MailboxConfig>("bogus = 1\n").is_err());
        }

        #[test]
        fn unknown_overflow_lists_every_spelling() {
            let err = ActorConfig::from_toml_str("[mailbox]\noverflow = \"fast\"\n").unwrap_err();
            let text = err.to_string();
            assert!(matches!(err, ConfigFileError::Parse { .. }), "{err:?}");
            assert!(text.contains("overflow = \"fast\""), "{text}");
            assert!(
                text.contains("(allowed: busy, drop_newest, drop_oldest)"),
                "{text}"
            );
        }

        #[test]
        fn path_is_attached_to_parse_and_invalid_errors() {
            let path = Path::new("some/CONFIG.toml");
            let parse = ActorConfig::from_toml_str("[mailbox]\nx = 1\n")
                .unwrap_err()
                .in_file(path);
            assert!(
                parse
                    .to_string()
                    .starts_with("some/CONFIG.toml: TOML parse error"),
                "{parse}"
            );
            let invalid = ActorConfig::from_toml_str("[mailbox]\nyield_ms = 0\n")
                .unwrap_err()
                .in_file(path);
            assert!(
                invalid
                    .to_string()
                    .starts_with("some/CONFIG.toml: invalid config: yield_ms = 0"),
                "{invalid}"
            );
        }
    }
}
