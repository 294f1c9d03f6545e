//! Senders waiting for space: an intrusive FIFO list of waiters that live inside the waiting
//! futures themselves, so waiting never allocates.
//!
//! Every node field is read and written only under the list's lock. `len` mirrors the number
//! of queued nodes so that the receiver can skip the lock when nobody waits: it reads `len`
//! after a SeqCst fence that pairs with the fence a sender issues between registering and
//! re-checking the ring (see `mailbox/mod.rs`).
//!
//! A notified waiter is unlinked and woken. When it runs it either gets a slot or goes back to
//! the *front* of the queue; a waiter dropped while notified, or one that leaves with a slot
//! its own re-check found while a notification was landing on it, passes the notification on
//! to the next one. So a freed slot is never left with a sleeping sender and an empty wake.
//!
//! That hand-off needs an owner that is bound to act: a pinned future is either polled again
//! or dropped, and a blocking call is parked in `block_on`. A `poll_reserve` waiter (boxed in
//! its `Sender`) has no such owner: its caller may simply stop polling (a timeout, a `select!`
//! that took another branch). So a waiter is made either *consuming* ([`Waiter::new`]) or not
//! ([`Waiter::new_unbound`]). [`WaitList::notify`] wakes an unbound waiter it meets without
//! counting it: it goes on until it has woken as many consuming waiters as it was asked to (or
//! the list is empty). An unbound waiter that never comes back therefore costs nobody a
//! wake-up, and one that does come back simply tries for a slot like anybody else.
//!
//! Node fields are only ever read and written through raw pointers (`*mut Node`), one field
//! access at a time, never through a `&mut Node` held across another node access: the owner
//! and the list reach the same node through different pointers, and two live `&mut` to one
//! node would be undefined behaviour under Stacked Borrows (the model of tokio's
//! `util::linked_list`).

use core::fmt;
use core::marker::PhantomPinned;
use core::pin::Pin;
use core::ptr;
use core::task::Waker;

use crate::sync::{broken_twin, AtomicUsize, Ordering, SpinLock, UnsafeCell};

/// Where a waiter is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaitState {
    /// Not in the list.
    Idle,
    /// In the list, waiting.
    Queued,
    /// Taken off the list and woken; the owner has not looked yet.
    Notified,
}

/// One waiting sender. Lives inside a pinned future (or a boxed one in `Sender`).
///
/// `repr(C)`, here and on `Node`, with the pointers first and the byte-sized fields last: every
/// `send().await` builds a waiter in its future and moves the future into the caller's `async`
/// state, and with the compiler's own field order that move was made of overlapping pieces at
/// odd offsets (stores and loads of the same stack bytes, stalling store forwarding). Measured
/// 2026-12-05 (docs/PERFORMANCE.md): 8-18% more messages per second on tokio current-thread
/// and smol, more on tokio multi-thread; no other change.
#[repr(C)]
pub(crate) struct Waiter {
    node: UnsafeCell<Node>,
    /// Whether a notification that lands on this waiter is spent on it (module docs). Fixed
    /// at construction, read under the list lock.
    consumes: bool,
    _pinned: PhantomPinned,
}

/// See `Waiter` for the `repr(C)`.
#[repr(C)]
struct Node {
    prev: *const Waiter,
    next: *const Waiter,
    waker: Option<Waker>,
    state: WaitState,
}

// SAFETY: the raw pointers in `Node` are only dereferenced under the list lock, and point at
// waiters that stay pinned and linked until their owner unlinks them under the same lock.
unsafe impl Send for Waiter {}
// SAFETY: as above; shared access to the node goes through the lock.
unsafe impl Sync for Waiter {}

impl fmt::Debug for Waiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiter")
            .field("consumes", &self.consumes)
            .finish_non_exhaustive()
    }
}

impl Waiter {
    /// A waiter whose owner is bound to act on a notification: a pinned future (polled again
    /// or dropped, and its drop passes the notification on) or a parked blocking call.
    pub(crate) fn new() -> Self {
        Self::with(true)
    }

    /// A waiter nobody is bound to poll again (`Sender::poll_reserve`'s): a notification is
    /// never spent on it; it is woken as well as, not instead of, a consuming waiter.
    pub(crate) fn new_unbound() -> Self {
        // Broken twin `reserve_consumes` (loom suite only): the old behaviour, in which the
        // notification is spent on the unbound waiter and lost if its caller walked away.
        Self::with(broken_twin!("reserve_consumes"))
    }

    fn with(consumes: bool) -> Self {
        Self {
            node: UnsafeCell::new(Node {
                state: WaitState::Idle,
                waker: None,
                prev: ptr::null(),
                next: ptr::null(),
            }),
            consumes,
            _pinned: PhantomPinned,
        }
    }
}

struct Links {
    head: *const Waiter,
    tail: *const Waiter,
}

// SAFETY: see `Waiter`: the pointers are only followed under the lock that owns `Links`.
unsafe impl Send for Links {}

/// The list of senders waiting for space (the mailbox keeps a second one, notified only on
/// close, for `Sender::closed` futures).
pub(crate) struct WaitList {
    /// Number of queued waiters; written under the lock, read without it by notifiers.
    len: AtomicUsize,
    links: SpinLock<Links>,
}

impl fmt::Debug for WaitList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitList")
            // Relaxed: a snapshot for `Debug` output only.
            .field("len", &self.len.load(Ordering::Relaxed))
            .finish()
    }
}

/// A raw pointer to `w`'s node. Its fields are then read and written one access at a time
/// (`(*n).state = ..`), never through a `&mut Node` that lives across another node access.
///
/// # Safety
/// `w` is a live waiter (pinned, not yet dropped: a linked waiter is unlinked by its owner
/// before it is dropped). Dereferencing the result further requires the list lock.
unsafe fn node(w: *const Waiter) -> *mut Node {
    // SAFETY: `w` is live (the caller's contract); `with_mut` only hands out the cell's
    // pointer, which creates no reference to the node.
    unsafe { (*w).node.with_mut(|p| p) }
}

/// Stores `new` as the node's waker, unless the current one wakes the same task. Returns the
/// waker to drop (outside the lock: a waker's drop may run user code).
fn replace_waker(slot: &mut Option<Waker>, new: Waker) -> Option<Waker> {
    match slot {
        Some(current) if current.will_wake(&new) => Some(new),
        _ => slot.replace(new),
    }
}

impl WaitList {
    pub(crate) fn new() -> Self {
        Self {
            len: AtomicUsize::new(0),
            links: SpinLock::new(Links {
                head: ptr::null(),
                tail: ptr::null(),
            }),
        }
    }

    /// Whether any sender may be waiting. The caller issues a SeqCst fence before this.
    #[inline]
    pub(crate) fn may_have_waiters(&self) -> bool {
        // Relaxed: ordered by the caller's SeqCst fence (pairs with the sender's fence after
        // `register`).
        self.len.load(Ordering::Relaxed) != 0
    }

    /// Adds `delta` (wrapping: `usize::MAX` is -1) to `len`; called under the lock.
    fn add_len(&self, delta: usize) {
        // Relaxed: written under the lock; readers order it with SeqCst fences.
        self.len.store(
            self.len.load(Ordering::Relaxed).wrapping_add(delta),
            Ordering::Relaxed,
        );
    }

    /// Queues `w` with `waker` (at the front if `front`), or refreshes its waker if it is
    /// already queued. Returns the state it was in before: `Notified` means a notification
    /// arrived that the caller has now consumed.
    ///
    /// # Safety
    /// `w` must be unregistered with [`WaitList::remove`] before it is moved or dropped, and be
    /// used with this list only.
    pub(crate) unsafe fn register(&self, w: Pin<&Waiter>, waker: &Waker, front: bool) -> WaitState {
        let w: *const Waiter = &*w;
        // Cloned (and the displaced one dropped) outside the lock: both may run user code.
        let new_waker = waker.clone();
        let (old, before) = self.links.with(|links| {
            // SAFETY: `w` is live (it is borrowed, and the caller's contract).
            let n = unsafe { node(w) };
            // SAFETY: lock held, so no other thread touches any node; each
            // access below is a single field access through `n` or through a neighbour's
            // pointer, and no reference to a node outlives its expression.
            unsafe {
                let before = (*n).state;
                let old = replace_waker(&mut (*n).waker, new_waker);
                if before != WaitState::Queued {
                    (*n).state = WaitState::Queued;
                    if front {
                        (*n).prev = ptr::null();
                        (*n).next = links.head;
                        match links.head.is_null() {
                            true => links.tail = w,
                            false => (*node(links.head)).prev = w,
                        }
                        links.head = w;
                    } else {
                        (*n).next = ptr::null();
                        (*n).prev = links.tail;
                        match links.tail.is_null() {
                            true => links.head = w,
                            false => (*node(links.tail)).next = w,
                        }
                        links.tail = w;
                    }
                    self.add_len(1);
                }
                (old, before)
            }
        });
        drop(old);
        before
    }

    /// Where `w` is now, in one critical section: if still `Queued`, its waker is refreshed
    /// to `waker` (the newest one to wake); if `Notified`, the notification is consumed (the
    /// waiter becomes `Idle`, out of the list).
    pub(crate) fn refresh(&self, w: Pin<&Waiter>, waker: &Waker) -> WaitState {
        let w: *const Waiter = &*w;
        let new_waker = waker.clone();
        let (state, old) = self.links.with(|_| {
            // SAFETY: `w` is live (it is borrowed).
            let n = unsafe { node(w) };
            // SAFETY: lock held; single field accesses through `n` only.
            unsafe {
                let state = (*n).state;
                let old = match state {
                    WaitState::Queued => replace_waker(&mut (*n).waker, new_waker),
                    WaitState::Notified => {
                        (*n).state = WaitState::Idle;
                        Some(new_waker)
                    }
                    WaitState::Idle => Some(new_waker),
                };
                (state, old)
            }
        });
        // Dropped outside the lock: a waker's drop may run user code.
        drop(old);
        state
    }

    /// Where `w` is, without changing anything. Only `w`'s owner moves it to `Idle` (by
    /// consuming or removing it), so an owner that reads `Idle` here knows it is not queued.
    /// (Also used by the loom suite's broken twin of `refresh`, which splits the check from
    /// the waker refresh.)
    pub(crate) fn peek(&self, w: Pin<&Waiter>) -> WaitState {
        let w: *const Waiter = &*w;
        // SAFETY: lock held; `w` is live (it is borrowed); one field read.
        self.links.with(|_| unsafe { (*node(w)).state })
    }

    /// Takes `w` out of the list. Returns `true` if it held a notification it never consumed
    /// (only a consuming waiter can); the caller then passes it on with `notify(1)`, also
    /// when it got a slot on its own: that slot may have been freed before it queued (a free
    /// that notified nobody), and the notification then stands for another one.
    pub(crate) fn remove(&self, w: Pin<&Waiter>) -> bool {
        let consumes = w.consumes;
        let w: *const Waiter = &*w;
        let (waker, state) = self.links.with(|links| {
            // SAFETY: `w` is live (it is borrowed).
            let n = unsafe { node(w) };
            // SAFETY: lock held; `unlink` touches `w`'s and its neighbours' link
            // fields through raw pointers, and no reference into `*n` is live across it.
            unsafe {
                let state = (*n).state;
                if state == WaitState::Queued {
                    unlink(links, w);
                    self.add_len(usize::MAX);
                }
                (*n).state = WaitState::Idle;
                ((*n).waker.take(), state)
            }
        });
        drop(waker);
        consumes && state == WaitState::Notified
    }

    /// Wakes waiters oldest first until `n` *consuming* waiters have been woken or the list is
    /// empty; an unbound (`poll_reserve`) waiter met on the way is woken too, without counting
    /// (module docs). Returns how many consuming waiters were woken.
    ///
    /// The price: while only unbound waiters wait, every freed slot wakes all of them (each
    /// then tries for it, and the losers queue again at the front), where a consuming list
    /// wakes one. Unbound waiters are only `poll_reserve` callers; the send/reserve futures and
    /// the blocking calls, and the actor layer, all wait as consuming waiters.
    pub(crate) fn notify(&self, n: usize) -> usize {
        let mut consumed = 0;
        while consumed < n {
            let next = self.links.with(|links| {
                let w = links.head;
                if w.is_null() {
                    return None;
                }
                // SAFETY: lock held; `w` is the linked head, live until its
                // owner removes it under this lock; single field accesses through raw
                // pointers (`consumes` is never written after construction).
                unsafe {
                    unlink(links, w);
                    self.add_len(usize::MAX);
                    let n = node(w);
                    (*n).state = WaitState::Notified;
                    Some(((*n).waker.take(), (*w).consumes))
                }
            });
            let Some((waker, consumes)) = next else { break };
            consumed += usize::from(consumes);
            // Woken outside the lock: a waker may run arbitrary code.
            if let Some(waker) = waker {
                waker.wake();
            }
        }
        consumed
    }

    /// Wakes every waiter (the mailbox closed).
    pub(crate) fn notify_all(&self) {
        // `notify(usize::MAX)` empties the list; the loop only repeats it while it woke
        // someone (as before unbound waiters existed). A waiter queueing after the close
        // re-checks the ring after queueing and sees the close itself.
        while self.notify(usize::MAX) != 0 {}
    }
}

/// Unlinks `w` from `links`.
///
/// # Safety
/// The list lock is held and `w` is linked in `links`; no reference into any node is live.
unsafe fn unlink(links: &mut Links, w: *const Waiter) {
    // SAFETY: lock held, `w` linked (contract), so it and its neighbours are live; every
    // access is a single field access through a raw pointer.
    unsafe {
        let n = node(w);
        let (prev, next) = ((*n).prev, (*n).next);
        match prev.is_null() {
            true => links.head = next,
            false => (*node(prev)).next = next,
        }
        match next.is_null() {
            true => links.tail = prev,
            false => (*node(next)).prev = prev,
        }
        (*n).prev = ptr::null();
        (*n).next = ptr::null();
    }
}
