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
pub trait Storage<T>: sealed::Sealed {
    /// The slot array.
    #[doc(hidden)]
    type Slots: AsRef<[Slot<T>]>;
}

/// Slots in one heap allocation made at construction (needs the `alloc` feature).
#[derive(Debug, Clone, Copy)]
pub struct Heap;

/// `N` slots stored inline, for `static` rings on targets without an allocator.
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
