//! Senders waiting for space: an intrusive FIFO list of waiters that live inside the waiting
//! futures themselves, so waiting never allocates.
//!
//! Every node field is read and written only under the list's lock. `len` mirrors the number
//! of queued nodes so that the receiver can skip the lock when nobody waits: it reads `len`
//! after a SeqCst fence that pairs with the fence a sender issues between registering and
//! re-checking the ring (see `mailbox.rs`).
//!
//! A notified waiter is unlinked and woken. When it runs it either gets a slot or goes back to
//! the *front* of the queue; a waiter dropped while notified passes the notification on to the
//! next one. So a freed slot is never left with a sleeping sender and an empty wake.

use core::fmt;
use core::marker::PhantomPinned;
use core::pin::Pin;
use core::ptr;
use core::task::Waker;

use crate::sync::{AtomicUsize, Ordering, SpinLock, UnsafeCell};

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
pub(crate) struct Waiter {
    node: UnsafeCell<Node>,
    _pinned: PhantomPinned,
}

struct Node {
    state: WaitState,
    waker: Option<Waker>,
    prev: *const Waiter,
    next: *const Waiter,
}

// SAFETY: the raw pointers in `Node` are only dereferenced under the list lock, and point at
// waiters that stay pinned and linked until their owner unlinks them under the same lock.
unsafe impl Send for Waiter {}
// SAFETY: as above; shared access to the node goes through the lock.
unsafe impl Sync for Waiter {}

impl fmt::Debug for Waiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiter").finish_non_exhaustive()
    }
}

impl Waiter {
    pub(crate) fn new() -> Self {
        Self {
            node: UnsafeCell::new(Node {
                state: WaitState::Idle,
                waker: None,
                prev: ptr::null(),
                next: ptr::null(),
            }),
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

/// The list of senders waiting for space.
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

/// Access to a node's fields; only ever called with the list lock held.
///
/// # Safety
/// The caller holds the list lock and `w` is a live waiter (pinned, not yet dropped: a linked
/// waiter is unlinked by its owner before it is dropped).
unsafe fn node<'a>(w: *const Waiter) -> &'a mut Node {
    // SAFETY: the caller holds the lock, which serializes every access to every node; `w` is
    // live per the contract.
    unsafe { (*w).node.with_mut(|p| &mut *p) }
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
        let old_waker = self.links.with(|links| {
            // SAFETY: lock held; `w` is live (the caller's contract).
            let n = unsafe { node(w) };
            let before = n.state;
            let old = match &n.waker {
                Some(current) if current.will_wake(&new_waker) => Some(new_waker),
                _ => n.waker.replace(new_waker),
            };
            if before != WaitState::Queued {
                n.state = WaitState::Queued;
                if front {
                    n.prev = ptr::null();
                    n.next = links.head;
                    match links.head.is_null() {
                        true => links.tail = w,
                        // SAFETY: lock held; linked nodes are live.
                        false => unsafe { node(links.head).prev = w },
                    }
                    links.head = w;
                } else {
                    n.next = ptr::null();
                    n.prev = links.tail;
                    match links.tail.is_null() {
                        true => links.head = w,
                        // SAFETY: lock held; linked nodes are live.
                        false => unsafe { node(links.tail).next = w },
                    }
                    links.tail = w;
                }
                // Relaxed: written under the lock; readers order it with SeqCst fences.
                self.len
                    .store(self.len.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
            }
            (old, before)
        });
        let (old, before) = old_waker;
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
            // SAFETY: lock held; `w` is live (it is borrowed).
            let n = unsafe { node(w) };
            let state = n.state;
            let old = match state {
                WaitState::Queued => match &n.waker {
                    Some(current) if current.will_wake(&new_waker) => Some(new_waker),
                    _ => n.waker.replace(new_waker),
                },
                WaitState::Notified => {
                    n.state = WaitState::Idle;
                    Some(new_waker)
                }
                WaitState::Idle => Some(new_waker),
            };
            (state, old)
        });
        // Dropped outside the lock: a waker's drop may run user code.
        drop(old);
        state
    }

    /// Where `w` is, without changing anything (only for the loom suite's broken twin of
    /// `refresh`, which splits the check from the waker refresh).
    #[cfg(ryker_loom_broken = "refresh")]
    pub(crate) fn peek(&self, w: Pin<&Waiter>) -> WaitState {
        let w: *const Waiter = &*w;
        // SAFETY: lock held; `w` is live (it is borrowed).
        self.links.with(|_| unsafe { node(w) }.state)
    }

    /// Takes `w` out of the list. Returns `true` if it held a notification it never consumed;
    /// the caller then passes it on with `notify(1)` unless it used a slot.
    pub(crate) fn remove(&self, w: Pin<&Waiter>) -> bool {
        let w: *const Waiter = &*w;
        let (waker, notified) = self.links.with(|links| {
            // SAFETY: lock held; `w` is live (it is borrowed).
            let n = unsafe { node(w) };
            let state = n.state;
            if state == WaitState::Queued {
                // SAFETY: lock held; `w` is linked, so are its neighbours.
                unsafe { unlink(links, w) };
                // Relaxed: written under the lock (see `register`).
                self.len
                    .store(self.len.load(Ordering::Relaxed) - 1, Ordering::Relaxed);
            }
            n.state = WaitState::Idle;
            (n.waker.take(), state == WaitState::Notified)
        });
        drop(waker);
        notified
    }

    /// Wakes up to `n` waiters, oldest first. Returns how many were woken.
    pub(crate) fn notify(&self, n: usize) -> usize {
        let mut woken = 0;
        while woken < n {
            let waker = self.links.with(|links| {
                let w = links.head;
                if w.is_null() {
                    return None;
                }
                // SAFETY: lock held; `w` is the linked head.
                unsafe { unlink(links, w) };
                // Relaxed: written under the lock (see `register`).
                self.len
                    .store(self.len.load(Ordering::Relaxed) - 1, Ordering::Relaxed);
                // SAFETY: lock held; `w` is live until its owner removes it under this lock.
                let node = unsafe { node(w) };
                node.state = WaitState::Notified;
                Some(node.waker.take())
            });
            match waker {
                None => break,
                Some(waker) => {
                    woken += 1;
                    // Woken outside the lock: a waker may run arbitrary code.
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                }
            }
        }
        woken
    }

    /// Wakes every waiter (the mailbox closed).
    pub(crate) fn notify_all(&self) {
        while self.notify(usize::MAX) != 0 {}
    }
}

/// Unlinks `w` from `links`.
///
/// # Safety
/// The list lock is held and `w` is linked in `links`.
unsafe fn unlink(links: &mut Links, w: *const Waiter) {
    // SAFETY: lock held, `w` linked (contract), so it and its neighbours are live.
    let n = unsafe { node(w) };
    match n.prev.is_null() {
        true => links.head = n.next,
        // SAFETY: as above.
        false => unsafe { node(n.prev).next = n.next },
    }
    match n.next.is_null() {
        true => links.tail = n.prev,
        // SAFETY: as above.
        false => unsafe { node(n.next).prev = n.prev },
    }
    n.prev = ptr::null();
    n.next = ptr::null();
}
