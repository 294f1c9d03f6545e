//! The 64-byte message every run moves, and the clock that stamps it.

use std::time::Instant;

/// One message: 64 bytes, moved by value through the queue under test.
///
/// `stamp` is 0 for unsampled messages; sampled ones carry `1 + nanos since the run's epoch`
/// taken just before the send, so the receiver can record enqueue→dequeue latency.
#[derive(Debug, Clone, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct Msg {
    pub(crate) seq: u64,
    pub(crate) producer: u32,
    _reserved: u32,
    pub(crate) stamp: u64,
    _pad: [u64; 5],
}

const _: () = assert!(
    size_of::<Msg>() == 64,
    "the payload must be exactly 64 bytes"
);

impl Msg {
    #[inline]
    pub(crate) fn new(producer: u32, seq: u64) -> Self {
        Self {
            seq,
            producer,
            _reserved: 0,
            stamp: 0,
            _pad: [seq; 5],
        }
    }
}

/// The run's time origin; stamps are nanoseconds since it, shifted by one so that 0 means "no stamp".
#[derive(Debug, Clone, Copy)]
pub(crate) struct Epoch(Instant);

impl Epoch {
    pub(crate) fn now() -> Self {
        Self(Instant::now())
    }

    /// Nanoseconds since the epoch, plus one (never 0).
    #[inline]
    pub(crate) fn stamp(self, at: Instant) -> u64 {
        u64::try_from(at.duration_since(self.0).as_nanos()).unwrap_or(u64::MAX - 1) + 1
    }
}
