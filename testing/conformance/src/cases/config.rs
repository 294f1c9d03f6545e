//! Invalid configurations are rejected at spawn, naming the field, and nothing is spawned.

use std::sync::atomic::Ordering;
use std::time::Duration;

use ryker_core::prelude::*;

use crate::probe::{Ledger, Recorder};
use crate::Harness;

/// `ActorOptions::spawn` with `batch_size` 0 or 65, `capacity` 0, `yield_ms` 0,
/// `.restart(0, ..)`, or a restart window (`within`) of 0 or under 1 ms returns a `ConfigError` whose `field()` names the field (and whose text
/// names it too); the actor value is dropped at once (no task holds it); a valid config
/// spawns.
///
/// Fails on: an invalid value accepted (an actor spawned with `batch_size` 0 would never
/// dequeue; capacity 0 would never accept), the wrong field named, a task spawned despite the
/// error, a restart window so short that the restart limit never applies (an actor that
/// panics on every restart is then restarted forever).
pub fn invalid_config_is_rejected<H: Harness>(h: H) {
    let rt = h.runtime();
    let ledger = Ledger::new(1);
    let default = ActorConfig::default();
    let cases: [(&str, ActorConfig); 4] = [
        (
            "batch_size",
            ActorConfig {
                batch_size: 0,
                ..default
            },
        ),
        (
            "batch_size",
            ActorConfig {
                batch_size: 65,
                ..default
            },
        ),
        (
            "capacity",
            ActorConfig {
                mailbox: MailboxConfig {
                    capacity: 0,
                    ..default.mailbox
                },
                ..default
            },
        ),
        (
            "yield_ms",
            ActorConfig {
                yield_ms: 0,
                ..default
            },
        ),
    ];
    h.block_on(async {
        let mut dropped = 0;
        for (field, config) in cases {
            let err = ActorOptions::new(config)
                .spawn(&rt, Recorder::new(&ledger))
                .expect_err(field);
            assert_eq!(err.field(), field, "{err}");
            assert!(err.to_string().contains(field), "{err}");
            dropped += 1;
            assert_eq!(
                ledger.actors_dropped.load(Ordering::Acquire),
                dropped,
                "{field}: spawned"
            );
        }
        let err = ActorOptions::new(default)
            .restart(0, Duration::from_secs(1), || unreachable!("no restart"))
            .spawn(&rt, Recorder::new(&ledger))
            .expect_err("max_restarts 0");
        assert_eq!(err.field(), "max_restarts", "{err}");
        dropped += 1;
        assert_eq!(
            ledger.actors_dropped.load(Ordering::Acquire),
            dropped,
            "spawned"
        );
        // A window shorter than a restart takes never fills up: the limit would never apply.
        for within in [Duration::ZERO, Duration::from_micros(999)] {
            let err = ActorOptions::new(default)
                .restart(3, within, || unreachable!("no restart"))
                .spawn(&rt, Recorder::new(&ledger))
                .expect_err("a restart window under 1 ms");
            assert_eq!(err.field(), "within", "{err}");
            assert!(
                err.to_string().contains(&format!("within = {within:?}")),
                "{err}"
            );
            dropped += 1;
            assert_eq!(
                ledger.actors_dropped.load(Ordering::Acquire),
                dropped,
                "spawned with within = {within:?}"
            );
        }

        let handle = ActorOptions::new(default)
            .spawn(&rt, Recorder::new(&ledger))
            .expect("the default config is valid");
        let report = crate::sync::stop_and_join("shutdown", handle).await;
        assert_eq!(report.exit, Exit::Shutdown);
    });
    assert_eq!(
        ledger.started.load(Ordering::Acquire),
        1,
        "only the valid actor started"
    );
}
