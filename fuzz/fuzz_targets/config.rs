//! Fuzzing of every configuration entry point with arbitrary capacities, overflow policies,
//! amnesia flags and decimal strings: `Ring::with_capacity`, `Ring::with_amnesia`,
//! `MailboxConfig::validate` and `mailbox::try_channel`.
//!
//! None may panic; all must agree with each other; capacity 0 and anything above
//! `ring::MAX_CAPACITY` must be a `ConfigError` naming `capacity` (with a Display that says so);
//! a small valid capacity must build a working ring/mailbox of exactly that capacity.
//!
//! Capacities between `SMALL` and the point where the slot array's size overflows `isize` are
//! only validated, not allocated: building them would test the machine's allocator (and trip
//! libFuzzer's malloc limit), not ryker. Above that point the allocation-failure path is driven
//! for real with a large element type, whose size computation overflows before any allocation.
#![no_main]

use std::mem::size_of;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ryker_core::error::ConfigError;
use ryker_core::mailbox::{try_channel, MailboxConfig, Overflow};
use ryker_core::ring::{Ring, Slot, MAX_CAPACITY};

/// Largest capacity the target actually allocates.
const SMALL: usize = 1 << 12;

/// An element type whose slot array overflows `isize` long before `MAX_CAPACITY` slots.
type Big = [u8; 1 << 16];

#[derive(Arbitrary, Debug)]
enum Capacity {
    /// Any `usize`.
    Raw(usize),
    /// A small value, so that valid configurations are common.
    Small(u16),
    /// `MAX_CAPACITY` plus or minus a small offset.
    NearMax { offset: u8, above: bool },
    /// A decimal string, as a capacity would arrive from a config file or the environment.
    Text(String),
}

#[derive(Arbitrary, Debug)]
struct Input {
    capacity: Capacity,
    overflow: u8,
    amnesia: bool,
}

fn check_capacity_error(e: ConfigError, n: usize) {
    assert_eq!(e.field(), "capacity", "wrong field for capacity {n}: {e}");
    let shown = e.to_string();
    assert!(shown.contains("capacity"), "Display does not name the field: {shown}");
    assert!(!format!("{e:?}").is_empty());
}

fn check(n: usize, overflow: Overflow, amnesia: bool) {
    let valid = (1..=MAX_CAPACITY).contains(&n);
    let config = MailboxConfig { capacity: n, overflow, amnesia };
    assert_eq!(config.validate().is_ok(), valid, "validate() for capacity {n}");

    if !valid {
        check_capacity_error(config.validate().unwrap_err(), n);
        check_capacity_error(Ring::<u8>::with_capacity(n).unwrap_err(), n);
        check_capacity_error(Ring::<u8>::with_amnesia(n).unwrap_err(), n);
        check_capacity_error(Ring::<Big>::with_capacity(n).unwrap_err(), n);
        check_capacity_error(try_channel::<u8>(config).unwrap_err(), n);
        return;
    }

    if n <= SMALL {
        let ring = if amnesia { Ring::<u8>::with_amnesia(n) } else { Ring::<u8>::with_capacity(n) }
            .unwrap_or_else(|e| panic!("capacity {n} rejected: {e}"));
        assert_eq!(ring.capacity(), n);
        assert_eq!(ring.amnesia(), amnesia);
        assert_eq!(ring.try_push(7), Ok(()));
        assert_eq!(ring.len(), 1);
        assert_eq!(ring.try_pop(), Some(7));
        assert!(ring.is_empty());

        let (tx, rx) = try_channel::<u8>(config).unwrap_or_else(|e| panic!("{config:?} rejected: {e}"));
        drop((tx, rx));
        return;
    }

    // Valid but large: only the slot-array size overflow is exercised for real.
    if n.checked_mul(size_of::<Slot<Big>>()).map_or(true, |bytes| bytes > isize::MAX as usize) {
        check_capacity_error(Ring::<Big>::with_capacity(n).unwrap_err(), n);
    }
}

fuzz_target!(|input: Input| {
    let n = match input.capacity {
        Capacity::Raw(n) => n,
        Capacity::Small(n) => usize::from(n),
        Capacity::NearMax { offset, above } => {
            let offset = usize::from(offset);
            if above { MAX_CAPACITY.saturating_add(offset) } else { MAX_CAPACITY - offset }
        }
        Capacity::Text(text) => match text.trim().parse::<usize>() {
            Ok(n) => n,
            Err(_) => return,
        },
    };
    let overflow = match input.overflow % 3 {
        0 => Overflow::Busy,
        1 => Overflow::DropNewest,
        _ => Overflow::DropOldest,
    };
    assert!(!overflow.to_string().is_empty());
    check(n, overflow, input.amnesia);
});
