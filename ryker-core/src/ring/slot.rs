//! One cell of the ring: a stamp and possibly-uninitialised value memory. The only place that
//! reads or writes values in slot memory.

use core::fmt;
use core::mem::MaybeUninit;

use crate::sync::{AtomicUsize, UnsafeCell};

/// One cell of a ring's storage: a sequence stamp and room for one value.
///
/// The type is public only so that storage types such as `[Slot<T>; N]` can be named; it has no
/// public operations.
///
/// ```
/// use ryker_core::ring::Slot;
/// // A slot costs its stamp word plus room for one value.
/// assert!(std::mem::size_of::<Slot<u64>>() >= std::mem::size_of::<u64>() + std::mem::size_of::<usize>());
/// ```
// Layout: the value first, at the slot's start, and the slot aligned to 16 bytes, so every value
// in the array starts on a 16-byte boundary. A message is copied in and out of its slot with
// 16-byte vector moves (SSE2, x86-64's baseline); aligned, none of them straddles a cache line.
// With the stamp first, a 64-byte message sat 8 bytes into a 72-byte slot, and in half of the
// slots one of its four moves each way straddled two lines. Cost: the slot's size rounds up to a
// multiple of 16 (72 -> 80 bytes for a 64-byte message, nothing for values of 8, 24, 40 or 56
// bytes), so 11% more lines per 64-byte message. Measured (docs/PERFORMANCE.md, twenty-eighth
// round): +1-8% on tokio and smol, 0.87-0.95x with four blocking senders at capacity 4096,
// +9.6% peak memory in `ryker soak`. The order alone (value first, no alignment) gained nothing.
#[repr(C, align(16))]
pub struct Slot<T> {
    value: UnsafeCell<MaybeUninit<T>>,
    /// `lap | state` (see `stamp.rs`). Written by whoever owns the slot, read by everyone.
    pub(crate) stamp: AtomicUsize,
}

impl<T> fmt::Debug for Slot<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Slot").finish_non_exhaustive()
    }
}

impl<T> Slot<T> {
    /// An empty slot with the given stamp (not `const` under loom, whose atomics are not).
    #[cfg(ryker_loom)]
    pub(crate) fn new(stamp: usize) -> Self {
        Self {
            stamp: AtomicUsize::new(stamp),
            value: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }

    /// An empty slot with the given stamp.
    #[cfg(not(ryker_loom))]
    pub(crate) const fn new(stamp: usize) -> Self {
        Self {
            stamp: AtomicUsize::new(stamp),
            value: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }

    /// Moves `value` into the slot.
    ///
    /// # Safety
    /// The caller owns the slot (it won the tail CAS for it, or a head CAS that took it out of
    /// every consumer's reach) and the slot holds no value: any previous value was moved out or
    /// dropped. No other thread reads or writes the value memory until the caller publishes the
    /// slot with a Release store to `stamp`.
    #[inline]
    pub(crate) unsafe fn write(&self, value: T) {
        // SAFETY: exclusive access to the value memory per this function's contract.
        self.value.with_mut(|p| unsafe { (*p).write(value) });
    }

    /// Moves the value out of the slot, then wipes the slot's bytes if `wipe`.
    ///
    /// # Safety
    /// The caller owns the slot (it won the head CAS for it after an Acquire load saw it
    /// `FULL`, or owns the ring exclusively) and the slot holds an initialised value that no one
    /// else will read; afterwards the slot is logically empty.
    #[inline]
    pub(crate) unsafe fn take(&self, wipe: bool) -> T {
        // SAFETY: exclusive access, value initialised (contract above); reading moves it out.
        let value = self.value.with(|p| unsafe { (*p).assume_init_read() });
        if wipe {
            // SAFETY: exclusive access; the value was just moved out, so the bytes are dead.
            unsafe { self.wipe() };
        }
        value
    }

    /// Drops the value in place, then wipes the slot's bytes if `wipe`.
    ///
    /// # Safety
    /// As for [`Slot::take`].
    #[inline]
    pub(crate) unsafe fn drop_value(&self, wipe: bool) {
        // SAFETY: exclusive access and an initialised value (contract above).
        self.value.with_mut(|p| unsafe { (*p).assume_init_drop() });
        if wipe {
            // SAFETY: exclusive access; the value was just dropped.
            unsafe { self.wipe() };
        }
    }

    /// Overwrites the slot's value bytes with zeros in a way the optimiser cannot remove.
    ///
    /// # Safety
    /// The caller owns the slot and it holds no live value.
    #[inline]
    pub(crate) unsafe fn wipe(&self) {
        // SAFETY: the caller owns the slot and it holds no live value, so overwriting the
        // `MaybeUninit<T>` bytes (any bit pattern is valid for it) cannot break an invariant.
        self.value.with_mut(|p| unsafe { zero_volatile(p) });
    }

    /// Reads the raw bytes of the value memory (tests of the amnesia wipe only).
    ///
    /// # Safety
    /// No other thread writes the slot while this runs.
    #[cfg(all(test, feature = "amnesia"))]
    pub(crate) unsafe fn raw_bytes(&self) -> alloc::vec::Vec<u8> {
        self.value.with(|p| {
            let len = core::mem::size_of::<T>();
            // SAFETY: `p` points at `size_of::<T>()` bytes that we only read; padding and
            // uninitialised bytes are read as `MaybeUninit<u8>` and then copied out, which is
            // what a test inspecting the wipe needs.
            let bytes = unsafe { core::slice::from_raw_parts(p.cast::<MaybeUninit<u8>>(), len) };
            // SAFETY: after a wipe every byte is initialised (zeroed); tests call this only
            // on wiped slots or slots holding padding-free values.
            bytes.iter().map(|b| unsafe { b.assume_init() }).collect()
        })
    }
}

/// Volatile zeroing through the `zeroize` crate, which also places a compiler fence so the
/// writes are not reordered or elided.
///
/// # Safety
/// `p` is valid for writes of `size_of::<F>()` bytes, and all zero bytes is a valid `F`.
#[cfg(feature = "amnesia")]
#[inline]
pub(crate) unsafe fn zero_volatile<F>(p: *mut F) {
    // SAFETY: forwarded from this function's contract.
    unsafe { zeroize::zeroize_flat_type(p) }
}

/// Without the `amnesia` feature no ring can be built with wiping switched on (the constructors
/// reject it), so this is never reached.
///
/// # Safety
/// As with the `amnesia` version.
#[cfg(not(feature = "amnesia"))]
#[inline]
unsafe fn zero_volatile<F>(_p: *mut F) {
    unreachable!("ryker-core: amnesia requested without the `amnesia` feature");
}

/// Overwrites with zeros the first `used` cells of the spare capacity of `buf` (all of it when
/// `used` is larger) — memory behind its length that still holds the bytes of values moved out
/// of it (the actor loop's batch buffer, under amnesia).
#[cfg(feature = "alloc")]
pub(crate) fn wipe_spare<T>(buf: &mut alloc::vec::Vec<T>, used: usize) {
    for cell in buf.spare_capacity_mut().iter_mut().take(used) {
        // SAFETY: `cell` is a valid, exclusively borrowed `MaybeUninit<T>`, for which every
        // bit pattern (all zeros included) is valid; no live value is in spare capacity.
        unsafe { zero_volatile(cell as *mut core::mem::MaybeUninit<T>) };
    }
}
