//! `ActorConfig` read from and written to `CONFIG.toml`: the shipped sample, defaults for
//! whatever is missing, and an error naming the key for everything that is wrong.
#![cfg(feature = "toml")]

use std::error::Error as _;
use std::path::{Path, PathBuf};

use ryker_core::actor::{ActorConfig, ConfigFileError};
use ryker_core::mailbox::{MailboxConfig, Overflow};

/// The sample shipped at the repository root.
const SHIPPED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../CONFIG.toml");

/// A file in the temp directory, unique to this process and test, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn path(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("ryker-config-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        TempFile(path)
    }

    fn with(name: &str, text: &str) -> Self {
        let file = Self::path(name);
        std::fs::write(&file.0, text).unwrap();
        file
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn parse_err(text: &str) -> ConfigFileError {
    match ActorConfig::from_toml_str(text) {
        Ok(config) => panic!("accepted {text:?} as {config:?}"),
        Err(err) => err,
    }
}

#[test]
fn shipped_config_toml_holds_the_defaults() {
    assert!(Path::new(SHIPPED).is_file(), "{SHIPPED} is missing");
    assert_eq!(ActorConfig::load(SHIPPED).unwrap(), ActorConfig::default());
}

#[test]
fn shipped_config_toml_is_what_to_toml_string_writes() {
    let shipped = std::fs::read_to_string(SHIPPED).unwrap();
    assert_eq!(shipped, ActorConfig::default().to_toml_string());
}

#[test]
fn to_toml_string_round_trips() {
    for overflow in [Overflow::Busy, Overflow::DropNewest, Overflow::DropOldest] {
        let config = ActorConfig {
            mailbox: MailboxConfig {
                capacity: 3,
                overflow,
                amnesia: cfg!(feature = "amnesia"),
            },
            batch_size: 64,
            yield_ms: ActorConfig::MAX_YIELD_MS,
            jitter: false,
        };
        assert_ne!(config, ActorConfig::default());
        let text = config.to_toml_string();
        assert_eq!(ActorConfig::from_toml_str(&text).unwrap(), config, "{text}");
    }
}

#[test]
fn missing_file_gives_defaults() {
    let file = TempFile::path("missing.toml");
    assert!(!file.0.exists());
    assert_eq!(ActorConfig::load(&file.0).unwrap(), ActorConfig::default());
}

#[test]
fn empty_file_gives_defaults() {
    let file = TempFile::with("empty.toml", "");
    assert_eq!(ActorConfig::load(&file.0).unwrap(), ActorConfig::default());
}

#[test]
fn file_without_mailbox_table_gives_defaults() {
    let file = TempFile::with("comments.toml", "# nothing configured yet\n\n");
    assert_eq!(ActorConfig::load(&file.0).unwrap(), ActorConfig::default());
    assert_eq!(
        ActorConfig::from_toml_str("[mailbox]\n").unwrap(),
        ActorConfig::default()
    );
}

#[test]
fn partial_mailbox_table_keeps_defaults_for_the_rest() {
    let file = TempFile::with(
        "partial.toml",
        "[mailbox]\ncapacity = 64\noverflow = \"drop_newest\"\njitter = false\n",
    );
    let expected = ActorConfig {
        mailbox: MailboxConfig {
            capacity: 64,
            overflow: Overflow::DropNewest,
            ..MailboxConfig::default()
        },
        jitter: false,
        ..ActorConfig::default()
    };
    assert_eq!(ActorConfig::load(&file.0).unwrap(), expected);
}

#[test]
fn schema_errors_name_the_key() {
    // (text, what the message must contain)
    let cases: &[(&str, &[&str])] = &[
        (
            "[mailbox]\ncolour = \"red\"\n",
            &["unknown field `colour`", "capacity"],
        ),
        (
            "[mailbox]\ncapacity = \"big\"\n",
            &["capacity = \"big\"", "invalid type"],
        ),
        ("[mailbox]\njitter = 1\n", &["jitter = 1", "invalid type"]),
        (
            "[mailbox]\namnesia = \"no\"\n",
            &["amnesia = \"no\"", "invalid type"],
        ),
        (
            "[mailbox]\noverflow = 2\n",
            &["overflow = 2", "invalid type"],
        ),
        (
            "[mailbox]\ncapacity = -1\n",
            &["capacity = -1", "expected usize"],
        ),
        (
            "[mailbox]\nbatch_size = -8\n",
            &["batch_size = -8", "expected usize"],
        ),
        (
            "[mailbox]\nyield_ms = -1\n",
            &["yield_ms = -1", "expected u64"],
        ),
        (
            "[mailbox]\noverflow = \"drop_newset\"\n",
            &[
                "overflow = \"drop_newset\"",
                "busy, drop_newest, drop_oldest",
            ],
        ),
        (
            "[mailbox]\ncapacity = 1\ncapacity = 2\n",
            &["capacity", "duplicate key"],
        ),
        ("[mailbox]\ncapacity = \n", &["capacity", "line 2"]),
    ];
    for &(text, needles) in cases {
        let err = parse_err(text);
        let shown = err.to_string();
        assert!(
            matches!(err, ConfigFileError::Parse { path: None, .. }),
            "{text:?}: {err:?}"
        );
        assert!(shown.contains("line "), "{text:?}: {shown}");
        for needle in needles {
            assert!(
                shown.contains(needle),
                "{text:?} should mention {needle:?}: {shown}"
            );
        }
        assert!(err.source().is_some(), "{text:?}");
    }
}

#[test]
fn out_of_range_values_name_key_value_and_range() {
    let cases = [
        ("capacity = 0", "capacity = 0 (allowed: 1..="),
        ("batch_size = 0", "batch_size = 0 (allowed: 1..=64)"),
        ("batch_size = 65", "batch_size = 65 (allowed: 1..=64)"),
        ("yield_ms = 0", "yield_ms = 0 (allowed: 1..=10000)"),
        ("yield_ms = 10001", "yield_ms = 10001 (allowed: 1..=10000)"),
        // Above `u32::MAX`: shown whole on a 32-bit target too.
        (
            "yield_ms = 4294967297",
            "yield_ms = 4294967297 (allowed: 1..=10000)",
        ),
    ];
    for (line, needle) in cases {
        let err = parse_err(&format!("[mailbox]\n{line}\n"));
        let shown = err.to_string();
        assert!(
            matches!(err, ConfigFileError::Invalid { path: None, .. }),
            "{line}: {err:?}"
        );
        assert!(shown.contains(needle), "{line}: {shown}");
        let source = err.source().expect("Invalid has a source").to_string();
        assert!(source.contains(needle), "{line}: {source}");
    }
}

#[test]
fn amnesia_needs_the_amnesia_feature() {
    let result = ActorConfig::from_toml_str("[mailbox]\namnesia = true\n");
    if cfg!(feature = "amnesia") {
        assert!(result.unwrap().mailbox.amnesia);
    } else {
        let shown = result.unwrap_err().to_string();
        assert!(shown.contains("amnesia = true"), "{shown}");
        assert!(shown.contains("`amnesia` feature"), "{shown}");
    }
}

#[test]
fn unknown_top_level_table_or_key_is_rejected() {
    for (text, name) in [
        ("[actor]\nbatch_size = 8\n", "unknown field `actor`"),
        ("[mailbox]\n[mailbox.extra]\n", "unknown field `extra`"),
        // A key above the first table is top level, not in `[mailbox]`.
        ("capacity = 64\n[mailbox]\n", "unknown field `capacity`"),
    ] {
        let shown = parse_err(text).to_string();
        assert!(shown.contains(name), "{text:?}: {shown}");
    }
}

#[test]
fn load_errors_name_the_file() {
    let file = TempFile::with("bad.toml", "[mailbox]\nbatch_size = 65\n");
    let err = ActorConfig::load(&file.0).unwrap_err();
    let shown = err.to_string();
    assert!(
        matches!(&err, ConfigFileError::Invalid { path: Some(p), .. } if *p == file.0),
        "{err:?}"
    );
    assert!(
        shown.starts_with(&format!("{}: ", file.0.display())),
        "{shown}"
    );
    assert!(
        shown.contains("batch_size = 65 (allowed: 1..=64)"),
        "{shown}"
    );

    let file = TempFile::with("typo.toml", "[mailbox]\nyeild_ms = 2\n");
    let shown = ActorConfig::load(&file.0).unwrap_err().to_string();
    assert!(
        shown.starts_with(&format!("{}: ", file.0.display())),
        "{shown}"
    );
    assert!(shown.contains("unknown field `yeild_ms`"), "{shown}");
}

#[test]
fn unreadable_file_is_an_io_error_naming_the_file() {
    // A directory exists but cannot be read as a file.
    let dir = std::env::temp_dir();
    let err = ActorConfig::load(&dir).unwrap_err();
    assert!(
        matches!(&err, ConfigFileError::Io { path, .. } if *path == dir),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&dir.display().to_string()),
        "{err}"
    );
    assert!(err.source().unwrap().is::<std::io::Error>());

    let file = TempFile::path("latin1.toml");
    std::fs::write(&file.0, b"[mailbox]\n# caf\xe9\n").unwrap();
    assert!(matches!(
        ActorConfig::load(&file.0),
        Err(ConfigFileError::Io { .. })
    ));
}

#[test]
fn config_file_error_is_a_send_sync_std_error() {
    fn check<E: std::error::Error + Send + Sync + 'static>() {}
    check::<ConfigFileError>();
}
