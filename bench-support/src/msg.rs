//! The 64-byte message every bench, harness run and comparison moves, and the clock that stamps it.

use std::time::Instant;

/// One message: 64 bytes, moved by value through the queue under test.
///
/// `stamp` is 0 for unsampled messages; a sampled one carries [`Epoch::stamp`] taken just
/// before the send, so the receiver can record its enqueue→dequeue latency. Every `pad` word
/// holds `seq`, so a consumer can see a torn or corrupted copy ([`Msg::damage`]).
/// `Default` (all zeros) because thingbuf's channels recycle their slots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Msg {
    /// Per-producer sequence number: 0, 1, 2, ...
    pub seq: u64,
    /// Which producer sent it.
    pub producer: u32,
    reserved: u32,
    /// 0, or `1 + nanoseconds` since the run's [`Epoch`] when it was sent.
    pub stamp: u64,
    /// Filler up to 64 bytes, each word `seq`, written so the copy is not optimized away.
    pub pad: [u64; 5],
}

const _: () = assert!(
    size_of::<Msg>() == 64,
    "the payload must be exactly 64 bytes"
);

impl Msg {
    /// Message `seq` of producer `producer`, unstamped.
    #[inline]
    #[must_use]
    pub fn new(producer: u32, seq: u64) -> Self {
        Self {
            seq,
            producer,
            reserved: 0,
            stamp: 0,
            pad: [seq; 5],
        }
    }

    /// 0 for an intact message; anything else says its last word does not match its
    /// sequence number. Consumers sum it into a checksum that must stay 0.
    #[inline]
    #[must_use]
    pub fn damage(&self) -> u64 {
        self.seq ^ self.pad[4]
    }
}

/// A run's time origin; stamps are nanoseconds since it, shifted by one so that 0 means "no stamp".
#[derive(Debug, Clone, Copy)]
pub struct Epoch(Instant);

impl Epoch {
    /// An epoch starting now.
    #[must_use]
    pub fn now() -> Self {
        Self(Instant::now())
    }

    /// Nanoseconds from the epoch to `at`, plus one (never 0).
    #[inline]
    #[must_use]
    pub fn stamp(self, at: Instant) -> u64 {
        u64::try_from(at.duration_since(self.0).as_nanos()).unwrap_or(u64::MAX - 1) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_message_is_intact_and_a_changed_one_is_not() {
        let mut m = Msg::new(3, 41);
        assert_eq!((m.producer, m.seq, m.stamp, m.damage()), (3, 41, 0, 0));
        m.pad[4] = 7;
        assert_ne!(m.damage(), 0);
    }

    #[test]
    fn stamps_are_never_zero() {
        let epoch = Epoch::now();
        assert!(epoch.stamp(Instant::now()) >= 1);
    }
}
