//! Helpers shared by the integration tests (included with `mod common;`).
#![allow(
    dead_code,
    unreachable_pub,
    missing_docs,
    missing_debug_implementations
)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::JoinHandle;

/// Runs every task it is given on a thread of its own (`ryker_core::blocking::block_on`);
/// [`TaskThreads::join`] waits for them (Miri insists that no thread outlives the test). The
/// `spawn` of the tests' own `Runtime`s.
#[derive(Clone, Debug, Default)]
pub struct TaskThreads(Arc<Mutex<Vec<JoinHandle<()>>>>);

impl TaskThreads {
    pub fn spawn<F: Future<Output = ()> + Send + 'static>(&self, task: F) {
        let t = std::thread::spawn(move || ryker_core::blocking::block_on(task));
        self.0.lock().unwrap().push(t);
    }

    pub fn join(&self) {
        let threads = std::mem::take(&mut *self.0.lock().unwrap());
        for t in threads {
            t.join().expect("a task thread");
        }
    }
}

/// A waker that counts how often it was woken.
#[derive(Default)]
pub struct CountingWaker(pub AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl CountingWaker {
    pub fn new() -> (Arc<Self>, Waker) {
        let w = Arc::new(Self::default());
        (w.clone(), Waker::from(w))
    }
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Polls `fut` once with `waker`.
pub fn poll_once<F: Future + ?Sized>(fut: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

/// A payload that counts its drops.
#[derive(Debug)]
pub struct Tracked {
    pub id: u64,
    pub drops: Arc<AtomicUsize>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// Scale factor for stress loops: `RYKER_STRESS_SCALE=small` (sanitizers, valgrind) shrinks them.
///
/// Under Miri (`.ci/miri.sh`) they shrink by a further factor of 200 on top of `small`: Miri runs
/// the threads one at a time, some 10^4 times slower than native, and what it checks (data races
/// on the slots, aliasing, leaks) needs a dozen hand-offs per thread, not thousands. Miri
/// isolates the environment, so the variable is not read there.
pub fn scale(full: usize) -> usize {
    if cfg!(miri) {
        return (full / 4_000).max(1);
    }
    match std::env::var("RYKER_STRESS_SCALE").as_deref() {
        Ok("small") => (full / 20).max(1),
        _ => full,
    }
}

/// A mailbox of `capacity` slots, the rest as the defaults (`Busy`).
pub fn with_capacity(capacity: usize) -> ryker_core::mailbox::MailboxConfig {
    ryker_core::mailbox::MailboxConfig {
        capacity,
        ..ryker_core::mailbox::MailboxConfig::default()
    }
}

/// `full` natively, `miri` under Miri (which runs threads one at a time, some 10^4 times
/// slower): the ported suites' sizes, each chosen per site.
pub const fn pick(full: usize, miri: usize) -> usize {
    if cfg!(miri) {
        miri
    } else {
        full
    }
}

pub fn ms(n: u64) -> std::time::Duration {
    std::time::Duration::from_millis(n)
}

/// Without, and (with the `amnesia` feature) with slots wiped after each message. Under Miri
/// (run with the feature) only the wiping mode: the plain one is the same code minus the wipe.
pub fn amnesia_modes() -> &'static [bool] {
    if cfg!(miri) && cfg!(feature = "amnesia") {
        &[true]
    } else if cfg!(feature = "amnesia") {
        &[false, true]
    } else {
        &[false]
    }
}

/// A pause that lets another thread reach its wait. Only orders threads: every test that
/// pauses stays correct if the other thread is not there yet.
pub fn pause() {
    std::thread::sleep(ms(20));
}

/// A mailbox of `capacity` slots under `overflow`, the rest as the defaults.
pub fn config(
    capacity: usize,
    overflow: ryker_core::mailbox::Overflow,
) -> ryker_core::mailbox::MailboxConfig {
    ryker_core::mailbox::MailboxConfig {
        capacity,
        overflow,
        ..ryker_core::mailbox::MailboxConfig::default()
    }
}
