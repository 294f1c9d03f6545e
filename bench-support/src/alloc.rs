//! The counting global allocator: the one every allocation gate, test and report counts with.
//!
//! A binary or test installs it and reads one of two counts:
//!
//! ```
//! use bench_support::alloc::{allocations, Counting};
//!
//! #[global_allocator]
//! static ALLOC: Counting = Counting;
//!
//! fn main() {
//!     let before = allocations();
//!     drop(std::hint::black_box(Box::new(1_u64)));
//!     assert!(allocations() > before);
//! }
//! ```
//!
//! Both count allocations, zeroed allocations and reallocations (a
//! `realloc` may move the block, so it costs what an allocation costs; frees are not counted):
//!
//! - [`allocations`]: process-wide, for a program that measures on one thread, or between
//!   points where its other threads are idle (`ryker-perf`, `ryker soak`);
//! - a [`Tally`]: only the threads enrolled in it, only while it counts, so tests running in
//!   parallel in one process do not disturb each other.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The system allocator, counting every allocation (see the [module](self)).
#[derive(Debug, Clone, Copy, Default)]
pub struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The tally this thread reports to, if it is enrolled in one.
    static TALLY: Cell<Option<&'static Tally>> = const { Cell::new(None) };
}

/// Counts one allocation of `bytes` bytes.
#[inline]
fn note_allocation(bytes: usize) {
    // Relaxed: a statistic, read after the measured work is joined (or on the same thread).
    ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    // `try_with`: the allocator may run while this thread's locals are being torn down.
    if let Ok(Some(tally)) = TALLY.try_with(Cell::get) {
        // Relaxed: the window's own SeqCst stores order it (see `Tally::window`).
        if tally.on.load(Ordering::Relaxed) {
            tally.allocations.fetch_add(1, Ordering::Relaxed);
            tally.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
        }
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract is `System`'s; the counting touches only a static atomic and a
// const-initialized, destructor-free thread local, neither of which allocates.
unsafe impl GlobalAlloc for Counting {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation(layout.size());
        // SAFETY: forwarded from the caller, who upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation(layout.size());
        // SAFETY: forwarded from the caller, who upholds `GlobalAlloc::alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded from the caller, who upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation(new_size);
        // SAFETY: forwarded from the caller, who upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations so far, process-wide (0 unless [`Counting`] is the global allocator).
#[must_use]
pub fn allocations() -> u64 {
    // Relaxed: as in `note_allocation`.
    ALLOCATIONS.load(Ordering::Relaxed)
}

/// The allocations of the threads enrolled in it, counted only while a [`Window`] is open.
///
/// A `static` per test or scenario; a runtime's worker threads enroll from their start hook.
/// One window at a time.
#[derive(Debug)]
pub struct Tally {
    on: AtomicBool,
    allocations: AtomicU64,
    bytes: AtomicU64,
}

/// What a [`Window`] counted: allocations (reallocations included) and the bytes they asked
/// for (a reallocation counts its new size).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counted {
    /// Allocations, zeroed allocations and reallocations.
    pub allocations: u64,
    /// Bytes requested by them.
    pub bytes: u64,
}

/// An open counting window of a [`Tally`]; [`Window::close`] reads it.
#[derive(Debug)]
#[must_use = "a window counts until it is closed"]
pub struct Window<'a> {
    tally: &'a Tally,
    before: Counted,
}

impl Tally {
    /// A tally with no thread enrolled.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            on: AtomicBool::new(false),
            allocations: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    /// Enrolls the calling thread (leaving whatever tally it was in).
    pub fn enroll(&'static self) {
        TALLY.with(|t| t.set(Some(self)));
    }

    /// Starts counting the enrolled threads' allocations.
    pub fn window(&self) -> Window<'_> {
        let before = self.read();
        // SeqCst: the window must not let allocations before or after it leak in through
        // reordering with the work it brackets (the work's own sync orders the other threads).
        self.on.store(true, Ordering::SeqCst);
        Window {
            tally: self,
            before,
        }
    }

    /// Allocations made by enrolled threads while `f` runs.
    pub async fn count<F: Future<Output = ()>>(&self, f: F) -> Counted {
        let w = self.window();
        f.await;
        w.close()
    }

    /// As [`Tally::count`], for a closure.
    pub fn count_sync(&self, f: impl FnOnce()) -> Counted {
        let w = self.window();
        f();
        w.close()
    }

    fn read(&self) -> Counted {
        // SeqCst: as in `window`.
        Counted {
            allocations: self.allocations.load(Ordering::SeqCst),
            bytes: self.bytes.load(Ordering::SeqCst),
        }
    }
}

impl Window<'_> {
    /// Stops counting; what the enrolled threads allocated since [`Tally::window`].
    pub fn close(self) -> Counted {
        // SeqCst: as in `Tally::window`.
        self.tally.on.store(false, Ordering::SeqCst);
        let now = self.tally.read();
        Counted {
            allocations: now.allocations - self.before.allocations,
            bytes: now.bytes - self.before.bytes,
        }
    }
}

impl Default for Tally {
    fn default() -> Self {
        Self::new()
    }
}
