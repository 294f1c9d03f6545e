//! The memory a soak needs, checked before anything is allocated.
//!
//! Two things are allocated up front and grow with the flags: every slot of every actor's
//! mailbox (a ring is allocated whole when the actor is spawned), and the bitmaps that account
//! for every message the target rate can send (two bits per message: accepted, handled). A
//! plan that does not fit the memory budget is refused with a usage error that names the flags,
//! their values and what is allowed, instead of a panic or an allocation abort half-way in.

use std::fmt;

use ryker_core::ring::Slot;

/// Bytes an actor costs besides its mailbox slots and its per-sender order counters: its task,
/// mailbox and actor state and its name. Measured at about 5 KiB on tokio (peak RSS of 2,000
/// and 20,000 one-slot actors); rounded up.
const ACTOR_BYTES: u128 = 6 * 1024;

/// The most memory a plan may take: 16 GiB, or half the machine's memory where that is less.
/// A soak is a test of the mailbox, not of the machine's swap (or its OOM killer).
const BUDGET_CAP: u64 = 16 << 30;

/// The memory budget on this machine: [`BUDGET_CAP`], or half the physical memory if less.
pub(crate) fn budget() -> u64 {
    // SAFETY: sysconf only reads system configuration; both names are valid on Linux.
    let (pages, page) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    match (u64::try_from(pages), u64::try_from(page)) {
        (Ok(pages), Ok(page)) if pages > 0 && page > 0 => {
            BUDGET_CAP.min(pages.saturating_mul(page) / 2)
        }
        _ => BUDGET_CAP,
    }
}

/// What a soak asks for, in the units of its flags.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    /// `--actors`.
    pub(crate) actors: u32,
    /// The configuration's `capacity`.
    pub(crate) capacity: usize,
    /// `--senders`.
    pub(crate) senders: u32,
    /// `--rate`, messages per minute.
    pub(crate) rate: u64,
    /// `--duration`, seconds.
    pub(crate) duration: u64,
    /// `--burst`, percent above the rate.
    pub(crate) burst: u64,
}

/// Bytes of one mailbox slot of a soak message.
fn slot_bytes<M>() -> u128 {
    size_of::<Slot<M>>() as u128
}

impl Plan {
    /// The most messages one sender may send: what the peak rate allows over the run, plus
    /// 10% and 1024 of slack. The accounting bitmaps are sized for it.
    pub(crate) fn per_sender(&self) -> u64 {
        let peak = self.rate as f64 / 60.0 * (1.0 + self.burst as f64 / 100.0);
        // `as` saturates; the largest flags give about 10^15, far from the limit.
        (peak * self.duration as f64 / f64::from(self.senders) * 1.1) as u64 + 1024
    }

    /// Bytes of the accounting bitmaps: two bits a message, in 64-bit words, per sender.
    fn books_bytes(&self) -> u128 {
        2 * u128::from(self.senders) * u128::from(self.per_sender().div_ceil(64)) * 8
    }

    /// Bytes one actor costs besides its mailbox slots.
    fn actor_fixed_bytes(&self) -> u128 {
        ACTOR_BYTES + 8 * u128::from(self.senders)
    }

    /// Bytes of the actors and their mailboxes of `M` messages.
    fn actors_bytes<M>(&self) -> u128 {
        u128::from(self.actors)
            * (self.capacity as u128 * slot_bytes::<M>() + self.actor_fixed_bytes())
    }

    /// Checks that the plan fits `budget` bytes with mailboxes of `M` messages.
    ///
    /// # Errors
    /// A [`PlanError`] naming the flags that take the most memory, their values and what
    /// would fit.
    pub(crate) fn check<M>(&self, budget: u64) -> Result<(), PlanError> {
        let (actors, books, budget) = (
            self.actors_bytes::<M>(),
            self.books_bytes(),
            u128::from(budget),
        );
        if actors + books <= budget {
            return Ok(());
        }
        if actors >= books {
            let room = budget.saturating_sub(books);
            let per_actor = room / u128::from(self.actors);
            let capacity = per_actor.saturating_sub(self.actor_fixed_bytes()) / slot_bytes::<M>();
            let actors_fit =
                room / (self.capacity as u128 * slot_bytes::<M>() + self.actor_fixed_bytes());
            let mut fits = Vec::new();
            if capacity > 0 {
                fits.push(format!(
                    "capacity = 1..={capacity} for --actors {}",
                    self.actors
                ));
            }
            if actors_fit > 0 {
                fits.push(format!(
                    "--actors 1..={actors_fit} at capacity = {}",
                    self.capacity
                ));
            }
            if fits.is_empty() {
                fits.push(format!("fewer --senders (the books take {})", size(books)));
            }
            let allowed = format!(
                "{} in all, the mailboxes allocated up front at {} B a slot: {}",
                size(budget),
                slot_bytes::<M>(),
                fits.join(", or ")
            );
            Err(PlanError {
                what: format!(
                    "--actors {} with capacity = {} (and --senders {})",
                    self.actors, self.capacity, self.senders
                ),
                needs: actors,
                allowed,
            })
        } else {
            // What the actors leave, less each sender's 1024 messages of slack (and a word of
            // rounding); then two bits a message with 10% of slack (see `per_sender`).
            let slack = 2 * u128::from(self.senders) * (1024 / 64 + 1) * 8;
            let room = budget.saturating_sub(actors).saturating_sub(slack);
            let messages = (room * 8 / 2 * 10 / 11) as f64;
            let per_sec = self.rate as f64 / 60.0 * (1.0 + self.burst as f64 / 100.0);
            let duration = (messages / per_sec) as u64;
            let rate =
                (messages / self.duration as f64 * 60.0 / (1.0 + self.burst as f64 / 100.0)) as u64;
            Err(PlanError {
                what: format!(
                    "--rate {} for --duration {} (--burst {}%), the books of up to {:.0} messages",
                    self.rate,
                    self.duration,
                    self.burst,
                    per_sec * self.duration as f64,
                ),
                needs: books,
                allowed: format!(
                    "{} in all, two bits a message: --duration 1..={duration} at this rate, \
                     or --rate 1..={rate} for this duration",
                    size(budget)
                ),
            })
        }
    }
}

/// A soak that does not fit the memory budget.
#[derive(Debug)]
pub(crate) struct PlanError {
    what: String,
    needs: u128,
    allowed: String,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid soak: {}: {} of memory needed (allowed: {})",
            self.what,
            size(self.needs),
            self.allowed
        )
    }
}

/// `41.2 GiB`.
fn size(bytes: u128) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 64-byte message, the size of the soak's.
    type Msg = [u64; 8];

    const GIB: u64 = 1 << 30;

    fn plan() -> Plan {
        // `ryker soak`'s defaults.
        Plan {
            actors: 10_000,
            capacity: 512,
            senders: 8,
            rate: 1_000_000,
            duration: 60,
            burst: 0,
        }
    }

    #[test]
    fn the_default_soak_fits_in_one_gib() {
        assert!(plan().check::<Msg>(GIB).is_ok());
    }

    #[test]
    fn a_huge_capacity_is_refused_naming_capacity_and_the_capacity_that_fits() {
        for capacity in [1_000_000_000, 1 << 58, usize::MAX] {
            let p = Plan { capacity, ..plan() };
            let err = p.check::<Msg>(8 * GIB).unwrap_err().to_string();
            assert!(err.contains(&format!("capacity = {capacity}")), "{err}");
            assert!(err.contains("--actors 10000"), "{err}");
            assert!(err.contains("allowed: 8.0 GiB in all"), "{err}");
            // The capacity the message allows fits; one more slot does not.
            let fits: usize = err
                .split("capacity = 1..=")
                .nth(1)
                .and_then(|s| s.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no allowed capacity in {err}"));
            let at = |capacity| Plan { capacity, ..p }.check::<Msg>(8 * GIB);
            assert!(at(fits).is_ok(), "{err}");
            assert!(at(fits + 1).is_err(), "{err}");
        }
    }

    #[test]
    fn a_million_actors_at_the_default_capacity_are_refused_naming_both() {
        let p = Plan {
            actors: 1_000_000,
            ..plan()
        };
        let err = p.check::<Msg>(16 * GIB).unwrap_err().to_string();
        assert!(
            err.contains("--actors 1000000 with capacity = 512"),
            "{err}"
        );
        let fits: u32 = err
            .split("--actors 1..=")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no allowed actor count in {err}"));
        let at = |actors| Plan { actors, ..p }.check::<Msg>(16 * GIB);
        assert!(at(fits).is_ok() && at(fits + 1).is_err(), "{err}");
        // A million one-slot actors fit.
        assert!(Plan { capacity: 1, ..p }.check::<Msg>(16 * GIB).is_ok());
    }

    #[test]
    fn the_largest_rate_for_the_longest_run_is_refused_naming_both() {
        let p = Plan {
            actors: 1,
            rate: 6_000_000_000,
            duration: 86_400,
            ..plan()
        };
        let err = p.check::<Msg>(16 * GIB).unwrap_err().to_string();
        assert!(
            err.contains("--rate 6000000000 for --duration 86400"),
            "{err}"
        );
        let allowed = |flag: &str| -> u64 {
            err.split(&format!("{flag} 1..="))
                .nth(1)
                .and_then(|s| s.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no allowed {flag} in {err}"))
        };
        // The duration and the rate the message allows fit; a little more does not.
        let (duration, rate) = (allowed("--duration"), allowed("--rate"));
        let at = |rate, duration| {
            Plan {
                rate,
                duration,
                ..p
            }
            .check::<Msg>(16 * GIB)
        };
        assert!(at(p.rate, duration).is_ok(), "{err}");
        assert!(at(p.rate, duration + 1).is_err(), "{err}");
        assert!(at(rate, p.duration).is_ok(), "{err}");
        assert!(at(rate + rate / 100, p.duration).is_err(), "{err}");
    }

    #[test]
    fn the_budget_is_at_most_the_cap() {
        let b = budget();
        assert!(b > 0 && b <= BUDGET_CAP);
    }

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(size(512), "512 B");
        assert_eq!(size(3 << 29), "1.5 GiB");
    }
}
