//! Fuzzing of every configuration entry point with arbitrary capacities, overflow policies,
//! amnesia flags and decimal strings: `Ring::with_capacity`, `Ring::with_amnesia`,
//! `MailboxConfig::validate` and `mailbox::try_channel`.
//!
//! None may panic; all must agree with each other; capacity 0 and anything above
//! `ring::MAX_CAPACITY` must be a `ConfigError` naming `capacity` (with a Display that says so);
//! a small valid capacity must build a working ring/mailbox of exactly that capacity, and a full
//! small mailbox must apply its overflow policy (Busy / DropNewest / DropOldest) exactly.
//!
//! Capacities between `SMALL` and the point where the slot array's size overflows `isize` are
//! only validated, not allocated: building them would test the machine's allocator (and trip
//! libFuzzer's malloc limit), not ryker. Above that point the allocation-failure path is driven
//! for real with a large element type, whose size computation overflows before any allocation.
#![no_main]

use std::mem::size_of;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ryker_core::error::{ConfigError, TryRecvError, TrySendError};
use ryker_core::mailbox::{try_channel, MailboxConfig, Overflow, Receiver, Sender, Sent};
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
    assert!(
        shown.contains("capacity"),
        "Display does not name the field: {shown}"
    );
    assert!(!format!("{e:?}").is_empty());
}

/// Largest capacity whose overflow behaviour is checked message by message.
const POLICY_CHECK_MAX: usize = 64;

/// Fills a fresh mailbox, sends one more, and checks that the policy did what it says and that
/// the receiver then sees exactly the surviving messages, in order.
fn check_overflow_policy(tx: Sender<u32>, mut rx: Receiver<u32>, n: usize, overflow: Overflow) {
    let n32 = u32::try_from(n).unwrap();
    for i in 0..n32 {
        assert!(
            matches!(tx.try_send(i), Ok(Sent::Queued)),
            "send {i} of {n} refused"
        );
    }
    let extra = tx.try_send(n32);
    let first = match overflow {
        Overflow::Busy => {
            assert!(
                matches!(extra, Err(TrySendError::Busy(m)) if m == n32),
                "Busy policy"
            );
            0
        }
        Overflow::DropNewest => {
            assert!(
                matches!(extra, Err(TrySendError::Dropped)),
                "DropNewest policy"
            );
            0
        }
        _ => {
            assert!(
                matches!(extra, Ok(Sent::DisplacedOldest)),
                "DropOldest policy"
            );
            1
        }
    };
    let last = if first == 1 { n32 } else { n32 - 1 };
    for expected in first..=last {
        assert_eq!(
            rx.try_recv(),
            Ok(expected),
            "receive order under {overflow:?}"
        );
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    drop(tx);
    assert_eq!(
        rx.try_recv(),
        Err(TryRecvError::Closed),
        "all senders dropped"
    );
}

fn check(n: usize, overflow: Overflow, amnesia: bool) {
    let valid = (1..=MAX_CAPACITY).contains(&n);
    let config = MailboxConfig {
        capacity: n,
        overflow,
        amnesia,
    };
    assert_eq!(
        config.validate().is_ok(),
        valid,
        "validate() for capacity {n}"
    );

    if !valid {
        check_capacity_error(config.validate().unwrap_err(), n);
        check_capacity_error(Ring::<u8>::with_capacity(n).unwrap_err(), n);
        check_capacity_error(Ring::<u8>::with_amnesia(n).unwrap_err(), n);
        check_capacity_error(Ring::<Big>::with_capacity(n).unwrap_err(), n);
        check_capacity_error(try_channel::<u8>(config).unwrap_err(), n);
        return;
    }

    if n <= SMALL {
        let ring = if amnesia {
            Ring::<u8>::with_amnesia(n)
        } else {
            Ring::<u8>::with_capacity(n)
        }
        .unwrap_or_else(|e| panic!("capacity {n} rejected: {e}"));
        assert_eq!(ring.capacity(), n);
        assert_eq!(ring.amnesia(), amnesia);
        assert_eq!(ring.try_push(7), Ok(()));
        assert_eq!(ring.len(), 1);
        assert_eq!(ring.try_pop(), Some(7));
        assert!(ring.is_empty());

        let (tx, rx) =
            try_channel::<u32>(config).unwrap_or_else(|e| panic!("{config:?} rejected: {e}"));
        assert_eq!(tx.capacity(), n);
        assert_eq!(rx.capacity(), n);
        if n <= POLICY_CHECK_MAX {
            check_overflow_policy(tx, rx, n, overflow);
        }
        return;
    }

    // Valid but large: only the slot-array size overflow is exercised for real.
    if n.checked_mul(size_of::<Slot<Big>>())
        .is_none_or(|bytes| bytes > isize::MAX as usize)
    {
        check_capacity_error(Ring::<Big>::with_capacity(n).unwrap_err(), n);
    }
}

fuzz_target!(|input: Input| {
    let n = match input.capacity {
        Capacity::Raw(n) => n,
        Capacity::Small(n) => usize::from(n),
        Capacity::NearMax { offset, above } => {
            let offset = usize::from(offset);
            if above {
                MAX_CAPACITY.saturating_add(offset)
            } else {
                MAX_CAPACITY - offset
            }
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
