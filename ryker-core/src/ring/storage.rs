//! Where a ring's slots live: on the heap (`alloc`), or inline in the ring value so that a
//! `static` ring needs no allocator at all.

use super::slot::Slot;

mod sealed {
    pub trait Sealed {}
}

/// The storage flavour of a [`Ring`](super::Ring): [`Heap`] or [`Inline<N>`].
///
/// Sealed: the ring's algorithm relies on invariants of the slot array that only these two
/// flavours are known to uphold.
///
/// Code generic over both flavours names it as a bound:
///
/// ```
/// use ryker_core::ring::{Ring, StaticRing, Storage};
/// fn drain<T, S: Storage<T>>(ring: &Ring<T, S>) -> Vec<T> {
///     let mut out = Vec::new();
///     ring.pop_batch(&mut out, ring.capacity());
///     out
/// }
/// let heap = Ring::with_capacity(4).unwrap();
/// heap.try_push(1).unwrap();
/// let inline: StaticRing<i32, 4> = StaticRing::new();
/// inline.try_push(2).unwrap();
/// assert_eq!((drain(&heap), drain(&inline)), (vec![1], vec![2]));
/// ```
pub trait Storage<T>: sealed::Sealed {
    /// The slot array.
    #[doc(hidden)]
    type Slots: AsRef<[Slot<T>]>;
}

/// Slots in one heap allocation made at construction (needs the `alloc` feature).
///
/// ```
/// use ryker_core::ring::{Heap, Ring};
/// let ring: Ring<u32, Heap> = Ring::with_capacity(8).unwrap(); // `Ring<u32>` for short
/// assert_eq!(ring.capacity(), 8);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Heap;

/// `N` slots stored inline, for `static` rings on targets without an allocator.
///
/// ```
/// use ryker_core::ring::{Inline, Ring};
/// static RING: Ring<u32, Inline<8>> = Ring::new(); // `StaticRing<u32, 8>` for short
/// assert_eq!(RING.capacity(), 8);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Inline<const N: usize>;

impl sealed::Sealed for Heap {}
impl<const N: usize> sealed::Sealed for Inline<N> {}

#[cfg(feature = "alloc")]
impl<T> Storage<T> for Heap {
    type Slots = alloc::boxed::Box<[Slot<T>]>;
}

impl<T, const N: usize> Storage<T> for Inline<N> {
    type Slots = [Slot<T>; N];
}
